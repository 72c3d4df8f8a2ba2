/*
 * cydra/schema.h - structured configs declared in C.
 *
 * One declaration gives three things: the C struct the app reads, the schema (field names, types,
 * defaults, ??? for mandatory values, a help string per field, nesting) that composition validates
 * against and that --help prints, and the binding that fills the struct from a composed tree.
 *
 * In a header, list the fields once, X-macro style - X(KIND, name, default, help):
 *
 *     #define STEPLR_CONF(X)                                                              \
 *         X(STR, _target_, "torch.optim.lr_scheduler.StepLR", "the class to instantiate") \
 *         X(ANY, optimizer, CY_DEF_MISSING, "wrapped optimizer")                               \
 *         X(ANY, step_size, CY_DEF_MISSING, "period of learning rate decay")                   \
 *         X(ANY, gamma, "0.1", "multiplicative factor of learning rate decay")
 *     CY_STRUCT(StepLRConf, STEPLR_CONF)
 *
 *     #define MNIST_CONF(X)                                                                   \
 *         X(INT, batch_size, "64", "input batch size for training")                           \
 *         X(STR, checkpoint_name, "unnamed.pt", "file name of the saved model")               \
 *         X(STRUCT(StepLRConf), steplr, "{step_size: 1}", "learning rate schedule")
 *     CY_STRUCT(MNISTConf, MNIST_CONF)
 *
 * and in exactly one .c file:
 *
 *     CY_SCHEMA(StepLRConf, STEPLR_CONF, "torch.optim.lr_scheduler.StepLR's arguments")
 *     CY_SCHEMA(MNISTConf, MNIST_CONF, "the MNIST example's settings")
 *
 * CY_STRUCT declares `typedef struct MNISTConf {...} MNISTConf;`, the schema MNISTConf_schema and
 * the type descriptor MNISTConf_type (a cy_type of tag CY_T_STRUCT). Then:
 *
 *     cy_node *cfg;  cy_schema_instantiate(&cfg, arena, &MNISTConf_schema);  // typed defaults
 *     MNISTConf c;   if (cy_bind(&c, &MNISTConf_schema, cfg) < 0) ...       // validated values
 *
 * KIND is one of INT FLOAT BOOL STR ANY, OPT_INT OPT_FLOAT OPT_BOOL OPT_STR (Optional[...]),
 * STRUCT(T) OPT_STRUCT(T), ENUM(E) OPT_ENUM(E), LIST(K) DICT(K) with K one of INT FLOAT BOOL STR
 * ANY STRUCT(T) ENUM(E). The C member types are:
 *
 *     INT int64_t   FLOAT double   BOOL bool   STR const char *   ENUM(E) E   STRUCT(T) T
 *     OPT_INT cy_opt_int   OPT_FLOAT cy_opt_float   OPT_BOOL cy_opt_bool   OPT_STR const char *
 *     OPT_ENUM(E) cy_opt_int   OPT_STRUCT(T) T * (NULL for None)
 *     ANY, LIST(K), DICT(K) const cy_node * - read with cy_node_as_* (resolved, validated lazily,
 *     so a ??? Any field is an error only when read: "Missing mandatory value: adadelta.params")
 *
 * Defaults are written as YAML flow text and typed by the field: "64", "1.0e-06", "[1, 2]",
 * "{step_size: 1}" (a struct field's default merges onto the nested schema's own defaults),
 * CY_DEF_MISSING ("???") and CY_DEF_NONE (null). STR defaults are taken literally. NULL means ???
 * for scalars and the nested schema's defaults for STRUCT fields.
 *
 * Binding borrows strings and nodes from the tree and allocates OPT_STRUCT members in its arena:
 * keep the tree alive while the struct is used.
 *
 * Enums: #define COLOR(X) X(RED, 1) X(GREEN, 2)  CY_ENUM(Color, COLOR) in a header,
 * CY_ENUM_DEFINE(Color, COLOR) in one .c file; gives `typedef enum Color {RED = 1, GREEN = 2}
 * Color`, Color_enum (a cy_enum_def) and Color_type.
 */
#ifndef CYDRA_SCHEMA_H
#define CYDRA_SCHEMA_H

#include <stddef.h>

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_opt_int {
    bool has;
    int64_t value;
} cy_opt_int;
typedef struct cy_opt_float {
    bool has;
    double value;
} cy_opt_float;
typedef struct cy_opt_bool {
    bool has;
    bool value;
} cy_opt_bool;

/* How a field is stored in the C struct. */
typedef enum cy_bind_kind {
    CY_BIND_INT,
    CY_BIND_FLOAT,
    CY_BIND_BOOL,
    CY_BIND_STR,
    CY_BIND_ENUM,
    CY_BIND_OPT_INT,
    CY_BIND_OPT_FLOAT,
    CY_BIND_OPT_BOOL,
    CY_BIND_OPT_ENUM,
    CY_BIND_STRUCT,
    CY_BIND_OPT_STRUCT,
    CY_BIND_NODE, /* ANY, LIST, DICT */
} cy_bind_kind;

typedef struct cy_field {
    const char *name;
    cy_type type;
    const char *def; /* default (see above) */
    const char *help;
    size_t offset; /* of the member in the C struct */
    cy_bind_kind bind;
} cy_field;

typedef struct cy_schema {
    const char *name; /* "MNISTConf" */
    const char *help;
    size_t size;         /* sizeof the C struct */
    const cy_type *type; /* the CY_T_STRUCT descriptor of this schema */
    const cy_field *(*fields)(size_t *count);
} cy_schema;

#define CY_DEF_MISSING "???"
#define CY_DEF_NONE    "\x1b(None)"

/* The fields of a schema, in declaration order. */
size_t cy_schema_nfields(const cy_schema *s);
const cy_field *cy_schema_field(const cy_schema *s, size_t i);
const cy_field *cy_schema_find(const cy_schema *s, const char *name);

/* A dict node of the schema's type with every field at its default, typed, with help texts, in
 * arena. */
int cy_schema_instantiate(cy_node **out, cy_arena *arena, const cy_schema *s);

/* The default value node of one field (typed), in arena. */
int cy_field_default(cy_node **out, cy_arena *arena, const cy_field *f);

/* Fills the C struct *out (s->size bytes) from cfg: scalars resolved, converted and checked
 * (??? is an error naming the key), nested structs bound recursively, ANY/LIST/DICT as node
 * pointers. */
int cy_bind(void *out, const cy_schema *s, const cy_node *cfg);

/* Reads a node bound from an ANY/LIST/DICT field: resolved, ??? is an error naming the key,
 * converted as the C type needs (ints widen to float; a string is not a number). */
int cy_node_as_int(const cy_node *n, int64_t *out);
int cy_node_as_float(const cy_node *n, double *out);
int cy_node_as_bool(const cy_node *n, bool *out);
int cy_node_as_str(const cy_node *n, const char **out);

/* -- Declaration macros ------------------------------------------------------------------------
 * The machinery below turns X(KIND, name, default, help) lines into members, field entries and
 * type descriptors. KIND is pasted onto a prefix, so STRUCT(T) selects CY__C_STRUCT(T) etc. */

#define CY__CAT(a, b)           CY__CAT_(a, b)
#define CY__CAT_(a, b)          a##b
#define CY__PASTE(prefix, kind) prefix##kind
/* A second paste macro: element types are pasted while CY__PASTE is still being expanded. */
#define CY__PASTE_ELEM(prefix, kind) prefix##kind

/* C member types */
#define CY__C_INT           int64_t
#define CY__C_FLOAT         double
#define CY__C_BOOL          bool
#define CY__C_STR           const char *
#define CY__C_ANY           const cy_node *
#define CY__C_OPT_INT       cy_opt_int
#define CY__C_OPT_FLOAT     cy_opt_float
#define CY__C_OPT_BOOL      cy_opt_bool
#define CY__C_OPT_STR       const char *
#define CY__C_STRUCT(T)     T
#define CY__C_OPT_STRUCT(T) T *
#define CY__C_ENUM(E)       E
#define CY__C_OPT_ENUM(E)   cy_opt_int
#define CY__C_LIST(K)       const cy_node *
#define CY__C_DICT(K)       const cy_node *

/* Binding kinds */
#define CY__B_INT           CY_BIND_INT
#define CY__B_FLOAT         CY_BIND_FLOAT
#define CY__B_BOOL          CY_BIND_BOOL
#define CY__B_STR           CY_BIND_STR
#define CY__B_ANY           CY_BIND_NODE
#define CY__B_OPT_INT       CY_BIND_OPT_INT
#define CY__B_OPT_FLOAT     CY_BIND_OPT_FLOAT
#define CY__B_OPT_BOOL      CY_BIND_OPT_BOOL
#define CY__B_OPT_STR       CY_BIND_STR
#define CY__B_STRUCT(T)     CY_BIND_STRUCT
#define CY__B_OPT_STRUCT(T) CY_BIND_OPT_STRUCT
#define CY__B_ENUM(E)       CY_BIND_ENUM
#define CY__B_OPT_ENUM(E)   CY_BIND_OPT_ENUM
#define CY__B_LIST(K)       CY_BIND_NODE
#define CY__B_DICT(K)       CY_BIND_NODE

/* Type descriptors (initializers of a cy_type) */
/* clang-format off */
#define CY__T_INT {.tag = CY_T_INT}
#define CY__T_FLOAT {.tag = CY_T_FLOAT}
#define CY__T_BOOL {.tag = CY_T_BOOL}
#define CY__T_STR {.tag = CY_T_STR}
#define CY__T_ANY {.tag = CY_T_ANY, .optional = true}
#define CY__T_OPT_INT {.tag = CY_T_INT, .optional = true}
#define CY__T_OPT_FLOAT {.tag = CY_T_FLOAT, .optional = true}
#define CY__T_OPT_BOOL {.tag = CY_T_BOOL, .optional = true}
#define CY__T_OPT_STR {.tag = CY_T_STR, .optional = true}
#define CY__T_STRUCT(T) {.tag = CY_T_STRUCT, .schema = &T##_schema}
#define CY__T_OPT_STRUCT(T) {.tag = CY_T_STRUCT, .optional = true, .schema = &T##_schema}
#define CY__T_ENUM(E) {.tag = CY_T_ENUM, .enm = &E##_enum}
#define CY__T_OPT_ENUM(E) {.tag = CY_T_ENUM, .optional = true, .enm = &E##_enum}
#define CY__T_LIST(K) {.tag = CY_T_LIST, .elem = CY__PASTE_ELEM(CY__E_, K)}
#define CY__T_DICT(K) {.tag = CY_T_DICT, .elem = CY__PASTE_ELEM(CY__E_, K)}
/* clang-format on */

/* Element types of LIST(K) / DICT(K): pointers to static descriptors */
#define CY__E_INT       (&cy_type_int)
#define CY__E_FLOAT     (&cy_type_float)
#define CY__E_BOOL      (&cy_type_bool)
#define CY__E_STR       (&cy_type_str)
#define CY__E_ANY       NULL
#define CY__E_STRUCT(T) (&T##_type)
#define CY__E_ENUM(E)   (&E##_type)

#define CY__MEMBER(kind, name, def, help) CY__PASTE(CY__C_, kind) name;
#define CY__FIELD(kind, name, def, help)                                                           \
    {#name, CY__PASTE(CY__T_, kind), def, help, offsetof(cy__self, name), CY__PASTE(CY__B_, kind)},

/* Declares the C struct T, its schema T_schema and its type descriptor T_type. */
#define CY_STRUCT(T, FIELDS)                                                                       \
    typedef struct T {                                                                             \
        FIELDS(CY__MEMBER)                                                                         \
    } T;                                                                                           \
    extern const cy_schema T##_schema;                                                             \
    extern const cy_type T##_type;

/* Defines T_schema and T_type (once, in a .c file). */
#define CY_SCHEMA(T, FIELDS, HELP) CY_SCHEMA_NAMED(T, #T, FIELDS, HELP)

/* Like CY_SCHEMA with a schema name other than the C type's (it is the name errors and --help
 * show, as Python shows the dataclass name): two C types may then stand for two versions of one
 * config, e.g. hydra-torch's AdadeltaConf and torch 1.13's. */
#define CY_SCHEMA_NAMED(T, NAME, FIELDS, HELP)                                                     \
    static const cy_field *T##__fields(size_t *count) {                                            \
        typedef T cy__self;                                                                        \
        static const cy_field fields[] = {FIELDS(CY__FIELD)};                                      \
        *count = sizeof fields / sizeof fields[0];                                                 \
        return fields;                                                                             \
    }                                                                                              \
    const cy_schema T##_schema = {NAME, HELP, sizeof(T), &T##_type, T##__fields};                  \
    const cy_type T##_type = {.tag = CY_T_STRUCT, .schema = &T##_schema};

#define CY__ENUM_ITEM(name, value) name = value,

/* Enums: MEMBERS is X(NAME, value) lines; the C enumerators are the member names. */
#define CY_ENUM(E, MEMBERS)                                                                        \
    typedef enum E { MEMBERS(CY__ENUM_ITEM) } E;                                                   \
    extern const cy_enum_def E##_enum;                                                             \
    extern const cy_type E##_type;

#define CY_ENUM_DEFINE(E, MEMBERS)                                                                 \
    static const char *const E##__names[] = {MEMBERS(CY__ENUM_NAME)};                              \
    static const int64_t E##__values[] = {MEMBERS(CY__ENUM_VALUE)};                                \
    const cy_enum_def E##_enum = {#E, E##__names, E##__values,                                     \
                                  sizeof E##__names / sizeof E##__names[0]};                       \
    const cy_type E##_type = {.tag = CY_T_ENUM, .enm = &E##_enum};

#define CY__ENUM_NAME(name, value)  #name,
#define CY__ENUM_VALUE(name, value) value,

#ifdef __cplusplus
}
#endif

#endif
