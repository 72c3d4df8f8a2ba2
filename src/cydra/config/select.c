/*
 * select.c - reading with resolution: OmegaConf.select, attribute-style reads (cy_get*), key
 * splitting ("a.b[0].c", "..sibling") and cy_node_resolve.
 */
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"

static char *xstrndup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* OmegaConf's split_key: the head is leading dots plus the first key and is split on dots
 * ("..a" -> "", "", "a"); then ".key" and "[key]" parts follow, and characters that start
 * neither are skipped, as re.findall does. */
char **cy__split_key(const char *key, size_t *n_out) {
    size_t cap = 8, n = 0;
    char **parts = malloc(cap * sizeof *parts);
    if (!parts)
        return NULL;
#define PUSH(s, len)                                                                               \
    do {                                                                                           \
        if (n == cap) {                                                                            \
            cap *= 2;                                                                              \
            char **np = realloc(parts, cap * sizeof *parts);                                       \
            if (!np)                                                                               \
                goto oom;                                                                          \
            parts = np;                                                                            \
        }                                                                                          \
        if (!(parts[n] = xstrndup((s), (len))))                                                    \
            goto oom;                                                                              \
        n++;                                                                                       \
    } while (0)
    const char *p = key;
    while (*p == '.')
        p++;
    while (*p && *p != '.' && *p != '[')
        p++;
    /* the head, split on dots */
    const char *s = key;
    for (const char *q = key;; q++) {
        if (q == p || *q == '.') {
            PUSH(s, (size_t)(q - s));
            s = q + 1;
            if (q == p)
                break;
        }
    }
    if (*p == '[' && n > 0 && parts[n - 1][0] == '\0') {
        free(parts[--n]);
    }
    while (*p) {
        if (*p == '.') {
            const char *b = ++p;
            while (*p && *p != '.' && *p != '[')
                p++;
            PUSH(b, (size_t)(p - b));
        } else if (*p == '[') {
            const char *close = strchr(p + 1, ']');
            if (!close) {
                p++;
                continue;
            }
            PUSH(p + 1, (size_t)(close - p - 1));
            p = close + 1;
        } else {
            p++;
        }
    }
#undef PUSH
    *n_out = n;
    return parts;
oom:
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
    return NULL;
}

static void free_parts(char **parts, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

int cy__select_one(const cy_node *c, const char *key, bool throw_on_missing,
                   bool throw_on_type_error, const cy_node **out) {
    *out = NULL;
    if (c->kind == CY_NULL || !cy_node_is_container(c))
        return 0;
    const cy_node *val = NULL;
    if (c->container == CY_DICT) {
        val = cy_dict_get(c, key);
    } else {
        int64_t i;
        if (!cy__py_int(key, &i)) {
            if (throw_on_type_error)
                return cy_error_set(CY_ETYPE, "TypeError", "Index '%s' (str) is not an int", key);
            return 0;
        }
        if (i >= 0 && (size_t)i < cy_node_len(c))
            val = c->v.c.items[i];
    }
    if (val && val->kind == CY_MISSING && throw_on_missing) {
        char *fk = cy__full_key_of(c, key);
        cy_error_set(CY_EMISSING, "MissingMandatoryValue", "Missing mandatory value: %s",
                     fk ? fk : key);
        free(fk);
        return CY_EMISSING;
    }
    *out = val;
    return 0;
}

int cy_node_resolve(const cy_node *n, const cy_node **out) {
    if (n->kind == CY_MISSING) {
        const char *fk = cy_node_full_key(n);
        cy_error_set(CY_EMISSING, "MissingMandatoryValue", "Missing mandatory value: %s", fk);
        if (n->parent)
            return cy__error_at_child(n);
        return cy_error_at_key(fk, NULL, NULL);
    }
    if (n->kind == CY_INTERP)
        return cy__interp_resolve(n, out);
    *out = n;
    return 0;
}

/* _maybe_resolve_interpolation */
static int maybe_resolve(const cy_node *n, const cy_node **out) {
    if (n->kind == CY_INTERP)
        return cy__interp_resolve(n, out);
    *out = n;
    return 0;
}

int cy_select(const cy_node *cfg, const char *key, const cy_node **out, unsigned flags) {
    bool throw_missing = flags & CY_SELECT_THROW_ON_MISSING;
    bool resolve = !(flags & CY_SELECT_NO_RESOLVE);
    *out = NULL;
    /* keys are relative to cfg; each extra leading dot goes one parent up */
    const cy_node *root = cfg;
    const char *k = key;
    if (*k == '.') {
        k++;
        while (*k == '.') {
            root = root->parent;
            if (!root) {
                cy_error_set(CY_EKEY, "ConfigKeyError", "Error resolving key '%s'", key);
                return cy_error_at(cfg, key);
            }
            k++;
        }
    }
    if (*k == '\0') {
        *out = root;
        return 0;
    }
    size_t n;
    char **parts = cy__split_key(k, &n);
    if (!parts)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    int rc = 0;
    const cy_node *c = root;
    for (size_t i = 0; i + 1 < n && c; i++) {
        const cy_node *ret;
        if ((rc = cy__select_one(c, parts[i], throw_missing, true, &ret)) < 0)
            goto done;
        if (ret && ret->kind == CY_INTERP) {
            const cy_node *r = NULL;
            if (resolve) {
                if ((rc = cy__interp_resolve(ret, &r)) < 0)
                    goto done;
            }
            ret = r;
        }
        if (ret && (!cy_node_is_container(ret) || ret->kind == CY_MISSING)) {
            /* "node `a` is not a container": select gives None */
            c = NULL;
            goto done;
        }
        c = ret;
    }
    if (c) {
        const cy_node *v;
        if ((rc = cy__select_one(c, parts[n - 1], throw_missing, true, &v)) < 0)
            goto done;
        if (v && v->kind != CY_MISSING) {
            if (resolve && (rc = maybe_resolve(v, &v)) < 0)
                goto done;
            if (v->kind != CY_MISSING)
                *out = v;
        }
    }
done:
    free_parts(parts, n);
    if (rc < 0) {
        const cy_error *e = cy_error_last();
        if (e->code == CY_ETYPE)
            cy_error_set_exc("ConfigTypeError");
        /* Resolution errors reach OmegaConf.select undecorated (only a typed node's
         * validation of the result is formatted where it happens), so select's own
         * format_and_raise names them: its key, its config. */
        if (e->code == CY_EINTERP && strcmp(e->exc, "InterpolationValidationError") != 0)
            cy__error_drop_key();
        return cy_error_at(cfg, key);
    }
    return 0;
}

/* c[key] / c.key: the child resolved; unknown keys, ??? and bad indices are errors.
 * key_exc: class of unknown-key errors (ConfigKeyError for [], ConfigAttributeError for .). */
static int get_child(const cy_node *c, const char *key, const char *key_exc, const cy_node **out) {
    const cy_node *child = NULL;
    if (c->container == CY_LIST) {
        int64_t i;
        if (c->kind == CY_MISSING) {
            cy_error_set(CY_EMISSING, "MissingMandatoryValue", "ListConfig is missing");
            return cy_error_at(c, key);
        }
        if (!cy__py_int(key, &i)) {
            cy_error_set(CY_ETYPE, "ConfigAttributeError",
                         "ListConfig does not support attribute access");
            return cy_error_at(c, key);
        }
        if (c->kind != CY_LIST) {
            cy_error_set(CY_ETYPE, "ConfigTypeError",
                         "ListConfig object representing None is not subscriptable");
            return cy_error_at(c, key);
        }
        if (i < 0)
            i += (int64_t)c->v.c.len;
        if (i < 0 || (size_t)i >= c->v.c.len) {
            cy_error_set(CY_EINDEX, "ConfigIndexError", "list index out of range");
            return cy_error_at(c, key);
        }
        child = c->v.c.items[i];
    } else if (c->container == CY_DICT) {
        int rc = cy__dict_validate_get(c, key, key_exc);
        if (rc < 0)
            return rc;
        child = cy_dict_get(c, key);
        if (!child) {
            cy_error_set(CY_EKEY, key_exc, "Missing key %s", key);
            return cy_error_at(c, key);
        }
    } else {
        return cy_error_set(CY_ETYPE, "ConfigTypeError", "'%s' is not a config container",
                            cy_node_full_key(c));
    }
    if (child->kind == CY_MISSING) {
        char *fk = cy__full_key_of(c, key);
        cy_error_set(CY_EMISSING, "MissingMandatoryValue", "Missing mandatory value: %s",
                     fk ? fk : key);
        free(fk);
        return cy_error_at(c, key);
    }
    return maybe_resolve(child, out);
}

int cy__getitem(const cy_node *c, const char *key, const cy_node **out) {
    return get_child(c, key, "ConfigKeyError", out);
}

int cy_get(const cy_node *root, const char *key, const cy_node **out) {
    size_t n;
    char **parts = cy__split_key(key, &n);
    if (!parts)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    int rc = 0;
    const cy_node *c = root;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const cy_node *next;
        if (!cy_node_is_container(c) || c->kind == CY_NULL) {
            rc = cy_error_set(CY_ETYPE, "ConfigTypeError",
                              "Error trying to access %s: node `%s` is not a container", key,
                              cy_node_full_key(c));
            break;
        }
        if ((rc = get_child(c, parts[i], "ConfigAttributeError", &next)) == 0)
            c = next;
    }
    free_parts(parts, n);
    if (rc == 0)
        *out = c;
    return rc;
}

static int get_as(const cy_node *root, const char *key, const cy_type *t, cy_node **out) {
    const cy_node *v;
    int rc = cy_get(root, key, &v);
    if (rc < 0)
        return rc;
    if (v->kind == CY_NULL) {
        cy_error_set(CY_EVALIDATION, "ValidationError", "Value of '%s' is None", key);
        return cy_error_at_key(key, NULL, NULL);
    }
    if ((rc = cy__convert(out, v->arena, t, v)) < 0) {
        if (v->parent)
            return cy__error_at_child(v);
        return cy_error_at_key(key, NULL, NULL);
    }
    return 0;
}

int cy_get_int(const cy_node *root, const char *key, int64_t *out) {
    cy_node *v;
    int rc = get_as(root, key, &cy_type_int, &v);
    if (rc == 0)
        *out = v->v.i;
    return rc;
}

int cy_get_float(const cy_node *root, const char *key, double *out) {
    cy_node *v;
    int rc = get_as(root, key, &cy_type_float, &v);
    if (rc == 0)
        *out = v->v.f;
    return rc;
}

int cy_get_bool(const cy_node *root, const char *key, bool *out) {
    cy_node *v;
    int rc = get_as(root, key, &cy_type_bool, &v);
    if (rc == 0)
        *out = v->v.b;
    return rc;
}

int cy_get_str(const cy_node *root, const char *key, const char **out) {
    cy_node *v;
    int rc = get_as(root, key, &cy_type_str, &v);
    if (rc == 0)
        *out = v->v.str.s;
    return rc;
}
