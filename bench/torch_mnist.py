#!/usr/bin/python3
"""PyTorch's side of bench/run.sh: the measurements bench_train_step makes, on torch 1.13.

    /usr/bin/python3 bench/torch_mnist.py [--threads N] [--steps N] [--data DIR]

The tutorial's Net (mnist_00.py) and Adadelta(lr=1.0) on batches of 64: gather + normalise +
zero_grad + forward + nll_loss + backward + step per training step; a forward pass of 1000
test images (eval, no_grad); a test pass of 10000 in batches of 1000; the peak RSS. The
batches come straight from uint8 tensors (no DataLoader), so torch is timed on its compute
alone. Prints key=value lines.
"""
import argparse
import os
import resource
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # Dropout2d on fc1's 2-D output warns in torch 1.13

FWD_FLOP = 23984896.0
TRAIN_FLOP = 71565312.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def read_idx(path, n, item):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    off = 16 if item > 1 else 8
    arr = np.frombuffer(data, dtype=np.uint8, offset=off)
    return arr.reshape(n, item) if arr.size == n * item else None


def synth(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    tmpl = np.zeros((10, 28, 28), np.uint8)
    for c in range(10):
        for _ in range(4):
            y, x = rng.integers(6, 22, 2)
            tmpl[c, y - 1:y + 2, x:x + 8] = 255
    img = tmpl[labels].reshape(n, 784).copy()
    noise = rng.integers(0, 16, img.shape) == 0
    img[noise] = rng.integers(0, 256, int(noise.sum()))
    return img, labels


def normalise(u8):
    x = u8.to(torch.float32).div_(255).view(-1, 1, 28, 28)
    return x.sub_(0.1307).div_(0.3081)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--data", default="data/MNIST/raw")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print("torch=%s\nthreads=%d" % (torch.__version__, torch.get_num_threads()))

    d = a.data
    tx = read_idx(os.path.join(d, "train-images-idx3-ubyte"), 60000, 784)
    ty = read_idx(os.path.join(d, "train-labels-idx1-ubyte"), 60000, 1)
    vx = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"), 10000, 784)
    vy = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte"), 10000, 1)
    real = all(v is not None for v in (tx, ty, vx, vy))
    if not real:
        tx, ty = synth(60000, 1)
        vx, vy = synth(10000, 2)
    tx, vx = torch.from_numpy(np.array(tx)), torch.from_numpy(np.array(vx))
    ty = torch.from_numpy(np.array(ty).reshape(-1).astype(np.int64))
    vy = torch.from_numpy(np.array(vy).reshape(-1).astype(np.int64))
    print("data=%s" % ("mnist" if real else "synthetic"))

    torch.manual_seed(1)
    model = Net()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    perm = torch.randperm(60000)
    model.train()
    warm, total = 5, a.steps
    t_sum, t_min, cpu0 = 0.0, 1e9, 0.0
    for s in range(warm + total):
        if s == warm:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        idx = perm[s * 64:(s + 1) * 64]
        x, y = normalise(tx[idx]), ty[idx]
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if s >= warm:
            t_sum += dt
            t_min = min(t_min, dt)
    step = t_sum / total
    step_cpu = (time.process_time() - cpu0) / total
    print("train_steps=%d\nstep_ms=%.2f\nstep_min_ms=%.2f\nstep_cpu_ms=%.2f\nstep_gflops=%.1f" %
          (total, step * 1e3, t_min * 1e3, step_cpu * 1e3, 64 * TRAIN_FLOP / step / 1e9))
    print("epoch_s_est=%.2f" % (step * 938))

    model.eval()
    with torch.no_grad():
        x = normalise(vx[:1000])
        model(x)
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t0)
        print("forward1000_s=%.4f\nforward_gflops=%.1f" % (best, 1000 * FWD_FLOP / best / 1e9))
        t0 = time.perf_counter()
        loss, correct = 0.0, 0
        for b in range(0, 10000, 1000):
            out = model(normalise(vx[b:b + 1000]))
            loss += F.nll_loss(out, vy[b:b + 1000], reduction="sum").item()
            correct += int((out.argmax(1) == vy[b:b + 1000]).sum())
        print("test_pass_s=%.3f\ntest_loss=%.4f\ntest_accuracy=%.4f" %
              (time.perf_counter() - t0, loss / 10000, correct / 10000))
    print("peak_rss_mb=%.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
