/*
 * set.c - validated changes: container[key] = value, node._set_value, list append, deletion.
 *
 * This follows basecontainer._set_item_impl, DictConfig/ListConfig._validate_set and _set_value
 * step by step, because the order of OmegaConf's checks decides which message a user sees
 * (an unknown key is reported before a read-only container, except for null/???/interpolation
 * values, which skip the key check in _validate_set and meet the read-only check first).
 *
 * A value is a node plus a flag saying whether OmegaConf would see it as a Node (merge sources,
 * whose typed value nodes are placed as they are) or as a plain Python value (assignments and
 * update(), whose values are wrapped into nodes of the target's element type).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/interp.h"
#include "cydra/schema.h"
#include "node_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Small predicates on OmegaConf's node classes
 */

static bool is_special(const cy_node *v) {
    return v->kind == CY_NULL || v->kind == CY_MISSING || v->kind == CY_INTERP;
}

/* A typed ValueNode (IntegerNode, StringNode, ...), as opposed to AnyNode and containers. */
bool cy__is_typed_vnode(const cy_node *n) {
    return !cy_node_is_container(n) && !cy__is_any(n->type);
}

bool cy__is_anynode(const cy_node *n) {
    return !cy_node_is_container(n) && cy__is_any(n->type);
}

const cy_type *cy__elem_type(const cy_node *c) {
    if (c->type->tag == CY_T_LIST || c->type->tag == CY_T_DICT)
        return c->type->elem;
    return NULL;
}

static bool is_primitive_annotation(const cy_type *t) {
    return t && (t->tag == CY_T_INT || t->tag == CY_T_FLOAT || t->tag == CY_T_BOOL ||
                 t->tag == CY_T_STR || t->tag == CY_T_ENUM);
}

static bool is_container_or_struct_annotation(const cy_type *t) {
    return t && (t->tag == CY_T_LIST || t->tag == CY_T_DICT || t->tag == CY_T_STRUCT);
}

/* OmegaConf.get_type(value) is None: a plain None, or a DictConfig holding None or ???. */
static bool get_type_is_none(const cy_node *v, bool is_node) {
    if (!is_node)
        return v->kind == CY_NULL;
    return v->container == CY_DICT && (v->kind == CY_NULL || v->kind == CY_MISSING);
}

/* The class name of a node (type(node).__name__). */
const char *cy__node_class(const cy_node *n) {
    if (n->container == CY_DICT)
        return "DictConfig";
    if (n->container == CY_LIST)
        return "ListConfig";
    switch (n->type->tag) {
    case CY_T_INT:
        return "IntegerNode";
    case CY_T_FLOAT:
        return "FloatNode";
    case CY_T_BOOL:
        return "BooleanNode";
    case CY_T_STR:
        return "StringNode";
    case CY_T_ENUM:
        return "EnumNode";
    default:
        return "AnyNode";
    }
}

static int key_error(const cy_node *c, const char *key, const char *exc) {
    if (c->object)
        cy_error_set(CY_EKEY, exc, "Key '%s' not in '%s'", key, c->object->name);
    else
        cy_error_set(CY_EKEY, exc, "Key '%s' is not in struct", key);
    return cy_error_at(c, key);
}

/* DictConfig._validate_get: an unknown key of a structured or struct-mode dict. */
int cy__dict_validate_get(const cy_node *c, const char *key, const char *exc) {
    if (c->kind == CY_NULL) {
        /* `key not in None` in _validate_get */
        cy_error_set(CY_ETYPE, "ConfigTypeError", "argument of type 'NoneType' is not iterable");
        return cy_error_at(c, key);
    }
    if (cy__dict_find(c, key) >= 0)
        return 0;
    bool typed = c->object != NULL;
    if (typed && c->flags[CY_FLAG_STRUCT] == CY_FLAG_FALSE)
        return 0;
    if (typed || cy_node_flag(c, CY_FLAG_STRUCT))
        return key_error(c, key, exc);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Type hints of nodes placed as they are (_deep_update_type_hint)
 */

static const char *hint_name(cy_arena *a, const cy_type *t) {
    /* ref_type.__name__: typing generics are "List"/"Dict" */
    if (t->tag == CY_T_LIST)
        return "List";
    if (t->tag == CY_T_DICT)
        return "Dict";
    return cy__type_str_nonopt(a, t);
}

static const char *hint_str(cy_arena *a, const cy_type *t) {
    /* str(ref_type) */
    if (t->tag == CY_T_LIST || t->tag == CY_T_DICT)
        return cy_arena_printf(a, "typing.%s", cy__type_str_nonopt(a, t));
    return cy_arena_printf(a, "<class '%s'>", cy__type_str_nonopt(a, t));
}

static bool isinstance_of(const cy_node *v, const cy_type *t) {
    switch (t->tag) {
    case CY_T_INT:
        return v->kind == CY_INT || v->kind == CY_BOOL;
    case CY_T_FLOAT:
        return v->kind == CY_FLOAT;
    case CY_T_BOOL:
        return v->kind == CY_BOOL;
    case CY_T_STR:
        return v->kind == CY_STR;
    case CY_T_ENUM:
        return v->kind == CY_ENUM && v->v.str.def == t->enm;
    default:
        return true;
    }
}

int cy__deep_update_type_hint(cy_node *n, const cy_type *hint) {
    if (cy__is_any(hint))
        return 0;
    cy_arena *a = n->arena;
    if (n->kind == CY_NULL) {
        if (!hint->optional)
            return cy_error_set(CY_EVALIDATION, "ValidationError",
                                "Value None (NoneType) is incompatible with type hint '%s'",
                                hint_name(a, hint));
    } else if (n->kind != CY_MISSING && n->kind != CY_INTERP) {
        if (is_primitive_annotation(hint) && !cy_node_is_container(n)) {
            if (!isinstance_of(n, hint))
                return cy_error_set(CY_EVALIDATION, "ValidationError",
                                    "Value %s (%s) is incompatible with type hint '%s'",
                                    cy__node_pyrepr(a, n), cy_node_pytype(n), hint_name(a, hint));
        } else if ((hint->tag == CY_T_STRUCT || hint->tag == CY_T_DICT) &&
                   n->container == CY_DICT) {
        } else if (hint->tag == CY_T_LIST && n->container == CY_LIST) {
        } else if (!cy_node_is_container(n)) {
            return cy_error_set(CY_EVALIDATION, "ValidationError",
                                "Value %s (%s) is incompatible with type hint '%s'",
                                cy__node_pyrepr(a, n), cy_node_pytype(n), hint_str(a, hint));
        } else {
            return cy_error_set(CY_EVALIDATION, "ValidationError",
                                "'%s' is incompatible with type hint '%s'", cy__node_class(n),
                                hint_str(a, hint));
        }
    }
    const cy_schema *obj = n->object;
    cy_node_set_type(n, hint);
    n->object = obj;
    if ((hint->tag == CY_T_LIST && n->kind == CY_LIST) ||
        (hint->tag == CY_T_DICT && n->kind == CY_DICT)) {
        for (size_t i = 0; i < n->v.c.len; i++) {
            cy_node *k = n->v.c.items[i];
            if (n->kind == CY_DICT && !hint->key_any && k->key_kind != CY_KEY_STR) {
                static const char *kt[] = {"str", "int", "float", "bool"};
                return cy_error_set(CY_EVALIDATION, "KeyValidationError",
                                    "Key %s (%s) is incompatible with key type hint 'str'", k->key,
                                    kt[k->key_kind]);
            }
            if (is_special(k)) {
                /* special values are re-wrapped in a node of the element type */
                cy_node *w;
                char idx[32];
                snprintf(idx, sizeof idx, "%zu", i);
                int rc = cy__convert_at(&w, a, hint->elem, k, n, n->kind == CY_LIST ? idx : k->key,
                                        false);
                if (rc < 0)
                    return cy_error_at(n, n->kind == CY_LIST ? idx : k->key);
                w->flags[0] = k->flags[0];
                w->flags[1] = k->flags[1];
                cy__replace_child(n, i, w);
                k = w;
            }
            int rc = cy__deep_update_type_hint(k, hint->elem);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Placing a child
 */

/* Puts child at c[key] (dict) or c[index] (list; index == len appends), replacing what is
 * there in place. */
static void place(cy_node *c, const char *key, cy_key_kind kk, long index, cy_node *child) {
    if (c->container == CY_LIST) {
        if (index >= 0 && (size_t)index < c->v.c.len)
            cy__replace_child(c, (size_t)index, child);
        else
            cy_list_push(c, child);
    } else {
        cy_dict_put_kind(c, key, kk, child);
    }
}

/* Node values are deep-copied into the container's arena before use (OmegaConf deep-copies
 * Node inputs in _set_item_impl). */
static cy_node *copy_in(cy_node *c, const cy_node *v) {
    cy_node *k = cy_node_copy(c->arena, v);
    k->parent = NULL;
    return k;
}

/* _wrap_value_and_set: a plain value wrapped into a node of type_hint; a container that stands
 * for a node is placed as it is (_maybe_wrap). */
static int wrap_and_set(cy_node *c, const char *key, cy_key_kind kk, long index, const cy_node *val,
                        bool is_node, const cy_type *hint) {
    cy_node *w;
    if (is_node && cy_node_is_container(val) && !is_special(val)) {
        w = copy_in(c, val);
    } else {
        int rc = cy__convert_at(&w, c->arena, hint, val, c, key, false);
        if (rc < 0) {
            /* A container type's own failure surfaces from the DictConfig/ListConfig
             * constructor, whose format_and_raise has no node: the key alone, no types. */
            if (hint &&
                (hint->tag == CY_T_STRUCT || hint->tag == CY_T_LIST || hint->tag == CY_T_DICT))
                return cy_error_at_key(key, NULL, NULL);
            return cy_error_at(c, key);
        }
    }
    place(c, key, kk, index, w);
    return 0;
}

/* assign(): a node placed as it is, then made compatible with the element type. */
static int assign(cy_node *c, const char *key, cy_key_kind kk, long index, cy_node *v) {
    v->parent = c; /* for full keys in messages while its type hint is updated */
    v->key = c->container == CY_LIST ? cy_arena_printf(c->arena, "%ld", index) : key;
    int rc = cy__deep_update_type_hint(v, cy__elem_type(c));
    v->parent = NULL;
    if (rc < 0)
        return cy_error_at(c, key);
    place(c, key, kk, index, v);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * node._set_value
 */

static int container_set_value(cy_node *n, const cy_node *val, bool is_node);

static int vnode_set_value(cy_node *n, const cy_node *val, bool is_node) {
    if (cy_node_flag(n, CY_FLAG_READONLY))
        return cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                            "Cannot set value of read-only config node");
    cy_node *w;
    if (val->kind == CY_MISSING || val->kind == CY_INTERP) {
        if (val->kind == CY_INTERP && cy_interp_check(val->v.str.s) < 0)
            return cy_error_last()->code;
        w = cy_node_copy(n->arena, val);
    } else if (cy__is_any(n->type) && cy_node_is_container(val)) {
        /* AnyNode only holds primitives */
        return cy_error_set(CY_EVALIDATION, "UnsupportedValueType",
                            "Value '%s' is not a supported primitive type",
                            is_node ? cy__node_class(val) : cy_node_pytype(val));
    } else {
        int rc = cy__convert_at(&w, n->arena, n->type, val, NULL, NULL, is_node);
        if (rc < 0)
            return rc;
    }
    n->kind = w->kind;
    n->v = w->v;
    return 0;
}

int cy__set_value(cy_node *n, const cy_node *val, bool is_node) {
    if (cy_node_is_container(n))
        return container_set_value(n, val, is_node);
    return vnode_set_value(n, val, is_node);
}

/* ---------------------------------------------------------------------------------------------
 * DictConfig
 */

/* DictConfig._validate_non_optional for a null value at key (or for the dict itself). */
static int validate_non_optional(cy_node *c, const char *key) {
    bool optional;
    if (key) {
        long i = cy__dict_find(c, key);
        if (i >= 0) {
            optional = c->v.c.items[i]->type->optional;
        } else {
            const cy_type *et = cy__elem_type(c);
            optional = et ? et->optional : true;
        }
    } else {
        optional = c->type->optional;
    }
    if (optional)
        return 0;
    char *fk = cy__full_key_of(c, key);
    cy_error_set(CY_EVALIDATION, "ValidationError", "field '%s' is not Optional", fk ? fk : "");
    free(fk);
    return cy_error_at(c, key);
}

/* DictConfig._validate_set(key, value); key NULL validates the dict's own new value. */
static int dict_validate_set(cy_node *c, const char *key, const cy_node *val, bool is_node,
                             const char *key_exc) {
    if (val->kind == CY_INTERP)
        return 0;
    if (val->kind == CY_NULL) {
        if (key) {
            int rc = cy__dict_validate_get(c, key, key_exc);
            if (rc < 0)
                return rc;
        }
        return validate_non_optional(c, key);
    }
    if (val->kind == CY_MISSING)
        return 0;
    const cy_node *target = c;
    if (key) {
        int rc = cy__dict_validate_get(c, key, key_exc);
        if (rc < 0)
            return rc;
        target = cy_dict_get(c, key);
    }
    if (!target || target->container != CY_DICT || cy__is_any(target->type))
        return 0;
    const cy_type *tt = target->type;
    bool value_is_dict = val->kind == CY_DICT && !val->object;
    if (value_is_dict && tt->tag == CY_T_DICT)
        return 0;
    if (tt->tag == CY_T_DICT)
        return cy_error_set(CY_EVALIDATION, "ValidationError", "Cannot assign %s to %s",
                            cy__get_type_str(val), cy__type_str_nonopt(c->arena, tt));
    if (tt->tag == CY_T_STRUCT && !get_type_is_none(val, is_node) &&
        !(val->kind == CY_DICT && val->object == tt->schema))
        return cy_error_set(CY_EVALIDATION, "ValidationError",
                            "Invalid type assigned: %s is not a subclass of %s. value: %s",
                            cy__get_type_str(val), tt->schema->name, cy_node_pystr(val));
    return 0;
}

/* DictConfig._set_value / ListConfig._set_value: the container's content replaced. */
static int container_set_value(cy_node *n, const cy_node *val, bool is_node) {
    /* keep what is needed to restore the node on failure */
    cy_node saved = *n;
    int rc = 0;
    if (n->container == CY_DICT) {
        if ((rc = dict_validate_set(n, NULL, val, is_node, "ConfigKeyError")) < 0)
            return rc;
    } else if (val->kind == CY_NULL && !n->type->optional) {
        return cy_error_set(CY_EVALIDATION, "ValidationError",
                            "Non optional ListConfig cannot be constructed from None");
    }
    if (is_special(val)) {
        if (val->kind == CY_INTERP && cy_interp_check(val->v.str.s) < 0)
            return cy_error_last()->code;
        n->kind = val->kind;
        memset(&n->v, 0, sizeof n->v);
        if (val->kind != CY_NULL)
            n->v.str.s = val->kind == CY_MISSING ? "???" : cy_arena_strdup(n->arena, val->v.str.s);
        n->object = NULL;
        return 0;
    }
    if (n->container == CY_LIST && val->kind != CY_LIST)
        return cy_error_set(CY_EVALIDATION, "ValidationError",
                            "Invalid value assigned: %s is not a ListConfig, list or tuple.",
                            is_node ? cy__node_class(val) : cy_node_pytype(val));
    if (n->container == CY_DICT && val->kind != CY_DICT)
        return cy_error_set(CY_EVALIDATION, "ValidationError", "Unsupported value type: %s",
                            cy_node_pystr(val));
    /* Fresh content; a config value also resets the node's own flags (OmegaConf assigns the
     * flags argument, empty here, before copying). */
    n->kind = val->kind;
    memset(&n->v, 0, sizeof n->v);
    if (is_node && cy_node_is_container(val)) {
        n->flags[0] = n->flags[1] = CY_FLAG_UNSET;
    }
    /* construction happens with struct and readonly off on the node itself */
    int8_t fs = n->flags[CY_FLAG_STRUCT], fr = n->flags[CY_FLAG_READONLY];
    n->flags[CY_FLAG_STRUCT] = n->flags[CY_FLAG_READONLY] = CY_FLAG_FALSE;
    n->object = NULL;
    for (size_t i = 0; i < val->v.c.len && rc == 0; i++) {
        const cy_node *k = val->v.c.items[i];
        if (n->container == CY_LIST)
            rc = cy__list_append(n, k, is_node);
        else
            rc = cy__setitem(n, k->key, k->key_kind, k, is_node, "ConfigKeyError");
    }
    n->flags[CY_FLAG_STRUCT] = fs;
    n->flags[CY_FLAG_READONLY] = fr;
    if (rc < 0) {
        cy_node *p = n->parent;
        *n = saved;
        n->parent = p;
        return rc;
    }
    if (n->container == CY_DICT)
        n->object = is_node ? val->object : NULL;
    return 0;
}

static int dict_setitem(cy_node *c, const char *key, cy_key_kind kk, const cy_node *val,
                        bool is_node, const char *key_exc) {
    if (c->kind == CY_MISSING || c->kind == CY_INTERP) {
        /* OmegaConf fails here with a Python AttributeError (its content is a string) */
        cy_error_set(CY_EMISSING, "MissingMandatoryValue", "Cannot set key '%s' of a %s DictConfig",
                     key, c->kind == CY_MISSING ? "missing" : "interpolated");
        return cy_error_at(c, key);
    }
    int rc = dict_validate_set(c, key, val, is_node, key_exc);
    if (rc < 0)
        return cy_error_at(c, key);
    if (cy_node_flag(c, CY_FLAG_READONLY)) {
        cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                     "Cannot change read-only config container");
        return cy_error_at(c, key);
    }
    if ((rc = cy__dict_validate_get(c, key, key_exc)) < 0)
        return rc;
    cy_node *target = cy_dict_get(c, key);
    const cy_type *et = cy__elem_type(c);
    if (is_node && cy__is_typed_vnode(val))
        return assign(c, key, kk, -1, copy_in(c, val));
    bool special = is_special(val);
    bool should_set = target && (!cy__is_any(target->type) || (cy__is_anynode(target) && !is_node &&
                                                               !cy_node_is_container(val)));
    if (should_set) {
        rc = cy__set_value(target, val, is_node && !special);
        return rc < 0 ? cy_error_at(c, key) : 0;
    }
    if (is_node) {
        if ((special && is_container_or_struct_annotation(et)) || is_primitive_annotation(et)) {
            /* _get_value: value nodes and special containers give their plain value */
            bool still_node = cy_node_is_container(val) && !special;
            return wrap_and_set(c, key, kk, -1, val, still_node, et);
        }
        return assign(c, key, kk, -1, copy_in(c, val));
    }
    return wrap_and_set(c, key, kk, -1, val, false, et);
}

/* ---------------------------------------------------------------------------------------------
 * ListConfig
 */

static int list_validate_set(cy_node *c, long index, bool in_range, const cy_node *val,
                             bool is_node) {
    if (cy_node_flag(c, CY_FLAG_READONLY))
        return cy_error_set(CY_EREADONLY, "ReadonlyConfigError", "ListConfig is read-only");
    if (in_range) {
        cy_node *t = c->v.c.items[index];
        if (val->kind == CY_NULL && !is_node && !t->type->optional) {
            char *fk = cy__full_key_of(c, cy_arena_printf(c->arena, "%ld", index));
            cy_error_set(CY_EVALIDATION, "ValidationError",
                         "%s is not optional and cannot be assigned None", fk ? fk : "");
            free(fk);
            return CY_EVALIDATION;
        }
    }
    if (val->kind == CY_MISSING)
        return 0;
    const cy_type *et = cy__elem_type(c);
    bool optional = et ? et->optional : true;
    bool vnone = get_type_is_none(val, is_node);
    if ((vnone && !optional) || (et && et->tag == CY_T_STRUCT && !vnone &&
                                 !(val->kind == CY_DICT && val->object == et->schema)))
        return cy_error_set(CY_EVALIDATION, "ValidationError",
                            "Invalid type assigned: %s is not a subclass of %s. value: %s",
                            vnone ? "NoneType" : cy__get_type_str(val),
                            cy_type_string(c->arena, et ? et : &cy_type_any), cy_node_pystr(val));
    return 0;
}

/* _set_item_impl on a list slot that exists (or on the placeholder append() adds). */
static int list_set_slot_impl(cy_node *c, long index, const char *key, bool exists,
                              const cy_node *val, bool is_node);

static int list_set_slot(cy_node *c, long index, const char *key, bool exists, const cy_node *val,
                         bool is_node) {
    if (!key)
        key = cy_arena_printf(c->arena, "%ld", index);
    cy_node *before = exists ? c->v.c.items[index] : NULL;
    int rc = list_set_slot_impl(c, index, key, exists, val, is_node);
    if (rc == 0 && key[strspn(key, " \t")] == '-' && index < (long)cy_node_len(c) &&
        c->v.c.items[index] != before) {
        /* a node wrapped for a negative index keeps it as its key (OmegaConf normalises keys
         * only on insert/delete): full keys below it say [-1] */
        c->v.c.items[index]->key = key;
    }
    return rc;
}

static int list_set_slot_impl(cy_node *c, long index, const char *key, bool exists,
                              const cy_node *val, bool is_node) {
    if (cy_node_flag(c, CY_FLAG_READONLY)) {
        cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                     "Cannot change read-only config container");
        return cy_error_at(c, key);
    }
    cy_node *target = exists ? c->v.c.items[index] : NULL;
    const cy_type *et = cy__elem_type(c);
    if (is_node && cy__is_typed_vnode(val))
        return assign(c, key, CY_KEY_INT, index, copy_in(c, val));
    bool special = is_special(val);
    bool should_set = target && (!cy__is_any(target->type) || (cy__is_anynode(target) && !is_node &&
                                                               !cy_node_is_container(val)));
    if (should_set) {
        int rc = cy__set_value(target, val, is_node && !special);
        return rc < 0 ? cy_error_at(c, key) : 0;
    }
    if (is_node) {
        if ((special && is_container_or_struct_annotation(et)) || is_primitive_annotation(et)) {
            bool still_node = cy_node_is_container(val) && !special;
            return wrap_and_set(c, key, CY_KEY_INT, index, val, still_node, et);
        }
        return assign(c, key, CY_KEY_INT, index, copy_in(c, val));
    }
    return wrap_and_set(c, key, CY_KEY_INT, index, val, false, et);
}

int cy__list_append(cy_node *c, const cy_node *val, bool is_node) {
    long index = (long)cy_node_len(c);
    const char *key = cy_arena_printf(c->arena, "%ld", index);
    if (c->kind != CY_LIST) {
        cy_error_set(CY_ERROR, "ConfigAttributeError", "'%s' object has no attribute 'append'",
                     c->kind == CY_NULL ? "NoneType" : "str");
        return cy_error_at(c, key);
    }
    int rc = list_validate_set(c, index, false, val, is_node);
    if (rc < 0)
        return cy_error_at(c, key);
    return list_set_slot(c, index, NULL, false, val, is_node);
}

static int parse_index(const char *key, long len, long *out) {
    int64_t i;
    if (!cy__py_int(key, &i)) {
        cy_error_set(CY_EVALIDATION, "KeyValidationError",
                     "ListConfig indices must be integers or slices, not str");
        return CY_EVALIDATION;
    }
    if (i < 0)
        i += len;
    *out = (long)i;
    return 0;
}

/* ListConfig._get_node(index) with validate_access: the errors of a slot that cannot be
 * read. 0 when the slot exists. */
int cy__list_check_slot(const cy_node *c, const char *key, long index) {
    if (c->kind == CY_MISSING) {
        cy_error_set(CY_EMISSING, "MissingMandatoryValue",
                     "Cannot get_node from a missing ListConfig");
        return cy_error_at(c, key);
    }
    if (c->kind == CY_NULL) {
        cy_error_set(CY_ETYPE, "ConfigTypeError",
                     "Cannot get_node from a ListConfig object representing None");
        return cy_error_at(c, key);
    }
    if (c->kind != CY_LIST || index < 0 || (size_t)index >= c->v.c.len) {
        cy_error_set(CY_EINDEX, "ConfigIndexError", "list index out of range");
        return cy_error_at(c, key);
    }
    return 0;
}

static int list_setitem(cy_node *c, const char *key, const cy_node *val, bool is_node) {
    long index;
    long len = (long)cy_node_len(c);
    int rc = parse_index(key, len, &index);
    if (rc < 0)
        return cy_error_at(c, key);
    bool in_range = index >= 0 && index < len;
    /* _validate_set checks `0 <= key < len` on the index as written: a negative index skips
     * the not-optional check */
    bool raw_in_range = in_range && key[strspn(key, " \t")] != '-';
    if ((rc = list_validate_set(c, index, raw_in_range, val, is_node)) < 0)
        return cy_error_at(c, key);
    if (!in_range) {
        if (cy_node_flag(c, CY_FLAG_READONLY)) {
            cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                         "Cannot change read-only config container");
            return cy_error_at(c, key);
        }
        return cy__list_check_slot(c, key, index);
    }
    return list_set_slot(c, index, key, true, val, is_node);
}

int cy__setitem(cy_node *c, const char *key, cy_key_kind kk, const cy_node *val, bool is_node,
                const char *key_exc) {
    if (c->container == CY_LIST)
        return list_setitem(c, key, val, is_node);
    return dict_setitem(c, key, kk, val, is_node, key_exc);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 */

int cy_node_set(cy_node *container, const char *key, const cy_node *value) {
    if (!cy_node_is_container(container))
        return cy_error_set(CY_ETYPE, "ConfigTypeError", "'%s' is not a config container",
                            cy_node_full_key(container));
    return cy__setitem(container, key, CY_KEY_STR, value, false, "ConfigKeyError");
}

int cy_node_set_value(cy_node *n, const cy_node *value) {
    int rc = cy__set_value(n, value, false);
    if (rc < 0 && n->parent)
        return cy__error_at_child(n);
    return rc;
}

int cy_list_append(cy_node *list, const cy_node *value) {
    if (list->container != CY_LIST)
        return cy_error_set(CY_ETYPE, "ConfigTypeError", "'%s' is not a list",
                            cy_node_full_key(list));
    return cy__list_append(list, value, false);
}

int cy_node_delete(cy_node *c, const char *key) {
    if (c->container == CY_LIST) {
        if (cy_node_flag(c, CY_FLAG_READONLY)) {
            cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                         "Cannot delete item from read-only ListConfig");
            return cy_error_at(c, key);
        }
        long index, len = (long)cy_node_len(c);
        int rc = parse_index(key, len, &index);
        if (rc < 0)
            return cy_error_at(c, key);
        if (c->kind != CY_LIST || index < 0 || index >= len)
            return cy_error_set(CY_EINDEX, "IndexError", "list assignment index out of range");
        cy__remove_child(c, (size_t)index);
        return 0;
    }
    if (c->container != CY_DICT)
        return cy_error_set(CY_ETYPE, "ConfigTypeError", "'%s' is not a config container",
                            cy_node_full_key(c));
    if (cy_node_flag(c, CY_FLAG_READONLY)) {
        cy_error_set(CY_EREADONLY, "ReadonlyConfigError",
                     "DictConfig in read-only mode does not support deletion");
        return cy_error_at(c, key);
    }
    if (cy_node_flag(c, CY_FLAG_STRUCT)) {
        cy_error_set(CY_ETYPE, "ConfigTypeError",
                     "DictConfig in struct mode does not support deletion");
        return cy_error_at(c, key);
    }
    if (c->object && c->flags[CY_FLAG_STRUCT] != CY_FLAG_FALSE) {
        cy_error_set(CY_ETYPE, "ConfigTypeError", "%s (DictConfig) does not support deletion",
                     c->object->name);
        return cy_error_at(c, key);
    }
    long i = cy__dict_find(c, key);
    if (i < 0) {
        cy_error_set(CY_EKEY, "ConfigKeyError", "Key not found: '%s'", key);
        return cy_error_at(c, key);
    }
    cy__remove_child(c, (size_t)i);
    return 0;
}
