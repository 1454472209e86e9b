/*
 * cmd_extract.c -- `carvest extract`: one source, one page, no database.
 *
 * The debugging loop for source authors: run a source on a saved file or
 * a live URL and see exactly the records it emits (and, with -v, the
 * links it would follow).
 */
#include "cli.h"
#include "buf.h"
#include "crawl.h"
#include "fetch.h"
#include "mem.h"
#include "runtime.h"
#include "source.h"
#include "str.h"
#include "url.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"url", 1, "CANONICAL", "the real URL of FILE (for links, identity and routing)"},
    {"kind", 1, "KIND", "the page kind, as a follow would give it (e.g. homepage, rest)"},
    {NULL, 0, NULL, NULL},
};

/* What the fetch callback keeps of the one response. */
struct got {
    enum cv_err err;
    char *url, *ctype, *errmsg;
    struct cv_buf body;
    long status;
};

static void on_response(struct cv_response *res, void *ctx)
{
    struct got *g = ctx;

    g->err = res->err;
    g->status = res->status;
    g->url = cv_strdup(res->url);
    g->ctype = res->content_type ? cv_strdup(res->content_type) : NULL;
    g->errmsg = cv_strdup(res->errmsg);
    if (res->err == CV_OK && cv_buf_append(&g->body, res->body, res->len) < 0)
        g->err = CV_ENOMEM;
}

static int is_url(const char *s)
{
    return cv_starts_with_ci(s, "http://") || cv_starts_with_ci(s, "https://");
}

static int read_input(struct cv_runtime *rt, const char *path, struct cv_buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char chunk[65536];
    size_t n;
    int rc = 0;

    if (!f) {
        cv_log(&rt->log, CV_LOG_ERROR, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (cv_buf_append(b, chunk, n) < 0) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s is larger than --max-bytes (%ld)", path,
                   rt->opt.max_bytes);
            rc = -1;
            break;
        }
    if (ferror(f)) {
        cv_log(&rt->log, CV_LOG_ERROR, "cannot read %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    const char *target, *given_url = cv_cmdline_get(cl, "url");
    struct cv_source_entry *src = NULL;
    struct got g;
    struct cv_sink sink;
    struct cv_fetcher *f = NULL;
    char *page_url = NULL;
    unsigned long n = 0;
    int rc = CV_EXIT_USAGE;

    memset(&g, 0, sizeof(g));
    cv_buf_init(&g.body, (size_t)rt->opt.max_bytes);
    if (cl->npos < 1 || cl->npos > 2) {
        rc = cv_usage_error(rt, &cv_cmd_extract, "give [SOURCE] FILE|URL");
        goto out;
    }
    if (cl->npos == 2) {
        src = cv_registry_find(&rt->reg, cl->pos[0]);
        if (!src) {
            rc = cv_usage_error(rt, &cv_cmd_extract, "no source named '%s' (carvest sources "
                                "lists them)", cl->pos[0]);
            goto out;
        }
    }
    target = cl->pos[cl->npos - 1];
    cv_sink_init(&sink, rt->opt.output, stdout);

    if (is_url(target)) {
        if (given_url) {
            rc = cv_usage_error(rt, &cv_cmd_extract, "--url is for files; a URL is its own identity");
            goto out;
        }
        f = cv_fetcher_new(rt);
        if (!f || cv_fetcher_add(f, target, src ? (long)src->delay_ms : 0, NULL) < 0 ||
            cv_fetcher_run(f, on_response, &g) < 0) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s: cannot fetch (not an http(s) URL?)", target);
            rc = CV_EXIT_PARTIAL;
            goto out;
        }
        if (g.err != CV_OK) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s: %s", target, g.errmsg ? g.errmsg : cv_strerror(g.err));
            rc = CV_EXIT_PARTIAL;
            goto out;
        }
        page_url = cv_strdup(g.url);
    } else {
        if (given_url) {
            page_url = cv_url_canonical(given_url, NULL);
            if (!page_url) {
                rc = cv_usage_error(rt, &cv_cmd_extract, "--url '%s' is not an http(s) URL", given_url);
                goto out;
            }
        } else {
            char abs[PATH_MAX];
            if (!strcmp(target, "-") || !realpath(target, abs))
                snprintf(abs, sizeof(abs), "%s", target);
            page_url = cv_malloc(strlen(abs) + 8);
            if (page_url)
                sprintf(page_url, "file://%s", abs);
            cv_log(&rt->log, CV_LOG_INFO, "%s: no --url given; relative links cannot be "
                   "resolved and routing relies on the page's content", target);
        }
        if (read_input(rt, target, &g.body) < 0) {
            rc = CV_EXIT_USAGE;
            goto out;
        }
    }
    if (!page_url) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    rc = cv_extract_page(rt, src, page_url, cv_cmdline_get(cl, "kind"), cv_buf_str(&g.body),
                         g.body.len, g.ctype, g.status, &sink, &n) < 0 ? CV_EXIT_PARTIAL
                                                                       : CV_EXIT_OK;
    if (rc == CV_EXIT_OK && n == 0)
        cv_log(&rt->log, CV_LOG_INFO, "%s: the source emitted no records", page_url);
out:
    cv_fetcher_free(f);
    cv_free(page_url);
    cv_free(g.url);
    cv_free(g.ctype);
    cv_free(g.errmsg);
    cv_buf_free(&g.body);
    return rc;
}

const struct cv_command cv_cmd_extract = {
    .name = "extract",
    .args = "[SOURCE] FILE|URL [--url CANONICAL] [--kind KIND]",
    .summary = "run one source on one page and print its records",
    .description = "Run SOURCE on one page, a saved FILE ('-' for standard input) or a URL "
                   "fetched with the usual politeness, and print the records it emits as JSON "
                   "Lines (or as --output says). --url gives a file its real URL, used for "
                   "relative links, record identity and routing. Without SOURCE the page goes "
                   "to the source that claims its URL, else to one whose fingerprint it "
                   "carries. --kind gives the page the kind a source's follow would have given it "
                   "(a source may read pages of several kinds). Never touches the database. "
                   "With -v, the links the source would follow are listed on stderr.",
    .opts = opts,
    .needs_sources = 1,
    .run = run,
};
