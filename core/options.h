/*
 * options.h -- global options: defaults, the config file, and validation.
 *
 * One table (in options.c) describes every global option.  The command
 * line, the config file ($XDG_CONFIG_HOME/carvest/carvest.conf or
 * --config FILE) and --help all go through it, so an option is validated
 * the same way wherever it is given.  Precedence: defaults < config file
 * < environment (CARVEST_PLUGIN_PATH, CARVEST_RULES_PATH) < command line.
 * The database is the exception: --db, from the command line or the
 * config file, beats DATABASE_URL (db.c reads the environment itself).
 */
#ifndef CV_OPTIONS_H
#define CV_OPTIONS_H

#include "url.h"

#include <stddef.h>

enum cv_output {
    CV_OUTPUT_JSONL = 0,
    CV_OUTPUT_TABLE,
    CV_OUTPUT_NONE
};

struct cv_strlist {
    char **items;
    size_t n;
};

struct cv_options {
    char *config_file;            /* the file read, if any */
    char *db_url;                 /* --db */
    struct cv_map_rule *map;      /* --map-origin, in order */
    size_t nmap;
    long delay_ms;                /* -1: each source's default */
    long concurrency;
    /* Extra source directories in override order (config file, then the
     * environment, then the command line), each "plugins:DIR" or
     * "rules:DIR", so a later directory of either kind wins. */
    struct cv_strlist source_dirs;
    enum cv_output output;
    int dry_run;
    int verbosity;                /* 0 default, >0 -v, <0 -q */
    long timeout_ms;
    long connect_timeout_ms;
    long max_bytes;
    long max_redirects;
    long retries;
    long retry_base_ms;
    long retry_max_ms;
    long block_threshold;
    long host_pause_ms;
    long max_waits;               /* rate-limit waits allowed per URL */
    char *user_agent;
    int robots;
    long lua_instructions;
    long lua_memory;
};

/* Fill with the defaults.  Never fails. */
void cv_options_init(struct cv_options *o);
void cv_options_free(struct cv_options *o);

/* Set global option `name` (long name, no dashes) to `value` (NULL for
 * flags).  0 on success; -1 with a message in errbuf (unknown option, bad
 * value).  `name` may also be one of the config-only spellings. */
int cv_options_set(struct cv_options *o, const char *name, const char *value,
                   char *errbuf, size_t errlen);

/* Read a config file: "name = value" lines, '#' comments, blank lines.
 * missing_ok: a missing file is not an error.  0, or -1 with a message
 * naming file and line in errbuf. */
int cv_options_read_file(struct cv_options *o, const char *path, int missing_ok,
                         char *errbuf, size_t errlen);

/* Apply CARVEST_PLUGIN_PATH and CARVEST_RULES_PATH. */
int cv_options_read_env(struct cv_options *o, char *errbuf, size_t errlen);

/* Description of the global options, for getopt and --help. */
struct cv_optdef {
    const char *name;       /* long name */
    int short_name;         /* 0 if none */
    int has_arg;            /* 0 flag, 1 required */
    const char *arg;        /* argument placeholder for --help */
    const char *help;       /* one line */
};
const struct cv_optdef *cv_global_options(size_t *n);

/* Append the colon-separated directories of `dirs` to a list, each
 * prefixed with `prefix` (may be ""). */
int cv_strlist_add_path(struct cv_strlist *l, const char *prefix, const char *dirs);
int cv_strlist_add(struct cv_strlist *l, const char *s);
void cv_strlist_free(struct cv_strlist *l);

#endif
