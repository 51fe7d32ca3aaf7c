#!/usr/bin/env python3
"""The dialogs' Download button end to end, without GIMP: download_driver runs the
plug-in's FetchProcess (plugin/core/fetch_process.h), which runs the real
nst-fetch-weights --machine-readable against a slow HTTP server on 127.0.0.1 serving
../shared's partial Keras file: completed, stopped and resumed, closed half-way, corrupt,
no server, no script.

    plugin_download_test.py DRIVER FETCH PARTIAL_H5     (meson passes the three paths)
"""
import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
import range_server  # noqa: E402 (found through the line above)

DRIVER, FETCH, PARTIAL_H5 = (None, None, None)
# 9.3 MB in 64 KiB pieces 10 ms apart: about 1.5 s; 30 ms (4.5 s) where a test stops the
# download at 20 %, so that a busy machine still stops it before the end.
PIECE, PAUSE, SLOW_PAUSE = 64 * 1024, 0.01, 0.03


class DownloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nst-download-")
        self.root = pathlib.Path(self.dir.name)
        self.body = pathlib.Path(PARTIAL_H5).read_bytes()
        self.md5 = hashlib.md5(self.body).hexdigest()
        self.dest = self.root / "data" / "vgg19.safetensors"
        self.cache = self.root / "cache" / "neural-style-transfer"
        self.env = dict(os.environ, HOME=str(self.root / "home"), XDG_CACHE_HOME=str(self.root / "cache"),
                        NST_WEIGHTS=str(self.dest), NST_FETCH_WEIGHTS=FETCH,
                        NST_WEIGHTS_MANIFEST=str(self.root / "sources.json"))

    def tearDown(self):
        self.dir.cleanup()

    def manifest(self, url):
        (self.root / "sources.json").write_text(
            '{"file": "vgg19.h5", "md5": "%s", "sources": [{"url": "%s"}]}' % (self.md5, url))

    def serve(self, body=None, pause=PAUSE):
        base, self.served = range_server.serve(self, range_server.RangeHandler, body or self.body, PIECE, pause)
        self.manifest(base + "/vgg19.h5")

    def drive(self, *args):
        """(exit status, the views as [phase, fraction, button, status] rows)."""
        result = subprocess.run([DRIVER] + list(args), capture_output=True, text=True, env=self.env, timeout=300,
                                check=False)
        views = [line.split("\t") for line in result.stdout.splitlines()]
        self.assertTrue(views, result.stderr)
        return result.returncode, views

    def parts(self):
        return list(self.cache.glob("*.part")) if self.cache.exists() else []

    def assert_installed(self, status, views):
        self.assertEqual(status, 0, views[-3:])
        self.assertEqual(views[-1][0], "installed")
        self.assertEqual(views[-1][3], f"Installed {self.dest}.")
        self.assertTrue(self.dest.is_file())
        self.assertEqual(self.parts(), [], "the download is removed once converted")

    def test_completed_download_installs_and_shows_its_progress(self):
        self.serve()
        status, views = self.drive()
        self.assert_installed(status, views)
        phases = [view[0] for view in views]
        for phase in ("downloading", "verifying", "converting", "installed"):
            self.assertIn(phase, phases)
        progress = [view for view in views if view[3].startswith("Downloading from 127.0.0.1:")]
        self.assertGreater(len(progress), 2, "progress is shown while the bytes arrive")
        fractions = [float(view[1]) for view in progress]
        self.assertEqual(fractions, sorted(fractions))
        # The last progress line may come in one read with the next event: the bar is full there.
        after = next(view for view in views if view[0] not in ("downloading",))
        self.assertAlmostEqual(float(after[1]), 1.0)
        with_time_left = [view[3] for view in progress if view[3].endswith(" left")]
        self.assertTrue(with_time_left, progress)
        self.assertRegex(with_time_left[0], r": \d+\.\d MB of 9\.3 MB, \d+\.\d MB/s, about \d+ s left$")
        self.assertEqual(self.served.ranges_seen, [None])

    def test_stopped_download_keeps_its_part_and_resumes_from_it(self):
        self.serve(pause=SLOW_PAUSE)
        status, views = self.drive("--stop-at", "0.2")
        self.assertEqual(status, 3, views[-3:])
        self.assertEqual(views[-1][0], "stopped")
        self.assertIn("What was downloaded is kept", views[-1][3])
        self.assertEqual(views[-1][2], "Resume down_load")
        self.assertFalse(self.dest.exists())
        [part] = self.parts()
        kept = part.stat().st_size
        self.assertGreater(kept, 0)
        self.assertLess(kept, len(self.body))

        status, views = self.drive()
        self.assert_installed(status, views)
        self.assertEqual(self.served.ranges_seen, [None, f"bytes={kept}-"])
        self.assertTrue(any(f"(resumed at {kept / 1e6:.1f} MB)" in view[3] for view in views))

    def test_closing_the_dialog_stops_the_script_and_keeps_the_part(self):
        self.serve(pause=SLOW_PAUSE)
        status, views = self.drive("--close-at", "0.2")
        self.assertEqual(status, 4, views[-3:])
        [part] = self.parts()
        size = part.stat().st_size
        time.sleep(0.5)
        self.assertEqual(part.stat().st_size, size, "nothing writes to the part once the dialog closed")
        self.assertLess(size, len(self.body))
        self.assertFalse(self.dest.exists())

    def test_corrupt_download_is_refused_and_nothing_installed(self):
        corrupt = bytearray(self.body)
        corrupt[len(corrupt) // 2] ^= 0xFF
        self.serve(bytes(corrupt))
        status, views = self.drive()
        self.assertEqual(status, 1, views[-3:])
        self.assertEqual(views[-1][0], "failed")
        self.assertIn(f"expected {self.md5}", views[-1][3])
        self.assertEqual(views[-1][2], "Try the down_load again")
        self.assertFalse(self.dest.exists())
        self.assertEqual(self.parts(), [], "a download that fails its check is not kept to resume")

    def test_no_server_says_what_failed_and_where_a_file_goes(self):
        self.manifest("http://127.0.0.1:9/vgg19.h5")  # the discard port: nothing listens
        status, views = self.drive()
        self.assertEqual(status, 1, views[-3:])
        message = views[-1][3]
        self.assertIn("The download failed: no source could be downloaded", message)
        self.assertIn("refused", message)
        self.assertIn("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", message)
        self.assertIn(str(self.dest), message)
        self.assertFalse(self.dest.exists())

    def test_missing_script_is_named(self):
        self.env["NST_FETCH_WEIGHTS"] = str(self.root / "nowhere" / "nst-fetch-weights")
        status, views = self.drive()
        self.assertEqual(status, 1)
        self.assertEqual(views[-1][0], "no-command")
        self.assertIn("nowhere/nst-fetch-weights", views[-1][3])


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    DRIVER, FETCH, PARTIAL_H5 = (os.path.abspath(path) for path in sys.argv[1:4])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
