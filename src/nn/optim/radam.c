/*
 * radam.c - torch.optim.RAdam (torch/optim/radam.py, 1.13, _single_tensor_radam).
 *
 * rho_t and the rectification term are Python floats; the adaptive lr is
 * sqrt(bias_correction2) / (sqrt(exp_avg_sq) + eps), which torch evaluates as
 * reciprocal(denominator) * scalar (Tensor.__rtruediv__).
 */
#include "optim_internal.h"

#define OPTS nn_radam_opts
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
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    return nn__adam_family_validate(o->lr, o->betas, o->eps, o->weight_decay);
}

NN_OPTIM_KERNEL static void radam_kernel(size_t n, float *restrict x, const float *restrict grad,
                                         float *restrict exp_avg, float *restrict exp_avg_sq,
                                         int has_wd, float wd, float b1, float one_m_b1, float b2,
                                         float one_m_b2, float bc1, int rectify, float lr,
                                         float bc2_sqrt, float eps, float rect) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i];
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float m = t_add(exp_avg[i] * b1, one_m_b1, gi);
        const float v = t_addcmul(exp_avg_sq[i] * b2, one_m_b2, gi, gi);
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        const float corrected = m / bc1;
        const float adaptive_lr = (1.0f / (sqrtf(v) + eps)) * bc2_sqrt;
        const float upd = rectify ? corrected * lr * adaptive_lr * rect : corrected * lr;
        x[i] = t_add(x[i], -1.0f, upd);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step = f32(s->step + 1);
    const double step = s->step, beta2 = o->betas[1];
    const double bc1 = 1 - pow(o->betas[0], step);
    const double bc2 = 1 - pow(beta2, step);
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t = rho_inf - 2 * step * pow(beta2, step) / bc2;
    const int rectify = rho_t > 5.;
    double rect = 0;
    if (rectify)
        rect = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    radam_kernel(n, p->value.data, p->grad, slots, slots + n, o->weight_decay != 0,
                 f32(o->weight_decay), f32(o->betas[0]), f32(1 - o->betas[0]), f32(beta2),
                 f32(1 - beta2), f32(bc1), rectify, f32(o->lr), f32(sqrt(bc2)), f32(o->eps),
                 f32(rect));
}

static const char *const slot_names[] = {"exp_avg", "exp_avg_sq"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .update = update,
};
static const OPTS defaults = NN_RADAM_OPTS_INIT;

const nn_optim_desc nn_optim_radam_desc = {
    "torch.optim.radam.RAdam",
    "torch.optim.RAdam",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
