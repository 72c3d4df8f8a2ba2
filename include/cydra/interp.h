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
 * resolver that fails or a result that does not fit the node's declared type is an error with
 * OmegaConf's exception class and message ("Interpolation key 'nosuch' not found",
 * "Recursive interpolation detected", "While dereferencing interpolation '${x}': Value 'a' of
 * type 'str' could not be converted to Integer"); syntax errors are GrammarParseError with the
 * message ANTLR gives OmegaConf ("no viable alternative at input '${foo'"). Recursion is bounded
 * (CY_INTERP_MAX_DEPTH). docs/interpolation.md has the grammar and every difference from OmegaConf.
 *
 * Resolvers live in a process-wide registry. oc.env, oc.select, oc.decode, oc.create,
 * oc.deprecated, oc.dict.keys, oc.dict.values and now are registered on first use; the app
 * runtime adds hydra. Register at start-up, before threads resolve: lookups are safe from any
 * thread, registration is serialised but should not race with resolution.
 *
 *     static int double_it(const cy_node **out, const cy_resolver_call *call) {
 *         if (call->nargs != 1 || call->args[0]->kind != CY_INT)
 *             return cy_error_set(CY_EVALIDATION, "TypeError", "double takes one int");
 *         *out = cy_new_int(call->arena, 2 * call->args[0]->v.i);
 *         return 0;
 *     }
 *     cy_resolver_register("double", double_it, NULL, 0);      // ${double:21} -> 42
 *
 * A resolver's error (any exception class) reaches the reader as OmegaConf reports it:
 * InterpolationResolutionError "TypeError raised while resolving interpolation: double takes
 * one int".
 */
#ifndef CYDRA_INTERP_H
#define CYDRA_INTERP_H

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nesting bound: interpolations inside interpolations (syntax), and resolutions started while
 * resolving (a reference to a reference to ...). Beyond it resolution fails with OmegaConf's
 * message for Python's RecursionError. */
#define CY_INTERP_MAX_DEPTH 256

/* What a resolver gets: its arguments already parsed (nested interpolations in them resolved,
 * as OmegaConf does), plus where the interpolation sits. */
typedef struct cy_resolver_call {
    const char *name;             /* "oc.env" */
    const cy_node *const *args;   /* argument values; an omitted one ("${f:a,,b}") is "" */
    const char *const *args_text; /* each argument's source text (oc.select needs the key text) */
    const bool *args_plain;       /* args_plain[i]: a list/dict argument written in the
                                     interpolation (a Python list/dict) rather than a config node
                                     it references (a ListConfig/DictConfig) */
    size_t nargs;
    const cy_node *node;   /* the node holding the interpolation (OmegaConf's _node_) */
    const cy_node *parent; /* its parent container (_parent_) */
    const cy_node *root;   /* the tree's root (_root_) */
    cy_arena *arena;       /* allocate results here */
    void *userdata;        /* as registered */
    bool *result_plain;    /* set *result_plain = true when a returned list/dict stands for
                              a plain Python value (as oc.decode's results): it then shows
                              as "list"/"dict" in messages and cy_resolve_tree refuses it,
                              as OmegaConf does; otherwise it is a config */
} cy_resolver_call;

/* A resolver returns 0 and sets *out (a node in call->arena, or one borrowed from the tree:
 * results are never modified), or sets an error (cy_error_set) and returns its code. A NULL
 * *out is None. */
typedef int (*cy_resolver_fn)(const cy_node **out, const cy_resolver_call *call);

enum {
    CY_RESOLVER_REPLACE = 1,  /* replace an existing resolver of that name instead of failing */
    CY_RESOLVER_NO_CACHE = 2, /* the default (OmegaConf's use_cache=False); accepted for clarity */
    CY_RESOLVER_CACHE = 4,    /* cache results by the arguments' source texts, process-wide
                                 (OmegaConf's use_cache=True; its cache lives in the root config) */
};

/* Registers a resolver. Errors as OmegaConf.register_new_resolver: an empty name or NULL fn
 * (ValueError/TypeError), a name already taken without CY_RESOLVER_REPLACE ("resolver 'x' is
 * already registered"). */
int cy_resolver_register(const char *name, cy_resolver_fn fn, void *userdata, unsigned flags);
bool cy_resolver_exists(const char *name);
/* Removes a resolver (0), or CY_ENOTFOUND. Built-ins can be removed too. */
int cy_resolver_unregister(const char *name);
/* Forgets every cached resolver result (OmegaConf.clear_cache). */
void cy_resolver_cache_clear(void);
/* Removes every resolver and registers the built-ins again (OmegaConf.clear_resolvers); the
 * app runtime's resolvers (hydra) must then be registered again. */
void cy_resolver_clear(void);

/* Resolves every interpolation in the tree in place (OmegaConf.resolve): a reference to ???
 * leaves ???; a referenced container is resolved too and copied in. On error the tree is
 * partly resolved, as OmegaConf leaves it. */
int cy_resolve_tree(cy_node *root);

/* Checks the syntax of an interpolation string without resolving it: 0, or CY_EPARSE with
 * OmegaConf's GrammarParseError message (CY_ELIMIT when nested deeper than the bound). Strings
 * without "${" are always valid. */
int cy_interp_check(const char *text);
/* The same, also giving the byte offset of the offending input in *err_pos on error. */
int cy_interp_check_at(const char *text, size_t *err_pos);

/* True when the string is an interpolation for OmegaConf: it contains "${" (escaped ones
 * included - "\${x}" must still be processed to drop the backslash). */
bool cy_interp_is_interp(const char *text);

/* oc.deprecated warns (Python's warnings.warn). Library code does not print: the message goes
 * to this handler, or nowhere when none is set. */
typedef void (*cy_interp_warning_fn)(const char *message, void *userdata);
void cy_interp_set_warning_handler(cy_interp_warning_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif

#endif
