/*
 * asgd.c - torch.optim.ASGD (torch/optim/asgd.py, 1.13, _single_tensor_asgd).
 *
 * step, eta and mu are float32 tensors: eta starts as float32(lr) at the first step and both are
 * recomputed each step as Python floats, then stored in float32; the parameter update reads them
 * back as Python floats (eta.item()).
 */
#include "optim_internal.h"

#define OPTS nn_asgd_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.01", NULL, lr, "learning rate"),
    ARG("lambd", NN_ARG_FLOAT, 0, "0.0001", NULL, lambd, "decay term"),
    ARG("alpha", NN_ARG_FLOAT, 0, "0.75", NULL, alpha, "power for the eta update"),
    ARG("t0", NN_ARG_FLOAT, 0, "1000000.0", NULL, t0, "step at which averaging starts"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0", NULL, weight_decay,
        "L2 penalty added to the gradient"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, 0, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 <= o->weight_decay))
        return nn__invalid("Invalid weight_decay value", o->weight_decay);
    return NN_OK;
}

static void lazy_init(const nn_optim_group *g, nn_pstate *s, const nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    s->step = 0;
    s->eta = f32(o->lr);
    s->mu = 1.0f;
}

NN_OPTIM_KERNEL static void asgd_kernel(size_t n, float *restrict x, const float *restrict grad,
                                        float *restrict ax, float sign, int has_wd, float wd,
                                        float decay, float neg_eta, int average, float mu) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        gi = has_wd ? t_add(gi, wd, x[i]) : gi;
        const float xi = t_add(x[i] * decay, neg_eta, gi);
        x[i] = xi;
        ax[i] = average ? ax[i] + (xi - ax[i]) * mu : xi;
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    s->step = f32(s->step + 1);
    const double step = s->step;
    asgd_kernel(p->value.numel, p->value.data, p->grad, slots, o->maximize ? -1.0f : 1.0f,
                o->weight_decay != 0, f32(o->weight_decay), f32(1 - o->lambd * (double)s->eta),
                f32(-(double)s->eta), (double)s->mu != 1, s->mu);
    s->eta = f32(o->lr / pow(1 + o->lambd * o->lr * step, o->alpha));
    /* Python's max(1, step - t0) keeps the int 1 unless step - t0 is larger */
    const double d = step - o->t0;
    s->mu = f32(1 / (d > 1 ? d : 1));
}

static const char *const slot_names[] = {"ax"};
static const char *const scalar_names[] = {"step", "eta", "mu", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 1,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .lazy_init = lazy_init,
    .update = update,
};
static const OPTS defaults = NN_ASGD_OPTS_INIT;

const nn_optim_desc nn_optim_asgd_desc = {
    "torch.optim.asgd.ASGD",
    "torch.optim.ASGD",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
