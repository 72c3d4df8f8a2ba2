/* Describe tables: signatures as torch prints them and type-checked setting by name. */
#include "optim_internal.h"

#include <stdio.h>
#include <string.h>

int nn_is_required(double x) {
    double r = NN_REQUIRED;
    return memcmp(&x, &r, sizeof x) == 0;
}

const char *nn__class_name(const char *target) {
    const char *dot = strrchr(target, '.');
    return dot ? dot + 1 : target;
}

int nn_args_signature(char *buf, size_t cap, const nn_arg *args, int nargs) {
    size_t len = 0;
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(buf ? buf + (len < cap ? len : cap) : NULL,                              \
                          buf && len < cap ? cap - len : 0, __VA_ARGS__);                          \
        len += (size_t)(k_ > 0 ? k_ : 0);                                                          \
    } while (0)
    OUT("(");
    int star = 0;
    for (int i = 0; i < nargs; i++) {
        const nn_arg *a = &args[i];
        if (i)
            OUT(", ");
        if ((a->flags & NN_ARG_KWONLY) && !star) {
            OUT("*, ");
            star = 1;
        }
        OUT("%s", a->name);
        if (a->annotation)
            OUT(": %s", a->annotation);
        if (a->def)
            OUT("%s%s", a->annotation ? " = " : "=", a->def);
    }
    OUT(")");
#undef OUT
    return (int)len;
}

const nn_arg *nn__args_find(const nn_arg *args, int nargs, const char *name) {
    for (int i = 0; i < nargs; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

static const char *kind_name(const nn_value *v) {
    switch (v->kind) {
    case NN_VALUE_NONE:
        return "None";
    case NN_VALUE_BOOL:
        return "a bool";
    case NN_VALUE_INT:
        return "an int";
    case NN_VALUE_FLOAT:
        return "a float";
    case NN_VALUE_STR:
        return "a string";
    case NN_VALUE_LIST:
        return "a list";
    default:
        return "an object";
    }
}

static int is_number(const nn_value *v) {
    return v->kind == NN_VALUE_INT || v->kind == NN_VALUE_FLOAT || v->kind == NN_VALUE_BOOL;
}
static double number(const nn_value *v) {
    return v->kind == NN_VALUE_FLOAT ? v->f : (double)v->i;
}

int nn__args_set(const char *cls, const nn_arg *args, int nargs, void *opts, const char *name,
                 const nn_value *v) {
    const nn_arg *a = nn__args_find(args, nargs, name);
    if (!a || a->type == NN_ARG_PARAMS || a->type == NN_ARG_OPTIMIZER)
        return nn_error_set(a ? NN_EINVAL : NN_ENOTFOUND,
                            a ? "%s.__init__(): '%s' is given to the constructor, not as an option"
                              : "TypeError: %s.__init__() got an unexpected keyword argument '%s'",
                            cls, name);
    char *field = (char *)opts + a->offset;
    int nullable = (a->flags & NN_ARG_NULLABLE) != 0;
    const char *want = "";
    switch (a->type) {
    case NN_ARG_FLOAT:
        if (v->kind == NN_VALUE_NONE && nullable) {
            *(double *)field = NAN;
            return NN_OK;
        }
        if (is_number(v)) {
            *(double *)field = number(v);
            return NN_OK;
        }
        want = "a number";
        break;
    case NN_ARG_INT:
        if (v->kind == NN_VALUE_NONE && nullable) {
            *(int64_t *)field = NN_NONE_INT;
            return NN_OK;
        }
        if (v->kind == NN_VALUE_INT || v->kind == NN_VALUE_BOOL) {
            *(int64_t *)field = v->i;
            return NN_OK;
        }
        want = "an int";
        break;
    case NN_ARG_BOOL:
        if (v->kind == NN_VALUE_NONE && nullable) {
            *(int *)field = -1;
            return NN_OK;
        }
        if (v->kind == NN_VALUE_BOOL || v->kind == NN_VALUE_INT) {
            *(int *)field = v->i != 0;
            return NN_OK;
        }
        want = "a bool";
        break;
    case NN_ARG_FLOAT2:
        if (v->kind == NN_VALUE_LIST && v->nitems == 2 && is_number(&v->items[0]) &&
            is_number(&v->items[1])) {
            ((double *)field)[0] = number(&v->items[0]);
            ((double *)field)[1] = number(&v->items[1]);
            return NN_OK;
        }
        want = "a pair of numbers";
        break;
    case NN_ARG_STR:
    case NN_ARG_EXPR:
        if (v->kind == NN_VALUE_NONE && nullable) {
            *(const char **)field = NULL;
            return NN_OK;
        }
        if (v->kind == NN_VALUE_STR) {
            *(const char **)field = v->s;
            return NN_OK;
        }
        want = "a string";
        break;
    case NN_ARG_INTS: {
        nn_ints *l = (nn_ints *)field;
        if (v->kind == NN_VALUE_LIST && v->nitems <= NN_LIST_MAX) {
            for (int i = 0; i < v->nitems; i++)
                if (v->items[i].kind != NN_VALUE_INT)
                    return nn_error_set(NN_EINVAL, "%s: '%s' expects a list of ints, item %d is %s",
                                        cls, name, i, kind_name(&v->items[i]));
            for (int i = 0; i < v->nitems; i++)
                l->v[i] = v->items[i].i;
            l->n = v->nitems;
            return NN_OK;
        }
        want = "a list of ints (at most 32)";
        break;
    }
    case NN_ARG_FLOATS: {
        nn_floats *l = (nn_floats *)field;
        if (is_number(v)) {
            l->v[0] = number(v);
            l->n = 0;
            return NN_OK;
        }
        if (v->kind == NN_VALUE_LIST && v->nitems >= 1 && v->nitems <= NN_LIST_MAX) {
            for (int i = 0; i < v->nitems; i++)
                if (!is_number(&v->items[i]))
                    return nn_error_set(NN_EINVAL,
                                        "%s: '%s' expects a number or a list of numbers, item %d "
                                        "is %s",
                                        cls, name, i, kind_name(&v->items[i]));
            for (int i = 0; i < v->nitems; i++)
                l->v[i] = number(&v->items[i]);
            l->n = v->nitems;
            return NN_OK;
        }
        want = "a number or a list of numbers (one per param group)";
        break;
    }
    case NN_ARG_EXPRS: {
        nn_exprs *l = (nn_exprs *)field;
        if (v->kind == NN_VALUE_STR) {
            l->v[0] = v->s;
            l->n = 0;
            return NN_OK;
        }
        if (v->kind == NN_VALUE_LIST && v->nitems >= 1 && v->nitems <= NN_LIST_MAX) {
            for (int i = 0; i < v->nitems; i++)
                if (v->items[i].kind != NN_VALUE_STR)
                    return nn_error_set(NN_EINVAL,
                                        "%s: '%s' expects an expression string or a list of them, "
                                        "item %d is %s",
                                        cls, name, i, kind_name(&v->items[i]));
            for (int i = 0; i < v->nitems; i++)
                l->v[i] = v->items[i].s;
            l->n = v->nitems;
            return NN_OK;
        }
        want = "an expression string or a list of them (one per param group)";
        break;
    }
    case NN_ARG_SCHEDULERS: {
        nn_scheds *l = (nn_scheds *)field;
        if (v->kind == NN_VALUE_LIST && v->nitems <= NN_LIST_MAX) {
            for (int i = 0; i < v->nitems; i++)
                if (v->items[i].kind != NN_VALUE_PTR || !v->items[i].ptr)
                    return nn_error_set(NN_EINVAL, "%s: '%s' expects schedulers, item %d is %s",
                                        cls, name, i, kind_name(&v->items[i]));
            for (int i = 0; i < v->nitems; i++)
                l->v[i] = v->items[i].ptr;
            l->n = v->nitems;
            return NN_OK;
        }
        want = "a list of schedulers";
        break;
    }
    default:
        break;
    }
    return nn_error_set(NN_EINVAL, "%s: '%s' expects %s%s, got %s", cls, name, want,
                        nullable ? " or None" : "", kind_name(v));
}

int nn__invalid(const char *what, double v) {
    char b[32];
    return nn_error_set(NN_EINVAL, "%s: %s", what, nn__py_float_repr(v, b));
}

int nn__invalid2(const char *fmt, double a, double b) {
    char ba[32], bb[32];
    char msg[256];
    snprintf(msg, sizeof msg, fmt, nn__py_float_repr(a, ba), nn__py_float_repr(b, bb));
    return nn_error_set(NN_EINVAL, "%s", msg);
}

int nn__adam_family_validate(double lr, const double betas[2], double eps, double weight_decay) {
    if (!(0.0 <= lr))
        return nn__invalid("Invalid learning rate", lr);
    if (!(0.0 <= eps))
        return nn__invalid("Invalid epsilon value", eps);
    if (!(0.0 <= betas[0] && betas[0] < 1.0))
        return nn__invalid("Invalid beta parameter at index 0", betas[0]);
    if (!(0.0 <= betas[1] && betas[1] < 1.0))
        return nn__invalid("Invalid beta parameter at index 1", betas[1]);
    if (!(0.0 <= weight_decay))
        return nn__invalid("Invalid weight_decay value", weight_decay);
    return NN_OK;
}
