/*
 * main.c -- the carvest program: set up the runtime, hand over to the CLI.
 */
#include "cli.h"
#include "runtime.h"

#include <libxml/parser.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    struct cv_runtime rt;
    int rc;

    if (cv_runtime_init(&rt) < 0) {
        fputs("carvest: error: out of memory\n", stderr);
        return CV_EXIT_USAGE;
    }
    rc = cv_cli_main(&rt, argc, argv);
    cv_runtime_free(&rt);
    xmlCleanupParser();
    return rc;
}
