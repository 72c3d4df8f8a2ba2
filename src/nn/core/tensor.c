#include "nn/tensor.h"

size_t nn_shape_numel(int ndim, const int64_t *shape) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    return n;
}

nn_tensor nn_tensor_view(float *data, int ndim, const int64_t *shape) {
    nn_tensor t = {.data = data, .ndim = ndim};
    for (int i = 0; i < NN_MAX_DIMS; i++)
        t.shape[i] = i < ndim ? shape[i] : 1;
    t.numel = nn_shape_numel(ndim, shape);
    return t;
}
