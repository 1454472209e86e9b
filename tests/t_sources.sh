#!/bin/sh
# t_sources.sh -- source discovery: both kinds listed, --json keys, the
# override order of DESIGN.md section 2 (built-in < XDG < environment <
# command line), a plugin built for another ABI and a non-plugin .so
# refused with clear messages, a broken rule reported at its file and
# line, and none of that stopping the other sources.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest

: "${TEST_PLUGIN_DIR:=$top_builddir/tests/plugins/.libs}"
XDG=$(mktemp_dir)
XDG_DATA_HOME=$XDG
export XDG_DATA_HOME
unset CARVEST_PLUGIN_PATH CARVEST_RULES_PATH

json_field() {    # NAME FIELD: FIELD of source NAME in $RUN_OUT (--json)
    "$PYTHON3" -c 'import json,sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["name"] == sys.argv[2]:
        v = o[sys.argv[3]]
        print(",".join(v) if isinstance(v, list) else v)' "$RUN_OUT" "$1" "$2"
}

# --- both kinds --------------------------------------------------------------
run "$CARVEST" sources
ok_eq "sources: exit 0 when everything loads" "$RUN_STATUS" 0
ok_match "sources: header line" "$(cat "$RUN_OUT")" "^NAME +KIND +VERSION +CLAIMS +FILE"
ok_match "sources: the C plugin bat-listing is listed as so" "$(cat "$RUN_OUT")" "^bat-listing +so +"
ok_match "sources: the Lua rule dealeraccelerate is listed as lua" "$(cat "$RUN_OUT")" "^dealeraccelerate +lua +"
ok_match "sources: bat-listing claims BaT listing URLs" "$(cat "$RUN_OUT")" "bringatrailer.com/listing/\*"

run "$CARVEST" sources --json
ok_eq "sources --json: exit 0" "$RUN_STATUS" 0
ok "sources --json: one object per line with exactly name, kind, version, claims, path" \
    "$PYTHON3" -c 'import json,sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) >= 2, lines
for l in lines:
    o = json.loads(l)
    assert list(o) == ["name", "kind", "version", "claims", "path"], list(o)
    assert o["kind"] in ("so", "lua") and isinstance(o["claims"], list)' "$RUN_OUT"
ok_eq "sources --json: bat-listing is a plugin" "$(json_field bat-listing kind)" so
ok_match "sources --json: its path is a shared object" "$(json_field bat-listing path)" "bat-listing\.so$"
ok_eq "sources --json: dealeraccelerate is a rule" "$(json_field dealeraccelerate kind)" lua
ok_match "sources --json: fingerprints show as html: claims" \
    "$(json_field dealeraccelerate claims)" "html:cdn\.dealeraccelerate\.com"

# --- override order ------------------------------------------------------------
builtin_rule=$(json_field dealeraccelerate path)
mkrule() {    # DIR VERSION
    mkdir -p "$1"
    sed "s/version = \"[^\"]*\"/version = \"$2\"/" "$builtin_rule" >"$1/dealeraccelerate.lua"
}
mkrule "$XDG/carvest/rules" 2.0-xdg
ENVDIR=$(mktemp_dir); mkrule "$ENVDIR" 3.0-env
CLIDIR=$(mktemp_dir); mkrule "$CLIDIR" 4.0-cli

run "$CARVEST" sources --json
ok_eq "override: \$XDG_DATA_HOME/carvest/rules beats the built-in rule" \
    "$(json_field dealeraccelerate version)" 2.0-xdg
ok_eq "override: and sources shows which file won" \
    "$(json_field dealeraccelerate path)" "$XDG/carvest/rules/dealeraccelerate.lua"

run env CARVEST_RULES_PATH="$ENVDIR" "$CARVEST" sources --json
ok_eq "override: CARVEST_RULES_PATH beats XDG" "$(json_field dealeraccelerate version)" 3.0-env

run env CARVEST_RULES_PATH="$ENVDIR" "$CARVEST" --rules-path "$CLIDIR" sources --json
ok_eq "override: --rules-path beats the environment" "$(json_field dealeraccelerate version)" 4.0-cli

run env CARVEST_RULES_PATH="$ENVDIR" "$CARVEST" -v --rules-path "$CLIDIR" sources
ok_match "override: -v names the sources that were overridden" "$(cat "$RUN_ERR")" \
    "overridden: dealeraccelerate \($ENVDIR/dealeraccelerate.lua\)"
ok_match "override: -v lists the directories searched" "$(cat "$RUN_ERR")" "searched rules:$CLIDIR"

run "$CARVEST" --rules-path "$ENVDIR:$CLIDIR" sources --json
ok_eq "override: within one colon list the later directory wins" \
    "$(json_field dealeraccelerate version)" 4.0-cli
rm -rf "${XDG:?}/carvest"

# --- bad plugins ------------------------------------------------------------------
if [ -f "$TEST_PLUGIN_DIR/wrong-abi.so" ]; then
    run "$CARVEST" --plugin-path "$TEST_PLUGIN_DIR" sources
    ok_eq "a plugin of the wrong ABI makes sources exit 1" "$RUN_STATUS" 1
    ok_match "the ABI refusal names the file, both versions and the fix" "$(cat "$RUN_ERR")" \
        "plugin .*wrong-abi\.so skipped: .*ABI version [0-9]+, this carvest speaks version [0-9]+; rebuild it"
    ok_match "a .so without the entry symbol is refused as not a plugin" "$(cat "$RUN_ERR")" \
        "not-a-plugin\.so skipped: .*no 'carvest_source' symbol: not a carvest plugin"
    ok_match "the other sources still load: bat-listing" "$(cat "$RUN_OUT")" "^bat-listing +so"
    ok_match "the other sources still load: dealeraccelerate" "$(cat "$RUN_OUT")" "^dealeraccelerate +lua"
    run "$CARVEST" --plugin-path "$TEST_PLUGIN_DIR" extract bat-listing \
        "$top_srcdir/tests/fixtures/sites/bringatrailer.com/listing/1962-fiat-500-f-117/index.html" \
        --url https://bringatrailer.com/listing/1962-fiat-500-f-117/
    ok_eq "a bad plugin elsewhere does not stop extract" "$RUN_STATUS" 0
    ok_match "extract still prints the record" "$(cat "$RUN_OUT")" '"source":"bat-listing"'
else
    skip "wrong-ABI plugin" "test plugins not built ($TEST_PLUGIN_DIR)"
fi

# --- a broken rule -----------------------------------------------------------------
BROKEN=$(mktemp_dir)
printf 'return {\n  name = "broken",\n  extract = function(page)\n    page:emit{ type = "vehicle" \n  end,\n}\n' \
    >"$BROKEN/broken.lua"
run "$CARVEST" --rules-path "$BROKEN" sources
ok_eq "a rule with a syntax error makes sources exit 1" "$RUN_STATUS" 1
ok_match "the error names the rule file and line" "$(cat "$RUN_ERR")" \
    "rule $BROKEN/broken.lua skipped: $BROKEN/broken.lua:[45]:"
ok_match "the other sources are still listed" "$(cat "$RUN_OUT")" "^dealeraccelerate +lua"
ok_not "the broken rule is not listed" grep -q "^broken " "$RUN_OUT"

done_testing
