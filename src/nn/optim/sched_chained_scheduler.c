/*
 * sched_chained_scheduler.c - torch.optim.lr_scheduler.ChainedScheduler (lr_scheduler.py, 1.13).
 * Steps every child in order at each step (their chainable forms compose); no step at
 * construction. It owns its children.
 */
#include "sched_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_chained_scheduler_opts

static const nn_arg args[] = {
    {"schedulers", NN_ARG_SCHEDULERS, NN_ARG_NODEFAULT, NULL, NULL, offsetof(OPTS, schedulers),
     "the schedulers to step together"},
};

static int init_checked(nn_sched *s) {
    OPTS *o = s->opts;
    const int n = o->schedulers.n;
    if (n < 1)
        return nn_error_set(NN_EINVAL, "IndexError: ChainedScheduler needs at least one scheduler");
    for (int i = 1; i < n; i++)
        if (o->schedulers.v[i]->opt != o->schedulers.v[0]->opt)
            return nn_error_set(NN_EINVAL,
                                "ChainedScheduler expects all schedulers to belong to the same "
                                "optimizer, but got schedulers at index %d and %d to be different",
                                0, i);
    for (int i = 0; i < n; i++)
        if (!o->schedulers.v[i]->desc->ops->get_lr && !o->schedulers.v[i]->desc->ops->step)
            return nn_error_set(NN_EINVAL,
                                "ChainedScheduler cannot chain %s (schedulers at index %d)",
                                nn__class_name(o->schedulers.v[i]->desc->target), i);
    s->opt = o->schedulers.v[0]->opt;
    s->ngroups = nn_optim_ngroups(s->opt);
    if (s->ngroups > NN_LIST_MAX)
        return nn_error_set(NN_EINVAL, "schedulers support at most %d param groups", NN_LIST_MAX);
    double *a = realloc(s->base_lrs, (size_t)s->ngroups * sizeof(double));
    if (a)
        s->base_lrs = a;
    double *b = realloc(s->last_lr, (size_t)s->ngroups * sizeof(double));
    if (b)
        s->last_lr = b;
    if (!a || !b)
        return nn_error_set(NN_ENOMEM, "out of memory");
    nn__sched_read_last_lr(s);
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
    for (int i = 0; i < o->schedulers.n; i++) {
        int rc = nn_sched_step(o->schedulers.v[i]);
        if (rc != NN_OK)
            return rc;
    }
    nn__sched_read_last_lr(s);
    s->last_epoch = o->schedulers.v[o->schedulers.n - 1]->last_epoch;
    return NN_OK;
}

static void free_impl(nn_sched *s) {
    OPTS *o = s->opts;
    for (int i = 0; i < o->schedulers.n; i++)
        nn_sched_free(o->schedulers.v[i]);
}

static const struct nn_sched_ops ops = {
    .init = init, .step = step, .free_impl = free_impl, .no_optimizer = 1};
static const OPTS defaults = NN_CHAINED_SCHEDULER_OPTS_INIT;
const nn_sched_desc nn_sched_chained_scheduler_desc = {
    "torch.optim.lr_scheduler.ChainedScheduler",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
