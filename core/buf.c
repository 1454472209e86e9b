/*
 * buf.c -- capped growable buffer (see buf.h).
 */
#include "buf.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

void cv_buf_init(struct cv_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int grow(struct cv_buf *b, size_t need)
{
    size_t cap;
    char *p;

    if (need > b->max)
        return -1;
    if (need + 1 <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need + 1)
        cap = cap > (size_t)-1 / 4 ? need + 1 : cap * 2;
    p = cv_realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int cv_buf_append(struct cv_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return -1;
    if (grow(b, b->len + n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cv_buf_puts(struct cv_buf *b, const char *s)
{
    return cv_buf_append(b, s, strlen(s));
}

int cv_buf_putc(struct cv_buf *b, char c)
{
    return cv_buf_append(b, &c, 1);
}

int cv_buf_vprintf(struct cv_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -1;
    if ((size_t)n > b->max || b->len > b->max - (size_t)n)
        return -1;
    if (grow(b, b->len + (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int cv_buf_printf(struct cv_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = cv_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *cv_buf_str(const struct cv_buf *b)
{
    return b->data ? b->data : "";
}

char *cv_buf_take(struct cv_buf *b)
{
    char *s = b->data;

    if (!s)
        s = cv_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void cv_buf_reset(struct cv_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cv_buf_free(struct cv_buf *b)
{
    cv_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
