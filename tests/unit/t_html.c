/*
 * t_html.c -- unit tests for core/html.c: parsing broken and HTML5 markup,
 * <script> bodies, entities, charset selection (Content-Type, <meta>,
 * UTF-8 or windows-1252 by the bytes), cv_html_text (word breaks, hidden
 * elements, whitespace), cv_html_serialize and the compiled-expression
 * cache (hits, errors, clearing when full, allocation failure).
 */
#include "../tap.h"
#include "buf.h"
#include "html.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>
#include <libxml/xpathInternals.h>

/* --- helpers ----------------------------------------------------------------- */

static htmlDocPtr parse_ct(const char *body, const char *content_type)
{
    return cv_html_parse(body, strlen(body), "https://example.com/page", content_type);
}

static htmlDocPtr parse(const char *body)
{
    return parse_ct(body, NULL);
}

/* Nodes an XPath selects from the document; NULL when it fails. */
static xmlXPathObjectPtr select_nodes(htmlDocPtr doc, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr res;

    if (!ctx)
        return NULL;
    res = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
    xmlXPathFreeContext(ctx);
    return res;
}

static int count_nodes(htmlDocPtr doc, const char *xpath)
{
    xmlXPathObjectPtr res = doc ? select_nodes(doc, xpath) : NULL;
    int n = -1;

    if (res && res->type == XPATH_NODESET)
        n = res->nodesetval ? res->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(res);
    return n;
}

static xmlNodePtr first_node(htmlDocPtr doc, const char *xpath)
{
    xmlXPathObjectPtr res = doc ? select_nodes(doc, xpath) : NULL;
    xmlNodePtr n = NULL;

    if (res && res->type == XPATH_NODESET && res->nodesetval && res->nodesetval->nodeNr)
        n = res->nodesetval->nodeTab[0];
    xmlXPathFreeObject(res);
    return n;
}

/* cv_html_text of the first node an XPath selects, compared with want. */
static void text_is(htmlDocPtr doc, const char *xpath, const char *want, const char *what)
{
    xmlNodePtr n = first_node(doc, xpath);
    char *got;

    if (!n) {
        ok(0, "%s (nothing selected by %s)", what, xpath);
        return;
    }
    got = cv_html_text(n);
    is_str(got, want, "%s", what);
    cv_free(got);
}

/* Parse a fragment and compare the text of its <body>. */
static void body_text_is(const char *html, const char *want, const char *what)
{
    htmlDocPtr doc = parse(html);

    text_is(doc, "//body", want, what);
    xmlFreeDoc(doc);
}

static void charset_is(const char *body, const char *content_type, const char *want,
                       const char *what)
{
    htmlDocPtr doc = cv_html_parse(body, strlen(body), "https://example.com/", content_type);

    ok(doc != NULL, "charset: %s: parsed", what);
    text_is(doc, "//p", want, what);
    xmlFreeDoc(doc);
}

/* --- parsing ------------------------------------------------------------------- */

static void test_broken_markup(void)
{
    htmlDocPtr doc;
    xmlNodePtr n;
    xmlChar *attr;

    doc = parse("<div class=\"a\"><p>one<p>two</div></div></div><span>three");
    ok(doc != NULL, "unclosed <p> and stray </div>: a document");
    is_int(count_nodes(doc, "//p"), 2, "an unclosed <p> is closed by the next <p>");
    is_int(count_nodes(doc, "//div"), 1, "stray </div> tags create nothing");
    is_int(count_nodes(doc, "//div[@class='a']/p"), 2, "both paragraphs stay inside the div");
    text_is(doc, "//span", "three", "text after the stray end tags is kept");
    text_is(doc, "//body", "one two three", "whole body text in order");
    xmlFreeDoc(doc);

    doc = parse("<ul><li>a<li>b<li>c</ul><table><tr><td>1<td>2</table>");
    is_int(count_nodes(doc, "//ul/li"), 3, "unclosed <li> items are siblings");
    is_int(count_nodes(doc, "//tr/td"), 2, "unclosed <td> cells are siblings");
    xmlFreeDoc(doc);

    doc = parse("<p>unterminated <b>bold <i>italic");
    text_is(doc, "//p", "unterminated bold italic", "a body cut inside nested inline tags");
    xmlFreeDoc(doc);

    doc = parse("<main><section class=\"lot\"><article><header><h2>1967 Porsche 911S</h2></header>"
                "<figure><img src=\"/a.jpg\"><figcaption>Front</figcaption></figure></article>"
                "</section><nav><a href=\"/next\">Next</a></nav></main>");
    is_int(count_nodes(doc, "//main/section[@class='lot']/article/header/h2"), 1,
           "HTML5 elements nest as written");
    text_is(doc, "//figcaption", "Front", "figcaption text");
    is_int(count_nodes(doc, "//nav/a[@href='/next']"), 1, "nav after section is a sibling");
    xmlFreeDoc(doc);

    /* Script bodies are raw text: "</" inside a string closes nothing. */
    doc = parse("<script>var s = \"</b>\"; var auctions = {\"items\":[{\"t\":\"</p>\"}],"
                "\"html\":\"<div>x</div>\"};</script><p id=\"after\">after</p>");
    is_int(count_nodes(doc, "//p"), 1, "tags inside a script string create no elements");
    is_int(count_nodes(doc, "//b | //div"), 0, "no <b> or <div> from script strings");
    n = first_node(doc, "//script");
    {
        xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
        ok(c && strstr((const char *)c, "{\"items\":[{\"t\":\"</p>\"}],\"html\":\"<div>x</div>\"}"),
           "the script body is kept verbatim, JSON intact");
        xmlFree(c);
    }
    text_is(doc, "//p[@id='after']", "after", "the element after the script is parsed");
    xmlFreeDoc(doc);

    doc = parse("<script type=\"application/ld+json\">{\"name\":\"a < b && c > d\"}</script>");
    n = first_node(doc, "//script");
    {
        xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
        is_str((const char *)c, "{\"name\":\"a < b && c > d\"}", "JSON-LD with < and && is verbatim");
        xmlFree(c);
    }
    xmlFreeDoc(doc);

    /* Entities in text and attributes. */
    doc = parse("<p id=\"e\" title=\"Tom &amp; Jerry&#8217;s &quot;car&quot;\">"
                "It&#8217;s &amp; &quot;fine&quot; &#x2014; &eacute;&lt;&gt;</p>");
    text_is(doc, "//p", "It\xE2\x80\x99s & \"fine\" \xE2\x80\x94 \xC3\xA9<>",
            "numeric, hex and named entities decoded in text");
    n = first_node(doc, "//p");
    attr = n ? xmlGetProp(n, (const xmlChar *)"title") : NULL;
    is_str((const char *)attr, "Tom & Jerry\xE2\x80\x99s \"car\"", "entities decoded in attributes");
    xmlFree(attr);
    xmlFreeDoc(doc);

    doc = parse("<p>AT&T R&D 2024</p>");
    text_is(doc, "//p", "AT&T R&D 2024", "bare ampersands are kept as text");
    xmlFreeDoc(doc);

    doc = parse("<html><head><title>T</title></head><body><p>x</p></body></html>");
    ok(doc && xmlDocGetRootElement(doc) &&
       !strcmp((const char *)xmlDocGetRootElement(doc)->name, "html"), "root element is <html>");
    xmlFreeDoc(doc);

    doc = parse("just text, no tags");
    text_is(doc, "//body", "just text, no tags", "text without markup gets a body");
    xmlFreeDoc(doc);

    doc = parse("<DIV CLASS=\"Up\"><P>x</P></DIV>");
    is_int(count_nodes(doc, "//div[@class='Up']/p"), 1, "element and attribute names are lower-cased");
    xmlFreeDoc(doc);

    doc = cv_html_parse("", 0, "https://example.com/", "text/html");
    ok(doc != NULL, "an empty body still gives a document");
    is_int(count_nodes(doc, "//p"), 0, "an empty document has no paragraphs");
    xmlFreeDoc(doc);

    {
        static const char nul[] = "<p id=\"a\">x\0y</p><p id=\"b\">z</p>";
        doc = cv_html_parse(nul, sizeof(nul) - 1, "https://example.com/", NULL);
    }
    ok(doc != NULL, "a body with a NUL byte parses");
    text_is(doc, "//p[@id='b']", "z", "markup after a NUL byte is parsed");
    xmlFreeDoc(doc);
}

static void test_charset(void)
{
    static const char cp1252[] = "<p>caf\xe9 \x93quoted\x94 \x80" "5 \x92</p>";
    static const char utf8[] = "<p>caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac" "5 \xe2\x80\x99</p>";
    static const char want[] = "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac" "5 \xe2\x80\x99";
    char long_head[6000];

    charset_is(utf8, NULL, want, "valid UTF-8 without any declaration is UTF-8");
    charset_is(cp1252, NULL, want,
               "invalid UTF-8 without any declaration is windows-1252 (0x80 is the euro)");
    charset_is("<p>caf\xe9</p>", NULL, "caf\xc3\xa9", "caf\\xe9 reads caf\xc3\xa9");
    {
        htmlDocPtr doc = parse("<p>Citro\xc3\xabn \xe2\x82");
        xmlNodePtr n = first_node(doc, "//p");
        char *t = n ? cv_html_text(n) : NULL;
        ok(t && !strncmp(t, "Citro\xc3\xabn", 8),
           "a UTF-8 sequence cut at the end of the body does not force windows-1252");
        cv_free(t);
        xmlFreeDoc(doc);
    }

    charset_is(cp1252, "text/html; charset=windows-1252", want,
               "Content-Type charset=windows-1252");
    charset_is(cp1252, "text/html; charset=\"Windows-1252\"", want,
               "quoted, mixed-case Content-Type charset");
    charset_is("<p>\xc3\xa9</p>", "text/html;charset=ISO-8859-1", "\xc3\x83\xc2\xa9",
               "the Content-Type charset wins over bytes that look like UTF-8");
    charset_is("<p>\xc3\xa9</p>", "Text/HTML; Charset=iso-8859-1; foo=bar", "\xc3\x83\xc2\xa9",
               "charset parameter found case-insensitively, before other parameters");
    charset_is("<meta charset=\"windows-1252\"><p>\xc3\xa9</p>", "text/html; charset=utf-8",
               "\xc3\xa9", "the Content-Type charset wins over <meta>");

    charset_is("<html><head><meta charset=\"iso-8859-1\"></head><body><p>\xc3\xa9</p></body></html>",
               NULL, "\xc3\x83\xc2\xa9", "<meta charset> is honoured");
    charset_is("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
               "</head><body><p>\x80</p></body></html>", "text/html", "\xe2\x82\xac",
               "<meta http-equiv> charset is honoured when the header has none");
    charset_is("<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; CHARSET=ISO-8859-1\">"
               "</HEAD><BODY><P>\xc3\xa9</P></BODY></HTML>", NULL, "\xc3\x83\xc2\xa9",
               "an upper-case <META HTTP-EQUIV> charset is honoured");
    charset_is("<html><head><meta charset=utf-8></head><body><p>\xe2\x82\xac</p></body></html>",
               NULL, "\xe2\x82\xac", "unquoted <meta charset=utf-8>");

    /* "charset=" that is not a <meta> declares nothing: the bytes decide. */
    charset_is("<html><head><script src=\"/a.js\" charset=\"utf-8\"></script></head>"
               "<body><p>\x93quoted\x94 \x80" "5</p></body></html>", NULL,
               "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac" "5",
               "a <script charset> is not a page charset: invalid UTF-8 is windows-1252");

    /* A declaration far past the head is not looked for by carvest. */
    memset(long_head, ' ', sizeof(long_head));
    memcpy(long_head, "<p>\xe9", 4);
    memcpy(long_head + 5000, "</p><meta charset=x>", 20);
    long_head[5020] = '\0';
    {
        htmlDocPtr doc = cv_html_parse(long_head, 5020, NULL, NULL);
        text_is(doc, "//p", "\xc3\xa9", "a late charset= string does not stop the windows-1252 fallback");
        xmlFreeDoc(doc);
    }

    {
        htmlDocPtr doc = parse_ct("<p>plain ascii</p>", "text/html; charset=no-such-charset");
        ok(doc != NULL, "an unknown Content-Type charset is not fatal");
        text_is(doc, "//p", "plain ascii", "ASCII text readable under an unknown charset");
        xmlFreeDoc(doc);
    }
}

/* --- text ------------------------------------------------------------------------ */

static void test_text(void)
{
    htmlDocPtr doc;
    xmlNodePtr n;
    char *s;
    char deep[6 * 2000 + 64];
    size_t off = 0;

    body_text_is("<ul><li>a</li><li>b</li></ul>", "a b", "<li> items are separate words");
    body_text_is("<table><tr><td>Engine</td><td>V8</td></tr><tr><th>Miles</th><td>45</td></tr></table>",
                 "Engine V8 Miles 45", "table cells are separate words");
    body_text_is("<div>a</div><div>b</div><p>c</p><h2>d</h2><section>e</section>", "a b c d e",
                 "block elements are separate words");
    body_text_is("<p>Miles<br>Shown<br/>TMU</p>", "Miles Shown TMU", "<br> is a word break");
    body_text_is("<dl><dt>VIN</dt><dd>WP0</dd></dl>", "VIN WP0", "<dt>/<dd> are word breaks");
    body_text_is("<select><option>Red</option><option>Blue</option></select>", "Red Blue",
                 "<option>s are separate words");
    body_text_is("<details><summary>Specs</summary>V8</details>", "Specs V8",
                 "<summary> is a block of its own");
    body_text_is("<fieldset><legend>Engine</legend>V8</fieldset>", "Engine V8",
                 "<legend> is a block of its own");
    body_text_is("<table><caption>Specs</caption><tr><td>V8</td></tr></table>", "Specs V8",
                 "<caption> is a block of its own");
    body_text_is("<p>Por<b>sche</b> <i>9</i>1<span>1</span><a href=\"#\">S</a></p>", "Porsche 911S",
                 "inline elements do not split words");
    body_text_is("<p>1967 <em>Porsche</em>\n\n   <strong>911</strong></p>", "1967 Porsche 911",
                 "spaces between inline elements collapse to one");
    body_text_is("<div>a <script>var hidden = 1;</script><style>.c{color:red}</style>"
                 "<noscript>enable js</noscript><template><p>tpl</p></template> b</div>",
                 "a b", "script, style, noscript and template are skipped");
    body_text_is("<div>x<script>y</script>z</div>", "xz",
                 "a skipped script between letters is not a word break");
    body_text_is("<p>\n\t  Price:&nbsp;&nbsp;\n $45,000 &#8203;\n</p>", "Price: $45,000",
                 "newlines, tabs and &nbsp; squashed; zero-width space dropped; ends trimmed");
    body_text_is("<p>  </p><div>\n</div>", "", "whitespace-only text reads as \"\"");
    body_text_is("<div><div><p>deep</p></div>after</div>last", "deep after last",
                 "climbing out of nested blocks keeps the breaks");
    body_text_is("<p><!-- a comment -->visible</p>", "visible", "comments are not text");

    doc = parse("<div id=\"d\"><p>one</p>two<img src=\"a.jpg\" alt=\"alt text\"></div>");
    n = first_node(doc, "//div[@id='d']/text()");
    s = n ? cv_html_text(n) : NULL;
    is_str(s, "two", "text of a text node is its content");
    cv_free(s);
    n = first_node(doc, "//img");
    s = n ? cv_html_text(n) : NULL;
    is_str(s, "", "an element without text reads as \"\"");
    cv_free(s);
    text_is(doc, "//div", "one two", "text of a subtree only (attributes are not text)");
    xmlFreeDoc(doc);

    s = cv_html_text(NULL);
    is_str(s, "", "text of NULL is \"\"");
    cv_free(s);

    /* Runs of unclosed inline tags nest deeply: nothing after them may be
     * lost, and the walk climbs back through every level. */
    {
        struct cv_buf b;
        cv_buf_init(&b, CV_BUF_UNLIMITED);
        cv_buf_puts(&b, "<p>Price list ");
        for (int i = 0; i < 300; i++)
            cv_buf_printf(&b, "<font size=\"%d\">car %d ", i % 7, i);
        cv_buf_puts(&b, "</p><p id=\"tail\">Contact us</p>");
        doc = cv_html_parse(b.data, b.len, NULL, NULL);
        text_is(doc, "//p[@id='tail']", "Contact us", "content after 300 unclosed <font> tags is parsed");
        n = first_node(doc, "//p");
        s = n ? cv_html_text(n) : NULL;
        ok(s && !strncmp(s, "Price list car 0 car 1 ", 23) && strstr(s, " car 299"),
           "all 300 nested <font> texts read back in order");
        cv_free(s);
        xmlFreeDoc(doc);
        cv_buf_free(&b);
    }

    off += (size_t)snprintf(deep + off, sizeof(deep) - off, "<div id=\"top\">");
    for (int i = 0; i < 2000; i++) {
        memcpy(deep + off, "<span>", 6);
        off += 6;
    }
    off += (size_t)snprintf(deep + off, sizeof(deep) - off, "deep</div><p>next</p>");
    doc = cv_html_parse(deep, off, NULL, NULL);
    text_is(doc, "//body", "deep next", "2000 nested inline elements read back");
    xmlFreeDoc(doc);

    /* Out of memory: NULL, never a partial string. */
    doc = parse("<ul><li>alpha</li><li>beta</li><li>gamma</li></ul>");
    n = first_node(doc, "//ul");
    {
        int bad = 0, steps = 0;

        for (long k = 0; k < 50 && n; k++) {
            char *t;

            cv_mem_fail_after(k);
            t = cv_html_text(n);
            cv_mem_fail_after(-1);
            if (t) {
                bad += strcmp(t, "alpha beta gamma") != 0;
                cv_free(t);
                break;
            }
            steps++;
        }
        ok(n && !bad && steps >= 2, "cv_html_text fails cleanly at each of %d allocations", steps);
    }
    xmlFreeDoc(doc);
}

static void test_serialize(void)
{
    htmlDocPtr doc, again;
    xmlNodePtr n;
    char *s;

    doc = parse("<div><p class=\"x\" data-n=\"1\">Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt; "
                "caf\xc3\xa9</p><script>if (a < b && c) { s = \"</div>\"; }</script></div>");
    n = first_node(doc, "//p");
    s = n ? cv_html_serialize(doc, n) : NULL;
    ok(s && !strncmp(s, "<p ", 3), "a node serialises starting with its own tag");
    ok(s && strstr(s, "class=\"x\"") && strstr(s, "data-n=\"1\""), "attributes are serialised");
    ok(s && strstr(s, "</p>") && strspn(strstr(s, "</p>") + 4, " \n") == strlen(strstr(s, "</p>") + 4),
       "the node's end tag is serialised last");
    ok(s && !strstr(s, "<script"), "only the node, not its siblings");
    ok(s && !strstr(s, "<b>"), "text that looks like markup is escaped");
    again = s ? parse(s) : NULL;
    text_is(again, "//p[@class='x']",
            "Tom & Jerry <b>not bold</b> caf\xc3\xa9", "the serialised node parses back to the same text");
    xmlFreeDoc(again);
    cv_free(s);

    n = first_node(doc, "//script");
    s = n ? cv_html_serialize(doc, n) : NULL;
    ok(s && strstr(s, "if (a < b && c) { s = \"</div>\"; }"), "script content is serialised raw");
    cv_free(s);

    s = cv_html_serialize(doc, NULL);
    ok(s && strstr(s, "<html>") && strstr(s, "<body>") && strstr(s, "data-n=\"1\""),
       "NULL node serialises the whole document");
    again = s ? parse(s) : NULL;
    is_int(count_nodes(again, "//div/p[@class='x']"), 1, "the serialised document parses back");
    xmlFreeDoc(again);
    cv_free(s);
    xmlFreeDoc(doc);
}

/* --- expression cache --------------------------------------------------------------- */

static int eval_count(htmlDocPtr doc, xmlXPathCompExprPtr comp)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr res;
    int n = -1;

    ctx->node = (xmlNodePtr)doc;
    res = xmlXPathCompiledEval(comp, ctx);
    if (res && res->type == XPATH_NODESET)
        n = res->nodesetval ? res->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(ctx);
    return n;
}

static void test_xcache(void)
{
    struct cv_xcache *c = cv_xcache_new(8);
    htmlDocPtr doc = parse("<div class=\"listing\"><h1>One</h1><ul><li>a</li><li>b</li><li>c</li></ul></div>"
                           "<h1>Two</h1>");
    xmlXPathCompExprPtr a, b, x, y;
    char err[256];
    int bad = 0, i;

    ok(c != NULL, "a cache is created");
    a = cv_xcache_get(c, 1, "div.listing > h1", err, sizeof(err));
    ok(a != NULL, "a CSS selector compiles");
    is_int(a ? eval_count(doc, a) : -1, 1, "the compiled CSS selects what it says");
    b = cv_xcache_get(c, 1, "div.listing > h1", err, sizeof(err));
    ok(a == b, "the same CSS again is a cache hit (same pointer)");

    x = cv_xcache_get(c, 0, "//li", err, sizeof(err));
    ok(x != NULL, "an XPath compiles");
    is_int(x ? eval_count(doc, x) : -1, 3, "the compiled XPath selects what it says");
    ok(cv_xcache_get(c, 0, "//li", err, sizeof(err)) == x, "the same XPath again is a hit");

    /* The same text as CSS and as XPath are different expressions. */
    x = cv_xcache_get(c, 1, "h1", err, sizeof(err));
    y = cv_xcache_get(c, 0, "h1", err, sizeof(err));
    ok(x && y && x != y, "\"h1\" as CSS and as XPath are cached separately");
    is_int(x ? eval_count(doc, x) : -1, 2, "CSS h1 finds every h1 below the document");
    is_int(y ? eval_count(doc, y) : -1, 0, "XPath h1 means a child of the document node");

    err[0] = '\0';
    ok(cv_xcache_get(c, 1, "div[class", err, sizeof(err)) == NULL, "a bad CSS selector gives NULL");
    ok(err[0] != '\0', "a bad CSS selector gives a message (%s)", err);
    err[0] = '\0';
    ok(cv_xcache_get(c, 0, "//div[@class=", err, sizeof(err)) == NULL, "a bad XPath gives NULL");
    ok(strstr(err, "//div[@class=") != NULL, "the XPath message names the expression (%s)", err);
    ok(err[0] && err[strlen(err) - 1] != '\n', "the message has no trailing newline");
    ok(cv_xcache_get(c, 0, "//div[@class=", err, sizeof(err)) == NULL,
       "a bad expression is not cached as good");
    err[0] = '\0';
    ok(cv_xcache_get(c, 0, "count(//li) +", err, sizeof(err)) == NULL && err[0],
       "an incomplete expression gives a message (%s)", err);

    /* Far more distinct expressions than entries: the cache clears itself
     * and every answer stays right.  (A cache that never cleared would run
     * out of free slots and probe forever.) */
    for (i = 0; i < 300; i++) {
        char expr[64];
        xmlXPathCompExprPtr p, q;

        snprintf(expr, sizeof(expr), "(//li)[%d]", i % 4 + 1);
        snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr), " | //p[@n='%d']", i);
        p = cv_xcache_get(c, 0, expr, err, sizeof(err));
        q = cv_xcache_get(c, 0, expr, err, sizeof(err));
        bad += !p || p != q || eval_count(doc, p) != (i % 4 < 3 ? 1 : 0);
    }
    ok(!bad, "300 distinct expressions in a cache of 8: all compile, hit and evaluate right");
    a = cv_xcache_get(c, 1, "div.listing > h1", err, sizeof(err));
    is_int(a ? eval_count(doc, a) : -1, 1, "an expression evicted by a clear compiles again");
    {
        size_t len = (2u << 20) + 3;
        char *huge = cv_malloc(len + 1);

        memcpy(huge, "//a", 3);
        memset(huge + 3, 'b', len - 3);
        huge[len] = '\0';
        err[0] = '\0';
        ok(cv_xcache_get(c, 0, huge, err, sizeof(err)) == NULL && strstr(err, "too long"),
           "a 2 MiB expression is refused as too long (%s)", err);
        cv_free(huge);
    }
    cv_xcache_free(c);
    cv_xcache_free(NULL);

    /* Allocation failure in new() and get(). */
    {
        int steps = 0;
        long n;

        bad = 0;
        for (n = 0; n < 20; n++) {
            cv_mem_fail_after(n);
            c = cv_xcache_new(4);
            cv_mem_fail_after(-1);
            if (c)
                break;
            steps++;
        }
        ok(c && steps == 2, "xcache_new fails cleanly at each of its %d allocations", steps);

        steps = 0;
        for (n = 0; n < 100; n++) {
            cv_mem_fail_after(n);
            strcpy(err, "");
            x = cv_xcache_get(c, 1, "ul > li:nth-child(2), h1.title", err, sizeof(err));
            cv_mem_fail_after(-1);
            if (x)
                break;
            if (!strstr(err, "out of memory")) {
                bad++;
                diag("allocation %ld: message \"%s\"", n, err);
            }
            steps++;
        }
        ok(x && !bad && steps >= 2, "xcache_get fails cleanly, saying out of memory, at each of %d allocations",
           steps);
        is_int(x ? eval_count(doc, x) : -1, 1, "after the failures the expression works");
        y = cv_xcache_get(c, 1, "ul > li:nth-child(2), h1.title", err, sizeof(err));
        ok(x == y, "and it was cached");
        cv_xcache_free(c);
    }

    xmlFreeDoc(doc);
}

int main(void)
{
    cv_html_init();
    test_broken_markup();
    test_charset();
    test_text();
    test_serialize();
    test_xcache();
    return tap_done();
}
