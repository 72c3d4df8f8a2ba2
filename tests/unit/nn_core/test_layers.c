/*
 * test_layers.c - every layer of nn/layers.h against torch 1.13 (golden/nn/layers.gold).
 *
 * Tolerances: values here are O(1) sums of at most 27 products, so float32 results agree with
 * PyTorch's to a few ulps; we allow atol 2e-5 + rtol 1e-5. Masks, indices, initial weights and
 * the normalisation are compared bit for bit.
 */
#include "harness.h"

#include "golden.h"
#include "nn/error.h"
#include "nn/layers.h"

#define ATOL 2e-5
#define RTOL 1e-5

static gold_file G;

static void conv_case(const char *name) {
    char key[64];
#define K(suffix) (snprintf(key, sizeof key, "%s.%s", name, suffix), key)
    const int32_t *dm = gold_i32(&G, K("dims"), NULL);
    if (!dm)
        return;
    nn_conv2d_dims d = {.n = dm[0],
                        .c_in = dm[1],
                        .h_in = dm[2],
                        .w_in = dm[3],
                        .c_out = dm[4],
                        .k = dm[5],
                        .stride = dm[6],
                        .pad = dm[7]};
    size_t nx, nw, nout, ndw, ndb;
    const float *x = gold_f32(&G, K("x"), &nx);
    const float *w = gold_f32(&G, K("w"), &nw);
    const float *b = gold_f32(&G, K("b"), NULL);
    const float *out = gold_f32(&G, K("out"), &nout);
    const float *dout = gold_f32(&G, K("dout"), NULL);
    const float *dx = gold_f32(&G, K("dx"), NULL);
    const float *dw = gold_f32(&G, K("dw"), &ndw);
    const float *db = gold_f32(&G, K("db"), &ndb);
    int ho, wo;
    CHECK_EQ_INT(nn_conv2d_out_hw(&ho, &wo, &d), NN_OK);
    CHECK_EQ_INT((size_t)d.n * d.c_out * ho * wo, nout);
    float *scratch = malloc(2 * nn_conv2d_scratch_floats(&d) * sizeof(float) + 4);
    float *y = malloc(nout * sizeof(float));
    CHECK_EQ_INT(nn_conv2d_forward(y, x, w, b, &d, scratch), NN_OK);
    check_close(y, out, nout, ATOL, RTOL, K("out"));
    float *gx = malloc(nx * sizeof(float));
    float *gw = calloc(ndw, sizeof(float));
    float *gb = calloc(ndb, sizeof(float));
    CHECK_EQ_INT(nn_conv2d_backward(gx, gw, gb, dout, x, w, &d, scratch), NN_OK);
    check_close(gx, dx, nx, ATOL, RTOL, K("dx"));
    check_close(gw, dw, ndw, ATOL, RTOL, K("dw"));
    check_close(gb, db, ndb, ATOL, RTOL, K("db"));
    /* a second backward accumulates the weight gradients; din is overwritten */
    CHECK_EQ_INT(nn_conv2d_backward(gx, gw, NULL, dout, x, w, &d, scratch), NN_OK);
    for (size_t i = 0; i < ndw; i++)
        gw[i] *= 0.5f;
    check_close(gw, dw, ndw, ATOL, RTOL, K("dw accumulated"));
    check_close(gx, dx, nx, ATOL, RTOL, K("dx again"));
    /* without din, one im2col buffer is enough */
    memset(gw, 0, ndw * sizeof(float));
    CHECK_EQ_INT(nn_conv2d_backward(NULL, gw, NULL, dout, x, w, &d, scratch), NN_OK);
    check_close(gw, dw, ndw, ATOL, RTOL, K("dw without dx"));
    free(scratch);
    free(y);
    free(gx);
    free(gw);
    free(gb);
#undef K
}

static void test_conv2d(void) {
    conv_case("conv_a"); /* stride 2, padding 1 */
    conv_case("conv_b"); /* plain 3x3 */
    conv_case("conv_c"); /* 1x1 */
    conv_case("conv_d"); /* one input channel, as conv1 */
}

static void test_conv2d_errors(void) {
    nn_conv2d_dims d = {.n = 1, .c_in = 1, .h_in = 2, .w_in = 5, .c_out = 1, .k = 3, .stride = 1};
    int ho, wo;
    float buf[16] = {0};
    CHECK_EQ_INT(nn_conv2d_out_hw(&ho, &wo, &d), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "does not fit") != NULL);
    CHECK_EQ_INT(nn_conv2d_forward(buf, buf, buf, NULL, &d, buf), NN_EINVAL);
    CHECK_EQ_INT(nn_conv2d_scratch_floats(&d), 0);
    d.h_in = 5;
    d.stride = 0;
    CHECK_EQ_INT(nn_conv2d_backward(buf, buf, buf, buf, buf, buf, &d, buf), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "stride=0") != NULL);
    d.stride = 1;
    d.c_out = 0;
    CHECK_EQ_INT(nn_conv2d_out_hw(&ho, &wo, &d), NN_EINVAL);
    d.c_out = 1;
    d.pad = 1;
    CHECK_EQ_INT(nn_conv2d_out_hw(&ho, &wo, &d), NN_OK);
    CHECK_EQ_INT(ho, 5);
    CHECK_EQ_INT(wo, 5);
}

static void test_linear(void) {
    size_t nx, nw, nb, nout;
    const float *x = gold_f32(&G, "linear.x", &nx);
    const float *w = gold_f32(&G, "linear.w", &nw);
    const float *b = gold_f32(&G, "linear.b", &nb);
    const float *out = gold_f32(&G, "linear.out", &nout);
    const float *dout = gold_f32(&G, "linear.dout", NULL);
    float y[12], gx[15], gw[20] = {0}, gb[4] = {0};
    CHECK_EQ_INT(nx, 15);
    CHECK_EQ_INT(nout, 12);
    nn_linear_forward(y, x, w, b, 3, 5, 4);
    check_close(y, out, 12, ATOL, RTOL, "linear.out");
    nn_linear_backward(gx, gw, gb, dout, x, w, 3, 5, 4);
    check_close(gx, gold_f32(&G, "linear.dx", NULL), 15, ATOL, RTOL, "linear.dx");
    check_close(gw, gold_f32(&G, "linear.dw", NULL), 20, ATOL, RTOL, "linear.dw");
    check_close(gb, gold_f32(&G, "linear.db", NULL), 4, ATOL, RTOL, "linear.db");
    /* no bias, no din */
    nn_linear_forward(y, x, w, NULL, 3, 5, 4);
    for (int i = 0; i < 12; i++)
        CHECK_CLOSE(y[i] + b[i % 4], out[i], ATOL, RTOL);
    nn_linear_backward(NULL, gw, NULL, dout, x, w, 3, 5, 4);
    for (int i = 0; i < 20; i++)
        CHECK_CLOSE(gw[i], 2 * gold_f32(&G, "linear.dw", NULL)[i], ATOL, RTOL);
}

static void test_relu(void) {
    size_t n;
    const float *x = gold_f32(&G, "relu.x", &n);
    float y[40], gx[40];
    CHECK_EQ_INT(n, 40);
    nn_relu_forward(y, x, n);
    CHECK(memcmp(y, gold_f32(&G, "relu.out", NULL), sizeof y) == 0);
    nn_relu_backward(gx, gold_f32(&G, "relu.dout", NULL), y, n);
    CHECK(memcmp(gx, gold_f32(&G, "relu.dx", NULL), sizeof gx) == 0); /* 0 at x == 0, as torch */
    memcpy(y, x, sizeof y);
    nn_relu_forward(y, y, n); /* in place */
    CHECK(memcmp(y, gold_f32(&G, "relu.out", NULL), sizeof y) == 0);
    float nan_in = NAN, nan_out;
    nn_relu_forward(&nan_out, &nan_in, 1);
    CHECK(isnan(nan_out));
}

static void pool_case(const char *name) {
    char key[64];
#define K(suffix) (snprintf(key, sizeof key, "%s.%s", name, suffix), key)
    const int32_t *dm = gold_i32(&G, K("dims"), NULL);
    if (!dm)
        return;
    nn_pool2d_dims d = {
        .n = dm[0], .c = dm[1], .h_in = dm[2], .w_in = dm[3], .k = dm[4], .stride = dm[5]};
    size_t nx, nout;
    const float *x = gold_f32(&G, K("x"), &nx);
    const float *out = gold_f32(&G, K("out"), &nout);
    const int32_t *idx = gold_i32(&G, K("idx"), NULL);
    float *y = malloc(nout * sizeof(float)), *gx = malloc(nx * sizeof(float));
    int32_t *id = malloc(nout * sizeof(int32_t));
    CHECK_EQ_INT(nn_maxpool2d_forward(y, id, x, &d), NN_OK);
    CHECK(memcmp(y, out, nout * sizeof(float)) == 0);
    CHECK(memcmp(id, idx, nout * sizeof(int32_t)) == 0);
    CHECK_EQ_INT(nn_maxpool2d_backward(gx, gold_f32(&G, K("dout"), NULL), id, &d), NN_OK);
    check_close(gx, gold_f32(&G, K("dx"), NULL), nx, ATOL, RTOL, K("dx"));
    free(y);
    free(gx);
    free(id);
#undef K
}

static void test_maxpool2d(void) {
    pool_case("pool_a"); /* 2x2 stride 2 on 7x6: the last row is dropped (floor mode) */
    pool_case("pool_b"); /* 3x3 stride 2: overlapping windows add their gradients */
    pool_case("pool_c"); /* ties: the first maximum in scan order */
    nn_pool2d_dims d = {.n = 1, .c = 1, .h_in = 1, .w_in = 4, .k = 2, .stride = 2};
    float buf[4] = {0};
    int32_t ib[4];
    CHECK_EQ_INT(nn_maxpool2d_forward(buf, ib, buf, &d), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "does not fit") != NULL);
    d.h_in = 2;
    d.stride = -1;
    CHECK_EQ_INT(nn_maxpool2d_backward(buf, buf, ib, &d), NN_EINVAL);
    /* NaN wins, the last NaN of the window */
    float nx[4] = {1.0f, NAN, 5.0f, NAN}, ny;
    int32_t ni;
    d = (nn_pool2d_dims){.n = 1, .c = 1, .h_in = 2, .w_in = 2, .k = 2, .stride = 2};
    CHECK_EQ_INT(nn_maxpool2d_forward(&ny, &ni, nx, &d), NN_OK);
    CHECK(isnan(ny));
    CHECK_EQ_INT(ni, 3);
}

static void test_log_softmax(void) {
    size_t n;
    const float *x = gold_f32(&G, "logsoftmax.x", &n);
    float y[40], gx[40];
    CHECK_EQ_INT(n, 40);
    nn_log_softmax_forward(y, x, 4, 10);
    check_close(y, gold_f32(&G, "logsoftmax.out", NULL), 40, 1e-6, 1e-6, "logsoftmax.out");
    nn_log_softmax_backward(gx, gold_f32(&G, "logsoftmax.dout", NULL), y, 4, 10);
    check_close(gx, gold_f32(&G, "logsoftmax.dx", NULL), 40, 1e-6, 1e-5, "logsoftmax.dx");
    /* large logits do not overflow */
    float big[3] = {1000.0f, 1001.0f, 999.0f}, lb[3];
    nn_log_softmax_forward(lb, big, 1, 3);
    CHECK_CLOSE(lb[1], -0.40760596, 1e-6, 1e-6);
}

static void test_nll_loss(void) {
    const float *lp = gold_f32(&G, "nll.logp", NULL);
    const int32_t *t = gold_i32(&G, "nll.target", NULL);
    float loss, d[50];
    CHECK_EQ_INT(nn_nll_loss_forward(&loss, lp, t, 5, 10, NN_REDUCTION_MEAN), NN_OK);
    CHECK_CLOSE(loss, gold_f32(&G, "nll.loss_mean", NULL)[0], 1e-6, 1e-6);
    CHECK_EQ_INT(nn_nll_loss_backward(d, t, 5, 10, NN_REDUCTION_MEAN, 1.0f), NN_OK);
    CHECK(memcmp(d, gold_f32(&G, "nll.dlogp_mean", NULL), sizeof d) == 0);
    CHECK_EQ_INT(nn_nll_loss_forward(&loss, lp, t, 5, 10, NN_REDUCTION_SUM), NN_OK);
    CHECK_CLOSE(loss, gold_f32(&G, "nll.loss_sum", NULL)[0], 1e-6, 1e-6);
    CHECK_EQ_INT(nn_nll_loss_backward(d, t, 5, 10, NN_REDUCTION_SUM, 1.0f), NN_OK);
    CHECK(memcmp(d, gold_f32(&G, "nll.dlogp_sum", NULL), sizeof d) == 0);
    int32_t badt[5] = {3, 0, 10, 3, 7};
    CHECK_EQ_INT(nn_nll_loss_forward(&loss, lp, badt, 5, 10, NN_REDUCTION_MEAN), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "target 10 of row 2") != NULL);
    badt[2] = -1;
    CHECK_EQ_INT(nn_nll_loss_backward(d, badt, 5, 10, NN_REDUCTION_SUM, 1.0f), NN_EINVAL);
}

static void test_dropout_masks_match_torch(void) {
    nn_rng r;
    nn_rng_seed(&r, 3); /* torch.manual_seed(3), then three dropout calls */
    float ones[4 * 64 * 9], out[4 * 64 * 9], mask[4 * 64 * 9];
    for (int i = 0; i < 4 * 64 * 9; i++)
        ones[i] = 1.0f;
    /* Dropout2d on (4, 64, 3, 3): whole channels */
    CHECK_EQ_INT(nn_dropout_forward(out, mask, ones, 4 * 64, 9, 0.25, 1, &r), NN_OK);
    CHECK(memcmp(out, gold_f32(&G, "dropout.seed3_2d_4d_p0.25", NULL), 4 * 64 * 9 * 4) == 0);
    /* Dropout2d on (4, 128): element-wise in torch 1.13 */
    CHECK_EQ_INT(nn_dropout_forward(out, mask, ones, 4 * 128, 1, 0.5, 1, &r), NN_OK);
    CHECK(memcmp(out, gold_f32(&G, "dropout.seed3_2d_2d_p0.5", NULL), 4 * 128 * 4) == 0);
    /* Dropout on (3, 50) */
    CHECK_EQ_INT(nn_dropout_forward(out, mask, ones, 150, 1, 0.3, 1, &r), NN_OK);
    CHECK(memcmp(out, gold_f32(&G, "dropout.seed3_1d_p0.3", NULL), 150 * 4) == 0);
}

static void test_dropout_backward_and_modes(void) {
    const float *x = gold_f32(&G, "dropout.x", NULL);
    const float *dout = gold_f32(&G, "dropout.dout", NULL);
    float y[24], m[6], gx[24];
    nn_rng r;
    nn_rng_seed(&r, 11);
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, 0.5, 1, &r), NN_OK);
    CHECK(memcmp(y, gold_f32(&G, "dropout.out_seed11", NULL), sizeof y) == 0);
    nn_dropout_backward(gx, dout, m, 6, 4);
    CHECK(memcmp(gx, gold_f32(&G, "dropout.dx_seed11", NULL), sizeof gx) == 0);
    /* eval mode, p = 0 and p = 1 draw nothing */
    nn_rng before = r;
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, 0.5, 0, &r), NN_OK);
    CHECK(memcmp(y, x, sizeof y) == 0);
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, 0.0, 1, &r), NN_OK);
    CHECK(memcmp(y, x, sizeof y) == 0);
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, 1.0, 1, &r), NN_OK);
    for (int i = 0; i < 24; i++)
        CHECK(y[i] == 0.0f);
    CHECK(memcmp(&before, &r, sizeof r) == 0);
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, 1.5, 1, &r), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "between 0 and 1") != NULL);
    CHECK_EQ_INT(nn_dropout_forward(y, m, x, 6, 4, NAN, 1, &r), NN_EINVAL);
}

static void test_flatten(void) {
    float buf[2 * 3 * 4 * 5];
    nn_tensor t = nn_tensor_view(buf, 4, (int64_t[]){2, 3, 4, 5});
    nn_tensor f = nn_flatten(t, 1);
    CHECK_EQ_INT(f.ndim, 2);
    CHECK_EQ_INT(f.shape[0], 2);
    CHECK_EQ_INT(f.shape[1], 60);
    CHECK_EQ_INT(f.numel, 120);
    CHECK(f.data == buf);
    nn_tensor all = nn_flatten(t, 0);
    CHECK_EQ_INT(all.ndim, 1);
    CHECK_EQ_INT(all.shape[0], 120);
    nn_tensor same = nn_flatten(t, 4);
    CHECK_EQ_INT(same.ndim, 4);
    CHECK_EQ_INT(same.shape[3], 5);
}

static void test_normalize_bit_exact(void) {
    uint8_t all[256];
    float out[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    nn_normalize_u8(out, all, 256, NN_MNIST_MEAN, NN_MNIST_STD);
    CHECK(memcmp(out, gold_f32(&G, "normalize.all256", NULL), sizeof out) == 0);
    /* the gather form: items 2, 0, 1 of three 4-byte items */
    uint8_t base[12] = {0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255};
    int64_t index[3] = {2, 0, 1};
    float g[12];
    nn_normalize_u8_gather(g, base, index, 3, 4, NN_MNIST_MEAN, NN_MNIST_STD);
    CHECK(memcmp(&g[0], &out[250], 3 * sizeof(float)) == 0);
    CHECK(memcmp(&g[3], &out[255], sizeof(float)) == 0);
    CHECK(memcmp(&g[4], &out[0], 4 * sizeof(float)) == 0);
    CHECK(memcmp(&g[8], &out[10], 4 * sizeof(float)) == 0);
}

static void test_default_init_bit_exact(void) {
    nn_rng r;
    nn_rng_seed(&r, 5); /* torch.manual_seed(5); nn.Conv2d(3, 7, 3); nn.Linear(33, 6) */
    float cw[7 * 27], cb[7], lw[6 * 33], lb[6];
    nn_init_kaiming_uniform(cw, 7 * 27, 27, &r);
    nn_init_bias_uniform(cb, 7, 27, &r);
    nn_init_kaiming_uniform(lw, 6 * 33, 33, &r);
    nn_init_bias_uniform(lb, 6, 33, &r);
    CHECK(memcmp(cw, gold_f32(&G, "init.conv_w", NULL), sizeof cw) == 0);
    CHECK(memcmp(cb, gold_f32(&G, "init.conv_b", NULL), sizeof cb) == 0);
    CHECK(memcmp(lw, gold_f32(&G, "init.linear_w", NULL), sizeof lw) == 0);
    CHECK(memcmp(lb, gold_f32(&G, "init.linear_b", NULL), sizeof lb) == 0);
    float z[3] = {1, 1, 1};
    nn_init_bias_uniform(z, 3, 0, &r); /* fan_in 0: a zero bound */
    CHECK(z[0] == 0.0f && z[2] == 0.0f);
}

int main(void) {
    if (!gold_load(&G, "golden/nn/layers.gold"))
        return harness_summary();
    RUN(test_conv2d);
    RUN(test_conv2d_errors);
    RUN(test_linear);
    RUN(test_relu);
    RUN(test_maxpool2d);
    RUN(test_log_softmax);
    RUN(test_nll_loss);
    RUN(test_dropout_masks_match_torch);
    RUN(test_dropout_backward_and_modes);
    RUN(test_flatten);
    RUN(test_normalize_bit_exact);
    RUN(test_default_init_bit_exact);
    gold_free(&G);
    return harness_summary();
}
