/*
 * cydra/store.h - the config store: configs registered from C, as Hydra's ConfigStore.
 *
 * A store holds named configs, each either a structured config (a cy_schema declared with
 * CY_STRUCT/CY_SCHEMA), a config tree (cy_node) or YAML text, at the root ("mnistconf") or inside
 * a config group ("db/mysql", "hydra/launcher/basic"), optionally with a package (where in the
 * composed config it lands, like a "# @package" header). Composition (cydra/compose.h) reads the
 * store through the `structured://` entry of the search path, exactly as Hydra reads its
 * ConfigStore: `mnistconf` is a primary config, `db/mysql` is option `mysql` of group `db`.
 *
 *     cy_store *cs = cy_store_instance();                        // process-wide
 *     cy_store_schema(cs, NULL, "mnistconf", &MNISTConf_schema);   // cs.store(name=..., node=...)
 *     cy_store_schema(cs, "optim", "adam", &AdamConf_schema);      // group option optim=adam
 *
 *     cy_store_item it = CY_STORE_ITEM_INIT;                      // everything Hydra's store()
 * takes it.group = "hydra/launcher"; it.name = "local"; it.schema = &LocalLauncherConf_schema;
 *     it.provider = "cydra";
 *     cy_store_add(cs, &it);
 *
 * The process-wide store (cy_store_instance) starts with Hydra's own structured configs, as
 * importing Hydra registers them: `hydra/config` (HydraConf), `hydra/launcher/basic`,
 * `hydra/sweeper/basic` and `_dummy_empty_config_`. New stores (cy_store_new) start with the same
 * entries unless CY_STORE_BARE is given; tests use them to stay independent of each other.
 *
 * Hydra's YAML configs (hydra/job_logging/default, hydra/output/default, ...) are not in the
 * store: they are in the built-in package source `pkg://hydra.conf`. A store can serve as such a
 * package source under any module name (cy_store_register_pkg), so an application can embed its
 * config directory in the binary and put `pkg://myapp.conf` on the search path.
 *
 * Storing a config twice under one name replaces the first, as in Hydra. Nodes given to the store
 * are copied; schemas and YAML text must outlive the store (they are usually static). A store is
 * safe to use from several threads. Loading returns a fresh copy each time, so callers may change
 * what they get.
 */
#ifndef CYDRA_STORE_H
#define CYDRA_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cydra/node.h"
#include "cydra/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_store cy_store;

/* What a path names (Hydra's ObjectType). */
typedef enum cy_object_type {
    CY_OBJ_NOT_FOUND = 0,
    CY_OBJ_GROUP = 1,
    CY_OBJ_CONFIG = 2,
} cy_object_type;

/* Flags for cy_store_new. */
enum {
    CY_STORE_BARE = 1, /* without Hydra's own structured configs */
};

/* The process-wide store (created on first use, never freed). */
cy_store *cy_store_instance(void);

/* A new independent store. Free with cy_store_free. */
int cy_store_new(cy_store **out, unsigned flags);
void cy_store_free(cy_store *store);

/* One config to store: exactly one of schema, node and yaml is set. */
typedef struct cy_store_item {
    const char *group;       /* "db", "hydra/launcher"; NULL or "" for the root */
    const char *name;        /* "mysql" (a ".yaml" suffix is implied, as in Hydra) */
    const char *package;     /* "db", "_global_", ...; NULL for none (a YAML text's own
                                "# @package" header then applies) */
    const char *provider;    /* who provides it ("hydra", "cydra", the app's name) or NULL */
    const cy_schema *schema; /* a structured config: instantiated with its defaults */
    const cy_node *node;     /* a config tree: copied into the store */
    const char *yaml;        /* YAML text: parsed when first loaded (errors show then) */
} cy_store_item;

#define CY_STORE_ITEM_INIT                                                                         \
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* ConfigStore.store(): stores item (replacing a config of the same name). Errors: an empty name,
 * an item with not exactly one content, a group segment that is already a config. */
int cy_store_add(cy_store *store, const cy_store_item *item);

/* Shorthands for cy_store_add with no package or provider. group may be NULL. */
int cy_store_schema(cy_store *store, const char *group, const char *name, const cy_schema *schema);
int cy_store_node(cy_store *store, const char *group, const char *name, const cy_node *node);
int cy_store_yaml(cy_store *store, const char *group, const char *name, const char *yaml);

/* What path ("db", "db/mysql", "mnistconf", with or without ".yaml") names in the store. */
cy_object_type cy_store_type(cy_store *store, const char *path);

/* The entries directly inside group path ("" for the root), sorted as Python sorts strings:
 * config names without ".yaml" when filter is CY_OBJ_CONFIG, sub-group names when CY_OBJ_GROUP,
 * both when CY_OBJ_NOT_FOUND. *out is an array of *n strings in arena. A path that is not a group
 * gives CY_ENOTFOUND. */
int cy_store_list(const char ***out, size_t *n, cy_arena *arena, cy_store *store, const char *path,
                  cy_object_type filter);

/* A loaded config: a fresh copy in the caller's arena. */
typedef struct cy_store_config {
    cy_node *node;        /* the config tree (typed for schemas) */
    const char *package;  /* the stored package, else a YAML "# @package" header, else NULL */
    const char *provider; /* as stored, or NULL */
} cy_store_config;

/* Loads config_path ("db/mysql" or "db/mysql.yaml") into arena. CY_ENOTFOUND when absent
 * ("Structured config not found db/mysql"); YAML errors as cy_yaml_load_str reports them. */
int cy_store_load(cy_store_config *out, cy_arena *arena, cy_store *store, const char *config_path);

/* Makes store readable as the package source `pkg://<module>` (e.g. "myapp.conf"), replacing a
 * store registered under that name before. The store must outlive its use; NULL unregisters.
 * "hydra.conf" is built in (Hydra's YAML configs) and cannot be replaced. */
int cy_store_register_pkg(const char *module, cy_store *store);

/* The store registered as `pkg://<module>`, or NULL. */
cy_store *cy_store_pkg(const char *module);

#ifdef __cplusplus
}
#endif

#endif
