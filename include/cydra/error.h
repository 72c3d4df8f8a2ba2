/*
 * cydra/error.h - status codes and the last error of the calling thread.
 *
 * Every libcydra function that can fail returns an int: 0 (CY_OK) on success, a negative cy_err
 * code on failure. The details go into a thread-local error object that the caller reads with
 * cy_error_last(): a message, and where a config key is involved, the full key and the types of
 * the config that holds it - the same facts OmegaConf and Hydra report, so the app runtime can
 * print what Hydra prints:
 *
 *     Value 'abc' of type 'str' could not be converted to Integer
 *         full_key: epochs
 *         object_type=MNISTConf
 *
 *     if (cy_update(cfg, "epochs", v, 0) < 0) {
 *         char *text = cy_error_text(cy_error_last());   // the block above
 *         fprintf(stderr, "%s\n", text);
 *         free(text);
 *     }
 *
 * Library code never prints and never exits. Errors are set at the innermost point that knows
 * the facts; outer layers add context lines above (cy_error_wrap), as Hydra's "Error merging
 * override epochs=abc" sits above OmegaConf's message. The first cy_error_at() wins, as
 * OmegaConf's format_and_raise keeps the innermost key.
 */
#ifndef CYDRA_ERROR_H
#define CYDRA_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cy_err {
    CY_OK = 0,
    CY_ERROR = -1,       /* anything not listed below */
    CY_ENOMEM = -2,      /* out of memory */
    CY_EKEY = -3,        /* key not found / not in struct (ConfigKeyError, ConfigAttributeError) */
    CY_EVALIDATION = -4, /* value cannot be converted or assigned (ValidationError) */
    CY_ETYPE = -5,       /* operation not supported by the node's type (ConfigTypeError) */
    CY_EMISSING = -6,    /* reading a ??? value (MissingMandatoryValue) */
    CY_EREADONLY = -7,   /* writing a read-only node (ReadonlyConfigError) */
    CY_EINTERP = -8,     /* interpolation cannot be resolved (Interpolation*Error) */
    CY_EPARSE = -9,      /* syntax error: YAML, override grammar, interpolation grammar */
    CY_EIO = -10,        /* a file cannot be read or written */
    CY_ELIMIT = -11,     /* an input exceeds a safety limit (depth, size, aliases, recursion) */
    CY_ECOMPOSE = -12,   /* config composition failed (ConfigCompositionException) */
    CY_EUSAGE = -13,     /* bad command-line usage (exit status 2) */
    CY_EINSTANTIATE = -14, /* _target_ instantiation failed (InstantiationException) */
    CY_ENOTFOUND = -15,    /* a named thing (config, group option, resolver...) does not exist */
    CY_EINDEX = -16,       /* list index out of range (ConfigIndexError) */
} cy_err;

typedef struct cy_error {
    int code;          /* a cy_err */
    const char *exc;   /* the OmegaConf/Hydra exception class it corresponds to, e.g.
                          "ValidationError"; never NULL while code != 0 */
    char *msg;         /* the message, possibly several lines; never NULL while code != 0 */
    bool has_key;      /* full_key/object_type/ref_type below are meaningful */
    char *full_key;    /* e.g. "adadelta.lr" ("" for the root) */
    char *object_type; /* type of the config holding the key: "MNISTConf", "dict", "list" */
    char *ref_type;    /* declared type of that config when not Any, e.g. "AdadeltaConf"; or NULL */
    char *context;     /* lines added above the message by cy_error_wrap, or NULL */
} cy_error;

/* The last error set on this thread (code CY_OK when none). Borrowed; valid until the next set. */
const cy_error *cy_error_last(void);

/* Forgets the last error. */
void cy_error_clear(void);

/* Sets the last error, replacing any previous one, and returns code. exc may be NULL (then a
 * default class name for the code is used). */
int cy_error_set(int code, const char *exc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attaches the key facts to the last error, unless it already has them: full_key is the full key
 * of `key` inside `container` (container's own full key when key is NULL), object_type and
 * ref_type those of `container`. Returns the last error's code. container may be NULL (then the
 * full key is `key` itself and no types are recorded). */
struct cy_node;
int cy_error_at(const struct cy_node *container, const char *key);

/* Like cy_error_at with the facts given as strings (ref_type may be NULL). */
int cy_error_at_key(const char *full_key, const char *object_type, const char *ref_type);

/* Adds a line of context above the message ("Error merging override epochs=abc"); lines added
 * later go above earlier ones. Returns the last error's code. */
int cy_error_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replaces the exception class of the last error (as OmegaConf's type_override does). */
void cy_error_set_exc(const char *exc);

/* The error as Hydra prints it: context lines, the message, then when has_key
 * "    full_key: K", "    reference_type=R" (only when ref_type) and "    object_type=O".
 * Heap string, caller frees. */
char *cy_error_text(const cy_error *err);

/* "Did you mean" suggestions: the candidate closest to word, by optimal string alignment distance
 * (edits and adjacent transpositions) within a third of the word's length (1 to 3 edits), or NULL.
 * The incremental form takes candidates one at a time; ties keep the first. Strings are borrowed.
 */
typedef struct cy_suggest {
    const char *word, *best;
    size_t best_d, limit;
} cy_suggest;
void cy_suggest_init(cy_suggest *s, const char *word);
void cy_suggest_add(cy_suggest *s, const char *candidate);
const char *cy_suggest_closest(const char *word, const char *const *candidates, size_t n);

/* A short name for a code ("validation error"), for logs. */
const char *cy_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
