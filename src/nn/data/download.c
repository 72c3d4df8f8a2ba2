/* Mirror-list downloads with libcurl: temp file, streaming MD5, rename into place. */
#include "nn/download.h"

#include "data_internal.h"
#include "nn/error.h"
#include "nn/md5.h"

/* libcurl is loaded when the first download starts, not when the program starts: linking it
 * would cost every start of every program (a few ms of dynamic loading, most of `--cfg job`),
 * and most runs never download. The calls below go through this table. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
} lc;
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init   lc.global_init
#define curl_easy_init     lc.easy_init
#define curl_easy_setopt   lc.easy_setopt
#define curl_easy_perform  lc.easy_perform
#define curl_easy_getinfo  lc.easy_getinfo
#define curl_easy_cleanup  lc.easy_cleanup
#define curl_easy_strerror lc.easy_strerror

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;
static char curl_load_error[256];

static void curl_init(void) {
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(curl_load_error, sizeof curl_load_error, "%s", dlerror());
        curl_init_status = CURLE_FAILED_INIT;
        return;
    }
    /* POSIX: dlsym's void * converts to a function pointer through this cast */
    *(void **)&lc.global_init = dlsym(h, "curl_global_init");
    *(void **)&lc.easy_init = dlsym(h, "curl_easy_init");
    *(void **)&lc.easy_setopt = dlsym(h, "curl_easy_setopt");
    *(void **)&lc.easy_perform = dlsym(h, "curl_easy_perform");
    *(void **)&lc.easy_getinfo = dlsym(h, "curl_easy_getinfo");
    *(void **)&lc.easy_cleanup = dlsym(h, "curl_easy_cleanup");
    *(void **)&lc.easy_strerror = dlsym(h, "curl_easy_strerror");
    if (!lc.global_init || !lc.easy_init || !lc.easy_setopt || !lc.easy_perform ||
        !lc.easy_getinfo || !lc.easy_cleanup || !lc.easy_strerror) {
        snprintf(curl_load_error, sizeof curl_load_error, "libcurl.so.4 lacks curl_easy_*");
        curl_init_status = CURLE_FAILED_INIT;
        return;
    }
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* State of one transfer, shared by the write and progress callbacks. */
typedef struct transfer {
    FILE *out;
    nn_md5 md5;
    uint64_t received;
    int write_failed; /* errno of a failed fwrite, 0 otherwise */
    const char *url;
    const nn_download_opts *opts;
} transfer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
    transfer *t = userdata;
    size_t n = size * nmemb;
    if (fwrite(ptr, 1, n, t->out) != n) {
        t->write_failed = errno ? errno : EIO;
        return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    nn_md5_update(&t->md5, ptr, n);
    t->received += n;
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    (void)ultotal;
    (void)ulnow;
    transfer *t = userdata;
    if (t->opts->progress && dlnow > 0)
        t->opts->progress(t->opts->progress_ctx, NN_DOWNLOAD_PROGRESS, t->url, (uint64_t)dlnow,
                          dltotal > 0 ? (uint64_t)dltotal : 0, NULL);
    return 0;
}

static int valid_md5(const char *md5) {
    if (strlen(md5) != NN_MD5_HEX_LEN)
        return 0;
    for (const char *p = md5; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
            return 0;
    return 1;
}

/* Runs the transfer of url into t->out. Status NN_OK or NN_ENET/NN_EIO with a message that
 * says why (without the URL, which the caller adds). */
static int run_curl(transfer *t, const char *url) {
    const nn_download_opts *o = t->opts;
    CURL *c = curl_easy_init();
    if (!c)
        return nn_error_set(NN_ENOMEM, "cannot create a curl handle");
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cydra-nn/0.1 (libcurl)");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
    if (o->low_speed_time_s > 0) {
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

    CURLcode rc = curl_easy_perform(c);
    int status = NN_OK;
    if (rc == CURLE_WRITE_ERROR && t->write_failed) {
        status = nn_error_set(NN_EIO, "writing the downloaded data failed: %s",
                              strerror(t->write_failed));
    } else if (rc == CURLE_HTTP_RETURNED_ERROR) {
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        status = nn_error_set(NN_ENET, "HTTP %ld", code);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        status = nn_error_set(NN_ENET, "timed out after %" PRIu64 " bytes (%s)", t->received,
                              errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (rc != CURLE_OK) {
        status = nn_error_set(NN_ENET, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_easy_cleanup(c);
    return status;
}

int nn_download_file(const char *url, const char *dest, const char *md5,
                     const nn_download_opts *opts) {
    nn_download_opts defaults = NN_DOWNLOAD_OPTS_INIT;
    const nn_download_opts *o = opts ? opts : &defaults;
    if (!url || !dest)
        return nn_error_set(NN_EINVAL, "nn_download_file: url and dest are required");
    if (md5 && !valid_md5(md5))
        return nn_error_set(NN_EINVAL, "expected MD5 for %s is not 32 hex digits: \"%s\"", dest,
                            md5);
    if (o->connect_timeout_s < 0 || o->timeout_s < 0 || o->low_speed_limit < 0 ||
        o->low_speed_time_s < 0)
        return nn_error_set(NN_EINVAL, "download timeouts and limits must be >= 0");
    pthread_once(&curl_once, curl_init);
    if (curl_load_error[0])
        return nn_error_set(NN_ENET, "downloading needs libcurl (Debian's libcurl4): %s",
                            curl_load_error);
    if (curl_init_status != CURLE_OK)
        return nn_error_set(NN_ENET, "curl_global_init failed: %s",
                            curl_easy_strerror(curl_init_status));

    /* The temporary file sits beside dest so the final rename stays on one filesystem. */
    char tmp[4200];
    int st = data_path(tmp, sizeof tmp, "%s.part.XXXXXX", dest);
    if (st != NN_OK)
        return st;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return nn_error_set(NN_EIO, "cannot create a temporary file for %s: %s", dest,
                            strerror(errno));
    /* mkstemp makes the file private (0600); a dataset is ordinary readable data. */
    fchmod(fd, 0644);
    FILE *out = fdopen(fd, "wb");
    if (!out) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return nn_error_set(NN_EIO, "cannot open %s: %s", tmp, strerror(e));
    }

    transfer t = {.out = out, .url = url, .opts = o};
    nn_md5_init(&t.md5);
    if (o->progress)
        o->progress(o->progress_ctx, NN_DOWNLOAD_START, url, 0, 0, NULL);
    st = run_curl(&t, url);
    if (st == NN_OK && md5) {
        char got[NN_MD5_HEX_LEN + 1];
        nn_md5_final_hex(&t.md5, got);
        if (strcasecmp(got, md5) != 0)
            st = nn_error_set(NN_ECHECKSUM, "MD5 mismatch: got %s, expected %s (%" PRIu64 " bytes)",
                              got, md5, t.received);
    }
    if (st == NN_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
        st = nn_error_set(NN_EIO, "writing %s: %s", tmp, strerror(errno));
    if (fclose(out) != 0 && st == NN_OK)
        st = nn_error_set(NN_EIO, "writing %s: %s", tmp, strerror(errno));
    if (st == NN_OK && rename(tmp, dest) != 0)
        st = nn_error_set(NN_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
    if (st != NN_OK) {
        unlink(tmp);
        if (o->progress)
            o->progress(o->progress_ctx, NN_DOWNLOAD_FAIL, url, t.received, 0, nn_error_last());
        return st;
    }
    if (o->progress)
        o->progress(o->progress_ctx, NN_DOWNLOAD_DONE, url, t.received, t.received, NULL);
    return NN_OK;
}

int nn_download_mirrors(const char *const *mirrors, size_t n_mirrors, const char *filename,
                        const char *md5, const char *dir, const nn_download_opts *opts) {
    if (!filename || !dir || (n_mirrors && !mirrors))
        return nn_error_set(NN_EINVAL, "nn_download_mirrors: filename and dir are required");
    if (n_mirrors == 0)
        return nn_error_set(NN_ENET, "cannot download %s: no mirrors configured", filename);
    int st = data_mkdirs(dir);
    if (st != NN_OK)
        return st;
    char dest[4096];
    if ((st = data_path(dest, sizeof dest, "%s/%s", dir, filename)) != NN_OK)
        return st;

    /* Each failure is appended to the report, so the final message names every URL tried. */
    char report[2048] = "";
    size_t used = 0;
    for (size_t i = 0; i < n_mirrors; i++) {
        const char *base = mirrors[i];
        size_t bl = strlen(base);
        char url[4096];
        if ((st = data_path(url, sizeof url, "%s%s%s", base, bl && base[bl - 1] == '/' ? "" : "/",
                            filename)) != NN_OK)
            return st;
        st = nn_download_file(url, dest, md5, opts);
        if (st == NN_OK)
            return NN_OK;
        /* A bad argument or a local file that cannot be written fails the same way on every
         * mirror: stop at once. */
        if (st == NN_EINVAL)
            return st;
        if (st == NN_EIO)
            return nn_error_wrap(st, "cannot download %s into %s: ", filename, dir);
        int n = snprintf(report + used, sizeof report - used, "%s[%zu] %s: %s", i ? "; " : "",
                         i + 1, url, nn_error_last());
        if (n > 0)
            used = used + (size_t)n < sizeof report ? used + (size_t)n : sizeof report - 1;
    }
    if (n_mirrors == 1)
        return nn_error_set(NN_ENET, "cannot download %s into %s: the only mirror failed: %s",
                            filename, dir, report);
    return nn_error_set(NN_ENET, "cannot download %s into %s: all %zu mirrors failed: %s", filename,
                        dir, n_mirrors, report);
}

/* Reporter state: one transfer at a time per thread. */
static _Thread_local struct {
    double last_draw;
    int last_quarter;
} bar;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void draw_bar(uint64_t now, uint64_t total) {
    const int width = 30;
    if (total) {
        int pct = (int)(now * 100 / total);
        int fill = (int)(now * (uint64_t)width / total);
        char cells[64];
        for (int i = 0; i < width; i++)
            cells[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        cells[width] = '\0';
        fprintf(stderr, "\r%3d%% [%s] %.1f/%.1f MB", pct, cells, now / 1e6, total / 1e6);
    } else {
        fprintf(stderr, "\r%.1f MB", now / 1e6);
    }
    fflush(stderr);
}

void nn_download_progress_stderr(void *ctx, nn_download_event ev, const char *url, uint64_t now,
                                 uint64_t total, const char *msg) {
    (void)ctx;
    int tty = isatty(fileno(stderr));
    switch (ev) {
    case NN_DOWNLOAD_START:
        /* A plain path (not a URL) is a local copy being decompressed into place. */
        fprintf(stderr, "%s %s\n", url[0] == '/' ? "Extracting local copy" : "Downloading", url);
        bar.last_draw = 0;
        bar.last_quarter = 0;
        break;
    case NN_DOWNLOAD_PROGRESS:
        if (tty) {
            double t = now_s();
            if (t - bar.last_draw >= 0.1) {
                bar.last_draw = t;
                draw_bar(now, total);
            }
        } else if (total) {
            /* A log file gets a line at each quarter instead of a redrawn bar. */
            int q = (int)(now * 4 / total);
            if (q > bar.last_quarter && q < 4) {
                bar.last_quarter = q;
                fprintf(stderr, "  %d%% (%.1f/%.1f MB)\n", q * 25, now / 1e6, total / 1e6);
            }
        }
        break;
    case NN_DOWNLOAD_DONE:
        if (tty) {
            draw_bar(now, total);
            fputc('\n', stderr);
        } else {
            fprintf(stderr, "%s %s (%" PRIu64 " bytes)\n",
                    url[0] == '/' ? "Extracted" : "Downloaded", url, now);
        }
        break;
    case NN_DOWNLOAD_FAIL:
        if (tty && bar.last_draw > 0)
            fputc('\n', stderr);
        fprintf(stderr, "Failed to %s %s: %s\n", url[0] == '/' ? "use" : "download", url,
                msg ? msg : "unknown error");
        break;
    }
}
