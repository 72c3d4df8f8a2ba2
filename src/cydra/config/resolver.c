/*
 * resolver.c - the process-wide resolver registry, the result cache, and the built-in resolvers:
 * OmegaConf's oc.env, oc.select, oc.decode, oc.create, oc.deprecated, oc.dict.keys,
 * oc.dict.values (the resolvers.oc package) and Hydra's now (hydra/core/utils.py).
 *
 * The built-ins fail as their Python versions fail, class and message, including Python's own
 * argument-count errors ("env() takes from 1 to 2 positional arguments but 3 were given"): the
 * interpolation layer turns those into "TypeError raised while resolving interpolation: ...".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cydra/yaml.h"
#include "interp_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Registry
 */

typedef struct entry {
    char *name;
    cy__resolver r;
} entry;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;
static entry *entries;
static size_t nentries, centries;

static void register_builtins(void);

static void ensure_builtins(void) {
    pthread_once(&builtins_once, register_builtins);
}

/* With reg_lock held. */
static long find_locked(const char *name) {
    for (size_t i = 0; i < nentries; i++)
        if (strcmp(entries[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int register_locked(const char *name, cy_resolver_fn fn, void *userdata, unsigned flags) {
    if (!fn)
        return cy_error_set(CY_ETYPE, "TypeError", "resolver must be callable");
    if (!name || !name[0])
        return cy_error_set(CY_EVALIDATION, "ValueError", "cannot use an empty resolver name");
    long at = find_locked(name);
    if (at >= 0 && !(flags & CY_RESOLVER_REPLACE))
        return cy_error_set(CY_EVALIDATION, "ValueError", "resolver '%s' is already registered",
                            name);
    cy__resolver r = {fn, userdata, flags & CY_RESOLVER_CACHE};
    if (at >= 0) {
        entries[at].r = r;
        return 0;
    }
    if (nentries == centries) {
        size_t cap = centries ? centries * 2 : 16;
        entry *e = realloc(entries, cap * sizeof *e);
        if (!e)
            return cy_error_set(CY_ENOMEM, NULL, "out of memory registering a resolver");
        entries = e;
        centries = cap;
    }
    char *copy = malloc(strlen(name) + 1);
    if (!copy)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory registering a resolver");
    strcpy(copy, name);
    entries[nentries++] = (entry){copy, r};
    return 0;
}

int cy_resolver_register(const char *name, cy_resolver_fn fn, void *userdata, unsigned flags) {
    ensure_builtins();
    pthread_mutex_lock(&reg_lock);
    int rc = register_locked(name, fn, userdata, flags);
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

bool cy_resolver_exists(const char *name) {
    cy__resolver r;
    return name && cy__resolver_find(name, &r);
}

int cy_resolver_unregister(const char *name) {
    ensure_builtins();
    pthread_mutex_lock(&reg_lock);
    long at = name ? find_locked(name) : -1;
    if (at >= 0) {
        free(entries[at].name);
        memmove(&entries[at], &entries[at + 1], (nentries - (size_t)at - 1) * sizeof *entries);
        nentries--;
    }
    pthread_mutex_unlock(&reg_lock);
    if (at < 0)
        return cy_error_set(CY_ENOTFOUND, "KeyError", "no resolver named '%s'", name ? name : "");
    return 0;
}

static void register_builtins_locked(void);

void cy_resolver_clear(void) {
    ensure_builtins();
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < nentries; i++)
        free(entries[i].name);
    nentries = 0;
    register_builtins_locked();
    pthread_mutex_unlock(&reg_lock);
}

bool cy__resolver_find(const char *name, cy__resolver *out) {
    ensure_builtins();
    pthread_mutex_lock(&reg_lock);
    long at = find_locked(name);
    if (at >= 0)
        *out = entries[at].r;
    pthread_mutex_unlock(&reg_lock);
    return at >= 0;
}

/* ---------------------------------------------------------------------------------------------
 * Cache: results of CY_RESOLVER_CACHE resolvers keyed by name and argument texts. OmegaConf keeps
 * it per root config; one per process serves Hydra's use (now: run.dir and sweep.dir agree).
 */

typedef struct cached {
    char *key;
    cy_node *value;
    bool plain;
} cached;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cached *cache;
static size_t ncache, ccache;
static cy_arena *cache_arena;

/* name and texts, each as "<length>:<text>", so that no two argument lists share a key. */
static char *cache_key(const char *name, const char *const *texts, size_t n) {
    size_t len = strlen(name) + 24;
    for (size_t i = 0; i < n; i++)
        len += strlen(texts[i]) + 24;
    char *k = malloc(len);
    if (!k)
        return NULL;
    size_t p = (size_t)snprintf(k, len, "%zu:%s", strlen(name), name);
    for (size_t i = 0; i < n; i++)
        p += (size_t)snprintf(k + p, len - p, "%zu:%s", strlen(texts[i]), texts[i]);
    return k;
}

const cy_node *cy__resolver_cache_get(cy_arena *arena, const char *name,
                                      const char *const *args_text, size_t n, bool *plain) {
    char *k = cache_key(name, args_text, n);
    if (!k)
        return NULL;
    const cy_node *hit = NULL;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache; i++)
        if (strcmp(cache[i].key, k) == 0) {
            hit = cy_node_copy(arena, cache[i].value);
            *plain = cache[i].plain;
            break;
        }
    pthread_mutex_unlock(&cache_lock);
    free(k);
    return hit;
}

void cy__resolver_cache_put(const char *name, const char *const *args_text, size_t n,
                            const cy_node *value, bool plain) {
    char *k = cache_key(name, args_text, n);
    if (!k)
        return;
    pthread_mutex_lock(&cache_lock);
    if (!cache_arena)
        cache_arena = cy_arena_new();
    if (cache_arena && ncache == ccache) {
        size_t cap = ccache ? ccache * 2 : 8;
        cached *c = realloc(cache, cap * sizeof *c);
        if (c) {
            cache = c;
            ccache = cap;
        }
    }
    if (cache_arena && ncache < ccache) {
        cache[ncache++] = (cached){k, cy_node_copy(cache_arena, value), plain};
        k = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    free(k);
}

void cy_resolver_cache_clear(void) {
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache; i++)
        free(cache[i].key);
    free(cache);
    cache = NULL;
    ncache = ccache = 0;
    cy_arena_free(cache_arena);
    cache_arena = NULL;
    pthread_mutex_unlock(&cache_lock);
}

/* ---------------------------------------------------------------------------------------------
 * Warnings
 */

static cy_interp_warning_fn warn_fn;
static void *warn_ud;

void cy_interp_set_warning_handler(cy_interp_warning_fn fn, void *userdata) {
    warn_fn = fn;
    warn_ud = userdata;
}

void cy__interp_warn(const char *msg) {
    if (warn_fn)
        warn_fn(msg, warn_ud);
}

/* ---------------------------------------------------------------------------------------------
 * Helpers for the built-ins
 */

static ip_val arg(const cy_resolver_call *c, size_t i) {
    return (ip_val){c->args[i], c->args_plain && c->args_plain[i] ? IV_PLAIN : 0};
}

static bool arg_is_str(const cy_resolver_call *c, size_t i) {
    return cy__interp_is_str(arg(c, i));
}

static const char *arg_type(const cy_resolver_call *c, size_t i) {
    return cy__interp_type_name(arg(c, i));
}

static const char *arg_str(const cy_resolver_call *c, size_t i) {
    return cy__interp_str(c->arena, arg(c, i));
}

/* Python's argument-count errors for the signature the built-in has in Python: `min`..`max`
 * positional parameters named in `names`; `kwonly` keyword-only parameters that OmegaConf passes
 * by name; `collide`: the positional-or-keyword parameters OmegaConf passes by name (as the
 * kwargs order gives them), which extra arguments collide with. */
static int arity(const cy_resolver_call *c, const char *fname, size_t min, size_t max,
                 const char *const *names, int kwonly, const char *const *collide) {
    size_t n = c->nargs;
    if (n < min) {
        size_t missing = min - n;
        char list[256] = "";
        for (size_t i = n; i < min; i++) {
            char one[64];
            snprintf(one, sizeof one, "'%s'", names[i]);
            if (i > n)
                strncat(list, i + 1 == min ? (missing > 2 ? ", and " : " and ") : ", ",
                        sizeof list - strlen(list) - 1);
            strncat(list, one, sizeof list - strlen(list) - 1);
        }
        return cy_error_set(CY_ETYPE, "TypeError",
                            "%s() missing %zu required positional argument%s: %s", fname, missing,
                            missing > 1 ? "s" : "", list);
    }
    if (collide) {
        /* n > number of positional parameters before the first passed by name */
        for (size_t k = 0; collide[k]; k++) {
            size_t pos = 0;
            while (names[pos] && strcmp(names[pos], collide[k]) != 0)
                pos++;
            if (names[pos] && n > pos)
                return cy_error_set(CY_ETYPE, "TypeError",
                                    "%s() got multiple values for argument '%s'", fname,
                                    collide[k]);
        }
    }
    if (n > max) {
        char takes[64];
        if (min == max)
            snprintf(takes, sizeof takes, "%zu positional argument%s", max, max == 1 ? "" : "s");
        else
            snprintf(takes, sizeof takes, "from %zu to %zu positional arguments", min, max);
        if (kwonly)
            return cy_error_set(CY_ETYPE, "TypeError",
                                "%s() takes %s but %zu positional arguments (and %d keyword-only "
                                "argument%s) were given",
                                fname, takes, n, kwonly, kwonly > 1 ? "s" : "");
        return cy_error_set(CY_ETYPE, "TypeError", "%s() takes %s but %zu %s given", fname, takes,
                            n, n == 1 ? "was" : "were");
    }
    return 0;
}

/* A config built from a value, as OmegaConf.create(obj, parent=_parent_) builds it: strings of a
 * plain value are classified again ("${x}" becomes an interpolation), config nodes are copied as
 * they are; the result hangs below `parent` for relative interpolations without being one of its
 * children. */
static cy_node *to_config(cy_arena *a, const cy_node *v, bool plain) {
    cy_node *c = cy_node_copy(a, v);
    if (plain) {
        /* walk the copy and reclassify strings */
        cy_node *stack[CY_INTERP_MAX_DEPTH + 1];
        size_t idx[CY_INTERP_MAX_DEPTH + 1];
        size_t sp = 0;
        stack[0] = c;
        idx[0] = 0;
        while (true) {
            cy_node *n = stack[sp];
            if ((n->kind == CY_DICT || n->kind == CY_LIST) && idx[sp] < n->v.c.len &&
                sp < CY_INTERP_MAX_DEPTH) {
                cy_node *k = n->v.c.items[idx[sp]++];
                if (k->kind == CY_STR) {
                    cy_node *s = cy_new_str(a, k->v.str.s);
                    if (s->kind != CY_STR)
                        cy__replace_child(n, idx[sp] - 1, s);
                } else if (k->kind == CY_DICT || k->kind == CY_LIST) {
                    stack[++sp] = k;
                    idx[sp] = 0;
                }
                continue;
            }
            if (sp == 0)
                break;
            sp--;
        }
    }
    return c;
}

static void hang_below(cy_node *c, const cy_node *parent) {
    c->parent = (cy_node *)parent;
}

/* ---------------------------------------------------------------------------------------------
 * Built-ins
 */

static int r_env(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"key", "default", NULL};
    int rc = arity(c, "env", 1, 2, names, 0, NULL);
    if (rc < 0)
        return rc;
    if (!arg_is_str(c, 0))
        return cy_error_set(CY_ETYPE, "TypeError", "str expected, not %s", arg_type(c, 0));
    const char *key = c->args[0]->v.str.s;
    const char *val = getenv(key);
    if (val) {
        *out = cy__interp_plain_str(c->arena, val);
        return 0;
    }
    if (c->nargs == 2) {
        const cy_node *d = c->args[1];
        *out = d->kind == CY_NULL ? cy_new_null(c->arena)
                                  : cy__interp_plain_str(c->arena, arg_str(c, 1));
        return 0;
    }
    /* str(KeyError(msg)) is repr(msg) */
    const char *msg = cy_arena_printf(c->arena, "Environment variable '%s' not found", key);
    return cy_error_set(CY_EKEY, "KeyError", "%s", cy_str_pyrepr(c->arena, msg));
}

static int r_select(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"key", "default", NULL};
    int rc = arity(c, "select", 1, 2, names, 1, NULL);
    if (rc < 0)
        return rc;
    if (!arg_is_str(c, 0)) {
        /* key.startswith(".") on whatever the key is: configs answer attribute access */
        const cy_node *k = c->args[0];
        if (cy_node_is_container(k) && !c->args_plain[0]) {
            if (k->container == CY_DICT)
                cy_error_set(CY_EKEY, "ConfigAttributeError", "Missing key startswith");
            else
                cy_error_set(CY_ETYPE, "ConfigAttributeError",
                             "ListConfig does not support attribute access");
            return cy_error_at(k, "startswith");
        }
        return cy_error_set(CY_ETYPE, "AttributeError", "'%s' object has no attribute 'startswith'",
                            arg_type(c, 0));
    }
    ip_val v;
    if ((rc = cy__interp_select(&v, c->parent, c->args[0]->v.str.s, false, NULL)) < 0)
        return rc;
    if (!v.n || v.n->kind == CY_MISSING) {
        if (c->nargs == 2) {
            *out = c->args[1];
            *c->result_plain = c->args_plain[1];
        } else {
            *out = cy_new_null(c->arena);
        }
        return 0;
    }
    v = cy__interp_get_value(c->arena, v);
    *out = v.n;
    *c->result_plain = (v.flags & IV_PLAIN) != 0;
    return 0;
}

static int r_decode(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"expr", "_parent_", "_node_", NULL};
    static const char *const collide[] = {"_parent_", "_node_", NULL};
    int rc = arity(c, "decode", 1, 1, names, 0, collide);
    if (rc < 0)
        return rc;
    if (c->args[0]->kind == CY_NULL && !cy_node_is_container(c->args[0])) {
        *out = cy_new_null(c->arena);
        return 0;
    }
    if (!arg_is_str(c, 0))
        return cy_error_set(CY_ETYPE, "TypeError",
                            "`oc.decode` can only take strings or None as input, but `%s` is of "
                            "type %s",
                            arg_str(c, 0), arg_type(c, 0));
    const char *expr = c->args[0]->v.str.s;
    cy_arena *scratch = cy_arena_new();
    if (!scratch)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    ip_ast *tree;
    rc = cy__interp_parse(&tree, scratch, expr, true, NULL);
    if (rc == 0) {
        ip_ctx cx = {c->parent, c->node, c->arena, NULL, expr, scratch};
        ip_val v;
        if ((rc = cy__interp_eval(&v, &cx, tree)) == 0) {
            v = cy__interp_get_value(c->arena, v);
            *out = v.n;
            *c->result_plain = (v.flags & IV_PLAIN) != 0;
        }
    }
    cy_arena_free(scratch);
    return rc;
}

static int r_create(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"obj", "_parent_", NULL};
    static const char *const collide[] = {"_parent_", NULL};
    int rc = arity(c, "create", 1, 1, names, 0, collide);
    if (rc < 0)
        return rc;
    const cy_node *obj = c->args[0];
    cy_node *res;
    if (arg_is_str(c, 0)) {
        const char *text = obj->v.str.s;
        if ((rc = cy_yaml_load_str(&res, c->arena, text, strlen(text), "<oc.create>", NULL)) < 0) {
            /* a YAML scalar that is neither a string nor null trips OmegaConf's assertion */
            if (strstr(cy_error_last()->msg, "Invalid loaded object type"))
                return cy_error_set(CY_ERROR, "AssertionError", "%s", "");
            return rc;
        }
        res = to_config(c->arena, res, true);
    } else if (obj->kind == CY_NULL && !cy_node_is_container(obj)) {
        res = cy_new_dict(c->arena);
        res->kind = CY_NULL; /* a DictConfig holding None */
    } else if (cy_node_is_container(obj)) {
        res = to_config(c->arena, obj, c->args_plain[0]);
    } else {
        cy_error_set(CY_EVALIDATION, "ValidationError", "Object of unsupported type: '%s'",
                     arg_type(c, 0));
        return cy_error_at_key("", NULL, NULL);
    }
    hang_below(res, c->parent);
    *out = res;
    return 0;
}

static bool id_start(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool id_char(char c) {
    return id_start(c) || (c >= '0' && c <= '9');
}

/* string.Template(message).safe_substitute(OLD_KEY=..., NEW_KEY=...): $$ is $, $NAME and ${NAME}
 * are replaced when NAME is one of the two, everything else stays as written. */
static const char *template_sub(cy_arena *a, const char *msg, const char *old_key,
                                const char *new_key) {
    size_t cap = strlen(msg) + 1, n = 0;
    for (const char *p = msg; (p = strchr(p, '$')); p++)
        cap += strlen(old_key) + strlen(new_key);
    char *out = cy_arena_alloc(a, cap);
    for (const char *p = msg; *p;) {
        if (p[0] == '$' && p[1] == '$') {
            out[n++] = '$';
            p += 2;
            continue;
        }
        if (p[0] == '$') {
            bool braced = p[1] == '{';
            const char *id = p + 1 + braced;
            size_t len = 0;
            if (id_start(id[0]))
                while (id_char(id[len]))
                    len++;
            const char *val = NULL;
            if (len == 7 && strncmp(id, "OLD_KEY", 7) == 0)
                val = old_key;
            else if (len == 7 && strncmp(id, "NEW_KEY", 7) == 0)
                val = new_key;
            if (val && (!braced || id[len] == '}')) {
                size_t vl = strlen(val);
                memcpy(out + n, val, vl);
                n += vl;
                p = id + len + braced;
                continue;
            }
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

static int r_deprecated(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"key", "message", NULL};
    int rc = arity(c, "deprecated", 1, 2, names, 2, NULL);
    if (rc < 0)
        return rc;
    if (!arg_is_str(c, 0))
        return cy_error_set(CY_ETYPE, "TypeError",
                            "oc.deprecated: interpolation key type is not a string (%s)",
                            arg_type(c, 0));
    const char *message = "'$OLD_KEY' is deprecated. Change your code and config to use '$NEW_KEY'";
    if (c->nargs == 2) {
        if (!arg_is_str(c, 1))
            return cy_error_set(CY_ETYPE, "TypeError",
                                "oc.deprecated: interpolation message type is not a string (%s)",
                                arg_type(c, 1));
        message = c->args[1]->v.str.s;
    }
    const char *key = c->args[0]->v.str.s;
    const char *full_key = cy_node_full_key(c->node);
    ip_val v;
    const cy_node *found;
    if ((rc = cy__interp_select(&v, c->parent, key, false, &found)) < 0)
        return rc;
    if (!v.n)
        return cy_error_set(CY_EKEY, "ConfigKeyError",
                            "In oc.deprecated resolver at '%s': Key not found: '%s'", full_key,
                            key);
    cy__interp_warn(template_sub(c->arena, message, full_key, cy_node_full_key(found)));
    *out = v.n;
    *c->result_plain = (v.flags & IV_PLAIN) && !(v.flags & IV_NODE);
    return 0;
}

/* _get_and_validate_dict_input */
static int dict_input(const cy_node **out, const cy_resolver_call *c, const char *rname) {
    if (!arg_is_str(c, 0))
        return cy_error_set(CY_ETYPE, "TypeError",
                            "`%s` requires a string as input, but obtained `%s` of type: %s", rname,
                            arg_str(c, 0), arg_type(c, 0));
    const char *key = c->args[0]->v.str.s;
    ip_val v;
    int rc = cy__interp_select(&v, c->parent, key, true, NULL);
    if (rc < 0)
        return rc;
    if (!v.n || v.n->kind == CY_MISSING)
        return cy_error_set(CY_EKEY, "ConfigKeyError", "Key not found: '%s'", key);
    v = cy__interp_get_value(c->arena, v);
    if (v.n->kind != CY_DICT || (v.flags & IV_PLAIN))
        return cy_error_set(CY_ETYPE, "TypeError", "`%s` cannot be applied to objects of type: %s",
                            rname, cy__interp_type_name(v));
    *out = v.n;
    return 0;
}

static cy_node *key_node(cy_arena *a, const cy_node *child) {
    switch (child->key_kind) {
    case CY_KEY_INT: {
        int64_t i = 0;
        cy__py_int(child->key, &i);
        return cy_new_int(a, i);
    }
    case CY_KEY_FLOAT: {
        double f = 0;
        cy__py_float(child->key, &f);
        return cy_new_float(a, f);
    }
    case CY_KEY_BOOL:
        return cy_new_bool(a, strcmp(child->key, "True") == 0);
    default:
        return cy__interp_plain_str(a, child->key);
    }
}

static int r_dict_keys(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"key", "_parent_", NULL};
    static const char *const collide[] = {"_parent_", NULL};
    int rc = arity(c, "keys", 1, 1, names, 0, collide);
    const cy_node *d;
    if (rc < 0 || (rc = dict_input(&d, c, "oc.dict.keys")) < 0)
        return rc;
    cy_node *list = cy_new_list(c->arena);
    for (size_t i = 0; i < cy_node_len(d); i++)
        cy_list_push(list, key_node(c->arena, cy_node_child(d, i)));
    hang_below(list, c->parent);
    *out = list;
    return 0;
}

static int r_dict_values(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"key", "_root_", "_parent_", NULL};
    static const char *const collide[] = {"_parent_", "_root_", NULL};
    int rc = arity(c, "values", 1, 1, names, 0, collide);
    const cy_node *d;
    if (rc < 0 || (rc = dict_input(&d, c, "oc.dict.values")) < 0)
        return rc;
    const char *key = c->args[0]->v.str.s;
    /* one more dot: the values sit one level deeper, inside the returned list */
    const char *base = key[0] == '.' ? cy_arena_printf(c->arena, ".%s", key) : key;
    cy_node *list = cy_new_list(c->arena);
    for (size_t i = 0; i < cy_node_len(d); i++) {
        const cy_node *child = cy_node_child(d, i);
        cy_list_push(list,
                     cy_new_str(c->arena, cy_arena_printf(c->arena, "${%s.%s}", base, child->key)));
    }
    hang_below(list, c->parent);
    *out = list;
    return 0;
}

/* datetime.now().strftime(pattern): %f (microseconds) and the empty %z/%Z of a naive datetime
 * are Python's own; the rest is the C library's strftime, as in CPython. */
static int r_now(const cy_node **out, const cy_resolver_call *c) {
    static const char *const names[] = {"pattern", NULL};
    int rc = arity(c, "<lambda>", 1, 1, names, 0, NULL);
    if (rc < 0)
        return rc;
    if (!arg_is_str(c, 0))
        return cy_error_set(CY_ETYPE, "TypeError", "strftime() argument 1 must be str, not %s",
                            arg_type(c, 0));
    const char *pat = c->args[0]->v.str.s;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t plen = strlen(pat);
    char *fmt = malloc(plen * 4 + 1);
    if (!fmt)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < plen; i++) {
        if (pat[i] == '%' && i + 1 < plen) {
            char d = pat[i + 1];
            if (d == 'f') {
                k += (size_t)sprintf(fmt + k, "%06ld", ts.tv_nsec / 1000);
                i++;
                continue;
            }
            if (d == 'z' || d == 'Z') {
                i++;
                continue;
            }
            fmt[k++] = pat[i++];
            fmt[k++] = pat[i];
            continue;
        }
        fmt[k++] = pat[i];
    }
    fmt[k] = '\0';
    size_t cap = 64 + k * 8;
    char *buf = NULL;
    size_t got = 0;
    for (int tries = 0; tries < 6; tries++, cap *= 4) {
        free(buf);
        buf = malloc(cap);
        if (!buf)
            break;
        got = strftime(buf, cap, fmt, &tm);
        if (got > 0 || k == 0)
            break;
    }
    free(fmt);
    if (!buf)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    buf[got] = '\0';
    *out = cy__interp_plain_str(c->arena, buf);
    free(buf);
    return 0;
}

static void register_builtins_locked(void) {
    static const struct {
        const char *name;
        cy_resolver_fn fn;
        unsigned flags;
    } builtins[] = {
        {"oc.create", r_create, 0},           {"oc.decode", r_decode, 0},
        {"oc.deprecated", r_deprecated, 0},   {"oc.env", r_env, 0},
        {"oc.select", r_select, 0},           {"oc.dict.keys", r_dict_keys, 0},
        {"oc.dict.values", r_dict_values, 0}, {"now", r_now, CY_RESOLVER_CACHE},
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        register_locked(builtins[i].name, builtins[i].fn, NULL, builtins[i].flags);
}

static void register_builtins(void) {
    pthread_mutex_lock(&reg_lock);
    register_builtins_locked();
    pthread_mutex_unlock(&reg_lock);
}
