/*
 * bat_listing.c -- source "bat-listing": one Bring a Trailer listing page
 * (https://bringatrailer.com/listing/<slug>/) -> one vehicle record.
 *
 * BaT pages come in two layouts.  The current one has a "BaT Essentials"
 * block of div.item rows (<strong>Lot</strong> #n, <strong>Seller</strong>:
 * ...) and a "Listing Details" list; the legacy one (before 2022) has
 * ul.listing-essentials-items with positional li rows.  Both carry the
 * result table (#listing-bid), the taxonomy links (Make, Model), and the
 * photo gallery as entity-escaped JSON in data-gallery-items.
 *
 * Everything is read from the title, the result table, the essentials and
 * the gallery only: the sidebar lists other auctions with their own
 * prices, mileages and "Reserve Not Met" notes, and promo images sit next
 * to the gallery.  Nothing outside those blocks may leak into the record.
 */
#include <carvest/plugin.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ESSENTIALS "div.essentials, div.listing-essentials"
#define DETAILS_ITEMS \
    "div.essentials div.item ul > li, ul.listing-essentials-items > li.listing-essentials-item"

/* Text after "Label:" or "Label" at the start of s, or NULL.  The label
 * must end there: "Lot" is not the start of "Lotus Elan". */
static const char *after_label(const char *s, const char *label)
{
    size_t n = strlen(label);

    if (!s || strncasecmp(s, label, n) || isalnum((unsigned char)s[n]))
        return NULL;
    s += n;
    while (*s == ':' || *s == ' ' || *s == '#')
        s++;
    return s;
}

/* Username from a member link "https://bringatrailer.com/member/<u>/". */
static void member_name(const char *href, char *out, size_t outlen)
{
    const char *p = href ? strstr(href, "/member/") : NULL;
    size_t n = 0;

    out[0] = '\0';
    if (!p)
        return;
    p += 8;
    while (p[n] && p[n] != '/' && p[n] != '?' && p[n] != '#' && n + 1 < outlen)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* The link texts of the taxonomy groups: "Make Porsche" -> "Porsche". */
static const char *group_value(const struct cv_api *cv, struct cv_page *page, const char *label)
{
    const struct cv_nodes *groups = cv->css(page, NULL, "div.column-groups a.group-link");

    for (size_t i = 0; groups && i < groups->count; i++) {
        const char *name = cv->text(page, cv->css_first(page, groups->items[i],
                                                         "strong.group-title-label"));
        if (name && !strcasecmp(name, label)) {
            const char *v = after_label(cv->text(page, groups->items[i]), label);
            return v && *v ? v : NULL;
        }
    }
    return NULL;
}

/* BaT's model link reads "<Make> <Model>[ <years>]" ("Porsche 911 1964-1973");
 * the record wants the model alone. */
static void model_from_group(const char *group, const char *make, char *out, size_t outlen)
{
    size_t n;
    const char *s = group;

    out[0] = '\0';
    if (!group)
        return;
    if (make && !strncasecmp(s, make, strlen(make)) && s[strlen(make)] == ' ')
        s += strlen(make) + 1;
    snprintf(out, outlen, "%s", s);
    n = strlen(out);
    /* drop a trailing era "1964-1973" */
    if (n > 10 && out[n - 10] == ' ' && isdigit((unsigned char)out[n - 9]) && out[n - 5] == '-' &&
        isdigit((unsigned char)out[n - 1]))
        out[n - 10] = '\0';
}

/* Title without BaT's "for sale on BaT Auctions - ..." tail (for the
 * <title> fallback). */
static void clean_title(const char *t, char *out, size_t outlen)
{
    const char *cut;

    snprintf(out, outlen, "%s", t ? t : "");
    if ((cut = strstr(out, " for sale on BaT")) || (cut = strstr(out, " | Bring a Trailer")))
        out[cut - out] = '\0';
}

/* End of s[0..end) without a "-WIDTHxHEIGHT" suffix. */
static size_t without_dimensions(const char *s, size_t end)
{
    size_t i = end, h = 0, w = 0;

    while (i > 0 && isdigit((unsigned char)s[i - 1])) {
        i--;
        h++;
    }
    if (!h || i == 0 || s[i - 1] != 'x')
        return end;
    i--;
    while (i > 0 && isdigit((unsigned char)s[i - 1])) {
        i--;
        w++;
    }
    if (!w || i == 0 || s[i - 1] != '-')
        return end;
    return i - 1;
}

/* Gallery URLs come in sizes; the record wants the full-size original:
 * no query (?fit=, ?resize=), no "-scaled" and no "-WIDTHxHEIGHT" suffix
 * before the extension. */
static void full_size_url(const char *url, char *out, size_t outlen)
{
    size_t n = strcspn(url, "?#"), stem = n;

    for (size_t i = n; i > 0 && url[i - 1] != '/'; i--)
        if (url[i - 1] == '.') {
            stem = i - 1;
            break;
        }
    if (stem == n) {
        snprintf(out, outlen, "%.*s", (int)n, url);
        return;
    }
    /* stem..n is the extension */
    {
        size_t ext = stem;
        if (stem >= 7 && !strncmp(url + stem - 7, "-scaled", 7))
            stem -= 7;
        stem = without_dimensions(url, stem);
        snprintf(out, outlen, "%.*s%.*s", (int)stem, url, (int)(n - ext), url + ext);
    }
}

/* BaT's own promotional images that get mixed into galleries. */
static int is_noise_image(const char *url)
{
    static const char *const noise[] = {
        "qotw", "winner-template", "weekly-weird", "mile-marker", "podcast", "merch",
        "thumbnail-template", "site-post-", "/web-",
    };

    if (!strstr(url, "/wp-content/uploads/"))
        return 1;
    for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
        if (strstr(url, noise[i]))
            return 1;
    return strstr(url, ".svg") || strstr(url, ".pdf");
}

static void gallery(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    static const char *const sizes[] = {"full", "original", "large", "small"};
    struct cv_node *g = cv->css_first(page, NULL, "#bat_listing_page_photo_gallery [data-gallery-items]");
    json_t *items = g ? cv->json_attr(page, g, "data-gallery-items") : NULL;
    size_t i;
    json_t *item;
    char url[2048];
    int added = 0;

    json_array_foreach(items, i, item) {
        const char *u = NULL;
        for (size_t k = 0; !u && k < sizeof(sizes) / sizeof(sizes[0]); k++)
            u = json_string_value(json_object_get(json_object_get(item, sizes[k]), "url"));
        if (!u)
            u = json_string_value(json_object_get(item, "url"));
        if (!u)
            continue;
        full_size_url(u, url, sizeof(url));
        if (is_noise_image(url))
            continue;
        cv->add(r, "images", url);
        added++;
    }
    /* A gallery attribute that does not hold a JSON array (cut off or
     * mangled on the way) loses every photo but the hero: say so at the
     * default log level, since the core reports unreadable JSON only as
     * info and the record would otherwise look complete. */
    if (g && !json_is_array(items))
        cv->log(page, CV_LOG_WARN, "gallery JSON (data-gallery-items) is unreadable; "
                "falling back to the og:image");
    if (!added) {
        /* No gallery JSON: the hero image is better than nothing. */
        const char *og = cv->attr(page, cv->css_first(page, NULL, "meta[property='og:image']"), "content");
        if (og) {
            full_size_url(og, url, sizeof(url));
            if (!is_noise_image(url))
                cv->add(r, "images", url);
        }
    }
}

/* Classify one "Listing Details" line. */
static int is_engine(const char *s)
{
    static const char *const marks[] = {
        "-Liter", " Liter", "ci ", "cc ", "V6", "V8", "V10", "V12", "Inline-", "Flat-",
        "Straight-", "Rotary", "Electric Motor", "Cubic-Inch", "Turbocharged", "Supercharged",
    };
    size_t n = strlen(s);

    if (n > 80)
        return 0;
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (strstr(s, marks[i]))
            return 1;
    /* "201ci Inline-Four", "3.2L Flat-Six" */
    for (size_t i = 1; i + 1 < n; i++)
        if (isdigit((unsigned char)s[i - 1]) && (s[i] == 'L' || (s[i] == 'c' && s[i + 1] == 'i')) &&
            (s[i + 1] == ' ' || s[i + 1] == 'i'))
            return 1;
    return 0;
}

static int is_transmission(const char *s)
{
    static const char *const marks[] = {
        "Manual", "Automatic", "Transmission", "Transaxle", "Gearbox", "Sequential",
        "Dual-Clutch", "PDK", "CVT", "DCT", "-Speed",
    };

    if (strlen(s) > 80 || strstr(s, "Upholstery") || strstr(s, "Paint"))
        return 0;
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (strstr(s, marks[i]))
            return 1;
    return 0;
}

static int ends_with(const char *s, const char *suffix, size_t *stem)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    if (ls <= lx || strcmp(s + ls - lx, suffix))
        return 0;
    *stem = ls - lx;
    return 1;
}

static int is_mileage_line(const char *s)
{
    return (strstr(s, "Miles") || strstr(s, "Kilometers") || strstr(s, " km")) &&
           isdigit((unsigned char)s[0]) && strlen(s) < 80;
}

/* Essentials: lot, seller, location; and the details list. */
static void essentials(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    const struct cv_nodes *rows = cv->css(page, NULL,
        "div.essentials > div.item, ul.listing-essentials-items > li.listing-essentials-item");
    const struct cv_nodes *details = cv->css(page, NULL, DETAILS_ITEMS);
    int got_engine = 0, got_gearbox = 0;
    char buf[512];

    for (size_t i = 0; rows && i < rows->count; i++) {
        const char *text = cv->text(page, rows->items[i]);
        const char *v;
        if ((v = after_label(text, "Lot"))) {
            cv->set(r, "lot_number", v);
        } else if ((v = after_label(text, "Seller"))) {
            struct cv_node *a = cv->css_first(page, rows->items[i], "a[href*='/member/']");
            const char *href = cv->attr(page, a, "href");
            member_name(href, buf, sizeof(buf));
            cv->set(r, "seller", *buf ? buf : v);
            if (href)
                cv->set(r, "organization", href);
        } else if ((v = after_label(text, "Location"))) {
            cv->set(r, "location", v);
        }
    }
    for (size_t i = 0; details && i < details->count; i++) {
        const char *line = cv->text(page, details->items[i]);
        const char *v;
        size_t stem;
        if (!line || !*line)
            continue;
        if ((v = after_label(line, "Chassis")) || (v = after_label(line, "VIN"))) {
            cv->set(r, "vin", v);
        } else if (is_mileage_line(line)) {
            cv->set(r, "mileage", line);
        } else if (ends_with(line, " Paint", &stem) && stem < sizeof(buf)) {
            snprintf(buf, sizeof(buf), "%.*s", (int)stem, line);
            cv->set(r, "exterior_color", buf);
        } else if (ends_with(line, " Upholstery", &stem) && stem < sizeof(buf)) {
            snprintf(buf, sizeof(buf), "%.*s", (int)stem, line);
            cv->set(r, "interior_color", buf);
        } else if (!got_engine && is_engine(line)) {
            cv->set(r, "engine", line);
            got_engine = 1;
        } else if (!got_gearbox && is_transmission(line)) {
            cv->set(r, "transmission", line);
            got_gearbox = 1;
        }
    }
}

/* The sale date as the page gives it.  BaT states the end in Pacific time
 * ("March 14, 2025 at 7:12 PM PT"): an auction that ends in the evening
 * there ends on the next day in UTC, so the day of the data-ends Unix time
 * would be one day late.  The Unix time is only the fallback, for a text
 * that is not a date. */
static void sale_date(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    struct cv_node *ended = cv->css_first(page, NULL, "table#listing-bid [data-ends]");
    const char *text = cv->text(page, ended);
    const char *at = text ? strstr(text, " at ") : NULL;
    char day[64];

    if (text && *text && strlen(text) < sizeof(day)) {
        snprintf(day, sizeof(day), "%.*s", at ? (int)(at - text) : (int)strlen(text), text);
        if (cv->parse_date(day) != -1) {
            cv->set(r, "sale_date", day);
            return;
        }
    }
    cv->set(r, "sale_date", cv->attr(page, ended, "data-ends"));
}

/* The result table: status, prices, buyer, end time, bids. */
static void result(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    const struct cv_nodes *rows = cv->css(page, NULL, "table#listing-bid tr.listing-stats-stat");
    const char *status = NULL;
    char buf[128];

    for (size_t i = 0; rows && i < rows->count; i++) {
        const char *label = cv->text(page, cv->css_first(page, rows->items[i], "td.listing-stats-label"));
        struct cv_node *value = cv->css_first(page, rows->items[i], "td.listing-stats-value");
        const char *amount = cv->text(page, cv->css_first(page, value, "strong"));
        const char *buyer = cv->attr(page, cv->css_first(page, value, "a[href*='/member/']"), "href");
        struct cv_node *when;

        if (!label || !value)
            continue;
        if (!strcasecmp(label, "Sold") || !strcasecmp(label, "Winning Bid")) {
            status = "sold";
            cv->set(r, "sale_price", amount);
            cv->set(r, "high_bid", amount);
            member_name(buyer, buf, sizeof(buf));
            cv->set(r, "buyer", buf);
        } else if (!strcasecmp(label, "High Bid")) {
            status = "not_sold";
            cv->set(r, "high_bid", amount);
        } else if (!strcasecmp(label, "Current Bid")) {
            status = "live";
            cv->set(r, "high_bid", amount);
        } else if (!strcasecmp(label, "Status")) {
            const char *v = cv->text(page, value);
            if (v && strstr(v, "Withdrawn"))
                status = "withdrawn";
        } else if (!strcasecmp(label, "Bids")) {
            cv->set(r, "bid_count", cv->text(page, value));
        }
        /* End time: data-ends on ended auctions, the countdown's
         * data-timestamp on live ones (Unix seconds either way). */
        when = cv->css_first(page, value, "[data-ends], span.listing-end-time[data-timestamp]");
        if (when) {
            const char *t = cv->attr(page, when, "data-ends");
            if (!t)
                t = cv->attr(page, when, "data-timestamp");
            cv->set(r, "auction_end", t);
        }
    }
    if (!status) {
        /* Older pages without the table: the headline result line. */
        const char *info = cv->text(page, cv->css_first(page, NULL, "div.listing-available-info"));
        if (info && !strncasecmp(info, "Sold for", 8))
            status = "sold";
        else if (info && !strncasecmp(info, "Bid to", 6))
            status = "not_sold";
        else if (info && !strncasecmp(info, "Withdrawn", 9))
            status = "withdrawn";
        else if (info && !strncasecmp(info, "Current Bid", 11))
            status = "live";
    }
    if (status) {
        cv->set(r, "listing_status", status);
        if (!strcmp(status, "sold"))
            sale_date(cv, page, r);
    }
}

static void counts(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    const struct cv_nodes *labels = cv->css(page, NULL, "div.comments span.info-label");

    cv->set(r, "view_count", cv->text(page, cv->css_first(page, NULL,
        "#listing-actions-stats [data-stats-item='views']")));
    cv->set(r, "watcher_count", cv->text(page, cv->css_first(page, NULL,
        "#listing-actions-stats [data-stats-item='watchers']")));
    for (size_t i = 0; labels && i < labels->count; i++) {
        const char *l = cv->text(page, labels->items[i]);
        if (l && !strcasecmp(l, "Comments")) {
            cv->set(r, "comment_count", cv->xpath_string(page, labels->items[i],
                "string(preceding-sibling::span[contains(concat(' ',@class,' '),' info-value ')][1])"));
            break;
        }
    }
}

static void description(const struct cv_api *cv, struct cv_page *page, struct cv_record *r)
{
    const struct cv_nodes *paras = cv->css(page, NULL, "div.post-excerpt > p");
    char text[16384];
    size_t used = 0;

    text[0] = '\0';
    for (size_t i = 0; paras && i < paras->count; i++) {
        const char *p = cv->text(page, paras->items[i]);
        int n;
        if (!p || !*p)
            continue;   /* a paragraph holding only a video */
        n = snprintf(text + used, sizeof(text) - used, "%s%s", used ? "\n\n" : "", p);
        if (n < 0 || (size_t)n >= sizeof(text) - used)
            break;
        used += (size_t)n;
    }
    if (used)
        cv->set(r, "description", text);
    else
        cv->set(r, "description", cv->attr(page, cv->css_first(page, NULL,
            "meta[property='og:description']"), "content"));
}

static int extract(const struct cv_api *cv, struct cv_page *page)
{
    struct cv_record *r;
    const char *title, *make, *canonical;
    char buf[512], model[160];

    title = cv->text(page, cv->css_first(page, NULL, "h1.post-title"));
    if (!title || !*title)
        title = cv->attr(page, cv->css_first(page, NULL, "meta[property='og:title']"), "content");
    if (!title || !*title) {
        clean_title(cv->text(page, cv->css_first(page, NULL, "title")), buf, sizeof(buf));
        title = buf;
    }
    if (!*title && !cv->css_first(page, NULL, ESSENTIALS))
        return cv->fail(page, "not a BaT listing page (no title and no essentials)");

    r = cv->record(page, CV_RECORD_VEHICLE);
    if (!r)
        return -1;
    /* The page's own canonical link is the identity when it stays on BaT. */
    canonical = cv->attr(page, cv->css_first(page, NULL, "link[rel='canonical']"), "href");
    if (canonical && strstr(canonical, "://bringatrailer.com/listing/"))
        cv->set(r, "url", canonical);
    cv->set(r, "title", title);
    cv->set_bool(r, "no_reserve", !strncasecmp(title, "No Reserve", 10));
    /* BaT runs every auction in US dollars, even a withdrawn one that
     * shows no figure at all. */
    cv->set(r, "currency", "USD");

    make = group_value(cv, page, "Make");
    cv->set(r, "make", make);
    model_from_group(group_value(cv, page, "Model"), make, model, sizeof(model));
    if (!*model) {
        /* legacy layout: the category tag "Lotus Elan" */
        model_from_group(cv->text(page, cv->css_first(page, NULL,
            "li.listing-essentials-item-categories a[rel='category tag']")), make, model, sizeof(model));
    }
    if (*model && strcasestr(title, model))
        cv->set(r, "model", model);

    essentials(cv, page, r);
    result(cv, page, r);
    counts(cv, page, r);
    gallery(cv, page, r);
    description(cv, page, r);
    return cv->emit(r);
}

static const char *const claims[] = {"bringatrailer.com/listing/*", NULL};

static const struct cv_source source = {
    .abi_version = CV_ABI_VERSION,
    .name = "bat-listing",
    .version = "1.0.0",
    .description = "Bring a Trailer listing page: one vehicle (both page layouts)",
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
