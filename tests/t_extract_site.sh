#!/bin/sh
# t_extract_site.sh -- the dealer-site source (C plugin) on dealer homepages:
# one business record per homepage (name, website, contacts, BaT and
# Classic.com profiles, logo, favicon, banner, inventory and sold lists).
#
# Fixtures (tests/fixtures/sites/HOST/index.html, the real URL being
# https://HOST/):
#  - the eight partner homepages copied from the reference world, and
#    www.saguaroclassiccars.com (t_extract_dealer.sh's hand-made site);
#  - www.northernlightsmotorcars.ca, the bulk test partner (WordPress):
#    og:image is the logo, the hero is a lazy data-src/data-srcset image,
#    an apple-touch-icon comes before the favicon links, the menu holds a
#    "#" Inventory heading and "Sell Your Car" (/inventory/sell-your-car/)
#    before its inventory link (labelled "Available Now"), a
#    BaT partner badge "logo" sits in the header top bar, <body> carries
#    WordPress's "wp-custom-logo" class;
#  - hand-made traps: www.lakeshoreclassiccars.com (its only images are the
#    favicon and the logo; slogan first in the title; phone only as footer
#    text), www.copperstateautosport.com (og:image = favicon.ico, a 96 px
#    badge in the hero, a "Now for sale" link to one car, a percent-encoded
#    BaT username), www.bluewatermotorworks.com (hero as a CSS background,
#    "Home | Name" title, a mask-icon, a wordmark named only by its alt),
#    www.prairiesportscars.ca (JSON-LD AutoDealer with logo, address and
#    telephone; a lazy slider), www.harborviewcollectorcars.com (no favicon
#    link at all; its "Cars for Sale" link leaves the site).
#
# (a) golden files tests/expected/dealer-site/HOST.jsonl: exactly what
#     `carvest extract dealer-site` prints for each homepage.  Each was
#     checked by hand: the partner sites' logo_url, banner_url,
#     favicon_url, phone, inventory_url and sold_inventory_url against the
#     reference truth (inlined in (b) below), the others against their page
#     (see tests/expected/dealer-site/README);
# (b) the traps, asserted one by one;
# (c) the homepages fetched through the fixture server with
#     `carvest --dry-run crawl dealer-site https://HOST/` give the same
#     records, also when the homepage redirects (bare host -> www, and
#     http -> https, via the server's "redirect" fault): the website is the
#     final URL's origin;
# (d) pages that are not homepages fail with a clear message and exit
#     status 1: by URL path, by page kind (a test rule hands dealer-site
#     pages of each kind), without a real URL, and a page with no name.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
EXPECTED=$top_srcdir/tests/expected/dealer-site
OUT=$(mktemp_dir)
HOSTS="www.944garage.com donnellyspeedshop.com www.keystonecarstorage.be
donnelly-nakamura-automotive-blog.ghost.io www.highdesertmotorcars.com
www.granitepeakclassics.com www.whitakerclassics.com www.ferraromotorcars.com
www.saguaroclassiccars.com www.northernlightsmotorcars.ca
www.lakeshoreclassiccars.com www.copperstateautosport.com
www.bluewatermotorworks.com www.prairiesportscars.ca
www.harborviewcollectorcars.com"
NL=https://www.northernlightsmotorcars.ca
export OUT SITES HOSTS

# ------------------------------------------------ (a) golden files

n=0
for host in $HOSTS; do
    n=$((n + 1))
    # -v -v: the reasons banner candidates were refused go to stderr
    "$CARVEST" -v -v extract dealer-site "$SITES/$host/index.html" --url "https://$host/" \
        >"$OUT/$host.jsonl" 2>"$OUT/$host.err"
    st=$?
    if [ "$st" -eq 0 ] && cmp -s "$EXPECTED/$host.jsonl" "$OUT/$host.jsonl"; then
        pass "extract https://$host/ matches its golden file"
    else
        fail "extract https://$host/ matches its golden file"
        diag "  exit status $st; stderr:"
        diag_file "$OUT/$host.err"
        diag "$(diff -u "$EXPECTED/$host.jsonl" "$OUT/$host.jsonl" | cut -c1-300 | head -n 20)"
    fi
done
ok_eq "15 homepages" "$n" 15
ok_eq "every golden file is checked here" \
    "$(cd "$EXPECTED" && find . -name '*.jsonl' | sed 's|^\./||; s|\.jsonl$||' | sort)" \
    "$(printf '%s\n' "$HOSTS" | tr ' ' '\n' | sort)"

# ------------------------------------------------ (b) traps
# rec(host): the one record of a homepage; page(host): its HTML;
# links(host, rel): the resolved hrefs of <link rel> holding that token.

PRELUDE='
import json, os, re
from html import unescape
from urllib.parse import urljoin
OUT, SITES = os.environ["OUT"], os.environ["SITES"]
HOSTS = os.environ["HOSTS"].split()
def rec(host):
    with open(os.path.join(OUT, host + ".jsonl"), encoding="utf-8") as f:
        r = [json.loads(l) for l in f if l.strip()]
    assert len(r) == 1, "%s: %d records" % (host, len(r))
    return r[0]
def page(host):
    with open(os.path.join(SITES, host, "index.html"), encoding="utf-8") as f:
        return f.read()
def err(host):
    with open(os.path.join(OUT, host + ".err"), encoding="utf-8") as f:
        return f.read()
def attr(tag, name):
    m = re.search(r"\s%s=(\"[^\"]*\"|\x27[^\x27]*\x27)" % name, tag)
    return unescape(m.group(1)[1:-1]) if m else None
def links(host, token):
    out = []
    for tag in re.findall(r"<link\b[^>]*>", page(host)):
        rel = (attr(tag, "rel") or "").lower().split()
        if token in rel:
            out.append(urljoin("https://%s/" % host, attr(tag, "href")))
    return out
def meta(host, key):
    for tag in re.findall(r"<meta\b[^>]*>", page(host)):
        if key in (attr(tag, "property"), attr(tag, "name")):
            return urljoin("https://%s/" % host, attr(tag, "content"))
def imgs(host):
    return re.findall(r"<img\b[^>]*>", page(host))
'

py() {    # py NAME CODE: a check written in Python (fails on an exception)
    ok "$1" "$PYTHON3" -c "$PRELUDE$2"
}

py "partner homepages give what a perfect extractor gets (the reference truth)" '
H = "https://%s"
TRUTH = {   # logo_url, banner_url, favicon_url, phone, inventory_url, sold_inventory_url
 "www.highdesertmotorcars.com": ("/wp-content/uploads/2023/01/logo.png", "/images/hero-3.jpg",
     "/favicon.ico", "(660) 455-3536", "/inventory.html", "/sold.html"),
 "www.ferraromotorcars.com": ("https://cdn.dealeraccelerate.com/streetside/ferraro-motorcars/logo.png",
     "/images/hero-6.jpg", "/favicon.ico", "(372) 489-5619", "/vehicles", "/vehicles/sold"),
 "www.granitepeakclassics.com": ("/assets/img/logo.svg", "/images/hero-8.jpg",
     "/wp-content/uploads/2023/01/cropped-favicon-32x32.png", "(292) 619-6216", "/inventory/",
     "/inventory/sold/"),
 "www.whitakerclassics.com": ("https://cdn-ds.com/media/websites/28445/logo.png", "/images/hero-7.jpg",
     "/favicon.ico", "(522) 400-0888", "/inventory/", None),
 "www.944garage.com": ("/wp-content/uploads/2023/01/logo.png", "/images/hero-5.jpg", "/favicon.ico",
     "(463) 220-5201", None, None),
 "donnellyspeedshop.com": ("/assets/img/logo.svg", "/images/hero-9.jpg", "/favicon.ico",
     "(725) 704-0947", None, None),
 "www.keystonecarstorage.be": ("/images/logo.png", "/images/hero-8.jpg", "/favicon.ico",
     "+32 143 6237932", None, None),
 "donnelly-nakamura-automotive-blog.ghost.io": ("/images/logo.png", "/images/hero-8.jpg", "/favicon.ico",
     "+44 1761 847 5746", None, None),
}
keys = ("logo_url", "banner_url", "favicon_url", "phone", "inventory_url", "sold_inventory_url")
for host, want in TRUTH.items():
    r = rec(host)
    for k, v in zip(keys, want):
        if v and v.startswith("/"):
            v = "https://" + host + v
        assert r.get(k) == v, (host, k, r.get(k), v)
'

py "a banner is never the favicon, the logo or an icon" '
n = 0
for host in HOSTS:
    r = rec(host)
    b = r.get("banner_url")
    if not b:
        continue
    n += 1
    assert b not in (r.get("favicon_url"), r.get("logo_url")), host
    for tok in ("icon", "apple-touch-icon", "mask-icon", "shortcut"):
        assert b not in links(host, tok), (host, b)
    assert not re.search(r"logo|favicon|\.ico$|\.svg$", b.lower()), (host, b)
assert n == 12, n    # saguaro, lakeshore and copperstate have none
'

py "no banner when the only images are the favicon and the logo" '
h = "www.lakeshoreclassiccars.com"
r = rec(h)
only = imgs(h)
assert len(only) == 1 and urljoin("https://%s/" % h, attr(only[0], "src")) == r["logo_url"], only
assert meta(h, "og:image") == r["logo_url"], "og:image is the logo"
assert meta(h, "twitter:image") == r["favicon_url"], "twitter:image is the favicon"
assert "background" not in page(h)
assert "banner_url" not in r, r
'

py "og:image = favicon.ico and a 96 px hero badge give no banner" '
h = "www.copperstateautosport.com"
r = rec(h)
assert meta(h, "og:image") == "https://%s/favicon.ico" % h == r["favicon_url"]
badge = [t for t in imgs(h) if "badges" in t][0]
assert attr(badge, "width") == "96", badge
assert "banner_url" not in r, r
e = err(h)
assert "25-years-of-service.png refused: a small image" in e, e
assert "favicon.ico refused: it is the favicon" in e, e
'

py "og:image pointing at the logo: the banner is the lazy hero image, largest srcset candidate" '
h = "www.northernlightsmotorcars.ca"
r = rec(h)
assert meta(h, "og:image") == r["logo_url"], "og:image is the logo"
hero = [t for t in imgs(h) if "hero-image lazyload" in t][0]
assert attr(hero, "src").startswith("data:image/gif"), "the src is a placeholder"
assert attr(hero, "data-src").endswith("-1024x427.jpg")
assert "nlm-showroom-winter.jpg 1920w" in attr(hero, "data-srcset")
assert r["banner_url"] == "https://%s/wp-content/uploads/2023/04/nlm-showroom-winter.jpg" % h, r
'

py "a hero given as a CSS background wins over og:image" '
h = "www.bluewatermotorworks.com"
r = rec(h)
m = re.search(r"<header class=\"hero\" style=\"background-image: url\(\x27([^\x27]*)\x27\)", page(h))
assert m, "the hero is a CSS background"
assert meta(h, "og:image") and meta(h, "og:image") != r["banner_url"]
assert r["banner_url"] == "https://%s%s" % (h, m.group(1)), r
'

py "a lazy slider (data-lazy-src over a placeholder gif) gives the banner" '
h = "www.prairiesportscars.ca"
r = rec(h)
first = [t for t in imgs(h) if "data-lazy-src" in t][0]
assert "lazy-placeholder.gif" in attr(first, "src")
assert r["banner_url"] == "https://%s%s" % (h, attr(first, "data-lazy-src")), r
'

py "favicon: a real icon near 32 px, before an apple-touch-icon and bigger icons" '
h = "www.northernlightsmotorcars.ca"
html = page(h)
assert html.index("rel=\"apple-touch-icon\"") < html.index("rel=\"icon\""), "apple-touch-icon first"
assert html.index("192x192.png\" sizes") < html.index("32x32.png\" sizes"), "the 192 px icon first"
assert rec(h)["favicon_url"] == "https://%s/wp-content/uploads/2021/06/cropped-nlm-mark-32x32.png" % h
h = "www.prairiesportscars.ca"
assert links(h, "icon")[0].endswith("favicon-16x16.png")
assert rec(h)["favicon_url"] == "https://%s/media/icons/favicon-32x32.png" % h
h = "www.bluewatermotorworks.com"
assert links(h, "mask-icon")
assert rec(h)["favicon_url"] == "https://%s/assets/img/favicon-32.png" % h
'

py "no favicon link: no favicon_url, never a guessed /favicon.ico" '
h = "www.harborviewcollectorcars.com"
assert "icon" not in page(h).lower()
assert "favicon_url" not in rec(h), rec(h)
for host in HOSTS:
    f = rec(host).get("favicon_url")
    if f:
        assert f in links(host, "icon") + links(host, "apple-touch-icon"), (host, f)
'

py "every URL of a record is one its page gives (nothing guessed)" '
for host in HOSTS:
    r = rec(host)
    html = unescape(page(host))
    for k in ("logo_url", "favicon_url", "banner_url", "inventory_url", "sold_inventory_url",
              "classic_com_profile"):
        u = r.get(k)
        if u:
            path = re.sub(r"^https://[^/]+", "", u)
            assert u in html or ("\"%s\"" % path) in html or ("\x27%s\x27" % path) in html \
                or (" %s " % path) in html, (host, k, u)
'

py "the logo: the brand link, not a header badge saying logo, a lazy placeholder or the footer logo" '
h = "www.northernlightsmotorcars.ca"
html = page(h)
badge = html.index("bat-local-partner-logo.png")
assert html.index("<header") < badge < html.index("custom-logo-link"), "the badge comes first"
assert "wp-custom-logo" in re.search(r"<body[^>]*>", html).group(0)
assert rec(h)["logo_url"] == "https://%s/wp-content/uploads/2021/06/northern-lights-motorcars-logo.png" % h
'

py "the logo: JSON-LD first; else an image named only by the business name" '
h = "www.prairiesportscars.ca"
assert "prairie-sports-cars-wordmark.png" in page(h)
assert rec(h)["logo_url"] == "https://%s/media/brand/prairie-sports-cars-emblem.png" % h
h = "www.bluewatermotorworks.com"
tag = [t for t in imgs(h) if "navbar" in t or "wordmark" in t][0]
assert "logo" not in tag.lower() and attr(tag, "alt") == rec(h)["name"], tag
assert rec(h)["logo_url"] == "https://%s/assets/img/bwm-wordmark.svg" % h
'

py "the name is never a slogan or \"Home\"" '
want = {
 "www.lakeshoreclassiccars.com": "Lakeshore Classic Cars",       # "Classic Cars for Sale in Chicago – ..."
 "www.bluewatermotorworks.com": "Bluewater Motorworks",         # "Home | ..."
 "www.prairiesportscars.ca": "Prairie Sports Cars",              # JSON-LD, the title is a slogan
 "www.highdesertmotorcars.com": "Donnelly\u2019s Classic Cars",  # "... | Classic Cars for Sale in ..."
 "www.northernlightsmotorcars.ca": "Northern Lights Motorcars",
}
for host, name in want.items():
    assert rec(host)["name"] == name, (host, rec(host)["name"])
for host in HOSTS:
    n = rec(host)["name"].lower()
    assert "for sale" not in n and n != "home" and " | " not in n, (host, n)
'

py "inventory and sold lists: linked, same-site, never Sell Your Car, a menu heading or one car" '
h = "www.northernlightsmotorcars.ca"
html = page(h)
assert html.index("/inventory/sell-your-car/") < html.index("/inventory/\">Available Now<"), "Sell Your Car first"
assert "<a href=\"#\">Inventory</a>" in html
r = rec(h)
assert r["inventory_url"] == "https://%s/inventory/" % h, r
assert r["sold_inventory_url"] == "https://%s/sold/" % h, r
h = "www.copperstateautosport.com"
assert "Now for sale: 1967 Porsche 912 Coupe</a>" in page(h) and "/sell-your-car/" in page(h)
assert "inventory_url" not in rec(h) and "sold_inventory_url" not in rec(h), rec(h)
h = "www.harborviewcollectorcars.com"
assert "dealercarsearch.com/inventory\">Cars for Sale</a>" in page(h)
assert "inventory_url" not in rec(h), rec(h)
h = "www.prairiesportscars.ca"
r = rec(h)
assert (r["inventory_url"], r["sold_inventory_url"]) == (
    "https://%s/inventory/" % h, "https://%s/inventory/previously-sold/" % h), r
for host in HOSTS:
    r = rec(host)
    for k in ("inventory_url", "sold_inventory_url"):
        u = r.get(k)
        if u:
            assert u.startswith(r["website"] + "/"), (host, k, u)
            assert not re.search(r"sell|financ|consign|/\d{4}-", u), (host, k, u)
'

py "contacts and profiles: tel:, mailto:, footer text, JSON-LD; BaT and Classic.com links" '
r = rec("www.northernlightsmotorcars.ca")
assert (r["phone"], r["email"], r["bat_username"]) == (
    "(416) 555-0416", "sales@northernlightsmotorcars.ca", "reserve416"), r
r = rec("www.copperstateautosport.com")
assert "member/j%C3%BCrgen912/" in page("www.copperstateautosport.com")
assert r["bat_username"] == "j\u00fcrgen912", r
assert r["email"] == "shop@copperstateautosport.com", r           # no ?subject=
r = rec("www.lakeshoreclassiccars.com")
assert "tel:" not in page("www.lakeshoreclassiccars.com")
assert r["phone"] == "312-555-0188", r                             # the footer text, not the fax
r = rec("www.prairiesportscars.ca")
assert (r["phone"], r["email"]) == ("+1 306-555-0172", "hello@prairiesportscars.ca"), r
assert (r["city"], r["state"], r["country"]) == ("Saskatoon", "SK", "CA"), r
r = rec("www.bluewatermotorworks.com")
assert r["classic_com_profile"] == "https://www.classic.com/s/bluewater-motorworks-Kq83nVz/", r
assert rec("donnelly-nakamura-automotive-blog.ghost.io")["classic_com_profile"] == \
    "https://www.classic.com/s/brennans-garage-3Ewpqyq/"
assert rec("www.highdesertmotorcars.com")["bat_username"] == "944club"
# free-text addresses are not parsed (yet): no JSON-LD, no city
for host in HOSTS:
    if "ld+json" not in page(host):
        assert not set(("city", "state", "country")) & set(rec(host)), host
'

# ------------------------------------------------ (c) through the server

cat >"$SCRATCH/faults.json" <<'EOF'
[
  {"comment": "a bare host redirecting to www",
   "path": "/northernlightsmotorcars.ca/", "action": "redirect",
   "location": "https://www.northernlightsmotorcars.ca/"},
  {"comment": "http redirecting to https (http URLs are mapped under /http/)",
   "path": "/http/www.bluewatermotorworks.com/", "action": "redirect",
   "location": "https://www.bluewatermotorworks.com/"}
]
EOF

if start_fixture_server "$SITES" --faults "$SCRATCH/faults.json"; then
    HTTP_MAP="http://*=http://127.0.0.1:$FIXTURE_PORT/http/{host}"
    cv() {
        "$CARVEST" --map-origin "$FIXTURE_MAP" --map-origin "$HTTP_MAP" --delay-ms 0 --dry-run "$@"
    }
    for host in $HOSTS; do
        run cv crawl dealer-site "https://$host/"
        if [ "$RUN_STATUS" -eq 0 ] && cmp -s "$EXPECTED/$host.jsonl" "$RUN_OUT"; then
            pass "crawl dealer-site https://$host/ gives the golden record"
        else
            fail "crawl dealer-site https://$host/ gives the golden record"
            diag "  exit status $RUN_STATUS; stderr:"
            diag_file "$RUN_ERR"
            diag "$(diff -u "$EXPECTED/$host.jsonl" "$RUN_OUT" | cut -c1-300 | head -n 20)"
        fi
    done

    run cv crawl dealer-site https://northernlightsmotorcars.ca/
    ok_eq "bare host redirected to www: exit 0" "$RUN_STATUS" 0
    ok "bare host redirected to www: the record of the final URL (website = its origin)" \
        cmp "$EXPECTED/www.northernlightsmotorcars.ca.jsonl" "$RUN_OUT"
    run cv crawl dealer-site http://www.bluewatermotorworks.com/
    ok_eq "http redirected to https: exit 0" "$RUN_STATUS" 0
    ok "http redirected to https: the record of the final URL (website = its origin)" \
        cmp "$EXPECTED/www.bluewatermotorworks.com.jsonl" "$RUN_OUT"
    ok "both redirects were served, then the final pages" log_query '
for path, final in (("/northernlightsmotorcars.ca/", "/www.northernlightsmotorcars.ca/"),
                    ("/http/www.bluewatermotorworks.com/", "/www.bluewatermotorworks.com/")):
    hops = [r for r in reqs if r["path"] == path]
    assert hops and all(r["status"] == 301 and r["fault"] == "redirect" for r in hops), hops
    i = reqs.index(hops[-1])
    assert any(r["path"] == final and r["status"] == 200 for r in reqs[i:]), final
'

    # (d) by URL, through the server too
    run cv crawl dealer-site "$NL/sold/"
    ok_eq "crawl of a sold list: exit 1" "$RUN_STATUS" 1
    ok_eq "crawl of a sold list: no record" "$(cat "$RUN_OUT")" ""
    ok_match "crawl of a sold list: says it is not a homepage" "$(cat "$RUN_ERR")" \
        "dealer-site: $NL/sold/: not a homepage"

    # page kinds: a test rule hands dealer-site one page of each kind
    mkdir -p "$SCRATCH/rules"
    cat >"$SCRATCH/rules/site-kinds.lua" <<'EOF'
-- site-kinds.lua -- test rule: hands pages to dealer-site with each page kind.
local function to(page, url, kind)
  page:follow(url, { source = "dealer-site", kind = kind })
end
return {
  name = "site-kinds",
  extract = function(page)
    to(page, "/bring-a-trailer-local-partner/", "homepage")   -- a homepage by kind, not by path
    to(page, "/inventory/", "inventory")
    to(page, "/sold/", "sold")
    to(page, "https://www.granitepeakclassics.com/inventory/page/2/", "list")
    to(page, "https://www.granitepeakclassics.com/inventory/2002-bmw-z8-roadster/", "vehicle")
    to(page, "https://www.lakeshoreclassiccars.com/", "catalogue")
  end,
}
EOF
    run cv --rules-path "$SCRATCH/rules" crawl site-kinds "$NL/"
    ok_eq "pages of unhandled kinds: exit 1" "$RUN_STATUS" 1
    ok "a page of kind homepage (not at /) gives its business; a menu heading linking nowhere is no list" \
        "$PYTHON3" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(recs) == 1, recs
r, nl = recs[0], sys.argv[2]
assert r["source_url"] == nl + "/bring-a-trailer-local-partner/", r
assert (r["name"], r["website"]) == ("Northern Lights Motorcars", nl), r
assert r["inventory_url"] == nl + "/inventory/", r
' "$RUN_OUT" "$NL"
    for kind in inventory sold list vehicle; do
        ok_match "a page of kind '$kind' fails: not handled yet" "$(cat "$RUN_ERR")" \
            "error: dealer-site: .*: '$kind' pages are not handled yet"
    done
    ok_match "an unknown page kind fails and says so" "$(cat "$RUN_ERR")" \
        "dealer-site: https://www.lakeshoreclassiccars.com/: unknown page kind 'catalogue'"
    ok_match "the crawl counts the five failures" "$(cat "$RUN_ERR")" "1 record, 5 failed"
else
    fail "fixture server starts"
fi

# ------------------------------------------------ (d) not a homepage

run "$CARVEST" extract dealer-site "$SITES/www.northernlightsmotorcars.ca/inventory/index.html" \
    --url "$NL/inventory/"
ok_eq "an inventory page: exit 1" "$RUN_STATUS" 1
ok_eq "an inventory page: no record" "$(cat "$RUN_OUT")" ""
ok_match "an inventory page: a clear message" "$(cat "$RUN_ERR")" \
    "error: dealer-site: $NL/inventory/: not a homepage: .* inventory and vehicle pages are not handled yet"

run "$CARVEST" extract dealer-site "$SITES/www.northernlightsmotorcars.ca/index.html"
ok_eq "without --url: exit 1" "$RUN_STATUS" 1
ok_match "without --url: asks for the real URL" "$(cat "$RUN_ERR")" "real http\(s\) URL \(extract --url URL\)"

printf '<html><body><p>Under construction</p></body></html>\n' >"$SCRATCH/blank.html"
run "$CARVEST" extract dealer-site "$SCRATCH/blank.html" --url https://www.example.com/
ok_eq "a page without a name: exit 1" "$RUN_STATUS" 1
ok_match "a page without a name: says so" "$(cat "$RUN_ERR")" "no business name on the page"

run "$CARVEST" sources --json
ok "dealer-site claims no URL and no fingerprint" "$PYTHON3" -c '
import json, sys
srcs = {s["name"]: s for s in map(json.loads, open(sys.argv[1]))}
assert srcs["dealer-site"]["claims"] == [], srcs["dealer-site"]
assert srcs["dealer-site"]["kind"] == "so"
' "$RUN_OUT"

done_testing
