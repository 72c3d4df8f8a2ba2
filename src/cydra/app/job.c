/*
 * job.c - running one job as Hydra's run_job does: output directory, .hydra files, job logging,
 * environment, the task, and the result file.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_internal.h"
#include "cydra/interp.h"
#include "cydra/log.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"

static const cy_node *current_hydra;
static char *current_output_dir;

void cy__set_hydra_config(const cy_node *hydra) {
    current_hydra = hydra;
}

const cy_node *cy_hydra_config(void) {
    return current_hydra;
}

const char *cy_job_output_dir(void) {
    return current_output_dir;
}

static int hydra_resolver(const cy_node **out, const cy_resolver_call *call) {
    if (call->nargs != 1 || !call->args[0] || call->args[0]->kind != CY_STR)
        return cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                            "The hydra resolver takes one key, as in ${hydra:job.name}");
    if (!current_hydra)
        return cy_error_set(CY_EINTERP, "ValueError", "HydraConfig was not set");
    const cy_node *v;
    int rc = cy_select(current_hydra, call->args[0]->v.str.s, &v, 0);
    if (rc < 0)
        return rc;
    *out = v ? v : cy_new_null(call->arena);
    return 0;
}

void cy__register_hydra_resolver(void) {
    if (!cy_resolver_exists("hydra"))
        cy_resolver_register("hydra", hydra_resolver, NULL, CY_RESOLVER_REPLACE);
}

void cy__job_return_clear(cy_job_return *ret) {
    free(ret->error);
    free(ret->output_dir);
    memset(ret, 0, sizeof *ret);
}

int cy__mkdirs(const char *path) {
    char *p = strdup(path);
    if (!p)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            return cy_error_set(CY_EIO, "OSError", "Cannot create directory '%s': %s", path,
                                strerror(e));
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = cy_error_set(CY_EIO, "OSError", "Cannot create directory '%s': %s", path,
                          strerror(errno));
    free(p);
    return rc;
}

char *cy__py_list_repr(const char *const *items, size_t n) {
    cy_arena *a = cy_arena_new();
    const char *text = "[";
    for (size_t i = 0; i < n; i++)
        text = cy_arena_printf(a, "%s%s%s", text, i ? ", " : "", cy_str_pyrepr(a, items[i]));
    char *out = malloc(strlen(text) + 2);
    if (!out)
        abort();
    sprintf(out, "%s]", text);
    cy_arena_free(a);
    return out;
}

/* The string a key holds, resolved (NULL with the error set when absent or not a string). */
static int select_str(const cy_node *cfg, const char *key, const char **out) {
    const cy_node *v;
    int rc = cy_select(cfg, key, &v, CY_SELECT_THROW_ON_MISSING);
    if (rc < 0)
        return rc;
    if (!v || v->kind == CY_NULL) {
        *out = NULL;
        return 0;
    }
    *out = v->kind == CY_STR ? v->v.str.s : cy_node_pystr(v);
    return 0;
}

static char *path_join(const char *a, const char *b) {
    size_t la = strlen(a);
    char *p = malloc(la + strlen(b) + 2);
    if (!p)
        abort();
    if (b[0] == '/')
        strcpy(p, b);
    else if (la == 0)
        strcpy(p, b);
    else
        sprintf(p, "%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
    return p;
}

static char *abspath(const char *p) {
    if (p[0] == '/')
        return strdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return strdup(p);
    /* os.path.abspath also normalises "a/./b" and "a/../b" */
    char *joined = path_join(cwd, p);
    char *out = malloc(strlen(joined) + 2);
    if (!out)
        abort();
    size_t n = 0;
    const char *s = joined;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0)
            break;
        if (len == 1 && s[0] == '.') {
            /* skip */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
        } else {
            out[n++] = '/';
            memcpy(out + n, s, len);
            n += len;
        }
        s += len;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    free(joined);
    return out;
}

/* A job's files are renamed into place but not fsync'ed, as Hydra writes them: a crashing job
 * never leaves half a file, and a power cut at worst makes a resumed sweep run the job again.
 * fsync would cost most of a job's launch time on a busy disk. */
static int save_yaml(const char *dir, const char *file, const cy_node *node) {
    char *path = path_join(dir, file);
    int rc = cy_yaml_write_file(path, node, CY_YAML_NO_FSYNC);
    free(path);
    return rc;
}

/* Writes the job's return (status and value) next to its config, for sweeps and resumes. */
static int save_result(const char *dir, const cy_job_return *ret) {
    cy_arena *a = cy_arena_new();
    cy_node *r = cy_new_dict(a);
    cy_dict_put(r, "status",
                cy_new_str(a, ret->status == CY_JOB_COMPLETED ? "COMPLETED" : "FAILED"));
    cy_dict_put(r, "return_value", ret->has_value ? cy_new_float(a, ret->value) : cy_new_null(a));
    if (ret->error)
        cy_dict_put(r, "error", cy_new_str(a, ret->error));
    int rc = save_yaml(dir, "result.yaml", r);
    cy_arena_free(a);
    return rc;
}

typedef struct saved_env {
    char *name;
    char *value; /* NULL when it was unset */
} saved_env;

int cy__run_job(cy_job_return *ret, cy_node *config, const char *job_dir_key,
                const char *job_subdir_key, const cy_app *app, bool configure_logging) {
    int rc;
    memset(ret, 0, sizeof *ret);
    cy__register_hydra_resolver();

    cy_node *hydra = cy_dict_get(config, "hydra");
    if (!hydra)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "The composed config has no hydra node");
    cy__set_hydra_config(hydra);

    const char *dir, *subdir = NULL;
    if ((rc = select_str(config, job_dir_key, &dir)) < 0)
        return rc;
    if (!dir)
        return cy_error_set(CY_EVALIDATION, "ValidationError", "%s is not set", job_dir_key);
    char *output_dir = NULL;
    if (job_subdir_key) {
        if ((rc = select_str(config, job_subdir_key, &subdir)) < 0)
            return rc;
        output_dir = path_join(dir, subdir ? subdir : "None");
    } else {
        output_dir = strdup(dir);
    }
    ret->output_dir = abspath(output_dir);
    free(output_dir);

    if ((rc = cy_update(config, "hydra.runtime.output_dir",
                        cy_new_str(config->arena, ret->output_dir), CY_UPDATE_FORCE_ADD)) < 0)
        return rc;
    free(current_output_dir);
    current_output_dir = strdup(ret->output_dir);

    /* The task's config has no hydra node; the .hydra/hydra.yaml file has only it. */
    cy_arena *a = config->arena;
    cy_node *task_cfg = cy_node_copy(a, config);
    cy_node_set_flag(task_cfg, CY_FLAG_READONLY, CY_FLAG_FALSE);
    int struct_flag = task_cfg->flags[CY_FLAG_STRUCT];
    cy_node_set_flag(task_cfg, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    if ((rc = cy_node_delete(task_cfg, "hydra")) < 0)
        return rc;
    cy_node_set_flag(task_cfg, CY_FLAG_STRUCT, struct_flag);
    cy_node *hydra_cfg = cy_new_dict(a);
    cy_dict_put(hydra_cfg, "hydra", cy_node_copy(a, hydra));

    if ((rc = cy__mkdirs(ret->output_dir)) < 0)
        return rc;

    bool chdir_ = false;
    const cy_node *chd;
    if ((rc = cy_select(config, "hydra.job.chdir", &chd, 0)) < 0)
        return rc;
    if (chd && chd->kind == CY_BOOL)
        chdir_ = chd->v.b;
    char old_cwd[PATH_MAX];
    if (!getcwd(old_cwd, sizeof old_cwd))
        old_cwd[0] = '\0';
    if (chdir_ && chdir(ret->output_dir) < 0)
        return cy_error_set(CY_EIO, "OSError", "Cannot change directory to '%s': %s",
                            ret->output_dir, strerror(errno));

    if (configure_logging) {
        const cy_node *jl, *verbose;
        if ((rc = cy_select(config, "hydra.job_logging", &jl, CY_SELECT_NO_RESOLVE)) < 0 ||
            (rc = cy_select(config, "hydra.verbose", &verbose, CY_SELECT_NO_RESOLVE)) < 0 ||
            (rc = cy_log_configure(jl, verbose)) < 0)
            goto restore_cwd;
    }

    const char *output_subdir;
    char *hydra_dir = NULL;
    if ((rc = select_str(config, "hydra.output_subdir", &output_subdir)) < 0)
        goto restore_cwd;
    if (output_subdir) {
        hydra_dir = path_join(ret->output_dir, output_subdir);
        const cy_node *task_overrides;
        if ((rc = cy__mkdirs(hydra_dir)) < 0 ||
            (rc = save_yaml(hydra_dir, "config.yaml", task_cfg)) < 0 ||
            (rc = save_yaml(hydra_dir, "hydra.yaml", hydra_cfg)) < 0 ||
            (rc = cy_select(config, "hydra.overrides.task", &task_overrides, 0)) < 0 ||
            (rc = save_yaml(hydra_dir, "overrides.yaml", task_overrides)) < 0)
            goto restore_cwd;
    }

    /* hydra.job.env_set, restored afterwards */
    const cy_node *env_set;
    saved_env *saved = NULL;
    size_t nsaved = 0;
    if ((rc = cy_select(config, "hydra.job.env_set", &env_set, 0)) < 0)
        goto free_dir;
    if (env_set && env_set->kind == CY_DICT) {
        saved = calloc(cy_node_len(env_set) + 1, sizeof *saved);
        for (size_t i = 0; i < cy_node_len(env_set); i++) {
            const cy_node *e = cy_node_child(env_set, i);
            const char *v;
            if ((rc = cy_node_as_str(e, &v)) < 0)
                goto restore_env;
            const char *old = getenv(e->key);
            saved[nsaved].name = strdup(e->key);
            saved[nsaved].value = old ? strdup(old) : NULL;
            nsaved++;
            setenv(e->key, v, 1);
        }
    }

    cy_task_result result = {0};
    cy_error_clear();
    int status = app->task ? app->task(task_cfg, &result, app->userdata) : 0;
    if (status == 0) {
        ret->status = CY_JOB_COMPLETED;
        ret->has_value = result.has_value;
        ret->value = result.value;
    } else {
        ret->status = CY_JOB_FAILED;
        const cy_error *e = cy_error_last();
        if (e->code != 0) {
            ret->error = cy_error_text(e);
        } else {
            char buf[64];
            snprintf(buf, sizeof buf, "the task returned status %d", status);
            ret->error = strdup(buf);
        }
    }
    cy_log_flush();
    if (hydra_dir && (rc = save_result(hydra_dir, ret)) < 0)
        goto restore_env;
    rc = 0;

restore_env:
    for (size_t i = 0; i < nsaved; i++) {
        if (saved[i].value)
            setenv(saved[i].name, saved[i].value, 1);
        else
            unsetenv(saved[i].name);
        free(saved[i].name);
        free(saved[i].value);
    }
    free(saved);
free_dir:
    free(hydra_dir);
restore_cwd:
    if (chdir_ && old_cwd[0] && chdir(old_cwd) < 0 && rc == 0)
        rc = cy_error_set(CY_EIO, "OSError", "Cannot change back to '%s'", old_cwd);
    return rc;
}
