/*
 * cydra/override.h - Hydra 1.3's command-line override grammar.
 *
 * One command-line argument such as `adadelta.lr=0.1`, `+db=mysql`, `~seed` or
 * `lr=range(0,1,0.1)` is parsed into a cy_override: what to do (change, add `+`, force-add `++`,
 * delete `~`), the key or config group (`a.b`, `hydra/launcher`), an optional package after `@`,
 * and the value, typed as Hydra types it - null, bool, int, float, plain or quoted string, list,
 * dict, or a sweep (`a,b`, choice(), range(), interval(), glob()). Grammar functions (int(),
 * float(), str(), bool(), choice(), range(), interval(), glob(), tag(), sort(), shuffle()) are
 * evaluated while parsing, exactly as Hydra's visitor does, and every error carries the text
 * Hydra prints for the same input (ANTLR's "no viable alternative at input '[1,'", "missing EQUAL
 * at '<EOF>'", the LexerNoViableAltException caret line, "ValueError while evaluating
 * 'int(abc)': ...").
 *
 *     cy_override *ov;
 *     cy_override_error err = CY_OVERRIDE_ERROR_INIT;
 *     if (cy_override_parse(&ov, "lr=choice(0.1,0.01)", &err) < 0) {
 *         fprintf(stderr, "%s\n", err.message);        // Hydra's text, several lines
 *         cy_override_error_clear(&err);
 *         return -1;
 *     }
 *     if (cy_override_is_sweep(ov)) {                  // a job per value: lr=0.1, lr=0.01
 *         char **jobs; size_t n;
 *         cy_override_sweep_strings(&jobs, &n, ov, NULL, &err);
 *         ...
 *         cy_override_strings_free(jobs, n);
 *     }
 *     cy_override_free(ov);
 *
 * The parser knows nothing of config trees: composition converts values into nodes. Parsing
 * never prints, never exits, and never recurses deeper than max_depth nested lists, dicts and
 * function calls (an error names the position), so hostile input cannot exhaust the stack.
 *
 * Ownership: cy_override_parse hands the override to the caller, who frees it with
 * cy_override_free. Values reached from an override are borrowed and live as long as it does.
 * Functions returning `char **out` hand a heap string to the caller (free()).
 * cy_override_error holds heap strings released by cy_override_error_clear.
 *
 * Differences from Hydra are listed in docs/override-grammar.md: integers are 64-bit (larger ones
 * are an error, Python's are unbounded), shuffle uses this library's generator, tags are kept
 * sorted (Python's set has no order).
 */
#ifndef CYDRA_OVERRIDE_H
#define CYDRA_OVERRIDE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

/* Codes are cydra/error.h's cy_err values: CY_EPARSE (syntax, lexer and function-evaluation
 * errors: Hydra's OverrideParseException), CY_ELIMIT (nesting deeper than max_depth, an integer
 * outside int64, a sweep too long to expand), CY_ENOMEM, CY_ERROR (anything else, e.g. a sweep
 * that Hydra cannot iterate). */
typedef struct cy_override_error {
    int code;        /* 0 when no error */
    const char *exc; /* Python exception Hydra raises: "OverrideParseException" for parse errors;
                        "ValueError", "HydraException", ... for sweep expansion errors */
    size_t offset;   /* byte offset in the override where the error is (the offending token or
                        character; 0 when it is about the whole override) */
    size_t column;   /* the same position counted in characters (UTF-8 code points) */
    char *detail;    /* the inner message, e.g. "missing EQUAL at '<EOF>'" */
    char *message;   /* what Hydra prints, e.g. "Error parsing override 'epochs'\n
                        missing EQUAL at '<EOF>'\nSee https://hydra.cc/docs/1.2/advanced/
                        override_grammar/basic for details" */
} cy_override_error;

#define CY_OVERRIDE_ERROR_INIT                                                                     \
    { 0, NULL, 0, 0, NULL, NULL }

/* Releases the strings of err and resets it to CY_OVERRIDE_ERROR_INIT. NULL is allowed. */
void cy_override_error_clear(cy_override_error *err);

/* ---------------------------------------------------------------------------------------------
 * Values
 */

typedef enum cy_override_kind {
    CY_OV_NULL,     /* null, NULL */
    CY_OV_BOOL,     /* true, False, tRuE */
    CY_OV_INT,      /* 10, -3, +3, 1_000 (int64) */
    CY_OV_FLOAT,    /* 3.14, .5, 5., 1e-3, inf, -inf, nan */
    CY_OV_STRING,   /* unquoted text: foo, a b, 007, ${x}.pt, escapes resolved */
    CY_OV_QUOTED,   /* 'text' or "text": quote kept, escapes resolved */
    CY_OV_LIST,     /* [a,[b]] */
    CY_OV_DICT,     /* {a:1,b:{c:2}} */
    CY_OV_CHOICE,   /* a,b,c and choice(a,b,c) (Hydra's ChoiceSweep) */
    CY_OV_RANGE,    /* range(start,stop,step) (RangeSweep) */
    CY_OV_INTERVAL, /* interval(start,end) (IntervalSweep) */
    CY_OV_GLOB      /* glob(include,exclude) (Glob) */
} cy_override_kind;

typedef struct cy_override_value cy_override_value;

/* Sweep tags (tag(log,interval(0,1))): distinct strings in byte order. */
typedef struct cy_override_tags {
    const char **names;
    size_t count;
} cy_override_tags;

struct cy_override_value {
    cy_override_kind kind;
    union {
        int boolean;     /* BOOL */
        int64_t integer; /* INT */
        struct {
            double value;
            const char *text; /* the token as typed ("1_000.5", "+inf") or NULL when computed */
        } flt;                /* FLOAT */
        struct {
            const char *text; /* NUL-terminated, escapes resolved */
            size_t len;
            char quote;        /* QUOTED: '\'' or '"'; STRING: 0 */
            int interpolation; /* the text contains "${" (OmegaConf decides what it means) */
        } str;                 /* STRING, QUOTED */
        struct {
            cy_override_value **items;
            size_t count;
        } list; /* LIST */
        struct {
            cy_override_value **keys; /* NULL, BOOL, INT, FLOAT or STRING; distinct as Python
                                         dict keys (1, 1.0 and true are one key) */
            cy_override_value **values;
            size_t count;
        } dict; /* DICT, in the order written */
        struct {
            cy_override_value **items; /* any value, even a sweep (Hydra allows it) */
            size_t count;
            int simple_form; /* a,b,c (not choice(...)) */
            int shuffle;     /* shuffle(...): expand in random order */
            cy_override_tags tags;
        } choice; /* CHOICE */
        struct {
            cy_override_value *start, *stop, *step; /* INT, FLOAT or BOOL each; all
                                                       integral (INT/BOOL) -> an int range */
            int shuffle;
            cy_override_tags tags;
        } range; /* RANGE */
        struct {
            cy_override_value *start, *end; /* FLOAT, or INT after int(interval(...)) */
            cy_override_tags tags;
        } interval; /* INTERVAL */
        struct {
            cy_override_value **include; /* normally STRING patterns */
            size_t ninclude;
            cy_override_value **exclude;
            size_t nexclude;
        } glob; /* GLOB */
    } u;
};

/* ---------------------------------------------------------------------------------------------
 * Overrides
 */

typedef enum cy_override_type {
    CY_OVERRIDE_CHANGE,    /* key=value */
    CY_OVERRIDE_ADD,       /* +key=value */
    CY_OVERRIDE_FORCE_ADD, /* ++key=value */
    CY_OVERRIDE_DEL        /* ~key, ~key=value */
} cy_override_type;

/* Hydra's ValueType: what the value is, as sweepers see it. */
typedef enum cy_override_value_type {
    CY_OV_VT_NONE,                /* no value: ~key */
    CY_OV_VT_ELEMENT,             /* a plain value (also key= : the empty string) */
    CY_OV_VT_CHOICE_SWEEP,        /* choice(...) */
    CY_OV_VT_GLOB_CHOICE_SWEEP,   /* glob(...) */
    CY_OV_VT_SIMPLE_CHOICE_SWEEP, /* a,b,c */
    CY_OV_VT_RANGE_SWEEP,         /* range(...) */
    CY_OV_VT_INTERVAL_SWEEP       /* interval(...) */
} cy_override_value_type;

typedef struct cy_override {
    cy_override_type type;
    const char *key_or_group; /* "db", "a.b", "hydra/launcher", "" (for "=x") */
    const char *package;      /* after '@' ("" for "group@=x"), NULL when there is no '@' */
    cy_override_value_type value_type;
    cy_override_value *value;            /* NULL for CY_OV_VT_NONE */
    const char *input_line;              /* the override as typed */
    struct ov_arena *arena_;             /* private */
    const cy_override_value *converted_; /* private: cache of cy_override_python_value */
} cy_override;

typedef struct cy_override_parse_options {
    int max_depth; /* nesting limit for lists, dicts and function calls; 0: 256 */
    uint64_t seed; /* generator for shuffle() of lists; 0: seeded from the clock */
} cy_override_parse_options;

#define CY_OVERRIDE_PARSE_OPTIONS_INIT                                                             \
    { 0, 0 }

/* Parses one override (a whole command-line argument). Returns 0 and the override in *out, or a
 * negative code with *out NULL and err (when not NULL) filled. */
int cy_override_parse(cy_override **out, const char *text, cy_override_error *err);
int cy_override_parse_opts(cy_override **out, const char *text,
                           const cy_override_parse_options *opts, cy_override_error *err);

/* Frees the override and all its values. NULL is allowed. */
void cy_override_free(cy_override *ov);

/* Override.is_sweep_override(): the value is a sweep of any kind (a,b / choice / range /
 * interval / glob). Composition must reject these outside multirun. */
int cy_override_is_sweep(const cy_override *ov);
/* Hydra's further predicates: choice-like (a,b / choice / glob), range, interval, discrete
 * (choice or range: can be enumerated), hydra override (key starts with "hydra." or "hydra/"). */
int cy_override_is_choice_sweep(const cy_override *ov);
int cy_override_is_range_sweep(const cy_override *ov);
int cy_override_is_interval_sweep(const cy_override *ov);
int cy_override_is_discrete_sweep(const cy_override *ov);
int cy_override_is_hydra(const cy_override *ov);

/* "CHANGE", "ADD", "FORCE_ADD", "DEL" and "ELEMENT", "CHOICE_SWEEP", ... (Hydra's enum names;
 * "None" for CY_OV_VT_NONE). */
const char *cy_override_type_name(cy_override_type t);
const char *cy_override_value_type_name(cy_override_value_type t);

/* Override.get_key_element(): the prefix and key as typed: "~seed", "+db@pkg", "++a.b". */
int cy_override_key_element(char **out, const cy_override *ov);

/* Override.get_value_string(): the raw text after the first '=' (NULL when there is none). */
const char *cy_override_value_text(const cy_override *ov);

/* Override.get_value_element_as_str(): the value as Hydra writes it into per-job overrides
 * (true -> True, 'a b' -> 'a b' with its quotes, a,b-like strings escaped: a\,b, lists and
 * dicts without spaces unless space_after_sep, no value -> null). Fails for sweeps (Hydra:
 * "Cannot convert sweep to str") and for values holding a sweep inside a list or dict. */
int cy_override_value_string(char **out, const cy_override *ov, int space_after_sep,
                             cy_override_error *err);

/* Override._get_value_element_as_str() of any value. */
int cy_override_element_string(char **out, const cy_override_value *v, int space_after_sep,
                               cy_override_error *err);

/* The per-job text of a non-sweep override: key element '=' value string ("~seed=null",
 * "checkpoint_name='a b.pt'"), as Hydra's basic sweeper writes it. */
int cy_override_job_string(char **out, const cy_override *ov, cy_override_error *err);

/* Override.value(): the value composition assigns - quoted strings become plain strings (their
 * text), in lists and dicts too; sweeps are returned as they are. Borrowed, NULL for no value. */
const cy_override_value *cy_override_python_value(cy_override *ov);

/* Python's repr() and str() of a value as Hydra holds it (repr: 'a', QuotedString(text='a',
 * quote=<Quote.single: 0>), ChoiceSweep(tags=set(), list=[1, 2], ...)), and Python's repr of a
 * float ("0.1", "1e-05", "inf"). For messages that quote values as OmegaConf/Hydra do. */
int cy_override_value_repr(char **out, const cy_override_value *v);
int cy_override_value_pystr(char **out, const cy_override_value *v);
char *cy_override_float_repr(double v, char buf[32]);

/* Python's type name of a value as Hydra holds it: "int", "float", "bool", "str", "NoneType",
 * "list", "dict", "QuotedString", "ChoiceSweep", "RangeSweep", "IntervalSweep", "Glob". */
const char *cy_override_value_pytype(const cy_override_value *v);

/* ---------------------------------------------------------------------------------------------
 * Sweep expansion: Override.sweep_iterator() / sweep_string_iterator()
 */

typedef struct cy_override_sweep_options {
    const char *const *group_options; /* glob(): the options of the config group, in the order
                                         Hydra lists them (sorted); NULL for none */
    size_t n_group_options;
    uint64_t seed;    /* generator for shuffled sweeps; 0: seeded from the clock */
    size_t max_items; /* expansion limit (range(0,1e9) and range(0,inf) are long); 0: 1000000 */
} cy_override_sweep_options;

#define CY_OVERRIDE_SWEEP_OPTIONS_INIT                                                             \
    { NULL, 0, 0, 0 }

typedef struct cy_override_sweep cy_override_sweep;

/* Starts iterating a discrete sweep (choice, simple choice, range, glob). Interval sweeps and
 * plain values are an error ("Can only enumerate CHOICE and RANGE sweeps, type is ..."), so are
 * integer ranges with step 0 ("range() arg 3 must not be zero") and globs with non-string
 * patterns. A shuffled sweep is shuffled here (a shuffled range is expanded first, up to
 * max_items), as Hydra's sweep_iterator() does. */
int cy_override_sweep_begin(cy_override_sweep **out, const cy_override *ov,
                            const cy_override_sweep_options *opts, cy_override_error *err);

/* The next element: returns 1 and the value in *item (borrowed, valid until the next call or
 * cy_override_sweep_end), 0 at the end, or a negative code (Hydra's float ranges with step 0:
 * "Invalid range values (...)"; NaN bounds: InvalidOperation). Ranges are generated lazily:
 * range(0,inf) never ends. */
int cy_override_sweep_next(cy_override_sweep *it, const cy_override_value **item,
                           cy_override_error *err);

void cy_override_sweep_end(cy_override_sweep *it);

/* The whole expansion as strings (Transformer.str: each element as
 * cy_override_element_string), heap array of heap strings. Fails beyond max_items. */
int cy_override_sweep_strings(char ***out, size_t *n, const cy_override *ov,
                              const cy_override_sweep_options *opts, cy_override_error *err);
void cy_override_strings_free(char **strings, size_t n);

/* Glob.filter(): the names matching any include pattern and no exclude pattern (fnmatch:
 * * ? [seq] [!seq]), in the order given. Heap array of borrowed pointers into names. */
int cy_override_glob_filter(const char ***out, size_t *n, const cy_override_value *glob,
                            const char *const *names, size_t n_names, cy_override_error *err);

/* fnmatch.fnmatchcase(name, pattern): 1 when it matches. */
int cy_override_fnmatch(const char *pattern, const char *name);

#ifdef __cplusplus
}
#endif

#endif
