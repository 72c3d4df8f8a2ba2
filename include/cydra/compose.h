/*
 * cydra/compose.h - config composition, as Hydra 1.3's ConfigLoaderImpl.
 *
 * Composition builds the config an app runs with from four inputs:
 *
 *   - the search path: where configs are found. Hydra's own configs (`pkg://hydra.conf`), the
 *     app's primary config directory (`-cp`, provider "main"), `-cd` additions ("command-line"),
 *     `hydra.searchpath` entries, and the config store (`structured://`, provider "schema",
 *     always last; cydra/store.h);
 *   - the primary config name (`-cn`, e.g. "config" for config.yaml, or a stored "mnistconf");
 *   - the command-line overrides, parsed with Hydra's grammar (cydra/override.h): group choices
 *     (`db=mysql`, `+db=pg`, `~db`, `db@backup=pg`), config values (`epochs=3`, `+new=1`,
 *     `++x=2`, `~seed`), `hydra.*` settings;
 *   - the run mode (RUN, or MULTIRUN where sweeps such as `lr=0.1,0.01` are allowed and left to
 *     the sweeper).
 *
 * It then does what Hydra does: expands the defaults tree of `hydra/config` and the primary config
 * (groups, nested defaults, `_self_`, packages, `optional`, `override`, `???`, interpolated
 * choices), flattens it into the defaults list, merges every config at its package, puts the
 * result in struct mode, applies the config overrides, and fills the `hydra` node
 * (hydra.overrides, hydra.runtime.choices/cwd/config_sources/version, hydra.job.name/
 * config_name/override_dirname). Errors carry Hydra's messages ("Could not override 'foo'.",
 * "Could not find 'db/nosuch'" with the available options, ...), plus a "Did you mean 'epochs'?"
 * line after unknown-key errors.
 *
 *     cy_loader_opts lo = CY_LOADER_OPTS_INIT;
 *     lo.config_dir = "/abs/path/conf";          // or NULL when the primary config is stored
 *     lo.job_name = "mnist_00";
 *     cy_loader *loader;
 *     if (cy_loader_new(&loader, &lo) < 0) ...    // "Additional config directory ... not found"
 *
 *     const char *ovr[] = {"epochs=3", "db=pg"};
 *     cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
 *     co.config_name = "config";
 *     co.overrides = ovr;
 *     co.n_overrides = 2;
 *     cy_composed res;
 *     cy_arena *a = cy_arena_new();
 *     if (cy_compose(&res, a, loader, &co) < 0) {
 *         char *msg = cy_error_text(cy_error_last());   // what Hydra prints on stderr
 *         ...
 *     }
 *     char *text;
 *     cy_show_opts so = CY_SHOW_OPTS_INIT;               // --cfg job
 *     cy_render_cfg(&text, res.cfg, &so);                // the YAML Hydra prints
 *
 * Ownership: everything a compose returns lives in the arena passed to it; strings returned
 * through char ** by the render functions are malloc'd and freed by the caller. A loader is
 * read-only after cy_loader_new, so several threads may compose with one loader at once (each
 * with its own arena).
 */
#ifndef CYDRA_COMPOSE_H
#define CYDRA_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "cydra/node.h"
#include "cydra/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hydra's version, as hydra.runtime.version and --version show it. */
#define CY_HYDRA_VERSION "1.3.2"

/* ---------------------------------------------------------------------------------------------
 * Search path
 */

/* An ordered list of (provider, path) entries. A path is "pkg://module", "structured://",
 * "file://<dir>" or a plain directory (a file path). */
typedef struct cy_searchpath cy_searchpath;

int cy_searchpath_new(cy_searchpath **out);
void cy_searchpath_free(cy_searchpath *sp);
int cy_searchpath_copy(cy_searchpath **out, const cy_searchpath *sp);

size_t cy_searchpath_len(const cy_searchpath *sp);
const char *cy_searchpath_provider(const cy_searchpath *sp, size_t i);
const char *cy_searchpath_path(const cy_searchpath *sp, size_t i);

/* Appends (provider, path); with an anchor (anchor_provider and/or anchor_path not NULL), inserts
 * right after the last entry matching the anchor instead (appends when none matches). */
int cy_searchpath_append(cy_searchpath *sp, const char *provider, const char *path,
                         const char *anchor_provider, const char *anchor_path);

/* Prepends (provider, path); with an anchor, inserts right before the first entry matching it
 * (prepends when none matches). */
int cy_searchpath_prepend(cy_searchpath *sp, const char *provider, const char *path,
                          const char *anchor_provider, const char *anchor_path);

/* ---------------------------------------------------------------------------------------------
 * Loader: a search path and a store, plus the run facts that go into hydra.runtime/hydra.job
 */

typedef struct cy_loader cy_loader;

typedef struct cy_loader_opts {
    cy_store *store;        /* the `structured://` source; NULL: cy_store_instance() */
    const char *config_dir; /* primary config directory (provider "main"): an absolute directory
                               or "pkg://module"; NULL when there is none */
    const char *extra_dir;  /* -cd/--config-dir (provider "command-line"): made absolute, must
                               exist; NULL for none */
    const cy_searchpath *search_path; /* use this search path as given instead of building
                                         Hydra's from the fields above (it must end with
                                         structured://) */
    const char *job_name;     /* hydra.job.name unless the config sets it (the app's name) */
    const char *version_base; /* hydra.runtime.version_base; NULL: "1.3" (semantics are always
                                 those of version_base 1.2+) */
    const char *cwd;          /* hydra.runtime.cwd; NULL: the process's working directory */
} cy_loader_opts;

#define CY_LOADER_OPTS_INIT                                                                        \
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* Builds Hydra's search path: hydra -> pkg://hydra.conf, main -> config_dir,
 * command-line -> extra_dir (before the schema entry), schema -> structured://. Errors:
 * "Additional config directory '<abs>' not found" (CY_ENOTFOUND, SearchPathException). */
int cy_loader_new(cy_loader **out, const cy_loader_opts *opts);
void cy_loader_free(cy_loader *loader);

const cy_searchpath *cy_loader_searchpath(const cy_loader *loader);
cy_store *cy_loader_store(const cy_loader *loader);

/* ---------------------------------------------------------------------------------------------
 * Composing
 */

typedef enum cy_run_mode {
    CY_MODE_RUN = 1,      /* sweeps are errors ("Ambiguous value for argument ...") */
    CY_MODE_MULTIRUN = 2, /* sweeps allowed (not on hydra.*) and not applied; ??? groups skipped */
} cy_run_mode;

typedef struct cy_compose_opts {
    const char *config_name;      /* primary config; NULL for none */
    const char *const *overrides; /* command-line overrides, as typed */
    size_t n_overrides;
    cy_run_mode mode;
    bool from_shell;      /* sweep hints quote for a shell: key=\'value1,value2\' */
    bool validate_sweeps; /* false skips the sweep checks (as Hydra's get_mode composes) */
    bool no_hydra;        /* leave hydra/config out of the defaults tree and do not fill the
                             hydra node (for tests and tools; Hydra always includes it) */
} cy_compose_opts;

#define CY_COMPOSE_OPTS_INIT                                                                       \
    { NULL, NULL, 0, CY_MODE_RUN, true, true, false }

/* One entry of the flattened defaults list (Hydra's ResultDefault). */
typedef struct cy_result_default {
    const char *config_path;  /* "db/mysql", "hydra/config", "config" */
    const char *package;      /* final package: "db", "hydra.launcher", "" for the root */
    const char *parent;       /* config path of the config that listed it, "<root>", or NULL */
    const char *override_key; /* "db", "db@backup" for group options; NULL otherwise */
    bool is_self;             /* the _self_ of config_path (its own content) */
    bool primary;
} cy_result_default;

typedef enum cy_default_kind {
    CY_DEFAULT_ROOT,   /* the virtual root above hydra/config and the primary config */
    CY_DEFAULT_CONFIG, /* a config by path ("db/mysql", "_self_", the primary config) */
    CY_DEFAULT_GROUP,  /* a group choice ("db: mysql") */
} cy_default_kind;

/* A node of the defaults tree (Hydra's DefaultsTreeNode/InputDefault). */
typedef struct cy_default_node {
    cy_default_kind kind;
    const char *label;       /* as --info defaults-tree prints it: "<root>", "hydra/config",
                                "db: mysql", "db@backup: pg", "hydra/callbacks: null", "_self_" */
    const char *config_path; /* "db/mysql" (NULL for the root) */
    const char *group;       /* group path for CY_DEFAULT_GROUP */
    const char *name;        /* chosen option (NULL for null) */
    const char *package;     /* final package ("" for the root); NULL for the root */
    bool is_self, primary, optional, override, deleted, missing;
    struct cy_default_node **children; /* expanded defaults, in order; NULL for leaves */
    size_t n_children;
} cy_default_node;

typedef struct cy_defaults {
    const cy_result_default *list; /* the defaults list, in merge order */
    size_t len;
    const cy_default_node *tree;
    /* the group choices in the order Hydra records them (hydra.runtime.choices) */
    const char *const *choice_keys;
    const char *const *choice_values; /* NULL for null */
    size_t n_choices;
} cy_defaults;

/* A config source on the effective search path (hydra.runtime.config_sources). */
typedef struct cy_source_info {
    const char *provider; /* "hydra", "main", "schema", "command-line", ... */
    const char *scheme;   /* "pkg", "file", "structured" */
    const char *path;     /* "hydra.conf", "/abs/conf", "" */
} cy_source_info;

typedef struct cy_repo cy_repo; /* the config sources of one composition */

typedef struct cy_composed {
    cy_node *cfg;                  /* the whole config, `hydra` node included */
    const cy_defaults *defaults;   /* what was merged */
    const cy_source_info *sources; /* the effective search path */
    size_t n_sources;
    cy_repo *repo;               /* for listing groups and options (below) */
    const char *const *warnings; /* what Hydra would show as UserWarnings, one text each */
    size_t n_warnings;
} cy_composed;

/* Hydra's load_configuration: composes the config. On error the arena may hold partial
 * results; the error text is what Hydra prints (cy_error_text). */
int cy_compose(cy_composed *out, cy_arena *arena, cy_loader *loader, const cy_compose_opts *opts);

/* Hydra's compute_defaults_list: the defaults list and tree only (--info defaults,
 * --info defaults-tree), with the same errors as composing would give for them. */
int cy_compose_defaults(const cy_defaults **out, cy_arena *arena, cy_loader *loader,
                        const cy_compose_opts *opts);

/* Hydra's load_sweep_config: the config of one job of a sweep. master is the multirun
 * composition's config (its hydra.job.config_name and hydra.overrides.hydra are reused);
 * job_overrides are that job's overrides ("lr=0.1", "db=pg"). Composed in RUN mode. */
int cy_compose_sweep_job(cy_composed *out, cy_arena *arena, cy_loader *loader,
                         const cy_node *master, const char *const *job_overrides, size_t n);

/* Hydra's override_dirname: the task overrides' input lines whose key is not in exclude_keys,
 * sorted, joined with item_sep, every '=' replaced by kv_sep. In arena. */
const char *cy_override_dirname(cy_arena *arena, const char *const *lines, const char *const *keys,
                                size_t n, const char *kv_sep, const char *item_sep,
                                const char *const *exclude_keys, size_t n_exclude);

/* ---------------------------------------------------------------------------------------------
 * Groups and options (for --help, --hydra-help, shell completion, glob sweeps)
 */

/* The repository of the loader's search path (without hydra.searchpath additions). */
int cy_loader_repo(cy_repo **out, cy_arena *arena, cy_loader *loader);

/* Options (CY_OBJ_CONFIG) or sub-groups (CY_OBJ_GROUP) of a group ("" for the top level), sorted
 * and unique over all sources. In arena. */
int cy_repo_group_options(const char ***out, size_t *n, cy_arena *arena, cy_repo *repo,
                          const char *group, cy_object_type filter);

/* Every group that has options, recursively ("db", "hydra/launcher", ...), as Hydra's
 * list_all_config_groups orders them. */
int cy_repo_all_groups(const char ***out, size_t *n, cy_arena *arena, cy_repo *repo);

bool cy_repo_group_exists(cy_repo *repo, const char *group);

/* ---------------------------------------------------------------------------------------------
 * Printing, as Hydra prints (every char ** result is malloc'd; the caller frees it)
 */

typedef enum cy_cfg_part {
    CY_CFG_JOB,   /* --cfg job: without the hydra node */
    CY_CFG_HYDRA, /* --cfg hydra: only the hydra node, without hydra.help/hydra.hydra_help */
    CY_CFG_ALL,   /* --cfg all */
} cy_cfg_part;

typedef struct cy_show_opts {
    cy_cfg_part part;
    const char *package; /* --package/-p: a dotted key to print, "_global_"/NULL for all */
    bool resolve;        /* --resolve */
} cy_show_opts;

#define CY_SHOW_OPTS_INIT                                                                          \
    { CY_CFG_JOB, NULL, false }

/* A copy of cfg reduced to one part (in arena). */
int cy_compose_cfg_part(cy_node **out, cy_arena *arena, const cy_node *cfg, cy_cfg_part part);

/* What `--cfg <part> [--package p] [--resolve]` prints on stdout: the YAML, or "# @package p"
 * and the YAML of a sub-config, or a scalar and a newline. Errors: "package 'p' not found in
 * config" (CY_ENOTFOUND), resolution errors. */
int cy_render_cfg(char **out, const cy_node *cfg, const cy_show_opts *opts);

/* --info defaults: "\nDefaults List\n*************\n| Config path ... |\n...". */
int cy_render_defaults_list(char **out, const cy_defaults *defaults);

/* --info defaults-tree: "\nDefaults Tree\n*************\n<root>:\n  hydra/config:\n...". */
int cy_render_defaults_tree(char **out, const cy_defaults *defaults);

/* --info searchpath: "\nConfig search path\n******************\n| Provider | Search path |...". */
int cy_render_searchpath(char **out, const cy_source_info *sources, size_t n);

/* Hydra's format_config_groups for --help ($APP_CONFIG_GROUPS, hydra_groups false) and
 * --hydra-help ($HYDRA_CONFIG_GROUPS, hydra_groups true): "group: opt1, opt2\n" per group
 * (compact) or "group:\n  opt1\n  opt2\n". */
int cy_render_config_groups(char **out, cy_repo *repo, bool hydra_groups, bool compact);

#ifdef __cplusplus
}
#endif

#endif
