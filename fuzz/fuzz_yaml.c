/*
 * fuzz_yaml.c - YAML loading (with its limits), then emit -> load -> emit stability and
 * interpolation resolution on whatever loads. A crash, a sanitizer report, a leak or an unstable
 * round trip is a finding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/interp.h"
#include "cydra/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg;
    cy_yaml_opts opts = CY_YAML_OPTS_INIT;
    opts.max_nodes = 100000;
    opts.max_depth = 64;
    if (cy_yaml_load_str(&cfg, a, (const char *)data, size, "fuzz.yaml", &opts) == 0) {
        char *text = NULL, *again = NULL;
        if (cy_yaml_emit(&text, cfg, 0) == 0) {
            cy_node *back;
            /* What we emit must load, and emit the same text again (emit is a fixed point after
             * one round: some inputs are normalised by the first load). */
            if (cy_yaml_load_str(&back, a, text, strlen(text), "emitted.yaml", &opts) != 0)
                abort();
            if (cy_yaml_emit(&again, back, 0) != 0 || strcmp(text, again) != 0)
                abort();
        }
        free(text);
        free(again);
        cy_node *copy = cy_node_copy(a, cfg);
        (void)cy_resolve_tree(copy);
        char *resolved = NULL;
        (void)cy_yaml_emit(&resolved, cfg, CY_YAML_RESOLVE);
        free(resolved);
    }
    cy_error_clear();
    cy_arena_free(a);
    return 0;
}
