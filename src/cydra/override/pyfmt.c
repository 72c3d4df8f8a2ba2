/*
 * pyfmt.c - the Python spellings Hydra's output is made of.
 *
 * Hydra renders per-job overrides with str() of Python values (floats as repr: shortest digits
 * that read back to the same double), quotes values with its own escaping, and its error
 * messages embed repr() of strings and of its own objects (QuotedString, ChoiceSweep...).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/node.h"
#include "internal.h"

/* ---------------------------------------------------------------------------------------------
 * repr(float)
 */

/* digits (no sign, no dot) and decimal exponent of the p-digit decimal nearest to v:
 * v ~= 0.d1d2...dp * 10^decpt. */
/* Python's repr(float) is cy_float_repr's (libcydra's one implementation, checked against Python
 * on millions of doubles). */
void ov_float_repr(double v, char buf[32]) {
    cy_float_repr(v, buf);
}

char *cy_override_float_repr(double v, char buf[32]) {
    ov_float_repr(v, buf);
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * repr(str)
 */

/* Decodes one code point; invalid bytes decode as U+DC80..U+DCFF (surrogateescape, as Python
 * decodes command-line arguments). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i) {
    unsigned char c = s[*i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    }
    if (len && *i + len <= n) {
        size_t k = 1;
        for (; k < len; k++) {
            if ((s[*i + k] & 0xC0) != 0x80)
                break;
            cp = (cp << 6) | (s[*i + k] & 0x3F);
        }
        if (k == len && !(len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
            !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            *i += len;
            return cp;
        }
    }
    (*i)++;
    return 0xDC00 + c;
}

/* Python's str.isprintable() for a code point outside ASCII, for the ranges that occur in
 * practice (separators, format characters, private use, surrogates, non-characters). */
static int printable(uint32_t c) {
    if (c < 0xA1 || c == 0xAD)
        return 0;
    if (c == 0x034F || (c >= 0x0600 && c <= 0x0605) || c == 0x061C || c == 0x06DD || c == 0x070F ||
        c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) ||
        (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x3000 ||
        (c >= 0xD800 && c <= 0xF8FF) || c == 0xFEFF || (c >= 0xFFF0 && c <= 0xFFFB) ||
        (c & 0xFFFE) == 0xFFFE || (c >= 0xE0000 && c <= 0xE0FFF) || c >= 0xF0000)
        return 0;
    return 1;
}

void ov_str_repr(cy_sbuf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    cy__sb_putc(b, q);
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        uint32_t c = utf8_next(u, n, &i);
        if (c == (uint32_t)q || c == '\\') {
            cy__sb_putc(b, '\\');
            cy__sb_putc(b, (char)c);
        } else if (c == '\t') {
            cy__sb_puts(b, "\\t");
        } else if (c == '\n') {
            cy__sb_puts(b, "\\n");
        } else if (c == '\r') {
            cy__sb_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7F) {
            cy__sb_printf(b, "\\x%02x", c);
        } else if (c < 0x7F) {
            cy__sb_putc(b, (char)c);
        } else if (printable(c)) {
            cy__sb_putn(b, s + start, i - start);
        } else if (c <= 0xFF) {
            cy__sb_printf(b, "\\x%02x", c);
        } else if (c <= 0xFFFF) {
            cy__sb_printf(b, "\\u%04x", c);
        } else {
            cy__sb_printf(b, "\\U%08x", c);
        }
    }
    cy__sb_putc(b, q);
}

/* ---------------------------------------------------------------------------------------------
 * repr() / str() of values
 */

static void tags_repr(cy_sbuf *b, const cy_override_tags *t) {
    if (t->count == 0) {
        cy__sb_puts(b, "set()");
        return;
    }
    cy__sb_putc(b, '{');
    for (size_t i = 0; i < t->count; i++) {
        if (i)
            cy__sb_puts(b, ", ");
        ov_str_repr(b, t->names[i], strlen(t->names[i]));
    }
    cy__sb_putc(b, '}');
}

static void list_repr(cy_sbuf *b, cy_override_value *const *items, size_t n) {
    cy__sb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            cy__sb_puts(b, ", ");
        ov_value_repr(b, items[i]);
    }
    cy__sb_putc(b, ']');
}

void ov_value_repr(cy_sbuf *b, const cy_override_value *v) {
    char tmp[32];
    switch (v->kind) {
    case CY_OV_NULL:
        cy__sb_puts(b, "None");
        break;
    case CY_OV_BOOL:
        cy__sb_puts(b, v->u.boolean ? "True" : "False");
        break;
    case CY_OV_INT:
        cy__sb_printf(b, "%lld", (long long)v->u.integer);
        break;
    case CY_OV_FLOAT:
        ov_float_repr(v->u.flt.value, tmp);
        cy__sb_puts(b, tmp);
        break;
    case CY_OV_STRING:
        ov_str_repr(b, v->u.str.text, v->u.str.len);
        break;
    case CY_OV_QUOTED:
        cy__sb_puts(b, "QuotedString(text=");
        ov_str_repr(b, v->u.str.text, v->u.str.len);
        cy__sb_puts(b, v->u.str.quote == '"' ? ", quote=<Quote.double: 1>)"
                                             : ", quote=<Quote.single: 0>)");
        break;
    case CY_OV_LIST:
        list_repr(b, v->u.list.items, v->u.list.count);
        break;
    case CY_OV_DICT:
        cy__sb_putc(b, '{');
        for (size_t i = 0; i < v->u.dict.count; i++) {
            if (i)
                cy__sb_puts(b, ", ");
            ov_value_repr(b, v->u.dict.keys[i]);
            cy__sb_puts(b, ": ");
            ov_value_repr(b, v->u.dict.values[i]);
        }
        cy__sb_putc(b, '}');
        break;
    case CY_OV_CHOICE:
        cy__sb_puts(b, "ChoiceSweep(tags=");
        tags_repr(b, &v->u.choice.tags);
        cy__sb_puts(b, ", list=");
        list_repr(b, v->u.choice.items, v->u.choice.count);
        cy__sb_printf(b, ", simple_form=%s, shuffle=%s)",
                      v->u.choice.simple_form ? "True" : "False",
                      v->u.choice.shuffle ? "True" : "False");
        break;
    case CY_OV_RANGE:
        cy__sb_puts(b, "RangeSweep(tags=");
        tags_repr(b, &v->u.range.tags);
        cy__sb_puts(b, ", start=");
        ov_value_repr(b, v->u.range.start);
        cy__sb_puts(b, ", stop=");
        ov_value_repr(b, v->u.range.stop);
        cy__sb_puts(b, ", step=");
        ov_value_repr(b, v->u.range.step);
        cy__sb_printf(b, ", shuffle=%s)", v->u.range.shuffle ? "True" : "False");
        break;
    case CY_OV_INTERVAL:
        cy__sb_puts(b, "IntervalSweep(tags=");
        tags_repr(b, &v->u.interval.tags);
        cy__sb_puts(b, ", start=");
        ov_value_repr(b, v->u.interval.start);
        cy__sb_puts(b, ", end=");
        ov_value_repr(b, v->u.interval.end);
        cy__sb_putc(b, ')');
        break;
    case CY_OV_GLOB:
        cy__sb_puts(b, "Glob(include=");
        list_repr(b, v->u.glob.include, v->u.glob.ninclude);
        cy__sb_puts(b, ", exclude=");
        list_repr(b, v->u.glob.exclude, v->u.glob.nexclude);
        cy__sb_putc(b, ')');
        break;
    }
}

void ov_value_str(cy_sbuf *b, const cy_override_value *v) {
    if (v->kind == CY_OV_STRING)
        cy__sb_putn(b, v->u.str.text, v->u.str.len);
    else
        ov_value_repr(b, v);
}

/* ---------------------------------------------------------------------------------------------
 * Hydra's escaping
 */

void ov_escape_special(cy_sbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c && strchr("\\()[]{}:=, \t", c))
            cy__sb_putc(b, '\\');
        cy__sb_putc(b, c);
    }
}

/* QuotedString.with_quotes: escapes the quote character, and doubles every run of backslashes
 * that precedes a quote (including the closing one) so the text reads back unchanged. */
void ov_with_quotes(cy_sbuf *b, const char *text, size_t n, char q) {
    cy_sbuf t = {0};
    for (size_t i = 0; i < n;) {
        if (text[i] == '\\') {
            size_t j = i;
            while (j < n && text[j] == '\\')
                j++;
            int before_quote = j == n || text[j] == q;
            for (size_t k = i; k < j; k++) {
                cy__sb_putc(&t, '\\');
                if (before_quote)
                    cy__sb_putc(&t, '\\');
            }
            i = j;
        } else {
            if (text[i] == q)
                cy__sb_putc(&t, '\\');
            cy__sb_putc(&t, text[i]);
            i++;
        }
    }
    cy__sb_putc(b, q);
    if (t.s)
        cy__sb_putn(b, t.s, t.len);
    if (t.oom)
        b->oom = true;
    cy__sb_putc(b, q);
    cy__sb_free(&t);
}

/* Glob inside a list or dict: Hydra renders the dataclass through OmegaConf.structured, i.e. as
 * {include:[...],exclude:[...]} with every pattern converted to str (or OmegaConf's error). */
static int glob_patterns_str(cy_sbuf *b, const char *field, cy_override_value *const *items,
                             size_t n, int sp, ov_fmt_error *fe) {
    cy__sb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const cy_override_value *x = items[i];
        if (i)
            cy__sb_puts(b, sp ? ", " : ",");
        cy_sbuf s = {0};
        switch (x->kind) {
        case CY_OV_STRING:
        case CY_OV_INT:
        case CY_OV_FLOAT:
        case CY_OV_BOOL:
            ov_value_str(&s, x);
            ov_escape_special(b, s.s ? s.s : "", s.len);
            cy__sb_free(&s);
            continue;
        case CY_OV_NULL:
            cy__sb_printf(
                &fe->msg,
                "Invalid type assigned: NoneType is not a subclass of str. value: None\n"
                "    full_key: %s[%zu]\n    reference_type=List[str]\n    object_type=list",
                field, i);
            break;
        case CY_OV_LIST:
        case CY_OV_DICT:
            cy__sb_printf(&fe->msg, "Cannot convert '%s' to string: '", ov_py_type_name(x));
            ov_value_repr(&fe->msg, x);
            cy__sb_printf(
                &fe->msg,
                "'\n    full_key: %s[%zu]\n    reference_type=List[str]\n    object_type=list",
                field, i);
            break;
        default:
            cy__sb_printf(&fe->msg, "Invalid type assigned: %s is not a subclass of str. value: ",
                          ov_py_type_name(x));
            ov_value_repr(&fe->msg, x);
            cy__sb_printf(&fe->msg, "\n    full_key: %zu\n    object_type=None", i);
            break;
        }
        cy__sb_free(&s);
        fe->exc = "ValidationError";
        return -1;
    }
    cy__sb_putc(b, ']');
    return 0;
}

int ov_element_str(cy_sbuf *b, const cy_override_value *v, int sp, ov_fmt_error *fe) {
    char tmp[32];
    switch (v->kind) {
    case CY_OV_NULL:
        cy__sb_puts(b, "null");
        return 0;
    case CY_OV_BOOL:
        cy__sb_puts(b, v->u.boolean ? "True" : "False");
        return 0;
    case CY_OV_INT:
        cy__sb_printf(b, "%lld", (long long)v->u.integer);
        return 0;
    case CY_OV_FLOAT:
        ov_float_repr(v->u.flt.value, tmp);
        cy__sb_puts(b, tmp);
        return 0;
    case CY_OV_STRING:
        ov_escape_special(b, v->u.str.text, v->u.str.len);
        return 0;
    case CY_OV_QUOTED:
        ov_with_quotes(b, v->u.str.text, v->u.str.len, v->u.str.quote);
        return 0;
    case CY_OV_LIST:
        cy__sb_putc(b, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                cy__sb_puts(b, sp ? ", " : ",");
            if (ov_element_str(b, v->u.list.items[i], sp, fe) < 0)
                return -1;
        }
        cy__sb_putc(b, ']');
        return 0;
    case CY_OV_DICT:
        cy__sb_putc(b, '{');
        for (size_t i = 0; i < v->u.dict.count; i++) {
            if (i)
                cy__sb_puts(b, sp ? ", " : ",");
            if (ov_element_str(b, v->u.dict.keys[i], 0, fe) < 0)
                return -1;
            cy__sb_puts(b, sp ? ": " : ":");
            if (ov_element_str(b, v->u.dict.values[i], sp, fe) < 0)
                return -1;
        }
        cy__sb_putc(b, '}');
        return 0;
    case CY_OV_GLOB: /* rendered again without space_after_sep, as Hydra does */
        cy__sb_puts(b, "{include:");
        if (glob_patterns_str(b, "include", v->u.glob.include, v->u.glob.ninclude, 0, fe) < 0)
            return -1;
        cy__sb_puts(b, ",exclude:");
        if (glob_patterns_str(b, "exclude", v->u.glob.exclude, v->u.glob.nexclude, 0, fe) < 0)
            return -1;
        cy__sb_putc(b, '}');
        return 0;
    default:
        /* a sweep: Hydra takes the dataclass for a structured config and OmegaConf fails */
        fe->exc = "ConfigTypeError";
        cy__sb_puts(&fe->msg,
                    "issubclass() arg 1 must be a class\n    full_key: \n    object_type=None");
        return -1;
    }
}
