#!/usr/bin/python3
"""Writes the golden files of the data module (tests/golden/data/) from torch 1.13.

    /usr/bin/python3 tests/oracle/data_golden.py [OUTDIR]

normalize_lut.txt  the 256 float32 values torchvision's ToTensor() + Normalize((0.1307,), (0.3081,))
                   gives a uint8 pixel, as bit patterns (torchvision's math, done with torch ops:
                   byte tensor .to(float32).div(255), then .sub_(mean).div_(std) with float32 mean
                   and std tensors, as Normalize does).
loader_order.txt   batches of torch.utils.data.DataLoader over range(n) for several settings,
                   after torch.manual_seed(seed), and the int64 random_() draw that follows them
                   (which shows how many draws the loader consumed from the global generator).
randperm.txt       torch.randperm(n) after torch.manual_seed(seed).

Oracle only: the C tests read the committed files; tests/py/test_mnist_data.py re-runs this
script and compares when torch is installed.
"""
import hashlib
import os
import struct
import sys

import torch
from torch.utils.data import DataLoader

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "golden", "data")


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def normalize_lut():
    pix = torch.arange(256, dtype=torch.int64).to(torch.uint8)
    v = pix.to(dtype=torch.float32).div(255)  # ToTensor on a ByteTensor
    mean = torch.as_tensor((0.1307,), dtype=torch.float32)
    std = torch.as_tensor((0.3081,), dtype=torch.float32)
    v = v.sub_(mean).div_(std)  # Normalize
    lines = ["# pixel float32_bits value  (torchvision ToTensor + Normalize((0.1307,), (0.3081,)))"]
    for p in range(256):
        val = float(v[p])
        lines.append(f"{p} {f32_bits(val):08x} {val:.9g}")
    return "\n".join(lines) + "\n"


def order_md5(order):
    return hashlib.md5(struct.pack(f"<{len(order)}q", *order)).hexdigest()


def loader_cases():
    cases = [
        # seed, n, batch_size, shuffle, drop_last, epochs
        (1, 10, 4, True, False, 2),
        (1, 10, 4, True, True, 2),
        (1, 10, 4, False, False, 3),
        (7, 1, 3, True, False, 2),
        (0, 100, 64, False, True, 2),
        (42, 257, 32, True, False, 3),
        (1, 60000, 64, True, False, 2),
        (1, 60000, 64, False, False, 2),
        (1, 10000, 1000, False, False, 1),
    ]
    lines = [
        "# case seed n batch_size shuffle drop_last epochs",
        "# per epoch: epoch K NBATCHES LAST_SIZE ORDER_MD5 (md5 of the visited indices as int64 LE)",
        "#            then, when n <= 300, one 'batch i0 i1 ...' line per batch",
        "# next V: torch.empty((), dtype=torch.int64).random_() after the epochs",
    ]
    for seed, n, bs, shuffle, drop_last, epochs in cases:
        torch.manual_seed(seed)
        loader = DataLoader(range(n), batch_size=bs, shuffle=shuffle, drop_last=drop_last)
        lines.append(f"case {seed} {n} {bs} {int(shuffle)} {int(drop_last)} {epochs}")
        for e in range(epochs):
            batches = [b.tolist() for b in loader]
            order = [i for b in batches for i in b]
            last = len(batches[-1]) if batches else 0
            lines.append(f"epoch {e} {len(batches)} {last} {order_md5(order)}")
            if n <= 300:
                for b in batches:
                    lines.append("batch " + " ".join(str(i) for i in b))
        nxt = torch.empty((), dtype=torch.int64).random_().item()
        lines.append(f"next {nxt}")
    return "\n".join(lines) + "\n"


def randperm_cases():
    lines = ["# perm seed n ORDER_MD5 then the first (up to 20) values"]
    for seed, n in [(0, 1), (0, 2), (0, 10), (1, 10), (123, 1000), (1, 60000), (2**40 + 5, 50)]:
        torch.manual_seed(seed)
        p = torch.randperm(n).tolist()
        lines.append(f"perm {seed} {n} {order_md5(p)} " + " ".join(str(i) for i in p[:20]))
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in [
        ("normalize_lut.txt", normalize_lut()),
        ("loader_order.txt", loader_cases()),
        ("randperm.txt", randperm_cases()),
    ]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
