/*
 * db.c -- the PostgreSQL connection (see db.h).
 */
#include "db.h"
#include "buf.h"
#include "mem.h"
#include "pgcluster.h"
#include "runtime.h"
#include "str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* libpq's environment variables: any of them set means "use libpq's
 * defaults", the third choice of DESIGN.md section 3. */
static const char *const pg_env[] = {
    "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
    "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE", "PGOPTIONS",
};

/* Server notices (NOTICE: relation exists...) go to the debug log, not
 * straight to stderr as libpq would print them. */
static void on_notice(void *arg, const char *message)
{
    struct cv_runtime *rt = arg;
    size_t n = strlen(message);

    if (rt)
        cv_log(&rt->log, CV_LOG_DEBUG, "postgresql: %.*s", (int)(n && message[n - 1] == '\n' ? n - 1 : n),
               message);
}

/* First line of libpq's error message, for one-line diagnostics. */
static void first_line(const char *msg, char *out, size_t outlen)
{
    size_t n = strcspn(msg ? msg : "", "\n");

    snprintf(out, outlen, "%.*s", (int)n, msg ? msg : "");
}

/* Calls found(ctx, start, len) for each password in conninfo, in order:
 * in a URI, user:PASSWORD@ and the query's password=VALUE; in keyword=value
 * form, the value of password, inside its quotes when quoted (libpq
 * allows spaces around '=' and \-escapes in any value).  A malformed
 * string is read the way that hides more: the last '@' ends a URI's user
 * part even when a password holds an unencoded '/' or '?', and a bare
 * "password" keyword's next word counts as its value.  0, or what found
 * returned when not 0. */
typedef int (*secret_fn)(void *ctx, const char *start, size_t len);

static int find_secrets(const char *conninfo, secret_fn found, void *ctx)
{
    const char *p = conninfo;
    int rc;

    if (cv_starts_with(p, "postgresql://") || cv_starts_with(p, "postgres://")) {
        const char *auth = strstr(p, "://") + 3;
        const char *at = strrchr(auth, '@');
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        p = auth;
        if (colon) {
            if ((rc = found(ctx, colon + 1, (size_t)(at - colon - 1))) != 0)
                return rc;
            p = at;
        }
        while ((p = strstr(p, "password="))) {
            if (p[-1] == '?' || p[-1] == '&') {
                size_t n = strcspn(p + 9, "&");
                if ((rc = found(ctx, p + 9, n)) != 0)
                    return rc;
                p += n;
            }
            p += 9;
        }
        return 0;
    }
    while (*p) {
        const char *kw, *v;
        size_t klen;
        int secret;
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        kw = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        klen = (size_t)(p - kw);
        secret = klen == 8 && !strncmp(kw, "password", 8);
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '=')
            for (p++; isspace((unsigned char)*p); p++)
                ;
        else if (!secret)
            continue;
        v = p;
        if (*p == '\'') {
            for (v = ++p; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
        } else {
            for (; *p && !isspace((unsigned char)*p); p++)
                if (*p == '\\' && p[1])
                    p++;
        }
        if (secret && (rc = found(ctx, v, (size_t)(p - v))) != 0)
            return rc;
        if (*p == '\'')
            p++;
    }
    return 0;
}

struct mask {
    struct cv_buf b;
    const char *from;    /* what is not copied yet */
};

static int mask_one(void *ctx, const char *start, size_t len)
{
    struct mask *m = ctx;

    if (cv_buf_append(&m->b, m->from, (size_t)(start - m->from)) < 0 || cv_buf_puts(&m->b, "***") < 0)
        return -1;
    m->from = start + len;
    return 0;
}

char *cv_db_mask(const char *conninfo)
{
    struct mask m;

    if (!conninfo)
        return NULL;
    cv_buf_init(&m.b, CV_BUF_UNLIMITED);
    m.from = conninfo;
    if (find_secrets(conninfo, mask_one, &m) < 0 || cv_buf_puts(&m.b, m.from) < 0) {
        cv_buf_free(&m.b);
        return NULL;
    }
    return cv_buf_take(&m.b);
}

/* libpq quotes pieces of a malformed conninfo in its messages (`invalid
 * percent-encoded token: "..."`, a whole URI, or the part of a password
 * before an unencoded '/' read as a port), so a message about a conninfo
 * loses: every occurrence of a password of it (of 3 bytes or more: a
 * shorter one would garble the message), and every "quoted" piece that is
 * a password or (3 bytes or more) a part of one. */
struct scrub {
    char *msg;
    size_t size;
};

static int scrub_one(void *ctx, const char *secret, size_t slen)
{
    struct scrub *s = ctx;
    char out[1024];
    size_t o = 0;
    const char *m = s->msg;

    if (!slen)
        return 0;
    while (*m && o + 6 < sizeof(out)) {
        const char *q;
        if (slen >= 3 && !strncmp(m, secret, slen)) {
            memcpy(out + o, "***", 3);
            o += 3;
            m += slen;
        } else if (*m == '"' && (q = strchr(m + 1, '"')) &&
                   (((size_t)(q - m - 1) == slen && !strncmp(m + 1, secret, slen)) ||
                    (q - m - 1 >= 3 && memmem(secret, slen, m + 1, (size_t)(q - m - 1))))) {
            memcpy(out + o, "\"***\"", 5);
            o += 5;
            m = q + 1;
        } else {
            out[o++] = *m++;
        }
    }
    out[o] = '\0';
    snprintf(s->msg, s->size, "%s", out);
    return 0;
}

/* First line of a connection's error message, with conninfo's passwords
 * scrubbed. */
static void conn_error(PGconn *c, const char *conninfo, char *out, size_t outlen)
{
    struct scrub s = {out, outlen};

    first_line(c ? PQerrorMessage(c) : "out of memory", out, outlen);
    find_secrets(conninfo, scrub_one, &s);
}

static int any_pg_env(void)
{
    for (size_t i = 0; i < sizeof(pg_env) / sizeof(pg_env[0]); i++) {
        const char *v = getenv(pg_env[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

static PGconn *connect_to(struct cv_runtime *rt, const char *conninfo)
{
    /* expand_dbname: the conninfo may be a URI or keyword=value string.
     * Later keys override earlier ones: our defaults come before the
     * user's conninfo, the encoding (carvest's text is UTF-8) after it. */
    const char *const keys[] = {"fallback_application_name", "connect_timeout", "dbname",
                                "client_encoding", NULL};
    const char *const values[] = {"carvest", "10", conninfo, "UTF8", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 1);

    if (c)
        PQsetNoticeProcessor(c, on_notice, rt);
    return c;
}

int cv_db_open(struct cv_runtime *rt, struct cv_db *db, char *errbuf, size_t errlen)
{
    const char *env = getenv("DATABASE_URL");
    char msg[512];

    memset(db, 0, sizeof(*db));
    db->rt = rt;
    if (rt->opt.db_url && *rt->opt.db_url) {
        db->origin = CV_DB_FROM_OPTION;
        db->conninfo = cv_strdup(rt->opt.db_url);
    } else if (env && *env) {
        db->origin = CV_DB_FROM_ENV_URL;
        db->conninfo = cv_strdup(env);
    } else if (any_pg_env()) {
        db->origin = CV_DB_FROM_PGENV;
        db->conninfo = cv_strdup("");
    } else {
        db->origin = CV_DB_FROM_EMBEDDED;
        if (cv_pgcluster_conninfo(rt, &db->conninfo, errbuf, errlen) < 0)
            goto fail;
    }
    if (!db->conninfo)
        goto oom;
    db->shown = db->origin == CV_DB_FROM_PGENV ? cv_strdup("(PG* environment variables)")
                                               : cv_db_mask(db->conninfo);
    if (!db->shown)
        goto oom;
    db->conn = connect_to(rt, db->conninfo);
    if (!db->conn)
        goto oom;
    if (PQstatus(db->conn) != CONNECTION_OK) {
        conn_error(db->conn, db->conninfo, msg, sizeof(msg));
        snprintf(errbuf, errlen, "cannot connect to the database %s: %s", db->shown, msg);
        goto fail;
    }
    cv_log(&rt->log, CV_LOG_DEBUG, "connected to the database %s", db->shown);
    return 0;
oom:
    snprintf(errbuf, errlen, "out of memory");
fail:
    cv_db_close(db);
    return -1;
}

void cv_db_close(struct cv_db *db)
{
    if (db->conn)
        PQfinish(db->conn);
    cv_free(db->conninfo);
    cv_free(db->shown);
    db->conn = NULL;
    db->conninfo = db->shown = NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Reconnect, with backoff, when the connection is known to be lost. */
static int reconnect(struct cv_db *db, long wait_ms, char *errbuf, size_t errlen)
{
    long long deadline = cv_now_ms() + wait_ms;
    long pause = 100;
    int told = 0;
    char msg[512];

    while (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        long long left;
        if (!told) {
            cv_log(&db->rt->log, CV_LOG_WARN, "lost the database connection; reconnecting to %s",
                   db->shown);
            told = 1;
        }
        if (db->conn)
            PQreset(db->conn);
        else
            db->conn = connect_to(db->rt, db->conninfo);
        if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
            break;
        left = deadline - cv_now_ms();
        if (left <= 0) {
            conn_error(db->conn, db->conninfo, msg, sizeof(msg));
            snprintf(errbuf, errlen, "the database %s stayed unreachable past the reconnect "
                     "window: %s", db->shown, msg);
            return -1;
        }
        sleep_ms(pause < left ? pause : (long)left);
        pause = pause * 2 < 5000 ? pause * 2 : 5000;
    }
    if (told)
        cv_log(&db->rt->log, CV_LOG_INFO, "reconnected to the database %s", db->shown);
    return 0;
}

void cv_db_worker(char *host, size_t hostlen, char *worker, size_t workerlen)
{
    char h[256];

    if (gethostname(h, sizeof(h)) < 0)
        snprintf(h, sizeof(h), "localhost");
    h[sizeof(h) - 1] = '\0';
    if (host)
        snprintf(host, hostlen, "%s", h);
    snprintf(worker, workerlen, "%s:%ld", h, (long)getpid());
}

long cv_db_wait_ms(void)
{
    const char *w = getenv("CARVEST_DB_WAIT_MS");
    char *end;
    long v;

    if (!w || !*w)
        return 60000;
    v = strtol(w, &end, 10);
    return !*end && v >= 0 ? v : 60000;
}

int cv_db_ensure(struct cv_db *db, long wait_ms, char *errbuf, size_t errlen)
{
    /* PQstatus tells what the last exchange found: an idle connection to
     * a server that restarted since still reads CONNECTION_OK.  Ask. */
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        PQclear(PQexec(db->conn, ""));
    return reconnect(db, wait_ms, errbuf, errlen);
}

int cv_db_retryable(PGconn *c, const PGresult *r)
{
    const char *state;

    if (!c || PQstatus(c) != CONNECTION_OK)
        return 1;
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return 0;
    return !strcmp(state, "40001") || !strcmp(state, "40P01") || !strncmp(state, "08", 2) ||
           !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03");
}

int cv_db_exec(PGconn *c, const char *sql, char *errbuf, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);

    if (!ok) {
        char msg[512];
        first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c), msg, sizeof(msg));
        snprintf(errbuf, errlen, "%s", *msg ? msg : "the database connection failed");
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* COMMIT, telling a retryable failure from a final one. */
static int commit(PGconn *c, char *errbuf, size_t errlen)
{
    PGresult *r = PQexec(c, "COMMIT");
    int rc = CV_DB_OK;

    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[512];
        first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c), msg, sizeof(msg));
        snprintf(errbuf, errlen, "COMMIT failed: %s", msg);
        rc = cv_db_retryable(c, r) ? CV_DB_RETRY : CV_DB_FAIL;
    }
    PQclear(r);
    return rc;
}

int cv_db_transaction(struct cv_db *db, cv_db_body body, void *ctx, long wait_ms,
                      char *errbuf, size_t errlen)
{
    long long deadline = cv_now_ms() + wait_ms;
    long pause = 50;

    for (;;) {
        int rc;
        long left = (long)(deadline - cv_now_ms());

        /* no probe: a dead connection fails BEGIN, and that is retried */
        if (reconnect(db, left > 0 ? left : 0, errbuf, errlen) < 0)
            return CV_DB_FAIL;
        if (cv_db_exec(db->conn, "BEGIN", errbuf, errlen) < 0) {
            rc = cv_db_retryable(db->conn, NULL) ? CV_DB_RETRY : CV_DB_FAIL;
        } else {
            rc = body(db->conn, ctx, errbuf, errlen);
            if (rc == CV_DB_FAIL && cv_db_retryable(db->conn, NULL))
                rc = CV_DB_RETRY;   /* the body failed because the connection did */
            if (rc == CV_DB_OK)
                rc = commit(db->conn, errbuf, errlen);
        }
        if (rc == CV_DB_OK)
            return CV_DB_OK;
        if (PQstatus(db->conn) == CONNECTION_OK) {
            PGresult *r = PQexec(db->conn, "ROLLBACK");
            PQclear(r);
        }
        if (rc == CV_DB_FAIL || cv_now_ms() >= deadline) {
            if (rc != CV_DB_FAIL)
                cv_log(&db->rt->log, CV_LOG_ERROR, "giving up on a transaction: %s", errbuf);
            return CV_DB_FAIL;
        }
        cv_log(&db->rt->log, CV_LOG_DEBUG, "retrying a transaction: %s", errbuf);
        sleep_ms(pause);
        pause = pause < 2000 ? pause * 2 : 2000;
    }
}

struct query {
    const char *sql;
    int n;
    const char *const *values;
    PGresult *res;
};

static int query_body(PGconn *c, void *ctx, char *errbuf, size_t errlen)
{
    struct query *x = ctx;
    PGresult *r = PQexecParams(c, x->sql, x->n, NULL, x->values, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        int retry = cv_db_retryable(c, r);
        first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c), msg, sizeof(msg));
        snprintf(errbuf, errlen, "%s", *msg ? msg : "the database connection failed");
        PQclear(r);
        return retry ? CV_DB_RETRY : CV_DB_FAIL;
    }
    PQclear(x->res);   /* an earlier attempt's, rolled back */
    x->res = r;
    return CV_DB_OK;
}

int cv_db_query(struct cv_db *db, long wait_ms, const char *sql, int n,
                const char *const *values, PGresult **out, char *errbuf, size_t errlen)
{
    struct query x = {sql, n, values, NULL};

    if (out)
        *out = NULL;
    if (cv_db_transaction(db, query_body, &x, wait_ms, errbuf, errlen) != CV_DB_OK) {
        PQclear(x.res);
        return -1;
    }
    if (out)
        *out = x.res;
    else
        PQclear(x.res);
    return 0;
}
