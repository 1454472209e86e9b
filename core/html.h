/*
 * html.h -- HTML documents: parsing that survives broken markup, compiled
 * CSS/XPath expressions (cached), and reading text back out.
 */
#ifndef CV_HTML_H
#define CV_HTML_H

#include <stddef.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

/* Silence libxml2's default printing of errors to stderr; carvest reports
 * problems itself.  Call once at start-up. */
void cv_html_init(void);

/* Parse a body.  The charset comes from the Content-Type header, else a
 * <meta> in the first bytes, else UTF-8 when the bytes are valid UTF-8,
 * else windows-1252.  Malformed markup is repaired, never refused; NULL
 * only when libxml2 cannot build a tree at all (e.g. out of memory). */
htmlDocPtr cv_html_parse(const char *body, size_t len, const char *url,
                         const char *content_type);

/* A cache of compiled expressions, shared by all pages of a run: the same
 * selectors run on every page, and compiling is most of their cost. */
struct cv_xcache;
struct cv_xcache *cv_xcache_new(size_t max_entries);
void cv_xcache_free(struct cv_xcache *c);
/* Compiled form of a CSS selector (css=1) or XPath (css=0), owned by the
 * cache.  NULL with a message in errbuf when it does not compile. */
xmlXPathCompExprPtr cv_xcache_get(struct cv_xcache *c, int css, const char *expr,
                                  char *errbuf, size_t errlen);

/* Text of a node and its descendants, without script/style content, with
 * block elements and <br> as word breaks, whitespace squashed.  New
 * string ("" for none), NULL when out of memory. */
char *cv_html_text(const xmlNode *n);
/* The node (or whole document when n is NULL) serialised as HTML. */
char *cv_html_serialize(xmlDocPtr doc, const xmlNode *n);

#endif
