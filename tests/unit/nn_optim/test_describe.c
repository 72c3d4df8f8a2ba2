/*
 * test_describe.c - the describe tables against torch 1.13's signatures.
 *
 * tests/golden/optim/signatures.txt (tests/oracle/optim_signatures.py) holds
 * str(inspect.signature(cls)) of every optimizer and scheduler; each table must print the same
 * text, so an argument added, renamed, reordered or re-defaulted in torch is caught. Then every
 * table default (the Python literal) must equal the value in the options struct's _INIT macro,
 * and the generic setters must check names and types.
 */
#include "golden.h"
#include "nn/sched.h"

static void test_signatures(void) {
    char *text = harness_read_file("golden/optim/signatures.txt", NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    int n = 0, nopt = 0, nsched = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            harness_fail(__FILE__, __LINE__, "bad line %s", line);
            continue;
        }
        *t1 = *t2 = '\0';
        const char *target = line, *alias = t1 + 1, *sig = t2 + 1;
        const nn_arg *args;
        int nargs;
        const nn_optim_desc *od = nn_optim_find(target);
        const nn_sched_desc *sd = nn_sched_find(target);
        if (od) {
            CHECK_STREQ(od->target, target);
            CHECK_STREQ(od->alias, alias);
            CHECK(nn_optim_find(alias) == od);
            args = od->args;
            nargs = od->nargs;
            nopt++;
        } else if (sd) {
            CHECK_STREQ(sd->target, target);
            CHECK_STREQ(alias, "-");
            args = sd->args;
            nargs = sd->nargs;
            nsched++;
        } else {
            harness_fail(__FILE__, __LINE__, "no describe table for %s", target);
            continue;
        }
        char buf[1024];
        int len = nn_args_signature(buf, sizeof buf, args, nargs);
        CHECK_EQ_INT(len, (long long)strlen(buf));
        if (strcmp(buf, sig) != 0)
            harness_fail(__FILE__, __LINE__, "%s signature:\n  table: %s\n  torch: %s", target, buf,
                         sig);
        /* a short buffer gets a truncated, terminated copy and the full length back */
        char small[16];
        CHECK_EQ_INT(nn_args_signature(small, sizeof small, args, nargs), len);
        CHECK_EQ_INT((long long)strlen(small), len < 15 ? len : 15);
        n++;
    }
    free(text);
    int all_opt = 0, all_sched = 0;
    while (nn_optim_descs[all_opt])
        all_opt++;
    while (nn_sched_descs[all_sched])
        all_sched++;
    CHECK_EQ_INT(all_opt, 13);
    CHECK_EQ_INT(all_sched, 15);
    CHECK_EQ_INT(nopt, all_opt);
    CHECK_EQ_INT(nsched, all_sched);
    printf("signatures: %d classes match torch 1.13\n", n);
}

/* A table default (Python literal) against the field of the defaults struct. */
static void check_default(const char *cls, const nn_arg *a, const void *defaults) {
    const char *f = (const char *)defaults + a->offset;
    if (a->type == NN_ARG_PARAMS || a->type == NN_ARG_OPTIMIZER)
        return;
    if (!a->help || !a->help[0])
        harness_fail(__FILE__, __LINE__, "%s.%s has no help", cls, a->name);
    if (a->flags & NN_ARG_NODEFAULT) {
        int missing = 0;
        switch (a->type) {
        case NN_ARG_FLOAT:
            missing = nn_is_required(*(const double *)f);
            break;
        case NN_ARG_INT:
            missing = *(const int64_t *)f == NN_NONE_INT;
            break;
        case NN_ARG_FLOATS:
            missing = nn_is_required(((const nn_floats *)f)->v[0]);
            break;
        case NN_ARG_EXPRS:
            missing = ((const nn_exprs *)f)->v[0] == NULL;
            break;
        case NN_ARG_INTS:
            missing = ((const nn_ints *)f)->n == -1;
            break;
        case NN_ARG_SCHEDULERS:
            missing = ((const nn_scheds *)f)->n == -1;
            break;
        default:
            break;
        }
        if (!missing || a->def)
            harness_fail(__FILE__, __LINE__, "%s.%s: required, but the defaults give a value", cls,
                         a->name);
        return;
    }
    if (!a->def) {
        harness_fail(__FILE__, __LINE__, "%s.%s has no default text", cls, a->name);
        return;
    }
    if (strcmp(a->def, "<required parameter>") == 0) {
        if (!nn_is_required(*(const double *)f))
            harness_fail(__FILE__, __LINE__, "%s.%s should default to NN_REQUIRED", cls, a->name);
        return;
    }
    g_values pool = {0};
    nn_value v;
    const char *end = g_parse_value(a->def, &v, &pool);
    if (!end || *end) {
        harness_fail(__FILE__, __LINE__, "%s.%s: cannot parse default %s", cls, a->name, a->def);
        return;
    }
    int ok = 0;
    double num = v.kind == NN_VALUE_FLOAT ? v.f : (double)v.i;
    switch (a->type) {
    case NN_ARG_FLOAT:
        ok = v.kind == NN_VALUE_NONE
                 ? isnan(*(const double *)f) && !nn_is_required(*(const double *)f)
                 : *(const double *)f == num;
        break;
    case NN_ARG_INT:
        ok = v.kind == NN_VALUE_NONE ? *(const int64_t *)f == NN_NONE_INT
                                     : v.kind == NN_VALUE_INT && *(const int64_t *)f == v.i;
        break;
    case NN_ARG_BOOL:
        ok = v.kind == NN_VALUE_NONE ? *(const int *)f == -1
                                     : v.kind == NN_VALUE_BOOL && *(const int *)f == v.i;
        break;
    case NN_ARG_FLOAT2:
        ok = v.kind == NN_VALUE_LIST && v.nitems == 2 &&
             ((const double *)f)[0] ==
                 (v.items[0].kind == NN_VALUE_FLOAT ? v.items[0].f : (double)v.items[0].i) &&
             ((const double *)f)[1] ==
                 (v.items[1].kind == NN_VALUE_FLOAT ? v.items[1].f : (double)v.items[1].i);
        break;
    case NN_ARG_STR:
    case NN_ARG_EXPR:
        ok = v.kind == NN_VALUE_NONE ? *(const char *const *)f == NULL
                                     : v.kind == NN_VALUE_STR && *(const char *const *)f &&
                                           strcmp(*(const char *const *)f, v.s) == 0;
        break;
    case NN_ARG_FLOATS:
        ok = ((const nn_floats *)f)->n == 0 && ((const nn_floats *)f)->v[0] == num;
        break;
    default:
        break;
    }
    if (!ok)
        harness_fail(__FILE__, __LINE__, "%s.%s: the _INIT default differs from torch's %s", cls,
                     a->name, a->def);
    /* nullable exactly when the default is None (or documented as such) */
    if (v.kind == NN_VALUE_NONE && !(a->flags & NN_ARG_NULLABLE))
        harness_fail(__FILE__, __LINE__, "%s.%s defaults to None but is not nullable", cls,
                     a->name);
}

static void test_defaults(void) {
    int checked = 0;
    for (int i = 0; nn_optim_descs[i]; i++) {
        const nn_optim_desc *d = nn_optim_descs[i];
        CHECK_STREQ(d->args[0].name, "params");
        CHECK(d->opts_size <= 512);
        for (int k = 0; k < d->nargs; k++) {
            check_default(d->target, &d->args[k], d->defaults);
            CHECK(d->args[k].offset < d->opts_size);
            checked++;
        }
    }
    for (int i = 0; nn_sched_descs[i]; i++) {
        const nn_sched_desc *d = nn_sched_descs[i];
        CHECK(d->opts_size <= 4096); /* the tests' option buffers */
        for (int k = 0; k < d->nargs; k++) {
            check_default(d->target, &d->args[k], d->defaults);
            checked++;
        }
    }
    /* the public _INIT macros are what the tables hold */
    nn_adam_opts adam = NN_ADAM_OPTS_INIT;
    CHECK(adam.lr == 1e-3 && adam.betas[1] == 0.999 && adam.foreach == -1 && !adam.amsgrad);
    nn_sgd_opts sgd = NN_SGD_OPTS_INIT;
    CHECK(nn_is_required(sgd.lr) && !nn_is_required(NAN) && !nn_is_required(0.1));
    nn_lbfgs_opts lb = NN_LBFGS_OPTS_INIT;
    CHECK(lb.max_eval == NN_NONE_INT && lb.line_search_fn == NULL && lb.history_size == 100);
    nn_cyclic_lr_opts cy = NN_CYCLIC_LR_OPTS_INIT;
    CHECK(isnan(cy.step_size_down) && strcmp(cy.mode, "triangular") == 0 &&
          cy.base_momentum.v[0] == 0.8 && cy.base_momentum.n == 0);
    nn_one_cycle_lr_opts oc = NN_ONE_CYCLE_LR_OPTS_INIT;
    CHECK(oc.final_div_factor == 1e4 && oc.total_steps == NN_NONE_INT);
    printf("defaults: %d arguments checked\n", checked);
}

static void test_find_and_set(void) {
    CHECK(nn_optim_find("torch.optim.Adam") == &nn_optim_adam_desc);
    CHECK(nn_optim_find("torch.optim.adam.Adam") == &nn_optim_adam_desc);
    CHECK(nn_optim_find("torch.optim.sparse_adam.SparseAdam") == &nn_optim_sparse_adam_desc);
    CHECK(nn_optim_find("torch.optim.Adamm") == NULL);
    CHECK(nn_optim_find("Adam") == NULL);
    CHECK(nn_sched_find("torch.optim.lr_scheduler.OneCycleLR") == &nn_sched_one_cycle_lr_desc);
    CHECK(nn_sched_find("StepLR") == &nn_sched_step_lr_desc);
    CHECK(nn_sched_find("torch.optim.lr_scheduler.Nope") == NULL);

    nn_adam_opts o;
    nn_optim_opts_init(&nn_optim_adam_desc, &o);
    nn_value v = nn_value_float(0.5);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "lr", &v), NN_OK);
    CHECK(o.lr == 0.5);
    v = nn_value_int(2); /* an int where torch has a float: fine, as in Python */
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "lr", &v), NN_OK);
    CHECK(o.lr == 2.0);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "lrr", &v), NN_ENOTFOUND);
    CHECK_STREQ(nn_error_last(),
                "TypeError: Adam.__init__() got an unexpected keyword argument 'lrr'");
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "params", &v), NN_EINVAL);
    v = nn_value_str("x");
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "eps", &v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "Adam: 'eps' expects a number, got a string");
    nn_value pair[2] = {nn_value_float(0.5), nn_value_int(1)};
    v = nn_value_list(pair, 2);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "betas", &v), NN_OK);
    CHECK(o.betas[0] == 0.5 && o.betas[1] == 1.0);
    v = nn_value_list(pair, 1);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "betas", &v), NN_EINVAL);
    v = nn_value_none();
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "foreach", &v), NN_OK);
    CHECK_EQ_INT(o.foreach, -1);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "amsgrad", &v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "Adam: 'amsgrad' expects a bool, got None");
    v = nn_value_bool(1);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_adam_desc, &o, "amsgrad", &v), NN_OK);
    CHECK_EQ_INT(o.amsgrad, 1);

    nn_lbfgs_opts lb;
    nn_optim_opts_init(&nn_optim_lbfgs_desc, &lb);
    v = nn_value_str("strong_wolfe");
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_lbfgs_desc, &lb, "line_search_fn", &v), NN_OK);
    CHECK_STREQ(lb.line_search_fn, "strong_wolfe");
    v = nn_value_float(3.0);
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_lbfgs_desc, &lb, "max_iter", &v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "LBFGS: 'max_iter' expects an int, got a float");
    v = nn_value_none();
    CHECK_EQ_INT(nn_optim_opts_set(&nn_optim_lbfgs_desc, &lb, "max_eval", &v), NN_OK);
    CHECK(lb.max_eval == NN_NONE_INT);

    /* scheduler lists: milestones, per-group floats, per-group expressions */
    nn_multistep_lr_opts ms;
    nn_sched_opts_init(&nn_sched_multistep_lr_desc, &ms);
    CHECK_EQ_INT(ms.milestones.n, -1);
    nn_value items[3] = {nn_value_int(3), nn_value_int(5), nn_value_int(5)};
    v = nn_value_list(items, 3);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_multistep_lr_desc, &ms, "milestones", &v), NN_OK);
    CHECK(ms.milestones.n == 3 && ms.milestones.v[2] == 5);
    items[1] = nn_value_float(1.5);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_multistep_lr_desc, &ms, "milestones", &v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(),
                "MultiStepLR: 'milestones' expects a list of ints, item 1 is a float");
    nn_one_cycle_lr_opts oc;
    nn_sched_opts_init(&nn_sched_one_cycle_lr_desc, &oc);
    v = nn_value_float(0.1);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_one_cycle_lr_desc, &oc, "max_lr", &v), NN_OK);
    CHECK(oc.max_lr.n == 0 && oc.max_lr.v[0] == 0.1);
    nn_value two[2] = {nn_value_float(0.1), nn_value_int(1)};
    v = nn_value_list(two, 2);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_one_cycle_lr_desc, &oc, "max_lr", &v), NN_OK);
    CHECK(oc.max_lr.n == 2 && oc.max_lr.v[1] == 1.0);
    v = nn_value_str("linear");
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_one_cycle_lr_desc, &oc, "anneal_strategy", &v), NN_OK);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_one_cycle_lr_desc, &oc, "optimizer", &v), NN_EINVAL);
    nn_lambda_lr_opts la;
    nn_sched_opts_init(&nn_sched_lambda_lr_desc, &la);
    v = nn_value_str("0.9 ** epoch");
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_lambda_lr_desc, &la, "lr_lambda", &v), NN_OK);
    CHECK(la.lr_lambda.n == 0 && strcmp(la.lr_lambda.v[0], "0.9 ** epoch") == 0);
    nn_value exprs[2] = {nn_value_str("1"), nn_value_float(2)};
    v = nn_value_list(exprs, 2);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_lambda_lr_desc, &la, "lr_lambda", &v), NN_EINVAL);
    nn_sequential_lr_opts sq;
    nn_sched_opts_init(&nn_sched_sequential_lr_desc, &sq);
    nn_value ptrs[1] = {{.kind = NN_VALUE_INT}};
    v = nn_value_list(ptrs, 1);
    CHECK_EQ_INT(nn_sched_opts_set(&nn_sched_sequential_lr_desc, &sq, "schedulers", &v), NN_EINVAL);
    CHECK_STREQ(nn_error_last(), "SequentialLR: 'schedulers' expects schedulers, item 0 is an int");
}

int main(void) {
    RUN(test_signatures);
    RUN(test_defaults);
    RUN(test_find_and_set);
    return harness_summary();
}
