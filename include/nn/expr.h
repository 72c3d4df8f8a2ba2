/*
 * nn/expr.h - a small evaluator of Python arithmetic expressions, for lr_lambda and scale_fn.
 *
 * PyTorch's LambdaLR and MultiplicativeLR take a Python function of the epoch; CyclicLR takes a
 * scale_fn of the cycle or iteration. A config cannot hold a function, so it holds the body as a
 * string, `lr_lambda: "0.95 ** epoch"`, and this module evaluates it with Python's semantics:
 *
 *     nn_expr *e;
 *     nn_expr_error err;
 *     const char *vars[] = {"epoch"};
 *     if (nn_expr_parse(&e, "0.95 ** epoch if epoch < 10 else 0.5", vars, 1, &err) != NN_OK)
 *         printf("%s\n", err.msg);   // "... at position 7: ..."
 *     nn_expr_value arg = nn_expr_int(12), out;
 *     nn_expr_eval(e, &arg, &out, &err);  // out.kind == NN_EXPR_FLOAT, out.f == 0.5
 *     nn_expr_free(e);
 *
 * The language is Python's expression grammar restricted to numbers:
 *   - literals: ints (decimal, 0x/0o/0b, underscores), floats (1., .5, 1e-3), True, False;
 *     constants pi, e, tau, inf, nan (also as math.pi ...);
 *   - the variables named at parse time; a leading `lambda x:` (or `lambda x, y:`) is accepted and
 *     renames them positionally, so "lambda epoch: 0.95 ** epoch" works too;
 *   - + - * / // % ** (right-associative; -2**2 == -4, 2**-1 == 0.5), unary + - ~, the int
 *     operators | ^ & << >>,
 *     comparisons < <= > >= == != (chained: 0 < epoch < 10), not, and, or (returning an operand,
 *     as Python), `a if c else b`, parentheses;
 *   - functions, with or without the `math.` prefix: exp expm1 log (1 or 2 args) log2 log10 log1p
 *     sqrt sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh pow fabs fmod hypot
 *     floor ceil trunc (these three return ints) copysign degrees radians isnan isinf isfinite,
 *     and the builtins abs min max round int float bool.
 * Values keep Python's types: ints (epoch is an int), floats and bools; int / int is a float,
 * // and % floor as Python does (also on floats and negatives), int ** int stays an int.
 * Python's errors become error returns with Python's text ("ZeroDivisionError: float division by
 * zero", "ValueError: math domain error"). One deliberate difference: ints are 64-bit, and an int
 * result that Python would make bigger is an "OverflowError: integer overflow" here.
 *
 * Ownership: nn_expr_parse returns an expression the caller frees with nn_expr_free. Evaluation
 * does not allocate and is thread-safe on a shared expression.
 */
#ifndef NN_EXPR_H
#define NN_EXPR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_expr_kind { NN_EXPR_INT, NN_EXPR_FLOAT, NN_EXPR_BOOL } nn_expr_kind;

/* A Python number: an int (i), a float (f) or a bool (i is 0 or 1). */
typedef struct nn_expr_value {
    nn_expr_kind kind;
    int64_t i;
    double f;
} nn_expr_value;

/* Where and why parsing or evaluation failed. pos is the 0-based character offset in the source
 * for syntax errors and -1 for evaluation errors; msg is one line. */
typedef struct nn_expr_error {
    int pos;
    char msg[256];
} nn_expr_error;

typedef struct nn_expr nn_expr;

/* Parses src with the variables vars[0..nvars) (at most 8). Returns NN_OK or NN_EINVAL (syntax
 * error: err->pos and err->msg say where and what; the message is also nn_error_last()) or
 * NN_ENOMEM. err may be NULL. */
int nn_expr_parse(nn_expr **out, const char *src, const char *const *vars, int nvars,
                  nn_expr_error *err);

/* Evaluates e with args[i] bound to vars[i]. Returns NN_OK or NN_EINVAL with Python's exception
 * ("ZeroDivisionError: ...") in err->msg and nn_error_last(). err may be NULL. */
int nn_expr_eval(const nn_expr *e, const nn_expr_value *args, nn_expr_value *out,
                 nn_expr_error *err);

/* The source text the expression was parsed from (borrowed). */
const char *nn_expr_source(const nn_expr *e);

void nn_expr_free(nn_expr *e);

/* Value helpers. */
static inline nn_expr_value nn_expr_int(int64_t i) {
    nn_expr_value v = {NN_EXPR_INT, i, 0.0};
    return v;
}
static inline nn_expr_value nn_expr_float(double f) {
    nn_expr_value v = {NN_EXPR_FLOAT, 0, f};
    return v;
}
/* The value as a Python float() would give it. */
static inline double nn_expr_as_double(nn_expr_value v) {
    return v.kind == NN_EXPR_FLOAT ? v.f : (double)v.i;
}

/* Writes Python's repr() of v ("3", "0.5", "1e-05", "True", "inf") into buf (>= 32 bytes). */
char *nn_expr_repr(nn_expr_value v, char *buf, int cap);

#ifdef __cplusplus
}
#endif

#endif
