/*
 * mem.h -- allocation wrappers.
 *
 * All of carvest allocates through these so that tests can make the Nth
 * allocation fail and check that every error path cleans up (the habit of
 * curl's torture tests).  They behave exactly like the libc functions.
 */
#ifndef CV_MEM_H
#define CV_MEM_H

#include <stddef.h>

void *cv_malloc(size_t n);
void *cv_calloc(size_t count, size_t size);
void *cv_realloc(void *p, size_t n);
char *cv_strdup(const char *s);               /* NULL in, NULL out */
char *cv_strndup(const char *s, size_t n);    /* copies at most n bytes, NUL-terminates */
void cv_free(void *p);

/* Test hook: make the allocation after the next `n` ones fail (n = 0: the
 * very next one), or disable injection with a negative n.  Returns the
 * number of allocations made since the previous call. */
long cv_mem_fail_after(long n);

#endif
