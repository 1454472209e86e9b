/*
 * jsonx.h -- JSON as found in web pages: lenient parsing, values assigned
 * to script variables, and JSON-LD blocks.
 */
#ifndef CV_JSONX_H
#define CV_JSONX_H

#include <stddef.h>
#include <jansson.h>

/* Parse JSON, strictly first, then after repairing what pages commonly
 * break: a BOM, HTML comment or CDATA wrappers, // and block comments,
 * raw control characters inside strings, trailing commas, a trailing ';'.
 * New reference, or NULL with a message (with position) in errbuf. */
json_t *cv_json_lenient(const char *text, size_t len, char *errbuf, size_t errlen);

/* Length of the balanced JSON object or array starting at s[0] ('{' or
 * '['), honouring strings and escapes; 0 when unbalanced or not one. */
size_t cv_json_span(const char *s, size_t len);

/* Find `name` assigned in script text (var/let/const name =, window.name =,
 * window["name"] =, name =) and parse the object/array that follows.
 * New reference or NULL. */
json_t *cv_json_find_var(const char *script, size_t len, const char *name);

/* Append to `out` (an array) the objects of one parsed JSON-LD block:
 * arrays and @graph are flattened.  0, or -1 when out of memory. */
int cv_jsonld_flatten(json_t *block, json_t *out);

/* Does JSON-LD object `obj` have @type `type`?  Compares without the
 * schema.org prefix, case-insensitively, and knows common subtypes
 * (a Car is a Vehicle, an AutoDealer a LocalBusiness...). */
int cv_jsonld_is_type(json_t *obj, const char *type);

#endif
