/*
 * twins.h - C twins of tests/oracle/catalog_targets.py for the instantiate tests.
 *
 * Each target's factory returns an object of type "rec" holding the call as Python's repr of the
 * twin shows it ("Point(x=1, y=2)", "add(a=[1, Point(x=0, y=2)], b=1)"), so a result compares
 * with the golden text directly. Arguments are rendered as Python's repr of what the target
 * received: config values as their DictConfig/ListConfig repr, nested objects as their repr.
 */
#ifndef CY_INSTANTIATE_TWINS_H
#define CY_INSTANTIATE_TWINS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/instantiate.h"

/* A growable string for the reprs. */
typedef struct tw_buf {
    char *s;
    size_t len, cap;
} tw_buf;

static inline void tw_put(tw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tw_put(tw_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static inline void tw_repr_str(tw_buf *b, const char *s) {
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    tw_put(b, "%c", q);
    for (; *s; s++) {
        if (*s == q || *s == '\\')
            tw_put(b, "\\%c", *s);
        else if (*s == '\n')
            tw_put(b, "\\n");
        else
            tw_put(b, "%c", *s);
    }
    tw_put(b, "%c", q);
}

/* The repr of an object built by these twins (or a partial/config object). */
static inline const char *tw_object_repr(const cy_object *o) {
    const char *r = cy_object_ptr(o, "rec");
    return r ? r : cy_object_is_partial(o) ? "<partial>" : "<object>";
}

/* Python's repr of a config value as a target receives it; nested objects via lookup (the call
 * or, for config results, the object). */
typedef cy_object *(*tw_lookup)(const void *ctx, const cy_node *n);

static inline void tw_repr_node(tw_buf *b, const cy_node *n, tw_lookup lookup, const void *ctx) {
    const cy_node *v = n;
    if (n->kind == CY_INTERP && cy_node_resolve(n, &v) < 0) {
        cy_error_clear();
        tw_put(b, "<interpolation error>");
        return;
    }
    cy_object *o = lookup ? lookup(ctx, v) : NULL;
    if (o) {
        tw_put(b, "%s", tw_object_repr(o));
        return;
    }
    char fb[32];
    switch (v->kind) {
    case CY_NULL:
        tw_put(b, "None");
        break;
    case CY_MISSING:
        tw_put(b, "'?\?\?'"); /* ??? (written so as to avoid a trigraph) */
        break;
    case CY_BOOL:
        tw_put(b, "%s", v->v.b ? "True" : "False");
        break;
    case CY_INT:
        tw_put(b, "%lld", (long long)v->v.i);
        break;
    case CY_FLOAT:
        tw_put(b, "%s", cy_float_repr(v->v.f, fb));
        break;
    case CY_STR:
    case CY_ENUM:
    case CY_INTERP:
        tw_repr_str(b, v->v.str.s);
        break;
    case CY_DICT:
        tw_put(b, "{");
        for (size_t i = 0; i < cy_node_len(v); i++) {
            const cy_node *c = cy_node_child(v, i);
            tw_put(b, "%s", i ? ", " : "");
            tw_repr_str(b, c->key);
            tw_put(b, ": ");
            tw_repr_node(b, c, lookup, ctx);
        }
        tw_put(b, "}");
        break;
    case CY_LIST:
        tw_put(b, "[");
        for (size_t i = 0; i < cy_node_len(v); i++) {
            tw_put(b, "%s", i ? ", " : "");
            tw_repr_node(b, cy_node_child(v, i), lookup, ctx);
        }
        tw_put(b, "]");
        break;
    }
}

static inline cy_object *tw_call_lookup(const void *ctx, const cy_node *n) {
    return cy_call_nested((const cy_call *)ctx, n);
}

static inline cy_object *tw_object_lookup(const void *ctx, const cy_node *n) {
    return cy_object_nested((const cy_object *)ctx, n);
}

static inline void tw_repr_arg(tw_buf *b, const cy_call *call, const cy_arg *a) {
    if (a->object)
        tw_put(b, "%s", tw_object_repr(a->object));
    else if (a->ptr)
        tw_put(b, "<%s>", a->ptr_type ? a->ptr_type : "ptr");
    else if (a->node)
        tw_repr_node(b, a->node, tw_call_lookup, call);
    else
        tw_put(b, "<nothing>");
}

/* The twins' factory: "<name>(k=v, ...)" in the call's argument order. userdata is the name. */
static inline int tw_factory(cy_object **out, const cy_call *call, void *userdata) {
    tw_buf b = {0};
    tw_put(&b, "%s(", (const char *)userdata);
    for (size_t i = 0; i < call->nargs; i++) {
        tw_put(&b, "%s%s=", i ? ", " : "", call->args[i].name);
        tw_repr_arg(&b, call, &call->args[i]);
    }
    tw_put(&b, ")");
    *out = cy_object_new("rec", b.s, free);
    return 0;
}

/* fail(x, why='bad'): ValueError for negative x, as the Python twin. */
static inline int tw_fail(cy_object **out, const cy_call *call, void *userdata) {
    int64_t x;
    const char *why;
    int rc;
    if ((rc = cy_call_int(call, "x", &x)) < 0 || (rc = cy_call_str(call, "why", &why)) < 0)
        return rc;
    if (x < 0)
        return cy_error_set(CY_ERROR, "ValueError", "x must be >= 0, it's %lld (\"%s\")",
                            (long long)x, why);
    return tw_factory(out, call, userdata);
}

#define TW_POINT(X)                                                                                \
    X(STR, _target_, "catalog_targets.Point", "the class")                                         \
    X(ANY, x, CY_DEF_MISSING, "x") X(ANY, y, "2", "y")
CY_STRUCT(TwPoint, TW_POINT)
CY_SCHEMA(TwPoint, TW_POINT, "Point(x, y=2)")

#define TW_BOX(X)                                                                                  \
    X(ANY, width, CY_DEF_MISSING, "w")                                                             \
    X(ANY, height, CY_DEF_MISSING, "h") X(ANY, depth, CY_DEF_MISSING, "d")
CY_STRUCT(TwBox, TW_BOX)
CY_SCHEMA(TwBox, TW_BOX, "Box(width, height, depth)")

#define TW_ADD(X) X(ANY, a, CY_DEF_MISSING, "a") X(ANY, b, "1", "b")
CY_STRUCT(TwAdd, TW_ADD)
CY_SCHEMA(TwAdd, TW_ADD, "add(a, b=1)")

#define TW_THREE(X)                                                                                \
    X(ANY, a, CY_DEF_MISSING, "a") X(ANY, b, CY_DEF_MISSING, "b") X(ANY, c, CY_DEF_MISSING, "c")
CY_STRUCT(TwThree, TW_THREE)
CY_SCHEMA(TwThree, TW_THREE, "three(a, b, c)")

#define TW_ONLY(X) X(ANY, a, CY_DEF_MISSING, "a")
CY_STRUCT(TwOnly, TW_ONLY)
CY_SCHEMA(TwOnly, TW_ONLY, "only(a)")

#define TW_FAIL(X) X(ANY, x, CY_DEF_MISSING, "x") X(ANY, why, "bad", "why")
CY_STRUCT(TwFail, TW_FAIL)
CY_SCHEMA(TwFail, TW_FAIL, "fail(x, why='bad')")

/* Empty(): a signature without fields. */
static const cy_field *tw_empty_fields(size_t *n) {
    static const cy_field none[1];
    *n = 0;
    return none;
}
static const cy_type tw_empty_type;
static const cy_schema tw_empty_schema = {"TwEmpty", "Empty()", 0, &tw_empty_type, tw_empty_fields};
static const cy_type tw_empty_type = {.tag = CY_T_STRUCT, .schema = &tw_empty_schema};

static const cy_target tw_targets[] = {
    {"catalog_targets.Point", NULL, &TwPoint_schema, tw_factory, (void *)"Point"},
    {"catalog_targets.Empty", NULL, &tw_empty_schema, tw_factory, (void *)"Empty"},
    {"catalog_targets.Box", NULL, &TwBox_schema, tw_factory, (void *)"Box"},
    {"catalog_targets.add", NULL, &TwAdd_schema, tw_factory, (void *)"add"},
    {"catalog_targets.three", NULL, &TwThree_schema, tw_factory, (void *)"three"},
    {"catalog_targets.only", NULL, &TwOnly_schema, tw_factory, (void *)"only"},
    {"catalog_targets.record", NULL, NULL, tw_factory, (void *)"record"},
    {"catalog_targets.fail", NULL, &TwFail_schema, tw_fail, (void *)"fail"},
};

static inline int tw_register(void) {
    for (size_t i = 0; i < sizeof tw_targets / sizeof tw_targets[0]; i++)
        if (cy_target_register(&tw_targets[i]) < 0)
            return -1;
    return 0;
}

#endif
