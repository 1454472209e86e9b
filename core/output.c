/*
 * output.c -- records on stdout: JSON Lines, an aligned table, or nothing.
 */
#include "output.h"
#include "mem.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

void cv_sink_init(struct cv_sink *s, enum cv_output format, FILE *out)
{
    memset(s, 0, sizeof(*s));
    s->format = format;
    s->out = out;
}

/* A table column: header, field, width. */
struct column {
    const char *header;
    const char *field;
    int width;
};

static const struct column vehicle_cols[] = {
    {"YEAR", "year", 4}, {"MAKE", "make", 14}, {"MODEL", "model", 16},
    {"STATUS", "listing_status", 10}, {"PRICE", NULL, 9}, {"MILEAGE", NULL, 10},
    {"VIN", "vin", 17}, {"URL", "url", 0},
};
static const struct column business_cols[] = {
    {"NAME", "name", 28}, {"CITY", "city", 18}, {"STATE", "state", 5},
    {"COUNTRY", "country", 7}, {"WEBSITE", "website", 0},
};
static const struct column image_cols[] = {
    {"POS", "position", 4}, {"VEHICLE", "vehicle_url", 40}, {"URL", "url", 0},
};

/* Printable cell text for a column of a record. */
static void cell(json_t *rec, const struct column *c, char *out, size_t outlen)
{
    json_t *v;

    out[0] = '\0';
    if (!c->field && !strcmp(c->header, "PRICE")) {
        json_t *p = json_object_get(rec, "sale_price");
        if (!p)
            p = json_object_get(rec, "asking_price");
        if (!p)
            p = json_object_get(rec, "high_bid");
        if (p)
            snprintf(out, outlen, "%lld", (long long)json_integer_value(p));
        return;
    }
    if (!c->field && !strcmp(c->header, "MILEAGE")) {
        json_t *m = json_object_get(rec, "mileage");
        if (m)
            snprintf(out, outlen, "%lld %s", (long long)json_integer_value(m),
                     json_string_value(json_object_get(rec, "mileage_unit"))
                         ? json_string_value(json_object_get(rec, "mileage_unit")) : "");
        return;
    }
    v = json_object_get(rec, c->field);
    if (json_is_string(v))
        snprintf(out, outlen, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(out, outlen, "%s", json_is_true(v) ? "yes" : "no");
}

/* Byte length of the first `width` characters of UTF-8 text. */
static size_t utf8_prefix(const char *s, int width, int *chars)
{
    size_t i = 0;
    int n = 0;

    while (s[i] && (width <= 0 || n < width)) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        n++;
    }
    *chars = n;
    return i;
}

static int print_row(FILE *out, const struct column *cols, size_t ncols, json_t *rec)
{
    char text[1024];

    for (size_t i = 0; i < ncols; i++) {
        int chars;
        size_t bytes;
        if (rec)
            cell(rec, &cols[i], text, sizeof(text));
        else
            snprintf(text, sizeof(text), "%s", cols[i].header);
        bytes = utf8_prefix(text, cols[i].width, &chars);
        fwrite(text, 1, bytes, out);
        if (i + 1 < ncols)
            fprintf(out, "%*s", cols[i].width - chars + 2, "");
    }
    return fputc('\n', out) == EOF ? -1 : 0;
}

int cv_sink_record(struct cv_sink *s, json_t *rec)
{
    enum cv_record_type type = cv_record_type_from_name(json_string_value(json_object_get(rec, "type")));
    const struct column *cols = vehicle_cols;
    size_t ncols = sizeof(vehicle_cols) / sizeof(vehicle_cols[0]);
    char *line;
    int rc = 0;

    s->count++;
    switch (s->format) {
    case CV_OUTPUT_NONE:
        return 0;
    case CV_OUTPUT_JSONL:
        line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!line)
            return -1;
        if (fputs(line, s->out) == EOF || fputc('\n', s->out) == EOF)
            rc = -1;
        free(line);   /* jansson's allocation: plain malloc */
        break;
    case CV_OUTPUT_TABLE:
        if (type == CV_RECORD_BUSINESS) {
            cols = business_cols;
            ncols = sizeof(business_cols) / sizeof(business_cols[0]);
        } else if (type == CV_RECORD_IMAGE) {
            cols = image_cols;
            ncols = sizeof(image_cols) / sizeof(image_cols[0]);
        }
        if (!s->header_printed[type]) {
            s->header_printed[type] = 1;
            if (print_row(s->out, cols, ncols, NULL) < 0)
                return -1;
        }
        rc = print_row(s->out, cols, ncols, rec);
        break;
    }
    if (fflush(s->out) == EOF)
        rc = -1;
    return rc;
}
