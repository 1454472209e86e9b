/*
 * record.h -- the records sources emit (DESIGN.md section 4).
 *
 * A record is built field by field.  Every field has a kind (price,
 * mileage, URL, ...) and values given as text go through that kind's
 * normaliser, so all sources produce the same shapes.  finish() derives
 * what the title gives and validates; to_json() writes the fields in the
 * documented order with "type" first.  Absent values are omitted.
 */
#ifndef CV_RECORD_H
#define CV_RECORD_H

#include <carvest/plugin.h>
#include <jansson.h>
#include <stddef.h>

struct cv_page;

struct cv_record {
    struct cv_page *page;    /* page that created it, NULL outside a page */
    enum cv_record_type type;
    json_t *fields;          /* name -> value, owned */
    char *base_url;          /* relative URLs resolve against it; may be NULL */
};

struct cv_record *cv_record_new(enum cv_record_type type, const char *base_url);
void cv_record_free(struct cv_record *r);

const char *cv_record_type_name(enum cv_record_type type);
/* "business", "vehicle", "image" -> type; 0 when unknown. */
enum cv_record_type cv_record_type_from_name(const char *name);

/*
 * Setters.  Return 0 when the value was stored or deliberately ignored
 * (blank text; a price field reading "Call for Price"), 1 when the field
 * does not exist for this record type (a programming error in the
 * source), -1 when the value cannot be read (a data problem).  The
 * message goes to errbuf in both failure cases.
 */
int cv_record_set_text(struct cv_record *r, const char *field, const char *text,
                       char *errbuf, size_t errlen);
int cv_record_set_int(struct cv_record *r, const char *field, long long v,
                      char *errbuf, size_t errlen);
int cv_record_set_bool(struct cv_record *r, const char *field, int v,
                       char *errbuf, size_t errlen);
int cv_record_add(struct cv_record *r, const char *field, const char *text,
                  char *errbuf, size_t errlen);
/* Is `field` a field of records of this type? */
int cv_record_has_field(enum cv_record_type type, const char *field);
/* The value set for a field, or NULL (borrowed). */
json_t *cv_record_get(const struct cv_record *r, const char *field);

/* Stamp the source, default the URL, derive year/make/model/trim from the
 * title where missing, and check the record is usable.  0, or -1 with the
 * reason in errbuf. */
int cv_record_finish(struct cv_record *r, const char *source, const char *page_url,
                     char *errbuf, size_t errlen);

/* The record as a JSON object in documented field order (new reference). */
json_t *cv_record_to_json(const struct cv_record *r);

/* Field names of a record type in output order, "type" first, into out[]
 * (at most max); returns how many there are. */
size_t cv_record_field_names(enum cv_record_type type, const char **out, size_t max);

#endif
