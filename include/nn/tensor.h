/*
 * nn/tensor.h - float32 tensors and named parameters, the currency of libnn.
 *
 * A tensor is a view: a pointer to contiguous row-major float32 data plus its shape. It never
 * owns its data; the owner (a model's parameter block, an activation arena, an optimizer's state
 * block) allocates one contiguous block and carves tensors out of it, llm.c style, so a model's
 * parameters map one to one onto a checkpoint.
 *
 *     float buf[6];
 *     nn_tensor t = nn_tensor_view(buf, 2, (int64_t[]){2, 3});   // t.numel == 6
 *
 * A parameter is a named tensor with its gradient, named as PyTorch's state_dict names it
 * ("conv1.weight"), so optimizers, checkpoints and golden tests speak the same language.
 */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_MAX_DIMS 4

typedef struct nn_tensor {
    float *data;                /* contiguous, row-major; not owned */
    int ndim;                   /* 0 (scalar) .. NN_MAX_DIMS */
    int64_t shape[NN_MAX_DIMS]; /* unused trailing dims are 1 */
    size_t numel;               /* product of shape[0..ndim) */
} nn_tensor;

/* A trainable parameter: value and gradient have the same shape; grad may be NULL when absent. */
typedef struct nn_param {
    const char *name; /* state_dict name, e.g. "fc1.bias"; borrowed, lives as long as the model */
    nn_tensor value;
    float *grad; /* value.numel floats, or NULL */
} nn_param;

/* Builds a view over data with the given shape (ndim <= NN_MAX_DIMS). */
nn_tensor nn_tensor_view(float *data, int ndim, const int64_t *shape);

/* Number of elements of a shape. */
size_t nn_shape_numel(int ndim, const int64_t *shape);

#ifdef __cplusplus
}
#endif

#endif
