/*
 * record.c -- record fields, their normalisation and their order.
 *
 * The field table below is the single description of the record format:
 * carvest(1) RECORDS and carvest-lua(7) document the same list.  Adding a
 * field means adding a row here (and a line in those pages).
 */
#include "record.h"
#include "buf.h"
#include "mem.h"
#include "norm.h"
#include "str.h"
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind {
    K_TEXT,       /* one line, whitespace squashed */
    K_LONGTEXT,   /* paragraphs kept: blank line between them */
    K_MAKE,       /* text; known makes get their canonical spelling */
    K_INT,        /* an integer, "#211,372" reads 211372 */
    K_YEAR,       /* a year 1885..2100 */
    K_PRICE,      /* amount; sets currency (and price_original) from text */
    K_CURRENCY,   /* ISO 4217 */
    K_BOOL,
    K_URL,        /* absolute canonical URL */
    K_ORIGIN,     /* scheme://host[:port] */
    K_URLS,       /* list of absolute canonical URLs, no duplicates */
    K_DATE,       /* YYYY-MM-DD (UTC) */
    K_DATETIME,   /* YYYY-MM-DDTHH:MM:SSZ */
    K_MILEAGE,    /* number shown; sets mileage_unit and mileage_tmu from text */
    K_UNIT,       /* "mi" or "km" */
    K_VIN,        /* VIN or chassis as shown; placeholders ignored */
    K_STATUS,     /* listing status vocabulary */
    K_COUNTRY,    /* ISO 3166 alpha-2 */
    K_REGION,     /* state/province code when known, else the text */
    K_EMAIL,
    K_PHONE
};

#define B (1u << CV_RECORD_BUSINESS)
#define V (1u << CV_RECORD_VEHICLE)
#define I (1u << CV_RECORD_IMAGE)

struct field {
    const char *name;
    unsigned types;
    enum kind kind;
};

/* Output order: "type" first, then this table's order. */
static const struct field fields[] = {
    {"source", B | V | I, K_TEXT},
    /* business */
    {"name", B, K_TEXT},
    {"website", B, K_ORIGIN},
    {"source_url", B, K_URL},
    {"referral_url", B, K_URL},
    {"city", B, K_TEXT},
    {"state", B, K_REGION},
    {"country", B, K_COUNTRY},
    {"geographic_key", B, K_TEXT},
    {"business_type", B, K_TEXT},
    {"bat_username", B, K_TEXT},
    {"classic_com_profile", B, K_URL},
    {"phone", B, K_PHONE},
    {"email", B, K_EMAIL},
    {"logo_url", B, K_URL},
    {"favicon_url", B, K_URL},
    {"banner_url", B, K_URL},
    {"inventory_url", B, K_URL},
    {"sold_inventory_url", B, K_URL},
    /* vehicle */
    {"url", V | I, K_URL},
    {"vehicle_url", I, K_URL},
    {"position", I, K_INT},
    {"caption", I, K_TEXT},
    {"title", V, K_TEXT},
    {"year", V, K_YEAR},
    {"make", V, K_MAKE},
    {"model", V, K_TEXT},
    {"trim", V, K_TEXT},
    {"vin", V, K_VIN},
    {"listing_status", V, K_STATUS},
    {"no_reserve", V, K_BOOL},
    {"asking_price", V, K_PRICE},
    {"sale_price", V, K_PRICE},
    {"high_bid", V, K_PRICE},
    {"currency", V, K_CURRENCY},
    {"price_original", V, K_TEXT},
    {"sale_date", V, K_DATE},
    {"auction_end", V, K_DATETIME},
    {"lot_number", V, K_INT},
    {"mileage", V, K_MILEAGE},
    {"mileage_unit", V, K_UNIT},
    {"mileage_tmu", V, K_BOOL},
    {"exterior_color", V, K_TEXT},
    {"interior_color", V, K_TEXT},
    {"engine", V, K_TEXT},
    {"transmission", V, K_TEXT},
    {"body_style", V, K_TEXT},
    {"location", V, K_TEXT},
    {"seller", V, K_TEXT},
    {"buyer", V, K_TEXT},
    {"organization", V, K_TEXT},
    {"stock_number", V, K_TEXT},
    {"bid_count", V, K_INT},
    {"comment_count", V, K_INT},
    {"view_count", V, K_INT},
    {"watcher_count", V, K_INT},
    {"images", V, K_URLS},
    {"description", V, K_LONGTEXT},
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct field *find_field(enum cv_record_type type, const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if ((fields[i].types & (1u << type)) && !strcmp(fields[i].name, name))
            return &fields[i];
    return NULL;
}

int cv_record_has_field(enum cv_record_type type, const char *field)
{
    return find_field(type, field) != NULL;
}

size_t cv_record_field_names(enum cv_record_type type, const char **out, size_t max)
{
    size_t n = 0;

    if (n < max)
        out[n] = "type";
    n++;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!(fields[i].types & (1u << type)))
            continue;
        if (n < max)
            out[n] = fields[i].name;
        n++;
    }
    return n;
}

const char *cv_record_type_name(enum cv_record_type type)
{
    switch (type) {
    case CV_RECORD_BUSINESS: return "business";
    case CV_RECORD_VEHICLE: return "vehicle";
    case CV_RECORD_IMAGE: return "image";
    }
    return "?";
}

enum cv_record_type cv_record_type_from_name(const char *name)
{
    if (!name)
        return 0;
    if (!strcmp(name, "business"))
        return CV_RECORD_BUSINESS;
    if (!strcmp(name, "vehicle"))
        return CV_RECORD_VEHICLE;
    if (!strcmp(name, "image"))
        return CV_RECORD_IMAGE;
    return 0;
}

struct cv_record *cv_record_new(enum cv_record_type type, const char *base_url)
{
    struct cv_record *r;

    if (type != CV_RECORD_BUSINESS && type != CV_RECORD_VEHICLE && type != CV_RECORD_IMAGE)
        return NULL;
    r = cv_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->type = type;
    r->fields = json_object();
    if (base_url)
        r->base_url = cv_strdup(base_url);
    if (!r->fields || (base_url && !r->base_url)) {
        cv_record_free(r);
        return NULL;
    }
    return r;
}

void cv_record_free(struct cv_record *r)
{
    if (!r)
        return;
    json_decref(r->fields);
    cv_free(r->base_url);
    cv_free(r);
}

json_t *cv_record_get(const struct cv_record *r, const char *field)
{
    return json_object_get(r->fields, field);
}

/* --- value readers -------------------------------------------------------- */

static int put(struct cv_record *r, const char *name, json_t *v, char *errbuf, size_t errlen)
{
    if (!v || json_object_set_new(r->fields, name, v) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Is s valid UTF-8 (as jansson requires)? */
static int utf8_valid(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    while (*u) {
        size_t k = *u < 0x80 ? 0 : (*u & 0xE0) == 0xC0 && *u >= 0xC2 ? 1
                 : (*u & 0xF0) == 0xE0 ? 2 : (*u & 0xF8) == 0xF0 && *u <= 0xF4 ? 3 : 9;
        if (k == 9)
            return 0;
        for (size_t i = 1; i <= k; i++)
            if ((u[i] & 0xC0) != 0x80)
                return 0;
        u += k + 1;
    }
    return 1;
}

static int put_string(struct cv_record *r, const char *name, const char *s,
                      char *errbuf, size_t errlen)
{
    json_t *v = json_string(s);

    if (!v) {
        /* jansson refuses invalid UTF-8; pages may carry it. */
        if (!utf8_valid(s))
            snprintf(errbuf, errlen, "%s: text is not valid UTF-8", name);
        else
            snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    return put(r, name, v, errbuf, errlen);
}

/* First integer in text, thousands separators allowed ("#211,372",
 * "26,541 views", "Lot 83").  0 on success. */
static int first_integer(const char *s, long long *out)
{
    long long v = 0;
    int digits = 0;

    while (*s && !(*s >= '0' && *s <= '9'))
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (v > 99999999999999LL)
                return -1;
            v = v * 10 + (*s - '0');
            digits++;
        } else if (*s == ',' && s[1] >= '0' && s[1] <= '9' && digits) {
            continue;
        } else {
            break;
        }
    }
    if (!digits)
        return -1;
    *out = v;
    return 0;
}

static int first_year(const char *s, long long *out)
{
    for (const char *p = s; *p; p++) {
        if (p > s && p[-1] >= '0' && p[-1] <= '9')
            continue;
        if (p[0] >= '1' && p[0] <= '2' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
            p[2] <= '9' && p[3] >= '0' && p[3] <= '9' && !(p[4] >= '0' && p[4] <= '9')) {
            long long y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            if (y >= 1885 && y <= 2100) {
                *out = y;
                return 0;
            }
        }
    }
    return -1;
}

static int parse_boolean(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "y", "1", "on"};
    static const char *const no[] = {"false", "no", "n", "0", "off"};

    for (size_t i = 0; i < 5; i++) {
        if (!cv_ascii_casecmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!cv_ascii_casecmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* The status vocabulary: what sites write, and what it means. */
static const char *status_of(const char *s)
{
    static const char *const map[][2] = {
        {"for_sale", "for_sale"}, {"live", "live"}, {"sold", "sold"},
        {"not_sold", "not_sold"}, {"withdrawn", "withdrawn"}, {"off_market", "off_market"},
        {"for sale", "for_sale"}, {"available", "for_sale"}, {"in stock", "for_sale"},
        {"instock", "for_sale"}, {"limitedavailability", "for_sale"}, {"preorder", "for_sale"},
        {"instoreonly", "for_sale"}, {"onlineonly", "for_sale"},
        {"current bid", "live"}, {"bidding", "live"}, {"active", "live"},
        {"live auction", "live"},
        {"sold for", "sold"}, {"soldout", "sold"}, {"sold out", "sold"},
        {"not sold", "not_sold"}, {"bid to", "not_sold"}, {"reserve not met", "not_sold"},
        {"no sale", "not_sold"}, {"unsold", "not_sold"}, {"high bid", "not_sold"},
        {"cancelled", "withdrawn"}, {"canceled", "withdrawn"},
        {"off market", "off_market"}, {"last asking", "off_market"}, {"delisted", "off_market"},
        {"outofstock", "off_market"}, {"discontinued", "off_market"},
    };
    const char *t = s;

    /* schema.org availability URLs */
    if (cv_starts_with_ci(t, "https://schema.org/"))
        t += 19;
    else if (cv_starts_with_ci(t, "http://schema.org/"))
        t += 18;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!cv_ascii_casecmp(t, map[i][0]))
            return map[i][1];
    return NULL;
}

static char *long_text(const char *s)
{
    struct cv_buf b;
    int newlines = 0;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) : strlen(s);
        char *line = cv_squashn(s, n);
        if (!line)
            goto oom;
        if (*line) {
            if (b.len && cv_buf_puts(&b, newlines > 1 ? "\n\n" : "\n") < 0) {
                cv_free(line);
                goto oom;
            }
            if (cv_buf_puts(&b, line) < 0) {
                cv_free(line);
                goto oom;
            }
            newlines = 0;
        }
        cv_free(line);
        if (!eol)
            break;
        newlines++;
        s = eol + 1;
    }
    return cv_buf_take(&b);
oom:
    cv_buf_free(&b);
    return NULL;
}

static char *absolute_url(const struct cv_record *r, const char *text)
{
    char *abs = r->base_url ? cv_url_resolve(r->base_url, text) : NULL;
    char *canon;

    /* No base, or one links cannot be resolved against (a saved file run
     * without --url): absolute URLs are still good. */
    if (!abs)
        abs = cv_strdup(text);

    if (!abs)
        return NULL;
    canon = cv_url_canonical(abs, NULL);
    cv_free(abs);
    return canon;
}

static int set_price(struct cv_record *r, const struct field *f, const char *text,
                     char *errbuf, size_t errlen)
{
    struct cv_price p;
    int rc = cv_parse_price(text, &p);

    if (rc == 0)
        return 0;
    if (rc < 0) {
        snprintf(errbuf, errlen, "%s: cannot read a price in '%s'", f->name, text);
        return -1;
    }
    if (put(r, f->name, json_integer(p.amount), errbuf, errlen) < 0)
        return -1;
    if (p.currency[0] && !cv_record_get(r, "currency") &&
        put_string(r, "currency", p.currency, errbuf, errlen) < 0)
        return -1;
    if (p.original_currency[0] && !cv_record_get(r, "price_original")) {
        char orig[48];
        snprintf(orig, sizeof(orig), "%s %lld", p.original_currency, p.original_amount);
        if (put_string(r, "price_original", orig, errbuf, errlen) < 0)
            return -1;
    }
    return 0;
}

static int set_mileage(struct cv_record *r, const char *text, char *errbuf, size_t errlen)
{
    struct cv_mileage m;

    if (cv_parse_mileage(text, &m) != 1) {
        /* "TMU" alone: no number, only the flag (a value already set stays). */
        if (m.tmu)
            return cv_record_get(r, "mileage_tmu") ? 0 :
                   put(r, "mileage_tmu", json_true(), errbuf, errlen);
        snprintf(errbuf, errlen, "mileage: cannot read a mileage in '%s'", text);
        return -1;
    }
    if (put(r, "mileage", json_integer(m.value), errbuf, errlen) < 0)
        return -1;
    if (!cv_record_get(r, "mileage_unit") && put_string(r, "mileage_unit", m.unit, errbuf, errlen) < 0)
        return -1;
    if (!cv_record_get(r, "mileage_tmu") &&
        put(r, "mileage_tmu", json_boolean(m.tmu), errbuf, errlen) < 0)
        return -1;
    return 0;
}

static int add_url(struct cv_record *r, const struct field *f, const char *text,
                   char *errbuf, size_t errlen)
{
    json_t *list = cv_record_get(r, f->name), *item;
    char *url = absolute_url(r, text);
    size_t i;
    int rc = -1;

    if (!url) {
        snprintf(errbuf, errlen, "%s: '%s' is not an http(s) URL", f->name, text);
        return -1;
    }
    if (!list) {
        list = json_array();
        if (put(r, f->name, list, errbuf, errlen) < 0)
            goto out;
    }
    json_array_foreach(list, i, item)
        if (!strcmp(json_string_value(item), url)) {
            rc = 0;
            goto out;
        }
    if (json_array_append_new(list, json_string(url)) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cv_free(url);
    return rc;
}

static int unknown_field(const struct cv_record *r, const char *field, char *errbuf, size_t errlen)
{
    snprintf(errbuf, errlen, "%s %s record has no field '%s'",
             r->type == CV_RECORD_IMAGE ? "an" : "a", cv_record_type_name(r->type), field);
    return 1;
}

int cv_record_set_text(struct cv_record *r, const char *field, const char *text,
                       char *errbuf, size_t errlen)
{
    const struct field *f = find_field(r->type, field);
    char *s = NULL, *url;
    long long n;
    int b, rc = -1;
    const char *code, *country;

    if (!f)
        return unknown_field(r, field, errbuf, errlen);
    if (!text)
        return 0;
    s = cv_squash(text);
    if (!s) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    if (!*s) {
        rc = 0;
        goto out;
    }
    switch (f->kind) {
    case K_TEXT:
        rc = put_string(r, f->name, s, errbuf, errlen);
        break;
    case K_LONGTEXT: {
        char *t = long_text(text);
        if (t)
            rc = put_string(r, f->name, t, errbuf, errlen);
        else
            snprintf(errbuf, errlen, "out of memory");
        cv_free(t);
        break;
    }
    case K_MAKE:
        code = cv_canonical_make(s);
        rc = put_string(r, f->name, code ? code : s, errbuf, errlen);
        break;
    case K_INT:
        if (first_integer(s, &n) < 0) {
            snprintf(errbuf, errlen, "%s: no number in '%s'", f->name, s);
            break;
        }
        rc = put(r, f->name, json_integer(n), errbuf, errlen);
        break;
    case K_YEAR:
        if (first_year(s, &n) < 0) {
            snprintf(errbuf, errlen, "%s: no year in '%s'", f->name, s);
            break;
        }
        rc = put(r, f->name, json_integer(n), errbuf, errlen);
        break;
    case K_PRICE:
        rc = set_price(r, f, s, errbuf, errlen);
        break;
    case K_CURRENCY: {
        char c[4];
        if (strlen(s) != 3 || !((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z') ||
            !((s[1] | 32) >= 'a' && (s[1] | 32) <= 'z') || !((s[2] | 32) >= 'a' && (s[2] | 32) <= 'z')) {
            snprintf(errbuf, errlen, "currency: '%s' is not an ISO 4217 code", s);
            break;
        }
        for (int i = 0; i < 3; i++)
            c[i] = (char)(s[i] & ~32);
        c[3] = '\0';
        rc = put_string(r, f->name, c, errbuf, errlen);
        break;
    }
    case K_BOOL:
        if (parse_boolean(s, &b) < 0) {
            snprintf(errbuf, errlen, "%s: '%s' is not true or false", f->name, s);
            break;
        }
        rc = put(r, f->name, json_boolean(b), errbuf, errlen);
        break;
    case K_URL:
        url = absolute_url(r, s);
        if (!url) {
            snprintf(errbuf, errlen, "%s: '%s' is not an http(s) URL", f->name, s);
            break;
        }
        rc = put_string(r, f->name, url, errbuf, errlen);
        cv_free(url);
        break;
    case K_ORIGIN: {
        char *abs = absolute_url(r, s);
        url = abs ? cv_url_origin(abs) : NULL;
        cv_free(abs);
        if (!url) {
            snprintf(errbuf, errlen, "%s: '%s' is not an http(s) URL", f->name, s);
            break;
        }
        rc = put_string(r, f->name, url, errbuf, errlen);
        cv_free(url);
        break;
    }
    case K_URLS:
        rc = add_url(r, f, s, errbuf, errlen);
        break;
    case K_DATE:
    case K_DATETIME: {
        long long t = cv_parse_date(s);
        char out[21];
        if (t == -1) {
            snprintf(errbuf, errlen, "%s: cannot read a date in '%s'", f->name, s);
            break;
        }
        if (f->kind == K_DATE)
            cv_format_date(t, out);
        else
            cv_format_datetime(t, out);
        rc = put_string(r, f->name, out, errbuf, errlen);
        break;
    }
    case K_MILEAGE:
        rc = set_mileage(r, s, errbuf, errlen);
        break;
    case K_UNIT:
        if (!cv_ascii_casecmp(s, "mi") || !cv_ascii_casecmp(s, "miles") ||
            !cv_ascii_casecmp(s, "mile") || !cv_ascii_casecmp(s, "smi"))
            rc = put_string(r, f->name, "mi", errbuf, errlen);
        else if (!cv_ascii_casecmp(s, "km") || !cv_ascii_casecmp(s, "kms") ||
                 !cv_ascii_casecmp(s, "kilometers") || !cv_ascii_casecmp(s, "kilometres") ||
                 !cv_ascii_casecmp(s, "kmt"))
            rc = put_string(r, f->name, "km", errbuf, errlen);
        else
            snprintf(errbuf, errlen, "mileage_unit: '%s' is neither miles nor kilometres", s);
        break;
    case K_VIN:
        if (cv_vin_kind(s) == CV_VIN_NONE) {
            rc = 0;
            break;
        }
        rc = put_string(r, f->name, s, errbuf, errlen);
        break;
    case K_STATUS:
        code = status_of(s);
        if (!code) {
            snprintf(errbuf, errlen, "listing_status: '%s' is not a known status "
                     "(for_sale, live, sold, not_sold, withdrawn, off_market)", s);
            break;
        }
        rc = put_string(r, f->name, code, errbuf, errlen);
        break;
    case K_COUNTRY:
        code = cv_country_code(s);
        if (!code) {
            snprintf(errbuf, errlen, "country: '%s' is not a known country", s);
            break;
        }
        rc = put_string(r, f->name, code, errbuf, errlen);
        break;
    case K_REGION:
        code = cv_region_code(s, &country);
        rc = put_string(r, f->name, code ? code : s, errbuf, errlen);
        break;
    case K_EMAIL: {
        const char *e = cv_starts_with_ci(s, "mailto:") ? s + 7 : s;
        char *q = strchr(e, '?');
        if (q)
            *q = '\0';
        if (!strchr(e, '@') || strchr(e, ' ')) {
            snprintf(errbuf, errlen, "email: '%s' is not an e-mail address", e);
            break;
        }
        rc = put_string(r, f->name, e, errbuf, errlen);
        break;
    }
    case K_PHONE:
        rc = put_string(r, f->name, cv_starts_with_ci(s, "tel:") ? s + 4 : s, errbuf, errlen);
        break;
    }
out:
    cv_free(s);
    return rc;
}

int cv_record_set_int(struct cv_record *r, const char *field, long long v,
                      char *errbuf, size_t errlen)
{
    const struct field *f = find_field(r->type, field);
    char out[21];

    if (!f)
        return unknown_field(r, field, errbuf, errlen);
    switch (f->kind) {
    case K_YEAR:
        if (v < 1885 || v > 2100) {
            snprintf(errbuf, errlen, "year: %lld is not a plausible year", v);
            return -1;
        }
        return put(r, f->name, json_integer(v), errbuf, errlen);
    case K_INT:
    case K_PRICE:
    case K_MILEAGE:
        if (v < 0) {
            snprintf(errbuf, errlen, "%s: %lld is negative", f->name, v);
            return -1;
        }
        return put(r, f->name, json_integer(v), errbuf, errlen);
    case K_BOOL:
        return put(r, f->name, json_boolean(v != 0), errbuf, errlen);
    case K_DATE:
        cv_format_date(v, out);
        return put_string(r, f->name, out, errbuf, errlen);
    case K_DATETIME:
        cv_format_datetime(v, out);
        return put_string(r, f->name, out, errbuf, errlen);
    default:
        snprintf(out, sizeof(out), "%lld", v);
        return cv_record_set_text(r, field, out, errbuf, errlen);
    }
}

int cv_record_set_bool(struct cv_record *r, const char *field, int v,
                       char *errbuf, size_t errlen)
{
    const struct field *f = find_field(r->type, field);

    if (!f)
        return unknown_field(r, field, errbuf, errlen);
    if (f->kind != K_BOOL) {
        snprintf(errbuf, errlen, "%s is not a true/false field", field);
        return 1;
    }
    return put(r, f->name, json_boolean(v), errbuf, errlen);
}

int cv_record_add(struct cv_record *r, const char *field, const char *text,
                  char *errbuf, size_t errlen)
{
    const struct field *f = find_field(r->type, field);

    if (!f)
        return unknown_field(r, field, errbuf, errlen);
    if (f->kind != K_URLS) {
        snprintf(errbuf, errlen, "%s is not a list field", field);
        return 1;
    }
    return cv_record_set_text(r, field, text, errbuf, errlen);
}

/* --- finishing -------------------------------------------------------------- */

static const char *get_str(const struct cv_record *r, const char *name)
{
    return json_string_value(cv_record_get(r, name));
}

/* Fill year/make/model/trim (and no_reserve) from the title where the
 * source did not set them.  Trim is taken only when the model placement is
 * known, so nothing is invented. */
static int derive_from_title(struct cv_record *r, char *errbuf, size_t errlen)
{
    const char *title = get_str(r, "title");
    const char *model = get_str(r, "model");
    struct cv_title t;

    if (!title)
        return 0;
    cv_parse_title(title, model, &t);
    if (!t.year)
        return 0;
    /* A title naming another make than the source's describes something
     * else (a comparison, a mislabelled page): take nothing from it. */
    if (get_str(r, "make") && t.make[0] && cv_ascii_casecmp(get_str(r, "make"), t.make))
        return 0;
    if (!cv_record_get(r, "year") && put(r, "year", json_integer(t.year), errbuf, errlen) < 0)
        return -1;
    if (!cv_record_get(r, "make") && t.make[0] && put_string(r, "make", t.make, errbuf, errlen) < 0)
        return -1;
    if (!model && t.model[0] && put_string(r, "model", t.model, errbuf, errlen) < 0)
        return -1;
    /* The trim is what follows the model in the title; if the title does not
     * place the source's model, it has no trim we can vouch for. */
    if (!cv_record_get(r, "trim") && t.trim[0] && (!model || !cv_ascii_casecmp(model, t.model)) &&
        put_string(r, "trim", t.trim, errbuf, errlen) < 0)
        return -1;
    if (t.no_reserve && !cv_record_get(r, "no_reserve") &&
        put(r, "no_reserve", json_true(), errbuf, errlen) < 0)
        return -1;
    return 0;
}

int cv_record_finish(struct cv_record *r, const char *source, const char *page_url,
                     char *errbuf, size_t errlen)
{
    if (source && put_string(r, "source", source, errbuf, errlen) < 0)
        return -1;
    switch (r->type) {
    case CV_RECORD_VEHICLE:
        /* A saved file run without --url (extract, debugging) is its own
         * identity; anything else must be an http(s) URL. */
        if (!cv_record_get(r, "url") && page_url &&
            (cv_starts_with(page_url, "file://")
                 ? put_string(r, "url", page_url, errbuf, errlen)
                 : cv_record_set_text(r, "url", page_url, errbuf, errlen)) != 0)
            return -1;
        if (derive_from_title(r, errbuf, errlen) < 0)
            return -1;
        if (!cv_record_get(r, "url")) {
            snprintf(errbuf, errlen, "vehicle record has no url");
            return -1;
        }
        if (!cv_record_get(r, "title") && !cv_record_get(r, "make") && !cv_record_get(r, "vin")) {
            snprintf(errbuf, errlen, "vehicle record %s has no title, make or VIN",
                     get_str(r, "url"));
            return -1;
        }
        break;
    case CV_RECORD_BUSINESS:
        /* where the business was read, unless the source says otherwise */
        if (!cv_record_get(r, "source_url") && page_url && !cv_starts_with(page_url, "file://") &&
            cv_record_set_text(r, "source_url", page_url, errbuf, errlen) != 0)
            return -1;
        if (!cv_record_get(r, "name")) {
            snprintf(errbuf, errlen, "business record has no name");
            return -1;
        }
        break;
    case CV_RECORD_IMAGE:
        if (!cv_record_get(r, "url")) {
            snprintf(errbuf, errlen, "image record has no url");
            return -1;
        }
        break;
    }
    return 0;
}

json_t *cv_record_to_json(const struct cv_record *r)
{
    json_t *o = json_object();

    if (!o || json_object_set_new(o, "type", json_string(cv_record_type_name(r->type))) < 0)
        goto fail;
    for (size_t i = 0; i < NFIELDS; i++) {
        json_t *v;
        if (!(fields[i].types & (1u << r->type)))
            continue;
        v = json_object_get(r->fields, fields[i].name);
        if (v && json_object_set(o, fields[i].name, v) < 0)
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}
