/*
 * rprop.c - torch.optim.Rprop (torch/optim/rprop.py, 1.13, _single_tensor_rprop).
 *
 * The sign test is on the float32 product grad * prev (an underflow to 0 counts as "no sign");
 * step sizes start at float32(lr) of the group at the parameter's first step; where the sign
 * flipped the gradient is zeroed before the update and stored as prev.
 */
#include "optim_internal.h"

#define OPTS nn_rprop_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.01", NULL, lr, "initial step size"),
    ARG("etas", NN_ARG_FLOAT2, 0, "(0.5, 1.2)", NULL, etas,
        "(etaminus, etaplus): step size factors on a sign change / no change"),
    ARG("step_sizes", NN_ARG_FLOAT2, 0, "(1e-06, 50)", NULL, step_sizes,
        "minimal and maximal step sizes"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None", "Optional[bool]",
        foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("maximize", NN_ARG_BOOL, 0, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 <= o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 < o->etas[0] && o->etas[0] < 1.0 && 1.0 < o->etas[1]))
        return nn__invalid2("Invalid eta values: %s, %s", o->etas[0], o->etas[1]);
    return NN_OK;
}

static void lazy_init(const nn_optim_group *g, nn_pstate *s, const nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    float *step_size = slots + n;
    for (size_t i = 0; i < n; i++)
        step_size[i] = f32(o->lr);
    s->step = 0;
}

NN_OPTIM_KERNEL static void rprop_kernel(size_t n, float *restrict x, const float *restrict grad,
                                         float *restrict prev, float *restrict step_size,
                                         float sign, float etaminus, float etaplus, float lo,
                                         float hi) {
    for (size_t i = 0; i < n; i++) {
        float gi = grad[i] * sign;
        const float sg = t_sign(gi * prev[i]);
        const float eta = sg > 0 ? etaplus : sg < 0 ? etaminus : 1.0f;
        /* step_size.mul_(sign).clamp_(min, max), NaN propagating */
        float ss = step_size[i] * eta;
        ss = ss != ss ? ss : ss < lo ? lo : ss > hi ? hi : ss;
        step_size[i] = ss;
        gi = eta == etaminus ? 0.0f : gi;
        x[i] = t_addcmul(x[i], -1.0f, t_sign(gi), ss);
        prev[i] = gi;
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step += 1;
    rprop_kernel(n, p->value.data, p->grad, slots, slots + n, o->maximize ? -1.0f : 1.0f,
                 f32(o->etas[0]), f32(o->etas[1]), f32(o->step_sizes[0]), f32(o->step_sizes[1]));
}

static const char *const slot_names[] = {"prev", "step_size"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .int_step = 1,
    .lazy_init = lazy_init,
    .update = update,
};
static const OPTS defaults = NN_RPROP_OPTS_INIT;

const nn_optim_desc nn_optim_rprop_desc = {
    "torch.optim.rprop.Rprop",
    "torch.optim.Rprop",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
