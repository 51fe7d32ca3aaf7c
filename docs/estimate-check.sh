#!/usr/bin/env bash
# How close the dialog's estimate comes: in GIMP 2.10 (Xvfb, openbox) on Tübingen scaled to
# W×H with The Starry Night as the style layer (../shared/images), types STEPS and the
# WORKING size, waits for the live preview to finish (it measures the step times the
# estimate comes from), presses OK and compares the estimate with the run's own time (the
# plug-in's summary line). README § Live preview lists what it printed.
#
#   bash docs/estimate-check.sh BUILD_DIR "W H" STEPS WORKING
#
# Needs: xvfb, xdotool, openbox, imagemagick, GIMP 2.10; weights: NST_WEIGHTS or the default file.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:?usage: BUILD_DIR \"W H\" STEPS WORKING}")
size=$2 steps=$3 working=$4
images=$(realpath ../shared/images)
source docs/open-dialog.sh
start_session

export G_MESSAGES_DEBUG=all PHOTO=$images/tuebingen.jpg STYLE_PHOTO=$images/starry_night.jpg
open_dialog "$build" 2 "$work" "$size"
type_steps_and_size "$steps" "$working"
# The preview restarts with the typed settings; the end of that run logs the estimate for
# them. The run cut short by the typing logs one too, within its step in flight: let it.
sleep 3
before=$(grep -c 'preview: done' "$work/gimp.log" || true)
timeout 300 sh -c "until [ \$(grep -c 'preview: done' '$work/gimp.log') -gt $before ]; do sleep 0.5; done"
estimate=$(grep 'preview: done' "$work/gimp.log" | tail -1 | sed 's/.*estimate //')
xdotool windowactivate --sync "$window" key --clearmodifiers alt+o
timeout 3600 sh -c "until grep -q ' steps in ' '$work/gimp.log'; do sleep 2; done"
echo "${size/ /×}, $steps steps at $working px: estimate $estimate"
grep -o 'neural-style-transfer: .* steps in [0-9.]* s on [^ ]*' "$work/gimp.log"
