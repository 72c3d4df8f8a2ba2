"""What Cydra's multirun does beyond Hydra, run for real with build/tests/apps/sweep_app in scratch
directories: jobs that crash (SIGSEGV, abort(), exit(3)) or fail are reported with their
directories while the other jobs run; the local launcher runs n_jobs at once (checked with the
start/end times the jobs write) and stops jobs past their timeout; a re-run into the same
hydra.sweep.dir skips completed jobs (matched by number and overrides); SIGINT/SIGTERM stop the
running jobs, mark them INTERRUPTED and exit with 130; returned values make a summary table and
summary.csv. The Hydra-compatible output itself is checked against Hydra by
test_multirun_golden.py."""
# ctest-timeout: 300
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402

APP = os.path.join(clitest.BUILD, "tests", "apps", "sweep_app")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def result(cwd, job, sweep="sw"):
    text = read(os.path.join(cwd, sweep, str(job), ".hydra", "result.yaml"))
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def times(cwd, job, sweep="sw"):
    """(start, end) pairs the job wrote (one per run of the job)."""
    path = os.path.join(cwd, sweep, str(job), "times.txt")
    if not os.path.exists(path):
        return []
    stamps = [line.split() for line in read(path).splitlines()]
    starts = [float(t) for w, t in stamps if w == "start"]
    ends = [float(t) for w, t in stamps if w == "end"]
    return list(zip(starts, ends + [float("inf")] * (len(starts) - len(ends))))


def launch_lines(out):
    return [line.split("] ", 1)[1] for line in out.splitlines() if "][HYDRA] " in line]


class Multirun(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(APP):
            self.skipTest(f"{APP} is not built")
        self.cwd = clitest.scratch_dir()

    def tearDown(self):
        shutil.rmtree(self.cwd, ignore_errors=True)

    def run_app(self, *args, env=None, timeout=120):
        return clitest.run([APP, "-m", "hydra.sweep.dir=sw"] + list(args), self.cwd, env=env,
                           timeout=timeout)

    def wait_for(self, *jobs):
        """Until each of the jobs has started its sleep (written its start time)."""
        deadline = time.time() + 60
        while time.time() < deadline:
            if all(times(self.cwd, j) for j in jobs):
                return
            time.sleep(0.02)
        self.fail(f"jobs {jobs} did not start")

    def start_app(self, *args, **kw):
        e = dict(os.environ)
        e.update({"LC_ALL": "C.UTF-8"})
        return subprocess.Popen([APP, "-m", "hydra.sweep.dir=sw"] + list(args), cwd=self.cwd,
                                env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                **kw)

    # --- failures ---------------------------------------------------------------------------

    def test_crashing_jobs_are_reported_and_the_others_run(self):
        rc, out, err = self.run_app("crash=none,segv,abort,exit3,fail,none", "value=1.5")
        self.assertEqual(rc, 1, err)
        sw = os.path.realpath(os.path.join(self.cwd, "sw"))
        self.assertIn("Error executing job with overrides: ['crash=segv', 'value=1.5']\n"
                      "The job process was killed by signal 11 (Segmentation fault)\n", err)
        self.assertIn("Error executing job with overrides: ['crash=abort', 'value=1.5']\n"
                      "The job process was killed by signal 6 (Aborted)\n", err)
        self.assertIn("Error executing job with overrides: ['crash=exit3', 'value=1.5']\n"
                      "The job process exited with status 3 without returning from the task\n",
                      err)
        self.assertIn("Error executing job with overrides: ['crash=fail', 'value=1.5']\n"
                      "the task failed as asked (crash=fail)\n", err)
        self.assertTrue(err.endswith(
            "4 of 6 jobs failed:\n"
            f"\t#1 : crash=segv value=1.5 ({sw}/1)\n"
            f"\t#2 : crash=abort value=1.5 ({sw}/2)\n"
            f"\t#3 : crash=exit3 value=1.5 ({sw}/3)\n"
            f"\t#4 : crash=fail value=1.5 ({sw}/4)\n"), err)
        # every job ran, in its own directory, with its own result
        self.assertEqual(result(self.cwd, 0), {"status": "COMPLETED", "return_value": "1.5"})
        self.assertEqual(result(self.cwd, 5), {"status": "COMPLETED", "return_value": "1.5"})
        self.assertEqual(result(self.cwd, 1)["status"], "FAILED")
        self.assertIn("signal 11", result(self.cwd, 1)["error"])
        self.assertEqual(result(self.cwd, 4)["error"], "the task failed as asked (crash=fail)")
        for job in range(6):
            self.assertTrue(os.path.exists(os.path.join(self.cwd, "sw", str(job), "sweep_app.log")))
        self.assertEqual(len(launch_lines(out)), 7)

    def test_a_failed_batch_stops_the_sweep_as_in_hydra(self):
        rc, out, err = self.run_app("crash=fail,none", "a=1,2", "hydra.sweeper.max_batch_size=2")
        self.assertEqual(rc, 1)
        self.assertEqual(launch_lines(out), ["Launching 2 jobs locally", "\t#0 : crash=fail a=1",
                                             "\t#1 : crash=fail a=2"])
        self.assertEqual(sorted(os.listdir(os.path.join(self.cwd, "sw"))),
                         ["0", "1", "multirun.yaml"])
        self.assertIn("2 of 4 jobs failed:", err)

    def test_all_completed_means_status_0_and_quiet_stderr(self):
        rc, out, err = self.run_app("a=1,2")
        self.assertEqual((rc, err), (0, ""))
        self.assertFalse(os.path.exists(os.path.join(self.cwd, "sw", "summary.csv")))

    def test_unknown_launcher_and_bad_options(self):
        rc, out, err = self.run_app("a=1,2", "hydra.launcher._target_=my.Launcher")
        self.assertEqual(rc, 1)
        self.assertEqual(err, "Launcher 'my.Launcher' is not available: Cydra's launchers are "
                              "hydra/launcher=basic, local and slurm\n")
        rc, out, err = self.run_app("a=1,2", "hydra/launcher=local", "hydra.launcher.n_jobs=0")
        self.assertEqual(rc, 1)
        self.assertIn("n_jobs == 0 has no meaning", err)
        rc, out, err = self.run_app("a=1,2", "hydra/launcher=local", "hydra.launcher.nosuch=1")
        self.assertEqual(rc, 1)
        self.assertIn("Key 'nosuch' not in 'LocalLauncherConf'", err)

    # --- the local launcher -------------------------------------------------------------------

    def test_local_launcher_runs_n_jobs_at_once(self):
        t0 = time.time()
        rc, out, err = self.run_app("a=1,2,3,4", "sleep=1", "hydra/launcher=local",
                                    "hydra.launcher.n_jobs=2")
        wall = time.time() - t0
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(launch_lines(out), [
            "LocalLauncher(n_jobs=2) is launching 4 jobs",
            "Launching jobs, sweep output dir : sw",
            "\t#0 : a=1 sleep=1", "\t#1 : a=2 sleep=1", "\t#2 : a=3 sleep=1",
            "\t#3 : a=4 sleep=1"])
        spans = [times(self.cwd, j)[0] for j in range(4)]
        # at every job start, how many jobs were running
        most = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
        self.assertEqual(most, 2, spans)
        self.assertLess(wall, 3.9, "4 one-second jobs two at a time, not one")
        # each job has its own files, as with the basic launcher
        for j in range(4):
            self.assertEqual(read(os.path.join(self.cwd, "sw", str(j), ".hydra", "overrides.yaml")),
                             f"- a={j + 1}\n- sleep=1\n")
            # hydra.job.id as hydra-joblib-launcher sets it
            self.assertIn(f"    id: sweep_app_{j}\n    num: {j}\n",
                          read(os.path.join(self.cwd, "sw", str(j), ".hydra", "hydra.yaml")))

    def test_basic_launcher_runs_one_job_at_a_time(self):
        rc, out, err = self.run_app("a=1,2,3", "sleep=0.3")
        self.assertEqual(rc, 0)
        spans = [times(self.cwd, j)[0] for j in range(3)]
        for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
            self.assertLessEqual(e0, s1)

    def test_local_launcher_timeout(self):
        t0 = time.time()
        rc, out, err = self.run_app("sleep=30,0", "hydra/launcher=local",
                                    "hydra.launcher.timeout=0.5", "hydra.launcher.n_jobs=2")
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(rc, 1)
        self.assertIn("Job #0 timed out after 0.5 seconds: stopping it", out)
        self.assertIn("Error executing job with overrides: ['sleep=30']\n"
                      "The job timed out after 0.5 seconds and was stopped\n", err)
        self.assertEqual(result(self.cwd, 0)["status"], "FAILED")
        self.assertEqual(result(self.cwd, 1)["status"], "COMPLETED")

    def test_local_launcher_threads_per_job(self):
        rc, out, err = self.run_app("a=1,2", "value=${oc.env:CYDRA_NUM_THREADS}",
                                    "hydra/launcher=local", "hydra.launcher.threads_per_job=3")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(result(self.cwd, 0)["return_value"], "3.0")
        self.assertEqual(result(self.cwd, 1)["return_value"], "3.0")

    # --- resume -------------------------------------------------------------------------------

    def test_resume_runs_only_what_did_not_complete(self):
        p = self.start_app("a=1,2,3", "sleep=2", "value=2")
        self.wait_for(1)  # job 0 done, job 1 running, job 2 not started
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        sw = os.path.realpath(os.path.join(self.cwd, "sw"))
        self.assertIn("Received SIGINT: stopping 1 running job, starting no more", out)
        self.assertEqual(err, "Interrupted by SIGINT: 1 of 3 jobs completed, 1 stopped, "
                              "1 not started.\n"
                              f"To resume, run the same command with hydra.sweep.dir={sw}\n")
        self.assertEqual(result(self.cwd, 0), {"status": "COMPLETED", "return_value": "2.0"})
        self.assertEqual(result(self.cwd, 1), {"status": "INTERRUPTED", "return_value": "null",
                                               "error": "The job was stopped by SIGINT"})
        self.assertFalse(os.path.exists(os.path.join(self.cwd, "sw", "2")))
        self.assertEqual(len(times(self.cwd, 1)), 1)

        rc, out, err = self.run_app("a=1,2,3", "sleep=2", "value=2")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(launch_lines(out), [
            "Resuming the sweep in sw: 1 of these 3 jobs completed before and are not run again",
            "Launching 3 jobs locally",
            "\t#0 : a=1 sleep=2 value=2 (completed before: skipped)",
            "\t#1 : a=2 sleep=2 value=2", "\t#2 : a=3 sleep=2 value=2"])
        self.assertEqual(len(times(self.cwd, 0)), 1, "job 0 did not run again")
        self.assertEqual(len(times(self.cwd, 1)), 2)
        self.assertEqual(len(times(self.cwd, 2)), 1)
        for j in range(3):
            self.assertEqual(result(self.cwd, j), {"status": "COMPLETED", "return_value": "2.0"})
        # the summary lists the job that completed before with its value
        self.assertIn("0  a=1 sleep=2 value=2  COMPLETED  2.0\n", out)

        # a different sweep into the same directory: job 1's overrides differ, it runs again
        rc, out, err = self.run_app("a=1,5,3", "sleep=2", "value=2")
        self.assertEqual(rc, 0, err)
        self.assertIn("2 of these 3 jobs completed before", out)
        self.assertEqual(len(times(self.cwd, 1)), 3)
        self.assertEqual(read(os.path.join(self.cwd, "sw", "1", ".hydra", "overrides.yaml")),
                         "- a=5\n- sleep=2\n- value=2\n")

    def test_failed_jobs_run_again_on_resume(self):
        rc, out, err = self.run_app("a=1,2", "crash=${oc.env:CRASH,none}")
        self.assertEqual(rc, 0)
        os.unlink(os.path.join(self.cwd, "sw", "1", ".hydra", "result.yaml"))
        with open(os.path.join(self.cwd, "sw", "0", ".hydra", "result.yaml"), "w") as f:
            f.write("status: FAILED\nreturn_value: null\n")
        rc, out, err = self.run_app("a=1,2", "crash=${oc.env:CRASH,none}")
        self.assertEqual(rc, 0)
        self.assertNotIn("completed before", out)
        self.assertEqual(len([l for l in launch_lines(out) if l.startswith("\t#")]), 2)

    def test_sigterm_with_the_local_launcher(self):
        p = self.start_app("a=1,2,3,4", "sleep=5", "hydra/launcher=local",
                           "hydra.launcher.n_jobs=2")
        self.wait_for(0, 1)
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        self.assertLess(time.time() - t0, 3, "the running jobs were stopped, not waited for")
        self.assertEqual(p.returncode, 130)
        self.assertIn("Interrupted by SIGTERM: 0 of 4 jobs completed, 2 stopped, 2 not started.",
                      err)
        for j in (0, 1):
            self.assertEqual(result(self.cwd, j)["status"], "INTERRUPTED")
        for j in (2, 3):
            self.assertFalse(os.path.exists(os.path.join(self.cwd, "sw", str(j))))

    def test_an_ignored_sigint_does_not_stop_the_sweep(self):
        p = self.start_app("a=1,2", "sleep=0.5",
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        time.sleep(0.4)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        self.assertEqual(result(self.cwd, 1)["status"], "COMPLETED")

    # --- summary ------------------------------------------------------------------------------

    def test_summary_table_and_csv(self):
        rc, out, err = self.run_app("value=0.5,2", "name=choice('x,y',z)", "crash=none")
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.endswith(
            "Sweep summary (sw):\n"
            "#  overrides                       status     value\n"
            "0  value=0.5 name=x\\,y crash=none  COMPLETED  0.5\n"
            "1  value=0.5 name=z crash=none     COMPLETED  0.5\n"
            "2  value=2 name=x\\,y crash=none    COMPLETED  2.0\n"
            "3  value=2 name=z crash=none       COMPLETED  2.0\n"), out)
        sw = os.path.realpath(os.path.join(self.cwd, "sw"))
        rows = list(csv.reader(open(os.path.join(self.cwd, "sw", "summary.csv"))))
        self.assertEqual(rows[0], ["job", "overrides", "status", "value", "dir"])
        self.assertEqual(rows[1], ["0", "value=0.5 name=x\\,y crash=none", "COMPLETED", "0.5",
                                   f"{sw}/0"])
        self.assertEqual(len(rows), 5)
        self.assertEqual([f for f in os.listdir(os.path.join(self.cwd, "sw"))
                          if f.startswith("summary")], ["summary.csv"])

    def test_summary_with_failures(self):
        rc, out, err = self.run_app("value=1", "crash=none,fail")
        self.assertEqual(rc, 1)
        self.assertIn("0  value=1 crash=none  COMPLETED  1.0\n1  value=1 crash=fail  FAILED\n",
                      out)
        rows = list(csv.reader(open(os.path.join(self.cwd, "sw", "summary.csv"))))
        self.assertEqual(rows[2][:4], ["1", "value=1 crash=fail", "FAILED", ""])

    # --- misc ---------------------------------------------------------------------------------

    def test_shuffle_runs_every_value_once(self):
        rc, out, err = self.run_app("a=shuffle(range(8))")
        self.assertEqual(rc, 0, err)
        lines = [l for l in launch_lines(out) if l.startswith("\t#")]
        self.assertEqual(sorted(int(l.split("a=")[1]) for l in lines), list(range(8)))

    def test_a_big_sweep_goes_fast(self):
        t0 = time.time()
        rc, out, err = self.run_app("a=range(40)", "hydra/launcher=local")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(len(os.listdir(os.path.join(self.cwd, "sw"))), 41)
        self.assertLess(time.time() - t0, 30)


if __name__ == "__main__":
    unittest.main()
