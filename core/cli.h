/*
 * cli.h -- the command line: global options, commands, help.
 *
 * carvest [GLOBAL OPTIONS] COMMAND [ARGS]: each command is one struct
 * cv_command in its own cmd_*.c file.  Global options are accepted before
 * the command and, for convenience, among its arguments too.
 */
#ifndef CV_CLI_H
#define CV_CLI_H

struct cv_runtime;

/* Exit statuses (DESIGN.md section 3). */
enum {
    CV_EXIT_OK = 0,        /* success */
    CV_EXIT_PARTIAL = 1,   /* the work ran but some items failed */
    CV_EXIT_USAGE = 2,     /* usage or configuration error */
    CV_EXIT_DB = 3         /* database unreachable */
};

struct cv_cmdopt {
    const char *name;      /* long option name */
    int has_arg;
    const char *arg;       /* placeholder for --help */
    const char *help;
};

struct cv_cmdline {
    char **pos;            /* positional arguments */
    int npos;
    const char **names;    /* command options given, in order */
    const char **values;   /* their values ("" for flags) */
    int nopts;
};

struct cv_command {
    const char *name;
    const char *args;            /* synopsis after the name */
    const char *summary;         /* one line */
    const char *description;     /* paragraph for --help */
    const struct cv_cmdopt *opts;   /* terminated by a NULL name */
    int needs_sources;
    int (*run)(struct cv_runtime *rt, const struct cv_cmdline *cl);
};

extern const struct cv_command cv_cmd_sources;
extern const struct cv_command cv_cmd_extract;
extern const struct cv_command cv_cmd_crawl;
extern const struct cv_command cv_cmd_db;
extern const struct cv_command cv_cmd_status;
extern const struct cv_command cv_cmd_bat_partners;

/* The whole program after the runtime is set up; returns the exit status. */
int cv_cli_main(struct cv_runtime *rt, int argc, char **argv);

/* Last value given for a command option, or NULL. */
const char *cv_cmdline_get(const struct cv_cmdline *cl, const char *name);
/* A command option as a number in [min, max]; 0 when absent (out untouched),
 * 1 when read, -1 (after printing an error) when invalid. */
int cv_cmdline_number(struct cv_runtime *rt, const struct cv_cmdline *cl, const char *name,
                      long min, long max, long *out);
/* Print "carvest: error: ..." plus a hint to see --help; returns CV_EXIT_USAGE. */
int cv_usage_error(struct cv_runtime *rt, const struct cv_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
