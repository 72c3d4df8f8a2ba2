/*
 * cydra/instantiate.h - Hydra's instantiate() for C: build objects from config nodes that name a
 * `_target_`.
 *
 * Libraries register targets at start-up: a name (Python's dotted path, so a user's Hydra YAML
 * works unchanged), aliases, the signature as a structured-config schema (argument names in order,
 * defaults, ??? for required arguments, help), and a factory. instantiate() then turns
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
 *     ...
 *     cy_object_free(opt);                                      // frees the optimizer too
 *
 * What happens is what Hydra 1.3's _instantiate2.py does, step by step:
 *   1. `_recursive_` (default true, inherited by nested nodes), `_partial_` (default false, not
 *      inherited) and `_convert_` are read from the node (call-time arguments of those names win);
 *      a flag that is not a bool is a TypeError ("Instantiation: _recursive_ flag must be a bool,
 *      got <class 'str'>"). `_convert_` is accepted with any value and changes nothing: a C
 *      factory reads config nodes whatever the mode.
 *   2. The target is looked up ("Error locating target 'x'", with a "Did you mean" line; a
 *      `_target_` that is not a string: "Expected a callable target, got '5' of type 'int'").
 *   3. The arguments are collected in the node's key order, call-time arguments replacing the
 *      config's values of the same name and the others appended. A ??? value is an error
 *      (MissingMandatoryValue, naming its full key) unless the node is partial. With
 *      `_recursive_`, every dict with a `_target_` anywhere inside an argument (dicts, lists, and
 *      `_args_`) is instantiated first, and ??? values inside arguments are errors.
 *   4. `_args_` (a list) gives positional arguments ("Unsupported _args_ type: 'int'. value: '5'").
 *   5. The arguments are bound to the signature as Python binds a call, with Python's TypeError
 *      texts: "Adam.__init__() got an unexpected keyword argument 'lrr'", "got multiple values for
 *      argument 'x'", "takes from 2 to 3 positional arguments but 4 were given", "missing 1
 *      required positional argument: 'step_size'". The callable is named `Name.__init__()` when
 *      the last part of the target's name starts with a capital letter (a class), else `name()`.
 *   6. The factory is called with every argument of the signature (defaults filled in); its error
 *      becomes "Error in call to target 'torch.optim.adam.Adam':\nValueError('Invalid learning
 *      rate: -1.0')" followed by "full_key: optim" when the node has a key.
 * `_partial_: true` stops after step 4 and returns a partial object; cy_object_call completes it
 * (functools.partial: later arguments replace earlier ones of the same name; errors are then the
 * bare exception, as a Python call of the partial raises it). A dict or list without `_target_`
 * gives a config object (type CY_OBJECT_CONFIG) owning the objects built from the targets nested
 * in it, as Hydra returns a config holding the instantiated objects. A null config gives NULL.
 *
 * Beyond Hydra (docs/catalog.md):
 *   - call-time arguments also reach nested targets whose config leaves that argument ??? (or
 *     leaves it out when the signature requires it): a SequentialLR's child schedulers get the
 *     `optimizer` given to the SequentialLR. A call-time argument that neither the target nor any
 *     nested target takes is the usual unexpected-keyword TypeError;
 *   - "Did you mean" lines after unknown targets and unknown keyword arguments;
 *   - a call-time argument replaces the config's value instead of being merged into it.
 *
 * Ownership: an object owns the objects built from the targets nested in its config and frees
 * them after its own pointer (a scheduler may still use its optimizer while being freed). A
 * factory that hands a nested object's pointer to another owner takes it with cy_object_take.
 * Objects borrow the config they were built from: keep the config tree alive while they are used.
 *
 * Errors: negative cy_err codes with cy_error_last() set; CY_EINSTANTIATE (exception class
 * InstantiationException, or TypeError for the flag checks and for binding errors of a partial
 * call), CY_EMISSING for ??? values, CY_EINTERP and the other codes of the config tree as they
 * come. Registration is not synchronised with lookups: register targets before instantiating.
 */
#ifndef CYDRA_INSTANTIATE_H
#define CYDRA_INSTANTIATE_H

#include "cydra/node.h"
#include "cydra/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_object cy_object;

/* The type tag of config objects (a dict or list without `_target_`); their pointer is the
 * resolved config node. */
#define CY_OBJECT_CONFIG "cy_node"

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
 * filled in from the schema (a target without a signature gets the keyword arguments given). */
typedef struct cy_call {
    const struct cy_target *target;
    const cy_node *config; /* the node being instantiated (for error context), or NULL */
    const char *full_key;  /* its full key ("" for the root) */
    const cy_arg *args;
    size_t nargs;
    cy_arena *arena;        /* scratch memory living as long as the resulting object */
    const cy_object *owner; /* private: holds the objects built from nested targets */
} cy_call;

/* Finds an argument by name (NULL when the signature has none of that name). */
const cy_arg *cy_call_arg(const cy_call *call, const char *name);

/* Reads a scalar argument (resolving, converting; errors name the argument's full key). */
int cy_call_int(const cy_call *call, const char *name, int64_t *out);
int cy_call_float(const cy_call *call, const char *name, double *out);
int cy_call_bool(const cy_call *call, const char *name, bool *out);
int cy_call_str(const cy_call *call, const char *name, const char **out);
/* A caller-supplied pointer of the given type tag (an error when absent or of another type). */
int cy_call_ptr(const cy_call *call, const char *name, const char *type, void **out);
/* An instantiated nested object whose pointer has the given type tag (or a caller-supplied
 * pointer of that tag). */
int cy_call_object(const cy_call *call, const char *name, const char *type, void **out);

/* The object built from a `_target_` dict nested anywhere inside the call's arguments (target is
 * that dict, resolved), or NULL. Factories that walk nested argument trees use it. */
cy_object *cy_call_nested(const cy_call *call, const cy_node *target);

/* A factory builds the object and returns it with cy_object_new, or sets an error (cy_error_set,
 * with the Python exception class as exc: "ValueError", "TypeError", ...) and returns its code. */
typedef int (*cy_factory_fn)(cy_object **out, const cy_call *call, void *userdata);

typedef struct cy_target {
    const char *name;           /* "torch.optim.adam.Adam" */
    const char *const *aliases; /* NULL-terminated ("torch.optim.Adam"), or NULL */
    const cy_schema *signature; /* arguments, in order, with defaults (??? for required ones);
                                   `_target_` is skipped; NULL: any keyword arguments */
    cy_factory_fn create;
    void *userdata;
} cy_target;

/* Registers a target (the definition must outlive the registry: use static storage). A name
 * already registered is replaced. Errors: a NULL or empty name, no factory. */
int cy_target_register(const cy_target *target);
/* The target registered under name or alias, or NULL. */
const cy_target *cy_target_find(const char *name);
/* Every registered target, in registration order (for --help and tests). */
size_t cy_target_count(void);
const cy_target *cy_target_at(size_t i);

/* Wraps a pointer as an object. type is a tag ("nn_optim") checked by cy_object_ptr; destroy
 * (may be NULL) frees ptr. Returns NULL when out of memory. */
cy_object *cy_object_new(const char *type, void *ptr, void (*destroy)(void *ptr));

/* The object's pointer when its type tag is `type` (NULL otherwise). */
void *cy_object_ptr(const cy_object *o, const char *type);
/* The object's type tag ("partial" for partial objects). */
const char *cy_object_tag(const cy_object *o);
/* True for a `_partial_` object; cy_object_call completes it. */
bool cy_object_is_partial(const cy_object *o);
const cy_target *cy_object_target(const cy_object *o);

/* The object built from the `_target_` dict `target` nested in o's config, or NULL. */
cy_object *cy_object_nested(const cy_object *o, const cy_node *target);

/* Hands the object's pointer to the caller: it is returned (when the tag is `type`, else NULL
 * and nothing changes) and no longer freed with the object. */
void *cy_object_take(cy_object *o, const char *type);

/* Frees the object's pointer, then the nested objects it owns. NULL is allowed. */
void cy_object_free(cy_object *o);

/* Hydra's instantiate(config, **kwargs): extra[0..nextra) are the keyword arguments. */
int cy_instantiate(cy_object **out, const cy_node *config, const cy_arg *extra, size_t nextra);

/* Calls a partial object with more arguments (functools.partial's call). The partial is not
 * changed and can be called again; the new object borrows the partial's nested objects, so free
 * it before the partial. */
int cy_object_call(cy_object **out, const cy_object *partial, const cy_arg *extra, size_t nextra);

#ifdef __cplusplus
}
#endif

#endif
