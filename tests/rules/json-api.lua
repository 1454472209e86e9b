-- json-api.lua -- test rule: the JSON helpers and the normalisers, each
-- result logged as "name|value|value..." for the test to compare.
local function show(name, ...)
  local parts = { name }
  for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
  cv.log(table.concat(parts, "|"))
end

return {
  name = "json-api",
  extract = function(page)
    -- JSON-LD: @graph flattened, filtered by @type; null fields are absent
    local cars = page:jsonld("Vehicle")
    show("jsonld", #cars, cars[1].name, cars[1].offers.price, cars[1].vehicleIdentificationNumber,
         #page:jsonld(), #page:jsonld("Boat"))
    -- a JavaScript variable: trailing comma tolerated, null kept in arrays
    local inv = page:json_var("inventory")
    show("json_var", inv.count, #inv.cars, inv.cars[2] == cv.null, inv.cars[3].id,
         inv.cars[1].sold, page:json_var("nothing"))
    -- JSON in an attribute (entity-escaped in the markup)
    local data = page:first("#car"):json("data-car")
    show("node_json", data.year, math.type(data.year), data.price, #data.tags,
         data.tags[2] == cv.null, data.tags[3])
    -- any text
    local v, err = cv.json('{"a": [1, null, 3], "b": null, /* comment */ "c": "x",}')
    show("cv_json", #v.a, v.a[2] == cv.null, v.b, v.c, type(cv.null))
    show("cv_json_bad", cv.json("{"))
    -- normalisers
    show("price", cv.price("£45,000 ($57,150)"))
    show("price_none", cv.price("Call for price"))
    show("mileage", cv.mileage("45k Miles Shown"))
    show("mileage_tmu", cv.mileage("TMU"))
    local t = cv.title("No Reserve: 1973 Mercedes-Benz 280SL Roadster")
    show("title", t.year, t.make, t.model, t.trim, t.no_reserve)
    show("vin_kind", cv.vin_kind("WP0AA2991YS620631"), cv.vin_kind("N/A"))
    show("date", cv.date("2024-03-03"), cv.date("not a date"))
    show("regex", cv.regex("Lot #123 of 200", "Lot #([0-9]+)( of ([0-9]+))?"))
    show("squash", "[" .. cv.squash("  a \n\t b  ") .. "]")
    show("url_join", cv.url_join("https://a.example/x/y", "../z?utm_source=q&b=1#top"))
  end,
}
