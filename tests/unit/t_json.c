/*
 * t_json.c -- unit tests for core/jsonx.c: lenient JSON (strict first,
 * then BOM, HTML comment and CDATA wrappers, comments outside strings,
 * raw control characters in strings, trailing commas and semicolons;
 * errors with a position), cv_json_span, cv_json_find_var on the script
 * shapes BaT and dealer sites use, JSON-LD flattening and @type matching,
 * and allocation-failure sweeps with jansson allocating through cv_malloc.
 */
#include "../tap.h"
#include "jsonx.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

/* --- helpers ------------------------------------------------------------------- */

static json_t *lenient(const char *text, char *err, size_t errlen)
{
    err[0] = '\0';
    return cv_json_lenient(text, strlen(text), err, errlen);
}

/* Lenient parse of text; compare its compact dump with the JSON `want`
 * (itself parsed strictly, so key order and spacing do not matter). */
static void lenient_is(const char *text, const char *want, const char *what)
{
    char err[256];
    json_t *got = lenient(text, err, sizeof(err));
    json_t *exp = json_loads(want, JSON_DECODE_ANY, NULL);

    if (!got)
        diag("error: %s", err);
    ok(got && exp && json_equal(got, exp), "lenient: %s", what);
    json_decref(got);
    json_decref(exp);
}

static void lenient_fails(const char *text, const char *what)
{
    char err[256];
    json_t *got = lenient(text, err, sizeof(err));

    ok(got == NULL, "lenient refuses %s", what);
    ok(strstr(err, "line") && strstr(err, "column"), "lenient error for %s has a position (%s)",
       what, err);
    json_decref(got);
}

/* cv_json_lenient over an exact heap copy (no NUL after it) so ASan
 * reports any read past len. */
static json_t *lenient_exact(const char *text, size_t len)
{
    char err[256];
    char *copy = cv_malloc(len ? len : 1);
    json_t *v;

    memcpy(copy, text, len);
    v = cv_json_lenient(copy, len, err, sizeof(err));
    cv_free(copy);
    return v;
}

static json_t *find_var(const char *script, const char *name)
{
    return cv_json_find_var(script, strlen(script), name);
}

static void var_is(const char *script, const char *name, const char *want, const char *what)
{
    json_t *got = find_var(script, name);
    json_t *exp = json_loads(want, JSON_DECODE_ANY, NULL);

    ok(got && exp && json_equal(got, exp), "find_var: %s", what);
    json_decref(got);
    json_decref(exp);
}

static void var_absent(const char *script, const char *name, const char *what)
{
    json_t *got = find_var(script, name);

    ok(got == NULL, "find_var: %s", what);
    json_decref(got);
}

/* --- lenient ------------------------------------------------------------------------ */

static void test_lenient(void)
{
    char err[256];
    json_t *v;

    lenient_is("{\"a\":1,\"b\":[true,null,\"x\"]}", "{\"a\":1,\"b\":[true,null,\"x\"]}", "strict object");
    lenient_is("[1, 2.5, -3]", "[1, 2.5, -3]", "strict array");
    lenient_is("\"just a string\"", "\"just a string\"", "a bare string is JSON");
    lenient_is("  42  ", "42", "a bare number with spaces is JSON");
    lenient_is("{\"u\":\"caf\xc3\xa9 \\u00e9\"}", "{\"u\":\"caf\xc3\xa9 \xc3\xa9\"}", "UTF-8 and \\u escapes");

    lenient_is("\xEF\xBB\xBF{\"a\":1}", "{\"a\":1}", "a UTF-8 BOM");
    lenient_is("\xEF\xBB\xBF  \n{\"a\":1}", "{\"a\":1}", "a BOM then whitespace");
    lenient_is("<!--\n{\"a\":1}\n-->", "{\"a\":1}", "an HTML comment wrapper");
    lenient_is("  <!-- {\"a\":1} //-->  ", "{\"a\":1}", "an HTML comment wrapper closed by //-->");
    lenient_is("/* <![CDATA[ */\n{\"@type\":\"Car\",\"name\":\"911\"}\n/* ]]> */",
               "{\"@type\":\"Car\",\"name\":\"911\"}", "a /* CDATA */ wrapper");
    lenient_is("//<![CDATA[\n{\"a\":[1,2]}\n//]]>", "{\"a\":[1,2]}", "a //CDATA wrapper");

    lenient_is("{\n  // the price\n  \"price\": 45000, /* USD */ \"n\": 2 // end\n}",
               "{\"price\":45000,\"n\":2}", "line and block comments outside strings");
    lenient_is("{\"url\":\"https://bringatrailer.com/listing/x//\", \"c\":\"/* kept */\", "
               "\"d\":\"// kept\"} // trailing comment",
               "{\"url\":\"https://bringatrailer.com/listing/x//\",\"c\":\"/* kept */\",\"d\":\"// kept\"}",
               "comment markers inside strings are text (URLs survive)");
    lenient_is("{\"q\":\"say \\\"hi\\\" // still a string\", \"b\":1,}",
               "{\"q\":\"say \\\"hi\\\" // still a string\",\"b\":1}",
               "escaped quotes do not end a string early");
    lenient_is("{\"p\":\"C:\\\\\", \"x\":1,}", "{\"p\":\"C:\\\\\",\"x\":1}",
               "a string ending in an escaped backslash");
    lenient_is("{\"d\":\"line one\nline two\ttabbed\r\"}", "{\"d\":\"line one\\nline two\\ttabbed\\r\"}",
               "raw newline, tab and CR inside a string");
    lenient_is("{\"a\":[1,2,],}", "{\"a\":[1,2]}", "trailing commas in an array and an object");
    lenient_is("[\n  {\"a\": 1},\n  {\"b\": 2} ,\n\t]", "[{\"a\":1},{\"b\":2}]",
               "a trailing comma followed by whitespace and newlines");
    lenient_is("{\"s\":\"a,]\",}", "{\"s\":\"a,]\"}", "\",]\" inside a string is text");
    lenient_is("{\"a\":1};", "{\"a\":1}", "a trailing semicolon");
    lenient_is("[1,2] ; \n ", "[1,2]", "a trailing semicolon with whitespace around it");
    lenient_is("<!--\n{\"a\":1};\n-->", "{\"a\":1}", "a trailing semicolon inside an HTML comment wrapper");

    /* The shape of a real dealer JSON-LD block: everything at once. */
    lenient_is("\xEF\xBB\xBF<!--\n/* <![CDATA[ */\n{\n"
               "  \"@context\": \"https://schema.org\", // context\n"
               "  \"@type\": \"Car\",\n"
               "  \"description\": \"Numbers-matching\n\tengine, see https://x.example/a\",\n"
               "  \"offers\": {\"price\": \"45000\", \"priceCurrency\": \"USD\",},\n"
               "}\n/* ]]> */\n-->",
               "{\"@context\":\"https://schema.org\",\"@type\":\"Car\","
               "\"description\":\"Numbers-matching\\n\\tengine, see https://x.example/a\","
               "\"offers\":{\"price\":\"45000\",\"priceCurrency\":\"USD\"}}",
               "a JSON-LD block with every repair at once");

    lenient_fails("{\"a\": tru}", "a misspelt literal");
    lenient_fails("{'a': 1}", "single-quoted keys");
    lenient_fails("{\"a\": 1", "an unclosed object");
    lenient_fails("", "empty input");
    lenient_fails("   ", "whitespace only");
    lenient_fails("<!-- -->", "an empty comment wrapper");

    v = lenient("{\n  \"a\": 1,\n  \"b\": nope\n}", err, sizeof(err));
    ok(!v && strstr(err, "line 3"), "the error names the line of the problem (%s)", err);
    json_decref(v);

    /* Only len bytes are read. */
    v = cv_json_lenient("{\"a\":1}garbage", 7, err, sizeof(err));
    ok(json_is_object(v) && json_integer_value(json_object_get(v, "a")) == 1,
       "only the first len bytes are parsed");
    json_decref(v);

    v = lenient_exact("{\"a\":1}", 7);
    ok(json_is_object(v), "an exact buffer without a terminator parses");
    json_decref(v);
    v = lenient_exact("[1,]", 4);
    ok(json_is_array(v) && json_array_size(v) == 1, "an exact buffer that needs repair parses");
    json_decref(v);
    v = lenient_exact("[1]\xC2", 4);
    ok(v == NULL, "a lead byte at the very end is refused, nothing read past it");
    json_decref(v);
    v = lenient_exact("\xE2\x80", 2);
    ok(v == NULL, "a cut 3-byte sequence alone is refused, nothing read past it");
    json_decref(v);
    v = lenient_exact("[1,\xC2", 4);
    ok(v == NULL, "a comma before a cut lead byte is refused, nothing read past it");
    json_decref(v);
}

/* --- span ---------------------------------------------------------------------------- */

static void test_span(void)
{
    char deep[600];
    const char *s;

    s = "{\"a\":1} rest";
    is_int(cv_json_span(s, strlen(s)), 7, "span of an object followed by text");
    s = "[1,[2,{\"x\":\"]\"}]],3";
    is_int(cv_json_span(s, strlen(s)), 17, "span of nested arrays with a ']' in a string");
    s = "{\"a\":\"}{\",\"b\":\"\\\"}\"}";
    is_int(cv_json_span(s, strlen(s)), strlen(s), "braces and escaped quotes inside strings");
    s = "{\"a\":\"\\\\\"}x";
    is_int(cv_json_span(s, strlen(s)), strlen(s) - 1, "an escaped backslash before the closing quote");
    s = "{\"a\":1";
    is_int(cv_json_span(s, strlen(s)), 0, "unbalanced: 0");
    s = "{\"a\":[1}]";
    is_int(cv_json_span(s, strlen(s)), 0, "mismatched brackets: 0");
    s = "{\"a\":\"}";
    is_int(cv_json_span(s, strlen(s)), 0, "an unterminated string hides the brace: 0");
    s = " {\"a\":1}";
    is_int(cv_json_span(s, strlen(s)), 0, "not starting with { or [: 0");
    is_int(cv_json_span("", 0), 0, "empty: 0");
    s = "{\"a\":1}";
    is_int(cv_json_span(s, 5), 0, "the closing brace past len does not count");
    is_int(cv_json_span("[]", 2), 2, "an empty array");

    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    is_int(cv_json_span(deep, 400), 400, "200 levels of nesting");
}

/* --- find_var ------------------------------------------------------------------------- */

static void test_find_var(void)
{
    json_t *v;
    const char *bat =
        "<!-- the listing page -->\n"
        "/* <![CDATA[ */\n"
        "var auctionsCurrentInitialData = {\"items\":[{\"id\":1234,\"title\":\"1967 Porsche 911S\","
        "\"url\":\"https:\\/\\/bringatrailer.com\\/listing\\/1967-porsche-911s\\/\","
        "\"excerpt\":\"Set {braces} and [brackets] in text\"}],\"total\":1};\n"
        "/* ]]> */\n";

    v = find_var(bat, "auctionsCurrentInitialData");
    ok(json_is_object(v), "BaT: auctionsCurrentInitialData inside a CDATA wrapper is found");
    ok(json_integer_value(json_object_get(json_array_get(json_object_get(v, "items"), 0), "id")) == 1234,
       "BaT: the items array is read");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(v, "items"), 0), "url")),
           "https://bringatrailer.com/listing/1967-porsche-911s/", "BaT: escaped slashes decoded");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(v, "items"), 0), "excerpt")),
           "Set {braces} and [brackets] in text", "BaT: braces inside strings do not end the value");
    json_decref(v);

    var_is("var BAT_VMS = {\"comments\":[{\"id\":1}],\"flags\":{}};\nvar other = 1;", "BAT_VMS",
           "{\"comments\":[{\"id\":1}],\"flags\":{}}", "var BAT_VMS = {...};");
    var_is("window.listingData = [1, 2, 3];", "listingData", "[1,2,3]", "window.X = [...]");
    var_is("window[\"listingData\"] = {\"a\": 1};", "listingData", "{\"a\":1}", "window[\"X\"] = {...}");
    var_is("window['listingData']={\"a\":2}", "listingData", "{\"a\":2}", "window['X']={...} without spaces");
    var_is("let inventory = [{\"vin\":\"WP0\"}];", "inventory", "[{\"vin\":\"WP0\"}]", "let X = [...]");
    var_is("const inventory =\n\t{\"n\": 1};", "inventory", "{\"n\":1}", "const X with a newline before the value");
    var_is("inventory = {\"n\": 3}", "inventory", "{\"n\":3}", "a bare assignment");
    var_is("var myinventory = {\"n\":\"wrong\"}; var inventory_old = {\"n\":\"wrong\"}; "
           "var $inventory = {\"n\":\"wrong\"}; var inventory = {\"n\":\"right\"};",
           "inventory", "{\"n\":\"right\"}", "identifiers that merely contain the name are skipped");
    var_absent("var inventory2 = {\"n\":1}; var my_inventory = [1];", "inventory",
               "only longer identifiers: nothing found");
    var_is("if (inventory == {\"n\":\"wrong\"}) {} if (inventory === [0]) {} inventory = {\"n\":\"right\"};",
           "inventory", "{\"n\":\"right\"}", "== and === comparisons are not assignments");
    var_absent("if (inventory == {\"n\":1}) {}", "inventory", "a lone comparison is not found");
    var_absent("x = {\"inventory\": {\"n\":1}}; inventory.items = [1];", "inventory",
               "an object key and a property assignment are not the variable");
    var_is("console.log(\"inventory\"); var inventory = {\"ok\":true};", "inventory", "{\"ok\":true}",
           "the name inside a string is passed over");
    var_is("var inventory = {\"a\": 1, // note\n \"b\": [1,2,],};", "inventory", "{\"a\":1,\"b\":[1,2]}",
           "the value is parsed leniently");
    var_is("var inventory = {load: function () { return 1; }};\ninventory = [\"fallback\"];", "inventory",
           "[\"fallback\"]", "an unparseable first assignment is passed over for the next");
    var_absent("var inventory = 5;", "inventory", "a number is not an object or array");
    var_absent("var inventory = \"{}\";", "inventory", "a string holding braces is not a value");
    var_absent("var inventory = {\"a\": 1", "inventory", "an unbalanced value is not found");
    var_absent("var other = {};", "inventory", "an absent name is not found");
    var_absent("var inventory = {};", "", "the empty name finds nothing");

    {
        const char *s = "var inventory = {\"a\":1}; var x = 2;";
        v = cv_json_find_var(s, 20, "inventory");
        ok(v == NULL, "a value cut by len is not found");
        json_decref(v);
        v = cv_json_find_var(s, strlen(s), "inventory");
        ok(json_is_object(v), "the same script with its full length is found");
        json_decref(v);
    }
}

/* --- JSON-LD ----------------------------------------------------------------------------- */

static void test_jsonld(void)
{
    json_t *block, *out;
    json_t *a, *b, *c;
    int bad = 0;

    out = json_array();
    block = json_loads("{\"@type\":\"Car\",\"name\":\"911\"}", 0, NULL);
    is_int(cv_jsonld_flatten(block, out), 0, "flatten a single object");
    ok(json_array_size(out) == 1 && json_array_get(out, 0) == block, "the object itself is appended");
    json_decref(block);
    json_decref(out);

    out = json_array();
    json_array_append_new(out, json_string("already there"));
    block = json_loads("{\"@context\":\"https://schema.org\",\"@graph\":["
                       "{\"@type\":\"AutoDealer\",\"name\":\"D\"},"
                       "[{\"@type\":\"Car\",\"name\":\"A\"},[{\"@type\":\"Car\",\"name\":\"B\"}]],"
                       "\"a string\", 42, null,"
                       "{\"name\":\"untyped\"}]}", 0, NULL);
    is_int(cv_jsonld_flatten(block, out), 0, "flatten @graph with nested arrays");
    is_int(json_array_size(out), 5, "existing item kept, four objects appended, scalars skipped");
    is_str(json_string_value(json_array_get(out, 0)), "already there", "appended after what was there");
    is_str(json_string_value(json_object_get(json_array_get(out, 1), "name")), "D", "@graph order: first");
    is_str(json_string_value(json_object_get(json_array_get(out, 2), "name")), "A", "@graph order: nested");
    is_str(json_string_value(json_object_get(json_array_get(out, 3), "name")), "B", "@graph order: deeper");
    is_str(json_string_value(json_object_get(json_array_get(out, 4), "name")), "untyped",
           "objects without @type are kept");
    json_decref(block);
    ok(json_object_get(json_array_get(out, 2), "@type") != NULL,
       "the flattened objects hold their own references");
    json_decref(out);

    out = json_array();
    block = json_loads("[[{\"n\":1}],{\"@graph\":{\"n\":2}},[[[{\"n\":3}]]]]", 0, NULL);
    is_int(cv_jsonld_flatten(block, out), 0, "flatten arrays of arrays and a @graph object");
    ok(json_array_size(out) == 3 &&
       json_integer_value(json_object_get(json_array_get(out, 0), "n")) == 1 &&
       json_integer_value(json_object_get(json_array_get(out, 1), "n")) == 2 &&
       json_integer_value(json_object_get(json_array_get(out, 2), "n")) == 3,
       "all three objects, in document order");
    json_decref(block);
    block = json_string("not an object");
    is_int(cv_jsonld_flatten(block, out), 0, "flattening a scalar adds nothing");
    is_int(json_array_size(out), 3, "still three");
    json_decref(block);
    json_decref(out);

    /* @type matching */
    a = json_loads("{\"@type\":\"Car\"}", 0, NULL);
    b = json_loads("{\"@type\":[\"Product\",\"https://schema.org/Car\"]}", 0, NULL);
    c = json_loads("{\"@type\":\"AutoDealer\"}", 0, NULL);
    ok(cv_jsonld_is_type(a, "Car"), "Car is a Car");
    ok(cv_jsonld_is_type(a, "car"), "type names compare case-insensitively");
    ok(cv_jsonld_is_type(a, "https://schema.org/Car"), "the wanted type may carry the schema.org prefix");
    ok(cv_jsonld_is_type(a, "Vehicle"), "a Car is a Vehicle");
    ok(cv_jsonld_is_type(a, "Product"), "a Car is a Product");
    ok(!cv_jsonld_is_type(a, "Motorcycle"), "a Car is not a Motorcycle");
    ok(!cv_jsonld_is_type(a, "Ca"), "a prefix of the name does not match");
    ok(cv_jsonld_is_type(a, NULL), "any type matches NULL");
    ok(cv_jsonld_is_type(b, "Car"), "an @type array with a prefixed Car is a Car");
    ok(cv_jsonld_is_type(b, "vehicle"), "an @type array containing Car is a Vehicle");
    ok(cv_jsonld_is_type(c, "LocalBusiness"), "an AutoDealer is a LocalBusiness");
    ok(cv_jsonld_is_type(c, "Organization"), "an AutoDealer is an Organization");
    ok(cv_jsonld_is_type(c, "AutomotiveBusiness"), "an AutoDealer is an AutomotiveBusiness");
    ok(!cv_jsonld_is_type(c, "Car"), "an AutoDealer is not a Car");
    json_decref(a);
    json_decref(b);
    json_decref(c);

    a = json_loads("{\"@type\":\"Vehicle\"}", 0, NULL);
    ok(!cv_jsonld_is_type(a, "Car"), "a Vehicle is not (necessarily) a Car");
    ok(cv_jsonld_is_type(a, "Product"), "a Vehicle is a Product");
    json_decref(a);
    a = json_loads("{\"@type\":\"Organization\"}", 0, NULL);
    ok(!cv_jsonld_is_type(a, "AutoDealer") && !cv_jsonld_is_type(a, "LocalBusiness"),
       "an Organization is not an AutoDealer or a LocalBusiness");
    json_decref(a);

    {
        static const char *const prefixed[] = {
            "http://schema.org/Car", "https://schema.org/Car", "schema:Car", "https://www.schema.org/Car",
            "HTTPS://SCHEMA.ORG/CAR",
        };
        for (size_t i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
            a = json_pack("{s:s}", "@type", prefixed[i]);
            bad += !cv_jsonld_is_type(a, "Car") || !cv_jsonld_is_type(a, "Vehicle");
            json_decref(a);
        }
        ok(!bad, "schema.org prefixes (http, https, schema:, www, any case) are stripped");
    }

    /* schema.org's hierarchy holds through more than one step. */
    a = json_loads("{\"@type\":\"AutoBodyShop\"}", 0, NULL);
    ok(cv_jsonld_is_type(a, "AutomotiveBusiness"), "an AutoBodyShop is an AutomotiveBusiness");
    ok(cv_jsonld_is_type(a, "LocalBusiness"), "an AutoBodyShop is a LocalBusiness");
    ok(cv_jsonld_is_type(a, "Organization"), "an AutoBodyShop is an Organization");
    json_decref(a);
    a = json_loads("{\"@type\":\"BusOrCoach\"}", 0, NULL);
    ok(cv_jsonld_is_type(a, "Product"), "a BusOrCoach (a Vehicle) is a Product");
    json_decref(a);

    a = json_loads("{\"name\":\"no type\"}", 0, NULL);
    ok(!cv_jsonld_is_type(a, "Car"), "an object without @type is no type");
    ok(cv_jsonld_is_type(a, NULL), "but matches NULL (any)");
    json_decref(a);
    a = json_loads("{\"@type\":[1,{\"x\":\"Car\"},\"Car\"]}", 0, NULL);
    ok(cv_jsonld_is_type(a, "Car"), "non-string @type entries are skipped");
    json_decref(a);
    a = json_loads("{\"@type\":42}", 0, NULL);
    ok(!cv_jsonld_is_type(a, "Car"), "a numeric @type is no type");
    json_decref(a);
}

/* --- allocation failure ------------------------------------------------------------------ */

/*
 * Each sweep makes allocation n fail for n = 0, 1, ... until a run makes
 * fewer than n + 1 allocations (the failure was never reached).  One
 * failed allocation may be survived (lenient JSON falls back to its
 * repair pass), so every run must end either in the right value or in a
 * clean failure; the last, undisturbed run must succeed.
 */
static void test_oom(void)
{
    static const char *const texts[] = {
        "{\"a\":[1,2,3],\"b\":{\"c\":\"d\"}}",
        "\xEF\xBB\xBF<!-- {\"a\":\"x\ny\", // c\n \"b\":[1,2,],}; -->",
    };
    const char *script = "/* <![CDATA[ */ var X = {\"items\":[{\"id\":1},{\"id\":2}],}; /* ]]> */";
    int bad, fails, last_ok;
    long n, made;

    for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
        bad = fails = last_ok = 0;
        for (n = 0; n < 1000; n++) {
            char err[128] = "";
            json_t *v;

            cv_mem_fail_after(n);
            v = cv_json_lenient(texts[k], strlen(texts[k]), err, sizeof(err));
            made = cv_mem_fail_after(-1);
            last_ok = v != NULL;
            if (v)
                bad += json_array_size(json_object_get(v, "a")) != (k ? 0 : 3) ||
                       json_array_size(json_object_get(v, "b")) != (k ? 2 : 0);
            else
                fails++, bad += err[0] == '\0';
            json_decref(v);
            if (made <= n)
                break;
        }
        /* Strict JSON survives any single failure through the repair pass. */
        ok(!bad && last_ok && (k == 0 || fails >= 3) && n > 10,
           "lenient (text %zu): %ld allocations each failed in turn, %d clean failures with a message",
           k + 1, n, fails);
    }

    bad = fails = last_ok = 0;
    for (n = 0; n < 1000; n++) {
        json_t *v;

        cv_mem_fail_after(n);
        v = find_var(script, "X");
        made = cv_mem_fail_after(-1);
        last_ok = v != NULL;
        if (v)
            bad += json_array_size(json_object_get(v, "items")) != 2;
        else
            fails++;
        json_decref(v);
        if (made <= n)
            break;
    }
    ok(!bad && last_ok && fails >= 3, "find_var: %ld allocations each failed in turn, %d clean failures",
       n, fails);

    bad = fails = last_ok = 0;
    for (n = 0; n < 1000; n++) {
        json_t *block = json_loads("{\"@graph\":[{\"n\":1},[{\"n\":2},{\"n\":3}],{\"n\":4},{\"n\":5},"
                                   "{\"n\":6},{\"n\":7},{\"n\":8},{\"n\":9}]}", 0, NULL);
        json_t *out = json_array();
        int rc;

        cv_mem_fail_after(n);
        rc = cv_jsonld_flatten(block, out);
        made = cv_mem_fail_after(-1);
        json_decref(block);
        last_ok = rc == 0;
        if (rc == 0)
            bad += json_array_size(out) != 9;
        else
            fails++, bad += rc != -1;
        json_decref(out);
        if (made <= n)
            break;
    }
    ok(!bad && last_ok && fails >= 1, "flatten: %ld allocations each failed in turn, %d clean -1 returns",
       n, fails);
}

int main(void)
{
    /* jansson allocates through the injectable allocator, so the sweeps
     * below reach its allocations too. */
    json_set_alloc_funcs(cv_malloc, cv_free);
    test_lenient();
    test_span();
    test_find_var();
    test_jsonld();
    test_oom();
    return tap_done();
}
