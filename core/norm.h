/*
 * norm.h -- normalisers shared by every source: prices, mileages, VINs,
 * titles, dates, places.  Pure functions: no I/O, no allocation unless
 * stated, thread-safe.  The result structs are public (carvest/plugin.h)
 * because plugins and Lua rules call the same functions.
 */
#ifndef CV_NORM_H
#define CV_NORM_H

#include <carvest/plugin.h>
#include <stddef.h>

/* "USD $123,456", "$79,995", "£45,000 ($57,150)", "€1.383.342", "$45k",
 * "CHF 120'000", "43000".  When a USD figure is shown beside a local one,
 * the USD figure is the result and the local one goes to original_*.
 * Returns 1 when a price was read, 0 when the text shows no price ("Call
 * for Price", "SOLD", "Inquire", blank), -1 when it is unreadable. */
int cv_parse_price(const char *text, struct cv_price *out);

/* "45k Miles Shown", "7k Miles Shown, TMU", "243k Kilometers (~151k Miles)
 * Shown", "45,210 Miles", "51,115 km", "12,345 mi", "12345".  The number
 * shown in the unit shown (kilometres stay kilometres; no unit means
 * miles).  Returns 1 when a number was read, 0 otherwise (out->tmu is
 * still set when the text says TMU). */
int cv_parse_mileage(const char *text, struct cv_mileage *out);

/* "No Reserve: 1967 Porsche 911S Coupe", "43k-Mile 1994 Acura NSX 5-Speed",
 * "K20-Powered 1983 Nissan Skyline", "1969 Mercedes-Benz 280SL Roadster".
 * Descriptors before the year are dropped; multi-word makes are recognised
 * and spelled canonically.  With model_hint (e.g. BaT's "Model" link text
 * minus the make), a remainder starting with it makes it the model.
 * Returns 1 when a year was found, 0 otherwise (make/model still filled
 * when they can be). */
int cv_parse_title(const char *text, const char *model_hint, struct cv_title *out);

/* Canonical spelling of a make ("mercedes benz" -> "Mercedes-Benz"), or
 * NULL when the make is not known.  Static storage. */
const char *cv_canonical_make(const char *name);

/* Classify a VIN or chassis number as shown (see enum cv_vin_kind). */
enum cv_vin_kind cv_vin_kind(const char *text);
/* 1 when the 17-character VIN's check digit (position 9) is right. */
int cv_vin_check_digit_ok(const char *vin17);

/* "1/2/24", "04/19/2026", "January 2, 2024", "Jan 2, 2024", "2024-01-02",
 * "2024-01-02T15:04:05Z", "May 7, 2021 at 4:15 PM PT", "1704240000".
 * Unix seconds (UTC; midnight UTC for a bare date), -1 when unreadable. */
long long cv_parse_date(const char *text);
/* "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ" (UTC) into caller buffers. */
void cv_format_date(long long t, char out[11]);
void cv_format_datetime(long long t, char out[21]);

/* ISO 3166-1 alpha-2 code for a country name, alpha-2 or alpha-3 code
 * ("Belgium", "USA", "England", "The Netherlands"); NULL if unknown.
 * Static storage. */
const char *cv_country_code(const char *name);
/* Two-letter code of a US state or Canadian province, given its name or
 * code ("Arizona", "AZ", "Ontario"); the country (US/CA) in *country.
 * NULL if unknown. */
const char *cv_region_code(const char *name, const char **country);

struct cv_location {
    char city[96];
    char region[8];     /* state/province code, "" if none */
    char postcode[16];
    char country[3];    /* alpha-2, "" if unknown */
};
/* "Boulder City, Nevada 89005", "Chandler, AZ", "Kortrijk, Belgium",
 * "Toronto, ON", "Dorset, England".  Returns 1 when at least a city was
 * read, 0 otherwise. */
int cv_parse_location(const char *text, struct cv_location *out);

#endif
