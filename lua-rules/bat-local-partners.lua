-- bat-local-partners.lua -- the Bring a Trailer "Local Partners" directory
-- (https://bringatrailer.com/local-partners/): one business record per
-- partner row.
--
-- The page is one static document: group headings (UNITED STATES, CANADA,
-- EUROPE, UNITED KINGDOM), region headings under them (a US state, CANADA
-- again, a European country, ENGLAND), each followed by a <table> whose
-- rows are partners.  A partner row is a <tr> whose text says
-- "BaT username"; in it: the partner's referral link (the first link that
-- leaves bringatrailer.com), the location in the first <strong> with a
-- comma ("Chandler, AZ", "Kortrijk, Belgium"), an optional logo image, and
-- the member link https://bringatrailer.com/member/<username>/.
--
-- The rules are those of the original system's indexer (its geographic key
-- formula and its business-type hint are kept exactly, so that keys agree
-- with its data), except where it was wrong: under EUROPE it returned
-- before reading the row's country ("Belgium" stayed a name, not BE); it
-- took "UK" in "London, UK" for a state; it read only the first <strong>
-- and only the table's previous siblings as headings; and where it guessed
-- a name from the row's loose text, this rule skips the row and says why.
--
-- Traps handled here:
-- - rows with a logo start with a link around the image (no text): the
--   name then comes from "visit the <Name> website";
-- - the same brand in several rows (two cities, one username) is several
--   businesses: rows are never merged by website or username, only by the
--   geographic key (first row wins, as in the original);
-- - curly apostrophes ("Donnelly’s", "Shop‘s"), en dashes ("San Francisco –
--   East Bay") and the page's typos ("Ford Lauderdale") are data: kept;
-- - usernames unlike the name (911r, asdspeed): read from the member URL;
-- - referral links to a bare homepage or to a third-party blog host are
--   still the partner's link;
-- - logos and other images live under /wp-content/: never a referral;
-- - the intro's member link (batsupport), the "Become a Local Partner"
--   section, header and footer are outside partner rows;
-- - headings are read from the document outline before each row, whatever
--   their level and however the table is wrapped (<figure>, <div>).
--
-- A row without a partner name or without a member link is skipped with a
-- warning; a row repeating an earlier row's geographic key with a notice.
-- A page with no partner at all fails (a truncated body, a bot challenge
-- or a new layout must not pass for an empty directory); a body cut off
-- before </html> gives the rows it has and a warning.
--
-- No links are followed: the bat-partners pipeline decides what to fetch
-- next (member pages, partner websites).

local DIRECTORY = "https://bringatrailer.com/local-partners/"

-- Group headings and the country each implies (Europe implies none: the
-- row's own label or the region heading names the country).
local GROUPS = {
  { "united states", "US" },
  { "united kingdom", "GB" },
  { "canada", "CA" },
  { "europe", false },
}

local NBSP = "\194\160"

-- Text with non-breaking spaces made plain and whitespace squashed.
local function clean(s)
  if not s then return nil end
  s = cv.squash((s:gsub(NBSP, " ")))
  if s == "" then return nil end
  return s
end

-- The original's slug: lower case, "&" -> " and ", every run of other
-- characters than [a-z0-9] -> "-", dashes trimmed, then cut to 80.  Lua's
-- lower() is byte-wise like the JS regex on a lower-cased string is
-- code-unit-wise: a non-ASCII letter becomes a dash ("Göttingen" ->
-- "g-ttingen"), as in the original's data.
local function slug(s)
  s = s:lower():gsub("&", " and "):gsub("[^a-z0-9]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  return s:sub(1, 80)
end

local function geographic_key(name, city, state, country)
  return table.concat({
    slug(name),
    city and slug(city) or "na",
    state and state:upper() or "na",
    country and country:upper() or "na",
  }, "|")
end

-- Business type from the name and the website origin: only a hint (the
-- directory has no category field); the original's patterns, in its order.
local function business_type_hint(name, website)
  local s = (name .. " " .. (website or "")):lower()
  local function any(list)
    for _, p in ipairs(list) do
      if s:find(p) then return true end
    end
    return false
  end
  if any({ "restoration", "coachwork", "body%s*shop", "collision", "paint", "autowerk" }) then
    return "restoration_shop"
  end
  if any({ "performance", "racing", "dyno", "tuning" }) then return "performance_shop" end
  if s:find("detail", 1, true) then return "detailing" end
  return "specialty_shop"
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Host of an absolute URL, lower case, without a leading "www.".
local function bare_host(url)
  local host = url:match("^[%a][%w+.-]*://([^/?#:]+)")
  return host and host:lower():gsub("^www%.", "") or nil
end

local function path_of(url)
  return url:match("^[%a][%w+.-]*://[^/?#]+(/[^?#]*)") or "/"
end

local function origin_of(url)
  local o = url:match("^(https?://[^/?#]+)")
  return o and o:lower() or nil
end

local function is_bat(url)
  return bare_host(url) == "bringatrailer.com"
end

-- "visit the X website" -> X (the original's /visit\s+the\s+(.+?)\s+website/i).
local function visit_name(text)
  if not text then return nil end
  local low = text:lower()
  local _, e = low:find("visit%s+the%s+")
  if not e then return nil end
  local w = low:find("%s+website", e + 2)
  if not w then return nil end
  return clean(text:sub(e + 1, w - 1))
end

-- The headings that enclose a row, read from the document outline: walking
-- back from the row, every heading of a higher rank (lower level number)
-- than all those met since.  Nearest first.
local function enclosing_headings(row)
  local all = row:xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")
  local out, min_level = {}, 7
  for i = #all, 1, -1 do
    local level = tonumber(all[i]:name():sub(2))
    if level < min_level then
      out[#out + 1] = { text = clean(all[i]:text()) or "" }
      min_level = level
    end
  end
  return out, all
end

local function group_code(text)
  local low = text:lower()
  for _, g in ipairs(GROUPS) do
    if low:find(g[1], 1, true) then return g[2] end
  end
  return nil
end

-- Group: the outermost enclosing heading naming a group (on the page, the
-- h2 over the h3 region; for Canada both say CANADA); when the outline does
-- not show one (headings all of one level), the nearest preceding heading
-- naming a group, as the original did.  Region: the nearest enclosing
-- heading below the group.
local function section_labels(row)
  local encl, all = enclosing_headings(row)
  local gi
  for i, h in ipairs(encl) do
    if group_code(h.text) ~= nil then gi = i end
  end
  if gi then
    return encl[gi].text, (gi > 1) and encl[1].text or nil
  end
  for i = #all, 1, -1 do
    local t = clean(all[i]:text())
    if t and group_code(t) ~= nil then
      local nearest = clean(all[#all]:text())
      return t, (i < #all) and nearest or nil
    end
  end
  return nil, encl[1] and encl[1].text or nil
end

-- The country named by a row label ("Kortrijk, Belgium") or a region
-- heading ("THE NETHERLANDS", "ENGLAND"), by the core's table (the one the
-- record's country field uses), so that key and record agree; a bare
-- two-letter label is taken as a code.
local function country_of_name(name)
  if not name then return nil end
  local key = cv.squash((name:gsub("%.", "")))
  return cv.country(key) or cv.country((key:gsub("^[Tt][Hh][Ee]%s+", "")))
    or (key:match("^%a%a$") and key:upper()) or nil
end

-- The first <strong> that has a comma, split at the commas: "City, ST",
-- "City, Country", "City, ST, Country".
local function location_parts(row)
  for _, s in ipairs(row:css("strong")) do
    local text = clean(s:text())
    if text and text:find(",", 1, true) then
      local parts = {}
      for p in text:gmatch("[^,]+") do
        p = clean(p)
        if p then parts[#parts + 1] = p end
      end
      return parts, text
    end
  end
  return {}, nil
end

-- City, state and country label from the parts.  A two-letter second part
-- is a state or province code ("Chandler, AZ", "Vancouver, BC") except
-- under a European or UK group heading, where the page has no states and
-- two letters are a country ("London, UK"; the original took those for a
-- state).
local function location(parts, group)
  local loc = { city = parts[1] }
  local gc = group and group_code(group)
  local has_states = gc == nil or gc == "US" or gc == "CA"
  for i = 2, #parts do
    if i == 2 and has_states and parts[i]:match("^%a%a$") then
      loc.state = parts[i]:upper()
    else
      loc.label = loc.label or parts[i]
    end
  end
  return loc
end

-- The row's links: the member link and the external ones (not BaT, with or
-- without www, and not /wp-content/), in document order.
local function row_links(page, row)
  local member, external = nil, {}
  for _, a in ipairs(row:css("a[href]")) do
    local url = page:resolve(a:attr("href"))
    if url then
      if is_bat(url) then
        if not member and path_of(url):match("^/member/") then
          member = { url = url, text = clean(a:text()) }
        end
      elseif not path_of(url):find("/wp-content/", 1, true) then
        external[#external + 1] = { url = url, text = clean(a:text()) }
      end
    end
  end
  return member, external
end

local function username_of(member)
  local seg = path_of(member.url):match("^/member/([^/]+)")
  local name = seg and clean(percent_decode(seg))
  return name or member.text
end

-- The first external link's text; "visit the X website" gives X; a link
-- without text (the logo) sends us to the "visit the" link.
local function partner_name(external)
  local first = external[1]
  if first and first.text then
    if first.text:lower():match("^visit%s+the%s") then
      return visit_name(first.text) or first.text
    end
    return first.text
  end
  for _, a in ipairs(external) do
    local n = visit_name(a.text)
    if n then return n end
  end
  return nil
end

local function logo_of(page, row)
  for _, img in ipairs(row:css("img[src]")) do
    local src = page:resolve(img:attr("src"))
    if src and src:find("/wp-content/", 1, true) then return src end
  end
  return nil
end

-- The country of a row: the group's (US, CA, GB), else the row's label,
-- else the region heading.  Returns the code (nil when unknown) and the
-- name to give the record when this rule has no code for it.
local function country(group, region, label)
  local code = group and group_code(group)
  if code then return code end
  code = country_of_name(label) or country_of_name(region)
  if code then return code end
  return nil, label or region
end

local function is_partner_row(row)
  local text = clean(row:text())
  return text ~= nil and text:lower():find("bat username", 1, true) ~= nil
end

-- A partner row holding a nested table with partner rows is a layout
-- wrapper: the inner rows are the partners.
local function wraps_partner_rows(row)
  for _, inner in ipairs(row:xpath(".//tr")) do
    if is_partner_row(inner) then return true end
  end
  return false
end

local function extract(page)
  local seen, rows, emitted = {}, 0, 0
  for _, row in ipairs(page:css("tr")) do
    if is_partner_row(row) and not wraps_partner_rows(row) then
      rows = rows + 1
      local member, external = row_links(page, row)
      local name = partner_name(external)
      local parts, loc_text = location_parts(row)
      local what = name or loc_text or clean(row:text()):sub(1, 60)
      if not name then
        page:warn(("partner row %d (%s) skipped: no partner name (no external link "
                   .. "and no \"visit the ... website\" text)"):format(rows, what))
      elseif not member then
        page:warn(("partner row %d (%s) skipped: no BaT username (no link to "
                   .. "bringatrailer.com/member/)"):format(rows, what))
      else
        local group, region = section_labels(row)
        local loc = location(parts, group)
        local code, country_name = country(group, region, loc.label)
        local key = geographic_key(name, loc.city, loc.state, code)
        if seen[key] then
          page:log(("partner row %d (%s) skipped: same geographic key as row %d (%s)")
                   :format(rows, name, seen[key], key))
        else
          seen[key] = rows
          if country_name then
            page:log(("partner row %d (%s): no country code known for '%s', "
                      .. "the key says na"):format(rows, name, country_name))
          end
          local referral = external[1] and external[1].url or nil
          local website = referral and origin_of(referral)
          page:emit{
            type = "business",
            name = name,
            website = referral,         -- the record keeps its origin
            referral_url = referral,
            city = loc.city,
            state = loc.state,
            country = code or country_name,
            geographic_key = key,
            business_type = business_type_hint(name, website),
            bat_username = username_of(member),
            logo_url = logo_of(page, row),
          }
          emitted = emitted + 1
        end
      end
    end
  end
  if emitted > 0 and not page:body():find("</[Hh][Tt][Mm][Ll]%s*>") then
    -- A cut-off body still parses: say that the list may be short.
    page:warn(("the page ends before </html> (truncated?): %d partners read, "
               .. "the list may be incomplete"):format(emitted))
  end
  if emitted == 0 then
    -- An empty directory is a broken page (truncated, a bot challenge, a
    -- new layout), never "no partners": fail it so that it is retried and
    -- nothing downstream takes it for an empty list.
    if rows == 0 then
      page:fail("no partner rows (no table row with \"BaT username\"): "
                .. "the page is truncated, not the directory, or its layout changed")
    end
    page:fail(("none of the %d partner rows could be read (see the warnings above)"):format(rows))
  end
end

return {
  name = "bat-local-partners",
  version = "1.0.0",
  description = "BaT Local Partners directory: one business per partner row",
  -- without the slash too: BaT answers that URL with a 301 to the page
  claims = { "bringatrailer.com/local-partners/*", "bringatrailer.com/local-partners" },
  start_urls = { DIRECTORY },
  delay_ms = 2000,
  extract = extract,
}
