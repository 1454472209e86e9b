/*
 * mem.c -- allocation wrappers with a failure-injection hook for tests.
 *
 * The injection counter is the one piece of process-wide mutable state in
 * carvest outside the runtime context: allocation sites cannot be handed a
 * context without threading it through every pure function, and the hook
 * is inert unless a test arms it.  It is thread-local so parallel callers
 * never see each other's countdown.
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_countdown = -1;  /* < 0: injection off */
static _Thread_local long alloc_count;

static int should_fail(void)
{
    alloc_count++;
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0) {
        fail_countdown = -1;
        return 1;
    }
    fail_countdown--;
    return 0;
}

long cv_mem_fail_after(long n)
{
    long made = alloc_count;

    alloc_count = 0;
    fail_countdown = n < 0 ? -1 : n;
    return made;
}

void *cv_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *cv_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *cv_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *cv_strndup(const char *s, size_t n)
{
    size_t len;
    char *d;

    if (!s)
        return NULL;
    len = strnlen(s, n);
    d = cv_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *cv_strdup(const char *s)
{
    return s ? cv_strndup(s, strlen(s)) : NULL;
}

void cv_free(void *p)
{
    free(p);
}
