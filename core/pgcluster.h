/*
 * pgcluster.h -- the embedded default database: a private PostgreSQL
 * cluster that carvest initialises on first use, starts when it is not
 * running, and leaves running for the next command.
 *
 * It lives in <data>/postgresql, where <data> is $CARVEST_DATA_DIR, else
 * $XDG_DATA_HOME/carvest, else ~/.local/share/carvest.  PostgreSQL refuses
 * to run as root: run as root, carvest runs the server as the 'postgres'
 * system user, in /var/lib/carvest/postgresql unless CARVEST_DATA_DIR is
 * set (every folder above it must then be open to 'postgres').  The server
 * listens on a Unix socket in that directory only (or, when that path is
 * too long for a socket, in a private folder under /tmp), never on the
 * network; trust authentication is safe because only the server's user
 * (and root) can reach the socket.  Its superuser and database are both
 * 'carvest'.  Initialising and starting each say so once on stderr (an
 * INFO message); finding it running says nothing.  Concurrent processes
 * serialise on a lock file in the directory.
 *
 * The server programs (initdb, pg_ctl, postgres) are looked for in
 * $PG_BINDIR alone when it is set, else (for an existing cluster) in
 * /usr/lib/postgresql/<its version>/bin, then `pg_config --bindir`, the
 * newest /usr/lib/postgresql/N/bin, /usr/local/pgsql/bin, then PATH.
 */
#ifndef CV_PGCLUSTER_H
#define CV_PGCLUSTER_H

#include <stddef.h>

struct cv_runtime;

/* Make sure the cluster exists and runs, then give a libpq conninfo for
 * it (new string: "host=<socket dir> port=5432 dbname=carvest
 * user=carvest").  rt (may be NULL) gets the messages.  0; -1 with a
 * message in errbuf that says what to install or do (e.g. no PostgreSQL
 * server binaries found: apt-get install postgresql). */
int cv_pgcluster_conninfo(struct cv_runtime *rt, char **conninfo, char *errbuf, size_t errlen);

/* The cluster's directory for this user (new string; NULL when out of
 * memory or with no home to put it in), whether or not it exists yet. */
char *cv_pgcluster_dir(void);

/* Stop the cluster if it runs (pg_ctl stop -m fast, for tests and a
 * future `carvest db stop`); rt (may be NULL) gets a message.  0 (also
 * when there is no cluster or it was not running) or -1. */
int cv_pgcluster_stop(struct cv_runtime *rt, char *errbuf, size_t errlen);

#endif
