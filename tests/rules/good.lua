-- good.lua -- test rule: the smallest working rule.
return {
  name = "good",
  extract = function(page)
    page:emit{ type = "vehicle", title = page:text("h1") }
  end,
}
