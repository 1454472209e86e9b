/*
 * log.c -- diagnostics on stderr (see log.h).
 */
#include "log.h"

#include <unistd.h>

static const char *const prefixes[] = {
    [CV_LOG_ERROR] = "error: ",
    [CV_LOG_WARN] = "warning: ",
    [CV_LOG_INFO] = "",
    [CV_LOG_DEBUG] = "debug: ",
};

void cv_log_init(struct cv_log *lg, FILE *out, int level)
{
    lg->out = out;
    lg->level = level;
    lg->tty = isatty(fileno(out));
    lg->progress_shown = 0;
}

int cv_log_enabled(const struct cv_log *lg, enum cv_log_level level)
{
    return (int)level <= lg->level;
}

static void erase_progress(struct cv_log *lg)
{
    if (lg->progress_shown) {
        fputs("\r\033[K", lg->out);
        lg->progress_shown = 0;
    }
}

void cv_vlog(struct cv_log *lg, enum cv_log_level level, const char *fmt, va_list ap)
{
    if (!cv_log_enabled(lg, level))
        return;
    erase_progress(lg);
    fprintf(lg->out, "carvest: %s", prefixes[level]);
    vfprintf(lg->out, fmt, ap);
    fputc('\n', lg->out);
    fflush(lg->out);
}

void cv_log(struct cv_log *lg, enum cv_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cv_vlog(lg, level, fmt, ap);
    va_end(ap);
}

void cv_log_progress(struct cv_log *lg, const char *fmt, ...)
{
    va_list ap;

    if (!lg->tty || lg->level < CV_LOG_WARN)
        return;
    fputs("\r\033[K", lg->out);
    va_start(ap, fmt);
    vfprintf(lg->out, fmt, ap);
    va_end(ap);
    fflush(lg->out);
    lg->progress_shown = 1;
}

void cv_log_progress_end(struct cv_log *lg)
{
    erase_progress(lg);
    fflush(lg->out);
}
