/*
 * migrate.h -- schema migrations, compiled into the binary.
 *
 * Each core/sql/NNN_name.sql file is one migration, embedded at build
 * time.  `carvest db migrate` (and every command that writes) applies the
 * pending ones in order, each in its own transaction, while holding a
 * PostgreSQL advisory lock so that two processes migrating at once apply
 * each migration exactly once.  Applied migrations are recorded with a
 * checksum in carvest_migrations; a migration whose text changed after it
 * was applied is an error (add a new migration instead).
 */
#ifndef CV_MIGRATE_H
#define CV_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct cv_migration {
    int version;               /* NNN */
    const char *name;          /* "initial" */
    const char *sql;
};

/* The migrations built into this binary, by version (generated file). */
const struct cv_migration *cv_migrations(size_t *n);

struct cv_migration_state {
    int version;
    const char *name;          /* the binary's name for it */
    int applied;               /* recorded in the database */
    char applied_at[40];       /* "YYYY-MM-DD HH:MM:SS+00" when applied */
    int changed;               /* applied, but the text differs from the binary's */
};

/* Apply what is pending.  *applied (may be NULL) gets how many were
 * applied now.  0; -1 with a message in errbuf (the failing migration is
 * rolled back and named). */
int cv_migrate(PGconn *c, int *applied, char *errbuf, size_t errlen);

/* The state of every known migration, into out[] (at most max), plus the
 * count of versions recorded in the database that this binary does not
 * know (a newer carvest migrated it) in *unknown.  Returns how many
 * entries were written, -1 with a message. */
int cv_migrate_status(PGconn *c, struct cv_migration_state *out, size_t max, int *unknown,
                      char *errbuf, size_t errlen);

#endif
