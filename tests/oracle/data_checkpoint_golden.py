#!/usr/bin/python3
"""Writes the checkpoint golden files (tests/golden/data/) with torch 1.13's torch.save.

    /usr/bin/python3 tests/oracle/data_checkpoint_golden.py [OUTDIR]

ckpt_twin.pt          torch.save of an OrderedDict of 12 contiguous float32 tensors whose values
                      follow golden_value(t, i) below; our writer must produce the same bytes when
                      it saves the same tensors to a file with the same base name ("ckpt_twin").
ckpt_statedict.pt     torch.save(module.state_dict()) as PyTorch users write it: _metadata attached,
                      plus tensors that are views (transposed strides, a storage offset, two tensors
                      sharing one storage); ckpt_statedict.txt lists each tensor's name, shape and
                      float32 bit patterns for the reader test.
ckpt_double.pt        a state_dict holding a float64 tensor, which the reader must refuse clearly.
"""
import collections
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "golden", "data")

# (name, shape) of the twin checkpoint: 12 tensors so that storage keys sort as strings
# ("0", "1", "10", "11", "2", ...), with 0-d, 1-d, 4-d and >255-element tensors.
TWIN = [
    ("conv1.weight", (4, 1, 3, 3)),
    ("conv1.bias", (4,)),
    ("scalar", ()),
    ("fc.weight", (3, 300)),
    ("fc.bias", (3,)),
    ("a", (1,)),
    ("b", (2, 2)),
    ("c", (0, 70000)),  # no data, but ints above 0xffff in the pickle
    ("d", (1, 1, 1, 1)),
    ("e", (5,)),
    ("f", (2, 3)),
    ("g", (7,)),
]


def golden_value(t, i):
    """Exactly representable in float32, computed the same way by the C test."""
    return float((i % 97) - 48) * 0.125 + t


def twin():
    sd = collections.OrderedDict()
    for t, (name, shape) in enumerate(TWIN):
        n = 1
        for s in shape:
            n *= s
        vals = torch.tensor([golden_value(t, i) for i in range(n)], dtype=torch.float32)
        sd[name] = vals.reshape(shape)
    torch.save(sd, os.path.join(OUT, "ckpt_twin.pt"))


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 2, 3)
        self.fc1 = torch.nn.Linear(4, 3)


def statedict():
    torch.manual_seed(0)
    m = Small()
    sd = m.state_dict()  # carries _metadata
    base = torch.arange(12, dtype=torch.float32) * 0.5 - 1.0
    sd["view.transposed"] = base[:6].reshape(2, 3).t()  # strides (1, 3)
    sd["view.offset"] = base[5:9]  # storage offset 5
    sd["view.shared"] = base.reshape(3, 4)  # shares the storage of the two above
    torch.save(sd, os.path.join(OUT, "ckpt_statedict.pt"))
    lines = ["# name ndim shape... then float32 bit patterns in row-major order"]
    for name, t in sd.items():
        vals = t.contiguous().reshape(-1).tolist()
        bits = [f"{struct.unpack('<I', struct.pack('<f', v))[0]:08x}" for v in vals]
        shape = " ".join(str(s) for s in t.shape)
        lines.append(f"tensor {name} {t.dim()} {shape}".rstrip())
        lines.append("values " + " ".join(bits))
    with open(os.path.join(OUT, "ckpt_statedict.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def double():
    sd = collections.OrderedDict()
    sd["w"] = torch.ones(2, dtype=torch.float64)
    torch.save(sd, os.path.join(OUT, "ckpt_double.pt"))


def main():
    os.makedirs(OUT, exist_ok=True)
    twin()
    statedict()
    double()


if __name__ == "__main__":
    main()
