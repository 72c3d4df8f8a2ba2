/*
 * yaml_load.c - YAML text to a config tree, as OmegaConf.create(text) / OmegaConf.load(path).
 *
 * Two passes, as PyYAML makes them. Composing turns libyaml's parse events into a graph of YAML
 * nodes: tags resolved (OmegaConf's loader rules, yaml_scalar.c), anchors recorded, an alias
 * pointing at the very node it names. Constructing then walks that graph into cy_nodes, expanding
 * each alias into a copy, flattening merge keys and checking keys the way SafeConstructor and
 * OmegaConf's construct_mapping do. Syntax errors therefore always win over construction errors,
 * as in PyYAML.
 *
 * Limits: the input size is checked before parsing; nesting depth when a collection opens (and
 * again for the height that alias expansion produces); the number of nodes the document expands
 * to is summed while composing - every node knows its expanded weight, an alias adding its
 * target's - so a billion-laughs document fails at the alias that crosses the limit, in
 * microseconds, before anything is copied.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "cydra/error.h"
#include "cydra/interp.h"
#include "cydra/yaml.h"
#include "yaml_internal.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

/* Construction recurses once per level: deeper nesting than this is refused whatever max_depth
 * says, so that the C stack (8 MiB, also under ASan) always suffices. */
#define MAX_DEPTH_CAP 10000

/* What a node's tag means to the constructor. */
typedef enum ktag {
    KT_OTHER, /* no constructor: an error when constructed */
    KT_STR,
    KT_NULL,
    KT_BOOL,
    KT_INT,
    KT_FLOAT,
    KT_MERGE,
    KT_VALUE,
    KT_YAML,
    KT_MAP,
    KT_SEQ,
    KT_OMAP,
    KT_PAIRS,
    KT_SET,
    KT_BINARY,
    KT_TIMESTAMP,
    KT_PATH, /* OmegaConf's pathlib.Path constructors */
} ktag;

enum { YN_SCALAR, YN_SEQ, YN_MAP };

typedef struct ynode ynode;
struct ynode {
    uint8_t kind;
    uint8_t open; /* a collection still being composed: an alias to it would contain itself */
    uint8_t ktag;
    const char *tag; /* the full tag, for messages */
    char *value;     /* scalar text (may hold NULs) */
    size_t len;
    size_t line, col; /* 0-based start mark */
    ynode **items;    /* sequence items; mapping keys and values, alternating */
    size_t n, cap;
    size_t weight; /* nodes this expands to, aliases expanded (saturating) */
    size_t height; /* nesting below and including this node, aliases expanded */
};

/* Bump allocator for the YAML graph, freed when loading ends. */
typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} pool_chunk;

typedef struct anchor_slot {
    const char *name;
    ynode *node;
} anchor_slot;

typedef struct loader {
    const char *name;
    const char *text;
    size_t len;
    cy_yaml_opts opts;
    cy_arena *arena;
    pool_chunk *pool;
    anchor_slot *anchors; /* open addressing */
    size_t anchors_cap, anchors_len;
    ynode **stack; /* open collections */
    size_t depth, stack_cap;
    ynode *root;
} loader;

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

static int errf(loader *ld, int code, const char *exc, size_t line, size_t col, const char *fmt,
                ...) __attribute__((format(printf, 6, 7)));

static int errf(loader *ld, int code, const char *exc, size_t line, size_t col, const char *fmt,
                ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cy_error_set(code, exc, "%s:%zu:%zu: %s", ld->name, line + 1, col + 1, msg);
}

/* The same with PyYAML's context part ("while constructing a mapping" and where it started). */
static int errc(loader *ld, int code, const char *exc, const ynode *ctx_node, const char *ctx,
                const ynode *at, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int errc(loader *ld, int code, const char *exc, const ynode *ctx_node, const char *ctx,
                const ynode *at, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ctx_node)
        return cy_error_set(code, exc, "%s:%zu:%zu: %s (%s at line %zu, column %zu)", ld->name,
                            at->line + 1, at->col + 1, msg, ctx, ctx_node->line + 1,
                            ctx_node->col + 1);
    return cy_error_set(code, exc, "%s:%zu:%zu: %s", ld->name, at->line + 1, at->col + 1, msg);
}

/* A scalar's text, shortened and made printable for a message. */
static const char *shown(const char *s, size_t n, char buf[80]) {
    size_t o = 0;
    for (size_t i = 0; i < n && o < 60; i++)
        buf[o++] = (s[i] >= 0x20 && s[i] != 0x7f) || (s[i] & 0x80) ? s[i] : '?';
    if (o == 60 && n > 60) {
        /* do not cut a UTF-8 sequence in half */
        while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0)
            o--;
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * The YAML graph
 */

static void *pool_alloc(loader *ld, size_t n) {
    n = (n + 15) & ~(size_t)15;
    pool_chunk *c = ld->pool;
    if (!c || c->size - c->used < n) {
        size_t size = n > 32768 ? n : 32768;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->next = ld->pool;
        c->used = 0;
        c->size = size;
        ld->pool = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void pool_free(loader *ld) {
    while (ld->pool) {
        pool_chunk *next = ld->pool->next;
        free(ld->pool);
        ld->pool = next;
    }
}

static uint64_t hash_bytes(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static anchor_slot *anchor_find(loader *ld, const char *name) {
    if (!ld->anchors_cap)
        return NULL;
    size_t mask = ld->anchors_cap - 1, i = (size_t)hash_bytes(name) & mask;
    while (ld->anchors[i].name) {
        if (strcmp(ld->anchors[i].name, name) == 0)
            return &ld->anchors[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static int anchor_add(loader *ld, const char *name, ynode *node) {
    if ((ld->anchors_len + 1) * 2 > ld->anchors_cap) {
        size_t cap = ld->anchors_cap ? ld->anchors_cap * 2 : 16;
        anchor_slot *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return CY_ENOMEM;
        for (size_t k = 0; k < ld->anchors_cap; k++) {
            if (!ld->anchors[k].name)
                continue;
            size_t i = (size_t)hash_bytes(ld->anchors[k].name) & (cap - 1);
            while (slots[i].name)
                i = (i + 1) & (cap - 1);
            slots[i] = ld->anchors[k];
        }
        free(ld->anchors);
        ld->anchors = slots;
        ld->anchors_cap = cap;
    }
    size_t mask = ld->anchors_cap - 1, i = (size_t)hash_bytes(name) & mask;
    while (ld->anchors[i].name)
        i = (i + 1) & mask;
    size_t len = strlen(name);
    char *copy = pool_alloc(ld, len + 1);
    if (!copy)
        return CY_ENOMEM;
    memcpy(copy, name, len + 1);
    ld->anchors[i].name = copy;
    ld->anchors[i].node = node;
    ld->anchors_len++;
    return 0;
}

static void anchors_reset(loader *ld) {
    free(ld->anchors);
    ld->anchors = NULL;
    ld->anchors_cap = ld->anchors_len = 0;
}

static ktag classify_tag(const char *tag, int kind) {
    if (!tag || strcmp(tag, "!") == 0)
        return kind == YN_MAP ? KT_MAP : kind == YN_SEQ ? KT_SEQ : KT_STR;
    static const struct {
        const char *name;
        ktag k;
    } known[] = {
        {"str", KT_STR},
        {"null", KT_NULL},
        {"bool", KT_BOOL},
        {"int", KT_INT},
        {"float", KT_FLOAT},
        {"merge", KT_MERGE},
        {"value", KT_VALUE},
        {"yaml", KT_YAML},
        {"map", KT_MAP},
        {"seq", KT_SEQ},
        {"omap", KT_OMAP},
        {"pairs", KT_PAIRS},
        {"set", KT_SET},
        {"binary", KT_BINARY},
        {"timestamp", KT_TIMESTAMP},
        {"python/object/apply:pathlib.Path", KT_PATH},
        {"python/object/apply:pathlib.PosixPath", KT_PATH},
        {"python/object/apply:pathlib.WindowsPath", KT_PATH},
    };
    size_t plen = strlen(TAG_PREFIX);
    if (strncmp(tag, TAG_PREFIX, plen) != 0)
        return KT_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(tag + plen, known[i].name) == 0)
            return known[i].k;
    return KT_OTHER;
}

static const char *ktag_name(ktag k) {
    switch (k) {
    case KT_STR:
        return TAG_PREFIX "str";
    case KT_NULL:
        return TAG_PREFIX "null";
    case KT_BOOL:
        return TAG_PREFIX "bool";
    case KT_INT:
        return TAG_PREFIX "int";
    case KT_FLOAT:
        return TAG_PREFIX "float";
    case KT_MERGE:
        return TAG_PREFIX "merge";
    case KT_VALUE:
        return TAG_PREFIX "value";
    case KT_YAML:
        return TAG_PREFIX "yaml";
    case KT_MAP:
        return TAG_PREFIX "map";
    case KT_SEQ:
        return TAG_PREFIX "seq";
    default:
        return "?";
    }
}

static ktag ktag_of_ytag(ytag t) {
    switch (t) {
    case YT_NULL:
        return KT_NULL;
    case YT_BOOL:
        return KT_BOOL;
    case YT_INT:
        return KT_INT;
    case YT_FLOAT:
        return KT_FLOAT;
    case YT_MERGE:
        return KT_MERGE;
    case YT_VALUE:
        return KT_VALUE;
    case YT_YAML:
        return KT_YAML;
    default:
        return KT_STR;
    }
}

static ynode *new_ynode(loader *ld, int kind, const yaml_mark_t *mark, const char *tag) {
    ynode *y = pool_alloc(ld, sizeof *y);
    if (!y)
        return NULL;
    memset(y, 0, sizeof *y);
    y->kind = (uint8_t)kind;
    y->line = mark->line;
    y->col = mark->column;
    y->weight = 1;
    y->height = 1;
    if (tag && strcmp(tag, "!") != 0) {
        size_t n = strlen(tag);
        char *t = pool_alloc(ld, n + 1);
        if (!t)
            return NULL;
        memcpy(t, tag, n + 1);
        y->tag = t;
    }
    return y;
}

static int check_weight(loader *ld, const ynode *y, const ynode *at) {
    if (y->weight > ld->opts.max_nodes)
        return errf(ld, CY_ELIMIT, NULL, at->line, at->col,
                    "document expands to more than %zu nodes (max_nodes; aliases are counted "
                    "once per use)",
                    ld->opts.max_nodes);
    if (y->height > ld->opts.max_depth)
        return errf(ld, CY_ELIMIT, NULL, at->line, at->col,
                    "document nests deeper than %zu levels once aliases are expanded (max_depth)",
                    ld->opts.max_depth);
    return 0;
}

/* Adds a finished node (or an alias's target) to the open collection, or makes it the root. */
static int attach(loader *ld, ynode *child, const ynode *at) {
    if (ld->depth == 0) {
        ld->root = child;
        return check_weight(ld, child, at);
    }
    ynode *p = ld->stack[ld->depth - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        ynode **items = pool_alloc(ld, cap * sizeof *items);
        if (!items)
            return CY_ENOMEM;
        if (p->n)
            memcpy(items, p->items, p->n * sizeof *items);
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = child;
    p->weight = p->weight > SIZE_MAX - child->weight ? SIZE_MAX : p->weight + child->weight;
    if (child->height + 1 > p->height)
        p->height = child->height + 1;
    return check_weight(ld, p, at);
}

static int parse_error(loader *ld, yaml_parser_t *p) {
    const char *exc = p->error == YAML_READER_ERROR    ? "ReaderError"
                      : p->error == YAML_SCANNER_ERROR ? "ScannerError"
                                                       : "ParserError";
    if (p->error == YAML_MEMORY_ERROR)
        return cy_error_set(CY_ENOMEM, NULL, "%s: out of memory parsing YAML", ld->name);
    if (p->error == YAML_READER_ERROR) {
        /* the reader reports a byte offset; find its line and column */
        size_t off = p->problem_offset < ld->len ? p->problem_offset : ld->len;
        size_t line = 0, col = 0;
        for (size_t i = 0; i < off; i++) {
            if (ld->text[i] == '\n')
                line++, col = 0;
            else if (((unsigned char)ld->text[i] & 0xC0) != 0x80)
                col++;
        }
        if (p->problem_value != -1)
            return errf(ld, CY_EPARSE, exc, line, col, "%s: #x%X",
                        p->problem ? p->problem : "invalid input", (unsigned)p->problem_value);
        return errf(ld, CY_EPARSE, exc, line, col, "%s", p->problem ? p->problem : "invalid input");
    }
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return cy_error_set(CY_EPARSE, exc, "%s:%zu:%zu: %s (%s at line %zu, column %zu)", ld->name,
                            p->problem_mark.line + 1, p->problem_mark.column + 1, problem,
                            p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return errf(ld, CY_EPARSE, exc, p->problem_mark.line, p->problem_mark.column, "%s", problem);
}

/* Opens a collection or records a scalar; registers the anchor (PyYAML registers a collection's
 * anchor before its children, so an alias inside it is recursive). */
static int compose_event(loader *ld, yaml_event_t *ev, size_t *docs, ynode **first_doc) {
    const yaml_mark_t *mark = &ev->start_mark;
    const char *anchor = NULL;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs == 2)
            return cy_error_set(CY_EPARSE, "ComposerError",
                                "%s:%zu:%zu: expected a single document in the stream, but found "
                                "another document (the first starts at line %zu, column %zu)",
                                ld->name, mark->line + 1, mark->column + 1,
                                *first_doc ? (*first_doc)->line + 1 : 1,
                                *first_doc ? (*first_doc)->col + 1 : 1);
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        *first_doc = ld->root;
        anchors_reset(ld);
        return 0;
    case YAML_ALIAS_EVENT: {
        anchor_slot *a = anchor_find(ld, (const char *)ev->data.alias.anchor);
        if (!a)
            return errf(ld, CY_EPARSE, "ComposerError", mark->line, mark->column,
                        "found undefined alias '%s'", (const char *)ev->data.alias.anchor);
        if (a->node->open)
            return errf(ld, CY_EPARSE, "ComposerError", mark->line, mark->column,
                        "alias '%s' refers to a collection that contains it (a recursive "
                        "structure cannot be a config)",
                        (const char *)ev->data.alias.anchor);
        ynode at = {.line = mark->line, .col = mark->column};
        return attach(ld, a->node, &at);
    }
    case YAML_SCALAR_EVENT: {
        anchor = (const char *)ev->data.scalar.anchor;
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
        anchor = (const char *)ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = (const char *)ev->data.mapping_start.anchor;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        ynode *y = ld->stack[--ld->depth];
        y->open = 0;
        return attach(ld, y, y);
    }
    default:
        return 0;
    }
    if (anchor) {
        anchor_slot *a = anchor_find(ld, anchor);
        if (a)
            return errf(ld, CY_EPARSE, "ComposerError", mark->line, mark->column,
                        "found duplicate anchor '%s' (first occurrence at line %zu, column %zu)",
                        anchor, a->node->line + 1, a->node->col + 1);
    }
    ynode *y;
    if (ev->type == YAML_SCALAR_EVENT) {
        const char *tag = (const char *)ev->data.scalar.tag;
        y = new_ynode(ld, YN_SCALAR, mark, tag);
        if (!y)
            return CY_ENOMEM;
        y->len = ev->data.scalar.length;
        y->value = pool_alloc(ld, y->len + 1);
        if (!y->value)
            return CY_ENOMEM;
        memcpy(y->value, ev->data.scalar.value, y->len);
        y->value[y->len] = '\0';
        if (!tag || strcmp(tag, "!") == 0) {
            /* plain text is resolved, quoted text is a str; the non-specific tag "!" asks for
             * resolution whatever the style (PyYAML also for an empty node, where libyaml
             * clears plain_implicit) */
            y->ktag = (tag || ev->data.scalar.plain_implicit)
                          ? ktag_of_ytag(cy__yaml_resolve_load(y->value, y->len))
                          : KT_STR;
        } else {
            y->ktag = classify_tag(tag, YN_SCALAR);
        }
        if (!y->tag)
            y->tag = ktag_name(y->ktag);
        if (anchor && anchor_add(ld, anchor, y) < 0)
            return CY_ENOMEM;
        return attach(ld, y, y);
    }
    int kind = ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
    const char *tag = kind == YN_SEQ ? (const char *)ev->data.sequence_start.tag
                                     : (const char *)ev->data.mapping_start.tag;
    if (ld->depth >= ld->opts.max_depth)
        return errf(ld, CY_ELIMIT, NULL, mark->line, mark->column,
                    "collections nested deeper than %zu levels (max_depth)", ld->opts.max_depth);
    y = new_ynode(ld, kind, mark, tag);
    if (!y)
        return CY_ENOMEM;
    y->ktag = classify_tag(tag, kind);
    if (!y->tag)
        y->tag = ktag_name(y->ktag);
    y->open = 1;
    if (anchor && anchor_add(ld, anchor, y) < 0)
        return CY_ENOMEM;
    if (ld->depth == ld->stack_cap) {
        size_t cap = ld->stack_cap ? ld->stack_cap * 2 : 16;
        ynode **s = realloc(ld->stack, cap * sizeof *s);
        if (!s)
            return CY_ENOMEM;
        ld->stack = s;
        ld->stack_cap = cap;
    }
    ld->stack[ld->depth++] = y;
    return 0;
}

/* PyYAML never takes a tab for white space between tokens or inside a plain scalar ("found
 * character '\t' that cannot start any token"); libyaml does. So where the text has a tab, the
 * tokens are scanned first and a tab outside quoted and block scalars and comments is refused
 * the way PyYAML refuses it. libyaml counts positions in characters; bytes are found by walking
 * the (UTF-8) text along. */
typedef struct char_cursor {
    size_t ci, bi;
} char_cursor;

static size_t byte_at(const loader *ld, char_cursor *c, size_t index) {
    if (index < c->ci)
        c->ci = c->bi = 0;
    while (c->ci < index && c->bi < ld->len) {
        c->bi++;
        while (c->bi < ld->len && ((unsigned char)ld->text[c->bi] & 0xC0) == 0x80)
            c->bi++;
        c->ci++;
    }
    return c->bi;
}

static int tab_error(loader *ld, size_t at) {
    size_t line = 0, col = 0;
    for (size_t i = 0; i < at; i++) {
        if (ld->text[i] == '\n')
            line++, col = 0;
        else if (((unsigned char)ld->text[i] & 0xC0) != 0x80)
            col++;
    }
    return errf(ld, CY_EPARSE, "ScannerError", line, col,
                "found character '\\t' that cannot start any token (tabs are not white space "
                "in YAML outside quoted and block scalars)");
}

static int check_tabs(loader *ld) {
    if (!memchr(ld->text, '\t', ld->len))
        return 0;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return cy_error_set(CY_ENOMEM, NULL, "%s: out of memory", ld->name);
    yaml_parser_set_input_string(&p, (const unsigned char *)ld->text, ld->len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    char_cursor cur = {0, 0};
    size_t done = 0; /* bytes checked so far */
    bool comment = false;
    int rc = 0;
    for (;;) {
        yaml_token_t tok;
        if (!yaml_parser_scan(&p, &tok))
            break; /* the parse proper reports it */
        size_t start = byte_at(ld, &cur, tok.start_mark.index);
        size_t end = byte_at(ld, &cur, tok.end_mark.index);
        /* the gap before the token: white space, line breaks and comments only */
        for (size_t i = done; i < start && rc == 0; i++) {
            char ch = ld->text[i];
            if (ch == '#')
                comment = true;
            else if (ch == '\n' || ch == '\r')
                comment = false;
            else if (ch == '\t' && !comment)
                rc = tab_error(ld, i);
        }
        if (start > done)
            comment = false;
        if (rc == 0 && tok.type == YAML_SCALAR_TOKEN &&
            tok.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            const char *t = memchr(ld->text + start, '\t', end > start ? end - start : 0);
            if (t)
                rc = tab_error(ld, (size_t)(t - ld->text));
        }
        if (end > done)
            done = end;
        bool last = tok.type == YAML_STREAM_END_TOKEN;
        yaml_token_delete(&tok);
        if (rc < 0 || last)
            break;
    }
    yaml_parser_delete(&p);
    return rc;
}

static int compose(loader *ld) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return cy_error_set(CY_ENOMEM, NULL, "%s: out of memory", ld->name);
    yaml_parser_set_input_string(&p, (const unsigned char *)ld->text, ld->len);
    /* OmegaConf reads files as UTF-8 (a UTF-16 file is an error there too) */
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    size_t docs = 0;
    ynode *first_doc = NULL;
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parse_error(ld, &p);
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = compose_event(ld, &ev, &docs, &first_doc);
        yaml_event_delete(&ev);
        if (rc == CY_ENOMEM && cy_error_last()->code != CY_ENOMEM)
            rc = cy_error_set(CY_ENOMEM, NULL, "%s: out of memory loading YAML", ld->name);
        if (rc < 0 || end)
            break;
    }
    yaml_parser_delete(&p);
    anchors_reset(ld);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Construction
 */

static int construct(cy_node **out, loader *ld, const ynode *y, size_t depth);

static const char *node_id(const ynode *y) {
    return y->kind == YN_SCALAR ? "scalar" : y->kind == YN_SEQ ? "sequence" : "mapping";
}

static void set_source(loader *ld, cy_node *n, const ynode *y) {
    n->source = cy_arena_printf(ld->arena, "%s:%zu:%zu", ld->name, y->line + 1, y->col + 1);
}

static int no_constructor(loader *ld, const ynode *y) {
    return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                "could not determine a constructor for the tag '%s'", y->tag);
}

static int unsupported(loader *ld, const ynode *y, const char *what) {
    return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                "%s (tag '%s') cannot be held in a config", what, y->tag);
}

static int need_scalar(loader *ld, const ynode *y) {
    if (y->kind == YN_SCALAR)
        return 0;
    return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                "expected a scalar node, but found %s", node_id(y));
}

static int no_nul(loader *ld, const ynode *y) {
    if (memchr(y->value, '\0', y->len))
        return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                    "strings with NUL characters are not supported");
    return 0;
}

static int scalar_fail(loader *ld, const ynode *y, int rc, const char *why) {
    return errc(ld, rc, "ConstructorError", NULL, NULL, y, "%s", why);
}

/* One (key, value) pair of a flattened mapping. */
typedef struct pair {
    const ynode *key, *value;
} pair;

typedef struct pairs {
    pair *v;
    size_t n, cap;
} pairs;

static int pairs_push(pairs *ps, const ynode *k, const ynode *v) {
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        pair *nv = realloc(ps->v, cap * sizeof *nv);
        if (!nv)
            return CY_ENOMEM;
        ps->v = nv;
        ps->cap = cap;
    }
    ps->v[ps->n].key = k;
    ps->v[ps->n].value = v;
    ps->n++;
    return 0;
}

/* SafeConstructor.flatten_mapping: the pairs of `map` with its merge keys ("<<") replaced by the
 * pairs they merge in, merged pairs first. A merged sequence's mappings are taken last to first,
 * so that when the dict is built the earlier ones win. */
__attribute__((noinline)) static int flatten(loader *ld, const ynode *map, pairs *out,
                                             size_t depth) {
    if (depth > ld->opts.max_depth)
        return errc(ld, CY_ELIMIT, NULL, NULL, NULL, map, "merge keys nested too deeply");
    pairs merged = {0}, own = {0};
    int rc = 0;
    for (size_t i = 0; i + 1 < map->n && rc == 0; i += 2) {
        const ynode *k = map->items[i], *v = map->items[i + 1];
        if (k->ktag != KT_MERGE) {
            rc = pairs_push(&own, k, v);
            continue;
        }
        if (v->kind == YN_MAP) {
            rc = flatten(ld, v, &merged, depth + 1);
        } else if (v->kind == YN_SEQ) {
            for (size_t j = 0; j < v->n && rc == 0; j++) {
                if (v->items[j]->kind != YN_MAP)
                    rc = errc(ld, CY_EPARSE, "ConstructorError", map,
                              "while constructing a mapping", v->items[j],
                              "expected a mapping for merging, but found %s", node_id(v->items[j]));
            }
            for (size_t j = v->n; j-- > 0 && rc == 0;)
                rc = flatten(ld, v->items[j], &merged, depth + 1);
        } else {
            rc = errc(ld, CY_EPARSE, "ConstructorError", map, "while constructing a mapping", v,
                      "expected a mapping or list of mappings for merging, but found %s",
                      node_id(v));
        }
    }
    for (size_t i = 0; i < merged.n && rc == 0; i++)
        rc = pairs_push(out, merged.v[i].key, merged.v[i].value);
    for (size_t i = 0; i < own.n && rc == 0; i++)
        rc = pairs_push(out, own.v[i].key, own.v[i].value);
    free(merged.v);
    free(own.v);
    if (rc == CY_ENOMEM && cy_error_last()->code != CY_ENOMEM)
        rc = cy_error_set(CY_ENOMEM, NULL, "%s: out of memory loading YAML", ld->name);
    return rc;
}

/* A key as OmegaConf keeps it: kind and canonical text; for numbers also the value, because
 * Python's dict treats 1, 1.0 and True as the same key. */
typedef struct ykey {
    cy_key_kind kind;
    const char *text;
    double num;
} ykey;

/* noinline here and below: the constructor recurses once per nesting level, and these frames
 * (message buffers) must not sit in every level of it */
__attribute__((noinline)) static int construct_key(ykey *k, loader *ld, const ynode *map,
                                                   const ynode *y) {
    char why[160];
    int rc;
    if (y->kind != YN_SCALAR || y->ktag == KT_MAP || y->ktag == KT_SEQ || y->ktag == KT_OMAP ||
        y->ktag == KT_PAIRS || y->ktag == KT_SET)
        return errc(ld, CY_EPARSE, "ConstructorError", map, "while constructing a mapping", y,
                    "found unhashable key");
    switch (y->ktag) {
    case KT_STR:
    case KT_VALUE: /* flatten_mapping turns "=" keys into str */
        if ((rc = no_nul(ld, y)) < 0)
            return rc;
        k->kind = CY_KEY_STR;
        k->text = y->value;
        return 0;
    case KT_INT: {
        int64_t i;
        if ((rc = cy__yaml_construct_int(y->value, y->len, &i, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        k->kind = CY_KEY_INT;
        k->text = cy_arena_printf(ld->arena, "%lld", (long long)i);
        k->num = (double)i;
        return 0;
    }
    case KT_FLOAT: {
        double f;
        if ((rc = cy__yaml_construct_float(y->value, y->len, &f, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        char buf[32];
        k->kind = CY_KEY_FLOAT;
        k->text = cy_arena_strdup(ld->arena, cy_float_repr(f, buf));
        k->num = f;
        return 0;
    }
    case KT_BOOL: {
        bool b;
        if ((rc = cy__yaml_construct_bool(y->value, y->len, &b, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        k->kind = CY_KEY_BOOL;
        k->text = b ? "True" : "False";
        k->num = b;
        return 0;
    }
    case KT_NULL:
        return errc(ld, CY_EVALIDATION, "KeyValidationError", NULL, NULL, y,
                    "Incompatible key type 'NoneType' (a null key)");
    case KT_BINARY:
        return unsupported(ld, y, "a binary key");
    case KT_TIMESTAMP:
        return unsupported(ld, y, "a date key");
    default:
        return no_constructor(ld, y);
    }
}

/* The child of dict whose key Python would consider equal to numeric key k, or NULL. */
static cy_node *find_numeric(const cy_node *dict, const ykey *k) {
    if (isnan(k->num))
        return NULL;
    char buf[48];
    cy_node *c;
    double f = k->num;
    if (f == floor(f) && fabs(f) < 9.2e18) {
        snprintf(buf, sizeof buf, "%lld", (long long)f);
        if ((c = cy_dict_get(dict, buf)) && c->key_kind == CY_KEY_INT)
            return c;
    }
    if (k->kind == CY_KEY_INT) {
        /* an int equals a float only when the float holds it exactly */
        long long i = strtoll(k->text, NULL, 10);
        if ((long long)f != i || fabs(f) >= 9.2e18)
            f = NAN;
    }
    if (!isnan(f)) {
        cy_float_repr(f, buf);
        if ((c = cy_dict_get(dict, buf)) && c->key_kind == CY_KEY_FLOAT)
            return c;
        if (f == 0) {
            cy_float_repr(-f, buf);
            if ((c = cy_dict_get(dict, buf)) && c->key_kind == CY_KEY_FLOAT)
                return c;
        }
        if (f == 1 || f == 0) {
            if ((c = cy_dict_get(dict, f == 1 ? "True" : "False")) && c->key_kind == CY_KEY_BOOL)
                return c;
        }
    }
    return NULL;
}

static uint64_t hash_mem(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* OmegaConf's construct_mapping: two keys of the mapping's own (before merging) that are both
 * strings with the same text are an error. Keys of other types follow Python's dict: the last
 * value wins. */
__attribute__((noinline)) static int check_duplicates(loader *ld, const ynode *y) {
    size_t cap = 16;
    while (cap < y->n * 2)
        cap *= 2;
    const ynode **set = calloc(cap, sizeof *set);
    if (!set)
        return cy_error_set(CY_ENOMEM, NULL, "%s: out of memory loading YAML", ld->name);
    int rc = 0;
    for (size_t i = 0; i + 1 < y->n && rc == 0; i += 2) {
        const ynode *k = y->items[i];
        if (k->kind != YN_SCALAR || k->ktag != KT_STR)
            continue;
        size_t h = (size_t)hash_mem(k->value, k->len) & (cap - 1);
        for (; set[h]; h = (h + 1) & (cap - 1)) {
            if (set[h]->len == k->len && memcmp(set[h]->value, k->value, k->len) == 0) {
                char b[80];
                rc = errc(ld, CY_EPARSE, "ConstructorError", y, "while constructing a mapping", k,
                          "found duplicate key %s", shown(k->value, k->len, b));
                break;
            }
        }
        set[h] = k;
    }
    free(set);
    return rc;
}

__attribute__((noinline)) static int key_clash(loader *ld, const ynode *map, const ynode *key,
                                               const char *text) {
    char b[80];
    return errc(ld, CY_EPARSE, "ConstructorError", map, "while constructing a mapping", key,
                "key %s appears both as a string and as a number; a config cannot hold both",
                shown(text, strlen(text), b));
}

static int construct_mapping(cy_node **out, loader *ld, const ynode *y, size_t depth) {
    int rc = check_duplicates(ld, y);
    if (rc < 0)
        return rc;
    pairs ps = {0};
    rc = flatten(ld, y, &ps, depth);
    cy_node *d = cy_new_dict(ld->arena);
    set_source(ld, d, y);
    for (size_t i = 0; i < ps.n && rc == 0; i++) {
        ykey k;
        memset(&k, 0, sizeof k);
        rc = construct_key(&k, ld, y, ps.v[i].key);
        if (rc < 0)
            break;
        cy_node *v;
        rc = construct(&v, ld, ps.v[i].value, depth + 1);
        if (rc < 0)
            break;
        /* Python's dict: an equal key keeps its place and its first spelling, the value is the
         * last one (merged pairs come first, so the mapping's own keys override them) */
        cy_node *same = k.kind == CY_KEY_STR ? NULL : find_numeric(d, &k);
        if (same) {
            cy_dict_put_kind(d, same->key, same->key_kind, v);
            continue;
        }
        cy_node *clash = cy_dict_get(d, k.text);
        if (clash && (clash->key_kind == CY_KEY_STR) != (k.kind == CY_KEY_STR)) {
            rc = key_clash(ld, y, ps.v[i].key, k.text);
            break;
        }
        cy_dict_put_kind(d, k.text, k.kind, v);
    }
    free(ps.v);
    if (rc < 0)
        return rc;
    *out = d;
    return 0;
}

static int construct_pairs(cy_node **out, loader *ld, const ynode *y, size_t depth) {
    const char *ctx =
        y->ktag == KT_OMAP ? "while constructing an ordered map" : "while constructing pairs";
    if (y->kind != YN_SEQ)
        return errc(ld, CY_EPARSE, "ConstructorError", y, ctx, y,
                    "expected a sequence, but found %s", node_id(y));
    cy_node *list = cy_new_list(ld->arena);
    set_source(ld, list, y);
    for (size_t i = 0; i < y->n; i++) {
        const ynode *m = y->items[i];
        if (m->kind != YN_MAP)
            return errc(ld, CY_EPARSE, "ConstructorError", y, ctx, m,
                        "expected a mapping of length 1, but found %s", node_id(m));
        if (m->n != 2)
            return errc(ld, CY_EPARSE, "ConstructorError", y, ctx, m,
                        "expected a single mapping item, but found %zu items", m->n / 2);
        cy_node *pair = cy_new_list(ld->arena), *k, *v;
        set_source(ld, pair, m);
        int rc = construct(&k, ld, m->items[0], depth + 2);
        if (rc < 0)
            return rc;
        rc = construct(&v, ld, m->items[1], depth + 2);
        if (rc < 0)
            return rc;
        cy_list_push(pair, k);
        cy_list_push(pair, v);
        cy_list_push(list, pair);
    }
    *out = list;
    return 0;
}

/* OmegaConf parses every string value containing "${" when it creates the node
 * (strict_interpolation_validation), so a malformed interpolation fails the load. */
static int check_interpolation(loader *ld, const ynode *y) {
    if (cy_interp_check(y->value) == 0)
        return 0;
    const cy_error *e = cy_error_last();
    char msg[400];
    snprintf(msg, sizeof msg, "%s", e->msg ? e->msg : "invalid interpolation");
    const char *exc = e->exc;
    int code = e->code ? e->code : CY_EPARSE;
    char b[80];
    return errc(ld, code, exc, NULL, NULL, y, "invalid interpolation '%s': %s",
                shown(y->value, y->len, b), msg);
}

/* A scalar node of a scalar tag (str, null, bool, int, float). */
__attribute__((noinline)) static int construct_scalar(cy_node **out, loader *ld, const ynode *y) {
    char why[160];
    int rc;
    if ((rc = need_scalar(ld, y)) < 0)
        return rc;
    cy_node *n = NULL;
    switch ((ktag)y->ktag) {
    case KT_STR:
        if ((rc = no_nul(ld, y)) < 0)
            return rc;
        n = cy_new_str(ld->arena, y->value);
        if (n->kind == CY_INTERP && (rc = check_interpolation(ld, y)) < 0)
            return rc;
        break;
    case KT_NULL:
        n = cy_new_null(ld->arena);
        break;
    case KT_BOOL: {
        bool b;
        if ((rc = cy__yaml_construct_bool(y->value, y->len, &b, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        n = cy_new_bool(ld->arena, b);
        break;
    }
    case KT_INT: {
        int64_t i;
        if ((rc = cy__yaml_construct_int(y->value, y->len, &i, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        n = cy_new_int(ld->arena, i);
        break;
    }
    default: {
        double f;
        if ((rc = cy__yaml_construct_float(y->value, y->len, &f, why)) < 0)
            return scalar_fail(ld, y, rc, why);
        n = cy_new_float(ld->arena, f);
        break;
    }
    }
    set_source(ld, n, y);
    *out = n;
    return 0;
}

/* Everything that is neither a scalar nor a collection we build: errors. */
__attribute__((noinline)) static int construct_other(loader *ld, const ynode *y) {
    switch ((ktag)y->ktag) {
    case KT_MAP:
        return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                    "expected a mapping node, but found %s", node_id(y));
    case KT_SEQ:
        return errc(ld, CY_EPARSE, "ConstructorError", NULL, NULL, y,
                    "expected a sequence node, but found %s", node_id(y));
    case KT_SET:
        return unsupported(ld, y, "a set");
    case KT_BINARY:
        return unsupported(ld, y, "binary data");
    case KT_TIMESTAMP:
        return unsupported(ld, y, "a date");
    case KT_PATH:
        return unsupported(ld, y, "a pathlib.Path");
    case KT_OTHER:
    default:
        return no_constructor(ld, y);
    }
}

__attribute__((noinline)) static int too_deep(loader *ld, const ynode *y) {
    return errc(ld, CY_ELIMIT, NULL, NULL, NULL, y,
                "document nests deeper than %zu levels (max_depth)", ld->opts.max_depth);
}

static int construct(cy_node **out, loader *ld, const ynode *y, size_t depth) {
    if (depth > ld->opts.max_depth)
        return too_deep(ld, y);
    switch ((ktag)y->ktag) {
    case KT_STR:
    case KT_NULL:
    case KT_BOOL:
    case KT_INT:
    case KT_FLOAT:
        return construct_scalar(out, ld, y);
    case KT_MAP:
        if (y->kind != YN_MAP)
            break;
        return construct_mapping(out, ld, y, depth);
    case KT_SEQ: {
        if (y->kind != YN_SEQ)
            break;
        cy_node *n = cy_new_list(ld->arena);
        set_source(ld, n, y);
        for (size_t i = 0; i < y->n; i++) {
            cy_node *item;
            int rc = construct(&item, ld, y->items[i], depth + 1);
            if (rc < 0)
                return rc;
            cy_list_push(n, item);
        }
        *out = n;
        return 0;
    }
    case KT_OMAP:
    case KT_PAIRS:
        return construct_pairs(out, ld, y, depth);
    default:
        break;
    }
    return construct_other(ld, y);
}

/* ---------------------------------------------------------------------------------------------
 * Entry points
 */

/* OmegaConf.create(text) (reparse false) or OmegaConf.load (reparse true: a top-level string is
 * handed to OmegaConf.create, which parses it as YAML once more). */
static int load(cy_node **out, cy_arena *arena, const char *text, size_t len, const char *name,
                const cy_yaml_opts *opts, bool reparse) {
    *out = NULL;
    cy_yaml_opts defaults = CY_YAML_OPTS_INIT;
    loader ld = {.name = name ? name : "<string>",
                 .text = text,
                 .len = len,
                 .arena = arena,
                 .opts = opts ? *opts : defaults};
    if (ld.opts.max_depth > MAX_DEPTH_CAP)
        ld.opts.max_depth = MAX_DEPTH_CAP;
    if (len > ld.opts.max_bytes)
        return cy_error_set(CY_ELIMIT, NULL,
                            "%s: input is %zu bytes, more than the %zu allowed "
                            "(max_bytes)",
                            ld.name, len, ld.opts.max_bytes);
    int rc = check_tabs(&ld);
    if (rc == 0)
        rc = compose(&ld);
    cy_node *root = NULL;
    if (rc == 0 && ld.root)
        rc = construct(&root, &ld, ld.root, 1);
    if (rc == 0) {
        if (!root || root->kind == CY_NULL) {
            root = cy_new_dict(arena);
        } else if (root->kind == CY_STR || root->kind == CY_INTERP || root->kind == CY_MISSING) {
            const char *s = root->kind == CY_MISSING ? "???" : root->v.str.s;
            if (reparse) {
                free(ld.stack);
                pool_free(&ld);
                return load(out, arena, s, strlen(s), name, opts, false);
            }
            /* OmegaConf.create("abc") is {"abc": None} */
            cy_node *d = cy_new_dict(arena);
            cy_node *v = cy_new_null(arena);
            v->source = root->source;
            cy_dict_put(d, s, v);
            root = d;
        } else if (root->kind != CY_DICT && root->kind != CY_LIST) {
            const char *what = root->kind == CY_INT     ? "int"
                               : root->kind == CY_FLOAT ? "float"
                                                        : "bool";
            rc = errf(&ld, CY_EVALIDATION, NULL, ld.root->line, ld.root->col,
                      "Invalid loaded object type: %s (a config must be a mapping or a "
                      "sequence)",
                      what);
        }
    }
    free(ld.stack);
    pool_free(&ld);
    if (rc < 0)
        return rc;
    *out = root;
    return 0;
}

int cy_yaml_load_str(cy_node **out, cy_arena *arena, const char *text, size_t len, const char *name,
                     const cy_yaml_opts *opts) {
    return load(out, arena, text, len, name, opts, false);
}

int cy_yaml_load_file(cy_node **out, cy_arena *arena, const char *path, const cy_yaml_opts *opts) {
    *out = NULL;
    cy_yaml_opts defaults = CY_YAML_OPTS_INIT;
    size_t max = opts ? opts->max_bytes : defaults.max_bytes;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cy_error_set(CY_EIO, NULL, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return cy_error_set(CY_EIO, NULL, "cannot read %s: it is a directory", path);
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (len == cap) {
            if (len > max)
                break;
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = cy_error_set(CY_EIO, NULL, "cannot read %s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!buf)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory reading %s", path);
    if (rc == 0 && len > max)
        rc = cy_error_set(CY_ELIMIT, NULL,
                          "%s: file is larger than the %zu bytes allowed "
                          "(max_bytes)",
                          path, max);
    if (rc == 0)
        rc = load(out, arena, buf, len, path, opts, true);
    free(buf);
    return rc;
}
