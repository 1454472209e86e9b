/*
 * css.c -- compile CSS selectors to XPath 1.0 (see css.h).
 *
 * Three layers:
 *   - a lexer that cuts the selector into CSS tokens (identifiers,
 *     strings, #hash, match operators, single delimiters) without
 *     allocating; escapes are only checked there and decoded later, when
 *     the parser needs a token's value;
 *   - a recursive-descent parser, one function per grammar rule:
 *       group    := complex (',' complex)*
 *       complex  := compound (combinator compound)*
 *       compound := (type | '*')? (#id | .class | [attr] | :pseudo)*
 *     with :not()/:is()/:where() taking compound lists and :has() taking
 *     relative complex selectors, so the rules recurse (depth-limited);
 *   - emitters that append XPath text to capped buffers.
 *
 * A compound selector is compiled to an element name plus one boolean
 * condition.  The same two pieces make a location step (axis::name[cond])
 * or, inside :not()/:is(), a boolean (self::name and cond).  So that both
 * uses mean the same thing, no condition depends on its position in a
 * predicate list: structural pseudo-classes count siblings instead of
 * using [1] or position().
 *
 * The selector is matched "scoped", like lxml's cssselect: every compound
 * of a complex selector must match inside the context subtree (the
 * context node included), and the result never leaves that subtree.
 */
#include "css.h"
#include "buf.h"
#include "mem.h"
#include "str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CSS_XPATH_MAX (64 * 1024)   /* cap of every buffer built here */
#define CSS_NEST_MAX 32             /* :not(:has(:is(...))) depth */
#define CSS_NTH_MAX 1000000000LL    /* |a| and |b| of an+b */
#define NOPOS ((size_t)-1)          /* error without a position */
#define CLIP_MAX 40                 /* bytes of source quoted in a message */

enum tok_type {
    TK_EOF,
    TK_WS,
    TK_IDENT,
    TK_FUNC,        /* identifier immediately followed by '(' */
    TK_HASH,
    TK_STRING,
    TK_MATCH,       /* ~= |= ^= $= *= (ch holds the first character) */
    TK_DELIM        /* any other single character */
};

struct token {
    enum tok_type type;
    size_t start;   /* byte offset of the first character */
    size_t end;     /* byte offset just past the token */
    int ch;         /* first byte of the token */
};

struct parser {
    const char *src;
    size_t len;
    size_t pos;     /* next unread byte */
    int depth;      /* functional pseudo-class nesting */
    int failed;     /* an error was recorded; later ones are dropped */
    char *errbuf;
    size_t errlen;
};

struct compound {
    char *type;             /* lower-cased element name; NULL for any */
    struct cv_buf cond;     /* conditions joined by " and "; "" for none */
};

enum comb {
    COMB_SCOPE,     /* first compound of a top-level selector */
    COMB_DESC,
    COMB_CHILD,
    COMB_ADJ,
    COMB_SIB,
    COMB_END
};

enum pseudo_kind {
    PS_FIRST_CHILD, PS_LAST_CHILD, PS_ONLY_CHILD,
    PS_FIRST_OF_TYPE, PS_LAST_OF_TYPE, PS_ONLY_OF_TYPE,
    PS_EMPTY, PS_ROOT,
    PS_NTH_CHILD, PS_NTH_LAST_CHILD, PS_NTH_OF_TYPE, PS_NTH_LAST_OF_TYPE,
    PS_NOT, PS_IS, PS_HAS, PS_CONTAINS,
    PS_ELEMENT      /* a CSS2 pseudo-element written with one colon */
};

struct pseudo_def {
    const char *name;
    enum pseudo_kind kind;
    int functional;
};

static const struct pseudo_def pseudo_defs[] = {
    { "first-child", PS_FIRST_CHILD, 0 },
    { "last-child", PS_LAST_CHILD, 0 },
    { "only-child", PS_ONLY_CHILD, 0 },
    { "first-of-type", PS_FIRST_OF_TYPE, 0 },
    { "last-of-type", PS_LAST_OF_TYPE, 0 },
    { "only-of-type", PS_ONLY_OF_TYPE, 0 },
    { "empty", PS_EMPTY, 0 },
    { "root", PS_ROOT, 0 },
    { "nth-child", PS_NTH_CHILD, 1 },
    { "nth-last-child", PS_NTH_LAST_CHILD, 1 },
    { "nth-of-type", PS_NTH_OF_TYPE, 1 },
    { "nth-last-of-type", PS_NTH_LAST_OF_TYPE, 1 },
    { "not", PS_NOT, 1 },
    { "is", PS_IS, 1 },
    { "where", PS_IS, 1 },      /* specificity is irrelevant to matching */
    { "has", PS_HAS, 1 },
    { "contains", PS_CONTAINS, 1 },
    { "before", PS_ELEMENT, 0 },
    { "after", PS_ELEMENT, 0 },
    { "first-line", PS_ELEMENT, 0 },
    { "first-letter", PS_ELEMENT, 0 },
};

static int parse_complex(struct parser *p, struct cv_buf *out, int nested);
static int parse_compound(struct parser *p, struct compound *c,
                          const char *outer_type);

/* ---- errors ---------------------------------------------------------- */

static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    /* The first error is the cause; anything after it is fallout. */
    if (p->failed)
        return -1;
    p->failed = 1;
    if (!p->errbuf || !p->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos == NOPOS)
        snprintf(p->errbuf, p->errlen, "%s", msg);
    else
        snprintf(p->errbuf, p->errlen, "%s at %zu", msg, pos);
    return -1;
}

/* Length of src[start, end) to quote in a message: at most CLIP_MAX
 * bytes, cut on a UTF-8 character boundary. */
static int clip(const struct parser *p, size_t start, size_t end)
{
    size_t n = end - start;

    if (n > CLIP_MAX) {
        n = CLIP_MAX;
        while (n && ((unsigned char)p->src[start + n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

/* ---- output ---------------------------------------------------------- */

static int putn(struct parser *p, struct cv_buf *b, const char *s, size_t n)
{
    if (cv_buf_append(b, s, n) == 0)
        return 0;
    if (n > b->max - b->len)
        return fail(p, p->pos, "selector too complex: XPath would exceed %zu bytes",
                    b->max);
    return fail(p, NOPOS, "out of memory");
}

static int put(struct parser *p, struct cv_buf *b, const char *s)
{
    return putn(p, b, s, strlen(s));
}

static int put_ll(struct parser *p, struct cv_buf *b, long long v)
{
    char num[32];

    snprintf(num, sizeof num, "%lld", v);
    return put(p, b, num);
}

/* An XPath 1.0 string literal for s[0, n).  XPath has no escapes, so a
 * value holding both quote characters is spelt as concat() of pieces. */
static int put_literal(struct parser *p, struct cv_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    int first = 1;

    if (!memchr(s, '\'', n))
        return (put(p, b, "'") || putn(p, b, s, n) || put(p, b, "'")) ? -1 : 0;
    if (!memchr(s, '"', n))
        return (put(p, b, "\"") || putn(p, b, s, n) || put(p, b, "\"")) ? -1 : 0;
    if (put(p, b, "concat("))
        return -1;
    for (;;) {
        const char *q = memchr(s + i, '\'', n - i);
        size_t seg = q ? (size_t)(q - (s + i)) : n - i;

        if (seg) {
            if ((!first && put(p, b, ",")) || put(p, b, "'") ||
                putn(p, b, s + i, seg) || put(p, b, "'"))
                return -1;
            first = 0;
        }
        if (!q)
            break;
        if ((!first && put(p, b, ",")) || put(p, b, "\"'\""))
            return -1;
        first = 0;
        i += seg + 1;
    }
    return put(p, b, ")");
}

/* ---- characters ------------------------------------------------------ */

static unsigned char at(const struct parser *p, size_t i)
{
    return i < p->len ? (unsigned char)p->src[i] : 0;   /* 0 is the end */
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_newline(unsigned char c)
{
    return c == '\n' || c == '\r' || c == '\f';
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_name(unsigned char c)
{
    return is_name_start(c) || is_digit(c) || c == '-';
}

/* Byte length of the UTF-8 character led by c (the input is validated
 * before lexing, so the lead byte is trustworthy). */
static size_t cp_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c < 0xE0)
        return 2;
    return c < 0xF0 ? 3 : 4;
}

/* Code points libxml2 accepts in an XPath expression (XML's Char). */
static int xml_char(unsigned long cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD ||
           (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Decode one UTF-8 character of s[0, n); its length, or 0 when the bytes
 * are not well-formed (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
    size_t len, i;
    unsigned long v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        v = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        v = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        v = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        return 0;
    *cp = v;
    return len;
}

static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The whole selector must be UTF-8 made of characters XPath can carry;
 * checking once here lets the lexer step over characters blindly and
 * keeps libxml2 from rejecting the XPath with a less helpful message.
 * Form feed is let through: it is CSS whitespace and never copied out. */
static int check_input(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->src;
    size_t i = 0;

    while (i < p->len) {
        unsigned long cp;
        size_t n = utf8_decode(s + i, p->len - i, &cp);

        if (!n)
            return fail(p, i, "invalid UTF-8");
        if (!xml_char(cp) && cp != '\f')
            return fail(p, i, "character U+%04lX is not allowed", cp);
        i += n;
    }
    return 0;
}

/* ---- lexer ----------------------------------------------------------- */

static int valid_escape(const struct parser *p, size_t i)
{
    return at(p, i) == '\\' && at(p, i + 1) && !is_newline(at(p, i + 1));
}

/* i is at the backslash of a valid escape; returns the offset after it. */
static size_t skip_escape(const struct parser *p, size_t i)
{
    int n = 0;

    i++;
    if (!is_hex(at(p, i)))
        return i + cp_len(at(p, i));
    while (n < 6 && is_hex(at(p, i))) {
        i++;
        n++;
    }
    /* One whitespace ends a hex escape and belongs to it. */
    if (at(p, i) == '\r' && at(p, i + 1) == '\n')
        return i + 2;
    return is_ws(at(p, i)) ? i + 1 : i;
}

static int starts_ident(const struct parser *p, size_t i)
{
    unsigned char c = at(p, i);

    if (c == '-') {
        c = at(p, i + 1);
        return is_name_start(c) || c == '-' || valid_escape(p, i + 1);
    }
    return is_name_start(c) || valid_escape(p, i);
}

static size_t skip_name(const struct parser *p, size_t i)
{
    for (;;) {
        unsigned char c = at(p, i);

        if (c && is_name(c))
            i += cp_len(c);
        else if (valid_escape(p, i))
            i = skip_escape(p, i);
        else
            return i;
    }
}

/* The token at offset i.  Only an unterminated string is a lexing error;
 * everything else the parser does not expect is a TK_DELIM it reports. */
static int lex(struct parser *p, size_t i, struct token *t)
{
    unsigned char c = at(p, i);

    t->start = i;
    t->ch = c;
    if (!c) {
        t->type = TK_EOF;
        t->end = i;
    } else if (is_ws(c)) {
        while (is_ws(at(p, i)))
            i++;
        t->type = TK_WS;
        t->end = i;
    } else if (c == '"' || c == '\'') {
        size_t j = i + 1;

        for (;;) {
            unsigned char d = at(p, j);

            if (d == c)
                break;
            if (!d || is_newline(d))
                return fail(p, i, "unterminated string");
            if (d != '\\') {
                j += cp_len(d);
            } else if (!at(p, j + 1)) {
                return fail(p, i, "unterminated string");
            } else if (at(p, j + 1) == '\r' && at(p, j + 2) == '\n') {
                j += 3;
            } else if (is_newline(at(p, j + 1))) {
                j += 2;
            } else {
                j = skip_escape(p, j);
            }
        }
        t->type = TK_STRING;
        t->end = j + 1;
    } else if (starts_ident(p, i)) {
        i = skip_name(p, i);
        if (at(p, i) == '(') {
            t->type = TK_FUNC;
            t->end = i + 1;
        } else {
            t->type = TK_IDENT;
            t->end = i;
        }
    } else if (c == '#' && ((at(p, i + 1) && is_name(at(p, i + 1))) ||
                            valid_escape(p, i + 1))) {
        /* Lenient like cssselect: "#4815162" is accepted although CSS
         * wants an identifier; Classic.com cards have numeric ids. */
        t->type = TK_HASH;
        t->end = skip_name(p, i + 1);
    } else if (strchr("~|^$*", c) && at(p, i + 1) == '=') {
        t->type = TK_MATCH;
        t->end = i + 2;
    } else {
        t->type = TK_DELIM;
        t->end = i + cp_len(c);
    }
    return 0;
}

static int peek(struct parser *p, struct token *t)
{
    return lex(p, p->pos, t);
}

static int is_delim(const struct token *t, int c)
{
    return t->type == TK_DELIM && t->ch == c;
}

static int skip_ws(struct parser *p)
{
    size_t start = p->pos;

    while (is_ws(at(p, p->pos)))
        p->pos++;
    return p->pos > start;
}

static int unexpected(struct parser *p, const struct token *t)
{
    if (t->type == TK_EOF)
        return fail(p, t->start, "unexpected end of selector");
    if (is_delim(t, '\\'))
        return fail(p, t->start, "invalid escape");
    if (t->type == TK_WS)
        return fail(p, t->start, "unexpected whitespace");
    return fail(p, t->start, "unexpected '%.*s'", clip(p, t->start, t->end),
                p->src + t->start);
}

/* Decode the identifier or string body src[i, end) into out: escapes
 * resolved, string line continuations dropped. */
static int decode(struct parser *p, size_t i, size_t end, struct cv_buf *out)
{
    while (i < end) {
        unsigned char c = at(p, i);
        char enc[4];
        unsigned long cp = 0;
        size_t n, j;
        int digits = 0;

        if (c != '\\') {
            n = cp_len(c);
            if (putn(p, out, p->src + i, n))
                return -1;
            i += n;
            continue;
        }
        c = at(p, i + 1);
        if (is_newline(c)) {
            i += (c == '\r' && at(p, i + 2) == '\n') ? 3 : 2;
            continue;
        }
        if (!is_hex(c)) {
            n = cp_len(c);
            if (putn(p, out, p->src + i + 1, n))
                return -1;
            i += 1 + n;
            continue;
        }
        for (j = i + 1; digits < 6 && is_hex(at(p, j)); j++, digits++)
            cp = cp * 16 + (unsigned long)hex_val(at(p, j));
        /* CSS Syntax 3 §4.3.7: these become the replacement character. */
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            cp = 0xFFFD;
        if (!xml_char(cp))
            return fail(p, i, "character U+%04lX (from an escape) is not allowed", cp);
        if (putn(p, out, enc, utf8_encode(cp, enc)))
            return -1;
        i = skip_escape(p, i);
    }
    return 0;
}

/* Decode token text into a new string (free with cv_free). */
static char *decode_new(struct parser *p, size_t i, size_t end)
{
    struct cv_buf b;
    char *s;

    cv_buf_init(&b, CSS_XPATH_MAX);
    if (decode(p, i, end, &b)) {
        cv_buf_free(&b);
        return NULL;
    }
    s = cv_buf_take(&b);
    if (!s)
        fail(p, NOPOS, "out of memory");
    return s;
}

/* ---- names ----------------------------------------------------------- */

/* Can the name be written as an XPath name test?  Anything else (a
 * leading '-', a colon, non-ASCII) is compared with name() instead, which
 * is slower but cannot be misread as a prefix or rejected. */
static int simple_name(const char *s)
{
    const char *q;

    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (q = s + 1; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
              (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '.'))
            return 0;
    return 1;
}

/* "axis::type" or "axis::*[name()='type']"; type NULL means any element. */
static int put_axis_test(struct parser *p, struct cv_buf *b, const char *axis,
                         const char *type)
{
    if (put(p, b, axis) || put(p, b, "::"))
        return -1;
    if (!type)
        return put(p, b, "*");
    if (simple_name(type))
        return put(p, b, type);
    return (put(p, b, "*[name()=") || put_literal(p, b, type, strlen(type)) ||
            put(p, b, "]")) ? -1 : 0;
}

/* An attribute as a node-set: "@name" or "@*[name()='name']". */
static int put_attr(struct parser *p, struct cv_buf *b, const char *name)
{
    if (simple_name(name))
        return (put(p, b, "@") || put(p, b, name)) ? -1 : 0;
    return (put(p, b, "@*[name()=") || put_literal(p, b, name, strlen(name)) ||
            put(p, b, "]")) ? -1 : 0;
}

/* ---- compounds ------------------------------------------------------- */

static void compound_init(struct compound *c)
{
    c->type = NULL;
    cv_buf_init(&c->cond, CSS_XPATH_MAX);
}

static void compound_free(struct compound *c)
{
    cv_free(c->type);
    c->type = NULL;
    cv_buf_free(&c->cond);
}

/* Start one more condition of c. */
static int cond_begin(struct parser *p, struct compound *c)
{
    return c->cond.len ? put(p, &c->cond, " and ") : 0;
}

/* Append c as one location step.  prefix is the separator and axis, e.g.
 * "/descendant::"; an adjacent sibling is the first following element,
 * then tested, so its own conditions go after the [1]. */
static int put_step(struct parser *p, struct cv_buf *out, const char *prefix,
                    int adjacent, const struct compound *c)
{
    int named = c->type && !simple_name(c->type);

    if (put(p, out, prefix))
        return -1;
    if (adjacent) {
        if (put(p, out, "following-sibling::*[1]"))
            return -1;
        if (!c->type && !c->cond.len)
            return 0;
        if (put(p, out, "["))
            return -1;
        if (c->type) {
            if (named) {
                if (put(p, out, "name()=") ||
                    put_literal(p, out, c->type, strlen(c->type)))
                    return -1;
            } else if (put(p, out, "self::") || put(p, out, c->type)) {
                return -1;
            }
            if (c->cond.len && put(p, out, " and "))
                return -1;
        }
        if (put(p, out, cv_buf_str(&c->cond)) || put(p, out, "]"))
            return -1;
        return 0;
    }
    if (put(p, out, named || !c->type ? "*" : c->type))
        return -1;
    if (named) {
        if (put(p, out, "[name()=") || put_literal(p, out, c->type, strlen(c->type)))
            return -1;
        if (c->cond.len && (put(p, out, " and ") || put(p, out, cv_buf_str(&c->cond))))
            return -1;
        return put(p, out, "]");
    }
    if (c->cond.len)
        return (put(p, out, "[") || put(p, out, cv_buf_str(&c->cond)) ||
                put(p, out, "]")) ? -1 : 0;
    return 0;
}

/* Append c as a boolean about the context node, in parentheses. */
static int put_bool(struct parser *p, struct cv_buf *out, const struct compound *c)
{
    if (put(p, out, "("))
        return -1;
    if (c->type) {
        if (simple_name(c->type)) {
            if (put(p, out, "self::") || put(p, out, c->type))
                return -1;
        } else if (put(p, out, "name()=") ||
                   put_literal(p, out, c->type, strlen(c->type))) {
            return -1;
        }
        if (c->cond.len && put(p, out, " and "))
            return -1;
    } else if (!c->cond.len && put(p, out, "true()")) {
        return -1;
    }
    return (put(p, out, cv_buf_str(&c->cond)) || put(p, out, ")")) ? -1 : 0;
}

/* ---- attribute selectors ---------------------------------------------- */

static int has_space(const char *s)
{
    return strpbrk(s, " \t\n\r") != NULL;
}

/* Characters, not bytes: string-length() counts code points. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The attribute's value as a string expression; with the `i` flag it is
 * folded to ASCII lower case, as HTML does for case-insensitive values. */
static int put_subject(struct parser *p, struct cv_buf *b, const char *name, int ci)
{
    if (!ci)
        return put_attr(p, b, name);
    return (put(p, b, "translate(") || put_attr(p, b, name) ||
            put(p, b, ",'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"))
           ? -1 : 0;
}

/* Append the condition for [name op value]; op is 0 for a bare [name].
 * An empty value never matches ^= $= *= ~=, and ~= never matches a value
 * holding whitespace (Selectors 4 §6.1, §6.2). */
static int put_attr_cond(struct parser *p, struct compound *c, const char *name,
                         int op, char *value, int ci)
{
    struct cv_buf *b = &c->cond;
    struct cv_buf word;
    int rc = -1;

    cv_buf_init(&word, CSS_XPATH_MAX);
    if (cond_begin(p, c))
        goto out;
    if (!op) {
        rc = put_attr(p, b, name);
        goto out;
    }
    if (ci)
        cv_ascii_lower(value);
    if ((op == '^' || op == '$' || op == '*' || op == '~') &&
        (!*value || (op == '~' && has_space(value)))) {
        rc = put(p, b, "false()");
        goto out;
    }
    /* Without translate() a missing attribute is an empty node-set and
     * fails every comparison; translate() turns it into "", which would
     * pass = "" and |= "", so name the attribute first. */
    if (ci && (put(p, b, "(") || put_attr(p, b, name) || put(p, b, " and ")))
        goto out;
    switch (op) {
    case '=':
        if (put_subject(p, b, name, ci) || put(p, b, "=") ||
            put_literal(p, b, value, strlen(value)))
            goto out;
        break;
    case '~':
        /* The exact word test allocates two strings per element; the plain
         * substring test before it rejects nearly every element first
         * (libxml2 short-circuits "and"), which is most of the cost of
         * class selectors on a page. */
        if (put(p, &word, " ") || put(p, &word, value) || put(p, &word, " ") ||
            put(p, b, "(contains(") || put_subject(p, b, name, ci) || put(p, b, ",") ||
            put_literal(p, b, value, strlen(value)) ||
            put(p, b, ") and contains(concat(' ',normalize-space(") ||
            put_subject(p, b, name, ci) || put(p, b, "),' '),") ||
            put_literal(p, b, word.data, word.len) || put(p, b, "))"))
            goto out;
        break;
    case '|':
        if (put(p, &word, value) || put(p, &word, "-"))
            goto out;
        if (put(p, b, "(") || put_subject(p, b, name, ci) || put(p, b, "=") ||
            put_literal(p, b, value, strlen(value)) || put(p, b, " or starts-with(") ||
            put_subject(p, b, name, ci) || put(p, b, ",") ||
            put_literal(p, b, word.data, word.len) || put(p, b, "))"))
            goto out;
        break;
    case '^':
        if (put(p, b, "starts-with(") || put_subject(p, b, name, ci) ||
            put(p, b, ",") || put_literal(p, b, value, strlen(value)) || put(p, b, ")"))
            goto out;
        break;
    case '$':
        /* XPath 1.0 has no ends-with(): compare the tail. */
        if (put(p, b, "substring(") || put_subject(p, b, name, ci) ||
            put(p, b, ",string-length(") || put_subject(p, b, name, ci) ||
            put(p, b, ") - ") || put_ll(p, b, (long long)utf8_chars(value) - 1) ||
            put(p, b, ")=") || put_literal(p, b, value, strlen(value)))
            goto out;
        break;
    default: /* '*' */
        if (put(p, b, "contains(") || put_subject(p, b, name, ci) || put(p, b, ",") ||
            put_literal(p, b, value, strlen(value)) || put(p, b, ")"))
            goto out;
        break;
    }
    if (ci && put(p, b, ")"))
        goto out;
    rc = 0;
out:
    cv_buf_free(&word);
    return rc;
}

/* [ name ], [ name op value ], [ name op value i|s ] */
static int parse_attrib(struct parser *p, struct compound *c)
{
    struct token t;
    char *name = NULL, *value = NULL, *flag = NULL;
    int op = 0, ci = 0, rc = -1;

    p->pos++;   /* '[' */
    skip_ws(p);
    if (peek(p, &t))
        goto out;
    if (is_delim(&t, '*') || is_delim(&t, '|')) {
        fail(p, t.start, "namespace prefixes are not supported");
        goto out;
    }
    if (t.type != TK_IDENT) {
        fail(p, t.start, "expected an attribute name");
        goto out;
    }
    if (!(name = decode_new(p, t.start, t.end)))
        goto out;
    cv_ascii_lower(name);   /* libxml2's HTML parser lower-cases them */
    p->pos = t.end;
    if (at(p, p->pos) == '|' && at(p, p->pos + 1) != '=') {
        fail(p, p->pos, "namespace prefixes are not supported");
        goto out;
    }
    skip_ws(p);
    if (peek(p, &t))
        goto out;
    if (is_delim(&t, '=') || t.type == TK_MATCH) {
        op = t.ch;
        p->pos = t.end;
        skip_ws(p);
        if (peek(p, &t))
            goto out;
        if (t.type == TK_IDENT)
            value = decode_new(p, t.start, t.end);
        else if (t.type == TK_STRING)
            value = decode_new(p, t.start + 1, t.end - 1);
        else {
            fail(p, t.start, "expected an identifier or a quoted string as attribute value");
            goto out;
        }
        if (!value)
            goto out;
        p->pos = t.end;
        skip_ws(p);
        if (peek(p, &t))
            goto out;
        if (t.type == TK_IDENT) {
            if (!(flag = decode_new(p, t.start, t.end)))
                goto out;
            if (cv_ascii_casecmp(flag, "i") == 0) {
                ci = 1;
            } else if (cv_ascii_casecmp(flag, "s") != 0) {
                fail(p, t.start, "unknown attribute selector flag '%.*s'",
                     clip(p, t.start, t.end), p->src + t.start);
                goto out;
            }
            p->pos = t.end;
            skip_ws(p);
            if (peek(p, &t))
                goto out;
        }
    }
    if (!is_delim(&t, ']')) {
        unexpected(p, &t);
        goto out;
    }
    p->pos = t.end;
    rc = put_attr_cond(p, c, name, op, value, ci);
out:
    cv_free(name);
    cv_free(value);
    cv_free(flag);
    return rc;
}

/* ---- pseudo-classes -------------------------------------------------- */

/* an+b, odd, even, or an integer, in src[i, end). */
static int parse_anb(const struct parser *p, size_t i, size_t end,
                     long long *a, long long *b)
{
    long long sign = 1, v = 0;
    int digits = 0;

    while (i < end && is_ws(at(p, i)))
        i++;
    while (end > i && is_ws(at(p, end - 1)))
        end--;
    if (end - i == 3 && cv_ascii_ncasecmp(p->src + i, "odd", 3) == 0) {
        *a = 2;
        *b = 1;
        return 0;
    }
    if (end - i == 4 && cv_ascii_ncasecmp(p->src + i, "even", 4) == 0) {
        *a = 2;
        *b = 0;
        return 0;
    }
    /* A sign must touch what it signs: "+ 3n" and "- n" are invalid. */
    if (i < end && (at(p, i) == '+' || at(p, i) == '-'))
        sign = at(p, i++) == '-' ? -1 : 1;
    for (; i < end && is_digit(at(p, i)); i++, digits++)
        if ((v = v * 10 + (at(p, i) - '0')) > CSS_NTH_MAX)
            return -1;
    if (i < end && (at(p, i) | 0x20) == 'n') {
        *a = sign * (digits ? v : 1);
        i++;
        while (i < end && is_ws(at(p, i)))
            i++;
        *b = 0;
        if (i == end)
            return 0;
        if (at(p, i) != '+' && at(p, i) != '-')
            return -1;
        sign = at(p, i++) == '-' ? -1 : 1;
        while (i < end && is_ws(at(p, i)))
            i++;
        v = 0;
        digits = 0;
        for (; i < end && is_digit(at(p, i)); i++, digits++)
            if ((v = v * 10 + (at(p, i) - '0')) > CSS_NTH_MAX)
                return -1;
        if (!digits || i != end)
            return -1;
        *b = sign * v;
        return 0;
    }
    if (!digits || i != end)
        return -1;
    *a = 0;
    *b = sign * v;
    return 0;
}

/* The element is the (an+b)th, for some n >= 0, among its element
 * siblings (of its type, if of_type), counting from the end if last.
 * With k = b - 1 and cnt = siblings before it: a = 0: cnt = k; a > 0:
 * cnt >= k and (cnt - k) mod a = 0; a < 0: cnt <= k and (k - cnt) mod -a
 * = 0.  Every mod operand is kept non-negative, where XPath's truncating
 * mod agrees with arithmetic. */
static int put_nth(struct parser *p, struct compound *c, long long a, long long b,
                   int last, const char *type)
{
    struct cv_buf *o = &c->cond;
    struct cv_buf cnt;
    long long k = b - 1;
    int rc = -1;

    cv_buf_init(&cnt, CSS_XPATH_MAX);
    if (put(p, &cnt, "count(") ||
        put_axis_test(p, &cnt, last ? "following-sibling" : "preceding-sibling", type) ||
        put(p, &cnt, ")"))
        goto out;
    if (a > 0 && k <= 0) {
        long long m = (-k) % a;     /* (cnt - k) mod a, with -k folded in */

        if (a == 1) {
            rc = 0;                 /* every position matches */
            goto out;
        }
        if (cond_begin(p, c))
            goto out;
        if (m == 0)
            rc = (put(p, o, cnt.data) || put(p, o, " mod ") || put_ll(p, o, a) ||
                  put(p, o, " = 0")) ? -1 : 0;
        else
            rc = (put(p, o, "(") || put(p, o, cnt.data) || put(p, o, " + ") ||
                  put_ll(p, o, m) || put(p, o, ") mod ") || put_ll(p, o, a) ||
                  put(p, o, " = 0")) ? -1 : 0;
        goto out;
    }
    if (cond_begin(p, c))
        goto out;
    if ((a == 0 || a < 0) && k < 0) {
        rc = put(p, o, "false()");
    } else if (a == 0) {
        rc = (put(p, o, cnt.data) || put(p, o, " = ") || put_ll(p, o, k)) ? -1 : 0;
    } else if (a == 1 || a == -1) {
        rc = (put(p, o, cnt.data) || put(p, o, a > 0 ? " >= " : " <= ") ||
              put_ll(p, o, k)) ? -1 : 0;
    } else if (a > 0) {
        rc = (put(p, o, "(") || put(p, o, cnt.data) || put(p, o, " >= ") ||
              put_ll(p, o, k) || put(p, o, " and (") || put(p, o, cnt.data) ||
              put(p, o, " - ") || put_ll(p, o, k) || put(p, o, ") mod ") ||
              put_ll(p, o, a) || put(p, o, " = 0)")) ? -1 : 0;
    } else {
        rc = (put(p, o, "(") || put(p, o, cnt.data) || put(p, o, " <= ") ||
              put_ll(p, o, k) || put(p, o, " and (") || put_ll(p, o, k) ||
              put(p, o, " - ") || put(p, o, cnt.data) || put(p, o, ") mod ") ||
              put_ll(p, o, -a) || put(p, o, " = 0)")) ? -1 : 0;
    }
out:
    cv_buf_free(&cnt);
    return rc;
}

/* The argument of :nth-*( ... ); p->pos is just past the '('. */
static int parse_nth(struct parser *p, struct compound *c, size_t colon,
                     size_t name_end, int last, const char *type)
{
    size_t start = p->pos, close = start;
    long long a, b;

    while (at(p, close) && at(p, close) != ')')
        close++;
    if (!at(p, close))
        return fail(p, close, "expected ')'");
    if (parse_anb(p, start, close, &a, &b))
        return fail(p, start, "invalid argument to '%.*s)'",
                    clip(p, colon, name_end), p->src + colon);
    p->pos = close + 1;
    return put_nth(p, c, a, b, last, type);
}

/* :contains("text") / :contains(word): the element's text content
 * (string(.), all descendant text, as jQuery's :contains) holds text,
 * case-sensitively. */
static int parse_contains(struct parser *p, struct compound *c)
{
    struct token t;
    char *text = NULL;
    int rc = -1;

    skip_ws(p);
    if (peek(p, &t))
        goto out;
    if (t.type == TK_STRING)
        text = decode_new(p, t.start + 1, t.end - 1);
    else if (t.type == TK_IDENT)
        text = decode_new(p, t.start, t.end);
    else {
        fail(p, t.start, "':contains()' expects a string");
        goto out;
    }
    if (!text)
        goto out;
    p->pos = t.end;
    skip_ws(p);
    if (peek(p, &t))
        goto out;
    if (!is_delim(&t, ')')) {
        unexpected(p, &t);
        goto out;
    }
    p->pos = t.end;
    rc = (cond_begin(p, c) || put(p, &c->cond, "contains(string(.),") ||
          put_literal(p, &c->cond, text, strlen(text)) || put(p, &c->cond, ")")) ? -1 : 0;
out:
    cv_free(text);
    return rc;
}

/* :not(list) / :is(list): a comma-separated list of compound selectors.
 * type is the element type of the enclosing compound, so that
 * li:not(:first-of-type) counts li siblings. */
static int parse_compound_list(struct parser *p, struct compound *c, int negate,
                               const char *type, size_t colon, size_t name_end)
{
    struct cv_buf any;
    struct compound inner;
    struct token t;
    int n = 0, rc = -1;

    cv_buf_init(&any, CSS_XPATH_MAX);
    compound_init(&inner);
    for (;;) {
        int ws;

        skip_ws(p);
        if (parse_compound(p, &inner, type))
            goto out;
        if ((n++ && put(p, &any, " or ")) || put_bool(p, &any, &inner))
            goto out;
        compound_free(&inner);
        compound_init(&inner);
        ws = skip_ws(p);
        if (peek(p, &t))
            goto out;
        if (is_delim(&t, ')'))
            break;
        if (is_delim(&t, ',')) {
            p->pos = t.end;
            continue;
        }
        if (is_delim(&t, '>') || is_delim(&t, '+') || is_delim(&t, '~') ||
            (ws && t.type != TK_EOF)) {
            fail(p, t.start, "'%.*s)' takes compound selectors, not combinators",
                 clip(p, colon, name_end), p->src + colon);
            goto out;
        }
        if (t.type == TK_EOF)
            fail(p, t.start, "expected ')'");
        else
            unexpected(p, &t);
        goto out;
    }
    p->pos = t.end;
    /* Each alternative is already parenthesised by put_bool(). */
    if (cond_begin(p, c) || put(p, &c->cond, negate ? "not" : "") ||
        (n > 1 && put(p, &c->cond, "(")) || put(p, &c->cond, any.data) ||
        (n > 1 && put(p, &c->cond, ")")))
        goto out;
    rc = 0;
out:
    compound_free(&inner);
    cv_buf_free(&any);
    return rc;
}

/* :has(rel, rel): some element reached by each relative selector exists. */
static int parse_has(struct parser *p, struct compound *c)
{
    struct cv_buf paths;
    struct token t;
    int n = 0, rc = -1;

    cv_buf_init(&paths, CSS_XPATH_MAX);
    for (;;) {
        if ((n++ && put(p, &paths, " or ")) || parse_complex(p, &paths, 1))
            goto out;
        if (peek(p, &t))
            goto out;
        if (is_delim(&t, ')'))
            break;
        if (is_delim(&t, ',')) {
            p->pos = t.end;
            continue;
        }
        fail(p, t.start, "expected ')'");   /* only the end gets here */
        goto out;
    }
    p->pos = t.end;
    if (cond_begin(p, c) || put(p, &c->cond, n > 1 ? "(" : "") ||
        put(p, &c->cond, paths.data) || put(p, &c->cond, n > 1 ? ")" : ""))
        goto out;
    rc = 0;
out:
    cv_buf_free(&paths);
    return rc;
}

static int parse_pseudo(struct parser *p, struct compound *c, const char *type)
{
    const struct pseudo_def *def = NULL;
    struct token t;
    char *name = NULL;
    size_t colon = p->pos, name_end, i;
    int rc = -1;

    p->pos++;   /* ':' */
    if (at(p, p->pos) == ':') {
        size_t end = p->pos + 1;

        if (starts_ident(p, end))
            end = skip_name(p, end);
        fail(p, colon, "pseudo-elements are not supported: '%.*s'",
             clip(p, colon, end), p->src + colon);
        goto out;
    }
    if (peek(p, &t))
        goto out;
    if (t.type != TK_IDENT && t.type != TK_FUNC) {
        fail(p, colon, "expected a pseudo-class name after ':'");
        goto out;
    }
    name_end = t.type == TK_FUNC ? t.end - 1 : t.end;
    if (!(name = decode_new(p, t.start, name_end)))
        goto out;
    cv_ascii_lower(name);
    for (i = 0; i < sizeof pseudo_defs / sizeof pseudo_defs[0]; i++)
        if (strcmp(pseudo_defs[i].name, name) == 0)
            def = &pseudo_defs[i];
    if (def && def->kind == PS_ELEMENT) {
        fail(p, colon, "pseudo-elements are not supported: '%.*s'",
             clip(p, colon, name_end), p->src + colon);
        goto out;
    }
    if (!def) {
        fail(p, colon, "unknown pseudo-class '%.*s%s'", clip(p, colon, name_end),
             p->src + colon, t.type == TK_FUNC ? "()" : "");
        goto out;
    }
    if (def->functional && t.type != TK_FUNC) {
        fail(p, colon, "'%.*s' needs an argument in parentheses",
             clip(p, colon, name_end), p->src + colon);
        goto out;
    }
    if (!def->functional && t.type == TK_FUNC) {
        fail(p, colon, "'%.*s' takes no argument", clip(p, colon, name_end),
             p->src + colon);
        goto out;
    }
    /* XPath 1.0 cannot compare a sibling's name with the current node's
     * (there is no current()), so -of-type needs a known element type. */
    if (!type && (def->kind == PS_FIRST_OF_TYPE || def->kind == PS_LAST_OF_TYPE ||
                  def->kind == PS_ONLY_OF_TYPE || def->kind == PS_NTH_OF_TYPE ||
                  def->kind == PS_NTH_LAST_OF_TYPE)) {
        fail(p, colon, "'%.*s' needs an element type before it (as in 'li%.*s')",
             clip(p, colon, name_end), p->src + colon, clip(p, colon, name_end),
             p->src + colon);
        goto out;
    }
    if (def->functional && ++p->depth > CSS_NEST_MAX) {
        fail(p, colon, "selector nested too deeply");
        goto out;
    }
    p->pos = t.end;
    switch (def->kind) {
    case PS_FIRST_CHILD:
        rc = (cond_begin(p, c) || put(p, &c->cond, "not(preceding-sibling::*)")) ? -1 : 0;
        break;
    case PS_LAST_CHILD:
        rc = (cond_begin(p, c) || put(p, &c->cond, "not(following-sibling::*)")) ? -1 : 0;
        break;
    case PS_ONLY_CHILD:
        rc = (cond_begin(p, c) ||
              put(p, &c->cond, "not(preceding-sibling::*) and not(following-sibling::*)"))
             ? -1 : 0;
        break;
    case PS_FIRST_OF_TYPE:
    case PS_LAST_OF_TYPE:
    case PS_ONLY_OF_TYPE:
        if (cond_begin(p, c))
            break;
        if (def->kind != PS_LAST_OF_TYPE &&
            (put(p, &c->cond, "not(") ||
             put_axis_test(p, &c->cond, "preceding-sibling", type) ||
             put(p, &c->cond, ")")))
            break;
        if (def->kind == PS_ONLY_OF_TYPE && put(p, &c->cond, " and "))
            break;
        if (def->kind != PS_FIRST_OF_TYPE &&
            (put(p, &c->cond, "not(") ||
             put_axis_test(p, &c->cond, "following-sibling", type) ||
             put(p, &c->cond, ")")))
            break;
        rc = 0;
        break;
    case PS_EMPTY:
        /* Comments do not count; text does, even whitespace (as browsers). */
        rc = (cond_begin(p, c) || put(p, &c->cond, "not(*) and not(text())")) ? -1 : 0;
        break;
    case PS_ROOT:
        rc = (cond_begin(p, c) || put(p, &c->cond, "not(parent::*)")) ? -1 : 0;
        break;
    case PS_NTH_CHILD:
    case PS_NTH_LAST_CHILD:
        rc = parse_nth(p, c, colon, t.end, def->kind == PS_NTH_LAST_CHILD, NULL);
        break;
    case PS_NTH_OF_TYPE:
    case PS_NTH_LAST_OF_TYPE:
        rc = parse_nth(p, c, colon, t.end, def->kind == PS_NTH_LAST_OF_TYPE, type);
        break;
    case PS_NOT:
    case PS_IS:
        rc = parse_compound_list(p, c, def->kind == PS_NOT, type, colon, t.end);
        break;
    case PS_HAS:
        rc = parse_has(p, c);
        break;
    case PS_CONTAINS:
        rc = parse_contains(p, c);
        break;
    case PS_ELEMENT:
        break;      /* rejected above */
    }
    if (def->functional)
        p->depth--;
out:
    cv_free(name);
    return rc;
}

/* ---- compound, complex, group ---------------------------------------- */

/* type? subclass*; at least one of them.  outer_type is the type of the
 * enclosing compound for a compound inside :not()/:is(). */
static int parse_compound(struct parser *p, struct compound *c, const char *outer_type)
{
    struct token t;
    int n = 0;

    if (peek(p, &t))
        return -1;
    if (t.type == TK_IDENT || is_delim(&t, '*')) {
        if (t.type == TK_IDENT) {
            if (!(c->type = decode_new(p, t.start, t.end)))
                return -1;
            cv_ascii_lower(c->type);    /* HTML element names are stored so */
        }
        p->pos = t.end;
        if (at(p, p->pos) == '|' && at(p, p->pos + 1) != '=')
            return fail(p, p->pos, "namespace prefixes are not supported");
        n++;
    }
    for (;; n++) {
        if (peek(p, &t))
            return -1;
        if (t.type == TK_HASH) {
            char *id = decode_new(p, t.start + 1, t.end);
            int rc;

            if (!id)
                return -1;
            rc = cond_begin(p, c) || put(p, &c->cond, "@id=") ||
                 put_literal(p, &c->cond, id, strlen(id));
            cv_free(id);
            if (rc)
                return -1;
            p->pos = t.end;
        } else if (is_delim(&t, '.')) {
            struct token name;
            char *cls;
            int rc;

            if (lex(p, t.end, &name))
                return -1;
            if (name.type != TK_IDENT)
                return fail(p, t.start, "expected a class name after '.'");
            if (!(cls = decode_new(p, name.start, name.end)))
                return -1;
            /* .x is [class~=x], case-sensitive as in standards mode. */
            rc = put_attr_cond(p, c, "class", '~', cls, 0);
            cv_free(cls);
            if (rc)
                return -1;
            p->pos = name.end;
        } else if (is_delim(&t, '[')) {
            if (parse_attrib(p, c))
                return -1;
        } else if (is_delim(&t, ':')) {
            if (parse_pseudo(p, c, c->type ? c->type : outer_type))
                return -1;
        } else {
            break;
        }
    }
    if (!n)
        return unexpected(p, &t);
    return 0;
}

/* After a compound: whitespace and/or one of > + ~, or the end of the
 * complex selector (',', the end, or ')' inside :has()). */
static int parse_combinator(struct parser *p, int nested, enum comb *next)
{
    struct token t;
    int ws = skip_ws(p);

    if (peek(p, &t))
        return -1;
    if (t.type == TK_EOF || is_delim(&t, ',') || (nested && is_delim(&t, ')'))) {
        *next = COMB_END;
        return 0;
    }
    if (is_delim(&t, '>') || is_delim(&t, '+') || is_delim(&t, '~')) {
        *next = t.ch == '>' ? COMB_CHILD : t.ch == '+' ? COMB_ADJ : COMB_SIB;
        p->pos = t.end;
        skip_ws(p);
        return 0;
    }
    if (!ws)
        return unexpected(p, &t);
    *next = COMB_DESC;
    return 0;
}

/* compound (combinator compound)*, appended to out as a location path.
 * Top level: the first step is descendant-or-self:: so the context node
 * itself can match -- except before + or ~, whose target would then be
 * the context's sibling, outside the subtree; descendants' siblings are
 * descendants too.  Nested (in :has()) the selector is relative and may
 * start with a combinator. */
static int parse_complex(struct parser *p, struct cv_buf *out, int nested)
{
    struct compound c;
    struct token t;
    enum comb prev = COMB_SCOPE, next = COMB_END;
    int first = 1, rc = -1;

    compound_init(&c);
    if (nested) {
        skip_ws(p);
        if (peek(p, &t))
            goto out;
        prev = COMB_DESC;
        if (is_delim(&t, '>') || is_delim(&t, '+') || is_delim(&t, '~')) {
            prev = t.ch == '>' ? COMB_CHILD : t.ch == '+' ? COMB_ADJ : COMB_SIB;
            p->pos = t.end;
            skip_ws(p);
        }
    }
    for (;;) {
        const char *prefix = "";
        int adjacent = 0;

        if (parse_compound(p, &c, NULL) || parse_combinator(p, nested, &next))
            goto out;
        switch (prev) {
        case COMB_SCOPE:
            prefix = (next == COMB_ADJ || next == COMB_SIB) ? "descendant::"
                                                            : "descendant-or-self::";
            break;
        case COMB_DESC:
            prefix = first ? "descendant::" : "/descendant::";
            break;
        case COMB_CHILD:
            /* Bare after '/' (a name test there is never an operator). */
            prefix = first ? "child::" : "/";
            break;
        case COMB_ADJ:
            prefix = first ? "" : "/";
            adjacent = 1;
            break;
        case COMB_SIB:
            prefix = first ? "following-sibling::" : "/following-sibling::";
            break;
        case COMB_END:
            break;
        }
        if (put_step(p, out, prefix, adjacent, &c))
            goto out;
        if (next == COMB_END)
            break;
        prev = next;
        first = 0;
        compound_free(&c);
        compound_init(&c);
    }
    rc = 0;
out:
    compound_free(&c);
    return rc;
}

/* complex (',' complex)*; returns how many, or -1. */
static int parse_group(struct parser *p, struct cv_buf *out)
{
    struct token t;
    int n = 0;

    skip_ws(p);
    if (p->pos == p->len)
        return fail(p, NOPOS, "empty selector");
    for (;;) {
        if ((n++ && put(p, out, " | ")) || parse_complex(p, out, 0))
            return -1;
        if (peek(p, &t))
            return -1;
        if (t.type == TK_EOF)
            return n;
        if (!is_delim(&t, ','))
            return unexpected(p, &t);   /* e.g. a stray ')' */
        p->pos = t.end;
        skip_ws(p);
    }
}

char *cv_css_to_xpath(const char *selector, char *errbuf, size_t errlen)
{
    struct parser p;
    struct cv_buf body, out;
    char *res = NULL;
    int n;

    p.src = selector;
    p.len = selector ? strlen(selector) : 0;
    p.pos = 0;
    p.depth = 0;
    p.failed = 0;
    p.errbuf = errbuf;
    p.errlen = errlen;
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!selector) {
        fail(&p, NOPOS, "no selector (NULL)");
        return NULL;
    }
    cv_buf_init(&body, CSS_XPATH_MAX);
    cv_buf_init(&out, CSS_XPATH_MAX);
    if (check_input(&p))
        goto out;
    n = parse_group(&p, &body);
    if (n < 0)
        goto out;
    /* Parenthesise a union so the caller can still apply a predicate or
     * a further step to the whole expression. */
    if (n > 1 && (put(&p, &out, "(") || putn(&p, &out, body.data, body.len) ||
                  put(&p, &out, ")")))
        goto out;
    if (!(res = cv_buf_take(n > 1 ? &out : &body)))
        fail(&p, NOPOS, "out of memory");
out:
    cv_buf_free(&body);
    cv_buf_free(&out);
    return res;
}
