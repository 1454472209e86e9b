-- no-extract.lua -- test rule: the table has no extract function.
return {
  name = "no-extract",
}
