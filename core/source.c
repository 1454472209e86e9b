/*
 * source.c -- finding, loading and routing sources (see source.h).
 */
#include "source.h"
#include "lua_host.h"
#include "mem.h"
#include "page.h"
#include "runtime.h"
#include "str.h"
#include "url.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CV_BUILDDIR
#define CV_BUILDDIR ""
#endif
#ifndef CV_SRCDIR
#define CV_SRCDIR ""
#endif
#ifndef CV_PKGLIBDIR
#define CV_PKGLIBDIR "/usr/local/lib/carvest"
#endif
#ifndef CV_PKGDATADIR
#define CV_PKGDATADIR "/usr/local/share/carvest"
#endif

/* --- entries ------------------------------------------------------------ */

void cv_source_free(struct cv_source_entry *e)
{
    if (!e)
        return;
    if (e->lua)
        cv_lua_free(e->lua);
    if (e->dl)
        dlclose(e->dl);
    cv_free(e->name);
    cv_free(e->version);
    cv_free(e->description);
    cv_strlist_free(&e->claims);
    cv_strlist_free(&e->fingerprints);
    cv_strlist_free(&e->start_urls);
    cv_free(e->path);
    cv_free(e);
}

static int valid_name(const char *s)
{
    size_t n = 0;

    if (!s)
        return 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
            return 0;
    return n > 0 && n <= 64;
}

static int copy_list(struct cv_strlist *l, const char *const *items)
{
    for (size_t i = 0; items && items[i]; i++)
        if (cv_strlist_add(l, items[i]) < 0)
            return -1;
    return 0;
}

struct cv_source_entry *cv_source_load_so(const char *path, char *errbuf, size_t errlen)
{
    struct cv_source_entry *e = NULL;
    cv_source_entry_fn entry;
    const struct cv_source *s;
    void *dl;

    dlerror();
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        snprintf(errbuf, errlen, "%s", dlerror());
        return NULL;
    }
    *(void **)(&entry) = dlsym(dl, CV_SOURCE_SYMBOL);
    if (!entry) {
        snprintf(errbuf, errlen, "%s: no '%s' symbol: not a carvest plugin", path, CV_SOURCE_SYMBOL);
        goto fail;
    }
    s = entry();
    if (!s) {
        snprintf(errbuf, errlen, "%s: %s() returned nothing", path, CV_SOURCE_SYMBOL);
        goto fail;
    }
    if (s->abi_version != CV_ABI_VERSION) {
        snprintf(errbuf, errlen,
                 "%s: built for plugin ABI version %u, this carvest speaks version %u; "
                 "rebuild it against this carvest's <carvest/plugin.h>",
                 path, (unsigned)s->abi_version, (unsigned)CV_ABI_VERSION);
        goto fail;
    }
    if (!valid_name(s->name)) {
        snprintf(errbuf, errlen, "%s: source name '%s' is not made of a-z, 0-9 and '-'", path,
                 s->name ? s->name : "(null)");
        goto fail;
    }
    if (!s->extract) {
        snprintf(errbuf, errlen, "%s: source '%s' has no extract function", path, s->name);
        goto fail;
    }
    e = cv_calloc(1, sizeof(*e));
    if (!e)
        goto oom;
    e->kind = CV_SOURCE_SO;
    e->dl = dl;
    e->so = s;
    e->delay_ms = s->delay_ms;
    e->name = cv_strdup(s->name);
    e->version = cv_strdup(s->version ? s->version : "0");
    e->description = cv_strdup(s->description ? s->description : "");
    e->path = cv_strdup(path);
    if (!e->name || !e->version || !e->description || !e->path ||
        copy_list(&e->claims, s->claims) < 0 || copy_list(&e->fingerprints, s->fingerprints) < 0 ||
        copy_list(&e->start_urls, s->start_urls) < 0)
        goto oom;
    return e;
oom:
    snprintf(errbuf, errlen, "out of memory");
    if (e) {
        e->dl = NULL;   /* closed below */
        cv_source_free(e);
    }
fail:
    dlclose(dl);
    return NULL;
}

static struct cv_source_entry *load_lua(struct cv_runtime *rt, const char *path,
                                        char *errbuf, size_t errlen)
{
    struct cv_lua_limits lim = {rt->opt.lua_instructions, rt->opt.lua_memory};
    struct cv_source_entry *e = cv_calloc(1, sizeof(*e));

    if (!e) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    e->kind = CV_SOURCE_LUA;
    e->path = cv_strdup(path);
    e->lua = e->path ? cv_lua_load(path, &lim, e, errbuf, errlen) : NULL;
    if (!e->lua) {
        cv_source_free(e);
        return NULL;
    }
    return e;
}

/* --- directories ------------------------------------------------------------ */

static int add_dir(struct cv_strlist *l, const char *prefix, const char *a, const char *b)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s%s%s", prefix, a, b);
    return cv_strlist_add(l, path);
}

/* The directories, in override order, as "plugins:DIR" / "rules:DIR". */
static int source_dirs(struct cv_runtime *rt, struct cv_strlist *out)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char data[4096] = "";

    if (rt->in_build_tree) {
        if (add_dir(out, "plugins:", CV_BUILDDIR, "/plugins/.libs") < 0 ||
            add_dir(out, "rules:", CV_SRCDIR, "/lua-rules") < 0)
            return -1;
    } else {
        if (add_dir(out, "plugins:", CV_PKGLIBDIR, "") < 0 ||
            add_dir(out, "rules:", CV_PKGDATADIR, "/rules") < 0)
            return -1;
    }
    if (xdg && *xdg)
        snprintf(data, sizeof(data), "%s/carvest", xdg);
    else if (home && *home)
        snprintf(data, sizeof(data), "%s/.local/share/carvest", home);
    if (*data && (add_dir(out, "plugins:", data, "/plugins") < 0 ||
                  add_dir(out, "rules:", data, "/rules") < 0))
        return -1;
    for (size_t i = 0; i < rt->opt.source_dirs.n; i++)
        if (cv_strlist_add(out, rt->opt.source_dirs.items[i]) < 0)
            return -1;
    return 0;
}

int cv_source_dirs(struct cv_runtime *rt, struct cv_strlist *plugin_dirs,
                   struct cv_strlist *rule_dirs, struct cv_strlist *tiers)
{
    struct cv_strlist all = {0};
    int rc = -1;

    if (source_dirs(rt, &all) < 0)
        goto out;
    for (size_t i = 0; i < all.n; i++) {
        int rules = cv_starts_with(all.items[i], "rules:");
        const char *dir = all.items[i] + (rules ? 6 : 8);
        if (plugin_dirs && !rules && cv_strlist_add(plugin_dirs, dir) < 0)
            goto out;
        if (rule_dirs && rules && cv_strlist_add(rule_dirs, dir) < 0)
            goto out;
        if (tiers && cv_strlist_add(tiers, all.items[i]) < 0)
            goto out;
    }
    rc = 0;
out:
    cv_strlist_free(&all);
    return rc;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* File names in dir ending in `ext`, sorted.  A missing dir is empty. */
static int list_dir(const char *dir, const char *ext, struct cv_strlist *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        char path[4096];
        struct stat st;
        if (de->d_name[0] == '.' || !cv_ends_with(de->d_name, ext))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (cv_strlist_add(out, path) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    if (out->n)
        qsort(out->items, out->n, sizeof(out->items[0]), by_string);
    return 0;
}

/* --- the registry ------------------------------------------------------------- */

static int push(struct cv_source_entry ***arr, size_t *n, struct cv_source_entry *e)
{
    struct cv_source_entry **a = cv_realloc(*arr, (*n + 1) * sizeof(*a));

    if (!a)
        return -1;
    *arr = a;
    a[(*n)++] = e;
    return 0;
}

/* Add e, moving any earlier source of the same name to the shadowed list. */
static int install(struct cv_runtime *rt, struct cv_registry *reg, struct cv_source_entry *e)
{
    for (size_t i = 0; i < reg->n; i++) {
        if (strcmp(reg->items[i]->name, e->name))
            continue;
        cv_log(&rt->log, CV_LOG_INFO, "source %s: %s overrides %s", e->name, e->path,
               reg->items[i]->path);
        if (push(&reg->shadowed, &reg->nshadowed, reg->items[i]) < 0)
            return -1;
        reg->items[i] = e;
        return 0;
    }
    return push(&reg->items, &reg->n, e);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct cv_source_entry *const *)a)->name,
                  (*(struct cv_source_entry *const *)b)->name);
}

int cv_registry_load(struct cv_runtime *rt, struct cv_registry *reg)
{
    struct cv_strlist tiers = {0};
    int rc = -1;

    if (cv_source_dirs(rt, NULL, NULL, &tiers) < 0)
        goto out;
    for (size_t t = 0; t < tiers.n; t++) {
        int rules = cv_starts_with(tiers.items[t], "rules:");
        const char *dir = tiers.items[t] + (rules ? 6 : 8);
        struct cv_strlist files = {0};

        if (list_dir(dir, rules ? ".lua" : ".so", &files) < 0)
            goto out;
        for (size_t i = 0; i < files.n; i++) {
            char err[1024];
            struct cv_source_entry *e = rules ? load_lua(rt, files.items[i], err, sizeof(err))
                                              : cv_source_load_so(files.items[i], err, sizeof(err));
            if (!e) {
                cv_log(&rt->log, CV_LOG_ERROR, "%s %s skipped: %s", rules ? "rule" : "plugin",
                       files.items[i], err);
                reg->failures++;
                continue;
            }
            if (install(rt, reg, e) < 0) {
                cv_source_free(e);
                cv_strlist_free(&files);
                goto out;
            }
        }
        cv_strlist_free(&files);
    }
    if (reg->n)
        qsort(reg->items, reg->n, sizeof(reg->items[0]), by_name);
    rc = 0;
out:
    cv_strlist_free(&tiers);
    return rc;
}

void cv_registry_free(struct cv_registry *reg)
{
    for (size_t i = 0; i < reg->n; i++)
        cv_source_free(reg->items[i]);
    for (size_t i = 0; i < reg->nshadowed; i++)
        cv_source_free(reg->shadowed[i]);
    cv_free(reg->items);
    cv_free(reg->shadowed);
    memset(reg, 0, sizeof(*reg));
}

struct cv_source_entry *cv_registry_find(const struct cv_registry *reg, const char *name)
{
    for (size_t i = 0; name && i < reg->n; i++)
        if (!strcmp(reg->items[i]->name, name))
            return reg->items[i];
    return NULL;
}

/* Literal characters in a pattern: more means more specific. */
static size_t specificity(const char *pattern)
{
    size_t n = 0;

    for (; *pattern; pattern++)
        n += *pattern != '*';
    return n;
}

struct cv_source_entry *cv_registry_route(const struct cv_registry *reg, const char *url)
{
    struct cv_source_entry *best = NULL;
    size_t best_score = 0;

    for (size_t i = 0; url && i < reg->n; i++)
        for (size_t j = 0; j < reg->items[i]->claims.n; j++) {
            const char *pat = reg->items[i]->claims.items[j];
            size_t score = specificity(pat) + 1;
            if (score > best_score && cv_url_claim_match(pat, url)) {
                best = reg->items[i];
                best_score = score;
            }
        }
    return best;
}

struct cv_source_entry *cv_registry_fingerprint(const struct cv_registry *reg,
                                                const char *body, size_t len)
{
    for (size_t i = 0; body && i < reg->n; i++)
        for (size_t j = 0; j < reg->items[i]->fingerprints.n; j++) {
            const char *fp = reg->items[i]->fingerprints.items[j];
            if (*fp && memmem(body, len, fp, strlen(fp)))
                return reg->items[i];
        }
    return NULL;
}

int cv_source_extract(struct cv_runtime *rt, struct cv_source_entry *src, struct cv_page *page)
{
    int rc;

    (void)rt;
    if (src->kind == CV_SOURCE_SO)
        rc = src->so->extract(cv_api_table(), page);
    else
        rc = cv_lua_extract(src->lua, page);
    if (rc != 0 && !page->error)
        cv_page_fail(page, "the source gave up on the page");
    if (page->nrecords)
        cv_page_log(page, CV_LOG_DEBUG, "%zu record(s) built but never emitted", page->nrecords);
    return page->error ? -1 : 0;
}
