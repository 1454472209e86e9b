#!/bin/sh
# t_fetch_faults.sh -- the fetcher's politeness and failure handling,
# measured from the fixture server's request log: Retry-After (seconds and
# HTTP date), backoff on 503, the retry budget, dropped and truncated
# responses, timeouts, bot-challenge pages and host pauses, rate-limit
# waits that are not failures, per-host delay, robots.txt, redirects and
# their limit, the size limit, compression and the User-Agent.
#
# Timing checks are lower bounds only: a wait may be longer than asked
# (a loaded machine), never shorter.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

SITE=$(mktemp_dir)
RULES=$(mktemp_dir)

# A probe source: one vehicle per page (title from <h1>), follows a.next.
cat >"$RULES/probe.lua" <<'EOF'
return {
  name = "probe",
  claims = { "*.example/*" },
  extract = function(page)
    page:emit{ type = "vehicle", title = page:text("h1") }
    for _, a in ipairs(page:css("a.next")) do page:follow(a:attr("href")) end
  end,
}
EOF

mkpage() {    # HOST PATH TITLE [NEXT_HREF]
    mkdir -p "$SITE/$1/$(dirname "$2")"
    {
        echo "<html><head><title>$3</title></head><body><h1>$3</h1>"
        [ -n "${4:-}" ] && echo "<a class=\"next\" href=\"$4\">next</a>"
        echo "<p>$(printf '%0500d' 0)</p></body></html>"
    } >"$SITE/$1/$2"
}

for h in a.example b.example c.example; do
    mkdir -p "$SITE/$h"
    printf 'User-agent: *\nDisallow: /private\n' >"$SITE/$h/robots.txt"
done
mkpage a.example p1.html "1967 Porsche 911S Coupe"
mkpage a.example chain/1.html "1969 BMW 2002 tii" /chain/2.html
mkpage a.example chain/2.html "1970 Datsun 240Z" /chain/3.html
mkpage a.example chain/3.html "1971 Lotus Elan" /chain/4.html
mkpage a.example chain/4.html "1972 Fiat 500" /private/secret.html
mkpage a.example private/secret.html "1999 Secret Car"
mkpage a.example new.html "1988 Porsche 911 Carrera"
mkpage b.example p1.html "1965 Ford Mustang" /p2.html
mkpage b.example p2.html "1966 Ford Mustang"
mkpage c.example p1.html "1963 Jaguar E-Type"

FAULTS=$SCRATCH/faults.json
# Each scenario uses its own path so one server and one fault file serve
# the whole test.
"$PYTHON3" - "$FAULTS" <<'EOF'
import json, sys, time, email.utils
when = int(time.time()) + 4
open(sys.argv[1] + ".when", "w").write(str(when))
date = email.utils.formatdate(when, usegmt=True)
rules = [
    {"path": "/a.example/ra.html", "times": 2, "status": 429, "headers": {"Retry-After": "1"}},
    {"path": "/a.example/ra.html", "action": "file", "file": "a.example/p1.html"},
    {"path": "/b.example/date.html", "times": 1, "status": 503, "headers": {"Retry-After": date}},
    {"path": "/b.example/date.html", "action": "file", "file": "b.example/p1.html"},
    {"path": "/c.example/flaky.html", "times": 2, "status": 503},
    {"path": "/c.example/flaky.html", "action": "file", "file": "c.example/p1.html"},
    {"path": "/c.example/down.html", "status": 503},
    {"path": "/c.example/drop.html", "times": 1, "action": "drop"},
    {"path": "/c.example/drop.html", "action": "file", "file": "c.example/p1.html"},
    {"path": "/c.example/cut.html", "times": 1, "action": "truncate", "comment": "serves p1 cut short"},
    {"path": "/c.example/slow.html", "times": 1, "action": "slow", "delay_ms": 3000},
    {"path": "/c.example/slow.html", "action": "file", "file": "c.example/p1.html"},
    {"path": "/c.example/bot.html", "times": 3, "action": "challenge"},
    {"path": "/c.example/bot.html", "action": "file", "file": "c.example/p1.html"},
    {"path": "/c.example/always429.html", "status": 429},
    {"path": "/c.example/wait-an-hour.html", "status": 429, "headers": {"Retry-After": "3600"}},
    {"path": "/a.example/moved.html", "action": "redirect", "location": "https://a.example/new.html"},
    {"path": "/a.example/loop1.html", "action": "redirect", "location": "/loop2.html"},
    {"path": "/a.example/loop2.html", "action": "redirect", "location": "/loop1.html"},
    {"path": "/a.example/ftp.html", "action": "redirect", "location": "ftp://a.example/x"},
    {"path": "/c.example/huge.html", "action": "big", "bytes": 3000000},
    {"path": "/c.example/gone.html", "status": 404},
]
# files the fault rules stand in for must exist for the server to start
json.dump(rules, open(sys.argv[1], "w"), indent=1)
EOF
for p in ra moved loop1 loop2 ftp; do mkpage a.example $p.html x; done
mkpage b.example date.html x
for p in flaky down drop slow bot always429 wait-an-hour huge gone; do mkpage c.example $p.html x; done
cp "$SITE/c.example/p1.html" "$SITE/c.example/cut.html"

start_fixture_server "$SITE" --faults "$FAULTS" || bail_out "fixture server did not start"

cv() {
    "$CARVEST" --rules-path "$RULES" --map-origin "$FIXTURE_MAP" --delay-ms 0 \
        --retry-base-ms 200 "$@"
}

gap_ms() {    # PATH N: ms between the Nth and (N+1)th request for PATH
    log_query '
ts = [r["t"] for r in reqs if r["path"] == args[0]]
n = int(args[1])
print(round((ts[n] - ts[n - 1]) * 1000) if len(ts) > n else -1)' "$1" "$2"
}

title_of() {
    "$PYTHON3" -c 'import json,sys
recs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(recs[0].get("title") if recs else "")' "$RUN_OUT"
}

# --- Retry-After as an HTTP date (first: the date was fixed at set-up) ----------
run cv extract https://b.example/date.html
ok_eq "503 with a dated Retry-After: extract succeeds" "$RUN_STATUS" 0
g=$(gap_ms /b.example/date.html 1)
# HTTP dates have whole seconds: the retry may come up to 1 s before the
# date as measured from the first request's arrival.
want=$(log_query '
t1 = [r["t"] for r in reqs if r["path"] == "/b.example/date.html"][0]
print(max(0, round((int(open(args[0]).read()) - t1 - 1) * 1000)))' "$FAULTS.when")
ok "Retry-After as an HTTP date is honoured (${g} ms >= ${want} ms)" test "$g" -ge "$want"
ok "the dated wait is a real wait (${g} ms >= 1000 ms)" test "$g" -ge 1000

# --- Retry-After in seconds ------------------------------------------------
run cv extract https://a.example/ra.html
ok_eq "429 twice then 200: extract succeeds" "$RUN_STATUS" 0
ok_eq "429 twice then 200: the page's record is printed" "$(title_of)" "1967 Porsche 911S Coupe"
ok_eq "429 twice then 200: three requests" "$(log_count /a.example/ra.html)" 3
g1=$(gap_ms /a.example/ra.html 1); g2=$(gap_ms /a.example/ra.html 2)
ok "Retry-After: 1 is honoured before the first retry (${g1} ms)" test "$g1" -ge 990
ok "Retry-After: 1 is honoured before the second retry (${g2} ms)" test "$g2" -ge 990
ok_match "the wait is logged with its reason" "$(cat "$RUN_ERR")" "HTTP 429; waiting 1000 ms \(Retry-After\)"
ok_eq "robots.txt is fetched once for the host" "$(log_count /a.example/robots.txt)" 1
ok "robots.txt comes before the page" log_query '
paths = [r["path"] for r in reqs if r["host"] == "a.example"]
sys.exit(0 if paths[0] == "/a.example/robots.txt" else 1)'

# --- backoff on 503, retry budget ----------------------------------------------
run cv extract https://c.example/flaky.html
ok_eq "503 twice then 200: extract succeeds" "$RUN_STATUS" 0
ok_eq "503 twice then 200: three requests" "$(log_count /c.example/flaky.html)" 3
g1=$(gap_ms /c.example/flaky.html 1); g2=$(gap_ms /c.example/flaky.html 2)
# equal jitter: retry n waits between base*2^(n-1)/2 and base*2^(n-1)
ok "first retry waits at least half the base delay (${g1} ms >= 100)" test "$g1" -ge 100
ok "second retry waits at least the base delay (${g2} ms >= 200)" test "$g2" -ge 200
ok_match "each retry is logged" "$(cat "$RUN_ERR")" "HTTP 503; retry 2 of 3"

run cv --retries 2 extract https://c.example/down.html
ok_eq "a host that stays down fails the URL (exit 1)" "$RUN_STATUS" 1
ok_eq "the retry budget is kept: 1 + 2 retries" "$(log_count /c.example/down.html)" 3
ok_match "the failure says why" "$(cat "$RUN_ERR")" "HTTP 503 \(gave up after 2 retries\)"

# --- broken connections ----------------------------------------------------------
run cv extract https://c.example/drop.html
ok_eq "a dropped connection is retried" "$RUN_STATUS" 0
ok_eq "dropped, then served: two requests" "$(log_count /c.example/drop.html)" 2

run cv --retries 1 extract https://c.example/cut.html
ok_eq "a truncated body is not taken for a page" "$(log_count /c.example/cut.html)" 2
ok_eq "a truncated body is retried and the retry succeeds" "$RUN_STATUS" 0

run cv --timeout-ms 800 extract https://c.example/slow.html
ok_eq "a response slower than --timeout-ms is retried" "$RUN_STATUS" 0
ok_eq "slow, then served: two requests" "$(log_count /c.example/slow.html)" 2
ok_match "the timeout is reported" "$(cat "$RUN_ERR")" "[Tt]imeout|timed out"

# --- challenges and host pauses ------------------------------------------------
run cv --block-threshold 3 --host-pause-ms 1500 extract https://c.example/bot.html
ok_eq "three challenge pages then the page: extract succeeds" "$RUN_STATUS" 0
ok_eq "the challenge page is never taken for the page" "$(title_of)" "1963 Jaguar E-Type"
g=$(gap_ms /c.example/bot.html 3)
ok "after --block-threshold challenges the host is paused (${g} ms >= 1500)" test "$g" -ge 1500
ok_match "the pause is reported" "$(cat "$RUN_ERR")" "keeps refusing \(bot challenge page\): leaving it alone"

run cv --max-waits 2 --retries 0 extract https://c.example/always429.html
ok_eq "endless 429 fails the URL after --max-waits" "$RUN_STATUS" 1
ok_eq "rate-limit waits do not use the retry budget (--retries 0, 3 requests)" \
    "$(log_count /c.example/always429.html)" 3
ok_match "the reason is rate limiting" "$(cat "$RUN_ERR")" "still refused after 2 waits"

run cv extract https://c.example/wait-an-hour.html
ok_eq "a Retry-After beyond --retry-max-ms fails at once" "$(log_count /c.example/wait-an-hour.html)" 1
ok_match "and says so" "$(cat "$RUN_ERR")" "asks to wait 3600 s"

# --- redirects ---------------------------------------------------------------------
run cv extract https://a.example/moved.html
ok_eq "a redirect to a real URL is followed through the mapping" "$RUN_STATUS" 0
ok_match "the record's identity is the redirect target" "$(cat "$RUN_OUT")" '"url":"https://a.example/new.html"'
ok_eq "the target was fetched from the mirror" "$(log_count /a.example/new.html)" 1

run cv --max-redirects 3 extract https://a.example/loop1.html
ok_eq "a redirect loop fails" "$RUN_STATUS" 1
ok_match "at the redirect limit" "$(cat "$RUN_ERR")" "more than 3 redirects"
ok_eq "and stops there: 4 requests" "$(log_query 'print(count("/a.example/loop"))')" 4

run cv extract https://a.example/ftp.html
ok_eq "a redirect to ftp:// is refused" "$RUN_STATUS" 1
ok_match "as not http(s)" "$(cat "$RUN_ERR")" "not an http\(s\) URL"

# --- size limit, final errors, compression, identity ---------------------------------
run cv --max-bytes 1M extract https://c.example/huge.html
ok_eq "a body over --max-bytes fails" "$RUN_STATUS" 1
ok_match "and says which limit" "$(cat "$RUN_ERR")" "larger than --max-bytes"
ok_eq "and is not retried" "$(log_count /c.example/huge.html)" 1

run cv extract https://c.example/gone.html
ok_eq "404 fails the URL" "$RUN_STATUS" 1
ok_eq "404 is not retried" "$(log_count /c.example/gone.html)" 1

ok "pages arrive compressed and are decoded" log_query '
r = [r for r in reqs if r["path"] == "/c.example/p1.html" or r["path"] == "/a.example/new.html"]
sys.exit(0 if r and all(x["encoding"] in ("gzip", "deflate", "br") for x in r) else 1)'
ok "every request names carvest in its User-Agent" log_query '
sys.exit(0 if reqs and all(r["ua"].startswith("carvest/") for r in reqs) else 1)'

run cv extract ftp://a.example/x
ok_eq "an ftp:// URL is refused" "$RUN_STATUS" 2

# --- per-host delay, concurrency across hosts, robots ----------------------------------
stop_fixture_server
start_fixture_server "$SITE" || bail_out "second fixture server did not start"
run "$CARVEST" --rules-path "$RULES" --map-origin "$FIXTURE_MAP" --delay-ms 400 --dry-run \
    crawl probe https://a.example/chain/1.html https://b.example/p1.html
ok_eq "crawl over two hosts: one page is refused by robots.txt (exit 0)" "$RUN_STATUS" 0
ok_eq "crawl: the six allowed pages give six records" "$(grep -c '"type":"vehicle"' "$RUN_OUT")" 6
ok_eq "robots.txt: the disallowed page is never requested" "$(log_count /a.example/private/)" 0
ok_match "robots.txt: the refusal is reported" "$(cat "$RUN_ERR")" "disallowed by https://a.example/robots.txt"
g=$(log_min_gap_ms a.example)
# 5 ms of slack for the millisecond clocks on both sides
ok "per-host delay: requests to a.example keep --delay-ms 400 (min gap ${g} ms)" test "$g" -ge 395
g=$(log_min_gap_ms b.example)
ok "per-host delay: requests to b.example keep --delay-ms 400 (min gap ${g} ms)" test "$g" -ge 395
ok "hosts are crawled side by side: b.example is served before a.example is done" log_query '
a = [r["t"] for r in reqs if r["host"] == "a.example"]
b = [r["t"] for r in reqs if r["host"] == "b.example"]
sys.exit(0 if a and b and min(b) < max(a) else 1)'

# --- requests of a source's own: POST with a body and headers ------------------------
stop_fixture_server
mkdir -p "$SITE/d.example"
printf 'User-agent: *\nAllow: /\n' >"$SITE/d.example/robots.txt"
cat >"$SITE/d.example/index.html" <<'EOF'
<html><body><h1>1967 Porsche 911S Coupe</h1>
<script>var CFG = {"nonce": "n0nce", "member_id": 42};</script></body></html>
EOF
printf '{"items":[{"title":"1970 Datsun 240Z","url":"https://d.example/cars/240z"}]}\n' >"$SITE/d.example/api.json"
printf '{"items":[{"title":"1972 Datsun 240Z","url":"https://d.example/cars/240z-72"}]}\n' >"$SITE/d.example/api2.json"
cat >"$SCRATCH/post-faults.json" <<'EOF'
[{"method": "POST", "path": "/d.example/api", "action": "file", "file": "d.example/api.json"},
 {"method": "POST", "path": "/d.example/api-moved-307", "action": "redirect", "status": 307, "location": "https://d.example/api2"},
 {"method": "POST", "path": "/d.example/api2", "action": "file", "file": "d.example/api2.json"},
 {"method": "POST", "path": "/d.example/api-moved-302", "action": "redirect", "status": 302, "location": "https://d.example/api.json"}]
EOF
cat >"$RULES/poster.lua" <<'EOF'
-- reads a page's config, asks a JSON endpoint for more, emits what it says
return {
  name = "poster",
  extract = function(page)
    if page.kind == "api" then
      for _, it in ipairs(page:json().items) do
        page:emit{ type = "vehicle", title = it.title, url = it.url }
      end
      return
    end
    local cfg = page:json_var("CFG")
    local body = string.format('{"page":1,"member_id":%d}', cfg.member_id)
    local opts = { method = "POST", kind = "api", body = body,
                   headers = { "Content-Type: application/json", "X-WP-Nonce: " .. cfg.nonce } }
    page:follow("/api", opts)
    page:follow("/api", opts)                                   -- the same request again
    page:follow("/api", { method = "POST", kind = "api", body = body .. " " })   -- another body
    page:follow("/api-moved-307", opts)
    page:follow("/api-moved-302", opts)
  end,
}
EOF
start_fixture_server "$SITE" --faults "$SCRATCH/post-faults.json" || bail_out "fixture server did not start"
run "$CARVEST" --rules-path "$RULES" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run \
    crawl poster https://d.example/
ok_eq "a rule's POST requests: the crawl succeeds" "$RUN_STATUS" 0
# three requests answer with api.json: the two POST bodies and the 302's GET
ok_eq "each JSON answer gives its records" "$(grep -c '"title":"1970 Datsun 240Z"' "$RUN_OUT")" 3
ok "the POST carries the rule's body" log_query '
b = [r.get("req_body") for r in reqs if r["method"] == "POST" and r["path"] == "/d.example/api"]
sys.exit(0 if "{\"page\":1,\"member_id\":42}" in b else 1)'
ok_eq "the same POST asked twice is sent once; another body is another request" \
    "$(log_query 'print(len([r for r in reqs if r["method"] == "POST" and r["path"] == "/d.example/api"]))')" 2
ok "a 307 redirect keeps the POST and its body" log_query '
r = [r for r in reqs if r["path"] == "/d.example/api2"]
sys.exit(0 if r and r[0]["method"] == "POST" and r[0].get("req_body") else 1)'
ok_eq "the 307 target's answer is read" "$(grep -c '"title":"1972 Datsun 240Z"' "$RUN_OUT")" 1
ok "a 302 after a POST fetches the target with a GET" log_query '
r = [r for r in reqs if r["path"] == "/d.example/api.json"]
sys.exit(0 if r and r[0]["method"] == "GET" else 1)'

done_testing
