# lib.sh -- helpers for carvest's shell integration tests.  -*- sh -*-
#
# Sourced (not run) by tests/t_*.sh, which automake's TAP driver runs.  POSIX
# sh (dash, bash, busybox ash); needs only the python interpreter the build
# found.  Environment: PYTHON3 (default python3), top_srcdir (default: the
# parent of the test script's folder), top_builddir, CARVEST (the binary).
# KEEP_SCRATCH=1 keeps the scratch folder for a look after the run.  Checks
# return non-zero when they fail, so tests should not run under set -e.
#
#   . "$top_srcdir/tests/lib.sh"
#   start_fixture_server "$top_srcdir/tests/fixtures/sites" \
#       --slash-redirect bringatrailer.com || bail_out "no fixture server"
#   ok "crawl runs" "$CARVEST" --map-origin "$FIXTURE_MAP" crawl bat-member URL
#   ok_eq "one request" "$(log_count /bringatrailer.com/)" 1
#   done_testing
#
# TAP:       ok NAME CMD...            pass when CMD exits 0 (its output is
#                                      shown as diagnostics when it fails)
#            ok_not NAME CMD...        pass when CMD exits non-zero
#            ok_eq NAME GOT WANT       string equality
#            ok_match NAME STRING ERE  some line of STRING matches ERE
#            pass NAME / fail NAME     record a result directly
#            skip NAME WHY             a skipped check
#            diag MSG... / diag_file FILE   "# " comment lines
#            skip_all WHY              skip the whole test (before any check)
#            bail_out WHY              abort the test run
#            done_testing              print the plan, exit 1 if any failed
# Scratch:   $SCRATCH                  this test's scratch folder (made now,
#                                      removed at exit)
#            mktemp_dir                print a new empty folder under $SCRATCH
#            run CMD...                run CMD; RUN_STATUS, $RUN_OUT, $RUN_ERR
#            require_carvest           skip_all unless $CARVEST is executable
# Server:    start_fixture_server ROOT [SERVER ARGS...]
#                                      sets FIXTURE_PORT FIXTURE_URL FIXTURE_LOG
#                                      FIXTURE_MAP FIXTURE_PID FIXTURE_STDOUT
#                                      FIXTURE_STDERR; the log is
#                                      $SCRATCH/requests.jsonl (requests.N.jsonl
#                                      for the Nth server of a test)
#            stop_fixture_server [PID] SIGTERM it; returns its exit status
# BaT world: gen_big_member DIR        generate the big BaT member reserve416
#                                      (tests/fixtures/gen_bat_member.py:
#                                      member page, 60 listings, DIR/bat-rest.json,
#                                      DIR/expected.jsonl) into DIR
#            start_bat_server [SERVER ARGS...]
#                                      start_fixture_server over
#                                      tests/fixtures/sites plus the big member
#                                      (generated once per test into
#                                      $BIG_MEMBER), with --bat-rest for
#                                      tests/fixtures/bat-rest.json and
#                                      $BIG_MEMBER/bat-rest.json
# Postgres:  require_pg [--private]   give the test its own empty database and
#                                      export DATABASE_URL: on the server in
#                                      $CARVEST_TEST_PG (a superuser URI; set by
#                                      scripts/test) or on a private cluster
#                                      started for this test (skip_all when no
#                                      server binaries are installed)
#            pg_new_db SUFFIX           make another empty database on the same
#                                      server; its URI in PG_NEW_DB (dropped
#                                      at exit)
#            psql_q SQL                 run SQL on $DATABASE_URL, print rows
#                                      unaligned (-XAt), fail on error
#                                      (--private: always a cluster of its own)
#            pg_restart                restart the private cluster
#            pg_bindir                 print the PostgreSQL server binary folder
# Log:       log_query [-f LOG] [PYTHON [ARGS...]]
#                                      run PYTHON (or stdin) over the log
#            log_count [PREFIX]        requests whose path starts with PREFIX
#            log_min_gap_ms HOST       smallest gap between two requests to HOST

# 'local' is not POSIX but every sh that runs the tests has it.
# shellcheck disable=SC3043

: "${PYTHON3:=python3}"
if [ -z "${top_srcdir:-}" ]; then
    top_srcdir=$(dirname "$0")/..
fi
top_srcdir=$(cd "$top_srcdir" && pwd) || {
    echo "Bail out! top_srcdir is not a folder"; exit 1; }
: "${top_builddir:=$top_srcdir}"
top_builddir=$(cd "$top_builddir" && pwd) || {
    echo "Bail out! top_builddir is not a folder"; exit 1; }
export PYTHON3 top_srcdir top_builddir

# Requests to the fixture server must never go through a proxy.
no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}
NO_PROXY=$no_proxy
export no_proxy NO_PROXY

FIXTURE_SERVER_PY=$top_srcdir/tests/server/fixture_server.py

_tap_n=0
_tap_failed=0
_tap_planned=
_fixture_pids=
_fixture_count=0
BIG_MEMBER=            # the generated big member (start_bat_server)

# ------------------------------------------------------------------ TAP

diag() {
    printf '%s\n' "$*" | sed 's/^/# /'
}

diag_file() {
    [ -s "$1" ] && sed -n '1,40s/^/#   /p' "$1"
    return 0
}

_tap_result() {    # STATUS(0 = pass) NAME [DIRECTIVE]
    local name="$2"
    _tap_n=$((_tap_n + 1))
    case $name in *'#'*) name=$(printf '%s' "$name" | sed 's/#/\\#/g') ;; esac
    if [ "$1" -eq 0 ]; then
        printf 'ok %d - %s%s\n' "$_tap_n" "$name" "${3:+ # $3}"
    else
        _tap_failed=$((_tap_failed + 1))
        printf 'not ok %d - %s\n' "$_tap_n" "$name"
    fi
    return "$1"
}

pass() { _tap_result 0 "$1"; }
fail() { _tap_result 1 "$1"; }
skip() { _tap_result 0 "$1" "SKIP ${2:-}"; }

ok() {
    local name="$1" st=0
    shift
    "$@" >"$SCRATCH/.ok.out" 2>&1 || st=$?
    _tap_result "$st" "$name" && return 0
    diag "  command failed (exit $st): $*"
    diag_file "$SCRATCH/.ok.out"
    return 1
}

ok_not() {
    local name="$1" st=0
    shift
    "$@" >"$SCRATCH/.ok.out" 2>&1 || st=$?
    if [ "$st" -ne 0 ]; then
        _tap_result 0 "$name"
        return 0
    fi
    _tap_result 1 "$name"
    diag "  command succeeded but should have failed: $*"
    diag_file "$SCRATCH/.ok.out"
    return 1
}

ok_eq() {
    if [ "$2" = "$3" ]; then
        _tap_result 0 "$1"
        return 0
    fi
    _tap_result 1 "$1"
    diag "  got:  '$2'"
    diag "  want: '$3'"
    return 1
}

ok_match() {
    if printf '%s\n' "$2" | grep -Eq -- "$3"; then
        _tap_result 0 "$1"
        return 0
    fi
    _tap_result 1 "$1"
    diag "  string: '$(printf '%s' "$2" | head -c 2000)'"
    diag "  does not match: /$3/"
    return 1
}

skip_all() {
    printf '1..0 # SKIP %s\n' "$*"
    _tap_planned=1
    exit 0
}

bail_out() {
    printf 'Bail out! %s\n' "$*"
    _tap_planned=1
    exit 1
}

done_testing() {
    printf '1..%d\n' "$_tap_n"
    _tap_planned=1
    [ "$_tap_failed" -eq 0 ] || {
        diag "failed $_tap_failed of $_tap_n"
        exit 1
    }
    exit 0
}

# -------------------------------------------------------------- scratch

mktemp_dir() {
    mktemp -d "$SCRATCH/d.XXXXXX"
}

# shellcheck disable=SC2034  # RUN_STATUS is for the caller
run() {
    RUN_OUT=$SCRATCH/run.out
    RUN_ERR=$SCRATCH/run.err
    RUN_STATUS=0
    "$@" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_STATUS=$?
    return 0
}

require_carvest() {
    if [ -z "${CARVEST:-}" ] || [ ! -x "$CARVEST" ]; then
        skip_all "carvest binary not built (CARVEST='${CARVEST:-}')"
    fi
}

_lib_cleanup() {
    local st=$? pid
    for pid in $_fixture_pids; do
        stop_fixture_server "$pid" >/dev/null 2>&1
    done
    _pg_cleanup
    if [ -n "$_tap_n" ] && [ "$_tap_n" -gt 0 ] && [ -z "$_tap_planned" ]; then
        diag "the test stopped after $_tap_n checks, before done_testing"
    fi
    if [ -n "${KEEP_SCRATCH:-}" ]; then
        diag "scratch kept: $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
    exit "$st"
}

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/carvest-$(basename "$0" .sh).XXXXXX") || {
    echo "Bail out! cannot make a scratch folder under ${TMPDIR:-/tmp}"; exit 1; }
export SCRATCH
trap _lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------- fixture server

# Polls until the server wrote its port and answers /__health; prints the
# port.  Gives up after 10 s, or at once when the server process ended.
_FIXTURE_WAIT_PY='
import http.client, os, sys, time
pid, portfile = int(sys.argv[1]), sys.argv[2]

def alive():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

deadline = time.monotonic() + 10
while time.monotonic() < deadline and alive():
    try:
        with open(portfile) as f:
            port = int(f.read())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/__health")
        if conn.getresponse().status == 200:
            print(port)
            sys.exit(0)
    except (OSError, ValueError, http.client.HTTPException):
        pass
    time.sleep(0.02)
sys.exit(1)
'

start_fixture_server() {
    local root="$1" n log base port
    shift
    _fixture_count=$((_fixture_count + 1))
    n=$_fixture_count
    base=$SCRATCH/fixture.$n
    log=$SCRATCH/requests.jsonl
    [ "$n" -eq 1 ] || log=$SCRATCH/requests.$n.jsonl
    "$PYTHON3" "$FIXTURE_SERVER_PY" --root "$root" --port 0 \
        --portfile "$base.port" --log "$log" "$@" \
        </dev/null >"$base.out" 2>"$base.err" &
    FIXTURE_PID=$!
    _fixture_pids="$_fixture_pids $FIXTURE_PID"
    if ! port=$("$PYTHON3" -c "$_FIXTURE_WAIT_PY" "$FIXTURE_PID" "$base.port"); then
        diag "fixture server did not start (root $root, args: $*); its stderr:"
        diag_file "$base.err"
        stop_fixture_server "$FIXTURE_PID" >/dev/null 2>&1
        return 1
    fi
    FIXTURE_PORT=$port
    FIXTURE_URL=http://127.0.0.1:$port
    FIXTURE_LOG=$log
    FIXTURE_MAP="https://*=http://127.0.0.1:$port/{host}"
    FIXTURE_STDOUT=$base.out
    FIXTURE_STDERR=$base.err
    export FIXTURE_PORT FIXTURE_URL FIXTURE_LOG FIXTURE_MAP FIXTURE_PID \
        FIXTURE_STDOUT FIXTURE_STDERR
}

stop_fixture_server() {
    local pid="${1:-${FIXTURE_PID:-}}" st=0 watchdog p rest=
    [ -n "$pid" ] || return 0
    case " $_fixture_pids " in *" $pid "*) ;; *) return 0 ;; esac
    for p in $_fixture_pids; do
        [ "$p" = "$pid" ] || rest="$rest $p"
    done
    _fixture_pids=$rest
    kill -TERM "$pid" 2>/dev/null
    "$PYTHON3" -c 'import os, sys, time
time.sleep(5)
os.kill(int(sys.argv[1]), 9)' "$pid" >/dev/null 2>&1 &
    watchdog=$!
    wait "$pid" || st=$?
    kill -KILL "$watchdog" 2>/dev/null    # may still be a shell: no trap
    wait "$watchdog" 2>/dev/null
    return "$st"
}

# ------------------------------------------------------------ BaT world

gen_big_member() {
    "$PYTHON3" "$top_srcdir/tests/fixtures/gen_bat_member.py" "$1"
}

start_bat_server() {
    if [ -z "${BIG_MEMBER:-}" ] || [ ! -f "$BIG_MEMBER/bat-rest.json" ]; then
        BIG_MEMBER=$SCRATCH/big-member
        gen_big_member "$BIG_MEMBER" || {
            diag "gen_bat_member.py failed"
            return 1
        }
        export BIG_MEMBER
    fi
    start_fixture_server "$top_srcdir/tests/fixtures/sites" --root "$BIG_MEMBER" \
        --bat-rest "$top_srcdir/tests/fixtures/bat-rest.json" \
        --bat-rest "$BIG_MEMBER/bat-rest.json" "$@"
}

# --------------------------------------------------------- request log

# The code runs with: reqs (the log's entries, in order), args (the extra
# arguments), by_host(host), gaps_ms(host) (gaps between consecutive
# arrivals at host, in ms, in time order), count(prefix="") and the modules
# json and sys.  A missing log is an empty one.
_LOG_QUERY_PY='
import json, sys
log, code, args = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    with open(log, encoding="utf-8") as f:
        reqs = [json.loads(line) for line in f if line.strip()]
except FileNotFoundError:
    reqs = []

def by_host(host):
    return [r for r in reqs if r["host"] == host]

def gaps_ms(host):
    ts = sorted(r["t"] for r in by_host(host))
    return [round((b - a) * 1000) for a, b in zip(ts, ts[1:])]

def count(prefix=""):
    return sum(1 for r in reqs if r["path"].startswith(prefix))

exec(compile(code or sys.stdin.read(), "log_query", "exec"))
'

log_query() {    # [-f LOG] [CODE [ARGS...]]
    local log="${FIXTURE_LOG:-}" code=
    if [ "${1:-}" = "-f" ]; then
        log=$2
        shift 2
    fi
    if [ $# -gt 0 ]; then
        code=$1
        shift
    fi
    "$PYTHON3" -c "$_LOG_QUERY_PY" "$log" "$code" "$@"
}

log_count() {
    log_query 'print(count(args[0]))' "${1:-}"
}

log_min_gap_ms() {
    log_query 'g = gaps_ms(args[0]); print(min(g) if g else "none")' "$1"
}

# ------------------------------------------------------------ PostgreSQL

_pg_private=          # folder of this test's private cluster, if any
_pg_db=               # database made on a shared server, dropped at exit
_pg_base=             # superuser URI of the server in use
_pg_extra_dbs=        # more databases made by pg_new_db

pg_bindir() {
    local d
    for d in ${PG_BINDIR:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r) \
             /usr/local/pgsql/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    d=$(command -v initdb 2>/dev/null) || return 1
    dirname "$d"
}

# The server refuses to run as root: as root, run it as 'postgres', from
# a folder it can enter.
_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_free_port() {
    "$PYTHON3" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A private throwaway cluster (the recipe of research/env.md): trust
# auth, loopback only, no durability.  Sets _pg_base.
_pg_start_private() {
    local bindir dir port
    bindir=$(pg_bindir) || return 1
    dir=$(mktemp -d /tmp/carvest-pg.XXXXXX) || return 1
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    _pg_private=$dir
    port=$(_free_port)
    if ! _as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 &&
       ! _as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
            --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
        diag_file "$dir/initdb.log"
        return 1
    fi
    echo "$port" >"$dir/port"
    if ! _as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
            "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null 2>&1; then
        diag_file "$dir/server.log"
        return 1
    fi
    _pg_base="postgresql://postgres@127.0.0.1:$port/postgres"
}

require_pg() {    # [--private]: a cluster of the test's own (pg_restart works)
    if [ -n "${CARVEST_TEST_PG:-}" ] && [ "${1:-}" != "--private" ]; then
        _pg_base=$CARVEST_TEST_PG
    elif ! pg_bindir >/dev/null; then
        skip_all "no PostgreSQL server binaries (apt-get install postgresql)"
    elif ! _pg_start_private; then
        bail_out "cannot start a PostgreSQL cluster for the test"
    fi
    _pg_db="carvest_$(basename "$0" .sh | tr -c 'a-z0-9_\n' _)_$$"
    psql "$_pg_base" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $_pg_db" >/dev/null ||
        bail_out "cannot create the test database"
    DATABASE_URL="${_pg_base%/*}/$_pg_db"
    export DATABASE_URL
    # Only what the test asks for: no stray PG* variable picks another server.
    unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE
}

# Another empty database on the test's server, for a second, independent
# run: its URI goes to PG_NEW_DB (not printed: a command substitution's
# subshell would forget it must be dropped at exit).
pg_new_db() {    # SUFFIX ([a-z0-9_])
    local name
    name="${_pg_db}_$1"
    psql "$_pg_base" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $name" >/dev/null ||
        bail_out "cannot create the database $name"
    _pg_extra_dbs="$_pg_extra_dbs $name"
    PG_NEW_DB="${_pg_base%/*}/$name"
}

psql_q() {
    psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

pg_restart() {
    local bindir
    [ -n "$_pg_private" ] || return 1
    bindir=$(pg_bindir) || return 1
    _as_pg "$bindir/pg_ctl" -D "$_pg_private/data" -m fast -w -t 60 restart \
        -l "$_pg_private/server.log" >/dev/null 2>&1
}

_pg_cleanup() {
    local bindir db
    if [ -n "$_pg_db" ] && [ -z "$_pg_private" ] && [ -n "$_pg_base" ]; then
        for db in $_pg_db $_pg_extra_dbs; do
            psql "$_pg_base" -XAtq -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
        done
    fi
    if [ -n "$_pg_private" ]; then
        bindir=$(pg_bindir)
        [ -n "$bindir" ] && _as_pg "$bindir/pg_ctl" -D "$_pg_private/data" -m immediate -w stop \
            >/dev/null 2>&1
        rm -rf "$_pg_private"
    fi
    return 0
}
