/*
 * sweeper_basic.c - Hydra's BasicSweeper: the task overrides become the cartesian product of the
 * values of each key, in the order the keys first appear, the first key varying slowest.
 *
 * Values are rendered as Hydra renders per-job overrides (cy_override_job_string and the sweep
 * string iterator): `no_cuda=true,false` gives `no_cuda=True`, `~seed` gives `~seed=null`. The
 * product is not materialised: job i's overrides are computed from i (mixed radix), so a sweep
 * of a million jobs costs a few pointers per key value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/override.h"
#include "launcher.h"

/* More jobs than this is certainly a mistake (and would not fit the job table). */
#define MAX_JOBS 100000000u

typedef struct key_values {
    char *key; /* the key element: "a.b", "+db", "~seed", "db@pkg" (malloc'd) */
    const char **values;
    size_t n;
} key_values;

static int parse_error(cy_override_error *err) {
    int rc = cy_error_set(err->code ? err->code : CY_EPARSE,
                          err->exc ? err->exc : "OverrideParseException", "%s",
                          err->message ? err->message : "cannot parse override");
    cy_override_error_clear(err);
    return rc;
}

/* The options of a config group, for glob(); none when the key is not a group. */
static int group_options(const char ***out, size_t *n, cy_arena *a, cy_loader *loader,
                         cy_repo **repo, const char *group) {
    *out = NULL;
    *n = 0;
    if (!*repo && cy_loader_repo(repo, a, loader) < 0) {
        cy_error_clear();
        return 0;
    }
    if (!cy_repo_group_exists(*repo, group))
        return 0;
    if (cy_repo_group_options(out, n, a, *repo, group, CY_OBJ_CONFIG) < 0) {
        cy_error_clear();
        *out = NULL;
        *n = 0;
    }
    return 0;
}

/* The "key=value" strings of one override, in the arena. */
static int expand(key_values *kv, cy_arena *a, cy_loader *loader, cy_repo **repo,
                  const cy_override *ov) {
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    if (!cy_override_is_sweep(ov)) {
        char *s;
        if (cy_override_job_string(&s, ov, &err) < 0)
            return parse_error(&err);
        kv->values = cy_arena_alloc(a, sizeof *kv->values);
        kv->values[0] = cy_arena_strdup(a, s);
        kv->n = 1;
        free(s);
        return 0;
    }
    if (!cy_override_is_discrete_sweep(ov))
        return cy_error_set(CY_ERROR, "HydraException",
                            "BasicSweeper does not support sweep type : %s",
                            cy_override_value_type_name(ov->value_type));
    cy_override_sweep_options so = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    so.max_items = MAX_JOBS;
    if (ov->value_type == CY_OV_VT_GLOB_CHOICE_SWEEP) {
        const char **opts;
        size_t nopts;
        group_options(&opts, &nopts, a, loader, repo, ov->key_or_group);
        so.group_options = opts;
        so.n_group_options = nopts;
    }
    char **strs;
    size_t n;
    if (cy_override_sweep_strings(&strs, &n, ov, &so, &err) < 0)
        return parse_error(&err);
    kv->values = cy_arena_alloc(a, (n ? n : 1) * sizeof *kv->values);
    for (size_t i = 0; i < n; i++)
        kv->values[i] = cy_arena_printf(a, "%s=%s", kv->key, strs[i]);
    kv->n = n;
    cy_override_strings_free(strs, n);
    return 0;
}

int cy__sweeper_plan(cy__sweep_plan *out, cy_arena *arena, cy_loader *loader,
                     const char *const *args, size_t n, long long max_batch_size) {
    memset(out, 0, sizeof *out);
    key_values *kvs = calloc(n ? n : 1, sizeof *kvs);
    if (!kvs)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    size_t nk = 0;
    cy_repo *repo = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cy_override *ov;
        cy_override_error err = CY_OVERRIDE_ERROR_INIT;
        if (cy_override_parse(&ov, args[i], &err) < 0) {
            rc = parse_error(&err);
            break;
        }
        char *key;
        if (cy_override_key_element(&key, ov) < 0) {
            cy_override_free(ov);
            rc = cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
            break;
        }
        /* OrderedDict semantics: a repeated key keeps its first position, takes the new value */
        size_t k = 0;
        while (k < nk && strcmp(kvs[k].key, key) != 0)
            k++;
        key_values kv = {key, NULL, 0};
        rc = expand(&kv, arena, loader, &repo, ov);
        cy_override_free(ov);
        if (rc < 0) {
            free(key);
            break;
        }
        if (k < nk) {
            free(kvs[k].key);
            kvs[k] = kv;
        } else {
            kvs[nk++] = kv;
        }
    }
    if (rc == 0) {
        const char *const **values = cy_arena_alloc(arena, (nk ? nk : 1) * sizeof *values);
        size_t *counts = cy_arena_alloc(arena, (nk ? nk : 1) * sizeof *counts);
        size_t total = 1;
        for (size_t k = 0; k < nk; k++) {
            values[k] = kvs[k].values;
            counts[k] = kvs[k].n;
            if (total && counts[k] && total > MAX_JOBS / counts[k])
                rc = cy_error_set(CY_ELIMIT, "ValueError",
                                  "The sweep has more than %u jobs; split it into smaller sweeps",
                                  MAX_JOBS);
            total *= counts[k];
        }
        out->n_keys = nk;
        out->values = values;
        out->counts = counts;
        out->n_jobs = total;
        out->batch_size = max_batch_size > 0 && (unsigned long long)max_batch_size < total
                              ? (size_t)max_batch_size
                              : total;
    }
    for (size_t k = 0; k < nk; k++)
        free(kvs[k].key);
    free(kvs);
    return rc;
}

void cy__sweeper_job(const cy__sweep_plan *plan, size_t i, const char **out) {
    /* itertools.product: the last key varies fastest */
    for (size_t k = plan->n_keys; k-- > 0;) {
        size_t c = plan->counts[k];
        out[k] = plan->values[k][i % c];
        i /= c;
    }
}
