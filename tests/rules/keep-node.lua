-- keep-node.lua -- test rule: keeps a node in an upvalue and uses it on the
-- next page, which must fail cleanly (never touch freed memory).
local kept

return {
  name = "keep-node",
  extract = function(page)
    if kept then
      cv.log("previous title: " .. kept:text()) -- L:kept
    end
    kept = page:first("h1")
    page:emit{ type = "vehicle", title = page:text("h1") }
    local next = page:attr("a.next", "href")
    if next then page:follow(next) end
  end,
}
