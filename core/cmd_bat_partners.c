/*
 * cmd_bat_partners.c -- `carvest bat-partners index|enrich|import|inventory|ingest`:
 * the command line of the BaT Local Partners flow (bat_partners.h), with
 * the flags and defaults of the original runbook's scripts.
 */
#include "bat_partners.h"
#include "cli.h"
#include "crawl.h"
#include "log.h"
#include "runtime.h"

#include <stdio.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"url", 1, "URL", "index: the directory page (default: the source's start URL)"},
    {"limit", 1, "N", "index: the first N partners; enrich, inventory: N partners"},
    {"resume-from", 1, "N", "enrich, inventory: skip the first N partners"},
    {"limit-partners", 1, "N", "import: N partners"},
    {"resume-from-partner", 1, "N", "import: skip the first N partners"},
    {"partner-key", 1, "KEY", "enrich, import: only the partner with this geographic_key"},
    {"listing-limit", 1, "N", "import: at most N listings per partner"},
    {"concurrency", 1, "N", "requests in flight (import 1, at most 3; enrich 3, at most 10)"},
    {"max-pages", 1, "N", "import: member pages per partner, Show More pages included (10, at "
                          "most 50)"},
    {"no-skip-existing", 0, NULL, "import: fetch ended listings already stored; enrich: read "
                                  "homepages already read"},
    {"skip-existing", 0, NULL, "the default (see --no-skip-existing)"},
    {"run-mode", 1, "MODE", "inventory: current (default), sold or both"},
    {"process-inventory-batches", 1, "N", "inventory: not available yet (see the manual)"},
    {"process-import-batches", 1, "N", "inventory: not available yet (see the manual)"},
    {"skip-index", 0, NULL, "ingest: without the index step"},
    {"skip-enrich", 0, NULL, "ingest: without the enrich step"},
    {"skip-import", 0, NULL, "ingest: without the import step"},
    {NULL, 0, NULL, NULL},
};

/* Which steps each option goes with. */
static const struct {
    const char *opt;
    const char *steps;    /* space-separated */
} applies[] = {
    {"url", "index ingest"},
    {"limit", "index enrich inventory ingest"},
    {"resume-from", "enrich inventory ingest"},
    {"limit-partners", "import ingest"},
    {"resume-from-partner", "import ingest"},
    {"partner-key", "enrich import ingest"},
    {"listing-limit", "import ingest"},
    {"concurrency", "enrich import ingest"},
    {"max-pages", "import ingest"},
    {"no-skip-existing", "enrich import ingest"},
    {"skip-existing", "enrich import ingest"},
    {"run-mode", "inventory"},
    {"process-inventory-batches", "inventory"},
    {"process-import-batches", "inventory"},
    {"skip-index", "ingest"},
    {"skip-enrich", "ingest"},
    {"skip-import", "ingest"},
};

static int goes_with(const char *opt, const char *step)
{
    for (size_t i = 0; i < sizeof(applies) / sizeof(applies[0]); i++) {
        const char *s = applies[i].steps;
        size_t n = strlen(step);
        if (strcmp(applies[i].opt, opt) != 0)
            continue;
        while ((s = strstr(s, step)) != NULL) {
            if ((s == applies[i].steps || s[-1] == ' ') && (s[n] == ' ' || !s[n]))
                return 1;
            s += n;
        }
        return 0;
    }
    return 1;
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    static const char *const steps[] = {"index", "enrich", "import", "inventory", "ingest"};
    struct cv_bp_opts o;
    struct cv_sink sink;
    struct cv_crawl_signals sigs;
    const char *step, *v;
    long n;
    int known = 0, rc;

    if (cl->npos < 1)
        return cv_usage_error(rt, &cv_cmd_bat_partners, "give the step: index, enrich, import, "
                              "inventory or ingest");
    step = cl->pos[0];
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        known |= !strcmp(step, steps[i]);
    if (!known)
        return cv_usage_error(rt, &cv_cmd_bat_partners, "unknown step '%s' (index, enrich, "
                              "import, inventory or ingest)", step);
    if (cl->npos > 1)
        return cv_usage_error(rt, &cv_cmd_bat_partners, "bat-partners %s takes no arguments "
                              "('%s' given)", step, cl->pos[1]);
    for (int i = 0; i < cl->nopts; i++)
        if (!goes_with(cl->names[i], step))
            return cv_usage_error(rt, &cv_cmd_bat_partners, "--%s does not go with "
                                  "bat-partners %s", cl->names[i], step);

    cv_bp_opts_init(&o);
    o.url = cv_cmdline_get(cl, "url");
    o.partner_key = cv_cmdline_get(cl, "partner-key");
    if (cv_cmdline_number(rt, cl, "limit", 1, 1L << 30, &o.limit) < 0 ||
        cv_cmdline_number(rt, cl, "resume-from", 0, 1L << 30, &o.resume_from) < 0 ||
        cv_cmdline_number(rt, cl, "limit-partners", 1, 1L << 30, &o.limit_partners) < 0 ||
        cv_cmdline_number(rt, cl, "resume-from-partner", 0, 1L << 30,
                          &o.resume_from_partner) < 0 ||
        cv_cmdline_number(rt, cl, "listing-limit", 1, 1L << 30, &o.listing_limit) < 0 ||
        cv_cmdline_number(rt, cl, "max-pages", 1, 50, &o.max_pages) < 0 ||
        cv_cmdline_number(rt, cl, "concurrency", 1, !strcmp(step, "import") ? 3 : 10,
                          &o.concurrency) < 0)
        return CV_EXIT_USAGE;
    /* the last of --skip-existing / --no-skip-existing wins */
    for (int i = 0; i < cl->nopts; i++) {
        if (!strcmp(cl->names[i], "no-skip-existing"))
            o.skip_existing = 0;
        else if (!strcmp(cl->names[i], "skip-existing"))
            o.skip_existing = 1;
    }
    if ((v = cv_cmdline_get(cl, "run-mode"))) {
        if (strcmp(v, "current") && strcmp(v, "sold") && strcmp(v, "both"))
            return cv_usage_error(rt, &cv_cmd_bat_partners, "--run-mode: '%s' is not one of "
                                  "current, sold, both", v);
        o.run_mode = v;
    }
    n = 0;
    if (cv_cmdline_number(rt, cl, "process-inventory-batches", 0, 5000, &n) < 0)
        return CV_EXIT_USAGE;
    if (cv_cmdline_get(cl, "process-inventory-batches") && n > 0)
        return cv_usage_error(rt, &cv_cmd_bat_partners, "--process-inventory-batches: "
                              "processing the inventory sync queue is not in this version of "
                              "carvest; bat-partners inventory only queues the partners");
    n = 0;
    if (cv_cmdline_number(rt, cl, "process-import-batches", 0, 20000, &n) < 0)
        return CV_EXIT_USAGE;
    if (cv_cmdline_get(cl, "process-import-batches") && n > 0)
        return cv_usage_error(rt, &cv_cmd_bat_partners, "--process-import-batches: "
                              "processing the import queue is not in this version of carvest; "
                              "bat-partners import imports the listings itself");
    o.skip_index = cv_cmdline_get(cl, "skip-index") != NULL;
    o.skip_enrich = cv_cmdline_get(cl, "skip-enrich") != NULL;
    o.skip_import = cv_cmdline_get(cl, "skip-import") != NULL;
    if (o.concurrency > 3 && !strcmp(step, "ingest"))
        cv_log(&rt->log, CV_LOG_INFO, "--concurrency %ld: the import step uses 3, its most",
               o.concurrency);

    cv_sink_init(&sink, rt->opt.output, stdout);
    cv_crawl_catch_signals(&sigs);
    rc = cv_bp_run(rt, step, &o, &sink);
    if (cv_crawl_stop_requested() && rc == CV_EXIT_OK)
        rc = CV_EXIT_PARTIAL;
    cv_crawl_release_signals(&sigs);
    return rc;
}

const struct cv_command cv_cmd_bat_partners = {
    .name = "bat-partners",
    .args = "index|enrich|import|inventory|ingest [OPTIONS]",
    .summary = "the BaT Local Partners flow: directory, enrichment, listings, inventory queue",
    .description = "index reads the BaT Local Partners directory into businesses (keyed by "
                   "geographic_key); enrich reads each partner's homepage once for its favicon, "
                   "logo, banner and inventory pages; import reads each partner's BaT member "
                   "page, Show More pages included, and imports every listing as a vehicle "
                   "linked to the partner (consigner, sold_by once sold); inventory queues the "
                   "partners in organization_inventory_sync_queue; ingest runs index, enrich "
                   "and import in turn. Safe to re-run: an interrupted run continues where it "
                   "stopped, a finished one does not repeat its work. A summary of what was "
                   "done, skipped, deferred (rate-limited) and failed, and why, follows the "
                   "records. See carvest-bat-partners(1).",
    .opts = opts,
    .needs_sources = 1,
    .run = run,
};
