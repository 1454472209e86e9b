#!/bin/sh
# t_status.sh -- `carvest status`: migrates an empty database first, then
# shows row counts, queue states (due rows, expired leases), the last 10
# runs, the vehicles needing a micro-scrape and per-source health, as
# aligned text and as one JSON object with the documented keys; writes
# nothing else; an unreachable database is exit 3 without the password.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
require_carvest
require_pg

# The newest migration shipped (its three digits): the schema status reports.
LATEST=$(cd "$top_srcdir/core/sql" && ls [0-9][0-9][0-9]_*.sql | tail -n 1 | cut -c1-3)

# Evaluate a Python expression over the JSON object in a file (as `d`).
json_get() {
    "$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$@"
}

# --- an empty database is migrated first ----------------------------------------------
run "$CARVEST" status
ok_eq "status on an empty database: exit 0" "$RUN_STATUS" 0
ok_match "status on an empty database: says it applied the migrations" "$(cat "$RUN_ERR")" \
    '^carvest: applied migration 001 initial$'
ok_eq "status on an empty database: the schema is migrated" \
    "$(psql_q "SELECT count(*) FROM carvest_migrations WHERE version = 1")" 1
ok_match "status on an empty database: zero businesses" "$(cat "$RUN_OUT")" '^  businesses +0$'
ok_match "status on an empty database: no runs yet" "$(cat "$RUN_OUT")" '^Last runs +none yet$'
run "$CARVEST" status --json
ok_eq "status --json on a migrated database: applies nothing" \
    "$(json_get "$RUN_OUT" 'd["migrations_applied"]')" 0
ok_eq "status --json: nothing on stderr" "$(cat "$RUN_ERR")" ""

# --- a database with a little of everything ----------------------------------------------
# businesses 2, vehicles 3 (one marked micro-scrape complete; one without
# VIN, price or description), listings 3 from bat-listing (2) and
# classic-vehicle (1), images 4, organization_vehicles 1, dealer_inventory 2.
# Sync queue: pending due, processing with an expired lease, processing
# with a live lease, failed due for retry, completed -> due 3, expired 1.
# Import queue: pending due, pending later, failed given up (no
# next_run_at), skipped, completed -> due 1, expired 0.
# Runs: dealer-site failed 1 min ago (10 s, 3 failed), bat-listing
# running since 2 min, bat-listing completed 10 min ago (63 s), nine
# `inventory process` runs 1..9 h ago, and a bat-listing failure 8 days ago.
psql_q "
INSERT INTO businesses (id, business_name, website) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'Alpha Motors', 'https://alpha.example'),
  ('00000000-0000-0000-0000-0000000000b2', 'Beta Classics', 'https://beta.example');
INSERT INTO vehicles (id, discovery_url, year, make, model, vin, asking_price, description, origin_metadata) VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'https://bringatrailer.com/listing/one/', 1967, 'Porsche', '911S',
   'WP0ZZZ91ZJS100001', 120000, 'A car.', '{}'),
  ('00000000-0000-0000-0000-0000000000c2', 'https://bringatrailer.com/listing/two/', 1972, 'BMW', '2002',
   NULL, NULL, NULL, '{}'),
  ('00000000-0000-0000-0000-0000000000c3', 'https://www.classic.com/veh/three/', 1990, 'Mazda', 'MX-5',
   NULL, NULL, NULL, '{\"micro_scrape_complete\": true}');
INSERT INTO vehicle_listings (vehicle_id, url, url_key, source, record, last_seen_at) VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'https://bringatrailer.com/listing/one/', 'k1', 'bat-listing', '{}',
   '2024-03-01 10:00:00+00'),
  ('00000000-0000-0000-0000-0000000000c2', 'https://bringatrailer.com/listing/two/', 'k2', 'bat-listing', '{}',
   '2024-03-02 11:30:00+00'),
  ('00000000-0000-0000-0000-0000000000c3', 'https://www.classic.com/veh/three/', 'k3', 'classic-vehicle', '{}',
   '2024-02-01 08:00:00+00');
INSERT INTO vehicle_images (vehicle_id, image_url, position) VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'https://img.example/1.jpg', 0),
  ('00000000-0000-0000-0000-0000000000c1', 'https://img.example/2.jpg', 1),
  ('00000000-0000-0000-0000-0000000000c2', 'https://img.example/3.jpg', 0),
  ('00000000-0000-0000-0000-0000000000c3', 'https://img.example/4.jpg', 0);
INSERT INTO organization_vehicles (organization_id, vehicle_id, relationship_type) VALUES
  ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'consigner');
INSERT INTO dealer_inventory (dealer_id, vehicle_id, status) VALUES
  ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'in_stock'),
  ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000c2', 'sold');
INSERT INTO organization_inventory_sync_queue (organization_id, run_mode, status, next_run_at, locked_by, locked_until) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'current', 'pending',    NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000b1', 'sold',    'processing', NULL, 'dead:1', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000000b2', 'current', 'processing', NULL, 'live:2', now() + interval '1 hour'),
  ('00000000-0000-0000-0000-0000000000b2', 'sold',    'failed',     now() - interval '5 minutes', NULL, NULL),
  ('00000000-0000-0000-0000-0000000000b1', 'both',    'completed',  NULL, NULL, NULL);
INSERT INTO import_queue (listing_url, status, next_run_at) VALUES
  ('https://bringatrailer.com/listing/a/', 'pending',   now() - interval '1 minute'),
  ('https://bringatrailer.com/listing/b/', 'pending',   now() + interval '1 day'),
  ('https://bringatrailer.com/listing/c/', 'failed',    NULL),
  ('https://bringatrailer.com/listing/d/', 'skipped',   NULL),
  ('https://bringatrailer.com/listing/e/', 'completed', NULL);
INSERT INTO crawl_runs (command, source, status, pages, records, failed, error, started_at, finished_at) VALUES
  ('crawl', 'dealer-site', 'failed', 3, 0, 3, 'HTTP 403 from every page',
   now() - interval '60 seconds', now() - interval '50 seconds'),
  ('crawl', 'bat-listing', 'running', 1, 2, 0, NULL, now() - interval '2 minutes', NULL),
  ('crawl', 'bat-listing', 'completed', 12, 40, 0, NULL,
   now() - interval '10 minutes', now() - interval '10 minutes' + interval '63 seconds'),
  ('crawl', 'bat-listing', 'failed', 1, 0, 1, 'timeout', now() - interval '8 days', now() - interval '8 days');
INSERT INTO crawl_runs (command, status, pages, records, started_at, finished_at)
  SELECT 'inventory process', 'completed', 1, 1, now() - h * interval '1 hour',
         now() - h * interval '1 hour' + interval '2 seconds'
    FROM generate_series(1, 9) AS h;
" >/dev/null || bail_out "cannot insert the test rows"
RUNS_BEFORE=$(psql_q "SELECT count(*) FROM crawl_runs")

# --- the human report -------------------------------------------------------------------
run "$CARVEST" status
ok_eq "status: exit 0" "$RUN_STATUS" 0
OUT=$(cat "$RUN_OUT")
ok_match "status: names the database" "$OUT" "^Database +postgresql://postgres@[^ ]+/carvest_t_status_[0-9]+ \\(schema $LATEST\\)\$"
for tc in businesses:2 vehicles:3 vehicle_listings:3 vehicle_images:4 organization_vehicles:1 \
          dealer_inventory:2; do
    ok_match "status: row count ${tc%:*} ${tc#*:}" "$OUT" "^  ${tc%:*} +${tc#*:}\$"
done
ok_match "status: queue header" "$OUT" \
    '^  QUEUE +PENDING +PROCESSING +COMPLETED +FAILED +SKIPPED +TOTAL +DUE +EXPIRED$'
ok_match "status: sync queue states, due and expired leases" "$OUT" \
    '^  organization_inventory_sync_queue +1 +2 +1 +1 +0 +5 +3 +1$'
ok_match "status: import queue states, due and expired leases" "$OUT" \
    '^  import_queue +2 +0 +1 +1 +1 +5 +1 +0$'
ok_match "status: vehicles needing a micro-scrape" "$OUT" \
    '^Vehicles needing micro-scrape +2 \(missing VIN 1, price 1, description 1\)$'
ok_match "status: runs header" "$OUT" \
    '^  STARTED +COMMAND +SOURCE +STATUS +PAGES +RECORDS +FAILED +DURATION$'
ok_eq "status: the last 10 runs" \
    "$(printf '%s\n' "$OUT" | grep -cE '^  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\+00 ')" 10
ok_match "status: the latest run first, with its duration" \
    "$(printf '%s\n' "$OUT" | grep -A1 '^  STARTED' | tail -n 1)" \
    '^  [-0-9]+ [0-9:]+\+00 +crawl +dealer-site +failed +3 +0 +3 +10\.0s$'
ok_match "status: a finished run's duration" "$OUT" 'crawl +bat-listing +completed +12 +40 +0 +1m03s$'
ok_match "status: a running run" "$OUT" 'crawl +bat-listing +running +1 +2 +0 +[0-9.]+(s|m[0-9]+s)$'
ok_match "status: runs without a source show -" "$OUT" 'inventory process +- +completed +1 +1 +0 +2\.0s$'
# Columns line up: each run's command and status start under their heading.
ok_eq "status: the runs table is aligned" "$(printf '%s\n' "$OUT" | awk '
    /^  STARTED / { c = index($0, "COMMAND"); s = index($0, "STATUS"); n = 10; next }
    n > 0 { n--; if (index($0, $3) != c || substr($0, s - 1, 1) != " " || substr($0, s, 1) == " ") bad++ }
    END { print bad + 0 }')" 0
ok_eq "status: the run of 8 days ago is not among the last 10" \
    "$(printf '%s\n' "$OUT" | grep -c 'bat-listing +failed')" 0
ok_match "status: sources header" "$OUT" \
    '^  SOURCE +LISTINGS +LAST SEEN +LAST RUN +STATUS +FAILED +RUNS +FAILED RUNS$'
ok_match "status: bat-listing health (listings, last seen, last run, 7-day runs)" "$OUT" \
    '^  bat-listing +2 +2024-03-02 11:30:00\+00 +[-0-9]+ [0-9:]+\+00 +running +0 +2 +0$'
ok_match "status: a source with listings and no runs" "$OUT" \
    '^  classic-vehicle +1 +2024-02-01 08:00:00\+00 +- +- +- +0 +0$'
ok_match "status: a source with runs and no listings" "$OUT" \
    '^  dealer-site +0 +- +[-0-9]+ [0-9:]+\+00 +failed +3 +1 +1$'
ok_eq "status: nothing on stderr" "$(cat "$RUN_ERR")" ""

# --- the JSON report -----------------------------------------------------------------------
run "$CARVEST" status --json
ok_eq "status --json: exit 0" "$RUN_STATUS" 0
ok_eq "status --json: one line" "$(wc -l <"$RUN_OUT" | tr -d ' ')" 1
ok_eq "status --json: the documented keys" "$(json_get "$RUN_OUT" 'list(d)')" \
    "['database', 'schema_version', 'migrations_applied', 'rows', 'queues', 'recent_runs', 'vehicles_needing_micro_scrape', 'sources']"
ok_eq "status --json: schema version" "$(json_get "$RUN_OUT" 'd["schema_version"]')" "$((1$LATEST - 1000))"
ok_eq "status --json: rows" "$(json_get "$RUN_OUT" 'd["rows"]')" \
    "{'businesses': 2, 'vehicles': 3, 'vehicle_listings': 3, 'vehicle_images': 4, 'organization_vehicles': 1, 'dealer_inventory': 2}"
ok_eq "status --json: sync queue" "$(json_get "$RUN_OUT" 'd["queues"]["organization_inventory_sync_queue"]')" \
    "{'pending': 1, 'processing': 2, 'completed': 1, 'failed': 1, 'skipped': 0, 'total': 5, 'due': 3, 'expired_leases': 1}"
ok_eq "status --json: import queue" "$(json_get "$RUN_OUT" 'd["queues"]["import_queue"]')" \
    "{'pending': 2, 'processing': 0, 'completed': 1, 'failed': 1, 'skipped': 1, 'total': 5, 'due': 1, 'expired_leases': 0}"
ok_eq "status --json: vehicles needing micro-scrape" \
    "$(json_get "$RUN_OUT" 'd["vehicles_needing_micro_scrape"]')" \
    "{'total': 2, 'missing_vin': 1, 'missing_price': 1, 'missing_description': 1}"
ok_eq "status --json: 10 recent runs" "$(json_get "$RUN_OUT" 'len(d["recent_runs"])')" 10
ok_eq "status --json: run keys" "$(json_get "$RUN_OUT" 'list(d["recent_runs"][0])')" \
    "['id', 'command', 'source', 'status', 'pages', 'records', 'failed', 'started_at', 'finished_at', 'duration_ms', 'error']"
ok_eq "status --json: latest run first" \
    "$(json_get "$RUN_OUT" '[(r["source"], r["status"]) for r in d["recent_runs"][:3]]')" \
    "[('dealer-site', 'failed'), ('bat-listing', 'running'), ('bat-listing', 'completed')]"
ok_eq "status --json: run numbers, duration and error" \
    "$(json_get "$RUN_OUT" '[d["recent_runs"][0][k] for k in ("pages", "records", "failed", "duration_ms", "error")]')" \
    "[3, 0, 3, 10000, 'HTTP 403 from every page']"
ok_eq "status --json: a completed run lasted 63 s" "$(json_get "$RUN_OUT" 'd["recent_runs"][2]["duration_ms"]')" 63000
ok_eq "status --json: a running run has no finish time" \
    "$(json_get "$RUN_OUT" 'd["recent_runs"][1]["finished_at"]')" None
ok_match "status --json: times are ISO 8601 UTC" "$(json_get "$RUN_OUT" 'd["recent_runs"][0]["started_at"]')" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
ok_eq "status --json: runs without a source have source null" \
    "$(json_get "$RUN_OUT" 'd["recent_runs"][3]["source"], d["recent_runs"][3]["command"]')" \
    "(None, 'inventory process')"
ok_eq "status --json: source names" "$(json_get "$RUN_OUT" '[s["source"] for s in d["sources"]]')" \
    "['bat-listing', 'classic-vehicle', 'dealer-site']"
ok_eq "status --json: source keys" "$(json_get "$RUN_OUT" 'list(d["sources"][0])')" \
    "['source', 'listings', 'last_seen_at', 'last_run_at', 'last_run_status', 'last_run_failed', 'runs_7d', 'failed_runs_7d']"
ok_eq "status --json: bat-listing health" \
    "$(json_get "$RUN_OUT" '[d["sources"][0][k] for k in ("listings", "last_seen_at", "last_run_status", "last_run_failed", "runs_7d", "failed_runs_7d")]')" \
    "[2, '2024-03-02T11:30:00Z', 'running', 0, 2, 0]"
ok_eq "status --json: classic-vehicle health (no runs)" \
    "$(json_get "$RUN_OUT" '[d["sources"][1][k] for k in ("listings", "last_run_at", "last_run_status", "runs_7d")]')" \
    "[1, None, None, 0]"
ok_eq "status --json: dealer-site health (no listings)" \
    "$(json_get "$RUN_OUT" '[d["sources"][2][k] for k in ("listings", "last_seen_at", "last_run_status", "last_run_failed", "runs_7d", "failed_runs_7d")]')" \
    "[0, None, 'failed', 3, 1, 1]"

ok_eq "status records no run and writes no row" \
    "$(psql_q "SELECT count(*) FROM crawl_runs")" "$RUNS_BEFORE"

# --- usage and an unreachable database ------------------------------------------------------
run "$CARVEST" status --help
ok_match "status --help documents the JSON keys" "$(cat "$RUN_OUT")" 'expired_leases'
run "$CARVEST" status extra
ok_eq "status with an argument: exit 2" "$RUN_STATUS" 2
run "$CARVEST" --db 'postgresql://u:s3cr3tpw@127.0.0.1:1/x' status
ok_eq "unreachable --db: exit 3" "$RUN_STATUS" 3
ok_match "unreachable --db: names the database" "$(cat "$RUN_ERR")" 'postgresql://u:\*+@127\.0\.0\.1:1/x'
ok_eq "unreachable --db: never shows the password" "$(cat "$RUN_OUT" "$RUN_ERR" | grep -c s3cr3tpw)" 0
ok_eq "unreachable --db: nothing on stdout" "$(cat "$RUN_OUT")" ""

done_testing
