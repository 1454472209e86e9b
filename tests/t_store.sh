#!/bin/sh
# t_store.sh -- persistence (core/store.c) through carvest crawl, against a
# real PostgreSQL and the fixture server, on a scratch copy of the fixture
# sites that is edited between runs:
#  - --dry-run writes nothing; an unreachable database stops the crawl
#    before it fetches anything (exit 3);
#  - a dealer site is stored: the business, its vehicles, listings, price
#    history, images, and its consigner / sold_by links and dealer
#    inventory, found through the vehicles' website origin;
#  - the same crawl twice leaves every table as it was but last_seen_at;
#  - a changed price updates the row and adds a price-history entry;
#  - a field missing on a re-scrape does not erase the stored one;
#  - one valid VIN on two sites is one vehicle with two listings, and a
#    listing that gains another car's VIN merges the two;
#  - scraped text reaches SQL only as parameters ('); DROP TABLE ...);
#  - listings stored before their business are linked once it is;
#  - SIGTERM stores what was extracted and logs the run as interrupted;
#  - SIGKILL mid-crawl and a re-run, a PostgreSQL restart mid-crawl, and
#    a database that stays away past the reconnect window (exit 3) and a
#    re-run all end with exactly the data of an uninterrupted run.
# The whole test uses one private cluster (require_pg --private): the
# restart needs one, and lib.sh keeps one database server per test.

# 'local' is not POSIX but every sh that runs the tests has it.
# shellcheck disable=SC3043
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest
[ -d "$top_srcdir/tests/fixtures/sites/www.ferraromotorcars.com" ] || skip_all "fixture sites missing"
command -v psql >/dev/null 2>&1 || skip_all "psql not installed"
require_pg --private

SITES=$SCRATCH/sites
cp -R "$top_srcdir/tests/fixtures/sites" "$SITES" || bail_out "cannot copy the fixture sites"
start_fixture_server "$SITES" --slash-redirect bringatrailer.com || bail_out "no fixture server"

SERVER=${DATABASE_URL%/*}
MAIN_DB=$DATABASE_URL
D=https://www.ferraromotorcars.com
B=https://bringatrailer.com/listing
DA=$SITES/www.ferraromotorcars.com/vehicles
BA=$SITES/bringatrailer.com/listing

cv() {
    "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 "$@"
}

q() {    # SQL on $DATABASE_URL, one row per line
    psql_q "$1" 2>&1
}

edit() {    # SED-SCRIPT FILE: edit a fixture in place (sed -i is not POSIX)
    sed "$1" "$2" >"$2.new" && mv "$2.new" "$2"
}

newdb() {    # NAME: an empty database on the test's server; prints its URL
    psql "$SERVER/postgres" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $1" >/dev/null &&
        echo "$SERVER/$1"
}

# Every data table, every column, rows in id order (one database against
# itself); last_seen_at left out unless --with-last-seen.
dump_full() {
    local drop="'last_seen_at'"
    [ "${1:-}" = --with-last-seen ] && drop="'no such column'"
    psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -f - <<EOF
SELECT 'businesses', to_jsonb(t) - $drop FROM businesses t ORDER BY id;
SELECT 'vehicles', to_jsonb(t) - $drop FROM vehicles t ORDER BY id;
SELECT 'vehicle_listings', to_jsonb(t) - $drop FROM vehicle_listings t ORDER BY id;
SELECT 'vehicle_price_history', to_jsonb(t) - $drop FROM vehicle_price_history t ORDER BY id;
SELECT 'vehicle_images', to_jsonb(t) - $drop FROM vehicle_images t ORDER BY id;
SELECT 'organization_vehicles', to_jsonb(t) - $drop FROM organization_vehicles t ORDER BY id;
SELECT 'dealer_inventory', to_jsonb(t) - $drop FROM dealer_inventory t ORDER BY id;
EOF
}

# The data by natural keys, without ids and timestamps (two databases
# filled by different runs).
dump_natural() {
    psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -f - <<'EOF'
SELECT 'business', to_jsonb(b) - '{id,created_at,updated_at}'::text[]
  FROM businesses b ORDER BY geographic_key NULLS FIRST, website NULLS FIRST, business_name;
SELECT 'vehicle', to_jsonb(v) - '{id,created_at,updated_at}'::text[]
  FROM vehicles v ORDER BY discovery_url;
SELECT 'listing', to_jsonb(l) - '{id,vehicle_id,organization_id,first_seen_at,last_seen_at,updated_at}'::text[]
       || jsonb_build_object('vehicle', v.discovery_url, 'org', b.business_name)
  FROM vehicle_listings l JOIN vehicles v ON v.id = l.vehicle_id
  LEFT JOIN businesses b ON b.id = l.organization_id ORDER BY l.url_key;
SELECT 'price', to_jsonb(h) - '{id,vehicle_id,listing_id,observed_at}'::text[]
       || jsonb_build_object('vehicle', v.discovery_url, 'listing', l.url_key)
  FROM vehicle_price_history h JOIN vehicles v ON v.id = h.vehicle_id
  JOIN vehicle_listings l ON l.id = h.listing_id ORDER BY l.url_key, h.id;
SELECT 'image', to_jsonb(i) - '{id,vehicle_id,created_at}'::text[]
       || jsonb_build_object('vehicle', v.discovery_url)
  FROM vehicle_images i JOIN vehicles v ON v.id = i.vehicle_id
 ORDER BY v.discovery_url, i.position, i.image_url;
SELECT 'link', to_jsonb(o) - '{id,organization_id,vehicle_id,created_at,updated_at}'::text[]
       || jsonb_build_object('org', b.business_name, 'vehicle', v.discovery_url)
  FROM organization_vehicles o JOIN businesses b ON b.id = o.organization_id
  JOIN vehicles v ON v.id = o.vehicle_id ORDER BY b.business_name, v.discovery_url, o.relationship_type;
SELECT 'stock', to_jsonb(d) - '{id,dealer_id,vehicle_id,first_seen_at,last_seen_at,created_at,updated_at}'::text[]
       || jsonb_build_object('org', b.business_name, 'vehicle', v.discovery_url)
  FROM dealer_inventory d JOIN businesses b ON b.id = d.dealer_id
  JOIN vehicles v ON v.id = d.vehicle_id ORDER BY b.business_name, v.discovery_url;
EOF
}

same_files() {    # NAME A B: pass when the files are equal, else show the difference
    if cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1"
        diff "$2" "$3" | head -20 | sed 's/^/#   /'
    fi
}

listings_in() {    # DATABASE URL: stored listings (0 before the schema exists)
    psql "$1" -XAtq -c "SELECT count(*) FROM vehicle_listings" 2>/dev/null || echo 0
}

# Until N listings are stored in DATABASE; fails when process PID ended
# first (a zombie counts as ended) or after 30 s.
wait_listings() {    # DATABASE N PID
    "$PYTHON3" -c '
import os, subprocess, sys, time
url, n, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def alive():
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

deadline = time.monotonic() + 30
while time.monotonic() < deadline and alive():
    r = subprocess.run(["psql", url, "-XAtq", "-c", "SELECT count(*) FROM vehicle_listings"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True)
    if r.returncode == 0 and int(r.stdout.strip() or 0) >= n:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)' "$1" "$2" "$3"
}

# ------------------------------------------------ --dry-run, no database

run cv -n crawl dealeraccelerate "$D/"
ok_eq "--dry-run: exit 0" "$RUN_STATUS" 0
ok_eq "--dry-run: the records still print" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 9
ok_match "--dry-run: the summary says nothing was stored" "$(cat "$RUN_ERR")" "nothing stored \(--dry-run\)"
ok_eq "--dry-run: the database is not touched (no tables)" \
    "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0

before=$(log_count /)
run env DATABASE_URL=postgresql://postgres@127.0.0.1:1/nowhere "$CARVEST" \
    --map-origin "$FIXTURE_MAP" --delay-ms 0 crawl dealeraccelerate "$D/"
ok_eq "unreachable database: exit 3" "$RUN_STATUS" 3
ok_match "unreachable database: says so and names it" "$(cat "$RUN_ERR")" \
    "cannot connect to the database postgresql://postgres@127.0.0.1:1/nowhere"
ok_eq "unreachable database: nothing is fetched" "$(log_count /)" "$before"

# ------------------------------------------------------- a dealer site

run cv crawl dealeraccelerate "$D/"
ok_eq "crawl of the dealer site: exit 0" "$RUN_STATUS" 0
ok_eq "the records still print on stdout" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 9
ok_match "the summary counts what was stored" "$(cat "$RUN_ERR")" \
    "9 records, 0 failed.*stored: 8 vehicles new, 0 updated, 0 merged, 8 listings new, 1 business new"
ok_eq "one business, eight vehicles, eight listings" \
    "$(q "SELECT (SELECT count(*) FROM businesses), (SELECT count(*) FROM vehicles), (SELECT count(*) FROM vehicle_listings)")" \
    "1|8|8"
ok_eq "the business, found by the source that discovered it" \
    "$(q "SELECT business_name, website, city, discovered_via FROM businesses")" \
    "Ferraro Motorcars|$D|Albuquerque|dealeraccelerate"
ok_eq "a price-history entry per listing first seen" "$(q "SELECT count(*) FROM vehicle_price_history")" 8
ok_eq "every image of every record, in gallery order" \
    "$(q "SELECT count(*) FROM vehicle_images")" \
    "$("$PYTHON3" -c 'import json,sys
print(sum(len(json.loads(l).get("images", [])) for l in open(sys.argv[1])))' "$RUN_OUT")"
ok_eq "positions follow the gallery from 0" \
    "$(q "SELECT min(position) || '-' || max(position) || '/' || count(*) FROM vehicle_images i JOIN vehicles v ON v.id = i.vehicle_id WHERE v.discovery_url = '$D/vehicles/10120-san/1983-porsche-928'")" \
    "0-20/21"
ok_eq "vehicles name the dealer by website: consigner while for sale, sold_by once sold" \
    "$(q "SELECT relationship_type, status, count(*) FROM organization_vehicles GROUP BY 1, 2 ORDER BY 1, 2")" \
    "consigner|active|5
sold_by|sold|3"
ok_eq "every linked listing points at the business" \
    "$(q "SELECT count(*) FROM vehicle_listings l JOIN businesses b ON b.id = l.organization_id")" 8
ok_eq "dealer inventory: in stock and sold" \
    "$(q "SELECT status, count(*) FROM dealer_inventory GROUP BY 1 ORDER BY 1")" \
    "in_stock|5
sold|3"
ok_eq "a valid 17-character VIN is identity (upper case), a chassis number is not" \
    "$(q "SELECT vin, vin_valid FROM vehicles WHERE discovery_url IN ('$D/vehicles/19783-den/1981-chevrolet-k5-blazer', '$D/vehicles/64642-san/1970-mercedes-benz-280sl') ORDER BY 1")" \
    "113.044-12-792502|f
1G1KNTP94BG452066|t"
ok_eq "descriptions are marked as the source's" \
    "$(q "SELECT count(*) FROM vehicles WHERE description IS NOT NULL AND description_source = 'source'")" 8
ok_eq "listing_url and source are the listing's" \
    "$(q "SELECT count(*) FROM vehicles WHERE listing_url = discovery_url AND source = 'dealeraccelerate'")" 8
ok_eq "the run is logged" \
    "$(q "SELECT command, source, status, pages, records, failed FROM crawl_runs")" \
    "crawl|dealeraccelerate|completed|12|9|0"

# --------------------------------------------------- the same crawl twice

dump_full >"$SCRATCH/full1"
dump_full --with-last-seen >"$SCRATCH/seen1"
run cv crawl dealeraccelerate "$D/"
ok_eq "the same crawl again: exit 0" "$RUN_STATUS" 0
ok_match "the same crawl again: every record unchanged" "$(cat "$RUN_ERR")" \
    "stored: 0 vehicles new, 0 updated, 0 merged, 0 listings new, 0 businesses new, 0 updated, 0 price changes, 0 images new, 0 organisation links new, 9 records unchanged, 0 rejected"
dump_full >"$SCRATCH/full2"
dump_full --with-last-seen >"$SCRATCH/seen2"
same_files "the same crawl twice: every table byte for byte the same but last_seen_at" \
    "$SCRATCH/full1" "$SCRATCH/full2"
ok_not "last_seen_at did move" cmp -s "$SCRATCH/seen1" "$SCRATCH/seen2"
ok_eq "two runs logged" "$(q "SELECT count(*) FROM crawl_runs WHERE status = 'completed'")" 2

# -------------------------------------------------------- a price changes

P928=$D/vehicles/10120-san/1983-porsche-928
q "SELECT discovery_url, updated_at FROM vehicles ORDER BY 1" >"$SCRATCH/upd1"
# shellcheck disable=SC2016  # a dollar sign, not a variable
edit 's/\$65,000/$59,500/; s/"price": 65000/"price": 59500/' "$DA/10120-san/1983-porsche-928/index.html"
run cv crawl dealeraccelerate "$D/"
ok_eq "after a price change: exit 0" "$RUN_STATUS" 0
ok_match "the summary counts one price change" "$(cat "$RUN_ERR")" "0 vehicles new, 1 updated, .* 1 price change,"
ok_eq "the vehicle has the new price" \
    "$(q "SELECT asking_price FROM vehicles WHERE discovery_url = '$P928'")" 59500
ok_eq "the listing has the new price" \
    "$(q "SELECT asking_price FROM vehicle_listings WHERE url = '$P928'")" 59500
ok_eq "the price history has both prices, oldest first" \
    "$(q "SELECT h.asking_price FROM vehicle_price_history h JOIN vehicle_listings l ON l.id = h.listing_id WHERE l.url = '$P928' ORDER BY h.id")" \
    "65000
59500"
ok_eq "the dealer link and the inventory row have it too" \
    "$(q "SELECT o.asking_price, d.asking_price FROM organization_vehicles o JOIN dealer_inventory d USING (vehicle_id) JOIN vehicles v ON v.id = o.vehicle_id WHERE v.discovery_url = '$P928'")" \
    "59500|59500"
q "SELECT discovery_url, updated_at FROM vehicles ORDER BY 1" >"$SCRATCH/upd2"
ok_eq "only that vehicle's updated_at moved" \
    "$(diff "$SCRATCH/upd1" "$SCRATCH/upd2" | grep '^>' | cut -d'|' -f1)" "> $P928"

# --------------------------------------------- a field missing on a re-scrape

CUDA=$D/vehicles/41270-san/1973-plymouth-barracuda
edit '/<span class="label">Exterior<\/span>/d; /<span class="label">Mileage<\/span>/d; /"mileageFromOdometer"/,/^ }/d' \
    "$DA/41270-san/1973-plymouth-barracuda/index.html"
run cv crawl dealeraccelerate "$D/"
ok_eq "after fields vanished from a page: exit 0" "$RUN_STATUS" 0
ok_eq "the re-scraped record has no exterior colour or mileage" "$("$PYTHON3" -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("url") == sys.argv[2]:
        print(o.get("exterior_color"), o.get("mileage"))' "$RUN_OUT" "$CUDA")" "None None"
ok_eq "the vehicle keeps the stored colour and mileage" \
    "$(q "SELECT exterior_color, mileage, mileage_unit FROM vehicles WHERE discovery_url = '$CUDA'")" \
    "Gunmetal Gray|2731|mi"
ok_eq "the listing keeps them too" \
    "$(q "SELECT record->>'exterior_color', record->>'mileage' FROM vehicle_listings WHERE url = '$CUDA'")" \
    "Gunmetal Gray|2731"
ok_eq "and no price-history entry is added" \
    "$(q "SELECT count(*) FROM vehicle_price_history h JOIN vehicle_listings l ON l.id = h.listing_id WHERE l.url = '$CUDA'")" 1

# ------------------------------------------------- one VIN on two sites

K5VIN=1G1KNTP94BG452066
ok_eq "the shared VIN's check digit is right" "$("$PYTHON3" -c 'import sys
v = sys.argv[1]; w = [8,7,6,5,4,3,2,10,0,9,8,7,6,5,4,3,2]
t = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1,2,3,4,5,6,7,8,1,2,3,4,5,7,9,2,3,4,5,6,7,8,9]))
r = sum((int(c) if c.isdigit() else t[c]) * x for c, x in zip(v, w)) % 11
print("ok" if v[8] == ("X" if r == 10 else str(r)) else "bad")' "$K5VIN")" ok
edit "s/1G1EL6K88K6282741/$K5VIN/g" "$BA/1989-chevrolet-k5-blazer-silverado/index.html"
run cv crawl bat-listing "$B/1989-chevrolet-k5-blazer-silverado/"
ok_eq "a BaT listing with the dealer's VIN: exit 0" "$RUN_STATUS" 0
ok_eq "still eight vehicles" "$(q "SELECT count(*) FROM vehicles")" 8
ok_eq "one vehicle, two listings (two sources)" \
    "$(q "SELECT l.source FROM vehicle_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.vin = '$K5VIN' ORDER BY 1")" \
    "bat-listing
dealeraccelerate"
ok_eq "the car on sale is its current listing; the BaT auction is known too" \
    "$(q "SELECT listing_url, listing_status, bat_auction_url FROM vehicles WHERE vin = '$K5VIN'")" \
    "$D/vehicles/19783-den/1981-chevrolet-k5-blazer|for_sale|$B/1989-chevrolet-k5-blazer-silverado/"
ok_eq "the dealer's links to the car are kept" \
    "$(q "SELECT o.relationship_type, d.status FROM organization_vehicles o JOIN dealer_inventory d USING (vehicle_id) JOIN vehicles v ON v.id = o.vehicle_id WHERE v.vin = '$K5VIN'")" \
    "consigner|in_stock"
ok_eq "the BaT seller is not a known business yet: remembered, not linked" \
    "$(q "SELECT organization_id IS NULL, org_ref FROM vehicle_listings WHERE source = 'bat-listing'")" \
    "t|bat:944garage"

# ----------------------------------- a listing gains another car's VIN: merge

GTS=$D/vehicles/66225-san/1981-porsche-928
P911=$BA/1991-porsche-911-carrera-2-coupe-5-speed-63/index.html
cp "$P911" "$SCRATCH/911.html"
edit 's|<li[^>]*>Chassis: <a [^>]*>[^<]*</a></li>||' "$P911"
run cv crawl bat-listing "$B/1991-porsche-911-carrera-2-coupe-5-speed-63/"
ok_eq "a BaT listing without its chassis number (none in the record)" \
    "$(grep -c '"vin"' "$RUN_OUT")" 0
ok_eq "is a car of its own" "$(q "SELECT count(*) FROM vehicles")" 9
imgs_before=$(q "SELECT count(*) FROM vehicle_images")
sed "s/WP0AB296XMS410123/WP0X4F2P6B6545295/g" "$SCRATCH/911.html" >"$P911"
run cv crawl bat-listing "$B/1991-porsche-911-carrera-2-coupe-5-speed-63/"
ok_eq "the listing now shows the VIN of a dealer's car: exit 0" "$RUN_STATUS" 0
ok_match "the summary counts the merge" "$(cat "$RUN_ERR")" "0 vehicles new, 1 updated, 1 merged"
ok_eq "the two rows are one car" "$(q "SELECT count(*) FROM vehicles")" 8
ok_eq "the survivor is the car that had the VIN, with both listings" \
    "$(q "SELECT v.discovery_url, count(*) FROM vehicles v JOIN vehicle_listings l ON l.vehicle_id = v.id WHERE v.vin = 'WP0X4F2P6B6545295' GROUP BY 1")" \
    "$GTS|2"
ok_eq "no image lost in the merge" "$(q "SELECT count(*) FROM vehicle_images")" "$imgs_before"
ok_eq "the BaT listing's price history moved with it" \
    "$(q "SELECT count(*) FROM vehicle_price_history h JOIN vehicles v ON v.id = h.vehicle_id WHERE v.discovery_url = '$GTS'")" 2
ok_eq "the dealer's link to the survivor is kept" \
    "$(q "SELECT o.relationship_type FROM organization_vehicles o JOIN vehicles v ON v.id = o.vehicle_id WHERE v.discovery_url = '$GTS'")" \
    "sold_by"

# ------------------------------------------- scraped text is never SQL

EVIL="1970 Datsun 240Z '); DROP TABLE vehicles; --"
edit "s|<h1 class=\"post-title listing-post-title\">1970 Datsun 240Z</h1>|<h1 class=\"post-title listing-post-title\">1970 Datsun 240Z \&#39;); DROP TABLE vehicles; --</h1>|" \
    "$BA/1970-datsun-240z/index.html"
run cv crawl bat-listing "$B/1970-datsun-240z/"
ok_eq "a title with SQL in it: exit 0" "$RUN_STATUS" 0
ok_eq "it is stored verbatim" \
    "$(q "SELECT title FROM vehicles WHERE discovery_url = '$B/1970-datsun-240z/'")" "$EVIL"
ok_eq "and the vehicles table is still there" "$(q "SELECT count(*) FROM vehicles")" 9

# ------------------------------- listings stored before their business

DATABASE_URL=$(newdb store_orphans) || bail_out "cannot create a database"
export DATABASE_URL
run cv crawl dealeraccelerate "$P928"
ok_eq "a vehicle page before its dealer's homepage: exit 0" "$RUN_STATUS" 0
ok_eq "its organization is remembered, not linked" \
    "$(q "SELECT organization_id IS NULL, org_ref FROM vehicle_listings")" "t|web:$D"
run cv crawl dealeraccelerate "$D/" --max-pages 1
ok_eq "then the homepage alone (the business): exit 0" "$RUN_STATUS" 0
ok_eq "the listing is linked to the business now" \
    "$(q "SELECT b.business_name FROM vehicle_listings l JOIN businesses b ON b.id = l.organization_id")" \
    "Ferraro Motorcars"
ok_eq "with its consigner link and dealer inventory" \
    "$(q "SELECT o.relationship_type, o.status, d.status FROM organization_vehicles o JOIN dealer_inventory d USING (vehicle_id)")" \
    "consigner|active|in_stock"

# ------------------- every kind of organisation key, VIN kinds, rejections

# A rule that emits the records a page lists in `var records = [...]`.
RULES=$SCRATCH/rules
mkdir -p "$RULES" "$SITES/test.example"
cat >"$RULES/records.lua" <<'EOF'
-- records.lua -- test rule: emits the records of the page's `records` variable.
return {
  name = "records",
  extract = function(page)
    for _, r in ipairs(page:json_var("records") or {}) do page:emit(r) end
  end,
}
EOF
page() {    # FILE JSON: a page whose records are JSON
    printf '<html><body><script>var records = %s;</script></body></html>\n' "$2" \
        >"$SITES/test.example/$1"
}
T=https://test.example/cars
VIN17=WDB1130441F123456      # European WMI, position 9 not a check digit
BADVIN=1G1KNTP95BG452066     # North American, check digit wrong
page a.html '[
 {"type": "business", "name": "Website Motors", "website": "https://www.website-motors.example",
  "bat_username": "WebsiteMotors", "business_type": "dealer"},
 {"type": "business", "name": "Geo Garage", "geographic_key": "geo-garage|mesa|AZ|US",
  "website": "https://geo-garage.example", "city": "Mesa"},
 {"type": "business", "name": "Classic Seller",
  "classic_com_profile": "https://www.classic.com/s/classic-seller-AbC/"},
 {"type": "business", "name": "Auction House", "website": "https://auctions.example",
  "business_type": "auction_house"},
 {"type": "business", "name": "Nameless Keys"},
 {"type": "vehicle", "url": "'"$T"'/1", "title": "1967 Porsche 911S", "listing_status": "for_sale",
  "organization": "geo-garage|mesa|AZ|US"},
 {"type": "vehicle", "url": "'"$T"'/1", "title": "1967 Porsche 911S", "listing_status": "for_sale",
  "organization": "geo-garage|mesa|AZ|US"},
 {"type": "vehicle", "url": "'"$T"'/2", "title": "1972 BMW 2002", "listing_status": "sold",
  "sale_price": 50000, "organization": "https://bringatrailer.com/member/websitemotors/"},
 {"type": "vehicle", "url": "'"$T"'/3", "title": "1985 Ferrari 308", "listing_status": "for_sale",
  "organization": "https://www.classic.com/s/classic-seller-abc"},
 {"type": "vehicle", "url": "'"$T"'/4", "title": "1990 Ferrari 348", "listing_status": "live",
  "organization": "https://auctions.example"},
 {"type": "image", "url": "https://img.example/engine.jpg", "vehicle_url": "'"$T"'/1",
  "caption": "Engine bay"},
 {"type": "vehicle", "url": "'"$T"'/5", "title": "1980 Mercedes-Benz 450SL", "vin": "'"$VIN17"'"},
 {"type": "vehicle", "url": "'"$T"'/6", "title": "1981 Chevrolet K5 Blazer", "vin": "'"$BADVIN"'"},
 {"type": "vehicle", "url": "'"$T"'/7", "title": "1970 Datsun 240Z", "bid_count": 99999999999}
]'
page b.html '[
 {"type": "business", "name": "Website Motors of Tempe", "geographic_key": "website-motors|tempe|AZ|US",
  "website": "https://www.website-motors.example", "phone": "(480) 555-0100"},
 {"type": "vehicle", "url": "https://elsewhere.example/5", "title": "1980 Mercedes-Benz 450SL",
  "vin": "'"$VIN17"'"},
 {"type": "vehicle", "url": "https://elsewhere.example/6", "title": "1981 Chevrolet K5 Blazer",
  "vin": "'"$BADVIN"'"},
 {"type": "vehicle", "url": "'"$T"'/8", "title": "1966 Ford Mustang", "listing_status": "for_sale",
  "organization": "https://www.website-motors.example"}
]'
DATABASE_URL=$(newdb store_orgs) || bail_out "cannot create a database"
# two runs: a business's existing fields are only filled, so which page
# comes first decides its name
run cv --rules-path "$RULES" crawl records https://test.example/a.html
ok_eq "records of every kind: exit 1 (two were rejected)" "$RUN_STATUS" 1
ok_match "a business with no key is rejected, and named" "$(cat "$RUN_ERR")" \
    "cannot store a business record \(Nameless Keys\): it has no geographic_key, website"
ok_match "a value the column cannot hold rejects its record, and names it" "$(cat "$RUN_ERR")" \
    "cannot store the vehicle record $T/7: .*out of range.*; skipped"
ok_match "the summary counts them" "$(cat "$RUN_ERR")" "2 rejected"
run cv --rules-path "$RULES" crawl records https://test.example/b.html
ok_eq "more records: exit 0" "$RUN_STATUS" 0
ok_eq "the rest of the batch is stored" "$(q "SELECT count(*) FROM vehicle_listings")" 9
ok_eq "the same listing twice in a batch is one listing" \
    "$(q "SELECT count(*) FROM vehicle_listings WHERE url = '$T/1'")" 1
ok_eq "four businesses; a geographic key adopts the business of its website" \
    "$(q "SELECT business_name, geographic_key, phone FROM businesses ORDER BY 1")" \
    "Auction House||
Classic Seller||
Geo Garage|geo-garage|mesa|AZ|US|
Website Motors|website-motors|tempe|AZ|US|(480) 555-0100"
ok_eq "linked by geographic key, BaT member, Classic.com profile, website" \
    "$(q "SELECT l.url, b.business_name, o.relationship_type, o.status, COALESCE(d.status, '-') FROM vehicle_listings l JOIN businesses b ON b.id = l.organization_id JOIN organization_vehicles o ON o.organization_id = b.id AND o.vehicle_id = l.vehicle_id LEFT JOIN dealer_inventory d ON d.dealer_id = b.id AND d.vehicle_id = l.vehicle_id ORDER BY 1")" \
    "$T/1|Geo Garage|consigner|active|in_stock
$T/2|Website Motors|sold_by|sold|sold
$T/3|Classic Seller|consigner|active|in_stock
$T/4|Auction House|consigner|active|-
$T/8|Website Motors|consigner|active|in_stock"
ok_eq "an image record joins its vehicle's gallery, with its caption" \
    "$(q "SELECT i.image_url, i.caption, i.position FROM vehicle_images i JOIN vehicles v ON v.id = i.vehicle_id WHERE v.discovery_url = '$T/1'")" \
    "https://img.example/engine.jpg|Engine bay|0"
ok_eq "a 17-character VIN without a check digit (non-US) is identity: one car" \
    "$(q "SELECT count(DISTINCT vehicle_id) || '/' || count(*) FROM vehicle_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.vin = '$VIN17' AND v.vin_valid")" "1/2"
ok_eq "a North American VIN with a wrong check digit is not: two cars" \
    "$(q "SELECT count(*), bool_or(vin_valid) FROM vehicles WHERE vin = '$BADVIN'")" "2|f"
run cv --rules-path "$RULES" crawl records https://test.example/a.html https://test.example/b.html
ok_match "the same records again: nothing changes" "$(cat "$RUN_ERR")" \
    "stored: 0 vehicles new, 0 updated, 0 merged, 0 listings new, 0 businesses new, 0 updated, 0 price changes, 0 images new, 0 organisation links new, 16 records unchanged, 2 rejected"

# ----------------------------------------------- the crawls to compare

BAT_URLS=$(for d in "$BA"/*/; do d=${d%/}; echo "$B/${d##*/}/"; done)
NBAT=$(echo "$BAT_URLS" | wc -l | tr -d ' ')
whole() {    # the BaT crawl, unpaced
    # shellcheck disable=SC2086  # one URL per word
    "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 crawl bat-listing $BAT_URLS
}
slow_bg() {    # OUT ERR DELAY_MS [NAME=VALUE...]: the BaT crawl, paced, in the
               # background; $pid is carvest itself (exec), so signals reach it
    local out="$1" err="$2" delay="$3"
    shift 3
    # shellcheck disable=SC2086
    (exec env "$@" "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms "$delay" \
        crawl bat-listing $BAT_URLS) >"$out" 2>"$err" &
    pid=$!
}

DATABASE_URL=$(newdb store_whole) || bail_out "cannot create a database"
run whole
ok_eq "an uninterrupted crawl of every BaT listing: exit 0" "$RUN_STATUS" 0
ok_eq "it stores every listing" "$(q "SELECT count(*) FROM vehicle_listings")" "$NBAT"
dump_natural >"$SCRATCH/whole"

# -------------------------------------------- SIGTERM: stop, keep, log

DATABASE_URL=$(newdb store_term) || bail_out "cannot create a database"
slow_bg "$SCRATCH/term.out" "$SCRATCH/term.err" 150
if wait_listings "$DATABASE_URL" 3 "$pid"; then
    kill -TERM "$pid"
    st=0
    wait "$pid" || st=$?
    ok_eq "SIGTERM mid-crawl: exit 1" "$st" 1
    ok_match "SIGTERM: it says so" "$(cat "$SCRATCH/term.err")" "terminated \(SIGTERM\): stopping the crawl"
    ok_eq "SIGTERM: every record it printed is stored" \
        "$(q "SELECT count(*) FROM vehicle_listings")" "$(wc -l <"$SCRATCH/term.out" | tr -d ' ')"
    ok "SIGTERM: it stopped early" test "$(q "SELECT count(*) FROM vehicle_listings")" -lt "$NBAT"
    ok_eq "SIGTERM: the run is logged as interrupted" "$(q "SELECT status FROM crawl_runs")" interrupted
else
    fail "SIGTERM mid-crawl: the crawl stored nothing to interrupt"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi

# ---------------------------------------- SIGKILL mid-crawl, then again

DATABASE_URL=$(newdb store_killed) || bail_out "cannot create a database"
slow_bg /dev/null "$SCRATCH/kill.err" 100
if wait_listings "$DATABASE_URL" 5 "$pid"; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    n=$(listings_in "$DATABASE_URL")
    ok "SIGKILL mid-crawl: part of the crawl was stored ($n of $NBAT listings)" test "$n" -lt "$NBAT"
    run whole
    ok_eq "SIGKILL: the crawl run again: exit 0" "$RUN_STATUS" 0
    dump_natural >"$SCRATCH/killed"
    same_files "SIGKILL and a re-run: exactly the data of an uninterrupted run" \
        "$SCRATCH/whole" "$SCRATCH/killed"
    ok_eq "SIGKILL: the re-run closes the dead run as interrupted, and completes" \
        "$(q "SELECT status FROM crawl_runs ORDER BY id")" "interrupted
completed"
    ok_match "SIGKILL: the dead run says why it ended" \
        "$(q "SELECT error FROM crawl_runs ORDER BY id LIMIT 1")" "process ended without finishing"
else
    fail "SIGKILL mid-crawl: the crawl stored nothing to kill"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi

# ---------------------------------------- PostgreSQL restarts mid-crawl

DATABASE_URL=$(newdb store_restart) || bail_out "cannot create a database"
slow_bg /dev/null "$SCRATCH/restart.err" 150
if wait_listings "$DATABASE_URL" 5 "$pid"; then
    ok "PostgreSQL restarts mid-crawl" pg_restart
    st=0
    wait "$pid" || st=$?
    ok_eq "the restart: the crawl completes (exit 0)" "$st" 0
    ok_match "the restart: it reconnected, and said so" "$(cat "$SCRATCH/restart.err")" \
        "lost the database connection; reconnecting"
    ok_match "the restart: ... and that it is back" "$(cat "$SCRATCH/restart.err")" \
        "reconnected to the database"
    dump_natural >"$SCRATCH/restarted"
    same_files "the restart: nothing lost, nothing doubled" "$SCRATCH/whole" "$SCRATCH/restarted"
else
    fail "PostgreSQL restart: the crawl stored nothing before it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi

# ------------------------------ the database stays away: stop, exit 3

GONE=store_gone
DATABASE_URL=$(newdb $GONE) || bail_out "cannot create a database"
slow_bg /dev/null "$SCRATCH/gone.err" 150 CARVEST_DB_WAIT_MS=1500
if wait_listings "$DATABASE_URL" 3 "$pid"; then
    psql "$SERVER/postgres" -XAtq -v ON_ERROR_STOP=1 \
        -c "ALTER DATABASE $GONE ALLOW_CONNECTIONS false" \
        -c "SELECT count(pg_terminate_backend(pid)) >= 0 FROM pg_stat_activity WHERE datname = '$GONE'" \
        >/dev/null
    st=0
    wait "$pid" || st=$?
    ok_eq "the database gone past the reconnect window: exit 3" "$st" 3
    ok_match "it says what happened" "$(cat "$SCRATCH/gone.err")" \
        "stayed unreachable past the reconnect window.*the crawl stopped"
    psql "$SERVER/postgres" -XAtq -c "ALTER DATABASE $GONE ALLOW_CONNECTIONS true" >/dev/null
    n=$(listings_in "$DATABASE_URL")
    ok "it stopped the crawl early ($n of $NBAT listings)" test "$n" -lt "$NBAT"
    run whole
    ok_eq "the database back, the crawl again: exit 0" "$RUN_STATUS" 0
    dump_natural >"$SCRATCH/gone"
    same_files "the database gone and back: the data of an uninterrupted run" \
        "$SCRATCH/whole" "$SCRATCH/gone"
else
    fail "database gone: the crawl stored nothing before it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
fi

DATABASE_URL=$MAIN_DB
done_testing
