/*
 * bat_member.c -- source "bat-member": a Bring a Trailer member profile
 * (https://bringatrailer.com/member/<username>/) -> every listing of that
 * member, current and past, followed to source "bat-listing" (which turns
 * each listing page into a vehicle record).  It emits no records itself.
 *
 * A member page holds its listings in three places, all of them needed:
 *  - the static cards of the listings section (current auctions and the
 *    newest past listings): a.listing-card[href], or [data-listing_id]
 *    cards with an "h3 a[href]" title link.  Hrefs may be relative and may
 *    carry ?utm_source=... or #comments;
 *  - the embedded JSON `auctionsCompletedInitialData` (the newest 24
 *    completed listings, and `items_total`, how many there are in all);
 *  - BaT's "Show More" REST endpoint for the rest: POST listings-filter
 *    with the page's nonce (`BAT_MODEL_LISTINGS_COMPLETED_TOOLBAR`) and
 *    the member's base filter.  Its answers come back to this source as
 *    pages of kind "rest:<context>" (see rest_kind()).
 *
 * The traps: "Recent Comments" (section#comments) links OTHER sellers'
 * auctions, and so do the header, footer and sidebars, so cards are read
 * inside the listings section only; and a request to the endpoint without
 * the member's base filter answers the whole BaT archive (about 258k
 * listings), so no request goes out without one.
 */
#include <carvest/plugin.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LISTING_SOURCE "bat-listing"
#define REST_KIND "rest"
#define DEFAULT_REST_URL "https://bringatrailer.com/wp-json/bringatrailer/1.0/data/listings-filter"
#define DEFAULT_PER_PAGE 24
#define MAX_PER_PAGE 48           /* the endpoint answers 400 above 48 */
/* BaT stops paging at an offset of about 10k; a pages_total far beyond
 * that is a broken answer, not a reason for thousands of requests. */
#define MAX_REST_OFFSET 12000
#define URL_MAX 2048

/* The listing URLs this page has followed (own copies), so that each
 * place can say how many listings it added. */
struct seen {
    char **urls;
    size_t n, cap;
};

/* What a REST page needs to ask for further pages: the answer does not
 * repeat the nonce or the filter, so they travel in the page kind. */
struct rest_ctx {
    const char *nonce;
    const char *url;              /* the endpoint, absolute */
    long long per_page;
    long long last;               /* highest page asked for so far */
    json_t *base_filter;          /* borrowed */
};

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->urls[i]);
    free(s->urls);
    memset(s, 0, sizeof(*s));
}

static int seen_has(const struct seen *s, const char *url)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->urls[i], url))
            return 1;
    return 0;
}

static int seen_add(struct seen *s, const char *url)
{
    char *copy;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **a = realloc(s->urls, cap * sizeof(*a));
        if (!a)
            return -1;
        s->urls = a;
        s->cap = cap;
    }
    if (!(copy = strdup(url)))
        return -1;
    s->urls[s->n++] = copy;
    return 0;
}

/* The host part of an absolute http(s) URL, as a span of `url`. */
static const char *url_host(const char *url, size_t *len)
{
    const char *h;

    if (!strncmp(url, "https://", 8))
        h = url + 8;
    else if (!strncmp(url, "http://", 7))
        h = url + 7;
    else
        return NULL;
    *len = strcspn(h, "/?#");
    return h;
}

static int is_bat_host(const char *host, size_t len)
{
    return (len == 17 && !strncasecmp(host, "bringatrailer.com", 17)) ||
           (len == 21 && !strncasecmp(host, "www.bringatrailer.com", 21));
}

/* The canonical URL of a BaT listing link, "https://bringatrailer.com/
 * listing/<slug>/", in out; 0 when href is not a listing of bringatrailer.com.
 * cv->resolve already made it absolute and dropped the fragment and the
 * tracking parameters; a listing's identity is its slug alone, so any
 * other query goes too, and BaT's own form (https, no www, a trailing
 * slash) is used whatever the link said. */
static int listing_url(const struct cv_api *cv, struct cv_page *page, const char *href,
                       char *out, size_t outlen)
{
    const char *abs = href ? cv->resolve(page, href) : NULL;
    const char *host, *path, *slug;
    size_t hlen, slen;
    int n;

    if (!abs || !(host = url_host(abs, &hlen)) || !is_bat_host(host, hlen))
        return 0;
    path = host + hlen;
    if (strncmp(path, "/listing/", 9))
        return 0;
    slug = path + 9;
    slen = strcspn(slug, "/?#");
    if (!slen)
        return 0;
    /* nothing but an optional slash after the slug: /listing/x/comments/
     * is not a listing page */
    if (slug[slen] == '/' && slug[slen + 1] && slug[slen + 1] != '?' && slug[slen + 1] != '#')
        return 0;
    for (size_t i = 0; i < slen; i++) {
        unsigned char c = (unsigned char)slug[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '%')
            return 0;
    }
    n = snprintf(out, outlen, "https://bringatrailer.com/listing/%.*s/", (int)slen, slug);
    return n > 0 && (size_t)n < outlen;
}

/* Follow one listing link to bat-listing: 1 new, 0 not a listing or
 * already followed from this page, -1 on error (reason on the page). */
static int follow_listing(const struct cv_api *cv, struct cv_page *page, struct seen *seen,
                          const char *href)
{
    char url[URL_MAX];
    int rc;

    if (!listing_url(cv, page, href, url, sizeof(url))) {
        if (href)
            cv->log(page, CV_LOG_DEBUG, "not a BaT listing link, not followed: %s", href);
        return 0;
    }
    if (seen_has(seen, url))
        return 0;
    rc = cv->follow(page, url, LISTING_SOURCE, NULL);
    if (rc < 0)
        return -1;
    if (seen_add(seen, url) < 0)
        return cv->fail(page, "out of memory");
    return rc > 0;
}

/* A whole number from a JSON number or a numeric string; -1 otherwise. */
static long long json_count(json_t *v)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
    if (json_is_real(v))
        return json_real_value(v) >= 0 && json_real_value(v) < 1e15 ? (long long)json_real_value(v)
                                                                    : -1;
    if (!(s = json_string_value(v)) || !isdigit((unsigned char)*s))
        return -1;
    n = strtoll(s, &end, 10);
    return *end ? -1 : n;
}

/* Follow the `url` of every item of a JSON list; how many were new, or -1. */
static int follow_items(const struct cv_api *cv, struct cv_page *page, struct seen *seen,
                        json_t *items, size_t *without_url)
{
    size_t i;
    json_t *item;
    int added = 0;

    json_array_foreach(items, i, item) {
        const char *u = json_string_value(json_object_get(item, "url"));
        int rc;
        if (!u) {
            (*without_url)++;
            continue;
        }
        if ((rc = follow_listing(cv, page, seen, u)) < 0)
            return -1;
        added += rc;
    }
    return added;
}

/* --- the REST endpoint ------------------------------------------------------------ */

/* A nonce goes into a header line: WordPress nonces are short hex
 * strings, anything else is not sent. */
static int nonce_ok(const char *s)
{
    size_t n = 0;

    for (; s && s[n]; n++)
        if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_')
            return 0;
    return n > 0 && n <= 64;
}

/* The page kind that carries the context to the REST pages:
 * "rest:{...}".  Returns a malloc'd string or NULL. */
static char *rest_kind(const struct rest_ctx *ctx)
{
    json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:O}", "nonce", ctx->nonce, "url", ctx->url,
                          "per_page", (json_int_t)ctx->per_page, "last", (json_int_t)ctx->last,
                          "base_filter", ctx->base_filter);
    char *ctxs = j ? json_dumps(j, JSON_COMPACT) : NULL, *kind = NULL;

    if (ctxs && (kind = malloc(strlen(REST_KIND) + strlen(ctxs) + 2)))
        sprintf(kind, "%s:%s", REST_KIND, ctxs);
    free(ctxs);
    json_decref(j);
    return kind;
}

/* Read the context back from a REST page's kind; 0 when there is none. */
static int rest_ctx_from_kind(const struct cv_api *cv, struct cv_page *page, const char *kind,
                              struct rest_ctx *ctx)
{
    json_t *j = kind[strlen(REST_KIND)] == ':' ? cv->json_parse(page, kind + strlen(REST_KIND) + 1)
                                                : NULL;

    memset(ctx, 0, sizeof(*ctx));
    ctx->nonce = json_string_value(json_object_get(j, "nonce"));
    ctx->url = json_string_value(json_object_get(j, "url"));
    ctx->per_page = json_count(json_object_get(j, "per_page"));
    ctx->last = json_count(json_object_get(j, "last"));
    ctx->base_filter = json_object_get(j, "base_filter");
    return nonce_ok(ctx->nonce) && ctx->url && ctx->per_page > 0 && ctx->last > 0 &&
           json_is_object(ctx->base_filter) && json_object_size(ctx->base_filter) > 0;
}

/* Ask the endpoint for pages first..last (ctx->last must already be
 * `last`).  The core fetches one method+URL+body once per run, so asking
 * twice is harmless.  How many were queued, or -1. */
static int ask_rest_pages(const struct cv_api *cv, struct cv_page *page, const struct rest_ctx *ctx,
                          long long first)
{
    char nonce_header[128];
    const char *headers[] = {nonce_header, "Content-Type: application/json",
                             "Accept: application/json", NULL};
    struct cv_request req;
    char *kind = rest_kind(ctx), *body = NULL;
    int queued = 0, rc = -1;

    if (!kind) {
        cv->fail(page, "out of memory");
        goto out;
    }
    snprintf(nonce_header, sizeof(nonce_header), "X-WP-Nonce: %s", ctx->nonce);
    for (long long n = first; n <= ctx->last; n++) {
        json_t *j = json_pack("{s:I, s:I, s:i, s:s, s:O}", "page", (json_int_t)n, "per_page",
                              (json_int_t)ctx->per_page, "get_items", 1, "sort", "td",
                              "base_filter", ctx->base_filter);
        int r;
        body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(j);
        if (!body) {
            cv->fail(page, "out of memory");
            goto out;
        }
        memset(&req, 0, sizeof(req));
        req.url = ctx->url;
        req.method = "POST";
        req.body = body;
        req.headers = headers;
        req.source = NULL;            /* this source */
        req.kind = kind;
        r = cv->follow_request(page, &req);
        free(body);
        body = NULL;
        if (r < 0)
            goto out;
        queued += r;
    }
    rc = queued;
out:
    free(body);
    free(kind);
    return rc;
}

/* The endpoint to use: the page's restUrl when it stays on BaT. */
static const char *rest_endpoint(const struct cv_api *cv, struct cv_page *page, json_t *toolbar)
{
    const char *given = json_string_value(json_object_get(toolbar, "restUrl"));
    const char *abs = given ? cv->resolve(page, given) : NULL, *host;
    size_t hlen;

    if (abs && (host = url_host(abs, &hlen)) && is_bat_host(host, hlen))
        return abs;
    if (given)
        cv->log(page, CV_LOG_WARN, "restUrl '%s' is not on bringatrailer.com; using %s", given,
                DEFAULT_REST_URL);
    return DEFAULT_REST_URL;
}

/* The "Show More" pages beyond what the member page holds.  How many
 * requests were queued, or -1. */
static int member_rest(const struct cv_api *cv, struct cv_page *page, json_t *completed,
                       long long *first_out, long long *last_out)
{
    json_t *toolbar = cv->json_var(page, "BAT_MODEL_LISTINGS_COMPLETED_TOOLBAR");
    json_t *items = json_object_get(completed, "items");
    long long total = json_count(json_object_get(completed, "items_total"));
    long long held = (long long)json_array_size(items), per_page, max_pages;
    struct rest_ctx ctx;

    *first_out = *last_out = 0;
    if (completed && total >= 0 && total <= held)
        return 0;   /* the page holds every completed listing */
    if (!toolbar) {
        if (completed)
            cv->log(page, CV_LOG_WARN, "%lld completed listings but only %lld on the page, and "
                    "no BAT_MODEL_LISTINGS_COMPLETED_TOOLBAR to ask for the rest", total, held);
        return 0;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.nonce = json_string_value(json_object_get(toolbar, "restNonce"));
    if (!nonce_ok(ctx.nonce)) {
        cv->log(page, CV_LOG_WARN, "no usable restNonce in BAT_MODEL_LISTINGS_COMPLETED_TOOLBAR; "
                "the listings beyond the first %lld are not asked for", held);
        return 0;
    }
    /* Without the member's filter the endpoint answers every BaT listing. */
    ctx.base_filter = json_object_get(toolbar, "baseFilter");
    if (!json_is_object(ctx.base_filter) || !json_object_size(ctx.base_filter))
        ctx.base_filter = json_object_get(completed, "base_filter");
    if (!json_is_object(ctx.base_filter) || !json_object_size(ctx.base_filter)) {
        cv->log(page, CV_LOG_WARN, "no baseFilter for the member: not asking the listings "
                "endpoint (unfiltered, it answers every BaT listing)");
        return 0;
    }
    per_page = json_count(json_object_get(toolbar, "perPage"));
    if (per_page <= 0)
        per_page = DEFAULT_PER_PAGE;
    if (per_page > MAX_PER_PAGE)
        per_page = MAX_PER_PAGE;
    ctx.per_page = per_page;
    ctx.url = rest_endpoint(cv, page, toolbar);
    max_pages = MAX_REST_OFFSET / per_page;
    if (total < 0) {
        /* No count on the page: page 1 tells (pages_total), and its page
         * asks for the others. */
        *first_out = 1;
        ctx.last = 1;
    } else {
        /* The page holds the newest `held` items, i.e. REST items
         * 1..held: start at the page holding item held + 1. */
        *first_out = held / per_page + 1;
        ctx.last = (total + per_page - 1) / per_page;
        if (ctx.last > max_pages) {
            cv->log(page, CV_LOG_WARN, "%lld completed listings: asking for the first %lld pages "
                    "only (BaT stops paging there)", total, max_pages);
            ctx.last = max_pages;
        }
    }
    *last_out = ctx.last;
    if (*first_out > ctx.last)
        return 0;
    return ask_rest_pages(cv, page, &ctx, *first_out);
}

/* A page of kind "rest": the endpoint's JSON answer. */
static int rest_page(const struct cv_api *cv, struct cv_page *page, const char *kind)
{
    struct seen seen = {0};
    struct rest_ctx ctx;
    size_t len, without_url = 0, nitems;
    const char *body = cv->page_body(page, &len), *msg;
    json_t *answer, *items;
    long long current, pages_total;
    int added, rc = -1;
    char start[64];
    size_t k = 0;

    /* The start of the answer, printable, for the messages. */
    for (size_t i = 0; body && i < len && k + 1 < sizeof(start) && k < 48; i++)
        start[k++] = isprint((unsigned char)body[i]) ? body[i] : ' ';
    start[k] = '\0';
    if (!body || !len || memchr(body, '\0', len)) {
        rc = cv->fail(page, "the listings endpoint gave an empty or binary answer, not JSON");
        goto out;
    }
    answer = cv->json_parse(page, body);
    if (!json_is_object(answer)) {
        rc = cv->fail(page, "the listings endpoint's answer is not a JSON object "
                      "(it starts \"%s\")", start);
        goto out;
    }
    items = json_object_get(answer, "items");
    if (!json_is_array(items) || !json_array_size(items)) {
        /* WordPress errors: {"code":"rest_...","message":"..."} */
        msg = json_string_value(json_object_get(answer, "message"));
        if (json_string_value(json_object_get(answer, "code")))
            rc = cv->fail(page, "the listings endpoint answered an error: %s%s%s",
                          json_string_value(json_object_get(answer, "code")), msg ? ": " : "",
                          msg ? msg : "");
        else
            rc = cv->fail(page, "the listings endpoint's answer has no items (it starts \"%s\")",
                          start);
        goto out;
    }
    nitems = json_array_size(items);
    if ((added = follow_items(cv, page, &seen, items, &without_url)) < 0)
        goto out;
    current = json_count(json_object_get(answer, "page_current"));
    pages_total = json_count(json_object_get(answer, "pages_total"));
    cv->log(page, CV_LOG_DEBUG, "REST page %lld of %lld: %zu items, %d listings followed%s",
            current, pages_total, nitems, added, without_url ? " (some items had no url)" : "");

    /* More pages than were asked for (the member listed more since the
     * profile page was made): ask for those too. */
    if (!strcmp(kind, REST_KIND)) {
        /* bare kind: no context to ask with */
    } else if (!rest_ctx_from_kind(cv, page, kind, &ctx)) {
        cv->log(page, CV_LOG_WARN, "page kind holds no REST context; further pages not asked for");
    } else if (pages_total > ctx.last) {
        long long first = ctx.last + 1, max_pages = MAX_REST_OFFSET / ctx.per_page;
        ctx.last = pages_total < max_pages ? pages_total : max_pages;
        if (first <= ctx.last) {
            if (ask_rest_pages(cv, page, &ctx, first) < 0)
                goto out;
            cv->log(page, CV_LOG_DEBUG, "the answer says %lld pages: asking for pages %lld..%lld "
                    "too", pages_total, first, ctx.last);
        }
    }
    rc = 0;
out:
    seen_free(&seen);
    return rc;
}

/* --- the member page -------------------------------------------------------------- */

/* Is n inside the "Recent Comments" block?  (Only the listings section is
 * read, but a page may nest the comments inside it.) */
static int in_comments(const struct cv_api *cv, struct cv_page *page, const struct cv_node *n)
{
    const char *b = cv->xpath_string(page, n, "string(boolean(ancestor::*[@id='comments']))");

    return b && !strcmp(b, "true");
}

/* The static cards of the listings section; how many were new, or -1. */
static int member_cards(const struct cv_api *cv, struct cv_page *page, struct cv_node *section,
                        struct seen *seen)
{
    static const char *const selectors[] = {"a.listing-card[href]", "[data-listing_id] h3 a[href]"};
    int added = 0;

    for (size_t s = 0; s < sizeof(selectors) / sizeof(selectors[0]); s++) {
        const struct cv_nodes *cards = cv->css(page, section, selectors[s]);
        for (size_t i = 0; cards && i < cards->count; i++) {
            int rc;
            if (in_comments(cv, page, cards->items[i]))
                continue;
            if ((rc = follow_listing(cv, page, seen, cv->attr(page, cards->items[i], "href"))) < 0)
                return -1;
            added += rc;
        }
    }
    return added;
}

static int member_page(const struct cv_api *cv, struct cv_page *page)
{
    struct seen seen = {0};
    struct cv_node *section = cv->css_first(page, NULL, "section#listings");
    json_t *completed = cv->json_var(page, "auctionsCompletedInitialData");
    json_t *items = json_object_get(completed, "items");
    size_t without_url = 0;
    long long first = 0, last = 0;
    int from_cards = 0, from_json = 0, asked, rc = -1;

    if (!section)
        section = cv->css_first(page, NULL, "#listings, .member-listings");
    if (!section && !completed && !cv->css_first(page, NULL, ".profile-header, .member-profile")) {
        rc = cv->fail(page, "not a BaT member page (no listings section, no "
                      "auctionsCompletedInitialData, no profile header)");
        goto out;
    }
    if (section) {
        if ((from_cards = member_cards(cv, page, section, &seen)) < 0)
            goto out;
    } else {
        /* Cards outside a listings section may be anybody's (comments,
         * sidebars): rather none than wrong ones. */
        cv->log(page, CV_LOG_WARN, "no listings section (section#listings): static cards not read");
    }
    if (completed && (from_json = follow_items(cv, page, &seen, items, &without_url)) < 0)
        goto out;
    if ((asked = member_rest(cv, page, completed, &first, &last)) < 0)
        goto out;

    cv->log(page, CV_LOG_DEBUG, "%d listings from the cards, %zu in auctionsCompletedInitialData "
            "(%d not on a card), items_total %lld",
            from_cards, json_array_size(items), from_json,
            json_count(json_object_get(completed, "items_total")));
    if (asked && first == last)
        cv->log(page, CV_LOG_DEBUG, "asked the listings endpoint for page %lld", first);
    else if (asked)
        cv->log(page, CV_LOG_DEBUG, "asked the listings endpoint for pages %lld..%lld", first, last);
    else
        cv->log(page, CV_LOG_DEBUG, "no listings endpoint pages needed");
    if (without_url)
        cv->log(page, CV_LOG_INFO, "%zu embedded items without a url", without_url);
    rc = 0;
out:
    seen_free(&seen);
    return rc;
}

static int extract(const struct cv_api *cv, struct cv_page *page)
{
    const char *kind = cv->page_kind(page);
    size_t n = strlen(REST_KIND);

    if (kind && !strncmp(kind, REST_KIND, n) && (kind[n] == '\0' || kind[n] == ':'))
        return rest_page(cv, page, kind);
    return member_page(cv, page);
}

static const char *const claims[] = {"bringatrailer.com/member/*", NULL};

static const struct cv_source source = {
    .abi_version = CV_ABI_VERSION,
    .name = "bat-member",
    .version = "1.0.0",
    .description = "Bring a Trailer member profile: every listing, current and past "
                   "(cards, embedded JSON, the \"Show More\" endpoint)",
    .claims = claims,
    .fingerprints = NULL,
    .start_urls = NULL,
    .delay_ms = 2000,
    .extract = extract,
};

const struct cv_source *carvest_source(void);

const struct cv_source *carvest_source(void)
{
    return &source;
}
