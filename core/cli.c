/*
 * cli.c -- option parsing, command dispatch and help text.
 */
#include "config.h"
#include "cli.h"
#include "mem.h"
#include "runtime.h"
#include "str.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cv_command *const commands[] = {
    &cv_cmd_sources,
    &cv_cmd_extract,
    &cv_cmd_crawl,
    &cv_cmd_db,
    &cv_cmd_status,
    &cv_cmd_bat_partners,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* getopt ids: global options are 1000 + their index in the table,
 * command options 2000 + theirs. */
enum { ID_HELP = 'h', ID_VERSION = 900, ID_GLOBAL = 1000, ID_COMMAND = 2000 };

/* Words of text filled to 78 columns; the space goes before a word, so
 * no line ends with one. */
static void print_wrapped(FILE *out, const char *text, int indent)
{
    int col = indent;

    fprintf(out, "%*s", indent, "");
    while (*text) {
        size_t word;
        while (*text == ' ')
            text++;
        word = strcspn(text, " ");
        if (!word)
            break;
        if (col > indent && col + 1 + (int)word > 78) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(text, 1, word, out);
        col += (int)word;
        text += word;
    }
    fputc('\n', out);
}

static void print_option(FILE *out, int short_name, const char *name, const char *arg,
                         const char *help)
{
    char left[64];

    if (short_name)
        snprintf(left, sizeof(left), "-%c, --%s%s%s", short_name, name, arg ? " " : "", arg ? arg : "");
    else
        snprintf(left, sizeof(left), "    --%s%s%s", name, arg ? " " : "", arg ? arg : "");
    if (strlen(left) > 28)   /* a long option: its help on the next line */
        fprintf(out, "  %s\n  %-28s %s\n", left, "", help);
    else
        fprintf(out, "  %-28s %s\n", left, help);
}

static void print_globals(FILE *out)
{
    size_t n;
    const struct cv_optdef *g = cv_global_options(&n);

    fprintf(out, "Global options (before the command; also accepted after it):\n");
    for (size_t i = 0; i < n; i++)
        print_option(out, g[i].short_name, g[i].name, g[i].has_arg ? g[i].arg : NULL, g[i].help);
    print_option(out, 'h', "help", NULL, "show help (carvest COMMAND --help for a command)");
    print_option(out, 0, "version", NULL, "print the version and exit");
}

static void print_main_help(FILE *out)
{
    fprintf(out, "usage: carvest [GLOBAL OPTIONS] COMMAND [ARGS]\n\n");
    print_wrapped(out, "carvest scrapes collector-car inventory (dealers, auctions, their "
                       "vehicles) from web pages through source plugins and Lua rules.", 0);
    fprintf(out, "\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fputc('\n', out);
    print_globals(out);
    fprintf(out, "\nExit status: 0 success, 1 some items failed, 2 usage or configuration "
                 "error, 3 database unreachable.\nSee carvest(1) and carvest-lua(7).\n");
}

static void print_command_help(FILE *out, const struct cv_command *cmd)
{
    fprintf(out, "usage: carvest [GLOBAL OPTIONS] %s %s\n\n", cmd->name, cmd->args);
    print_wrapped(out, cmd->description, 0);
    fprintf(out, "\nOptions:\n");
    for (const struct cv_cmdopt *o = cmd->opts; o && o->name; o++)
        print_option(out, 0, o->name, o->has_arg ? o->arg : NULL, o->help);
    print_option(out, 'h', "help", NULL, "show this help");
    fprintf(out, "\nGlobal options are listed by carvest --help.\n");
}

int cv_usage_error(struct cv_runtime *rt, const struct cv_command *cmd, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cv_log(&rt->log, CV_LOG_ERROR, "%s (see carvest %s%s--help)", msg, cmd ? cmd->name : "",
           cmd ? " " : "");
    return CV_EXIT_USAGE;
}

const char *cv_cmdline_get(const struct cv_cmdline *cl, const char *name)
{
    const char *v = NULL;

    for (int i = 0; i < cl->nopts; i++)
        if (!strcmp(cl->names[i], name))
            v = cl->values[i];
    return v;
}

int cv_cmdline_number(struct cv_runtime *rt, const struct cv_cmdline *cl, const char *name,
                      long min, long max, long *out)
{
    const char *v = cv_cmdline_get(cl, name);
    long long n;

    if (!v)
        return 0;
    if (cv_parse_ll(v, &n) < 0 || n < min || n > max) {
        cv_log(&rt->log, CV_LOG_ERROR, "--%s: '%s' is not a number from %ld to %ld", name, v, min, max);
        return -1;
    }
    *out = (long)n;
    return 1;
}

/* --- option tables for getopt ------------------------------------------------ */

static struct option *build_longopts(const struct cv_command *cmd, size_t *count)
{
    size_t ng, nc = 0, k = 0;
    const struct cv_optdef *g = cv_global_options(&ng);
    struct option *lo;

    for (const struct cv_cmdopt *o = cmd ? cmd->opts : NULL; o && o->name; o++)
        nc++;
    lo = cv_calloc(ng + nc + 3, sizeof(*lo));
    if (!lo)
        return NULL;
    for (size_t i = 0; i < nc; i++)
        lo[k++] = (struct option){cmd->opts[i].name, cmd->opts[i].has_arg ? required_argument : no_argument,
                                  NULL, ID_COMMAND + (int)i};
    for (size_t i = 0; i < ng; i++)
        lo[k++] = (struct option){g[i].name, g[i].has_arg ? required_argument : no_argument, NULL,
                                  ID_GLOBAL + (int)i};
    lo[k++] = (struct option){"help", no_argument, NULL, ID_HELP};
    lo[k++] = (struct option){"version", no_argument, NULL, ID_VERSION};
    *count = k;
    return lo;
}

/* A global option seen on the command line, applied after the config file. */
struct pending {
    const char *name;
    const char *value;
};

static int short_to_global(int c)
{
    size_t n;
    const struct cv_optdef *g = cv_global_options(&n);

    for (size_t i = 0; i < n; i++)
        if (g[i].short_name && g[i].short_name == c)
            return ID_GLOBAL + (int)i;
    return -1;
}

static int apply_global(struct cv_runtime *rt, const char *name, const char *value)
{
    char err[512];

    if (cv_options_set(&rt->opt, name, value, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        return -1;
    }
    return 0;
}

static char *default_config_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char path[4096];

    if (xdg && *xdg)
        snprintf(path, sizeof(path), "%s/carvest/carvest.conf", xdg);
    else if (home && *home)
        snprintf(path, sizeof(path), "%s/.config/carvest/carvest.conf", home);
    else
        return NULL;
    return cv_strdup(path);
}

static int run_command(struct cv_runtime *rt, const struct cv_command *cmd, int argc, char **argv)
{
    size_t nlong, ng;
    const struct cv_optdef *g = cv_global_options(&ng);
    struct option *lo = build_longopts(cmd, &nlong);
    struct cv_cmdline cl;
    int c, rc = CV_EXIT_USAGE;

    memset(&cl, 0, sizeof(cl));
    cl.pos = cv_calloc((size_t)argc + 1, sizeof(char *));
    cl.names = cv_calloc((size_t)argc + 1, sizeof(char *));
    cl.values = cv_calloc((size_t)argc + 1, sizeof(char *));
    if (!lo || !cl.pos || !cl.names || !cl.values) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        goto out;
    }
    optind = 0;   /* 0, not 1: glibc must forget the '+' mode of the first scan */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":nvqh", lo, NULL)) != -1) {
        if (c == ID_HELP) {
            print_command_help(stdout, cmd);
            rc = CV_EXIT_OK;
            goto out;
        }
        if (c == ':') {
            rc = cv_usage_error(rt, cmd, "%s needs a value", argv[optind - 1]);
            goto out;
        }
        if (c == '?') {
            rc = cv_usage_error(rt, cmd, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
        if (c < ID_GLOBAL && c != ID_VERSION)
            c = short_to_global(c);
        if (c == ID_VERSION) {
            rc = cv_usage_error(rt, cmd, "--version goes before the command");
            goto out;
        }
        if (c >= ID_COMMAND) {
            cl.names[cl.nopts] = cmd->opts[c - ID_COMMAND].name;
            cl.values[cl.nopts++] = optarg ? optarg : "";
        } else if (c >= ID_GLOBAL && (size_t)(c - ID_GLOBAL) < ng) {
            if (!strcmp(g[c - ID_GLOBAL].name, "config")) {
                rc = cv_usage_error(rt, cmd, "--config goes before the command");
                goto out;
            }
            if (apply_global(rt, g[c - ID_GLOBAL].name, optarg) < 0)
                goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        cl.pos[cl.npos++] = argv[i];
    cv_runtime_apply_options(rt);
    if (cmd->needs_sources && cv_runtime_sources(rt) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory while loading sources");
        goto out;
    }
    rc = cmd->run(rt, &cl);
out:
    cv_free(lo);
    cv_free(cl.pos);
    cv_free(cl.names);
    cv_free(cl.values);
    return rc;
}

int cv_cli_main(struct cv_runtime *rt, int argc, char **argv)
{
    size_t nlong, ng;
    const struct cv_optdef *g = cv_global_options(&ng);
    struct option *lo = build_longopts(NULL, &nlong);
    struct pending *pending = cv_calloc((size_t)argc + 1, sizeof(*pending));
    int npending = 0, c, rc = CV_EXIT_USAGE;
    const char *config = NULL;
    char *dflt = NULL, err[1024];
    const struct cv_command *cmd = NULL;

    if (!lo || !pending) {
        cv_log(&rt->log, CV_LOG_ERROR, "out of memory");
        goto out;
    }
    optind = 0;
    opterr = 0;
    /* '+': stop at the command name; its own options come after it. */
    while ((c = getopt_long(argc, argv, "+:nvqh", lo, NULL)) != -1) {
        if (c == ID_HELP) {
            print_main_help(stdout);
            rc = CV_EXIT_OK;
            goto out;
        }
        if (c == ID_VERSION) {
            printf("carvest %s (plugin ABI %d)\n", PACKAGE_VERSION, CV_ABI_VERSION);
            rc = CV_EXIT_OK;
            goto out;
        }
        if (c == ':') {
            rc = cv_usage_error(rt, NULL, "%s needs a value", argv[optind - 1]);
            goto out;
        }
        if (c == '?') {
            rc = cv_usage_error(rt, NULL, "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
        if (c < ID_GLOBAL)
            c = short_to_global(c);
        if (c < ID_GLOBAL || (size_t)(c - ID_GLOBAL) >= ng)
            continue;
        if (!strcmp(g[c - ID_GLOBAL].name, "config"))
            config = optarg;
        else
            pending[npending++] = (struct pending){g[c - ID_GLOBAL].name, optarg};
    }
    if (optind >= argc) {
        print_main_help(stderr);
        goto out;
    }
    /* Precedence: defaults < config file < environment < command line. */
    if (config) {
        if (cv_options_read_file(&rt->opt, config, 0, err, sizeof(err)) < 0 ||
            cv_options_set(&rt->opt, "config", config, err, sizeof(err)) < 0) {
            cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
            goto out;
        }
    } else if ((dflt = default_config_path()) &&
               cv_options_read_file(&rt->opt, dflt, 1, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        goto out;
    }
    if (cv_options_read_env(&rt->opt, err, sizeof(err)) < 0) {
        cv_log(&rt->log, CV_LOG_ERROR, "%s", err);
        goto out;
    }
    for (int i = 0; i < npending; i++)
        if (apply_global(rt, pending[i].name, pending[i].value) < 0)
            goto out;
    cv_runtime_apply_options(rt);

    if (!strcmp(argv[optind], "help")) {
        const char *topic = optind + 1 < argc ? argv[optind + 1] : NULL;
        for (size_t i = 0; topic && i < NCOMMANDS; i++)
            if (!strcmp(commands[i]->name, topic))
                cmd = commands[i];
        if (topic && !cmd) {
            rc = cv_usage_error(rt, NULL, "no command named '%s'", topic);
            goto out;
        }
        if (cmd)
            print_command_help(stdout, cmd);
        else
            print_main_help(stdout);
        rc = CV_EXIT_OK;
        goto out;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i]->name, argv[optind]))
            cmd = commands[i];
    if (!cmd) {
        rc = cv_usage_error(rt, NULL, "unknown command '%s'", argv[optind]);
        goto out;
    }
    rc = run_command(rt, cmd, argc - optind, argv + optind);
out:
    cv_free(lo);
    cv_free(pending);
    cv_free(dflt);
    return rc;
}
