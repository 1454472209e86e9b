-- no-name.lua -- test rule: the table has no name.
return {
  extract = function(page) end,
}
