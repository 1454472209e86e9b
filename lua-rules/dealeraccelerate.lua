-- dealeraccelerate.lua -- dealer sites built on DealerAccelerate (Speed
-- Digital): Streetside Classics, Gateway, Classic Auto Mall, Motorcar
-- Studio and the many dealers on the same platform.
--
-- A site is recognised by its asset host or footer, not by its name.
-- List pages (/vehicles, /vehicles/sold, ?page=N, featured...) yield links
-- to vehicle pages and to the next list pages; vehicle pages
-- (/vehicles/<id>[-<branch>]/<year>-<make>-<model>) yield one vehicle.
-- The homepage also yields the dealer itself.
--
-- Traps handled here: sold cars stay on the for-sale list with their
-- price (only a "sold" class says so); desktop and mobile grids repeat
-- every tile (the core drops repeated links); sold vehicle pages drop
-- their JSON-LD and leave an HTML comment instead; related-vehicle tiles
-- on vehicle pages belong to other cars; marketplace links leave the site.

-- Tile links by theme.
local TILE_LINKS = table.concat({
  "a.inventory-item[href]",                 -- streetside
  "a.vehicle-grid__link[href]",             -- gateway
  "a[href]:has(> div.cam-vehicle-block)",   -- classicautomall
  "a.motorcar-inventory-link[href]",        -- motorcarstudio
}, ", ")

-- Vehicle page spec rows: label -> record field.
local SPEC_FIELDS = {
  ["stock #"] = "stock_number", ["stock"] = "stock_number", ["stock number"] = "stock_number",
  ["location"] = "location",
  ["mileage"] = "mileage", ["miles"] = "mileage", ["odometer"] = "mileage",
  ["vin"] = "vin", ["chassis"] = "vin", ["vin/chassis"] = "vin",
  ["engine"] = "engine",
  ["transmission"] = "transmission",
  ["exterior"] = "exterior_color", ["exterior color"] = "exterior_color", ["color"] = "exterior_color",
  ["interior"] = "interior_color", ["interior color"] = "interior_color",
}

local function origin_of(url)
  return url:match("^(https?://[^/]+)")
end

local function path_of(url)
  return url:match("^https?://[^/]+(/[^?#]*)") or "/"
end

local function same_site(page, url)
  return url ~= nil and origin_of(url) == origin_of(page.url)
end

-- /vehicles/5450-nsh/1961-chevrolet-corvette, /vehicles/san/1300/1983-...,
-- /inventory/476/1995-nissan-skyline-gt-r-r33
local function vehicle_slug(url)
  local path = path_of(url)
  return path:match("^/vehicles/%d+[%w-]*/(%d%d%d%d%-[%w-]+)$")
      or path:match("^/vehicles/%a+/%d+/(%d%d%d%d%-[%w-]+)$")
      or path:match("^/inventory/%d+/(%d%d%d%d%-[%w-]+)$")
end

local function slugify(s)
  return (s:lower():gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", ""))
end

-- The model as written in the title, guided by the URL slug
-- ("1981-chevrolet-k5-blazer" + "1981 Chevrolet K5 Blazer Silverado"
-- gives "K5 Blazer"): titles carry the trim, slugs do not.
local function model_from_slug(slug, title, make)
  if not slug or not title or not make then return nil end
  local rest = slug:match("^%d%d%d%d%-(.+)$")
  local mslug = slugify(make)
  if not rest or rest:sub(1, #mslug + 1) ~= mslug .. "-" then return nil end
  local want = rest:sub(#mslug + 2)
  local after = title:match("^%d%d%d%d%s+(.+)$")
  if not after then return nil end
  local words = {}
  for w in after:gmatch("%S+") do words[#words + 1] = w end
  -- skip the make's words in the title
  local make_words = select(2, make:gsub("%S+", ""))
  local model = {}
  for k = make_words + 1, #words do
    model[#model + 1] = words[k]
    local s = slugify(table.concat(model, " "))
    if s == want then return table.concat(model, " ") end
    if #s > #want then break end
  end
  return nil
end

local function spec_rows(page)
  local specs = {}
  for _, li in ipairs(page:css("ul.specs li, dl.specs > div, .vehicle-specs li")) do
    local label = li:text(".label, dt")
    local value = li:text(".value, dd")
    if label and value then
      specs[label:lower():gsub(":$", "")] = value
    end
  end
  return specs
end

local function description(page)
  local paras = page:texts("div.description p, div.vdp-description p")
  if #paras == 0 then return page:text("div.description") end
  return table.concat(paras, "\n\n")
end

local function images(page)
  local list = {}
  -- full-size links first; lazy images (data-src/data-lazy) as fallback
  for _, a in ipairs(page:css(".vdp-gallery a.gallery-link[href], .vdp-gallery a[data-fancybox][href]")) do
    list[#list + 1] = page:resolve(a:attr("href"))
  end
  if #list == 0 then
    for _, img in ipairs(page:css(".vdp-gallery img")) do
      local src = img:attr("data-src") or img:attr("data-lazy") or img:attr("src")
      if src and not src:match("^data:") then list[#list + 1] = page:resolve(src) end
    end
  end
  return list
end

-- Sold markers on a vehicle page.  Related-vehicle carousels reuse the
-- list tiles, sold ribbons included, so a marker inside another car's tile
-- (or inside the carousel) says nothing about this car.
local SOLD_MARKS = { ".sold-badge", ".vlp-ribbon.sold", ".cam-sold-vdp" }
local OTHER_CARS = {
  ".related-vehicles", "a.inventory-item", "article.vehicle-grid__item",
  "a.vehicle-grid__link", "div.cam-vehicle-block", "a.motorcar-inventory-link",
}

local function has_own_sold_mark(page)
  local foreign = {}
  for _, scope in ipairs(OTHER_CARS) do
    for _, mark in ipairs(SOLD_MARKS) do foreign[#foreign + 1] = scope .. " " .. mark end
  end
  foreign = page:css(table.concat(foreign, ", "))
  for _, m in ipairs(page:css(table.concat(SOLD_MARKS, ", "))) do
    local own = true
    for _, f in ipairs(foreign) do
      if m == f then own = false; break end
    end
    if own then return true end
  end
  return false
end

local function vehicle_page(page)
  local ld = page:jsonld("Vehicle")[1] or {}
  local offers = type(ld.offers) == "table" and ld.offers or {}
  local title = page:text("h1.vdp-title") or page:text(".vdp h1") or ld.name
  local canonical = page:attr("link[rel='canonical']", "href")
  local url = (canonical and same_site(page, page:resolve(canonical))) and page:resolve(canonical) or page.url
  local make = ld.manufacturer or (type(ld.brand) == "table" and ld.brand.name) or nil
  if not make and title then make = cv.title(title).make end
  local specs = spec_rows(page)

  local price_node = page:first(".vdp-price")
  local price_text = price_node and price_node:text() or nil
  local sold = (price_node and price_node:has_class("sold"))
      or has_own_sold_mark(page)
      or (offers.availability and offers.availability:match("SoldOut") ~= nil)

  local record = {
    type = "vehicle",
    url = url,
    title = title,
    year = tonumber(ld.vehicleModelDate),
    make = make,
    model = ld.model or model_from_slug(vehicle_slug(page.url), title, make),
    vin = ld.vehicleIdentificationNumber,
    listing_status = sold and "sold" or "for_sale",
    -- a sold car's page may still show what it was offered at
    asking_price = price_text,
    -- a currency alone ("Call for Price" pages declare one) says nothing
    currency = offers.price and offers.priceCurrency or nil,
    organization = origin_of(page.url),
    images = images(page),
    description = description(page),
  }
  if not price_text and offers.price then record.asking_price = offers.price end
  for label, value in pairs(specs) do
    local field = SPEC_FIELDS[label]
    if field and record[field] == nil then record[field] = value end
  end
  page:emit(record)
end

local function business(page)
  local address = page:text("footer .address, .site-footer .address")
  local loc = {}
  if address then
    -- "1925 Harbor Blvd, Albuquerque, NM 87102"
    local city, state = address:match("([^,]+),%s*(%u%u)%s*%d*%-?%d*$")
    loc.city, loc.state = city and cv.squash(city), state
  end
  local inventory, sold
  for _, a in ipairs(page:css("nav a[href], header a[href]")) do
    local href = page:resolve(a:attr("href"))
    if href and same_site(page, href) then
      local p = path_of(href)
      if p == "/vehicles" or p == "/vehicles/" then inventory = inventory or href end
      if p == "/vehicles/sold" then sold = sold or href end
    end
  end
  page:emit{
    type = "business",
    name = page:attr("meta[property='og:site_name']", "content")
        or page:attr("header a.logo img", "alt"),
    website = page.url,
    source_url = page.url,
    city = loc.city,
    state = loc.state,
    country = loc.state and "US" or nil,
    phone = page:text("footer .phone, .site-footer .phone"),
    -- the "Find us on CLASSIC.COM" footer badge links the dealer's profile
    classic_com_profile = page:attr("footer a[href*='classic.com/s/']", "href"),
    logo_url = page:attr("header a.logo img", "src"),
    favicon_url = page:attr("link[rel~='icon']", "href"),
    inventory_url = inventory,
    sold_inventory_url = sold,
    business_type = "dealer",
  }
end

local function list_page(page)
  for _, a in ipairs(page:css(TILE_LINKS)) do
    local href = page:resolve(a:attr("href"))
    if same_site(page, href) and vehicle_slug(href) then
      page:follow(href, { kind = "vehicle" })
    end
  end
  for _, a in ipairs(page:css("ul.pagination a[href]")) do
    local href = page:resolve(a:attr("href"))
    if same_site(page, href) then
      -- "?page=1" is the list itself under a second URL: follow the list
      href = href:gsub("([?&])page=1&", "%1"):gsub("[?&]page=1$", "")
      page:follow(href, { kind = "list" })
    end
  end
  -- from the homepage or any list: the inventory and sold lists
  for _, a in ipairs(page:css("nav a[href], header a[href]")) do
    local href = page:resolve(a:attr("href"))
    if same_site(page, href) then
      local p = path_of(href)
      if p == "/vehicles" or p == "/vehicles/sold" then page:follow(href, { kind = "list" }) end
    end
  end
end

return {
  name = "dealeraccelerate",
  version = "1.0.0",
  description = "DealerAccelerate / Speed Digital dealer sites: inventory, sold cars, dealer",
  fingerprints = { "cdn.dealeraccelerate.com", "cdn.dealeraccelerate.net", "Powered by SpeedDigital" },
  delay_ms = 1000,
  extract = function(page)
    if page.kind == "vehicle" or vehicle_slug(page.url) then
      vehicle_page(page)
      return
    end
    if path_of(page.url) == "/" then business(page) end
    list_page(page)
  end,
}
