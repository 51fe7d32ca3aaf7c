#!/usr/bin/env bash
# Undo in one step, checked in a real GIMP 2.10 window (Xvfb, openbox): the dialog run with
# 20 steps at a 128 px working size on a 480×270 copy of GIMP's splash photograph, then
# Ctrl+Z once in the image window. Checks that the image is back to two layers and that
# the canvas shows, pixel for pixel, what it showed before the run; saves the sequence
#   docs/undo-1-before.png   the image window before the run (two layers)
#   docs/undo-2-result.png   after the run: the new layer above the photograph
#   docs/undo-3-undone.png   after one Ctrl+Z: as before
# Exits 1 when a check fails.
#
#   bash docs/undo-check.sh [BUILD_DIR]            (default: build; weights: NST_WEIGHTS or
#                                                   the default file, as the plug-in reads them)
#
# Needs: xvfb, xdotool, openbox, imagemagick (import, compare), GIMP 2.10.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
source docs/open-dialog.sh
start_session

# The canvas of a 1024×768 image window showing a 480×270 image at 100 %: a box inside it.
canvas() { convert "$1" -crop 400x200+300+300 +repage "$2"; }

open_dialog "$build" 2 "$work" "480 270"
xdotool windowmove "$window" 1030 0  # beside the image window, whose canvas the first picture shows
sleep 2
import -window "$(xdotool search --name '2 layers' | head -1)" docs/undo-1-before.png
run_from_dialog 20 128
import -window "$image_window" docs/undo-2-result.png
xdotool windowactivate --sync "$image_window" key --clearmodifiers ctrl+z
timeout 60 sh -c "until xdotool search --name '2 layers' >/dev/null 2>&1; do sleep 1; done"
sleep 2
import -window "$image_window" docs/undo-3-undone.png

canvas docs/undo-1-before.png "$work/before.png"
canvas docs/undo-2-result.png "$work/result.png"
canvas docs/undo-3-undone.png "$work/undone.png"
changed_by_run=$(compare -metric AE "$work/before.png" "$work/result.png" null: 2>&1 || true)
changed_after_undo=$(compare -metric AE "$work/before.png" "$work/undone.png" null: 2>&1 || true)
echo "canvas pixels changed by the run: $changed_by_run; still changed after one undo: $changed_after_undo"
[ "$changed_by_run" != 0 ] || { echo "undo-check: the run changed nothing on the canvas"; exit 1; }
[ "$changed_after_undo" = 0 ] || { echo "undo-check: one undo did not restore the canvas"; exit 1; }
xdotool search --name '2 layers' >/dev/null || { echo "undo-check: not back to two layers"; exit 1; }
echo "undo-check: one Ctrl+Z removed the new layer and left the image as it was"
