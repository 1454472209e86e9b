/*
 * runtime.c -- the runtime context (see runtime.h).
 */
#include "runtime.h"
#include "html.h"
#include "mem.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef CV_BUILDDIR
#define CV_BUILDDIR ""
#endif

/* Where is the running binary?  Lets an uninstalled build find its own
 * built-in sources instead of stale installed ones. */
static void locate_self(struct cv_runtime *rt)
{
    char path[PATH_MAX], build[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    char *slash;

    if (n <= 0)
        return;
    path[n] = '\0';
    slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    rt->exe_dir = cv_strdup(path);
    /* libtool may run the real binary from .libs/ */
    if (slash - path >= 6 && !strcmp(slash - 6, "/.libs"))
        slash[-6] = '\0';
    if (*CV_BUILDDIR && realpath(CV_BUILDDIR, build) && !strcmp(path, build))
        rt->in_build_tree = 1;
}

int cv_runtime_init(struct cv_runtime *rt)
{
    struct timespec ts;

    memset(rt, 0, sizeof(*rt));
    cv_options_init(&rt->opt);
    cv_log_init(&rt->log, stderr, CV_LOG_INFO);
    cv_html_init();
    rt->xcache = cv_xcache_new(2048);
    if (!rt->xcache)
        return -1;
    clock_gettime(CLOCK_REALTIME, &ts);
    rt->rng = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
    if (!rt->rng)
        rt->rng = 0x9E3779B97F4A7C15ULL;
    locate_self(rt);
    return 0;
}

/* Default: errors, warnings and notices (retries, waits, summaries);
 * -v adds debugging (every request, every follow); -q drops notices,
 * -qq warnings. */
void cv_runtime_apply_options(struct cv_runtime *rt)
{
    int level = CV_LOG_INFO + rt->opt.verbosity;

    if (level < CV_LOG_ERROR)
        level = CV_LOG_ERROR;
    if (level > CV_LOG_DEBUG)
        level = CV_LOG_DEBUG;
    rt->log.level = level;
}

int cv_runtime_sources(struct cv_runtime *rt)
{
    if (rt->reg_loaded)
        return 0;
    rt->reg_loaded = 1;
    return cv_registry_load(rt, &rt->reg);
}

void cv_runtime_free(struct cv_runtime *rt)
{
    cv_registry_free(&rt->reg);
    cv_xcache_free(rt->xcache);
    cv_options_free(&rt->opt);
    cv_free(rt->exe_dir);
    memset(rt, 0, sizeof(*rt));
}

uint64_t cv_random(struct cv_runtime *rt, uint64_t n)
{
    uint64_t x = rt->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rt->rng = x;
    return n ? (x * 0x2545F4914F6CDD1DULL) % n : 0;
}

long long cv_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
