"""build/mnist_01, the intermediate tutorial: its config groups (in sync with libnn's catalogue),
21 command lines against what real Hydra 1.3.2 prints for its Python twin
(tests/golden/catalog/mnist_01_cli.json, tests/oracle/catalog_mnist_01.py), and end-to-end
training on a small real-MNIST subset with four optimizer/scheduler pairs (SequentialLR's
children built by recursive instantiation among them), on Fashion-MNIST as the brief's command
line asks, checkpoints and the errors of instantiation.

MNIST comes through the helpers of tests/py/test_mnist_00_train.py (data/MNIST/raw or the test
cache, fetched by scripts/fetch-mnist.sh); Fashion-MNIST from Debian's dataset-fashion-mnist.

# ctest-labels: app;data
# ctest-timeout: 900
"""
import filecmp
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402
import test_mnist_00_train as base  # noqa: E402  (MNIST subsets, log parsing)

EXE = os.path.join(clitest.BUILD, "mnist_01")
TRACE = os.path.join(clitest.BUILD, "optim-trace")
CONF = os.path.join(clitest.SOURCE, "apps", "mnist", "conf")
GOLDEN = os.path.join(clitest.SOURCE, "tests", "golden", "catalog", "mnist_01_cli.json")
FASHION = "/usr/share/datasets/fashion-mnist"
TRAIN_N, TEST_N = 384, 200  # six batches of 64: quick, and enough to learn something
LR = re.compile(r"^epoch (\d+): \d+ batches, .* lr (\S+)$")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(args, data=None, cwd=None, env=None, timeout=600):
    cwd = cwd or tempfile.mkdtemp(prefix="cydra-mnist01-")
    e = dict(os.environ)
    e.update({"LC_ALL": "C.UTF-8", "CYDRA_NUM_THREADS": "2", "COLUMNS": "80",
              "CYDRA_MNIST_MIRRORS": "file:///nonexistent/cydra-test-mirror/",
              "CYDRA_FASHION_MNIST_MIRRORS": "file:///nonexistent/cydra-test-mirror/"})
    e.pop("CYDRA_DATA_DIR", None)
    if data:
        e["CYDRA_DATA_DIR"] = data
    if env:
        e.update(env)
    p = subprocess.run([EXE] + list(args), cwd=cwd, env=e, capture_output=True, timeout=timeout)
    return base.Run([EXE] + list(args), cwd, p.returncode, p.stdout.decode("utf-8", "replace"),
                    p.stderr.decode("utf-8", "replace"))


def lrs(r):
    """The lr each epoch trained with (the trainer's DEBUG line, hydra.verbose=__main__)."""
    return [float(m.group(2)) for m in (LR.match(x) for x in r.messages) if m]


def accuracy(r):
    m = r.test[-1]
    return int(m.group(2)) / int(m.group(3))


def fashion_subset(root, train_n=TRAIN_N, test_n=TEST_N):
    raw = os.path.join(root, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name, n in zip(base.NAMES, (train_n, train_n, test_n, test_n)):
        with gzip.open(os.path.join(FASHION, name + ".gz"), "rb") as f:
            blob = f.read()
        ndim = blob[3]
        dims = [int.from_bytes(blob[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
        arr = np.frombuffer(blob, np.uint8, offset=4 + 4 * ndim).reshape(dims)
        base.write_idx(os.path.join(raw, name), arr[:n])
    return root


@unittest.skipUnless(os.access(EXE, os.X_OK), "mnist_01 is not built")
class ConfigGroups(unittest.TestCase):
    def test_generated_groups_are_in_sync(self):
        """conf/optim and conf/scheduler are exactly what the catalogue writes."""
        if not os.access(TRACE, os.X_OK):
            self.skipTest("optim-trace is not built")
        tmp = tempfile.mkdtemp(prefix="cydra-conf-")
        try:
            p = subprocess.run([TRACE, "--write-conf-groups", tmp,
                                "scheduler/step_lr={step_size: 1}"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            for group, n in (("optim", 13), ("scheduler", 15)):
                made = sorted(os.listdir(os.path.join(tmp, group)))
                committed = sorted(os.listdir(os.path.join(CONF, group)))
                self.assertEqual(committed, made, "regenerate apps/mnist/conf (docs/catalog.md)")
                self.assertEqual(len(made), n)
                match, mismatch, errors = filecmp.cmpfiles(os.path.join(tmp, group),
                                                           os.path.join(CONF, group), made,
                                                           shallow=False)
                self.assertEqual((mismatch, errors), ([], []),
                                 "apps/mnist/conf/%s is not what the catalogue writes" % group)
        finally:
            shutil.rmtree(tmp)
        self.assertEqual(sorted(os.listdir(os.path.join(CONF, "dataset"))),
                         ["fashion_mnist.yaml", "mnist.yaml"])

    def test_conf_next_to_the_executable(self):
        """The build copies apps/mnist/conf beside build/mnist_01 (its config_path)."""
        for group in ("optim", "scheduler", "dataset"):
            src = os.path.join(CONF, group)
            dst = os.path.join(os.path.dirname(EXE), "conf", group)
            names = sorted(os.listdir(src))
            self.assertEqual(sorted(os.listdir(dst)), names)
            self.assertEqual(filecmp.cmpfiles(src, dst, names, shallow=False)[1:], ([], []))

    def test_help_lists_groups(self):
        r = run(["--help"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("== Configuration groups ==\nCompose your configuration from those groups "
                      "(group=option)\n\n"
                      "dataset: fashion_mnist, mnist\n"
                      "optim: adadelta, adagrad, adam, adamax, adamw, asgd, lbfgs, nadam, radam, "
                      "rmsprop, rprop, sgd, sparse_adam\n"
                      "scheduler: chained_scheduler, constant_lr, cosine_annealing_lr, "
                      "cosine_annealing_warm_restarts, cyclic_lr, exponential_lr, lambda_lr, "
                      "linear_lr, multi_step_lr, multiplicative_lr, one_cycle_lr, polynomial_lr, "
                      "reduce_lr_on_plateau, sequential_lr, step_lr\n", r.out)
        self.assertIn("model.fc_hidden_features: int = 128\n    features of the hidden fully "
                      "connected layer\n", r.out)

    def test_group_errors(self):
        for group, first in (("optim", "adadelta"), ("scheduler", "chained_scheduler"),
                             ("dataset", "fashion_mnist")):
            r = run([group + "=nosuch"])
            self.assertEqual(r.rc, 1, r.describe())
            self.assertIn("Could not find '%s/nosuch'\n\nAvailable options in '%s':\n\t%s\n"
                          % (group, group, first), r.err)
            self.assertEqual(r.out, "")
            self.assertEqual(os.listdir(r.cwd), [], "an error left files behind")

    def test_against_hydra(self):
        with open(GOLDEN, encoding="utf-8") as f:
            cases = json.load(f)
        self.assertGreaterEqual(len(cases), 20)
        failures = []
        for case in cases:
            cwd = clitest.scratch_dir()
            try:
                r = run(case["args"], cwd=cwd, env={"CYDRA_DATA_DIR": "/data/mnist-root"})
                out, err = clitest.normalise(r.out, cwd), clitest.normalise(r.err, cwd)
                conf = os.path.join(os.path.dirname(EXE), "conf")
                for path in (os.path.realpath(conf), conf):
                    out, err = out.replace(path, "<CONF>"), err.replace(path, "<CONF>")
            finally:
                shutil.rmtree(cwd)
            problems = []
            if r.rc != case["rc"]:
                problems.append("exit status %d, expected %d" % (r.rc, case["rc"]))
            want_out = clitest.cydra_stdout(case["stdout"])
            if clitest.drop_fields_help(out) != want_out:
                problems.append("stdout:\n%s\n--- expected:\n%s" % (out, want_out))
            want_err = clitest.cydra_view(case["stderr"])
            if clitest.drop_did_you_mean(err) != want_err:
                problems.append("stderr:\n%s\n--- expected:\n%s" % (err, want_err))
            if problems:
                failures.append("== %s\n%s" % (" ".join(case["args"]), "\n".join(problems)))
        if failures:
            self.fail("%d of %d command lines differ:\n\n%s" % (len(failures), len(cases),
                                                                "\n\n".join(failures)))


@unittest.skipUnless(os.access(EXE, os.X_OK), "mnist_01 is not built")
class Training(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="cydra-mnist01-data-")
        base.write_subset(cls.data, TRAIN_N, TEST_N)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data)

    def train(self, args, data=None, epochs=2):
        r = run(["epochs=%d" % epochs, "hydra.verbose=__main__"] + list(args),
                data=data or self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.test), epochs, r.describe())
        return r

    def test_three_pairs_and_more(self):
        # the tutorial's default: Adadelta(lr=1.0), StepLR(step_size=1, gamma=0.1)
        r = self.train([])
        self.assertEqual(lrs(r), [1.0, 0.1])
        self.assertGreater(accuracy(r), 0.5, r.describe())
        # Adam under cosine annealing over the two epochs
        r = self.train(["optim=adam", "scheduler=cosine_annealing_lr", "scheduler.T_max=2"])
        self.assertEqual(lrs(r), [0.001, 0.0005])
        self.assertGreater(accuracy(r), 0.5, r.describe())
        # SGD with momentum, ReduceLROnPlateau stepping on the test loss: with an absolute
        # threshold of 10 only the first epoch improves, so after the second the lr is cut
        r = self.train(["optim=sgd", "optim.lr=0.05", "optim.momentum=0.9",
                        "scheduler=reduce_lr_on_plateau", "scheduler.patience=0",
                        "scheduler.threshold_mode=abs", "scheduler.threshold=10"], epochs=3)
        self.assertEqual(lrs(r), [0.05, 0.05, 0.005])
        self.assertGreater(accuracy(r), 0.3, r.describe())
        # RMSprop under SequentialLR, whose children get the optimizer from instantiate
        r = self.train(["optim=rmsprop", "optim.lr=0.001", "scheduler=sequential_lr",
                        "scheduler.milestones=[1]",
                        "scheduler.schedulers=[{_target_: torch.optim.lr_scheduler.ConstantLR, "
                        "factor: 0.5, total_iters: 1}, {_target_: "
                        "torch.optim.lr_scheduler.ExponentialLR, gamma: 0.9}]"])
        self.assertEqual(lrs(r), [0.0005, 0.001])
        self.assertGreater(accuracy(r), 0.3, r.describe())

    def test_fashion_mnist(self):
        """The brief's command line, on a Fashion-MNIST subset."""
        if not os.path.isdir(FASHION):
            self.skipTest("dataset-fashion-mnist is not installed")
        data = tempfile.mkdtemp(prefix="cydra-fashion-")
        try:
            fashion_subset(data)
            r = self.train(["optim=adam", "scheduler=cosine_annealing_lr", "scheduler.T_max=14",
                            "dataset=fashion_mnist", "model.fc_hidden_features=256"],
                           data=data, epochs=1)
            self.assertIn("data root: %s" % data, r.messages)
            self.assertGreater(accuracy(r), 0.3, r.describe())
            cfg = read(os.path.join(r.job_dirs()[0], ".hydra", "config.yaml"))
            self.assertIn("_target_: torchvision.datasets.mnist.FashionMNIST", cfg)
            self.assertIn("fc_hidden_features: 256", cfg)
        finally:
            shutil.rmtree(data)

    def test_checkpoint_and_dry_run(self):
        r = run(["dry_run=true", "epochs=1", "save_model=true",
                 "checkpoint_name=model.safetensors", "optim=adamw"], data=self.data)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.train), 1)
        self.assertTrue(os.path.isfile(os.path.join(r.job_dirs()[0], "model.safetensors")))

    def test_instantiation_errors(self):
        cases = [
            (["scheduler=cosine_annealing_lr"],
             "Missing mandatory value: scheduler.T_max"),
            (["optim=adam", "optim.lr=-1.0"],
             "Error in call to target 'torch.optim.adam.Adam':\n"
             "ValueError('Invalid learning rate: -1.0')\nfull_key: optim"),
            (["+optim.lrr=0.1"],
             "Error in call to target 'torch.optim.adadelta.Adadelta':\n"
             "TypeError(\"Adadelta.__init__() got an unexpected keyword argument 'lrr'\")\n"
             "full_key: optim\nDid you mean 'lr'?"),
            (["optim._target_=torch.optim.Adamm"],
             "Error locating target 'torch.optim.Adamm': no such target is registered\n"
             "full_key: optim\nDid you mean 'torch.optim.Adam'?"),
            (["train_dataloader.sampler=1"],
             "Error in call to target 'torch.utils.data.dataloader.DataLoader':\n"
             "TypeError(\"sampler is not supported: the loader samples as torch's default "
             "sampler does\")\nfull_key: train_dataloader"),
            (["train_dataloader.num_workers=-1"],
             "ValueError('num_workers option should be non-negative; use num_workers=0 to "
             "disable multiprocessing.')"),
            (["test_dataset.train=true"],
             "test_dataset.train must be false: the program trains on the training split and "
             "tests on the test split"),
            (["scheduler=sequential_lr", "scheduler.milestones=[1]",
              "scheduler.schedulers=[{_target_: torch.optim.lr_scheduler.StepLR}]"],
             "Error in call to target 'torch.optim.lr_scheduler.StepLR':\nTypeError(\"StepLR."
             "__init__() missing 1 required positional argument: 'step_size'\")\n"
             "full_key: scheduler.schedulers0"),
            (["train_dataloader.batch_size=0"],
             "batch_size should be a positive integer value, but got batch_size=0\n"
             "    full_key: train_dataloader.batch_size"),
        ]
        for args, msg in cases:
            r = run(["epochs=1"] + args, data=self.data)
            self.assertEqual(r.rc, 1, r.describe())
            self.assertIn(msg, r.err, r.describe())
            self.assertEqual(r.test, [], r.describe())


if __name__ == "__main__":
    unittest.main()
