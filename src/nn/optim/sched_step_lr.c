/* sched_step_lr.c - torch.optim.lr_scheduler.StepLR (lr_scheduler.py, 1.13). */
#include "sched_internal.h"

#define OPTS nn_step_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("step_size", NN_ARG_INT, NN_ARG_NODEFAULT, NULL, NULL, step_size,
        "period of learning rate decay, in steps"),
    ARG("gamma", NN_ARG_FLOAT, 0, "0.1", NULL, gamma, "multiplicative factor of the decay"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static int init(nn_sched *s) {
    return nn__sched_lr_init(s, ((const OPTS *)s->opts)->last_epoch);
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    int decay = 0;
    if (s->last_epoch != 0) {
        if (o->step_size == 0)
            return nn__zero_division("integer modulo by zero");
        decay = nn__py_imod(s->last_epoch, o->step_size) == 0;
    }
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        lrs[i] = decay ? lr * o->gamma : lr;
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    if (o->step_size == 0)
        return nn__zero_division("integer division or modulo by zero");
    double f;
    int rc = nn__py_pow(o->gamma, (double)nn__py_ifloordiv(s->last_epoch, o->step_size), &f);
    if (rc != NN_OK)
        return rc;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] * f;
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_STEP_LR_OPTS_INIT;
const nn_sched_desc nn_sched_step_lr_desc = {
    "torch.optim.lr_scheduler.StepLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
