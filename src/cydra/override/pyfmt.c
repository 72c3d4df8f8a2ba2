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

void ov_str_repr(sbuf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    sb_putc(b, q);
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        uint32_t c = utf8_next(u, n, &i);
        if (c == (uint32_t)q || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else if (c == '\t') {
            sb_puts(b, "\\t");
        } else if (c == '\n') {
            sb_puts(b, "\\n");
        } else if (c == '\r') {
            sb_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7F) {
            sb_printf(b, "\\x%02x", c);
        } else if (c < 0x7F) {
            sb_putc(b, (char)c);
        } else if (printable(c)) {
            sb_putn(b, s + start, i - start);
        } else if (c <= 0xFF) {
            sb_printf(b, "\\x%02x", c);
        } else if (c <= 0xFFFF) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_printf(b, "\\U%08x", c);
        }
    }
    sb_putc(b, q);
}

/* ---------------------------------------------------------------------------------------------
 * repr() / str() of values
 */

static void tags_repr(sbuf *b, const cy_override_tags *t) {
    if (t->count == 0) {
        sb_puts(b, "set()");
        return;
    }
    sb_putc(b, '{');
    for (size_t i = 0; i < t->count; i++) {
        if (i)
            sb_puts(b, ", ");
        ov_str_repr(b, t->names[i], strlen(t->names[i]));
    }
    sb_putc(b, '}');
}

static void list_repr(sbuf *b, cy_override_value *const *items, size_t n) {
    sb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_puts(b, ", ");
        ov_value_repr(b, items[i]);
    }
    sb_putc(b, ']');
}

void ov_value_repr(sbuf *b, const cy_override_value *v) {
    char tmp[32];
    switch (v->kind) {
    case CY_OV_NULL:
        sb_puts(b, "None");
        break;
    case CY_OV_BOOL:
        sb_puts(b, v->u.boolean ? "True" : "False");
        break;
    case CY_OV_INT:
        sb_printf(b, "%lld", (long long)v->u.integer);
        break;
    case CY_OV_FLOAT:
        ov_float_repr(v->u.flt.value, tmp);
        sb_puts(b, tmp);
        break;
    case CY_OV_STRING:
        ov_str_repr(b, v->u.str.text, v->u.str.len);
        break;
    case CY_OV_QUOTED:
        sb_puts(b, "QuotedString(text=");
        ov_str_repr(b, v->u.str.text, v->u.str.len);
        sb_puts(b, v->u.str.quote == '"' ? ", quote=<Quote.double: 1>)"
                                         : ", quote=<Quote.single: 0>)");
        break;
    case CY_OV_LIST:
        list_repr(b, v->u.list.items, v->u.list.count);
        break;
    case CY_OV_DICT:
        sb_putc(b, '{');
        for (size_t i = 0; i < v->u.dict.count; i++) {
            if (i)
                sb_puts(b, ", ");
            ov_value_repr(b, v->u.dict.keys[i]);
            sb_puts(b, ": ");
            ov_value_repr(b, v->u.dict.values[i]);
        }
        sb_putc(b, '}');
        break;
    case CY_OV_CHOICE:
        sb_puts(b, "ChoiceSweep(tags=");
        tags_repr(b, &v->u.choice.tags);
        sb_puts(b, ", list=");
        list_repr(b, v->u.choice.items, v->u.choice.count);
        sb_printf(b, ", simple_form=%s, shuffle=%s)", v->u.choice.simple_form ? "True" : "False",
                  v->u.choice.shuffle ? "True" : "False");
        break;
    case CY_OV_RANGE:
        sb_puts(b, "RangeSweep(tags=");
        tags_repr(b, &v->u.range.tags);
        sb_puts(b, ", start=");
        ov_value_repr(b, v->u.range.start);
        sb_puts(b, ", stop=");
        ov_value_repr(b, v->u.range.stop);
        sb_puts(b, ", step=");
        ov_value_repr(b, v->u.range.step);
        sb_printf(b, ", shuffle=%s)", v->u.range.shuffle ? "True" : "False");
        break;
    case CY_OV_INTERVAL:
        sb_puts(b, "IntervalSweep(tags=");
        tags_repr(b, &v->u.interval.tags);
        sb_puts(b, ", start=");
        ov_value_repr(b, v->u.interval.start);
        sb_puts(b, ", end=");
        ov_value_repr(b, v->u.interval.end);
        sb_putc(b, ')');
        break;
    case CY_OV_GLOB:
        sb_puts(b, "Glob(include=");
        list_repr(b, v->u.glob.include, v->u.glob.ninclude);
        sb_puts(b, ", exclude=");
        list_repr(b, v->u.glob.exclude, v->u.glob.nexclude);
        sb_putc(b, ')');
        break;
    }
}

void ov_value_str(sbuf *b, const cy_override_value *v) {
    if (v->kind == CY_OV_STRING)
        sb_putn(b, v->u.str.text, v->u.str.len);
    else
        ov_value_repr(b, v);
}

/* ---------------------------------------------------------------------------------------------
 * Hydra's escaping
 */

void ov_escape_special(sbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c && strchr("\\()[]{}:=, \t", c))
            sb_putc(b, '\\');
        sb_putc(b, c);
    }
}

/* QuotedString.with_quotes: escapes the quote character, and doubles every run of backslashes
 * that precedes a quote (including the closing one) so the text reads back unchanged. */
void ov_with_quotes(sbuf *b, const char *text, size_t n, char q) {
    sbuf t;
    sb_init(&t);
    for (size_t i = 0; i < n;) {
        if (text[i] == '\\') {
            size_t j = i;
            while (j < n && text[j] == '\\')
                j++;
            int before_quote = j == n || text[j] == q;
            for (size_t k = i; k < j; k++) {
                sb_putc(&t, '\\');
                if (before_quote)
                    sb_putc(&t, '\\');
            }
            i = j;
        } else {
            if (text[i] == q)
                sb_putc(&t, '\\');
            sb_putc(&t, text[i]);
            i++;
        }
    }
    sb_putc(b, q);
    if (t.s)
        sb_putn(b, t.s, t.len);
    if (t.failed)
        b->failed = 1;
    sb_putc(b, q);
    sb_free(&t);
}

/* Glob inside a list or dict: Hydra renders the dataclass through OmegaConf.structured, i.e. as
 * {include:[...],exclude:[...]} with every pattern converted to str (or OmegaConf's error). */
static int glob_patterns_str(sbuf *b, const char *field, cy_override_value *const *items, size_t n,
                             int sp, ov_fmt_error *fe) {
    sb_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const cy_override_value *x = items[i];
        if (i)
            sb_puts(b, sp ? ", " : ",");
        sbuf s;
        sb_init(&s);
        switch (x->kind) {
        case CY_OV_STRING:
        case CY_OV_INT:
        case CY_OV_FLOAT:
        case CY_OV_BOOL:
            ov_value_str(&s, x);
            ov_escape_special(b, s.s ? s.s : "", s.len);
            sb_free(&s);
            continue;
        case CY_OV_NULL:
            sb_printf(&fe->msg,
                      "Invalid type assigned: NoneType is not a subclass of str. value: None\n"
                      "    full_key: %s[%zu]\n    reference_type=List[str]\n    object_type=list",
                      field, i);
            break;
        case CY_OV_LIST:
        case CY_OV_DICT:
            sb_printf(&fe->msg, "Cannot convert '%s' to string: '", ov_py_type_name(x));
            ov_value_repr(&fe->msg, x);
            sb_printf(
                &fe->msg,
                "'\n    full_key: %s[%zu]\n    reference_type=List[str]\n    object_type=list",
                field, i);
            break;
        default:
            sb_printf(&fe->msg, "Invalid type assigned: %s is not a subclass of str. value: ",
                      ov_py_type_name(x));
            ov_value_repr(&fe->msg, x);
            sb_printf(&fe->msg, "\n    full_key: %zu\n    object_type=None", i);
            break;
        }
        sb_free(&s);
        fe->exc = "ValidationError";
        return -1;
    }
    sb_putc(b, ']');
    return 0;
}

int ov_element_str(sbuf *b, const cy_override_value *v, int sp, ov_fmt_error *fe) {
    char tmp[32];
    switch (v->kind) {
    case CY_OV_NULL:
        sb_puts(b, "null");
        return 0;
    case CY_OV_BOOL:
        sb_puts(b, v->u.boolean ? "True" : "False");
        return 0;
    case CY_OV_INT:
        sb_printf(b, "%lld", (long long)v->u.integer);
        return 0;
    case CY_OV_FLOAT:
        ov_float_repr(v->u.flt.value, tmp);
        sb_puts(b, tmp);
        return 0;
    case CY_OV_STRING:
        ov_escape_special(b, v->u.str.text, v->u.str.len);
        return 0;
    case CY_OV_QUOTED:
        ov_with_quotes(b, v->u.str.text, v->u.str.len, v->u.str.quote);
        return 0;
    case CY_OV_LIST:
        sb_putc(b, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                sb_puts(b, sp ? ", " : ",");
            if (ov_element_str(b, v->u.list.items[i], sp, fe) < 0)
                return -1;
        }
        sb_putc(b, ']');
        return 0;
    case CY_OV_DICT:
        sb_putc(b, '{');
        for (size_t i = 0; i < v->u.dict.count; i++) {
            if (i)
                sb_puts(b, sp ? ", " : ",");
            if (ov_element_str(b, v->u.dict.keys[i], 0, fe) < 0)
                return -1;
            sb_puts(b, sp ? ": " : ":");
            if (ov_element_str(b, v->u.dict.values[i], sp, fe) < 0)
                return -1;
        }
        sb_putc(b, '}');
        return 0;
    case CY_OV_GLOB: /* rendered again without space_after_sep, as Hydra does */
        sb_puts(b, "{include:");
        if (glob_patterns_str(b, "include", v->u.glob.include, v->u.glob.ninclude, 0, fe) < 0)
            return -1;
        sb_puts(b, ",exclude:");
        if (glob_patterns_str(b, "exclude", v->u.glob.exclude, v->u.glob.nexclude, 0, fe) < 0)
            return -1;
        sb_putc(b, '}');
        return 0;
    default:
        /* a sweep: Hydra takes the dataclass for a structured config and OmegaConf fails */
        fe->exc = "ConfigTypeError";
        sb_puts(&fe->msg,
                "issubclass() arg 1 must be a class\n    full_key: \n    object_type=None");
        return -1;
    }
}
