/*
 * sgd.c - torch.optim.SGD (torch/optim/sgd.py, 1.13, _single_tensor_sgd).
 *
 * lr is required (torch's `required` sentinel). The momentum buffer starts as a copy of the
 * first (decayed) gradient, then buf = buf * momentum + (1 - dampening) * d_p; a step with
 * momentum 0 leaves an existing buffer untouched, as torch does.
 */
#include "optim_internal.h"

#include <string.h>

#define OPTS nn_sgd_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "<required parameter>", NULL, lr, "learning rate (required)"),
    ARG("momentum", NN_ARG_FLOAT, 0, "0", NULL, momentum, "momentum factor"),
    ARG("dampening", NN_ARG_FLOAT, 0, "0", NULL, dampening, "dampening for momentum"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("nesterov", NN_ARG_BOOL, 0, "False", NULL, nesterov, "use Nesterov momentum"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", NULL, maximize,
        "maximize the objective instead of minimizing it"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None",
        "Optional[bool]", foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("differentiable", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", NULL,
        differentiable, "autograd through the step (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!nn_is_required(o->lr) && o->lr < 0.0)
        return nn__invalid("Invalid learning rate", o->lr);
    if (o->momentum < 0.0)
        return nn__invalid("Invalid momentum value", o->momentum);
    if (o->weight_decay < 0.0)
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    if (o->nesterov && (o->momentum <= 0 || o->dampening != 0))
        return nn_error_set(NN_EINVAL, "Nesterov momentum requires a momentum and zero dampening");
    return NN_OK;
}

/* x += -lr * d for d = grad (negated when maximizing, plus weight_decay * x) */
NN_OPTIM_KERNEL static void plain(size_t n, float *restrict x, const float *restrict grad,
                                  float sign, float wd, int has_wd, float neg_lr) {
    for (size_t i = 0; i < n; i++) {
        float d = grad[i] * sign;
        d = has_wd ? t_add(d, wd, x[i]) : d;
        x[i] = t_add(x[i], neg_lr, d);
    }
}

NN_OPTIM_KERNEL static void with_momentum(size_t n, float *restrict x, const float *restrict grad,
                                          float *restrict buf, float sign, float wd, int has_wd,
                                          float mom, float one_m_damp, int first, int nesterov,
                                          float neg_lr) {
    for (size_t i = 0; i < n; i++) {
        float d = grad[i] * sign;
        d = has_wd ? t_add(d, wd, x[i]) : d;
        float b = first ? d : t_add(buf[i] * mom, one_m_damp, d);
        buf[i] = b;
        d = nesterov ? t_add(d, mom, b) : b;
        x[i] = t_add(x[i], neg_lr, d);
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const float sign = o->maximize ? -1.0f : 1.0f; /* -grad, exactly */
    const float wd = f32(o->weight_decay), neg_lr = f32(-o->lr);
    const int has_wd = o->weight_decay != 0;
    if (o->momentum != 0) {
        with_momentum(p->value.numel, p->value.data, p->grad, slots, sign, wd, has_wd,
                      f32(o->momentum), f32(1 - o->dampening), !s->has_buf, o->nesterov, neg_lr);
        s->has_buf = 1;
    } else {
        plain(p->value.numel, p->value.data, p->grad, sign, wd, has_wd, neg_lr);
    }
}

static const char *const slot_names[] = {"momentum_buffer"};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 1,
    .slot_names = slot_names,
    .update = update,
};
static const OPTS defaults = NN_SGD_OPTS_INIT;

const nn_optim_desc nn_optim_sgd_desc = {
    "torch.optim.sgd.SGD", "torch.optim.SGD", args, (int)(sizeof args / sizeof *args),
    sizeof(OPTS),          &defaults,         &ops,
};
