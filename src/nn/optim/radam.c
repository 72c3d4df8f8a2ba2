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

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    float *x = p->value.data, *grad = p->grad, *exp_avg = slots, *exp_avg_sq = slots + n;
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
    const float b1 = f32(o->betas[0]), b2 = f32(beta2);
    const float one_m_b1 = f32(1 - o->betas[0]), one_m_b2 = f32(1 - beta2);
    const float wd = f32(o->weight_decay), eps = f32(o->eps), bc1f = f32(bc1);
    const float lr = f32(o->lr), rectf = f32(rect), bc2_sqrt = f32(sqrt(bc2));
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i];
        if (o->weight_decay != 0)
            gi = t_add(gi, wd, x[i]);
        exp_avg[i] = t_add(exp_avg[i] * b1, one_m_b1, gi);
        exp_avg_sq[i] = t_addcmul(exp_avg_sq[i] * b2, one_m_b2, gi, gi);
        float corrected = exp_avg[i] / bc1f;
        if (rectify) {
            float adaptive_lr = (1.0f / (sqrtf(exp_avg_sq[i]) + eps)) * bc2_sqrt;
            x[i] = t_add(x[i], -1.0f, corrected * lr * adaptive_lr * rectf);
        } else {
            x[i] = t_add(x[i], -1.0f, corrected * lr);
        }
    }
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
