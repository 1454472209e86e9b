/*
 * wrong_abi.c -- a plugin claiming a future ABI version.  carvest must
 * refuse it with a clear message and go on loading the others.
 */
#include <carvest/plugin.h>

#include <stddef.h>

static int extract(const struct cv_api *cv, struct cv_page *page)
{
    (void)cv;
    (void)page;
    return 0;
}

static const struct cv_source source = {
    .abi_version = CV_ABI_VERSION + 98,
    .name = "from-the-future",
    .version = "9.9",
    .description = "built against a later carvest",
    .extract = extract,
};

const struct cv_source *carvest_source(void);

const struct cv_source *carvest_source(void)
{
    return &source;
}
