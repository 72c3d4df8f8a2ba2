/*
 * interp_internal.h - what the interpolation modules share (interp_parse.c, interp.c,
 * resolver.c): the token types and parse tree of OmegaConf's interpolation grammar, the
 * registry lookup and the resolution entry points resolvers use.
 *
 * The grammar is OmegaConf 2.2's OmegaConfGrammarLexer.g4 / OmegaConfGrammarParser.g4. The parse
 * tree keeps what OmegaConf's GrammarVisitor looks at: token types and texts (un-escaping depends
 * on them) and each element's source text (resolvers get it as args_str).
 */
#ifndef CYDRA_INTERP_INTERNAL_H
#define CYDRA_INTERP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cydra/interp.h"
#include "node_internal.h"

/* Token types, numbered as the ANTLR lexer numbers them (error messages list expected tokens in
 * this order). 0 is EOF. */
enum {
    IT_EOF = 0,
    IT_ANY_STR = 1,
    IT_ESC_INTER = 2,
    IT_TOP_ESC = 3,
    IT_INTER_OPEN = 4,
    IT_BRACE_OPEN = 5,
    IT_BRACE_CLOSE = 6,
    IT_QUOTE_OPEN_SINGLE = 7,
    IT_QUOTE_OPEN_DOUBLE = 8,
    IT_COMMA = 9,
    IT_BRACKET_OPEN = 10,
    IT_BRACKET_CLOSE = 11,
    IT_COLON = 12,
    IT_FLOAT = 13,
    IT_INT = 14,
    IT_BOOL = 15,
    IT_NULL = 16,
    IT_UNQUOTED_CHAR = 17,
    IT_ID = 18,
    IT_ESC = 19,
    IT_WS = 20,
    IT_INTER_CLOSE = 21,
    IT_DOT = 22,
    IT_INTER_KEY = 23,
    IT_MATCHING_QUOTE_CLOSE = 24,
    IT_QUOTED_ESC = 25,
};

/* Parse tree nodes. Children (kids) keep source order. */
typedef enum ip_kind {
    IP_TOKEN, /* a terminal: tok and its text src[start, end) */
    IP_TEXT,  /* text: tokens (ANY_STR, ESC, ESC_INTER, TOP_ESC, QUOTED_ESC) and interpolations */
    IP_NODE,  /* ${a.b[c]}: DOT / BRACKET tokens and config keys (ID, INTER_KEY, interpolation) */
    IP_RESOLVER,  /* ${name:args}: nname name parts (ID tokens, interpolations), then a sequence */
    IP_PRIMITIVE, /* unquoted element: tokens and interpolations */
    IP_DICTKEY,   /* key of a dict element: tokens */
    IP_QUOTED,    /* 'text' / "text": no kid (empty string) or one IP_TEXT */
    IP_LIST,      /* [seq]: no kid or one IP_SEQUENCE */
    IP_DICT,      /* {k: v, ...}: kids alternate IP_DICTKEY and element */
    IP_SEQUENCE,  /* elements and COMMA tokens, as written (empty elements are implied) */
} ip_kind;

typedef struct ip_ast {
    ip_kind kind;
    int tok;           /* IP_TOKEN: token type */
    size_t start, end; /* source span; for rules, from the first token to the end of the last */
    struct ip_ast **kids;
    size_t nkids, cap;
    size_t nname; /* IP_RESOLVER: how many kids form the name */
} ip_ast;

/* Parses `text` with OmegaConf's configValue rule (lexer in DEFAULT_MODE), or with singleElement
 * (lexer in VALUE_MODE) when single_element is set - what oc.decode uses. The tree lives in
 * arena `a`. On a syntax error sets GrammarParseError (CY_EPARSE) with ANTLR's message text and
 * stores the byte offset of the offending input in *err_pos (when not NULL); nesting deeper than
 * CY_INTERP_MAX_DEPTH is CY_ELIMIT. */
int cy__interp_parse(ip_ast **out, cy_arena *a, const char *text, bool single_element,
                     size_t *err_pos);

/* -- Resolution (interp.c) ------------------------------------------------------------------ */

/* A value while resolving: what OmegaConf's visitor passes around. IV_NODE: it stands for a
 * Python Node (borrowed from a tree, a container a resolver built, or an interpolation result)
 * rather than a plain Python value. IV_PLAIN: a list/dict that is a plain Python list/dict
 * (written in the interpolation, or returned by oc.decode) rather than a ListConfig/DictConfig.
 * IV_FRESH: built during this resolution and attached nowhere, so it may be adopted as is. */
enum { IV_NODE = 1, IV_PLAIN = 2, IV_FRESH = 4 };
typedef struct ip_val {
    const cy_node *n;
    unsigned flags;
} ip_val;

/* OmegaConf's memo: the nodes being dereferenced through node interpolations, to detect
 * "Recursive interpolation detected". */
typedef struct ip_memo {
    const cy_node **items;
    size_t n, cap;
} ip_memo;

/* Where an evaluation happens: the container holding the node being resolved (OmegaConf's
 * `self`, a resolver's _parent_), the node itself (_node_), the arena the result goes to, the
 * memo (NULL where OmegaConf passes none), the text the tree was parsed from, and a scratch arena
 * for everything else (freed after the resolution, so that reading a config again and again does
 * not grow its arena). */
typedef struct ip_ctx {
    const cy_node *parent;
    const cy_node *node;
    cy_arena *arena;
    ip_memo *memo;
    const char *src;
    cy_arena *scratch;
} ip_ctx;

/* OmegaConf's resolve_parse_tree: evaluates a tree (text, or a single element) as its
 * GrammarVisitor does; errors that are not Interpolation*Error become
 * InterpolationResolutionError "<class> raised while resolving interpolation: <message>". */
int cy__interp_eval(ip_val *out, const ip_ctx *cx, const ip_ast *tree);

/* OmegaConf's _utils._get_value: a value node gives its plain value, a container stays itself
 * (but one holding null, ??? or an interpolation gives that). */
ip_val cy__interp_get_value(cy_arena *a, ip_val v);

/* OmegaConf's select_node(cfg, key, absolute_key=True): key relative to `from` when it starts
 * with '.', else from the root; interpolations on the way and at the end resolved. out->n is
 * NULL when the key does not exist or leads through a non-container. *found (may be NULL): the
 * node found, before its own interpolation was resolved. */
int cy__interp_select(ip_val *out, const cy_node *from, const char *key, bool throw_on_missing,
                      const cy_node **found);

/* A plain string node (never classified as ??? or an interpolation). */
cy_node *cy__interp_plain_str(cy_arena *a, const char *s);

/* Python's type(v).__name__ for messages ("int", "str", "DictConfig", "list"). */
const char *cy__interp_type_name(ip_val v);

/* Python's str(v). */
const char *cy__interp_str(cy_arena *a, ip_val v);

/* True when v is a Python str. */
bool cy__interp_is_str(ip_val v);

/* -- Registry (resolver.c) ------------------------------------------------------------------ */

typedef struct cy__resolver {
    cy_resolver_fn fn;
    void *userdata;
    unsigned flags;
} cy__resolver;

/* Copies the registered resolver into *out (built-ins are registered on first use); false when
 * there is none of that name. */
bool cy__resolver_find(const char *name, cy__resolver *out);

/* The cached result of a CY_RESOLVER_CACHE resolver for these argument texts, copied into
 * arena, or NULL; and storing one (copied into process-lifetime storage). */
const cy_node *cy__resolver_cache_get(cy_arena *arena, const char *name,
                                      const char *const *args_text, size_t n, bool *plain);
void cy__resolver_cache_put(const char *name, const char *const *args_text, size_t n,
                            const cy_node *value, bool plain);

/* Passes an oc.deprecated warning to the handler set with cy_interp_set_warning_handler. */
void cy__interp_warn(const char *msg);

#endif
