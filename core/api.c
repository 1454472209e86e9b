/*
 * api.c -- the function table lent to C plugins (struct cv_api).
 *
 * It is immutable and shared: every entry is the page.c or norm.c function
 * of the same meaning, so C plugins and Lua rules behave identically.
 */
#include "norm.h"
#include "page.h"

static const struct cv_api api = {
    .abi_version = CV_ABI_VERSION,
    .page_url = cv_page_url,
    .page_kind = cv_page_kind,
    .page_body = cv_page_body,
    .css = cv_page_css,
    .css_first = cv_page_css_first,
    .xpath = cv_page_xpath,
    .xpath_string = cv_page_xpath_string,
    .text = cv_page_text,
    .attr = cv_page_attr,
    .node_name = cv_page_node_name,
    .node_html = cv_page_node_html,
    .jsonld = cv_page_jsonld,
    .json_var = cv_page_json_var,
    .json_attr = cv_page_json_attr,
    .json_parse = cv_page_json_parse,
    .regex = cv_page_regex,
    .resolve = cv_page_resolve,
    .record = cv_page_record,
    .set = cv_page_set,
    .set_int = cv_page_set_int,
    .set_bool = cv_page_set_bool,
    .add = cv_page_add,
    .emit = cv_page_emit,
    .follow = cv_page_follow,
    .follow_request = cv_page_follow_request,
    .parse_price = cv_parse_price,
    .parse_mileage = cv_parse_mileage,
    .parse_title = cv_parse_title,
    .vin_kind = cv_vin_kind,
    .parse_date = cv_parse_date,
    .log = cv_page_log,
    .fail = cv_page_fail,
};

const struct cv_api *cv_api_table(void)
{
    return &api;
}
