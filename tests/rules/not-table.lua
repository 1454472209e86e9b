-- not-table.lua -- test rule: the file returns a string, not a table.
return "not-table"
