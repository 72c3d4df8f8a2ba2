/*
 * merge.c - merging configs (basecontainer._map_merge/_list_merge, merge_with, OmegaConf.merge)
 * and OmegaConf.update.
 *
 * Dicts merge key by key, lists are replaced, ??? in the source never overwrites, null and
 * interpolations in the source replace, structured dicts keep their schema (a new key under a
 * dict whose element type is structured starts from the schema's defaults), and explicit flags
 * of the source replace the destination's. Errors raised without a key (type mismatches between
 * whole configs) are reported at the node merge_with was called on, as OmegaConf's
 * format_and_raise in merge_with does; errors of a single value carry its own key.
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/schema.h"
#include "node_internal.h"

static bool is_special(const cy_node *v) {
    return v->kind == CY_NULL || v->kind == CY_MISSING || v->kind == CY_INTERP;
}

/* _maybe_dereference_node: the node an interpolation points to, or NULL when it cannot be
 * resolved (the error is forgotten, as throw_on_resolution_failure=False does). */
static const cy_node *maybe_deref(const cy_node *n) {
    if (n->kind != CY_INTERP)
        return n;
    if (!n->parent)
        return NULL;
    const cy_node *r = NULL;
    if (cy__interp_resolve(n, &r) < 0) {
        cy_error_clear();
        return NULL;
    }
    return r;
}

/* _is_none(node, resolve=True, throw_on_resolution_failure=False) */
static bool is_none_resolved(const cy_node *n) {
    if (n->kind == CY_NULL)
        return true;
    if (n->kind != CY_INTERP)
        return false;
    const cy_node *r = maybe_deref(n);
    return r && r->kind == CY_NULL;
}

/* The "object_type" metadata of a node as _validate_merge reads it: a structured dict's
 * schema, dict, list, a typed value node's type; NULL (None) for AnyNode and special
 * containers. Returns true when it is neither dict nor None. */
static bool object_type_not_dict_or_none(const cy_node *n) {
    if (n->container == CY_DICT)
        return n->kind == CY_DICT && n->object;
    if (n->container == CY_LIST)
        return !is_special(n);
    return cy__is_typed_vnode(n);
}

/* A struct-typed prototype with every field at its default, of type t, in arena. */
static int prototype(cy_node **out, cy_arena *a, const cy_type *t) {
    cy_node *p;
    int rc = cy__schema_instantiate(&p, a, t->schema);
    if (rc < 0)
        return rc;
    const cy_schema *obj = p->object;
    cy_node_set_type(p, t);
    p->object = obj ? obj : t->schema;
    *out = p;
    return 0;
}

/* expand(): a dict that holds null, ??? or an interpolation becomes an empty dict, or the
 * defaults of its schema. */
static int expand(cy_node *n) {
    const cy_type *rt = n->type;
    if (rt->tag == CY_T_STRUCT) {
        cy_node *p;
        int rc = prototype(&p, n->arena, rt);
        if (rc < 0)
            return rc;
        cy__take_value(n, p);
        n->object = rt->schema;
        return 0;
    }
    memset(&n->v, 0, sizeof n->v);
    n->object = NULL;
    n->kind = (rt->tag == CY_T_LIST || n->container == CY_LIST) ? CY_LIST : CY_DICT;
    return 0;
}

static bool same_schema(const cy_node *v, const cy_schema *s) {
    return v->kind == CY_DICT && v->object == s;
}

/* DictConfig._validate_merge(src) with dest a DictConfig. */
static int validate_merge(cy_node *dest, const cy_node *src) {
    if (is_none_resolved(src) && !dest->type->optional) {
        char *fk = cy__full_key_of(dest, NULL);
        cy_error_set(CY_EVALIDATION, "ValidationError", "field '%s' is not Optional", fk ? fk : "");
        free(fk);
        return cy_error_at(dest, NULL);
    }
    if (dest->kind == CY_MISSING && object_type_not_dict_or_none(src)) {
        /* _validate_set(key=None, value=_get_value(src)) against dest's own type */
        const cy_type *tt = dest->type;
        if (!cy__is_any(tt) && src->kind != CY_INTERP && src->kind != CY_MISSING &&
            src->kind != CY_NULL) {
            if (tt->tag == CY_T_DICT && !(src->kind == CY_DICT && !src->object))
                return cy_error_set(CY_EVALIDATION, "ValidationError", "Cannot assign %s to %s",
                                    cy__get_type_str(src), cy__type_str_nonopt(dest->arena, tt));
            if (tt->tag == CY_T_STRUCT && !same_schema(src, tt->schema))
                return cy_error_set(CY_EVALIDATION, "ValidationError",
                                    "Invalid type assigned: %s is not a subclass of %s. value: %s",
                                    cy__get_type_str(src), tt->schema->name, cy_node_pystr(src));
        }
    }
    if (src->kind == CY_MISSING)
        return 0;
    const cy_schema *dest_obj = (dest->kind == CY_DICT) ? dest->object : NULL;
    bool src_obj_none =
        src->container == CY_DICT && (src->kind == CY_NULL || src->kind == CY_MISSING);
    if (dest_obj && !src_obj_none && src->kind != CY_NULL) {
        bool src_is_dict = src->container == CY_DICT && !(src->kind == CY_DICT && src->object);
        if (!src_is_dict && !same_schema(src, dest_obj))
            return cy_error_set(CY_EVALIDATION, "ValidationError",
                                "Merge error: %s is not a subclass of %s. value: %s",
                                src->container == CY_DICT
                                    ? (src->object ? src->object->name : "dict")
                                    : cy__get_type_str(src),
                                dest_obj->name, cy_node_pystr(src));
    }
    return 0;
}

/* _update_types(node, ref_type, object_type) */
static int update_types(cy_node *n, const cy_node *src) {
    if (src->kind == CY_DICT && src->object)
        n->object = src->object;
    if (cy__is_any(n->type) && !cy__is_any(src->type)) {
        const cy_schema *obj = n->object;
        int rc = cy__deep_update_type_hint(n, src->type);
        n->object = (n->kind == CY_DICT) ? (obj ? obj : n->object) : NULL;
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void copy_flags(cy_node *dest, const cy_node *src) {
    for (int f = 0; f < 2; f++)
        if (src->flags[f] != CY_FLAG_UNSET)
            dest->flags[f] = src->flags[f];
}

static int merge_inner(cy_node *dest, const cy_node *src);

static int map_merge(cy_node *dest, const cy_node *src) {
    int rc;
    if (src->kind == CY_NULL || src->kind == CY_INTERP) {
        if ((rc = cy__set_value(dest, src, false)) < 0)
            return rc;
        return update_types(dest, src);
    }
    if ((rc = validate_merge(dest, src)) < 0)
        return rc;

    if (src->kind == CY_MISSING && dest->kind != CY_MISSING && src->type->tag == CY_T_STRUCT &&
        !src->type->optional) {
        /* (an Optional[...] hint is not a structured config to is_structured_config) */
        /* a prototype of src's schema whose fields are all ??? (nothing in dest is
         * overwritten, but dest gains the fields it lacks) */
        cy_node *p;
        if ((rc = prototype(&p, dest->arena, src->type)) < 0)
            return rc;
        cy_node *m = cy_new_missing(dest->arena);
        for (size_t i = 0; i < p->v.c.len; i++)
            if ((rc = cy__set_value(p->v.c.items[i], m, false)) < 0)
                return rc;
        p->object = NULL;
        src = p;
    }
    if ((dest->kind == CY_INTERP || dest->kind == CY_MISSING) && src->kind != CY_MISSING)
        if ((rc = expand(dest)) < 0)
            return rc;

    size_t nsrc = src->kind == CY_DICT ? src->v.c.len : 0;
    for (size_t i = 0; i < nsrc; i++) {
        const cy_node *s = src->v.c.items[i];
        const char *key = s->key;
        cy_node *d = cy_dict_get(dest, key);
        bool s_missing = s->kind == CY_MISSING;

        if (d && d->container == CY_DICT)
            if ((rc = validate_merge(d, s)) < 0)
                return rc;
        if (d && cy_node_is_container(d) && d->kind == CY_NULL && !s_missing) {
            /* _is_none(src_node, resolve=True): here a failing resolution raises */
            bool none = s->kind == CY_NULL;
            if (s->kind == CY_INTERP) {
                const cy_node *r;
                if ((rc = cy__interp_resolve(s, &r)) < 0) {
                    if (strcmp(cy_error_last()->exc, "InterpolationValidationError") != 0)
                        cy__error_drop_key();
                    return rc;
                }
                none = r->kind == CY_NULL;
            }
            if (!none && (rc = expand(d)) < 0)
                return rc;
        }
        if (d && d->kind == CY_INTERP) {
            const cy_node *t = maybe_deref(d);
            if (t && cy_node_is_container(t) && t->kind != CY_INTERP) {
                if ((rc = cy__setitem(dest, key, s->key_kind, t, true, "ConfigKeyError")) < 0)
                    return rc;
                d = cy_dict_get(dest, key);
            }
        }
        const cy_type *et = cy__elem_type(dest);
        if (!d && et && et->tag == CY_T_STRUCT && !s_missing) {
            cy_node *p;
            if ((rc = prototype(&p, dest->arena, et)) < 0)
                return rc;
            if ((rc = cy__setitem(dest, key, s->key_kind, p, true, "ConfigKeyError")) < 0)
                return rc;
            d = cy_dict_get(dest, key);
        }
        if (d) {
            if (cy_node_is_container(d)) {
                if (cy_node_is_container(s))
                    rc = merge_inner(d, s);
                else if (!s_missing)
                    rc = cy__setitem(dest, key, s->key_kind, s, true, "ConfigKeyError");
            } else if (cy_node_is_container(s)) {
                rc = cy__setitem(dest, key, s->key_kind, s, true, "ConfigKeyError");
            } else if (cy__is_anynode(d)) {
                if (s_missing) {
                    /* src's node type validates dest's value: copy.copy(src)._set_value */
                    cy_node *c = cy_node_copy(dest->arena, s);
                    c->parent = (cy_node *)s->parent;
                    rc = cy__set_value(c, d, false);
                    c->parent = NULL;
                    if (rc < 0) {
                        /* reported with the source's value, ??? */
                        cy__error_resubstitute("???", "str");
                        return cy_error_at(dest, key);
                    }
                    rc = cy__setitem(dest, key, s->key_kind, c, true, "ConfigKeyError");
                } else {
                    rc = cy__setitem(dest, key, s->key_kind, s, true, "ConfigKeyError");
                }
            } else if (!s_missing) {
                rc = cy__set_value(d, s, false);
                if (rc < 0)
                    return cy_error_at(dest, key);
            }
        } else if (src->kind == CY_DICT && src->object) {
            /* a structured source adds its keys with open_dict(dest) */
            int8_t saved = dest->flags[CY_FLAG_STRUCT];
            dest->flags[CY_FLAG_STRUCT] = CY_FLAG_FALSE;
            rc = cy__setitem(dest, key, s->key_kind, s, true, "ConfigKeyError");
            dest->flags[CY_FLAG_STRUCT] = saved;
        } else {
            rc = cy__setitem(dest, key, s->key_kind, s, true, "ConfigKeyError");
        }
        if (rc < 0)
            return rc;
    }
    if ((rc = update_types(dest, src)) < 0)
        return rc;
    copy_flags(dest, src);
    return 0;
}

static int list_merge(cy_node *dest, const cy_node *src) {
    int rc;
    if (src->kind == CY_NULL) {
        if ((rc = cy__set_value(dest, src, false)) < 0)
            return rc;
    } else if (src->kind == CY_MISSING) {
        /* dest keeps its items; an untyped dest takes src's element type */
        if (dest->type->tag == CY_T_LIST && !dest->type->elem && src->type->tag == CY_T_LIST &&
            src->type->elem) {
            cy_type *t = cy_arena_alloc(dest->arena, sizeof *t);
            *t = *dest->type;
            t->elem = src->type->elem;
            dest->type = t;
        } else if (dest->type->tag == CY_T_ANY && src->type->tag == CY_T_LIST && src->type->elem) {
            /* element_type set while ref_type stays Any: appends are checked, messages show
             * no reference type */
            cy_type *t = cy_arena_alloc(dest->arena, sizeof *t);
            *t = cy_type_list_any;
            t->elem = src->type->elem;
            dest->type = t;
        }
    } else if (src->kind == CY_INTERP) {
        if ((rc = cy__set_value(dest, src, false)) < 0)
            return rc;
    } else {
        /* items appended to a temporary list with dest's metadata, then swapped in */
        cy_node *tmp = cy__node_shell(dest->arena, dest);
        tmp->kind = CY_LIST;
        tmp->parent = dest->parent;
        tmp->key = dest->key;
        if (dest->parent && dest->parent->container == CY_LIST && !tmp->key)
            tmp->key = cy_arena_printf(dest->arena, "%ld", cy_node_index(dest));
        const cy_type *et = cy__elem_type(dest);
        for (size_t i = 0; i < src->v.c.len; i++) {
            const cy_node *item = src->v.c.items[i];
            bool is_node = cy_node_is_container(item) && item->kind != CY_NULL;
            if (et && et->tag == CY_T_STRUCT && item->container == CY_DICT && is_node) {
                /* OmegaConf.merge(prototype, item): errors are relative to the prototype */
                cy_node *p;
                if ((rc = prototype(&p, dest->arena, et)) < 0)
                    return rc;
                if ((rc = merge_inner(p, item)) < 0)
                    return cy_error_at(p, NULL);
                item = p;
            }
            if ((rc = cy__list_append(tmp, item, is_node)) < 0)
                return rc;
        }
        dest->kind = CY_LIST;
        dest->v = tmp->v;
        for (size_t i = 0; i < dest->v.c.len; i++)
            dest->v.c.items[i]->parent = dest;
    }
    copy_flags(dest, src);
    return 0;
}

/* _merge_with(src) without the final format_and_raise */
static int merge_inner(cy_node *dest, const cy_node *src) {
    if (dest->container == CY_DICT && src->container == CY_DICT)
        return map_merge(dest, src);
    if (dest->container == CY_LIST && src->container == CY_LIST)
        return list_merge(dest, src);
    if (!cy_node_is_container(src))
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "Invalid input. Supports one of [dict,list,DictConfig,ListConfig,"
                            "dataclass,dataclass instance,attr class,attr class instance]");
    return cy_error_set(CY_ETYPE, "ConfigTypeError", "Cannot merge DictConfig with ListConfig");
}

int cy_merge(cy_node *dest, const cy_node *src) {
    if (!src)
        return cy_error_set(CY_EVALIDATION, "ValueError", "Cannot merge with a None config");
    if (!cy_node_is_container(dest))
        return cy_error_set(CY_ETYPE, "ConfigTypeError", "'%s' is not a config container",
                            cy_node_full_key(dest));
    int rc = merge_inner(dest, src);
    if (rc < 0)
        return cy_error_at(dest, NULL);
    return 0;
}

int cy_merge_new(cy_node **out, cy_arena *arena, const cy_node *const *configs, size_t n) {
    if (n == 0)
        return cy_error_set(CY_EVALIDATION, "ValueError", "nothing to merge");
    cy_node *t = cy_node_copy(arena, configs[0]);
    t->parent = NULL;
    if (!cy_node_is_container(t))
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "Invalid input. Supports one of [dict,list,DictConfig,ListConfig,"
                            "dataclass,dataclass instance,attr class,attr class instance]");
    int8_t saved = t->flags[CY_FLAG_READONLY];
    t->flags[CY_FLAG_READONLY] = CY_FLAG_FALSE;
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++)
        rc = cy_merge(t, configs[i]);
    bool turned_readonly = cy_node_flag(t, CY_FLAG_READONLY);
    t->flags[CY_FLAG_READONLY] = saved;
    if (rc < 0)
        return rc;
    if (turned_readonly)
        t->flags[CY_FLAG_READONLY] = CY_FLAG_TRUE;
    *out = t;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * OmegaConf.update
 */

int cy_update(cy_node *root, const char *key, const cy_node *value, unsigned flags) {
    bool force_add = flags & CY_UPDATE_FORCE_ADD, merge = flags & CY_UPDATE_MERGE;
    size_t nparts;
    char **parts = cy__split_key(key, &nparts);
    if (!parts)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    int rc = 0;
    cy_node *c = root;
    cy_node *empty = cy_new_dict(root->arena);
    for (size_t i = 0; i + 1 < nparts && rc == 0; i++) {
        const char *k = parts[i];
        const cy_node *next = NULL;
        if ((rc = cy__select_one(c, k, false, true, &next)) < 0)
            break;
        if (!next || !cy_node_is_container(next)) {
            int8_t saved = c->flags[CY_FLAG_STRUCT];
            if (force_add)
                c->flags[CY_FLAG_STRUCT] = CY_FLAG_FALSE;
            rc = cy__setitem(c, k, CY_KEY_STR, empty, false, "ConfigKeyError");
            if (force_add)
                c->flags[CY_FLAG_STRUCT] = saved;
            if (rc < 0)
                break;
        }
        /* root[key]: read with resolution */
        const cy_node *got;
        if ((rc = cy__getitem(c, k, &got)) < 0)
            break;
        if (!cy_node_is_container(got) || is_special(got)) {
            rc = cy_error_set(CY_ETYPE, "ConfigTypeError", "Unexpected type for root: %s",
                              cy_node_pytype(got));
            break;
        }
        c = (cy_node *)got;
    }
    if (rc == 0) {
        const char *last = parts[nparts - 1];
        if (c->container == CY_LIST) {
            int64_t idx;
            if (!cy__py_int(last, &idx))
                rc = cy_error_set(CY_EVALIDATION, "ValueError",
                                  "invalid literal for int() with base 10: '%s'", last);
        }
        int8_t saved = c->flags[CY_FLAG_STRUCT];
        if (rc == 0 && force_add)
            c->flags[CY_FLAG_STRUCT] = CY_FLAG_FALSE;
        bool done = false;
        if (rc == 0 && merge && cy_node_is_container(value)) {
            cy_node *node = NULL;
            if (c->container == CY_DICT) {
                if ((rc = cy__dict_validate_get(c, last, "ConfigAttributeError")) == 0)
                    node = cy_dict_get(c, last);
            } else {
                int64_t idx = 0;
                cy__py_int(last, &idx);
                if (idx < 0)
                    idx += (int64_t)cy_node_len(c);
                if ((rc = cy__list_check_slot(c, last, (long)idx)) == 0)
                    node = c->v.c.items[idx];
            }
            if (rc == 0 && node && cy_node_is_container(node)) {
                rc = cy_merge(node, value);
                done = true;
            }
        }
        if (rc == 0 && !done)
            rc = cy__setitem(c, last, CY_KEY_STR, value, false, "ConfigAttributeError");
        if (force_add)
            c->flags[CY_FLAG_STRUCT] = saved;
    }
    for (size_t i = 0; i < nparts; i++)
        free(parts[i]);
    free(parts);
    return rc;
}
