/*
 * yaml_internal.h - what the YAML loader and emitter share (yaml_scalar.c, yaml_load.c,
 * yaml_emit.c).
 *
 * Two resolvers live here because PyYAML uses two: OmegaConf's loader (SafeLoader's implicit
 * resolvers with OmegaConf's float pattern added and timestamps removed) types what we read, and
 * PyYAML's default resolver (yaml.Dumper's, timestamps and all) decides whether the emitter may
 * write a string plain. Python's int() and float() are reproduced too, because OmegaConf's
 * dumper quotes every string they accept (" 1", "1_0", "١٢", "-Infinity").
 */
#ifndef CYDRA_YAML_INTERNAL_H
#define CYDRA_YAML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cydra/node.h"

/* The tag a plain scalar resolves to (tag:yaml.org,2002:<name>). */
typedef enum ytag {
    YT_STR,
    YT_NULL,
    YT_BOOL,
    YT_INT,
    YT_FLOAT,
    YT_MERGE,     /* "<<" */
    YT_VALUE,     /* "=" */
    YT_TIMESTAMP, /* dumper only: OmegaConf's loader does not resolve timestamps */
    YT_YAML,      /* "!", "&", "*": PyYAML's documentation-only resolver */
} ytag;

/* The tag OmegaConf's loader gives the plain scalar s[0..n). */
ytag cy__yaml_resolve_load(const char *s, size_t n);
/* The tag PyYAML's default resolver (used by yaml.Dumper) gives it. */
ytag cy__yaml_resolve_dump(const char *s, size_t n);

/* Outcome of a Python-style number conversion. */
typedef enum { PYNUM_OK = 0, PYNUM_INVALID, PYNUM_RANGE } pynum_status;

/* Python's int(s, base) (base 2, 8, 10 or 16): white space, sign, underscores, a matching 0b/0o/0x
 * prefix for bases 2/8/16 and any Unicode decimal digit, as Python 3.11 accepts them. PYNUM_RANGE
 * when Python would accept it but it does not fit int64. */
pynum_status cy__yaml_py_int(const char *s, size_t n, int base, int64_t *out);
/* Python's float(s). */
pynum_status cy__yaml_py_float(const char *s, size_t n, double *out);

/* OmegaConf's _utils.is_int / is_float / yaml_is_bool: the tests its dumper quotes strings by. */
bool cy__yaml_py_is_int(const char *s, size_t n);
bool cy__yaml_py_is_float(const char *s, size_t n);
bool cy__yaml_is_bool_word(const char *s, size_t n);

/* SafeConstructor's construct_yaml_int / construct_yaml_float / construct_yaml_bool on a scalar's
 * text (implicitly resolved or explicitly tagged). On failure they return a negative cy_err and
 * write a one-line reason (no position) into why. */
int cy__yaml_construct_int(const char *s, size_t n, int64_t *out, char why[160]);
int cy__yaml_construct_float(const char *s, size_t n, double *out, char why[160]);
int cy__yaml_construct_bool(const char *s, size_t n, bool *out, char why[160]);

/* Decodes one UTF-8 character of s[0..n) (n > 0) into *cp and returns its length. A byte that
 * does not start a valid, shortest-form, non-surrogate sequence decodes alone to 0xDC00 + byte,
 * as Python's surrogateescape error handler does, so any byte string has a meaning. */
size_t cy__utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* PyYAML's represent_float: "1.0", "1.0e-06", ".inf", "-.inf", ".nan". buf >= 40. */
char *cy__yaml_float_text(double f, char buf[40]);

#endif
