/*
 * launcher_slurm.c - the SLURM launcher (hydra-submitit-launcher's equivalent for C programs).
 *
 * For a batch it writes, under <sweep dir>/.slurm/, one job file per job (its number, overrides,
 * output directory and, once known, its SLURM id) and a batch script that re-runs this very
 * program (/proc/self/exe with the same arguments, from the same working directory) with
 * CYDRA_SLURM_JOB naming the job file; the program then composes and runs just that job
 * (cy__slurm_job_main), writing its .hydra files, log and result.yaml into the job directory as
 * a local job would. Every job directory exists before sbatch runs (SLURM does not create them).
 * A batch is submitted as one job array (array=true, at most 1000 tasks per array) or as one
 * sbatch per job; options go on sbatch's command line, so nothing needs shell quoting in #SBATCH
 * lines.
 *
 * Then it polls `squeue -h -r -t all -j IDS -o '%i %T'` (never sacct: it fails on clusters
 * without accounting storage) with a growing interval until every job has ended, and reads each
 * job's result.yaml. With submit_only it returns right after submitting; re-running the same
 * sweep with the same hydra.sweep.dir then skips completed jobs, attaches to the ones still
 * queued or running, and submits the rest. SIGINT/SIGTERM while waiting cancel the jobs
 * (scancel) and mark them INTERRUPTED. A controller that cannot be reached is reported as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cydra/config/sbuf.h"
#include "cydra/log.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "launcher.h"

#define LOGGER              "cydra.launcher.slurm"
#define MAX_ARRAY           1000 /* tasks per array: SLURM's default MaxArraySize is 1001 */
#define LOST_AFTER          3    /* polls a job may be missing from squeue before it is "lost" */
#define CONTROLLER_PATIENCE 120  /* seconds of failing squeue calls before giving up */

typedef struct opts {
    const char *partition, *mem, *account, *qos, *constraint, *job_name;
    int64_t time, cpus_per_task, gpus_per_task, array_parallelism;
    bool array, submit_only;
    double poll_interval;
    const cy_node *setup, *additional;
} opts;

/* Per job while the launcher runs it. */
typedef struct track {
    cy__job *job;
    char *id;       /* SLURM id: "123" or "123_4" */
    char *out_file; /* where SLURM writes its stdout/stderr */
    char *state;    /* last squeue state */
    int missing;    /* consecutive polls without it */
    bool seen, done;
} track;

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 */

static char *xstrdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (n < 0 || !s)
        abort();
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A word for sh: 'it'\''s' */
static void put_sh_quoted(cy_sbuf *b, const char *s) {
    cy__sb_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            cy__sb_puts(b, "'\\''");
        else
            cy__sb_putc(b, *s);
    }
    cy__sb_puts(b, "'");
}

static const char *opt_str(const cy_node *conf, const char *key) {
    const cy_node *v;
    if (cy_select(conf, key, &v, 0) < 0 || !v || v->kind == CY_NULL)
        return NULL;
    const char *s;
    return cy_node_as_str(v, &s) < 0 ? NULL : s;
}

static int read_opts(opts *o, const cy_node *conf) {
    memset(o, 0, sizeof *o);
    const cy_node *v;
    int rc;
#define GET_INT(field, dflt)                                                                       \
    o->field = dflt;                                                                               \
    if ((rc = cy_select(conf, #field, &v, CY_SELECT_THROW_ON_MISSING)) < 0)                        \
        return rc;                                                                                 \
    if (v && v->kind != CY_NULL && (rc = cy_node_as_int(v, &o->field)) < 0)                        \
        return rc;
#define GET_BOOL(field, dflt)                                                                      \
    o->field = dflt;                                                                               \
    if ((rc = cy_select(conf, #field, &v, CY_SELECT_THROW_ON_MISSING)) < 0)                        \
        return rc;                                                                                 \
    if (v && v->kind != CY_NULL && (rc = cy_node_as_bool(v, &o->field)) < 0)                       \
        return rc;
    GET_INT(time, 60)
    GET_INT(cpus_per_task, 1)
    GET_INT(gpus_per_task, 0)
    GET_INT(array_parallelism, 256)
    GET_BOOL(array, true)
    GET_BOOL(submit_only, false)
#undef GET_INT
#undef GET_BOOL
    o->poll_interval = 5.0;
    if ((rc = cy_select(conf, "poll_interval", &v, CY_SELECT_THROW_ON_MISSING)) < 0)
        return rc;
    if (v && v->kind != CY_NULL && (rc = cy_node_as_float(v, &o->poll_interval)) < 0)
        return rc;
    if (o->poll_interval < 0.2)
        o->poll_interval = 0.2;
    o->partition = opt_str(conf, "partition");
    o->mem = opt_str(conf, "mem");
    o->account = opt_str(conf, "account");
    o->qos = opt_str(conf, "qos");
    o->constraint = opt_str(conf, "constraint");
    if ((rc = cy_select(conf, "job_name", &v, 0)) < 0)
        return rc;
    o->job_name =
        v && v->kind != CY_NULL && cy_node_as_str(v, &o->job_name) == 0 ? o->job_name : "cydra";
    if ((rc = cy_select(conf, "setup", &o->setup, 0)) < 0 ||
        (rc = cy_select(conf, "additional_parameters", &o->additional, 0)) < 0)
        return rc;
    if (o->time < 1 || o->cpus_per_task < 1 || o->array_parallelism < 1)
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "hydra.launcher.time, cpus_per_task and array_parallelism must be "
                            "positive");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Running SLURM's commands
 */

static sigset_t launch_mask; /* the mask to give commands we run (ours has signals blocked) */

/* Runs argv (found on PATH), capturing stdout and stderr. Returns the exit status (127 when it
 * cannot be run), or -1 when it died of a signal. */
static int run_cmd(const char *const *argv, char **out, char **err) {
    int po[2], pe[2];
    *out = *err = NULL;
    if (pipe(po) < 0)
        return 127;
    if (pipe(pe) < 0) {
        close(po[0]);
        close(po[1]);
        return 127;
    }
    cy_log_flush();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &launch_mask, NULL);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    cy_sbuf bo = {0}, be = {0};
    int fds[2] = {po[0], pe[0]};
    cy_sbuf *bufs[2] = {&bo, &be};
    int open_fds = 2;
    while (open_fds > 0) {
        /* stdout first, then stderr: SLURM's clients write little */
        for (int i = 0; i < 2; i++) {
            if (fds[i] < 0)
                continue;
            char buf[4096];
            ssize_t r = read(fds[i], buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(fds[i]);
                fds[i] = -1;
                open_fds--;
                continue;
            }
            cy__sb_putn(bufs[i], buf, (size_t)r);
        }
    }
    int st = 0;
    if (pid < 0)
        st = 127 << 8;
    else
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    *out = cy__sb_take_or_abort(&bo);
    *err = cy__sb_take_or_abort(&be);
    if (pid < 0)
        return 127;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void trim(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static bool controller_down(const char *err) {
    return strstr(err, "Unable to contact slurm controller") != NULL ||
           strstr(err, "Socket timed out") != NULL || strstr(err, "Connection refused") != NULL;
}

static int command_error(const char *what, int st, char *err) {
    trim(err);
    if (st == 127)
        return cy_error_set(CY_ERROR, "SlurmError",
                            "Cannot run %s: SLURM's client commands (sbatch, squeue, scancel) "
                            "must be on PATH to use hydra/launcher=slurm\n%s",
                            what, err);
    if (controller_down(err))
        return cy_error_set(CY_ERROR, "SlurmError",
                            "%s failed: the SLURM controller cannot be reached (is slurmctld "
                            "running? check with `scontrol ping`)\n%s",
                            what, err);
    return cy_error_set(CY_ERROR, "SlurmError", "%s failed (exit status %d)\n%s", what, st, err);
}

/* ---------------------------------------------------------------------------------------------
 * Job files
 */

static char *job_file_path(const char *slurm_dir, size_t num) {
    return xprintf("%s/job_%zu.yaml", slurm_dir, num);
}

static int write_job_file(const char *slurm_dir, const cy__job *job, const char *slurm_id) {
    cy_arena *a = cy_arena_new();
    cy_node *d = cy_new_dict(a);
    cy_dict_put(d, "num", cy_new_int(a, (int64_t)job->num));
    cy_node *ov = cy_new_list(a);
    for (size_t i = 0; i < job->n_overrides; i++) {
        cy_list_push(ov, cy_new_str(a, job->overrides[i]));
    }
    cy_dict_put(d, "overrides", ov);
    cy_dict_put(d, "output_dir", cy_new_str(a, job->dir));
    cy_dict_put(d, "slurm_id", slurm_id ? cy_new_str(a, slurm_id) : cy_new_null(a));
    char *path = job_file_path(slurm_dir, job->num);
    int rc = cy_yaml_write_file(path, d, 0);
    free(path);
    cy_arena_free(a);
    return rc;
}

/* The SLURM id an earlier run recorded for this job (same overrides), or NULL. malloc'd. */
static char *earlier_id(const char *slurm_dir, const cy__job *job) {
    char *path = job_file_path(slurm_dir, job->num);
    struct stat st;
    char *id = NULL;
    if (stat(path, &st) == 0) {
        cy_arena *a = cy_arena_new();
        cy_node *d;
        if (cy_yaml_load_file(&d, a, path, NULL) == 0 && d->kind == CY_DICT) {
            const cy_node *ov = cy_dict_get(d, "overrides"), *sid = cy_dict_get(d, "slurm_id");
            bool same = ov && ov->kind == CY_LIST && cy_node_len(ov) == job->n_overrides;
            for (size_t i = 0; same && i < job->n_overrides; i++) {
                const cy_node *e = cy_node_child(ov, i);
                same = (e->kind == CY_STR || e->kind == CY_INTERP) &&
                       strcmp(e->v.str.s, job->overrides[i]) == 0;
            }
            if (same && sid && sid->kind == CY_STR)
                id = xstrdup(sid->v.str.s);
        }
        cy_error_clear();
        cy_arena_free(a);
    }
    free(path);
    return id;
}

/* ---------------------------------------------------------------------------------------------
 * Scripts and submission
 */

static char *self_exe(void) {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return xstrdup(buf);
}

/* The program's arguments (argv[1..]) as /proc/self/cmdline has them, quoted for sh, each after a
 * space (malloc'd in *out). */
static int self_args(char **out) {
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (!f)
        return cy_error_set(CY_EIO, "OSError", "Cannot read /proc/self/cmdline: %s",
                            strerror(errno));
    cy_sbuf all = {0};
    char buf[4096];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0)
        cy__sb_putn(&all, buf, r);
    fclose(f);
    size_t n = all.len;
    char *cmdline = cy__sb_take_or_abort(&all);
    cy_sbuf b = {0};
    size_t i = 0, argi = 0;
    while (i < n) {
        const char *arg = cmdline + i;
        size_t len = strlen(arg);
        if (argi > 0) {
            cy__sb_putc(&b, ' ');
            put_sh_quoted(&b, arg);
        }
        argi++;
        i += len + 1;
    }
    free(cmdline);
    *out = cy__sb_take_or_abort(&b);
    return 0;
}

static bool terminal(const char *state) {
    static const char *const live[] = {"PENDING",      "RUNNING",   "CONFIGURING", "COMPLETING",
                                       "SUSPENDED",    "REQUEUED",  "REQUEUE_FED", "REQUEUE_HOLD",
                                       "RESIZING",     "SIGNALING", "STAGE_OUT",   "STOPPED",
                                       "RESV_DEL_HOLD"};
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (strcmp(state, live[i]) == 0)
            return false;
    return true;
}

/* sbatch's options as argv entries (malloc'd strings appended to args). */
static void sbatch_options(char **args, size_t *n, const opts *o, const char *output) {
    args[(*n)++] = xstrdup("sbatch");
    args[(*n)++] = xstrdup("--parsable");
    args[(*n)++] = xprintf("--job-name=%s", o->job_name);
    args[(*n)++] = xprintf("--output=%s", output);
    args[(*n)++] = xstrdup("--ntasks=1");
    args[(*n)++] = xprintf("--time=%lld", (long long)o->time);
    args[(*n)++] = xprintf("--cpus-per-task=%lld", (long long)o->cpus_per_task);
    if (o->partition)
        args[(*n)++] = xprintf("--partition=%s", o->partition);
    if (o->mem)
        args[(*n)++] = xprintf("--mem=%s", o->mem);
    if (o->gpus_per_task > 0)
        args[(*n)++] = xprintf("--gpus-per-task=%lld", (long long)o->gpus_per_task);
    if (o->account)
        args[(*n)++] = xprintf("--account=%s", o->account);
    if (o->qos)
        args[(*n)++] = xprintf("--qos=%s", o->qos);
    if (o->constraint)
        args[(*n)++] = xprintf("--constraint=%s", o->constraint);
}

/* Submits tracks[0..k) as one array (or one job when !o->array && k == 1). */
static int submit(track *tracks, size_t k, const opts *o, const char *slurm_dir, const char *exe,
                  const char *args, const char *cwd) {
    cy_sbuf script = {0};
    cy__sb_puts(&script,
                "#!/bin/bash\n# written by Cydra's SLURM launcher: runs one job of a sweep\n");
    for (size_t i = 0; o->setup && i < cy_node_len(o->setup); i++) {
        const char *line;
        int rc = cy_node_as_str(cy_node_child(o->setup, i), &line);
        if (rc < 0) {
            cy__sb_free(&script);
            return rc;
        }
        cy__sb_puts(&script, line);
        cy__sb_puts(&script, "\n");
    }
    char *first = xprintf("%zu", tracks[0].job->num);
    if (o->array) {
        cy__sb_puts(&script, "nums=(");
        for (size_t i = 0; i < k; i++) {
            char num[32];
            snprintf(num, sizeof num, "%s%zu", i ? " " : "", tracks[i].job->num);
            cy__sb_puts(&script, num);
        }
        cy__sb_puts(&script, ")\nnum=${nums[$SLURM_ARRAY_TASK_ID]}\n");
    } else {
        cy__sb_puts(&script, "num=");
        cy__sb_puts(&script, first);
        cy__sb_puts(&script, "\n");
    }
    cy__sb_puts(&script, "export " CY__SLURM_JOB_ENV "=");
    put_sh_quoted(&script, slurm_dir);
    cy__sb_puts(&script, "/job_$num.yaml\ncd ");
    put_sh_quoted(&script, cwd);
    cy__sb_puts(&script, " || exit 1\nexec ");
    put_sh_quoted(&script, exe);
    cy__sb_puts(&script, args);
    cy__sb_puts(&script, "\n");
    char *text = cy__sb_take_or_abort(&script);

    char *path = xprintf("%s/%s_%s.sh", slurm_dir, o->array ? "array" : "job", first);
    char *tmp = xprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot write '%s': %s", tmp, strerror(errno));
        goto done;
    }
    if (rename(tmp, path) < 0) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot write '%s': %s", path, strerror(errno));
        goto done;
    }
    chmod(path, 0755);

    char *argv[64];
    size_t n = 0;
    char *output = xprintf("%s/%s", slurm_dir, o->array ? "%A_%a.out" : "%j.out");
    sbatch_options(argv, &n, o, output);
    free(output);
    if (o->array)
        argv[n++] = xprintf("--array=0-%zu%%%lld", k - 1, (long long)o->array_parallelism);
    /* additional_parameters: {key: value} -> --key=value (--key for an empty value) */
    for (size_t i = 0; o->additional && i < cy_node_len(o->additional) && n < 60; i++) {
        const cy_node *e = cy_node_child(o->additional, i);
        const char *v;
        if (cy_node_as_str(e, &v) < 0)
            v = "";
        char *key = xstrdup(e->key);
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '-';
        argv[n++] = v[0] ? xprintf("--%s=%s", key, v) : xprintf("--%s", key);
        free(key);
    }
    argv[n++] = xstrdup(path);
    argv[n] = NULL;
    char *out, *err;
    int st = run_cmd((const char *const *)argv, &out, &err);
    for (size_t i = 0; i < n; i++)
        free(argv[i]);
    if (st != 0) {
        rc = command_error("sbatch", st, err);
    } else {
        trim(out);
        char *semi = strchr(out, ';');
        if (semi)
            *semi = '\0';
        if (!out[0]) {
            rc = cy_error_set(CY_ERROR, "SlurmError", "sbatch printed no job id");
        } else {
            for (size_t i = 0; i < k; i++) {
                tracks[i].id = o->array ? xprintf("%s_%zu", out, i) : xstrdup(out);
                tracks[i].out_file = xprintf("%s/%s.out", slurm_dir, tracks[i].id);
                write_job_file(slurm_dir, tracks[i].job, tracks[i].id);
                cy_error_clear();
            }
        }
    }
    free(out);
    free(err);
done:
    free(text);
    free(path);
    free(tmp);
    free(first);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Polling
 */

/* The base job ids of the tracks that are not done, comma-separated ("123,124"). */
static char *pending_ids(const track *t, size_t n) {
    cy_sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (t[i].done || !t[i].id)
            continue;
        size_t len = strcspn(t[i].id, "_");
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = !t[j].done && t[j].id && strncmp(t[j].id, t[i].id, len) == 0 &&
                  strcspn(t[j].id, "_") == len;
        if (dup)
            continue;
        if (b.len)
            cy__sb_puts(&b, ",");
        cy__sb_putn(&b, t[i].id, len);
    }
    return cy__sb_take_or_abort(&b);
}

/* One squeue call: updates the tracks' states. Returns 0, or the command's failure (error set). */
static int poll_once(track *t, size_t n) {
    char *ids = pending_ids(t, n);
    if (!ids[0]) {
        free(ids);
        return 0;
    }
    const char *argv[] = {"squeue", "-h", "-r", "-t", "all", "-j", ids, "-o", "%i %T", NULL};
    char *out, *err;
    int st = run_cmd(argv, &out, &err);
    free(ids);
    int rc = 0;
    if (st != 0 && !strstr(err, "Invalid job id")) {
        rc = command_error("squeue", st, err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (t[i].done || !t[i].id)
                continue;
            bool found = false;
            for (char *line = out; line && *line;) {
                char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                size_t idlen = strcspn(line, " ");
                if (idlen < len && idlen == strlen(t[i].id) && strncmp(line, t[i].id, idlen) == 0) {
                    free(t[i].state);
                    t[i].state = strndup(line + idlen + 1, len - idlen - 1);
                    found = true;
                }
                line = nl ? nl + 1 : NULL;
            }
            if (found) {
                t[i].seen = true;
                t[i].missing = 0;
                if (terminal(t[i].state))
                    t[i].done = true;
            } else if (++t[i].missing >= LOST_AFTER) {
                /* aged out of the queue (MinJobAge) or never there: result.yaml tells */
                t[i].done = true;
                if (!t[i].state)
                    t[i].state = xstrdup("UNKNOWN");
            }
        }
    }
    free(out);
    free(err);
    return rc;
}

/* ExitCode=N:S from `scontrol -o show job ID` (exit status : signal), or NULL. */
static char *exit_code(const char *id) {
    const char *argv[] = {"scontrol", "-o", "show", "job", id, NULL};
    char *out, *err, *code = NULL;
    if (run_cmd(argv, &out, &err) == 0) {
        const char *p = strstr(out, " ExitCode=");
        if (p) {
            p += strlen(" ExitCode=");
            code = strndup(p, strcspn(p, " \n"));
        }
    }
    free(out);
    free(err);
    return code;
}

static void collect(cy__sweep *s, track *t) {
    cy__job *job = t->job;
    cy_arena *a = cy_arena_new();
    char *path = s->output_subdir ? xprintf("%s/%s/result.yaml", job->dir, s->output_subdir) : NULL;
    cy_node *r = NULL;
    struct stat st;
    if (path && stat(path, &st) == 0 && cy_yaml_load_file(&r, a, path, NULL) < 0) {
        cy_error_clear();
        r = NULL;
    }
    const cy_node *status = r && r->kind == CY_DICT ? cy_dict_get(r, "status") : NULL;
    free(job->error);
    job->error = NULL;
    if (status && status->kind == CY_STR && strcmp(status->v.str.s, "COMPLETED") == 0) {
        job->state = CY__JOB_COMPLETED;
        const cy_node *v = cy_dict_get(r, "return_value");
        job->has_value = v && (v->kind == CY_FLOAT || v->kind == CY_INT);
        job->value = !job->has_value ? 0 : v->kind == CY_FLOAT ? v->v.f : (double)v->v.i;
    } else if (status && status->kind == CY_STR) {
        const cy_node *e = cy_dict_get(r, "error");
        job->state = CY__JOB_FAILED;
        job->error =
            xprintf("%s\n(SLURM job %s, output in %s)",
                    e && e->kind == CY_STR ? e->v.str.s : "the job failed", t->id, t->out_file);
    } else {
        job->state = CY__JOB_FAILED;
        char *code = exit_code(t->id);
        job->error = xprintf("SLURM job %s ended %s%s%s without a result; its output is in %s",
                             t->id, t->state ? t->state : "UNKNOWN", code ? " with exit code " : "",
                             code ? code : "", t->out_file);
        free(code);
        cy__job_write_result(s, job);
    }
    free(path);
    cy_arena_free(a);
}

/* Sleeps up to secs; returns the stop signal that came, or 0. */
static int nap(double secs) {
    sigset_t set;
    cy__signals_set(&set);
    sigdelset(&set, SIGCHLD);
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    int sig = sigtimedwait(&set, NULL, &ts);
    return sig == SIGINT || sig == SIGTERM ? sig : 0;
}

static void cancel(track *t, size_t n) {
    char *argv[n + 2];
    size_t k = 0;
    argv[k++] = "scancel";
    for (size_t i = 0; i < n; i++)
        if (!t[i].done && t[i].id)
            argv[k++] = t[i].id;
    argv[k] = NULL;
    if (k == 1)
        return;
    char *out, *err;
    run_cmd((const char *const *)argv, &out, &err);
    free(out);
    free(err);
}

int cy__launch_slurm(cy__sweep *s, const cy_node *conf, cy__job *jobs, size_t n) {
    opts o;
    int rc = read_opts(&o, conf);
    if (rc < 0)
        return rc;
    char *sweep_abs = realpath(s->sweep_dir, NULL);
    if (!sweep_abs && (rc = cy__mkdirs(s->sweep_dir)) == 0)
        sweep_abs = realpath(s->sweep_dir, NULL);
    if (!sweep_abs)
        return rc < 0 ? rc
                      : cy_error_set(CY_EIO, "OSError", "Cannot find '%s': %s", s->sweep_dir,
                                     strerror(errno));
    char *slurm_dir = xprintf("%s/.slurm", sweep_abs);
    char *exe = self_exe();
    char cwd[PATH_MAX];
    char *args = NULL;
    track *t = calloc(n ? n : 1, sizeof *t);
    sigset_t old;
    cy__signals_block(&old);
    launch_mask = old;
    if (!t || !exe || !getcwd(cwd, sizeof cwd)) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot find this program or its directory");
        goto out;
    }
    if ((rc = cy__mkdirs(slurm_dir)) < 0 || (rc = self_args(&args)) < 0)
        goto out;

    cy_logf(LOGGER, CY_LOG_INFO, "SlurmLauncher is submitting %zu jobs to SLURM%s%s", n,
            o.partition ? ", partition " : "", o.partition ? o.partition : "");
    cy_logf(LOGGER, CY_LOG_INFO, "Launching jobs, sweep output dir : %s", s->sweep_dir);
    size_t nt = 0, attached = 0;
    for (size_t i = 0; i < n; i++) {
        cy__job *job = &jobs[i];
        char *line = cy__job_line(job);
        cy_logf(LOGGER, CY_LOG_INFO, "\t#%zu : %s%s", job->num, line,
                job->state == CY__JOB_RESUMED ? " (completed before: skipped)" : "");
        free(line);
        if (job->state == CY__JOB_RESUMED)
            continue;
        if ((rc = cy__mkdirs(job->dir)) < 0)
            goto out;
        track *tr = &t[nt++];
        tr->job = job;
        /* a job an earlier run submitted that is still queued or running: wait for it */
        char *id = earlier_id(slurm_dir, job);
        if (id) {
            track probe = {.job = job, .id = id};
            if (poll_once(&probe, 1) == 0 && probe.seen && !probe.done) {
                tr->id = id;
                tr->out_file = xprintf("%s/%s.out", slurm_dir, id);
                tr->state = probe.state;
                attached++;
                continue;
            }
            cy_error_clear();
            free(probe.state);
            free(id);
        }
        cy__job_forget_result(s, job);
        if ((rc = write_job_file(slurm_dir, job, NULL)) < 0)
            goto out;
    }
    if (attached)
        cy_logf(LOGGER, CY_LOG_INFO,
                "%zu of these jobs are still queued or running from an "
                "earlier submission: waiting for them",
                attached);

    /* submit what is not attached: arrays of up to MAX_ARRAY tasks, or one job each */
    size_t submitted = 0;
    for (size_t i = 0; i < nt;) {
        if (t[i].id) {
            i++;
            continue;
        }
        size_t k = 1;
        if (o.array)
            while (i + k < nt && k < MAX_ARRAY && !t[i + k].id)
                k++;
        rc = submit(&t[i], k, &o, slurm_dir, exe, args, cwd);
        if (rc < 0) {
            if (submitted + attached == 0)
                goto out; /* nothing is running: the error is the sweep's */
            char *msg = cy_error_text(cy_error_last());
            for (size_t j = i; j < nt; j++)
                if (!t[j].id) {
                    t[j].done = true;
                    t[j].job->state = CY__JOB_FAILED;
                    t[j].job->error = xstrdup(msg);
                }
            free(msg);
            cy_error_clear();
            rc = 0;
            break;
        }
        char *base = strndup(t[i].id, strcspn(t[i].id, "_"));
        if (o.array)
            cy_logf(LOGGER, CY_LOG_INFO, "Submitted job array %s (%zu task%s)", base, k,
                    k == 1 ? "" : "s");
        else
            cy_logf(LOGGER, CY_LOG_INFO, "Submitted job %s for #%zu", base, t[i].job->num);
        free(base);
        submitted += k;
        i += k;
    }

    if (o.submit_only) {
        for (size_t i = 0; i < nt; i++)
            if (t[i].id)
                t[i].job->state = CY__JOB_SUBMITTED;
        cy_logf(LOGGER, CY_LOG_INFO,
                "Not waiting for the jobs (submit_only): check them with squeue; to collect "
                "their results, run the same command again with hydra.sweep.dir=%s "
                "hydra.launcher.submit_only=false",
                sweep_abs);
        goto out;
    }

    /* wait: poll with a growing interval; SIGINT/SIGTERM cancel the jobs */
    double delay = 0.2, lost_since = 0;
    int stop = 0;
    for (;;) {
        bool all_done = true;
        for (size_t i = 0; i < nt; i++)
            all_done &= t[i].done;
        if (all_done)
            break;
        int sig = nap(delay);
        if (sig && !stop) {
            stop = sig;
            s->signal = sig;
            cy_logf(LOGGER, CY_LOG_WARNING, "Received %s: cancelling the SLURM jobs",
                    sig == SIGINT ? "SIGINT" : "SIGTERM");
            cancel(t, nt);
            delay = 0.2;
        }
        if (poll_once(t, nt) < 0) {
            if (lost_since == 0)
                lost_since = cy__now();
            if (cy__now() - lost_since > CONTROLLER_PATIENCE || stop) {
                char *msg = cy_error_text(cy_error_last());
                for (size_t i = 0; i < nt; i++)
                    if (!t[i].done) {
                        t[i].done = true;
                        free(t[i].state);
                        t[i].state = xstrdup("UNKNOWN");
                    }
                cy_logf(LOGGER, CY_LOG_ERROR, "Giving up on the SLURM jobs: %s", msg);
                free(msg);
            }
            cy_error_clear();
        } else {
            lost_since = 0;
        }
        if (!stop) {
            delay *= 1.5;
            if (delay > o.poll_interval)
                delay = o.poll_interval;
        }
    }
    for (size_t i = 0; i < nt; i++) {
        if (t[i].job->state == CY__JOB_FAILED && !t[i].id)
            continue; /* never submitted */
        collect(s, &t[i]);
        if (stop && t[i].job->state == CY__JOB_FAILED && t[i].state &&
            strcmp(t[i].state, "CANCELLED") == 0) {
            t[i].job->state = CY__JOB_INTERRUPTED;
            free(t[i].job->error);
            t[i].job->error = xprintf("SLURM job %s was cancelled on %s", t[i].id,
                                      stop == SIGINT ? "SIGINT" : "SIGTERM");
            cy__job_write_result(s, t[i].job);
        }
    }
    rc = 0;
out:
    cy__signals_unblock(&old);
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].id);
        free(t[i].out_file);
        free(t[i].state);
    }
    free(t);
    free(args);
    free(exe);
    free(slurm_dir);
    free(sweep_abs);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The job side: the program re-run by sbatch
 */

int cy__slurm_job_main(cy_loader *loader, cy_node *master, const cy_app *app,
                       const char *job_file) {
    cy_arena *a = cy_arena_new();
    cy_node *spec;
    int rc = cy_yaml_load_file(&spec, a, job_file, NULL), status = 1;
    cy__sweep s = {0};
    s.loader = loader;
    s.app = app;
    s.master = master;
    cy__job job = {0};
    const cy_node *num, *ov, *dir = NULL;
    if (rc < 0)
        goto fail;
    num = cy_dict_get(spec, "num");
    ov = cy_dict_get(spec, "overrides");
    dir = cy_dict_get(spec, "output_dir");
    if (!num || num->kind != CY_INT || !ov || ov->kind != CY_LIST || !dir || dir->kind != CY_STR) {
        rc = cy_error_set(CY_EVALIDATION, "ValueError",
                          "%s is not a job file of Cydra's SLURM launcher", job_file);
        goto fail;
    }
    job.num = (size_t)num->v.i;
    job.n_overrides = cy_node_len(ov);
    job.overrides = cy_arena_alloc(a, (job.n_overrides + 1) * sizeof(char *));
    for (size_t i = 0; i < job.n_overrides; i++) {
        const cy_node *e = cy_node_child(ov, i);
        job.overrides[i] =
            e->kind == CY_STR || e->kind == CY_INTERP ? e->v.str.s : cy_node_pystr(e);
    }
    const char *aj = getenv("SLURM_ARRAY_JOB_ID"), *at = getenv("SLURM_ARRAY_TASK_ID"),
               *jid = getenv("SLURM_JOB_ID");
    char *id = aj && at ? xprintf("%s_%s", aj, at) : jid ? xstrdup(jid) : NULL;
    cy_node *cfg;
    rc = cy__job_compose(&cfg, a, &s, &job, id);
    free(id);
    if (rc < 0)
        goto fail;
    /* the directory the launcher made: ${now:...} in hydra.sweep.dir would give another one */
    free(job.dir);
    job.dir = xstrdup(dir->v.str.s);
    cy_node *hydra = cy_dict_get(cfg, "hydra");
    int ro = hydra->flags[CY_FLAG_READONLY];
    cy_node_set_flag(hydra, CY_FLAG_READONLY, CY_FLAG_FALSE);
    rc = cy_update(cfg, "hydra.runtime.output_dir", cy_new_str(a, job.dir), CY_UPDATE_FORCE_ADD);
    cy_node_set_flag(hydra, CY_FLAG_READONLY, ro);
    if (rc < 0)
        goto fail;
    if ((rc = cy_select(cfg, "hydra.output_subdir", &num, 0)) == 0)
        s.output_subdir = num && num->kind == CY_STR ? num->v.str.s : NULL;
    status = cy__child_main(&s, cfg, "hydra.runtime.output_dir", NULL, -1);
    goto out;
fail : {
    char *text = cy_error_text(cy_error_last());
    cy_log_flush();
    fflush(stdout);
    fprintf(stderr, "%s\n", text ? text : "unknown error");
    if (job.dir || (dir && dir->kind == CY_STR)) {
        if (!job.dir)
            job.dir = xstrdup(dir->v.str.s);
        job.state = CY__JOB_FAILED;
        job.error = text;
        text = NULL;
        s.output_subdir = ".hydra";
        cy__job_write_result(&s, &job);
    }
    free(text);
    status = 1;
}
out:
    free(job.dir);
    free(job.error);
    cy_arena_free(a);
    return status;
}
