/*
 * str.h -- small string helpers shared by the whole core.
 *
 * All of them are ASCII-aware only where they say so; text is UTF-8
 * everywhere in carvest.
 */
#ifndef CV_STR_H
#define CV_STR_H

#include <stddef.h>

int cv_ascii_casecmp(const char *a, const char *b);
int cv_ascii_ncasecmp(const char *a, const char *b, size_t n);
int cv_starts_with(const char *s, const char *prefix);
int cv_starts_with_ci(const char *s, const char *prefix);   /* ASCII case-insensitive */
int cv_ends_with(const char *s, const char *suffix);
/* First occurrence of needle in hay, ASCII case-insensitive; NULL if none. */
const char *cv_stristr(const char *hay, const char *needle);
/* Lower-case ASCII letters in place; returns s. */
char *cv_ascii_lower(char *s);
/* Byte length of the whitespace character at s (ASCII space/tab/CR/LF/FF/VT,
 * U+00A0, U+2000..U+200A, U+202F, U+205F, U+3000), 0 if s is not one. */
size_t cv_space_len(const char *s);
/* Byte length of a character to drop entirely at s (U+200B..U+200D zero
 * width, U+FEFF, U+00AD soft hyphen), 0 if s is not one. */
size_t cv_invisible_len(const char *s);
/* New string with whitespace runs collapsed to one space and both ends
 * trimmed; zero-width spaces and soft hyphens dropped.  NULL when out of
 * memory (or s is NULL). */
char *cv_squash(const char *s);
/* Same, for the first n bytes of s. */
char *cv_squashn(const char *s, size_t n);
/* Parse a whole string as a base-10 integer (optional sign, no spaces).
 * 0 on success, -1 otherwise. */
int cv_parse_ll(const char *s, long long *out);

#endif
