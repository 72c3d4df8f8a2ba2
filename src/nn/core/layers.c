/* layers.c - the generic forward/backward pairs of nn/layers.h. */
#include "nn/layers.h"
#include "nn/error.h"

#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- Conv2d ---- */

int nn_conv2d_out_hw(int *h_out, int *w_out, const nn_conv2d_dims *d) {
    if (d->n <= 0 || d->c_in <= 0 || d->h_in <= 0 || d->w_in <= 0 || d->c_out <= 0)
        return nn_error_set(NN_EINVAL,
                            "conv2d: n, c_in, h_in, w_in and c_out must be positive "
                            "(got %d, %d, %d, %d, %d)",
                            d->n, d->c_in, d->h_in, d->w_in, d->c_out);
    if (d->k <= 0 || d->stride <= 0 || d->pad < 0)
        return nn_error_set(NN_EINVAL, "conv2d: k=%d, stride=%d, pad=%d out of range", d->k,
                            d->stride, d->pad);
    if (d->h_in + 2 * d->pad < d->k || d->w_in + 2 * d->pad < d->k)
        return nn_error_set(NN_EINVAL,
                            "conv2d: a %dx%d kernel does not fit a %dx%d input padded by %d", d->k,
                            d->k, d->h_in, d->w_in, d->pad);
    *h_out = (d->h_in + 2 * d->pad - d->k) / d->stride + 1;
    *w_out = (d->w_in + 2 * d->pad - d->k) / d->stride + 1;
    return NN_OK;
}

static int geom_of(conv_geom *g, const nn_conv2d_dims *d) {
    int ho, wo, st = nn_conv2d_out_hw(&ho, &wo, d);
    if (st)
        return st;
    *g = (conv_geom){.c_in = d->c_in,
                     .h_in = d->h_in,
                     .w_in = d->w_in,
                     .c_out = d->c_out,
                     .k = d->k,
                     .stride = d->stride,
                     .pad = d->pad,
                     .h_out = ho,
                     .w_out = wo};
    return NN_OK;
}

size_t nn_conv2d_scratch_floats(const nn_conv2d_dims *d) {
    conv_geom g;
    if (geom_of(&g, d))
        return 0;
    return (size_t)g.c_in * g.k * g.k * g.h_out * g.w_out;
}

/* A 1x1 stride-1 unpadded convolution reads its input directly as the im2col matrix. */
static int is_pointwise(const conv_geom *g) {
    return g->k == 1 && g->stride == 1 && g->pad == 0;
}

int nn_conv2d_forward(float *out, const float *in, const float *weight, const float *bias,
                      const nn_conv2d_dims *d, float *scratch) {
    conv_geom g;
    int st = geom_of(&g, d);
    if (st)
        return st;
    const int kk = g.c_in * g.k * g.k, hw = g.h_out * g.w_out;
    const size_t in_sz = (size_t)g.c_in * g.h_in * g.w_in, out_sz = (size_t)g.c_out * hw;
    for (int n = 0; n < d->n; n++) {
        const float *x = in + n * in_sz;
        float *y = out + n * out_sz;
        const float *col = x;
        if (!is_pointwise(&g)) {
            nn_im2col(scratch, x, &g);
            col = scratch;
        }
        /* y (c_out, hw) = W (c_out, kk) * col (kk, hw) */
        nn_gemm(0, 0, g.c_out, hw, kk, 1.0f, weight, kk, col, hw, 0.0f, y, hw);
        if (bias)
            for (int c = 0; c < g.c_out; c++)
                for (int i = 0; i < hw; i++)
                    y[(size_t)c * hw + i] += bias[c];
    }
    return NN_OK;
}

int nn_conv2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                       const float *weight, const nn_conv2d_dims *d, float *scratch) {
    conv_geom g;
    int st = geom_of(&g, d);
    if (st)
        return st;
    const int kk = g.c_in * g.k * g.k, hw = g.h_out * g.w_out;
    const size_t in_sz = (size_t)g.c_in * g.h_in * g.w_in, out_sz = (size_t)g.c_out * hw;
    float *dcol = scratch + (size_t)kk * hw;
    for (int n = 0; n < d->n; n++) {
        const float *x = in + n * in_sz;
        const float *dy = dout + n * out_sz;
        const float *col = x;
        if (!is_pointwise(&g)) {
            nn_im2col(scratch, x, &g);
            col = scratch;
        }
        /* dW (c_out, kk) += dy (c_out, hw) * col^T (hw, kk) */
        nn_gemm(0, 1, g.c_out, kk, hw, 1.0f, dy, hw, col, hw, 1.0f, dweight, kk);
        if (dbias)
            for (int c = 0; c < g.c_out; c++) {
                float s = 0.0f;
                for (int i = 0; i < hw; i++)
                    s += dy[(size_t)c * hw + i];
                dbias[c] += s;
            }
        if (din) {
            float *dx = din + n * in_sz;
            if (is_pointwise(&g)) {
                nn_gemm(1, 0, kk, hw, g.c_out, 1.0f, weight, kk, dy, hw, 0.0f, dx, hw);
            } else {
                /* dcol (kk, hw) = W^T (kk, c_out) * dy (c_out, hw), then scattered back */
                nn_gemm(1, 0, kk, hw, g.c_out, 1.0f, weight, kk, dy, hw, 0.0f, dcol, hw);
                nn_col2im(dx, dcol, &g);
            }
        }
    }
    return NN_OK;
}

/* ---- Linear ---- */

void nn_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_f, int out_f) {
    /* out (n, out_f) = in (n, in_f) * W^T (in_f, out_f) */
    nn_gemm(0, 1, n, out_f, in_f, 1.0f, in, in_f, weight, in_f, 0.0f, out, out_f);
    if (bias)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < out_f; j++)
                out[(size_t)i * out_f + j] += bias[j];
}

void nn_linear_backward(float *din, float *dweight, float *dbias, const float *dout,
                        const float *in, const float *weight, int n, int in_f, int out_f) {
    /* dW (out_f, in_f) += dout^T (out_f, n) * in (n, in_f) */
    nn_gemm(1, 0, out_f, in_f, n, 1.0f, dout, out_f, in, in_f, 1.0f, dweight, in_f);
    if (dbias)
        for (int j = 0; j < out_f; j++) {
            float s = 0.0f;
            for (int i = 0; i < n; i++)
                s += dout[(size_t)i * out_f + j];
            dbias[j] += s;
        }
    /* din (n, in_f) = dout (n, out_f) * W (out_f, in_f) */
    if (din)
        nn_gemm(0, 0, n, in_f, out_f, 1.0f, dout, out_f, weight, in_f, 0.0f, din, in_f);
}

/* ---- ReLU ---- */

void nn_relu_forward(float *out, const float *in, size_t n) {
    if (out != in)
        memcpy(out, in, sizeof(float) * n);
    nn_relu_inplace(out, n);
}

void nn_relu_backward(float *din, const float *dout, const float *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

/* ---- MaxPool2d ---- */

int nn_pool2d_out_hw(int *h_out, int *w_out, const nn_pool2d_dims *d) {
    if (d->n <= 0 || d->c <= 0 || d->h_in <= 0 || d->w_in <= 0 || d->k <= 0 || d->stride <= 0)
        return nn_error_set(NN_EINVAL,
                            "maxpool2d: n=%d, c=%d, h_in=%d, w_in=%d, k=%d, stride=%d "
                            "must all be positive",
                            d->n, d->c, d->h_in, d->w_in, d->k, d->stride);
    if (d->k > d->h_in || d->k > d->w_in)
        return nn_error_set(NN_EINVAL, "maxpool2d: a %dx%d window does not fit a %dx%d input", d->k,
                            d->k, d->h_in, d->w_in);
    *h_out = (d->h_in - d->k) / d->stride + 1;
    *w_out = (d->w_in - d->k) / d->stride + 1;
    return NN_OK;
}

int nn_maxpool2d_forward(float *out, int32_t *indices, const float *in, const nn_pool2d_dims *d) {
    int ho, wo, st = nn_pool2d_out_hw(&ho, &wo, d);
    if (st)
        return st;
    const size_t planes = (size_t)d->n * d->c;
    for (size_t p = 0; p < planes; p++) {
        const float *x = in + p * d->h_in * d->w_in;
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                int best = (oy * d->stride) * d->w_in + ox * d->stride;
                float m = x[best];
                for (int ky = 0; ky < d->k; ky++)
                    for (int kx = 0; kx < d->k; kx++) {
                        int i = (oy * d->stride + ky) * d->w_in + ox * d->stride + kx;
                        float v = x[i];
                        if (v > m || isnan(v)) { /* PyTorch's test: the last NaN wins */
                            m = v;
                            best = i;
                        }
                    }
                size_t o = (p * ho + oy) * wo + ox;
                out[o] = m;
                indices[o] = best;
            }
    }
    return NN_OK;
}

int nn_maxpool2d_backward(float *din, const float *dout, const int32_t *indices,
                          const nn_pool2d_dims *d) {
    int ho, wo, st = nn_pool2d_out_hw(&ho, &wo, d);
    if (st)
        return st;
    const size_t planes = (size_t)d->n * d->c, in_plane = (size_t)d->h_in * d->w_in,
                 out_plane = (size_t)ho * wo;
    memset(din, 0, sizeof(float) * planes * in_plane);
    for (size_t p = 0; p < planes; p++)
        for (size_t o = 0; o < out_plane; o++)
            din[p * in_plane + indices[p * out_plane + o]] += dout[p * out_plane + o];
    return NN_OK;
}

/* ---- Dropout ---- */

int nn_dropout_forward(float *out, float *mask, const float *in, size_t n_masks, size_t group,
                       double p, int train, nn_rng *rng) {
    if (!(p >= 0.0 && p <= 1.0))
        return nn_error_set(NN_EINVAL, "dropout probability has to be between 0 and 1, but got %g",
                            p);
    if (!train || p == 0.0) {
        for (size_t i = 0; i < n_masks; i++)
            mask[i] = 1.0f;
        if (out != in)
            memcpy(out, in, sizeof(float) * n_masks * group);
        return NN_OK;
    }
    if (p == 1.0) {
        for (size_t i = 0; i < n_masks; i++)
            mask[i] = 0.0f;
    } else {
        /* PyTorch draws bernoulli(1 - p) into a float tensor, then divides it by 1 - p. */
        const double keep = 1.0 - p;
        nn_rng_bernoulli_fill_f32(rng, mask, n_masks, keep, 1.0f / (float)keep);
    }
    for (size_t i = 0; i < n_masks; i++)
        for (size_t j = 0; j < group; j++)
            out[i * group + j] = in[i * group + j] * mask[i];
    return NN_OK;
}

void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n_masks,
                         size_t group) {
    for (size_t i = 0; i < n_masks; i++)
        for (size_t j = 0; j < group; j++)
            din[i * group + j] = dout[i * group + j] * mask[i];
}

/* ---- Flatten ---- */

nn_tensor nn_flatten(nn_tensor t, int start_dim) {
    if (start_dim < 0 || start_dim >= t.ndim)
        return t;
    int64_t shape[NN_MAX_DIMS];
    for (int i = 0; i < start_dim; i++)
        shape[i] = t.shape[i];
    int64_t rest = 1;
    for (int i = start_dim; i < t.ndim; i++)
        rest *= t.shape[i];
    shape[start_dim] = rest;
    return nn_tensor_view(t.data, start_dim + 1, shape);
}

/* ---- LogSoftmax ---- */

void nn_log_softmax_forward(float *out, const float *in, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *x = in + (size_t)r * cols;
        float *y = out + (size_t)r * cols;
        float m = x[0];
        for (int j = 1; j < cols; j++)
            m = x[j] > m ? x[j] : m;
        double s = 0.0;
        for (int j = 0; j < cols; j++)
            s += exp((double)x[j] - (double)m);
        const double lse = log(s);
        for (int j = 0; j < cols; j++)
            y[j] = (float)((double)x[j] - (double)m - lse);
    }
}

void nn_log_softmax_backward(float *din, const float *dout, const float *out, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *g = dout + (size_t)r * cols, *y = out + (size_t)r * cols;
        float *dx = din + (size_t)r * cols;
        double s = 0.0;
        for (int j = 0; j < cols; j++)
            s += g[j];
        for (int j = 0; j < cols; j++)
            dx[j] = (float)((double)g[j] - exp((double)y[j]) * s);
    }
}

/* ---- NLLLoss ---- */

static int check_targets(const int32_t *target, int rows, int cols) {
    for (int i = 0; i < rows; i++)
        if (target[i] < 0 || target[i] >= cols)
            return nn_error_set(NN_EINVAL, "nll_loss: target %d of row %d is out of range [0, %d)",
                                target[i], i, cols);
    return NN_OK;
}

int nn_nll_loss_forward(float *loss, const float *logp, const int32_t *target, int rows, int cols,
                        nn_reduction reduction) {
    int st = check_targets(target, rows, cols);
    if (st)
        return st;
    double s = 0.0;
    for (int i = 0; i < rows; i++)
        s -= logp[(size_t)i * cols + target[i]];
    if (reduction == NN_REDUCTION_MEAN)
        s /= rows;
    *loss = (float)s;
    return NN_OK;
}

int nn_nll_loss_backward(float *dlogp, const int32_t *target, int rows, int cols,
                         nn_reduction reduction, float dloss) {
    int st = check_targets(target, rows, cols);
    if (st)
        return st;
    const float g = reduction == NN_REDUCTION_MEAN ? -dloss / (float)rows : -dloss;
    memset(dlogp, 0, sizeof(float) * (size_t)rows * cols);
    for (int i = 0; i < rows; i++)
        dlogp[(size_t)i * cols + target[i]] = g;
    return NN_OK;
}

/* ---- Initialisation ---- */

void nn_init_kaiming_uniform(float *w, size_t n, int fan_in, nn_rng *rng) {
    /* torch.nn.init.kaiming_uniform_: gain = calculate_gain('leaky_relu', a), a = sqrt(5);
     * std = gain / sqrt(fan); bound = sqrt(3) * std -- the same double operations in order. */
    const double a = sqrt(5.0);
    const double gain = sqrt(2.0 / (1.0 + pow(a, 2)));
    const double std = gain / sqrt((double)fan_in);
    const double bound = sqrt(3.0) * std;
    nn_rng_fill_uniform_f32(rng, w, n, -bound, bound);
}

void nn_init_bias_uniform(float *b, size_t n, int fan_in, nn_rng *rng) {
    const double bound = fan_in > 0 ? 1.0 / sqrt((double)fan_in) : 0.0;
    nn_rng_fill_uniform_f32(rng, b, n, -bound, bound);
}

/* ---- Normalisation ---- */

static void build_lut(float lut[256], float mean, float std) {
    for (int v = 0; v < 256; v++) {
        volatile float x = (float)v / 255.0f; /* ToTensor: float division by 255 */
        volatile float c = x - mean;          /* Normalize: sub_(mean) then div_(std) */
        lut[v] = c / std;
    }
}

void nn_normalize_u8(float *out, const uint8_t *in, size_t n, float mean, float std) {
    float lut[256];
    build_lut(lut, mean, std);
    for (size_t i = 0; i < n; i++)
        out[i] = lut[in[i]];
}

void nn_normalize_u8_gather(float *out, const uint8_t *base, const int64_t *index, size_t count,
                            size_t item, float mean, float std) {
    float lut[256];
    build_lut(lut, mean, std);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *src = base + (size_t)index[i] * item;
        float *dst = out + i * item;
        for (size_t j = 0; j < item; j++)
            dst[j] = lut[src[j]];
    }
}
