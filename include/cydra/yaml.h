/*
 * cydra/yaml.h - YAML in and out, as OmegaConf reads and writes it.
 *
 * Loading goes through libyaml with YAML 1.1 plain-scalar rules as PyYAML's SafeLoader applies them
 * plus OmegaConf's float resolver (1e-3 is a float, yes/on are bools, 0x1F and 010 are ints, 1:30
 * is a sexagesimal int, timestamps stay strings), duplicate keys rejected; errors carry
 * file:line:column. Emitting is byte-identical to OmegaConf.to_yaml for the same tree: block style,
 * key order kept, floats as PyYAML writes them (1.0, 1.0e-06, .inf, .nan), strings quoted when they
 * would read back as another type ('True', '1e-3', 'null'), ??? bare, {} and [] for empty
 * containers, unicode kept, long strings folded at 80 columns, multi-line strings quoted.
 *
 *     cy_node *cfg;
 *     if (cy_yaml_load_file(&cfg, arena, "conf/config.yaml", NULL) < 0) ...
 *     char *text;
 *     cy_yaml_emit(&text, cfg, 0);   // malloc'd, caller frees
 *
 * Hostile input is bounded: nesting depth, alias expansion (no billion laughs), input size; each
 * limit is a clear error, never a crash or a hang.
 */
#ifndef CYDRA_YAML_H
#define CYDRA_YAML_H

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_yaml_opts {
    size_t max_depth;    /* nesting of collections */
    size_t max_bytes;    /* input size */
    size_t max_nodes;    /* nodes created, aliases expanded included */
} cy_yaml_opts;

#define CY_YAML_OPTS_INIT {.max_depth = 512, .max_bytes = 64u << 20, .max_nodes = 4u << 20}

/* Loads a document into a new untyped tree (dicts, lists, values) in arena. An empty document
 * gives an empty dict. name is used in messages ("config.yaml:3:5: ..."). opts may be NULL. */
int cy_yaml_load_str(cy_node **out, cy_arena *arena, const char *text, size_t len,
                     const char *name, const cy_yaml_opts *opts);
int cy_yaml_load_file(cy_node **out, cy_arena *arena, const char *path, const cy_yaml_opts *opts);

/* A plain (unquoted) scalar as the loader would type it: null, bool, int, float or string. */
cy_node *cy_yaml_plain_scalar(cy_arena *arena, const char *text);

enum {
    CY_YAML_RESOLVE = 1,   /* resolve interpolations first (to_yaml(resolve=True)) */
    CY_YAML_SORT_KEYS = 2, /* sort dict keys (to_yaml(sort_keys=True)) */
};

/* OmegaConf.to_yaml(node). *out is a malloc'd string the caller frees. */
int cy_yaml_emit(char **out, const cy_node *node, unsigned flags);

/* Writes cy_yaml_emit's text to path via a temporary file in the same directory and a rename. */
int cy_yaml_write_file(const char *path, const cy_node *node, unsigned flags);

/* True when OmegaConf's dumper would quote this string (it reads back as bool, int, float, null,
 * or otherwise is not a plain scalar). */
bool cy_yaml_str_needs_quotes(const char *s);

#ifdef __cplusplus
}
#endif

#endif
