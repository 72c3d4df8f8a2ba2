/* The thread-local last error of libnn (see nn/error.h). */
#include "nn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_CAP 1024

static _Thread_local char last_msg[MSG_CAP];
static _Thread_local int last_code;

const char *nn_error_last(void) {
    return last_msg;
}

int nn_error_last_code(void) {
    return last_code;
}

const char *nn_strerror(int code) {
    switch (code) {
    case NN_OK:
        return "success";
    case NN_EINVAL:
        return "invalid argument";
    case NN_ENOMEM:
        return "out of memory";
    case NN_EIO:
        return "I/O error";
    case NN_EFORMAT:
        return "bad file format";
    case NN_ENET:
        return "download failed";
    case NN_ECHECKSUM:
        return "checksum mismatch";
    case NN_ENOTFOUND:
        return "not found";
    case NN_ESHAPE:
        return "shape mismatch";
    default:
        return "unknown error";
    }
}

int nn_error_set(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    last_code = code;
    return code;
}

int nn_error_wrap(int code, const char *fmt, ...) {
    char prefix[MSG_CAP];
    char old[MSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_msg, sizeof old);
    /* Truncation is acceptable (the buffer is a message, not data); copy by hand so the
     * compiler's truncation warning has nothing to say. */
    const char *tail = old[0] ? old : nn_strerror(code);
    size_t np = strlen(prefix), nt = strlen(tail);
    if (np > MSG_CAP - 1)
        np = MSG_CAP - 1;
    if (nt > MSG_CAP - 1 - np)
        nt = MSG_CAP - 1 - np;
    memcpy(last_msg, prefix, np);
    memcpy(last_msg + np, tail, nt);
    last_msg[np + nt] = '\0';
    last_code = code;
    return code;
}

void nn_error_clear(void) {
    last_msg[0] = '\0';
    last_code = NN_OK;
}
