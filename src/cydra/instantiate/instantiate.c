/*
 * instantiate.c - the _target_ registry and Hydra's instantiate().
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/instantiate.h"

struct cy_object {
    const char *type;
    void *ptr;
    void (*destroy)(void *ptr);
    const cy_target *target;
    cy_object **children; /* nested objects it was built from; freed with it */
    size_t nchildren;
    cy_arena *arena; /* argument storage for the call, and for partials */
    /* _partial_: the config and the arguments given so far */
    bool partial;
    const cy_node *config;
    cy_arg *extra;
    size_t nextra;
};

/* ---------------------------------------------------------------------------------------------
 * Registry
 */

static const cy_target **targets;
static size_t ntargets, cap_targets;

int cy_target_register(const cy_target *t) {
    for (size_t i = 0; i < ntargets; i++)
        if (strcmp(targets[i]->name, t->name) == 0) {
            targets[i] = t;
            return 0;
        }
    if (ntargets == cap_targets) {
        size_t cap = cap_targets ? 2 * cap_targets : 32;
        const cy_target **p = realloc(targets, cap * sizeof *p);
        if (!p)
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory registering '%s'",
                                t->name);
        targets = p;
        cap_targets = cap;
    }
    targets[ntargets++] = t;
    return 0;
}

const cy_target *cy_target_find(const char *name) {
    for (size_t i = 0; i < ntargets; i++) {
        if (strcmp(targets[i]->name, name) == 0)
            return targets[i];
        for (const char *const *a = targets[i]->aliases; a && *a; a++)
            if (strcmp(*a, name) == 0)
                return targets[i];
    }
    return NULL;
}

size_t cy_target_count(void) {
    return ntargets;
}

const cy_target *cy_target_at(size_t i) {
    return i < ntargets ? targets[i] : NULL;
}

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

static const char *closest_target(const char *name) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < ntargets; i++) {
        const char *cands[16];
        size_t n = 0;
        cands[n++] = targets[i]->name;
        for (const char *const *a = targets[i]->aliases; a && *a && n < 16; a++)
            cands[n++] = *a;
        for (size_t k = 0; k < n; k++) {
            size_t d = edit_distance(name, cands[k]);
            if (d < best_d) {
                best_d = d;
                best = cands[k];
            }
        }
    }
    return best && best_d <= strlen(name) / 3 + 1 ? best : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Objects
 */

cy_object *cy_object_new(const char *type, void *ptr, void (*destroy)(void *ptr)) {
    cy_object *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->type = type;
    o->ptr = ptr;
    o->destroy = destroy;
    return o;
}

void *cy_object_ptr(const cy_object *o, const char *type) {
    if (!o || !o->type || !type || strcmp(o->type, type) != 0)
        return NULL;
    return o->ptr;
}

const char *cy_object_type(const cy_object *o) {
    return o ? o->type : NULL;
}

bool cy_object_is_partial(const cy_object *o) {
    return o && o->partial;
}

const cy_target *cy_object_target(const cy_object *o) {
    return o ? o->target : NULL;
}

void cy_object_free(cy_object *o) {
    if (!o)
        return;
    /* The object may use its children (a scheduler its optimizer): free it first. */
    if (o->destroy && o->ptr)
        o->destroy(o->ptr);
    for (size_t i = 0; i < o->nchildren; i++)
        cy_object_free(o->children[i]);
    free(o->children);
    cy_arena_free(o->arena);
    free(o);
}

static int adopt(cy_object ***children, size_t *n, cy_object *child) {
    cy_object **p = realloc(*children, (*n + 1) * sizeof *p);
    if (!p)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    p[(*n)++] = child;
    *children = p;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Calls
 */

const cy_arg *cy_call_arg(const cy_call *call, const char *name) {
    for (size_t i = 0; i < call->nargs; i++)
        if (strcmp(call->args[i].name, name) == 0)
            return &call->args[i];
    return NULL;
}

static int call_error(const cy_call *call, const char *fmt, const char *name) {
    cy_error_set(CY_EINSTANTIATE, "InstantiationException", fmt, name);
    return CY_EINSTANTIATE;
}

static int arg_node(const cy_call *call, const char *name, const cy_node **out) {
    const cy_arg *a = cy_call_arg(call, name);
    if (!a)
        return call_error(call, "the signature has no argument '%s'", name);
    if (!a->node)
        return call_error(call, "argument '%s' is not a config value", name);
    *out = a->node;
    return 0;
}

int cy_call_int(const cy_call *call, const char *name, int64_t *out) {
    const cy_node *n;
    int rc = arg_node(call, name, &n);
    return rc < 0 ? rc : cy_node_as_int(n, out);
}

int cy_call_float(const cy_call *call, const char *name, double *out) {
    const cy_node *n;
    int rc = arg_node(call, name, &n);
    return rc < 0 ? rc : cy_node_as_float(n, out);
}

int cy_call_bool(const cy_call *call, const char *name, bool *out) {
    const cy_node *n;
    int rc = arg_node(call, name, &n);
    return rc < 0 ? rc : cy_node_as_bool(n, out);
}

int cy_call_str(const cy_call *call, const char *name, const char **out) {
    const cy_node *n;
    int rc = arg_node(call, name, &n);
    return rc < 0 ? rc : cy_node_as_str(n, out);
}

int cy_call_ptr(const cy_call *call, const char *name, const char *type, void **out) {
    const cy_arg *a = cy_call_arg(call, name);
    if (!a)
        return call_error(call, "the signature has no argument '%s'", name);
    if (!a->ptr || !a->ptr_type || strcmp(a->ptr_type, type) != 0) {
        cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                     "argument '%s' must be supplied by the caller as %s", name, type);
        return CY_EINSTANTIATE;
    }
    *out = a->ptr;
    return 0;
}

int cy_call_object(const cy_call *call, const char *name, const char *type, void **out) {
    const cy_arg *a = cy_call_arg(call, name);
    if (!a)
        return call_error(call, "the signature has no argument '%s'", name);
    void *p = a->object ? cy_object_ptr(a->object, type) : NULL;
    if (!p && a->ptr && a->ptr_type && strcmp(a->ptr_type, type) == 0)
        p = a->ptr;
    if (!p) {
        cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                     "argument '%s' must be an instantiated %s", name, type);
        return CY_EINSTANTIATE;
    }
    *out = p;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * instantiate
 */

static bool is_special_key(const char *k) {
    return strcmp(k, "_target_") == 0 || strcmp(k, "_args_") == 0 ||
           strcmp(k, "_recursive_") == 0 || strcmp(k, "_partial_") == 0 ||
           strcmp(k, "_convert_") == 0;
}

static bool has_target(const cy_node *n) {
    return n && n->kind == CY_DICT && cy_dict_get(n, "_target_") != NULL;
}

/* Reads an optional bool flag (_recursive_, _partial_) from the config, then from the extras. */
static int flag_value(const cy_node *cfg, const cy_arg *extra, size_t nextra, const char *key,
                      bool dflt, bool *out) {
    *out = dflt;
    for (size_t i = 0; i < nextra; i++)
        if (strcmp(extra[i].name, key) == 0 && extra[i].node)
            return cy_node_as_bool(extra[i].node, out);
    const cy_node *n = cy_dict_get(cfg, key);
    return n ? cy_node_as_bool(n, out) : 0;
}

static int wrap_call_error(const char *target, const char *full_key) {
    const cy_error *e = cy_error_last();
    char *text = cy_error_text(e);
    int code = e->code ? e->code : CY_EINSTANTIATE;
    cy_error_set(code == CY_EMISSING ? CY_EMISSING : CY_EINSTANTIATE, "InstantiationException",
                 "Error in call to target '%s':\n%s%s%s", target, text ? text : "",
                 full_key && *full_key ? "\nfull_key: " : "", full_key ? full_key : "");
    free(text);
    return cy_error_last()->code;
}

static int instantiate_impl(cy_object **out, const cy_node *config, const cy_arg *extra,
                            size_t nextra, bool force_partial_off);

/* The extras a nested target receives: those its signature has and its config leaves ??? or
 * unset. */
static size_t nested_extras(cy_arg *dst, const cy_node *child, const cy_arg *extra, size_t nextra) {
    const cy_node *t = cy_dict_get(child, "_target_");
    const char *tname = NULL;
    if (!t || cy_node_as_str(t, &tname) < 0) {
        cy_error_clear();
        return 0;
    }
    const cy_target *target = cy_target_find(tname);
    if (!target || !target->signature)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < nextra; i++) {
        if (is_special_key(extra[i].name) || !cy_schema_find(target->signature, extra[i].name))
            continue;
        const cy_node *v = cy_dict_get(child, extra[i].name);
        const cy_field *f = cy_schema_find(target->signature, extra[i].name);
        bool unset = v ? v->kind == CY_MISSING : (!f->def || strcmp(f->def, CY_DEF_MISSING) == 0);
        if (unset)
            dst[n++] = extra[i];
    }
    return n;
}

static int instantiate_impl(cy_object **out, const cy_node *config, const cy_arg *extra,
                            size_t nextra, bool force_partial_off) {
    const cy_node *cfg;
    int rc;
    *out = NULL;
    if ((rc = cy_node_resolve(config, &cfg)) < 0)
        return rc;
    const char *full_key = cy_node_full_key(config);
    if (cfg->kind != CY_DICT || !cy_dict_get(cfg, "_target_")) {
        cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                     "Input config does not have a `_target_` field%s%s",
                     *full_key ? "\nfull_key: " : "", full_key);
        return CY_EINSTANTIATE;
    }
    const char *tname;
    if ((rc = cy_node_as_str(cy_dict_get(cfg, "_target_"), &tname)) < 0)
        return rc;
    const cy_target *target = cy_target_find(tname);
    if (!target) {
        const char *close = closest_target(tname);
        cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                     "Error locating target '%s': no such target is registered%s%s%s%s%s", tname,
                     close ? ". Did you mean '" : "", close ? close : "", close ? "'?" : "",
                     *full_key ? "\nfull_key: " : "", full_key);
        return CY_EINSTANTIATE;
    }

    bool recursive, partial;
    if ((rc = flag_value(cfg, extra, nextra, "_recursive_", true, &recursive)) < 0 ||
        (rc = flag_value(cfg, extra, nextra, "_partial_", false, &partial)) < 0)
        return rc;
    if (force_partial_off)
        partial = false;
    const cy_node *conv = cy_dict_get(cfg, "_convert_");
    if (conv) {
        const char *mode;
        if ((rc = cy_node_as_str(conv, &mode)) < 0)
            return rc;
        if (strcmp(mode, "none") && strcmp(mode, "partial") && strcmp(mode, "object") &&
            strcmp(mode, "all")) {
            cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                         "Invalid _convert_ value '%s' (expected none, partial, object or all)%s%s",
                         mode, *full_key ? "\nfull_key: " : "", full_key);
            return CY_EINSTANTIATE;
        }
    }

    cy_object *obj = cy_object_new(NULL, NULL, NULL);
    if (!obj || !(obj->arena = cy_arena_new())) {
        free(obj);
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    }
    obj->target = target;
    cy_arena *arena = obj->arena;

    if (partial) {
        obj->partial = true;
        obj->type = "partial";
        obj->config = cy_node_copy(arena, cfg);
        obj->extra = cy_arena_alloc(arena, (nextra ? nextra : 1) * sizeof *obj->extra);
        memcpy(obj->extra, extra, nextra * sizeof *extra);
        obj->nextra = nextra;
        *out = obj;
        return 0;
    }

    size_t nfields = target->signature ? cy_schema_nfields(target->signature) : 0;
    cy_arg *args = cy_arena_alloc(arena, (nfields + 1) * sizeof *args);
    size_t nargs = 0;

    /* Signature order; `_target_` of the schema is not an argument. */
    for (size_t i = 0; i < nfields; i++) {
        const cy_field *f = cy_schema_field(target->signature, i);
        if (strcmp(f->name, "_target_") == 0)
            continue;
        args[nargs++].name = f->name;
    }

    /* Positional _args_ fill the signature in order. */
    const cy_node *pos = cy_dict_get(cfg, "_args_");
    if (pos) {
        const cy_node *pl;
        if ((rc = cy_node_resolve(pos, &pl)) < 0)
            goto fail;
        if (pl->kind != CY_LIST) {
            rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                              "Error in collecting args and kwargs for '%s':\n"
                              "InstantiationException(\"Unsupported _args_ type: '%s'. value: "
                              "'%s'\")",
                              tname, cy_node_pytype(pl), cy_node_pystr(pl));
            goto fail;
        }
        if (cy_node_len(pl) > nargs) {
            rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                              "Error in call to target '%s':\nTypeError(\"__init__() takes %zu "
                              "positional arguments but %zu were given\")",
                              tname, nargs, cy_node_len(pl));
            goto fail;
        }
        for (size_t i = 0; i < cy_node_len(pl); i++)
            args[i].node = cy_node_child(pl, i);
    }

    /* Keyword arguments from the config. */
    for (size_t i = 0; i < cy_node_len(cfg); i++) {
        const cy_node *c = cy_node_child(cfg, i);
        if (is_special_key(c->key))
            continue;
        size_t k = 0;
        while (k < nargs && strcmp(args[k].name, c->key) != 0)
            k++;
        if (k == nargs) {
            rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                              "Error in call to target '%s':\nTypeError(\"__init__() got an "
                              "unexpected keyword argument '%s'\")%s%s",
                              tname, c->key, *full_key ? "\nfull_key: " : "", full_key);
            goto fail;
        }
        args[k].node = c;
    }

    /* Call-time arguments win over the config's. */
    for (size_t i = 0; i < nextra; i++) {
        if (is_special_key(extra[i].name))
            continue;
        size_t k = 0;
        while (k < nargs && strcmp(args[k].name, extra[i].name) != 0)
            k++;
        if (k == nargs) {
            rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                              "Error in call to target '%s':\nTypeError(\"__init__() got an "
                              "unexpected keyword argument '%s'\")%s%s",
                              tname, extra[i].name, *full_key ? "\nfull_key: " : "", full_key);
            goto fail;
        }
        args[k] = extra[i];
        args[k].name = extra[i].name;
    }

    /* Defaults for what is still unset; nested targets instantiated. */
    for (size_t k = 0; k < nargs; k++) {
        cy_arg *a = &args[k];
        if (!a->node && !a->object && !a->ptr) {
            const cy_field *f = cy_schema_find(target->signature, a->name);
            cy_node *d;
            if ((rc = cy_field_default(&d, arena, f)) < 0)
                goto fail;
            a->node = d;
        }
        if (a->node && !a->object && !a->ptr) {
            const cy_node *v;
            if ((rc = cy_node_resolve(a->node, &v)) < 0) {
                if (rc == CY_EMISSING) {
                    rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                                      "Error in call to target '%s':\nTypeError(\"__init__() "
                                      "missing 1 required positional argument: '%s'\")%s%s",
                                      tname, a->name, *full_key ? "\nfull_key: " : "", full_key);
                }
                goto fail;
            }
            if (recursive && has_target(v)) {
                cy_arg sub[64];
                size_t nsub = nested_extras(sub, v, extra, nextra < 64 ? nextra : 64);
                cy_object *child;
                if ((rc = instantiate_impl(&child, v, sub, nsub, false)) < 0)
                    goto fail;
                if ((rc = adopt(&obj->children, &obj->nchildren, child)) < 0) {
                    cy_object_free(child);
                    goto fail;
                }
                a->object = child;
            } else if (recursive && v->kind == CY_LIST) {
                for (size_t i = 0; i < cy_node_len(v); i++) {
                    const cy_node *e;
                    if ((rc = cy_node_resolve(cy_node_child(v, i), &e)) < 0)
                        goto fail;
                    if (!has_target(e))
                        continue;
                    if (!a->items)
                        a->items = cy_arena_alloc(arena, cy_node_len(v) * sizeof *a->items);
                    cy_arg sub[64];
                    size_t nsub = nested_extras(sub, e, extra, nextra < 64 ? nextra : 64);
                    cy_object *child;
                    if ((rc = instantiate_impl(&child, e, sub, nsub, false)) < 0)
                        goto fail;
                    if ((rc = adopt(&obj->children, &obj->nchildren, child)) < 0) {
                        cy_object_free(child);
                        goto fail;
                    }
                    a->items[i] = child;
                }
            }
        }
    }

    cy_call call = {.target = target,
                    .config = config,
                    .full_key = full_key,
                    .args = args,
                    .nargs = nargs,
                    .arena = arena};
    cy_object *made = NULL;
    if ((rc = target->create(&made, &call, target->userdata)) < 0) {
        rc = wrap_call_error(target->name, full_key);
        goto fail;
    }
    /* The factory's object takes over the children and the arena. */
    made->target = target;
    made->children = obj->children;
    made->nchildren = obj->nchildren;
    made->arena = obj->arena;
    free(obj);
    *out = made;
    return 0;

fail:
    cy_object_free(obj);
    return rc;
}

int cy_instantiate(cy_object **out, const cy_node *config, const cy_arg *extra, size_t nextra) {
    return instantiate_impl(out, config, extra, nextra, false);
}

int cy_object_call(cy_object **out, const cy_object *partial, const cy_arg *extra, size_t nextra) {
    if (!partial || !partial->partial)
        return cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                            "cy_object_call needs a _partial_ object");
    cy_arg *all = malloc((partial->nextra + nextra + 1) * sizeof *all);
    if (!all)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    memcpy(all, partial->extra, partial->nextra * sizeof *all);
    memcpy(all + partial->nextra, extra, nextra * sizeof *all);
    /* Later arguments win: instantiate_impl applies extras in order. */
    int rc = instantiate_impl(out, partial->config, all, partial->nextra + nextra, true);
    free(all);
    return rc;
}
