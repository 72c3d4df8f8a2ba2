/*
 * parser.c - OverrideParser.g4 as recursive descent, with ANTLR 4.9's error behaviour.
 *
 * Hydra prints whatever ANTLR's DefaultErrorStrategy reports first (its error listener raises on
 * the first report), so reproducing Hydra's messages means reproducing, for this grammar:
 *
 *  - the ATN states where the generated parser calls sync() / match(), with the tokens each
 *    state allows (nextTokens) and its kind (block start, loop entry, loop back, plain);
 *  - adaptivePredict() for the five non-LL(1) decisions (see the predict_* functions): how far
 *    each looks ahead and when it throws NoViableAlt instead of picking an alternative;
 *  - the recovery steps that report: single-token deletion ("extraneous input X expecting S"
 *    when the token after X is expected), single-token insertion ("missing S at X" when X is
 *    what follows the missing token), else "mismatched input X expecting S"; the expected set
 *    S follows the rule invocation stack as ATN.getExpectedTokens does;
 *  - when tokens are lexed: the token stream is lazy (consume() fetches the next token, LA(k)
 *    fetches up to k, reporting "no viable alternative" first lexes the whole input to print
 *    the text), so a lexer error wins exactly when ANTLR would meet it first.
 *
 * State numbers are those of the grammar's ATN (OverrideParser.interp) so the tables can be
 * checked against it. The parse builds a small syntax tree; the visitor (eval.c) runs after a
 * successful parse, as Hydra's does.
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/error.h"
#include "internal.h"

typedef uint32_t tset;
#define TS(t)  (1u << ((t) + 1))
#define TS_EPS (1u << 30)

#define FV                                                                                         \
    (TS(T_COLON) | TS(T_BRACKET_OPEN) | TS(T_BRACE_OPEN) | TS(T_FLOAT) | TS(T_INT) | TS(T_BOOL) |  \
     TS(T_NULL) | TS(T_UNQUOTED_CHAR) | TS(T_ID) | TS(T_ESC) | TS(T_WS) | TS(T_QUOTED_VALUE) |     \
     TS(T_INTERPOLATION))
#define FPA                                                                                        \
    (TS(T_COLON) | TS(T_FLOAT) | TS(T_INT) | TS(T_BOOL) | TS(T_NULL) | TS(T_UNQUOTED_CHAR) |       \
     TS(T_ID) | TS(T_ESC) | TS(T_WS) | TS(T_INTERPOLATION))
#define FK                                                                                         \
    (TS(T_FLOAT) | TS(T_INT) | TS(T_BOOL) | TS(T_NULL) | TS(T_UNQUOTED_CHAR) | TS(T_ID) |          \
     TS(T_ESC) | TS(T_WS))
#define KEYSTART (TS(T_EQUAL) | TS(T_AT) | TS(T_KEY_SPECIAL) | TS(T_DOT_PATH) | TS(T_ID))

static int in(int t, tset s) {
    return t >= -1 && t < 29 && (s & TS(t));
}

/* ATN state kinds that matter to sync(). */
enum { K_BASIC, K_BLOCK_START, K_PLUS_BLOCK_START, K_STAR_LOOP_ENTRY, K_LOOP_BACK };

typedef struct stinfo {
    tset next;  /* ATN.nextTokens(state) (EPS: the rule can end from here) */
    int kind;   /* for sync() */
    tset after; /* match states: nextTokens(transitions[0].target), for single-token insertion */
} stinfo;

static stinfo st(int n) {
    switch (n) {
    /* override */
    case 50:
        return (stinfo){KEYSTART | TS(T_TILDE) | TS(T_PLUS), K_BLOCK_START, 0};
    case 29:
        return (stinfo){TS(T_EQUAL), K_BASIC, TS(T_EOF) | FV};
    case 31:
    case 37:
    case 48:
        return (stinfo){TS(T_EOF) | FV, K_BLOCK_START, 0};
    case 33:
        return (stinfo){TS(T_TILDE), K_BASIC, TS(T_EOF) | KEYSTART};
    case 35:
        return (stinfo){TS(T_EQUAL), K_BASIC, TS(T_EOF) | FV};
    case 39:
        return (stinfo){TS(T_EOF) | TS(T_EQUAL), K_BLOCK_START, 0};
    case 41:
        return (stinfo){TS(T_PLUS), K_BASIC, KEYSTART | TS(T_PLUS)};
    case 42:
        return (stinfo){TS(T_PLUS), K_BASIC, KEYSTART};
    case 43:
        return (stinfo){KEYSTART | TS(T_PLUS), K_BLOCK_START, 0};
    case 46:
        return (stinfo){TS(T_EQUAL), K_BASIC, TS(T_EOF) | FV};
    case 52:
        return (stinfo){TS(T_EOF), K_BASIC, TS_EPS};
    /* key, packageOrGroup, package */
    case 55:
        return (stinfo){TS(T_AT), K_BASIC, TS_EPS | TS(T_KEY_SPECIAL) | TS(T_DOT_PATH) | TS(T_ID)};
    case 57:
        return (stinfo){TS_EPS | TS(T_AT), K_BLOCK_START, 0};
    case 60:
        return (stinfo){TS(T_ID), K_BASIC, TS(T_SLASH)};
    case 61:
        return (stinfo){TS(T_SLASH), K_BASIC, TS(T_ID)};
    case 62:
        return (stinfo){TS(T_ID), K_BASIC, TS_EPS | TS(T_SLASH)};
    case 63:
        return (stinfo){TS(T_SLASH), K_PLUS_BLOCK_START, 0};
    case 65:
        return (stinfo){TS_EPS | TS(T_SLASH), K_LOOP_BACK, 0};
    case 67:
        return (stinfo){TS_EPS | TS(T_KEY_SPECIAL) | TS(T_DOT_PATH) | TS(T_ID), K_BLOCK_START, 0};
    case 70:
        return (stinfo){TS(T_ID), K_BASIC, TS_EPS};
    case 71:
        return (stinfo){TS(T_KEY_SPECIAL), K_BASIC, TS_EPS};
    case 72:
        return (stinfo){TS(T_DOT_PATH), K_BASIC, TS_EPS};
    case 73:
        return (stinfo){TS_EPS | TS(T_KEY_SPECIAL) | TS(T_DOT_PATH) | TS(T_ID), K_BLOCK_START, 0};
    /* value, element, simpleChoiceSweep */
    case 77:
    case 83:
        return (stinfo){FV, K_BLOCK_START, 0};
    case 86:
        return (stinfo){TS(T_COMMA), K_BASIC, FV};
    case 88:
        return (stinfo){TS(T_COMMA), K_PLUS_BLOCK_START, 0};
    case 90:
        return (stinfo){TS_EPS | TS(T_COMMA), K_LOOP_BACK, 0};
    /* argName, function */
    case 92:
        return (stinfo){TS(T_ID), K_BASIC, TS(T_EQUAL)};
    case 93:
        return (stinfo){TS(T_EQUAL), K_BASIC, TS_EPS};
    case 95:
        return (stinfo){TS(T_ID), K_BASIC, TS(T_POPEN)};
    case 96:
        return (stinfo){TS(T_POPEN), K_BASIC, FV | TS(T_PCLOSE)};
    case 98:
    case 103:
        return (stinfo){FV, K_BLOCK_START, 0};
    case 101:
        return (stinfo){TS(T_COMMA), K_BASIC, FV};
    case 108:
        return (stinfo){TS(T_COMMA) | TS(T_PCLOSE), K_STAR_LOOP_ENTRY, 0};
    case 110:
        return (stinfo){TS(T_COMMA) | TS(T_PCLOSE), K_LOOP_BACK, 0};
    case 111:
        return (stinfo){FV | TS(T_PCLOSE), K_BLOCK_START, 0};
    case 113:
        return (stinfo){TS(T_PCLOSE), K_BASIC, TS_EPS};
    /* listContainer */
    case 115:
        return (stinfo){TS(T_BRACKET_OPEN), K_BASIC, FV | TS(T_BRACKET_CLOSE)};
    case 117:
        return (stinfo){TS(T_COMMA), K_BASIC, FV};
    case 121:
        return (stinfo){TS(T_COMMA) | TS(T_BRACKET_CLOSE), K_STAR_LOOP_ENTRY, 0};
    case 123:
        return (stinfo){TS(T_COMMA) | TS(T_BRACKET_CLOSE), K_LOOP_BACK, 0};
    case 124:
        return (stinfo){FV | TS(T_BRACKET_CLOSE), K_BLOCK_START, 0};
    case 126:
        return (stinfo){TS(T_BRACKET_CLOSE), K_BASIC, TS_EPS};
    /* dictContainer, dictKeyValuePair */
    case 128:
        return (stinfo){TS(T_BRACE_OPEN), K_BASIC, FK | TS(T_BRACE_CLOSE)};
    case 130:
        return (stinfo){TS(T_COMMA), K_BASIC, FK};
    case 134:
        return (stinfo){TS(T_COMMA) | TS(T_BRACE_CLOSE), K_STAR_LOOP_ENTRY, 0};
    case 136:
        return (stinfo){TS(T_COMMA) | TS(T_BRACE_CLOSE), K_LOOP_BACK, 0};
    case 137:
        return (stinfo){FK | TS(T_BRACE_CLOSE), K_BLOCK_START, 0};
    case 139:
        return (stinfo){TS(T_BRACE_CLOSE), K_BASIC, TS_EPS};
    case 142:
        return (stinfo){TS(T_COLON), K_BASIC, FV};
    /* primitive, dictKey */
    case 145:
        return (stinfo){TS(T_QUOTED_VALUE), K_BASIC, TS_EPS};
    case 146:
        return (stinfo){FPA, K_BASIC, TS_EPS | FPA};
    case 147:
        return (stinfo){FPA, K_PLUS_BLOCK_START, 0};
    case 149:
        return (stinfo){TS_EPS | FPA, K_LOOP_BACK, 0};
    case 151:
        return (stinfo){FPA | TS(T_QUOTED_VALUE), K_BLOCK_START, 0};
    case 153:
        return (stinfo){FK, K_BASIC, TS_EPS | FK};
    case 154:
        return (stinfo){FK, K_PLUS_BLOCK_START, 0};
    case 156:
        return (stinfo){TS_EPS | FK, K_LOOP_BACK, 0};
    default:
        return (stinfo){TS_EPS, K_BASIC, TS_EPS};
    }
}

/* Follow sets of rule invocations: nextTokens(followState) of the calling state. */
#define F_KEY_CHANGE (TS(T_EQUAL))                /* 28 -> 29 */
#define F_KEY_DEL    (TS(T_EOF) | TS(T_EQUAL))    /* 34 -> 39 */
#define F_VALUE      (TS(T_EOF))                  /* 30/36/47 -> 32/38/49 */
#define F_POG        (TS_EPS | TS(T_AT))          /* 54 -> 57 */
#define F_END        (TS_EPS)                     /* rule ends right after the call */
#define F_SWEEP_1    (TS(T_COMMA))                /* 85 -> 88 */
#define F_SWEEP_N    (TS_EPS | TS(T_COMMA))       /* 87 -> 89 */
#define F_ARGNAME    (FV)                         /* 97/102 -> 99/104 */
#define F_ARG        (TS(T_COMMA) | TS(T_PCLOSE)) /* 100/105 -> 108/107 */
#define F_ITEM       (TS(T_COMMA) | TS(T_BRACKET_CLOSE))
#define F_PAIR       (TS(T_COMMA) | TS(T_BRACE_CLOSE))
#define F_DICTKEY    (TS(T_COLON)) /* 141 -> 142 */

typedef struct parser {
    const char *src;
    size_t len;
    lexer lx;
    token *toks;
    size_t ntoks, cap;
    size_t idx;
    tset *stack; /* follow sets of the active rule invocations */
    size_t sp, stack_cap;
    int max_depth, depth;
    ov_arena *a;
    cy_override_error *err;
    int failed; /* the error code once an error is set */
} parser;

/* ------------------------------------------------------------------------------------------ */

static int fail_nomem(parser *p) {
    if (!p->failed)
        p->failed = ov_set_error_raw(p->err, CY_ENOMEM, "MemoryError", "out of memory");
    return -1;
}

static int lexer_error(parser *p) {
    size_t pos = p->lx.pos;
    size_t col = ov_utf8_column(p->src, pos);
    /* parse_overrides: "LexerNoViableAltException: <override>\n" then a caret under the
     * character: '^'.rjust(len(prefix) + startIndex + 1). */
    const char *prefix = "LexerNoViableAltException: ";
    cy_sbuf b = {0};
    cy__sb_puts(&b, prefix);
    cy__sb_putn(&b, p->src, p->len);
    cy__sb_putc(&b, '\n');
    for (size_t i = 0; i < strlen(prefix) + col; i++)
        cy__sb_putc(&b, ' ');
    cy__sb_putc(&b, '^');
    cy__sb_puts(&b, "\n" OV_GRAMMAR_URL);
    char *msg = cy__sb_take(&b);
    /* ANTLR's own text ("token recognition error at: 'x'") becomes the detail. */
    cy__sb_puts(&b, "token recognition error at: '");
    size_t n = 1;
    unsigned char c = (unsigned char)p->src[pos];
    if (c == '\'' || c == '"' || (c == '$' && pos + 1 < p->len && p->src[pos + 1] == '{'))
        n = p->len - pos; /* an unterminated quote or interpolation: ANTLR read to the end */
    else
        while (pos + n < p->len && ((unsigned char)p->src[pos + n] & 0xC0) == 0x80)
            n++;
    cy__sb_putn(&b, p->src + pos, n);
    cy__sb_putc(&b, '\'');
    char *detail = cy__sb_take(&b);
    if (!msg || !detail) {
        free(msg);
        free(detail);
        return fail_nomem(p);
    }
    cy_override_error *e = p->err;
    if (e) {
        cy_override_error_clear(e);
        e->code = CY_EPARSE;
        e->exc = "OverrideParseException";
        e->offset = pos;
        e->column = col;
        e->message = msg;
        e->detail = detail;
    } else {
        free(msg);
        free(detail);
    }
    p->failed = CY_EPARSE;
    return -1;
}

/* Makes token i available (lexing lazily). Returns 0, or -1 after a lexer error. */
static int fetch_to(parser *p, size_t i) {
    while (p->ntoks <= i) {
        if (p->ntoks && p->toks[p->ntoks - 1].type == T_EOF)
            return 0;
        if (p->ntoks == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 32;
            token *t = realloc(p->toks, cap * sizeof *t);
            if (!t)
                return fail_nomem(p);
            p->toks = t;
            p->cap = cap;
        }
        if (lexer_next(&p->lx, &p->toks[p->ntoks]) < 0)
            return lexer_error(p);
        p->ntoks++;
    }
    return 0;
}

static int fill(parser *p) {
    while (!(p->ntoks && p->toks[p->ntoks - 1].type == T_EOF))
        if (fetch_to(p, p->ntoks) < 0)
            return -1;
    return 0;
}

/* LT(k) for k >= 1; past the end: the EOF token. NULL after an error. */
static const token *LT(parser *p, size_t k) {
    size_t i = p->idx + k - 1;
    if (fetch_to(p, i) < 0)
        return NULL;
    if (i >= p->ntoks)
        return &p->toks[p->ntoks - 1];
    return &p->toks[i];
}

/* Token type at LA(k), or -100 after an error (matches nothing). */
static int LA(parser *p, size_t k) {
    const token *t = LT(p, k);
    return t ? t->type : -100;
}

static void consume(parser *p) {
    if (p->toks[p->idx].type != T_EOF) {
        p->idx++;
        fetch_to(p, p->idx); /* BufferedTokenStream.consume syncs the next token */
    }
}

static int push(parser *p, tset follow) {
    if (p->sp == p->stack_cap) {
        size_t cap = p->stack_cap ? p->stack_cap * 2 : 64;
        tset *s = realloc(p->stack, cap * sizeof *s);
        if (!s)
            return fail_nomem(p);
        p->stack = s;
        p->stack_cap = cap;
    }
    p->stack[p->sp++] = follow;
    return 0;
}

static void pop(parser *p) {
    p->sp--;
}

/* nextTokens(set) continued through the invocation stack (EOF at the top), as
 * ATN.getExpectedTokens and LL1Analyzer.LOOK with a context do. */
static tset with_context(parser *p, tset s) {
    if (!(s & TS_EPS))
        return s;
    tset r = s & ~TS_EPS;
    for (size_t i = p->sp; i-- > 0;) {
        tset f = p->stack[i];
        r |= f & ~TS_EPS;
        if (!(f & TS_EPS))
            return r;
    }
    return r | TS(T_EOF);
}

static void put_set(cy_sbuf *b, tset s) {
    int count = 0;
    for (int t = -1; t < T_NTYPES; t++)
        if (s & TS(t))
            count++;
    if (count > 1)
        cy__sb_putc(b, '{');
    int first = 1;
    for (int t = -1; t < T_NTYPES; t++) {
        if (!(s & TS(t)))
            continue;
        if (!first)
            cy__sb_puts(b, ", ");
        cy__sb_puts(b, tok_display_name(t));
        first = 0;
    }
    if (count > 1)
        cy__sb_putc(b, '}');
    if (count == 0)
        cy__sb_puts(b, "{}");
}

/* escapeWSAndQuote */
static void put_quoted_ws(cy_sbuf *b, const char *s, size_t n) {
    cy__sb_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            cy__sb_puts(b, "\\n");
        else if (s[i] == '\r')
            cy__sb_puts(b, "\\r");
        else if (s[i] == '\t')
            cy__sb_puts(b, "\\t");
        else
            cy__sb_putc(b, s[i]);
    }
    cy__sb_putc(b, '\'');
}

static void put_token(cy_sbuf *b, parser *p, const token *t) {
    if (t->type == T_EOF)
        put_quoted_ws(b, "<EOF>", 5);
    else
        put_quoted_ws(b, p->src + t->start, t->end - t->start);
}

static int report(parser *p, cy_sbuf *b, size_t offset, int with_prefix) {
    char *detail = cy__sb_take(b);
    if (!detail)
        return fail_nomem(p);
    p->failed = ov_set_error(p->err, CY_EPARSE, "OverrideParseException", p->src, offset,
                             with_prefix, detail);
    free(detail);
    return -1;
}

/* "no viable alternative at input '...'" (a RecognitionException: no "Error parsing" line).
 * Printing the input text fills the token stream first, so a later lexer error wins. */
static int report_nva(parser *p, size_t start, size_t offending) {
    if (p->toks[start].type != T_EOF && fill(p) < 0)
        return -1;
    if (offending >= p->ntoks)
        offending = p->ntoks - 1;
    cy_sbuf b = {0};
    cy__sb_puts(&b, "no viable alternative at input ");
    if (p->toks[start].type == T_EOF) {
        put_quoted_ws(&b, "<EOF>", 5);
    } else {
        size_t end = p->toks[start].start;
        for (size_t i = start; i <= offending && i < p->ntoks; i++) {
            if (p->toks[i].type == T_EOF)
                break;
            end = p->toks[i].end;
        }
        put_quoted_ws(&b, p->src + p->toks[start].start, end - p->toks[start].start);
    }
    return report(p, &b, p->toks[offending].start, 0);
}

static int report_mismatch(parser *p, int state) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "mismatched input ");
    put_token(&b, p, &p->toks[p->idx]);
    cy__sb_puts(&b, " expecting ");
    put_set(&b, with_context(p, st(state).next));
    return report(p, &b, p->toks[p->idx].start, 0);
}

static int report_unwanted(parser *p, int state) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "extraneous input ");
    put_token(&b, p, &p->toks[p->idx]);
    cy__sb_puts(&b, " expecting ");
    put_set(&b, with_context(p, st(state).next));
    return report(p, &b, p->toks[p->idx].start, 1);
}

static int report_missing(parser *p, int state) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "missing ");
    put_set(&b, with_context(p, st(state).next));
    cy__sb_puts(&b, " at ");
    put_token(&b, p, &p->toks[p->idx]);
    return report(p, &b, p->toks[p->idx].start, 1);
}

/* singleTokenDeletion: reports when the token after the current one is expected. Returns 1
 * when it reported (or failed), 0 when it did not apply. */
static int single_token_deletion(parser *p, int state) {
    int la2 = LA(p, 2);
    if (p->failed)
        return 1;
    if (in(la2, with_context(p, st(state).next))) {
        report_unwanted(p, state);
        return 1;
    }
    return 0;
}

static int sync_state(parser *p, int state) {
    stinfo s = st(state);
    int la = LA(p, 1);
    if (p->failed)
        return -1;
    if ((s.next & TS_EPS) || in(la, s.next))
        return 0;
    switch (s.kind) {
    case K_BLOCK_START:
    case K_PLUS_BLOCK_START:
    case K_STAR_LOOP_ENTRY:
        if (single_token_deletion(p, state))
            return -1;
        return report_mismatch(p, state);
    case K_LOOP_BACK:
        return report_unwanted(p, state);
    default:
        return 0;
    }
}

/* recoverInline at a match state whose token is not there. */
static int recover_inline(parser *p, int state) {
    if (single_token_deletion(p, state))
        return -1;
    if (in(p->toks[p->idx].type, with_context(p, st(state).after)))
        return report_missing(p, state);
    return report_mismatch(p, state);
}

static int match(parser *p, int state, int type) {
    if (LA(p, 1) == type) {
        consume(p);
        return p->failed ? -1 : 0;
    }
    if (p->failed)
        return -1;
    return recover_inline(p, state);
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((x) < 0)                                                                               \
            return -1;                                                                             \
    } while (0)

#define CALL(follow, x)                                                                            \
    do {                                                                                           \
        TRY(push(p, (follow)));                                                                    \
        int r_ = (x);                                                                              \
        pop(p);                                                                                    \
        if (r_ < 0)                                                                                \
            return -1;                                                                             \
    } while (0)

/* ------------------------------------------------------------------------------------------
 * Predictions (adaptivePredict for the non-LL(1) decisions). ANTLR simulates the ATN with SLL
 * (empty outer context: leaving the decision's rule follows every caller) and stops at the
 * first token that leaves one alternative, or none; with none it still picks an alternative
 * that had already completed the decision's rule, else throws NoViableAlt covering the tokens
 * from the decision start to the failing one. Paths in this grammar never overlap beyond two
 * tokens, so each decision reduces to the rules below. Returns the alternative or -1.
 */

/* packageOrGroup: package | ID (SLASH ID)+ */
static int predict_package_or_group(parser *p) {
    int la1 = LA(p, 1);
    if (p->failed)
        return -1;
    if (la1 != T_ID)
        return 1;
    int la2 = LA(p, 2);
    if (p->failed)
        return -1;
    return la2 == T_SLASH ? 2 : 1;
}

/* element: primitive | listContainer | dictContainer | function */
static int predict_element(parser *p) {
    int la1 = LA(p, 1);
    if (p->failed)
        return -1;
    if (la1 == T_ID) {
        int la2 = LA(p, 2);
        if (p->failed)
            return -1;
        return la2 == T_POPEN ? 4 : 1;
    }
    if (la1 == T_BRACKET_OPEN)
        return 2;
    if (la1 == T_BRACE_OPEN)
        return 3;
    if (in(la1, FPA | TS(T_QUOTED_VALUE)))
        return 1;
    report_nva(p, p->idx, p->idx);
    return -1;
}

/* function arguments: argName? element. Inside function, leaving the element lands on the
 * function's own ',' or ')' (a concrete context), so an ID followed by anything else has no
 * viable alternative. */
static int predict_arg_name(parser *p) {
    int la1 = LA(p, 1);
    if (p->failed)
        return -1;
    if (la1 == T_ID) {
        int la2 = LA(p, 2);
        if (p->failed)
            return -1;
        if (la2 == T_EQUAL)
            return 1;
        if (la2 == T_POPEN || in(la2, FPA | TS(T_COMMA) | TS(T_PCLOSE)))
            return 2;
        report_nva(p, p->idx, p->idx + 1);
        return -1;
    }
    if (in(la1, FV))
        return 2;
    report_nva(p, p->idx, p->idx);
    return -1;
}

/* value: element | simpleChoiceSweep. Both alternatives run through a whole element; they part
 * at the token after it (EOF: element, COMMA: sweep), so the prediction scans the first element
 * completely. The scan keeps its own stack: nesting depth costs no C stack here. */
enum {
    S_ELEM,
    S_ARG,
    S_ID_ELEM,
    S_ID_ARG,
    S_PRIM,
    S_AFTER,
    S_LIST_FIRST,
    S_DICT_FIRST,
    S_DKEY_FIRST,
    S_DKEY,
    S_FUNC_FIRST
};
enum { C_LIST, C_DICT, C_FUNC };

static int predict_value(parser *p) {
    unsigned char *stack = NULL;
    size_t sp = 0, cap = 0;
    int state = S_ELEM;
    size_t k = 1;
    int result = -1;
    for (;;) {
        int t = LA(p, k);
        if (p->failed)
            goto out;
        switch (state) {
        case S_ELEM:
        case S_ARG:
            if (t == T_ID) {
                state = state == S_ARG ? S_ID_ARG : S_ID_ELEM;
                k++;
            } else if (t == T_QUOTED_VALUE) {
                state = S_AFTER;
                k++;
            } else if (in(t, FPA)) {
                state = S_PRIM;
                k++;
            } else if (t == T_BRACKET_OPEN || t == T_BRACE_OPEN) {
                if (sp == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    unsigned char *ns = realloc(stack, nc);
                    if (!ns) {
                        fail_nomem(p);
                        goto out;
                    }
                    stack = ns;
                    cap = nc;
                }
                stack[sp++] = t == T_BRACKET_OPEN ? C_LIST : C_DICT;
                state = t == T_BRACKET_OPEN ? S_LIST_FIRST : S_DICT_FIRST;
                k++;
            } else {
                goto nva;
            }
            break;
        case S_ID_ARG:
            if (t == T_EQUAL) {
                state = S_ELEM;
                k++;
                break;
            }
            /* fall through */
        case S_ID_ELEM:
            if (t == T_POPEN) {
                if (sp == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    unsigned char *ns = realloc(stack, nc);
                    if (!ns) {
                        fail_nomem(p);
                        goto out;
                    }
                    stack = ns;
                    cap = nc;
                }
                stack[sp++] = C_FUNC;
                state = S_FUNC_FIRST;
                k++;
            } else {
                state = S_PRIM;
            }
            break;
        case S_PRIM:
            if (in(t, FPA))
                k++;
            else
                state = S_AFTER;
            break;
        case S_AFTER:
            if (sp == 0) {
                /* EOF: element; COMMA: sweep; anything else: no alternative survives, and the
                 * element alternative had completed the rule, so it is chosen. */
                result = t == T_COMMA ? 2 : 1;
                goto out;
            }
            if (t == T_COMMA) {
                int top = stack[sp - 1];
                state = top == C_LIST ? S_ELEM : top == C_DICT ? S_DKEY_FIRST : S_ARG;
                k++;
            } else if ((stack[sp - 1] == C_LIST && t == T_BRACKET_CLOSE) ||
                       (stack[sp - 1] == C_DICT && t == T_BRACE_CLOSE) ||
                       (stack[sp - 1] == C_FUNC && t == T_PCLOSE)) {
                sp--;
                k++;
            } else {
                goto nva;
            }
            break;
        case S_LIST_FIRST:
            if (t == T_BRACKET_CLOSE) {
                sp--;
                state = S_AFTER;
                k++;
            } else {
                state = S_ELEM;
            }
            break;
        case S_DICT_FIRST:
            if (t == T_BRACE_CLOSE) {
                sp--;
                state = S_AFTER;
                k++;
            } else {
                state = S_DKEY_FIRST;
            }
            break;
        case S_DKEY_FIRST:
            if (!in(t, FK))
                goto nva;
            state = S_DKEY;
            k++;
            break;
        case S_DKEY:
            if (t == T_COLON) {
                state = S_ELEM;
                k++;
            } else if (in(t, FK)) {
                k++;
            } else {
                goto nva;
            }
            break;
        case S_FUNC_FIRST:
            if (t == T_PCLOSE) {
                sp--;
                state = S_AFTER;
                k++;
            } else {
                state = S_ARG;
            }
            break;
        }
    }
nva:
    report_nva(p, p->idx, p->idx + k - 1);
out:
    free(stack);
    return result;
}

/* ------------------------------------------------------------------------------------------
 * Syntax tree
 */

typedef struct nvec {
    snode **items;
    size_t *a, *b;
    size_t n, cap;
} nvec;

static int nvec_push(parser *p, nvec *v, snode *item, size_t a, size_t b) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        snode **items = ov_alloc(p->a, cap * sizeof *items);
        size_t *na = ov_alloc(p->a, cap * sizeof *na);
        size_t *nb = ov_alloc(p->a, cap * sizeof *nb);
        if (!items || !na || !nb)
            return fail_nomem(p);
        if (v->n) {
            memcpy(items, v->items, v->n * sizeof *items);
            memcpy(na, v->a, v->n * sizeof *na);
            memcpy(nb, v->b, v->n * sizeof *nb);
        }
        v->items = items;
        v->a = na;
        v->b = nb;
        v->cap = cap;
    }
    v->items[v->n] = item;
    v->a[v->n] = a;
    v->b[v->n] = b;
    v->n++;
    return 0;
}

static snode *new_node(parser *p, snode_kind kind) {
    snode *n = ov_alloc(p->a, sizeof *n);
    if (!n)
        fail_nomem(p);
    else
        n->kind = kind;
    return n;
}

/* ------------------------------------------------------------------------------------------
 * Rules
 */

static int p_element(parser *p, snode **out);

static int p_primitive(parser *p, snode **out) {
    TRY(sync_state(p, 151));
    snode *n = new_node(p, N_PRIMITIVE);
    if (!n)
        return -1;
    n->first = p->idx;
    int la = LA(p, 1);
    if (la == T_QUOTED_VALUE) {
        TRY(match(p, 145, T_QUOTED_VALUE));
    } else if (in(la, FPA)) {
        TRY(sync_state(p, 147));
        for (;;) {
            if (!in(LA(p, 1), FPA))
                TRY(recover_inline(p, 146));
            else
                consume(p);
            if (p->failed)
                return -1;
            TRY(sync_state(p, 149));
            if (!in(LA(p, 1), FPA))
                break;
        }
    } else {
        return report_nva(p, p->idx, p->idx);
    }
    n->last = p->idx - 1;
    *out = n;
    return 0;
}

static int p_dict_key(parser *p, size_t *first, size_t *last) {
    *first = p->idx;
    TRY(sync_state(p, 154));
    for (;;) {
        if (!in(LA(p, 1), FK))
            TRY(recover_inline(p, 153));
        else
            consume(p);
        if (p->failed)
            return -1;
        TRY(sync_state(p, 156));
        if (!in(LA(p, 1), FK))
            break;
    }
    *last = p->idx - 1;
    return 0;
}

static int p_dict_kv(parser *p, nvec *v) {
    size_t kf, kl;
    CALL(F_DICTKEY, p_dict_key(p, &kf, &kl));
    TRY(match(p, 142, T_COLON));
    snode *e = NULL;
    CALL(F_END, p_element(p, &e));
    return nvec_push(p, v, e, kf, kl);
}

static int enter_container(parser *p) {
    if (++p->depth > p->max_depth) {
        cy_sbuf b = {0};
        cy__sb_printf(&b,
                      "Nesting too deep: more than %d levels of lists, dicts and function calls "
                      "(at character %zu)",
                      p->max_depth, ov_utf8_column(p->src, p->toks[p->idx].start));
        char *detail = cy__sb_take(&b);
        if (!detail)
            return fail_nomem(p);
        p->failed = ov_set_error(p->err, CY_ELIMIT, "OverrideParseException", p->src,
                                 p->toks[p->idx].start, 1, detail);
        free(detail);
        return -1;
    }
    return 0;
}

static int p_list(parser *p, snode **out) {
    TRY(enter_container(p));
    snode *n = new_node(p, N_LIST);
    if (!n)
        return -1;
    n->first = p->idx;
    nvec v = {0};
    TRY(match(p, 115, T_BRACKET_OPEN));
    TRY(sync_state(p, 124));
    if (in(LA(p, 1), FV)) {
        snode *e = NULL;
        CALL(F_ITEM, p_element(p, &e));
        TRY(nvec_push(p, &v, e, 0, 0));
        TRY(sync_state(p, 121));
        while (LA(p, 1) == T_COMMA) {
            TRY(match(p, 117, T_COMMA));
            CALL(F_ITEM, p_element(p, &e));
            TRY(nvec_push(p, &v, e, 0, 0));
            TRY(sync_state(p, 123));
        }
        if (p->failed)
            return -1;
    }
    n->last = p->idx;
    TRY(match(p, 126, T_BRACKET_CLOSE));
    n->items = v.items;
    n->count = v.n;
    p->depth--;
    *out = n;
    return 0;
}

static int p_dict(parser *p, snode **out) {
    TRY(enter_container(p));
    snode *n = new_node(p, N_DICT);
    if (!n)
        return -1;
    n->first = p->idx;
    nvec v = {0};
    TRY(match(p, 128, T_BRACE_OPEN));
    TRY(sync_state(p, 137));
    if (in(LA(p, 1), FK)) {
        CALL(F_PAIR, p_dict_kv(p, &v));
        TRY(sync_state(p, 134));
        while (LA(p, 1) == T_COMMA) {
            TRY(match(p, 130, T_COMMA));
            CALL(F_PAIR, p_dict_kv(p, &v));
            TRY(sync_state(p, 136));
        }
        if (p->failed)
            return -1;
    }
    n->last = p->idx;
    TRY(match(p, 139, T_BRACE_CLOSE));
    n->items = v.items;
    n->key_first = v.a;
    n->key_last = v.b;
    n->count = v.n;
    p->depth--;
    *out = n;
    return 0;
}

static int p_arg_name(parser *p, size_t *name) {
    *name = p->idx;
    TRY(match(p, 92, T_ID));
    return match(p, 93, T_EQUAL);
}

static int p_function(parser *p, snode **out) {
    TRY(enter_container(p));
    snode *n = new_node(p, N_FUNCTION);
    if (!n)
        return -1;
    n->first = p->idx;
    nvec v = {0};
    TRY(match(p, 95, T_ID));
    TRY(match(p, 96, T_POPEN));
    TRY(sync_state(p, 111));
    if (in(LA(p, 1), FV)) {
        TRY(sync_state(p, 98));
        int alt = predict_arg_name(p);
        TRY(alt);
        size_t name = SIZE_MAX;
        if (alt == 1)
            CALL(F_ARGNAME, p_arg_name(p, &name));
        snode *e = NULL;
        CALL(F_ARG, p_element(p, &e));
        TRY(nvec_push(p, &v, e, name, 0));
        TRY(sync_state(p, 108));
        while (LA(p, 1) == T_COMMA) {
            TRY(match(p, 101, T_COMMA));
            TRY(sync_state(p, 103));
            alt = predict_arg_name(p);
            TRY(alt);
            name = SIZE_MAX;
            if (alt == 1)
                CALL(F_ARGNAME, p_arg_name(p, &name));
            CALL(F_ARG, p_element(p, &e));
            TRY(nvec_push(p, &v, e, name, 0));
            TRY(sync_state(p, 110));
        }
        if (p->failed)
            return -1;
    }
    n->last = p->idx;
    TRY(match(p, 113, T_PCLOSE));
    n->items = v.items;
    n->arg_name = v.a;
    n->count = v.n;
    p->depth--;
    *out = n;
    return 0;
}

static int p_element(parser *p, snode **out) {
    TRY(sync_state(p, 83));
    int alt = predict_element(p);
    TRY(alt);
    switch (alt) {
    case 1:
        CALL(F_END, p_primitive(p, out));
        break;
    case 2:
        CALL(F_END, p_list(p, out));
        break;
    case 3:
        CALL(F_END, p_dict(p, out));
        break;
    default:
        CALL(F_END, p_function(p, out));
        break;
    }
    return 0;
}

static int p_simple_choice_sweep(parser *p, snode **out) {
    snode *n = new_node(p, N_SWEEP);
    if (!n)
        return -1;
    nvec v = {0};
    snode *e = NULL;
    CALL(F_SWEEP_1, p_element(p, &e));
    TRY(nvec_push(p, &v, e, 0, 0));
    TRY(sync_state(p, 88));
    for (;;) {
        TRY(match(p, 86, T_COMMA));
        CALL(F_SWEEP_N, p_element(p, &e));
        TRY(nvec_push(p, &v, e, 0, 0));
        TRY(sync_state(p, 90));
        if (LA(p, 1) != T_COMMA)
            break;
    }
    if (p->failed)
        return -1;
    n->items = v.items;
    n->count = v.n;
    *out = n;
    return 0;
}

static int p_value(parser *p, snode **out) {
    TRY(sync_state(p, 77));
    int alt = predict_value(p);
    TRY(alt);
    if (alt == 1)
        CALL(F_END, p_element(p, out));
    else
        CALL(F_END, p_simple_choice_sweep(p, out));
    return 0;
}

static int p_package(parser *p, size_t *first, size_t *last) {
    TRY(sync_state(p, 73));
    *first = p->idx;
    *last = p->idx; /* end, exclusive: empty */
    int la = LA(p, 1);
    if (la == T_EOF || la == T_EQUAL || la == T_AT)
        return 0;
    if (la == T_ID)
        TRY(match(p, 70, T_ID));
    else if (la == T_KEY_SPECIAL)
        TRY(match(p, 71, T_KEY_SPECIAL));
    else if (la == T_DOT_PATH)
        TRY(match(p, 72, T_DOT_PATH));
    else if (p->failed)
        return -1;
    else
        return report_nva(p, p->idx, p->idx);
    *last = p->idx;
    return 0;
}

static int p_package_or_group(parser *p, size_t *first, size_t *last) {
    TRY(sync_state(p, 67));
    int alt = predict_package_or_group(p);
    TRY(alt);
    if (alt == 1) {
        CALL(F_END, p_package(p, first, last));
        return 0;
    }
    *first = p->idx;
    TRY(match(p, 60, T_ID));
    TRY(sync_state(p, 63));
    for (;;) {
        TRY(match(p, 61, T_SLASH));
        TRY(match(p, 62, T_ID));
        TRY(sync_state(p, 65));
        if (LA(p, 1) != T_SLASH)
            break;
    }
    if (p->failed)
        return -1;
    *last = p->idx;
    return 0;
}

static int p_key(parser *p, ov_parse_tree *t) {
    CALL(F_POG, p_package_or_group(p, &t->key_first, &t->key_end));
    TRY(sync_state(p, 57));
    if (LA(p, 1) == T_AT) {
        TRY(match(p, 55, T_AT));
        t->has_package = 1;
        CALL(F_END, p_package(p, &t->pkg_first, &t->pkg_end));
    }
    return p->failed ? -1 : 0;
}

static int p_override(parser *p, ov_parse_tree *t) {
    TRY(sync_state(p, 50));
    int la = LA(p, 1);
    if (in(la, KEYSTART)) {
        t->type = CY_OVERRIDE_CHANGE;
        CALL(F_KEY_CHANGE, p_key(p, t));
        TRY(match(p, 29, T_EQUAL));
        t->has_equal = 1;
        TRY(sync_state(p, 31));
        if (in(LA(p, 1), FV))
            CALL(F_VALUE, p_value(p, &t->value));
    } else if (la == T_TILDE) {
        t->type = CY_OVERRIDE_DEL;
        TRY(match(p, 33, T_TILDE));
        CALL(F_KEY_DEL, p_key(p, t));
        TRY(sync_state(p, 39));
        if (LA(p, 1) == T_EQUAL) {
            TRY(match(p, 35, T_EQUAL));
            t->has_equal = 1;
            TRY(sync_state(p, 37));
            if (in(LA(p, 1), FV))
                CALL(F_VALUE, p_value(p, &t->value));
        }
    } else if (la == T_PLUS) {
        t->type = CY_OVERRIDE_ADD;
        TRY(match(p, 41, T_PLUS));
        TRY(sync_state(p, 43));
        if (LA(p, 1) == T_PLUS) {
            TRY(match(p, 42, T_PLUS));
            t->type = CY_OVERRIDE_FORCE_ADD;
        }
        CALL(F_KEY_CHANGE, p_key(p, t));
        TRY(match(p, 46, T_EQUAL));
        t->has_equal = 1;
        TRY(sync_state(p, 48));
        if (in(LA(p, 1), FV))
            CALL(F_VALUE, p_value(p, &t->value));
    } else {
        if (p->failed)
            return -1;
        return report_nva(p, p->idx, p->idx);
    }
    if (p->failed)
        return -1;
    return match(p, 52, T_EOF);
}

int ov_parse(ov_parse_tree *out, ov_arena *a, const char *src, int max_depth,
             cy_override_error *err) {
    parser p;
    memset(&p, 0, sizeof p);
    p.src = src;
    p.len = strlen(src);
    p.a = a;
    p.err = err;
    p.max_depth = max_depth;
    lexer_init(&p.lx, src, p.len);
    memset(out, 0, sizeof *out);
    out->src = src;
    int rc = 0;
    if (LT(&p, 1) == NULL || p_override(&p, out) < 0 || p.failed)
        rc = p.failed ? p.failed : CY_ERROR;
    if (rc == 0) {
        out->toks = ov_alloc(a, p.ntoks * sizeof *out->toks);
        if (!out->toks) {
            rc = fail_nomem(&p) < 0 ? CY_ENOMEM : CY_ENOMEM;
        } else {
            memcpy(out->toks, p.toks, p.ntoks * sizeof *out->toks);
            out->ntoks = p.ntoks;
        }
    }
    free(p.toks);
    free(p.stack);
    return rc;
}
