/*
 * bat_member.c -- source "bat-member" (placeholder: being written).
 */
#include <carvest/plugin.h>

static int extract(const struct cv_api *cv, struct cv_page *page)
{
    return cv->fail(page, "the bat-member source is not written yet");
}

static const struct cv_source source = {
    .abi_version = CV_ABI_VERSION,
    .name = "bat-member",
    .version = "0.0.0",
    .description = "placeholder",
    .extract = extract,
};

const struct cv_source *carvest_source(void);

const struct cv_source *carvest_source(void)
{
    return &source;
}
