/*
 * t_url.c -- unit tests for core/url.c: parsing, RFC 3986 resolution,
 * canonical identity, claim patterns and --map-origin rules, plus
 * allocation-failure sweeps (run under ASan to catch leaks on error paths).
 */
#include "../tap.h"
#include "mem.h"
#include "url.h"

#include <string.h>

static void check_parse(const char *in, const char *scheme, const char *host, int port,
                        const char *path, const char *query, const char *fragment)
{
    struct cv_url u;
    enum cv_err rc = cv_url_parse(in, &u);

    is_int(rc, CV_OK, "parse ok: %s", in);
    is_str(u.scheme, scheme, "parse scheme: %s", in);
    is_str(u.host, host, "parse host: %s", in);
    is_int(u.port, port, "parse port: %s", in);
    is_str(u.path, path, "parse path: %s", in);
    is_str(u.query, query, "parse query: %s", in);
    is_str(u.fragment, fragment, "parse fragment: %s", in);
    cv_url_clear(&u);
}

static void check_parse_fails(const char *in, enum cv_err want, const char *why)
{
    struct cv_url u;
    enum cv_err rc = cv_url_parse(in, &u);

    is_int(rc, want, "parse refuses %s (%s)", why, cv_strerror(want));
    ok(!u.scheme && !u.host && !u.path && !u.query && !u.fragment && u.port == -1,
       "failed parse leaves the url empty (%s)", why);
    cv_url_clear(&u);
}

static void check_resolve(const char *base, const char *ref, const char *want)
{
    char *got = cv_url_resolve(base, ref);

    is_str(got, want, "resolve \"%s\" against %s", ref, base);
    cv_free(got);
}

static void check_canon(const char *in, const char *want, const char *name)
{
    enum cv_err e = CV_EINVAL;
    char *got = cv_url_canonical(in, &e);

    is_str(got, want, "canonical: %s", name);
    if (want)
        is_int(e, CV_OK, "canonical sets CV_OK: %s", name);
    cv_free(got);
}

static void check_key(const char *in, const char *want)
{
    char *got = cv_url_key(in);

    is_str(got, want, "key of %s", in);
    cv_free(got);
}

static void check_claim(const char *pattern, const char *url, int want)
{
    is_int(cv_url_claim_match(pattern, url), want, "claim '%s' %s %s", pattern,
           want ? "matches" : "does not match", url);
}

static void test_parse(void)
{
    struct cv_url u;
    char *longurl;

    check_parse("HTTPS://User:Pw@BringATrailer.COM.:443/listing/x/?a=1&B=2#Comments",
                "https", "bringatrailer.com", -1, "/listing/x/", "a=1&B=2", "Comments");
    check_parse("http://a.com", "http", "a.com", -1, "/", NULL, NULL);
    check_parse("http://a.com?x", "http", "a.com", -1, "/", "x", NULL);
    check_parse("http://a.com#top", "http", "a.com", -1, "/", NULL, "top");
    check_parse("http://a.com/?", "http", "a.com", -1, "/", "", NULL);
    check_parse("http://a.com:8080/x", "http", "a.com", 8080, "/x", NULL, NULL);
    check_parse("http://a.com:80/x", "http", "a.com", -1, "/x", NULL, NULL);
    check_parse("https://a.com:80/x", "https", "a.com", 80, "/x", NULL, NULL);
    check_parse("http://a.com:443/x", "http", "a.com", 443, "/x", NULL, NULL);
    check_parse("http://a.com:/x", "http", "a.com", -1, "/x", NULL, NULL);
    check_parse("http://a.com:0080/x", "http", "a.com", -1, "/x", NULL, NULL);
    check_parse("http://a.com:65535/", "http", "a.com", 65535, "/", NULL, NULL);
    check_parse("http://[::1]:8080/x", "http", "[::1]", 8080, "/x", NULL, NULL);
    check_parse("http://[2001:DB8::1]/", "http", "[2001:db8::1]", -1, "/", NULL, NULL);
    check_parse("http://u@[::ffff:1.2.3.4]:81", "http", "[::ffff:1.2.3.4]", 81, "/", NULL, NULL);
    check_parse("http://a@b@c.com/", "http", "c.com", -1, "/", NULL, NULL);
    check_parse("https://a.com/a b/%zz?q=a b#f g", "https", "a.com", -1, "/a b/%zz", "q=a b", "f g");
    check_parse("https://a.com/x?y?z#a#b", "https", "a.com", -1, "/x", "y?z", "a#b");

    check_parse_fails("http://a.com:0/", CV_EPARSE, "port 0");
    check_parse_fails("http://a.com:65536/", CV_EPARSE, "port 65536");
    check_parse_fails("http://a.com:99999999999999999999/", CV_EPARSE, "a huge port");
    check_parse_fails("http://a.com:8o/", CV_EPARSE, "a non-numeric port");
    check_parse_fails("http://a.com:-1/", CV_EPARSE, "a negative port");
    check_parse_fails("http://a.com:80:90/", CV_EPARSE, "two ports");
    check_parse_fails("http:///x", CV_EPARSE, "an empty host");
    check_parse_fails("http://", CV_EPARSE, "nothing after the scheme");
    check_parse_fails("http://:80/", CV_EPARSE, "a port without a host");
    check_parse_fails("http://user@/", CV_EPARSE, "userinfo without a host");
    check_parse_fails("http://./", CV_EPARSE, "a host that is only a dot");
    check_parse_fails("http://a b.com/", CV_EPARSE, "a space in the host");
    check_parse_fails("http://a\tb.com/", CV_EPARSE, "a tab in the host");
    check_parse_fails("http://a\x01.com/", CV_EPARSE, "a control char in the host");
    check_parse_fails("http://a%20b.com/", CV_EPARSE, "a percent in the host");
    check_parse_fails("http://a<b>.com/", CV_EPARSE, "angle brackets in the host");
    check_parse_fails("http://[::1/", CV_EPARSE, "an unclosed IPv6 literal");
    check_parse_fails("http://[zz::1]/", CV_EPARSE, "a bad IPv6 literal");
    check_parse_fails("http://[]/", CV_EPARSE, "an empty IPv6 literal");
    check_parse_fails("http://[::1]x/", CV_EPARSE, "junk after an IPv6 literal");
    check_parse_fails("http:/a.com/", CV_EPARSE, "one slash after the scheme");
    check_parse_fails("http:a.com", CV_EPARSE, "no slashes after the scheme");
    check_parse_fails("a.com/x", CV_EPARSE, "no scheme");
    check_parse_fails("//a.com/x", CV_EPARSE, "a network-path reference");
    check_parse_fails("/x", CV_EPARSE, "a path");
    check_parse_fails("", CV_EPARSE, "an empty string");
    check_parse_fails(" http://a.com/", CV_EPARSE, "leading whitespace");
    check_parse_fails(NULL, CV_EPARSE, "NULL");
    check_parse_fails("ftp://a.com/x", CV_ESCHEME, "ftp:");
    check_parse_fails("file:///etc/passwd", CV_ESCHEME, "file:");
    check_parse_fails("mailto:sales@dealer.com", CV_ESCHEME, "mailto:");
    check_parse_fails("javascript:void(0)", CV_ESCHEME, "javascript:");
    check_parse_fails("data:image/gif;base64,R0lGODlhAQABAAAAACw=", CV_ESCHEME, "data:");
    check_parse_fails("httpx://a.com/", CV_ESCHEME, "a scheme that only starts like http");

    longurl = malloc(70000);
    if (longurl) {
        memcpy(longurl, "http://a.com/", 13);
        memset(longurl + 13, 'x', 70000 - 14);
        longurl[69999] = '\0';
        is_int(cv_url_parse(longurl, &u), CV_EPARSE, "parse refuses a 70000-byte URL");
        cv_url_clear(&u);
        free(longurl);
    }
    cv_url_clear(NULL);
    ok(1, "cv_url_clear(NULL) is harmless");
}

static void test_resolve_rfc(void)
{
    const char *b = "http://a/b/c/d;p?q";

    /* RFC 3986 section 5.4.1, normal examples */
    check_resolve(b, "g:h", NULL);              /* another scheme: dropped */
    check_resolve(b, "g", "http://a/b/c/g");
    check_resolve(b, "./g", "http://a/b/c/g");
    check_resolve(b, "g/", "http://a/b/c/g/");
    check_resolve(b, "/g", "http://a/g");
    check_resolve(b, "//g", "http://g/");       /* RFC "http://g"; empty path becomes "/" */
    check_resolve(b, "?y", "http://a/b/c/d;p?y");
    check_resolve(b, "g?y", "http://a/b/c/g?y");
    check_resolve(b, "#s", "http://a/b/c/d;p?q#s");
    check_resolve(b, "g#s", "http://a/b/c/g#s");
    check_resolve(b, "g?y#s", "http://a/b/c/g?y#s");
    check_resolve(b, ";x", "http://a/b/c/;x");
    check_resolve(b, "g;x", "http://a/b/c/g;x");
    check_resolve(b, "g;x?y#s", "http://a/b/c/g;x?y#s");
    check_resolve(b, "", "http://a/b/c/d;p?q");
    check_resolve(b, ".", "http://a/b/c/");
    check_resolve(b, "./", "http://a/b/c/");
    check_resolve(b, "..", "http://a/b/");
    check_resolve(b, "../", "http://a/b/");
    check_resolve(b, "../g", "http://a/b/g");
    check_resolve(b, "../..", "http://a/");
    check_resolve(b, "../../", "http://a/");
    check_resolve(b, "../../g", "http://a/g");

    /* RFC 3986 section 5.4.2, abnormal examples */
    check_resolve(b, "../../../g", "http://a/g");
    check_resolve(b, "../../../../g", "http://a/g");
    check_resolve(b, "/./g", "http://a/g");
    check_resolve(b, "/../g", "http://a/g");
    check_resolve(b, "g.", "http://a/b/c/g.");
    check_resolve(b, ".g", "http://a/b/c/.g");
    check_resolve(b, "g..", "http://a/b/c/g..");
    check_resolve(b, "..g", "http://a/b/c/..g");
    check_resolve(b, "./../g", "http://a/b/g");
    check_resolve(b, "./g/.", "http://a/b/c/g/");
    check_resolve(b, "g/./h", "http://a/b/c/g/h");
    check_resolve(b, "g/../h", "http://a/b/c/h");
    check_resolve(b, "g;x=1/./y", "http://a/b/c/g;x=1/y");
    check_resolve(b, "g;x=1/../y", "http://a/b/c/y");
    check_resolve(b, "g?y/./x", "http://a/b/c/g?y/./x");
    check_resolve(b, "g?y/../x", "http://a/b/c/g?y/../x");
    check_resolve(b, "g#s/./x", "http://a/b/c/g#s/./x");
    check_resolve(b, "g#s/../x", "http://a/b/c/g#s/../x");
    check_resolve(b, "http:g", "http://a/b/c/g");      /* the backward-compatible reading */
}

static void test_resolve_pages(void)
{
    const char *vdp = "https://www.streetsideclassics.com/vehicles/5450-nsh/1961-chevrolet-corvette";
    const char *srp = "https://www.streetsideclassics.com/vehicles?page=1";
    const char *bat = "https://bringatrailer.com/listing/1967-porsche-911s-12/#comments";

    check_resolve(vdp, "/vehicles?page=2", "https://www.streetsideclassics.com/vehicles?page=2");
    check_resolve(srp, "?page=2", "https://www.streetsideclassics.com/vehicles?page=2");
    check_resolve(vdp, "../x", "https://www.streetsideclassics.com/vehicles/x");
    check_resolve(vdp, "//cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg");
    check_resolve("http://dealer.com/", "//cdn.example.com/a.jpg", "http://cdn.example.com/a.jpg");
    check_resolve(vdp, "//cdn.example.com:8080", "https://cdn.example.com:8080/");
    check_resolve(vdp, "//cdn.example.com/../a/./b.jpg", "https://cdn.example.com/a/b.jpg");
    check_resolve(vdp, "https://bringatrailer.com/listing/x/", "https://bringatrailer.com/listing/x/");
    check_resolve(vdp, "https://bringatrailer.com/a/../listing/./x/", "https://bringatrailer.com/listing/x/");
    check_resolve(vdp, "HTTPS://BringATrailer.COM:443/Listing/X/", "https://bringatrailer.com/Listing/X/");
    check_resolve(vdp, "http://user:secret@example.com/x", "http://example.com/x");
    check_resolve(vdp, "mailto:sales@streetsideclassics.com", NULL);
    check_resolve(vdp, "mailto:", NULL);
    check_resolve(vdp, "tel:+1-615-555-0100", NULL);
    check_resolve(vdp, "javascript:void(0)", NULL);
    check_resolve(vdp, "  JavaScript:void(0);", NULL);
    check_resolve(vdp, "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", NULL);
    check_resolve(vdp, "ftp://example.com/a", NULL);
    check_resolve(vdp, "https:foo", "https://www.streetsideclassics.com/vehicles/5450-nsh/foo");
    check_resolve("http://a.com/x", "https:foo", NULL);   /* other scheme and no host: nothing to fetch */
    check_resolve(bat, "#comments", "https://bringatrailer.com/listing/1967-porsche-911s-12/#comments");
    check_resolve("https://a.com/x?p=1#top", "#bottom", "https://a.com/x?p=1#bottom");
    check_resolve("https://a.com/x?p=1#top", "", "https://a.com/x?p=1");
    check_resolve("https://a.com/x?p=1#top", "?p=2", "https://a.com/x?p=2");
    check_resolve("https://a.com/x?p=1", "?", "https://a.com/x?");
    check_resolve(vdp, "  /vehicles?page=2\n", "https://www.streetsideclassics.com/vehicles?page=2");
    check_resolve(vdp, "/vehi\ncles?pa\tge=2\r", "https://www.streetsideclassics.com/vehicles?page=2");
    check_resolve(vdp, "\t\n  ", "https://www.streetsideclassics.com/vehicles/5450-nsh/1961-chevrolet-corvette");
    check_resolve(vdp, "/cars/1965 Mustang GT", "https://www.streetsideclassics.com/cars/1965 Mustang GT");
    check_resolve("http://[::1]:8080/a/b", "c", "http://[::1]:8080/a/c");
    check_resolve("http://127.0.0.1:8080/a/b", "/x", "http://127.0.0.1:8080/x");
    check_resolve("https://a.com", "x", "https://a.com/x");
    check_resolve("https://a.com/a/b/", "./c/../d", "https://a.com/a/b/d");
    check_resolve(vdp, "//", NULL);
    check_resolve(vdp, "//a b.com/", NULL);
    check_resolve(vdp, "http://", NULL);
    check_resolve("/relative/base", "x", NULL);
    check_resolve("mailto:a@b.c", "x", NULL);
    check_resolve(NULL, "x", NULL);
    check_resolve(vdp, NULL, NULL);
}

static void test_canonical(void)
{
    enum cv_err e;
    char *s;
    static const char *const idem[] = {
        "HTTPS://BringATrailer.com:443/listing/x/?utm_source=feed&b=2&a=1#comments",
        "https://example.com/%7euser/%2e%2e/x?%41=%3d&z=1&a=%zz",
        "https://example.com/caf\xc3\xa9 car/?q=a b&q=\"x\"",
        "http://[::1]:8080/a/./b/../c?b&a",
        "https://www.classic.com/search?q[make_eq]=Plymouth&q[model_eq]=Road+Runner",
    };

    check_canon("HTTPS://BringATrailer.com:443/listing/x/?utm_source=feed&b=2&a=1#comments",
                "https://bringatrailer.com/listing/x/?a=1&b=2", "the DESIGN example");
    check_canon("http://Example.COM", "http://example.com/", "empty path becomes /");
    check_canon("http://example.com:80/a", "http://example.com/a", "default http port dropped");
    check_canon("https://example.com:8443/a", "https://example.com:8443/a", "other port kept");
    check_canon("http://example.com./a", "http://example.com/a", "trailing dot of the host");
    check_canon("https://example.com/Listing/X/", "https://example.com/Listing/X/",
                "path case and trailing slash kept");
    check_canon("https://example.com/a/./b/../c", "https://example.com/a/c", "dot segments");
    check_canon("https://example.com/../../a", "https://example.com/a", "dot segments above the root");
    check_canon("https://example.com/%7euser/%2e%2e/x", "https://example.com/x",
                "escaped dots are dot segments once decoded");
    check_canon("https://example.com/%41%62%2D%5f%7E%30", "https://example.com/Ab-_~0",
                "escaped unreserved characters decoded");
    check_canon("https://example.com/a%2fb%3a%c3%a9", "https://example.com/a%2Fb%3A%C3%A9",
                "escaped reserved characters keep their escape, hex upper-cased");
    check_canon("https://example.com/caf\xc3\xa9 car", "https://example.com/caf%C3%A9%20car",
                "non-ASCII and space encoded");
    check_canon("https://example.com/a|b{c}\"<>^`\\", "https://example.com/a%7Cb%7Bc%7D%22%3C%3E%5E%60%5C",
                "characters that may not appear raw encoded");
    check_canon("https://example.com/a\x01\x7f", "https://example.com/a%01%7F", "controls encoded");
    check_canon("https://example.com/100%", "https://example.com/100%25", "stray percent encoded");
    check_canon("https://example.com/%zz%4", "https://example.com/%25zz%254", "broken escapes encoded");
    check_canon("https://example.com/a;p=1,2/[x]@!$&'()*+", "https://example.com/a;p=1,2/[x]@!$&'()*+",
                "sub-delimiters left alone");
    check_canon("https://example.com/?q=a+b", "https://example.com/?q=a+b", "+ in a query left alone");
    check_canon("https://example.com/?q=a b", "https://example.com/?q=a%20b", "space in a query encoded");
    check_canon("https://example.com/?x=%41%42&y=%3d&z=%26", "https://example.com/?x=AB&y=%3D&z=%26",
                "query escapes normalised; an escaped & does not split");
    check_canon("https://example.com/?b=2&a=1&b=1&a=0", "https://example.com/?a=1&a=0&b=2&b=1",
                "sort is stable for duplicate keys");
    check_canon("https://example.com/?ab=1&a_b=2&a=3&a", "https://example.com/?a=3&a&a_b=2&ab=1",
                "sort is bytewise by key; a bare key sorts with its name");
    check_canon("https://example.com/?a=1&&b=2&", "https://example.com/?a=1&b=2", "empty parameters dropped");
    check_canon("https://example.com/x?", "https://example.com/x", "empty query dropped");
    check_canon("https://example.com/x?&&", "https://example.com/x", "query of only separators dropped");
    check_canon("https://example.com/x?=1", "https://example.com/x?=1", "empty key kept");
    check_canon("https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c&utm_term=d"
                "&utm_content=e&utm_id=f&UTM_Source=g&utm_source_platform=h",
                "https://example.com/", "every utm_* dropped, any case");
    check_canon("https://example.com/?fbclid=1&gclid=2&dclid=3&gbraid=4&wbraid=5&msclkid=6&mc_cid=7"
                "&mc_eid=8&_ga=9&_gl=10&yclid=11&igshid=12&_hsenc=13&_hsmi=14&mkt_tok=15"
                "&oly_anon_id=16&oly_enc_id=17&vero_id=18&s_cid=19&srsltid=20",
                "https://example.com/", "every listed tracking parameter dropped");
    check_canon("https://example.com/v?id=7&fbclid=abc&page=2", "https://example.com/v?id=7&page=2",
                "tracking dropped among real parameters");
    check_canon("https://example.com/?utm=1&autm_source=2&gclidx=3&_gaz=4&utm%5fsource=5",
                "https://example.com/?_gaz=4&autm_source=2&gclidx=3&utm=1",
                "look-alikes kept; an escaped tracking key is still dropped");
    check_canon("https://example.com/?gclid", "https://example.com/", "tracking key without a value dropped");
    check_canon("https://example.com/a#frag", "https://example.com/a", "fragment dropped");
    check_canon("https://example.com/a?b=1#frag?c=2", "https://example.com/a?b=1",
                "fragment dropped with what looks like a query in it");
    check_canon("http://[::1]:80/", "http://[::1]/", "IPv6 host, default port dropped");
    check_canon("https://www.classic.com/search?q[model_eq]=Road+Runner&q[make_eq]=Plymouth",
                "https://www.classic.com/search?q[make_eq]=Plymouth&q[model_eq]=Road+Runner",
                "Ransack-style keys sorted");

    for (size_t i = 0; i < sizeof(idem) / sizeof(idem[0]); i++) {
        char *once = cv_url_canonical(idem[i], NULL);
        char *twice = cv_url_canonical(once, NULL);

        ok(once && twice && strcmp(once, twice) == 0, "canonical is idempotent: %s", idem[i]);
        cv_free(once);
        cv_free(twice);
    }

    e = CV_OK;
    s = cv_url_canonical("mailto:a@b.c", &e);
    ok(!s && e == CV_ESCHEME, "canonical of mailto: is NULL with CV_ESCHEME");
    e = CV_OK;
    s = cv_url_canonical("not a url", &e);
    ok(!s && e == CV_EPARSE, "canonical of garbage is NULL with CV_EPARSE");
    e = CV_OK;
    s = cv_url_canonical(NULL, &e);
    ok(!s && e == CV_EPARSE, "canonical of NULL is NULL with CV_EPARSE");
    ok(!cv_url_canonical("ftp://x/", NULL), "canonical accepts a NULL err pointer");
}

static void test_key_origin(void)
{
    char *s;

    check_key("https://a.com/x/?q=1", "https://a.com/x?q=1");
    check_key("https://a.com/x/", "https://a.com/x");
    check_key("https://a.com/x", "https://a.com/x");
    check_key("https://a.com/", "https://a.com/");
    check_key("https://a.com", "https://a.com/");
    check_key("https://a.com/x//", "https://a.com/x/");
    check_key("https://a.com/x/?", "https://a.com/x");
    check_key("HTTPS://A.com:443/x/?utm_source=z#f", "https://a.com/x");
    check_key("mailto:a@b.c", NULL);
    check_key(NULL, NULL);
    {
        char *k1 = cv_url_key("https://bringatrailer.com/listing/x/");
        char *k2 = cv_url_key("https://bringatrailer.com/listing/x");

        ok(k1 && k2 && strcmp(k1, k2) == 0, "/x and /x/ have one key");
        cv_free(k1);
        cv_free(k2);
    }

    s = cv_url_origin("https://BringATrailer.com:443/listing/x/?a=1");
    is_str(s, "https://bringatrailer.com", "origin drops the default port and the path");
    cv_free(s);
    s = cv_url_origin("http://127.0.0.1:8080/a");
    is_str(s, "http://127.0.0.1:8080", "origin keeps another port");
    cv_free(s);
    s = cv_url_origin("http://[::1]:8080/a");
    is_str(s, "http://[::1]:8080", "origin of an IPv6 URL");
    cv_free(s);
    s = cv_url_origin("tel:123");
    is_str(s, NULL, "origin of tel: is NULL");
    cv_free(s);
    s = cv_url_hostport("https://BringATrailer.com:443/listing/x/");
    is_str(s, "bringatrailer.com", "hostport without the default port");
    cv_free(s);
    s = cv_url_hostport("https://a.com:8443/");
    is_str(s, "a.com:8443", "hostport with another port");
    cv_free(s);
    s = cv_url_hostport("http://a.com:443/");
    is_str(s, "a.com:443", "port 443 is not the default for http");
    cv_free(s);
    s = cv_url_hostport("/relative");
    is_str(s, NULL, "hostport of a relative URL is NULL");
    cv_free(s);
}

static void test_claims(void)
{
    char path[5200];
    char pat[128];

    check_claim("bringatrailer.com/listing/*", "https://bringatrailer.com/listing/x/", 1);
    check_claim("bringatrailer.com/listing/*", "https://bringatrailer.com/member/x/", 0);
    check_claim("bringatrailer.com/listing/*", "https://www.bringatrailer.com/listing/x/", 0);
    check_claim("bringatrailer.com/listing/*", "https://bringatrailer.com/listing/", 1);
    check_claim("bringatrailer.com/listing/*", "https://bringatrailer.com/listing", 0);
    check_claim("*.classic.com/veh/*", "https://www.classic.com/veh/abc/", 1);
    check_claim("*.classic.com/veh/*", "https://classic.com/veh/abc/", 0);
    check_claim("*.classic.com/veh/*", "https://www.classic.com/s/abc/", 0);
    check_claim("www.classic.com", "https://www.classic.com/", 1);
    check_claim("www.classic.com", "https://www.classic.com/s/111-motorcars-ZnQygen/?tab=history", 1);
    check_claim("www.classic.com", "https://classic.com/", 0);
    check_claim("www.classic.com", "https://www.classic.com.evil.net/", 0);
    check_claim("BringATrailer.COM/listing/*", "https://bringatrailer.com/listing/x/", 1);
    check_claim("bringatrailer.com/listing/*", "https://BRINGATRAILER.com/listing/x/", 1);
    check_claim("bringatrailer.com/Listing/*", "https://bringatrailer.com/listing/x/", 0);
    check_claim("bringatrailer.com/listing/x/", "https://bringatrailer.com/listing/x/?a=1#c", 1);
    check_claim("bringatrailer.com/listing/x", "https://bringatrailer.com/listing/x/", 0);
    check_claim("bringatrailer.com/", "https://bringatrailer.com/", 1);
    check_claim("bringatrailer.com/", "https://bringatrailer.com/x", 0);
    check_claim("bringatrailer.com/*/x", "https://bringatrailer.com/a/b/x", 1);
    check_claim("a.com/*.html", "https://a.com/dir/car.html", 1);
    check_claim("a.com/*.html", "https://a.com/dir/car.htm", 0);
    check_claim("a.com/v*/*-*", "https://a.com/vehicles/5450-nsh/1961-chevrolet-corvette", 1);
    check_claim("a.com/**x**", "https://a.com/x", 1);
    check_claim("127.0.0.1/x/*", "http://127.0.0.1:8080/x/y", 1);
    check_claim("127.0.0.1:9999/x/*", "http://127.0.0.1:8080/x/y", 1);
    check_claim("[::1]:80/x", "http://[::1]:8080/x", 1);
    check_claim("*", "https://anything.example/at/all", 1);
    check_claim("https://a.com/x", "https://a.com/x", 1);
    check_claim("https://a.com/x", "http://a.com/x", 0);
    check_claim("a.com/x", "mailto:x@a.com", 0);
    check_claim("", "https://a.com/", 0);
    is_int(cv_url_claim_match(NULL, "https://a.com/"), 0, "NULL pattern matches nothing");
    is_int(cv_url_claim_match("a.com", NULL), 0, "NULL url matches nothing");

    /* Exponential for a naive recursive matcher; must finish at once here. */
    memcpy(path, "https://a.com/", 14);
    memset(path + 14, 'a', 5000);
    path[5014] = '\0';
    strcpy(pat, "a.com/");
    for (int i = 0; i < 30; i++)
        strcat(pat, "*a");
    strcat(pat, "b");
    check_claim(pat, "https://a.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 1);
    is_int(cv_url_claim_match(pat, path), 0, "pathological pattern against 5000 chars fails fast");
}

static struct cv_map_rule rule_or_die(const char *spec)
{
    struct cv_map_rule r;
    char err[256];

    if (cv_map_rule_parse(spec, &r, err, sizeof(err)) != CV_OK)
        diag("unexpected map rule failure: %s", err);
    return r;
}

static void check_rule(const char *spec, const char *scheme, const char *host, int port,
                       const char *to)
{
    struct cv_map_rule r;
    char err[256] = "untouched";
    enum cv_err rc = cv_map_rule_parse(spec, &r, err, sizeof(err));

    is_int(rc, CV_OK, "map rule parses: %s", spec);
    is_str(r.from_scheme, scheme, "map rule FROM scheme: %s", spec);
    is_str(r.from_host, host, "map rule FROM host: %s", spec);
    is_int(r.from_port, port, "map rule FROM port: %s", spec);
    is_str(r.to, to, "map rule TO: %s", spec);
    cv_map_rule_clear(&r);
}

static void check_rule_fails(const char *spec, const char *why)
{
    struct cv_map_rule r;
    char err[256] = "";
    enum cv_err rc = cv_map_rule_parse(spec, &r, err, sizeof(err));

    is_int(rc, CV_EINVAL, "map rule refused: %s", why);
    ok(strstr(err, "--map-origin") && strstr(err, spec), "the message names the spec (%s): %s", why, err);
    ok(!r.from_scheme && !r.from_host && !r.to, "a refused rule is left empty (%s)", why);
    cv_map_rule_clear(&r);
}

static void check_apply(const struct cv_map_rule *rules, size_t n, const char *url, const char *want)
{
    char *got = cv_map_apply(rules, n, url);

    is_str(got, want, "map apply %s", url);
    cv_free(got);
}

static void check_reverse(const struct cv_map_rule *rules, size_t n, const char *url, const char *want)
{
    char *got = cv_map_reverse(rules, n, url);

    is_str(got, want, "map reverse %s", url);
    cv_free(got);
}

static void test_map_parse(void)
{
    struct cv_map_rule r;
    char small[8];

    check_rule("https://*=http://127.0.0.1:8080/{host}", "https", NULL, -1, "http://127.0.0.1:8080/{host}");
    check_rule("http://*=http://127.0.0.1:8080/{host}/", "http", NULL, -1, "http://127.0.0.1:8080/{host}");
    check_rule("https://bringatrailer.com=http://127.0.0.1:8080", "https", "bringatrailer.com", -1,
               "http://127.0.0.1:8080");
    check_rule("https://*.example.com=http://127.0.0.1:8080/{host}", "https", "*.example.com", -1,
               "http://127.0.0.1:8080/{host}");
    check_rule("http://host:8080=http://127.0.0.1:9000/", "http", "host", 8080, "http://127.0.0.1:9000");
    check_rule("https://host:443=http://127.0.0.1:9000", "https", "host", -1, "http://127.0.0.1:9000");
    check_rule("https://*:8443=http://127.0.0.1:9000/{host}", "https", NULL, 8443,
               "http://127.0.0.1:9000/{host}");
    check_rule("HTTPS://BringATrailer.COM/=HTTP://LocalHost:8080//", "https", "bringatrailer.com", -1,
               "http://localhost:8080");
    check_rule("https://*=http://127.0.0.1:80/mirror/{host}/site", "https", NULL, -1,
               "http://127.0.0.1/mirror/{host}/site");
    check_rule("https://[::1]:8443=http://127.0.0.1:9000", "https", "[::1]", 8443, "http://127.0.0.1:9000");

    check_rule_fails("https://*", "no '='");
    check_rule_fails("", "an empty spec");
    check_rule_fails("ftp://*=http://127.0.0.1:8080", "FROM with another scheme");
    check_rule_fails("bringatrailer.com=http://127.0.0.1:8080", "FROM without a scheme");
    check_rule_fails("https://=http://127.0.0.1:8080", "FROM without a host");
    check_rule_fails("https://a.com/listing=http://127.0.0.1:8080", "FROM with a path");
    check_rule_fails("https://a.com?x=1=http://127.0.0.1:8080", "FROM with a query");
    check_rule_fails("https://user@a.com=http://127.0.0.1:8080", "FROM with userinfo");
    check_rule_fails("https://a*b.com=http://127.0.0.1:8080", "a star inside the FROM host");
    check_rule_fails("https://*a.com=http://127.0.0.1:8080", "a star not followed by a dot");
    check_rule_fails("https://*.=http://127.0.0.1:8080", "a bare '*.'");
    check_rule_fails("https://a.com:0=http://127.0.0.1:8080", "FROM port 0");
    check_rule_fails("https://a.com:x=http://127.0.0.1:8080", "FROM port not a number");
    check_rule_fails("https://*=", "empty TO");
    check_rule_fails("https://*=/relative/{host}", "relative TO");
    check_rule_fails("https://*=ftp://127.0.0.1/{host}", "TO with another scheme");
    check_rule_fails("https://*=http://127.0.0.1:8080/{host}/{host}", "{host} twice");
    check_rule_fails("https://*=http://{host}:8080/", "{host} in TO's host");
    check_rule_fails("https://*=http://127.0.0.1:8080/?h={host}", "TO with a query");
    check_rule_fails("https://*=http://127.0.0.1:8080/#x", "TO with a fragment");

    is_int(cv_map_rule_parse("nonsense", &r, NULL, 0), CV_EINVAL, "map rule parse accepts a NULL errbuf");
    cv_map_rule_clear(&r);
    is_int(cv_map_rule_parse("https://*=ftp://x", &r, small, sizeof(small)), CV_EINVAL,
           "map rule parse with a tiny errbuf");
    is_int(strlen(small), sizeof(small) - 1, "the message is truncated to the buffer");
    cv_map_rule_clear(&r);
    is_int(cv_map_rule_parse(NULL, &r, NULL, 0), CV_EINVAL, "map rule parse of NULL");
    cv_map_rule_clear(&r);
    cv_map_rule_clear(NULL);
    ok(1, "cv_map_rule_clear(NULL) is harmless");
}

static void test_map_apply(void)
{
    struct cv_map_rule star = rule_or_die("https://*=http://127.0.0.1:8080/{host}");
    struct cv_map_rule rules[5];
    struct cv_map_rule post = rule_or_die("https://*=http://127.0.0.1:8080/site-{host}.d/v");
    struct cv_map_rule amb = rule_or_die("https://*=http://127.0.0.1:8080");
    char *s;

    check_apply(&star, 1, "https://bringatrailer.com/listing/x/?a=1",
                "http://127.0.0.1:8080/bringatrailer.com/listing/x/?a=1");
    check_apply(&star, 1, "https://bringatrailer.com", "http://127.0.0.1:8080/bringatrailer.com/");
    check_apply(&star, 1, "https://a.com:8443/x", "http://127.0.0.1:8080/a.com:8443/x");
    check_apply(&star, 1, "https://a.com:443/x", "http://127.0.0.1:8080/a.com/x");
    check_apply(&star, 1, "https://a.com/x?b=2&a=1&utm_source=z#frag",
                "http://127.0.0.1:8080/a.com/x?b=2&a=1&utm_source=z");
    check_apply(&star, 1, "https://A.COM/X", "http://127.0.0.1:8080/a.com/X");
    check_apply(&star, 1, "http://a.com/x#f", "http://a.com/x#f");
    check_apply(&star, 0, "https://a.com/x", "https://a.com/x");
    check_apply(&star, 1, "mailto:a@b.c", NULL);
    check_apply(&star, 1, "not a url", NULL);

    rules[0] = rule_or_die("https://bringatrailer.com=http://127.0.0.1:9000");
    rules[1] = rule_or_die("https://*.example.com=http://127.0.0.1:9001/{host}");
    rules[2] = rule_or_die("http://host:8080=http://127.0.0.1:9002");
    rules[3] = rule_or_die("https://*=http://127.0.0.1:8080/s/{host}");
    rules[4] = rule_or_die("http://*=http://127.0.0.1:8080/p/{host}");
    check_apply(rules, 5, "https://bringatrailer.com/listing/x/", "http://127.0.0.1:9000/listing/x/");
    check_apply(rules, 5, "https://www.bringatrailer.com/x", "http://127.0.0.1:8080/s/www.bringatrailer.com/x");
    check_apply(rules, 5, "https://example.com/a", "http://127.0.0.1:9001/example.com/a");
    check_apply(rules, 5, "https://shop.example.com/a", "http://127.0.0.1:9001/shop.example.com/a");
    check_apply(rules, 5, "https://badexample.com/a", "http://127.0.0.1:8080/s/badexample.com/a");
    check_apply(rules, 5, "http://host:8080/x?y", "http://127.0.0.1:9002/x?y");
    check_apply(rules, 5, "http://host/x", "http://127.0.0.1:8080/p/host/x");
    check_apply(rules, 5, "https://bringatrailer.com:8443/x", "http://127.0.0.1:9000/x");
    check_apply(&post, 1, "https://a.com/x", "http://127.0.0.1:8080/site-a.com.d/v/x");

    /* reverse */
    check_reverse(&star, 1, "http://127.0.0.1:8080/bringatrailer.com/listing/x/",
                  "https://bringatrailer.com/listing/x/");
    check_reverse(&star, 1, "http://127.0.0.1:8080/bringatrailer.com", "https://bringatrailer.com/");
    check_reverse(&star, 1, "http://127.0.0.1:8080/bringatrailer.com?x=1", "https://bringatrailer.com/?x=1");
    check_reverse(&star, 1, "HTTP://127.0.0.1:8080/BringATrailer.com/Listing/", "https://bringatrailer.com/Listing/");
    check_reverse(&star, 1, "http://127.0.0.1:8080/a.com/x#f", "https://a.com/x#f");
    check_reverse(&star, 1, "http://127.0.0.1:8080/", NULL);
    check_reverse(&star, 1, "http://127.0.0.1:8080", NULL);
    check_reverse(&star, 1, "http://127.0.0.1:8080//x", NULL);
    check_reverse(&star, 1, "http://127.0.0.1:8080/a b.com/x", NULL);
    check_reverse(&star, 1, "http://127.0.0.1:8081/a.com/x", NULL);
    check_reverse(&star, 1, "https://bringatrailer.com/listing/x/", NULL);
    check_reverse(&star, 1, "not a url", NULL);
    check_reverse(&star, 0, "http://127.0.0.1:8080/a.com/x", NULL);
    check_reverse(&amb, 1, "http://127.0.0.1:8080/listing/x/", NULL);
    check_reverse(rules, 5, "http://127.0.0.1:9000/listing/x/", "https://bringatrailer.com/listing/x/");
    check_reverse(rules, 5, "http://127.0.0.1:9000", "https://bringatrailer.com/");
    check_reverse(rules, 5, "http://127.0.0.1:9000?a=1", "https://bringatrailer.com/?a=1");
    check_reverse(rules, 5, "http://127.0.0.1:9001/shop.example.com/a", "https://shop.example.com/a");
    check_reverse(rules, 5, "http://127.0.0.1:9001/evil.com/a", NULL);
    check_reverse(rules, 5, "http://127.0.0.1:9002/x", "http://host:8080/x");
    check_reverse(rules, 5, "http://127.0.0.1:8080/p/host/x", "http://host/x");
    check_reverse(rules, 5, "http://127.0.0.1:8080/pp/host/x", NULL);
    check_reverse(&post, 1, "http://127.0.0.1:8080/site-a.com.d/v/x", "https://a.com/x");
    check_reverse(&post, 1, "http://127.0.0.1:8080/site-a.com.d/w/x", NULL);
    check_reverse(&post, 1, "http://127.0.0.1:8080/site-.d/v/x", NULL);
    {
        struct cv_map_rule mirror = rule_or_die("https://a.com=http://127.0.0.1:8080/mirror");

        check_reverse(&mirror, 1, "http://127.0.0.1:8080/mirrorX/a", NULL);
        check_reverse(&mirror, 1, "http://127.0.0.1:8080/mirror/a", "https://a.com/a");
        cv_map_rule_clear(&mirror);
    }

    {
        static const char *const urls[] = {
            "https://bringatrailer.com/listing/x/",
            "https://bringatrailer.com/",
            "https://bringatrailer.com/member/abc/?page=2",
            "https://www.bringatrailer.com/listing/y/",
            "https://www.classic.com/veh/1985-chevrolet-corvette-1g1yy0784f5119763-abc/",
            "https://www.classic.com/s/111-motorcars-ZnQygen/?tab=history",
            "https://images.classic.com/uploads/dealer/One_Eleven_Motorcars.png",
            "http://streetsideclassics.com/vehicles?page=2",
            "http://streetsideclassics.com/vehicles?q[make_eq]=Plymouth&q[model_eq]=Road+Runner",
            "https://example.com/",
            "https://shop.example.com:8443/a/b?x=1&y=2",
            "http://host:8080/x?y",
            "http://host:8081/x",
            "http://[::1]:8080/x",
            "https://a.com/%E2%82%AC/x;p?q=a+b&r=%20",
            "https://a.com/a/b/c/d/e/f/g/",
        };

        for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
            char *f = cv_map_apply(rules, 5, urls[i]);
            char *r = cv_map_reverse(rules, 5, f);

            ok(f && strcmp(f, urls[i]) != 0, "round trip: %s is mapped (%s)", urls[i], f ? f : "NULL");
            is_str(r, urls[i], "round trip: reverse(apply(u)) == u for %s", urls[i]);
            cv_free(f);
            cv_free(r);
            f = cv_map_apply(&star, 1, urls[i]);
            r = cv_map_reverse(&star, 1, f);
            if (strncmp(urls[i], "https:", 6) == 0)
                is_str(r, urls[i], "round trip through the https://* rule: %s", urls[i]);
            else
                is_str(r, NULL, "http URL is not mapped by the https://* rule: %s", urls[i]);
            cv_free(f);
            cv_free(r);
        }
    }

    s = cv_map_apply(&star, 1, "https://a.com/x");
    ok(s != NULL, "apply allocates a new string");
    cv_free(s);
    for (size_t i = 0; i < 5; i++)
        cv_map_rule_clear(&rules[i]);
    cv_map_rule_clear(&star);
    cv_map_rule_clear(&post);
    cv_map_rule_clear(&amb);
}

/* Make every allocation of one call fail in turn: each failure must give
 * NULL (and CV_ENOMEM where there is an err), and ASan must see no leak. */
static void test_oom(void)
{
    static const char *const canon_in[] = {
        "HTTPS://BringATrailer.com:443/listing/x/?utm_source=feed&b=2&a=1#comments",
        "https://example.com/caf\xc3\xa9/%7e/../a?z=1&y=%41&x",
    };
    struct cv_map_rule rules[2];
    long n;
    int bad, steps;

    for (size_t k = 0; k < sizeof(canon_in) / sizeof(canon_in[0]); k++) {
        char *want = cv_url_canonical(canon_in[k], NULL);

        bad = steps = 0;
        for (n = 0; n < 1000; n++) {
            enum cv_err e = CV_OK;
            char *got;

            cv_mem_fail_after(n);
            got = cv_url_canonical(canon_in[k], &e);
            cv_mem_fail_after(-1);
            if (got) {
                bad += !want || strcmp(got, want) != 0;
                cv_free(got);
                break;
            }
            bad += e != CV_ENOMEM;
            steps++;
        }
        ok(!bad && steps > 3, "canonical fails cleanly at each of its %d allocations", steps);
        cv_free(want);
    }

    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        char *got;

        cv_mem_fail_after(n);
        got = cv_url_resolve("https://a.com/b/c?q#f", "../d/./e?x=1#y");
        cv_mem_fail_after(-1);
        if (got) {
            bad += strcmp(got, "https://a.com/d/e?x=1#y") != 0;
            cv_free(got);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 3, "resolve fails cleanly at each of its %d allocations", steps);

    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        char *got;

        cv_mem_fail_after(n);
        got = cv_url_resolve("https://a.com/b/c", "//cdn.example.com/x/../a.jpg");
        cv_mem_fail_after(-1);
        if (got) {
            bad += strcmp(got, "https://cdn.example.com/a.jpg") != 0;
            cv_free(got);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 3, "network-path resolve fails cleanly at each of its %d allocations", steps);

    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        char *got;

        cv_mem_fail_after(n);
        got = cv_url_key("https://a.com/x/?b=1&a=2");
        cv_mem_fail_after(-1);
        if (got) {
            bad += strcmp(got, "https://a.com/x?a=2&b=1") != 0;
            cv_free(got);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 3, "key fails cleanly at each of its %d allocations", steps);

    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        enum cv_err rc;
        char err[128];

        cv_mem_fail_after(n);
        rc = cv_map_rule_parse("https://*.example.com:8443=http://127.0.0.1:8080/{host}/", &rules[0],
                               err, sizeof(err));
        cv_mem_fail_after(-1);
        if (rc == CV_OK) {
            bad += strcmp(rules[0].to, "http://127.0.0.1:8080/{host}") != 0;
            cv_map_rule_clear(&rules[0]);
            break;
        }
        bad += rc != CV_ENOMEM || rules[0].from_scheme || rules[0].from_host || rules[0].to;
        steps++;
    }
    ok(!bad && steps > 3, "map rule parse fails cleanly at each of its %d allocations", steps);

    rules[0] = rule_or_die("https://bringatrailer.com=http://127.0.0.1:9000");
    rules[1] = rule_or_die("https://*=http://127.0.0.1:8080/{host}");
    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        char *got;

        cv_mem_fail_after(n);
        got = cv_map_apply(rules, 2, "https://a.com:8443/x?y=1");
        cv_mem_fail_after(-1);
        if (got) {
            bad += strcmp(got, "http://127.0.0.1:8080/a.com:8443/x?y=1") != 0;
            cv_free(got);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 3, "map apply fails cleanly at each of its %d allocations", steps);

    bad = steps = 0;
    for (n = 0; n < 1000; n++) {
        char *got;

        cv_mem_fail_after(n);
        got = cv_map_reverse(rules, 2, "http://127.0.0.1:8080/a.com:8443/x?y=1");
        cv_mem_fail_after(-1);
        if (got) {
            bad += strcmp(got, "https://a.com:8443/x?y=1") != 0;
            cv_free(got);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 3, "map reverse fails cleanly at each of its %d allocations", steps);
    cv_map_rule_clear(&rules[0]);
    cv_map_rule_clear(&rules[1]);
}

int main(void)
{
    test_parse();
    test_resolve_rfc();
    test_resolve_pages();
    test_canonical();
    test_key_origin();
    test_claims();
    test_map_parse();
    test_map_apply();
    test_oom();
    return tap_done();
}
