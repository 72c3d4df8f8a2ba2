/*
 * node.c - building and navigating config trees: type descriptors, node constructors, dict and
 * list storage, full keys, flags, copies and structural equality.
 *
 * Validated changes (set, delete, merge, update) live in set.c and merge.c; conversions in
 * convert.c; reading with resolution in select.c; Python-style formatting in pyfmt.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/schema.h"
#include "node_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Type descriptors
 */

const cy_type cy_type_any = {CY_T_ANY, true, NULL, NULL, NULL, false};
const cy_type cy_type_int = {CY_T_INT, false, NULL, NULL, NULL, false};
const cy_type cy_type_float = {CY_T_FLOAT, false, NULL, NULL, NULL, false};
const cy_type cy_type_bool = {CY_T_BOOL, false, NULL, NULL, NULL, false};
const cy_type cy_type_str = {CY_T_STR, false, NULL, NULL, NULL, false};
const cy_type cy_type_opt_int = {CY_T_INT, true, NULL, NULL, NULL, false};
const cy_type cy_type_opt_float = {CY_T_FLOAT, true, NULL, NULL, NULL, false};
const cy_type cy_type_opt_bool = {CY_T_BOOL, true, NULL, NULL, NULL, false};
const cy_type cy_type_opt_str = {CY_T_STR, true, NULL, NULL, NULL, false};
const cy_type cy_type_list_any = {CY_T_LIST, true, NULL, NULL, NULL, false};
const cy_type cy_type_dict_any = {CY_T_DICT, true, NULL, NULL, NULL, true};

/* type_str without the Optional wrapper; *heap says whether the result was built in the arena. */
static const char *type_str_bare(cy_arena *a, const cy_type *t) {
    switch (t->tag) {
    case CY_T_ANY:
        return "Any";
    case CY_T_INT:
        return "int";
    case CY_T_FLOAT:
        return "float";
    case CY_T_BOOL:
        return "bool";
    case CY_T_STR:
        return "str";
    case CY_T_ENUM:
        return t->enm ? t->enm->name : "Enum";
    case CY_T_STRUCT:
        return t->schema ? t->schema->name : "Struct";
    case CY_T_LIST:
        if (!t->elem)
            return "List[Any]";
        return cy_arena_printf(a, "List[%s]", cy_type_string(a, t->elem));
    case CY_T_DICT:
        if (!t->elem)
            return t->key_any ? "Dict[Any, Any]" : "Dict[str, Any]";
        return cy_arena_printf(a, "Dict[%s, %s]", t->key_any ? "Any" : "str",
                               cy_type_string(a, t->elem));
    }
    return "Any";
}

const char *cy__type_str_nonopt(cy_arena *a, const cy_type *t) {
    return t ? type_str_bare(a, t) : "Any";
}

const char *cy_type_string(cy_arena *a, const cy_type *t) {
    if (!t)
        return "Any";
    const char *bare = type_str_bare(a, t);
    if (t->optional && t->tag != CY_T_ANY)
        return cy_arena_printf(a, "Optional[%s]", bare);
    return bare;
}

/* ---------------------------------------------------------------------------------------------
 * Constructors
 */

static cy_node *new_node(cy_arena *a, cy_kind kind) {
    cy_node *n = cy_arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->container = CY_NULL;
    n->key_kind = CY_KEY_STR;
    n->flags[0] = n->flags[1] = CY_FLAG_UNSET;
    n->type = &cy_type_any;
    n->arena = a;
    return n;
}

cy_node *cy_new_null(cy_arena *a) {
    return new_node(a, CY_NULL);
}

cy_node *cy_new_missing(cy_arena *a) {
    cy_node *n = new_node(a, CY_MISSING);
    n->v.str.s = "???";
    return n;
}

cy_node *cy_new_bool(cy_arena *a, bool b) {
    cy_node *n = new_node(a, CY_BOOL);
    n->v.b = b;
    return n;
}

cy_node *cy_new_int(cy_arena *a, int64_t i) {
    cy_node *n = new_node(a, CY_INT);
    n->v.i = i;
    return n;
}

cy_node *cy_new_float(cy_arena *a, double f) {
    cy_node *n = new_node(a, CY_FLOAT);
    n->v.f = f;
    return n;
}

cy_node *cy_new_str(cy_arena *a, const char *s) {
    if (strcmp(s, "???") == 0)
        return cy_new_missing(a);
    cy_node *n = new_node(a, strstr(s, "${") ? CY_INTERP : CY_STR);
    n->v.str.s = cy_arena_strdup(a, s);
    return n;
}

cy_node *cy_new_enum(cy_arena *a, const cy_enum_def *e, size_t member) {
    cy_node *n = new_node(a, CY_ENUM);
    n->v.str.s = e->members[member];
    n->v.str.ei = e->values[member];
    n->v.str.def = e;
    return n;
}

cy_node *cy_new_dict(cy_arena *a) {
    cy_node *n = new_node(a, CY_DICT);
    n->container = CY_DICT;
    return n;
}

cy_node *cy_new_list(cy_arena *a) {
    cy_node *n = new_node(a, CY_LIST);
    n->container = CY_LIST;
    return n;
}

void cy_node_set_type(cy_node *n, const cy_type *type) {
    if (!type)
        type = &cy_type_any;
    n->type = type;
    switch (type->tag) {
    case CY_T_STRUCT:
        n->container = CY_DICT;
        n->object = n->kind == CY_DICT ? type->schema : NULL;
        break;
    case CY_T_DICT:
        n->container = CY_DICT;
        break;
    case CY_T_LIST:
        n->container = CY_LIST;
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Dict storage. Small dicts are searched linearly; from INDEX_MIN keys on, an open-addressing
 * table maps key text to position. The table is rebuilt from scratch when it fills up or after
 * a removal (arena memory is not reused, which costs O(n) over a dict's life).
 */

#define INDEX_MIN 16

typedef struct dict_index {
    size_t cap;      /* power of two */
    size_t count;    /* positions entered */
    uint32_t *slots; /* position + 1, 0 = empty */
} dict_index;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void index_insert(dict_index *ix, const char *key, size_t pos) {
    size_t mask = ix->cap - 1, i = (size_t)hash_str(key) & mask;
    while (ix->slots[i])
        i = (i + 1) & mask;
    ix->slots[i] = (uint32_t)(pos + 1);
    ix->count++;
}

static dict_index *index_build(cy_node *d) {
    dict_index *ix = cy_arena_alloc(d->arena, sizeof *ix);
    size_t cap = 64;
    while (cap < d->v.c.len * 2 + 2)
        cap *= 2;
    ix->cap = cap;
    ix->slots = cy_arena_alloc(d->arena, cap * sizeof *ix->slots);
    for (size_t i = 0; i < d->v.c.len; i++)
        index_insert(ix, d->v.c.items[i]->key, i);
    d->v.c.index = ix;
    return ix;
}

long cy__dict_find(const cy_node *dict, const char *key) {
    if (dict->kind != CY_DICT || !key)
        return -1;
    size_t n = dict->v.c.len;
    if (n < INDEX_MIN) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(dict->v.c.items[i]->key, key) == 0)
                return (long)i;
        return -1;
    }
    dict_index *ix = dict->v.c.index;
    if (!ix || ix->count != n)
        ix = index_build((cy_node *)dict);
    size_t mask = ix->cap - 1, i = (size_t)hash_str(key) & mask;
    while (ix->slots[i]) {
        size_t pos = ix->slots[i] - 1;
        if (pos < n && strcmp(dict->v.c.items[pos]->key, key) == 0)
            return (long)pos;
        i = (i + 1) & mask;
    }
    return -1;
}

static void push_item(cy_node *c, cy_node *child) {
    if (c->v.c.len == c->v.c.cap) {
        size_t cap = c->v.c.cap ? c->v.c.cap * 2 : 4;
        cy_node **items = cy_arena_alloc(c->arena, cap * sizeof *items);
        if (c->v.c.len)
            memcpy(items, c->v.c.items, c->v.c.len * sizeof *items);
        c->v.c.items = items;
        c->v.c.cap = cap;
    }
    c->v.c.items[c->v.c.len++] = child;
    child->parent = c;
    if (c->kind == CY_DICT && c->v.c.index) {
        dict_index *ix = c->v.c.index;
        if ((ix->count + 1) * 2 > ix->cap || ix->count != c->v.c.len - 1)
            c->v.c.index = NULL; /* rebuilt on the next lookup */
        else
            index_insert(ix, child->key, c->v.c.len - 1);
    }
}

void cy_dict_put_kind(cy_node *dict, const char *key, cy_key_kind kind, cy_node *child) {
    if (dict->kind != CY_DICT) {
        /* a dict box holding null/???: it becomes an empty dict first */
        if (dict->container != CY_DICT)
            return;
        dict->kind = CY_DICT;
        memset(&dict->v, 0, sizeof dict->v);
        if (dict->type->tag == CY_T_STRUCT)
            dict->object = dict->type->schema;
    }
    long at = cy__dict_find(dict, key);
    child->key = (at >= 0) ? dict->v.c.items[at]->key : cy_arena_strdup(dict->arena, key);
    child->key_kind = kind;
    if (at >= 0) {
        dict->v.c.items[at]->parent = NULL;
        dict->v.c.items[at] = child;
        child->parent = dict;
        return;
    }
    push_item(dict, child);
}

void cy_dict_put(cy_node *dict, const char *key, cy_node *child) {
    cy_dict_put_kind(dict, key, CY_KEY_STR, child);
}

void cy_list_push(cy_node *list, cy_node *child) {
    if (list->kind != CY_LIST) {
        if (list->container != CY_LIST)
            return;
        list->kind = CY_LIST;
        memset(&list->v, 0, sizeof list->v);
    }
    child->key = NULL;
    child->key_kind = CY_KEY_INT;
    push_item(list, child);
}

void cy__remove_child(cy_node *c, size_t i) {
    if (i >= c->v.c.len)
        return;
    c->v.c.items[i]->parent = NULL;
    memmove(&c->v.c.items[i], &c->v.c.items[i + 1], (c->v.c.len - i - 1) * sizeof(cy_node *));
    c->v.c.len--;
    if (c->kind == CY_DICT)
        c->v.c.index = NULL;
    else
        for (size_t k = 0; k < c->v.c.len; k++)
            c->v.c.items[k]->key = NULL; /* _update_keys */
}

void cy__replace_child(cy_node *c, size_t i, cy_node *child) {
    cy_node *old = c->v.c.items[i];
    child->key = old->key;
    child->key_kind = old->key_kind;
    old->parent = NULL;
    c->v.c.items[i] = child;
    child->parent = c;
}

/* ---------------------------------------------------------------------------------------------
 * Navigation
 */

size_t cy_node_len(const cy_node *n) {
    return (n->kind == CY_DICT || n->kind == CY_LIST) ? n->v.c.len : 0;
}

cy_node *cy_node_child(const cy_node *n, size_t i) {
    if ((n->kind != CY_DICT && n->kind != CY_LIST) || i >= n->v.c.len)
        return NULL;
    return n->v.c.items[i];
}

cy_node *cy_dict_get(const cy_node *dict, const char *key) {
    long i = cy__dict_find(dict, key);
    return i < 0 ? NULL : dict->v.c.items[i];
}

long cy_node_index(const cy_node *n) {
    const cy_node *p = n->parent;
    if (!p || (p->kind != CY_DICT && p->kind != CY_LIST))
        return -1;
    if (p->kind == CY_DICT && n->key) {
        long i = cy__dict_find(p, n->key);
        if (i >= 0 && p->v.c.items[i] == n)
            return i;
    }
    for (size_t i = 0; i < p->v.c.len; i++)
        if (p->v.c.items[i] == n)
            return (long)i;
    return -1;
}

cy_node *cy_node_root(const cy_node *n) {
    while (n->parent)
        n = n->parent;
    return (cy_node *)n;
}

/* Appends one path segment in front of `tail`: OmegaConf writes list items as [i] and joins
 * everything else with dots, with no dot before a bracket. */
static char *prepend_segment(const char *seg, bool bracket, char *tail) {
    size_t sl = strlen(seg), tl = tail ? strlen(tail) : 0;
    char *s = malloc(sl + tl + 4);
    if (!s) {
        free(tail);
        return NULL;
    }
    char *p = s;
    if (bracket)
        *p++ = '[';
    memcpy(p, seg, sl);
    p += sl;
    if (bracket)
        *p++ = ']';
    if (tl) {
        if (tail[0] != '[')
            *p++ = '.';
        memcpy(p, tail, tl);
        p += tl;
    }
    *p = '\0';
    free(tail);
    return s;
}

static bool is_list_node(const cy_node *n) {
    return n->container == CY_LIST || n->kind == CY_LIST;
}

/* n's key in its parent: a list item's index (or the key it was placed under), a dict key. */
static void segment_of(const cy_node *n, char idx[32], const char **seg) {
    if (is_list_node(n->parent)) {
        /* a node being built for a list slot is not in the list yet, and a node placed with a
         * negative index keeps it: then its key says where */
        if (n->key)
            snprintf(idx, 32, "%s", n->key);
        else
            snprintf(idx, 32, "%ld", cy_node_index(n));
        *seg = idx;
    } else {
        *seg = n->key ? n->key : "";
    }
}

/* The full key of n followed by `tail` (consumed). */
static char *full_key_with(const cy_node *n, char *tail) {
    while (n && n->parent) {
        const cy_node *p = n->parent;
        char idx[32];
        const char *seg;
        segment_of(n, idx, &seg);
        tail = prepend_segment(seg, is_list_node(p), tail);
        if (!tail)
            return NULL;
        n = p;
    }
    if (!tail) {
        tail = malloc(1);
        if (tail)
            tail[0] = '\0';
    }
    return tail;
}

char *cy__full_key_of(const cy_node *container, const char *key) {
    char *tail = NULL;
    if (key && key[0]) {
        tail = prepend_segment(key, is_list_node(container), NULL);
    } else if (container->parent && is_list_node(container->parent)) {
        /* OmegaConf's _get_full_key(None) on a list item starts from the item's int key and
         * glues it to the list's key without brackets: "s0", "[1]0" */
        char idx[32];
        const char *seg;
        segment_of(container, idx, &seg);
        const cy_node *list = container->parent;
        if (!list->parent)
            return strdup(seg);
        char idx2[32];
        const char *seg2;
        segment_of(list, idx2, &seg2);
        char *s = malloc(strlen(seg2) + strlen(seg) + 3);
        if (!s)
            return NULL;
        sprintf(s, is_list_node(list->parent) ? "[%s]%s" : "%s%s", seg2, seg);
        return full_key_with(list->parent, s);
    }
    return full_key_with(container, tail);
}

int cy__error_at_child(const cy_node *n) {
    const cy_node *p = n->parent;
    if (!p)
        return cy_error_at(NULL, "");
    if (p->container == CY_LIST || p->kind == CY_LIST) {
        char idx[32];
        snprintf(idx, sizeof idx, "%ld", cy_node_index(n));
        return cy_error_at(p, idx);
    }
    return cy_error_at(p, n->key);
}

const char *cy_node_full_key(const cy_node *n) {
    char *s = full_key_with(n, NULL);
    if (!s)
        return "";
    const char *r = cy_arena_strdup(n->arena, s);
    free(s);
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Flags and types
 */

bool cy_node_flag(const cy_node *n, cy_flag flag) {
    for (; n; n = n->parent)
        if (n->flags[flag] != CY_FLAG_UNSET)
            return n->flags[flag] == CY_FLAG_TRUE;
    return false;
}

void cy_node_set_flag(cy_node *n, cy_flag flag, int value) {
    n->flags[flag] = (int8_t)(value < 0 ? CY_FLAG_UNSET : value ? CY_FLAG_TRUE : CY_FLAG_FALSE);
}

bool cy_node_is_typed(const cy_node *n) {
    return n->object != NULL;
}

const cy_type *cy__struct_type_of(const cy_node *n) {
    if (n->object)
        return n->object->type;
    return NULL;
}

const char *cy_node_type_name(const cy_node *n) {
    if (n->container == CY_LIST)
        return "list";
    if (n->container == CY_DICT) {
        if (n->kind == CY_NULL || n->kind == CY_MISSING)
            return "NoneType";
        if (n->kind == CY_DICT && n->object)
            return n->object->name;
        return "dict";
    }
    return cy_node_pytype(n);
}

const char *cy__error_object_type(const cy_node *c) {
    return cy_node_type_name(c);
}

const char *cy__error_ref_type(const cy_node *c) {
    if (cy__is_any(c->type))
        return NULL;
    return cy_type_string(c->arena, c->type);
}

/* ---------------------------------------------------------------------------------------------
 * Copies and equality
 */

cy_node *cy__node_shell(cy_arena *a, const cy_node *n) {
    cy_node *c = cy_arena_alloc(a, sizeof *c);
    c->kind = n->kind;
    c->container = n->container;
    c->key_kind = n->key_kind;
    c->flags[0] = n->flags[0];
    c->flags[1] = n->flags[1];
    c->type = n->type;
    c->object = n->object;
    c->arena = a;
    c->key = (n->key && a != n->arena) ? cy_arena_strdup(a, n->key) : n->key;
    c->help = n->help;
    c->source = (n->source && a != n->arena) ? cy_arena_strdup(a, n->source) : n->source;
    return c;
}

cy_node *cy_node_copy(cy_arena *a, const cy_node *src) {
    cy_node *c = cy__node_shell(a, src);
    switch (src->kind) {
    case CY_DICT:
    case CY_LIST:
        if (src->v.c.len) {
            c->v.c.items = cy_arena_alloc(a, src->v.c.len * sizeof(cy_node *));
            c->v.c.cap = src->v.c.len;
        }
        for (size_t i = 0; i < src->v.c.len; i++) {
            cy_node *k = cy_node_copy(a, src->v.c.items[i]);
            k->parent = c;
            c->v.c.items[i] = k;
        }
        c->v.c.len = src->v.c.len;
        break;
    case CY_STR:
    case CY_INTERP:
        c->v.str.s = (a != src->arena) ? cy_arena_strdup(a, src->v.str.s) : src->v.str.s;
        break;
    default:
        c->v = src->v;
        break;
    }
    return c;
}

void cy__take_value(cy_node *n, cy_node *v) {
    n->kind = v->kind;
    n->v = v->v;
    if (n->kind == CY_DICT || n->kind == CY_LIST)
        for (size_t i = 0; i < n->v.c.len; i++)
            n->v.c.items[i]->parent = n;
    if (n->kind == CY_DICT)
        n->v.c.index = NULL;
    if (v->container != CY_NULL && n->container == CY_NULL)
        n->container = v->container;
}

bool cy_node_equal(const cy_node *a, const cy_node *b) {
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CY_NULL:
    case CY_MISSING:
        return true;
    case CY_BOOL:
        return a->v.b == b->v.b;
    case CY_INT:
        return a->v.i == b->v.i;
    case CY_FLOAT:
        return a->v.f == b->v.f || (isnan(a->v.f) && isnan(b->v.f));
    case CY_STR:
    case CY_INTERP:
        return strcmp(a->v.str.s, b->v.str.s) == 0;
    case CY_ENUM:
        return a->v.str.def == b->v.str.def && a->v.str.ei == b->v.str.ei &&
               strcmp(a->v.str.s, b->v.str.s) == 0;
    case CY_LIST:
        if (a->v.c.len != b->v.c.len)
            return false;
        for (size_t i = 0; i < a->v.c.len; i++)
            if (!cy_node_equal(a->v.c.items[i], b->v.c.items[i]))
                return false;
        return true;
    case CY_DICT:
        if (a->v.c.len != b->v.c.len)
            return false;
        for (size_t i = 0; i < a->v.c.len; i++) {
            const cy_node *x = a->v.c.items[i];
            const cy_node *y = cy_dict_get(b, x->key);
            if (!y || !cy_node_equal(x, y))
                return false;
        }
        return true;
    }
    return false;
}
