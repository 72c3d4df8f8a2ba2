/*
 * lbfgs.c - torch.optim.LBFGS (torch/optim/lbfgs.py, 1.13), with and without the strong Wolfe
 * line search.
 *
 * torch's LBFGS mixes Python floats and 0-dim float32 tensors freely: ys, ro, H_diag, gtd and
 * al are tensors (dot products), the losses are Python floats, and t is a Python float or a
 * tensor depending on the path (min(1., 1. / sum) can return the tensor; the cubic
 * interpolation returns tensors). Every such mixed expression rounds differently, so this file
 * carries the Python type along with each scalar (`pv`) and applies torch's rule at every
 * operation: a Python float meeting a tensor is cast to float32 first and the result is a
 * float32 tensor; comparisons with a tensor are done in float32; python / tensor is
 * reciprocal(tensor) * python.
 */
#include "optim_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPTS nn_lbfgs_opts
#define ARG(n, t, fl, d, an, f, h)                                                                 \
    { n, t, fl, d, an, offsetof(OPTS, f), h }

static const nn_arg args[] = {
    {"params", NN_ARG_PARAMS, 0, NULL, NULL, 0, "the parameters to optimize"},
    ARG("lr", NN_ARG_FLOAT, 0, "1", NULL, lr, "learning rate"),
    ARG("max_iter", NN_ARG_INT, 0, "20", NULL, max_iter, "maximal number of iterations per step"),
    ARG("max_eval", NN_ARG_INT, NN_ARG_NULLABLE, "None", NULL, max_eval,
        "maximal number of function evaluations per step (None: max_iter * 5 // 4)"),
    ARG("tolerance_grad", NN_ARG_FLOAT, 0, "1e-07", NULL, tolerance_grad,
        "termination tolerance on first order optimality"),
    ARG("tolerance_change", NN_ARG_FLOAT, 0, "1e-09", NULL, tolerance_change,
        "termination tolerance on function value/parameter changes"),
    ARG("history_size", NN_ARG_INT, 0, "100", NULL, history_size, "update history size"),
    ARG("line_search_fn", NN_ARG_STR, NN_ARG_NULLABLE, "None", NULL, line_search_fn,
        "None or 'strong_wolfe'"),
};

static int validate(void *opts) {
    OPTS *o = opts;
    if (o->max_eval == NN_NONE_INT) /* torch: max_eval = max_iter * 5 // 4 */
        o->max_eval = nn__py_ifloordiv(o->max_iter * 5, 4);
    if (o->history_size < 0)
        return nn_error_set(NN_EINVAL, "LBFGS: history_size must be >= 0, got %lld",
                            (long long)o->history_size);
    return NN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Python floats and float32 tensors                                                            */

typedef struct pv {
    double v;
    int t; /* a float32 0-dim tensor (v holds a float32 value) */
} pv;

static pv P(double v) {
    return (pv){v, 0};
}
static pv T(float v) {
    return (pv){v, 1};
}
static float tf(pv a) {
    return (float)a.v;
}

typedef struct ctx {
    int err; /* a Python ZeroDivisionError happened */
} ctx;

static pv padd(pv a, pv b) {
    return (a.t || b.t) ? T(tf(a) + tf(b)) : P(a.v + b.v);
}
static pv psub(pv a, pv b) {
    return (a.t || b.t) ? T(tf(a) - tf(b)) : P(a.v - b.v);
}
static pv pmul(pv a, pv b) {
    return (a.t || b.t) ? T(tf(a) * tf(b)) : P(a.v * b.v);
}
static pv pdiv(ctx *c, pv a, pv b) {
    if (b.t)
        return a.t ? T(tf(a) / tf(b)) : T((1.0f / tf(b)) * tf(a)); /* Tensor.__rtruediv__ */
    if (a.t)
        return T(tf(a) / tf(b));
    if (b.v == 0) {
        c->err = 1;
        return P(NAN);
    }
    return P(a.v / b.v);
}
static pv pabs(pv a) {
    return a.t ? T(fabsf(tf(a))) : P(fabs(a.v));
}
static int plt(pv a, pv b) {
    return (a.t || b.t) ? tf(a) < tf(b) : a.v < b.v;
}
static int ple(pv a, pv b) {
    return (a.t || b.t) ? tf(a) <= tf(b) : a.v <= b.v;
}
static int pgt(pv a, pv b) {
    return plt(b, a);
}
static int pge(pv a, pv b) {
    return ple(b, a);
}
/* Python's max(a, b) / min(a, b): the first argument unless the second is strictly beyond */
static pv pmax(pv a, pv b) {
    return pgt(b, a) ? b : a;
}
static pv pmin(pv a, pv b) {
    return plt(b, a) ? b : a;
}

/* ------------------------------------------------------------------------------------------ */
/* State                                                                                        */

typedef struct lbfgs {
    size_t n; /* total numel */
    /* vectors of n floats, carved from one block */
    float *block;
    float *d, *prev_flat_grad, *flat_grad, *y, *s, *x_init, *g0, *g_new, *g_prev, *bg[2];
    /* history ring: entry k of `len` lives at slot (head + k) % cap */
    float *hist; /* cap * 2n: old_dirs then old_stps per slot */
    float *ro, *al;
    int cap, len, head;
    pv t, h_diag;
    int have_d, have_prev;
    double prev_loss;
    int64_t func_evals, n_iter;
} lbfgs;

static float *dir_at(lbfgs *L, int k) {
    return L->hist + (size_t)((L->head + k) % L->cap) * 2 * L->n;
}
static float *stp_at(lbfgs *L, int k) {
    return dir_at(L, k) + L->n;
}
static float *ro_at(lbfgs *L, int k) {
    return &L->ro[(L->head + k) % L->cap];
}

static int ensure_impl(nn_optim *o) {
    if (o->impl)
        return NN_OK;
    lbfgs *L = calloc(1, sizeof *L);
    if (!L)
        return nn_error_set(NN_ENOMEM, "out of memory for LBFGS");
    for (int i = 0; i < o->nparams; i++)
        L->n += o->params[i]->value.numel;
    L->block = calloc(12 * L->n + 1, sizeof(float));
    if (!L->block) {
        free(L);
        return nn_error_set(NN_ENOMEM, "out of memory for LBFGS");
    }
    float **vecs[] = {&L->d,  &L->prev_flat_grad, &L->flat_grad, &L->y,     &L->s,    &L->x_init,
                      &L->g0, &L->g_new,          &L->g_prev,    &L->bg[0], &L->bg[1]};
    for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
        *vecs[i] = L->block + i * L->n;
    L->h_diag = P(1);
    o->impl = L;
    return NN_OK;
}

static void free_impl(nn_optim *o) {
    lbfgs *L = o->impl;
    if (!L)
        return;
    free(L->block);
    free(L->hist);
    free(L->ro);
    free(L->al);
    free(L);
    o->impl = NULL;
}

/* Appends (y, s, ro) to the history, dropping the oldest entry when full. */
static int push_history(lbfgs *L, int64_t history_size, const float *y, const float *s, float ro) {
    if (L->len == history_size) {
        if (L->len == 0)
            return nn_error_set(NN_EINVAL, "LBFGS: pop from empty list (history_size is 0)");
        L->head = (L->head + 1) % L->cap;
        L->len--;
    }
    if (L->len == L->cap) { /* grow: torch's lists grow one entry at a time */
        int cap = L->cap ? L->cap * 2 : 4;
        if (cap > history_size)
            cap = (int)history_size;
        float *h = malloc((size_t)cap * 2 * L->n * sizeof(float));
        float *r = malloc((size_t)cap * sizeof(float));
        float *a = calloc((size_t)cap, sizeof(float));
        if (!h || !r || !a) {
            free(h);
            free(r);
            free(a);
            return nn_error_set(NN_ENOMEM, "out of memory for the LBFGS history");
        }
        for (int k = 0; k < L->len; k++) {
            memcpy(h + (size_t)k * 2 * L->n, dir_at(L, k), 2 * L->n * sizeof(float));
            r[k] = *ro_at(L, k);
        }
        free(L->hist);
        free(L->ro);
        free(L->al);
        L->hist = h;
        L->ro = r;
        L->al = a;
        L->cap = cap;
        L->head = 0;
    }
    int k = L->len++;
    memcpy(dir_at(L, k), y, L->n * sizeof(float));
    memcpy(stp_at(L, k), s, L->n * sizeof(float));
    *ro_at(L, k) = ro;
    return NN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Parameters as one flat vector                                                                */

static void gather_flat_grad(const nn_optim *o, float *out) {
    size_t off = 0;
    for (int i = 0; i < o->nparams; i++) {
        const nn_param *p = o->params[i];
        if (p->grad)
            memcpy(out + off, p->grad, p->value.numel * sizeof(float));
        else
            memset(out + off, 0, p->value.numel * sizeof(float));
        off += p->value.numel;
    }
}

/* p.add_(update, alpha=step_size) for every parameter */
static void add_grad(nn_optim *o, pv step_size, const float *update) {
    const float alpha = tf(step_size);
    size_t off = 0;
    for (int i = 0; i < o->nparams; i++) {
        nn_param *p = o->params[i];
        for (size_t j = 0; j < p->value.numel; j++)
            p->value.data[j] = t_add(p->value.data[j], alpha, update[off + j]);
        off += p->value.numel;
    }
}

static void clone_params(const nn_optim *o, float *out) {
    size_t off = 0;
    for (int i = 0; i < o->nparams; i++) {
        memcpy(out + off, o->params[i]->value.data, o->params[i]->value.numel * sizeof(float));
        off += o->params[i]->value.numel;
    }
}

static void set_params(nn_optim *o, const float *in) {
    size_t off = 0;
    for (int i = 0; i < o->nparams; i++) {
        memcpy(o->params[i]->value.data, in + off, o->params[i]->value.numel * sizeof(float));
        off += o->params[i]->value.numel;
    }
}

static float abs_max(const float *v, size_t n) {
    float m = 0;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(v[i]);
        if (isnan(a))
            return NAN;
        if (a > m)
            m = a;
    }
    return m;
}

static int closure_loss(nn_optim_closure closure, void *cctx, double *loss) {
    float l;
    int rc = closure(cctx, &l);
    *loss = l; /* float(closure()) */
    return rc;
}

/* _directional_evaluate: loss and gradient at x + t d, parameters restored to x */
static int directional_evaluate(nn_optim *o, nn_optim_closure closure, void *cctx, const float *x,
                                pv t, const float *d, double *loss, float *g) {
    add_grad(o, t, d);
    int rc = closure_loss(closure, cctx, loss);
    if (rc != NN_OK)
        return rc;
    gather_flat_grad(o, g);
    set_params(o, x);
    return NN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Line search                                                                                  */

static pv cubic_interpolate(ctx *c, pv x1, double f1, pv g1, pv x2, double f2, pv g2,
                            const pv *bounds) {
    pv xmin_bound, xmax_bound;
    if (bounds) {
        xmin_bound = bounds[0];
        xmax_bound = bounds[1];
    } else if (ple(x1, x2)) {
        xmin_bound = x1;
        xmax_bound = x2;
    } else {
        xmin_bound = x2;
        xmax_bound = x1;
    }
    /* d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2) */
    pv d1 = psub(padd(g1, g2), pdiv(c, pmul(P(3), P(f1 - f2)), psub(x1, x2)));
    pv d2_square = psub(pmul(d1, d1), pmul(g1, g2));
    if (pge(d2_square, P(0))) {
        pv d2 = d2_square.t ? T(sqrtf(tf(d2_square))) : P(sqrt(d2_square.v));
        pv min_pos;
        if (ple(x1, x2))
            min_pos = psub(x2, pmul(psub(x2, x1), pdiv(c, psub(padd(g2, d2), d1),
                                                       padd(psub(g2, g1), pmul(P(2), d2)))));
        else
            min_pos = psub(x1, pmul(psub(x1, x2), pdiv(c, psub(padd(g1, d2), d1),
                                                       padd(psub(g1, g2), pmul(P(2), d2)))));
        return pmin(pmax(min_pos, xmin_bound), xmax_bound);
    }
    return pdiv(c, padd(xmin_bound, xmax_bound), P(2.));
}

typedef struct ls_result {
    double f;
    pv t;
    int evals;
} ls_result;

/* _strong_wolfe(obj_func, x, t, d, f, g, gtd): the new gradient goes to g_out */
static int strong_wolfe(nn_optim *o, nn_optim_closure closure, void *cctx, ctx *c, pv t,
                        const float *d, double f, const float *g_in, pv gtd, float *g_out,
                        ls_result *res) {
    lbfgs *L = o->impl;
    const size_t n = L->n;
    const double c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9;
    const int max_ls = 25;
    float *x = L->x_init, *g = L->g0, *g_new = L->g_new, *g_prev = L->g_prev;
    const pv d_norm = T(abs_max(d, n));
    memcpy(g, g_in, n * sizeof(float));
    double f_new;
    int rc = directional_evaluate(o, closure, cctx, x, t, d, &f_new, g_new);
    if (rc != NN_OK)
        return rc;
    int ls_func_evals = 1;
    pv gtd_new = T(nn__torch_dot_f32(g_new, d, n));
    pv t_prev = P(0), gtd_prev = gtd;
    double f_prev = f;
    memcpy(g_prev, g, n * sizeof(float));
    int done = 0, ls_iter = 0;

    pv bracket[2], bracket_gtd[2] = {P(0), P(0)};
    double bracket_f[2];
    int nbracket = 0;
    while (ls_iter < max_ls) {
        /* f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev) */
        pv armijo = padd(P(f), pmul(pmul(P(c1), t), gtd));
        if (pgt(P(f_new), armijo) || (ls_iter > 1 && f_new >= f_prev)) {
            bracket[0] = t_prev;
            bracket[1] = t;
            bracket_f[0] = f_prev;
            bracket_f[1] = f_new;
            memcpy(L->bg[0], g_prev, n * sizeof(float));
            memcpy(L->bg[1], g_new, n * sizeof(float));
            bracket_gtd[0] = gtd_prev;
            bracket_gtd[1] = gtd_new;
            nbracket = 2;
            break;
        }
        if (ple(pabs(gtd_new), pmul(P(-c2), gtd))) {
            bracket[0] = t;
            bracket_f[0] = f_new;
            memcpy(L->bg[0], g_new, n * sizeof(float));
            nbracket = 1;
            done = 1;
            break;
        }
        if (pge(gtd_new, P(0))) {
            bracket[0] = t_prev;
            bracket[1] = t;
            bracket_f[0] = f_prev;
            bracket_f[1] = f_new;
            memcpy(L->bg[0], g_prev, n * sizeof(float));
            memcpy(L->bg[1], g_new, n * sizeof(float));
            bracket_gtd[0] = gtd_prev;
            bracket_gtd[1] = gtd_new;
            nbracket = 2;
            break;
        }
        pv bounds[2];
        bounds[0] = padd(t, pmul(P(0.01), psub(t, t_prev))); /* min_step */
        bounds[1] = pmul(t, P(10));                          /* max_step */
        pv tmp = t;
        t = cubic_interpolate(c, t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds);
        if (c->err)
            return nn_error_set(NN_EINVAL, "LBFGS line search: float division by zero");
        t_prev = tmp;
        f_prev = f_new;
        memcpy(g_prev, g_new, n * sizeof(float));
        gtd_prev = gtd_new;
        if ((rc = directional_evaluate(o, closure, cctx, x, t, d, &f_new, g_new)) != NN_OK)
            return rc;
        ls_func_evals++;
        gtd_new = T(nn__torch_dot_f32(g_new, d, n));
        ls_iter++;
    }
    if (ls_iter == max_ls) {
        bracket[0] = P(0);
        bracket[1] = t;
        bracket_f[0] = f;
        bracket_f[1] = f_new;
        memcpy(L->bg[0], g, n * sizeof(float));
        memcpy(L->bg[1], g_new, n * sizeof(float));
        nbracket = 2;
    }

    /* zoom */
    int insuf_progress = 0;
    int low_pos = bracket_f[0] <= bracket_f[nbracket - 1] ? 0 : 1, high_pos = 1 - low_pos;
    while (!done && ls_iter < max_ls) {
        if (plt(pmul(pabs(psub(bracket[1], bracket[0])), d_norm), P(tolerance_change)))
            break;
        t = cubic_interpolate(c, bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                              bracket_gtd[1], NULL);
        if (c->err)
            return nn_error_set(NN_EINVAL, "LBFGS line search: float division by zero");
        pv bmax = pmax(bracket[0], bracket[1]), bmin = pmin(bracket[0], bracket[1]);
        pv eps = pmul(P(0.1), psub(bmax, bmin));
        if (plt(pmin(psub(bmax, t), psub(t, bmin)), eps)) {
            if (insuf_progress || pge(t, bmax) || ple(t, bmin)) {
                if (plt(pabs(psub(t, bmax)), pabs(psub(t, bmin))))
                    t = psub(bmax, eps);
                else
                    t = padd(bmin, eps);
                insuf_progress = 0;
            } else {
                insuf_progress = 1;
            }
        } else {
            insuf_progress = 0;
        }
        if ((rc = directional_evaluate(o, closure, cctx, x, t, d, &f_new, g_new)) != NN_OK)
            return rc;
        ls_func_evals++;
        gtd_new = T(nn__torch_dot_f32(g_new, d, n));
        ls_iter++;
        pv armijo = padd(P(f), pmul(pmul(P(c1), t), gtd));
        if (pgt(P(f_new), armijo) || f_new >= bracket_f[low_pos]) {
            bracket[high_pos] = t;
            bracket_f[high_pos] = f_new;
            memcpy(L->bg[high_pos], g_new, n * sizeof(float));
            bracket_gtd[high_pos] = gtd_new;
            low_pos = bracket_f[0] <= bracket_f[1] ? 0 : 1;
            high_pos = 1 - low_pos;
        } else {
            if (ple(pabs(gtd_new), pmul(P(-c2), gtd))) {
                done = 1;
            } else if (pge(pmul(gtd_new, psub(bracket[high_pos], bracket[low_pos])), P(0))) {
                bracket[high_pos] = bracket[low_pos];
                bracket_f[high_pos] = bracket_f[low_pos];
                memcpy(L->bg[high_pos], L->bg[low_pos], n * sizeof(float));
                bracket_gtd[high_pos] = bracket_gtd[low_pos];
            }
            bracket[low_pos] = t;
            bracket_f[low_pos] = f_new;
            memcpy(L->bg[low_pos], g_new, n * sizeof(float));
            bracket_gtd[low_pos] = gtd_new;
        }
    }
    res->t = bracket[low_pos];
    res->f = bracket_f[low_pos];
    res->evals = ls_func_evals;
    memcpy(g_out, L->bg[low_pos], n * sizeof(float));
    return NN_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Step                                                                                         */

static int step(nn_optim *o, nn_optim_closure closure, void *cctx) {
    if (!closure)
        return nn_error_set(NN_EINVAL, "LBFGS.step() missing 1 required positional argument: "
                                       "'closure'");
    int rc = ensure_impl(o);
    if (rc != NN_OK)
        return rc;
    lbfgs *L = o->impl;
    const OPTS *opt = o->groups[0].opts;
    const size_t n = L->n;
    const double lr = opt->lr, tolerance_change = opt->tolerance_change;
    const pv tolerance_grad = P(opt->tolerance_grad);
    ctx c = {0};

    float orig_loss_f;
    if ((rc = closure(cctx, &orig_loss_f)) != NN_OK)
        return rc;
    o->loss = orig_loss_f;
    double loss = orig_loss_f;
    int64_t current_evals = 1;
    L->func_evals++;
    float *flat_grad = L->flat_grad;
    gather_flat_grad(o, flat_grad);
    int opt_cond = ple(T(abs_max(flat_grad, n)), tolerance_grad);
    if (opt_cond)
        return NN_OK;

    float *d = L->d;
    pv t = L->t;
    int64_t n_iter = 0;
    while (n_iter < opt->max_iter) {
        n_iter++;
        L->n_iter++;
        if (L->n_iter == 1) {
            for (size_t i = 0; i < n; i++)
                d[i] = -flat_grad[i];
            L->len = L->head = 0;
            L->h_diag = P(1);
            L->have_d = 1;
        } else {
            float *y = L->y, *s = L->s;
            const float tt = tf(t);
            for (size_t i = 0; i < n; i++) {
                y[i] = flat_grad[i] - L->prev_flat_grad[i];
                s[i] = d[i] * tt;
            }
            pv ys = T(nn__torch_dot_f32(y, s, n));
            if (pgt(ys, P(1e-10))) {
                if ((rc = push_history(L, opt->history_size, y, s, 1.0f / tf(ys))) != NN_OK)
                    return rc;
                L->h_diag = pdiv(&c, ys, T(nn__torch_dot_f32(y, y, n)));
            }
            /* two-loop recursion; q and r live in d */
            float *q = d;
            for (size_t i = 0; i < n; i++)
                q[i] = -flat_grad[i];
            for (int k = L->len - 1; k >= 0; k--) {
                float al = nn__torch_dot_f32(stp_at(L, k), q, n) * *ro_at(L, k);
                L->al[(L->head + k) % L->cap] = al;
                const float *dir = dir_at(L, k);
                for (size_t i = 0; i < n; i++)
                    q[i] = t_add(q[i], -al, dir[i]);
            }
            const float h = tf(L->h_diag);
            for (size_t i = 0; i < n; i++)
                d[i] = q[i] * h;
            for (int k = 0; k < L->len; k++) {
                float be_i = nn__torch_dot_f32(dir_at(L, k), d, n) * *ro_at(L, k);
                const float alpha = L->al[(L->head + k) % L->cap] - be_i;
                const float *stp = stp_at(L, k);
                for (size_t i = 0; i < n; i++)
                    d[i] = t_add(d[i], alpha, stp[i]);
            }
        }
        memcpy(L->prev_flat_grad, flat_grad, n * sizeof(float));
        L->have_prev = 1;
        L->prev_loss = loss;
        if (L->n_iter == 1) {
            /* min(1., 1. / flat_grad.abs().sum()) * lr */
            float *a = L->y;
            for (size_t i = 0; i < n; i++)
                a[i] = fabsf(flat_grad[i]);
            pv inv = T((1.0f / nn__torch_sum_f32(a, n)) * 1.0f);
            t = pmul(pmin(P(1.), inv), P(lr));
        } else {
            t = P(lr);
        }
        pv gtd = T(nn__torch_dot_f32(flat_grad, d, n));
        if (pgt(gtd, P(-tolerance_change)))
            break;
        int64_t ls_func_evals = 0;
        if (opt->line_search_fn) {
            if (strcmp(opt->line_search_fn, "strong_wolfe") != 0)
                return nn_error_set(NN_EINVAL, "only 'strong_wolfe' is supported");
            clone_params(o, L->x_init);
            ls_result r = {0, {0, 0}, 0};
            if ((rc = strong_wolfe(o, closure, cctx, &c, t, d, loss, flat_grad, gtd, flat_grad,
                                   &r)) != NN_OK)
                return rc;
            loss = r.f;
            t = r.t;
            ls_func_evals = r.evals;
            add_grad(o, t, d);
            opt_cond = ple(T(abs_max(flat_grad, n)), tolerance_grad);
        } else {
            add_grad(o, t, d);
            if (n_iter != opt->max_iter) {
                if ((rc = closure_loss(closure, cctx, &loss)) != NN_OK)
                    return rc;
                gather_flat_grad(o, flat_grad);
                opt_cond = ple(T(abs_max(flat_grad, n)), tolerance_grad);
                ls_func_evals = 1;
            }
        }
        current_evals += ls_func_evals;
        L->func_evals += ls_func_evals;
        if (n_iter == opt->max_iter)
            break;
        if (current_evals >= opt->max_eval)
            break;
        if (opt_cond)
            break;
        /* d.mul(t).abs().max() <= tolerance_change */
        const float tt = tf(t);
        float m = 0;
        int nan = 0;
        for (size_t i = 0; i < n; i++) {
            float a = fabsf(d[i] * tt);
            nan |= isnan(a);
            m = a > m ? a : m;
        }
        if (!nan && ple(T(m), P(tolerance_change)))
            break;
        if (fabs(loss - L->prev_loss) < tolerance_change)
            break;
    }
    L->t = t;
    return NN_OK;
}

static const struct nn_optim_ops ops = {
    .validate = validate,
    .nslots = 0,
    .step = step,
    .free_impl = free_impl,
    .single_group = 1,
};
static const OPTS defaults = NN_LBFGS_OPTS_INIT;

const nn_optim_desc nn_optim_lbfgs_desc = {
    "torch.optim.lbfgs.LBFGS",
    "torch.optim.LBFGS",
    args,
    (int)(sizeof args / sizeof *args),
    sizeof(OPTS),
    &defaults,
    &ops,
};
