/*
 * nn/sched.h - every torch.optim.lr_scheduler scheduler, with PyTorch 1.13's update paths.
 *
 * StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
 * CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau, LambdaLR,
 * MultiplicativeLR, SequentialLR and ChainedScheduler act on an optimizer's param groups exactly
 * as torch 1.13's do: the constructor records initial_lr (setdefault) and takes its first step,
 * step() uses the chainable get_lr() (reading the group's current lr), step(epoch) uses the
 * closed form where torch has one, CyclicLR/OneCycleLR cycle "momentum" (or beta1 of "betas"),
 * all arithmetic in doubles in torch's order. LambdaLR/MultiplicativeLR take lr_lambda as a
 * Python expression of `epoch` (nn/expr.h) and CyclicLR's scale_fn as one of `x`.
 *
 *     nn_step_lr_opts so = NN_STEP_LR_OPTS_INIT;
 *     so.step_size = 30;                       // required, like torch's positional argument
 *     nn_sched *s;
 *     if (nn_sched_step_lr_new(&s, opt, &so) != NN_OK)
 *         fprintf(stderr, "%s\n", nn_error_last());
 *     for (int epoch = 0; epoch < 90; epoch++) {
 *         train(opt);                          // nn_optim_step(...) inside
 *         nn_sched_step(s);
 *     }
 *     nn_sched_free(s);
 *
 *     nn_lambda_lr_opts lo = NN_LAMBDA_LR_OPTS_INIT;
 *     lo.lr_lambda.v[0] = "0.95 ** epoch";     // or "lambda epoch: ..."; one per group with .n
 *
 * ReduceLROnPlateau steps with a metric: nn_sched_step_metric(s, val_loss).
 *
 * Like the optimizers, each scheduler has a describe table (target name, torch's signature in
 * order with defaults) and generic construction by name:
 *
 *     const nn_sched_desc *d = nn_sched_find("torch.optim.lr_scheduler.StepLR");
 *     char opts[d->opts_size]; nn_sched_opts_init(d, opts);
 *     nn_value v = nn_value_int(30);  nn_sched_opts_set(d, opts, "step_size", &v);
 *     nn_sched_new(&s, d, opt, opts);
 *
 * Ownership: a scheduler borrows its optimizer, which must outlive it. SequentialLR and
 * ChainedScheduler take ownership of their child schedulers when construction succeeds (freeing
 * the parent frees them); on failure the caller keeps them. Errors as in nn/optim.h: torch's
 * ValueError/KeyError/ZeroDivisionError texts with NN_EINVAL; verbose is accepted and ignored.
 */
#ifndef NN_SCHED_H
#define NN_SCHED_H

#include "nn/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_sched nn_sched;

/* ------------------------------------------------------------------------------------------ */
/* Options (torch 1.13's defaults; NN_REQUIRED / NN_NONE_INT / n == -1 mark what torch requires) */

typedef struct nn_step_lr_opts {
    int64_t step_size;
    double gamma;
    int64_t last_epoch;
    int verbose;
} nn_step_lr_opts;
#define NN_STEP_LR_OPTS_INIT                                                                       \
    { .step_size = NN_NONE_INT, .gamma = 0.1, .last_epoch = -1 }

typedef struct nn_multistep_lr_opts {
    nn_ints milestones;
    double gamma;
    int64_t last_epoch;
    int verbose;
} nn_multistep_lr_opts;
#define NN_MULTISTEP_LR_OPTS_INIT                                                                  \
    { .milestones = {.n = -1}, .gamma = 0.1, .last_epoch = -1 }

typedef struct nn_constant_lr_opts {
    double factor;
    int64_t total_iters, last_epoch;
    int verbose;
} nn_constant_lr_opts;
#define NN_CONSTANT_LR_OPTS_INIT                                                                   \
    { .factor = 1.0 / 3, .total_iters = 5, .last_epoch = -1 }

typedef struct nn_linear_lr_opts {
    double start_factor, end_factor;
    int64_t total_iters, last_epoch;
    int verbose;
} nn_linear_lr_opts;
#define NN_LINEAR_LR_OPTS_INIT                                                                     \
    { .start_factor = 1.0 / 3, .end_factor = 1.0, .total_iters = 5, .last_epoch = -1 }

typedef struct nn_exponential_lr_opts {
    double gamma;
    int64_t last_epoch;
    int verbose;
} nn_exponential_lr_opts;
#define NN_EXPONENTIAL_LR_OPTS_INIT                                                                \
    { .gamma = NN_REQUIRED, .last_epoch = -1 }

typedef struct nn_polynomial_lr_opts {
    int64_t total_iters;
    double power;
    int64_t last_epoch;
    int verbose;
} nn_polynomial_lr_opts;
#define NN_POLYNOMIAL_LR_OPTS_INIT                                                                 \
    { .total_iters = 5, .power = 1.0, .last_epoch = -1 }

/* T_max is a number (torch does not require an int) */
typedef struct nn_cosine_annealing_lr_opts {
    double T_max, eta_min;
    int64_t last_epoch;
    int verbose;
} nn_cosine_annealing_lr_opts;
#define NN_COSINE_ANNEALING_LR_OPTS_INIT                                                           \
    { .T_max = NN_REQUIRED, .eta_min = 0, .last_epoch = -1 }

typedef struct nn_cosine_annealing_warm_restarts_opts {
    int64_t T_0, T_mult;
    double eta_min;
    int64_t last_epoch;
    int verbose;
} nn_cosine_annealing_warm_restarts_opts;
#define NN_COSINE_ANNEALING_WARM_RESTARTS_OPTS_INIT                                                \
    { .T_0 = NN_NONE_INT, .T_mult = 1, .eta_min = 0, .last_epoch = -1 }

/* mode: "triangular", "triangular2" or "exp_range"; scale_fn: NULL or an expression of x (the
 * cycle number, or the iteration when scale_mode is "iterations"); step_size_down NAN: None */
typedef struct nn_cyclic_lr_opts {
    nn_floats base_lr, max_lr;
    double step_size_up, step_size_down;
    const char *mode;
    double gamma;
    const char *scale_fn, *scale_mode;
    int cycle_momentum;
    nn_floats base_momentum, max_momentum;
    int64_t last_epoch;
    int verbose;
} nn_cyclic_lr_opts;
#define NN_CYCLIC_LR_OPTS_INIT                                                                     \
    {                                                                                              \
        .base_lr = NN_FLOATS(NN_REQUIRED), .max_lr = NN_FLOATS(NN_REQUIRED), .step_size_up = 2000, \
        .step_size_down = NAN, .mode = "triangular", .gamma = 1.0, .scale_fn = NULL,               \
        .scale_mode = "cycle", .cycle_momentum = 1, .base_momentum = NN_FLOATS(0.8),               \
        .max_momentum = NN_FLOATS(0.9), .last_epoch = -1                                           \
    }

/* total_steps, or epochs and steps_per_epoch (NN_NONE_INT: None); anneal_strategy "cos" or
 * "linear" */
typedef struct nn_one_cycle_lr_opts {
    nn_floats max_lr;
    int64_t total_steps, epochs, steps_per_epoch;
    double pct_start;
    const char *anneal_strategy;
    int cycle_momentum;
    nn_floats base_momentum, max_momentum;
    double div_factor, final_div_factor;
    int three_phase;
    int64_t last_epoch;
    int verbose;
} nn_one_cycle_lr_opts;
#define NN_ONE_CYCLE_LR_OPTS_INIT                                                                  \
    {                                                                                              \
        .max_lr = NN_FLOATS(NN_REQUIRED), .total_steps = NN_NONE_INT, .epochs = NN_NONE_INT,       \
        .steps_per_epoch = NN_NONE_INT, .pct_start = 0.3, .anneal_strategy = "cos",                \
        .cycle_momentum = 1, .base_momentum = NN_FLOATS(0.85), .max_momentum = NN_FLOATS(0.95),    \
        .div_factor = 25.0, .final_div_factor = 1e4, .three_phase = 0, .last_epoch = -1            \
    }

/* mode "min" or "max"; threshold_mode "rel" or "abs" */
typedef struct nn_reduce_lr_on_plateau_opts {
    const char *mode;
    double factor;
    int64_t patience;
    double threshold;
    const char *threshold_mode;
    int64_t cooldown;
    nn_floats min_lr;
    double eps;
    int verbose;
} nn_reduce_lr_on_plateau_opts;
#define NN_REDUCE_LR_ON_PLATEAU_OPTS_INIT                                                          \
    {                                                                                              \
        .mode = "min", .factor = 0.1, .patience = 10, .threshold = 1e-4, .threshold_mode = "rel",  \
        .cooldown = 0, .min_lr = NN_FLOATS(0), .eps = 1e-8                                         \
    }

typedef struct nn_lambda_lr_opts {
    nn_exprs lr_lambda;
    int64_t last_epoch;
    int verbose;
} nn_lambda_lr_opts;
#define NN_LAMBDA_LR_OPTS_INIT                                                                     \
    { .lr_lambda = {{NULL}, 0}, .last_epoch = -1 }

typedef struct nn_multiplicative_lr_opts {
    nn_exprs lr_lambda;
    int64_t last_epoch;
    int verbose;
} nn_multiplicative_lr_opts;
#define NN_MULTIPLICATIVE_LR_OPTS_INIT                                                             \
    { .lr_lambda = {{NULL}, 0}, .last_epoch = -1 }

typedef struct nn_sequential_lr_opts {
    nn_scheds schedulers;
    nn_ints milestones;
    int64_t last_epoch;
    int verbose;
} nn_sequential_lr_opts;
#define NN_SEQUENTIAL_LR_OPTS_INIT                                                                 \
    { .schedulers = {{NULL}, -1}, .milestones = {.n = -1}, .last_epoch = -1 }

typedef struct nn_chained_scheduler_opts {
    nn_scheds schedulers;
} nn_chained_scheduler_opts;
#define NN_CHAINED_SCHEDULER_OPTS_INIT                                                             \
    {                                                                                              \
        .schedulers = { {NULL}, -1 }                                                               \
    }

/* ------------------------------------------------------------------------------------------ */
/* Describe tables                                                                              */

struct nn_sched_ops;

typedef struct nn_sched_desc {
    const char *target; /* "torch.optim.lr_scheduler.StepLR" */
    const nn_arg *args; /* the signature, optimizer first (ChainedScheduler: schedulers only) */
    int nargs;
    size_t opts_size;
    const void *defaults;
    const struct nn_sched_ops *ops;
} nn_sched_desc;

extern const nn_sched_desc nn_sched_lambda_lr_desc, nn_sched_multiplicative_lr_desc,
    nn_sched_step_lr_desc, nn_sched_multistep_lr_desc, nn_sched_constant_lr_desc,
    nn_sched_linear_lr_desc, nn_sched_exponential_lr_desc, nn_sched_sequential_lr_desc,
    nn_sched_cosine_annealing_lr_desc, nn_sched_chained_scheduler_desc,
    nn_sched_reduce_lr_on_plateau_desc, nn_sched_cyclic_lr_desc,
    nn_sched_cosine_annealing_warm_restarts_desc, nn_sched_one_cycle_lr_desc,
    nn_sched_polynomial_lr_desc;

/* Every scheduler's table, NULL-terminated, in torch's __all__ order. */
extern const nn_sched_desc *const nn_sched_descs[];

/* The table named target ("torch.optim.lr_scheduler.StepLR"; the short "StepLR" also works). */
const nn_sched_desc *nn_sched_find(const char *target);
void nn_sched_opts_init(const nn_sched_desc *d, void *opts);
int nn_sched_opts_set(const nn_sched_desc *d, void *opts, const char *name, const nn_value *v);

/* ------------------------------------------------------------------------------------------ */
/* Schedulers                                                                                   */

/* Builds scheduler d on opt (NULL for ChainedScheduler, which takes its children's) with opts
 * (NULL: defaults, which fail for schedulers with required arguments). Like torch, construction
 * takes the first step, which sets the optimizer's lr. */
int nn_sched_new(nn_sched **out, const nn_sched_desc *d, nn_optim *opt, const void *opts);
void nn_sched_free(nn_sched *s);

#define NN_SCHED_CTOR(name, opts_type)                                                             \
    static inline int nn_sched_##name##_new(nn_sched **out, nn_optim *opt, const opts_type *o) {   \
        return nn_sched_new(out, &nn_sched_##name##_desc, opt, o);                                 \
    }
NN_SCHED_CTOR(lambda_lr, nn_lambda_lr_opts)
NN_SCHED_CTOR(multiplicative_lr, nn_multiplicative_lr_opts)
NN_SCHED_CTOR(step_lr, nn_step_lr_opts)
NN_SCHED_CTOR(multistep_lr, nn_multistep_lr_opts)
NN_SCHED_CTOR(constant_lr, nn_constant_lr_opts)
NN_SCHED_CTOR(linear_lr, nn_linear_lr_opts)
NN_SCHED_CTOR(exponential_lr, nn_exponential_lr_opts)
NN_SCHED_CTOR(sequential_lr, nn_sequential_lr_opts)
NN_SCHED_CTOR(cosine_annealing_lr, nn_cosine_annealing_lr_opts)
NN_SCHED_CTOR(reduce_lr_on_plateau, nn_reduce_lr_on_plateau_opts)
NN_SCHED_CTOR(cyclic_lr, nn_cyclic_lr_opts)
NN_SCHED_CTOR(cosine_annealing_warm_restarts, nn_cosine_annealing_warm_restarts_opts)
NN_SCHED_CTOR(one_cycle_lr, nn_one_cycle_lr_opts)
NN_SCHED_CTOR(polynomial_lr, nn_polynomial_lr_opts)
#undef NN_SCHED_CTOR
static inline int nn_sched_chained_scheduler_new(nn_sched **out,
                                                 const nn_chained_scheduler_opts *o) {
    return nn_sched_new(out, &nn_sched_chained_scheduler_desc, NULL, o);
}

/* scheduler.step(): call after the optimizer's step. ReduceLROnPlateau refuses it. */
int nn_sched_step(nn_sched *s);

/* scheduler.step(epoch), torch's deprecated form: sets last_epoch and uses the closed form where
 * torch has one. epoch must be integral except for CosineAnnealingWarmRestarts. */
int nn_sched_step_epoch(nn_sched *s, double epoch);

/* ReduceLROnPlateau's step(metrics). */
int nn_sched_step_metric(nn_sched *s, double metric);

/* get_last_lr(): the lr of each param group after the last step (n receives the count);
 * borrowed until the next step. For ReduceLROnPlateau, the groups' current lrs. */
const double *nn_sched_get_last_lr(const nn_sched *s, int *n);

/* last_epoch (ReduceLROnPlateau: the number of steps; ChainedScheduler: its last child's). */
int64_t nn_sched_last_epoch(const nn_sched *s);

const nn_sched_desc *nn_sched_describe(const nn_sched *s);
nn_optim *nn_sched_optimizer(const nn_sched *s);

#ifdef __cplusplus
}
#endif

#endif
