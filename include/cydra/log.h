/*
 * cydra/log.h - logging for apps, configured as Python's logging is configured by Hydra.
 *
 * An app logs through named loggers; the runtime configures them from the composed config's
 * hydra.job_logging node (a logging.config.dictConfig document: formatters, handlers writing to
 * stdout/stderr or files, root and per-logger levels), so Hydra's line format and the per-job
 * `<job name>.log` file come out as Hydra writes them:
 *
 *     [2026-11-28 10:15:02,123][__main__][INFO] - Train Epoch: 1 [0/60000 (0%)]	Loss: 2.305
 *
 *     cy_log_info("Train Epoch: %d", epoch);             // logger "__main__", as a Python app's
 *     cy_logf("nn.data", CY_LOG_DEBUG, "read %s", path);   // a named logger
 *
 * Until configured, records of level INFO and above go to stdout as "[time][name][LEVEL] - msg".
 * Loggers are hierarchical by dots ("nn.data" propagates to "nn" and then to the root) and have
 * levels; handlers have formatters supporting Python's %(asctime)s, %(name)s, %(levelname)s,
 * %(message)s, %(levelno)d, %(process)d, %(thread)d, %(filename)s ... with width flags
 * ("%(levelname)-8s"). Logging is thread-safe. Library code (libnn, libcydra) does not log.
 */
#ifndef CYDRA_LOG_H
#define CYDRA_LOG_H

#include <stdarg.h>

#include "cydra/node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cy_log_level {
    CY_LOG_NOTSET = 0,
    CY_LOG_DEBUG = 10,
    CY_LOG_INFO = 20,
    CY_LOG_WARNING = 30,
    CY_LOG_ERROR = 40,
    CY_LOG_CRITICAL = 50,
} cy_log_level;

/* The logger apps log to by default, named as a Python app's main module logger. */
#define CY_LOG_MAIN "__main__"

void cy_logf(const char *logger, cy_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cy_logv(const char *logger, cy_log_level level, const char *fmt, va_list ap);

#define cy_log_debug(...)   cy_logf(CY_LOG_MAIN, CY_LOG_DEBUG, __VA_ARGS__)
#define cy_log_info(...)    cy_logf(CY_LOG_MAIN, CY_LOG_INFO, __VA_ARGS__)
#define cy_log_warning(...) cy_logf(CY_LOG_MAIN, CY_LOG_WARNING, __VA_ARGS__)
#define cy_log_error(...)   cy_logf(CY_LOG_MAIN, CY_LOG_ERROR, __VA_ARGS__)

/* True when a record of that level on that logger would be emitted. */
int cy_log_enabled(const char *logger, cy_log_level level);

/* Applies a dictConfig document (resolved). A NULL config, or one whose root is null, leaves the
 * current configuration as it is (Hydra's "none"). verbose is hydra.verbose: false, true (root at
 * DEBUG), a logger name or a list of names (those at DEBUG); may be NULL. Files named by file
 * handlers are opened (created) here; an unwritable file is an error naming it. */
int cy_log_configure(const cy_node *config, const cy_node *verbose);

/* Flushes and closes every handler and returns to the unconfigured state. */
void cy_log_reset(void);

/* Flushes every handler (before a fork, before exit). */
void cy_log_flush(void);

#ifdef __cplusplus
}
#endif

#endif
