/*
 * adamw.c - torch.optim.AdamW (torch/optim/adamw.py, 1.13, _single_tensor_adamw, not capturable).
 *
 * Decoupled weight decay: the parameter is first scaled by the float32 of the Python float
 * 1 - lr * weight_decay, then updated as Adam without weight decay in the gradient.
 */
#include "optim_internal.h"

#define OPTS nn_adamw_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.001", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the running averages of the gradient and of its square"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("weight_decay", NN_ARG_FLOAT, 0, "0.01", NULL, weight_decay,
        "decoupled weight decay coefficient"),
    ARG("amsgrad", NN_ARG_BOOL, 0, "False", NULL, amsgrad,
        "use the maximum of past squared-gradient averages (AMSGrad)"),
    ARG("maximize", NN_ARG_BOOL, NN_ARG_KWONLY, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
    ARG("foreach", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NULLABLE | NN_ARG_NOEFFECT, "None",
        "Optional[bool]", foreach, "torch's multi-tensor implementation switch (no effect here)"),
    ARG("capturable", NN_ARG_BOOL, NN_ARG_KWONLY | NN_ARG_NOEFFECT, "False", "bool", capturable,
        "CUDA graph capture support (no effect here)"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    return nn__adam_family_validate(o->lr, o->betas, o->eps, o->weight_decay);
}

/* Adam's update (adam.c) with the parameter scaled first and no L2 term in the gradient */
static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const nn__adam_hyper h = {.lr = o->lr,
                              .betas = {o->betas[0], o->betas[1]},
                              .eps = o->eps,
                              .l2 = 0.0,
                              .decay = 1 - o->lr * o->weight_decay,
                              .amsgrad = o->amsgrad,
                              .maximize = o->maximize};
    nn__adam_update(s, p, slots, &h);
}

static const char *const slot_names[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 3,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .update = update,
};
static const OPTS defaults = NN_ADAMW_OPTS_INIT;

const nn_optim_desc nn_optim_adamw_desc = {
    "torch.optim.adamw.AdamW",
    "torch.optim.AdamW",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
