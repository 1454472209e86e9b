/*
 * robots.c -- robots.txt parsing and matching after RFC 9309 (see robots.h).
 *
 * Only the rules that apply to us are kept: those of the groups naming our
 * product token, or else those of the "*" groups.  A request path is then
 * judged by the longest matching pattern, Allow winning a tie, with both
 * sides percent-normalised the same way so that spelling cannot decide.
 */
#include "robots.h"
#include "url.h"
#include "buf.h"
#include "mem.h"
#include "str.h"

#include <string.h>

enum {
    /* RFC 9309 2.5: a crawler must parse at least 500 KiB; we parse that much. */
    ROBOTS_MAX_BYTES = 500 * 1024,
    /* Real files have a few hundred rules at most; the caps only keep a
     * hostile file from making every request check cost seconds. */
    ROBOTS_MAX_RULES = 10000,
    ROBOTS_MAX_SITEMAPS = 1000,
    /* A Crawl-delay beyond a day is a typo or hostile; clamp it there. */
    ROBOTS_MAX_DELAY_S = 86400
};

struct robots_rule {
    char *pat;          /* normalised pattern without a final '$' */
    size_t prio;        /* its length in bytes, '$' included: longest wins */
    int allow;
    int anchored;       /* the pattern ended in '$' */
};

struct cv_robots {
    struct robots_rule *rules;
    size_t nrules;
    long delay_ms;      /* -1: none */
    char **sitemaps;
    size_t nsitemaps;
};

/* Rules of the groups for one kind of agent while parsing. */
struct rule_set {
    struct robots_rule *v;
    size_t n, cap;
    long delay_ms;
    int seen;           /* some group was addressed to this agent */
};

struct parse_state {
    const char *agent;  /* our product token */
    size_t agent_len;
    struct rule_set mine, star;
    size_t nrules;      /* both sets together, against ROBOTS_MAX_RULES */
    char **sitemaps;
    size_t nsitemaps, sitemap_cap;
    int group_mine, group_star;     /* the current group's User-agent lines */
    int group_has_rules;            /* the next User-agent line starts a group */
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static int field_is(const char *k, size_t klen, const char *name)
{
    return klen == strlen(name) && cv_ascii_ncasecmp(k, name, klen) == 0;
}

/* Does a User-agent value name us?  RFC 9309 2.2.1 matches the product
 * token case-insensitively; "Carvest/1.0" names the token "carvest" too. */
static int agent_matches(const struct parse_state *st, const char *v, size_t vlen)
{
    size_t n = st->agent_len;

    return n && vlen >= n && cv_ascii_ncasecmp(v, st->agent, n) == 0 &&
           (vlen == n || v[n] == '/' || is_space(v[n]));
}

static void rules_free(struct robots_rule *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cv_free(v[i].pat);
    cv_free(v);
}

static int set_add(struct rule_set *set, const struct robots_rule *rule)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        struct robots_rule *v = cv_realloc(set->v, cap * sizeof(*v));

        if (!v)
            return -1;
        set->v = v;
        set->cap = cap;
    }
    set->v[set->n++] = *rule;
    return 0;
}

/* Build the rule for an Allow/Disallow value (vlen > 0).  0 or -1. */
static int make_rule(struct robots_rule *rule, const char *v, size_t vlen, int allow)
{
    struct cv_buf b;
    int rc = -1;

    cv_buf_init(&b, vlen * 3 + 4);
    rule->pat = NULL;
    rule->allow = allow;
    rule->anchored = v[vlen - 1] == '$';
    if (rule->anchored)
        vlen--;
    /* "Disallow: private" is a slip for "/private"; honour what was meant */
    if ((vlen == 0 || (v[0] != '/' && v[0] != '*')) && cv_buf_putc(&b, '/') < 0)
        goto out;
    if (cv_url_pct_normalize(&b, v, vlen) < 0)
        goto out;
    rule->prio = b.len + (size_t)rule->anchored;
    rule->pat = cv_buf_take(&b);
    if (rule->pat)
        rc = 0;
out:
    cv_buf_free(&b);
    return rc;
}

static int add_rule(struct parse_state *st, const char *v, size_t vlen, int allow)
{
    struct robots_rule rule, copy;
    int rc = -1;

    if (!vlen)
        return 0;           /* "Disallow:" with no path disallows nothing */
    if (!st->group_mine && !st->group_star)
        return 0;           /* another agent's group, or no group yet */
    if (st->nrules >= ROBOTS_MAX_RULES)
        return 0;
    if (make_rule(&rule, v, vlen, allow) < 0)
        return -1;
    copy.pat = NULL;
    if (st->group_mine && st->group_star) {
        /* a group naming both us and "*": each set owns its own copy */
        copy = rule;
        copy.pat = cv_strdup(rule.pat);
        if (!copy.pat || set_add(&st->star, &copy) < 0)
            goto out;
        copy.pat = NULL;
        st->nrules++;
    }
    if (set_add(st->group_mine ? &st->mine : &st->star, &rule) < 0)
        goto out;
    rule.pat = NULL;
    st->nrules++;
    rc = 0;
out:
    cv_free(copy.pat);
    cv_free(rule.pat);
    return rc;
}

/* Crawl-delay in seconds ("10", "0.5", ".25") as milliseconds, rounded up
 * so a fraction of a millisecond still means some delay; -1 if malformed. */
static long parse_delay_ms(const char *s, size_t n)
{
    long secs = 0, ms = 0, scale = 100;
    size_t i = 0, digits = 0;
    int round_up = 0;

    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
        if (secs <= ROBOTS_MAX_DELAY_S)
            secs = secs * 10 + (s[i] - '0');
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            if (scale)
                ms += (s[i] - '0') * scale;
            else if (s[i] != '0')
                round_up = 1;
            scale /= 10;
        }
    }
    if (!digits || i != n)
        return -1;
    if (secs >= ROBOTS_MAX_DELAY_S)
        return (long)ROBOTS_MAX_DELAY_S * 1000;
    return secs * 1000 + ms + round_up;
}

static int add_sitemap(struct parse_state *st, const char *v, size_t vlen)
{
    char *s;

    if (!vlen || st->nsitemaps >= ROBOTS_MAX_SITEMAPS)
        return 0;
    if (st->nsitemaps == st->sitemap_cap) {
        size_t cap = st->sitemap_cap ? st->sitemap_cap * 2 : 4;
        char **v2 = cv_realloc(st->sitemaps, cap * sizeof(*v2));

        if (!v2)
            return -1;
        st->sitemaps = v2;
        st->sitemap_cap = cap;
    }
    s = cv_strndup(v, vlen);
    if (!s)
        return -1;
    st->sitemaps[st->nsitemaps++] = s;
    return 0;
}

/* One line, without its end-of-line.  0, or -1 when out of memory. */
static int parse_line(struct parse_state *st, const char *line, size_t len)
{
    const char *hash = memchr(line, '#', len), *colon, *k, *v;
    size_t klen, vlen;

    if (hash)
        len = (size_t)(hash - line);
    colon = memchr(line, ':', len);
    if (!colon)
        return 0;           /* not a field: ignored, as RFC 9309 asks */
    k = line;
    klen = (size_t)(colon - line);
    while (klen && is_space(*k))
        k++, klen--;
    while (klen && is_space(k[klen - 1]))
        klen--;
    v = colon + 1;
    vlen = len - (size_t)(v - line);
    while (vlen && is_space(*v))
        v++, vlen--;
    while (vlen && is_space(v[vlen - 1]))
        vlen--;

    if (field_is(k, klen, "user-agent")) {
        if (st->group_has_rules) {
            st->group_mine = st->group_star = 0;
            st->group_has_rules = 0;
        }
        if (vlen == 1 && v[0] == '*') {
            st->group_star = 1;
            st->star.seen = 1;
        } else if (agent_matches(st, v, vlen)) {
            st->group_mine = 1;
            st->mine.seen = 1;
        }
    } else if (field_is(k, klen, "allow") || field_is(k, klen, "disallow")) {
        st->group_has_rules = 1;
        return add_rule(st, v, vlen, field_is(k, klen, "allow"));
    } else if (field_is(k, klen, "crawl-delay")) {
        long ms = parse_delay_ms(v, vlen);

        st->group_has_rules = 1;
        /* several applicable groups: the most patient delay wins */
        if (ms >= 0 && st->group_mine && ms > st->mine.delay_ms)
            st->mine.delay_ms = ms;
        if (ms >= 0 && st->group_star && ms > st->star.delay_ms)
            st->star.delay_ms = ms;
    } else if (field_is(k, klen, "sitemap")) {
        /* not part of any group (RFC 9309 2.3.5) */
        return add_sitemap(st, v, vlen);
    }
    return 0;
}

static struct cv_robots *robots_new(void)
{
    struct cv_robots *r = cv_calloc(1, sizeof(*r));

    if (r)
        r->delay_ms = -1;
    return r;
}

struct cv_robots *cv_robots_parse(const char *text, size_t len, const char *agent)
{
    struct parse_state st;
    struct cv_robots *r = NULL;
    struct rule_set *use;
    const char *p, *end;
    int truncated = 0;

    memset(&st, 0, sizeof(st));
    st.mine.delay_ms = st.star.delay_ms = -1;
    if (agent) {
        /* the product token is the name before any "/version" */
        st.agent = agent;
        st.agent_len = strcspn(agent, "/ \t");
    }
    if (!text)
        len = 0;
    if (len > ROBOTS_MAX_BYTES) {
        len = ROBOTS_MAX_BYTES;
        truncated = 1;
    }
    p = text;
    end = p + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *eol = p;

        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        /* a line cut by the size limit could say the opposite of the whole one */
        if (eol == end && truncated)
            break;
        if (parse_line(&st, p, (size_t)(eol - p)) < 0)
            goto out;
        /* CRLF, CR and LF all end a line */
        p = eol;
        if (p < end && *p == '\r') {
            p++;
            if (p < end && *p == '\n')
                p++;
        } else if (p < end) {
            p++;
        }
    }

    r = robots_new();
    if (!r)
        goto out;
    use = st.mine.seen ? &st.mine : st.star.seen ? &st.star : NULL;
    if (use) {
        r->rules = use->v;
        r->nrules = use->n;
        r->delay_ms = use->delay_ms;
        use->v = NULL;
        use->n = 0;
    }
    r->sitemaps = st.sitemaps;
    r->nsitemaps = st.nsitemaps;
    st.sitemaps = NULL;
    st.nsitemaps = 0;
out:
    rules_free(st.mine.v, st.mine.n);
    rules_free(st.star.v, st.star.n);
    for (size_t i = 0; i < st.nsitemaps; i++)
        cv_free(st.sitemaps[i]);
    cv_free(st.sitemaps);
    return r;
}

struct cv_robots *cv_robots_allow_all(void)
{
    return robots_new();
}

struct cv_robots *cv_robots_disallow_all(void)
{
    struct cv_robots *r = robots_new();

    if (!r)
        return NULL;
    r->rules = cv_calloc(1, sizeof(*r->rules));
    if (r->rules)
        r->rules[0].pat = cv_strdup("/");
    if (!r->rules || !r->rules[0].pat) {
        cv_robots_free(r);
        return NULL;
    }
    r->nrules = 1;
    r->rules[0].prio = 1;
    return r;
}

void cv_robots_free(struct cv_robots *r)
{
    if (!r)
        return;
    rules_free(r->rules, r->nrules);
    for (size_t i = 0; i < r->nsitemaps; i++)
        cv_free(r->sitemaps[i]);
    cv_free(r->sitemaps);
    cv_free(r);
}

/* Does the pattern match a prefix of s (all of s when anchored)?  '*'
 * matches any run.  Iterative, backtracking to the last star only, so the
 * cost stays O(len(pat) * len(s)) whatever a hostile file holds. */
static int rule_match(const struct robots_rule *rule, const char *s, size_t slen)
{
    const char *pat = rule->pat;
    size_t p = 0, i = 0, star = (size_t)-1, star_i = 0;

    for (;;) {
        if (!pat[p]) {
            if (!rule->anchored || i == slen)
                return 1;
        } else if (pat[p] == '*') {
            star = p++;
            star_i = i;
            continue;
        } else if (i < slen && pat[p] == s[i]) {
            p++;
            i++;
            continue;
        }
        if (star == (size_t)-1 || star_i >= slen)
            return 0;
        p = star + 1;
        i = ++star_i;
    }
}

int cv_robots_allowed(const struct cv_robots *r, const char *path)
{
    struct cv_buf b;
    const char *s;
    size_t n, best = 0;
    int allowed = 0, found = 0;

    if (!path)
        return 0;
    if (!r)
        return 1;
    n = strcspn(path, "#");
    cv_buf_init(&b, n * 3 + 4);
    /* out of memory: refusing is the polite failure */
    /* RFC 9309 2.2.2: path and patterns meet percent-normalised, the same
     * way canonical URLs are */
    if ((path[0] != '/' && cv_buf_putc(&b, '/') < 0) || cv_url_pct_normalize(&b, path, n) < 0)
        goto out;
    allowed = 1;
    s = cv_buf_str(&b);
    /* RFC 9309 2.2.2: the robots.txt file itself is implicitly allowed */
    if (strncmp(s, "/robots.txt", 11) == 0 && (s[11] == '\0' || s[11] == '?'))
        goto out;
    for (size_t i = 0; i < r->nrules; i++) {
        const struct robots_rule *rule = &r->rules[i];

        if (!rule_match(rule, s, b.len))
            continue;
        if (!found || rule->prio > best) {
            found = 1;
            best = rule->prio;
            allowed = rule->allow;
        } else if (rule->prio == best && rule->allow) {
            allowed = 1;
        }
    }
out:
    cv_buf_free(&b);
    return allowed;
}

long cv_robots_crawl_delay_ms(const struct cv_robots *r)
{
    return r ? r->delay_ms : -1;
}

const char *const *cv_robots_sitemaps(const struct cv_robots *r, size_t *n)
{
    if (n)
        *n = r ? r->nsitemaps : 0;
    return r ? (const char *const *)r->sitemaps : NULL;
}
