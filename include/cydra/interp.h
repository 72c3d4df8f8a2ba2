/*
 * cydra/interp.h - interpolation and resolvers, as OmegaConf 2.2.
 *
 * A string value containing "${" is an interpolation, resolved when read:
 *
 *     ${a.b}  ${.sibling}  ${..uncle}  ${a.list[0]}     node references (absolute, relative)
 *     ckpt_${seed}_${epochs}.pt                          string interpolation
 *     \${not.resolved}                                   escaped: the text "${not.resolved}"
 *     ${oc.env:HOME,/tmp}  ${oc.select:a.b,default}      resolvers with arguments
 *     ${oc.decode:${oc.env:N}}  ${oc.create:{a: 1}}  ${now:%Y-%m-%d}
 *
 * Resolution is lazy (cy_node_resolve, the cy_get_* functions in cydra/node.h) and explicit on
 * request (cy_resolve_tree, what --resolve does). A reference to a missing key, a cycle, a
 * resolver that fails or a result that does not fit the node's declared type is an error naming
 * the key; recursion is bounded (CY_INTERP_MAX_DEPTH).
 *
 * Resolvers live in a process-wide registry. oc.env, oc.select, oc.decode, oc.create, oc.deprecated,
 * oc.dict.keys, oc.dict.values and now are registered at start-up; the app runtime adds hydra.
 *
 *     static int double_it(const cy_node **out, const cy_resolver_call *call) {
 *         ... *out = cy_new_int(call->arena, 2 * call->args[0]->v.i); return 0;
 *     }
 *     cy_resolver_register("double", double_it, NULL, 0);      // ${double:21} -> 42
 */
#ifndef CYDRA_INTERP_H
#define CYDRA_INTERP_H

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CY_INTERP_MAX_DEPTH 256

/* What a resolver gets: its arguments already parsed (and any nested interpolations in them
 * resolved, as OmegaConf does), plus where the interpolation sits. */
typedef struct cy_resolver_call {
    const char *name;            /* "oc.env" */
    const cy_node *const *args;  /* parsed argument values */
    const char *const *args_text; /* each argument's source text (oc.select needs the key text) */
    size_t nargs;
    const cy_node *node;         /* the node holding the interpolation */
    const cy_node *parent;       /* its parent container (OmegaConf's _parent_) */
    const cy_node *root;         /* the tree's root (_root_) */
    cy_arena *arena;             /* allocate results here */
    void *userdata;              /* as registered */
} cy_resolver_call;

/* A resolver returns 0 and sets *out (a node in call->arena, or one borrowed from the tree), or
 * sets an error (cy_error_set) and returns its code. */
typedef int (*cy_resolver_fn)(const cy_node **out, const cy_resolver_call *call);

enum {
    CY_RESOLVER_REPLACE = 1, /* replace an existing resolver of that name instead of failing */
    CY_RESOLVER_NO_CACHE = 2 /* do not cache results (OmegaConf's use_cache=False); the default
                                is no cache either: set CY_RESOLVER_CACHE to cache by args */,
    CY_RESOLVER_CACHE = 4,
};

int cy_resolver_register(const char *name, cy_resolver_fn fn, void *userdata, unsigned flags);
bool cy_resolver_exists(const char *name);
/* Removes a resolver (0), or CY_ENOTFOUND. */
int cy_resolver_unregister(const char *name);

/* Resolves every interpolation in the tree in place (OmegaConf.resolve). */
int cy_resolve_tree(cy_node *root);

/* Checks the syntax of an interpolation string without resolving it (0 or CY_EPARSE). */
int cy_interp_check(const char *text);

/* True when the string contains an interpolation that is not escaped. */
bool cy_interp_is_interp(const char *text);

#ifdef __cplusplus
}
#endif

#endif
