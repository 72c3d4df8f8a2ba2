/*
 * rmsprop.c - torch.optim.RMSprop (torch/optim/rmsprop.py, 1.13, _single_tensor_rmsprop).
 *
 * step is a Python int. The momentum buffer and grad_avg slots always exist here; torch creates
 * them at the first step only when momentum > 0 / centered, so a group that turns momentum on
 * later starts from a zero buffer here where torch would fail with a KeyError.
 */
#include "optim_internal.h"

#define OPTS nn_rmsprop_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.01", NULL, lr, "learning rate"),
    ARG("alpha", NN_ARG_FLOAT, 0, "0.99", NULL, alpha, "smoothing constant"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("momentum", NN_ARG_FLOAT, 0, "0", NULL, momentum, "momentum factor"),
    ARG("centered", NN_ARG_BOOL, 0, "False", NULL, centered,
        "normalize by the estimated variance of the gradient"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, 0, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
    ARG("differentiable", NN_ARG_BOOL, NN_ARG_NOEFFECT, "False", "bool", differentiable,
        "autograd through the step (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 <= o->eps))
        return nn__invalid("Invalid epsilon value", o->eps);
    if (!(0.0 <= o->momentum))
        return nn__invalid("Invalid momentum value", o->momentum);
    if (!(0.0 <= o->weight_decay))
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    if (!(0.0 <= o->alpha))
        return nn__invalid("Invalid alpha value", o->alpha);
    return NN_OK;
}

NN_OPTIM_KERNEL static void rmsprop_kernel(size_t n, float *restrict x, const float *restrict grad,
                                           float *restrict square_avg, float *restrict buf,
                                           float *restrict grad_avg, float sign, int has_wd,
                                           float wd, float alpha, float one_m_alpha, int centered,
                                           float eps, int use_momentum, float mom, float neg_lr) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float sq = t_addcmul(square_avg[i] * alpha, one_m_alpha, gi, gi);
        square_avg[i] = sq;
        const float ga = centered ? t_add(grad_avg[i] * alpha, one_m_alpha, gi) : grad_avg[i];
        grad_avg[i] = ga;
        const float avg = (centered ? sqrtf(t_addcmul(sq, -1.0f, ga, ga)) : sqrtf(sq)) + eps;
        const float b = use_momentum ? t_addcdiv(buf[i] * mom, 1.0f, gi, avg) : buf[i];
        buf[i] = b;
        x[i] = use_momentum ? t_add(x[i], neg_lr, b) : t_addcdiv(x[i], neg_lr, gi, avg);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step += 1;
    rmsprop_kernel(n, p->value.data, p->grad, slots, slots + n, slots + 2 * n,
                   o->maximize ? -1.0f : 1.0f, o->weight_decay != 0, f32(o->weight_decay),
                   f32(o->alpha), f32(1 - o->alpha), o->centered, f32(o->eps), o->momentum > 0,
                   f32(o->momentum), f32(-o->lr));
}

static const char *const slot_names[] = {"square_avg", "momentum_buffer", "grad_avg"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 3,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .int_step = 1,
    .update = update,
};
static const OPTS defaults = NN_RMSPROP_OPTS_INIT;

const nn_optim_desc nn_optim_rmsprop_desc = {
    "torch.optim.rmsprop.RMSprop",
    "torch.optim.RMSprop",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
