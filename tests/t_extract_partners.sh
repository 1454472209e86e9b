#!/bin/sh
# t_extract_partners.sh -- the bat-local-partners rule on the BaT Local
# Partners directory (https://bringatrailer.com/local-partners/).
#
# (a) every golden file tests/expected/bat-local-partners/NAME.jsonl is
#     exactly what `carvest extract bat-local-partners` prints for its page;
# (b) the traps, asserted one by one on that output: the same brand in two
#     rows, curly quotes and en dashes kept, the "Ford Lauderdale" typo
#     kept, usernames unlike names, Europe/UK rows without a state, logos
#     only where the row has one, nothing from the intro, the "Become a
#     Local Partner" section, header or footer, geographic keys equal to the
#     original system's formula computed here independently, skipped and
#     duplicate rows, no links followed;
# (c) the page fetched through the fixture server by URL alone (routing by
#     claim; the slashless URL through BaT's 301) and by `crawl --dry-run`
#     from the rule's start URL: the same records;
# (d) broken pages (cut before the first table, a page without tables, an
#     empty body, a body cut in the middle of the list): no crash, a clear
#     message; no records where there is no partner row.
#
# Fixtures:
#   tests/fixtures/sites/bringatrailer.com/local-partners/index.html
#       the reference directory page (6 rows) plus the project's CANADA
#       section with the Northern Lights Motorcars row (the test partner
#       whose member page needs several REST pages, shared with the
#       bat-member and dealer-site tests);
#   tests/fixtures/pages/local-partners-traps.html
#       hand-made in the same markup: a "visit the X website" name with no
#       logo, a duplicate row (same key; the first, without logo, is kept),
#       a bare homepage referral behind an external /wp-content/ link, a
#       referral on a ghost.io blog preceded by a www.bringatrailer.com
#       link, a region as <h4> inside a <figure> (TEXAS) and as <h4> under
#       an <h3> (GERMANY: the country of a row without "City, Country"),
#       "Shop‘s" in Houston and Seattle with one username, a row without a
#       member link and one without any partner link (both skipped), Canada
#       with a province, "Colombo &#038; Co" with a non-breaking space in
#       "BaT username", Göttingen, a percent-encoded username whose link
#       text differs, "The Netherlands", "London, UK", a name longer than
#       the key's 80 characters, and a non-partner table.
#
# The golden files were written by running the rule, then checked field by
# field by hand: the reference rows against the reference world's truth
# (businesses[].bat.directory_rows: name shown, city, state, country,
# referral URL, logo or not, geographic key; the username and website of
# the business), the Northern Lights row against the values the fixture
# world fixes for it, the hand-made rows against the page.  business_type
# is the original system's hint from name and website (the page has no
# category).  When the rule changes on purpose, regenerate them with the
# command in (a) and check the diff by hand.

# The Python checks are single-quoted on purpose ("$" is theirs).
# shellcheck disable=SC2016
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
MAIN=$SITES/bringatrailer.com/local-partners/index.html
TRAPS=$top_srcdir/tests/fixtures/pages/local-partners-traps.html
EXPECTED=$top_srcdir/tests/expected/bat-local-partners
URL=https://bringatrailer.com/local-partners/
OUT=$(mktemp_dir)
export OUT MAIN TRAPS URL

# Helpers for the Python checks: recs(name) are the records carvest
# printed for a page ("main" or "traps"), by_key(name) the same by
# geographic key, err(name) its stderr, page(name) its HTML, rows(name)
# the HTML of its partner rows (the <tr> blocks that say "BaT username"),
# slug() and key() the original system's geographic key formula.
PRELUDE='
import json, os, re, sys
OUT = os.environ["OUT"]
FILES = {"main": os.environ["MAIN"], "traps": os.environ["TRAPS"]}
def recs(name):
    with open(os.path.join(OUT, name + ".jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]
def by_key(name):
    out = {}
    for r in recs(name):
        assert r["geographic_key"] not in out, r["geographic_key"]
        out[r["geographic_key"]] = r
    return out
def err(name):
    with open(os.path.join(OUT, name + ".err"), encoding="utf-8") as f:
        return f.read()
def page(name):
    with open(FILES[name], encoding="utf-8") as f:
        return f.read()
def rows(name):
    trs = re.findall(r"<tr>.*?</tr>", page(name), re.S)
    return [t for t in trs if re.search(r"BaT(\s|&nbsp;)username", t)]
def slug(s):
    s = s.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:80]
def key(r):
    return "|".join([slug(r["name"]), slug(r["city"]) if r.get("city") else "na",
                     r["state"].upper() if r.get("state") else "na",
                     r["country"].upper() if r.get("country") else "na"])
'

# The prelude goes in a file so that a failing check's diagnostics show
# its own code and traceback, not the prelude.
printf '%s\nexec(compile(sys.argv[1], "check", "exec"))\n' "$PRELUDE" >"$OUT/check.py"

py() {    # py NAME CODE: a check written in Python (fails on an exception)
    ok "$1" "$PYTHON3" "$OUT/check.py" "$2"
}

# ------------------------------------------------ (a) golden files

for name in main traps; do
    case $name in
    main) file=$MAIN golden=$EXPECTED/local-partners.jsonl ;;
    *) file=$TRAPS golden=$EXPECTED/local-partners-traps.jsonl ;;
    esac
    "$CARVEST" extract bat-local-partners "$file" --url "$URL" \
        >"$OUT/$name.jsonl" 2>"$OUT/$name.err"
    st=$?
    if [ "$st" -eq 0 ] && cmp -s "$golden" "$OUT/$name.jsonl"; then
        pass "extract $name page matches its golden file"
    else
        fail "extract $name page matches its golden file"
        diag "  exit status $st; stderr:"
        diag_file "$OUT/$name.err"
        diag "$(diff -u "$golden" "$OUT/$name.jsonl" | cut -c1-300 | head -n 40)"
    fi
done
set -- "$EXPECTED"/*.jsonl
ok_eq "two golden files" "$#" 2

# ------------------------------------------------ (b) traps

py "main page: 7 businesses, one per partner row (6 reference rows and Canada)" '
assert len(rows("main")) == 7, len(rows("main"))
assert len(recs("main")) == 7, len(recs("main"))
assert all(r["type"] == "business" and r["source"] == "bat-local-partners" for r in recs("main"))
'

py "every record: source_url is the directory page" '
for n in ("main", "traps"):
    for r in recs(n):
        assert r["source_url"] == os.environ["URL"], r
'

py "the same brand in two cities is two businesses (944Garage), not merged" '
g = [r for r in recs("main") if r["name"] == "944Garage"]
assert len(g) == 2, g
assert {r["geographic_key"] for r in g} == {"944garage|placer-county|CA|US",
                                          "944garage|san-francisco-east-bay|CA|US"}, g
assert {r["bat_username"] for r in g} == {"944garage"}
assert {r["referral_url"] for r in g} == {"https://www.944garage.com/list-on-bat.html"}
s = [r for r in recs("traps") if r["name"] == "Shop\u2018s"]
assert sorted((r["city"], r["state"]) for r in s) == [("Houston", "TX"), ("Seattle", "WA")], s
assert {r["bat_username"] for r in s} == {"shopsgarage"}
assert len({r["geographic_key"] for r in s}) == 2
'

py "curly apostrophes and the en dash are data, kept as shown" '
names = {r["name"] for r in recs("main")} | {r["name"] for r in recs("traps")}
for n in ("Donnelly\u2019s Classic Cars", "Brennan\u2019s Garage", "Shop\u2018s",
          "Lawrence Romanosky\u2019s Automotive"):
    assert n in names, n
cities = {r.get("city") for r in recs("main")}
assert "San Francisco \u2013 East Bay" in cities, cities
assert "&#8217;" in page("main") and "&#8216;" in page("traps")   # entities, decoded
'

py "the page typo and area names are kept (Ford Lauderdale, Placer County)" '
k = by_key("main")
assert k["donnelly-speed-shop|ford-lauderdale|FL|US"]["city"] == "Ford Lauderdale"
assert k["944garage|placer-county|CA|US"]["city"] == "Placer County"
'

py "usernames come from the member link, unlike the names" '
u = {r["name"]: r["bat_username"] for r in recs("main")}
assert u["Donnelly Speed Shop"] == "oosspeed", u
assert u["Donnelly\u2019s Classic Cars"] == "944club", u
assert u["Keystone Car Storage"] == "240zfan", u
assert u["Brennan\u2019s Garage"] == "bsg733", u
assert u["Northern Lights Motorcars"] == "reserve416", u
t = {r["name"]: r["bat_username"] for r in recs("traps")}
assert t["Avant Garde Collection"] == "911r", t
assert t["Schwabenwerk Tuning"] == "j\u00fcrgen_k", t          # /member/j%C3%BCrgen_k/
assert "/member/j%C3%BCrgen_k/\">J\u00fcrgen_K</a>" in page("traps")   # not the link text
'

py "Europe and UK rows: no state, \"na\" in the key, the country from label or heading" '
eu = [r for n in ("main", "traps") for r in recs(n) if r.get("country") not in ("US", "CA")]
assert len(eu) == 7, [r["name"] for r in eu]
for r in eu:
    assert "state" not in r, r
    assert r["geographic_key"].split("|")[2] == "na", r
want = {"Keystone Car Storage": "BE", "Brennan\u2019s Garage": "GB", "Colombo & Co": "BE",
        "1600Veloce": "DE", "Schwabenwerk Tuning": "DE", "Van Dijk Coachworks": "NL",
        "Mayfair Detailing Co": "GB"}
assert {r["name"]: r["country"] for r in eu} == want, eu
'

py "US and Canada rows: the 2-letter state and the group country" '
for n in ("main", "traps"):
    for r in recs(n):
        if r["country"] in ("US", "CA"):
            assert re.fullmatch(r"[A-Z]{2}", r.get("state", "")), r
k = by_key("traps")["coastal-reserve-motorcars|vancouver|BC|CA"]
assert (k["city"], k["state"], k["country"]) == ("Vancouver", "BC", "CA"), k
'

py "logo only where the row has one (a /wp-content/ image), first row kept for a duplicate" '
n_logo = 0
for n in ("main", "traps"):
    html_rows = rows(n)
    for r in recs(n):
        user = re.escape(r["bat_username"]).replace("\u00fc", "%C3%BC")
        mine = [t for t in html_rows if re.search("/member/" + user + "/", t)
                and (not r.get("city") or ">" + r["city"] + "," in t.replace("&#8211;", "\u2013"))]
        assert mine, r
        imgs = re.findall(r"<img src=\"([^\"]*)\"", mine[0])
        logo = [u for u in imgs if "/wp-content/" in u]
        assert r.get("logo_url") == (logo[0] if logo else None), (r, logo)
        n_logo += bool(logo)
assert n_logo == 9, n_logo
'

py "the referral is the first external link: not BaT, www.BaT or /wp-content/" '
k = by_key("traps")
r = k["compass-autosport|lexington|KY|US"]
assert r["referral_url"] == "https://compassracing.com/" and r["website"] == "https://compassracing.com", r
assert "https://compassracing.com/wp-content/" in page("traps")
r = k["lawrence-romanosky-s-automotive|pittsburgh|PA|US"]
assert r["referral_url"] == "https://lawrence-romanoskys-automotive-blog.ghost.io/bring-a-trailer/", r
assert r["website"] == "https://lawrence-romanoskys-automotive-blog.ghost.io", r
assert "https://www.bringatrailer.com/auctions/" in page("traps")
r = by_key("main")["donnelly-speed-shop|ford-lauderdale|FL|US"]
assert r["referral_url"] == "https://donnellyspeedshop.com/", r      # a bare homepage
'

py "names from \"visit the X website\" (with and without a logo link first)" '
k = by_key("traps")
assert k["exclusive-motor-club|chandler|AZ|US"]["name"] == "Exclusive Motor Club"
assert k["1600veloce|g-ttingen|na|DE"]["name"] == "1600Veloce"
assert by_key("main")["keystone-car-storage|kortrijk|na|BE"]["name"] == "Keystone Car Storage"
for n in ("main", "traps"):
    for r in recs(n):
        assert not r["name"].lower().startswith("visit"), r
'

py "hand-made rows: &, Göttingen, The Netherlands, London UK, the h4 region" '
k = by_key("traps")
assert k["colombo-and-co|kortrijk|na|BE"]["name"] == "Colombo & Co"
assert k["1600veloce|g-ttingen|na|DE"]["city"] == "G\u00f6ttingen"
assert k["van-dijk-coachworks|amersfoort|na|NL"]["city"] == "Amersfoort"
assert k["mayfair-detailing-co|london|na|GB"]["city"] == "London"
r = k["schwabenwerk-tuning|na|na|DE"]        # "Stuttgart" (no comma): country from <h4>GERMANY
assert "city" not in r, r
assert "<h4>GERMANY</h4>" in page("traps") and "<h3>BELGIUM</h3>" in page("traps")
assert k["shop-s|houston|TX|US"]["country"] == "US"       # <h4>TEXAS</h4> in a <figure>
'

py "geographic keys: the original formula, computed independently" '
n = 0
for name in ("main", "traps"):
    for r in recs(name):
        assert r["geographic_key"] == key(r), (r["geographic_key"], key(r))
        n += 1
assert n == 20, n
truth = {"donnelly-s-classic-cars|st-louis|MO|US", "944garage|san-francisco-east-bay|CA|US",
         "944garage|placer-county|CA|US", "donnelly-speed-shop|ford-lauderdale|FL|US",
         "keystone-car-storage|kortrijk|na|BE", "brennan-s-garage|dorset|na|GB",
         "northern-lights-motorcars|toronto|ON|CA"}
assert set(by_key("main")) == truth, set(by_key("main")) ^ truth
'

py "the Canada test partner has exactly the values the fixture world fixes" '
r = by_key("main")["northern-lights-motorcars|toronto|ON|CA"]
want = {"name": "Northern Lights Motorcars", "city": "Toronto", "state": "ON", "country": "CA",
        "referral_url": "https://www.northernlightsmotorcars.ca/bring-a-trailer-local-partner/",
        "website": "https://www.northernlightsmotorcars.ca", "bat_username": "reserve416",
        "logo_url": "https://bringatrailer.com/wp-content/uploads/2022/02/northern-lights-motorcars-logo.png"}
assert {k: r.get(k) for k in want} == want, r
'

py "a long name: the slug is cut at 80 characters, after the dashes are trimmed" '
r = [r for r in recs("traps") if r["bat_username"] == "avvm"][0]
s = r["geographic_key"].split("|")[0]
assert len(s) == 80 and s.endswith("consignment-"), s      # as the original cut it
assert r["name"].endswith("Transport & Consignment Services"), r
'

py "business type: the original name+website hint" '
t = {r["name"]: r["business_type"] for r in recs("traps")}
assert t["Compass Autosport"] == "performance_shop", t     # from compassracing.com
assert t["Schwabenwerk Tuning"] == "performance_shop", t
assert t["Van Dijk Coachworks"] == "restoration_shop", t
assert t["Mayfair Detailing Co"] == "detailing", t
assert t["Colombo & Co"] == "specialty_shop", t
'

py "a duplicate row (same key) is kept once: the first" '
a = [r for r in recs("traps") if r["name"] == "Avant Garde Collection"]
assert len(a) == 1, a
assert a[0]["referral_url"] == "https://www.a-gc.com/bring-a-trailer" and "logo_url" not in a[0], a
assert re.search(r"row 3 \(Avant Garde Collection\) skipped: same geographic key as row 2", err("traps"))
'

py "rows without a member link or without a name are skipped with a warning" '
names = {r["name"] for r in recs("traps")}
assert "Lone Star Paint & Body" not in names
assert "tacomaclassics" not in {r["bat_username"] for r in recs("traps")}
e = err("traps")
assert re.search(r"warning: .*Lone Star Paint & Body\) skipped: no BaT username", e), e
assert re.search(r"warning: .*\(Tacoma, WA\) skipped: no partner name", e), e
assert e.count("warning:") == 2, e
assert err("main") == "", err("main")
'

py "nothing from the intro, the join section, the non-partner table, header or footer" '
for n in ("main", "traps"):
    for r in recs(n):
        assert r["bat_username"] != "batsupport", r
        assert "youtube" not in r["referral_url"] and "example-dealer" not in r["referral_url"], r
        assert r.get("city") != "Chicago", r
        assert not r["referral_url"].startswith("https://bringatrailer.com/"), r
assert "partner-requirements" in page("traps") and "batsupport" in page("main")
assert len(recs("traps")) == len(rows("traps")) - 3     # one duplicate, two unusable rows
'

run "$CARVEST" -v extract bat-local-partners "$MAIN" --url "$URL"
ok_eq "extract -v: exit 0" "$RUN_STATUS" 0
ok_eq "no links followed (the pipeline decides)" "$(grep -c 'would follow' "$RUN_ERR")" 0

# ------------------------------------------------ (c) through the server

if start_fixture_server "$SITES" --slash-redirect bringatrailer.com; then
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract "$URL"
    if [ "$RUN_STATUS" -eq 0 ] && cmp -s "$EXPECTED/local-partners.jsonl" "$RUN_OUT"; then
        pass "extract by URL, routed by claim: the same records"
    else
        fail "extract by URL, routed by claim: the same records"
        diag "  exit status $RUN_STATUS; stderr:"
        diag_file "$RUN_ERR"
    fi

    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract \
        https://bringatrailer.com/local-partners
    ok_eq "without the slash (301): exit 0" "$RUN_STATUS" 0
    ok "without the slash (301): the same records" cmp "$EXPECTED/local-partners.jsonl" "$RUN_OUT"

    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run crawl bat-local-partners
    ok_eq "crawl --dry-run from the start URL: exit 0" "$RUN_STATUS" 0
    ok "crawl --dry-run from the start URL: the same records" \
        cmp "$EXPECTED/local-partners.jsonl" "$RUN_OUT"
    ok_match "crawl --dry-run: one page, 7 records" "$(cat "$RUN_ERR")" \
        'crawl bat-local-partners: 1 page, 7 records, 0 failed'
    ok "the crawl fetched robots.txt, then the directory once, nothing else" log_query '
paths = [r["path"] for r in reqs]
crawl = paths[len(paths) - 2:]
assert crawl == ["/bringatrailer.com/robots.txt", "/bringatrailer.com/local-partners/"], paths
'
else
    fail "fixture server starts"
fi

# The trap page served as the directory by a server of its own.
overlay=$(mktemp_dir)
mkdir -p "$overlay/bringatrailer.com/local-partners"
cp "$TRAPS" "$overlay/bringatrailer.com/local-partners/index.html"
cp "$SITES/bringatrailer.com/robots.txt" "$overlay/bringatrailer.com/robots.txt"
if start_fixture_server "$overlay"; then
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run crawl bat-local-partners "$URL"
    ok_eq "trap page by crawl: exit 0" "$RUN_STATUS" 0
    ok "trap page by crawl: the same records" cmp "$EXPECTED/local-partners-traps.jsonl" "$RUN_OUT"
else
    fail "second fixture server starts"
fi

# ------------------------------------------------ (d) broken pages

broken=$(mktemp_dir)
# cut just before the first <table> (headings, no rows) and just before
# the third table (the first three rows); neither has </html>
"$PYTHON3" -c 'import sys
s = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(s[:s.index("<table")])
open(sys.argv[3], "w", encoding="utf-8").write(s[:s.index("<h3>MISSOURI</h3>")])' \
    "$MAIN" "$broken/cut-before-table.html" "$broken/cut-in-list.html"
cat >"$broken/no-tables.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Just a moment...</title></head>
<body><h1>Checking your browser before accessing bringatrailer.com</h1>
<p>This process is automatic. BaT username and password are never asked here.</p></body></html>
EOF
: >"$broken/empty.html"

for b in cut-before-table no-tables empty; do
    run "$CARVEST" extract bat-local-partners "$broken/$b.html" --url "$URL"
    ok_eq "$b: exit status 1 (the page failed)" "$RUN_STATUS" 1
    ok_eq "$b: no records" "$(wc -c <"$RUN_OUT" | tr -d ' ')" 0
    ok_match "$b: a clear message" "$(cat "$RUN_ERR")" \
        '^carvest: error: bat-local-partners: https://bringatrailer.com/local-partners/: .*bat-local-partners.lua:[0-9]+: no partner rows \(no table row with "BaT username"\)'
    ok_eq "$b: one line on stderr, no traceback" "$(wc -l <"$RUN_ERR" | tr -d ' ')" 1
done

run "$CARVEST" extract bat-local-partners "$broken/cut-in-list.html" --url "$URL"
ok_eq "cut in the list: exit 0" "$RUN_STATUS" 0
ok "cut in the list: the rows before the cut, as in the full page" "$PYTHON3" -c '
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
full = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(got) == 3 and got == full[:3], [r["name"] for r in got]' \
    "$RUN_OUT" "$EXPECTED/local-partners.jsonl"
ok_match "cut in the list: a warning that the list may be incomplete" "$(cat "$RUN_ERR")" \
    'warning: bat-local-partners: .*truncated\?\): 3 partners read, the list may be incomplete'

done_testing
