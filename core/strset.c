/*
 * strset.c -- string set with linear probing (see strset.h).
 */
#include "strset.h"
#include "mem.h"

#include <stdint.h>
#include <string.h>

void cv_strset_init(struct cv_strset *s)
{
    s->slots = NULL;
    s->nslots = s->count = 0;
}

static uint64_t hash(const char *str)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *str; str++)
        h = (h ^ (unsigned char)*str) * 1099511628211ULL;
    return h;
}

static size_t find(char **slots, size_t nslots, const char *str)
{
    size_t i = hash(str) & (nslots - 1);

    while (slots[i] && strcmp(slots[i], str))
        i = (i + 1) & (nslots - 1);
    return i;
}

static int grow(struct cv_strset *s)
{
    size_t n = s->nslots ? s->nslots * 2 : 64;
    char **slots = cv_calloc(n, sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i])
            slots[find(slots, n, s->slots[i])] = s->slots[i];
    cv_free(s->slots);
    s->slots = slots;
    s->nslots = n;
    return 0;
}

int cv_strset_has(const struct cv_strset *s, const char *str)
{
    return s->nslots && s->slots[find(s->slots, s->nslots, str)] != NULL;
}

int cv_strset_add(struct cv_strset *s, const char *str)
{
    size_t i;

    if ((s->count + 1) * 4 > s->nslots * 3 && grow(s) < 0)
        return -1;
    i = find(s->slots, s->nslots, str);
    if (s->slots[i])
        return 0;
    s->slots[i] = cv_strdup(str);
    if (!s->slots[i])
        return -1;
    s->count++;
    return 1;
}

void cv_strset_free(struct cv_strset *s)
{
    for (size_t i = 0; i < s->nslots; i++)
        cv_free(s->slots[i]);
    cv_free(s->slots);
    cv_strset_init(s);
}
