/*
 * t_css.c -- tests for the CSS-to-XPath compiler (core/css.c).
 *
 * A few checks pin the exact XPath text.  Most parse HTML snippets shaped
 * like the real sources (BaT, DealerAccelerate, Classic.com) with
 * libxml2, evaluate the compiled XPath from a context node and compare
 * the ids of the selected elements, in the order returned, so they test
 * what a selector means rather than how it is spelt.
 */
#include "buf.h"
#include "css.h"
#include "mem.h"
#include "../tap.h"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <stdio.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------- */

static htmlDocPtr parse_html(const char *html)
{
    return htmlReadMemory(html, (int)strlen(html), "t.html", "UTF-8",
                          HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                          HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
}

static xmlNodePtr find_id(xmlNodePtr n, const char *id)
{
    for (; n; n = n->next) {
        xmlNodePtr hit;

        if (n->type == XML_ELEMENT_NODE) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)"id");
            int same = v && strcmp((const char *)v, id) == 0;

            xmlFree(v);
            if (same)
                return n;
        }
        if ((hit = find_id(n->children, id)))
            return hit;
    }
    return NULL;
}

static xmlNodePtr by_id(htmlDocPtr doc, const char *id)
{
    return find_id(doc->children, id);
}

/* Compile sel and evaluate it with ctx as the context node (the document
 * node when ctx is NULL).  Returns the selected elements' ids (their tag
 * names when they have none) joined by ',', "error: <message>" when the
 * selector does not compile, or "xpath error" when libxml2 rejects the
 * XPath.  Free with cv_free. */
static char *run(htmlDocPtr doc, xmlNodePtr ctx, const char *sel)
{
    char err[256];
    struct cv_buf out;
    char *xp = cv_css_to_xpath(sel, err, sizeof err);
    xmlXPathContextPtr xc = NULL;
    xmlXPathObjectPtr res = NULL;

    cv_buf_init(&out, CV_BUF_UNLIMITED);
    if (!xp) {
        cv_buf_printf(&out, "error: %s", err);
        goto out;
    }
    xc = xmlXPathNewContext(doc);
    if (xc)
        res = xmlXPathNodeEval(ctx ? ctx : (xmlNodePtr)doc, (const xmlChar *)xp, xc);
    if (!res || res->type != XPATH_NODESET) {
        cv_buf_puts(&out, "xpath error");
        goto out;
    }
    for (int i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
        xmlNodePtr n = res->nodesetval->nodeTab[i];
        xmlChar *id = n->type == XML_ELEMENT_NODE ? xmlGetProp(n, (const xmlChar *)"id") : NULL;

        if (i)
            cv_buf_putc(&out, ',');
        cv_buf_puts(&out, id ? (const char *)id : n->name ? (const char *)n->name : "?");
        xmlFree(id);
    }
out:
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(xc);
    cv_free(xp);
    return cv_buf_take(&out);
}

/* s with control characters written as C escapes, for test names that
 * must stay on one TAP line. */
static const char *printable(const char *s, char *buf, size_t size)
{
    size_t n = 0;

    for (; *s && n + 5 < size; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\n' || c == '\t') {
            buf[n++] = '\\';
            buf[n++] = c == '\n' ? 'n' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* ctx_id NULL: the document node is the context. */
static void sel_is(htmlDocPtr doc, const char *ctx_id, const char *sel, const char *want)
{
    xmlNodePtr ctx = ctx_id ? by_id(doc, ctx_id) : NULL;
    char name[512];
    char *got;

    if (ctx_id && !ctx) {
        ok(0, "fixture has #%s for '%s'", ctx_id, printable(sel, name, sizeof name));
        return;
    }
    got = run(doc, ctx, sel);
    is_str(got, want, "'%s' from %s%s selects [%s]", printable(sel, name, sizeof name),
           ctx_id ? "#" : "the document",
           ctx_id ? ctx_id : "", want);
    cv_free(got);
}

static void xpath_is(const char *sel, const char *want)
{
    char err[256], name[512];
    char *xp = cv_css_to_xpath(sel, err, sizeof err);

    is_str(xp ? xp : err, want, "'%s' compiles to %s", printable(sel, name, sizeof name), want);
    cv_free(xp);
}

static void err_is(const char *sel, const char *want)
{
    char err[256], name[512];
    char *xp = cv_css_to_xpath(sel, err, sizeof err);

    is_str(xp ? "(compiled)" : err, want, "'%s' is rejected: %s",
           printable(sel, name, sizeof name), want);
    cv_free(xp);
}

/* ---- fixtures -------------------------------------------------------- */

/* A BaT listing page: gallery, essentials sidebar, bid table, and a
 * related-auctions block that repeats the .item class as a decoy. */
static const char bat_html[] =
    "<!DOCTYPE html><html id=\"root\"><head><title>No Reserve: 1967 Porsche 911S Coupe</title></head>"
    "<body id=\"body\">"
    "<h1 class=\"post-title\" id=\"title\">No Reserve: 1967 Porsche 911S Coupe</h1>"
    "<div class=\"column column-left\" id=\"left\">"
    "  <div id=\"bat_listing_page_photo_gallery\">"
    "    <div class=\"gallery\" id=\"gal\" data-gallery-limit=\"12\""
    "         data-gallery-items=\"[{&quot;id&quot;:9011,&quot;large&quot;:{&quot;url&quot;:&quot;https:\\/\\/bringatrailer.com\\/wp-content\\/uploads\\/2024\\/01\\/1967_porsche_911s_abc123-1.jpg&quot;}}]\"></div>"
    "    <div class=\"gallery-thumbs\" id=\"thumbs\" data-gallery-items=\"[]\"></div>"
    "  </div>"
    "  <div class=\"post-excerpt\" id=\"excerpt\"><p id=\"ex1\">This 1967 Porsche 911S is finished in Irish Green.</p></div>"
    "</div>"
    "<div class=\"column column-right\" id=\"right\">"
    "  <div class=\"essentials\" id=\"ess\">"
    "    <div class=\"item\" id=\"i-lot\"><strong id=\"s-lot\">Lot</strong> #123,456</div>"
    "    <div class=\"item item-seller\" id=\"i-seller\"><strong id=\"s-seller\">Seller</strong>: "
    "<a id=\"a-seller\" href=\"https://bringatrailer.com/member/porschespecialist/\">PorscheSpecialist</a></div>"
    "    <div class=\"item\" id=\"i-loc\"><strong id=\"s-loc\">Location</strong>: "
    "<a id=\"a-loc\" href=\"https://www.google.com/maps/place/Scottsdale,+Arizona+85260\">Scottsdale, Arizona 85260</a></div>"
    "    <div class=\"item\" id=\"i-details\"><strong id=\"s-details\">Listing Details</strong>"
    "      <ul id=\"details\">"
    "        <li id=\"d1\">Chassis: <a id=\"a-chassis\" href=\"https://www.google.com/search?q=308123S\" target=\"_blank\">308123S</a></li>"
    "        <li id=\"d2\">45k Miles Shown</li>"
    "        <li id=\"d3\">2.0-Liter Flat-Six</li>"
    "        <li id=\"d4\">Five-Speed Manual Transaxle</li>"
    "      </ul>"
    "    </div>"
    "    <div class=\"item additional\" id=\"i-add\">Private Party or Dealer: Dealer</div>"
    "  </div>"
    "  <div class=\"items\" id=\"not-item\">decoy: the class is items</div>"
    "  <div id=\"listing-bid-container\">"
    "    <table class=\"listing-stats ended\" id=\"listing-bid\" data-listing-bid-id=\"116070319\"><tbody>"
    "      <tr class=\"listing-stats-stat\" id=\"r-sold\"><td class=\"listing-stats-label\" id=\"l-sold\">Sold</td>"
    "<td class=\"listing-stats-value\" id=\"v-sold\"><strong id=\"price\">USD $123,456</strong> "
    "<span data-listing-high-bidder-link id=\"hb\">to <a href=\"https://bringatrailer.com/member/buyer77/\" id=\"a-buyer\">buyer77</a></span></td></tr>"
    "      <tr class=\"listing-stats-stat\" id=\"r-ended\"><td class=\"listing-stats-label\" id=\"l-ended\">Auction Ended</td>"
    "<td class=\"listing-stats-value\" id=\"v-ended\"><span data-ends=\"1704240000\" id=\"ends\">January 2, 2024 at 3:15 PM PT</span></td></tr>"
    "      <tr class=\"listing-stats-stat\" id=\"r-bids\"><td class=\"listing-stats-label\" id=\"l-bids\">Bids</td>"
    "<td class=\"listing-stats-value number-bids-value\" id=\"v-bids\">45</td></tr>"
    "    </tbody></table>"
    "  </div>"
    "</div>"
    "<div class=\"related\" id=\"related\"><div class=\"item\" id=\"rel-item\">"
    "<a href=\"https://bringatrailer.com/listing/1972-porsche-911t/\" id=\"rel-a\">1972 Porsche 911T, Reserve Not Met</a></div></div>"
    "</body></html>";

/* A DealerAccelerate (Streetside-like) inventory page with its pager. */
static const char da_html[] =
    "<html><body>"
    "<div class=\"inventory-grid\" id=\"grid\">"
    "  <a class=\"inventory-item\" id=\"car1\" href=\"/vehicles/5450-nsh/1961-chevrolet-corvette\" itemscope itemtype=\"https://schema.org/Car\">"
    "    <img id=\"img1\" src=\"https://cdn.dealeraccelerate.com/streetside/1/5450/310245/790x1024/1961-chevrolet-corvette\" alt=\"\">"
    "    <div class=\"inventory-name\" id=\"name1\"><span itemprop=\"productionDate\" id=\"y1\">1961</span> "
    "<span itemprop=\"manufacturer\" id=\"m1\">Chevrolet</span> <span itemprop=\"model\" id=\"mo1\">Corvette</span></div>"
    "    <div class=\"inventory-price\" id=\"p1\">$79,995</div>"
    "  </a>"
    "  <a class=\"inventory-item\" id=\"car2\" href=\"/vehicles/5451-nsh/1973-ford-f-100\" itemscope itemtype=\"https://schema.org/Car\">"
    "    <img id=\"img2\" src=\"https://cdn.dealeraccelerate.com/streetside/1/5451/310246/790x1024/1973-ford-f-100\" alt=\"\">"
    "    <div class=\"inventory-name\" id=\"name2\"><span itemprop=\"productionDate\" id=\"y2\">1973</span> "
    "<span itemprop=\"manufacturer\" id=\"m2\">Ford</span> <span itemprop=\"model\" id=\"mo2\">F-100</span></div>"
    "    <div class=\"inventory-price sold\" id=\"p2\">SOLD</div>"
    "  </a>"
    "  <a class=\"inventory-item featured\" id=\"car3\" href=\"/vehicles/5452-nsh/1966-dodge-charger\" itemscope itemtype=\"https://schema.org/Car\">"
    "    <img id=\"img3\" src=\"/img/placeholder.png\" alt=\"\">"
    "    <div class=\"inventory-name\" id=\"name3\"><span itemprop=\"productionDate\" id=\"y3\">1966</span> "
    "<span itemprop=\"manufacturer\" id=\"m3\">Dodge</span> <span itemprop=\"model\" id=\"mo3\">Charger</span></div>"
    "    <div class=\"inventory-price\" id=\"p3\">$45,000</div>"
    "  </a>"
    "</div>"
    "<div class=\"sidebar\" id=\"side\"><span itemprop=\"manufacturer\" id=\"m-side\">Shelby</span></div>"
    "<ul class=\"pagination\" id=\"pager\">"
    "<li class=\"active\" id=\"pg1\"><a href=\"/vehicles?page=1\" id=\"pa1\">1</a></li>"
    "<li id=\"pg2\"><a href=\"/vehicles?page=2\" id=\"pa2\">2</a></li>"
    "<li class=\"disabled\" id=\"pg-gap\"><span id=\"gap\">&hellip;</span></li>"
    "<li id=\"pg17\"><a href=\"/vehicles?page=17\" id=\"pa17\">17</a></li>"
    "<li id=\"pg-next\"><a href=\"/vehicles?page=2\" rel=\"next\" id=\"pa-next\">&rsaquo;</a></li>"
    "</ul>"
    "</body></html>";

/* Classic.com search cards: Tailwind classes with ':' and '/'. */
static const char classic_html[] =
    "<html><body><div id=\"search_live\">"
    "<div id=\"hdr\"><span class=\"font-medium\" id=\"fm1\">Showing</span> <span class=\"font-medium\" id=\"fm2\">318</span> results</div>"
    "<div class=\"grid md:grid-cols-2\" id=\"cards\">"
    "  <div id=\"4815162\" class=\"group relative\">"
    "    <a href=\"/veh/1973-porsche-911t-9113101234-aB3dE9f/\" id=\"c1-imglink\"><img src=\"https://images.classic.com/vehicles/3f9a.jpg?w=600&amp;h=384&amp;fit=crop\" id=\"c1-img\" loading=\"lazy\" alt=\"\"></a>"
    "    <h3 class=\"w-1/2 md:w-full\" id=\"c1-h3\"><a href=\"/veh/1973-porsche-911t-9113101234-aB3dE9f/\" id=\"c1-title\">1973 Porsche 911T Coupe</a></h3>"
    "    <div class=\"flex flex-wrap justify-between text-gray-500 table:justify-start table:gap-x-3 table:gap-y-1\" id=\"c1-spec\">"
    "<div class=\"flex items-center\" id=\"c1-mi\">64,210 mi</div><div class=\"flex items-center\" id=\"c1-tr\">Manual</div>"
    "<div class=\"flex items-center\" id=\"c1-drive\">LHD</div></div>"
    "    <div class=\"flex gap-2 items-center text-gray-500\" id=\"c1-loc\"><span class=\"material-icons\" id=\"c1-icon\">place</span><div id=\"c1-city\">Scottsdale, AZ</div></div>"
    "    <span class=\"border font-medium uppercase\" id=\"c1-status\">For Sale</span>"
    "    <span id=\"vehicle-listing-4815162-price\">$89,500</span>"
    "    <a class=\"hover:underline\" href=\"/s/111-motorcars-ZnQygen/\" id=\"c1-seller\">111 Motorcars</a>"
    "    <div class=\"text-gray-500\" id=\"c1-date\">Jul 12, 2024</div>"
    "  </div>"
    "  <div id=\"4815163\" class=\"group relative\">"
    "    <h3 id=\"c2-h3\"><a href=\"/veh/1985-chevrolet-corvette-1g1yy0784f5119763-xY1/\" id=\"c2-title\">1985 Chevrolet Corvette</a></h3>"
    "    <div class=\"flex flex-wrap justify-between text-gray-500\" id=\"c2-spec\"><div class=\"flex items-center\" id=\"c2-mi\">41,000 mi</div>"
    "<div class=\"flex items-center\" id=\"c2-tr\">Automatic</div></div>"
    "    <span class=\"border font-medium uppercase\" id=\"c2-status\">Sold</span>"
    "    <span id=\"vehicle-listing-4815163-table-price\">$21,000</span>"
    "    <a class=\"hover:underline-offset-2\" href=\"/m/chevrolet/corvette/\" id=\"c2-decoy\">Market</a>"
    "    <a class=\"text-sm hover:underline\" href=\"/s/corvette-mike-Q1w2/\" id=\"c2-seller\">Corvette Mike</a>"
    "  </div>"
    "</div></div></body></html>";

/* Ten list items, and a container mixing three element types. */
static const char list_html[] =
    "<html><body>"
    "<ul id=\"list\"><li id=\"l1\">1</li><li id=\"l2\">2</li><li id=\"l3\">3</li><li id=\"l4\">4</li>"
    "<li id=\"l5\">5</li><li id=\"l6\">6</li><li id=\"l7\">7</li><li id=\"l8\">8</li>"
    "<li id=\"l9\">9</li><li id=\"l10\">10</li></ul>"
    "<div id=\"mix\"><span id=\"s1\"></span><b id=\"b1\"></b><span id=\"s2\"></span><span id=\"s3\"></span>"
    "<b id=\"b2\"></b><i id=\"i1\"></i><span id=\"s4\"></span><b id=\"b3\"></b><span id=\"s5\"></span></div>"
    "<ol id=\"one\"><li id=\"only\">alone</li></ol>"
    "</body></html>";

/* Siblings: headings followed by paragraphs. */
static const char sib_html[] =
    "<html><body><div id=\"sib\">"
    "<h2 id=\"h-a\">A</h2><p id=\"p1\"></p><p class=\"x\" id=\"p2\"></p>"
    "<h2 id=\"h-b\">B</h2><p class=\"x\" id=\"p3\"></p><div id=\"d-end\"><p id=\"p4\"></p></div>"
    "</div></body></html>";

/* Attribute operators, quoting and case. */
static const char attr_html[] =
    "<html><body><div id=\"attrs\">"
    "<a id=\"x1\" title=\"\" lang=\"en\" class=\"  one \t two  \" href=\"/a/b.html\" data-v=\"it's\">1</a>"
    "<a id=\"x2\" lang=\"en-US\" class=\"one\" href=\"/a/c.htm\" rel=\"nofollow next\" data-v='say \"hi\"'>2</a>"
    "<a id=\"x3\" lang=\"english\" href=\"/b/a.HTML\" data-v=\"both ' and &quot;\">3</a>"
    "<a id=\"x4\" lang=\"-x\" data-v=\"na\xc3\xafve caf\xc3\xa9\">4</a>"
    "<DIV ID=\"Up\" CLASS=\"Item\" DATA-X=\"1\"><SPAN class=\"item\" id=\"low\"></SPAN></DIV>"
    "</div></body></html>";

/* Identifiers that need escapes or are not ASCII. */
static const char esc_html[] =
    "<html><body><div id=\"esc\">"
    "<p class=\"10\" id=\"e-10\"></p>"
    "<p class=\"1a\" id=\"e-1a\"></p>"
    "<p class=\"a/b\" id=\"e-slash\"></p>"
    "<p class=\"md:flex-row\" id=\"e-md\"></p>"
    "<p class=\"w-1/2\" id=\"e-half\"></p>"
    "<p class=\"caf\xc3\xa9\" id=\"e-cafe\"></p>"
    "<p class=\"-neg\" id=\"e-neg\"></p>"
    "<p class=\"_u\" id=\"e-u\"></p>"
    "<p class=\"x.y\" id=\"e-dot\"></p>"
    "<p class=\"it's\" id=\"e-q\"></p>"
    "<p class=\"\xf0\x9f\x9a\x97\" id=\"e-car\"></p>"
    "<p class=\"a b\" id=\"e-ab\"></p>"
    "</div></body></html>";

/* :empty, :contains, :root, :only-child, :has, :is. */
static const char misc_html[] =
    "<html id=\"root\"><body id=\"body\"><div id=\"misc\">"
    "<p id=\"e1\"></p><p id=\"e2\"> </p><p id=\"e3\"><!-- c --></p><p id=\"e4\">x</p><p id=\"e5\"><b id=\"e5b\"></b></p>"
    "<div id=\"txt\"><span id=\"t1\">Sold for <strong id=\"t1s\">USD $123,456</strong></span>"
    "<span id=\"t2\">sold</span><span id=\"t3\">It's \"quoted\"</span></div>"
    "</div></body></html>";

/* Custom and prefixed names: libxml2 keeps "my-card", drops the "x:" of
 * an element but keeps "v:a" as an attribute name. */
static const char names_html[] =
    "<html><body><div id=\"ce\"><my-card id=\"mc1\"></my-card><x:tag id=\"xt1\" v:a=\"One\"></x:tag>"
    "<x:tag id=\"xt2\" xml:lang=\"fr\"></x:tag><my-card id=\"mc2\"></my-card></div></body></html>";

/* ---- tests ----------------------------------------------------------- */

static void test_compiled_text(void)
{
    char err[256];
    char *xp;

    xpath_is("div.item > a[href^=\"/listing/\"]",
             "descendant-or-self::div[(contains(@class,'item') and "
             "contains(concat(' ',normalize-space(@class),' '),' item '))]"
             "/a[starts-with(@href,'/listing/')]");
    xpath_is("div p", "descendant-or-self::div/descendant::p");
    xpath_is("#x", "descendant-or-self::*[@id='x']");
    xpath_is("*", "descendant-or-self::*");
    xpath_is("h2 ~ p", "descendant::h2/following-sibling::p");
    xpath_is("h2 + p.x",
             "descendant::h2/following-sibling::*[1][self::p and (contains(@class,'x') and "
             "contains(concat(' ',normalize-space(@class),' '),' x '))]");
    xpath_is("a, b", "(descendant-or-self::a | descendant-or-self::b)");
    xpath_is("li:nth-child(2n+1)", "descendant-or-self::li[count(preceding-sibling::*) mod 2 = 0]");
    xpath_is("li:nth-child(-n+3)", "descendant-or-self::li[count(preceding-sibling::*) <= 2]");
    xpath_is("li:nth-child(n)", "descendant-or-self::li");
    xpath_is("[t=\"it's\"]", "descendant-or-self::*[@t=\"it's\"]");
    xpath_is("[t='say \"hi\"']", "descendant-or-self::*[@t='say \"hi\"']");
    xpath_is("[t='a\"b\\'c']", "descendant-or-self::*[@t=concat('a\"b',\"'\",'c')]");
    xpath_is("[t=\"'\\\"\"]", "descendant-or-self::*[@t=concat(\"'\",'\"')]");
    xpath_is("[a^=\"\"]", "descendant-or-self::*[false()]");
    xpath_is("\\31 0", "descendant-or-self::*[name()='10']");
    xpath_is("DIV", "descendant-or-self::div");

    xp = cv_css_to_xpath("html body div.essentials div.item ul li a[href*=\"google\"] span",
                         err, sizeof err);
    ok(xp && !strstr(xp, "//"), "a descendant chain compiles without '//': %s", xp ? xp : err);
    cv_free(xp);
    xp = cv_css_to_xpath("div.a div.b, p span:has(b i), li:not(.x) a", err, sizeof err);
    ok(xp && !strstr(xp, "//"), "groups, :has() and :not() compile without '//': %s",
       xp ? xp : err);
    cv_free(xp);
}

static void test_bat(void)
{
    htmlDocPtr doc = parse_html(bat_html);

    ok(doc != NULL, "BaT listing fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "div.essentials div.item", "i-lot,i-seller,i-loc,i-details,i-add");
    sel_is(doc, NULL, "div.item", "i-lot,i-seller,i-loc,i-details,i-add,rel-item");
    sel_is(doc, NULL, "#bat_listing_page_photo_gallery .gallery[data-gallery-items]", "gal");
    sel_is(doc, NULL, "#bat_listing_page_photo_gallery [data-gallery-items]", "gal,thumbs");
    sel_is(doc, NULL, "table.listing-stats tr.listing-stats-stat td.listing-stats-label",
           "l-sold,l-ended,l-bids");
    sel_is(doc, NULL, "table.listing-stats.ended td.listing-stats-value > span[data-ends]", "ends");
    sel_is(doc, NULL, "tr:has(td.listing-stats-label:contains(\"Sold\")) td.listing-stats-value",
           "v-sold");
    sel_is(doc, NULL, "td.listing-stats-label:contains('Bids') + td", "v-bids");
    sel_is(doc, NULL, "[data-listing-high-bidder-link] a[href*=\"/member/\"]", "a-buyer");
    sel_is(doc, NULL, ".essentials .item:contains(\"Seller\") a[href^=\"https://bringatrailer.com/member/\"]",
           "a-seller");
    sel_is(doc, NULL, "div.item.additional", "i-add");
    sel_is(doc, NULL, ".item-seller > a", "a-seller");
    sel_is(doc, NULL, ".essentials > .item > strong", "s-lot,s-seller,s-loc,s-details");
    sel_is(doc, NULL, ".essentials > a", "");
    sel_is(doc, NULL, "#i-details li:first-child a", "a-chassis");
    sel_is(doc, NULL, "#details li:nth-child(2)", "d2");
    sel_is(doc, NULL, ".essentials .item:last-child", "i-add");
    sel_is(doc, NULL, "h1.post-title", "title");

    /* Scoped to a subtree: the context node itself can match, nothing
     * outside it does, and the related-auctions decoy is never reached. */
    sel_is(doc, "ess", "div", "ess,i-lot,i-seller,i-loc,i-details,i-add");
    sel_is(doc, "ess", ".item", "i-lot,i-seller,i-loc,i-details,i-add");
    sel_is(doc, "ess", ".essentials .item a", "a-seller,a-loc,a-chassis");
    sel_is(doc, "ess", "a", "a-seller,a-loc,a-chassis");
    sel_is(doc, "ess", "table td", "");
    sel_is(doc, "right", ".essentials + div", "not-item");
    sel_is(doc, "ess", ".essentials + div", "");
    sel_is(doc, "right", ".essentials ~ div", "not-item,listing-bid-container");
    sel_is(doc, "ess", ".essentials ~ div", "");
    sel_is(doc, "details", "li + li", "d2,d3,d4");
    sel_is(doc, "details", "ul > li:first-child", "d1");
    sel_is(doc, "d2", "li", "d2");
    sel_is(doc, "d2", "li + li", "");
    sel_is(doc, "d2", "li ~ li", "");
    sel_is(doc, "listing-bid", "tr:nth-child(2) td", "l-ended,v-ended");

    /* The document node and the root element as context. */
    sel_is(doc, NULL, "html", "root");
    sel_is(doc, "root", "html", "root");
    sel_is(doc, "root", "html > body > h1", "title");
    sel_is(doc, NULL, ":root", "root");
    xmlFreeDoc(doc);
}

static void test_dealeraccelerate(void)
{
    htmlDocPtr doc = parse_html(da_html);

    ok(doc != NULL, "DealerAccelerate fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "a.inventory-item span[itemprop=\"manufacturer\"]", "m1,m2,m3");
    sel_is(doc, NULL, "a.inventory-item span[itemprop=manufacturer]", "m1,m2,m3");
    sel_is(doc, NULL, "span[itemprop='manufacturer']", "m1,m2,m3,m-side");
    sel_is(doc, NULL, ".inventory-price.sold", "p2");
    sel_is(doc, NULL, ".inventory-price:not(.sold)", "p1,p3");
    sel_is(doc, NULL, "a.inventory-item:has(.inventory-price.sold)", "car2");
    sel_is(doc, NULL, "a.inventory-item:not(:has(.sold)) [itemprop=model]", "mo1,mo3");
    sel_is(doc, NULL, "a.inventory-item.featured", "car3");
    sel_is(doc, NULL, "[itemtype=\"https://schema.org/Car\"]", "car1,car2,car3");
    sel_is(doc, NULL, "[itemscope][href$=\"-corvette\"]", "car1");
    sel_is(doc, NULL, "img[src^=\"https://cdn.dealeraccelerate.com/\"]", "img1,img2");
    sel_is(doc, NULL, ".inventory-item span[itemprop=manufacturer]:contains(Ford)", "m2");
    sel_is(doc, NULL, ".inventory-name span:nth-of-type(2)", "m1,m2,m3");
    sel_is(doc, NULL, ".inventory-name > span:last-of-type", "mo1,mo2,mo3");
    sel_is(doc, NULL, "ul.pagination li:not(.active) a", "pa2,pa17,pa-next");
    sel_is(doc, NULL, "ul.pagination li:not(.active):not(.disabled) > a[href*=\"page=\"]",
           "pa2,pa17,pa-next");
    sel_is(doc, NULL, "ul.pagination li:not(.active, .disabled)", "pg2,pg17,pg-next");
    sel_is(doc, NULL, "ul.pagination a[rel=\"next\"]", "pa-next");
    sel_is(doc, NULL, "ul.pagination li:not( .active ):has( > a[rel] ) a", "pa-next");
    sel_is(doc, NULL, "ul.pagination li.active + li a", "pa2");
    sel_is(doc, NULL, "ul.pagination li:nth-last-child(2) a", "pa17");
    sel_is(doc, "car2", "span[itemprop=manufacturer]", "m2");
    sel_is(doc, "car2", ".inventory-item .sold", "p2");
    sel_is(doc, "grid", "a.inventory-item:first-child, a:last-child", "car1,car3");
    xmlFreeDoc(doc);
}

static void test_classic(void)
{
    htmlDocPtr doc = parse_html(classic_html);

    ok(doc != NULL, "Classic.com fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "a.hover\\:underline", "c1-seller,c2-seller");
    sel_is(doc, NULL, "a[class~=\"hover:underline\"]", "c1-seller,c2-seller");
    sel_is(doc, NULL, "a[class*=\"hover:underline\"]", "c1-seller,c2-decoy,c2-seller");
    sel_is(doc, NULL, "div.flex.flex-wrap.justify-between.text-gray-500.table\\:justify-start",
           "c1-spec");
    sel_is(doc, NULL, "div.flex.flex-wrap.justify-between.text-gray-500.table\\:justify-start"
           ".table\\:gap-x-3.table\\:gap-y-1 > :nth-child(2)", "c1-tr");
    sel_is(doc, NULL, "div.flex.flex-wrap.justify-between.text-gray-500", "c1-spec,c2-spec");
    sel_is(doc, NULL, "div.flex.flex-wrap > div.flex.items-center:nth-child(2)", "c1-tr,c2-tr");
    sel_is(doc, NULL, ".flex.gap-2.items-center.text-gray-500 div", "c1-city");
    sel_is(doc, NULL, "#search_live .group", "4815162,4815163");
    sel_is(doc, NULL, "#search_live > div > .group h3 a[href^=\"/veh/\"]", "c1-title,c2-title");
    sel_is(doc, NULL, "#\\34 815162 h3 a", "c1-title");
    sel_is(doc, NULL, "#4815163 .border.font-medium.uppercase", "c2-status");
    sel_is(doc, NULL, "h3.w-1\\/2", "c1-h3");
    sel_is(doc, NULL, ".md\\:grid-cols-2 > div", "4815162,4815163");
    sel_is(doc, NULL, "[id^=\"vehicle-listing-\"][id$=\"-price\"]",
           "vehicle-listing-4815162-price,vehicle-listing-4815163-table-price");
    sel_is(doc, NULL, "[id^=\"vehicle-listing-\"][id$=\"-table-price\"]",
           "vehicle-listing-4815163-table-price");
    sel_is(doc, NULL, ".group:has(.uppercase:contains(Sold)) h3 a", "c2-title");
    sel_is(doc, NULL, ".font-medium:not(.uppercase)", "fm1,fm2");
    sel_is(doc, NULL, "span.font-medium + span.font-medium", "fm2");
    sel_is(doc, "4815162", "a", "c1-imglink,c1-title,c1-seller");
    sel_is(doc, "4815162", ".group > a:first-child img", "c1-img");
    xmlFreeDoc(doc);
}

/* Does position pos (1-based) satisfy an+b for some n >= 0? */
static int nth_match(long a, long b, long pos)
{
    if (a == 0)
        return pos == b;
    return (pos - b) % a == 0 && (pos - b) / a >= 0;
}

/* Every a in -4..4, b in -6..12 against brute force, for one of the
 * :nth-*() pseudo-classes (prefix, e.g. "li:nth-child") on the given
 * elements (ids, in document order, all siblings of one type under one
 * parent); from_end counts backwards. */
static void nth_sweep(htmlDocPtr doc, const char *ctx_id, const char *prefix,
                      const char *const *ids, int nids, int from_end, const char *what)
{
    char sel[64];
    int bad = 0, total = 0;

    for (long a = -4; a <= 4; a++) {
        for (long b = -6; b <= 12; b++) {
            struct cv_buf want;
            char *got;
            int n = 0;

            cv_buf_init(&want, CV_BUF_UNLIMITED);
            for (int i = 0; i < nids; i++)
                if (nth_match(a, b, from_end ? nids - i : i + 1)) {
                    if (n++)
                        cv_buf_putc(&want, ',');
                    cv_buf_puts(&want, ids[i]);
                }
            snprintf(sel, sizeof sel, "%s(%ldn%+ld)", prefix, a, b);
            got = run(doc, by_id(doc, ctx_id), sel);
            total++;
            if (strcmp(got, cv_buf_str(&want)) != 0) {
                if (!bad)
                    diag("%s: got [%s], want [%s]", sel, got, cv_buf_str(&want));
                bad++;
            }
            cv_free(got);
            cv_buf_free(&want);
        }
    }
    ok(bad == 0, "%s agrees with brute force for %d (a, b) pairs (%d differ)", what, total, bad);
}

static void test_nth(void)
{
    static const char *const lis[] = { "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10" };
    static const char *const spans[] = { "s1", "s2", "s3", "s4", "s5" };
    htmlDocPtr doc = parse_html(list_html);

    ok(doc != NULL, "list fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "li:nth-child(3)", "l3");
    sel_is(doc, NULL, "#list li:nth-child(odd)", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child(even)", "l2,l4,l6,l8,l10");
    sel_is(doc, NULL, "#list li:NTH-CHILD(ODD)", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child(n)", "l1,l2,l3,l4,l5,l6,l7,l8,l9,l10");
    sel_is(doc, NULL, "#list li:nth-child(-n+3)", "l1,l2,l3");
    sel_is(doc, NULL, "#list li:nth-child(2n+1)", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child( 2n + 1 )", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child(2n+ 1)", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child(2N +1)", "l1,l3,l5,l7,l9");
    sel_is(doc, NULL, "#list li:nth-child(-n-3)", "");
    sel_is(doc, NULL, "#list li:nth-child(-N+1)", "l1");
    sel_is(doc, NULL, "#list li:nth-child(3n)", "l3,l6,l9");
    sel_is(doc, NULL, "#list li:nth-child(3n-1)", "l2,l5,l8");
    sel_is(doc, NULL, "#list li:nth-child(-2n+7)", "l1,l3,l5,l7");
    sel_is(doc, NULL, "#list li:nth-child(-3n-1)", "");
    sel_is(doc, NULL, "#list li:nth-child(0n+5)", "l5");
    sel_is(doc, NULL, "#list li:nth-child(+5)", "l5");
    sel_is(doc, NULL, "#list li:nth-child(-3)", "");
    sel_is(doc, NULL, "#list li:nth-child(0)", "");
    sel_is(doc, NULL, "#list li:nth-child(n+8)", "l8,l9,l10");
    sel_is(doc, NULL, "#list li:nth-child(+n-2)", "l1,l2,l3,l4,l5,l6,l7,l8,l9,l10");
    sel_is(doc, NULL, "#list li:nth-child(4n-7)", "l1,l5,l9");
    sel_is(doc, NULL, "#list li:nth-child(11)", "");
    sel_is(doc, NULL, "#list li:nth-last-child(2)", "l9");
    sel_is(doc, NULL, "#list li:nth-last-child(-n+2)", "l9,l10");
    sel_is(doc, NULL, "#list li:nth-last-child(3n+1)", "l1,l4,l7,l10");
    sel_is(doc, NULL, "#list li:first-child", "l1");
    sel_is(doc, NULL, "#list li:last-child", "l10");
    sel_is(doc, NULL, "#list li:first-child:last-child", "");
    sel_is(doc, NULL, "li:only-child", "only");
    sel_is(doc, NULL, "li:only-of-type", "only");
    sel_is(doc, NULL, "#list li:nth-child(2n):not(:nth-child(3n))", "l2,l4,l8,l10");
    sel_is(doc, NULL, "#list li:not(:first-of-type):not(:last-of-type):nth-child(-n+3)", "l2,l3");
    sel_is(doc, "list", "li:nth-child(4) ~ li:nth-child(odd)", "l5,l7,l9");
    sel_is(doc, "list", "li:nth-child(4) + li + li", "l6");

    /* -of-type counts only siblings of the same element type. */
    sel_is(doc, NULL, "span:first-of-type", "s1");
    sel_is(doc, NULL, "b:last-of-type", "b3");
    sel_is(doc, NULL, "i:only-of-type", "i1");
    sel_is(doc, NULL, "span:only-of-type", "");
    sel_is(doc, NULL, "#mix span:nth-of-type(2)", "s2");
    sel_is(doc, NULL, "#mix span:nth-child(2)", "");
    sel_is(doc, NULL, "#mix b:nth-of-type(2n+1)", "b1,b3");
    sel_is(doc, NULL, "#mix b:nth-last-of-type(1)", "b3");
    sel_is(doc, NULL, "#mix > :first-child", "s1");
    sel_is(doc, NULL, "#mix > :nth-child(6)", "i1");
    sel_is(doc, NULL, "#mix > *:nth-last-child(-n+2)", "b3,s5");
    sel_is(doc, NULL, "#mix span:not(:first-of-type):not(:nth-of-type(3))", "s2,s4,s5");

    nth_sweep(doc, "list", "li:nth-child", lis, 10, 0, ":nth-child(an+b)");
    nth_sweep(doc, "list", "li:nth-last-child", lis, 10, 1, ":nth-last-child(an+b)");
    nth_sweep(doc, "mix", "span:nth-of-type", spans, 5, 0, ":nth-of-type(an+b)");
    nth_sweep(doc, "mix", "span:nth-last-of-type", spans, 5, 1,
              ":nth-last-of-type(an+b)");
    xmlFreeDoc(doc);
}

static void test_siblings_and_groups(void)
{
    htmlDocPtr doc = parse_html(sib_html);

    ok(doc != NULL, "sibling fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "h2 + p", "p1,p3");
    /* The adjacent element must be the .x: a translation that picked the
     * first following p.x instead would wrongly return p2. */
    sel_is(doc, NULL, "h2 + p.x", "p3");
    sel_is(doc, NULL, "h2 + .x", "p3");
    sel_is(doc, NULL, "h2 + p:not(.x)", "p1");
    sel_is(doc, NULL, "h2 ~ p", "p1,p2,p3");
    sel_is(doc, NULL, "h2 ~ p.x", "p2,p3");
    sel_is(doc, NULL, "h2 ~ *", "p1,p2,h-b,p3,d-end");
    sel_is(doc, NULL, "p + p", "p2");
    sel_is(doc, NULL, "h2 + p + p", "p2");
    sel_is(doc, NULL, "#h-a ~ h2 + p", "p3");
    sel_is(doc, NULL, "p ~ div p", "p4");
    sel_is(doc, NULL, "h2 + p ~ h2", "h-b");
    sel_is(doc, NULL, "p + div > p", "p4");
    sel_is(doc, NULL, "h2:has(+ p.x)", "h-b");
    sel_is(doc, NULL, "h2:has(~ div)", "h-a,h-b");
    sel_is(doc, NULL, "div:has(> h2 + p + p.x)", "sib");
    /* #sib is itself a div, so it counts as the div of "div > p". */
    sel_is(doc, "sib", "div > p", "p1,p2,p3,p4");
    sel_is(doc, "sib", "div div p", "p4");
    sel_is(doc, "d-end", "div > p", "p4");
    sel_is(doc, "sib", "div", "sib,d-end");

    /* Groups: one union, document order, each node once. */
    sel_is(doc, NULL, "h2, p", "h-a,p1,p2,h-b,p3,p4");
    sel_is(doc, NULL, "p, h2", "h-a,p1,p2,h-b,p3,p4");
    sel_is(doc, NULL, "p.x, p, #p2", "p1,p2,p3,p4");
    sel_is(doc, NULL, "#d-end,#h-a", "h-a,d-end");
    sel_is(doc, NULL, "  #p3 ,\n\t#p1  ", "p1,p3");
    sel_is(doc, NULL, "h2 + p, h2 ~ p.x", "p1,p2,p3");
    sel_is(doc, "d-end", "div, p, h2", "d-end,p4");
    xmlFreeDoc(doc);
}

static void test_attributes_and_case(void)
{
    htmlDocPtr doc = parse_html(attr_html);

    ok(doc != NULL, "attribute fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "[title]", "x1");
    sel_is(doc, NULL, "[title=\"\"]", "x1");
    sel_is(doc, NULL, "[title^=\"\"]", "");
    sel_is(doc, NULL, "[title$='']", "");
    sel_is(doc, NULL, "[title*=\"\"]", "");
    sel_is(doc, NULL, "a[class~=\"\"]", "");
    sel_is(doc, NULL, "[lang=en]", "x1");
    sel_is(doc, NULL, "[ lang = \"en\" ]", "x1");
    sel_is(doc, NULL, "[lang|=en]", "x1,x2");
    sel_is(doc, NULL, "[lang|=\"-x\"]", "x4");
    sel_is(doc, NULL, "[lang|=\"\"]", "x4");
    sel_is(doc, NULL, "[lang^=en]", "x1,x2,x3");
    sel_is(doc, NULL, "[lang$=\"US\"]", "x2");
    sel_is(doc, NULL, "[lang*=gl]", "x3");
    sel_is(doc, NULL, "a[class~=two]", "x1");
    sel_is(doc, NULL, "a[class~=one]", "x1,x2");
    sel_is(doc, NULL, "a[class~=\"one two\"]", "");
    sel_is(doc, NULL, "a.one.two", "x1");
    sel_is(doc, NULL, "a.one:not(.two)", "x2");
    sel_is(doc, NULL, "[rel~=next]", "x2");
    sel_is(doc, NULL, "[href$=\".html\"]", "x1");
    sel_is(doc, NULL, "[href*=\"/a/\"]", "x1,x2");
    sel_is(doc, NULL, "[data-v=\"it's\"]", "x1");
    sel_is(doc, NULL, "[data-v='say \"hi\"']", "x2");
    sel_is(doc, NULL, "[data-v=\"both ' and \\\"\"]", "x3");
    sel_is(doc, NULL, "[data-v^='both \\27  and']", "x3");
    sel_is(doc, NULL, "[data-v$='s']", "x1");
    sel_is(doc, NULL, "[data-v$=\"caf\xc3\xa9\"]", "x4");
    sel_is(doc, NULL, "[data-v$=\"\xc3\xa9\"]", "x4");
    sel_is(doc, NULL, "[data-v$=\"xnaive caf\xc3\xa9\"]", "");
    sel_is(doc, NULL, "[data-v^=\"na\xc3\xafve\"]", "x4");
    sel_is(doc, NULL, "[data-v=\"na\\EF ve caf\\E9\"]", "x4");
    sel_is(doc, NULL, "[data-v=\"it\\\n's\"]", "x1");

    /* The `i` flag folds ASCII case; `s` keeps it; missing attributes
     * still never match. */
    sel_is(doc, NULL, "[lang=EN i]", "x1");
    sel_is(doc, NULL, "[lang=\"EN\"]", "");
    sel_is(doc, NULL, "[lang=\"EN\" s]", "");
    sel_is(doc, NULL, "[lang=\"EN\"I]", "x1");
    sel_is(doc, NULL, "[href$=\".html\" i]", "x1,x3");
    sel_is(doc, NULL, "[lang|=EN i]", "x1,x2");
    sel_is(doc, NULL, "a[title=\"\" i]", "x1");
    sel_is(doc, NULL, "a[class~=ONE i]", "x1,x2");

    /* Element and attribute names ignore case (libxml2 stores them in
     * lower case); class and id values do not. */
    sel_is(doc, NULL, "DIV.Item", "Up");
    sel_is(doc, NULL, "div.Item", "Up");
    sel_is(doc, NULL, "div.item", "");
    sel_is(doc, NULL, ".item", "low");
    sel_is(doc, NULL, "Div > SPAN.item", "low");
    sel_is(doc, NULL, "#Up", "Up");
    sel_is(doc, NULL, "#up", "");
    sel_is(doc, NULL, "[DATA-X]", "Up");
    sel_is(doc, NULL, "[data-x=\"1\"]", "Up");
    sel_is(doc, NULL, "[CLASS=\"Item\"]", "Up");
    sel_is(doc, NULL, "[class=\"item\"]", "low");
    sel_is(doc, NULL, "[class=\"ITEM\" i]", "Up,low");
    sel_is(doc, NULL, "A[HREF]", "x1,x2,x3");
    xmlFreeDoc(doc);
}

static void test_escapes(void)
{
    htmlDocPtr doc = parse_html(esc_html);

    ok(doc != NULL, "escape fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, ".\\31 0", "e-10");
    sel_is(doc, NULL, ".\\31\t0", "e-10");
    sel_is(doc, NULL, ".\\000031a", "e-1a");
    sel_is(doc, NULL, ".\\31 a", "e-1a");
    sel_is(doc, NULL, ".a\\/b", "e-slash");
    sel_is(doc, NULL, "p.md\\:flex-row", "e-md");
    sel_is(doc, NULL, ".w-1\\/2", "e-half");
    sel_is(doc, NULL, ".caf\xc3\xa9", "e-cafe");
    sel_is(doc, NULL, ".caf\\e9", "e-cafe");
    sel_is(doc, NULL, ".caf\\0000E9", "e-cafe");
    sel_is(doc, NULL, ".-neg", "e-neg");
    sel_is(doc, NULL, "._u", "e-u");
    sel_is(doc, NULL, ".x\\.y", "e-dot");
    sel_is(doc, NULL, ".it\\'s", "e-q");
    sel_is(doc, NULL, ".\xf0\x9f\x9a\x97", "e-car");
    sel_is(doc, NULL, ".\\1F697", "e-car");
    sel_is(doc, NULL, ".\\1f697 ", "e-car");
    sel_is(doc, NULL, "#e\\-10", "e-10");
    sel_is(doc, NULL, "#\\65-10", "e-10");
    sel_is(doc, NULL, "[class=\"a/b\"]", "e-slash");
    sel_is(doc, NULL, "[class=a\\/b]", "e-slash");
    /* "a b" is two classes; a class name holding a space matches nothing. */
    sel_is(doc, NULL, ".a\\20 b", "");
    sel_is(doc, NULL, ".a.b", "e-ab");
    sel_is(doc, NULL, "[class=\"a b\"]", "e-ab");
    sel_is(doc, NULL, "\\70.\\31 0", "e-10");
    sel_is(doc, NULL, "p.\\0", "");     /* NUL becomes U+FFFD, which no class has */
    xmlFreeDoc(doc);
}

static void test_misc_pseudo(void)
{
    htmlDocPtr doc = parse_html(misc_html);

    ok(doc != NULL, "misc fixture parses");
    if (!doc)
        return;
    /* Whitespace text makes an element non-empty; a comment does not. */
    sel_is(doc, NULL, "p:empty", "e1,e3");
    sel_is(doc, NULL, "#misc :empty", "e1,e3,e5b");
    sel_is(doc, NULL, "p:not(:empty)", "e2,e4,e5");
    sel_is(doc, NULL, "p:not(:not(:empty))", "e1,e3");
    sel_is(doc, NULL, "p:has(b)", "e5");
    sel_is(doc, NULL, "p:not(:has(*))", "e1,e2,e3,e4");
    sel_is(doc, NULL, "p:has(+ p:empty)", "e2");
    sel_is(doc, NULL, "p:empty + p", "e2,e4");
    sel_is(doc, NULL, "b:only-child", "e5b");
    sel_is(doc, NULL, "strong:only-child", "t1s");
    sel_is(doc, NULL, "span:only-child", "");
    sel_is(doc, NULL, ":root", "root");
    sel_is(doc, NULL, ":root > body", "body");
    sel_is(doc, "misc", ":root", "");
    sel_is(doc, NULL, ":is(#e1, #e4)", "e1,e4");
    sel_is(doc, NULL, "p:where(:empty, :has(b))", "e1,e3,e5");
    sel_is(doc, NULL, "div:has(> span:contains(\"quoted\"))", "txt");
    sel_is(doc, NULL, "div:has(strong, b)", "misc,txt");

    /* :contains() is the element's whole text, case-sensitive, like
     * jQuery's: it spans child elements and holds for ancestors too. */
    sel_is(doc, NULL, "span:contains(\"Sold for USD\")", "t1");
    sel_is(doc, NULL, "span:contains(Sold)", "t1");
    sel_is(doc, NULL, "span:contains(\"sold\")", "t2");
    sel_is(doc, NULL, "*:contains(\"sold\")", "root,body,misc,txt,t2");
    sel_is(doc, NULL, "span:contains( 'It\\'s \"quoted\"' )", "t3");
    sel_is(doc, NULL, "span:contains(\"\")", "t1,t2,t3");
    sel_is(doc, NULL, "span:not(:contains(USD))", "t2,t3");
    sel_is(doc, "txt", ":contains(\"123,456\")", "txt,t1,t1s");
    xmlFreeDoc(doc);
}

static xmlNodePtr add_element(xmlNodePtr parent, const char *name, const char *id)
{
    xmlNodePtr n = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);

    if (n)
        xmlNewProp(n, (const xmlChar *)"id", (const xmlChar *)id);
    return n;
}

static void test_names(void)
{
    htmlDocPtr doc = parse_html(names_html);
    xmlNodePtr ce;

    ok(doc != NULL, "names fixture parses");
    if (!doc)
        return;
    sel_is(doc, NULL, "my-card", "mc1,mc2");
    sel_is(doc, NULL, "MY-CARD:first-of-type + tag", "xt1");
    sel_is(doc, NULL, "tag ~ my-card", "mc2");
    sel_is(doc, NULL, "[v\\:a]", "xt1");
    sel_is(doc, NULL, "[V\\:A=one i]", "xt1");
    sel_is(doc, NULL, "[v\\:a^=O]", "xt1");
    sel_is(doc, NULL, "[xml\\:lang|=fr]", "xt2");

    /* Names that are no XPath name test (a leading '-', a colon) are
     * compared with name(); build such elements by hand, as the HTML
     * parser never makes them. */
    ce = by_id(doc, "ce");
    if (!ce || !add_element(ce, "-z", "z1") || !add_element(ce, "-z", "z2") ||
        !add_element(ce, "p:q", "pq")) {
        ok(0, "add hand-made elements");
        xmlFreeDoc(doc);
        return;
    }
    sel_is(doc, NULL, "\\-z", "z1,z2");
    sel_is(doc, NULL, "-z", "z1,z2");       /* a leading '-' needs no escape */
    sel_is(doc, NULL, "\\-z:first-of-type", "z1");
    sel_is(doc, NULL, "\\-z:nth-last-of-type(1)", "z2");
    sel_is(doc, NULL, "\\-z + \\-z", "z2");
    sel_is(doc, NULL, "my-card + \\-z#z1 + *", "z2");
    sel_is(doc, NULL, "div > \\-z", "z1,z2");
    sel_is(doc, NULL, "#ce > :not(\\-z, tag, my-card)", "pq");
    sel_is(doc, NULL, "p\\:q", "pq");
    sel_is(doc, NULL, "div:has(> p\\:q)", "ce");
    sel_is(doc, NULL, ":is(\\-z, p\\:q):last-child", "pq");
    xmlFreeDoc(doc);
}

static void test_errors(void)
{
    char err[256], small[12];
    char *xp, *big;
    size_t i;

    xp = cv_css_to_xpath(NULL, err, sizeof err);
    ok(xp == NULL, "a NULL selector returns NULL");
    is_str(err, "no selector (NULL)", "a NULL selector is explained");
    cv_free(xp);
    err_is("", "empty selector");
    err_is(" \t\n ", "empty selector");
    err_is("div.item > a)", "unexpected ')' at 12");
    err_is("a b)", "unexpected ')' at 3");
    err_is("a.b:hover", "unknown pseudo-class ':hover' at 3");
    err_is("a:lang(en)", "unknown pseudo-class ':lang()' at 1");
    err_is("a[href=\"/listing/", "unterminated string at 7");
    err_is("a[href='x\n']", "unterminated string at 7");
    err_is(":contains(\"abc\\", "unterminated string at 10");
    err_is("a::before", "pseudo-elements are not supported: '::before' at 1");
    err_is("p::first-line", "pseudo-elements are not supported: '::first-line' at 1");
    err_is("a:after", "pseudo-elements are not supported: ':after' at 1");
    err_is("a:", "expected a pseudo-class name after ':' at 1");
    err_is("a:1", "expected a pseudo-class name after ':' at 1");
    err_is("li:nth-child", "':nth-child' needs an argument in parentheses at 2");
    err_is("li:first-child()", "':first-child' takes no argument at 2");
    err_is("li:nth-child(2n+)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child()", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(+ 2n)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(- n)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(2 n)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(n 1)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(3n+-1)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(x)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(2n of .x)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-last-of-type(oddd)", "invalid argument to ':nth-last-of-type()' at 20");
    err_is("li:nth-child(99999999999)", "invalid argument to ':nth-child()' at 13");
    err_is("li:nth-child(2n+1", "expected ')' at 17");
    err_is(":first-of-type",
           "':first-of-type' needs an element type before it (as in 'li:first-of-type') at 0");
    err_is("ul > *:nth-of-type(2)",
           "':nth-of-type' needs an element type before it (as in 'li:nth-of-type') at 6");
    err_is("a >", "unexpected end of selector at 3");
    err_is("a > ", "unexpected end of selector at 4");
    err_is("> a", "unexpected '>' at 0");
    err_is("a > > b", "unexpected '>' at 4");
    err_is("a + ~ b", "unexpected '~' at 4");
    err_is("a,,b", "unexpected ',' at 2");
    err_is(",a", "unexpected ',' at 0");
    err_is("a,", "unexpected end of selector at 2");
    err_is("a*", "unexpected '*' at 1");
    err_is("-9z", "unexpected '-' at 0");
    err_is("9z", "unexpected '9' at 0");
    err_is("a$b", "unexpected '$' at 1");
    err_is("a !b", "unexpected '!' at 2");
    err_is(".", "expected a class name after '.' at 0");
    err_is("a.5", "expected a class name after '.' at 1");
    err_is("#", "unexpected '#' at 0");
    err_is("a[", "expected an attribute name at 2");
    err_is("a[]", "expected an attribute name at 2");
    err_is("a[href", "unexpected end of selector at 6");
    err_is("a[href=]", "expected an identifier or a quoted string as attribute value at 7");
    err_is("a[colspan=2]", "expected an identifier or a quoted string as attribute value at 10");
    err_is("a[href=x y]", "unknown attribute selector flag 'y' at 9");
    err_is("a[href=x i j]", "unexpected 'j' at 11");
    err_is("a[href=x", "unexpected end of selector at 8");
    err_is("a[href!=x]", "unexpected '!' at 6");
    err_is("[ns|a]", "namespace prefixes are not supported at 3");
    err_is("[*|a]", "namespace prefixes are not supported at 1");
    err_is("svg|rect", "namespace prefixes are not supported at 3");
    err_is("*|a", "namespace prefixes are not supported at 1");
    err_is("a:not(b c)", "':not()' takes compound selectors, not combinators at 8");
    err_is("a:not(b > c)", "':not()' takes compound selectors, not combinators at 8");
    err_is("a:is(b,)", "unexpected ')' at 7");
    err_is("a:not(b", "expected ')' at 7");
    err_is("a:not()", "unexpected ')' at 6");
    err_is("a:not(::before)", "pseudo-elements are not supported: '::before' at 6");
    err_is("a:has()", "unexpected ')' at 6");
    err_is("a:has(b", "expected ')' at 7");
    err_is("a:has(> )", "unexpected ')' at 8");
    err_is(":contains()", "':contains()' expects a string at 10");
    err_is(":contains(x y)", "unexpected 'y' at 12");
    err_is(":contains(\"x\"", "unexpected end of selector at 13");
    err_is("a\\", "invalid escape at 1");
    err_is("a\\\nb", "invalid escape at 1");
    err_is("a\xff", "invalid UTF-8 at 1");
    err_is("a.caf\xc3", "invalid UTF-8 at 5");
    err_is("\xc0\xaf", "invalid UTF-8 at 0");               /* overlong '/' */
    err_is("a.\xed\xa0\x80", "invalid UTF-8 at 2");         /* a surrogate */
    err_is("a\x01", "character U+0001 is not allowed at 1");
    err_is("a[x=\"\x02\"]", "character U+0002 is not allowed at 5");
    err_is("a.x\\1 y", "character U+0001 (from an escape) is not allowed at 3");
    err_is("[v=\"\\FFFE\"]", "character U+FFFE (from an escape) is not allowed at 4");

    /* Nesting is limited before the stack is. */
    big = cv_malloc(4096);
    if (big) {
        size_t n = 0;

        for (i = 0; i < 40; i++) {
            memcpy(big + n, ":not(", 5);
            n += 5;
        }
        big[n++] = 'a';
        for (i = 0; i < 40; i++)
            big[n++] = ')';
        big[n] = '\0';
        err_is(big, "selector nested too deeply at 160");
        cv_free(big);
    } else {
        ok(0, "allocate the deep-nesting selector");
    }

    /* A selector whose XPath would pass the cap is refused, not grown. */
    big = cv_malloc(3 * 2000 + 2);
    if (big) {
        for (i = 0; i < 2000; i++)
            memcpy(big + 3 * i, ".ab", 3);
        big[3 * 2000] = '\0';
        xp = cv_css_to_xpath(big, err, sizeof err);
        ok(!xp && strncmp(err, "selector too complex: XPath would exceed 65536 bytes at ", 56) == 0,
           "an XPath over 64 KiB is refused: %s", xp ? "(compiled)" : err);
        cv_free(xp);
        cv_free(big);
    } else {
        ok(0, "allocate the oversized selector");
    }

    /* errbuf is optional and is always NUL-terminated within errlen. */
    xp = cv_css_to_xpath("a)", NULL, 0);
    ok(xp == NULL, "an error without an errbuf still returns NULL");
    memset(small, 'Z', sizeof small);
    xp = cv_css_to_xpath("a.b:hover", small, 8);
    ok(xp == NULL && strcmp(small, "unknown") == 0 && small[8] == 'Z',
       "a short errbuf gets a truncated, terminated message");
    small[0] = 'Z';
    xp = cv_css_to_xpath("a", small, 1);
    ok(xp && strcmp(xp, "descendant-or-self::a") == 0 && small[0] == '\0',
       "success clears errbuf");
    cv_free(xp);
}

/* Every allocation in turn fails: each attempt must report "out of
 * memory" (ASan's leak check covers the cleanup), and once allocations
 * stop failing the same XPath as usual comes out. */
static void test_out_of_memory(void)
{
    static const char sel[] =
        "div.essentials div.item:not(.x, #y):has(> a[href^=\"/m/\" i]) + p ~ li:nth-child(2n+1), "
        "a.hover\\:underline:contains(\"it's \\\"x\\\"\"), td:nth-last-of-type(-n+3)";
    char err[256];
    char *want, *got = NULL;
    long n;
    int wrong = 0, failures = 0;

    want = cv_css_to_xpath(sel, err, sizeof err);
    ok(want != NULL, "the out-of-memory selector compiles: %s", want ? "yes" : err);
    for (n = 0; n < 10000 && !got; n++) {
        cv_mem_fail_after(n);
        got = cv_css_to_xpath(sel, err, sizeof err);
        if (!got) {
            failures++;
            if (strcmp(err, "out of memory") != 0 && !wrong++)
                diag("allocation %ld failing gave: %s", n, err);
        }
    }
    cv_mem_fail_after(-1);
    ok(failures > 10, "allocation failures were injected (%d)", failures);
    ok(wrong == 0, "every injected failure reports \"out of memory\" (%d did not)", wrong);
    is_str(got, want, "after the failures the same XPath comes out");
    cv_free(got);
    cv_free(want);
}

int main(void)
{
    xmlInitParser();
    test_compiled_text();
    test_bat();
    test_dealeraccelerate();
    test_classic();
    test_nth();
    test_siblings_and_groups();
    test_attributes_and_case();
    test_escapes();
    test_misc_pseudo();
    test_names();
    test_errors();
    test_out_of_memory();
    xmlCleanupParser();
    return tap_done();
}
