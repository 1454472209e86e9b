-- unknown-field.lua -- test rule: a misspelt field (delay for delay_ms).
return {
  name = "unknown-field",
  delay = 500,
  extract = function(page) end,
}
