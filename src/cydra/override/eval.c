/*
 * eval.c - Hydra's visitor (HydraOverrideVisitor) and grammar functions (grammar_functions.py).
 *
 * Runs after a successful parse, depth first, left to right, as Hydra's visitor does. Function
 * calls are bound like inspect.Signature.bind, checked like Functions.eval (its type annotations
 * and their spellings in messages), then run with the semantics of grammar_functions.py. An
 * exception in a call becomes "<Exception> while evaluating '<call text>': <message>"; errors of
 * nested calls pass through unchanged, as in Hydra.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/error.h"
#include "internal.h"

/* ---------------------------------------------------------------------------------------------
 * Values
 */

cy_override_value *ov_new(ov_arena *a, cy_override_kind kind) {
    cy_override_value *v = ov_alloc(a, sizeof *v);
    if (v)
        v->kind = kind;
    return v;
}

cy_override_value *ov_new_int(ov_arena *a, int64_t i) {
    cy_override_value *v = ov_new(a, CY_OV_INT);
    if (v)
        v->u.integer = i;
    return v;
}

cy_override_value *ov_new_float(ov_arena *a, double d) {
    cy_override_value *v = ov_new(a, CY_OV_FLOAT);
    if (v)
        v->u.flt.value = d;
    return v;
}

cy_override_value *ov_new_bool(ov_arena *a, int b) {
    cy_override_value *v = ov_new(a, CY_OV_BOOL);
    if (v)
        v->u.boolean = b != 0;
    return v;
}

cy_override_value *ov_new_str(ov_arena *a, const char *s, size_t n) {
    cy_override_value *v = ov_new(a, CY_OV_STRING);
    if (!v)
        return NULL;
    char *t = ov_strndup(a, s, n);
    if (!t)
        return NULL;
    v->u.str.text = t;
    v->u.str.len = n;
    v->u.str.interpolation = strstr(t, "${") != NULL;
    return v;
}

cy_override_value *ov_shallow_copy(ov_arena *a, const cy_override_value *v) {
    cy_override_value *c = ov_alloc(a, sizeof *c);
    if (c)
        *c = *v;
    return c;
}

int ov_is_sweep(const cy_override_value *v) {
    return v->kind == CY_OV_CHOICE || v->kind == CY_OV_RANGE || v->kind == CY_OV_INTERVAL;
}

const char *ov_py_type_name(const cy_override_value *v) {
    switch (v->kind) {
    case CY_OV_NULL:
        return "NoneType";
    case CY_OV_BOOL:
        return "bool";
    case CY_OV_INT:
        return "int";
    case CY_OV_FLOAT:
        return "float";
    case CY_OV_STRING:
        return "str";
    case CY_OV_QUOTED:
        return "QuotedString";
    case CY_OV_LIST:
        return "list";
    case CY_OV_DICT:
        return "dict";
    case CY_OV_CHOICE:
        return "ChoiceSweep";
    case CY_OV_RANGE:
        return "RangeSweep";
    case CY_OV_INTERVAL:
        return "IntervalSweep";
    case CY_OV_GLOB:
        return "Glob";
    }
    return "object";
}

/* ---------------------------------------------------------------------------------------------
 * Random numbers (xoroshiro128+; shuffle only needs a fair permutation)
 */

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void ov_rng_seed(ov_rng *r, uint64_t seed) {
    r->s[0] = splitmix(&seed);
    r->s[1] = splitmix(&seed);
}

uint64_t ov_rng_next(ov_rng *r) {
    uint64_t s0 = r->s[0], s1 = r->s[1], res = s0 + s1;
    s1 ^= s0;
    r->s[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
    r->s[1] = (s1 << 37) | (s1 >> 27);
    return res;
}

uint64_t ov_rng_below(ov_rng *r, uint64_t n) {
    if (n <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = ov_rng_next(r);
    while (x >= limit);
    return x % n;
}

void ov_shuffle(ov_rng *r, cy_override_value **items, size_t n) {
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)ov_rng_below(r, (uint64_t)i + 1);
        cy_override_value *t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation state and errors
 */

typedef struct ev {
    ov_arena *a;
    const ov_parse_tree *t;
    ov_rng *rng;
    cy_override_error *err;
    /* a pending Python exception raised by a grammar function */
    const char *fexc;
    int fcode;
    cy_sbuf fmsg;
} ev;

static int nomem(ev *e) {
    e->fexc = "MemoryError";
    e->fcode = CY_ENOMEM;
    return -1;
}

/* Raises exception `exc` inside a grammar function. */
static int pyerr(ev *e, int code, const char *exc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int pyerr(ev *e, int code, const char *exc, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    cy__sb_free(&e->fmsg);
    cy__sb_puts(&e->fmsg, tmp);
    e->fexc = exc;
    e->fcode = code;
    return -1;
}

/* Raises with a message built in a cy_sbuf (taken over). */
static int pyerr_sb(ev *e, int code, const char *exc, cy_sbuf *b) {
    cy__sb_free(&e->fmsg);
    e->fmsg = *b;
    *b = (cy_sbuf){0};
    e->fexc = exc;
    e->fcode = code;
    return -1;
}

/* An error of the visitor itself (not inside a function call): "Error parsing override". */
static int visitor_error(ev *e, int code, size_t offset, const char *detail) {
    ov_set_error(e->err, code, "OverrideParseException", e->t->src, offset, 1, detail);
    return -1;
}

static int out_of_memory(ev *e) {
    ov_set_error_raw(e->err, CY_ENOMEM, "MemoryError", "out of memory");
    return -1;
}

#define NEW(v, expr)                                                                               \
    do {                                                                                           \
        if (!((v) = (expr)))                                                                       \
            return nomem(e);                                                                       \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Python number parsing
 */

static const uint32_t nd_zeros[] = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,
    0xC66,   0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,
    0x1810,  0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,
    0xA8D0,  0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
    0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0}; /* Unicode 14 (Python 3.11) Nd */

static int py_isspace(uint32_t c) {
    return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* _PyUnicode_TransformDecimalAndSpaceToASCII, then strip: int() and float() read Unicode
 * digits and spaces; anything else non-ASCII ends the text with '?' (never valid). Heap
 * string, NULL when out of memory. */
static char *number_text(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    char *r = malloc(n + 2);
    if (!r)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = u[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (len > 1 && i + len <= n) {
            c &= len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07;
            for (size_t j = 1; j < len; j++)
                c = (c << 6) | (u[i + j] & 0x3F);
        } else {
            len = 1;
        }
        i += len;
        if (c < 0x80 && !py_isspace(c)) {
            r[k++] = (char)c;
            continue;
        }
        if (py_isspace(c)) {
            r[k++] = ' ';
            continue;
        }
        char d = '?';
        for (size_t z = 0; z < sizeof nd_zeros / sizeof *nd_zeros; z++)
            if (c >= nd_zeros[z] && c < nd_zeros[z] + 10)
                d = (char)('0' + (c - nd_zeros[z]));
        r[k++] = d;
        if (d == '?')
            break;
    }
    r[k] = '\0';
    /* strip */
    size_t b = 0, e = k;
    while (b < e && r[b] == ' ')
        b++;
    while (e > b && r[e - 1] == ' ')
        e--;
    memmove(r, r + b, e - b);
    r[e - b] = '\0';
    return r;
}

/* int() of stripped ASCII text, base 10: sign, digits, single underscores between digits.
 * 0 ok, -1 invalid literal, -2 out of int64 range. */
static int parse_int_ascii(const char *s, int64_t *out) {
    size_t i = 0, e = strlen(s);
    int neg = 0;
    if (i < e && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= e || s[i] < '0' || s[i] > '9')
        return -1;
    uint64_t acc = 0;
    int overflow = 0;
    for (; i < e; i++) {
        char c = s[i];
        if (c == '_') {
            if (i + 1 >= e || s[i + 1] < '0' || s[i + 1] > '9')
                return -1;
            continue;
        }
        if (c < '0' || c > '9')
            return -1;
        if (acc > (UINT64_MAX - 9) / 10)
            overflow = 1;
        else
            acc = acc * 10 + (uint64_t)(c - '0');
    }
    if (overflow || acc > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -2;
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return 0;
}

static size_t digitpart(const char *s, size_t i, size_t e) {
    size_t j = i;
    if (j >= e || s[j] < '0' || s[j] > '9')
        return i;
    j++;
    for (;;) {
        if (j < e && s[j] >= '0' && s[j] <= '9')
            j++;
        else if (j + 1 < e && s[j] == '_' && s[j + 1] >= '0' && s[j + 1] <= '9')
            j += 2;
        else
            return j;
    }
}

static int ieq(const char *s, size_t n, const char *w) {
    if (strlen(w) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != w[i])
            return 0;
    return 1;
}

/* float() of stripped ASCII text: inf/infinity/nan, or digits with one optional point and
 * exponent, underscores only between digits. 0 ok, -1 invalid. */
static int parse_float_ascii(char *s, double *out) {
    size_t i = 0, e = strlen(s);
    int neg = 0;
    if (i < e && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (ieq(s + i, e - i, "inf") || ieq(s + i, e - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (ieq(s + i, e - i, "nan")) {
        *out = neg ? -NAN : NAN;
        return 0;
    }
    size_t m = digitpart(s, i, e);
    int has_digits = m > i;
    size_t j = m;
    if (j < e && s[j] == '.') {
        size_t f = digitpart(s, j + 1, e);
        if (f > j + 1)
            has_digits = 1;
        j = f;
    }
    if (!has_digits)
        return -1;
    if (j < e && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < e && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t x = digitpart(s, k, e);
        if (x == k)
            return -1;
        j = x;
    }
    if (j != e)
        return -1;
    size_t k = 0;
    for (size_t q = 0; q < e; q++)
        if (s[q] != '_')
            s[k++] = s[q];
    s[k] = '\0';
    *out = strtod(s, NULL);
    return 0;
}

/* int(s) for a str, base 10. 0 ok, -1 invalid literal, -2 out of int64 range, -3 no memory. */
static int py_parse_int(const char *text, size_t len, int64_t *out) {
    char *s = number_text(text, len);
    if (!s)
        return -3;
    int rc = parse_int_ascii(s, out);
    free(s);
    return rc;
}

/* float(s) for a str. 0 ok, -1 invalid, -3 no memory. */
static int py_parse_float(const char *text, size_t len, double *out) {
    char *s = number_text(text, len);
    if (!s)
        return -3;
    int rc = parse_float_ascii(s, out);
    free(s);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Primitives (_createPrimitive)
 */

static const char *tok_text(const ev *e, size_t i, size_t *n) {
    const token *t = &e->t->toks[i];
    *n = t->end - t->start;
    return e->t->src + t->start;
}

static int int_token(ev *e, size_t i, cy_override_value **out) {
    size_t n;
    const char *s = tok_text(e, i, &n);
    int64_t v = 0;
    int rc = py_parse_int(s, n, &v);
    if (rc == -3)
        return out_of_memory(e);
    if (rc == -2) {
        cy_sbuf b = {0};
        cy__sb_puts(&b, "Integer out of range: ");
        cy__sb_putn(&b, s, n);
        cy__sb_puts(&b, " does not fit in 64 bits (Cydra integers are int64)");
        char *d = cy__sb_take(&b);
        if (!d)
            return out_of_memory(e);
        visitor_error(e, CY_ELIMIT, e->t->toks[i].start, d);
        free(d);
        return -1;
    }
    if (!(*out = ov_new_int(e->a, v)))
        return out_of_memory(e);
    return 0;
}

/* Text of a quoted token without quotes, unescaping only backslashes before a quote of the
 * same kind: a run of n backslashes before it becomes n/2 (and the quote stays when n is odd). */
static cy_override_value *quoted(ev *e, const char *s, size_t n) {
    char q = s[0];
    const char *c = s + 1;
    size_t len = n - 1; /* content plus the closing quote */
    char *out = ov_alloc(e->a, len + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        if (c[i] == '\\') {
            size_t j = i;
            while (j < len && c[j] == '\\')
                j++;
            size_t run = j - i;
            if (j < len && c[j] == q) {
                for (size_t r = 0; r < run / 2; r++)
                    out[k++] = '\\';
                if (run % 2 == 1 && j != len - 1)
                    out[k++] = q;
                i = j + 1;
            } else {
                for (size_t r = 0; r < run; r++)
                    out[k++] = '\\';
                i = j;
            }
        } else if (i == len - 1) {
            i++; /* the closing quote */
        } else {
            out[k++] = c[i++];
        }
    }
    out[k] = '\0';
    cy_override_value *v = ov_new(e->a, CY_OV_QUOTED);
    if (!v)
        return NULL;
    v->u.str.text = out;
    v->u.str.len = k;
    v->u.str.quote = q;
    v->u.str.interpolation = strstr(out, "${") != NULL;
    return v;
}

static int create_primitive(ev *e, size_t first, size_t last, cy_override_value **out) {
    const token *tk = e->t->toks;
    if (tk[first].type == T_WS) {
        if (first == last)
            return visitor_error(e, CY_EPARSE, tk[first].start,
                                 "Trying to parse a primitive that is all whitespaces");
        first++;
    }
    if (tk[last].type == T_WS)
        last--;
    size_t n;
    const char *s;
    if (last > first) {
        cy_sbuf b = {0};
        for (size_t i = first; i <= last; i++) {
            s = tok_text(e, i, &n);
            if (tk[i].type == T_ESC)
                for (size_t k = 1; k < n; k += 2)
                    cy__sb_putc(&b, s[k]);
            else
                cy__sb_putn(&b, s, n);
        }
        if (b.oom) {
            cy__sb_free(&b);
            return out_of_memory(e);
        }
        *out = ov_new_str(e->a, b.s ? b.s : "", b.len);
        cy__sb_free(&b);
        return *out ? 0 : out_of_memory(e);
    }
    s = tok_text(e, first, &n);
    cy_override_value *v = NULL;
    switch (tk[first].type) {
    case T_QUOTED_VALUE:
        v = quoted(e, s, n);
        break;
    case T_INT:
        return int_token(e, first, out);
    case T_FLOAT: {
        double d = 0;
        if (py_parse_float(s, n, &d) == -3)
            return out_of_memory(e);
        v = ov_new_float(e->a, d);
        if (v && !(v->u.flt.text = ov_strndup(e->a, s, n)))
            v = NULL;
        break;
    }
    case T_NULL:
        v = ov_new(e->a, CY_OV_NULL);
        break;
    case T_BOOL:
        v = ov_new_bool(e->a, (s[0] | 0x20) == 't');
        break;
    case T_ESC: {
        char tmp[2] = {0, 0};
        cy_sbuf b = {0};
        for (size_t k = 1; k < n; k += 2) {
            tmp[0] = s[k];
            cy__sb_puts(&b, tmp);
        }
        v = b.oom ? NULL : ov_new_str(e->a, b.s ? b.s : "", b.len);
        cy__sb_free(&b);
        break;
    }
    default:
        v = ov_new_str(e->a, s, n);
        break; /* ID, INTERPOLATION, UNQUOTED_CHAR, COLON */
    }
    if (!v)
        return out_of_memory(e);
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Python numbers on values (int64 stands in for Python's int)
 */

static int64_t ival(const cy_override_value *v) {
    return v->kind == CY_OV_BOOL ? (v->u.boolean != 0) : v->u.integer;
}
static double fval(const cy_override_value *v) {
    return v->kind == CY_OV_FLOAT ? v->u.flt.value : (double)ival(v);
}

static int overflow(ev *e, const char *what) {
    return pyerr(e, CY_ELIMIT, "OverflowError",
                 "%s does not fit in 64 bits (Cydra integers are int64)", what);
}

/* a + sign*b, Python style: int op int -> int, with a float -> float. */
static int py_addsub(ev *e, const cy_override_value *a, const cy_override_value *b, int sub,
                     cy_override_value **out) {
    if (a->kind == CY_OV_FLOAT || b->kind == CY_OV_FLOAT) {
        NEW(*out, ov_new_float(e->a, sub ? fval(a) - fval(b) : fval(a) + fval(b)));
        return 0;
    }
    int64_t r;
    if (sub ? __builtin_sub_overflow(ival(a), ival(b), &r)
            : __builtin_add_overflow(ival(a), ival(b), &r))
        return overflow(e, "the range bound");
    NEW(*out, ov_new_int(e->a, r));
    return 0;
}

static int py_abs(ev *e, const cy_override_value *a, cy_override_value **out) {
    if (a->kind == CY_OV_FLOAT) {
        NEW(*out, ov_new_float(e->a, fabs(a->u.flt.value)));
        return 0;
    }
    int64_t x = ival(a);
    if (x == INT64_MIN)
        return overflow(e, "abs(step)");
    NEW(*out, ov_new_int(e->a, x < 0 ? -x : x));
    return 0;
}

static int py_neg(ev *e, const cy_override_value *a, cy_override_value **out) {
    if (a->kind == CY_OV_FLOAT) {
        NEW(*out, ov_new_float(e->a, -a->u.flt.value));
        return 0;
    }
    int64_t x = ival(a);
    if (x == INT64_MIN)
        return overflow(e, "-step");
    NEW(*out, ov_new_int(e->a, -x));
    return 0;
}

/* a < b for numbers (False with NaN). */
static int num_lt(const cy_override_value *a, const cy_override_value *b) {
    const cy_override_value *x, *y;
    return ov_py_lt(a, b, &x, &y) == 1;
}

/* ---------------------------------------------------------------------------------------------
 * Casts
 */

enum { CAST_INT, CAST_FLOAT, CAST_STR, CAST_BOOL };

static int cast(ev *e, int to, const cy_override_value *v, cy_override_value **out);

static int cast_items(ev *e, int to, cy_override_value *const *items, size_t n,
                      cy_override_value ***out) {
    cy_override_value **r = ov_alloc(e->a, (n ? n : 1) * sizeof *r);
    if (!r)
        return nomem(e);
    for (size_t i = 0; i < n; i++)
        if (cast(e, to, items[i], &r[i]) < 0)
            return -1;
    *out = r;
    return 0;
}

static int str_repr_into(cy_sbuf *b, const cy_override_value *v, size_t limit) {
    cy_sbuf r = {0};
    ov_str_repr(&r, v->u.str.text, v->u.str.len);
    if (r.oom)
        return -1;
    /* %.200R: at most `limit` characters of the repr */
    size_t bytes = r.len;
    if (limit) {
        size_t chars = 0, i = 0;
        while (i < r.len && chars < limit) {
            i++;
            while (i < r.len && ((unsigned char)r.s[i] & 0xC0) == 0x80)
                i++;
            chars++;
        }
        bytes = i;
    }
    cy__sb_putn(b, r.s, bytes);
    cy__sb_free(&r);
    return 0;
}

static int cast_primitive(ev *e, int to, const cy_override_value *v, cy_override_value **out) {
    char tmp[40];
    cy_sbuf b = {0};
    switch (v->kind) {
    case CY_OV_INT:
    case CY_OV_BOOL:
        switch (to) {
        case CAST_INT:
            NEW(*out, ov_new_int(e->a, ival(v)));
            return 0;
        case CAST_FLOAT:
            NEW(*out, ov_new_float(e->a, (double)ival(v)));
            return 0;
        case CAST_BOOL:
            NEW(*out, ov_new_bool(e->a, ival(v) != 0));
            return 0;
        default:
            if (v->kind == CY_OV_BOOL)
                snprintf(tmp, sizeof tmp, "%s", v->u.boolean ? "true" : "false");
            else
                snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.integer);
            NEW(*out, ov_new_str(e->a, tmp, strlen(tmp)));
            return 0;
        }
    case CY_OV_FLOAT: {
        double d = v->u.flt.value;
        switch (to) {
        case CAST_INT:
            if (isnan(d))
                return pyerr(e, CY_EPARSE, "ValueError", "cannot convert float NaN to integer");
            if (isinf(d))
                return pyerr(e, CY_EPARSE, "OverflowError",
                             "cannot convert float infinity to integer");
            if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
                ov_float_repr(d, tmp);
                char what[64];
                snprintf(what, sizeof what, "int(%s)", tmp);
                return overflow(e, what);
            }
            NEW(*out, ov_new_int(e->a, (int64_t)d));
            return 0;
        case CAST_FLOAT:
            NEW(*out, ov_new_float(e->a, d));
            return 0;
        case CAST_BOOL:
            NEW(*out, ov_new_bool(e->a, d != 0 || isnan(d)));
            return 0;
        default:
            ov_float_repr(d, tmp);
            NEW(*out, ov_new_str(e->a, tmp, strlen(tmp)));
            return 0;
        }
    }
    case CY_OV_STRING: {
        const char *s = v->u.str.text;
        size_t n = v->u.str.len;
        switch (to) {
        case CAST_INT: {
            int64_t i = 0;
            int rc = py_parse_int(s, n, &i);
            if (rc == -3)
                return nomem(e);
            if (rc == -2) {
                cy__sb_puts(&b, "int(");
                if (str_repr_into(&b, v, 0) < 0) {
                    cy__sb_free(&b);
                    return nomem(e);
                }
                cy__sb_puts(&b, ") does not fit in 64 bits (Cydra integers are int64)");
                return pyerr_sb(e, CY_ELIMIT, "OverflowError", &b);
            }
            if (rc < 0) {
                cy__sb_puts(&b, "invalid literal for int() with base 10: ");
                if (str_repr_into(&b, v, 200) < 0) {
                    cy__sb_free(&b);
                    return nomem(e);
                }
                return pyerr_sb(e, CY_EPARSE, "ValueError", &b);
            }
            NEW(*out, ov_new_int(e->a, i));
            return 0;
        }
        case CAST_FLOAT: {
            double d = 0;
            int rc = py_parse_float(s, n, &d);
            if (rc == -3)
                return nomem(e);
            if (rc < 0) {
                cy__sb_puts(&b, "could not convert string to float: ");
                if (str_repr_into(&b, v, 0) < 0) {
                    cy__sb_free(&b);
                    return nomem(e);
                }
                return pyerr_sb(e, CY_EPARSE, "ValueError", &b);
            }
            NEW(*out, ov_new_float(e->a, d));
            return 0;
        }
        case CAST_BOOL:
            if (ieq(s, n, "false")) {
                NEW(*out, ov_new_bool(e->a, 0));
                return 0;
            }
            if (ieq(s, n, "true")) {
                NEW(*out, ov_new_bool(e->a, 1));
                return 0;
            }
            cy__sb_puts(&b, "Cannot cast '");
            cy__sb_putn(&b, s, n);
            cy__sb_puts(&b, "' to bool");
            return pyerr_sb(e, CY_EPARSE, "ValueError", &b);
        default:
            NEW(*out, ov_new_str(e->a, s, n));
            return 0;
        }
    }
    case CY_OV_NULL:
        if (to == CAST_BOOL) {
            NEW(*out, ov_new_bool(e->a, 0));
            return 0;
        }
        return pyerr(e, CY_EPARSE, "AssertionError", "%s", "");
    case CY_OV_GLOB: /* bool(Glob(...)) is True: the object is truthy */
        if (to == CAST_BOOL) {
            NEW(*out, ov_new_bool(e->a, 1));
            return 0;
        }
        return pyerr(e, CY_EPARSE, "AssertionError", "%s", "");
    default:
        return pyerr(e, CY_EPARSE, "AssertionError", "%s", "");
    }
}

static int cast(ev *e, int to, const cy_override_value *v, cy_override_value **out) {
    cy_override_value *r;
    switch (v->kind) {
    case CY_OV_QUOTED: {
        cy_override_value plain = *v;
        plain.kind = CY_OV_STRING;
        plain.u.str.quote = 0;
        return cast(e, to, &plain, out);
    }
    case CY_OV_DICT:
        NEW(r, ov_shallow_copy(e->a, v));
        if (cast_items(e, to, v->u.dict.values, v->u.dict.count, &r->u.dict.values) < 0)
            return -1;
        *out = r;
        return 0;
    case CY_OV_LIST:
        NEW(r, ov_shallow_copy(e->a, v));
        if (cast_items(e, to, v->u.list.items, v->u.list.count, &r->u.list.items) < 0)
            return -1;
        *out = r;
        return 0;
    case CY_OV_CHOICE:
        NEW(r, ov_new(e->a, CY_OV_CHOICE));
        if (cast_items(e, to, v->u.choice.items, v->u.choice.count, &r->u.choice.items) < 0)
            return -1;
        for (size_t i = 0; i < v->u.choice.count; i++) {
            cy_override_kind k = r->u.choice.items[i]->kind;
            /* assert is_type_matching(choice, ElementType) */
            if (k != CY_OV_STRING && k != CY_OV_INT && k != CY_OV_BOOL && k != CY_OV_FLOAT &&
                k != CY_OV_LIST && k != CY_OV_DICT)
                return pyerr(e, CY_EPARSE, "AssertionError", "%s", "");
        }
        r->u.choice.count = v->u.choice.count;
        r->u.choice.simple_form = v->u.choice.simple_form;
        *out = r;
        return 0;
    case CY_OV_RANGE:
        if (to != CAST_INT && to != CAST_FLOAT)
            return pyerr(e, CY_EPARSE, "ValueError", "Range can only be cast to int or float");
        NEW(r, ov_new(e->a, CY_OV_RANGE));
        if (cast(e, to, v->u.range.start, &r->u.range.start) < 0 ||
            cast(e, to, v->u.range.stop, &r->u.range.stop) < 0 ||
            cast(e, to, v->u.range.step, &r->u.range.step) < 0)
            return -1;
        *out = r;
        return 0;
    case CY_OV_INTERVAL:
        if (to == CAST_STR)
            return pyerr(e, CY_EPARSE, "ValueError", "Intervals cannot be cast to str");
        if (to == CAST_BOOL)
            return pyerr(e, CY_EPARSE, "ValueError", "Intervals cannot be cast to bool");
        NEW(r, ov_shallow_copy(e->a, v));
        if (cast(e, to, v->u.interval.start, &r->u.interval.start) < 0 ||
            cast(e, to, v->u.interval.end, &r->u.interval.end) < 0)
            return -1;
        *out = r;
        return 0;
    default:
        return cast_primitive(e, to, v, out);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Calls: binding (inspect.Signature.bind) and annotation checks (Functions.eval)
 */

enum { P_POS, P_VAR, P_KW }; /* positional-or-keyword, *args, keyword-only */

enum {
    PT_CAST,
    PT_CHOICE_ARG,
    PT_NUM,
    PT_OPT_NUM,
    PT_TAG_ARG,
    PT_OPT_SWEEP,
    PT_SHUF_ARG,
    PT_OPT_CR,
    PT_OPT_LIST,
    PT_BOOL,
    PT_STR_OR_LIST,
    PT_OPT_STR_OR_LIST
};

static const char *const type_names[] = {
    "Optional[Union[str, int, float, bool, List[Any], Dict[str, Any], QuotedString, Sweep]]",
    "Union[str, int, float, bool, Dict[Any, Any], List[Any], ChoiceSweep]",
    "Union[int, float]",
    "Optional[Union[int, float]]",
    "Union[str, Sweep]",
    "Optional[Sweep]",
    "Union[str, int, bool, float, list, dict, ChoiceSweep, RangeSweep]",
    "Optional[Union[ChoiceSweep, RangeSweep]]",
    "Optional[List[Any]]",
    "bool",
    "Union[List[str], str]",
    "Optional[Union[str, List[str]]]",
};

#define K(x) (1u << (x))
static const unsigned type_accepts[] = {
    ~K(CY_OV_GLOB),
    K(CY_OV_STRING) | K(CY_OV_INT) | K(CY_OV_FLOAT) | K(CY_OV_BOOL) | K(CY_OV_DICT) |
        K(CY_OV_LIST) | K(CY_OV_CHOICE),
    K(CY_OV_INT) | K(CY_OV_FLOAT) | K(CY_OV_BOOL),
    K(CY_OV_INT) | K(CY_OV_FLOAT) | K(CY_OV_BOOL) | K(CY_OV_NULL),
    K(CY_OV_STRING) | K(CY_OV_CHOICE) | K(CY_OV_RANGE) | K(CY_OV_INTERVAL),
    K(CY_OV_CHOICE) | K(CY_OV_RANGE) | K(CY_OV_INTERVAL) | K(CY_OV_NULL),
    K(CY_OV_STRING) | K(CY_OV_INT) | K(CY_OV_BOOL) | K(CY_OV_FLOAT) | K(CY_OV_LIST) |
        K(CY_OV_DICT) | K(CY_OV_CHOICE) | K(CY_OV_RANGE),
    K(CY_OV_CHOICE) | K(CY_OV_RANGE) | K(CY_OV_NULL),
    K(CY_OV_LIST) | K(CY_OV_NULL),
    K(CY_OV_BOOL),
    K(CY_OV_LIST) | K(CY_OV_STRING),
    K(CY_OV_STRING) | K(CY_OV_LIST) | K(CY_OV_NULL),
};

typedef struct param {
    const char *name;
    int kind;
    int has_default;
    int type;
} param;

#define MAXP 4

typedef struct call {
    cy_override_value **args; /* positional */
    size_t nargs;
    const char **kwnames; /* keyword arguments, in first-given order */
    cy_override_value **kwvals;
    size_t nkw;
    /* after binding */
    cy_override_value *bound[MAXP]; /* NULL: not bound (default) */
    cy_override_value **var;        /* *args */
    size_t nvar;
} call;

typedef int (*fn_impl)(ev *e, call *c, cy_override_value **out);

typedef struct fndef {
    const char *name;
    param params[MAXP];
    size_t nparams;
    fn_impl impl;
} fndef;

static long kw_index(const call *c, const char *name) {
    for (size_t i = 0; i < c->nkw; i++)
        if (strcmp(c->kwnames[i], name) == 0)
            return (long)i;
    return -1;
}

static int bind(ev *e, const fndef *f, call *c) {
    const param *ps = f->params;
    size_t np = f->nparams, pi = 0, ai = 0, phase2 = np;
    int *used = calloc(c->nkw ? c->nkw : 1, sizeof *used);
    if (!used)
        return nomem(e);
    int rc = 0;
    for (;;) {
        if (ai == c->nargs) {
            if (pi == np)
                break;
            const param *p = &ps[pi++];
            if (p->kind == P_VAR) {
                phase2 = pi;
                break;
            }
            if (kw_index(c, p->name) >= 0 || p->has_default) {
                phase2 = pi - 1;
                break;
            }
            rc = pyerr(e, CY_EPARSE, "TypeError", "missing a required argument: '%s'", p->name);
            goto out;
        }
        if (pi == np || ps[pi].kind == P_KW) {
            rc = pyerr(e, CY_EPARSE, "TypeError", "too many positional arguments");
            goto out;
        }
        const param *p = &ps[pi++];
        if (p->kind == P_VAR) {
            c->var = c->args + ai;
            c->nvar = c->nargs - ai;
            ai = c->nargs;
            phase2 = pi;
            break;
        }
        if (kw_index(c, p->name) >= 0) {
            rc = pyerr(e, CY_EPARSE, "TypeError", "multiple values for argument '%s'", p->name);
            goto out;
        }
        c->bound[pi - 1] = c->args[ai++];
    }
    for (size_t i = phase2; i < np; i++) {
        if (ps[i].kind == P_VAR)
            continue;
        long k = kw_index(c, ps[i].name);
        if (k >= 0) {
            c->bound[i] = c->kwvals[k];
            used[k] = 1;
        } else if (!ps[i].has_default) {
            rc = pyerr(e, CY_EPARSE, "TypeError", "missing a required argument: '%s'", ps[i].name);
            goto out;
        }
    }
    for (size_t k = 0; k < c->nkw; k++) {
        if (!used[k]) {
            rc = pyerr(e, CY_EPARSE, "TypeError", "got an unexpected keyword argument '%s'",
                       c->kwnames[k]);
            goto out;
        }
    }
    /* annotations, in the order of the bound arguments (= parameter order) */
    for (size_t i = 0; i < np; i++) {
        const param *p = &ps[i];
        if (p->kind == P_VAR) {
            for (size_t j = 0; j < c->nvar; j++) {
                if (!(type_accepts[p->type] & K(c->var[j]->kind))) {
                    rc = pyerr(e, CY_EPARSE, "TypeError",
                               "mismatch type argument %s[%zu]: %s is incompatible with %s",
                               p->name, j, ov_py_type_name(c->var[j]), type_names[p->type]);
                    goto out;
                }
            }
        } else if (c->bound[i] && !(type_accepts[p->type] & K(c->bound[i]->kind))) {
            rc = pyerr(e, CY_EPARSE, "TypeError",
                       "mismatch type argument %s: %s is incompatible with %s", p->name,
                       ov_py_type_name(c->bound[i]), type_names[p->type]);
            goto out;
        }
    }
out:
    free(used);
    return rc;
}

/* The value bound to parameter i unless it is absent or None. */
static cy_override_value *given(const call *c, size_t i) {
    cy_override_value *v = c->bound[i];
    return v && v->kind != CY_OV_NULL ? v : NULL;
}

/* _list_to_simple_choice: every argument must be a ParsedElementType (no sweeps, no globs). */
static int simple_choice(ev *e, cy_override_value **items, size_t n, cy_override_value **out) {
    for (size_t i = 0; i < n; i++)
        if (ov_is_sweep(items[i]) || items[i]->kind == CY_OV_GLOB)
            return pyerr(e, CY_EPARSE, "AssertionError", "%s", "");
    cy_override_value *r;
    NEW(r, ov_new(e->a, CY_OV_CHOICE));
    cy_override_value **copy = ov_alloc(e->a, (n ? n : 1) * sizeof *copy);
    if (!copy)
        return nomem(e);
    if (n)
        memcpy(copy, items, n * sizeof *copy);
    r->u.choice.items = copy;
    r->u.choice.count = n;
    r->u.choice.simple_form = 1;
    *out = r;
    return 0;
}

static int do_cast(ev *e, call *c, int to, cy_override_value **out) {
    cy_override_value *value = given(c, 1), *v;
    if (c->nvar > 0 && value)
        return pyerr(e, CY_EPARSE, "TypeError", "cannot use both position and named arguments");
    if (value)
        v = value;
    else if (c->nvar == 0)
        return pyerr(e, CY_EPARSE, "TypeError", "No positional args or value specified");
    else if (c->nvar == 1)
        v = c->var[0];
    else if (simple_choice(e, c->var, c->nvar, &v) < 0)
        return -1;
    return cast(e, to, v, out);
}

static int fn_int(ev *e, call *c, cy_override_value **out) {
    return do_cast(e, c, CAST_INT, out);
}
static int fn_float(ev *e, call *c, cy_override_value **out) {
    return do_cast(e, c, CAST_FLOAT, out);
}
static int fn_str(ev *e, call *c, cy_override_value **out) {
    return do_cast(e, c, CAST_STR, out);
}
static int fn_bool(ev *e, call *c, cy_override_value **out) {
    return do_cast(e, c, CAST_BOOL, out);
}

static int fn_choice(ev *e, call *c, cy_override_value **out) {
    if (c->nvar == 0)
        return pyerr(e, CY_EPARSE, "ValueError", "empty choice is not legal");
    if (c->nvar == 1 && c->var[0]->kind == CY_OV_CHOICE) {
        if (!c->var[0]->u.choice.simple_form)
            return pyerr(e, CY_EPARSE, "ValueError", "nesting choices is not supported");
        cy_override_value *r;
        NEW(r, ov_shallow_copy(e->a, c->var[0]));
        r->u.choice.simple_form = 0;
        *out = r;
        return 0;
    }
    cy_override_value *r;
    NEW(r, ov_new(e->a, CY_OV_CHOICE));
    cy_override_value **items = ov_alloc(e->a, c->nvar * sizeof *items);
    if (!items)
        return nomem(e);
    memcpy(items, c->var, c->nvar * sizeof *items);
    r->u.choice.items = items;
    r->u.choice.count = c->nvar;
    *out = r;
    return 0;
}

static int fn_range(ev *e, call *c, cy_override_value **out) {
    cy_override_value *start = c->bound[0], *stop = given(c, 1), *step = c->bound[2], *r;
    if (!stop) {
        stop = start;
        NEW(start, ov_new_int(e->a, 0));
    }
    if (!step)
        NEW(step, ov_new_int(e->a, 1));
    NEW(r, ov_new(e->a, CY_OV_RANGE));
    r->u.range.start = start;
    r->u.range.stop = stop;
    r->u.range.step = step;
    *out = r;
    return 0;
}

static int fn_interval(ev *e, call *c, cy_override_value **out) {
    cy_override_value *r;
    NEW(r, ov_new(e->a, CY_OV_INTERVAL));
    NEW(r->u.interval.start, ov_new_float(e->a, fval(c->bound[0])));
    NEW(r->u.interval.end, ov_new_float(e->a, fval(c->bound[1])));
    *out = r;
    return 0;
}

static int cmp_cstr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int tag_impl(ev *e, cy_override_value **args, size_t n, cy_override_value **out) {
    if (n < 1)
        return pyerr(e, CY_EPARSE, "ValueError",
                     "Not enough arguments to tag, must take at least a sweep");
    cy_override_value *last = args[n - 1];
    if (!ov_is_sweep(last))
        return pyerr(e, CY_EPARSE, "ValueError",
                     "Last argument to tag() must be a choice(), range() or interval(), got "
                     "NoneType");
    const char **names = ov_alloc(e->a, n * sizeof *names);
    if (!names)
        return nomem(e);
    size_t nt = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (args[i]->kind != CY_OV_STRING)
            return pyerr(e, CY_EPARSE, "ValueError", "tag arguments type must be string, got %s",
                         ov_py_type_name(args[i]));
        names[nt++] = args[i]->u.str.text;
    }
    qsort(names, nt, sizeof *names, cmp_cstr);
    size_t k = 0;
    for (size_t i = 0; i < nt; i++)
        if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
            names[k++] = names[i];
    cy_override_value *r;
    NEW(r, ov_shallow_copy(e->a, last));
    cy_override_tags tags = {names, k};
    if (r->kind == CY_OV_CHOICE)
        r->u.choice.tags = tags;
    else if (r->kind == CY_OV_RANGE)
        r->u.range.tags = tags;
    else
        r->u.interval.tags = tags;
    *out = r;
    return 0;
}

static int fn_tag(ev *e, call *c, cy_override_value **out) {
    if (c->nvar < 1)
        return pyerr(e, CY_EPARSE, "ValueError",
                     "Not enough arguments to tag, must take at least a sweep");
    cy_override_value *sweep = given(c, 1);
    if (sweep) {
        cy_override_value **args = ov_alloc(e->a, (c->nvar + 1) * sizeof *args);
        if (!args)
            return nomem(e);
        memcpy(args, c->var, c->nvar * sizeof *args);
        args[c->nvar] = sweep;
        return tag_impl(e, args, c->nvar + 1, out);
    }
    return tag_impl(e, c->var, c->nvar, out);
}

static int shuffle_one(ev *e, cy_override_value *arg, cy_override_value **out) {
    cy_override_value *r;
    if (arg->kind == CY_OV_CHOICE || arg->kind == CY_OV_RANGE) {
        NEW(r, ov_shallow_copy(e->a, arg));
        if (r->kind == CY_OV_CHOICE)
            r->u.choice.shuffle = 1;
        else
            r->u.range.shuffle = 1;
        *out = r;
        return 0;
    }
    if (arg->kind == CY_OV_LIST) {
        NEW(r, ov_shallow_copy(e->a, arg));
        size_t n = arg->u.list.count;
        cy_override_value **items = ov_alloc(e->a, (n ? n : 1) * sizeof *items);
        if (!items)
            return nomem(e);
        if (n)
            memcpy(items, arg->u.list.items, n * sizeof *items);
        ov_shuffle(e->rng, items, n);
        r->u.list.items = items;
        *out = r;
        return 0;
    }
    /* a single non-list value: [arg] */
    NEW(r, ov_new(e->a, CY_OV_LIST));
    cy_override_value **items = ov_alloc(e->a, sizeof *items);
    if (!items)
        return nomem(e);
    items[0] = arg;
    r->u.list.items = items;
    r->u.list.count = 1;
    *out = r;
    return 0;
}

static int fn_shuffle(ev *e, call *c, cy_override_value **out) {
    cy_override_value *sweep = given(c, 1), *list = given(c, 2);
    if (list)
        return shuffle_one(e, list, out);
    if (sweep)
        return shuffle_one(e, sweep, out);
    if (c->nvar == 1)
        return shuffle_one(e, c->var[0], out);
    if (simple_choice(e, c->var, c->nvar, out) < 0)
        return -1;
    (*out)->u.choice.shuffle = 1;
    return 0;
}

static int sort_items(ev *e, cy_override_value **src, size_t n, int reverse,
                      cy_override_value ***out) {
    cy_override_value **items = ov_alloc(e->a, (n ? n : 1) * sizeof *items);
    if (!items)
        return nomem(e);
    if (n)
        memcpy(items, src, n * sizeof *items);
    char *msg = NULL;
    int rc = ov_py_sort(items, n, reverse, &msg);
    if (rc == -2)
        return nomem(e);
    if (rc < 0) {
        pyerr(e, CY_EPARSE, "TypeError", "%s", msg);
        free(msg);
        return -1;
    }
    *out = items;
    return 0;
}

static int sort_sweep(ev *e, cy_override_value *sweep, int reverse, cy_override_value **out) {
    cy_override_value *r;
    NEW(r, ov_shallow_copy(e->a, sweep));
    if (r->kind == CY_OV_CHOICE) {
        if (sort_items(e, sweep->u.choice.items, sweep->u.choice.count, reverse,
                       &r->u.choice.items) < 0)
            return -1;
        *out = r;
        return 0;
    }
    cy_override_value *start = sweep->u.range.start, *stop = sweep->u.range.stop,
                      *step = sweep->u.range.step, *as = NULL;
    int flip = !reverse ? num_lt(stop, start) : num_lt(start, stop);
    if (flip) {
        if (py_abs(e, step, &as) < 0 || py_addsub(e, stop, as, reverse, &r->u.range.start) < 0 ||
            py_addsub(e, start, as, reverse, &r->u.range.stop) < 0 ||
            py_neg(e, step, &r->u.range.step) < 0)
            return -1;
    }
    *out = r;
    return 0;
}

static int tuple_repr(ev *e, cy_override_value **items, size_t n) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "Invalid arguments: (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            cy__sb_puts(&b, ", ");
        ov_value_repr(&b, items[i]);
    }
    cy__sb_puts(&b, n == 1 ? ",)" : ")");
    if (b.oom) {
        cy__sb_free(&b);
        return nomem(e);
    }
    return pyerr_sb(e, CY_EPARSE, "TypeError", &b);
}

static int sort_one(ev *e, cy_override_value *arg, int reverse, cy_override_value **out) {
    if (arg->kind == CY_OV_CHOICE || arg->kind == CY_OV_RANGE)
        return sort_sweep(e, arg, reverse, out);
    if (arg->kind == CY_OV_LIST) {
        cy_override_value *r;
        NEW(r, ov_shallow_copy(e->a, arg));
        if (sort_items(e, arg->u.list.items, arg->u.list.count, reverse, &r->u.list.items) < 0)
            return -1;
        *out = r;
        return 0;
    }
    if (ov_is_sweep(arg) || arg->kind == CY_OV_GLOB)
        return tuple_repr(e, &arg, 1);
    *out = arg; /* a single value is returned as is */
    return 0;
}

static int fn_sort(ev *e, call *c, cy_override_value **out) {
    cy_override_value *sweep = given(c, 1), *list = given(c, 2);
    int reverse = c->bound[3] ? c->bound[3]->u.boolean : 0;
    if (list)
        return sort_one(e, list, reverse, out);
    if (sweep)
        return sort_sweep(e, sweep, reverse, out);
    if (c->nvar == 1)
        return sort_one(e, c->var[0], reverse, out);
    for (size_t i = 0; i < c->nvar; i++) {
        cy_override_kind k = c->var[i]->kind;
        if (k != CY_OV_INT && k != CY_OV_FLOAT && k != CY_OV_BOOL && k != CY_OV_STRING)
            return tuple_repr(e, c->var, c->nvar);
    }
    if (c->nvar == 0)
        return pyerr(e, CY_EPARSE, "ValueError", "empty sort input");
    cy_override_value *cw;
    if (simple_choice(e, c->var, c->nvar, &cw) < 0)
        return -1;
    return sort_sweep(e, cw, reverse, out);
}

static int as_pattern_list(ev *e, cy_override_value *v, cy_override_value ***items, size_t *n) {
    if (!v) {
        *items = NULL;
        *n = 0;
        return 0;
    }
    if (v->kind == CY_OV_LIST) {
        *items = v->u.list.items;
        *n = v->u.list.count;
        return 0;
    }
    cy_override_value **one = ov_alloc(e->a, sizeof *one);
    if (!one)
        return nomem(e);
    one[0] = v;
    *items = one;
    *n = 1;
    return 0;
}

static int fn_glob(ev *e, call *c, cy_override_value **out) {
    cy_override_value *r;
    NEW(r, ov_new(e->a, CY_OV_GLOB));
    if (as_pattern_list(e, c->bound[0], &r->u.glob.include, &r->u.glob.ninclude) < 0 ||
        as_pattern_list(e, given(c, 1), &r->u.glob.exclude, &r->u.glob.nexclude) < 0)
        return -1;
    *out = r;
    return 0;
}

/* Registered in alphabetical order, which is also the order of "Available: ...". */
static const fndef functions[] = {
    {"bool", {{"args", P_VAR, 0, PT_CAST}, {"value", P_KW, 1, PT_CAST}}, 2, fn_bool},
    {"choice", {{"args", P_VAR, 0, PT_CHOICE_ARG}}, 1, fn_choice},
    {"float", {{"args", P_VAR, 0, PT_CAST}, {"value", P_KW, 1, PT_CAST}}, 2, fn_float},
    {"glob",
     {{"include", P_POS, 0, PT_STR_OR_LIST}, {"exclude", P_POS, 1, PT_OPT_STR_OR_LIST}},
     2,
     fn_glob},
    {"int", {{"args", P_VAR, 0, PT_CAST}, {"value", P_KW, 1, PT_CAST}}, 2, fn_int},
    {"interval", {{"start", P_POS, 0, PT_NUM}, {"end", P_POS, 0, PT_NUM}}, 2, fn_interval},
    {"range",
     {{"start", P_POS, 0, PT_NUM}, {"stop", P_POS, 1, PT_OPT_NUM}, {"step", P_POS, 1, PT_NUM}},
     3,
     fn_range},
    {"shuffle",
     {{"args", P_VAR, 0, PT_SHUF_ARG},
      {"sweep", P_KW, 1, PT_OPT_CR},
      {"list", P_KW, 1, PT_OPT_LIST}},
     3,
     fn_shuffle},
    {"sort",
     {{"args", P_VAR, 0, PT_SHUF_ARG},
      {"sweep", P_KW, 1, PT_OPT_CR},
      {"list", P_KW, 1, PT_OPT_LIST},
      {"reverse", P_KW, 1, PT_BOOL}},
     4,
     fn_sort},
    {"str", {{"args", P_VAR, 0, PT_CAST}, {"value", P_KW, 1, PT_CAST}}, 2, fn_str},
    {"tag", {{"args", P_VAR, 0, PT_TAG_ARG}, {"sweep", P_KW, 1, PT_OPT_SWEEP}}, 2, fn_tag},
};

/* ---------------------------------------------------------------------------------------------
 * The visitor
 */

static int visit_element(ev *e, const snode *n, cy_override_value **out);

/* Functions.eval passes top-level quoted strings as plain strings. */
static cy_override_value *unquote(ev *e, cy_override_value *v) {
    if (v->kind != CY_OV_QUOTED)
        return v;
    cy_override_value *r = ov_shallow_copy(e->a, v);
    if (r) {
        r->kind = CY_OV_STRING;
        r->u.str.quote = 0;
    }
    return r;
}

static int visit_function(ev *e, const snode *n, cy_override_value **out) {
    const ov_parse_tree *t = e->t;
    size_t nlen;
    const char *name = tok_text(e, n->first, &nlen);
    call c;
    memset(&c, 0, sizeof c);
    c.args = ov_alloc(e->a, (n->count ? n->count : 1) * sizeof *c.args);
    c.kwnames = ov_alloc(e->a, (n->count ? n->count : 1) * sizeof *c.kwnames);
    c.kwvals = ov_alloc(e->a, (n->count ? n->count : 1) * sizeof *c.kwvals);
    if (!c.args || !c.kwnames || !c.kwvals)
        return out_of_memory(e);
    int in_kwargs = 0;
    for (size_t i = 0; i < n->count; i++) {
        cy_override_value *v;
        if (n->arg_name[i] != SIZE_MAX) {
            in_kwargs = 1;
            size_t kl;
            const char *ks = tok_text(e, n->arg_name[i], &kl);
            char *kname = ov_strndup(e->a, ks, kl);
            if (!kname)
                return out_of_memory(e);
            if (visit_element(e, n->items[i], &v) < 0)
                return -1;
            if (!(v = unquote(e, v)))
                return out_of_memory(e);
            long k = kw_index(&c, kname);
            if (k >= 0) {
                c.kwvals[k] = v;
            } else {
                c.kwnames[c.nkw] = kname;
                c.kwvals[c.nkw++] = v;
            }
        } else {
            if (in_kwargs)
                return visitor_error(e, CY_EPARSE, t->toks[n->first].start,
                                     "positional argument follows keyword argument");
            if (visit_element(e, n->items[i], &v) < 0)
                return -1;
            if (!(v = unquote(e, v)))
                return out_of_memory(e);
            c.args[c.nargs++] = v;
        }
    }
    const fndef *f = NULL;
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
        if (strlen(functions[i].name) == nlen && memcmp(functions[i].name, name, nlen) == 0)
            f = &functions[i];
    int rc;
    if (!f) {
        cy_sbuf b = {0};
        cy__sb_puts(&b, "Unknown function '");
        cy__sb_putn(&b, name, nlen);
        cy__sb_puts(
            &b, "'\nAvailable: bool,choice,float,glob,int,interval,range,shuffle,sort,str,tag\n");
        rc = pyerr_sb(e, CY_EPARSE, "HydraException", &b);
    } else {
        rc = bind(e, f, &c);
        if (rc == 0)
            rc = f->impl(e, &c, out);
    }
    if (rc == 0)
        return 0;
    if (e->fcode == CY_ENOMEM || e->fmsg.oom)
        return out_of_memory(e);
    /* "<Exception> while evaluating '<ctx.getText()>': <message>" */
    size_t from = t->toks[n->first].start, to = t->toks[n->last].end;
    cy_sbuf b = {0};
    cy__sb_printf(&b, "%s while evaluating '", e->fexc);
    cy__sb_putn(&b, t->src + from, to - from);
    cy__sb_puts(&b, "': ");
    if (e->fmsg.s)
        cy__sb_putn(&b, e->fmsg.s, e->fmsg.len);
    char *detail = cy__sb_take(&b);
    if (!detail)
        return out_of_memory(e);
    ov_set_error(e->err, e->fcode, "OverrideParseException", t->src, from, 1, detail);
    free(detail);
    return -1;
}

/* Dicts are built with a hash index once they grow (Python dict semantics without the quadratic
 * scan): equal keys must hash alike, so numbers hash by value (1, 1.0 and true together). */
typedef struct keyindex {
    size_t *slots; /* entry index + 1, 0 = empty */
    size_t cap;
} keyindex;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    return x;
}

static uint64_t key_hash(const cy_override_value *k) {
    switch (k->kind) {
    case CY_OV_STRING:
    case CY_OV_QUOTED: {
        uint64_t h = 1469598103934665603ull;
        for (size_t i = 0; i < k->u.str.len; i++)
            h = (h ^ (unsigned char)k->u.str.text[i]) * 1099511628211ull;
        return mix(h ^ 0x5151);
    }
    case CY_OV_INT:
        return mix((uint64_t)k->u.integer);
    case CY_OV_BOOL:
        return mix((uint64_t)(k->u.boolean != 0));
    case CY_OV_FLOAT: {
        double d = k->u.flt.value;
        if (isnan(d))
            return mix((uint64_t)(uintptr_t)k); /* NaN keys never collide */
        if (d == trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            return mix((uint64_t)(int64_t)d);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix(bits);
    }
    default:
        return 0x9E3779B97F4A7C15ull;
    }
}

static int index_insert(keyindex *ix, const cy_override_value *const *keys, size_t entry) {
    size_t mask = ix->cap - 1, i = (size_t)key_hash(keys[entry]) & mask;
    while (ix->slots[i])
        i = (i + 1) & mask;
    ix->slots[i] = entry + 1;
    return 0;
}

static int index_rebuild(keyindex *ix, const cy_override_value *const *keys, size_t n) {
    size_t cap = 64;
    while (cap < 4 * n)
        cap *= 2;
    size_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    for (size_t i = 0; i < n; i++)
        index_insert(ix, keys, i);
    return 0;
}

/* Index of an equal key, or SIZE_MAX. */
static size_t index_find(const keyindex *ix, cy_override_value *const *keys,
                         const cy_override_value *k) {
    size_t mask = ix->cap - 1, i = (size_t)key_hash(k) & mask;
    for (; ix->slots[i]; i = (i + 1) & mask)
        if (ov_py_key_eq(keys[ix->slots[i] - 1], k))
            return ix->slots[i] - 1;
    return SIZE_MAX;
}

static int dict_put(ev *e, cy_override_value *d, size_t *cap, keyindex *ix, cy_override_value *k,
                    cy_override_value *v) {
    size_t n = d->u.dict.count, found = SIZE_MAX;
    if (ix->slots) {
        found = index_find(ix, d->u.dict.keys, k);
    } else {
        for (size_t i = 0; i < n && found == SIZE_MAX; i++)
            if (ov_py_key_eq(d->u.dict.keys[i], k))
                found = i;
    }
    if (found != SIZE_MAX) {
        d->u.dict.values[found] = v; /* Python keeps the first key, takes the last value */
        return 0;
    }
    if (n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        cy_override_value **nk = ov_alloc(e->a, nc * sizeof *nk);
        cy_override_value **nv = ov_alloc(e->a, nc * sizeof *nv);
        if (!nk || !nv)
            return out_of_memory(e);
        if (n) {
            memcpy(nk, d->u.dict.keys, n * sizeof *nk);
            memcpy(nv, d->u.dict.values, n * sizeof *nv);
        }
        d->u.dict.keys = nk;
        d->u.dict.values = nv;
        *cap = nc;
    }
    d->u.dict.keys[n] = k;
    d->u.dict.values[n] = v;
    d->u.dict.count = n + 1;
    if (n + 1 >= 16 && (!ix->slots || 4 * (n + 1) > ix->cap)) {
        if (index_rebuild(ix, (const cy_override_value *const *)d->u.dict.keys, n + 1) < 0)
            return out_of_memory(e);
    } else if (ix->slots) {
        index_insert(ix, (const cy_override_value *const *)d->u.dict.keys, n);
    }
    return 0;
}

static int visit_items(ev *e, const snode *n, cy_override_value ***items) {
    cy_override_value **r = ov_alloc(e->a, (n->count ? n->count : 1) * sizeof *r);
    if (!r)
        return out_of_memory(e);
    for (size_t i = 0; i < n->count; i++)
        if (visit_element(e, n->items[i], &r[i]) < 0)
            return -1;
    *items = r;
    return 0;
}

static int visit_element(ev *e, const snode *n, cy_override_value **out) {
    cy_override_value *v;
    switch (n->kind) {
    case N_PRIMITIVE:
        return create_primitive(e, n->first, n->last, out);
    case N_FUNCTION:
        return visit_function(e, n, out);
    case N_LIST:
        if (!(v = ov_new(e->a, CY_OV_LIST)))
            return out_of_memory(e);
        if (visit_items(e, n, &v->u.list.items) < 0)
            return -1;
        v->u.list.count = n->count;
        *out = v;
        return 0;
    case N_SWEEP:
        if (!(v = ov_new(e->a, CY_OV_CHOICE)))
            return out_of_memory(e);
        if (visit_items(e, n, &v->u.choice.items) < 0)
            return -1;
        v->u.choice.count = n->count;
        v->u.choice.simple_form = 1;
        *out = v;
        return 0;
    case N_DICT: {
        if (!(v = ov_new(e->a, CY_OV_DICT)))
            return out_of_memory(e);
        size_t cap = 0;
        keyindex ix = {NULL, 0};
        for (size_t i = 0; i < n->count; i++) {
            cy_override_value *k, *val;
            if (create_primitive(e, n->key_first[i], n->key_last[i], &k) < 0 ||
                visit_element(e, n->items[i], &val) < 0 || dict_put(e, v, &cap, &ix, k, val) < 0) {
                free(ix.slots);
                return -1;
            }
        }
        free(ix.slots);
        *out = v;
        return 0;
    }
    }
    return -1;
}

int ov_eval(cy_override_value **out, ov_arena *a, const ov_parse_tree *t, ov_rng *rng,
            cy_override_error *err) {
    ev e;
    memset(&e, 0, sizeof e);
    e.a = a;
    e.t = t;
    e.rng = rng;
    e.err = err;
    *out = NULL;
    int rc = 0;
    if (t->value) {
        if (visit_element(&e, t->value, out) < 0)
            rc = err && err->code ? err->code : CY_ERROR;
    } else if (t->has_equal) {
        if (!(*out = ov_new_str(a, "", 0)))
            rc = out_of_memory(&e) < 0 ? CY_ENOMEM : 0;
    }
    cy__sb_free(&e.fmsg);
    return rc;
}
