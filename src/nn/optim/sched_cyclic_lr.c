/*
 * sched_cyclic_lr.c - torch.optim.lr_scheduler.CyclicLR (lr_scheduler.py, 1.13).
 *
 * The constructor sets each group's lr to base_lr (and momentum to base_momentum) before the base
 * class records initial_lr, then replaces base_lrs with base_lr. A custom scale_fn is an
 * expression of x (nn/expr.h); with it, scale_mode is taken as given ("cycle" or anything else
 * meaning iterations), as torch does.
 */
#include "sched_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_cyclic_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("base_lr", NN_ARG_FLOATS, NN_ARG_NODEFAULT, NULL, NULL, base_lr,
        "lower lr boundary of the cycle (or one per param group)"),
    ARG("max_lr", NN_ARG_FLOATS, NN_ARG_NODEFAULT, NULL, NULL, max_lr,
        "upper lr boundary of the cycle (or one per param group)"),
    ARG("step_size_up", NN_ARG_FLOAT, 0, "2000", NULL, step_size_up,
        "steps in the increasing half of a cycle"),
    ARG("step_size_down", NN_ARG_FLOAT, NN_ARG_NULLABLE, "None", NULL, step_size_down,
        "steps in the decreasing half (None: step_size_up)"),
    ARG("mode", NN_ARG_STR, 0, "'triangular'", NULL, mode,
        "'triangular', 'triangular2' or 'exp_range' (ignored with scale_fn)"),
    ARG("gamma", NN_ARG_FLOAT, 0, "1.0", NULL, gamma, "exp_range's factor: gamma ** iterations"),
    ARG("scale_fn", NN_ARG_EXPR, NN_ARG_NULLABLE, "None", NULL, scale_fn,
        "custom scaling as an expression of x, e.g. '1 / (2.0 ** (x - 1))'"),
    ARG("scale_mode", NN_ARG_STR, 0, "'cycle'", NULL, scale_mode,
        "'cycle' or 'iterations': what x is for scale_fn"),
    ARG("cycle_momentum", NN_ARG_BOOL, 0, "True", NULL, cycle_momentum,
        "cycle the optimizer's momentum inversely to the lr"),
    ARG("base_momentum", NN_ARG_FLOATS, 0, "0.8", NULL, base_momentum,
        "lower momentum boundary (or one per param group)"),
    ARG("max_momentum", NN_ARG_FLOATS, 0, "0.9", NULL, max_momentum,
        "upper momentum boundary (or one per param group)"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last batch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

enum { TRIANGULAR, TRIANGULAR2, EXP_RANGE, CUSTOM };

typedef struct cyclic {
    double max_lrs[NN_LIST_MAX], base_momentums[NN_LIST_MAX], max_momentums[NN_LIST_MAX];
    double base_lrs[NN_LIST_MAX];
    double total_size, step_ratio;
    int scale, cycle_mode; /* cycle_mode: scale_mode == 'cycle' */
    nn_expr *fn;
} cyclic;

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    cyclic *c = calloc(1, sizeof *c);
    if (!c)
        return nn_error_set(NN_ENOMEM, "out of memory");
    s->impl = c;
    int rc = nn__format_param("base_lr", &o->base_lr, s->ngroups, c->base_lrs);
    if (rc != NN_OK)
        return rc;
    if (o->last_epoch == -1)
        for (int i = 0; i < s->ngroups; i++)
            if ((rc = nn_optim_set_lr(s->opt, i, c->base_lrs[i])) != NN_OK)
                return rc;
    if ((rc = nn__format_param("max_lr", &o->max_lr, s->ngroups, c->max_lrs)) != NN_OK)
        return rc;
    const double up = o->step_size_up, down = isnan(o->step_size_down) ? up : o->step_size_down;
    c->total_size = up + down;
    if (c->total_size == 0)
        return nn__zero_division("float division by zero");
    c->step_ratio = up / c->total_size;
    const char *mode = o->mode ? o->mode : "";
    if (o->scale_fn) {
        const char *vars[] = {"x"};
        nn_expr_error err;
        if ((rc = nn_expr_parse(&c->fn, o->scale_fn, vars, 1, &err)) != NN_OK)
            return nn_error_wrap(rc, "CyclicLR scale_fn: ");
        c->scale = CUSTOM;
        c->cycle_mode = o->scale_mode && strcmp(o->scale_mode, "cycle") == 0;
    } else if (strcmp(mode, "triangular") == 0) {
        c->scale = TRIANGULAR;
        c->cycle_mode = 1;
    } else if (strcmp(mode, "triangular2") == 0) {
        c->scale = TRIANGULAR2;
        c->cycle_mode = 1;
    } else if (strcmp(mode, "exp_range") == 0) {
        c->scale = EXP_RANGE;
        c->cycle_mode = 0;
    } else {
        return nn_error_set(NN_EINVAL, "mode is invalid and scale_fn is None");
    }
    if (o->cycle_momentum) {
        const nn_optim_desc *od = nn_optim_describe(s->opt);
        if (!nn__args_find(od->args, od->nargs, "momentum")) /* 'momentum' in optimizer.defaults */
            return nn_error_set(NN_EINVAL,
                                "optimizer must support momentum with `cycle_momentum` option "
                                "enabled");
        double bm[NN_LIST_MAX];
        if ((rc = nn__format_param("base_momentum", &o->base_momentum, s->ngroups, bm)) != NN_OK)
            return rc;
        if (o->last_epoch == -1)
            for (int i = 0; i < s->ngroups; i++)
                if ((rc = nn_optim_set(s->opt, i, "momentum", &bm[i], 1)) != NN_OK)
                    return rc;
        for (int i = 0; i < s->ngroups; i++)
            c->base_momentums[i] = nn__group_value(s, i, "momentum");
        if ((rc = nn__format_param("max_momentum", &o->max_momentum, s->ngroups,
                                   c->max_momentums)) != NN_OK)
            return rc;
    }
    if ((rc = nn__sched_lr_init(s, o->last_epoch)) != NN_OK)
        return rc;
    memcpy(s->base_lrs, c->base_lrs, (size_t)s->ngroups * sizeof(double));
    return NN_OK;
}

static int scale_fn(nn_sched *s, int64_t x, double *out) {
    const OPTS *o = s->opts;
    const cyclic *c = s->impl;
    switch (c->scale) {
    case TRIANGULAR:
        *out = 1.;
        return NN_OK;
    case TRIANGULAR2: {
        double p;
        int rc = nn__py_pow(2., (double)(x - 1), &p);
        if (rc != NN_OK)
            return rc;
        *out = 1 / p;
        return NN_OK;
    }
    case EXP_RANGE:
        return nn__py_pow(o->gamma, (double)x, out);
    default: {
        nn_expr_value arg = nn_expr_int(x), v;
        int rc = nn_expr_eval(c->fn, &arg, &v, NULL);
        if (rc != NN_OK)
            return nn_error_wrap(rc, "CyclicLR scale_fn: ");
        *out = nn_expr_as_double(v);
        return NN_OK;
    }
    }
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    const cyclic *c = s->impl;
    const double e = (double)s->last_epoch;
    const int64_t cycle = (int64_t)floor(1 + e / c->total_size);
    const double x = 1. + e / c->total_size - (double)cycle;
    double scale_factor;
    if (x <= c->step_ratio) {
        if (c->step_ratio == 0)
            return nn__zero_division("float division by zero");
        scale_factor = x / c->step_ratio;
    } else {
        if (c->step_ratio == 1)
            return nn__zero_division("float division by zero");
        scale_factor = (x - 1) / (c->step_ratio - 1);
    }
    double scale;
    int rc = scale_fn(s, c->cycle_mode ? cycle : s->last_epoch, &scale);
    if (rc != NN_OK)
        return rc;
    for (int i = 0; i < s->ngroups; i++) {
        double base_height = (c->max_lrs[i] - s->base_lrs[i]) * scale_factor;
        lrs[i] = s->base_lrs[i] + base_height * scale;
    }
    if (o->cycle_momentum) {
        for (int i = 0; i < s->ngroups; i++) {
            double base_height = (c->max_momentums[i] - c->base_momentums[i]) * scale_factor;
            double m = c->max_momentums[i] - base_height * scale;
            if ((rc = nn_optim_set(s->opt, i, "momentum", &m, 1)) != NN_OK)
                return rc;
        }
    }
    return NN_OK;
}

static void free_impl(nn_sched *s) {
    cyclic *c = s->impl;
    if (c)
        nn_expr_free(c->fn);
    free(c);
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .free_impl = free_impl};
static const OPTS defaults = NN_CYCLIC_LR_OPTS_INIT;
const nn_sched_desc nn_sched_cyclic_lr_desc = {
    "torch.optim.lr_scheduler.CyclicLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
