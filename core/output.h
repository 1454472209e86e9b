/*
 * output.h -- printing records on stdout (--output jsonl|table|none).
 */
#ifndef CV_OUTPUT_H
#define CV_OUTPUT_H

#include "options.h"

#include <jansson.h>
#include <stdio.h>

struct cv_sink {
    enum cv_output format;
    FILE *out;
    int header_printed[4];     /* per record type, for tables */
    unsigned long count;
};

void cv_sink_init(struct cv_sink *s, enum cv_output format, FILE *out);
/* Print one record (a JSON object with "type" first).  0, or -1 when the
 * output cannot be written (e.g. a closed pipe). */
int cv_sink_record(struct cv_sink *s, json_t *record);

#endif
