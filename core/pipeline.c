/*
 * pipeline.c -- checkpoints for pipeline steps (see pipeline.h).
 *
 * Every write is one small transaction through cv_db_transaction(), so a
 * database restart in the middle of a pass is waited out like the
 * store's writes are.  The lock is a session lock: a reconnect loses it,
 * so every write takes it first (a no-op while the backend holds it) and
 * fails if another process took the step meanwhile.
 */
#include "pipeline.h"
#include "log.h"
#include "mem.h"
#include "runtime.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

/* Take the step's lock on connection c unless this backend holds it.
 * CV_DB_OK, CV_DB_FAIL (errbuf: another process holds it, or an error),
 * CV_DB_RETRY when the connection failed. */
static int lock_step(struct cv_pass *ps, PGconn *c, char *errbuf, size_t errlen)
{
    const char *v[1] = {ps->lock_key};
    PGresult *r;
    int rc = CV_DB_FAIL;

    if (ps->lock_pid && ps->lock_pid == PQbackendPID(c))
        return CV_DB_OK;
    r = PQexecParams(c, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1, NULL, v,
                     NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errlen, "cannot lock the pipeline step: %.*s",
                 (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
        if (cv_db_retryable(c, r))
            rc = CV_DB_RETRY;
    } else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        snprintf(errbuf, errlen, "another process runs this pipeline step now");
        ps->lock_pid = 0;
    } else {
        ps->lock_pid = PQbackendPID(c);
        rc = CV_DB_OK;
    }
    PQclear(r);
    return rc;
}

struct stmt {
    struct cv_pass *ps;
    const char *sql;
    int n;
    const char *const *values;
    char *out;
    size_t outlen;
};

/* The lock first (a reconnect lost it: no write without it), then the
 * statement. */
static int stmt_body(PGconn *c, void *ctx, char *errbuf, size_t errlen)
{
    struct stmt *x = ctx;
    PGresult *r;
    ExecStatusType st;
    int rc = lock_step(x->ps, c, errbuf, errlen);

    if (rc != CV_DB_OK)
        return rc;
    r = PQexecParams(c, x->sql, x->n, NULL, x->values, NULL, NULL, 0);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
        snprintf(errbuf, errlen, "pipeline checkpoint: %.*s", (int)strcspn(m, "\n"), m);
        rc = cv_db_retryable(c, r) ? CV_DB_RETRY : CV_DB_FAIL;
    } else if (x->out && x->outlen) {
        x->out[0] = '\0';
        if (PQntuples(r) && !PQgetisnull(r, 0, 0))
            snprintf(x->out, x->outlen, "%s", PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return rc;
}

/* Run a statement in its own transaction, holding the step's lock.  The
 * first row's first column goes to out when given. */
static int exec(struct cv_pass *ps, const char *sql, int n, const char *const *values,
                char *out, size_t outlen, char *errbuf, size_t errlen)
{
    struct stmt x = {ps, sql, n, values, out, outlen};

    return cv_db_transaction(&ps->db, stmt_body, &x, ps->wait_ms, errbuf, errlen) == CV_DB_OK
         ? 0 : -1;
}

/* The items an unfinished pass already finished. */
static int load_done(struct cv_pass *ps, char *errbuf, size_t errlen)
{
    const char *v[1] = {ps->id};
    PGresult *r = PQexecParams(ps->db.conn, "SELECT item FROM pipeline_items WHERE pass_id ="
                               " $1::bigint AND status IN ('done', 'skipped')", 1, NULL, v,
                               NULL, NULL, 0);
    int rc = -1;

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errlen, "cannot read the pass's items: %.*s",
                 (int)strcspn(PQerrorMessage(ps->db.conn), "\n"), PQerrorMessage(ps->db.conn));
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++)
        if (cv_strset_add(&ps->done, PQgetvalue(r, i, 0)) < 0) {
            snprintf(errbuf, errlen, "out of memory");
            goto out;
        }
    rc = 0;
out:
    PQclear(r);
    return rc;
}

int cv_pass_open(struct cv_runtime *rt, struct cv_pass *ps, const char *pipeline,
                 const char *step, const char *scope, const char *run_id, int *unreachable,
                 char *errbuf, size_t errlen)
{
    char worker[300], status[32] = "", latest[96];
    const char *v[5];
    size_t n;

    memset(ps, 0, sizeof(*ps));
    ps->rt = rt;
    ps->wait_ms = cv_db_wait_ms();
    cv_strset_init(&ps->done);
    *unreachable = 0;
    n = strlen(pipeline) + strlen(step) + 32;
    if (!(ps->lock_key = cv_malloc(n))) {
        snprintf(errbuf, errlen, "out of memory");
        return CV_PASS_ERROR;
    }
    snprintf(ps->lock_key, n, "carvest:pipeline:%s:%s", pipeline, step);
    if (cv_db_open(rt, &ps->db, errbuf, errlen) < 0) {
        *unreachable = 1;
        return CV_PASS_ERROR;
    }
    ps->connected = 1;
    if (lock_step(ps, ps->db.conn, errbuf, errlen) != CV_DB_OK) {
        if (PQstatus(ps->db.conn) != CONNECTION_OK) {
            *unreachable = 1;
            return CV_PASS_ERROR;
        }
        snprintf(errbuf, errlen, "another carvest process is running %s %s on this "
                 "database; wait for it to end (carvest status shows the running runs)",
                 pipeline, step);
        return CV_PASS_BUSY;
    }
    cv_db_worker(NULL, 0, worker, sizeof(worker));

    /* The newest pass of this scope, when it did not complete.  Holding
     * the lock, a "running" pass is one whose process died. */
    v[0] = pipeline;
    v[1] = step;
    v[2] = scope;
    if (exec(ps, "SELECT id || ' ' || status FROM pipeline_passes WHERE pipeline = $1 AND"
             " step = $2 AND scope = $3 ORDER BY id DESC LIMIT 1", 3, v, latest, sizeof(latest),
             errbuf, errlen) < 0)
        goto fail;
    if (*latest) {
        char *sp = strchr(latest, ' ');
        if (sp) {
            snprintf(status, sizeof(status), "%s", sp + 1);
            *sp = '\0';
        }
        if (strcmp(status, "completed") != 0)
            snprintf(ps->id, sizeof(ps->id), "%.20s", latest);   /* a bigint: 19 digits */
    }
    if (*ps->id) {
        ps->resumed = 1;
        if (!(ps->resumed_status = cv_strdup(status))) {
            snprintf(errbuf, errlen, "out of memory");
            goto fail;
        }
        v[0] = ps->id;
        v[1] = run_id;
        v[2] = worker;
        if (exec(ps, "UPDATE pipeline_passes SET status = 'running', finished_at = NULL,"
                 " run_id = COALESCE($2::bigint, run_id), worker = $3 WHERE id = $1::bigint",
                 3, v, NULL, 0, errbuf, errlen) < 0 || load_done(ps, errbuf, errlen) < 0)
            goto fail;
    } else {
        v[0] = pipeline;
        v[1] = step;
        v[2] = scope;
        v[3] = run_id;
        v[4] = worker;
        if (exec(ps, "INSERT INTO pipeline_passes (pipeline, step, scope, run_id, worker)"
                 " VALUES ($1, $2, $3, $4::bigint, $5) RETURNING id", 5, v, ps->id,
                 sizeof(ps->id), errbuf, errlen) < 0)
            goto fail;
    }
    return CV_PASS_OK;
fail:
    *unreachable = PQstatus(ps->db.conn) != CONNECTION_OK;
    return CV_PASS_ERROR;
}

int cv_pass_item_done(const struct cv_pass *ps, const char *item)
{
    return cv_strset_has(&ps->done, item);
}

int cv_pass_item(struct cv_pass *ps, const char *item, const char *status, const char *error,
                 json_t *detail, char *errbuf, size_t errlen)
{
    char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const char *v[5] = {ps->id, item, status, error, d};
    int rc;

    if (detail && !d) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    rc = exec(ps, "INSERT INTO pipeline_items AS i (pass_id, item, status, error, detail)"
              " VALUES ($1::bigint, $2, $3, $4, COALESCE($5::jsonb, '{}'))"
              " ON CONFLICT (pass_id, item) DO UPDATE SET status = EXCLUDED.status,"
              " error = EXCLUDED.error, detail = EXCLUDED.detail, attempts = i.attempts + 1,"
              " updated_at = now()", 5, v, NULL, 0, errbuf, errlen);
    free(d);   /* jansson's allocation */
    if (rc == 0 && (!strcmp(status, "done") || !strcmp(status, "skipped")) &&
        cv_strset_add(&ps->done, item) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        rc = -1;
    }
    return rc;
}

int cv_pass_finish(struct cv_pass *ps, const char *status, char *errbuf, size_t errlen)
{
    const char *v[2] = {ps->id, status};

    if (!*ps->id)
        return 0;
    return exec(ps, "UPDATE pipeline_passes SET status = $2, finished_at = now()"
                " WHERE id = $1::bigint", 2, v, NULL, 0, errbuf, errlen);
}

void cv_pass_close(struct cv_pass *ps)
{
    if (ps->connected)
        cv_db_close(&ps->db);   /* the session ends: so does the lock */
    cv_free(ps->lock_key);
    cv_free(ps->resumed_status);
    cv_strset_free(&ps->done);
    memset(ps, 0, sizeof(*ps));
}
