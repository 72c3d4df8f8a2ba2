/*
 * log.c - Python-logging-like loggers, handlers and formatters, configured from a dictConfig node.
 *
 * The model is Python's: a record goes to the handlers of its logger and, while propagate holds,
 * of its ancestors (by dotted name, then the root); a logger's effective level is the first level
 * set on the way up. dictConfig replaces the handlers and levels; "none" configs (root: null) leave
 * things as they are.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cydra/config/sbuf.h"
#include "cydra/log.h"
#include "cydra/schema.h"

enum { H_STREAM, H_FILE, H_NULL };

typedef struct formatter {
    char *name;
    char *fmt;
    char *datefmt; /* NULL: Python's default "%Y-%m-%d %H:%M:%S,mmm" */
} formatter;

typedef struct handler {
    char *name;
    int kind;
    FILE *fp;       /* H_STREAM: stdout/stderr (not owned); H_FILE: owned, NULL until opened */
    char *filename; /* H_FILE */
    char *mode;     /* H_FILE: "a" or "w" */
    int level;
    const formatter *fmt;
} handler;

typedef struct logger {
    char *name; /* "" for the root */
    int level;  /* CY_LOG_NOTSET: inherit */
    handler **handlers;
    size_t nhandlers;
    int propagate;
    int disabled;
} logger;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int configured;
static logger root_logger = {.name = "", .level = CY_LOG_WARNING, .propagate = 1};
static logger **loggers;
static size_t nloggers;
static formatter **formatters;
static size_t nformatters;
static handler **handlers;
static size_t nhandlers;

static const formatter default_formatter = {
    "", "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s", NULL};

static char *xstrdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

/* ---------------------------------------------------------------------------------------------
 * Loggers
 */

static logger *find_logger(const char *name) {
    if (!name || !*name || strcmp(name, "root") == 0)
        return &root_logger;
    for (size_t i = 0; i < nloggers; i++)
        if (strcmp(loggers[i]->name, name) == 0)
            return loggers[i];
    return NULL;
}

static logger *get_logger(const char *name) {
    logger *l = find_logger(name);
    if (l)
        return l;
    l = calloc(1, sizeof *l);
    if (!l)
        abort();
    l->name = xstrdup(name);
    l->propagate = 1;
    loggers = xrealloc(loggers, (nloggers + 1) * sizeof *loggers);
    loggers[nloggers++] = l;
    return l;
}

/* The nearest existing ancestor ("a.b" for "a.b.c" when it exists, else "a", else the root). */
static logger *parent_of(const logger *l) {
    if (l == &root_logger)
        return NULL;
    size_t n = strlen(l->name);
    char *buf = xstrdup(l->name);
    logger *p = &root_logger;
    while (n > 0) {
        while (n > 0 && buf[n - 1] != '.')
            n--;
        if (n == 0)
            break;
        buf[--n] = '\0';
        logger *q = find_logger(buf);
        if (q) {
            p = q;
            break;
        }
    }
    free(buf);
    return p;
}

static int effective_level(const logger *l) {
    for (const logger *c = l; c; c = parent_of(c))
        if (c->level != CY_LOG_NOTSET)
            return c->level;
    return CY_LOG_NOTSET;
}

/* ---------------------------------------------------------------------------------------------
 * Formatting
 */

static const char *level_name(int level) {
    switch (level) {
    case CY_LOG_DEBUG:
        return "DEBUG";
    case CY_LOG_INFO:
        return "INFO";
    case CY_LOG_WARNING:
        return "WARNING";
    case CY_LOG_ERROR:
        return "ERROR";
    case CY_LOG_CRITICAL:
        return "CRITICAL";
    default:
        return "NOTSET";
    }
}

typedef struct record {
    const char *name;
    int level;
    const char *message;
    struct timeval tv;
} record;

static void format_time(char *out, size_t n, const formatter *f, const struct timeval *tv) {
    struct tm tm;
    time_t t = tv->tv_sec;
    localtime_r(&t, &tm);
    if (f->datefmt) {
        if (strftime(out, n, f->datefmt, &tm) == 0)
            out[0] = '\0';
        return;
    }
    char base[64];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, n, "%s,%03d", base, (int)(tv->tv_usec / 1000));
}

/* Python's "fmt % record.__dict__" for the keys a C record has. */
static void format_record(cy_sbuf *out, const formatter *f, const record *r) {
    const char *p = f->fmt;
    while (*p) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            cy__sb_putn(out, p, n);
            p += n;
            continue;
        }
        if (p[1] == '%') {
            cy__sb_putc(out, '%');
            p += 2;
            continue;
        }
        if (p[1] != '(') {
            cy__sb_putc(out, *p);
            p++;
            continue;
        }
        const char *key = p + 2, *close = strchr(key, ')');
        if (!close) {
            cy__sb_puts(out, p);
            break;
        }
        /* conversion spec: flags, width, precision, type */
        const char *s = close + 1;
        char spec[32] = "%";
        size_t sl = 1;
        while (*s && strchr("-+ 0#", *s) && sl < 8)
            spec[sl++] = *s++;
        while (*s >= '0' && *s <= '9' && sl < 16)
            spec[sl++] = *s++;
        if (*s == '.') {
            spec[sl++] = *s++;
            while (*s >= '0' && *s <= '9' && sl < 24)
                spec[sl++] = *s++;
        }
        char type = *s ? *s++ : 's';
        char keybuf[32];
        size_t kl =
            (size_t)(close - key) < sizeof keybuf - 1 ? (size_t)(close - key) : sizeof keybuf - 1;
        memcpy(keybuf, key, kl);
        keybuf[kl] = '\0';

        char tmp[512], val[128];
        const char *sval = NULL;
        double dval = 0;
        int is_num = 0;
        if (strcmp(keybuf, "name") == 0)
            sval = r->name;
        else if (strcmp(keybuf, "levelname") == 0)
            sval = level_name(r->level);
        else if (strcmp(keybuf, "message") == 0)
            sval = r->message;
        else if (strcmp(keybuf, "asctime") == 0) {
            format_time(val, sizeof val, f, &r->tv);
            sval = val;
        } else if (strcmp(keybuf, "levelno") == 0) {
            dval = r->level;
            is_num = 1;
        } else if (strcmp(keybuf, "msecs") == 0) {
            dval = r->tv.tv_usec / 1000.0;
            is_num = 1;
        } else if (strcmp(keybuf, "created") == 0) {
            dval = (double)r->tv.tv_sec + r->tv.tv_usec / 1e6;
            is_num = 1;
        } else if (strcmp(keybuf, "process") == 0 || strcmp(keybuf, "thread") == 0) {
            dval = (double)getpid();
            is_num = 1;
        } else if (strcmp(keybuf, "processName") == 0) {
            sval = "MainProcess";
        } else if (strcmp(keybuf, "threadName") == 0) {
            sval = "MainThread";
        } else {
            sval = "";
        }
        if (type == 's' || type == 'r' || type == 'a') {
            if (!sval) {
                snprintf(val, sizeof val, "%.17g", dval);
                sval = val;
            }
            spec[sl++] = 's';
            spec[sl] = '\0';
            /* The message can be long: format it directly when there is no width. */
            if (sl == 2) {
                cy__sb_puts(out, sval);
            } else {
                snprintf(tmp, sizeof tmp, spec, sval);
                cy__sb_puts(out, tmp);
            }
        } else if (strchr("diouxX", type)) {
            spec[sl++] = 'l';
            spec[sl++] = 'l';
            spec[sl++] = type == 'i' ? 'd' : type;
            spec[sl] = '\0';
            snprintf(tmp, sizeof tmp, spec, (long long)(is_num ? dval : 0));
            cy__sb_puts(out, tmp);
        } else {
            spec[sl++] = type;
            spec[sl] = '\0';
            snprintf(tmp, sizeof tmp, spec, is_num ? dval : 0.0);
            cy__sb_puts(out, tmp);
        }
        p = s;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Emitting
 */

static int handler_open(handler *h) {
    if (h->kind != H_FILE || h->fp)
        return 0;
    h->fp = fopen(h->filename, h->mode ? h->mode : "a");
    if (!h->fp)
        return cy_error_set(CY_EIO, "OSError", "Cannot open log file '%s': %s", h->filename,
                            strerror(errno));
    return 0;
}

static void handler_emit(handler *h, const record *r) {
    if (h->kind == H_NULL)
        return;
    if (h->kind == H_FILE && !h->fp && handler_open(h) < 0)
        return;
    cy_sbuf b = {0};
    format_record(&b, h->fmt ? h->fmt : &default_formatter, r);
    cy__sb_putc(&b, '\n');
    size_t len = b.len;
    char *line = cy__sb_take_or_abort(&b);
    fwrite(line, 1, len, h->fp);
    fflush(h->fp);
    free(line);
}

int cy_log_enabled(const char *name, cy_log_level level) {
    pthread_mutex_lock(&lock);
    int on;
    if (!configured) {
        on = level >= CY_LOG_INFO;
    } else {
        logger *l = find_logger(name);
        on = l ? !l->disabled && (int)level >= effective_level(l)
               : (int)level >= effective_level(&root_logger);
    }
    pthread_mutex_unlock(&lock);
    return on;
}

void cy_logv(const char *name, cy_log_level level, const char *fmt, va_list ap) {
    record r = {.name = name ? name : CY_LOG_MAIN, .level = level};
    gettimeofday(&r.tv, NULL);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!msg)
        return;
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    r.message = msg;

    pthread_mutex_lock(&lock);
    if (!configured) {
        if (level >= CY_LOG_INFO) {
            handler h = {.kind = H_STREAM, .fp = stdout};
            handler_emit(&h, &r);
        }
    } else {
        logger *l = get_logger(r.name);
        if (!l->disabled && (int)level >= effective_level(l)) {
            int found = 0;
            for (logger *c = l; c; c = c->propagate ? parent_of(c) : NULL) {
                for (size_t i = 0; i < c->nhandlers; i++) {
                    found = 1;
                    if ((int)level >= c->handlers[i]->level)
                        handler_emit(c->handlers[i], &r);
                }
                if (!c->propagate)
                    break;
            }
            if (!found && level >= CY_LOG_WARNING) {
                /* Python's lastResort handler: the bare message on stderr. */
                fprintf(stderr, "%s\n", msg);
                fflush(stderr);
            }
        }
    }
    pthread_mutex_unlock(&lock);
    free(msg);
}

void cy_logf(const char *name, cy_log_level level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cy_logv(name, level, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------------------------
 * Configuration
 */

static void free_config(void) {
    for (size_t i = 0; i < nhandlers; i++) {
        handler *h = handlers[i];
        if (h->kind == H_FILE && h->fp)
            fclose(h->fp);
        else if (h->fp)
            fflush(h->fp);
        free(h->name);
        free(h->filename);
        free(h->mode);
        free(h);
    }
    free(handlers);
    handlers = NULL;
    nhandlers = 0;
    for (size_t i = 0; i < nformatters; i++) {
        free(formatters[i]->name);
        free(formatters[i]->fmt);
        free(formatters[i]->datefmt);
        free(formatters[i]);
    }
    free(formatters);
    formatters = NULL;
    nformatters = 0;
    free(root_logger.handlers);
    root_logger.handlers = NULL;
    root_logger.nhandlers = 0;
    for (size_t i = 0; i < nloggers; i++)
        free(loggers[i]->handlers), loggers[i]->handlers = NULL, loggers[i]->nhandlers = 0;
}

static int parse_level(const cy_node *n, int *out, const char *where) {
    const cy_node *v;
    int rc = cy_node_resolve(n, &v);
    if (rc < 0)
        return rc;
    if (v->kind == CY_INT) {
        *out = (int)v->v.i;
        return 0;
    }
    if (v->kind == CY_STR) {
        static const struct {
            const char *name;
            int level;
        } levels[] = {{"CRITICAL", 50}, {"FATAL", 50}, {"ERROR", 40}, {"WARNING", 30},
                      {"WARN", 30},     {"INFO", 20},  {"DEBUG", 10}, {"NOTSET", 0}};
        for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
            if (strcmp(levels[i].name, v->v.str.s) == 0) {
                *out = levels[i].level;
                return 0;
            }
    }
    return cy_error_set(CY_EVALIDATION, "ValueError", "Unknown level: '%s' (in %s)",
                        cy_node_pystr(v), where);
}

static const char *str_of(const cy_node *dict, const char *key) {
    const cy_node *n = cy_dict_get(dict, key), *v;
    if (!n || cy_node_resolve(n, &v) < 0)
        return NULL;
    if (v->kind == CY_STR)
        return v->v.str.s;
    if (v->kind == CY_NULL)
        return NULL;
    return cy_node_pystr(v);
}

static handler *find_handler(const char *name) {
    for (size_t i = 0; i < nhandlers; i++)
        if (strcmp(handlers[i]->name, name) == 0)
            return handlers[i];
    return NULL;
}

static int attach_handlers(logger *l, const cy_node *cfg) {
    const cy_node *hs = cy_dict_get(cfg, "handlers"), *list;
    if (!hs)
        return 0;
    int rc = cy_node_resolve(hs, &list);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < cy_node_len(list); i++) {
        const cy_node *v;
        if ((rc = cy_node_resolve(cy_node_child(list, i), &v)) < 0)
            return rc;
        handler *h = v->kind == CY_STR ? find_handler(v->v.str.s) : NULL;
        if (!h)
            return cy_error_set(CY_EVALIDATION, "ValueError",
                                "Unable to configure logger '%s': unknown handler '%s'",
                                l->name[0] ? l->name : "root", cy_node_pystr(v));
        l->handlers = xrealloc(l->handlers, (l->nhandlers + 1) * sizeof *l->handlers);
        l->handlers[l->nhandlers++] = h;
    }
    return 0;
}

static int configure_logger(logger *l, const cy_node *cfg) {
    const cy_node *lv = cy_dict_get(cfg, "level");
    int rc;
    if (lv && lv->kind != CY_NULL) {
        if ((rc = parse_level(lv, &l->level, l->name[0] ? l->name : "root")) < 0)
            return rc;
    }
    const cy_node *pr = cy_dict_get(cfg, "propagate");
    if (pr) {
        bool b;
        if ((rc = cy_node_as_bool(pr, &b)) < 0)
            return rc;
        l->propagate = b;
    }
    l->disabled = 0;
    return attach_handlers(l, cfg);
}

static int apply_config(const cy_node *cfg) {
    int rc;
    const cy_node *fs = cy_dict_get(cfg, "formatters");
    for (size_t i = 0; fs && i < cy_node_len(fs); i++) {
        const cy_node *fc = cy_node_child(fs, i), *f;
        if ((rc = cy_node_resolve(fc, &f)) < 0)
            return rc;
        formatter *fm = calloc(1, sizeof *fm);
        if (!fm)
            abort();
        fm->name = xstrdup(fc->key);
        const char *fmt = f->kind == CY_DICT ? str_of(f, "format") : NULL;
        fm->fmt = xstrdup(fmt ? fmt : "%(message)s");
        const char *datefmt = f->kind == CY_DICT ? str_of(f, "datefmt") : NULL;
        fm->datefmt = datefmt ? xstrdup(datefmt) : NULL;
        formatters = xrealloc(formatters, (nformatters + 1) * sizeof *formatters);
        formatters[nformatters++] = fm;
    }

    const cy_node *hs = cy_dict_get(cfg, "handlers");
    for (size_t i = 0; hs && i < cy_node_len(hs); i++) {
        const cy_node *hc = cy_node_child(hs, i), *h;
        if ((rc = cy_node_resolve(hc, &h)) < 0)
            return rc;
        handler *hd = calloc(1, sizeof *hd);
        if (!hd)
            abort();
        hd->name = xstrdup(hc->key);
        handlers = xrealloc(handlers, (nhandlers + 1) * sizeof *handlers);
        handlers[nhandlers++] = hd;
        const char *cls = h->kind == CY_DICT ? str_of(h, "class") : NULL;
        if (!cls)
            return cy_error_set(CY_EVALIDATION, "ValueError",
                                "Unable to configure handler '%s': no class", hd->name);
        if (strcmp(cls, "logging.StreamHandler") == 0) {
            const char *stream = str_of(h, "stream");
            hd->kind = H_STREAM;
            hd->fp = stream && strcmp(stream, "ext://sys.stdout") == 0 ? stdout : stderr;
        } else if (strcmp(cls, "logging.FileHandler") == 0) {
            const char *fn = str_of(h, "filename"), *mode = str_of(h, "mode"),
                       *delay = str_of(h, "delay");
            if (!fn)
                return cy_error_set(CY_EVALIDATION, "ValueError",
                                    "Unable to configure handler '%s': no filename", hd->name);
            hd->kind = H_FILE;
            hd->filename = xstrdup(fn);
            hd->mode = xstrdup(mode ? mode : "a");
            if (!(delay && strcmp(delay, "True") == 0) && (rc = handler_open(hd)) < 0)
                return rc;
        } else if (strcmp(cls, "logging.NullHandler") == 0) {
            hd->kind = H_NULL;
        } else {
            return cy_error_set(CY_EVALIDATION, "ValueError",
                                "Unable to configure handler '%s': unsupported class '%s'",
                                hd->name, cls);
        }
        const cy_node *lv = cy_dict_get(h, "level");
        if (lv && (rc = parse_level(lv, &hd->level, hd->name)) < 0)
            return rc;
        const char *fname = str_of(h, "formatter");
        if (fname) {
            for (size_t k = 0; k < nformatters; k++)
                if (strcmp(formatters[k]->name, fname) == 0)
                    hd->fmt = formatters[k];
            if (!hd->fmt)
                return cy_error_set(CY_EVALIDATION, "ValueError",
                                    "Unable to configure handler '%s': unknown formatter '%s'",
                                    hd->name, fname);
        } else {
            static const formatter bare = {"", "%(message)s", NULL};
            hd->fmt = &bare;
        }
    }

    /* disable_existing_loggers defaults to True in dictConfig. */
    const char *dis = str_of(cfg, "disable_existing_loggers");
    int disable = !(dis && strcmp(dis, "False") == 0);
    const cy_node *ls = cy_dict_get(cfg, "loggers");
    for (size_t i = 0; i < nloggers; i++) {
        logger *l = loggers[i];
        l->level = CY_LOG_NOTSET;
        l->propagate = 1;
        int named = 0;
        for (size_t k = 0; ls && k < cy_node_len(ls); k++) {
            const char *n = cy_node_child(ls, k)->key;
            size_t nl = strlen(n);
            if (strcmp(n, l->name) == 0 || (strncmp(n, l->name, nl) == 0 && l->name[nl] == '.'))
                named = 1;
        }
        l->disabled = disable && !named;
    }
    for (size_t k = 0; ls && k < cy_node_len(ls); k++) {
        const cy_node *lc = cy_node_child(ls, k), *lv;
        if ((rc = cy_node_resolve(lc, &lv)) < 0)
            return rc;
        if ((rc = configure_logger(get_logger(lc->key), lv)) < 0)
            return rc;
    }
    const cy_node *rn = cy_dict_get(cfg, "root"), *r;
    root_logger.level = CY_LOG_WARNING;
    if (rn && (rc = cy_node_resolve(rn, &r)) == 0 && r->kind == CY_DICT)
        return configure_logger(&root_logger, r);
    return 0;
}

static int apply_verbose(const cy_node *verbose) {
    const cy_node *v;
    int rc;
    if (!verbose)
        return 0;
    if ((rc = cy_node_resolve(verbose, &v)) < 0)
        return rc;
    if (v->kind == CY_BOOL) {
        if (v->v.b)
            root_logger.level = CY_LOG_DEBUG;
        return 0;
    }
    if (v->kind == CY_STR) {
        get_logger(v->v.str.s)->level = CY_LOG_DEBUG;
        return 0;
    }
    for (size_t i = 0; v->kind == CY_LIST && i < cy_node_len(v); i++) {
        const cy_node *e;
        if ((rc = cy_node_resolve(cy_node_child(v, i), &e)) < 0)
            return rc;
        get_logger(cy_node_pystr(e))->level = CY_LOG_DEBUG;
    }
    return 0;
}

int cy_log_configure(const cy_node *config, const cy_node *verbose) {
    const cy_node *cfg = NULL;
    int rc = 0;
    if (config && (rc = cy_node_resolve(config, &cfg)) < 0)
        return rc;
    pthread_mutex_lock(&lock);
    /* A Python app's main-module logger exists before logging is configured. */
    get_logger(CY_LOG_MAIN);
    /* No config: stay as we are; unconfigured means INFO and up to stdout in Hydra's format,
     * which is also Hydra's fallback when there is no logging config. */
    if (cfg && cfg->kind == CY_DICT) {
        const cy_node *root = cy_dict_get(cfg, "root");
        const cy_node *rv = NULL;
        if (root && (rc = cy_node_resolve(root, &rv)) < 0)
            goto out;
        if (rv && rv->kind != CY_NULL) {
            free_config();
            configured = 1;
            if ((rc = apply_config(cfg)) < 0)
                goto out;
        }
    }
    if (configured)
        rc = apply_verbose(verbose);
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

void cy_log_flush(void) {
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nhandlers; i++)
        if (handlers[i]->fp)
            fflush(handlers[i]->fp);
    fflush(stdout);
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

void cy_log_reset(void) {
    pthread_mutex_lock(&lock);
    free_config();
    for (size_t i = 0; i < nloggers; i++) {
        free(loggers[i]->name);
        free(loggers[i]);
    }
    free(loggers);
    loggers = NULL;
    nloggers = 0;
    root_logger.level = CY_LOG_WARNING;
    configured = 0;
    pthread_mutex_unlock(&lock);
}
