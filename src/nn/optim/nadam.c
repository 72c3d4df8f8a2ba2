/*
 * nadam.c - torch.optim.NAdam (torch/optim/nadam.py, 1.13, _single_tensor_nadam).
 *
 * mu and mu_next are Python floats; mu_product is a float32 tensor (mu_product *= mu rounds to
 * float32 each step) and mu_product_next = mu_product * mu * mu_next is two float32 products.
 * torch 1.13's NAdam has no maximize option.
 */
#include "optim_internal.h"

#define OPTS nn_nadam_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.002", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the running averages of the gradient and of its square"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("momentum_decay", NN_ARG_FLOAT, 0, "0.004", NULL, momentum_decay,
        "decay of the momentum schedule (psi)"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    int rc = nn__adam_family_validate(o->lr, o->betas, o->eps, o->weight_decay);
    if (rc != NN_OK)
        return rc;
    if (!(0.0 <= o->momentum_decay))
        return nn__invalid("Invalid momentum_decay value", o->momentum_decay);
    return NN_OK;
}

static void lazy_init(const nn_optim_group *g, nn_pstate *s, const nn_param *p, float *slots) {
    s->step = 0;
    s->mu_product = 1.0f;
}

NN_OPTIM_KERNEL static void nadam_kernel(size_t n, float *restrict x, const float *restrict grad,
                                         float *restrict exp_avg, float *restrict exp_avg_sq,
                                         int has_wd, float wd, float b1, float one_m_b1, float b2,
                                         float one_m_b2, float bc2, float eps, float c_grad,
                                         float c_avg) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i];
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float m = t_add(exp_avg[i] * b1, one_m_b1, gi);
        const float v = t_addcmul(exp_avg_sq[i] * b2, one_m_b2, gi, gi);
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        const float denom = sqrtf(v / bc2) + eps;
        x[i] = t_addcdiv(t_addcdiv(x[i], c_grad, gi, denom), c_avg, m, denom);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step = f32(s->step + 1);
    const double step = s->step, beta1 = o->betas[0];
    const double bc2 = 1 - pow(o->betas[1], step);
    const double mu = beta1 * (1. - 0.5 * pow(0.96, step * o->momentum_decay));
    const double mu_next = beta1 * (1. - 0.5 * pow(0.96, (step + 1) * o->momentum_decay));
    s->mu_product = s->mu_product * f32(mu);
    const float mu_product_next = (s->mu_product * f32(mu)) * f32(mu_next);
    nadam_kernel(n, p->value.data, p->grad, slots, slots + n, o->weight_decay != 0,
                 f32(o->weight_decay), f32(beta1), f32(1 - beta1), f32(o->betas[1]),
                 f32(1 - o->betas[1]), f32(bc2), f32(o->eps),
                 f32(-o->lr * (1. - mu) / (1. - (double)s->mu_product)),
                 f32(-o->lr * mu_next / (1. - (double)mu_product_next)));
}

static const char *const slot_names[] = {"exp_avg", "exp_avg_sq"};
static const char *const scalar_names[] = {"step", "mu_product", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .lazy_init = lazy_init,
    .update = update,
};
static const OPTS defaults = NN_NADAM_OPTS_INIT;

const nn_optim_desc nn_optim_nadam_desc = {
    "torch.optim.nadam.NAdam",
    "torch.optim.NAdam",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
