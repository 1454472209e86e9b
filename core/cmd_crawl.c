/*
 * cmd_crawl.c -- `carvest crawl`: a source from its start URLs, following
 * the links it asks for.
 */
#include "cli.h"
#include "crawl.h"
#include "mem.h"
#include "runtime.h"
#include "source.h"
#include "str.h"
#include "url.h"

#include <stdio.h>

static const struct cv_cmdopt opts[] = {
    {"limit", 1, "N", "stop after N records"},
    {"max-pages", 1, "N", "fetch at most N pages (start URLs included)"},
    {NULL, 0, NULL, NULL},
};

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    struct cv_crawl_opts o = {0};
    struct cv_crawl_stats st;
    struct cv_sink sink;
    struct cv_source_entry *src;
    char **urls = NULL;
    size_t nurls = 0;
    int rc = CV_EXIT_USAGE;

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
    if (!rt->opt.dry_run)
        cv_log(&rt->log, CV_LOG_INFO, "this version prints records; storing them in PostgreSQL "
               "is not implemented yet, so the crawl runs as --dry-run");
    cv_sink_init(&sink, rt->opt.output, stdout);
    o.source = src;
    o.urls = urls;
    o.nurls = nurls;
    o.sink = &sink;
    if (cv_crawl_run(rt, &o, &st) < 0) {
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    cv_log(&rt->log, CV_LOG_INFO, "crawl %s: %lu page%s, %lu record%s, %lu failed, %lu refused "
           "by robots.txt, %lu link%s not followed (--max-pages)", src->name, st.pages,
           st.pages == 1 ? "" : "s", st.records, st.records == 1 ? "" : "s", st.failed,
           st.robots, st.not_followed, st.not_followed == 1 ? "" : "s");
    rc = st.failed ? CV_EXIT_PARTIAL : CV_EXIT_OK;
out:
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
                   "backoff, Retry-After). Records print on stdout as --output says. Failed "
                   "pages are reported and counted; the crawl goes on and exits with status 1. "
                   "This version prints records only; PostgreSQL storage comes with the "
                   "database work, after which --dry-run keeps it from writing.",
    .opts = opts,
    .needs_sources = 1,
    .run = run,
};
