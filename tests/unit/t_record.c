/*
 * t_record.c -- unit tests for core/record.c: every field kind through
 * cv_record_set_text / _set_int / _set_bool / _add with the strings real
 * pages print (prices and currencies, mileages, statuses, VINs, URLs,
 * dates, countries, e-mail), unknown fields, cv_record_finish (defaults,
 * what the title gives, validation), cv_record_to_json key order,
 * cv_record_field_names, and allocation-failure sweeps with jansson
 * allocating through cv_malloc.
 */
#include "../tap.h"
#include "mem.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

#define BASE "https://bringatrailer.com/listing/1967-porsche-911s/"

static char err[512];

/* --- helpers ------------------------------------------------------------------ */

static struct cv_record *vehicle(void)
{
    return cv_record_new(CV_RECORD_VEHICLE, BASE);
}

static int set(struct cv_record *r, const char *field, const char *text)
{
    err[0] = '\0';
    return cv_record_set_text(r, field, text, err, sizeof(err));
}

static int set_int(struct cv_record *r, const char *field, long long v)
{
    err[0] = '\0';
    return cv_record_set_int(r, field, v, err, sizeof(err));
}

static int set_bool(struct cv_record *r, const char *field, int v)
{
    err[0] = '\0';
    return cv_record_set_bool(r, field, v, err, sizeof(err));
}

static int add(struct cv_record *r, const char *field, const char *text)
{
    err[0] = '\0';
    return cv_record_add(r, field, text, err, sizeof(err));
}

static const char *str_of(const struct cv_record *r, const char *field)
{
    return json_string_value(cv_record_get(r, field));
}

static long long int_of(const struct cv_record *r, const char *field)
{
    json_t *v = cv_record_get(r, field);

    return json_is_integer(v) ? json_integer_value(v) : -999;
}

/* 1 true, 0 false, -1 absent or not a boolean. */
static int bool_of(const struct cv_record *r, const char *field)
{
    json_t *v = cv_record_get(r, field);

    return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

/* Text for a check name: control characters shown as C escapes, so one
 * check stays one TAP line.  Static storage. */
static const char *shown(const char *text)
{
    static char buf[2][256];
    static int which;
    char *b = buf[which ^= 1];
    size_t o = 0;

    for (; *text && o + 3 < sizeof(buf[0]); text++) {
        char c = *text == '\n' ? 'n' : *text == '\t' ? 't' : *text == '\r' ? 'r' : 0;
        if (c) {
            b[o++] = '\\';
            b[o++] = c;
        } else {
            b[o++] = *text;
        }
    }
    b[o] = '\0';
    return b;
}

/* Set a text field on a fresh vehicle and compare the stored string. */
static void text_field_is(const char *field, const char *text, const char *want)
{
    struct cv_record *r = vehicle();
    int rc = set(r, field, text);

    is_int(rc, 0, "%s \"%s\" is accepted", field, shown(text));
    is_str(str_of(r, field), want, "%s \"%s\" is stored as \"%s\"", field, shown(text), shown(want));
    cv_record_free(r);
}

static void status_is(const char *text, const char *want)
{
    text_field_is("listing_status", text, want);
}

/* Set a field that must be refused: rc -1, a message, nothing stored. */
static void refused(enum cv_record_type type, const char *field, const char *text, const char *why)
{
    struct cv_record *r = cv_record_new(type, BASE);
    int rc = set(r, field, text);

    is_int(rc, -1, "%s refuses %s", field, why);
    ok(err[0] && strstr(err, field), "%s: the message names the field (%s)", field, err);
    ok(cv_record_get(r, field) == NULL, "%s: nothing stored for %s", field, why);
    cv_record_free(r);
}

/* --- records and types ------------------------------------------------------- */

static void test_types(void)
{
    struct cv_record *r;

    is_str(cv_record_type_name(CV_RECORD_VEHICLE), "vehicle", "type name: vehicle");
    is_str(cv_record_type_name(CV_RECORD_BUSINESS), "business", "type name: business");
    is_str(cv_record_type_name(CV_RECORD_IMAGE), "image", "type name: image");
    is_int(cv_record_type_from_name("vehicle"), CV_RECORD_VEHICLE, "type from name: vehicle");
    is_int(cv_record_type_from_name("business"), CV_RECORD_BUSINESS, "type from name: business");
    is_int(cv_record_type_from_name("image"), CV_RECORD_IMAGE, "type from name: image");
    is_int(cv_record_type_from_name("Vehicle"), 0, "type names are exact");
    is_int(cv_record_type_from_name(NULL), 0, "no name, no type");
    ok(cv_record_new((enum cv_record_type)0, NULL) == NULL, "a record of type 0 is refused");
    ok(cv_record_new((enum cv_record_type)7, NULL) == NULL, "a record of an unknown type is refused");

    r = cv_record_new(CV_RECORD_IMAGE, NULL);
    ok(r && r->type == CV_RECORD_IMAGE && r->base_url == NULL && json_object_size(r->fields) == 0,
       "a new record is empty");
    cv_record_free(r);
    cv_record_free(NULL);

    ok(cv_record_has_field(CV_RECORD_VEHICLE, "mileage"), "vehicles have a mileage");
    ok(!cv_record_has_field(CV_RECORD_BUSINESS, "mileage"), "businesses have no mileage");
    ok(cv_record_has_field(CV_RECORD_BUSINESS, "website"), "businesses have a website");
    ok(!cv_record_has_field(CV_RECORD_VEHICLE, "website"), "vehicles have no website");
    ok(cv_record_has_field(CV_RECORD_IMAGE, "url") && cv_record_has_field(CV_RECORD_IMAGE, "vehicle_url"),
       "images have url and vehicle_url");
    ok(!cv_record_has_field(CV_RECORD_VEHICLE, "type"), "\"type\" is not a settable field");
    ok(cv_record_has_field(CV_RECORD_IMAGE, "source"), "every type has a source");
    ok(!cv_record_has_field(CV_RECORD_VEHICLE, "Mileage"), "field names are exact");
}

/* --- plain fields ---------------------------------------------------------------- */

static void test_text_fields(void)
{
    struct cv_record *r;

    text_field_is("title", "  No Reserve:\n 1967  Porsche\xC2\xA0" "911S \xE2\x80\x8B Coupe ",
                  "No Reserve: 1967 Porsche 911S Coupe");
    text_field_is("exterior_color", "Irish Green", "Irish Green");
    text_field_is("make", "mercedes benz", "Mercedes-Benz");
    text_field_is("make", "  PORSCHE ", "Porsche");
    text_field_is("make", "Zzyzx Motor Works", "Zzyzx Motor Works");
    text_field_is("description",
                  "  First line,\n   same paragraph.  \r\n\n \t\nSecond   paragraph.\n\n",
                  "First line,\nsame paragraph.\n\nSecond paragraph.");

    r = vehicle();
    is_int(set(r, "title", "First"), 0, "a title is set");
    is_int(set(r, "title", "Second"), 0, "a title is set again");
    is_str(str_of(r, "title"), "Second", "the last value set wins");
    is_int(set(r, "title", "   "), 0, "blank text is accepted");
    is_int(set(r, "title", NULL), 0, "NULL text is accepted");
    is_str(str_of(r, "title"), "Second", "blank and NULL text change nothing");
    is_int(set(r, "seller", "\xC2\xA0\xE2\x80\x8B "), 0, "text of only Unicode spaces is blank");
    ok(cv_record_get(r, "seller") == NULL, "a blank value is not stored");
    cv_record_free(r);

    refused(CV_RECORD_VEHICLE, "title", "caf\xE9", "text that is not UTF-8");

    r = cv_record_new(CV_RECORD_BUSINESS, NULL);
    is_int(set(r, "phone", "tel:+1-555-0100"), 0, "a tel: phone is accepted");
    is_str(str_of(r, "phone"), "+1-555-0100", "tel: is stripped from phones");
    is_int(set(r, "email", "mailto:Sales@Dealer.example?subject=1967%20911S"), 0, "a mailto: e-mail is accepted");
    is_str(str_of(r, "email"), "Sales@Dealer.example", "mailto: and the query are stripped from e-mail");
    is_int(set(r, "email", "MAILTO:info@dealer.example"), 0, "MAILTO: in capitals");
    is_str(str_of(r, "email"), "info@dealer.example", "MAILTO: is stripped too");
    is_int(set(r, "country", "United Kingdom"), 0, "a country name is accepted");
    is_str(str_of(r, "country"), "GB", "United Kingdom is GB");
    is_int(set(r, "country", "Belgium"), 0, "Belgium is accepted");
    is_str(str_of(r, "country"), "BE", "Belgium is BE");
    is_int(set(r, "country", "USA"), 0, "USA is accepted");
    is_str(str_of(r, "country"), "US", "USA is US");
    is_int(set(r, "state", "Arizona"), 0, "a state name is accepted");
    is_str(str_of(r, "state"), "AZ", "Arizona is AZ");
    is_int(set(r, "state", "Ontario"), 0, "a province name is accepted");
    is_str(str_of(r, "state"), "ON", "Ontario is ON");
    is_int(set(r, "state", "West Flanders"), 0, "an unknown region is accepted");
    is_str(str_of(r, "state"), "West Flanders", "an unknown region is kept as written");
    cv_record_free(r);

    refused(CV_RECORD_BUSINESS, "email", "sales at dealer dot com", "an address without @");
    refused(CV_RECORD_BUSINESS, "email", "mailto:", "an empty mailto:");
    refused(CV_RECORD_BUSINESS, "country", "Narnia", "an unknown country");
}

static void test_numbers(void)
{
    struct cv_record *r = vehicle();

    is_int(set(r, "lot_number", "Lot #211,372"), 0, "a lot number with text and commas");
    is_int(int_of(r, "lot_number"), 211372, "Lot #211,372 is 211372");
    is_int(set(r, "view_count", "26,541 views"), 0, "a view count");
    is_int(int_of(r, "view_count"), 26541, "26,541 views is 26541");
    is_int(set(r, "bid_count", "83"), 0, "a plain bid count");
    is_int(int_of(r, "bid_count"), 83, "83 bids");
    is_int(set(r, "year", "Model year: 1967"), 0, "a year inside text");
    is_int(int_of(r, "year"), 1967, "the year is 1967");
    is_int(set(r, "year", "c. 1931-1932"), 0, "a year range");
    is_int(int_of(r, "year"), 1931, "the first year of a range");
    cv_record_free(r);

    refused(CV_RECORD_VEHICLE, "comment_count", "no comments", "text without a number");
    refused(CV_RECORD_VEHICLE, "year", "1850", "a year before cars");
    refused(CV_RECORD_VEHICLE, "year", "2101", "a year after 2100");
    refused(CV_RECORD_VEHICLE, "year", "12345", "five digits");
    refused(CV_RECORD_VEHICLE, "watcher_count", "99999999999999999999", "a number too large");

    r = vehicle();
    is_int(set_int(r, "year", 1885), 0, "set_int year 1885");
    is_int(int_of(r, "year"), 1885, "1885 stored");
    is_int(set_int(r, "year", 2100), 0, "set_int year 2100");
    is_int(set_int(r, "year", 1884), -1, "set_int year 1884 refused");
    ok(err[0] && strstr(err, "1884"), "the message names the year (%s)", err);
    is_int(int_of(r, "year"), 2100, "a refused year changes nothing");
    is_int(set_int(r, "bid_count", 0), 0, "set_int zero bids");
    is_int(int_of(r, "bid_count"), 0, "0 stored");
    is_int(set_int(r, "bid_count", -1), -1, "set_int negative count refused");
    is_int(set_int(r, "mileage", 45210), 0, "set_int mileage");
    is_int(int_of(r, "mileage"), 45210, "mileage stored");
    ok(cv_record_get(r, "mileage_unit") == NULL, "a bare number says nothing of the unit");
    is_int(set_int(r, "sale_price", 61000), 0, "set_int price");
    is_int(int_of(r, "sale_price"), 61000, "price stored");
    ok(cv_record_get(r, "currency") == NULL, "a bare number says nothing of the currency");
    is_int(set_int(r, "no_reserve", 2), 0, "set_int on a boolean");
    is_int(bool_of(r, "no_reserve"), 1, "non-zero is true");
    is_int(set_int(r, "title", 911), 0, "set_int on a text field");
    is_str(str_of(r, "title"), "911", "the number is stored as text");
    is_int(set_int(r, "currency", 840), -1, "set_int on a currency is refused");
    cv_record_free(r);
}

static void test_prices(void)
{
    struct cv_record *r;

    r = vehicle();
    is_int(set(r, "asking_price", "$79,995"), 0, "a dollar price");
    is_int(int_of(r, "asking_price"), 79995, "$79,995 is 79995");
    is_str(str_of(r, "currency"), "USD", "a dollar price sets the currency");
    ok(cv_record_get(r, "price_original") == NULL, "no original price for a plain dollar price");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "sale_price", "\xC2\xA3" "45,000 ($57,150)"), 0, "a pound price with a dollar figure");
    is_int(int_of(r, "sale_price"), 57150, "the dollar figure is the price");
    is_str(str_of(r, "currency"), "USD", "the currency is USD");
    is_str(str_of(r, "price_original"), "GBP 45000", "the local price is kept as price_original");
    is_int(set(r, "high_bid", "\xE2\x82\xAC" "50,000 ($54,000)"), 0, "a second price with another original");
    is_str(str_of(r, "price_original"), "GBP 45000", "the first original price is kept");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "sale_price", "\xC2\xA3" "45,000 ($57,150)"), 0, "a price, then a currency");
    is_int(set(r, "currency", "gbp"), 0, "an explicit currency after the price");
    is_str(str_of(r, "currency"), "GBP", "an explicit currency set after a price wins (upper-cased)");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "currency", "EUR"), 0, "a currency, then a price");
    is_int(set(r, "asking_price", "$50,000"), 0, "a dollar price after the currency");
    is_str(str_of(r, "currency"), "EUR", "an explicit currency set before a price is kept");
    is_int(int_of(r, "asking_price"), 50000, "the amount is stored");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "asking_price", "Call for Price"), 0, "\"Call for Price\" is accepted");
    ok(cv_record_get(r, "asking_price") == NULL && cv_record_get(r, "currency") == NULL,
       "\"Call for Price\" stores nothing");
    is_int(set(r, "asking_price", "SOLD"), 0, "\"SOLD\" in a price slot is accepted");
    ok(cv_record_get(r, "asking_price") == NULL, "\"SOLD\" stores no price");
    is_int(set(r, "asking_price", "43000"), 0, "a bare amount");
    is_int(int_of(r, "asking_price"), 43000, "a bare amount is stored");
    ok(cv_record_get(r, "currency") == NULL, "a bare amount sets no currency");
    cv_record_free(r);

    refused(CV_RECORD_VEHICLE, "sale_price", "Porsche", "a price without a number");
    refused(CV_RECORD_VEHICLE, "currency", "Euro", "a currency name");
    refused(CV_RECORD_VEHICLE, "currency", "US", "a two-letter currency");
    refused(CV_RECORD_VEHICLE, "currency", "U$D", "a currency with a symbol");
}

static void test_mileage(void)
{
    struct cv_record *r;

    r = vehicle();
    is_int(set(r, "mileage", "45k Miles Shown"), 0, "BaT mileage");
    is_int(int_of(r, "mileage"), 45000, "45k is 45000");
    is_str(str_of(r, "mileage_unit"), "mi", "miles");
    is_int(bool_of(r, "mileage_tmu"), 0, "not TMU");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "mileage", "51,115 km"), 0, "kilometres");
    is_int(int_of(r, "mileage"), 51115, "51,115 km is 51115");
    is_str(str_of(r, "mileage_unit"), "km", "kilometres stay kilometres");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "mileage", "7k Miles Shown, TMU"), 0, "TMU mileage");
    is_int(int_of(r, "mileage"), 7000, "7k is 7000");
    is_int(bool_of(r, "mileage_tmu"), 1, "TMU sets mileage_tmu");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "mileage", "TMU"), 0, "\"TMU\" alone is accepted");
    ok(cv_record_get(r, "mileage") == NULL, "\"TMU\" alone stores no number");
    is_int(bool_of(r, "mileage_tmu"), 1, "\"TMU\" alone sets mileage_tmu");
    is_int(set(r, "mileage", "TMU"), 0, "\"TMU\" alone a second time is accepted too");
    is_int(bool_of(r, "mileage_tmu"), 1, "and mileage_tmu stays true");
    cv_record_free(r);

    r = vehicle();
    is_int(set_bool(r, "mileage_tmu", 0), 0, "an explicit mileage_tmu false");
    is_int(set(r, "mileage", "Mileage: TMU"), 0, "then a mileage that only says TMU is accepted");
    is_int(bool_of(r, "mileage_tmu"), 0, "the explicit value is kept");
    ok(cv_record_get(r, "mileage") == NULL, "and no number is stored");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "mileage_unit", "Kilometers"), 0, "an explicit unit first");
    is_int(set(r, "mileage", "12,345"), 0, "then a number without a unit");
    is_str(str_of(r, "mileage_unit"), "km", "the explicit unit is kept");
    is_int(int_of(r, "mileage"), 12345, "the number is stored");
    cv_record_free(r);

    text_field_is("mileage_unit", "miles", "mi");
    text_field_is("mileage_unit", "KM", "km");
    text_field_is("mileage_unit", "kilometres", "km");
    refused(CV_RECORD_VEHICLE, "mileage_unit", "furlongs", "an unknown unit");
    refused(CV_RECORD_VEHICLE, "mileage", "unknown", "a mileage without a number");

    r = vehicle();
    is_int(set_bool(r, "mileage_tmu", 1), 0, "set_bool TMU");
    is_int(set(r, "mileage", "45,210 Miles"), 0, "then a mileage");
    is_int(bool_of(r, "mileage_tmu"), 1, "an explicit TMU is kept");
    cv_record_free(r);
}

static void test_status_vin_bool(void)
{
    struct cv_record *r;

    status_is("Bid to", "not_sold");
    status_is("Reserve Not Met", "not_sold");
    status_is("Last Asking", "off_market");
    status_is("https://schema.org/SoldOut", "sold");
    status_is("http://schema.org/InStock", "for_sale");
    status_is("https://schema.org/OutOfStock", "off_market");
    status_is("SOLD", "sold");
    status_is("Sold For", "sold");
    status_is("  current   bid ", "live");
    status_is("not_sold", "not_sold");
    status_is("Withdrawn", "withdrawn");
    status_is("Canceled", "withdrawn");
    status_is("Available", "for_sale");

    r = vehicle();
    is_int(set(r, "listing_status", "Gone fishing"), -1, "an unknown status is refused");
    ok(strstr(err, "Gone fishing") && strstr(err, "for_sale"),
       "the message quotes the text and lists the vocabulary (%s)", err);
    cv_record_free(r);

    text_field_is("vin", "WP0AB2A93KS114315", "WP0AB2A93KS114315");
    text_field_is("vin", "  1G1YY0784F5119763 ", "1G1YY0784F5119763");
    text_field_is("vin", "911S 300123", "911S 300123");
    r = vehicle();
    is_int(set(r, "vin", "N/A"), 0, "a placeholder VIN is accepted");
    ok(cv_record_get(r, "vin") == NULL, "a placeholder VIN stores nothing");
    is_int(set(r, "vin", "WP0AB2A93KS114315"), 0, "a real VIN");
    is_int(set(r, "vin", "Unknown"), 0, "then another placeholder");
    is_str(str_of(r, "vin"), "WP0AB2A93KS114315", "a placeholder does not erase the VIN");
    cv_record_free(r);

    r = vehicle();
    is_int(set(r, "no_reserve", "Yes"), 0, "\"Yes\" is a boolean");
    is_int(bool_of(r, "no_reserve"), 1, "\"Yes\" is true");
    is_int(set(r, "no_reserve", "false"), 0, "\"false\" is a boolean");
    is_int(bool_of(r, "no_reserve"), 0, "\"false\" is false");
    is_int(set_bool(r, "no_reserve", 1), 0, "set_bool");
    is_int(bool_of(r, "no_reserve"), 1, "set_bool true");
    is_int(set(r, "no_reserve", "maybe"), -1, "\"maybe\" is refused");
    is_int(bool_of(r, "no_reserve"), 1, "a refused boolean changes nothing");
    is_int(set_bool(r, "title", 1), 1, "set_bool on a text field is a programming error (1)");
    ok(strstr(err, "title") != NULL, "the message names the field (%s)", err);
    cv_record_free(r);
}

static void test_urls(void)
{
    struct cv_record *r;
    json_t *images;

    r = vehicle();
    is_int(set(r, "url", "/listing/1967-porsche-911s-2/?utm_source=x&b=2&a=1#comments"), 0,
           "a relative url");
    is_str(str_of(r, "url"), "https://bringatrailer.com/listing/1967-porsche-911s-2/?a=1&b=2",
           "resolved against the base, canonicalised (tracking and fragment dropped, query sorted)");
    is_int(set(r, "url", "HTTPS://BringATrailer.com:443/listing/x/../y/"), 0, "an absolute url");
    is_str(str_of(r, "url"), "https://bringatrailer.com/listing/y/", "scheme, host, port and dots normalised");
    is_int(set(r, "url", "javascript:void(0)"), -1, "a javascript: url is refused");
    ok(strstr(err, "url") && strstr(err, "javascript:void(0)"), "the message names field and text (%s)", err);
    is_int(set(r, "url", "mailto:a@b.example"), -1, "a mailto: url is refused");
    is_int(set(r, "url", "ftp://files.example/x"), -1, "an ftp: url is refused");
    is_str(str_of(r, "url"), "https://bringatrailer.com/listing/y/", "refused urls change nothing");

    is_int(add(r, "images", "/wp-content/uploads/2024/01/a.jpg"), 0, "add an image");
    is_int(add(r, "images", "https://cdn.example.com/b.jpg?w=600"), 0, "add a second image");
    is_int(add(r, "images", "https://BRINGATRAILER.com/wp-content/uploads/2024/01/a.jpg"), 0,
           "add the first image again, spelled differently");
    is_int(set(r, "images", "//cdn.example.com/c.jpg"), 0, "set on a list field appends");
    is_int(add(r, "images", "data:image/png;base64,xyz"), -1, "a data: image is refused");
    is_int(add(r, "images", "   "), 0, "a blank image is ignored");
    images = cv_record_get(r, "images");
    is_int(json_array_size(images), 3, "three distinct images");
    is_str(json_string_value(json_array_get(images, 0)),
           "https://bringatrailer.com/wp-content/uploads/2024/01/a.jpg", "first image resolved, first");
    is_str(json_string_value(json_array_get(images, 1)), "https://cdn.example.com/b.jpg?w=600",
           "second image second");
    is_str(json_string_value(json_array_get(images, 2)), "https://cdn.example.com/c.jpg",
           "a network-path image takes the base scheme, third");
    is_int(add(r, "title", "x"), 1, "add on a field that is not a list is a programming error (1)");
    ok(strstr(err, "title") != NULL, "the message names the field (%s)", err);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_VEHICLE, NULL);
    is_int(set(r, "url", "/listing/x/"), -1, "without a base url a relative url is refused");
    is_int(set(r, "url", "https://Example.com/a?b=1#c"), 0, "without a base url an absolute url works");
    is_str(str_of(r, "url"), "https://example.com/a?b=1", "and is canonicalised");
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_BUSINESS, "https://www.dealer.example/about/");
    is_int(set(r, "website", "https://WWW.Dealer.example:443/inventory/?page=2#top"), 0, "a website");
    is_str(str_of(r, "website"), "https://www.dealer.example", "a website is reduced to its origin");
    is_int(set(r, "website", "http://dealer.example:8080/x"), 0, "a website with a port");
    is_str(str_of(r, "website"), "http://dealer.example:8080", "a non-default port stays in the origin");
    is_int(set(r, "website", "/"), 0, "a relative website");
    is_str(str_of(r, "website"), "https://www.dealer.example", "a relative website resolves to the page's origin");
    is_int(set(r, "website", "mailto:x@y.example"), -1, "a mailto: website is refused");
    is_int(set(r, "logo_url", "img/logo.png"), 0, "a relative logo");
    is_str(str_of(r, "logo_url"), "https://www.dealer.example/about/img/logo.png", "the logo resolves");
    cv_record_free(r);
}

static void test_dates(void)
{
    struct cv_record *r = vehicle();

    is_int(set(r, "sale_date", "January 2, 2024"), 0, "a written date");
    is_str(str_of(r, "sale_date"), "2024-01-02", "stored as YYYY-MM-DD");
    is_int(set(r, "sale_date", "Sold on 4/19/26"), 0, "a US short date in text");
    is_str(str_of(r, "sale_date"), "2026-04-19", "4/19/26 is 2026-04-19");
    is_int(set(r, "sale_date", "1704240000"), 0, "Unix seconds as text");
    is_str(str_of(r, "sale_date"), "2024-01-03", "1704240000 is 2024-01-03");
    is_int(set_int(r, "sale_date", 1704153600 + 86399), 0, "Unix seconds by set_int");
    is_str(str_of(r, "sale_date"), "2024-01-02", "the last second of 2024-01-02 is still that day (UTC)");
    is_int(set(r, "auction_end", "2024-01-02T15:04:05Z"), 0, "an ISO date-time");
    is_str(str_of(r, "auction_end"), "2024-01-02T15:04:05Z", "stored as an ISO UTC date-time");
    is_int(set_int(r, "auction_end", 1704240000 + 3661), 0, "a date-time by set_int");
    is_str(str_of(r, "auction_end"), "2024-01-03T01:01:01Z", "Unix seconds formatted in UTC");
    is_int(set(r, "auction_end", "1704240000"), 0, "a date-time as text seconds");
    is_str(str_of(r, "auction_end"), "2024-01-03T00:00:00Z", "midnight UTC");
    cv_record_free(r);

    refused(CV_RECORD_VEHICLE, "sale_date", "sometime soon", "text without a date");
}

static void test_unknown_fields(void)
{
    struct cv_record *r = vehicle();

    is_int(set(r, "colour", "red"), 1, "set_text on an unknown field returns 1");
    ok(strstr(err, "vehicle") && strstr(err, "colour"), "the message names type and field (%s)", err);
    is_int(set(r, "website", "https://x.example"), 1, "a business field on a vehicle returns 1");
    ok(strstr(err, "vehicle") && strstr(err, "website"), "the message names type and field (%s)", err);
    is_int(set(r, "colour", NULL), 1, "an unknown field is reported even for NULL text");
    is_int(set_int(r, "colour", 1), 1, "set_int on an unknown field returns 1");
    ok(strstr(err, "colour") != NULL, "set_int message names the field (%s)", err);
    is_int(set_bool(r, "colour", 1), 1, "set_bool on an unknown field returns 1");
    is_int(add(r, "pictures", "a.jpg"), 1, "add on an unknown field returns 1");
    ok(strstr(err, "vehicle") && strstr(err, "pictures"), "add message names type and field (%s)", err);
    is_int(set(r, "type", "business"), 1, "\"type\" cannot be set");
    is_int(json_object_size(r->fields), 0, "nothing stored by any of them");
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_BUSINESS, NULL);
    is_int(set(r, "mileage", "45k"), 1, "a vehicle field on a business returns 1");
    ok(strstr(err, "business") && strstr(err, "mileage"), "the message names business and mileage (%s)", err);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_IMAGE, NULL);
    is_int(set(r, "title", "x"), 1, "a vehicle field on an image returns 1");
    ok(strstr(err, "image") && strstr(err, "title"), "the message names image and title (%s)", err);
    cv_record_free(r);
}

/* --- finish ------------------------------------------------------------------- */

static int finish(struct cv_record *r, const char *page_url)
{
    err[0] = '\0';
    return cv_record_finish(r, "bat-listing", page_url, err, sizeof(err));
}

static void test_finish(void)
{
    struct cv_record *r;

    r = cv_record_new(CV_RECORD_VEHICLE, "https://bringatrailer.com/listing/1931-ford-model-a-coupe/");
    set(r, "title", "1931 Ford Model A Coupe");
    set(r, "model", "Model A");
    is_int(finish(r, "https://BringATrailer.com/listing/1931-ford-model-a-coupe/?utm_medium=x#c"), 0,
           "a vehicle with a title finishes");
    is_str(str_of(r, "source"), "bat-listing", "the source is stamped");
    is_str(str_of(r, "url"), "https://bringatrailer.com/listing/1931-ford-model-a-coupe/",
           "the url defaults to the page url, canonicalised");
    is_int(int_of(r, "year"), 1931, "year from the title");
    is_str(str_of(r, "make"), "Ford", "make from the title");
    is_str(str_of(r, "model"), "Model A", "the source's model is kept");
    is_str(str_of(r, "trim"), "Coupe", "trim: what follows the source's model in the title");
    ok(cv_record_get(r, "no_reserve") == NULL, "no_reserve is not invented");
    cv_record_free(r);

    r = vehicle();
    set(r, "title", "1931 Ford Model A Coupe");
    set(r, "model", "Mustang");
    is_int(finish(r, BASE), 0, "a title that does not place the model finishes");
    is_str(str_of(r, "model"), "Mustang", "the source's model is kept");
    ok(cv_record_get(r, "trim") == NULL, "no trim when the title does not contain the model");
    is_int(int_of(r, "year"), 1931, "the year is still derived");
    is_str(str_of(r, "make"), "Ford", "the make is still derived");
    cv_record_free(r);

    r = vehicle();
    set(r, "title", "No Reserve: 1967 Porsche 911S Coupe");
    is_int(finish(r, BASE), 0, "a BaT title alone finishes");
    is_int(int_of(r, "year"), 1967, "year 1967");
    is_str(str_of(r, "make"), "Porsche", "make Porsche");
    is_str(str_of(r, "model"), "911S", "model from the title");
    is_str(str_of(r, "trim"), "Coupe", "trim from the title");
    is_int(bool_of(r, "no_reserve"), 1, "No Reserve: in the title sets no_reserve");
    cv_record_free(r);

    r = vehicle();
    set(r, "title", "No Reserve: 1967 Porsche 911S Coupe");
    set_int(r, "year", 1968);
    set(r, "make", "Ruf");
    set(r, "trim", "Targa");
    set_bool(r, "no_reserve", 0);
    set(r, "url", "https://bringatrailer.com/listing/other/");
    is_int(finish(r, BASE), 0, "a vehicle with everything set finishes");
    is_int(int_of(r, "year"), 1968, "an explicit year is kept");
    is_str(str_of(r, "make"), "Ruf", "an explicit make is kept");
    is_str(str_of(r, "trim"), "Targa", "an explicit trim is kept");
    is_int(bool_of(r, "no_reserve"), 0, "an explicit no_reserve false is kept");
    is_str(str_of(r, "url"), "https://bringatrailer.com/listing/other/", "an explicit url is kept");
    cv_record_free(r);

    r = vehicle();
    set(r, "title", "Porsche 911 Project Car");
    is_int(finish(r, BASE), 0, "a title without a year finishes");
    ok(cv_record_get(r, "year") == NULL, "no year is invented");
    cv_record_free(r);

    r = vehicle();
    set(r, "vin", "WP0AB2A93KS114315");
    is_int(finish(r, BASE), 0, "a vehicle known only by its VIN finishes");
    cv_record_free(r);

    r = vehicle();
    set(r, "make", "Porsche");
    is_int(finish(r, BASE), 0, "a vehicle known only by its make finishes");
    cv_record_free(r);

    r = vehicle();
    set(r, "mileage", "45k Miles");
    is_int(finish(r, BASE), -1, "a vehicle with no title, make or VIN fails");
    ok(strstr(err, "title") && strstr(err, BASE), "the message says what is missing and where (%s)", err);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_VEHICLE, NULL);
    set(r, "title", "1967 Porsche 911S");
    is_int(finish(r, NULL), -1, "a vehicle with no url and no page url fails");
    ok(strstr(err, "url") != NULL, "the message says the url is missing (%s)", err);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_VEHICLE, NULL);
    set(r, "title", "1967 Porsche 911S");
    is_int(finish(r, "ftp://example.com/page.html"), -1, "a page url that is not http(s) fails");
    ok(err[0] != '\0', "with a message (%s)", err);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_BUSINESS, NULL);
    set(r, "city", "Kortrijk");
    is_int(finish(r, "https://dealer.example/"), -1, "a business without a name fails");
    ok(strstr(err, "name") != NULL, "the message says the name is missing (%s)", err);
    set(r, "name", "Classic Dealer BV");
    is_int(finish(r, "https://dealer.example/"), 0, "a business with a name finishes");
    is_str(str_of(r, "source"), "bat-listing", "the business gets the source");
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_IMAGE, BASE);
    set(r, "caption", "Front three-quarter");
    is_int(finish(r, BASE), -1, "an image without a url fails");
    ok(strstr(err, "url") != NULL, "the message says the url is missing (%s)", err);
    set(r, "url", "/a.jpg");
    is_int(finish(r, BASE), 0, "an image with a url finishes");
    cv_record_free(r);

    r = vehicle();
    set(r, "title", "1967 Porsche 911S");
    is_int(cv_record_finish(r, NULL, BASE, err, sizeof(err)), 0, "finishing without a source name");
    ok(cv_record_get(r, "source") == NULL, "no source is stamped");
    cv_record_free(r);
}

/* --- output ------------------------------------------------------------------- */

static void test_to_json(void)
{
    struct cv_record *r = vehicle();
    const char *names[80];
    size_t n = cv_record_field_names(CV_RECORD_VEHICLE, names, 80);
    json_t *o, *v;
    const char *key;
    size_t k = 0, pos = 0;
    int in_order = 1, bad = 0;
    char *dump;

    /* Set in roughly reverse table order. */
    add(r, "images", "/a.jpg");
    set(r, "description", "Text.");
    set(r, "mileage", "45k Miles");
    set(r, "sale_price", "$61,000");
    set(r, "make", "Porsche");
    set(r, "title", "1967 Porsche 911S");
    set(r, "url", BASE);
    finish(r, NULL);
    o = cv_record_to_json(r);
    ok(json_is_object(o), "to_json gives an object");
    json_object_foreach(o, key, v) {
        if (k == 0 && strcmp(key, "type"))
            in_order = 0;
        while (pos < n && strcmp(names[pos], key))
            pos++;
        if (pos == n)
            in_order = 0;
        k++;
    }
    ok(in_order, "keys come \"type\" first, then in field-table order");
    is_int(k, json_object_size(r->fields) + 1, "every set field and \"type\", nothing else");
    is_str(json_string_value(json_object_get(o, "type")), "vehicle", "\"type\" is the record type");
    ok(!json_object_get(o, "vin") && !json_object_get(o, "trim") && !json_object_get(o, "seller"),
       "absent fields are omitted");
    dump = json_dumps(o, JSON_COMPACT);
    ok(dump && !strncmp(dump, "{\"type\":\"vehicle\",\"source\":\"bat-listing\",\"url\":", 47),
       "the serialised record starts with type, source, url (%.60s)", dump ? dump : "");
    cv_free(dump);
    json_decref(o);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_BUSINESS, NULL);
    set(r, "email", "a@b.example");
    set(r, "name", "Dealer");
    o = cv_record_to_json(r);
    dump = json_dumps(o, JSON_COMPACT);
    is_str(dump, "{\"type\":\"business\",\"name\":\"Dealer\",\"email\":\"a@b.example\"}",
           "a business serialises type, name, email in that order");
    cv_free(dump);
    json_decref(o);
    cv_record_free(r);

    r = cv_record_new(CV_RECORD_IMAGE, NULL);
    o = cv_record_to_json(r);
    dump = json_dumps(o, JSON_COMPACT);
    is_str(dump, "{\"type\":\"image\"}", "an empty record is just its type");
    cv_free(dump);
    json_decref(o);
    cv_record_free(r);

    /* field_names */
    ok(n > 30 && n < 80, "vehicles have %zu output names", n);
    is_str(names[0], "type", "\"type\" comes first");
    is_str(names[1], "source", "then \"source\"");
    is_str(names[2], "url", "then the vehicle's url");
    is_str(names[n - 1], "description", "the description comes last");
    for (size_t i = 1; i < n; i++)
        bad += !cv_record_has_field(CV_RECORD_VEHICLE, names[i]);
    ok(!bad, "every name after \"type\" is a vehicle field");
    bad = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            bad += !strcmp(names[i], names[j]);
    ok(!bad, "no name is listed twice");
    {
        int shown = 0;
        for (size_t i = 0; i < n; i++)
            shown += !strcmp(names[i], "website") || !strcmp(names[i], "vehicle_url");
        ok(!shown, "business and image fields are not vehicle names");
    }
    {
        const char *few[3] = {NULL, NULL, "untouched"};
        is_int(cv_record_field_names(CV_RECORD_VEHICLE, few, 2), n, "a short array still gets the full count");
        ok(few[0] && !strcmp(few[0], "type") && few[1] && !strcmp(few[1], "source") &&
           !strcmp(few[2], "untouched"), "only max names are written");
        is_int(cv_record_field_names(CV_RECORD_VEHICLE, NULL, 0), n, "max 0 just counts");
    }
    n = cv_record_field_names(CV_RECORD_IMAGE, names, 80);
    ok(n == 6 && !strcmp(names[0], "type") && !strcmp(names[1], "source") && !strcmp(names[2], "url") &&
       !strcmp(names[3], "vehicle_url") && !strcmp(names[4], "position") && !strcmp(names[5], "caption"),
       "image names: type, source, url, vehicle_url, position, caption");
    n = cv_record_field_names(CV_RECORD_BUSINESS, names, 80);
    ok(n > 10 && !strcmp(names[0], "type") && !strcmp(names[1], "source") && !strcmp(names[2], "name"),
       "business names start type, source, name");
}

/* --- allocation failure --------------------------------------------------------- */

/* Build, finish and convert a full vehicle.  Returns the record as JSON,
 * or NULL when a step failed (with a message in err). */
static json_t *build_vehicle(void)
{
    static const char *const steps[][2] = {
        {"title", "No Reserve: 1931 Ford Model A Coupe"}, {"model", "Model A"},
        {"sale_price", "\xC2\xA3" "45,000 ($57,150)"}, {"mileage", "7k Miles Shown, TMU"},
        {"listing_status", "Sold for"}, {"sale_date", "January 2, 2024"},
        {"location", "Dorset, England"}, {"vin", "A123456"},
        {"images", "/a.jpg"}, {"images", "/b.jpg"}, {"images", "/a.jpg"},
        {"description", "One.\n\nTwo."}, {"lot_number", "Lot #83"},
    };
    struct cv_record *r = cv_record_new(CV_RECORD_VEHICLE, BASE);
    json_t *o = NULL;

    if (!r) {
        strcpy(err, "out of memory (new)");
        return NULL;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (set(r, steps[i][0], steps[i][1]) != 0)
            goto out;
    if (set_int(r, "bid_count", 12) != 0 || set_bool(r, "mileage_tmu", 1) != 0 ||
        set_int(r, "auction_end", 1704240000) != 0)
        goto out;
    if (finish(r, BASE) != 0)
        goto out;
    o = cv_record_to_json(r);
    if (!o)
        strcpy(err, "out of memory (to_json)");
out:
    cv_record_free(r);
    return o;
}

/* Compact JSON of a value, made with injection off. */
static char *dump(json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

static void test_oom(void)
{
    json_t *ref = build_vehicle();
    char *want = dump(ref);
    int bad = 0, fails = 0, last_ok = 0;
    long n, made = 0;

    ok(want != NULL, "the reference vehicle builds (%s)", want ? want : err);
    for (n = 0; want && n < 5000; n++) {
        json_t *got;

        cv_mem_fail_after(n);
        got = build_vehicle();
        made = cv_mem_fail_after(-1);
        last_ok = got != NULL;
        if (got) {
            /* A failure that is survived must not lose anything. */
            char *text = dump(got);
            if (!text || strcmp(text, want)) {
                bad++;
                diag("allocation %ld: %s", n, text ? text : "(dump failed)");
            }
            cv_free(text);
            json_decref(got);
        } else {
            fails++;
            if (err[0] == '\0') {
                bad++;
                diag("allocation %ld: failed without a message", n);
            }
        }
        if (made <= n)
            break;
    }
    ok(!bad && last_ok && fails > 50,
       "a full vehicle: each of %ld allocations failed in turn, %d clean failures, no leaks", n, fails);
    cv_free(want);
    json_decref(ref);
}

int main(void)
{
    /* jansson allocates through the injectable allocator, so the sweep
     * reaches record values too. */
    json_set_alloc_funcs(cv_malloc, cv_free);
    test_types();
    test_text_fields();
    test_numbers();
    test_prices();
    test_mileage();
    test_status_vin_bool();
    test_urls();
    test_dates();
    test_unknown_fields();
    test_finish();
    test_to_json();
    test_oom();
    return tap_done();
}
