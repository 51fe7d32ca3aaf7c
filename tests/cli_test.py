#!/usr/bin/env python3
"""The `nst` command line, end to end on lavapipe: `nst eval` on the shared images with
the partial weights (converted here), its JSON summary and .npy gradient, and the error
paths (exit codes, messages, no output left behind).

    cli_test.py NST NST_WEIGHTS SHARED_DIR     (meson passes the three paths)
"""
import json
import os
import pathlib
import re
import signal
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

NST, CONVERTER, SHARED = (None, None, None)


def run(*args):
    return subprocess.run([NST, *map(str, args)], capture_output=True, text=True, timeout=600)


def read_npy(path):
    """(shape, floats) of a little-endian float32 .npy file, without NumPy."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x93NUMPY\x01\x00", data[:8]
    header_length = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_length].decode("latin1")
    assert "'descr': '<f4'" in header and "'fortran_order': False" in header, header
    shape = tuple(int(n) for n in header.split("(")[1].split(")")[0].split(",") if n.strip())
    count = len(data[10 + header_length:]) // 4
    return shape, struct.unpack(f"<{count}f", data[10 + header_length:])


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width, height, idat=None):
    """An RGB PNG of black pixels; `idat` replaces its image data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = idat if idat is not None else zlib.compress(b"".join(b"\x00" + bytes(3 * width) for _ in range(height)))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) +
            png_chunk(b"IEND", b""))


def safetensors_bytes(tensors, metadata):
    """A safetensors file of little-endian float32 tensors {name: (shape, values)}."""
    header, data = {"__metadata__": metadata}, b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.dir = pathlib.Path(cls.folder.name)
        cls.weights = cls.dir / "vgg19-partial.safetensors"
        subprocess.run([CONVERTER, "convert", SHARED / "weights" / "vgg19-keras-partial.h5", cls.weights],
                       check=True, capture_output=True)
        cls.content = SHARED / "images" / "tuebingen.jpg"
        cls.style = SHARED / "images" / "starry_night.jpg"

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def eval(self, *extra):
        return run("eval", self.content, self.content, self.style, "--size", 64, "--weights", self.weights, *extra)

    def test_eval_writes_terms_summary_and_gradient(self):
        summary, gradient = self.dir / "summary.json", self.dir / "gradient.npy"
        result = self.eval("--style-weight", 1e4, "--tv-weight", 1e-3, "--json", summary, "--grad-out", gradient)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("partial network", result.stderr)
        printed = dict(line.split() for line in result.stdout.splitlines())
        loss = json.loads(summary.read_text())["loss"]
        for term in ("total", "content", "style", "tv"):
            self.assertAlmostEqual(float(printed[term]), loss[term], delta=1e-6 * abs(loss[term]) + 1e-9)
        # x is the content image itself: no content loss, but style and TV.
        self.assertEqual(loss["content"], 0.0)
        self.assertGreater(loss["style"], 0.0)
        self.assertGreater(loss["tv"], 0.0)
        self.assertAlmostEqual(loss["total"], loss["style"] + loss["tv"], delta=1e-5 * loss["total"])
        shape, values = read_npy(gradient)
        self.assertEqual(shape, (3, 48, 64))  # tuebingen is 640×480
        self.assertTrue(any(v != 0.0 for v in values))
        self.assertEqual(json.loads(summary.read_text())["size"], [64, 48])

    def test_eval_within_a_memory_limit_is_tiled_and_equal(self):
        whole, tiled = self.dir / "whole.json", self.dir / "tiled.json"
        args = ("eval", self.content, self.content, self.style, "--size", 160, "--weights", self.weights)
        first = run(*args, "--json", whole)
        second = run(*args, "--json", tiled, "--memory-limit", 34)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(second.returncode, 0, second.stderr)
        whole, tiled = json.loads(whole.read_text()), json.loads(tiled.read_text())
        self.assertEqual(whole["tiles"]["count"], 1)
        self.assertGreater(tiled["tiles"]["count"], 1)
        self.assertLessEqual(tiled["peak_device_bytes"], 34 << 20)
        self.assertLess(tiled["peak_device_bytes"], whole["peak_device_bytes"])
        for term in ("total", "style"):
            self.assertAlmostEqual(tiled["loss"][term], whole["loss"][term], delta=1e-5 * whole["loss"][term])

    def test_stylise_within_a_memory_limit_reaches_the_full_size_in_tiles(self):
        output, summary = self.dir / "tiled.png", self.dir / "tiled-run.json"
        result = run(self.content, self.style, "-o", output, "--size", 160, "--steps", 2, "--weights", self.weights,
                     "--memory-limit", 36, "--json", summary)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("step 1/2 tile 1/", result.stderr)  # progress within a tiled step
        run_summary = json.loads(summary.read_text())
        self.assertGreater(run_summary["tiles"]["count"], 1)
        self.assertEqual(run_summary["optimised_size"], [160, 120])
        self.assertLessEqual(run_summary["peak_device_bytes"], 36 << 20)
        self.assertEqual(struct.unpack(">II", output.read_bytes()[16:24]), (160, 120))

    def test_a_memory_limit_below_the_smallest_tile_is_refused(self):
        result = run("eval", self.content, self.content, self.style, "--size", 160, "--weights", self.weights,
                     "--memory-limit", 20)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("smallest tile", result.stderr)

    def test_eval_is_deterministic(self):
        first, second = self.eval(), self.eval()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout, second.stdout)

    def test_default_layers_follow_the_partial_file(self):
        summary = self.dir / "layers.json"
        self.assertEqual(self.eval("--json", summary).returncode, 0)
        objective = json.loads(summary.read_text())["objective"]
        self.assertEqual(objective["content_layers"], ["relu3_2"])
        self.assertEqual([l["layer"] for l in objective["style_layers"]], ["relu1_1", "relu2_1", "relu3_1"])

    def test_missing_image_is_a_clear_error_and_writes_nothing(self):
        summary = self.dir / "missing.json"
        result = run("eval", self.dir / "nope.png", self.content, self.style, "--weights", self.weights,
                     "--json", summary)
        self.assertEqual(result.returncode, 1)
        self.assertIn("nope.png", result.stderr)
        self.assertFalse(summary.exists())

    def test_layer_missing_from_the_weights_names_those_available(self):
        result = self.eval("--content-layers", "relu4_2")
        self.assertEqual(result.returncode, 1)
        self.assertIn("relu4_2", result.stderr)
        self.assertIn("relu3_4", result.stderr)

    def test_missing_weights_file_is_a_clear_error(self):
        result = run("eval", self.content, self.content, self.style, "--weights", self.dir / "none.safetensors")
        self.assertEqual(result.returncode, 1)
        self.assertIn("none.safetensors", result.stderr)

    def test_bad_arguments_exit_2_with_usage(self):
        for args in (["eval"], ["eval", "a.png", "b.png", "c.png", "--size", "0"], ["--bogus"],
                     ["eval", "a", "b", "c", "--pooling", "median"], ["eval", "a", "b", "c", "--size"],
                     ["eval", "a", "b", "c", "--style-layers", "relu1_1:abc"],
                     ["eval", "a", "b", "c", "--style-layers", "relu1_1:-1"],
                     ["eval", "a", "b", "c", "--style-layers", "relu1_1:2,relu2_1"],
                     ["eval", "a", "b", "c", "--style-layers", "relu1_1,relu1_1"],
                     ["a", "b", "-o", "c.png", "--content-layers", "relu3_2,relu3_2"],
                     ["a", "b", "-o", "c.png", "--style-weight", "-1"],
                     ["a", "b", "-o", "c.png", "--style-weight", "nan"],
                     ["a", "b", "-o", "c.png", "--tv-weight", "inf"],
                     ["a", "b", "-o", "c.png", "--content-weight", "-0.5"],
                     ["a", "b", "-o", "c.png", "--lr", "nan"],
                     ["a", "b", "-o", "c.png", "--lr", "0"],
                     ["eval", "a", "b", "c", "--steps", "1e12"],
                     ["a", "b", "-o", "c.png", "--scales", "0"]):
            result = run(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn("usage:", result.stderr)

    def test_outputs_that_would_overwrite_an_input_or_each_other_are_refused(self):
        content = self.dir / "mine.jpg"
        content.write_bytes(pathlib.Path(self.content).read_bytes())
        before = content.read_bytes()
        summary = self.dir / "both.json"
        for args in ([content, self.style, "-o", content], [self.content, content, "-o", content],
                     [self.content, self.style, "-o", summary, "--json", summary],
                     ["eval", content, self.content, self.style, "--json", content]):
            result = run(*args, "--weights", self.weights)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn("usage:", result.stderr)
        self.assertEqual(content.read_bytes(), before)
        self.assertFalse(summary.exists())

    def test_damaged_images_are_refused_at_once_and_nothing_is_written(self):
        # Each of these crashed, hung or was accepted half-decoded before (issue 13).
        whole_jpeg = pathlib.Path(self.content).read_bytes()
        sound_png = png_bytes(8, 8)
        damaged = {
            "four-bytes.jpg": b"\xff\xd8\xff\xe0",  # segfaulted inside libjpeg
            "truncated.jpg": whole_jpeg[:len(whole_jpeg) // 2],  # accepted with grey rows, exit 0
            "chunk-too-long.png": sound_png[:33] + struct.pack(">I", 100000) + sound_png[37:],  # looped forever
            "truncated.png": sound_png[:-20],
            "huge.png": png_bytes(20000, 20000, idat=zlib.compress(bytes(1000))),  # 400 MP: 10 GB before
        }
        expected = {"four-bytes.jpg": "libjpeg", "truncated.jpg": "Premature end", "chunk-too-long.png": "truncated",
                    "truncated.png": "libpng", "huge.png": "more than the limit of 100000000 pixels"}
        output = self.dir / "never.png"
        for name, data in damaged.items():
            path = self.dir / name
            path.write_bytes(data)
            result = subprocess.run([NST, *map(str, (path, self.style, "-o", output, "--size", 32, "--steps", 1,
                                                     "--weights", self.weights))],
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 1, (name, result.stderr))
            self.assertIn(f"cannot read image '{path}'", result.stderr)
            self.assertIn(expected[name], result.stderr, name)
            self.assertFalse(output.exists(), name)

    def test_the_pixel_limit_applies_to_the_files_and_to_size(self):
        output = self.dir / "limited.png"
        too_large = run(self.content, self.style, "-o", output, "--size", 20000, "--weights", self.weights)
        self.assertEqual(too_large.returncode, 1, too_large.stderr)
        self.assertIn("at --size 20000", too_large.stderr)
        self.assertIn("20000×15000", too_large.stderr)
        lowered = run(self.content, self.style, "-o", output, "--size", 32, "--weights", self.weights,
                      "--max-megapixels", 0.3)
        self.assertEqual(lowered.returncode, 1, lowered.stderr)
        self.assertIn("640×480 = 307200 pixels, more than the limit of 300000 pixels", lowered.stderr)
        self.assertFalse(output.exists())
        raised = run("eval", self.content, self.content, self.style, "--size", 32, "--weights", self.weights,
                     "--max-megapixels", 0.31)
        self.assertEqual(raised.returncode, 0, raised.stderr)

    def test_an_output_that_cannot_be_written_is_refused_before_any_work(self):
        # The weight file named does not exist: the output's error must come first.
        missing = self.dir / "none.safetensors"
        for args in ([self.content, self.style, "-o", self.dir / "no-folder" / "out.png"],
                     [self.content, self.style, "-o", self.dir / "fine.png", "--json", self.dir / "no" / "s.json"],
                     ["eval", self.content, self.content, self.style, "--grad-out", self.dir / "no" / "g.npy"],
                     [self.content, self.style, "-o", self.dir]):
            result = run(*args, "--weights", missing)
            self.assertEqual(result.returncode, 1, (args, result.stderr))
            self.assertIn("cannot write", result.stderr)
            self.assertNotIn("none.safetensors", result.stderr)
        self.assertFalse((self.dir / "fine.png").exists())

    def test_weights_holding_nan_are_refused(self):
        values = [0.0] * (3 * 3 * 3 * 64)
        values[100] = float("nan")
        weights = self.dir / "nan.safetensors"
        weights.write_bytes(safetensors_bytes(
            {"conv1_1.weight": ([3, 3, 3, 64], values), "conv1_1.bias": ([64], [0.0] * 64)},
            {"format": "nst-vgg19", "layers": "conv1_1"}))
        result = run("eval", self.content, self.content, self.style, "--size", 32, "--weights", weights)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("'conv1_1.weight' holds nan at index 100: weights must be finite", result.stderr)

    def test_stylise_writes_the_image_and_a_summary_whose_loss_falls(self):
        output, summary = self.dir / "styled.png", self.dir / "run.json"
        result = run(self.content, self.style, "-o", output, "--size", 48, "--steps", 10, "--weights", self.weights,
                     "--json", summary)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("step 10/10", result.stderr)  # plain progress lines off a terminal
        self.assertEqual(output.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(struct.unpack(">II", output.read_bytes()[16:24]), (48, 36))
        run_summary = json.loads(summary.read_text())
        self.assertEqual(run_summary["steps"], 10)
        self.assertEqual(run_summary["tiles"]["count"], 1)
        self.assertEqual(run_summary["optimised_size"], [48, 36])
        self.assertGreater(run_summary["peak_device_bytes"], 0)
        self.assertEqual([h["step"] for h in run_summary["loss"]["history"]], [10])
        self.assertLess(run_summary["loss"]["end"]["total"], run_summary["loss"]["start"]["total"] / 3)

    def test_stylise_coarse_to_fine_with_the_contents_colours(self):
        output, summary = self.dir / "scaled.png", self.dir / "scaled.json"
        result = run(self.content, self.style, "-o", output, "--size", 48, "--steps", 5, "--scales", 2,
                     "--preserve-colors", "--weights", self.weights, "--json", summary)
        self.assertEqual(result.returncode, 0, result.stderr)
        # 5 steps at 24×18, then 5 at 48×36: 10 in all, counted over the whole run.
        self.assertIn("scale 1/2 step 5/10", result.stderr)
        self.assertIn("scale 2/2 step 10/10", result.stderr)
        self.assertEqual(struct.unpack(">II", output.read_bytes()[16:24]), (48, 36))
        run_summary = json.loads(summary.read_text())
        self.assertEqual((run_summary["steps"], run_summary["scales"], run_summary["steps_per_scale"]), (10, 2, 5))
        self.assertTrue(run_summary["preserve_colors"])
        self.assertEqual([h["step"] for h in run_summary["loss"]["history"]], [10])
        # start and end are both at 48×36.
        self.assertLess(run_summary["loss"]["end"]["total"], run_summary["loss"]["start"]["total"])

    def test_stylise_refuses_a_bad_output_extension_before_any_work(self):
        output = self.dir / "styled.bmp"
        result = run(self.content, self.style, "-o", output, "--size", 48, "--steps", 10, "--weights", self.weights)
        self.assertEqual(result.returncode, 1)
        self.assertIn("styled.bmp", result.stderr)
        self.assertNotIn("step", result.stderr)
        self.assertFalse(output.exists())

    def test_interrupt_cancels_within_a_step_and_writes_nothing(self):
        output = self.dir / "interrupted.png"
        process = subprocess.Popen([NST, *map(str, [self.content, self.style, "-o", output, "--size", 48, "--steps", 500,
                                    "--weights", self.weights])], stderr=subprocess.PIPE, text=True)
        lines = []
        for line in process.stderr:  # progress lines: interrupt once the run is under way
            lines.append(line)
            if "step 2/500" in line:
                process.send_signal(signal.SIGINT)
                break
        remaining = process.stderr.read()
        process.stderr.close()
        self.assertEqual(process.wait(timeout=60), 130, "".join(lines) + remaining)
        self.assertIn("cancelled", remaining)
        self.assertNotIn("step 10/500", remaining)  # stopped within a step or two, not run on
        self.assertFalse(output.exists())

    def test_interrupt_with_keep_partial_writes_the_image_so_far(self):
        output = self.dir / "partial.png"
        process = subprocess.Popen([NST, *map(str, [self.content, self.style, "-o", output, "--size", 48, "--steps", 500,
                                                    "--weights", self.weights, "--keep-partial"])],
                                   stderr=subprocess.PIPE, text=True)
        for line in process.stderr:
            if "step 2/500" in line:
                process.send_signal(signal.SIGINT)
                break
        remaining = process.stderr.read()
        process.stderr.close()
        self.assertEqual(process.wait(timeout=60), 130, remaining)
        self.assertIn("wrote the image so far", remaining)
        self.assertEqual(struct.unpack(">II", output.read_bytes()[16:24]), (48, 36))

    def test_stylise_without_output_is_a_usage_error(self):
        result = run(self.content, self.style)
        self.assertEqual(result.returncode, 2)
        self.assertIn("-o", result.stderr)

    def test_help_explains_every_option_and_version_is_the_projects(self):
        for flag in ("--help", "-h"):
            for args in ([flag], [self.content, "--size", 64, flag], ["eval", flag]):
                result = run(*args)
                self.assertEqual(result.returncode, 0, (args, result.stderr))
                self.assertEqual(result.stderr, "")
                self.assertTrue(result.stdout.startswith("Usage: nst CONTENT STYLE"), result.stdout)
        usage_error = run()
        self.assertEqual(usage_error.returncode, 2)
        synopsis_options = set(re.findall(r"--[a-z-]+", usage_error.stderr))
        explained = set(re.findall(r"^  (--[a-z-]+)", result.stdout, re.MULTILINE))
        self.assertEqual(synopsis_options - explained, {"--list-devices", "--help", "--version"})
        project = (pathlib.Path(__file__).parents[1] / "meson.build").read_text()
        expected = re.search(r"version : '([^']+)'", project).group(1)
        version = run("--version")
        self.assertEqual((version.returncode, version.stdout), (0, f"nst {expected}\n"))

    def test_list_devices_names_a_device(self):
        result = run("--list-devices")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"^0: ")


if __name__ == "__main__":
    NST, CONVERTER, SHARED = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    unittest.main(argv=sys.argv[:1], verbosity=2)
