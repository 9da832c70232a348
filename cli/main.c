/*
 * main.c — the parity command: find the verb (verbs.c) and run it.
 */
#include "options.h"

#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) return cli_fail("missing verb (see parity --help)");
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0) {
        cli_usage(stdout);
        return 0;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("parity %s\n", PARITY_VERSION);
        return 0;
    }
    if (strcmp(a, "--option-grid") == 0) {
        size_t n = 0;
        const cli_verb *all = cli_verbs(&n);
        return cli_option_grid(stdout, all, n);
    }
    const cli_verb *v = cli_find_verb(a);
    if (!v) return cli_fail("unknown verb '%s' (see parity --help)", a);
    int rc = v->run(v, argc - 1, argv + 1);
    cli_progress_end();
    return rc;
}
