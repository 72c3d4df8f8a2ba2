/*
 * test_sched_golden.c - every LR scheduler against torch 1.13.
 *
 * Replays each tests/golden/optim/sched_*.txt case (tests/oracle/optim_golden.py): an optimizer
 * (SGD lr=0.1 unless the case says otherwise) on the reference problem, the scheduler built by
 * name from the case's kwargs (children first for SequentialLR/ChainedScheduler), then at each
 * step optimizer.step() and scheduler.step() (or step(metric), step(epoch)). Compared after
 * construction and after every step: each group's lr and momentum/beta1 (torch computes them in
 * doubles, so they must agree to 1e-12 relative; they are expected bit for bit) and the
 * parameters (as test_optim_golden).
 */
#include "golden.h"
#include "nn/sched.h"

#define DIR "golden/optim"

static nn_optim_testfn_math M;

typedef struct setctx {
    const nn_optim_desc *od;
    const nn_sched_desc *sd;
    void *opts;
} setctx;

static int set_opt(void *ctx, const char *name, const nn_value *v) {
    setctx *c = ctx;
    int rc = c->od ? nn_optim_opts_set(c->od, c->opts, name, v)
                   : nn_sched_opts_set(c->sd, c->opts, name, v);
    if (rc != NN_OK)
        fprintf(stderr, "setting %s: %s\n", name, nn_error_last());
    return rc;
}

static double momentum_of(nn_optim *o, int g) {
    double v[2];
    if (nn_optim_has(o, g, "momentum") && nn_optim_get(o, g, "momentum", v) == 1)
        return v[0];
    if (nn_optim_has(o, g, "betas") && nn_optim_get(o, g, "betas", v) == 2)
        return v[0];
    return NAN;
}

static int same(double a, double b) {
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-12 * fabs(b);
}

/* A scheduler from "target; kwargs" (children) or from target + kwargs. */
static int make_sched(nn_sched **out, const char *target, const char *kwargs, nn_optim *opt,
                      const nn_sched *const *kids, int nkids, g_values *pool) {
    const nn_sched_desc *d = nn_sched_find(target);
    if (!d) {
        fprintf(stderr, "unknown scheduler %s\n", target);
        return -1;
    }
    char opts[4096];
    if (d->opts_size > sizeof opts)
        return -1;
    nn_sched_opts_init(d, opts);
    setctx sc = {NULL, d, opts};
    if (g_apply_kwargs(kwargs, pool, set_opt, &sc) != 0)
        return -1;
    if (nkids) {
        nn_value items[NN_LIST_MAX];
        for (int i = 0; i < nkids; i++)
            items[i] = (nn_value){.kind = NN_VALUE_PTR, .ptr = (void *)kids[i]};
        nn_value list = nn_value_list(items, nkids);
        if (nn_sched_opts_set(d, opts, "schedulers", &list) != NN_OK)
            return -1;
    }
    return nn_sched_new(out, d, opt, opts);
}

static int cases_run, cases_exact, steps_checked, lr_exact, lr_total;

static void run_case(const char *file) {
    golden_case gc;
    if (g_load(&gc, DIR, file) != 0) {
        harness_fail(__FILE__, __LINE__, "cannot read %s", file);
        return;
    }
    const char *target = g_get(&gc, "target");
    int split = g_get(&gc, "split") && atoi(g_get(&gc, "split"));
    g_values pool = {0};
    float x[NN_OPTIM_TESTFN_N], grad[NN_OPTIM_TESTFN_N] = {0};
    memcpy(x, nn_optim_testfn_x0, sizeof x);
    nn_param params[2];
    if (split) {
        params[0] = (nn_param){"a", nn_tensor_view(x, 1, (int64_t[]){2}), grad};
        params[1] = (nn_param){"b", nn_tensor_view(x + 2, 1, (int64_t[]){3}), grad + 2};
    } else {
        params[0] = (nn_param){"x", nn_tensor_view(x, 1, (int64_t[]){5}), grad};
    }
    const int ngroups = split ? 2 : 1;

    /* the optimizer */
    const nn_optim_desc *od = nn_optim_find(g_get(&gc, "optimizer"));
    char oopts[512], oopts2[512];
    nn_optim *opt = NULL;
    nn_sched *s = NULL, *kids[NN_LIST_MAX];
    int nkids = 0, bad = 0;
    CHECK(od != NULL);
    if (!od)
        goto done;
    nn_optim_opts_init(od, oopts);
    setctx sc = {od, NULL, oopts};
    CHECK_EQ_INT(g_apply_kwargs(g_get(&gc, "optimizer_kwargs"), &pool, set_opt, &sc), 0);
    if (nn_optim_new(&opt, od, params, 1, oopts) != NN_OK) {
        harness_fail(__FILE__, __LINE__, "%s: %s", gc.name, nn_error_last());
        goto done;
    }
    if (split) {
        memcpy(oopts2, nn_optim_group_opts(opt, 0), od->opts_size);
        setctx sc2 = {od, NULL, oopts2};
        CHECK_EQ_INT(g_apply_kwargs(g_get(&gc, "group2"), &pool, set_opt, &sc2), 0);
        CHECK_EQ_INT(nn_optim_add_param_group(opt, params + 1, 1, oopts2), NN_OK);
    }
    if (g_get(&gc, "initial_lr")) {
        double v = strtod(g_get(&gc, "initial_lr"), NULL);
        for (int g = 0; g < ngroups; g++)
            CHECK_EQ_INT(nn_optim_put(opt, g, "initial_lr", &v, 1), NN_OK);
    }

    /* the children, then the scheduler */
    const char *child;
    while ((child = g_get_nth(&gc, "child", nkids))) {
        char t[128];
        const char *semi = strchr(child, ';');
        snprintf(t, sizeof t, "%.*s", semi ? (int)(semi - child) : (int)strlen(child), child);
        if (make_sched(&kids[nkids], t, semi ? semi + 1 : NULL, opt, NULL, 0, &pool) != NN_OK) {
            harness_fail(__FILE__, __LINE__, "%s: child %d: %s", gc.name, nkids, nn_error_last());
            goto done;
        }
        nkids++;
    }
    if (make_sched(&s, target, g_get(&gc, "kwargs"), opt, (const nn_sched *const *)kids, nkids,
                   &pool) != NN_OK) {
        harness_fail(__FILE__, __LINE__, "%s: %s", gc.name, nn_error_last());
        goto done;
    }
    nkids = 0; /* owned by s now */

    double metrics[G_MAX_ROWS], epochs[G_MAX_ROWS];
    int nmetrics = 0, nepochs = 0;
    for (const char *m = g_get(&gc, "metrics"); m && *m && nmetrics < G_MAX_ROWS;) {
        char *end;
        metrics[nmetrics++] = strtod(m, &end);
        m = end;
    }
    for (const char *m = g_get(&gc, "epochs"); m && *m && nepochs < G_MAX_ROWS;) {
        char *end;
        epochs[nepochs++] = strtod(m, &end);
        m = end;
    }

    long long case_ulps = 0;
    int case_lr_exact = 1;
    for (int r = 0; r < gc.nrows && !bad; r++) {
        const double *row = gc.rows[r];
        int k = (int)row[0];
        if (gc.ncols[r] != 1 + 2 * ngroups + NN_OPTIM_TESTFN_N) {
            harness_fail(__FILE__, __LINE__, "%s: bad row %d", gc.name, r);
            bad++;
            break;
        }
        if (k > 0) {
            nn_optim_testfn(x, grad, &M);
            int rc = nn_optim_step(opt, NULL, NULL);
            if (rc == NN_OK)
                rc = nmetrics  ? nn_sched_step_metric(s, metrics[k - 1])
                     : nepochs ? nn_sched_step_epoch(s, epochs[k - 1])
                               : nn_sched_step(s);
            if (rc != NN_OK) {
                harness_fail(__FILE__, __LINE__, "%s step %d: %s", gc.name, k, nn_error_last());
                bad++;
                break;
            }
        }
        int nlast;
        const double *last = nn_sched_get_last_lr(s, &nlast);
        CHECK_EQ_INT(nlast, ngroups);
        for (int g = 0; g < ngroups; g++) {
            double lr = nn_optim_get_lr(opt, g), mom = momentum_of(opt, g);
            double want_lr = row[1 + 2 * g], want_mom = row[2 + 2 * g];
            lr_total += 2;
            lr_exact += (lr == want_lr) + (mom == want_mom || (isnan(mom) && isnan(want_mom)));
            if (lr != want_lr || !(mom == want_mom || (isnan(mom) && isnan(want_mom))))
                case_lr_exact = 0;
            if (!same(lr, want_lr) && bad++ < 3)
                harness_fail(__FILE__, __LINE__, "%s step %d group %d: lr %.17g, torch %.17g",
                             gc.name, k, g, lr, want_lr);
            if (!same(mom, want_mom) && bad++ < 3)
                harness_fail(__FILE__, __LINE__, "%s step %d group %d: momentum %.17g, torch %.17g",
                             gc.name, k, g, mom, want_mom);
            if (last[g] != lr && bad++ < 3)
                harness_fail(__FILE__, __LINE__, "%s step %d: get_last_lr %.17g != lr %.17g",
                             gc.name, k, last[g], lr);
        }
        for (int i = 0; i < NN_OPTIM_TESTFN_N; i++) {
            float want = (float)row[1 + 2 * ngroups + i];
            long long u = g_ulps(x[i], want);
            case_ulps = u > case_ulps ? u : case_ulps;
            if (!(fabsf(x[i] - want) <= 1e-6f + 1e-5f * fabsf(want)) && bad++ < 3)
                harness_fail(__FILE__, __LINE__, "%s step %d: x[%d] = %.9g, torch %.9g", gc.name, k,
                             i, x[i], want);
        }
        steps_checked++;
    }
    cases_run++;
    cases_exact += case_ulps == 0 && case_lr_exact;
    if (case_ulps || !case_lr_exact)
        printf("  %-45s lr/momentum %s, params max %lld ulps\n", gc.name,
               case_lr_exact ? "exact" : "inexact", case_ulps);
done:
    for (int i = 0; i < nkids; i++)
        nn_sched_free(kids[i]);
    nn_sched_free(s);
    nn_optim_free(opt);
    g_free(&gc);
}

static void test_trajectories(void) {
    static char names[256][128];
    int n = g_list(DIR, "sched_", names, 256);
    CHECK(n >= 50);
    for (int i = 0; i < n; i++)
        run_case(names[i]);
    /* every scheduler has at least two cases */
    for (int i = 0; nn_sched_descs[i]; i++) {
        char want[128];
        snprintf(want, sizeof want, "target: %s\n", nn_sched_descs[i]->target);
        int found = 0;
        for (int j = 0; j < n; j++) {
            char path[300];
            snprintf(path, sizeof path, DIR "/%.200s", names[j]);
            char *t = harness_read_file(path, NULL);
            found += t && strstr(t, want);
            free(t);
        }
        if (found < 2)
            harness_fail(__FILE__, __LINE__, "%s has %d golden cases", nn_sched_descs[i]->target,
                         found);
    }
    printf("scheduler trajectories: %d cases, %d steps, %d/%d lr+momentum values exact, %d cases "
           "bit-exact\n",
           cases_run, steps_checked, lr_exact, lr_total, cases_exact);
}

int main(void) {
    const char *no = getenv("CYDRA_OPTIM_NO_SLEEF");
    if (!(no && atoi(no)))
        nn_optim_testfn_math_torch(&M);
    RUN(test_trajectories);
    return harness_summary();
}
