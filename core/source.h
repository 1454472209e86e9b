/*
 * source.h -- the source registry: discovery, loading, routing.
 *
 * Sources come from directories searched in override order (DESIGN.md
 * section 2): built-in, $XDG_DATA_HOME/carvest/{plugins,rules},
 * CARVEST_PLUGIN_PATH / CARVEST_RULES_PATH, --plugin-path / --rules-path.
 * In each directory tier plugins load before rules; a source loaded later
 * replaces an earlier one of the same name.  A file that fails to load
 * (wrong ABI, broken rule) is reported and skipped; the others still load.
 */
#ifndef CV_SOURCE_H
#define CV_SOURCE_H

#include "options.h"

#include <carvest/plugin.h>
#include <stddef.h>

struct cv_runtime;
struct cv_page;
struct cv_lua_rule;

enum cv_source_kind {
    CV_SOURCE_SO = 1,
    CV_SOURCE_LUA = 2
};

struct cv_source_entry {
    enum cv_source_kind kind;
    char *name;
    char *version;
    char *description;
    struct cv_strlist claims;
    struct cv_strlist fingerprints;
    struct cv_strlist start_urls;
    unsigned delay_ms;              /* 0: the core default */
    char *path;                     /* the file it was loaded from */
    void *dl;                       /* dlopen handle (plugins) */
    const struct cv_source *so;     /* registration (plugins) */
    struct cv_lua_rule *lua;        /* sandbox (rules) */
};

struct cv_registry {
    struct cv_source_entry **items;     /* the sources in use, sorted by name */
    size_t n;
    struct cv_source_entry **shadowed;  /* replaced by a later directory */
    size_t nshadowed;
    unsigned failures;                  /* files that could not be loaded */
};

/* The directories searched, in override order, as (dir, is_rules) pairs
 * appended to the lists.  0, or -1 when out of memory. */
int cv_source_dirs(struct cv_runtime *rt, struct cv_strlist *plugin_dirs,
                   struct cv_strlist *rule_dirs, struct cv_strlist *tiers);

/* Load every source.  Problems are logged; reg->failures counts them.
 * -1 only when out of memory. */
int cv_registry_load(struct cv_runtime *rt, struct cv_registry *reg);
void cv_registry_free(struct cv_registry *reg);

struct cv_source_entry *cv_registry_find(const struct cv_registry *reg, const char *name);
/* The source whose claim pattern matches url most specifically, or NULL. */
struct cv_source_entry *cv_registry_route(const struct cv_registry *reg, const char *url);
/* The first source (by name) whose fingerprint occurs in body, or NULL. */
struct cv_source_entry *cv_registry_fingerprint(const struct cv_registry *reg,
                                                const char *body, size_t len);

/* Load one plugin file; NULL with the reason in errbuf. */
struct cv_source_entry *cv_source_load_so(const char *path, char *errbuf, size_t errlen);
void cv_source_free(struct cv_source_entry *e);

/* Run a source on a page.  0, or -1 when the page failed (reason on page). */
int cv_source_extract(struct cv_runtime *rt, struct cv_source_entry *src, struct cv_page *page);

#endif
