#!/bin/sh
# t_fixture_server.sh -- the test fixture server serves sites, maps queries,
# redirects, compresses, injects every fault and logs every request; serves
# several roots (the first that has a file wins) and emulates BaT's "Show
# More" REST endpoint (--bat-rest).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib.sh"

command -v "$PYTHON3" >/dev/null 2>&1 || skip_all "no python ($PYTHON3)"

# ------------------------------------------------------------ the site

SITE=$SCRATCH/site
mkdir -p "$SITE/h.example/vehicles" "$SITE/h.example/inventory" \
    "$SITE/h.example/listing/x" "$SITE/sr.example/vehicles" "$SITE/f.example"

# A page long enough that gzip and truncation are visible.
page() {
    printf '<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n' "$1"
    i=0
    while [ $i -lt 40 ]; do
        printf '<p class="row">%s row %d: 1967 Porsche 911S, 45k Miles Shown</p>\n' "$1" $i
        i=$((i + 1))
    done
    printf '</body></html>\n'
}

page "Page A" >"$SITE/h.example/a.html"
printf 'A with x=1\n' >"$SITE/h.example/a.html@x=1"
printf '<html>home</html>\n' >"$SITE/h.example/index.html"
printf 'User-agent: *\nDisallow: /private/\n' >"$SITE/h.example/robots.txt"
printf '{"ok": true}\n' >"$SITE/h.example/data.json"
printf '<html>about, no extension</html>\n' >"$SITE/h.example/about"
printf '<html>vehicles page 1</html>\n' >"$SITE/h.example/vehicles/index.html"
printf '<html>vehicles page 2</html>\n' >"$SITE/h.example/vehicles/index.html@page=2"
printf '<html>inventory 0-4</html>\n' >"$SITE/h.example/inventory/index.html@limit=4&offset=0"
printf '<html>listing x</html>\n' >"$SITE/h.example/listing/x/index.html"
printf '<html>sr vehicles</html>\n' >"$SITE/sr.example/vehicles/index.html"
printf 'top secret\n' >"$SCRATCH/secret.txt"
for f in limited drop truncate slow trickle swap post-only; do
    page "Fault $f" >"$SITE/f.example/$f.html"
done
page "The other file" >"$SITE/f.example/other.html"

cat >"$SCRATCH/faults.json" <<'EOF'
[
  {"path": "/f.example/limited.html", "times": 2,
   "status": 429, "headers": {"Retry-After": "2"}},
  {"path": "/f.example/drop.html", "action": "drop"},
  {"path": "/f.example/truncate.html", "action": "truncate"},
  {"path": "/f.example/slow.html", "action": "slow", "delay_ms": 400},
  {"path": "/f.example/trickle.html", "action": "trickle", "delay_ms": 400},
  {"prefix": "/f.example/cf/", "action": "challenge"},
  {"path": "/f.example/moved", "action": "redirect", "status": 301,
   "location": "https://f.example/new/"},
  {"path": "/f.example/big", "action": "big", "bytes": 300000},
  {"path": "/f.example/huge", "action": "big", "bytes": 50000000},
  {"path": "/f.example/swap.html", "action": "file", "file": "f.example/other.html"},
  {"path": "/f.example/post-only.html", "method": "POST", "status": 503},
  {"path": "/f.example/busy.html", "status": 503, "body": "busy", "name": "overload"},
  {"path": "/f.example/q.html?a=1&b=2", "status": 500, "comment": "normalised"}
]
EOF

# ---------------------------------------------------------- the client

# hget [-e ACCEPT-ENCODING] [-m METHOD] [-d BODY] [-H 'Name: value']...
# [--read N] PATH: one request on a new connection; the answer goes to $R:
# status, headers ("name: value", names in lower case), body
# (content-decoded), raw_len, error, ttfb_ms, ms.
R=$SCRATCH/resp
cat >"$SCRATCH/hget.py" <<'EOF'
import argparse, http.client, os, time, zlib

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("out")
p.add_argument("path")
p.add_argument("-e", dest="accept_encoding")
p.add_argument("-m", dest="method", default="GET")
p.add_argument("--read", type=int, default=0)
p.add_argument("-d", dest="data")
p.add_argument("-H", dest="header", action="append", default=[])
a = p.parse_args()

status, headers, raw, error, ttfb = "", [], b"", "", 0.0
t0 = time.monotonic()
conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=20)
try:
    h = {"User-Agent": "fixture-test/1"}
    if a.accept_encoding is not None:
        h["Accept-Encoding"] = a.accept_encoding
    for line in a.header:
        name, _, value = line.partition(":")
        h[name.strip()] = value.strip()
    conn.request(a.method, a.path, body=a.data.encode() if a.data is not None else None,
                 headers=h)
    r = conn.getresponse()
    ttfb = time.monotonic() - t0
    status, headers = r.status, r.getheaders()
    try:
        raw = r.read(a.read) if a.read else r.read()
    except http.client.IncompleteRead as e:
        raw, error = e.partial, "IncompleteRead"
except http.client.RemoteDisconnected:
    error = "RemoteDisconnected"
except (OSError, http.client.HTTPException) as e:
    error = type(e).__name__
conn.close()
elapsed = time.monotonic() - t0

body, coding = raw, dict((k.lower(), v) for k, v in headers).get("content-encoding")
try:
    if coding == "gzip":
        body = zlib.decompress(raw, 31)
    elif coding == "deflate":
        body = zlib.decompress(raw)
except zlib.error:
    error = (error + " BadEncoding").strip()

os.makedirs(a.out, exist_ok=True)
files = {
    "status": str(status), "error": error, "raw_len": str(len(raw)),
    "ttfb_ms": str(round(ttfb * 1000)), "ms": str(round(elapsed * 1000)),
    "headers": "".join(f"{k.lower()}: {v}\n" for k, v in headers),
}
for name, text in files.items():
    with open(os.path.join(a.out, name), "w") as f:
        f.write(text)
with open(os.path.join(a.out, "body"), "wb") as f:
    f.write(body)
EOF

NREQ=0
hget() {
    rm -rf "$R"
    NREQ=$((NREQ + 1))
    "$PYTHON3" "$SCRATCH/hget.py" "$FIXTURE_PORT" "$R" "$@"
}
status() { cat "$R/status"; }
header() { sed -n "s/^$1: //p" "$R/headers"; }
body() { cat "$R/body"; }
same_body() { cmp -s "$R/body" "$1"; }

# ---------------------------------------------------------------- tests

start_fixture_server "$SITE" --faults "$SCRATCH/faults.json" \
    --slash-redirect sr.example || bail_out "the fixture server did not start"
pass "server starts and answers /__health"
ok_match "prints PORT <n> on stdout" "$(cat "$FIXTURE_STDOUT")" "^PORT $FIXTURE_PORT\$"
ok_eq "FIXTURE_MAP maps every https origin" "$FIXTURE_MAP" \
    "https://*=http://127.0.0.1:$FIXTURE_PORT/{host}"

# Plain pages and their types.
hget /h.example/a.html
ok_eq "page: 200" "$(status)" 200
ok "page: body is the file" same_body "$SITE/h.example/a.html"
ok_eq "page: html type" "$(header content-type)" "text/html; charset=utf-8"
ok_eq "page: Content-Length is the body size" "$(header content-length)" \
    "$(wc -c <"$SITE/h.example/a.html" | tr -d ' ')"
ok_eq "page: identity when gzip is not asked for" "$(header content-encoding)" ""
ok_eq "page: Vary: Accept-Encoding" "$(header vary)" "Accept-Encoding"
hget /h.example/robots.txt
ok_eq "robots.txt is text/plain" "$(header content-type)" "text/plain; charset=utf-8"
hget /h.example/data.json
ok_eq "json type" "$(header content-type)" "application/json"
hget /h.example/about
ok_eq "extensionless file is html" "$(header content-type)" "text/html; charset=utf-8"
hget /h.example/
ok_eq "host root serves its index.html" "$(body)" "<html>home</html>"

# Query strings map to NAME@QUERY, keys sorted, tracking dropped.
hget '/h.example/a.html?x=1'
ok_eq "file?x=1 -> file@x=1" "$(body)" "A with x=1"
hget '/h.example/vehicles?page=2'
ok_eq "folder?page=2 -> folder/index.html@page=2" "$(body)" "<html>vehicles page 2</html>"
hget '/h.example/inventory/?offset=0&limit=4'
ok_eq "query keys are sorted" "$(body)" "<html>inventory 0-4</html>"
hget '/h.example/inventory/?utm_source=feed&offset=0&fbclid=abc&limit=4&gclid=x'
ok_eq "tracking parameters are dropped" "$(body)" "<html>inventory 0-4</html>"
hget '/h.example/vehicles/?utm_campaign=spring'
ok_eq "a query of only tracking parameters is no query" "$(body)" "<html>vehicles page 1</html>"
hget '/h.example/vehicles?page=3'
ok_eq "a query without its file: 404" "$(status)" 404

# Missing files and escapes.
hget /h.example/nothing-here.html
ok_eq "missing file: 404" "$(status)" 404
ok_match "404 has a small html body" "$(body)" "<h1>Not Found</h1>"
hget /h.example/a.html/
ok_eq "a file asked for as a folder: 404" "$(status)" 404
hget /h.example/../secret.txt
ok_eq "'..' in the path: 403" "$(status)" 403
hget /h.example/%2e%2e/%2E%2E/secret.txt
ok_eq "percent-encoded '..': 403" "$(status)" 403
ok_eq "nothing outside the root leaks" "$(body | grep -c 'top secret')" 0

# Trailing-slash redirects only for --slash-redirect hosts.
hget '/sr.example/vehicles?page=2&sort=new'
ok_eq "slash-redirect host: 301" "$(status)" 301
ok_eq "slash-redirect Location is the real URL, query kept" "$(header location)" \
    "https://sr.example/vehicles/?page=2&sort=new"
hget /sr.example/vehicles/
ok_eq "slash-redirect host with the slash: 200" "$(body)" "<html>sr vehicles</html>"
hget /h.example/listing/x
ok_eq "other hosts: folder without slash served directly" "$(body)" "<html>listing x</html>"

# Content coding.
hget -e 'gzip, deflate, br' /h.example/a.html
ok_eq "gzip when accepted" "$(header content-encoding)" gzip
ok "gzip body decodes to the file" same_body "$SITE/h.example/a.html"
ok "gzip body is smaller on the wire" \
    test "$(cat "$R/raw_len")" -lt "$(wc -c <"$SITE/h.example/a.html")"
hget -e deflate /h.example/a.html
ok_eq "deflate when only deflate is accepted" "$(header content-encoding)" deflate
ok "deflate body decodes to the file" same_body "$SITE/h.example/a.html"
hget -e 'gzip;q=0, deflate' /h.example/a.html
ok_eq "gzip;q=0 is refused" "$(header content-encoding)" deflate

# Faults: 429 + Retry-After twice, then the page.
hget /f.example/limited.html
ok_eq "429 fault: first answer 429" "$(status)" 429
ok_eq "429 fault: Retry-After" "$(header retry-after)" 2
hget /f.example/limited.html
ok_eq "429 fault: second answer 429" "$(status)" 429
hget /f.example/limited.html
ok_eq "429 fault: third answer 200 (times: 2 used up)" "$(status)" 200
ok "429 fault: then the real page" same_body "$SITE/f.example/limited.html"

hget /f.example/drop.html
ok_eq "drop: connection closed without a response" "$(cat "$R/error")" RemoteDisconnected

hget /f.example/truncate.html
ok_eq "truncate: status 200" "$(status)" 200
ok_eq "truncate: client sees a short body" "$(cat "$R/error")" IncompleteRead
ok_eq "truncate: half the Content-Length arrives" "$(cat "$R/raw_len")" \
    "$(($(header content-length) / 2))"

hget /f.example/slow.html
ok "slow: nothing before delay_ms" test "$(cat "$R/ttfb_ms")" -ge 390
ok "slow: then the real page" same_body "$SITE/f.example/slow.html"

hget /f.example/trickle.html
ok "trickle: headers come at once" test "$(cat "$R/ttfb_ms")" -lt 300
ok "trickle: body takes about delay_ms" test "$(cat "$R/ms")" -ge 380
ok "trickle: the whole page arrives" same_body "$SITE/f.example/trickle.html"

hget /f.example/cf/anything
ok_eq "challenge: 403" "$(status)" 403
ok_eq "challenge: cf-mitigated header" "$(header cf-mitigated)" challenge
ok_eq "challenge: Server: cloudflare" "$(header server)" cloudflare
ok_match "challenge: Just a moment... title" "$(body)" "<title>Just a moment\.\.\.</title>"
ok_match "challenge: challenge-platform div" "$(body)" '<div id="challenge-platform">'
ok_match "challenge: _cf_chl_opt script" "$(body)" "window\._cf_chl_opt *= *\{"
ok_match "challenge: cf-browser-verification" "$(body)" "cf-browser-verification"

hget /f.example/moved
ok_eq "redirect: status" "$(status)" 301
ok_eq "redirect: Location" "$(header location)" "https://f.example/new/"

hget -e gzip /f.example/big
ok_eq "big: 200" "$(status)" 200
ok_eq "big: chunked" "$(header transfer-encoding)" chunked
ok_eq "big: no Content-Length" "$(header content-length)" ""
ok_eq "big: exactly N bytes, uncompressed" "$(cat "$R/raw_len")" 300000
ok_match "big: an html page" "$(head -c 100 "$R/body")" "^<!DOCTYPE html>"

hget /f.example/swap.html
ok "file: serves the named file instead" same_body "$SITE/f.example/other.html"

hget /f.example/post-only.html
ok_eq "method: a POST rule leaves GET alone" "$(status)" 200
hget -m POST /f.example/post-only.html
ok_eq "method: a POST rule applies to POST" "$(status)" 503

hget /f.example/busy.html
ok_eq "status rule with a body: status" "$(status)" 503
ok_eq "status rule with a body: body" "$(body)" busy

hget '/f.example/q.html?b=2&a=1'
ok_eq "fault paths match the normalised query too" "$(status)" 500

# A client that leaves in the middle of 50 MB does not hurt the server.
hget --read 1000 /f.example/huge
ok_eq "huge: client read its first 1000 bytes" "$(cat "$R/raw_len")" 1000
hget /h.example/a.html
ok_eq "server still serves after a client left mid-response" "$(status)" 200
ok "server process still running" kill -0 "$FIXTURE_PID"

# Keep-alive: two requests on one connection share a connection id.
ok "keep-alive: two requests on one connection" "$PYTHON3" -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
for path in ("/h.example/a.html?x=1", "/h.example/robots.txt"):
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    assert r.status == 200, (path, r.status)
' "$FIXTURE_PORT"
NREQ=$((NREQ + 2))

# The request log.
ok_eq "log: one line per request, /__health not logged" "$(log_count)" "$NREQ"
ok_eq "log: every line well formed" "$(log_query <<'EOF'
want = {"t": float, "method": str, "path": str, "host": str, "status": int,
        "bytes": int, "ua": str, "accept_encoding": str, "encoding": str,
        "conn": int}
bad = [r for r in reqs
       if any(not isinstance(r.get(k), t) for k, t in want.items())
       or not (r["fault"] is None or isinstance(r["fault"], str))
       or r["encoding"] not in ("identity", "gzip", "deflate")]
print(bad or "ok")
EOF
)" ok
ok_eq "log: first request" "$(log_query 'r = reqs[0]; print(r["method"], r["path"], r["host"], r["status"], r["ua"], r["fault"])')" \
    "GET /h.example/a.html h.example 200 fixture-test/1 None"
ok_eq "log: 429 twice then 200, with fault names" \
    "$(log_query 'print([(r["status"], r["fault"]) for r in reqs if r["path"] == "/f.example/limited.html"])')" \
    "[(429, '429'), (429, '429'), (200, None)]"
ok_eq "log: drop is status 0, 0 bytes" \
    "$(log_query 'print([(r["status"], r["bytes"], r["fault"]) for r in reqs if r["path"] == "/f.example/drop.html"])')" \
    "[(0, 0, 'drop')]"
ok_eq "log: truncate logs half the body" \
    "$(log_query 'print([(r["status"], r["bytes"], r["fault"]) for r in reqs if r["path"] == "/f.example/truncate.html"])')" \
    "[(200, $(($(wc -c <"$SITE/f.example/truncate.html") / 2)), 'truncate')]"
ok_eq "log: gzip request logged with its coding" \
    "$(log_query 'print([(r["accept_encoding"], r["encoding"]) for r in reqs if r["accept_encoding"].startswith("gzip,")])')" \
    "[('gzip, deflate, br', 'gzip')]"
ok_eq "log: rule name used as fault" \
    "$(log_query 'print([r["fault"] for r in reqs if r["path"] == "/f.example/busy.html"])')" \
    "['overload']"
ok_eq "log: challenge, redirect, big, file, slow, trickle named" \
    "$(log_query 'print(" ".join(str(r["fault"]) for r in reqs if r["host"] == "f.example" and r["path"].split("/")[2] in ("cf", "moved", "big", "swap.html", "slow.html", "trickle.html")))')" \
    "slow trickle challenge redirect big file"
ok_eq "log: keep-alive requests share a conn id, others do not" \
    "$(log_query 'c = [r["conn"] for r in reqs[-3:]]; print(c[1] == c[2], c[0] != c[1])')" \
    "True True"
ok_eq "log: times are in order, ms precision" \
    "$(log_query 'ts = [r["t"] for r in reqs]; print(ts == sorted(ts), all(round(t, 3) == t for t in ts))')" \
    "True True"

ok "SIGTERM: clean exit" stop_fixture_server
ok_eq "no tracebacks on the server's stderr" "$(grep -c Traceback "$FIXTURE_STDERR")" 0

# --compress none, and a second server's own log.
start_fixture_server "$SITE" --compress none || bail_out "second server did not start"
hget -e gzip /h.example/a.html
ok_eq "--compress none: identity even when gzip is accepted" "$(header content-encoding)" ""
ok_eq "second server logs to its own file" "$(log_count)" 1
ok_eq "second server: no faults without --faults" "$(log_query 'print(reqs[0]["fault"])')" None
stop_fixture_server

# ------------------------------------------------- several roots

# --root twice: the first root that has the file serves it.
SITE2=$SCRATCH/site2
mkdir -p "$SITE2/h.example/only2" "$SITE2/o.example" "$SITE2/sr.example/only2" "$SITE2/f.example"
printf '<html>a from the second root</html>\n' >"$SITE2/h.example/a.html"
printf '<html>only in the second root</html>\n' >"$SITE2/h.example/only2.html"
printf '<html>folder only in the second root</html>\n' >"$SITE2/h.example/only2/index.html"
printf '<html>page 2 only in the second root</html>\n' >"$SITE2/h.example/only2/index.html@page=2"
printf '<html>a host only in the second root</html>\n' >"$SITE2/o.example/index.html"
printf '<html>sr folder only in the second root</html>\n' >"$SITE2/sr.example/only2/index.html"
printf '<html>fault file from the second root</html>\n' >"$SITE2/f.example/alt.html"
cat >"$SCRATCH/faults2.json" <<'EOF'
[{"path": "/h.example/swapped.html", "action": "file", "file": "f.example/alt.html"}]
EOF
start_fixture_server "$SITE" --root "$SITE2" --slash-redirect sr.example \
    --faults "$SCRATCH/faults2.json" || bail_out "two-root server did not start"
hget /h.example/a.html
ok "two roots: a file in both comes from the first" same_body "$SITE/h.example/a.html"
hget /h.example/only2.html
ok_eq "two roots: a file only in the second is served" "$(body)" \
    "<html>only in the second root</html>"
hget /h.example/only2/
ok_eq "two roots: a folder only in the second serves its index.html" "$(body)" \
    "<html>folder only in the second root</html>"
hget '/h.example/only2/?page=2&utm_source=x'
ok_eq "two roots: queries map in the second root too" "$(body)" \
    "<html>page 2 only in the second root</html>"
hget /o.example/
ok_eq "two roots: a host only in the second root" "$(body)" \
    "<html>a host only in the second root</html>"
hget /h.example/vehicles/
ok_eq "two roots: the first root still serves its own pages" "$(body)" \
    "<html>vehicles page 1</html>"
hget /h.example/nowhere.html
ok_eq "two roots: in neither root: 404" "$(status)" 404
hget /sr.example/only2
ok_eq "two roots: slash redirect for a folder of the second root" \
    "$(status) $(header location)" "301 https://sr.example/only2/"
hget /h.example/swapped.html
ok_eq "two roots: a fault rule's file may live in the second root" "$(body)" \
    "<html>fault file from the second root</html>"
hget /h.example/../../site2/h.example/only2.html
ok_eq "two roots: '..' still refused" "$(status)" 403
stop_fixture_server
run "$PYTHON3" "$FIXTURE_SERVER_PY" --root "$SITE" --root "$SCRATCH/no-such-root"
ok_match "a missing second root: exit 2, named" "$RUN_STATUS $(cat "$RUN_ERR")" \
    "^2 .*no-such-root: not a directory"

# ----------------------------------------- the BaT "Show More" endpoint

# Two files, merged: member 7001 has 30 items (timestamps not in order),
# member 7002 has 3, and a second file adds 2 more of member 7002.
"$PYTHON3" - "$SCRATCH" <<'EOF'
import json, os, sys
d = sys.argv[1]
def item(n, member, ts):
    return {"id": n, "url": f"https://bringatrailer.com/listing/car-{n}/",
            "title": f"Car {n}", "timestamp_end": ts, "member_id": member}
a = [item(n, 7001, 1700000000 + (n * 7919) % 100 * 3600) for n in range(1, 31)]
a += [item(n, 7002, 1600000000 + n) for n in range(31, 34)]
with open(os.path.join(d, "rest-a.json"), "w") as f:
    json.dump({"nonce": "abc123", "items": a}, f)
with open(os.path.join(d, "rest-b.json"), "w") as f:
    json.dump({"nonce": "abc123", "items": [item(n, 7002, 1650000000 + n) for n in (34, 35)]}, f)
EOF
cat >"$SCRATCH/faults3.json" <<'EOF'
[{"method": "POST", "prefix": "/bringatrailer.com/wp-json/", "times": 1, "status": 429,
  "headers": {"Retry-After": "1"}}]
EOF
start_fixture_server "$SITE" --bat-rest "$SCRATCH/rest-a.json" --bat-rest "$SCRATCH/rest-b.json" \
    --faults "$SCRATCH/faults3.json" || bail_out "the REST server did not start"
EP=/bringatrailer.com/wp-json/bringatrailer/1.0/data/listings-filter
NONCE='X-WP-Nonce: abc123'
CT='Content-Type: application/json'
# shellcheck disable=SC3043  # 'local': every sh that runs the tests has it
rest() {    # rest PAGE PER_PAGE MEMBER [hget options...]
    local page="$1" per="$2" member="$3"
    shift 3
    hget -m POST -H "$NONCE" -H "$CT" "$@" \
        -d "{\"page\":$page,\"per_page\":$per,\"get_items\":1,\"sort\":\"td\",\"base_filter\":{\"member_id\":$member,\"items_type\":\"member\"}}" \
        "$EP"
}
answer() {    # answer EXPR: a Python expression over the JSON answer `a`
    "$PYTHON3" -c 'import json, sys
a = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$R/body" "$1"
}

rest 1 24 7001
ok_eq "REST: fault rules come first (429, Retry-After)" "$(status) $(header retry-after)" "429 1"
rest 1 24 7001
ok_eq "REST: then 200" "$(status)" 200
ok_match "REST: application/json" "$(header content-type)" "^application/json"
ok_eq "REST: page 1 of member 7001" \
    "$(answer '(len(a["items"]), a["items_total"], a["items_per_page"], a["page_current"], a["pages_total"])')" \
    "(24, 30, 24, 1, 2)"
ok_eq "REST: only that member's items" \
    "$(answer 'sorted({i["id"] <= 30 for i in a["items"]})')" "[True]"
ok_eq "REST: newest first (timestamp_end descending)" \
    "$(answer '[i["timestamp_end"] for i in a["items"]] == sorted((i["timestamp_end"] for i in a["items"]), reverse=True)')" True
ok_eq "REST: member_id is not in the answer's items" "$(answer 'any("member_id" in i for i in a["items"])')" False
ok_match "REST: slashes escaped like WordPress" "$(body)" 'https:\\/\\/bringatrailer\.com\\/listing\\/'
first_page=$(answer '[i["id"] for i in a["items"]]')
rest 2 24 7001
ok_eq "REST: page 2 holds the rest" \
    "$(answer '(len(a["items"]), a["page_current"], a["pages_total"])')" "(6, 2, 2)"
ok_eq "REST: pages do not overlap and cover all 30" \
    "$(answer 'len(set(i["id"] for i in a["items"]) | set('"$first_page"'))')" 30
rest 3 24 7001
ok_eq "REST: a page past the end has no items" "$(status) $(answer 'len(a["items"])')" "200 0"
rest 1 48 7001
ok_eq "REST: per_page 48 is allowed" "$(status) $(answer 'len(a["items"])')" "200 30"
rest 1 49 7001
ok_eq "REST: per_page above 48: 400" "$(status) $(answer 'a["code"]')" "400 rest_invalid_param"
rest 1 24 7002
ok_eq "REST: files are merged (3 + 2 items of member 7002)" \
    "$(answer '[i["id"] for i in a["items"]]')" "[35, 34, 33, 32, 31]"
rest 1 24 7001 -H 'X-WP-Nonce: wrong'
ok_eq "REST: a wrong nonce: 403 rest_cookie_invalid_nonce" "$(status) $(answer 'a["code"]')" \
    "403 rest_cookie_invalid_nonce"
hget -m POST -H "$CT" -d '{"page":1,"per_page":24,"base_filter":{"member_id":7001}}' "$EP"
ok_eq "REST: no nonce: 403" "$(status) $(answer 'a["data"]["status"]')" "403 403"
hget -m POST -H "$NONCE" -H "$CT" -d '{"page":1,"per_page":48,"member_id":7001}' "$EP"
ok_eq "REST: a top-level filter is ignored (every item)" "$(answer 'a["items_total"]')" 35
hget -m POST -H "$NONCE" -H 'Content-Type: application/x-www-form-urlencoded' \
    -d 'page=1&per_page=24&base_filter%5Bmember_id%5D=7001&base_filter[member_id]=7001' "$EP"
ok_eq "REST: a form-encoded filter is ignored (every item)" \
    "$(status) $(answer '(a["items_total"], len(a["items"]))')" "200 (35, 24)"
hget -m POST -H "$NONCE" -H "$CT" -d 'not json' "$EP"
ok_eq "REST: a JSON body that is not JSON: 400" "$(status) $(answer 'a["code"]')" "400 rest_invalid_json"
hget -H "$NONCE" "$EP"
ok_eq "REST: GET: 404 rest_no_route" "$(status) $(answer 'a["code"]')" "404 rest_no_route"
hget /h.example/a.html
ok "REST: other pages are still files" same_body "$SITE/h.example/a.html"
ok_eq "REST: every request logged with its method and body" \
    "$(log_query 'r = [x for x in reqs if x["path"].startswith("/bringatrailer.com/")]; print(len(r), r[0]["method"], r[0]["fault"], r[1]["status"], "\"member_id\":7001" in r[1]["req_body"])')" \
    "13 POST 429 200 True"
stop_fixture_server
printf '{"items": []}\n' >"$SCRATCH/bad-rest.json"
run "$PYTHON3" "$FIXTURE_SERVER_PY" --root "$SITE" --bat-rest "$SCRATCH/bad-rest.json"
ok_match "--bat-rest without a nonce: exit 2, named" "$RUN_STATUS $(cat "$RUN_ERR")" \
    "^2 .*bad-rest\.json.*nonce"

# Startup errors and speed.
printf '[{"path": "/x", "action": "drop", "colour": "red"}]\n' >"$SCRATCH/bad.json"
run "$PYTHON3" "$FIXTURE_SERVER_PY" --root "$SITE" --faults "$SCRATCH/bad.json"
ok_eq "unknown fault key: exit 2" "$RUN_STATUS" 2
ok_match "unknown fault key: names the rule and the key" "$(cat "$RUN_ERR")" \
    "rule #1 .*unknown key 'colour'"
printf '[{"action": "explode"}]\n' >"$SCRATCH/bad.json"
run "$PYTHON3" "$FIXTURE_SERVER_PY" --root "$SITE" --faults "$SCRATCH/bad.json"
ok_match "unknown action: refused" "$RUN_STATUS $(cat "$RUN_ERR")" "^2 .*unknown action 'explode'"

startup_ms=$("$PYTHON3" - "$FIXTURE_SERVER_PY" "$SITE" <<'EOF'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen([sys.executable, sys.argv[1], "--root", sys.argv[2]],
                     stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
ms = round((time.monotonic() - t0) * 1000)
p.terminate()
p.wait(5)
print(ms if line.startswith("PORT ") else -1)
EOF
)
diag "startup took $startup_ms ms"
ok "starts within 2 s (aim: 0.5 s)" test "$startup_ms" -ge 0 -a "$startup_ms" -lt 2000

done_testing
