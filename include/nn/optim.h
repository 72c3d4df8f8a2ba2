/*
 * nn/optim.h - every torch.optim optimizer, with PyTorch 1.13's numerics.
 *
 * Adadelta, Adagrad, Adam, AdamW, SparseAdam, Adamax, ASGD, LBFGS, NAdam, RAdam, RMSprop, Rprop
 * and SGD step exactly as torch 1.13's single-tensor CPU code does: state kept in float32 where
 * torch keeps float32 tensors (including `step`, ASGD's eta/mu, NAdam's mu_product), Python
 * doubles where torch computes with Python floats (bias corrections, step sizes), and torch's
 * kernels' rounding (add with alpha and addcmul are fused multiply-adds, addcdiv is not). On the
 * machine that generated the golden files the trajectories match torch bit for bit.
 *
 *     nn_adam_opts o = NN_ADAM_OPTS_INIT;          // torch's defaults
 *     o.lr = 0.01;
 *     o.amsgrad = 1;
 *     nn_optim *opt;
 *     if (nn_optim_adam_new(&opt, params, nparams, &o) != NN_OK)
 *         fprintf(stderr, "%s\n", nn_error_last());   // "Invalid learning rate: -1.0"
 *     for (...) {
 *         nn_optim_zero_grad(opt);
 *         ... forward, backward: fills params[i].grad ...
 *         nn_optim_step(opt, NULL, NULL);
 *     }
 *     nn_optim_free(opt);
 *
 * Options. Each optimizer has an options struct (nn_<name>_opts) with an _INIT macro holding
 * torch's defaults, and a describe table (nn_optim_desc): the torch names ("torch.optim.adam.Adam"
 * and "torch.optim.Adam") and every constructor argument in torch's signature order with its
 * default as inspect.signature prints it. The table drives generic construction by name, used by
 * `_target_` instantiation:
 *
 *     const nn_optim_desc *d = nn_optim_find("torch.optim.Adam");
 *     nn_adam_opts o;                                  // or any buffer of d->opts_size bytes
 *     nn_optim_opts_init(d, &o);
 *     nn_value lr = nn_value_float(0.01);
 *     nn_optim_opts_set(d, &o, "lr", &lr);           // type-checked, "unexpected keyword" errors
 *     nn_optim_new(&opt, d, params, nparams, &o);     // torch's validation and ValueError texts
 *
 * Options torch accepts but that change nothing on a CPU (foreach, capturable, differentiable,
 * fused) are accepted and ignored.
 *
 * Param groups. The constructor makes one group from params and the options; more can be added
 * with nn_optim_add_param_group. Each group holds its own copy of the hyper-parameters, readable
 * and writable by name ("lr", "momentum", "betas", ...), which is how schedulers act on any
 * optimizer. Groups also hold extra named values (torch's param_group dict entries such as
 * "initial_lr", added by schedulers with nn_optim_put).
 *
 * Gradients. A parameter whose grad is NULL is skipped (torch's `p.grad is None`). SparseAdam
 * requires sparse gradients in torch; here a dense gradient is read as `grad.to_sparse()` would
 * give it: the elements whose gradient is exactly zero are absent and left untouched (their
 * moments do not decay), every other element is updated.
 *
 * Closures. nn_optim_step(opt, closure, ctx) calls closure(ctx, &loss) once before the update
 * when it is given, like torch; LBFGS requires it and calls it many times. The closure recomputes
 * the loss and every params[i].grad.
 *
 * Ownership: nn_optim_new returns an optimizer freed with nn_optim_free. The params array and the
 * tensors and gradients it points to are borrowed and must outlive the optimizer. Optimizer state
 * (moments, buffers) lives in one contiguous float block owned by the optimizer.
 *
 * Errors: functions return NN_OK or a negative NN_E* code (nn/error.h) and set nn_error_last():
 * NN_EINVAL for torch's ValueError/TypeError texts, NN_ENOTFOUND for unknown names, NN_ENOMEM.
 */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "nn/error.h"
#include "nn/tensor.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Option values and describe tables (shared with nn/sched.h)                                   */

#define NN_LIST_MAX 32

/* The default of an argument torch requires (SGD's lr, StepLR's step_size, ...): a NaN with a
 * payload of its own, so an explicit NaN stays distinguishable from "not given". */
#define NN_REQUIRED (__builtin_nan("0x52455155"))
/* "not given" for int options (also torch's None for nullable ints such as max_eval). */
#define NN_NONE_INT INT64_MIN
int nn_is_required(double x);

/* A float, or one float per param group (CyclicLR's base_lr, OneCycleLR's max_lr, ...). n == 0:
 * the single value v[0] applies to every group; n > 0: v[0..n) is a list, one per group. */
typedef struct nn_floats {
    double v[NN_LIST_MAX];
    int n;
} nn_floats;
#define NN_FLOATS(x)                                                                               \
    { {(x)}, 0 }

/* A list of ints (MultiStepLR's and SequentialLR's milestones); n == -1: not given. */
typedef struct nn_ints {
    int64_t v[NN_LIST_MAX];
    int n;
} nn_ints;

/* An expression, or one per param group (LambdaLR's lr_lambda); same convention as nn_floats.
 * The strings are borrowed until the constructor returns. */
typedef struct nn_exprs {
    const char *v[NN_LIST_MAX];
    int n;
} nn_exprs;

/* Child schedulers (SequentialLR, ChainedScheduler); see nn/sched.h. */
struct nn_sched;
typedef struct nn_scheds {
    struct nn_sched *v[NN_LIST_MAX];
    int n;
} nn_scheds;

/* The kind of a constructor argument. Storage in the options struct: FLOAT double (nullable:
 * NAN is None), INT int64_t (NN_NONE_INT is None), BOOL int (nullable: -1 is None), FLOAT2
 * double[2], STR and EXPR const char * (NULL is None), INTS nn_ints, FLOATS nn_floats, EXPRS
 * nn_exprs, SCHEDULERS nn_scheds (nn/sched.h). PARAMS and OPTIMIZER are constructor parameters,
 * not fields. */
typedef enum nn_arg_type {
    NN_ARG_PARAMS,
    NN_ARG_OPTIMIZER,
    NN_ARG_SCHEDULERS,
    NN_ARG_FLOAT,
    NN_ARG_INT,
    NN_ARG_BOOL,
    NN_ARG_FLOAT2,
    NN_ARG_STR,
    NN_ARG_EXPR,
    NN_ARG_INTS,
    NN_ARG_FLOATS,
    NN_ARG_EXPRS,
} nn_arg_type;

enum {
    NN_ARG_KWONLY = 1u,    /* keyword-only in torch's signature (after `*`) */
    NN_ARG_NULLABLE = 2u,  /* None is a valid value */
    NN_ARG_NODEFAULT = 4u, /* no default in the signature: the caller must give it */
    NN_ARG_NOEFFECT = 8u,  /* accepted for compatibility, changes nothing here (foreach, verbose) */
};

/* One constructor argument, in torch's signature order. */
typedef struct nn_arg {
    const char *name;
    nn_arg_type type;
    unsigned flags;
    const char *def;        /* the default as inspect.signature prints it ("0.001", "(0.9, 0.999)",
                               "None", "'cos'", "<required parameter>"); NULL: none */
    const char *annotation; /* as the signature prints it ("Optional[bool]"), or NULL */
    size_t offset;          /* offsetof the field in the options struct */
    const char *help;
} nn_arg;

/* A value for generic option setting (from a config). LIST holds tuples and lists. */
typedef enum nn_value_kind {
    NN_VALUE_NONE,
    NN_VALUE_BOOL,
    NN_VALUE_INT,
    NN_VALUE_FLOAT,
    NN_VALUE_STR,
    NN_VALUE_LIST,
    NN_VALUE_PTR, /* an object: a child scheduler (nn_sched *) */
} nn_value_kind;

typedef struct nn_value {
    nn_value_kind kind;
    int64_t i; /* BOOL (0/1), INT */
    double f;  /* FLOAT */
    const char *s;
    const struct nn_value *items; /* LIST */
    int nitems;
    void *ptr; /* PTR */
} nn_value;

static inline nn_value nn_value_float(double f) {
    nn_value v = {NN_VALUE_FLOAT, 0, f, NULL, NULL, 0, NULL};
    return v;
}
static inline nn_value nn_value_int(int64_t i) {
    nn_value v = {NN_VALUE_INT, i, 0, NULL, NULL, 0, NULL};
    return v;
}
static inline nn_value nn_value_bool(int b) {
    nn_value v = {NN_VALUE_BOOL, b ? 1 : 0, 0, NULL, NULL, 0, NULL};
    return v;
}
static inline nn_value nn_value_str(const char *s) {
    nn_value v = {NN_VALUE_STR, 0, 0, s, NULL, 0, NULL};
    return v;
}
static inline nn_value nn_value_none(void) {
    nn_value v = {NN_VALUE_NONE, 0, 0, NULL, NULL, 0, NULL};
    return v;
}
static inline nn_value nn_value_list(const nn_value *items, int n) {
    nn_value v = {NN_VALUE_LIST, 0, 0, NULL, items, n, NULL};
    return v;
}

/* Writes "(params, lr=0.001, betas=(0.9, 0.999), ..., *, foreach: Optional[bool] = None, ...)",
 * str(inspect.signature(cls)) of torch's class, into buf. Returns the length it needs. */
int nn_args_signature(char *buf, size_t cap, const nn_arg *args, int nargs);

/* ------------------------------------------------------------------------------------------ */
/* Optimizer options (torch 1.13's defaults)                                                    */

/* Fields left out of an _INIT macro are 0 / False. foreach is -1 (None), 0 or 1; it selects
 * torch's multi-tensor code path and is ignored here. */

typedef struct nn_adadelta_opts {
    double lr, rho, eps, weight_decay;
    int foreach, maximize;
} nn_adadelta_opts;
#define NN_ADADELTA_OPTS_INIT                                                                      \
    { .lr = 1.0, .rho = 0.9, .eps = 1e-6, .weight_decay = 0, .foreach = -1 }

typedef struct nn_adagrad_opts {
    double lr, lr_decay, weight_decay, initial_accumulator_value, eps;
    int foreach, maximize;
} nn_adagrad_opts;
#define NN_ADAGRAD_OPTS_INIT                                                                       \
    {                                                                                              \
        .lr = 1e-2, .lr_decay = 0, .weight_decay = 0, .initial_accumulator_value = 0,              \
        .eps = 1e-10, .foreach = -1                                                                \
    }

typedef struct nn_adam_opts {
    double lr, betas[2], eps, weight_decay;
    int amsgrad, foreach, maximize, capturable, differentiable, fused;
} nn_adam_opts;
#define NN_ADAM_OPTS_INIT                                                                          \
    { .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .foreach = -1 }

typedef struct nn_adamw_opts {
    double lr, betas[2], eps, weight_decay;
    int amsgrad, maximize, foreach, capturable;
} nn_adamw_opts;
#define NN_ADAMW_OPTS_INIT                                                                         \
    { .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .weight_decay = 1e-2, .foreach = -1 }

typedef struct nn_sparse_adam_opts {
    double lr, betas[2], eps;
    int maximize;
} nn_sparse_adam_opts;
#define NN_SPARSE_ADAM_OPTS_INIT                                                                   \
    { .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8 }

typedef struct nn_adamax_opts {
    double lr, betas[2], eps, weight_decay;
    int foreach, maximize;
} nn_adamax_opts;
#define NN_ADAMAX_OPTS_INIT                                                                        \
    { .lr = 2e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .foreach = -1 }

typedef struct nn_asgd_opts {
    double lr, lambd, alpha, t0, weight_decay;
    int foreach, maximize;
} nn_asgd_opts;
#define NN_ASGD_OPTS_INIT                                                                          \
    { .lr = 1e-2, .lambd = 1e-4, .alpha = 0.75, .t0 = 1e6, .weight_decay = 0, .foreach = -1 }

/* line_search_fn: NULL (None) or "strong_wolfe". max_eval NN_NONE_INT (None) means
 * max_iter * 5 // 4, as torch computes it at construction. */
typedef struct nn_lbfgs_opts {
    double lr;
    int64_t max_iter, max_eval;
    double tolerance_grad, tolerance_change;
    int64_t history_size;
    const char *line_search_fn;
} nn_lbfgs_opts;
#define NN_LBFGS_OPTS_INIT                                                                         \
    {                                                                                              \
        .lr = 1, .max_iter = 20, .max_eval = NN_NONE_INT, .tolerance_grad = 1e-7,                  \
        .tolerance_change = 1e-9, .history_size = 100, .line_search_fn = NULL                      \
    }

typedef struct nn_nadam_opts {
    double lr, betas[2], eps, weight_decay, momentum_decay;
    int foreach;
} nn_nadam_opts;
#define NN_NADAM_OPTS_INIT                                                                         \
    { .lr = 2e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .momentum_decay = 4e-3, .foreach = -1 }

typedef struct nn_radam_opts {
    double lr, betas[2], eps, weight_decay;
    int foreach;
} nn_radam_opts;
#define NN_RADAM_OPTS_INIT                                                                         \
    { .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .foreach = -1 }

typedef struct nn_rmsprop_opts {
    double lr, alpha, eps, weight_decay, momentum;
    int centered, foreach, maximize, differentiable;
} nn_rmsprop_opts;
#define NN_RMSPROP_OPTS_INIT                                                                       \
    { .lr = 1e-2, .alpha = 0.99, .eps = 1e-8, .foreach = -1 }

typedef struct nn_rprop_opts {
    double lr, etas[2], step_sizes[2];
    int foreach, maximize;
} nn_rprop_opts;
#define NN_RPROP_OPTS_INIT                                                                         \
    { .lr = 1e-2, .etas = {0.5, 1.2}, .step_sizes = {1e-6, 50}, .foreach = -1 }

/* lr has no default in torch (`required`): leaving it NN_REQUIRED fails like torch does. */
typedef struct nn_sgd_opts {
    double lr, momentum, dampening, weight_decay;
    int nesterov, maximize, foreach, differentiable;
} nn_sgd_opts;
#define NN_SGD_OPTS_INIT                                                                           \
    { .lr = NN_REQUIRED, .foreach = -1 }

/* ------------------------------------------------------------------------------------------ */
/* Describe tables                                                                              */

struct nn_optim_ops; /* the implementation behind a table; private */

typedef struct nn_optim_desc {
    const char *target; /* torch's qualified name, "torch.optim.adam.Adam" */
    const char *alias;  /* the short name, "torch.optim.Adam" */
    const nn_arg *args; /* the signature, params first */
    int nargs;
    size_t opts_size;     /* sizeof the options struct */
    const void *defaults; /* an options struct holding torch's defaults */
    const struct nn_optim_ops *ops;
} nn_optim_desc;

extern const nn_optim_desc nn_optim_adadelta_desc, nn_optim_adagrad_desc, nn_optim_adam_desc,
    nn_optim_adamw_desc, nn_optim_sparse_adam_desc, nn_optim_adamax_desc, nn_optim_asgd_desc,
    nn_optim_lbfgs_desc, nn_optim_nadam_desc, nn_optim_radam_desc, nn_optim_rmsprop_desc,
    nn_optim_rprop_desc, nn_optim_sgd_desc;

/* Every optimizer's table, NULL-terminated, in torch.optim's alphabetical order. */
extern const nn_optim_desc *const nn_optim_descs[];

/* The table whose target or alias is name, or NULL. */
const nn_optim_desc *nn_optim_find(const char *name);

/* Fills opts (d->opts_size bytes) with torch's defaults. */
void nn_optim_opts_init(const nn_optim_desc *d, void *opts);

/* Sets the option name of opts from v, checking its type ("TypeError: Adam.__init__() got an
 * unexpected keyword argument 'lrr'", NN_ENOTFOUND; a value of the wrong type, NN_EINVAL). Values
 * are range checked by the constructor, as in torch. Strings are borrowed. */
int nn_optim_opts_set(const nn_optim_desc *d, void *opts, const char *name, const nn_value *v);

/* ------------------------------------------------------------------------------------------ */
/* Optimizers                                                                                   */

typedef struct nn_optim nn_optim;

/* Recomputes the loss and the gradients; returns NN_OK or an error code that step passes on. */
typedef int (*nn_optim_closure)(void *ctx, float *loss);

/* Builds the optimizer d over params[0..nparams) with opts (a d->opts_size struct; NULL for the
 * defaults), validating them as torch's constructor does. */
int nn_optim_new(nn_optim **out, const nn_optim_desc *d, nn_param *params, int nparams,
                 const void *opts);
void nn_optim_free(nn_optim *o);

#define NN_OPTIM_CTOR(name, opts_type)                                                             \
    static inline int nn_optim_##name##_new(nn_optim **out, nn_param *params, int nparams,         \
                                            const opts_type *opts) {                               \
        return nn_optim_new(out, &nn_optim_##name##_desc, params, nparams, opts);                  \
    }
NN_OPTIM_CTOR(adadelta, nn_adadelta_opts)
NN_OPTIM_CTOR(adagrad, nn_adagrad_opts)
NN_OPTIM_CTOR(adam, nn_adam_opts)
NN_OPTIM_CTOR(adamw, nn_adamw_opts)
NN_OPTIM_CTOR(sparse_adam, nn_sparse_adam_opts)
NN_OPTIM_CTOR(adamax, nn_adamax_opts)
NN_OPTIM_CTOR(asgd, nn_asgd_opts)
NN_OPTIM_CTOR(lbfgs, nn_lbfgs_opts)
NN_OPTIM_CTOR(nadam, nn_nadam_opts)
NN_OPTIM_CTOR(radam, nn_radam_opts)
NN_OPTIM_CTOR(rmsprop, nn_rmsprop_opts)
NN_OPTIM_CTOR(rprop, nn_rprop_opts)
NN_OPTIM_CTOR(sgd, nn_sgd_opts)
#undef NN_OPTIM_CTOR

/* torch's add_param_group: a new group over params with the hyper-parameters opts (this
 * optimizer's options struct; NULL: the constructor's options). Fails when a parameter is
 * already in a group. LBFGS refuses a second group, as torch does. */
int nn_optim_add_param_group(nn_optim *o, nn_param *params, int nparams, const void *opts);

/* One optimization step (see Closures above). */
int nn_optim_step(nn_optim *o, nn_optim_closure closure, void *ctx);

/* The loss the closure returned at the start of the last step (NAN when no closure ran). */
float nn_optim_loss(const nn_optim *o);

/* Zeroes every parameter's gradient (those that are not NULL). */
void nn_optim_zero_grad(nn_optim *o);

const nn_optim_desc *nn_optim_describe(const nn_optim *o);
int nn_optim_ngroups(const nn_optim *o);

/* The group's options struct (this optimizer's nn_<name>_opts), borrowed; writable through
 * nn_optim_set. */
const void *nn_optim_group_opts(const nn_optim *o, int group);

/* Hyper-parameters by name. get writes 1 value (2 for betas/etas/step_sizes) to out and returns
 * how many; bools read as 0/1, ints as their value. set writes n values to an existing option or
 * extra entry (NN_ENOTFOUND otherwise); put also creates extra entries (param_group[name] = v).
 * Values are not range checked, as torch does not check assignments to param_groups. */
int nn_optim_get(const nn_optim *o, int group, const char *name, double out[2]);
int nn_optim_set(nn_optim *o, int group, const char *name, const double *v, int n);
int nn_optim_put(nn_optim *o, int group, const char *name, const double *v, int n);
int nn_optim_has(const nn_optim *o, int group, const char *name);
double nn_optim_get_lr(const nn_optim *o, int group);
int nn_optim_set_lr(nn_optim *o, int group, double lr);

/* Per-parameter state, by torch's state_dict names. param indexes the parameters in group order
 * (the constructor's first). A tensor ("exp_avg", "square_avg", "momentum_buffer", ...) is a view
 * into the state block; a scalar ("step", "eta", "mu", "mu_product") is read as a double.
 * NN_ENOTFOUND when the optimizer has no such state or it is not initialized yet (torch creates
 * state on a parameter's first step). */
int nn_optim_state(const nn_optim *o, int param, const char *name, nn_tensor *out);
int nn_optim_state_scalar(const nn_optim *o, int param, const char *name, double *out);

/* ------------------------------------------------------------------------------------------ */
/* The reference problem                                                                        */

/* The fixed problem the golden tests and the optim-trace tool use:
 *   f(x) = sum_i (i+1) (x_i - c_i)^2 + 0.5 sum_i sin(x_i),  c_i = float32(0.1 i),  i = 0..4,
 * from x0 = [0.5, -1.5, 2.0, -0.25, 1.0]. nn_optim_testfn computes f and its gradient in float32
 * with torch's operation order (autograd of (w * (x - c) ** 2).sum() + 0.5 * torch.sin(x).sum()),
 * so the result matches torch bit for bit when sin/cos match torch's. torch evaluates them with
 * SLEEF's vectorized u10 functions, which differ from glibc's sinf/cosf by one ulp on about 5% of
 * inputs; nn_optim_testfn_math_torch() finds SLEEF's scalar FMA variants (the same results) in
 * libsleef.so.3 when it is installed. */
#define NN_OPTIM_TESTFN_N 5
extern const float nn_optim_testfn_x0[NN_OPTIM_TESTFN_N];

typedef struct nn_optim_testfn_math {
    float (*sinf)(float);
    float (*cosf)(float);
} nn_optim_testfn_math;

/* Returns f(x) and writes grad (both may alias nothing; grad may be NULL). m NULL: libm. */
float nn_optim_testfn(const float *x, float *grad, const nn_optim_testfn_math *m);

/* Fills m with SLEEF's functions when libsleef.so.3 can be loaded (returns 1), else with libm's
 * sinf/cosf (returns 0). */
int nn_optim_testfn_math_torch(nn_optim_testfn_math *m);

#ifdef __cplusplus
}
#endif

#endif
