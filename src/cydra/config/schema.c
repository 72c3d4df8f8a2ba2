/*
 * schema.c - structured configs declared in C: instantiating a schema as a typed tree, and binding
 * a composed tree back onto the C struct.
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "node_internal.h"

size_t cy_schema_nfields(const cy_schema *s) {
    size_t n;
    s->fields(&n);
    return n;
}

const cy_field *cy_schema_field(const cy_schema *s, size_t i) {
    size_t n;
    const cy_field *f = s->fields(&n);
    return i < n ? &f[i] : NULL;
}

const cy_field *cy_schema_find(const cy_schema *s, const char *name) {
    size_t n;
    const cy_field *f = s->fields(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

/* The raw (untyped) node a default text stands for. */
static int parse_default(cy_node **out, cy_arena *a, const cy_field *f) {
    const char *def = f->def;
    if (def == NULL || strcmp(def, CY_DEF_MISSING) == 0) {
        *out = cy_new_missing(a);
        return 0;
    }
    if (strcmp(def, CY_DEF_NONE) == 0) {
        *out = cy_new_null(a);
        return 0;
    }
    if (f->type.tag == CY_T_STR) {
        *out = cy_new_str(a, def);
        return 0;
    }
    if (strcmp(def, "[]") == 0 || strcmp(def, "{}") == 0) {
        /* the common empty defaults, without starting a YAML parser */
        *out = def[0] == '[' ? cy_new_list(a) : cy_new_dict(a);
        return 0;
    }
    if (def[0] == '[' || def[0] == '{') {
        int rc = cy_yaml_load_str(out, a, def, strlen(def), f->name, NULL);
        if (rc < 0)
            return cy_error_wrap("Invalid default of field '%s'", f->name);
        return 0;
    }
    *out = cy_yaml_plain_scalar(a, def);
    return 0;
}

int cy_field_default(cy_node **out, cy_arena *a, const cy_field *f) {
    cy_node *raw, *node;
    int rc;

    if (f->type.tag == CY_T_STRUCT && f->def && strncmp(f->def, "${", 2) == 0) {
        /* an interpolation as a nested config's default (OmegaConf: `other: Sub = "${sub}"`) */
        node = cy_new_str(a, f->def);
        cy_node_set_type(node, &f->type);
    } else if (f->type.tag == CY_T_STRUCT &&
               (f->def == NULL ||
                (strcmp(f->def, CY_DEF_MISSING) != 0 && strcmp(f->def, CY_DEF_NONE) != 0))) {
        /* A nested structured config: the nested schema's defaults, with this field's default
         * (a flow mapping) merged on top, as StepLRConf(step_size=1) does in Python. */
        if ((rc = cy_schema_instantiate(&node, a, f->type.schema)) < 0)
            return rc;
        if (f->def && f->def[0]) {
            if ((rc = parse_default(&raw, a, f)) < 0)
                return rc;
            if ((rc = cy_merge(node, raw)) < 0)
                return cy_error_wrap("Invalid default of field '%s'", f->name);
        }
        cy_node_set_type(node, &f->type);
    } else {
        if ((rc = parse_default(&raw, a, f)) < 0)
            return rc;
        if ((rc = cy__convert(&node, a, &f->type, raw)) < 0)
            return cy_error_wrap("Invalid default of field '%s'", f->name);
        cy_node_set_type(node, &f->type);
    }
    node->help = f->help;
    *out = node;
    return 0;
}

int cy_schema_instantiate(cy_node **out, cy_arena *a, const cy_schema *s) {
    size_t n;
    const cy_field *fields = s->fields(&n);
    cy_node *d = cy_new_dict(a);
    /* As OmegaConf.structured: the object type is the schema, the declared type Any (a field of
     * this type gets the schema as its declared type from cy_field_default). */
    cy_node_set_type(d, s->type);
    d->type = &cy_type_any;
    d->help = s->help;
    for (size_t i = 0; i < n; i++) {
        cy_node *child;
        int rc = cy_field_default(&child, a, &fields[i]);
        if (rc < 0)
            return rc;
        cy_dict_put(d, fields[i].name, child);
    }
    *out = d;
    return 0;
}

int cy__schema_instantiate(cy_node **out, cy_arena *a, const struct cy_schema *s) {
    return cy_schema_instantiate(out, a, s);
}

/* ---------------------------------------------------------------------------------------------
 * Binding
 */

/* The node's value resolved and converted to `type`, or an error naming its key. */
static int resolved_as(const cy_node *n, const cy_type *type, cy_node **out) {
    const cy_node *v;
    int rc = cy_node_resolve(n, &v);
    if (rc < 0)
        return rc;
    if (v->kind == CY_NULL && !type->optional) {
        cy_error_set(CY_EVALIDATION, "ValidationError", "field '%s' is not Optional",
                     cy_node_full_key(n));
        return cy_error_at(n->parent, n->key);
    }
    if ((rc = cy__convert(out, n->arena, type, v)) < 0)
        return cy_error_at(n->parent, n->key ? n->key : NULL);
    return 0;
}

int cy_node_as_int(const cy_node *n, int64_t *out) {
    cy_node *v;
    int rc = resolved_as(n, &cy_type_int, &v);
    if (rc == 0)
        *out = v->v.i;
    return rc;
}

int cy_node_as_float(const cy_node *n, double *out) {
    cy_node *v;
    int rc = resolved_as(n, &cy_type_float, &v);
    if (rc == 0)
        *out = v->v.f;
    return rc;
}

int cy_node_as_bool(const cy_node *n, bool *out) {
    cy_node *v;
    int rc = resolved_as(n, &cy_type_bool, &v);
    if (rc == 0)
        *out = v->v.b;
    return rc;
}

int cy_node_as_str(const cy_node *n, const char **out) {
    cy_node *v;
    int rc = resolved_as(n, &cy_type_str, &v);
    if (rc == 0)
        *out = v->v.str.s;
    return rc;
}

static int bind_field(char *p, const cy_field *f, const cy_node *child) {
    cy_node *v;
    const cy_node *r;
    int rc;

    switch (f->bind) {
    case CY_BIND_NODE:
        *(const cy_node **)p = child;
        return 0;
    case CY_BIND_INT:
    case CY_BIND_FLOAT:
    case CY_BIND_BOOL:
    case CY_BIND_STR:
    case CY_BIND_ENUM:
        if ((rc = resolved_as(child, &f->type, &v)) < 0)
            return rc;
        if (v->kind == CY_NULL) { /* OPT_STR binds as STR: NULL for None */
            *(const char **)p = NULL;
            return 0;
        }
        switch (f->bind) {
        case CY_BIND_INT:
            *(int64_t *)p = v->v.i;
            break;
        case CY_BIND_FLOAT:
            *(double *)p = v->v.f;
            break;
        case CY_BIND_BOOL:
            *(bool *)p = v->v.b;
            break;
        case CY_BIND_STR:
            *(const char **)p = v->v.str.s;
            break;
        default:
            *(int *)p = (int)v->v.str.ei;
            break;
        }
        return 0;
    case CY_BIND_OPT_INT:
    case CY_BIND_OPT_FLOAT:
    case CY_BIND_OPT_BOOL:
    case CY_BIND_OPT_ENUM:
        if ((rc = resolved_as(child, &f->type, &v)) < 0)
            return rc;
        if (f->bind == CY_BIND_OPT_FLOAT) {
            cy_opt_float *o = (cy_opt_float *)p;
            o->has = v->kind != CY_NULL;
            o->value = o->has ? v->v.f : 0;
        } else if (f->bind == CY_BIND_OPT_BOOL) {
            cy_opt_bool *o = (cy_opt_bool *)p;
            o->has = v->kind != CY_NULL;
            o->value = o->has && v->v.b;
        } else {
            cy_opt_int *o = (cy_opt_int *)p;
            o->has = v->kind != CY_NULL;
            o->value = !o->has ? 0 : f->bind == CY_BIND_OPT_ENUM ? v->v.str.ei : v->v.i;
        }
        return 0;
    case CY_BIND_STRUCT:
    case CY_BIND_OPT_STRUCT:
        if ((rc = cy_node_resolve(child, &r)) < 0)
            return rc;
        if (r->kind == CY_NULL) {
            if (f->bind == CY_BIND_OPT_STRUCT) {
                *(void **)p = NULL;
                return 0;
            }
            cy_error_set(CY_EVALIDATION, "ValidationError", "field '%s' is not Optional",
                         cy_node_full_key(child));
            return cy_error_at(child->parent, child->key);
        }
        if (r->kind != CY_DICT) {
            cy_error_set(CY_EVALIDATION, "ValidationError",
                         "Invalid type assigned: %s is not a subclass of %s. value: %s",
                         cy_node_pytype(r), f->type.schema->name, cy_node_pystr(r));
            return cy_error_at(child->parent, child->key);
        }
        if (f->bind == CY_BIND_OPT_STRUCT) {
            void *mem = cy_arena_alloc(child->arena, f->type.schema->size);
            *(void **)p = mem;
            p = mem;
        }
        return cy_bind(p, f->type.schema, r);
    }
    return cy_error_set(CY_ERROR, NULL, "unknown binding kind for field '%s'", f->name);
}

int cy_bind(void *out, const cy_schema *s, const cy_node *cfg) {
    size_t n;
    const cy_field *fields = s->fields(&n);
    memset(out, 0, s->size);
    for (size_t i = 0; i < n; i++) {
        const cy_node *child = cy_dict_get(cfg, fields[i].name);
        if (!child && strcmp(fields[i].name, "defaults") == 0) {
            /* a structured config's defaults list is consumed by composition, which removes it
             * from the composed config: nothing to bind */
            if (fields[i].bind == CY_BIND_NODE)
                *(const cy_node **)((char *)out + fields[i].offset) = NULL;
            continue;
        }
        if (!child) {
            cy_error_set(CY_EKEY, "ConfigAttributeError", "Key '%s' not in '%s'", fields[i].name,
                         s->name);
            return cy_error_at(cfg, fields[i].name);
        }
        int rc = bind_field((char *)out + fields[i].offset, &fields[i], child);
        if (rc < 0)
            return rc;
    }
    return 0;
}
