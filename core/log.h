/*
 * log.h -- diagnostics on stderr.
 *
 * Messages read "carvest: warning: <what is wrong and what to do>".  The
 * level shown is set by -q/-v; errors always show.  A progress line is
 * drawn only when stderr is a terminal, and is erased before any message.
 */
#ifndef CV_LOG_H
#define CV_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include <carvest/plugin.h>   /* enum cv_log_level */

struct cv_log {
    FILE *out;            /* stderr */
    int level;            /* highest level shown: CV_LOG_ERROR..CV_LOG_DEBUG */
    int tty;              /* out is a terminal: progress lines allowed */
    int progress_shown;   /* a progress line is on screen */
};

void cv_log_init(struct cv_log *lg, FILE *out, int level);
void cv_log(struct cv_log *lg, enum cv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cv_vlog(struct cv_log *lg, enum cv_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int cv_log_enabled(const struct cv_log *lg, enum cv_log_level level);
/* Redraw the single progress line (no-op when not a terminal). */
void cv_log_progress(struct cv_log *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cv_log_progress_end(struct cv_log *lg);

#endif
