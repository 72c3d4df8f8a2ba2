/*
 * cydra/node.h - the configuration tree: OmegaConf's DictConfig/ListConfig/ValueNode in C.
 *
 * A config is a tree of cy_node. A node is a dict (ordered keys), a list, or a value: null, ???
 * (MISSING), an interpolation string ("${a.b}"), bool, int (64-bit), float (double), string or
 * enum member. Besides what it holds, every node has a declared type (cy_type: Any, int, float,
 * bool, str, enum, a structured config, List[T], Dict[str, T], each possibly Optional) that
 * assignments and merges are validated and converted against, exactly as OmegaConf 2.2 does:
 *
 *     epochs: int      <- "3"    becomes 3        <- 1.5   is an error (floats never become ints)
 *     name: str        <- true   becomes "True"   <- null  is an error unless Optional[str]
 *     no_cuda: bool    <- "yes"  becomes true     <- [1]   is an error
 *
 * Dicts carry two flags, struct (unknown keys are errors) and readonly, each set, cleared or
 * inherited from the parent. Every node knows its parent, so every error names the full key
 * ("adadelta.lr") - see cydra/error.h.
 *
 * Memory: all nodes and strings of a tree live in one arena (cy_arena), freed in one call.
 * Nodes are never freed one by one; a node removed from a tree stays in the arena until the arena
 * is freed. Operations that take a source node (set, merge, update) copy it into the destination's
 * arena, so trees in different arenas never share nodes.
 *
 *     cy_arena *a = cy_arena_new();
 *     cy_node *cfg = cy_new_dict(a);
 *     cy_dict_put(cfg, "lr", cy_new_float(a, 0.1));
 *     int64_t epochs;
 *     if (cy_get_int(cfg, "epochs", &epochs) < 0)
 *         ...   // "Key 'epochs' is not in struct" / "Missing mandatory value: epochs" / ...
 *     cy_arena_free(a);
 *
 * Reading: the cy_get_* functions and cy_node_resolve() resolve interpolations lazily, on access
 * (cydra/interp.h), and fail on MISSING with MissingMandatoryValue. The navigation functions
 * (cy_node_child, cy_dict_get, ...) return nodes as they are, unresolved.
 *
 * Ownership: nodes returned by any function are borrowed from their arena.
 */
#ifndef CYDRA_NODE_H
#define CYDRA_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cydra/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Arena
 */

typedef struct cy_arena cy_arena;

/* A new empty arena, or NULL when out of memory. */
cy_arena *cy_arena_new(void);

/* Frees the arena and everything allocated from it. NULL is allowed. */
void cy_arena_free(cy_arena *arena);

/* n bytes, zeroed, aligned for any type. Never NULL: out of memory aborts (a config tree is
 * small; running out of memory building one is not a recoverable condition). */
void *cy_arena_alloc(cy_arena *arena, size_t n);

char *cy_arena_strdup(cy_arena *arena, const char *s);
char *cy_arena_strndup(cy_arena *arena, const char *s, size_t n);
char *cy_arena_printf(cy_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes allocated from the arena so far (for limits and tests). */
size_t cy_arena_used(const cy_arena *arena);

/* ---------------------------------------------------------------------------------------------
 * Types
 */

/* What a node holds. */
typedef enum cy_kind {
    CY_NULL,
    CY_MISSING, /* ??? */
    CY_INTERP,  /* a string containing "${": resolved on access */
    CY_BOOL,
    CY_INT,
    CY_FLOAT,
    CY_STR,
    CY_ENUM, /* a member of an enum type: v.s is the member name, v.i its value */
    CY_DICT,
    CY_LIST,
} cy_kind;

/* A declared type's shape. */
typedef enum cy_type_tag {
    CY_T_ANY,
    CY_T_INT,
    CY_T_FLOAT,
    CY_T_BOOL,
    CY_T_STR,
    CY_T_ENUM,
    CY_T_STRUCT, /* a structured config: cy_type.schema */
    CY_T_LIST,   /* List[elem] */
    CY_T_DICT,   /* Dict[str, elem] (or an untyped dict when elem is NULL) */
} cy_type_tag;

/* An enum type: members in declaration order with their integer values. */
typedef struct cy_enum_def {
    const char *name;           /* "Color" */
    const char *const *members; /* {"RED", "GREEN"} */
    const int64_t *values;      /* {1, 2} */
    size_t count;
} cy_enum_def;

struct cy_schema; /* cydra/schema.h */

/* A declared type. Descriptors are static or schema-owned, never freed, compared by content. */
typedef struct cy_type {
    cy_type_tag tag;
    bool optional;                  /* Optional[T]: null allowed */
    const struct cy_schema *schema; /* CY_T_STRUCT */
    const cy_enum_def *enm;         /* CY_T_ENUM */
    const struct cy_type *elem;     /* CY_T_LIST / CY_T_DICT element type; NULL means Any */
    bool key_any;                   /* CY_T_DICT: Dict[Any, T] rather than Dict[str, T] */
} cy_type;

/* Ready-made descriptors. cy_type_any is Optional[Any], what untyped nodes are. */
extern const cy_type cy_type_any;
extern const cy_type cy_type_int, cy_type_float, cy_type_bool, cy_type_str;
extern const cy_type cy_type_opt_int, cy_type_opt_float, cy_type_opt_bool, cy_type_opt_str;
extern const cy_type cy_type_list_any; /* List[Any], optional */
extern const cy_type cy_type_dict_any; /* Dict[Any, Any], optional: a plain dict */

/* The type as OmegaConf's type_str prints it: "int", "Optional[str]", "List[int]",
 * "Dict[str, Any]", "AdadeltaConf", "Any". Borrowed from an internal cache or the arena. */
const char *cy_type_string(cy_arena *arena, const cy_type *type);

/* ---------------------------------------------------------------------------------------------
 * Nodes
 */

/* Kind of a dict key (OmegaConf keys may be str, int, float or bool; YAML `{1: a}` has an int
 * key). The key's text is always kept canonical: "1", "1.5", "True". */
typedef enum cy_key_kind { CY_KEY_STR, CY_KEY_INT, CY_KEY_FLOAT, CY_KEY_BOOL } cy_key_kind;

/* Flag states: a flag set on a node applies to its subtree unless a descendant sets it too. */
enum { CY_FLAG_UNSET = -1, CY_FLAG_FALSE = 0, CY_FLAG_TRUE = 1 };
typedef enum cy_flag { CY_FLAG_STRUCT, CY_FLAG_READONLY } cy_flag;

typedef struct cy_node cy_node;

/* Treat every field as read-only: change nodes only through the functions below. */
struct cy_node {
    cy_kind kind;
    /* CY_DICT for a DictConfig, CY_LIST for a ListConfig - whatever it holds: a typed dict field
     * set to null or ??? is still a DictConfig (kind CY_NULL / CY_MISSING, container CY_DICT),
     * which matters to merges and messages. CY_NULL for value nodes. Kept by cy_new_dict/list
     * and cy_node_set_type. */
    cy_kind container;
    cy_key_kind key_kind;
    int8_t flags[2];                /* per cy_flag: CY_FLAG_UNSET / FALSE / TRUE */
    const cy_type *type;            /* declared type; never NULL (&cy_type_any when untyped) */
    const struct cy_schema *object; /* dicts: the structured config type it holds, or NULL */
    cy_node *parent;
    const char *key; /* key in the parent dict; NULL for the root and list items */
    cy_arena *arena;
    const char *help;   /* help text from the schema field, or NULL */
    const char *source; /* "file:line:col" the node was loaded from, or NULL */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *s;          /* CY_STR, CY_INTERP, CY_ENUM (member name) */
            int64_t ei;             /* CY_ENUM: member value */
            const cy_enum_def *def; /* CY_ENUM: the enum it is a member of */
        } str;
        struct {
            cy_node **items; /* CY_DICT (children in key order) and CY_LIST */
            size_t len, cap;
            void *index; /* CY_DICT: private key index of large dicts */
        } c;
    } v;
};

/* -- Building (no validation: for loaders and schema instantiation) -------------------------- */

cy_node *cy_new_null(cy_arena *a);
cy_node *cy_new_missing(cy_arena *a);
cy_node *cy_new_bool(cy_arena *a, bool b);
cy_node *cy_new_int(cy_arena *a, int64_t i);
cy_node *cy_new_float(cy_arena *a, double f);
/* A string value, classified as OmegaConf classifies strings: "???" is MISSING, a string
 * containing "${" is an interpolation, anything else is a string. */
cy_node *cy_new_str(cy_arena *a, const char *s);
cy_node *cy_new_enum(cy_arena *a, const cy_enum_def *e, size_t member);
cy_node *cy_new_dict(cy_arena *a);
cy_node *cy_new_list(cy_arena *a);

/* Sets a node's declared type (and, for dicts of a structured type, its object type). */
void cy_node_set_type(cy_node *n, const cy_type *type);

/* Appends child under key (or replaces the child already there, keeping its position). The
 * child must come from the dict's arena and have no parent. No validation, no flag checks. */
void cy_dict_put(cy_node *dict, const char *key, cy_node *child);
void cy_dict_put_kind(cy_node *dict, const char *key, cy_key_kind kind, cy_node *child);

/* Appends a child to a list (same rules as cy_dict_put). */
void cy_list_push(cy_node *list, cy_node *child);

/* -- Navigation (no resolution) --------------------------------------------------------------- */

/* Number of children of a dict or list; 0 for anything else (also for null/??? containers). */
size_t cy_node_len(const cy_node *n);

/* The i-th child of a dict (in key order) or list. */
cy_node *cy_node_child(const cy_node *n, size_t i);

/* The child of a dict under key, or NULL. */
cy_node *cy_dict_get(const cy_node *dict, const char *key);

/* Position of a child in its parent (list index or dict position), or -1 for the root. */
long cy_node_index(const cy_node *n);

cy_node *cy_node_root(const cy_node *n);

/* The full key as OmegaConf writes it: "a.b", "a.list[2].c", "" for the root. In n's arena. */
const char *cy_node_full_key(const cy_node *n);

/* Effective flag value (walking up through unset ancestors; false at the root when unset). */
bool cy_node_flag(const cy_node *n, cy_flag flag);
void cy_node_set_flag(cy_node *n, cy_flag flag, int value /* CY_FLAG_* */);

/* True when the node's declared or held type is a structured config. */
bool cy_node_is_typed(const cy_node *n);

/* OmegaConf.get_type's name for the node: the schema name ("MNISTConf"), "dict", "list",
 * "int", "float", "bool", "str", the enum name, "NoneType". */
const char *cy_node_type_name(const cy_node *n);

/* True for a DictConfig or ListConfig (see cy_node.container). */
static inline bool cy_node_is_container(const cy_node *n) {
    return n->container == CY_DICT || n->container == CY_LIST;
}

/* True when a value is "special": null, ??? or an interpolation. */
static inline bool cy_node_is_special(const cy_node *n) {
    return n->kind == CY_NULL || n->kind == CY_MISSING || n->kind == CY_INTERP;
}

/* -- Changing (validated, as OmegaConf) ------------------------------------------------------- */

/* container[key] = value (for lists, key is the index as text). The value is copied into the
 * container's arena and validated/converted against the declared type of the target: the existing
 * child's type, the dict's element type, or the schema field's type. Honours struct and readonly,
 * refuses unknown keys of typed dicts. On error the tree is unchanged. */
int cy_node_set(cy_node *container, const char *key, const cy_node *value);

/* Replaces a node's own value in place, validated against its declared type
 * (OmegaConf's node._set_value). */
int cy_node_set_value(cy_node *n, const cy_node *value);

/* Appends to a list, validated against its element type. */
int cy_list_append(cy_node *list, const cy_node *value);

/* del container[key], with OmegaConf's checks (readonly, struct, typed dicts refuse deletion). */
int cy_node_delete(cy_node *container, const char *key);

/* OmegaConf's dest.merge_with(src): dicts recursively, lists replaced, structured nodes keep their
 * schema, new keys only where the node is not in struct mode. src is not modified. On error dest
 * may be partly merged (as OmegaConf); merge into a copy when that matters. */
int cy_merge(cy_node *dest, const cy_node *src);

/* OmegaConf.merge(a, b, ...): a new tree in `arena` (a deep copy of the first, the others merged
 * into it). */
int cy_merge_new(cy_node **out, cy_arena *arena, const cy_node *const *configs, size_t n);

/* Flags for cy_update. */
enum {
    CY_UPDATE_MERGE = 1,     /* merge dicts/lists into an existing container instead of replacing */
    CY_UPDATE_FORCE_ADD = 2, /* add keys even where struct mode forbids it */
};

/* OmegaConf.update(cfg, key, value, merge=..., force_add=...): dotted key ("a.b", "a.list[0]"),
 * creating intermediate dicts where needed. */
int cy_update(cy_node *root, const char *key, const cy_node *value, unsigned flags);

/* Deep copy into arena (flags, types and help kept; the copy has no parent). */
cy_node *cy_node_copy(cy_arena *arena, const cy_node *src);

/* Structural equality of values (no resolution): kinds, values and keys; NaN equals NaN. */
bool cy_node_equal(const cy_node *a, const cy_node *b);

/* -- Selecting and reading (with resolution) -------------------------------------------------- */

/* Flags for cy_select. */
enum {
    CY_SELECT_THROW_ON_MISSING = 1, /* a ??? value is an error instead of "not found" */
    CY_SELECT_NO_RESOLVE = 2,       /* return interpolation nodes unresolved */
};

/* OmegaConf.select(cfg, key): a dotted key relative to `root` (any node of a tree, as
 * OmegaConf.select(cfg.sub, ...)); each leading dot after the first goes one parent up
 * ("..x" is a sibling of root). *out is NULL when the key does not exist (or, without
 * CY_SELECT_THROW_ON_MISSING, when it is ???). Returns an error for interpolations that fail. */
int cy_select(const cy_node *root, const char *key, const cy_node **out, unsigned flags);

/* The node's value with interpolations resolved (the node itself when not an interpolation).
 * ??? is an error (MissingMandatoryValue, naming the full key). */
int cy_node_resolve(const cy_node *n, const cy_node **out);

/* Typed reads of root[key] (dotted), resolved, converted as the declared type demands, failing
 * with OmegaConf's errors: unknown key, ???, wrong type. */
int cy_get(const cy_node *root, const char *key, const cy_node **out);
int cy_get_int(const cy_node *root, const char *key, int64_t *out);
int cy_get_float(const cy_node *root, const char *key, double *out); /* ints widen to float */
int cy_get_bool(const cy_node *root, const char *key, bool *out);
int cy_get_str(const cy_node *root, const char *key, const char **out);

/* -- Values as Python shows them (for messages and for str() conversions) ---------------------- */

/* Python's repr(float): shortest round-trip digits, "1.0", "1e-05", "inf", "nan". buf >= 32. */
char *cy_float_repr(double f, char buf[32]);

/* Python's str() of the value held by n ("abc", "1.5", "True", "None", "[1, 'a']",
 * "{'a': 1}"), as OmegaConf puts $VALUE into messages. In n's arena. */
const char *cy_node_pystr(const cy_node *n);

/* Python's repr() of a string ('abc', "it's", 'a\\nb'), in arena. */
const char *cy_str_pyrepr(cy_arena *arena, const char *s);

/* The Python type name of the held value ("str", "int", "float", "bool", "NoneType", "list",
 * "dict"), as OmegaConf puts $VALUE_TYPE into messages. */
const char *cy_node_pytype(const cy_node *n);

#ifdef __cplusplus
}
#endif

#endif
