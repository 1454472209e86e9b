-- broken-syntax.lua -- test rule: a syntax error (a missing comma) on line 4.
return {
  name = "broken-syntax",
  extract = function(page) page:emit{ type = "vehicle" title = "x" } end,
}
