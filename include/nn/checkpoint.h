/*
 * nn/checkpoint.h - saving and loading a model's parameters in PyTorch's and safetensors' formats.
 *
 * The format follows the file name's extension:
 *   .pt, .pth      PyTorch's own format as torch.save (1.6+) writes it: a zip archive of stored
 *                  entries <name>/data.pkl (a pickle of an OrderedDict of tensors),
 *                  <name>/data/<key> (raw float32 storages, 64-byte aligned) and <name>/version.
 *                  torch.load reads it (weights_only=True too) and model.load_state_dict accepts
 *                  it, since the names are the state_dict's ("conv1.weight", ...).
 *   .safetensors   safetensors: u64 LE header length, a JSON header (dtype F32, shape,
 *                  data_offsets) padded with spaces to a multiple of 8, then the raw data.
 *
 * Files are written to a temporary name in the same directory, flushed to disk (fsync) and then
 * renamed, so a crash or a full disk never leaves a half-written checkpoint under the real name;
 * every failure is an error naming the file.
 *
 *     nn_param *params; size_t n;                      // the model's parameters, state_dict order
 *     if (nn_checkpoint_save("mnist_cnn.pt", params, n, NULL) != NN_OK)
 *         fprintf(stderr, "%s\n", nn_error_last());
 *     ...
 *     nn_checkpoint_load("mnist_cnn.pt", params, n, NULL);   // strict, like load_state_dict
 *
 * The readers take files we write and ordinary PyTorch state_dict files (float32 tensors, any
 * strides, with or without the _metadata PyTorch attaches); they reject anything else with a
 * message saying what they found.
 */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "nn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NN_CHECKPOINT_MAX_DIMS 8

typedef enum nn_checkpoint_format {
    NN_CHECKPOINT_AUTO = 0,    /* decided by the extension */
    NN_CHECKPOINT_TORCH,       /* .pt / .pth */
    NN_CHECKPOINT_SAFETENSORS, /* .safetensors */
} nn_checkpoint_format;

/* The format path's extension names. Status: NN_OK, or NN_EINVAL for another extension (the
 * message lists the known ones). */
int nn_checkpoint_format_of(nn_checkpoint_format *out, const char *path);

typedef struct nn_checkpoint_save_opts {
    nn_checkpoint_format format; /* NN_CHECKPOINT_AUTO: from the extension */
} nn_checkpoint_save_opts;

#define NN_CHECKPOINT_SAVE_OPTS_INIT                                                               \
    { NN_CHECKPOINT_AUTO }

/* Writes params[0..n) (names, shapes, values; gradients are not saved) to path, in the order
 * given. opts may be NULL. Status: NN_OK, NN_EINVAL (unknown extension, empty or duplicate name,
 * missing data), NN_EIO (cannot create, write or rename; the message names the file and the
 * system's reason, e.g. "No space left on device"), NN_ENOMEM. */
int nn_checkpoint_save(const char *path, const nn_param *params, size_t n,
                       const nn_checkpoint_save_opts *opts);

/* One tensor read from a checkpoint; contiguous float32. */
typedef struct nn_checkpoint_tensor {
    char *name;
    int ndim;
    int64_t shape[NN_CHECKPOINT_MAX_DIMS];
    size_t numel;
    float *data; /* [numel] */
} nn_checkpoint_tensor;

/* A whole checkpoint in memory, tensors in file order. */
typedef struct nn_checkpoint {
    nn_checkpoint_format format;
    size_t count;
    nn_checkpoint_tensor *tensors; /* [count] */
} nn_checkpoint;

/* Reads every tensor of path. *out is the caller's (nn_checkpoint_free), untouched on failure.
 * Status: NN_OK, NN_EIO, NN_EFORMAT (what is wrong, and where), NN_ENOMEM, NN_EINVAL. */
int nn_checkpoint_read(nn_checkpoint **out, const char *path, nn_checkpoint_format format);

void nn_checkpoint_free(nn_checkpoint *ck);

/* The tensor called name, or NULL. Borrowed from ck. */
const nn_checkpoint_tensor *nn_checkpoint_find(const nn_checkpoint *ck, const char *name);

typedef struct nn_checkpoint_load_opts {
    nn_checkpoint_format format; /* NN_CHECKPOINT_AUTO: from the extension */
    int strict; /* 1 (default): like load_state_dict(strict=True), every parameter must be in
                   the file and the file must hold nothing else; 0: extra tensors are ignored */
} nn_checkpoint_load_opts;

#define NN_CHECKPOINT_LOAD_OPTS_INIT                                                               \
    { NN_CHECKPOINT_AUTO, 1 }

/* Copies the values of path's tensors into params[0..n) by name. Everything is checked before
 * anything is copied, so on failure the parameters are unchanged. opts may be NULL.
 * Status: NN_OK, NN_ENOTFOUND (missing parameters, or unexpected tensors when strict: the
 * message lists them), NN_ESHAPE (the message gives both shapes), or a read error. */
int nn_checkpoint_load(const char *path, nn_param *params, size_t n,
                       const nn_checkpoint_load_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
