#!/bin/sh
# t_lua_sandbox.sh -- Lua rule files: what the sandbox refuses (each refusal
# named at the rule's file and line), the per-page instruction and memory
# limits, how errors are reported and contained (one page fails, the run
# goes on), which rule files are refused at load time, the override order of
# rule directories, that editing a rule changes the next run with no
# rebuild, and the JSON helpers and normalisers seen from Lua.
#
# The rules are the small files in tests/rules/; each check copies the ones
# it needs into a scratch directory and points --rules-path at it.

# 'local' is not POSIX but every sh that runs the tests has it.
# shellcheck disable=SC3043

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

RULES=$top_srcdir/tests/rules

# Keep the user's own rules, plugins and config out of the run.
XDG_DATA_HOME=$SCRATCH/xdg-data
XDG_CONFIG_HOME=$SCRATCH/xdg-config
export XDG_DATA_HOME XDG_CONFIG_HOME
unset CARVEST_RULES_PATH CARVEST_PLUGIN_PATH

# rules_dir FILE...: a new directory holding copies of these tests/rules files
rules_dir() {
    local d f
    d=$(mktemp_dir)
    for f in "$@"; do
        cp "$RULES/$f" "$d/" || return 1
    done
    printf '%s\n' "$d"
}

# line_of FILE MARKER: the line of FILE ending in "-- L:MARKER"
line_of() {
    grep -n -- "-- L:$2\$" "$1" | cut -d: -f1
}

# expect_failure NAME ERE: the last run failed the page (exit 1, no record)
# and its log matches ERE.  One TAP result.
expect_failure() {
    if [ "$RUN_STATUS" -eq 1 ] && [ ! -s "$RUN_OUT" ] && grep -Eq -- "$2" "$RUN_ERR"; then
        pass "$1"
        return 0
    fi
    fail "$1"
    diag "  exit $RUN_STATUS; want 1, no record, and a log line matching /$2/"
    diag "  stdout:"
    diag_file "$RUN_OUT"
    diag "  stderr:"
    diag_file "$RUN_ERR"
    return 1
}

# expect_refused NAME FILE ERE: loading FILE (beside good.lua) is refused with
# a message matching ERE, the good rule still loads, sources exits 1.
expect_refused() {
    local d
    d=$(rules_dir good.lua "$2")
    run "$CARVEST" --rules-path "$d" sources
    if [ "$RUN_STATUS" -eq 1 ] && grep -Eq -- "$3" "$RUN_ERR" && grep -q '^good ' "$RUN_OUT"; then
        pass "$1"
        return 0
    fi
    fail "$1"
    diag "  exit $RUN_STATUS; want 1, 'good' listed and a log line matching /$3/"
    diag_file "$RUN_OUT"
    diag_file "$RUN_ERR"
    return 1
}

PAGE=$SCRATCH/page.html
cat >"$PAGE" <<'EOF'
<!DOCTYPE html>
<html><head><title>A car</title></head>
<body><h1 class="title">1967 Porsche 911 S</h1><h2 class="subtitle">1968 Ford Mustang</h2></body></html>
EOF

SB=$(rules_dir sandbox.lua)
SBFILE=$SB/sandbox.lua

# case NAME [GLOBAL OPTIONS...]: run the sandbox rule's case NAME on the page
case_run() {
    local name="$1"
    shift
    run "$CARVEST" "$@" --rules-path "$SB" extract sandbox "$PAGE" \
        --url "https://example.com/case/$name"
}

# at NAME: the "FILE:LINE: " prefix of an error raised on NAME's line
at() {
    printf 'sandbox\\.lua:%s: ' "$(line_of "$SBFILE" "$1")"
}

# --- the sandbox works at all ---------------------------------------------------
case_run allowed
ok_match "base, string, table, math, utf8 and text-only load are available" \
    "$(cat "$RUN_ERR")" \
    'allowed\|42\|2\|h:x\|003\.1\|a,b\|ü\|locked\|nil\|true$'
ok_match "a case that breaks nothing emits its record" "$(cat "$RUN_OUT")" \
    '"description":"case allowed ran to its end"'

case_run globals
ok_eq "the globals a rule sees are exactly the documented set (carvest-lua(7))" \
    "$(sed -n 's/.*: globals|//p' "$RUN_ERR")" \
    "_G _VERSION assert cv error getmetatable ipairs load math next pairs pcall print rawequal rawget rawlen rawset select setmetatable string table tonumber tostring type utf8 xpcall"
ok_eq "the cv library is exactly the documented set" \
    "$(sed -n 's/.*: cv|//p' "$RUN_ERR")" \
    "country date json log mileage null price regex region squash title url_join version vin_kind"

# --- what a rule cannot reach: each fails the page at the rule's line -------------
case_run io
expect_failure "io is absent: io.open fails at its line" "$(at io)undefined global 'io'"
case_run os
expect_failure "os is absent: os.execute fails at its line" "$(at os)undefined global 'os'"
case_run require
expect_failure "require is absent" "$(at require)undefined global 'require'"
case_run dofile
expect_failure "dofile is absent" "$(at dofile)undefined global 'dofile'"
case_run loadfile
expect_failure "loadfile is absent" "$(at loadfile)undefined global 'loadfile'"
case_run binary
expect_failure "load refuses a binary chunk, even with mode \"b\"" \
    "$(at binary)attempt to load a binary chunk"
case_run dump
expect_failure "string.dump is nil: no bytecode can be made" \
    "$(at dump)attempt to call a nil value \(field 'dump'\)"
case_run debug
expect_failure "debug is absent" "$(at debug)undefined global 'debug'"
case_run coroutine
expect_failure "coroutine is absent" "$(at coroutine)undefined global 'coroutine'"
case_run collectgarbage
expect_failure "collectgarbage is absent" "$(at collectgarbage)undefined global 'collectgarbage'"
case_run undefined
expect_failure "reading an undefined global is an error" \
    "$(at undefined)undefined global 'no_such_global'"
case_run newglobal
expect_failure "creating a global inside extract is an error" \
    "$(at newglobal)assignment to undeclared global 'leaked_state' \(use 'local'\)"
case_run rawglobal
expect_failure "rawset cannot create a global behind the lock" \
    "$(at rawglobal)rawset on the global table: globals are locked"
case_run strmeta
expect_failure "the string metatable is locked: getmetatable(\"\") is not a table" \
    "$(at strmeta)attempt to index a string value \(local 'mt'\)"
case_run finalizer
expect_failure "setmetatable refuses __gc (finalizers run outside the limits)" \
    "$(at finalizer)setmetatable: __gc finalizers are not allowed"

# --- per-page limits ----------------------------------------------------------------
case_run loop --lua-instructions 100000
expect_failure "an endless loop hits --lua-instructions, reported at the loop's line" \
    "$(at loop)instruction limit exceeded \(100000 per page\)"
case_run pcall_loop --lua-instructions 100000
expect_failure "pcall cannot swallow the instruction limit and loop on" \
    "$(at pcall_loop)instruction limit exceeded"
case_run xpcall_loop --lua-instructions 100000
expect_failure "an xpcall handler that loops cannot escape the instruction limit" \
    "$(at xpcall_loop)instruction limit exceeded"
case_run string_bomb --lua-memory 1048576
expect_failure "a string doubling in a loop hits --lua-memory and says so" \
    'sandbox\.lua: memory limit exceeded \(1048576 bytes per page'
case_run table_bomb --lua-memory 1048576
expect_failure "a table growing without end hits --lua-memory and says so" \
    'sandbox\.lua: memory limit exceeded \(1048576 bytes per page'

# --- errors ---------------------------------------------------------------------------
case_run helper
expect_failure "a runtime error in a helper names the helper's line, not the caller's" \
    "$(at helper)attempt to index a nil value \(field 'missing'\)"
case_run error_table
expect_failure "error({}) (not a string) is reported, located" \
    "$(at error_table)\(error object is a table value\)"
case_run deep_json
expect_failure "cv.json on JSON nested too deeply fails cleanly" \
    "$(at deep_json)JSON nested too deeply"
case_run emit_unknown
expect_failure "emit with an unknown field fails the page at the emit line" \
    "$(at emit_unknown)emit: a vehicle record has no field 'colour'"
case_run emit_list
expect_failure "emit with a non-string list item fails at the emit line" \
    "$(at emit_list)images: list items must be strings, not a number"
case_run follow_unknown
expect_failure "follow to an unknown source fails clearly" \
    "$(at follow_unknown)follow: no source named 'no-such-source'"

# --- rule files refused at load time ---------------------------------------------------
d=$(rules_dir good.lua broken-syntax.lua)
run "$CARVEST" --rules-path "$d" sources
ok_match "a syntax error is reported as file:line when the rule loads" "$(cat "$RUN_ERR")" \
    "broken-syntax\\.lua skipped: .*broken-syntax\\.lua:4: .*near 'title'"
if [ "$RUN_STATUS" -eq 1 ] && grep -q '^good ' "$RUN_OUT" && grep -q '^dealeraccelerate ' "$RUN_OUT"; then
    pass "with a broken rule, sources still lists the others and exits 1"
else
    fail "with a broken rule, sources still lists the others and exits 1"
    diag "  exit $RUN_STATUS"
    diag_file "$RUN_OUT"
fi
expect_refused "a rule without a name is refused" no-name.lua \
    "no-name\\.lua: rule table: 'name' must be a string of a-z, 0-9 and '-'"
expect_refused "a rule without extract is refused" no-extract.lua \
    "no-extract\\.lua: rule table: 'extract' must be a function\\(page\\)"
expect_refused "a rule with a bad name is refused" bad-name.lua \
    "bad-name\\.lua: rule table: 'name' must be a string of a-z, 0-9 and '-'"
expect_refused "a rule with an unknown table field is refused, naming it" unknown-field.lua \
    "unknown-field\\.lua: rule table: unknown field 'delay'"
expect_refused "a rule file that does not return a table is refused" not-table.lua \
    "not-table\\.lua: the rule file must return a table"
d=$(rules_dir meta-table.lua)
run "$CARVEST" --rules-path "$d" sources
if [ "$RUN_STATUS" -eq 0 ] && grep -q '^meta-table ' "$RUN_OUT"; then
    pass "a registration table's failing __index is never run (no crash)"
else
    fail "a registration table's failing __index is never run (no crash)"
    diag "  exit $RUN_STATUS"
    diag_file "$RUN_ERR"
fi

# --- several pages in one process: crawl through the fixture server --------------------
SITE=$SCRATCH/site
mkdir -p "$SITE/s.example/cars"
printf 'User-agent: *\nDisallow:\n' >"$SITE/s.example/robots.txt"
printf '<html><body><h1>1961 Chevrolet Corvette</h1><a class="next" href="/two.html">next</a></body></html>\n' \
    >"$SITE/s.example/one.html"
printf '<html><body><h1>1965 Ford Mustang</h1></body></html>\n' >"$SITE/s.example/two.html"
printf '<html><body><a class="car" href="/cars/1.html">1</a> <a class="car" href="/cars/2.html">2</a> <a class="car" href="/cars/3.html">3</a></body></html>\n' \
    >"$SITE/s.example/list.html"
for i in 1 2 3; do
    printf '<html><body><h1>196%d Ford Mustang</h1></body></html>\n' "$i" >"$SITE/s.example/cars/$i.html"
done

if start_fixture_server "$SITE"; then
    d=$(rules_dir keep-node.lua)
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run --rules-path "$d" \
        crawl keep-node https://s.example/one.html
    if [ "$RUN_STATUS" -eq 1 ] && [ "$(grep -c '"type":"vehicle"' "$RUN_OUT")" -eq 1 ] &&
        grep -Eq "keep-node: https://s\\.example/two\\.html: .*keep-node\\.lua:$(line_of "$d/keep-node.lua" kept): page or node used after its extract\\(\\) call returned" "$RUN_ERR"; then
        pass "a node kept in an upvalue fails cleanly when used on the next page"
    else
        fail "a node kept in an upvalue fails cleanly when used on the next page"
        diag "  exit $RUN_STATUS"
        diag_file "$RUN_OUT"
        diag_file "$RUN_ERR"
    fi

    d=$(rules_dir flaky.lua)
    run "$CARVEST" --map-origin "$FIXTURE_MAP" --delay-ms 0 --dry-run --rules-path "$d" \
        crawl flaky https://s.example/list.html
    titles=$("$PYTHON3" -c 'import json, sys
print(",".join(sorted(json.loads(l)["title"] for l in open(sys.argv[1]) if l.strip())))' "$RUN_OUT")
    if [ "$RUN_STATUS" -eq 1 ] && [ "$titles" = "1961 Ford Mustang,1963 Ford Mustang" ] &&
        grep -Eq "flaky\\.lua:$(line_of "$d/flaky.lua" flaky): no luck with car 2" "$RUN_ERR"; then
        pass "an error on one page fails that page only: the crawl goes on, exit 1"
    else
        fail "an error on one page fails that page only: the crawl goes on, exit 1"
        diag "  exit $RUN_STATUS, titles '$titles'"
        diag_file "$RUN_ERR"
    fi
    stop_fixture_server
else
    skip "a node kept in an upvalue fails cleanly when used on the next page" "no fixture server"
    skip "an error on one page fails that page only: the crawl goes on, exit 1" "no fixture server"
fi

# --- directories and editing ---------------------------------------------------------------
first=$(rules_dir override.lua)
second=$(rules_dir override.lua)
sed 's/version = "first"/version = "second"/' "$RULES/override.lua" >"$second/override.lua"
run "$CARVEST" --rules-path "$first:$second" sources
ok_match "the same rule name in two --rules-path dirs: the later one wins, sources shows its file" \
    "$(cat "$RUN_OUT")" "^override +lua +second +.* $second/override\\.lua\$"

d=$(rules_dir selector.lua)
run "$CARVEST" --rules-path "$d" extract selector "$PAGE" --url https://example.com/x
before=$(cat "$RUN_OUT")
sed 's/local TITLE = "h1.title"/local TITLE = "h2.subtitle"/' "$RULES/selector.lua" >"$d/selector.lua"
run "$CARVEST" --rules-path "$d" extract selector "$PAGE" --url https://example.com/x
after=$(cat "$RUN_OUT")
if printf '%s' "$before" | grep -q '"title":"1967 Porsche 911 S"' &&
    printf '%s' "$after" | grep -q '"title":"1968 Ford Mustang"'; then
    pass "editing a rule's selector changes the next run's output, no rebuild"
else
    fail "editing a rule's selector changes the next run's output, no rebuild"
    diag "  before: $before"
    diag "  after:  $after"
fi

# --- JSON helpers and normalisers from Lua -----------------------------------------------
JPAGE=$SCRATCH/json.html
cat >"$JPAGE" <<'EOF'
<!DOCTYPE html>
<html><head>
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "Vehicle", "name": "1967 Porsche 911 S", "vehicleIdentificationNumber": null,
   "offers": {"@type": "Offer", "price": "145000", "priceCurrency": "USD"}},
  {"@type": "AutoDealer", "name": "Acme Classics"}]}
</script>
<script>var inventory = {"cars": [{"id": 1, "sold": true}, null, {"id": 3, "sold": false}], "count": 3,};</script>
</head><body>
<div id="car" data-car="{&quot;year&quot;: 1967, &quot;tags&quot;: [&quot;a&quot;, null, &quot;c&quot;], &quot;price&quot;: 1.5}">car</div>
</body></html>
EOF
d=$(rules_dir json-api.lua)
run "$CARVEST" --rules-path "$d" extract json-api "$JPAGE" --url https://example.com/car
log=$(cat "$RUN_ERR")
ok_match "page:jsonld flattens @graph (nested objects stay nested), filters by @type, drops null fields" "$log" \
    'jsonld\|1\|1967 Porsche 911 S\|145000\|nil\|2\|0$'
ok_match "page:json_var reads a script variable; null in an array is cv.null" "$log" \
    'json_var\|3\|3\|true\|3\|true\|nil$'
ok_match "node:json reads JSON from an attribute (integers stay integers)" "$log" \
    'node_json\|1967\|integer\|1\.5\|3\|true\|c$'
ok_match "cv.json is lenient (comments, trailing commas); null: absent in objects, cv.null in arrays" \
    "$log" 'cv_json\|3\|true\|nil\|x\|userdata$'
ok_match "cv.json returns nil and the reason for text that is not JSON" "$log" \
    'cv_json_bad\|nil\|.+'
ok_match "cv.price(\"£45,000 (\$57,150)\") returns 57150, USD, 45000, GBP" "$log" \
    'price\|57150\|USD\|45000\|GBP$'
ok_match "cv.price returns nil when no price is shown" "$log" 'price_none\|nil$'
ok_match "cv.mileage reads 45k Miles Shown" "$log" 'mileage\|45000\|mi\|false$'
ok_match "cv.mileage flags TMU without a number" "$log" 'mileage_tmu\|nil\|nil\|true$'
ok_match "cv.title splits a title, No Reserve included" "$log" \
    'title\|1973\|Mercedes-Benz\|280SL\|Roadster\|true$'
ok_match "cv.vin_kind checks the check digit, ignores placeholders" "$log" 'vin_kind\|valid\|none$'
ok_match "cv.date gives Unix seconds, nil when unreadable" "$log" 'date\|1709424000\|nil$'
ok_match "cv.regex (POSIX ERE) returns the match and its groups" "$log" \
    'regex\|Lot #123 of 200\|123\| of 200\|200$'
ok_match "cv.squash collapses whitespace" "$log" 'squash\|\[a b\]$'
ok_match "cv.url_join resolves and canonicalises" "$log" 'url_join\|https://a\.example/z\?b=1$'
ok_eq "a rule that emits nothing exits 0" "$RUN_STATUS" 0

done_testing
