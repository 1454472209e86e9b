-- bat-local-partners.lua -- placeholder: being written.
return {
  name = "bat-local-partners",
  version = "0.0.0",
  description = "placeholder",
  extract = function(page) error("not written yet") end,
}
