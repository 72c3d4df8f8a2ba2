/*
 * interp.c - PLACEHOLDER written by the config-tree engineer so that cy_config links before the
 * interpolation engine exists. The interp engineer replaces this whole file with the real
 * implementation (cydra/interp.h); nothing else depends on what is here.
 */
#include "node_internal.h"

int cy__interp_resolve(const cy_node *n, const cy_node **out) {
    *out = NULL;
    cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                 "interpolation support is not built yet");
    return cy_error_at(n->parent, n->key);
}
