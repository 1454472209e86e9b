#!/bin/sh
# t_pgcluster.sh -- the embedded default database, end to end through the
# carvest binary: with nothing configured the first command that needs the
# database creates a private cluster and says so once; later runs are
# silent; the server listens on a socket in the cluster folder and on no
# TCP port, and runs as 'postgres' when carvest runs as root; a stopped
# cluster is started again; two carvest processes starting it at once do
# not race; no server binaries is a clear error (exit 3); a password in
# --db or DATABASE_URL never shows.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

require_carvest
unset DATABASE_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD \
    PGPASSFILE PGSERVICE PGSERVICEFILE PGSSLMODE PGOPTIONS PG_BINDIR
bindir=$(pg_bindir) || skip_all "no PostgreSQL server binaries (apt-get install postgresql)"

# As root the server runs as 'postgres', which must reach the cluster.
chmod 755 "$SCRATCH"
CARVEST_DATA_DIR=$SCRATCH/data
export CARVEST_DATA_DIR
cluster=$CARVEST_DATA_DIR/postgresql
race=$SCRATCH/race/postgresql

# There is no `carvest db stop`: pg_ctl, as the server's user.
stop_cluster() {    # CLUSTER_DIR
    [ -f "$1/data/postmaster.pid" ] || return 0
    _as_pg "$bindir/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null 2>&1
}
_stop_then_cleanup() {
    _st=$?
    stop_cluster "$cluster"
    stop_cluster "$race"
    (exit "$_st")    # _lib_cleanup exits with $?
    _lib_cleanup
}
trap _stop_then_cleanup EXIT

if [ "$(id -u)" -eq 0 ]; then
    server_user=postgres
else
    server_user=$(id -un)
fi

# The postmaster's TCP listening sockets, from /proc (ss and netstat are
# not everywhere): prints "SOCKETS LISTENING".
TCP_PY='
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if target.startswith("socket:["):
        inodes.add(target[8:-1])
listening = 0
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:
                    listening += 1
    except FileNotFoundError:
        pass
print(len(inodes), listening)
'

created="carvest: no database configured: created a private PostgreSQL cluster in $cluster (give --db or DATABASE_URL to use another)"

# ---------------------------------------------------------- first use
run "$CARVEST" db migrate
ok_eq "the first command that needs the database succeeds" "$RUN_STATUS" 0 || diag_file "$RUN_ERR"
ok_eq "it says it created the cluster, once" \
    "$(grep -c 'PostgreSQL cluster' "$RUN_ERR")" 1
ok_eq "in those words" "$(grep -Fxc "$created" "$RUN_ERR")" 1
ok "the cluster is initialised" test -f "$cluster/data/PG_VERSION"

run "$CARVEST" db status
ok_eq "the second run succeeds" "$RUN_STATUS" 0 || diag_file "$RUN_ERR"
ok_eq "and says nothing about the cluster" "$(grep -c 'PostgreSQL cluster' "$RUN_ERR")" 0
run "$CARVEST" db migrate
ok_eq "nor does a third" "$(grep -c 'PostgreSQL cluster' "$RUN_ERR")" 0

# ------------------------------------------------------------ the server
pid=$(head -n 1 "$cluster/data/postmaster.pid" 2>/dev/null)
ok "the server runs" kill -0 "${pid:-0}"
# (ps -o user= cuts long names short)
ok_eq "as $server_user" "$(stat -c %U "/proc/${pid:-0}" 2>/dev/null)" "$server_user"
ok "its socket is in the cluster folder" test -S "$cluster/.s.PGSQL.5432"
ok_eq "postmaster.pid names that folder as its socket folder" \
    "$(sed -n 5p "$cluster/data/postmaster.pid")" "$cluster"
ok_eq "and no listen address" "$(sed -n 6p "$cluster/data/postmaster.pid" | tr -d ' ')" ""
# shellcheck disable=SC2046  # two numbers
set -- $("$PYTHON3" -c "$TCP_PY" "${pid:-0}" 2>/dev/null)
ok "the server has sockets (${1:-none})" test "${1:-0}" -gt 0
ok_eq "none of them listens on TCP" "${2:-unknown}" 0
ok_eq "the cluster folder is closed to others" "$(stat -c %a "$cluster")" 700
ok_eq "and belongs to $server_user" "$(stat -c %U "$cluster")" "$server_user"
ok_eq "psql reaches it on the socket" \
    "$(psql "host=$cluster dbname=carvest user=carvest" -XAtqc 'select current_user' 2>&1)" carvest

# ------------------------------------------------- stopped, started again
stop_cluster "$cluster"
ok_not "stopped" test -S "$cluster/.s.PGSQL.5432"
run "$CARVEST" db status
ok_eq "a command after a stop succeeds" "$RUN_STATUS" 0 || diag_file "$RUN_ERR"
ok_eq "and says it started the cluster, once" \
    "$(grep -c "^carvest: started the private PostgreSQL cluster in $cluster\$" "$RUN_ERR")" 1
ok_eq "and nothing else about it" "$(grep -c 'PostgreSQL cluster' "$RUN_ERR")" 1

# -------------------------------------------------------- two at once
mkdir -p "$SCRATCH/race"
chmod 755 "$SCRATCH/race"
CARVEST_DATA_DIR=$SCRATCH/race "$CARVEST" db status >"$SCRATCH/race.1.out" 2>"$SCRATCH/race.1.err" &
p1=$!
CARVEST_DATA_DIR=$SCRATCH/race "$CARVEST" db status >"$SCRATCH/race.2.out" 2>"$SCRATCH/race.2.err" &
p2=$!
st1=0; wait "$p1" || st1=$?
st2=0; wait "$p2" || st2=$?
ok_eq "two processes starting a new cluster at once both succeed" "$st1 $st2" "0 0" ||
    { diag_file "$SCRATCH/race.1.err"; diag_file "$SCRATCH/race.2.err"; }
ok_eq "and only one of them created it" \
    "$(cat "$SCRATCH/race.1.err" "$SCRATCH/race.2.err" | grep -c 'created a private PostgreSQL cluster')" 1
stop_cluster "$race"

# --------------------------------------------------- no server binaries
nobin=$SCRATCH/nobin
run env CARVEST_DATA_DIR="$nobin" PG_BINDIR=/nonexistent "$CARVEST" db migrate
ok_eq "no PostgreSQL server binaries: exit 3" "$RUN_STATUS" 3
ok_match "with a clear error" "$(cat "$RUN_ERR")" \
    'no database configured and no PostgreSQL server installed: install one \(apt-get install postgresql\) or give --db / DATABASE_URL'
ok_not "and no folder made" test -e "$nobin"

# -------------------------------------------------- passwords never show
for db in 'postgresql://u:s3cr3tpw@127.0.0.1:1/x' 'host=127.0.0.1 port=1 user=u password=s3cr3tpw' \
          'postgresql://u:s3cr3tpw%zz@127.0.0.1:1/x' 'postgresql://u:s3cr3tpw@[::1/x'; do
    run "$CARVEST" -v --db "$db" db migrate
    ok_eq "--db '$db': exit 3" "$RUN_STATUS" 3
    ok_eq "and the password shows nowhere" "$(cat "$RUN_OUT" "$RUN_ERR" | grep -c s3cr3tpw)" 0 ||
        diag_file "$RUN_ERR"
    run env DATABASE_URL="$db" "$CARVEST" -v db status
    ok_eq "DATABASE_URL='$db': exit 3" "$RUN_STATUS" 3
    ok_eq "and the password shows nowhere" "$(cat "$RUN_OUT" "$RUN_ERR" | grep -c s3cr3tpw)" 0 ||
        diag_file "$RUN_ERR"
done
run "$CARVEST" --db 'postgresql://u:s3cr3tpw@127.0.0.1:1/x' db migrate
ok_eq "the error shows the masked URL" "$(grep -Fc 'postgresql://u:***@127.0.0.1:1/x' "$RUN_ERR")" 1

done_testing
