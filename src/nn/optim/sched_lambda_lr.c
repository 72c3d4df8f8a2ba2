/*
 * sched_lambda_lr.c - torch.optim.lr_scheduler.LambdaLR (lr_scheduler.py, 1.13):
 * lr = base_lr * lr_lambda(last_epoch), lr_lambda an expression of `epoch` (nn/expr.h), one for
 * every group or one per group.
 */
#include "sched_internal.h"

#define ARG(o, n, t, fl, d, an, f, h)                                                              \
    { n, t, fl, d, an, offsetof(o, f), h }

static const nn_arg lambda_args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG(nn_lambda_lr_opts, "lr_lambda", NN_ARG_EXPRS, NN_ARG_NODEFAULT, NULL, NULL, lr_lambda,
        "factor of the initial lr as an expression of epoch, e.g. '0.95 ** epoch' (or one per "
        "param group)"),
    ARG(nn_lambda_lr_opts, "last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last epoch (-1: start; otherwise resume, needs initial_lr)"),
    ARG(nn_lambda_lr_opts, "verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static int init(nn_sched *s) {
    const nn_lambda_lr_opts *o = s->opts;
    return nn__lambdas_init(s, &o->lr_lambda, o->last_epoch);
}

static int get_lr(nn_sched *s, double *lrs) {
    for (int i = 0; i < s->ngroups; i++) {
        double f;
        int rc = nn__lambdas_call(s, i, &f);
        if (rc != NN_OK)
            return rc;
        lrs[i] = s->base_lrs[i] * f;
    }
    return NN_OK;
}

static const struct nn_sched_ops ops = {
    .init = init, .get_lr = get_lr, .free_impl = nn__lambdas_free};
static const nn_lambda_lr_opts defaults = NN_LAMBDA_LR_OPTS_INIT;
const nn_sched_desc nn_sched_lambda_lr_desc = {
    "torch.optim.lr_scheduler.LambdaLR",
    lambda_args,
    (int)(sizeof lambda_args / sizeof *lambda_args),
    sizeof(nn_lambda_lr_opts),
    &defaults,
    &ops,
};
