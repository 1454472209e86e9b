/*
 * bat_partners.c -- the BaT Local Partners flow (see bat_partners.h).
 *
 * Partners are the businesses the bat-local-partners source found; their
 * geographic key is their identity, and they are taken in key order (so
 * --resume-from-partner N means the same partner on every run).  They
 * come from the database or, for a dry run of ingest, from the directory
 * just read.  A step groups them by the page it starts from -- one BaT
 * member page or one homepage may be two partners, the same shop in two
 * places -- and crawls those pages with hooks (crawl.h): every page a
 * group's start page leads to counts for that group.  When the last of
 * them is done, the store is flushed and only then the partners'
 * outcomes are checkpointed (pipeline.h), so a killed run never records
 * as done what was not stored.
 *
 * Outcomes: done; failed (a page failed for good: why is kept, and the
 * next pass tries again); deferred (only rate-limited: not a failure,
 * tried again when the pass is resumed); skipped (nothing to do: already
 * done in this pass, already enriched, no website...).
 *
 * Linking is by key, never by name: every vehicle a partner's member page
 * leads to names the partner's geographic key (all of them when one BaT
 * account is several partners) as its organization, and the store links
 * it (consigner while for sale or live, sold_by once sold).
 */
#include "bat_partners.h"
#include "cli.h"
#include "crawl.h"
#include "db.h"
#include "log.h"
#include "mem.h"
#include "page.h"
#include "pipeline.h"
#include "runtime.h"
#include "source.h"
#include "store.h"
#include "str.h"
#include "strset.h"
#include "url.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPELINE "bat-partners"
#define DIRECTORY_SOURCE "bat-local-partners"
#define MEMBER_SOURCE "bat-member"
#define LISTING_SOURCE "bat-listing"
#define SITE_SOURCE "dealer-site"
#define ENRICHED_KEY "carvest_enrichment"   /* businesses.metadata key the enrich step writes */

/* ---------------------------------------------------------------- partners */

struct partner {
    char *id;                  /* businesses.id; NULL when not stored (dry run) */
    char *key;                 /* geographic_key */
    char *name;
    char *website;             /* origin */
    char *username;            /* BaT username */
    char *account;             /* import: its member page's URL key (same_account) */
    int enriched;              /* its homepage was read before */
    /* the current step's outcome */
    const char *status;        /* "done", "failed", "deferred", "skipped"; NULL: not reached */
    char *reason;
    json_t *detail;
};

struct partners {
    struct partner *v;
    size_t n, cap;
};

static void partner_clear_outcome(struct partner *p)
{
    p->status = NULL;
    cv_free(p->reason);
    p->reason = NULL;
    json_decref(p->detail);
    p->detail = NULL;
}

static void partners_free(struct partners *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        struct partner *p = &ps->v[i];
        cv_free(p->id);
        cv_free(p->key);
        cv_free(p->name);
        cv_free(p->website);
        cv_free(p->username);
        cv_free(p->account);
        partner_clear_outcome(p);
    }
    cv_free(ps->v);
    memset(ps, 0, sizeof(*ps));
}

static char *dup_or_null(const char *s)
{
    return s && *s ? cv_strdup(s) : NULL;
}

/* Add a partner (strings copied).  0, 1 when its key is already there, -1
 * out of memory. */
static int partners_add(struct partners *ps, const char *id, const char *key, const char *name,
                        const char *website, const char *username, int enriched)
{
    struct partner *p;

    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->v[i].key, key))
            return 1;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct partner *v = cv_realloc(ps->v, cap * sizeof(*v));
        if (!v)
            return -1;
        ps->v = v;
        ps->cap = cap;
    }
    p = &ps->v[ps->n];
    memset(p, 0, sizeof(*p));
    p->key = cv_strdup(key);
    p->id = dup_or_null(id);
    p->name = dup_or_null(name);
    p->website = dup_or_null(website);
    p->username = dup_or_null(username);
    p->enriched = enriched;
    if (!p->key || (id && *id && !p->id) || (name && *name && !p->name) ||
        (website && *website && !p->website) || (username && *username && !p->username)) {
        cv_free(p->key);   /* not counted: the list stays whole */
        cv_free(p->id);
        cv_free(p->name);
        cv_free(p->website);
        cv_free(p->username);
        return -1;
    }
    ps->n++;
    return 0;
}

static int cmp_partner(const void *a, const void *b)
{
    return strcmp(((const struct partner *)a)->key, ((const struct partner *)b)->key);
}

/* ------------------------------------------------------------------ a step */

/* Partners that start from one page: the tag of every page it leads to. */
struct group {
    char *url;                 /* member page or homepage (real URL) */
    char *key;                 /* its URL key: what the crawl de-duplicates by */
    struct partner **p;        /* the partners this run does */
    size_t n;
    json_t *orgs;              /* import: the keys of every partner of the BaT account,
                                  done in this run or not (a string when one) */
    struct cv_strset existing; /* import: URL keys of ended listings linked to all of them */
    unsigned long outstanding; /* its URLs queued and not done yet */
    int finished;
    /* what happened */
    int start_ok, start_deferred, start_failed;
    unsigned long pages;       /* pages fetched and extracted */
    unsigned long pages_failed;   /* other than listings (Show More pages) */
    unsigned long pages_deferred;
    unsigned long rest_pages;  /* import: Show More pages asked for */
    unsigned long pages_limited;
    unsigned long found, skipped, limited;      /* import: listings */
    unsigned long imported, failed, deferred, cancelled;
    unsigned long records;
    char *reason;              /* the first failure, in words */
    char *deferral;            /* the first rate-limited URL, in words */
};

struct step {
    struct cv_runtime *rt;
    const struct cv_bp_opts *o;
    const char *name;          /* "index", ... */
    struct partners *all;      /* every partner known (the flow's list) */
    struct group *groups;
    size_t ngroups;
    struct cv_store *store;    /* NULL: dry run */
    struct cv_db rdb;          /* reads, and the enrich step's metadata */
    int have_rdb;
    struct cv_pass pass;
    int have_pass;
    int oom;
    int ckpt_failed;           /* a checkpoint could not be written: the run fails */
    char ckpt_error[512];
    unsigned long n_done, n_failed, n_deferred, n_skipped;
};

static void group_free(struct group *g)
{
    cv_free(g->url);
    cv_free(g->key);
    json_decref(g->orgs);
    cv_free(g->p);
    cv_free(g->reason);
    cv_free(g->deferral);
    cv_strset_free(&g->existing);
}

static void step_free(struct step *st)
{
    for (size_t i = 0; i < st->ngroups; i++)
        group_free(&st->groups[i]);
    cv_free(st->groups);
    st->groups = NULL;
    st->ngroups = 0;
    if (st->have_pass)
        cv_pass_close(&st->pass);
    st->have_pass = 0;
    if (st->have_rdb)
        cv_db_close(&st->rdb);
    st->have_rdb = 0;
    cv_store_close(st->store);
    st->store = NULL;
}

/* Record a partner's outcome (reason and detail are copied / referenced). */
static void set_outcome(struct step *st, struct partner *p, const char *status,
                        const char *reason, json_t *detail)
{
    partner_clear_outcome(p);
    p->status = status;
    if (reason && !(p->reason = cv_strdup(reason)))
        st->oom = 1;
    p->detail = detail ? json_incref(detail) : NULL;
    if (!strcmp(status, "done"))
        st->n_done++;
    else if (!strcmp(status, "failed"))
        st->n_failed++;
    else if (!strcmp(status, "deferred"))
        st->n_deferred++;
    else
        st->n_skipped++;
}

/* Checkpoint an outcome (no-op in a dry run). */
static void checkpoint(struct step *st, struct partner *p)
{
    char err[512];

    if (!st->have_pass || st->ckpt_failed)
        return;
    if (cv_pass_item(&st->pass, p->key, p->status, p->reason, p->detail, err, sizeof(err)) < 0) {
        st->ckpt_failed = 1;
        snprintf(st->ckpt_error, sizeof(st->ckpt_error), "%s", err);
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
    }
}

/* The group starting at url, made when new; NULL out of memory.  Groups
 * are told apart as the crawl tells URLs apart (by URL key): two groups
 * the crawl took for one page would leave one never fetched. */
static struct group *group_at(struct step *st, const char *url)
{
    struct group *g, *v;
    char *key = cv_url_key(url);

    if (!key)
        return NULL;
    for (size_t i = 0; i < st->ngroups; i++)
        if (!strcmp(st->groups[i].key, key)) {
            cv_free(key);
            return &st->groups[i];
        }
    v = cv_realloc(st->groups, (st->ngroups + 1) * sizeof(*v));
    if (!v) {
        cv_free(key);
        return NULL;
    }
    st->groups = v;
    g = &v[st->ngroups];
    memset(g, 0, sizeof(*g));
    cv_strset_init(&g->existing);
    g->key = key;
    st->ngroups++;
    if (!(g->url = cv_strdup(url)))
        return NULL;
    return g;
}

/* Add a partner to the group starting at url. */
static int group_add(struct step *st, const char *url, struct partner *p)
{
    struct group *g = group_at(st, url);
    struct partner **pp;

    if (!g)
        return -1;
    pp = cv_realloc(g->p, (g->n + 1) * sizeof(*pp));
    if (!pp)
        return -1;
    g->p = pp;
    g->p[g->n++] = p;
    return 0;
}

/* "url: why" into *slot, unless something is there already. */
static void note(char **slot, const char *url, const char *why)
{
    if (*slot)
        return;
    *slot = cv_malloc(strlen(url) + strlen(why) + 3);
    if (*slot)
        sprintf(*slot, "%s: %s", url, why);
}

/* The group's counts as a JSON object, for the checkpoint and summary. */
static json_t *group_detail(const struct step *st, const struct group *g)
{
    if (!strcmp(st->name, "import"))
        return json_pack("{sssIsIsIsIsIsIsIsIsI}", "member_url", g->url,
                         "pages", (json_int_t)g->pages,
                         "pages_failed", (json_int_t)g->pages_failed, "pages_limited",
                         (json_int_t)g->pages_limited, "listings_found", (json_int_t)g->found,
                         "listings_imported", (json_int_t)g->imported,
                         "listings_skipped", (json_int_t)g->skipped,
                         "listings_limited", (json_int_t)g->limited,
                         "listings_failed", (json_int_t)g->failed,
                         "listings_deferred", (json_int_t)g->deferred);
    return json_pack("{sssIsI}", "homepage", g->url, "pages", (json_int_t)g->pages,
                     "records", (json_int_t)g->records);
}

/* The enrich step remembers in the business that its homepage was read,
 * so the next run does not read it again (unless --no-skip-existing). */
static void mark_enriched(struct step *st, struct partner *p, const char *url, const char *status,
                          const char *error)
{
    const char *v[4] = {p->id, url, status, error};
    char err[512];

    if (!st->store || !p->id || !st->have_rdb)
        return;
    /* written when the outcome changed only: updated_at moves only when a
     * stored value did (fetched_at is when it last changed) */
    if (cv_db_query(&st->rdb, cv_db_wait_ms(),
                    "UPDATE businesses b SET metadata = b.metadata || jsonb_build_object('"
                    ENRICHED_KEY "', n.e || jsonb_build_object('fetched_at', now())),"
                    " updated_at = now()"
                    " FROM (SELECT jsonb_strip_nulls(jsonb_build_object('url', $2::text,"
                    "  'status', $3::text, 'error', $4::text)) AS e) n"
                    " WHERE b.id = $1::uuid AND (b.metadata->'" ENRICHED_KEY "') - 'fetched_at'"
                    "  IS DISTINCT FROM n.e", 4, v, NULL, err, sizeof(err)) < 0) {
        st->ckpt_failed = 1;
        snprintf(st->ckpt_error, sizeof(st->ckpt_error), "%s", err);
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
    }
}

/* Every URL of the group is done: store what it gave, then checkpoint
 * its partners.  -1 when the checkpoint or the store cannot be written:
 * the run must stop. */
static int finish_group(struct step *st, struct group *g)
{
    const char *status;
    json_t *detail;
    char err[512];

    g->finished = 1;
    if (g->cancelled)
        return 0;   /* stopped in the middle: left for the resumed pass */
    if (st->store && cv_store_flush(st->store, err, sizeof(err)) < 0) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
        return -1;  /* not stored: not done */
    }
    status = g->start_failed ? "failed" : g->start_deferred ? "deferred"
           : g->failed || g->pages_failed ? "failed"
           : g->deferred || g->pages_deferred ? "deferred" : "done";
    if (!strcmp(st->name, "enrich") && !strcmp(status, "done") && !g->records) {
        status = "failed";
        note(&g->reason, g->url, "the homepage gave no business record");
    }
    detail = group_detail(st, g);
    if (!detail)
        st->oom = 1;
    for (size_t i = 0; i < g->n; i++) {
        struct partner *p = g->p[i];
        const char *why = !strcmp(status, "failed") ? g->reason
                        : !strcmp(status, "deferred") ? g->deferral : NULL;
        set_outcome(st, p, status, why, detail);
        if (!strcmp(st->name, "enrich") && strcmp(status, "deferred"))
            mark_enriched(st, p, g->url, !strcmp(status, "done") ? "ok" : "failed", why);
        checkpoint(st, p);
        if (strcmp(status, "done"))
            cv_log(&st->rt->log, CV_LOG_WARN, "%s %s: %s: %s: %s", PIPELINE, st->name, p->key,
                   status, why ? why : "");
        else
            cv_log(&st->rt->log, CV_LOG_DEBUG, "%s %s: %s: done", PIPELINE, st->name, p->key);
    }
    json_decref(detail);
    return st->ckpt_failed || st->oom ? -1 : 0;
}

/* ----------------------------------------------------------------- hooks */

static void hook_queued(void *ctx, void *tag)
{
    struct group *g = tag;

    (void)ctx;
    if (g)
        g->outstanding++;
}

static int hook_done(void *ctx, void *tag, const struct cv_crawl_result *r)
{
    struct step *st = ctx;
    struct group *g = tag;
    int start, listing;

    if (!g)
        return 0;
    start = !strcmp(r->url, g->url) && !strcmp(r->method, "GET");
    listing = r->source && !strcmp(r->source, LISTING_SOURCE);
    if (r->err == CV_ECANCEL) {
        g->cancelled++;
    } else if (r->err == CV_OK) {
        g->pages++;
        g->records += r->records;
        if (start)
            g->start_ok = 1;
        else if (listing)
            g->imported++;
    } else if (r->err == CV_ERATELIMIT) {
        if (start)
            g->start_deferred = 1;
        else if (listing)
            g->deferred++;
        else
            g->pages_deferred++;
        note(&g->deferral, r->url, r->errmsg);
    } else {
        if (start)
            g->start_failed = 1;
        else if (listing)
            g->failed++;
        else
            g->pages_failed++;
        note(&g->reason, r->url, r->errmsg);
    }
    if (g->outstanding && --g->outstanding == 0)
        return finish_group(st, g);
    return 0;
}

/* import: tie the vehicles to the partners, by key. */
static int hook_records_import(void *ctx, void *tag, const char *url, json_t *records)
{
    struct group *g = tag;
    size_t i;
    json_t *rec;

    (void)ctx;
    (void)url;
    if (!g || !g->orgs)
        return 0;
    json_array_foreach(records, i, rec) {
        const char *type = json_string_value(json_object_get(rec, "type"));
        json_t *org;
        if (!type || strcmp(type, "vehicle"))
            continue;
        /* a copy per record: the store and the sink keep their own */
        if (!(org = json_deep_copy(g->orgs)) || json_object_set_new(rec, "organization", org) < 0)
            return -1;
    }
    return 0;
}

/* enrich: the homepage's business is each partner of the group (by key);
 * anything else the page gives is not this step's business. */
static int hook_records_enrich(void *ctx, void *tag, const char *url, json_t *records)
{
    struct group *g = tag;
    json_t *biz = NULL;
    size_t i;
    json_t *rec;

    (void)ctx;
    (void)url;
    if (!g)
        return 0;
    json_array_foreach(records, i, rec) {
        const char *type = json_string_value(json_object_get(rec, "type"));
        if (type && !strcmp(type, "business")) {
            biz = json_incref(rec);
            break;
        }
    }
    json_array_clear(records);
    for (size_t k = 0; biz && k < g->n; k++) {
        json_t *copy = json_deep_copy(biz);
        if (!copy || json_object_set_new(copy, "geographic_key", json_string(g->p[k]->key)) < 0) {
            json_decref(copy);
            json_decref(biz);
            return -1;
        }
        if (json_array_append_new(records, copy) < 0) {   /* it took copy, even then */
            json_decref(biz);
            return -1;
        }
    }
    json_decref(biz);
    return 0;
}

/* index: remember the partners found (a dry run of ingest goes on with
 * them). */
static int hook_records_index(void *ctx, void *tag, const char *url, json_t *records)
{
    struct step *st = ctx;
    size_t i = 0;

    (void)tag;
    (void)url;
    /* --limit: the first N partners; the rest are neither printed nor
     * stored nor carried on to the next steps */
    while (i < json_array_size(records)) {
        json_t *rec = json_array_get(records, i);
        const char *key = json_string_value(json_object_get(rec, "geographic_key"));
        if (st->o->limit && key && st->all->n >= (size_t)st->o->limit) {
            if (json_array_remove(records, i) < 0)
                return -1;
            continue;
        }
        if (key && partners_add(st->all, NULL, key, json_string_value(json_object_get(rec, "name")),
                                json_string_value(json_object_get(rec, "website")),
                                json_string_value(json_object_get(rec, "bat_username")), 0) < 0)
            return -1;
        i++;
    }
    return 0;
}

static int hook_follow_none(void *ctx, void *tag, const struct cv_follow *fl)
{
    (void)ctx;
    (void)tag;
    (void)fl;
    return 0;
}

/* import: the runbook's limits, and --skip-existing. */
static int hook_follow_import(void *ctx, void *tag, const struct cv_follow *fl)
{
    struct step *st = ctx;
    struct group *g = tag;

    if (!g)
        return 1;
    if (!strcmp(fl->source, MEMBER_SOURCE)) {
        /* a Show More page: --max-pages counts the member page too, and
         * none is asked for once --listing-limit listings were found */
        if ((st->o->max_pages && 1 + g->rest_pages >= (unsigned long)st->o->max_pages) ||
            (st->o->listing_limit && g->found >= (unsigned long)st->o->listing_limit)) {
            g->pages_limited++;
            return 0;
        }
        g->rest_pages++;
        return 1;
    }
    if (!strcmp(fl->source, LISTING_SOURCE)) {
        char *key;
        int have;
        if (st->o->listing_limit && g->found >= (unsigned long)st->o->listing_limit) {
            g->limited++;
            return 0;
        }
        g->found++;
        if (!st->o->skip_existing || !g->existing.count)
            return 1;
        if (!(key = cv_url_key(fl->url)))
            return 1;
        have = cv_strset_has(&g->existing, key);
        cv_free(key);
        if (have)
            g->skipped++;
        return !have;
    }
    return 0;   /* nothing else is this step's business */
}

/* ------------------------------------------------------------- database */

/* Open the connection for reads (and the enrich step's marks).  0, -1
 * (logged; *unreachable set when it could not be reached). */
static int open_rdb(struct step *st, int *unreachable)
{
    char err[512];

    *unreachable = 0;
    if (cv_db_open(st->rt, &st->rdb, err, sizeof(err)) < 0) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
        *unreachable = 1;
        return -1;
    }
    st->have_rdb = 1;
    return 0;
}

/* The partners in the database, in key order, replacing *all.  0, -1. */
static int load_partners(struct step *st)
{
    PGresult *r = NULL;
    char err[512];
    int rc = -1;

    if (cv_db_query(&st->rdb, cv_db_wait_ms(), "SELECT to_regclass('public.businesses') IS NULL",
                    0, NULL, &r, err, sizeof(err)) < 0)
        goto fail;
    if (!strcmp(PQgetvalue(r, 0, 0), "t")) {
        rc = 0;   /* a database carvest never wrote to: no partners */
        goto out;
    }
    PQclear(r);
    if (cv_db_query(&st->rdb, cv_db_wait_ms(),
                    "SELECT id, geographic_key, business_name, website, bat_username,"
                    " COALESCE(metadata->'" ENRICHED_KEY "'->>'status' = 'ok', false)"
                    " FROM businesses WHERE geographic_key IS NOT NULL"
                    " AND (discovered_via = '" DIRECTORY_SOURCE "' OR metadata ? '"
                    DIRECTORY_SOURCE "') ORDER BY geographic_key COLLATE \"C\"", 0, NULL, &r,
                    err, sizeof(err)) < 0)
        goto fail;
    partners_free(st->all);
    for (int i = 0; i < PQntuples(r); i++)
        if (partners_add(st->all, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                         PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2),
                         PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
                         PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4),
                         !strcmp(PQgetvalue(r, i, 5), "t")) < 0) {
            snprintf(err, sizeof(err), "out of memory");
            goto fail;
        }
    rc = 0;
    goto out;
fail:
    cv_log(&st->rt->log, CV_LOG_ERROR, "cannot read the partners: %s", err);
out:
    PQclear(r);
    return rc;
}

/* "https://bringatrailer.com/member/<username>/", the username lower-cased
 * and percent-encoded. */
static char *member_url(const char *username)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *prefix = "https://bringatrailer.com/member/";
    size_t n = strlen(prefix), len = strlen(username);
    char *u = cv_malloc(n + 3 * len + 2), *q;

    if (!u)
        return NULL;
    memcpy(u, prefix, n);
    q = u + n;
    for (const unsigned char *s = (const unsigned char *)username; *s; s++) {
        unsigned char c = (unsigned char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            *q++ = (char)c;
        } else {
            *q++ = '%';
            *q++ = hex[c >> 4];
            *q++ = hex[c & 15];
        }
    }
    *q++ = '/';
    *q = '\0';
    return u;
}

/* Is p a partner of the BaT account whose member page starts group g?
 * (p->account is set by step_import for every partner with a username.) */
static int same_account(const struct partner *p, const struct group *g)
{
    return p->account && !strcmp(p->account, g->key);
}

/* import: the organization every vehicle of g names -- the keys of all
 * the partners of the account, done in this run or not, so a run of one
 * of them links the others too and never takes their links back. */
static int account_orgs(struct step *st, struct group *g)
{
    json_t *keys = json_array();

    if (!keys)
        return -1;
    for (size_t i = 0; i < st->all->n; i++)
        if (same_account(&st->all->v[i], g) &&
            json_array_append_new(keys, json_string(st->all->v[i].key)) < 0) {
            json_decref(keys);
            return -1;
        }
    if (json_array_size(keys) == 1) {
        g->orgs = json_incref(json_array_get(keys, 0));
        json_decref(keys);
    } else {
        g->orgs = keys;
    }
    return 0;
}

/* A website's homepage: its origin and "/"; NULL when not http(s). */
static char *homepage(const char *website)
{
    char *origin = cv_url_origin(website), *home = NULL;

    if (origin && (home = cv_malloc(strlen(origin) + 2)))
        sprintf(home, "%s/", origin);
    cv_free(origin);
    return home;
}

/* import: the ended listings already linked to every partner of the
 * group, which --skip-existing does not fetch again (they cannot change;
 * live and for-sale ones are fetched again for their bids and prices). */
static int load_existing(struct step *st, struct group *g)
{
    struct cv_buf ids;
    char n[24], err[512];
    const char *v[2];
    PGresult *r = NULL;
    int rc = -1;

    size_t nids = 0;

    if (!st->have_rdb)
        return 0;
    cv_buf_init(&ids, CV_BUF_UNLIMITED);
    /* every partner of the account: a listing skipped must be linked to
     * all of them, or the run would not link it to the one missing */
    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        if (!same_account(p, g))
            continue;
        if (!p->id) {
            cv_buf_free(&ids);
            return 0;   /* a partner not stored yet has nothing linked */
        }
        if (cv_buf_printf(&ids, "%s%s", nids++ ? "," : "{", p->id) < 0)
            goto oom;
    }
    if (!nids || cv_buf_puts(&ids, "}") < 0) {
        cv_buf_free(&ids);
        return nids ? -1 : 0;
    }
    snprintf(n, sizeof(n), "%zu", nids);
    v[0] = cv_buf_str(&ids);
    v[1] = n;
    if (cv_db_query(&st->rdb, cv_db_wait_ms(),
                    "SELECT l.url_key FROM vehicle_listings l"
                    " JOIN vehicle_listing_orgs x ON x.listing_id = l.id"
                    " WHERE x.organization_id = ANY($1::uuid[])"
                    " AND l.listing_status IN ('sold', 'not_sold', 'withdrawn')"
                    " GROUP BY l.url_key HAVING count(DISTINCT x.organization_id) = $2::int",
                    2, v, &r, err, sizeof(err)) < 0) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "cannot read the stored listings: %s", err);
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++)
        if (cv_strset_add(&g->existing, PQgetvalue(r, i, 0)) < 0)
            goto oom;
    rc = 0;
    goto out;
oom:
    cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
out:
    PQclear(r);
    cv_buf_free(&ids);
    return rc;
}

/* ------------------------------------------------------------ the crawl */

/* The run's arguments as the run log keeps them. */
static json_t *run_args(const struct step *st)
{
    const struct cv_bp_opts *o = st->o;
    json_t *a = json_object();

    if (!a)
        return NULL;
    if ((o->url && json_object_set_new(a, "url", json_string(o->url)) < 0) ||
        (o->limit && json_object_set_new(a, "limit", json_integer(o->limit)) < 0) ||
        (o->resume_from &&
         json_object_set_new(a, "resume_from", json_integer(o->resume_from)) < 0) ||
        (o->limit_partners &&
         json_object_set_new(a, "limit_partners", json_integer(o->limit_partners)) < 0) ||
        (o->resume_from_partner &&
         json_object_set_new(a, "resume_from_partner",
                             json_integer(o->resume_from_partner)) < 0) ||
        (o->partner_key &&
         json_object_set_new(a, "partner_key", json_string(o->partner_key)) < 0) ||
        (o->listing_limit &&
         json_object_set_new(a, "listing_limit", json_integer(o->listing_limit)) < 0) ||
        json_object_set_new(a, "max_pages", json_integer(o->max_pages)) < 0 ||
        json_object_set_new(a, "skip_existing", json_boolean(o->skip_existing)) < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* What decides which items a pass covers: a pass is resumed only by a run
 * with the same selection. */
static void scope_of(const struct step *st, char *out, size_t n)
{
    const struct cv_bp_opts *o = st->o;

    if (!strcmp(st->name, "enrich"))
        snprintf(out, n, "partner-key=%s resume-from=%ld limit=%ld skip-existing=%d",
                 o->partner_key ? o->partner_key : "", o->resume_from, o->limit,
                 o->skip_existing);
    else
        snprintf(out, n, "partner-key=%s resume-from-partner=%ld limit-partners=%ld "
                 "listing-limit=%ld max-pages=%ld skip-existing=%d",
                 o->partner_key ? o->partner_key : "", o->resume_from_partner,
                 o->limit_partners, o->listing_limit, o->max_pages, o->skip_existing);
}

/* Open the store, the run log and (for enrich and import) the pass.
 * Returns an exit status, CV_EXIT_OK to go on. */
static int step_open(struct step *st, const char *source)
{
    char err[512], scope[512];
    int unreachable = 0, rc;
    json_t *args;

    if (st->rt->opt.dry_run)
        return CV_EXIT_OK;
    st->store = cv_store_open(st->rt, &unreachable, err, sizeof(err));
    if (!st->store) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s; nothing was done (--dry-run works without "
               "storing)", err);
        return unreachable ? CV_EXIT_DB : CV_EXIT_PARTIAL;
    }
    if (!(args = run_args(st))) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
        return CV_EXIT_PARTIAL;
    }
    snprintf(scope, sizeof(scope), "%s %s", PIPELINE, st->name);
    rc = cv_store_run_start(st->store, scope, source, args);
    json_decref(args);
    if (rc < 0)
        return cv_store_unreachable(st->store) ? CV_EXIT_DB : CV_EXIT_PARTIAL;
    if (!strcmp(st->name, "enrich") || !strcmp(st->name, "import")) {
        scope_of(st, scope, sizeof(scope));
        st->have_pass = 1;
        rc = cv_pass_open(st->rt, &st->pass, PIPELINE, st->name, scope,
                          cv_store_run_id(st->store), &unreachable, err, sizeof(err));
        if (rc != CV_PASS_OK) {
            cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
            cv_store_run_finish(st->store, "failed", 0, 0, 0, err);
            return unreachable ? CV_EXIT_DB : CV_EXIT_PARTIAL;
        }
        if (st->pass.resumed)
            cv_log(&st->rt->log, CV_LOG_INFO, "%s %s: continuing pass %s (it was %s), %zu "
                   "partner%s already done", PIPELINE, st->name, st->pass.id,
                   !strcmp(st->pass.resumed_status, "running") ? "killed" : st->pass.resumed_status,
                   st->pass.done.count, st->pass.done.count == 1 ? "" : "s");
    }
    return CV_EXIT_OK;
}

/* Crawl the groups' start pages with the step's hooks.  Returns an exit
 * status. */
/* The step cannot go on before its crawl: end its run log and pass as
 * failed, so neither stays "running". */
static void step_abort(struct step *st, const char *why)
{
    char err[512];

    if (st->store)
        cv_store_run_finish(st->store, "failed", 0, 0, 0, why);
    if (st->have_pass && cv_pass_finish(&st->pass, "failed", err, sizeof(err)) < 0)
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s", err);
}

static int step_crawl(struct step *st, struct cv_source_entry *src, struct cv_sink *sink,
                      const struct cv_crawl_hooks *hooks)
{
    struct cv_crawl_opts co;
    struct cv_crawl_stats cs;
    char **urls = NULL;
    void **tags = NULL;
    const char *status, *why;
    int crc = 0, rc = CV_EXIT_PARTIAL, db_lost;

    memset(&co, 0, sizeof(co));
    memset(&cs, 0, sizeof(cs));
    if (st->ngroups && (!(urls = cv_calloc(st->ngroups, sizeof(*urls))) ||
                        !(tags = cv_calloc(st->ngroups, sizeof(*tags))))) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
        step_abort(st, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < st->ngroups; i++) {
        urls[i] = st->groups[i].url;
        tags[i] = &st->groups[i];
    }
    co.source = src;
    co.urls = urls;
    co.tags = tags;
    co.nurls = st->ngroups;
    co.sink = sink;
    co.store = st->store;
    co.hooks = hooks;
    if (st->ngroups)
        crc = cv_crawl_run(st->rt, &co, &cs);
    if (st->store && !cs.store_failed && cv_store_flush(st->store, cs.store_error,
                                                        sizeof(cs.store_error)) < 0)
        cs.store_failed = 1;
    if (cs.store_failed)
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s; the run stopped (running it again continues "
               "where it stopped)", cs.store_error);
    if (st->oom)
        cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory; the run stopped");
    why = cs.store_failed ? cs.store_error : st->ckpt_failed ? st->ckpt_error
        : st->oom ? "out of memory" : crc < 0 ? "the run could not go on"
        : cs.output_failed ? "standard output could not be written"
        : cs.hook_stopped ? "the run could not go on" : NULL;
    status = why ? "failed" : cs.interrupted ? "interrupted" : "completed";
    if (cs.interrupted && !why)
        why = "interrupted by a signal";

    /* A partner whose pages never came back although the crawl ran to its
     * end was not done: say so rather than leave it out. */
    if (!strcmp(status, "completed"))
        for (size_t i = 0; i < st->ngroups; i++) {
            struct group *g = &st->groups[i];
            if (g->finished || g->cancelled)
                continue;
            for (size_t k = 0; k < g->n; k++) {
                set_outcome(st, g->p[k], "failed", "its start page was not fetched", NULL);
                checkpoint(st, g->p[k]);
            }
        }
    if (st->store)
        cv_store_run_finish(st->store, status, cs.pages, cs.records, cs.failed, why);
    if (st->have_pass) {
        const char *ps = strcmp(status, "completed") ? status
                       : st->n_deferred ? "incomplete" : "completed";
        char perr[512];
        if (cv_pass_finish(&st->pass, ps, perr, sizeof(perr)) < 0)
            cv_log(&st->rt->log, CV_LOG_ERROR, "%s", perr);
    }
    db_lost = (cs.store_failed && cv_store_unreachable(st->store)) ||
              (st->ckpt_failed && st->have_pass && PQstatus(st->pass.db.conn) != CONNECTION_OK);
    rc = db_lost ? CV_EXIT_DB
       : strcmp(status, "completed") || st->n_failed || st->n_deferred ? CV_EXIT_PARTIAL
       : CV_EXIT_OK;
out:
    cv_free(urls);
    cv_free(tags);
    return rc;
}

/* --------------------------------------------------------------- summary */

static int print_json(struct cv_sink *sink, json_t *o)
{
    int rc = -1;

    if (o && json_dumpf(o, sink->out, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 &&
        fputc('\n', sink->out) != EOF && fflush(sink->out) == 0)
        rc = 0;
    json_decref(o);
    return rc;
}

/* The partners' outcomes and the step's totals: JSON lines on a jsonl
 * sink, text on a table sink, always a line in the log. */
static void summary(struct step *st, struct cv_sink *sink, const char *extra)
{
    char stored[512];
    size_t reached = 0;

    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        if (!p->status)
            continue;
        reached++;
        if (sink->format == CV_OUTPUT_JSONL) {
            json_t *o = json_pack("{ssssssss}", "type", "partner", "step", st->name,
                                  "geographic_key", p->key, "status", p->status);
            /* absent values are left out, as in records */
            if (o && ((p->name && json_object_set_new(o, "name", json_string(p->name)) < 0) ||
                      (p->reason && json_object_set_new(o, "reason", json_string(p->reason)) < 0) ||
                      (p->detail && json_object_update(o, p->detail) < 0))) {
                json_decref(o);
                o = NULL;
            }
            if (print_json(sink, o) < 0)
                break;
        } else if (sink->format == CV_OUTPUT_TABLE) {
            fprintf(sink->out, "%-9s %-48s %s\n", p->status, p->key, p->reason ? p->reason : "");
        }
    }
    if (!strcmp(st->name, "inventory"))
        snprintf(stored, sizeof(stored), "%s", st->store ? "queue updated" : "nothing queued "
                 "(--dry-run)");
    else if (st->store)
        cv_store_stats_text(cv_store_stats(st->store), stored, sizeof(stored));
    else
        snprintf(stored, sizeof(stored), "nothing stored (--dry-run)");
    cv_log(&st->rt->log, CV_LOG_INFO, "%s %s: %zu partner%s: %lu done, %lu failed, %lu deferred "
           "(rate-limited), %lu skipped%s%s; %s", PIPELINE, st->name, reached,
           reached == 1 ? "" : "s", st->n_done, st->n_failed, st->n_deferred, st->n_skipped,
           extra ? "; " : "", extra ? extra : "", stored);
    if (sink->format == CV_OUTPUT_JSONL) {
        json_t *o = json_pack("{sssssIsIsIsIsIsb}", "type", "summary", "step", st->name,
                              "partners", (json_int_t)reached, "done", (json_int_t)st->n_done,
                              "failed", (json_int_t)st->n_failed,
                              "deferred", (json_int_t)st->n_deferred,
                              "skipped", (json_int_t)st->n_skipped,
                              "resumed", st->have_pass && st->pass.resumed);
        if (o && ((st->have_pass && *st->pass.id &&
                   json_object_set_new(o, "pass",
                                       json_integer(strtoll(st->pass.id, NULL, 10))) < 0) ||
                  (st->store && strcmp(st->name, "inventory") &&
                   json_object_set_new(o, "stored", cv_store_stats_json(cv_store_stats(st->store))) < 0))) {
            json_decref(o);
            o = NULL;
        }
        print_json(sink, o);
    } else if (sink->format == CV_OUTPUT_TABLE) {
        fprintf(sink->out, "%s %s: %lu done, %lu failed, %lu deferred, %lu skipped\n", PIPELINE,
                st->name, st->n_done, st->n_failed, st->n_deferred, st->n_skipped);
    }
}

/* ----------------------------------------------------------------- steps */

static struct cv_source_entry *need_source(struct cv_runtime *rt, const char *name)
{
    struct cv_source_entry *src = cv_registry_find(&rt->reg, name);

    if (!src)
        cv_log(&rt->log, CV_LOG_ERROR, "the source %s is not loaded (carvest sources lists "
               "the sources found); is carvest installed completely?", name);
    return src;
}

static int step_index(struct step *st, struct cv_sink *sink)
{
    struct cv_source_entry *src = need_source(st->rt, DIRECTORY_SOURCE);
    struct cv_crawl_hooks hooks = {st, hook_follow_none, hook_queued, hook_records_index,
                                   hook_done};
    const char *url = st->o->url;
    char *canon = NULL, extra[128];
    int rc;

    if (!src)
        return CV_EXIT_USAGE;
    if (!url && !src->start_urls.n) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s has no start URL; give --url", src->name);
        return CV_EXIT_USAGE;
    }
    if (!(canon = cv_url_canonical(url ? url : src->start_urls.items[0], NULL))) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "--url: '%s' is not an http(s) URL", url);
        return CV_EXIT_USAGE;
    }
    rc = step_open(st, src->name);
    if (rc != CV_EXIT_OK)
        goto out;
    partners_free(st->all);
    /* The directory page is this step's one start page: a group of no
     * partner, whose outcome is the step's. */
    if (!group_at(st, canon)) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
        step_abort(st, "out of memory");
        rc = CV_EXIT_PARTIAL;
        goto out;
    }
    rc = step_crawl(st, src, sink, &hooks);
    qsort(st->all->v, st->all->n, sizeof(*st->all->v), cmp_partner);
    if (!st->groups[0].start_ok) {
        cv_log(&st->rt->log, CV_LOG_ERROR, "%s index: the directory %s could not be read%s%s",
               PIPELINE, canon, st->groups[0].reason ? ": " : "",
               st->groups[0].reason ? st->groups[0].reason : "");
        if (rc == CV_EXIT_OK)
            rc = CV_EXIT_PARTIAL;
    }
    for (size_t i = 0; i < st->all->n; i++)
        set_outcome(st, &st->all->v[i], "done", NULL, NULL);
    snprintf(extra, sizeof(extra), "%zu partner row%s read from the directory", st->all->n,
             st->all->n == 1 ? "" : "s");
    summary(st, sink, extra);
out:
    cv_free(canon);
    return rc;
}

/* Is the index-th candidate in [from, from + limit) (limit 0: no end)? */
static int in_slice(size_t index, long from, long limit)
{
    return (long)index >= from && (!limit || (long)index < from + limit);
}

static int step_enrich(struct step *st, struct cv_sink *sink)
{
    struct cv_source_entry *src = need_source(st->rt, SITE_SOURCE);
    struct cv_crawl_hooks hooks = {st, hook_follow_none, hook_queued, hook_records_enrich,
                                   hook_done};
    size_t k = 0;
    int rc;

    if (!src)
        return CV_EXIT_USAGE;
    rc = step_open(st, src->name);
    if (rc != CV_EXIT_OK)
        return rc;
    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        char *home;
        if (st->o->partner_key && strcmp(p->key, st->o->partner_key))
            continue;
        if (!p->website) {
            set_outcome(st, p, "skipped", "no website in the directory", NULL);
            continue;   /* not counted by --resume-from and --limit */
        }
        if (!in_slice(k++, st->o->resume_from, st->o->limit))
            continue;
        if (st->have_pass && cv_pass_item_done(&st->pass, p->key)) {
            set_outcome(st, p, "skipped", "done by this pass already (resumed)", NULL);
            continue;
        }
        if (st->o->skip_existing && p->enriched) {
            set_outcome(st, p, "skipped", "enriched before (--no-skip-existing reads it again)",
                        NULL);
            checkpoint(st, p);
            continue;
        }
        /* the homepage: the website's origin, whatever was stored */
        if (!(home = homepage(p->website))) {
            cv_log(&st->rt->log, CV_LOG_WARN, "%s: the website '%s' is not an http(s) URL",
                   p->key, p->website);
            set_outcome(st, p, "failed", "the website is not an http(s) URL", NULL);
            checkpoint(st, p);
            continue;
        }
        rc = group_add(st, home, p);
        cv_free(home);
        if (rc < 0) {
            cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
            step_abort(st, "out of memory");
            return CV_EXIT_PARTIAL;
        }
    }
    rc = step_crawl(st, src, sink, &hooks);
    summary(st, sink, NULL);
    return rc;
}

static int step_import(struct step *st, struct cv_sink *sink)
{
    struct cv_source_entry *src = need_source(st->rt, MEMBER_SOURCE);
    struct cv_crawl_hooks hooks = {st, hook_follow_import, hook_queued, hook_records_import,
                                   hook_done};
    size_t k = 0, taken = 0;
    int rc;

    if (!src || !need_source(st->rt, LISTING_SOURCE))
        return CV_EXIT_USAGE;
    rc = step_open(st, src->name);
    if (rc != CV_EXIT_OK)
        return rc;
    /* every partner's account, once: the groups are accounts */
    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        char *url = p->username && !p->account ? member_url(p->username) : NULL;
        if (url && !(p->account = cv_url_key(url))) {
            cv_free(url);
            cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
            step_abort(st, "out of memory");
            return CV_EXIT_PARTIAL;
        }
        cv_free(url);
    }
    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        char *url;
        if (st->o->partner_key && strcmp(p->key, st->o->partner_key))
            continue;
        if (!p->username) {
            set_outcome(st, p, "skipped", "no BaT username in the directory", NULL);
            continue;
        }
        /* --resume-from-partner counts partners, as the runbook's did;
         * --partner-key names one and ignores it */
        if (!st->o->partner_key && (long)k++ < st->o->resume_from_partner)
            continue;
        if (st->o->limit_partners && taken >= (size_t)st->o->limit_partners)
            break;
        taken++;
        if (st->have_pass && cv_pass_item_done(&st->pass, p->key)) {
            set_outcome(st, p, "skipped", "done by this pass already (resumed)", NULL);
            continue;
        }
        if (!(url = member_url(p->username)) || group_add(st, url, p) < 0) {
            cv_free(url);
            cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
            step_abort(st, "out of memory");
            return CV_EXIT_PARTIAL;
        }
        cv_free(url);
    }
    for (size_t i = 0; i < st->ngroups; i++) {
        char err[512];
        if (account_orgs(st, &st->groups[i]) < 0) {
            cv_log(&st->rt->log, CV_LOG_ERROR, "out of memory");
            step_abort(st, "out of memory");
            return CV_EXIT_PARTIAL;
        }
        if (st->o->skip_existing && load_existing(st, &st->groups[i]) < 0) {
            step_abort(st, "cannot read the stored listings");
            return cv_db_ensure(&st->rdb, 0, err, sizeof(err)) < 0 ? CV_EXIT_DB
                                                                   : CV_EXIT_PARTIAL;
        }
    }
    rc = step_crawl(st, src, sink, &hooks);
    summary(st, sink, NULL);
    return rc;
}

static int step_inventory(struct step *st, struct cv_sink *sink)
{
    char err[512], extra[256];
    size_t k = 0;
    unsigned long queued = 0, requeued = 0, already = 0;
    int rc;

    if ((rc = step_open(st, NULL)) != CV_EXIT_OK)
        return rc;
    for (size_t i = 0; i < st->all->n; i++) {
        struct partner *p = &st->all->v[i];
        const char *v[2];
        PGresult *r;
        if (!in_slice(k++, st->o->resume_from, st->o->limit))
            continue;
        if (!p->website) {
            set_outcome(st, p, "skipped", "no website: no inventory to sync", NULL);
            continue;
        }
        if (st->rt->opt.dry_run) {
            set_outcome(st, p, "skipped", "--dry-run: would be queued", NULL);
            continue;
        }
        /* pending now, unless it is pending already or a worker holds
         * it under a live lease; last_error stays, for the record */
        v[0] = p->id;
        v[1] = st->o->run_mode;
        if (cv_db_query(&st->rdb, cv_db_wait_ms(),
                        "INSERT INTO organization_inventory_sync_queue AS q (organization_id,"
                        " run_mode) VALUES ($1::uuid, $2)"
                        " ON CONFLICT (organization_id, run_mode) DO UPDATE SET status = 'pending',"
                        " attempts = 0, next_run_at = NULL, locked_by = NULL,"
                        " locked_until = NULL, updated_at = now()"
                        " WHERE q.status IN ('completed', 'failed', 'skipped')"
                        " OR (q.status = 'processing' AND (q.locked_until IS NULL"
                        " OR q.locked_until < now()))"
                        " RETURNING (xmax = 0)", 2, v, &r, err, sizeof(err)) < 0) {
            cv_log(&st->rt->log, CV_LOG_ERROR, "cannot queue %s: %s", p->key, err);
            set_outcome(st, p, "failed", err, NULL);
            rc = cv_db_ensure(&st->rdb, 0, err, sizeof(err)) < 0 ? CV_EXIT_DB : CV_EXIT_PARTIAL;
            if (rc == CV_EXIT_DB)
                break;
            continue;
        }
        if (!PQntuples(r)) {
            already++;
            set_outcome(st, p, "skipped", "already queued (pending, or held by a worker)", NULL);
        } else if (!strcmp(PQgetvalue(r, 0, 0), "t")) {
            queued++;
            set_outcome(st, p, "done", NULL, NULL);
        } else {
            requeued++;
            set_outcome(st, p, "done", NULL, NULL);
        }
        PQclear(r);
    }
    snprintf(extra, sizeof(extra), "run mode %s: %lu newly queued, %lu queued again, %lu "
             "already queued", st->o->run_mode, queued, requeued, already);
    if (st->store)
        cv_store_run_finish(st->store, rc == CV_EXIT_OK ? "completed" : "failed", 0, 0,
                            st->n_failed, rc == CV_EXIT_OK ? NULL : "some partners could not "
                            "be queued");
    summary(st, sink, extra);
    if (rc == CV_EXIT_OK && st->n_failed)
        rc = CV_EXIT_PARTIAL;
    return rc;
}

/* ------------------------------------------------------------- the flow */

void cv_bp_opts_init(struct cv_bp_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_pages = 10;
    o->skip_existing = 1;
    o->run_mode = "current";
}

/* One step with its own store, run log and pass.  Partners come from the
 * database, unless this is a dry run that has them from the directory. */
static int run_step(struct cv_runtime *rt, const char *name, const struct cv_bp_opts *o,
                    struct partners *all, int from_memory, struct cv_sink *sink)
{
    struct step st;
    long saved = rt->opt.concurrency;
    int rc, unreachable;

    memset(&st, 0, sizeof(st));
    st.rt = rt;
    st.o = o;
    st.name = name;
    st.all = all;
    /* Polite by default: one request at a time on BaT; a few sites at once
     * when reading homepages (each its own host). */
    rt->opt.concurrency = o->concurrency ? o->concurrency : !strcmp(name, "enrich") ? 3 : 1;
    if (!strcmp(name, "import") && rt->opt.concurrency > 3)
        rt->opt.concurrency = 3;
    if (strcmp(name, "index") && !from_memory) {
        if (open_rdb(&st, &unreachable) < 0 || load_partners(&st) < 0) {
            rc = unreachable || !st.have_rdb ? CV_EXIT_DB : CV_EXIT_PARTIAL;
            goto out;
        }
        for (size_t i = 0; i < all->n; i++)
            partner_clear_outcome(&all->v[i]);
        if (!all->n)
            cv_log(&rt->log, CV_LOG_WARN, "%s %s: no BaT Local Partners in the database; run "
                   "`carvest %s index` first", PIPELINE, name, PIPELINE);
    } else {
        for (size_t i = 0; i < all->n; i++)
            partner_clear_outcome(&all->v[i]);
    }
    if (o->partner_key && strcmp(name, "index") && strcmp(name, "inventory")) {
        int found = 0;
        for (size_t i = 0; i < all->n && !found; i++)
            found = !strcmp(all->v[i].key, o->partner_key);
        if (!found) {
            cv_log(&rt->log, CV_LOG_ERROR, "--partner-key: no BaT Local Partner has the "
                   "geographic key '%s' (carvest bat-partners index --output table lists "
                   "them)", o->partner_key);
            rc = CV_EXIT_USAGE;
            goto out;
        }
    }
    if (!strcmp(name, "index"))
        rc = step_index(&st, sink);
    else if (!strcmp(name, "enrich"))
        rc = step_enrich(&st, sink);
    else if (!strcmp(name, "import"))
        rc = step_import(&st, sink);
    else
        rc = step_inventory(&st, sink);
out:
    step_free(&st);
    rt->opt.concurrency = saved;
    return rc;
}

int cv_bp_run(struct cv_runtime *rt, const char *step, const struct cv_bp_opts *o,
              struct cv_sink *sink)
{
    struct partners all = {0};
    int rc = CV_EXIT_OK;

    if (strcmp(step, "ingest") != 0) {
        rc = run_step(rt, step, o, &all, 0, sink);
    } else {
        /* index, enrich, import in turn; a dry run carries the directory's
         * partners along instead of reading them back from the database */
        static const char *const steps[] = {"index", "enrich", "import"};
        const int skip[] = {o->skip_index, o->skip_enrich, o->skip_import};
        int memory = 0;

        for (size_t i = 0; i < 3; i++) {
            int r;
            if (skip[i])
                continue;
            r = run_step(rt, steps[i], o, &all, memory, sink);
            if (i == 0 && rt->opt.dry_run)
                memory = 1;
            if (r > rc)
                rc = r;
            if (r == CV_EXIT_DB || r == CV_EXIT_USAGE || cv_crawl_stop_requested())
                break;
        }
    }
    partners_free(&all);
    return rc;
}
