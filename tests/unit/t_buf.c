/*
 * t_buf.c -- unit tests for the small core containers and string helpers:
 * core/buf.c (the capped growable buffer), core/str.c (cv_squash and its
 * Unicode spaces, zero-width characters, soft hyphens and cut UTF-8; the
 * ASCII case helpers; cv_parse_ll) and core/strset.c, with allocation-
 * failure sweeps (run under ASan to catch leaks on the error paths).
 */
#include "../tap.h"
#include "buf.h"
#include "mem.h"
#include "str.h"
#include "strset.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* --- buf ------------------------------------------------------------------ */

static void test_buf_basics(void)
{
    struct cv_buf b;
    char big[1000];
    char *s;

    cv_buf_init(&b, CV_BUF_UNLIMITED);
    ok(b.data == NULL && b.len == 0, "a new buffer holds no memory");
    is_str(cv_buf_str(&b), "", "an empty buffer reads as \"\"");

    is_int(cv_buf_puts(&b, "Porsche"), 0, "puts succeeds");
    is_int(cv_buf_putc(&b, ' '), 0, "putc succeeds");
    is_int(cv_buf_append(&b, "911S Coupe", 4), 0, "append of a prefix succeeds");
    is_str(cv_buf_str(&b), "Porsche 911S", "append copies exactly n bytes");
    is_int(b.len, 12, "len counts the bytes appended");
    ok(b.cap > b.len && b.data[b.len] == '\0', "content is NUL-terminated inside the allocation");

    is_int(cv_buf_printf(&b, " #%d of %s", 42, "60"), 0, "printf succeeds");
    is_str(cv_buf_str(&b), "Porsche 911S #42 of 60", "printf appends formatted text");

    is_int(cv_buf_append(&b, "", 0), 0, "appending nothing succeeds");
    is_int(cv_buf_printf(&b, "%s", ""), 0, "printing nothing succeeds");
    is_str(cv_buf_str(&b), "Porsche 911S #42 of 60", "empty appends change nothing");

    /* Embedded NULs are bytes like any other. */
    is_int(cv_buf_append(&b, "a\0b", 3), 0, "append with an embedded NUL succeeds");
    is_int(b.len, 25, "embedded NUL counted in len");
    ok(memcmp(b.data + 22, "a\0b", 4) == 0, "embedded NUL kept, terminator after it");

    cv_buf_reset(&b);
    ok(b.len == 0 && b.data != NULL, "reset empties but keeps the memory");
    is_str(cv_buf_str(&b), "", "a reset buffer reads as \"\"");
    is_int(cv_buf_puts(&b, "again"), 0, "a reset buffer takes new content");
    is_str(cv_buf_str(&b), "again", "new content after reset");

    /* Growth over many doublings keeps every byte. */
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < 100; i++)
        if (cv_buf_append(&b, big, sizeof(big)) < 0)
            break;
    is_int(b.len, 5 + 100 * sizeof(big), "100 KB appended in 1000-byte pieces");
    ok(b.data[5] == 'x' && b.data[b.len - 1] == 'x' && b.data[b.len] == '\0',
       "grown content intact and terminated");

    s = cv_buf_take(&b);
    ok(s && strlen(s) == 5 + 100 * sizeof(big) && !strncmp(s, "againxxx", 8),
       "take hands over the content");
    ok(b.data == NULL && b.len == 0 && b.cap == 0, "take leaves the buffer empty");
    cv_free(s);

    s = cv_buf_take(&b);
    is_str(s, "", "take of an empty buffer gives a new empty string");
    cv_free(s);

    is_int(cv_buf_puts(&b, "reuse"), 0, "a buffer is usable after take");
    is_str(cv_buf_str(&b), "reuse", "content after take");
    cv_buf_free(&b);
    ok(b.data == NULL && b.len == 0 && b.cap == 0, "free leaves the buffer empty");
    cv_buf_free(&b);   /* a second free is harmless */
}

static void test_buf_cap(void)
{
    struct cv_buf b;

    cv_buf_init(&b, 8);
    is_int(cv_buf_puts(&b, "12345"), 0, "5 bytes fit under a cap of 8");
    is_int(cv_buf_puts(&b, "6789"), -1, "9 bytes would pass the cap of 8: refused");
    is_str(cv_buf_str(&b), "12345", "a refused append leaves the content as it was");
    is_int(b.len, 5, "a refused append leaves len as it was");
    is_int(cv_buf_puts(&b, "678"), 0, "filling exactly to the cap succeeds");
    is_str(cv_buf_str(&b), "12345678", "content filled to the cap");
    is_int(cv_buf_putc(&b, '9'), -1, "one byte past the cap is refused");
    is_int(cv_buf_printf(&b, "%d", 9), -1, "printf past the cap is refused");
    is_int(cv_buf_append(&b, "", 0), 0, "an empty append at the cap succeeds");
    is_str(cv_buf_str(&b), "12345678", "refusals at the cap change nothing");
    cv_buf_free(&b);

    cv_buf_init(&b, 8);
    is_int(cv_buf_printf(&b, "%s", "123456789"), -1, "printf longer than the cap is refused");
    is_str(cv_buf_str(&b), "", "a refused printf leaves the buffer empty");
    is_int(cv_buf_printf(&b, "%08d", 42), 0, "printf exactly at the cap succeeds");
    is_str(cv_buf_str(&b), "00000042", "printf output at the cap");
    cv_buf_free(&b);

    /* Sizes near SIZE_MAX must not wrap the arithmetic. */
    cv_buf_init(&b, CV_BUF_UNLIMITED);
    is_int(cv_buf_puts(&b, "abc"), 0, "small content under the unlimited cap");
    is_int(cv_buf_append(&b, "x", (size_t)-1), -1, "a SIZE_MAX append is refused");
    is_int(cv_buf_append(&b, "x", CV_BUF_UNLIMITED - 1), -1,
           "an append that overflows the unlimited cap by a few bytes is refused");
    is_str(cv_buf_str(&b), "abc", "content survives the huge requests");
    cv_buf_free(&b);

    cv_buf_init(&b, 0);
    is_int(cv_buf_putc(&b, 'x'), -1, "a zero cap refuses every byte");
    is_str(cv_buf_str(&b), "", "a zero-cap buffer stays empty");
    cv_buf_free(&b);
}

static void test_buf_oom(void)
{
    int bad = 0, steps = 0;
    long n;

    /* Fail each allocation of a buffer growing to 2400 bytes in turn. */
    for (n = 0; n < 100; n++) {
        struct cv_buf b;
        int rc;

        cv_buf_init(&b, CV_BUF_UNLIMITED);
        cv_mem_fail_after(n);
        rc = 0;
        for (int i = 0; i < 50 && rc == 0; i++)
            rc = cv_buf_puts(&b, "0123456789abcdef0123456789abcdef0123456789abcdef");
        cv_mem_fail_after(-1);
        if (rc == 0) {
            bad += b.len != 50 * 48;
            cv_buf_free(&b);
            break;
        }
        /* The failed append must leave what was there, terminated. */
        bad += b.len % 48 != 0 || (b.data && b.data[b.len] != '\0') ||
               strlen(cv_buf_str(&b)) != b.len;
        cv_buf_free(&b);
        steps++;
    }
    ok(!bad && steps >= 3, "growing appends fail cleanly at each of %d reallocations", steps);

    bad = steps = 0;
    for (n = 0; n < 100; n++) {
        struct cv_buf b;
        int rc;

        cv_buf_init(&b, CV_BUF_UNLIMITED);
        cv_mem_fail_after(n);
        rc = cv_buf_printf(&b, "%0200d", 7);
        cv_mem_fail_after(-1);
        if (rc == 0) {
            bad += b.len != 200 || b.data[199] != '7';
            cv_buf_free(&b);
            break;
        }
        bad += b.len != 0;
        cv_buf_free(&b);
        steps++;
    }
    ok(!bad && steps >= 1, "printf fails cleanly when memory runs out (%d steps)", steps);

    {
        struct cv_buf b;
        char *s;

        cv_buf_init(&b, 16);
        cv_mem_fail_after(0);
        s = cv_buf_take(&b);
        cv_mem_fail_after(-1);
        ok(s == NULL, "take of an empty buffer returns NULL when out of memory");
        cv_free(s);
    }
}

/* --- str ------------------------------------------------------------------ */

static void squash_is(const char *in, const char *want, const char *what)
{
    char *got = cv_squash(in);

    is_str(got, want, "squash: %s", what);
    cv_free(got);
}

/* cv_squashn over a heap copy of exactly n bytes with no terminator, so
 * ASan sees any read past the n bytes. */
static char *squashn_exact(const char *s, size_t n)
{
    char *copy = cv_malloc(n ? n : 1);
    char *out;

    memcpy(copy, s, n);
    out = cv_squashn(copy, n);
    cv_free(copy);
    return out;
}

static void test_squash(void)
{
    char *s;

    squash_is("  1967  Porsche\t911S\r\n Coupe  ", "1967 Porsche 911S Coupe", "ASCII runs and ends");
    squash_is("", "", "empty string");
    squash_is(" \t\r\n\f\v ", "", "only ASCII whitespace");
    squash_is("Porsche", "Porsche", "nothing to do");
    squash_is("\xC2\xA0$45,000\xC2\xA0USD", "$45,000 USD", "U+00A0 no-break spaces");
    squash_is("45\xE2\x80\xAF" "000 km", "45 000 km", "U+202F narrow no-break space");
    squash_is("a\xE2\x80\x80" "b\xE2\x80\x8A" "c", "a b c", "U+2000 and U+200A, the ends of the range");
    squash_is("a\xE2\x81\x9F" "b\xE3\x80\x80" "c", "a b c", "U+205F and U+3000");
    squash_is("a \xE2\x80\x8B b", "a b", "zero-width space between spaces leaves one space");
    squash_is("Mer\xE2\x80\x8B" "cedes\xE2\x80\x8C-\xE2\x80\x8D" "Benz", "Mercedes-Benz",
              "U+200B..U+200D dropped inside a word");
    squash_is("\xEF\xBB\xBF" "Title", "Title", "a leading BOM (U+FEFF) dropped");
    squash_is("Auto\xC2\xAD" "mobile", "Automobile", "soft hyphen dropped");
    squash_is("\xE2\x80\x8B \xC2\xA0 x \xE2\x80\x8B", "x", "invisible and space mixture trims to the word");
    squash_is("caf\xC3\xA9 cr\xC3\xA8me", "caf\xC3\xA9 cr\xC3\xA8me", "other UTF-8 passes through");
    squash_is("\xE2\x80\x99quoted\xE2\x80\x99", "\xE2\x80\x99quoted\xE2\x80\x99",
              "U+2019 (same lead bytes as the spaces) is not a space");
    squash_is("\xE2\x80\x8F" "x", "\xE2\x80\x8F" "x", "U+200F is neither a space nor dropped");

    /* Characters that end the string: the multi-byte checks must still
     * recognise them, and must not read past the end. */
    squash_is("45,000\xC2\xA0", "45,000", "a trailing U+00A0 is trimmed");
    squash_is("Auto\xC2\xAD", "Auto", "a trailing soft hyphen is dropped");
    squash_is("x\xE2\x80\x8B", "x", "a trailing zero-width space is dropped");
    squash_is("x\xE3\x80\x80", "x", "a trailing U+3000 is trimmed");
    squash_is("\xC2\xA0", "", "a lone U+00A0 squashes to nothing");

    s = squashn_exact("  Porsche  911  ", 16);
    is_str(s, "Porsche 911", "squashn on an unterminated buffer");
    cv_free(s);
    s = squashn_exact("911\xC2\xA0", 5);
    is_str(s, "911", "squashn: U+00A0 in the last two bytes of an unterminated buffer");
    cv_free(s);
    s = squashn_exact("911\xC2\xAD", 5);
    is_str(s, "911", "squashn: soft hyphen in the last two bytes of an unterminated buffer");
    cv_free(s);
    s = squashn_exact("911 \xE2\x80\xAF", 7);
    is_str(s, "911", "squashn: U+202F in the last three bytes of an unterminated buffer");
    cv_free(s);

    /* Truncated UTF-8 at the end: cut spaces are not spaces, nothing is
     * read beyond n, and the text before survives. */
    s = squashn_exact("911 \xE2\x80", 6);
    ok(s && !strncmp(s, "911", 3) && strlen(s) <= 6, "squashn: a cut 3-byte sequence at the end is safe");
    cv_free(s);
    s = squashn_exact("911 \xC2", 5);
    ok(s && !strncmp(s, "911", 3) && strlen(s) <= 5, "squashn: a cut 2-byte sequence at the end is safe");
    cv_free(s);
    s = squashn_exact("\xE2", 1);
    ok(s && strlen(s) <= 1, "squashn: a lone lead byte is safe");
    cv_free(s);
    s = cv_squash("ab\xE2\x80");
    ok(s && !strncmp(s, "ab", 2) && strlen(s) <= 4, "squash: a cut sequence before the NUL is safe");
    cv_free(s);

    s = cv_squashn("  a  b  c  ", 6);
    is_str(s, "a b", "squashn stops after n bytes");
    cv_free(s);
    s = cv_squashn("abc", 100);
    is_str(s, "abc", "squashn with n past the NUL stops at the NUL");
    cv_free(s);
    s = cv_squashn("abc", 0);
    is_str(s, "", "squashn of 0 bytes is empty");
    cv_free(s);

    ok(cv_squash(NULL) == NULL, "squash(NULL) is NULL");
    ok(cv_squashn(NULL, 4) == NULL, "squashn(NULL) is NULL");

    cv_mem_fail_after(0);
    s = cv_squash("  a  ");
    cv_mem_fail_after(-1);
    ok(s == NULL, "squash returns NULL when out of memory");
    cv_free(s);
}

static void test_space_len(void)
{
    is_int(cv_space_len(" "), 1, "space_len: ASCII space");
    is_int(cv_space_len("\v"), 1, "space_len: vertical tab");
    is_int(cv_space_len("\xC2\xA0"), 2, "space_len: U+00A0");
    is_int(cv_space_len("\xE2\x80\x89"), 3, "space_len: U+2009 thin space");
    is_int(cv_space_len("\xE2\x80\x8B"), 0, "space_len: U+200B is not a space (it is dropped)");
    is_int(cv_space_len("\xC2\xAD"), 0, "space_len: soft hyphen is not a space");
    is_int(cv_space_len("\xC2"), 0, "space_len: a lone lead byte");
    is_int(cv_space_len("\xE2\x80"), 0, "space_len: a cut 3-byte sequence");
    is_int(cv_space_len("a"), 0, "space_len: a letter");
    is_int(cv_space_len(""), 0, "space_len: the terminator");
}

static void test_case_helpers(void)
{
    char lower[] = "Mercedes-BENZ 300SL \xC3\x89";
    long long v = 12345;

    ok(cv_ascii_casecmp("PORSCHE", "porsche") == 0, "casecmp ignores ASCII case");
    ok(cv_ascii_casecmp("Porsche", "Porsches") < 0, "casecmp orders a prefix first");
    ok(cv_ascii_casecmp("b", "A") > 0, "casecmp compares letters case-free");
    ok(cv_ascii_ncasecmp("FERRARI 250", "ferrari 275", 9) == 0, "ncasecmp stops at n");
    ok(cv_ascii_ncasecmp("FERRARI 250", "ferrari 275", 10) != 0, "ncasecmp sees byte n");
    ok(cv_ascii_ncasecmp("ab", "ab", 10) == 0, "ncasecmp stops at a common end");
    ok(cv_starts_with("https://x", "https://"), "starts_with");
    ok(!cv_starts_with("http://x", "https://"), "starts_with is exact");
    ok(cv_starts_with_ci("HTTPS://X", "https://"), "starts_with_ci ignores case");
    ok(cv_starts_with("x", ""), "everything starts with \"\"");
    ok(cv_ends_with("photo.JPG", ".JPG") && !cv_ends_with("photo.JPG", ".jpg"), "ends_with is exact");
    ok(!cv_ends_with("g", ".jpg"), "ends_with with a longer suffix");
    is_str(cv_stristr("Sold for USD $19,250", "usd"), "USD $19,250", "stristr finds case-free");
    ok(cv_stristr("Sold", "sold out") == NULL, "stristr: needle longer than the rest");
    ok(cv_stristr("abc", "") != NULL, "stristr: the empty needle is found");
    ok(cv_stristr("aaab", "aab") != NULL, "stristr: overlapping start");
    is_str(cv_ascii_lower(lower), "mercedes-benz 300sl \xC3\x89", "ascii_lower leaves UTF-8 alone");

    ok(cv_parse_ll("211372", &v) == 0 && v == 211372, "parse_ll: plain digits");
    ok(cv_parse_ll("-42", &v) == 0 && v == -42, "parse_ll: negative");
    ok(cv_parse_ll("+7", &v) == 0 && v == 7, "parse_ll: explicit plus");
    ok(cv_parse_ll("9223372036854775807", &v) == 0 && v == LLONG_MAX, "parse_ll: LLONG_MAX");
    v = 5;
    ok(cv_parse_ll("9223372036854775808", &v) == -1 && v == 5, "parse_ll: overflow refused, out untouched");
    ok(cv_parse_ll("", &v) == -1, "parse_ll: empty refused");
    ok(cv_parse_ll(NULL, &v) == -1, "parse_ll: NULL refused");
    ok(cv_parse_ll("12abc", &v) == -1, "parse_ll: trailing letters refused");
    ok(cv_parse_ll("12 ", &v) == -1, "parse_ll: trailing space refused");
    ok(cv_parse_ll(" 12", &v) == -1, "parse_ll: leading space refused");
    ok(cv_parse_ll("\t12", &v) == -1, "parse_ll: leading tab refused");
    ok(cv_parse_ll("\n12", &v) == -1, "parse_ll: leading newline refused");
    ok(cv_parse_ll("\r12", &v) == -1, "parse_ll: leading carriage return refused");
    ok(cv_parse_ll("-", &v) == -1, "parse_ll: a lone sign refused");
    ok(cv_parse_ll("1.5", &v) == -1, "parse_ll: decimals refused");
    ok(cv_parse_ll("0x10", &v) == -1, "parse_ll: hexadecimal refused");
}

/* --- strset ----------------------------------------------------------------- */

static void test_strset(void)
{
    struct cv_strset s;
    char key[32];
    int bad = 0;

    cv_strset_init(&s);
    ok(!cv_strset_has(&s, "x"), "an empty set has nothing");
    is_int(cv_strset_add(&s, "https://bringatrailer.com/listing/a/"), 1, "first add returns 1");
    is_int(cv_strset_add(&s, "https://bringatrailer.com/listing/a/"), 0, "second add returns 0");
    ok(cv_strset_has(&s, "https://bringatrailer.com/listing/a/"), "has finds it");
    ok(!cv_strset_has(&s, "https://bringatrailer.com/listing/a"), "has is exact (no trailing slash)");
    ok(!cv_strset_has(&s, "HTTPS://bringatrailer.com/listing/a/"), "has is case-sensitive");
    is_int(cv_strset_add(&s, ""), 1, "the empty string can be added");
    ok(cv_strset_has(&s, ""), "the empty string is found");
    is_int(s.count, 2, "count after two distinct adds");

    {
        char tmp[] = "mutable";
        cv_strset_add(&s, tmp);
        tmp[0] = 'M';
        ok(cv_strset_has(&s, "mutable") && !cv_strset_has(&s, "Mutable"),
           "the set keeps its own copy of the string");
    }

    /* Many entries: growth rehashes everything. */
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        bad += cv_strset_add(&s, key) != 1;
    }
    ok(!bad, "5000 distinct adds each return 1");
    is_int(s.count, 5003, "count after 5000 more");
    bad = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        bad += !cv_strset_has(&s, key) || cv_strset_add(&s, key) != 0;
    }
    ok(!bad, "all 5000 found after growth, and re-adding returns 0");
    ok(!cv_strset_has(&s, "k5000") && !cv_strset_has(&s, "k-1"), "absent keys stay absent");
    ok(s.count * 4 <= s.nslots * 3, "load factor stays at most 3/4");
    cv_strset_free(&s);
    ok(s.slots == NULL && s.count == 0 && !cv_strset_has(&s, "k1"), "free empties the set");
    is_int(cv_strset_add(&s, "k1"), 1, "a freed set is usable again");
    cv_strset_free(&s);
}

static void test_strset_oom(void)
{
    int bad = 0, failures = 0;
    long n;

    /* Fill a set under injection: every -1 must leave the set consistent. */
    for (n = 0; n < 400; n++) {
        struct cv_strset s;
        char key[48];
        int rc = 0, added = 0, i;

        cv_strset_init(&s);
        cv_mem_fail_after(n);
        for (i = 0; i < 200; i++) {
            snprintf(key, sizeof(key), "https://example.com/car/%d", i);
            rc = cv_strset_add(&s, key);
            if (rc < 0)
                break;
            added += rc;
        }
        cv_mem_fail_after(-1);
        if (rc >= 0) {
            bad += added != 200 || s.count != 200;
            cv_strset_free(&s);
            break;
        }
        failures++;
        /* Everything added before the failure is there, the failed key is not. */
        bad += (int)s.count != added || cv_strset_has(&s, key);
        for (int j = 0; j < i; j++) {
            snprintf(key, sizeof(key), "https://example.com/car/%d", j);
            bad += !cv_strset_has(&s, key);
        }
        /* And the set works again once memory is back. */
        bad += cv_strset_add(&s, "after") != 1 || !cv_strset_has(&s, "after");
        cv_strset_free(&s);
    }
    ok(!bad && failures > 200, "strset add fails cleanly at each of %d allocations", failures);
}

int main(void)
{
    test_buf_basics();
    test_buf_cap();
    test_buf_oom();
    test_squash();
    test_space_len();
    test_case_helpers();
    test_strset();
    test_strset_oom();
    return tap_done();
}
