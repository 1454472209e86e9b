/*
 * carvest/plugin.h -- the contract between carvest and its source plugins.
 *
 * A source plugin is a shared object exporting one symbol, CV_SOURCE_SYMBOL,
 * a function returning a pointer to a static `struct cv_source`.  carvest
 * checks `abi_version` before touching anything else and refuses a plugin
 * built against another version of this header.
 *
 * The core owns the lifecycle: it fetches pages (politely), parses them,
 * and calls the source's `extract` callback once per page with a table of
 * functions (`struct cv_api`).  A source never touches the network or the
 * database: it reads the page through the table, builds records, and asks
 * to follow links.
 *
 * Ownership, in one rule: everything the table returns (strings, node
 * lists, JSON values) belongs to the page and stays valid until `extract`
 * returns.  Never free it, never keep it.  Records are owned by the page
 * too, until `emit` hands them to the core.
 *
 * Lua rule files get the same capabilities through the API described in
 * carvest-lua(7).
 */
#ifndef CARVEST_PLUGIN_H
#define CARVEST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever struct cv_source or struct cv_api changes in any way.
 * 2: follow_request (POST and custom headers). */
#define CV_ABI_VERSION 2

/* The one symbol a plugin exports: const struct cv_source *carvest_source(void) */
#define CV_SOURCE_SYMBOL "carvest_source"

struct cv_page;   /* the page being extracted (opaque) */
struct cv_node;   /* a node of the parsed page (opaque) */
struct cv_record; /* a record under construction (opaque) */

/* A list of nodes in document order.  Owned by the page. */
struct cv_nodes {
    size_t count;
    struct cv_node *const *items;
};

/* A request a source asks the core to make (follow_request): for JSON
 * endpoints behind "Show more" buttons and the like.  The answer comes
 * back to `source` as a page of kind `kind`; read it with page_body or
 * json_parse.  The same method, URL and body are fetched once per run. */
struct cv_request {
    const char *url;                   /* relative to the page, like follow */
    const char *method;                /* "GET" (default when NULL) or "POST" */
    const char *body;                  /* request body, NULL for none */
    const char *const *headers;        /* "Name: value" strings, NULL-terminated, or NULL */
    const char *source;                /* NULL: this source */
    const char *kind;                  /* NULL: "" */
};

enum cv_record_type {
    CV_RECORD_BUSINESS = 1,
    CV_RECORD_VEHICLE = 2,
    CV_RECORD_IMAGE = 3
};

enum cv_log_level {
    CV_LOG_ERROR = 0,
    CV_LOG_WARN = 1,
    CV_LOG_INFO = 2,
    CV_LOG_DEBUG = 3
};

/* Normaliser results (see carvest(1), RECORDS, for the rules). */
struct cv_price {
    long long amount;            /* whole units of `currency` */
    char currency[4];            /* ISO 4217 code, "" when the text gives none */
    long long original_amount;   /* local amount when a USD figure was shown beside it, else 0 */
    char original_currency[4];   /* its ISO 4217 code, else "" */
};

struct cv_mileage {
    long long value;             /* the number shown, in `unit` */
    char unit[3];                /* "mi" or "km" */
    int tmu;                     /* 1 when the true mileage is unknown (TMU) */
};

struct cv_title {
    int year;                    /* 0 when the title has none */
    int no_reserve;              /* 1 when the title starts with "No Reserve:" */
    char make[48];               /* canonical spelling ("Mercedes-Benz"), "" if unknown */
    char model[96];              /* model family ("911", "Model A") */
    char trim[160];              /* the rest of the title after the model */
};

enum cv_vin_kind {
    CV_VIN_NONE = 0,             /* empty or a placeholder such as "N/A" */
    CV_VIN_VALID = 1,            /* 17 characters, check digit verified */
    CV_VIN_17 = 2,               /* 17 characters, check digit not used by its region */
    CV_VIN_BAD_CHECK = 3,        /* 17 characters, check digit expected but wrong */
    CV_VIN_CHASSIS = 4           /* a shorter chassis number, kept as shown */
};

/*
 * The functions carvest lends to a plugin.  Every function taking a page
 * records the first error on it; `extract` may simply return -1 after one.
 */
struct cv_api {
    uint32_t abi_version;

    /* --- the page ------------------------------------------------------ */
    /* Canonical real URL of the page (its identity, whatever was fetched). */
    const char *(*page_url)(struct cv_page *p);
    /* The `kind` given by the follow() that queued this page, or "". */
    const char *(*page_kind)(struct cv_page *p);
    /* Raw body as received (after content decoding); *len gets its size. */
    const char *(*page_body)(struct cv_page *p, size_t *len);

    /* --- selecting nodes (scope NULL = the whole document) ------------ */
    /* CSS selector; empty list when nothing matches, NULL on a bad selector. */
    const struct cv_nodes *(*css)(struct cv_page *p, const struct cv_node *scope,
                                  const char *selector);
    /* First match of a CSS selector, or NULL. */
    struct cv_node *(*css_first)(struct cv_page *p, const struct cv_node *scope,
                                 const char *selector);
    /* XPath selecting nodes; NULL on a bad expression. */
    const struct cv_nodes *(*xpath)(struct cv_page *p, const struct cv_node *scope,
                                    const char *expr);
    /* XPath evaluated as a string (string(), concat(), ...); NULL on error. */
    const char *(*xpath_string)(struct cv_page *p, const struct cv_node *scope,
                                const char *expr);

    /* --- reading nodes ------------------------------------------------- */
    /* Text content with runs of whitespace collapsed and ends trimmed. */
    const char *(*text)(struct cv_page *p, const struct cv_node *n);
    /* Attribute value (entities decoded), or NULL when absent. */
    const char *(*attr)(struct cv_page *p, const struct cv_node *n, const char *name);
    /* Element name in lower case ("div"), "#text" for text nodes. */
    const char *(*node_name)(struct cv_page *p, const struct cv_node *n);
    /* The node serialised back to HTML. */
    const char *(*node_html)(struct cv_page *p, const struct cv_node *n);

    /* --- structured data ----------------------------------------------- */
    /* JSON-LD objects of the page whose @type is `type` (any when NULL),
       with @graph and arrays flattened.  Always an array (maybe empty). */
    json_t *(*jsonld)(struct cv_page *p, const char *type);
    /* The value assigned to JavaScript variable `name` in a script
       (`var name = {...};`, `window.name = [...]`), or NULL. */
    json_t *(*json_var)(struct cv_page *p, const char *name);
    /* JSON held in an attribute (entity-escaped in the markup), or NULL. */
    json_t *(*json_attr)(struct cv_page *p, const struct cv_node *n, const char *name);
    /* Lenient JSON parse of any text (comments, trailing commas, raw
       newlines in strings tolerated), or NULL. */
    json_t *(*json_parse)(struct cv_page *p, const char *text);

    /* POSIX extended regular expression.  Returns the number of slots
       filled in caps[] (whole match first), 0 when it does not match, -1
       on a bad pattern.  Unmatched groups are NULL. */
    int (*regex)(struct cv_page *p, const char *subject, const char *pattern,
                 const char **caps, size_t ncaps);

    /* Absolute canonical URL of `href` relative to the page's real URL;
       NULL for anything that is not http or https. */
    const char *(*resolve)(struct cv_page *p, const char *href);

    /* --- records -------------------------------------------------------- */
    struct cv_record *(*record)(struct cv_page *p, enum cv_record_type type);
    /* Set a field from text, normalised by the field's kind (price, mileage,
       URL...).  NULL or blank text is ignored.  -1 on an unknown field or a
       value that cannot be read (the reason goes to the page log). */
    int (*set)(struct cv_record *r, const char *field, const char *text);
    int (*set_int)(struct cv_record *r, const char *field, long long value);
    int (*set_bool)(struct cv_record *r, const char *field, int value);
    /* Append to a list field (images); duplicates are dropped. */
    int (*add)(struct cv_record *r, const char *field, const char *text);
    /* Finish the record (derive what the title gives, validate) and hand it
       to the core.  The record is consumed whatever the result. */
    int (*emit)(struct cv_record *r);

    /* --- links ---------------------------------------------------------- */
    /* Ask the core to fetch `href` (relative to the page) and give it to
       source `source` (NULL: this source) with kind `kind` (NULL: "").
       The core de-duplicates and applies limits. */
    int (*follow)(struct cv_page *p, const char *href, const char *source,
                  const char *kind);
    /* Follow with a request of its own (method, body, headers).  Same
     * politeness and robots.txt rules as any fetch.  1 queued, 0 not an
     * http(s) URL, -1 on a bad request (reason on the page). */
    int (*follow_request)(struct cv_page *p, const struct cv_request *req);

    /* --- normalisers (pure) -------------------------------------------- */
    int (*parse_price)(const char *text, struct cv_price *out);      /* 1 found, 0 none shown, -1 unreadable */
    int (*parse_mileage)(const char *text, struct cv_mileage *out);  /* 1 found, 0 none */
    int (*parse_title)(const char *text, const char *model_hint, struct cv_title *out); /* 1 when a year was found */
    enum cv_vin_kind (*vin_kind)(const char *text);
    long long (*parse_date)(const char *text);                       /* Unix seconds (UTC), -1 if unreadable */

    /* --- diagnostics ---------------------------------------------------- */
    void (*log)(struct cv_page *p, enum cv_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
    /* Mark the page failed with a reason; returns -1 for `return cv->fail(...)`. */
    int (*fail)(struct cv_page *p, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
};

/* The registration struct a plugin returns.  Lists are NULL-terminated. */
struct cv_source {
    uint32_t abi_version;              /* CV_ABI_VERSION; must come first */
    const char *name;                  /* unique name, [a-z0-9-]+ */
    const char *version;               /* the source's own version */
    const char *description;           /* one line for `carvest sources` */
    const char *const *claims;         /* URL patterns "host/path-glob", '*' matches anything */
    const char *const *fingerprints;   /* strings whose presence in a site's HTML claims it */
    const char *const *start_urls;     /* where `crawl` starts when given no URL */
    unsigned delay_ms;                 /* suggested gap between requests to a host, 0: default */
    /* Called once per page.  Return 0, or -1 to fail the page. */
    int (*extract)(const struct cv_api *cv, struct cv_page *page);
};

typedef const struct cv_source *(*cv_source_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CARVEST_PLUGIN_H */
