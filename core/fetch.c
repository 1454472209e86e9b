/*
 * fetch.c -- the fetcher (see fetch.h for the policy it implements).
 *
 * Structure: requests wait in per-origin queues; the scheduler starts
 * those whose origin may be contacted now; libcurl runs the transfers;
 * finish() classifies each outcome (page, redirect, retry, wait, final
 * failure) and either reports the URL or puts it back in a queue.
 */
#include "config.h"
#include "fetch.h"
#include "buf.h"
#include "mem.h"
#include "robots.h"
#include "runtime.h"
#include "str.h"
#include "url.h"

#include <curl/curl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DELAY_MS 1000
#define MAX_PAUSE_SHIFT 5             /* a host pause doubles at most 5 times */
#define ROBOTS_MAX_BYTES (512 * 1024)  /* RFC 9309 asks for at least 500 KiB */

enum robots_state { ROBOTS_UNKNOWN, ROBOTS_FETCHING, ROBOTS_READY };

struct host;

struct req {
    char *url;                 /* current real URL (changes with redirects) */
    char *requested;           /* real URL first asked for */
    void *userdata;
    struct host *host;
    struct host *robots_owner; /* for robots.txt: the origin it decides for */
    int is_robots;
    unsigned attempts, retries, waits, redirects;
    long long not_before;      /* monotonic ms */
    char *fetch_url;           /* what was actually requested (after --map-origin) */
    int post;                  /* POST with body, else GET */
    char *req_body;            /* request body (POST), or NULL */
    char **extra;              /* the caller's "Name: value" headers, NULL-terminated */
    CURL *easy;
    struct curl_slist *headers;
    struct cv_buf body;
    int too_big;
    char errbuf[CURL_ERROR_SIZE];
    struct req *next;          /* in its host's queue, or in the running list */
};

struct host {
    char *origin;              /* scheme://host[:port]: the politeness and robots unit */
    long delay_ms;
    long long next_ok;         /* earliest start of the next request */
    long long paused_until;
    unsigned blocks;           /* 403/429/challenge answers in a row */
    unsigned pauses;
    int inflight;
    enum robots_state robots_state;
    struct cv_robots *robots;
    struct req *head, *tail;   /* waiting requests, in order */
    struct host *next;
};

struct cv_fetcher {
    struct cv_runtime *rt;
    CURLM *multi;
    struct host *hosts;
    struct req *running;       /* transfers in flight */
    int inflight;
    unsigned long queued;      /* requests waiting in host queues */
    int stopped;
    const volatile sig_atomic_t *stop_flag;   /* set by a signal handler, or NULL */
    cv_fetch_done_fn done;
    void *ctx;
    char *user_agent;
    struct cv_fetch_stats stats;
};

/* --- set-up ----------------------------------------------------------------- */

struct cv_fetcher *cv_fetcher_new(struct cv_runtime *rt)
{
    struct cv_fetcher *f = cv_calloc(1, sizeof(*f));
    char ua[256];

    if (!f)
        return NULL;
    f->rt = rt;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        goto fail;
    f->multi = curl_multi_init();
    if (!f->multi)
        goto fail;
    snprintf(ua, sizeof(ua), "carvest/%s (+https://github.com/carvest/carvest; polite crawler)",
             PACKAGE_VERSION);
    f->user_agent = cv_strdup(rt->opt.user_agent ? rt->opt.user_agent : ua);
    if (!f->user_agent)
        goto fail;
    return f;
fail:
    cv_fetcher_free(f);
    return NULL;
}

static void req_free(struct req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    cv_buf_free(&r->body);
    cv_free(r->url);
    cv_free(r->requested);
    cv_free(r->fetch_url);
    cv_free(r->req_body);
    for (size_t i = 0; r->extra && r->extra[i]; i++)
        cv_free(r->extra[i]);
    cv_free(r->extra);
    cv_free(r);
}

void cv_fetcher_free(struct cv_fetcher *f)
{
    struct host *h, *hn;

    if (!f)
        return;
    for (h = f->hosts; h; h = hn) {
        struct req *r, *rn;
        hn = h->next;
        for (r = h->head; r; r = rn) {
            rn = r->next;
            req_free(r);
        }
        cv_robots_free(h->robots);
        cv_free(h->origin);
        cv_free(h);
    }
    while (f->running) {
        struct req *r = f->running;
        f->running = r->next;
        curl_multi_remove_handle(f->multi, r->easy);
        req_free(r);
    }
    if (f->multi)
        curl_multi_cleanup(f->multi);
    cv_free(f->user_agent);
    cv_free(f);
    curl_global_cleanup();
}

const struct cv_fetch_stats *cv_fetcher_stats(const struct cv_fetcher *f)
{
    return &f->stats;
}

static struct host *host_for(struct cv_fetcher *f, const char *url, long delay_hint_ms)
{
    char *origin = cv_url_origin(url);
    struct host *h;

    if (!origin)
        return NULL;
    for (h = f->hosts; h; h = h->next)
        if (!strcmp(h->origin, origin)) {
            cv_free(origin);
            return h;
        }
    h = cv_calloc(1, sizeof(*h));
    if (!h) {
        cv_free(origin);
        return NULL;
    }
    h->origin = origin;
    if (f->rt->opt.delay_ms >= 0)
        h->delay_ms = f->rt->opt.delay_ms;
    else
        h->delay_ms = delay_hint_ms > 0 ? delay_hint_ms : DEFAULT_DELAY_MS;
    h->robots_state = f->rt->opt.robots ? ROBOTS_UNKNOWN : ROBOTS_READY;
    h->next = f->hosts;
    f->hosts = h;
    return h;
}

static void enqueue(struct cv_fetcher *f, struct host *h, struct req *r, int front)
{
    r->host = h;
    if (front) {
        r->next = h->head;
        h->head = r;
        if (!h->tail)
            h->tail = r;
    } else {
        r->next = NULL;
        if (h->tail)
            h->tail->next = r;
        else
            h->head = r;
        h->tail = r;
    }
    f->queued++;
}

static void unlink_req(struct cv_fetcher *f, struct host *h, struct req *r, struct req *prev)
{
    if (prev)
        prev->next = r->next;
    else
        h->head = r->next;
    if (h->tail == r)
        h->tail = prev;
    r->next = NULL;
    f->queued--;
}

static struct req *req_new(const char *url, void *userdata, int is_robots)
{
    struct req *r = cv_calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->url = cv_strdup(url);
    r->requested = cv_strdup(url);
    r->userdata = userdata;
    r->is_robots = is_robots;
    cv_buf_init(&r->body, 0);
    if (!r->url || !r->requested) {
        req_free(r);
        return NULL;
    }
    return r;
}

int cv_fetcher_add_request(struct cv_fetcher *f, const char *url, const char *method,
                           const char *body, const char *const *headers, long delay_hint_ms,
                           void *userdata)
{
    char *canon = cv_url_canonical(url, NULL);
    struct host *h = canon ? host_for(f, canon, delay_hint_ms) : NULL;
    struct req *r = h ? req_new(canon, userdata, 0) : NULL;
    size_t n = 0;

    cv_free(canon);
    if (!r)
        return -1;
    r->post = method && !cv_ascii_casecmp(method, "POST");
    if (body && !(r->req_body = cv_strdup(body)))
        goto fail;
    while (headers && headers[n])
        n++;
    if (n) {
        if (!(r->extra = cv_calloc(n + 1, sizeof(*r->extra))))
            goto fail;
        for (size_t i = 0; i < n; i++)
            if (!(r->extra[i] = cv_strdup(headers[i])))
                goto fail;
    }
    enqueue(f, h, r, 0);
    return 0;
fail:
    req_free(r);
    return -1;
}

int cv_fetcher_add(struct cv_fetcher *f, const char *url, long delay_hint_ms, void *userdata)
{
    return cv_fetcher_add_request(f, url, NULL, NULL, NULL, delay_hint_ms, userdata);
}

/* Does the caller's header list name this header? */
static int has_header(char *const *extra, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; extra && extra[i]; i++)
        if (!cv_ascii_ncasecmp(extra[i], name, n) && extra[i][n] == ':')
            return 1;
    return 0;
}

void cv_fetcher_stop(struct cv_fetcher *f)
{
    f->stopped = 1;
}

void cv_fetcher_watch(struct cv_fetcher *f, const volatile sig_atomic_t *flag)
{
    f->stop_flag = flag;
}

/* --- reporting ----------------------------------------------------------------- */

static void report(struct cv_fetcher *f, struct req *r, enum cv_err err, long status,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void robots_settle(struct cv_fetcher *f, struct host *h, struct cv_robots *rules, const char *why)
{
    long crawl_delay;

    cv_robots_free(h->robots);
    h->robots = rules;
    h->robots_state = ROBOTS_READY;
    if (!rules) {
        /* Out of memory: behave as if there were no file rather than stall. */
        h->robots = cv_robots_allow_all();
        return;
    }
    if (why)
        cv_log(&f->rt->log, CV_LOG_WARN, "%s/robots.txt %s: not crawling %s (RFC 9309)",
               h->origin, why, h->origin);
    crawl_delay = cv_robots_crawl_delay_ms(rules);
    if (crawl_delay > h->delay_ms) {
        cv_log(&f->rt->log, CV_LOG_INFO, "%s: robots.txt asks for %ld ms between requests",
               h->origin, crawl_delay);
        h->delay_ms = crawl_delay;
    }
}

/* The request is over: tell the caller (or settle robots) and free it. */
static void report(struct cv_fetcher *f, struct req *r, enum cv_err err, long status,
                   const char *fmt, ...)
{
    struct cv_response res;
    char msg[512] = "";
    char *ctype = NULL;
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
    }
    if (r->is_robots) {
        struct host *h = r->robots_owner;
        if (err == CV_OK)
            robots_settle(f, h, cv_robots_parse(cv_buf_str(&r->body), r->body.len, "carvest"), NULL);
        else if (err == CV_EHTTP && status >= 400 && status < 500)
            robots_settle(f, h, cv_robots_allow_all(), NULL);   /* no file: anything goes */
        else if (err == CV_ECANCEL)
            robots_settle(f, h, cv_robots_allow_all(), NULL);
        else
            robots_settle(f, h, cv_robots_disallow_all(), msg[0] ? msg : "unreachable");
        req_free(r);
        return;
    }
    if (r->easy) {
        struct curl_header *hdr;
        if (curl_easy_header(r->easy, "Content-Type", 0, CURLH_HEADER, -1, &hdr) == CURLHE_OK)
            ctype = cv_strdup(hdr->value);
    }
    memset(&res, 0, sizeof(res));
    res.url = r->url;
    res.requested = r->requested;
    res.status = status;
    res.content_type = ctype;
    res.body = cv_buf_str(&r->body);
    res.len = r->body.len;
    res.err = err;
    res.errmsg = msg;
    res.attempts = r->attempts;
    res.userdata = r->userdata;
    f->done(&res, f->ctx);
    cv_free(ctype);
    req_free(r);
}

/* --- transfers --------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct req *r = userdata;

    if (cv_buf_append(&r->body, data, size * n) < 0) {
        r->too_big = 1;
        return 0;   /* aborts the transfer */
    }
    return size * n;
}

static int start(struct cv_fetcher *f, struct req *r)
{
    const struct cv_options *o = &f->rt->opt;
    char *fetch_url = cv_map_apply(o->map, o->nmap, r->url);
    CURL *e;

    if (!fetch_url)
        return -1;
    e = curl_easy_init();
    if (!e) {
        cv_free(fetch_url);
        return -1;
    }
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    if (!has_header(r->extra, "Accept"))
        r->headers = curl_slist_append(r->headers, "Accept: text/html,application/xhtml+xml,"
                                                   "application/xml;q=0.9,*/*;q=0.8");
    if (!has_header(r->extra, "Accept-Language"))
        r->headers = curl_slist_append(r->headers, "Accept-Language: en-US,en;q=0.8");
    for (size_t i = 0; r->extra && r->extra[i]; i++)
        r->headers = curl_slist_append(r->headers, r->extra[i]);
    cv_buf_free(&r->body);
    cv_buf_init(&r->body, r->is_robots ? ROBOTS_MAX_BYTES : (size_t)o->max_bytes);
    r->too_big = 0;
    r->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, fetch_url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");   /* every encoding libcurl decodes */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);    /* each hop goes through the policy */
    if (r->post) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->req_body ? r->req_body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(r->req_body ? strlen(r->req_body) : 0));
    }
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    /* robots.txt is cut at its limit and read anyway (RFC 9309), so only
     * pages are refused up front on their Content-Length */
    if (!r->is_robots)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        cv_free(fetch_url);
        return -1;
    }
    cv_log(&f->rt->log, CV_LOG_DEBUG, "%s %s%s%s", r->post ? "POST" : "GET", r->url,
           strcmp(fetch_url, r->url) ? " via " : "",
           strcmp(fetch_url, r->url) ? fetch_url : "");
    cv_free(r->fetch_url);
    r->fetch_url = fetch_url;
    r->easy = e;
    r->attempts++;
    r->next = f->running;
    f->running = r;
    f->stats.requests++;
    f->inflight++;
    r->host->inflight++;
    return 0;
}

/* --- outcomes --------------------------------------------------------------------- */

static long long backoff_ms(struct cv_fetcher *f, unsigned n)
{
    const struct cv_options *o = &f->rt->opt;
    long long d = o->retry_base_ms;

    for (unsigned i = 1; i < n && d < o->retry_max_ms; i++)
        d *= 2;
    if (d > o->retry_max_ms)
        d = o->retry_max_ms;
    /* "Equal jitter": half fixed, half random, so retries of many URLs
     * spread out without ever collapsing to zero. */
    return d / 2 + (long long)cv_random(f->rt, (uint64_t)(d / 2 + 1));
}

/* Retry-After in ms (seconds or an HTTP date), or -1 when absent. */
static long long retry_after_ms(CURL *e)
{
    struct curl_header *h;
    long long secs;
    time_t when;

    if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return -1;
    if (cv_parse_ll(h->value, &secs) == 0)
        return secs < 0 ? 0 : secs * 1000;
    when = curl_getdate(h->value, NULL);
    if (when == -1)
        return -1;
    secs = (long long)(when - time(NULL));
    return secs < 0 ? 0 : secs * 1000;
}

/*
 * A bot-challenge page instead of the page asked for.  Cloudflare marks
 * its challenges with "cf-mitigated: challenge"; otherwise the markers
 * count only on refusal statuses, because Cloudflare also injects
 * /cdn-cgi/challenge-platform/ scripts into perfectly normal 200 pages.
 * A 200 is a challenge only when it is the interstitial itself.
 */
static int is_challenge(CURL *e, long status, const struct cv_buf *body)
{
    static const char *const markers[] = {
        "_cf_chl_opt", "challenge-platform", "cf-browser-verification",
        "captcha-delivery.com", "px-captcha", "<title>Just a moment...</title>",
        "Attention Required! | Cloudflare",
    };
    struct curl_header *h;
    const char *text = cv_buf_str(body);

    if (curl_easy_header(e, "cf-mitigated", 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
        !cv_ascii_casecmp(h->value, "challenge"))
        return 1;
    if (status == 403 || status == 429 || status == 503) {
        for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
            if (strstr(text, markers[i]))
                return 1;
        return 0;
    }
    return strstr(text, "<title>Just a moment...</title>") && strstr(text, "_cf_chl_opt");
}

/* Is the answer JSON (application/json, or any +json type)? */
static int is_json(CURL *e)
{
    const char *ct = NULL;
    size_t n;

    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || !ct)
        return 0;
    n = strcspn(ct, "; \t");
    return (n == 16 && !cv_ascii_ncasecmp(ct, "application/json", 16)) ||
           (n > 5 && !cv_ascii_ncasecmp(ct + n - 5, "+json", 5));
}

static void requeue(struct cv_fetcher *f, struct req *r, long long delay, int front)
{
    if (r->easy) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    r->not_before = cv_now_ms() + delay;
    enqueue(f, r->host, r, front);
}

/* 5xx, timeouts, dropped connections: retry with backoff, within budget. */
static void retry_error(struct cv_fetcher *f, struct req *r, long status, long long ra,
                        const char *why)
{
    const struct cv_options *o = &f->rt->opt;
    long long delay;

    if (r->retries >= (unsigned)o->retries) {
        report(f, r, status ? CV_EHTTP : CV_ENET, status, "%s (gave up after %u retr%s)", why,
               r->retries, r->retries == 1 ? "y" : "ies");
        return;
    }
    if (ra > o->retry_max_ms) {
        report(f, r, CV_ERATELIMIT, status, "%s; the host asks to wait %lld s, longer than "
               "--retry-max-ms", why, ra / 1000);
        return;
    }
    r->retries++;
    f->stats.retries++;
    delay = backoff_ms(f, r->retries);
    if (ra > delay)
        delay = ra;
    cv_log(&f->rt->log, CV_LOG_INFO, "%s: %s; retry %u of %ld in %lld ms", r->url, why,
           r->retries, o->retries, delay);
    requeue(f, r, delay, 0);
}

/* 429, 403, challenges: the host wants us slower.  Not a failure: the
 * host waits (and pauses after repeated refusals) and the URL is tried
 * again, up to max_waits times. */
static void slow_down(struct cv_fetcher *f, struct req *r, long status, long long ra,
                      const char *why, long max_waits)
{
    const struct cv_options *o = &f->rt->opt;
    struct host *h = r->host;
    long long now = cv_now_ms(), wait;

    if (ra > o->retry_max_ms) {
        report(f, r, CV_ERATELIMIT, status, "%s; the host asks to wait %lld s, longer than "
               "--retry-max-ms", why, ra / 1000);
        return;
    }
    if (r->waits >= (unsigned)max_waits) {
        if (status == 403 && max_waits < o->max_waits)
            report(f, r, CV_EHTTP, status, "%s (forbidden, also after a wait)", why);
        else
            report(f, r, CV_ERATELIMIT, status, "%s (still refused after %u waits)", why, r->waits);
        return;
    }
    r->waits++;
    f->stats.waits++;
    h->blocks++;
    wait = ra >= 0 ? ra : backoff_ms(f, r->waits);
    if (h->blocks >= (unsigned)o->block_threshold) {
        unsigned shift = h->pauses < MAX_PAUSE_SHIFT ? h->pauses : MAX_PAUSE_SHIFT;
        long long pause = (long long)o->host_pause_ms << shift;
        if (pause > wait)
            wait = pause;
        h->pauses++;
        h->blocks = 0;
        f->stats.pauses++;
        cv_log(&f->rt->log, CV_LOG_WARN, "%s keeps refusing (%s): leaving it alone for %lld s",
               h->origin, why, (wait + 999) / 1000);
    } else {
        cv_log(&f->rt->log, CV_LOG_INFO, "%s: %s; waiting %lld ms%s", r->url, why, wait,
               ra >= 0 ? " (Retry-After)" : "");
    }
    if (now + wait > h->paused_until)
        h->paused_until = now + wait;
    requeue(f, r, 0, 1);
}

/*
 * The real URL a Location header points to.  Real sites answer in real
 * space (absolute, or relative to the real URL); a mirror behind
 * --map-origin may answer in its own space ("/host/path/" relative to
 * what was fetched).  The mirror reading wins only when it maps back to
 * the same real host, the one case where the two cannot be confused.
 */
static char *redirect_target(struct cv_fetcher *f, struct req *r, const char *location)
{
    const struct cv_options *o = &f->rt->opt;
    char *fetched_abs = r->fetch_url ? cv_url_resolve(r->fetch_url, location) : NULL;
    char *mirror = fetched_abs ? cv_map_reverse(o->map, o->nmap, fetched_abs) : NULL;
    char *real = NULL, *canon;

    if (mirror) {
        char *a = cv_url_origin(mirror), *b = cv_url_origin(r->url);
        /* an absolute URL into the mirror is unambiguous; a relative one
         * is read in mirror space only if it stays on the same host */
        if (strstr(location, "://") || (a && b && !strcmp(a, b)))
            real = mirror;
        cv_free(a);
        cv_free(b);
    }
    if (!real) {
        cv_free(mirror);
        real = cv_url_resolve(r->url, location);
    }
    cv_free(fetched_abs);
    canon = real ? cv_url_canonical(real, NULL) : NULL;
    cv_free(real);
    return canon;
}

static void follow_redirect(struct cv_fetcher *f, struct req *r, long status)
{
    const struct cv_options *o = &f->rt->opt;
    struct curl_header *hdr;
    char *canon;
    struct host *h;

    if (curl_easy_header(r->easy, "Location", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK) {
        report(f, r, CV_EHTTP, status, "HTTP %ld without a Location", status);
        return;
    }
    if (r->redirects >= (unsigned)o->max_redirects) {
        report(f, r, CV_EREDIRECT, status, "more than %ld redirects", o->max_redirects);
        return;
    }
    canon = redirect_target(f, r, hdr->value);
    if (!canon) {
        report(f, r, CV_ESCHEME, status, "redirect to '%s', which is not an http(s) URL", hdr->value);
        return;
    }
    h = host_for(f, canon, r->host->delay_ms);
    if (!h) {
        cv_free(canon);
        report(f, r, CV_ENOMEM, status, "out of memory");
        return;
    }
    cv_log(&f->rt->log, CV_LOG_DEBUG, "%s: HTTP %ld to %s", r->url, status, canon);
    if (r->post && status != 307 && status != 308) {
        /* 301/302/303 after a POST: browsers fetch the target with a GET */
        r->post = 0;
        cv_free(r->req_body);
        r->req_body = NULL;
    }
    cv_free(r->url);
    r->url = canon;
    r->redirects++;
    r->host = h;
    requeue(f, r, 0, 0);
}

static int transient(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
        return 1;
    default:
        return 0;
    }
}

static void stop_transfer(struct cv_fetcher *f, struct req *r)
{
    for (struct req **pp = &f->running; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    r->next = NULL;
    curl_multi_remove_handle(f->multi, r->easy);
    f->inflight--;
    r->host->inflight--;
}

static void finish(struct cv_fetcher *f, struct req *r, CURLcode code)
{
    long status = 0;
    long long ra;
    char why[CURL_ERROR_SIZE + 64];

    stop_transfer(f, r);
    /* The gap runs from the end of this answer, not from the start of the
     * request: whatever the latencies, the host then never sees two of
     * our requests closer than its delay. */
    if (r->host->next_ok < cv_now_ms() + r->host->delay_ms)
        r->host->next_ok = cv_now_ms() + r->host->delay_ms;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    f->stats.bytes += r->body.len;

    if (code != CURLE_OK) {
        if (r->too_big && r->is_robots && status >= 200 && status < 300) {
            /* RFC 9309: a robots.txt past the limit is read up to the limit */
            report(f, r, CV_OK, status, NULL);
            return;
        }
        if (r->too_big || code == CURLE_FILESIZE_EXCEEDED) {
            report(f, r, CV_ETOOBIG, status, "response larger than --max-bytes (%ld)",
                   f->rt->opt.max_bytes);
            return;
        }
        snprintf(why, sizeof(why), "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        if (transient(code))
            retry_error(f, r, 0, -1, why);
        else
            report(f, r, CV_ENET, 0, "%s", why);
        return;
    }
    ra = retry_after_ms(r->easy);
    if (status >= 300 && status < 400 && status != 304) {
        follow_redirect(f, r, status);
        return;
    }
    if (is_challenge(r->easy, status, &r->body)) {
        slow_down(f, r, status, ra, "bot challenge page", f->rt->opt.max_waits);
        return;
    }
    if (status >= 200 && status < 300) {
        r->host->blocks = 0;
        report(f, r, CV_OK, status, NULL);
        return;
    }
    snprintf(why, sizeof(why), "HTTP %ld", status);
    if (r->is_robots && status >= 400 && status < 500 && status != 429) {
        /* RFC 9309: robots.txt "unavailable" (4xx) means no restrictions */
        report(f, r, CV_EHTTP, status, "%s", why);
        return;
    }
    /* A 403 may be a WAF slowing us down or a page that is simply
     * forbidden: it counts towards pausing the host, and the URL gets one
     * more try after the wait, not --max-waits of them.  A 403 in JSON to
     * a POST is an API refusing this request (WordPress's expired nonce):
     * final, and no reason to make the whole host wait. */
    if (status == 403 && r->post && is_json(r->easy)) {
        report(f, r, CV_EHTTP, status, "%s (the API refused the request)", why);
        return;
    }
    if (status == 429 || status == 403)
        slow_down(f, r, status, ra, why, status == 403 ? 1 : f->rt->opt.max_waits);
    else if (status >= 500 || status == 408)
        retry_error(f, r, status, ra, why);
    else
        report(f, r, CV_EHTTP, status, "%s", why);
}

/* --- scheduling ------------------------------------------------------------------ */

static void fetch_robots_first(struct cv_fetcher *f, struct host *h)
{
    char url[2048];
    struct req *r;

    snprintf(url, sizeof(url), "%s/robots.txt", h->origin);
    r = req_new(url, NULL, 1);
    if (!r) {
        robots_settle(f, h, cv_robots_allow_all(), NULL);
        return;
    }
    h->robots_state = ROBOTS_FETCHING;
    r->robots_owner = h;
    enqueue(f, h, r, 1);
}

static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : "/";
}

/* Start what may start now; return the earliest time something else may
 * (LLONG_MAX when nothing waits on a clock). */
static long long schedule(struct cv_fetcher *f)
{
    long long now = cv_now_ms(), wake = LLONG_MAX;
    long concurrency = f->rt->opt.concurrency;

    for (struct host *h = f->hosts; h; h = h->next) {
        int per_host = h->delay_ms > 0 ? 1 : (int)concurrency;
        struct req *prev = NULL, *r;

        if (!h->head)
            continue;
        if (h->robots_state == ROBOTS_UNKNOWN)
            fetch_robots_first(f, h);
        while (h->head && f->inflight < concurrency && h->inflight < per_host) {
            long long gate = h->next_ok > h->paused_until ? h->next_ok : h->paused_until;
            if (now < gate) {
                if (gate < wake)
                    wake = gate;
                break;
            }
            /* First request of the queue that is due (robots.txt always leads). */
            for (prev = NULL, r = h->head; r; prev = r, r = r->next) {
                if (h->robots_state == ROBOTS_FETCHING && !r->is_robots)
                    continue;
                if (r->not_before <= now)
                    break;
                if (r->not_before < wake)
                    wake = r->not_before;
            }
            if (!r)
                break;
            unlink_req(f, h, r, prev);
            if (!r->is_robots && h->robots && !cv_robots_allowed(h->robots, path_of(r->url))) {
                f->stats.robots_denied++;
                report(f, r, CV_EROBOTS, 0, "disallowed by %s/robots.txt", h->origin);
                continue;
            }
            if (start(f, r) < 0) {
                report(f, r, CV_ENOMEM, 0, "could not start the transfer");
                continue;
            }
            h->next_ok = now + h->delay_ms;
        }
    }
    return wake;
}

/* After a stop: every URL still queued or in flight is reported cancelled. */
static void cancel_all(struct cv_fetcher *f)
{
    while (f->running) {
        struct req *r = f->running;
        stop_transfer(f, r);
        report(f, r, CV_ECANCEL, 0, "cancelled");
    }
    for (struct host *h = f->hosts; h; h = h->next) {
        while (h->head) {
            struct req *r = h->head;
            unlink_req(f, h, r, NULL);
            report(f, r, CV_ECANCEL, 0, "cancelled");
        }
    }
}

int cv_fetcher_run(struct cv_fetcher *f, cv_fetch_done_fn done, void *ctx)
{
    f->done = done;
    f->ctx = ctx;
    while (!f->stopped && (f->queued || f->inflight)) {
        long long wake, now;

        if (f->stop_flag && *f->stop_flag) {
            f->stopped = 1;
            break;
        }
        wake = schedule(f);
        now = cv_now_ms();
        long curl_timeout = -1;
        int timeout_ms = 1000, running;
        CURLMsg *msg;
        int left;

        if (wake != LLONG_MAX)
            timeout_ms = wake > now ? (int)(wake - now < 1000 ? wake - now : 1000) : 0;
        curl_multi_timeout(f->multi, &curl_timeout);
        if (curl_timeout >= 0 && curl_timeout < timeout_ms)
            timeout_ms = (int)curl_timeout;
        if (f->inflight) {
            if (curl_multi_poll(f->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK)
                goto fail;
        } else if (timeout_ms > 0) {
            /* Nothing in flight: everything waits on a host's clock. */
            struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (curl_multi_perform(f->multi, &running) != CURLM_OK)
            goto fail;
        while ((msg = curl_multi_info_read(f->multi, &left))) {
            struct req *r;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            finish(f, r, msg->data.result);
        }
    }
    if (f->stopped)
        cancel_all(f);
    return 0;
fail:
    /* every URL is still reported, so callers free what they attached */
    cancel_all(f);
    return -1;
}
