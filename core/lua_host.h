/*
 * lua_host.h -- Lua 5.4 rule files: loading and running them in a sandbox.
 *
 * Each rule file gets its own lua_State with only the safe parts of the
 * standard library (no io, os, package/require, debug, coroutine,
 * string.dump, file loading; load() accepts text only), globals locked
 * after the file has run, and per-page limits on instructions and memory.
 * An error fails the page it happened on, reported as "file:line: message";
 * the run goes on.  carvest-lua(7) documents the API rules see.
 */
#ifndef CV_LUA_HOST_H
#define CV_LUA_HOST_H

#include <stddef.h>

struct cv_lua_rule;
struct cv_page;
struct cv_source_entry;

struct cv_lua_limits {
    long instructions;   /* per page */
    long memory;         /* bytes per page, on top of what the rule holds */
};

/* Run the rule file at `path` and read its registration table into
 * entry's name, version, description, claims, fingerprints, start_urls,
 * delay_ms.  NULL with "file:line: reason" in errbuf on failure. */
struct cv_lua_rule *cv_lua_load(const char *path, const struct cv_lua_limits *lim,
                                struct cv_source_entry *entry, char *errbuf, size_t errlen);
/* Call the rule's extract(page).  0, or -1 with the error on the page. */
int cv_lua_extract(struct cv_lua_rule *rule, struct cv_page *page);
void cv_lua_free(struct cv_lua_rule *rule);

#endif
