-- flaky.lua -- test rule: a list page follows three cars; the second one
-- raises an error, the others must still come out.
return {
  name = "flaky",
  extract = function(page)
    if page.kind ~= "car" then
      for _, a in ipairs(page:css("a.car")) do
        page:follow(a:attr("href"), { kind = "car" })
      end
      return
    end
    if page.url:match("/2%.html$") then
      error("no luck with car 2") -- L:flaky
    end
    page:emit{ type = "vehicle", title = page:text("h1") }
  end,
}
