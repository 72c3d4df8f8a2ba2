/*
 * net.c - the tutorial's MNIST net (see nn/net.h): fused per-image kernels on the thread pool.
 *
 * A training step is five parallel phases with serial glue between them:
 *   A  per image: conv1 + relu (direct), im2col, conv2 GEMM over the channels dropout1 keeps,
 *      bias + relu + max-pool + dropout1 fused into one pass over the GEMM output
 *   B  fc1 forward, by blocks of 32 output features
 *      (serial: bias, relu, dropout2, fc2, log_softmax, loss and their backward)
 *   C  fc1 backward, by blocks of 576 input features: dW = dZ^T H and dH = dZ W
 *   D  per group of 4 images: un-pool, conv2 dW (into the group's partial sums) and dX
 *      (GEMM + col2im), relu, conv1 dW; partial sums per group
 *   E  the group partial sums added in group order, by blocks of 2048 gradients
 * No unit's boundaries depend on the thread count and sums over units happen in unit order,
 * so results are bit-identical for any number of threads.
 *
 * Layout: NCHW per image, as PyTorch; one image's conv2 works in per-thread scratch (im2col
 * matrix, GEMM output, its gradient), which stays in L2. With Dropout2d a dropped channel is
 * zero after the pooling, so its rows are left out of all three conv2 GEMMs (a quarter of the
 * work at p = 0.25) - the kept rows get exactly what they would get otherwise.
 */
#include "nn/net.h"
#include "nn/error.h"
#include "nn/threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#define CONV_K        3
#define H1            (NN_NET_IN_H - 2) /* conv1 output 26 x 26 */
#define H2            (H1 - 2)          /* conv2 output 24 x 24 */
#define IMG           (NN_NET_IN_H * NN_NET_IN_W)
#define GROUP         4   /* images per backward unit (and per gradient partial sum) */
#define FC1_FWD_BLOCK 32  /* fc1 output features per forward unit */
#define FC1_BWD_BLOCK 576 /* fc1 input features per backward unit */
#define REDUCE_BLOCK  2048
#define NO_GRAD       0xff /* pool index of a window whose maximum is not > 0 */

enum { P_C1W, P_C1B, P_C2W, P_C2B, P_F1W, P_F1B, P_F2W, P_F2B, N_PARAMS };

static const char *const param_names[N_PARAMS] = {
    "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
    "fc1.weight",   "fc1.bias",   "fc2.weight",   "fc2.bias",
};

typedef struct scratch {
    float *z2;   /* (C2, 576) conv2 output of one image; its gradient in the backward pass */
    float *col;  /* (K2, 576) im2col of a1 */
    float *dcol; /* (K2, 576) */
    float *da1;  /* (C1, 26, 26) */
    float *wk;   /* (C2, K2) conv2 weight rows of the kept channels */
    float *dwk;  /* (C2, K2) */
    int *kept;   /* (C2) */
} scratch;

struct nn_net {
    nn_net_opts o;
    int C1, C2, K2, P, HP, flat, hid;
    nn_rng own_rng;
    nn_rng *rng;
    int training;

    nn_param params[N_PARAMS];
    float *w, *g;    /* parameter and gradient blocks */
    size_t n_w;      /* floats in each */
    size_t conv_len; /* floats of conv1.* and conv2.* (the prefix reduced from partials) */

    /* activation arena, sized for max_batch images */
    float *arena;
    size_t arena_floats;
    float *x;       /* (B, 1, 28, 28) copy of the input */
    float *a1;      /* (B, C1, 26, 26) relu(conv1) */
    float *h;       /* (B, flat) dropout1(pool(relu(conv2))), fc1's input */
    float *mask1;   /* (B, C2) Dropout2d or (B, flat) Dropout scale factors */
    float *r3;      /* (B, hid) relu(fc1) */
    float *a3;      /* (B, hid) dropout2(r3), fc2's input */
    float *mask2;   /* (B, hid) */
    float *logp;    /* (B, 10) */
    float *dlog;    /* (B, 10) d loss / d logits */
    float *dz3;     /* (B, hid) d loss / d fc1 output */
    float *dh;      /* (B, flat) d loss / d h */
    uint8_t *idx;   /* (B, flat) arg-max within each pool window, NO_GRAD when the max is <= 0 */
    float *partial; /* (ceil(B / GROUP), conv_len) per-group conv gradient sums */

    scratch *scr;
    int n_scr;
    float *scr_block;
    size_t scr_floats_each;

    int kept_n;     /* images of the last forward whose activations are kept (0: none) */
    int kept_train; /* whether that forward applied the dropouts */
};

/* ---- helpers ---- */

static void *alloc_floats(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)) != 0)
        return NULL;
    return p;
}

static int check_opts(const nn_net_opts *o) {
    if (o->conv1_out_channels < 1 || o->conv2_out_channels < 1 || o->fc_hidden_features < 1)
        return nn_error_set(NN_EINVAL,
                            "net: conv1_out_channels=%d, conv2_out_channels=%d and "
                            "fc_hidden_features=%d must be positive",
                            o->conv1_out_channels, o->conv2_out_channels, o->fc_hidden_features);
    if (o->maxpool1_kernel_size < 1 || o->maxpool1_kernel_size > 15)
        return nn_error_set(NN_EINVAL, "net: maxpool1_kernel_size=%d is outside 1..15",
                            o->maxpool1_kernel_size);
    if (!(o->dropout1_prob >= 0.0 && o->dropout1_prob <= 1.0))
        return nn_error_set(NN_EINVAL, "net: dropout1_prob=%g is outside [0, 1]", o->dropout1_prob);
    if (!(o->dropout2_prob >= 0.0 && o->dropout2_prob <= 1.0))
        return nn_error_set(NN_EINVAL, "net: dropout2_prob=%g is outside [0, 1]", o->dropout2_prob);
    if (o->dropout1_kind != NN_DROPOUT2D && o->dropout1_kind != NN_DROPOUT)
        return nn_error_set(NN_EINVAL,
                            "net: dropout1_kind=%d is neither NN_DROPOUT2D nor "
                            "NN_DROPOUT",
                            (int)o->dropout1_kind);
    if (o->max_batch < 1 || o->max_batch > (1 << 20))
        return nn_error_set(NN_EINVAL, "net: max_batch=%d is outside 1..1048576", o->max_batch);
    if ((long long)o->conv1_out_channels * o->conv2_out_channels > (1 << 24) ||
        (long long)o->conv2_out_channels * o->fc_hidden_features > (1 << 26))
        return nn_error_set(NN_EINVAL, "net: layer sizes too large");
    return NN_OK;
}

static int dropout1_per_channel(const nn_net *net) {
    return net->o.dropout1_kind == NN_DROPOUT2D;
}

/* Makes sure there is scratch for every pool thread (the pool may have grown). */
static int ensure_scratch(nn_net *net) {
    int t = nn_threads_count();
    if (t <= net->n_scr)
        return NN_OK;
    const size_t c2 = (size_t)net->C2, k2 = (size_t)net->K2, hw2 = (size_t)H2 * H2;
    /* z2, col, dcol, da1, wk, dwk, kept (as floats), each rounded up to 16 floats */
#define R16(x) (((x) + 15) & ~(size_t)15)
    const size_t each = R16(c2 * hw2) + 2 * R16(k2 * hw2) + R16((size_t)net->C1 * H1 * H1) +
                        2 * R16(c2 * k2) + R16(c2);
    float *block = alloc_floats(each * (size_t)t);
    scratch *scr = calloc((size_t)t, sizeof *scr);
    if (!block || !scr) {
        free(block);
        free(scr);
        return nn_error_set(NN_ENOMEM, "net: cannot allocate scratch for %d threads", t);
    }
    for (int i = 0; i < t; i++) {
        float *p = block + each * (size_t)i;
        scr[i].z2 = p, p += R16(c2 * hw2);
        scr[i].col = p, p += R16(k2 * hw2);
        scr[i].dcol = p, p += R16(k2 * hw2);
        scr[i].da1 = p, p += R16((size_t)net->C1 * H1 * H1);
        scr[i].wk = p, p += R16(c2 * k2);
        scr[i].dwk = p, p += R16(c2 * k2);
        scr[i].kept = (int *)p;
    }
#undef R16
    free(net->scr_block);
    free(net->scr);
    net->scr_block = block;
    net->scr = scr;
    net->n_scr = t;
    net->scr_floats_each = each;
    return NN_OK;
}

/* ---- creation ---- */

int nn_net_create(nn_net **out, const nn_net_opts *opts, nn_rng *rng) {
    static const nn_net_opts defaults = NN_NET_OPTS_INIT;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    int st = check_opts(opts);
    if (st)
        return st;
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return nn_error_set(NN_ENOMEM, "net: out of memory");
    net->o = *opts;
    net->C1 = opts->conv1_out_channels;
    net->C2 = opts->conv2_out_channels;
    net->K2 = net->C1 * CONV_K * CONV_K;
    net->P = opts->maxpool1_kernel_size;
    net->HP = H2 / net->P;
    net->flat = net->C2 * net->HP * net->HP;
    net->hid = opts->fc_hidden_features;
    net->training = 1;
    if (rng) {
        net->rng = rng;
    } else {
        nn_rng_seed(&net->own_rng, opts->seed);
        net->rng = &net->own_rng;
    }

    const int64_t shapes[N_PARAMS][4] = {
        {net->C1, 1, CONV_K, CONV_K},
        {net->C1},
        {net->C2, net->C1, CONV_K, CONV_K},
        {net->C2},
        {net->hid, net->flat},
        {net->hid},
        {NN_NET_CLASSES, net->hid},
        {NN_NET_CLASSES},
    };
    const int ndims[N_PARAMS] = {4, 1, 4, 1, 2, 1, 2, 1};
    size_t total = 0;
    for (int i = 0; i < N_PARAMS; i++)
        total += nn_shape_numel(ndims[i], shapes[i]);
    net->n_w = total;
    net->w = alloc_floats(total);
    net->g = alloc_floats(total);
    if (!net->w || !net->g) {
        nn_net_free(net);
        return nn_error_set(NN_ENOMEM, "net: cannot allocate %zu parameters", total);
    }
    memset(net->g, 0, total * sizeof(float));
    size_t off = 0;
    for (int i = 0; i < N_PARAMS; i++) {
        net->params[i].name = param_names[i];
        net->params[i].value = nn_tensor_view(net->w + off, ndims[i], shapes[i]);
        net->params[i].grad = net->g + off;
        off += net->params[i].value.numel;
    }
    net->conv_len = net->params[P_F1W].value.data - net->w;

    /* torch.nn.Conv2d / Linear reset_parameters, module by module in __init__ order */
    const int fan_in[N_PARAMS] = {9, 9, net->K2, net->K2, net->flat, net->flat, net->hid, net->hid};
    for (int i = 0; i < N_PARAMS; i += 2) {
        nn_init_kaiming_uniform(net->params[i].value.data, net->params[i].value.numel, fan_in[i],
                                net->rng);
        nn_init_bias_uniform(net->params[i + 1].value.data, net->params[i + 1].value.numel,
                             fan_in[i + 1], net->rng);
    }

    /* the activation arena */
    const size_t B = (size_t)opts->max_batch, flat = (size_t)net->flat, hid = (size_t)net->hid;
    const size_t m1 = dropout1_per_channel(net) ? (size_t)net->C2 : flat;
    const size_t groups = (B + GROUP - 1) / GROUP;
    size_t sizes[] = {B * IMG,
                      B * net->C1 * H1 * H1,
                      B * flat,
                      B * m1,
                      B * hid,
                      B * hid,
                      B * hid,
                      B * NN_NET_CLASSES,
                      B * NN_NET_CLASSES,
                      B * hid,
                      B * flat,
                      (B * flat + 3) / 4, /* idx bytes */
                      groups * net->conv_len};
    float **slots[] = {&net->x,      &net->a1,  &net->h,     &net->mask1,
                       &net->r3,     &net->a3,  &net->mask2, &net->logp,
                       &net->dlog,   &net->dz3, &net->dh,    (float **)&net->idx,
                       &net->partial};
    const int n_slots = (int)(sizeof sizes / sizeof sizes[0]);
    size_t arena = 0;
    for (int i = 0; i < n_slots; i++)
        arena += (sizes[i] + 15) & ~(size_t)15;
    net->arena = alloc_floats(arena);
    if (!net->arena) {
        nn_net_free(net);
        return nn_error_set(NN_ENOMEM, "net: cannot allocate activations for %d images",
                            opts->max_batch);
    }
    net->arena_floats = arena;
    float *p = net->arena;
    for (int i = 0; i < n_slots; i++) {
        *slots[i] = p;
        p += (sizes[i] + 15) & ~(size_t)15;
    }
    st = ensure_scratch(net);
    if (st) {
        nn_net_free(net);
        return st;
    }
    *out = net;
    return NN_OK;
}

void nn_net_free(nn_net *net) {
    if (!net)
        return;
    free(net->w);
    free(net->g);
    free(net->arena);
    free(net->scr_block);
    free(net->scr);
    free(net);
}

const nn_net_opts *nn_net_get_opts(const nn_net *net) {
    return &net->o;
}

nn_param *nn_net_params(nn_net *net, int *n_params) {
    if (n_params)
        *n_params = N_PARAMS;
    return net->params;
}

float *nn_net_param_block(nn_net *net, size_t *n) {
    if (n)
        *n = net->n_w;
    return net->w;
}

float *nn_net_grad_block(nn_net *net, size_t *n) {
    if (n)
        *n = net->n_w;
    return net->g;
}

int nn_net_flat_features(const nn_net *net) {
    return net->flat;
}

void nn_net_set_training(nn_net *net, int training) {
    net->training = training != 0;
}

int nn_net_is_training(const nn_net *net) {
    return net->training;
}

void nn_net_set_rng(nn_net *net, nn_rng *rng) {
    net->rng = rng ? rng : &net->own_rng;
}

size_t nn_net_memory_bytes(const nn_net *net) {
    return sizeof(float) *
           (2 * net->n_w + net->arena_floats + net->scr_floats_each * (size_t)net->n_scr);
}

/* ---- masks ---- */

/* PyTorch's dropout noise: bernoulli(1 - p) / (1 - p) per element, nothing drawn for p = 0
 * (mask 1) or p = 1 (mask 0). */
static void draw_mask(float *mask, size_t n, double p, nn_rng *rng) {
    if (p == 0.0) {
        for (size_t i = 0; i < n; i++)
            mask[i] = 1.0f;
        return;
    }
    if (p == 1.0) {
        memset(mask, 0, n * sizeof(float));
        return;
    }
    const double keep = 1.0 - p;
    const float scale = 1.0f / (float)keep;
    for (size_t i = 0; i < n; i++)
        mask[i] = nn_rng_bernoulli(rng, keep) ? scale : 0.0f;
}

/* The conv2 channels of image n that reach fc1: those dropout1 keeps (Dropout2d in training),
 * else all. Returns their number; kept[] lists them in order. */
static int kept_channels(const nn_net *net, int n, int train, int *kept) {
    int kc = 0;
    if (train && dropout1_per_channel(net)) {
        const float *m = net->mask1 + (size_t)n * net->C2;
        for (int c = 0; c < net->C2; c++)
            if (m[c] != 0.0f)
                kept[kc++] = c;
    } else {
        for (int c = 0; c < net->C2; c++)
            kept[kc++] = c;
    }
    return kc;
}

/* The conv2 weight rows of the kept channels: W itself when all are kept. */
static const float *kept_weights(const nn_net *net, const int *kept, int kc, float *wk) {
    const float *w2 = net->params[P_C2W].value.data;
    if (kc == net->C2)
        return w2;
    const size_t k2 = (size_t)net->K2;
    for (int j = 0; j < kc; j++)
        memcpy(wk + j * k2, w2 + (size_t)kept[j] * k2, k2 * sizeof(float));
    return wk;
}

/* ---- phase A: conv1, conv2, pool, dropout1, per image ---- */

typedef struct fwd_ctx {
    nn_net *net;
    int train;
} fwd_ctx;

static conv_geom conv2_geom(const nn_net *net) {
    return (conv_geom){.c_in = net->C1,
                       .h_in = H1,
                       .w_in = H1,
                       .c_out = net->C2,
                       .k = CONV_K,
                       .stride = 1,
                       .pad = 0,
                       .h_out = H2,
                       .w_out = H2};
}

/* bias + relu + max-pool + dropout1 of the kept channels' GEMM output z (kc, 24, 24). */
static void pool_epilogue(const nn_net *net, int n, int train, const int *kept, int kc,
                          const float *z) {
    const int P = net->P, HP = net->HP, hp2 = HP * HP;
    const float *b2 = net->params[P_C2B].value.data;
    const int per_channel = dropout1_per_channel(net);
    float *h = net->h + (size_t)n * net->flat;
    uint8_t *idx = net->idx + (size_t)n * net->flat;
    for (int j = 0; j < kc; j++) {
        const int c = kept[j];
        const float b = b2[c];
        const float *zc = z + (size_t)j * H2 * H2;
        float *hc = h + (size_t)c * hp2;
        uint8_t *ic = idx + (size_t)c * hp2;
        const float *mc = NULL;
        float scale = 1.0f;
        if (train) {
            if (per_channel)
                scale = net->mask1[(size_t)n * net->C2 + c];
            else
                mc = net->mask1 + (size_t)n * net->flat + (size_t)c * hp2;
        }
        for (int py = 0; py < HP; py++)
            for (int px = 0; px < HP; px++) {
                /* relu then max_pool2d as PyTorch: first maximum wins, a NaN always wins */
                float m = -INFINITY;
                int best = 0;
                for (int ky = 0; ky < P; ky++)
                    for (int kx = 0; kx < P; kx++) {
                        float v = zc[(py * P + ky) * H2 + px * P + kx] + b;
                        v = v < 0.0f ? 0.0f : v;
                        if (v > m || isnan(v)) {
                            m = v;
                            best = ky * P + kx;
                        }
                    }
                const int o = py * HP + px;
                ic[o] = m > 0.0f ? (uint8_t)best : NO_GRAD;
                if (train)
                    hc[o] = m * (mc ? mc[o] : scale);
                else
                    hc[o] = m;
            }
    }
}

static void fwd_image(void *vctx, int unit, int thread) {
    const fwd_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    scratch *s = &net->scr[thread];
    const int n = unit;
    const float *x = net->x + (size_t)n * IMG;
    float *a1 = net->a1 + (size_t)n * net->C1 * H1 * H1;
    nn_conv3x3_c1_forward(a1, x, net->params[P_C1W].value.data, net->params[P_C1B].value.data,
                          net->C1, NN_NET_IN_H, NN_NET_IN_W, 1);

    int kc = kept_channels(net, n, ctx->train, s->kept);
    if (kc < net->C2)
        memset(net->h + (size_t)n * net->flat, 0, (size_t)net->flat * sizeof(float));
    if (kc == 0)
        return;
    const float *w = kept_weights(net, s->kept, kc, s->wk);
    const conv_geom g = conv2_geom(net);
    nn_im2col(s->col, a1, &g);
    /* z2 (kc, 576) = Wk (kc, K2) * col (K2, 576) */
    nn_gemm(0, 0, kc, H2 * H2, net->K2, 1.0f, w, net->K2, s->col, H2 * H2, 0.0f, s->z2, H2 * H2);
    pool_epilogue(net, n, ctx->train, s->kept, kc, s->z2);
}

/* ---- phase B: fc1 forward by output blocks ---- */

typedef struct fc_ctx {
    nn_net *net;
    int n;
} fc_ctx;

static void fc1_fwd_block(void *vctx, int unit, int thread) {
    const fc_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    const int j0 = unit * FC1_FWD_BLOCK;
    const int nb = net->hid - j0 < FC1_FWD_BLOCK ? net->hid - j0 : FC1_FWD_BLOCK;
    /* r3[:, j0:j0+nb] (n, nb) = h (n, flat) * W[j0:j0+nb]^T (flat, nb) */
    nn_gemm(0, 1, ctx->n, nb, net->flat, 1.0f, net->h, net->flat,
            net->params[P_F1W].value.data + (size_t)j0 * net->flat, net->flat, 0.0f, net->r3 + j0,
            net->hid);
}

/* Everything after fc1's GEMM, on the calling thread: bias, relu, dropout2, fc2, log_softmax. */
static void head_forward(nn_net *net, int n, int train) {
    const int hid = net->hid;
    const float *b3 = net->params[P_F1B].value.data;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < hid; j++) {
            size_t k = (size_t)i * hid + j;
            float v = net->r3[k] + b3[j];
            v = v < 0.0f ? 0.0f : v;
            net->r3[k] = v;
            net->a3[k] = train ? v * net->mask2[k] : v;
        }
    float *logits = net->logp;
    nn_linear_forward(logits, net->a3, net->params[P_F2W].value.data, net->params[P_F2B].value.data,
                      n, hid, NN_NET_CLASSES);
    nn_log_softmax_forward(net->logp, logits, n, NN_NET_CLASSES);
}

/* Runs the forward pass of n <= max_batch images already in net->x. */
static void forward_chunk(nn_net *net, int n, int train) {
    if (train) {
        /* dropout1's masks for the whole batch, then dropout2's, as PyTorch draws them */
        const size_t m1 = dropout1_per_channel(net) ? (size_t)net->C2 : (size_t)net->flat;
        draw_mask(net->mask1, (size_t)n * m1, net->o.dropout1_prob, net->rng);
        draw_mask(net->mask2, (size_t)n * net->hid, net->o.dropout2_prob, net->rng);
    }
    fwd_ctx fc = {net, train};
    nn_parallel_for(n, fwd_image, &fc);
    fc_ctx f1 = {net, n};
    nn_parallel_for((net->hid + FC1_FWD_BLOCK - 1) / FC1_FWD_BLOCK, fc1_fwd_block, &f1);
    head_forward(net, n, train);
}

int nn_net_forward(nn_net *net, float *logp, const float *x, int n) {
    if (n < 1)
        return nn_error_set(NN_EINVAL, "net forward: batch of %d images", n);
    int st = ensure_scratch(net);
    if (st)
        return st;
    const int B = net->o.max_batch;
    net->kept_n = 0;
    if (net->training && n > B)
        return nn_error_set(
            NN_EINVAL, "net forward: a training batch of %d images exceeds max_batch=%d", n, B);
    for (int i0 = 0; i0 < n; i0 += B) {
        const int m = n - i0 < B ? n - i0 : B;
        memcpy(net->x, x + (size_t)i0 * IMG, (size_t)m * IMG * sizeof(float));
        forward_chunk(net, m, net->training);
        if (logp)
            memcpy(logp + (size_t)i0 * NN_NET_CLASSES, net->logp,
                   (size_t)m * NN_NET_CLASSES * sizeof(float));
    }
    if (n <= B) {
        net->kept_n = n;
        net->kept_train = net->training;
    }
    return NN_OK;
}

/* ---- phase C: fc1 backward by input-feature blocks ---- */

typedef struct bwd_ctx {
    nn_net *net;
    int n;
    int train;
} bwd_ctx;

static void fc1_bwd_block(void *vctx, int unit, int thread) {
    const bwd_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    const int flat = net->flat, hid = net->hid, n = ctx->n;
    const int j0 = unit * FC1_BWD_BLOCK;
    const int nb = flat - j0 < FC1_BWD_BLOCK ? flat - j0 : FC1_BWD_BLOCK;
    /* dW[:, j0:j0+nb] (hid, nb) = dz3^T (hid, n) * h[:, j0:j0+nb] (n, nb) */
    nn_gemm(1, 0, hid, nb, n, 1.0f, net->dz3, hid, net->h + j0, flat, 0.0f,
            net->params[P_F1W].grad + j0, flat);
    /* dh[:, j0:j0+nb] (n, nb) = dz3 (n, hid) * W[:, j0:j0+nb] (hid, nb) */
    nn_gemm(0, 0, n, nb, hid, 1.0f, net->dz3, hid, net->params[P_F1W].value.data + j0, flat, 0.0f,
            net->dh + j0, flat);
}

/* ---- phase D: conv backward per group of images ---- */

static void bwd_group(void *vctx, int unit, int thread) {
    const bwd_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    scratch *s = &net->scr[thread];
    const int C1 = net->C1, K2 = net->K2, P = net->P, HP = net->HP, hp2 = HP * HP;
    const int per_channel = dropout1_per_channel(net);
    const conv_geom g = conv2_geom(net);
    float *part = net->partial + (size_t)unit * net->conv_len;
    memset(part, 0, net->conv_len * sizeof(float));
    const size_t off_c1b = net->params[P_C1B].value.data - net->w;
    const size_t off_c2w = net->params[P_C2W].value.data - net->w;
    const size_t off_c2b = net->params[P_C2B].value.data - net->w;
    const int n_end = (unit + 1) * GROUP < ctx->n ? (unit + 1) * GROUP : ctx->n;

    for (int n = unit * GROUP; n < n_end; n++) {
        const int kc = kept_channels(net, n, ctx->train, s->kept);
        if (kc == 0)
            continue; /* nothing reaches fc1 from this image: all its conv gradients are 0 */
        const float *dh = net->dh + (size_t)n * net->flat;
        const uint8_t *idx = net->idx + (size_t)n * net->flat;
        float *dz = s->z2; /* (kc, 576) */
        memset(dz, 0, (size_t)kc * H2 * H2 * sizeof(float));
        for (int j = 0; j < kc; j++) {
            const int c = s->kept[j];
            float *dzc = dz + (size_t)j * H2 * H2;
            const float *mc = NULL;
            float scale = 1.0f;
            if (ctx->train) {
                if (per_channel)
                    scale = net->mask1[(size_t)n * net->C2 + c];
                else
                    mc = net->mask1 + (size_t)n * net->flat + (size_t)c * hp2;
            }
            float db = 0.0f;
            for (int o = 0; o < hp2; o++) {
                const int id = idx[(size_t)c * hp2 + o];
                if (id == NO_GRAD)
                    continue;
                const float gv = ctx->train ? dh[(size_t)c * hp2 + o] * (mc ? mc[o] : scale)
                                            : dh[(size_t)c * hp2 + o];
                const int py = o / HP, px = o % HP;
                dzc[(py * P + id / P) * H2 + px * P + id % P] = gv;
                db += gv;
            }
            part[off_c2b + c] += db;
        }
        const float *a1 = net->a1 + (size_t)n * C1 * H1 * H1;
        nn_im2col(s->col, a1, &g);
        /* dWk (kc, K2) = dz (kc, 576) * col^T (576, K2) */
        nn_gemm(0, 1, kc, K2, H2 * H2, 1.0f, dz, H2 * H2, s->col, H2 * H2, 0.0f, s->dwk, K2);
        for (int j = 0; j < kc; j++) {
            float *dst = part + off_c2w + (size_t)s->kept[j] * K2;
            const float *src = s->dwk + (size_t)j * K2;
            for (int k = 0; k < K2; k++)
                dst[k] += src[k];
        }
        /* dcol (K2, 576) = Wk^T (K2, kc) * dz (kc, 576), then back to (C1, 26, 26) */
        const float *w = kept_weights(net, s->kept, kc, s->wk);
        nn_gemm(1, 0, K2, H2 * H2, kc, 1.0f, w, K2, dz, H2 * H2, 0.0f, s->dcol, H2 * H2);
        nn_col2im(s->da1, s->dcol, &g);
        const size_t a1n = (size_t)C1 * H1 * H1;
        for (size_t i = 0; i < a1n; i++)
            s->da1[i] = a1[i] > 0.0f ? s->da1[i] : 0.0f;
        nn_conv3x3_c1_backward(part, part + off_c1b, s->da1, net->x + (size_t)n * IMG, C1,
                               NN_NET_IN_H, NN_NET_IN_W);
    }
}

/* ---- phase E: partial sums in group order ---- */

typedef struct reduce_ctx {
    nn_net *net;
    int groups;
} reduce_ctx;

static void reduce_block(void *vctx, int unit, int thread) {
    const reduce_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    const size_t i0 = (size_t)unit * REDUCE_BLOCK;
    const size_t i1 = i0 + REDUCE_BLOCK < net->conv_len ? i0 + REDUCE_BLOCK : net->conv_len;
    float *dst = net->g;
    memcpy(dst + i0, net->partial + i0, (i1 - i0) * sizeof(float));
    for (int gi = 1; gi < ctx->groups; gi++) {
        const float *src = net->partial + (size_t)gi * net->conv_len;
        for (size_t i = i0; i < i1; i++)
            dst[i] += src[i];
    }
}

/* The gradient of the loss with respect to the logits and the head's parameters, serial. */
static void head_backward(nn_net *net, int n, int train, const int32_t *labels,
                          nn_reduction reduction) {
    const int hid = net->hid, C = NN_NET_CLASSES;
    /* nll_loss backward then log_softmax backward: dlogits = dlogp - exp(logp) * sum(dlogp) */
    const float gl = reduction == NN_REDUCTION_MEAN ? -1.0f / (float)n : -1.0f;
    for (int i = 0; i < n; i++) {
        const float *lp = net->logp + (size_t)i * C;
        float *d = net->dlog + (size_t)i * C;
        for (int j = 0; j < C; j++)
            d[j] = (j == labels[i] ? gl : 0.0f) - expf(lp[j]) * gl;
    }
    /* fc2: dW (10, hid) = dlog^T a3; db = column sums; da3 (n, hid) = dlog W */
    float *gw4 = net->params[P_F2W].grad, *gb4 = net->params[P_F2B].grad;
    nn_gemm(1, 0, C, hid, n, 1.0f, net->dlog, C, net->a3, hid, 0.0f, gw4, hid);
    for (int j = 0; j < C; j++) {
        float s = 0.0f;
        for (int i = 0; i < n; i++)
            s += net->dlog[(size_t)i * C + j];
        gb4[j] = s;
    }
    nn_gemm(0, 0, n, hid, C, 1.0f, net->dlog, C, net->params[P_F2W].value.data, hid, 0.0f, net->dz3,
            hid);
    /* through dropout2 and relu */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < hid; j++) {
            size_t k = (size_t)i * hid + j;
            float gv = train ? net->dz3[k] * net->mask2[k] : net->dz3[k];
            net->dz3[k] = net->r3[k] > 0.0f ? gv : 0.0f;
        }
    float *gb3 = net->params[P_F1B].grad;
    for (int j = 0; j < hid; j++) {
        float s = 0.0f;
        for (int i = 0; i < n; i++)
            s += net->dz3[(size_t)i * hid + j];
        gb3[j] = s;
    }
}

int nn_net_backward(nn_net *net, float *loss, const int32_t *labels, nn_reduction reduction) {
    const int n = net->kept_n;
    if (n == 0)
        return nn_error_set(NN_EINVAL,
                            "net backward: no forward pass of at most max_batch=%d "
                            "images to go back through",
                            net->o.max_batch);
    int st = nn_nll_loss_forward(&(float){0}, net->logp, labels, n, NN_NET_CLASSES, reduction);
    if (st)
        return nn_error_wrap(st, "net backward: ");
    if (loss)
        nn_nll_loss_forward(loss, net->logp, labels, n, NN_NET_CLASSES, reduction);
    st = ensure_scratch(net);
    if (st)
        return st;
    const int train = net->kept_train;
    head_backward(net, n, train, labels, reduction);
    bwd_ctx bc = {net, n, train};
    nn_parallel_for((net->flat + FC1_BWD_BLOCK - 1) / FC1_BWD_BLOCK, fc1_bwd_block, &bc);
    const int groups = (n + GROUP - 1) / GROUP;
    nn_parallel_for(groups, bwd_group, &bc);
    reduce_ctx rc = {net, groups};
    nn_parallel_for((int)((net->conv_len + REDUCE_BLOCK - 1) / REDUCE_BLOCK), reduce_block, &rc);
    return NN_OK;
}

int nn_net_train_step(nn_net *net, float *loss, const float *x, const int32_t *labels, int n,
                      nn_reduction reduction) {
    if (n > net->o.max_batch)
        return nn_error_set(NN_EINVAL, "net train step: a batch of %d images exceeds max_batch=%d",
                            n, net->o.max_batch);
    int st = nn_net_forward(net, NULL, x, n);
    if (st)
        return st;
    return nn_net_backward(net, loss, labels, reduction);
}

int nn_net_evaluate(nn_net *net, double *loss_sum, int64_t *correct, const float *x,
                    const int32_t *labels, int n) {
    if (n < 1)
        return nn_error_set(NN_EINVAL, "net evaluate: batch of %d images", n);
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= NN_NET_CLASSES)
            return nn_error_set(NN_EINVAL, "net evaluate: label %d of image %d is outside 0..9",
                                labels[i], i);
    int st = ensure_scratch(net);
    if (st)
        return st;
    net->kept_n = 0;
    const int B = net->o.max_batch;
    double sum = 0.0;
    int64_t right = 0;
    for (int i0 = 0; i0 < n; i0 += B) {
        const int m = n - i0 < B ? n - i0 : B;
        memcpy(net->x, x + (size_t)i0 * IMG, (size_t)m * IMG * sizeof(float));
        forward_chunk(net, m, 0);
        for (int i = 0; i < m; i++) {
            const float *lp = net->logp + (size_t)i * NN_NET_CLASSES;
            int best = 0;
            for (int j = 1; j < NN_NET_CLASSES; j++)
                if (lp[j] > lp[best])
                    best = j;
            right += best == labels[i0 + i];
            sum -= lp[labels[i0 + i]];
        }
    }
    *loss_sum = sum;
    *correct = right;
    return NN_OK;
}
