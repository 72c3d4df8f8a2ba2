/*
 * adamw.c - torch.optim.AdamW (torch/optim/adamw.py, 1.13, _single_tensor_adamw, not capturable).
 *
 * Decoupled weight decay: the parameter is first scaled by the float32 of the Python float
 * 1 - lr * weight_decay, then updated as Adam without weight decay in the gradient.
 */
#include "optim_internal.h"

#define OPTS nn_adamw_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.001", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the running averages of the gradient and of its square"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0.01", NULL, weight_decay,
        "decoupled weight decay coefficient"),
    ARG("amsgrad", NN_ARG_BOOL, 0, "False", NULL, amsgrad,
        "use the maximum of past squared-gradient averages (AMSGrad)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None",
        "Optional[bool]", foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("capturable", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", "bool", capturable,
        "CUDA graph capture support (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 <= o->eps))
        return nn__invalid("Invalid epsilon value", o->eps);
    if (!(0.0 <= o->betas[0] && o->betas[0] < 1.0))
        return nn__invalid("Invalid beta parameter at index 0", o->betas[0]);
    if (!(0.0 <= o->betas[1] && o->betas[1] < 1.0))
        return nn__invalid("Invalid beta parameter at index 1", o->betas[1]);
    if (!(0.0 <= o->weight_decay))
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    return NN_OK;
}

NN_OPTIM_KERNEL static void adamw_kernel(size_t n, float *restrict x, const float *restrict grad,
                                         float *restrict exp_avg, float *restrict exp_avg_sq,
                                         float *restrict max_sq, float sign, float decay, float b1,
                                         float one_m_b1, float b2, float one_m_b2, int amsgrad,
                                         float bc2_sqrt, float eps, float neg_step_size) {
    for (size_t i = 0; i < n; i++) {
        const float gi = grad[i] * sign;
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

typedef struct adamw_args {
    float *x, *exp_avg, *exp_avg_sq, *max_sq;
    const float *grad;
    float sign, decay, b1, one_m_b1, b2, one_m_b2, bc2_sqrt, eps, neg_step_size;
    int amsgrad;
} adamw_args;

static void adamw_range(void *ctx, size_t i0, size_t i1) {
    const adamw_args *a = ctx;
    adamw_kernel(i1 - i0, a->x + i0, a->grad + i0, a->exp_avg + i0, a->exp_avg_sq + i0,
                 a->max_sq + i0, a->sign, a->decay, a->b1, a->one_m_b1, a->b2, a->one_m_b2,
                 a->amsgrad, a->bc2_sqrt, a->eps, a->neg_step_size);
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step = f32(s->step + 1);
    const double bc1 = 1 - pow(o->betas[0], s->step);
    const double bc2 = 1 - pow(o->betas[1], s->step);
    adamw_args a = {.x = p->value.data,
                    .exp_avg = slots,
                    .exp_avg_sq = slots + n,
                    .max_sq = slots + 2 * n,
                    .grad = p->grad,
                    .sign = o->maximize ? -1.0f : 1.0f,
                    .decay = f32(1 - o->lr * o->weight_decay),
                    .b1 = f32(o->betas[0]),
                    .one_m_b1 = f32(1 - o->betas[0]),
                    .b2 = f32(o->betas[1]),
                    .one_m_b2 = f32(1 - o->betas[1]),
                    .bc2_sqrt = f32(sqrt(bc2)),
                    .eps = f32(o->eps),
                    .neg_step_size = f32(-(o->lr / bc1)),
                    .amsgrad = o->amsgrad};
    nn__optim_parallel(n, adamw_range, &a);
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
static const OPTS defaults = NN_ADAMW_OPTS_INIT;

const nn_optim_desc nn_optim_adamw_desc = {
    "torch.optim.adamw.AdamW",
    "torch.optim.AdamW",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
