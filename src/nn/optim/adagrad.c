/*
 * adagrad.c - torch.optim.Adagrad (torch/optim/adagrad.py, 1.13, _single_tensor_adagrad).
 *
 * Unlike the other optimizers, Adagrad creates its state in the constructor: step (a float32
 * tensor) at 0 and the sum filled with initial_accumulator_value. The decayed learning rate
 * lr / (1 + (step - 1) * lr_decay) is a Python float.
 */
#include "optim_internal.h"

#define OPTS nn_adagrad_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.01", NULL, lr, "learning rate"),
    ARG("lr_decay", NN_ARG_FLOAT, 0, "0", NULL, lr_decay, "learning rate decay per step"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("initial_accumulator_value", NN_ARG_FLOAT, 0, "0", NULL, initial_accumulator_value,
        "starting value of the sum of squared gradients"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-10", NULL, eps, "added to the denominator for stability"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 <= o->lr_decay))
        return nn__invalid("Invalid lr_decay value", o->lr_decay);
    if (!(0.0 <= o->weight_decay))
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    if (!(0.0 <= o->initial_accumulator_value))
        return nn__invalid("Invalid initial_accumulator_value value", o->initial_accumulator_value);
    if (!(0.0 <= o->eps))
        return nn__invalid("Invalid epsilon value", o->eps);
    return NN_OK;
}

static void join(const nn_optim_group *g, nn_pstate *s, const nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const float init = f32(o->initial_accumulator_value);
    for (size_t i = 0; i < p->value.numel; i++)
        slots[i] = init;
    s->step = 0;
    s->init = 1;
}

NN_OPTIM_KERNEL static void adagrad_kernel(size_t n, float *restrict x, const float *restrict grad,
                                           float *restrict sum, float sign, int has_wd, float wd,
                                           float eps, float neg_clr) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float sm = t_addcmul(sum[i], 1.0f, gi, gi);
        sum[i] = sm;
        x[i] = t_addcdiv(x[i], neg_clr, gi, sqrtf(sm) + eps);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    s->step = f32(s->step + 1);
    const double clr = o->lr / (1 + (s->step - 1) * o->lr_decay);
    adagrad_kernel(p->value.numel, p->value.data, p->grad, slots, o->maximize ? -1.0f : 1.0f,
                   o->weight_decay != 0, f32(o->weight_decay), f32(o->eps), f32(-clr));
}

static const char *const slot_names[] = {"sum"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 1,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .join = join,
    .update = update,
};
static const OPTS defaults = NN_ADAGRAD_OPTS_INIT;

const nn_optim_desc nn_optim_adagrad_desc = {
    "torch.optim.adagrad.Adagrad",
    "torch.optim.Adagrad",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
