-- sandbox.lua -- test rule for t_lua_sandbox.sh: one case per page, chosen
-- by the last segment of the page URL (https://example.com/case/NAME).
-- Every line where a case must fail ends with a "-- L:NAME" marker; the
-- test looks the line number up there, so the file can change freely.

local function read_missing(t)
  return t.missing.field -- L:helper
end

local function helper_caller(t)
  local n = 1
  return read_missing(t), n
end

local cases = {}

-- what a rule must not reach
cases.io = function() return io.open("/etc/passwd") end -- L:io
cases.os = function() return os.execute("true") end -- L:os
cases.require = function() return require("io") end -- L:require
cases.dofile = function() return dofile("/etc/passwd") end -- L:dofile
cases.loadfile = function() return loadfile("/etc/passwd") end -- L:loadfile
cases.binary = function() return assert(load("\27LuaT\0\25\147\r\n\26\n\4\8\8", "bin", "b")) end -- L:binary
cases.dump = function() return string.dump(read_missing) end -- L:dump
cases.debug = function() return debug.getinfo(1) end -- L:debug
cases.coroutine = function() return coroutine.wrap(print) end -- L:coroutine
cases.collectgarbage = function() return collectgarbage("count") end -- L:collectgarbage
cases.undefined = function() return no_such_global end -- L:undefined
cases.newglobal = function() leaked_state = 1 end -- L:newglobal
cases.rawglobal = function() return rawset(_G, "leaked_state", 1) end -- L:rawglobal
cases.strmeta = function() local mt = getmetatable("") mt.__index = {} end -- L:strmeta
cases.finalizer = function() return setmetatable({}, { __gc = function() while true do end end }) end -- L:finalizer

-- limits (run with --lua-instructions 100000 / --lua-memory 1048576)
cases.loop = function() while true do end end -- L:loop
cases.pcall_loop = function() while true do pcall(function() while true do end end) end end -- L:pcall_loop
cases.xpcall_loop = function() while true do xpcall(function() while true do end end, function() while true do end end) end end -- L:xpcall_loop
cases.string_bomb = function() local s = "x" while true do s = s .. s end end
cases.table_bomb = function() local t = {} for i = 1, math.maxinteger do t[i] = { i } end end

-- errors
cases.helper = function() return helper_caller({}) end
cases.error_table = function() error({}) end -- L:error_table
cases.deep_json = function() return cv.json(string.rep("[", 500) .. string.rep("]", 500)) end -- L:deep_json
cases.emit_unknown = function(page) page:emit{ type = "vehicle", title = "1967 Porsche 911", colour = "red" } end -- L:emit_unknown
cases.emit_list = function(page) page:emit{ type = "vehicle", title = "1967 Porsche 911", images = { "/a.jpg", 42 } } end -- L:emit_list
cases.follow_unknown = function(page) page:follow("/next", { source = "no-such-source" }) end -- L:follow_unknown

-- what a rule may use
cases.allowed = function()
  local parts = {
    load("return 6 * 7")(),                          -- text chunks load
    select("#", pcall(error, "caught")),             -- pcall
    select(2, xpcall(error, function(m) return "h:" .. m end, "x")),  -- xpcall
    string.format("%05.1f", math.pi),                -- string, math
    table.concat({ "a", "b" }, ","),                 -- table
    utf8.char(252),                                  -- utf8
    tostring(getmetatable("")),                      -- the string metatable, locked
    type(string.dump),                               -- no bytecode
    tostring(cv.version ~= nil),
  }
  for i = 1, #parts do parts[i] = tostring(parts[i]) end
  cv.log("allowed|" .. table.concat(parts, "|"))
end

-- the whole surface, for a snapshot of the API
cases.globals = function()
  local function keys(t)
    local out = {}
    for k in pairs(t) do out[#out + 1] = tostring(k) end
    table.sort(out)
    return table.concat(out, " ")
  end
  cv.log("globals|" .. keys(_G))
  cv.log("cv|" .. keys(cv))
end

return {
  name = "sandbox",
  version = "1",
  description = "carvest test rule: sandbox cases",
  extract = function(page)
    local name = page.url:match("/case/([%w_]+)$")
    local case = name and cases[name]
    if not case then page:fail("no such case: " .. page.url) end
    case(page)
    page:emit{ type = "vehicle", title = "1967 Porsche 911", description = "case " .. name .. " ran to its end" }
  end,
}
