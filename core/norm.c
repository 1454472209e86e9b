/*
 * norm.c -- normalisers shared by every source (see norm.h): the text a
 * page shows for a price, a mileage, a title, a VIN, a date or a place,
 * turned into the values a record stores.
 *
 * Everything here reads the caller's string where it lies and writes into
 * the caller's fixed buffers: no allocation, no locale, no libc time zone,
 * no mutable state, so any thread (and any Lua rule) may call it.  Scraped
 * text is hostile: every scan stops at the terminating NUL, every number
 * is capped before it can overflow, and every copy is cut at a UTF-8
 * character boundary.
 */
#include "norm.h"
#include "str.h"

#include <string.h>

/* ------------------------------------------------------------------------
 * Small character and span helpers
 * ---------------------------------------------------------------------- */

struct span {
    const char *p;
    size_t n;
};

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
    return is_digit(c) || is_alpha(c);
}

static int is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

static int to_lower(int c)
{
    return is_upper(c) ? c + ('a' - 'A') : c;
}

static int to_upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
}

static const char *skip_sp(const char *s)
{
    size_t k;

    while ((k = cv_space_len(s)))
        s += k;
    return s;
}

/* Byte length of the UTF-8 character at s, never past end; a malformed
 * sequence counts as one byte so that copying it cannot run away. */
static size_t utf8_len(const char *s, const char *end)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t want, i;

    if (u[0] < 0xC2)
        return 1;
    want = u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : u[0] < 0xF5 ? 4 : 1;
    if (want > (size_t)(end - s))
        return 1;
    for (i = 1; i < want; i++)
        if ((u[i] & 0xC0) != 0x80)
            return 1;
    return want;
}

/* Whitespace at s that lies wholly before end (0 if none). */
static size_t space_in(const char *s, const char *end)
{
    size_t k = s < end ? cv_space_len(s) : 0;

    return k <= (size_t)(end - s) ? k : 0;
}

static struct span trim_span(const char *s, size_t n)
{
    const char *end = s + n, *last, *q;
    struct span r;
    size_t k;

    while ((k = space_in(s, end)))
        s += k;
    last = s;
    for (q = s; q < end;) {
        if ((k = space_in(q, end))) {
            q += k;
            continue;
        }
        q++;
        last = q;
    }
    r.p = s;
    r.n = (size_t)(last - s);
    return r;
}

/* Copy n bytes of s into dst (cap bytes with the NUL) with whitespace runs
 * made one space, ends trimmed and invisible characters dropped.  A field
 * too long for its buffer is cut before the first character that does not
 * fit, so the result is always valid UTF-8 when the input was. */
static void copy_clean(char *dst, size_t cap, const char *s, size_t n)
{
    const char *end = s + n;
    size_t o = 0, k;
    int pending = 0;

    while (s < end) {
        if ((k = space_in(s, end))) {
            pending = o > 0;
            s += k;
            continue;
        }
        k = cv_invisible_len(s);
        if (k && k <= (size_t)(end - s)) {
            s += k;
            continue;
        }
        k = utf8_len(s, end);
        if (o + (size_t)pending + k >= cap)
            break;
        if (pending) {
            dst[o++] = ' ';
            pending = 0;
        }
        memcpy(dst + o, s, k);
        o += k;
        s += k;
    }
    dst[o] = '\0';
}

static void copy_str(char *dst, size_t cap, const char *s)
{
    copy_clean(dst, cap, s, strlen(s));
}

/* Where a word may end: the end of the text, whitespace or punctuation that
 * cannot be part of a name ("911S" and "Mercedes-AMG" are one word). */
static int at_boundary(const char *q)
{
    return !*q || cv_space_len(q) || strchr(",;:!?()[]/\"", *q) != NULL;
}

/* The whole span s equals word w, ASCII case-insensitively. */
static int span_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && cv_ascii_ncasecmp(s, w, n) == 0;
}

/* Phrase w occurs in s with no letter or digit touching either end. */
static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    const char *q;

    for (q = s; (q = cv_stristr(q, w)) != NULL; q++) {
        if (q > s && is_alnum((unsigned char)q[-1]))
            continue;
        if (is_alnum((unsigned char)q[n]))
            continue;
        return 1;
    }
    return 0;
}

/*
 * Length of the text at s that spells the pat_n bytes of pat, ASCII
 * case-insensitively, or 0.  Any run of whitespace in pat matches any run
 * in s; with loose set, a hyphen and whitespace are interchangeable too
 * ("Mercedes Benz", "Rolls Royce", "Land-Rover" are how people type them).
 */
static size_t match_words(const char *s, const char *pat, size_t pat_n, int loose)
{
    const char *p = pat, *pe = pat + pat_n, *q = s;
    size_t k;

    while (p < pe) {
        if (space_in(p, pe) || (loose && *p == '-')) {
            const char *q0 = q;

            while (p < pe && ((k = space_in(p, pe)) || (loose && *p == '-')))
                p += k ? k : 1;
            while ((k = cv_space_len(q)) || (loose && *q == '-'))
                q += k ? k : 1;
            if (q == q0)
                return 0;
            continue;
        }
        if (!*q || to_lower((unsigned char)*p) != to_lower((unsigned char)*q))
            return 0;
        p++;
        q++;
    }
    return (size_t)(q - s);
}

/*
 * Place names are compared in a folded form: ends trimmed, dots dropped
 * ("U.S.A.", "D.C."), whitespace runs made one space, a leading "The "
 * dropped ("The Netherlands").  0 when the name does not fit the key.
 */
static int place_key(const char *s, size_t n, char *key, size_t cap)
{
    struct span t = trim_span(s, n);
    const char *q = t.p, *end = t.p + t.n;
    size_t o = 0, k;
    int pending = 0;

    if (t.n > 4 && cv_ascii_ncasecmp(q, "the", 3) == 0 && cv_space_len(q + 3))
        q = skip_sp(q + 3);
    for (; q < end; q++) {
        if ((k = space_in(q, end))) {
            pending = o > 0;
            q += k - 1;
            continue;
        }
        if (*q == '.')
            continue;
        if (o + (size_t)pending + 1 >= cap)
            return 0;
        if (pending) {
            key[o++] = ' ';
            pending = 0;
        }
        key[o++] = *q;
    }
    key[o] = '\0';
    return o > 0;
}

/* ------------------------------------------------------------------------
 * Numbers as pages print them: "123,456", "1.383.342", "120'000",
 * "1 383 342", "79,995.00", "1.2" (before "k" or "million").
 * ---------------------------------------------------------------------- */

/* Nothing on a car page is worth more or has run further than this; a
 * bigger figure is a misparse (or an attack), never a value. */
#define NUM_CAP 1000000000000LL
#define MAX_GROUPS 12
#define FRAC_DIGITS 6

struct group {
    const char *p;      /* digits */
    size_t len;
    char sep;           /* separator before them: 0 (first), ',', '.', '\'', ' ' */
};

struct number {
    const char *end;
    long long ip;       /* integer part, capped just above NUM_CAP */
    long long frac;     /* up to FRAC_DIGITS fraction digits */
    int fdig;
    int over;           /* larger than NUM_CAP */
};

static size_t digit_run(const char *s)
{
    size_t n = 0;

    while (is_digit((unsigned char)s[n]))
        n++;
    return n;
}

/* Digit groups and their separators from p (which must be a digit). */
static const char *scan_groups(const char *p, struct group *g, int *ng)
{
    const char *q = p;
    int n = 0;
    char sep = 0;

    for (;;) {
        size_t len = digit_run(q), k;
        const char *r;

        g[n].p = q;
        g[n].len = len;
        g[n].sep = sep;
        q += len;
        if (++n == MAX_GROUPS)
            break;
        if ((*q == ',' || *q == '.') && is_digit((unsigned char)q[1])) {
            sep = *q;
            r = q + 1;
        } else if (*q == '\'' || ((unsigned char)q[0] == 0xE2 &&
                                  (unsigned char)q[1] == 0x80 &&
                                  (unsigned char)q[2] == 0x99)) {
            /* Swiss "120'000" (also typed with a curly apostrophe) */
            sep = '\'';
            r = q + (*q == '\'' ? 1 : 3);
            if (digit_run(r) != 3)
                break;
        } else if ((k = cv_space_len(q)) && *q != '\n' && *q != '\r' && len <= 3) {
            /* "1 383 342 €": only a group of exactly three digits after a
             * short group, so that "45,000 2 owners" or "19,250 2024" stay
             * two numbers */
            sep = ' ';
            r = q + k;
            if (digit_run(r) != 3)
                break;
        } else {
            break;
        }
        q = r;
    }
    *ng = n;
    return q;
}

/*
 * Decide which separator, if any, is the decimal point, and read the value.
 * Apostrophes and spaces only ever group thousands.  With both ',' and '.',
 * the last one is the decimal point if it appears once ("79,995.00",
 * "1.234,56").  A lone ',' or '.' groups thousands when exactly three digits
 * follow ("45.000 EUR", "45,000"), unless a multiplier follows ("$1.250M"),
 * and is a decimal point otherwise ("1.2", "1,5").
 */
static void read_number(const struct group *g, int ng, int scaled, struct number *num)
{
    int ncomma = 0, ndot = 0, dec = -1, i, last = ng - 1;
    size_t j;

    for (i = 1; i < ng; i++) {
        ncomma += g[i].sep == ',';
        ndot += g[i].sep == '.';
    }
    if (last > 0 && (g[last].sep == ',' || g[last].sep == '.')) {
        int same = g[last].sep == ',' ? ncomma : ndot;
        int other = g[last].sep == ',' ? ndot : ncomma;

        if (same == 1 && (other > 0 || scaled || g[last].len != 3))
            dec = last;
    }
    num->ip = 0;
    num->frac = 0;
    num->fdig = 0;
    num->over = 0;
    for (i = 0; i < ng; i++) {
        for (j = 0; j < g[i].len; j++) {
            int d = g[i].p[j] - '0';

            if (i == dec) {
                if (num->fdig < FRAC_DIGITS) {
                    num->frac = num->frac * 10 + d;
                    num->fdig++;
                }
            } else if (!num->over) {
                num->ip = num->ip * 10 + d;
                if (num->ip > NUM_CAP)
                    num->over = 1;
            }
        }
    }
}

/* "k", "M", "million", "thousand" after a number: the factor, and where the
 * word ends.  Millions only where they make sense (prices, not odometers).
 * A lone letter must touch the digits ("$45k", "$1.2M"): after a space it
 * is more likely a word ("$19,250 M/T"). */
static long long scan_multiplier(const char *p, int millions, const char **end)
{
    static const struct {
        const char *word;
        long long mult;
    } mults[] = {
        {"thousand", 1000LL}, {"million", 1000000LL}, {"billion", 1000000000LL},
        {"mil", 1000000LL}, {"mio", 1000000LL}, {"mln", 1000000LL},
        {"bn", 1000000000LL}, {"k", 1000LL}, {"m", 1000000LL},
    };
    const char *q = p;
    size_t i, k;
    int spaced = 0;

    if ((k = cv_space_len(q)) && *q != '\n') {
        q += k;
        spaced = 1;
    }
    for (i = 0; i < sizeof mults / sizeof mults[0]; i++) {
        size_t n = strlen(mults[i].word);

        if (mults[i].mult >= 1000000LL && !millions)
            continue;
        if (n == 1 && spaced)
            continue;
        if (cv_ascii_ncasecmp(q, mults[i].word, n) == 0 &&
            !is_alpha((unsigned char)q[n])) {
            *end = q + n;
            return mults[i].mult;
        }
    }
    *end = p;
    return 1;
}

/* The number at p (a digit) with its multiplier; *end after both. */
static void scan_number(const char *p, int millions, struct number *num, long long *mult)
{
    struct group g[MAX_GROUPS];
    const char *after;
    int ng;

    num->end = scan_groups(p, g, &ng);
    *mult = scan_multiplier(num->end, millions, &after);
    read_number(g, ng, *mult > 1, num);
    num->end = after;
}

/* num times mult, rounded to a whole unit; -1 when it passes NUM_CAP. */
static int scaled_value(const struct number *num, long long mult, long long *out)
{
    long long den = 1, v;
    int i;

    for (i = 0; i < num->fdig; i++)
        den *= 10;
    if (num->over || num->ip > NUM_CAP / mult)
        return -1;
    /* frac < 10^6 and mult <= 10^9, so this stays far below LLONG_MAX */
    v = num->ip * mult + (num->frac * mult * 2 + den) / (2 * den);
    if (v > NUM_CAP)
        return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------------
 * Prices
 * ---------------------------------------------------------------------- */

struct currency_sign {
    const char *text;
    const char *code;
};

/* Longer spellings first: "CA$" must win over "A$" and "$". */
static const struct currency_sign currency_signs[] = {
    {"US$", "USD"}, {"CAN$", "CAD"}, {"CA$", "CAD"}, {"C$", "CAD"},
    {"AU$", "AUD"}, {"A$", "AUD"}, {"NZ$", "NZD"}, {"HK$", "HKD"},
    {"SG$", "SGD"}, {"S$", "SGD"}, {"MX$", "MXN"}, {"R$", "BRL"},
    {"SFr.", "CHF"}, {"Fr.", "CHF"},
    {"$", "USD"},
    {"\xC2\xA3", "GBP"},            /* £ */
    {"\xE2\x82\xAC", "EUR"},        /* € */
    {"\xC2\xA5", "JPY"},            /* ¥ */
    {"\xEF\xBF\xA5", "JPY"},        /* fullwidth ¥ */
    {"\xE2\x82\xB9", "INR"},        /* ₹ */
    {"\xE2\x82\xA9", "KRW"},        /* ₩ */
    {"\xE2\x82\xBD", "RUB"},        /* ₽ */
    {"\xE2\x82\xBA", "TRY"},        /* ₺ */
};

/* Codes written out, upper case only so that words like "try" stay words. */
static const char *const currency_codes[] = {
    "USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK",
    "DKK", "HKD", "SGD", "AED", "MXN", "BRL", "ZAR", "CNY", "PLN", "CZK",
    "HUF", "BMD", "INR", "KRW", "RUB", "TRY", "ISK", "ARS", "CLP", "THB",
    "MYR", "SAR", "QAR", "ILS", "TWD", "KWD", "BHD", "RON", "BGN",
};

/*
 * Currency named at p: its ISO code and the length of the marker, or NULL.
 * *bare is set for a plain "$", which only says "dollars" and so yields to
 * a code written just before it ("CAD $45,000", "USD $70,500").
 */
static const char *currency_at(const char *start, const char *p, size_t *len, int *bare)
{
    int word_start = p == start || !is_alpha((unsigned char)p[-1]);
    size_t i;

    *bare = 0;
    if (word_start && is_upper((unsigned char)p[0]) && is_upper((unsigned char)p[1]) &&
        is_upper((unsigned char)p[2]) && !is_alpha((unsigned char)p[3])) {
        for (i = 0; i < sizeof currency_codes / sizeof currency_codes[0]; i++)
            if (memcmp(p, currency_codes[i], 3) == 0) {
                *len = 3;
                return currency_codes[i];
            }
    }
    for (i = 0; i < sizeof currency_signs / sizeof currency_signs[0]; i++) {
        const char *t = currency_signs[i].text;
        size_t n = strlen(t);

        if (is_alpha((unsigned char)t[0]) && !word_start)
            continue;
        if (strncmp(p, t, n) == 0) {
            *len = n;
            *bare = strcmp(t, "$") == 0;
            return currency_signs[i].code;
        }
    }
    if (word_start && cv_ascii_ncasecmp(p, "euro", 4) == 0) {
        size_t n = to_lower((unsigned char)p[4]) == 's' ? 5 : 4;

        if (!is_alpha((unsigned char)p[n])) {
            *len = n;
            return "EUR";
        }
    }
    return NULL;
}

struct money {
    long long amount;
    const char *code;   /* ISO code, NULL when no currency is shown */
    const char *end;
    int over;           /* the figure passed NUM_CAP */
};

/*
 * The next amount in the text from p: a number with an optional multiplier,
 * with the currency written just before it (spaces or a colon between) or
 * just after it ("1.383.342 €", "45.000 EUR").  Numbers that are parts of
 * dates or times ("on 11/10/25", "4:15") or of labels ("Lot #83") are not
 * amounts.  1 when one was found, 0 at the end of the text.
 */
static int next_money(const char *start, const char *p, struct money *m)
{
    const char *pend_code = NULL, *pend_at = NULL;

    while (*p) {
        const char *code;
        size_t len;
        int bare;

        if ((code = currency_at(start, p, &len, &bare)) != NULL) {
            if (!(bare && pend_code && pend_at == p))
                pend_code = code;
            p = skip_sp(p + len);
            if (*p == ':')
                p = skip_sp(p + 1);
            pend_at = p;
            continue;
        }
        if (is_digit((unsigned char)*p)) {
            size_t run = digit_run(p);
            struct number num;
            long long mult;
            const char *q;

            if ((p > start && (p[-1] == '/' || p[-1] == '#')) ||
                ((p[run] == '/' || p[run] == ':') && is_digit((unsigned char)p[run + 1]))) {
                while (is_digit((unsigned char)*p) || *p == '/' || *p == ':')
                    p++;
                continue;
            }
            scan_number(p, 1, &num, &mult);
            m->over = scaled_value(&num, mult, &m->amount) < 0;
            m->code = pend_code && pend_at == p ? pend_code : NULL;
            m->end = num.end;
            q = skip_sp(num.end);
            if ((code = currency_at(start, q, &len, &bare)) != NULL) {
                if (!m->code)
                    m->code = code;
                m->end = q + len;
            }
            return 1;
        }
        p++;
    }
    m->end = p;
    return 0;
}

/* Words that mean "no price here" ("Call for Price", "Price Undisclosed",
 * "SOLD", "Price on Request", "POA", "N/A"). */
static int says_no_price(const char *text)
{
    static const char *const words[] = {
        "call", "inquire", "inquiry", "enquire", "enquiry", "contact", "request",
        "undisclosed", "sold", "withdrawn", "n/a", "na", "tba", "tbd", "poa",
        "p.o.a", "none", "unavailable", "not available", "pending", "reserve",
        "offer", "offers", "ask", "price", "auction", "soon", "unknown",
    };
    size_t i;

    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(text, words[i]))
            return 1;
    return 0;
}

/* A bare number next to these is a phone number or a stock number, not a
 * price ("Call 555-0134 for price"). */
static int says_ask_dealer(const char *text)
{
    static const char *const words[] = {
        "call", "contact", "inquire", "enquire", "phone", "tel", "request",
    };
    size_t i;

    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(text, words[i]))
            return 1;
    return 0;
}

static void set_code(char dst[4], const char *code)
{
    if (code) {
        memcpy(dst, code, 3);
        dst[3] = '\0';
    } else {
        dst[0] = '\0';
    }
}

int cv_parse_price(const char *text, struct cv_price *out)
{
    struct money m, first, chosen, second;
    const char *p;
    int have_first = 0, have_chosen = 0, any_text = 0, over = 0;

    memset(out, 0, sizeof *out);
    if (!text)
        return 0;
    /* The first amount that names its currency is the price; a bare number
     * counts only when no amount has one ("43000"). */
    for (p = text; next_money(text, p, &m); p = m.end) {
        if (m.over) {
            over = 1;
            continue;
        }
        if (!have_first) {
            first = m;
            have_first = 1;
        }
        if (m.code) {
            chosen = m;
            have_chosen = 1;
            break;
        }
    }
    if (!have_chosen) {
        if (!have_first) {
            for (p = text; *p; p++)
                any_text |= is_alnum((unsigned char)*p);
            if (over)
                return -1;
            /* "-", "—", "" show nothing; words either say so or are noise.
             * Only ASCII words count: no currency word is written otherwise. */
            if (!any_text || says_no_price(text))
                return 0;
            return -1;
        }
        if (says_ask_dealer(text))
            return 0;
        chosen = first;
    }
    if (chosen.amount == 0)
        return 0;   /* "$0" is how listing software prints "no price" */
    out->amount = chosen.amount;
    set_code(out->currency, chosen.code);
    if (!chosen.code)
        return 1;
    /* "£45,000 ($57,150)": the USD figure is the price, the local one the
     * original, whichever order the page prints them in. */
    for (p = chosen.end; next_money(text, p, &second); p = second.end) {
        if (second.over || !second.code)
            continue;
        if (strcmp(second.code, chosen.code) == 0)
            break;
        if (strcmp(second.code, "USD") == 0) {
            out->amount = second.amount;
            set_code(out->currency, "USD");
            out->original_amount = chosen.amount;
            set_code(out->original_currency, chosen.code);
        } else if (strcmp(chosen.code, "USD") == 0) {
            out->original_amount = second.amount;
            set_code(out->original_currency, second.code);
        }
        break;
    }
    return 1;
}

/* ------------------------------------------------------------------------
 * Mileage
 * ---------------------------------------------------------------------- */

static int says_tmu(const char *text)
{
    static const char *const phrases[] = {
        "tmu", "true mileage unknown", "true miles unknown", "mileage unknown",
        "not actual mileage", "not actual miles", "odometer unknown",
    };
    size_t i;

    for (i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (has_word(text, phrases[i]))
            return 1;
    return 0;
}

/* Unit word at p: "km" or "mi" and its length, or NULL. */
static const char *unit_at(const char *p, size_t *len)
{
    static const struct {
        const char *word;
        const char *unit;
    } units[] = {
        {"kilometers", "km"}, {"kilometres", "km"}, {"kilometer", "km"},
        {"kilometre", "km"}, {"kilometri", "km"}, {"kms", "km"}, {"km", "km"},
        {"k.m.", "km"}, {"miles", "mi"}, {"mile", "mi"}, {"mls", "mi"},
        {"mi", "mi"},
    };
    size_t i;

    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].word);

        if (cv_ascii_ncasecmp(p, units[i].word, n) == 0 && !is_alpha((unsigned char)p[n])) {
            *len = n;
            return units[i].unit;
        }
    }
    return NULL;
}

int cv_parse_mileage(const char *text, struct cv_mileage *out)
{
    const char *p, *unit, *q;
    struct number num;
    long long mult, v;
    size_t len;

    memset(out, 0, sizeof *out);
    if (!text)
        return 0;
    out->tmu = says_tmu(text);
    for (p = text; *p && !is_digit((unsigned char)*p); p++)
        ;
    if (!*p)
        return 0;
    scan_number(p, 0, &num, &mult);
    if (scaled_value(&num, mult, &v) < 0)
        return 0;
    q = skip_sp(num.end);
    if (*q == '(')
        q = skip_sp(q + 1);     /* "51,115 (km)" */
    unit = unit_at(q, &len);
    if (!unit) {
        /* "Kilometers: 51,115" names the unit before the number */
        unit = "mi";
        for (q = text; q < p; q++)
            if ((q == text || !is_alpha((unsigned char)q[-1])) && unit_at(q, &len) &&
                to_lower((unsigned char)*q) == 'k') {
                unit = "km";
                break;
            }
    }
    out->value = v;
    memcpy(out->unit, unit, 3);
    return 1;
}

/* ------------------------------------------------------------------------
 * Makes and titles
 * ---------------------------------------------------------------------- */

/* Canonical spellings, as the marques write themselves (and as BaT and
 * Classic.com list them).  Cars, trucks, and the motorcycles BaT sells. */
static const char *const makes[] = {
    "Abarth", "AC", "Acura", "Alfa Romeo", "Allard", "Alpina", "Alpine", "Alvis",
    "AM General", "AMC", "Amphicar", "Ariel", "Aston Martin", "Auburn", "Audi",
    "Austin", "Austin-Healey", "Autobianchi", "Avanti", "Bentley", "Bizzarrini",
    "BMW", "Bricklin", "Bristol", "BSA", "Bugatti", "Buick", "Cadillac",
    "Caterham", "Checker", "Chevrolet", "Chrysler", "Citro\xC3\xABn", "Cord",
    "Crosley", "Cunningham", "Daihatsu", "Daimler", "Datsun", "De Tomaso",
    "Delage", "Delahaye", "DeLorean", "DeSoto", "Dodge", "Ducati",
    "Duesenberg", "Eagle", "Edsel", "Essex", "Excalibur", "Facel Vega",
    "Factory Five", "Ferrari", "Fiat", "Fisker", "Ford", "Franklin", "Frazer",
    "Genesis", "Geo", "Ghia", "Ginetta", "GMC", "Graham", "Harley-Davidson",
    "Hennessey", "Hillman", "Hispano-Suiza", "Holden", "Honda", "Hudson",
    "Hummer", "Hupmobile", "Hyundai", "Indian", "Infiniti",
    "International Harvester", "Iso", "Isuzu", "Jaguar", "Jeep", "Jensen",
    "Jensen-Healey", "Kaiser", "Kawasaki", "Kia", "Koenigsegg", "KTM", "Lada",
    "Lagonda", "Lamborghini", "Lancia", "Land Rover", "LaSalle", "Lexus",
    "Lincoln", "Lister", "Lotus", "Lucid", "Marcos", "Maserati", "Matra",
    "Maybach", "Mazda", "McLaren", "Mercedes-Benz", "Mercury", "Merkur",
    "Messerschmitt", "MG", "Mini", "Mitsubishi", "Morgan", "Morris",
    "Moto Guzzi", "MV Agusta", "Nash", "Nissan", "Noble", "Norton", "NSU",
    "Oldsmobile", "Opel", "Packard", "Pagani", "Panhard", "Panoz", "Peugeot",
    "Pierce-Arrow", "Plymouth", "Polestar", "Pontiac", "Porsche", "Ram",
    "Rambler", "Reliant", "Renault", "REO", "Riley", "Rivian", "Rolls-Royce",
    "Rover", "Ruf", "Saab", "Saleen", "Saturn", "Scion", "Shelby", "Simca",
    "Singer", "\xC5\xA0koda", "Smart", "Spyker", "Sterling", "Studebaker",
    "Stutz", "Subaru", "Sunbeam", "Superformance", "Suzuki", "Talbot", "Tatra",
    "Tesla", "Toyota", "Triumph", "Tucker", "TVR", "Vauxhall", "Vespa",
    "Vincent", "Volkswagen", "Volvo", "Willys", "Wolseley", "Yamaha", "Yugo",
};

struct make_alias {
    const char *alias;
    const char *canon;
};

/* Other ways titles spell a make.  Spacing and hyphen variants ("Mercedes
 * Benz", "Rolls Royce") need no entry: match_words() treats them alike. */
static const struct make_alias make_aliases[] = {
    {"Mercedes", "Mercedes-Benz"},
    {"VW", "Volkswagen"},
    {"Chevy", "Chevrolet"},
    {"Citroen", "Citro\xC3\xABn"},
    {"Skoda", "\xC5\xA0koda"},
    {"International", "International Harvester"},
    {"Alfa", "Alfa Romeo"},
    {"DeTomaso", "De Tomaso"},
    {"De Lorean", "DeLorean"},
    {"DMC", "DeLorean"},
    {"De Soto", "DeSoto"},
    {"Willys-Overland", "Willys"},
    {"American Motors", "AMC"},
    {"Harley", "Harley-Davidson"},
    {"Austin Healy", "Austin-Healey"},
};

/* Longest make spelled at s (ending on a word boundary): its canonical
 * spelling in *canon and the length of text it covers, or 0. */
static size_t match_make(const char *s, const char **canon)
{
    size_t best = 0, i, n;

    for (i = 0; i < sizeof makes / sizeof makes[0]; i++) {
        n = match_words(s, makes[i], strlen(makes[i]), 1);
        if (n > best && at_boundary(s + n)) {
            best = n;
            *canon = makes[i];
        }
    }
    for (i = 0; i < sizeof make_aliases / sizeof make_aliases[0]; i++) {
        n = match_words(s, make_aliases[i].alias, strlen(make_aliases[i].alias), 1);
        if (n > best && at_boundary(s + n)) {
            best = n;
            *canon = make_aliases[i].canon;
        }
    }
    return best;
}

const char *cv_canonical_make(const char *name)
{
    const char *canon = NULL;
    struct span t;
    size_t n;

    if (!name)
        return NULL;
    t = trim_span(name, strlen(name));
    if (!t.n)
        return NULL;
    n = match_make(t.p, &canon);
    return n == t.n ? canon : NULL;
}

/* Length of the word at s (up to whitespace). */
static size_t word_len(const char *s)
{
    const char *q = s;

    while (*q && !cv_space_len(q))
        q++;
    return (size_t)(q - s);
}

/* The first standalone four-digit year in 1885..2035 from s; *after is
 * the end of its token.  "1967", "(1967)" count; "1,994", "2002-Mile" and
 * "K20" do not. */
static int find_year(const char *s, const char **after)
{
    const char *t = skip_sp(s);

    while (*t) {
        size_t n = word_len(t);
        const char *a = t, *b = t + n;

        if (*a == '(')
            a++;
        if (b > a && strchr("),:;", b[-1]))
            b--;
        if (b - a == 4 && is_digit((unsigned char)a[0]) && is_digit((unsigned char)a[1]) &&
            is_digit((unsigned char)a[2]) && is_digit((unsigned char)a[3])) {
            int y = (a[0] - '0') * 1000 + (a[1] - '0') * 100 + (a[2] - '0') * 10 + (a[3] - '0');

            if (y >= 1885 && y <= 2035) {
                *after = t + n;
                return y;
            }
        }
        t = skip_sp(t + n);
    }
    return 0;
}

/* "No Reserve:" (or "No Reserve -", or no punctuation at all) at s: the
 * text after it, or NULL. */
static const char *after_no_reserve(const char *s)
{
    size_t n = match_words(s, "no reserve", 10, 0);
    const char *q;

    if (!n || is_alnum((unsigned char)s[n]))
        return NULL;
    q = skip_sp(s + n);
    if (*q == ':' || *q == '-')
        q++;
    else if (strncmp(q, "\xE2\x80\x93", 3) == 0 || strncmp(q, "\xE2\x80\x94", 3) == 0)
        q += 3;
    return skip_sp(q);
}

/* Model as the hint spells it, matched at s: its length in s, or 0. */
static size_t match_hint(const char *s, const char *hint)
{
    struct span h = trim_span(hint, strlen(hint));
    size_t n;

    if (!h.n)
        return 0;
    n = match_words(s, h.p, h.n, 0);
    return n && at_boundary(s + n) ? n : 0;
}

/* Make, model and trim from the text after the year. */
static void split_make_model(const char *s, const char *hint, struct cv_title *out)
{
    const char *canon = NULL, *rest;
    size_t n;

    s = skip_sp(s);
    if (!*s)
        return;
    if ((n = match_make(s, &canon)) != 0) {
        copy_str(out->make, sizeof out->make, canon);
    } else {
        n = word_len(s);
        copy_clean(out->make, sizeof out->make, s, n);
    }
    s = skip_sp(s + n);
    n = 0;
    if (hint) {
        n = match_hint(s, hint);
        /* a hint that still carries the make ("Porsche 356") */
        if (!n) {
            const char *hs = skip_sp(hint);
            size_t hn = match_make(hs, &canon);

            if (hn && *skip_sp(hs + hn))
                n = match_hint(s, hs + hn);
        }
    }
    if (!n)
        n = word_len(s);
    copy_clean(out->model, sizeof out->model, s, n);
    rest = s + n;
    copy_clean(out->trim, sizeof out->trim, rest, strlen(rest));
}

int cv_parse_title(const char *text, const char *model_hint, struct cv_title *out)
{
    const char *p, *q, *after = NULL, *canon;

    memset(out, 0, sizeof *out);
    if (!text)
        return 0;
    p = skip_sp(text);
    if ((q = after_no_reserve(p)) != NULL) {
        out->no_reserve = 1;
        p = q;
    }
    /* Whatever precedes the year describes the car ("43k-Mile",
     * "K20-Powered", "25-Years-Owned") and is dropped. */
    out->year = find_year(p, &after);
    if (out->year) {
        split_make_model(after, model_hint, out);
        return 1;
    }
    if (match_make(p, &canon))
        split_make_model(p, model_hint, out);
    return 0;
}

/* ------------------------------------------------------------------------
 * VINs and chassis numbers
 * ---------------------------------------------------------------------- */

/* ISO 3779 / 49 CFR 565.15 transliteration; -1 for I, O, Q and the rest. */
static int vin_value(int c)
{
    static const signed char letters[26] = {
        1, 2, 3, 4, 5, 6, 7, 8, -1, 1, 2, 3, 4, 5, -1, 7, -1, 9,
        2, 3, 4, 5, 6, 7, 8, 9,
    };

    c = to_upper(c);
    if (is_digit(c))
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return letters[c - 'A'];
    return -1;
}

int cv_vin_check_digit_ok(const char *vin17)
{
    static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    int sum = 0, i, r;

    if (!vin17)
        return 0;
    for (i = 0; i < 17; i++) {
        int v = vin_value((unsigned char)vin17[i]);    /* also stops at a NUL */

        if (v < 0)
            return 0;
        sum += v * weights[i];
    }
    if (vin17[17])
        return 0;
    r = sum % 11;
    return to_upper((unsigned char)vin17[8]) == (r == 10 ? 'X' : '0' + r);
}

enum cv_vin_kind cv_vin_kind(const char *text)
{
    struct span t;
    size_t i, alnum = 0, digits = 0, zeros = 0;
    int vin_chars = 1;
    char v[18];

    if (!text)
        return CV_VIN_NONE;
    t = trim_span(text, strlen(text));
    /* Every real VIN and chassis number has digits; "N/A", "Unknown",
     * "TBD", "-", "Not Available" have none.  Longer text is prose. */
    if (t.n == 0 || t.n > 32)
        return CV_VIN_NONE;
    for (i = 0; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];

        if (is_alnum(c)) {
            alnum++;
            if (is_digit(c))
                digits++;
            if (c == '0')
                zeros++;
            if (vin_value(c) < 0)
                vin_chars = 0;
        } else if (c == '-' || c == '/' || c == '.' || c == ' ') {
            vin_chars = 0;
        } else {
            return CV_VIN_NONE;
        }
    }
    if (!digits || zeros == alnum || alnum < 3)
        return CV_VIN_NONE;
    if (t.n == 17 && vin_chars) {
        memcpy(v, t.p, 17);
        v[17] = '\0';
        if (cv_vin_check_digit_ok(v))
            return CV_VIN_VALID;
        /* Only North American VINs (WMI 1-5) must carry the check digit;
         * European and Japanese-market ones often use position 9 freely. */
        return v[0] >= '1' && v[0] <= '5' ? CV_VIN_BAD_CHECK : CV_VIN_17;
    }
    return CV_VIN_CHASSIS;
}

/* ------------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(long long y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dim[m - 1];
}

/* 0 = Sunday */
static unsigned weekday(long long days)
{
    long long w = (days + 4) % 7;

    return (unsigned)(w < 0 ? w + 7 : w);
}

/* Day of the month of its nth Sunday (n = 1..4), or of its last (n = 0). */
static unsigned sunday_of(long long y, unsigned m, int n)
{
    if (n == 0) {
        unsigned last = days_in_month(y, m);

        return last - weekday(days_from_civil(y, m, last));
    }
    return 1 + (7 - weekday(days_from_civil(y, m, 1))) % 7 + 7 * (unsigned)(n - 1);
}

/* Whether US daylight time applies at a local wall-clock time.  Pages say
 * "PT" or "ET" all year, so the date decides.  Since 2007: second Sunday
 * of March 02:00 to first Sunday of November 02:00; earlier rules back to
 * 1967 for old auction results.  The repeated 01:00 hour in November is
 * read as daylight time, its first occurrence. */
static int us_dst(long long y, unsigned m, unsigned d, unsigned hour)
{
    unsigned start_m, start_d, end_m, end_d, key, start, end;

    if (y >= 2007) {
        start_m = 3;
        start_d = sunday_of(y, 3, 2);
        end_m = 11;
        end_d = sunday_of(y, 11, 1);
    } else if (y >= 1987) {
        start_m = 4;
        start_d = sunday_of(y, 4, 1);
        end_m = 10;
        end_d = sunday_of(y, 10, 0);
    } else if (y >= 1967) {
        start_m = 4;
        start_d = sunday_of(y, 4, 0);
        end_m = 10;
        end_d = sunday_of(y, 10, 0);
    } else {
        return 0;
    }
    key = m * 100 + d;
    start = start_m * 100 + start_d;
    end = end_m * 100 + end_d;
    if (key < start || key > end)
        return 0;
    if (key == start)
        return hour >= 2;
    if (key == end)
        return hour < 2;
    return 1;
}

static const char *const month_names[12] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
};

/* Month (1..12) named by the n letters at s, full or abbreviated to three
 * letters ("Sept" too), or 0. */
static unsigned month_of(const char *s, size_t n)
{
    unsigned i;

    for (i = 0; i < 12; i++) {
        if (span_is(s, n, month_names[i]) ||
            (n == 3 && cv_ascii_ncasecmp(s, month_names[i], 3) == 0))
            return i + 1;
    }
    if (span_is(s, n, "sept"))
        return 9;
    return 0;
}

static size_t alpha_run(const char *s)
{
    size_t n = 0;

    while (is_alpha((unsigned char)s[n]))
        n++;
    return n;
}

/* Read 1..max digits at *p into *v; 0 when there are none or too many. */
static int take_digits(const char **p, size_t min, size_t max, long long *v)
{
    size_t n = digit_run(*p), i;

    if (n < min || n > max)
        return 0;
    *v = 0;
    for (i = 0; i < n; i++)
        *v = *v * 10 + ((*p)[i] - '0');
    *p += n;
    return 1;
}

struct when {
    long long y;
    unsigned mo, d, h, mi, s;
    long long off;      /* seconds east of UTC */
    int us_zone;        /* standard offset in hours of a generic US zone, else 0 */
};

/* Numeric offset at p ("+02:00", "-0500", "+2"): seconds east of UTC in
 * *off and the text after it, or NULL. */
static const char *parse_offset(const char *p, long long *off)
{
    const char *q;
    size_t n;
    long long hh, mm = 0;

    if (*p != '+' && *p != '-')
        return NULL;
    q = p + 1;
    n = digit_run(q);
    if (n == 4) {
        hh = (q[0] - '0') * 10 + (q[1] - '0');
        mm = (q[2] - '0') * 10 + (q[3] - '0');
        q += 4;
    } else if (n == 1 || n == 2) {
        take_digits(&q, 1, 2, &hh);
        if (*q == ':' && digit_run(q + 1) == 2) {
            q++;
            take_digits(&q, 2, 2, &mm);
        }
    } else {
        return NULL;
    }
    if (hh > 14 || mm > 59)
        return NULL;
    *off = (*p == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return q;
}

/* Zone after a time: UTC/GMT/Z (optionally with an offset), a numeric
 * offset, a US zone abbreviation.  Anything else leaves UTC. */
static void parse_zone(const char *p, struct when *w)
{
    static const struct {
        const char *name;
        int hours;      /* standard offset */
        int generic;    /* follows US daylight time ("PT" all year) */
    } zones[] = {
        {"UTC", 0, 0}, {"GMT", 0, 0}, {"UT", 0, 0}, {"Z", 0, 0},
        {"EST", -5, 0}, {"EDT", -4, 0}, {"ET", -5, 1},
        {"CST", -6, 0}, {"CDT", -5, 0}, {"CT", -6, 1},
        {"MST", -7, 0}, {"MDT", -6, 0}, {"MT", -7, 1},
        {"PST", -8, 0}, {"PDT", -7, 0}, {"PT", -8, 1},
        {"AKST", -9, 0}, {"AKDT", -8, 0}, {"AKT", -9, 1},
        {"HST", -10, 0},
    };
    const char *q = skip_sp(p);
    size_t i, n = alpha_run(q);
    long long off;

    for (i = 0; n && i < sizeof zones / sizeof zones[0]; i++) {
        if (!span_is(q, n, zones[i].name))
            continue;
        if (zones[i].generic)
            w->us_zone = zones[i].hours;
        else
            w->off = zones[i].hours * 3600LL;
        if (zones[i].hours == 0 && parse_offset(q + n, &off))
            w->off = off;   /* "UTC+2", "GMT-05:00" */
        return;
    }
    if (parse_offset(q, &off))
        w->off = off;
}

/* "AM", "pm", "a.m.", "P.M." at *p: 1 for am, 2 for pm (and *p moved past
 * it), 0 when absent. */
static int take_ampm(const char **p)
{
    const char *r = skip_sp(*p);
    int c = to_lower((unsigned char)r[0]), pm = c == 'p';

    if (c != 'a' && c != 'p')
        return 0;
    if (to_lower((unsigned char)r[1]) == 'm' && !is_alpha((unsigned char)r[2])) {
        *p = r + 2;
        return pm ? 2 : 1;
    }
    if (r[1] == '.' && to_lower((unsigned char)r[2]) == 'm' && r[3] == '.') {
        *p = r + 4;
        return pm ? 2 : 1;
    }
    return 0;
}

/* Optional time of day after a date ("T15:04:05.123Z", " 15:04", ", 4:15
 * PM", " at 4 pm PT") and its zone, into w.  0 when a time is there but
 * impossible ("25:00", "13 PM"). */
static int parse_time(const char *p, struct when *w)
{
    const char *q = skip_sp(p);
    long long h, mi = 0, s = 0;
    int ampm, colon = 0;

    if (*q == 'T' || *q == 't' || *q == ',' || *q == '@')
        q = skip_sp(q + 1);
    else if (alpha_run(q) == 2 && cv_ascii_ncasecmp(q, "at", 2) == 0)
        q = skip_sp(q + 2);
    if (!take_digits(&q, 1, 2, &h)) {
        parse_zone(p, w);
        return 1;
    }
    if (*q == ':') {
        colon = 1;
        q++;
        if (!take_digits(&q, 2, 2, &mi))
            return 0;
        if (*q == ':') {
            q++;
            if (!take_digits(&q, 2, 2, &s))
                return 0;
            if (*q == '.' || *q == ',')
                q += 1 + digit_run(q + 1);
        }
    }
    ampm = take_ampm(&q);
    if (!colon && !ampm)
        return 1;   /* a number after the date that is no time of day */
    if (ampm) {
        if (h < 1 || h > 12)
            return 0;
        h = h % 12 + (ampm == 2 ? 12 : 0);
    }
    if (h > 23 || mi > 59 || s > 60)
        return 0;
    w->h = (unsigned)h;
    w->mi = (unsigned)mi;
    w->s = (unsigned)s;
    parse_zone(q, w);
    return 1;
}

static long long when_to_unix(const struct when *w)
{
    long long t, off = w->off;

    if (w->mo < 1 || w->mo > 12 || w->d < 1 || w->d > days_in_month(w->y, w->mo))
        return -1;
    if (w->us_zone)
        off = (w->us_zone + us_dst(w->y, w->mo, w->d, w->h)) * 3600LL;
    t = days_from_civil(w->y, w->mo, w->d) * 86400LL + w->h * 3600LL + w->mi * 60LL + w->s;
    return t - off;
}

/* Two-digit years on BaT cards: 00-69 are 2000s, 70-99 the 1900s. */
static long long full_year(long long y, size_t digits)
{
    if (digits == 2)
        return y < 70 ? 2000 + y : 1900 + y;
    return y;
}

/* "January 2, 2024", "Jan 2 2024", "Sept. 5th, 2024", "December 2010". */
static long long parse_month_first(const char *p, unsigned month)
{
    struct when w = {0};
    long long d, y;

    w.mo = month;
    if (*p == '.')
        p++;
    p = skip_sp(p);
    if (digit_run(p) == 4) {
        take_digits(&p, 4, 4, &y);
        w.y = y;
        w.d = 1;
        return when_to_unix(&w);
    }
    if (!take_digits(&p, 1, 2, &d))
        return -1;
    if (alpha_run(p) == 2 && strchr("snrt", to_lower((unsigned char)*p)))
        p += 2;     /* 1st, 2nd, 3rd, 4th */
    if (*p == ',')
        p++;
    p = skip_sp(p);
    if (!take_digits(&p, 4, 4, &y))
        return -1;
    w.y = y;
    w.d = (unsigned)d;
    if (!parse_time(p, &w))
        return -1;
    return when_to_unix(&w);
}

long long cv_parse_date(const char *text)
{
    struct when w = {0};
    const char *p;
    long long a, b, c;
    size_t n, yd;

    if (!text)
        return -1;
    p = text;
    /* Leading words ("on", "Sold on", "Ended", "Tue,") are skipped until a
     * month name or a digit. */
    for (;;) {
        p = skip_sp(p);
        while (*p && strchr(",:;(", *p))
            p = skip_sp(p + 1);
        if (is_digit((unsigned char)*p))
            break;
        n = alpha_run(p);
        if (!n)
            return -1;
        if ((c = month_of(p, n)) != 0)
            return parse_month_first(p + n, (unsigned)c);
        p += n;
        if (*p == '.')
            p++;
    }
    n = digit_run(p);
    if (n == 4 && p[4] == '-') {
        /* ISO 8601: 2024-01-02, 2024-01-02T15:04:05Z, ...+02:00 */
        take_digits(&p, 4, 4, &a);
        p++;
        if (!take_digits(&p, 1, 2, &b) || *p++ != '-' || !take_digits(&p, 1, 2, &c))
            return -1;
        w.y = a;
        w.mo = (unsigned)b;
        w.d = (unsigned)c;
    } else if (n <= 2 && p[n] == '/') {
        /* US cards: M/D/YY or M/D/YYYY */
        take_digits(&p, 1, 2, &a);
        p++;
        if (!take_digits(&p, 1, 2, &b) || *p++ != '/')
            return -1;
        yd = digit_run(p);
        if ((yd != 2 && yd != 4) || !take_digits(&p, yd, yd, &c))
            return -1;
        w.y = full_year(c, yd);
        w.mo = (unsigned)a;
        w.d = (unsigned)b;
    } else if (n <= 2 && (yd = alpha_run(skip_sp(p + n))) != 0 &&
               (c = month_of(skip_sp(p + n), yd)) != 0) {
        /* "2 January 2024", "Tue, 02 Jan 2024 15:04:05 GMT" */
        take_digits(&p, 1, 2, &a);
        p = skip_sp(p);
        p += yd;
        if (*p == '.')
            p++;
        if (*p == ',')
            p++;
        p = skip_sp(p);
        if (!take_digits(&p, 4, 4, &b))
            return -1;
        w.y = b;
        w.mo = (unsigned)c;
        w.d = (unsigned)a;
    } else if (n >= 9 && n <= 11 && !is_alpha((unsigned char)p[n])) {
        take_digits(&p, n, n, &a);
        return a;   /* Unix seconds, as BaT's JSON gives them */
    } else {
        return -1;
    }
    if (!parse_time(p, &w))
        return -1;
    return when_to_unix(&w);
}

/* Dates outside years 0000-9999 are clamped so the text always fits. */
#define T_MIN (-62167219200LL)  /* 0000-01-01T00:00:00Z */
#define T_MAX 253402300799LL    /* 9999-12-31T23:59:59Z */

static char *put_digits(char *o, long long v, int width)
{
    int i;

    for (i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + width;
}

/* Calendar date and seconds into the day of t, clamped to years 0-9999. */
static void split_time(long long t, long long *y, unsigned *m, unsigned *d, long long *secs)
{
    long long days;

    if (t < T_MIN)
        t = T_MIN;
    if (t > T_MAX)
        t = T_MAX;
    days = t / 86400;
    *secs = t % 86400;
    if (*secs < 0) {    /* before 1970: division truncates toward zero */
        *secs += 86400;
        days--;
    }
    civil_from_days(days, y, m, d);
}

static char *put_date(char *o, long long y, unsigned m, unsigned d)
{
    o = put_digits(o, y, 4);
    *o++ = '-';
    o = put_digits(o, m, 2);
    *o++ = '-';
    o = put_digits(o, d, 2);
    *o = '\0';
    return o;
}

void cv_format_date(long long t, char out[11])
{
    long long y, secs;
    unsigned m, d;

    split_time(t, &y, &m, &d, &secs);
    put_date(out, y, m, d);
}

void cv_format_datetime(long long t, char out[21])
{
    long long y, secs;
    unsigned m, d;
    char *o;

    split_time(t, &y, &m, &d, &secs);
    o = put_date(out, y, m, d);
    *o++ = 'T';
    o = put_digits(o, secs / 3600, 2);
    *o++ = ':';
    o = put_digits(o, secs / 60 % 60, 2);
    *o++ = ':';
    o = put_digits(o, secs % 60, 2);
    *o++ = 'Z';
    *o = '\0';
}

/* ------------------------------------------------------------------------
 * Countries, regions, places
 * ---------------------------------------------------------------------- */

struct country {
    const char *a2, *a3, *name;
};

static const struct country countries[] = {
    {"AD", "AND", "Andorra"}, {"AE", "ARE", "United Arab Emirates"},
    {"AL", "ALB", "Albania"}, {"AM", "ARM", "Armenia"}, {"AR", "ARG", "Argentina"},
    {"AT", "AUT", "Austria"}, {"AU", "AUS", "Australia"}, {"AW", "ABW", "Aruba"},
    {"AZ", "AZE", "Azerbaijan"}, {"BA", "BIH", "Bosnia and Herzegovina"},
    {"BB", "BRB", "Barbados"}, {"BD", "BGD", "Bangladesh"}, {"BE", "BEL", "Belgium"},
    {"BG", "BGR", "Bulgaria"}, {"BH", "BHR", "Bahrain"}, {"BM", "BMU", "Bermuda"},
    {"BO", "BOL", "Bolivia"}, {"BR", "BRA", "Brazil"}, {"BS", "BHS", "Bahamas"},
    {"BW", "BWA", "Botswana"}, {"BY", "BLR", "Belarus"}, {"CA", "CAN", "Canada"},
    {"CH", "CHE", "Switzerland"}, {"CL", "CHL", "Chile"}, {"CN", "CHN", "China"},
    {"CO", "COL", "Colombia"}, {"CR", "CRI", "Costa Rica"}, {"CU", "CUB", "Cuba"},
    {"CW", "CUW", "Cura\xC3\xA7" "ao"}, {"CY", "CYP", "Cyprus"},
    {"CZ", "CZE", "Czech Republic"}, {"DE", "DEU", "Germany"}, {"DK", "DNK", "Denmark"},
    {"DO", "DOM", "Dominican Republic"}, {"DZ", "DZA", "Algeria"},
    {"EC", "ECU", "Ecuador"}, {"EE", "EST", "Estonia"}, {"EG", "EGY", "Egypt"},
    {"ES", "ESP", "Spain"}, {"FI", "FIN", "Finland"}, {"FJ", "FJI", "Fiji"},
    {"FR", "FRA", "France"}, {"GB", "GBR", "United Kingdom"}, {"GE", "GEO", "Georgia"},
    {"GG", "GGY", "Guernsey"}, {"GH", "GHA", "Ghana"}, {"GI", "GIB", "Gibraltar"},
    {"GR", "GRC", "Greece"}, {"GT", "GTM", "Guatemala"}, {"GU", "GUM", "Guam"},
    {"HK", "HKG", "Hong Kong"}, {"HN", "HND", "Honduras"}, {"HR", "HRV", "Croatia"},
    {"HU", "HUN", "Hungary"}, {"ID", "IDN", "Indonesia"}, {"IE", "IRL", "Ireland"},
    {"IL", "ISR", "Israel"}, {"IM", "IMN", "Isle of Man"}, {"IN", "IND", "India"},
    {"IS", "ISL", "Iceland"}, {"IT", "ITA", "Italy"}, {"JE", "JEY", "Jersey"},
    {"JM", "JAM", "Jamaica"}, {"JO", "JOR", "Jordan"}, {"JP", "JPN", "Japan"},
    {"KE", "KEN", "Kenya"}, {"KR", "KOR", "South Korea"}, {"KW", "KWT", "Kuwait"},
    {"KY", "CYM", "Cayman Islands"}, {"KZ", "KAZ", "Kazakhstan"},
    {"LB", "LBN", "Lebanon"}, {"LI", "LIE", "Liechtenstein"}, {"LK", "LKA", "Sri Lanka"},
    {"LT", "LTU", "Lithuania"}, {"LU", "LUX", "Luxembourg"}, {"LV", "LVA", "Latvia"},
    {"MA", "MAR", "Morocco"}, {"MC", "MCO", "Monaco"}, {"MD", "MDA", "Moldova"},
    {"ME", "MNE", "Montenegro"}, {"MK", "MKD", "North Macedonia"},
    {"MO", "MAC", "Macao"}, {"MT", "MLT", "Malta"}, {"MU", "MUS", "Mauritius"},
    {"MX", "MEX", "Mexico"}, {"MY", "MYS", "Malaysia"}, {"NA", "NAM", "Namibia"},
    {"NG", "NGA", "Nigeria"}, {"NI", "NIC", "Nicaragua"}, {"NL", "NLD", "Netherlands"},
    {"NO", "NOR", "Norway"}, {"NZ", "NZL", "New Zealand"}, {"OM", "OMN", "Oman"},
    {"PA", "PAN", "Panama"}, {"PE", "PER", "Peru"}, {"PH", "PHL", "Philippines"},
    {"PK", "PAK", "Pakistan"}, {"PL", "POL", "Poland"}, {"PR", "PRI", "Puerto Rico"},
    {"PT", "PRT", "Portugal"}, {"PY", "PRY", "Paraguay"}, {"QA", "QAT", "Qatar"},
    {"RO", "ROU", "Romania"}, {"RS", "SRB", "Serbia"}, {"RU", "RUS", "Russia"},
    {"SA", "SAU", "Saudi Arabia"}, {"SE", "SWE", "Sweden"}, {"SG", "SGP", "Singapore"},
    {"SI", "SVN", "Slovenia"}, {"SK", "SVK", "Slovakia"}, {"SM", "SMR", "San Marino"},
    {"SV", "SLV", "El Salvador"}, {"TH", "THA", "Thailand"}, {"TN", "TUN", "Tunisia"},
    {"TR", "TUR", "Turkey"}, {"TT", "TTO", "Trinidad and Tobago"},
    {"TW", "TWN", "Taiwan"}, {"UA", "UKR", "Ukraine"}, {"US", "USA", "United States"},
    {"UY", "URY", "Uruguay"}, {"VE", "VEN", "Venezuela"},
    {"VI", "VIR", "US Virgin Islands"}, {"VN", "VNM", "Vietnam"},
    {"ZA", "ZAF", "South Africa"}, {"ZW", "ZWE", "Zimbabwe"},
};

struct place_alias {
    const char *name;
    const char *code;
};

/* Other names pages use, including the home nations BaT lists separately
 * and a few native spellings. */
static const struct place_alias country_aliases[] = {
    {"United States of America", "US"}, {"America", "US"}, {"UK", "GB"},
    {"Great Britain", "GB"}, {"Britain", "GB"}, {"England", "GB"},
    {"Scotland", "GB"}, {"Wales", "GB"}, {"Northern Ireland", "GB"},
    {"United Kingdom of Great Britain and Northern Ireland", "GB"},
    {"Holland", "NL"}, {"Nederland", "NL"}, {"Czechia", "CZ"},
    {"Deutschland", "DE"}, {"Italia", "IT"}, {"Espa\xC3\xB1" "a", "ES"},
    {"Schweiz", "CH"}, {"Suisse", "CH"}, {"Svizzera", "CH"},
    {"\xC3\x96sterreich", "AT"}, {"Belgique", "BE"}, {"Belgi\xC3\xAB", "BE"},
    {"Sverige", "SE"}, {"Norge", "NO"}, {"Danmark", "DK"}, {"Polska", "PL"},
    {"M\xC3\xA9xico", "MX"}, {"Brasil", "BR"}, {"T\xC3\xBCrkiye", "TR"},
    {"Korea", "KR"}, {"Republic of Korea", "KR"}, {"UAE", "AE"},
    {"Russian Federation", "RU"}, {"Hong Kong SAR", "HK"}, {"Macau", "MO"},
    {"Slovak Republic", "SK"}, {"Republic of Ireland", "IE"}, {"Eire", "IE"},
    {"Viet Nam", "VN"}, {"Macedonia", "MK"}, {"Curacao", "CW"},
    {"Principality of Monaco", "MC"}, {"Bosnia", "BA"},
};

const char *cv_country_code(const char *name)
{
    char key[64];
    size_t i, n;

    if (!name || !place_key(name, strlen(name), key, sizeof key))
        return NULL;
    n = strlen(key);
    for (i = 0; i < sizeof countries / sizeof countries[0]; i++) {
        if ((n == 2 && cv_ascii_casecmp(key, countries[i].a2) == 0) ||
            (n == 3 && cv_ascii_casecmp(key, countries[i].a3) == 0) ||
            cv_ascii_casecmp(key, countries[i].name) == 0)
            return countries[i].a2;
    }
    for (i = 0; i < sizeof country_aliases / sizeof country_aliases[0]; i++)
        if (cv_ascii_casecmp(key, country_aliases[i].name) == 0)
            return country_aliases[i].code;
    return NULL;
}

struct region {
    const char *code, *name;
};

static const struct region us_states[] = {
    {"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
    {"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"},
    {"DE", "Delaware"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
    {"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"},
    {"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"},
    {"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"},
    {"MN", "Minnesota"}, {"MS", "Mississippi"}, {"MO", "Missouri"},
    {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
    {"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"},
    {"NY", "New York"}, {"NC", "North Carolina"}, {"ND", "North Dakota"},
    {"OH", "Ohio"}, {"OK", "Oklahoma"}, {"OR", "Oregon"}, {"PA", "Pennsylvania"},
    {"RI", "Rhode Island"}, {"SC", "South Carolina"}, {"SD", "South Dakota"},
    {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"}, {"VT", "Vermont"},
    {"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"},
    {"WI", "Wisconsin"}, {"WY", "Wyoming"}, {"DC", "District of Columbia"},
    {"PR", "Puerto Rico"},
};

static const struct region ca_provinces[] = {
    {"AB", "Alberta"}, {"BC", "British Columbia"}, {"MB", "Manitoba"},
    {"NB", "New Brunswick"}, {"NL", "Newfoundland and Labrador"},
    {"NS", "Nova Scotia"}, {"NT", "Northwest Territories"}, {"NU", "Nunavut"},
    {"ON", "Ontario"}, {"PE", "Prince Edward Island"}, {"QC", "Quebec"},
    {"SK", "Saskatchewan"}, {"YT", "Yukon"},
};

static const struct region_alias {
    const char *name, *code, *country;
} region_aliases[] = {
    {"Washington DC", "DC", "US"}, {"Washington, DC", "DC", "US"},
    {"Newfoundland", "NL", "CA"}, {"Newfoundland & Labrador", "NL", "CA"},
    {"PEI", "PE", "CA"}, {"Qu\xC3\xA9" "bec", "QC", "CA"}, {"PQ", "QC", "CA"},
    {"Yukon Territory", "YT", "CA"},
};

static const char *region_in(const struct region *r, size_t n, const char *key)
{
    size_t i, len = strlen(key);

    for (i = 0; i < n; i++)
        if ((len == 2 && cv_ascii_casecmp(key, r[i].code) == 0) ||
            cv_ascii_casecmp(key, r[i].name) == 0)
            return r[i].code;
    return NULL;
}

const char *cv_region_code(const char *name, const char **country)
{
    const char *code, *cc = NULL;
    char key[64];
    size_t i;

    if (country)
        *country = NULL;
    if (!name || !place_key(name, strlen(name), key, sizeof key))
        return NULL;
    if ((code = region_in(us_states, sizeof us_states / sizeof us_states[0], key)) != NULL) {
        cc = "US";
    } else if ((code = region_in(ca_provinces, sizeof ca_provinces / sizeof ca_provinces[0],
                                 key)) != NULL) {
        cc = "CA";
    } else {
        for (i = 0; i < sizeof region_aliases / sizeof region_aliases[0]; i++)
            if (cv_ascii_casecmp(key, region_aliases[i].name) == 0) {
                code = region_aliases[i].code;
                cc = region_aliases[i].country;
                break;
            }
    }
    if (code && country)
        *country = cc;
    return code;
}

/* Region or country named by a span (lookups want NUL-terminated text). */
static const char *span_region(struct span s, const char **country)
{
    char key[64];

    if (country)
        *country = NULL;
    if (!s.n || s.n >= sizeof key)
        return NULL;
    memcpy(key, s.p, s.n);
    key[s.n] = '\0';
    return cv_region_code(key, country);
}

static const char *span_country(struct span s)
{
    char key[64];

    if (!s.n || s.n >= sizeof key)
        return NULL;
    memcpy(key, s.p, s.n);
    key[s.n] = '\0';
    return cv_country_code(key);
}

/* Start of the last word of s, and of the one before it (or NULL). */
static const char *last_word(struct span s, const char **prev)
{
    const char *end = s.p + s.n, *q = s.p, *w = NULL, *pw = NULL;
    size_t k;

    while (q < end) {
        if ((k = space_in(q, end))) {
            q += k;
            continue;
        }
        pw = w;
        w = q;
        while (q < end && !space_in(q, end))
            q++;
    }
    if (prev)
        *prev = pw;
    return w;
}

static int is_zip(const char *w, size_t n)
{
    size_t i;

    if (n != 5 && n != 10)
        return 0;
    for (i = 0; i < n; i++)
        if (!(i == 5 ? w[i] == '-' : is_digit((unsigned char)w[i])))
            return 0;
    return 1;
}

/* UK outward code ("DT1", "SW1A", "M1") */
static int is_uk_outward(const char *w, size_t n)
{
    size_t i = 0;

    while (i < n && i < 2 && is_upper((unsigned char)w[i]))
        i++;
    if (i == 0 || i == n || !is_digit((unsigned char)w[i]))
        return 0;
    i++;
    if (i < n && (is_digit((unsigned char)w[i]) || is_upper((unsigned char)w[i])))
        i++;
    return i == n;
}

/* Postcode at the end of a part ("Nevada 89005", "England DT1 1AA",
 * "ON M5V 2T6", "85260-1234"): copied into pc (or left alone when pc is
 * already set) and cut from the returned span. */
static struct span cut_postcode(struct span s, char *pc, size_t pc_cap)
{
    const char *prev, *w = last_word(s, &prev), *end = s.p + s.n, *from = NULL;
    size_t n;

    if (!w)
        return s;
    n = (size_t)(end - w);
    if (is_zip(w, n)) {
        from = w;
    } else if (n == 3 && is_digit((unsigned char)w[0]) && prev) {
        /* Canadian "M5V 2T6", UK "DT1 1AA" */
        size_t pn = (size_t)(w - prev);
        struct span p = trim_span(prev, pn);

        if (p.n == 3 && is_upper((unsigned char)p.p[0]) && is_digit((unsigned char)p.p[1]) &&
            is_upper((unsigned char)p.p[2]) && is_upper((unsigned char)w[1]) &&
            is_digit((unsigned char)w[2]))
            from = prev;
        else if (is_upper((unsigned char)w[1]) && is_upper((unsigned char)w[2]) &&
                 is_uk_outward(p.p, p.n))
            from = prev;
    } else if (n >= 4 && n <= 6 && digit_run(w) == n) {
        from = w;   /* "8500", "75008" and the like */
    }
    if (!from)
        return s;
    if (!*pc)
        copy_clean(pc, pc_cap, from, (size_t)(end - from));
    return trim_span(s.p, (size_t)(from - s.p));
}

#define MAX_PARTS 8

/* Whether parts[i] (postcode cut) names a state or province. */
static int part_is_region(const struct span *parts, int i)
{
    char pc[16] = "";

    return span_region(cut_postcode(parts[i], pc, sizeof pc), NULL) != NULL;
}

static void set_region(struct cv_location *out, const char *code, const char *cc)
{
    copy_str(out->region, sizeof out->region, code);
    if (!out->country[0])
        copy_str(out->country, sizeof out->country, cc);
}

/* A part holding several words with no comma ("Scottsdale Arizona",
 * "Albuquerque NM", postcode already cut): a region or country in its last
 * words, the city before them.  0 when none is there. */
static int split_words(struct span s, struct cv_location *out)
{
    const char *w[64], *end = s.p + s.n, *q, *cc, *code;
    int nw = 0, k;
    size_t len;

    for (q = s.p; q < end && nw < 64;) {
        if ((len = space_in(q, end))) {
            q += len;
            continue;
        }
        w[nw++] = q;
        while (q < end && !space_in(q, end))
            q++;
    }
    for (k = nw - 1 < 3 ? nw - 1 : 3; k >= 1; k--) {
        struct span tail = trim_span(w[nw - k], (size_t)(end - w[nw - k]));
        struct span head = trim_span(s.p, (size_t)(w[nw - k] - s.p));

        if ((code = span_region(tail, &cc)) != NULL)
            set_region(out, code, cc);
        else if ((cc = span_country(tail)) != NULL)
            copy_str(out->country, sizeof out->country, cc);
        else
            continue;
        copy_clean(out->city, sizeof out->city, head.p, head.n);
        return 1;
    }
    return 0;
}

/* "8500 Kortrijk": a postcode written before the city name. */
static struct span cut_leading_postcode(struct span s, struct cv_location *out)
{
    size_t n = digit_run(s.p);

    if ((n == 4 || n == 5) && n < s.n && cv_space_len(s.p + n) && !out->postcode[0]) {
        copy_clean(out->postcode, sizeof out->postcode, s.p, n);
        return trim_span(s.p + n, s.n - n);
    }
    return s;
}

/* Part i if it is nothing but a postcode ("..., CA, 90210"): taken, and the
 * index of the part before it returned. */
static int skip_postcode_part(const struct span *parts, int i, struct cv_location *out)
{
    char pc[16] = "";

    if (i < 0 || cut_postcode(parts[i], pc, sizeof pc).n != 0)
        return i;
    if (!out->postcode[0])
        copy_str(out->postcode, sizeof out->postcode, pc);
    return i - 1;
}

static int set_city(struct span s, struct cv_location *out)
{
    s = cut_leading_postcode(s, out);
    copy_clean(out->city, sizeof out->city, s.p, s.n);
    return out->city[0] != '\0';
}

int cv_parse_location(const char *text, struct cv_location *out)
{
    struct span parts[MAX_PARTS], rest;
    const char *p, *q, *code, *cc;
    char pc[16];
    int n = 0, i;

    memset(out, 0, sizeof *out);
    if (!text)
        return 0;
    p = skip_sp(text);
    if (cv_starts_with_ci(p, "location:"))
        p += 9;
    /* Split at commas; keep the last MAX_PARTS parts, where the place is. */
    for (;;) {
        struct span s;

        for (q = p; *q && *q != ',' && *q != ';'; q++)
            ;
        s = trim_span(p, (size_t)(q - p));
        if (s.n) {
            if (n == MAX_PARTS) {
                memmove(parts, parts + 1, sizeof parts[0] * (MAX_PARTS - 1));
                n--;
            }
            parts[n++] = s;
        }
        if (!*q)
            break;
        p = q + 1;
    }
    if (!n)
        return 0;
    /* From the end: [country], then [region], then the city; a street or
     * anything else before the city is not ours to keep. */
    i = skip_postcode_part(parts, n - 1, out);
    if (i >= 0) {
        pc[0] = '\0';
        rest = cut_postcode(parts[i], pc, sizeof pc);
        cc = span_country(rest);
        /* "CA", "AZ", "Georgia" are states before they are countries,
         * unless a region precedes them ("Toronto, ON, CA"). */
        if (cc && (!span_region(rest, NULL) || (i > 0 && part_is_region(parts, i - 1)))) {
            copy_str(out->country, sizeof out->country, cc);
            if (!out->postcode[0])
                copy_str(out->postcode, sizeof out->postcode, pc);
            i = skip_postcode_part(parts, i - 1, out);
        }
    }
    if (i >= 0) {
        pc[0] = '\0';
        rest = cut_postcode(parts[i], pc, sizeof pc);
        code = span_region(rest, &cc);
        if (code && (!out->country[0] || strcmp(out->country, cc) == 0)) {
            set_region(out, code, cc);
            if (!out->postcode[0])
                copy_str(out->postcode, sizeof out->postcode, pc);
            i--;
        }
    }
    if (i == n - 1) {
        /* Nothing recognised at the end: maybe a comma-less "City ST ZIP";
         * else the first part is the best guess at a city. */
        rest = cut_postcode(parts[n - 1], out->postcode, sizeof out->postcode);
        if (split_words(rest, out))
            return out->city[0] != '\0';
        return set_city(n == 1 ? rest : parts[0], out);
    }
    return i >= 0 ? set_city(parts[i], out) : 0;
}
