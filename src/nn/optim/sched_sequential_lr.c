/*
 * sched_sequential_lr.c - torch.optim.lr_scheduler.SequentialLR (lr_scheduler.py, 1.13).
 *
 * The children were built (each took its first step) before SequentialLR: it resets every
 * group's lr to initial_lr, undoes the children's first step (last_epoch -= 1), re-runs the first
 * child's initial step, then at each step picks the child by bisect_right(milestones, epoch),
 * stepping it with step(0) (its closed form) when a milestone is reached. It owns its children.
 */
#include "sched_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_sequential_lr_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"optimizer", NN_ARG_OPTIMIZER, NN_ARG_NODEFAULT, NULL, NULL, 0, "the wrapped optimizer"},
    ARG("schedulers", NN_ARG_SCHEDULERS, NN_ARG_NODEFAULT, NULL, NULL, schedulers,
        "the schedulers to run one after the other"),
    ARG("milestones", NN_ARG_INTS, NN_ARG_NODEFAULT, NULL, NULL, milestones,
        "steps at which the next scheduler takes over"),
    ARG("last_epoch", NN_ARG_INT, 0, "-1", NULL, last_epoch, "index of the last epoch"),
    ARG("verbose", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", NULL, verbose,
        "print each update (ignored)"),
};

static int init_checked(nn_sched *s) {
    OPTS *o = s->opts;
    const int n = o->schedulers.n;
    for (int i = 0; i < n; i++) {
        if (o->schedulers.v[i]->opt != s->opt)
            return nn_error_set(
                NN_EINVAL,
                "Sequential Schedulers expects all schedulers to belong to the same "
                "optimizer, but got schedulers at index %d to be different than the "
                "optimizer passed in.",
                i);
        if (!o->schedulers.v[i]->desc->ops->get_lr && !o->schedulers.v[i]->desc->ops->step)
            return nn_error_set(NN_EINVAL,
                                "SequentialLR cannot sequence %s (schedulers at index %d)",
                                nn__class_name(o->schedulers.v[i]->desc->target), i);
    }
    if (o->milestones.n != n - 1)
        return nn_error_set(
            NN_EINVAL,
            "Sequential Schedulers expects number of schedulers provided to be one "
            "more than the number of milestone points, but got number of schedulers "
            "%d and the number of milestones to be equal to %d",
            n, o->milestones.n);
    s->last_epoch = o->last_epoch + 1;
    for (int g = 0; g < s->ngroups; g++) {
        double v[2];
        if (nn_optim_get(s->opt, g, "initial_lr", v) < 1)
            return nn_error_set(NN_EINVAL, "KeyError: 'initial_lr' (param group %d)", g);
        int rc = nn_optim_set_lr(s->opt, g, v[0]);
        if (rc != NN_OK)
            return rc;
    }
    for (int i = 0; i < n; i++)
        o->schedulers.v[i]->last_epoch -= 1;
    nn_sched *first = o->schedulers.v[0];
    first->step_count = 0; /* _initial_step */
    int rc = nn_sched_step(first);
    if (rc != NN_OK)
        return rc;
    memcpy(s->last_lr, first->last_lr, (size_t)s->ngroups * sizeof(double));
    return NN_OK;
}

/* The children become ours only when construction succeeds. */
static int init(nn_sched *s) {
    int rc = init_checked(s);
    if (rc != NN_OK)
        ((OPTS *)s->opts)->schedulers.n = 0;
    return rc;
}

static int step(nn_sched *s) {
    const OPTS *o = s->opts;
    s->last_epoch += 1;
    /* bisect_right(milestones, last_epoch) */
    int lo = 0, hi = o->milestones.n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->last_epoch < o->milestones.v[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    nn_sched *child = o->schedulers.v[lo];
    int rc = lo > 0 && o->milestones.v[lo - 1] == s->last_epoch ? nn_sched_step_epoch(child, 0)
                                                                : nn_sched_step(child);
    if (rc != NN_OK)
        return rc;
    memcpy(s->last_lr, child->last_lr, (size_t)s->ngroups * sizeof(double));
    return NN_OK;
}

static void free_impl(nn_sched *s) {
    OPTS *o = s->opts;
    for (int i = 0; i < o->schedulers.n; i++)
        nn_sched_free(o->schedulers.v[i]);
}

static const struct nn_sched_ops ops = {.init = init, .step = step, .free_impl = free_impl};
static const OPTS defaults = NN_SEQUENTIAL_LR_OPTS_INIT;
const nn_sched_desc nn_sched_sequential_lr_desc = {
    "torch.optim.lr_scheduler.SequentialLR",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
