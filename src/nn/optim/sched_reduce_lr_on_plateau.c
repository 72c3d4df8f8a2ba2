/*
 * sched_reduce_lr_on_plateau.c - torch.optim.lr_scheduler.ReduceLROnPlateau (lr_scheduler.py,
 * 1.13). Not an _LRScheduler: no initial step, no initial_lr; it steps with a metric.
 */
#include "sched_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_reduce_lr_on_plateau_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("mode", NN_ARG_STR, 0, "'min'", NULL, mode,
        "'min': reduce when the metric stops decreasing; 'max': stops increasing"),
    ARG("factor", NN_ARG_FLOAT, 0, "0.1", NULL, factor, "new_lr = lr * factor"),
    ARG("patience", NN_ARG_INT, 0, "10", NULL, patience,
        "epochs without improvement before the lr is reduced"),
    ARG("threshold", NN_ARG_FLOAT, 0, "0.0001", NULL, threshold,
        "minimal change that counts as an improvement"),
    ARG("threshold_mode", NN_ARG_STR, 0, "'rel'", NULL, threshold_mode, "'rel' or 'abs'"),
    ARG("cooldown", NN_ARG_INT, 0, "0", NULL, cooldown,
        "epochs to wait after a reduction before counting again"),
    ARG("min_lr", NN_ARG_FLOATS, 0, "0", NULL, min_lr,
        "lower bound of the lr (or one per param group)"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "reductions smaller than eps are skipped"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

typedef struct plateau {
    double min_lrs[NN_LIST_MAX];
    double best;
    int64_t num_bad_epochs, cooldown_counter;
    int max_mode, abs_mode;
} plateau;

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    if (o->factor >= 1.0)
        return nn_error_set(NN_EINVAL, "Factor should be < 1.0.");
    plateau *p = calloc(1, sizeof *p);
    if (!p)
        return nn_error_set(NN_ENOMEM, "out of memory");
    s->impl = p;
    if (o->min_lr.n > 0 && o->min_lr.n != s->ngroups)
        return nn_error_set(NN_EINVAL, "expected %d min_lrs, got %d", s->ngroups, o->min_lr.n);
    for (int i = 0; i < s->ngroups; i++)
        p->min_lrs[i] = o->min_lr.n > 0 ? o->min_lr.v[i] : o->min_lr.v[0];
    const char *mode = o->mode ? o->mode : "None";
    const char *tmode = o->threshold_mode ? o->threshold_mode : "None";
    if (strcmp(mode, "min") != 0 && strcmp(mode, "max") != 0)
        return nn_error_set(NN_EINVAL, "mode %s is unknown!", mode);
    if (strcmp(tmode, "rel") != 0 && strcmp(tmode, "abs") != 0)
        return nn_error_set(NN_EINVAL, "threshold mode %s is unknown!", tmode);
    p->max_mode = strcmp(mode, "max") == 0;
    p->abs_mode = strcmp(tmode, "abs") == 0;
    s->last_epoch = 0;
    p->best = p->max_mode ? -INFINITY : INFINITY; /* mode_worse */
    p->cooldown_counter = 0;
    p->num_bad_epochs = 0;
    nn__sched_read_last_lr(s);
    return NN_OK;
}

static int is_better(const OPTS *o, const plateau *p, double a, double best) {
    if (!p->max_mode && !p->abs_mode)
        return a < best * (1. - o->threshold);
    if (!p->max_mode)
        return a < best - o->threshold;
    if (!p->abs_mode)
        return a > best * (o->threshold + 1.);
    return a > best + o->threshold;
}

static int step_metric(nn_sched *s, double current) {
    const OPTS *o = s->opts;
    plateau *p = s->impl;
    s->last_epoch += 1;
    if (is_better(o, p, current, p->best)) {
        p->best = current;
        p->num_bad_epochs = 0;
    } else {
        p->num_bad_epochs += 1;
    }
    if (p->cooldown_counter > 0) {
        p->cooldown_counter -= 1;
        p->num_bad_epochs = 0;
    }
    if (p->num_bad_epochs > o->patience) {
        for (int i = 0; i < s->ngroups; i++) {
            double old_lr = nn_optim_get_lr(s->opt, i);
            double new_lr = old_lr * o->factor;
            if (p->min_lrs[i] > new_lr) /* max(old_lr * factor, min_lr) */
                new_lr = p->min_lrs[i];
            if (old_lr - new_lr > o->eps) {
                int rc = nn_optim_set_lr(s->opt, i, new_lr);
                if (rc != NN_OK)
                    return rc;
            }
        }
        p->cooldown_counter = o->cooldown;
        p->num_bad_epochs = 0;
    }
    nn__sched_read_last_lr(s);
    return NN_OK;
}

static void free_impl(nn_sched *s) {
    free(s->impl);
}

static const struct nn_sched_ops ops = {
    .init = init, .step_metric = step_metric, .free_impl = free_impl};
static const OPTS defaults = NN_REDUCE_LR_ON_PLATEAU_OPTS_INIT;
const nn_sched_desc nn_sched_reduce_lr_on_plateau_desc = {
    "torch.optim.lr_scheduler.ReduceLROnPlateau",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
