/*
 * convert.c - OmegaConf's validate_and_convert: a value made fit for a node of a declared type.
 *
 * The rules are those of nodes.py (IntegerNode, FloatNode, BooleanNode, StringNode, EnumNode,
 * AnyNode) and of ListConfig/DictConfig._set_value for containers, with Python's int() and
 * float() string grammars and str() of every primitive:
 *
 *     int   <- int, "  -1_000 ", "007"          never float, bool or containers
 *     float <- float, int, "1e-3", "inf", "1_0.5"
 *     bool  <- bool, int (nonzero), int() strings, yes/y/on/true/no/n/off/false (any case)
 *     str   <- any primitive as str(): True -> "True", 1e-3 -> "0.001"; never containers
 *     enum  <- a member, its name ("RED" or "Color.RED"), its integer value
 *
 * Special values (null, ???, interpolations) pass unconverted; null only into Optional types.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/interp.h"
#include "cydra/schema.h"
#include "node_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Python's int() and float() on strings
 */

/* Python's str.strip() whitespace, restricted to ASCII plus the information separators. */
static bool py_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void strip(const char **b, const char **e) {
    while (*b < *e && py_space((unsigned char)**b))
        (*b)++;
    while (*e > *b && py_space((unsigned char)(*e)[-1]))
        (*e)--;
}

/* Digits with single underscores between them, as Python literals allow; copies the digits to
 * *out. Returns the number of characters consumed (0 when there is no digit). */
static size_t scan_digits(const char *p, const char *e, char **out) {
    const char *s = p;
    if (p >= e || !isdigit((unsigned char)*p))
        return 0;
    while (p < e) {
        if (isdigit((unsigned char)*p)) {
            *(*out)++ = *p++;
        } else if (*p == '_' && p + 1 < e && isdigit((unsigned char)p[1]) && p > s) {
            p++;
        } else {
            break;
        }
    }
    return (size_t)(p - s);
}

bool cy__py_int(const char *s, int64_t *out) {
    const char *b = s, *e = s + strlen(s);
    strip(&b, &e);
    bool neg = false;
    if (b < e && (*b == '+' || *b == '-'))
        neg = *b++ == '-';
    char *buf = malloc((size_t)(e - b) + 2), *w = buf;
    if (!buf)
        return false;
    size_t n = scan_digits(b, e, &w);
    *w = '\0';
    bool ok = n > 0 && b + n == e;
    if (ok) {
        /* accumulate as a negative number so INT64_MIN fits */
        int64_t v = 0;
        for (char *q = buf; *q && ok; q++) {
            int d = *q - '0';
            if (v < (INT64_MIN + d) / 10)
                ok = false;
            else
                v = v * 10 - d;
        }
        if (ok && !neg) {
            if (v == INT64_MIN)
                ok = false;
            else
                v = -v;
        }
        if (ok)
            *out = v;
    }
    free(buf);
    return ok;
}

static bool ieq(const char *a, const char *b, size_t n) {
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != b[i])
            return false;
    return true;
}

bool cy__py_float(const char *s, double *out) {
    const char *b = s, *e = s + strlen(s);
    strip(&b, &e);
    bool neg = false;
    const char *q = b;
    if (q < e && (*q == '+' || *q == '-'))
        neg = *q++ == '-';
    size_t rest = (size_t)(e - q);
    if (ieq(q, "inf", rest) || ieq(q, "infinity", rest)) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (ieq(q, "nan", rest)) {
        *out = neg ? -NAN : NAN;
        return true;
    }
    char *buf = malloc(rest + 8), *w = buf;
    if (!buf)
        return false;
    *w++ = neg ? '-' : '+';
    size_t ni = scan_digits(q, e, &w);
    q += ni;
    size_t nf = 0;
    if (q < e && *q == '.') {
        *w++ = '.';
        q++;
        nf = scan_digits(q, e, &w);
        q += nf;
    }
    bool ok = ni + nf > 0;
    if (ok && q < e && (*q == 'e' || *q == 'E')) {
        *w++ = 'e';
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            *w++ = *q++;
        size_t ne = scan_digits(q, e, &w);
        q += ne;
        ok = ne > 0;
    }
    *w = '\0';
    ok = ok && q == e;
    if (ok) {
        errno = 0;
        *out = strtod(buf, NULL); /* overflow gives inf, as Python's float() does */
    }
    free(buf);
    return ok;
}

/* ---------------------------------------------------------------------------------------------
 * Names OmegaConf puts into messages
 */

/* $VALUE_TYPE of a value: Python's type name, with OmegaConf's own class names for containers
 * that stand for nodes (merge sources). */
static const char *value_type(const cy_node *v, bool as_node) {
    if (v->kind == CY_DICT)
        return as_node ? "DictConfig" : "dict";
    if (v->kind == CY_LIST)
        return as_node ? "ListConfig" : "list";
    return cy_node_pytype(v);
}

/* OmegaConf.get_type(value) as type_str prints it: a structured dict gives its schema name. */
const char *cy__get_type_str(const cy_node *v) {
    if (v->kind == CY_DICT)
        return v->object ? v->object->name : "dict";
    if (v->kind == CY_LIST)
        return "list";
    return cy_node_pytype(v);
}

/* The template of the last conversion failure, so that a caller that reports the error with
 * another value can substitute it again (format_and_raise substitutes $VALUE with the value it
 * is given, not always the one converted). */
static _Thread_local char last_template[256];
static _Thread_local unsigned long last_template_serial;

static int substitute(const char *fmt, const char *val, const char *typ) {
    char *msg = NULL;
    size_t cap = strlen(fmt) + strlen(val) * 2 + strlen(typ) * 2 + 1;
    msg = malloc(cap);
    if (!msg)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    char *w = msg;
    for (const char *p = fmt; *p; p++) {
        if (p[0] == '$' && (p[1] == 'V' || p[1] == 'T')) {
            const char *s = p[1] == 'V' ? val : typ;
            size_t n = strlen(s);
            memcpy(w, s, n);
            w += n;
            p++;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    int rc = cy_error_set(CY_EVALIDATION, "ValidationError", "%s", msg);
    free(msg);
    return rc;
}

static int fail(cy_arena *a, const char *fmt, const cy_node *v, bool as_node) {
    (void)a;
    /* fmt has $V (value) and $T (value type) placeholders */
    int rc = substitute(fmt, cy_node_pystr(v), value_type(v, as_node));
    snprintf(last_template, sizeof last_template, "%s", fmt);
    last_template_serial = cy__error_serial();
    return rc;
}

int cy__error_resubstitute(const char *value, const char *value_type) {
    const cy_error *e = cy_error_last();
    if (e->code == 0 || cy__error_serial() != last_template_serial || e->has_key)
        return e->code;
    return substitute(last_template, value, value_type);
}

static const char *enum_members(cy_arena *a, const cy_enum_def *e) {
    size_t n = 3;
    for (size_t i = 0; i < e->count; i++)
        n += strlen(e->members[i]) + 2;
    char *s = cy_arena_alloc(a, n), *w = s;
    for (size_t i = 0; i < e->count; i++)
        w += sprintf(w, "%s%s", i ? ", " : "", e->members[i]);
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Conversion
 */

/* OmegaConf parses an interpolation when it wraps or sets a plain value
 * (strict_interpolation_validation): a malformed one is a GrammarParseError. */
int cy__check_interps(const cy_node *v) {
    if (v->kind == CY_INTERP)
        return cy_interp_check(v->v.str.s);
    if (v->kind == CY_DICT || v->kind == CY_LIST)
        for (size_t i = 0; i < v->v.c.len; i++) {
            int rc = cy__check_interps(v->v.c.items[i]);
            if (rc < 0)
                return rc;
        }
    return 0;
}

static cy_node *typed(cy_node *n, const cy_type *t) {
    cy_node_set_type(n, t);
    return n;
}

static cy_node *copy_special(cy_arena *a, const cy_node *v) {
    if (v->kind == CY_NULL)
        return cy_new_null(a);
    if (v->kind == CY_MISSING)
        return cy_new_missing(a);
    cy_node *n = cy_new_null(a);
    n->kind = CY_INTERP;
    n->v.str.s = cy_arena_strdup(a, v->v.str.s);
    return n;
}

static int conv_enum(cy_node **out, cy_arena *a, const cy_type *t, const cy_node *v, bool as_node) {
    const cy_enum_def *e = t->enm;
    if (v->kind == CY_ENUM && v->v.str.def == e) {
        *out = cy_node_copy(a, v);
        return 0;
    }
    if (v->kind == CY_ENUM || v->kind == CY_FLOAT || v->kind == CY_DICT || v->kind == CY_LIST) {
        char fmt[256];
        snprintf(fmt, sizeof fmt, "Value $V ($T) is not a valid input for <enum '%s'>", e->name);
        return fail(a, fmt, v, as_node);
    }
    if (v->kind == CY_INT) {
        for (size_t i = 0; i < e->count; i++)
            if (e->values[i] == v->v.i) {
                *out = cy_new_enum(a, e, i);
                return 0;
            }
    } else if (v->kind == CY_STR) {
        const char *s = v->v.str.s;
        size_t pl = strlen(e->name);
        if (strncmp(s, e->name, pl) == 0 && s[pl] == '.')
            s += pl + 1;
        for (size_t i = 0; i < e->count; i++)
            if (strcmp(e->members[i], s) == 0) {
                *out = cy_new_enum(a, e, i);
                return 0;
            }
    }
    /* bools are ints to Python's isinstance but rejected explicitly by EnumNode */
    char fmt[512];
    snprintf(fmt, sizeof fmt, "Invalid value '$V', expected one of [%s]", enum_members(a, e));
    return fail(a, fmt, v, as_node);
}

static int conv(cy_node **out, cy_arena *a, const cy_type *t, const cy_node *v, cy_node *parent,
                const char *key, bool as_node);

/* Children of a list or dict value converted into a new container `n` that sits at
 * parent[key]: errors name the child's full key, as the container's own __setitem__ would. */
static int conv_children(cy_node *n, cy_arena *a, const cy_type *elem, const cy_node *v,
                         bool as_node) {
    bool is_list = v->kind == CY_LIST;
    for (size_t i = 0; i < v->v.c.len; i++) {
        const cy_node *c = v->v.c.items[i];
        char idx[32];
        const char *ck = c->key;
        if (is_list) {
            snprintf(idx, sizeof idx, "%zu", i);
            ck = idx;
        } else if (elem && !n->type->key_any && c->key_kind != CY_KEY_STR) {
            static const char *kt[] = {"str", "int", "float", "bool"};
            cy_error_set(CY_EVALIDATION, "KeyValidationError",
                         "Key %s (%s) is incompatible with (str)", c->key, kt[c->key_kind]);
            return cy_error_at(n, c->key);
        }
        cy_node *k;
        int rc;
        if (elem && c->kind == CY_NULL && !elem->optional) {
            if (is_list)
                rc = cy_error_set(CY_EVALIDATION, "ValidationError",
                                  "Invalid type assigned: NoneType is not a subclass of %s. "
                                  "value: None",
                                  cy_type_string(a, elem));
            else {
                char *fk = cy__full_key_of(n, ck);
                rc = cy_error_set(CY_EVALIDATION, "ValidationError", "field '%s' is not Optional",
                                  fk ? fk : ck);
                free(fk);
            }
            return cy_error_at(n, ck);
        }
        if (!elem) {
            /* Any elements: the child as it is (typed children of a config keep their type) */
            rc = as_node ? 0 : cy__check_interps(c);
            k = rc < 0 ? NULL : cy_node_copy(a, c);
        } else {
            rc = conv(&k, a, elem, c, n, ck, as_node);
        }
        if (rc < 0) {
            /* a container element's own failure comes from the DictConfig/ListConfig
             * constructor (key only, no types), except structured list items, which
             * ListConfig._validate_set rejects first */
            bool ctor = elem->tag == CY_T_LIST || elem->tag == CY_T_DICT ||
                        (elem->tag == CY_T_STRUCT && !is_list);
            if (ctor)
                return cy_error_at_key(ck, NULL, NULL);
            return cy_error_at(n, ck);
        }
        if (is_list)
            cy_list_push(n, k);
        else
            cy_dict_put_kind(n, c->key, c->key_kind, k);
    }
    return 0;
}

static int conv(cy_node **out, cy_arena *a, const cy_type *t, const cy_node *v, cy_node *parent,
                const char *key, bool as_node) {
    if (!t)
        t = &cy_type_any;
    if (v->kind == CY_NULL) {
        if (!t->optional) {
            cy_type bare = *t;
            bare.optional = false;
            return cy_error_set(CY_EVALIDATION, "ValidationError",
                                "Incompatible value 'None' for field of type '%s'",
                                cy_type_string(a, &bare));
        }
        *out = typed(cy_new_null(a), t);
        return 0;
    }
    if (v->kind == CY_MISSING || v->kind == CY_INTERP) {
        if (!as_node && v->kind == CY_INTERP) {
            int rc = cy_interp_check(v->v.str.s);
            if (rc < 0)
                return rc;
        }
        *out = typed(copy_special(a, v), t);
        return 0;
    }
    cy_node *n = NULL;
    int64_t i;
    double f;
    switch (t->tag) {
    case CY_T_ANY:
        if (!as_node) {
            int rc = cy__check_interps(v);
            if (rc < 0)
                return rc;
        }
        n = cy_node_copy(a, v);
        n->parent = NULL;
        if (cy_node_is_container(n)) {
            /* a config wrapped into an Any slot keeps its object type and flags */
            const cy_schema *obj = n->object;
            n->type = &cy_type_any;
            n->object = obj;
        } else {
            n->type = &cy_type_any;
        }
        *out = n;
        return 0;
    case CY_T_INT:
        if (v->kind == CY_INT)
            n = cy_new_int(a, v->v.i);
        else if (v->kind == CY_STR && cy__py_int(v->v.str.s, &i))
            n = cy_new_int(a, i);
        else
            return fail(a, "Value '$V' of type '$T' could not be converted to Integer", v, as_node);
        break;
    case CY_T_FLOAT:
        if (v->kind == CY_FLOAT)
            n = cy_new_float(a, v->v.f);
        else if (v->kind == CY_INT)
            n = cy_new_float(a, (double)v->v.i);
        else if (v->kind == CY_STR && cy__py_float(v->v.str.s, &f))
            n = cy_new_float(a, f);
        else
            return fail(a, "Value '$V' of type '$T' could not be converted to Float", v, as_node);
        break;
    case CY_T_BOOL:
        if (v->kind == CY_BOOL)
            n = cy_new_bool(a, v->v.b);
        else if (v->kind == CY_INT)
            n = cy_new_bool(a, v->v.i != 0);
        else if (v->kind == CY_STR) {
            const char *s = v->v.str.s;
            size_t l = strlen(s);
            if (cy__py_int(s, &i))
                n = cy_new_bool(a, i != 0);
            else if (ieq(s, "yes", l) || ieq(s, "y", l) || ieq(s, "on", l) || ieq(s, "true", l))
                n = cy_new_bool(a, true);
            else if (ieq(s, "no", l) || ieq(s, "n", l) || ieq(s, "off", l) || ieq(s, "false", l))
                n = cy_new_bool(a, false);
        }
        if (!n)
            return fail(a, "Value '$V' is not a valid bool (type $T)", v, as_node);
        break;
    case CY_T_STR:
        if (v->kind == CY_DICT || v->kind == CY_LIST)
            return fail(a, "Cannot convert '$T' to string: '$V'", v, as_node);
        n = cy_new_null(a);
        n->kind = CY_STR;
        n->v.str.s = v->kind == CY_STR ? cy_arena_strdup(a, v->v.str.s) : cy_node_pystr(v);
        if (n->v.str.s && v->kind != CY_STR && a != v->arena)
            n->v.str.s = cy_arena_strdup(a, n->v.str.s);
        break;
    case CY_T_ENUM: {
        int rc = conv_enum(&n, a, t, v, as_node);
        if (rc < 0)
            return rc;
        break;
    }
    case CY_T_LIST:
        if (v->kind != CY_LIST) {
            cy_error_set(CY_EVALIDATION, "ValidationError",
                         "Invalid value assigned: %s is not a ListConfig, list or tuple.",
                         value_type(v, as_node));
            return CY_EVALIDATION;
        }
        n = cy_new_list(a);
        n->flags[0] = v->flags[0];
        n->flags[1] = v->flags[1];
        break;
    case CY_T_DICT:
        if (v->kind != CY_DICT) {
            return cy_error_set(CY_EVALIDATION, "ValidationError", "Cannot assign %s to %s",
                                cy__get_type_str(v), cy__type_str_nonopt(a, t));
        }
        n = cy_new_dict(a);
        n->flags[0] = v->flags[0];
        n->flags[1] = v->flags[1];
        break;
    case CY_T_STRUCT:
        if (v->kind == CY_DICT && v->object == t->schema) {
            n = cy_node_copy(a, v);
            n->parent = NULL;
            *out = typed(n, t);
            return 0;
        }
        return cy_error_set(CY_EVALIDATION, "ValidationError",
                            "Invalid type assigned: %s is not a subclass of %s. value: %s",
                            cy__get_type_str(v), t->schema->name, cy_node_pystr(v));
    }
    typed(n, t);
    n->help = v->help;
    if (n->kind == CY_LIST || n->kind == CY_DICT) {
        /* the new container sits at parent[key] while its children are converted, so that
         * their errors carry full keys */
        n->parent = parent;
        n->key = key ? cy_arena_strdup(a, key) : NULL;
        int rc = conv_children(n, a, t->elem, v, as_node);
        n->parent = NULL;
        if (rc < 0)
            return rc;
    }
    *out = n;
    return 0;
}

int cy__convert_at(cy_node **out, cy_arena *arena, const cy_type *type, const cy_node *value,
                   cy_node *parent, const char *key, bool as_node) {
    return conv(out, arena, type, value, parent, key, as_node);
}

int cy__convert(cy_node **out, cy_arena *arena, const cy_type *type, const cy_node *value) {
    return conv(out, arena, type, value, NULL, NULL, false);
}
