/*
 * repo.c - the repository: the config sources of a search path, queried in order, with every
 * loaded config cached for the composition (Hydra's ConfigRepository wrapped in its
 * CachingConfigRepository), and the parsing of a config's `defaults` list into defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"

int cyc_repo_init(cy_repo *r, cy_arena *a, const cy_searchpath *sp) {
    memset(r, 0, sizeof *r);
    r->arena = a;
    size_t n = cy_searchpath_len(sp);
    r->sources = cy_arena_alloc(a, (n ? n : 1) * sizeof *r->sources);
    for (size_t i = 0; i < n; i++) {
        int rc = cyc_source_init(&r->sources[i], a, cy_searchpath_provider(sp, i),
                                 cy_searchpath_path(sp, i));
        if (rc < 0)
            return rc;
    }
    r->n_sources = n;
    return 0;
}

source *cyc_repo_schema_source(cy_repo *r) {
    if (r->n_sources == 0)
        return NULL;
    source *s = &r->sources[r->n_sources - 1];
    if (s->kind != SRC_STRUCTURED || strcmp(s->provider, "schema") != 0)
        return NULL;
    return s;
}

bool cyc_repo_config_exists(cy_repo *r, const char *config_path) {
    for (size_t i = 0; i < r->n_sources; i++)
        if (cyc_source_is_config(&r->sources[i], r->arena, config_path))
            return true;
    return false;
}

bool cyc_repo_group_exists(cy_repo *r, const char *config_path) {
    for (size_t i = 0; i < r->n_sources; i++)
        if (cyc_source_is_group(&r->sources[i], r->arena, config_path))
            return true;
    return false;
}

bool cy_repo_group_exists(cy_repo *r, const char *group) {
    return cyc_repo_group_exists(r, group);
}

int cyc_repo_group_options(const char ***out, size_t *n, cy_repo *r, const char *group,
                           cy_object_type filter) {
    parr all = {0};
    for (size_t i = 0; i < r->n_sources; i++) {
        source *s = &r->sources[i];
        if (!cyc_source_is_group(s, r->arena, group))
            continue;
        const char **names;
        size_t cnt;
        int rc = cyc_source_list(&names, &cnt, r->arena, s, group, filter);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < cnt; j++)
            cyc_parr_push(r->arena, &all, (void *)names[j]);
    }
    *out = (const char **)all.v;
    *n = cyc_sort_unique((const char **)all.v, all.len);
    if (!*out)
        *out = cy_arena_alloc(r->arena, sizeof **out);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Defaults list parsing (ConfigRepository._create_defaults_list)
 */

/* Python's type name of a value as it comes out of a ListConfig iteration / node._value(). */
static const char *value_type_name(const cy_node *n) {
    switch (n->kind) {
    case CY_NULL:
        return "NoneType";
    case CY_BOOL:
        return "bool";
    case CY_INT:
        return "int";
    case CY_FLOAT:
        return "float";
    case CY_MISSING:
    case CY_INTERP:
    case CY_STR:
        return "str";
    case CY_ENUM:
        return cy_node_type_name(n);
    case CY_DICT:
        return "DictConfig";
    case CY_LIST:
        return "ListConfig";
    }
    return "object";
}

/* The text of a string-like value node (str, interpolation, ???), or NULL. */
static const char *str_value(const cy_node *n) {
    switch (n->kind) {
    case CY_STR:
    case CY_INTERP:
        return n->v.str.s;
    case CY_MISSING:
        return "???";
    default:
        return NULL;
    }
}

/* Hydra's _split_group: "group@pkg:pkg2" -> group, pkg (pkg2, the legacy rename, is dropped). */
static void split_group(cy_arena *a, const char *s, const char **group, const char **package) {
    const char *at = strchr(s, '@');
    if (!at) {
        *group = s;
        *package = NULL;
        return;
    }
    *group = cy_arena_strndup(a, s, (size_t)(at - s));
    const char *pkg = at + 1;
    const char *colon = strchr(pkg, ':');
    *package = colon ? cy_arena_strndup(a, pkg, (size_t)(colon - pkg)) : pkg;
}

/* Python's str() of a defaults-list item dict, for "Too many keys in default item ...". */
static const char *item_str(const cy_node *item) {
    return cy_node_pystr(item);
}

static int parse_item(dflt **out, cy_arena *a, const char *config_path, const cy_node *item) {
    dflt *d = cy_arena_alloc(a, sizeof *d);
    if (item->kind == CY_DICT) {
        size_t nk = cy_node_len(item);
        if (nk > 1)
            return cy_error_set(CY_ERROR, "ValueError", "In %s: Too many keys in default item %s",
                                config_path, item_str(item));
        if (nk == 0)
            return cy_error_set(CY_ERROR, "ValueError", "In %s: Missing group name in %s",
                                config_path, item_str(item));
        const cy_node *vn = cy_node_child(item, 0);
        const char *key = vn->key;
        const char *group_kw, *package;
        split_group(a, key, &group_kw, &package);

        /* keywords: "optional override db" -> flags and the last word as the group */
        bool optional = false, override = false;
        const char *last_sp = strrchr(group_kw, ' ');
        const char *group = last_sp ? last_sp + 1 : group_kw;
        if (last_sp) {
            const char *p = group_kw;
            while (p < last_sp) {
                const char *e = strchr(p, ' ');
                size_t len = (size_t)(e - p);
                if (len == 8 && strncmp(p, "optional", 8) == 0)
                    optional = true;
                else if (len == 8 && strncmp(p, "override", 8) == 0)
                    override = true;
                else
                    break;
                p = e + 1;
            }
        }

        d->kind = D_GROUP;
        if (vn->kind == CY_NULL) {
            d->value = NULL;
        } else if (vn->kind == CY_LIST) {
            size_t m = cy_node_len(vn);
            d->options = cy_arena_alloc(a, (m ? m : 1) * sizeof *d->options);
            for (size_t i = 0; i < m; i++) {
                const cy_node *o = cy_node_child(vn, i);
                const char *s = str_value(o);
                if (!s)
                    return cy_error_set(CY_ERROR, "ValueError",
                                        "Unsupported item value in defaults : %s, nested list "
                                        "items must be strings",
                                        o->kind == CY_DICT   ? "dict"
                                        : o->kind == CY_LIST ? "list"
                                                             : value_type_name(o));
                d->options[i] = s;
            }
            d->n_options = m;
            d->is_options = true;
        } else {
            const char *s = str_value(vn);
            if (!s)
                return cy_error_set(CY_ERROR, "ValueError",
                                    "Unsupported item value in defaults : %s. Supported: string "
                                    "or list",
                                    vn->kind == CY_DICT ? "dict" : value_type_name(vn));
            d->value = s;
        }
        if (group[0] == '\0')
            return cy_error_set(CY_ERROR, "ValueError",
                                "In %s: Missing group name in default item %s", config_path,
                                item_str(item));
        d->group = group;
        d->package = package;
        d->optional = optional;
        d->override = override;
        if (d->package && strcmp(d->package, "_here_") == 0)
            d->package = "";
    } else if (item->kind == CY_STR || item->kind == CY_INTERP || item->kind == CY_MISSING) {
        const char *path, *package;
        split_group(a, str_value(item), &path, &package);
        d->kind = D_CONFIG;
        d->path = path;
        d->package = package;
        if (strcmp(path, "_self_") == 0 && package)
            return cy_error_set(CY_ERROR, "ValueError", "_self_@PACKAGE is not supported");
        if (d->package && strcmp(d->package, "_here_") == 0)
            d->package = "";
    } else {
        return cy_error_set(CY_ERROR, "ValueError", "Unsupported type in defaults : %s",
                            value_type_name(item));
    }
    *out = d;
    return 0;
}

/* Removes key from a dict whatever its flags (Hydra's read_write + open_dict around pop). */
static int force_delete(cy_node *dict, const char *key) {
    int8_t s = dict->flags[CY_FLAG_STRUCT], r = dict->flags[CY_FLAG_READONLY];
    cy_node_set_flag(dict, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_node_set_flag(dict, CY_FLAG_READONLY, CY_FLAG_FALSE);
    int rc = cy_node_delete(dict, key);
    cy_node_set_flag(dict, CY_FLAG_STRUCT, s);
    cy_node_set_flag(dict, CY_FLAG_READONLY, r);
    return rc;
}

static int extract_defaults(loaded_config *lc, cy_arena *a) {
    cy_node *cfg = lc->res.config;
    if (!cfg || cfg->kind != CY_DICT)
        return 0;
    cy_node *defaults = cy_dict_get(cfg, "defaults");
    if (!defaults)
        return 0;
    if (cy_node_is_typed(cfg)) {
        /* a structured config keeps the field until composition is done (strip_defaults) */
        lc->typed_defaults = true;
    } else {
        int rc = force_delete(cfg, "defaults");
        if (rc < 0)
            return rc;
    }
    if (defaults->kind != CY_LIST) {
        const char *t = defaults->kind == CY_DICT ? "mapping" : value_type_name(defaults);
        return cy_error_set(CY_ERROR, "ValueError",
                            "Invalid defaults list in '%s', defaults must be a list (got %s)",
                            lc->config_path, t);
    }
    size_t n = cy_node_len(defaults);
    lc->defaults = cy_arena_alloc(a, (n ? n : 1) * sizeof *lc->defaults);
    for (size_t i = 0; i < n; i++) {
        int rc = parse_item(&lc->defaults[i], a, lc->config_path, cy_node_child(defaults, i));
        if (rc < 0)
            return rc;
    }
    lc->n_defaults = n;
    return 0;
}

int cyc_repo_load(loaded_config **out, cy_repo *r, const char *config_path) {
    for (size_t i = 0; i < r->cache.len; i++) {
        loaded_config *lc = r->cache.v[i];
        if (strcmp(lc->config_path, config_path) == 0) {
            *out = lc;
            return 0;
        }
    }
    cy_arena *a = r->arena;
    loaded_config *lc = cy_arena_alloc(a, sizeof *lc);
    lc->config_path = cy_arena_strdup(a, config_path);
    for (size_t i = 0; i < r->n_sources; i++) {
        source *s = &r->sources[i];
        if (!cyc_source_is_config(s, a, config_path))
            continue;
        int rc = cyc_source_load(&lc->res, a, s, config_path);
        if (rc < 0)
            return rc;
        lc->res.is_schema_source = s->kind == SRC_STRUCTURED && strcmp(s->provider, "schema") == 0;
        lc->found = true;
        if ((rc = extract_defaults(lc, a)) < 0)
            return rc;
        break;
    }
    cyc_parr_push(a, &r->cache, lc);
    *out = lc;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Public listing
 */

int cy_repo_group_options(const char ***out, size_t *n, cy_arena *arena, cy_repo *repo,
                          const char *group, cy_object_type filter) {
    const char **names;
    size_t cnt;
    int rc = cyc_repo_group_options(&names, &cnt, repo, group ? group : "", filter);
    if (rc < 0)
        return rc;
    const char **v = cy_arena_alloc(arena, (cnt ? cnt : 1) * sizeof *v);
    for (size_t i = 0; i < cnt; i++)
        v[i] = arena == repo->arena ? names[i] : cy_arena_strdup(arena, names[i]);
    *out = v;
    *n = cnt;
    return 0;
}

static int all_groups(parr *out, cy_arena *arena, cy_repo *repo, const char *parent) {
    const char **groups;
    size_t ng;
    int rc = cyc_repo_group_options(&groups, &ng, repo, parent, CY_OBJ_GROUP);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ng; i++) {
        const char *name =
            parent[0] ? cy_arena_printf(repo->arena, "%s/%s", parent, groups[i]) : groups[i];
        const char **files, **dirs;
        size_t nf, nd;
        if ((rc = cyc_repo_group_options(&files, &nf, repo, name, CY_OBJ_CONFIG)) < 0)
            return rc;
        if ((rc = cyc_repo_group_options(&dirs, &nd, repo, name, CY_OBJ_GROUP)) < 0)
            return rc;
        if (nf > 0)
            cyc_parr_push(arena, out, (void *)cy_arena_strdup(arena, name));
        if (nd > 0 && (rc = all_groups(out, arena, repo, name)) < 0)
            return rc;
    }
    return 0;
}

int cy_repo_all_groups(const char ***out, size_t *n, cy_arena *arena, cy_repo *repo) {
    parr res = {0};
    int rc = all_groups(&res, arena, repo, "");
    if (rc < 0)
        return rc;
    *out = res.v ? (const char **)res.v : cy_arena_alloc(arena, sizeof **out);
    *n = res.len;
    return 0;
}
