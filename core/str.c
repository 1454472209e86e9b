/*
 * str.c -- small string helpers (see str.h).
 */
#include "str.h"
#include "buf.h"
#include "mem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int cv_ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
}

int cv_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
    return 0;
}

int cv_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int cv_starts_with_ci(const char *s, const char *prefix)
{
    return cv_ascii_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

int cv_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

const char *cv_stristr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    if (!n)
        return hay;
    for (; *hay; hay++)
        if (lower((unsigned char)*hay) == lower((unsigned char)*needle) &&
            cv_ascii_ncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

char *cv_ascii_lower(char *s)
{
    for (char *p = s; *p; p++)
        *p = (char)lower((unsigned char)*p);
    return s;
}

size_t cv_space_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    switch (u[0]) {
    case ' ': case '\t': case '\n': case '\r': case '\f': case '\v':
        return 1;
    case 0xC2:
        return u[1] == 0xA0 ? 2 : 0;                        /* U+00A0 */
    case 0xE2:
        if (u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xAF))
            return 3;                                       /* U+2000..200A, U+202F */
        if (u[1] == 0x81 && u[2] == 0x9F)
            return 3;                                       /* U+205F */
        return 0;
    case 0xE3:
        return (u[1] == 0x80 && u[2] == 0x80) ? 3 : 0;      /* U+3000 */
    default:
        return 0;
    }
}

size_t cv_invisible_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (u[0] == 0xE2 && u[1] == 0x80 && u[2] >= 0x8B && u[2] <= 0x8D)
        return 3;
    if (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        return 3;
    if (u[0] == 0xC2 && u[1] == 0xAD)
        return 2;
    return 0;
}

char *cv_squashn(const char *s, size_t n)
{
    const char *end;
    char *out, *o;
    int pending_space = 0;

    if (!s)
        return NULL;
    end = s + strnlen(s, n);
    out = cv_malloc((size_t)(end - s) + 1);
    if (!out)
        return NULL;
    o = out;
    while (s < end) {
        const char *at = s;
        char tail[4] = "";
        size_t k;
        /* The multi-byte checks read at most 3 bytes; near the end they look
         * at a NUL-padded copy, so nothing past `end` is read and a sequence
         * ending exactly at `end` is still recognised. */
        if ((size_t)(end - s) < 3) {
            memcpy(tail, s, (size_t)(end - s));
            at = tail;
        }
        if ((k = cv_space_len(at))) {
            pending_space = o != out;
            s += k;
            continue;
        }
        if ((k = cv_invisible_len(at))) {
            s += k;
            continue;
        }
        if (pending_space) {
            *o++ = ' ';
            pending_space = 0;
        }
        *o++ = *s++;
    }
    *o = '\0';
    return out;
}

char *cv_squash(const char *s)
{
    return s ? cv_squashn(s, strlen(s)) : NULL;
}

int cv_parse_ll(const char *s, long long *out)
{
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || end == s || cv_space_len(s))
        return -1;
    *out = v;
    return 0;
}
