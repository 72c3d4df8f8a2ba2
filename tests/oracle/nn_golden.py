#!/usr/bin/python3
"""Writes the golden values of the libnn engine tests (tests/golden/nn/*.gold) with PyTorch 1.13.

Run with Debian's python3 (python3-torch 1.13.1, built without MKL):
    /usr/bin/python3 tests/oracle/nn_golden.py [OUTDIR]
    /usr/bin/python3 tests/oracle/nn_golden.py --check   # regenerate in a temporary directory
                                                          # and compare with the committed files

Files (read by tests/unit/nn_core/golden.h):
    rng.gold         torch's CPU generator: random_(), uniform_, rand, bernoulli_, randperm
    layers.gold      every layer's forward and backward on small fixed inputs
    net_default.gold the tutorial's Net: seed-1 initial weights (hashes + values), forward,
                     loss (mean, sum) and every parameter gradient, in eval and train mode
                     (train mode with the dropout masks torch draws after manual_seed(1))
    net_small.gold   a small MNISTNetConf-configured Net, every gradient in full

Format: b"NNGOLD1\\n", u32 record count, then per record: u16 name length, name (UTF-8),
u8 dtype (0 float32, 1 int32, 2 int64, 3 uint8), u8 ndim, int64 shape[ndim], the data
(little-endian, row-major).
"""
import math
import os
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # Dropout2d on a 2-D input warns in 1.13; that is the point
torch.set_num_threads(1)

DTYPES = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.int64): 2,
          np.dtype(np.uint8): 3}


def write_gold(path, records):
    out = bytearray(b"NNGOLD1\n")
    out += struct.pack("<I", len(records))
    for name, arr in records:
        arr = np.ascontiguousarray(arr)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        nb = name.encode()
        out += struct.pack("<H", len(nb)) + nb
        out += struct.pack("<BB", DTYPES[arr.dtype], arr.ndim)
        out += struct.pack("<%dq" % arr.ndim, *arr.shape)
        out += arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)


def t2n(t):
    return t.detach().cpu().numpy().copy()


def fnv1a64(arr):
    """FNV-1a over the float32 bytes, as an int64 (the C test hashes the same way)."""
    h = 0xcbf29ce484222325
    for b in np.ascontiguousarray(arr, dtype=np.float32).tobytes():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return np.array([h - (1 << 64) if h >= (1 << 63) else h], dtype=np.int64)


# ---------------------------------------------------------------- rng

def gen_rng():
    r = []
    torch.manual_seed(1)
    r.append(("random_i64_seed1", np.array([torch.empty((), dtype=torch.int64).random_().item()
                                            for _ in range(700)], dtype=np.int64)))
    torch.manual_seed(42)
    r.append(("rand_f64_seed42", t2n(torch.rand(1500, dtype=torch.float64)).astype(np.float32)))
    # the f64 values exactly: as int64 bit patterns
    torch.manual_seed(42)
    r.append(("rand_f64_bits_seed42",
              t2n(torch.rand(1500, dtype=torch.float64)).view(np.int64).copy()))
    torch.manual_seed(7)
    r.append(("uniform_f32_seed7_m0.3_0.7", t2n(torch.empty(2000).uniform_(-0.3, 0.7))))
    torch.manual_seed(7)
    r.append(("rand_f32_seed7", t2n(torch.rand(2000))))
    torch.manual_seed(5)
    r.append(("bernoulli_seed5_p0.75", t2n(torch.empty(3000).bernoulli_(0.75)).astype(np.uint8)))
    g = torch.Generator()
    g.manual_seed(9)
    r.append(("randperm_seed9_n10000", t2n(torch.randperm(10000, generator=g)).astype(np.int32)))
    g.manual_seed(9)
    p = torch.randperm(60000, generator=g)
    r.append(("randperm_seed9_n60000_checksum",
              np.array([int((torch.arange(60000) * p).sum())], dtype=np.int64)))
    # a seed above 2^32: only its low 32 bits count
    torch.manual_seed((1 << 32) + 3)
    r.append(("random_i64_seed2p32p3", np.array([torch.empty((), dtype=torch.int64).random_()
                                                 .item() for _ in range(4)], dtype=np.int64)))
    return r


# ---------------------------------------------------------------- layers

def grad_of(fn, inputs, dout):
    for t in inputs:
        t.requires_grad_(True)
        t.grad = None
    out = fn(*inputs)
    out.backward(dout)
    return out, [t.grad for t in inputs]


def gen_layers():
    r = []
    g = torch.Generator()
    g.manual_seed(2024)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    # conv2d: three geometries (padded + strided, plain, pointwise)
    cases = [("conv_a", dict(n=2, c_in=3, h=7, w=6, c_out=4, k=3, stride=2, pad=1)),
             ("conv_b", dict(n=2, c_in=2, h=6, w=6, c_out=3, k=3, stride=1, pad=0)),
             ("conv_c", dict(n=1, c_in=3, h=4, w=5, c_out=2, k=1, stride=1, pad=0)),
             ("conv_d", dict(n=2, c_in=1, h=9, w=8, c_out=5, k=3, stride=1, pad=0))]
    for name, d in cases:
        x = randn(d["n"], d["c_in"], d["h"], d["w"])
        w = randn(d["c_out"], d["c_in"], d["k"], d["k"]) * 0.3
        b = randn(d["c_out"])
        out = F.conv2d(x, w, b, stride=d["stride"], padding=d["pad"])
        dout = randn(*out.shape)
        out, (dx, dw, db) = grad_of(
            lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=d["stride"], padding=d["pad"]),
            [x, w, b], dout)
        r += [(name + ".dims", np.array([d["n"], d["c_in"], d["h"], d["w"], d["c_out"], d["k"],
                                         d["stride"], d["pad"]], dtype=np.int32)),
              (name + ".x", t2n(x)), (name + ".w", t2n(w)), (name + ".b", t2n(b)),
              (name + ".out", t2n(out)), (name + ".dout", t2n(dout)), (name + ".dx", t2n(dx)),
              (name + ".dw", t2n(dw)), (name + ".db", t2n(db))]

    # linear
    x, w, b = randn(3, 5), randn(4, 5), randn(4)
    dout = randn(3, 4)
    out, (dx, dw, db) = grad_of(F.linear, [x, w, b], dout)
    r += [("linear.x", t2n(x)), ("linear.w", t2n(w)), ("linear.b", t2n(b)),
          ("linear.out", t2n(out)), ("linear.dout", t2n(dout)), ("linear.dx", t2n(dx)),
          ("linear.dw", t2n(dw)), ("linear.db", t2n(db))]

    # relu (with exact zeros in the input)
    x = randn(40)
    x[::7] = 0.0
    dout = randn(40)
    out, (dx,) = grad_of(F.relu, [x], dout)
    r += [("relu.x", t2n(x)), ("relu.out", t2n(out)), ("relu.dout", t2n(dout)),
          ("relu.dx", t2n(dx))]

    # max_pool2d: non-overlapping, overlapping, with ties
    for name, (n, c, h, w, k, s) in [("pool_a", (2, 3, 7, 6, 2, 2)),
                                     ("pool_b", (1, 2, 7, 7, 3, 2)),
                                     ("pool_c", (1, 1, 4, 4, 2, 2))]:
        x = randn(n, c, h, w)
        if name == "pool_c":
            x = torch.tensor([[1, 1, 0, 2], [1, 0, 2, 2], [3, 3, 5, 4], [3, 3, 4, 5.0]]).view(
                1, 1, 4, 4)
        out, idx = F.max_pool2d(x, k, s, return_indices=True)
        dout = randn(*out.shape)
        _, (dx,) = grad_of(lambda x_: F.max_pool2d(x_, k, s), [x], dout)
        r += [(name + ".dims", np.array([n, c, h, w, k, s], dtype=np.int32)),
              (name + ".x", t2n(x)), (name + ".out", t2n(out)),
              (name + ".idx", t2n(idx).astype(np.int32)), (name + ".dout", t2n(dout)),
              (name + ".dx", t2n(dx))]

    # log_softmax
    x = randn(4, 10) * 3
    dout = randn(4, 10)
    out, (dx,) = grad_of(lambda x_: F.log_softmax(x_, dim=1), [x], dout)
    r += [("logsoftmax.x", t2n(x)), ("logsoftmax.out", t2n(out)),
          ("logsoftmax.dout", t2n(dout)), ("logsoftmax.dx", t2n(dx))]

    # nll_loss, mean and sum
    lp = F.log_softmax(randn(5, 10), dim=1).detach()
    tgt = torch.tensor([3, 0, 9, 3, 7])
    r += [("nll.logp", t2n(lp)), ("nll.target", t2n(tgt).astype(np.int32))]
    for red in ("mean", "sum"):
        lpr = lp.clone().requires_grad_(True)
        loss = F.nll_loss(lpr, tgt, reduction=red)
        loss.backward()
        r += [("nll.loss_" + red, t2n(loss).reshape(1)), ("nll.dlogp_" + red, t2n(lpr.grad))]

    # dropout masks from the global generator: Dropout2d on 4-D and 2-D input, then Dropout
    torch.manual_seed(3)
    ones4 = torch.ones(4, 64, 3, 3)
    d2 = F.dropout2d(ones4, 0.25, True)
    d2_2d = F.dropout2d(torch.ones(4, 128), 0.5, True)
    d1 = F.dropout(torch.ones(3, 50), 0.3, True)
    r += [("dropout.seed3_2d_4d_p0.25", t2n(d2)), ("dropout.seed3_2d_2d_p0.5", t2n(d2_2d)),
          ("dropout.seed3_1d_p0.3", t2n(d1))]
    # backward multiplies by the same noise
    torch.manual_seed(11)
    x = randn(2, 3, 2, 2)
    dout = randn(2, 3, 2, 2)
    torch.manual_seed(11)
    out, (dx,) = grad_of(lambda x_: F.dropout2d(x_, 0.5, True), [x], dout)
    r += [("dropout.x", t2n(x)), ("dropout.out_seed11", t2n(out)), ("dropout.dout", t2n(dout)),
          ("dropout.dx_seed11", t2n(dx))]

    # ToTensor() + Normalize((0.1307,), (0.3081,)) on every uint8 value
    u8 = torch.arange(256, dtype=torch.uint8).view(1, 16, 16)
    f = u8.to(dtype=torch.float32).div(255)
    mean = torch.as_tensor((0.1307,), dtype=torch.float32).view(-1, 1, 1)
    std = torch.as_tensor((0.3081,), dtype=torch.float32).view(-1, 1, 1)
    r += [("normalize.all256", t2n(f.sub_(mean).div_(std)).reshape(256))]

    # default init of a Conv2d and a Linear, from seed 5
    torch.manual_seed(5)
    c = nn.Conv2d(3, 7, 3)
    lin = nn.Linear(33, 6)
    r += [("init.conv_w", t2n(c.weight)), ("init.conv_b", t2n(c.bias)),
          ("init.linear_w", t2n(lin.weight)), ("init.linear_b", t2n(lin.bias))]
    return r


# ---------------------------------------------------------------- nets

class Net(nn.Module):
    """hydra-torch's mnist_00.py Net, with MNISTNetConf's knobs (and plain Dropout optional)."""

    def __init__(self, c1=32, c2=64, pool=2, p1=0.25, p2=0.5, hidden=128, dropout1_2d=True):
        super().__init__()
        self.pool = pool
        hp = 24 // pool
        self.conv1 = nn.Conv2d(1, c1, 3, 1)
        self.conv2 = nn.Conv2d(c1, c2, 3, 1)
        self.dropout1 = nn.Dropout2d(p1) if dropout1_2d else nn.Dropout(p1)
        self.dropout2 = nn.Dropout2d(p2)
        self.fc1 = nn.Linear(c2 * hp * hp, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, self.pool)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


NAMES = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
         "fc2.weight", "fc2.bias"]
FC1_STRIDE = 97  # fc1.weight's gradient is kept as every 97th element plus its row sums


def batch(n, seed):
    """n uint8 images with strokes and noise, and labels, from their own generator."""
    g = torch.Generator()
    g.manual_seed(seed)
    img = torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    img[img < 160] = 0  # mostly background, as MNIST
    labels = torch.randint(0, 10, (n,), generator=g)
    x = img.to(torch.float32).div(255)
    x = (x - torch.tensor(0.1307)) / torch.tensor(0.3081)
    return img, x, labels


def grads_records(prefix, model, full_fc1):
    r = []
    for name, p in model.named_parameters():
        gr = t2n(p.grad)
        if name == "fc1.weight" and not full_fc1:
            r.append((prefix + name + ".sub97", gr.reshape(-1)[::FC1_STRIDE].copy()))
            r.append((prefix + name + ".rowsum",
                      gr.astype(np.float64).sum(axis=1).astype(np.float32)))
        else:
            r.append((prefix + name, gr))
    return r


def run_case(prefix, model, x, labels, train, reduction, full_fc1):
    model.train(train)
    model.zero_grad()
    out = model(x)
    loss = F.nll_loss(out, labels, reduction=reduction)
    loss.backward()
    return [(prefix + "logp", t2n(out)), (prefix + "loss", t2n(loss).reshape(1))] + \
        grads_records(prefix, model, full_fc1)


def gen_net_default():
    r = []
    img, x, labels = batch(6, 1234)
    r += [("images", t2n(img).astype(np.uint8)), ("labels", t2n(labels).astype(np.int32)),
          ("x", t2n(x))]
    torch.manual_seed(1)
    model = Net()
    for name, p in model.named_parameters():
        v = t2n(p)
        r.append(("init." + name + ".fnv1a", fnv1a64(v)))
        if name == "fc1.weight":
            r.append(("init." + name + ".sub97", v.reshape(-1)[::FC1_STRIDE].copy()))
        else:
            r.append(("init." + name, v))
    # eval mode (no dropout): mean and sum
    r += run_case("eval_mean.", model, x, labels, False, "mean", False)
    r += run_case("eval_sum.", model, x, labels, False, "sum", False)
    # train mode: the masks torch draws right after Net() from manual_seed(1)
    torch.manual_seed(1)
    model = Net()
    r += run_case("train_mean.", model, x, labels, True, "mean", False)
    # a second step's masks continue from the generator's state
    r += run_case("train2_sum.", model, x, labels, True, "sum", False)
    # plain Dropout after the pooling (pytorch/examples' variant)
    torch.manual_seed(1)
    model = Net(dropout1_2d=False)
    r += run_case("train_dropout.", model, x, labels, True, "mean", False)
    # evaluation helpers: a larger batch in eval mode, summed loss and correct count
    img8, x8, labels8 = batch(70, 99)
    model.eval()
    with torch.no_grad():
        out = model(x8)
        r += [("eval70.images", t2n(img8).astype(np.uint8)),
              ("eval70.labels", t2n(labels8).astype(np.int32)), ("eval70.logp", t2n(out)),
              ("eval70.loss_sum", np.array([F.nll_loss(out, labels8, reduction="sum").item()],
                                           dtype=np.float32)),
              ("eval70.correct", np.array([int((out.argmax(1) == labels8).sum())],
                                          dtype=np.int64))]
    return r


def gen_net_small():
    r = []
    img, x, labels = batch(5, 77)
    r += [("x", t2n(x)), ("labels", t2n(labels).astype(np.int32))]
    torch.manual_seed(123)
    model = Net(c1=4, c2=6, pool=3, p1=0.3, p2=0.4, hidden=16)
    r += [("init." + n, t2n(p)) for n, p in model.named_parameters()]
    r += run_case("train_sum.", model, x, labels, True, "sum", True)
    r += run_case("eval_mean.", model, x, labels, False, "mean", True)
    return r


GENERATORS = [("rng", gen_rng), ("layers", gen_layers), ("net_default", gen_net_default),
              ("net_small", gen_net_small)]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    committed = os.path.join(root, "golden", "nn")
    check = len(sys.argv) > 1 and sys.argv[1] == "--check"
    if check:
        import tempfile
        outdir = tempfile.mkdtemp(prefix="nn_golden.")
    else:
        outdir = sys.argv[1] if len(sys.argv) > 1 else committed
    os.makedirs(outdir, exist_ok=True)
    for name, fn in GENERATORS:
        recs = fn()
        write_gold(os.path.join(outdir, name + ".gold"), recs)
        print("wrote %s/%s.gold (%d records)" % (outdir, name, len(recs)))
    print("torch", torch.__version__, "mkl", torch.backends.mkl.is_available())
    if check:
        differ = []
        for name, _ in GENERATORS:
            with open(os.path.join(outdir, name + ".gold"), "rb") as a, \
                    open(os.path.join(committed, name + ".gold"), "rb") as b:
                if a.read() != b.read():
                    differ.append(name)
        print("identical to the committed files" if not differ else "DIFFER: " + ", ".join(differ))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
