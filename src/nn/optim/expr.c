/*
 * expr.c - Python arithmetic expressions (see nn/expr.h).
 *
 * A recursive-descent parser over Python's expression grammar builds a flat node array; the
 * evaluator walks it with Python's number semantics (int/float/bool, floor division, errors).
 */
#include "nn/expr.h"
#include "nn/error.h"
#include "pyfmt.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS  8
#define MAX_DEPTH 200
#define MAX_NODES 10000

/* ------------------------------------------------------------------------------------------ */
/* AST                                                                                          */

enum node_type { N_CONST, N_VAR, N_UNARY, N_BIN, N_AND, N_OR, N_NOT, N_IF, N_CMP, N_CALL };
enum { U_NEG, U_POS, U_INV };
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_FDIV, B_MOD, B_POW, B_OR, B_XOR, B_AND, B_SHL, B_SHR };
enum { C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE };

enum func_id {
    F_EXP,
    F_EXPM1,
    F_LOG,
    F_LOG2,
    F_LOG10,
    F_LOG1P,
    F_SQRT,
    F_SIN,
    F_COS,
    F_TAN,
    F_ASIN,
    F_ACOS,
    F_ATAN,
    F_ATAN2,
    F_SINH,
    F_COSH,
    F_TANH,
    F_ASINH,
    F_ACOSH,
    F_ATANH,
    F_POW,
    F_FABS,
    F_FMOD,
    F_HYPOT,
    F_FLOOR,
    F_CEIL,
    F_TRUNC,
    F_COPYSIGN,
    F_DEGREES,
    F_RADIANS,
    F_ISNAN,
    F_ISINF,
    F_ISFINITE,
    F_ABS,
    F_MIN,
    F_MAX,
    F_ROUND,
    F_INT,
    F_FLOAT,
    F_BOOL
};

static const struct func_def {
    const char *name;
    int id, min_args, max_args, is_math; /* is_math: lives in the math module */
} funcs[] = {
    {"exp", F_EXP, 1, 1, 1},           {"expm1", F_EXPM1, 1, 1, 1},
    {"log", F_LOG, 1, 2, 1},           {"log2", F_LOG2, 1, 1, 1},
    {"log10", F_LOG10, 1, 1, 1},       {"log1p", F_LOG1P, 1, 1, 1},
    {"sqrt", F_SQRT, 1, 1, 1},         {"sin", F_SIN, 1, 1, 1},
    {"cos", F_COS, 1, 1, 1},           {"tan", F_TAN, 1, 1, 1},
    {"asin", F_ASIN, 1, 1, 1},         {"acos", F_ACOS, 1, 1, 1},
    {"atan", F_ATAN, 1, 1, 1},         {"atan2", F_ATAN2, 2, 2, 1},
    {"sinh", F_SINH, 1, 1, 1},         {"cosh", F_COSH, 1, 1, 1},
    {"tanh", F_TANH, 1, 1, 1},         {"asinh", F_ASINH, 1, 1, 1},
    {"acosh", F_ACOSH, 1, 1, 1},       {"atanh", F_ATANH, 1, 1, 1},
    {"pow", F_POW, 2, 2, 1},           {"fabs", F_FABS, 1, 1, 1},
    {"fmod", F_FMOD, 2, 2, 1},         {"hypot", F_HYPOT, 2, 2, 1},
    {"floor", F_FLOOR, 1, 1, 1},       {"ceil", F_CEIL, 1, 1, 1},
    {"trunc", F_TRUNC, 1, 1, 1},       {"copysign", F_COPYSIGN, 2, 2, 1},
    {"degrees", F_DEGREES, 1, 1, 1},   {"radians", F_RADIANS, 1, 1, 1},
    {"isnan", F_ISNAN, 1, 1, 1},       {"isinf", F_ISINF, 1, 1, 1},
    {"isfinite", F_ISFINITE, 1, 1, 1}, {"abs", F_ABS, 1, 1, 0},
    {"min", F_MIN, 2, 64, 0},          {"max", F_MAX, 2, 64, 0},
    {"round", F_ROUND, 1, 2, 0},       {"int", F_INT, 1, 1, 0},
    {"float", F_FLOAT, 1, 1, 0},       {"bool", F_BOOL, 1, 1, 0},
};

typedef struct node {
    int type, op;      /* node_type; operator or function id */
    int a, b, c;       /* children (unary/binary/if) or [first, count) into kids */
    int pos;           /* source offset, for messages */
    nn_expr_value val; /* N_CONST */
} node;

struct nn_expr {
    node *nodes;
    int nnodes, cap;
    int *kids; /* N_CMP: operand, op, operand, op, ...; N_CALL: arguments */
    int nkids, kcap;
    int root, nvars;
    char *src;
};

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                       */

static int fail(nn_expr_error *err, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(nn_expr_error *err, int pos, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err) {
        err->pos = pos;
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return nn_error_set(NN_EINVAL, "%s", msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer                                                                                    */

enum tok_type { T_END, T_INT, T_FLOAT, T_NAME, T_OP };

typedef struct parser {
    const char *src;
    int pos; /* scan position */
    int tok_type, tok_pos, tok_len;
    nn_expr_value tok_val;
    char tok_text[64];
    nn_expr *e;
    nn_expr_error *err;
    const char *const *vars;
    const char *lambda_names[MAX_VARS];
    int lambda_lens[MAX_VARS], nlambda, nvars, depth;
} parser;

static int tok_is(const parser *p, const char *text) {
    return (p->tok_type == T_OP || p->tok_type == T_NAME) && strcmp(p->tok_text, text) == 0;
}

static const char *tok_desc(const parser *p, char *buf, size_t cap) {
    if (p->tok_type == T_END)
        return "end of expression";
    snprintf(buf, cap, "'%.*s'", p->tok_len, p->src + p->tok_pos);
    return buf;
}

/* Scans a number literal the way Python's tokenizer does (underscores between digits). */
static int scan_number(parser *p) {
    const char *s = p->src + p->pos;
    int start = p->pos;
    char clean[128];
    int n = 0, is_float = 0, base = 10;
    const char *q = s;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n >= (int)sizeof clean - 1)                                                            \
            return fail(p->err, start, "number literal too long at position %d", start);           \
        clean[n++] = (ch);                                                                         \
    } while (0)
    if (q[0] == '0' &&
        (q[1] == 'x' || q[1] == 'X' || q[1] == 'o' || q[1] == 'O' || q[1] == 'b' || q[1] == 'B')) {
        base = (q[1] == 'x' || q[1] == 'X') ? 16 : (q[1] == 'o' || q[1] == 'O') ? 8 : 2;
        q += 2;
        int digits = 0;
        for (;;) {
            if (*q == '_' && digits)
                q++;
            int d = isdigit((unsigned char)*q) ? *q - '0'
                    : (base == 16 && isxdigit((unsigned char)*q))
                        ? tolower((unsigned char)*q) - 'a' + 10
                        : -1;
            if (d < 0 || d >= base)
                break;
            PUT(*q);
            q++;
            digits++;
        }
        if (!digits)
            return fail(p->err, start, "invalid number literal at position %d", start);
    } else {
        int digits = 0;
        while (isdigit((unsigned char)*q) ||
               (*q == '_' && digits && isdigit((unsigned char)q[1]))) {
            if (*q != '_') {
                PUT(*q);
                digits++;
            }
            q++;
        }
        if (*q == '.') {
            is_float = 1;
            PUT('.');
            q++;
            int fd = 0;
            while (isdigit((unsigned char)*q) ||
                   (*q == '_' && fd && isdigit((unsigned char)q[1]))) {
                if (*q != '_') {
                    PUT(*q);
                    fd++;
                }
                q++;
            }
            if (!digits && !fd)
                return fail(p->err, start, "invalid number literal at position %d", start);
        }
        if ((*q == 'e' || *q == 'E') &&
            (isdigit((unsigned char)q[1]) ||
             ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
            is_float = 1;
            PUT('e');
            q++;
            if (*q == '+' || *q == '-')
                PUT(*q++);
            while (isdigit((unsigned char)*q) || (*q == '_' && isdigit((unsigned char)q[1]))) {
                if (*q != '_')
                    PUT(*q);
                q++;
            }
        }
        if (!is_float && n > 1 && clean[0] == '0') {
            for (int i = 0; i < n; i++)
                if (clean[i] != '0')
                    return fail(p->err, start,
                                "leading zeros in decimal integer literals are not permitted at "
                                "position %d",
                                start);
        }
    }
    if (*q == 'j' || *q == 'J')
        return fail(p->err, start, "complex literals are not supported at position %d", start);
    if (isalpha((unsigned char)*q) || *q == '_')
        return fail(p->err, (int)(q - p->src), "invalid number literal at position %d", start);
#undef PUT
    clean[n] = '\0';
    p->tok_pos = start;
    p->tok_len = (int)(q - s);
    p->pos = (int)(q - p->src);
    if (is_float) {
        p->tok_type = T_FLOAT;
        p->tok_val = nn_expr_float(strtod(clean, NULL));
    } else {
        p->tok_type = T_INT;
        char *end;
        unsigned long long u = strtoull(clean, &end, base);
        if (u > (unsigned long long)INT64_MAX)
            return fail(p->err, start,
                        "OverflowError: integer literal too large for 64 bits at position %d",
                        start);
        p->tok_val = nn_expr_int((int64_t)u);
    }
    return NN_OK;
}

static int next(parser *p) {
    const char *s = p->src;
    while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
        p->pos++;
    int c = (unsigned char)s[p->pos];
    p->tok_pos = p->pos;
    p->tok_text[0] = '\0';
    if (c == '\0') {
        p->tok_type = T_END;
        p->tok_len = 0;
        return NN_OK;
    }
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[p->pos + 1])))
        return scan_number(p);
    if (isalpha(c) || c == '_') {
        int n = 0;
        while (isalnum((unsigned char)s[p->pos + n]) || s[p->pos + n] == '_')
            n++;
        if (n >= (int)sizeof p->tok_text)
            return fail(p->err, p->pos, "name too long at position %d", p->pos);
        memcpy(p->tok_text, s + p->pos, (size_t)n);
        p->tok_text[n] = '\0';
        p->tok_type = T_NAME;
        p->tok_len = n;
        p->pos += n;
        return NN_OK;
    }
    static const char *ops[] = {"**", "//", "<=", ">=", "==", "!=", "<<", ">>", "+", "-",
                                "*",  "/",  "%",  "<",  ">",  "(",  ")",  ",",  ":", ".",
                                "~",  "|",  "&",  "^",  "[",  "]",  "=",  "@",  "!"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(s + p->pos, ops[i], n) == 0) {
            strcpy(p->tok_text, ops[i]);
            p->tok_type = T_OP;
            p->tok_len = (int)n;
            p->pos += (int)n;
            return NN_OK;
        }
    }
    return fail(p->err, p->pos, "invalid character '%c' at position %d", c, p->pos);
}

/* ------------------------------------------------------------------------------------------ */
/* Parser                                                                                       */

static int new_node(parser *p, int type, int op, int pos) {
    nn_expr *e = p->e;
    if (e->nnodes == MAX_NODES)
        return fail(p->err, pos, "expression too long (more than %d terms)", MAX_NODES);
    if (e->nnodes == e->cap) {
        int cap = e->cap ? e->cap * 2 : 32;
        node *n = realloc(e->nodes, (size_t)cap * sizeof *n);
        if (!n)
            return nn_error_set(NN_ENOMEM, "out of memory parsing an expression");
        e->nodes = n;
        e->cap = cap;
    }
    node *n = &e->nodes[e->nnodes];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->op = op;
    n->pos = pos;
    return e->nnodes++;
}

static int push_kid(parser *p, int v) {
    nn_expr *e = p->e;
    if (e->nkids == e->kcap) {
        int cap = e->kcap ? e->kcap * 2 : 32;
        int *k = realloc(e->kids, (size_t)cap * sizeof *k);
        if (!k)
            return nn_error_set(NN_ENOMEM, "out of memory parsing an expression");
        e->kids = k;
        e->kcap = cap;
    }
    e->kids[e->nkids++] = v;
    return NN_OK;
}

static int expect(parser *p, const char *text, const char *what) {
    if (!tok_is(p, text)) {
        char buf[80];
        return fail(p->err, p->tok_pos, "expected %s at position %d, got %s", what, p->tok_pos,
                    tok_desc(p, buf, sizeof buf));
    }
    return next(p);
}

static int parse_ifexp(parser *p, int *out);

static int is_keyword(const char *s) {
    static const char *kw[] = {"if", "else", "and",  "or",  "not",  "lambda",
                               "in", "is",   "None", "for", "True", "False"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
        if (strcmp(s, kw[i]) == 0)
            return 1;
    return 0;
}

static int parse_call(parser *p, const struct func_def *f, int pos, int *out) {
    int rc;
    if ((rc = next(p)) != NN_OK) /* '(' */
        return rc;
    int args[64], nargs = 0;
    if (!tok_is(p, ")")) {
        for (;;) {
            if (nargs == 64)
                return fail(p->err, p->tok_pos, "too many arguments at position %d", p->tok_pos);
            if ((rc = parse_ifexp(p, &args[nargs])) != NN_OK)
                return rc;
            nargs++;
            if (!tok_is(p, ","))
                break;
            if ((rc = next(p)) != NN_OK)
                return rc;
            if (tok_is(p, ")"))
                break;
        }
    }
    if ((rc = expect(p, ")", "',' or ')'")) != NN_OK)
        return rc;
    if (nargs < f->min_args || nargs > f->max_args) {
        if (f->min_args == f->max_args)
            return fail(p->err, pos,
                        "TypeError: %s() takes exactly %d argument%s (%d given) at position %d",
                        f->name, f->min_args, f->min_args == 1 ? "" : "s", nargs, pos);
        return fail(p->err, pos,
                    "TypeError: %s() expected %d to %d arguments, got %d at position %d", f->name,
                    f->min_args, f->max_args, nargs, pos);
    }
    int n = new_node(p, N_CALL, f->id, pos);
    if (n < 0)
        return n;
    p->e->nodes[n].a = p->e->nkids;
    p->e->nodes[n].b = nargs;
    for (int i = 0; i < nargs; i++)
        if ((rc = push_kid(p, args[i])) != NN_OK)
            return rc;
    *out = n;
    return NN_OK;
}

static int parse_atom(parser *p, int *out) {
    int rc, pos = p->tok_pos;
    char buf[80];
    if (p->tok_type == T_INT || p->tok_type == T_FLOAT) {
        int n = new_node(p, N_CONST, 0, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].val = p->tok_val;
        *out = n;
        return next(p);
    }
    if (tok_is(p, "(")) {
        if (++p->depth > MAX_DEPTH)
            return fail(p->err, pos, "expression nested too deeply at position %d", pos);
        if ((rc = next(p)) != NN_OK || (rc = parse_ifexp(p, out)) != NN_OK)
            return rc;
        if (tok_is(p, ","))
            return fail(p->err, p->tok_pos, "tuples are not supported (position %d)", p->tok_pos);
        p->depth--;
        return expect(p, ")", "')'");
    }
    if (p->tok_type != T_NAME)
        return fail(p->err, pos, "expected an expression at position %d, got %s", pos,
                    tok_desc(p, buf, sizeof buf));
    char name[64];
    strcpy(name, p->tok_text);
    int qualified = 0;
    if (strcmp(name, "math") == 0) {
        if ((rc = next(p)) != NN_OK)
            return rc;
        if (!tok_is(p, "."))
            return fail(p->err, p->tok_pos, "expected '.' after 'math' at position %d", p->tok_pos);
        if ((rc = next(p)) != NN_OK)
            return rc;
        if (p->tok_type != T_NAME)
            return fail(p->err, p->tok_pos, "expected a name after 'math.' at position %d",
                        p->tok_pos);
        strcpy(name, p->tok_text);
        qualified = 1;
    }
    if ((rc = next(p)) != NN_OK)
        return rc;
    /* function call */
    if (tok_is(p, "(")) {
        for (size_t i = 0; i < sizeof funcs / sizeof *funcs; i++)
            if (strcmp(funcs[i].name, name) == 0 && (!qualified || funcs[i].is_math))
                return parse_call(p, &funcs[i], pos, out);
        return fail(p->err, pos, "unknown function '%s%s' at position %d", qualified ? "math." : "",
                    name, pos);
    }
    /* constants */
    static const struct {
        const char *name;
        int is_math;
        nn_expr_value v;
    } consts[] = {
        {"pi", 1, {NN_EXPR_FLOAT, 0, 3.141592653589793}},
        {"e", 1, {NN_EXPR_FLOAT, 0, 2.718281828459045}},
        {"tau", 1, {NN_EXPR_FLOAT, 0, 6.283185307179586}},
        {"inf", 1, {NN_EXPR_FLOAT, 0, INFINITY}},
        {"nan", 1, {NN_EXPR_FLOAT, 0, NAN}},
        {"True", 0, {NN_EXPR_BOOL, 1, 0}},
        {"False", 0, {NN_EXPR_BOOL, 0, 0}},
    };
    /* variables shadow the constants, as a Python parameter would shadow a global */
    if (!qualified) {
        for (int i = 0; i < p->nvars; i++) {
            int match = p->nlambda
                            ? (i < p->nlambda && (int)strlen(name) == p->lambda_lens[i] &&
                               strncmp(name, p->lambda_names[i], (size_t)p->lambda_lens[i]) == 0)
                            : strcmp(name, p->vars[i]) == 0;
            if (match) {
                int n = new_node(p, N_VAR, i, pos);
                if (n < 0)
                    return n;
                *out = n;
                return NN_OK;
            }
        }
    }
    for (size_t i = 0; i < sizeof consts / sizeof *consts; i++) {
        if (strcmp(consts[i].name, name) == 0 && (!qualified || consts[i].is_math)) {
            int n = new_node(p, N_CONST, 0, pos);
            if (n < 0)
                return n;
            p->e->nodes[n].val = consts[i].v;
            *out = n;
            return NN_OK;
        }
    }
    if (!qualified && is_keyword(name))
        return fail(p->err, pos, "unexpected keyword '%s' at position %d", name, pos);
    return fail(p->err, pos, "NameError: name '%s%s' is not defined (position %d)",
                qualified ? "math." : "", name, pos);
}

static int parse_factor(parser *p, int *out);

static int parse_power(parser *p, int *out) {
    int rc, lhs;
    if ((rc = parse_atom(p, &lhs)) != NN_OK)
        return rc;
    if (tok_is(p, "(") || tok_is(p, "["))
        return fail(p->err, p->tok_pos, "unexpected %s at position %d", p->tok_text, p->tok_pos);
    if (tok_is(p, "**")) {
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_factor(p, &rhs)) != NN_OK)
            return rc;
        int n = new_node(p, N_BIN, B_POW, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

static int parse_factor(parser *p, int *out) {
    int rc;
    if (tok_is(p, "-") || tok_is(p, "+") || tok_is(p, "~")) {
        int op = tok_is(p, "-") ? U_NEG : tok_is(p, "+") ? U_POS : U_INV;
        int pos = p->tok_pos, arg;
        if (++p->depth > MAX_DEPTH)
            return fail(p->err, pos, "expression nested too deeply at position %d", pos);
        if ((rc = next(p)) != NN_OK || (rc = parse_factor(p, &arg)) != NN_OK)
            return rc;
        p->depth--;
        int n = new_node(p, N_UNARY, op, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = arg;
        *out = n;
        return NN_OK;
    }
    return parse_power(p, out);
}

static int parse_term(parser *p, int *out) {
    int rc, lhs;
    if ((rc = parse_factor(p, &lhs)) != NN_OK)
        return rc;
    for (;;) {
        int op;
        if (tok_is(p, "*"))
            op = B_MUL;
        else if (tok_is(p, "/"))
            op = B_DIV;
        else if (tok_is(p, "//"))
            op = B_FDIV;
        else if (tok_is(p, "%"))
            op = B_MOD;
        else if (tok_is(p, "@"))
            return fail(p->err, p->tok_pos, "unsupported operator '@' at position %d", p->tok_pos);
        else
            break;
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_factor(p, &rhs)) != NN_OK)
            return rc;
        int n = new_node(p, N_BIN, op, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

static int parse_arith(parser *p, int *out) {
    int rc, lhs;
    if ((rc = parse_term(p, &lhs)) != NN_OK)
        return rc;
    while (tok_is(p, "+") || tok_is(p, "-")) {
        int op = tok_is(p, "+") ? B_ADD : B_SUB;
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_term(p, &rhs)) != NN_OK)
            return rc;
        int n = new_node(p, N_BIN, op, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

/* The bitwise levels, loosest last: shift, &, ^, | (Python's order, all above comparisons). */
static int parse_bitwise(parser *p, int level, int *out) {
    static const char *const level_ops[4][2] = {
        {"<<", ">>"}, {"&", NULL}, {"^", NULL}, {"|", NULL}};
    static const int level_codes[4][2] = {{B_SHL, B_SHR}, {B_AND, -1}, {B_XOR, -1}, {B_OR, -1}};
    int rc, lhs;
    rc = level == 0 ? parse_arith(p, &lhs) : parse_bitwise(p, level - 1, &lhs);
    if (rc != NN_OK)
        return rc;
    for (;;) {
        int op = -1;
        for (int i = 0; i < 2; i++)
            if (level_ops[level][i] && p->tok_type == T_OP &&
                strcmp(p->tok_text, level_ops[level][i]) == 0)
                op = level_codes[level][i];
        if (op < 0)
            break;
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK)
            return rc;
        rc = level == 0 ? parse_arith(p, &rhs) : parse_bitwise(p, level - 1, &rhs);
        if (rc != NN_OK)
            return rc;
        int n = new_node(p, N_BIN, op, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

static int cmp_op(const parser *p) {
    static const char *ops[] = {"<", "<=", ">", ">=", "==", "!="};
    if (p->tok_type != T_OP)
        return -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(p->tok_text, ops[i]) == 0)
            return i;
    return -1;
}

static int parse_comparison(parser *p, int *out) {
    int rc, first;
    if ((rc = parse_bitwise(p, 3, &first)) != NN_OK)
        return rc;
    if (cmp_op(p) < 0) {
        if (tok_is(p, "=") || tok_is(p, "!"))
            return fail(p->err, p->tok_pos, "unexpected '%s' at position %d (use == or !=)",
                        p->tok_text, p->tok_pos);
        if (tok_is(p, "in") || tok_is(p, "is"))
            return fail(p->err, p->tok_pos, "unsupported operator '%s' at position %d", p->tok_text,
                        p->tok_pos);
        *out = first;
        return NN_OK;
    }
    int items[128], nitems = 0, pos = p->tok_pos;
    items[nitems++] = first;
    int op;
    while ((op = cmp_op(p)) >= 0) {
        if (nitems + 2 > 128)
            return fail(p->err, p->tok_pos, "comparison chain too long at position %d", p->tok_pos);
        int rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_bitwise(p, 3, &rhs)) != NN_OK)
            return rc;
        items[nitems++] = op;
        items[nitems++] = rhs;
    }
    int n = new_node(p, N_CMP, 0, pos);
    if (n < 0)
        return n;
    p->e->nodes[n].a = p->e->nkids;
    p->e->nodes[n].b = nitems;
    for (int i = 0; i < nitems; i++)
        if ((rc = push_kid(p, items[i])) != NN_OK)
            return rc;
    *out = n;
    return NN_OK;
}

static int parse_not(parser *p, int *out) {
    int rc;
    if (tok_is(p, "not")) {
        int pos = p->tok_pos, arg;
        if (++p->depth > MAX_DEPTH)
            return fail(p->err, pos, "expression nested too deeply at position %d", pos);
        if ((rc = next(p)) != NN_OK || (rc = parse_not(p, &arg)) != NN_OK)
            return rc;
        p->depth--;
        int n = new_node(p, N_NOT, 0, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = arg;
        *out = n;
        return NN_OK;
    }
    return parse_comparison(p, out);
}

static int parse_and(parser *p, int *out) {
    int rc, lhs;
    if ((rc = parse_not(p, &lhs)) != NN_OK)
        return rc;
    while (tok_is(p, "and")) {
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_not(p, &rhs)) != NN_OK)
            return rc;
        int n = new_node(p, N_AND, 0, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

static int parse_or(parser *p, int *out) {
    int rc, lhs;
    if ((rc = parse_and(p, &lhs)) != NN_OK)
        return rc;
    while (tok_is(p, "or")) {
        int pos = p->tok_pos, rhs;
        if ((rc = next(p)) != NN_OK || (rc = parse_and(p, &rhs)) != NN_OK)
            return rc;
        int n = new_node(p, N_OR, 0, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = lhs;
        p->e->nodes[n].b = rhs;
        lhs = n;
    }
    *out = lhs;
    return NN_OK;
}

static int parse_ifexp(parser *p, int *out) {
    int rc, then;
    if (++p->depth > MAX_DEPTH)
        return fail(p->err, p->tok_pos, "expression nested too deeply at position %d", p->tok_pos);
    if (tok_is(p, "lambda"))
        return fail(p->err, p->tok_pos, "'lambda' is only allowed at the start (position %d)",
                    p->tok_pos);
    if ((rc = parse_or(p, &then)) != NN_OK)
        return rc;
    if (tok_is(p, "if")) {
        int pos = p->tok_pos, cond, other;
        if ((rc = next(p)) != NN_OK || (rc = parse_or(p, &cond)) != NN_OK)
            return rc;
        if ((rc = expect(p, "else", "'else'")) != NN_OK)
            return rc;
        if ((rc = parse_ifexp(p, &other)) != NN_OK)
            return rc;
        int n = new_node(p, N_IF, 0, pos);
        if (n < 0)
            return n;
        p->e->nodes[n].a = then;
        p->e->nodes[n].b = cond;
        p->e->nodes[n].c = other;
        then = n;
    }
    p->depth--;
    *out = then;
    return NN_OK;
}

int nn_expr_parse(nn_expr **out, const char *src, const char *const *vars, int nvars,
                  nn_expr_error *err) {
    *out = NULL;
    if (err) {
        err->pos = -1;
        err->msg[0] = '\0';
    }
    if (!src)
        return fail(err, 0, "empty expression");
    if (nvars < 0 || nvars > MAX_VARS)
        return fail(err, 0, "too many expression variables (%d, at most %d)", nvars, MAX_VARS);
    nn_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->src = strdup(src))) {
        free(e);
        return nn_error_set(NN_ENOMEM, "out of memory parsing an expression");
    }
    e->nvars = nvars;
    parser p = {.src = e->src, .e = e, .err = err, .vars = vars, .nvars = nvars};
    int rc = next(&p);
    if (rc == NN_OK && tok_is(&p, "lambda")) {
        /* lambda a, b: body  - the parameter names bind the variables by position */
        rc = next(&p);
        while (rc == NN_OK && !tok_is(&p, ":")) {
            if (p.tok_type != T_NAME || is_keyword(p.tok_text)) {
                rc = fail(err, p.tok_pos, "expected a parameter name at position %d", p.tok_pos);
                break;
            }
            if (p.nlambda == nvars) {
                rc = fail(err, p.tok_pos,
                          "the lambda takes more parameters than the %d available (position %d)",
                          nvars, p.tok_pos);
                break;
            }
            p.lambda_names[p.nlambda] = p.src + p.tok_pos;
            p.lambda_lens[p.nlambda++] = p.tok_len;
            rc = next(&p);
            if (rc == NN_OK && tok_is(&p, ","))
                rc = next(&p);
            else if (rc == NN_OK && !tok_is(&p, ":"))
                rc = fail(err, p.tok_pos, "expected ',' or ':' at position %d", p.tok_pos);
        }
        if (rc == NN_OK && p.nlambda == 0 && nvars > 0)
            rc = fail(err, p.tok_pos, "the lambda takes no parameter (position %d)", p.tok_pos);
        if (rc == NN_OK)
            rc = next(&p);
        if (rc == NN_OK && p.nlambda == 0)
            p.nvars = 0;
        else if (rc == NN_OK)
            p.nvars = p.nlambda;
    }
    if (rc == NN_OK && p.tok_type == T_END)
        rc = fail(err, p.tok_pos, "empty expression");
    if (rc == NN_OK)
        rc = parse_ifexp(&p, &e->root);
    if (rc == NN_OK && p.tok_type != T_END) {
        char buf[80];
        rc = fail(err, p.tok_pos, "unexpected %s at position %d", tok_desc(&p, buf, sizeof buf),
                  p.tok_pos);
    }
    if (rc != NN_OK) {
        if (rc == NN_EINVAL && err) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s", err->msg);
            snprintf(err->msg, sizeof err->msg, "invalid expression '%.100s': %.120s", src, msg);
            nn_error_set(NN_EINVAL, "%s", err->msg);
        } else if (rc == NN_EINVAL) {
            nn_error_wrap(NN_EINVAL, "invalid expression '%.120s': ", src);
        }
        nn_expr_free(e);
        return rc;
    }
    *out = e;
    return NN_OK;
}

void nn_expr_free(nn_expr *e) {
    if (!e)
        return;
    free(e->nodes);
    free(e->kids);
    free(e->src);
    free(e);
}

const char *nn_expr_source(const nn_expr *e) {
    return e->src;
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                   */

typedef struct evalctx {
    const nn_expr *e;
    const nn_expr_value *args;
    nn_expr_error *err;
} evalctx;

static int eval_err(evalctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int eval_err(evalctx *c, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err) {
        c->err->pos = -1;
        snprintf(c->err->msg, sizeof c->err->msg, "%s", msg);
    }
    return nn_error_set(NN_EINVAL, "evaluating '%.120s': %s", c->e->src, msg);
}

static nn_expr_value mk_bool(int b) {
    nn_expr_value v = {NN_EXPR_BOOL, b ? 1 : 0, 0};
    return v;
}
static int is_float(nn_expr_value v) {
    return v.kind == NN_EXPR_FLOAT;
}
static double as_f(nn_expr_value v) {
    return nn_expr_as_double(v);
}
static int truthy(nn_expr_value v) {
    return v.kind == NN_EXPR_FLOAT ? v.f != 0.0 : v.i != 0;
}

#define OVERFLOW_MSG "OverflowError: integer overflow (ints are 64-bit here)"

/* Python's float ** float (float_pow). */
static int float_pow(evalctx *c, double x, double y, nn_expr_value *out) {
    if (x == 0.0 && y < 0.0)
        return eval_err(c, "ZeroDivisionError: 0.0 cannot be raised to a negative power");
    if (x < 0.0 && isfinite(x) && isfinite(y) && y != floor(y))
        return eval_err(c, "ValueError: complex result (a negative number to a fractional "
                           "power) is not supported");
    double r = pow(x, y);
    if (isinf(r) && isfinite(x) && isfinite(y))
        return eval_err(c, "OverflowError: (34, 'Numerical result out of range')");
    *out = nn_expr_float(r);
    return NN_OK;
}

static int bitop(evalctx *c, int op, nn_expr_value a, nn_expr_value b, nn_expr_value *out) {
    static const char *names[] = {"|", "^", "&", "<<", ">>"};
    if (is_float(a) || is_float(b))
        return eval_err(c, "TypeError: unsupported operand type(s) for %s: '%s' and '%s'",
                        names[op - B_OR], is_float(a) ? "float" : "int",
                        is_float(b) ? "float" : "int");
    int64_t x = a.i, y = b.i, r;
    switch (op) {
    case B_OR:
    case B_XOR:
    case B_AND:
        r = op == B_OR ? (x | y) : op == B_XOR ? (x ^ y) : (x & y);
        /* bool op bool stays a bool, as in Python */
        *out =
            (a.kind == NN_EXPR_BOOL && b.kind == NN_EXPR_BOOL) ? mk_bool((int)r) : nn_expr_int(r);
        return NN_OK;
    default:
        if (y < 0)
            return eval_err(c, "ValueError: negative shift count");
        if (op == B_SHR) {
            *out = nn_expr_int(y >= 63 ? (x < 0 ? -1 : 0) : (x >> y));
            return NN_OK;
        }
        if (x != 0 && (y >= 63 || (x > 0 ? x > (INT64_MAX >> y) : x < (INT64_MIN >> y))))
            return eval_err(c, OVERFLOW_MSG);
        *out = nn_expr_int(x == 0 ? 0 : (int64_t)((uint64_t)x << y));
        return NN_OK;
    }
}

static int binop(evalctx *c, int op, nn_expr_value a, nn_expr_value b, nn_expr_value *out) {
    if (op >= B_OR)
        return bitop(c, op, a, b, out);
    if (!is_float(a) && !is_float(b)) {
        int64_t x = a.i, y = b.i, r;
        switch (op) {
        case B_ADD:
            if (__builtin_add_overflow(x, y, &r))
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(r);
            return NN_OK;
        case B_SUB:
            if (__builtin_sub_overflow(x, y, &r))
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(r);
            return NN_OK;
        case B_MUL:
            if (__builtin_mul_overflow(x, y, &r))
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(r);
            return NN_OK;
        case B_DIV:
            if (y == 0)
                return eval_err(c, "ZeroDivisionError: division by zero");
            *out = nn_expr_float((double)x / (double)y);
            return NN_OK;
        case B_FDIV:
            if (y == 0)
                return eval_err(c, "ZeroDivisionError: integer division or modulo by zero");
            if (x == INT64_MIN && y == -1)
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(nn__py_ifloordiv(x, y));
            return NN_OK;
        case B_MOD:
            if (y == 0)
                return eval_err(c, "ZeroDivisionError: integer modulo by zero");
            *out = nn_expr_int(y == -1 ? 0 : nn__py_imod(x, y));
            return NN_OK;
        case B_POW:
            if (y < 0)
                return float_pow(c, (double)x, (double)y, out);
            r = 1;
            int64_t base = x;
            while (y) {
                if (y & 1)
                    if (__builtin_mul_overflow(r, base, &r))
                        return eval_err(c, OVERFLOW_MSG);
                y >>= 1;
                if (y && __builtin_mul_overflow(base, base, &base))
                    return eval_err(c, OVERFLOW_MSG);
            }
            *out = nn_expr_int(r);
            return NN_OK;
        }
    }
    double x = as_f(a), y = as_f(b);
    switch (op) {
    case B_ADD:
        *out = nn_expr_float(x + y);
        return NN_OK;
    case B_SUB:
        *out = nn_expr_float(x - y);
        return NN_OK;
    case B_MUL:
        *out = nn_expr_float(x * y);
        return NN_OK;
    case B_DIV:
        if (y == 0)
            return eval_err(c, "ZeroDivisionError: float division by zero");
        *out = nn_expr_float(x / y);
        return NN_OK;
    case B_FDIV:
        if (y == 0)
            return eval_err(c, "ZeroDivisionError: float floor division by zero");
        *out = nn_expr_float(nn__py_floordiv(x, y));
        return NN_OK;
    case B_MOD:
        if (y == 0)
            return eval_err(c, "ZeroDivisionError: float modulo");
        *out = nn_expr_float(nn__py_fmod(x, y));
        return NN_OK;
    case B_POW:
        return float_pow(c, x, y, out);
    }
    return eval_err(c, "internal error: unknown operator");
}

static int compare(int op, nn_expr_value a, nn_expr_value b) {
    if (!is_float(a) && !is_float(b)) {
        switch (op) {
        case C_LT:
            return a.i < b.i;
        case C_LE:
            return a.i <= b.i;
        case C_GT:
            return a.i > b.i;
        case C_GE:
            return a.i >= b.i;
        case C_EQ:
            return a.i == b.i;
        default:
            return a.i != b.i;
        }
    }
    double x = as_f(a), y = as_f(b);
    switch (op) {
    case C_LT:
        return x < y;
    case C_LE:
        return x <= y;
    case C_GT:
        return x > y;
    case C_GE:
        return x >= y;
    case C_EQ:
        return x == y;
    default:
        return x != y;
    }
}

/* math_1 of CPython: NaN out of a non-NaN input is a domain error, an infinite result out of a
 * finite input is a range error for functions that can overflow and a domain error otherwise. */
static int math1(evalctx *c, double (*f)(double), double x, int can_overflow, nn_expr_value *out) {
    double r = f(x);
    if (isnan(r) && !isnan(x))
        return eval_err(c, "ValueError: math domain error");
    if (isinf(r) && isfinite(x))
        return eval_err(c, can_overflow ? "OverflowError: math range error"
                                        : "ValueError: math domain error");
    *out = nn_expr_float(r);
    return NN_OK;
}

static int to_int(evalctx *c, double r, nn_expr_value *out) {
    if (isnan(r))
        return eval_err(c, "ValueError: cannot convert float NaN to integer");
    if (isinf(r))
        return eval_err(c, "OverflowError: cannot convert float infinity to integer");
    if (r >= 9223372036854775808.0 || r < -9223372036854775808.0)
        return eval_err(c, OVERFLOW_MSG);
    *out = nn_expr_int((int64_t)r);
    return NN_OK;
}

static double m_log(double x) {
    return log(x);
}

static int eval_node(evalctx *c, int idx, nn_expr_value *out);

static int call(evalctx *c, const node *n, nn_expr_value *out) {
    nn_expr_value a[64];
    int nargs = n->b;
    for (int i = 0; i < nargs; i++) {
        int rc = eval_node(c, c->e->kids[n->a + i], &a[i]);
        if (rc != NN_OK)
            return rc;
    }
    double x = nargs > 0 ? as_f(a[0]) : 0, y = nargs > 1 ? as_f(a[1]) : 0;
    switch (n->op) {
    case F_EXP:
        return math1(c, exp, x, 1, out);
    case F_EXPM1:
        return math1(c, expm1, x, 1, out);
    case F_LOG:
    case F_LOG2:
    case F_LOG10:
    case F_LOG1P: {
        if (n->op == F_LOG1P) {
            if (x <= -1.0)
                return eval_err(c, "ValueError: math domain error");
            *out = nn_expr_float(log1p(x));
            return NN_OK;
        }
        if (!(x > 0) && !isnan(x))
            return eval_err(c, "ValueError: math domain error");
        double r = n->op == F_LOG2 ? log2(x) : n->op == F_LOG10 ? log10(x) : m_log(x);
        if (n->op == F_LOG && nargs == 2) {
            if (!(y > 0) && !isnan(y))
                return eval_err(c, "ValueError: math domain error");
            double d = log(y);
            if (d == 0)
                return eval_err(c, "ZeroDivisionError: float division by zero");
            r = r / d;
        }
        *out = nn_expr_float(r);
        return NN_OK;
    }
    case F_SQRT:
        return math1(c, sqrt, x, 0, out);
    case F_SIN:
        return math1(c, sin, x, 0, out);
    case F_COS:
        return math1(c, cos, x, 0, out);
    case F_TAN:
        return math1(c, tan, x, 0, out);
    case F_ASIN:
        return math1(c, asin, x, 0, out);
    case F_ACOS:
        return math1(c, acos, x, 0, out);
    case F_ATAN:
        return math1(c, atan, x, 0, out);
    case F_SINH:
        return math1(c, sinh, x, 1, out);
    case F_COSH:
        return math1(c, cosh, x, 1, out);
    case F_TANH:
        return math1(c, tanh, x, 0, out);
    case F_ASINH:
        return math1(c, asinh, x, 0, out);
    case F_ACOSH:
        return math1(c, acosh, x, 0, out);
    case F_ATANH:
        return math1(c, atanh, x, 0, out);
    case F_FABS:
        *out = nn_expr_float(fabs(x));
        return NN_OK;
    case F_DEGREES:
        *out = nn_expr_float(x * (180.0 / 3.141592653589793));
        return NN_OK;
    case F_RADIANS:
        *out = nn_expr_float(x * (3.141592653589793 / 180.0));
        return NN_OK;
    case F_ATAN2:
        *out = nn_expr_float(atan2(x, y));
        return NN_OK;
    case F_COPYSIGN:
        *out = nn_expr_float(copysign(x, y));
        return NN_OK;
    case F_HYPOT:
        *out = nn_expr_float(hypot(x, y));
        if (isinf(out->f) && isfinite(x) && isfinite(y))
            return eval_err(c, "OverflowError: math range error");
        return NN_OK;
    case F_FMOD: {
        if (isinf(y) && isfinite(x)) {
            *out = nn_expr_float(x);
            return NN_OK;
        }
        double r = fmod(x, y);
        if (isnan(r) && !isnan(x) && !isnan(y))
            return eval_err(c, "ValueError: math domain error");
        *out = nn_expr_float(r);
        return NN_OK;
    }
    case F_POW: {
        /* math.pow: errors where float ** raises, but as ValueError; never complex */
        double r = pow(x, y);
        if (isfinite(x) && isfinite(y)) {
            if (isnan(r))
                return eval_err(c, "ValueError: math domain error");
            if (isinf(r))
                return eval_err(c, x == 0.0 ? "ValueError: math domain error"
                                            : "OverflowError: math range error");
        }
        *out = nn_expr_float(r);
        return NN_OK;
    }
    case F_FLOOR:
    case F_CEIL:
    case F_TRUNC:
        if (!is_float(a[0])) {
            *out = nn_expr_int(a[0].i);
            return NN_OK;
        }
        return to_int(c, n->op == F_FLOOR ? floor(x) : n->op == F_CEIL ? ceil(x) : trunc(x), out);
    case F_ISNAN:
        *out = mk_bool(isnan(x));
        return NN_OK;
    case F_ISINF:
        *out = mk_bool(isinf(x));
        return NN_OK;
    case F_ISFINITE:
        *out = mk_bool(isfinite(x));
        return NN_OK;
    case F_ABS:
        if (is_float(a[0])) {
            *out = nn_expr_float(fabs(x));
        } else {
            if (a[0].i == INT64_MIN)
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(a[0].i < 0 ? -a[0].i : a[0].i);
        }
        return NN_OK;
    case F_MIN:
    case F_MAX: {
        /* Python keeps the first extreme item: replace only when strictly beyond it */
        nn_expr_value best = a[0];
        for (int i = 1; i < nargs; i++)
            if (compare(n->op == F_MIN ? C_LT : C_GT, a[i], best))
                best = a[i];
        *out = best;
        return NN_OK;
    }
    case F_ROUND:
        if (nargs == 1) {
            if (!is_float(a[0])) {
                *out = nn_expr_int(a[0].i);
                return NN_OK;
            }
            return to_int(c, nearbyint(x), out); /* ties to even, as Python's round */
        }
        if (is_float(a[1]))
            return eval_err(c, "TypeError: 'float' object cannot be interpreted as an integer");
        if (!is_float(a[0])) {
            /* round(int, n): n >= 0 keeps the int; n < 0 rounds to 10**-n, ties to even */
            int64_t v = a[0].i, nd = a[1].i;
            if (nd >= 0) {
                *out = nn_expr_int(v);
                return NN_OK;
            }
            if (nd < -18) {
                *out = nn_expr_int(0);
                return NN_OK;
            }
            int64_t pw = 1;
            for (int64_t i = 0; i < -nd; i++)
                pw *= 10;
            int64_t q = nn__py_ifloordiv(v, pw), r = v - q * pw;
            if (2 * r > pw || (2 * r == pw && (q & 1)))
                q++;
            if (__builtin_mul_overflow(q, pw, &v))
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(v);
            return NN_OK;
        } else {
            /* round(float, n): correctly rounded to n decimals (ties to even on the exact
             * binary value), as Python's dtoa-based rounding */
            int64_t nd = a[1].i;
            if (!isfinite(x) || nd > 323) {
                *out = nn_expr_float(x);
                return NN_OK;
            }
            if (nd >= 0) {
                char buf[512];
                snprintf(buf, sizeof buf, "%.*f", (int)nd, x);
                *out = nn_expr_float(strtod(buf, NULL));
                return NN_OK;
            }
            if (nd < -308) {
                *out = nn_expr_float(copysign(0.0, x));
                return NN_OK;
            }
            double pw = pow(10.0, (double)-nd);
            double y = x / pw, r = nearbyint(y);
            if (fabs(y - r) == 0.5)
                r = 2.0 * nearbyint(y / 2.0);
            *out = nn_expr_float(copysign(r * pw, x));
            return NN_OK;
        }
    case F_INT:
        if (!is_float(a[0])) {
            *out = nn_expr_int(a[0].i);
            return NN_OK;
        }
        return to_int(c, trunc(x), out);
    case F_FLOAT:
        *out = nn_expr_float(x);
        return NN_OK;
    case F_BOOL:
        *out = mk_bool(truthy(a[0]));
        return NN_OK;
    }
    return eval_err(c, "internal error: unknown function");
}

static int eval_node(evalctx *c, int idx, nn_expr_value *out) {
    const node *n = &c->e->nodes[idx];
    nn_expr_value a, b;
    int rc;
    switch (n->type) {
    case N_CONST:
        *out = n->val;
        return NN_OK;
    case N_VAR:
        *out = c->args[n->op];
        return NN_OK;
    case N_UNARY:
        if ((rc = eval_node(c, n->a, &a)) != NN_OK)
            return rc;
        if (n->op == U_INV) {
            if (is_float(a))
                return eval_err(c, "TypeError: bad operand type for unary ~: 'float'");
            *out = nn_expr_int(~a.i);
        } else if (is_float(a)) {
            *out = nn_expr_float(n->op == U_NEG ? -a.f : a.f);
        } else if (n->op == U_NEG) {
            if (a.i == INT64_MIN)
                return eval_err(c, OVERFLOW_MSG);
            *out = nn_expr_int(-a.i);
        } else {
            *out = nn_expr_int(a.i);
        }
        return NN_OK;
    case N_BIN:
        if ((rc = eval_node(c, n->a, &a)) != NN_OK || (rc = eval_node(c, n->b, &b)) != NN_OK)
            return rc;
        return binop(c, n->op, a, b, out);
    case N_AND:
        if ((rc = eval_node(c, n->a, &a)) != NN_OK)
            return rc;
        if (!truthy(a)) {
            *out = a;
            return NN_OK;
        }
        return eval_node(c, n->b, out);
    case N_OR:
        if ((rc = eval_node(c, n->a, &a)) != NN_OK)
            return rc;
        if (truthy(a)) {
            *out = a;
            return NN_OK;
        }
        return eval_node(c, n->b, out);
    case N_NOT:
        if ((rc = eval_node(c, n->a, &a)) != NN_OK)
            return rc;
        *out = mk_bool(!truthy(a));
        return NN_OK;
    case N_IF:
        if ((rc = eval_node(c, n->b, &a)) != NN_OK)
            return rc;
        return eval_node(c, truthy(a) ? n->a : n->c, out);
    case N_CMP: {
        const int *k = c->e->kids + n->a;
        if ((rc = eval_node(c, k[0], &a)) != NN_OK)
            return rc;
        for (int i = 1; i < n->b; i += 2) {
            if ((rc = eval_node(c, k[i + 1], &b)) != NN_OK)
                return rc;
            if (!compare(k[i], a, b)) {
                *out = mk_bool(0);
                return NN_OK;
            }
            a = b;
        }
        *out = mk_bool(1);
        return NN_OK;
    }
    case N_CALL:
        return call(c, n, out);
    }
    return eval_err(c, "internal error: unknown node");
}

int nn_expr_eval(const nn_expr *e, const nn_expr_value *args, nn_expr_value *out,
                 nn_expr_error *err) {
    evalctx c = {e, args, err};
    if (err) {
        err->pos = -1;
        err->msg[0] = '\0';
    }
    return eval_node(&c, e->root, out);
}

char *nn_expr_repr(nn_expr_value v, char *buf, int cap) {
    char tmp[40];
    if (v.kind == NN_EXPR_BOOL)
        snprintf(buf, (size_t)cap, "%s", v.i ? "True" : "False");
    else if (v.kind == NN_EXPR_INT)
        snprintf(buf, (size_t)cap, "%lld", (long long)v.i);
    else
        snprintf(buf, (size_t)cap, "%s", nn__py_float_repr(v.f, tmp));
    return buf;
}
