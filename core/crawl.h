/*
 * crawl.h -- running sources over pages: one page (extract) or a crawl
 * that follows the links sources ask for, storing what it extracts.
 */
#ifndef CV_CRAWL_H
#define CV_CRAWL_H

#include "err.h"
#include "output.h"

#include <jansson.h>

#include <signal.h>

#include <stddef.h>

struct cv_runtime;
struct cv_source_entry;
struct cv_store;
struct cv_follow;

/* What became of one URL of a crawl (cv_crawl_hooks.done). */
struct cv_crawl_result {
    const char *url;                  /* the real URL asked for */
    const char *source;               /* the source that ran on it, NULL when none did */
    const char *kind;                 /* the page kind it was followed with ("" when none) */
    const char *method;               /* "GET" or "POST" */
    enum cv_err err;                  /* CV_OK, the fetch's error, CV_EEXTRACT when the
                                         source failed, CV_ENOTFOUND when no source claims
                                         it, CV_ECANCEL when the crawl stopped first */
    long status;                      /* last HTTP status, 0 when none */
    const char *errmsg;               /* why not, "" on success */
    size_t records;                   /* records the page gave */
};

/* A pipeline's hooks into a crawl, all optional.  Each start URL may carry
 * a tag (cv_crawl_opts.tags) and every page followed from a page carries
 * that page's tag, so a pipeline knows which of its items (a partner)
 * each page works for.  Tags are the caller's; the crawl only passes them
 * on.  A page that two tags reach is fetched once, for the first. */
struct cv_crawl_hooks {
    void *ctx;
    /* A link or request a page asks to follow, before de-duplication:
     * return 0 to drop it. */
    int (*follow)(void *ctx, void *tag, const struct cv_follow *fl);
    /* A URL is queued for this tag (start URLs included): with done(),
     * which comes once for every queued URL, after the URLs its page
     * asked for are queued, a pipeline knows when a tag's work is over. */
    void (*queued)(void *ctx, void *tag);
    /* A page's records, before they are printed and stored: the hook may
     * change them in place, add some or remove some (records is the
     * page's JSON array).  -1 stops the crawl (st->hook_stopped). */
    int (*records)(void *ctx, void *tag, const char *url, json_t *records);
    /* Every queued URL's end: CV_OK only when the page's records were all
     * printed and handed to the store and its links queued; a page the
     * crawl stopped in the middle of is CV_ECANCEL.  -1 stops the crawl
     * (st->hook_stopped). */
    int (*done)(void *ctx, void *tag, const struct cv_crawl_result *r);
};

struct cv_crawl_opts {
    struct cv_source_entry *source;   /* NULL: route every URL by claims/fingerprint */
    char **urls;                      /* start URLs (real URLs) */
    void **tags;                      /* NULL, or one tag per start URL */
    size_t nurls;
    const struct cv_crawl_hooks *hooks;   /* NULL: none */
    long limit;                       /* stop after this many records (0: no limit) */
    long max_pages;                   /* fetch at most this many pages (0: no limit) */
    struct cv_sink *sink;
    struct cv_store *store;           /* where records go; NULL: print only (--dry-run) */
};

struct cv_crawl_stats {
    unsigned long pages;              /* pages extracted */
    unsigned long records;            /* records printed */
    unsigned long failed;             /* URLs that failed (fetch or extraction) */
    unsigned long robots;             /* URLs refused by robots.txt */
    unsigned long not_followed;       /* links dropped by --max-pages */
    unsigned long skipped;            /* links the follow hook dropped */
    unsigned long unclaimed;          /* pages no source claims */
    int interrupted;                  /* SIGINT/SIGTERM stopped it: the signal number */
    int store_failed;                 /* the store gave up (database gone): it stopped */
    int output_failed;                /* standard output could not be written: it stopped */
    int hook_stopped;                 /* a hook asked to stop */
    char store_error[512];            /* why, when store_failed */
};

/* SIGINT and SIGTERM ask a crawl to stop: between catch and release they
 * only set a flag that cv_crawl_run watches (a second signal kills).  A
 * command catches them for its whole life, so a signal while it connects
 * or while it stores the last batch also ends it cleanly. */
struct cv_crawl_signals {
    struct sigaction old_int, old_term;
};
void cv_crawl_catch_signals(struct cv_crawl_signals *save);
void cv_crawl_release_signals(const struct cv_crawl_signals *save);
/* 1 when SIGINT or SIGTERM asked to stop since the signals were caught:
 * a command running several crawls in turn stops between them too. */
int cv_crawl_stop_requested(void);

/* Crawl.  Failures of single URLs are logged and counted, never fatal.
 * Every page's printed records also go to o->store (not those of a page
 * whose extraction failed); records the store keeps for its next batch
 * are the caller's to flush (cv_store_flush).  SIGINT and SIGTERM stop
 * the crawl while it runs: no new page is fetched and the run returns 0
 * with st->interrupted set; a second signal kills the process as usual.
 * When the store gives up, the crawl stops with st->store_failed set.
 * Returns 0 when the run completed or stopped as said, -1 when it could
 * not run at all (out of memory, libcurl unusable). */
int cv_crawl_run(struct cv_runtime *rt, const struct cv_crawl_opts *o, struct cv_crawl_stats *st);

/* Run `src` (NULL: route by url, then by fingerprint) on a page held in
 * memory, as a page of kind `kind` (NULL: ""), and print what it emits.  0 when the page was extracted, -1 when
 * it failed (reason logged). */
int cv_extract_page(struct cv_runtime *rt, struct cv_source_entry *src, const char *url,
                    const char *kind, const char *body, size_t len, const char *content_type,
                    long status, struct cv_sink *sink, unsigned long *nrecords);

#endif
