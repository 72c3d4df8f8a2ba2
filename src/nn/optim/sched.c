/*
 * sched.c - the scheduler object and torch's _LRScheduler base: construction (initial_lr,
 * base_lrs, the initial step), step(), step(epoch) and get_last_lr().
 */
#include "sched_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const nn_sched_desc *const nn_sched_descs[] = {
    &nn_sched_lambda_lr_desc,
    &nn_sched_multiplicative_lr_desc,
    &nn_sched_step_lr_desc,
    &nn_sched_multistep_lr_desc,
    &nn_sched_constant_lr_desc,
    &nn_sched_linear_lr_desc,
    &nn_sched_exponential_lr_desc,
    &nn_sched_sequential_lr_desc,
    &nn_sched_cosine_annealing_lr_desc,
    &nn_sched_chained_scheduler_desc,
    &nn_sched_reduce_lr_on_plateau_desc,
    &nn_sched_cyclic_lr_desc,
    &nn_sched_cosine_annealing_warm_restarts_desc,
    &nn_sched_one_cycle_lr_desc,
    &nn_sched_polynomial_lr_desc,
    NULL,
};

const nn_sched_desc *nn_sched_find(const char *target) {
    for (int i = 0; nn_sched_descs[i]; i++)
        if (strcmp(nn_sched_descs[i]->target, target) == 0 ||
            strcmp(nn__class_name(nn_sched_descs[i]->target), target) == 0)
            return nn_sched_descs[i];
    return NULL;
}

void nn_sched_opts_init(const nn_sched_desc *d, void *opts) {
    memcpy(opts, d->defaults, d->opts_size);
}

int nn_sched_opts_set(const nn_sched_desc *d, void *opts, const char *name, const nn_value *v) {
    return nn__args_set(nn__class_name(d->target), d->args, d->nargs, opts, name, v);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                      */

double nn__group_value(const nn_sched *s, int group, const char *key) {
    double v[2];
    int n = nn_optim_get(s->opt, group, key, v);
    return n >= 1 ? v[0] : NAN;
}

int nn__format_param(const char *name, const nn_floats *p, int ngroups, double *out) {
    if (p->n > 0 && p->n != ngroups)
        return nn_error_set(NN_EINVAL, "expected %d values for %s, got %d", ngroups, name, p->n);
    for (int i = 0; i < ngroups; i++)
        out[i] = p->n > 0 ? p->v[i] : p->v[0];
    return NN_OK;
}

int nn__py_pow(double x, double y, double *out) {
    if (x == 0.0 && y < 0.0)
        return nn_error_set(NN_EINVAL,
                            "ZeroDivisionError: 0.0 cannot be raised to a negative power");
    if (x < 0.0 && isfinite(x) && isfinite(y) && y != floor(y))
        return nn_error_set(NN_EINVAL,
                            "a negative number raised to a fractional power gives a complex "
                            "number (%g ** %g)",
                            x, y);
    *out = pow(x, y);
    if (isinf(*out) && isfinite(x) && isfinite(y))
        return nn_error_set(NN_EINVAL, "OverflowError: (34, 'Numerical result out of range')");
    return NN_OK;
}

int nn__zero_division(const char *what) {
    return nn_error_set(NN_EINVAL, "ZeroDivisionError: %s", what);
}

void nn__sched_read_last_lr(nn_sched *s) {
    for (int i = 0; i < s->ngroups; i++)
        s->last_lr[i] = nn_optim_get_lr(s->opt, i);
}

int nn__sched_apply(nn_sched *s, const double *lrs) {
    for (int i = 0; i < s->ngroups; i++) {
        int rc = nn_optim_set_lr(s->opt, i, lrs[i]);
        if (rc != NN_OK)
            return rc;
    }
    nn__sched_read_last_lr(s);
    return NN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* lr_lambda expressions                                                                        */

typedef struct lambdas {
    nn_expr *fn[NN_LIST_MAX];
} lambdas;

/* LambdaLR and MultiplicativeLR: their lr_lambda expressions, compiled once. */
int nn__lambdas_init(nn_sched *s, const nn_exprs *l, int64_t last_epoch) {
    lambdas *c = calloc(1, sizeof *c);
    if (!c)
        return nn_error_set(NN_ENOMEM, "out of memory");
    s->impl = c;
    if (l->n > 0 && l->n != s->ngroups)
        return nn_error_set(NN_EINVAL, "Expected %d lr_lambdas, but got %d", s->ngroups, l->n);
    const char *vars[] = {"epoch"};
    for (int i = 0; i < s->ngroups; i++) {
        const char *src = l->n > 0 ? l->v[i] : l->v[0];
        nn_expr_error err;
        int rc = src ? nn_expr_parse(&c->fn[i], src, vars, 1, &err)
                     : nn_error_set(NN_EINVAL, "lr_lambda %d is None", i);
        if (rc != NN_OK)
            return nn_error_wrap(rc, "%s lr_lambda: ", nn__class_name(s->desc->target));
    }
    return nn__sched_lr_init(s, last_epoch);
}

int nn__lambdas_call(nn_sched *s, int g, double *out) {
    const lambdas *c = s->impl;
    nn_expr_value arg = nn_expr_int(s->last_epoch), v;
    int rc = nn_expr_eval(c->fn[g], &arg, &v, NULL);
    if (rc != NN_OK)
        return nn_error_wrap(rc, "%s lr_lambda: ", nn__class_name(s->desc->target));
    *out = nn_expr_as_double(v);
    return NN_OK;
}

void nn__lambdas_free(nn_sched *s) {
    lambdas *c = s->impl;
    if (!c)
        return;
    for (int i = 0; i < NN_LIST_MAX; i++)
        nn_expr_free(c->fn[i]);
    free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* _LRScheduler                                                                                 */

int nn__sched_lr_step(nn_sched *s) {
    s->step_count++;
    s->last_epoch++;
    double lrs[NN_LIST_MAX];
    int rc = s->desc->ops->get_lr(s, lrs);
    return rc != NN_OK ? rc : nn__sched_apply(s, lrs);
}

int nn__sched_lr_step_epoch(nn_sched *s, int64_t epoch) {
    s->step_count++;
    s->last_epoch = epoch;
    double lrs[NN_LIST_MAX];
    const struct nn_sched_ops *ops = s->desc->ops;
    int rc = ops->closed_form ? ops->closed_form(s, lrs) : ops->get_lr(s, lrs);
    return rc != NN_OK ? rc : nn__sched_apply(s, lrs);
}

int nn__sched_lr_init(nn_sched *s, int64_t last_epoch) {
    for (int i = 0; i < s->ngroups; i++) {
        if (last_epoch == -1) {
            if (!nn_optim_has(s->opt, i, "initial_lr")) { /* group.setdefault('initial_lr', lr) */
                double lr = nn_optim_get_lr(s->opt, i);
                int rc = nn_optim_put(s->opt, i, "initial_lr", &lr, 1);
                if (rc != NN_OK)
                    return rc;
            }
        } else if (!nn_optim_has(s->opt, i, "initial_lr")) {
            return nn_error_set(NN_EINVAL,
                                "KeyError: \"param 'initial_lr' is not specified in "
                                "param_groups[%d] when resuming an optimizer\"",
                                i);
        }
        s->base_lrs[i] = nn__group_value(s, i, "initial_lr");
    }
    s->last_epoch = last_epoch;
    /* _initial_step */
    s->step_count = 0;
    return nn_sched_step(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                   */

static int missing_required(const nn_sched_desc *d, const void *opts) {
    char names[256] = "";
    int n = 0;
    const char *cls = nn__class_name(d->target);
    const char *found[NN_LIST_MAX];
    for (int i = 0; i < d->nargs; i++) {
        const nn_arg *a = &d->args[i];
        if (!(a->flags & NN_ARG_NODEFAULT) || a->type == NN_ARG_OPTIMIZER)
            continue;
        const char *f = (const char *)opts + a->offset;
        int missing = 0;
        switch (a->type) {
        case NN_ARG_FLOAT:
            missing = nn_is_required(*(const double *)f);
            break;
        case NN_ARG_INT:
            missing = *(const int64_t *)f == NN_NONE_INT;
            break;
        case NN_ARG_FLOATS:
            missing =
                ((const nn_floats *)f)->n == 0 && nn_is_required(((const nn_floats *)f)->v[0]);
            break;
        case NN_ARG_EXPRS:
            missing = ((const nn_exprs *)f)->n == 0 && !((const nn_exprs *)f)->v[0];
            break;
        case NN_ARG_INTS:
            missing = ((const nn_ints *)f)->n < 0;
            break;
        case NN_ARG_SCHEDULERS:
            missing = ((const nn_scheds *)f)->n < 0;
            break;
        default:
            break;
        }
        if (missing)
            found[n++] = a->name;
    }
    if (!n)
        return NN_OK;
    /* Python's wording: 'a', 'b' and 'c' */
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s'%s'",
                 i == 0       ? ""
                 : i == n - 1 ? " and "
                              : ", ",
                 found[i]);
    }
    return nn_error_set(NN_EINVAL,
                        "TypeError: %s.__init__() missing %d required positional argument%s: %s",
                        cls, n, n == 1 ? "" : "s", names);
}

int nn_sched_new(nn_sched **out, const nn_sched_desc *d, nn_optim *opt, const void *opts) {
    *out = NULL;
    const struct nn_sched_ops *ops = d->ops;
    if (!opts)
        opts = d->defaults;
    if (!ops->no_optimizer && !opt)
        return nn_error_set(NN_EINVAL, "TypeError: NoneType is not an Optimizer");
    int rc = missing_required(d, opts);
    if (rc != NN_OK)
        return rc;
    nn_sched *s = calloc(1, sizeof *s);
    if (!s || !(s->opts = malloc(d->opts_size))) {
        free(s);
        return nn_error_set(NN_ENOMEM, "out of memory creating a scheduler");
    }
    memcpy(s->opts, opts, d->opts_size);
    s->desc = d;
    s->opt = opt;
    s->ngroups = opt ? nn_optim_ngroups(opt) : 0;
    if (s->ngroups > NN_LIST_MAX) {
        nn_sched_free(s);
        return nn_error_set(NN_EINVAL, "schedulers support at most %d param groups", NN_LIST_MAX);
    }
    s->base_lrs = calloc((size_t)s->ngroups + 1, sizeof(double));
    s->last_lr = calloc((size_t)s->ngroups + 1, sizeof(double));
    if (!s->base_lrs || !s->last_lr) {
        nn_sched_free(s);
        return nn_error_set(NN_ENOMEM, "out of memory creating a scheduler");
    }
    rc = ops->init(s);
    if (rc != NN_OK) {
        nn_sched_free(s);
        return rc;
    }
    *out = s;
    return NN_OK;
}

void nn_sched_free(nn_sched *s) {
    if (!s)
        return;
    if (s->desc->ops->free_impl)
        s->desc->ops->free_impl(s);
    free(s->base_lrs);
    free(s->last_lr);
    free(s->opts);
    free(s);
}

int nn_sched_step(nn_sched *s) {
    const struct nn_sched_ops *ops = s->desc->ops;
    if (ops->step)
        return ops->step(s);
    if (!ops->get_lr)
        return nn_error_set(
            NN_EINVAL, "TypeError: %s.step() missing 1 required positional argument: 'metrics'",
            nn__class_name(s->desc->target));
    return nn__sched_lr_step(s);
}

int nn_sched_step_epoch(nn_sched *s, double epoch) {
    const struct nn_sched_ops *ops = s->desc->ops;
    const char *cls = nn__class_name(s->desc->target);
    if (ops->step_epoch)
        return ops->step_epoch(s, epoch);
    if (ops->step || !ops->get_lr)
        return nn_error_set(NN_EINVAL, "%s.step() does not take an epoch here", cls);
    if (epoch != floor(epoch) || fabs(epoch) > 9e15)
        return nn_error_set(NN_EINVAL, "%s.step(epoch): epoch must be an integer, got %g", cls,
                            epoch);
    return nn__sched_lr_step_epoch(s, (int64_t)epoch);
}

int nn_sched_step_metric(nn_sched *s, double metric) {
    const struct nn_sched_ops *ops = s->desc->ops;
    if (!ops->step_metric)
        return nn_error_set(NN_EINVAL, "%s steps without a metric: use nn_sched_step",
                            nn__class_name(s->desc->target));
    return ops->step_metric(s, metric);
}

const double *nn_sched_get_last_lr(const nn_sched *s, int *n) {
    if (n)
        *n = s->ngroups;
    return s->last_lr;
}

int64_t nn_sched_last_epoch(const nn_sched *s) {
    return s->last_epoch;
}

const nn_sched_desc *nn_sched_describe(const nn_sched *s) {
    return s->desc;
}

nn_optim *nn_sched_optimizer(const nn_sched *s) {
    return s->opt;
}
