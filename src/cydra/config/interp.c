/*
 * interp.c - resolving interpolations, as OmegaConf 2.2 does (base.py, grammar_visitor.py,
 * _impl.py).
 *
 * The shape follows OmegaConf's code path so that the same errors come out at the same points:
 *
 *   maybe_resolve       _maybe_resolve_interpolation: parse the node's string, evaluate, then
 *   validate_result       _validate_and_convert_interpolation_result against the node's type
 *   eval_*              GrammarVisitor: text concatenation with un-escaping, primitives typed
 *                       by their token, quoted strings, lists and dicts, resolver calls
 *   resolve_node_ref    _resolve_node_interpolation: relative/absolute key, _select_impl, the
 *                       memo that detects cycles, "Interpolation to parent node detected"
 *   cy__interp_eval     resolve_parse_tree: errors of other classes are wrapped into
 *                       InterpolationResolutionError "<class> raised while resolving ..."
 *   cy_resolve_tree     _impl._resolve: in place, ??? for references to ???
 *
 * Values travel as ip_val: a node plus whether it stands for a Python Node or a plain value
 * (that changes type names in messages and what OmegaConf.resolve accepts). Results are built in
 * the arena of the node being resolved; nothing in the tree is modified except by
 * cy_resolve_tree. Parse trees live in a scratch arena per resolution.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp_internal.h"
#include "sbuf.h"

/* Resolutions in progress on this thread (nested through references and resolvers): bounded
 * where Python would raise RecursionError. */
static _Thread_local int depth;

static const char *const recursion_msg =
    "RecursionError raised while resolving interpolation: maximum recursion depth exceeded";

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 */

static int oom(void) {
    return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory resolving an interpolation");
}

cy_node *cy__interp_plain_str(cy_arena *a, const char *s) {
    cy_node *n = cy_new_str(a, "");
    n->v.str.s = cy_arena_strdup(a, s);
    return n;
}

static ip_val fresh(const cy_node *n, unsigned flags) {
    return (ip_val){n, flags | IV_FRESH};
}

static bool is_interp_exc(const char *exc) {
    static const char *const names[] = {
        "InterpolationResolutionError",     "UnsupportedInterpolationType", "InterpolationKeyError",
        "InterpolationToMissingValueError", "InterpolationValidationError",
    };
    for (size_t i = 0; exc && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(exc, names[i]) == 0)
            return true;
    return false;
}

static int resolution_error(const char *exc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int resolution_error(const char *exc, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof buf) {
        char *big = malloc((size_t)n + 1);
        if (!big)
            return oom();
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        cy_error_set(CY_EINTERP, exc, "%s", big);
        free(big);
        return CY_EINTERP;
    }
    return cy_error_set(CY_EINTERP, exc, "%s", buf);
}

/* resolve_parse_tree's `except Exception`: the error becomes an InterpolationResolutionError
 * whose message is "<class> raised while resolving interpolation: " + str(exception), the key
 * lines of an already decorated error included. */
static int wrap_foreign(void) {
    const cy_error *e = cy_error_last();
    if (e->code == 0)
        return cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                            "resolver failed without an error message");
    if (is_interp_exc(e->exc) || e->code == CY_ENOMEM)
        return e->code;
    char *text = cy_error_text(e);
    char *exc = text ? malloc(strlen(e->exc) + 1) : NULL;
    if (!exc) {
        free(text);
        return oom();
    }
    strcpy(exc, e->exc);
    /* context lines (cy_error_wrap) come first in the text; OmegaConf has none at this point */
    cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                 "%s raised while resolving interpolation: %s", exc, text);
    free(exc);
    free(text);
    return CY_EINTERP;
}

static bool enter_depth(void) {
    if (depth >= CY_INTERP_MAX_DEPTH) {
        cy_error_set(CY_EINTERP, "InterpolationResolutionError", "%s", recursion_msg);
        return false;
    }
    depth++;
    return true;
}

static void leave_depth(void) {
    depth--;
}

static bool memo_has(const ip_memo *m, const cy_node *n) {
    for (size_t i = 0; m && i < m->n; i++)
        if (m->items[i] == n)
            return true;
    return false;
}

static bool memo_push(ip_memo *m, const cy_node *n) {
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        const cy_node **p = realloc(m->items, cap * sizeof *p);
        if (!p)
            return false;
        m->items = p;
        m->cap = cap;
    }
    m->items[m->n++] = n;
    return true;
}

static void memo_pop(ip_memo *m, const cy_node *n) {
    for (size_t i = m->n; i-- > 0;)
        if (m->items[i] == n) {
            memmove(&m->items[i], &m->items[i + 1], (m->n - i - 1) * sizeof *m->items);
            m->n--;
            return;
        }
}

/* ---------------------------------------------------------------------------------------------
 * Python's view of values
 */

ip_val cy__interp_get_value(cy_arena *a, ip_val v) {
    if (!(v.flags & IV_NODE))
        return v;
    const cy_node *n = v.n;
    if (cy_node_is_container(n) && !(v.flags & IV_PLAIN)) {
        /* a container holding None, ??? or an interpolation gives that, as a plain value */
        if (n->kind == CY_NULL)
            return fresh(cy_new_null(a), 0);
        if (n->kind == CY_MISSING || n->kind == CY_INTERP)
            return fresh(cy__interp_plain_str(a, n->v.str.s), 0);
        return v;
    }
    return (ip_val){n, v.flags & ~(unsigned)IV_NODE};
}

bool cy__interp_is_str(ip_val v) {
    const cy_node *n = v.n;
    if (cy_node_is_container(n))
        return false;
    return n->kind == CY_STR || n->kind == CY_MISSING || n->kind == CY_INTERP;
}

const char *cy__interp_type_name(ip_val v) {
    const cy_node *n = v.n;
    if (n->kind == CY_DICT)
        return (v.flags & IV_PLAIN) ? "dict" : "DictConfig";
    if (n->kind == CY_LIST)
        return (v.flags & IV_PLAIN) ? "list" : "ListConfig";
    if (cy_node_is_container(n) && (v.flags & IV_NODE))
        return n->container == CY_DICT ? "DictConfig" : "ListConfig";
    return cy_node_pytype(n);
}

/* type(v) as an f-string shows it: "<class 'int'>". */
static const char *class_repr(cy_arena *a, ip_val v) {
    const char *t = cy__interp_type_name(v);
    if (strcmp(t, "DictConfig") == 0)
        return "<class 'omegaconf.dictconfig.DictConfig'>";
    if (strcmp(t, "ListConfig") == 0)
        return "<class 'omegaconf.listconfig.ListConfig'>";
    return cy_arena_printf(a, "<class '%s'>", t);
}

const char *cy__interp_str(cy_arena *a, ip_val v) {
    const cy_node *n = v.n;
    char buf[32];
    /* str() of a DictConfig holding an interpolation or ??? quotes it (BaseContainer.__repr__) */
    if (cy_node_is_container(n) && (v.flags & IV_NODE) &&
        (n->kind == CY_MISSING || n->kind == CY_INTERP))
        return cy_arena_printf(a, "'%s'", n->v.str.s ? n->v.str.s : "???");
    switch (n->kind) {
    case CY_NULL:
        return "None";
    case CY_BOOL:
        return n->v.b ? "True" : "False";
    case CY_INT:
        return cy_arena_printf(a, "%lld", (long long)n->v.i);
    case CY_FLOAT:
        return cy_arena_strdup(a, cy_float_repr(n->v.f, buf));
    case CY_MISSING:
        return n->v.str.s ? n->v.str.s : "???";
    case CY_STR:
    case CY_INTERP:
        return n->v.str.s;
    case CY_ENUM:
        return cy_arena_printf(a, "%s.%s", n->v.str.def ? n->v.str.def->name : "Enum", n->v.str.s);
    case CY_DICT:
    case CY_LIST:
        break;
    }
    return cy__node_pyrepr(a, n); /* a container's str() is its repr() */
}

/* A node that can be attached under a new container: v itself when it was built here and is
 * attached nowhere, else a deep copy. */
static cy_node *adopt(cy_arena *a, ip_val v) {
    if ((v.flags & IV_FRESH) && !v.n->parent && v.n->arena == a)
        return (cy_node *)v.n;
    return cy_node_copy(a, v.n);
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation (GrammarVisitor)
 */

typedef struct ev {
    const ip_ctx *cx;
    cy_arena *arena;
} ev;

static int eval(ip_val *out, const ev *E, const ip_ast *t);
static int resolve_node_ref(ip_val *out, const ip_ctx *cx, const char *key);

static const char *src_text(const ev *E, const ip_ast *t) {
    return cy_arena_strndup(E->arena, E->cx->src + t->start, t->end - t->start);
}

static bool is_interp_ast(const ip_ast *t) {
    return t && (t->kind == IP_NODE || t->kind == IP_RESOLVER);
}

/* GrammarVisitor._unescape: concatenates tokens and interpolations; escapes are undone where
 * the token type says so, interpolation results are converted with str(). */
static int unescape(const char **out, const ev *E, const ip_ast *t) {
    cy_sbuf b = {0};
    const char *s = E->cx->src;
    for (size_t i = 0; i < t->nkids; i++) {
        const ip_ast *k = t->kids[i];
        const ip_ast *next = i + 1 < t->nkids ? t->kids[i + 1] : NULL;
        if (k->kind != IP_TOKEN) {
            ip_val v;
            int rc = eval(&v, E, k);
            if (rc < 0) {
                cy__sb_free(&b);
                return rc;
            }
            cy__sb_puts(&b, cy__interp_str(E->arena, v));
            continue;
        }
        size_t len = k->end - k->start;
        const char *p = s + k->start;
        if (k->tok == IT_ESC_INTER) {
            /* \\...\${ : keep the last len/2 + 1 characters */
            size_t keep = len / 2 + 1;
            cy__sb_putn(&b, p + len - keep, keep);
        } else if (k->tok == IT_ESC || (k->tok == IT_TOP_ESC && is_interp_ast(next)) ||
                   (k->tok == IT_QUOTED_ESC && (!next || is_interp_ast(next)))) {
            for (size_t j = 1; j < len; j += 2)
                cy__sb_putc(&b, p[j]);
        } else {
            cy__sb_putn(&b, p, len);
        }
    }
    const char *r = cy__sb_finish_arena(&b, E->arena);
    if (!r)
        return oom();
    *out = r;
    return 0;
}

static int eval_text(ip_val *out, const ev *E, const ip_ast *t) {
    if (t->nkids == 1 && is_interp_ast(t->kids[0]))
        return eval(out, E, t->kids[0]);
    const char *s;
    int rc = unescape(&s, E, t);
    if (rc < 0)
        return rc;
    *out = fresh(cy__interp_plain_str(E->arena, s), 0);
    return 0;
}

/* int() of an INT token: [+-]? digits with single underscores. */
static int token_int(ip_val *out, const ev *E, const char *text) {
    int64_t v;
    if (!cy__py_int(text, &v))
        return cy_error_set(CY_ELIMIT, "OverflowError",
                            "integer %s does not fit in 64 bits (Python ints are unbounded)", text);
    *out = fresh(cy_new_int(E->arena, v), 0);
    return 0;
}

/* _createPrimitive: one token is typed by its kind; several are concatenated into a string. */
static int eval_primitive(ip_val *out, const ev *E, const ip_ast *t) {
    if (t->nkids == 1) {
        const ip_ast *k = t->kids[0];
        if (k->kind != IP_TOKEN)
            return eval(out, E, k);
        const char *text = src_text(E, k);
        switch (k->tok) {
        case IT_NULL:
            *out = fresh(cy_new_null(E->arena), 0);
            return 0;
        case IT_INT:
            return token_int(out, E, text);
        case IT_FLOAT: {
            double f;
            if (!cy__py_float(text, &f))
                return cy_error_set(CY_EVALIDATION, "ValueError",
                                    "could not convert string to float: '%s'", text);
            *out = fresh(cy_new_float(E->arena, f), 0);
            return 0;
        }
        case IT_BOOL:
            *out = fresh(cy_new_bool(E->arena, text[0] == 't' || text[0] == 'T'), 0);
            return 0;
        case IT_ESC:
            break; /* un-escaped below */
        default:   /* ID, UNQUOTED_CHAR, COLON (and WS, which the grammar never leaves alone) */
            *out = fresh(cy__interp_plain_str(E->arena, text), 0);
            return 0;
        }
    }
    const char *s;
    int rc = unescape(&s, E, t);
    if (rc < 0)
        return rc;
    *out = fresh(cy__interp_plain_str(E->arena, s), 0);
    return 0;
}

static int eval_quoted(ip_val *out, const ev *E, const ip_ast *t) {
    if (t->nkids == 0) {
        *out = fresh(cy__interp_plain_str(E->arena, ""), 0);
        return 0;
    }
    ip_val v;
    int rc = eval_text(&v, E, t->kids[0]);
    if (rc < 0)
        return rc;
    if (cy_node_is_container(v.n) || v.n->kind != CY_STR)
        v = fresh(cy__interp_plain_str(E->arena, cy__interp_str(E->arena, v)), 0);
    v.flags &= ~(unsigned)IV_NODE; /* str(...) of a node is a plain string */
    *out = v;
    return 0;
}

/* visitSequence: (value, text) pairs; a missing element (",," or a leading/trailing comma) is
 * the empty string, with OmegaConf's deprecation warning. */
typedef struct seq {
    ip_val *vals;
    const char **texts;
    size_t n, cap;
} seq;

static void seq_push(const ev *E, seq *q, ip_val v, const char *text) {
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4;
        ip_val *vals = cy_arena_alloc(E->arena, cap * sizeof *vals);
        const char **texts = cy_arena_alloc(E->arena, cap * sizeof *texts);
        if (q->n) {
            memcpy(vals, q->vals, q->n * sizeof *vals);
            memcpy(texts, q->texts, q->n * sizeof *texts);
        }
        q->vals = vals;
        q->texts = texts;
        q->cap = cap;
    }
    q->vals[q->n] = v;
    q->texts[q->n] = text;
    q->n++;
}

/* OmegaConf 2.1 deprecated omitted elements and still warns about them (UserWarning). */
static void warn_empty_element(const ev *E, const ip_ast *t) {
    cy__interp_warn(cy_arena_printf(E->arena,
                                    "In the sequence `%s` some elements are missing: please "
                                    "replace them with empty quoted strings. See "
                                    "https://github.com/omry/omegaconf/issues/572 for details.",
                                    src_text(E, t)));
}

static int eval_sequence(seq *q, const ev *E, const ip_ast *t) {
    bool previous_comma = true;
    for (size_t i = 0; i < t->nkids; i++) {
        const ip_ast *k = t->kids[i];
        if (k->kind == IP_TOKEN && k->tok == IT_COMMA) {
            if (previous_comma) {
                warn_empty_element(E, t);
                seq_push(E, q, fresh(cy__interp_plain_str(E->arena, ""), 0), "");
            }
            previous_comma = true;
            continue;
        }
        ip_val v;
        int rc = eval(&v, E, k);
        if (rc < 0)
            return rc;
        seq_push(E, q, cy__interp_get_value(E->arena, v), src_text(E, k));
        previous_comma = false;
    }
    if (previous_comma) {
        warn_empty_element(E, t);
        seq_push(E, q, fresh(cy__interp_plain_str(E->arena, ""), 0), "");
    }
    return 0;
}

static int eval_list(ip_val *out, const ev *E, const ip_ast *t) {
    cy_node *list = cy_new_list(E->arena);
    if (t->nkids == 1) {
        seq q = {0};
        int rc = eval_sequence(&q, E, t->kids[0]);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < q.n; i++)
            cy_list_push(list, adopt(E->arena, q.vals[i]));
    }
    *out = fresh(list, IV_PLAIN);
    return 0;
}

static int eval_dict(ip_val *out, const ev *E, const ip_ast *t) {
    cy_node *dict = cy_new_dict(E->arena);
    for (size_t i = 0; i + 1 < t->nkids; i += 2) {
        ip_val k, v;
        int rc = eval_primitive(&k, E, t->kids[i]);
        if (rc < 0 || (rc = eval(&v, E, t->kids[i + 1])) < 0)
            return rc;
        v = cy__interp_get_value(E->arena, v);
        /* dict keys keep their type; the text is the canonical one (repr of the key) */
        const cy_node *kn = k.n;
        cy_key_kind kind = CY_KEY_STR;
        const char *text;
        char buf[40];
        switch (kn->kind) {
        case CY_INT:
            kind = CY_KEY_INT;
            text = cy_node_pystr(kn);
            break;
        case CY_FLOAT:
            kind = CY_KEY_FLOAT;
            text = cy_float_repr(kn->v.f, buf);
            break;
        case CY_BOOL:
            kind = CY_KEY_BOOL;
            text = kn->v.b ? "True" : "False";
            break;
        case CY_NULL:
            text = "None"; /* a None key has no place in a config: kept as the string */
            break;
        default:
            text = kn->v.str.s;
            break;
        }
        /* Python dict keys 1, 1.0 and True are one key: the first spelling stays, the last value
         * wins */
        if (kind != CY_KEY_STR) {
            double kv = kind == CY_KEY_BOOL  ? (double)kn->v.b
                        : kind == CY_KEY_INT ? (double)kn->v.i
                                             : kn->v.f;
            for (size_t j = 0; j < dict->v.c.len; j++) {
                const cy_node *old = dict->v.c.items[j];
                double ov;
                if (old->key_kind == CY_KEY_STR)
                    continue;
                if (old->key_kind == CY_KEY_BOOL)
                    ov = strcmp(old->key, "True") == 0;
                else if (!cy__py_float(old->key, &ov))
                    continue;
                if (ov == kv) {
                    text = old->key;
                    kind = old->key_kind;
                    break;
                }
            }
        }
        cy_dict_put_kind(dict, text, kind, adopt(E->arena, v));
    }
    *out = fresh(dict, IV_PLAIN);
    return 0;
}

static int eval_node_interp(ip_val *out, const ev *E, const ip_ast *t) {
    cy_sbuf key = {0};
    const char *s = E->cx->src;
    for (size_t i = 0; i < t->nkids; i++) {
        const ip_ast *k = t->kids[i];
        if (k->kind == IP_TOKEN) {
            cy__sb_putn(&key, s + k->start, k->end - k->start);
            continue;
        }
        ip_val v;
        int rc = eval(&v, E, k);
        if (rc < 0) {
            cy__sb_free(&key);
            return rc;
        }
        v = cy__interp_get_value(E->arena, v);
        if (!cy__interp_is_str(v)) {
            cy__sb_free(&key);
            return resolution_error(
                "InterpolationResolutionError",
                "The following interpolation is used to denote a config key and thus should "
                "return a string, but instead returned `%s` of type `%s`: %s",
                cy__interp_str(E->arena, v), class_repr(E->arena, v), src_text(E, k));
        }
        cy__sb_puts(&key, v.n->v.str.s);
    }
    const char *k = cy__sb_finish_arena(&key, E->arena);
    if (!k)
        return oom();
    return resolve_node_ref(out, E->cx, k);
}

static int call_resolver(ip_val *out, const ev *E, const char *name, seq *args) {
    cy__resolver r;
    if (!cy__resolver_find(name, &r))
        return resolution_error("UnsupportedInterpolationType", "Unsupported interpolation type %s",
                                name);
    size_t n = args->n;
    const cy_node **argv = cy_arena_alloc(E->arena, (n + 1) * sizeof *argv);
    bool *plain = cy_arena_alloc(E->arena, (n + 1) * sizeof *plain);
    for (size_t i = 0; i < n; i++) {
        argv[i] = args->vals[i].n;
        plain[i] = (args->vals[i].flags & IV_PLAIN) != 0;
    }
    const char *const *texts = args->texts;
    bool result_plain = false;
    if (r.flags & CY_RESOLVER_CACHE) {
        const cy_node *hit = cy__resolver_cache_get(E->arena, name, texts, n, &result_plain);
        if (hit) {
            *out = (ip_val){hit, result_plain ? IV_PLAIN : 0};
            if (cy_node_is_container(hit) && !result_plain)
                out->flags |= IV_NODE;
            return 0;
        }
    }
    cy_resolver_call call = {
        .name = name,
        .args = argv,
        .args_text = texts,
        .args_plain = plain,
        .nargs = n,
        .node = E->cx->node,
        .parent = E->cx->parent,
        .root = cy_node_root(E->cx->parent),
        .arena = E->arena,
        .userdata = r.userdata,
        .result_plain = &result_plain,
    };
    const cy_node *res = NULL;
    cy_error_clear();
    int rc = r.fn(&res, &call);
    if (rc < 0)
        return cy_error_last()->code ? cy_error_last()->code
                                     : cy_error_set(rc, "Exception", "resolver '%s' failed", name);
    if (!res)
        res = cy_new_null(E->arena);
    if (r.flags & CY_RESOLVER_CACHE)
        cy__resolver_cache_put(name, texts, n, res, result_plain);
    /* a config container a resolver returns is a Node (OmegaConf.create, select of a
     * container); anything else is a plain Python value */
    unsigned flags = result_plain ? IV_PLAIN : 0;
    if (cy_node_is_container(res) && !result_plain)
        flags |= IV_NODE;
    *out = (ip_val){res, flags};
    return 0;
}

static int eval_resolver(ip_val *out, const ev *E, const ip_ast *t) {
    cy_sbuf name = {0};
    const char *s = E->cx->src;
    for (size_t i = 0; i < t->nname; i++) {
        const ip_ast *k = t->kids[i];
        if (i)
            cy__sb_putc(&name, '.');
        if (k->kind == IP_TOKEN) {
            cy__sb_putn(&name, s + k->start, k->end - k->start);
            continue;
        }
        ip_val v;
        int rc = eval(&v, E, k);
        if (rc < 0) {
            cy__sb_free(&name);
            return rc;
        }
        v = cy__interp_get_value(E->arena, v);
        if (!cy__interp_is_str(v)) {
            cy__sb_free(&name);
            return resolution_error(
                "InterpolationResolutionError",
                "The name of a resolver must be a string, but the interpolation %s resolved to "
                "`%s` which is of type %s",
                src_text(E, k), cy__interp_str(E->arena, v), class_repr(E->arena, v));
        }
        cy__sb_puts(&name, v.n->v.str.s);
    }
    const char *nm = cy__sb_finish_arena(&name, E->arena);
    if (!nm)
        return oom();
    seq args = {0};
    if (t->nkids > t->nname) {
        int rc = eval_sequence(&args, E, t->kids[t->nname]);
        if (rc < 0)
            return rc;
    }
    return call_resolver(out, E, nm, &args);
}

static int eval(ip_val *out, const ev *E, const ip_ast *t) {
    switch (t->kind) {
    case IP_TEXT:
        return eval_text(out, E, t);
    case IP_NODE:
        return eval_node_interp(out, E, t);
    case IP_RESOLVER:
        return eval_resolver(out, E, t);
    case IP_PRIMITIVE:
    case IP_DICTKEY:
        return eval_primitive(out, E, t);
    case IP_QUOTED:
        return eval_quoted(out, E, t);
    case IP_LIST:
        return eval_list(out, E, t);
    case IP_DICT:
        return eval_dict(out, E, t);
    case IP_SEQUENCE:
    case IP_TOKEN:
        break;
    }
    return cy_error_set(CY_ERROR, "AssertionError", "unexpected parse tree node");
}

int cy__interp_eval(ip_val *out, const ip_ctx *cx, const ip_ast *tree) {
    if (!enter_depth())
        return CY_EINTERP;
    ev E = {cx, cx->scratch};
    int rc = eval(out, &E, tree);
    leave_depth();
    if (rc < 0)
        return wrap_foreign();
    /* the value outlives the scratch arena: move it to the results' arena. A container a
     * resolver hung below its _parent_ keeps hanging there. */
    if (out->n->arena == cx->scratch && cx->scratch != cx->arena) {
        cy_node *c = cy_node_copy(cx->arena, out->n);
        c->parent = out->n->parent;
        out->n = c;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Node references (_resolve_node_interpolation, _select_impl)
 */

static int maybe_resolve(ip_val *out, const cy_node *parent, const cy_node *node, ip_memo *memo);

/* _resolve_key_and_root: a key without leading dot starts at the root; each dot after the first
 * goes one container up from `self`. */
static int key_and_root(const cy_node **root, const char **rest, const cy_node *self,
                        const char *key) {
    if (key[0] != '.') {
        *root = cy_node_root(self);
        *rest = key;
        return 0;
    }
    const cy_node *r = self;
    const char *k = key;
    for (;;) {
        k++;
        if (*k != '.')
            break;
        r = r->parent;
        if (!r)
            return cy_error_set(CY_EKEY, "ConfigKeyError", "Error resolving key '%s'", key);
    }
    *root = r;
    *rest = k;
    return 0;
}

/* _select_one with a key taken from an interpolation: always a string, so it never finds the
 * int/float/bool keys a dict may have ({1: a} is not reached by ${1}, as in OmegaConf). */
static int select_one(const cy_node *c, const char *key, bool throw_on_missing,
                      const cy_node **out) {
    int rc = cy__select_one(c, key, throw_on_missing, true, out);
    if (rc == 0 && *out && c->container == CY_DICT && (*out)->key_kind != CY_KEY_STR)
        *out = NULL;
    if (rc < 0 && c->container == CY_DICT) {
        const cy_node *child = cy_dict_get(c, key);
        if (child && child->key_kind != CY_KEY_STR) {
            cy_error_clear();
            *out = NULL;
            return 0;
        }
    }
    return rc;
}

static void free_parts(char **parts, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

/* _select_impl(key, throw_on_missing, throw_on_resolution_failure=True, memo): *value NULL when
 * the key does not exist; *container_out the container the last key was looked up in; *found
 * the node found there before its interpolation (if any) was resolved. */
static int select_impl(ip_val *value, const cy_node **container_out, const cy_node **found,
                       const cy_node *root, const char *key, bool throw_on_missing, ip_memo *memo) {
    value->n = NULL;
    value->flags = 0;
    if (container_out)
        *container_out = NULL;
    if (found)
        *found = NULL;
    if (key[0] == '\0') {
        *value = (ip_val){root, IV_NODE};
        if (container_out)
            *container_out = root;
        if (found)
            *found = root;
        return 0;
    }
    size_t n;
    char **parts = cy__split_key(key, &n);
    if (!parts)
        return oom();
    int rc = 0;
    const cy_node *c = root;
    for (size_t i = 0; i + 1 < n && c; i++) {
        const cy_node *ret;
        if ((rc = select_one(c, parts[i], throw_on_missing, &ret)) < 0)
            goto done;
        if (ret && ret->kind == CY_INTERP) {
            /* _maybe_dereference_node: an interpolation on the way is resolved first */
            ip_val r;
            if ((rc = maybe_resolve(&r, c, ret, memo)) < 0)
                goto done;
            ret = r.n;
        }
        if (ret && !cy_node_is_container(ret)) {
            cy_sbuf head = {0};
            for (size_t j = 0; j <= i; j++) {
                if (j)
                    cy__sb_putc(&head, '.');
                cy__sb_puts(&head, parts[j]);
            }
            const char *h = cy__sb_finish_arena(&head, root->arena);
            rc = cy_error_set(CY_ETYPE, "ConfigTypeError",
                              "Error trying to access %s: node `%s` is not a container and thus "
                              "cannot contain `%s`",
                              key, h ? h : "", parts[i + 1]);
            goto done;
        }
        c = ret;
    }
    if (!c)
        goto done;
    const cy_node *v;
    if ((rc = select_one(c, parts[n - 1], throw_on_missing, &v)) < 0)
        goto done;
    if (container_out)
        *container_out = c;
    if (!v)
        goto done;
    if (found)
        *found = v;
    if (memo) {
        if (memo_has(memo, v)) {
            rc = resolution_error("InterpolationResolutionError",
                                  "Recursive interpolation detected");
            goto done;
        }
        if (!memo_push(memo, v)) {
            rc = oom();
            goto done;
        }
    }
    rc = maybe_resolve(value, c, v, memo);
    if (memo)
        memo_pop(memo, v);
done:
    free_parts(parts, n);
    return rc;
}

static bool is_ancestor_or_self(const cy_node *target, const cy_node *n) {
    for (; n; n = n->parent)
        if (n == target)
            return true;
    return false;
}

static int resolve_node_ref(ip_val *out, const ip_ctx *cx, const char *inter_key) {
    const cy_node *root;
    const char *key;
    if (key_and_root(&root, &key, cx->parent, inter_key) < 0)
        return resolution_error("InterpolationKeyError",
                                "ConfigKeyError while resolving interpolation: %s",
                                cy_error_last()->msg);
    ip_val v;
    const cy_node *container;
    int rc = select_impl(&v, &container, NULL, root, key, true, cx->memo);
    if (rc < 0) {
        if (cy_error_last()->code == CY_EMISSING)
            return resolution_error("InterpolationToMissingValueError",
                                    "MissingMandatoryValue while resolving interpolation: %s",
                                    cy_error_last()->msg);
        return rc;
    }
    if (!container || !v.n)
        return resolution_error("InterpolationKeyError", "Interpolation key '%s' not found", key);
    if (is_ancestor_or_self(v.n, cx->parent))
        return resolution_error("InterpolationResolutionError",
                                "Interpolation to parent node detected");
    *out = v;
    return 0;
}

int cy__interp_select(ip_val *out, const cy_node *from, const char *key, bool throw_on_missing,
                      const cy_node **found) {
    out->n = NULL;
    out->flags = 0;
    const cy_node *root;
    const char *k;
    int rc = key_and_root(&root, &k, from, key);
    if (rc < 0)
        return rc;
    rc = select_impl(out, NULL, found, root, k, throw_on_missing, NULL);
    if (rc < 0 && cy_error_last()->code == CY_ETYPE &&
        strcmp(cy_error_last()->exc, "ConfigTypeError") == 0) {
        /* select_node: a path through a non-container selects nothing */
        out->n = NULL;
        return 0;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Resolving a node (_maybe_resolve_interpolation and what follows)
 */

/* _validate_and_convert_interpolation_result: a typed value node converts the result to its
 * type; a result that is not a Node (or changed type) becomes a new result node. */
static int validate_result(ip_val *out, const cy_node *node, ip_val r) {
    cy_arena *a = node->arena;
    if (cy__is_typed_vnode(node)) {
        ip_val rv = cy__interp_get_value(a, r);
        cy_node *conv;
        bool as_node = cy_node_is_container(rv.n) && !(rv.flags & IV_PLAIN);
        if (cy__convert_at(&conv, a, node->type, rv.n, NULL, NULL, as_node) < 0) {
            const cy_error *e = cy_error_last();
            char *inner = malloc(strlen(e->msg) + 1);
            if (!inner)
                return oom();
            strcpy(inner, e->msg);
            resolution_error("InterpolationValidationError",
                             "While dereferencing interpolation '%s': %s", node->v.str.s, inner);
            free(inner);
            if (node->parent)
                cy__error_at_child(node);
            return CY_EINTERP;
        }
        if (conv->kind != rv.n->kind) {
            *out = fresh(conv, IV_NODE);
            return 0;
        }
    }
    if (!(r.flags & IV_NODE)) {
        /* wrapped into an InterpolationResultNode, which is never an interpolation itself: a
         * resolver's "${x}" is the text "${x}" */
        r.flags |= IV_NODE;
        if (r.n->kind == CY_INTERP && !cy_node_is_container(r.n))
            r.n = cy__interp_plain_str(a, r.n->v.str.s);
    }
    *out = r;
    return 0;
}

static int maybe_resolve(ip_val *out, const cy_node *parent, const cy_node *node, ip_memo *memo) {
    if (node->kind != CY_INTERP) {
        *out = (ip_val){node, IV_NODE};
        return 0;
    }
    ip_memo own = {0};
    if (!memo)
        memo = &own;
    cy_arena *scratch = cy_arena_new();
    if (!scratch)
        return oom();
    ip_ast *tree;
    int rc = cy__interp_parse(&tree, scratch, node->v.str.s, false, NULL);
    if (rc == 0) {
        ip_ctx cx = {parent, node, node->arena, memo, node->v.str.s, scratch};
        ip_val r;
        rc = cy__interp_eval(&r, &cx, tree);
        if (rc == 0)
            rc = validate_result(out, node, r);
    }
    cy_arena_free(scratch);
    free(own.items);
    return rc;
}

int cy__interp_resolve(const cy_node *n, const cy_node **out) {
    *out = NULL;
    if (n->kind != CY_INTERP) {
        *out = n;
        return 0;
    }
    if (!n->parent) {
        cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                     "Cannot resolve interpolation for a node without a parent");
        return cy_error_at_key(cy_node_full_key(n), NULL, NULL);
    }
    ip_val v;
    int rc = maybe_resolve(&v, n->parent, n, NULL);
    if (rc < 0)
        return cy__error_at_child(n);
    *out = v.n;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * OmegaConf.resolve
 */

static int resolve_in_place(cy_node *cfg);

/* The value to store in place of an interpolation: strings are classified again, as
 * node._set_value does ("${x}" from an escaped "\${x}" is an interpolation again). */
static const cy_node *stored_value(cy_arena *a, ip_val v) {
    if (!cy_node_is_container(v.n) && v.n->kind == CY_STR)
        return cy_new_str(a, v.n->v.str.s);
    return v.n;
}

/* _resolve_container_value / the interpolation branch of _resolve for one node. */
static int resolve_one(cy_node *c, size_t index, cy_node *node) {
    ip_val r;
    int rc = node->parent ? maybe_resolve(&r, node->parent, node, NULL)
                          : cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                                         "Cannot resolve interpolation for a node without a "
                                         "parent");
    if (rc < 0) {
        if (strcmp(cy_error_last()->exc, "InterpolationToMissingValueError") != 0)
            return rc;
        cy_error_clear();
        return cy__set_value(node, cy_new_missing(node->arena), false);
    }
    bool container = cy_node_is_container(r.n) && !(r.flags & IV_PLAIN);
    if (container) {
        /* The container may hold this very interpolation (`x: ${oc.select:l}` with x in l):
         * OmegaConf recurses until Python's RecursionError; we stop at the same depth limit. */
        if (!enter_depth())
            return CY_EINTERP;
        rc = resolve_in_place((cy_node *)r.n);
        leave_depth();
        if (rc < 0)
            return rc;
    }
    if (container && c && !cy_node_is_container(node)) {
        /* cfg[key] = resolved: the value node's place takes a copy of the container */
        const char *key =
            c->container == CY_LIST ? cy_arena_printf(c->arena, "%zu", index) : node->key;
        return cy__setitem(c, key, node->key_kind, r.n, true, "ConfigKeyError");
    }
    ip_val rv = cy__interp_get_value(node->arena, r);
    if (!cy_node_is_container(node) && cy_node_is_container(rv.n))
        return cy_error_set(CY_EVALIDATION, "UnsupportedValueType",
                            "Value '%s' is not a supported primitive type",
                            cy__interp_type_name(rv));
    bool is_node = cy_node_is_container(rv.n) && !(rv.flags & IV_PLAIN);
    return cy__set_value(node, stored_value(node->arena, rv), is_node);
}

static int resolve_in_place(cy_node *cfg) {
    if (cfg->kind == CY_INTERP) {
        int rc = resolve_one(NULL, 0, cfg);
        if (rc < 0)
            return rc;
    }
    if (cfg->kind != CY_DICT && cfg->kind != CY_LIST)
        return 0;
    for (size_t i = 0; i < cfg->v.c.len; i++) {
        cy_node *child = cfg->v.c.items[i];
        int rc = child->kind == CY_INTERP ? resolve_one(cfg, i, child) : resolve_in_place(child);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int cy_resolve_tree(cy_node *root) {
    if (!enter_depth())
        return CY_EINTERP;
    int rc = resolve_in_place(root);
    leave_depth();
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Syntax
 */

bool cy_interp_is_interp(const char *text) {
    return text && strstr(text, "${") != NULL;
}

int cy_interp_check_at(const char *text, size_t *err_pos) {
    if (!cy_interp_is_interp(text))
        return 0;
    cy_arena *a = cy_arena_new();
    if (!a)
        return oom();
    ip_ast *tree;
    int rc = cy__interp_parse(&tree, a, text, false, err_pos);
    cy_arena_free(a);
    return rc;
}

int cy_interp_check(const char *text) {
    return cy_interp_check_at(text, NULL);
}
