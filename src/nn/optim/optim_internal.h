/*
 * optim_internal.h - what the optimizer files share: the optimizer object, the per-optimizer
 * operations behind a describe table, and torch's CPU kernels' rounding as scalar helpers.
 */
#ifndef NN_OPTIM_INTERNAL_H
#define NN_OPTIM_INTERNAL_H

#include "nn/error.h"
#include "nn/optim.h"
#include "pyfmt.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Exactness depends on every rounding being the one torch does: no contraction of a*b+c into a
 * fused multiply-add behind our back. GCC contracts only in GNU modes (the project builds with
 * -std=c11); clang contracts within expressions unless told not to. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__) && !defined(__STRICT_ANSI__)
#error "build nn_optim in ISO C mode (-std=c11): GNU modes let GCC fuse a*b+c, changing results"
#endif

/* The per-element update loops (branch-free, restrict pointers) are built twice on x86-64: for
 * CPUs with FMA (and AVX: fmaf becomes one instruction and the loops vectorize) and for the
 * baseline (fmaf is a libm call, same result). The loader picks one; the numbers are identical
 * either way (fma, sqrt and division are exactly rounded), only the speed differs. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define NN_OPTIM_KERNEL                                                                            \
    __attribute__((target_clones("fma", "default"),                                                \
                   optimize("O3", "fp-contract=off", "no-math-errno")))
#else
#define NN_OPTIM_KERNEL
#endif

/* inlined into the kernels whatever their target and optimization options */
#define NN_INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------------------------------------ */
/* torch's kernels on float32 elements                                                          */
/*
 * Measured against torch 1.13 on CPU (scalar and vectorized paths agree): a Python scalar meets
 * a float32 tensor as a float32 (cast first, then one float32 operation); add(other, alpha) is
 * fma(alpha, other, self); addcmul(t1, t2, value) is fma(value * t1, t2, self); addcdiv(t1, t2,
 * value) is self + (value * t1) / t2 without fusion; python_scalar / tensor is
 * reciprocal(tensor) * scalar.
 */
NN_INLINE float f32(double x) {
    return (float)x;
}
NN_INLINE float t_add(float self, float alpha, float other) {
    return fmaf(alpha, other, self);
}
NN_INLINE float t_addcmul(float self, float value, float t1, float t2) {
    return fmaf(value * t1, t2, self);
}
NN_INLINE float t_addcdiv(float self, float value, float t1, float t2) {
    return self + (value * t1) / t2;
}
/* torch.maximum / amax: NaN wins (written branch-free so the kernels vectorize) */
NN_INLINE float t_max(float a, float b) {
    return __builtin_isunordered(a, b) ? a + b : (a > b ? a : b);
}
/* torch.sign: NaN gives 0 */
NN_INLINE float t_sign(float a) {
    return (float)((0.0f < a) - (a < 0.0f));
}

/* torch.sum of a contiguous float32 vector, summed in torch 1.13's order (cascade of 4
 * interleaved accumulators over 8-float vectors, AVX2 build; exact for the sizes tested). */
float nn__torch_sum_f32(const float *x, size_t n);
/* torch.dot: BLAS sdot, which torch calls for float32. */
float nn__torch_dot_f32(const float *x, const float *y, size_t n);

/* ------------------------------------------------------------------------------------------ */
/* Optimizer object                                                                             */

/* A param_group dict entry that is not an option (schedulers' "initial_lr", "max_lr", ...). */
typedef struct nn_optim_extra {
    char name[32];
    double v[2];
    int n;
} nn_optim_extra;

typedef struct nn_optim_group {
    nn_param *params; /* borrowed, nparams entries */
    int nparams;
    int first;  /* index of params[0] in the optimizer's per-parameter arrays */
    void *opts; /* this group's hyper-parameters: the optimizer's options struct */
    nn_optim_extra *extras;
    int nextras;
} nn_optim_group;

/* Per-parameter state that torch keeps as Python numbers or 0-dim tensors. */
typedef struct nn_pstate {
    int init;         /* torch's state[p] is non-empty (lazy initialization done) */
    int has_buf;      /* SGD: state['momentum_buffer'] is a tensor, not None */
    double step;      /* state['step']: a float32 tensor or a Python int, by optimizer */
    float eta, mu;    /* ASGD (float32 tensors) */
    float mu_product; /* NAdam (float32 tensor) */
    size_t off;       /* slot k of this parameter: state + off + k * numel */
} nn_pstate;

struct nn_optim {
    const nn_optim_desc *desc;
    void *defaults; /* the constructor's options (after validation) */
    nn_optim_group *groups;
    int ngroups;
    nn_param **params; /* every parameter, group by group */
    nn_pstate *ps;
    int nparams;
    float *state; /* one contiguous block: nslots tensors per parameter */
    size_t state_len;
    float loss;
    void *impl; /* optimizer-specific (LBFGS' history) */
};

struct nn_optim_ops {
    /* torch's constructor checks in torch's order; may complete opts (LBFGS' max_eval) */
    int (*validate)(void *opts);
    int nslots;                      /* float tensors of state per parameter */
    const char *const *slot_names;   /* their state_dict names */
    const char *const *scalar_names; /* NULL-terminated: "step", "eta", "mu", "mu_product" */
    int int_step;                    /* step is a Python int (not a float32 tensor) */
    /* when a parameter joins a group (Adagrad initializes its state in the constructor) */
    void (*join)(const nn_optim_group *g, nn_pstate *ps, const nn_param *p, float *slots);
    /* the first step with a gradient (torch's lazy state initialization) */
    void (*lazy_init)(const nn_optim_group *g, nn_pstate *ps, const nn_param *p, float *slots);
    /* one parameter's update, p->grad != NULL */
    void (*update)(const nn_optim_group *g, nn_pstate *ps, nn_param *p, float *slots);
    /* a whole step in place of the per-parameter loop (LBFGS) */
    int (*step)(nn_optim *o, nn_optim_closure closure, void *ctx);
    void (*free_impl)(nn_optim *o);
    int single_group; /* LBFGS: "doesn't support per-parameter options" */
};

/* Runs fn(ctx, i0, i1) over pieces [i0, i1) of [0, n) on libnn's thread pool, serially when n
 * is small. For the per-element kernels: an element's result does not depend on the split, so
 * the numbers are the same for any thread count. */
typedef void (*nn__range_fn)(void *ctx, size_t i0, size_t i1);
void nn__optim_parallel(size_t n, nn__range_fn fn, void *ctx);

/* Adam's update, shared by Adam and AdamW (adam.c). l2 is Adam's weight_decay, added to the
 * gradient; decay scales the parameter first (AdamW's 1 - lr * weight_decay; 1 for Adam). */
typedef struct nn__adam_hyper {
    double lr, betas[2], eps, l2, decay;
    int amsgrad, maximize;
} nn__adam_hyper;
void nn__adam_update(nn_pstate *s, nn_param *p, float *slots, const nn__adam_hyper *h);

/* The short class name of a table ("Adam" from "torch.optim.adam.Adam"). */
const char *nn__class_name(const char *target);

/* Argument tables (args.c). */
const nn_arg *nn__args_find(const nn_arg *args, int nargs, const char *name);
int nn__args_set(const char *cls, const nn_arg *args, int nargs, void *opts, const char *name,
                 const nn_value *v);

/* Validation helpers: torch's "Invalid learning rate: {}" with Python's repr of the value. */
int nn__invalid(const char *what, double v);
int nn__invalid2(const char *fmt, double a, double b);
/* The checks Adam, AdamW, Adamax, NAdam and RAdam share, in torch's order (args.c). */
int nn__adam_family_validate(double lr, const double betas[2], double eps, double weight_decay);

#endif
