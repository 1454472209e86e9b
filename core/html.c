/*
 * html.c -- HTML parsing, expression cache and text extraction.
 */
#include "html.h"
#include "buf.h"
#include "css.h"
#include "mem.h"
#include "str.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>

static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

void cv_html_init(void)
{
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
}

/* --- charset ------------------------------------------------------------ */

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0 && c >= 0xC2)
            k = 1;
        else if ((c & 0xF0) == 0xE0)
            k = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
            k = 3;
        else
            return 0;
        if (i + k >= n)
            return 1;   /* a sequence cut by a truncated body is not evidence */
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

/* Copy the charset named in a Content-Type value into out ("" if none). */
static void header_charset(const char *ct, char *out, size_t outlen)
{
    const char *p;
    size_t n = 0;

    out[0] = '\0';
    if (!ct || !(p = cv_stristr(ct, "charset=")))
        return;
    p += 8;
    if (*p == '"' || *p == '\'')
        p++;
    while (p[n] && p[n] != '"' && p[n] != '\'' && p[n] != ';' && p[n] != ' ' && n + 1 < outlen)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Does a <meta> in the first bytes declare a charset (<meta charset=...> or
 * an http-equiv Content-Type)?  "charset=" elsewhere (<script charset=...>,
 * text) declares nothing. */
static int head_declares_charset(const char *body, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    char head[4097];
    const char *p;

    memcpy(head, body, n);
    head[n] = '\0';
    /* NULs would hide the rest of the head from the string search. */
    for (size_t i = 0; i < n; i++)
        if (!head[i])
            head[i] = ' ';
    for (p = head; (p = cv_stristr(p, "<meta")) != NULL; p += 5) {
        const char *gt = strchr(p, '>');
        const char *cs = cv_stristr(p, "charset=");

        if (cs && (!gt || cs < gt))
            return 1;
    }
    return 0;
}

htmlDocPtr cv_html_parse(const char *body, size_t len, const char *url,
                         const char *content_type)
{
    char charset[64];
    const char *enc;
    /* XML_PARSE_HUGE lifts libxml2's nesting limit of 256, past which it
     * stops parsing and drops the rest of the page (runs of unclosed inline
     * tags nest that deep); bodies are already capped by the fetcher. */
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET | HTML_PARSE_COMPACT | XML_PARSE_HUGE;

    if (len > INT32_MAX)
        return NULL;
    /* libxml2 refuses an empty buffer; an empty body is an empty document. */
    if (!len) {
        body = " ";
        len = 1;
    }
    header_charset(content_type, charset, sizeof(charset));
    if (charset[0])
        enc = charset;
    else if (head_declares_charset(body, len))
        enc = NULL;   /* libxml2 reads the <meta> itself */
    else if (valid_utf8((const unsigned char *)body, len))
        enc = "UTF-8";
    else
        enc = "windows-1252";
    return htmlReadMemory(body, (int)len, url, enc, opts);
}

/* --- expression cache ----------------------------------------------------- */

struct xentry {
    char *key;                 /* "c:" or "x:" + expression */
    xmlXPathCompExprPtr comp;
};

struct cv_xcache {
    struct xentry *slots;
    size_t nslots, used, max;
};

struct cv_xcache *cv_xcache_new(size_t max_entries)
{
    struct cv_xcache *c = cv_calloc(1, sizeof(*c));
    size_t n = 64;

    if (!c)
        return NULL;
    while (n < max_entries * 2)
        n *= 2;
    c->slots = cv_calloc(n, sizeof(*c->slots));
    if (!c->slots) {
        cv_free(c);
        return NULL;
    }
    c->nslots = n;
    c->max = max_entries;
    return c;
}

static void xcache_clear(struct cv_xcache *c)
{
    for (size_t i = 0; i < c->nslots; i++) {
        cv_free(c->slots[i].key);
        if (c->slots[i].comp)
            xmlXPathFreeCompExpr(c->slots[i].comp);
        c->slots[i].key = NULL;
        c->slots[i].comp = NULL;
    }
    c->used = 0;
}

void cv_xcache_free(struct cv_xcache *c)
{
    if (!c)
        return;
    xcache_clear(c);
    cv_free(c->slots);
    cv_free(c);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

xmlXPathCompExprPtr cv_xcache_get(struct cv_xcache *c, int css, const char *expr,
                                  char *errbuf, size_t errlen)
{
    struct cv_buf key;
    char *xpath = NULL;
    xmlXPathCompExprPtr comp = NULL;
    size_t i;

    cv_buf_init(&key, 1 << 20);
    if (cv_buf_puts(&key, css ? "c:" : "x:") < 0 || cv_buf_puts(&key, expr) < 0) {
        snprintf(errbuf, errlen, "%s",
                 strlen(expr) + 2 > key.max ? "expression too long" : "out of memory");
        goto out;
    }
    for (i = fnv1a(key.data) & (c->nslots - 1); c->slots[i].key; i = (i + 1) & (c->nslots - 1)) {
        if (!strcmp(c->slots[i].key, key.data)) {
            comp = c->slots[i].comp;
            goto out;
        }
    }
    if (css) {
        xpath = cv_css_to_xpath(expr, errbuf, errlen);
        if (!xpath)
            goto out;
    }
    xmlResetLastError();
    comp = xmlXPathCompile((const xmlChar *)(css ? xpath : expr));
    if (!comp) {
        const xmlError *e = xmlGetLastError();
        snprintf(errbuf, errlen, "invalid XPath '%s': %s", css ? xpath : expr,
                 e && e->message ? e->message : "syntax error");
        /* libxml2 messages end with a newline */
        if (*errbuf && errbuf[strlen(errbuf) - 1] == '\n')
            errbuf[strlen(errbuf) - 1] = '\0';
        goto out;
    }
    if (c->used >= c->max) {
        xcache_clear(c);
        i = fnv1a(key.data) & (c->nslots - 1);
    }
    c->slots[i].key = cv_buf_take(&key);
    if (!c->slots[i].key) {
        /* Cannot cache: hand back nothing rather than leak. */
        xmlXPathFreeCompExpr(comp);
        comp = NULL;
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    c->slots[i].comp = comp;
    c->used++;
out:
    cv_free(xpath);
    cv_buf_free(&key);
    return comp;
}

/* --- text ------------------------------------------------------------- */

static int is_block(const xmlChar *name)
{
    static const char *const blocks[] = {
        "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li",
        "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    };

    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
        if (!strcmp((const char *)name, blocks[i]))
            return 1;
    return 0;
}

static int is_hidden(const xmlChar *name)
{
    return !strcmp((const char *)name, "script") || !strcmp((const char *)name, "style") ||
           !strcmp((const char *)name, "template") || !strcmp((const char *)name, "noscript");
}

/* Iterative walk: pages can nest deeply enough to matter for recursion.
 * Block elements contribute a space on entry and on exit, so "<li>a</li>
 * <li>b</li>" reads "a b", not "ab". */
static int collect_text(const xmlNode *root, struct cv_buf *b)
{
    const xmlNode *n;

    if (root->type == XML_TEXT_NODE || root->type == XML_CDATA_SECTION_NODE)
        return root->content ? cv_buf_puts(b, (const char *)root->content) : 0;
    n = root->children;
    while (n) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content && cv_buf_puts(b, (const char *)n->content) < 0)
                return -1;
        } else if (n->type == XML_ELEMENT_NODE && !is_hidden(n->name)) {
            if (is_block(n->name) && cv_buf_putc(b, ' ') < 0)
                return -1;
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n != root && !n->next) {
            n = n->parent;
            if (n != root && n->type == XML_ELEMENT_NODE && is_block(n->name) &&
                cv_buf_putc(b, ' ') < 0)
                return -1;
        }
        if (n == root)
            break;
        n = n->next;
    }
    return 0;
}

char *cv_html_text(const xmlNode *n)
{
    struct cv_buf b;
    char *out = NULL;

    cv_buf_init(&b, 64u << 20);
    if (n && collect_text(n, &b) < 0)
        goto out;
    out = cv_squash(cv_buf_str(&b));
out:
    cv_buf_free(&b);
    return out;
}

char *cv_html_serialize(xmlDocPtr doc, const xmlNode *n)
{
    xmlBufferPtr xb = xmlBufferCreate();
    char *out = NULL;

    if (!xb)
        return NULL;
    if (n)
        htmlNodeDump(xb, doc, (xmlNode *)n);
    else
        htmlNodeDump(xb, doc, (xmlNode *)doc);
    out = cv_strdup((const char *)xmlBufferContent(xb));
    xmlBufferFree(xb);
    return out;
}
