#!/usr/bin/env python3
# ctest-labels: oracle
# ctest-timeout: 300
"""The committed override goldens are what Hydra 1.3.2 says today.

Re-runs tests/oracle/override_golden.py into a temporary file and compares it with
tests/golden/override/overrides.txt, so a changed generator or oracle cannot leave stale
goldens behind. Skipped when Hydra's sources (the oracle) are not on this machine.
"""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "oracle", "override_golden.py")
GOLDEN = os.path.join(HERE, "..", "golden", "override", "overrides.txt")
ORACLE = os.environ.get("HYDRA_ORACLE", "/work/oracle/hydra")


@unittest.skipUnless(os.path.isdir(os.path.join(ORACLE, "hydra")), "Hydra oracle not available")
class GoldenTest(unittest.TestCase):
    def test_goldens_match_the_oracle(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "overrides.txt")
            subprocess.run([sys.executable, GEN, "--out", out], check=True,
                           capture_output=True, timeout=250)
            with open(out, encoding="utf-8") as f:
                fresh = f.read()
        with open(GOLDEN, encoding="utf-8") as f:
            committed = f.read()
        self.assertGreaterEqual(committed.count("\nin\t"), 400)
        if fresh != committed:
            a, b = committed.split("\n\n"), fresh.split("\n\n")
            diff = [(x, y) for x, y in zip(a, b) if x != y][:5]
            self.fail(f"goldens are stale ({len(a)} vs {len(b)} records); first differences: "
                      f"{diff}")


if __name__ == "__main__":
    unittest.main()
