-- bad-name.lua -- test rule: a name outside [a-z0-9-].
return {
  name = "Bad Name!",
  extract = function(page) end,
}
