/*
 * cydra/instantiate.h - Hydra's instantiate() for C: build objects from config nodes that name a
 * `_target_`.
 *
 * Libraries register targets at start-up: a name (Python's dotted path, so a user's Hydra YAML
 * works unchanged), aliases, the signature as a structured-config schema (argument names in order,
 * defaults, types, help), and a factory. instantiate() then turns
 *
 *     optim:
 *       _target_: torch.optim.Adam
 *       lr: 0.001
 *
 * into a cy_object, passing arguments that only exist at run time from the caller (hydra#1413):
 *
 *     cy_arg extra[] = {CY_ARG_PTR("params", "nn_params", &params)};
 *     cy_object *opt;
 *     if (cy_instantiate(&opt, cfg_optim, extra, 1) < 0) ...   // "Error in call to target ..."
 *     nn_optim *o = cy_object_ptr(opt, "nn_optim");
 *
 * Special keys as Hydra's: `_args_` (positional arguments, mapped onto the signature in order),
 * `_recursive_` (default true: nested nodes with a `_target_`, in dicts and lists, are instantiated
 * first and passed as objects), `_partial_` (returns a partial object that cy_object_call completes
 * with more arguments later), `_convert_` (none|partial|object|all; accepted and checked - in C the
 * factory reads nodes either way). Beyond Hydra: call-time arguments also reach nested targets
 * whose config leaves that argument ??? (a SequentialLR's child schedulers get the `optimizer`
 * given to the SequentialLR).
 *
 * Arguments the signature does not have, required arguments that are missing, ??? values and
 * unknown targets are errors naming the target and the argument (CY_EINSTANTIATE).
 */
#ifndef CYDRA_INSTANTIATE_H
#define CYDRA_INSTANTIATE_H

#include "cydra/node.h"
#include "cydra/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_object cy_object;

/* One argument of a call: a config value, an instantiated object, a list whose elements may be
 * objects, or a pointer the caller supplies (with a type tag the factory checks). */
typedef struct cy_arg {
    const char *name;
    const cy_node *node;  /* a config value (resolved on read), or NULL */
    cy_object *object;    /* an instantiated nested target, or NULL */
    cy_object **items;    /* node is a list: items[i] is the instantiated i-th element or NULL */
    void *ptr;            /* a caller-supplied pointer, or NULL */
    const char *ptr_type; /* its type tag, e.g. "nn_params" */
} cy_arg;

#define CY_ARG_PTR(name, type, p)                                                                  \
    { (name), NULL, NULL, NULL, (p), (type) }
#define CY_ARG_NODE(name, n)                                                                       \
    { (name), (n), NULL, NULL, NULL, NULL }
#define CY_ARG_OBJECT(name, o)                                                                     \
    { (name), NULL, (o), NULL, NULL, NULL }

/* A call as a factory sees it: every argument of the signature, in its order, with defaults
 * filled in from the schema. */
typedef struct cy_call {
    const struct cy_target *target;
    const cy_node *config; /* the node being instantiated (for error context), or NULL */
    const char *full_key;  /* its full key ("" for the root) */
    const cy_arg *args;
    size_t nargs;
    cy_arena *arena; /* scratch memory living as long as the resulting object */
} cy_call;

/* Finds an argument by name (NULL when the signature has none of that name). */
const cy_arg *cy_call_arg(const cy_call *call, const char *name);

/* Reads a scalar argument (resolving, converting, naming the argument in errors). */
int cy_call_int(const cy_call *call, const char *name, int64_t *out);
int cy_call_float(const cy_call *call, const char *name, double *out);
int cy_call_bool(const cy_call *call, const char *name, bool *out);
int cy_call_str(const cy_call *call, const char *name, const char **out);
/* A caller-supplied pointer of the given type tag (an error when absent or of another type). */
int cy_call_ptr(const cy_call *call, const char *name, const char *type, void **out);
/* An instantiated nested object whose pointer has the given type tag. */
int cy_call_object(const cy_call *call, const char *name, const char *type, void **out);

/* A factory builds the object and returns it with cy_object_new, or sets an error (cy_error_set)
 * and returns its code. */
typedef int (*cy_factory_fn)(cy_object **out, const cy_call *call, void *userdata);

typedef struct cy_target {
    const char *name;           /* "torch.optim.adam.Adam" */
    const char *const *aliases; /* NULL-terminated ("torch.optim.Adam"), or NULL */
    const cy_schema *signature; /* arguments, in order, with defaults; `_target_` is skipped */
    cy_factory_fn create;
    void *userdata;
} cy_target;

/* Registers a target (the definition must outlive the registry: use static storage). A name
 * already registered is replaced. */
int cy_target_register(const cy_target *target);
const cy_target *cy_target_find(const char *name);
/* Every registered target, in registration order (for --help and tests). */
size_t cy_target_count(void);
const cy_target *cy_target_at(size_t i);

/* Wraps a pointer as an object. type is a tag ("nn_optim") checked by cy_object_ptr; destroy
 * (may be NULL) frees ptr. The object also owns the nested objects it was built from. */
cy_object *cy_object_new(const char *type, void *ptr, void (*destroy)(void *ptr));

/* The object's pointer when its type tag is `type` (NULL otherwise). */
void *cy_object_ptr(const cy_object *o, const char *type);
const char *cy_object_type(const cy_object *o);
/* True for a `_partial_` object; cy_object_call completes it. */
bool cy_object_is_partial(const cy_object *o);
const cy_target *cy_object_target(const cy_object *o);

/* Frees the object, what it owns and its pointer. NULL is allowed. */
void cy_object_free(cy_object *o);

/* Hydra's instantiate(config, **kwargs). */
int cy_instantiate(cy_object **out, const cy_node *config, const cy_arg *extra, size_t nextra);

/* Calls a partial object with more arguments (functools.partial's call). */
int cy_object_call(cy_object **out, const cy_object *partial, const cy_arg *extra, size_t nextra);

#ifdef __cplusplus
}
#endif

#endif
