/*
 * defaults.c - the defaults tree and the defaults list, with Hydra 1.3's rules
 * (hydra/_internal/defaults_list.py and core/default_element.py, version_base >= 1.2):
 *
 *   - every config may list defaults: other configs ("db/mysql", "/abs/path"), group choices
 *     ("db: mysql", "optional db: x", "override db: y", "db@pkg: z", "db: [a, b]", "db: ???",
 *     "db: ${choice}") and _self_ (where the config's own content goes; last when absent);
 *   - command-line group overrides change choices (db=pg), append (+db=pg) or delete (~db);
 *   - the tree is expanded depth first, children in reverse order (so later entries win the
 *     first claim on a choice, and overrides further down apply to what is above them);
 *   - interpolated choices are resolved after their siblings, against the choices known then.
 *
 * The order of every walk below is Hydra's, because it decides which error comes first and the
 * order of hydra.runtime.choices.
 */
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"
#include "cydra/interp.h"

/* ---------------------------------------------------------------------------------------------
 * InputDefault
 */

/* The memo is valid when the default's inputs are the ones it was computed from. */
static bool memo_hit(const dflt *d, const dflt_memo *m) {
    return m->out && m->in[0] == d->parent_base_dir && m->in[1] == d->parent_package &&
           m->in[2] == d->package && m->in[3] == d->package_header && m->in[4] == d->path &&
           m->in[5] == d->group && m->in[6] == d->value && m->is_options == d->is_options;
}

static const char *memo_set(const dflt *d, dflt_memo *m, const char *out) {
    m->in[0] = d->parent_base_dir;
    m->in[1] = d->parent_package;
    m->in[2] = d->package;
    m->in[3] = d->package_header;
    m->in[4] = d->path;
    m->in[5] = d->group;
    m->in[6] = d->value;
    m->is_options = d->is_options;
    m->out = out;
    return out;
}

static const char *group_path_compute(cy_arena *a, const dflt *d);
static const char *config_path_compute(cy_arena *a, const dflt *d);
static const char *final_package_compute(cy_arena *a, const dflt *d, bool default_to_header);
static const char *override_key_compute(cy_arena *a, const dflt *d);

const char *cyc_dflt_group_path(cy_arena *a, const dflt *d) {
    dflt *m = (dflt *)d; /* the memo is a cache, not part of the value */
    return memo_hit(d, &m->m_group) ? d->m_group.out
                                    : memo_set(d, &m->m_group, group_path_compute(a, d));
}

const char *cyc_dflt_config_path(cy_arena *a, const dflt *d) {
    dflt *m = (dflt *)d;
    return memo_hit(d, &m->m_config) ? d->m_config.out
                                     : memo_set(d, &m->m_config, config_path_compute(a, d));
}

const char *cyc_dflt_final_package(cy_arena *a, const dflt *d, bool default_to_header) {
    dflt *m = (dflt *)d;
    dflt_memo *mm = &m->m_final[default_to_header];
    return memo_hit(d, mm) ? mm->out
                           : memo_set(d, mm, final_package_compute(a, d, default_to_header));
}

const char *cyc_dflt_override_key(cy_arena *a, const dflt *d) {
    dflt *m = (dflt *)d;
    return memo_hit(d, &m->m_key) ? d->m_key.out
                                  : memo_set(d, &m->m_key, override_key_compute(a, d));
}

dflt *cyc_dflt_copy(cy_arena *a, const dflt *d) {
    dflt *c = cy_arena_alloc(a, sizeof *c);
    *c = *d;
    return c;
}

bool cyc_dflt_is_self(const dflt *d) {
    if (d->kind == D_CONFIG)
        return strcmp(d->path, "_self_") == 0;
    if (d->kind == D_GROUP)
        return !d->is_options && d->value && strcmp(d->value, "_self_") == 0;
    return false;
}

static bool dflt_is_override(const dflt *d) {
    return d->kind == D_GROUP && d->override;
}

static bool dflt_is_external_append(const dflt *d) {
    return d->kind == D_GROUP && d->external_append;
}

static const char *group_path_compute(cy_arena *a, const dflt *d) {
    const char *pbd = d->parent_base_dir ? d->parent_base_dir : "";
    if (d->kind == D_CONFIG) {
        const char *path = d->path;
        bool absolute = path[0] == '/';
        if (absolute)
            path++;
        const char *slash = strrchr(path, '/');
        const char *group = slash ? cy_arena_strndup(a, path, (size_t)(slash - path)) : "";
        if (absolute || pbd[0] == '\0')
            return group;
        if (group[0] == '\0')
            return pbd;
        return cyc_cat(a, pbd, "/", group);
    }
    const char *g = d->group;
    bool absolute = g[0] == '/';
    if (absolute)
        g++;
    if (pbd[0] == '\0' || absolute)
        return g;
    return cyc_cat(a, pbd, "/", g);
}

const char *cyc_dflt_name(const dflt *d) {
    if (d->kind == D_CONFIG) {
        const char *slash = strrchr(d->path, '/');
        return slash ? slash + 1 : d->path;
    }
    return d->is_options ? NULL : d->value;
}

static const char *config_path_compute(cy_arena *a, const dflt *d) {
    if (d->kind == D_VIRTUAL)
        return "<root>";
    if (d->kind == D_CONFIG) {
        const char *pbd = d->parent_base_dir ? d->parent_base_dir : "";
        if (d->path[0] == '/')
            return d->path + 1;
        if (pbd[0] == '\0')
            return d->path;
        return cyc_cat(a, pbd, "/", d->path);
    }
    const char *name = cyc_dflt_name(d);
    return cyc_cat(a, cyc_dflt_group_path(a, d), "/", name ? name : "None");
}

static const char *dots(cy_arena *a, const char *s) {
    if (!strchr(s, '/'))
        return s;
    char *c = cy_arena_strdup(a, s);
    for (char *p = c; *p; p++)
        if (*p == '/')
            *p = '.';
    return c;
}

static const char *default_package(cy_arena *a, const dflt *d) {
    return dots(a, cyc_dflt_group_path(a, d));
}

static const char *relative_group_path(cy_arena *a, const dflt *d) {
    if (d->kind == D_CONFIG) {
        const char *path = d->path[0] == '/' ? d->path + 1 : d->path;
        const char *slash = strrchr(path, '/');
        return slash ? cy_arena_strndup(a, path, (size_t)(slash - path)) : "";
    }
    return d->group[0] == '/' ? d->group + 1 : d->group;
}

static const char *get_package(const dflt *d, bool default_to_header) {
    if (!d->package && default_to_header)
        return d->package_header;
    return d->package;
}

/* Finds the last occurrence of needle in s. */
static const char *rfind(const char *s, const char *needle) {
    const char *last = NULL, *p = s;
    while ((p = strstr(p, needle)) != NULL) {
        last = p;
        p++;
    }
    return last;
}

static const char *final_package_compute(cy_arena *a, const dflt *d, bool default_to_header) {
    const char *parent_package = d->parent_package ? d->parent_package : "";
    const char *package = get_package(d, default_to_header);
    if (!package)
        package = dots(a, relative_group_path(a, d));
    const char *ret;
    if (parent_package[0] == '\0')
        ret = package;
    else if (package[0] == '\0')
        ret = parent_package;
    else
        ret = cyc_cat(a, parent_package, ".", package);
    const char *g = rfind(ret, "_global_");
    if (!g)
        return ret;
    /* ret[lgi + len("_global_") + 1:], empty when that is past the end */
    size_t off = (size_t)(g - ret) + 9;
    return off >= strlen(ret) ? "" : ret + off;
}

/* Replaces every occurrence of from by to. */
static const char *str_replace(cy_arena *a, const char *s, const char *from, const char *to) {
    cy_sbuf b = {0};
    size_t fl = strlen(from);
    const char *p = s, *q;
    while ((q = strstr(p, from)) != NULL) {
        cy__sb_putn(&b, p, (size_t)(q - p));
        cy__sb_puts(&b, to);
        p = q + fl;
    }
    cy__sb_puts(&b, p);
    const char *r = cy_arena_strdup(a, b.s ? b.s : "");
    cy__sb_free(&b);
    return r;
}

static void update_parent(cy_arena *a, dflt *d, const char *parent_base_dir,
                          const char *parent_package) {
    d->parent_base_dir = parent_base_dir;
    d->parent_package = parent_package;
    if (d->package && strstr(d->package, "_group_")) {
        const char *resolved = str_replace(a, d->package, "_group_", default_package(a, d));
        d->package = cyc_cat(a, "_global_", ".", resolved);
    }
}

static void set_package_header(cy_arena *a, dflt *d, const char *header) {
    if (!header)
        return;
    /* a header is always absolute */
    if (strcmp(header, "_global_") != 0 && strncmp(header, "_global_.", 9) != 0)
        header = header[0] ? cyc_cat(a, "_global_", ".", header) : "_global_";
    d->package_header = header;
}

static const char *override_key_compute(cy_arena *a, const dflt *d) {
    const char *dp = default_package(a, d);
    const char *fp = cyc_dflt_final_package(a, d, false);
    const char *key = cyc_dflt_group_path(a, d);
    if (strcmp(dp, fp) != 0)
        key = cyc_cat(a, key, "@", fp[0] ? fp : "_global_");
    return key;
}

static const char *relative_override_key(cy_arena *a, const dflt *d) {
    const char *dp = default_package(a, d);
    const char *key = d->group;
    const char *pkg = get_package(d, true);
    if (d->package && (!pkg || strcmp(dp, pkg) != 0))
        key = cyc_cat(a, key, "@", d->package);
    return key;
}

static bool dflt_is_missing(const dflt *d) {
    if (d->kind == D_VIRTUAL)
        return false;
    const char *n = cyc_dflt_name(d);
    return n && strcmp(n, "???") == 0;
}

static bool dflt_is_interpolation(cy_arena *a, const dflt *d) {
    if (d->kind == D_CONFIG)
        return strstr(cyc_dflt_config_path(a, d), "${") != NULL;
    if (d->kind == D_GROUP) {
        const char *n = cyc_dflt_name(d);
        return n && strstr(n, "${") != NULL;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Overrides (the group choices of the command line and of `override` entries)
 */

typedef struct choice {
    const char *key;
    /* the chosen value: a name, a list of options, or null */
    const char *name;
    const char **options;
    size_t n_options;
    bool is_options;
    /* OverrideMetadata */
    bool external;
    const char *containing_config_path;
    bool used;
    const char *relative_key;
} choice;

typedef struct known {
    const char *key;
    const char *name; /* NULL for null */
} known;

typedef struct group_keys {
    const char *group;
    parr keys; /* const char * */
} group_keys;

typedef struct deletion {
    const char *key;
    const char *name; /* NULL: any */
    bool used;
} deletion;

typedef struct overrides {
    parr choices;    /* choice * in insertion order */
    parr append;     /* dflt * (external +group=option) */
    parr config_ovr; /* ovr * */
    parr known;      /* known * */
    parr per_group;  /* group_keys * */
    parr deletions;  /* deletion * */
} overrides;

static choice *find_choice(overrides *o, const char *key) {
    for (size_t i = 0; i < o->choices.len; i++) {
        choice *c = o->choices.v[i];
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

static known *find_known(overrides *o, const char *key) {
    for (size_t i = 0; i < o->known.len; i++) {
        known *k = o->known.v[i];
        if (strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

static deletion *find_deletion(overrides *o, const char *key) {
    for (size_t i = 0; i < o->deletions.len; i++) {
        deletion *d = o->deletions.v[i];
        if (strcmp(d->key, key) == 0)
            return d;
    }
    return NULL;
}

static const char *py_type_of_value(const cy_node *v) {
    if (v->kind == CY_DICT)
        return "dict";
    if (v->kind == CY_LIST)
        return "list";
    return cy_node_pytype(v);
}

static int overrides_init(overrides *o, cy_arena *a, cy_repo *repo, ovr *list, size_t n) {
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        ovr *ov = &list[i];
        if (ovr_is_sweep(ov))
            continue;
        bool is_group = cyc_repo_group_exists(repo, ov->key);
        cy_node *value = ov->value;
        bool is_dict = value && value->kind == CY_DICT;
        if (is_dict || !is_group) {
            cyc_parr_push(a, &o->config_ovr, ov);
        } else if (ov->type == OVR_FORCE_ADD) {
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "force-add of config groups is not supported: '%s'",
                                ov->input_line);
        } else if (ov->type == OVR_DEL) {
            const char *key = cyc_ovr_key_element(a, ov) + 1;
            const char *name = NULL;
            if (value && value->kind != CY_NULL) {
                if (value->kind != CY_STR && value->kind != CY_INTERP && value->kind != CY_MISSING)
                    return cy_error_set(
                        CY_ERROR, "ValueError",
                        "Config group override deletion value must be a string : %s",
                        ov->repr ? ov->repr : ov->input_line);
                name = value->kind == CY_MISSING ? "???" : value->v.str.s;
            }
            deletion *d = find_deletion(o, key);
            if (!d) {
                d = cy_arena_alloc(a, sizeof *d);
                d->key = key;
                cyc_parr_push(a, &o->deletions, d);
            }
            d->name = name;
            d->used = false;
        } else {
            bool is_str = value && (value->kind == CY_STR || value->kind == CY_INTERP ||
                                    value->kind == CY_MISSING);
            bool is_list = value && value->kind == CY_LIST;
            if (!is_str && !is_list)
                return cy_error_set(CY_ERROR, "ValueError",
                                    "Config group override must be a string or a list. Got %s",
                                    value ? py_type_of_value(value) : "NoneType");
            const char *name = NULL;
            const char **options = NULL;
            size_t n_options = 0;
            if (is_str) {
                name = value->kind == CY_MISSING ? "???" : value->v.str.s;
            } else {
                n_options = cy_node_len(value);
                options = cy_arena_alloc(a, (n_options ? n_options : 1) * sizeof *options);
                for (size_t j = 0; j < n_options; j++) {
                    const cy_node *it = cy_node_child(value, j);
                    if (it->kind == CY_STR || it->kind == CY_INTERP)
                        options[j] = it->v.str.s;
                    else if (it->kind == CY_MISSING)
                        options[j] = "???";
                    else
                        options[j] = cy_node_pystr(it);
                }
            }
            if (ov->type == OVR_ADD) {
                dflt *d = cy_arena_alloc(a, sizeof *d);
                d->kind = D_GROUP;
                d->group = ov->key;
                d->package = ov->package;
                if (d->package && strcmp(d->package, "_here_") == 0)
                    d->package = "";
                d->value = name;
                d->options = options;
                d->n_options = n_options;
                d->is_options = is_list;
                d->external_append = true;
                cyc_parr_push(a, &o->append, d);
            } else {
                const char *key = cyc_ovr_key_element(a, ov);
                choice *c = find_choice(o, key);
                if (!c) {
                    c = cy_arena_alloc(a, sizeof *c);
                    c->key = key;
                    cyc_parr_push(a, &o->choices, c);
                }
                c->name = name;
                c->options = options;
                c->n_options = n_options;
                c->is_options = is_list;
                c->external = true;
                c->containing_config_path = NULL;
                c->used = false;
                c->relative_key = NULL;
            }
        }
    }
    return 0;
}

static void add_override(overrides *o, cy_arena *a, const char *parent_config_path, dflt *d) {
    const char *key = cyc_dflt_override_key(a, d);
    if (find_choice(o, key))
        return;
    choice *c = cy_arena_alloc(a, sizeof *c);
    c->key = key;
    c->name = d->is_options ? NULL : d->value;
    c->options = d->options;
    c->n_options = d->n_options;
    c->is_options = d->is_options;
    c->external = false;
    c->containing_config_path = parent_config_path;
    c->relative_key = relative_override_key(a, d);
    cyc_parr_push(a, &o->choices, c);
}

static bool is_overridden(overrides *o, cy_arena *a, const dflt *d) {
    return d->kind == D_GROUP && find_choice(o, cyc_dflt_override_key(a, d)) != NULL;
}

static void override_default_option(overrides *o, cy_arena *a, dflt *d) {
    choice *c = find_choice(o, cyc_dflt_override_key(a, d));
    if (!c)
        return;
    d->value = c->name;
    d->options = c->options;
    d->n_options = c->n_options;
    d->is_options = c->is_options;
    c->used = true;
}

/* str() of a choice value for messages: a name, "None", or a Python list of strings. */
static const char *choice_value_str(cy_arena *a, const choice *c) {
    if (!c->is_options)
        return c->name ? c->name : "None";
    cy_sbuf b = {0};
    cy__sb_puts(&b, "[");
    for (size_t i = 0; i < c->n_options; i++) {
        if (i)
            cy__sb_puts(&b, ", ");
        cy__sb_puts(&b, cyc_py_repr_str(a, c->options[i]));
    }
    cy__sb_puts(&b, "]");
    const char *r = cy_arena_strdup(a, b.s);
    cy__sb_free(&b);
    return r;
}

static int ensure_overrides_used(overrides *o, cy_arena *a) {
    for (size_t i = 0; i < o->choices.len; i++) {
        choice *c = o->choices.v[i];
        if (c->used)
            continue;
        const char *at = strchr(c->key, '@');
        const char *group = at ? cy_arena_strndup(a, c->key, (size_t)(at - c->key)) : c->key;
        group_keys *gk = NULL;
        for (size_t j = 0; j < o->per_group.len; j++) {
            group_keys *g = o->per_group.v[j];
            if (strcmp(g->group, group) == 0)
                gk = g;
        }
        cy_sbuf b = {0};
        if (c->containing_config_path)
            cy__sb_printf(&b, "In '%s': ", c->containing_config_path);
        size_t nk = gk ? gk->keys.len : 0;
        if (nk > 1) {
            const char **keys = cy_arena_alloc(a, nk * sizeof *keys);
            memcpy(keys, gk->keys.v, nk * sizeof *keys);
            nk = cyc_sort_unique(keys, nk);
            cy__sb_printf(&b, "Could not override '%s'.\nDid you mean to override one of ", c->key);
            for (size_t j = 0; j < nk; j++)
                cy__sb_printf(&b, "%s%s", j ? ", " : "", keys[j]);
            cy__sb_puts(&b, "?");
        } else if (nk == 1) {
            cy__sb_printf(&b, "Could not override '%s'.\nDid you mean to override %s?", c->key,
                          (const char *)gk->keys.v[0]);
        } else {
            cy__sb_printf(&b, "Could not override '%s'. No match in the defaults list.", c->key);
        }
        if (c->external)
            cy__sb_printf(&b, "\nTo append to your default list use +%s=%s", c->key,
                          choice_value_str(a, c));
        cy_error_set(CY_ECOMPOSE, "ConfigCompositionException", "%s", b.s ? b.s : "");
        cy__sb_free(&b);
        return CY_ECOMPOSE;
    }
    return 0;
}

static int ensure_deletions_used(overrides *o) {
    for (size_t i = 0; i < o->deletions.len; i++) {
        deletion *d = o->deletions.v[i];
        if (d->used)
            continue;
        if (d->name)
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "Could not delete '%s=%s'. No match in the defaults list", d->key,
                                d->name);
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "Could not delete '%s'. No match in the defaults list", d->key);
    }
    return 0;
}

static int set_known_choice(overrides *o, cy_arena *a, const dflt *d) {
    if (d->kind != D_GROUP)
        return 0;
    const char *key = cyc_dflt_override_key(a, d);
    const char *name = cyc_dflt_name(d);
    known *k = find_known(o, key);
    if (!k) {
        k = cy_arena_alloc(a, sizeof *k);
        k->key = key;
        k->name = name;
        cyc_parr_push(a, &o->known, k);
    } else {
        bool same = (!name && !k->name) || (name && k->name && strcmp(name, k->name) == 0);
        if (!same)
            return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                "Multiple values for %s. To override a value use 'override %s: %s'",
                                key, key, k->name ? k->name : "None");
    }
    const char *group = cyc_dflt_group_path(a, d);
    group_keys *gk = NULL;
    for (size_t j = 0; j < o->per_group.len; j++) {
        group_keys *g = o->per_group.v[j];
        if (strcmp(g->group, group) == 0)
            gk = g;
    }
    if (!gk) {
        gk = cy_arena_alloc(a, sizeof *gk);
        gk->group = group;
        cyc_parr_push(a, &o->per_group, gk);
    }
    for (size_t j = 0; j < gk->keys.len; j++)
        if (strcmp(gk->keys.v[j], key) == 0)
            return 0;
    cyc_parr_push(a, &gk->keys, (void *)key);
    return 0;
}

static bool is_deleted(overrides *o, cy_arena *a, const dflt *d) {
    if (d->kind != D_GROUP)
        return false;
    deletion *del = find_deletion(o, cyc_dflt_override_key(a, d));
    if (!del)
        return false;
    if (!del->name)
        return true;
    const char *n = cyc_dflt_name(d);
    return n && strcmp(n, del->name) == 0;
}

static void do_delete(overrides *o, cy_arena *a, dflt *d) {
    d->deleted = true;
    deletion *del = find_deletion(o, cyc_dflt_override_key(a, d));
    if (del)
        del->used = true;
}

/* ---------------------------------------------------------------------------------------------
 * The tree
 */

typedef struct dtree {
    dflt *node;
    struct dtree **children; /* NULL: None */
    size_t n_children;
    struct dtree *parent;
    bool leaf; /* a bare InputDefault child (no DefaultsTreeNode around it) */
} dtree;

typedef struct ctx {
    cy_arena *a;
    cy_repo *repo;
    overrides ov;
    bool skip_missing;
    parr *warnings; /* UserWarnings (may be NULL) */
} ctx;

static dtree *new_tree(cy_arena *a, dflt *node, dtree *parent) {
    dtree *t = cy_arena_alloc(a, sizeof *t);
    t->node = node;
    t->parent = parent;
    return t;
}

static dtree *as_leaf(cy_arena *a, dflt *node, dtree *parent) {
    dtree *t = new_tree(a, node, parent);
    t->leaf = true;
    return t;
}

static int tree_impl(ctx *c, dtree *root, bool is_root_config, bool interpolated_subtree);

static int source_lines(cy_sbuf *b, cy_arena *a, cy_repo *repo) {
    for (size_t i = 0; i < repo->n_sources; i++)
        cy__sb_printf(b, "\n\t%s", cyc_source_repr(a, &repo->sources[i]));
    return 0;
}

static int config_not_found_error(ctx *c, dtree *tree) {
    cy_arena *a = c->a;
    dflt *el = tree->node;
    const char **options = NULL;
    size_t n_options = 0;
    const char *group = NULL;
    if (el->kind == D_GROUP) {
        group = cyc_dflt_group_path(a, el);
        int rc = cyc_repo_group_options(&options, &n_options, c->repo, group, CY_OBJ_CONFIG);
        if (rc < 0)
            return rc;
    }
    cy_sbuf b = {0};
    if (el->primary) {
        cy__sb_printf(
            &b, "Cannot find primary config '%s'. Check that it's in your config search path.\n",
            cyc_dflt_config_path(a, el));
    } else {
        dflt *parent = tree->parent ? tree->parent->node : NULL;
        if (parent)
            cy__sb_printf(&b, "In '%s': ", cyc_dflt_config_path(a, parent));
        if (el->kind == D_GROUP) {
            cy__sb_printf(&b, "Could not find '%s'\n", cyc_dflt_config_path(a, el));
            if (n_options > 0) {
                cy__sb_printf(&b, "\nAvailable options in '%s':", group);
                for (size_t i = 0; i < n_options; i++)
                    cy__sb_printf(&b, "\n\t%s", options[i]);
            }
        } else {
            cy__sb_printf(&b, "Could not load '%s'.\n", cyc_dflt_config_path(a, el));
        }
    }
    cy__sb_puts(&b, "\nConfig search path:");
    source_lines(&b, a, c->repo);
    cy_error_set(CY_ENOTFOUND, "MissingConfigException", "%s", b.s ? b.s : "");
    cy__sb_free(&b);
    return CY_ENOTFOUND;
}

static int update_package_header(ctx *c, dflt *node) {
    if (dflt_is_missing(node))
        return 0;
    loaded_config *lc;
    int rc = cyc_repo_load(&lc, c->repo, cyc_dflt_config_path(c->a, node));
    if (rc < 0)
        return rc;
    if (lc->found)
        set_package_header(c->a, node, lc->res.header_package);
    return 0;
}

/* Returns 1 when the missing default is skipped, 0 when it is not missing, or an error. */
static int check_not_missing(ctx *c, dflt *d) {
    const char *path = cyc_dflt_config_path(c->a, d);
    size_t n = strlen(path);
    if (n < 3 || strcmp(path + n - 3, "???") != 0)
        return 0;
    if (c->skip_missing)
        return 1;
    if (d->kind == D_GROUP) {
        const char *group = cyc_dflt_group_path(c->a, d);
        const char *key = cyc_dflt_override_key(c->a, d);
        const char **options;
        size_t no;
        int rc = cyc_repo_group_options(&options, &no, c->repo, group, CY_OBJ_CONFIG);
        if (rc < 0)
            return rc;
        cy_sbuf b = {0};
        cy__sb_printf(&b, "You must specify '%s', e.g, %s=<OPTION>\nAvailable options:\n", key,
                      key);
        for (size_t i = 0; i < no; i++)
            cy__sb_printf(&b, "%s\t%s", i ? "\n" : "", options[i]);
        cy_error_set(CY_ECOMPOSE, "ConfigCompositionException", "%s", b.s);
        cy__sb_free(&b);
        return CY_ECOMPOSE;
    }
    return cy_error_set(CY_ERROR, "ValueError", "Missing ConfigDefault is not supported : %s",
                        path);
}

static bool has_config_content(const cy_node *cfg) {
    if (!cfg || cfg->kind != CY_DICT)
        return false;
    for (size_t i = 0; i < cy_node_len(cfg); i++) {
        const cy_node *ch = cy_node_child(cfg, i);
        if (ch->kind != CY_MISSING && strcmp(ch->key, "defaults") != 0)
            return true;
    }
    return false;
}

/* _validate_self: returns 1 when _self_ was added, 0 when present, or an error. */
static int validate_self(ctx *c, dflt *containing, parr *defaults, bool content, parr *warnings) {
    bool has_self = false, has_non_override = false;
    for (size_t i = 0; i < defaults->len; i++) {
        dflt *d = defaults->v[i];
        if (!dflt_is_override(d))
            has_non_override = true;
        if (cyc_dflt_is_self(d)) {
            if (has_self)
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "Duplicate _self_ defined in %s",
                                    cyc_dflt_config_path(c->a, containing));
            has_self = true;
        }
    }
    if ((!has_self && has_non_override) || defaults->len == 0) {
        if (containing->primary && content && has_non_override) {
            const char *msg = cy_arena_printf(
                c->a,
                "In '%s': Defaults list is missing `_self_`. See "
                "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/default_composition_order for "
                "more information",
                cyc_dflt_config_path(c->a, containing));
            const char *env = getenv("SELF_WARNING_AS_ERROR");
            if (env && strcmp(env, "1") == 0)
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException", "%s", msg);
            if (warnings)
                cyc_parr_push(c->a, warnings, (void *)msg);
        }
        dflt *s = cy_arena_alloc(c->a, sizeof *s);
        s->kind = D_CONFIG;
        s->path = "_self_";
        cyc_parr_push(c->a, defaults, s);
    }
    return has_self ? 0 : 1;
}

static int update_overrides(ctx *c, parr *defaults, dflt *parent, bool interpolated_subtree) {
    cy_arena *a = c->a;
    bool seen_override = false;
    dflt *last_override_seen = NULL;
    for (size_t i = 0; i < defaults->len; i++) {
        dflt *d = defaults->v[i];
        if (cyc_dflt_is_self(d))
            continue;
        update_parent(a, d, cyc_dflt_group_path(a, parent),
                      cyc_dflt_final_package(a, parent, true));
        if (seen_override && !(dflt_is_override(d) || dflt_is_external_append(d))) {
            const char *oval = cyc_dflt_name(last_override_seen);
            const char *dval = cyc_dflt_name(d);
            return cy_error_set(
                CY_ECOMPOSE, "ConfigCompositionException",
                "In %s: Override '%s : %s' is defined before '%s: %s'.\nOverrides must be at "
                "the end of the defaults list",
                cyc_dflt_config_path(a, parent), cyc_dflt_override_key(a, last_override_seen),
                oval ? oval : "None", cyc_dflt_override_key(a, d), dval ? dval : "None");
        }
        if (d->kind == D_GROUP && d->override) {
            seen_override = true;
            last_override_seen = d;
            if (interpolated_subtree) {
                const char *n = cyc_dflt_name(d);
                return cy_error_set(
                    CY_ECOMPOSE, "ConfigCompositionException",
                    "%s: Default List Overrides are not allowed in the subtree\nof an in "
                    "interpolated config group (override %s=%s).\n",
                    cyc_dflt_config_path(a, parent), cyc_dflt_override_key(a, d), n ? n : "None");
            }
            add_override(&c->ov, a, cyc_dflt_config_path(a, parent), d);
        }
    }
    return 0;
}

/* The map interpolated defaults are resolved against: the known choices plus `defaults`. */
static cy_node *interpolation_map(ctx *c, parr *defaults, bool self_added) {
    cy_arena *a = c->a;
    cy_node *m = cy_new_dict(a);
    for (size_t i = 0; i < c->ov.known.len; i++) {
        known *k = c->ov.known.v[i];
        cy_dict_put(m, k->key, k->name ? cy_new_str(a, k->name) : cy_new_null(a));
    }
    cy_node *list = cy_new_list(a);
    for (size_t i = 0; i < defaults->len; i++) {
        dflt *d = defaults->v[i];
        if (self_added && cyc_dflt_is_self(d))
            continue;
        if (d->kind == D_CONFIG) {
            cy_list_push(list, cy_new_str(a, cyc_dflt_config_path(a, d)));
        } else if (d->kind == D_GROUP) {
            cy_node *e = cy_new_dict(a);
            cy_node *v;
            if (d->is_options) {
                v = cy_new_list(a);
                for (size_t j = 0; j < d->n_options; j++)
                    cy_list_push(v, cy_new_str(a, d->options[j]));
            } else {
                v = d->value ? cy_new_str(a, d->value) : cy_new_null(a);
            }
            cy_dict_put(e, cyc_dflt_override_key(a, d), v);
            cy_list_push(list, e);
        }
    }
    cy_dict_put(m, "defaults", list);
    return m;
}

static int resolve_in_map(const char **out, ctx *c, cy_node *map, const char *val) {
    cy_arena *a = c->a;
    cy_node *dummy = cy_new_str(a, val);
    cy_dict_put(map, "_dummy_", dummy);
    const cy_node *res = NULL;
    int rc = cy_node_resolve(dummy, &res);
    if (rc == 0 && res && (res->kind == CY_STR || res->kind == CY_INTERP)) {
        *out = res->v.str.s;
        return 0;
    }
    if (rc == 0) {
        /* Hydra asserts the result is a string; say what it was instead */
        return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                            "Error resolving interpolation '%s': the result is not a string (%s)",
                            val, res ? cy_node_pystr(res) : "None");
    }
    cy_sbuf b = {0};
    cy__sb_printf(&b, "Error resolving interpolation '%s'", val);
    bool first = true;
    for (size_t i = 0; i < cy_node_len(map); i++) {
        const cy_node *ch = cy_node_child(map, i);
        if (strcmp(ch->key, "defaults") == 0 || strcmp(ch->key, "_dummy_") == 0 ||
            ch->key_kind != CY_KEY_STR)
            continue;
        cy__sb_printf(&b, "%s%s", first ? ", possible interpolation keys: " : ", ", ch->key);
        first = false;
    }
    cy_error_set(CY_ECOMPOSE, "ConfigCompositionException", "%s", b.s);
    cy__sb_free(&b);
    return CY_ECOMPOSE;
}

static int resolve_interpolation(ctx *c, dflt *d, cy_node *map) {
    cy_arena *a = c->a;
    if (d->kind == D_GROUP) {
        const char *name = cyc_dflt_name(d);
        if (!name)
            return 0;
        /* the 1.0 form ${defaults.0.db} is an error from version_base 1.2 on */
        if (strncmp(name, "${defaults.", 11) == 0 && name[11] >= '0' && name[11] <= '9' &&
            name[12] == '.')
            return cy_error_set(
                CY_ECOMPOSE, "ConfigCompositionException",
                "\nDefaults list element '%s=%s' is using a deprecated interpolation form.\nSee "
                "http://hydra.cc/docs/1.1/upgrades/1.0_to_1.1/defaults_list_interpolation for "
                "migration information.",
                cyc_dflt_override_key(a, d), name);
        return resolve_in_map(&d->value, c, map, name);
    }
    return resolve_in_map(&d->path, c, map, cyc_dflt_config_path(a, d));
}

static int add_child(ctx *c, parr *children, dtree *new_root, bool interpolated_subtree) {
    int rc = tree_impl(c, new_root, false, interpolated_subtree);
    if (rc < 0)
        return rc;
    if (!new_root->children) {
        dtree *leaf = as_leaf(c->a, new_root->node, new_root->parent);
        cyc_parr_push(c->a, children, leaf);
    } else {
        cyc_parr_push(c->a, children, new_root);
    }
    return 0;
}

static void set_children_reversed(cy_arena *a, dtree *root, parr *children) {
    if (children->len == 0)
        return;
    root->children = cy_arena_alloc(a, children->len * sizeof *root->children);
    for (size_t i = 0; i < children->len; i++)
        root->children[i] = children->v[children->len - 1 - i];
    root->n_children = children->len;
}

static int expand_virtual_root(ctx *c, dtree *root) {
    cy_arena *a = c->a;
    parr children = {0};
    for (size_t i = root->n_children; i-- > 0;) {
        dflt *d = root->children[i]->node;
        dtree *new_root = new_tree(a, d, root);
        update_parent(a, d, "", "");
        int rc = tree_impl(c, new_root, d->primary, false);
        if (rc < 0)
            return rc;
        if (!new_root->children)
            cyc_parr_push(a, &children, as_leaf(a, d, root));
        else
            cyc_parr_push(a, &children, new_root);
    }
    set_children_reversed(a, root, &children);
    return 0;
}

static int tree_impl(ctx *c, dtree *root, bool is_root_config, bool interpolated_subtree) {
    cy_arena *a = c->a;
    dflt *parent = root->node;
    int rc;
    if (parent->kind == D_VIRTUAL) {
        if (is_root_config)
            return expand_virtual_root(c, root);
        return 0;
    }
    if (is_root_config) {
        update_parent(a, parent, "", "");
        if (!cyc_repo_config_exists(c->repo, cyc_dflt_config_path(a, parent)))
            return config_not_found_error(c, root);
    }
    if ((rc = update_package_header(c, parent)) < 0)
        return rc;
    if (is_deleted(&c->ov, a, parent)) {
        do_delete(&c->ov, a, parent);
        return 0;
    }
    if ((rc = set_known_choice(&c->ov, a, parent)) < 0)
        return rc;
    if (cyc_dflt_name(parent) == NULL && !parent->is_options)
        return 0;
    if ((rc = check_not_missing(c, parent)) != 0)
        return rc < 0 ? rc : 0;

    const char *path = cyc_dflt_config_path(a, parent);
    loaded_config *lc;
    if ((rc = cyc_repo_load(&lc, c->repo, path)) < 0)
        return rc;
    if (!lc->found) {
        if (parent->optional) {
            parent->deleted = true;
            return 0;
        }
        return config_not_found_error(c, root);
    }

    /* a private copy of the config's defaults: they are changed below */
    parr defaults = {0};
    for (size_t i = 0; i < lc->n_defaults; i++)
        cyc_parr_push(a, &defaults, cyc_dflt_copy(a, lc->defaults[i]));

    bool self_added = false;
    if (defaults.len > 0 || (is_root_config && c->ov.append.len > 0)) {
        bool content = has_config_content(lc->res.config);
        if ((rc = validate_self(c, parent, &defaults, content, c->warnings)) < 0)
            return rc;
        self_added = rc == 1;
    }
    if (is_root_config) {
        for (size_t i = 0; i < c->ov.append.len; i++)
            cyc_parr_push(a, &defaults, c->ov.append.v[i]);
    }
    if ((rc = update_overrides(c, &defaults, parent, interpolated_subtree)) < 0)
        return rc;

    const char *parent_group_path = cyc_dflt_group_path(a, parent);
    const char *parent_final_package = cyc_dflt_final_package(a, parent, true);
    parr children = {0};
    for (size_t i = defaults.len; i-- > 0;) {
        dflt *d = defaults.v[i];
        if (cyc_dflt_is_self(d)) {
            update_parent(a, d, root->node->parent_base_dir, get_package(root->node, true));
            cyc_parr_push(a, &children, as_leaf(a, d, root));
            continue;
        }
        if (dflt_is_override(d))
            continue;
        update_parent(a, d, parent_group_path, parent_final_package);
        if (is_overridden(&c->ov, a, d))
            override_default_option(&c->ov, a, d);
        if (d->kind == D_GROUP && d->is_options) {
            for (size_t j = d->n_options; j-- > 0;) {
                const char *item = d->options[j];
                if (strstr(item, "${"))
                    return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                        "In '%s': Defaults List interpolation is not supported in "
                                        "options list items",
                                        path);
                dflt *node = cy_arena_alloc(a, sizeof *node);
                node->kind = D_CONFIG;
                node->path = cyc_cat(a, d->group, "/", item);
                node->package = d->package;
                node->optional = d->optional;
                update_parent(a, node, parent_group_path, parent_final_package);
                dtree *nr = new_tree(a, node, root);
                if ((rc = add_child(c, &children, nr, interpolated_subtree)) < 0)
                    return rc;
            }
        } else {
            if (dflt_is_interpolation(a, d)) {
                cyc_parr_push(a, &children, as_leaf(a, d, root));
                continue;
            }
            dtree *nr = new_tree(a, d, root);
            if ((rc = add_child(c, &children, nr, interpolated_subtree)) < 0)
                return rc;
        }
    }

    /* deferred interpolations, resolved against the choices known now */
    cy_node *map = NULL;
    for (size_t idx = 0; idx < children.len; idx++) {
        dtree *dd = children.v[idx];
        if (!dd->leaf || !dflt_is_interpolation(a, dd->node))
            continue;
        if (!map)
            map = interpolation_map(c, &defaults, self_added);
        if ((rc = resolve_interpolation(c, dd->node, map)) < 0)
            return rc;
        dtree *nr = new_tree(a, dd->node, root);
        update_parent(a, dd->node, parent_group_path, parent_final_package);
        if ((rc = tree_impl(c, nr, false, true)) < 0)
            return rc;
        if (nr->children)
            children.v[idx] = nr;
    }
    set_children_reversed(a, root, &children);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Flattening
 */

static bool result_default(cy_result_default *res, cy_arena *a, dtree *tree, dflt *node) {
    memset(res, 0, sizeof *res);
    if (node->kind == D_VIRTUAL)
        return false;
    if (cyc_dflt_name(node) == NULL)
        return false;
    if (cyc_dflt_is_self(node)) {
        res->config_path = cyc_dflt_config_path(a, tree->node);
        res->is_self = true;
        dflt *pn = tree->parent ? tree->parent->node : NULL;
        res->parent = pn ? cyc_dflt_config_path(a, pn) : NULL;
        res->package = cyc_dflt_final_package(a, tree->node, true);
        res->primary = tree->node->primary;
    } else {
        res->config_path = cyc_dflt_config_path(a, node);
        if (tree)
            res->parent = cyc_dflt_config_path(a, tree->node);
        res->package = cyc_dflt_final_package(a, node, true);
        if (node->kind == D_GROUP)
            res->override_key = cyc_dflt_override_key(a, node);
        res->primary = node->primary;
    }
    return strcmp(res->config_path, "_dummy_empty_config_") != 0;
}

static void collect(parr *out, cy_arena *a, dtree *tree_node, dflt *node) {
    if (node->deleted || dflt_is_missing(node))
        return;
    cy_result_default rd;
    if (result_default(&rd, a, tree_node, node)) {
        cy_result_default *p = cy_arena_alloc(a, sizeof *p);
        *p = rd;
        cyc_parr_push(a, out, p);
    }
}

static void dfs_walk(parr *out, cy_arena *a, dtree *tree) {
    if (!tree->children || tree->n_children == 0) {
        collect(out, a, tree->parent, tree->node);
        return;
    }
    for (size_t i = 0; i < tree->n_children; i++) {
        dtree *child = tree->children[i];
        if (child->leaf)
            collect(out, a, tree, child->node);
        else
            dfs_walk(out, a, child);
    }
}

/* The public tree: labels as Hydra's _print_defaults_tree_impl writes them. */
static cy_default_node *public_tree(cy_arena *a, dtree *t) {
    cy_default_node *p = cy_arena_alloc(a, sizeof *p);
    dflt *d = t->node;
    switch (d->kind) {
    case D_VIRTUAL:
        p->kind = CY_DEFAULT_ROOT;
        p->label = "<root>";
        break;
    case D_GROUP: {
        p->kind = CY_DEFAULT_GROUP;
        const char *name = cyc_dflt_name(d);
        p->group = cyc_dflt_group_path(a, d);
        p->name = name;
        p->label = cyc_cat(a, cyc_dflt_override_key(a, d), ": ", name ? name : "null");
        p->config_path = cyc_dflt_config_path(a, d);
        p->package = cyc_dflt_final_package(a, d, true);
        break;
    }
    case D_CONFIG:
        p->kind = CY_DEFAULT_CONFIG;
        p->config_path = cyc_dflt_config_path(a, d);
        p->label = p->config_path;
        if (!cyc_dflt_is_self(d))
            p->package = cyc_dflt_final_package(a, d, true);
        break;
    }
    p->is_self = cyc_dflt_is_self(d);
    p->primary = d->primary;
    p->optional = d->optional;
    p->override = d->override;
    p->deleted = d->deleted;
    p->missing = dflt_is_missing(d);
    if (t->children && t->n_children > 0) {
        p->children = cy_arena_alloc(a, t->n_children * sizeof *p->children);
        for (size_t i = 0; i < t->n_children; i++)
            p->children[i] = public_tree(a, t->children[i]);
        p->n_children = t->n_children;
    }
    return p;
}

int cyc_defaults_create(defaults_result *out, cy_arena *a, cy_repo *repo, const char *config_name,
                        ovr *overrides_list, size_t n_overrides, bool prepend_hydra,
                        bool skip_missing) {
    memset(out, 0, sizeof *out);
    ctx c = {.a = a, .repo = repo, .skip_missing = skip_missing, .warnings = repo->warnings};
    int rc = overrides_init(&c.ov, a, repo, overrides_list, n_overrides);
    if (rc < 0)
        return rc;

    /* _create_root */
    dflt *primary = cy_arena_alloc(a, sizeof *primary);
    primary->kind = D_CONFIG;
    primary->path = config_name ? cy_arena_strdup(a, config_name) : "_dummy_empty_config_";
    primary->primary = true;
    dtree *root;
    if (prepend_hydra) {
        dflt *vr = cy_arena_alloc(a, sizeof *vr);
        vr->kind = D_VIRTUAL;
        dflt *hc = cy_arena_alloc(a, sizeof *hc);
        hc->kind = D_CONFIG;
        hc->path = "hydra/config";
        root = new_tree(a, vr, NULL);
        root->children = cy_arena_alloc(a, 2 * sizeof *root->children);
        root->children[0] = as_leaf(a, hc, root);
        root->children[1] = as_leaf(a, primary, root);
        root->n_children = 2;
    } else {
        root = new_tree(a, primary, NULL);
    }

    if ((rc = tree_impl(&c, root, true, false)) < 0)
        return rc;

    parr list = {0};
    dfs_walk(&list, a, root);

    /* ensure_no_duplicates_in_list */
    parr keys = {0};
    for (size_t i = 0; i < list.len; i++) {
        cy_result_default *rd = list.v[i];
        if (rd->is_self || !rd->override_key)
            continue;
        for (size_t j = 0; j < keys.len; j++)
            if (strcmp(keys.v[j], rd->override_key) == 0)
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "%s appears more than once in the final defaults list",
                                    rd->override_key);
        cyc_parr_push(a, &keys, (void *)rd->override_key);
    }

    if ((rc = ensure_overrides_used(&c.ov, a)) < 0)
        return rc;
    if ((rc = ensure_deletions_used(&c.ov)) < 0)
        return rc;

    cy_result_default *items = cy_arena_alloc(a, (list.len ? list.len : 1) * sizeof *items);
    for (size_t i = 0; i < list.len; i++)
        items[i] = *(cy_result_default *)list.v[i];
    out->pub.list = items;
    out->pub.len = list.len;
    out->pub.tree = public_tree(a, root);

    size_t nk = c.ov.known.len;
    out->choice_keys = cy_arena_alloc(a, (nk ? nk : 1) * sizeof(char *));
    out->choice_values = cy_arena_alloc(a, (nk ? nk : 1) * sizeof(char *));
    for (size_t i = 0; i < nk; i++) {
        known *k = c.ov.known.v[i];
        out->choice_keys[i] = k->key;
        out->choice_values[i] = k->name;
    }
    out->n_choices = nk;
    out->pub.choice_keys = out->choice_keys;
    out->pub.choice_values = out->choice_values;
    out->pub.n_choices = nk;
    out->config_overrides = (ovr **)c.ov.config_ovr.v;
    out->n_config_overrides = c.ov.config_ovr.len;
    return 0;
}
