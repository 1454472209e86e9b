#!/bin/sh
# t_cli.sh -- the command line: help and version, exit statuses for usage
# errors, global options before and after the command, the config file
# and its precedence, and clear messages for bad input.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

XDGC=$(mktemp_dir)
XDG_CONFIG_HOME=$XDGC
export XDG_CONFIG_HOME
PAGE=$(mktemp_dir)/page.html
cat >"$PAGE" <<'EOF'
<html><head><title>x</title></head><body>
<h1 class="post-title">No Reserve: 1967 Porsche 911S Coupe</h1>
<div class="essentials"><div class="item"><strong>Lot</strong> #12,345</div></div>
</body></html>
EOF
URL=https://bringatrailer.com/listing/1967-porsche-911s-coupe/

# --- help and version ---------------------------------------------------------
run "$CARVEST" --version
ok_eq "--version exits 0" "$RUN_STATUS" 0
ok_match "--version names the program and the plugin ABI" "$(cat "$RUN_OUT")" "^carvest [0-9.]+ \(plugin ABI 2\)$"
run "$CARVEST" --help
ok_eq "--help exits 0" "$RUN_STATUS" 0
for c in sources extract crawl; do
    ok_match "--help lists the $c command" "$(cat "$RUN_OUT")" "^  $c "
done
ok_match "--help lists global options" "$(cat "$RUN_OUT")" "--map-origin FROM=TO"
for c in sources extract crawl; do
    run "$CARVEST" "$c" --help
    ok_match "$c --help shows its usage" "$(cat "$RUN_OUT")" "^usage: carvest \[GLOBAL OPTIONS\] $c"
done
run "$CARVEST" help crawl
ok_match "help COMMAND is the command's --help" "$(cat "$RUN_OUT")" "--max-pages N"

# --- usage errors exit 2 with a message --------------------------------------------
run "$CARVEST"
ok_eq "no command: exit 2" "$RUN_STATUS" 2
ok_match "no command: usage on stderr" "$(cat "$RUN_ERR")" "^usage: carvest"
run "$CARVEST" frobnicate
ok_eq "unknown command: exit 2" "$RUN_STATUS" 2
ok_match "unknown command: named" "$(cat "$RUN_ERR")" "unknown command 'frobnicate'"
run "$CARVEST" --frob sources
ok_eq "unknown global option: exit 2" "$RUN_STATUS" 2
ok_match "unknown global option: named" "$(cat "$RUN_ERR")" "unknown option '--frob'"
run "$CARVEST" crawl bat-listing --frob
ok_eq "unknown command option: exit 2" "$RUN_STATUS" 2
run "$CARVEST" --output xml sources
ok_eq "bad --output: exit 2" "$RUN_STATUS" 2
ok_match "bad --output: says what is allowed" "$(cat "$RUN_ERR")" "not one of jsonl, table, none"
run "$CARVEST" --delay-ms -5 sources
ok_eq "negative --delay-ms: exit 2" "$RUN_STATUS" 2
run "$CARVEST" --map-origin nonsense sources
ok_eq "bad --map-origin: exit 2" "$RUN_STATUS" 2
ok_match "bad --map-origin: names the spec" "$(cat "$RUN_ERR")" "nonsense"
run "$CARVEST" --delay-ms
ok_eq "missing option value: exit 2" "$RUN_STATUS" 2
run "$CARVEST" extract no-such-source "$PAGE"
ok_eq "extract with an unknown source: exit 2" "$RUN_STATUS" 2
ok_match "and points at carvest sources" "$(cat "$RUN_ERR")" "no source named 'no-such-source' \(carvest sources lists them\)"
run "$CARVEST" extract bat-listing /no/such/file.html
ok_eq "extract of a missing file: exit 2" "$RUN_STATUS" 2
ok_match "and names the file" "$(cat "$RUN_ERR")" "cannot read /no/such/file.html"
run "$CARVEST" extract bat-listing "$PAGE" --url mailto:x@y.z
ok_eq "--url that is not http(s): exit 2" "$RUN_STATUS" 2
run "$CARVEST" crawl bat-listing not-a-url
ok_eq "crawl with a non-URL: exit 2" "$RUN_STATUS" 2
run "$CARVEST" crawl bat-listing
ok_eq "crawl of a source without start URLs and none given: exit 2" "$RUN_STATUS" 2
run "$CARVEST" crawl bat-listing https://bringatrailer.com/listing/x/ --limit 0
ok_eq "--limit 0 is refused: exit 2" "$RUN_STATUS" 2

# --- options before and after the command ---------------------------------------------
run "$CARVEST" extract bat-listing "$PAGE" --url "$URL"
ok_eq "extract of a file with --url: exit 0" "$RUN_STATUS" 0
ok_match "prints JSON Lines by default" "$(cat "$RUN_OUT")" '^\{"type":"vehicle","source":"bat-listing","url":"https://bringatrailer.com/listing/1967-porsche-911s-coupe/"'
run "$CARVEST" --output table extract bat-listing "$PAGE" --url "$URL"
ok_match "--output table before the command: a table" "$(cat "$RUN_OUT")" "^YEAR +MAKE +MODEL"
run "$CARVEST" extract bat-listing "$PAGE" --url "$URL" --output table
ok_match "--output table after the command works too" "$(cat "$RUN_OUT")" "^1967 +Porsche +911S"
run "$CARVEST" --output none extract bat-listing "$PAGE" --url "$URL"
ok_eq "--output none prints nothing" "$(cat "$RUN_OUT")" ""
run "$CARVEST" extract bat-listing - --url "$URL" <"$PAGE"
ok_match "extract reads standard input for '-'" "$(cat "$RUN_OUT")" '"lot_number":12345'
run "$CARVEST" -q extract bat-listing "$PAGE"
ok_eq "-q silences notices (no --url note)" "$(cat "$RUN_ERR")" ""
run "$CARVEST" extract bat-listing "$PAGE"
ok_match "without --url a file is its own identity, and the user is told" "$(cat "$RUN_ERR")" "no --url given"

# --- config file ----------------------------------------------------------------------
mkdir -p "$XDGC/carvest"
printf '# defaults for this user\noutput = table\n\n' >"$XDGC/carvest/carvest.conf"
run "$CARVEST" extract bat-listing "$PAGE" --url "$URL"
ok_match "\$XDG_CONFIG_HOME/carvest/carvest.conf is read" "$(cat "$RUN_OUT")" "^YEAR +MAKE"
run "$CARVEST" --output jsonl extract bat-listing "$PAGE" --url "$URL"
ok_match "the command line beats the config file" "$(cat "$RUN_OUT")" '^\{"type":"vehicle"'
CONF=$(mktemp_dir)/other.conf
printf 'output = none\n' >"$CONF"
run "$CARVEST" --config "$CONF" extract bat-listing "$PAGE" --url "$URL"
ok_eq "--config FILE replaces the default file" "$(cat "$RUN_OUT")" ""
printf 'output = jsonl\ncolour = blue\n' >"$CONF"
run "$CARVEST" --config "$CONF" sources
ok_eq "an unknown key in the config file: exit 2" "$RUN_STATUS" 2
ok_match "and the message names file and line" "$(cat "$RUN_ERR")" "$CONF:2: unknown option 'colour'"
run "$CARVEST" --config /no/such.conf sources
ok_eq "a missing --config file: exit 2" "$RUN_STATUS" 2
rm -f "$XDGC/carvest/carvest.conf"

done_testing
