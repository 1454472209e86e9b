#!/bin/sh
# t_extract_member.sh -- the bat-member source: a BaT member profile ->
# every listing of the member, followed to bat-listing, through the real
# fixture server on loopback (no database: --dry-run).
#
# (a) the partner members of tests/fixtures/sites/bringatrailer.com/member/
#     (944garage: 2 live + 25 completed, one of them only on REST page 2;
#     944club, oosspeed, 240zfan; bsg733 with none): exactly their listings
#     are fetched -- the set is computed independently from the fixture
#     files (cards of section#listings, auctionsCompletedInitialData, the
#     items of tests/fixtures/bat-rest.json for the page's member_id) --,
#     one vehicle record each, the REST endpoint asked only when the page
#     does not hold every completed listing, with the nonce, per_page <= 48
#     and the member's base_filter; no "Recent Comments" listing is fetched;
# (b) the generated big member reserve416 (tests/fixtures/gen_bat_member.py,
#     via start_bat_server): member page + REST pages 2 and 3 + 60 listing
#     pages; the records match the generator's expected.jsonl;
# (c) robustness, with variants of the member pages served by fault rules:
#     a wrong nonce (403), a REST answer that is not JSON or has no items,
#     429 + Retry-After on the endpoint, a stale items_total (pages_total
#     says more), no base filter (the endpoint would answer every BaT
#     listing: never asked), perPage above 48;
# (d) `carvest extract bat-member FILE --url ...`: what it would follow,
#     the other card shape ([data-listing_id] with h3 a), routing by URL,
#     a page that is not a member page.
#
# Fixtures: tests/fixtures/sites (copies of the reference member and
# listing pages), tests/fixtures/bat-rest.json (the data behind the REST
# endpoint) and the big member generated at test time.

# The Python snippets are single-quoted on purpose ("$" is theirs); 'local'
# is not POSIX but every sh that runs the tests has it; listing folders are
# plain slugs, so ls is fine.
# shellcheck disable=SC2016,SC3043,SC2012
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
MEMBERS=$SITES/bringatrailer.com/member
REST_FILE=$top_srcdir/tests/fixtures/bat-rest.json
OUT=$(mktemp_dir)
BAT=https://bringatrailer.com
EP=/bringatrailer.com/wp-json/bringatrailer/1.0/data/listings-filter
export SITES MEMBERS REST_FILE OUT

# member.py: facts about a member page computed from the files alone,
# independently of carvest.  `want PAGE [REST...]` prints the member's
# listing URLs (one a line, sorted); `comments PAGE` the listing URLs of
# its Recent Comments; `rest_member PAGE` the member_id of its baseFilter.
cat >"$SCRATCH/member.py" <<'EOF'
import json, re, sys
from urllib.parse import urljoin, urlsplit

def canonical(page_url, href):
    u = urlsplit(urljoin(page_url, href))
    return "https://bringatrailer.com" + u.path.rstrip("/") + "/"

def script_json(text, name):
    m = re.search(r"\b" + name + r"\s*=\s*", text)
    return json.JSONDecoder().raw_decode(text, m.end())[0] if m else None

def section(text, ident):
    m = re.search(r'<section id="' + ident + r'">(.*?)</section>', text, re.S)
    return m.group(1) if m else ""

cmd, page = sys.argv[1], sys.argv[2]
text = open(page, encoding="utf-8").read()
url = re.search(r'<link rel="canonical" href="([^"]+)"', text).group(1)
toolbar = script_json(text, "BAT_MODEL_LISTINGS_COMPLETED_TOOLBAR") or {}
member = (toolbar.get("baseFilter") or {}).get("member_id")
if cmd == "want":
    urls = set()
    for href in re.findall(r'<a class="listing-card" href="([^"]+)"', section(text, "listings")):
        urls.add(canonical(url, href))
    completed = script_json(text, "auctionsCompletedInitialData") or {}
    urls |= {canonical(url, i["url"]) for i in completed.get("items", [])}
    for rest in sys.argv[3:]:
        urls |= {canonical(url, i["url"]) for i in json.load(open(rest))["items"]
                 if i["member_id"] == member}
    print("\n".join(sorted(urls)))
elif cmd == "comments":
    print("\n".join(sorted(canonical(url, h) for h in
                           re.findall(r'href="([^"]*/listing/[^"]+)"', section(text, "comments")))))
elif cmd == "rest_member":
    print(member)
EOF
member_py() {
    "$PYTHON3" "$SCRATCH/member.py" "$@"
}

# crawl NAME URL [GLOBAL OPTIONS...]: a dry-run crawl through the current
# fixture server; records in $OUT/NAME.jsonl, stderr in $OUT/NAME.err,
# exit status in CRAWL_STATUS.
crawl() {
    local name="$1" url="$2"
    shift 2
    CRAWL_STATUS=0
    "$CARVEST" -vv --map-origin "$FIXTURE_MAP" --delay-ms 0 --retry-base-ms 50 "$@" \
        --dry-run crawl bat-member "$url" >"$OUT/$name.jsonl" 2>"$OUT/$name.err" ||
        CRAWL_STATUS=$?
}

# Listing URLs fetched (GET, 200) according to the server log, sorted.
fetched_listings() {
    log_query 'print("\n".join(sorted({"https:/" + r["path"] for r in reqs
        if r["method"] == "GET" and r["status"] == 200
        and r["path"].startswith("/bringatrailer.com/listing/")})))'
}

# Every listing GET in the log, duplicates included.
listing_gets() {
    log_query 'print(sum(1 for r in reqs if r["method"] == "GET"
        and r["path"].startswith("/bringatrailer.com/listing/")))'
}

# The URLs of the vehicle records printed by crawl NAME, sorted.
record_urls() {
    "$PYTHON3" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert all(r["type"] == "vehicle" and r["source"] == "bat-listing" for r in recs)
print("\n".join(sorted(r["url"] for r in recs)))' "$OUT/$1.jsonl"
}

nlines() {
    if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l | tr -d ' '; fi
}

# The REST requests of the log: "status page per_page member_id get_items
# sort nonce-ok" per line.
rest_requests() {
    log_query 'import json
for r in reqs:
    if r["path"].startswith(args[0]):
        b = json.loads(r.get("req_body") or "{}")
        print(r["method"], r["status"], b.get("page"), b.get("per_page"),
              (b.get("base_filter") or {}).get("member_id"), b.get("get_items"), b.get("sort"))' "$EP"
}

# ------------------------------------------------ (a) the partner members

for m in 944garage 944club oosspeed 240zfan bsg733; do
    page=$MEMBERS/$m/index.html
    start_fixture_server "$SITES" --bat-rest "$REST_FILE" || bail_out "no fixture server"
    want=$(member_py want "$page" "$REST_FILE")
    crawl "$m" "$BAT/member/$m/"
    ok_eq "$m: crawl exits 0" "$CRAWL_STATUS" 0 || diag_file "$OUT/$m.err"
    ok_eq "$m: the member page fetched once" \
        "$(log_query 'print(sum(1 for r in reqs if r["path"] == args[0]))' "/bringatrailer.com/member/$m/")" 1
    ok_eq "$m: exactly the member's listings are fetched" "$(fetched_listings)" "$want"
    ok_eq "$m: each listing fetched once" "$(listing_gets)" "$(nlines "$want")"
    ok_eq "$m: one vehicle record per listing" "$(record_urls "$m")" "$want"
    comments=$(member_py comments "$page")
    if [ -n "$comments" ]; then
        fetched=$(fetched_listings)
        leaked=
        for u in $comments; do
            if printf '%s\n' "$fetched" | grep -qxF "$u"; then
                leaked="$leaked $u"
            fi
        done
        ok_eq "$m: none of the $(nlines "$comments") Recent Comments listings is fetched" "$leaked" ""
    fi
    stop_fixture_server
done

# The traps are real: the comments link listings that exist, of other members.
n=0
for m in 944club oosspeed 240zfan bsg733; do
    for u in $(member_py comments "$MEMBERS/$m/index.html"); do
        slug=${u#"$BAT"/listing/}
        [ -f "$SITES/bringatrailer.com/listing/${slug%/}/index.html" ] && n=$((n + 1))
    done
done
ok "the Recent Comments of four members link 12 existing listings" test "$n" -eq 12

ok_eq "944garage: 27 listings (2 live + 25 completed)" \
    "$(nlines "$(member_py want "$MEMBERS/944garage/index.html" "$REST_FILE")")" 27
ok_eq "944garage: one listing is only on the REST endpoint" \
    "$(nlines "$(member_py want "$MEMBERS/944garage/index.html")")" 26
ok_eq "bsg733: no listings" "$(member_py want "$MEMBERS/bsg733/index.html" "$REST_FILE")" ""

# The REST request of 944garage, seen again in its own server's log.
start_fixture_server "$SITES" --bat-rest "$REST_FILE" || bail_out "no fixture server"
crawl 944garage-rest "$BAT/member/944garage/"
ok_eq "944garage: one POST for REST page 2, answered 200 (nonce accepted), per_page 24, member 351433" \
    "$(rest_requests)" "POST 200 2 24 351433 1 td"
ok_match "944garage: the debug log says where the listings came from" "$(cat "$OUT/944garage-rest.err")" \
    "bat-member: $BAT/member/944garage/: 26 listings from the cards, 24 in auctionsCompletedInitialData \\(0 not on a card\\), items_total 25"
ok_match "944garage: ... and what the REST page gave" "$(cat "$OUT/944garage-rest.err")" \
    "REST page 2 of 2: 1 items, 1 listings followed"
ok_eq "944garage: the REST-only listing is fetched" \
    "$(log_query 'print(any(r["path"] == "/bringatrailer.com/listing/1989-chevrolet-k5-blazer-silverado/" for r in reqs))')" True
ok_eq "944garage: tracking parameters and fragments are not fetched" \
    "$(log_query 'print([r["path"] for r in reqs if "?" in r["path"] or "#" in r["path"]])')" "[]"
stop_fixture_server
for m in 944club oosspeed 240zfan bsg733; do
    ok_eq "$m: the endpoint is not asked (the page holds every listing)" \
        "$(grep -c 'POST.*listings-filter' "$OUT/$m.err")" 0
done

# ------------------------------------------------ (b) the big member

start_bat_server || bail_out "no fixture server for the big member"
BIG=$BIG_MEMBER
EXPECTED=$BIG/expected.jsonl
big_page=$BIG/bringatrailer.com/member/reserve416/index.html
export EXPECTED
ok_eq "generator: 60 listing pages and 60 expected records" \
    "$(ls "$BIG/bringatrailer.com/listing" | wc -l | tr -d ' ') $(wc -l <"$EXPECTED" | tr -d ' ')" "60 60"
clash=$(ls "$BIG/bringatrailer.com/listing" "$SITES/bringatrailer.com/listing" | sort | uniq -d)
ok_eq "generator: no slug collides with a committed listing" "$clash" ""
gen_big_member "$SCRATCH/big-again" >/dev/null 2>&1
ok "generator: deterministic (a second run writes the same bytes)" diff -r "$BIG" "$SCRATCH/big-again"
ok_eq "generator: 24 cards + 24 embedded items + 58 REST items cover the 60" \
    "$(nlines "$(member_py want "$big_page" "$BIG/bat-rest.json")") $(nlines "$(member_py want "$big_page")")" "60 26"

want=$(member_py want "$big_page" "$BIG/bat-rest.json")
crawl big "$BAT/member/reserve416/"
ok_eq "reserve416: crawl exits 0" "$CRAWL_STATUS" 0 || diag_file "$OUT/big.err"
ok_eq "reserve416: REST pages 2 and 3, nonce accepted, member 400416" "$(rest_requests | sort)" \
    "POST 200 2 24 400416 1 td
POST 200 3 24 400416 1 td"
ok_eq "reserve416: exactly the 60 listings fetched, once each" \
    "$(fetched_listings) $(listing_gets)" "$want 60"
ok_eq "reserve416: member page + 2 REST pages + 60 listings (+ robots.txt)" \
    "$(log_count /bringatrailer.com/)" 64
ok_eq "reserve416: no Recent Comments listing is fetched" \
    "$(log_query 'print([r["path"] for r in reqs if any(s in r["path"] for s in args)])' \
        1931-ford-model-a-coupe-72 1962-fiat-500-f-117 19k-kilometer-1964-porsche-356-c-cabriolet \
        2001-porsche-boxster-gts)" "[]"
ok_match "reserve416: debug log: asked for pages 2..3" "$(cat "$OUT/big.err")" \
    "asked the listings endpoint for pages 2\\.\\.3"
ok_eq "reserve416: 60 records, those of expected.jsonl" "$(record_urls big)" \
    "$("$PYTHON3" -c 'import json, sys
print("\n".join(sorted(json.loads(l)["url"] for l in open(sys.argv[1]))))' "$EXPECTED")"
ok "reserve416: url, title, year, make, model, status, prices, seller as generated" "$PYTHON3" -c '
import json, os, sys
got = {r["url"]: r for r in map(json.loads, open(os.path.join(os.environ["OUT"], "big.jsonl")))}
bad = []
for want in map(json.loads, open(os.environ["EXPECTED"])):
    r = got[want["url"]]
    for k in ("title", "year", "make", "model", "listing_status", "sale_price", "high_bid",
              "seller"):
        if r.get(k) != want.get(k):
            bad.append((want["url"], k, r.get(k), want.get(k)))
print("\n".join(map(str, bad[:10])))
sys.exit(bool(bad))'
ok "reserve416: every other field the generator put in, too" "$PYTHON3" -c '
import json, os, sys
got = {r["url"]: r for r in map(json.loads, open(os.path.join(os.environ["OUT"], "big.jsonl")))}
bad = [(w["url"], k, got[w["url"]].get(k), v) for w in map(json.loads, open(os.environ["EXPECTED"]))
       for k, v in w.items() if got[w["url"]].get(k) != v]
print("\n".join(map(str, bad[:10])))
sys.exit(bool(bad))'
ok_eq "reserve416: statuses (2 live, sold, bid-to, withdrawn)" \
    "$("$PYTHON3" -c 'import json, sys, collections
c = collections.Counter(json.loads(l)["listing_status"] for l in open(sys.argv[1]))
print(sorted(c.items()))' "$OUT/big.jsonl")" \
    "[('live', 2), ('not_sold', 16), ('sold', 36), ('withdrawn', 6)]"
stop_fixture_server

# ------------------------------------------------ (c) robustness

# Variants of the member pages, served instead of the real ones by fault
# rules ("file" paths are under a root: the big member's folder is ours).
VAR=$BIG/variants
mkdir -p "$VAR"
"$PYTHON3" - "$MEMBERS/944garage/index.html" "$big_page" "$VAR" <<'EOF'
import os, re, sys
garage, big, out = sys.argv[1], sys.argv[2], sys.argv[3]
g = open(garage, encoding="utf-8").read()
b = open(big, encoding="utf-8").read()
def write(name, text, old, new, count=1):
    assert text.count(old) >= count, (name, old)
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))
write("garage-bad-nonce.html", g, '"restNonce":"56e5f1e02c"', '"restNonce":"0badc0ffee"')
write("big-bad-nonce.html", b, '"restNonce":"56e5f1e02c"', '"restNonce":"0badc0ffee"')
write("big-stale-total.html", b, '"items_total":58', '"items_total":30')
write("garage-per-page-100.html", g, '"perPage":24', '"perPage":100')
t = g.replace(',"baseFilter":{"member_id":351433,"items_type":"member"}', "")
write("garage-no-filter.html", t, '"base_filter":{"member_id":351433,"items_type":"member"},', "")
EOF
serve_variant() {    # serve_variant MEMBER VARIANT [MORE FAULT RULES (JSON, leading comma)]
    printf '[{"path": "/bringatrailer.com/member/%s/", "action": "file", "file": "variants/%s"}%s]\n' \
        "$1" "$2" "${3:-}" >"$SCRATCH/faults.json"
    start_bat_server --faults "$SCRATCH/faults.json" || bail_out "no fixture server ($2)"
}

# A wrong nonce: the endpoint answers 403 in JSON; only the REST page
# fails, at once (an API's refusal is not a rate limit: no wait, no pause
# of the host; the default 60 s pause would show as a timeout here).
serve_variant 944garage garage-bad-nonce.html
crawl bad-nonce "$BAT/member/944garage/"
ok_eq "bad nonce: exit 1 (some pages failed)" "$CRAWL_STATUS" 1
ok_eq "bad nonce: the endpoint answered 403, asked once" \
    "$(rest_requests | cut -d' ' -f1-3 | sort | uniq -c | tr -s ' ')" " 1 POST 403 2"
ok_match "bad nonce: the failure names the endpoint and the 403" \
    "$(grep -v debug: "$OUT/bad-nonce.err")" "error: POST $BAT/wp-json/bringatrailer/1\\.0/data/listings-filter: HTTP 403"
ok_eq "bad nonce: the 26 static listings are still fetched, 26 records" \
    "$(nlines "$(fetched_listings)") $(nlines "$(record_urls bad-nonce)")" "26 26"
stop_fixture_server

serve_variant reserve416 big-bad-nonce.html
crawl big-bad-nonce "$BAT/member/reserve416/"
ok_eq "bad nonce, big member: both REST pages fail, nothing else" \
    "$CRAWL_STATUS $(grep -c 'listings-filter: HTTP 403 (the API refused the request)' "$OUT/big-bad-nonce.err")" "1 2"
ok_eq "bad nonce, big member: its 26 static listings, 26 records" \
    "$(nlines "$(fetched_listings)") $(nlines "$(record_urls big-bad-nonce)")" "26 26"
stop_fixture_server

# A REST answer that is not JSON, or JSON without items.
printf '[{"method": "POST", "prefix": "%s", "status": 200, "body": "%s"}]\n' "$EP" \
    '<!DOCTYPE html><html><body>Slow down your API calls</body></html>' >"$SCRATCH/faults.json"
start_bat_server --faults "$SCRATCH/faults.json" || bail_out "no fixture server"
crawl not-json "$BAT/member/944garage/"
ok_eq "not JSON: exit 1" "$CRAWL_STATUS" 1
ok_match "not JSON: that page fails with a clear message" "$(grep -v debug: "$OUT/not-json.err")" \
    "bat-member: $BAT/wp-json/bringatrailer/1\\.0/data/listings-filter: the listings endpoint's answer is not a JSON object \\(it starts \"<!DOCTYPE html><html><body>Slow down"
ok_eq "not JSON: the 26 listings of the page are still followed" "$(nlines "$(record_urls not-json)")" 26
stop_fixture_server

printf '[{"method": "POST", "prefix": "%s", "status": 200, "body": "{\\"items\\": [], \\"items_total\\": 0}", "headers": {"Content-Type": "application/json"}}]\n' \
    "$EP" >"$SCRATCH/faults.json"
start_bat_server --faults "$SCRATCH/faults.json" || bail_out "no fixture server"
crawl no-items "$BAT/member/944garage/"
ok_match "no items: that page fails with a clear message" "$CRAWL_STATUS $(grep -v debug: "$OUT/no-items.err")" \
    "^1 .*listings-filter: the listings endpoint's answer has no items"
ok_eq "no items: the 26 static listings, 26 records" "$(nlines "$(record_urls no-items)")" 26
stop_fixture_server

# 429 with Retry-After on the endpoint: waited out, nothing lost.
printf '[{"method": "POST", "prefix": "%s", "times": 1, "status": 429, "headers": {"Retry-After": "1"}}]\n' \
    "$EP" >"$SCRATCH/faults.json"
start_bat_server --faults "$SCRATCH/faults.json" || bail_out "no fixture server"
crawl limited "$BAT/member/944garage/"
ok_eq "429: exit 0" "$CRAWL_STATUS" 0
ok_eq "429: REST page 2 refused once, then answered" "$(rest_requests)" \
    "POST 429 2 24 351433 1 td
POST 200 2 24 351433 1 td"
ok "429: Retry-After honoured (>= 1 s between the two POSTs)" test "$(log_query '
ts = [r["t"] for r in reqs if r["method"] == "POST"]
print(round((ts[1] - ts[0]) * 1000))')" -ge 950
ok_eq "429: all 27 listings, 27 records" \
    "$(fetched_listings) $(nlines "$(record_urls limited)")" \
    "$(member_py want "$MEMBERS/944garage/index.html" "$REST_FILE") 27"
stop_fixture_server

# A stale items_total: the answer's pages_total asks for more.
serve_variant reserve416 big-stale-total.html
crawl stale "$BAT/member/reserve416/"
ok_eq "stale items_total: page 2 asked by the member page, page 3 by page 2's answer" \
    "$CRAWL_STATUS $(rest_requests | cut -d' ' -f1-3 | tr '\n' ' ')" "0 POST 200 2 POST 200 3 "
ok_eq "stale items_total: all 60 listings, 60 records" \
    "$(nlines "$(fetched_listings)") $(nlines "$(record_urls stale)")" "60 60"
stop_fixture_server

# No base filter: unfiltered, the endpoint answers every BaT listing; never asked.
serve_variant 944garage garage-no-filter.html
crawl no-filter "$BAT/member/944garage/"
ok_eq "no base filter: the endpoint is not asked" "$CRAWL_STATUS $(log_count "$EP")" "0 0"
ok_match "no base filter: a warning says why" "$(cat "$OUT/no-filter.err")" \
    "warning: bat-member: .*no baseFilter for the member: not asking the listings endpoint"
ok_eq "no base filter: the 26 static listings" "$(nlines "$(record_urls no-filter)")" 26
stop_fixture_server

# perPage above the endpoint's cap: 48 asked, from page 1 (the page's 24
# items are half of it).
serve_variant 944garage garage-per-page-100.html
crawl per-page "$BAT/member/944garage/"
ok_eq "perPage 100: per_page 48, page 1, answered 200" "$(rest_requests)" "POST 200 1 48 351433 1 td"
ok_eq "perPage 100: all 27 listings once each" \
    "$(nlines "$(fetched_listings)") $(listing_gets) $(nlines "$(record_urls per-page)")" "27 27 27"
stop_fixture_server

# ------------------------------------------------ (d) extract on saved pages

would_follow() {    # the GET follows of a -vv extract run (stderr in $1), sorted
    sed -n 's/^carvest: debug: would follow \(https[^ ]*\) \[bat-listing\]$/\1/p' "$1" | sort
}

run "$CARVEST" -vv extract bat-member "$MEMBERS/944garage/index.html" --url "$BAT/member/944garage/"
cp "$RUN_ERR" "$OUT/extract.err"
ok_eq "extract 944garage: exit 0, no records" "$RUN_STATUS $(wc -c <"$RUN_OUT" | tr -d ' ')" "0 0"
ok_eq "extract 944garage: would follow the 26 listings of the page to bat-listing" \
    "$(would_follow "$OUT/extract.err")" "$(member_py want "$MEMBERS/944garage/index.html")"
ok_match "extract 944garage: and POST REST page 2 to itself" "$(cat "$OUT/extract.err")" \
    "would follow POST $BAT/wp-json/bringatrailer/1\\.0/data/listings-filter \\[bat-member rest"

run "$CARVEST" -vv extract "$MEMBERS/240zfan/index.html" --url "$BAT/member/240zfan/"
cp "$RUN_ERR" "$OUT/extract-240z.err"
ok_eq "extract without a source name routes member URLs to bat-member" \
    "$RUN_STATUS $(would_follow "$OUT/extract-240z.err" | tr '\n' ' ')" \
    "0 $(member_py want "$MEMBERS/240zfan/index.html" | tr '\n' ' ')"

# The other card shape: [data-listing_id] cards with a title link.
"$PYTHON3" - "$MEMBERS/240zfan/index.html" "$OUT/240z-divs.html" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def div(m):
    href, attrs, inner = m.group(1), m.group(2), m.group(3)
    inner = re.sub(r"<h3>(.*?)</h3>", lambda t: f'<h3><a href="{href}">{t.group(1)}</a></h3>', inner)
    return f'<div class="auction-item"{attrs}>{inner}</div>'
out, n = re.subn(r'<a class="listing-card" href="([^"]+)"([^>]*)>(.*?)</a>', div, text)
assert n == 2, n
open(sys.argv[2], "w", encoding="utf-8").write(out.replace("auctionsCompletedInitialData", "unused"))
EOF
run "$CARVEST" -vv extract bat-member "$OUT/240z-divs.html" --url "$BAT/member/240zfan/"
cp "$RUN_ERR" "$OUT/extract-divs.err"
ok_eq "[data-listing_id] cards with an h3 link are read too" \
    "$RUN_STATUS $(would_follow "$OUT/extract-divs.err" | tr '\n' ' ')" \
    "0 $(member_py want "$MEMBERS/240zfan/index.html" | tr '\n' ' ')"

# Past listings drawn by JavaScript (no static cards): the embedded JSON
# still gives them.
"$PYTHON3" - "$MEMBERS/944garage/index.html" "$OUT/944garage-nocards.html" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text, n = re.subn(r'(<div class="auctions-container past">).*?(</div><button)', r"\1\2", text, flags=re.S)
assert n == 1
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
run "$CARVEST" -vv extract bat-member "$OUT/944garage-nocards.html" --url "$BAT/member/944garage/"
cp "$RUN_ERR" "$OUT/extract-nocards.err"
ok_eq "without past-listing cards, auctionsCompletedInitialData gives them" \
    "$RUN_STATUS $(would_follow "$OUT/extract-nocards.err" | tr '\n' ' ')" \
    "0 $(member_py want "$MEMBERS/944garage/index.html" | tr '\n' ' ')"
ok_match "... and the debug log counts them as not on a card" "$(cat "$OUT/extract-nocards.err")" \
    "2 listings from the cards, 24 in auctionsCompletedInitialData \\(24 not on a card\\)"

# Listing cards outside the listings section (a sidebar of popular
# auctions) and inside a comments block are other sellers' cars.
"$PYTHON3" - "$MEMBERS/944garage/index.html" "$OUT/944garage-cards.html" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
def card(slug):
    return (f'<a class="listing-card" href="/listing/{slug}/" data-listing_id="1"><div '
            f'class="content-main"><h3>{slug}</h3></div></a>')
aside = ('<aside class="sidebar"><h4>This Week\'s Popular Listings</h4>'
         + card("1962-fiat-500-f-117") + card("2001-porsche-boxster-gts") + "</aside>")
nested = '<div id="comments" class="member-comments">' + card("1981-mercedes-benz-300d-sedan-95") + "</div>"
head, sep, tail = text.partition("</section>")
assert sep
text = head + nested + sep + aside + tail
text = text.replace('<section id="comments"><h2>Recent Comments</h2>',
                    '<section id="comments"><h2>Recent Comments</h2>' + card("1969-lotus-elan-s4-drophead-coupe"))
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
run "$CARVEST" -vv extract bat-member "$OUT/944garage-cards.html" --url "$BAT/member/944garage/"
cp "$RUN_ERR" "$OUT/extract-cards.err"
ok_eq "listing cards in a sidebar or in comments are not followed" \
    "$RUN_STATUS $(would_follow "$OUT/extract-cards.err" | tr '\n' ' ')" \
    "0 $(member_py want "$MEMBERS/944garage/index.html" | tr '\n' ' ')"

run "$CARVEST" extract bat-member "$SITES/bringatrailer.com/listing/1969-bmw-2002-tii/index.html" \
    --url "$BAT/member/nobody/"
ok_match "a page that is not a member page fails, saying so" "$RUN_STATUS $(cat "$RUN_ERR")" \
    "^1 .*not a BaT member page"

done_testing
