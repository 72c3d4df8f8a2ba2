/* sched_linear_lr.c - torch.optim.lr_scheduler.LinearLR (lr_scheduler.py, 1.13). */
#include "sched_internal.h"

#define OPTS nn_linear_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("start_factor", NN_ARG_FLOAT, 0, "0.3333333333333333", NULL, start_factor,
        "factor applied to the lr at the first step"),
    ARG("end_factor", NN_ARG_FLOAT, 0, "1.0", NULL, end_factor,
        "factor reached at the end of the linear change"),
    ARG("total_iters", NN_ARG_INT, 0, "5", NULL, total_iters, "steps of the linear change"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    if (o->start_factor > 1.0 || o->start_factor < 0)
        return nn_error_set(NN_EINVAL,
                            "Starting multiplicative factor expected to be between 0 and 1.");
    if (o->end_factor > 1.0 || o->end_factor < 0)
        return nn_error_set(NN_EINVAL,
                            "Ending multiplicative factor expected to be between 0 and 1.");
    return nn__sched_lr_init(s, o->last_epoch);
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    const double diff = o->end_factor - o->start_factor;
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        if (s->last_epoch == 0) {
            lrs[i] = lr * o->start_factor;
        } else if (s->last_epoch > o->total_iters) {
            lrs[i] = lr;
        } else {
            double den =
                (double)o->total_iters * o->start_factor + (double)(s->last_epoch - 1) * diff;
            if (den == 0)
                return nn__zero_division("float division by zero");
            lrs[i] = lr * (1. + diff / den);
        }
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    if (o->total_iters == 0)
        return nn__zero_division("float division by zero");
    const int64_t m = o->total_iters < s->last_epoch ? o->total_iters : s->last_epoch;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] * (o->start_factor + (o->end_factor - o->start_factor) * (double)m /
                                                         (double)o->total_iters);
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_LINEAR_LR_OPTS_INIT;
const nn_sched_desc nn_sched_linear_lr_desc = {
    "torch.optim.lr_scheduler.LinearLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
