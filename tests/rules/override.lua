-- override.lua -- test rule: the test copies it into two directories (the
-- second copy with another version) to see which one wins.
return {
  name = "override",
  version = "first",
  extract = function(page)
    page:emit{ type = "business", name = "override" }
  end,
}
