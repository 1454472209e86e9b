/*
 * pipeline.h -- checkpoints for the steps of multi-step pipelines
 * (bat-partners index, enrich, import...).
 *
 * A step goes over items (partners) in a pass.  The pass lives in the
 * database (pipeline_passes, pipeline_items; migration 002), so a run
 * that was interrupted or killed is continued by the next run of the same
 * step and scope, which skips the items already done, and a run that
 * finished is not repeated: the next run starts a new pass.  One process
 * at a time runs a given step against a database: the pass holds a
 * session advisory lock on its own connection, which dies with the
 * process however it ends.
 */
#ifndef CV_PIPELINE_H
#define CV_PIPELINE_H

#include "db.h"
#include "strset.h"

#include <jansson.h>
#include <stddef.h>

struct cv_runtime;

struct cv_pass {
    struct cv_runtime *rt;
    struct cv_db db;           /* the pass's own connection, holding the lock */
    int connected;
    int lock_pid;              /* backend that holds the lock */
    char *lock_key;
    char id[24];               /* pipeline_passes.id */
    int resumed;               /* continuing an unfinished pass */
    char *resumed_status;      /* how that pass had ended ("running": killed) */
    struct cv_strset done;     /* items this pass already finished (done or skipped) */
    long wait_ms;
};

enum {
    CV_PASS_OK = 0,
    CV_PASS_BUSY = 1,          /* another process runs this step now */
    CV_PASS_ERROR = -1         /* database error; see *unreachable */
};

/* Connect, take the step's lock and resume the newest pass of this
 * pipeline, step and scope that did not complete, or start a new one.
 * run_id (crawl_runs.id, may be NULL) is recorded with it.  CV_PASS_OK;
 * CV_PASS_BUSY or CV_PASS_ERROR with a message in errbuf (*unreachable
 * set when the database could not be reached).  After anything but OK,
 * cv_pass_close() is still to be called. */
int cv_pass_open(struct cv_runtime *rt, struct cv_pass *ps, const char *pipeline,
                 const char *step, const char *scope, const char *run_id, int *unreachable,
                 char *errbuf, size_t errlen);

/* 1 when this pass already finished the item (done or skipped). */
int cv_pass_item_done(const struct cv_pass *ps, const char *item);

/* Record what became of an item: status "done", "failed", "deferred" or
 * "skipped", why (NULL when nothing went wrong), and its counts (a JSON
 * object, may be NULL; borrowed).  0, or -1 with errbuf set. */
int cv_pass_item(struct cv_pass *ps, const char *item, const char *status, const char *error,
                 json_t *detail, char *errbuf, size_t errlen);

/* End the pass: "completed", "incomplete", "interrupted" or "failed". */
int cv_pass_finish(struct cv_pass *ps, const char *status, char *errbuf, size_t errlen);

/* Release the lock and disconnect.  Safe on a pass that never opened. */
void cv_pass_close(struct cv_pass *ps);

#endif
