/*
 * nn/layers.h - layers as forward/backward pairs on raw float32 buffers, with PyTorch 1.13's
 * semantics, plus PyTorch's default initialisation and the MNIST input normalisation.
 *
 * Every kernel takes its output buffers first, then its inputs, then the shape. Layouts are
 * PyTorch's: activations NCHW (or (N, features)), conv weights (c_out, c_in, k, k), linear
 * weights (out_features, in_features), all contiguous row-major. Backward passes *add* into
 * weight and bias gradients (as PyTorch accumulates .grad) and *write* the input gradient.
 * These kernels run on the calling thread; the MNIST net (nn/net.h) has fused, threaded
 * versions of the same computations.
 *
 *     // conv -> relu -> maxpool on a (4, 1, 28, 28) batch
 *     nn_conv2d_dims cd = {.n = 4, .c_in = 1, .h_in = 28, .w_in = 28, .c_out = 32, .k = 3,
 *                          .stride = 1, .pad = 0};
 *     float *scratch = malloc(sizeof(float) * nn_conv2d_scratch_floats(&cd));
 *     nn_conv2d_forward(y, x, w, b, &cd, scratch);            // y: (4, 32, 26, 26)
 *     nn_relu_forward(y, y, 4 * 32 * 26 * 26);
 *     nn_pool2d_dims pd = {.n = 4, .c = 32, .h_in = 26, .w_in = 26, .k = 2, .stride = 2};
 *     nn_maxpool2d_forward(p, idx, y, &pd);                    // p: (4, 32, 13, 13)
 */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"
#include "nn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Conv2d (square kernel, the same stride and zero padding on both axes) ---- */

typedef struct nn_conv2d_dims {
    int n;                /* batch */
    int c_in, h_in, w_in; /* input (n, c_in, h_in, w_in) */
    int c_out;            /* output (n, c_out, h_out, w_out) */
    int k;                /* kernel k x k */
    int stride;           /* >= 1 */
    int pad;              /* >= 0, zeros on every side */
} nn_conv2d_dims;

/* Output height and width: (h_in + 2 pad - k) / stride + 1. Status NN_EINVAL (naming the bad
 * field) when a dimension is not positive or the kernel does not fit. */
int nn_conv2d_out_hw(int *h_out, int *w_out, const nn_conv2d_dims *d);

/* Floats of scratch the two conv2d kernels need (one image's im2col matrix). */
size_t nn_conv2d_scratch_floats(const nn_conv2d_dims *d);

/* out (n, c_out, h_out, w_out) = conv(in (n, c_in, h_in, w_in), weight (c_out, c_in, k, k))
 * + bias (c_out; NULL for none). Status: NN_OK or NN_EINVAL. */
int nn_conv2d_forward(float *out, const float *in, const float *weight, const float *bias,
                      const nn_conv2d_dims *d, float *scratch);

/* dweight (c_out, c_in, k, k) += dW, dbias (c_out; may be NULL) += db, din (n, c_in, h_in,
 * w_in; may be NULL when not needed) = dX, from dout (n, c_out, h_out, w_out), the forward's
 * input and weight. Needs 2 * nn_conv2d_scratch_floats(d) floats of scratch when din is wanted,
 * one otherwise. Status: NN_OK or NN_EINVAL. */
int nn_conv2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                       const float *weight, const nn_conv2d_dims *d, float *scratch);

/* ---- Linear: out = in * weight^T + bias ---- */

/* out (n, out_f) from in (n, in_f), weight (out_f, in_f), bias (out_f; NULL for none). */
void nn_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_f, int out_f);

/* dweight (out_f, in_f) += dout^T in, dbias (out_f; may be NULL) += column sums of dout,
 * din (n, in_f; may be NULL) = dout weight. */
void nn_linear_backward(float *din, float *dweight, float *dbias, const float *dout,
                        const float *in, const float *weight, int n, int in_f, int out_f);

/* ---- ReLU ---- */

/* out = max(in, 0) (NaN stays NaN); out may be in. */
void nn_relu_forward(float *out, const float *in, size_t n);

/* din = dout where the forward's output was > 0, else 0 (PyTorch's threshold_backward on the
 * result); din may be dout. */
void nn_relu_backward(float *din, const float *dout, const float *out, size_t n);

/* ---- MaxPool2d (no padding, no dilation, floor mode; PyTorch's stride defaults to k) ---- */

typedef struct nn_pool2d_dims {
    int n, c, h_in, w_in; /* input (n, c, h_in, w_in) */
    int k, stride;        /* window k x k, step stride; output ((h_in-k)/stride+1, ...) */
} nn_pool2d_dims;

/* Output height and width; NN_EINVAL when the window does not fit or a field is not positive. */
int nn_pool2d_out_hw(int *h_out, int *w_out, const nn_pool2d_dims *d);

/* out (n, c, h_out, w_out) = window maxima; indices (same shape) = the flat index y*w_in+x
 * of each maximum in its input plane, the first one in scan order on ties (as PyTorch's
 * return_indices). A NaN wins (the last one). Status: NN_OK or NN_EINVAL. */
int nn_maxpool2d_forward(float *out, int32_t *indices, const float *in, const nn_pool2d_dims *d);

/* din (n, c, h_in, w_in) = dout routed to the maxima (summed where windows overlap). */
int nn_maxpool2d_backward(float *din, const float *dout, const int32_t *indices,
                          const nn_pool2d_dims *d);

/* ---- Dropout and Dropout2d ---- */

/*
 * One kernel serves both: the input is n_masks groups of `group` consecutive elements and each
 * group is kept (scaled by 1/(1-p), rounded to float, as PyTorch multiplies by its noise
 * tensor) or zeroed as a whole.
 *   Dropout on any shape:            n_masks = numel, group = 1
 *   Dropout2d on (N, C, H, W):       n_masks = N*C,   group = H*W  (whole channels)
 *   Dropout2d on (N, F) (torch 1.13 warns, then acts element-wise): n_masks = N*F, group = 1
 * In training, the masks are drawn from rng as torch 1.13's CPU bernoulli_ draws them (one
 * 53-bit uniform per mask, in order), so a generator in the same state as PyTorch's gives the
 * same masks. p == 0 and p == 1 draw nothing (as PyTorch). When train is 0 the layer is the
 * identity: out = in, masks 1, nothing drawn.
 * mask: (n_masks) scale factors, kept for the backward pass. out may be in.
 * Status: NN_OK, or NN_EINVAL when p is outside [0, 1].
 */
int nn_dropout_forward(float *out, float *mask, const float *in, size_t n_masks, size_t group,
                       double p, int train, nn_rng *rng);

/* din = dout * mask (per group); din may be dout. */
void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n_masks,
                         size_t group);

/* ---- Flatten ---- */

/* torch.flatten(t, start_dim): a view of the same data with dims start_dim.. merged into one.
 * Its backward is the view back to the input's shape (nn_tensor_view). start_dim outside
 * [0, ndim) returns t unchanged. */
nn_tensor nn_flatten(nn_tensor t, int start_dim);

/* ---- LogSoftmax over the last dimension ---- */

/* out (rows, cols) = in - max - log(sum(exp(in - max))) per row; out may be in. */
void nn_log_softmax_forward(float *out, const float *in, int rows, int cols);

/* din = dout - exp(out) * sum(dout) per row, out being the forward's output; din may be dout. */
void nn_log_softmax_backward(float *din, const float *dout, const float *out, int rows, int cols);

/* ---- NLLLoss ---- */

typedef enum nn_reduction {
    NN_REDUCTION_MEAN = 0, /* the sum divided by the number of rows (PyTorch's default) */
    NN_REDUCTION_SUM = 1,
} nn_reduction;

/* *loss = -sum_i logp[i][target[i]] (divided by rows for MEAN), accumulated in double.
 * logp: (rows, cols); target: (rows), each in [0, cols). Status: NN_OK, or NN_EINVAL naming
 * the first target out of range. */
int nn_nll_loss_forward(float *loss, const float *logp, const int32_t *target, int rows, int cols,
                        nn_reduction reduction);

/* dlogp (rows, cols) = d loss / d logp times dloss: -dloss (/ rows for MEAN) at each target,
 * 0 elsewhere. Status as the forward. */
int nn_nll_loss_backward(float *dlogp, const int32_t *target, int rows, int cols,
                         nn_reduction reduction, float dloss);

/* ---- PyTorch's default initialisation ---- */

/* torch.nn.init.kaiming_uniform_(w, a=sqrt(5)) for a weight with fan_in inputs per output:
 * uniform in +-sqrt(6 / ((1 + a^2) fan_in)), bound computed in double as PyTorch does, then
 * drawn as uniform_ draws float32. This is how Conv2d and Linear initialise their weights. */
void nn_init_kaiming_uniform(float *w, size_t n, int fan_in, nn_rng *rng);

/* The bias of Conv2d and Linear: uniform in +-1/sqrt(fan_in) (0 when fan_in is 0). */
void nn_init_bias_uniform(float *b, size_t n, int fan_in, nn_rng *rng);

/* ---- Input normalisation ---- */

/* MNIST's mean and standard deviation, as torchvision's Normalize((0.1307,), (0.3081,)). */
#define NN_MNIST_MEAN 0.1307f
#define NN_MNIST_STD  0.3081f

/* out[i] = ((float)in[i] / 255 - mean) / std, every step in float32 as ToTensor() then
 * Normalize(mean, std) compute it, so the result is bit-identical to torchvision's. */
void nn_normalize_u8(float *out, const uint8_t *in, size_t n, float mean, float std);

/* The same for a batch gathered from a dataset: image i of out (item floats) comes from
 * base + index[i] * item bytes. */
void nn_normalize_u8_gather(float *out, const uint8_t *base, const int64_t *index, size_t count,
                            size_t item, float mean, float std);

#ifdef __cplusplus
}
#endif

#endif
