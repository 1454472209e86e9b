#!/bin/sh
# t_crawl.sh -- crawl a whole dealer site from its homepage through the
# fixture server: the Lua rule is chosen by fingerprint, the dealer and
# every vehicle come out once (sold cars left on the for-sale list
# included), each page is fetched once, robots.txt first; --max-pages and
# --limit stop the crawl where they say; a BaT URL without its trailing
# slash is redirected and keeps the real URL as identity.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
[ -d "$SITES/www.ferraromotorcars.com" ] || skip_all "fixture site missing"
start_fixture_server "$SITES" --slash-redirect bringatrailer.com || bail_out "no fixture server"

# --dry-run: these checks are about crawling; storing is t_store.sh's.
cv() {
    "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run "$@"
}

field_of() {    # URL FIELD from the records in $RUN_OUT
    "$PYTHON3" -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("url") == sys.argv[2] or o.get("website") == sys.argv[2]:
        print(o.get(sys.argv[3], "")); break' "$RUN_OUT" "$1" "$2"
}

D=https://www.ferraromotorcars.com
VEHICLES="$D/vehicles/10120-san/1983-porsche-928
$D/vehicles/19783-den/1981-chevrolet-k5-blazer
$D/vehicles/27718-san/2007-audi-rs4
$D/vehicles/41270-san/1973-plymouth-barracuda
$D/vehicles/46495-den/1968-mercedes-benz-280sl
$D/vehicles/57631-san/1959-dodge-power-wagon
$D/vehicles/64642-san/1970-mercedes-benz-280sl
$D/vehicles/66225-san/1981-porsche-928"

# --- the whole site --------------------------------------------------------
run cv crawl dealeraccelerate "$D/"
ok_eq "crawl of a dealer site from its homepage: exit 0" "$RUN_STATUS" 0
got=$("$PYTHON3" -c 'import json,sys
print("\n".join(sorted(json.loads(l)["url"] for l in open(sys.argv[1]) if "\"vehicle\"" in l)))' "$RUN_OUT")
ok_eq "every vehicle of the inventory and sold lists, once each" "$got" "$VEHICLES"
ok_eq "one business record: the dealer" "$(grep -c '"type":"business"' "$RUN_OUT")" 1
ok_eq "the dealer's name" "$(field_of "$D" name)" "Ferraro Motorcars"
ok_eq "the dealer's city from the footer address" "$(field_of "$D" city)" "Albuquerque"
ok_eq "the dealer's inventory page" "$(field_of "$D" inventory_url)" "$D/vehicles"
ok_eq "the dealer's sold page" "$(field_of "$D" sold_inventory_url)" "$D/vehicles/sold"
ok_eq "a sold car left on the for-sale list comes out sold" \
    "$(field_of "$D/vehicles/66225-san/1981-porsche-928" listing_status)" sold
ok_eq "a sold car from the sold list comes out sold" \
    "$(field_of "$D/vehicles/57631-san/1959-dodge-power-wagon" listing_status)" sold
ok_eq "a car for sale comes out for_sale" \
    "$(field_of "$D/vehicles/10120-san/1983-porsche-928" listing_status)" for_sale
ok_eq "vehicles name the dealer as organization" \
    "$(field_of "$D/vehicles/10120-san/1983-porsche-928" organization)" "$D"
ok "robots.txt is the first request" log_query '
sys.exit(0 if reqs and reqs[0]["path"] == "/www.ferraromotorcars.com/robots.txt" else 1)'
ok "no page is fetched twice (desktop and mobile grids repeat every tile)" log_query '
paths = [r["path"] for r in reqs]
sys.exit(0 if len(paths) == len(set(paths)) else 1)'
ok_eq "the pager's link back to page 1 is not fetched as a second page" \
    "$(log_count '/www.ferraromotorcars.com/vehicles?page=1')" 0
ok_eq "page 2 of the inventory is fetched (robots.txt allows ?page=)" \
    "$(log_count '/www.ferraromotorcars.com/vehicles?page=2')" 1
ok_eq "marketplace links off the site are not followed" "$(log_query 'print(len([r for r in reqs if r["host"] != "www.ferraromotorcars.com"]))')" 0
ok_match "the summary counts pages and records" "$(cat "$RUN_ERR")" \
    "crawl dealeraccelerate: 12 pages, 9 records, 0 failed"
full=$(log_count /www.ferraromotorcars.com/)

# --- limits ---------------------------------------------------------------------
stop_fixture_server
start_fixture_server "$SITES" || bail_out "no fixture server"
run cv crawl dealeraccelerate "$D/" --max-pages 3
ok_eq "--max-pages: exit 0" "$RUN_STATUS" 0
ok_eq "--max-pages 3: three pages fetched (plus robots.txt)" \
    "$(log_query 'print(len([r for r in reqs if not r["path"].endswith("/robots.txt")]))')" 3
ok_match "--max-pages: the summary counts the links left" "$(cat "$RUN_ERR")" \
    "[1-9][0-9]* links? not followed \(--max-pages\)"

stop_fixture_server
start_fixture_server "$SITES" || bail_out "no fixture server"
run cv crawl dealeraccelerate "$D/" --limit 2
ok_eq "--limit: exit 0" "$RUN_STATUS" 0
ok_eq "--limit 2: exactly two records" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 2
ok "--limit stops the crawl early" test "$(log_count /www.ferraromotorcars.com/)" -lt "$full"

run cv --output table crawl dealeraccelerate "$D/vehicles/sold"
ok_match "--output table: a vehicle table" "$(cat "$RUN_OUT")" "^YEAR +MAKE +MODEL +STATUS"
ok_match "--output table: rows" "$(cat "$RUN_OUT")" "^2007 +Audi +RS4 +sold"

# --- redirects keep the real URL ---------------------------------------------------------
stop_fixture_server
start_fixture_server "$SITES" --slash-redirect bringatrailer.com || bail_out "no fixture server"
run cv crawl bat-listing https://bringatrailer.com/listing/1962-fiat-500-f-117 \
    https://bringatrailer.com/listing/1962-fiat-500-f-117
ok_eq "crawl of a BaT URL without its trailing slash: exit 0" "$RUN_STATUS" 0
ok_eq "the same start URL twice is one page" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 1
ok_match "the record's url is the real URL the site redirected to" "$(cat "$RUN_OUT")" \
    '"url":"https://bringatrailer.com/listing/1962-fiat-500-f-117/"'
ok "the server saw the 301 and then the page" log_query '
s = [r["status"] for r in reqs if r["path"].startswith("/bringatrailer.com/listing/")]
sys.exit(0 if s == [301, 200] else 1)'

done_testing
