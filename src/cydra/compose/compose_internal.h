/*
 * compose_internal.h - what the files of cy_compose share: parsed overrides, config sources and
 * the repository over them, the defaults-list machinery, small string helpers.
 *
 * Everything here is allocated from the arena of the composition that uses it.
 */
#ifndef CYDRA_COMPOSE_INTERNAL_H
#define CYDRA_COMPOSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cydra/compose.h"
#include "cydra/error.h"
#include "cydra/node.h"
#include "cydra/store.h"
#include "cydra/config/sbuf.h"

/* ---------------------------------------------------------------------------------------------
 * Parsed overrides, as composition sees them (Hydra's Override object)
 */

typedef enum ovr_type { OVR_CHANGE, OVR_ADD, OVR_FORCE_ADD, OVR_DEL } ovr_type;

typedef enum ovr_value_type {
    OVR_VALUE_NONE,         /* no value: `~key` */
    OVR_VALUE_ELEMENT,      /* a plain value */
    OVR_VALUE_SIMPLE_SWEEP, /* a,b,c */
    OVR_VALUE_SWEEP,        /* choice(), range(), interval(), glob(), sort/shuffle of sweeps */
} ovr_value_type;

typedef struct ovr {
    ovr_type type;
    const char *key;        /* key_or_group: "db", "adadelta.lr", "hydra/launcher" */
    const char *package;    /* "backup" of db@backup=pg, else NULL */
    const char *input_line; /* as typed */
    ovr_value_type value_type;
    cy_node *value;   /* OVR_VALUE_ELEMENT: the value, quoted strings as plain strings
                         (Override.value()); null is a CY_NULL node. NULL when there is
                         no value (OVR_VALUE_NONE) and for sweeps */
    const char *repr; /* Python's repr() of the Override, for deletions with a value (Hydra
                         puts it into one message); NULL otherwise */
} ovr;

static inline bool ovr_is_sweep(const ovr *o) {
    return o->value_type == OVR_VALUE_SIMPLE_SWEEP || o->value_type == OVR_VALUE_SWEEP;
}

/* Hydra's is_hydra_override: the key starts with "hydra." or "hydra/". */
bool cyc_ovr_is_hydra(const ovr *o);

/* Override.get_key_element(): "~db@pkg", "+x", "db". In arena. */
const char *cyc_ovr_key_element(cy_arena *a, const ovr *o);

/* Parses command-line overrides with the override grammar into ovr structs (in arena). */
int cyc_ovr_parse_all(ovr **out, cy_arena *a, const char *const *lines, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 */

/* An arena-backed growable array of pointers. */
typedef struct parr {
    void **v;
    size_t len, cap;
} parr;
void cyc_parr_push(cy_arena *a, parr *p, void *x);

/* a + sep + b in arena, without printf (composition builds many short paths). */
const char *cyc_cat(cy_arena *arena, const char *a, const char *sep, const char *b);

/* Python's repr() of a str ('a', "it's"). In arena. */
const char *cyc_py_repr_str(cy_arena *a, const char *s);

/* Python's sorted(set(...)) of C strings, in place; returns the new length. */
size_t cyc_sort_unique(const char **v, size_t n);

char *cyc_xstrdup_or_null(const char *s);

/* Adds "Did you mean '<s>'?" on its own line after the whole text of the last error. */
void cyc_error_add_hint(const char *suggestion);

/* ---------------------------------------------------------------------------------------------
 * Config sources (Hydra's ConfigSource plugins)
 */

typedef enum source_kind { SRC_FILE, SRC_STRUCTURED, SRC_PKG } source_kind;

typedef struct source {
    source_kind kind;
    const char *provider;
    const char *path;   /* without the scheme: "/abs/conf", "", "hydra.conf" */
    const char *scheme; /* "file", "structured", "pkg" */
    cy_store *store;    /* SRC_STRUCTURED, SRC_PKG (NULL when the module is not registered) */
} source;

/* What loading a config from a source gives (Hydra's ConfigResult). */
typedef struct config_result {
    cy_node *config;
    const char *header_package; /* "# @package" header / stored package, or NULL */
    const char *provider;
    bool is_schema_source;
} config_result;

int cyc_source_init(source *s, cy_arena *a, const char *provider, const char *path);
bool cyc_source_available(source *s);
bool cyc_source_is_group(source *s, cy_arena *a, const char *config_path);
bool cyc_source_is_config(source *s, cy_arena *a, const char *config_path);
/* Names inside group config_path, filtered, sorted and unique. */
int cyc_source_list(const char ***out, size_t *n, cy_arena *a, source *s, const char *config_path,
                    cy_object_type filter);
int cyc_source_load(config_result *out, cy_arena *a, source *s, const char *config_path);
/* "provider=P, path=scheme://path", as Hydra's repr of a source. */
const char *cyc_source_repr(cy_arena *a, const source *s);

/* Parses "# @key value" header lines at the top of a YAML text (first 512 characters), as
 * Hydra's _get_header_dict. *package is NULL when there is no package line. */
int cyc_yaml_header_package(const char **package, cy_arena *a, const char *text);

/* ".yaml" appended unless present (Hydra's _normalize_file_name). In arena. */
const char *cyc_normalize_file_name(cy_arena *a, const char *name);

/* ---------------------------------------------------------------------------------------------
 * Defaults (Hydra's InputDefault family)
 */

typedef enum dkind { D_VIRTUAL, D_CONFIG, D_GROUP } dkind;

/* A derived value of a default, remembered with the fields it was computed from (the fields only
 * ever change by pointer assignment, so equal pointers mean an equal result). */
typedef struct dflt_memo {
    const void *in[7];
    bool is_options;
    const char *out;
} dflt_memo;

typedef struct dflt {
    dkind kind;
    const char *package;         /* as written (after _here_ / _group_ handling), or NULL */
    const char *parent_base_dir; /* NULL until update_parent */
    const char *parent_package;
    const char *package_header; /* absolute ("_global_...") or NULL */
    bool primary;
    bool optional;
    bool deleted;
    /* D_CONFIG */
    const char *path;
    /* D_GROUP */
    const char *group;
    const char *value; /* the chosen name; NULL for null (and for option lists) */
    const char **options;
    size_t n_options;
    bool is_options;
    bool override;
    bool external_append;
    /* caches of the path/package computations below */
    dflt_memo m_group, m_config, m_final[2], m_key;
} dflt;

dflt *cyc_dflt_copy(cy_arena *a, const dflt *d);
bool cyc_dflt_is_self(const dflt *d);
const char *cyc_dflt_group_path(cy_arena *a, const dflt *d);
const char *cyc_dflt_config_path(cy_arena *a, const dflt *d);
const char *cyc_dflt_name(const dflt *d);
const char *cyc_dflt_final_package(cy_arena *a, const dflt *d, bool default_to_header);
const char *cyc_dflt_override_key(cy_arena *a, const dflt *d);

/* A loaded config with its defaults list (the repository's cached result). */
typedef struct loaded_config {
    const char *config_path;
    bool found;
    config_result res;
    dflt **defaults; /* parsed defaults list (templates: copy before changing) */
    size_t n_defaults;
    bool typed_defaults; /* a structured config kept its `defaults` field (stripped later) */
} loaded_config;

/* ---------------------------------------------------------------------------------------------
 * Repository (Hydra's ConfigRepository + CachingConfigRepository)
 */

struct cy_repo {
    cy_arena *arena;
    source *sources;
    size_t n_sources;
    parr cache;     /* loaded_config * */
    parr *warnings; /* where deprecation notes go (may be NULL) */
};

int cyc_repo_init(cy_repo *r, cy_arena *a, const cy_searchpath *sp);
source *cyc_repo_schema_source(cy_repo *r);
/* The cached load of config_path: *out->found false when no source has it. Errors are load
 * errors (YAML syntax, bad defaults list). */
int cyc_repo_load(loaded_config **out, cy_repo *r, const char *config_path);
bool cyc_repo_config_exists(cy_repo *r, const char *config_path);
bool cyc_repo_group_exists(cy_repo *r, const char *config_path);
int cyc_repo_group_options(const char ***out, size_t *n, cy_repo *r, const char *group,
                           cy_object_type filter);

/* ---------------------------------------------------------------------------------------------
 * The defaults list (Hydra's defaults_list.py)
 */

typedef struct defaults_result {
    cy_defaults pub;
    ovr **config_overrides; /* the overrides that are not group choices, in order */
    size_t n_config_overrides;
    const char **choice_keys, **choice_values;
    size_t n_choices;
} defaults_result;

/* create_defaults_list: config_name may be NULL. */
int cyc_defaults_create(defaults_result *out, cy_arena *a, cy_repo *repo, const char *config_name,
                        ovr *overrides, size_t n_overrides, bool prepend_hydra, bool skip_missing);

/* Composition from overrides already parsed (the unit tests build them by hand). */
int cy__compose_parsed(cy_composed *out, cy_arena *arena, cy_loader *loader,
                       const char *config_name, ovr *ov, size_t n, cy_run_mode mode, bool no_hydra);

/* ---------------------------------------------------------------------------------------------
 * Hydra's own configs
 */

/* Registers hydra/config, hydra/launcher/basic, hydra/sweeper/basic, _dummy_empty_config_. */
int cyc_hydra_conf_register_structured(cy_store *store);
/* A ConfigSourceInfo node (an entry of hydra.runtime.config_sources). */
int cyc_hydra_source_info(cy_node **out, cy_arena *a, const char *path, const char *scheme,
                          const char *provider);
/* The store behind pkg://hydra.conf (built on first use). */
cy_store *cyc_hydra_conf_pkg_store(void);

/* ---------------------------------------------------------------------------------------------
 * Store internals used by the sources
 */

/* Names (with ".yaml" for configs) directly in a store group, sorted; CY_ENOTFOUND when the
 * path is not a group. */
int cyc_store_list_raw(const char ***out, bool **is_group, size_t *n, cy_arena *a, cy_store *s,
                       const char *path);

#endif
