/*
 * buf.h -- a growable byte buffer with a hard size cap.
 *
 * Every buffer fed from outside (a response body, a scraped string) is
 * given a cap when it is initialised, so hostile input can make carvest
 * refuse, never balloon.  The content is always NUL-terminated.
 */
#ifndef CV_BUF_H
#define CV_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct cv_buf {
    char *data;     /* NUL-terminated content, NULL until the first append */
    size_t len;     /* bytes used, not counting the NUL */
    size_t cap;     /* bytes allocated */
    size_t max;     /* largest len allowed */
};

#define CV_BUF_UNLIMITED ((size_t)-1 / 2)

void cv_buf_init(struct cv_buf *b, size_t max);
/* Append n bytes.  0 on success; -1 when the cap would be passed or memory
 * runs out, leaving the buffer as it was. */
int cv_buf_append(struct cv_buf *b, const void *p, size_t n);
int cv_buf_puts(struct cv_buf *b, const char *s);
int cv_buf_putc(struct cv_buf *b, char c);
int cv_buf_printf(struct cv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cv_buf_vprintf(struct cv_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The content as a string ("" for an empty buffer); owned by the buffer. */
const char *cv_buf_str(const struct cv_buf *b);
/* Hand the content to the caller (free with cv_free) and reset the buffer.
 * Returns an empty string for an empty buffer, NULL only when out of memory. */
char *cv_buf_take(struct cv_buf *b);
void cv_buf_reset(struct cv_buf *b);   /* empty it, keep the memory */
void cv_buf_free(struct cv_buf *b);    /* release the memory */

#endif
