/*
 * test_optim_golden.c - every optimizer's trajectory on the reference problem against torch 1.13.
 *
 * Replays each tests/golden/optim/opt_*.txt case (tests/oracle/optim_golden.py): the optimizer is
 * built by name through its describe table from the case's kwargs, stepped with the C gradient,
 * and its parameters compared after every step. Tolerance: |c - torch| <= 1e-6 + 1e-5 |torch|.
 * When SLEEF is installed the C gradient equals torch's bit for bit, and then every trajectory
 * but LBFGS' must match bit for bit too (LBFGS' dot products come from the machine's BLAS
 * kernel, which may differ from the one that generated the goldens).
 * CYDRA_OPTIM_NO_SLEEF=1 runs with libm's sinf/cosf, as on a machine without SLEEF.
 */
#include "golden.h"
#include "nn/optim.h"

#define DIR "golden/optim"

static nn_optim_testfn_math M;
static int have_sleef;

/* The problem's x, as one tensor or as x[:2] and x[2:] */
typedef struct problem {
    float x[NN_OPTIM_TESTFN_N], grad[NN_OPTIM_TESTFN_N];
    nn_param params[2];
    int nparams, k, mask;
} problem;

static void problem_init(problem *p, int split, int mask) {
    memcpy(p->x, nn_optim_testfn_x0, sizeof p->x);
    memset(p->grad, 0, sizeof p->grad);
    p->mask = mask;
    p->k = 0;
    if (split) {
        p->params[0] = (nn_param){"a", nn_tensor_view(p->x, 1, (int64_t[]){2}), p->grad};
        p->params[1] = (nn_param){"b", nn_tensor_view(p->x + 2, 1, (int64_t[]){3}), p->grad + 2};
        p->nparams = 2;
    } else {
        p->params[0] = (nn_param){"x", nn_tensor_view(p->x, 1, (int64_t[]){5}), p->grad};
        p->nparams = 1;
    }
}

static int closure(void *ctx, float *loss) {
    problem *p = ctx;
    *loss = nn_optim_testfn(p->x, p->grad, &M);
    if (p->mask >= 0 && p->k % 2 == 0)
        p->grad[p->mask] = 0;
    return NN_OK;
}

typedef struct setctx {
    const nn_optim_desc *d;
    void *opts;
} setctx;

static int set_opt(void *ctx, const char *name, const nn_value *v) {
    setctx *c = ctx;
    int rc = nn_optim_opts_set(c->d, c->opts, name, v);
    if (rc != NN_OK)
        fprintf(stderr, "setting %s: %s\n", name, nn_error_last());
    return rc;
}

static int cases_run, cases_exact, steps_checked;
static long long worst_ulps;

static void run_case(const char *file) {
    golden_case gc;
    if (g_load(&gc, DIR, file) != 0) {
        harness_fail(__FILE__, __LINE__, "cannot read %s", file);
        return;
    }
    const char *target = g_get(&gc, "target");
    const nn_optim_desc *d = target ? nn_optim_find(target) : NULL;
    if (!d) {
        harness_fail(__FILE__, __LINE__, "%s: unknown optimizer %s", gc.name, target);
        g_free(&gc);
        return;
    }
    int split = g_get(&gc, "split") && atoi(g_get(&gc, "split"));
    int use_closure = g_get(&gc, "closure") && atoi(g_get(&gc, "closure"));
    int mask = g_get(&gc, "mask") ? atoi(g_get(&gc, "mask")) : -1;
    int is_lbfgs = strstr(target, "LBFGS") != NULL;
    const char *group2 = g_get(&gc, "group2");

    char opts[512], opts2[512];
    nn_optim_opts_init(d, opts);
    g_values pool = {0};
    setctx sc = {d, opts};
    if (g_apply_kwargs(g_get(&gc, "kwargs"), &pool, set_opt, &sc) != 0) {
        harness_fail(__FILE__, __LINE__, "%s: cannot apply kwargs", gc.name);
        g_free(&gc);
        return;
    }
    problem pb;
    problem_init(&pb, split, mask);
    nn_optim *o = NULL;
    int rc;
    if (group2) {
        rc = nn_optim_new(&o, d, pb.params, 1, opts);
        if (rc == NN_OK) {
            memcpy(opts2, nn_optim_group_opts(o, 0), d->opts_size);
            setctx sc2 = {d, opts2};
            CHECK_EQ_INT(g_apply_kwargs(group2, &pool, set_opt, &sc2), 0);
            rc = nn_optim_add_param_group(o, pb.params + 1, 1, opts2);
        }
    } else {
        rc = nn_optim_new(&o, d, pb.params, pb.nparams, opts);
    }
    if (rc != NN_OK) {
        harness_fail(__FILE__, __LINE__, "%s: %s", gc.name, nn_error_last());
        nn_optim_free(o);
        g_free(&gc);
        return;
    }

    long long case_ulps = 0;
    int bad = 0;
    for (int r = 0; r < gc.nrows; r++) {
        const double *row = gc.rows[r];
        int k = (int)row[0];
        if (gc.ncols[r] != 2 + NN_OPTIM_TESTFN_N) {
            harness_fail(__FILE__, __LINE__, "%s: bad row %d", gc.name, r);
            bad++;
            break;
        }
        if (k > 0) {
            pb.k = k;
            if (is_lbfgs || use_closure) {
                rc = nn_optim_step(o, closure, &pb);
            } else {
                float loss;
                closure(&pb, &loss);
                rc = nn_optim_step(o, NULL, NULL);
            }
            if (rc != NN_OK) {
                harness_fail(__FILE__, __LINE__, "%s step %d: %s", gc.name, k, nn_error_last());
                bad++;
                break;
            }
        }
        /* the lr the step used: constant here, read back by name */
        if (nn_optim_get_lr(o, 0) != row[1]) {
            harness_fail(__FILE__, __LINE__, "%s step %d: lr %.17g, torch %.17g", gc.name, k,
                         nn_optim_get_lr(o, 0), row[1]);
            bad++;
        }
        for (int i = 0; i < NN_OPTIM_TESTFN_N; i++) {
            float want = (float)row[2 + i], got = pb.x[i];
            long long u = g_ulps(got, want);
            if (u > case_ulps)
                case_ulps = u;
            /* LBFGS stops where its tolerances say it has converged: without SLEEF's exact
             * gradient that point moves by about sqrt(tolerance_change) */
            const float atol = is_lbfgs && !have_sleef ? 1e-4f : 1e-6f;
            if (!(fabsf(got - want) <= atol + 1e-5f * fabsf(want)) && bad++ < 3)
                harness_fail(__FILE__, __LINE__, "%s step %d: x[%d] = %.9g, torch %.9g (%lld ulps)",
                             gc.name, k, i, got, want, u);
        }
        steps_checked++;
    }
    if (have_sleef && !is_lbfgs && case_ulps != 0)
        harness_fail(__FILE__, __LINE__, "%s: not bit-exact (%lld ulps) although the gradient is",
                     gc.name, case_ulps);
    if (case_ulps > worst_ulps)
        worst_ulps = case_ulps;
    cases_run++;
    cases_exact += case_ulps == 0;
    if (case_ulps)
        printf("  %-40s max %lld ulps\n", gc.name, case_ulps);
    nn_optim_free(o);
    g_free(&gc);
}

static void test_trajectories(void) {
    static char names[256][128];
    int n = g_list(DIR, "opt_", names, 256);
    CHECK(n >= 50);
    for (int i = 0; i < n; i++)
        run_case(names[i]);
    /* every optimizer has cases */
    for (int i = 0; nn_optim_descs[i]; i++) {
        const char *cls = strrchr(nn_optim_descs[i]->target, '.') + 1;
        int found = 0;
        for (int j = 0; j < n; j++) {
            char want[64];
            snprintf(want, sizeof want, "%s", cls);
            for (char *c = want; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            found += strstr(names[j], want) != NULL ||
                     (strcmp(want, "sparseadam") == 0 && strstr(names[j], "sparse_adam"));
        }
        if (found < 2)
            harness_fail(__FILE__, __LINE__, "%s has %d golden cases", cls, found);
    }
    printf("optimizer trajectories: %d cases, %d steps, %d bit-exact, worst %lld ulps (SLEEF %s)\n",
           cases_run, steps_checked, cases_exact, worst_ulps, have_sleef ? "found" : "absent");
}

/* The C gradient and loss against torch autograd at 400 points. */
static void test_problem_gradient(void) {
    int exact = 0, total = 0, loss_exact = 0;
    /* rows are "x0..x4 | f | g0..g4" */
    char *text = harness_read_file(DIR "/problem_grad.txt", NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || isalpha((unsigned char)line[0]))
            continue;
        float x[5], g[5], f;
        if (sscanf(line, "%g %g %g %g %g | %g | %g %g %g %g %g", &x[0], &x[1], &x[2], &x[3], &x[4],
                   &f, &g[0], &g[1], &g[2], &g[3], &g[4]) != 11) {
            harness_fail(__FILE__, __LINE__, "bad line %s", line);
            continue;
        }
        float cg[5];
        float cf = nn_optim_testfn(x, cg, &M);
        loss_exact += cf == f;
        for (int i = 0; i < 5; i++) {
            total++;
            exact += cg[i] == g[i];
            /* without SLEEF, cos may be 1 ulp off: up to ~3e-8 on a sum that can cancel */
            if (have_sleef ? cg[i] != g[i]
                           : !(fabsf(cg[i] - g[i]) <= 1e-7f + 2.5e-7f * fabsf(g[i])))
                harness_fail(__FILE__, __LINE__, "grad %d at %s: %.9g vs %.9g", i, line, cg[i],
                             g[i]);
        }
        if (have_sleef ? cf != f : !(fabsf(cf - f) <= 1e-6f * fabsf(f)))
            harness_fail(__FILE__, __LINE__, "loss at %s: %.9g vs %.9g", line, cf, f);
    }
    CHECK(total > 1500);
    printf("problem gradient: %d/%d elements and %d losses bit-exact (SLEEF %s)\n", exact, total,
           loss_exact, have_sleef ? "found" : "absent");
    if (have_sleef) {
        CHECK_EQ_INT(exact, total);
        CHECK_EQ_INT(loss_exact, total / 5);
    }
    free(text);
}

int main(void) {
    /* LBFGS's dot products are OpenBLAS's sdot, whose rounding depends on the kernels: the golden
     * files were made by torch with OpenBLAS's generic Prescott kernels (what 0.3.21 falls back
     * to on this machine), so the replay uses the same ones (nn/blas.h respects the variable). */
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);
    const char *no = getenv("CYDRA_OPTIM_NO_SLEEF");
    have_sleef = no && atoi(no) ? 0 : nn_optim_testfn_math_torch(&M);
    RUN(test_problem_gradient);
    RUN(test_trajectories);
    return harness_summary();
}
