/*
 * tap.h -- a minimal TAP producer for carvest's C tests.
 *
 * Each test program includes this once, calls the check macros, and ends
 * with `return tap_done();`.  automake's TAP driver counts every check, so
 * the suite summary reports individual assertions.
 *
 *   ok(cond, "what is true");
 *   is_str(got, "want", "name");     NULL-safe
 *   is_int(got, want, "name");
 *   skip_all("why");                 whole program skipped
 */
#ifndef CV_TAP_H
#define CV_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static void __attribute__((format(printf, 2, 0))) tap_vreport(int pass, const char *fmt, va_list ap)
{
    tap_n++;
    if (!pass)
        tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_n);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

static int __attribute__((format(printf, 2, 3), unused)) ok(int pass, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tap_vreport(pass, fmt, ap);
    va_end(ap);
    return pass;
}

static int __attribute__((format(printf, 3, 4), unused))
is_str_(const char *got, const char *want, const char *fmt, ...)
{
    int pass = (!got && !want) || (got && want && strcmp(got, want) == 0);
    va_list ap;

    va_start(ap, fmt);
    tap_vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got:  %s%s%s\n#   want: %s%s%s\n",
               got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
               want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
    return pass;
}

static int __attribute__((format(printf, 3, 4), unused))
is_int_(long long got, long long want, const char *fmt, ...)
{
    int pass = got == want;
    va_list ap;

    va_start(ap, fmt);
    tap_vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
    return pass;
}

#define is_str(got, want, ...) is_str_((got), (want), __VA_ARGS__)
#define is_int(got, want, ...) is_int_((long long)(got), (long long)(want), __VA_ARGS__)

static void __attribute__((unused)) diag(const char *fmt, ...)
{
    va_list ap;

    fputs("# ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void __attribute__((noreturn, unused)) skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

static int __attribute__((unused)) tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
