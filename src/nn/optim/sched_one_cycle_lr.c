/*
 * sched_one_cycle_lr.c - torch.optim.lr_scheduler.OneCycleLR (lr_scheduler.py, 1.13).
 *
 * The constructor stores initial_lr, max_lr, min_lr (and max_momentum, base_momentum) in the
 * param groups, as torch does, and the phases read them back from there at every step. With an
 * optimizer that has betas (Adam...), beta1 is cycled instead of momentum.
 */
#include "sched_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_one_cycle_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("max_lr", NN_ARG_FLOATS, NN_ARG_NODEFAULT, NULL, NULL, max_lr,
        "peak learning rate (or one per param group)"),
    ARG("total_steps", NN_ARG_INT, NN_ARG_NULLABLE, "None", NULL, total_steps,
        "steps in the cycle (None: epochs * steps_per_epoch)"),
    ARG("epochs", NN_ARG_INT, NN_ARG_NULLABLE, "None", NULL, epochs, "epochs to train for"),
    ARG("steps_per_epoch", NN_ARG_INT, NN_ARG_NULLABLE, "None", NULL, steps_per_epoch,
        "steps per epoch"),
    ARG("pct_start", NN_ARG_FLOAT, 0, "0.3", NULL, pct_start,
        "fraction of the cycle spent increasing the lr"),
    ARG("anneal_strategy", NN_ARG_STR, 0, "'cos'", NULL, anneal_strategy, "'cos' or 'linear'"),
    ARG("cycle_momentum", NN_ARG_BOOL, 0, "True", NULL, cycle_momentum,
        "cycle momentum (or beta1) inversely to the lr"),
    ARG("base_momentum", NN_ARG_FLOATS, 0, "0.85", NULL, base_momentum,
        "lower momentum boundary (or one per param group)"),
    ARG("max_momentum", NN_ARG_FLOATS, 0, "0.95", NULL, max_momentum,
        "upper momentum boundary (or one per param group)"),
    ARG("div_factor", NN_ARG_FLOAT, 0, "25.0", NULL, div_factor,
        "initial_lr = max_lr / div_factor"),
    ARG("final_div_factor", NN_ARG_FLOAT, 0, "10000.0", NULL, final_div_factor,
        "min_lr = initial_lr / final_div_factor"),
    ARG("three_phase", NN_ARG_BOOL, 0, "False", NULL, three_phase,
        "a third phase annihilates the lr down to min_lr"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch,
        "index of the last batch (-1: start; otherwise resume, needs initial_lr)"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

typedef struct phase {
    double end_step;
    const char *start_lr, *end_lr, *start_momentum, *end_momentum;
} phase;

typedef struct one_cycle {
    int64_t total_steps;
    phase phases[3];
    int nphases, cos, use_beta1;
} one_cycle;

static const double PI = 3.141592653589793;

static int init(nn_sched *s) {
    const OPTS *o = s->opts;
    one_cycle *c = calloc(1, sizeof *c);
    if (!c)
        return nn_error_set(NN_ENOMEM, "out of memory");
    s->impl = c;
    if (o->total_steps == NN_NONE_INT && o->epochs == NN_NONE_INT &&
        o->steps_per_epoch == NN_NONE_INT)
        return nn_error_set(NN_EINVAL,
                            "You must define either total_steps OR (epochs AND steps_per_epoch)");
    if (o->total_steps != NN_NONE_INT) {
        if (o->total_steps <= 0)
            return nn_error_set(NN_EINVAL, "Expected positive integer total_steps, but got %lld",
                                (long long)o->total_steps);
        c->total_steps = o->total_steps;
    } else {
        if (o->epochs == NN_NONE_INT || o->epochs <= 0) {
            if (o->epochs == NN_NONE_INT)
                return nn_error_set(NN_EINVAL, "Expected positive integer epochs, but got None");
            return nn_error_set(NN_EINVAL, "Expected positive integer epochs, but got %lld",
                                (long long)o->epochs);
        }
        if (o->steps_per_epoch == NN_NONE_INT)
            return nn_error_set(NN_EINVAL,
                                "Expected positive integer steps_per_epoch, but got None");
        if (o->steps_per_epoch <= 0)
            return nn_error_set(NN_EINVAL,
                                "Expected positive integer steps_per_epoch, but got %lld",
                                (long long)o->steps_per_epoch);
        c->total_steps = o->epochs * o->steps_per_epoch;
    }
    const double total = (double)c->total_steps;
    if (o->three_phase) {
        c->phases[0] = (phase){o->pct_start * total - 1, "initial_lr", "max_lr", "max_momentum",
                               "base_momentum"};
        c->phases[1] = (phase){2 * o->pct_start * total - 2, "max_lr", "initial_lr",
                               "base_momentum", "max_momentum"};
        c->phases[2] = (phase){total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"};
        c->nphases = 3;
    } else {
        c->phases[0] = (phase){o->pct_start * total - 1, "initial_lr", "max_lr", "max_momentum",
                               "base_momentum"};
        c->phases[1] = (phase){total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"};
        c->nphases = 2;
    }
    if (o->pct_start < 0 || o->pct_start > 1 || isnan(o->pct_start)) {
        char b[32];
        return nn_error_set(NN_EINVAL, "Expected float between 0 and 1 pct_start, but got %s",
                            nn__py_float_repr(o->pct_start, b));
    }
    const char *as = o->anneal_strategy ? o->anneal_strategy : "None";
    if (strcmp(as, "cos") != 0 && strcmp(as, "linear") != 0)
        return nn_error_set(NN_EINVAL,
                            "anneal_strategy must by one of 'cos' or 'linear', instead got %s", as);
    c->cos = strcmp(as, "cos") == 0;
    double max_lrs[NN_LIST_MAX];
    int rc = nn__format_param("max_lr", &o->max_lr, s->ngroups, max_lrs);
    if (rc != NN_OK)
        return rc;
    if (o->last_epoch == -1) {
        for (int i = 0; i < s->ngroups; i++) {
            double initial = max_lrs[i] / o->div_factor, min_lr = initial / o->final_div_factor;
            if ((rc = nn_optim_put(s->opt, i, "initial_lr", &initial, 1)) != NN_OK ||
                (rc = nn_optim_put(s->opt, i, "max_lr", &max_lrs[i], 1)) != NN_OK ||
                (rc = nn_optim_put(s->opt, i, "min_lr", &min_lr, 1)) != NN_OK)
                return rc;
        }
    }
    if (o->cycle_momentum) {
        const nn_optim_desc *od = nn_optim_describe(s->opt);
        int has_momentum = nn__args_find(od->args, od->nargs, "momentum") != NULL;
        c->use_beta1 = nn__args_find(od->args, od->nargs, "betas") != NULL;
        if (!has_momentum && !c->use_beta1)
            return nn_error_set(NN_EINVAL,
                                "optimizer must support momentum with `cycle_momentum` option "
                                "enabled");
        double maxm[NN_LIST_MAX], basem[NN_LIST_MAX];
        if ((rc = nn__format_param("max_momentum", &o->max_momentum, s->ngroups, maxm)) != NN_OK ||
            (rc = nn__format_param("base_momentum", &o->base_momentum, s->ngroups, basem)) != NN_OK)
            return rc;
        if (o->last_epoch == -1) {
            for (int i = 0; i < s->ngroups; i++) {
                if (c->use_beta1) {
                    double betas[2];
                    nn_optim_get(s->opt, i, "betas", betas);
                    betas[0] = maxm[i];
                    rc = nn_optim_set(s->opt, i, "betas", betas, 2);
                } else {
                    rc = nn_optim_set(s->opt, i, "momentum", &maxm[i], 1);
                }
                if (rc != NN_OK || (rc = nn_optim_put(s->opt, i, "max_momentum", &maxm[i], 1)) ||
                    (rc = nn_optim_put(s->opt, i, "base_momentum", &basem[i], 1)))
                    return rc;
            }
        }
    }
    return nn__sched_lr_init(s, o->last_epoch);
}

static double anneal(int cos_mode, double start, double end, double pct) {
    if (cos_mode) {
        double cos_out = cos(PI * pct) + 1;
        return end + (start - end) / 2.0 * cos_out;
    }
    return (end - start) * pct + start;
}

static int group_key(const nn_sched *s, int g, const char *key, double *out) {
    double v[2];
    if (nn_optim_get(s->opt, g, key, v) < 1)
        return nn_error_set(NN_EINVAL, "KeyError: '%s' (param group %d)", key, g);
    *out = v[0];
    return NN_OK;
}

static int get_lr(nn_sched *s, double *lrs) {
    const OPTS *o = s->opts;
    const one_cycle *c = s->impl;
    const int64_t step_num = s->last_epoch;
    if (step_num > c->total_steps)
        return nn_error_set(NN_EINVAL,
                            "Tried to step %lld times. The specified number of total steps is %lld",
                            (long long)(step_num + 1), (long long)c->total_steps);
    for (int g = 0; g < s->ngroups; g++) {
        double start_step = 0, lr = 0, mom = 0;
        for (int i = 0; i < c->nphases; i++) {
            const phase *ph = &c->phases[i];
            if ((double)step_num <= ph->end_step || i == c->nphases - 1) {
                if (ph->end_step - start_step == 0)
                    return nn__zero_division("float division by zero");
                double pct = ((double)step_num - start_step) / (ph->end_step - start_step);
                double a = 0, b = 0;
                int rc;
                if ((rc = group_key(s, g, ph->start_lr, &a)) != NN_OK ||
                    (rc = group_key(s, g, ph->end_lr, &b)) != NN_OK)
                    return rc;
                lr = anneal(c->cos, a, b, pct);
                if (o->cycle_momentum) {
                    if ((rc = group_key(s, g, ph->start_momentum, &a)) != NN_OK ||
                        (rc = group_key(s, g, ph->end_momentum, &b)) != NN_OK)
                        return rc;
                    mom = anneal(c->cos, a, b, pct);
                }
                break;
            }
            start_step = ph->end_step;
        }
        lrs[g] = lr;
        if (o->cycle_momentum) {
            int rc;
            if (c->use_beta1) {
                double betas[2];
                nn_optim_get(s->opt, g, "betas", betas);
                betas[0] = mom;
                rc = nn_optim_set(s->opt, g, "betas", betas, 2);
            } else {
                rc = nn_optim_set(s->opt, g, "momentum", &mom, 1);
            }
            if (rc != NN_OK)
                return rc;
        }
    }
    return NN_OK;
}

static void free_impl(nn_sched *s) {
    free(s->impl);
}

static const struct nn_sched_ops ops = {.init = init, .get_lr = get_lr, .free_impl = free_impl};
static const OPTS defaults = NN_ONE_CYCLE_LR_OPTS_INIT;
const nn_sched_desc nn_sched_one_cycle_lr_desc = {
    "torch.optim.lr_scheduler.OneCycleLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
