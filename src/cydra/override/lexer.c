/*
 * lexer.c - OverrideLexer.g4 by hand.
 *
 * ANTLR lexers take, at each position, the longest match among the rules of the current mode,
 * ties going to the rule defined first; a position where no rule matches even one character is
 * a token recognition error (Hydra then prints the input with a caret under that character).
 * Two modes: DEFAULT_MODE for the key (no whitespace allowed at all) and VALUE_MODE from the
 * first '=' on (EQUAL switches; nothing switches back).
 *
 * Every rule is a small regular language, so each is a function returning the length of its
 * longest match at a position (0: no match). Working on bytes is exact: all rules test ASCII
 * characters only, except quoted values and interpolations whose "any character" parts cannot
 * stop inside a UTF-8 sequence.
 */
#include <string.h>

#include "internal.h"

static int is_char(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(int c) {
    return c >= '0' && c <= '9';
}
static int is_ws(int c) {
    return c == ' ' || c == '\t';
}

typedef struct span {
    const char *s;
    size_t n; /* bytes available from s */
} span;

static int at(span sp, size_t i) {
    return i < sp.n ? (unsigned char)sp.s[i] : -1;
}

static size_t ws_run(span sp, size_t i) {
    size_t j = i;
    while (is_ws(at(sp, j)))
        j++;
    return j - i;
}

/* WS? c WS? (trailing_ws) or WS? c: POPEN, COMMA, PCLOSE, BRACKET_CLOSE, BRACE_CLOSE,
 * VALUE_COLON, VALUE_EQUAL. */
static size_t m_ws_char(span sp, int c, int trailing_ws) {
    size_t w = ws_run(sp, 0);
    if (at(sp, w) != c)
        return 0;
    size_t n = w + 1;
    if (trailing_ws)
        n += ws_run(sp, n);
    return n;
}

/* c WS?: BRACKET_OPEN, BRACE_OPEN. */
static size_t m_char_ws(span sp, int c) {
    if (at(sp, 0) != c)
        return 0;
    return 1 + ws_run(sp, 1);
}

/* INT_UNSIGNED: '0' | [1-9] (('_')? DIGIT)*. Returns the end (>= i) or i when no match. */
static size_t int_unsigned(span sp, size_t i) {
    int c = at(sp, i);
    if (c == '0')
        return i + 1;
    if (c < '1' || c > '9')
        return i;
    size_t j = i + 1;
    for (;;) {
        if (is_digit(at(sp, j)))
            j++;
        else if (at(sp, j) == '_' && is_digit(at(sp, j + 1)))
            j += 2;
        else
            return j;
    }
}

/* DIGIT (('_')? DIGIT)* from i; returns end or i. */
static size_t digit_part(span sp, size_t i) {
    if (!is_digit(at(sp, i)))
        return i;
    size_t j = i + 1;
    for (;;) {
        if (is_digit(at(sp, j)))
            j++;
        else if (at(sp, j) == '_' && is_digit(at(sp, j + 1)))
            j += 2;
        else
            return j;
    }
}

static int ieq3(span sp, size_t i, const char *w) {
    for (size_t k = 0; w[k]; k++) {
        int c = at(sp, i + k);
        if (c < 0 || (c | 0x20) != w[k])
            return 0;
    }
    return 1;
}

/* FLOAT: [+-]? (POINT_FLOAT | EXPONENT_FLOAT | [Ii][Nn][Ff] | [Nn][Aa][Nn]). */
static size_t m_float(span sp) {
    size_t i = 0;
    if (at(sp, 0) == '+' || at(sp, 0) == '-')
        i = 1;
    size_t best = 0;
    if (ieq3(sp, i, "inf") || ieq3(sp, i, "nan"))
        best = i + 3;
    /* POINT_FLOAT: INT_UNSIGNED '.' | INT_UNSIGNED? '.' DIGIT (('_')? DIGIT)* */
    size_t ie = int_unsigned(sp, i);
    size_t base = ie > i ? ie : 0; /* longest base usable for an exponent (0: none) */
    if (at(sp, ie) == '.') {
        size_t fe = digit_part(sp, ie + 1);
        if (fe > ie + 1) {
            base = fe; /* INT_UNSIGNED? '.' DIGIT... */
        } else if (ie > i) {
            base = ie + 1; /* INT_UNSIGNED '.' */
        }
        if (base > best && base > ie)
            best = base;
    }
    /* EXPONENT_FLOAT: (INT_UNSIGNED | POINT_FLOAT) [eE] [+-]? DIGIT (('_')? DIGIT)* */
    if (base) {
        int e = at(sp, base);
        if (e == 'e' || e == 'E') {
            size_t j = base + 1;
            if (at(sp, j) == '+' || at(sp, j) == '-')
                j++;
            size_t de = digit_part(sp, j);
            if (de > j && de > best)
                best = de;
        }
    }
    return best;
}

/* INT: [+-]? INT_UNSIGNED. */
static size_t m_int(span sp) {
    size_t i = (at(sp, 0) == '+' || at(sp, 0) == '-') ? 1 : 0;
    size_t e = int_unsigned(sp, i);
    return e > i ? e : 0;
}

static size_t m_word_ci(span sp, const char *w) {
    size_t k = 0;
    for (; w[k]; k++) {
        int c = at(sp, k);
        if (c < 0 || (c | 0x20) != w[k])
            return 0;
    }
    return k;
}

static size_t m_bool(span sp) {
    size_t n = m_word_ci(sp, "true");
    return n ? n : m_word_ci(sp, "false");
}

static size_t m_unquoted_char(span sp) {
    int c = at(sp, 0);
    return (c >= 0 && c < 128 && strchr("/-\\+.$%*@?|", c) && c != 0) ? 1 : 0;
}

/* ID: (CHAR|'_') (CHAR|DIGIT|'_'|'-')*. */
static size_t m_id(span sp) {
    int c = at(sp, 0);
    if (!is_char(c) && c != '_')
        return 0;
    size_t j = 1;
    for (;;) {
        c = at(sp, j);
        if (is_char(c) || is_digit(c) || c == '_' || c == '-')
            j++;
        else
            return j;
    }
}

/* KEY_SPECIAL: (CHAR|'_'|'$') (CHAR|DIGIT|'_'|'-'|'$')*, from i; returns end or i. */
static size_t key_special(span sp, size_t i) {
    int c = at(sp, i);
    if (!is_char(c) && c != '_' && c != '$')
        return i;
    size_t j = i + 1;
    for (;;) {
        c = at(sp, j);
        if (is_char(c) || is_digit(c) || c == '_' || c == '-' || c == '$')
            j++;
        else
            return j;
    }
}

/* DOT_PATH: (KEY_SPECIAL | INT_UNSIGNED) ('.' (KEY_SPECIAL | INT_UNSIGNED))+. The two segment
 * forms start with different characters and stop before anything that could be a '.', so
 * greedy segments give the longest match. */
static size_t segment(span sp, size_t i) {
    size_t e = key_special(sp, i);
    if (e > i)
        return e;
    return int_unsigned(sp, i);
}

static size_t m_dot_path(span sp) {
    size_t e = segment(sp, 0);
    if (e == 0)
        return 0;
    size_t best = 0;
    while (at(sp, e) == '.') {
        size_t n = segment(sp, e + 1);
        if (n == e + 1)
            break;
        e = n;
        best = e;
    }
    return best;
}

/* ESC: ('\\\\' | '\\(' | '\\)' | '\\[' | '\\]' | '\\{' | '\\}' | '\\:' | '\\=' | '\\,' | '\\ '
 * | '\\\t')+. */
static size_t m_esc(span sp) {
    size_t j = 0;
    while (at(sp, j) == '\\') {
        int c = at(sp, j + 1);
        if (c < 0 || !strchr("\\()[]{}:=, \t", c) || c == 0)
            break;
        j += 2;
    }
    return j;
}

/* QUOTED_VALUE: the quote, then the shortest content after which the closing quote is
 * preceded by an even number of backslashes (the rule's non-greedy `(.)*?` stops at the first
 * such quote). */
static size_t m_quoted(span sp) {
    int q = at(sp, 0);
    if (q != '\'' && q != '"')
        return 0;
    size_t run = 0; /* backslashes just before j */
    for (size_t j = 1; j < sp.n; j++) {
        int c = at(sp, j);
        if (c == q && run % 2 == 0)
            return j + 1;
        run = c == '\\' ? run + 1 : 0;
    }
    return 0;
}

/* INTERPOLATION: '${' ~('}')+ '}'. A failed search means no '}' follows anywhere, which the
 * lexer remembers (no_close_from) so that `${${${...` stays linear. */
static size_t m_interpolation(lexer *lx, span sp) {
    if (at(sp, 0) != '$' || at(sp, 1) != '{')
        return 0;
    if (lx->pos >= lx->no_close_from)
        return 0;
    const char *close = memchr(sp.s + 2, '}', sp.n - 2);
    if (!close) {
        lx->no_close_from = lx->pos;
        return 0;
    }
    size_t j = (size_t)(close - sp.s);
    return j == 2 ? 0 : j + 1;
}

void lexer_init(lexer *lx, const char *src, size_t len) {
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->value_mode = 0;
    lx->done = 0;
    lx->no_close_from = SIZE_MAX;
}

typedef struct cand {
    size_t n;
    int type;
} cand;

static void consider(cand *best, size_t n, int type) {
    if (n > best->n) { /* strictly longer: earlier rules win ties */
        best->n = n;
        best->type = type;
    }
}

int lexer_next(lexer *lx, token *out) {
    if (lx->pos >= lx->len) {
        out->type = T_EOF;
        out->start = out->end = lx->len;
        lx->done = 1;
        return 0;
    }
    span sp = {lx->src + lx->pos, lx->len - lx->pos};
    cand best = {0, 0};
    if (!lx->value_mode) {
        /* EQUAL: '=' WS? -> mode(VALUE_MODE); TILDE; PLUS; AT; COLON; SLASH; KEY_ID (-> ID);
         * KEY_SPECIAL; DOT_PATH. */
        consider(&best, m_char_ws(sp, '='), T_EQUAL);
        consider(&best, at(sp, 0) == '~', T_TILDE);
        consider(&best, at(sp, 0) == '+', T_PLUS);
        consider(&best, at(sp, 0) == '@', T_AT);
        consider(&best, at(sp, 0) == ':', T_COLON);
        consider(&best, at(sp, 0) == '/', T_SLASH);
        consider(&best, m_id(sp), T_ID);
        consider(&best, key_special(sp, 0), T_KEY_SPECIAL);
        consider(&best, m_dot_path(sp), T_DOT_PATH);
    } else {
        consider(&best, m_ws_char(sp, '(', 1), T_POPEN);
        consider(&best, m_ws_char(sp, ',', 1), T_COMMA);
        consider(&best, m_ws_char(sp, ')', 0), T_PCLOSE);
        consider(&best, m_char_ws(sp, '['), T_BRACKET_OPEN);
        consider(&best, m_ws_char(sp, ']', 0), T_BRACKET_CLOSE);
        consider(&best, m_char_ws(sp, '{'), T_BRACE_OPEN);
        consider(&best, m_ws_char(sp, '}', 0), T_BRACE_CLOSE);
        consider(&best, m_ws_char(sp, ':', 1), T_COLON); /* VALUE_COLON -> type(COLON) */
        consider(&best, m_ws_char(sp, '=', 1), T_EQUAL); /* VALUE_EQUAL -> type(EQUAL) */
        consider(&best, m_float(sp), T_FLOAT);
        consider(&best, m_int(sp), T_INT);
        consider(&best, m_bool(sp), T_BOOL);
        consider(&best, m_word_ci(sp, "null"), T_NULL);
        consider(&best, m_unquoted_char(sp), T_UNQUOTED_CHAR);
        consider(&best, m_id(sp), T_ID);
        consider(&best, m_esc(sp), T_ESC);
        consider(&best, ws_run(sp, 0), T_WS);
        consider(&best, m_quoted(sp), T_QUOTED_VALUE);
        consider(&best, m_interpolation(lx, sp), T_INTERPOLATION);
    }
    if (best.n == 0)
        return -1;
    out->type = best.type;
    out->start = lx->pos;
    out->end = lx->pos + best.n;
    lx->pos += best.n;
    if (!lx->value_mode && best.type == T_EQUAL)
        lx->value_mode = 1;
    return 0;
}

const char *tok_display_name(int type) {
    static const char *const names[T_NTYPES] = {
        "<INVALID>",    "EQUAL",         "'~'",           "'+'",         "'@'",   "':'",
        "'/'",          "KEY_SPECIAL",   "DOT_PATH",      "POPEN",       "COMMA", "PCLOSE",
        "BRACKET_OPEN", "BRACKET_CLOSE", "BRACE_OPEN",    "BRACE_CLOSE", "FLOAT", "INT",
        "BOOL",         "NULL",          "UNQUOTED_CHAR", "ID",          "ESC",   "WS",
        "QUOTED_VALUE", "INTERPOLATION"};
    if (type == T_EOF)
        return "<EOF>";
    if (type < 0 || type >= T_NTYPES)
        return "<UNKNOWN>";
    return names[type];
}
