"""The MNIST downloader (build/mnist-download, i.e. libnn's nn_mnist_download over libcurl) against a
real HTTP server on 127.0.0.1 serving small generated idx files: good, corrupt (bad MD5), missing
(404), failing (500), stalled (low-speed abort / timeout), redirected, and mirror fallback.

# ctest-labels: data;http
# ctest-timeout: 180
"""
import gzip
import hashlib
import http.server
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest


def build_dir():
    """The build directory under test: $CYDRA_BUILD_DIR (set by ctest), else build/."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("CYDRA_BUILD_DIR") or os.path.join(here, "..", "..", "build")


def tool(name):
    path = os.path.join(build_dir(), name)
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("%s is not built" % path)
    return path


def idx_images(n, seed, rows=28, cols=28):
    """An idx3-ubyte file of n pseudo-random images."""
    body = bytes((i * 131 + seed * 17 + (i >> 5)) & 255 for i in range(n * rows * cols))
    return struct.pack(">IIII", 0x803, n, rows, cols) + body


def idx_labels(n, seed):
    return struct.pack(">II", 0x801, n) + bytes((i * 7 + seed) % 10 for i in range(n))

NAMES = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]


def make_files():
    """name.gz -> bytes, plus the raw bytes, for a 30/10-sample dataset."""
    raw = {
        NAMES[0]: idx_images(30, seed=1),
        NAMES[1]: idx_labels(30, seed=2),
        NAMES[2]: idx_images(10, seed=3),
        NAMES[3]: idx_labels(10, seed=4),
    }
    gz = {n + ".gz": gzip.compress(b, mtime=0) for n, b in raw.items()}
    return raw, gz


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = files
        self.requests = []
        self.stop = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, body, status=200):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        srv.requests.append(self.path)
        parts = self.path.strip("/").split("/")
        mode, name = parts[0], parts[-1]
        body = srv.files.get(name)
        if mode == "missing" or body is None:
            self.send_body(b"not here\n", 404)
        elif mode == "error500":
            self.send_body(b"oops\n", 500)
        elif mode == "good":
            self.send_body(body)
        elif mode == "bad":
            broken = bytearray(body)
            broken[len(broken) // 2] ^= 0xFF
            self.send_body(bytes(broken))
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/good/" + name)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "slow":
            # Promise the whole file, send a little, then stall until the client gives up.
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:64])
            self.wfile.flush()
            srv.stop.wait(30)
        else:
            self.send_body(b"unknown mode\n", 400)


class DownloadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tool = tool("mnist-download")
        cls.raw, cls.gz = make_files()
        cls.server = Server(cls.gz)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop.set()
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nn_dl_")
        self.server.requests.clear()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def md5_args(self):
        args = []
        for name, body in self.gz.items():
            raw = self.raw[name[:-3]]
            args += ["--md5", "%s=%s:%s" % (name, hashlib.md5(body).hexdigest(),
                                            hashlib.md5(raw).hexdigest())]
        return args

    def run_tool(self, mirrors, *extra, env=None, timeout=60):
        cmd = [self.tool, "--root", self.tmp, "--no-local"] + self.md5_args()
        for m in mirrors:
            cmd += ["--mirror", self.base + "/" + m + "/"]
        cmd += list(extra)
        e = dict(os.environ)
        e.pop("CYDRA_MNIST_MIRRORS", None)
        e.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)

    def raw_dir(self):
        return os.path.join(self.tmp, "MNIST", "raw")

    def assert_complete(self):
        d = self.raw_dir()
        for n in NAMES:
            with open(os.path.join(d, n), "rb") as f:
                self.assertEqual(f.read(), self.raw[n], n)
            with open(os.path.join(d, n + ".gz"), "rb") as f:
                self.assertEqual(f.read(), self.gz[n + ".gz"], n)
        self.assertEqual([f for f in os.listdir(d) if ".part." in f], [])

    def test_good_mirror(self):
        r = self.run_tool(["good"], "--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_complete()
        url = self.base + "/good/train-images-idx3-ubyte.gz"
        self.assertIn("Downloading " + url, r.stderr)
        self.assertIn("Downloaded " + url, r.stderr)
        self.assertNotIn("\r", r.stderr)  # not a terminal: plain lines only
        # the loaded splits are what was served
        lines = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
        want = "count=30 rows=28 cols=28 images_md5=%s labels_md5=%s" % (
            hashlib.md5(self.raw[NAMES[0]][16:]).hexdigest(),
            hashlib.md5(self.raw[NAMES[1]][8:]).hexdigest())
        self.assertTrue(lines["train"].startswith(want), lines["train"])
        counts = [0] * 10
        for b in self.raw[NAMES[3]][8:]:
            counts[b] += 1
        self.assertTrue(lines["test"].endswith("classes=" + ",".join(map(str, counts))))
        self.assertEqual(len(self.server.requests), 4)

    def test_first_mirror_404_then_good(self):
        r = self.run_tool(["missing", "good"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_complete()
        self.assertIn("Failed to download %s/missing/train-images-idx3-ubyte.gz: HTTP 404"
                      % self.base, r.stderr)
        self.assertEqual(self.server.requests[:2], ["/missing/train-images-idx3-ubyte.gz",
                                                    "/good/train-images-idx3-ubyte.gz"])

    def test_bad_md5_is_rejected_and_leaves_nothing(self):
        r = self.run_tool(["bad"])
        self.assertEqual(r.returncode, 1)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("mnist-download: error: cannot download "
                                        "train-images-idx3-ubyte.gz into " + self.raw_dir()), last)
        self.assertIn("the only mirror failed: [1] %s/bad/train-images-idx3-ubyte.gz: MD5 mismatch"
                      % self.base, last)
        self.assertIn("expected " + hashlib.md5(self.gz[NAMES[0] + ".gz"]).hexdigest(), last)
        self.assertEqual(os.listdir(self.raw_dir()), [])

    def test_bad_md5_then_good_mirror(self):
        r = self.run_tool(["bad", "good"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_complete()
        self.assertIn("MD5 mismatch", r.stderr)

    def test_stalled_server_is_abandoned(self):
        t0 = time.monotonic()
        r = self.run_tool(["slow"], "--low-speed-limit", "1000", "--low-speed-time", "1")
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 1)
        self.assertLess(took, 20)
        self.assertIn("%s/slow/train-images-idx3-ubyte.gz" % self.base, r.stderr)
        self.assertRegex(r.stderr, r"too slow|timed out")
        self.assertEqual([f for f in os.listdir(self.raw_dir())], [])

    def test_total_timeout(self):
        t0 = time.monotonic()
        r = self.run_tool(["slow"], "--timeout", "1", "--low-speed-time", "0")
        self.assertEqual(r.returncode, 1)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertIn("timed out after 64 bytes", r.stderr)

    def test_every_mirror_is_named_when_all_fail(self):
        r = self.run_tool(["missing", "bad", "error500", "slow"],
                          "--low-speed-limit", "1000", "--low-speed-time", "1")
        self.assertEqual(r.returncode, 1)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn("all 4 mirrors failed", last)
        f = "train-images-idx3-ubyte.gz"
        self.assertIn("[1] %s/missing/%s: HTTP 404" % (self.base, f), last)
        self.assertIn("[2] %s/bad/%s: MD5 mismatch" % (self.base, f), last)
        self.assertIn("[3] %s/error500/%s: HTTP 500" % (self.base, f), last)
        self.assertIn("[4] %s/slow/%s: " % (self.base, f), last)

    def test_redirect_is_followed(self):
        r = self.run_tool(["redirect"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_complete()

    def test_mirrors_from_environment(self):
        env = {"CYDRA_MNIST_MIRRORS": "%s/missing/ %s/good/" % (self.base, self.base)}
        r = self.run_tool([], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_complete()
        self.assertIn("/missing/t10k-labels-idx1-ubyte.gz", self.server.requests)

    def test_present_files_are_not_fetched_again(self):
        self.assertEqual(self.run_tool(["good"]).returncode, 0)
        self.server.requests.clear()
        r = self.run_tool(["good"], "--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.server.requests, [])
        self.assertEqual(r.stderr, "")

    def test_data_root_from_environment_and_cwd(self):
        env = dict(os.environ, CYDRA_DATA_DIR=os.path.join(self.tmp, "viaenv"))
        env.pop("CYDRA_MNIST_MIRRORS", None)
        cmd = [self.tool, "--no-local", "--quiet", "--mirror", self.base + "/good/"]
        cmd += self.md5_args()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "viaenv/MNIST/raw", NAMES[0])))
        env.pop("CYDRA_DATA_DIR")
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "data/MNIST/raw", NAMES[0])))

    def test_single_url(self):
        out = os.path.join(self.tmp, "one.gz")
        body = self.gz[NAMES[3] + ".gz"]
        cmd = [self.tool, "--quiet", "--url", self.base + "/good/" + NAMES[3] + ".gz",
               "--out", out, "--expect-md5", hashlib.md5(body).hexdigest()]
        self.assertEqual(subprocess.run(cmd, timeout=60).returncode, 0)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), body)
        os.unlink(out)
        cmd[-1] = "0" * 32
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("MD5 mismatch", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_progress_bar_on_a_terminal(self):
        cmd = [self.tool, "--root", self.tmp, "--no-local", "--mirror", self.base + "/good/"]
        cmd += self.md5_args()
        master, slave = pty.openpty()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=slave)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        p.wait(timeout=30)
        os.close(master)
        self.assertEqual(p.returncode, 0, out)
        text = out.decode()
        self.assertIn("\r100% [" + "=" * 30 + "]", text)  # the bar, redrawn in place
        self.assertIn(" MB", text)

    def test_bad_usage(self):
        r = subprocess.run([self.tool, "--md5", "nope=abc"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--md5 wants NAME=MD5", r.stderr)
        r = subprocess.run([self.tool, "--dataset", "cifar"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([self.tool, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--mirror URL", r.stdout)


if __name__ == "__main__":
    print("using build dir", build_dir(), file=sys.stderr)
    unittest.main()
