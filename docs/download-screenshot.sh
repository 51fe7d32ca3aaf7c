#!/usr/bin/env bash
# Pictures of the first run for the README: GIMP on a virtual display (Xvfb, with openbox
# so that the dialog takes the keyboard) with no weights installed, the dialog opened,
# Download pressed (Alt+L) and the weights fetched from a slow server on 127.0.0.1:
#   docs/first-run-1-no-weights.png   the dialog as it opens without weights
#   docs/first-run-2-downloading.png  mid-download: bytes, rate, time left, Stop
#   docs/first-run-3-installed.png    installed: the warning gone, OK available
# (GIMP 3: the same names with -gimp3.) The server serves ../shared's partial Keras file
# (9.3 MB, through relu3_4) at about 300 kB/s, named by a manifest as the real one is; a
# real first run fetches the whole 80 MB file from the sources in weights/sources.json.
#
#   bash docs/download-screenshot.sh [BUILD_DIR] [2|3]     (default: build, 2)
#   bash docs/download-screenshot.sh installed 2
#
# "installed": the Debian package's plug-in and nst-fetch-weights, found by the plug-in
# itself; then the run goes on as a user's would: 20 steps at a 128 px working size typed
# into the dialog, Return, and GIMP's window with the new layer in
#   docs/first-run-4-result.png
#
# Needs: xvfb, xdotool, openbox, imagemagick (import), the GIMP the build is for.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ "$build" = installed ] || build=$(realpath "$build")
version=${2:-2}
source docs/open-dialog.sh
start_session
on_exit='kill "$server_pid" 2>/dev/null || true'

partial=../shared/weights/vgg19-keras-partial.h5
python3 tests/support/range_server.py "$partial" 65536 0.2 >"$work/url" &
server_pid=$!
until [ -s "$work/url" ]; do sleep 0.2; done
printf '{"file": "vgg19.h5", "md5": "%s", "sources": [{"name": "a slow local server", "url": "%s"}]}\n' \
  "$(md5sum "$partial" | cut -d' ' -f1)" "$(cat "$work/url")" >"$work/sources.json"
export NST_WEIGHTS_MANIFEST=$work/sources.json
export NST_WEIGHTS=$work/data/vgg19.safetensors   # not there yet: the dialog offers the download
[ "$build" = installed ] || export NST_FETCH_WEIGHTS=$build/weights/nst-fetch-weights
export XDG_CACHE_HOME=$work/cache

suffix=$([ "$version" = 3 ] && echo -gimp3 || echo "")
# Installed: a run follows, on a 480×270 copy of the photograph so that lavapipe is quick.
open_dialog "$build" "$version" "$work" "$([ "$build" = installed ] && echo 480 270 || echo 1920 1080)"
import -window "$window" "docs/first-run-1-no-weights$suffix.png"
xdotool windowactivate --sync "$window"
sleep 1
xdotool key --clearmodifiers alt+l
sleep 12
import -window "$window" "docs/first-run-2-downloading$suffix.png"
timeout 120 sh -c "until [ -f '$NST_WEIGHTS' ]; do sleep 1; done"
xdotool mousemove 0 0  # no tooltip of what the layout moved under the pointer
sleep 4                # the dialog checks the new file and redraws
import -window "$window" "docs/first-run-3-installed$suffix.png"
echo "wrote docs/first-run-*$suffix.png"

if [ "$build" = installed ]; then
  run_from_dialog 20 128 "${SETTINGS_PICTURE:-$work/settings.png}"
  import -window "$image_window" "docs/first-run-4-result$suffix.png"
  echo "wrote docs/first-run-4-result$suffix.png"
fi
