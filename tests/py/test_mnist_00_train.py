"""build/mnist_00 end to end on real MNIST: a subset (the first 6000 training and 1000 test
images, written as idx files into a temporary CYDRA_DATA_DIR) trained for one epoch; the log
lines on stdout and in the job's mnist_00.log, the job directory, the return value, both
checkpoint formats loaded by PyTorch into the tutorial's Net and scored on the same test images;
dry runs, seed reproducibility, thread-count independence, a sweep, and the error paths.

MNIST comes from data/MNIST/raw when it is there, else scripts/fetch-mnist.sh fetches it into a
cache ($CYDRA_TEST_MNIST_CACHE, default ~/.cache/cydra-test); the test is skipped, saying so,
only when that fails too.

# ctest-labels: app;data
# ctest-timeout: 600
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import warnings

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the oracle is optional; the checks without it still run
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CYDRA_SOURCE_DIR", os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("CYDRA_BUILD_DIR", os.path.join(SOURCE, "build"))
EXE = os.path.join(BUILD, "mnist_00")

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte"]
SIZES = [47040016, 60008, 7840016, 10008]
TRAIN_N, TEST_N = 6000, 1000

# "[time][logger][LEVEL] - message" (the job's logger) or "[time][HYDRA] message"
RECORD = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]\[([^\]]+)\]"
                    r"(?:\[([A-Z]+)\] - | )")
TRAIN = re.compile(r"^Train Epoch: (\d+) \[(\d+)/(\d+) \((\d+)%\)\]\tLoss: (\d+\.\d{6})$")
TEST = re.compile(r"^Test set: Average loss: (\d+\.\d{4}), Accuracy: (\d+)/(\d+) \((\d+)%\)$")


# ------------------------------------------------------------------------------------------------
# Data

def _valid_raw(raw):
    return all(os.path.isfile(os.path.join(raw, n)) and
               os.path.getsize(os.path.join(raw, n)) == s for n, s in zip(NAMES, SIZES))


_mnist_root = None


def mnist_root():
    """A directory holding the real MNIST/raw, fetching it into the cache when needed."""
    global _mnist_root
    if _mnist_root:
        return _mnist_root
    repo = os.path.join(SOURCE, "data")
    if _valid_raw(os.path.join(repo, "MNIST", "raw")):
        _mnist_root = repo
        return repo
    cache = os.environ.get("CYDRA_TEST_MNIST_CACHE",
                           os.path.join(os.path.expanduser("~"), ".cache", "cydra-test"))
    if not _valid_raw(os.path.join(cache, "MNIST", "raw")):
        os.makedirs(cache, exist_ok=True)
        env = dict(os.environ, BUILD=BUILD)
        p = subprocess.run(["bash", os.path.join(SOURCE, "scripts", "fetch-mnist.sh"), cache],
                           cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0 or not _valid_raw(os.path.join(cache, "MNIST", "raw")):
            raise unittest.SkipTest("MNIST is not in data/MNIST/raw and scripts/fetch-mnist.sh "
                                    "could not fetch it into %s:\n%s" % (cache, p.stderr[-2000:]))
    _mnist_root = cache
    return cache


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_idx(path):
    data = read_bytes(path)
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    with open(path, "wb") as f:
        f.write(head + arr.tobytes())


def write_subset(root, train_n=TRAIN_N, test_n=TEST_N):
    """The first train_n training and test_n test images of MNIST, as idx files in root."""
    src = os.path.join(mnist_root(), "MNIST", "raw")
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name, n in zip(NAMES, (train_n, train_n, test_n, test_n)):
        write_idx(os.path.join(raw, name), read_idx(os.path.join(src, name))[:n])
    return root


# ------------------------------------------------------------------------------------------------
# Running and reading the program's output

class Run:
    def __init__(self, argv, cwd, rc, out, err):
        self.argv, self.cwd, self.rc, self.out, self.err = argv, cwd, rc, out, err
        self.records = parse_records(out)
        self.messages = [m for _, name, _, m in self.records if name == "__main__"]
        # a one-line message is followed by whatever else was printed (a sweep's summary)
        firsts = [m.split("\n")[0] for m in self.messages]
        self.train = [TRAIN.match(m) for m in firsts if TRAIN.match(m)]
        self.test = [TEST.match(m) for m in firsts if TEST.match(m)]

    def job_dirs(self):
        return sorted(os.path.dirname(os.path.dirname(p)) for p in
                      glob.glob(os.path.join(self.cwd, "**", ".hydra", "config.yaml"),
                                recursive=True))

    def describe(self):
        return "%s\nexit %d\n--- stdout\n%s\n--- stderr\n%s" % (" ".join(self.argv), self.rc,
                                                               self.out[-3000:], self.err[-3000:])


def parse_records(text):
    """[(time, logger, level, message)] of Hydra-format log output; messages may span lines."""
    recs = []
    for line in text.split("\n"):
        m = RECORD.match(line)
        if m:
            recs.append([m.group(1), m.group(2), m.group(3), line[m.end():]])
        elif recs:
            recs[-1][3] += "\n" + line
    for r in recs:  # the text after the last record ends with the final newline
        r[3] = r[3].rstrip("\n") if r is recs[-1] else r[3]
    return [tuple(r) for r in recs]


def run(args, data=None, env=None, cwd=None, timeout=300, prefix=()):
    cwd = cwd or tempfile.mkdtemp(prefix="cydra-train-")
    e = dict(os.environ)
    e.update({"LC_ALL": "C.UTF-8", "CYDRA_NUM_THREADS": "2",
              "CYDRA_MNIST_MIRRORS": "file:///nonexistent/cydra-test-mirror/"})
    if data:
        e["CYDRA_DATA_DIR"] = data
    if env:
        e.update(env)
    argv = list(prefix) + [EXE] + list(args)
    p = subprocess.run(argv, cwd=cwd, env=e, capture_output=True, timeout=timeout)
    return Run(argv, cwd, p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"))


# ------------------------------------------------------------------------------------------------
# PyTorch's side: the tutorial's Net, scored on the test subset

if torch is not None:
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


def read_safetensors(path):
    """A minimal safetensors reader (the safetensors package is not in Debian)."""
    data = read_bytes(path)
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(
            np.frombuffer(data[base + a:base + b], dtype="<f4").reshape(t["shape"]).copy())
    return out


def torch_test(state_dict, data_root):
    """test(model, device, test_loader) of main.py over the test subset: (avg loss, correct)."""
    raw = os.path.join(data_root, "MNIST", "raw")
    x = torch.from_numpy(read_idx(os.path.join(raw, NAMES[2])).copy())
    y = torch.from_numpy(read_idx(os.path.join(raw, NAMES[3])).astype(np.int64))
    v = x.to(torch.float32).div(255).unsqueeze(1)
    v = v.sub_(torch.tensor(0.1307, dtype=torch.float32)).div_(
        torch.tensor(0.3081, dtype=torch.float32))
    model = Net()
    model.load_state_dict(state_dict)  # strict: every name and shape must match
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Dropout2d on a 2-D input warns in torch 1.13
        for i in range(0, len(y), 1000):
            out = model(v[i:i + 1000])
            loss += F.nll_loss(out, y[i:i + 1000], reduction="sum").item()
            correct += int(out.argmax(dim=1).eq(y[i:i + 1000]).sum())
    return loss / len(y), correct


# ------------------------------------------------------------------------------------------------

class TrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(EXE, os.X_OK):
            raise unittest.SkipTest("%s is not built" % EXE)
        cls.tmp = tempfile.mkdtemp(prefix="cydra-train-data-")
        cls.data = write_subset(os.path.join(cls.tmp, "data"))
        cls.runs = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def trained(self, ckpt, threads="2"):
        """One epoch on the subset saving ckpt (memoised: several tests read the same run)."""
        key = (ckpt, threads)
        if key not in self.runs:
            r = run(["epochs=1", "save_model=true", "checkpoint_name=" + ckpt], data=self.data,
                    env={"CYDRA_NUM_THREADS": threads})
            self.assertEqual(r.rc, 0, r.describe())
            self.runs[key] = r
        return self.runs[key]

    # -- the log ---------------------------------------------------------------------------------

    def check_lines(self, r, epochs=1, interval=10, dry_run=False):
        batches = -(-TRAIN_N // 64)  # 94
        want = []
        for epoch in range(1, epochs + 1):
            idx = [0] if dry_run else list(range(0, batches, interval))
            for b in idx:
                n = 64 if b < batches - 1 else TRAIN_N - 64 * (batches - 1)
                want.append((epoch, b * n, TRAIN_N, "%.0f" % (100.0 * b / batches)))
            want.append("test")
        got = []
        for m in r.messages[1:]:
            t = TRAIN.match(m)
            if t:
                got.append((int(t.group(1)), int(t.group(2)), int(t.group(3)), t.group(4)))
            elif TEST.match(m):
                got.append("test")
            else:
                self.fail("unexpected log line %r\n%s" % (m, r.describe()))
        self.assertEqual(got, want, r.describe())
        for t in r.train:
            loss = float(t.group(5))
            self.assertTrue(0.0 < loss < 10.0, t.group(0))
        for t in r.test:
            self.assertEqual(int(t.group(3)), TEST_N)
            self.assertEqual(t.group(4), "%.0f" % (100.0 * int(t.group(2)) / TEST_N))

    def test_log_lines(self):
        r = self.trained("x.pt")
        self.assertEqual(r.err, "", r.describe())
        # the config first, as the Python twin logs OmegaConf.to_yaml(cfg): what --cfg job prints
        cfg = run(["epochs=1", "save_model=true", "checkpoint_name=x.pt", "--cfg", "job"])
        self.assertEqual(cfg.rc, 0, cfg.describe())
        self.assertEqual(r.records[0][1:3], ("__main__", "INFO"))
        self.assertEqual(r.messages[0], cfg.out)
        self.check_lines(r)
        self.assertTrue(all(rec[1:3] == ("__main__", "INFO") for rec in r.records))
        # the training losses fall
        losses = [float(t.group(5)) for t in r.train]
        self.assertGreater(losses[0], 2.0)
        self.assertLess(losses[-1], 1.0)

    def test_accuracy_and_result(self):
        r = self.trained("x.pt")
        loss, correct = float(r.test[0].group(1)), int(r.test[0].group(2))
        self.assertGreaterEqual(correct, 900, r.describe())  # ~94% after one epoch on 6000
        self.assertLess(loss, 0.35)
        dirs = r.job_dirs()
        self.assertEqual(len(dirs), 1, dirs)
        result = read_text(os.path.join(dirs[0], ".hydra", "result.yaml"))
        self.assertIn("status: COMPLETED", result)
        value = float(re.search(r"return_value: (\S+)", result).group(1))
        self.assertAlmostEqual(value, loss, delta=5e-5 + 1e-12)

    def test_job_dir(self):
        r = self.trained("x.pt")
        dirs = r.job_dirs()
        self.assertEqual(len(dirs), 1)
        d = dirs[0]
        self.assertTrue(re.search(r"outputs/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d$", d), d)
        files = sorted(os.path.relpath(os.path.join(a, f), d)
                       for a, _, fs in os.walk(d) for f in fs)
        self.assertEqual(files, [".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml",
                                 ".hydra/result.yaml", "mnist_00.log", "x.pt"])
        overrides = read_text(os.path.join(d, ".hydra", "overrides.yaml"))
        self.assertEqual(overrides, "- epochs=1\n- save_model=true\n- checkpoint_name=x.pt\n")
        self.assertIn("epochs: 1\n", read_text(os.path.join(d, ".hydra", "config.yaml")))
        # the job log holds the same records as stdout
        self.assertEqual(read_text(os.path.join(d, "mnist_00.log")), r.out)
        # nothing is left behind besides the job directory
        self.assertEqual(os.listdir(r.cwd), ["outputs"])

    def test_checkpoint_pt_in_torch(self):
        if torch is None:
            self.skipTest("python3-torch is not installed")
        r = self.trained("x.pt")
        path = os.path.join(r.job_dirs()[0], "x.pt")
        sd = torch.load(path, weights_only=True)
        self.assertEqual(list(sd), ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                    "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        self.check_torch_score(r, sd)

    def test_checkpoint_safetensors_in_torch(self):
        if torch is None:
            self.skipTest("python3-torch is not installed")
        r = self.trained("x.safetensors")
        path = os.path.join(r.job_dirs()[0], "x.safetensors")
        self.check_torch_score(r, read_safetensors(path))
        # the same weights as the .pt of the same run
        if torch is not None:
            pt = torch.load(os.path.join(self.trained("x.pt").job_dirs()[0], "x.pt"))
            st = read_safetensors(path)
            for k in pt:
                self.assertTrue(torch.equal(pt[k], st[k]), k)

    def check_torch_score(self, r, sd):
        loss, correct = torch_test(sd, self.data)
        logged_loss, logged = float(r.test[0].group(1)), int(r.test[0].group(2))
        # the same model scored by torch: float32 rounding may move a near-tie, nothing more
        self.assertLessEqual(abs(correct - logged), 1, (correct, logged))
        self.assertEqual("%.0f" % (100.0 * correct / TEST_N), r.test[0].group(4))
        self.assertAlmostEqual(loss, logged_loss, delta=5e-5 + 2e-5)

    # -- determinism -----------------------------------------------------------------------------

    def test_seed_reproducible(self):
        a, b = self.trained("x.pt"), self.trained("x.safetensors")
        ma = [m.replace("x.pt", "X") for m in a.messages]
        mb = [m.replace("x.safetensors", "X") for m in b.messages]
        self.assertEqual(ma, mb)

    def test_threads_identical(self):
        a, b = self.trained("x.pt", "2"), self.trained("x.pt", "1")
        self.assertEqual(a.messages, b.messages)
        pa = read_bytes(os.path.join(a.job_dirs()[0], "x.pt"))
        pb = read_bytes(os.path.join(b.job_dirs()[0], "x.pt"))
        self.assertEqual(pa, pb)

    def test_other_seed_differs(self):
        a = run(["epochs=1", "dry_run=true", "seed=1"], data=self.data)
        b = run(["epochs=1", "dry_run=true", "seed=2"], data=self.data)
        self.assertEqual((a.rc, b.rc), (0, 0), a.describe() + b.describe())
        self.assertNotEqual(a.train[0].group(5), b.train[0].group(5))

    # -- options ---------------------------------------------------------------------------------

    def test_dry_run(self):
        r = run(["epochs=2", "dry_run=true", "log_interval=5"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.check_lines(r, epochs=2, dry_run=True)
        # the full run's first batch, by the same generator
        full = self.trained("x.pt")
        self.assertEqual(r.train[0].group(0), full.train[0].group(0))

    def test_log_interval_and_batch_sizes(self):
        r = run(["epochs=1", "dry_run=true", "batch_size=100", "test_batch_size=300",
                 "log_interval=1"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.train), 1)
        self.assertTrue(r.train[0].group(0).startswith("Train Epoch: 1 [0/6000 (0%)]\tLoss: "))
        self.assertEqual(len(r.test), 1)

    def test_epochs_zero(self):
        r = run(["epochs=0", "save_model=true"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.messages), 1)  # the config only
        d = r.job_dirs()[0]
        self.assertIn("return_value: null", read_text(os.path.join(d, ".hydra", "result.yaml")))
        self.assertTrue(os.path.isfile(os.path.join(d, "unnamed.pt")))

    def test_checkpoint_in_subdirectory(self):
        r = run(["epochs=1", "dry_run=true", "save_model=true", "checkpoint_name=ck/m.safetensors"],
                data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertTrue(os.path.isfile(os.path.join(r.job_dirs()[0], "ck", "m.safetensors")))

    def test_absolute_checkpoint(self):
        target = os.path.join(tempfile.mkdtemp(prefix="cydra-ckpt-"), "abs.pt")
        r = run(["epochs=1", "dry_run=true", "save_model=true", "checkpoint_name=" + target],
                data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertTrue(os.path.isfile(target))
        shutil.rmtree(os.path.dirname(target))

    def test_data_dir_relative_to_start_dir(self):
        # CYDRA_DATA_DIR relative to where the program started, also when the job changes
        # into its output directory
        cwd = tempfile.mkdtemp(prefix="cydra-train-")
        os.symlink(self.data, os.path.join(cwd, "mydata"))
        r = run(["epochs=1", "dry_run=true", "hydra.job.chdir=true"], env={"CYDRA_DATA_DIR":
                                                                           "mydata"}, cwd=cwd)
        self.assertEqual(r.rc, 0, r.describe())
        # and data/ under the start directory by default
        cwd2 = tempfile.mkdtemp(prefix="cydra-train-")
        os.symlink(self.data, os.path.join(cwd2, "data"))
        e = {k: v for k, v in os.environ.items() if k != "CYDRA_DATA_DIR"}
        p = subprocess.run([EXE, "epochs=1", "dry_run=true", "hydra.job.chdir=true"], cwd=cwd2,
                           env=dict(e, CYDRA_MNIST_MIRRORS="file:///nonexistent/"),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Test set: Average loss", p.stdout)

    def test_multirun(self):
        r = run(["-m", "epochs=1", "dry_run=true", "adadelta.lr=0.5,1.0"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.test), 2)
        dirs = r.job_dirs()
        self.assertEqual([os.path.basename(d) for d in dirs], ["0", "1"])
        for d in dirs:
            res = read_text(os.path.join(d, ".hydra", "result.yaml"))
            self.assertIn("status: COMPLETED", res)
            self.assertNotIn("return_value: null", res)

    # -- errors ----------------------------------------------------------------------------------

    def assertFails(self, r, *needles):
        self.assertEqual(r.rc, 1, r.describe())
        for n in needles:
            self.assertIn(n, r.err, r.describe())
        self.assertIn("Error executing job with overrides", r.err)
        self.assertEqual(r.train, [], "the error must come before training")

    def test_error_corrupt_data(self):
        bad = os.path.join(self.tmp, "corrupt")
        shutil.copytree(self.data, bad)
        path = os.path.join(bad, "MNIST", "raw", NAMES[0])
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 1000)
        r = run(["epochs=1"], data=bad)
        self.assertFails(r, path, "truncated")
        # a label out of range
        shutil.copy(os.path.join(self.data, "MNIST", "raw", NAMES[0]), path)
        lab = os.path.join(bad, "MNIST", "raw", NAMES[3])
        with open(lab, "r+b") as f:
            f.seek(8 + 5)
            f.write(b"\x0c")
        r = run(["epochs=1"], data=bad)
        self.assertFails(r, lab, "out of range")

    def test_error_missing_data(self):
        empty = tempfile.mkdtemp(prefix="cydra-empty-")
        r = run(["epochs=1"], data=empty)
        self.assertFails(r, "file:///nonexistent/cydra-test-mirror/", "make data",
                         "CYDRA_DATA_DIR")
        # nothing half-written is left in the data root
        left = [os.path.join(a, f) for a, _, fs in os.walk(empty) for f in fs]
        self.assertEqual(left, [])
        shutil.rmtree(empty)

    def test_error_unwritable_checkpoint_dir(self):
        afile = os.path.join(self.tmp, "a-file")
        open(afile, "w").close()
        r = run(["epochs=1", "save_model=true", "checkpoint_name=%s/x.pt" % afile],
                data=self.data)
        self.assertFails(r, "Cannot save the model to %s/x.pt" % afile, "Not a directory")
        # /proc refuses new files even to root
        r = run(["epochs=1", "save_model=true", "checkpoint_name=/proc/x.pt"], data=self.data)
        self.assertFails(r, "Cannot save the model to /proc/x.pt")

    def test_error_checkpoint_names(self):
        r = run(["epochs=1", "save_model=true", "checkpoint_name=model.txt"], data=self.data)
        self.assertFails(r, "model.txt", ".safetensors", "full_key: checkpoint_name")
        r = run(["epochs=1", "save_model=true", "checkpoint_name=../x.pt"], data=self.data)
        self.assertFails(r, "'..'", "full_key: checkpoint_name")
        self.assertFalse(glob.glob(os.path.join(r.cwd, "outputs", "*", "x.pt")))
        # not saving: the name is not looked at
        r = run(["epochs=1", "dry_run=true", "checkpoint_name=model.txt"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())

    def test_error_bad_config_values(self):
        r = run(["epochs=1", "adadelta.lr=abc"], data=self.data)
        self.assertFails(r, "adadelta.lr", "abc")
        r = run(["epochs=1", "steplr.step_size=x"], data=self.data)
        self.assertFails(r, "steplr.step_size")
        r = run(["epochs=1", "adadelta.lr=-1"], data=self.data)
        self.assertFails(r, "Invalid learning rate: -1.0")
        r = run(["epochs=1", "adadelta.rho=2"], data=self.data)
        self.assertFails(r, "Invalid rho value: 2.0")
        r = run(["epochs=1", "steplr.last_epoch=3"], data=self.data)
        self.assertFails(r, "param 'initial_lr' is not specified in param_groups[0] when "
                            "resuming an optimizer")
        r = run(["epochs=1", "batch_size=0"], data=self.data)
        self.assertFails(r, "batch_size=0", "full_key: batch_size")
        r = run(["epochs=1", "test_batch_size=-5"], data=self.data)
        self.assertFails(r, "full_key: test_batch_size")
        r = run(["epochs=1", "log_interval=0"], data=self.data)
        self.assertFails(r, "full_key: log_interval")

    def test_error_threads_env(self):
        r = run(["epochs=1"], data=self.data, env={"CYDRA_NUM_THREADS": "two"})
        self.assertFails(r, "CYDRA_NUM_THREADS", "two")


if __name__ == "__main__":
    unittest.main()
