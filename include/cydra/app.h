/*
 * cydra/app.h - the app runtime: what @hydra.main gives a Python program, for a C program.
 *
 *     static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
 *         MNISTConf c;
 *         if (cy_bind(&c, &MNISTConf_schema, cfg) < 0)
 *             return -1;                      // the runtime reports cy_error_last()
 *         cy_log_info("training for %lld epochs", (long long)c.epochs);
 *         ...
 *         result->has_value = true;           // the objective a sweeper minimises
 *         result->value = test_loss;
 *         return 0;
 *     }
 *
 *     int main(int argc, char **argv) {
 *         cy_store_schema(cy_store_instance(), NULL, "mnistconf", &MNISTConf_schema);
 *         cy_app app = CY_APP_INIT;
 *         app.config_name = "mnistconf";
 *         app.task = task;
 *         return cy_main(argc, argv, &app);
 *     }
 *
 * cy_main reads Hydra's flags and the overrides (cydra/override.h), composes the config
 * (cydra/compose.h), and then prints (--cfg, --info, --help, --hydra-help, --version, shell
 * completion) or runs: one job in its own output directory (hydra.run.dir) with .hydra/config.yaml,
 * hydra.yaml, overrides.yaml and the job log, or with -m a sweep of jobs through the configured
 * sweeper and launcher (basic: serial; local: a process pool; slurm). Errors are printed as Hydra
 * prints them, without stack traces: usage errors exit with 2, config and job errors with 1.
 */
#ifndef CYDRA_APP_H
#define CYDRA_APP_H

#include <stdbool.h>

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a task returns besides its status. */
typedef struct cy_task_result {
    bool has_value;
    double value; /* e.g. the final test loss: written to the job directory, summarised by sweeps */
} cy_task_result;

/* A task gets the job's composed config (without the `hydra` node, as Hydra's task function) and
 * returns 0 on success; on failure a negative code with cy_error_set'd details (or any nonzero
 * status). */
typedef int (*cy_task_fn)(const cy_node *cfg, cy_task_result *result, void *userdata);

typedef struct cy_app {
    const char *job_name;    /* hydra.job.name; NULL: the executable's file name */
    const char *config_name; /* the primary config: a store name or a YAML file in config_path */
    const char *config_path; /* YAML config dir, relative to the executable's directory (as
                                Hydra's is to the Python file) or absolute; NULL for none */
    cy_task_fn task;
    void *userdata;
} cy_app;

#define CY_APP_INIT                                                                                \
    { NULL, NULL, NULL, NULL, NULL }

/* Runs the app as Hydra's @hydra.main does. Returns the process exit status. */
int cy_main(int argc, char **argv, const cy_app *app);

/* The hydra node of the job being run (NULL outside a job): HydraConfig.get(). */
const cy_node *cy_hydra_config(void);

/* The current job's output directory (hydra.runtime.output_dir), or NULL outside a job. */
const char *cy_job_output_dir(void);

#ifdef __cplusplus
}
#endif

#endif
