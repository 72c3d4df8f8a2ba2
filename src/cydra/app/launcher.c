/*
 * launcher.c - jobs and job processes: composing a job, resuming, forking the process that runs
 * it, reading back what it returned, and the process pool behind the basic and local launchers.
 *
 * A job runs in a forked process so that a crash, abort() or exit() in one job is reported as
 * that job's failure and the sweep goes on. The parent composes the job's config (so a sweep's
 * configs are composed once, in one place), flushes its logs and stdio, and forks; the child runs
 * cy__run_job (job logging, .hydra files, the task, result.yaml) with the shared stdout/stderr and
 * writes its return on a pipe. The parent waits with sigtimedwait on SIGCHLD, SIGINT and SIGTERM
 * blocked, which has no race between "a child exited" and "the user pressed Ctrl-C".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cydra/log.h"
#include "cydra/yaml.h"
#include "launcher.h"

/* Validated configs kept for the launch, at most this many bytes of arenas (then recomposed). */
#define KEEP_CONFIG_BYTES (256u << 20)

/* The longest error text a job process reports (a pipe holds 64 KiB without blocking). */
#define MAX_REPORT_ERROR 32768

double cy__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *cy__job_state_name(cy__job_state s) {
    switch (s) {
    case CY__JOB_COMPLETED:
        return "COMPLETED";
    case CY__JOB_FAILED:
        return "FAILED";
    case CY__JOB_INTERRUPTED:
        return "INTERRUPTED";
    case CY__JOB_RESUMED:
        return "COMPLETED";
    case CY__JOB_SUBMITTED:
        return "SUBMITTED";
    default:
        return "NOT_RUN";
    }
}

void cy__job_clear(cy__job *job) {
    free(job->error);
    free(job->dir);
    free(job->slurm_id);
    cy_arena_free(job->arena);
    job->error = job->dir = job->slurm_id = NULL;
    job->arena = NULL;
    job->cfg = NULL;
}

char *cy__job_line(const cy__job *job) {
    size_t len = 1;
    for (size_t i = 0; i < job->n_overrides; i++)
        len += strlen(job->overrides[i]) + 1;
    char *s = malloc(len);
    if (!s)
        abort();
    s[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < job->n_overrides; i++) {
        if (strncmp(job->overrides[i], "hydra.", 6) == 0)
            continue;
        size_t l = strlen(job->overrides[i]);
        if (k)
            s[k++] = ' ';
        memcpy(s + k, job->overrides[i], l);
        k += l;
        s[k] = '\0';
    }
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Composing a job
 */

static char *xstrdup(const char *s) {
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* os.path.abspath: joined to the working directory and normalised. */
static char *abspath(const char *dir, const char *sub) {
    char cwd[PATH_MAX];
    size_t n = strlen(dir) + (sub ? strlen(sub) : 0) + sizeof cwd + 4;
    char *joined = malloc(n), *out = malloc(n);
    if (!joined || !out)
        abort();
    if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    snprintf(joined, n, "%s/%s%s%s", cwd, dir, sub ? "/" : "", sub ? sub : "");
    if (sub && sub[0] == '/')
        snprintf(joined, n, "%s", sub);
    size_t k = 0;
    for (const char *p = joined; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            break;
        if (len == 1 && p[0] == '.') {
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (k > 0 && out[k - 1] != '/')
                k--;
            if (k > 0)
                k--;
        } else {
            out[k++] = '/';
            memcpy(out + k, p, len);
            k += len;
        }
        p += len;
    }
    if (k == 0)
        out[k++] = '/';
    out[k] = '\0';
    free(joined);
    return out;
}

static int select_text(const cy_node *cfg, const char *key, const char **out) {
    const cy_node *v;
    int rc = cy_select(cfg, key, &v, CY_SELECT_THROW_ON_MISSING);
    if (rc < 0)
        return rc;
    *out = !v || v->kind == CY_NULL ? "None" : v->kind == CY_STR ? v->v.str.s : cy_node_pystr(v);
    return 0;
}

int cy__job_set_id(cy_node *cfg, size_t num, const char *id) {
    cy_node *hydra = cy_dict_get(cfg, "hydra");
    cy_node *hjob = hydra ? cy_dict_get(hydra, "job") : NULL;
    if (!hjob)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "The composed config has no hydra.job node");
    /* open_dict + read_write, as Hydra sets them */
    int ro = hydra->flags[CY_FLAG_READONLY];
    cy_node_set_flag(hydra, CY_FLAG_READONLY, CY_FLAG_FALSE);
    char text[32];
    snprintf(text, sizeof text, "%zu", num);
    int rc = cy_node_set(hjob, "id", cy_new_str(cfg->arena, id ? id : text));
    if (rc == 0)
        rc = cy_node_set(hjob, "num", cy_new_int(cfg->arena, (int64_t)num));
    cy_node_set_flag(hydra, CY_FLAG_READONLY, ro);
    return rc;
}

int cy__job_compose(cy_node **cfg, cy_arena *a, cy__sweep *s, cy__job *job, const char *id) {
    cy_composed res;
    int rc = cy_compose_sweep_job(&res, a, s->loader, s->master, job->overrides, job->n_overrides);
    if (rc < 0)
        return rc;
    if ((rc = cy__job_set_id(res.cfg, job->num, id)) < 0)
        return rc;
    /* ${hydra:job.num} in the directory names reads the job's hydra node, as in run_job */
    const char *dir, *sub;
    const cy_node *before = cy_hydra_config();
    cy__set_hydra_config(cy_dict_get(res.cfg, "hydra"));
    if ((rc = select_text(res.cfg, "hydra.sweep.dir", &dir)) == 0)
        rc = select_text(res.cfg, "hydra.sweep.subdir", &sub);
    cy__set_hydra_config(before);
    if (rc < 0)
        return rc;
    free(job->dir);
    job->dir = abspath(dir, sub);
    *cfg = res.cfg;
    return 0;
}

int cy__job_config(cy_node **cfg, cy_arena **arena, cy__sweep *s, cy__job *job) {
    if (job->arena) {
        *cfg = job->cfg;
        *arena = job->arena;
        job->arena = NULL;
        job->cfg = NULL;
        return 0;
    }
    cy_arena *a = cy_arena_new();
    if (!a)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    int rc = cy__job_compose(cfg, a, s, job, NULL);
    if (rc < 0) {
        cy_arena_free(a);
        return rc;
    }
    *arena = a;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Results on disk (resume)
 */

static char *result_path(const cy__sweep *s, const cy__job *job, const char *file) {
    if (!s->output_subdir || !job->dir)
        return NULL;
    size_t n = strlen(job->dir) + strlen(s->output_subdir) + strlen(file) + 3;
    char *p = malloc(n);
    if (!p)
        abort();
    if (s->output_subdir[0] == '/')
        snprintf(p, n, "%s/%s", s->output_subdir, file);
    else
        snprintf(p, n, "%s/%s/%s", job->dir, s->output_subdir, file);
    return p;
}

static cy_node *load_yaml(cy_arena *a, const char *path) {
    struct stat st;
    if (!path || stat(path, &st) < 0)
        return NULL;
    cy_node *n = NULL;
    if (cy_yaml_load_file(&n, a, path, NULL) < 0) {
        cy_error_clear();
        return NULL;
    }
    return n;
}

bool cy__job_completed_before(cy__sweep *s, cy__job *job) {
    char *rp = result_path(s, job, "result.yaml");
    char *op = result_path(s, job, "overrides.yaml");
    cy_arena *a = cy_arena_new();
    bool done = false;
    const cy_node *r = load_yaml(a, rp), *o = NULL;
    const cy_node *status = r && r->kind == CY_DICT ? cy_dict_get(r, "status") : NULL;
    if (status && status->kind == CY_STR && strcmp(status->v.str.s, "COMPLETED") == 0)
        o = load_yaml(a, op);
    if (o && o->kind == CY_LIST && cy_node_len(o) == job->n_overrides) {
        done = true;
        for (size_t i = 0; i < job->n_overrides && done; i++) {
            const cy_node *e = cy_node_child(o, i);
            const char *t =
                e->kind == CY_STR || e->kind == CY_INTERP ? e->v.str.s : cy_node_pystr(e);
            done = strcmp(t, job->overrides[i]) == 0;
        }
    }
    if (done) {
        const cy_node *v = cy_dict_get(r, "return_value");
        job->has_value = v && (v->kind == CY_FLOAT || v->kind == CY_INT);
        job->value = !v ? 0 : v->kind == CY_FLOAT ? v->v.f : v->kind == CY_INT ? (double)v->v.i : 0;
    }
    cy_arena_free(a);
    free(rp);
    free(op);
    return done;
}

void cy__job_write_result(cy__sweep *s, const cy__job *job) {
    char *path = result_path(s, job, "result.yaml");
    if (!path)
        return;
    char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    cy__mkdirs(dir);
    free(dir);
    cy_arena *a = cy_arena_new();
    cy_node *r = cy_new_dict(a);
    cy_dict_put(r, "status", cy_new_str(a, cy__job_state_name(job->state)));
    cy_dict_put(r, "return_value", job->has_value ? cy_new_float(a, job->value) : cy_new_null(a));
    if (job->error)
        cy_dict_put(r, "error", cy_new_str(a, job->error));
    if (cy_yaml_write_file(path, r, CY_YAML_NO_FSYNC) < 0)
        cy_error_clear();
    cy_arena_free(a);
    free(path);
}

void cy__job_forget_result(cy__sweep *s, const cy__job *job) {
    char *path = result_path(s, job, "result.yaml");
    if (path)
        unlink(path);
    free(path);
}

/* ---------------------------------------------------------------------------------------------
 * Signals
 */

static sigset_t saved_mask;
static int saved_mask_set;

/* SIGCHLD, and SIGINT/SIGTERM unless the app was started with them ignored (nohup, a background
 * job of a non-interactive shell): then they must not stop the sweep either. */
void cy__signals_set(void *set_) {
    sigset_t *set = set_;
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    static const int stop[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < 2; i++) {
        struct sigaction sa;
        if (sigaction(stop[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            continue;
        sigaddset(set, stop[i]);
    }
}

void cy__signals_block(void *old_mask) {
    sigset_t set;
    cy__signals_set(&set);
    sigprocmask(SIG_BLOCK, &set, (sigset_t *)old_mask);
    saved_mask = *(sigset_t *)old_mask;
    saved_mask_set = 1;
}

void cy__signals_unblock(const void *old_mask) {
    /* a SIGINT or SIGTERM still pending was acted upon already: unblocking it would kill us */
    sigset_t set, pending;
    cy__signals_set(&set);
    struct timespec zero = {0, 0};
    while (sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
            sigismember(&pending, SIGCHLD)))
        if (sigtimedwait(&set, NULL, &zero) < 0)
            break;
    sigprocmask(SIG_SETMASK, (const sigset_t *)old_mask, NULL);
    saved_mask_set = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Job processes
 */

typedef struct report {
    int32_t status;
    int32_t has_value;
    double value;
    uint32_t error_len;
} report;

static void write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

int cy__child_main(cy__sweep *s, cy_node *cfg, const char *job_dir_key, const char *job_subdir_key,
                   int fd) {
    cy_job_return ret;
    int rc = cy__run_job(&ret, cfg, job_dir_key, job_subdir_key, s->app, true);
    report r = {CY_JOB_FAILED, 0, 0, 0};
    char *error = NULL;
    if (rc < 0) {
        error = cy_error_text(cy_error_last());
    } else {
        r.status = ret.status;
        r.has_value = ret.has_value;
        r.value = ret.value;
        error = ret.error ? xstrdup(ret.error) : NULL;
    }
    if (error) {
        size_t len = strlen(error);
        r.error_len = (uint32_t)(len > MAX_REPORT_ERROR ? MAX_REPORT_ERROR : len);
    }
    cy_log_flush();
    fflush(NULL);
    if (fd >= 0) {
        write_all(fd, &r, sizeof r);
        if (r.error_len)
            write_all(fd, error, r.error_len);
    }
    free(error);
    cy__job_return_clear(&ret);
    return r.status == CY_JOB_COMPLETED ? 0 : 1;
}

int cy__child_spawn(cy__child *out, cy__sweep *s, cy_node *cfg, const char *job_dir_key,
                    const char *job_subdir_key, const char *const *env) {
    int p[2];
    if (pipe(p) < 0)
        return cy_error_set(CY_EIO, "OSError", "Cannot create a pipe for a job: %s",
                            strerror(errno));
    cy_log_flush();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return cy_error_set(CY_EIO, "OSError", "Cannot start a job process: %s", strerror(e));
    }
    if (pid == 0) {
        close(p[0]);
        if (saved_mask_set)
            sigprocmask(SIG_SETMASK, &saved_mask, NULL);
        for (size_t i = 0; env && env[i]; i++) {
            char *kv = xstrdup(env[i]);
            char *eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                setenv(kv, eq + 1, 1);
            }
            free(kv);
        }
        int code = cy__child_main(s, cfg, job_dir_key, job_subdir_key, p[1]);
        close(p[1]);
        _exit(code);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    out->pid = pid;
    out->fd = p[0];
    return 0;
}

static size_t read_some(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

bool cy__child_collect(cy__job *job, cy__child *child, int wstatus, int stop_signal, bool timed_out,
                       double timeout) {
    report r;
    bool have = read_some(child->fd, &r, sizeof r) == sizeof r;
    char *error = NULL;
    if (have && r.error_len) {
        error = malloc(r.error_len + 1);
        if (!error)
            abort();
        error[read_some(child->fd, error, r.error_len)] = '\0';
    }
    close(child->fd);
    child->fd = -1;
    free(job->error);
    job->error = NULL;
    job->has_value = false;
    char buf[256];
    if (have) {
        job->state = r.status == CY_JOB_COMPLETED ? CY__JOB_COMPLETED : CY__JOB_FAILED;
        job->has_value = r.has_value;
        job->value = r.value;
        job->error = error;
        return true;
    }
    free(error);
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        if (timed_out) {
            job->state = CY__JOB_FAILED;
            snprintf(buf, sizeof buf, "The job timed out after %g seconds and was stopped",
                     timeout);
        } else if (stop_signal &&
                   (sig == stop_signal || sig == SIGKILL || sig == SIGINT || sig == SIGTERM)) {
            job->state = CY__JOB_INTERRUPTED;
            snprintf(buf, sizeof buf, "The job was stopped by %s",
                     stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        } else {
            job->state = CY__JOB_FAILED;
            snprintf(buf, sizeof buf, "The job process was killed by signal %d (%s)", sig,
                     strsignal(sig));
        }
    } else {
        job->state = CY__JOB_FAILED;
        snprintf(buf, sizeof buf,
                 "The job process exited with status %d without returning from the task",
                 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
    }
    job->error = xstrdup(buf);
    return false;
}
