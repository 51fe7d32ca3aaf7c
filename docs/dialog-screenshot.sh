#!/usr/bin/env bash
# Pictures of the plug-in's dialog for the README: starts GIMP 2.10 on a virtual display
# (Xvfb) with a throw-away profile holding the built plug-in, opens the dialog on GIMP's
# splash photograph with a pattern layer as the style, and saves
#   docs/dialog.png           the dialog as it opens
#   docs/dialog-advanced.png  with the advanced settings unfolded (Alt+A)
#
#   bash docs/dialog-screenshot.sh [BUILD_DIR]     (default: build)
#
# Needs: xvfb, xdotool, imagemagick (import), GIMP 2.10, and installed weights (else the
# dialog shows its "no weights" message, which is worth a picture too).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=$(mktemp -d)
display=:$((90 + RANDOM % 100))
cleanup() {
  [ -n "${gimp_pid:-}" ] && kill "$gimp_pid" 2>/dev/null || true
  [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/profile/plug-ins/neural-style-transfer"
cp "$build/plugin/neural-style-transfer" "$work/profile/plug-ins/neural-style-transfer/"
Xvfb "$display" -screen 0 1400x1000x24 >/dev/null 2>&1 &
xvfb_pid=$!
sleep 2
export DISPLAY=$display GIMP2_DIRECTORY=$work/profile

GIMP2_DIRECTORY=$work/profile gimp -n -f -s -b '
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "/usr/share/gimp/2.0/images/gimp-splash.png" "splash")))
       (content (car (gimp-image-get-active-layer img)))
       (style (car (gimp-layer-new img 1920 1080 RGB-IMAGE "Leopard pattern" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img style 0 -1)
  (gimp-context-set-pattern "Leopard")
  (gimp-drawable-fill style FILL-PATTERN)
  (gimp-image-set-active-layer img content)
  (gimp-display-new img)
  (plug-in-neural-style-transfer RUN-INTERACTIVE img content style 50 200 512 FALSE 1.0 0 "content" "" "" "lbfgs" 0 "max" 1 ""))' \
  >"$work/gimp.log" 2>&1 &
gimp_pid=$!

window=$(timeout 120 xdotool search --sync --name '^Neural Style Transfer$' | head -1)
xdotool mousemove 0 0  # away from the dialog: no tooltip in the picture
sleep 3                # let it draw
import -window "$window" docs/dialog.png
xdotool windowfocus --sync "$window" key alt+a
sleep 2
import -window "$window" docs/dialog-advanced.png
echo "wrote docs/dialog.png and docs/dialog-advanced.png"
