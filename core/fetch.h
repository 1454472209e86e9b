/*
 * fetch.h -- the fetcher: every request carvest makes goes through it.
 *
 * Built on libcurl's multi interface, one thread, many transfers.  It owns
 * politeness and failure handling so that no source ever has to:
 *  - a global limit on requests in flight (--concurrency);
 *  - a minimum gap between two requests to one host (--delay-ms, else the
 *    source's suggestion, else 1 s), raised to robots.txt's Crawl-delay,
 *    counted from the end of one answer to the start of the next request;
 *  - robots.txt (RFC 9309) fetched once per origin and obeyed;
 *  - 5xx, 408, timeouts and connection errors retried with exponential
 *    backoff and jitter, up to --retries times per URL;
 *  - 429, 403 (but a 403 in JSON to a POST, an API refusing the request,
 *    which is final) and bot-challenge pages treated as "slow down": the host
 *    waits (Retry-After when given, else backoff) and, after
 *    --block-threshold of them in a row, is paused for --host-pause-ms
 *    (doubling each time); these waits are not failures and do not use
 *    the retry budget, but a URL gives up after --max-waits of them;
 *  - a Retry-After longer than --retry-max-ms fails the URL rather than
 *    hammering early;
 *  - redirects followed by hand (each hop is a real URL, mapped again and
 *    subject to robots and the host's pace), at most --max-redirects;
 *  - limits on body size and time; http and https only; gzip, deflate and
 *    br accepted.
 * URLs are real URLs (identity); --map-origin rules decide what is
 * actually fetched.
 */
#ifndef CV_FETCH_H
#define CV_FETCH_H

#include "err.h"

#include <signal.h>
#include <stddef.h>

struct cv_runtime;
struct cv_fetcher;

struct cv_response {
    const char *url;            /* real URL that answered (after redirects) */
    const char *requested;      /* real URL that was asked for */
    long status;                /* last HTTP status, 0 when none arrived */
    const char *content_type;   /* NULL when none */
    const char *body;           /* NUL-terminated; valid during the callback */
    size_t len;
    enum cv_err err;            /* CV_OK when a 2xx page arrived */
    const char *errmsg;         /* why not, in words; "" on success */
    unsigned attempts;          /* requests made for this URL, redirects included */
    void *userdata;
};

/* Called once per URL added, success or failure.  May add more URLs. */
typedef void (*cv_fetch_done_fn)(struct cv_response *res, void *ctx);

struct cv_fetch_stats {
    unsigned long requests;     /* HTTP requests sent */
    unsigned long retries;      /* error retries */
    unsigned long waits;        /* rate-limit waits */
    unsigned long pauses;       /* host pauses */
    unsigned long robots_denied;
    unsigned long bytes;
};

struct cv_fetcher *cv_fetcher_new(struct cv_runtime *rt);
void cv_fetcher_free(struct cv_fetcher *f);

/* Queue a real http(s) URL.  delay_hint_ms is the source's suggested gap
 * for the URL's host (0: none); --delay-ms overrides it.  0, or -1 when
 * the URL is not http(s) or memory runs out. */
int cv_fetcher_add(struct cv_fetcher *f, const char *url, long delay_hint_ms, void *userdata);
/* The same with a method ("GET", "POST"), a body (NULL for none) and
 * extra "Name: value" headers (NULL-terminated, or NULL); the request's
 * own Accept or Content-Type replaces carvest's.  A 307/308 redirect
 * keeps method and body, others turn into a GET, as browsers do. */
int cv_fetcher_add_request(struct cv_fetcher *f, const char *url, const char *method,
                           const char *body, const char *const *headers, long delay_hint_ms,
                           void *userdata);

/* Run until every URL has been reported or cv_fetcher_stop() was called.
 * URLs still queued or in flight at a stop are reported with CV_ECANCEL.
 * 0, or -1 if libcurl fails as a whole (every URL is reported all the
 * same).  After a stop, a run only reports what is left. */
int cv_fetcher_run(struct cv_fetcher *f, cv_fetch_done_fn done, void *ctx);
void cv_fetcher_stop(struct cv_fetcher *f);
/* Stop as soon as *flag is non-zero (checked at least once a second):
 * how a signal handler, which may only set a flag, stops a run. */
void cv_fetcher_watch(struct cv_fetcher *f, const volatile sig_atomic_t *flag);

const struct cv_fetch_stats *cv_fetcher_stats(const struct cv_fetcher *f);

#endif
