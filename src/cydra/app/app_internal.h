/*
 * app_internal.h - what the modules of the app runtime share.
 */
#ifndef CYDRA_APP_INTERNAL_H
#define CYDRA_APP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cydra/app.h"
#include "cydra/compose.h"
#include "cydra/node.h"

enum { CY_JOB_COMPLETED = 1, CY_JOB_FAILED = 2 };

/* Hydra's JobReturn. */
typedef struct cy_job_return {
    int status;
    bool has_value;
    double value;
    char *error;      /* the failure as text (malloc'd), or NULL */
    char *output_dir; /* absolute (malloc'd) */
} cy_job_return;

void cy__job_return_clear(cy_job_return *ret);

/* Hydra's run_job: config is the composed config with its `hydra` node; job_dir_key names the
 * output directory ("hydra.run.dir", or "hydra.sweep.dir" with job_subdir_key
 * "hydra.sweep.subdir"). Creates the directory, sets hydra.runtime.output_dir, configures job
 * logging, writes the .hydra files, sets hydra.job.env_set, runs the task, writes its result.
 * Returns 0 when the job ran (whatever its status, which is in ret), negative when it could not
 * be started (bad output dir, unwritable files: the error is set). */
int cy__run_job(cy_job_return *ret, cy_node *config, const char *job_dir_key,
                const char *job_subdir_key, const cy_app *app, bool configure_logging);

/* Python's repr() of a list of strings: ['a', "b'c"]. malloc'd. */
char *cy__py_list_repr(const char *const *items, size_t n);

/* Makes a directory and its parents (mkdir -p). */
int cy__mkdirs(const char *path);

/* Sets the hydra node that ${hydra:...} reads and cy_hydra_config returns (NULL clears). */
void cy__set_hydra_config(const cy_node *hydra);

/* Registers the `hydra` resolver (idempotent). */
void cy__register_hydra_resolver(void);

struct cy_args;

/* -m: sweeps the overrides with the configured sweeper and launcher. Returns the exit status. */
int cy__multirun(cy_loader *loader, const char *config_name, const char *const *overrides, size_t n,
                 const cy_app *app);

/* Registers Cydra's launcher configs (hydra/launcher options local and slurm, provider "cydra")
 * in the process-wide store; idempotent. cy_main calls it before composing anything. */
int cy__register_launcher_configs(void);

/* --shell-completion: install/uninstall/query. Returns the exit status. */
int cy__shell_completion(const struct cy_args *args, cy_loader *loader, const char *config_name,
                         const char *prog);

#endif
