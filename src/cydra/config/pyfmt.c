/*
 * pyfmt.c - values as Python shows them: repr(float), repr(str), str() and type names.
 *
 * OmegaConf's messages and its str conversions are Python's str()/repr() of the value it holds,
 * so "epochs=1e-3" on a str field gives '0.001' and a failing value is quoted as Python would.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "sbuf.h"

/* ---------------------------------------------------------------------------------------------
 * repr(float)
 *
 * Python prints the shortest digit string that reads back as the same double (David Gay's
 * mode 0), choosing the closest such string. printf's %.*e gives the correctly rounded
 * p-digit string, which is the closest p-digit decimal; trying p = 1, 2, ... finds the
 * shortest one that round-trips. The one case where the closest p-digit decimal misses while
 * another p-digit decimal hits is a power of two, whose rounding interval is narrower below
 * than above; there the next decimal up is tried as well.
 */

/* The p-digit candidate for f: digits (no dot) and the decimal exponent of the first digit.
 * Returns whether it reads back as f. */
static bool try_digits(double f, int p, char digits[24], int *exp10) {
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
    char *e = strchr(tmp, 'e');
    int ex = atoi(e + 1);
    int nd = 0;
    for (char *q = tmp; q < e; q++)
        if (*q >= '0' && *q <= '9')
            digits[nd++] = *q;
    digits[nd] = '\0';
    *exp10 = ex;
    if (strtod(tmp, NULL) == f)
        return true;
    int bexp;
    if (frexp(f, &bexp) != 0.5)
        return false;
    /* a power of two: the next p-digit decimal above may round-trip where the closest,
     * below, does not */
    char up[24];
    memcpy(up, digits, (size_t)nd + 1);
    int i = nd - 1, uex = ex;
    while (i >= 0 && up[i] == '9')
        up[i--] = '0';
    if (i >= 0) {
        up[i]++;
    } else {
        memmove(up + 1, up, (size_t)nd);
        up[0] = '1';
        up[nd] = '\0';
        uex++;
    }
    snprintf(tmp, sizeof tmp, "%c.%se%d", up[0], up + 1, uex);
    if (strtod(tmp, NULL) != f)
        return false;
    memcpy(digits, up, (size_t)nd + 1);
    *exp10 = uex;
    return true;
}

/* Shortest round-tripping digits; round-tripping is monotonic in the number of digits, so the
 * shortest length is found by bisection over 1..17 (17 always round-trips). */
static int shortest_digits(double f, char digits[24], int *exp10) {
    int lo = 1, hi = 17;
    char d[24];
    int e;
    /* most doubles that are not short decimals need 16 or 17 digits: look there first */
    if (!try_digits(f, 15, d, &e))
        lo = try_digits(f, 16, d, &e) ? 16 : 17, hi = lo;
    else
        hi = 15;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (try_digits(f, mid, d, &e))
            hi = mid;
        else
            lo = mid + 1;
    }
    try_digits(f, lo, digits, exp10);
    return (int)strlen(digits);
}

char *cy_float_repr(double f, char buf[32]) {
    if (isnan(f)) {
        strcpy(buf, "nan");
        return buf;
    }
    if (isinf(f)) {
        strcpy(buf, f < 0 ? "-inf" : "inf");
        return buf;
    }
    char *p = buf;
    if (signbit(f)) {
        *p++ = '-';
        f = -f;
    }
    if (f == 0) {
        strcpy(p, "0.0");
        return buf;
    }
    char d[24];
    int e;
    int nd = shortest_digits(f, d, &e);
    /* drop trailing zeros (%.*e may leave them for p > needed only in the 17-digit fallback) */
    while (nd > 1 && d[nd - 1] == '0')
        d[--nd] = '\0';
    if (e < -4 || e >= 16) {
        *p++ = d[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)nd - 1);
            p += nd - 1;
        }
        sprintf(p, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e >= 0) {
        if (nd <= e + 1) {
            memcpy(p, d, (size_t)nd);
            p += nd;
            for (int i = nd; i < e + 1; i++)
                *p++ = '0';
            strcpy(p, ".0");
        } else {
            memcpy(p, d, (size_t)e + 1);
            p += e + 1;
            *p++ = '.';
            memcpy(p, d + e + 1, (size_t)(nd - e - 1));
            p += nd - e - 1;
            *p = '\0';
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -e - 1; i++)
            *p++ = '0';
        memcpy(p, d, (size_t)nd);
        p[nd] = '\0';
    }
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * Text built in a cy_sbuf, copied to the arena at the end.
 */

/* Callers take these strings as they take any arena string, which never fails (the arena aborts
 * when out of memory, arena.c); a buffer that ran out of memory aborts the same way rather than
 * hand back truncated text. */
static const char *finish(cy_sbuf *b, cy_arena *a) {
    const char *r = cy__sb_finish_arena(b, a);
    if (!r)
        abort();
    return r;
}

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid. */
static int utf8_decode(const unsigned char *s, unsigned *cp) {
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n)
        return 0;
    unsigned c = s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Python's str.isprintable() for the non-ASCII code points configs realistically hold:
 * controls (Cc), format characters (Cf), separators other than the ASCII space (Zs, Zl, Zp)
 * and unassigned/private ranges are not printable. */
static bool py_printable(unsigned c) {
    if (c < 0x20 || c == 0x7F)
        return false;
    if (c < 0x7F)
        return true;
    if (c <= 0xA0 || c == 0xAD)
        return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || c == 0x061C || c == 0x180E ||
        (c >= 0xFFF9 && c <= 0xFFFB))
        return false;
    if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000 || (c & 0xFFFE) == 0xFFFE)
        return false;
    return true;
}

static void repr_str(cy_sbuf *b, const char *s) {
    char q = '\'';
    if (strchr(s, '\'') && !strchr(s, '"'))
        q = '"';
    cy__sb_putc(b, q);
    const unsigned char *p = (const unsigned char *)s;
    char tmp[16];
    while (*p) {
        unsigned c;
        int n = utf8_decode(p, &c);
        if (n == 0) {
            /* not valid UTF-8: Python would hold a surrogate escape; show the byte */
            snprintf(tmp, sizeof tmp, "\\udc%02x", *p);
            cy__sb_puts(b, tmp);
            p++;
            continue;
        }
        if (c == '\\')
            cy__sb_puts(b, "\\\\");
        else if (c == (unsigned char)q)
            cy__sb_putn(b, (const char[]){'\\', q}, 2);
        else if (c == '\n')
            cy__sb_puts(b, "\\n");
        else if (c == '\r')
            cy__sb_puts(b, "\\r");
        else if (c == '\t')
            cy__sb_puts(b, "\\t");
        else if (py_printable(c))
            cy__sb_putn(b, (const char *)p, (size_t)n);
        else {
            if (c < 0x100)
                snprintf(tmp, sizeof tmp, "\\x%02x", c);
            else if (c < 0x10000)
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
            else
                snprintf(tmp, sizeof tmp, "\\U%08x", c);
            cy__sb_puts(b, tmp);
        }
        p += n;
    }
    cy__sb_putc(b, q);
}

const char *cy_str_pyrepr(cy_arena *a, const char *s) {
    cy_sbuf b = {0};
    repr_str(&b, s);
    return finish(&b, a);
}

static void put_repr(cy_sbuf *b, const cy_node *n);

static void put_key(cy_sbuf *b, const cy_node *child) {
    switch (child->key_kind) {
    case CY_KEY_STR:
        repr_str(b, child->key);
        break;
    default: /* int, float and bool keys are kept in their repr already */
        cy__sb_puts(b, child->key);
        break;
    }
}

static void put_scalar_str(cy_sbuf *b, const cy_node *n, bool repr) {
    char tmp[40];
    switch (n->kind) {
    case CY_NULL:
        cy__sb_puts(b, "None");
        break;
    case CY_BOOL:
        cy__sb_puts(b, n->v.b ? "True" : "False");
        break;
    case CY_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)n->v.i);
        cy__sb_puts(b, tmp);
        break;
    case CY_FLOAT:
        cy__sb_puts(b, cy_float_repr(n->v.f, tmp));
        break;
    case CY_MISSING:
    case CY_INTERP:
    case CY_STR:
        if (repr)
            repr_str(b, n->v.str.s);
        else
            cy__sb_puts(b, n->v.str.s);
        break;
    case CY_ENUM: {
        const char *en = n->v.str.def ? n->v.str.def->name : "Enum";
        if (repr) {
            cy__sb_puts(b, "<");
            cy__sb_puts(b, en);
            cy__sb_puts(b, ".");
            cy__sb_puts(b, n->v.str.s);
            snprintf(tmp, sizeof tmp, ": %lld>", (long long)n->v.str.ei);
            cy__sb_puts(b, tmp);
        } else {
            cy__sb_puts(b, en);
            cy__sb_puts(b, ".");
            cy__sb_puts(b, n->v.str.s);
        }
        break;
    }
    case CY_DICT:
    case CY_LIST:
        put_repr(b, n);
        break;
    }
}

static void put_repr(cy_sbuf *b, const cy_node *n) {
    if (n->kind == CY_DICT) {
        cy__sb_puts(b, "{");
        for (size_t i = 0; i < n->v.c.len; i++) {
            if (i)
                cy__sb_puts(b, ", ");
            put_key(b, n->v.c.items[i]);
            cy__sb_puts(b, ": ");
            put_repr(b, n->v.c.items[i]);
        }
        cy__sb_puts(b, "}");
    } else if (n->kind == CY_LIST) {
        cy__sb_puts(b, "[");
        for (size_t i = 0; i < n->v.c.len; i++) {
            if (i)
                cy__sb_puts(b, ", ");
            put_repr(b, n->v.c.items[i]);
        }
        cy__sb_puts(b, "]");
    } else {
        put_scalar_str(b, n, true);
    }
}

const char *cy__node_pyrepr(cy_arena *a, const cy_node *n) {
    cy_sbuf b = {0};
    put_repr(&b, n);
    return finish(&b, a);
}

const char *cy_node_pystr(const cy_node *n) {
    cy_sbuf b = {0};
    put_scalar_str(&b, n, false);
    return finish(&b, n->arena);
}

const char *cy_node_pytype(const cy_node *n) {
    switch (n->kind) {
    case CY_NULL:
        return "NoneType";
    case CY_MISSING:
    case CY_INTERP:
    case CY_STR:
        return "str";
    case CY_BOOL:
        return "bool";
    case CY_INT:
        return "int";
    case CY_FLOAT:
        return "float";
    case CY_ENUM:
        return n->v.str.def ? n->v.str.def->name : "Enum";
    case CY_DICT:
        return "dict";
    case CY_LIST:
        return "list";
    }
    return "object";
}
