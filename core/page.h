/*
 * page.h -- a fetched page as sources see it.
 *
 * The page owns everything it hands out (strings, node lists, JSON
 * values, records) and frees it all in cv_page_free().  The functions
 * here are the implementation of struct cv_api (api.c) and of the Lua
 * page/node objects (lua_host.c), so both kinds of source get exactly the
 * same behaviour.
 */
#ifndef CV_PAGE_H
#define CV_PAGE_H

#include <carvest/plugin.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

struct cv_runtime;
struct cv_source_entry;

struct cv_follow {
    char *url;        /* canonical real URL */
    char *source;     /* source to hand it to */
    char *kind;       /* "" when not given */
    char *method;     /* "GET" or "POST" */
    char *body;       /* NULL for none */
    char **headers;   /* "Name: value", NULL-terminated; NULL for none */
};

struct cv_page {
    struct cv_runtime *rt;
    struct cv_source_entry *src;    /* the source running on it */
    unsigned long id;               /* unique per run: guards Lua node handles */
    char *url;                      /* canonical real URL (identity) */
    char *base;                     /* base for relative links (<base href> or url) */
    char *kind;
    const char *body;               /* borrowed from the caller */
    size_t len;
    char *content_type;
    long status;                    /* HTTP status, 0 for a file */

    htmlDocPtr doc;
    int doc_tried;
    xmlXPathContextPtr xp;
    json_t *jsonld_all;             /* flattened JSON-LD objects, parsed on first use */

    void **arena;                   /* strings and node lists handed out */
    size_t narena, carena;
    json_t *keep;                   /* JSON values handed out (kept alive) */
    struct cv_record **records;     /* created and not yet emitted */
    size_t nrecords, crecords;
    json_t *emitted;                /* finished records, as JSON objects */
    struct cv_follow *follows;
    size_t nfollows, cfollows;
    char *error;                    /* first error; the page failed */
};

/* A page over body[0..len) (not copied: it must outlive the page).  url is
 * canonicalised; NULL when out of memory or url is not http(s)/file. */
struct cv_page *cv_page_new(struct cv_runtime *rt, struct cv_source_entry *src,
                            const char *url, const char *kind, const char *body,
                            size_t len, const char *content_type, long status);
void cv_page_free(struct cv_page *p);

/* struct cv_api, one function each (see carvest/plugin.h for contracts). */
const char *cv_page_url(struct cv_page *p);
const char *cv_page_kind(struct cv_page *p);
const char *cv_page_body(struct cv_page *p, size_t *len);
const struct cv_nodes *cv_page_css(struct cv_page *p, const struct cv_node *scope, const char *sel);
struct cv_node *cv_page_css_first(struct cv_page *p, const struct cv_node *scope, const char *sel);
const struct cv_nodes *cv_page_xpath(struct cv_page *p, const struct cv_node *scope, const char *expr);
const char *cv_page_xpath_string(struct cv_page *p, const struct cv_node *scope, const char *expr);
const char *cv_page_text(struct cv_page *p, const struct cv_node *n);
const char *cv_page_attr(struct cv_page *p, const struct cv_node *n, const char *name);
const char *cv_page_node_name(struct cv_page *p, const struct cv_node *n);
const char *cv_page_node_html(struct cv_page *p, const struct cv_node *n);
json_t *cv_page_jsonld(struct cv_page *p, const char *type);
json_t *cv_page_json_var(struct cv_page *p, const char *name);
json_t *cv_page_json_attr(struct cv_page *p, const struct cv_node *n, const char *name);
json_t *cv_page_json_parse(struct cv_page *p, const char *text);
int cv_page_regex(struct cv_page *p, const char *subject, const char *pattern,
                  const char **caps, size_t ncaps);
const char *cv_page_resolve(struct cv_page *p, const char *href);
struct cv_record *cv_page_record(struct cv_page *p, enum cv_record_type type);
int cv_page_set(struct cv_record *r, const char *field, const char *text);
int cv_page_set_int(struct cv_record *r, const char *field, long long value);
int cv_page_set_bool(struct cv_record *r, const char *field, int value);
int cv_page_add(struct cv_record *r, const char *field, const char *text);
int cv_page_emit(struct cv_record *r);
int cv_page_follow(struct cv_page *p, const char *href, const char *source, const char *kind);
int cv_page_follow_request(struct cv_page *p, const struct cv_request *req);
void cv_page_log(struct cv_page *p, enum cv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cv_page_fail(struct cv_page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cv_page_vlog(struct cv_page *p, enum cv_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Drop a record created on the page without emitting it. */
void cv_page_discard(struct cv_record *r);

/* The table lent to plugins. */
const struct cv_api *cv_api_table(void);

#endif
