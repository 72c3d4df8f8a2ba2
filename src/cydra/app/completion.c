/*
 * completion.c - --shell-completion. Placeholder until shell completion lands.
 */
#include <stdio.h>

#include "app_internal.h"
#include "args.h"

int cy__shell_completion(const struct cy_args *args, cy_loader *loader, const char *config_name,
                         const char *prog) {
    fprintf(stderr, "shell completion is not available in this build yet\n");
    return 1;
}
