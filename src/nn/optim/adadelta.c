/*
 * adadelta.c - torch.optim.Adadelta (torch/optim/adadelta.py, 1.13, _single_tensor_adadelta).
 *
 * step is a Python int torch never uses in the update; the averages are float32 tensors.
 */
#include "optim_internal.h"

#define OPTS nn_adadelta_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "1.0", NULL, lr,
        "coefficient that scales delta before it is applied"),
    ARG("rho", NN_ARG_FLOAT, 0, "0.9", NULL, rho,
        "decay rate of the running averages of squared gradients and squared updates"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-06", NULL, eps, "added inside the square roots for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 <= o->rho && o->rho <= 1.0))
        return nn__invalid("Invalid rho value", o->rho);
    if (!(0.0 <= o->eps))
        return nn__invalid("Invalid epsilon value", o->eps);
    if (!(0.0 <= o->weight_decay))
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    return NN_OK;
}

NN_OPTIM_KERNEL static void adadelta_kernel(size_t n, float *restrict x, const float *restrict grad,
                                            float *restrict square_avg, float *restrict acc_delta,
                                            float sign, int has_wd, float wd, float rho,
                                            float one_m_rho, float eps, float neg_lr) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float sq = t_addcmul(square_avg[i] * rho, one_m_rho, gi, gi);
        const float std = sqrtf(sq + eps);
        const float delta = sqrtf(acc_delta[i] + eps) / std * gi;
        square_avg[i] = sq;
        acc_delta[i] = t_addcmul(acc_delta[i] * rho, one_m_rho, delta, delta);
        x[i] = t_add(x[i], neg_lr, delta);
    }
}

typedef struct adadelta_args {
    float *x, *square_avg, *acc_delta;
    const float *grad;
    float sign, wd, rho, one_m_rho, eps, neg_lr;
    int has_wd;
} adadelta_args;

static void adadelta_range(void *ctx, size_t i0, size_t i1) {
    const adadelta_args *a = ctx;
    adadelta_kernel(i1 - i0, a->x + i0, a->grad + i0, a->square_avg + i0, a->acc_delta + i0,
                    a->sign, a->has_wd, a->wd, a->rho, a->one_m_rho, a->eps, a->neg_lr);
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step += 1;
    adadelta_args a = {.x = p->value.data,
                       .square_avg = slots,
                       .acc_delta = slots + n,
                       .grad = p->grad,
                       .sign = o->maximize ? -1.0f : 1.0f,
                       .wd = f32(o->weight_decay),
                       .rho = f32(o->rho),
                       .one_m_rho = f32(1 - o->rho),
                       .eps = f32(o->eps),
                       .neg_lr = f32(-o->lr),
                       .has_wd = o->weight_decay != 0};
    nn__optim_parallel(n, adadelta_range, &a);
}

static const char *const slot_names[] = {"square_avg", "acc_delta"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .int_step = 1,
    .update = update,
};
static const OPTS defaults = NN_ADADELTA_OPTS_INIT;

const nn_optim_desc nn_optim_adadelta_desc = {
    "torch.optim.adadelta.Adadelta",
    "torch.optim.Adadelta",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
