#!/bin/sh
# t_extract_bat.sh -- the bat-listing plugin on saved Bring a Trailer pages.
#
# (a) every golden file tests/expected/bat-listing/SLUG.jsonl is exactly
#     what `carvest extract bat-listing` prints for the fixture page
#     tests/fixtures/sites/bringatrailer.com/listing/SLUG/index.html;
# (b) the traps of real listing pages, asserted one by one on that output
#     (sidebar auctions, promo images, legacy layout, withdrawn and bid-to
#     lots, chassis separators, kilometre/TMU odometers, a broken gallery,
#     a live lot);
# (c) the same pages fetched through the fixture server by URL alone
#     (routing by claim, robots.txt first, a slash redirect);
# (d) --output table.
#
# The fixtures: 33 copies of reference listing pages (current and legacy
# layouts; sold, bid-to, withdrawn and live lots; promo images inside the
# galleries; "Related Auctions" and promos in the sidebar) and three
# hand-made pages in the same markup:
#   1969-lancia-fulvia-coupe-rallye-1-3-s-12   sold; chassis "818.630/002345";
#       "98k Kilometers (~61k Miles) Shown, TMU"; a promo image in the
#       gallery; ended at 7:12 PM PT, i.e. the next day in UTC
#   1985-toyota-land-cruiser-fj60-41   bid to (reserve not met); the
#       data-gallery-items JSON is cut off in the middle of a photo
#   1991-porsche-911-carrera-2-coupe-5-speed-63   live: "Current Bid" row,
#       countdown; another live auction with its own bid and countdown in
#       the sidebar; a model link ("Porsche 964") that is not in the title
#
# The golden files were checked field by field against the reference
# world's truth (reference pages) or against the page itself (hand-made
# pages).  When the plugin changes on purpose, regenerate them with the
# command in (a) and check the diff by hand before committing.

# The Python checks are single-quoted on purpose ("$" is theirs).
# shellcheck disable=SC2016
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
EXPECTED=$top_srcdir/tests/expected/bat-listing
LISTINGS=$SITES/bringatrailer.com/listing
OUT=$(mktemp_dir)

# Helpers for the Python checks: rec(slug) is the one record carvest
# printed for a page (it fails unless there is exactly one), page(slug) the
# fixture HTML, gallery(slug) the photo URLs of its data-gallery-items
# (None when the attribute is not readable JSON), block(html, start, end)
# the markup between two markers.
PRELUDE='
import html, json, os, re, sys
OUT, LISTINGS = os.environ["OUT"], os.environ["LISTINGS"]
def rec(slug):
    with open(os.path.join(OUT, slug + ".jsonl"), encoding="utf-8") as f:
        recs = [json.loads(l) for l in f if l.strip()]
    assert len(recs) == 1, "%s: %d records" % (slug, len(recs))
    return recs[0]
def page(slug):
    with open(os.path.join(LISTINGS, slug, "index.html"), encoding="utf-8") as f:
        return f.read()
def gallery(slug):
    m = re.search(r"data-gallery-items=\"([^\"]*)\"", page(slug))
    try:
        items = json.loads(html.unescape(m.group(1)))
    except ValueError:
        return None
    urls = []
    for it in items:
        for k in ("full", "original", "large", "small"):
            if isinstance(it.get(k), dict) and it[k].get("url"):
                urls.append(it[k]["url"])
        if it.get("url"):
            urls.append(it["url"])
    return urls
def block(text, start, end):
    i = text.index(start)
    return text[i:text.index(end, i)]
def slugs():
    return sorted(f[:-6] for f in os.listdir(OUT) if f.endswith(".jsonl"))
NOISE = re.compile(r"qotw|winner-template|weekly-weird|mile-marker|podcast|merch|thumbnail-template|site-post-|/web-")
'
export OUT LISTINGS

py() {    # py NAME CODE: a check written in Python (fails on an exception)
    ok "$1" "$PYTHON3" -c "$PRELUDE$2"
}

url_of() {
    printf 'https://bringatrailer.com/listing/%s/' "$1"
}

# ------------------------------------------------ (a) golden files

ngolden=0
for golden in "$EXPECTED"/*.jsonl; do
    [ -f "$golden" ] || continue
    ngolden=$((ngolden + 1))
    slug=$(basename "$golden" .jsonl)
    "$CARVEST" extract bat-listing "$LISTINGS/$slug/index.html" --url "$(url_of "$slug")" \
        >"$OUT/$slug.jsonl" 2>"$OUT/$slug.err"
    st=$?
    if [ "$st" -eq 0 ] && cmp -s "$golden" "$OUT/$slug.jsonl"; then
        pass "extract $slug matches its golden file"
    else
        fail "extract $slug matches its golden file"
        diag "  exit status $st; stderr:"
        diag_file "$OUT/$slug.err"
        diag "$(diff -u "$golden" "$OUT/$slug.jsonl" | cut -c1-300 | head -n 40)"
    fi
done
ok_eq "36 golden files (33 reference pages, 3 hand-made)" "$ngolden" 36

missing=
for d in "$LISTINGS"/*/; do
    slug=$(basename "$d")
    [ -f "$EXPECTED/$slug.jsonl" ] || missing="$missing $slug"
done
ok_eq "every listing fixture has a golden file" "$missing" ""

# ------------------------------------------------ (b) traps

py "images come from the photo gallery only (no sidebar or promo image)" '
n = 0
for s in slugs():
    g = gallery(s)
    if g is None:
        continue
    shown = "\n".join(g)
    for u in rec(s).get("images", []):
        assert u in shown, "%s: %s is not in the gallery" % (s, u)
        n += 1
assert n > 500, n
'

py "promo images mixed into galleries are dropped, every car photo kept" '
with_noise = 0
for s in slugs():
    g = gallery(s)
    if g is None:
        continue
    m = re.search(r"data-gallery-items=\"([^\"]*)\"", page(s))
    items = json.loads(html.unescape(m.group(1)))
    noise = [it for it in items if NOISE.search(it["url"])]
    with_noise += bool(noise)
    imgs = rec(s).get("images", [])
    assert not [u for u in imgs if NOISE.search(u)], s
    assert len(imgs) == len(items) - len(noise), (s, len(imgs), len(items), len(noise))
assert with_noise >= 7, with_noise
'

py "image URLs are full size (no ?fit/?resize, -scaled or -WxH)" '
for s in slugs():
    for u in rec(s).get("images", []):
        assert "?" not in u and "-scaled." not in u, u
        assert not re.search(r"-[0-9]+x[0-9]+\.[a-z]+$", u), u
'

py "prices come from the result table, not from Related Auctions" '
checked = 0
for s in slugs():
    r, text = rec(s), page(s)
    own = block(text, "<div id=\"listing-bid-container\">", "<div class=\"comments\">")
    side = block(text, "<div class=\"related-listings\">", "<div class=\"sidebar-promos\">")
    for k in ("sale_price", "high_bid", "asking_price"):
        if k in r:
            shown = "USD ${:,}".format(r[k])
            assert shown in own, (s, k, r[k])
            checked += 1
    assert "USD $" in side, s    # the sidebar does show other prices
assert checked > 50, checked
'

py "mileage comes from the essentials, not from Related Auctions" '
checked = 0
for s in slugs():
    r, text = rec(s), page(s)
    if "mileage" not in r:
        continue
    ess = text[text.index("essentials"):text.index("<div class=\"related-listings\">")]
    m = r["mileage"]
    forms = ["{:,} ".format(m)] + (["{}k ".format(m // 1000)] if m % 1000 == 0 else [])
    assert any(f in ess for f in forms), (s, m)
    checked += 1
assert checked >= 36, checked
'

py "\"Reserve Not Met\" in the sidebar does not make a sold car not_sold" '
sold = [s for s in slugs() if "<td class=\"listing-stats-label\">Sold</td>" in page(s)]
assert len(sold) >= 15, len(sold)
for s in sold:
    assert rec(s)["listing_status"] == "sold", s
'

py "withdrawn lots have no price, no buyer, and USD as currency" '
wd = [s for s in slugs() if rec(s).get("listing_status") == "withdrawn"]
assert len(wd) == 2, wd
for s in wd:
    r = rec(s)
    for k in ("sale_price", "high_bid", "asking_price", "buyer", "sale_date"):
        assert k not in r, (s, k)
    assert r["currency"] == "USD", s
'

py "bid-to lots are not_sold with a high bid, no sale price and no buyer" '
ns = [s for s in slugs() if rec(s).get("listing_status") == "not_sold"]
assert len(ns) >= 12, len(ns)
for s in ns:
    r = rec(s)
    assert r.get("high_bid", 0) > 0 and "sale_price" not in r and "buyer" not in r, s
'

py "sold lots have sale price = high bid, a buyer and a sale date" '
for s in slugs():
    r = rec(s)
    if r.get("listing_status") == "sold":
        assert r["sale_price"] == r["high_bid"] and r["buyer"] and r["sale_date"], s
'

py "\"No Reserve:\" titles and only they give no_reserve" '
for s in slugs():
    r = rec(s)
    assert r["no_reserve"] == r["title"].startswith("No Reserve:"), s
'

py "legacy layout (listing-essentials-items) gives lot, seller, location, chassis" '
legacy = [s for s in slugs() if "listing-essentials-items" in page(s)]
assert len(legacy) == 6, legacy
for s in legacy:
    r = rec(s)
    for k in ("lot_number", "seller", "location", "vin", "mileage", "make", "model"):
        assert r.get(k), (s, k)
'

py "chassis numbers keep their separators" '
assert rec("1962-fiat-500-f-117")["vin"] == "124CS.1823640"
assert rec("1969-lotus-elan-s4-drophead-coupe")["vin"] == "54/0906"
assert rec("1963-mercedes-benz-190sl-roadster-52")["vin"] == "121.042-12-203796"
assert rec("1969-lancia-fulvia-coupe-rallye-1-3-s-12")["vin"] == "818.630/002345"
'

py "kilometre odometer with TMU stays in kilometres (98k Kilometers (~61k Miles) Shown, TMU)" '
r = rec("1969-lancia-fulvia-coupe-rallye-1-3-s-12")
assert (r["mileage"], r["mileage_unit"], r["mileage_tmu"]) == (98000, "km", True), r
r = rec("19k-kilometer-1964-porsche-356-c-cabriolet")
assert (r["mileage"], r["mileage_unit"], r["mileage_tmu"]) == (19000, "km", False), r
r = rec("1981-mercedes-benz-300d-sedan-95")
assert (r["mileage"], r["mileage_unit"], r["mileage_tmu"]) == (852, "mi", True), r
'

py "hand-made sold lot: price, buyer, end time and model family" '
r = rec("1969-lancia-fulvia-coupe-rallye-1-3-s-12")
want = dict(listing_status="sold", sale_price=31500, buyer="vespa_vic", seller="fulviafan_71",
            make="Lancia", model="Fulvia", trim="Coupe Rallye 1.3 S", lot_number=196412)
assert {k: r.get(k) for k in want} == want, r
'

# BaT states dates in Pacific time: a lot that ends at 7:12 PM PT ends on the
# next day in UTC, and its sale date is still the day the page shows.
py "sale date is the day the page shows (Pacific), end time in UTC" '
r = rec("1969-lancia-fulvia-coupe-rallye-1-3-s-12")
assert "March 14, 2025 at 7:12 PM PT" in page("1969-lancia-fulvia-coupe-rallye-1-3-s-12")
assert (r["sale_date"], r["auction_end"]) == ("2025-03-14", "2025-03-15T02:12:00Z"), r
'
py "every sold lot: sale date = the date of its \"Sold for ... on M/D/YY\" line" '
n = 0
for s in slugs():
    r = rec(s)
    if r.get("listing_status") != "sold":
        continue
    info = block(page(s), "<div class=\"listing-available-info\">", "</div>")
    m, d, y = map(int, re.search(r"(\d+)/(\d+)/(\d+)", info).groups())
    assert r["sale_date"] == "%04d-%02d-%02d" % (2000 + y, m, d), (s, r["sale_date"], info)
    n += 1
assert n >= 16, n
'

# The broken gallery: the record must still come out, with the og:image
# and a warning on stderr.
slug=1985-toyota-land-cruiser-fj60-41
py "broken gallery JSON: the fixture really is unreadable" "
assert gallery('$slug') is None
"
py "broken gallery JSON: one record, the og:image as its only image" "
r = rec('$slug')
og = re.search(r'property=\"og:image\" content=\"([^\"?]*)', page('$slug')).group(1)
assert r['images'] == [og], r.get('images')
assert r['listing_status'] == 'not_sold' and r['high_bid'] == 24000, r
"
ok_match "broken gallery JSON: a warning on stderr" \
    "$(cat "$OUT/$slug.err")" 'warning: .*gallery'
ok_eq "other pages print no warning" \
    "$(cat "$OUT"/*.err | grep -c 'warning:')" 1

slug=1991-porsche-911-carrera-2-coupe-5-speed-63
py "live lot: status live, the current bid as high bid, no sale" "
r = rec('$slug')
assert r['listing_status'] == 'live' and r['high_bid'] == 48250, r
for k in ('sale_price', 'buyer', 'sale_date'):
    assert k not in r, k
"
py "live lot: auction end from its own countdown, not the sidebar's" "
r = rec('$slug')
assert r['auction_end'] == '2025-11-19T19:30:00Z', r.get('auction_end')
assert 'data-timestamp=\"1763407800\"' in page('$slug')   # the sidebar's other countdown
"
py "live lots (reference and hand-made) end in the future of their page" '
live = [s for s in slugs() if rec(s).get("listing_status") == "live"]
assert len(live) == 3, live
for s in live:
    assert rec(s)["auction_end"] > "2025-11-14", s
'

# ------------------------------------------------ (c) through the server

if start_fixture_server "$SITES" --slash-redirect bringatrailer.com; then
    for slug in 1969-bmw-2002-tii 1969-lancia-fulvia-coupe-rallye-1-3-s-12 \
        1991-porsche-911-carrera-2-coupe-5-speed-63; do
        run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract "$(url_of "$slug")"
        if [ "$RUN_STATUS" -eq 0 ] && cmp -s "$EXPECTED/$slug.jsonl" "$RUN_OUT"; then
            pass "by URL, routed by claim: $slug gives the same record"
        else
            fail "by URL, routed by claim: $slug gives the same record"
            diag "  exit status $RUN_STATUS; stderr:"
            diag_file "$RUN_ERR"
            diag "$(diff -u "$EXPECTED/$slug.jsonl" "$RUN_OUT" | cut -c1-300 | head -n 20)"
        fi
    done
    ok "robots.txt is fetched before the first listing page" log_query '
paths = [r["path"] for r in by_host("bringatrailer.com")]
assert paths and paths[0] == "/bringatrailer.com/robots.txt", paths
for i, p in enumerate(paths):
    if p.startswith("/bringatrailer.com/listing/"):
        assert "/bringatrailer.com/robots.txt" in paths[:i], paths
'
    ok_eq "three listing pages were fetched" "$(log_count /bringatrailer.com/listing/)" 3

    # Without the trailing slash: BaT answers 301; the record keeps the
    # real URL of the page, not the mapped one.
    slug=1969-bmw-2002-tii
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract \
        "https://bringatrailer.com/listing/$slug"
    ok_eq "after a slash redirect: exit 0" "$RUN_STATUS" 0
    ok "after a slash redirect: the same record as the file run" \
        cmp "$EXPECTED/$slug.jsonl" "$RUN_OUT"
    ok "the redirect was followed through the fixture server" log_query '
st = [r["status"] for r in reqs if r["path"].startswith("/bringatrailer.com/listing/1969-bmw-2002-tii")]
assert st[-2:] == [301, 200], st
'
else
    fail "fixture server starts"
fi

# ------------------------------------------------ (d) --output table

slug=1969-bmw-2002-tii
run "$CARVEST" --output table extract bat-listing "$LISTINGS/$slug/index.html" --url "$(url_of "$slug")"
ok_eq "--output table: exit 0" "$RUN_STATUS" 0
ok_eq "--output table: a header and one row" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 2
ok_match "--output table: the header names the columns" "$(sed -n 1p "$RUN_OUT")" \
    '^YEAR +MAKE +MODEL .*URL'
ok_match "--output table: the row shows the car" "$(sed -n 2p "$RUN_OUT")" \
    "^1969 +BMW +2002 +sold +54500 .*$(url_of "$slug")"

done_testing
