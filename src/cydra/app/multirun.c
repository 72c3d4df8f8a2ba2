/*
 * multirun.c - -m: the sweeper expands the overrides into jobs, the launcher runs them.
 * Placeholder until the runtime's multirun lands: it reports that multirun is not available.
 */
#include <stdio.h>

#include "app_internal.h"

int cy__multirun(cy_loader *loader, const char *config_name, const char *const *overrides, size_t n,
                 const cy_app *app) {
    fprintf(stderr, "multirun is not available in this build yet\n");
    return 1;
}
