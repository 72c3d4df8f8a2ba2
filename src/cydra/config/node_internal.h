/*
 * node_internal.h - what the modules of cy_config share beyond the public API.
 */
#ifndef CYDRA_NODE_INTERNAL_H
#define CYDRA_NODE_INTERNAL_H

#include "cydra/node.h"

struct cy_schema;

/* OmegaConf's validate_and_convert: value converted for a node of declared type `type`, as a new
 * node in arena (containers are deep-copied and their children converted to the element type;
 * structured types get their schema). Sets the error (message only, no key) and returns its code
 * on failure; the caller attaches the key with cy_error_at. Special values (null, ???,
 * interpolations) are checked only for null against a non-Optional type. */
int cy__convert(cy_node **out, cy_arena *arena, const cy_type *type, const cy_node *value);

/* cy__convert for a node that will sit at parent[key] (key NULL for list items; parent may be
 * NULL): errors inside containers then carry full keys below that position, as OmegaConf's
 * _node_wrap(parent=...) does. `as_node` says the value stands for an OmegaConf node (a merge
 * source) rather than a plain Python value (an assignment): it changes $VALUE_TYPE of containers
 * ("DictConfig" instead of "dict"). */
int cy__convert_at(cy_node **out, cy_arena *arena, const cy_type *type, const cy_node *value,
                   cy_node *parent, const char *key, bool as_node);

/* cy_interp_check on every interpolation string of a tree (0, or the parse error). */
int cy__check_interps(const cy_node *v);

/* Rewrites the last error, when it is a conversion failure not yet decorated with a key, with
 * $VALUE/$VALUE_TYPE taken from another value (as format_and_raise(value=...) does). Returns
 * the error's code. */
int cy__error_resubstitute(const char *value, const char *value_type);

/* A number that changes with every error set on this thread (to recognise "still the same
 * error"). */
unsigned long cy__error_serial(void);

/* Forgets the key facts of the last error (an outer layer that OmegaConf formats first). */
void cy__error_drop_key(void);

/* Resolves one interpolation node (implemented in interp.c; cy_node_resolve calls it). */
int cy__interp_resolve(const cy_node *n, const cy_node **out);

/* A dict node of structured type s with all fields at their defaults, typed, object = s
 * (implemented in schema.c). */
int cy__schema_instantiate(cy_node **out, cy_arena *a, const struct cy_schema *s);

/* -- Shared helpers (node.c, pyfmt.c) ------------------------------------------------------ */

/* The full key of `key` inside container (the container's own when key is NULL or ""), as
 * OmegaConf's _get_full_key writes it. malloc'd. */
char *cy__full_key_of(const cy_node *container, const char *key);

/* object_type and reference_type as format_and_raise reports them for a container (ref type
 * NULL when Any, and for roots - OmegaConf roots are created with ref_type Any). Strings live
 * in the container's arena or are static. */
const char *cy__error_object_type(const cy_node *container);
const char *cy__error_ref_type(const cy_node *container);

/* Python repr() of the value n holds ("'abc'", "1.5", "None", "<Color.RED: 1>", "{'a': 1}"). */
const char *cy__node_pyrepr(cy_arena *arena, const cy_node *n);
/* Python repr() of a string. */

/* A new empty node of the same class in the arena, with every field of n copied except the
 * value and the parent (children are not copied). */
cy_node *cy__node_shell(cy_arena *a, const cy_node *n);

/* Removes the i-th child of a dict or list (no checks). */
void cy__remove_child(cy_node *c, size_t i);

/* Replaces the i-th child (no checks); the new child gets c as parent and the old one's key. */
void cy__replace_child(cy_node *c, size_t i, cy_node *child);

/* Index of key in a dict, or -1. */
long cy__dict_find(const cy_node *dict, const char *key);

/* Makes n hold what v holds (value and children, re-parented to n), keeping n's own declared
 * type, flags, key and parent. v must be in n's arena and is consumed. */
void cy__take_value(cy_node *n, cy_node *v);

/* The type descriptor OmegaConf derives for a value's own type when it is itself typed: the
 * struct type of a structured dict (object set), else NULL. */
const cy_type *cy__struct_type_of(const cy_node *n);

/* The type as type_str prints it, without the Optional[...] wrapper. */
const char *cy__type_str_nonopt(cy_arena *a, const cy_type *t);

/* Python's int() / float() of a string (64-bit ints: larger values are refused). */
bool cy__py_int(const char *s, int64_t *out);
bool cy__py_float(const char *s, double *out);

/* OmegaConf.get_type(value) as type_str prints it ("dict", "AdadeltaConf", "list", "int"). */
const char *cy__get_type_str(const cy_node *v);

/* -- Validated changes (set.c), shared with merge.c ---------------------------------------- */

/* container[key] = val as basecontainer._set_item_impl does it. is_node: val stands for an
 * OmegaConf node (merge source: typed value nodes are placed as they are, containers keep
 * their types) rather than a plain Python value. key_exc: the exception class of unknown-key
 * errors ("ConfigKeyError" from __setitem__, "ConfigAttributeError" from __setattr__). */
int cy__setitem(cy_node *c, const char *key, cy_key_kind kk, const cy_node *val, bool is_node,
                const char *key_exc);

/* ListConfig._get_node(index): MissingMandatoryValue / ConfigTypeError / ConfigIndexError for
 * a slot of a ??? or None list or out of range, reported at (c, key); 0 when it exists. */
int cy__list_check_slot(const cy_node *c, const char *key, long index);

/* ListConfig.append. */
int cy__list_append(cy_node *list, const cy_node *val, bool is_node);

/* node._set_value(val): value nodes convert in place, containers replace their content. */
int cy__set_value(cy_node *n, const cy_node *val, bool is_node);

/* DictConfig._validate_get: unknown keys of structured or struct-mode dicts. */
int cy__dict_validate_get(const cy_node *c, const char *key, const char *exc);

/* _deep_update_type_hint: a node placed as it is made to carry the element type. */
int cy__deep_update_type_hint(cy_node *n, const cy_type *hint);

/* Node classes: typed ValueNode, AnyNode; element type of a container (NULL = Any); the Python
 * class name of a node ("AnyNode", "DictConfig"). */
bool cy__is_typed_vnode(const cy_node *n);
bool cy__is_anynode(const cy_node *n);
const cy_type *cy__elem_type(const cy_node *c);
const char *cy__node_class(const cy_node *n);

/* -- Reading (select.c) ---------------------------------------------------------------------- */

/* OmegaConf's split_key ("a.b[0]" -> a, b, 0; "..x" -> "", "", x). malloc'd array of malloc'd
 * strings; NULL when out of memory. */
char **cy__split_key(const char *key, size_t *n);

/* _select_one: c's child under key (NULL when absent, out of range, or c holds null). */
int cy__select_one(const cy_node *c, const char *key, bool throw_on_missing,
                   bool throw_on_type_error, const cy_node **out);

/* c[key] with resolution (__getitem__): unknown keys, ??? and bad indices are errors. */
int cy__getitem(const cy_node *c, const char *key, const cy_node **out);

/* Attaches the error facts of n as the child of its parent (list items by index). */
int cy__error_at_child(const cy_node *n);

/* Whether the declared type is Any. */
static inline bool cy__is_any(const cy_type *t) {
    return t == NULL || t->tag == CY_T_ANY;
}

#endif
