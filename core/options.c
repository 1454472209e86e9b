/*
 * options.c -- global options: defaults, validation, config file, env.
 */
#include "options.h"
#include "mem.h"
#include "str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The option table.  Keep it in the order --help shows it; carvest(1)
 * documents each entry under GLOBAL OPTIONS.
 */
static const struct cv_optdef global_opts[] = {
    {"config", 0, 1, "FILE", "read options from FILE instead of $XDG_CONFIG_HOME/carvest/carvest.conf"},
    {"db", 0, 1, "URL", "PostgreSQL connection (else $DATABASE_URL, PG* variables, embedded default)"},
    {"map-origin", 0, 1, "FROM=TO", "fetch URLs of origin FROM from base TO, keeping the real URL (repeatable)"},
    {"delay-ms", 0, 1, "N", "gap between an answer and the next request to that host (default: per source)"},
    {"concurrency", 0, 1, "N", "requests in flight overall (default 4)"},
    {"plugin-path", 0, 1, "DIRS", "extra plugin directories, colon-separated"},
    {"rules-path", 0, 1, "DIRS", "extra Lua rule directories, colon-separated"},
    {"output", 0, 1, "FMT", "how records print on stdout: jsonl, table or none"},
    {"dry-run", 'n', 0, NULL, "fetch and extract, write nothing"},
    {"verbose", 'v', 0, NULL, "more logging on stderr (repeatable)"},
    {"quiet", 'q', 0, NULL, "less logging on stderr: -q warnings and errors, -qq errors"},
    {"timeout-ms", 0, 1, "N", "give up on a response after N ms (default 30000)"},
    {"connect-timeout-ms", 0, 1, "N", "give up connecting after N ms (default 10000)"},
    {"max-bytes", 0, 1, "N", "largest response body accepted, bytes (default 10485760)"},
    {"max-redirects", 0, 1, "N", "redirects followed per URL (default 5)"},
    {"retries", 0, 1, "N", "retries after a 5xx, timeout or connection error (default 3)"},
    {"retry-base-ms", 0, 1, "N", "first retry delay; doubles each time, with jitter (default 1000)"},
    {"retry-max-ms", 0, 1, "N", "longest wait for one retry or Retry-After (default 120000)"},
    {"block-threshold", 0, 1, "N", "403/429/challenge answers in a row that pause a host (default 3)"},
    {"host-pause-ms", 0, 1, "N", "how long a blocking host is left alone (default 60000)"},
    {"max-waits", 0, 1, "N", "rate-limit waits allowed per URL before it fails (default 8)"},
    {"user-agent", 0, 1, "STRING", "User-Agent header (default carvest/VERSION (+URL))"},
    {"no-robots", 0, 0, NULL, "do not honour robots.txt (only for sites you run)"},
    {"lua-instructions", 0, 1, "N", "Lua instructions a rule may run per page (default 50000000)"},
    {"lua-memory", 0, 1, "BYTES", "memory a Lua rule may allocate per page (default 67108864)"},
};

const struct cv_optdef *cv_global_options(size_t *n)
{
    *n = sizeof(global_opts) / sizeof(global_opts[0]);
    return global_opts;
}

void cv_options_init(struct cv_options *o)
{
    memset(o, 0, sizeof(*o));
    o->delay_ms = -1;
    o->concurrency = 4;
    o->output = CV_OUTPUT_JSONL;
    o->timeout_ms = 30000;
    o->connect_timeout_ms = 10000;
    o->max_bytes = 10L * 1024 * 1024;
    o->max_redirects = 5;
    o->retries = 3;
    o->retry_base_ms = 1000;
    o->retry_max_ms = 120000;
    o->block_threshold = 3;
    o->host_pause_ms = 60000;
    o->max_waits = 8;
    o->robots = 1;
    o->lua_instructions = 50000000;
    o->lua_memory = 64L * 1024 * 1024;
}

int cv_strlist_add(struct cv_strlist *l, const char *s)
{
    char **items;
    char *copy = cv_strdup(s);

    if (!copy)
        return -1;
    items = cv_realloc(l->items, (l->n + 1) * sizeof(*items));
    if (!items) {
        cv_free(copy);
        return -1;
    }
    l->items = items;
    l->items[l->n++] = copy;
    return 0;
}

int cv_strlist_add_path(struct cv_strlist *l, const char *prefix, const char *dirs)
{
    const char *p = dirs;
    size_t plen = strlen(prefix);

    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len) {
            char *one = cv_malloc(plen + len + 1);
            int rc = -1;
            if (one) {
                memcpy(one, prefix, plen);
                memcpy(one + plen, p, len);
                one[plen + len] = '\0';
                rc = cv_strlist_add(l, one);
            }
            cv_free(one);
            if (rc < 0)
                return -1;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return 0;
}

void cv_strlist_free(struct cv_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        cv_free(l->items[i]);
    cv_free(l->items);
    l->items = NULL;
    l->n = 0;
}

void cv_options_free(struct cv_options *o)
{
    cv_free(o->config_file);
    cv_free(o->db_url);
    for (size_t i = 0; i < o->nmap; i++)
        cv_map_rule_clear(&o->map[i]);
    cv_free(o->map);
    cv_strlist_free(&o->source_dirs);
    cv_free(o->user_agent);
    memset(o, 0, sizeof(*o));
}

/* An integer; byte counts may carry a K/M/G suffix (powers of 1024). */
static int parse_count(const char *s, int bytes, long min, long max, long *out)
{
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s)
        return -1;
    switch (bytes ? *end : '\0') {
    case 'k': case 'K': v *= 1024; end++; break;
    case 'm': case 'M': v *= 1024 * 1024; end++; break;
    case 'g': case 'G': v *= 1024LL * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end || v < min || v > max)
        return -1;
    *out = (long)v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    if (!s || !cv_ascii_casecmp(s, "true") || !cv_ascii_casecmp(s, "yes") ||
        !strcmp(s, "1") || !cv_ascii_casecmp(s, "on")) {
        *out = 1;
        return 0;
    }
    if (!cv_ascii_casecmp(s, "false") || !cv_ascii_casecmp(s, "no") ||
        !strcmp(s, "0") || !cv_ascii_casecmp(s, "off")) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int set_string(char **slot, const char *value)
{
    char *copy = cv_strdup(value);

    if (!copy)
        return -1;
    cv_free(*slot);
    *slot = copy;
    return 0;
}

static int add_map_rule(struct cv_options *o, const char *spec, char *errbuf, size_t errlen)
{
    struct cv_map_rule rule, *rules;

    if (cv_map_rule_parse(spec, &rule, errbuf, errlen) != CV_OK)
        return -1;
    rules = cv_realloc(o->map, (o->nmap + 1) * sizeof(*rules));
    if (!rules) {
        cv_map_rule_clear(&rule);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    o->map = rules;
    o->map[o->nmap++] = rule;
    return 0;
}

struct long_opt {
    const char *name;
    size_t offset;
    long min, max;
    int bytes;       /* a size: K/M/G suffixes allowed */
};

#define LONG_OPT(n, field, lo, hi) {n, offsetof(struct cv_options, field), lo, hi, 0}
#define SIZE_OPT(n, field, lo, hi) {n, offsetof(struct cv_options, field), lo, hi, 1}

static const struct long_opt long_opts[] = {
    LONG_OPT("delay-ms", delay_ms, 0, 86400000L),
    LONG_OPT("concurrency", concurrency, 1, 1024),
    LONG_OPT("timeout-ms", timeout_ms, 1, 86400000L),
    LONG_OPT("connect-timeout-ms", connect_timeout_ms, 1, 86400000L),
    SIZE_OPT("max-bytes", max_bytes, 1024, 1L << 30),
    LONG_OPT("max-redirects", max_redirects, 0, 50),
    LONG_OPT("retries", retries, 0, 100),
    LONG_OPT("retry-base-ms", retry_base_ms, 0, 3600000L),
    LONG_OPT("retry-max-ms", retry_max_ms, 0, 86400000L),
    LONG_OPT("block-threshold", block_threshold, 1, 1000),
    LONG_OPT("host-pause-ms", host_pause_ms, 0, 86400000L),
    LONG_OPT("max-waits", max_waits, 0, 1000),
    LONG_OPT("lua-instructions", lua_instructions, 1000, 1L << 40),
    SIZE_OPT("lua-memory", lua_memory, 1L << 20, 1L << 34),
};

int cv_options_set(struct cv_options *o, const char *name, const char *value,
                   char *errbuf, size_t errlen)
{
    int flag;

    for (size_t i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++) {
        if (strcmp(name, long_opts[i].name))
            continue;
        if (parse_count(value, long_opts[i].bytes, long_opts[i].min, long_opts[i].max,
                        (long *)((char *)o + long_opts[i].offset)) < 0) {
            snprintf(errbuf, errlen, "--%s: '%s' is not a number from %ld to %ld",
                     name, value ? value : "", long_opts[i].min, long_opts[i].max);
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "db") || !strcmp(name, "config")) {
        if (!value || !*value) {
            snprintf(errbuf, errlen, "%s needs a value", name);
            return -1;
        }
        if (set_string(!strcmp(name, "db") ? &o->db_url : &o->config_file, value) < 0) {
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "user-agent")) {
        if (!value || !*value || strpbrk(value, "\r\n")) {
            snprintf(errbuf, errlen, "--user-agent: give a one-line, non-empty string");
            return -1;
        }
        return set_string(&o->user_agent, value);
    }
    if (!strcmp(name, "map-origin"))
        return add_map_rule(o, value ? value : "", errbuf, errlen);
    if (!strcmp(name, "plugin-path"))
        return cv_strlist_add_path(&o->source_dirs, "plugins:", value ? value : "");
    if (!strcmp(name, "rules-path"))
        return cv_strlist_add_path(&o->source_dirs, "rules:", value ? value : "");
    if (!strcmp(name, "output")) {
        if (value && !strcmp(value, "jsonl"))
            o->output = CV_OUTPUT_JSONL;
        else if (value && !strcmp(value, "table"))
            o->output = CV_OUTPUT_TABLE;
        else if (value && !strcmp(value, "none"))
            o->output = CV_OUTPUT_NONE;
        else {
            snprintf(errbuf, errlen, "--output: '%s' is not one of jsonl, table, none",
                     value ? value : "");
            return -1;
        }
        return 0;
    }
    if (!strcmp(name, "dry-run") || !strcmp(name, "no-robots")) {
        if (parse_bool(value, &flag) < 0) {
            snprintf(errbuf, errlen, "%s: '%s' is not true or false", name, value);
            return -1;
        }
        if (!strcmp(name, "dry-run"))
            o->dry_run = flag;
        else
            o->robots = !flag;
        return 0;
    }
    /* On the command line -v and -q repeat; in a config file they take
     * true/false ("verbose = true" is -v). */
    if (!strcmp(name, "verbose") || !strcmp(name, "quiet")) {
        if (parse_bool(value, &flag) < 0) {
            snprintf(errbuf, errlen, "%s: '%s' is not true or false", name, value);
            return -1;
        }
        if (flag && !strcmp(name, "verbose"))
            o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
        else if (flag)
            o->verbosity = o->verbosity > 0 ? -1 : o->verbosity - 1;
        return 0;
    }
    snprintf(errbuf, errlen, "unknown option '%s'", name);
    return -1;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

int cv_options_read_file(struct cv_options *o, const char *path, int missing_ok,
                         char *errbuf, size_t errlen)
{
    char line[4096], msg[512];
    unsigned lineno = 0;
    int rc = -1;
    FILE *f = fopen(path, "r");

    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        snprintf(errbuf, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *key, *value, *eq;
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(errbuf, errlen, "%s:%u: line too long", path, lineno);
            goto out;
        }
        key = trim(line);
        if (!*key || *key == '#')
            continue;
        eq = strchr(key, '=');
        value = NULL;
        if (eq) {
            *eq = '\0';
            value = trim(eq + 1);
            key = trim(key);
        }
        if (!strcmp(key, "config")) {
            snprintf(errbuf, errlen, "%s:%u: 'config' cannot be set in a config file", path, lineno);
            goto out;
        }
        if (cv_options_set(o, key, value, msg, sizeof(msg)) < 0) {
            snprintf(errbuf, errlen, "%s:%u: %s", path, lineno, msg);
            goto out;
        }
    }
    if (ferror(f)) {
        snprintf(errbuf, errlen, "cannot read config file %s", path);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

int cv_options_read_env(struct cv_options *o, char *errbuf, size_t errlen)
{
    const char *v;

    /* DATABASE_URL and the PG* variables are read where the connection is
     * made (db.c), which also says where the database came from. */
    if ((v = getenv("CARVEST_PLUGIN_PATH")) && *v &&
        cv_strlist_add_path(&o->source_dirs, "plugins:", v) < 0)
        goto oom;
    if ((v = getenv("CARVEST_RULES_PATH")) && *v &&
        cv_strlist_add_path(&o->source_dirs, "rules:", v) < 0)
        goto oom;
    return 0;
oom:
    snprintf(errbuf, errlen, "out of memory");
    return -1;
}
