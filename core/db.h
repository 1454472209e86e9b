/*
 * db.h -- the PostgreSQL connection: finding it, connecting, reconnecting,
 * and transactions that survive a server restart.
 *
 * Where the database is (DESIGN.md section 3): --db (command line or
 * config file), else $DATABASE_URL, else libpq's PG* environment
 * variables when any is set, else the embedded default cluster
 * (pgcluster.h).  A password never appears in a message: conninfo is
 * what libpq gets, `shown` is what people read.
 */
#ifndef CV_DB_H
#define CV_DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct cv_runtime;

enum cv_db_origin {
    CV_DB_FROM_OPTION = 1,     /* --db or the config file's db */
    CV_DB_FROM_ENV_URL,        /* $DATABASE_URL */
    CV_DB_FROM_PGENV,          /* PGHOST, PGDATABASE, ... */
    CV_DB_FROM_EMBEDDED        /* the private cluster */
};

struct cv_db {
    struct cv_runtime *rt;
    PGconn *conn;
    char *conninfo;            /* may hold a password: never print it */
    char *shown;               /* conninfo with any password masked */
    enum cv_db_origin origin;
};

/* Find the database, start the embedded cluster if that is the one, and
 * connect.  0; -1 with a password-free message in errbuf (the caller
 * exits 3, "database unreachable"). */
int cv_db_open(struct cv_runtime *rt, struct cv_db *db, char *errbuf, size_t errlen);
void cv_db_close(struct cv_db *db);

/* How this process names itself in the tables' worker columns:
 * "host:pid"; host (may be NULL) gets the host name alone. */
void cv_db_worker(char *host, size_t hostlen, char *worker, size_t workerlen);

/* How long a lost database is waited for before giving up, in ms:
 * $CARVEST_DB_WAIT_MS when it is a number, else 60000. */
long cv_db_wait_ms(void);

/* Make sure the connection works, reconnecting with backoff (and a notice)
 * for up to wait_ms when the server went away.  0 or -1. */
int cv_db_ensure(struct cv_db *db, long wait_ms, char *errbuf, size_t errlen);

/* What a transaction body returns. */
enum {
    CV_DB_OK = 0,
    CV_DB_FAIL = -1,           /* give up: errbuf says why */
    CV_DB_RETRY = 1            /* transient: run the whole body again */
};
typedef int (*cv_db_body)(PGconn *c, void *ctx, char *errbuf, size_t errlen);

/* Run body between BEGIN and COMMIT.  When the connection drops, or the
 * body or COMMIT meets a serialization failure or a deadlock (or the body
 * returns CV_DB_RETRY), roll back, reconnect if needed and run the body
 * again, for up to wait_ms.  The body must therefore be idempotent (every
 * write an upsert): a connection lost while COMMIT's answer was on its
 * way looks like a failure even though the commit happened, and the body
 * then runs a second time.  CV_DB_OK or CV_DB_FAIL. */
int cv_db_transaction(struct cv_db *db, cv_db_body body, void *ctx, long wait_ms,
                      char *errbuf, size_t errlen);

/* One parameterised statement in a transaction of its own, retried like
 * cv_db_transaction.  *out (when out is not NULL) gets the result, the
 * caller's to PQclear.  0, or -1 with the server's message in errbuf. */
int cv_db_query(struct cv_db *db, long wait_ms, const char *sql, int n,
                const char *const *values, PGresult **out, char *errbuf, size_t errlen);

/* Is this outcome worth a retry: a lost connection, or SQLSTATE 40001,
 * 40P01, 57P01..57P03, 08xxx?  r may be NULL. */
int cv_db_retryable(PGconn *c, const PGresult *r);

/* conninfo (URI or keyword=value) with any password replaced by "***".
 * New string, NULL when out of memory. */
char *cv_db_mask(const char *conninfo);

/* Run a statement that returns nothing; 0, or -1 with the server's
 * message in errbuf.  Convenience for schema and bookkeeping work. */
int cv_db_exec(PGconn *c, const char *sql, char *errbuf, size_t errlen);

#endif
