/*
 * multirun.c - -m: Hydra's multirun. The multirun config is composed, the sweeper turns the task
 * overrides into jobs, multirun.yaml goes into the sweep directory, and batch by batch every
 * job's config is composed (so a bad value stops the sweep before any job of the batch runs) and
 * the batch is handed to the launcher named by hydra.launcher._target_.
 *
 * Beyond Hydra: a job that completed in an earlier run into the same sweep directory (its
 * .hydra/result.yaml says COMPLETED and its .hydra/overrides.yaml lists the same overrides) is
 * not run again, so re-running an interrupted sweep with hydra.sweep.dir set to its directory
 * resumes it; SIGINT/SIGTERM stop the running jobs and exit with 130; failed jobs are named with
 * their directories; returned values are summarised (summary.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/log.h"
#include "cydra/yaml.h"
#include "launcher.h"

#define BASIC_SWEEPER  "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
#define BASIC_LAUNCHER "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
#define LOCAL_LAUNCHER "cydra.launcher.LocalLauncher"
#define SLURM_LAUNCHER "cydra.launcher.SlurmLauncher"
#define SWEEPER_LOGGER "hydra._internal.core_plugins.basic_sweeper"

/* Validated job configs kept in memory for the launch, at most this many bytes in all. */
#define KEEP_BYTES ((size_t)256 << 20)

enum { LAUNCH_BASIC, LAUNCH_LOCAL, LAUNCH_SLURM };

/* Prints the last error as main.c's report() does; returns the exit status. */
static int report(void) {
    const cy_error *e = cy_error_last();
    char *text = cy_error_text(e);
    cy_log_flush();
    fflush(stdout);
    fprintf(stderr, "%s\n", text ? text : "unknown error");
    free(text);
    return e->code == CY_EUSAGE ? 2 : 1;
}

static int configure_hydra_logging(const cy_node *cfg) {
    const cy_node *hl, *verbose;
    int rc;
    if ((rc = cy_select(cfg, "hydra.hydra_logging", &hl, CY_SELECT_NO_RESOLVE)) < 0 ||
        (rc = cy_select(cfg, "hydra.verbose", &verbose, CY_SELECT_NO_RESOLVE)) < 0)
        return rc;
    return cy_log_configure(hl, verbose);
}

static int select_str(const cy_node *cfg, const char *key, const char **out) {
    const cy_node *v;
    int rc = cy_select(cfg, key, &v, CY_SELECT_THROW_ON_MISSING);
    if (rc < 0)
        return rc;
    *out = !v || v->kind == CY_NULL ? NULL : v->kind == CY_STR ? v->v.str.s : cy_node_pystr(v);
    return 0;
}

/* The sweeper's arguments: hydra.sweeper.params as key=value, then the task overrides. */
static int sweep_arguments(const char ***out, size_t *n, cy_arena *a, const cy_node *cfg) {
    const cy_node *params, *task;
    int rc;
    if ((rc = cy_select(cfg, "hydra.sweeper.params", &params, 0)) < 0 ||
        (rc = cy_select(cfg, "hydra.overrides.task", &task, 0)) < 0)
        return rc;
    size_t np = params && params->kind == CY_DICT ? cy_node_len(params) : 0;
    size_t nt = task ? cy_node_len(task) : 0;
    const char **args = cy_arena_alloc(a, (np + nt + 1) * sizeof *args);
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        const cy_node *p = cy_node_child(params, i);
        const cy_node *v;
        if ((rc = cy_node_resolve(p, &v)) < 0)
            return rc;
        const char *text = v->kind == CY_STR ? v->v.str.s : cy_node_pystr(v);
        args[k++] = cy_arena_printf(a, "%s=%s", p->key, text);
    }
    for (size_t i = 0; i < nt; i++) {
        const cy_node *t = cy_node_child(task, i);
        args[k++] = t->kind == CY_STR || t->kind == CY_INTERP ? t->v.str.s : cy_node_pystr(t);
    }
    *out = args;
    *n = k;
    return 0;
}

static int launcher_kind(int *kind, const cy_node **conf, const cy_node *cfg) {
    const char *target;
    int rc;
    if ((rc = cy_select(cfg, "hydra.launcher", conf, 0)) < 0 ||
        (rc = select_str(cfg, "hydra.launcher._target_", &target)) < 0)
        return rc;
    if (target && strcmp(target, BASIC_LAUNCHER) == 0)
        *kind = LAUNCH_BASIC;
    else if (target && strcmp(target, LOCAL_LAUNCHER) == 0)
        *kind = LAUNCH_LOCAL;
    else if (target && strcmp(target, SLURM_LAUNCHER) == 0)
        *kind = LAUNCH_SLURM;
    else
        return cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                            "Launcher '%s' is not available: Cydra's launchers are "
                            "hydra/launcher=basic, local and slurm",
                            target ? target : "None");
    return 0;
}

static int check_sweeper(long long *max_batch, const cy_node *cfg) {
    const char *target;
    int rc;
    if ((rc = select_str(cfg, "hydra.sweeper._target_", &target)) < 0)
        return rc;
    if (!target || strcmp(target, BASIC_SWEEPER) != 0)
        return cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                            "Sweeper '%s' is not available: Cydra's sweeper is "
                            "hydra/sweeper=basic",
                            target ? target : "None");
    const cy_node *mb;
    if ((rc = cy_select(cfg, "hydra.sweeper.max_batch_size", &mb, 0)) < 0)
        return rc;
    *max_batch = 0;
    if (mb && mb->kind != CY_NULL) {
        int64_t v;
        if ((rc = cy_node_as_int(mb, &v)) < 0)
            return rc;
        if (v <= 0) /* Hydra's assertion */
            return cy_error_set(CY_EVALIDATION, "AssertionError",
                                "hydra.sweeper.max_batch_size must be positive or null, not %lld",
                                (long long)v);
        *max_batch = v;
    }
    return 0;
}

/* After the sweep: every failed job's error as Hydra prints a failed job's, then a list of the
 * failed jobs and their directories. */
static void report_failures(const cy__job *jobs, size_t n) {
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += jobs[i].state == CY__JOB_FAILED;
    if (!failed)
        return;
    cy_log_flush();
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].state != CY__JOB_FAILED)
            continue;
        char *repr = cy__py_list_repr(jobs[i].overrides, jobs[i].n_overrides);
        fprintf(stderr, "Error executing job with overrides: %s\n%s\n", repr,
                jobs[i].error ? jobs[i].error : "");
        free(repr);
    }
    fprintf(stderr, "%zu of %zu jobs failed:\n", failed, n);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].state != CY__JOB_FAILED)
            continue;
        char *line = cy__job_line(&jobs[i]);
        fprintf(stderr, "\t#%zu : %s (%s)\n", jobs[i].num, line,
                jobs[i].dir ? jobs[i].dir : "no directory");
        free(line);
    }
}

static void report_interrupt(const cy__sweep *s, const cy__job *jobs, size_t n,
                             const char *sweep_dir_abs) {
    size_t done = 0, stopped = 0, not_run = 0;
    for (size_t i = 0; i < n; i++) {
        done += jobs[i].state == CY__JOB_COMPLETED || jobs[i].state == CY__JOB_RESUMED;
        stopped += jobs[i].state == CY__JOB_INTERRUPTED;
        not_run += jobs[i].state == CY__JOB_PENDING;
    }
    cy_log_flush();
    fflush(stdout);
    fprintf(stderr,
            "Interrupted by %s: %zu of %zu jobs completed, %zu stopped, %zu not started.\n"
            "To resume, run the same command with hydra.sweep.dir=%s\n",
            s->signal == SIGINT ? "SIGINT" : "SIGTERM", done, n, stopped, not_run, sweep_dir_abs);
}

static char *absolute(const char *dir) {
    char *r = realpath(dir, NULL);
    return r ? r : strdup(dir);
}

int cy__multirun(cy_loader *loader, const char *config_name, const char *const *overrides, size_t n,
                 const cy_app *app) {
    cy_arena *a = cy_arena_new();
    cy__job *jobs = NULL;
    size_t n_jobs = 0;
    char *sweep_dir_abs = NULL;
    int status = 0, rc;

    cy_composed res;
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = config_name;
    co.overrides = overrides;
    co.n_overrides = n;
    co.mode = CY_MODE_MULTIRUN;
    if ((rc = cy_compose(&res, a, loader, &co)) < 0)
        goto fail;
    cy__register_hydra_resolver();
    cy__set_hydra_config(cy_dict_get(res.cfg, "hydra"));

    const char *job_file = getenv(CY__SLURM_JOB_ENV);
    if (job_file && *job_file) {
        status = cy__slurm_job_main(loader, res.cfg, app, job_file);
        goto out;
    }
    if ((rc = configure_hydra_logging(res.cfg)) < 0)
        goto fail;

    cy__sweep s = {0};
    s.loader = loader;
    s.app = app;
    s.master = res.cfg;
    const char *job_name;
    if ((rc = select_str(res.cfg, "hydra.job.name", &job_name)) < 0)
        goto fail;
    s.prog = job_name;

    long long max_batch;
    const cy_node *launcher_conf = NULL;
    int kind = LAUNCH_BASIC;
    const char **args;
    size_t nargs;
    cy__sweep_plan plan;
    if ((rc = check_sweeper(&max_batch, res.cfg)) < 0 ||
        (rc = sweep_arguments(&args, &nargs, a, res.cfg)) < 0 ||
        (rc = cy__sweeper_plan(&plan, a, loader, args, nargs, max_batch)) < 0)
        goto fail;

    /* the sweep directory and multirun.yaml, as BasicSweeper.sweep writes them */
    if ((rc = select_str(res.cfg, "hydra.sweep.dir", &s.sweep_dir)) < 0)
        goto fail;
    if (!s.sweep_dir) {
        rc = cy_error_set(CY_EVALIDATION, "ValidationError", "hydra.sweep.dir is not set");
        goto fail;
    }
    if ((rc = select_str(res.cfg, "hydra.output_subdir", &s.output_subdir)) < 0 ||
        (rc = cy__mkdirs(s.sweep_dir)) < 0)
        goto fail;
    char *path = cy_arena_printf(a, "%s/multirun.yaml", s.sweep_dir);
    if ((rc = cy_yaml_write_file(path, res.cfg, 0)) < 0)
        goto fail;
    sweep_dir_abs = absolute(s.sweep_dir);
    if ((rc = launcher_kind(&kind, &launcher_conf, res.cfg)) < 0)
        goto fail;

    n_jobs = plan.n_jobs;
    jobs = calloc(n_jobs ? n_jobs : 1, sizeof *jobs);
    if (!jobs) {
        rc = cy_error_set(CY_ENOMEM, "MemoryError", "out of memory for %zu jobs", n_jobs);
        goto fail;
    }
    bool stop = false;
    size_t kept = 0;
    /* no jobs: Hydra still launches one empty batch (unless batches have a maximum size) */
    bool empty_batch = n_jobs == 0 && max_batch == 0;
    for (size_t start = 0; (start < n_jobs || empty_batch) && !stop; start += plan.batch_size) {
        size_t m = n_jobs - start < plan.batch_size ? n_jobs - start : plan.batch_size;
        empty_batch = false;
        cy__job *batch = jobs + start;
        /* validate_batch_is_legal: compose every job of the batch before launching any */
        double tic = cy__now();
        size_t resumed = 0;
        for (size_t i = 0; i < m; i++) {
            cy__job *job = &batch[i];
            job->num = start + i;
            job->n_overrides = plan.n_keys;
            job->overrides = cy_arena_alloc(a, (plan.n_keys ? plan.n_keys : 1) * sizeof(char *));
            cy__sweeper_job(&plan, start + i, job->overrides);
            job->arena = cy_arena_new();
            if ((rc = cy__job_compose(&job->cfg, job->arena, &s, job, NULL)) < 0)
                goto fail;
            if (cy__job_completed_before(&s, job)) {
                job->state = CY__JOB_RESUMED;
                resumed++;
            }
            size_t used = cy_arena_used(job->arena);
            if (job->state == CY__JOB_RESUMED || kind == LAUNCH_SLURM || kept + used > KEEP_BYTES) {
                cy_arena_free(job->arena);
                job->arena = NULL;
                job->cfg = NULL;
            } else {
                kept += used;
            }
        }
        double elapsed = cy__now() - tic;
        cy_logf(SWEEPER_LOGGER, CY_LOG_DEBUG,
                "Validated configs of %zu jobs in %0.2f seconds, %.2f / second)", m, elapsed,
                elapsed > 0 ? (double)m / elapsed : 0.0);
        if (resumed)
            cy_logf(SWEEPER_LOGGER, CY_LOG_INFO,
                    "Resuming the sweep in %s: %zu of these %zu jobs completed before and are "
                    "not run again",
                    s.sweep_dir, resumed, m);

        if (kind == LAUNCH_BASIC)
            rc = cy__launch_basic(&s, batch, m);
        else if (kind == LAUNCH_LOCAL)
            rc = cy__launch_local(&s, launcher_conf, batch, m);
        else
            rc = cy__launch_slurm(&s, launcher_conf, batch, m);
        for (size_t i = 0; i < m; i++) {
            cy_arena_free(batch[i].arena);
            batch[i].arena = NULL;
            batch[i].cfg = NULL;
        }
        kept = 0;
        if (rc < 0)
            goto fail;
        /* Hydra's sweeper raises after a batch with a failed job: later batches do not run */
        for (size_t i = 0; i < m; i++)
            if (batch[i].state == CY__JOB_FAILED || batch[i].state == CY__JOB_INTERRUPTED)
                stop = true;
        if (s.signal)
            stop = true;
    }

    cy_log_flush();
    cy__summary_write(&s, jobs, n_jobs);
    report_failures(jobs, n_jobs);
    bool any_failed = false;
    for (size_t i = 0; i < n_jobs; i++)
        any_failed |= jobs[i].state == CY__JOB_FAILED;
    if (s.signal) {
        report_interrupt(&s, jobs, n_jobs, sweep_dir_abs);
        status = 130;
    } else {
        status = any_failed ? 1 : 0;
    }
    goto out;

fail:
    status = report();
out:
    for (size_t i = 0; i < n_jobs; i++)
        cy__job_clear(&jobs[i]);
    free(jobs);
    free(sweep_dir_abs);
    cy_log_flush();
    cy_arena_free(a);
    return status;
}
