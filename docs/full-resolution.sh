#!/usr/bin/env bash
# The README's full-resolution picture: ../shared's Tübingen photograph styled after
# Starry Night at 3840×2880 px (11.1 MP, the largest 4:3 image lavapipe binds: 128 MiB
# per x-sized buffer), against what the engine did before tiling, when the device could
# not hold the next size: optimise up to 1920×1440 and enlarge bilinearly.
#   1. coarse-to-fine to 1920×1440 (480, 960, 1920 px; 40 steps, then 2 per refinement);
#   2. the fallback: that result enlarged bilinearly to 3840×2880;
#   3. full resolution: 2 steps more at 3840×2880, in tiles, from that enlargement (each
#      scale of a coarse-to-fine run starts a fresh optimiser from the last result
#      enlarged, so this is the schedule's next scale); Adam, because L-BFGS's 17 vectors
#      of 133 MB do not fit lavapipe's 2 GiB heap beside the image's own; the style at
#      0.9 × 3840 px, since at 3840 px (3840×3042) its RGB buffer exceeds 128 MiB;
#   4. the same 640×480 crop (100 %) of both, side by side: docs/full-resolution-crop.jpg.
#
#   bash docs/full-resolution.sh [BUILD_DIR] [WEIGHTS]    (default: build, the partial file converted)
#
# Needs: a built nst, imagemagick (convert) for steps 2 and 4. nst's last line gives the
# tiles and the peak device memory, time's the wall time and peak host memory; the README
# gives them as measured on lavapipe (2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=${WORK:-$(mktemp -d)}
weights=${2:-$work/vgg19-partial.safetensors}
[ -f "$weights" ] || "$build/weights/nst-weights" convert ../shared/weights/vgg19-keras-partial.h5 "$weights"
nst=$build/compute/cli/nst
images=../shared/images
timed() { /usr/bin/time -f "%e s wall, %M KB peak host memory" "$@"; }

timed "$nst" "$images/tuebingen.jpg" "$images/starry_night.jpg" -o "$work/1920.png" --size 1920 --scales 3 \
  --steps 40 --refine-steps 2 --weights "$weights"
convert "$work/1920.png" -filter Triangle -resize 3840x2880 "$work/fallback-3840.png"
timed "$nst" "$images/tuebingen.jpg" "$images/starry_night.jpg" -o "$work/full-3840.png" --size 3840 \
  --style-scale 0.9 --init "$work/fallback-3840.png" --steps 2 --optimizer adam --lr 5 --weights "$weights"
crop=640x480+1600+1100
convert \( "$work/fallback-3840.png" -crop $crop +repage \) \( "$work/full-3840.png" -crop $crop +repage \) \
  +append -quality 90 docs/full-resolution-crop.jpg
echo "wrote docs/full-resolution-crop.jpg (the runs' images are in $work)"
