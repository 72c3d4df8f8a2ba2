/*
 * error.c - the thread-local last error (cydra/error.h).
 *
 * OmegaConf raises an exception at the innermost point and format_and_raise decorates it once
 * with the key facts on the way out; later handlers keep the first decoration. The same happens
 * here: cy_error_set starts an error, the first cy_error_at attaches full_key/object_type/
 * ref_type, and outer layers only add context lines (cy_error_wrap).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/error.h"
#include "cydra/node.h"
#include "node_internal.h"

static _Thread_local cy_error last;
static _Thread_local unsigned long serial; /* counts errors set on this thread */

/* The strings of a thread's last error are freed when the thread exits: a key whose destructor
 * runs at thread exit is set to the thread's error the first time one is recorded. */
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static _Thread_local bool exit_registered;

static void reset(cy_error *e);

static void at_thread_exit(void *p) {
    reset(p);
}

static void make_exit_key(void) {
    pthread_key_create(&exit_key, at_thread_exit);
}

static void register_exit(void) {
    if (exit_registered)
        return;
    pthread_once(&exit_once, make_exit_key);
    pthread_setspecific(exit_key, &last);
    exit_registered = true;
}

static void reset(cy_error *e) {
    free(e->msg);
    free(e->full_key);
    free(e->object_type);
    free(e->ref_type);
    free(e->context);
    memset(e, 0, sizeof *e);
}

static char *xstrdup(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static char *vformat(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return xstrdup("");
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static const char *default_exc(int code) {
    switch (code) {
    case CY_ENOMEM:
        return "MemoryError";
    case CY_EKEY:
        return "ConfigKeyError";
    case CY_EVALIDATION:
        return "ValidationError";
    case CY_ETYPE:
        return "ConfigTypeError";
    case CY_EMISSING:
        return "MissingMandatoryValue";
    case CY_EREADONLY:
        return "ReadonlyConfigError";
    case CY_EINTERP:
        return "InterpolationResolutionError";
    case CY_EPARSE:
        return "GrammarParseError";
    case CY_EIO:
        return "OSError";
    case CY_ELIMIT:
        return "LimitError";
    case CY_ECOMPOSE:
        return "ConfigCompositionException";
    case CY_EUSAGE:
        return "UsageError";
    case CY_EINSTANTIATE:
        return "InstantiationException";
    case CY_ENOTFOUND:
        return "NotFoundError";
    case CY_EINDEX:
        return "ConfigIndexError";
    default:
        return "OmegaConfBaseException";
    }
}

const cy_error *cy_error_last(void) {
    return &last;
}

void cy_error_clear(void) {
    reset(&last);
}

unsigned long cy__error_serial(void) {
    return serial;
}

int cy_error_set(int code, const char *exc, const char *fmt, ...) {
    reset(&last);
    register_exit();
    serial++;
    if (code >= 0)
        code = CY_ERROR;
    va_list ap;
    va_start(ap, fmt);
    last.msg = vformat(fmt, ap);
    va_end(ap);
    if (!last.msg)
        last.msg = xstrdup("(out of memory formatting an error)");
    last.code = code;
    last.exc = exc ? exc : default_exc(code);
    return code;
}

void cy_error_set_exc(const char *exc) {
    if (last.code != 0 && exc)
        last.exc = exc;
}

int cy_error_at_key(const char *full_key, const char *object_type, const char *ref_type) {
    if (last.code == 0 || last.has_key)
        return last.code;
    last.has_key = true;
    last.full_key = xstrdup(full_key ? full_key : "");
    last.object_type = xstrdup(object_type);
    last.ref_type = xstrdup(ref_type);
    return last.code;
}

int cy_error_at(const struct cy_node *container, const char *key) {
    if (last.code == 0 || last.has_key)
        return last.code;
    if (!container)
        return cy_error_at_key(key ? key : "", NULL, NULL);
    char *fk = cy__full_key_of(container, key);
    const char *ot = cy__error_object_type(container);
    const char *rt = cy__error_ref_type(container);
    cy_error_at_key(fk, ot, rt);
    free(fk);
    return last.code;
}

void cy__error_drop_key(void) {
    free(last.full_key);
    free(last.object_type);
    free(last.ref_type);
    last.full_key = last.object_type = last.ref_type = NULL;
    last.has_key = false;
}

int cy_error_wrap(const char *fmt, ...) {
    if (last.code == 0)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    char *line = vformat(fmt, ap);
    va_end(ap);
    if (!line)
        return last.code;
    if (!last.context) {
        last.context = line;
        return last.code;
    }
    size_t a = strlen(line), b = strlen(last.context);
    char *joined = malloc(a + 1 + b + 1);
    if (joined) {
        memcpy(joined, line, a);
        joined[a] = '\n';
        memcpy(joined + a + 1, last.context, b + 1);
        free(last.context);
        last.context = joined;
    }
    free(line);
    return last.code;
}

char *cy_error_text(const cy_error *err) {
    if (!err || err->code == 0)
        return xstrdup("");
    size_t n = 1;
    if (err->context)
        n += strlen(err->context) + 1;
    n += strlen(err->msg);
    if (err->has_key) {
        n += strlen("\n    full_key: ") + strlen(err->full_key);
        if (err->ref_type)
            n += strlen("\n    reference_type=") + strlen(err->ref_type);
        n += strlen("\n    object_type=") + (err->object_type ? strlen(err->object_type) : 4);
    }
    char *s = malloc(n);
    if (!s)
        return NULL;
    char *p = s;
    if (err->context)
        p += sprintf(p, "%s\n", err->context);
    p += sprintf(p, "%s", err->msg);
    if (err->has_key) {
        p += sprintf(p, "\n    full_key: %s", err->full_key);
        if (err->ref_type)
            p += sprintf(p, "\n    reference_type=%s", err->ref_type);
        /* format_and_raise prints type_str(None) for a node without a parent */
        p += sprintf(p, "\n    object_type=%s", err->object_type ? err->object_type : "None");
    }
    return s;
}

const char *cy_strerror(int code) {
    switch (code) {
    case CY_OK:
        return "success";
    case CY_ERROR:
        return "error";
    case CY_ENOMEM:
        return "out of memory";
    case CY_EKEY:
        return "key error";
    case CY_EVALIDATION:
        return "validation error";
    case CY_ETYPE:
        return "type error";
    case CY_EMISSING:
        return "missing mandatory value";
    case CY_EREADONLY:
        return "read-only config";
    case CY_EINTERP:
        return "interpolation error";
    case CY_EPARSE:
        return "syntax error";
    case CY_EIO:
        return "I/O error";
    case CY_ELIMIT:
        return "limit exceeded";
    case CY_ECOMPOSE:
        return "composition error";
    case CY_EUSAGE:
        return "usage error";
    case CY_EINSTANTIATE:
        return "instantiation error";
    case CY_ENOTFOUND:
        return "not found";
    case CY_EINDEX:
        return "index error";
    default:
        return "unknown error";
    }
}
