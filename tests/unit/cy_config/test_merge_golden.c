/*
 * test_merge_golden.c - cy_config against OmegaConf 2.2.2 on generated cases.
 *
 * tests/golden/config/omegaconf_cases.txt (from tests/oracle/omegaconf_golden.py) holds random
 * typed and untyped trees, an operation (set, merge, merge_with, update, delete, append,
 * select) and OmegaConf's outcome: the resulting tree or the exception class and message. Each
 * case is rebuilt here from its canonical text, run through cy_config, and the outcome is
 * written in the same canonical form and compared as text. The file's header documents the
 * format. The schemas below mirror the generator's dataclasses.
 *
 * Where OmegaConf fails with a raw Python exception (AssertionError, AttributeError, TypeError:
 * operations on a ??? or None container that Python code does not expect), only the failure
 * itself is required (docs/config-tree.md, "Differences").
 *
 * ctest-timeout: 300
 */
#include "harness.h"

#include <ctype.h>

#include "cydra/config/node_internal.h"
#include "cydra/node.h"
#include "cydra/schema.h"

/* The schemas are written out as field tables (schema.h's LIST(K)/DICT(K) field macros do not
 * expand yet); the trees are never bound to C structs, so offsets and bindings are unused. */

static const char *const color_names[] = {"RED", "GREEN", "BLUE"};
static const int64_t color_values[] = {1, 2, 3};
static const cy_enum_def Color_enum = {"Color", color_names, color_values, 3};

extern const cy_schema Sub_schema, Top_schema;
static const cy_type Sub_type = {.tag = CY_T_STRUCT, .schema = &Sub_schema};

#define FIELD(n, d, ...)                                                                           \
    { .name = n, .type = __VA_ARGS__, .def = d, .help = n, .bind = CY_BIND_NODE }

static const cy_field *sub_fields(size_t *count) {
    static const cy_field f[] = {
        FIELD("lr", "0.5", {.tag = CY_T_FLOAT}),
        FIELD("n", "3", {.tag = CY_T_INT}),
        FIELD("name", "x", {.tag = CY_T_STR}),
        FIELD("flag", "false", {.tag = CY_T_BOOL}),
        FIELD("opt", CY_DEF_NONE, {.tag = CY_T_INT, .optional = true}),
        FIELD("anyv", CY_DEF_MISSING, {.tag = CY_T_ANY, .optional = true}),
        FIELD("color", "RED", {.tag = CY_T_ENUM, .enm = &Color_enum}),
    };
    *count = sizeof f / sizeof f[0];
    return f;
}

static const cy_field *top_fields(size_t *count) {
    static const cy_field f[] = {
        FIELD("a", "1", {.tag = CY_T_INT}),
        FIELD("s", "hi", {.tag = CY_T_STR}),
        FIELD("f", "2.5", {.tag = CY_T_FLOAT}),
        FIELD("b", "true", {.tag = CY_T_BOOL}),
        FIELD("o", CY_DEF_NONE, {.tag = CY_T_STR, .optional = true}),
        FIELD("sub", NULL, {.tag = CY_T_STRUCT, .schema = &Sub_schema}),
        FIELD("osub", CY_DEF_NONE, {.tag = CY_T_STRUCT, .optional = true, .schema = &Sub_schema}),
        FIELD("li", CY_DEF_MISSING, {.tag = CY_T_LIST, .elem = &cy_type_int}),
        FIELD("ds", CY_DEF_MISSING, {.tag = CY_T_DICT, .elem = &cy_type_float}),
        FIELD("ls", CY_DEF_MISSING, {.tag = CY_T_LIST, .elem = &Sub_type}),
        FIELD("dsub", CY_DEF_MISSING, {.tag = CY_T_DICT, .elem = &Sub_type}),
        FIELD("c", "GREEN", {.tag = CY_T_ENUM, .enm = &Color_enum}),
        FIELD("x", CY_DEF_NONE, {.tag = CY_T_ANY, .optional = true}),
        FIELD("m", CY_DEF_MISSING, {.tag = CY_T_INT}),
    };
    *count = sizeof f / sizeof f[0];
    return f;
}

const cy_schema Sub_schema = {"Sub", "nested config", 0, &Sub_type, sub_fields};
static const cy_type Top_type = {.tag = CY_T_STRUCT, .schema = &Top_schema};
const cy_schema Top_schema = {"Top", "top config", 0, &Top_type, top_fields};

#define GOLDEN "golden/config/omegaconf_cases.txt"

/* ---------------------------------------------------------------------------------------------
 * Parsing the canonical tree text
 */

typedef struct parser {
    const char *p;
    cy_arena *a;
    const char *err;
} parser;

static void skip_ws(parser *ps) {
    while (*ps->p == ' ')
        ps->p++;
}

static bool eat(parser *ps, const char *s) {
    skip_ws(ps);
    size_t n = strlen(s);
    if (strncmp(ps->p, s, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static const cy_schema *schema_named(const char *name, size_t n) {
    if (n == 3 && strncmp(name, "Sub", 3) == 0)
        return &Sub_schema;
    if (n == 3 && strncmp(name, "Top", 3) == 0)
        return &Top_schema;
    return NULL;
}

/* A type string as type_str prints it. */
static const cy_type *parse_type(parser *ps) {
    cy_type *t = cy_arena_alloc(ps->a, sizeof *t);
    const char *s = ps->p;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    ps->p += n;
#define IS(lit) (n == strlen(lit) && strncmp(s, lit, n) == 0)
    if (IS("Optional")) {
        eat(ps, "[");
        const cy_type *in = parse_type(ps);
        eat(ps, "]");
        *t = *in;
        t->optional = true;
        return t;
    }
    if (IS("Any"))
        return &cy_type_any;
    if (IS("int"))
        t->tag = CY_T_INT;
    else if (IS("float"))
        t->tag = CY_T_FLOAT;
    else if (IS("bool"))
        t->tag = CY_T_BOOL;
    else if (IS("str"))
        t->tag = CY_T_STR;
    else if (IS("Color")) {
        t->tag = CY_T_ENUM;
        t->enm = &Color_enum;
    } else if (IS("List")) {
        t->tag = CY_T_LIST;
        eat(ps, "[");
        const cy_type *e = parse_type(ps);
        t->elem = e->tag == CY_T_ANY ? NULL : e;
        eat(ps, "]");
    } else if (IS("Dict")) {
        t->tag = CY_T_DICT;
        eat(ps, "[");
        if (eat(ps, "Any"))
            t->key_any = true;
        else
            eat(ps, "str");
        eat(ps, ",");
        skip_ws(ps);
        const cy_type *e = parse_type(ps);
        t->elem = e->tag == CY_T_ANY ? NULL : e;
        eat(ps, "]");
    } else if ((t->schema = schema_named(s, n)) != NULL) {
        t->tag = CY_T_STRUCT;
    } else {
        ps->err = "unknown type";
    }
#undef IS
    return t;
}

static char *parse_json_string(parser *ps) {
    skip_ws(ps);
    if (*ps->p != '"') {
        ps->err = "expected a string";
        return NULL;
    }
    ps->p++;
    size_t cap = strlen(ps->p) + 1;
    char *out = malloc(cap), *w = out;
    while (*ps->p && *ps->p != '"') {
        char c = *ps->p++;
        if (c != '\\') {
            *w++ = c;
            continue;
        }
        c = *ps->p++;
        switch (c) {
        case 'n':
            *w++ = '\n';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'u': {
            unsigned cp =
                (unsigned)strtoul((char[]){ps->p[0], ps->p[1], ps->p[2], ps->p[3], 0}, NULL, 16);
            ps->p += 4;
            if (cp < 0x80) {
                *w++ = (char)cp;
            } else if (cp < 0x800) {
                *w++ = (char)(0xC0 | (cp >> 6));
                *w++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *w++ = (char)(0xE0 | (cp >> 12));
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *w++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            *w++ = c;
        }
    }
    *w = '\0';
    if (*ps->p == '"')
        ps->p++;
    return out;
}

static cy_node *parse_node(parser *ps) {
    skip_ws(ps);
    const cy_type *type = &cy_type_any;
    const cy_schema *obj = NULL;
    int flags[2] = {CY_FLAG_UNSET, CY_FLAG_UNSET};
    cy_kind cls = CY_NULL;
    if (*ps->p == '<') {
        ps->p++;
        type = parse_type(ps);
        while (*ps->p == '|') {
            ps->p++;
            if (strncmp(ps->p, "obj=", 4) == 0) {
                ps->p += 4;
                size_t n = 0;
                while (isalnum((unsigned char)ps->p[n]))
                    n++;
                obj = schema_named(ps->p, n);
                ps->p += n;
            } else if (strncmp(ps->p, "struct=", 7) == 0) {
                flags[CY_FLAG_STRUCT] = ps->p[7] - '0';
                ps->p += 8;
            } else if (strncmp(ps->p, "readonly=", 9) == 0) {
                flags[CY_FLAG_READONLY] = ps->p[9] - '0';
                ps->p += 10;
            } else if (strncmp(ps->p, "cls=dict", 8) == 0) {
                cls = CY_DICT;
                ps->p += 8;
            } else if (strncmp(ps->p, "cls=list", 8) == 0) {
                cls = CY_LIST;
                ps->p += 8;
            } else {
                ps->err = "bad annotation";
                return NULL;
            }
        }
        if (*ps->p++ != '>') {
            ps->err = "bad annotation end";
            return NULL;
        }
    }
    cy_node *n = NULL;
    cy_arena *a = ps->a;
    skip_ws(ps);
    char c = *ps->p;
    if (c == '{') {
        ps->p++;
        n = cy_new_dict(a);
        while (!eat(ps, "}")) {
            eat(ps, ",");
            skip_ws(ps);
            cy_key_kind kk = CY_KEY_STR;
            char *key;
            if (*ps->p == '#') {
                ps->p++;
                size_t len = strspn(ps->p, "-0123456789");
                key = strndup(ps->p, len);
                ps->p += len;
                kk = CY_KEY_INT;
            } else {
                key = parse_json_string(ps);
            }
            if (!key || !eat(ps, ":")) {
                free(key);
                ps->err = "bad dict";
                return NULL;
            }
            cy_node *child = parse_node(ps);
            if (!child) {
                free(key);
                return NULL;
            }
            cy_dict_put_kind(n, key, kk, child);
            free(key);
        }
    } else if (c == '[') {
        ps->p++;
        n = cy_new_list(a);
        while (!eat(ps, "]")) {
            eat(ps, ",");
            cy_node *child = parse_node(ps);
            if (!child)
                return NULL;
            cy_list_push(n, child);
        }
    } else if (eat(ps, "null")) {
        n = cy_new_null(a);
    } else if (eat(ps, "???")) {
        n = cy_new_missing(a);
    } else if (eat(ps, "true")) {
        n = cy_new_bool(a, true);
    } else if (eat(ps, "false")) {
        n = cy_new_bool(a, false);
    } else if (c == 'f') {
        char *end;
        n = cy_new_float(a, strtod(ps->p + 1, &end));
        ps->p = end;
    } else if (c == '"') {
        char *s = parse_json_string(ps);
        n = cy_new_str(a, s);
        free(s);
    } else if (c == '@') {
        ps->p += strlen("@Color.");
        size_t len = strspn(ps->p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        for (size_t i = 0; i < Color_enum.count; i++)
            if (strlen(Color_enum.members[i]) == len &&
                strncmp(Color_enum.members[i], ps->p, len) == 0)
                n = cy_new_enum(a, &Color_enum, i);
        ps->p += len;
    } else if (c == '-' || isdigit((unsigned char)c)) {
        char *end;
        n = cy_new_int(a, strtoll(ps->p, &end, 10));
        ps->p = end;
    }
    if (!n) {
        ps->err = "bad value";
        return NULL;
    }
    cy_node_set_type(n, type);
    if (n->kind == CY_DICT)
        n->object = obj;
    if (cls != CY_NULL)
        n->container = cls;
    n->flags[0] = (int8_t)flags[0];
    n->flags[1] = (int8_t)flags[1];
    return n;
}

static cy_node *parse_tree(cy_arena *a, const char *text, const char **err) {
    parser ps = {text, a, NULL};
    cy_node *n = parse_node(&ps);
    *err = ps.err;
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Writing the canonical text
 */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void put_json(sbuf *b, const char *s) {
    put(b, "\"");
    char tmp[8];
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"')
            put(b, "\\\"");
        else if (c == '\\')
            put(b, "\\\\");
        else if (c == '\n')
            put(b, "\\n");
        else if (c == '\t')
            put(b, "\\t");
        else if (c == '\r')
            put(b, "\\r");
        else if (c == '\b')
            put(b, "\\b");
        else if (c == '\f')
            put(b, "\\f");
        else if (c < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            put(b, tmp);
        } else {
            tmp[0] = (char)c;
            tmp[1] = '\0';
            put(b, tmp);
        }
    }
    put(b, "\"");
}

static void ser(sbuf *b, cy_arena *a, const cy_node *n, bool annotate) {
    if (annotate) {
        const char *hint = cy_type_string(a, n->type);
        char parts[256] = "";
        if (n->container == CY_DICT && n->kind == CY_DICT && n->object)
            snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "|obj=%s",
                     n->object->name);
        if (n->flags[CY_FLAG_STRUCT] != CY_FLAG_UNSET)
            snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "|struct=%d",
                     n->flags[CY_FLAG_STRUCT]);
        if (n->flags[CY_FLAG_READONLY] != CY_FLAG_UNSET)
            snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "|readonly=%d",
                     n->flags[CY_FLAG_READONLY]);
        bool any = strcmp(hint, "Any") == 0;
        if (any && cy_node_is_container(n) && n->kind != CY_DICT && n->kind != CY_LIST)
            snprintf(parts + strlen(parts), sizeof parts - strlen(parts), "|cls=%s",
                     n->container == CY_DICT ? "dict" : "list");
        if (!any || parts[0]) {
            put(b, "<");
            put(b, hint);
            put(b, parts);
            put(b, ">");
        }
    }
    char tmp[64];
    switch (n->kind) {
    case CY_NULL:
        put(b, "null");
        break;
    case CY_MISSING:
        put(b, "???");
        break;
    case CY_BOOL:
        put(b, n->v.b ? "true" : "false");
        break;
    case CY_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)n->v.i);
        put(b, tmp);
        break;
    case CY_FLOAT:
        put(b, "f");
        put(b, cy_float_repr(n->v.f, tmp));
        break;
    case CY_STR:
    case CY_INTERP:
        put_json(b, n->v.str.s);
        break;
    case CY_ENUM:
        put(b, "@");
        put(b, n->v.str.def->name);
        put(b, ".");
        put(b, n->v.str.s);
        break;
    case CY_DICT:
        put(b, "{");
        for (size_t i = 0; i < n->v.c.len; i++) {
            const cy_node *k = n->v.c.items[i];
            if (i)
                put(b, ", ");
            if (k->key_kind == CY_KEY_INT) {
                put(b, "#");
                put(b, k->key);
            } else {
                put_json(b, k->key);
            }
            put(b, ": ");
            ser(b, a, k, annotate);
        }
        put(b, "}");
        break;
    case CY_LIST:
        put(b, "[");
        for (size_t i = 0; i < n->v.c.len; i++) {
            if (i)
                put(b, ", ");
            ser(b, a, n->v.c.items[i], annotate);
        }
        put(b, "]");
        break;
    }
}

static char *ser_str(cy_arena *a, const cy_node *n, bool annotate) {
    sbuf b = {0};
    put(&b, "");
    ser(&b, a, n, annotate);
    return b.s;
}

/* ---------------------------------------------------------------------------------------------
 * Running the cases
 */

typedef struct gcase {
    int id;
    char op[16];
    char *dest, *src, *value, *path, *key, *opts, *expect;
} gcase;

static char *error_outcome(void) {
    const cy_error *e = cy_error_last();
    char *text = cy_error_text(e);
    sbuf b = {0};
    put(&b, "err ");
    put(&b, e->exc);
    put(&b, " ");
    put_json(&b, text);
    free(text);
    return b.s;
}

static char *ok_outcome(cy_arena *a, const cy_node *n, bool annotate) {
    char *t = ser_str(a, n, annotate);
    char *s = malloc(strlen(t) + 4);
    sprintf(s, "ok %s", t);
    free(t);
    return s;
}

/* The container at a path like "a.b[0]" (no resolution). */
static cy_node *child_at(cy_node *root, const char *path) {
    if (!path || !*path)
        return root;
    size_t n;
    char **parts = cy__split_key(path, &n);
    cy_node *c = root;
    for (size_t i = 0; i < n; i++) {
        if (c && c->kind == CY_LIST)
            c = cy_node_child(c, (size_t)atol(parts[i]));
        else if (c)
            c = cy_dict_get(c, parts[i]);
        free(parts[i]);
    }
    free(parts);
    return c;
}

static int n_ok, n_err, n_pyspecific, n_fail;

static void run_case(const gcase *c) {
    cy_arena *a = cy_arena_new();
    const char *perr = NULL;
    cy_node *dest = parse_tree(a, c->dest, &perr);
    if (!dest || perr) {
        harness_fail(__FILE__, __LINE__, "case %d: cannot parse dest: %s", c->id, perr);
        cy_arena_free(a);
        return;
    }
    cy_node *src = NULL, *value = NULL;
    if (c->src && (!(src = parse_tree(a, c->src, &perr)) || perr)) {
        harness_fail(__FILE__, __LINE__, "case %d: cannot parse src: %s", c->id, perr);
        cy_arena_free(a);
        return;
    }
    if (c->value && (!(value = parse_tree(a, c->value, &perr)) || perr)) {
        harness_fail(__FILE__, __LINE__, "case %d: cannot parse value: %s", c->id, perr);
        cy_arena_free(a);
        return;
    }
    cy_node *container = child_at(dest, c->path);
    cy_error_clear();
    int rc = 0;
    char *got = NULL;
    if (strcmp(c->op, "set") == 0) {
        rc = cy_node_set(container, c->key, value);
    } else if (strcmp(c->op, "delete") == 0) {
        rc = cy_node_delete(container, c->key);
    } else if (strcmp(c->op, "append") == 0) {
        rc = cy_list_append(container, value);
    } else if (strcmp(c->op, "merge_with") == 0) {
        rc = cy_merge(container, src);
    } else if (strcmp(c->op, "merge") == 0) {
        cy_node *out;
        const cy_node *cfgs[2] = {dest, src};
        cy_arena *b = cy_arena_new();
        rc = cy_merge_new(&out, b, cfgs, 2);
        if (rc == 0)
            got = ok_outcome(a, out, true);
        cy_arena_free(b);
    } else if (strcmp(c->op, "update") == 0) {
        unsigned fl = 0;
        if (strstr(c->opts, "merge=1"))
            fl |= CY_UPDATE_MERGE;
        if (strstr(c->opts, "force_add=1"))
            fl |= CY_UPDATE_FORCE_ADD;
        rc = cy_update(dest, c->key, value, fl);
    } else if (strcmp(c->op, "select") == 0) {
        const cy_node *out = NULL;
        rc = cy_select(dest, c->key, &out,
                       strstr(c->opts, "throw_on_missing=1") ? CY_SELECT_THROW_ON_MISSING : 0);
        if (rc == 0)
            got = out ? ok_outcome(a, out, false) : strdup("ok null");
    }
    if (rc < 0)
        got = error_outcome();
    else if (!got)
        got = ok_outcome(a, dest, true);

    bool py_specific = strncmp(c->expect, "err AssertionError", 18) == 0 ||
                       strncmp(c->expect, "err AttributeError", 18) == 0 ||
                       strncmp(c->expect, "err TypeError", 13) == 0;
    if (strncmp(c->expect, "ok", 2) == 0)
        n_ok++;
    else
        n_err++;
    if (py_specific && strcmp(c->op, "select") == 0) {
        /* select through a ??? dict: OmegaConf crashes on its string content, we report the
         * key as not found (docs/config-tree.md) */
        n_pyspecific++;
    } else if (py_specific) {
        n_pyspecific++;
        if (strncmp(got, "err ", 4) != 0) {
            n_fail++;
            harness_fail(__FILE__, __LINE__, "case %d (%s): OmegaConf fails, we succeed\n  %s",
                         c->id, c->op, got);
        }
    } else if (strcmp(got, c->expect) != 0) {
        n_fail++;
        if (getenv("GOLDEN_BRIEF"))
            fprintf(stderr, "DIFF %d %s\n  exp %.300s\n  got %.300s\n", c->id, c->op, c->expect,
                    got);
        else if (n_fail <= 40)
            harness_fail(__FILE__, __LINE__,
                         "case %d (%s)\n  dest: %s\n  %s%s\n  path: %s key: %s\n  expected: "
                         "%s\n  got:      %s",
                         c->id, c->op, c->dest, c->src ? "src: " : "value: ",
                         c->src ? c->src : (c->value ? c->value : "-"), c->path ? c->path : "",
                         c->key ? c->key : "", c->expect, got);
    }
    free(got);
    cy_arena_free(a);
}

static void test_golden_cases(void) {
    char *text = harness_read_file(GOLDEN, NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    gcase c = {0};
    int ncases = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "case ", 5) == 0) {
            memset(&c, 0, sizeof c);
            sscanf(line, "case %d %15s", &c.id, c.op);
        } else if (strncmp(line, "dest ", 5) == 0) {
            c.dest = line + 5;
        } else if (strncmp(line, "src ", 4) == 0) {
            c.src = line + 4;
        } else if (strncmp(line, "value ", 6) == 0) {
            c.value = line + 6;
        } else if (strncmp(line, "path", 4) == 0) {
            c.path = line[4] ? line + 5 : line + 4;
        } else if (strncmp(line, "key ", 4) == 0 || strcmp(line, "key") == 0) {
            c.key = line[3] ? line + 4 : line + 3;
        } else if (strncmp(line, "opts ", 5) == 0) {
            c.opts = line + 5;
        } else if (strncmp(line, "ok ", 3) == 0 || strncmp(line, "err ", 4) == 0) {
            c.expect = line;
            run_case(&c);
            ncases++;
        }
    }
    free(text);
    printf("golden: %d cases (%d ok, %d errors, %d Python-specific), %d differ\n", ncases, n_ok,
           n_err, n_pyspecific, n_fail);
    CHECK(ncases >= 500);
}

int main(void) {
    RUN(test_golden_cases);
    return harness_summary();
}
