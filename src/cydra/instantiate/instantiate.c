/*
 * instantiate.c - the _target_ registry and Hydra 1.3's instantiate() (_instantiate2.py).
 *
 * The order of the steps and of the checks follows Hydra and CPython closely, because it decides
 * which error a config with several problems reports: flags, then the target, then the arguments
 * in key order (nested targets instantiated on the way), then `_args_`, then the binding to the
 * signature in CPython's order (keywords, excess positionals, missing arguments), then the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/config/sbuf.h"
#include "cydra/instantiate.h"

/* An object built from a nested `_target_` dict, with that dict. */
typedef struct nested_ent {
    const cy_node *node;
    cy_object *obj;
} nested_ent;

struct cy_object {
    const char *type;
    void *ptr;
    void (*destroy)(void *ptr);
    const cy_target *target;
    nested_ent *nested; /* owned (borrowed when `borrowed` is set) */
    size_t nnested, capnested;
    bool borrowed; /* a partial call's object: nested entries belong to the partial */
    cy_arena *arena;
    /* _partial_: the collected arguments, bound when the partial is called */
    bool partial;
    const cy_node *config;
    const char *full_key;
    cy_arg *pos; /* positional (_args_) */
    size_t npos;
    cy_arg *kw; /* keyword, in collection order */
    size_t nkw;
};

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 */

/* Python's repr() of a str: single quotes unless the text has a ' and no ", escapes as Python. */
static void put_pyrepr(cy_sbuf *b, const char *s) {
    bool sq = strchr(s, '\'') != NULL, dq = strchr(s, '"') != NULL;
    char q = sq && !dq ? '"' : '\'';
    cy__sb_putc(b, q);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\':
            cy__sb_puts(b, "\\\\");
            break;
        case '\n':
            cy__sb_puts(b, "\\n");
            break;
        case '\r':
            cy__sb_puts(b, "\\r");
            break;
        case '\t':
            cy__sb_puts(b, "\\t");
            break;
        default:
            if (*p == (unsigned char)q) {
                cy__sb_putc(b, '\\');
                cy__sb_putc(b, (char)*p);
            } else if (*p < 0x20 || *p == 0x7f) {
                cy__sb_printf(b, "\\x%02x", *p);
            } else {
                cy__sb_putc(b, (char)*p);
            }
        }
    }
    cy__sb_putc(b, q);
}

static bool is_special_key(const char *k) {
    return k && (strcmp(k, "_target_") == 0 || strcmp(k, "_args_") == 0 ||
                 strcmp(k, "_recursive_") == 0 || strcmp(k, "_partial_") == 0 ||
                 strcmp(k, "_convert_") == 0);
}

/* The full key Hydra reports for a node, node._get_full_key(None): OmegaConf's usual key, except
 * that a list item's own index is not bracketed ("a.a1" for a.a[1]) and the first item of a
 * top-level list has no key at all (the int 0 is falsy). */
static const char *hydra_full_key(cy_arena *a, const cy_node *n) {
    const cy_node *p = n->parent;
    if (!p || p->kind != CY_LIST)
        return cy_arena_strdup(a, cy_node_full_key(n));
    long i = cy_node_index(n);
    const char *pk = cy_node_full_key(p);
    if (!*pk && i == 0)
        return "";
    return cy_arena_printf(a, "%s%ld", pk, i);
}

/* "\nfull_key: K" when the key is not empty, as Hydra appends it. */
static const char *key_suffix(cy_arena *a, const char *full_key) {
    return full_key && *full_key ? cy_arena_printf(a, "\nfull_key: %s", full_key) : "";
}

/* ---------------------------------------------------------------------------------------------
 * Registry
 */

static const cy_target **targets;
static size_t ntargets, cap_targets;

int cy_target_register(const cy_target *t) {
    if (!t || !t->name || !*t->name)
        return cy_error_set(CY_ERROR, "ValueError", "a target needs a name");
    if (!t->create)
        return cy_error_set(CY_ERROR, "ValueError", "target '%s' has no factory", t->name);
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
    if (!name)
        return NULL;
    /* names first, so an alias never shadows another target's own name */
    for (size_t i = 0; i < ntargets; i++)
        if (strcmp(targets[i]->name, name) == 0)
            return targets[i];
    for (size_t i = 0; i < ntargets; i++)
        for (const char *const *a = targets[i]->aliases; a && *a; a++)
            if (strcmp(*a, name) == 0)
                return targets[i];
    return NULL;
}

size_t cy_target_count(void) {
    return ntargets;
}

const cy_target *cy_target_at(size_t i) {
    return i < ntargets ? targets[i] : NULL;
}

static const char *closest_target(const char *name) {
    cy_suggest sg;
    cy_suggest_init(&sg, name);
    for (size_t i = 0; i < ntargets; i++) {
        cy_suggest_add(&sg, targets[i]->name);
        for (const char *const *a = targets[i]->aliases; a && *a; a++)
            cy_suggest_add(&sg, *a);
    }
    return sg.best;
}

/* How Python names the callable in TypeErrors: "Adam.__init__" for a class (by convention its
 * name is capitalised), "add" for a function. */
static const char *callable_name(cy_arena *a, const cy_target *t) {
    const char *dot = strrchr(t->name, '.');
    const char *last = dot ? dot + 1 : t->name;
    if (*last >= 'A' && *last <= 'Z')
        return cy_arena_printf(a, "%s.__init__", last);
    return last;
}

static bool is_class(const cy_target *t) {
    const char *dot = strrchr(t->name, '.');
    const char *last = dot ? dot + 1 : t->name;
    return *last >= 'A' && *last <= 'Z';
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

const char *cy_object_tag(const cy_object *o) {
    return o ? o->type : NULL;
}

bool cy_object_is_partial(const cy_object *o) {
    return o && o->partial;
}

const cy_target *cy_object_target(const cy_object *o) {
    return o ? o->target : NULL;
}

cy_object *cy_object_nested(const cy_object *o, const cy_node *target) {
    if (!o || !target)
        return NULL;
    for (size_t i = 0; i < o->nnested; i++)
        if (o->nested[i].node == target)
            return o->nested[i].obj;
    return NULL;
}

void *cy_object_take(cy_object *o, const char *type) {
    void *p = cy_object_ptr(o, type);
    if (p) {
        o->ptr = NULL;
        o->destroy = NULL;
    }
    return p;
}

void cy_object_free(cy_object *o) {
    if (!o)
        return;
    /* The object may use its nested objects (a scheduler its optimizer): free it first. */
    if (o->destroy && o->ptr)
        o->destroy(o->ptr);
    if (!o->borrowed)
        for (size_t i = 0; i < o->nnested; i++)
            cy_object_free(o->nested[i].obj);
    free(o->nested);
    cy_arena_free(o->arena);
    free(o);
}

static int adopt(cy_object *owner, const cy_node *node, cy_object *child) {
    if (owner->nnested == owner->capnested) {
        size_t cap = owner->capnested ? 2 * owner->capnested : 4;
        nested_ent *p = realloc(owner->nested, cap * sizeof *p);
        if (!p)
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
        owner->nested = p;
        owner->capnested = cap;
    }
    owner->nested[owner->nnested++] = (nested_ent){node, child};
    return 0;
}

/* A fresh object with its own arena, for building a call or a config result. */
static int new_shell(cy_object **out, const cy_target *target) {
    cy_object *o = cy_object_new(NULL, NULL, NULL);
    if (!o || !(o->arena = cy_arena_new())) {
        free(o);
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    }
    o->target = target;
    *out = o;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Calls
 */

const cy_arg *cy_call_arg(const cy_call *call, const char *name) {
    for (size_t i = 0; i < call->nargs; i++)
        if (call->args[i].name && strcmp(call->args[i].name, name) == 0)
            return &call->args[i];
    return NULL;
}

cy_object *cy_call_nested(const cy_call *call, const cy_node *target) {
    return cy_object_nested(call->owner, target);
}

static int no_such_arg(const cy_call *call, const char *name) {
    return cy_error_set(CY_EINSTANTIATE, "TypeError", "%s() has no argument '%s'",
                        callable_name(call->arena, call->target), name);
}

static int arg_node(const cy_call *call, const char *name, const cy_node **out) {
    const cy_arg *a = cy_call_arg(call, name);
    if (!a)
        return no_such_arg(call, name);
    if (!a->node)
        return cy_error_set(CY_EINSTANTIATE, "TypeError", "argument '%s' is not a config value",
                            name);
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
        return no_such_arg(call, name);
    if (!a->ptr || !a->ptr_type || strcmp(a->ptr_type, type) != 0)
        return cy_error_set(CY_EINSTANTIATE, "TypeError",
                            "argument '%s' must be supplied by the caller as %s", name, type);
    *out = a->ptr;
    return 0;
}

int cy_call_object(const cy_call *call, const char *name, const char *type, void **out) {
    const cy_arg *a = cy_call_arg(call, name);
    if (!a)
        return no_such_arg(call, name);
    void *p = a->object ? cy_object_ptr(a->object, type) : NULL;
    if (!p && a->ptr && a->ptr_type && strcmp(a->ptr_type, type) == 0)
        p = a->ptr;
    if (!p)
        return cy_error_set(CY_EINSTANTIATE, "TypeError",
                            "argument '%s' must be an instantiated %s", name, type);
    *out = p;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Call-time arguments offered to nested targets
 *
 * The arguments given to cy_instantiate are offered, level by level, to the nested targets whose
 * config leaves them ??? (or out, when the signature has no default). An offer is a list of
 * indices into the top-level array; `used` records which arguments some nested target took.
 */

typedef struct offer {
    const cy_arg *extra; /* the top-level call-time arguments */
    size_t nextra;
    bool *used;
} offer;

/* The offered arguments that nested target t (config cfg) takes, copied into dst; marks them
 * used. */
static size_t offered_to(cy_arg *dst, const offer *of, const cy_target *t, const cy_node *cfg) {
    size_t n = 0;
    if (!of || !t || !t->signature)
        return 0;
    for (size_t k = 0; k < of->nextra; k++) {
        const cy_arg *e = &of->extra[k];
        if (is_special_key(e->name))
            continue;
        const cy_field *f = cy_schema_find(t->signature, e->name);
        if (!f || strcmp(f->name, "_target_") == 0)
            continue;
        const cy_node *v = cy_dict_get(cfg, e->name);
        bool unset = v ? v->kind == CY_MISSING : (!f->def || strcmp(f->def, CY_DEF_MISSING) == 0);
        if (unset) {
            dst[n++] = *e;
            of->used[k] = true;
        }
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * instantiate
 */

typedef struct flags {
    bool recursive; /* inherited by nested nodes */
} flags;

static int instantiate_target(cy_object **out, const cy_node *cfg, const offer *of, flags fl,
                              const cy_arg *extra, size_t nextra);

/* Resolves an interpolation before anything else, as OmegaConf.resolve(config) does first: an
 * interpolation that fails is reported even where nothing reads it. ??? values are not errors
 * here. */
static int resolve_all(const cy_node *n) {
    if (n->kind == CY_INTERP) {
        const cy_node *v;
        int rc = cy_node_resolve(n, &v);
        if (rc == CY_EMISSING) {
            cy_error_clear();
            return 0;
        }
        if (rc < 0 && cy_error_last()->has_key) {
            /* OmegaConf.resolve raises without the key facts */
            const char *exc = cy_error_last()->exc;
            char *msg = strdup(cy_error_last()->msg);
            if (!msg)
                return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
            rc = cy_error_set(rc, exc, "%s", msg);
            free(msg);
        }
        return rc;
    }
    if (n->kind == CY_DICT || n->kind == CY_LIST)
        for (size_t i = 0; i < cy_node_len(n); i++) {
            int rc = resolve_all(cy_node_child(n, i));
            if (rc < 0)
                return rc;
        }
    return 0;
}

/* Reads a flag key of a dict (resolved; ??? is an error). *present tells whether it is there. */
static int read_flag(const cy_node *dict, const char *key, const cy_node **out) {
    const cy_node *n = cy_dict_get(dict, key);
    *out = NULL;
    if (!n)
        return 0;
    return cy_node_resolve(n, out);
}

/* The Python type of a value for "got <class 'str'>". */
static const char *py_class(const cy_node *v) {
    switch (v->kind) {
    case CY_DICT:
        return "omegaconf.dictconfig.DictConfig";
    case CY_LIST:
        return "omegaconf.listconfig.ListConfig";
    default:
        return cy_node_pytype(v);
    }
}

static int flag_error(const cy_node *v, const char *flag, const char *full_key, cy_arena *a) {
    return cy_error_set(CY_EINSTANTIATE, "TypeError",
                        "Instantiation: %s flag must be a bool, got <class '%s'>%s", flag,
                        py_class(v), key_suffix(a, full_key));
}

/* Checks the flags any dict may carry (Hydra reads them from every dict it walks); updates fl
 * with its _recursive_. */
static int dict_flags(const cy_node *v, flags *fl, cy_arena *a) {
    const cy_node *r, *p;
    int rc;
    if ((rc = read_flag(v, "_recursive_", &r)) < 0 || (rc = read_flag(v, "_partial_", &p)) < 0)
        return rc;
    if (r && r->kind != CY_BOOL)
        return flag_error(r, "_recursive_", hydra_full_key(a, v), a);
    if (p && p->kind != CY_BOOL)
        return flag_error(p, "_partial_", hydra_full_key(a, v), a);
    if (r)
        fl->recursive = r->v.b;
    return 0;
}

/* Instantiates what is nested in value v (resolved), as Hydra's instantiate_node walks a value:
 * a `_target_` dict becomes an object adopted by owner; the items of other dicts and lists are
 * walked whatever _recursive_ says (it only decides whether a target's arguments are walked);
 * ??? values inside are errors. */
static int instantiate_inside(cy_object *owner, const cy_node *v, const offer *of, flags fl) {
    int rc;
    if (v->kind == CY_DICT && cy_dict_get(v, "_target_")) {
        size_t nmax = of ? of->nextra : 0;
        cy_arg *sub = nmax ? cy_arena_alloc(owner->arena, nmax * sizeof *sub) : NULL;
        size_t nsub = 0;
        const cy_node *tv;
        if (cy_node_resolve(cy_dict_get(v, "_target_"), &tv) == 0 && tv->kind == CY_STR)
            nsub = offered_to(sub, of, cy_target_find(tv->v.str.s), v);
        cy_error_clear();
        cy_object *child = NULL;
        if ((rc = instantiate_target(&child, v, of, fl, sub, nsub)) < 0)
            return rc;
        if (child && (rc = adopt(owner, v, child)) < 0) {
            cy_object_free(child);
            return rc;
        }
        return 0;
    }
    if (v->kind == CY_DICT && (rc = dict_flags(v, &fl, owner->arena)) < 0)
        return rc;
    if (v->kind == CY_DICT || v->kind == CY_LIST) {
        for (size_t i = 0; i < cy_node_len(v); i++) {
            const cy_node *item = cy_node_child(v, i);
            if (v->kind == CY_LIST && item->kind == CY_MISSING)
                /* ListConfig's iteration message */
                return cy_error_set(CY_EMISSING, "MissingMandatoryValue",
                                    "Missing value at index %zu", i);
            const cy_node *c;
            if ((rc = cy_node_resolve(item, &c)) < 0)
                return rc;
            if ((rc = instantiate_inside(owner, c, of, fl)) < 0)
                return rc;
        }
    }
    return 0;
}

/* Binding (CPython's order) ----------------------------------------------------------------- */

static void missing_names(cy_sbuf *b, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            cy__sb_puts(b, n == 2 ? " and " : i == n - 1 ? ", and " : ", ");
        cy__sb_printf(b, "'%s'", names[i]);
    }
}

/* Was a call-time argument of this name taken by a nested target? */
static bool taken_by_nested(const offer *of, const char *name) {
    for (size_t e = 0; of && e < of->nextra; e++)
        if (of->used[e] && strcmp(of->extra[e].name, name) == 0)
            return true;
    return false;
}

/* Binds positional and keyword arguments to t's signature into args (signature order, defaults
 * filled). Errors are Python's TypeErrors, message only (the caller wraps them); *hint gets a
 * "Did you mean" suggestion for an unexpected keyword. */
static int bind(cy_arg **out, size_t *nout, const char **hint, cy_arena *a, const cy_target *t,
                const cy_arg *pos, size_t npos, const cy_arg *kw, size_t nkw, const offer *of) {
    const char *fn = callable_name(a, t);
    *hint = NULL;
    if (!t->signature) {
        /* any keyword arguments, no positional ones */
        size_t self = is_class(t) ? 1 : 0;
        if (npos > 0)
            return cy_error_set(CY_EINSTANTIATE, "TypeError",
                                "%s() takes %zu positional argument%s but %zu %s given", fn, self,
                                self == 1 ? "" : "s", npos + self,
                                npos + self == 1 ? "was" : "were");
        cy_arg *args = cy_arena_alloc(a, (nkw ? nkw : 1) * sizeof *args);
        size_t n = 0;
        for (size_t k = 0; k < nkw; k++)
            if (!(kw[k].ptr || kw[k].object) || !taken_by_nested(of, kw[k].name))
                args[n++] = kw[k];
        *out = args;
        *nout = n;
        return 0;
    }
    size_t nfields = cy_schema_nfields(t->signature);
    cy_arg *args = cy_arena_alloc(a, (nfields ? nfields : 1) * sizeof *args);
    const cy_field **fields = cy_arena_alloc(a, (nfields ? nfields : 1) * sizeof *fields);
    bool *bound = cy_arena_alloc(a, nfields ? nfields : 1);
    size_t n = 0, ndefaults = 0;
    for (size_t i = 0; i < nfields; i++) {
        const cy_field *f = cy_schema_field(t->signature, i);
        if (strcmp(f->name, "_target_") == 0)
            continue;
        fields[n] = f;
        args[n].name = f->name;
        if (f->def && strcmp(f->def, CY_DEF_MISSING) != 0)
            ndefaults++;
        n++;
    }
    for (size_t i = 0; i < npos && i < n; i++) {
        args[i] = pos[i];
        args[i].name = fields[i]->name;
        bound[i] = true;
    }
    for (size_t k = 0; k < nkw; k++) {
        size_t j = 0;
        while (j < n && strcmp(fields[j]->name, kw[k].name) != 0)
            j++;
        if (j == n) {
            /* a call-time argument that a nested target took is not this target's business */
            if (taken_by_nested(of, kw[k].name))
                continue;
            cy_suggest sg;
            cy_suggest_init(&sg, kw[k].name);
            for (size_t i = 0; i < n; i++)
                cy_suggest_add(&sg, fields[i]->name);
            *hint = sg.best;
            return cy_error_set(CY_EINSTANTIATE, "TypeError",
                                "%s() got an unexpected keyword argument '%s'", fn, kw[k].name);
        }
        if (bound[j])
            return cy_error_set(CY_EINSTANTIATE, "TypeError",
                                "%s() got multiple values for argument '%s'", fn, kw[k].name);
        args[j] = kw[k];
        args[j].name = fields[j]->name;
        bound[j] = true;
    }
    if (npos > n) {
        size_t self = is_class(t) ? 1 : 0;
        size_t total = n + self, given = npos + self;
        char sig[64];
        if (ndefaults)
            snprintf(sig, sizeof sig, "from %zu to %zu", total - ndefaults, total);
        else
            snprintf(sig, sizeof sig, "%zu", total);
        return cy_error_set(CY_EINSTANTIATE, "TypeError",
                            "%s() takes %s positional argument%s but %zu %s given", fn, sig,
                            ndefaults || total != 1 ? "s" : "", given, given == 1 ? "was" : "were");
    }
    const char **missing = cy_arena_alloc(a, (n ? n : 1) * sizeof *missing);
    size_t nmissing = 0;
    for (size_t j = 0; j < n; j++)
        if (!bound[j] && (!fields[j]->def || strcmp(fields[j]->def, CY_DEF_MISSING) == 0))
            missing[nmissing++] = fields[j]->name;
    if (nmissing) {
        cy_sbuf b = {0};
        cy__sb_printf(&b, "%s() missing %zu required positional argument%s: ", fn, nmissing,
                      nmissing == 1 ? "" : "s");
        missing_names(&b, missing, nmissing);
        int rc = b.oom ? cy_error_set(CY_ENOMEM, "MemoryError", "out of memory")
                       : cy_error_set(CY_EINSTANTIATE, "TypeError", "%s", b.s);
        cy__sb_free(&b);
        return rc;
    }
    for (size_t j = 0; j < n; j++) {
        if (bound[j])
            continue;
        cy_node *d;
        int rc = cy_field_default(&d, a, fields[j]);
        if (rc < 0)
            return rc;
        args[j].node = d;
    }
    *out = args;
    *nout = n;
    return 0;
}

/* Hydra's wrapping of the last error: "<head>:\n<repr(e)>\nfull_key: K", then our "Did you mean"
 * line. repr(e) is Python's: ValueError('Invalid learning rate: -1.0'). */
static int wrap_error(const char *head, const char *full_key, const char *hint, int code) {
    const cy_error *e = cy_error_last();
    cy_sbuf b = {0};
    cy__sb_puts(&b, head);
    cy__sb_puts(&b, ":\n");
    cy__sb_puts(&b, e->exc ? e->exc : "Exception");
    cy__sb_puts(&b, "(");
    if (e->msg && *e->msg)
        put_pyrepr(&b, e->msg);
    cy__sb_puts(&b, ")");
    if (full_key && *full_key)
        cy__sb_printf(&b, "\nfull_key: %s", full_key);
    if (hint)
        cy__sb_printf(&b, "\nDid you mean '%s'?", hint);
    int rc = b.oom ? cy_error_set(CY_ENOMEM, "MemoryError", "out of memory")
                   : cy_error_set(code, "InstantiationException", "%s", b.s);
    cy__sb_free(&b);
    return rc;
}

/* Collecting arguments -------------------------------------------------------------------- */

typedef struct collected {
    cy_arg *pos;
    size_t npos;
    cy_arg *kw;
    size_t nkw;
} collected;

/* A call-time argument given as a config value. */
static bool extra_is_node(const cy_arg *e) {
    return e->node && !e->object && !e->ptr;
}

/* Python iterates a str _args_ character by character. */
static void args_from_str(collected *c, cy_arena *a, const char *s) {
    size_t n = strlen(s);
    c->pos = cy_arena_alloc(a, (n ? n : 1) * sizeof *c->pos);
    for (size_t i = 0; i < n; i++)
        c->pos[i].node = cy_new_str(a, cy_arena_strndup(a, s + i, 1));
    c->npos = n;
}

/* One argument as collected: ??? skipped for partials, resolved, its nested targets built. *skip
 * tells the caller to leave it out. */
static int collect_one(const cy_arg *arg, cy_object *owner, bool partial, flags fl, const offer *of,
                       bool *skip) {
    *skip = false;
    if (!extra_is_node(arg))
        return 0;
    if (arg->node->kind == CY_MISSING && partial) {
        *skip = true;
        return 0;
    }
    const cy_node *v;
    int rc = cy_node_resolve(arg->node, &v);
    if (rc < 0)
        return rc;
    return fl.recursive ? instantiate_inside(owner, v, of, fl) : 0;
}

/* Steps 3-4: the arguments of target node cfg in key order, call-time arguments (extra) replacing
 * the config's or appended, nested targets instantiated into owner. */
static int collect(collected *c, cy_object *owner, const cy_node *cfg, const char *full_key,
                   const cy_target *target, bool partial, flags fl, const offer *of,
                   const cy_arg *extra, size_t nextra) {
    const char *tname = target->name;
    cy_arena *a = owner->arena;
    c->kw = cy_arena_alloc(a, (cy_node_len(cfg) + nextra + 1) * sizeof *c->kw);
    c->nkw = 0;
    c->pos = NULL;
    c->npos = 0;
    const cy_node *args_node = NULL;
    bool have_args = false, skip;
    bool *consumed = cy_arena_alloc(a, nextra + 1);
    int rc;

    for (size_t i = 0; i < cy_node_len(cfg); i++) {
        const cy_node *child = cy_node_child(cfg, i);
        const char *key = child->key;
        if (!key || (is_special_key(key) && strcmp(key, "_args_") != 0))
            continue;
        cy_arg arg = {.name = key, .node = child};
        for (size_t k = 0; k < nextra; k++)
            if (strcmp(extra[k].name, key) == 0) {
                arg = extra[k];
                consumed[k] = true;
            }
        if ((rc = collect_one(&arg, owner, partial, fl, of, &skip)) < 0)
            return rc;
        if (skip)
            continue;
        if (strcmp(key, "_args_") == 0) {
            args_node = arg.node;
            have_args = true;
        } else {
            c->kw[c->nkw++] = arg;
        }
    }
    for (size_t k = 0; k < nextra; k++) {
        if (consumed[k] || (is_special_key(extra[k].name) && strcmp(extra[k].name, "_args_")))
            continue;
        cy_arg arg = extra[k];
        if ((rc = collect_one(&arg, owner, partial, fl, of, &skip)) < 0)
            return rc;
        if (skip)
            continue;
        if (strcmp(arg.name, "_args_") == 0) {
            args_node = arg.node;
            have_args = true;
        } else {
            c->kw[c->nkw++] = arg;
        }
    }

    /* call-time arguments that nested targets took and this target's signature lacks are not
     * its arguments (filtered now, so that a partial's later call does not see them) */
    if (of && target->signature) {
        size_t k = 0;
        for (size_t i = 0; i < c->nkw; i++) {
            const cy_field *f = cy_schema_find(target->signature, c->kw[i].name);
            if ((!f || strcmp(f->name, "_target_") == 0) && taken_by_nested(of, c->kw[i].name))
                continue;
            c->kw[k++] = c->kw[i];
        }
        c->nkw = k;
    }

    if (have_args) {
        const cy_node *pl = NULL;
        if (args_node && (rc = cy_node_resolve(args_node, &pl)) < 0)
            return rc;
        if (pl && pl->kind == CY_LIST) {
            c->npos = cy_node_len(pl);
            c->pos = cy_arena_alloc(a, (c->npos ? c->npos : 1) * sizeof *c->pos);
            for (size_t i = 0; i < c->npos; i++)
                c->pos[i].node = cy_node_child(pl, i);
        } else if (pl && pl->kind == CY_STR) {
            args_from_str(c, a, pl->v.str.s);
        } else {
            const char *type = !pl || pl->kind == CY_NULL ? "NoneType"
                               : pl->kind == CY_DICT      ? "DictConfig"
                                                          : cy_node_pytype(pl);
            cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                         "Unsupported _args_ type: '%s'. value: '%s'", type,
                         pl ? cy_node_pystr(pl) : "None");
            return wrap_error(
                cy_arena_printf(a, "Error in collecting args and kwargs for '%s'", tname), full_key,
                NULL, CY_EINSTANTIATE);
        }
    }
    return 0;
}

/* Attaches each argument's directly nested objects (arg.object, arg.items). */
static void attach_objects(cy_arg *args, size_t n, const cy_object *owner, cy_arena *a) {
    for (size_t i = 0; i < n; i++) {
        cy_arg *arg = &args[i];
        if (!arg->node || arg->object || arg->ptr)
            continue;
        const cy_node *v;
        if (cy_node_resolve(arg->node, &v) < 0) {
            cy_error_clear();
            continue;
        }
        if (v->kind == CY_DICT) {
            arg->object = cy_object_nested(owner, v);
        } else if (v->kind == CY_LIST) {
            size_t len = cy_node_len(v);
            for (size_t k = 0; k < len; k++) {
                const cy_node *e;
                if (cy_node_resolve(cy_node_child(v, k), &e) < 0) {
                    cy_error_clear();
                    continue;
                }
                cy_object *o = cy_object_nested(owner, e);
                if (o) {
                    if (!arg->items)
                        arg->items = cy_arena_alloc(a, len * sizeof *arg->items);
                    arg->items[k] = o;
                }
            }
        }
    }
}

/* Step 6: binds and calls the factory. On success the made object takes over shell's arena and
 * nested objects and shell is freed; on failure the caller frees shell. Errors are wrapped as
 * Hydra wraps them (wrap) or left bare (a partial's call, as Python raises them). */
static int call_target(cy_object **out, cy_object *shell, const cy_node *config,
                       const char *full_key, const collected *c, const offer *of, bool wrap) {
    const cy_target *t = shell->target;
    cy_arena *a = shell->arena;
    cy_arg *args = NULL;
    size_t nargs = 0;
    const char *hint = NULL;
    const char *head = cy_arena_printf(a, "Error in call to target '%s'", t->name);
    int rc = bind(&args, &nargs, &hint, a, t, c->pos, c->npos, c->kw, c->nkw, of);
    if (rc < 0) {
        if (rc == CY_ENOMEM)
            return rc;
        if (wrap)
            return wrap_error(head, full_key, hint, CY_EINSTANTIATE);
        if (hint) {
            char *msg = strdup(cy_error_last()->msg);
            if (!msg)
                return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
            rc = cy_error_set(CY_EINSTANTIATE, "TypeError", "%s\nDid you mean '%s'?", msg, hint);
            free(msg);
        }
        return rc;
    }
    attach_objects(args, nargs, shell, a);
    cy_call call = {.target = t,
                    .config = config,
                    .full_key = full_key,
                    .args = args,
                    .nargs = nargs,
                    .arena = a,
                    .owner = shell};
    cy_object *made = NULL;
    cy_error_clear();
    rc = t->create(&made, &call, t->userdata);
    if (rc < 0 || !made) {
        if (rc >= 0 || cy_error_last()->code == 0)
            cy_error_set(CY_ERROR, "RuntimeError", "the factory of '%s' returned no object",
                         t->name);
        cy_object_free(made);
        return wrap ? wrap_error(head, full_key, NULL, CY_EINSTANTIATE) : cy_error_last()->code;
    }
    made->target = t;
    made->nested = shell->nested;
    made->nnested = shell->nnested;
    made->capnested = shell->capnested;
    made->borrowed = shell->borrowed;
    made->arena = shell->arena;
    shell->nested = NULL;
    shell->nnested = 0;
    shell->arena = NULL;
    cy_object_free(shell);
    *out = made;
    return 0;
}

/* Steps 1-6 for a dict with a `_target_` (resolved). extra: this target's call-time arguments
 * (cy_instantiate's at the top, those it takes from the offer when nested). */
static int instantiate_target(cy_object **out, const cy_node *cfg, const offer *of, flags fl,
                              const cy_arg *extra, size_t nextra) {
    int rc;
    *out = NULL;
    cy_object *shell;
    if ((rc = new_shell(&shell, NULL)) < 0)
        return rc;
    cy_arena *a = shell->arena;
    const char *full_key = hydra_full_key(a, cfg);

    /* step 1: flags (call-time values win, as they are merged into the config) */
    const cy_node *rv = NULL, *pv = NULL, *cv = NULL, *tv = NULL;
    if ((rc = read_flag(cfg, "_convert_", &cv)) < 0 ||
        (rc = read_flag(cfg, "_recursive_", &rv)) < 0 ||
        (rc = read_flag(cfg, "_partial_", &pv)) < 0)
        goto fail;
    for (size_t i = 0; i < nextra; i++) {
        const cy_node **slot = strcmp(extra[i].name, "_recursive_") == 0 ? &rv
                               : strcmp(extra[i].name, "_partial_") == 0 ? &pv
                                                                         : NULL;
        if (slot && extra[i].node && (rc = cy_node_resolve(extra[i].node, slot)) < 0)
            goto fail;
    }
    if (rv) {
        if (rv->kind != CY_BOOL) {
            rc = flag_error(rv, "_recursive_", full_key, a);
            goto fail;
        }
        fl.recursive = rv->v.b;
    }
    bool partial = false;
    if (pv) {
        if (pv->kind != CY_BOOL) {
            rc = flag_error(pv, "_partial_", full_key, a);
            goto fail;
        }
        partial = pv->v.b;
    }

    /* step 2: the target (a call-time _target_ replaces the config's) */
    const cy_node *tn = cy_dict_get(cfg, "_target_");
    for (size_t i = 0; i < nextra; i++)
        if (strcmp(extra[i].name, "_target_") == 0 && extra[i].node)
            tn = extra[i].node;
    if ((rc = cy_node_resolve(tn, &tv)) < 0)
        goto fail;
    if (tv->kind != CY_STR) {
        const char *type = tv->kind == CY_DICT   ? "DictConfig"
                           : tv->kind == CY_LIST ? "ListConfig"
                                                 : cy_node_pytype(tv);
        rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                          "Expected a callable target, got '%s' of type '%s'%s", cy_node_pystr(tv),
                          type, key_suffix(a, full_key));
        goto fail;
    }
    const char *tname = tv->v.str.s;
    const cy_target *target = cy_target_find(tname);
    if (!target) {
        const char *close = closest_target(tname);
        rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                          "Error locating target '%s': no such target is registered%s%s%s%s", tname,
                          key_suffix(a, full_key), close ? "\nDid you mean '" : "",
                          close ? close : "", close ? "'?" : "");
        goto fail;
    }
    shell->target = target;

    /* steps 3-4 */
    collected c;
    if ((rc = collect(&c, shell, cfg, full_key, target, partial, fl, of, extra, nextra)) < 0)
        goto fail;

    if (partial) {
        shell->partial = true;
        shell->type = "partial";
        shell->config = cfg;
        shell->full_key = full_key;
        shell->pos = c.pos;
        shell->npos = c.npos;
        shell->kw = c.kw;
        shell->nkw = c.nkw;
        *out = shell;
        return 0;
    }
    if ((rc = call_target(out, shell, cfg, full_key, &c, of, true)) < 0)
        goto fail;
    return 0;

fail:
    cy_object_free(shell);
    return rc;
}

int cy_instantiate(cy_object **out, const cy_node *config, const cy_arg *extra, size_t nextra) {
    int rc;
    *out = NULL;
    if (!config)
        return 0;
    for (size_t i = 0; i < nextra; i++)
        if (!extra[i].name)
            return cy_error_set(CY_ERROR, "ValueError", "a call-time argument has no name");
    const cy_node *cfg;
    if ((rc = cy_node_resolve(config, &cfg)) < 0)
        return rc;
    if (cfg->kind == CY_NULL)
        return 0;
    if (cfg->kind != CY_DICT && cfg->kind != CY_LIST)
        return cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                            "Cannot instantiate config of type %s.\n"
                            "Top level config must be an OmegaConf DictConfig/ListConfig object,\n"
                            "a plain dict/list, or a Structured Config class or instance.",
                            cy_node_pytype(cfg));
    if ((rc = resolve_all(cfg)) < 0)
        return rc;
    for (size_t i = 0; i < nextra; i++)
        if (extra_is_node(&extra[i]) && (rc = resolve_all(extra[i].node)) < 0)
            return rc;

    bool *used = calloc(nextra + 1, sizeof *used);
    if (!used)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    offer of = {extra, nextra, used};
    flags fl = {.recursive = true};

    if (cfg->kind == CY_DICT && cy_dict_get(cfg, "_target_")) {
        rc = instantiate_target(out, cfg, &of, fl, extra, nextra);
        free(used);
        return rc;
    }

    /* a config without _target_: Hydra returns it with the targets inside instantiated */
    const cy_node *rv = NULL, *pv = NULL;
    cy_object *shell = NULL;
    for (size_t i = 0; i < nextra; i++) {
        if (strcmp(extra[i].name, "_recursive_") == 0 && extra[i].node &&
            (rc = cy_node_resolve(extra[i].node, &rv)) < 0)
            goto done;
        if (strcmp(extra[i].name, "_partial_") == 0 && extra[i].node &&
            (rc = cy_node_resolve(extra[i].node, &pv)) < 0)
            goto done;
    }
    if (cfg->kind == CY_LIST && pv && !(pv->kind == CY_BOOL && !pv->v.b)) {
        rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                          "The _partial_ keyword is not compatible with top-level list "
                          "instantiation");
        goto done;
    }
    if ((rc = new_shell(&shell, NULL)) < 0)
        goto done;
    if (rv) {
        if (rv->kind != CY_BOOL) {
            rc = flag_error(rv, "_recursive_", hydra_full_key(shell->arena, cfg), shell->arena);
            goto done;
        }
        fl.recursive = rv->v.b;
    }
    if ((rc = instantiate_inside(shell, cfg, &of, fl)) < 0)
        goto done;
    /* the config is not changed, so a call-time argument must have found a nested taker */
    for (size_t i = 0; i < nextra; i++)
        if (!used[i] && !is_special_key(extra[i].name)) {
            rc = cy_error_set(CY_EINSTANTIATE, "InstantiationException",
                              "No target in the config takes the call-time argument '%s'",
                              extra[i].name);
            goto done;
        }
    shell->type = CY_OBJECT_CONFIG;
    shell->ptr = (void *)cfg;
    *out = shell;
    shell = NULL;
    rc = 0;
done:
    cy_object_free(shell);
    free(used);
    return rc;
}

int cy_object_call(cy_object **out, const cy_object *partial, const cy_arg *extra, size_t nextra) {
    *out = NULL;
    if (!partial || !partial->partial)
        return cy_error_set(CY_EINSTANTIATE, "TypeError", "'%s' object is not callable",
                            partial && partial->type ? partial->type : "NoneType");
    int rc;
    cy_object *shell;
    if ((rc = new_shell(&shell, partial->target)) < 0)
        return rc;
    /* the partial's nested objects stay the partial's: the call only borrows them */
    shell->borrowed = true;
    if (partial->nnested) {
        shell->nested = malloc(partial->nnested * sizeof *shell->nested);
        if (!shell->nested) {
            cy_object_free(shell);
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
        }
        memcpy(shell->nested, partial->nested, partial->nnested * sizeof *shell->nested);
        shell->nnested = shell->capnested = partial->nnested;
    }
    cy_arena *a = shell->arena;
    collected c = {.pos = partial->pos, .npos = partial->npos};
    c.kw = cy_arena_alloc(a, (partial->nkw + nextra + 1) * sizeof *c.kw);
    memcpy(c.kw, partial->kw, partial->nkw * sizeof *c.kw);
    c.nkw = partial->nkw;
    for (size_t i = 0; i < nextra; i++) {
        if (!extra[i].name) {
            cy_object_free(shell);
            return cy_error_set(CY_ERROR, "ValueError", "a call-time argument has no name");
        }
        if (strcmp(extra[i].name, "_args_") == 0 && extra[i].node) {
            /* functools.partial appends positional arguments */
            const cy_node *pl;
            if ((rc = cy_node_resolve(extra[i].node, &pl)) < 0 || pl->kind != CY_LIST) {
                if (rc >= 0)
                    rc = cy_error_set(CY_EINSTANTIATE, "TypeError", "_args_ must be a list, got %s",
                                      cy_node_pytype(pl));
                cy_object_free(shell);
                return rc;
            }
            size_t add = cy_node_len(pl);
            cy_arg *pos = cy_arena_alloc(a, (c.npos + add + 1) * sizeof *pos);
            memcpy(pos, c.pos, c.npos * sizeof *pos);
            for (size_t k = 0; k < add; k++)
                pos[c.npos + k].node = cy_node_child(pl, k);
            c.pos = pos;
            c.npos += add;
            continue;
        }
        size_t k = 0;
        while (k < c.nkw && strcmp(c.kw[k].name, extra[i].name) != 0)
            k++;
        c.kw[k] = extra[i];
        if (k == c.nkw)
            c.nkw++;
    }
    if ((rc = call_target(out, shell, partial->config, partial->full_key, &c, NULL, false)) < 0)
        cy_object_free(shell);
    return rc;
}
