/*
 * jsonx.c -- lenient JSON, script variables and JSON-LD (see jsonx.h).
 */
#include "jsonx.h"
#include "buf.h"
#include "mem.h"
#include "str.h"

#include <stdio.h>
#include <string.h>

/* ASCII whitespace.  (cv_space_len() would read up to 3 bytes, past the
 * end of a buffer that ends in a UTF-8 lead byte.) */
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_ident(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

size_t cv_json_span(const char *s, size_t len)
{
    char stack[256];
    size_t depth = 0, i;
    int in_str = 0;

    if (!len || (s[0] != '{' && s[0] != '['))
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == in_str)
                in_str = 0;
            continue;
        }
        switch (c) {
        case '"':
            in_str = '"';
            break;
        case '{':
        case '[':
            if (depth == sizeof(stack))
                return 0;
            stack[depth++] = c == '{' ? '}' : ']';
            break;
        case '}':
        case ']':
            if (!depth || stack[depth - 1] != c)
                return 0;
            if (--depth == 0)
                return i + 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/*
 * One repair pass over the text: drop comments, escape control characters
 * inside strings, remove commas that close nothing.  Works on bytes; the
 * JSON grammar is ASCII so UTF-8 content passes through untouched.
 */
static int repair(const char *s, size_t len, struct cv_buf *b)
{
    size_t i = 0, end = len;

    /* Wrappers seen around JSON-LD and inline data. */
    while (i < end && (is_space((unsigned char)s[i]) || (unsigned char)s[i] == 0xEF)) {
        if ((unsigned char)s[i] == 0xEF) {
            if (end - i >= 3 && (unsigned char)s[i + 1] == 0xBB && (unsigned char)s[i + 2] == 0xBF)
                i += 3;
            else
                break;
        } else {
            i++;
        }
    }
    if (end - i >= 4 && !memcmp(s + i, "<!--", 4))
        i += 4;
    /* Trailing whitespace and ';', around a "-->" as well ("{...}; -->"). */
    for (int pass = 0; pass < 2; pass++) {
        while (end > i && (is_space((unsigned char)s[end - 1]) || s[end - 1] == ';'))
            end--;
        if (pass == 0 && end - i >= 3 && !memcmp(s + end - 3, "-->", 3))
            end -= 3;
    }

    while (i < end) {
        char c = s[i];
        if (c == '"') {
            if (cv_buf_putc(b, c) < 0)
                return -1;
            for (i++; i < end; i++) {
                unsigned char d = (unsigned char)s[i];
                if (d == '\\' && i + 1 < end) {
                    if (cv_buf_append(b, s + i, 2) < 0)
                        return -1;
                    i++;
                    continue;
                }
                if (d == '"')
                    break;
                if (d < 0x20) {
                    char esc[8];
                    snprintf(esc, sizeof(esc), "\\u%04x", d);
                    if (cv_buf_puts(b, esc) < 0)
                        return -1;
                    continue;
                }
                if (cv_buf_putc(b, (char)d) < 0)
                    return -1;
            }
            if (i < end && cv_buf_putc(b, '"') < 0)
                return -1;
            i++;
            continue;
        }
        if (c == '/' && i + 1 < end && s[i + 1] == '/') {
            while (i < end && s[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && i + 1 < end && s[i + 1] == '*') {
            const char *close = NULL;
            for (size_t j = i + 2; j + 1 < end; j++)
                if (s[j] == '*' && s[j + 1] == '/') {
                    close = s + j;
                    break;
                }
            i = close ? (size_t)(close - s) + 2 : end;
            continue;
        }
        if (c == ',') {
            size_t j = i + 1;
            while (j < end && is_space((unsigned char)s[j]))
                j++;
            if (j < end && (s[j] == '}' || s[j] == ']')) {
                i++;
                continue;
            }
        }
        if (cv_buf_putc(b, c) < 0)
            return -1;
        i++;
    }
    return 0;
}

json_t *cv_json_lenient(const char *text, size_t len, char *errbuf, size_t errlen)
{
    json_error_t jerr;
    struct cv_buf b;
    json_t *v;

    v = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (v)
        return v;
    cv_buf_init(&b, len * 6 + 16);
    if (repair(text, len, &b) < 0) {
        snprintf(errbuf, errlen, "out of memory");
        cv_buf_free(&b);
        return NULL;
    }
    v = json_loadb(cv_buf_str(&b), b.len, JSON_DECODE_ANY, &jerr);
    if (!v)
        snprintf(errbuf, errlen, "%s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    cv_buf_free(&b);
    return v;
}

/* After `name` at s[i], is this an assignment?  Returns the index of the
 * value's first character, or 0. */
static size_t assignment_value(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '"' || s[i] == '\'' || s[i] == ']'))
        i++;
    if (i >= len || s[i] != '=' || (i + 1 < len && s[i + 1] == '='))
        return 0;
    i++;
    while (i < len && is_space((unsigned char)s[i]))
        i++;
    return i < len ? i : 0;
}

json_t *cv_json_find_var(const char *script, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = script, *end = script + len;

    if (!nlen)
        return NULL;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), name, nlen);
        size_t at, vstart, span;
        if (!hit)
            break;
        at = (size_t)(hit - script);
        p = hit + nlen;
        /* Whole identifier only: "x" must not match inside "max". */
        if ((at > 0 && is_ident((unsigned char)script[at - 1]) && script[at - 1] != '.') ||
            (at + nlen < len && is_ident((unsigned char)script[at + nlen])))
            continue;
        vstart = assignment_value(script, len, at + nlen);
        if (!vstart)
            continue;
        span = cv_json_span(script + vstart, len - vstart);
        if (span) {
            char err[160];
            json_t *v = cv_json_lenient(script + vstart, span, err, sizeof(err));
            if (v)
                return v;
        }
    }
    return NULL;
}

int cv_jsonld_flatten(json_t *block, json_t *out)
{
    size_t i;
    json_t *item, *graph;

    if (json_is_array(block)) {
        json_array_foreach(block, i, item)
            if (cv_jsonld_flatten(item, out) < 0)
                return -1;
        return 0;
    }
    if (!json_is_object(block))
        return 0;
    graph = json_object_get(block, "@graph");
    if (graph)
        return cv_jsonld_flatten(graph, out);
    return json_array_append(out, block);
}

/* Subtypes carvest cares about; "a X is also a Y". */
static const char *const subtypes[][2] = {
    {"Car", "Vehicle"}, {"Motorcycle", "Vehicle"}, {"BusOrCoach", "Vehicle"},
    {"MotorizedBicycle", "Vehicle"}, {"Vehicle", "Product"}, {"Car", "Product"},
    {"Motorcycle", "Product"}, {"IndividualProduct", "Product"}, {"ProductModel", "Product"},
    {"AutoDealer", "AutomotiveBusiness"}, {"AutoRepair", "AutomotiveBusiness"},
    {"AutoBodyShop", "AutomotiveBusiness"}, {"AutoPartsStore", "AutomotiveBusiness"},
    {"AutomotiveBusiness", "LocalBusiness"}, {"AutoDealer", "LocalBusiness"},
    {"AutoRepair", "LocalBusiness"}, {"Store", "LocalBusiness"},
    {"LocalBusiness", "Organization"}, {"AutomotiveBusiness", "Organization"},
    {"AutoDealer", "Organization"}, {"AutoRepair", "Organization"},
    {"Corporation", "Organization"}, {"Store", "Organization"},
};

static const char *strip_schema(const char *t)
{
    static const char *const prefixes[] = {
        "https://schema.org/", "http://schema.org/", "schema:", "https://www.schema.org/",
    };

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (cv_starts_with_ci(t, prefixes[i]))
            return t + strlen(prefixes[i]);
    return t;
}

static int type_matches(const char *have, const char *want)
{
    have = strip_schema(have);
    want = strip_schema(want);
    if (!cv_ascii_casecmp(have, want))
        return 1;
    /* Up the hierarchy (the table has no cycles): an AutoBodyShop is an
     * AutomotiveBusiness, hence a LocalBusiness, hence an Organization. */
    for (size_t i = 0; i < sizeof(subtypes) / sizeof(subtypes[0]); i++)
        if (!cv_ascii_casecmp(have, subtypes[i][0]) && type_matches(subtypes[i][1], want))
            return 1;
    return 0;
}

int cv_jsonld_is_type(json_t *obj, const char *type)
{
    json_t *t = json_object_get(obj, "@type");
    size_t i;
    json_t *one;

    if (!type)
        return 1;
    if (json_is_string(t))
        return type_matches(json_string_value(t), type);
    json_array_foreach(t, i, one)
        if (json_is_string(one) && type_matches(json_string_value(one), type))
            return 1;
    return 0;
}
