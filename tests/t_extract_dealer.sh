#!/bin/sh
# t_extract_dealer.sh -- the dealeraccelerate Lua rule on saved dealer sites.
#
# Two DealerAccelerate sites: www.ferraromotorcars.com (streetside theme, a
# copy of the reference world) and www.saguaroclassiccars.com (gateway
# theme, hand-made: lazy gallery images, a sold car left on the for-sale
# list whose only sold signal on its page is the JSON-LD "SoldOut", a
# related-vehicles strip with sold ribbons, a marketplace tile and a
# commented-out pager).
#
# (a) every golden file tests/expected/dealeraccelerate/HOST/PATH.jsonl is
#     exactly what `carvest extract dealeraccelerate` prints for the
#     fixture page of https://HOST/PATH ("index" is the homepage, "@k=v" a
#     query string; list pages emit no records, so theirs are empty);
# (b) the traps, asserted one by one;
# (c) pages fetched through the fixture server by URL alone (routing by
#     fingerprint, robots.txt first and obeyed);
# (d) --output table.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITES=$top_srcdir/tests/fixtures/sites
EXPECTED=$top_srcdir/tests/expected/dealeraccelerate
FERRARO=www.ferraromotorcars.com
SAGUARO=www.saguaroclassiccars.com
OUT=$(mktemp_dir)

# A golden file's name -> the real URL and the fixture file of its page.
url_of() {    # HOST/PATH[@QUERY] -> https://HOST/PATH[?QUERY]
    local rel="$1" host path q=
    host=${rel%%/*}
    path=${rel#*/}
    case $path in *@*) q=${path#*@}; path=${path%%@*} ;; esac
    [ "$path" = index ] && path=
    printf 'https://%s/%s%s' "$host" "$path" "${q:+?$q}"
}
file_of() {    # HOST/PATH[@QUERY] -> the fixture file
    local rel="$1" f q=
    case $rel in *@*) q=${rel#*@}; rel=${rel%%@*} ;; esac
    case $rel in */index) rel=${rel%/index} ;; esac
    f=$SITES/$rel
    [ -d "$f" ] && f=$f/index.html
    [ -n "$q" ] && f=$f@$q
    printf '%s' "$f"
}

# Python helpers: rec(rel) is the one record carvest printed for a page,
# recs(rel) all of them, page(rel) the fixture HTML, follows(rel) the links
# the rule asked to follow, as (url, source, kind) (from -v -v, below).
PRELUDE='
import json, os, re
OUT = os.environ["OUT"]
def recs(rel):
    with open(os.path.join(OUT, rel + ".jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]
def rec(rel):
    r = recs(rel)
    assert len(r) == 1, "%s: %d records" % (rel, len(r))
    return r[0]
def page(rel):
    with open(os.environ["FILE_" + re.sub(r"[^A-Za-z0-9]", "_", rel)], encoding="utf-8") as f:
        return f.read()
def follows(rel):
    with open(os.path.join(OUT, rel + ".follow"), encoding="utf-8") as f:
        return [l.split() for l in f if l.strip()]
def block(text, start, end):
    i = text.index(start)
    return text[i:text.index(end, i)]
'
export OUT

py() {    # py NAME CODE: a check written in Python (fails on an exception)
    ok "$1" "$PYTHON3" -c "$PRELUDE$2"
}

# ------------------------------------------------ (a) golden files

ngolden=0
for golden in $(cd "$EXPECTED" && find . -name '*.jsonl' | sort); do
    rel=${golden#./}
    rel=${rel%.jsonl}
    ngolden=$((ngolden + 1))
    url=$(url_of "$rel")
    file=$(file_of "$rel")
    # the fixture file of each page, for the Python checks
    var=FILE_$(printf '%s' "$rel" | tr -c 'A-Za-z0-9' '_')
    eval "$var=\$file; export $var"
    mkdir -p "$OUT/$(dirname "$rel")"
    # -v -v lists the links the rule would follow ("would follow URL [source
    # kind]") on stderr; stdout is the same as without it
    "$CARVEST" -v -v extract dealeraccelerate "$file" --url "$url" \
        >"$OUT/$rel.jsonl" 2>"$OUT/$rel.err"
    st=$?
    sed -n 's/^.*would follow \([^ ]*\) \[\([^ ]*\) \([^]]*\)\]$/\1 \2 \3/p' \
        "$OUT/$rel.err" >"$OUT/$rel.follow"
    if [ "$st" -eq 0 ] && cmp -s "$EXPECTED/$rel.jsonl" "$OUT/$rel.jsonl"; then
        pass "extract $url matches its golden file"
    else
        fail "extract $url matches its golden file"
        diag "  exit status $st; stderr:"
        diag "$(grep -v 'would follow' "$OUT/$rel.err" | head -n 20)"
        diag "$(diff -u "$EXPECTED/$rel.jsonl" "$OUT/$rel.jsonl" | cut -c1-300 | head -n 40)"
    fi
done
ok_eq "18 golden files" "$ngolden" 18

missing=
for d in "$SITES/$FERRARO"/vehicles/*/*/ "$SITES/$SAGUARO"/vehicles/*/*/*/; do
    rel=${d#"$SITES"/}
    rel=${rel%/}
    [ -f "$EXPECTED/$rel.jsonl" ] || missing="$missing $rel"
done
ok_eq "every vehicle page fixture has a golden file" "$missing" ""

F=$FERRARO
S=$SAGUARO
CAMARO=$S/vehicles/phx/2211/1967-chevrolet-camaro
BRONCO=$S/vehicles/phx/2240/1972-ford-bronco
TARGA=$S/vehicles/tuc/2263/1988-porsche-911
VDPS=$(cd "$EXPECTED" && find . -path './*/vehicles/*/*' -name '*.jsonl' | sed 's|^\./||; s|\.jsonl$||' | sort)
export F S CAMARO BRONCO TARGA VDPS

# ------------------------------------------------ (b) traps
# The Python checks read the page names from the environment:
# E("F") is the streetside host, E("CAMARO") a gateway vehicle page...

PRELUDE=$PRELUDE'
def E(name):
    return os.environ[name]
F, S, CAMARO, BRONCO, TARGA = map(E, ("F", "S", "CAMARO", "BRONCO", "TARGA"))
VDPS = E("VDPS").split()
'

py "list pages emit no records, only links" '
for rel in (F + "/vehicles", F + "/vehicles@page=2", F + "/vehicles/sold", S + "/vehicles", S + "/vehicles/sold"):
    assert recs(rel) == [], rel
    assert any(k == "vehicle" for _, _, k in follows(rel)), rel
'

py "sold cars left on a for-sale list (a class token only) come out sold" '
n_sold = n = 0
for rel in (F + "/vehicles", S + "/vehicles"):
    html, host = page(rel), rel.split("/")[0]
    for u in sorted(set(u for u, _, k in follows(rel) if k == "vehicle")):
        path = u[len("https://" + host):]
        tiles = re.findall(r"<a [^>]*href=[\"\x27]%s[\"\x27].*?</a>" % re.escape(path), html, re.S)
        assert tiles, u
        sold = any(re.search(r"class=[\"\x27][^\"\x27]*(\bsold\b|link-sold)", t) for t in tiles)
        got = rec(host + path)["listing_status"]
        assert got == ("sold" if sold else "for_sale"), (u, got)
        n_sold += sold
        n += 1
assert (n, n_sold) == (7, 2), (n, n_sold)
'

py "a sold car keeps the price it was offered at (streetside and gateway)" '
r = rec(F + "/vehicles/66225-san/1981-porsche-928")
assert (r["listing_status"], r["asking_price"]) == ("sold", 138500), r
r = rec(BRONCO)
assert (r["listing_status"], r["asking_price"], r["currency"]) == ("sold", 74500, "USD"), r
'

py "JSON-LD SoldOut alone marks a gateway car sold" '
html = page(BRONCO)
own = html[:html.index("related-vehicles")]
assert "https://schema.org/SoldOut" in own
assert not re.search(r"class=\"[^\"]*sold", own, re.I), "another sold marker on the page"
assert rec(BRONCO)["listing_status"] == "sold"
'

py "sold ribbons in the related-vehicles strip do not make a car sold" '
for rel in (CAMARO, TARGA, F + "/vehicles/64642-san/1970-mercedes-benz-280sl"):
    html = page(rel)
    strip = html[html.index("related-vehicles"):]
    assert re.search(r"vlp-ribbon sold|inventory-price sold", strip), rel
    assert rec(rel)["listing_status"] == "for_sale", rel
'

py "sold pages whose JSON-LD was dropped (an HTML comment left) come out sold" '
for rel in (F + "/vehicles/27718-san/2007-audi-rs4", F + "/vehicles/57631-san/1959-dodge-power-wagon",
            F + "/vehicles/66225-san/1981-porsche-928"):
    html = page(rel)
    assert "ld+json" not in html and "Structured data for this vehicle is skipped" in html, rel
    assert rec(rel)["listing_status"] == "sold", rel
'

py "\"SOLD\" instead of a price gives no price" '
for rel in (F + "/vehicles/27718-san/2007-audi-rs4", F + "/vehicles/57631-san/1959-dodge-power-wagon"):
    assert ">SOLD<" in page(rel), rel
    r = rec(rel)
    for k in ("asking_price", "sale_price", "currency"):
        assert k not in r, (rel, k)
'

py "\"Call for Price\" gives no price and no currency" '
rel = F + "/vehicles/46495-den/1968-mercedes-benz-280sl"
assert "Call for Price" in page(rel) and "\"priceCurrency\": \"USD\"" in page(rel)
r = rec(rel)
assert r["listing_status"] == "for_sale", r
for k in ("asking_price", "sale_price", "currency"):
    assert k not in r, k
'

py "lazy gallery images: data-src / data-lazy resolved, placeholders dropped, order kept" '
for rel, attr in ((CAMARO, "data-src"), (BRONCO, "data-src"), (TARGA, "data-lazy")):
    gal = block(page(rel), "class=\"vdp-gallery\"", "<dl class=\"specs\">")
    assert "gallery-link" not in gal and gal.count("src=\"data:image/gif") >= 4, rel
    want = []
    for tag in re.findall(r"<img [^>]*>", gal):
        lazy = re.search(r" %s=\"([^\"]*)\"" % attr, tag)
        want.append(lazy.group(1) if lazy else re.search(r" src=\"([^\"]*)\"", tag).group(1))
    assert len(want) >= 5 and not [u for u in want if u.startswith("data:")], want
    assert rec(rel)["images"] == want, (rel, rec(rel)["images"], want)
'

py "vehicle images come from the gallery only (no related-vehicle tile, no logo)" '
n = 0
for rel in VDPS:
    html = page(rel)
    gal = html[html.index("class=\"vdp-gallery\""):]
    gal = gal[:min(gal.index(m) for m in ("<ul class=\"specs\">", "<dl class=\"specs\">") if m in gal)]
    for u in rec(rel)["images"]:
        assert u in gal, (rel, u)
        n += 1
assert len(VDPS) == 11 and n > 100, (len(VDPS), n)
'

py "full-size gallery links win over the thumbnails inside them" '
rel = F + "/vehicles/10120-san/1983-porsche-928"
imgs = rec(rel)["images"]
assert imgs and all("/1920x1440/" in u for u in imgs), imgs
assert "/790x1024/" in block(page(rel), "class=\"vdp-gallery\"", "<ul class=\"specs\">")
'

py "short chassis numbers are kept as shown" '
assert rec(F + "/vehicles/41270-san/1973-plymouth-barracuda")["vin"] == "XS270L3841987"
assert rec(F + "/vehicles/64642-san/1970-mercedes-benz-280sl")["vin"] == "113.044-12-792502"
assert rec(CAMARO)["vin"] == "124377N212345"
assert rec(BRONCO)["vin"] == "U15GLN12345"
'

py "kilometre odometers stay in kilometres" '
r = rec(F + "/vehicles/10120-san/1983-porsche-928")
assert (r["mileage"], r["mileage_unit"]) == (51115, "km"), r
r = rec(F + "/vehicles/57631-san/1959-dodge-power-wagon")
assert (r["mileage"], r["mileage_unit"]) == (42521, "km"), r
'

py "each vehicle page gives one record, for its own URL" '
for rel in VDPS:
    assert rec(rel)["url"] == "https://" + rel, rel
'

py "marketplace tiles and a commented-out pager are not followed" '
html = page(S + "/vehicles")
assert "buy.motorious.com" in html and "<!-- <ul class=\"pagination\">" in html
urls = [u for u, _, _ in follows(S + "/vehicles")]
assert not [u for u in urls if "motorious" in u or "page=" in u], urls
vdps = sorted(set(u for u, _, k in follows(S + "/vehicles") if k == "vehicle"))
assert vdps == sorted("https://" + p for p in (CAMARO, BRONCO, TARGA)), vdps
'

py "the streetside pager and the sold list are followed as lists" '
lists = set(u for u, _, k in follows(F + "/vehicles") if k == "list")
for u in ("https://%s/vehicles?page=2" % F, "https://%s/vehicles/sold" % F):
    assert u in lists, (u, lists)
'

py "homepages give the dealer: address, phone, inventory and sold lists" '
for rel, city, state in ((F + "/index", "Albuquerque", "NM"), (S + "/index", "Phoenix", "AZ")):
    r = rec(rel)
    host = rel.split("/")[0]
    assert r["type"] == "business" and r["website"] == "https://" + host, r
    assert (r["city"], r["state"], r["country"]) == (city, state, "US"), r
    assert r["inventory_url"] == "https://%s/vehicles" % host, r
    assert r["sold_inventory_url"] == "https://%s/vehicles/sold" % host, r
assert rec(F + "/index")["classic_com_profile"] == "https://www.classic.com/s/ferraro-motorcars-OmepQCT/"
assert "classic_com_profile" not in rec(S + "/index")
'

# ------------------------------------------------ (c) through the server

VDP_URL=https://$F/vehicles/10120-san/1983-porsche-928
if start_fixture_server "$SITES"; then
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract "$VDP_URL"
    if [ "$RUN_STATUS" -eq 0 ] &&
        cmp -s "$EXPECTED/$F/vehicles/10120-san/1983-porsche-928.jsonl" "$RUN_OUT"; then
        pass "by URL, no source named: the streetside page gives the same record"
    else
        fail "by URL, no source named: the streetside page gives the same record"
        diag "  exit status $RUN_STATUS; stderr:"
        diag_file "$RUN_ERR"
    fi
    ok_match "the record comes from dealeraccelerate" "$(cat "$RUN_OUT")" \
        '^\{"type":"vehicle","source":"dealeraccelerate",'
    # dealeraccelerate claims no URL pattern: only its fingerprints route
    run "$CARVEST" sources --json
    ok "dealeraccelerate claims pages by fingerprint only" "$PYTHON3" -c '
import json, sys
srcs = {s["name"]: s for s in map(json.loads, open(sys.argv[1]))}
claims = srcs["dealeraccelerate"]["claims"]
assert claims and all(c.startswith("html:") for c in claims), claims
' "$RUN_OUT"
    # the same page without the fingerprints is routed nowhere
    nofp=$SCRATCH/no-fingerprint.html
    sed 's/cdn\.dealeraccelerate\.com/cdn.example.net/g; s/Powered by SpeedDigital//' \
        "$SITES/$F/vehicles/10120-san/1983-porsche-928/index.html" >"$nofp"
    run "$CARVEST" extract "$nofp" --url "$VDP_URL"
    ok_eq "without the fingerprints the page is not routed (exit status 1)" "$RUN_STATUS" 1
    ok_eq "without the fingerprints no record is printed" "$(cat "$RUN_OUT")" ""

    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract "https://$BRONCO"
    ok "by URL, no source named: the gateway page gives the same record" \
        cmp "$EXPECTED/$BRONCO.jsonl" "$RUN_OUT"

    ok "robots.txt is fetched first on each host" log_query '
for host in ("www.ferraromotorcars.com", "www.saguaroclassiccars.com"):
    paths = [r["path"] for r in by_host(host)]
    assert paths and paths[0] == "/%s/robots.txt" % host, paths
'
    # robots.txt: Disallow: /*? with Allow: /*?page=
    n=$(log_count "/$F/vehicles?")
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract \
        "https://$F/vehicles?make=Porsche"
    ok_eq "a filtered list (?make=) is refused by robots.txt" "$RUN_STATUS" 1
    ok_match "the refusal names robots.txt" "$(cat "$RUN_ERR")" 'robots\.txt'
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 extract "https://$F/vehicles?page=2"
    ok_eq "a ?page= list is allowed by robots.txt" "$RUN_STATUS" 0
    ok_eq "only the ?page= list reached the server" \
        "$(log_count "/$F/vehicles?")" "$((n + 1))"
else
    fail "fixture server starts"
fi

# ------------------------------------------------ (d) --output table

run "$CARVEST" --output table extract dealeraccelerate \
    "$SITES/$CAMARO/index.html" --url "https://$CAMARO"
ok_eq "--output table: exit 0" "$RUN_STATUS" 0
ok_eq "--output table: a header and one row" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 2
ok_match "--output table: the header names the columns" "$(sed -n 1p "$RUN_OUT")" \
    '^YEAR +MAKE +MODEL .*URL'
ok_match "--output table: the row shows the car" "$(sed -n 2p "$RUN_OUT")" \
    "^1967 +Chevrolet +Camaro +for_sale +58900 .*https://$CAMARO"

done_testing
