"""The SLURM launcher against a stand-in for SLURM's commands (tests/py/fake_slurm/: sbatch runs the
batch script at once in the background, squeue/scancel/scontrol read and write its job states), so
the launcher's logic is tested on every machine: the checks of test_slurm.py (arrays, one sbatch
per job, failures and crashes, submit_only then collect, Ctrl-C, controller down) plus what only a
stand-in can show - the exact sbatch options and batch script, and jobs that leave the queue."""
# ctest-timeout: 300
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402
from test_slurm import SweepChecks, launch_lines, read, result  # noqa: E402

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_slurm")


class FakeSlurm(SweepChecks, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.slurm = os.path.join(self.cwd, "fake-slurm-state")
        os.makedirs(self.slurm)
        self.env = {"PATH": FAKE + os.pathsep + os.environ.get("PATH", ""),
                    "FAKE_SLURM_DIR": self.slurm}
        self.cwd_sw = os.path.join(self.cwd, "sw")

    def down_env(self):
        return {"FAKE_SLURM_DOWN": "1"}

    def sbatch_calls(self):
        path = os.path.join(self.slurm, "sbatch.log")
        return read(path).splitlines() if os.path.exists(path) else []

    def test_sbatch_options_and_script(self):
        rc, out, err = self.run_app(
            "a=1,2", "hydra.launcher.partition=gpu", "hydra.launcher.time=5",
            "hydra.launcher.cpus_per_task=2", "hydra.launcher.gpus_per_task=1",
            "hydra.launcher.account=acct", "hydra.launcher.qos=high",
            "hydra.launcher.constraint=v100", "hydra.launcher.job_name=my job",
            "hydra.launcher.array_parallelism=1",
            "hydra.launcher.setup=['export SETUP_RAN=yes','echo setting up']",
            "+hydra.launcher.additional_parameters.gres=gpu:1",
            "+hydra.launcher.additional_parameters.exclusive=''")
        self.assertEqual((rc, err), (0, ""))
        calls = self.sbatch_calls()
        self.assertEqual(len(calls), 1)
        sw = os.path.realpath(self.cwd_sw)
        self.assertEqual(calls[0], f"--parsable --job-name=my job --output={sw}/.slurm/%A_%a.out "
                                   "--ntasks=1 --time=5 --cpus-per-task=2 --partition=gpu "
                                   "--mem=100M --gpus-per-task=1 --account=acct --qos=high "
                                   "--constraint=v100 --array=0-1%1 --gres=gpu:1 --exclusive "
                                   f"{sw}/.slurm/array_0.sh")
        script = read(os.path.join(sw, ".slurm", "array_0.sh"))
        self.assertIn("\nexport SETUP_RAN=yes\necho setting up\nnums=(0 1)\n"
                      "num=${nums[$SLURM_ARRAY_TASK_ID]}\n"
                      f"export CYDRA_SLURM_JOB='{sw}/.slurm'/job_$num.yaml\n"
                      f"cd '{os.path.realpath(self.cwd)}' || exit 1\n", script)
        self.assertRegex(script, r"\nexec '[^']*/sweep_app' '-m' 'hydra.sweep.dir=sw' "
                                 r"'hydra/launcher=slurm' .*\n$")
        # every argument quoted for sh, as typed
        self.assertIn(" 'hydra.launcher.job_name=my job' ", script)
        self.assertIn(" 'hydra.launcher.setup=['\\''export SETUP_RAN=yes'\\'','\\''echo "
                      "setting up'\\'']' ", script)
        self.assertIn("setting up\n", read(os.path.join(sw, ".slurm", "100_0.out")))

    def test_resume_submits_only_what_did_not_complete(self):
        rc, out, err = self.run_app("crash=none,${oc.env:CRASH,none}", "a=1,2",
                                    env={"CRASH": "fail"})
        self.assertEqual(rc, 1)
        rc, out, err = self.run_app("crash=none,${oc.env:CRASH,none}", "a=1,2")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("\t#0 : crash=none a=1 (completed before: skipped)", launch_lines(out))
        self.assertIn("Submitted job array 101 (2 tasks)", launch_lines(out))
        script = read(os.path.join(self.cwd_sw, ".slurm", "array_2.sh"))
        self.assertIn("nums=(2 3)\n", script)

    def test_a_job_that_leaves_the_queue_without_a_result(self):
        # sbatch "succeeds" but the job never shows in squeue (as after MinJobAge)
        os.makedirs(os.path.join(self.slurm, "jobs"))
        bogus = os.path.join(self.cwd, "bin")
        os.makedirs(bogus)
        with open(os.path.join(bogus, "sbatch"), "w") as f:
            f.write("#!/bin/sh\necho 555\n")
        os.chmod(os.path.join(bogus, "sbatch"), 0o755)
        rc, out, err = self.run_app("a=1", env={"PATH": bogus + os.pathsep + self.env["PATH"]})
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"SLURM job 555_0 ended UNKNOWN( with exit code \S+)? without a result; its output is in "
                              r".*/\.slurm/555_0\.out")

    def test_no_slurm_commands(self):
        rc, out, err = self.run_app("a=1", env={"PATH": "/nonexistent"})
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith("Cannot run sbatch: SLURM's client commands (sbatch, squeue, "
                                       "scancel) must be on PATH to use hydra/launcher=slurm\n"),
                        err)

    def test_job_side_reports_a_bad_job_file(self):
        bad = os.path.join(self.cwd, "bad.yaml")
        with open(bad, "w") as f:
            f.write("num: x\n")
        rc, out, err = clitest.run([os.path.join(clitest.BUILD, "tests", "apps", "sweep_app"),
                                    "-m", "a=1"], self.cwd, env={"CYDRA_SLURM_JOB": bad})
        self.assertEqual(rc, 1)
        self.assertEqual(err, f"{bad} is not a job file of Cydra's SLURM launcher\n")


if __name__ == "__main__":
    unittest.main()
