/*
 * cmd_sources.c -- `carvest sources`: what sources are loaded, from where.
 */
#include "cli.h"
#include "mem.h"
#include "runtime.h"
#include "source.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cv_cmdopt opts[] = {
    {"json", 0, NULL, "one JSON object per line: name, kind, version, claims, path"},
    {NULL, 0, NULL, NULL},
};

static const char *kind_name(const struct cv_source_entry *e)
{
    return e->kind == CV_SOURCE_SO ? "so" : "lua";
}

/* Claims as shown: URL patterns as they are, fingerprints as "html:TEXT". */
static json_t *claims_json(const struct cv_source_entry *e)
{
    json_t *a = json_array();
    char buf[1024];

    for (size_t i = 0; a && i < e->claims.n; i++)
        json_array_append_new(a, json_string(e->claims.items[i]));
    for (size_t i = 0; a && i < e->fingerprints.n; i++) {
        snprintf(buf, sizeof(buf), "html:%s", e->fingerprints.items[i]);
        json_array_append_new(a, json_string(buf));
    }
    return a;
}

static void print_json(const struct cv_source_entry *e)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s}", "name", e->name, "kind", kind_name(e),
                          "version", e->version, "claims", claims_json(e), "path", e->path);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    if (line)
        printf("%s\n", line);
    free(line);   /* jansson's allocation */
    json_decref(o);
}

#define CLAIMS_WIDTH 38

/* The claims that fit the column, then "+N" for the others (--json has
 * them all). */
static void print_row(const struct cv_source_entry *e)
{
    json_t *claims = claims_json(e);
    char joined[512] = "";
    size_t i, used = 0, total = json_array_size(claims);
    json_t *c;

    json_array_foreach(claims, i, c) {
        const char *s = json_string_value(c);
        size_t room = CLAIMS_WIDTH - (i + 1 < total ? 4 : 0);
        if (i && used + 2 + strlen(s) > room) {
            snprintf(joined + used, sizeof(joined) - used, " +%zu", total - i);
            break;
        }
        used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s", i ? ", " : "", s);
        if (used >= sizeof(joined) - 1)
            break;
    }
    json_decref(claims);
    printf("%-20s %-4s %-8s %-*s %s\n", e->name, kind_name(e), e->version, CLAIMS_WIDTH,
           *joined ? joined : "-", e->path);
}

static int run(struct cv_runtime *rt, const struct cv_cmdline *cl)
{
    const struct cv_registry *reg = &rt->reg;
    int json = cv_cmdline_get(cl, "json") != NULL;

    if (cl->npos)
        return cv_usage_error(rt, &cv_cmd_sources, "sources takes no arguments");
    if (!json)
        printf("%-20s %-4s %-8s %-*s %s\n", "NAME", "KIND", "VERSION", CLAIMS_WIDTH, "CLAIMS",
               "FILE");
    for (size_t i = 0; i < reg->n; i++) {
        if (json)
            print_json(reg->items[i]);
        else
            print_row(reg->items[i]);
    }
    if (cv_log_enabled(&rt->log, CV_LOG_DEBUG)) {
        struct cv_strlist tiers = {0};
        for (size_t i = 0; i < reg->nshadowed; i++)
            cv_log(&rt->log, CV_LOG_DEBUG, "overridden: %s (%s)", reg->shadowed[i]->name,
                   reg->shadowed[i]->path);
        if (cv_source_dirs(rt, NULL, NULL, &tiers) == 0)
            for (size_t i = 0; i < tiers.n; i++)
                cv_log(&rt->log, CV_LOG_DEBUG, "searched %s", tiers.items[i]);
        cv_strlist_free(&tiers);
    }
    if (reg->failures) {
        cv_log(&rt->log, CV_LOG_WARN, "%u source file%s could not be loaded (see above)",
               reg->failures, reg->failures == 1 ? "" : "s");
        return CV_EXIT_PARTIAL;
    }
    return CV_EXIT_OK;
}

const struct cv_command cv_cmd_sources = {
    .name = "sources",
    .args = "[--json]",
    .summary = "list the loaded sources and the files they come from",
    .description = "List every source carvest loaded: name, kind (so for a plugin, lua for a "
                   "rule file), version, the URLs and sites it claims, and the file that won "
                   "when several directories hold a source of the same name (-v also shows the "
                   "ones overridden and the directories searched). Files that fail to load "
                   "are reported on stderr and make the exit status 1.",
    .opts = opts,
    .needs_sources = 1,
    .run = run,
};
