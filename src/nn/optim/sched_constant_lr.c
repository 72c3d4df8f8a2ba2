/* sched_constant_lr.c - torch.optim.lr_scheduler.ConstantLR (lr_scheduler.py, 1.13). */
#include "sched_internal.h"

#define OPTS nn_constant_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("factor", NN_ARG_FLOAT, 0, "0.3333333333333333", NULL, factor,
        "factor applied to the lr until total_iters"),
    ARG("total_iters", NN_ARG_INT, 0, "5", NULL, total_iters,
        "steps during which the factor applies"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    if (o->factor > 1.0 || o->factor < 0)
        return nn_error_set(NN_EINVAL,
                            "Constant multiplicative factor expected to be between 0 and 1.");
    return nn__sched_lr_init(s, o->last_epoch);
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        if (s->last_epoch == 0) {
            lrs[i] = lr * o->factor;
        } else if (s->last_epoch != o->total_iters) {
            lrs[i] = lr;
        } else {
            if (o->factor == 0)
                return nn__zero_division("float division by zero");
            lrs[i] = lr * (1.0 / o->factor);
        }
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] *
                 (o->factor + (double)(s->last_epoch >= o->total_iters) * (1 - o->factor));
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_CONSTANT_LR_OPTS_INIT;
const nn_sched_desc nn_sched_constant_lr_desc = {
    "torch.optim.lr_scheduler.ConstantLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
