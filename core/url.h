/*
 * url.h -- URL parsing, resolution, canonical identity, origin mapping and
 * claim patterns.
 *
 * Identity (DESIGN.md section 2): a record is keyed by its canonical real
 * URL: lower-case scheme and host, default port dropped, no fragment, no
 * tracking parameters, remaining query parameters sorted by key,
 * percent-encoding normalised, dot segments removed.  The path keeps the
 * trailing slash the site uses; cv_url_key() drops it, so /a and /a/ are
 * one identity.
 */
#ifndef CV_URL_H
#define CV_URL_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

struct cv_url {
    char *scheme;     /* "http" or "https" */
    char *host;       /* lower case; IPv6 literals keep their brackets */
    int port;         /* explicit port, or -1 */
    char *path;       /* always starts with '/' */
    char *query;      /* without '?', NULL when absent */
    char *fragment;   /* without '#', NULL when absent */
};

/* Parse an absolute http/https URL.  CV_OK, CV_EPARSE (also for URLs over
 * 64 KiB), CV_ESCHEME (another scheme) or CV_ENOMEM.  On failure *u is
 * left empty. */
enum cv_err cv_url_parse(const char *s, struct cv_url *u);
void cv_url_clear(struct cv_url *u);

/* Resolve `ref` against absolute `base` (RFC 3986 section 5).  New string;
 * NULL when base is not an absolute http(s) URL, ref has another scheme
 * (mailto:, javascript:, data:), or memory runs out. */
char *cv_url_resolve(const char *base, const char *ref);

/* Canonical form of an absolute http(s) URL (see above).  New string, or
 * NULL with *err set (err may be NULL). */
char *cv_url_canonical(const char *url, enum cv_err *err);

/* Append s[0..n) to b with percent-encoding normalised: %XX of unreserved
 * characters decoded, other escapes in upper-case hex, bytes that may not
 * appear raw (space, controls, non-ASCII, "<>\^`{|}) encoded.  The one
 * definition shared by canonical URLs and robots.txt matching, so both
 * see a path the same way.  0, or -1 when b's cap or memory runs out. */
int cv_url_pct_normalize(struct cv_buf *b, const char *s, size_t n);

/* De-duplication key of a canonical URL: the trailing slash of a non-root
 * path removed.  New string or NULL. */
char *cv_url_key(const char *canonical);

/* "scheme://host[:port]" of an absolute URL; new string or NULL. */
char *cv_url_origin(const char *url);
/* "host[:port]" of an absolute URL (the politeness unit); new string or NULL. */
char *cv_url_hostport(const char *url);

/* Does `url` match claim pattern `pattern`?  A pattern is "host/path-glob"
 * (or just "host"); '*' matches any run of characters, '/' included; the
 * host part is compared case-insensitively, the path case-sensitively;
 * the query is ignored.  1 or 0. */
int cv_url_claim_match(const char *pattern, const char *url);

/* --map-origin FROM=TO (DESIGN.md section 3).  FROM is a scheme
 * ("http" or "https") and "://" followed by a host pattern: a lone star
 * for any host, a star-dot-suffix for a domain and its subdomains, or a
 * host; each with an optional ":port" (no port: any port).  TO is an
 * absolute base URL that may contain "{host}" once, in its path (the real
 * host, with ":port" when the real URL has one). */
struct cv_map_rule {
    char *from_scheme;   /* "http" or "https" */
    char *from_host;     /* NULL for any host; may start with "*." */
    int from_port;       /* -1 for the default */
    char *to;            /* template, no trailing slash */
};

/* Parse a FROM=TO spec.  CV_OK, or CV_EINVAL / CV_ENOMEM with a message
 * in errbuf. */
enum cv_err cv_map_rule_parse(const char *spec, struct cv_map_rule *rule,
                              char *errbuf, size_t errlen);
void cv_map_rule_clear(struct cv_map_rule *rule);

/* The URL to fetch for real URL `url`: the first matching rule applied,
 * else a copy of `url`.  New string or NULL (OOM / bad URL). */
char *cv_map_apply(const struct cv_map_rule *rules, size_t n, const char *url);

/* The real URL behind a fetched URL that lies under some rule's TO (for
 * absolute redirect targets a test server writes in mapped form).  New
 * string, or NULL when no rule maps back to it. */
char *cv_map_reverse(const struct cv_map_rule *rules, size_t n, const char *fetched);

#endif
