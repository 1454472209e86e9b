-- 003_page_keys.sql -- find the vehicles other writers stored, by the page
-- they came from.
--
-- carvest finds a car by its listing (vehicle_listings.url_key) or its VIN.
-- A vehicle stored without a listing -- by another program, or migrated
-- from the original system -- has only its URL columns, in whatever form
-- they were written: a trailing slash or not, tracking parameters, a
-- fragment, www. or not.  Before making a new car for a new listing, the
-- store looks for such a vehicle with the same page (bat_auction_url
-- first, then discovery_url, then listing_url), so importing over an
-- existing database does not double its cars.
--
-- Never edit this file once applied anywhere: add 004_*.sql instead.

-- The page a URL names, for this comparison only: the host in lower case
-- without "www.", and the path without its trailing slashes; scheme,
-- port, user, query and fragment left out.  NULL for anything else.
CREATE FUNCTION carvest_page_key(u text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(lower(m[1]), '^www[.]', '') || regexp_replace(m[2], '/+$', '')
    FROM (SELECT regexp_match(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)(?::[0-9]*)?([^?#]*)') AS m) s
$$;

CREATE INDEX vehicles_bat_auction_url_page ON vehicles (carvest_page_key(bat_auction_url))
    WHERE bat_auction_url IS NOT NULL;
CREATE INDEX vehicles_discovery_url_page ON vehicles (carvest_page_key(discovery_url));
CREATE INDEX vehicles_listing_url_page ON vehicles (carvest_page_key(listing_url))
    WHERE listing_url IS NOT NULL;
