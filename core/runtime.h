/*
 * runtime.h -- the runtime context: the one place carvest keeps mutable
 * state.  Everything that lives longer than a function call hangs off it:
 * options, logging, the loaded sources, the expression cache, the random
 * generator used for retry jitter.
 */
#ifndef CV_RUNTIME_H
#define CV_RUNTIME_H

#include "options.h"
#include "log.h"
#include "source.h"

#include <stdint.h>

struct cv_xcache;

struct cv_runtime {
    struct cv_options opt;
    struct cv_log log;
    struct cv_registry reg;
    int reg_loaded;
    struct cv_xcache *xcache;
    uint64_t rng;                 /* xorshift64* state */
    unsigned long page_seq;       /* last page id handed out */
    char *exe_dir;                /* directory of the running binary */
    int in_build_tree;            /* running uninstalled from the build tree */
};

/* Set up a context with default options.  0, or -1 when out of memory. */
int cv_runtime_init(struct cv_runtime *rt);
void cv_runtime_free(struct cv_runtime *rt);
/* Apply the verbosity in rt->opt to the logger. */
void cv_runtime_apply_options(struct cv_runtime *rt);
/* Load the sources once (no-op when done).  0, or -1 on OOM. */
int cv_runtime_sources(struct cv_runtime *rt);

/* Uniform random number in [0, n) (n > 0). */
uint64_t cv_random(struct cv_runtime *rt, uint64_t n);
/* Monotonic milliseconds. */
long long cv_now_ms(void);

#endif
