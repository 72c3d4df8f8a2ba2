/*
 * cydra/yaml.h - YAML in and out, as OmegaConf reads and writes it.
 *
 * Loading goes through libyaml with YAML 1.1 plain-scalar rules as PyYAML's SafeLoader applies them
 * plus OmegaConf's float resolver (1e-3 is a float, yes/on are bools, 0x1F and 010 are ints, 1:30
 * is a sexagesimal int, timestamps stay strings), duplicate keys rejected, anchors and aliases
 * expanded into copies, merge keys (<<) flattened; errors carry file:line:column. Emitting is
 * byte-identical to OmegaConf.to_yaml for the same tree: block style, key order kept, floats as
 * PyYAML writes them (1.0, 1.0e-06, .inf, .nan), strings quoted when they would read back as
 * another type ('True', '1e-3', 'null'), ??? bare, {} and [] for empty containers, unicode kept,
 * long strings folded at 80 columns, multi-line strings quoted. docs/yaml.md has the rules and
 * the few places where cydra differs from OmegaConf.
 *
 *     cy_node *cfg;
 *     if (cy_yaml_load_file(&cfg, arena, "conf/config.yaml", NULL) < 0) ...
 *         // "conf/config.yaml:3:5: found duplicate key lr (while constructing a mapping ...)"
 *     char *text;
 *     cy_yaml_emit(&text, cfg, 0);   // malloc'd, caller frees
 *
 * Hostile input is bounded: nesting depth, alias expansion (no billion laughs), input size; each
 * limit is a clear error (CY_ELIMIT), never a crash or a hang.
 *
 * Errors: CY_EPARSE for syntax and construction errors (cy_error.exc names PyYAML's class:
 * ReaderError, ScannerError, ParserError, ComposerError, ConstructorError, or GrammarParseError for
 * a malformed interpolation), CY_ELIMIT for the limits and for integers beyond 64 bits,
 * CY_EVALIDATION for a null key or a top-level number/bool, CY_EIO for files.
 */
#ifndef CYDRA_YAML_H
#define CYDRA_YAML_H

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cy_yaml_opts {
    size_t max_depth; /* nesting of collections, also as alias expansion makes it (at most
                         10000 whatever is asked: construction recurses) */
    size_t max_bytes; /* input size */
    size_t max_nodes; /* keys and values created, every alias expanded counted again */
} cy_yaml_opts;

#define CY_YAML_OPTS_INIT                                                                          \
    { .max_depth = 512, .max_bytes = 64u << 20, .max_nodes = 4u << 20 }

/* OmegaConf.create(text): loads a document into a new untyped tree (dicts, lists, values) in
 * arena. An empty or null document gives an empty dict, a top-level string s the dict {s: null}
 * (as OmegaConf), a top-level number or bool is an error. Every node's `source` is
 * "name:line:column" (1-based) of where it was read. name is used in messages ("config.yaml:3:5:
 * ..."; "<string>" when NULL). opts may be NULL. On error *out is NULL (nodes built before the
 * error stay in the arena until it is freed). */
int cy_yaml_load_str(cy_node **out, cy_arena *arena, const char *text, size_t len, const char *name,
                     const cy_yaml_opts *opts);

/* OmegaConf.load(path): as cy_yaml_load_str on the file's bytes (UTF-8), except that a top-level
 * string is parsed once more as a document, as OmegaConf.load hands it to OmegaConf.create. */
int cy_yaml_load_file(cy_node **out, cy_arena *arena, const char *path, const cy_yaml_opts *opts);

/* A plain (unquoted) scalar as the loader would type it: null, bool, int, float or string (a
 * string through cy_new_str, so "???" is MISSING and "${...}" an interpolation, not validated
 * here). NULL, with the error set, where the loader fails too: text that matches a number pattern
 * but does not convert ("0x_", "._"), an int beyond 64 bits, "<<" and "=". */
cy_node *cy_yaml_plain_scalar(cy_arena *arena, const char *text);

enum {
    CY_YAML_RESOLVE = 1,   /* resolve interpolations first (to_yaml(resolve=True)) */
    CY_YAML_SORT_KEYS = 2, /* sort dict keys (to_yaml(sort_keys=True)) */
    CY_YAML_NO_FSYNC = 4,  /* cy_yaml_write_file: rename without fsync (still atomic against a
                              crashing writer, not against power loss) */
};

/* OmegaConf.to_yaml(node). *out is a malloc'd string the caller frees (NULL on error); a tree
 * nested deeper than 10000 levels is refused (CY_ELIMIT). A scalar
 * node gives what yaml.dump gives for it ("5\n...\n"). With CY_YAML_RESOLVE an interpolation that
 * cannot be resolved (also one that points at ???) is an error, as in OmegaConf. Bytes that are not
 * UTF-8 come out as Python shows them after decoding with surrogateescape ("\uDCFF"). */
int cy_yaml_emit(char **out, const cy_node *node, unsigned flags);

/* Writes cy_yaml_emit's text to path via a temporary file in the same directory, fsync and a
 * rename (an existing file keeps its permissions). Errors name the file. */
int cy_yaml_write_file(const char *path, const cy_node *node, unsigned flags);

/* True when OmegaConf's dumper would quote this string as a value (it reads back as bool, int,
 * float, null, or otherwise is not a plain scalar). */
bool cy_yaml_str_needs_quotes(const char *s);

#ifdef __cplusplus
}
#endif

#endif
