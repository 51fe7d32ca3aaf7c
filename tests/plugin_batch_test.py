#!/usr/bin/env python3
"""The GIMP plug-in in GIMP's batch mode (gimp-console, no display), for GIMP 2.10 or
GIMP 3 (whichever the build's adapter is for): installed with `meson install` into a
temporary folder and from there into a temporary GIMP profile (GIMP2_DIRECTORY or
GIMP3_DIRECTORY), then called from Script-Fu on ../shared's images, small and for a few
steps. Each test runs one gimp-console session whose Script-Fu writes facts ("key
values…" lines) to a file; the assertions are on those facts and on exported PNGs, never
on gimp-console's exit status (GIMP 2.10's batch mode exits 0 even when a command fails).
The test scripts are written once against a few helpers (PRELUDE); HELPERS defines them
for each GIMP's PDB (GIMP 3 renamed some procedures and takes the drawables as a vector
with named arguments).

    plugin_batch_test.py GIMP_VERSION BUILD_DIR PLUGIN_INSTALL_DIR NST_WEIGHTS SHARED_DIR GIMP_CONSOLE
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import struct
import unittest
import zlib

VERSION, BUILD, PLUGIN_DIR, CONVERTER, SHARED, GIMP_CONSOLE = (None,) * 6

# The procedure's arguments after run-mode, image, drawable and style, in order, with
# values small enough for lavapipe: a 64 px working size, 4 steps.
DEFAULTS = [("style-strength", "50"), ("steps", "4"), ("working-size", "64"), ("preserve-colors", "FALSE"),
            ("style-scale", "1.0"), ("seed", "0"), ("init", '"content"'), ("content-layers", '""'),
            ("style-layers", '""'), ("optimizer", '"lbfgs"'), ("tv-weight", "0"), ("pooling", '"max"'),
            ("scales", "1"), ("device", '""'), ("memory-limit", "0")]

# What differs between the two GIMPs' PDBs, behind the same names.
HELPERS = {
    "2": """
(define (load-image path) (car (gimp-file-load RUN-NONINTERACTIVE path path)))
(define (layer-list img) (vector->list (cadr (gimp-image-get-layers img))))
(define (width d) (car (gimp-drawable-width d)))
(define (height d) (car (gimp-drawable-height d)))
(define (offsets d) (gimp-drawable-offsets d))
(define (bpp d) (car (gimp-drawable-bpp d)))
(define (clear d) (gimp-edit-clear d))
(define (to-indexed img) (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE ""))
(define (export img drawable path) (file-png-save2 RUN-NONINTERACTIVE img drawable path path 0 9 0 0 0 0 0 0 0))
""",
    "3": """
(define (load-image path) (car (gimp-file-load RUN-NONINTERACTIVE path)))
(define (layer-list img) (vector->list (car (gimp-image-get-layers img))))
(define (width d) (car (gimp-drawable-get-width d)))
(define (height d) (car (gimp-drawable-get-height d)))
(define (offsets d) (gimp-drawable-get-offsets d))
(define (bpp d) (car (gimp-drawable-get-bpp d)))
(define (clear d) (gimp-drawable-edit-clear d))
(define (to-indexed img) (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE ""))
(define PRECISION-U16-GAMMA PRECISION-U16-NON-LINEAR)
; GIMP 3 exports whole images: a copy of the drawable alone in a new image.
(define (export img drawable path)
  (let* ((copy-img (car (gimp-image-new (width drawable) (height drawable) RGB)))
         (copy (car (gimp-layer-new-from-drawable drawable copy-img))))
    (gimp-image-insert-layer copy-img copy 0 0)
    (gimp-layer-set-offsets copy 0 0)
    (gimp-file-save RUN-NONINTERACTIVE copy-img path -1)
    (gimp-image-delete copy-img)))
""",
}

PRELUDE = """
(define facts (open-output-file "%(facts)s"))
(define (fact . items)
  (for-each (lambda (x) (display x facts) (display " " facts)) items)
  (newline facts))
%(helpers)s
(define (open-scaled path w h)
  (let ((img (load-image path)))
    (gimp-image-scale img w h)
    img))
(define (add-layer-from img path w h)
  (let ((layer (car (gimp-file-load-layer RUN-NONINTERACTIVE img path))))
    (gimp-image-insert-layer img layer 0 -1)
    (gimp-layer-scale layer w h FALSE)
    layer))
(define (mean drawable channel) (car (gimp-drawable-histogram drawable channel 0.0 1.0)))
(define (colour drawable)
  (list (mean drawable HISTOGRAM-RED) (mean drawable HISTOGRAM-GREEN) (mean drawable HISTOGRAM-BLUE)))
(define (layer-count img) (length (layer-list img)))
; The record the filter leaves on its layer (a parasite: name, flags, text), into a file.
(define (save-record layer path)
  (let ((port (open-output-file path)))
    (display (caddr (car (gimp-item-get-parasite layer "neural-style-transfer"))) port)
    (close-output-port port)))
(define (position img layer) (car (gimp-image-get-item-position img layer)))
(define (describe-layer key img layer)
  (fact key "name" (car (gimp-item-get-name layer)))
  (fact key "size" (width layer) (height layer))
  (fact key "offsets" (car (offsets layer)) (cadr (offsets layer)))
  (fact key "position" (position img layer))
  (fact key "alpha" (car (gimp-drawable-has-alpha layer)))
  (fact key "gray" (car (gimp-drawable-is-gray layer)))
  (fact key "bpp" (bpp layer))
  (fact key "mask" (car (gimp-layer-get-mask layer))))
"""


def call(mode, image, content, style, **overrides):
    """The Script-Fu call of the procedure, with DEFAULTS overridden by name (tv_weight=…):
    positional on GIMP 2.10; on GIMP 3 with named arguments, the content in a vector."""
    values = [(name, overrides.pop(name.replace("-", "_"), value)) for name, value in DEFAULTS]
    assert not overrides, overrides
    if VERSION == "2":
        return f"(plug-in-neural-style-transfer {mode} {image} {content} {style} {' '.join(str(v) for _, v in values)})"
    named = " ".join(f"#:{name} {value}" for name, value in values)
    return (f"(plug-in-neural-style-transfer #:run-mode {mode} #:image {image} #:drawables (vector {content}) "
            f"#:style-drawable {style} {named})")


def blend_call(mode, image, content, style, style_2, weight_2, style_3="-1", weight_3="1.0", **overrides):
    """call()'s with further style layers (-1: none): GIMP 2.10's second procedure, whose
    arguments end with them; on GIMP 3 the same procedure with its trailing arguments."""
    if VERSION == "2":
        return call(mode, image, content, style, **overrides).replace(
            "(plug-in-neural-style-transfer ", "(plug-in-neural-style-transfer-blend ", 1)[:-1] + \
            f" {style_2} {weight_2} {style_3} {weight_3})"
    third = "" if style_3 == "-1" else f" #:style-drawable-3 {style_3} #:style-weight-3 {weight_3}"
    return call(mode, image, content, style, **overrides)[:-1] + \
        f" #:style-drawable-2 {style_2} #:style-weight-2 {weight_2}{third})"


def png_pixels(path):
    """The decompressed image data of a PNG (its metadata, which holds times, left out)."""
    data, at, idat = pathlib.Path(path).read_bytes(), 8, b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    return zlib.decompress(idat)


def guarded(expression):
    """Evaluates to the new layer's ID, or to "failed" when the call raises an error."""
    return f'(catch "failed" (car {expression}))'


class PluginBatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.dir = pathlib.Path(cls.folder.name)
        # `meson install` of the plug-in alone, into a staging folder; its install folder is
        # then the profile's plug-in folder, as on a user's machine.
        stage = cls.dir / "stage"
        subprocess.run(["meson", "install", "-C", BUILD, "--tags", "plugin", "--no-rebuild", "--quiet", "--destdir",
                        stage], check=True, capture_output=True)
        installed = stage / PLUGIN_DIR.relative_to(PLUGIN_DIR.anchor)
        assert (installed / "neural-style-transfer").is_file(), f"meson install put no plug-in in {installed}"
        cls.profile = cls.dir / "profile"
        (cls.profile / "plug-ins").mkdir(parents=True)
        shutil.copytree(installed, cls.profile / "plug-ins" / "neural-style-transfer")
        cls.weights = cls.dir / "vgg19-partial.safetensors"
        subprocess.run([CONVERTER, "convert", SHARED / "weights" / "vgg19-keras-partial.h5", cls.weights],
                       check=True, capture_output=True)
        cls.content = SHARED / "images" / "tuebingen.jpg"
        cls.style = SHARED / "images" / "starry_night.jpg"

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def gimp(self, script, weights=None, env=None):
        """Runs `script` after PRELUDE in one gimp-console session: (facts, GIMP's output).
        facts maps each fact's leading words ("main name") to the rest of its line."""
        facts_path = self.dir / f"{self.id().split('.')[-1]}.facts"
        env = dict(os.environ, NST_WEIGHTS=str(weights or self.weights), **(env or {}))
        env[f"GIMP{VERSION}_DIRECTORY"] = str(self.profile)
        program = PRELUDE % {"facts": facts_path, "helpers": HELPERS[VERSION]} + script + "\n(close-output-port facts)"
        command = [GIMP_CONSOLE, "-i", "-d", "-f"]
        if VERSION == "2":
            command += ["-b", program, "-b", "(gimp-quit 0)"]
        else:
            command += ["--batch-interpreter=plug-in-script-fu-eval", "-b", program, "--quit"]
        run = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        output = run.stdout + run.stderr
        self.assertTrue(facts_path.exists(), f"the batch script wrote no facts:\n{output}")
        facts = {}
        for line in facts_path.read_text().splitlines():
            words = line.split()
            if words[0] in ("content", "style", "result", "gray", "deep", "selected", "last"):
                facts[" ".join(words[:2])] = " ".join(words[2:])
            else:
                facts[words[0]] = " ".join(words[1:])
        return facts, output

    def scene(self, width, height, style_width, style_height):
        """Opens a Script-Fu let* binding img (the content photo at width × height), content
        (its layer) and style (the painting as a layer above it)."""
        return f"""(let* ((img (open-scaled "{self.content}" {width} {height}))
       (content (car (layer-list img)))
       (style (add-layer-from img "{self.style}" {style_width} {style_height})))"""

    def floats(self, text):
        return [float(v) for v in text.strip("()").split()]

    def test_result_is_a_new_styled_layer_above_the_untouched_content(self):
        before, after = self.dir / "content-before.png", self.dir / "content-after.png"
        record = self.dir / "record.txt"
        facts, output = self.gimp(f"""
{self.scene(80, 60, 70, 56)}
  (export img content "{before}")
  (fact "layers" (layer-count img))
  (fact "content colour" (colour content))
  (fact "style colour" (colour style))
  (let ((result {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=8))}))
    (fact "layers" (layer-count img))
    (fact "content position" (position img content))
    (describe-layer "result" img result)
    (fact "result colour" (colour result))
    (save-record result "{record}")
    (export img content "{after}")))""")
        self.assertEqual(facts["layers"], "3", output)
        self.assertEqual(facts["result name"], "starry_night.jpg (style transfer)", output)
        self.assertEqual(facts["result size"], "80 60")
        self.assertEqual(facts["result offsets"], "0 0")
        self.assertEqual(int(facts["result position"]), int(facts["content position"]) - 1)  # right above it
        self.assertEqual(facts["result alpha"], "0")   # the content has none
        self.assertEqual(facts["result mask"], "-1")   # no selection, no mask
        content, style, result = (self.floats(facts[k]) for k in ("content colour", "style colour", "result colour"))
        distance = lambda a, b: sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5
        # Differs from the photo, and its mean colour moved towards the painting's.
        self.assertGreater(distance(result, content), 5, facts)
        self.assertLess(distance(result, style), distance(content, style) * 0.9, facts)
        # The content layer's pixels are as they were, to the bit.
        self.assertEqual(png_pixels(before), png_pixels(after))
        # The layer's record (a parasite) says how it was made, with the call's settings.
        self.assertTrue(record.exists(), output)
        fields = dict(line.split("=", 1) for line in record.read_text().rstrip("\0").splitlines() if "=" in line)
        self.assertTrue(fields["made-by"].startswith("neural-style-transfer "), fields)
        self.assertEqual(fields["style-layer"], "starry_night.jpg")
        self.assertEqual(fields["weights"], str(self.weights))
        self.assertEqual(len(fields["weights-sha256"]), 64)
        self.assertEqual(fields["steps"], "8")
        self.assertEqual(fields["working-size"], "64")
        self.assertEqual(fields["optimizer"], "lbfgs")
        self.assertIn("llvmpipe", fields["ran-on"])

    def test_two_style_layers_blend_their_colours(self):
        # The photo with the painting and Kandinsky coloured red as styles (the painting's
        # blues and the red far apart): alone, then blended evenly. The blend's mean colour
        # lies between the two single-style results', and its record names both layers. The
        # first signature's call (call()) is the single-style one.
        record = self.dir / "blend-record.txt"
        kandinsky = SHARED / "images" / "kandinsky_composition_7.jpg"
        facts, output = self.gimp(f"""
{self.scene(64, 48, 64, 48)}
  (let* ((second (add-layer-from img "{kandinsky}" 64 48))
         (red (gimp-drawable-colorize-hsl second 0 90 0))
         (first-only {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=30, style_strength=90))})
         (second-only {guarded(call("RUN-NONINTERACTIVE", "img", "content", "second", steps=30, style_strength=90))})
         (blend {guarded(blend_call("RUN-NONINTERACTIVE", "img", "content", "style", "second", "1.0", steps=30,
                                          style_strength=90))}))
    (fact "first" (colour first-only))
    (fact "second" (colour second-only))
    (fact "red" (colour second))
    (fact "blend" (colour blend))
    (fact "blend-name" (car (gimp-item-get-name blend)))
    (save-record blend "{record}")
    (fact "layers" (layer-count img))
    (fact "weighed-out" {guarded(blend_call("RUN-NONINTERACTIVE", "img", "content", "style", "content", "0.0",
                                            steps=1))} (layer-count img))
    (fact "refused" {guarded(blend_call("RUN-NONINTERACTIVE", "img", "content", "style", "content", "1.0",
                                        steps=1))} (layer-count img))))""")
        self.assertEqual(facts.get("layers"), "6", output)
        first, second, blend = (self.floats(facts[k]) for k in ("first", "second", "blend"))
        along = [b - a for a, b in zip(first, second)]
        t = sum((x - a) * d for x, a, d in zip(blend, first, along)) / sum(d * d for d in along)
        self.assertTrue(0.1 < t < 0.9, f"the blend's colour is {t:.2f} of the way from one style's to the other's: {facts}")
        self.assertEqual(facts["blend-name"], "starry_night.jpg + kandinsky_composition_7.jpg (style transfer)")
        fields = dict(line.split("=", 1) for line in record.read_text().rstrip("\0").splitlines() if "=" in line)
        self.assertEqual(fields["style-layer"], "starry_night.jpg")
        self.assertEqual(fields["style-layer-2"], "kandinsky_composition_7.jpg")
        self.assertEqual(fields["style-weight-2"], "1")
        # A further layer weighed out is not used (the content may then be named); one used
        # must not be the content.
        self.assertEqual(facts["weighed-out"].split()[1], "7", output)
        self.assertEqual(facts["refused"], "failed 7", output)
        self.assertIn("Style 2 (style-drawable-2) is the content layer", output)

    def test_bad_calls_return_an_error_and_leave_the_image_alone(self):
        # GIMP 3 checks the declared arguments itself: a number out of range is its error,
        # and an unknown choice becomes the default (with a warning), so that case is 2.10's.
        # Either way the call fails and the image keeps its two layers.
        optimizer = call("RUN-NONINTERACTIVE", "img", "content", "style", optimizer='"sgd"')
        facts, output = self.gimp(f"""
{self.scene(40, 30, 40, 30)}
  (fact "same" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "content"))} (layer-count img))
  (fact "optimizer" {guarded(optimizer) if VERSION == "2" else '"failed"'} (layer-count img))
  (fact "steps" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=0))} (layer-count img))
  (fact "layer" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", content_layers='"relu9_9"'))} (layer-count img))
  (to-indexed img)
  (fact "indexed" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style"))} (layer-count img)))""")
        for case in ("same", "optimizer", "steps", "layer", "indexed"):
            self.assertEqual(facts[case], "failed 2", f"{case}: {facts.get(case)}\n{output}")
        self.assertIn("The style layer is the content layer", output)
        if VERSION == "2":  # GIMP 3 refuses these before the plug-in runs, printing nothing when caught
            self.assertIn("Optimiser (optimizer) must be one of lbfgs, adam, not 'sgd'", output)
            self.assertIn("Steps (steps) must be between 1 and 10000, not 0", output)
        self.assertIn("relu9_9", output)
        self.assertIn("Indexed images cannot be stylised", output)
        self.assertNotIn("crashed", output)

    def test_a_device_failing_mid_run_returns_an_error_and_leaves_the_image_alone(self):
        # The engine's fault hook (vk::InjectedFaults) through the environment: the 12th
        # buffer allocation fails as a device out of memory would.
        facts, output = self.gimp(f"""
{self.scene(40, 30, 40, 30)}
  (fact "failing" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=2))} (layer-count img)))""",
                                  env={"NST_FAIL_ALLOCATION": "12"})
        self.assertEqual(facts["failing"], "failed 2", output)
        self.assertIn("too little memory", output)
        self.assertNotIn("crashed", output)

    def test_missing_weights_name_the_install_command(self):
        facts, output = self.gimp(f"""
{self.scene(40, 30, 40, 30)}
  (fact "missing" {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style"))} (layer-count img)))""",
                                  weights=self.dir / "no-such-weights.safetensors")
        self.assertEqual(facts["missing"], "failed 2", output)
        self.assertIn("no-such-weights.safetensors", output)
        self.assertIn("nst-fetch-weights", output)

    def test_grey_and_16_bit_images_get_results_of_their_own_kind(self):
        facts, output = self.gimp(f"""
{self.scene(48, 36, 48, 36)}
  (gimp-image-convert-grayscale img)
  (describe-layer "gray" img {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style"))}))
{self.scene(48, 36, 48, 36)}
  (gimp-image-convert-precision img PRECISION-U16-GAMMA)
  (describe-layer "deep" img {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style"))}))""")
        self.assertEqual(facts.get("gray gray"), "1", output)
        self.assertEqual(facts["gray size"], "48 36")
        self.assertEqual(facts.get("deep bpp"), "6", output)  # RGB, 16 bits per channel
        self.assertEqual(facts["deep gray"], "0")

    def test_selection_offsets_and_alpha_carry_over(self):
        facts, output = self.gimp(f"""
{self.scene(64, 48, 40, 30)}
  (gimp-layer-add-alpha content)
  (gimp-layer-scale content 50 36 FALSE)
  (gimp-layer-set-offsets content 7 5)
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 0 0 16 16)
  (clear content)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 10 8 30 20)
  (fact "content alpha" (mean content HISTOGRAM-ALPHA))
  (let ((result {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style"))}))
    (describe-layer "selected" img result)
    (fact "result alpha" (mean result HISTOGRAM-ALPHA))))""")
        self.assertEqual(facts.get("selected size"), "50 36", output)
        self.assertEqual(facts["selected offsets"], "7 5")
        self.assertEqual(facts["selected alpha"], "1")
        self.assertNotEqual(facts["selected mask"], "-1")  # a mask from the selection
        self.assertAlmostEqual(float(facts["result alpha"]), float(facts["content alpha"]), delta=0.01)
        self.assertLess(float(facts["content alpha"]), 254)  # the cleared corner is transparent

    def test_a_layer_beyond_the_memory_limit_is_styled_at_its_full_size_in_tiles(self):
        facts, output = self.gimp(f"""
{self.scene(160, 120, 70, 56)}
  (let ((result {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=2, memory_limit=40))}))
    (describe-layer "result" img result)))""")
        self.assertEqual(facts["result size"], "160 120", output)
        # The plug-in's summary line: refined to the full size (no enlargement), in tiles.
        self.assertIn("160×120 styled at its full size in", output)
        self.assertRegex(output, r"full size in \d+ tiles \(")

    def test_last_values_are_reused(self):
        # GIMP 2.10: the plug-in keeps the values of every run (gimp_set_data), so a second
        # call with last values ignores the settings it passes, which would fail here (the
        # content as its own style, 0 steps, no such optimiser). GIMP 3 keeps the values of
        # interactive runs itself (GimpProcedureConfig), which batch mode cannot make: there
        # the call must take RUN-WITH-LAST-VALS and, with nothing stored, its own arguments.
        # With no style stored (GIMP 3 cannot store one), the style layer is proposed: the
        # call passes none.
        second = (call("RUN-WITH-LAST-VALS", "img", "content", "content", steps=0, optimizer='"sgd"') if VERSION == "2"
                  else call("RUN-WITH-LAST-VALS", "img", "content", "style", steps=2).replace("#:style-drawable style ", ""))
        facts, output = self.gimp(f"""
{self.scene(40, 30, 40, 30)}
  (fact "first" (number? {guarded(call("RUN-NONINTERACTIVE", "img", "content", "style", steps=3))}))
  (fact "last" "run" (number? {guarded(second)}))
  (fact "layers" (layer-count img)))""")
        self.assertEqual(facts["first"], "#t", output)
        self.assertEqual(facts["last run"], "#t", output)
        self.assertEqual(facts["layers"], "4")


if __name__ == "__main__":
    VERSION, BUILD, CONVERTER, GIMP_CONSOLE = sys.argv[1], sys.argv[2], sys.argv[4], sys.argv[6]
    PLUGIN_DIR, SHARED = pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[5])
    unittest.main(argv=sys.argv[:1], verbosity=2)
