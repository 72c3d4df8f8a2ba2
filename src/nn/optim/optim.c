/*
 * optim.c - the optimizer object: param groups, hyper-parameters by name, the state block and the
 * step loop shared by every optimizer (each optimizer's file holds its table and its update).
 */
#include "optim_internal.h"

#include "nn/blas.h"
#include "nn/threads.h"
#include <stdlib.h>
#include <string.h>

const nn_optim_desc *const nn_optim_descs[] = {
    &nn_optim_asgd_desc,        &nn_optim_adadelta_desc,
    &nn_optim_adagrad_desc,     &nn_optim_adam_desc,
    &nn_optim_adamw_desc,       &nn_optim_adamax_desc,
    &nn_optim_lbfgs_desc,       &nn_optim_nadam_desc,
    &nn_optim_radam_desc,       &nn_optim_rmsprop_desc,
    &nn_optim_rprop_desc,       &nn_optim_sgd_desc,
    &nn_optim_sparse_adam_desc, NULL,
};

const nn_optim_desc *nn_optim_find(const char *name) {
    for (int i = 0; nn_optim_descs[i]; i++)
        if (strcmp(nn_optim_descs[i]->target, name) == 0 ||
            strcmp(nn_optim_descs[i]->alias, name) == 0)
            return nn_optim_descs[i];
    return NULL;
}

void nn_optim_opts_init(const nn_optim_desc *d, void *opts) {
    memcpy(opts, d->defaults, d->opts_size);
}

int nn_optim_opts_set(const nn_optim_desc *d, void *opts, const char *name, const nn_value *v) {
    return nn__args_set(nn__class_name(d->target), d->args, d->nargs, opts, name, v);
}

/* ------------------------------------------------------------------------------------------ */
/* torch's reductions                                                                           */

/* multi_row_sum of torch's SumKernel: nrows interleaved accumulators, each a cascade of 4 levels
 * so long sums keep their precision. rows are `width` floats wide (1, or 8 for the vector path). */
enum { ILP = 4, LEVELS = 4, VEC = 8 };

static int ceil_log2(uint64_t x) {
    int r = 0;
    while (((uint64_t)1 << r) < x)
        r++;
    return r;
}

/* acc[ILP][width]: sums of rows i*ILP + k (k < ILP) for i < size, rows `width` floats apart. */
static void multi_row_sum(float acc_out[ILP][VEC], const float *in, size_t size, int width) {
    float acc[LEVELS][ILP][VEC];
    memset(acc, 0, sizeof acc);
    int lp = ceil_log2(size) / LEVELS;
    const int level_power = lp > 4 ? lp : 4;
    const size_t level_step = (size_t)1 << level_power, level_mask = level_step - 1;
    size_t i = 0;
    while (i + level_step <= size) {
        for (size_t j = 0; j < level_step; j++, i++)
            for (int k = 0; k < ILP; k++)
                for (int w = 0; w < width; w++)
                    acc[0][k][w] += in[(i * ILP + (size_t)k) * (size_t)width + (size_t)w];
        for (int j = 1; j < LEVELS; j++) {
            for (int k = 0; k < ILP; k++)
                for (int w = 0; w < width; w++) {
                    acc[j][k][w] += acc[j - 1][k][w];
                    acc[j - 1][k][w] = 0;
                }
            if ((i & (level_mask << (j * level_power))) != 0)
                break;
        }
    }
    for (; i < size; i++)
        for (int k = 0; k < ILP; k++)
            for (int w = 0; w < width; w++)
                acc[0][k][w] += in[(i * ILP + (size_t)k) * (size_t)width + (size_t)w];
    for (int j = 1; j < LEVELS; j++)
        for (int k = 0; k < ILP; k++)
            for (int w = 0; w < width; w++)
                acc[0][k][w] += acc[j][k][w];
    memcpy(acc_out, acc[0], sizeof acc[0]);
}

/* row_sum: n rows of `width` floats summed into out[width] */
static void row_sum(float *out, const float *in, size_t n, int width) {
    float ps[ILP][VEC];
    size_t size_ilp = n / ILP;
    multi_row_sum(ps, in, size_ilp, width);
    for (size_t i = size_ilp * ILP; i < n; i++)
        for (int w = 0; w < width; w++)
            ps[0][w] += in[i * (size_t)width + (size_t)w];
    for (int k = 1; k < ILP; k++)
        for (int w = 0; w < width; w++)
            ps[0][w] += ps[k][w];
    memcpy(out, ps[0], (size_t)width * sizeof(float));
}

float nn__torch_sum_f32(const float *x, size_t n) {
    if (n < VEC) {
        float s;
        row_sum(&s, x, n, 1);
        return 0.0f + s;
    }
    size_t nvec = n / VEC;
    float lanes[VEC];
    row_sum(lanes, x, nvec, VEC);
    float total = 0;
    for (size_t k = nvec * VEC; k < n; k++)
        total += x[k];
    for (int k = 0; k < VEC; k++)
        total += lanes[k];
    return total;
}

float nn__torch_dot_f32(const float *x, const float *y, size_t n) {
    return nn_blas_sdot((int)n, x, y);
}

/* ------------------------------------------------------------------------------------------ */
/* Construction                                                                                 */

static int add_group(nn_optim *o, nn_param *params, int nparams, const void *opts) {
    const nn_optim_desc *d = o->desc;
    const struct nn_optim_ops *ops = d->ops;
    if (nparams <= 0 || !params)
        return nn_error_set(NN_EINVAL, "optimizer got an empty parameter list");
    /* add_param_group's checks */
    for (int i = 0; i < d->nargs; i++)
        if (d->args[i].type == NN_ARG_FLOAT &&
            nn_is_required(*(const double *)((const char *)opts + d->args[i].offset)))
            return nn_error_set(NN_EINVAL,
                                "parameter group didn't specify a value of required optimization "
                                "parameter %s",
                                d->args[i].name);
    for (int i = 0; i < nparams; i++) {
        if (!params[i].value.data && params[i].value.numel)
            return nn_error_set(NN_EINVAL, "parameter %d (%s) has no data", i,
                                params[i].name ? params[i].name : "?");
        for (int j = 0; j < i; j++)
            if (params[j].value.data == params[i].value.data)
                return nn_error_set(NN_EINVAL,
                                    "optimizer contains a parameter group with duplicate "
                                    "parameters (%s)",
                                    params[i].name ? params[i].name : "?");
        for (int j = 0; j < o->nparams; j++)
            if (o->params[j]->value.data == params[i].value.data)
                return nn_error_set(NN_EINVAL,
                                    "some parameters appear in more than one parameter group");
    }
    if (o->ngroups > 0 && ops->single_group)
        return nn_error_set(NN_EINVAL,
                            "%s doesn't support per-parameter options (parameter groups)",
                            nn__class_name(d->target));

    /* grow everything first, then commit, so a failure leaves the optimizer as it was */
    size_t add = 0;
    for (int i = 0; i < nparams; i++)
        add += params[i].value.numel;
    size_t new_len = o->state_len + add * (size_t)ops->nslots;
    void *gopts = malloc(d->opts_size);
    nn_optim_group *groups = realloc(o->groups, (size_t)(o->ngroups + 1) * sizeof *groups);
    if (groups)
        o->groups = groups;
    nn_param **pp = realloc(o->params, (size_t)(o->nparams + nparams) * sizeof *pp);
    if (pp)
        o->params = pp;
    nn_pstate *ps = realloc(o->ps, (size_t)(o->nparams + nparams) * sizeof *ps);
    if (ps)
        o->ps = ps;
    float *state = new_len ? realloc(o->state, new_len * sizeof(float)) : o->state;
    if (new_len && state)
        o->state = state;
    if (!gopts || !groups || !pp || !ps || (new_len && !state)) {
        free(gopts);
        return nn_error_set(NN_ENOMEM, "out of memory for the optimizer's state");
    }
    if (new_len > o->state_len)
        memset(o->state + o->state_len, 0, (new_len - o->state_len) * sizeof(float));
    memcpy(gopts, opts, d->opts_size);
    nn_optim_group *g = &o->groups[o->ngroups++];
    *g = (nn_optim_group){.params = params, .nparams = nparams, .first = o->nparams, .opts = gopts};
    size_t off = o->state_len;
    for (int i = 0; i < nparams; i++) {
        nn_pstate *s = &o->ps[o->nparams];
        memset(s, 0, sizeof *s);
        s->off = off;
        off += params[i].value.numel * (size_t)ops->nslots;
        o->params[o->nparams++] = &params[i];
        if (ops->join)
            ops->join(g, s, &params[i], o->state + s->off);
    }
    o->state_len = new_len;
    return NN_OK;
}

int nn_optim_new(nn_optim **out, const nn_optim_desc *d, nn_param *params, int nparams,
                 const void *opts) {
    *out = NULL;
    nn_optim *o = calloc(1, sizeof *o);
    if (!o || !(o->defaults = malloc(d->opts_size))) {
        free(o);
        return nn_error_set(NN_ENOMEM, "out of memory creating an optimizer");
    }
    o->desc = d;
    o->loss = NAN;
    memcpy(o->defaults, opts ? opts : d->defaults, d->opts_size);
    int rc = d->ops->validate ? d->ops->validate(o->defaults) : NN_OK;
    if (rc == NN_OK)
        rc = add_group(o, params, nparams, o->defaults);
    if (rc != NN_OK) {
        nn_optim_free(o);
        return rc;
    }
    *out = o;
    return NN_OK;
}

void nn_optim_free(nn_optim *o) {
    if (!o)
        return;
    if (o->desc->ops->free_impl)
        o->desc->ops->free_impl(o);
    for (int i = 0; i < o->ngroups; i++) {
        free(o->groups[i].opts);
        free(o->groups[i].extras);
    }
    free(o->groups);
    free(o->params);
    free(o->ps);
    free(o->state);
    free(o->defaults);
    free(o);
}

int nn_optim_add_param_group(nn_optim *o, nn_param *params, int nparams, const void *opts) {
    return add_group(o, params, nparams, opts ? opts : o->defaults);
}

/* ------------------------------------------------------------------------------------------ */
/* Stepping                                                                                     */

/* 64 KiB of each array per piece: large enough that handing a piece out costs nothing next to
 * it, small enough that fc1's 1.2M weights make 18 pieces for two or more threads. */
#define RANGE_PIECE 16384

typedef struct range_job {
    nn__range_fn fn;
    void *ctx;
    size_t n;
} range_job;

static void range_unit(void *ctx, int unit, int thread) {
    (void)thread;
    const range_job *j = ctx;
    size_t i0 = (size_t)unit * RANGE_PIECE, i1 = i0 + RANGE_PIECE < j->n ? i0 + RANGE_PIECE : j->n;
    j->fn(j->ctx, i0, i1);
}

void nn__optim_parallel(size_t n, nn__range_fn fn, void *ctx) {
    if (n <= 2 * RANGE_PIECE) {
        fn(ctx, 0, n);
        return;
    }
    range_job j = {fn, ctx, n};
    nn_parallel_for((int)((n + RANGE_PIECE - 1) / RANGE_PIECE), range_unit, &j);
}

int nn_optim_step(nn_optim *o, nn_optim_closure closure, void *ctx) {
    const struct nn_optim_ops *ops = o->desc->ops;
    if (ops->step)
        return ops->step(o, closure, ctx);
    o->loss = NAN;
    if (closure) {
        float loss;
        int rc = closure(ctx, &loss);
        if (rc != NN_OK)
            return rc;
        o->loss = loss;
    }
    for (int gi = 0; gi < o->ngroups; gi++) {
        const nn_optim_group *g = &o->groups[gi];
        for (int i = 0; i < g->nparams; i++) {
            nn_param *p = &g->params[i];
            if (!p->grad)
                continue;
            nn_pstate *s = &o->ps[g->first + i];
            float *slots = o->state + s->off;
            if (!s->init) {
                if (ops->lazy_init)
                    ops->lazy_init(g, s, p, slots);
                s->init = 1;
            }
            ops->update(g, s, p, slots);
        }
    }
    return NN_OK;
}

float nn_optim_loss(const nn_optim *o) {
    return o->loss;
}

void nn_optim_zero_grad(nn_optim *o) {
    for (int i = 0; i < o->nparams; i++)
        if (o->params[i]->grad)
            memset(o->params[i]->grad, 0, o->params[i]->value.numel * sizeof(float));
}

const nn_optim_desc *nn_optim_describe(const nn_optim *o) {
    return o->desc;
}

int nn_optim_ngroups(const nn_optim *o) {
    return o->ngroups;
}

/* ------------------------------------------------------------------------------------------ */
/* Hyper-parameters by name                                                                     */

static int check_group(const nn_optim *o, int group) {
    if (group < 0 || group >= o->ngroups)
        return nn_error_set(NN_EINVAL, "param group %d does not exist (the optimizer has %d)",
                            group, o->ngroups);
    return NN_OK;
}

const void *nn_optim_group_opts(const nn_optim *o, int group) {
    return check_group(o, group) == NN_OK ? o->groups[group].opts : NULL;
}

static nn_optim_extra *find_extra(const nn_optim_group *g, const char *name) {
    for (int i = 0; i < g->nextras; i++)
        if (strcmp(g->extras[i].name, name) == 0)
            return &g->extras[i];
    return NULL;
}

int nn_optim_get(const nn_optim *o, int group, const char *name, double out[2]) {
    int rc = check_group(o, group);
    if (rc != NN_OK)
        return rc;
    const nn_optim_group *g = &o->groups[group];
    const nn_arg *a = nn__args_find(o->desc->args, o->desc->nargs, name);
    if (a) {
        const char *f = (const char *)g->opts + a->offset;
        switch (a->type) {
        case NN_ARG_FLOAT:
            out[0] = *(const double *)f;
            return 1;
        case NN_ARG_INT:
            out[0] = (double)*(const int64_t *)f;
            return 1;
        case NN_ARG_BOOL:
            out[0] = *(const int *)f;
            return 1;
        case NN_ARG_FLOAT2:
            out[0] = ((const double *)f)[0];
            out[1] = ((const double *)f)[1];
            return 2;
        default:
            return nn_error_set(NN_EINVAL, "param group option '%s' is not a number", name);
        }
    }
    const nn_optim_extra *x = find_extra(g, name);
    if (!x)
        return nn_error_set(NN_ENOTFOUND, "param group %d has no key '%s'", group, name);
    out[0] = x->v[0];
    out[1] = x->v[1];
    return x->n;
}

static int set_value(nn_optim *o, int group, const char *name, const double *v, int n, int create) {
    int rc = check_group(o, group);
    if (rc != NN_OK)
        return rc;
    nn_optim_group *g = &o->groups[group];
    const nn_arg *a = nn__args_find(o->desc->args, o->desc->nargs, name);
    if (a) {
        char *f = (char *)g->opts + a->offset;
        int want = a->type == NN_ARG_FLOAT2 ? 2 : 1;
        if (n != want)
            return nn_error_set(NN_EINVAL, "param group option '%s' takes %d value%s, got %d", name,
                                want, want == 1 ? "" : "s", n);
        switch (a->type) {
        case NN_ARG_FLOAT:
            *(double *)f = v[0];
            return NN_OK;
        case NN_ARG_FLOAT2:
            ((double *)f)[0] = v[0];
            ((double *)f)[1] = v[1];
            return NN_OK;
        case NN_ARG_INT:
            if (v[0] != floor(v[0]) || fabs(v[0]) > 9.0e18)
                return nn_error_set(NN_EINVAL, "param group option '%s' is an int, got %g", name,
                                    v[0]);
            *(int64_t *)f = (int64_t)v[0];
            return NN_OK;
        case NN_ARG_BOOL:
            *(int *)f = v[0] != 0;
            return NN_OK;
        default:
            return nn_error_set(NN_EINVAL, "param group option '%s' is not a number", name);
        }
    }
    if (n < 1 || n > 2)
        return nn_error_set(NN_EINVAL, "param group entry '%s' takes 1 or 2 values, got %d", name,
                            n);
    nn_optim_extra *x = find_extra(g, name);
    if (!x) {
        if (!create)
            return nn_error_set(NN_ENOTFOUND, "param group %d has no key '%s'", group, name);
        if (strlen(name) >= sizeof x->name)
            return nn_error_set(NN_EINVAL, "param group key '%s' is too long", name);
        nn_optim_extra *e = realloc(g->extras, (size_t)(g->nextras + 1) * sizeof *e);
        if (!e)
            return nn_error_set(NN_ENOMEM, "out of memory");
        g->extras = e;
        x = &g->extras[g->nextras++];
        memset(x, 0, sizeof *x);
        strcpy(x->name, name);
    }
    x->v[0] = v[0];
    x->v[1] = n > 1 ? v[1] : 0;
    x->n = n;
    return NN_OK;
}

int nn_optim_set(nn_optim *o, int group, const char *name, const double *v, int n) {
    return set_value(o, group, name, v, n, 0);
}

int nn_optim_put(nn_optim *o, int group, const char *name, const double *v, int n) {
    return set_value(o, group, name, v, n, 1);
}

int nn_optim_has(const nn_optim *o, int group, const char *name) {
    if (group < 0 || group >= o->ngroups)
        return 0;
    return nn__args_find(o->desc->args, o->desc->nargs, name) != NULL ||
           find_extra(&o->groups[group], name) != NULL;
}

double nn_optim_get_lr(const nn_optim *o, int group) {
    double v[2];
    return nn_optim_get(o, group, "lr", v) == 1 ? v[0] : NAN;
}

int nn_optim_set_lr(nn_optim *o, int group, double lr) {
    return nn_optim_set(o, group, "lr", &lr, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* State by name                                                                                */

static int check_param(const nn_optim *o, int param) {
    if (param < 0 || param >= o->nparams)
        return nn_error_set(NN_EINVAL, "parameter %d does not exist (the optimizer has %d)", param,
                            o->nparams);
    return NN_OK;
}

int nn_optim_state(const nn_optim *o, int param, const char *name, nn_tensor *out) {
    int rc = check_param(o, param);
    if (rc != NN_OK)
        return rc;
    const struct nn_optim_ops *ops = o->desc->ops;
    const nn_pstate *s = &o->ps[param];
    const nn_param *p = o->params[param];
    for (int k = 0; k < ops->nslots; k++) {
        if (strcmp(ops->slot_names[k], name) != 0)
            continue;
        if (!s->init ||
            (strcmp(name, "momentum_buffer") == 0 && !s->has_buf && o->desc == &nn_optim_sgd_desc))
            return nn_error_set(NN_ENOTFOUND, "state '%s' of parameter %d is not initialized yet",
                                name, param);
        *out = nn_tensor_view(o->state + s->off + (size_t)k * p->value.numel, p->value.ndim,
                              p->value.shape);
        return NN_OK;
    }
    return nn_error_set(NN_ENOTFOUND, "%s has no state tensor '%s'",
                        nn__class_name(o->desc->target), name);
}

int nn_optim_state_scalar(const nn_optim *o, int param, const char *name, double *out) {
    int rc = check_param(o, param);
    if (rc != NN_OK)
        return rc;
    const struct nn_optim_ops *ops = o->desc->ops;
    const nn_pstate *s = &o->ps[param];
    for (int k = 0; ops->scalar_names && ops->scalar_names[k]; k++) {
        if (strcmp(ops->scalar_names[k], name) != 0)
            continue;
        if (!s->init)
            return nn_error_set(NN_ENOTFOUND, "state '%s' of parameter %d is not initialized yet",
                                name, param);
        *out = strcmp(name, "step") == 0  ? s->step
               : strcmp(name, "eta") == 0 ? s->eta
               : strcmp(name, "mu") == 0  ? s->mu
                                          : s->mu_product;
        return NN_OK;
    }
    return nn_error_set(NN_ENOTFOUND, "%s has no state scalar '%s'",
                        nn__class_name(o->desc->target), name);
}
