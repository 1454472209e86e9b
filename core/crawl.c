/*
 * crawl.c -- the crawl loop: fetch, route, extract, print, follow.
 *
 * The fetcher calls on_page() for every URL it finishes; the page's
 * source runs there, its records go to the sink, and the links it asked
 * for go back to the fetcher unless already seen or over --max-pages.
 * Identity is the URL key (canonical URL, trailing slash ignored), so a
 * page is never fetched twice in a run however it is linked.
 */
#include "crawl.h"
#include "fetch.h"
#include "mem.h"
#include "page.h"
#include "runtime.h"
#include "source.h"
#include "strset.h"
#include "url.h"

#include <stdio.h>
#include <string.h>

struct job {
    struct cv_source_entry *src;   /* NULL: route when the page arrives */
    char *kind;
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
    cv_free(j);
}

/* Mark a URL seen; 1 when it is new, 0 when seen, -1 on error. */
static int first_sight(struct crawl *c, const char *url)
{
    char *key = cv_url_key(url);
    int rc;

    if (!key)
        return -1;
    rc = cv_strset_add(&c->seen, key);
    cv_free(key);
    return rc;
}

static int schedule_url(struct crawl *c, const char *url, struct cv_source_entry *src,
                        const char *kind)
{
    struct job *j = cv_calloc(1, sizeof(*j));

    if (!j || !(j->kind = cv_strdup(kind ? kind : "")))
        goto fail;
    j->src = src;
    if (cv_fetcher_add(c->f, url, src ? (long)src->delay_ms : 0, j) < 0)
        goto fail;
    c->scheduled++;
    return 0;
fail:
    job_free(j);
    return -1;
}

static void follow_links(struct crawl *c, struct cv_page *p)
{
    for (size_t i = 0; i < p->nfollows && !c->done; i++) {
        const struct cv_follow *fl = &p->follows[i];
        int fresh;

        if (c->o->max_pages && c->scheduled >= (unsigned long)c->o->max_pages) {
            if (first_sight(c, fl->url) > 0)
                c->st->not_followed++;
            continue;
        }
        fresh = first_sight(c, fl->url);
        if (fresh < 0) {
            c->oom = 1;
            continue;
        }
        if (!fresh)
            continue;
        cv_log(&c->rt->log, CV_LOG_DEBUG, "follow %s [%s%s%s]", fl->url, fl->source,
               *fl->kind ? " " : "", fl->kind);
        if (schedule_url(c, fl->url, cv_registry_find(&c->rt->reg, fl->source), fl->kind) < 0)
            c->oom = 1;
    }
}

/* Print a page's records, up to --limit. */
static void print_records(struct crawl *c, struct cv_page *p)
{
    size_t i;
    json_t *rec;

    json_array_foreach(p->emitted, i, rec) {
        if (c->o->limit && c->st->records >= (unsigned long)c->o->limit) {
            c->done = 1;
            return;
        }
        if (cv_sink_record(c->o->sink, rec) < 0) {
            cv_log(&c->rt->log, CV_LOG_ERROR, "cannot write to standard output; stopping");
            c->done = 1;
            return;
        }
        c->st->records++;
    }
    if (c->o->limit && c->st->records >= (unsigned long)c->o->limit)
        c->done = 1;
}

static struct cv_source_entry *route(struct cv_runtime *rt, const char *url, const char *body,
                                     size_t len)
{
    struct cv_source_entry *src = cv_registry_route(&rt->reg, url);

    return src ? src : cv_registry_fingerprint(&rt->reg, body, len);
}

static void on_page(struct cv_response *res, void *ctx)
{
    struct crawl *c = ctx;
    struct job *j = res->userdata;
    struct cv_source_entry *src = j->src;
    struct cv_page *p = NULL;

    if (res->err == CV_ECANCEL)
        goto out;
    if (res->err == CV_EROBOTS) {
        c->st->robots++;
        cv_log(&c->rt->log, CV_LOG_INFO, "%s: skipped, %s", res->requested, res->errmsg);
        goto out;
    }
    if (res->err != CV_OK) {
        c->st->failed++;
        cv_log(&c->rt->log, CV_LOG_ERROR, "%s: %s", res->requested, res->errmsg);
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
        goto out;
    }
    p = cv_page_new(c->rt, src, res->url, j->kind, res->body, res->len, res->content_type,
                    res->status);
    if (!p) {
        c->oom = 1;
        goto out;
    }
    c->st->pages++;
    if (cv_source_extract(c->rt, src, p) < 0) {
        c->st->failed++;
        cv_log(&c->rt->log, CV_LOG_ERROR, "%s: %s: %s (its records were dropped)", src->name,
               p->url, p->error);
        goto out;
    }
    print_records(c, p);
    if (!c->done)
        follow_links(c, p);
out:
    cv_log_progress(&c->rt->log, "%lu pages, %lu records, %lu failed", c->st->pages,
                    c->st->records, c->st->failed);
    if (c->done || c->oom)
        cv_fetcher_stop(c->f);
    cv_page_free(p);
    job_free(j);
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
        if (fresh < 0 || (fresh && schedule_url(&c, o->urls[i], o->source, NULL) < 0))
            goto out;
    }
    if (cv_fetcher_run(c.f, on_page, &c) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "the HTTP engine failed; stopping");
        goto out;
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
                    const char *body, size_t len, const char *content_type, long status,
                    struct cv_sink *sink, unsigned long *nrecords)
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
    p = cv_page_new(rt, src, url, NULL, body, len, content_type, status);
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
        cv_log(&rt->log, CV_LOG_DEBUG, "would follow %s [%s%s%s]", p->follows[i].url,
               p->follows[i].source, *p->follows[i].kind ? " " : "", p->follows[i].kind);
    rc = 0;
out:
    cv_page_free(p);
    return rc;
}
