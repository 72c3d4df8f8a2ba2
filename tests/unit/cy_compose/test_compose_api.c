/*
 * test_compose_api.c - the public composition API beyond what the golden cases replay: sweeps and
 * their per-job compositions, override_dirname, group listings for --help, hydra options added
 * from C, configs embedded as pkg:// sources, env_copy, job names, printing, concurrency and speed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cydra/compose.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "harness.h"

#define LOCAL_CONF(X)                                                                              \
    X(STR, _target_, "cydra.launcher.Local", "the launcher")                                       \
    X(INT, n_jobs, "2", "processes")
CY_STRUCT(TLocalConf, LOCAL_CONF)
CY_SCHEMA_NAMED(TLocalConf, "LocalLauncherConf", LOCAL_CONF, "runs jobs in parallel")

#define APP_CONF(X)                                                                                \
    X(INT, epochs, "14", "epochs")                                                                 \
    X(FLOAT, lr, "0.1", "learning rate")                                                           \
    X(STR, name, "run", "name")
CY_STRUCT(TAppConf, APP_CONF)
CY_SCHEMA_NAMED(TAppConf, "AppConf", APP_CONF, "the app")

static cy_store *app_store(void) {
    cy_store *s;
    if (cy_store_new(&s, 0) < 0)
        return NULL;
    cy_store_schema(s, NULL, "app", &TAppConf_schema);
    cy_store_yaml(s, NULL, "yaml_app", "defaults:\n  - db: mysql\n  - _self_\nx: 1\n");
    cy_store_yaml(s, "db", "mysql", "driver: mysql\n");
    cy_store_yaml(s, "db", "pg", "driver: pg\n");
    return s;
}

static cy_loader *loader_for(cy_store *s, const char *config_dir) {
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.store = s;
    lo.job_name = "test_app";
    lo.config_dir = config_dir;
    lo.cwd = "/the/cwd";
    cy_loader *l = NULL;
    if (cy_loader_new(&l, &lo) < 0) {
        char *t = cy_error_text(cy_error_last());
        fprintf(stderr, "loader: %s\n", t);
        free(t);
    }
    return l;
}

static int compose(cy_composed *res, cy_arena *a, cy_loader *l, const char *name,
                   const char *const *ov, size_t n, cy_run_mode mode) {
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = name;
    co.overrides = ov;
    co.n_overrides = n;
    co.mode = mode;
    int rc = cy_compose(res, a, l, &co);
    if (rc < 0 && getenv("VERBOSE")) {
        char *t = cy_error_text(cy_error_last());
        fprintf(stderr, "compose: %s\n", t);
        free(t);
    }
    return rc;
}

static const char *sel_str(const cy_node *cfg, const char *key) {
    const cy_node *n = NULL;
    if (cy_select(cfg, key, &n, CY_SELECT_NO_RESOLVE) < 0 || !n)
        return "(none)";
    if (n->kind == CY_STR || n->kind == CY_INTERP || n->kind == CY_ENUM)
        return n->v.str.s;
    return cy_node_pystr(n);
}

static void test_override_dirname(void) {
    cy_arena *a = cy_arena_new();
    const char *lines[] = {"seed=5", "+new=[1,2]", "~x", "checkpoint_name=\"a b.pt\"", "b=1"};
    const char *keys[] = {"seed", "new", "x", "checkpoint_name", "b"};
    CHECK_STREQ(cy_override_dirname(a, lines, keys, 5, "=", ",", NULL, 0),
                "+new=[1,2],b=1,checkpoint_name=\"a b.pt\",seed=5,~x");
    const char *ex[] = {"seed", "b"};
    CHECK_STREQ(cy_override_dirname(a, lines, keys, 5, ":", "/", ex, 2),
                "+new:[1,2]/checkpoint_name:\"a b.pt\"/~x");
    /* every '=' of the joined text is replaced, an item_sep of '=' too */
    const char *l2[] = {"a=x=y", "c=1"};
    const char *k2[] = {"a", "c"};
    CHECK_STREQ(cy_override_dirname(a, l2, k2, 2, "-", "=", NULL, 0), "a-x-y-c-1");
    CHECK_STREQ(cy_override_dirname(a, NULL, NULL, 0, "=", ",", NULL, 0), "");
    cy_arena_free(a);
}

static void test_multirun_and_jobs(void) {
    cy_store *s = app_store();
    cy_loader *l = loader_for(s, NULL);
    cy_arena *a = cy_arena_new();
    cy_composed m;
    const char *ov[] = {"lr=0.1,0.01", "epochs=3", "hydra.run.dir=out", "hydra.mode=MULTIRUN"};
    CHECK_EQ_INT(compose(&m, a, l, "app", ov, 4, CY_MODE_MULTIRUN), 0);
    CHECK_STREQ(sel_str(m.cfg, "lr"), "0.1"); /* the default: sweeps are not applied */
    CHECK_STREQ(sel_str(m.cfg, "epochs"), "3");
    CHECK_STREQ(sel_str(m.cfg, "hydra.job.override_dirname"), "epochs=3,lr=0.1,0.01");
    CHECK_STREQ(sel_str(m.cfg, "hydra.overrides.task"), "['lr=0.1,0.01', 'epochs=3']");
    CHECK_STREQ(sel_str(m.cfg, "hydra.overrides.hydra"),
                "['hydra.run.dir=out', 'hydra.mode=MULTIRUN']");

    /* one job of the sweep: hydra overrides reused, the job's own overrides applied */
    cy_composed j;
    const char *jo[] = {"lr=0.01", "epochs=3"};
    CHECK_EQ_INT(cy_compose_sweep_job(&j, a, l, m.cfg, jo, 2), 0);
    CHECK_STREQ(sel_str(j.cfg, "lr"), "0.01");
    CHECK_STREQ(sel_str(j.cfg, "hydra.run.dir"), "out");
    CHECK_STREQ(sel_str(j.cfg, "hydra.mode"), "MULTIRUN");
    CHECK_STREQ(sel_str(j.cfg, "hydra.overrides.task"), "['lr=0.01', 'epochs=3']");
    CHECK_STREQ(sel_str(j.cfg, "hydra.job.override_dirname"), "epochs=3,lr=0.01");
    CHECK_STREQ(sel_str(j.cfg, "hydra.job.config_name"), "app");

    /* sweeps are errors without multirun, and never allowed on hydra.* */
    CHECK(compose(&m, a, l, "app", ov, 1, CY_MODE_RUN) < 0);
    const char *hov[] = {"hydra.job.chdir=true,false"};
    CHECK(compose(&m, a, l, "app", hov, 1, CY_MODE_MULTIRUN) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Sweeping over Hydra's configuration is not supported : "
                                      "'hydra.job.chdir=true,false'");
    /* ...unless the checks are off (Hydra's get_mode) */
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = "app";
    co.overrides = ov;
    co.n_overrides = 1;
    co.validate_sweeps = false;
    CHECK_EQ_INT(cy_compose(&m, a, l, &co), 0);
    /* from_shell=false quotes the hint for Python code, not a shell */
    co.validate_sweeps = true;
    co.from_shell = false;
    CHECK(cy_compose(&m, a, l, &co) < 0);
    CHECK(strstr(cy_error_last()->msg, "quote the value: key='value1,value2'") != NULL);
    cy_arena_free(a);
    cy_loader_free(l);
    cy_store_free(s);
}

static void test_hydra_facts(void) {
    cy_store *s = app_store();
    cy_loader *l = loader_for(s, NULL);
    cy_arena *a = cy_arena_new();
    cy_composed r;
    CHECK_EQ_INT(compose(&r, a, l, "app", NULL, 0, CY_MODE_RUN), 0);
    CHECK_STREQ(sel_str(r.cfg, "hydra.job.name"), "test_app");
    CHECK_STREQ(sel_str(r.cfg, "hydra.runtime.cwd"), "/the/cwd");
    CHECK_STREQ(sel_str(r.cfg, "hydra.runtime.version"), CY_HYDRA_VERSION);
    CHECK_STREQ(sel_str(r.cfg, "hydra.runtime.version_base"), "1.3");
    CHECK_STREQ(sel_str(r.cfg, "hydra.runtime.output_dir"), "(none)"); /* ??? until the run */
    CHECK_EQ_INT(r.n_sources, 2);
    CHECK_STREQ(r.sources[0].scheme, "pkg");
    CHECK_STREQ(r.sources[1].provider, "schema");
    CHECK(cy_node_flag(r.cfg, CY_FLAG_STRUCT));
    CHECK(!cy_node_flag(cy_dict_get(r.cfg, "hydra"), CY_FLAG_READONLY));
    CHECK_EQ_INT(r.defaults->len, 10);

    /* a job name set in the config (or by an override) is kept */
    const char *ov[] = {"hydra.job.name=mine"};
    CHECK_EQ_INT(compose(&r, a, l, "app", ov, 1, CY_MODE_RUN), 0);
    CHECK_STREQ(sel_str(r.cfg, "hydra.job.name"), "mine");

    /* env_copy copies variables into env_set; a missing one is an error */
    setenv("CY_TEST_VAR", "value", 1);
    const char *ev[] = {"hydra.job.env_copy=[CY_TEST_VAR]"};
    CHECK_EQ_INT(compose(&r, a, l, "app", ev, 1, CY_MODE_RUN), 0);
    CHECK_STREQ(sel_str(r.cfg, "hydra.job.env_set.CY_TEST_VAR"), "value");
    const char *ev2[] = {"hydra.job.env_copy=[CY_TEST_NO_SUCH_VAR]"};
    CHECK(compose(&r, a, l, "app", ev2, 1, CY_MODE_RUN) < 0);
    CHECK(strstr(cy_error_last()->msg, "CY_TEST_NO_SUCH_VAR") != NULL);

    /* the job part and a scalar package */
    char *t = NULL;
    cy_show_opts so = CY_SHOW_OPTS_INIT;
    CHECK_EQ_INT(compose(&r, a, l, "app", NULL, 0, CY_MODE_RUN), 0);
    CHECK_EQ_INT(cy_render_cfg(&t, r.cfg, &so), 0);
    CHECK_STREQ(t, "epochs: 14\nlr: 0.1\nname: run\n");
    free(t);
    so.package = "lr";
    CHECK_EQ_INT(cy_render_cfg(&t, r.cfg, &so), 0);
    CHECK_STREQ(t, "0.1\n");
    free(t);
    so.part = CY_CFG_HYDRA;
    so.package = "hydra.job.name";
    CHECK_EQ_INT(cy_render_cfg(&t, r.cfg, &so), 0);
    CHECK_STREQ(t, "test_app\n");
    free(t);
    cy_node *part;
    CHECK_EQ_INT(cy_compose_cfg_part(&part, a, r.cfg, CY_CFG_HYDRA), 0);
    CHECK_EQ_INT(cy_node_len(part), 1);
    CHECK(cy_select(part, "hydra.help", &(const cy_node *){NULL}, 0) == 0);
    CHECK(cy_dict_get(cy_dict_get(part, "hydra"), "help") == NULL);
    CHECK(cy_dict_get(cy_dict_get(r.cfg, "hydra"), "help") != NULL); /* cfg itself unchanged */
    cy_arena_free(a);
    cy_loader_free(l);
    cy_store_free(s);
}

static void test_groups_and_options(void) {
    cy_store *s = app_store();
    /* our launchers, added from C, become hydra/launcher options like Hydra's basic */
    CHECK_EQ_INT(cy_store_schema(s, "hydra/launcher", "local", &TLocalConf_schema), 0);
    cy_loader *l = loader_for(s, NULL);
    cy_arena *a = cy_arena_new();
    cy_repo *repo;
    CHECK_EQ_INT(cy_loader_repo(&repo, a, l), 0);
    const char **opts;
    size_t n;
    CHECK_EQ_INT(cy_repo_group_options(&opts, &n, a, repo, "hydra/launcher", CY_OBJ_CONFIG), 0);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_STREQ(opts[0], "basic");
        CHECK_STREQ(opts[1], "local");
    }
    CHECK(cy_repo_group_exists(repo, "db"));
    CHECK(!cy_repo_group_exists(repo, "nosuch"));
    const char **groups;
    CHECK_EQ_INT(cy_repo_all_groups(&groups, &n, a, repo), 0);
    CHECK_EQ_INT(n, 10); /* db + hydra's nine */
    char *t = NULL;
    CHECK_EQ_INT(cy_render_config_groups(&t, repo, false, true), 0);
    CHECK_STREQ(t, "db: mysql, pg\n");
    free(t);
    CHECK_EQ_INT(cy_render_config_groups(&t, repo, false, false), 0);
    CHECK_STREQ(t, "db:\n  mysql\n  pg\n");
    free(t);
    CHECK_EQ_INT(cy_render_config_groups(&t, repo, true, true), 0);
    CHECK_STREQ(t, "hydra: config\n" /* Hydra lists hydra/config too */
                   "hydra/env: default\n"
                   "hydra/help: default\n"
                   "hydra/hydra_help: default\n"
                   "hydra/hydra_logging: default, disabled, hydra_debug, none\n"
                   "hydra/job_logging: default, disabled, none, stdout\n"
                   "hydra/launcher: basic, local\n"
                   "hydra/output: default\n"
                   "hydra/sweeper: basic\n");
    free(t);

    cy_composed r;
    const char *ov[] = {"hydra/launcher=local", "hydra.launcher.n_jobs=4"};
    CHECK_EQ_INT(compose(&r, a, l, "app", ov, 2, CY_MODE_RUN), 0);
    CHECK_STREQ(sel_str(r.cfg, "hydra.launcher._target_"), "cydra.launcher.Local");
    CHECK_STREQ(sel_str(r.cfg, "hydra.launcher.n_jobs"), "4");
    CHECK_STREQ(sel_str(r.cfg, "hydra.runtime.choices.hydra/launcher"), "local");
    cy_arena_free(a);
    cy_loader_free(l);
    cy_store_free(s);
}

static void test_pkg_primary(void) {
    /* an app embeds its config directory as pkg://demo.conf and uses it as the primary dir */
    cy_store *pkg;
    CHECK_EQ_INT(cy_store_new(&pkg, CY_STORE_BARE), 0);
    cy_store_yaml(pkg, NULL, "config", "defaults:\n  - optim: adam\n  - _self_\nepochs: 2\n");
    cy_store_yaml(pkg, "optim", "adam", "lr: 0.001\n");
    cy_store_yaml(pkg, "optim", "sgd", "lr: 0.1\n");
    CHECK_EQ_INT(cy_store_register_pkg("demo.conf", pkg), 0);
    cy_loader *l = loader_for(NULL, "pkg://demo.conf");
    cy_arena *a = cy_arena_new();
    cy_composed r;
    const char *ov[] = {"optim=sgd"};
    CHECK_EQ_INT(compose(&r, a, l, "config", ov, 1, CY_MODE_RUN), 0);
    char *t = NULL;
    cy_show_opts so = CY_SHOW_OPTS_INIT;
    CHECK_EQ_INT(cy_render_cfg(&t, r.cfg, &so), 0);
    CHECK_STREQ(t, "optim:\n  lr: 0.1\nepochs: 2\n");
    free(t);
    CHECK_STREQ(r.sources[1].provider, "main");
    CHECK_STREQ(r.sources[1].scheme, "pkg");
    CHECK_STREQ(r.sources[1].path, "demo.conf");
    cy_loader_free(l);

    /* an unregistered module as the primary config dir */
    l = loader_for(NULL, "pkg://nosuch.conf");
    CHECK(compose(&r, a, l, "config", NULL, 0, CY_MODE_RUN) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Primary config module 'nosuch.conf' not found.\nCheck that "
                                      "it's correct and contains an __init__.py file");
    cy_loader_free(l);
    /* an unknown scheme */
    l = loader_for(NULL, "http://x");
    CHECK(compose(&r, a, l, "config", NULL, 0, CY_MODE_RUN) < 0);
    CHECK(strstr(cy_error_last()->msg, "No config source registered for schema http") != NULL);
    cy_loader_free(l);
    cy_store_register_pkg("demo.conf", NULL);
    cy_store_free(pkg);
    cy_arena_free(a);
}

static void test_defaults_render(void) {
    cy_store *s = app_store();
    cy_loader *l = loader_for(s, NULL);
    cy_arena *a = cy_arena_new();
    const cy_defaults *d;
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = "yaml_app";
    co.no_hydra = true;
    CHECK_EQ_INT(cy_compose_defaults(&d, a, l, &co), 0);
    char *t = NULL;
    CHECK_EQ_INT(cy_render_defaults_list(&t, d), 0);
    CHECK_STREQ(t, "\nDefaults List\n*************\n"
                   "| Config path | Package | _self_ | Parent   | \n"
                   "----------------------------------------------\n"
                   "| db/mysql    | db      | False  | yaml_app |\n"
                   "| yaml_app    |         | True   |          |\n"
                   "----------------------------------------------\n");
    free(t);
    CHECK_EQ_INT(cy_render_defaults_tree(&t, d), 0);
    CHECK_STREQ(t, "\nDefaults Tree\n*************\nyaml_app:\n  db: mysql\n  _self_\n");
    free(t);
    cy_source_info src[] = {{"hydra", "pkg", "hydra.conf"}, {"main", "file", "/é/conf"}};
    CHECK_EQ_INT(cy_render_searchpath(&t, src, 2), 0);
    /* widths count characters, not bytes */
    CHECK_STREQ(t, "\nConfig search path\n******************\n"
                   "| Provider | Search path      |\n"
                   "-------------------------------\n"
                   "| hydra    | pkg://hydra.conf |\n"
                   "| main     | file:///é/conf   |\n"
                   "-------------------------------\n");
    free(t);
    cy_arena_free(a);
    cy_loader_free(l);
    cy_store_free(s);
}

typedef struct worker {
    cy_loader *loader;
    int failures;
} worker;

static void *compose_many(void *arg) {
    worker *w = arg;
    const char *ov[] = {"db=pg", "x=2"};
    for (int i = 0; i < 30; i++) {
        cy_arena *a = cy_arena_new();
        cy_composed r;
        if (compose(&r, a, w->loader, "yaml_app", ov, (size_t)(i % 3), CY_MODE_RUN) < 0)
            w->failures++;
        cy_arena_free(a);
    }
    return NULL;
}

static void test_threads(void) {
    cy_store *s = app_store();
    cy_loader *l = loader_for(s, NULL);
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){l, 0};
        pthread_create(&th[i], NULL, compose_many, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
    }
    cy_loader_free(l);
    cy_store_free(s);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_speed(void) {
    /* the tutorial-sized composition; generous bound (sanitizer builds, busy machines) */
    cy_store *s = app_store();
    cy_loader *l = loader_for(s, NULL);
    const char *ov[] = {"epochs=3", "lr=0.5"};
    int n = 100;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        cy_arena *a = cy_arena_new();
        cy_composed r;
        CHECK_EQ_INT(compose(&r, a, l, "app", ov, 2, CY_MODE_RUN), 0);
        cy_arena_free(a);
    }
    double per = (now() - t0) / n;
    printf("compose: %.1f us per composition\n", per * 1e6);
    CHECK(per < 0.02);
    cy_loader_free(l);
    cy_store_free(s);
}

int main(void) {
    RUN(test_override_dirname);
    RUN(test_multirun_and_jobs);
    RUN(test_hydra_facts);
    RUN(test_groups_and_options);
    RUN(test_pkg_primary);
    RUN(test_defaults_render);
    RUN(test_threads);
    RUN(test_speed);
    return harness_summary();
}
