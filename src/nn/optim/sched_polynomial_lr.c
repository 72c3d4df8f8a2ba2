/* sched_polynomial_lr.c - torch.optim.lr_scheduler.PolynomialLR (lr_scheduler.py, 1.13). */
#include "sched_internal.h"

#define OPTS nn_polynomial_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("total_iters", NN_ARG_INT, 0, "5", NULL, total_iters, "steps over which the lr decays"),
    ARG("power", NN_ARG_FLOAT, 0, "1.0", NULL, power, "power of the polynomial"),
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
    int keep = s->last_epoch == 0 || s->last_epoch > o->total_iters;
    double decay = 1;
    if (!keep) {
        const double t = (double)o->total_iters;
        double num = 1.0 - (double)s->last_epoch / t, den = 1.0 - (double)(s->last_epoch - 1) / t;
        if (den == 0)
            return nn__zero_division("float division by zero");
        int rc = nn__py_pow(num / den, o->power, &decay);
        if (rc != NN_OK)
            return rc;
    }
    for (int i = 0; i < s->ngroups; i++) {
        double lr = nn_optim_get_lr(s->opt, i);
        lrs[i] = keep ? lr : lr * decay;
    }
    return NN_OK;
}

static int closed_form(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    if (o->total_iters == 0)
        return nn__zero_division("division by zero");
    const int64_t m = o->total_iters < s->last_epoch ? o->total_iters : s->last_epoch;
    double f;
    int rc = nn__py_pow(1.0 - (double)m / (double)o->total_iters, o->power, &f);
    if (rc != NN_OK)
        return rc;
    for (int i = 0; i < s->ngroups; i++)
        lrs[i] = s->base_lrs[i] * f;
    return NN_OK;
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .closed_form = closed_form};
static const OPTS defaults = NN_POLYNOMIAL_LR_OPTS_INIT;
const nn_sched_desc nn_sched_polynomial_lr_desc = {
    "torch.optim.lr_scheduler.PolynomialLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
