#!/bin/sh
# t_bat_partners.sh -- `carvest bat-partners` end to end, against the
# fixture world on 127.0.0.1 and a real PostgreSQL.
#
# The world (tests/fixtures): the BaT Local Partners directory (7 partner
# rows: 944Garage twice under one BaT account, curly quotes, an en dash, a
# typo, Europe and the UK, a Canadian partner), the partners' member pages
# (the reference world's five, whose listings need at most one Show More
# page, and a generated one, reserve416, with 60 listings over three
# pages: tests/fixtures/gen_bat_member.py), the Show More endpoint emulated
# by the fixture server over tests/fixtures/bat-rest.json, every listing
# page, and the partners' websites.
#
# What is expected is known independently of carvest's code: the listing
# URLs and fields of every partner's car are the golden records of the
# bat-listing tests (tests/expected/bat-listing, checked against the
# reference truth) whose seller is a partner, plus the generator's
# expected.jsonl; the businesses' fields are the reference truth's (and
# the generated site's), written out below.
#
#  1. a dry run fetches and prints everything and writes nothing;
#  2. ingest fills the database: every partner, every listing, fields and
#     links correct (consigner/sold_by by key; 944Garage's cars linked to
#     both its rows), brand images from the sites, never a favicon banner;
#  3. a second ingest changes nothing and fetches only what can change;
#  4. SIGINT and 5. SIGKILL in the middle, then a run again: the same state
#     as one clean run, without fetching again what was stored;
#  6. a 429/403 storm: slower, nothing lost, nothing failed;
#  7. a host rate-limiting past --max-waits: the partner is deferred, not
#     failed, and the next run completes it;
#  8. failing pages: one partner fails with its reason, the others go on;
#  9. the selection options; 10. inventory; 11. usage errors and the
#     step lock; 12. the seeds' monitoring SQL on the result.

# The Python and SQL snippets are single-quoted on purpose.
# shellcheck disable=SC2016
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest
require_pg

FIXTURES=$top_srcdir/tests/fixtures
EXPECTED=$top_srcdir/tests/expected/bat-listing
OUT=$(mktemp_dir)
export OUT EXPECTED

MAIN_DB=$DATABASE_URL
# Switch the database the next commands use.  (Not "DATABASE_URL=x func":
# whether such an assignment outlives the function depends on the shell.)
use_db() {
    DATABASE_URL=$1
    export DATABASE_URL
}

start_bat_server || bail_out "cannot start the fixture server"
MAIN_LOG=$FIXTURE_LOG
MAIN_MAP=$FIXTURE_MAP
# --delay-ms 0: the fixture server is ours; pacing is tested in (6) and in
# t_fetch_faults.sh.
bp() {
    "$CARVEST" --delay-ms 0 --map-origin "$MAIN_MAP" "$@"
}

# Requests of a log (default: the main server's), as "METHOD PATH STATUS"
# lines, robots.txt left out.
requests() {
    log_query -f "${1:-$MAIN_LOG}" 'for r in reqs:
    if not r["path"].endswith("/robots.txt"):
        print(r["method"], r["path"], r["status"])'
}

# Run a Python check that prints "PASS name" / "FAIL name: why" lines, and
# record each as a TAP result.
py_checks() {
    "$PYTHON3" -c "$1" >"$OUT/checks" 2>&1
    st=$?
    while IFS= read -r line; do
        case $line in
            "PASS "*) pass "${line#PASS }" ;;
            "FAIL "*) fail "${line#FAIL }"; diag "${line#FAIL }" ;;
            *) diag "$line" ;;
        esac
    done <"$OUT/checks"
    [ "$st" -eq 0 ] || fail "python check exited $st"
}

# The database's content as JSON: what a clean run must produce, without
# ids and times (comparable across databases).
content() {
    psql "${1:-$DATABASE_URL}" -XAtq -v ON_ERROR_STOP=1 -c "
SELECT json_build_object(
 'businesses', (SELECT json_agg(j ORDER BY j->>'geographic_key') FROM (SELECT to_jsonb(b)
   - 'id' - 'created_at' - 'updated_at' || jsonb_build_object('metadata', b.metadata
   #- '{carvest_enrichment,fetched_at}') AS j FROM businesses b) s),
 'vehicles', (SELECT json_agg(j ORDER BY j->>'discovery_url') FROM (SELECT to_jsonb(v)
   - 'id' - 'created_at' - 'updated_at' AS j FROM vehicles v) s),
 'listings', (SELECT json_agg(j ORDER BY j->>'url_key') FROM (SELECT to_jsonb(l) - 'id'
   - 'vehicle_id' - 'organization_id' - 'first_seen_at' - 'last_seen_at' - 'updated_at'
   || jsonb_build_object('orgs', (SELECT jsonb_agg(b.geographic_key ORDER BY
   b.geographic_key) FROM vehicle_listing_orgs x JOIN businesses b ON b.id =
   x.organization_id WHERE x.listing_id = l.id)) AS j FROM vehicle_listings l) s),
 'links', (SELECT json_agg(j ORDER BY j::text) FROM (SELECT jsonb_build_object('org',
   b.geographic_key, 'car', v.discovery_url, 'type', o.relationship_type, 'status', o.status,
   'listing_status', o.listing_status, 'ask', o.asking_price, 'sale', o.sale_price, 'date',
   o.sale_date) AS j FROM organization_vehicles o JOIN businesses b ON b.id = o.organization_id
   JOIN vehicles v ON v.id = o.vehicle_id) s),
 'inventory', (SELECT json_agg(j ORDER BY j::text) FROM (SELECT jsonb_build_object('org',
   b.geographic_key, 'car', v.discovery_url, 'status', d.status, 'ask', d.asking_price,
   'sale', d.sale_price) AS j FROM dealer_inventory d JOIN businesses b ON b.id = d.dealer_id
   JOIN vehicles v ON v.id = d.vehicle_id) s),
 'images', (SELECT json_agg(j ORDER BY j::text) FROM (SELECT jsonb_build_object('car',
   v.discovery_url, 'pos', i.position, 'url', i.image_url) AS j FROM vehicle_images i
   JOIN vehicles v ON v.id = i.vehicle_id) s),
 'history', (SELECT json_agg(j ORDER BY j::text) FROM (SELECT jsonb_build_object('car',
   v.discovery_url, 'status', h.listing_status, 'sale', h.sale_price, 'bid', h.high_bid,
   'ask', h.asking_price) AS j FROM vehicle_price_history h JOIN vehicles v
   ON v.id = h.vehicle_id) s))"
}

# Every stored row, ids and update times included, but not last_seen_at
# (which a run moves by design): "changes nothing" means this is equal.
rows() {
    psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "
SELECT md5(string_agg(t, E'\n' ORDER BY t)) FROM (
 SELECT 'b' || (to_jsonb(b) #- '{metadata,carvest_enrichment,fetched_at}')::text AS t FROM businesses b
 UNION ALL SELECT 'v' || to_jsonb(v)::text FROM vehicles v
 UNION ALL SELECT 'l' || (to_jsonb(l) - 'last_seen_at')::text FROM vehicle_listings l
 UNION ALL SELECT 'x' || to_jsonb(x)::text FROM vehicle_listing_orgs x
 UNION ALL SELECT 'o' || to_jsonb(o)::text FROM organization_vehicles o
 UNION ALL SELECT 'd' || (to_jsonb(d) - 'last_seen_at')::text FROM dealer_inventory d
 UNION ALL SELECT 'i' || to_jsonb(i)::text FROM vehicle_images i
 UNION ALL SELECT 'h' || to_jsonb(h)::text FROM vehicle_price_history h) s"
}

# --- 1. a dry run ---------------------------------------------------------------
run bp --dry-run bat-partners ingest
ok_eq "dry run: exit 0" "$RUN_STATUS" 0
ok_eq "dry run: the database is not touched" \
    "$(psql_q "SELECT to_regclass('public.businesses') IS NULL")" t
cp "$RUN_OUT" "$OUT/dry.jsonl"
py_checks '
import json, os
recs = [json.loads(l) for l in open(os.environ["OUT"] + "/dry.jsonl")]
biz = [r for r in recs if r["type"] == "business"]
veh = [r for r in recs if r["type"] == "vehicle"]
summ = {r["step"]: r for r in recs if r["type"] == "summary"}
# 7 directory rows, then 7 homepage records (944Garage: one fetch, two rows)
print(("PASS" if len(biz) == 14 else "FAIL"), "dry run: 7 directory businesses and 7 enriched ones (%d)" % len(biz))
print(("PASS" if len(veh) == 92 else "FAIL"), "dry run: 92 vehicles printed (%d)" % len(veh))
ok = all(summ.get(s, {}).get("done") == 7 and summ[s].get("failed") == 0 for s in ("index", "enrich", "import"))
print(("PASS" if ok else "FAIL"), "dry run: every step did all 7 partners: %s" % {s: (v.get("done"), v.get("failed")) for s, v in summ.items()})
print(("PASS" if all("stored" not in v for v in summ.values()) else "FAIL"), "dry run: the summaries store nothing")
'

# --- 2. ingest --------------------------------------------------------------------
: >"$MAIN_LOG"
run bp bat-partners ingest
ok_eq "ingest: exit 0" "$RUN_STATUS" 0
[ "$RUN_STATUS" -eq 0 ] || diag_file "$RUN_ERR"
cp "$RUN_OUT" "$OUT/ingest.jsonl"
requests >"$OUT/ingest.requests"
content >"$OUT/clean.json"
export BIG_MEMBER

# The businesses, as the reference truth and the generated site have them.
py_checks '
import json, os
db = json.load(open(os.environ["OUT"] + "/clean.json"))
B = {b["geographic_key"]: b for b in db["businesses"]}
want = {
 "944garage|placer-county|CA|US": ("944Garage", "Placer County", "CA", "US", "944garage",
   "https://www.944garage.com", "https://www.944garage.com/list-on-bat.html",
   "https://www.944garage.com/wp-content/uploads/2023/01/logo.png",
   "https://www.944garage.com/images/hero-5.jpg", "https://www.944garage.com/favicon.ico", None, None),
 "944garage|san-francisco-east-bay|CA|US": ("944Garage", "San Francisco \u2013 East Bay", "CA", "US",
   "944garage", "https://www.944garage.com", "https://www.944garage.com/list-on-bat.html",
   "https://www.944garage.com/wp-content/uploads/2023/01/logo.png",
   "https://www.944garage.com/images/hero-5.jpg", "https://www.944garage.com/favicon.ico", None, None),
 "donnelly-speed-shop|ford-lauderdale|FL|US": ("Donnelly Speed Shop", "Ford Lauderdale", "FL", "US",
   "oosspeed", "https://donnellyspeedshop.com", "https://donnellyspeedshop.com/",
   "https://donnellyspeedshop.com/assets/img/logo.svg", "https://donnellyspeedshop.com/images/hero-9.jpg",
   "https://donnellyspeedshop.com/favicon.ico", None, None),
 "donnelly-s-classic-cars|st-louis|MO|US": ("Donnelly\u2019s Classic Cars", "St. Louis", "MO", "US",
   "944club", "https://www.highdesertmotorcars.com",
   "https://www.highdesertmotorcars.com/Dealer-Websites/BaT/bringatrailerpartner.aspx",
   "https://www.highdesertmotorcars.com/wp-content/uploads/2023/01/logo.png",
   "https://www.highdesertmotorcars.com/images/hero-3.jpg", "https://www.highdesertmotorcars.com/favicon.ico",
   "https://www.highdesertmotorcars.com/inventory.html", "https://www.highdesertmotorcars.com/sold.html"),
 "keystone-car-storage|kortrijk|na|BE": ("Keystone Car Storage", "Kortrijk", None, "BE", "240zfan",
   "https://www.keystonecarstorage.be", "https://www.keystonecarstorage.be/bringatrailer-local-partner",
   "https://www.keystonecarstorage.be/images/logo.png", "https://www.keystonecarstorage.be/images/hero-8.jpg",
   "https://www.keystonecarstorage.be/favicon.ico", None, None),
 "brennan-s-garage|dorset|na|GB": ("Brennan\u2019s Garage", "Dorset", None, "GB", "bsg733",
   "https://donnelly-nakamura-automotive-blog.ghost.io",
   "https://donnelly-nakamura-automotive-blog.ghost.io/bring-a-trailer/",
   "https://donnelly-nakamura-automotive-blog.ghost.io/images/logo.png",
   "https://donnelly-nakamura-automotive-blog.ghost.io/images/hero-8.jpg",
   "https://donnelly-nakamura-automotive-blog.ghost.io/favicon.ico", None, None),
}
print(("PASS" if len(B) == 7 and set(want) <= set(B) else "FAIL"), "ingest: the 7 partners, by geographic key: %s" % sorted(B))
cols = ("business_name", "city", "state", "country", "bat_username", "website")
for k, w in want.items():
    b = B.get(k, {})
    got = tuple(b.get(c) for c in cols) + ((b.get("metadata") or {}).get("bat-local-partners", {}).get("referral_url"),
          b.get("logo_url"), b.get("banner_url"), b.get("favicon_url"), b.get("inventory_url"), b.get("sold_inventory_url"))
    print(("PASS" if got == w else "FAIL"), "business %s: directory and homepage fields%s" % (k, "" if got == w else ": %r != %r" % (got, w)))
nl = B.get("northern-lights-motorcars|toronto|ON|CA", {})
print(("PASS" if (nl.get("city"), nl.get("state"), nl.get("country"), nl.get("bat_username")) == ("Toronto", "ON", "CA", "reserve416") else "FAIL"), "business Northern Lights: Toronto, ON, CA, reserve416")
bad = [b["geographic_key"] for b in B.values() if b.get("banner_url") and (b["banner_url"] in (b.get("favicon_url"), b.get("logo_url")) or b["banner_url"].endswith(".ico"))]
print(("PASS" if not bad else "FAIL"), "no banner is a favicon or a logo: %s" % bad)
bad = [k for k, b in B.items() if (b.get("logo_url") or "").startswith("https://bringatrailer.com/wp-content/")]
print(("PASS" if not bad else "FAIL"), "the site logo replaced the directory copy: %s" % bad)
bad = [k for k, b in B.items() if (b.get("metadata") or {}).get("carvest_enrichment", {}).get("status") != "ok"]
print(("PASS" if not bad else "FAIL"), "every partner is marked enriched: %s" % bad)
print(("PASS" if all(b.get("discovered_via") == "bat-local-partners" for b in B.values()) else "FAIL"), "discovered_via is the directory source")
'

# Every partner car: its fields, its listing, its links.
py_checks '
import glob, json, os
db = json.load(open(os.environ["OUT"] + "/clean.json"))
partners = {"944garage": ["944garage|placer-county|CA|US", "944garage|san-francisco-east-bay|CA|US"],
            "944club": ["donnelly-s-classic-cars|st-louis|MO|US"], "oosspeed": ["donnelly-speed-shop|ford-lauderdale|FL|US"],
            "240zfan": ["keystone-car-storage|kortrijk|na|BE"], "bsg733": ["brennan-s-garage|dorset|na|GB"],
            "reserve416": ["northern-lights-motorcars|toronto|ON|CA"]}
want = {}
for f in glob.glob(os.environ["EXPECTED"] + "/*.jsonl"):
    for l in open(f):
        r = json.loads(l)
        if r.get("type") == "vehicle" and r.get("seller") in partners:
            want[r["url"]] = r
for l in open(os.environ["BIG_MEMBER"] + "/expected.jsonl"):
    r = json.loads(l)
    want[r["url"]] = r
V = {v["discovery_url"]: v for v in db["vehicles"]}
print(("PASS" if set(V) == set(want) else "FAIL"), "every partner listing is a vehicle, and nothing else (%d stored, %d expected; missing %s, extra %s)" % (len(V), len(want), sorted(set(want) - set(V))[:3], sorted(set(V) - set(want))[:3]))
fields = ("title", "year", "make", "model", "vin", "listing_status", "sale_price", "high_bid", "mileage", "seller")
bad = []
for u, w in want.items():
    v = V.get(u, {})
    for f in fields:
        if f in w and v.get(f) != w[f]:
            bad.append((u, f, v.get(f), w[f]))
print(("PASS" if not bad else "FAIL"), "vehicle fields are the pages\u2019 (%d mismatches) %s" % (len(bad), bad[:3]))
L = {l["url_key"]: l for l in db["listings"]}
bad = [u for u, w in want.items() if not any(l["url"] == u for l in L.values())]
print(("PASS" if len(L) == len(want) and not bad else "FAIL"), "one listing per car (%d), each at its canonical URL %s" % (len(L), bad[:3]))
bad = [u for u, w in want.items() if sorted((next((l for l in L.values() if l["url"] == u), {}).get("orgs") or [])) != sorted(partners[w["seller"]])]
print(("PASS" if not bad else "FAIL"), "each listing names exactly its partners (both 944Garage rows for 944garage) %s" % bad[:3])
links = {}
for k in db["links"]:
    links.setdefault((k["org"], k["car"]), []).append(k)
bad = []
for u, w in want.items():
    st = w["listing_status"]
    for org in partners[w["seller"]]:
        got = sorted((k["type"], k["status"]) for k in links.pop((org, u), []))
        exp = [("sold_by", "sold")] if st == "sold" else [("consigner", "active" if st in ("live", "for_sale") else "inactive")]
        if got != exp:
            bad.append((org, u, got, exp))
print(("PASS" if not bad else "FAIL"), "links: consigner while live or unsold, sold_by once sold, per partner key %s" % bad[:3])
print(("PASS" if not links else "FAIL"), "no other organisation links %s" % list(links)[:3])
inv = {(d["org"], d["car"]): d["status"] for d in db["inventory"]}
bad = [(o, u) for u, w in want.items() for o in partners[w["seller"]]
       if inv.get((o, u)) != {"sold": "sold", "withdrawn": "removed"}.get(w["listing_status"], "in_stock")]
print(("PASS" if not bad and len(inv) == sum(len(partners[w["seller"]]) for w in want.values()) else "FAIL"), "dealer inventory: sold, removed (withdrawn) or in stock %s" % bad[:3])
'

# The pages fetched: each member page once, its Show More pages, each
# listing once; no comment-linked listing of another member; nothing twice.
py_checks '
import json, os
reqs = [l.split() for l in open(os.environ["OUT"] + "/ingest.requests")]
gets = [p for m, p, s in reqs if m == "GET"]
posts = [p for m, p, s in reqs if m == "POST"]
dup = sorted({p for p in gets if gets.count(p) > 1})
print(("PASS" if not dup else "FAIL"), "ingest: no page fetched twice %s" % dup[:3])
members = sorted(p for p in gets if "/member/" in p)
print(("PASS" if len(members) == 6 else "FAIL"), "ingest: six member pages (944garage once for two partners): %s" % members)
print(("PASS" if len(posts) == 3 else "FAIL"), "ingest: three Show More pages (944garage page 2, reserve416 pages 2 and 3): %d" % len(posts))
listing_gets = [p for p in gets if "/listing/" in p]
print(("PASS" if len(listing_gets) == 92 else "FAIL"), "ingest: 92 listing pages (%d)" % len(listing_gets))
homes = sorted(p for p in gets if p.count("/") == 2 and p.endswith("/") and "bringatrailer" not in p)
print(("PASS" if len(homes) == 6 else "FAIL"), "ingest: six homepages (944Garage once for two partners): %s" % homes)
'
ok_match "ingest: the import summary counts all 7 partners done" "$(grep '"type":"summary","step":"import"' "$OUT/ingest.jsonl")" '"partners":7,"done":7,"failed":0,"deferred":0'

# --- 3. a second run changes nothing ------------------------------------------------
BEFORE=$(rows)
: >"$MAIN_LOG"
run bp bat-partners ingest
ok_eq "second ingest: exit 0" "$RUN_STATUS" 0
ok_eq "second ingest: no stored row changed" "$(rows)" "$BEFORE"
requests >"$OUT/again.requests"
py_checks '
import os
reqs = [l.split() for l in open(os.environ["OUT"] + "/again.requests")]
listing = sorted(p for m, p, s in reqs if "/listing/" in p)
print(("PASS" if len(listing) == 4 else "FAIL"), "second ingest: only the 4 live listings are fetched again: %s" % listing)
homes = [p for m, p, s in reqs if p.count("/") == 2 and "bringatrailer" not in p]
print(("PASS" if not homes else "FAIL"), "second ingest: no homepage is read again: %s" % homes)
'
ok_match "second ingest: enrich skipped the partners enriched before" \
    "$(grep '"type":"summary","step":"enrich"' "$RUN_OUT")" '"done":0,"failed":0,"deferred":0,"skipped":7'

# --- 4, 5. interrupted runs -----------------------------------------------------------
# A second server whose listing pages answer slowly, so a run is caught in
# the middle; the run is stopped once 20 listing pages were served.
interrupt_test() {    # SIGNAL
    sig=$1
    pg_new_db "$(echo "$sig" | tr A-Z a-z)"
    db=$PG_NEW_DB
    use_db "$db"
    start_bat_server --faults "$OUT/slow.json" || { fail "$sig: fixture server"; return; }
    log=$FIXTURE_LOG
    "$CARVEST" --delay-ms 0 --map-origin "$FIXTURE_MAP" bat-partners ingest \
        >"$OUT/$sig.out" 2>"$OUT/$sig.err" &
    pid=$!
    n=0
    while [ "$n" -lt 20 ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.2
        n=$(grep -c '/listing/' "$log" 2>/dev/null)
    done
    kill -s "$sig" "$pid"
    wait "$pid"
    st=$?
    if [ "$sig" = INT ]; then
        ok_eq "SIGINT: the run stops with exit 1" "$st" 1
        ok_eq "SIGINT: the import pass is recorded as interrupted" \
            "$(psql_q "SELECT status FROM pipeline_passes WHERE step = 'import' ORDER BY id DESC LIMIT 1")" interrupted
    else
        ok_eq "SIGKILL: the process is killed" "$st" 137
        ok_eq "SIGKILL: the import pass is left running" \
            "$(psql_q "SELECT status FROM pipeline_passes WHERE step = 'import' ORDER BY id DESC LIMIT 1")" running
    fi
    # the ended listings stored before the stop, as request paths
    psql_q "SELECT regexp_replace(url, '^https://', '/') FROM vehicle_listings
        WHERE listing_status IN ('sold', 'not_sold', 'withdrawn')" >"$OUT/$sig.stored"
    : >"$MAIN_LOG"
    run bp bat-partners ingest
    ok_eq "$sig: the next run completes (exit 0)" "$RUN_STATUS" 0
    [ "$RUN_STATUS" -eq 0 ] || diag_file "$RUN_ERR"
    ok_match "$sig: the next run continues the import pass" "$(cat "$RUN_ERR")" \
        "continuing pass [0-9]+ \\(it was $( [ "$sig" = INT ] && echo interrupted || echo killed)\\)"
    ok_eq "$sig: the end state is that of one clean run" "$(content "$db")" "$(cat "$OUT/clean.json")"
    ok "$sig: some ended listings had been stored before the stop" test -s "$OUT/$sig.stored"
    ok_eq "$sig: none of them is fetched again" \
        "$(requests | awk '{print $2}' | grep -cxFf "$OUT/$sig.stored")" 0
    stop_fixture_server "$FIXTURE_PID" >/dev/null
    use_db "$MAIN_DB"
}
cat >"$OUT/slow.json" <<'EOF'
[{"prefix": "/bringatrailer.com/listing/", "action": "slow", "delay_ms": 150}]
EOF
interrupt_test INT
interrupt_test KILL

# --- 6. a 429 storm ------------------------------------------------------------------------
cat >"$OUT/storm.json" <<'EOF'
[
 {"prefix": "/bringatrailer.com/member/944garage/", "status": 429, "headers": {"Retry-After": "1"}, "times": 2, "name": "429 wait 1"},
 {"method": "POST", "prefix": "/bringatrailer.com/wp-json/", "status": 429, "headers": {"Retry-After": "1"}, "times": 2, "name": "429 wait 1"},
 {"prefix": "/bringatrailer.com/listing/1970-datsun-240z/", "status": 429, "headers": {"Retry-After": "1"}, "times": 3, "name": "429 wait 1"},
 {"prefix": "/bringatrailer.com/listing/2001-porsche-boxster-gts/", "status": 403, "times": 1},
 {"prefix": "/bringatrailer.com/listing/", "status": 429, "times": 4},
 {"prefix": "/www.944garage.com/", "status": 429, "headers": {"Retry-After": "1"}, "times": 1}
]
EOF
pg_new_db storm
db=$PG_NEW_DB
use_db "$db"
start_bat_server --faults "$OUT/storm.json" || bail_out "fixture server"
# Three refusals in a row pause the host: 2 s here instead of a minute.
run "$CARVEST" --delay-ms 0 --retry-base-ms 100 --host-pause-ms 2000 \
    --map-origin "$FIXTURE_MAP" bat-partners ingest
ok_eq "429 storm: exit 0" "$RUN_STATUS" 0
[ "$RUN_STATUS" -eq 0 ] || diag_file "$RUN_ERR"
ok_eq "429 storm: nothing lost (the state of a clean run)" "$(content "$db")" "$(cat "$OUT/clean.json")"
ok_match "429 storm: no partner failed or deferred" "$(grep '"type":"summary","step":"import"' "$RUN_OUT")" '"failed":0,"deferred":0'
ok_eq "429 storm: every 429 and 403 was served" \
    "$(log_query 'print(sum(1 for r in reqs if r["status"] in (429, 403)))')" 13
# After a 429 saying Retry-After: 1, BaT is not asked again within a second.
ok_eq "429 storm: Retry-After is obeyed before the next request to BaT" \
    "$(log_query 'bat = [r for r in reqs if r["host"] == "bringatrailer.com"]
print(sum(1 for a, b in zip(bat, bat[1:]) if a["fault"] == "429 wait 1" and b["t"] - a["t"] < 0.95))')" 0
stop_fixture_server "$FIXTURE_PID" >/dev/null
use_db "$MAIN_DB"

# --- 7. rate-limited past --max-waits: deferred, not failed ----------------------------
cat >"$OUT/wall.json" <<'EOF'
[{"prefix": "/bringatrailer.com/member/oosspeed/", "status": 429, "headers": {"Retry-After": "0"}, "times": 3}]
EOF
pg_new_db wall
db=$PG_NEW_DB
use_db "$db"
start_bat_server --faults "$OUT/wall.json" || bail_out "fixture server"
run "$CARVEST" --delay-ms 0 --max-waits 1 --map-origin "$FIXTURE_MAP" \
    --output jsonl bat-partners ingest
ok_eq "rate-limited partner: exit 1" "$RUN_STATUS" 1
ok_match "rate-limited partner: deferred, with the reason" \
    "$(grep '"type":"partner","step":"import","geographic_key":"donnelly-speed-shop' "$RUN_OUT")" \
    '"status":"deferred","name":"Donnelly Speed Shop","reason":"[^"]*429'
ok_match "rate-limited partner: nobody failed" "$(grep '"type":"summary","step":"import"' "$RUN_OUT")" \
    '"done":6,"failed":0,"deferred":1'
ok_eq "rate-limited partner: the pass is incomplete" \
    "$(psql_q "SELECT status FROM pipeline_passes WHERE step = 'import' ORDER BY id DESC LIMIT 1")" incomplete
run "$CARVEST" --delay-ms 0 --max-waits 1 --map-origin "$FIXTURE_MAP" \
    --output jsonl bat-partners import
ok_eq "rate-limited partner: the next run completes it (exit 0)" "$RUN_STATUS" 0
ok_match "rate-limited partner: ... doing only that partner" "$(grep '"type":"summary"' "$RUN_OUT")" \
    '"partners":7,"done":1,"failed":0,"deferred":0,"skipped":6,"resumed":true'
ok_eq "rate-limited partner: the end state is that of one clean run" "$(content "$db")" "$(cat "$OUT/clean.json")"
stop_fixture_server "$FIXTURE_PID" >/dev/null
use_db "$MAIN_DB"

# --- 8. failing pages -----------------------------------------------------------------
cat >"$OUT/fail.json" <<'EOF'
[
 {"prefix": "/bringatrailer.com/member/240zfan/", "status": 404},
 {"path": "/donnellyspeedshop.com/", "status": 404}
]
EOF
pg_new_db fail
db=$PG_NEW_DB
use_db "$db"
start_bat_server --faults "$OUT/fail.json" || bail_out "fixture server"
run "$CARVEST" --delay-ms 0 --map-origin "$FIXTURE_MAP" --output jsonl \
    bat-partners ingest
ok_eq "a failing member page: exit 1" "$RUN_STATUS" 1
ok_match "a failing member page: that partner failed, with the reason" \
    "$(grep '"step":"import","geographic_key":"keystone' "$RUN_OUT")" '"status":"failed".*"reason":"https://bringatrailer.com/member/240zfan/: HTTP 404'
ok_match "a failing homepage: that partner's enrichment failed, with the reason" \
    "$(grep '"step":"enrich","geographic_key":"donnelly-speed-shop' "$RUN_OUT")" '"status":"failed".*HTTP 404'
ok_match "the other partners go on" "$(grep '"type":"summary","step":"import"' "$RUN_OUT")" '"done":6,"failed":1'
ok_eq "a failing homepage does not stop that partner's listings" \
    "$(psql_q "SELECT count(*) FROM organization_vehicles o JOIN businesses b ON b.id = o.organization_id WHERE b.bat_username = 'oosspeed'")" 1
ok_eq "the failure is kept in the checkpoint" \
    "$(psql_q "SELECT i.status || ': ' || i.error FROM pipeline_items i JOIN pipeline_passes p ON p.id = i.pass_id WHERE p.step = 'import' AND i.item LIKE 'keystone%'")" \
    "failed: https://bringatrailer.com/member/240zfan/: HTTP 404"
stop_fixture_server "$FIXTURE_PID" >/dev/null
use_db "$MAIN_DB"

# --- 9. selection options -----------------------------------------------------------------
pg_new_db select
db=$PG_NEW_DB
use_db "$db"
run bp bat-partners import
ok_eq "import before index: exit 0" "$RUN_STATUS" 0
ok_match "import before index: says to index first" "$(cat "$RUN_ERR")" 'no BaT Local Partners in the database; run `carvest bat-partners index` first'
run bp bat-partners index --limit 3
ok_eq "index --limit 3: exit 0" "$RUN_STATUS" 0
ok_eq "index --limit 3: the first three rows of the directory" \
    "$(psql_q "SELECT string_agg(geographic_key, ' ' ORDER BY geographic_key) FROM businesses")" \
    "944garage|placer-county|CA|US 944garage|san-francisco-east-bay|CA|US donnelly-speed-shop|ford-lauderdale|FL|US"
ok_match "index --limit 3: the summary counts three" "$(cat "$RUN_ERR")" 'bat-partners index: 3 partners: 3 done'
run bp --dry-run bat-partners ingest --limit 2 --skip-enrich
ok_eq "a dry ingest --limit 2 imports those two partners only" \
    "$(grep -c '"type":"partner","step":"import"' "$RUN_OUT")" 2
run bp bat-partners index
SELECT_DB=$DATABASE_URL
# A run whose output cannot be written stops, and records no partner as
# done whose listings it did not fetch.
pg_new_db full
use_db "$PG_NEW_DB"
run bp bat-partners index
run sh -c '"$1" --delay-ms 0 --map-origin "$2" bat-partners import >/dev/full' sh "$CARVEST" "$MAIN_MAP"
ok_eq "standard output full: exit 1" "$RUN_STATUS" 1
ok_eq "standard output full: the pass failed; no partner with listings is done" \
    "$(psql_q "SELECT p.status || ' ' || count(i.item) FILTER (WHERE i.status = 'done'
                   AND (i.detail->>'listings_found')::int > 0)
               FROM pipeline_passes p LEFT JOIN pipeline_items i ON i.pass_id = p.id
               WHERE p.step = 'import' GROUP BY p.id ORDER BY p.id DESC LIMIT 1")" \
    "failed 0"
run bp bat-partners import
ok_eq "the next run does it (exit 0)" "$RUN_STATUS" 0
use_db "$SELECT_DB"
: >"$MAIN_LOG"
run bp --output jsonl bat-partners import \
    --partner-key 'northern-lights-motorcars|toronto|ON|CA' --listing-limit 30 --max-pages 2
ok_eq "--partner-key --listing-limit --max-pages: exit 0" "$RUN_STATUS" 0
ok_eq "--partner-key: only that member page" "$(requests | grep -c '/member/')" 1
ok_eq "--max-pages 2: one Show More page" "$(requests | grep -c '^POST')" 1
ok_eq "--listing-limit 30: 30 listings" "$(requests | grep -c '/listing/')" 30
ok_match "the summary counts what the limits left out" "$(grep '"type":"partner"' "$RUN_OUT")" \
    '"pages_limited":1,"listings_found":30,"listings_imported":30,"listings_skipped":0,"listings_limited":[1-9]'
# Cars another program stored before, without a listing: the import
# finds them by the page their URL columns name, however written, and
# adds no second car for those pages.
psql_q "INSERT INTO vehicles (discovery_url, bat_auction_url, year, make) VALUES
    ('legacy:1', 'https://bringatrailer.com/listing/1931-ford-model-a-coupe-72?utm_source=feed', 1931, 'Ford'),
    ('https://www.bringatrailer.com/listing/2007-land-rover-defender-110-nas-29', NULL, 2007, 'Land Rover');
    INSERT INTO vehicles (discovery_url, listing_url) VALUES
    ('legacy:3', 'http://bringatrailer.com/listing/1969-bmw-2002-tii/#comments')" >/dev/null
LEGACY=$(psql_q "SELECT string_agg(id::text, ' ' ORDER BY discovery_url) FROM vehicles")
: >"$MAIN_LOG"
run bp bat-partners import --resume-from-partner 1 --limit-partners 1
ok_eq "--resume-from-partner 1 --limit-partners 1: exit 0" "$RUN_STATUS" 0
ok_eq "... does the second partner in key order only" \
    "$(psql_q "SELECT string_agg(i.item, ' ') FROM pipeline_items i WHERE i.pass_id = (SELECT max(id) FROM pipeline_passes WHERE step = 'import')")" \
    "944garage|san-francisco-east-bay|CA|US"
ok_eq "... whose BaT account is also the first one's: its cars are linked to both rows" \
    "$(psql_q "SELECT string_agg(k, ' ' ORDER BY k) FROM (SELECT b.geographic_key || ':' || count(*) AS k FROM organization_vehicles o JOIN businesses b ON b.id = o.organization_id WHERE b.bat_username = '944garage' GROUP BY b.geographic_key) s")" \
    "944garage|placer-county|CA|US:27 944garage|san-francisco-east-bay|CA|US:27"
run bp bat-partners import --partner-key '944garage|placer-county|CA|US' --no-skip-existing
ok_eq "importing the other row alone changes nothing: no link taken back or flipped" \
    "$(grep -c '27 records\? unchanged' "$RUN_ERR")" 1
ok_eq "cars stored before without a listing are found by their page: no second car" \
    "$(psql_q "SELECT (SELECT count(*) FROM vehicles) || ' ' || (SELECT count(*) FROM vehicle_listings)
               || ' ' || (SELECT count(*) FROM vehicles v WHERE NOT EXISTS
                          (SELECT 1 FROM vehicle_listings l WHERE l.vehicle_id = v.id))")" "57 57 0"
ok_eq "... and those three cars now hold their listing" \
    "$(psql_q "SELECT string_agg(v.id::text, ' ' ORDER BY v.discovery_url) FROM vehicles v
               JOIN vehicle_listings l ON l.vehicle_id = v.id WHERE v.id::text = ANY(string_to_array('$LEGACY', ' '))")" \
    "$LEGACY"
ok_eq "... keeping what they had, filled from the listing" \
    "$(psql_q "SELECT discovery_url || ' ' || title FROM vehicles WHERE discovery_url = 'legacy:1'")" \
    "legacy:1 No Reserve: 1931 Ford Model A Coupe"
: >"$MAIN_LOG"
run bp bat-partners enrich --partner-key 'keystone-car-storage|kortrijk|na|BE'
ok_eq "enrich --partner-key: exit 0" "$RUN_STATUS" 0
ok_eq "enrich --partner-key: one homepage" "$(requests | grep -v '^GET /bringatrailer')" "GET /www.keystonecarstorage.be/ 200"

use_db "$MAIN_DB"

# --- 10. inventory ------------------------------------------------------------------------
run bp bat-partners inventory
ok_eq "inventory: exit 0" "$RUN_STATUS" 0
ok_eq "inventory: every partner pending, run mode current" \
    "$(psql_q "SELECT run_mode || ' ' || status || ' ' || count(*) FROM organization_inventory_sync_queue GROUP BY run_mode, status")" "current pending 7"
psql_q "UPDATE organization_inventory_sync_queue SET status = 'completed', attempts = 2 WHERE organization_id = (SELECT id FROM businesses WHERE bat_username = '944club')" >/dev/null
psql_q "UPDATE organization_inventory_sync_queue SET status = 'processing', locked_by = 'w:1', locked_until = now() + interval '1 hour' WHERE organization_id = (SELECT id FROM businesses WHERE bat_username = 'oosspeed')" >/dev/null
run bp --output jsonl bat-partners inventory
ok_eq "inventory again: exit 0" "$RUN_STATUS" 0
ok_match "inventory again: a completed row is queued again, the others are left" \
    "$(grep '"type":"summary"' "$RUN_OUT")" '"partners":7,"done":1,"failed":0,"deferred":0,"skipped":6'
ok_eq "inventory again: the requeued row is pending with its attempts reset" \
    "$(psql_q "SELECT status || ' ' || attempts FROM organization_inventory_sync_queue q JOIN businesses b ON b.id = q.organization_id WHERE b.bat_username = '944club'")" "pending 0"
ok_eq "inventory again: a row held under a live lease is left alone" \
    "$(psql_q "SELECT status FROM organization_inventory_sync_queue q JOIN businesses b ON b.id = q.organization_id WHERE b.bat_username = 'oosspeed'")" processing
run bp bat-partners inventory --run-mode both --limit 2 --resume-from 1
ok_eq "inventory --run-mode both --limit 2 --resume-from 1: the 2nd and 3rd partners" \
    "$(psql_q "SELECT string_agg(b.geographic_key, ' ' ORDER BY b.geographic_key) FROM organization_inventory_sync_queue q JOIN businesses b ON b.id = q.organization_id WHERE q.run_mode = 'both'")" \
    "944garage|san-francisco-east-bay|CA|US brennan-s-garage|dorset|na|GB"
run bp --dry-run bat-partners inventory --run-mode sold
ok_eq "inventory --dry-run: queues nothing" \
    "$(psql_q "SELECT count(*) FROM organization_inventory_sync_queue WHERE run_mode = 'sold'")" 0

# --- 11. usage errors, the step lock --------------------------------------------------------
run bp bat-partners
ok_eq "no step: exit 2" "$RUN_STATUS" 2
run bp bat-partners reindex
ok_eq "unknown step: exit 2" "$RUN_STATUS" 2
run bp bat-partners enrich --listing-limit 3
ok_eq "an option of another step: exit 2" "$RUN_STATUS" 2
ok_match "an option of another step: says so" "$(cat "$RUN_ERR")" '--listing-limit does not go with bat-partners enrich'
run bp bat-partners import --max-pages 51
ok_eq "--max-pages above 50: exit 2" "$RUN_STATUS" 2
run bp bat-partners import --concurrency 4
ok_eq "import --concurrency above 3: exit 2" "$RUN_STATUS" 2
run bp bat-partners inventory --process-inventory-batches 3
ok_eq "--process-inventory-batches: exit 2" "$RUN_STATUS" 2
ok_match "--process-inventory-batches: says why" "$(cat "$RUN_ERR")" 'not in this version'
psql "$DATABASE_URL" -XAtq -c "SELECT pg_advisory_lock(hashtextextended('carvest:pipeline:bat-partners:import', 0)); SELECT pg_sleep(30)" >/dev/null 2>&1 &
LOCKER=$!
n=0
while [ "$n" -lt 50 ] && [ "$(psql_q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 0 ]; do
    sleep 0.1
    n=$((n + 1))
done
run bp bat-partners import
ok_eq "a second import on the same database: exit 1" "$RUN_STATUS" 1
ok_match "a second import on the same database: says another process runs it" "$(cat "$RUN_ERR")" \
    'another carvest process is running bat-partners import on this database'
kill "$LOCKER" 2>/dev/null
wait "$LOCKER" 2>/dev/null

# --- 12. the seeds' monitoring SQL ---------------------------------------------------------
run psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -f "$top_srcdir/tests/sql/seeds_monitoring.sql"
ok_eq "the seeds' monitoring SQL runs on the result" "$RUN_STATUS" 0

done_testing
