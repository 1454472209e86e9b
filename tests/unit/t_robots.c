/*
 * t_robots.c -- unit tests for core/robots.c: RFC 9309 grouping, matching
 * precedence and wildcards, percent-encoding, limits, hostile input and
 * allocation failures.
 */
#include "../tap.h"
#include "mem.h"
#include "robots.h"

#include <string.h>
#include <time.h>

static struct cv_robots *parse(const char *txt, const char *agent)
{
    return cv_robots_parse(txt, strlen(txt), agent);
}

static void check(const struct cv_robots *r, const char *path, int want, const char *ctx)
{
    is_int(cv_robots_allowed(r, path), want, "%s: %s is %s", ctx, path,
           want ? "allowed" : "disallowed");
}

/* One Disallow pattern against paths it must and must not match. */
static void check_pattern(const char *pat, const char *const *match, const char *const *nomatch)
{
    char txt[256];
    struct cv_robots *r;

    snprintf(txt, sizeof(txt), "User-agent: *\nDisallow: %s\n", pat);
    r = parse(txt, "carvest");
    for (; *match; match++)
        is_int(cv_robots_allowed(r, *match), 0, "pattern %s matches %s", pat, *match);
    for (; *nomatch; nomatch++)
        is_int(cv_robots_allowed(r, *nomatch), 1, "pattern %s does not match %s", pat, *nomatch);
    cv_robots_free(r);
}

static void test_dealeraccelerate(void)
{
    /* research/sources.md 4.2: DealerAccelerate sites keep crawlers off
     * filtered listings but let them page through the inventory. */
    const char *txt =
        "User-agent: *\n"
        "Disallow: /*?\n"
        "Allow: /*?page=\n"
        "Disallow: /admin\n";
    struct cv_robots *r = parse(txt, "carvest");
    const char *c = "DealerAccelerate";

    ok(r != NULL, "DealerAccelerate robots.txt parses");
    check(r, "/vehicles", 1, c);
    check(r, "/vehicles?page=2", 1, c);
    check(r, "/vehicles?sort=price", 0, c);
    /* the Allow pattern (8 bytes) is longer than the Disallow one (3): Allow wins */
    check(r, "/vehicles?page=2&sort=x", 1, c);
    /* "?page=" must start the query; anywhere else only the 3-byte Disallow matches */
    check(r, "/vehicles?sort=x&page=2", 0, c);
    check(r, "/vehicles/5450-nsh/1961-chevrolet-corvette", 1, c);
    check(r, "/vehicles/sold", 1, c);
    check(r, "/", 1, c);
    check(r, "/?", 0, c);
    check(r, "/admin", 0, c);
    check(r, "/admin/login", 0, c);
    check(r, "/administrator", 0, c);
    /* longest match is literal: the 8-byte Allow beats the 6-byte "/admin" */
    check(r, "/admin?page=2", 1, c);
    is_int(cv_robots_crawl_delay_ms(r), -1, "no Crawl-delay in the DealerAccelerate file");
    cv_robots_free(r);
}

static void test_google_examples(void)
{
    /* RFC 9309 and Google's robots.txt documentation, "URL matching based on path values" */
    {
        static const char *const m[] = { "/fish", "/fish.html", "/fish/salmon.html", "/fishheads",
                                         "/fishheads/yummy.html", "/fish.php?id=anything", NULL };
        static const char *const n[] = { "/Fish.asp", "/catfish", "/?id=fish", "/desert/fish", NULL };

        check_pattern("/fish", m, n);
        check_pattern("/fish*", m, n);
    }
    {
        static const char *const m[] = { "/fish/", "/fish/?id=anything", "/fish/salmon.htm", NULL };
        static const char *const n[] = { "/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp", NULL };

        check_pattern("/fish/", m, n);
    }
    {
        static const char *const m[] = { "/index.php", "/filename.php", "/folder/filename.php",
                                         "/folder/filename.php?parameters", "/folder/any.php.file.html",
                                         "/filename.php/", NULL };
        static const char *const n[] = { "/", "/windows.PHP", NULL };

        check_pattern("/*.php", m, n);
    }
    {
        static const char *const m[] = { "/filename.php", "/folder/filename.php", NULL };
        static const char *const n[] = { "/filename.php?parameters", "/filename.php/", "/filename.php5",
                                         "/windows.PHP", NULL };

        check_pattern("/*.php$", m, n);
    }
    {
        static const char *const m[] = { "/fish.php", "/fishheads/catfish.php?parameters", NULL };
        static const char *const n[] = { "/Fish.PHP", NULL };

        check_pattern("/fish*.php", m, n);
    }
    {
        static const char *const m[] = { "/a$b", "/a$bc", NULL };
        static const char *const n[] = { "/a", "/ab", NULL };

        check_pattern("/a$b", m, n);       /* '$' inside a pattern is a literal */
    }
    {
        static const char *const m[] = { "/x/y", "/x/", NULL };
        static const char *const n[] = { "/x", "/y/x", NULL };

        check_pattern("/x/**", m, n);
    }
    {
        static const char *const m[] = { "/", "/anything", NULL };
        static const char *const n[] = { NULL };

        check_pattern("*", m, n);
    }

    /* precedence examples from Google's documentation */
    {
        struct cv_robots *r = parse("User-agent: *\nallow: /p\ndisallow: /\n", "carvest");

        check(r, "/page", 1, "allow /p beats disallow /");
        check(r, "/other", 0, "allow /p beats disallow /");
        cv_robots_free(r);
        r = parse("User-agent: *\nallow: /folder\ndisallow: /folder\n", "carvest");
        check(r, "/folder/page", 1, "equal length: Allow wins");
        cv_robots_free(r);
        r = parse("User-agent: *\ndisallow: /folder\nallow: /folder\n", "carvest");
        check(r, "/folder/page", 1, "equal length, other order: Allow still wins");
        cv_robots_free(r);
        r = parse("User-agent: *\nallow: /page\ndisallow: /*.htm\n", "carvest");
        check(r, "/page.htm", 0, "disallow /*.htm (6) beats allow /page (5)");
        check(r, "/page", 1, "disallow /*.htm does not match /page");
        cv_robots_free(r);
        r = parse("User-agent: *\nallow: /$\ndisallow: /\n", "carvest");
        check(r, "/", 1, "allow /$ lets the root through");
        check(r, "/page.htm", 0, "allow /$ covers only the root");
        check(r, "/?x=1", 0, "allow /$ does not cover a query on the root");
        cv_robots_free(r);
    }
}

static void test_groups(void)
{
    const char *txt =
        "User-agent: *\n"
        "Disallow: /\n"
        "\n"
        "User-agent: Carvest\n"
        "Disallow: /private\n";
    struct cv_robots *r;

    r = parse(txt, "carvest");
    check(r, "/", 1, "our group overrides *");
    check(r, "/vehicles", 1, "our group overrides *");
    check(r, "/private/x", 0, "our group's own rule");
    cv_robots_free(r);
    r = parse(txt, "otherbot");
    check(r, "/vehicles", 0, "another agent gets the * group");
    cv_robots_free(r);
    r = parse(txt, NULL);
    check(r, "/vehicles", 0, "no agent gets the * group");
    cv_robots_free(r);
    r = parse(txt, "carvest/0.1");
    check(r, "/vehicles", 1, "an agent given with a version uses its product token");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: /\nUser-agent: Carvest/1.0\nDisallow: /x\n", "carvest");
    check(r, "/y", 1, "User-agent: Carvest/1.0 names carvest");
    check(r, "/x", 0, "User-agent: Carvest/1.0 names carvest");
    cv_robots_free(r);
    r = parse("User-agent: *\nDisallow: /\nUser-agent: CARVEST\nDisallow: /x\n", "carvest");
    check(r, "/y", 1, "the token is matched case-insensitively");
    cv_robots_free(r);
    r = parse("User-agent: *\nDisallow: /\nUser-agent: carvestbot\nDisallow: /x\n", "carvest");
    check(r, "/y", 0, "carvestbot is another agent");
    cv_robots_free(r);
    r = parse("User-agent: *\nDisallow: /\nUser-agent: car\nDisallow: /x\n", "carvest");
    check(r, "/y", 0, "a prefix of our token is another agent");
    cv_robots_free(r);

    r = parse("User-agent: carvest\nDisallow: /a\n"
              "User-agent: *\nDisallow: /b\n"
              "User-agent: carvest\nDisallow: /c\n", "carvest");
    check(r, "/a", 0, "two groups for us combine");
    check(r, "/c", 0, "two groups for us combine");
    check(r, "/b", 1, "the * group is ignored when ours exist");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: /a\nUser-agent: googlebot\nDisallow: /\n"
              "User-agent: *\nDisallow: /b\n", "carvest");
    check(r, "/a", 0, "two * groups combine");
    check(r, "/b", 0, "two * groups combine");
    check(r, "/c", 1, "two * groups combine");
    cv_robots_free(r);

    r = parse("User-agent: googlebot\nUser-agent: carvest\nDisallow: /x\n"
              "User-agent: *\nDisallow: /\n", "carvest");
    check(r, "/x", 0, "consecutive User-agent lines form one group");
    check(r, "/y", 1, "consecutive User-agent lines form one group");
    cv_robots_free(r);

    r = parse("User-agent: carvest\n\n# the rules follow\nUser-agent: *\nDisallow: /\n", "carvest");
    check(r, "/x", 0, "blank lines and comments do not end a run of User-agent lines");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: /\nUser-agent: carvest\n", "carvest");
    check(r, "/x", 1, "a group for us without rules allows everything");
    cv_robots_free(r);

    r = parse("User-agent: googlebot\nDisallow: /\n", "carvest");
    check(r, "/x", 1, "no group for us and no * group: everything allowed");
    cv_robots_free(r);

    r = parse("Disallow: /\nAllow: /x\nUser-agent: *\nDisallow: /y\n", "carvest");
    check(r, "/", 1, "rules before any User-agent are ignored");
    check(r, "/y", 0, "rules after the User-agent apply");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow:\n", "carvest");
    check(r, "/anything", 1, "empty Disallow allows everything");
    cv_robots_free(r);
    r = parse("User-agent: *\nDisallow:   # nothing here\nAllow:\n", "carvest");
    check(r, "/anything", 1, "Disallow with only a comment allows everything");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: private\nDisallow: *.pdf\n", "carvest");
    check(r, "/private/x", 0, "a pattern without its leading / is read as meant");
    check(r, "/docs/brochure.pdf", 0, "a pattern may start with *");
    check(r, "/public", 1, "other paths stay allowed");
    cv_robots_free(r);
}

static void test_syntax(void)
{
    struct cv_robots *r;

    r = parse("USER-AGENT: *\nDISALLOW: /x\n  disallow  :   /y   \nAlLoW: /x/ok\n", "carvest");
    check(r, "/x", 0, "field names are case-insensitive");
    check(r, "/y/z", 0, "whitespace around names and values is trimmed");
    check(r, "/x/ok", 1, "Allow in mixed case");
    cv_robots_free(r);

    r = parse("# a comment\nUser-agent: * # everyone\nDisallow: /x # not x\nDisallow: /a#b\n", "carvest");
    check(r, "/x", 0, "comment after a value");
    check(r, "/x2", 0, "the value ends before the comment");
    check(r, "/a", 0, "a '#' starts a comment even inside a path");
    cv_robots_free(r);

    r = parse("\xEF\xBB\xBFUser-agent: *\nDisallow: /x\n", "carvest");
    check(r, "/x", 0, "a UTF-8 BOM is skipped");
    cv_robots_free(r);

    r = parse("User-agent: *\r\nDisallow: /a\r\n\r\nDisallow: /b\r\n", "carvest");
    check(r, "/a", 0, "CRLF line ends");
    check(r, "/b", 0, "CRLF line ends with a blank line");
    check(r, "/c", 1, "CRLF line ends");
    cv_robots_free(r);
    r = parse("User-agent: *\rDisallow: /a\r\rDisallow: /b", "carvest");
    check(r, "/a", 0, "CR line ends");
    check(r, "/b", 0, "CR line ends, last line without an end");
    cv_robots_free(r);
    r = parse("User-agent: *\n\n\n\r\n\rDisallow: /a\n\r\nDisallow: /b\n", "carvest");
    check(r, "/a", 0, "mixed line ends and empty lines");
    check(r, "/b", 0, "mixed line ends and empty lines");
    cv_robots_free(r);

    r = parse("User-agent *\nDisallow /x\n", "carvest");
    check(r, "/x", 1, "lines without a colon are ignored");
    cv_robots_free(r);
    r = parse("<html><body>Not Found</body></html>\nUser-agent: *\nthis is junk\n"
              "Noindex: /y\nDisallow: /x\n", "carvest");
    check(r, "/x", 0, "junk and unknown fields around real rules");
    check(r, "/y", 1, "unknown fields are ignored");
    cv_robots_free(r);

    r = cv_robots_parse("User-agent: *\nDisallow: /x", 13, "carvest");
    check(r, "/x", 1, "only len bytes are read");
    cv_robots_free(r);
    {
        static const char nul[] = "User-agent: *\nDisallow: /x\n\0\nDisallow: /y\n";

        r = cv_robots_parse(nul, sizeof(nul) - 1, "carvest");
    }
    check(r, "/x", 0, "a NUL byte does not end the file");
    check(r, "/y", 0, "rules after a NUL byte still count");
    cv_robots_free(r);
}

static void test_encoding(void)
{
    struct cv_robots *r;

    /* RFC 9309 2.2.2 table */
    r = parse("User-agent: *\nDisallow: /foo/bar/%E3%83%84\nDisallow: /foo/bar/%62%61%7A\n"
              "Disallow: /a%2fb\nDisallow: /%7Ejoe\n", "carvest");
    check(r, "/foo/bar/\xE3\x83\x84", 0, "encoded pattern vs raw UTF-8 path");
    check(r, "/foo/bar/%e3%83%84", 0, "hex case does not matter");
    check(r, "/foo/bar/baz", 0, "escaped unreserved in the pattern are decoded");
    check(r, "/foo/bar/%62az", 0, "escaped unreserved in the path are decoded");
    check(r, "/a%2Fb", 0, "an escaped slash matches an escaped slash");
    check(r, "/a/b", 1, "an escaped slash is not a slash");
    check(r, "/~joe/x", 0, "%7E is ~");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\nDisallow: /~mary\nDisallow: /a b\n", "carvest");
    check(r, "/foo/bar/%E3%83%84", 0, "raw UTF-8 pattern vs encoded path");
    check(r, "/%7emary", 0, "~ in the pattern vs %7e in the path");
    check(r, "/a%20b", 0, "a space in the pattern is %20");
    cv_robots_free(r);
}

static void test_delay_sitemaps(void)
{
    static const struct {
        const char *value;
        long ms;
    } delays[] = {
        { "10", 10000 }, { "0.5", 500 }, { ".25", 250 }, { "1.0005", 1001 }, { "2.", 2000 },
        { "0", 0 }, { "abc", -1 }, { "-1", -1 }, { "5s", -1 }, { "1.2.3", -1 }, { "", -1 },
        { "99999999999999999999", 86400000 },
    };
    struct cv_robots *r;
    const char *const *maps;
    size_t n;
    char txt[128];

    for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
        snprintf(txt, sizeof(txt), "User-agent: *\nCrawl-delay: %s\n", delays[i].value);
        r = parse(txt, "carvest");
        is_int(cv_robots_crawl_delay_ms(r), delays[i].ms, "Crawl-delay: '%s'", delays[i].value);
        cv_robots_free(r);
    }
    r = parse("User-agent: *\nCrawl-delay: 10\nUser-agent: carvest\nCrawl-delay: 2\n", "carvest");
    is_int(cv_robots_crawl_delay_ms(r), 2000, "our group's Crawl-delay, not the * one");
    cv_robots_free(r);
    r = parse("User-agent: *\nCrawl-delay: 10\nUser-agent: carvest\nDisallow: /x\n", "carvest");
    is_int(cv_robots_crawl_delay_ms(r), -1, "the * group's Crawl-delay does not leak into ours");
    cv_robots_free(r);
    r = parse("User-agent: carvest\nCrawl-delay: 1\nUser-agent: carvest\nCrawl-delay: 3\n"
              "User-agent: carvest\nCrawl-delay: 2\n", "carvest");
    is_int(cv_robots_crawl_delay_ms(r), 3000, "combined groups: the longest Crawl-delay");
    cv_robots_free(r);
    r = parse("User-agent: carvest\nCrawl-delay: 4\nUser-agent: other\nDisallow: /\n", "carvest");
    is_int(cv_robots_crawl_delay_ms(r), 4000, "Crawl-delay belongs to its group");
    check(r, "/x", 1, "a Crawl-delay line ends the User-agent run");
    cv_robots_free(r);

    r = parse("Sitemap: https://dealer.com/sitemap.xml\n"
              "User-agent: *\nDisallow: /admin\nsitemap:   https://dealer.com/vehicles.xml  \n"
              "User-agent: googlebot\nSITEMAP: https://dealer.com/news.xml # news\nSitemap:\n",
              "carvest");
    maps = cv_robots_sitemaps(r, &n);
    is_int(n, 3, "three sitemaps, wherever they stand");
    if (n == 3) {
        is_str(maps[0], "https://dealer.com/sitemap.xml", "sitemap before any group");
        is_str(maps[1], "https://dealer.com/vehicles.xml", "sitemap inside our group, trimmed");
        is_str(maps[2], "https://dealer.com/news.xml", "sitemap inside another group");
    }
    cv_robots_free(r);
    r = parse("User-agent: *\nDisallow: /\n", "carvest");
    maps = cv_robots_sitemaps(r, &n);
    is_int(n, 0, "no sitemaps");
    cv_robots_free(r);
}

static void test_special(void)
{
    struct cv_robots *r;
    const char *const *maps;
    size_t n = 99;

    r = parse("User-agent: *\nDisallow: /\nDisallow: /robots.txt\n", "carvest");
    check(r, "/robots.txt", 1, "robots.txt is always allowed");
    check(r, "/robots.txt?x=1", 1, "robots.txt with a query is always allowed");
    check(r, "/robots.txtx", 0, "only robots.txt itself");
    check(r, "/x/robots.txt", 0, "only the root robots.txt");
    check(r, "", 0, "an empty path is the root");
    check(r, "?page=2", 0, "a bare query is on the root");
    cv_robots_free(r);

    r = parse("User-agent: *\nDisallow: /x$\n", "carvest");
    check(r, "/x#frag", 0, "a fragment is not part of the path");
    check(r, "/x?y", 1, "a query is part of the path");
    cv_robots_free(r);

    r = cv_robots_allow_all();
    ok(r != NULL, "allow_all gives a rule set");
    check(r, "/", 1, "allow_all");
    check(r, "/anything?at=all", 1, "allow_all");
    is_int(cv_robots_crawl_delay_ms(r), -1, "allow_all has no Crawl-delay");
    maps = cv_robots_sitemaps(r, &n);
    ok(n == 0, "allow_all has no sitemaps");
    (void)maps;
    cv_robots_free(r);

    r = cv_robots_disallow_all();
    ok(r != NULL, "disallow_all gives a rule set");
    check(r, "/", 0, "disallow_all");
    check(r, "/vehicles?page=2", 0, "disallow_all");
    check(r, "/robots.txt", 1, "disallow_all still lets robots.txt through");
    is_int(cv_robots_crawl_delay_ms(r), -1, "disallow_all has no Crawl-delay");
    cv_robots_free(r);

    r = cv_robots_parse(NULL, 0, "carvest");
    check(r, "/x", 1, "NULL text allows everything");
    cv_robots_free(r);
    r = cv_robots_parse("", 0, "carvest");
    check(r, "/x", 1, "an empty file allows everything");
    cv_robots_free(r);
    r = cv_robots_parse(NULL, 100, "carvest");
    check(r, "/x", 1, "NULL text with a length allows everything");
    cv_robots_free(r);

    cv_robots_free(NULL);
    ok(1, "cv_robots_free(NULL) is harmless");
    is_int(cv_robots_allowed(NULL, "/x"), 1, "no rule set: allowed");
    r = cv_robots_allow_all();
    is_int(cv_robots_allowed(r, NULL), 0, "a NULL path is refused");
    cv_robots_free(r);
    is_int(cv_robots_crawl_delay_ms(NULL), -1, "no rule set: no Crawl-delay");
    n = 99;
    ok(cv_robots_sitemaps(NULL, &n) == NULL && n == 0, "no rule set: no sitemaps");
}

/* Deterministic bytes, so a failure can be reproduced. */
static unsigned long lcg(unsigned long *s)
{
    *s = *s * 1103515245UL + 12345UL;
    return (*s >> 16) & 0x7fff;
}

static void test_hostile(void)
{
    static const char *const words[] = {
        "User-agent:", "Disallow:", "Allow:", "Crawl-delay:", "Sitemap:", "*", "/", "$", "%",
        "%4", "%zz", "#", "\r", "\n", "\r\n", " ", "\t", "carvest", "\xEF\xBB\xBF", "\0", ":",
        "/a*b", "**", "\xff\xfe", "9999999999999", ".",
    };
    size_t big = 1u << 20, len;
    char *buf = malloc(big + 64);
    unsigned long seed = 42;
    struct cv_robots *r;
    int all_ok = 1;
    clock_t t0;

    if (!buf) {
        ok(0, "test buffer");
        return;
    }

    /* random soup of robots.txt tokens and binary bytes */
    for (int round = 0; round < 50; round++) {
        len = 0;
        while (len < 4096) {
            if (lcg(&seed) % 3) {
                const char *w = words[lcg(&seed) % (sizeof(words) / sizeof(words[0]))];
                size_t wl = *w ? strlen(w) : 1;

                memcpy(buf + len, w, wl);
                len += wl;
            } else {
                buf[len++] = (char)lcg(&seed);
            }
        }
        r = cv_robots_parse(buf, len, "carvest");
        if (!r) {
            all_ok = 0;
            continue;
        }
        (void)cv_robots_allowed(r, "/a/b?c=%zz");
        (void)cv_robots_allowed(r, "/\xff$%");
        (void)cv_robots_crawl_delay_ms(r);
        (void)cv_robots_sitemaps(r, &len);
        cv_robots_free(r);
    }
    ok(all_ok, "50 random token soups parse and match without trouble");

    /* a 1 MiB file: rules after the first 500 KiB are not read */
    len = (size_t)snprintf(buf, big, "User-agent: *\nDisallow: /early\n");
    while (len < 600 * 1024)
        len += (size_t)snprintf(buf + len, big - len, "# padding padding padding padding\n");
    len += (size_t)snprintf(buf + len, big - len, "Disallow: /late\n");
    while (len < big - 64)
        buf[len++] = '\n';
    r = cv_robots_parse(buf, len, "carvest");
    ok(r != NULL, "a 1 MiB file parses");
    check(r, "/early", 0, "huge file");
    check(r, "/late", 1, "huge file: a rule past 500 KiB is ignored");
    cv_robots_free(r);

    /* the 500 KiB limit cutting a line in two: the stump is not trusted */
    len = (size_t)snprintf(buf, big, "User-agent: *\nDisallow: /p\n");
    while (len < 500 * 1024 - 20)
        buf[len++] = '\n';
    len += (size_t)snprintf(buf + len, big - len, "Allow: /pppppppppppppppppppppppppppppppq\n");
    r = cv_robots_parse(buf, len, "carvest");
    check(r, "/pppppppppppp", 0, "a line cut by the size limit is dropped, not shortened");
    cv_robots_free(r);

    /* many rules, many checks: must stay fast */
    len = (size_t)snprintf(buf, big, "User-agent: *\n");
    for (int i = 0; len < 490 * 1024; i++)
        len += (size_t)snprintf(buf + len, big - len, "Disallow: /d%d/*x\n", i);
    t0 = clock();
    r = cv_robots_parse(buf, len, "carvest");
    ok(r != NULL, "a file of some 23000 rules parses (capped)");
    check(r, "/d1/x", 0, "an early rule of the big file applies");
    check(r, "/d9999/yx", 0, "the last rule under the cap applies");
    check(r, "/d20000/x", 1, "a rule past the cap of 10000 is not kept");
    for (int i = 0; i < 100; i++)
        (void)cv_robots_allowed(r, "/vehicles/5450-nsh/1961-chevrolet-corvette?page=2");
    cv_robots_free(r);
    ok((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0, "parse and 100 checks against the cap take little time");

    /* a pattern that sends naive recursive matchers into exponential time */
    len = (size_t)snprintf(buf, big, "User-agent: *\nDisallow: /");
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(buf + len, big - len, "*a");
    len += (size_t)snprintf(buf + len, big - len, "b$\n");
    r = cv_robots_parse(buf, len, "carvest");
    buf[0] = '/';
    memset(buf + 1, 'a', 20000);
    buf[20001] = '\0';
    t0 = clock();
    check(r, buf, 1, "pathological pattern vs 20000 a's");
    ok((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "the pathological match finishes quickly");
    buf[20001] = 'b';
    buf[20002] = '\0';
    check(r, buf, 0, "pathological pattern does match when it should");
    cv_robots_free(r);
    free(buf);
}

static void test_oom(void)
{
    const char *txt =
        "Sitemap: https://dealer.com/sitemap.xml\n"
        "User-agent: *\nUser-agent: carvest\n"
        "Disallow: /*?\nAllow: /*?page=\nDisallow: /admin\nCrawl-delay: 1.5\n"
        "User-agent: *\nDisallow: /%7Ex/caf\xc3\xa9\n"
        "Sitemap: https://dealer.com/vehicles.xml\n";
    int bad = 0, steps = 0;
    long n;

    for (n = 0; n < 1000; n++) {
        struct cv_robots *r;

        cv_mem_fail_after(n);
        r = cv_robots_parse(txt, strlen(txt), "carvest");
        cv_mem_fail_after(-1);
        if (r) {
            size_t nm;

            bad += cv_robots_allowed(r, "/vehicles?page=2") != 1;
            bad += cv_robots_allowed(r, "/vehicles?sort=x") != 0;
            bad += cv_robots_crawl_delay_ms(r) != 1500;
            bad += cv_robots_sitemaps(r, &nm) == NULL || nm != 2;
            cv_robots_free(r);
            break;
        }
        steps++;
    }
    ok(!bad && steps > 5, "parse fails cleanly at each of its %d allocations", steps);

    bad = steps = 0;
    for (n = 0; n < 100; n++) {
        struct cv_robots *r;

        cv_mem_fail_after(n);
        r = cv_robots_disallow_all();
        cv_mem_fail_after(-1);
        if (r) {
            bad += cv_robots_allowed(r, "/x") != 0;
            cv_robots_free(r);
            break;
        }
        steps++;
    }
    ok(!bad && steps == 3, "disallow_all fails cleanly at each of its %d allocations", steps);

    {
        struct cv_robots *r = cv_robots_allow_all();

        cv_mem_fail_after(0);
        is_int(cv_robots_allowed(r, "/x"), 0, "out of memory while matching refuses, politely");
        cv_mem_fail_after(-1);
        cv_robots_free(r);
    }
}

int main(void)
{
    test_dealeraccelerate();
    test_google_examples();
    test_groups();
    test_syntax();
    test_encoding();
    test_delay_sitemaps();
    test_special();
    test_hostile();
    test_oom();
    return tap_done();
}
