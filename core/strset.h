/*
 * strset.h -- a set of strings (open addressing), for "seen" checks.
 */
#ifndef CV_STRSET_H
#define CV_STRSET_H

#include <stddef.h>

struct cv_strset {
    char **slots;
    size_t nslots, count;
};

void cv_strset_init(struct cv_strset *s);
/* 1 when added, 0 when already there, -1 when out of memory. */
int cv_strset_add(struct cv_strset *s, const char *str);
int cv_strset_has(const struct cv_strset *s, const char *str);
void cv_strset_free(struct cv_strset *s);

#endif
