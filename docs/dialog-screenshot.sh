#!/usr/bin/env bash
# Pictures of the plug-in's dialog for the README: starts GIMP on a virtual display (Xvfb)
# with a throw-away profile holding the built plug-in, opens the dialog on GIMP's splash
# photograph with a pattern layer as the style, and saves
#   docs/dialog.png           the dialog as it opens           (GIMP 3: docs/dialog-gimp3.png)
#   docs/dialog-advanced.png  with the advanced settings unfolded (Alt+A; GIMP 2.10 only)
#
#   bash docs/dialog-screenshot.sh [BUILD_DIR] [2|3]     (default: build, 2)
#
# Needs: xvfb, xdotool, imagemagick (import), the GIMP the build is for, and installed
# weights (else the dialog shows its "no weights" message, worth a picture too). The
# GIMP 3 picture was taken in CI's trixie chroot with these packages added.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
version=${2:-2}
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
export DISPLAY=$display

# A layer filled with GIMP's Leopard pattern above the splash photograph, then the dialog.
if [ "$version" = 3 ]; then
  export GIMP3_DIRECTORY=$work/profile
  gimp-3.0 -n -f -s --batch-interpreter=plug-in-script-fu-eval -b '
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "/usr/share/gimp/3.0/images/gimp-splash.png")))
       (content (vector-ref (car (gimp-image-get-layers img)) 0))
       (style (car (gimp-layer-new img "Leopard pattern" 1920 1080 RGB-IMAGE 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img style 0 -1)
  (gimp-context-set-pattern (car (gimp-pattern-get-by-name "Leopard")))
  (gimp-drawable-fill style FILL-PATTERN)
  (gimp-display-new img)
  (plug-in-neural-style-transfer #:run-mode RUN-INTERACTIVE #:image img #:drawables (vector content) #:style-drawable style))' \
    >"$work/gimp.log" 2>&1 &
  shots=(docs/dialog-gimp3.png)
else
  export GIMP2_DIRECTORY=$work/profile
  gimp -n -f -s -b '
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "/usr/share/gimp/2.0/images/gimp-splash.png" "splash")))
       (content (car (gimp-image-get-active-layer img)))
       (style (car (gimp-layer-new img 1920 1080 RGB-IMAGE "Leopard pattern" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img style 0 -1)
  (gimp-context-set-pattern "Leopard")
  (gimp-drawable-fill style FILL-PATTERN)
  (gimp-image-set-active-layer img content)
  (gimp-display-new img)
  (plug-in-neural-style-transfer RUN-INTERACTIVE img content style 50 200 512 FALSE 1.0 0 "content" "" "" "lbfgs" 0 "max" 1 "" 0))' \
    >"$work/gimp.log" 2>&1 &
  shots=(docs/dialog.png docs/dialog-advanced.png)
fi
gimp_pid=$!

window=$(timeout 120 xdotool search --sync --name '^Neural Style Transfer$' | head -1)
xdotool mousemove 0 0  # away from the dialog: no tooltip in the picture
sleep 3                # let it draw
import -window "$window" "${shots[0]}"
if [ "${#shots[@]}" -gt 1 ]; then
  xdotool windowfocus --sync "$window" key alt+a
  sleep 2
  import -window "$window" "${shots[1]}"
fi
echo "wrote ${shots[*]}"
