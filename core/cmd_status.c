/*
 * cmd_status.c -- `carvest status`: what is in the database and how the
 * work is going: row counts, queue states, the last runs, the vehicles
 * waiting for a micro-scrape, and per-source health.
 *
 * Everything is read in one read-only REPEATABLE READ transaction, so
 * the numbers agree with each other even while workers write.  The
 * report is built once as JSON; the human output is drawn from that
 * same object, so the two never disagree.
 */
#include "cli.h"
#include "db.h"
#include "mem.h"
#include "migrate.h"
#include "runtime.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"json", 0, NULL, "print one JSON object (keys: see the description above)"},
    {NULL, 0, NULL, NULL},
};

/* The tables counted under "rows", in the order shown. */
static const char *const counted[] = {
    "businesses", "vehicles", "vehicle_listings", "vehicle_images", "organization_vehicles",
    "dealer_inventory",
};
#define NCOUNTED (sizeof(counted) / sizeof(counted[0]))

static const char *const queues[] = {"organization_inventory_sync_queue", "import_queue"};
#define NQUEUES (sizeof(queues) / sizeof(queues[0]))

/* Queue states, in the order of the queues' CHECK constraint. */
static const char *const queue_states[] = {"pending", "processing", "completed", "failed",
                                           "skipped"};
#define NSTATES (sizeof(queue_states) / sizeof(queue_states[0]))

/* How long the "runs_7d" and "failed_runs_7d" of a source look back. */
#define SOURCE_WINDOW "7 days"
#define RECENT_RUNS 10

/* A timestamp as ISO 8601 UTC ("2024-05-01T12:00:00Z"), or NULL. */
#define ISO(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* What a queue row must be for a worker to claim it now: pending and due
 * (or never scheduled), failed with a retry time that has passed, or
 * processing under a lease that expired (a worker died holding it).  A
 * processing row without a lease cannot be held by anyone either. */
#define EXPIRED "status = 'processing' AND COALESCE(locked_until, '-infinity') < now()"
#define DUE                                                                                       \
    "(status = 'pending' AND COALESCE(next_run_at, '-infinity') <= now())"                        \
    " OR (status = 'failed' AND next_run_at <= now()) OR (" EXPIRED ")"

static const char rows_sql[] =
    "SELECT (SELECT count(*) FROM businesses), (SELECT count(*) FROM vehicles),"
    " (SELECT count(*) FROM vehicle_listings), (SELECT count(*) FROM vehicle_images),"
    " (SELECT count(*) FROM organization_vehicles), (SELECT count(*) FROM dealer_inventory)";

/* %s: one of queues[] (a fixed identifier, never a value). */
static const char queue_sql[] =
    "SELECT count(*) FILTER (WHERE status = 'pending'),"
    " count(*) FILTER (WHERE status = 'processing'),"
    " count(*) FILTER (WHERE status = 'completed'),"
    " count(*) FILTER (WHERE status = 'failed'),"
    " count(*) FILTER (WHERE status = 'skipped'),"
    " count(*), count(*) FILTER (WHERE " DUE "), count(*) FILTER (WHERE " EXPIRED ")"
    " FROM %s";

static const char runs_sql[] =
    "SELECT id, command, source, status, pages, records, failed, " ISO("started_at") ", "
    ISO("finished_at") ","
    " (extract(epoch FROM COALESCE(finished_at, now()) - started_at) * 1000)::bigint, error"
    " FROM crawl_runs ORDER BY started_at DESC, id DESC LIMIT $1";

static const char micro_sql[] =
    "SELECT count(*), count(*) FILTER (WHERE missing_vin), count(*) FILTER (WHERE missing_price),"
    " count(*) FILTER (WHERE missing_description)"
    " FROM vehicles_needing_micro_scrape";

/* Every source that has listings or runs: its listings and when one was
 * last seen, its latest run, and its runs and failed runs in the window. */
static const char sources_sql[] =
    "WITH l AS (SELECT source, count(*) AS listings, max(last_seen_at) AS last_seen"
    "             FROM vehicle_listings GROUP BY source),"
    " r AS (SELECT DISTINCT ON (source) source, status, started_at, failed FROM crawl_runs"
    "        WHERE source IS NOT NULL ORDER BY source, started_at DESC, id DESC),"
    " w AS (SELECT source, count(*) AS runs,"
    "              count(*) FILTER (WHERE status = 'failed') AS failed_runs"
    "        FROM crawl_runs WHERE source IS NOT NULL"
    "         AND started_at >= now() - interval '" SOURCE_WINDOW "' GROUP BY source)"
    " SELECT COALESCE(l.source, r.source) AS s, COALESCE(l.listings, 0), " ISO("l.last_seen") ","
    "  " ISO("r.started_at") ", r.status, r.failed, COALESCE(w.runs, 0), COALESCE(w.failed_runs, 0)"
    " FROM l FULL JOIN r ON r.source = l.source"
    " LEFT JOIN w ON w.source = COALESCE(l.source, r.source)"
    " ORDER BY s";

/* --- reading ---------------------------------------------------------------- */

struct collect {
    json_t *report;    /* the sections read so far */
};

static PGresult *query(PGconn *c, const char *sql, const char *what, int nparams,
                       const char *const *values, char *errbuf, size_t errlen)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, values, NULL, NULL, 0);

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        snprintf(errbuf, errlen, "cannot read %s: %s", what,
                 msg ? msg : "the database connection failed");
        PQclear(r);
        return NULL;
    }
    return r;
}

/* A cell as JSON: integer, or null when SQL NULL. */
static json_t *jint(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? json_null()
                                    : json_integer(strtoll(PQgetvalue(r, row, col), NULL, 10));
}

static json_t *jstr(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

/* Set key of o, failing on a NULL value (out of memory, bad UTF-8). */
static int put(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

static int read_rows(PGconn *c, json_t *report, char *errbuf, size_t errlen)
{
    PGresult *r = query(c, rows_sql, "the row counts", 0, NULL, errbuf, errlen);
    json_t *o = json_object();
    int rc = -1;

    if (!r || !o)
        goto out;
    for (size_t i = 0; i < NCOUNTED; i++)
        if (put(o, counted[i], jint(r, 0, (int)i)) < 0)
            goto oom;
    rc = put(report, "rows", json_incref(o));
    if (rc < 0)
        goto oom;
    goto out;
oom:
    rc = -1;
    snprintf(errbuf, errlen, "out of memory");
out:
    json_decref(o);
    PQclear(r);
    return rc;
}

static int read_queues(PGconn *c, json_t *report, char *errbuf, size_t errlen)
{
    json_t *all = json_object();
    PGresult *r = NULL;
    int rc = -1;

    if (!all)
        goto oom;
    for (size_t q = 0; q < NQUEUES; q++) {
        char sql[sizeof(queue_sql) + 64], what[96];
        json_t *o = json_object();
        snprintf(sql, sizeof(sql), queue_sql, queues[q]);
        snprintf(what, sizeof(what), "the queue %s", queues[q]);
        if (!o || put(all, queues[q], o) < 0)
            goto oom;
        r = query(c, sql, what, 0, NULL, errbuf, errlen);
        if (!r)
            goto out;
        for (size_t s = 0; s < NSTATES; s++)
            if (put(o, queue_states[s], jint(r, 0, (int)s)) < 0)
                goto oom;
        if (put(o, "total", jint(r, 0, NSTATES)) < 0 ||
            put(o, "due", jint(r, 0, NSTATES + 1)) < 0 ||
            put(o, "expired_leases", jint(r, 0, NSTATES + 2)) < 0)
            goto oom;
        PQclear(r);
        r = NULL;
    }
    if (put(report, "queues", json_incref(all)) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    snprintf(errbuf, errlen, "out of memory");
out:
    PQclear(r);
    json_decref(all);
    return rc;
}

/* The rows of r as a list of objects, one key per column (a number where
 * numeric[] says so, else text), put in report under `name`.  0, or -1
 * when memory runs out. */
static int put_rows(json_t *report, const char *name, const PGresult *r,
                    const char *const *keys, const char *numeric, int nkeys)
{
    json_t *a = json_array();

    if (!a)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o) < 0)
            goto fail;
        for (int k = 0; k < nkeys; k++)
            if (put(o, keys[k], numeric[k] ? jint(r, i, k) : jstr(r, i, k)) < 0)
                goto fail;
    }
    return put(report, name, a);
fail:
    json_decref(a);
    return -1;
}

static int read_runs(PGconn *c, json_t *report, char *errbuf, size_t errlen)
{
    static const char *const keys[] = {"id", "command", "source", "status", "pages",
                                       "records", "failed", "started_at", "finished_at",
                                       "duration_ms", "error"};
    /* numbers in columns 0, 4, 5, 6 and 9; text elsewhere */
    static const char numeric[] = {1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0};
    char limit[16];
    const char *values[1] = {limit};
    PGresult *r;
    int rc = -1;

    snprintf(limit, sizeof(limit), "%d", RECENT_RUNS);
    r = query(c, runs_sql, "the runs (crawl_runs)", 1, values, errbuf, errlen);
    if (!r)
        return -1;
    if (put_rows(report, "recent_runs", r, keys, numeric, (int)(sizeof(keys) / sizeof(*keys))) < 0)
        snprintf(errbuf, errlen, "out of memory");
    else
        rc = 0;
    PQclear(r);
    return rc;
}

static int read_micro(PGconn *c, json_t *report, char *errbuf, size_t errlen)
{
    static const char *const keys[] = {"total", "missing_vin", "missing_price",
                                       "missing_description"};
    PGresult *r = query(c, micro_sql, "vehicles_needing_micro_scrape", 0, NULL, errbuf, errlen);
    json_t *o = json_object();
    int rc = -1;

    if (!r)
        goto out;
    if (!o)
        goto oom;
    for (int k = 0; k < 4; k++)
        if (put(o, keys[k], jint(r, 0, k)) < 0)
            goto oom;
    if (put(report, "vehicles_needing_micro_scrape", json_incref(o)) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    snprintf(errbuf, errlen, "out of memory");
out:
    PQclear(r);
    json_decref(o);
    return rc;
}

static int read_sources(PGconn *c, json_t *report, char *errbuf, size_t errlen)
{
    static const char *const keys[] = {"source", "listings", "last_seen_at", "last_run_at",
                                       "last_run_status", "last_run_failed", "runs_7d",
                                       "failed_runs_7d"};
    static const char numeric[] = {0, 1, 0, 0, 0, 1, 1, 1};
    PGresult *r = query(c, sources_sql, "the per-source health", 0, NULL, errbuf, errlen);
    int rc = -1;

    if (!r)
        return -1;
    if (put_rows(report, "sources", r, keys, numeric, (int)(sizeof(keys) / sizeof(*keys))) < 0)
        snprintf(errbuf, errlen, "out of memory");
    else
        rc = 0;
    PQclear(r);
    return rc;
}

/* The transaction body: read every section into ctx->report.  Idempotent
 * (cv_db_transaction may run it again after a reconnect). */
static int collect(PGconn *c, void *vctx, char *errbuf, size_t errlen)
{
    struct collect *x = vctx;

    /* One snapshot for every query; first statement of the transaction. */
    if (cv_db_exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", errbuf,
                   errlen) < 0)
        return CV_DB_FAIL;
    if (read_rows(c, x->report, errbuf, errlen) < 0 ||
        read_queues(c, x->report, errbuf, errlen) < 0 ||
        read_runs(c, x->report, errbuf, errlen) < 0 ||
        read_micro(c, x->report, errbuf, errlen) < 0 ||
        read_sources(c, x->report, errbuf, errlen) < 0)
        return CV_DB_FAIL;
    return CV_DB_OK;
}

/* --- the human report ----------------------------------------------------- */

/* A table of text cells printed in aligned columns. */
struct table {
    size_t ncol;
    const char *align;     /* 'l' or 'r' per column */
    char **cells;          /* row-major; the first row is the header */
    size_t nrows, cap;
    int oom;
};

static void table_init(struct table *t, size_t ncol, const char *align)
{
    memset(t, 0, sizeof(*t));
    t->ncol = ncol;
    t->align = align;
}

/* Add a row of t->ncol strings (NULL shows as "-"). */
static void table_row(struct table *t, ...)
{
    va_list ap;

    if (t->oom)
        return;
    if ((t->nrows + 1) * t->ncol > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->ncol * 8;
        char **cells = cv_realloc(t->cells, cap * sizeof(*cells));
        if (!cells) {
            t->oom = 1;
            return;
        }
        t->cells = cells;
        t->cap = cap;
    }
    va_start(ap, t);
    for (size_t i = 0; i < t->ncol; i++) {
        const char *s = va_arg(ap, const char *);
        char *copy = cv_strdup(s ? s : "-");
        if (!copy)
            t->oom = 1;
        t->cells[t->nrows * t->ncol + i] = copy;
    }
    va_end(ap);
    t->nrows++;
}

static void table_print(const struct table *t)
{
    size_t width[16] = {0};

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncol && i < 16; i++) {
            const char *s = t->cells[r * t->ncol + i];
            size_t n = s ? strlen(s) : 0;
            if (n > width[i])
                width[i] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        printf(" ");
        for (size_t i = 0; i < t->ncol && i < 16; i++) {
            const char *s = t->cells[r * t->ncol + i];
            int last = i + 1 == t->ncol;
            if (t->align[i] == 'r')
                printf(" %*s", (int)width[i], s ? s : "");
            else if (last)
                printf(" %s", s ? s : "");
            else
                printf(" %-*s", (int)width[i], s ? s : "");
            if (!last)
                printf(" ");
        }
        printf("\n");
    }
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncol; i++)
        cv_free(t->cells[i]);
    cv_free(t->cells);
}

/* A JSON number or string as text into buf; NULL for null/absent. */
static const char *text(json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v)) {
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        /* ISO 8601 UTC as PostgreSQL shows it: 2024-05-01 12:00:00+00 */
        if (n == 20 && s[10] == 'T' && s[19] == 'Z')
            snprintf(buf, len, "%.10s %.8s+00", s, s + 11);
        else
            snprintf(buf, len, "%s", s);
        return buf;
    }
    return NULL;
}

/* A duration for people: 850ms, 12.3s, 4m05s, 2h07m. */
static const char *duration(json_t *ms_json, char *buf, size_t len)
{
    long long ms;

    if (!json_is_integer(ms_json))
        return NULL;
    ms = json_integer_value(ms_json);
    if (ms < 1000)
        snprintf(buf, len, "%lldms", ms);
    else if (ms < 60000)
        snprintf(buf, len, "%lld.%llds", ms / 1000, ms % 1000 / 100);
    else if (ms < 3600000)
        snprintf(buf, len, "%lldm%02llds", ms / 60000, ms / 1000 % 60);
    else
        snprintf(buf, len, "%lldh%02lldm", ms / 3600000, ms / 60000 % 60);
    return buf;
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Key of a report object as table text, in the scratch buffer b[n]. */
#define CELL(obj, key, n) text(json_object_get((obj), (key)), b[n], sizeof(b[n]))

static int print_human(json_t *rep)
{
    json_t *rows = json_object_get(rep, "rows"), *qs = json_object_get(rep, "queues");
    json_t *runs = json_object_get(rep, "recent_runs"), *src = json_object_get(rep, "sources");
    json_t *micro = json_object_get(rep, "vehicles_needing_micro_scrape");
    struct table t;
    char b[8][256];
    size_t i;
    json_t *v;
    int oom = 0;

    printf("Database  %s (schema %03d)\n", json_string_value(json_object_get(rep, "database")),
           (int)json_integer_value(json_object_get(rep, "schema_version")));

    printf("\nRows\n");
    table_init(&t, 2, "lr");
    for (i = 0; i < NCOUNTED; i++)
        table_row(&t, counted[i], CELL(rows, counted[i], 0));
    table_print(&t);
    oom |= t.oom;
    table_free(&t);

    printf("\nQueues (due: claimable now; expired: processing with an expired lease)\n");
    table_init(&t, 9, "lrrrrrrrr");
    table_row(&t, "QUEUE", "PENDING", "PROCESSING", "COMPLETED", "FAILED", "SKIPPED", "TOTAL",
              "DUE", "EXPIRED");
    for (i = 0; i < NQUEUES; i++) {
        json_t *q = json_object_get(qs, queues[i]);
        table_row(&t, queues[i], CELL(q, "pending", 0), CELL(q, "processing", 1),
                  CELL(q, "completed", 2), CELL(q, "failed", 3), CELL(q, "skipped", 4),
                  CELL(q, "total", 5), CELL(q, "due", 6), CELL(q, "expired_leases", 7));
    }
    table_print(&t);
    oom |= t.oom;
    table_free(&t);

    printf("\nVehicles needing micro-scrape  %s (missing VIN %s, price %s, description %s)\n",
           or_dash(CELL(micro, "total", 0)), or_dash(CELL(micro, "missing_vin", 1)),
           or_dash(CELL(micro, "missing_price", 2)),
           or_dash(CELL(micro, "missing_description", 3)));

    if (!json_array_size(runs)) {
        printf("\nLast runs  none yet\n");
    } else {
        printf("\nLast runs (latest first)\n");
        table_init(&t, 8, "llllrrrl");
        table_row(&t, "STARTED", "COMMAND", "SOURCE", "STATUS", "PAGES", "RECORDS", "FAILED",
                  "DURATION");
        json_array_foreach(runs, i, v) {
            table_row(&t, CELL(v, "started_at", 0), CELL(v, "command", 1), CELL(v, "source", 2),
                      CELL(v, "status", 3), CELL(v, "pages", 4), CELL(v, "records", 5),
                      CELL(v, "failed", 6),
                      duration(json_object_get(v, "duration_ms"), b[7], sizeof(b[7])));
        }
        table_print(&t);
        oom |= t.oom;
        table_free(&t);
    }

    if (!json_array_size(src)) {
        printf("\nSources  none yet\n");
    } else {
        printf("\nSources (runs and failed runs: last " SOURCE_WINDOW ")\n");
        table_init(&t, 8, "lrlllrrr");
        table_row(&t, "SOURCE", "LISTINGS", "LAST SEEN", "LAST RUN", "STATUS", "FAILED", "RUNS",
                  "FAILED RUNS");
        json_array_foreach(src, i, v) {
            table_row(&t, CELL(v, "source", 0), CELL(v, "listings", 1),
                      CELL(v, "last_seen_at", 2), CELL(v, "last_run_at", 3),
                      CELL(v, "last_run_status", 4), CELL(v, "last_run_failed", 5),
                      CELL(v, "runs_7d", 6), CELL(v, "failed_runs_7d", 7));
        }
        table_print(&t);
        oom |= t.oom;
        table_free(&t);
    }
    return oom ? -1 : 0;
}

/* --- the command ------------------------------------------------------------ */

/* The schema must be current: migrate it, or with --dry-run (which
 * writes nothing) check that nothing is pending.  0, or an exit status. */
static int ensure_schema(struct cv_runtime *rt, struct cv_db *db, int *applied)
{
    char err[1024];
    size_t n;
    const struct cv_migration *m = cv_migrations(&n);

    *applied = 0;
    if (rt->opt.dry_run) {
        struct cv_migration_state *st = cv_calloc(n ? n : 1, sizeof(*st));
        int unknown = 0, pending = 0, got;
        if (!st) {
            cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
            return CV_EXIT_PARTIAL;
        }
        got = cv_migrate_status(db->conn, st, n, &unknown, err, sizeof(err));
        for (int i = 0; i < got; i++)
            pending += !st[i].applied;
        cv_free(st);
        if (got < 0) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
            return PQstatus(db->conn) != CONNECTION_OK ? CV_EXIT_DB : CV_EXIT_PARTIAL;
        }
        if (pending) {
            cv_log(&rt->log, CV_LOG_ERROR,
                   "the database schema is not up to date (%d migration%s pending) and "
                   "--dry-run writes nothing: run carvest db migrate",
                   pending, pending == 1 ? "" : "s");
            return CV_EXIT_PARTIAL;
        }
        return 0;
    }
    if (cv_migrate(db->conn, applied, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        return PQstatus(db->conn) != CONNECTION_OK ? CV_EXIT_DB : CV_EXIT_PARTIAL;
    }
    for (size_t i = n - (size_t)*applied; i < n; i++)
        cv_log(&rt->log, CV_LOG_INFO, "applied migration %03d %s", m[i].version, m[i].name);
    return 0;
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    int json = cv_cmdline_get(cl, "json") != NULL;
    struct cv_db db;
    struct collect x = {NULL};
    char err[1024];
    size_t n;
    const struct cv_migration *m = cv_migrations(&n);
    int applied = 0, rc;

    if (cl->npos)
        return cv_usage_error(rt, &cv_cmd_status, "status takes no arguments ('%s' given)",
                              cl->pos[0]);
    if (cv_db_open(rt, &db, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        return CV_EXIT_DB;
    }
    rc = ensure_schema(rt, &db, &applied);
    if (rc)
        goto out;
    x.report = json_object();
    if (!x.report || put(x.report, "database", json_string(db.shown)) < 0 ||
        put(x.report, "schema_version", json_integer(n ? m[n - 1].version : 0)) < 0 ||
        put(x.report, "migrations_applied", json_integer(applied)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    if (cv_db_transaction(&db, collect, &x, 5000, err, sizeof(err)) != CV_DB_OK) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        rc = !db.conn || PQstatus(db.conn) != CONNECTION_OK ? CV_EXIT_DB : CV_EXIT_PARTIAL;
        goto out;
    }
    if (json) {
        char *s = json_dumps(x.report, JSON_PRESERVE_ORDER | JSON_COMPACT);
        if (!s) {
            cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
            rc = CV_EXIT_PARTIAL;
            goto out;
        }
        printf("%s\n", s);
        free(s);   /* jansson's allocation */
    } else if (print_human(x.report) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    rc = CV_EXIT_OK;
out:
    fflush(stdout);
    json_decref(x.report);
    cv_db_close(&db);
    return rc;
}

const struct cv_command cv_cmd_status = {
    .name = "status",
    .args = "[--json]",
    .summary = "row counts, queue states, recent runs, vehicles needing work, source health",
    .description =
        "Show what the database holds and how the work is going. It applies pending schema "
        "migrations first, like every command that needs the schema (with --dry-run it "
        "applies none and fails when some are pending). All numbers come from one "
        "consistent snapshot. Sections: the row counts of businesses, vehicles, "
        "vehicle_listings, vehicle_images, organization_vehicles and dealer_inventory; for "
        "the queues organization_inventory_sync_queue and import_queue the rows in each "
        "state (pending, processing, completed, failed, skipped), how many are due (a "
        "worker may claim them now: pending rows whose next_run_at has passed or is unset, "
        "failed rows whose retry time next_run_at has passed, and processing rows whose "
        "lease expired) and how many processing rows hold an expired lease (or none: a "
        "worker died holding them); the last 10 runs from crawl_runs (started, command, "
        "source, status, pages, records, failed, duration); the vehicles listed by the view "
        "vehicles_needing_micro_scrape, with how many miss a VIN, a price, a description; "
        "and per source (of vehicle_listings and crawl_runs) its listings, when one was "
        "last seen, its last run (time, status, items failed) and its runs and failed "
        "runs in the last 7 days. Times are UTC. "
        "With --json the report is one JSON object with the keys: database (where, "
        "password masked), schema_version, migrations_applied (by this command), rows "
        "(an object: table name to count), queues (an object: queue name to an object "
        "with pending, processing, completed, failed, skipped, total, due, "
        "expired_leases), recent_runs (an array, latest first, of objects with id, "
        "command, source, status, pages, records, failed, started_at, finished_at, "
        "duration_ms, error), vehicles_needing_micro_scrape (an object with total, "
        "missing_vin, missing_price, missing_description) and sources (an array, by "
        "name, of objects with source, listings, last_seen_at, last_run_at, "
        "last_run_status, last_run_failed, runs_7d, failed_runs_7d). Times are ISO 8601 "
        "UTC strings, absent values null. A running run's duration_ms is its time so far. "
        "Exit status: 0 shown; 1 a migration failed or was refused, or a query failed; "
        "3 the database is unreachable.",
    .opts = opts,
    .run = run,
};
