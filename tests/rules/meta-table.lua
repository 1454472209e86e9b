-- meta-table.lua -- test rule: the registration table has an __index that
-- fails.  The host reads the table's own fields only, so this loads.
return setmetatable({
  name = "meta-table",
  extract = function(page) end,
}, { __index = function(_, key) error("metamethod called for " .. key) end })
