/*
 * test_yaml_tree.h - the tree notation of tests/golden/yaml/ (see tests/oracle/yaml_golden.py):
 * reading it into a cy_node tree, and comparing a loaded tree with it.
 *
 *   d N <key value>*N   l N <value>*N   n   b 0|1   i <int>   f <float.hex()>   s <len>:<bytes>
 *   keys: ks <len>:<bytes>   ki <int>   kf <float.hex()>   kb 0|1
 */
#ifndef TEST_YAML_TREE_H
#define TEST_YAML_TREE_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/node.h"

typedef struct tree_reader {
    const char *p, *end;
    char err[200];
} tree_reader;

static inline void tr_ws(tree_reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n'))
        r->p++;
}

/* the next whitespace-delimited token, copied into buf */
static inline bool tr_token(tree_reader *r, char *buf, size_t cap) {
    tr_ws(r);
    size_t n = 0;
    while (r->p < r->end && *r->p != ' ' && *r->p != '\n' && *r->p != ':') {
        if (n + 1 < cap)
            buf[n++] = *r->p;
        r->p++;
    }
    buf[n] = '\0';
    return n > 0;
}

/* <len>:<bytes> as a malloc'd NUL-terminated string */
static inline char *tr_string(tree_reader *r) {
    char num[32];
    if (!tr_token(r, num, sizeof num) || r->p >= r->end || *r->p != ':') {
        snprintf(r->err, sizeof r->err, "bad string length");
        return NULL;
    }
    r->p++;
    size_t n = strtoull(num, NULL, 10);
    if ((size_t)(r->end - r->p) < n) {
        snprintf(r->err, sizeof r->err, "string runs past the end");
        return NULL;
    }
    char *s = malloc(n + 1);
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    return s;
}

static inline double tr_float(const char *tok) {
    if (strcmp(tok, "nan") == 0)
        return NAN;
    if (strcmp(tok, "inf") == 0)
        return INFINITY;
    if (strcmp(tok, "-inf") == 0)
        return -INFINITY;
    return strtod(tok, NULL);
}

/* Reads one value; NULL on a syntax error (r->err says why). */
static inline cy_node *tr_value(tree_reader *r, cy_arena *a) {
    char tok[64];
    if (!tr_token(r, tok, sizeof tok)) {
        snprintf(r->err, sizeof r->err, "unexpected end");
        return NULL;
    }
    if (strcmp(tok, "n") == 0)
        return cy_new_null(a);
    if (strcmp(tok, "b") == 0 || strcmp(tok, "i") == 0 || strcmp(tok, "f") == 0 ||
        strcmp(tok, "d") == 0 || strcmp(tok, "l") == 0) {
        char arg[64];
        if (!tr_token(r, arg, sizeof arg)) {
            snprintf(r->err, sizeof r->err, "missing argument of %s", tok);
            return NULL;
        }
        if (tok[0] == 'b')
            return cy_new_bool(a, arg[0] == '1');
        if (tok[0] == 'i')
            return cy_new_int(a, strtoll(arg, NULL, 10));
        if (tok[0] == 'f')
            return cy_new_float(a, tr_float(arg));
        size_t n = strtoull(arg, NULL, 10);
        cy_node *c = tok[0] == 'd' ? cy_new_dict(a) : cy_new_list(a);
        for (size_t i = 0; i < n; i++) {
            char *key = NULL;
            cy_key_kind kind = CY_KEY_STR;
            if (tok[0] == 'd') {
                char kt[8], kv[64];
                if (!tr_token(r, kt, sizeof kt))
                    return NULL;
                if (strcmp(kt, "ks") == 0) {
                    key = tr_string(r);
                    if (!key)
                        return NULL;
                } else {
                    if (!tr_token(r, kv, sizeof kv))
                        return NULL;
                    char buf[48];
                    if (strcmp(kt, "ki") == 0) {
                        kind = CY_KEY_INT;
                        snprintf(buf, sizeof buf, "%lld", strtoll(kv, NULL, 10));
                    } else if (strcmp(kt, "kf") == 0) {
                        kind = CY_KEY_FLOAT;
                        cy_float_repr(tr_float(kv), buf);
                    } else {
                        kind = CY_KEY_BOOL;
                        snprintf(buf, sizeof buf, "%s", kv[0] == '1' ? "True" : "False");
                    }
                    key = strdup(buf);
                }
            }
            cy_node *v = tr_value(r, a);
            if (!v) {
                free(key);
                return NULL;
            }
            if (key)
                cy_dict_put_kind(c, key, kind, v);
            else
                cy_list_push(c, v);
            free(key);
        }
        return c;
    }
    if (strcmp(tok, "s") == 0) {
        char *s = tr_string(r);
        if (!s)
            return NULL;
        cy_node *n = cy_new_str(a, s);
        free(s);
        return n;
    }
    snprintf(r->err, sizeof r->err, "unknown token '%s'", tok);
    return NULL;
}

static inline bool same_float(double x, double y) {
    if (isnan(x) || isnan(y))
        return isnan(x) && isnan(y);
    return x == y && signbit(x) == signbit(y);
}

/* The text of a string-like node (str, interpolation, ???). */
static inline const char *strlike(const cy_node *n) {
    if (n->kind == CY_MISSING)
        return "???";
    if (n->kind == CY_STR || n->kind == CY_INTERP || n->kind == CY_ENUM)
        return n->v.str.s;
    return NULL;
}

/* Compares `got` with `want` (built by tr_value): kinds, values, keys and key kinds. Describes
 * the first difference in why (with the path). */
static inline bool tree_same(const cy_node *got, const cy_node *want, char *why, size_t cap,
                             const char *path) {
    const char *gs = strlike(got), *ws = strlike(want);
    if (ws) {
        if (!gs || strcmp(gs, ws) != 0) {
            snprintf(why, cap, "%s: string '%s' expected, got kind %d '%s'", path, ws, got->kind,
                     gs ? gs : "");
            return false;
        }
        return true;
    }
    if (got->kind != want->kind) {
        snprintf(why, cap, "%s: kind %d expected, got %d", path, want->kind, got->kind);
        return false;
    }
    switch (want->kind) {
    case CY_NULL:
        return true;
    case CY_BOOL:
        if (got->v.b != want->v.b)
            return snprintf(why, cap, "%s: bool differs", path), false;
        return true;
    case CY_INT:
        if (got->v.i != want->v.i)
            return snprintf(why, cap, "%s: int %" PRId64 " expected, got %" PRId64, path, want->v.i,
                            got->v.i),
                   false;
        return true;
    case CY_FLOAT:
        if (!same_float(got->v.f, want->v.f))
            return snprintf(why, cap, "%s: float %.17g expected, got %.17g", path, want->v.f,
                            got->v.f),
                   false;
        return true;
    case CY_DICT:
    case CY_LIST:
        if (got->v.c.len != want->v.c.len)
            return snprintf(why, cap, "%s: %zu children expected, got %zu", path, want->v.c.len,
                            got->v.c.len),
                   false;
        for (size_t i = 0; i < want->v.c.len; i++) {
            const cy_node *g = got->v.c.items[i], *w = want->v.c.items[i];
            char sub[256];
            if (want->kind == CY_DICT) {
                snprintf(sub, sizeof sub, "%s.%s", path, w->key);
                if (strcmp(g->key, w->key) != 0 || g->key_kind != w->key_kind)
                    return snprintf(why, cap, "%s: key '%s' (kind %d) expected, got '%s' (kind %d)",
                                    path, w->key, w->key_kind, g->key, g->key_kind),
                           false;
            } else {
                snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            }
            if (!tree_same(g, w, why, cap, sub))
                return false;
        }
        return true;
    default:
        return snprintf(why, cap, "%s: unexpected kind %d", path, want->kind), false;
    }
}

#endif
