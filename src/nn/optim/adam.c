/*
 * adam.c - torch.optim.Adam: its signature, torch's checks and _single_tensor_adam's update
 * (torch/optim/adam.py, 1.13; the non-capturable path).
 *
 * step is a float32 tensor; the bias corrections and the step size are Python floats computed
 * from it; the moments are float32 tensors updated with torch's fused kernels.
 */
#include "optim_internal.h"

#define OPTS nn_adam_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.001", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the running averages of the gradient and of its square"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("amsgrad", NN_ARG_BOOL, 0, "False", NULL, amsgrad,
        "use the maximum of past squared-gradient averages (AMSGrad)"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None",
        "Optional[bool]", foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
    ARG("capturable", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", "bool", capturable,
        "CUDA graph capture support (no effect here)"),
    ARG("differentiable", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", "bool",
        differentiable, "autograd through the step (no effect here)"),
    ARG("fused", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", "bool", fused,
        "fused CUDA kernel (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    return nn__adam_family_validate(o->lr, o->betas, o->eps, o->weight_decay);
}

/* one parameter's elements; flags are loop-invariant selects so the loop vectorizes. Adam
 * passes decay 1 (x * 1.0f is x), AdamW has_wd 0. */
NN_OPTIM_KERNEL static void adam_kernel(size_t n, float *restrict x, const float *restrict grad,
                                        float *restrict exp_avg, float *restrict exp_avg_sq,
                                        float *restrict max_sq, float sign, int has_wd, float wd,
                                        float decay, float b1, float one_m_b1, float b2,
                                        float one_m_b2, int amsgrad, float bc2_sqrt, float eps,
                                        float neg_step_size) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float xi = x[i] * decay;
        const float m = t_add(exp_avg[i] * b1, one_m_b1, gi);
        const float v = t_addcmul(exp_avg_sq[i] * b2, one_m_b2, gi, gi);
        const float vmax = amsgrad ? t_max(max_sq[i], v) : max_sq[i];
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        max_sq[i] = vmax;
        const float denom = sqrtf(amsgrad ? vmax : v) / bc2_sqrt + eps;
        x[i] = t_addcdiv(xi, neg_step_size, m, denom);
    }
}

typedef struct adam_args {
    float *x, *exp_avg, *exp_avg_sq, *max_sq;
    const float *grad;
    float sign, wd, decay, b1, one_m_b1, b2, one_m_b2, bc2_sqrt, eps, neg_step_size;
    int has_wd, amsgrad;
} adam_args;

static void adam_range(void *ctx, size_t i0, size_t i1) {
    const adam_args *a = ctx;
    adam_kernel(i1 - i0, a->x + i0, a->grad + i0, a->exp_avg + i0, a->exp_avg_sq + i0,
                a->max_sq + i0, a->sign, a->has_wd, a->wd, a->decay, a->b1, a->one_m_b1, a->b2,
                a->one_m_b2, a->amsgrad, a->bc2_sqrt, a->eps, a->neg_step_size);
}

void nn__adam_update(nn_pstate *s, nn_param *p, float *slots, const nn__adam_hyper *h) {
    const size_t n = p->value.numel;
    s->step = f32(s->step + 1); /* step_t += 1, a float32 tensor */
    const double bc1 = 1 - pow(h->betas[0], s->step);
    const double bc2 = 1 - pow(h->betas[1], s->step);
    adam_args a = {.x = p->value.data,
                   .exp_avg = slots,
                   .exp_avg_sq = slots + n,
                   .max_sq = slots + 2 * n,
                   .grad = p->grad,
                   .sign = h->maximize ? -1.0f : 1.0f,
                   .wd = f32(h->l2),
                   .decay = f32(h->decay),
                   .b1 = f32(h->betas[0]),
                   .one_m_b1 = f32(1 - h->betas[0]),
                   .b2 = f32(h->betas[1]),
                   .one_m_b2 = f32(1 - h->betas[1]),
                   .bc2_sqrt = f32(sqrt(bc2)),
                   .eps = f32(h->eps),
                   .neg_step_size = f32(-(h->lr / bc1)),
                   .has_wd = h->l2 != 0,
                   .amsgrad = h->amsgrad};
    nn__optim_parallel(n, adam_range, &a);
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const nn__adam_hyper h = {.lr = o->lr,
                              .betas = {o->betas[0], o->betas[1]},
                              .eps = o->eps,
                              .l2 = o->weight_decay,
                              .decay = 1.0,
                              .amsgrad = o->amsgrad,
                              .maximize = o->maximize};
    nn__adam_update(s, p, slots, &h);
}

static const char *const slot_names[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 3,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .update = update,
};
static const OPTS defaults = NN_ADAM_OPTS_INIT;

const nn_optim_desc nn_optim_adam_desc = {
    "torch.optim.adam.Adam",
    "torch.optim.Adam",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
