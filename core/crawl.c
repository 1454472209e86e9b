/*
 * crawl.c -- the crawl loop: fetch, route, extract, print, store, follow.
 *
 * The fetcher calls on_page() for every URL it finishes; the page's
 * source runs there, its records go to the sink and to the store, and
 * the links it asked for go back to the fetcher unless already seen or
 * over --max-pages.  Identity is the URL key (canonical URL, trailing
 * slash ignored), so a page is never fetched twice in a run however it
 * is linked.
 *
 * SIGINT and SIGTERM only set a flag (the one piece of global mutable
 * state in carvest, see stop_signal), caught for the whole command (see
 * cv_crawl_catch_signals); the fetcher watches it and stops within a
 * second, so what was extracted is still stored and the run recorded.
 */
#include "crawl.h"
#include "buf.h"
#include "fetch.h"
#include "mem.h"
#include "page.h"
#include "runtime.h"
#include "source.h"
#include "store.h"
#include "strset.h"
#include "url.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The signal (SIGINT, SIGTERM) that asked the running crawl to stop, 0
 * when none.  Global because a signal handler can reach nothing else, and
 * it may do nothing but set a volatile sig_atomic_t: the crawl loop polls
 * it.  Reset when the signals are caught. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

struct job {
    struct cv_source_entry *src;   /* NULL: route when the page arrives */
    char *kind;
    char *method;                  /* NULL: GET */
    void *tag;                     /* the start URL's tag (cv_crawl_hooks) */
};

struct crawl {
    struct cv_runtime *rt;
    struct cv_fetcher *f;
    const struct cv_crawl_opts *o;
    struct cv_crawl_stats *st;
    struct cv_strset seen;
    unsigned long scheduled;       /* pages queued so far (for --max-pages) */
    int done;                      /* --limit reached */
    int oom;
};

static void job_free(struct job *j)
{
    if (!j)
        return;
    cv_free(j->kind);
    cv_free(j->method);
    cv_free(j);
}

/* Mark a request seen; 1 when it is new, 0 when seen, -1 on error.  A GET
 * is its URL key; a POST its URL key and body (one endpoint, many pages). */
static int first_sight_request(struct crawl *c, const char *method, const char *url,
                               const char *body)
{
    char *key = cv_url_key(url);
    int rc = -1;

    if (!key)
        return -1;
    if (method && !strcmp(method, "POST")) {
        struct cv_buf b;
        cv_buf_init(&b, CV_BUF_UNLIMITED);
        if (cv_buf_printf(&b, "POST %s\n%s", key, body ? body : "") == 0)
            rc = cv_strset_add(&c->seen, cv_buf_str(&b));
        cv_buf_free(&b);
    } else {
        rc = cv_strset_add(&c->seen, key);
    }
    cv_free(key);
    return rc;
}

static int first_sight(struct crawl *c, const char *url)
{
    return first_sight_request(c, "GET", url, NULL);
}

static int schedule_request(struct crawl *c, const char *url, const char *method,
                            const char *body, const char *const *headers,
                            struct cv_source_entry *src, const char *kind, void *tag)
{
    struct job *j = cv_calloc(1, sizeof(*j));
    const struct cv_crawl_hooks *h = c->o->hooks;

    if (!j || !(j->kind = cv_strdup(kind ? kind : "")) ||
        (method && !(j->method = cv_strdup(method))))
        goto fail;
    j->src = src;
    j->tag = tag;
    if (cv_fetcher_add_request(c->f, url, method, body, headers,
                               src ? (long)src->delay_ms : 0, j) < 0)
        goto fail;
    c->scheduled++;
    if (h && h->queued)
        h->queued(h->ctx, tag);
    return 0;
fail:
    job_free(j);
    return -1;
}

static int schedule_url(struct crawl *c, const char *url, struct cv_source_entry *src,
                        const char *kind, void *tag)
{
    return schedule_request(c, url, NULL, NULL, NULL, src, kind, tag);
}

static void follow_links(struct crawl *c, struct cv_page *p, void *tag)
{
    const struct cv_crawl_hooks *h = c->o->hooks;

    for (size_t i = 0; i < p->nfollows && !c->done; i++) {
        const struct cv_follow *fl = &p->follows[i];
        int fresh;

        if (h && h->follow && !h->follow(h->ctx, tag, fl)) {
            c->st->skipped++;
            continue;
        }
        if (c->o->max_pages && c->scheduled >= (unsigned long)c->o->max_pages) {
            if (first_sight_request(c, fl->method, fl->url, fl->body) > 0)
                c->st->not_followed++;
            continue;
        }
        fresh = first_sight_request(c, fl->method, fl->url, fl->body);
        if (fresh < 0) {
            c->oom = 1;
            continue;
        }
        if (!fresh)
            continue;
        cv_log(&c->rt->log, CV_LOG_DEBUG, "follow %s%s%s [%s%s%s]",
               strcmp(fl->method, "GET") ? fl->method : "", strcmp(fl->method, "GET") ? " " : "",
               fl->url, fl->source, *fl->kind ? " " : "", fl->kind);
        if (schedule_request(c, fl->url, fl->method, fl->body, (const char *const *)fl->headers,
                             cv_registry_find(&c->rt->reg, fl->source), fl->kind, tag) < 0)
            c->oom = 1;
    }
}

/* Print a page's records, up to --limit; how many were printed. */
static size_t print_records(struct crawl *c, struct cv_page *p)
{
    size_t i, n = 0;
    json_t *rec;

    json_array_foreach(p->emitted, i, rec) {
        if (c->o->limit && c->st->records >= (unsigned long)c->o->limit) {
            c->done = 1;
            return n;
        }
        if (cv_sink_record(c->o->sink, rec) < 0) {
            cv_log(&c->rt->log, CV_LOG_ERROR, "cannot write to standard output; stopping");
            c->st->output_failed = 1;
            c->done = 1;
            return n;
        }
        c->st->records++;
        n++;
    }
    if (c->o->limit && c->st->records >= (unsigned long)c->o->limit)
        c->done = 1;
    return n;
}

/* Hand the first n records of a page (those printed) to the store. */
static void store_records(struct crawl *c, struct cv_page *p, size_t n)
{
    json_t *recs = p->emitted, *part = NULL;

    if (!c->o->store || !n)
        return;
    if (n < json_array_size(recs)) {
        part = json_array();
        for (size_t i = 0; part && i < n; i++)
            if (json_array_append(part, json_array_get(recs, i)) < 0) {
                json_decref(part);
                part = NULL;
            }
        if (!part) {
            c->oom = 1;
            return;
        }
        recs = part;
    }
    if (cv_store_records(c->o->store, recs, c->st->store_error, sizeof(c->st->store_error)) < 0) {
        c->st->store_failed = 1;
        c->done = 1;
    }
    json_decref(part);
}

static struct cv_source_entry *route(struct cv_runtime *rt, const char *url, const char *body,
                                     size_t len)
{
    struct cv_source_entry *src = cv_registry_route(&rt->reg, url);

    return src ? src : cv_registry_fingerprint(&rt->reg, body, len);
}

/* Tell the pipeline (if any) what became of a URL. */
static void report(struct crawl *c, const struct job *j, const struct cv_response *res,
                   const struct cv_source_entry *src, enum cv_err err, const char *errmsg,
                   size_t records)
{
    const struct cv_crawl_hooks *h = c->o->hooks;
    struct cv_crawl_result r;

    if (!h || !h->done)
        return;
    r.url = res->requested;
    r.source = src ? src->name : NULL;
    r.kind = j->kind;
    r.method = j->method ? j->method : "GET";
    r.err = err;
    r.status = res->status;
    r.errmsg = errmsg ? errmsg : "";
    r.records = records;
    if (h->done(h->ctx, j->tag, &r) < 0 && !c->st->hook_stopped) {
        c->st->hook_stopped = 1;
        c->done = 1;
    }
}

static void on_page(struct cv_response *res, void *ctx)
{
    struct crawl *c = ctx;
    struct job *j = res->userdata;
    struct cv_source_entry *src = j->src;
    const struct cv_crawl_hooks *h = c->o->hooks;
    struct cv_page *p = NULL;
    size_t printed;

    if (res->err == CV_ECANCEL || c->st->store_failed) {
        report(c, j, res, src, CV_ECANCEL, "the crawl stopped before this URL", 0);
        goto out;
    }
    if (res->err == CV_EROBOTS) {
        c->st->robots++;
        cv_log(&c->rt->log, CV_LOG_INFO, "%s: skipped, %s", res->requested, res->errmsg);
        report(c, j, res, src, res->err, res->errmsg, 0);
        goto out;
    }
    if (res->err != CV_OK) {
        c->st->failed++;
        if (j->method && strcmp(j->method, "GET"))   /* "POST URL": one URL, many requests */
            cv_log(&c->rt->log, CV_LOG_ERROR, "%s %s: %s", j->method, res->requested,
                   res->errmsg);
        else
            cv_log(&c->rt->log, CV_LOG_ERROR, "%s: %s", res->requested, res->errmsg);
        report(c, j, res, src, res->err, res->errmsg, 0);
        goto out;
    }
    /* A redirect target is seen too: links to it must not fetch it again. */
    if (first_sight(c, res->url) < 0)
        c->oom = 1;
    if (!src)
        src = route(c->rt, res->url, res->body, res->len);
    if (!src) {
        c->st->unclaimed++;
        c->st->failed++;
        cv_log(&c->rt->log, CV_LOG_ERROR, "%s: no source claims this page", res->url);
        report(c, j, res, NULL, CV_ENOTFOUND, "no source claims this page", 0);
        goto out;
    }
    p = cv_page_new(c->rt, src, res->url, j->kind, res->body, res->len, res->content_type,
                    res->status);
    if (!p) {
        c->oom = 1;
        report(c, j, res, src, CV_ENOMEM, "out of memory", 0);
        goto out;
    }
    c->st->pages++;
    if (cv_source_extract(c->rt, src, p) < 0) {
        c->st->failed++;
        cv_log(&c->rt->log, CV_LOG_ERROR, "%s: %s: %s (its records were dropped)", src->name,
               p->url, p->error);
        report(c, j, res, src, CV_EEXTRACT, p->error, 0);
        goto out;
    }
    if (h && h->records && json_array_size(p->emitted) &&
        h->records(h->ctx, j->tag, p->url, p->emitted) < 0) {
        c->st->hook_stopped = 1;
        c->done = 1;
    }
    printed = c->st->hook_stopped ? 0 : print_records(c, p);
    store_records(c, p, printed);
    if (!c->done)
        follow_links(c, p, j->tag);
    /* a page the crawl stopped in the middle of (--limit, a failed write,
     * the store giving up) is not done: its records or links were dropped */
    if (c->st->store_failed ||
        (c->done && (p->nfollows || printed < json_array_size(p->emitted))))
        report(c, j, res, src, CV_ECANCEL, "the crawl stopped before this page was done",
               printed);
    else
        report(c, j, res, src, CV_OK, NULL, printed);
out:
    cv_log_progress(&c->rt->log, "%lu pages, %lu records, %lu failed", c->st->pages,
                    c->st->records, c->st->failed);
    if (stop_signal && !c->st->interrupted) {
        c->st->interrupted = stop_signal;
        cv_log(&c->rt->log, CV_LOG_WARN, "%s: stopping the crawl; what was extracted is kept",
               stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    }
    if (c->done || c->oom || c->st->interrupted)
        cv_fetcher_stop(c->f);
    cv_page_free(p);
    job_free(j);
}

void cv_crawl_catch_signals(struct cv_crawl_signals *save)
{
    struct sigaction sa;

    /* Only a flag: no work in the handler.  SA_RESETHAND: a second signal
     * does what it always does (kills), for a stop that hangs.  No
     * SA_RESTART, so a sleep in the fetcher wakes up. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &save->old_int);
    sigaction(SIGTERM, &sa, &save->old_term);
}

int cv_crawl_stop_requested(void)
{
    return stop_signal != 0;
}

void cv_crawl_release_signals(const struct cv_crawl_signals *save)
{
    sigaction(SIGINT, &save->old_int, NULL);
    sigaction(SIGTERM, &save->old_term, NULL);
}

int cv_crawl_run(struct cv_runtime *rt, const struct cv_crawl_opts *o, struct cv_crawl_stats *st)
{
    struct crawl c;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    memset(st, 0, sizeof(*st));
    c.rt = rt;
    c.o = o;
    c.st = st;
    cv_strset_init(&c.seen);
    c.f = cv_fetcher_new(rt);
    if (!c.f)
        goto out;
    for (size_t i = 0; i < o->nurls; i++) {
        int fresh = first_sight(&c, o->urls[i]);
        if (fresh < 0 || (fresh && schedule_url(&c, o->urls[i], o->source, NULL,
                                                o->tags ? o->tags[i] : NULL) < 0)) {
            /* the URLs queued so far come back cancelled, and their jobs
             * are freed */
            cv_fetcher_stop(c.f);
            cv_fetcher_run(c.f, on_page, &c);
            goto out;
        }
    }
    cv_fetcher_watch(c.f, &stop_signal);
    if (cv_fetcher_run(c.f, on_page, &c) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "the HTTP engine failed; stopping");
        goto out;
    }
    if (stop_signal && !st->interrupted) {
        st->interrupted = stop_signal;
        cv_log(&rt->log, CV_LOG_WARN, "%s: stopped the crawl; what was extracted is kept",
               stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    }
    if (c.oom) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory; the crawl stopped early");
        goto out;
    }
    rc = 0;
out:
    cv_log_progress_end(&rt->log);
    cv_fetcher_free(c.f);
    cv_strset_free(&c.seen);
    return rc;
}

int cv_extract_page(struct cv_runtime *rt, struct cv_source_entry *src, const char *url,
                    const char *kind, const char *body, size_t len, const char *content_type,
                    long status, struct cv_sink *sink, unsigned long *nrecords)
{
    struct cv_page *p;
    size_t i;
    json_t *rec;
    int rc = -1;

    if (!src)
        src = route(rt, url, body, len);
    if (!src) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s: no source claims this page; name one "
               "(carvest sources lists them)", url);
        return -1;
    }
    p = cv_page_new(rt, src, url, kind, body, len, content_type, status);
    if (!p) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s: cannot set up the page (is it an http(s) URL?)", url);
        return -1;
    }
    if (cv_source_extract(rt, src, p) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s: %s: %s", src->name, p->url, p->error);
        goto out;
    }
    json_array_foreach(p->emitted, i, rec) {
        if (cv_sink_record(sink, rec) < 0)
            goto out;
        if (nrecords)
            (*nrecords)++;
    }
    for (i = 0; i < p->nfollows; i++)
        cv_log(&rt->log, CV_LOG_DEBUG, "would follow %s%s%s [%s%s%s]",
               strcmp(p->follows[i].method, "GET") ? p->follows[i].method : "",
               strcmp(p->follows[i].method, "GET") ? " " : "", p->follows[i].url,
               p->follows[i].source, *p->follows[i].kind ? " " : "", p->follows[i].kind);
    rc = 0;
out:
    cv_page_free(p);
    return rc;
}
