/*
 * bat_partners.h -- the BaT Local Partners flow (seed 002): the directory
 * into businesses (index), each partner's homepage into its brand images
 * and inventory links (enrich), each partner's BaT listings into vehicles
 * linked to it (import), and the partners into the inventory sync queue
 * (inventory).  `carvest bat-partners` (cmd_bat_partners.c) is its
 * command line; carvest-bat-partners(1) documents it.
 *
 * The steps run sources through the crawl (crawl.h) with hooks that tie
 * every page to its partner, and keep a checkpoint per partner
 * (pipeline.h): an interrupted run continues where it stopped.
 */
#ifndef CV_BAT_PARTNERS_H
#define CV_BAT_PARTNERS_H

#include "output.h"

struct cv_runtime;

struct cv_bp_opts {
    const char *url;              /* index: the directory page (NULL: the source's) */
    long limit;                   /* index: partners; enrich: sites (0: all) */
    long resume_from;             /* enrich, inventory: skip the first N partners */
    long limit_partners;          /* import: partners (0: all) */
    long resume_from_partner;     /* import: skip the first N partners */
    const char *partner_key;      /* enrich, import: only this geographic_key */
    long listing_limit;           /* import: listings per partner (0: all) */
    long concurrency;             /* requests in flight (0: the step's default) */
    long max_pages;               /* import: member pages per partner, Show More pages included */
    int skip_existing;            /* enrich: skip enriched partners; import: skip ended
                                     listings already linked to the partner */
    const char *run_mode;         /* inventory: current, sold or both */
    int skip_index, skip_enrich, skip_import;   /* ingest */
};

/* Defaults as the runbook has them. */
void cv_bp_opts_init(struct cv_bp_opts *o);

/* Run a step: "index", "enrich", "import", "inventory" or "ingest" (index,
 * enrich, import in turn).  Records print on `sink`; a summary follows
 * (as JSON lines when the sink is jsonl, as text when it is a table) and
 * goes to the log.  Returns the exit status (cli.h): 0 all done, 1 some
 * partner failed or was only deferred (rate-limited), or the run was
 * interrupted, 3 the database is unreachable. */
int cv_bp_run(struct cv_runtime *rt, const char *step, const struct cv_bp_opts *o,
              struct cv_sink *sink);

#endif
