/*
 * sched_internal.h - the scheduler object and what the scheduler files share: torch's
 * _LRScheduler base behaviour (initial_lr, base_lrs, the initial step, step and step(epoch)).
 */
#ifndef NN_SCHED_INTERNAL_H
#define NN_SCHED_INTERNAL_H

#include "nn/expr.h"
#include "nn/sched.h"
#include "optim_internal.h"

struct nn_sched {
    const nn_sched_desc *desc;
    nn_optim *opt;
    void *opts; /* a copy of the options */
    int64_t last_epoch;
    int64_t step_count; /* _step_count */
    int ngroups;
    double *base_lrs; /* ngroups */
    double *last_lr;  /* ngroups: _last_lr */
    void *impl;       /* scheduler-specific */
};

struct nn_sched_ops {
    /* the constructor once the object exists: validation, set-up, then (for _LRScheduler
     * subclasses) nn__sched_lr_init */
    int (*init)(nn_sched *s);
    /* the chainable form, get_lr(): one lr per group */
    int (*get_lr)(nn_sched *s, double *lrs);
    /* _get_closed_form_lr(), NULL when torch has none */
    int (*closed_form)(nn_sched *s, double *lrs);
    /* replacements of _LRScheduler.step (CosineAnnealingWarmRestarts, SequentialLR, ...) */
    int (*step)(nn_sched *s);
    int (*step_epoch)(nn_sched *s, double epoch);
    int (*step_metric)(nn_sched *s, double metric);
    void (*free_impl)(nn_sched *s);
    int no_optimizer; /* ChainedScheduler */
};

/* _LRScheduler.__init__(optimizer, last_epoch): initial_lr, base_lrs, last_epoch, first step */
int nn__sched_lr_init(nn_sched *s, int64_t last_epoch);
/* _LRScheduler.step() and step(epoch) */
int nn__sched_lr_step(nn_sched *s);
int nn__sched_lr_step_epoch(nn_sched *s, int64_t epoch);
/* param_group['lr'] = lrs[i] for every group, then _last_lr */
int nn__sched_apply(nn_sched *s, const double *lrs);
/* _last_lr from the groups' current lrs */
void nn__sched_read_last_lr(nn_sched *s);

/* A param group's entry (option or extra) as a double; NAN when missing. */
double nn__group_value(const nn_sched *s, int group, const char *key);
/* _format_param: a float or a list of one per group ("expected 2 values for max_lr, got 3") */
int nn__format_param(const char *name, const nn_floats *p, int ngroups, double *out);
/* Python's float ** float for the schedules' powers (ZeroDivisionError for 0 ** negative) */
int nn__py_pow(double x, double y, double *out);
/* LambdaLR/MultiplicativeLR: compile one lr_lambda per group (s->impl), then the base init;
 * evaluate group g's at last_epoch; free */
int nn__lambdas_init(nn_sched *s, const nn_exprs *l, int64_t last_epoch);
int nn__lambdas_call(nn_sched *s, int g, double *out);
void nn__lambdas_free(nn_sched *s);
/* errors */
int nn__zero_division(const char *what);

#endif
