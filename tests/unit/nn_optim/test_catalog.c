/*
 * test_catalog.c - the optimizer/scheduler catalogue (nn/catalog.h) against torch and Hydra:
 *   - every structured config equals the one inspect.signature gives for torch 1.13's class
 *     (tests/golden/catalog/configs.txt, tests/oracle/catalog_signatures.py): fields, order,
 *     defaults and their types, config name, option name, alias;
 *   - every constructor error torch raises through Hydra's instantiate (errors.txt,
 *     tests/oracle/catalog_errors.py) is the same text through cy_instantiate;
 *   - instantiated optimizers and schedulers step exactly as directly built ones, SequentialLR
 *     and ChainedScheduler get their children by recursive instantiation (golden lr sequences of
 *     tests/golden/optim), and the factories' own type errors.
 */
#include "harness.h"

#include "cydra/yaml.h"
#include "nn/catalog.h"
#include "nn/error.h"

static cy_arena *arena;

static const cy_node *yaml(const char *src) {
    cy_node *n;
    if (cy_yaml_load_str(&n, arena, src, strlen(src), NULL, NULL) < 0) {
        fprintf(stderr, "bad YAML in the test: %s\n", src);
        abort();
    }
    return n;
}

/* The reference problem's parameter. */
typedef struct problem {
    float x[NN_OPTIM_TESTFN_N], g[NN_OPTIM_TESTFN_N];
    nn_param p;
} problem;

static void problem_init(problem *pb) {
    memcpy(pb->x, nn_optim_testfn_x0, sizeof pb->x);
    memset(pb->g, 0, sizeof pb->g);
    memset(&pb->p, 0, sizeof pb->p);
    pb->p.value.data = pb->x;
    pb->p.value.numel = NN_OPTIM_TESTFN_N;
    pb->p.value.ndim = 1;
    pb->p.value.shape[0] = NN_OPTIM_TESTFN_N;
    pb->p.grad = pb->g;
    pb->p.name = "x";
}

static void problem_step(problem *pb, nn_optim *o) {
    nn_optim_zero_grad(o);
    nn_optim_testfn(pb->x, pb->g, NULL);
    CHECK(nn_optim_step(o, NULL, NULL) == NN_OK);
}

/* ---------------------------------------------------------------------------------------------
 * Configs against torch's signatures
 */

static void test_configs(void) {
    char *buf = harness_read_file("golden/catalog/configs.txt", NULL);
    CHECK(buf != NULL);
    if (!buf)
        return;
    int blocks = 0;
    char *p = strstr(buf, "\n=== ");
    while (p) {
        char *head = p + 5, *eol = strchr(head, '\n');
        char *next = strstr(eol, "\n=== ");
        *eol = '\0';
        char target[128], alias[128], conf[128], option[128];
        CHECK(sscanf(head, "%127s %127s %127s %127s", target, alias, conf, option) == 4);
        /* the block: from after the header line to the next block (or the end) */
        size_t len = next ? (size_t)(next - eol - 1) : strlen(eol + 1);
        char *want = malloc(len + 2);
        memcpy(want, eol + 1, len);
        want[len] = '\0';
        if (len && want[len - 1] != '\n')
            strcat(want, "\n");

        const nn_catalog_entry *e = nn_catalog_find(target);
        if (!e) {
            harness_fail(__FILE__, __LINE__, "no catalogue entry for %s", target);
        } else {
            CHECK_STREQ(e->target, target);
            CHECK_STREQ(e->alias ? e->alias : "-", alias);
            CHECK_STREQ(e->conf_name, conf);
            CHECK_STREQ(e->option, option);
            CHECK_STREQ(e->schema->name, conf);
            CHECK(nn_catalog_find(conf) == e && nn_catalog_find(option) == e);
            CHECK(strcmp(alias, "-") == 0 || nn_catalog_find(alias) == e);
            cy_node *node;
            char *got = NULL;
            CHECK(cy_schema_instantiate(&node, arena, e->schema) == 0);
            CHECK(cy_yaml_emit(&got, node, 0) == 0);
            if (got && strcmp(got, want) != 0)
                harness_fail(__FILE__, __LINE__, "%s:\n--- catalogue\n%s--- torch\n%s", conf, got,
                             want);
            free(got);
            /* types: _target_ a str, everything else Any */
            size_t n = cy_schema_nfields(e->schema);
            CHECK(n >= 2 && cy_schema_field(e->schema, 0)->type.tag == CY_T_STR);
            for (size_t i = 1; i < n; i++)
                CHECK(cy_schema_field(e->schema, i)->type.tag == CY_T_ANY &&
                      cy_schema_field(e->schema, i)->help != NULL);
        }
        free(want);
        blocks++;
        p = next;
    }
    CHECK_EQ_INT(blocks, 28);
    CHECK_EQ_INT(nn_catalog_count(), 28);
    free(buf);
}

static void test_targets(void) {
    for (size_t i = 0; i < nn_catalog_count(); i++) {
        const nn_catalog_entry *e = nn_catalog_at(i);
        CHECK(cy_target_find(e->target) == e->def);
        CHECK(e->def->signature == e->schema);
        if (e->alias)
            CHECK(cy_target_find(e->alias) == e->def);
        CHECK((e->kind == NN_CATALOG_OPTIMIZER) == (e->optim != NULL));
        CHECK((e->kind == NN_CATALOG_SCHEDULER) == (e->sched != NULL));
        /* optimizers first, in the describe tables' order */
        if (i < 13)
            CHECK(e->kind == NN_CATALOG_OPTIMIZER && e->optim == nn_optim_descs[i]);
        else
            CHECK(e->kind == NN_CATALOG_SCHEDULER && e->sched == nn_sched_descs[i - 13]);
    }
    CHECK(nn_catalog_at(nn_catalog_count()) == NULL);
    CHECK(nn_catalog_find("nosuch") == NULL);
    CHECK(nn_catalog_find(NULL) == NULL);
    CHECK(nn_catalog_init() == 0); /* again: the same status, nothing registered twice */
    CHECK_EQ_INT(nn_catalog_count(), 28);
    CHECK_STREQ(nn_catalog_find("torch.optim.lr_scheduler.ReduceLROnPlateau")->option,
                "reduce_lr_on_plateau");
    CHECK_STREQ(nn_catalog_find("RMSprop") ? "found" : "-", "-"); /* class names are not keys */
    CHECK_STREQ(nn_catalog_find("RMSpropConf")->option, "rmsprop");
}

/* ---------------------------------------------------------------------------------------------
 * Errors against Hydra + torch
 */

static char *unescape(const char *s) {
    char *d = malloc(strlen(s) + 1), *q = d;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            *q++ = '\n';
            s++;
        } else if (s[0] == '\\' && s[1] == '\\') {
            *q++ = '\\';
            s++;
        } else {
            *q++ = *s;
        }
    }
    *q = '\0';
    return d;
}

/* Where the catalogue knowingly differs from torch (docs/catalog.md): SGD's lr has torch's
 * `required` sentinel as its default, a ??? here, so leaving it out is the usual TypeError. */
static const char *const known_differences[][2] = {
    {"{_target_: 'torch.optim.SGD'}",
     "Error in call to target 'torch.optim.sgd.SGD':\nTypeError(\"SGD.__init__() missing 1 "
     "required positional argument: 'lr'\")\nfull_key: optim"},
};

static void test_errors(void) {
    char *buf = harness_read_file("golden/catalog/errors.txt", NULL);
    CHECK(buf != NULL);
    if (!buf)
        return;
    int n = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *f[4];
        int k = 0;
        for (char *t = line; k < 4; k++) {
            f[k] = t;
            char *tab = strchr(t, '\t');
            if (!tab && k < 3)
                break;
            if (tab)
                *tab = '\0';
            t = tab ? tab + 1 : t + strlen(t);
        }
        if (k < 4) {
            harness_fail(__FILE__, __LINE__, "bad golden line");
            continue;
        }
        char *want = unescape(f[3]);
        for (size_t d = 0; d < sizeof known_differences / sizeof *known_differences; d++)
            if (strcmp(f[0], known_differences[d][0]) == 0) {
                free(want);
                want = strdup(known_differences[d][1]);
            }
        problem pb;
        problem_init(&pb);
        char wrapped[512];
        int is_sched = strcmp(f[1], "-") != 0;
        snprintf(wrapped, sizeof wrapped, "{%s: %s}", is_sched ? "scheduler" : "optim", f[0]);
        const cy_node *root = yaml(wrapped);
        const cy_node *cfg = cy_dict_get(root, is_sched ? "scheduler" : "optim");
        cy_object *o = NULL, *s = NULL;
        int rc;
        if (!is_sched) {
            rc = nn_catalog_make_optim(&o, cfg, &pb.p, 1);
        } else {
            CHECK(nn_catalog_make_optim(&o, yaml(f[1]), &pb.p, 1) == 0);
            nn_optim *opt = cy_object_ptr(o, NN_CATALOG_OPTIM);
            if (strstr(f[0], "ChainedScheduler"))
                rc = cy_instantiate(&s, cfg, NULL, 0);
            else
                rc = nn_catalog_make_sched(&s, cfg, opt);
        }
        if (rc >= 0) {
            harness_fail(__FILE__, __LINE__, "no error for %s", f[0]);
        } else {
            CHECK_STREQ(cy_error_last()->exc, f[2]);
            char *text = cy_error_text(cy_error_last());
            /* our "Did you mean" line is not Hydra's */
            char *hint = strstr(text, "\nDid you mean '");
            if (hint)
                *hint = '\0';
            if (strcmp(text, want) != 0)
                harness_fail(__FILE__, __LINE__, "%s:\n  got:      %s\n  expected: %s", f[0], text,
                             want);
            free(text);
        }
        cy_object_free(s);
        cy_object_free(o);
        free(want);
        n++;
    }
    CHECK(n >= 100);
    printf("%d error cases\n", n);
    free(buf);
}

/* Errors of the factories themselves (torch would raise other texts: comparisons of a str). */
static void test_factory_type_errors(void) {
    problem pb;
    problem_init(&pb);
    static const char *const cases[][2] = {
        {"{o: {_target_: torch.optim.Adam, lr: abc}}",
         "Error in call to target 'torch.optim.adam.Adam':\nTypeError(\"Adam: 'lr' expects a "
         "number, got a string\")\nfull_key: o"},
        {"{o: {_target_: torch.optim.Adam, betas: 0.5}}",
         "Error in call to target 'torch.optim.adam.Adam':\nTypeError(\"Adam: 'betas' expects a "
         "pair of numbers, got a float\")\nfull_key: o"},
        {"{o: {_target_: torch.optim.Adam, betas: {a: 1}}}",
         "Error in call to target 'torch.optim.adam.Adam':\nTypeError(\"Adam: 'betas' cannot be "
         "a mapping\")\nfull_key: o"},
        {"{o: {_target_: torch.optim.Adam, lr: null}}",
         "Error in call to target 'torch.optim.adam.Adam':\nTypeError(\"Adam: 'lr' expects a "
         "number, got None\")\nfull_key: o"},
        {"{o: {_target_: torch.optim.Adamm}}",
         "Error locating target 'torch.optim.Adamm': no such target is registered\nfull_key: "
         "o\nDid you mean 'torch.optim.Adam'?"},
        {"{o: {_target_: torch.optim.Adam, lrr: 0.1}}",
         "Error in call to target 'torch.optim.adam.Adam':\nTypeError(\"Adam.__init__() got an "
         "unexpected keyword argument 'lrr'\")\nfull_key: o\nDid you mean 'lr'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cy_object *o = NULL;
        CHECK(nn_catalog_make_optim(&o, cy_dict_get(yaml(cases[i][0]), "o"), &pb.p, 1) < 0);
        CHECK(o == NULL);
        CHECK_STREQ(cy_error_last()->msg, cases[i][1]);
    }
    /* params must come from the caller */
    cy_object *o = NULL;
    CHECK(cy_instantiate(&o, yaml("{_target_: torch.optim.SGD, lr: 0.1, params: [1, 2]}"), NULL,
                         0) < 0);
    CHECK(strstr(cy_error_last()->msg,
                 "TypeError(\"argument 'params' must be supplied by the caller as nn_params\")"));
    /* the optimizer of a scheduler likewise */
    CHECK(cy_instantiate(&o,
                         yaml("{_target_: torch.optim.lr_scheduler.StepLR, step_size: 1, "
                              "optimizer: 3}"),
                         NULL, 0) < 0);
    CHECK(strstr(cy_error_last()->msg, "must be an instantiated nn_optim"));
}

/* ---------------------------------------------------------------------------------------------
 * Built objects behave as directly built ones
 */

static void test_optim_equals_direct(void) {
    problem a, b;
    problem_init(&a);
    problem_init(&b);
    cy_object *o;
    CHECK(nn_catalog_make_optim(&o,
                                yaml("{_target_: torch.optim.adam.Adam, lr: 0.05, betas: [0.8, "
                                     "0.95], eps: 1.0e-06, weight_decay: 0.1, amsgrad: true}"),
                                &a.p, 1) == 0);
    nn_optim *x = cy_object_ptr(o, NN_CATALOG_OPTIM);
    CHECK(x != NULL);
    CHECK(nn_optim_describe(x) == &nn_optim_adam_desc);
    nn_adam_opts ao = NN_ADAM_OPTS_INIT;
    ao.lr = 0.05;
    ao.betas[0] = 0.8;
    ao.betas[1] = 0.95;
    ao.eps = 1e-6;
    ao.weight_decay = 0.1;
    ao.amsgrad = 1;
    nn_optim *y;
    CHECK(nn_optim_adam_new(&y, &b.p, 1, &ao) == NN_OK);
    for (int k = 0; x && k < 20; k++) {
        problem_step(&a, x);
        problem_step(&b, y);
    }
    CHECK(memcmp(a.x, b.x, sizeof a.x) == 0);
    double v[2];
    CHECK(x && nn_optim_get(x, 0, "betas", v) == 2 && v[0] == 0.8 && v[1] == 0.95);
    nn_optim_free(y);
    cy_object_free(o);

    /* a string option and None: LBFGS(line_search_fn='strong_wolfe', max_eval=None) */
    problem_init(&a);
    CHECK(nn_catalog_make_optim(&o,
                                yaml("{_target_: torch.optim.LBFGS, line_search_fn: strong_wolfe, "
                                     "max_eval: null, history_size: 3}"),
                                &a.p, 1) == 0);
    const nn_lbfgs_opts *lo = nn_optim_group_opts(cy_object_ptr(o, NN_CATALOG_OPTIM), 0);
    CHECK(lo && lo->line_search_fn && strcmp(lo->line_search_fn, "strong_wolfe") == 0);
    CHECK(lo && lo->history_size == 3 && lo->max_eval == 25); /* max_iter * 5 // 4 */
    cy_object_free(o);
}

/* The lr column of a golden scheduler file of tests/golden/optim (k = 0..steps). */
static int golden_lrs(const char *name, double *lrs, int cap) {
    char path[256];
    snprintf(path, sizeof path, "golden/optim/%s.txt", name);
    char *buf = harness_read_file(path, NULL);
    if (!buf)
        return -1;
    int n = 0;
    for (char *line = strtok(buf, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        int k;
        double lr;
        if (line[0] >= '0' && line[0] <= '9' && sscanf(line, "%d %lf", &k, &lr) == 2)
            lrs[n++] = lr;
    }
    free(buf);
    return n;
}

/* Instantiates sched (over SGD(lr=0.1) on the reference problem) and compares its lr sequence
 * with the golden file's, exactly (the schedulers compute in doubles as torch). */
static void check_sched(const char *golden, const char *opt_yaml, const char *sched_yaml, int steps,
                        const double *metrics) {
    double want[64];
    int n = golden_lrs(golden, want, 64);
    CHECK(n == steps + 1);
    problem pb;
    problem_init(&pb);
    cy_object *o, *s;
    CHECK(nn_catalog_make_optim(&o, yaml(opt_yaml), &pb.p, 1) == 0);
    nn_optim *opt = cy_object_ptr(o, NN_CATALOG_OPTIM);
    if (nn_catalog_make_sched(&s, yaml(sched_yaml), opt) < 0) {
        harness_fail(__FILE__, __LINE__, "%s: %s", golden, cy_error_last()->msg);
        cy_object_free(o);
        return;
    }
    nn_sched *sc = cy_object_ptr(s, NN_CATALOG_SCHED);
    for (int k = 0; k <= steps && k < n; k++) {
        if (k > 0) {
            problem_step(&pb, opt);
            CHECK((metrics ? nn_sched_step_metric(sc, metrics[k - 1]) : nn_sched_step(sc)) ==
                  NN_OK);
        }
        if (nn_optim_get_lr(opt, 0) != want[k])
            harness_fail(__FILE__, __LINE__, "%s step %d: lr %.17g, torch %.17g", golden, k,
                         nn_optim_get_lr(opt, 0), want[k]);
    }
    cy_object_free(s);
    cy_object_free(o);
}

static void test_schedulers(void) {
    const char *sgd = "{_target_: torch.optim.SGD, lr: 0.1}";
    const char *mom = "{_target_: torch.optim.SGD, lr: 0.1, momentum: 0.9}";
    check_sched("sched_step_lr_gamma", sgd,
                "{_target_: torch.optim.lr_scheduler.StepLR, step_size: 4, gamma: 0.5}", 25, NULL);
    check_sched("sched_multistep_lr", sgd,
                "{_target_: torch.optim.lr_scheduler.MultiStepLR, milestones: [2, 5, 5, 9]}", 12,
                NULL);
    check_sched("sched_lambda_lr", sgd,
                "{_target_: torch.optim.lr_scheduler.LambdaLR, lr_lambda: '0.95 ** epoch'}", 20,
                NULL);
    check_sched("sched_cyclic_lr_scale_fn", mom,
                "{_target_: torch.optim.lr_scheduler.CyclicLR, base_lr: 0.01, max_lr: 0.1, "
                "step_size_up: 2, scale_fn: '1 / (1 + 0.5 * x)'}",
                15, NULL);
    check_sched("sched_one_cycle_lr_three_phase", mom,
                "{_target_: torch.optim.lr_scheduler.OneCycleLR, max_lr: 0.1, epochs: 3, "
                "steps_per_epoch: 6, three_phase: true}",
                18, NULL);
    static const double plateau[] = {1.0,  0.9,  0.95, 0.95, 0.96, 0.97, 0.8,  0.8,  0.80001,
                                     0.85, 0.9,  0.9,  0.79, 0.8,  0.81, 0.82, 0.83, 0.84,
                                     0.85, 0.86, 0.87, 0.88, 0.5,  0.6,  0.7};
    check_sched("sched_reduce_lr_on_plateau", sgd,
                "{_target_: torch.optim.lr_scheduler.ReduceLROnPlateau, patience: 2}", 25, plateau);
    /* children by recursive instantiation; they take the optimizer given to their parent */
    check_sched("sched_sequential_lr", sgd,
                "{_target_: torch.optim.lr_scheduler.SequentialLR, milestones: [3], schedulers: "
                "[{_target_: torch.optim.lr_scheduler.ConstantLR, factor: 0.1, total_iters: 2}, "
                "{_target_: torch.optim.lr_scheduler.ExponentialLR, optimizer: '?\?\?', gamma: "
                "0.9}]}",
                12, NULL);
    check_sched("sched_sequential_lr_three", sgd,
                "{_target_: torch.optim.lr_scheduler.SequentialLR, milestones: [2, 6], "
                "schedulers: [{_target_: torch.optim.lr_scheduler.LinearLR, start_factor: 0.2, "
                "total_iters: 2}, {_target_: torch.optim.lr_scheduler.StepLR, step_size: 2, "
                "gamma: 0.5}, {_target_: torch.optim.lr_scheduler.CosineAnnealingLR, T_max: 4}]}",
                14, NULL);
    check_sched("sched_chained_scheduler_three", sgd,
                "{_target_: torch.optim.lr_scheduler.ChainedScheduler, schedulers: ["
                "{_target_: torch.optim.lr_scheduler.StepLR, step_size: 3, gamma: 0.5}, "
                "{_target_: torch.optim.lr_scheduler.LinearLR, start_factor: 0.5, total_iters: "
                "4}, {_target_: torch.optim.lr_scheduler.MultiplicativeLR, lr_lambda: '0.98'}]}",
                12, NULL);
}

static void test_children_ownership(void) {
    /* a failing SequentialLR leaves its children to their objects (freed once, by them) */
    problem pb;
    problem_init(&pb);
    cy_object *o, *s;
    CHECK(nn_catalog_make_optim(&o, yaml("{_target_: torch.optim.SGD, lr: 0.1}"), &pb.p, 1) == 0);
    nn_optim *opt = cy_object_ptr(o, NN_CATALOG_OPTIM);
    CHECK(nn_catalog_make_sched(&s,
                                yaml("{_target_: torch.optim.lr_scheduler.SequentialLR, "
                                     "milestones: [3, 4], schedulers: [{_target_: "
                                     "torch.optim.lr_scheduler.ConstantLR}]}"),
                                opt) < 0);
    CHECK(strstr(cy_error_last()->msg, "Sequential Schedulers expects number of schedulers "
                                       "provided to be one more than the number of milestone"));
    /* a child that is not a scheduler */
    CHECK(nn_catalog_make_sched(&s,
                                yaml("{_target_: torch.optim.lr_scheduler.ChainedScheduler, "
                                     "schedulers: [{_target_: torch.optim.SGD, lr: 0.1, params: "
                                     "'?\?\?'}]}"),
                                opt) < 0);
    /* SGD takes no optimizer, and its params are not the scheduler's to give */
    CHECK(strstr(cy_error_last()->msg, "Missing mandatory value") ||
          strstr(cy_error_last()->msg, "unexpected keyword"));
    cy_object_free(o);
}

static void test_yaml(void) {
    const nn_catalog_entry *e = nn_catalog_find("step_lr");
    char *text = NULL;
    CHECK(nn_catalog_yaml(&text, e, NULL) == 0);
    CHECK(text && strstr(text, "# StepLRConf: torch.optim.lr_scheduler.StepLR, with torch 1.13's "
                               "defaults.\n") == text);
    CHECK(text && strstr(text, "\n_target_: torch.optim.lr_scheduler.StepLR\noptimizer: ???\n"
                               "step_size: ???\ngamma: 0.1\nlast_epoch: -1\nverbose: false\n"));
    free(text);
    CHECK(nn_catalog_yaml(&text, e, "step_size: 1") == 0);
    CHECK(text && strstr(text, "# Set here (torch has no default): step_size: 1\n"));
    CHECK(text && strstr(text, "\nstep_size: 1\ngamma: 0.1\n"));
    free(text);
    CHECK(nn_catalog_yaml(&text, e, "stepsize: 1") < 0);
    CHECK(text == NULL);
    CHECK(nn_catalog_yaml(&text, nn_catalog_find("adam"), "{lr: [") < 0);
}

int main(void) {
    arena = cy_arena_new();
    if (nn_catalog_init() < 0) {
        fprintf(stderr, "nn_catalog_init: %s\n", cy_error_last()->msg);
        return 1;
    }
    RUN(test_configs);
    RUN(test_targets);
    RUN(test_errors);
    RUN(test_factory_type_errors);
    RUN(test_optim_equals_direct);
    RUN(test_schedulers);
    RUN(test_children_ownership);
    RUN(test_yaml);
    cy_arena_free(arena);
    return harness_summary();
}
