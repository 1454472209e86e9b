/*
 * migrate.c -- applying the schema migrations built into the binary
 * (see migrate.h).
 *
 * The rules:
 *  - every migration is applied in its own transaction together with its
 *    carvest_migrations row, so a migration is either applied and recorded
 *    or neither;
 *  - a session advisory lock (MIGRATE_LOCK_KEY) is taken before reading
 *    what is applied and held until every pending migration is applied:
 *    two processes migrating at once queue on it, and the second finds
 *    nothing left to do;
 *  - the checksum of a migration is md5 of its text, computed by the
 *    server from the text passed as a bytea parameter (so it is the md5 of
 *    the .sql file's bytes, whatever the client encoding, and needs no C
 *    crypto); an applied migration whose text has changed is an error;
 *  - versions recorded in the database that this binary does not know
 *    mean a newer carvest migrated it: refuse, rather than run an old
 *    binary against a schema it does not understand.
 * Migration files must not contain transaction control (BEGIN, COMMIT):
 * this file wraps each one in a transaction.
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock that serialises migrations: the bytes "carvest" plus
 * 'M' read as a big-endian 64-bit integer (0x636172766573744d).  Advisory
 * locks are per database, so migrating two databases of one server in
 * parallel does not wait.  Anything else that locks this key on a carvest
 * database waits for migrations and makes them wait. */
#define MIGRATE_LOCK_KEY "7161130735329571917"

/* Type OIDs of the parameters we send (pg_type.h is a server header). */
enum { OID_BYTEA = 17, OID_INT4 = 23, OID_TEXT = 25 };

#define CHECKSUM_LEN 32   /* md5 as hex */

/* The server's message for a failed statement, one line, no "ERROR:". */
static void pg_message(PGconn *c, const PGresult *r, char *out, size_t outlen)
{
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    size_t n;

    if (!msg || !*msg)
        msg = PQerrorMessage(c);
    if (!msg || !*msg)
        msg = "the database connection failed";
    n = strcspn(msg, "\n");
    snprintf(out, outlen, "%.*s", (int)n, msg);
}

/* Run a statement without parameters; 0, or -1 with "<what>: <message>". */
static int exec_simple(PGconn *c, const char *sql, const char *what, char *errbuf, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);

    if (!ok) {
        char msg[512];
        pg_message(c, r, msg, sizeof(msg));
        snprintf(errbuf, errlen, "%s: %s", what, msg);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* md5 (hex) of a migration's text, computed by the server. */
static int checksum(PGconn *c, const struct cv_migration *m, char out[CHECKSUM_LEN + 1],
                    char *errbuf, size_t errlen)
{
    const Oid types[1] = {OID_BYTEA};
    const char *values[1] = {m->sql};
    const int lengths[1] = {(int)strlen(m->sql)};
    const int formats[1] = {1};   /* binary: the bytes as they are */
    PGresult *r = PQexecParams(c, "SELECT md5($1)", 1, types, values, lengths, formats, 0);
    int rc = -1;

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
        PQgetlength(r, 0, 0) != CHECKSUM_LEN) {
        char msg[512];
        pg_message(c, r, msg, sizeof(msg));
        snprintf(errbuf, errlen, "cannot compute the checksum of migration %03d (%s): %s",
                 m->version, m->name, msg);
        goto out;
    }
    memcpy(out, PQgetvalue(r, 0, 0), CHECKSUM_LEN + 1);
    rc = 0;
out:
    PQclear(r);
    return rc;
}

/* Does carvest_migrations exist?  1, 0, or -1 with a message.  Reading
 * the catalog instead of creating the table keeps `db status` read-only. */
static int have_table(PGconn *c, char *errbuf, size_t errlen)
{
    PGresult *r = PQexec(c, "SELECT to_regclass('carvest_migrations') IS NOT NULL");
    int rc = -1;

    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        char msg[512];
        pg_message(c, r, msg, sizeof(msg));
        snprintf(errbuf, errlen, "cannot read the migrations table: %s", msg);
        goto out;
    }
    rc = PQgetvalue(r, 0, 0)[0] == 't';
out:
    PQclear(r);
    return rc;
}

/* Columns of recorded(). */
enum { REC_VERSION, REC_NAME, REC_CHECKSUM, REC_APPLIED_AT };

/* What the database recorded, by version; NULL with a message.  An
 * absent table is no rows (an empty database). */
static PGresult *recorded(PGconn *c, char *errbuf, size_t errlen)
{
    int have = have_table(c, errbuf, errlen);
    PGresult *r;

    if (have < 0)
        return NULL;
    r = PQexec(c, have ? "SELECT version, name, checksum,"
                         " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'"
                         " FROM carvest_migrations ORDER BY version"
                       : "SELECT 1 WHERE false");
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[512];
        pg_message(c, r, msg, sizeof(msg));
        snprintf(errbuf, errlen, "cannot read the migrations table: %s", msg);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Row of `rec` that records `version`, or -1. */
static int find_row(const PGresult *rec, int version)
{
    for (int i = 0; i < PQntuples(rec); i++)
        if (atoi(PQgetvalue(rec, i, REC_VERSION)) == version)
            return i;
    return -1;
}

static const struct cv_migration *find_known(const struct cv_migration *m, size_t n, int version)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].version == version)
            return &m[i];
    return NULL;
}

/* Refuse to migrate a database this binary cannot safely extend: a
 * version it does not know, an applied migration whose text changed, or
 * a pending migration older than an applied one (the table was edited by
 * hand; applying it now would run migrations out of order). */
static int check_recorded(PGconn *c, const PGresult *rec, const struct cv_migration *m, size_t n,
                          char *errbuf, size_t errlen)
{
    const struct cv_migration *latest = NULL;

    for (int i = 0; i < PQntuples(rec); i++) {
        int version = atoi(PQgetvalue(rec, i, REC_VERSION));
        const struct cv_migration *k = find_known(m, n, version);
        char sum[CHECKSUM_LEN + 1];

        if (!k) {
            snprintf(errbuf, errlen,
                     "the database has migration %03d (%s), which this carvest does not know: a "
                     "newer carvest migrated it; use that version (carvest db status lists the "
                     "migrations)",
                     version, PQgetvalue(rec, i, REC_NAME));
            return -1;
        }
        if (checksum(c, k, sum, errbuf, errlen) < 0)
            return -1;
        if (strcmp(sum, PQgetvalue(rec, i, REC_CHECKSUM)) != 0) {
            snprintf(errbuf, errlen,
                     "migration %03d (%s) was changed after it was applied: never edit an applied "
                     "migration, add a new one",
                     k->version, k->name);
            return -1;
        }
        latest = k;
    }
    for (size_t i = 0; latest && i < n; i++)
        if (m[i].version < latest->version && find_row(rec, m[i].version) < 0) {
            snprintf(errbuf, errlen,
                     "migration %03d (%s) is pending but the later migration %03d (%s) is already "
                     "applied: the carvest_migrations table was edited by hand",
                     m[i].version, m[i].name, latest->version, latest->name);
            return -1;
        }
    return 0;
}

/* Line (1-based) of the character at 1-based position pos of text, the
 * way the server counts it (characters, not bytes). */
static int line_of(const char *text, long pos)
{
    int line = 1;

    for (long chars = 1; *text && chars < pos; text++) {
        if (((unsigned char)*text & 0xC0) == 0x80)
            continue;   /* a UTF-8 continuation byte is not a character */
        if (*text == '\n')
            line++;
        chars++;
    }
    return line;
}

/* Apply one migration and record it, in one transaction. */
static int apply_one(PGconn *c, const struct cv_migration *m, char *errbuf, size_t errlen)
{
    char version[16];
    const Oid types[3] = {OID_INT4, OID_TEXT, OID_BYTEA};
    const char *values[3] = {version, m->name, m->sql};
    const int lengths[3] = {0, 0, (int)strlen(m->sql)};
    const int formats[3] = {0, 0, 1};
    char what[160], msg[512];
    PGresult *r = NULL;
    int rc = -1, began = 0;

    snprintf(version, sizeof(version), "%d", m->version);
    snprintf(what, sizeof(what), "migration %03d (%s) failed", m->version, m->name);
    if (exec_simple(c, "BEGIN", what, errbuf, errlen) < 0)
        goto out;
    began = 1;
    /* The whole file at once: the simple query protocol runs several
     * statements, and stops at the first error. */
    r = PQexec(c, m->sql);
    if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)) {
        const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
        pg_message(c, r, msg, sizeof(msg));
        if (pos)
            snprintf(errbuf, errlen, "%s at line %d: %s", what, line_of(m->sql, atol(pos)), msg);
        else
            snprintf(errbuf, errlen, "%s: %s", what, msg);
        goto out;
    }
    PQclear(r);
    r = PQexecParams(c,
                     "INSERT INTO carvest_migrations (version, name, checksum)"
                     " VALUES ($1, $2, md5($3))",
                     3, types, values, lengths, formats, 0);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_message(c, r, msg, sizeof(msg));
        snprintf(errbuf, errlen, "%s: cannot record it: %s", what, msg);
        goto out;
    }
    if (exec_simple(c, "COMMIT", what, errbuf, errlen) < 0)
        goto out;
    began = 0;
    rc = 0;
out:
    PQclear(r);
    if (began && PQstatus(c) == CONNECTION_OK)
        PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

int cv_migrate(PGconn *c, int *applied, char *errbuf, size_t errlen)
{
    size_t n;
    const struct cv_migration *m = cv_migrations(&n);
    PGresult *rec = NULL;
    int rc = -1, locked = 0, have;

    if (applied)
        *applied = 0;
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        /* each migration needs a transaction of its own */
        snprintf(errbuf, errlen, "cannot migrate: the database connection is %s",
                 PQstatus(c) == CONNECTION_OK ? "inside a transaction" : "not open");
        goto out;
    }
    /* Waits while another process migrates this database. */
    if (exec_simple(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
                    "cannot take the migration lock", errbuf, errlen) < 0)
        goto out;
    locked = 1;
    have = have_table(c, errbuf, errlen);
    if (have < 0)
        goto out;
    /* Created under the lock: CREATE TABLE IF NOT EXISTS alone is not
     * safe against a concurrent create. */
    if (!have &&
        exec_simple(c,
                    "CREATE TABLE carvest_migrations ("
                    " version integer PRIMARY KEY,"
                    " name text NOT NULL,"
                    " checksum text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())",
                    "cannot create the migrations table", errbuf, errlen) < 0)
        goto out;
    rec = recorded(c, errbuf, errlen);
    if (!rec || check_recorded(c, rec, m, n, errbuf, errlen) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (find_row(rec, m[i].version) >= 0)
            continue;
        if (apply_one(c, &m[i], errbuf, errlen) < 0)
            goto out;
        if (applied)
            (*applied)++;
    }
    rc = 0;
out:
    PQclear(rec);
    if (locked && PQstatus(c) == CONNECTION_OK) {
        /* A lost connection released the lock with the session. */
        char ignored[256];
        if (exec_simple(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "unlock", ignored,
                        sizeof(ignored)) < 0 && rc == 0) {
            snprintf(errbuf, errlen, "cannot release the migration lock: %s", ignored);
            rc = -1;
        }
    }
    return rc;
}

int cv_migrate_status(PGconn *c, struct cv_migration_state *out, size_t max, int *unknown,
                      char *errbuf, size_t errlen)
{
    size_t n, k = 0;
    const struct cv_migration *m = cv_migrations(&n);
    PGresult *rec = recorded(c, errbuf, errlen);
    int rc = -1;

    if (unknown)
        *unknown = 0;
    if (!rec)
        goto out;
    for (k = 0; k < n && k < max; k++) {
        int row = find_row(rec, m[k].version);
        struct cv_migration_state *s = &out[k];

        memset(s, 0, sizeof(*s));
        s->version = m[k].version;
        s->name = m[k].name;
        if (row < 0)
            continue;
        s->applied = 1;
        snprintf(s->applied_at, sizeof(s->applied_at), "%s", PQgetvalue(rec, row, REC_APPLIED_AT));
        {
            char sum[CHECKSUM_LEN + 1];
            if (checksum(c, &m[k], sum, errbuf, errlen) < 0)
                goto out;
            s->changed = strcmp(sum, PQgetvalue(rec, row, REC_CHECKSUM)) != 0;
        }
    }
    for (int i = 0; unknown && i < PQntuples(rec); i++)
        if (!find_known(m, n, atoi(PQgetvalue(rec, i, REC_VERSION))))
            (*unknown)++;
    rc = (int)k;
out:
    PQclear(rec);
    return rc;
}
