/* Checkpoint dispatch by extension, the atomic file writer, and load_state_dict-style loading. */
#include "io_internal.h"

#include "nn/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- atomic files ------------------------------------------------------------------------ */

int atomic_open(atomic_file *a, const char *path) {
    memset(a, 0, sizeof *a);
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof a->path)
        return nn_error_set(NN_EINVAL, "checkpoint path is empty or too long: \"%.200s\"", path);
    memcpy(a->path, path, n + 1);
    /* The temporary file is hidden beside the target: same filesystem, so rename is atomic. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(a->tmp, sizeof a->tmp, "%.*s.%s.tmp.XXXXXX", (int)dirlen, path,
             slash ? slash + 1 : path);
    int fd = mkstemp(a->tmp);
    if (fd < 0)
        return nn_error_set(NN_EIO, "cannot write %s: cannot create a temporary file there: %s",
                            path, strerror(errno));
    fchmod(fd, 0644); /* mkstemp makes 0600; a checkpoint is an ordinary file */
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        return nn_error_set(NN_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return NN_OK;
}

void atomic_write(atomic_file *a, const void *data, size_t n) {
    if (a->err || n == 0)
        return;
    if (fwrite(data, 1, n, a->f) != n)
        a->err = errno ? errno : EIO;
    else
        a->off += n;
}

void atomic_abort(atomic_file *a) {
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    unlink(a->tmp);
}

int atomic_commit(atomic_file *a) {
    if (!a->err && fflush(a->f) != 0)
        a->err = errno;
    if (!a->err && fsync(fileno(a->f)) != 0)
        a->err = errno;
    if (fclose(a->f) != 0 && !a->err)
        a->err = errno;
    a->f = NULL;
    if (a->err) {
        int e = a->err;
        unlink(a->tmp);
        return nn_error_set(NN_EIO, "cannot write %s: %s", a->path, strerror(e));
    }
    if (rename(a->tmp, a->path) != 0) {
        int e = errno;
        unlink(a->tmp);
        return nn_error_set(NN_EIO, "cannot write %s: renaming the temporary file failed: %s",
                            a->path, strerror(e));
    }
    /* Make the rename itself durable. */
    char dir[4096];
    const char *slash = strrchr(a->path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - a->path) + (slash == a->path) : 1,
             slash ? a->path : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return NN_OK;
}

/* ---- byte buffers ------------------------------------------------------------------------ */

void bb_put(bytebuf *b, const void *data, size_t n) {
    if (b->err)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->err = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void bb_u8(bytebuf *b, uint8_t v) {
    bb_put(b, &v, 1);
}

void bb_u16(bytebuf *b, uint16_t v) {
    uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    bb_put(b, le, 2);
}

void bb_u32(bytebuf *b, uint32_t v) {
    uint8_t le[4];
    for (int i = 0; i < 4; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, le, 4);
}

void bb_u64(bytebuf *b, uint64_t v) {
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, le, 8);
}

void bb_str(bytebuf *b, const char *s) {
    bb_put(b, s, strlen(s));
}

void bb_free(bytebuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- checkpoints in memory --------------------------------------------------------------- */

int ck_add(nn_checkpoint *ck, const char *name, size_t name_len, int ndim, const int64_t *shape,
           float **data) {
    size_t numel = 1;
    for (int i = 0; i < ndim; i++)
        numel *= (size_t)shape[i];
    nn_checkpoint_tensor *t = realloc(ck->tensors, (ck->count + 1) * sizeof *t);
    if (!t)
        return nn_error_set(NN_ENOMEM, "out of memory reading a checkpoint");
    ck->tensors = t;
    t = &ck->tensors[ck->count];
    memset(t, 0, sizeof *t);
    t->name = malloc(name_len + 1);
    t->data = malloc(numel ? numel * sizeof(float) : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        return nn_error_set(NN_ENOMEM, "out of memory reading tensor %.*s (%zu floats)",
                            (int)name_len, name, numel);
    }
    memcpy(t->name, name, name_len);
    t->name[name_len] = '\0';
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->numel = numel;
    ck->count++;
    *data = t->data;
    return NN_OK;
}

void nn_checkpoint_free(nn_checkpoint *ck) {
    if (!ck)
        return;
    for (size_t i = 0; i < ck->count; i++) {
        free(ck->tensors[i].name);
        free(ck->tensors[i].data);
    }
    free(ck->tensors);
    free(ck);
}

const nn_checkpoint_tensor *nn_checkpoint_find(const nn_checkpoint *ck, const char *name) {
    for (size_t i = 0; i < ck->count; i++)
        if (strcmp(ck->tensors[i].name, name) == 0)
            return &ck->tensors[i];
    return NULL;
}

/* ---- the public entry points ------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int nn_checkpoint_format_of(nn_checkpoint_format *out, const char *path) {
    if (ends_with(path, ".pt") || ends_with(path, ".pth")) {
        *out = NN_CHECKPOINT_TORCH;
        return NN_OK;
    }
    if (ends_with(path, ".safetensors")) {
        *out = NN_CHECKPOINT_SAFETENSORS;
        return NN_OK;
    }
    return nn_error_set(NN_EINVAL,
                        "%s: unknown checkpoint extension (use .pt or .pth for PyTorch's format, "
                        ".safetensors for safetensors)",
                        path);
}

static int resolve_format(nn_checkpoint_format *fmt, const char *path) {
    if (*fmt == NN_CHECKPOINT_AUTO)
        return nn_checkpoint_format_of(fmt, path);
    if (*fmt != NN_CHECKPOINT_TORCH && *fmt != NN_CHECKPOINT_SAFETENSORS)
        return nn_error_set(NN_EINVAL, "%s: unknown checkpoint format %d", path, (int)*fmt);
    return NN_OK;
}

/* The name torch.save gives the archive's top folder: the file's base name without its
 * extension ("runs/mnist_cnn.pt" -> "mnist_cnn"), "archive" when that is empty. */
static void archive_name(char *out, size_t outlen, const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    if (n == 0) {
        snprintf(out, outlen, "archive");
        return;
    }
    snprintf(out, outlen, "%.*s", (int)n, base);
}

static int check_params(const char *path, const nn_param *params, size_t n) {
    if (n && !params)
        return nn_error_set(NN_EINVAL, "%s: no parameters given", path);
    for (size_t i = 0; i < n; i++) {
        const nn_param *p = &params[i];
        if (!p->name || !p->name[0])
            return nn_error_set(NN_EINVAL, "%s: parameter %zu has no name", path, i);
        if (p->value.ndim < 0 || p->value.ndim > NN_MAX_DIMS)
            return nn_error_set(NN_EINVAL, "%s: parameter %s has %d dimensions", path, p->name,
                                p->value.ndim);
        size_t numel = 1;
        for (int d = 0; d < p->value.ndim; d++) {
            if (p->value.shape[d] < 0)
                return nn_error_set(NN_EINVAL, "%s: parameter %s has a negative dimension", path,
                                    p->name);
            numel *= (size_t)p->value.shape[d];
        }
        if (numel != p->value.numel)
            return nn_error_set(NN_EINVAL, "%s: parameter %s: numel %zu does not match its shape",
                                path, p->name, p->value.numel);
        if (numel && !p->value.data)
            return nn_error_set(NN_EINVAL, "%s: parameter %s has no data", path, p->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[j].name, p->name) == 0)
                return nn_error_set(NN_EINVAL, "%s: parameter name %s appears twice", path,
                                    p->name);
    }
    return NN_OK;
}

int nn_checkpoint_save(const char *path, const nn_param *params, size_t n,
                       const nn_checkpoint_save_opts *opts) {
    nn_checkpoint_format fmt = opts ? opts->format : NN_CHECKPOINT_AUTO;
    if (!path)
        return nn_error_set(NN_EINVAL, "nn_checkpoint_save: no path");
    int st = resolve_format(&fmt, path);
    if (st == NN_OK)
        st = check_params(path, params, n);
    if (st != NN_OK)
        return st;
    atomic_file a;
    if ((st = atomic_open(&a, path)) != NN_OK)
        return st;
    if (fmt == NN_CHECKPOINT_TORCH) {
        char arch[256];
        archive_name(arch, sizeof arch, path);
        st = torch_write(&a, arch, params, n);
    } else {
        st = safetensors_write(&a, params, n);
    }
    if (st != NN_OK) {
        atomic_abort(&a);
        return st;
    }
    return atomic_commit(&a);
}

int nn_checkpoint_read(nn_checkpoint **out, const char *path, nn_checkpoint_format format) {
    if (!path)
        return nn_error_set(NN_EINVAL, "nn_checkpoint_read: no path");
    int st = resolve_format(&format, path);
    if (st != NN_OK)
        return st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_error_set(errno == ENOENT ? NN_ENOTFOUND : NN_EIO, "cannot open %s: %s", path,
                            strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return nn_error_set(NN_EIO, "%s is not a regular file", path);
    }
    size_t len = (size_t)sb.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        fclose(f);
        return nn_error_set(NN_ENOMEM, "%s: cannot allocate %zu bytes", path, len);
    }
    size_t got = fread(buf, 1, len, f);
    int rerr = ferror(f);
    fclose(f);
    if (got != len) {
        free(buf);
        return nn_error_set(NN_EIO, "reading %s: %s", path,
                            rerr ? strerror(errno) : "the file shrank while being read");
    }
    nn_checkpoint *ck = calloc(1, sizeof *ck);
    if (!ck) {
        free(buf);
        return nn_error_set(NN_ENOMEM, "out of memory reading %s", path);
    }
    ck->format = format;
    st = format == NN_CHECKPOINT_TORCH ? torch_read(ck, buf, len, path)
                                       : safetensors_read(ck, buf, len, path);
    free(buf);
    if (st != NN_OK) {
        nn_checkpoint_free(ck);
        return st;
    }
    *out = ck;
    return NN_OK;
}

/* "[32, 1, 3, 3]" */
static void shape_str(char *out, size_t outlen, int ndim, const int64_t *shape) {
    size_t used = (size_t)snprintf(out, outlen, "[");
    for (int i = 0; i < ndim && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (used < outlen)
        snprintf(out + used, outlen - used, "]");
}

/* Appends "name" to a comma-separated list in buf (for the missing/unexpected reports). */
static void list_add(char *buf, size_t cap, const char *name) {
    size_t used = strlen(buf);
    if (used + strlen(name) + 5 >= cap) {
        if (used + 4 < cap && !strstr(buf, "..."))
            strcat(buf, ", ...");
        return;
    }
    snprintf(buf + used, cap - used, "%s\"%s\"", used ? ", " : "", name);
}

int nn_checkpoint_load(const char *path, nn_param *params, size_t n,
                       const nn_checkpoint_load_opts *opts) {
    nn_checkpoint_load_opts defaults = NN_CHECKPOINT_LOAD_OPTS_INIT;
    const nn_checkpoint_load_opts *o = opts ? opts : &defaults;
    nn_checkpoint *ck;
    int st = nn_checkpoint_read(&ck, path, o->format);
    if (st != NN_OK)
        return st;
    /* Check all, like load_state_dict: report every missing and unexpected name at once. */
    char missing[512] = "", unexpected[512] = "";
    for (size_t i = 0; i < n; i++)
        if (!nn_checkpoint_find(ck, params[i].name))
            list_add(missing, sizeof missing, params[i].name);
    if (o->strict) {
        for (size_t t = 0; t < ck->count; t++) {
            size_t i = 0;
            while (i < n && strcmp(params[i].name, ck->tensors[t].name) != 0)
                i++;
            if (i == n)
                list_add(unexpected, sizeof unexpected, ck->tensors[t].name);
        }
    }
    if (missing[0] || unexpected[0]) {
        st = nn_error_set(NN_ENOTFOUND, "loading %s: %s%s%s%s%s", path,
                          missing[0] ? "missing key(s): " : "", missing,
                          missing[0] && unexpected[0] ? "; " : "",
                          unexpected[0] ? "unexpected key(s): " : "", unexpected);
        nn_checkpoint_free(ck);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        const nn_checkpoint_tensor *t = nn_checkpoint_find(ck, params[i].name);
        int same = t->ndim == params[i].value.ndim;
        for (int d = 0; same && d < t->ndim; d++)
            same = t->shape[d] == params[i].value.shape[d];
        if (!same) {
            char a[128], b[128];
            shape_str(a, sizeof a, t->ndim, t->shape);
            shape_str(b, sizeof b, params[i].value.ndim, params[i].value.shape);
            st = nn_error_set(NN_ESHAPE,
                              "loading %s: size mismatch for %s: the checkpoint has shape %s, the "
                              "model has %s",
                              path, params[i].name, a, b);
            nn_checkpoint_free(ck);
            return st;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const nn_checkpoint_tensor *t = nn_checkpoint_find(ck, params[i].name);
        if (t->numel)
            memcpy(params[i].value.data, t->data, t->numel * sizeof(float));
    }
    nn_checkpoint_free(ck);
    return NN_OK;
}
