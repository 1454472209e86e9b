/*
 * robots.h -- robots.txt (RFC 9309) parsing and matching.
 */
#ifndef CV_ROBOTS_H
#define CV_ROBOTS_H

#include <stddef.h>

struct cv_robots;

/* Parse robots.txt text for user-agent product token `agent` ("carvest").
 * The groups naming the agent apply (case-insensitive token match);
 * otherwise the "*" groups; otherwise everything is allowed.  Unknown
 * lines and garbage are ignored.  NULL only when out of memory. */
struct cv_robots *cv_robots_parse(const char *text, size_t len, const char *agent);
/* Rule sets for the cases RFC 9309 defines without a file: 4xx means
 * allow everything, an unreachable file means disallow everything. */
struct cv_robots *cv_robots_allow_all(void);
struct cv_robots *cv_robots_disallow_all(void);
void cv_robots_free(struct cv_robots *r);

/* Is `path` (path plus optional "?query", starting with '/') allowed?
 * Longest matching rule wins, Allow wins a tie; '*' and a final '$' are
 * wildcards; percent-encoding is compared normalised.  "/robots.txt" is
 * always allowed.  1 or 0. */
int cv_robots_allowed(const struct cv_robots *r, const char *path);

/* Crawl-delay of the applicable group in milliseconds, or -1 if none. */
long cv_robots_crawl_delay_ms(const struct cv_robots *r);

/* Sitemap URLs listed in the file (any group).  *n gets the count. */
const char *const *cv_robots_sitemaps(const struct cv_robots *r, size_t *n);

#endif
