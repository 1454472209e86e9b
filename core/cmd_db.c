/*
 * cmd_db.c -- `carvest db migrate` and `carvest db status`: apply and
 * show the schema migrations built into the binary (migrate.h).
 */
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "mem.h"
#include "migrate.h"
#include "runtime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"json", 0, NULL, "db status: one JSON object per line: version, name, state, applied_at"},
    {NULL, 0, NULL, NULL},
};

/* One line of `db status`. */
struct row {
    int version;
    const char *name;
    const char *state;         /* applied, pending, changed, unknown */
    const char *applied_at;    /* "YYYY-MM-DD HH:MM:SS+00", or "" */
};

/* The exit status for a failure after connecting: the connection went
 * away (3), or the database answered with an error (1). */
static int failure_status(const struct cv_db *db)
{
    return !db->conn || PQstatus(db->conn) != CONNECTION_OK ? CV_EXIT_DB : CV_EXIT_PARTIAL;
}

/* "2024-05-01 12:00:00+00" -> "2024-05-01T12:00:00Z" (ISO 8601 for JSON). */
static void iso_time(const char *pg, char *out, size_t outlen)
{
    size_t n = strlen(pg);

    if (n == 22 && pg[10] == ' ' && !strcmp(pg + 19, "+00"))
        snprintf(out, outlen, "%.10sT%.8sZ", pg, pg + 11);
    else
        snprintf(out, outlen, "%s", pg);
}

static void print_json_row(const struct row *r)
{
    char iso[48];
    json_t *o;
    char *line;

    iso_time(r->applied_at, iso, sizeof(iso));
    o = json_pack("{s:i, s:s, s:s, s:o}", "version", r->version, "name", r->name, "state", r->state,
                  "applied_at", *r->applied_at ? json_string(iso) : json_null());
    line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (line)
        printf("%s\n", line);
    free(line);   /* jansson's allocation */
    json_decref(o);
}

/* The rows of versions the database recorded but this binary does not
 * know (a newer carvest applied them): version, name, applied_at. */
static PGresult *unknown_rows(PGconn *c, char *errbuf, size_t errlen)
{
    size_t n;
    const struct cv_migration *m = cv_migrations(&n);
    struct cv_buf known;
    const char *values[1];
    PGresult *r = NULL;

    /* The known versions as an int[] literal, sent as a parameter. */
    cv_buf_init(&known, CV_BUF_UNLIMITED);
    if (cv_buf_putc(&known, '{') < 0)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (cv_buf_printf(&known, "%s%d", i ? "," : "", m[i].version) < 0)
            goto oom;
    if (cv_buf_putc(&known, '}') < 0)
        goto oom;
    values[0] = cv_buf_str(&known);
    r = PQexecParams(c,
                     "SELECT version, name,"
                     " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'"
                     " FROM carvest_migrations WHERE version <> ALL ($1::integer[])"
                     " ORDER BY version",
                     1, NULL, values, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        snprintf(errbuf, errlen, "cannot read the migrations table: %s",
                 msg ? msg : "the database connection failed");
        PQclear(r);
        r = NULL;
    }
    cv_buf_free(&known);
    return r;
oom:
    snprintf(errbuf, errlen, "out of memory");
    cv_buf_free(&known);
    return NULL;
}

static int db_status(struct cv_runtime *rt, struct cv_db *db, int json)
{
    size_t n;
    struct cv_migration_state *st = NULL;
    struct row *rows = NULL;
    PGresult *unk = NULL;
    size_t nrows = 0, namew = 4;
    int unknown = 0, changed = 0, pending = 0, got, rc;
    char err[1024];

    cv_migrations(&n);
    st = cv_calloc(n ? n : 1, sizeof(*st));
    if (!st) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    got = cv_migrate_status(db->conn, st, n, &unknown, err, sizeof(err));
    if (got >= 0 && unknown > 0 && !(unk = unknown_rows(db->conn, err, sizeof(err))))
        got = -1;
    if (got < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        rc = failure_status(db);
        goto out;
    }
    rows = cv_calloc((size_t)got + (unk ? (size_t)PQntuples(unk) : 0) + 1, sizeof(*rows));
    if (!rows) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    for (int i = 0; i < got; i++) {
        struct row *r = &rows[nrows++];
        r->version = st[i].version;
        r->name = st[i].name;
        r->applied_at = st[i].applied ? st[i].applied_at : "";
        r->state = !st[i].applied ? "pending" : st[i].changed ? "changed" : "applied";
        pending += !st[i].applied;
        changed += st[i].changed;
    }
    for (int i = 0; unk && i < PQntuples(unk); i++) {
        struct row *r = &rows[nrows++];
        r->version = atoi(PQgetvalue(unk, i, 0));
        r->name = PQgetvalue(unk, i, 1);
        r->applied_at = PQgetvalue(unk, i, 2);
        r->state = "unknown";
    }
    for (size_t i = 0; i < nrows; i++)
        if (strlen(rows[i].name) > namew)
            namew = strlen(rows[i].name);
    if (!json)
        printf("%-7s  %-*s  %-7s  %s\n", "VERSION", (int)namew, "NAME", "STATE", "APPLIED");
    for (size_t i = 0; i < nrows; i++) {
        if (json)
            print_json_row(&rows[i]);
        else
            printf("%03d      %-*s  %-7s  %s\n", rows[i].version, (int)namew, rows[i].name,
                   rows[i].state, *rows[i].applied_at ? rows[i].applied_at : "-");
    }
    fflush(stdout);
    if (changed)
        cv_log(&rt->log, CV_LOG_WARN,
               "%d applied migration%s changed since %s applied: never edit an applied "
               "migration, add a new one (carvest db migrate refuses this database)",
               changed, changed == 1 ? " was" : "s were", changed == 1 ? "it was" : "they were");
    if (unknown)
        cv_log(&rt->log, CV_LOG_WARN,
               "the database has %d migration%s this carvest does not know: a newer carvest "
               "migrated it; use that version",
               unknown, unknown == 1 ? "" : "s");
    else if (pending && !changed)
        cv_log(&rt->log, CV_LOG_INFO, "%d migration%s pending: run carvest db migrate", pending,
               pending == 1 ? "" : "s");
    rc = CV_EXIT_OK;
out:
    PQclear(unk);
    cv_free(rows);
    cv_free(st);
    return rc;
}

/* --dry-run: say what would be applied, apply nothing. */
static int db_migrate_dry(struct cv_runtime *rt, struct cv_db *db)
{
    size_t n;
    struct cv_migration_state *st = NULL;
    int unknown = 0, got, would = 0, rc = CV_EXIT_OK;
    char err[1024];

    cv_migrations(&n);
    st = cv_calloc(n ? n : 1, sizeof(*st));
    if (!st) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        return CV_EXIT_PARTIAL;
    }
    got = cv_migrate_status(db->conn, st, n, &unknown, err, sizeof(err));
    if (got < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        rc = failure_status(db);
        goto out;
    }
    for (int i = 0; i < got; i++)
        if (st[i].changed) {
            cv_log(&rt->log, CV_LOG_ERROR,
                   "migration %03d (%s) was changed after it was applied: never edit an applied "
                   "migration, add a new one",
                   st[i].version, st[i].name);
            rc = CV_EXIT_PARTIAL;
        }
    if (unknown) {
        cv_log(&rt->log, CV_LOG_ERROR,
               "the database has %d migration%s this carvest does not know: a newer carvest "
               "migrated it; use that version (carvest db status lists the migrations)",
               unknown, unknown == 1 ? "" : "s");
        rc = CV_EXIT_PARTIAL;
    }
    if (rc != CV_EXIT_OK)
        goto out;
    for (int i = 0; i < got; i++)
        if (!st[i].applied) {
            printf("would apply %03d %s\n", st[i].version, st[i].name);
            would++;
        }
    if (!would)
        printf("schema is up to date (%zu migration%s)\n", n, n == 1 ? "" : "s");
out:
    cv_free(st);
    return rc;
}

static int db_migrate(struct cv_runtime *rt, struct cv_db *db)
{
    size_t n;
    const struct cv_migration *m = cv_migrations(&n);
    int applied = 0;
    char err[1024];

    if (rt->opt.dry_run)
        return db_migrate_dry(rt, db);
    if (cv_migrate(db->conn, &applied, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        /* cv_migrate stops at the first failure: what it applied before
         * that is committed. */
        if (applied)
            cv_log(&rt->log, CV_LOG_INFO, "%d migration%s applied before the failure", applied,
                   applied == 1 ? " was" : "s were");
        return failure_status(db);
    }
    /* Once cv_migrate succeeds every known migration is applied, and the
     * ones this process applied are the last `applied` of them: it
     * applies in order and refuses a gap. */
    for (size_t i = n - (size_t)applied; i < n; i++)
        printf("applied %03d %s\n", m[i].version, m[i].name);
    if (!applied)
        printf("schema is up to date (%zu migration%s)\n", n, n == 1 ? "" : "s");
    return CV_EXIT_OK;
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    const char *sub = cl->npos ? cl->pos[0] : NULL;
    int json = cv_cmdline_get(cl, "json") != NULL;
    struct cv_db db;
    char err[1024];
    int rc;

    if (!sub)
        return cv_usage_error(rt, &cv_cmd_db, "db needs a subcommand: migrate or status");
    if (strcmp(sub, "migrate") != 0 && strcmp(sub, "status") != 0)
        return cv_usage_error(rt, &cv_cmd_db, "unknown db subcommand '%s' (migrate or status)",
                              sub);
    if (cl->npos > 1)
        return cv_usage_error(rt, &cv_cmd_db, "db %s takes no arguments ('%s' given)", sub,
                              cl->pos[1]);
    if (json && strcmp(sub, "status") != 0)
        return cv_usage_error(rt, &cv_cmd_db, "--json goes with db status");
    if (cv_db_open(rt, &db, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        return CV_EXIT_DB;
    }
    rc = !strcmp(sub, "migrate") ? db_migrate(rt, &db) : db_status(rt, &db, json);
    cv_db_close(&db);
    return rc;
}

const struct cv_command cv_cmd_db = {
    .name = "db",
    .args = "migrate | status [--json]",
    .summary = "apply or show the database schema migrations",
    .description =
        "The database schema is a list of numbered migrations built into carvest. "
        "db migrate applies the pending ones in order, each in its own transaction "
        "together with its row in the carvest_migrations table, and prints one line per "
        "migration applied (applied 001 initial) or that the schema is up to date. It is "
        "idempotent and safe to run from several processes at once: a PostgreSQL advisory "
        "lock makes the others wait, then find nothing left to do. Commands that need the "
        "schema (status, crawl, ...) migrate by themselves. With --dry-run it lists what it "
        "would apply. It refuses a database where an applied migration was changed (never "
        "edit an applied migration, add a new one) or where a newer carvest applied "
        "migrations this one does not know. "
        "db status lists every migration, VERSION NAME STATE APPLIED, and never writes "
        "(an empty database shows every migration pending). STATE is applied; pending "
        "(not applied yet); changed (applied, but the text built into this carvest differs "
        "from the text applied: the checksum, md5 of the .sql file, does not match); or "
        "unknown (recorded in the database but not built into this carvest: a newer "
        "carvest applied it). APPLIED is the time it was applied, in UTC. With --json "
        "each migration is a JSON object on its own line with keys version (number), name, "
        "state and applied_at (ISO 8601 UTC, null when pending). "
        "Exit status: 0 done (db status: reported, whatever the states; changed and unknown "
        "ones are also warned about on stderr); 1 a migration failed or was refused, the "
        "message names it; 2 usage error; 3 the database is unreachable.",
    .opts = opts,
    .run = run,
};
