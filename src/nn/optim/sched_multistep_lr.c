/* sched_multistep_lr.c - torch.optim.lr_scheduler.MultiStepLR (lr_scheduler.py, 1.13).
 * milestones is a multiset (collections.Counter): a repeated milestone decays several times. */
#include "sched_internal.h"

#define OPTS nn_multistep_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("milestones", NN_ARG_INTS, NN_ARG_NODEFAULT, NULL, NULL, milestones,
        "epochs at which the lr decays (a repeated one decays repeatedly)"),
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
    int count = 0;
    for (int i = 0; i < o->milestones.n; i++)
        count += o->milestones.v[i] == s->last_epoch;
    double f = 1;
    if (count) {
        int rc = nn__py_pow(o->gamma, count, &f);
        if (rc != NN_OK)
            return rc;
    }
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        lrs[i] = count ? lr * f : lr;
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    /* bisect_right over the sorted elements: how many milestones are <= last_epoch */
    int below = 0;
    for (int i = 0; i < o->milestones.n; i++)
        below += o->milestones.v[i] <= s->last_epoch;
    double f;
    int rc = nn__py_pow(o->gamma, below, &f);
    if (rc != NN_OK)
        return rc;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] * f;
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_MULTISTEP_LR_OPTS_INIT;
const nn_sched_desc nn_sched_multistep_lr_desc = {
    "torch.optim.lr_scheduler.MultiStepLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
