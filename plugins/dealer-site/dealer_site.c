/*
 * dealer_site.c -- source "dealer-site": the generic dealer website source
 * (DESIGN.md section 2), for dealer sites no platform rule recognises.  It
 * claims nothing by pattern or fingerprint: the pipelines name it.
 *
 * Pages are dispatched on their kind (see handlers[]).  This version reads
 * a dealer's homepage (kind "homepage", or kind "" on the site root) and
 * emits ONE business record: name, website (the origin of the page's real
 * URL, redirects included), contact details, BaT and Classic.com profiles,
 * address (JSON-LD only), logo, favicon, banner, and the inventory and sold
 * lists the site links.  Inventory, sold-list and vehicle pages fail with
 * "not handled yet" until that part is written.
 *
 * The original system guessed "/favicon.ico" for every site and stretched
 * favicons and logos as banners.  Here nothing is guessed: every URL comes
 * from the page, and a banner candidate that is the favicon, the logo, an
 * icon, an SVG or a small image is refused (no banner is better than a
 * wrong one).  Rejected candidates are logged at debug level (-v -v).
 */
#include <carvest/plugin.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URL_MAX 2048
#define TEXT_MAX 512
#define MAX_ICONS 16
#define MIN_BANNER_PX 200      /* smaller images are thumbnails or badges */

/* XPath pieces: class and id folded to lower case. */
#define UP "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
#define LOW "'abcdefghijklmnopqrstuvwxyz'"
#define CLASS_ID "translate(concat(' ',@class,' ',@id,' '),"UP","LOW")"
/* Ancestors that may tell what a block is: not <body> or <html>, whose
 * classes describe the whole page (WordPress puts "wp-custom-logo" on
 * <body> of every site with a logo). */
#define BLOCKS "ancestor-or-self::*[not(self::body) and not(self::html)]"
#define IN_FOOTER "ancestor-or-self::footer or " BLOCKS "[contains("CLASS_ID",'footer')]"

/* What one homepage extraction knows so far.  Strings are owned by the
 * page (cv API) or live in the arrays here. */
struct site {
    const struct cv_api *cv;
    struct cv_page *page;
    const char *url;                /* canonical real URL of the page */
    char host[256];                 /* host[:port], lower case, no "www." */
    json_t *org;                    /* the JSON-LD business, borrowed, or NULL */
    char name[TEXT_MAX];            /* "" when unknown */
    const char *favicon;            /* chosen favicon, or NULL */
    const char *icons[MAX_ICONS];   /* every icon the head links (never a banner) */
    size_t nicons;
    const char *logo;               /* chosen logo, or NULL */
};

/* ------------------------------------------------------------------ text */

static void lower_copy(const char *s, char *out, size_t outlen)
{
    size_t i = 0;

    for (; s && s[i] && i + 1 < outlen; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static int is_alnum_byte(char c)
{
    return isalnum((unsigned char)c) != 0;
}

/* Does lower-case `hay` hold `stem` at the start of a word ("sell" in
 * "sell your car", not in "russell")? */
static int has_stem(const char *hay, const char *stem)
{
    for (const char *p = strstr(hay, stem); p; p = strstr(p + 1, stem))
        if (p == hay || !is_alnum_byte(p[-1]))
            return 1;
    return 0;
}

/* Does lower-case `hay` hold `word` as a whole word ("sold", not "soldier")? */
static int has_word(const char *hay, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word))
        if ((p == hay || !is_alnum_byte(p[-1])) && !is_alnum_byte(p[n]))
            return 1;
    return 0;
}

static int any_stem(const char *hay, const char *const *stems)
{
    for (; *stems; stems++)
        if (has_stem(hay, *stems))
            return 1;
    return 0;
}

static int any_word(const char *hay, const char *const *words)
{
    for (; *words; words++)
        if (has_word(hay, *words))
            return 1;
    return 0;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* Is `tok` one of the space-separated tokens of lower-case `list`? */
static int has_token(const char *list, const char *tok)
{
    size_t n = strlen(tok);

    for (const char *p = list; *p;) {
        size_t len;
        while (isspace((unsigned char)*p))
            p++;
        len = strcspn(p, " \t\n\r\f");
        if (len == n && !strncmp(p, tok, n))
            return 1;
        p += len;
    }
    return 0;
}

/* s without leading/trailing blanks, into out (s may be out itself). */
static void trim_copy(const char *s, char *out, size_t outlen)
{
    size_t n;

    while (s && isspace((unsigned char)*s))
        s++;
    n = s ? strlen(s) : 0;
    if (n >= outlen)
        n = outlen - 1;
    if (n)
        memmove(out, s, n);
    out[n] = '\0';
    while (n && isspace((unsigned char)out[n - 1]))
        out[--n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) with %XX decoded, into out. */
static void pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------ URLs */

/* The path (and query) of an absolute URL: "/" when it has none. */
static const char *url_path(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;

    if (!p)
        return "/";
    p = strchr(p + 3, '/');
    return p ? p : "/";
}

/* "host[:port]" of an absolute URL, lower case, without a leading "www.". */
static void site_host(const char *url, char *out, size_t outlen)
{
    const char *p = url ? strstr(url, "://") : NULL;
    size_t n;

    out[0] = '\0';
    if (!p)
        return;
    p += 3;
    if (!strncasecmp(p, "www.", 4))
        p += 4;
    n = strcspn(p, "/?#");
    if (n >= outlen)
        n = outlen - 1;
    lower_copy(p, out, n + 1);
}

static int same_site(const struct site *s, const char *url)
{
    char host[256];

    site_host(url, host, sizeof(host));
    return *host && !strcmp(host, s->host);
}

/* Is `path` (with its query) the root of a site: "/" or "/index.html"? */
static int is_root_path(const char *path)
{
    static const char *const index[] = {
        "/", "/index.html", "/index.htm", "/index.php", "/index.asp", "/index.aspx", "/default.aspx",
    };

    for (size_t i = 0; i < sizeof(index) / sizeof(index[0]); i++)
        if (!strcasecmp(path, index[i]))
            return 1;
    return 0;
}

static int is_home_link(const struct site *s, const char *url)
{
    return url && same_site(s, url) && is_root_path(url_path(url));
}

/* ---------------------------------------------------------------- JSON-LD */

static int has_type(json_t *obj, const char *type)
{
    json_t *t = json_object_get(obj, "@type"), *v;
    size_t i;

    if (json_is_string(t)) {
        const char *name = json_string_value(t), *slash = strrchr(name, '/');
        return !strcmp(slash ? slash + 1 : name, type);
    }
    json_array_foreach(t, i, v) {
        const char *name = json_string_value(v), *slash;
        if (!name)
            continue;
        slash = strrchr(name, '/');
        if (!strcmp(slash ? slash + 1 : name, type))
            return 1;
    }
    return 0;
}

/* The page's business in JSON-LD, the most specific type first (a Yoast
 * "Organization" publisher is less telling than an "AutoDealer"). */
static json_t *find_org(struct site *s)
{
    static const char *const types[] = {
        "AutoDealer", "MotorcycleDealer", "AutomotiveBusiness", "AutoRepair", "AutoBodyShop",
        "LocalBusiness", "Store", "Organization", "Corporation",
    };
    json_t *all = s->cv->jsonld(s->page, NULL), *obj;
    size_t i;

    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
        json_array_foreach(all, i, obj)
            if (json_is_object(obj) && has_type(obj, types[k]))
                return obj;
    return NULL;
}

/* A text value of JSON-LD: a string, or an object's "name". */
static const char *ld_text(json_t *v)
{
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_object(v))
        v = json_object_get(v, "name");
    return json_string_value(v);
}

/* A URL value of JSON-LD: a string, or an ImageObject's url/contentUrl. */
static const char *ld_url(json_t *v)
{
    const char *u;

    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (!json_is_object(v))
        return json_string_value(v);
    u = json_string_value(json_object_get(v, "url"));
    return u ? u : json_string_value(json_object_get(v, "contentUrl"));
}

/* city/state/country from the business's PostalAddress.  Free text
 * addresses are not parsed (yet). */
static void address(struct site *s, struct cv_record *r)
{
    json_t *a = json_object_get(s->org, "address");

    if (json_is_array(a))
        a = json_array_get(a, 0);
    if (!json_is_object(a))
        return;
    s->cv->set(r, "city", ld_text(json_object_get(a, "addressLocality")));
    s->cv->set(r, "state", ld_text(json_object_get(a, "addressRegion")));
    s->cv->set(r, "country", ld_text(json_object_get(a, "addressCountry")));
}

/* ------------------------------------------------------------------ name */

/* Title parts that are never a business name. */
static int generic_part(const char *part)
{
    static const char *const generic[] = {
        "home", "homepage", "home page", "welcome", "index", "official site", "official website",
    };
    char low[TEXT_MAX];

    lower_copy(part, low, sizeof(low));
    for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
        if (!strcmp(low, generic[i]))
            return 1;
    return 0;
}

/* A title part that reads like a slogan or an SEO phrase rather than a
 * name: "Classic Cars for Sale in Naples, FL". */
static int slogan_part(const char *part)
{
    static const char *const marks[] = {
        "for sale", " in ", "since ", "your ", "best ", "welcome", "specialists", "home of",
        "home for", "!", "classic cars for", "cars for", "we ",
    };
    char low[TEXT_MAX + 2];

    snprintf(low, sizeof(low), " %s ", part);
    lower_copy(low, low, sizeof(low));
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (strstr(low, marks[i]))
            return 1;
    return 0;
}

/* alt of the first image in a link to the homepage (the brand mark),
 * without a trailing " logo"; used to pick the name among title parts. */
static void brand_alt(struct site *s, char *out, size_t outlen)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *imgs = cv->xpath(s->page, NULL, "//a[@href]//img[@alt]");
    size_t n;

    out[0] = '\0';
    for (size_t i = 0; imgs && i < imgs->count; i++) {
        struct cv_node *a = (struct cv_node *)imgs->items[i];
        const struct cv_nodes *link = cv->xpath(s->page, a, "ancestor::a[@href][1]");
        if (!link || !link->count ||
            !is_home_link(s, cv->resolve(s->page, cv->attr(s->page, link->items[0], "href"))))
            continue;
        trim_copy(cv->attr(s->page, a, "alt"), out, outlen);
        n = strlen(out);
        if (n > 5 && !strcasecmp(out + n - 5, " logo"))
            out[n - 5] = '\0';
        if (*out)
            return;
    }
}

/* The name from the <title>: the part before a separator that is neither
 * generic ("Home") nor a slogan; the brand image's alt decides between
 * parts when it names one of them. */
static void name_from_title(struct site *s, const char *title)
{
    static const char *const seps[] = {" | ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", " - ", " \xc2\xb7 ",
                                       " :: ", " \xc2\xbb ", " // "};
    char buf[TEXT_MAX], alt[TEXT_MAX];
    char *parts[8];
    size_t nparts = 0;
    char *p;

    trim_copy(title, buf, sizeof(buf));
    brand_alt(s, alt, sizeof(alt));
    /* cut at every separator */
    p = buf;
    while (nparts < 8) {
        char *cut = NULL;
        size_t seplen = 0;
        for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
            char *c = strstr(p, seps[i]);
            if (c && (!cut || c < cut)) {
                cut = c;
                seplen = strlen(seps[i]);
            }
        }
        parts[nparts++] = p;
        if (!cut)
            break;
        *cut = '\0';
        p = cut + seplen;
    }
    for (size_t i = 0; i < nparts; i++) {
        if (!strncasecmp(parts[i], "welcome to ", 11))
            parts[i] += 11;
        if (*alt && !strcasecmp(parts[i], alt)) {
            snprintf(s->name, sizeof(s->name), "%s", parts[i]);
            return;
        }
    }
    for (size_t i = 0; i < nparts; i++)
        if (*parts[i] && !generic_part(parts[i]) && !slogan_part(parts[i])) {
            snprintf(s->name, sizeof(s->name), "%s", parts[i]);
            return;
        }
    /* every part is a slogan: the brand image may still say who it is */
    snprintf(s->name, sizeof(s->name), "%s", alt);
}

static void find_name(struct site *s)
{
    const struct cv_api *cv = s->cv;
    const char *n = json_string_value(json_object_get(s->org, "name"));

    if (!n || !*n)
        n = cv->attr(s->page, cv->css_first(s->page, NULL,
                     "meta[property='og:site_name'], meta[name='og:site_name']"), "content");
    if (n && *n) {
        trim_copy(n, s->name, sizeof(s->name));
        return;
    }
    name_from_title(s, cv->text(s->page, cv->css_first(s->page, NULL, "title")));
}

/* ---------------------------------------------------------------- images */

/* The largest candidate of a srcset ("a.jpg 640w, b.jpg 1920w" or "1x, 2x")
 * into out; *width gets its w descriptor (0 for x or none).  0 when the set
 * holds no usable candidate. */
static int srcset_largest(const char *set, char *out, size_t outlen, long *width)
{
    const char *p = set;
    double best = -1;

    *width = 0;
    while (p && *p) {
        const char *start, *end;
        double score = 1;
        long w = 0;
        int comma = 0;

        while (*p && (isspace((unsigned char)*p) || *p == ','))
            p++;
        if (!*p)
            break;
        start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        end = p;
        while (end > start && end[-1] == ',') {
            end--;
            comma = 1;
        }
        while (!comma && *p && *p != ',') {
            char *e;
            double v;
            while (isspace((unsigned char)*p))
                p++;
            v = strtod(p, &e);
            if (e != p && *e == 'w') {
                score = v;
                w = (long)v;
            } else if (e != p && *e == 'x') {
                score = v;
            }
            while (*p && *p != ',' && !isspace((unsigned char)*p))
                p++;
        }
        if ((size_t)(end - start) < outlen && strncmp(start, "data:", 5) && score > best) {
            best = score;
            *width = w;
            snprintf(out, outlen, "%.*s", (int)(end - start), start);
        }
    }
    return best >= 0;
}

/* The real source of an <img> or <source>, lazy loading included: the
 * largest srcset candidate, else data-src and friends, else src (not a
 * data: placeholder).  *srcset_w: the width of a srcset pick, else 0. */
static int img_src(const struct cv_api *cv, struct cv_page *page, const struct cv_node *img,
                   char *out, size_t outlen, long *srcset_w)
{
    static const char *const sets[] = {"data-srcset", "data-lazy-srcset", "srcset"};
    static const char *const srcs[] = {"data-src", "data-lazy-src", "data-lazy", "data-original",
                                       "data-orig-src", "src"};

    *srcset_w = 0;
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const char *v = cv->attr(page, img, sets[i]);
        if (v && srcset_largest(v, out, outlen, srcset_w))
            return 1;
    }
    for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        char v[URL_MAX];
        trim_copy(cv->attr(page, img, srcs[i]), v, sizeof(v));
        if (*v && strncmp(v, "data:", 5)) {
            snprintf(out, outlen, "%s", v);
            return 1;
        }
    }
    return 0;
}

/* The URL inside the first url(...) of a CSS value, or a bare URL. */
static int css_url(const char *css, char *out, size_t outlen)
{
    const char *p = css ? strcasestr(css, "url(") : NULL;
    size_t n;

    if (!p) {
        trim_copy(css, out, outlen);
        return *out && !strchr(out, '(') && !strchr(out, ';') && strncmp(out, "data:", 5);
    }
    p += 4;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '"' || *p == '\'') {
        const char *q = strchr(p + 1, *p);
        if (!q)
            return 0;
        n = (size_t)(q - p - 1);
        p++;
    } else {
        n = strcspn(p, ")");
    }
    if (n >= outlen)
        return 0;
    snprintf(out, outlen, "%.*s", (int)n, p);
    trim_copy(out, out, outlen);
    return *out && strncmp(out, "data:", 5);
}

/* A CSS background image given on an element (inline style or the lazy
 * loaders' data-bg attributes). */
static int background_src(const struct cv_api *cv, struct cv_page *page, const struct cv_node *n,
                          char *out, size_t outlen)
{
    static const char *const attrs[] = {"data-bg", "data-background", "data-background-image",
                                        "data-bg-src", "data-image-src"};
    const char *style = cv->attr(page, n, "style");

    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        const char *v = cv->attr(page, n, attrs[i]);
        if (v && css_url(v, out, outlen))
            return 1;
    }
    return style && strcasestr(style, "background") && strcasestr(style, "url(") &&
           css_url(strcasestr(style, "background"), out, outlen);
}

/* "-150x150" before the extension (WordPress thumbnail sizes) of a small
 * image. */
static int small_by_name(const char *lowpath)
{
    const char *base = strrchr(lowpath, '/'), *p;

    for (p = base ? base : lowpath; (p = strchr(p, '-')); p++) {
        char *e;
        long w = strtol(p + 1, &e, 10), h;
        if (e == p + 1 || *e != 'x')
            continue;
        h = strtol(e + 1, &e, 10);
        if (*e == '.' && w > 0 && h > 0 && (w < MIN_BANNER_PX || h < MIN_BANNER_PX))
            return 1;
    }
    return 0;
}

/* A width/height attribute that says the image is small ("64", "64px";
 * not "100%"). */
static int small_dim(const char *v)
{
    char *e;
    long n;

    if (!v)
        return 0;
    n = strtol(v, &e, 10);
    return e != v && (!*e || !strcmp(e, "px")) && n > 0 && n < MIN_BANNER_PX;
}

/* Does the lower-case path name an icon ("/icons/", "apple-touch-icon",
 * "icon-192.png"), as a word: "silicon-valley.jpg" is no icon. */
static int says_icon(const char *lowpath)
{
    for (const char *p = strstr(lowpath, "icon"); p; p = strstr(p + 1, "icon")) {
        const char *after = p + 4;
        if (*after == 's')
            after++;
        if ((p == lowpath || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)*after))
            return 1;
    }
    return 0;
}

/* Why `url` may not be the banner, or NULL when it may. */
static const char *banner_refusal(const struct site *s, const char *url)
{
    static const char *const placeholders[] = {"placeholder", "spacer", "blank.", "pixel.",
                                               "transparent.", "loading", "loader", "lazy"};
    char low[URL_MAX], path[URL_MAX];
    size_t n;

    if (!url)
        return "not an http(s) URL";
    if (s->favicon && !strcmp(url, s->favicon))
        return "it is the favicon";
    for (size_t i = 0; i < s->nicons; i++)
        if (!strcmp(url, s->icons[i]))
            return "it is an icon the page links";
    if (s->logo && !strcmp(url, s->logo))
        return "it is the logo";
    lower_copy(url, low, sizeof(low));
    if (strstr(low, "favicon"))
        return "its URL says favicon";
    lower_copy(url_path(url), path, sizeof(path));
    path[strcspn(path, "#")] = '\0';
    if (strstr(path, "logo"))
        return "its URL says logo";
    if (says_icon(path))
        return "its URL says icon";
    n = strcspn(path, "?");
    path[n] = '\0';
    if (n >= 4 && (!strcmp(path + n - 4, ".ico") || !strcmp(path + n - 4, ".svg")))
        return "an icon or vector file (.ico/.svg), not a photo";
    for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
        if (strstr(path, placeholders[i]))
            return "a placeholder image";
    if (small_by_name(path))
        return "a small image (its file name gives the size)";
    return NULL;
}

/* Take `url` (relative to the page) as the banner when it is suitable. */
static const char *try_banner(const struct site *s, const char *src, const struct cv_node *n,
                              long srcset_w)
{
    const struct cv_api *cv = s->cv;
    const char *url = cv->resolve(s->page, src);
    const char *why = banner_refusal(s, url);

    if (!why && n && (small_dim(cv->attr(s->page, n, "width")) ||
                      small_dim(cv->attr(s->page, n, "height"))))
        why = "a small image (width/height attributes)";
    if (!why && srcset_w > 0 && srcset_w < MIN_BANNER_PX)
        why = "a small image (srcset width)";
    if (why) {
        cv->log(s->page, CV_LOG_DEBUG, "banner candidate %s refused: %s", url ? url : src, why);
        return NULL;
    }
    return url;
}

/* The hero's picture: the first suitable image or CSS background inside
 * the hero/banner/slider blocks, in document order.  Blocks about cars
 * (featured inventory carousels), partners or cookie notices are not
 * heroes. */
static const char *hero_banner(const struct site *s)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *heroes = cv->css(s->page, NULL,
        "section.hero, .hero, #hero, .jumbotron, [class*='hero'], [id*='hero'], "
        "[class*='banner'], [id*='banner'], [class*='slider'], [id*='slider'], "
        "[class*='slideshow'], [class*='carousel'], [class*='swiper']");
    const char *not_hero = "boolean(" IN_FOOTER " or " BLOCKS "["
        "contains("CLASS_ID",'featured') or contains("CLASS_ID",'inventory') or "
        "contains("CLASS_ID",'vehicle') or contains("CLASS_ID",'listing') or "
        "contains("CLASS_ID",'partner') or contains("CLASS_ID",'logo') or "
        "contains("CLASS_ID",'cookie') or contains("CLASS_ID",'consent') or "
        "contains("CLASS_ID",'testimonial') or contains("CLASS_ID",'review') or "
        "contains("CLASS_ID",'announcement') or contains("CLASS_ID",'notice')])";

    for (size_t i = 0; heroes && i < heroes->count; i++) {
        const struct cv_nodes *cands;
        const char *skip = cv->xpath_string(s->page, heroes->items[i], not_hero);
        if (!skip || !strcmp(skip, "true"))
            continue;
        cands = cv->xpath(s->page, heroes->items[i],
            "descendant-or-self::*[self::img or self::source or @style or @data-bg or "
            "@data-background or @data-background-image or @data-bg-src or @data-image-src]");
        for (size_t k = 0; cands && k < cands->count; k++) {
            const struct cv_node *n = cands->items[k];
            const char *name = cv->node_name(s->page, n), *url;
            char src[URL_MAX];
            long w = 0;
            int got;
            if (!strcmp(name, "img") || !strcmp(name, "source"))
                got = img_src(cv, s->page, n, src, sizeof(src), &w);
            else
                got = background_src(cv, s->page, n, src, sizeof(src));
            if (got && (url = try_banner(s, src, n, w)))
                return url;
        }
    }
    return NULL;
}

/* og:image / twitter:image, when suitable (their size metas respected). */
static const char *meta_banner(const struct site *s)
{
    const struct cv_api *cv = s->cv;
    static const char *const metas[] = {
        "meta[property='og:image:secure_url'], meta[property='og:image'], meta[name='og:image']",
        "meta[name='twitter:image'], meta[property='twitter:image'], meta[name='twitter:image:src']",
    };
    const char *w = cv->attr(s->page, cv->css_first(s->page, NULL,
                             "meta[property='og:image:width']"), "content");
    const char *h = cv->attr(s->page, cv->css_first(s->page, NULL,
                             "meta[property='og:image:height']"), "content");

    for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
        const char *src = cv->attr(s->page, cv->css_first(s->page, NULL, metas[i]), "content");
        const char *url;
        char v[URL_MAX];
        trim_copy(src, v, sizeof(v));
        if (!*v)
            continue;
        if (i == 0 && (small_dim(w) || small_dim(h))) {
            cv->log(s->page, CV_LOG_DEBUG, "banner candidate %s refused: og:image:width/height "
                    "say it is small", v);
            continue;
        }
        if ((url = try_banner(s, v, NULL, 0)))
            return url;
    }
    return NULL;
}

/* ----------------------------------------------------------------- icons */

/* How far an icon of `sizes` is from what a UI shows beside a name (about
 * 32 px): lower is better.  Unknown sizes (a plain favicon.ico, usually
 * 16+32+48) come just after an exact 32x32; "any" (SVG) after those,
 * since not every UI draws SVG; large touch images last. */
static long icon_cost(const char *sizes)
{
    long best = -1;
    const char *p = sizes;

    if (!sizes || !*sizes)
        return 8;
    if (strcasestr(sizes, "any"))
        return 12;
    while (p && *p) {
        char *e;
        long n = strtol(p, &e, 10), cost;
        if (e == p) {
            p++;
            continue;
        }
        cost = n >= 32 ? (n - 32) / 4 : (32 - n);
        if (best < 0 || cost < best)
            best = cost;
        p = strpbrk(e, " ");
    }
    return best < 0 ? 8 : best;
}

/* Favicon: a rel="icon" link ("shortcut icon" included), the size nearest
 * 32 px; an apple-touch-icon (180 px, often with a solid background) only
 * when the page links no real icon.  Never /favicon.ico unless linked. */
static void find_icons(struct site *s)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *links = cv->css(s->page, NULL, "link[rel][href]");
    const char *touch = NULL;
    long best = -1;

    for (size_t i = 0; links && i < links->count; i++) {
        char rel[128];
        const char *url;
        int icon, apple;
        lower_copy(cv->attr(s->page, links->items[i], "rel"), rel, sizeof(rel));
        /* "icon", "shortcut icon"; "apple-touch-icon(-precomposed)"; a
         * Safari "mask-icon" is a one-colour SVG stencil: never shown
         * as such, but never a banner either */
        icon = has_token(rel, "icon");
        apple = has_token(rel, "apple-touch-icon") || has_token(rel, "apple-touch-icon-precomposed");
        if (!icon && !apple && !has_token(rel, "mask-icon"))
            continue;
        url = cv->resolve(s->page, cv->attr(s->page, links->items[i], "href"));
        if (!url)
            continue;
        if (s->nicons < MAX_ICONS)
            s->icons[s->nicons++] = url;
        if (apple && !touch) {
            touch = url;
        } else if (icon && !apple) {
            long cost = icon_cost(cv->attr(s->page, links->items[i], "sizes"));
            if (best < 0 || cost < best) {
                best = cost;
                s->favicon = url;
            }
        }
    }
    if (!s->favicon)
        s->favicon = touch;
}

/* ------------------------------------------------------------------ logo */

/* The logo: JSON-LD "logo", else an image in the header or the brand link
 * whose class/id/alt/src (or its parent's class/id) says logo, or whose alt
 * is the business name.  An image in a link to the homepage or named like
 * the business beats one that only says "logo" (a partner badge in a top
 * bar says logo too). */
static void find_logo(struct site *s)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *imgs;
    int best = 0;

    s->logo = cv->resolve(s->page, ld_url(json_object_get(s->org, "logo")));
    if (s->logo)
        return;
    imgs = cv->xpath(s->page, NULL, "//body//img");
    for (size_t i = 0; imgs && i < imgs->count; i++) {
        const struct cv_node *img = imgs->items[i];
        const char *in_footer = cv->xpath_string(s->page, img, "boolean(" IN_FOOTER ")");
        const char *in_header = cv->xpath_string(s->page, img,
            "boolean(ancestor::header or ancestor::*[@role='banner'] or "
            "ancestor::*[not(self::body) and not(self::html)]["
            "contains("CLASS_ID",'header') or contains("CLASS_ID",'navbar') or "
            "contains("CLASS_ID",'brand') or contains("CLASS_ID",'logo')])");
        const char *parent_logo = cv->xpath_string(s->page, img,
            "boolean(ancestor::*[position()<=2][not(self::body)][contains("CLASS_ID",'logo')])");
        const struct cv_nodes *link = cv->xpath(s->page, img, "ancestor::a[@href][1]");
        const char *alt = cv->attr(s->page, img, "alt");
        char attrs[URL_MAX * 2], src[URL_MAX], altbuf[TEXT_MAX];
        int home, named, says, score;
        long w;

        if (!in_footer || !strcmp(in_footer, "true") || !img_src(cv, s->page, img, src, sizeof(src), &w))
            continue;
        home = link && link->count &&
               is_home_link(s, cv->resolve(s->page, cv->attr(s->page, link->items[0], "href")));
        trim_copy(alt, altbuf, sizeof(altbuf));
        /* "Name", "Name logo", "Name, Chicago IL" */
        named = *s->name && !strncasecmp(altbuf, s->name, strlen(s->name)) &&
                !is_alnum_byte(altbuf[strlen(s->name)]);
        snprintf(attrs, sizeof(attrs), "%s %s %s %s", or_empty(cv->attr(s->page, img, "class")),
                 or_empty(cv->attr(s->page, img, "id")), altbuf, src);
        lower_copy(attrs, attrs, sizeof(attrs));
        says = strstr(attrs, "logo") || (parent_logo && !strcmp(parent_logo, "true"));
        if (!home && !(in_header && !strcmp(in_header, "true")))
            continue;
        score = (home || named) && (says || named) ? 2 : (says || named) ? 1 : 0;
        if (score > best) {
            const char *url = cv->resolve(s->page, src);
            if (url) {
                best = score;
                s->logo = url;
            }
        }
        if (best == 2)
            break;
    }
}

/* --------------------------------------------------- contacts and profiles */

/* Digits in s. */
static size_t count_digits(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        n += isdigit((unsigned char)*s) != 0;
    return n;
}

/* The first phone number in free text: "+44 1761 847 5746", "(660) 455-3536". */
static int phone_in_text(const struct site *s, const char *text, char *out, size_t outlen)
{
    static const char *const pattern =
        "(\\+[0-9]{1,3}([ .-]\\(?[0-9]{1,8}\\)?){1,5})|(\\(?[0-9]{3}\\)?[-. ][0-9]{3}[-. ][0-9]{4})";
    const char *caps[1];

    while (text && *text && s->cv->regex(s->page, text, pattern, caps, 1) > 0 && caps[0]) {
        size_t d = count_digits(caps[0]);
        if (d >= 8 && d <= 15) {
            snprintf(out, outlen, "%s", caps[0]);
            return 1;
        }
        /* too short or too long: look after it */
        text = strstr(text, caps[0]) + strlen(caps[0]);
    }
    return 0;
}

static void contacts(struct site *s, struct cv_record *r)
{
    const struct cv_api *cv = s->cv;
    static const char *const scopes[] = {
        "header, #header, .header, .site-header",
        "footer, #footer, .footer, .site-footer",
        "[class*='phone'], [id*='phone']",
    };
    const char *v;
    char buf[TEXT_MAX];

    /* phone: the business's JSON-LD, a tel: link, else a number in the
     * header, the footer, or (table layouts without either) the page
     * text outside its main content */
    v = json_string_value(json_object_get(s->org, "telephone"));
    if (!v || count_digits(v) < 7) {
        /* a tel: link: the number as its text shows it ("Call (416)
         * 555-0416" gives the number), else the href's */
        struct cv_node *tel = cv->css_first(s->page, NULL, "a[href^='tel:' i]");
        v = NULL;
        if (tel && phone_in_text(s, cv->text(s->page, tel), buf, sizeof(buf))) {
            v = buf;
        } else if (tel) {
            const char *href = cv->attr(s->page, tel, "href");
            pct_decode(href + 4, strlen(href + 4), buf, sizeof(buf));
            v = buf;
        }
    }
    if (v && count_digits(v) >= 7) {
        cv->set(r, "phone", v);
    } else {
        int found = 0;
        for (size_t i = 0; !found && i < sizeof(scopes) / sizeof(scopes[0]); i++) {
            const struct cv_nodes *ns = cv->css(s->page, NULL, scopes[i]);
            for (size_t k = 0; !found && ns && k < ns->count; k++)
                found = phone_in_text(s, cv->text(s->page, ns->items[k]), buf, sizeof(buf));
        }
        if (!found) {
            const struct cv_nodes *ts = cv->xpath(s->page, NULL,
                "//body//text()[not(ancestor::main or ancestor::article or ancestor::section "
                "or ancestor::script or ancestor::style or ancestor::noscript)]");
            for (size_t k = 0; !found && ts && k < ts->count; k++)
                found = phone_in_text(s, cv->text(s->page, ts->items[k]), buf, sizeof(buf));
        }
        if (found)
            cv->set(r, "phone", buf);
    }

    /* e-mail: JSON-LD, else the first mailto: link */
    v = json_string_value(json_object_get(s->org, "email"));
    if (!v || !strchr(v, '@'))
        v = cv->attr(s->page, cv->css_first(s->page, NULL, "a[href^='mailto:' i]"), "href");
    if (v) {
        size_t n = strcspn(v, "?");
        pct_decode(v, n, buf, sizeof(buf));
        if (strchr(buf, '@'))
            cv->set(r, "email", buf);
    }
}

/* bat_username from a link to https://bringatrailer.com/member/<u>/, and
 * the Classic.com seller profile (https://www.classic.com/s/<slug>/). */
static void profiles(struct site *s, struct cv_record *r)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *bat = cv->css(s->page, NULL, "a[href*='bringatrailer.com/member/' i]");
    const struct cv_nodes *cls = cv->css(s->page, NULL, "a[href*='classic.com/s/' i]");
    char host[256], user[256];

    for (size_t i = 0; bat && i < bat->count; i++) {
        const char *url = cv->resolve(s->page, cv->attr(s->page, bat->items[i], "href"));
        const char *path = url_path(url);
        site_host(url, host, sizeof(host));
        if (!url || strcmp(host, "bringatrailer.com") || strncmp(path, "/member/", 8))
            continue;
        path += 8;
        pct_decode(path, strcspn(path, "/?#"), user, sizeof(user));
        if (*user) {
            cv->set(r, "bat_username", user);
            break;
        }
    }
    for (size_t i = 0; cls && i < cls->count; i++) {
        const char *url = cv->resolve(s->page, cv->attr(s->page, cls->items[i], "href"));
        const char *path = url_path(url);
        site_host(url, host, sizeof(host));
        if (url && !strcmp(host, "classic.com") && !strncmp(path, "/s/", 3) &&
            path[3] && path[3] != '/' && path[3] != '?') {
            cv->set(r, "classic_com_profile", url);
            break;
        }
    }
}

/* ------------------------------------------------------ inventory links */

enum list_kind { LIST_NONE, LIST_INVENTORY, LIST_SOLD, LIST_EXCLUDED };

/* Links about anything but browsing the stock: "Sell Your Car",
 * "Financing", "Value Your Trade"... (stems, matched at word starts). */
static const char *const not_inventory[] = {
    "sell", "consign", "financ", "loan", "credit", "trade", "apprais", "value", "we buy",
    "buy your", "service", "parts", "contact", "shipping", "transport", "warrant", "insur",
    "apply", "wanted", "finder", "request", "storage", "detailing", "rental", "blog", "news",
    "event", "review", "testimonial", "career", "about", "login", "account", "partner",
    NULL,
};

/* Context that makes an "archive" a car archive rather than a blog's. */
static const char *const car_context[] = {
    "car", "cars", "vehicle", "vehicles", "inventory", "sold", "sales", "auction", "auctions",
    NULL,
};

static enum list_kind classify_text(const char *text)
{
    static const char *const sold[] = {
        "sold", "past sales", "previous sales", "sales history", "sale history",
        "previously sold", "recent sales", "past inventory", "past vehicles", NULL,
    };
    static const char *const inventory[] = {
        "inventory", "for sale", "showroom", "vehicles", "our cars", "in stock", "current stock",
        "stock list", "available cars", "available vehicles", NULL,
    };
    char low[TEXT_MAX];

    lower_copy(text, low, sizeof(low));
    if (!*low)
        return LIST_NONE;
    if (any_stem(low, not_inventory))
        return LIST_EXCLUDED;
    if (any_word(low, sold) || (has_word(low, "archive") && any_word(low, car_context)))
        return LIST_SOLD;
    if (any_word(low, inventory) || !strcmp(low, "cars") || !strcmp(low, "stock"))
        return LIST_INVENTORY;
    return LIST_NONE;
}

/* A path of one vehicle, not a list: a slug with a model year
 * ("/inventory/2002-bmw-z8-roadster/", "used-1931-ford-model-a-f90566"),
 * a numeric id ("cars/72762.html"), or a query naming one car. */
static int vehicle_path(const char *lowpath)
{
    const char *seg = lowpath;

    if (strstr(lowpath, "?id=") || strstr(lowpath, "&id=") || strstr(lowpath, "vin=") ||
        strstr(lowpath, "stock="))
        return 1;
    while (*seg) {
        size_t n, digits = 0;
        while (*seg == '/')
            seg++;
        n = strcspn(seg, "/?");
        for (size_t i = 0; i < n; i++) {
            if (isdigit((unsigned char)seg[i])) {
                digits++;
                continue;
            }
            /* a run of 4 digits starting 19/20, beside a '-' */
            if (digits == 4 && i >= 4 && (seg[i - 4] == '1' || seg[i - 4] == '2') &&
                (seg[i] == '-' || (i > 4 && seg[i - 5] == '-')))
                return 1;
            digits = 0;
        }
        if (digits == 4 && n > 4 && seg[n - 5] == '-')
            return 1;
        /* all digits before an extension: an id page */
        {
            size_t d = strspn(seg, "0123456789");
            if (d >= 4 && (d == n || seg[d] == '.' || seg[d] == '-'))
                return 1;
        }
        seg += n;
        if (*seg == '?')
            break;
    }
    return 0;
}

static enum list_kind classify_path(const char *url)
{
    static const char *const sold[] = {
        "sold", "past-sales", "past_sales", "sales-history", "previously-sold", "sold-vehicles",
        "sold-inventory", NULL,
    };
    static const char *const inventory[] = {
        "inventory", "vehicles", "showroom", "for-sale", "forsale", "for_sale", "stock",
        "cars-for-sale", "cars", NULL,
    };
    char low[URL_MAX];

    lower_copy(url_path(url), low, sizeof(low));
    if (vehicle_path(low))
        return LIST_EXCLUDED;
    if (any_stem(low, not_inventory))
        return LIST_EXCLUDED;
    if (any_word(low, sold) || (has_word(low, "archive") && any_word(low, car_context)))
        return LIST_SOLD;
    if (any_word(low, inventory))
        return LIST_INVENTORY;
    return LIST_NONE;
}

/* The text a link shows (or its title / aria-label for icon links). */
static const char *link_text(const struct site *s, const struct cv_node *a)
{
    const char *t = s->cv->text(s->page, a);

    if (!t || !*t)
        t = s->cv->attr(s->page, a, "title");
    if (!t || !*t)
        t = s->cv->attr(s->page, a, "aria-label");
    return t ? t : "";
}

/* First link of `links` that is a `want` list: by its text when by_text,
 * else by its path (its text not saying something else). */
static const char *pick_list(const struct site *s, const struct cv_nodes *links,
                             enum list_kind want, int by_text)
{
    const struct cv_api *cv = s->cv;

    for (size_t i = 0; links && i < links->count; i++) {
        const char *href = cv->attr(s->page, links->items[i], "href");
        const char *url = cv->resolve(s->page, href);
        enum list_kind t, p;
        /* a menu heading's "#" is the page itself, not a list */
        if (!url || *href == '#' || !strcmp(url, s->url) || !same_site(s, url) ||
            is_root_path(url_path(url)))
            continue;
        t = classify_text(link_text(s, links->items[i]));
        p = classify_path(url);
        /* "Sell Your Car", one car's page: whatever the other half says */
        if (t == LIST_EXCLUDED || p == LIST_EXCLUDED)
            continue;
        if (by_text ? t == want : (p == want && t == LIST_NONE))
            return url;
    }
    return NULL;
}

/* inventory_url / sold_inventory_url: the site's navigation first (text,
 * then path), then any link of the page.  Only what the site links. */
static void lists(struct site *s, struct cv_record *r)
{
    const struct cv_api *cv = s->cv;
    const struct cv_nodes *nav = cv->css(s->page, NULL,
        "header a[href], nav a[href], [role='navigation'] a[href], .nav a[href], "
        ".navbar a[href], .menu a[href], .main-nav a[href], #menu a[href], .navigation a[href]");
    const struct cv_nodes *all = cv->css(s->page, NULL, "a[href]");
    const struct cv_nodes *order[] = {nav, nav, all, all};
    const int by_text[] = {1, 0, 1, 0};
    const char *inv = NULL, *sold = NULL;

    for (size_t i = 0; i < 4; i++) {
        if (!inv)
            inv = pick_list(s, order[i], LIST_INVENTORY, by_text[i]);
        if (!sold)
            sold = pick_list(s, order[i], LIST_SOLD, by_text[i]);
    }
    cv->set(r, "inventory_url", inv);
    if (sold && (!inv || strcmp(sold, inv)))
        cv->set(r, "sold_inventory_url", sold);
}

/* -------------------------------------------------------------- handlers */

static int homepage(const struct cv_api *cv, struct cv_page *page, const char *url)
{
    struct site s;
    struct cv_record *r;
    const char *banner;

    memset(&s, 0, sizeof(s));
    s.cv = cv;
    s.page = page;
    s.url = url;
    site_host(url, s.host, sizeof(s.host));
    s.org = find_org(&s);
    find_name(&s);
    if (!*s.name)
        return cv->fail(page, "no business name on the page (no JSON-LD Organization name, no "
                        "og:site_name, no usable <title>): is it the dealer's homepage?");
    r = cv->record(page, CV_RECORD_BUSINESS);
    if (!r)
        return -1;
    cv->set(r, "name", s.name);
    cv->set(r, "website", url);      /* the record keeps the origin */
    cv->set(r, "source_url", url);
    address(&s, r);
    contacts(&s, r);
    profiles(&s, r);
    find_icons(&s);
    find_logo(&s);
    cv->set(r, "logo_url", s.logo);
    cv->set(r, "favicon_url", s.favicon);
    banner = hero_banner(&s);
    if (!banner)
        banner = meta_banner(&s);
    cv->set(r, "banner_url", banner);
    lists(&s, r);
    return cv->emit(r);
}

static int not_yet(const struct cv_api *cv, struct cv_page *page, const char *url)
{
    (void)url;
    return cv->fail(page, "'%s' pages are not handled yet: this version of dealer-site reads "
                    "only a dealer's homepage", cv->page_kind(page));
}

static const struct {
    const char *kind;
    int (*fn)(const struct cv_api *cv, struct cv_page *page, const char *url);
} handlers[] = {
    {"homepage", homepage},
    {"inventory", not_yet},     /* a for-sale list */
    {"sold", not_yet},          /* a sold list */
    {"list", not_yet},          /* a further page of either */
    {"vehicle", not_yet},       /* one car */
};

static int extract(const struct cv_api *cv, struct cv_page *page)
{
    const char *url = cv->page_url(page), *kind = cv->page_kind(page);

    if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
        return cv->fail(page, "dealer-site needs the page's real http(s) URL (extract --url URL)");
    if (!kind || !*kind) {
        if (is_root_path(url_path(url)))
            return homepage(cv, page, url);
        return cv->fail(page, "not a homepage: this version of dealer-site reads only a "
                        "dealer's homepage (the site root '/', or a page of kind 'homepage'); "
                        "inventory and vehicle pages are not handled yet");
    }
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (!strcmp(kind, handlers[i].kind))
            return handlers[i].fn(cv, page, url);
    return cv->fail(page, "unknown page kind '%s' (dealer-site knows homepage, inventory, "
                    "sold, list and vehicle)", kind);
}

static const struct cv_source source = {
    .abi_version = CV_ABI_VERSION,
    .name = "dealer-site",
    .version = "0.1.0",
    .description = "Generic dealer website: homepage -> the dealer (business: logo, favicon, "
                   "banner, contacts, inventory links); inventory pages not handled yet",
    .claims = NULL,
    .fingerprints = NULL,
    .start_urls = NULL,
    .delay_ms = 1000,
    .extract = extract,
};

const struct cv_source *carvest_source(void);

const struct cv_source *carvest_source(void)
{
    return &source;
}
