/*
 * store.h -- the one way records reach PostgreSQL.
 *
 * Every source's records go through cv_store_records(): normalised and
 * validated (record.c did that), de-duplicated, and upserted so that a
 * re-run changes nothing that did not change at the source:
 *  - a listing is its canonical URL (trailing slash ignored); a car is
 *    its 17-character VIN when it has one (check digit right, or a region
 *    without check digits: CV_VIN_VALID and CV_VIN_17), else its first
 *    listing; two listings with one VIN are one vehicle, keeping every
 *    listing and organisation link (a listing that gains the VIN of
 *    another car merges the two rows);
 *  - only fill: a field already stored is never replaced by nothing or by
 *    a generated value.  A listing keeps the latest value of every field
 *    its source ever gave; a vehicle's fields are those of its most
 *    current listing (for sale first, then the latest), falling back
 *    field by field to its other listings and then to what is stored, so
 *    the volatile ones (status, prices, bid, counts, mileage shown) follow
 *    the latest listing; a change of a listing's status or prices adds a
 *    vehicle_price_history row;
 *  - a business is its geographic_key, else its website origin (else its
 *    BaT username or Classic.com profile); existing fields are only
 *    filled, but for the brand images and inventory pages, which a record
 *    read on the business's own website replaces; fields without a column
 *    go to metadata.<source>;
 *  - a vehicle whose `organization` names a known business (geographic
 *    key, website origin, BaT member or Classic.com profile URL; or a
 *    list of them) is linked to each in organization_vehicles (consigner
 *    / sold_by) and, unless it is an auction house, dealer_inventory --
 *    also when the business is stored after the vehicle;
 *  - updated_at moves only when a stored value changed, last_seen_at
 *    every time: a run that finds nothing new leaves the tables as they
 *    were but for last_seen_at;
 *  - no SQL is ever built from scraped text: prepared statements only.
 * Writes are batched (100 records, or after a second) in transactions
 * that survive a server restart (db.h): a lost database is waited for
 * CARVEST_DB_WAIT_MS milliseconds (default 60000) before the store gives
 * up.  A killed process loses at most the records not yet written, which
 * the next run writes again.  The details are at the top of store.c.
 */
#ifndef CV_STORE_H
#define CV_STORE_H

#include <jansson.h>
#include <stddef.h>

struct cv_runtime;
struct cv_store;

struct cv_store_stats {
    unsigned long records;             /* records received */
    unsigned long vehicles_created;
    unsigned long vehicles_updated;    /* a stored field changed */
    unsigned long vehicles_merged;     /* two rows found to be one car (same VIN) */
    unsigned long listings_created;
    unsigned long businesses_created;
    unsigned long businesses_updated;
    unsigned long price_changes;
    unsigned long images_added;
    unsigned long links;               /* organization_vehicles rows created */
    unsigned long unchanged;           /* records that changed nothing */
    unsigned long rejected;            /* records the store could not use (logged) */
};

/* Connect (db.h) and bring the schema up to date (migrate.h).  NULL with a
 * message in errbuf; *unreachable is set when the database could not be
 * reached at all, or went away while migrating (exit status 3). */
struct cv_store *cv_store_open(struct cv_runtime *rt, int *unreachable, char *errbuf, size_t errlen);
/* Flush what is pending (unless the store gave up) and disconnect.  NULL
 * is allowed. */
void cv_store_close(struct cv_store *s);

/* Store the records of one page (a JSON array of record objects as
 * record.c makes them).  They may be kept for the next batch; 0, or -1
 * when the database kept failing past the reconnect window (the caller
 * stops: nothing is lost, the records are written by the next run), or
 * memory ran out.  After -1 every call fails at once.  A record the
 * store cannot use (no key; a value its column cannot hold) is logged,
 * counted in stats.rejected and skipped; the others are written. */
int cv_store_records(struct cv_store *s, json_t *records, char *errbuf, size_t errlen);
/* Write what is pending now.  0 or -1. */
int cv_store_flush(struct cv_store *s, char *errbuf, size_t errlen);

/* The run log (crawl_runs): start a run, then finish it with its counts
 * and status ("completed", "failed", "interrupted"); finishing also
 * records the store's counts (crawl_runs.stats).  0 or -1 (logged).  A
 * run that never finishes (the process was killed) stays "running". */
int cv_store_run_start(struct cv_store *s, const char *command, const char *source, json_t *args);
int cv_store_run_finish(struct cv_store *s, const char *status, unsigned long pages,
                        unsigned long records, unsigned long failed, const char *error);

const struct cv_store_stats *cv_store_stats(const struct cv_store *s);

/* The counts as a JSON object (new reference; NULL out of memory), and as
 * the sentence summaries print: "stored: N vehicles new, ...". */
json_t *cv_store_stats_json(const struct cv_store_stats *st);
void cv_store_stats_text(const struct cv_store_stats *st, char *out, size_t n);

/* crawl_runs.id of the run started with cv_store_run_start, or NULL. */
const char *cv_store_run_id(const struct cv_store *s);

/* After a failure: 1 when the database could not be reached (the caller
 * exits 3), 0 when it answered with an error (permissions, disk full...). */
int cv_store_unreachable(const struct cv_store *s);

#endif
