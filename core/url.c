/*
 * url.c -- URL parsing, RFC 3986 resolution, canonical identity, claim
 * patterns and --map-origin rewriting (see url.h).
 *
 * carvest only ever deals in absolute http/https URLs.  Everything else a
 * page links to (mailto:, tel:, javascript:, data:) is refused as early as
 * possible so callers can drop it without looking at it.
 */
#include "url.h"
#include "buf.h"
#include "mem.h"
#include "str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No server answers a longer request line; anything above is junk, and the
 * cap keeps every buffer below bounded by a small multiple of it. */
enum { URL_MAX_LEN = 64 * 1024 };

/* Percent-encoding can triple a string; leave room for the origin too. */
#define URL_BUF_MAX ((size_t)URL_MAX_LEN * 3 + 256)

/*
 * Query parameters that only tell a site's analytics where a click came
 * from.  They never select content, so they are not part of a page's
 * identity and the same listing linked from a newsletter and from a feed
 * must get one key.  Compared case-insensitively; a final '*' makes the
 * entry a prefix.  This is the one list; keep it here.
 */
static const char *const tracking_params[] = {
    "utm_*",                            /* Google Analytics campaign tags */
    "fbclid",                           /* Facebook */
    "gclid", "dclid", "gbraid", "wbraid", "srsltid", /* Google Ads / Shopping */
    "_ga", "_gl",                       /* Google cross-domain linker */
    "msclkid",                          /* Microsoft Ads */
    "mc_cid", "mc_eid",                 /* Mailchimp */
    "yclid",                            /* Yandex */
    "igshid",                           /* Instagram */
    "_hsenc", "_hsmi",                  /* HubSpot */
    "mkt_tok",                          /* Marketo */
    "oly_anon_id", "oly_enc_id",        /* Omeda */
    "vero_id",                          /* Vero */
    "s_cid",                            /* Adobe Analytics */
};

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 3986 section 2.3: these never need encoding, so %XX of them is
 * decoded to make equal URLs compare equal. */
static int is_unreserved(int c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Bytes that may not appear raw in a path or query: controls, space,
 * non-ASCII and the characters RFC 3986 excludes from every component. */
static int must_encode(int c)
{
    return c <= 0x20 || c >= 0x7f || (c && strchr("\"<>\\^`{|}", c));
}

/* WHATWG "forbidden domain code points": a host holding one is garbage. */
static int bad_host_char(int c)
{
    return c <= 0x20 || c == 0x7f || (c && strchr("#%/:<>?@[\\]^|", c));
}

static void url_init(struct cv_url *u)
{
    memset(u, 0, sizeof(*u));
    u->port = -1;
}

void cv_url_clear(struct cv_url *u)
{
    if (!u)
        return;
    cv_free(u->scheme);
    cv_free(u->host);
    cv_free(u->path);
    cv_free(u->query);
    cv_free(u->fragment);
    url_init(u);
}

/* Length of a leading "scheme:" (RFC 3986 section 3.1) without the colon;
 * 0 when s does not start with one. */
static size_t scheme_len(const char *s)
{
    size_t i;

    if (!is_alpha((unsigned char)s[0]))
        return 0;
    for (i = 1; is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                s[i] == '+' || s[i] == '-' || s[i] == '.'; i++)
        ;
    return s[i] == ':' ? i : 0;
}

static int is_http_scheme(const char *s, size_t n)
{
    return (n == 4 && cv_ascii_ncasecmp(s, "http", 4) == 0) ||
           (n == 5 && cv_ascii_ncasecmp(s, "https", 5) == 0);
}

static int default_port(const char *scheme)
{
    return strcmp(scheme, "https") == 0 ? 443 : 80;
}

/* Split the authority [a, end) into host and port.  The userinfo (up to the
 * last '@', as browsers read it) is skipped.  CV_OK or CV_EPARSE. */
static enum cv_err split_authority(const char *a, const char *end,
                                   const char **host, const char **host_end, long *port)
{
    const char *h = a, *he, *p;

    for (p = a; p < end; p++)
        if (*p == '@')
            h = p + 1;
    if (*h == '[') {
        int colons = 0;

        he = memchr(h, ']', (size_t)(end - h));
        if (!he)
            return CV_EPARSE;
        for (p = h + 1; p < he; p++) {
            if (*p == ':')
                colons++;
            else if (hex_val((unsigned char)*p) < 0 && *p != '.')
                return CV_EPARSE;
        }
        if (colons < 2)
            return CV_EPARSE;
        he++;
    } else {
        for (he = h; he < end && *he != ':'; he++)
            if (bad_host_char((unsigned char)*he))
                return CV_EPARSE;
    }
    *port = -1;
    if (he < end) {
        long v = 0;

        if (*he != ':')
            return CV_EPARSE;
        /* "host:" with nothing after means the default port (RFC 3986 3.2.3) */
        for (p = he + 1; p < end; p++) {
            if (!is_digit((unsigned char)*p))
                return CV_EPARSE;
            v = v * 10 + (*p - '0');
            if (v > 65535)
                return CV_EPARSE;
        }
        if (p > he + 1) {
            if (v == 0)
                return CV_EPARSE;
            *port = v;
        }
    }
    *host = h;
    *host_end = he;
    return CV_OK;
}

enum cv_err cv_url_parse(const char *s, struct cv_url *u)
{
    struct cv_url t;
    const char *auth, *auth_end, *host, *host_end, *p, *q;
    size_t sl, hl;
    long port;
    enum cv_err rc;

    url_init(&t);
    url_init(u);
    if (!s || strnlen(s, URL_MAX_LEN + 1) > URL_MAX_LEN)
        return CV_EPARSE;
    sl = scheme_len(s);
    if (!sl)
        return CV_EPARSE;
    if (!is_http_scheme(s, sl))
        return CV_ESCHEME;
    if (s[sl + 1] != '/' || s[sl + 2] != '/')
        return CV_EPARSE;
    auth = s + sl + 3;
    auth_end = auth + strcspn(auth, "/?#");
    rc = split_authority(auth, auth_end, &host, &host_end, &port);
    if (rc != CV_OK)
        return rc;
    hl = (size_t)(host_end - host);
    /* "example.com." names the same host as "example.com" */
    if (hl && *host != '[' && host[hl - 1] == '.')
        hl--;
    if (!hl)
        return CV_EPARSE;

    rc = CV_ENOMEM;
    t.scheme = cv_strndup(s, sl);
    t.host = cv_strndup(host, hl);
    if (!t.scheme || !t.host)
        goto out;
    cv_ascii_lower(t.scheme);
    cv_ascii_lower(t.host);
    t.port = (port == default_port(t.scheme)) ? -1 : (int)port;

    p = auth_end + strcspn(auth_end, "?#");
    t.path = p > auth_end ? cv_strndup(auth_end, (size_t)(p - auth_end)) : cv_strdup("/");
    if (!t.path)
        goto out;
    if (*p == '?') {
        q = p + 1;
        p = q + strcspn(q, "#");
        t.query = cv_strndup(q, (size_t)(p - q));
        if (!t.query)
            goto out;
    }
    if (*p == '#') {
        t.fragment = cv_strdup(p + 1);
        if (!t.fragment)
            goto out;
    }
    *u = t;
    url_init(&t);
    rc = CV_OK;
out:
    cv_url_clear(&t);
    return rc;
}

/* Append "scheme://host[:port]". */
static int put_origin(struct cv_buf *b, const struct cv_url *u)
{
    if (cv_buf_puts(b, u->scheme) < 0 || cv_buf_puts(b, "://") < 0 ||
        cv_buf_puts(b, u->host) < 0)
        return -1;
    if (u->port >= 0 && cv_buf_printf(b, ":%d", u->port) < 0)
        return -1;
    return 0;
}

/* The parsed URL as a string, with or without its fragment. */
static char *url_string(const struct cv_url *u, int with_fragment)
{
    struct cv_buf b;
    char *s = NULL;

    cv_buf_init(&b, URL_BUF_MAX);
    if (put_origin(&b, u) < 0 || cv_buf_puts(&b, u->path) < 0)
        goto out;
    if (u->query && (cv_buf_putc(&b, '?') < 0 || cv_buf_puts(&b, u->query) < 0))
        goto out;
    if (with_fragment && u->fragment &&
        (cv_buf_putc(&b, '#') < 0 || cv_buf_puts(&b, u->fragment) < 0))
        goto out;
    s = cv_buf_take(&b);
out:
    cv_buf_free(&b);
    return s;
}

/* RFC 3986 section 5.2.4, remove_dot_segments.  The output is never longer
 * than the input, so one allocation of the input's size is enough. */
static char *remove_dots(const char *in)
{
    char *out = cv_malloc(strlen(in) + 1);
    const char *p = in;
    size_t o = 0;

    if (!out)
        return NULL;
    while (*p) {
        if (strncmp(p, "../", 3) == 0) {
            p += 3;
        } else if (strncmp(p, "./", 2) == 0) {
            p += 2;
        } else if (strncmp(p, "/./", 3) == 0) {
            p += 2;                                 /* leaves "/" */
        } else if (strcmp(p, "/.") == 0) {
            out[o++] = '/';
            p += 2;
        } else if (strncmp(p, "/../", 4) == 0 || strcmp(p, "/..") == 0) {
            /* drop the last output segment and its '/'; the input keeps a '/' */
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            p += 3;
            if (!*p)
                out[o++] = '/';
        } else if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
            p += strlen(p);
        } else {
            do
                out[o++] = *p++;
            while (*p && *p != '/');
        }
    }
    out[o] = '\0';
    return out;
}

/* A copy of an href as browsers read it: leading and trailing C0 controls
 * and spaces trimmed, tabs and newlines inside removed. */
static char *clean_ref(const char *ref)
{
    size_t start = 0, end = strlen(ref), o = 0;
    char *out;

    while (start < end && (unsigned char)ref[start] <= 0x20)
        start++;
    while (end > start && (unsigned char)ref[end - 1] <= 0x20)
        end--;
    out = cv_malloc(end - start + 1);
    if (!out)
        return NULL;
    for (size_t i = start; i < end; i++)
        if (ref[i] != '\t' && ref[i] != '\r' && ref[i] != '\n')
            out[o++] = ref[i];
    out[o] = '\0';
    return out;
}

/* Append the "authority" of a parsed URL as the resolver needs it. */
static int put_authority(struct cv_buf *b, const struct cv_url *u)
{
    if (cv_buf_puts(b, u->host) < 0)
        return -1;
    return u->port >= 0 ? cv_buf_printf(b, ":%d", u->port) : 0;
}

char *cv_url_resolve(const char *base, const char *ref)
{
    struct cv_url bu, tu;
    struct cv_buf t, m;
    char *clean = NULL, *path = NULL, *out = NULL;
    const char *r, *rpath, *rp_end;
    size_t sl;

    url_init(&tu);
    cv_buf_init(&t, URL_BUF_MAX);
    cv_buf_init(&m, URL_BUF_MAX);
    if (!base || !ref || cv_url_parse(base, &bu) != CV_OK)
        return NULL;
    clean = clean_ref(ref);
    if (!clean)
        goto out;
    r = clean;
    sl = scheme_len(r);
    if (sl) {
        if (!is_http_scheme(r, sl))
            goto out;
        if (r[sl + 1] != '/' || r[sl + 2] != '/') {
            /* "http:g": RFC 3986 5.4.2 allows reading it as relative when the
             * scheme is the base's, as browsers do; otherwise it names no host. */
            if (sl != strlen(bu.scheme) || cv_ascii_ncasecmp(r, bu.scheme, sl) != 0)
                goto out;
            r += sl + 1;
            sl = 0;
        }
    }

    /* T.scheme "://" T.authority T.path ["?" T.query] ["#" T.fragment] */
    if (cv_buf_append(&t, sl ? r : bu.scheme, sl ? sl : strlen(bu.scheme)) < 0 ||
        cv_buf_puts(&t, "://") < 0)
        goto out;
    if (sl)
        r += sl + 1;
    if (r[0] == '/' && r[1] == '/') {
        const char *a = r + 2, *a_end = a + strcspn(a, "/?#");

        if (cv_buf_append(&t, a, (size_t)(a_end - a)) < 0)
            goto out;
        rpath = a_end;
        rp_end = rpath + strcspn(rpath, "?#");
        if (cv_buf_append(&m, rpath, (size_t)(rp_end - rpath)) < 0)
            goto out;
        path = remove_dots(cv_buf_str(&m));
    } else {
        if (put_authority(&t, &bu) < 0)
            goto out;
        rpath = r;
        rp_end = rpath + strcspn(rpath, "?#");
        if (rp_end == rpath) {
            path = cv_strdup(bu.path);
        } else {
            if (*rpath != '/') {
                /* merge: the base path up to its last '/', then the reference */
                const char *slash = strrchr(bu.path, '/');

                if (cv_buf_append(&m, bu.path, (size_t)(slash - bu.path) + 1) < 0)
                    goto out;
            }
            if (cv_buf_append(&m, rpath, (size_t)(rp_end - rpath)) < 0)
                goto out;
            path = remove_dots(cv_buf_str(&m));
        }
    }
    if (!path || cv_buf_puts(&t, path) < 0)
        goto out;
    if (*rp_end == '?') {
        if (cv_buf_puts(&t, rp_end) < 0)        /* query and fragment as given */
            goto out;
    } else {
        if (rp_end == rpath && !(r[0] == '/' && r[1] == '/') && bu.query &&
            (cv_buf_putc(&t, '?') < 0 || cv_buf_puts(&t, bu.query) < 0))
            goto out;
        if (cv_buf_puts(&t, rp_end) < 0)        /* the fragment, if any */
            goto out;
    }
    /* Re-parse: validates a new authority and normalises scheme, host and port. */
    if (cv_url_parse(cv_buf_str(&t), &tu) != CV_OK)
        goto out;
    out = url_string(&tu, 1);
out:
    cv_url_clear(&bu);
    cv_url_clear(&tu);
    cv_buf_free(&t);
    cv_buf_free(&m);
    cv_free(clean);
    cv_free(path);
    return out;
}

/* Append s[0..n) with percent-encoding normalised: hex in upper case, %XX of
 * unreserved characters decoded, bytes that may not appear raw encoded, and
 * a '%' that starts no escape encoded as %25 so the result is a valid URI. */
int cv_url_pct_normalize(struct cv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3];

        if (c == '%' && i + 2 < n && hex_val((unsigned char)s[i + 1]) >= 0 &&
            hex_val((unsigned char)s[i + 2]) >= 0) {
            int v = hex_val((unsigned char)s[i + 1]) * 16 + hex_val((unsigned char)s[i + 2]);

            i += 2;
            if (is_unreserved(v)) {
                if (cv_buf_putc(b, (char)v) < 0)
                    return -1;
                continue;
            }
            c = (unsigned char)v;
        } else if (c != '%' && !must_encode(c)) {
            if (cv_buf_putc(b, (char)c) < 0)
                return -1;
            continue;
        }
        e[0] = '%';
        e[1] = hex[c >> 4];
        e[2] = hex[c & 15];
        if (cv_buf_append(b, e, 3) < 0)
            return -1;
    }
    return 0;
}

static int is_tracking(const char *key, size_t n)
{
    for (size_t i = 0; i < sizeof(tracking_params) / sizeof(tracking_params[0]); i++) {
        const char *t = tracking_params[i];
        size_t tl = strlen(t);

        if (t[tl - 1] == '*') {
            if (n >= tl - 1 && cv_ascii_ncasecmp(key, t, tl - 1) == 0)
                return 1;
        } else if (n == tl && cv_ascii_ncasecmp(key, t, tl) == 0) {
            return 1;
        }
    }
    return 0;
}

struct qparam {
    const char *s;      /* "key[=value]" inside the normalised query */
    size_t len;
    size_t klen;
    size_t idx;         /* original position: makes qsort stable */
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int d = memcmp(x->s, y->s, n);

    if (d)
        return d;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Append "?k=v&..." for a query: normalised, empty and tracking parameters
 * dropped, the rest sorted by key.  Nothing when no parameter remains. */
static int put_query(struct cv_buf *b, const char *query)
{
    struct cv_buf nq;
    struct qparam *ps = NULL;
    const char *p, *end;
    size_t count = 1, n = 0;
    int rc = -1;

    cv_buf_init(&nq, URL_BUF_MAX);
    /* '&' and '=' are reserved, so normalising first cannot move the splits */
    if (cv_url_pct_normalize(&nq, query, strlen(query)) < 0)
        goto out;
    for (p = cv_buf_str(&nq); *p; p++)
        count += *p == '&';
    ps = cv_calloc(count, sizeof(*ps));
    if (!ps)
        goto out;
    for (p = cv_buf_str(&nq); ; p = end + 1) {
        end = p + strcspn(p, "&");
        if (end > p) {
            size_t len = (size_t)(end - p), klen = strcspn(p, "=&");

            if (!is_tracking(p, klen)) {
                ps[n].s = p;
                ps[n].len = len;
                ps[n].klen = klen;
                ps[n].idx = n;
                n++;
            }
        }
        if (!*end)
            break;
    }
    qsort(ps, n, sizeof(*ps), qparam_cmp);
    for (size_t i = 0; i < n; i++)
        if (cv_buf_putc(b, i ? '&' : '?') < 0 || cv_buf_append(b, ps[i].s, ps[i].len) < 0)
            goto out;
    rc = 0;
out:
    cv_free(ps);
    cv_buf_free(&nq);
    return rc;
}

char *cv_url_canonical(const char *url, enum cv_err *err)
{
    struct cv_url u;
    struct cv_buf b, np;
    char *path = NULL, *out = NULL;
    enum cv_err rc;

    cv_buf_init(&b, URL_BUF_MAX);
    cv_buf_init(&np, URL_BUF_MAX);
    rc = cv_url_parse(url, &u);
    if (rc != CV_OK)
        goto out;
    rc = CV_ENOMEM;
    /* RFC 3986 6.2.2: percent-encoding first, so %2E%2E is a dot segment too */
    if (cv_url_pct_normalize(&np, u.path, strlen(u.path)) < 0)
        goto out;
    path = remove_dots(cv_buf_str(&np));
    if (!path)
        goto out;
    if (put_origin(&b, &u) < 0 || cv_buf_puts(&b, path) < 0)
        goto out;
    if (u.query && put_query(&b, u.query) < 0)
        goto out;
    out = cv_buf_take(&b);
    if (out)
        rc = CV_OK;
out:
    if (err)
        *err = rc;
    cv_url_clear(&u);
    cv_buf_free(&b);
    cv_buf_free(&np);
    cv_free(path);
    return out;
}

char *cv_url_key(const char *canonical)
{
    char *k = cv_url_canonical(canonical, NULL);
    char *path;
    size_t plen;

    if (!k)
        return NULL;
    /* the canonical authority holds no '/', so the first one after "://" starts the path */
    path = strchr(strstr(k, "://") + 3, '/');
    plen = strcspn(path, "?");
    if (plen > 1 && path[plen - 1] == '/')
        memmove(path + plen - 1, path + plen, strlen(path + plen) + 1);
    return k;
}

char *cv_url_origin(const char *url)
{
    struct cv_url u;
    struct cv_buf b;
    char *s = NULL;

    if (cv_url_parse(url, &u) != CV_OK)
        return NULL;
    cv_buf_init(&b, URL_BUF_MAX);
    if (put_origin(&b, &u) == 0)
        s = cv_buf_take(&b);
    cv_buf_free(&b);
    cv_url_clear(&u);
    return s;
}

char *cv_url_hostport(const char *url)
{
    struct cv_url u;
    struct cv_buf b;
    char *s = NULL;

    if (cv_url_parse(url, &u) != CV_OK)
        return NULL;
    cv_buf_init(&b, URL_BUF_MAX);
    if (put_authority(&b, &u) == 0)
        s = cv_buf_take(&b);
    cv_buf_free(&b);
    cv_url_clear(&u);
    return s;
}

static int char_eq(char a, char b, int fold)
{
    if (fold) {
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 'a' - 'A');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b + 'a' - 'A');
    }
    return a == b;
}

/* Does the whole of s match the whole of pat, '*' matching any run?  Greedy
 * with backtracking to the last star only: O(len(pat) * len(s)) at worst,
 * never recursive, so hostile patterns or URLs cannot blow the stack. */
static int glob_match(const char *pat, size_t plen, const char *s, size_t slen, int fold)
{
    size_t p = 0, i = 0, star = (size_t)-1, star_i = 0;

    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            star = p++;
            star_i = i;
        } else if (p < plen && char_eq(pat[p], s[i], fold)) {
            p++;
            i++;
        } else if (star != (size_t)-1) {
            p = star + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}

int cv_url_claim_match(const char *pattern, const char *url)
{
    struct cv_url u;
    const char *pat = pattern, *slash, *colon;
    size_t sl, hlen;
    int match = 0;

    if (!pattern || cv_url_parse(url, &u) != CV_OK)
        return 0;
    /* tolerate "https://host/..." in a pattern; the scheme must then agree */
    sl = scheme_len(pat);
    if (sl && pat[sl + 1] == '/' && pat[sl + 2] == '/') {
        if (sl != strlen(u.scheme) || cv_ascii_ncasecmp(pat, u.scheme, sl) != 0)
            goto out;
        pat += sl + 3;
    }
    slash = strchr(pat, '/');
    hlen = slash ? (size_t)(slash - pat) : strlen(pat);
    /* the port is ignored on both sides */
    colon = hlen ? memchr(pat, ':', hlen) : NULL;
    if (colon && *pat != '[')
        hlen = (size_t)(colon - pat);
    else if (hlen && *pat == '[' && (colon = memchr(pat, ']', hlen)) && colon[1] == ':')
        hlen = (size_t)(colon - pat) + 1;
    match = glob_match(pat, hlen, u.host, strlen(u.host), 1) &&
            (!slash || glob_match(slash, strlen(slash), u.path, strlen(u.path), 0));
out:
    cv_url_clear(&u);
    return match;
}

/* ---- --map-origin ---- */

static void map_rule_init(struct cv_map_rule *rule)
{
    memset(rule, 0, sizeof(*rule));
    rule->from_port = -1;
}

void cv_map_rule_clear(struct cv_map_rule *rule)
{
    if (!rule)
        return;
    cv_free(rule->from_scheme);
    cv_free(rule->from_host);
    cv_free(rule->to);
    map_rule_init(rule);
}

static enum cv_err map_fail(char *errbuf, size_t errlen, const char *spec, const char *why)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "--map-origin '%s': %s", spec, why);
    return CV_EINVAL;
}

/* Parse "scheme://" prefix auth[0..alen) "/" as an origin into `u`.  The
 * prefix stands in for a '*' host so that a port after it is still checked. */
static enum cv_err parse_origin(const char *scheme, const char *prefix,
                                const char *auth, size_t alen, struct cv_url *u)
{
    struct cv_buf b;
    enum cv_err rc = CV_ENOMEM;

    cv_buf_init(&b, URL_BUF_MAX);
    if (cv_buf_printf(&b, "%s://%s", scheme, prefix) == 0 &&
        cv_buf_append(&b, auth, alen) == 0 && cv_buf_putc(&b, '/') == 0)
        rc = cv_url_parse(cv_buf_str(&b), u);
    cv_buf_free(&b);
    return rc;
}

/* FROM: any host ("*"), a domain and its subdomains ("*.domain") or one
 * host, each after "http://" or "https://" and with an optional port. */
static enum cv_err parse_from(const char *spec, const char *from, size_t flen,
                              struct cv_map_rule *rule, char *errbuf, size_t errlen)
{
    struct cv_url u;
    const char *auth;
    size_t sl, alen;
    int any, suffix;
    enum cv_err rc;

    url_init(&u);
    sl = scheme_len(from);
    if (!sl || sl + 3 > flen || !is_http_scheme(from, sl) ||
        from[sl + 1] != '/' || from[sl + 2] != '/')
        return map_fail(errbuf, errlen, spec, "FROM must start with http:// or https://");
    auth = from + sl + 3;
    alen = flen - (sl + 3);
    if (alen && auth[alen - 1] == '/')
        alen--;
    if (!alen || strcspn(auth, "/?#@") < alen)
        return map_fail(errbuf, errlen, spec,
                        "FROM must be http(s)://HOST[:PORT], http(s)://*.DOMAIN or http(s)://*");
    any = auth[0] == '*' && (alen == 1 || auth[1] == ':');
    suffix = auth[0] == '*' && alen > 2 && auth[1] == '.';
    rule->from_scheme = cv_strndup(from, sl);
    if (!rule->from_scheme)
        return CV_ENOMEM;
    cv_ascii_lower(rule->from_scheme);
    if (any)
        rc = parse_origin(rule->from_scheme, "x", auth + 1, alen - 1, &u);
    else if (suffix)
        rc = parse_origin(rule->from_scheme, "", auth + 2, alen - 2, &u);
    else
        rc = parse_origin(rule->from_scheme, "", auth, alen, &u);
    if (rc == CV_ENOMEM)
        return rc;
    if (rc != CV_OK || strchr(u.host, '*')) {
        cv_url_clear(&u);
        return map_fail(errbuf, errlen, spec,
                        "FROM has a bad host or port ('*' may only be the whole host or start it as '*.')");
    }
    rule->from_port = u.port;
    rc = CV_OK;
    if (suffix) {
        size_t hl = strlen(u.host);

        rule->from_host = cv_malloc(hl + 3);
        if (rule->from_host) {
            memcpy(rule->from_host, "*.", 2);
            memcpy(rule->from_host + 2, u.host, hl + 1);
        }
    } else if (!any) {
        rule->from_host = cv_strdup(u.host);
    }
    if (!any && !rule->from_host)
        rc = CV_ENOMEM;
    cv_url_clear(&u);
    return rc;
}

/* TO: an absolute http(s) base URL without query or fragment; "{host}" at
 * most once and only in the path, where cv_map_reverse can find it again.
 * Stored with scheme and host normalised and trailing slashes dropped. */
static enum cv_err parse_to(const char *spec, const char *to,
                            struct cv_map_rule *rule, char *errbuf, size_t errlen)
{
    struct cv_url u;
    struct cv_buf b;
    const char *h = strstr(to, "{host}");
    const char *auth;
    enum cv_err rc;

    url_init(&u);
    if (h && strstr(h + 6, "{host}"))
        return map_fail(errbuf, errlen, spec, "TO may contain {host} only once");
    rc = cv_url_parse(to, &u);
    if (rc == CV_ENOMEM)
        return rc;
    if (rc != CV_OK)
        return map_fail(errbuf, errlen, spec,
                        "TO must be an absolute http:// or https:// URL");
    if (u.query || u.fragment) {
        cv_url_clear(&u);
        return map_fail(errbuf, errlen, spec, "TO must not have a query or fragment");
    }
    auth = strstr(to, "://") + 3;
    if (h && h < auth + strcspn(auth, "/?#")) {
        cv_url_clear(&u);
        return map_fail(errbuf, errlen, spec, "{host} must be in TO's path, not its host");
    }
    cv_buf_init(&b, URL_BUF_MAX);
    rc = CV_ENOMEM;
    if (put_origin(&b, &u) == 0 && cv_buf_puts(&b, u.path) == 0) {
        size_t olen = b.len - strlen(u.path);

        while (b.len > olen && b.data[b.len - 1] == '/')
            b.data[--b.len] = '\0';
        rule->to = cv_buf_take(&b);
        if (rule->to)
            rc = CV_OK;
    }
    cv_buf_free(&b);
    cv_url_clear(&u);
    return rc;
}

enum cv_err cv_map_rule_parse(const char *spec, struct cv_map_rule *rule,
                              char *errbuf, size_t errlen)
{
    const char *eq;
    enum cv_err rc;

    map_rule_init(rule);
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!spec)
        return map_fail(errbuf, errlen, "", "expected FROM=TO");
    eq = strchr(spec, '=');
    if (!eq)
        return map_fail(errbuf, errlen, spec,
                        "expected FROM=TO, e.g. 'https://*=http://127.0.0.1:8080/{host}'");
    rc = parse_from(spec, spec, (size_t)(eq - spec), rule, errbuf, errlen);
    if (rc == CV_OK)
        rc = parse_to(spec, eq + 1, rule, errbuf, errlen);
    if (rc == CV_ENOMEM && errbuf && errlen)
        snprintf(errbuf, errlen, "--map-origin '%s': %s", spec, cv_strerror(rc));
    if (rc != CV_OK)
        cv_map_rule_clear(rule);
    return rc;
}

static int rule_matches(const struct cv_map_rule *r, const struct cv_url *u)
{
    if (strcmp(r->from_scheme, u->scheme) != 0)
        return 0;
    if (r->from_port != -1 && r->from_port != u->port)
        return 0;
    if (!r->from_host)
        return 1;
    if (r->from_host[0] == '*') {
        /* "*.example.com" covers example.com and every subdomain */
        const char *suf = r->from_host + 2;
        size_t hl = strlen(u->host), sl = strlen(suf);

        return strcmp(u->host, suf) == 0 ||
               (hl > sl && u->host[hl - sl - 1] == '.' && strcmp(u->host + hl - sl, suf) == 0);
    }
    return strcmp(r->from_host, u->host) == 0;
}

char *cv_map_apply(const struct cv_map_rule *rules, size_t n, const char *url)
{
    struct cv_url u;
    struct cv_buf b;
    char *out = NULL;
    size_t i;

    if (cv_url_parse(url, &u) != CV_OK)
        return NULL;
    cv_buf_init(&b, URL_BUF_MAX);
    for (i = 0; i < n && !rule_matches(&rules[i], &u); i++)
        ;
    if (i == n) {
        out = cv_strdup(url);
    } else {
        const char *to = rules[i].to, *h = strstr(to, "{host}");

        if (h) {
            if (cv_buf_append(&b, to, (size_t)(h - to)) < 0 || put_authority(&b, &u) < 0 ||
                cv_buf_puts(&b, h + 6) < 0)
                goto out;
        } else if (cv_buf_puts(&b, to) < 0) {
            goto out;
        }
        if (cv_buf_puts(&b, u.path) < 0)
            goto out;
        if (u.query && (cv_buf_putc(&b, '?') < 0 || cv_buf_puts(&b, u.query) < 0))
            goto out;
        out = cv_buf_take(&b);
    }
out:
    cv_buf_free(&b);
    cv_url_clear(&u);
    return out;
}

/* The real URL behind normalised fetched URL `f` under one rule, or NULL
 * (*oom set when memory ran out). */
static char *reverse_one(const struct cv_map_rule *r, const char *f, int *oom)
{
    const char *h = strstr(r->to, "{host}");
    size_t pre = h ? (size_t)(h - r->to) : strlen(r->to);
    const char *rest, *host;
    size_t host_len;
    struct cv_buf b;
    struct cv_url u;
    char *out = NULL;

    if (strncmp(f, r->to, pre) != 0)
        return NULL;
    rest = f + pre;
    if (h) {
        const char *post = h + 6;
        size_t post_seg = strcspn(post, "/"), seg = strcspn(rest, "/?#");

        /* {host} fills one path segment, up to whatever TO has after it */
        if (seg <= post_seg || memcmp(rest + seg - post_seg, post, post_seg) != 0)
            return NULL;
        host = rest;
        host_len = seg - post_seg;
        rest += seg;
        post += post_seg;
        if (strncmp(rest, post, strlen(post)) != 0)
            return NULL;
        rest += strlen(post);
    } else {
        /* without {host} only a rule naming one host knows which it was */
        if (!r->from_host || r->from_host[0] == '*')
            return NULL;
        host = r->from_host;
        host_len = strlen(host);
    }
    if (*rest && *rest != '/' && *rest != '?' && *rest != '#')
        return NULL;
    url_init(&u);
    cv_buf_init(&b, URL_BUF_MAX);
    if (cv_buf_printf(&b, "%s://", r->from_scheme) < 0 ||
        cv_buf_append(&b, host, host_len) < 0 ||
        (!h && r->from_port >= 0 && cv_buf_printf(&b, ":%d", r->from_port) < 0) ||
        (*rest != '/' && cv_buf_putc(&b, '/') < 0) || cv_buf_puts(&b, rest) < 0) {
        *oom = 1;
        goto out;
    }
    switch (cv_url_parse(cv_buf_str(&b), &u)) {
    case CV_OK:
        break;
    case CV_ENOMEM:
        *oom = 1;
        goto out;
    default:
        goto out;
    }
    if (rule_matches(r, &u)) {
        out = url_string(&u, 1);
        if (!out)
            *oom = 1;
    }
out:
    cv_url_clear(&u);
    cv_buf_free(&b);
    return out;
}

char *cv_map_reverse(const struct cv_map_rule *rules, size_t n, const char *fetched)
{
    struct cv_url u;
    char *f, *out = NULL;
    int oom = 0;

    if (cv_url_parse(fetched, &u) != CV_OK)
        return NULL;
    /* compare against TO in the same normal form it was stored in */
    f = url_string(&u, 1);
    for (size_t i = 0; f && i < n && !out && !oom; i++)
        out = reverse_one(&rules[i], f, &oom);
    cv_free(f);
    cv_url_clear(&u);
    return out;
}
