/*
 * sched_cosine_annealing_warm_restarts.c - torch.optim.lr_scheduler.CosineAnnealingWarmRestarts
 * (lr_scheduler.py, 1.13). It has its own step(epoch=None): T_cur counts within the period T_i,
 * which grows by T_mult at each restart; a given epoch may be fractional.
 */
#include "sched_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define OPTS nn_cosine_annealing_warm_restarts_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("T_0", NN_ARG_INT, NN_ARG_NODEFAULT, NULL, NULL, T_0,
        "iterations before the first restart"),
    ARG("T_mult", NN_ARG_INT, 0, "1", NULL, T_mult,
        "factor by which the period grows at a restart"),
    ARG("eta_min", NN_ARG_FLOAT, 0, "0", NULL, eta_min, "minimum learning rate"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

typedef struct cawr {
    double T_cur; /* an int unless an epoch was fractional */
    int64_t T_i;
} cawr;

static const double PI = 3.141592653589793;

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    if (o->T_0 <= 0)
        return nn_error_set(NN_EINVAL, "Expected positive integer T_0, but got %lld",
                            (long long)o->T_0);
    if (o->T_mult < 1)
        return nn_error_set(NN_EINVAL, "Expected integer T_mult >= 1, but got %lld",
                            (long long)o->T_mult);
    cawr *c = calloc(1, sizeof *c);
    if (!c)
        return nn_error_set(NN_ENOMEM, "out of memory");
    c->T_i = o->T_0;
    c->T_cur = (double)o->last_epoch;
    s->impl = c;
    return nn__sched_lr_init(s, o->last_epoch);
}

static int apply(nn_sched *s) {
    const OPTS *o = s->opts;
    const cawr *c = s->impl;
    double lrs[NN_LIST_MAX];
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = o->eta_min +
                 (s->base_lrs[i] - o->eta_min) * (1 + cos(PI * c->T_cur / (double)c->T_i)) / 2;
    return nn__sched_apply(s, lrs);
}

static int step_epoch(nn_sched *s, double epoch) {
    const OPTS *o = s->opts;
    cawr *c = s->impl;
    if (epoch < 0) {
        char b[32];
        return nn_error_set(NN_EINVAL, "Expected non-negative epoch, but got %s",
                            epoch == floor(epoch) ? (snprintf(b, sizeof b, "%.0f", epoch), b)
                                                  : nn__py_float_repr(epoch, b));
    }
    if (epoch >= (double)o->T_0) {
        if (o->T_mult == 1) {
            c->T_cur = nn__py_fmod(epoch, (double)o->T_0);
        } else {
            const double tm = (double)o->T_mult;
            /* int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)) */
            int64_t n = (int64_t)(log(epoch / (double)o->T_0 * (tm - 1) + 1) / log(tm));
            double p = pow(tm, (double)n);
            c->T_cur = epoch - (double)o->T_0 * (p - 1) / (tm - 1);
            c->T_i = o->T_0 * (int64_t)p;
        }
    } else {
        c->T_i = o->T_0;
        c->T_cur = epoch;
    }
    s->last_epoch = (int64_t)floor(epoch);
    return apply(s);
}

static int step(nn_sched *s) {
    const OPTS *o = s->opts;
    cawr *c = s->impl;
    if (s->last_epoch < 0)
        return step_epoch(s, 0);
    s->last_epoch += 1;
    c->T_cur = c->T_cur + 1;
    if (c->T_cur >= (double)c->T_i) {
        c->T_cur = c->T_cur - (double)c->T_i;
        c->T_i = c->T_i * o->T_mult;
    }
    return apply(s);
}

static void free_impl(nn_sched *s) {
    free(s->impl);
}

static const struct nn_sched_ops ops = {
    .init = init, .step = step, .step_epoch = step_epoch, .free_impl = free_impl};
static const OPTS defaults = NN_COSINE_ANNEALING_WARM_RESTARTS_OPTS_INIT;
const nn_sched_desc nn_sched_cosine_annealing_warm_restarts_desc = {
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
