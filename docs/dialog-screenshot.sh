#!/usr/bin/env bash
# Pictures of the plug-in's dialog for the README: starts GIMP on a virtual display (Xvfb)
# with a throw-away profile holding the built plug-in, opens the dialog on GIMP's splash
# photograph with a pattern layer as the style, and saves
#   docs/dialog.png           the dialog as it opens           (GIMP 3: docs/dialog-gimp3.png)
#   docs/dialog-advanced.png  with the advanced settings unfolded (Alt+V; GIMP 2.10 only)
#
#   bash docs/dialog-screenshot.sh [BUILD_DIR] [2|3]     (default: build, 2)
#
# Needs: xvfb, xdotool, openbox, imagemagick (import), the GIMP the build is for, and installed
# weights (else the dialog shows its "no weights" message, worth a picture too). The
# GIMP 3 picture was taken in CI's trixie chroot with these packages added.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
version=${2:-2}
source docs/open-dialog.sh
start_session

shots=(docs/dialog.png docs/dialog-advanced.png)
[ "$version" = 3 ] && shots=(docs/dialog-gimp3.png)
open_dialog "$build" "$version" "$work"
import -window "$window" "${shots[0]}"
if [ "${#shots[@]}" -gt 1 ]; then
  xdotool windowactivate --sync "$window" key --clearmodifiers alt+v
  sleep 2
  import -window "$window" "${shots[1]}"
fi
echo "wrote ${shots[*]}"
