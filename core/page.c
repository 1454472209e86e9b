/*
 * page.c -- the page object behind struct cv_api and the Lua page API.
 *
 * Parsing is lazy: a source that only reads JSON through regexes never
 * pays for a DOM.  Everything handed out is recorded in the page's arena
 * and freed with the page, which is what lets plugins ignore ownership.
 */
#include "page.h"
#include "html.h"
#include "jsonx.h"
#include "mem.h"
#include "norm.h"
#include "record.h"
#include "runtime.h"
#include "source.h"
#include "str.h"
#include "url.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libxml/xpathInternals.h>

/* --- arena ---------------------------------------------------------------- */

static void *keep_ptr(struct cv_page *p, void *ptr)
{
    if (!ptr)
        return NULL;
    if (p->narena == p->carena) {
        size_t n = p->carena ? p->carena * 2 : 32;
        void **a = cv_realloc(p->arena, n * sizeof(*a));
        if (!a) {
            cv_free(ptr);
            return NULL;
        }
        p->arena = a;
        p->carena = n;
    }
    p->arena[p->narena++] = ptr;
    return ptr;
}

static const char *keep_str(struct cv_page *p, char *s)
{
    return keep_ptr(p, s);
}

static json_t *keep_json(struct cv_page *p, json_t *v)
{
    if (!v)
        return NULL;
    if (json_array_append_new(p->keep, v) < 0)
        return NULL;
    return v;
}

static void follow_clear(struct cv_follow *f);

/* --- life cycle ----------------------------------------------------------- */

struct cv_page *cv_page_new(struct cv_runtime *rt, struct cv_source_entry *src,
                            const char *url, const char *kind, const char *body,
                            size_t len, const char *content_type, long status)
{
    struct cv_page *p = cv_calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->rt = rt;
    p->src = src;
    p->id = ++rt->page_seq;
    p->body = body ? body : "";
    p->len = body ? len : 0;
    p->status = status;
    /* file:// pages (extract on a saved file without --url) keep their URL as given */
    p->url = cv_starts_with(url, "file://") ? cv_strdup(url) : cv_url_canonical(url, NULL);
    p->base = cv_strdup(p->url);
    p->kind = cv_strdup(kind ? kind : "");
    p->content_type = content_type ? cv_strdup(content_type) : NULL;
    p->keep = json_array();
    p->emitted = json_array();
    if (!p->url || !p->base || !p->kind || (content_type && !p->content_type) || !p->keep ||
        !p->emitted) {
        cv_page_free(p);
        return NULL;
    }
    return p;
}

void cv_page_free(struct cv_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->narena; i++)
        cv_free(p->arena[i]);
    cv_free(p->arena);
    for (size_t i = 0; i < p->nrecords; i++)
        cv_record_free(p->records[i]);
    cv_free(p->records);
    for (size_t i = 0; i < p->nfollows; i++)
        follow_clear(&p->follows[i]);
    cv_free(p->follows);
    json_decref(p->keep);
    json_decref(p->emitted);
    json_decref(p->jsonld_all);
    if (p->xp)
        xmlXPathFreeContext(p->xp);
    if (p->doc)
        xmlFreeDoc(p->doc);
    cv_free(p->url);
    cv_free(p->base);
    cv_free(p->kind);
    cv_free(p->content_type);
    cv_free(p->error);
    cv_free(p);
}

/* --- diagnostics ------------------------------------------------------------ */

void cv_page_vlog(struct cv_page *p, enum cv_log_level level, const char *fmt, va_list ap)
{
    char msg[1024];

    if (!cv_log_enabled(&p->rt->log, level))
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    cv_log(&p->rt->log, level, "%s: %s: %s", p->src ? p->src->name : "-", p->url, msg);
}

void cv_page_log(struct cv_page *p, enum cv_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (!p)
        return;
    va_start(ap, fmt);
    cv_page_vlog(p, level, fmt, ap);
    va_end(ap);
}

static void vfail(struct cv_page *p, const char *fmt, va_list ap)
{
    char msg[1024];

    if (p->error)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    p->error = cv_strdup(msg);
}

int cv_page_fail(struct cv_page *p, const char *fmt, ...)
{
    va_list ap;

    if (!p)
        return -1;
    va_start(ap, fmt);
    vfail(p, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- the document ------------------------------------------------------------ */

/* Parse on first use; also picks up <base href>. */
static htmlDocPtr page_doc(struct cv_page *p)
{
    xmlXPathObjectPtr base;

    if (p->doc_tried)
        return p->doc;
    p->doc_tried = 1;
    p->doc = cv_html_parse(p->body, p->len, p->url, p->content_type);
    if (!p->doc) {
        cv_page_fail(p, "the page could not be parsed as HTML");
        return NULL;
    }
    p->xp = xmlXPathNewContext(p->doc);
    if (!p->xp) {
        cv_page_fail(p, "out of memory");
        return NULL;
    }
    base = xmlXPathEvalExpression((const xmlChar *)"string((//base[@href])[1]/@href)", p->xp);
    if (base && base->type == XPATH_STRING && base->stringval && *base->stringval) {
        char *b = cv_url_resolve(p->url, (const char *)base->stringval);
        if (b) {
            cv_free(p->base);
            p->base = b;
        }
    }
    xmlXPathFreeObject(base);
    return p->doc;
}

static xmlXPathObjectPtr evaluate(struct cv_page *p, const struct cv_node *scope, int css,
                                  const char *expr)
{
    char err[512];
    xmlXPathCompExprPtr comp;

    if (!expr) {
        cv_page_fail(p, "%s: no expression given", css ? "css" : "xpath");
        return NULL;
    }
    comp = cv_xcache_get(p->rt->xcache, css, expr, err, sizeof(err));
    if (!comp) {
        cv_page_fail(p, "bad %s '%s': %s", css ? "CSS selector" : "XPath", expr, err);
        return NULL;
    }
    if (!page_doc(p))
        return NULL;
    p->xp->node = scope ? (xmlNodePtr)scope : (xmlNodePtr)p->doc;
    return xmlXPathCompiledEval(comp, p->xp);
}

static const struct cv_nodes *to_nodes(struct cv_page *p, xmlXPathObjectPtr res, const char *expr)
{
    size_t n = 0;
    struct cv_nodes *list;
    struct cv_node **items;

    if (res->type != XPATH_NODESET) {
        cv_page_fail(p, "XPath '%s' does not select nodes (use xpath_string)", expr);
        return NULL;
    }
    if (res->nodesetval)
        n = (size_t)res->nodesetval->nodeNr;
    list = cv_malloc(sizeof(*list) + (n ? n : 1) * sizeof(*items));
    if (!keep_ptr(p, list)) {
        cv_page_fail(p, "out of memory");
        return NULL;
    }
    items = (struct cv_node **)(list + 1);
    for (size_t i = 0; i < n; i++)
        items[i] = (struct cv_node *)res->nodesetval->nodeTab[i];
    list->count = n;
    list->items = items;
    return list;
}

static const struct cv_nodes *select_nodes(struct cv_page *p, const struct cv_node *scope,
                                           int css, const char *expr)
{
    xmlXPathObjectPtr res;
    const struct cv_nodes *list;

    if (!p)
        return NULL;
    res = evaluate(p, scope, css, expr);
    if (!res)
        return NULL;
    list = to_nodes(p, res, expr);
    xmlXPathFreeObject(res);
    return list;
}

const struct cv_nodes *cv_page_css(struct cv_page *p, const struct cv_node *scope, const char *sel)
{
    return select_nodes(p, scope, 1, sel);
}

struct cv_node *cv_page_css_first(struct cv_page *p, const struct cv_node *scope, const char *sel)
{
    const struct cv_nodes *list = select_nodes(p, scope, 1, sel);

    return list && list->count ? list->items[0] : NULL;
}

const struct cv_nodes *cv_page_xpath(struct cv_page *p, const struct cv_node *scope, const char *expr)
{
    return select_nodes(p, scope, 0, expr);
}

const char *cv_page_xpath_string(struct cv_page *p, const struct cv_node *scope, const char *expr)
{
    xmlXPathObjectPtr res;
    xmlChar *s;
    const char *out = NULL;

    if (!p)
        return NULL;
    res = evaluate(p, scope, 0, expr);
    if (!res)
        return NULL;
    s = xmlXPathCastToString(res);
    if (s) {
        out = keep_str(p, cv_strdup((const char *)s));
        xmlFree(s);
    }
    xmlXPathFreeObject(res);
    return out;
}

/* --- reading nodes ------------------------------------------------------------ */

const char *cv_page_text(struct cv_page *p, const struct cv_node *n)
{
    if (!p || !n)
        return NULL;
    return keep_str(p, cv_html_text((const xmlNode *)n));
}

const char *cv_page_attr(struct cv_page *p, const struct cv_node *n, const char *name)
{
    const xmlNode *x = (const xmlNode *)n;
    xmlChar *v;
    const char *out;

    if (!p || !x || !name || x->type != XML_ELEMENT_NODE)
        return NULL;
    v = xmlGetProp(x, (const xmlChar *)name);
    if (!v)
        return NULL;
    out = keep_str(p, cv_strdup((const char *)v));
    xmlFree(v);
    return out;
}

const char *cv_page_node_name(struct cv_page *p, const struct cv_node *n)
{
    const xmlNode *x = (const xmlNode *)n;

    if (!p || !x)
        return NULL;
    switch (x->type) {
    case XML_ELEMENT_NODE:
    case XML_ATTRIBUTE_NODE:
        return (const char *)x->name;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        return "#text";
    case XML_COMMENT_NODE:
        return "#comment";
    default:
        return "#node";
    }
}

const char *cv_page_node_html(struct cv_page *p, const struct cv_node *n)
{
    if (!p || !page_doc(p))
        return NULL;
    return keep_str(p, cv_html_serialize(p->doc, (const xmlNode *)n));
}

/* --- structured data ------------------------------------------------------------ */

/* Text content of every <script> whose type satisfies `want_ldjson`. */
static int load_jsonld(struct cv_page *p)
{
    const struct cv_nodes *scripts;

    if (p->jsonld_all)
        return 0;
    p->jsonld_all = json_array();
    if (!p->jsonld_all)
        return -1;
    scripts = cv_page_css(p, NULL, "script[type]");
    if (!scripts)
        return -1;
    for (size_t i = 0; i < scripts->count; i++) {
        const char *type = cv_page_attr(p, scripts->items[i], "type");
        char *t = cv_squash(type);
        int is_ld = t && !cv_ascii_casecmp(t, "application/ld+json");
        xmlChar *content;
        json_t *v;
        char err[256];

        cv_free(t);
        if (!is_ld)
            continue;
        content = xmlNodeGetContent((xmlNode *)scripts->items[i]);
        if (!content)
            continue;
        v = cv_json_lenient((const char *)content, strlen((const char *)content), err, sizeof(err));
        if (!v)
            cv_page_log(p, CV_LOG_INFO, "JSON-LD block %zu ignored: %s", i + 1, err);
        else if (cv_jsonld_flatten(v, p->jsonld_all) < 0)
            cv_page_fail(p, "out of memory");
        json_decref(v);
        xmlFree(content);
    }
    return 0;
}

json_t *cv_page_jsonld(struct cv_page *p, const char *type)
{
    json_t *out, *obj;
    size_t i;

    if (!p)
        return NULL;
    out = keep_json(p, json_array());
    if (!out || load_jsonld(p) < 0)
        return out;
    json_array_foreach(p->jsonld_all, i, obj)
        if (cv_jsonld_is_type(obj, type))
            json_array_append(out, obj);
    return out;
}

json_t *cv_page_json_var(struct cv_page *p, const char *name)
{
    const struct cv_nodes *scripts;

    if (!p || !name)
        return NULL;
    scripts = cv_page_css(p, NULL, "script");
    if (!scripts)
        return NULL;
    for (size_t i = 0; i < scripts->count; i++) {
        xmlChar *content = xmlNodeGetContent((xmlNode *)scripts->items[i]);
        json_t *v;
        if (!content)
            continue;
        v = strstr((const char *)content, name)
                ? cv_json_find_var((const char *)content, strlen((const char *)content), name)
                : NULL;
        xmlFree(content);
        if (v)
            return keep_json(p, v);
    }
    return NULL;
}

json_t *cv_page_json_attr(struct cv_page *p, const struct cv_node *n, const char *name)
{
    const char *text = cv_page_attr(p, n, name);
    char err[256];
    json_t *v;

    if (!text)
        return NULL;
    v = cv_json_lenient(text, strlen(text), err, sizeof(err));
    if (!v) {
        cv_page_log(p, CV_LOG_INFO, "attribute %s holds no readable JSON: %s", name, err);
        return NULL;
    }
    return keep_json(p, v);
}

json_t *cv_page_json_parse(struct cv_page *p, const char *text)
{
    char err[256];
    json_t *v;

    if (!p || !text)
        return NULL;
    v = cv_json_lenient(text, strlen(text), err, sizeof(err));
    if (!v) {
        cv_page_log(p, CV_LOG_INFO, "text holds no readable JSON: %s", err);
        return NULL;
    }
    return keep_json(p, v);
}

int cv_page_regex(struct cv_page *p, const char *subject, const char *pattern,
                  const char **caps, size_t ncaps)
{
    regex_t re;
    regmatch_t m[20];
    size_t want = ncaps < 20 ? ncaps : 20;
    int rc, filled = 0;

    if (!p || !pattern)
        return -1;
    if (!subject)
        return 0;
    rc = regcomp(&re, pattern, REG_EXTENDED | (want ? 0 : REG_NOSUB));
    if (rc) {
        char err[256];
        regerror(rc, &re, err, sizeof(err));
        cv_page_fail(p, "bad regular expression '%s': %s", pattern, err);
        return -1;
    }
    rc = regexec(&re, subject, want, want ? m : NULL, 0);
    if (rc == 0) {
        filled = want ? (int)want : 1;
        for (size_t i = 0; i < want; i++) {
            caps[i] = m[i].rm_so < 0 ? NULL
                                      : keep_str(p, cv_strndup(subject + m[i].rm_so,
                                                               (size_t)(m[i].rm_eo - m[i].rm_so)));
            if (m[i].rm_so >= 0)
                filled = (int)i + 1;
        }
    }
    regfree(&re);
    return filled;
}

const char *cv_page_resolve(struct cv_page *p, const char *href)
{
    char *abs, *canon;

    if (!p || !href)
        return NULL;
    page_doc(p);   /* a <base href> changes the answer */
    abs = cv_url_resolve(p->base, href);
    if (!abs)
        abs = cv_strdup(href);   /* a file:// base resolves nothing; absolute URLs stand */
    if (!abs)
        return NULL;
    canon = cv_url_canonical(abs, NULL);
    cv_free(abs);
    return keep_str(p, canon);
}

/* --- records ------------------------------------------------------------------ */

struct cv_record *cv_page_record(struct cv_page *p, enum cv_record_type type)
{
    struct cv_record *r;

    if (!p)
        return NULL;
    page_doc(p);
    r = cv_record_new(type, p->base);
    if (!r) {
        cv_page_fail(p, "cannot create a record of type %d", (int)type);
        return NULL;
    }
    if (p->nrecords == p->crecords) {
        size_t n = p->crecords ? p->crecords * 2 : 8;
        struct cv_record **a = cv_realloc(p->records, n * sizeof(*a));
        if (!a) {
            cv_record_free(r);
            cv_page_fail(p, "out of memory");
            return NULL;
        }
        p->records = a;
        p->crecords = n;
    }
    r->page = p;
    p->records[p->nrecords++] = r;
    return r;
}

/* The outcome of a record setter: a missing field is the source's bug and
 * fails the page; an unreadable value is the site's and only warns. */
static int setter_result(struct cv_record *r, int rc, const char *err)
{
    if (rc == 1)
        return cv_page_fail(r->page, "%s", err);
    if (rc < 0)
        cv_page_log(r->page, CV_LOG_WARN, "%s", err);
    return rc < 0 ? -1 : 0;
}

int cv_page_set(struct cv_record *r, const char *field, const char *text)
{
    char err[512];

    if (!r || !r->page || !field)
        return -1;
    return setter_result(r, cv_record_set_text(r, field, text, err, sizeof(err)), err);
}

int cv_page_set_int(struct cv_record *r, const char *field, long long value)
{
    char err[512];

    if (!r || !r->page || !field)
        return -1;
    return setter_result(r, cv_record_set_int(r, field, value, err, sizeof(err)), err);
}

int cv_page_set_bool(struct cv_record *r, const char *field, int value)
{
    char err[512];

    if (!r || !r->page || !field)
        return -1;
    return setter_result(r, cv_record_set_bool(r, field, value, err, sizeof(err)), err);
}

int cv_page_add(struct cv_record *r, const char *field, const char *text)
{
    char err[512];

    if (!r || !r->page || !field)
        return -1;
    return setter_result(r, cv_record_add(r, field, text, err, sizeof(err)), err);
}

static void unlink_record(struct cv_page *p, struct cv_record *r)
{
    for (size_t i = 0; i < p->nrecords; i++)
        if (p->records[i] == r) {
            p->records[i] = p->records[--p->nrecords];
            return;
        }
}

void cv_page_discard(struct cv_record *r)
{
    if (!r || !r->page)
        return;
    unlink_record(r->page, r);
    cv_record_free(r);
}

int cv_page_emit(struct cv_record *r)
{
    struct cv_page *p;
    char err[512];
    json_t *j;
    int rc = -1;

    if (!r || !r->page)
        return -1;
    p = r->page;
    unlink_record(p, r);
    if (cv_record_finish(r, p->src ? p->src->name : NULL, p->url, err, sizeof(err)) < 0) {
        cv_page_log(p, CV_LOG_WARN, "record dropped: %s", err);
        goto out;
    }
    j = cv_record_to_json(r);
    if (!j || json_array_append_new(p->emitted, j) < 0) {
        cv_page_fail(p, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cv_record_free(r);
    return rc;
}

/* --- links ---------------------------------------------------------------------- */

static void follow_clear(struct cv_follow *f)
{
    cv_free(f->url);
    cv_free(f->source);
    cv_free(f->kind);
    cv_free(f->method);
    cv_free(f->body);
    for (size_t i = 0; f->headers && f->headers[i]; i++)
        cv_free(f->headers[i]);
    cv_free(f->headers);
    memset(f, 0, sizeof(*f));
}

/* A header a source may send: "Name: value" on one line.  Host and
 * Content-Length belong to the transport. */
static int header_ok(const char *h)
{
    const char *colon = strchr(h, ':');

    return colon && colon > h && !strpbrk(h, "\r\n") && !cv_starts_with_ci(h, "host:") &&
           !cv_starts_with_ci(h, "content-length:");
}

int cv_page_follow_request(struct cv_page *p, const struct cv_request *req)
{
    const char *url, *method;
    struct cv_follow *f;
    size_t nh = 0;

    if (!p || !req || !req->url)
        return -1;
    method = req->method ? req->method : "GET";
    if (cv_ascii_casecmp(method, "GET") && cv_ascii_casecmp(method, "POST"))
        return cv_page_fail(p, "follow: method '%s' is not GET or POST", method);
    if (req->body && !cv_ascii_casecmp(method, "GET"))
        return cv_page_fail(p, "follow: a GET request cannot carry a body");
    for (; req->headers && req->headers[nh]; nh++)
        if (!header_ok(req->headers[nh]))
            return cv_page_fail(p, "follow: header '%s' is not a one-line 'Name: value' "
                                "(Host and Content-Length are set by carvest)", req->headers[nh]);
    if (req->source && !cv_registry_find(&p->rt->reg, req->source))
        return cv_page_fail(p, "follow: no source named '%s'", req->source);
    url = cv_page_resolve(p, req->url);
    if (!url)
        return 0;   /* mailto:, javascript: and the like are simply not followed */
    if (p->nfollows == p->cfollows) {
        size_t n = p->cfollows ? p->cfollows * 2 : 16;
        struct cv_follow *a = cv_realloc(p->follows, n * sizeof(*a));
        if (!a)
            return cv_page_fail(p, "out of memory");
        p->follows = a;
        p->cfollows = n;
    }
    f = &p->follows[p->nfollows];
    memset(f, 0, sizeof(*f));
    f->url = cv_strdup(url);
    f->source = cv_strdup(req->source ? req->source : p->src ? p->src->name : "");
    f->kind = cv_strdup(req->kind ? req->kind : "");
    f->method = cv_strdup(!cv_ascii_casecmp(method, "POST") ? "POST" : "GET");
    f->body = req->body ? cv_strdup(req->body) : NULL;
    f->headers = nh ? cv_calloc(nh + 1, sizeof(*f->headers)) : NULL;
    if (!f->url || !f->source || !f->kind || !f->method || (req->body && !f->body) ||
        (nh && !f->headers))
        goto oom;
    for (size_t i = 0; i < nh; i++)
        if (!(f->headers[i] = cv_strdup(req->headers[i])))
            goto oom;
    p->nfollows++;
    return 1;
oom:
    follow_clear(f);
    return cv_page_fail(p, "out of memory");
}

int cv_page_follow(struct cv_page *p, const char *href, const char *source, const char *kind)
{
    struct cv_request req = {href, "GET", NULL, NULL, source, kind};

    return cv_page_follow_request(p, &req);
}

/* --- page accessors ---------------------------------------------------------------- */

const char *cv_page_url(struct cv_page *p)
{
    return p ? p->url : NULL;
}

const char *cv_page_kind(struct cv_page *p)
{
    return p ? p->kind : NULL;
}

const char *cv_page_body(struct cv_page *p, size_t *len)
{
    if (!p)
        return NULL;
    if (len)
        *len = p->len;
    return p->body;
}
