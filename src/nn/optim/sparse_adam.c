/*
 * sparse_adam.c - torch.optim.SparseAdam (torch/optim/sparse_adam.py and F.sparse_adam, 1.13).
 *
 * torch only takes sparse gradients. A dense gradient here is read as grad.to_sparse(): its
 * non-zero elements are the coalesced indices, updated with torch's sparse arithmetic
 * (old += (1 - beta) * (new - old)); elements whose gradient is exactly zero keep their moments
 * and parameter unchanged. step is a Python int.
 */
#include "optim_internal.h"

#define OPTS nn_sparse_adam_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "0.001", NULL, lr, "learning rate"),
    ARG("betas", NN_ARG_FLOAT2, 0, "(0.9, 0.999)", NULL, betas,
        "decay rates of the running averages of the gradient and of its square"),
    ARG("eps", NN_ARG_FLOAT, 0, "1e-08", NULL, eps, "added to the denominator for stability"),
    ARG("maximize", NN_ARG_BOOL, 0, "False", "bool", maximize,
        "maximize the objective instead of minimizing it"),
};

static int validate(void *opts) {
    const OPTS *o = opts;
    if (!(0.0 < o->lr))
        return nn__invalid("Invalid learning rate", o->lr);
    if (!(0.0 < o->eps))
        return nn__invalid("Invalid epsilon value", o->eps);
    if (!(0.0 <= o->betas[0] && o->betas[0] < 1.0))
        return nn__invalid("Invalid beta parameter at index 0", o->betas[0]);
    if (!(0.0 <= o->betas[1] && o->betas[1] < 1.0))
        return nn__invalid("Invalid beta parameter at index 1", o->betas[1]);
    return NN_OK;
}

NN_OPTIM_KERNEL static void sparse_adam_kernel(size_t n, float *restrict x,
                                               const float *restrict grad, float *restrict exp_avg,
                                               float *restrict exp_avg_sq, float sign,
                                               float one_m_b1, float one_m_b2, float eps,
                                               float neg_step) {
    for (size_t i = 0; i < n; i++) {
        const int present = grad[i] != 0; /* in grad.to_sparse() */
        const float gi = grad[i] * sign;
        const float old_avg = exp_avg[i], old_sq = exp_avg_sq[i];
        const float avg_update = (gi - old_avg) * one_m_b1;
        const float sq_update = (gi * gi - old_sq) * one_m_b2;
        const float numer = avg_update + old_avg;
        const float denom = sqrtf(sq_update + old_sq) + eps;
        exp_avg[i] = present ? old_avg + avg_update : old_avg;
        exp_avg_sq[i] = present ? old_sq + sq_update : old_sq;
        x[i] = present ? x[i] + neg_step * (numer / denom) : x[i];
    }
}

static void update(const nn_optim_group *g, nn_pstate *s, nn_param *p, float *slots) {
    const OPTS *o = g->opts;
    const size_t n = p->value.numel;
    s->step += 1;
    const double bc1 = 1 - pow(o->betas[0], s->step);
    const double bc2 = 1 - pow(o->betas[1], s->step);
    const double step_size = o->lr * sqrt(bc2) / bc1;
    sparse_adam_kernel(n, p->value.data, p->grad, slots, slots + n, o->maximize ? -1.0f : 1.0f,
                       f32(1 - o->betas[0]), f32(1 - o->betas[1]), f32(o->eps), f32(-step_size));
}

static const char *const slot_names[] = {"exp_avg", "exp_avg_sq"};
static const char *const scalar_names[] = {"step", NULL};
static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 2,
    .slot_names = slot_names,
    .scalar_names = scalar_names,
    .int_step = 1,
    .update = update,
};
static const OPTS defaults = NN_SPARSE_ADAM_OPTS_INIT;

const nn_optim_desc nn_optim_sparse_adam_desc = {
    "torch.optim.sparse_adam.SparseAdam",
    "torch.optim.SparseAdam",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
