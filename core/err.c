/*
 * err.c -- names of the error codes.
 */
#include "err.h"

static const char *const names[CV_ERR_COUNT] = {
    [CV_OK] = "success",
    [CV_ENOMEM] = "out of memory",
    [CV_EINVAL] = "invalid value",
    [CV_EPARSE] = "parse error",
    [CV_ETOOBIG] = "larger than the limit",
    [CV_EIO] = "input/output error",
    [CV_ENOTFOUND] = "not found",
    [CV_EABI] = "plugin ABI version mismatch",
    [CV_EPLUGIN] = "bad plugin",
    [CV_ELUA] = "Lua rule error",
    [CV_ELIMIT] = "sandbox limit exceeded",
    [CV_EROBOTS] = "disallowed by robots.txt",
    [CV_EHTTP] = "HTTP error",
    [CV_ENET] = "network error",
    [CV_ERATELIMIT] = "rate-limited by the host",
    [CV_ESCHEME] = "unsupported URL scheme",
    [CV_EREDIRECT] = "redirect error",
    [CV_EEXTRACT] = "extraction failed",
    [CV_ECONFIG] = "configuration error",
    [CV_EDB] = "database error",
    [CV_ECANCEL] = "cancelled",
};

const char *cv_strerror(enum cv_err e)
{
    if ((int)e < 0 || e >= CV_ERR_COUNT || !names[e])
        return "unknown error";
    return names[e];
}
