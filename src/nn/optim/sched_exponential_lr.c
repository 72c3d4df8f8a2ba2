/* sched_exponential_lr.c - torch.optim.lr_scheduler.ExponentialLR (lr_scheduler.py, 1.13). */
#include "sched_internal.h"

#define OPTS nn_exponential_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("gamma", NN_ARG_FLOAT, NN_ARG_NODEFAULT, NULL, NULL, gamma,
        "multiplicative factor applied each step"),
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
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        lrs[i] = s->last_epoch == 0 ? lr : lr * o->gamma;
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    double f;
    int rc = nn__py_pow(o->gamma, (double)s->last_epoch, &f);
    if (rc != NN_OK)
        return rc;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] * f;
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_EXPONENTIAL_LR_OPTS_INIT;
const nn_sched_desc nn_sched_exponential_lr_desc = {
    "torch.optim.lr_scheduler.ExponentialLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
