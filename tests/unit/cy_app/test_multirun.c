/*
 * test_multirun.c - the basic sweeper's plan (Hydra's BasicSweeper.split_arguments: product
 * order, rendering of per-job overrides, repeated keys, batches, glob over a group's options,
 * errors) and the small helpers of the launchers and the summary. The whole multirun, with
 * processes and files, is tested by tests/py/test_multirun*.py.
 */
#include "cydra/app/launcher.h"
#include "cydra/store.h"
#include "harness.h"

static cy_loader *loader;
static cy_store *st;

static void make_loader(void) {
    if (cy_store_new(&st, 0) < 0)
        abort();
    cy_store_yaml(st, "db", "mysql", "port: 3306\n");
    cy_store_yaml(st, "db", "postgresql", "port: 5432\n");
    cy_store_yaml(st, "db", "sqlite", "port: 0\n");
    cy_store_yaml(st, "db/nested", "x", "a: 1\n");
    cy_store_yaml(st, NULL, "config", "a: 1\n");
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.store = st;
    lo.job_name = "t";
    if (cy_loader_new(&loader, &lo) < 0)
        abort();
}

/* The plan of args, or NULL (error set). */
static cy__sweep_plan *plan_of(cy_arena *a, const char *const *args, size_t n, long long batch) {
    cy__sweep_plan *p = cy_arena_alloc(a, sizeof *p);
    return cy__sweeper_plan(p, a, loader, args, n, batch) < 0 ? NULL : p;
}

/* Job i's overrides joined with spaces. */
static const char *job(cy_arena *a, const cy__sweep_plan *p, size_t i) {
    const char **ov = cy_arena_alloc(a, (p->n_keys + 1) * sizeof *ov);
    cy__sweeper_job(p, i, ov);
    cy__job j = {0};
    j.overrides = ov;
    j.n_overrides = p->n_keys;
    char *line = cy__job_line(&j);
    const char *s = cy_arena_strdup(a, line);
    free(line);
    return s;
}

static void test_product_order(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"a=1,2", "b=x,y,z"};
    cy__sweep_plan *p = plan_of(a, args, 2, 0);
    CHECK(p != NULL);
    CHECK_EQ_INT(p->n_jobs, 6);
    CHECK_EQ_INT(p->batch_size, 6);
    CHECK_STREQ(job(a, p, 0), "a=1 b=x");
    CHECK_STREQ(job(a, p, 1), "a=1 b=y");
    CHECK_STREQ(job(a, p, 2), "a=1 b=z");
    CHECK_STREQ(job(a, p, 3), "a=2 b=x");
    CHECK_STREQ(job(a, p, 5), "a=2 b=z");
    cy_arena_free(a);
}

static void test_unswept_keep_their_place(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"seed=5", "a=1,2", "+x=[1, 2]", "~b"};
    cy__sweep_plan *p = plan_of(a, args, 4, 0);
    CHECK_EQ_INT(p->n_jobs, 2);
    CHECK_STREQ(job(a, p, 1), "seed=5 a=2 +x=[1,2] ~b=null");
    cy_arena_free(a);
}

static void test_repeated_key(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"a=1,2", "b=3", "a=7"};
    cy__sweep_plan *p = plan_of(a, args, 3, 0);
    CHECK_EQ_INT(p->n_keys, 2);
    CHECK_EQ_INT(p->n_jobs, 1);
    CHECK_STREQ(job(a, p, 0), "a=7 b=3");
    cy_arena_free(a);
}

static void test_rendering(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"flag=true,false", "name=choice('a b','c,d')", "lr=range(0,1,0.1)",
                          "q='a,b',c"};
    cy__sweep_plan *p = plan_of(a, args, 4, 0);
    CHECK_EQ_INT(p->n_jobs, 2 * 2 * 10 * 2);
    CHECK_STREQ(p->values[0][0], "flag=True");
    CHECK_STREQ(p->values[0][1], "flag=False");
    CHECK_STREQ(p->values[1][0], "name=a\\ b");
    CHECK_STREQ(p->values[1][1], "name=c\\,d");
    CHECK_STREQ(p->values[2][3], "lr=0.3");
    CHECK_STREQ(p->values[2][7], "lr=0.7000000000000001");
    CHECK_STREQ(p->values[3][0], "q='a,b'");
    cy_arena_free(a);
}

static void test_empty_sweeps(void) {
    cy_arena *a = cy_arena_new();
    const char *r[] = {"a=1,2", "b=range(3,1)"};
    CHECK_EQ_INT(plan_of(a, r, 2, 0)->n_jobs, 0);
    const char *g[] = {"epochs=glob(*)"};
    CHECK_EQ_INT(plan_of(a, g, 1, 0)->n_jobs, 0);
    const char *none[] = {NULL};
    cy__sweep_plan *p = plan_of(a, none, 0, 0);
    CHECK_EQ_INT(p->n_jobs, 1); /* -m alone: one job without overrides */
    CHECK_STREQ(job(a, p, 0), "");
    cy_arena_free(a);
}

static void test_glob_over_group_options(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"+db=glob(*,exclude=sqlite)", "a=1,2"};
    cy__sweep_plan *p = plan_of(a, args, 2, 0);
    CHECK(p != NULL);
    CHECK_EQ_INT(p->n_jobs, 4);
    CHECK_STREQ(job(a, p, 0), "+db=mysql a=1");
    CHECK_STREQ(job(a, p, 3), "+db=postgresql a=2");
    const char *nested[] = {"db=glob(*)"};
    p = plan_of(a, nested, 1, 0);
    CHECK_EQ_INT(p->n_jobs, 3); /* options, not the sub-group */
    cy_arena_free(a);
}

static void test_batches(void) {
    cy_arena *a = cy_arena_new();
    const char *args[] = {"a=range(5)"};
    CHECK_EQ_INT(plan_of(a, args, 1, 2)->batch_size, 2);
    CHECK_EQ_INT(plan_of(a, args, 1, 5)->batch_size, 5);
    CHECK_EQ_INT(plan_of(a, args, 1, 50)->batch_size, 5);
    CHECK_EQ_INT(plan_of(a, args, 1, 0)->batch_size, 5);
    cy_arena_free(a);
}

static void test_errors(void) {
    cy_arena *a = cy_arena_new();
    const char *interval[] = {"a=1,2", "lr=interval(0,1)"};
    CHECK(plan_of(a, interval, 2, 0) == NULL);
    CHECK_STREQ(cy_error_last()->msg, "BasicSweeper does not support sweep type : INTERVAL_SWEEP");
    const char *syntax[] = {"a=[1,"};
    CHECK(plan_of(a, syntax, 1, 0) == NULL);
    CHECK_EQ_INT(cy_error_last()->code, CY_EPARSE);
    CHECK(strstr(cy_error_last()->msg, "no viable alternative at input '[1,'") != NULL);
    const char *zero_step[] = {"a=range(1,5,0)"};
    CHECK(plan_of(a, zero_step, 1, 0) == NULL);
    CHECK_STREQ(cy_error_last()->msg, "range() arg 3 must not be zero");
    const char *huge[] = {"a=range(100000)", "b=range(100000)"};
    CHECK(plan_of(a, huge, 2, 0) == NULL);
    CHECK_EQ_INT(cy_error_last()->code, CY_ELIMIT);
    cy_error_clear();
    cy_arena_free(a);
}

static void test_helpers(void) {
    char *s = cy__csv_field("plain");
    CHECK_STREQ(s, "plain");
    free(s);
    s = cy__csv_field("a,b");
    CHECK_STREQ(s, "\"a,b\"");
    free(s);
    s = cy__csv_field("say \"hi\"");
    CHECK_STREQ(s, "\"say \"\"hi\"\"\"");
    free(s);
    s = cy__csv_field("two\nlines");
    CHECK_STREQ(s, "\"two\nlines\"");
    free(s);
    const char *ov[] = {"a=1", "hydra.run.dir=x", "b=2"};
    cy__job j = {0};
    j.overrides = ov;
    j.n_overrides = 3;
    s = cy__job_line(&j);
    CHECK_STREQ(s, "a=1 b=2");
    free(s);
    CHECK_STREQ(cy__job_state_name(CY__JOB_COMPLETED), "COMPLETED");
    CHECK_STREQ(cy__job_state_name(CY__JOB_RESUMED), "COMPLETED");
    CHECK_STREQ(cy__job_state_name(CY__JOB_INTERRUPTED), "INTERRUPTED");
    CHECK_STREQ(cy__job_state_name(CY__JOB_PENDING), "NOT_RUN");
}

static void test_launcher_configs_registered(void) {
    CHECK_EQ_INT(cy__register_launcher_configs(), 0);
    CHECK_EQ_INT(cy__register_launcher_configs(), 0); /* idempotent */
    CHECK_EQ_INT(cy_store_type(cy_store_instance(), "hydra/launcher/local"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(cy_store_instance(), "hydra/launcher/slurm"), CY_OBJ_CONFIG);
    cy_arena *a = cy_arena_new();
    cy_store_config c;
    CHECK_EQ_INT(cy_store_load(&c, a, cy_store_instance(), "hydra/launcher/slurm"), 0);
    const cy_node *v;
    CHECK_EQ_INT(cy_select(c.node, "array_parallelism", &v, 0), 0);
    CHECK_EQ_INT(v->v.i, 256);
    CHECK_STREQ(c.provider, "cydra");
    CHECK_EQ_INT(cy_store_load(&c, a, cy_store_instance(), "hydra/launcher/local"), 0);
    CHECK_EQ_INT(cy_select(c.node, "n_jobs", &v, 0), 0);
    CHECK_EQ_INT(v->v.i, -1);
    CHECK(v->help != NULL);
    cy_arena_free(a);
}

int main(void) {
    make_loader();
    RUN(test_product_order);
    RUN(test_unswept_keep_their_place);
    RUN(test_repeated_key);
    RUN(test_rendering);
    RUN(test_empty_sweeps);
    RUN(test_glob_over_group_options);
    RUN(test_batches);
    RUN(test_errors);
    RUN(test_helpers);
    RUN(test_launcher_configs_registered);
    cy_loader_free(loader);
    cy_store_free(st);
    return harness_summary();
}
