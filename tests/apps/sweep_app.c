/*
 * sweep_app - the small app the multirun, launcher, resume and completion tests run: a C twin of
 * tests/oracle/apps/sweep_app.py (same config, same log output), plus knobs to misbehave.
 *
 * The task logs the job's config as YAML (as the tutorial app does) and then, as the config asks:
 *   sleep=S       sleeps S seconds, writing "start <t>" and "end <t>" (wall-clock seconds) to
 *                 <output dir>/times.txt, so tests can see which jobs overlapped;
 *   crash=segv    dies of SIGSEGV; crash=abort calls abort(); crash=exit3 calls exit(3);
 *   crash=fail    fails with an error ("the task failed as asked (crash=fail)");
 *   value=V       returns V (the sweep summary lists it).
 * Config groups db (mysql, postgresql, sqlite) are there for glob() sweeps and completion; the
 * primary config with_params (-cn with_params) sets hydra.sweeper.params.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cydra/app.h"
#include "cydra/log.h"
#include "cydra/schema.h"
#include "cydra/store.h"
#include "cydra/yaml.h"

#define SWEEP_APP_CONF(X)                                                                          \
    X(INT, a, "1", "an int to sweep")                                                              \
    X(STR, b, "x", "a string to sweep")                                                            \
    X(FLOAT, lr, "0.1", "a float to sweep")                                                        \
    X(BOOL, flag, "false", "a bool to sweep")                                                      \
    X(INT, seed, "1", "a key to delete")                                                           \
    X(STR, name, "run", "a name")                                                                  \
    X(OPT_FLOAT, value, CY_DEF_NONE, "what the task returns (null: nothing)")                      \
    X(FLOAT, sleep, "0.0", "seconds the task sleeps")                                              \
    X(STR, crash, "none", "none, segv, abort, exit3 or fail")                                      \
    X(ANY, extra, CY_DEF_NONE, "anything")                                                         \
    X(ANY, db, CY_DEF_NONE, "the db group lands here")
CY_STRUCT(SweepAppConf, SWEEP_APP_CONF)
CY_SCHEMA_NAMED(SweepAppConf, "Config", SWEEP_APP_CONF, "the sweep test app's config")

static double wall(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void stamp(const char *what) {
    const char *dir = cy_job_output_dir();
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/times.txt", dir);
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "%s %.6f\n", what, wall());
        fclose(f);
    }
}

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)userdata;
    char *yaml;
    if (cy_yaml_emit(&yaml, cfg, 0) < 0)
        return -1;
    cy_log_info("%s", yaml);
    free(yaml);
    /* read only what the task uses, as the Python twin does (~seed must not fail it) */
    double sleep_s = 0;
    const char *crash = "none";
    const cy_node *value;
    if (cy_get_float(cfg, "sleep", &sleep_s) < 0 || cy_get_str(cfg, "crash", &crash) < 0 ||
        cy_select(cfg, "value", &value, CY_SELECT_THROW_ON_MISSING) < 0)
        return -1;
    if (sleep_s > 0) {
        stamp("start");
        struct timespec ts = {(time_t)sleep_s, (long)((sleep_s - (double)(time_t)sleep_s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0)
            ;
        stamp("end");
    }
    if (strcmp(crash, "segv") == 0) {
        signal(SIGSEGV, SIG_DFL); /* past any sanitizer's handler */
        raise(SIGSEGV);
    } else if (strcmp(crash, "abort") == 0) {
        abort();
    } else if (strcmp(crash, "exit3") == 0) {
        exit(3);
    } else if (strcmp(crash, "fail") == 0) {
        return cy_error_set(CY_ERROR, "ValueError", "the task failed as asked (crash=fail)");
    }
    if (value && value->kind != CY_NULL) {
        result->has_value = true;
        if (cy_node_as_float(value, &result->value) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    cy_store *cs = cy_store_instance();
    if (cy_store_schema(cs, NULL, "config", &SweepAppConf_schema) < 0 ||
        cy_store_yaml(cs, NULL, "with_params",
                      "defaults:\n  - config\n  - _self_\nhydra:\n  sweeper:\n    params:\n"
                      "      b: x,y\n      a: '7'\n") < 0 ||
        cy_store_yaml(cs, "db", "mysql", "driver: mysql\nport: 3306\n") < 0 ||
        cy_store_yaml(cs, "db", "postgresql", "driver: postgresql\nport: 5432\n") < 0 ||
        cy_store_yaml(cs, "db", "sqlite", "driver: sqlite\nport: 0\n") < 0)
        return 1;
    cy_app app = CY_APP_INIT;
    app.config_name = "config";
    app.task = task;
    return cy_main(argc, argv, &app);
}
