/*
 * store.c - the config store (cydra/store.h): a tree of groups holding named configs, and the
 * registry of stores served as `pkg://<module>` sources.
 *
 * Stored configs are materialised once (a schema instantiated, YAML parsed) into the store's own
 * arena and copied out on every load, so composing many times (a sweep) parses nothing twice.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"

typedef struct sentry {
    const char *name; /* configs: "mysql.yaml"; groups: "db" */
    bool is_group;
    struct sentry **kids; /* groups */
    size_t n, cap;
    const cy_schema *schema; /* configs: exactly one of schema/node/yaml */
    cy_node *node;           /* a copy in the store arena */
    const char *yaml;
    const char *package;
    const char *provider;
    const char *display; /* "db/mysql.yaml", for YAML messages */
    cy_node *cache;      /* materialised config, in the store arena */
    const char *header_package;
} sentry;

struct cy_store {
    pthread_mutex_t mu;
    cy_arena *arena;
    sentry root;
};

/* ---------------------------------------------------------------------------------------------
 * Tree
 */

static sentry *find_kid(const sentry *g, const char *name, size_t len) {
    for (size_t i = 0; i < g->n; i++)
        if (strncmp(g->kids[i]->name, name, len) == 0 && g->kids[i]->name[len] == '\0')
            return g->kids[i];
    return NULL;
}

static void add_kid(cy_arena *a, sentry *g, sentry *k) {
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        sentry **v = cy_arena_alloc(a, cap * sizeof *v);
        if (g->n)
            memcpy(v, g->kids, g->n * sizeof *v);
        g->kids = v;
        g->cap = cap;
    }
    g->kids[g->n++] = k;
}

/* Hydra's _open: walks "/"-separated fragments, ignoring empty ones. */
static sentry *store_open(cy_store *s, const char *path) {
    sentry *cur = &s->root;
    const char *p = path ? path : "";
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0) {
            if (!cur->is_group)
                return NULL;
            cur = find_kid(cur, p, len);
            if (!cur)
                return NULL;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return cur;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 */

int cy_store_new(cy_store **out, unsigned flags) {
    cy_store *s = calloc(1, sizeof *s);
    if (!s)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory creating a config store");
    s->arena = cy_arena_new();
    if (!s->arena) {
        free(s);
        return cy_error_set(CY_ENOMEM, NULL, "out of memory creating a config store");
    }
    pthread_mutex_init(&s->mu, NULL);
    s->root.is_group = true;
    s->root.name = "";
    if (!(flags & CY_STORE_BARE)) {
        int rc = cyc_hydra_conf_register_structured(s);
        if (rc < 0) {
            cy_store_free(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

void cy_store_free(cy_store *s) {
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    cy_arena_free(s->arena);
    free(s);
}

static pthread_once_t instance_once = PTHREAD_ONCE_INIT;
static cy_store *instance;

static void instance_init(void) {
    if (cy_store_new(&instance, 0) < 0)
        instance = NULL;
}

cy_store *cy_store_instance(void) {
    pthread_once(&instance_once, instance_init);
    return instance;
}

/* ---------------------------------------------------------------------------------------------
 * Storing
 */

static int add_locked(cy_store *s, const cy_store_item *it) {
    cy_arena *a = s->arena;
    int contents = (it->schema != NULL) + (it->node != NULL) + (it->yaml != NULL);
    if (!it->name || !it->name[0])
        return cy_error_set(CY_ERROR, "ValueError", "ConfigStore: a config needs a name");
    if (contents != 1)
        return cy_error_set(CY_ERROR, "ValueError",
                            "ConfigStore: '%s' needs exactly one of a schema, a node or YAML text",
                            it->name);

    /* walk or create the group path */
    sentry *g = &s->root;
    const char *p = it->group ? it->group : "";
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0) {
            sentry *k = find_kid(g, p, len);
            if (!k) {
                k = cy_arena_alloc(a, sizeof *k);
                k->is_group = true;
                k->name = cy_arena_strndup(a, p, len);
                add_kid(a, g, k);
            } else if (!k->is_group) {
                return cy_error_set(CY_ERROR, "ValueError",
                                    "ConfigStore: '%.*s' in group '%s' is a config, not a group",
                                    (int)len, p, it->group);
            }
            g = k;
        }
        p += len;
        if (*p == '/')
            p++;
    }

    const char *fname = cyc_normalize_file_name(a, it->name);
    sentry *c = find_kid(g, fname, strlen(fname));
    if (c && c->is_group)
        return cy_error_set(CY_ERROR, "ValueError", "ConfigStore: '%s' is a group", fname);
    if (!c) {
        c = cy_arena_alloc(a, sizeof *c);
        c->name = fname;
        add_kid(a, g, c);
    }
    c->schema = it->schema;
    c->node = it->node ? cy_node_copy(a, it->node) : NULL;
    c->yaml = it->yaml;
    c->package = it->package ? cy_arena_strdup(a, it->package) : NULL;
    c->provider = it->provider ? cy_arena_strdup(a, it->provider) : NULL;
    c->display =
        (it->group && it->group[0]) ? cy_arena_printf(a, "%s/%s", it->group, fname) : fname;
    c->cache = NULL;
    c->header_package = NULL;
    return 0;
}

int cy_store_add(cy_store *s, const cy_store_item *it) {
    pthread_mutex_lock(&s->mu);
    int rc = add_locked(s, it);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int cy_store_schema(cy_store *s, const char *group, const char *name, const cy_schema *schema) {
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.group = group;
    it.name = name;
    it.schema = schema;
    return cy_store_add(s, &it);
}

int cy_store_node(cy_store *s, const char *group, const char *name, const cy_node *node) {
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.group = group;
    it.name = name;
    it.node = node;
    return cy_store_add(s, &it);
}

int cy_store_yaml(cy_store *s, const char *group, const char *name, const char *yaml) {
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.group = group;
    it.name = name;
    it.yaml = yaml;
    return cy_store_add(s, &it);
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 */

cy_object_type cy_store_type(cy_store *s, const char *path) {
    pthread_mutex_lock(&s->mu);
    sentry *e = store_open(s, path);
    cy_object_type t = CY_OBJ_NOT_FOUND;
    if (e)
        t = e->is_group ? CY_OBJ_GROUP : CY_OBJ_CONFIG;
    else {
        size_t n = strlen(path);
        if (n < 5 || strcmp(path + n - 5, ".yaml") != 0) {
            char *p = malloc(n + 6);
            if (p) {
                memcpy(p, path, n);
                memcpy(p + n, ".yaml", 6);
                e = store_open(s, p);
                free(p);
                if (e && !e->is_group)
                    t = CY_OBJ_CONFIG;
            }
        }
    }
    pthread_mutex_unlock(&s->mu);
    return t;
}

int cyc_store_list_raw(const char ***out, bool **is_group, size_t *n, cy_arena *a, cy_store *s,
                       const char *path) {
    pthread_mutex_lock(&s->mu);
    sentry *g = store_open(s, path);
    if (!g || !g->is_group) {
        pthread_mutex_unlock(&s->mu);
        return cy_error_set(CY_ENOTFOUND, "OSError", "Path not found %s", path);
    }
    const char **names = cy_arena_alloc(a, (g->n + 1) * sizeof *names);
    bool *grp = cy_arena_alloc(a, (g->n + 1) * sizeof *grp);
    for (size_t i = 0; i < g->n; i++)
        names[i] = cy_arena_strdup(a, g->kids[i]->name);
    size_t cnt = g->n;
    pthread_mutex_unlock(&s->mu);
    cnt = cyc_sort_unique(names, cnt);
    /* recover the group flags after sorting */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < cnt; i++) {
        sentry *k = find_kid(g, names[i], strlen(names[i]));
        grp[i] = k && k->is_group;
    }
    pthread_mutex_unlock(&s->mu);
    *out = names;
    *is_group = grp;
    *n = cnt;
    return 0;
}

int cy_store_list(const char ***out, size_t *n, cy_arena *a, cy_store *s, const char *path,
                  cy_object_type filter) {
    const char **names;
    bool *grp;
    size_t cnt;
    int rc = cyc_store_list_raw(&names, &grp, &cnt, a, s, path ? path : "");
    if (rc < 0)
        return rc;
    size_t w = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (grp[i]) {
            if (filter == CY_OBJ_CONFIG)
                continue;
            names[w++] = names[i];
        } else {
            if (filter == CY_OBJ_GROUP)
                continue;
            size_t len = strlen(names[i]);
            const char *dot = strrchr(names[i], '.');
            names[w++] = dot ? cy_arena_strndup(a, names[i], (size_t)(dot - names[i]))
                             : cy_arena_strndup(a, names[i], len);
        }
    }
    *out = names;
    *n = cyc_sort_unique(names, w);
    return 0;
}

/* Builds the entry's cached tree (caller holds the lock). */
static int materialise(cy_store *s, sentry *e) {
    if (e->cache)
        return 0;
    int rc = 0;
    if (e->schema) {
        rc = cy_schema_instantiate(&e->cache, s->arena, e->schema);
    } else if (e->node) {
        e->cache = e->node;
    } else {
        rc = cy_yaml_load_str(&e->cache, s->arena, e->yaml, strlen(e->yaml), e->display, NULL);
        if (rc == 0 && !e->package)
            rc = cyc_yaml_header_package(&e->header_package, s->arena, e->yaml);
    }
    if (rc < 0)
        e->cache = NULL;
    return rc;
}

int cy_store_load(cy_store_config *out, cy_arena *a, cy_store *s, const char *config_path) {
    const char *norm = cyc_normalize_file_name(a, config_path);
    pthread_mutex_lock(&s->mu);
    sentry *e = store_open(s, norm);
    if (!e || e->is_group) {
        pthread_mutex_unlock(&s->mu);
        return cy_error_set(CY_ENOTFOUND, "ConfigLoadError", "Structured config not found %s",
                            norm);
    }
    int rc = materialise(s, e);
    const cy_node *cache = e->cache;
    const char *pkg = e->package ? e->package : e->header_package;
    const char *prov = e->provider;
    pthread_mutex_unlock(&s->mu);
    if (rc < 0)
        return rc;
    /* the cached tree never changes once built, so it can be copied without the lock */
    out->node = cy_node_copy(a, cache);
    out->package = pkg ? cy_arena_strdup(a, pkg) : NULL;
    out->provider = prov ? cy_arena_strdup(a, prov) : NULL;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * pkg:// registry
 */

typedef struct pkg_ent {
    char *module;
    cy_store *store;
} pkg_ent;

static pthread_mutex_t pkg_mu = PTHREAD_MUTEX_INITIALIZER;
static pkg_ent *pkgs;
static size_t n_pkgs, cap_pkgs;

int cy_store_register_pkg(const char *module, cy_store *store) {
    if (!module || !module[0])
        return cy_error_set(CY_ERROR, "ValueError", "a package source needs a module name");
    if (strcmp(module, "hydra.conf") == 0)
        return cy_error_set(CY_ERROR, "ValueError", "pkg://hydra.conf is built in");
    pthread_mutex_lock(&pkg_mu);
    for (size_t i = 0; i < n_pkgs; i++) {
        if (strcmp(pkgs[i].module, module) == 0) {
            if (store) {
                pkgs[i].store = store;
            } else {
                free(pkgs[i].module);
                pkgs[i] = pkgs[--n_pkgs];
            }
            pthread_mutex_unlock(&pkg_mu);
            return 0;
        }
    }
    int rc = 0;
    if (store) {
        if (n_pkgs == cap_pkgs) {
            size_t cap = cap_pkgs ? 2 * cap_pkgs : 4;
            pkg_ent *v = realloc(pkgs, cap * sizeof *v);
            if (!v) {
                pthread_mutex_unlock(&pkg_mu);
                return cy_error_set(CY_ENOMEM, NULL, "out of memory");
            }
            pkgs = v;
            cap_pkgs = cap;
        }
        char *m = cyc_xstrdup_or_null(module);
        if (!m)
            rc = cy_error_set(CY_ENOMEM, NULL, "out of memory");
        else
            pkgs[n_pkgs++] = (pkg_ent){m, store};
    }
    pthread_mutex_unlock(&pkg_mu);
    return rc;
}

cy_store *cy_store_pkg(const char *module) {
    if (!module)
        return NULL;
    if (strcmp(module, "hydra.conf") == 0)
        return cyc_hydra_conf_pkg_store();
    cy_store *s = NULL;
    pthread_mutex_lock(&pkg_mu);
    for (size_t i = 0; i < n_pkgs; i++)
        if (strcmp(pkgs[i].module, module) == 0)
            s = pkgs[i].store;
    pthread_mutex_unlock(&pkg_mu);
    return s;
}
