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
const char *cy__str_pyrepr(cy_arena *arena, const char *s);

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

/* Whether the declared type is Any. */
static inline bool cy__is_any(const cy_type *t) {
    return t == NULL || t->tag == CY_T_ANY;
}

#endif
