/*
 * fuzz_interp.c - the interpolation grammar and resolution: the input is a string value placed in
 * a small config (beside keys it may refer to) and resolved, so references, resolvers, nesting,
 * escapes and cycles are all reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/interp.h"
#include "cydra/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    /* The text up to a NUL is the value; what follows names the key it is stored under. */
    cy_arena *a = cy_arena_new();
    (void)cy_interp_check(s);
    cy_node *cfg = cy_new_dict(a), *sub = cy_new_dict(a), *list = cy_new_list(a);
    cy_dict_put(cfg, "x", cy_new_str(a, s));
    cy_dict_put(cfg, "n", cy_new_int(a, 3));
    cy_dict_put(cfg, "f", cy_new_float(a, 0.5));
    cy_dict_put(cfg, "m", cy_new_missing(a));
    cy_dict_put(sub, "y", cy_new_str(a, s));
    cy_dict_put(sub, "z", cy_new_str(a, "${..n}"));
    cy_dict_put(cfg, "sub", sub);
    cy_list_push(list, cy_new_str(a, s));
    cy_list_push(list, cy_new_str(a, "${x}"));
    cy_dict_put(cfg, "l", list);
    const cy_node *out;
    (void)cy_node_resolve(cy_dict_get(cfg, "x"), &out);
    (void)cy_node_resolve(cy_dict_get(sub, "y"), &out);
    char *text = NULL;
    (void)cy_yaml_emit(&text, cfg, CY_YAML_RESOLVE);
    free(text);
    (void)cy_resolve_tree(cfg);
    cy_error_clear();
    cy_arena_free(a);
    free(s);
    return 0;
}
