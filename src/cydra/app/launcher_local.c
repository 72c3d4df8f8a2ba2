/*
 * launcher_local.c - the basic launcher (Hydra's: one job after the other, with its log lines)
 * and the local launcher (ours: a pool of job processes, as hydra-joblib-launcher's), both on one
 * process pool.
 *
 * The pool forks up to `width` job processes and waits for SIGCHLD, SIGINT and SIGTERM with
 * sigtimedwait. On SIGINT/SIGTERM it forwards the signal to the running jobs, starts no more,
 * and waits for them (a second signal sends SIGKILL); the jobs it stopped are INTERRUPTED and
 * their result.yaml says so, so a resumed sweep runs them again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cydra/log.h"
#include "launcher.h"

#define BASIC_LOGGER "hydra._internal.core_plugins.basic_launcher"
#define LOCAL_LOGGER "cydra.launcher.local"

/* Seconds a timed-out job gets between SIGTERM and SIGKILL. */
#define KILL_GRACE 5.0

typedef struct slot {
    cy__child child;
    cy__job *job;
    double start;
    double term_sent; /* when SIGTERM went for a timeout; 0 before */
    bool timed_out;
} slot;

static void announce(const char *logger, const cy__job *job) {
    char *line = cy__job_line(job);
    if (job->state == CY__JOB_RESUMED)
        cy_logf(logger, CY_LOG_INFO, "\t#%zu : %s (completed before: skipped)", job->num, line);
    else
        cy_logf(logger, CY_LOG_INFO, "\t#%zu : %s", job->num, line);
    free(line);
}

static void fail_job(cy__job *job) {
    job->state = CY__JOB_FAILED;
    free(job->error);
    job->error = cy_error_text(cy_error_last());
    cy_error_clear();
}

int cy__launch_pool(cy__sweep *s, cy__job *jobs, size_t n, const cy__pool_opts *opts) {
    size_t width = opts->width ? opts->width : 1;
    slot *slots = calloc(width, sizeof *slots);
    if (!slots)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    sigset_t old, set;
    cy__signals_block(&old);
    cy__signals_set(&set);

    if (!opts->announce_each)
        for (size_t i = 0; i < n; i++)
            announce(opts->logger, &jobs[i]);
    size_t next = 0, running = 0;
    for (;;) {
        while (!s->signal && running < width && next < n) {
            cy__job *job = &jobs[next++];
            if (opts->announce_each)
                announce(opts->logger, job);
            if (job->state == CY__JOB_RESUMED)
                continue;
            cy_node *cfg;
            cy_arena *a;
            if (cy__job_config(&cfg, &a, s, job) < 0) {
                fail_job(job);
                continue;
            }
            if (opts->named_ids) {
                char *id = cy_arena_printf(a, "%s_%zu", s->prog, job->num);
                if (cy__job_set_id(cfg, job->num, id) < 0) {
                    cy_arena_free(a);
                    fail_job(job);
                    continue;
                }
            }
            cy__job_forget_result(s, job);
            size_t k = 0;
            while (slots[k].job)
                k++;
            int rc = cy__child_spawn(&slots[k].child, s, cfg, "hydra.sweep.dir",
                                     "hydra.sweep.subdir", opts->env);
            cy_arena_free(a);
            if (rc < 0) {
                fail_job(job);
                continue;
            }
            slots[k].job = job;
            slots[k].start = cy__now();
            slots[k].term_sent = 0;
            slots[k].timed_out = false;
            running++;
        }
        if (running == 0)
            break;

        /* sleep until a child exits, a stop signal comes, or the next timeout is due */
        double now = cy__now(), wait = 3600;
        if (opts->timeout > 0)
            for (size_t k = 0; k < width; k++) {
                if (!slots[k].job)
                    continue;
                double due = slots[k].term_sent > 0 ? slots[k].term_sent + KILL_GRACE
                                                    : slots[k].start + opts->timeout;
                if (due - now < wait)
                    wait = due - now;
            }
        if (wait < 0)
            wait = 0;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            int fwd = s->signal ? SIGKILL : sig;
            if (!s->signal) {
                s->signal = sig;
                cy_logf(opts->logger, CY_LOG_WARNING,
                        "Received %s: stopping %zu running job%s, starting no more",
                        sig == SIGINT ? "SIGINT" : "SIGTERM", running, running == 1 ? "" : "s");
            }
            for (size_t k = 0; k < width; k++)
                if (slots[k].job)
                    kill(slots[k].child.pid, fwd);
        }

        /* reap */
        for (size_t k = 0; k < width; k++) {
            if (!slots[k].job)
                continue;
            int st;
            pid_t r = waitpid(slots[k].child.pid, &st, WNOHANG);
            if (r == 0 || (r < 0 && errno == EINTR))
                continue;
            if (r < 0)
                st = 0;
            cy__job *job = slots[k].job;
            if (!cy__child_collect(job, &slots[k].child, st, s->signal, slots[k].timed_out,
                                   opts->timeout))
                cy__job_write_result(s, job); /* the process could not write it */
            slots[k].job = NULL;
            running--;
        }

        /* timeouts: SIGTERM, then SIGKILL after a grace period */
        if (opts->timeout > 0) {
            now = cy__now();
            for (size_t k = 0; k < width; k++) {
                if (!slots[k].job)
                    continue;
                if (slots[k].term_sent == 0 && now - slots[k].start >= opts->timeout) {
                    slots[k].timed_out = true;
                    slots[k].term_sent = now;
                    cy_logf(opts->logger, CY_LOG_WARNING,
                            "Job #%zu timed out after %g seconds: stopping it", slots[k].job->num,
                            opts->timeout);
                    kill(slots[k].child.pid, SIGTERM);
                } else if (slots[k].term_sent > 0 && now - slots[k].term_sent >= KILL_GRACE) {
                    kill(slots[k].child.pid, SIGKILL);
                }
            }
        }
    }
    cy__signals_unblock(&old);
    free(slots);
    return 0;
}

int cy__launch_basic(cy__sweep *s, cy__job *jobs, size_t n) {
    int rc = cy__mkdirs(s->sweep_dir);
    if (rc < 0)
        return rc;
    cy_logf(BASIC_LOGGER, CY_LOG_INFO, "Launching %zu jobs locally", n);
    cy__pool_opts po = {1, 0, NULL, BASIC_LOGGER, true, false};
    return cy__launch_pool(s, jobs, n, &po);
}

static long cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

int cy__launch_local(cy__sweep *s, const cy_node *conf, cy__job *jobs, size_t n) {
    int64_t n_jobs = -1, threads = 0;
    double timeout = 0;
    const cy_node *v;
    int rc;
    if ((rc = cy_select(conf, "n_jobs", &v, CY_SELECT_THROW_ON_MISSING)) < 0)
        return rc;
    if (v && (rc = cy_node_as_int(v, &n_jobs)) < 0)
        return rc;
    if ((rc = cy_select(conf, "threads_per_job", &v, 0)) < 0)
        return rc;
    if (v && v->kind != CY_NULL && (rc = cy_node_as_int(v, &threads)) < 0)
        return rc;
    if ((rc = cy_select(conf, "timeout", &v, 0)) < 0)
        return rc;
    if (v && v->kind != CY_NULL && (rc = cy_node_as_float(v, &timeout)) < 0)
        return rc;
    if (n_jobs == 0)
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "hydra.launcher.n_jobs == 0 has no meaning: use a positive number of "
                            "jobs, or -1 for one per CPU");
    long width = n_jobs > 0 ? (long)n_jobs : cpu_count() + 1 + (long)n_jobs;
    if (width < 1)
        width = 1;
    if (threads < 0)
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "hydra.launcher.threads_per_job must be positive, not %lld",
                            (long long)threads);
    if (timeout < 0)
        timeout = 0;
    if ((rc = cy__mkdirs(s->sweep_dir)) < 0)
        return rc;
    cy_logf(LOCAL_LOGGER, CY_LOG_INFO, "LocalLauncher(n_jobs=%lld) is launching %zu jobs",
            (long long)n_jobs, n);
    cy_logf(LOCAL_LOGGER, CY_LOG_INFO, "Launching jobs, sweep output dir : %s", s->sweep_dir);
    char env_buf[3][64];
    const char *env[4] = {NULL, NULL, NULL, NULL};
    if (threads > 0) {
        snprintf(env_buf[0], sizeof env_buf[0], "CYDRA_NUM_THREADS=%lld", (long long)threads);
        snprintf(env_buf[1], sizeof env_buf[1], "OMP_NUM_THREADS=%lld", (long long)threads);
        snprintf(env_buf[2], sizeof env_buf[2], "OPENBLAS_NUM_THREADS=%lld", (long long)threads);
        env[0] = env_buf[0];
        env[1] = env_buf[1];
        env[2] = env_buf[2];
    }
    /* hydra.job.id as hydra-joblib-launcher sets it: <job name>_<num> */
    cy__pool_opts po = {(size_t)width, timeout, env, LOCAL_LOGGER, false, true};
    return cy__launch_pool(s, jobs, n, &po);
}
