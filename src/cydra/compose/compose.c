/*
 * compose.c - the loader and composition (Hydra's ConfigLoaderImpl.load_configuration):
 * search path set-up, hydra.searchpath, sweep checks, the defaults list, merging every config at
 * its package, struct mode, the config overrides, and the hydra node's run facts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose_internal.h"
#include "cydra/interp.h"

struct cy_loader {
    cy_searchpath *sp;
    cy_store *store;
    char *job_name;
    char *version_base;
    char *cwd; /* NULL: getcwd() at each composition */
};

/* ---------------------------------------------------------------------------------------------
 * Loader
 */

int cy_loader_new(cy_loader **out, const cy_loader_opts *opts) {
    cy_loader_opts dflt = CY_LOADER_OPTS_INIT;
    if (!opts)
        opts = &dflt;
    *out = NULL;
    cy_loader *l = calloc(1, sizeof *l);
    if (!l)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    int rc = 0;
    l->store = opts->store ? opts->store : cy_store_instance();
    if (!l->store) {
        free(l);
        return cy_error_set(CY_ENOMEM, NULL, "cannot create the config store");
    }
    if (opts->search_path) {
        rc = cy_searchpath_copy(&l->sp, opts->search_path);
    } else {
        rc = cy_searchpath_new(&l->sp);
        if (rc == 0)
            rc = cy_searchpath_append(l->sp, "hydra", "pkg://hydra.conf", NULL, NULL);
        if (rc == 0 && opts->config_dir)
            rc = cy_searchpath_append(l->sp, "main", opts->config_dir, NULL, NULL);
        if (rc == 0)
            rc = cy_searchpath_append(l->sp, "schema", "structured://", NULL, NULL);
        if (rc == 0 && opts->extra_dir) {
            char *abs = NULL;
            if (opts->extra_dir[0] == '/') {
                abs = cyc_xstrdup_or_null(opts->extra_dir);
            } else {
                char cwd[PATH_MAX];
                if (getcwd(cwd, sizeof cwd))
                    abs = malloc(strlen(cwd) + strlen(opts->extra_dir) + 2);
                if (abs)
                    sprintf(abs, "%s/%s", cwd, opts->extra_dir);
            }
            if (!abs) {
                rc = cy_error_set(CY_ENOMEM, NULL, "out of memory");
            } else {
                /* os.path.abspath normalises "a/../b" and trailing slashes */
                size_t n = strlen(abs);
                while (n > 1 && abs[n - 1] == '/')
                    abs[--n] = '\0';
                struct stat st;
                if (stat(abs, &st) != 0 || !S_ISDIR(st.st_mode)) {
                    rc = cy_error_set(CY_ENOTFOUND, "SearchPathException",
                                      "Additional config directory '%s' not found", abs);
                } else {
                    char *p = malloc(strlen(abs) + 8);
                    if (!p) {
                        rc = cy_error_set(CY_ENOMEM, NULL, "out of memory");
                    } else {
                        sprintf(p, "file://%s", abs);
                        rc = cy_searchpath_prepend(l->sp, "command-line", p, "schema", NULL);
                        free(p);
                    }
                }
                free(abs);
            }
        }
    }
    if (rc == 0) {
        l->job_name = cyc_xstrdup_or_null(opts->job_name ? opts->job_name : "app");
        l->version_base = cyc_xstrdup_or_null(opts->version_base ? opts->version_base : "1.3");
        l->cwd = cyc_xstrdup_or_null(opts->cwd);
        if (!l->job_name || !l->version_base || (opts->cwd && !l->cwd))
            rc = cy_error_set(CY_ENOMEM, NULL, "out of memory");
    }
    if (rc < 0) {
        cy_loader_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

void cy_loader_free(cy_loader *l) {
    if (!l)
        return;
    cy_searchpath_free(l->sp);
    free(l->job_name);
    free(l->version_base);
    free(l->cwd);
    free(l);
}

const cy_searchpath *cy_loader_searchpath(const cy_loader *l) {
    return l->sp;
}

cy_store *cy_loader_store(const cy_loader *l) {
    return l->store;
}

/* A repository over sp, whose structured:// sources read the loader's store. */
static int make_repo(cy_repo **out, cy_arena *a, cy_loader *l, const cy_searchpath *sp,
                     parr *warnings) {
    cy_repo *r = cy_arena_alloc(a, sizeof *r);
    int rc = cyc_repo_init(r, a, sp);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n_sources; i++)
        if (r->sources[i].kind == SRC_STRUCTURED)
            r->sources[i].store = l->store;
    r->warnings = warnings;
    *out = r;
    return 0;
}

int cy_loader_repo(cy_repo **out, cy_arena *arena, cy_loader *loader) {
    return make_repo(out, arena, loader, loader->sp, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Checks before composing
 */

static int ensure_main_source_available(cy_repo *r) {
    for (size_t i = 0; i < r->n_sources; i++) {
        source *s = &r->sources[i];
        if (strcmp(s->provider, "main") != 0 || cyc_source_available(s))
            continue;
        if (s->kind == SRC_PKG) {
            if (!s->path[0])
                return cy_error_set(CY_ENOTFOUND, "MissingConfigException",
                                    "Primary config module is empty.\nPython requires resources "
                                    "to be in a module with an __init__.py file");
            return cy_error_set(CY_ENOTFOUND, "MissingConfigException",
                                "Primary config module '%s' not found.\nCheck that it's correct "
                                "and contains an __init__.py file",
                                s->path);
        }
        return cy_error_set(CY_ENOTFOUND, "MissingConfigException",
                            "Primary config directory not found.\nCheck that the config "
                            "directory '%s' exists and readable",
                            s->path);
    }
    return 0;
}

static int validate_sweeps(ovr *ov, size_t n, cy_run_mode mode, bool from_shell) {
    for (size_t i = 0; i < n; i++) {
        ovr *o = &ov[i];
        if (!ovr_is_sweep(o))
            continue;
        if (mode == CY_MODE_MULTIRUN) {
            if (cyc_ovr_is_hydra(o))
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "Sweeping over Hydra's configuration is not supported : '%s'",
                                    o->input_line);
        } else if (o->value_type == OVR_VALUE_SIMPLE_SWEEP) {
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "Ambiguous value for argument '%s'\n1. To use it as a list, use "
                                "key=[value1,value2]\n2. To use it as string, quote the value: "
                                "%s\n3. To sweep over it, add --multirun to your command line",
                                o->input_line,
                                from_shell ? "key=\\'value1,value2\\'" : "key='value1,value2'");
        } else {
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "Sweep parameters '%s' requires --multirun", o->input_line);
        }
    }
    return 0;
}

/* _process_config_searchpath: hydra.searchpath from the command line or the primary config. */
static int process_searchpath(cy_repo **repo, cy_arena *a, cy_loader *l, const char *config_name,
                              ovr *ov, size_t n, parr *warnings) {
    const cy_node *primary = NULL;
    if (config_name) {
        loaded_config *lc;
        int rc = cyc_repo_load(&lc, *repo, config_name);
        if (rc < 0)
            return rc;
        if (lc->found)
            primary = lc->res.config;
    }
    if (primary && primary->kind != CY_DICT)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "primary config '%s' must be a DictConfig, got %s", config_name,
                            primary->kind == CY_LIST ? "ListConfig" : cy_node_pytype(primary));

    const cy_node *override = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ov[i].type == OVR_CHANGE && !ov[i].package &&
            strcmp(ov[i].key, "hydra.searchpath") == 0) {
            override = ov[i].value ? ov[i].value : NULL;
            if (!override) {
                /* a sweep or no value: Hydra uses it as it is and fails the list check */
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "hydra.searchpath must be a list of strings. Got: %s",
                                    ov[i].input_line);
            }
            break;
        }
    }
    const cy_node *sp = NULL;
    const char *provider;
    if (override) {
        sp = override;
        provider = "hydra.searchpath in command-line";
    } else {
        provider = "hydra.searchpath in main";
        if (primary) {
            const cy_node *h = cy_dict_get(primary, "hydra");
            if (h && h->kind == CY_DICT)
                sp = cy_dict_get(h, "searchpath");
        }
    }
    if (!sp || sp->kind == CY_NULL)
        return 0;
    bool ok = sp->kind == CY_LIST;
    for (size_t i = 0; ok && i < cy_node_len(sp); i++) {
        const cy_node *e = cy_node_child(sp, i);
        if (e->kind == CY_INTERP) {
            const cy_node *res;
            if (cy_node_resolve(e, &res) < 0)
                return cy_error_last()->code;
            e = res;
        }
        if (e->kind != CY_STR)
            ok = false;
    }
    if (!ok)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "hydra.searchpath must be a list of strings. Got: %s",
                            cy_node_pystr(sp));

    cy_searchpath *nsp;
    int rc = cy_searchpath_copy(&nsp, l->sp);
    if (rc < 0)
        return rc;
    /* the schema source stays last */
    size_t len = cy_searchpath_len(nsp);
    cy_searchpath *rebuilt;
    if ((rc = cy_searchpath_new(&rebuilt)) < 0) {
        cy_searchpath_free(nsp);
        return rc;
    }
    for (size_t i = 0; rc == 0 && i + 1 < len; i++)
        rc = cy_searchpath_append(rebuilt, cy_searchpath_provider(nsp, i),
                                  cy_searchpath_path(nsp, i), NULL, NULL);
    for (size_t i = 0; rc == 0 && i < cy_node_len(sp); i++) {
        const cy_node *e = cy_node_child(sp, i);
        const cy_node *res = e;
        if (e->kind == CY_INTERP)
            cy_node_resolve(e, &res);
        rc = cy_searchpath_append(rebuilt, provider, res->v.str.s, NULL, NULL);
    }
    if (rc == 0)
        rc = cy_searchpath_append(rebuilt, "schema", "structured://", NULL, NULL);
    cy_searchpath_free(nsp);
    if (rc < 0) {
        cy_searchpath_free(rebuilt);
        return rc;
    }
    cy_repo *old = *repo;
    cy_repo *r;
    rc = make_repo(&r, a, l, rebuilt, warnings);
    cy_searchpath_free(rebuilt);
    if (rc < 0)
        return rc;
    /* the cache is kept: it holds the primary config, loaded before */
    r->cache = old->cache;
    for (size_t i = 0; i < r->n_sources; i++) {
        source *s = &r->sources[i];
        if (!cyc_source_available(s) && warnings)
            cyc_parr_push(a, warnings,
                          (void *)cy_arena_printf(a, "provider=%s, path=%s is not available.",
                                                  s->provider, s->path));
    }
    *repo = r;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Merging the defaults list
 */

static int force_delete_key(cy_node *dict, const char *key) {
    int8_t s = dict->flags[CY_FLAG_STRUCT], r = dict->flags[CY_FLAG_READONLY];
    cy_node_set_flag(dict, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_node_set_flag(dict, CY_FLAG_READONLY, CY_FLAG_FALSE);
    int rc = cy_node_delete(dict, key);
    cy_node_set_flag(dict, CY_FLAG_STRUCT, s);
    cy_node_set_flag(dict, CY_FLAG_READONLY, r);
    return rc;
}

/* The dict at a dotted package path under root, or NULL. */
static cy_node *node_at(cy_node *root, const char *package) {
    cy_node *cur = root;
    const char *p = package;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (len >= sizeof key || cur->kind != CY_DICT)
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        cur = cy_dict_get(cur, key);
        p += len;
        if (*p == '.')
            p++;
    }
    return cur;
}

/* Wraps cfg into nested dicts along package ("a.b" -> {a: {b: cfg}}). */
static cy_node *embed(cy_arena *a, cy_node *cfg, const char *package) {
    if (!package[0])
        return cfg;
    cy_node *root = cy_new_dict(a);
    cy_node *cur = root;
    const char *p = package;
    for (;;) {
        const char *dot = strchr(p, '.');
        if (!dot) {
            cy_dict_put(cur, cy_arena_strdup(a, p), cfg);
            break;
        }
        cy_node *next = cy_new_dict(a);
        cy_dict_put(cur, cy_arena_strndup(a, p, (size_t)(dot - p)), next);
        cur = next;
        p = dot + 1;
    }
    return root;
}

/* Re-raises the current error as a composition error whose message embeds its whole text. */
static int rethrow_with(const char *fmt_head, const char *path) {
    const cy_error *e = cy_error_last();
    const char *exc = e->exc ? e->exc : "OmegaConfBaseException";
    char *text = cy_error_text(e);
    char *exc_copy = cyc_xstrdup_or_null(exc);
    cy_error_set(CY_ECOMPOSE, "ConfigCompositionException", fmt_head, path,
                 exc_copy ? exc_copy : "Exception", text ? text : "");
    free(text);
    free(exc_copy);
    return CY_ECOMPOSE;
}

/* _load_single_config's automatic schema matching (deprecated in Hydra, still done in 1.3). */
static int match_schema(cy_arena *a, cy_repo *r, loaded_config *lc, const cy_result_default *d,
                        parr *warnings) {
    source *schema_src = cyc_repo_schema_source(r);
    if (!schema_src || lc->res.is_schema_source ||
        !cyc_source_is_config(schema_src, a, d->config_path))
        return 0;
    config_result schema;
    int rc = cyc_source_load(&schema, a, schema_src, d->config_path);
    if (rc < 0)
        return 0; /* ConfigLoadError: ignored */
    static const char url[] =
        "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/automatic_schema_matching";
    if (schema.config->kind == CY_DICT && cy_dict_get(schema.config, "defaults"))
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "'%s' is validated against ConfigStore schema with the same name.\n"
                            "This behavior is deprecated in Hydra 1.1 and will be removed in "
                            "Hydra 1.2.\nIn addition, the automatically matched schema contains "
                            "a defaults list.\nThis combination is no longer supported.\nSee %s "
                            "for migration instructions.",
                            d->config_path, url);
    if (warnings)
        cyc_parr_push(
            a, warnings,
            (void *)cy_arena_printf(
                a,
                "\n'%s' is validated against ConfigStore schema with the same name.\nThis "
                "behavior is deprecated in Hydra 1.1 and will be removed in Hydra 1.2.\nSee "
                "%s for migration instructions.",
                d->config_path, url));
    cy_node *config = lc->res.config;
    cy_node *hydra = NULL;
    bool hydra_group = strncmp(d->config_path, "hydra/", 6) == 0;
    if (d->primary && config->kind == CY_DICT && cy_dict_get(config, "hydra") && !hydra_group) {
        hydra = cy_node_copy(a, cy_dict_get(config, "hydra"));
        config = cy_node_copy(a, config);
        if ((rc = force_delete_key(config, "hydra")) < 0)
            return rc;
    }
    const cy_node *parts[2] = {schema.config, config};
    cy_node *merged;
    if ((rc = cy_merge_new(&merged, a, parts, 2)) < 0) {
        cy_error_wrap("Error merging '%s' with schema", d->config_path);
        cy_error_set_exc("ConfigCompositionException");
        return rc;
    }
    if (hydra) {
        int8_t s = merged->flags[CY_FLAG_STRUCT];
        cy_node_set_flag(merged, CY_FLAG_STRUCT, CY_FLAG_FALSE);
        rc = cy_node_set(merged, "hydra", hydra);
        cy_node_set_flag(merged, CY_FLAG_STRUCT, s);
        if (rc < 0)
            return rc;
    }
    lc->res.config = merged;
    return 0;
}

static int compose_from_defaults(cy_node **out, cy_arena *a, cy_repo *r, const cy_defaults *dl,
                                 parr *warnings) {
    cy_node *cfg = cy_new_dict(a);
    parr strip = {0}; /* packages of structured configs that kept their `defaults` field */
    for (size_t i = 0; i < dl->len; i++) {
        const cy_result_default *d = &dl->list[i];
        loaded_config *lc;
        int rc = cyc_repo_load(&lc, r, d->config_path);
        if (rc < 0)
            return rc;
        if (!lc->found)
            return cy_error_set(CY_ENOTFOUND, "MissingConfigException", "Cannot load config '%s'",
                                d->config_path);
        if ((rc = match_schema(a, r, lc, d, warnings)) < 0)
            return rc;
        const char *package = d->package;
        cy_node *src = lc->res.config;
        /* the loaded tree is this composition's own: it is wrapped as it is the first time and
         * copied only when a config is merged at a second package */
        if (package[0])
            src = embed(a, src->parent ? cy_node_copy(a, src) : src, package);
        if (!d->primary && strcmp(d->config_path, "hydra/config") != 0 && src->kind == CY_DICT) {
            const cy_node *h = cy_dict_get(src, "hydra");
            const cy_node *s = h && h->kind == CY_DICT ? cy_dict_get(h, "searchpath") : NULL;
            if (s && s->kind != CY_NULL)
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "In '%s': Overriding hydra.searchpath is only supported from "
                                    "the primary config",
                                    d->config_path);
        }
        if ((rc = cy_merge(cfg, src)) < 0)
            return rethrow_with("In '%s': %s raised while composing config:\n%s", d->config_path);
        if (lc->typed_defaults)
            cyc_parr_push(a, &strip, (void *)package);
    }
    /* strip_defaults: structured configs keep their defaults list until the end */
    for (size_t i = 0; i < strip.len; i++) {
        cy_node *n = node_at(cfg, strip.v[i]);
        if (n && n->kind == CY_DICT && cy_dict_get(n, "defaults")) {
            int rc = force_delete_key(n, "defaults");
            if (rc < 0)
                return rc;
        }
    }
    *out = cfg;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Config overrides
 */

/* Python's == between the values of two nodes (1 == 1.0 == True, dicts by content). */
static bool py_equal(const cy_node *x, const cy_node *y) {
    bool xn = x->kind == CY_BOOL || x->kind == CY_INT || x->kind == CY_FLOAT;
    bool yn = y->kind == CY_BOOL || y->kind == CY_INT || y->kind == CY_FLOAT;
    if (xn && yn) {
        if (x->kind == CY_FLOAT || y->kind == CY_FLOAT) {
            double a = x->kind == CY_FLOAT ? x->v.f : x->kind == CY_INT ? (double)x->v.i : x->v.b;
            double b = y->kind == CY_FLOAT ? y->v.f : y->kind == CY_INT ? (double)y->v.i : y->v.b;
            return a == b;
        }
        int64_t a = x->kind == CY_INT ? x->v.i : x->v.b;
        int64_t b = y->kind == CY_INT ? y->v.i : y->v.b;
        return a == b;
    }
    bool xs = x->kind == CY_STR || x->kind == CY_INTERP || x->kind == CY_ENUM;
    bool ys = y->kind == CY_STR || y->kind == CY_INTERP || y->kind == CY_ENUM;
    if (xs && ys)
        return strcmp(x->v.str.s, y->v.str.s) == 0;
    if (x->kind == CY_NULL || y->kind == CY_NULL)
        return x->kind == y->kind;
    if (x->kind == CY_LIST && y->kind == CY_LIST) {
        if (cy_node_len(x) != cy_node_len(y))
            return false;
        for (size_t i = 0; i < cy_node_len(x); i++)
            if (!py_equal(cy_node_child(x, i), cy_node_child(y, i)))
                return false;
        return true;
    }
    if (x->kind == CY_DICT && y->kind == CY_DICT) {
        if (cy_node_len(x) != cy_node_len(y))
            return false;
        for (size_t i = 0; i < cy_node_len(x); i++) {
            const cy_node *c = cy_node_child(x, i);
            const cy_node *o = cy_dict_get(y, c->key);
            if (!o || !py_equal(c, o))
                return false;
        }
        return true;
    }
    return false;
}

/* Suggests the closest existing dotted key for a key that is not in cfg. */
static const char *suggest_key(cy_arena *a, const cy_node *cfg, const char *key, cy_repo *repo) {
    const cy_node *cur = cfg;
    const char *p = key;
    cy_sbuf prefix = {0};
    const char *result = NULL;
    while (cur && cur->kind == CY_DICT && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        char *seg = cy_arena_strndup(a, p, len);
        if (strchr(seg, '[')) /* list indices: no suggestion */
            break;
        const cy_node *child = cy_dict_get(cur, seg);
        if (!child) {
            parr cands = {0};
            for (size_t i = 0; i < cy_node_len(cur); i++) {
                const cy_node *c = cy_node_child(cur, i);
                if (c->key)
                    cyc_parr_push(a, &cands, (void *)c->key);
            }
            if (cur == cfg && repo) {
                const char **groups;
                size_t ng;
                if (cy_repo_all_groups(&groups, &ng, a, repo) == 0)
                    for (size_t i = 0; i < ng; i++)
                        cyc_parr_push(a, &cands, (void *)groups[i]);
            }
            const char *best = cy_suggest_closest(seg, (const char *const *)cands.v, cands.len);
            if (best)
                result = cy_arena_printf(a, "%s%s%s%s", prefix.s ? prefix.s : "", best,
                                         dot ? "." : "", dot ? dot + 1 : "");
            break;
        }
        cy__sb_putn(&prefix, p, len);
        cy__sb_puts(&prefix, ".");
        cur = child;
        p += len;
        if (*p == '.')
            p++;
    }
    cy__sb_free(&prefix);
    return result;
}

static int apply_overrides(cy_node *cfg, cy_arena *a, ovr **list, size_t n, cy_repo *repo) {
    for (size_t i = 0; i < n; i++) {
        ovr *o = list[i];
        if (o->package)
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "Override %s looks like a config group override, but config "
                                "group '%s' does not exist.",
                                o->input_line, o->key);
        const char *key = o->key;
        const cy_node *value = o->value;
        int rc = 0;
        if (o->type == OVR_DEL) {
            const cy_node *cur = NULL;
            rc = cy_select(cfg, key, &cur, 0);
            if (rc == 0) {
                if (!cur || cur->kind == CY_NULL) {
                    cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                 "Could not delete from config. '%s' does not exist.", key);
                    cyc_error_add_hint(suggest_key(a, cfg, key, NULL));
                    return CY_ECOMPOSE;
                }
                if (value && value->kind != CY_NULL && !py_equal(value, cur))
                    return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                        "Could not delete from config. The value of '%s' is %s "
                                        "and not %s.",
                                        key, cy_node_pystr(cur), cy_node_pystr(value));
                const char *dot = strrchr(key, '.');
                int8_t s = cfg->flags[CY_FLAG_STRUCT];
                cy_node_set_flag(cfg, CY_FLAG_STRUCT, CY_FLAG_FALSE);
                if (!dot) {
                    rc = cy_node_delete(cfg, key);
                } else {
                    const cy_node *parent = NULL;
                    char *pk = cy_arena_strndup(a, key, (size_t)(dot - key));
                    rc = cy_select(cfg, pk, &parent, 0);
                    if (rc == 0 && parent)
                        rc = cy_node_delete((cy_node *)parent, dot + 1);
                }
                cy_node_set_flag(cfg, CY_FLAG_STRUCT, s);
            }
        } else if (o->type == OVR_ADD) {
            const cy_node *cur = NULL;
            rc = cy_select(cfg, key, &cur, 0);
            if (rc == 0) {
                bool container = value && (value->kind == CY_DICT || value->kind == CY_LIST);
                if (!cur || cur->kind == CY_NULL || container)
                    rc = cy_update(cfg, key, value, CY_UPDATE_MERGE | CY_UPDATE_FORCE_ADD);
                else
                    return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                        "Could not append to config. An item is already at "
                                        "'%s'.\nEither remove + prefix: '%s'\nOr add a second + "
                                        "to add or override '%s': '+%s'\n",
                                        key, o->input_line + 1, key, o->input_line);
            }
        } else if (o->type == OVR_FORCE_ADD) {
            rc = cy_update(cfg, key, value, CY_UPDATE_MERGE | CY_UPDATE_FORCE_ADD);
        } else {
            rc = cy_update(cfg, key, value, CY_UPDATE_MERGE);
            if (rc == CY_EKEY) {
                cy_error_wrap("Could not override '%s'.\nTo append to your config use +%s", key,
                              o->input_line);
                cy_error_set_exc("ConfigCompositionException");
                cyc_error_add_hint(suggest_key(a, cfg, key, repo));
                return rc;
            }
        }
        if (rc < 0) {
            cy_error_wrap("Error merging override %s", o->input_line);
            cy_error_set_exc("ConfigCompositionException");
            return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The hydra node
 */

static int set_str(cy_node *dict, const char *key, const char *s) {
    cy_arena *a = dict->arena;
    int rc = cy_node_set(dict, key, s ? cy_new_str(a, s) : cy_new_null(a));
    if (rc < 0)
        cy_error_wrap("Cannot set hydra field '%s'", key);
    return rc;
}

static cy_node *child_dict(cy_node *d, const char *key) {
    cy_node *c = d ? cy_dict_get(d, key) : NULL;
    return c && c->kind == CY_DICT ? c : NULL;
}

/* Reads a string setting, resolving interpolations. */
static const char *get_setting(const cy_node *n, const char *dflt) {
    if (!n)
        return dflt;
    const cy_node *v = n;
    if (n->kind == CY_INTERP && cy_node_resolve(n, &v) < 0)
        return dflt;
    if (v->kind == CY_STR)
        return v->v.str.s;
    return dflt;
}

const char *cy_override_dirname(cy_arena *a, const char *const *lines, const char *const *keys,
                                size_t n, const char *kv_sep, const char *item_sep,
                                const char *const *exclude, size_t n_exclude) {
    const char **v = cy_arena_alloc(a, (n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool skip = false;
        for (size_t j = 0; j < n_exclude; j++)
            if (strcmp(keys[i], exclude[j]) == 0)
                skip = true;
        if (!skip)
            v[m++] = lines[i];
    }
    /* lines.sort(): a stable sort that keeps duplicates */
    for (size_t i = 1; i < m; i++) {
        const char *x = v[i];
        size_t j = i;
        while (j > 0 && strcmp(v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    /* item_sep.join(lines), then every '=' of the joined text replaced by kv_sep */
    cy_sbuf b = {0};
    for (size_t i = 0; i < m; i++) {
        if (i)
            cy__sb_puts(&b, item_sep);
        cy__sb_puts(&b, v[i]);
    }
    cy_sbuf c = {0};
    for (const char *p = b.s ? b.s : ""; *p; p++) {
        if (*p == '=')
            cy__sb_puts(&c, kv_sep);
        else
            cy__sb_putn(&c, p, 1);
    }
    const char *r = cy_arena_strdup(a, c.s ? c.s : "");
    cy__sb_free(&b);
    cy__sb_free(&c);
    return r;
}

static int fill_hydra(cy_node *cfg, cy_arena *a, cy_loader *l, const char *config_name, ovr *ov,
                      size_t n, const defaults_result *dr, cy_repo *repo,
                      cy_source_info **infos_out, size_t *n_infos) {
    cy_node *hydra = child_dict(cfg, "hydra");
    if (!hydra)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "The composed config has no 'hydra' node");
    int rc;
    cy_node *overrides = child_dict(hydra, "overrides");
    cy_node *ohydra = overrides ? cy_dict_get(overrides, "hydra") : NULL;
    cy_node *otask = overrides ? cy_dict_get(overrides, "task") : NULL;
    const char **app_lines = cy_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    const char **app_keys = cy_arena_alloc(a, (n ? n : 1) * sizeof(char *));
    size_t n_app = 0;
    for (size_t i = 0; i < n; i++) {
        cy_node *target = cyc_ovr_is_hydra(&ov[i]) ? ohydra : otask;
        if (!target)
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "hydra.overrides is missing from the composed config");
        if ((rc = cy_list_append(target, cy_new_str(a, ov[i].input_line))) < 0)
            return rc;
        if (!cyc_ovr_is_hydra(&ov[i])) {
            app_lines[n_app] = ov[i].input_line;
            app_keys[n_app++] = ov[i].key;
        }
    }

    cy_node *runtime = child_dict(hydra, "runtime");
    cy_node *job = child_dict(hydra, "job");
    if (!runtime || !job)
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "hydra.runtime or hydra.job is missing from the composed config");

    /* with open_dict(cfg.hydra): choices and env_set take new keys */
    int8_t hs = hydra->flags[CY_FLAG_STRUCT];
    cy_node_set_flag(hydra, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_node *choices = cy_dict_get(runtime, "choices");
    rc = 0;
    if (choices && choices->kind == CY_DICT) {
        for (size_t i = 0; rc == 0 && i < dr->n_choices; i++)
            rc = set_str(choices, dr->choice_keys[i], dr->choice_values[i]);
    }
    cy_node *env_copy = cy_dict_get(job, "env_copy");
    cy_node *env_set = cy_dict_get(job, "env_set");
    for (size_t i = 0; rc == 0 && env_copy && i < cy_node_len(env_copy); i++) {
        const char *name = get_setting(cy_node_child(env_copy, i), NULL);
        if (!name)
            continue;
        const char *val = getenv(name);
        if (!val)
            rc = cy_error_set(CY_EKEY, "KeyError",
                              "Environment variable '%s' from hydra.job.env_copy is not set", name);
        else if (env_set)
            rc = set_str(env_set, name, val);
    }
    cy_node_set_flag(hydra, CY_FLAG_STRUCT, hs);
    if (rc < 0)
        return rc;

    if ((rc = set_str(runtime, "version", CY_HYDRA_VERSION)) < 0 ||
        (rc = set_str(runtime, "version_base", l->version_base)) < 0)
        return rc;
    char cwd[PATH_MAX];
    const char *wd = l->cwd;
    if (!wd)
        wd = getcwd(cwd, sizeof cwd) ? cwd : "";
    if ((rc = set_str(runtime, "cwd", wd)) < 0)
        return rc;

    cy_source_info *infos =
        cy_arena_alloc(a, (repo->n_sources ? repo->n_sources : 1) * sizeof *infos);
    cy_node *srcs = cy_new_list(a);
    for (size_t i = 0; i < repo->n_sources; i++) {
        source *s = &repo->sources[i];
        infos[i] = (cy_source_info){s->provider, s->scheme, s->path};
        cy_node *e;
        if ((rc = cyc_hydra_source_info(&e, a, s->path, s->scheme, s->provider)) < 0)
            return rc;
        cy_list_push(srcs, e);
    }
    *infos_out = infos;
    *n_infos = repo->n_sources;
    if ((rc = cy_node_set(runtime, "config_sources", srcs)) < 0)
        return rc;

    /* "name" not in cfg.hydra.job: missing, or an interpolation to something missing */
    cy_node *name = cy_dict_get(job, "name");
    bool has_name = name != NULL && name->kind != CY_MISSING;
    if (has_name && name->kind == CY_INTERP) {
        const cy_node *res;
        if (cy_node_resolve(name, &res) < 0) {
            has_name = cy_error_last()->code != CY_EMISSING;
            cy_error_clear();
        }
    }
    if (!has_name && (rc = set_str(job, "name", l->job_name)) < 0)
        return rc;

    cy_node *od = child_dict(child_dict(job, "config"), "override_dirname");
    const char *kv_sep = get_setting(od ? cy_dict_get(od, "kv_sep") : NULL, "=");
    const char *item_sep = get_setting(od ? cy_dict_get(od, "item_sep") : NULL, ",");
    cy_node *ex = od ? cy_dict_get(od, "exclude_keys") : NULL;
    size_t n_ex = ex && ex->kind == CY_LIST ? cy_node_len(ex) : 0;
    const char **exclude = cy_arena_alloc(a, (n_ex ? n_ex : 1) * sizeof *exclude);
    for (size_t i = 0; i < n_ex; i++)
        exclude[i] = get_setting(cy_node_child(ex, i), "");
    const char *dirname =
        cy_override_dirname(a, app_lines, app_keys, n_app, kv_sep, item_sep, exclude, n_ex);
    if ((rc = set_str(job, "override_dirname", dirname)) < 0 ||
        (rc = set_str(job, "config_name", config_name)) < 0)
        return rc;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Entry points
 */

typedef struct run_opts {
    const char *config_name;
    ovr *ov;
    size_t n;
    cy_run_mode mode;
    bool from_shell, validate_sweeps, no_hydra, defaults_only;
} run_opts;

static int run(cy_composed *out, const cy_defaults **defaults_out, cy_arena *a, cy_loader *l,
               const run_opts *o, const char *const *lines) {
    parr *warnings = cy_arena_alloc(a, sizeof *warnings);
    cy_repo *repo;
    int rc = make_repo(&repo, a, l, l->sp, warnings);
    if (rc < 0)
        return rc;
    if (!o->defaults_only && (rc = ensure_main_source_available(repo)) < 0)
        return rc;
    ovr *ov = o->ov;
    if (!ov && (rc = cyc_ovr_parse_all(&ov, a, lines, o->n)) < 0)
        return rc;
    if ((rc = process_searchpath(&repo, a, l, o->config_name, ov, o->n, warnings)) < 0)
        return rc;
    if (!o->defaults_only && o->validate_sweeps &&
        (rc = validate_sweeps(ov, o->n, o->mode, o->from_shell)) < 0)
        return rc;

    defaults_result *dr = cy_arena_alloc(a, sizeof *dr);
    if ((rc = cyc_defaults_create(dr, a, repo, o->config_name, ov, o->n, !o->no_hydra,
                                  o->mode == CY_MODE_MULTIRUN)) < 0)
        return rc;
    if (defaults_out)
        *defaults_out = &dr->pub;
    if (o->defaults_only)
        return 0;

    cy_node *cfg = NULL;
    if ((rc = compose_from_defaults(&cfg, a, repo, &dr->pub, warnings)) < 0)
        return rc;
    cy_node_set_flag(cfg, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    cy_node *hydra = child_dict(cfg, "hydra");
    if (hydra)
        cy_node_set_flag(hydra, CY_FLAG_READONLY, CY_FLAG_FALSE);
    if ((rc = apply_overrides(cfg, a, dr->config_overrides, dr->n_config_overrides, repo)) < 0)
        return rc;

    cy_source_info *infos = NULL;
    size_t n_infos = 0;
    if (!o->no_hydra) {
        if ((rc = fill_hydra(cfg, a, l, o->config_name, ov, o->n, dr, repo, &infos, &n_infos)) < 0)
            return rc;
    } else {
        infos = cy_arena_alloc(a, (repo->n_sources ? repo->n_sources : 1) * sizeof *infos);
        for (size_t i = 0; i < repo->n_sources; i++)
            infos[i] = (cy_source_info){repo->sources[i].provider, repo->sources[i].scheme,
                                        repo->sources[i].path};
        n_infos = repo->n_sources;
    }
    out->cfg = cfg;
    out->defaults = &dr->pub;
    out->sources = infos;
    out->n_sources = n_infos;
    out->repo = repo;
    out->warnings = (const char *const *)warnings->v;
    out->n_warnings = warnings->len;
    return 0;
}

int cy_compose(cy_composed *out, cy_arena *arena, cy_loader *loader, const cy_compose_opts *opts) {
    cy_compose_opts dflt = CY_COMPOSE_OPTS_INIT;
    if (!opts)
        opts = &dflt;
    memset(out, 0, sizeof *out);
    run_opts o = {opts->config_name, NULL,
                  opts->n_overrides, opts->mode,
                  opts->from_shell,  opts->validate_sweeps,
                  opts->no_hydra,    false};
    return run(out, NULL, arena, loader, &o, opts->overrides);
}

int cy_compose_defaults(const cy_defaults **out, cy_arena *arena, cy_loader *loader,
                        const cy_compose_opts *opts) {
    cy_compose_opts dflt = CY_COMPOSE_OPTS_INIT;
    if (!opts)
        opts = &dflt;
    cy_composed unused;
    memset(&unused, 0, sizeof unused);
    run_opts o = {opts->config_name, NULL,
                  opts->n_overrides, opts->mode,
                  opts->from_shell,  opts->validate_sweeps,
                  opts->no_hydra,    true};
    return run(&unused, out, arena, loader, &o, opts->overrides);
}

int cy__compose_parsed(cy_composed *out, cy_arena *arena, cy_loader *loader,
                       const char *config_name, ovr *ov, size_t n, cy_run_mode mode,
                       bool no_hydra) {
    memset(out, 0, sizeof *out);
    run_opts o = {config_name, ov, n, mode, true, true, no_hydra, false};
    return run(out, NULL, arena, loader, &o, NULL);
}

int cy_compose_sweep_job(cy_composed *out, cy_arena *arena, cy_loader *loader,
                         const cy_node *master, const char *const *job_overrides, size_t n) {
    const cy_node *hydra = master ? cy_dict_get(master, "hydra") : NULL;
    const cy_node *job = hydra ? cy_dict_get(hydra, "job") : NULL;
    const cy_node *ovs = hydra ? cy_dict_get(hydra, "overrides") : NULL;
    const cy_node *oh = ovs ? cy_dict_get(ovs, "hydra") : NULL;
    if (!job || !oh)
        return cy_error_set(CY_ERROR, "ValueError",
                            "the master config of a sweep needs hydra.job and hydra.overrides");
    const cy_node *cn = cy_dict_get(job, "config_name");
    const char *config_name = cn && cn->kind == CY_STR ? cn->v.str.s : NULL;
    size_t nh = cy_node_len(oh);
    const char **all = cy_arena_alloc(arena, (nh + n + 1) * sizeof *all);
    for (size_t i = 0; i < nh; i++) {
        const cy_node *e = cy_node_child(oh, i);
        all[i] = (e->kind == CY_STR || e->kind == CY_INTERP) ? e->v.str.s : cy_node_pystr(e);
    }
    for (size_t i = 0; i < n; i++)
        all[nh + i] = job_overrides[i];
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = config_name;
    co.overrides = all;
    co.n_overrides = nh + n;
    co.mode = CY_MODE_RUN;
    return cy_compose(out, arena, loader, &co);
}
