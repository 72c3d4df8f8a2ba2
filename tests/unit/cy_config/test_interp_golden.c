/*
 * test_interp_golden.c - replays the files in tests/golden/interp/, the interpolation cases
 * OmegaConf 2.2.2 answered (tests/oracle/interp_golden.py writes them; the header of that script
 * describes the format): reads with resolution, OmegaConf.resolve, and the grammar's syntax errors.
 * Every case must give the same value, or the same exception class, message and full_key.
 *
 * With --parse (or --element) the program instead reads hex-encoded strings from stdin, one per
 * line, and prints "OK" or the error for each; given file names it replays those files instead of
 * the golden ones. tests/oracle/interp_fuzz.py uses both to compare with OmegaConf on random
 * input.
 */
#include <stdarg.h>

#include "cydra/interp.h"
#include "cydra/node.h"
#include "cydra/yaml.h"
#include "cydra/config/interp_internal.h"
#include "harness.h"

/* ---------------------------------------------------------------------------------------------
 * The value notation: JSON plus bare inf/nan, bare int and bool dict keys and !type tags.
 */

typedef struct reader {
    const char *p;
    cy_arena *a;
    bool bad;
} reader;

static void skip_ws(reader *r) {
    while (*r->p == ' ')
        r->p++;
}

static bool lit(reader *r, const char *w) {
    size_t n = strlen(w);
    if (strncmp(r->p, w, n) == 0) {
        r->p += n;
        return true;
    }
    return false;
}

static void put_utf8(char **w, unsigned cp) {
    unsigned char *o = (unsigned char *)*w;
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xC0 | (cp >> 6));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xE0 | (cp >> 12));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | (cp >> 18));
        *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *w = (char *)o;
}

static unsigned hex4(const char *p) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
    }
    return v;
}

static char *read_string(reader *r) {
    if (*r->p != '"') {
        r->bad = true;
        return NULL;
    }
    r->p++;
    char *out = cy_arena_alloc(r->a, strlen(r->p) + 1), *w = out;
    while (*r->p && *r->p != '"') {
        if (*r->p != '\\') {
            *w++ = *r->p++;
            continue;
        }
        r->p++;
        char c = *r->p++;
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
            unsigned cp = hex4(r->p);
            r->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && r->p[0] == '\\' && r->p[1] == 'u') {
                unsigned lo = hex4(r->p + 2);
                r->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&w, cp);
            break;
        }
        default:
            *w++ = c;
            break;
        }
    }
    if (*r->p != '"')
        r->bad = true;
    else
        r->p++;
    *w = '\0';
    return out;
}

static cy_node *read_value(reader *r);

static const cy_type *tag_type(const char *tag, bool opt) {
    if (strcmp(tag, "int") == 0)
        return opt ? &cy_type_opt_int : &cy_type_int;
    if (strcmp(tag, "float") == 0)
        return opt ? &cy_type_opt_float : &cy_type_float;
    if (strcmp(tag, "bool") == 0)
        return opt ? &cy_type_opt_bool : &cy_type_bool;
    if (strcmp(tag, "str") == 0)
        return opt ? &cy_type_opt_str : &cy_type_str;
    return NULL;
}

static cy_node *read_value(reader *r) {
    skip_ws(r);
    char c = *r->p;
    if (c == '!') {
        r->p++;
        char tag[16];
        size_t n = 0;
        while (r->p[n] >= 'a' && r->p[n] <= 'z' && n < sizeof tag - 1)
            n++;
        memcpy(tag, r->p, n);
        tag[n] = '\0';
        r->p += n;
        bool opt = *r->p == '?';
        if (opt)
            r->p++;
        const cy_type *t = tag_type(tag, opt);
        cy_node *v = read_value(r);
        if (!t || !v) {
            r->bad = true;
            return NULL;
        }
        cy_node_set_type(v, t);
        return v;
    }
    if (c == '"')
        return cy_new_str(r->a, read_string(r));
    if (lit(r, "null"))
        return cy_new_null(r->a);
    if (lit(r, "true"))
        return cy_new_bool(r->a, true);
    if (lit(r, "false"))
        return cy_new_bool(r->a, false);
    if (lit(r, "inf"))
        return cy_new_float(r->a, INFINITY);
    if (lit(r, "-inf"))
        return cy_new_float(r->a, -INFINITY);
    if (lit(r, "nan"))
        return cy_new_float(r->a, NAN);
    if (c == '[') {
        r->p++;
        cy_node *l = cy_new_list(r->a);
        skip_ws(r);
        while (*r->p && *r->p != ']') {
            cy_node *v = read_value(r);
            if (!v)
                return NULL;
            cy_list_push(l, v);
            skip_ws(r);
            if (*r->p == ',')
                r->p++;
            skip_ws(r);
        }
        if (*r->p == ']')
            r->p++;
        else
            r->bad = true;
        return l;
    }
    if (c == '{') {
        r->p++;
        cy_node *d = cy_new_dict(r->a);
        skip_ws(r);
        while (*r->p && *r->p != '}') {
            cy_key_kind kind = CY_KEY_STR;
            const char *key;
            if (*r->p == '"') {
                key = read_string(r);
            } else if (lit(r, "True") || lit(r, "False")) {
                key = r->p[-1] == 'e' && r->p[-2] == 'u' ? "True" : "False";
                kind = CY_KEY_BOOL;
            } else {
                const char *s = r->p;
                while (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
                    r->p++;
                key = cy_arena_strndup(r->a, s, (size_t)(r->p - s));
                kind = CY_KEY_INT;
            }
            skip_ws(r);
            if (*r->p++ != ':' || !key) {
                r->bad = true;
                return NULL;
            }
            cy_node *v = read_value(r);
            if (!v)
                return NULL;
            cy_dict_put_kind(d, key, kind, v);
            skip_ws(r);
            if (*r->p == ',')
                r->p++;
            skip_ws(r);
        }
        if (*r->p == '}')
            r->p++;
        else
            r->bad = true;
        return d;
    }
    /* a number: float when it has a point or an exponent, as Python's repr writes floats */
    const char *s = r->p;
    bool is_float = false;
    if (*r->p == '-' || *r->p == '+')
        r->p++;
    while ((*r->p >= '0' && *r->p <= '9') || *r->p == '.' || *r->p == 'e' || *r->p == 'E' ||
           ((*r->p == '-' || *r->p == '+') && (r->p[-1] == 'e' || r->p[-1] == 'E'))) {
        if (*r->p == '.' || *r->p == 'e' || *r->p == 'E')
            is_float = true;
        r->p++;
    }
    if (r->p == s) {
        r->bad = true;
        return NULL;
    }
    char *num = cy_arena_strndup(r->a, s, (size_t)(r->p - s));
    if (is_float)
        return cy_new_float(r->a, strtod(num, NULL));
    return cy_new_int(r->a, strtoll(num, NULL, 10));
}

static cy_node *parse_value(cy_arena *a, const char *text) {
    reader r = {text, a, false};
    cy_node *v = read_value(&r);
    skip_ws(&r);
    if (r.bad || *r.p)
        return NULL;
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Comparing results with the expected value
 */

static const char *text_of(const cy_node *n) {
    if (n->kind == CY_MISSING)
        return "???";
    return n->v.str.s ? n->v.str.s : "";
}

static bool is_text(const cy_node *n) {
    return n->kind == CY_STR || n->kind == CY_INTERP || n->kind == CY_MISSING;
}

static bool same(const cy_node *want, const cy_node *got) {
    if (want->kind == CY_NULL || got->kind == CY_NULL)
        return want->kind == got->kind;
    if (is_text(want) || is_text(got))
        return is_text(want) && is_text(got) && strcmp(text_of(want), text_of(got)) == 0;
    if (want->kind != got->kind)
        return false;
    switch (want->kind) {
    case CY_BOOL:
        return want->v.b == got->v.b;
    case CY_INT:
        return want->v.i == got->v.i;
    case CY_FLOAT:
        return (isnan(want->v.f) && isnan(got->v.f)) ||
               (want->v.f == got->v.f && signbit(want->v.f) == signbit(got->v.f));
    case CY_DICT:
    case CY_LIST:
        if (cy_node_len(want) != cy_node_len(got))
            return false;
        for (size_t i = 0; i < cy_node_len(want); i++) {
            const cy_node *a = cy_node_child(want, i), *b = cy_node_child(got, i);
            if (want->kind == CY_DICT && strcmp(a->key, b->key) != 0)
                return false;
            if (!same(a, b))
                return false;
        }
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The resolvers the oracle registers for these cases
 */

static int r_types(const cy_node **out, const cy_resolver_call *c) {
    cy_node *list = cy_new_list(c->arena);
    for (size_t i = 0; i < c->nargs; i++) {
        const cy_node *v = c->args[i];
        const char *t;
        if (v->kind == CY_DICT)
            t = c->args_plain[i] ? "dict" : "DictConfig";
        else if (v->kind == CY_LIST)
            t = c->args_plain[i] ? "list" : "ListConfig";
        else
            t = cy_node_pytype(v);
        cy_node *pair = cy_new_list(c->arena);
        cy_list_push(pair, cy_node_copy(c->arena, v));
        cy_list_push(pair, cy_new_str(c->arena, t));
        cy_list_push(list, pair);
    }
    *c->result_plain = true;
    *out = list;
    return 0;
}

static int r_fail(const cy_node **out, const cy_resolver_call *c) {
    (void)out;
    (void)c;
    return cy_error_set(CY_ERROR, "ZeroDivisionError", "division by zero");
}

static int r_name(const cy_node **out, const cy_resolver_call *c) {
    *out = cy_new_str(c->arena, "oc");
    return 0;
}

static int r_int(const cy_node **out, const cy_resolver_call *c) {
    *out = cy_new_int(c->arena, 7);
    return 0;
}

static char last_warning[1024];

static void on_warning(const char *msg, void *ud) {
    (void)ud;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

/* ---------------------------------------------------------------------------------------------
 * Cases
 */

typedef struct golden_case {
    char *name, *cfg, *op, *ok, *err, *msg, *key, *warn;
} golden_case;

static char *json_field(cy_arena *a, const char *v) {
    reader r = {v, a, false};
    char *s = read_string(&r);
    return r.bad ? NULL : s;
}

static int cases_run, cases_failed;

static void fail_case(const golden_case *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail_case(const golden_case *c, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    harness_fail(__FILE__, __LINE__, "case %s (%s): %s", c->name, c->op, buf);
    cases_failed++;
}

static void check_error(const golden_case *c, cy_arena *a, int rc) {
    const cy_error *e = cy_error_last();
    if (rc >= 0) {
        fail_case(c, "succeeded, expected %s: %s", c->err, c->msg);
        return;
    }
    const char *msg = json_field(a, c->msg);
    if (strcmp(e->exc, c->err) != 0 || !msg || strcmp(e->msg, msg) != 0) {
        fail_case(c, "\n  got:      %s: %s\n  expected: %s: %s", e->exc, e->msg, c->err,
                  msg ? msg : c->msg);
        return;
    }
    if (!c->key)
        return;
    if (strcmp(c->key, "-") == 0) {
        if (e->has_key)
            fail_case(c, "error has full_key '%s', OmegaConf's has none", e->full_key);
        return;
    }
    const char *key = json_field(a, c->key);
    if (!e->has_key || !key || strcmp(e->full_key, key) != 0)
        fail_case(c, "full_key '%s', expected %s", e->has_key ? e->full_key : "(none)", c->key);
}

static void run_case(const golden_case *c) {
    cases_run++;
    cy_arena *a = cy_arena_new();
    cy_error_clear();
    last_warning[0] = '\0';
    int rc;
    const cy_node *result = NULL;
    if (strncmp(c->op, "parse ", 6) == 0 || strncmp(c->op, "element ", 8) == 0) {
        bool element = c->op[0] == 'e';
        const char *text = json_field(a, c->op + (element ? 8 : 6));
        ip_ast *tree;
        rc = text ? cy__interp_parse(&tree, a, text, element, NULL) : -1;
        if (c->ok && rc < 0)
            fail_case(c, "parse failed: %s: %s", cy_error_last()->exc, cy_error_last()->msg);
        else if (c->err)
            check_error(c, a, rc);
        cy_arena_free(a);
        return;
    }
    cy_node *cfg = c->cfg ? parse_value(a, c->cfg) : NULL;
    if (!cfg) {
        fail_case(c, "cannot read the config");
        cy_arena_free(a);
        return;
    }
    if (strcmp(c->op, "resolve") == 0) {
        rc = cy_resolve_tree(cfg);
        result = cfg;
    } else if (strncmp(c->op, "get ", 4) == 0) {
        rc = cy_get(cfg, c->op + 4, &result);
    } else if (strcmp(c->op, "yaml") == 0) {
        char *text = NULL;
        rc = cy_yaml_emit(&text, cfg, CY_YAML_RESOLVE);
        if (rc == 0 && c->ok) {
            const char *want = json_field(a, c->ok);
            if (!want || strcmp(want, text) != 0)
                fail_case(c, "\n  got:\n%s\n  expected:\n%s", text, want ? want : c->ok);
        }
        free(text);
        if (rc == 0 && c->ok) {
            cy_arena_free(a);
            return;
        }
    } else {
        fail_case(c, "unknown op");
        cy_arena_free(a);
        return;
    }
    if (c->err) {
        check_error(c, a, rc);
    } else if (rc < 0) {
        char *t = cy_error_text(cy_error_last());
        fail_case(c, "failed: %s: %s", cy_error_last()->exc, t);
        free(t);
    } else {
        cy_node *want = parse_value(a, c->ok);
        if (!want)
            fail_case(c, "cannot read the expected value");
        else if (!result || !same(want, result))
            fail_case(c, "\n  got:      %s\n  expected: %s",
                      result ? cy__node_pyrepr(a, result) : "(null)", c->ok);
    }
    if (c->warn) {
        const char *w = json_field(a, c->warn);
        if (!w || strcmp(w, last_warning) != 0)
            fail_case(c, "warning '%s', expected %s", last_warning, c->warn);
    } else if (last_warning[0]) {
        fail_case(c, "unexpected warning '%s'", last_warning);
    }
    cy_arena_free(a);
}

static int run_file(const char *path) {
    char *text = harness_read_file(path, NULL);
    if (!text) {
        harness_fail(__FILE__, __LINE__, "cannot read %s", path);
        return 0;
    }
    int n = 0;
    golden_case c = {0};
    char *line = text;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == '\0') {
            if (c.name) {
                run_case(&c);
                n++;
            }
            memset(&c, 0, sizeof c);
        } else if (line[0] != '#') {
            char *colon = strstr(line, ": ");
            if (colon) {
                *colon = '\0';
                char *v = colon + 2;
                if (strcmp(line, "case") == 0)
                    c.name = v;
                else if (strcmp(line, "cfg") == 0)
                    c.cfg = v;
                else if (strcmp(line, "op") == 0)
                    c.op = v;
                else if (strcmp(line, "ok") == 0)
                    c.ok = v;
                else if (strcmp(line, "err") == 0)
                    c.err = v;
                else if (strcmp(line, "msg") == 0)
                    c.msg = v;
                else if (strcmp(line, "key") == 0)
                    c.key = v;
                else if (strcmp(line, "warn") == 0)
                    c.warn = v;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (c.name) {
        run_case(&c);
        n++;
    }
    free(text);
    return n;
}

static void setup(void) {
    setenv("CYDRA_TEST_VAR", "hello", 1);
    setenv("CYDRA_TEST_NUM", "42", 1);
    setenv("CYDRA_TEST_LIST", "[1, 2, {a: 3}]", 1);
    unsetenv("CYDRA_TEST_UNSET");
    unsetenv("CYDRA_TEST_UNSET2");
    cy_resolver_register("test.types", r_types, NULL, CY_RESOLVER_REPLACE);
    cy_resolver_register("test.fail", r_fail, NULL, CY_RESOLVER_REPLACE);
    cy_resolver_register("test.name", r_name, NULL, CY_RESOLVER_REPLACE);
    cy_resolver_register("test.int", r_int, NULL, CY_RESOLVER_REPLACE);
    cy_interp_set_warning_handler(on_warning, NULL);
}

static void test_golden_grammar(void) {
    int n = run_file("golden/interp/grammar.txt");
    CHECK(n >= 500);
}

static void test_golden_resolve(void) {
    int n = run_file("golden/interp/resolve.txt");
    CHECK(n >= 300);
}

static void test_golden_resolve_tree(void) {
    int n = run_file("golden/interp/resolve_tree.txt");
    CHECK(n >= 25);
}

static int hexv(int c) {
    return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* --parse / --element: the fuzz comparison's side of the pipe. */
static int parse_stdin(bool element) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *s = malloc((size_t)len / 2 + 1);
        for (ssize_t i = 0; i < len / 2; i++)
            s[i] = (char)(hexv(line[2 * i]) * 16 + hexv(line[2 * i + 1]));
        s[len / 2] = '\0';
        cy_arena *a = cy_arena_new();
        ip_ast *tree;
        if (cy__interp_parse(&tree, a, s, element, NULL) == 0)
            printf("OK\n");
        else
            printf("%s %s\n", cy_error_last()->exc, cy_error_last()->msg);
        cy_arena_free(a);
        free(s);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && (strcmp(argv[1], "--parse") == 0 || strcmp(argv[1], "--element") == 0))
        return parse_stdin(strcmp(argv[1], "--element") == 0);
    setup();
    if (argc > 1) {
        /* other files in the golden format (tests/oracle/interp_fuzz.py --resolve writes some) */
        for (int i = 1; i < argc; i++)
            run_file(argv[i]);
        printf("%d cases, %d failed\n", cases_run, cases_failed);
        return cases_failed ? 1 : 0;
    }
    RUN(test_golden_grammar);
    RUN(test_golden_resolve);
    RUN(test_golden_resolve_tree);
    printf("%d golden cases, %d failed\n", cases_run, cases_failed);
    return harness_summary();
}
