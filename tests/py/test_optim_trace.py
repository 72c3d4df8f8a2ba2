"""build/optim-trace against torch: 71 command lines (every optimizer and scheduler, with its
defaults and with non-default values of every option) and the trajectories python3-torch 1.13
computes for them (tests/golden/catalog/trace.json, tests/oracle/catalog_trace.py); stdout only
the trajectory, no files left behind; its errors; --write-conf-groups.

Parameters match torch bit for bit when libsleef (the sin/cos torch uses) can be loaded, else to
1e-5 relative; learning rates always exactly (doubles in torch's order).
# ctest-timeout: 300
"""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CYDRA_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
BUILD = os.environ.get("CYDRA_BUILD_DIR", os.path.join(SOURCE, "build"))
EXE = os.path.join(BUILD, "optim-trace")
GOLDEN = os.path.join(SOURCE, "tests", "golden", "catalog", "trace.json")
ORACLE = os.path.join(SOURCE, "tests", "oracle", "catalog_trace.py")


def have_sleef():
    try:
        ctypes.CDLL("libsleef.so.3")
        return True
    except OSError:
        return False


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(args, cwd):
    p = subprocess.run([EXE] + args, cwd=cwd, capture_output=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C.UTF-8",
                                # the kernels the golden files were made with (LBFGS's dot
                                # products; see test_optim_golden.c)
                                OPENBLAS_CORETYPE="Prescott"))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def close(got, want, exact):
    """Trajectory lines equal (exact), or lr equal and parameters within 1e-5 relative."""
    if exact or got == want:
        return got == want
    g, w = got.splitlines(), want.splitlines()
    if len(g) != len(w):
        return False
    for a, b in zip(g, w):
        fa, fb = a.split(), b.split()
        if len(fa) != len(fb) or fa[:2] != fb[:2]:
            return False
        for x, y in zip(fa[2:], fb[2:]):
            if abs(float(x) - float(y)) > 1e-6 + 1e-5 * abs(float(y)):
                return False
    return True


@unittest.skipUnless(os.access(EXE, os.X_OK), "optim-trace is not built")
class OptimTrace(unittest.TestCase):
    def setUp(self):
        self.cwd = tempfile.mkdtemp(prefix="optim-trace-")

    def tearDown(self):
        shutil.rmtree(self.cwd)

    def assertNoFiles(self):
        self.assertEqual(os.listdir(self.cwd), [], "optim-trace left files behind")

    def test_against_torch(self):
        with open(GOLDEN, encoding="utf-8") as f:
            cases = json.load(f)
        self.assertGreaterEqual(len(cases), 70)
        exact = have_sleef()
        targets = set()
        failed = []
        for case in cases:
            rc, out, err = run(case["args"], self.cwd)
            if rc != 0 or err or not close(out, case["stdout"], exact):
                failed.append("%s (rc %d): %s\n%s" % (case["id"], rc, " ".join(case["args"]),
                                                    err or out[:400]))
            for a in case["args"]:
                if "_target_: '" in a:
                    targets.update(x.split("'")[0] for x in a.split("_target_: '")[1:])
        self.assertEqual(failed, [], "\n".join(failed))
        # every optimizer and every scheduler of torch 1.13 is traced
        self.assertEqual(len([t for t in targets if "lr_scheduler" not in t]), 13)
        self.assertEqual(len([t for t in targets if "lr_scheduler" in t]), 15)
        self.assertNoFiles()

    def test_brief_examples(self):
        rc, out, err = run(["optimizer={_target_: torch.optim.Adam, lr: 0.1, amsgrad: true}",
                            "steps=20"], self.cwd)
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(len(lines), 20)
        self.assertEqual(lines[0].split()[0:2], ["1", "0.10000000000000001"])
        self.assertEqual(len(lines[0].split()), 7)
        rc, out, err = run(["scheduler={_target_: torch.optim.lr_scheduler.StepLR, step_size: 1, "
                            "gamma: 0.7}", "steps=30"], self.cwd)
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(len(lines), 31)
        self.assertEqual(lines[0], "0 0.10000000000000001")
        self.assertEqual(lines[1], "1 0.069999999999999993")
        self.assertNoFiles()

    def test_groups_from_the_store(self):
        """The catalogue's configs are config groups: +optimizer=adam optimizer.lr=0.1."""
        rc, out, err = run(["+optimizer=adam", "optimizer.lr=0.1", "optimizer.amsgrad=true",
                            "steps=3"], self.cwd)
        rc2, out2, _ = run(["optimizer={_target_: torch.optim.Adam, lr: 0.1, amsgrad: true}",
                            "steps=3"], self.cwd)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, out2)
        rc, out, err = run(["+scheduler=step_lr", "scheduler.step_size=2", "steps=4"], self.cwd)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.splitlines()[2], "2 0.010000000000000002")
        # a typed option refuses an unknown key, with Hydra's message
        rc, out, err = run(["+optimizer=adam", "optimizer.lrr=0.1"], self.cwd)
        self.assertEqual(rc, 1)
        self.assertIn("Key 'lrr' not in 'AdamConf'", err)
        rc, out, err = run(["--help"], self.cwd)
        self.assertEqual(rc, 0)
        self.assertIn("optimizer: adadelta, adagrad, adam, adamax, adamw, asgd, lbfgs, nadam, "
                      "radam, rmsprop, rprop, sgd, sparse_adam\n", out)
        self.assertIn("scheduler: chained_scheduler, constant_lr, cosine_annealing_lr,", out)
        self.assertNoFiles()

    def test_errors(self):
        cases = [
            (["steps=3"], "nothing to trace: give optimizer={_target_: ...} or "
                          "scheduler={_target_: ...} (see --help)"),
            (["optimizer={_target_: torch.optim.Adamm}"],
             "Error locating target 'torch.optim.Adamm': no such target is registered\n"
             "full_key: optimizer\nDid you mean 'torch.optim.Adam'?"),
            (["optimizer={_target_: torch.optim.Adam, lr: -1.0}"],
             "Error in call to target 'torch.optim.adam.Adam':\n"
             "ValueError('Invalid learning rate: -1.0')\nfull_key: optimizer"),
            (["scheduler={_target_: torch.optim.lr_scheduler.StepLR}"],
             "Error in call to target 'torch.optim.lr_scheduler.StepLR':\nTypeError(\"StepLR."
             "__init__() missing 1 required positional argument: 'step_size'\")\n"
             "full_key: scheduler"),
            (["scheduler={_target_: torch.optim.lr_scheduler.ReduceLROnPlateau}", "steps=3",
              "metrics=[1.0]"],
             "ReduceLROnPlateau steps with a metric: metrics has 1 values, steps=3 needs as many"),
            (["optimizer={_target_: torch.optim.lr_scheduler.StepLR, step_size: 1}"],
             "Error in call to target 'torch.optim.lr_scheduler.StepLR':\nTypeError(\"StepLR."
             "__init__() got an unexpected keyword argument 'params'\")\nfull_key: optimizer"),
            (["optimizer={_target_: torch.optim.SGD, lr: 0.1}", "steps=-1"],
             "steps must be >= 0, got -1"),
        ]
        for args, msg in cases:
            rc, out, err = run(args, self.cwd)
            self.assertEqual(rc, 1, args)
            self.assertEqual(out, "", args)
            self.assertIn(msg, err, args)
        self.assertNoFiles()

    def test_write_conf_groups(self):
        rc, out, err = run(["--write-conf-groups", self.cwd, "scheduler/step_lr={step_size: 1}"],
                           self.cwd)
        self.assertEqual((rc, out, err), (0, "", ""))
        self.assertEqual(len(os.listdir(os.path.join(self.cwd, "optim"))), 13)
        self.assertEqual(len(os.listdir(os.path.join(self.cwd, "scheduler"))), 15)
        text = read(os.path.join(self.cwd, "scheduler", "step_lr.yaml"))
        self.assertIn("# Set here (torch has no default): {step_size: 1}\n", text)
        self.assertIn("\nstep_size: 1\n", text)
        adam = read(os.path.join(self.cwd, "optim", "adam.yaml"))
        self.assertTrue(adam.startswith("# AdamConf: torch.optim.Adam, with torch 1.13's "
                                        "defaults.\n"))
        self.assertIn("\n_target_: torch.optim.adam.Adam\nparams: ???\nlr: 0.001\nbetas:\n- 0.9\n"
                      "- 0.999\neps: 1.0e-08\n", adam)
        rc, out, err = run(["--write-conf-groups", self.cwd, "optim/nosuch={lr: 1}"], self.cwd)
        self.assertEqual(rc, 2)
        self.assertIn("'optim/nosuch={lr: 1}' names no option of the catalogue", err)
        rc, out, err = run(["--write-conf-groups", self.cwd, "optim/adam={lrr: 1}"], self.cwd)
        self.assertEqual(rc, 1)
        self.assertIn("optim/adam:", err)
        rc, out, err = run(["--write-conf-groups"], self.cwd)
        self.assertEqual(rc, 2)

    @unittest.skipUnless(os.path.exists("/usr/lib/python3/dist-packages/torch"),
                         "python3-torch is not installed")
    def test_golden_is_torchs(self):
        p = subprocess.run(["/usr/bin/python3", ORACLE, "--check"], capture_output=True,
                           timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr.decode() + p.stdout.decode())


if __name__ == "__main__":
    unittest.main()
