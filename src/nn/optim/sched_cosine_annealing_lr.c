/*
 * sched_cosine_annealing_lr.c - torch.optim.lr_scheduler.CosineAnnealingLR (lr_scheduler.py,
 * 1.13). step() follows torch's recursive form (which drifts from the closed form by rounding
 * and restarts at T_max boundaries); step(epoch) uses the closed form.
 */
#include "sched_internal.h"

#define OPTS nn_cosine_annealing_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("T_max", NN_ARG_FLOAT, NN_ARG_NODEFAULT, NULL, NULL, T_max,
        "maximum number of iterations (half a cosine period)"),
    ARG("eta_min", NN_ARG_FLOAT, 0, "0", NULL, eta_min, "minimum learning rate"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static const double PI = 3.141592653589793;

static int init(nn_sched *s) {
    return nn__sched_lr_init(s, ((const OPTS *)s->opts)->last_epoch);
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    const double T = o->T_max, eta = o->eta_min, e = (double)s->last_epoch;
    if (s->last_epoch != 0 && T == 0)
        return nn__zero_division("float division by zero");
    for (int i = 0; i < s->ngroups; i++) {
        const double lr = nn_optim_get_lr(s->opt, i), base = s->base_lrs[i];
        if (s->last_epoch == 0) {
            lrs[i] = lr;
        } else if (s->step_count == 1 && s->last_epoch > 0) {
            lrs[i] = eta + (base - eta) * (1 + cos(e * PI / T)) / 2;
        } else if (nn__py_fmod(e - 1 - T, 2 * T) == 0) {
            lrs[i] = lr + (base - eta) * (1 - cos(PI / T)) / 2;
        } else {
            const double den = 1 + cos(PI * (e - 1) / T);
            if (den == 0)
                return nn__zero_division("float division by zero");
            lrs[i] = (1 + cos(PI * e / T)) / den * (lr - eta) + eta;
        }
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    if (o->T_max == 0)
        return nn__zero_division("float division by zero");
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = o->eta_min + (s->base_lrs[i] - o->eta_min) *
                                  (1 + cos(PI * (double)s->last_epoch / o->T_max)) / 2;
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_COSINE_ANNEALING_LR_OPTS_INIT;
const nn_sched_desc nn_sched_cosine_annealing_lr_desc = {
    "torch.optim.lr_scheduler.CosineAnnealingLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
