/*
 * net.c - the tutorial's MNIST net (see nn/net.h): fused per-image kernels on the thread pool.
 *
 * A training step is five parallel phases with serial glue between them:
 *   A  per image: conv1 + relu (direct), conv2 over the channels dropout1 keeps (Winograd
 *      F(2x2, 3x3), 16 GEMMs, when the pool is 2x2; else im2col + 1 GEMM), then bias + relu
 *      + max-pool + dropout1 fused into one pass over the GEMM output
 *   B  fc1 forward, by blocks of 64 output features
 *      (serial: bias, relu, dropout2, fc2, log_softmax, loss and their backward)
 *   C  fc1 backward, by blocks of 576 input features: dW = dZ^T H and dH = dZ W
 *   D  per group of 4 images: un-pool, conv2 dW (into the group's partial sums; Winograd's dU)
 *      and dX (Winograd's dV, or GEMM + col2im), relu, conv1 dW
 *   E  the group partial sums added in group order, by blocks of 2048 (then dU -> dW)
 * No unit's boundaries depend on the thread count and sums over units happen in unit order,
 * so results are bit-identical for any number of threads.
 *
 * Layout: NCHW per image, as PyTorch; one image's conv2 works in per-thread scratch (im2col
 * matrix, GEMM output, its gradient), which stays in L2. With Dropout2d a dropped channel is
 * zero after the pooling, so its rows are left out of all three conv2 GEMMs (a quarter of the
 * work at p = 0.25) - the kept rows get exactly what they would get otherwise.
 */
#include "nn/blas.h"
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
#define IMG_STRIDE    800 /* an input image and the floats conv1's vector loads read past it */
#define GROUP         4   /* images per backward unit (and per gradient partial sum) */
#define FC1_FWD_BLOCK 64  /* fc1 output features per forward unit */
#define FC1_BWD_BLOCK 576 /* fc1 input features per backward unit */
#define REDUCE_BLOCK  2048
#define NO_GRAD       0xff /* pool index of a window whose maximum is not > 0 */

enum { P_C1W, P_C1B, P_C2W, P_C2B, P_F1W, P_F1B, P_F2W, P_F2B, N_PARAMS };

static const char *const param_names[N_PARAMS] = {
    "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
    "fc1.weight",   "fc1.bias",   "fc2.weight",   "fc2.bias",
};

typedef struct scratch {
    float *z2;   /* (C2, ncol) conv2 output of one image; its gradient in the backward pass */
    float *col;  /* (K2, ncol) pool-major im2col of a1 */
    float *dcol; /* (K2, ncol) */
    float *da1s; /* (C1, 26, P, WP) phase-split gradient of a1 */
    float *da1;  /* (C1, 26, 26) the same after ReLU, plain layout */
    float *wk;   /* (C2, K2) conv2 weight rows of the kept channels */
    float *dwk;  /* (C2, K2) */
    int *kept;   /* (C2) */
    /* Winograd */
    float *V;  /* (16, C1, 144) transformed input */
    float *M;  /* (16, C2, 144) transformed output; dM in the backward pass */
    float *dV; /* (16, C1, 144) */
    float *Uk; /* (16, C2, C1) transformed weights of the kept channels */
    float *dU; /* (16, C2, C1) */
} scratch;

struct nn_net {
    nn_net_opts o;
    int C1, C2, K2, P, HP, flat, hid;
    pool_geom pg; /* conv2's geometry in the layouts of kernels.h */
    int wino;     /* conv2 by Winograd F(2x2, 3x3) */
    float *U;     /* (16, C2, C1) transformed conv2 weights, refreshed by every forward */
    size_t w2len; /* floats of conv2's weight gradient in a partial: 16*C2*C1 or C2*K2 */
    size_t plen;  /* floats of a partial: conv1.weight, conv1.bias, conv2 weight, conv2.bias */
    float *gsum;  /* (plen) the partials summed */
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
    float *x;       /* (B, IMG_STRIDE) copy of the input, zero-padded */
    float *a1;      /* (B, C1, 26, P, WP) relu(conv1), phase-split */
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
    float *partial; /* (ceil(B / GROUP), plen) per-group conv gradient sums */

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
    if (o->conv2_algo != NN_CONV_AUTO && o->conv2_algo != NN_CONV_IM2COL &&
        o->conv2_algo != NN_CONV_WINOGRAD)
        return nn_error_set(NN_EINVAL, "net: conv2_algo=%d is not an nn_conv_algo",
                            (int)o->conv2_algo);
    if (o->conv2_algo == NN_CONV_WINOGRAD && o->maxpool1_kernel_size != 2)
        return nn_error_set(NN_EINVAL,
                            "net: conv2_algo=NN_CONV_WINOGRAD needs maxpool1_kernel_size=2 "
                            "(got %d)",
                            o->maxpool1_kernel_size);
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
    const size_t c2 = (size_t)net->C2, k2 = (size_t)net->K2, nc = (size_t)net->pg.ncol;
    const size_t split = nn_pool_split_floats(&net->pg);
    /* z2, col, dcol, da1s, da1, wk, dwk, kept (as floats), each rounded up to 16 floats */
#define R16(x) (((x) + 15) & ~(size_t)15)
    const size_t c1 = (size_t)net->C1, tiles = (size_t)net->pg.hp2;
    const size_t wino =
        net->wino ? 2 * R16(16 * c1 * tiles) + R16(16 * c2 * tiles) + 2 * R16(16 * c2 * c1) : 0;
    const size_t i2c = net->wino ? 0 : R16(c2 * nc) + 2 * R16(k2 * nc) + 2 * R16(c2 * k2);
    const size_t each = i2c + R16(split) + R16((size_t)net->C1 * H1 * H1) + R16(c2) + wino;
    float *block = alloc_floats(each * (size_t)t);
    scratch *scr = calloc((size_t)t, sizeof *scr);
    if (!block || !scr) {
        free(block);
        free(scr);
        return nn_error_set(NN_ENOMEM, "net: cannot allocate scratch for %d threads", t);
    }
    for (int i = 0; i < t; i++) {
        float *p = block + each * (size_t)i;
        if (!net->wino) {
            scr[i].z2 = p, p += R16(c2 * nc);
            scr[i].col = p, p += R16(k2 * nc);
            scr[i].dcol = p, p += R16(k2 * nc);
            scr[i].wk = p, p += R16(c2 * k2);
            scr[i].dwk = p, p += R16(c2 * k2);
        } else {
            scr[i].V = p, p += R16(16 * c1 * tiles);
            scr[i].dV = p, p += R16(16 * c1 * tiles);
            scr[i].M = p, p += R16(16 * c2 * tiles);
            scr[i].Uk = p, p += R16(16 * c2 * c1);
            scr[i].dU = p, p += R16(16 * c2 * c1);
        }
        scr[i].da1s = p, p += R16(split);
        scr[i].da1 = p, p += R16((size_t)net->C1 * H1 * H1);
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
    if ((st = nn_blas_load()) != NN_OK)
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
    net->pg = (pool_geom){.C1 = net->C1,
                          .P = net->P,
                          .HP = net->HP,
                          .WP = (H1 + net->P - 1) / net->P,
                          .hp2 = net->HP * net->HP,
                          .ncol = net->P * net->P * net->HP * net->HP};
    net->wino = opts->conv2_algo == NN_CONV_WINOGRAD ||
                (opts->conv2_algo == NN_CONV_AUTO && opts->maxpool1_kernel_size == 2);
    net->training = 1;
    nn_rng_seed(&net->own_rng, opts->seed); /* also what nn_net_set_rng(net, NULL) returns to */
    net->rng = rng ? rng : &net->own_rng;

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
    net->w2len = net->wino ? (size_t)16 * net->C2 * net->C1 : (size_t)net->C2 * net->K2;
    net->plen = (size_t)net->C1 * 10 + net->w2len + (size_t)net->C2;

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
    size_t sizes[] = {B * IMG_STRIDE,
                      B * nn_pool_split_floats(&net->pg),
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
                      groups * net->plen,
                      net->plen,
                      net->wino ? (size_t)16 * net->C2 * net->C1 : 0};
    float **slots[] = {&net->x,       &net->a1,   &net->h,     &net->mask1,
                       &net->r3,      &net->a3,   &net->mask2, &net->logp,
                       &net->dlog,    &net->dz3,  &net->dh,    (float **)&net->idx,
                       &net->partial, &net->gsum, &net->U};
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
    memset(net->arena, 0, arena * sizeof(float)); /* the input padding stays zero */
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
    nn_rng_bernoulli_fill_f32(rng, mask, n, keep, 1.0f / (float)keep);
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

/* Eight lanes whatever the ISA, as in kernels.c. */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8si __attribute__((vector_size(32)));
typedef uint8_t v32u8 __attribute__((vector_size(32)));

static inline void ld8(v8f *v, const float *p) {
    memcpy(v, p, sizeof *v);
}

static inline void st8(float *p, const v8f *v) {
    memcpy(p, v, sizeof *v);
}

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros) */
static inline void sel8(v8f *out, const v8si *mask, const v8f *a, const v8f *b) {
    *out = (v8f)(((v8si)*a & *mask) | ((v8si)*b & ~*mask));
}

/* The dropout1 scale of channel c of image n: one factor (Dropout2d) or, through *per_elem,
 * a row of hp2 factors (Dropout); 1 outside training. */
static float dropout1_scale(const nn_net *net, int n, int c, int train, const float **per_elem) {
    *per_elem = NULL;
    if (!train)
        return 1.0f;
    if (dropout1_per_channel(net))
        return net->mask1[(size_t)n * net->C2 + c];
    *per_elem = net->mask1 + (size_t)n * net->flat + (size_t)c * net->pg.hp2;
    return 1.0f;
}

/* Eight windows at once: bias + relu on the window values y[0..pp) (before the bias), then
 * PyTorch's max_pool2d (the first maximum wins, a NaN always wins), the arg-max (NO_GRAD when
 * the maximum is not > 0, where relu passes no gradient), and dropout1. */
static inline void pool8(const v8f *y, int pp, float b, float *hc, uint8_t *ic, const float *mc,
                         float scale, int train) {
    const v8f zero = {0}, bv = zero + b;
    v8f m = y[0] + bv;
    m = (v8f)((v8si)m & ~(m < zero)); /* relu; NaN stays NaN */
    v8si id = {0};
#pragma GCC unroll 4
    for (int q = 1; q < pp; q++) {
        v8f v = y[q] + bv;
        v = (v8f)((v8si)v & ~(v < zero));
        const v8si take = (v > m) | (v != v);
        sel8(&m, &take, &v, &m);
        const v8si qv = (v8si){0} + q;
        id = (id & ~take) | (qv & take);
    }
    const v8si pos = m > zero;
    /* the low byte of each lane, gathered into the first 8 bytes by one byte shuffle */
    const v32u8 lanes = (v32u8)((id & pos) | (((v8si){0} + NO_GRAD) & ~pos));
    const v32u8 bytes = __builtin_shuffle(lanes, (v32u8){0, 4, 8, 12, 16, 20, 24, 28});
    memcpy(ic, &bytes, 8);
    if (train) {
        v8f sc = zero + scale;
        if (mc)
            ld8(&sc, mc);
        m *= sc;
    }
    st8(hc, &m);
}

/* The same for one window, for the hp2 % 8 windows left over. */
static inline void pool1(const float *y, int pp, float b, float *hc, uint8_t *ic, const float *mc,
                         float scale, int train) {
    float m = -INFINITY;
    int best = 0;
    for (int q = 0; q < pp; q++) {
        float v = y[q] + b;
        v = v < 0.0f ? 0.0f : v;
        if (v > m || isnan(v)) {
            m = v;
            best = q;
        }
    }
    *ic = m > 0.0f ? (uint8_t)best : NO_GRAD;
    *hc = train ? m * (mc ? *mc : scale) : m;
}

/* im2col path: the GEMM output z (kc, ncol) has pool-major columns, so window position q of
 * window o is z[q * hp2 + o]. */
NN_HOT static void pool_epilogue(const nn_net *net, int n, int train, const int *kept, int kc,
                                 const float *z) {
    const int PP = net->P * net->P, hp2 = net->pg.hp2, ncol = net->pg.ncol;
    const float *b2 = net->params[P_C2B].value.data;
    float *h = net->h + (size_t)n * net->flat;
    uint8_t *idx = net->idx + (size_t)n * net->flat;
    for (int j = 0; j < kc; j++) {
        const int c = kept[j];
        const float *zc = z + (size_t)j * ncol, *mc;
        const float scale = dropout1_scale(net, n, c, train, &mc);
        float *hc = h + (size_t)c * hp2;
        uint8_t *ic = idx + (size_t)c * hp2;
        int o = 0;
        for (; o + 8 <= hp2; o += 8) {
            v8f y[15 * 15];
            for (int q = 0; q < PP; q++)
                ld8(&y[q], zc + (size_t)q * hp2 + o);
            pool8(y, PP, b2[c], hc + o, ic + o, mc ? mc + o : NULL, scale, train);
        }
        for (; o < hp2; o++) {
            float y[15 * 15];
            for (int q = 0; q < PP; q++)
                y[q] = zc[(size_t)q * hp2 + o];
            pool1(y, PP, b2[c], hc + o, ic + o, mc ? mc + o : NULL, scale, train);
        }
    }
}

/* Winograd path: the four outputs of tile t (= window t) are A^T M A of the 16 products
 * M[xi][j][t] (16, kc, 144); positions q = dy * 2 + dx as in the pool. */
NN_HOT static void wino_epilogue(const nn_net *net, int n, int train, const int *kept, int kc,
                                 const float *M) {
    const int T = net->pg.hp2;
    const size_t plane = (size_t)kc * T;
    const float *b2 = net->params[P_C2B].value.data;
    float *h = net->h + (size_t)n * net->flat;
    uint8_t *idx = net->idx + (size_t)n * net->flat;
    for (int j = 0; j < kc; j++) {
        const int c = kept[j];
        const float *mj = M + (size_t)j * T, *mc;
        const float scale = dropout1_scale(net, n, c, train, &mc);
        float *hc = h + (size_t)c * T;
        uint8_t *ic = idx + (size_t)c * T;
        for (int o = 0; o < T; o += 8) { /* T = 144 = 18 * 8 */
            /* one column k of M at a time, so the 16 products never sit in memory twice */
            v8f r0[4], r1[4], y[4];
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) {
                v8f m0, m1, m2, m3;
                ld8(&m0, mj + k * plane + o);
                ld8(&m1, mj + (4 + k) * plane + o);
                ld8(&m2, mj + (8 + k) * plane + o);
                ld8(&m3, mj + (12 + k) * plane + o);
                r0[k] = (m0 + m1) + m2;
                r1[k] = (m1 - m2) - m3;
            }
            y[0] = (r0[0] + r0[1]) + r0[2];
            y[1] = (r0[1] - r0[2]) - r0[3];
            y[2] = (r1[0] + r1[1]) + r1[2];
            y[3] = (r1[1] - r1[2]) - r1[3];
            pool8(y, 4, b2[c], hc + o, ic + o, mc ? mc + o : NULL, scale, train);
        }
    }
}

/* The transformed weights of the kept channels: net->U itself when all are kept. Returns
 * the matrix of xi = 0; xi's is `*plane` floats further. */
static const float *kept_wino_weights(const nn_net *net, const int *kept, int kc, float *uk,
                                      size_t *plane) {
    const size_t c1 = (size_t)net->C1, full = (size_t)net->C2 * c1;
    if (kc == net->C2) {
        *plane = full;
        return net->U;
    }
    for (int xi = 0; xi < 16; xi++)
        for (int j = 0; j < kc; j++)
            memcpy(uk + ((size_t)xi * kc + j) * c1, net->U + xi * full + (size_t)kept[j] * c1,
                   c1 * sizeof(float));
    *plane = (size_t)kc * c1;
    return uk;
}

static void fwd_image(void *vctx, int unit, int thread) {
    const fwd_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    scratch *s = &net->scr[thread];
    const int n = unit;
    const float *x = net->x + (size_t)n * IMG_STRIDE;
    float *a1 = net->a1 + (size_t)n * nn_pool_split_floats(&net->pg);
    if (net->P == 2)
        nn_conv1_forward_split2(a1, x, net->params[P_C1W].value.data, net->params[P_C1B].value.data,
                                net->C1);
    else
        nn_conv1_forward_split(a1, x, net->params[P_C1W].value.data, net->params[P_C1B].value.data,
                               &net->pg);

    int kc = kept_channels(net, n, ctx->train, s->kept);
    if (kc < net->C2) { /* the dropped channels' share of fc1's input is zero */
        float *h = net->h + (size_t)n * net->flat;
        const size_t hp2 = (size_t)net->pg.hp2;
        for (int c = 0, j = 0; c < net->C2; c++) {
            if (j < kc && s->kept[j] == c)
                j++;
            else
                memset(h + c * hp2, 0, hp2 * sizeof(float));
        }
    }
    if (kc == 0)
        return;
    if (net->wino) {
        const int C1 = net->C1, T = net->pg.hp2;
        size_t up;
        const float *U = kept_wino_weights(net, s->kept, kc, s->Uk, &up);
        nn_wino_input(s->V, a1, &net->pg);
        /* M_xi (kc, 144) = U_xi (kc, C1) * V_xi (C1, 144) */
        for (int xi = 0; xi < 16; xi++)
            nn_gemm(0, 0, kc, T, C1, 1.0f, U + xi * up, C1, s->V + (size_t)xi * C1 * T, T, 0.0f,
                    s->M + (size_t)xi * kc * T, T);
        wino_epilogue(net, n, ctx->train, s->kept, kc, s->M);
        return;
    }
    const float *w = kept_weights(net, s->kept, kc, s->wk);
    const int nc = net->pg.ncol;
    nn_im2col_pool(s->col, a1, &net->pg);
    /* z2 (kc, ncol) = Wk (kc, K2) * col (K2, ncol) */
    nn_gemm(0, 0, kc, nc, net->K2, 1.0f, w, net->K2, s->col, nc, 0.0f, s->z2, nc);
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

/* Units of output channels for the per-step weight transforms (serial, they would cost a
 * tenth of a millisecond while the other threads wait). */
#define WINO_W_BLOCK 8

static void wino_weights_block(void *vctx, int unit, int thread) {
    nn_net *net = vctx;
    const int o0 = unit * WINO_W_BLOCK;
    const int o1 = o0 + WINO_W_BLOCK < net->C2 ? o0 + WINO_W_BLOCK : net->C2;
    nn_wino_weights(net->U, net->params[P_C2W].value.data, net->C2, net->C1, o0, o1);
}

/* Refreshes what the forward pass derives from the weights: Winograd's U = G w G^T. */
static void prepare_weights(nn_net *net) {
    if (net->wino)
        nn_parallel_for((net->C2 + WINO_W_BLOCK - 1) / WINO_W_BLOCK, wino_weights_block, net);
}

/* Runs the forward pass of n <= max_batch images already in net->x (prepare_weights done). */
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
    prepare_weights(net);
    for (int i0 = 0; i0 < n; i0 += B) {
        const int m = n - i0 < B ? n - i0 : B;
        for (int i = 0; i < m; i++)
            memcpy(net->x + (size_t)i * IMG_STRIDE, x + (size_t)(i0 + i) * IMG,
                   IMG * sizeof(float));
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

/* Offsets inside a partial: conv1.weight, conv1.bias, conv2's weight gradient (dU for
 * Winograd, dW for im2col), conv2.bias. */
static size_t poff_c1b(const nn_net *net) {
    return (size_t)net->C1 * 9;
}
static size_t poff_c2w(const nn_net *net) {
    return (size_t)net->C1 * 10;
}
static size_t poff_c2b(const nn_net *net) {
    return (size_t)net->C1 * 10 + net->w2len;
}

/* The pooled gradient of channel c, eight windows from o: through dropout1, and zero where
 * relu passed nothing; *id gets the arg-max positions. */
static inline void pooled_grad8(v8f *out, const nn_net *net, int n, int c, int o, int train,
                                v8si *id) {
    const float *mc;
    const float scale = dropout1_scale(net, n, c, train, &mc);
    const size_t at = (size_t)n * net->flat + (size_t)c * net->pg.hp2 + o;
    v8f g, sc = (v8f){0} + scale;
    ld8(&g, net->dh + at);
    if (mc)
        ld8(&sc, mc + o);
    if (train)
        g *= sc;
    for (int l = 0; l < 8; l++)
        (*id)[l] = net->idx[at + l];
    *out = (v8f)((v8si)g & (*id != NO_GRAD));
}

static inline float pooled_grad1(const nn_net *net, int n, int c, int o, int train, int *id) {
    const float *mc;
    const float scale = dropout1_scale(net, n, c, train, &mc);
    const size_t at = (size_t)n * net->flat + (size_t)c * net->pg.hp2 + o;
    *id = net->idx[at];
    if (*id == NO_GRAD)
        return 0.0f;
    return train ? net->dh[at] * (mc ? mc[o] : scale) : net->dh[at];
}

static inline float hsum(const v8f *v) {
    const v8f a = *v;
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

/* im2col path: dz (kc, ncol) = the pooled gradient routed to each window's maximum (pool-major
 * columns: one select per window position); adds the bias gradient to db2. */
NN_HOT static void unpool(const nn_net *net, int n, int train, const int *kept, int kc, float *dz,
                          float *db2) {
    const int PP = net->P * net->P, hp2 = net->pg.hp2, ncol = net->pg.ncol;
    for (int j = 0; j < kc; j++) {
        const int c = kept[j];
        float *dzc = dz + (size_t)j * ncol;
        v8f acc = {0};
        float tail = 0.0f;
        int o = 0;
        for (; o + 8 <= hp2; o += 8) {
            v8si id = {0};
            v8f g;
            pooled_grad8(&g, net, n, c, o, train, &id);
            acc += g;
            for (int q = 0; q < PP; q++) {
                const v8f out = (v8f)((v8si)g & (id == q));
                st8(dzc + (size_t)q * hp2 + o, &out);
            }
        }
        for (; o < hp2; o++) {
            int id;
            const float g = pooled_grad1(net, n, c, o, train, &id);
            tail += g;
            for (int q = 0; q < PP; q++)
                dzc[(size_t)q * hp2 + o] = id == q ? g : 0.0f;
        }
        db2[c] += hsum(&acc) + tail;
    }
}

/* Winograd path: dM (16, kc, 144) = A dY A^T per tile, where dY holds one value g at the
 * window's maximum (dy, dx): dM[i][k] = g A^T[dy][i] A^T[dx][k], all factors 0 or +-1. */
NN_HOT static void wino_unpool(const nn_net *net, int n, int train, const int *kept, int kc,
                               float *dM, float *db2) {
    const int T = net->pg.hp2;
    const size_t plane = (size_t)kc * T;
    const v8f one = (v8f){0} + 1.0f;
    for (int j = 0; j < kc; j++) {
        const int c = kept[j];
        float *dj = dM + (size_t)j * T;
        v8f acc = {0};
        for (int o = 0; o < T; o += 8) {
            v8si id = {0};
            v8f g;
            pooled_grad8(&g, net, n, c, o, train, &id);
            acc += g;
            const v8f dy = __builtin_convertvector((id >> 1) & 1, v8f);
            const v8f dx = __builtin_convertvector(id & 1, v8f);
            /* A^T rows: (1, 1, 1, 0) for 0 and (0, 1, -1, -1) for 1 */
            const v8f a[4] = {one - dy, one, one - dy - dy, -dy};
            const v8f b[4] = {one - dx, one, one - dx - dx, -dx};
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                const v8f ga = g * a[i];
#pragma GCC unroll 4
                for (int k = 0; k < 4; k++) {
                    const v8f v = ga * b[k];
                    st8(dj + (i * 4 + k) * plane + o, &v);
                }
            }
        }
        db2[c] += hsum(&acc);
    }
}

static void bwd_group(void *vctx, int unit, int thread) {
    const bwd_ctx *ctx = vctx;
    nn_net *net = ctx->net;
    scratch *s = &net->scr[thread];
    const int C1 = net->C1, C2 = net->C2, K2 = net->K2, nc = net->pg.ncol, T = net->pg.hp2;
    float *part = net->partial + (size_t)unit * net->plen;
    memset(part, 0, net->plen * sizeof(float));
    float *pw2 = part + poff_c2w(net), *pb2 = part + poff_c2b(net);
    const int n_end = (unit + 1) * GROUP < ctx->n ? (unit + 1) * GROUP : ctx->n;

    for (int n = unit * GROUP; n < n_end; n++) {
        const int kc = kept_channels(net, n, ctx->train, s->kept);
        if (kc == 0)
            continue; /* nothing reaches fc1 from this image: all its conv gradients are 0 */
        const float *a1 = net->a1 + (size_t)n * nn_pool_split_floats(&net->pg);
        if (net->wino) {
            float *dM = s->M;
            wino_unpool(net, n, ctx->train, s->kept, kc, dM, pb2);
            nn_wino_input(s->V, a1, &net->pg);
            /* dU_xi (kc, C1) = dM_xi (kc, 144) * V_xi^T (144, C1), into the partial's rows */
            for (int xi = 0; xi < 16; xi++)
                nn_gemm(0, 1, kc, C1, T, 1.0f, dM + (size_t)xi * kc * T, T,
                        s->V + (size_t)xi * C1 * T, T, 0.0f, s->dU + (size_t)xi * kc * C1, C1);
            for (int xi = 0; xi < 16; xi++)
                for (int j = 0; j < kc; j++) {
                    nn_add_to(pw2 + ((size_t)xi * C2 + s->kept[j]) * C1,
                              s->dU + ((size_t)xi * kc + j) * C1, (size_t)C1);
                }
            /* dV_xi (C1, 144) = U_xi^T (C1, kc) * dM_xi (kc, 144), then back to a1 */
            size_t up;
            const float *U = kept_wino_weights(net, s->kept, kc, s->Uk, &up);
            for (int xi = 0; xi < 16; xi++)
                nn_gemm(1, 0, C1, T, kc, 1.0f, U + xi * up, C1, dM + (size_t)xi * kc * T, T, 0.0f,
                        s->dV + (size_t)xi * C1 * T, T);
            nn_wino_input_backward(s->da1s, s->dV, &net->pg);
        } else {
            float *dz = s->z2; /* (kc, ncol) */
            unpool(net, n, ctx->train, s->kept, kc, dz, pb2);
            nn_im2col_pool(s->col, a1, &net->pg);
            /* dWk (kc, K2) = dz (kc, ncol) * col^T (ncol, K2) */
            nn_gemm(0, 1, kc, K2, nc, 1.0f, dz, nc, s->col, nc, 0.0f, s->dwk, K2);
            for (int j = 0; j < kc; j++) {
                nn_add_to(pw2 + (size_t)s->kept[j] * K2, s->dwk + (size_t)j * K2, (size_t)K2);
            }
            /* dcol (K2, ncol) = Wk^T (K2, kc) * dz (kc, ncol), then back to a1's layout */
            const float *w = kept_weights(net, s->kept, kc, s->wk);
            nn_gemm(1, 0, K2, nc, kc, 1.0f, w, K2, dz, nc, 0.0f, s->dcol, nc);
            nn_col2im_pool(s->da1s, s->dcol, &net->pg);
        }
        const float *x = net->x + (size_t)n * IMG_STRIDE;
        if (net->P == 2) {
            nn_conv1_backward_split2(part, part + poff_c1b(net), s->da1s, a1, x, C1);
        } else {
            nn_split_relu_to_plain(s->da1, s->da1s, a1, &net->pg);
            nn_conv3x3_c1_backward(part, part + poff_c1b(net), s->da1, x, C1, NN_NET_IN_H,
                                   NN_NET_IN_W);
        }
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
    const size_t i1 = i0 + REDUCE_BLOCK < net->plen ? i0 + REDUCE_BLOCK : net->plen;
    float *dst = net->gsum;
    memcpy(dst + i0, net->partial + i0, (i1 - i0) * sizeof(float));
    for (int gi = 1; gi < ctx->groups; gi++) {
        nn_add_to(dst + i0, net->partial + (size_t)gi * net->plen + i0, i1 - i0);
    }
}

static void wino_dweights_block(void *vctx, int unit, int thread) {
    nn_net *net = vctx;
    const int o0 = unit * WINO_W_BLOCK;
    const int o1 = o0 + WINO_W_BLOCK < net->C2 ? o0 + WINO_W_BLOCK : net->C2;
    nn_wino_weights_backward(net->params[P_C2W].grad, net->gsum + poff_c2w(net), net->C2, net->C1,
                             o0, o1);
}

/* The summed partials into the gradient block (Winograd's dU becomes dW = G^T dU G). */
static void finish_conv_grads(nn_net *net) {
    const size_t c1w = (size_t)net->C1 * 9;
    memcpy(net->params[P_C1W].grad, net->gsum, c1w * sizeof(float));
    memcpy(net->params[P_C1B].grad, net->gsum + poff_c1b(net), (size_t)net->C1 * sizeof(float));
    memcpy(net->params[P_C2B].grad, net->gsum + poff_c2b(net), (size_t)net->C2 * sizeof(float));
    if (net->wino)
        nn_parallel_for((net->C2 + WINO_W_BLOCK - 1) / WINO_W_BLOCK, wino_dweights_block, net);
    else
        memcpy(net->params[P_C2W].grad, net->gsum + poff_c2w(net), net->w2len * sizeof(float));
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
    nn_parallel_for((int)((net->plen + REDUCE_BLOCK - 1) / REDUCE_BLOCK), reduce_block, &rc);
    finish_conv_grads(net);
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
    prepare_weights(net);
    const int B = net->o.max_batch;
    double sum = 0.0;
    int64_t right = 0;
    for (int i0 = 0; i0 < n; i0 += B) {
        const int m = n - i0 < B ? n - i0 : B;
        for (int i = 0; i < m; i++)
            memcpy(net->x + (size_t)i * IMG_STRIDE, x + (size_t)(i0 + i) * IMG,
                   IMG * sizeof(float));
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
