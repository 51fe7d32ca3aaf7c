#!/usr/bin/env bash
# The live preview, pictured and timed in GIMP 2.10 (Xvfb, openbox): the dialog opened at
# its default settings on Tübingen scaled to 1000×750 with The Starry Night as the style
# layer (../shared/images), then
#   docs/dialog-preview.png   the dialog once the preview has shown its first stylised
#                             picture, and again (…-later.png) a few seconds on
#   docs/dialog-blend.png     then with Kandinsky's Composition VII (a hidden layer at the
#                             bottom) chosen as Style 2 (Alt+2, the second entry after None),
#                             once the preview has restarted with the blend and run a while
#   docs/dialog-preview-selection.png   the dialog opened afresh with a rectangle of the
#                             photo selected (the old town's roofs): the preview shows it
# and prints the seconds from the dialog's construction to that first picture (the panel's
# figure, logged with G_MESSAGES_DEBUG=all). README § Live preview reports it.
#
#   bash docs/preview-screenshot.sh [BUILD_DIR]        (default: build; weights: NST_WEIGHTS
#                                                       or the default file)
#
# Needs: xvfb, xdotool, openbox, imagemagick (import), GIMP 2.10.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
images=$(realpath ../shared/images)
source docs/open-dialog.sh
start_session

export G_MESSAGES_DEBUG=all PHOTO=$images/tuebingen.jpg STYLE_PHOTO=$images/starry_night.jpg
export SECOND_STYLE_PHOTO=$images/kandinsky_composition_7.jpg
open_dialog "$build" 2 "$work" "1000 750"
timeout 120 sh -c "until grep -q 'first stylised picture' '$work/gimp.log'; do sleep 0.2; done"
sleep 0.5  # the picture is drawn on the tick that logs it
import -window "$window" docs/dialog-preview.png
sleep 10
import -window "$window" docs/dialog-preview-later.png
xdotool windowactivate --sync "$window" key --clearmodifiers alt+2 Down Down
sleep 15
import -window "$window" docs/dialog-blend.png
grep -o 'preview: first stylised picture .*' "$work/gimp.log"
close_dialog
SELECTION="420 250 360 240" open_dialog "$build" 2 "$work/again" "1000 750"  # (the first GIMP may linger)
timeout 120 sh -c "until grep -q 'first stylised picture' '$work/again/gimp.log'; do sleep 0.2; done"
sleep 8
import -window "$window" docs/dialog-preview-selection.png
echo "wrote docs/dialog-preview.png docs/dialog-preview-later.png docs/dialog-blend.png docs/dialog-preview-selection.png"
