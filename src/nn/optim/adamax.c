/*
 * adamax.c - torch.optim.Adamax (torch/optim/adamax.py, 1.13, _single_tensor_adamax).
 *
 * The infinity norm is amax over [exp_inf * beta2, |grad| + eps] (NaN propagating); the step
 * size lr / (1 - beta1 ** step) is a Python float.
 */
#include "optim_internal.h"

#define OPTS nn_adamax_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.002", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the gradient average and of the infinity norm"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to |grad| for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    return nn__adam_family_validate(o->lr, o->betas, o->eps, o->weight_decay);
}

NN_OPTIM_KERNEL static void adamax_kernel(size_t n, float *restrict x, const float *restrict grad,
                                          float *restrict exp_avg, float *restrict exp_inf,
                                          float sign, int has_wd, float wd, float b1,
                                          float one_m_b1, float b2, float eps, float neg_clr) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float m = t_add(exp_avg[i] * b1, one_m_b1, gi);
        const float u = t_max(exp_inf[i] * b2, fabsf(gi) + eps);
        exp_avg[i] = m;
        exp_inf[i] = u;
        x[i] = t_addcdiv(x[i], neg_clr, m, u);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step = f32(s->step + 1);
    const double clr = o->lr / (1 - pow(o->betas[0], s->step));
    adamax_kernel(n, p->value.data, p->grad, slots, slots + n, o->maximize ? -1.0f : 1.0f,
                  o->weight_decay != 0, f32(o->weight_decay), f32(o->betas[0]),
                  f32(1 - o->betas[0]), f32(o->betas[1]), f32(o->eps), f32(-clr));
}

static const char *const slot_names[] = {"exp_avg", "exp_inf"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .update = update,
};
static const OPTS defaults = NN_ADAMAX_OPTS_INIT;

const nn_optim_desc nn_optim_adamax_desc = {
    "torch.optim.adamax.Adamax",
    "torch.optim.Adamax",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
