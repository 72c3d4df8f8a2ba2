"""Re-runs the composition oracle (tests/oracle/compose_gen.py --check) when real Hydra is
available, so that tests/golden/compose/golden.txt provably is what Hydra 1.3.2 gives for every
case. Where Hydra's source is not on this machine the test is skipped; the C test
test_compose_golden replays the committed golden file either way.

Hydra is looked up in $CYDRA_HYDRA_SRC, then /work/oracle/hydra, then the installed packages.
"""
# ctest-labels: oracle
# ctest-timeout: 600
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
GEN = os.path.join(TESTS, "oracle", "compose_gen.py")


def hydra_path():
    for candidate in (os.environ.get("CYDRA_HYDRA_SRC"), "/work/oracle/hydra"):
        if candidate and os.path.isfile(os.path.join(candidate, "hydra", "__init__.py")):
            return candidate
    try:
        import hydra  # noqa: F401

        return ""
    except ImportError:
        return None


class ComposeGoldenTest(unittest.TestCase):
    def test_golden_matches_hydra(self):
        path = hydra_path()
        if path is None:
            self.skipTest("Hydra 1.3.2 is not available here")
        env = dict(os.environ)
        if path:
            env["PYTHONPATH"] = path + os.pathsep + env.get("PYTHONPATH", "")
        try:
            import omegaconf  # noqa: F401
        except ImportError:
            self.skipTest("omegaconf is not installed")
        proc = subprocess.run([sys.executable, GEN, "--check"], env=env, capture_output=True,
                              text=True, timeout=580)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_cases_are_well_formed(self):
        sys.path.insert(0, os.path.join(TESTS, "oracle"))
        from compose_cases import CASES

        ids = [c["id"] for c in CASES]
        self.assertEqual(len(ids), len(set(ids)), "duplicate case ids")
        fixtures = os.path.join(TESTS, "golden", "compose", "fixtures")
        for c in CASES:
            if c["dir"] and not c["id"].startswith("sp_missing"):
                self.assertTrue(os.path.isdir(os.path.join(fixtures, c["dir"])), c["id"])
            self.assertIn(c["mode"], ("RUN", "MULTIRUN"))
        with open(os.path.join(TESTS, "golden", "compose", "golden.txt"), encoding="utf-8") as f:
            golden = f.read()
        for i in ids:
            self.assertIn("=== %s\n" % i, golden, "case %s has no golden entry" % i)


if __name__ == "__main__":
    unittest.main()
