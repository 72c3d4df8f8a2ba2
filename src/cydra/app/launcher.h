/*
 * launcher.h - what multirun's parts share: the sweeper's job plan, the jobs, and the launchers
 * (basic: serial; local: a process pool; slurm: sbatch), each job in a process of its own.
 *
 * The flow (multirun.c) is Hydra's: compose the multirun config, let the sweeper turn the task
 * overrides into jobs (sweeper_basic.c), write multirun.yaml, and per batch compose every job's
 * config first (errors stop the sweep before any job runs), then hand the batch to the launcher.
 * Beyond Hydra: jobs that completed in an earlier run into the same sweep directory are skipped
 * (resume), Ctrl-C stops the running jobs and leaves the completed ones, failed jobs are named
 * with their directories, and returned values are summarised (summary.c).
 */
#ifndef CYDRA_APP_LAUNCHER_H
#define CYDRA_APP_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "app_internal.h"

/* ---------------------------------------------------------------------------------------------
 * The basic sweeper's plan: the cartesian product of every key's values, first key slowest
 */

typedef struct cy__sweep_plan {
    size_t n_keys;
    const char *const **values; /* values[k][j]: "key=value" as Hydra renders it, in the arena */
    const size_t *counts;       /* counts[k]: how many values key k has */
    size_t n_jobs;              /* the product of counts (0 when one of them is 0) */
    size_t batch_size;          /* hydra.sweeper.max_batch_size; n_jobs when unset */
} cy__sweep_plan;

/* BasicSweeper.split_arguments: args are hydra.sweeper.params entries ("key=value") followed by
 * the task overrides. Sweeps expand (comma lists, choice, range, glob over the group's options
 * from the loader's repository, sort, shuffle); a key given twice keeps its first position and
 * its last value. Errors: "BasicSweeper does not support sweep type : INTERVAL_SWEEP", parse
 * errors, "The sweep has more than ... jobs". max_batch_size <= 0: one batch. Everything lives in
 * arena. */
int cy__sweeper_plan(cy__sweep_plan *out, cy_arena *arena, cy_loader *loader,
                     const char *const *args, size_t n, long long max_batch_size);

/* The overrides of job i (0 <= i < n_jobs): plan->n_keys strings written to out. */
void cy__sweeper_job(const cy__sweep_plan *plan, size_t i, const char **out);

/* ---------------------------------------------------------------------------------------------
 * Jobs
 */

typedef enum cy__job_state {
    CY__JOB_PENDING = 0, /* not run (yet): a later batch, or the sweep was stopped first */
    CY__JOB_COMPLETED,   /* the task returned 0 */
    CY__JOB_FAILED,      /* the task failed, crashed, exited, timed out, or could not start */
    CY__JOB_INTERRUPTED, /* stopped by SIGINT/SIGTERM */
    CY__JOB_RESUMED,     /* completed in an earlier run into the same sweep dir: not run again */
    CY__JOB_SUBMITTED,   /* queued on SLURM with submit_only: not waited for */
} cy__job_state;

typedef struct cy__job {
    size_t num;             /* hydra.job.num */
    const char **overrides; /* the job's overrides (strings in the sweep's arena) */
    size_t n_overrides;
    cy__job_state state;
    bool has_value;
    double value;
    char *error; /* why it failed (malloc'd), or NULL */
    char *dir;   /* absolute output directory (malloc'd), known once composed */
    char *slurm_id;
    /* The config composed when the batch was validated, kept for the launch when it fits the
     * memory budget (otherwise composed again). */
    cy_arena *arena;
    cy_node *cfg;
} cy__job;

void cy__job_clear(cy__job *job);

/* The state as result.yaml and the summary write it: COMPLETED, FAILED, ... */
const char *cy__job_state_name(cy__job_state s);

/* The sweep as the launchers see it. */
typedef struct cy__sweep {
    cy_loader *loader;
    const cy_app *app;
    cy_node *master;           /* the multirun composition (hydra node included) */
    const char *sweep_dir;     /* hydra.sweep.dir, resolved (as configured: maybe relative) */
    const char *output_subdir; /* hydra.output_subdir, NULL when null */
    const char *prog;          /* the executable's file name, for messages */
    int signal;                /* SIGINT/SIGTERM that stopped the sweep; 0 while running */
} cy__sweep;

/* Composes job's config (Hydra's load_sweep_config, then hydra.job.id = id or the number,
 * hydra.job.num) into *cfg in arena and sets job->dir. */
int cy__job_compose(cy_node **cfg, cy_arena *arena, cy__sweep *s, cy__job *job, const char *id);

/* Sets hydra.job.id (id, or the number when NULL) and hydra.job.num in a composed config. */
int cy__job_set_id(cy_node *cfg, size_t num, const char *id);

/* The job's config: the one kept from validation (handed over: *arena must be freed by the
 * caller) or a fresh composition. */
int cy__job_config(cy_node **cfg, cy_arena **arena, cy__sweep *s, cy__job *job);

/* Resume: true when job->dir holds a result.yaml with status COMPLETED and an overrides.yaml
 * equal to the job's overrides; then job->value/has_value are read from it. */
bool cy__job_completed_before(cy__sweep *s, cy__job *job);

/* Writes <job dir>/<output_subdir>/result.yaml for a job whose process could not (crash,
 * signal, exit()): status, return_value, error. Errors are ignored (best effort). */
void cy__job_write_result(cy__sweep *s, const cy__job *job);

/* Removes a stale result.yaml before a job runs again. */
void cy__job_forget_result(cy__sweep *s, const cy__job *job);

/* ---------------------------------------------------------------------------------------------
 * Job processes
 */

typedef struct cy__child {
    pid_t pid;
    int fd; /* read end of the pipe the child reports its return on */
} cy__child;

/* Forks a process that runs the job (cy__run_job with the output directory keys given) and
 * reports its JobReturn on a pipe. env: NULL-terminated "NAME=value" pairs set in the child.
 * Logs and stdio are flushed before the fork. */
int cy__child_spawn(cy__child *out, cy__sweep *s, cy_node *cfg, const char *job_dir_key,
                    const char *job_subdir_key, const char *const *env);

/* Reads the child's report after it exited with wait status wstatus and fills the job:
 * COMPLETED/FAILED from the report, FAILED for a crash or an exit without a report (naming
 * the signal or the status), INTERRUPTED when killed by the sweep's stop signal. Closes fd. */
bool cy__child_collect(cy__job *job, cy__child *child, int wstatus, int stop_signal, bool timed_out,
                       double timeout);

/* The body of a job process: runs the job, reports on fd, returns the process's exit status. */
int cy__child_main(cy__sweep *s, cy_node *cfg, const char *job_dir_key, const char *job_subdir_key,
                   int fd);

/* ---------------------------------------------------------------------------------------------
 * Launchers: each runs jobs[0..n) (one batch) and fills their states. They return 0, or a
 * negative code (error set) when the batch could not be launched at all.
 */

typedef struct cy__pool_opts {
    size_t width;           /* jobs at once */
    double timeout;         /* seconds per job; 0: none */
    const char *const *env; /* set in each job process */
    const char *logger;     /* the logger of the "#i : ..." lines */
    bool announce_each;     /* log each job's line as it starts (basic) or all first (local) */
    bool named_ids;         /* hydra.job.id = <job name>_<num> (joblib's) instead of <num> */
} cy__pool_opts;

int cy__launch_pool(cy__sweep *s, cy__job *jobs, size_t n, const cy__pool_opts *opts);
int cy__launch_basic(cy__sweep *s, cy__job *jobs, size_t n);
int cy__launch_local(cy__sweep *s, const cy_node *conf, cy__job *jobs, size_t n);
int cy__launch_slurm(cy__sweep *s, const cy_node *conf, cy__job *jobs, size_t n);

/* SLURM job processes: set in the environment of a job sbatch runs, naming its job file. */
#define CY__SLURM_JOB_ENV "CYDRA_SLURM_JOB"

/* The body of a SLURM job (the app re-run by sbatch with CYDRA_SLURM_JOB set): composes the job
 * named by the job file and runs it. Returns the exit status. */
int cy__slurm_job_main(cy_loader *loader, cy_node *master, const cy_app *app, const char *job_file);

/* " ".join(filter_overrides(overrides)): the job line of the launch logs. malloc'd. */
char *cy__job_line(const cy__job *job);

/* Blocks SIGINT, SIGTERM and SIGCHLD (launchers wait for them with sigtimedwait) and returns the
 * old mask; cy__signals_unblock drops pending SIGINT/SIGTERM (already acted upon) and restores. */
void cy__signals_block(void *old_mask /* sigset_t * */);
/* The signals waited for: SIGCHLD, SIGINT and SIGTERM (those two unless ignored at start). */
void cy__signals_set(void *set /* sigset_t * */);
void cy__signals_unblock(const void *old_mask);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double cy__now(void);

/* ---------------------------------------------------------------------------------------------
 * Summary
 */

/* After the sweep: the table on stdout and summary.csv in the sweep directory when a job
 * returned a value. */
int cy__summary_write(const cy__sweep *s, const cy__job *jobs, size_t n);

/* RFC 4180 field quoting, malloc'd. */
char *cy__csv_field(const char *s);

#endif
