/*
 * internal.h - private pieces of the override parser (src/cydra/override).
 *
 * The module is split by noun:
 *   arena.c     a bump allocator (one per parsed override) and error filling; strings are built
 *               in cy_sbuf (cydra/config/sbuf.h)
 *   lexer.c     OverrideLexer.g4 as a hand-written longest-match lexer with its two modes
 *   parser.c    OverrideParser.g4 as recursive descent that reproduces ANTLR's prediction and
 *               error reporting (the messages Hydra prints come from ANTLR's error strategy)
 *   eval.c      the visitor: primitives, containers, and the grammar functions (casts, choice,
 *               range, interval, glob, tag, sort, shuffle) with Hydra's semantics and messages
 *   pyfmt.c     Python formatting: float repr, str repr, repr() of values, Hydra's escaping
 *   pyobj.c     Python semantics the functions need: ==, <, dict keys, sorting (CPython's sort)
 *   decimal.c   the 28-digit decimal arithmetic of Hydra's float ranges
 *   sweep.c     sweep expansion and glob matching (fnmatch)
 *   override.c  the public API
 */
#ifndef CYDRA_OVERRIDE_INTERNAL_H
#define CYDRA_OVERRIDE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cydra/config/sbuf.h"
#include "cydra/override.h"

/* ---------------------------------------------------------------------------------------------
 * Memory
 */

typedef struct ov_arena ov_arena;

ov_arena *ov_arena_new(void);
void ov_arena_free(ov_arena *a);
/* Zeroed memory; NULL when out of memory. */
void *ov_alloc(ov_arena *a, size_t n);
char *ov_strndup(ov_arena *a, const char *s, size_t n);
char *ov_strdup(ov_arena *a, const char *s);

/* ---------------------------------------------------------------------------------------------
 * Tokens (the numbering of OverrideLexer.tokens: ANTLR sorts expected-token sets by it)
 */

enum {
    T_EOF = -1,
    T_EQUAL = 1,
    T_TILDE,
    T_PLUS,
    T_AT,
    T_COLON,
    T_SLASH,
    T_KEY_SPECIAL,
    T_DOT_PATH,
    T_POPEN,
    T_COMMA,
    T_PCLOSE,
    T_BRACKET_OPEN,
    T_BRACKET_CLOSE,
    T_BRACE_OPEN,
    T_BRACE_CLOSE,
    T_FLOAT,
    T_INT,
    T_BOOL,
    T_NULL,
    T_UNQUOTED_CHAR,
    T_ID,
    T_ESC,
    T_WS,
    T_QUOTED_VALUE,
    T_INTERPOLATION,
    T_NTYPES
};

typedef struct token {
    int type;
    size_t start, end; /* byte range in the input, end exclusive (start == end for EOF) */
} token;

typedef struct lexer {
    const char *src;
    size_t len, pos;
    int value_mode; /* 0: DEFAULT_MODE (the key), 1: VALUE_MODE (after the first '=') */
    int done;
    size_t no_close_from; /* no '}' at or after this position (SIZE_MAX: unknown) */
} lexer;

void lexer_init(lexer *lx, const char *src, size_t len);
/* The next token. Returns 0, or -1 on a token recognition error at byte lx->pos (no rule of
 * the current mode matches the character there). */
int lexer_next(lexer *lx, token *out);

/* Token display name as ANTLR prints it in expected sets ("'~'", "EQUAL", "<EOF>"). */
const char *tok_display_name(int type);

/* ---------------------------------------------------------------------------------------------
 * Syntax tree (what the parser hands to the visitor)
 */

typedef enum snode_kind { N_PRIMITIVE, N_LIST, N_DICT, N_FUNCTION, N_SWEEP } snode_kind;

typedef struct snode snode;
struct snode {
    snode_kind kind;
    size_t first, last; /* token index range, inclusive (PRIMITIVE: its tokens; FUNCTION: name to
                           ')'; DICT: '{' to '}'; LIST: '[' to ']') */
    snode **items;      /* LIST/SWEEP elements, DICT values, FUNCTION arguments */
    size_t *key_first;  /* DICT: token range of each key */
    size_t *key_last;
    size_t *arg_name; /* FUNCTION: token index of each argument's name, or SIZE_MAX */
    size_t count;
};

typedef struct ov_parse_tree {
    const char *src;
    token *toks;
    size_t ntoks;
    int type;                  /* cy_override_type */
    size_t key_first, key_end; /* packageOrGroup tokens [key_first, key_end), maybe none */
    int has_package;           /* '@' present */
    size_t pkg_first, pkg_end; /* package tokens, maybe none */
    int has_equal;             /* an '=' follows the key */
    snode *value;              /* NULL: no value (~key or key=) */
} ov_parse_tree;

/* Parses `src` (a whole override) into a tree allocated in `a`. On error fills err (code,
 * offset, column, detail, message) and returns a negative code. */
int ov_parse(ov_parse_tree *out, ov_arena *a, const char *src, int max_depth,
             cy_override_error *err);

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

#define OV_GRAMMAR_URL "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details"

/* Sets err (when not NULL): code, position, the inner text `detail`, and Hydra's full message
 * built from it: with_prefix adds the "Error parsing override '<text>'" line above. */
int ov_set_error(cy_override_error *err, int code, const char *exc, const char *text, size_t offset,
                 int with_prefix, const char *detail);
/* Sets an error whose message is exactly `message` (no prefix, no URL line). */
int ov_set_error_raw(cy_override_error *err, int code, const char *exc, const char *message);
size_t ov_utf8_column(const char *s, size_t byte_offset);

/* ---------------------------------------------------------------------------------------------
 * Values
 */

cy_override_value *ov_new(ov_arena *a, cy_override_kind kind);
cy_override_value *ov_new_int(ov_arena *a, int64_t v);
cy_override_value *ov_new_float(ov_arena *a, double v);
cy_override_value *ov_new_bool(ov_arena *a, int v);
cy_override_value *ov_new_str(ov_arena *a, const char *s, size_t n);
/* A shallow copy (containers share their items). */
cy_override_value *ov_shallow_copy(ov_arena *a, const cy_override_value *v);
int ov_is_sweep(const cy_override_value *v);

/* Python's type(v).__name__: "int", "str", "NoneType", "QuotedString", "ChoiceSweep"... */
const char *ov_py_type_name(const cy_override_value *v);

/* ---------------------------------------------------------------------------------------------
 * Python formatting (pyfmt.c)
 */

/* repr(float): shortest round-trip digits, Python's layout ("0.1", "1e-05", "1e+16", "inf"). */
void ov_float_repr(double v, char buf[32]);
/* repr(str) of UTF-8 text: quotes chosen as Python does, escapes for the unprintable. */
void ov_str_repr(cy_sbuf *b, const char *s, size_t n);
/* repr() of a value as Python prints the object Hydra holds (QuotedString(...), ChoiceSweep(...)).
 */
void ov_value_repr(cy_sbuf *b, const cy_override_value *v);
/* str() of a value (strings bare, everything else as repr). */
void ov_value_str(cy_sbuf *b, const cy_override_value *v);
/* Hydra's escape_special_characters: a backslash before each of \()[]{}:=, and TAB/space. */
void ov_escape_special(cy_sbuf *b, const char *s, size_t n);
/* QuotedString.with_quotes(). */
void ov_with_quotes(cy_sbuf *b, const char *text, size_t n, char quote);
/* Override._get_value_element_as_str. Returns 0, or -1 with the exception Hydra raises in fe
 * (a sweep inside a list or dict; an unconvertible glob pattern). fe->msg must be initialised. */
typedef struct ov_fmt_error {
    const char *exc;
    cy_sbuf msg;
} ov_fmt_error;
int ov_element_str(cy_sbuf *b, const cy_override_value *v, int space_after_sep, ov_fmt_error *fe);

/* ---------------------------------------------------------------------------------------------
 * Python objects (pyobj.c)
 */

/* Python ==. */
int ov_py_eq(const cy_override_value *a, const cy_override_value *b);
/* Python a < b: 1/0, or -1 with bad_a and bad_b set to the pair that cannot be ordered. */
int ov_py_lt(const cy_override_value *a, const cy_override_value *b,
             const cy_override_value **bad_a, const cy_override_value **bad_b);
/* sorted(items, reverse=reverse) with CPython's comparison order. Returns 0, or -1 with the
 * TypeError text in *msg (heap). */
int ov_py_sort(cy_override_value **items, size_t n, int reverse, char **msg);
/* Python dict key equality (1 == 1.0 == True; NaN keys never collide). */
int ov_py_key_eq(const cy_override_value *a, const cy_override_value *b);

/* ---------------------------------------------------------------------------------------------
 * Evaluation (eval.c)
 */

typedef struct ov_rng {
    uint64_t s[2];
} ov_rng;
void ov_rng_seed(ov_rng *r, uint64_t seed);
uint64_t ov_rng_next(ov_rng *r);
/* A uniform integer in [0, n). */
uint64_t ov_rng_below(ov_rng *r, uint64_t n);
/* Fisher-Yates, as random.shuffle. */
void ov_shuffle(ov_rng *r, cy_override_value **items, size_t n);

/* Visits the tree: evaluates primitives and functions. On success *out is the value (NULL when
 * the override has none) allocated in `a`. */
int ov_eval(cy_override_value **out, ov_arena *a, const ov_parse_tree *t, ov_rng *rng,
            cy_override_error *err);

/* ---------------------------------------------------------------------------------------------
 * Decimal (decimal.c): Python's decimal with the default context (28 digits, ROUND_HALF_EVEN)
 */

typedef struct ov_dec {
    int sign;        /* 1 negative */
    int special;     /* 0 finite, 1 infinity, 2 NaN */
    int32_t exp;     /* value = coef * 10^exp */
    uint8_t *digits; /* coefficient, most significant first, no leading zeros (zero: ndig 0) */
    size_t ndig;
} ov_dec;

void ov_dec_free(ov_dec *d);
int ov_dec_from_double(ov_dec *d, double v);
int ov_dec_from_int(ov_dec *d, int64_t v);
/* r = a + b rounded to 28 significant digits (r may alias a). */
int ov_dec_add(ov_dec *r, const ov_dec *a, const ov_dec *b);
/* -1, 0, 1; -2 when NaN is involved (Python raises InvalidOperation). */
int ov_dec_cmp(const ov_dec *a, const ov_dec *b);
/* Sign of d compared to 0: -1, 0, 1; -2 for NaN. */
int ov_dec_sign(const ov_dec *d);
double ov_dec_to_double(const ov_dec *d);
/* str(Decimal). */
void ov_dec_str(cy_sbuf *b, const ov_dec *d);

/* ---------------------------------------------------------------------------------------------
 * Glob (sweep.c)
 */

/* fnmatch.fnmatchcase(name, pattern). */
int ov_fnmatch(const char *pattern, const char *name);

#endif
