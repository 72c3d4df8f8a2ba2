"""Checkpoints written by libnn, read by PyTorch 1.13 (torch.load, weights_only=True, the tutorial
Net's load_state_dict) and by a small numpy safetensors reader; the .pt bytes compared with what
torch.save writes for the same tensors; and libnn reading files that PyTorch and numpy wrote.

The C side is tests/unit/nn_io/test_checkpoint.c in its "write DIR" and "dump FILE" modes.

# ctest-labels: data;oracle
# ctest-timeout: 120
"""
import collections
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the oracle is optional; the C unit tests still run
    torch = None

NET_SHAPES = [
    ("conv1.weight", (32, 1, 3, 3)),
    ("conv1.bias", (32,)),
    ("conv2.weight", (64, 32, 3, 3)),
    ("conv2.bias", (64,)),
    ("fc1.weight", (128, 9216)),
    ("fc1.bias", (128,)),
    ("fc2.weight", (10, 128)),
    ("fc2.bias", (10,)),
]


def build_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("CYDRA_BUILD_DIR") or os.path.join(here, "..", "..", "build")


def c_program():
    path = os.path.join(build_dir(), "tests", "test_checkpoint")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("%s is not built" % path)
    return path


def net_values(k, shape):
    """What test_checkpoint.c's net_value(k, i) gives, exactly (float32 arithmetic that is exact)."""
    n = int(np.prod(shape)) if shape else 1
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64(k * 40503)) & np.uint64(0xFFFFFFFF)
    v = (h >> np.uint64(8)).astype(np.float32) / np.float32(16777216.0) - np.float32(0.5)
    return v.reshape(shape)


def read_safetensors(path):
    """A minimal safetensors reader: header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype="<f4").reshape(info["shape"])
    return n, header, out


def write_safetensors(path, tensors):
    """The layout the reference writer produces: tensors sorted by name, no metadata."""
    header, offset, chunks = {}, 0, []
    for name in sorted(tensors):
        a = np.array(tensors[name], dtype="<f4", order="C")  # keeps 0-d arrays 0-d
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        chunks.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


if torch is not None:
    class Net(nn.Module):
        """The tutorial's model (pytorch/examples mnist, as in hydra-torch's mnist_00.py)."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
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
            return F.log_softmax(self.fc2(x), dim=1)


class CheckpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prog = c_program()
        cls.tmp = tempfile.mkdtemp(prefix="nn_ckpt_py_")
        r = subprocess.run([cls.prog, "write", cls.tmp], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("test_checkpoint write failed: " + r.stderr)
        cls.pt = os.path.join(cls.tmp, "net.pt")
        cls.st = os.path.join(cls.tmp, "net.safetensors")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def expected(self):
        return collections.OrderedDict(
            (name, net_values(k, shape)) for k, (name, shape) in enumerate(NET_SHAPES))

    def dump(self, path):
        r = subprocess.run([self.prog, "dump", path], capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    # --- safetensors, read with numpy -----------------------------------------------------------

    def test_safetensors_with_numpy(self):
        n, header, tensors = read_safetensors(self.st)
        self.assertEqual(n % 8, 0)
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertEqual(list(tensors), [name for name, _ in NET_SHAPES])
        end = 0
        for name, want in self.expected().items():
            self.assertEqual(header[name]["data_offsets"][0], end)  # contiguous, no holes
            end = header[name]["data_offsets"][1]
            np.testing.assert_array_equal(tensors[name], want, err_msg=name)
        self.assertEqual(os.path.getsize(self.st), 8 + n + end)

    def test_reads_numpy_written_safetensors(self):
        path = os.path.join(self.tmp, "np.safetensors")
        tensors = {"z.weight": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
                   "a.bias": np.array([1e-30, -7.0], dtype=np.float32),
                   "scalar": np.array(3.25, dtype=np.float32)}
        write_safetensors(path, tensors)
        rc, out, err = self.dump(path)
        self.assertEqual(rc, 0, err)
        lines = out.strip().splitlines()
        want = []
        for name in sorted(tensors):
            a = tensors[name]
            crc = zlib.crc32(a.astype("<f4").tobytes())
            want.append(" ".join([name, str(a.ndim)] + [str(s) for s in a.shape] + ["%08x" % crc]))
        self.assertEqual(lines, want)

    # --- .pt, read with torch --------------------------------------------------------------------

    def need_torch(self):
        if torch is None:
            self.skipTest("python3-torch is not installed")

    def check_state_dict(self, sd):
        self.assertIsInstance(sd, collections.OrderedDict)
        self.assertEqual(list(sd), [name for name, _ in NET_SHAPES])
        for name, want in self.expected().items():
            t = sd[name]
            self.assertEqual(t.dtype, torch.float32)
            self.assertEqual(tuple(t.shape), want.shape)
            self.assertTrue(t.is_contiguous())
            self.assertFalse(t.requires_grad)
            np.testing.assert_array_equal(t.numpy(), want, err_msg=name)

    def test_torch_load(self):
        self.need_torch()
        self.check_state_dict(torch.load(self.pt))

    def test_torch_load_weights_only(self):
        self.need_torch()
        self.check_state_dict(torch.load(self.pt, weights_only=True))

    def test_load_state_dict_into_the_tutorial_net(self):
        self.need_torch()
        model = Net()
        result = model.load_state_dict(torch.load(self.pt))
        self.assertEqual(list(result.missing_keys), [])
        self.assertEqual(list(result.unexpected_keys), [])
        for name, want in self.expected().items():
            np.testing.assert_array_equal(model.state_dict()[name].numpy(), want)
        model.eval()
        with torch.no_grad():
            out = model(torch.zeros(2, 1, 28, 28))
        self.assertEqual(tuple(out.shape), (2, 10))
        # and the safetensors copy gives the same model
        _, _, tensors = read_safetensors(self.st)
        other = Net()
        other.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
        for k, v in model.state_dict().items():
            self.assertTrue(torch.equal(v, other.state_dict()[k]), k)

    def test_same_bytes_as_torch_save(self):
        """torch.save of the same OrderedDict, to a file of the same base name, is identical."""
        self.need_torch()
        sd = collections.OrderedDict(
            (k, torch.from_numpy(v.copy())) for k, v in self.expected().items())
        other = os.path.join(self.tmp, "torch")
        os.makedirs(other, exist_ok=True)
        path = os.path.join(other, "net.pt")
        torch.save(sd, path)
        with open(path, "rb") as f:
            theirs = f.read()
        with open(self.pt, "rb") as f:
            ours = f.read()
        self.assertEqual(len(ours), len(theirs))
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
        self.assertIsNone(first, "first differing byte: %s" % first)

    def test_reads_what_pytorch_writes(self):
        """A real model's state_dict (with _metadata) saved by torch, read by libnn."""
        self.need_torch()
        torch.manual_seed(3)
        model = Net()
        path = os.path.join(self.tmp, "from_torch.pt")
        torch.save(model.state_dict(), path)
        rc, out, err = self.dump(path)
        self.assertEqual(rc, 0, err)
        want = []
        for name, t in model.state_dict().items():
            crc = zlib.crc32(t.contiguous().numpy().astype("<f4").tobytes())
            want.append(" ".join([name, str(t.dim())] + [str(s) for s in t.shape]
                                 + ["%08x" % crc]))
        self.assertEqual(out.strip().splitlines(), want)

    def test_rejects_a_whole_pickled_model(self):
        self.need_torch()
        path = os.path.join(self.tmp, "model.pt")
        torch.save(Net(), path)  # the module object, not its state_dict
        rc, out, err = self.dump(path)
        self.assertEqual(rc, 1)
        self.assertIn(path, err)
        self.assertIn("only a state_dict of tensors can be read", err)


if __name__ == "__main__":
    unittest.main()
