/*
 * yaml_emit.c - OmegaConf.to_yaml, byte for byte.
 *
 * OmegaConf dumps with PyYAML's pure-Python emitter (yaml.Dumper plus a str representer that asks
 * for single quotes when a string looks like a bool, int or float to Python). libyaml's emitter is
 * a port of that emitter but not a faithful one: it measures the 128-character limit of simple
 * keys in bytes and without the tag PyYAML counts, allows an empty simple key, treats U+0085 and
 * astral characters differently and escapes what PyYAML writes raw. Each of those shows up in
 * ordinary configs (a long key in Chinese, an emoji in a help string), so this file follows
 * PyYAML's emitter instead: the same state (column in code points, the whitespace/indention flags,
 * the indent stack), the same scalar analysis and style choice, the same writers for plain,
 * single- and double-quoted scalars with folding at 80 columns. Only what to_yaml can produce is
 * covered: block mappings and sequences, empty flow collections, scalars; no anchors, no
 * literal/folded styles (the representer never asks for them).
 *
 * Strings are treated as Python would see them after decoding UTF-8 with surrogateescape, so an
 * invalid byte comes out as a "\uDCxx" escape rather than breaking the output.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cydra/error.h"
#include "cydra/interp.h"
#include "cydra/yaml.h"
#include "sbuf.h"
#include "yaml_internal.h"

#define BEST_WIDTH             80
#define CY_YAML_EMIT_MAX_DEPTH 10000
#define BEST_INDENT            2

typedef struct emitter {
    cy_sbuf out;     /* the text emitted so far */
    long column;     /* in code points, as PyYAML counts */
    int indent;      /* -1: PyYAML's None (nothing opened yet) */
    bool whitespace; /* the last character written is white space */
    bool indention;  /* only indentation and indicators on this line so far */
    bool open_ended; /* a plain root scalar: the stream needs "..." */
    int flow_level;
    unsigned flags;
    /* resolve mode: the containers being emitted, outermost first. An interpolation resolving
     * to one of them would emit forever (OmegaConf's to_container hits RecursionError). */
    const cy_node **path;
    size_t path_len, path_cap;
} emitter;

/* node contexts (expect_node's keyword arguments) */
enum { CTX_ROOT = 1, CTX_MAPPING = 2, CTX_SIMPLE_KEY = 4 };

typedef struct analysis {
    bool empty, multiline;
    bool allow_flow_plain, allow_block_plain, allow_single_quoted, allow_block;
} analysis;

typedef struct scalar {
    uint32_t *cp; /* the text as code points */
    size_t n;
    ytag tag;
    bool implicit0; /* the plain text resolves to tag */
    bool implicit1; /* the quoted text resolves to tag (only for strings) */
    char style;     /* requested: 0 (any) or '\'' */
    analysis an;
} scalar;

/* ---------------------------------------------------------------------------------------------
 * Output
 */

static void put_cp(emitter *em, uint32_t c) {
    char b[4];
    size_t n;
    if (c >= 0xDC80 && c <= 0xDCFF) { /* a surrogate-escaped byte goes back out as that byte */
        b[0] = (char)(c - 0xDC00);
        n = 1;
    } else if (c < 0x80) {
        b[0] = (char)c, n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6)), b[1] = (char)(0x80 | (c & 0x3F)), n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12)), b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F)), n = 3;
    } else {
        b[0] = (char)(0xF0 | (c >> 18)), b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F)), b[3] = (char)(0x80 | (c & 0x3F)), n = 4;
    }
    cy__sb_putn(&em->out, b, n);
}

/* text[start, end) */
static void write_span(emitter *em, const uint32_t *text, size_t start, size_t end) {
    for (size_t i = start; i < end; i++)
        put_cp(em, text[i]);
    em->column += (long)(end - start);
}

static void write_indicator(emitter *em, const char *ind, bool need_whitespace, bool whitespace,
                            bool indention) {
    if (!em->whitespace && need_whitespace) {
        cy__sb_putc(&em->out, ' ');
        em->column++;
    }
    cy__sb_puts(&em->out, ind);
    em->column += (long)strlen(ind);
    em->whitespace = whitespace;
    em->indention = em->indention && indention;
    em->open_ended = false;
}

static void write_line_break(emitter *em, uint32_t br) {
    em->whitespace = true;
    em->indention = true;
    em->column = 0;
    put_cp(em, br ? br : '\n');
}

static void write_indent(emitter *em) {
    long indent = em->indent < 0 ? 0 : em->indent;
    if (!em->indention || em->column > indent || (em->column == indent && !em->whitespace))
        write_line_break(em, 0);
    if (em->column < indent) {
        em->whitespace = true;
        while (em->column < indent) {
            cy__sb_putc(&em->out, ' ');
            em->column++;
        }
    }
}

static int increase_indent(emitter *em, bool flow, bool indentless) {
    int old = em->indent;
    if (em->indent < 0)
        em->indent = flow ? BEST_INDENT : 0;
    else if (!indentless)
        em->indent += BEST_INDENT;
    return old;
}

/* ---------------------------------------------------------------------------------------------
 * Scalars
 */

static bool is_break(uint32_t c) {
    return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

static bool is_blank_or_break0(uint32_t c) { /* '\0 \t\r\n\x85\u2028\u2029' */
    return c == 0 || c == ' ' || c == '\t' || c == '\r' || is_break(c);
}

static bool is_in(uint32_t c, const char *set) {
    return c < 0x80 && c && strchr(set, (int)c);
}

static analysis analyze(const uint32_t *s, size_t n) {
    analysis a = {0};
    if (n == 0) {
        a.empty = true;
        a.allow_block_plain = a.allow_single_quoted = true;
        return a;
    }
    bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
    bool leading_space = false, leading_break = false, trailing_space = false;
    bool trailing_break = false, break_space = false, space_break = false;
    if (n >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
                   (s[0] == '.' && s[1] == '.' && s[2] == '.')))
        block_ind = flow_ind = true;
    bool preceded_ws = true;
    bool followed_ws = n == 1 || is_blank_or_break0(s[1]);
    bool prev_space = false, prev_break = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (i == 0) {
            if (is_in(c, "#,[]{}&*!|>'\"%@`"))
                flow_ind = block_ind = true;
            if (c == '?' || c == ':') {
                flow_ind = true;
                if (followed_ws)
                    block_ind = true;
            }
            if (c == '-' && followed_ws)
                flow_ind = block_ind = true;
        } else {
            if (is_in(c, ",?[]{}"))
                flow_ind = true;
            if (c == ':') {
                flow_ind = true;
                if (followed_ws)
                    block_ind = true;
            }
            if (c == '#' && preceded_ws)
                flow_ind = block_ind = true;
        }
        if (is_break(c))
            line_breaks = true;
        if (!(c == '\n' || (c >= 0x20 && c <= 0x7E))) {
            bool printable = (c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
                              (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c < 0x10FFFF)) &&
                             c != 0xFEFF;
            if (!printable) /* allow_unicode: printable non-ASCII is written as is */
                special = true;
        }
        if (c == ' ') {
            if (i == 0)
                leading_space = true;
            if (i == n - 1)
                trailing_space = true;
            if (prev_break)
                break_space = true;
            prev_space = true, prev_break = false;
        } else if (is_break(c)) {
            if (i == 0)
                leading_break = true;
            if (i == n - 1)
                trailing_break = true;
            if (prev_space)
                space_break = true;
            prev_space = false, prev_break = true;
        } else {
            prev_space = prev_break = false;
        }
        preceded_ws = is_blank_or_break0(c);
        followed_ws = i + 2 >= n || is_blank_or_break0(s[i + 2]);
    }
    a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = a.allow_block = true;
    if (leading_space || leading_break || trailing_space || trailing_break)
        a.allow_flow_plain = a.allow_block_plain = false;
    if (trailing_space)
        a.allow_block = false;
    if (break_space)
        a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = false;
    if (space_break || special)
        a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = a.allow_block = false;
    if (line_breaks)
        a.allow_flow_plain = a.allow_block_plain = false;
    if (flow_ind)
        a.allow_flow_plain = false;
    if (block_ind)
        a.allow_block_plain = false;
    a.multiline = line_breaks;
    return a;
}

/* '\0' plain, '\'' single-quoted, '"' double-quoted */
static char choose_style(const emitter *em, const scalar *sc, bool simple_key) {
    const analysis *a = &sc->an;
    if (!sc->style && sc->implicit0) {
        if (!(simple_key && (a->empty || a->multiline)) &&
            ((em->flow_level && a->allow_flow_plain) || (!em->flow_level && a->allow_block_plain)))
            return '\0';
    }
    if (a->allow_single_quoted && !(simple_key && a->multiline))
        return '\'';
    return '"';
}

static void write_plain(emitter *em, const uint32_t *t, size_t n, bool split, bool root) {
    if (root)
        em->open_ended = true;
    if (n == 0)
        return;
    if (!em->whitespace) {
        cy__sb_putc(&em->out, ' ');
        em->column++;
    }
    em->whitespace = em->indention = false;
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= n; end++) {
        bool has = end < n;
        uint32_t ch = has ? t[end] : 0;
        if (spaces) {
            if (!has || ch != ' ') {
                if (start + 1 == end && em->column > BEST_WIDTH && split) {
                    write_indent(em);
                    em->whitespace = em->indention = false;
                } else {
                    write_span(em, t, start, end);
                }
                start = end;
            }
        } else if (breaks) {
            /* unreachable for what to_yaml emits (multi-line text is never plain); kept so the
             * writer stays whole */
            if (!has || !is_break(ch)) {
                if (t[start] == '\n')
                    write_line_break(em, 0);
                for (size_t i = start; i < end; i++)
                    write_line_break(em, t[i]);
                write_indent(em);
                em->whitespace = em->indention = false;
                start = end;
            }
        } else if (!has || ch == ' ' || is_break(ch)) {
            write_span(em, t, start, end);
            start = end;
        }
        if (has) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
    }
}

static void write_single_quoted(emitter *em, const uint32_t *t, size_t n, bool split) {
    write_indicator(em, "'", true, false, false);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= n; end++) {
        bool has = end < n;
        uint32_t ch = has ? t[end] : 0;
        if (spaces) {
            if (!has || ch != ' ') {
                if (start + 1 == end && em->column > BEST_WIDTH && split && start != 0 && end != n)
                    write_indent(em);
                else
                    write_span(em, t, start, end);
                start = end;
            }
        } else if (breaks) {
            if (!has || !is_break(ch)) {
                if (t[start] == '\n')
                    write_line_break(em, 0);
                for (size_t i = start; i < end; i++)
                    write_line_break(em, t[i]);
                write_indent(em);
                start = end;
            }
        } else if (!has || ch == ' ' || is_break(ch) || ch == '\'') {
            if (start < end) {
                write_span(em, t, start, end);
                start = end;
            }
        }
        if (has && ch == '\'') {
            cy__sb_putn(&em->out, "''", 2);
            em->column += 2;
            start = end + 1;
        }
        if (has) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
    }
    write_indicator(em, "'", false, false, false);
}

static const char *escape_of(uint32_t c) {
    switch (c) {
    case 0:
        return "0";
    case 0x07:
        return "a";
    case 0x08:
        return "b";
    case 0x09:
        return "t";
    case 0x0A:
        return "n";
    case 0x0B:
        return "v";
    case 0x0C:
        return "f";
    case 0x0D:
        return "r";
    case 0x1B:
        return "e";
    case '"':
        return "\"";
    case '\\':
        return "\\";
    case 0x85:
        return "N";
    case 0xA0:
        return "_";
    case 0x2028:
        return "L";
    case 0x2029:
        return "P";
    default:
        return NULL;
    }
}

static void write_double_quoted(emitter *em, const uint32_t *t, size_t n, bool split) {
    write_indicator(em, "\"", true, false, false);
    size_t start = 0;
    for (size_t end = 0; end <= n; end++) {
        bool has = end < n;
        uint32_t ch = has ? t[end] : 0;
        bool plain_char = (ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) ||
                          (ch >= 0xE000 && ch <= 0xFFFD);
        if (!has || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
            ch == 0xFEFF || !plain_char) {
            if (start < end) {
                write_span(em, t, start, end);
                start = end;
            }
            if (has) {
                char data[16];
                const char *e = escape_of(ch);
                if (e)
                    snprintf(data, sizeof data, "\\%s", e);
                else if (ch <= 0xFF)
                    snprintf(data, sizeof data, "\\x%02X", (unsigned)ch);
                else if (ch <= 0xFFFF)
                    snprintf(data, sizeof data, "\\u%04X", (unsigned)ch);
                else
                    snprintf(data, sizeof data, "\\U%08X", (unsigned)ch);
                cy__sb_puts(&em->out, data);
                em->column += (long)strlen(data);
                start = end + 1;
            }
        }
        if (end > 0 && end + 1 < n && (ch == ' ' || start >= end) &&
            em->column + (long)(end - start) > BEST_WIDTH && split) {
            /* fold: text[start:end] + "\" (empty when start > end), then a new line */
            if (start < end) {
                write_span(em, t, start, end);
                start = end;
            }
            cy__sb_putc(&em->out, '\\');
            em->column++;
            write_indent(em);
            em->whitespace = em->indention = false;
            if (t[start] == ' ') {
                cy__sb_putc(&em->out, '\\');
                em->column++;
            }
        }
    }
    write_indicator(em, "\"", false, false, false);
}

static const char *tag_text(ytag t) {
    switch (t) {
    case YT_NULL:
        return "!!null";
    case YT_BOOL:
        return "!!bool";
    case YT_INT:
        return "!!int";
    case YT_FLOAT:
        return "!!float";
    default:
        return "!!str";
    }
}

/* expect_scalar: process_tag, then process_scalar under an increased (flow) indent. */
static void emit_scalar(emitter *em, scalar *sc, int ctx) {
    bool simple_key = ctx & CTX_SIMPLE_KEY;
    char style = choose_style(em, sc, simple_key);
    if (!((style == '\0' && sc->implicit0) || (style != '\0' && sc->implicit1)))
        write_indicator(em, tag_text(sc->tag), true, false, false);
    int old = increase_indent(em, true, false);
    bool split = !simple_key;
    if (style == '"')
        write_double_quoted(em, sc->cp, sc->n, split);
    else if (style == '\'')
        write_single_quoted(em, sc->cp, sc->n, split);
    else
        write_plain(em, sc->cp, sc->n, split, ctx & CTX_ROOT);
    em->indent = old;
}

/* Fills sc for text of the given tag; for strings, as OmegaConf's str representer asks. */
static int make_scalar(scalar *sc, const char *text, ytag tag) {
    size_t len = strlen(text);
    memset(sc, 0, sizeof *sc);
    sc->cp = malloc((len + 1) * sizeof *sc->cp);
    if (!sc->cp)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory emitting YAML");
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += cy__utf8_next((const unsigned char *)text + i, len - i, &c);
        sc->cp[sc->n++] = c;
    }
    sc->tag = tag;
    sc->implicit0 = cy__yaml_resolve_dump(text, len) == tag;
    sc->implicit1 = tag == YT_STR;
    if (tag == YT_STR && (cy__yaml_is_bool_word(text, len) || cy__yaml_py_is_int(text, len) ||
                          cy__yaml_py_is_float(text, len)))
        sc->style = '\'';
    sc->an = analyze(sc->cp, sc->n);
    return 0;
}

/* check_simple_key: PyYAML counts the tag it would print ("!!str") whether or not it prints it. */
static bool simple_key_ok(const scalar *sc) {
    size_t length = strlen(tag_text(sc->tag)) + sc->n;
    return length < 128 && !sc->an.empty && !sc->an.multiline;
}

/* ---------------------------------------------------------------------------------------------
 * Nodes
 */

static int scalar_of_value(scalar *sc, const cy_node *n) {
    char buf[40];
    switch (n->kind) {
    case CY_NULL:
        return make_scalar(sc, "null", YT_NULL);
    case CY_BOOL:
        return make_scalar(sc, n->v.b ? "true" : "false", YT_BOOL);
    case CY_INT:
        snprintf(buf, sizeof buf, "%" PRId64, n->v.i);
        return make_scalar(sc, buf, YT_INT);
    case CY_FLOAT:
        return make_scalar(sc, cy__yaml_float_text(n->v.f, buf), YT_FLOAT);
    case CY_MISSING:
        return make_scalar(sc, "???", YT_STR);
    case CY_STR:
    case CY_INTERP:
    case CY_ENUM: /* to_container(enum_to_str=True): the member name */
        return make_scalar(sc, n->v.str.s ? n->v.str.s : "", YT_STR);
    default:
        return cy_error_set(CY_ERROR, NULL, "internal error: not a scalar node");
    }
}

static int scalar_of_key(scalar *sc, const cy_node *child) {
    const char *k = child->key ? child->key : "";
    char buf[40];
    switch (child->key_kind) {
    case CY_KEY_INT:
        return make_scalar(sc, k, YT_INT);
    case CY_KEY_FLOAT:
        return make_scalar(sc, cy__yaml_float_text(strtod(k, NULL), buf), YT_FLOAT);
    case CY_KEY_BOOL:
        return make_scalar(
            sc, (strcmp(k, "True") == 0 || strcmp(k, "true") == 0) ? "true" : "false", YT_BOOL);
    default:
        return make_scalar(sc, k, YT_STR);
    }
}

/* Python's `<` between two keys of a mapping being sorted; *comparable false when Python would
 * raise TypeError (str against a number), which makes PyYAML leave the mapping unsorted. */
static int key_cmp(const cy_node *a, const cy_node *b) {
    bool sa = a->key_kind == CY_KEY_STR, sb = b->key_kind == CY_KEY_STR;
    if (sa && sb)
        return strcmp(a->key, b->key);
    if (a->key_kind == CY_KEY_INT && b->key_kind == CY_KEY_INT) {
        long long x = strtoll(a->key, NULL, 10), y = strtoll(b->key, NULL, 10);
        return (x > y) - (x < y);
    }
    double x, y;
    x = a->key_kind == CY_KEY_BOOL ? (strcmp(a->key, "True") == 0) : strtod(a->key, NULL);
    y = b->key_kind == CY_KEY_BOOL ? (strcmp(b->key, "True") == 0) : strtod(b->key, NULL);
    return (x > y) - (x < y);
}

/* The children of a dict in emission order (a stable merge sort, as Python's sorted()). */
static cy_node **ordered_children(const cy_node *d, bool sort) {
    size_t n = d->v.c.len;
    cy_node **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, d->v.c.items, n * sizeof *v);
    if (!sort || n < 2)
        return v;
    bool any_str = false, any_num = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->key_kind == CY_KEY_STR)
            any_str = true;
        else
            any_num = true;
    }
    if (any_str && any_num)
        return v; /* TypeError in sorted(): PyYAML keeps the order */
    cy_node **tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        free(v);
        return NULL;
    }
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = key_cmp(v[j], v[i]) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
    return v;
}

static int emit_node(emitter *em, const cy_node *n, int ctx, int depth);

/* to_container(resolve=True) reads through interpolations: the value emitted is the target's. */
static int value_for(const cy_node **out, const emitter *em, const cy_node *n) {
    *out = n;
    if (!(em->flags & CY_YAML_RESOLVE) || n->kind != CY_INTERP)
        return 0;
    const cy_node *r = NULL;
    int rc = cy_node_resolve(n, &r); /* an interpolation to ??? is an error, as in OmegaConf */
    if (rc < 0)
        return rc;
    *out = r;
    return 0;
}

static int emit_children(emitter *em, const cy_node *n, int ctx, int depth) {
    bool is_dict = n->kind == CY_DICT;
    if (n->v.c.len == 0) {
        write_indicator(em, is_dict ? "{" : "[", true, true, false);
        em->flow_level++;
        int old = increase_indent(em, true, false);
        em->indent = old;
        em->flow_level--;
        write_indicator(em, is_dict ? "}" : "]", false, false, false);
        return 0;
    }
    if (!is_dict) {
        bool indentless = (ctx & CTX_MAPPING) && !em->indention;
        int old = increase_indent(em, false, indentless);
        for (size_t i = 0; i < n->v.c.len; i++) {
            write_indent(em);
            write_indicator(em, "-", true, false, true);
            int rc = emit_node(em, n->v.c.items[i], 0, depth + 1);
            if (rc < 0)
                return rc;
        }
        em->indent = old;
        return 0;
    }
    cy_node **kids = ordered_children(n, em->flags & CY_YAML_SORT_KEYS);
    if (!kids)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory emitting YAML");
    int old = increase_indent(em, false, false);
    int rc = 0;
    for (size_t i = 0; i < n->v.c.len && rc == 0; i++) {
        scalar key;
        rc = scalar_of_key(&key, kids[i]);
        if (rc < 0)
            break;
        write_indent(em);
        if (simple_key_ok(&key)) {
            emit_scalar(em, &key, CTX_MAPPING | CTX_SIMPLE_KEY);
            write_indicator(em, ":", false, false, false);
        } else {
            write_indicator(em, "?", true, false, true);
            emit_scalar(em, &key, CTX_MAPPING);
            write_indent(em);
            write_indicator(em, ":", true, false, true);
        }
        free(key.cp);
        rc = emit_node(em, kids[i], CTX_MAPPING, depth + 1);
    }
    free(kids);
    em->indent = old;
    return rc;
}

static int emit_node(emitter *em, const cy_node *n, int ctx, int depth) {
    if (depth > CY_YAML_EMIT_MAX_DEPTH) /* the emitter recurses: keep the C stack bounded */
        return cy_error_set(CY_ELIMIT, NULL, "config nested deeper than %d levels: not emitted",
                            CY_YAML_EMIT_MAX_DEPTH);
    int rc = value_for(&n, em, n);
    if (rc < 0)
        return rc;
    if (n->kind == CY_DICT || n->kind == CY_LIST) {
        if (!(em->flags & CY_YAML_RESOLVE))
            return emit_children(em, n, ctx, depth);
        for (size_t i = 0; i < em->path_len; i++)
            if (em->path[i] == n)
                return cy_error_set(CY_EINTERP, "InterpolationResolutionError",
                                    "Recursive interpolation detected: '%s' resolves to a config "
                                    "that contains it",
                                    cy_node_full_key(n));
        if (em->path_len == em->path_cap) {
            size_t cap = em->path_cap ? 2 * em->path_cap : 16;
            const cy_node **p = realloc(em->path, cap * sizeof *p);
            if (!p)
                return cy_error_set(CY_ENOMEM, NULL, "out of memory emitting YAML");
            em->path = p;
            em->path_cap = cap;
        }
        em->path[em->path_len++] = n;
        rc = emit_children(em, n, ctx, depth);
        em->path_len--;
        return rc;
    }
    scalar sc;
    rc = scalar_of_value(&sc, n);
    if (rc < 0)
        return rc;
    emit_scalar(em, &sc, ctx);
    free(sc.cp);
    return 0;
}

int cy_yaml_emit(char **out, const cy_node *node, unsigned flags) {
    *out = NULL;
    if (!node)
        return cy_error_set(CY_ERROR, NULL, "cy_yaml_emit: no node");
    emitter em = {.indent = -1, .whitespace = true, .indention = true, .flags = flags};
    int rc = emit_node(&em, node, CTX_ROOT, 0);
    free(em.path);
    if (rc == 0) {
        write_indent(&em); /* document end */
        if (em.open_ended) {
            write_indicator(&em, "...", true, false, false);
            write_indent(&em);
        }
        if (em.out.oom || !em.out.s)
            rc = cy_error_set(CY_ENOMEM, NULL, "out of memory emitting YAML");
    }
    if (rc < 0) {
        cy__sb_free(&em.out);
        return rc;
    }
    *out = cy__sb_take(&em.out);
    return 0;
}

bool cy_yaml_str_needs_quotes(const char *s) {
    scalar sc;
    if (make_scalar(&sc, s, YT_STR) < 0) {
        cy_error_clear();
        return true;
    }
    emitter em = {.indent = -1, .whitespace = true, .indention = true};
    bool quoted = choose_style(&em, &sc, false) != '\0';
    free(sc.cp);
    return quoted;
}

/* ---------------------------------------------------------------------------------------------
 * Files
 */

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int cy_yaml_write_file(const char *path, const cy_node *node, unsigned flags) {
    char *text;
    int rc = cy_yaml_emit(&text, node, flags);
    if (rc < 0)
        return cy_error_wrap("while writing %s", path);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 64);
    if (!tmp) {
        free(text);
        return cy_error_set(CY_ENOMEM, NULL, "out of memory writing %s", path);
    }
    /* O_EXCL on a fresh name in the same directory: the rename below is then atomic, and the
     * mode follows the umask as a plain open() would */
    static unsigned counter;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, plen + 64, "%s.tmp-%ld-%u", path, (long)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = cy_error_set(CY_EIO, NULL, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        (void)fchmod(fd, st.st_mode & 07777); /* replacing a file keeps its permissions */
    if (write_all(fd, text, strlen(text)) < 0 || (!(flags & CY_YAML_NO_FSYNC) && fsync(fd) < 0)) {
        rc = cy_error_set(CY_EIO, NULL, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) < 0) {
        rc = cy_error_set(CY_EIO, NULL, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        rc = cy_error_set(CY_EIO, NULL, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(text);
    return rc;
}
