"""The SLURM launcher on a real one-node SLURM cluster: build/tests/apps/sweep_app sweeps through
`hydra/launcher=slurm` (job arrays and one sbatch per job), job directories and files, SLURM job ids
in hydra.job.id, failed and crashed jobs, submit_only and collecting later, Ctrl-C cancelling the
jobs, resuming, and the error when the controller cannot be reached.

The cluster: one that answers squeue already, or one brought up here with scripts/slurm-local-up.sh
(as root: installs Debian's slurmctld/slurmd/munge, starts the daemons) and stopped again with
scripts/slurm-local-down.sh. When neither is possible the tests skip and say why (they fail instead
with CYDRA_REQUIRE_SLURM=1, as .ci/slurm.sh runs them). The same checks run
against a stand-in for SLURM's commands in test_slurm_fake.py, on any machine."""
# ctest-labels: slurm
# ctest-timeout: 600
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402

APP = os.path.join(clitest.BUILD, "tests", "apps", "sweep_app")
SCRIPTS = os.path.join(clitest.SOURCE, "scripts")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def result(cwd, job, sweep="sw"):
    out = {}
    for line in read(os.path.join(cwd, sweep, str(job), ".hydra", "result.yaml")).splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def launch_lines(out):
    return [line.split("] ", 1)[1] for line in out.splitlines() if "][HYDRA] " in line]


class SweepChecks:
    """Checks shared by the real cluster (here) and the stand-in (test_slurm_fake.py). A subclass
    sets self.env (PATH and anything else the commands need) in setUp."""

    launcher = ["hydra/launcher=slurm", "hydra.launcher.mem=100M",
                "hydra.launcher.poll_interval=0.5"]

    def setUp(self):
        if not os.path.exists(APP):
            self.skipTest(f"{APP} is not built")
        self.cwd = clitest.scratch_dir()

    def tearDown(self):
        shutil.rmtree(self.cwd, ignore_errors=True)

    def run_app(self, *args, env=None, timeout=240):
        e = dict(self.env)
        e.update(env or {})
        return clitest.run([APP, "-m", "hydra.sweep.dir=sw"] + self.launcher + list(args),
                           self.cwd, env=e, timeout=timeout)

    def test_a_two_job_array(self):
        rc, out, err = self.run_app("a=1,2", "value=3")
        self.assertEqual((rc, err), (0, ""))
        lines = launch_lines(out)
        self.assertEqual(lines[:4], ["SlurmLauncher is submitting 2 jobs to SLURM",
                                     "Launching jobs, sweep output dir : sw",
                                     "\t#0 : a=1 value=3", "\t#1 : a=2 value=3"])
        m = re.fullmatch(r"Submitted job array (\d+) \(2 tasks\)", lines[4])
        self.assertTrue(m, lines)
        array = m.group(1)
        self.assertIn("0  a=1 value=3  COMPLETED  3.0\n1  a=2 value=3  COMPLETED  3.0\n", out)
        sw = os.path.join(self.cwd, "sw")
        for j in (0, 1):
            self.assertEqual(result(self.cwd, j), {"status": "COMPLETED", "return_value": "3.0"})
            hydra = read(os.path.join(sw, str(j), ".hydra", "hydra.yaml"))
            self.assertIn(f"    id: '{array}_{j}'\n    num: {j}\n", hydra)
            self.assertIn(f"    output_dir: {os.path.realpath(sw)}/{j}\n", hydra)
            self.assertIn("  mode: MULTIRUN\n", hydra)
            self.assertEqual(read(os.path.join(sw, str(j), ".hydra", "overrides.yaml")),
                             f"- a={j + 1}\n- value=3\n")
            log = read(os.path.join(sw, str(j), "sweep_app.log"))
            self.assertIn(f"[__main__][INFO] - a: {j + 1}\n", log)
            job_file = read(os.path.join(sw, ".slurm", f"job_{j}.yaml"))
            self.assertIn(f"slurm_id: '{array}_{j}'\n", job_file)
            # the job's stdout went to SLURM's output file
            self.assertIn(f"a: {j + 1}\n", read(os.path.join(sw, ".slurm", f"{array}_{j}.out")))
        self.assertTrue(os.path.exists(os.path.join(sw, "multirun.yaml")))
        self.assertTrue(os.path.exists(os.path.join(sw, "summary.csv")))

    def test_one_sbatch_per_job_failures_and_crashes(self):
        rc, out, err = self.run_app("crash=none,fail,segv", "hydra.launcher.array=false")
        self.assertEqual(rc, 1)
        self.assertEqual(len([l for l in launch_lines(out) if l.startswith("Submitted job ")]), 3)
        self.assertRegex(err, r"Error executing job with overrides: \['crash=fail'\]\n"
                              r"the task failed as asked \(crash=fail\)\n"
                              r"\(SLURM job \d+, output in .*/sw/\.slurm/\d+\.out\)\n")
        self.assertRegex(err, r"Error executing job with overrides: \['crash=segv'\]\n"
                              r"SLURM job \d+ ended FAILED with exit code 0:11 without a result; "
                              r"its output is in .*/sw/\.slurm/\d+\.out\n")
        self.assertIn("2 of 3 jobs failed:\n", err)
        self.assertEqual(result(self.cwd, 0)["status"], "COMPLETED")
        self.assertEqual(result(self.cwd, 1)["status"], "FAILED")
        self.assertEqual(result(self.cwd, 2)["status"], "FAILED")

    def test_submit_only_then_collect(self):
        rc, out, err = self.run_app("a=1,2", "sleep=2", "value=1",
                                    "hydra.launcher.submit_only=true")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("Not waiting for the jobs (submit_only)", out)
        self.assertNotIn("Sweep summary", out)
        rc, out, err = self.run_app("a=1,2", "sleep=2", "value=1")
        self.assertEqual((rc, err), (0, ""))
        lines = launch_lines(out)
        self.assertIn("2 of these jobs are still queued or running from an earlier submission: "
                      "waiting for them", lines)
        self.assertFalse([l for l in lines if l.startswith("Submitted")], lines)
        self.assertEqual(result(self.cwd, 1), {"status": "COMPLETED", "return_value": "1.0"})
        # and once more: both completed before, nothing is submitted
        rc, out, err = self.run_app("a=1,2", "sleep=2", "value=1")
        self.assertEqual(rc, 0)
        self.assertIn("Resuming the sweep in sw: 2 of these 2 jobs completed before", out)
        self.assertFalse([l for l in launch_lines(out) if l.startswith("Submitted")])

    def test_ctrl_c_cancels_the_jobs(self):
        e = dict(os.environ)
        e.update(self.env)
        p = subprocess.Popen([APP, "-m", "hydra.sweep.dir=sw"] + self.launcher +
                             ["a=1,2", "sleep=60"], cwd=self.cwd, env=e, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while time.time() < deadline and not all(
                os.path.exists(os.path.join(self.cwd, "sw", str(j), "times.txt")) for j in (0, 1)):
            time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 130, err)
        self.assertIn("Received SIGINT: cancelling the SLURM jobs", out)
        self.assertIn("Interrupted by SIGINT: 0 of 2 jobs completed, 2 stopped, 0 not started.",
                      err)
        for j in (0, 1):
            r = result(self.cwd, j)
            self.assertEqual(r["status"], "INTERRUPTED")
            self.assertRegex(r["error"], r"SLURM job \d+_\d was cancelled on SIGINT")

    def test_controller_down(self):
        rc, out, err = self.run_app("a=1,2", env=self.down_env())
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith(
            "sbatch failed: the SLURM controller cannot be reached (is slurmctld running? check "
            "with `scontrol ping`)\n"), err)
        self.assertIn("Unable to contact slurm controller", err)


# --- the real cluster ----------------------------------------------------------------------------

started_here = False
why_not = None


def squeue_works():
    if not shutil.which("squeue"):
        return False
    try:
        return subprocess.run(["squeue", "-h"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def setUpModule():
    global started_here, why_not
    if squeue_works():
        return
    if os.geteuid() != 0:
        why_not = "SLURM is not running and starting it needs root"
        return
    if not shutil.which("apt-get") and not os.path.exists("/usr/sbin/slurmctld"):
        why_not = "SLURM is not running and cannot be installed here (no apt-get)"
        return
    p = subprocess.run(["bash", os.path.join(SCRIPTS, "slurm-local-up.sh")], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0 or not squeue_works():
        why_not = "scripts/slurm-local-up.sh could not start SLURM:\n" + (p.stderr or p.stdout)[-2000:]
        return
    started_here = True


def tearDownModule():
    if started_here and os.environ.get("CYDRA_KEEP_SLURM") != "1":
        subprocess.run(["bash", os.path.join(SCRIPTS, "slurm-local-down.sh")],
                       capture_output=True, timeout=120)


class RealSlurm(SweepChecks, unittest.TestCase):
    def setUp(self):
        if why_not and os.environ.get("CYDRA_REQUIRE_SLURM") == "1":
            self.fail(why_not)
        if why_not:
            self.skipTest(why_not)
        super().setUp()
        self.env = {}

    def down_env(self):
        """A client configuration that points at a port no controller listens on."""
        conf = os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf")
        text = re.sub(r"(?m)^SlurmctldPort=.*$", "SlurmctldPort=6999", read(conf))
        if "SlurmctldPort=6999" not in text:
            text += "\nSlurmctldPort=6999\n"
        path = os.path.join(self.cwd, "down.conf")
        with open(path, "w") as f:
            f.write(text)
        return {"SLURM_CONF": path}


if __name__ == "__main__":
    unittest.main()
