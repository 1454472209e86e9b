#!/bin/sh
# t_migrate.sh -- schema migrations: `carvest db status` reads without
# writing, `carvest db migrate` applies every migration once (also when
# five processes migrate at once), records it with the checksum of its
# file, refuses a changed migration and a database a newer carvest
# migrated, rolls a failing migration back whole; the seeds' monitoring
# SQL runs unchanged on the result; an unreachable database is exit 3
# without the password.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest
require_pg

SQLDIR=$top_srcdir/core/sql

# The migrations built into the binary, from the files they are built
# from: "NNN name" per line, in order.
MIGRATIONS=$(for f in "$SQLDIR"/[0-9][0-9][0-9]_*.sql; do
    b=$(basename "$f" .sql)
    echo "${b%%_*} ${b#*_}"
done)
NMIG=$(printf '%s\n' "$MIGRATIONS" | wc -l | tr -d ' ')
if [ "$NMIG" -eq 1 ]; then UPTODATE="schema is up to date (1 migration)"
else UPTODATE="schema is up to date ($NMIG migrations)"; fi

# Every relation of this database outside the system schemas.
relations() {
    psql_q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
}

# Back to an empty database (the public schema dropped and made again).
reset_db() {
    psql_q "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
}

md5_of() {
    "$PYTHON3" -c 'import hashlib, sys
print(hashlib.md5(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
}

# Evaluate a Python expression over the JSON lines of a file (as `rows`).
json_lines() {
    "$PYTHON3" -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2]))' "$@"
}

# --- usage ----------------------------------------------------------------------
run "$CARVEST" db --help
ok_eq "db --help exits 0" "$RUN_STATUS" 0
ok_match "db --help shows the usage" "$(cat "$RUN_OUT")" '^usage: carvest \[GLOBAL OPTIONS\] db migrate \| status'
ok_match "db --help explains the states" "$(cat "$RUN_OUT")" 'changed'
run "$CARVEST" db
ok_eq "db without a subcommand: exit 2" "$RUN_STATUS" 2
ok_match "db without a subcommand: says which exist" "$(cat "$RUN_ERR")" 'migrate or status'
run "$CARVEST" db frobnicate
ok_eq "unknown db subcommand: exit 2" "$RUN_STATUS" 2
ok_match "unknown db subcommand: named" "$(cat "$RUN_ERR")" "frobnicate"
run "$CARVEST" db migrate --json
ok_eq "db migrate --json: exit 2" "$RUN_STATUS" 2
run "$CARVEST" db status extra
ok_eq "db status with an argument: exit 2" "$RUN_STATUS" 2
ok_eq "usage errors wrote nothing" "$(relations)" 0

# --- db status on an empty database --------------------------------------------------
run "$CARVEST" db status
ok_eq "db status on an empty database: exit 0" "$RUN_STATUS" 0
ok_match "db status: header" "$(cat "$RUN_OUT")" '^VERSION +NAME +STATE +APPLIED$'
for f in "$SQLDIR"/[0-9][0-9][0-9]_*.sql; do    # not a pipeline: checks count here
    b=$(basename "$f" .sql)
    ok_match "db status on an empty database: ${b%%_*} ${b#*_} pending" "$(cat "$RUN_OUT")" \
        "^${b%%_*} +${b#*_} +pending +-$"
done
ok_match "db status on an empty database: says to migrate" "$(cat "$RUN_ERR")" 'carvest db migrate'
run "$CARVEST" db status --json
ok_eq "db status --json on an empty database: exit 0" "$RUN_STATUS" 0
ok_eq "db status --json: one object per migration, keys in order" \
    "$(json_lines "$RUN_OUT" '[list(r) for r in rows][0]')" "['version', 'name', 'state', 'applied_at']"
ok_eq "db status --json: 001 pending, never applied" \
    "$(json_lines "$RUN_OUT" '(rows[0]["version"], rows[0]["name"], rows[0]["state"], rows[0]["applied_at"])')" \
    "(1, 'initial', 'pending', None)"
ok_eq "db status --json: every migration pending" \
    "$(json_lines "$RUN_OUT" 'sum(r["state"] == "pending" for r in rows)')" "$NMIG"
ok_eq "db status wrote nothing (no table, not even carvest_migrations)" "$(relations)" 0

run "$CARVEST" -n db migrate
ok_eq "db migrate --dry-run: exit 0" "$RUN_STATUS" 0
ok_match "db migrate --dry-run: says what it would apply" "$(cat "$RUN_OUT")" '^would apply 001 initial$'
ok_eq "db migrate --dry-run wrote nothing" "$(relations)" 0

# --- db migrate ----------------------------------------------------------------------
run "$CARVEST" db migrate
ok_eq "db migrate: exit 0" "$RUN_STATUS" 0
ok_eq "db migrate: one line per migration applied" "$(cat "$RUN_OUT")" \
    "$(printf '%s\n' "$MIGRATIONS" | sed 's/^/applied /')"
ok_eq "db migrate: nothing on stderr" "$(cat "$RUN_ERR")" ""
# Every table and view that 001 creates exists, as what it is.
for t in $(sed -n 's/^CREATE TABLE \([a-z_]*\).*/\1/p' "$SQLDIR/001_initial.sql"); do
    ok_eq "001 created table $t" "$(psql_q "SELECT relkind FROM pg_class WHERE oid = to_regclass('public.$t')")" r
done
for t in $(sed -n 's/^CREATE VIEW \([a-z_]*\).*/\1/p' "$SQLDIR/001_initial.sql"); do
    ok_eq "001 created view $t" "$(psql_q "SELECT relkind FROM pg_class WHERE oid = to_regclass('public.$t')")" v
done
ok_eq "001 is recorded in carvest_migrations" \
    "$(psql_q "SELECT version || ' ' || name FROM carvest_migrations WHERE version = 1")" "1 initial"
ok_eq "the recorded checksum is the md5 of 001_initial.sql" \
    "$(psql_q "SELECT checksum FROM carvest_migrations WHERE version = 1")" \
    "$(md5_of "$SQLDIR/001_initial.sql")"
APPLIED_AT=$(psql_q "SELECT applied_at FROM carvest_migrations WHERE version = 1")

run "$CARVEST" db migrate
ok_eq "second db migrate: exit 0" "$RUN_STATUS" 0
ok_eq "second db migrate: applies nothing" "$(cat "$RUN_OUT")" "$UPTODATE"
ok_eq "second db migrate: still one row per migration" \
    "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT version) FROM carvest_migrations")" "$NMIG $NMIG"
ok_eq "second db migrate: 001 keeps its time" \
    "$(psql_q "SELECT applied_at FROM carvest_migrations WHERE version = 1")" "$APPLIED_AT"

run "$CARVEST" db status
ok_eq "db status after migrate: exit 0" "$RUN_STATUS" 0
ok_match "db status after migrate: 001 applied, with its time" "$(cat "$RUN_OUT")" \
    '^001 +initial +applied +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\+00$'
ok_eq "db status after migrate: no warning" "$(cat "$RUN_ERR")" ""
run "$CARVEST" db status --json
ok_match "db status --json after migrate: applied_at is ISO 8601 UTC" \
    "$(json_lines "$RUN_OUT" 'rows[0]["state"] + " " + rows[0]["applied_at"]')" \
    '^applied [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# --- the seeds' monitoring SQL runs unchanged ----------------------------------------------
psql_q "INSERT INTO businesses (business_name, website) VALUES ('Seed Motors', 'https://seed.example');
        INSERT INTO organization_inventory_sync_queue (organization_id, run_mode)
             SELECT id, 'both' FROM businesses;
        INSERT INTO vehicles (discovery_url, year, make, model)
             VALUES ('https://seed.example/1967-porsche-911s', 1967, 'Porsche', '911S');
        INSERT INTO micro_scrape_runs (status, vehicles_improved, actions_executed, actions_succeeded)
             VALUES ('completed', 2, 4, 3)" >/dev/null
run psql "$DATABASE_URL" -X -v ON_ERROR_STOP=1 -f "$top_srcdir/tests/sql/seeds_monitoring.sql"
ok_eq "the seeds' monitoring SQL runs unchanged on a migrated database" "$RUN_STATUS" 0
diag_file "$RUN_ERR"
ok_match "seed 000's pending-items query finds the queued business" "$(cat "$RUN_OUT")" 'Seed Motors'
ok_match "seed 004's view query lists the vehicle with gaps" "$(cat "$RUN_OUT")" '1967-porsche-911s'
ok_match "seed 004's success rate is computed" "$(cat "$RUN_OUT")" ' 75\.0'

# --- five processes migrating at once ---------------------------------------------------
reset_db
ok_eq "reset: the database is empty again" "$(relations)" 0
i=1
while [ $i -le 5 ]; do
    "$CARVEST" db migrate >"$SCRATCH/par.$i.out" 2>"$SCRATCH/par.$i.err" &
    eval "pid_$i=\$!"
    i=$((i + 1))
done
i=1
statuses=
while [ $i -le 5 ]; do
    st=0
    eval "wait \$pid_$i" || st=$?
    statuses="$statuses$st"
    i=$((i + 1))
done
ok_eq "five db migrate at once: all exit 0" "$statuses" 00000
ok_eq "five db migrate at once: no error output" "$(cat "$SCRATCH"/par.*.err)" ""
ok_eq "five db migrate at once: each migration recorded once" \
    "$(psql_q "SELECT count(*) || ' ' || count(DISTINCT version) FROM carvest_migrations")" "$NMIG $NMIG"
ok_eq "five db migrate at once: one of them applied each migration" \
    "$(cat "$SCRATCH"/par.*.out | grep -c '^applied 001 initial$')" 1
ok_eq "five db migrate at once: the others found the schema up to date" \
    "$(cat "$SCRATCH"/par.*.out | grep -c "^$UPTODATE\$")" 4

# --- a migration changed after it was applied ----------------------------------------------
psql_q "UPDATE carvest_migrations SET checksum = 'x' WHERE version = 1"
run "$CARVEST" db migrate
ok_eq "changed migration: db migrate exits 1" "$RUN_STATUS" 1
ok_match "changed migration: the message names it and says what to do" "$(cat "$RUN_ERR")" \
    'migration 001 \(initial\) was changed after it was applied: never edit an applied migration, add a new one'
ok_eq "changed migration: db migrate prints nothing on stdout" "$(cat "$RUN_OUT")" ""
run "$CARVEST" db status
ok_eq "changed migration: db status exits 0" "$RUN_STATUS" 0
ok_match "changed migration: db status reports changed" "$(cat "$RUN_OUT")" \
    '^001 +initial +changed +[0-9]{4}-[0-9]{2}-[0-9]{2} '
ok_match "changed migration: db status warns" "$(cat "$RUN_ERR")" 'never edit an applied migration'
run "$CARVEST" db status --json
ok_eq "changed migration: db status --json state" "$(json_lines "$RUN_OUT" 'rows[0]["state"]')" changed
run "$CARVEST" -n db migrate
ok_eq "changed migration: db migrate --dry-run exits 1 too" "$RUN_STATUS" 1
psql_q "UPDATE carvest_migrations SET checksum = '$(md5_of "$SQLDIR/001_initial.sql")' WHERE version = 1"
run "$CARVEST" db migrate
ok_eq "checksum restored: db migrate is happy again" "$RUN_STATUS $(cat "$RUN_OUT")" "0 $UPTODATE"

# --- a database migrated by a newer carvest -------------------------------------------------
psql_q "INSERT INTO carvest_migrations (version, name, checksum) VALUES (999, 'from_the_future', 'abc')"
run "$CARVEST" db migrate
ok_eq "unknown version: db migrate exits 1" "$RUN_STATUS" 1
ok_match "unknown version: db migrate refuses, naming it and the reason" "$(cat "$RUN_ERR")" \
    'migration 999 \(from_the_future\), which this carvest does not know: a newer carvest migrated it'
run "$CARVEST" db status
ok_eq "unknown version: db status exits 0" "$RUN_STATUS" 0
ok_match "unknown version: db status still shows 001 applied" "$(cat "$RUN_OUT")" '^001 +initial +applied '
ok_match "unknown version: db status reports 999 unknown" "$(cat "$RUN_OUT")" \
    '^999 +from_the_future +unknown +[0-9]{4}-[0-9]{2}-[0-9]{2} '
ok_match "unknown version: db status warns" "$(cat "$RUN_ERR")" 'newer carvest'
run "$CARVEST" db status --json
ok_eq "unknown version: db status --json lists it last" \
    "$(json_lines "$RUN_OUT" '(rows[-1]["version"], rows[-1]["state"])')" "(999, 'unknown')"
psql_q "DELETE FROM carvest_migrations WHERE version = 999"

# --- a migration that fails is rolled back whole -------------------------------------------
reset_db
psql_q "CREATE TABLE vehicle_images (id integer)"    # 001 creates it: it will fail there
run "$CARVEST" db migrate
ok_eq "failing migration: exit 1" "$RUN_STATUS" 1
ok_match "failing migration: named, with the server's reason" "$(cat "$RUN_ERR")" \
    'migration 001 \(initial\) failed: relation "vehicle_images" already exists'
ok_eq "failing migration: not recorded" "$(psql_q "SELECT count(*) FROM carvest_migrations")" 0
ok_eq "failing migration: the tables it made before failing are rolled back" \
    "$(psql_q "SELECT to_regclass('public.vehicles') IS NULL AND to_regclass('public.businesses') IS NULL")" t
run "$CARVEST" db status
ok_match "failing migration: db status shows it pending" "$(cat "$RUN_OUT")" '^001 +initial +pending +-$'
# An error the server places in the text is reported with its line: a
# text <> operator returning integer, found first through search_path,
# breaks the view's WHERE clause.
reset_db
psql_q "CREATE FUNCTION public.text_ne_int(text, text) RETURNS integer LANGUAGE sql AS 'SELECT 1';
        CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_ne_int)"
run "$CARVEST" --db "$DATABASE_URL?options=-csearch_path%3Dpublic,pg_catalog" db migrate
ok_eq "failing migration: exit 1 (error inside a statement)" "$RUN_STATUS" 1
ok_match "failing migration: the message gives the line of the failing SQL" "$(cat "$RUN_ERR")" \
    "migration 001 \\(initial\\) failed at line $(grep -n -m 1 "<> ''" "$SQLDIR/001_initial.sql" | cut -d: -f1): argument of AND must be type boolean"
ok_eq "failing migration: the tables made before the view are rolled back" \
    "$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'carvest_migrations'")" 0
reset_db

# --- an unreachable database ---------------------------------------------------------------
BAD='postgresql://u:s3cr3tpw@127.0.0.1:1/x'
for cmd in "db migrate" "db status"; do
    # shellcheck disable=SC2086  # split the subcommand
    run "$CARVEST" --db "$BAD" $cmd
    ok_eq "unreachable --db: $cmd exits 3" "$RUN_STATUS" 3
    ok_match "unreachable --db: $cmd names the database" "$(cat "$RUN_ERR")" '127\.0\.0\.1:1/x'
    ok_eq "unreachable --db: $cmd never shows the password" \
        "$(cat "$RUN_OUT" "$RUN_ERR" | grep -c s3cr3tpw)" 0
done
run env DATABASE_URL="$BAD" "$CARVEST" db status
ok_eq "unreachable DATABASE_URL: exit 3" "$RUN_STATUS" 3
ok_eq "unreachable DATABASE_URL: never shows the password" "$(grep -c s3cr3tpw "$RUN_ERR")" 0

done_testing
