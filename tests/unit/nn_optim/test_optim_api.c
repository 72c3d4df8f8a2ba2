/*
 * test_optim_api.c - construction errors (torch's exact texts), hyper-parameters by name, param
 * groups, state access, closures, and the schedulers' error paths.
 *
 * tests/golden/optim/errors.txt (tests/oracle/optim_errors.py) lists invalid constructions with
 * the message torch raises; each must fail here with the same text.
 */
#include "golden.h"
#include "nn/sched.h"
#include "nn/threads.h"

/* ------------------------------------------------------------------------------------------ */
/* Construction errors against torch                                                            */

typedef struct setctx {
    const nn_optim_desc *od;
    const nn_sched_desc *sd;
    void *opts;
} setctx;

static int set_opt(void *ctx, const char *name, const nn_value *v) {
    setctx *c = ctx;
    return c->od ? nn_optim_opts_set(c->od, c->opts, name, v)
                 : nn_sched_opts_set(c->sd, c->opts, name, v);
}

static void test_errors_golden(void) {
    char *text = harness_read_file("golden/optim/errors.txt", NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *f[5];
        f[0] = line;
        for (int i = 1; i < 5; i++) {
            f[i] = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
            if (f[i])
                *f[i]++ = '\0';
        }
        if (!f[4]) {
            harness_fail(__FILE__, __LINE__, "bad line");
            continue;
        }
        const char *kw = strcmp(f[1], "-") ? f[1] : NULL;
        float x[5] = {0}, g[5] = {0};
        nn_param p = {"x", nn_tensor_view(x, 1, (int64_t[]){5}), g};
        g_values pool = {0};
        char opts[4096];
        int rc;
        nn_optim *opt = NULL;
        nn_sched *s = NULL;
        if (strcmp(f[2], "-") == 0) {
            const nn_optim_desc *d = nn_optim_find(f[0]);
            CHECK(d != NULL);
            if (!d)
                continue;
            nn_optim_opts_init(d, opts);
            setctx sc = {d, NULL, opts};
            CHECK_EQ_INT(g_apply_kwargs(kw, &pool, set_opt, &sc), 0);
            rc = nn_optim_new(&opt, d, &p, 1, opts);
        } else {
            const nn_optim_desc *od = nn_optim_find(f[2]);
            const nn_sched_desc *d = nn_sched_find(f[0]);
            CHECK(od != NULL && d != NULL);
            if (!od || !d)
                continue;
            char oo[512];
            nn_optim_opts_init(od, oo);
            setctx so = {od, NULL, oo};
            CHECK_EQ_INT(g_apply_kwargs(strcmp(f[3], "-") ? f[3] : NULL, &pool, set_opt, &so), 0);
            CHECK_EQ_INT(nn_optim_new(&opt, od, &p, 1, oo), NN_OK);
            nn_sched_opts_init(d, opts);
            setctx sc = {NULL, d, opts};
            CHECK_EQ_INT(g_apply_kwargs(kw, &pool, set_opt, &sc), 0);
            rc = nn_sched_new(&s, d, opt, opts);
        }
        if (rc == NN_OK)
            harness_fail(__FILE__, __LINE__, "%s(%s) succeeded; torch: %s", f[0], f[1], f[4]);
        else if (strcmp(nn_error_last(), f[4]) != 0)
            harness_fail(__FILE__, __LINE__, "%s(%s):\n    got   %s\n    torch %s", f[0], f[1],
                         nn_error_last(), f[4]);
        CHECK(s == NULL);
        nn_sched_free(s);
        if (strcmp(f[2], "-") == 0)
            CHECK(opt == NULL);
        nn_optim_free(opt);
        n++;
    }
    free(text);
    CHECK(n >= 100);
    printf("construction errors: %d cases checked against torch's messages\n", n);
}

/* ------------------------------------------------------------------------------------------ */
/* Hyper-parameters, groups, state                                                              */

static void test_hyperparameters(void) {
    float x[3] = {1, 2, 3}, g[3] = {0};
    nn_param p = {"w", nn_tensor_view(x, 1, (int64_t[]){3}), g};
    nn_adam_opts ao = NN_ADAM_OPTS_INIT;
    nn_optim *o;
    CHECK_EQ_INT(nn_optim_adam_new(&o, &p, 1, &ao), NN_OK);
    double v[2];
    CHECK_EQ_INT(nn_optim_get(o, 0, "lr", v), 1);
    CHECK(v[0] == 1e-3);
    CHECK_EQ_INT(nn_optim_get(o, 0, "betas", v), 2);
    CHECK(v[0] == 0.9 && v[1] == 0.999);
    CHECK_EQ_INT(nn_optim_get(o, 0, "amsgrad", v), 1);
    CHECK(v[0] == 0);
    CHECK_EQ_INT(nn_optim_get(o, 0, "foreach", v), 1);
    CHECK(v[0] == -1);
    double b[2] = {0.5, 0.6};
    CHECK_EQ_INT(nn_optim_set(o, 0, "betas", b, 2), NN_OK);
    CHECK(((const nn_adam_opts *)nn_optim_group_opts(o, 0))->betas[1] == 0.6);
    CHECK_EQ_INT(nn_optim_set(o, 0, "betas", b, 1), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "param group option 'betas' takes 2 values, got 1");
    CHECK_EQ_INT(nn_optim_set(o, 0, "initial_lr", b, 1), NN_ENOTFOUND);
    CHECK_STREQ(nn_error_last(), "param group 0 has no key 'initial_lr'");
    CHECK(!nn_optim_has(o, 0, "initial_lr"));
    CHECK_EQ_INT(nn_optim_put(o, 0, "initial_lr", b, 1), NN_OK);
    CHECK(nn_optim_has(o, 0, "initial_lr") && nn_optim_has(o, 0, "eps"));
    CHECK_EQ_INT(nn_optim_get(o, 0, "initial_lr", v), 1);
    CHECK(v[0] == 0.5);
    CHECK_EQ_INT(nn_optim_set(o, 0, "initial_lr", (double[]){0.25}, 1), NN_OK);
    CHECK(nn_optim_get(o, 0, "initial_lr", v) == 1 && v[0] == 0.25);
    CHECK_EQ_INT(nn_optim_get(o, 1, "lr", v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "param group 1 does not exist (the optimizer has 1)");
    CHECK(isnan(nn_optim_get_lr(o, 3)));
    CHECK_EQ_INT(nn_optim_set_lr(o, 0, -5), NN_OK); /* like torch: assignments are not checked */
    CHECK(nn_optim_get_lr(o, 0) == -5);
    CHECK(nn_optim_describe(o) == &nn_optim_adam_desc);
    nn_optim_free(o);

    nn_lbfgs_opts lo = NN_LBFGS_OPTS_INIT;
    lo.line_search_fn = "strong_wolfe";
    lo.max_iter = 8;
    CHECK_EQ_INT(nn_optim_lbfgs_new(&o, &p, 1, &lo), NN_OK);
    CHECK_EQ_INT(nn_optim_get(o, 0, "line_search_fn", v), NN_EINVAL);
    CHECK_EQ_INT(nn_optim_get(o, 0, "max_eval", v), 1); /* None became max_iter * 5 // 4 */
    CHECK(v[0] == 10);
    CHECK_EQ_INT(nn_optim_set(o, 0, "max_iter", (double[]){2.5}, 1), NN_EINVAL);
    CHECK_EQ_INT(nn_optim_set(o, 0, "max_iter", (double[]){4}, 1), NN_OK);
    nn_param q = {"q", nn_tensor_view(g, 1, (int64_t[]){3}), NULL};
    CHECK_EQ_INT(nn_optim_add_param_group(o, &q, 1, NULL), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "LBFGS doesn't support per-parameter options (parameter groups)");
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "LBFGS.step() missing 1 required positional argument: 'closure'");
    nn_optim_free(o);
}

static void test_groups(void) {
    float a[2] = {1, 2}, b[3] = {3, 4, 5}, ga[2] = {1, 1}, gb[3] = {1, 1, 1};
    nn_param pa = {"a", nn_tensor_view(a, 1, (int64_t[]){2}), ga};
    nn_param pb[2] = {{"b", nn_tensor_view(b, 1, (int64_t[]){3}), gb},
                      {"a again", nn_tensor_view(a, 1, (int64_t[]){2}), ga}};
    nn_sgd_opts so = NN_SGD_OPTS_INIT;
    so.lr = 0.5;
    nn_optim *o;
    CHECK_EQ_INT(nn_optim_sgd_new(&o, NULL, 0, &so), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "optimizer got an empty parameter list");
    CHECK_EQ_INT(nn_optim_sgd_new(&o, &pa, 1, &so), NN_OK);
    /* a parameter already in a group, then a duplicate inside a group */
    CHECK_EQ_INT(nn_optim_add_param_group(o, pb, 2, NULL), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "some parameters appear in more than one parameter group");
    nn_param dup[2] = {pb[0], pb[0]};
    CHECK_EQ_INT(nn_optim_add_param_group(o, dup, 2, NULL), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "duplicate parameters") != NULL);
    CHECK_EQ_INT(nn_optim_ngroups(o), 1);
    /* the group's own lr; SGD's lr is required in a group's options too */
    nn_sgd_opts g2 = *(const nn_sgd_opts *)nn_optim_group_opts(o, 0);
    g2.lr = NN_REQUIRED;
    CHECK_EQ_INT(nn_optim_add_param_group(o, pb, 1, &g2), NN_EINVAL);
    CHECK_STREQ(nn_error_last(),
                "parameter group didn't specify a value of required optimization parameter lr");
    g2.lr = 0.25;
    CHECK_EQ_INT(nn_optim_add_param_group(o, pb, 1, &g2), NN_OK);
    CHECK_EQ_INT(nn_optim_ngroups(o), 2);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK(a[0] == 0.5f && a[1] == 1.5f);   /* lr 0.5 */
    CHECK(b[0] == 2.75f && b[2] == 4.75f); /* lr 0.25 */
    nn_optim_zero_grad(o);
    CHECK(ga[0] == 0 && gb[2] == 0);
    /* a parameter without a gradient is skipped, as torch skips p.grad is None */
    pb[0].grad = NULL;
    ga[0] = ga[1] = 2;
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK(a[0] == -0.5f && b[0] == 2.75f);
    nn_optim_zero_grad(o); /* NULL grads are left alone */
    nn_optim_free(o);
}

static void test_state(void) {
    float x[4] = {1, -1, 2, -2}, g[4] = {0.5f, 0.5f, -1, 0};
    nn_param p = {"w", nn_tensor_view(x, 2, (int64_t[]){2, 2}), g};
    nn_optim *o;
    nn_tensor t;
    double v;
    CHECK_EQ_INT(nn_optim_adam_new(&o, &p, 1, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_state(o, 0, "exp_avg", &t), NN_ENOTFOUND);
    CHECK_STREQ(nn_error_last(), "state 'exp_avg' of parameter 0 is not initialized yet");
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_state(o, 0, "exp_avg", &t), NN_OK);
    CHECK(t.ndim == 2 && t.shape[0] == 2 && t.numel == 4);
    CHECK(t.data[0] == 0.5f * 0.1f && t.data[3] == 0);
    CHECK_EQ_INT(nn_optim_state(o, 0, "exp_avg_sq", &t), NN_OK);
    CHECK(t.data[2] == fmaf(0.001f * -1, -1, 0));
    CHECK_EQ_INT(nn_optim_state_scalar(o, 0, "step", &v), NN_OK);
    CHECK(v == 1);
    CHECK_EQ_INT(nn_optim_state(o, 0, "momentum_buffer", &t), NN_ENOTFOUND);
    CHECK_STREQ(nn_error_last(), "Adam has no state tensor 'momentum_buffer'");
    CHECK_EQ_INT(nn_optim_state_scalar(o, 0, "eta", &v), NN_ENOTFOUND);
    CHECK_EQ_INT(nn_optim_state(o, 1, "exp_avg", &t), NN_EINVAL);
    nn_optim_free(o);

    /* Adagrad's state exists from construction */
    nn_adagrad_opts ag = NN_ADAGRAD_OPTS_INIT;
    ag.initial_accumulator_value = 0.25;
    CHECK_EQ_INT(nn_optim_adagrad_new(&o, &p, 1, &ag), NN_OK);
    CHECK_EQ_INT(nn_optim_state(o, 0, "sum", &t), NN_OK);
    CHECK(t.data[1] == 0.25f);
    CHECK_EQ_INT(nn_optim_state_scalar(o, 0, "step", &v), NN_OK);
    CHECK(v == 0);
    nn_optim_free(o);

    /* SGD's momentum buffer appears with the first momentum step; ASGD's scalars */
    nn_sgd_opts so = NN_SGD_OPTS_INIT;
    so.lr = 0.1;
    CHECK_EQ_INT(nn_optim_sgd_new(&o, &p, 1, &so), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_state(o, 0, "momentum_buffer", &t), NN_ENOTFOUND);
    CHECK_EQ_INT(nn_optim_set(o, 0, "momentum", (double[]){0.9}, 1), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_state(o, 0, "momentum_buffer", &t), NN_OK);
    CHECK(t.data[2] == -1); /* the first buffer is the gradient itself */
    nn_optim_free(o);
    CHECK_EQ_INT(nn_optim_asgd_new(&o, &p, 1, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_state_scalar(o, 0, "eta", &v), NN_OK);
    CHECK(v == (double)(float)(0.01 / pow(1 + 1e-4 * 0.01, 0.75)));
    CHECK_EQ_INT(nn_optim_state_scalar(o, 0, "mu", &v), NN_OK);
    CHECK(v == 1);
    nn_optim_free(o);
}

/* SparseAdam reads a dense gradient as grad.to_sparse(): zeros are absent */
static void test_sparse_adam_zeros(void) {
    float x[3] = {1, 2, 3}, g[3] = {0.5f, 0, -0.5f};
    nn_param p = {"w", nn_tensor_view(x, 1, (int64_t[]){3}), g};
    nn_sparse_adam_opts so = NN_SPARSE_ADAM_OPTS_INIT;
    so.lr = 0.1;
    nn_optim *o;
    CHECK_EQ_INT(nn_optim_sparse_adam_new(&o, &p, 1, &so), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK(x[1] == 2 && x[0] < 1 && x[2] > 3);
    nn_tensor t;
    CHECK_EQ_INT(nn_optim_state(o, 0, "exp_avg", &t), NN_OK);
    CHECK(t.data[1] == 0 && t.data[0] != 0);
    g[1] = 1;
    g[0] = 0;
    float x0 = x[0];
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK);
    CHECK(x[0] == x0 && x[1] < 2);
    CHECK(t.data[0] == 0.05f); /* not decayed: element 0 was absent */
    nn_optim_free(o);
}

typedef struct counter {
    int calls, fail_at;
    float *x, *g;
} counter;

static int count_closure(void *ctx, float *loss) {
    counter *c = ctx;
    if (++c->calls == c->fail_at)
        return nn_error_set(NN_EIO, "the closure failed");
    *loss = c->x[0] * c->x[0];
    c->g[0] = 2 * c->x[0];
    return NN_OK;
}

static void test_closures(void) {
    float x[1] = {3}, g[1] = {0};
    nn_param p = {"w", nn_tensor_view(x, 1, (int64_t[]){1}), g};
    counter c = {0, 0, x, g};
    nn_sgd_opts so = NN_SGD_OPTS_INIT;
    so.lr = 0.25;
    nn_optim *o;
    CHECK_EQ_INT(nn_optim_sgd_new(&o, &p, 1, &so), NN_OK);
    CHECK(isnan(nn_optim_loss(o)));
    CHECK_EQ_INT(nn_optim_step(o, count_closure, &c), NN_OK);
    CHECK_EQ_INT(c.calls, 1);
    CHECK(nn_optim_loss(o) == 9 && x[0] == 1.5f);
    CHECK_EQ_INT(nn_optim_step(o, NULL, NULL), NN_OK); /* no closure: the last gradient again */
    CHECK(isnan(nn_optim_loss(o)) && x[0] == 0);
    c.fail_at = 2;
    CHECK_EQ_INT(nn_optim_step(o, count_closure, &c), NN_EIO);
    CHECK(x[0] == 0); /* nothing updated */
    nn_optim_free(o);

    /* LBFGS calls the closure many times and passes its errors on */
    x[0] = 3;
    c = (counter){0, 0, x, g};
    CHECK_EQ_INT(nn_optim_lbfgs_new(&o, &p, 1, NULL), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, count_closure, &c), NN_OK);
    CHECK(c.calls > 1 && fabsf(x[0]) < 1e-3f && nn_optim_loss(o) == 9);
    nn_optim_free(o);
    x[0] = 3;
    c = (counter){0, 3, x, g};
    nn_lbfgs_opts lo = NN_LBFGS_OPTS_INIT;
    lo.line_search_fn = "strong_wolfe";
    CHECK_EQ_INT(nn_optim_lbfgs_new(&o, &p, 1, &lo), NN_OK);
    CHECK_EQ_INT(nn_optim_step(o, count_closure, &c), NN_EIO);
    nn_optim_free(o);
    lo.line_search_fn = "backtracking"; /* torch accepts it and fails at step */
    CHECK_EQ_INT(nn_optim_lbfgs_new(&o, &p, 1, &lo), NN_OK);
    x[0] = 3;
    c = (counter){0, 0, x, g};
    CHECK_EQ_INT(nn_optim_step(o, count_closure, &c), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "only 'strong_wolfe' is supported");
    nn_optim_free(o);
}

/* ------------------------------------------------------------------------------------------ */
/* Schedulers' error paths                                                                      */

static nn_optim *sgd(nn_param *p, double lr, double momentum) {
    nn_sgd_opts so = NN_SGD_OPTS_INIT;
    so.lr = lr;
    so.momentum = momentum;
    nn_optim *o = NULL;
    CHECK_EQ_INT(nn_optim_sgd_new(&o, p, 1, &so), NN_OK);
    return o;
}

static void test_sched_errors(void) {
    float x[2] = {1, 2}, g[2] = {0};
    nn_param p = {"w", nn_tensor_view(x, 1, (int64_t[]){2}), g};
    nn_optim *o = sgd(&p, 0.1, 0.9), *o2 = sgd(&p, 0.1, 0);
    nn_sched *s, *a, *b;

    CHECK_EQ_INT(nn_sched_new(&s, &nn_sched_step_lr_desc, NULL, NULL), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "TypeError: NoneType is not an Optimizer");

    /* step kinds */
    nn_reduce_lr_on_plateau_opts po = NN_REDUCE_LR_ON_PLATEAU_OPTS_INIT;
    CHECK_EQ_INT(nn_sched_reduce_lr_on_plateau_new(&s, o, &po), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_EINVAL);
    CHECK_STREQ(nn_error_last(),
                "TypeError: ReduceLROnPlateau.step() missing 1 required positional argument: "
                "'metrics'");
    CHECK_EQ_INT(nn_sched_step_epoch(s, 3), NN_EINVAL);
    CHECK_EQ_INT(nn_sched_step_metric(s, 1.0), NN_OK);
    CHECK_EQ_INT(nn_sched_last_epoch(s), 1);
    nn_sched_free(s);
    nn_step_lr_opts st = NN_STEP_LR_OPTS_INIT;
    st.step_size = 0;
    CHECK_EQ_INT(nn_sched_step_lr_new(&s, o, &st), NN_OK); /* torch checks nothing */
    CHECK_EQ_INT(nn_sched_step(s), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "ZeroDivisionError: integer modulo by zero");
    CHECK_EQ_INT(nn_sched_step_metric(s, 1.0), NN_EINVAL);
    CHECK_EQ_INT(nn_sched_step_epoch(s, 2.5), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "StepLR.step(epoch): epoch must be an integer, got 2.5");
    CHECK(nn_sched_optimizer(s) == o && nn_sched_describe(s) == &nn_sched_step_lr_desc);
    nn_sched_free(s);

    /* OneCycleLR past its total steps */
    nn_one_cycle_lr_opts oc = NN_ONE_CYCLE_LR_OPTS_INIT;
    oc.max_lr = (nn_floats)NN_FLOATS(0.1);
    oc.total_steps = 3;
    CHECK_EQ_INT(nn_sched_one_cycle_lr_new(&s, o, &oc), NN_OK);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(nn_sched_step(s), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "Tried to step 5 times. The specified number of total steps is 3");
    nn_sched_free(s);

    /* ConstantLR with factor 0 divides by zero when it restores the lr */
    nn_constant_lr_opts co = NN_CONSTANT_LR_OPTS_INIT;
    co.factor = 0;
    co.total_iters = 2;
    nn_optim_put(o, 0, "initial_lr", (double[]){0.1}, 1);
    CHECK_EQ_INT(nn_sched_constant_lr_new(&s, o, &co), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "ZeroDivisionError: float division by zero");
    nn_sched_free(s);

    /* lr_lambda: syntax errors at construction, Python errors at the step that meets them */
    nn_lambda_lr_opts lo = NN_LAMBDA_LR_OPTS_INIT;
    lo.lr_lambda.v[0] = "0.95 ** (epoch";
    CHECK_EQ_INT(nn_sched_lambda_lr_new(&s, o, &lo), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "LambdaLR lr_lambda: invalid expression '0.95 ** (epoch': "
                                 "expected ')' at position 14, got end of expression");
    lo.lr_lambda.v[0] = "1 / (2 - epoch)";
    CHECK_EQ_INT(nn_sched_lambda_lr_new(&s, o, &lo), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_OK);
    CHECK(nn_optim_get_lr(o, 0) == 0.1);
    CHECK_EQ_INT(nn_sched_step(s), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "LambdaLR lr_lambda: evaluating '1 / (2 - epoch)': "
                                 "ZeroDivisionError: division by zero");
    nn_sched_free(s);
    nn_cyclic_lr_opts cy = NN_CYCLIC_LR_OPTS_INIT;
    cy.base_lr = (nn_floats)NN_FLOATS(0.01);
    cy.max_lr = (nn_floats)NN_FLOATS(0.1);
    cy.scale_fn = "x +";
    CHECK_EQ_INT(nn_sched_cyclic_lr_new(&s, o, &cy), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "CyclicLR scale_fn: invalid expression 'x +'") != NULL);

    /* SequentialLR / ChainedScheduler: torch's texts; children stay the caller's on failure */
    nn_exponential_lr_opts eo = NN_EXPONENTIAL_LR_OPTS_INIT;
    eo.gamma = 0.5;
    CHECK_EQ_INT(nn_sched_exponential_lr_new(&a, o, &eo), NN_OK);
    CHECK_EQ_INT(nn_sched_exponential_lr_new(&b, o2, &eo), NN_OK);
    nn_sequential_lr_opts sq = NN_SEQUENTIAL_LR_OPTS_INIT;
    sq.schedulers = (nn_scheds){{a, b}, 2};
    sq.milestones = (nn_ints){{3}, 1};
    CHECK_EQ_INT(nn_sched_sequential_lr_new(&s, o, &sq), NN_EINVAL);
    CHECK_STREQ(nn_error_last(),
                "Sequential Schedulers expects all schedulers to belong to the same optimizer, but "
                "got schedulers at index 1 to be different than the optimizer passed in.");
    nn_chained_scheduler_opts ch = NN_CHAINED_SCHEDULER_OPTS_INIT;
    ch.schedulers = (nn_scheds){{a, b}, 2};
    CHECK_EQ_INT(nn_sched_chained_scheduler_new(&s, &ch), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "ChainedScheduler expects all schedulers to belong to the same "
                                 "optimizer, but got schedulers at index 0 and 1 to be different");
    nn_sched_free(b);
    CHECK_EQ_INT(nn_sched_exponential_lr_new(&b, o, &eo), NN_OK);
    sq.schedulers = (nn_scheds){{a, b}, 2};
    sq.milestones = (nn_ints){{3, 4}, 2};
    CHECK_EQ_INT(nn_sched_sequential_lr_new(&s, o, &sq), NN_EINVAL);
    CHECK_STREQ(nn_error_last(),
                "Sequential Schedulers expects number of schedulers provided to be one more than "
                "the number of milestone points, but got number of schedulers 2 and the number of "
                "milestones to be equal to 2");
    CHECK_EQ_INT(nn_sched_sequential_lr_new(&s, o, NULL), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "TypeError: SequentialLR.__init__() missing 2 required positional "
                                 "arguments: 'schedulers' and 'milestones'");
    sq.milestones.n = 1;
    CHECK_EQ_INT(nn_sched_sequential_lr_new(&s, o, &sq), NN_OK); /* owns a and b now */
    CHECK_EQ_INT(nn_sched_step(s), NN_OK);
    CHECK_EQ_INT(nn_sched_step_epoch(s, 1), NN_EINVAL);
    nn_sched_free(s);
    CHECK_EQ_INT(nn_sched_step_lr_new(&a, o, &(nn_step_lr_opts){2, 0.5, -1, 0}), NN_OK);
    CHECK_EQ_INT(nn_sched_reduce_lr_on_plateau_new(&b, o, &po), NN_OK);
    ch.schedulers = (nn_scheds){{a, b}, 2};
    CHECK_EQ_INT(nn_sched_chained_scheduler_new(&s, &ch), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "ChainedScheduler cannot chain ReduceLROnPlateau (schedulers at "
                                 "index 1)");
    ch.schedulers.n = 1;
    CHECK_EQ_INT(nn_sched_chained_scheduler_new(&s, &ch), NN_OK);
    CHECK_EQ_INT(nn_sched_step(s), NN_OK);
    nn_sched_free(s);
    nn_sched_free(b);
    nn_optim_free(o);
    nn_optim_free(o2);
}

/* ------------------------------------------------------------------------------------------ */
/* Large parameters are updated in pieces on the thread pool                                     */

#define BIG_N   100003 /* seven pieces, the last one short */
#define SMALL_N 977    /* one piece, updated serially: the period of values and gradients */

/* three steps of the optimizer on a parameter of n elements with gradients from the step number */
static void three_steps(const nn_optim_desc *d, float *x, size_t n) {
    float *g = malloc(n * sizeof(float));
    nn_param p = {"w", nn_tensor_view(x, 1, (int64_t[]){(int64_t)n}), g};
    char opts[4096];
    nn_optim_opts_init(d, opts);
    nn_optim *o = NULL;
    CHECK(nn_optim_new(&o, d, &p, 1, opts) == NN_OK);
    for (int step = 0; o && step < 3; step++) {
        for (size_t i = 0; i < n; i++)
            g[i] = sinf((float)(i % SMALL_N) * 0.37f + (float)step) * 0.1f;
        nn_optim_step(o, NULL, NULL);
    }
    nn_optim_free(o);
    free(g);
}

static void init_x(float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        x[i] = cosf((float)(i % SMALL_N) * 0.11f);
}

static void test_parallel_update(void) {
    const char *names[] = {"torch.optim.Adadelta", "torch.optim.Adam", "torch.optim.AdamW",
                           "torch.optim.RMSprop"};
    float *one = malloc(BIG_N * sizeof(float)), *two = malloc(BIG_N * sizeof(float));
    float small[SMALL_N];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const nn_optim_desc *d = nn_optim_find(names[k]);
        CHECK(d != NULL);
        if (!d)
            continue;
        nn_threads_init(1);
        init_x(one, BIG_N);
        three_steps(d, one, BIG_N);
        nn_threads_init(2);
        init_x(two, BIG_N);
        three_steps(d, two, BIG_N);
        init_x(small, SMALL_N);
        three_steps(d, small, SMALL_N);
        /* the same bits for any thread count */
        if (memcmp(one, two, BIG_N * sizeof(float)) != 0)
            harness_fail(__FILE__, __LINE__, "%s: 1 and 2 threads differ", names[k]);
        /* element i starts and moves as element i % 977 of the serial update */
        size_t bad = BIG_N;
        for (size_t i = 0; i < BIG_N && bad == BIG_N; i++)
            if (memcmp(&one[i], &small[i % SMALL_N], sizeof(float)) != 0)
                bad = i;
        if (bad < BIG_N)
            harness_fail(__FILE__, __LINE__, "%s: element %zu differs from the serial update",
                         names[k], bad);
        if (one[0] == cosf(0.0f))
            harness_fail(__FILE__, __LINE__, "%s: no update", names[k]);
    }
    nn_threads_init(0);
    free(one);
    free(two);
}

int main(void) {
    RUN(test_errors_golden);
    RUN(test_hyperparameters);
    RUN(test_groups);
    RUN(test_state);
    RUN(test_sparse_adam_zeros);
    RUN(test_closures);
    RUN(test_sched_errors);
    RUN(test_parallel_update);
    return harness_summary();
}
