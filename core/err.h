/*
 * err.h -- error codes.  Each means one thing; cv_strerror() names it.
 */
#ifndef CV_ERR_H
#define CV_ERR_H

enum cv_err {
    CV_OK = 0,
    CV_ENOMEM,        /* out of memory */
    CV_EINVAL,        /* invalid argument or value */
    CV_EPARSE,        /* input could not be parsed */
    CV_ETOOBIG,       /* input larger than its limit */
    CV_EIO,           /* file system error */
    CV_ENOTFOUND,     /* no such thing (source, file, field) */
    CV_EABI,          /* plugin built for another ABI version */
    CV_EPLUGIN,       /* plugin could not be loaded or is malformed */
    CV_ELUA,          /* Lua rule error */
    CV_ELIMIT,        /* a sandbox limit (instructions, memory) was hit */
    CV_EROBOTS,       /* refused by robots.txt */
    CV_EHTTP,         /* HTTP status that is a final failure */
    CV_ENET,          /* network error that retries did not cure */
    CV_ERATELIMIT,    /* the host kept rate-limiting or challenging us */
    CV_ESCHEME,       /* URL scheme other than http/https */
    CV_EREDIRECT,     /* too many or invalid redirects */
    CV_EEXTRACT,      /* the source failed on the page */
    CV_ECONFIG,       /* bad configuration or usage */
    CV_EDB,           /* database error */
    CV_ECANCEL,       /* cancelled before it finished (a limit was reached) */
    CV_ERR_COUNT
};

const char *cv_strerror(enum cv_err e);

#endif
