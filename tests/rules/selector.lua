-- selector.lua -- test rule: the title comes from one CSS selector, which
-- the test edits between two runs.
local TITLE = "h1.title"

return {
  name = "selector",
  version = "1",
  extract = function(page)
    page:emit{ type = "vehicle", title = page:text(TITLE) }
  end,
}
