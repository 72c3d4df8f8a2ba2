/*
 * optim-trace - runs one optimizer, or SGD(lr=0.1) under one scheduler, on libnn's reference
 * problem and prints the trajectory: a Cydra app whose optimizer and scheduler are `_target_`
 * configs instantiated through the catalogue (nn/catalog.h), so any Hydra YAML for torch.optim
 * works on its command line.
 *
 *     build/optim-trace 'optimizer={_target_: torch.optim.Adam, lr: 0.1, amsgrad: true}' steps=20
 *         k lr p0 p1 p2 p3 p4, k = 1..steps: the lr step k used, the parameters after it
 *     build/optim-trace 'scheduler={_target_: torch.optim.lr_scheduler.StepLR, step_size: 1,
 *                       gamma: 0.7}' steps=30
 *         k lr, k = 0..steps: k = 0 right after the scheduler's construction, then after each
 *         optimizer step + scheduler step
 *     build/optim-trace +optimizer=adam optimizer.lr=0.1      # the catalogue's configs as groups
 *     build/optim-trace 'scheduler={_target_: torch.optim.lr_scheduler.ReduceLROnPlateau,
 *                       patience: 1}' steps=4 'metrics=[1.0, 0.9, 0.95, 0.95]'
 *
 * The problem: x0 = [0.5, -1.5, 2.0, -0.25, 1.0] (float32), f(x) = sum_i (i+1)(x_i - c_i)^2 +
 * 0.5 sum_i sin(x_i), c_i = float32(0.1 i); gradients as torch computes them (SLEEF's sin/cos
 * when libsleef is installed, else libm's: one ulp apart on a few inputs). LBFGS gets a closure.
 * lr is printed with %.17g, parameters with %.9g; nothing else goes to stdout. The app's config
 * runs in the current directory without writing anything (hydra.run.dir=., no .hydra/, no log
 * file; its own defaults list selects hydra/job_logging=none).
 *
 *     build/optim-trace --write-conf-groups DIR ['scheduler/step_lr={step_size: 1}' ...]
 * writes the catalogue's configs as config group files DIR/optim/<option>.yaml and
 * DIR/scheduler/<option>.yaml (mnist_01's conf/ is made so), each optionally with values merged
 * over torch's defaults.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cydra/app.h"
#include "cydra/error.h"
#include "cydra/schema.h"
#include "cydra/store.h"
#include "nn/catalog.h"
#include "nn/error.h"

#define TRACE_CONF(X)                                                                              \
    X(ANY, optimizer, CY_DEF_NONE,                                                                 \
      "the optimizer to trace: a config with a _target_ (torch.optim.Adam, ...); with a "          \
      "scheduler, the optimizer it schedules (default SGD(lr=0.1))")                               \
    X(ANY, scheduler, CY_DEF_NONE,                                                                 \
      "the scheduler to trace: a config with a _target_ (torch.optim.lr_scheduler.StepLR, ...)")   \
    X(INT, steps, "20", "number of steps")                                                         \
    X(LIST(FLOAT), metrics, "[]", "ReduceLROnPlateau's metric at each step (one per step)")
CY_STRUCT(TraceConf, TRACE_CONF)
CY_SCHEMA(TraceConf, TRACE_CONF, "optim-trace's settings")

/* The primary config: the schema, Hydra's logging off, and a run that writes nothing. */
static const char primary_yaml[] = "defaults:\n"
                                   "  - trace_conf\n"
                                   "  - override hydra/job_logging: none\n"
                                   "  - override hydra/hydra_logging: none\n"
                                   "  - _self_\n"
                                   "hydra:\n"
                                   "  output_subdir: null\n"
                                   "  run:\n"
                                   "    dir: .\n";

/* ---------------------------------------------------------------------------------------------
 * The reference problem
 */

typedef struct problem {
    float x[NN_OPTIM_TESTFN_N], g[NN_OPTIM_TESTFN_N];
    nn_param p;
    nn_optim_testfn_math math;
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
    nn_optim_testfn_math_torch(&pb->math);
}

/* loss.backward(): gradients into g (zeroed first, as optimizer.zero_grad() leaves them) */
static int closure(void *ctx, float *loss) {
    problem *pb = ctx;
    *loss = nn_optim_testfn(pb->x, pb->g, &pb->math);
    return NN_OK;
}

/* One optimizer.step(), with a closure where torch requires one (LBFGS). */
static int step(problem *pb, nn_optim *opt) {
    nn_optim_zero_grad(opt);
    int st;
    if (nn_optim_describe(opt) == &nn_optim_lbfgs_desc) {
        st = nn_optim_step(opt, closure, pb);
    } else {
        float loss;
        closure(pb, &loss);
        st = nn_optim_step(opt, NULL, NULL);
    }
    return st == NN_OK ? 0 : cy_error_set(CY_ERROR, "RuntimeError", "%s", nn_error_last());
}

/* ---------------------------------------------------------------------------------------------
 * The task
 */

static int trace(const TraceConf *c, FILE *out) {
    if (c->steps < 0)
        return cy_error_set(CY_EVALIDATION, "ValueError", "steps must be >= 0, got %lld",
                            (long long)c->steps);
    bool has_opt = c->optimizer && c->optimizer->kind != CY_NULL;
    bool has_sched = c->scheduler && c->scheduler->kind != CY_NULL;
    if (!has_opt && !has_sched)
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "nothing to trace: give optimizer={_target_: ...} or "
                            "scheduler={_target_: ...} (see --help)");
    problem pb;
    problem_init(&pb);
    cy_object *oo = NULL, *so = NULL;
    cy_arena *a = cy_arena_new();
    int rc;
    const cy_node *ocfg = c->optimizer;
    if (!has_opt) {
        cy_node *d = cy_new_dict(a);
        cy_dict_put(d, "_target_", cy_new_str(a, "torch.optim.SGD"));
        cy_dict_put(d, "lr", cy_new_float(a, 0.1));
        ocfg = d;
    }
    if ((rc = nn_catalog_make_optim(&oo, ocfg, &pb.p, 1)) < 0)
        goto done;
    nn_optim *opt = cy_object_ptr(oo, NN_CATALOG_OPTIM);
    if (!opt) {
        rc = cy_error_set(CY_EINSTANTIATE, "TypeError", "optimizer: %s is not an optimizer",
                          cy_object_target(oo) ? cy_object_target(oo)->name : "the config");
        goto done;
    }

    if (!has_sched) {
        for (int64_t k = 1; k <= c->steps; k++) {
            double lr = nn_optim_get_lr(opt, 0);
            if ((rc = step(&pb, opt)) < 0)
                goto done;
            fprintf(out, "%lld %.17g", (long long)k, lr);
            for (int i = 0; i < NN_OPTIM_TESTFN_N; i++)
                fprintf(out, " %.9g", pb.x[i]);
            fputc('\n', out);
        }
        rc = 0;
        goto done;
    }

    if ((rc = nn_catalog_make_sched(&so, c->scheduler, opt)) < 0)
        goto done;
    nn_sched *s = cy_object_ptr(so, NN_CATALOG_SCHED);
    if (!s) {
        rc = cy_error_set(CY_EINSTANTIATE, "TypeError", "scheduler: %s is not a scheduler",
                          cy_object_target(so) ? cy_object_target(so)->name : "the config");
        goto done;
    }
    bool plateau = nn_sched_describe(s) == &nn_sched_reduce_lr_on_plateau_desc;
    size_t nmetrics = cy_node_len(c->metrics);
    if (plateau && nmetrics < (size_t)c->steps) {
        rc = cy_error_set(CY_EVALIDATION, "ValueError",
                          "ReduceLROnPlateau steps with a metric: metrics has %zu values, "
                          "steps=%lld needs as many",
                          nmetrics, (long long)c->steps);
        goto done;
    }
    fprintf(out, "0 %.17g\n", nn_optim_get_lr(opt, 0));
    for (int64_t k = 1; k <= c->steps; k++) {
        if ((rc = step(&pb, opt)) < 0)
            goto done;
        int st;
        if (plateau) {
            double m;
            if ((rc = cy_node_as_float(cy_node_child(c->metrics, (size_t)k - 1), &m)) < 0)
                goto done;
            st = nn_sched_step_metric(s, m);
        } else {
            st = nn_sched_step(s);
        }
        if (st != NN_OK) {
            rc = cy_error_set(CY_ERROR, "RuntimeError", "%s", nn_error_last());
            goto done;
        }
        fprintf(out, "%lld %.17g\n", (long long)k, nn_optim_get_lr(opt, 0));
    }
    rc = 0;

done:
    cy_object_free(so);
    cy_object_free(oo);
    cy_arena_free(a);
    return rc;
}

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)result;
    (void)userdata;
    TraceConf c;
    if (cy_bind(&c, &TraceConf_schema, cfg) < 0)
        return -1;
    int rc = trace(&c, stdout);
    fflush(stdout);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * --write-conf-groups
 */

static int write_file(const char *path, const char *text) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        if (f)
            fclose(f);
        fprintf(stderr, "optim-trace: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "optim-trace: cannot rename %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_groups(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: optim-trace --write-conf-groups DIR ['GROUP/OPTION={key: value}' "
                        "...]\n");
        return 2;
    }
    const char *dir = argv[2];
    if (nn_catalog_init() < 0) {
        fprintf(stderr, "optim-trace: %s\n", cy_error_last()->msg);
        return 1;
    }
    char path[4096];
    for (int kind = 0; kind < 2; kind++) {
        snprintf(path, sizeof path, "%s/%s", dir, kind == 0 ? "optim" : "scheduler");
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "optim-trace: cannot create %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    int used[64] = {0};
    for (size_t i = 0; i < nn_catalog_count(); i++) {
        const nn_catalog_entry *e = nn_catalog_at(i);
        const char *group = e->kind == NN_CATALOG_OPTIMIZER ? "optim" : "scheduler";
        char name[256];
        snprintf(name, sizeof name, "%s/%s=", group, e->option);
        const char *over = NULL;
        for (int k = 3; k < argc && k < 64; k++)
            if (strncmp(argv[k], name, strlen(name)) == 0) {
                over = argv[k] + strlen(name);
                used[k] = 1;
            }
        char *text;
        if (nn_catalog_yaml(&text, e, over) < 0) {
            char *msg = cy_error_text(cy_error_last());
            fprintf(stderr, "optim-trace: %s/%s: %s\n", group, e->option, msg ? msg : "");
            free(msg);
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s/%s.yaml", dir, group, e->option);
        int rc = write_file(path, text);
        free(text);
        if (rc < 0)
            return 1;
    }
    for (int k = 3; k < argc; k++)
        if (k >= 64 || !used[k]) {
            fprintf(stderr, "optim-trace: '%s' names no option of the catalogue\n", argv[k]);
            return 2;
        }
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--write-conf-groups") == 0)
        return write_groups(argc, argv);
    cy_store *cs = cy_store_instance();
    if (nn_catalog_init() < 0 || cy_store_schema(cs, NULL, "trace_conf", &TraceConf_schema) < 0 ||
        cy_store_yaml(cs, NULL, "optim_trace", primary_yaml) < 0 ||
        nn_catalog_store(cs, "optimizer", "scheduler") < 0) {
        fprintf(stderr, "optim-trace: %s\n", cy_error_last()->msg);
        return 1;
    }
    cy_app app = CY_APP_INIT;
    app.job_name = "optim_trace";
    app.config_name = "optim_trace";
    app.task = task;
    return cy_main(argc, argv, &app);
}
