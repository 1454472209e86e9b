/*
 * cmd_crawl.c -- `carvest crawl`: a source from its start URLs, following
 * the links it asks for, storing what it extracts (store.h) unless
 * --dry-run.
 *
 * The run is logged in crawl_runs: "completed" (single URLs may have
 * failed: counted), "interrupted" (SIGINT/SIGTERM: what was extracted is
 * stored, exit 1) or "failed" (the database went away for longer than the
 * reconnect window, exit 3; or the crawl could not run).
 */
#include "cli.h"
#include "crawl.h"
#include "mem.h"
#include "runtime.h"
#include "source.h"
#include "store.h"
#include "str.h"
#include "url.h"

#include <stdio.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"limit", 1, "N", "stop after N records"},
    {"max-pages", 1, "N", "fetch at most N pages (start URLs included)"},
    {NULL, 0, NULL, NULL},
};

/* The command line as the run log keeps it. */
static json_t *run_args(char **urls, size_t nurls, const struct cv_crawl_opts *o)
{
    json_t *a = json_object(), *u = json_array();

    if (!a || !u || json_object_set_new(a, "urls", u) < 0) {
        json_decref(u);
        json_decref(a);
        return NULL;
    }
    for (size_t i = 0; i < nurls; i++)
        if (json_array_append_new(u, json_string(urls[i])) < 0)
            goto fail;
    if ((o->limit && json_object_set_new(a, "limit", json_integer(o->limit)) < 0) ||
        (o->max_pages && json_object_set_new(a, "max_pages", json_integer(o->max_pages)) < 0))
        goto fail;
    return a;
fail:
    json_decref(a);
    return NULL;
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    struct cv_crawl_opts o = {0};
    struct cv_crawl_stats st;
    struct cv_sink sink;
    struct cv_source_entry *src;
    struct cv_store *store = NULL;
    const struct cv_store_stats *ss;
    json_t *args = NULL;
    char **urls = NULL, err[512], stored[512];
    const char *status;
    size_t nurls = 0;
    int rc = CV_EXIT_USAGE, crc, unreachable = 0, caught = 0;
    struct cv_crawl_signals sigs;

    if (cl->npos < 1)
        return cv_usage_error(rt, &cv_cmd_crawl, "give the SOURCE to run");
    src = cv_registry_find(&rt->reg, cl->pos[0]);
    if (!src)
        return cv_usage_error(rt, &cv_cmd_crawl, "no source named '%s' (carvest sources lists "
                              "them)", cl->pos[0]);
    if (cv_cmdline_number(rt, cl, "limit", 1, 1L << 40, &o.limit) < 0 ||
        cv_cmdline_number(rt, cl, "max-pages", 1, 1L << 40, &o.max_pages) < 0)
        return CV_EXIT_USAGE;
    urls = cv_calloc((size_t)cl->npos + src->start_urls.n + 1, sizeof(*urls));
    if (!urls)
        return CV_EXIT_PARTIAL;
    for (int i = 1; i < cl->npos; i++) {
        char *u = cv_url_canonical(cl->pos[i], NULL);
        if (!u) {
            rc = cv_usage_error(rt, &cv_cmd_crawl, "'%s' is not an http(s) URL", cl->pos[i]);
            goto out;
        }
        urls[nurls++] = u;
    }
    if (cl->npos == 1) {
        for (size_t i = 0; i < src->start_urls.n; i++) {
            char *u = cv_url_canonical(src->start_urls.items[i], NULL);
            if (!u) {
                cv_log(&rt->log, CV_LOG_WARN, "source %s: start URL '%s' is not an http(s) URL; "
                       "skipped", src->name, src->start_urls.items[i]);
                continue;
            }
            urls[nurls++] = u;
        }
    }
    if (!nurls) {
        rc = cv_usage_error(rt, &cv_cmd_crawl, "source '%s' has no start URLs; give one", src->name);
        goto out;
    }
    o.source = src;
    o.urls = urls;
    o.nurls = nurls;
    cv_crawl_catch_signals(&sigs);
    caught = 1;
    if (!rt->opt.dry_run) {
        store = cv_store_open(rt, &unreachable, err, sizeof(err));
        if (!store) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s; nothing was crawled (--dry-run crawls without "
                   "storing)", err);
            rc = unreachable ? CV_EXIT_DB : CV_EXIT_PARTIAL;
            goto out;
        }
        if (!(args = run_args(urls, nurls, &o))) {
            cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
            rc = CV_EXIT_PARTIAL;
            goto out;
        }
        if (cv_store_run_start(store, "crawl", src->name, args) < 0) {
            cv_log(&rt->log, CV_LOG_ERROR, "the run could not be recorded; nothing was crawled");
            rc = cv_store_unreachable(store) ? CV_EXIT_DB : CV_EXIT_PARTIAL;
            goto out;
        }
    }
    cv_sink_init(&sink, rt->opt.output, stdout);
    o.sink = &sink;
    o.store = store;
    crc = cv_crawl_run(rt, &o, &st);
    /* What the last pages gave is still waiting for its batch. */
    if (store && !st.store_failed && cv_store_flush(store, st.store_error,
                                                    sizeof(st.store_error)) < 0)
        st.store_failed = 1;
    if (st.store_failed)
        cv_log(&rt->log, CV_LOG_ERROR, "%s; the crawl stopped (running it again stores what "
               "was not stored)", st.store_error);
    status = st.store_failed || crc < 0 || st.output_failed ? "failed"
           : st.interrupted ? "interrupted" : "completed";
    if (store)
        cv_store_run_finish(store, status, st.pages, st.records, st.failed,
                            st.store_failed ? st.store_error
                            : crc < 0 ? "the crawl could not run to its end"
                            : st.output_failed ? "standard output could not be written"
                            : st.interrupted ? "interrupted by a signal" : NULL);
    ss = store ? cv_store_stats(store) : NULL;
    if (ss) {
        memcpy(stored, "; ", 3);
        cv_store_stats_text(ss, stored + 2, sizeof(stored) - 2);
    } else {
        snprintf(stored, sizeof(stored), "; nothing stored (--dry-run)");
    }
    cv_log(&rt->log, CV_LOG_INFO, "crawl %s: %lu page%s, %lu record%s, %lu failed, %lu refused "
           "by robots.txt, %lu link%s not followed (--max-pages)%s%s", src->name, st.pages,
           st.pages == 1 ? "" : "s", st.records, st.records == 1 ? "" : "s", st.failed,
           st.robots, st.not_followed, st.not_followed == 1 ? "" : "s", stored,
           st.interrupted ? "; interrupted" : "");
    rc = st.store_failed && cv_store_unreachable(store) ? CV_EXIT_DB
       : st.store_failed || crc < 0 || st.interrupted || st.failed || st.output_failed ||
         (ss && ss->rejected)
           ? CV_EXIT_PARTIAL
       : CV_EXIT_OK;
out:
    cv_store_close(store);
    if (caught)
        cv_crawl_release_signals(&sigs);
    json_decref(args);
    for (size_t i = 0; i < nurls; i++)
        cv_free(urls[i]);
    cv_free(urls);
    return rc;
}

const struct cv_command cv_cmd_crawl = {
    .name = "crawl",
    .args = "SOURCE [URL...] [--limit N] [--max-pages N]",
    .summary = "run a source from its start URLs, following its links",
    .description = "Run SOURCE from the given URLs (else its own start URLs), fetching every "
                   "link it asks to follow once, politely (robots.txt, per-host delay, "
                   "backoff, Retry-After). Records print on stdout as --output says and are "
                   "stored in the database (--dry-run: not stored), where re-running the crawl "
                   "changes only what changed at the source. Failed pages are reported and "
                   "counted; the crawl goes on and exits with status 1. The database is "
                   "waited for when it restarts; if it stays away (about a minute), the crawl "
                   "stops with status 3 (another database error: status 1) and the next run "
                   "stores what was missed. SIGINT or "
                   "SIGTERM stops fetching, stores what was extracted and exits with status 1. "
                   "Each run is logged in the crawl_runs table.",
    .opts = opts,
    .needs_sources = 1,
    .run = run,
};
