#!/usr/bin/env bash
# The README's main command: on Debian 12, installs what the project needs, builds it,
# installs the GIMP plug-in for the current user, installs the VGG-19 weights, and
# stylises GIMP's splash photograph with one of GIMP's patterns, writing OUT.
#
#   bash plugin/example/run.sh [OUT.png] [PATTERN]      (default: splash-styled.png, Leopard)
#
# Weights: downloaded (weights/sources.json) unless NST_WEIGHTS_FILE names a local Keras
# HDF5 file, checked against NST_WEIGHTS_MD5 when given (else the manifest's MD5).
# SHEET=path.jpg also writes photo | pattern | result side by side.
set -euo pipefail
out=$(realpath -m "${1:-splash-styled.png}")
pattern=${2:-Leopard}
cd "$(dirname "$0")/../.."
bash .ci/setup build
meson install -C build --tags plugin --no-rebuild
if [ -n "${NST_WEIGHTS_FILE:-}" ]; then
  build/weights/fetch --from "$NST_WEIGHTS_FILE" ${NST_WEIGHTS_MD5:+--md5 "$NST_WEIGHTS_MD5"}
else
  build/weights/fetch
fi
sheet=${SHEET:+$(realpath -m "$SHEET")}
rm -f "$out"  # replaced: a stale file must not pass the check below
# One batch command: what a command defines is gone in the next.
gimp-console-2.10 -i -f \
  -b "(begin (load \"$PWD/plugin/example/splash.scm\") (nst-splash-example \"$out\" \"$pattern\" \"${sheet:-}\"))" \
  -b "(gimp-quit 0)"
# Batch mode exits 0 even when a command failed: the file is the proof.
[ -s "$out" ] || { echo "run.sh: no $out was written (see GIMP's messages above)" >&2; exit 1; }
echo "run.sh: wrote $out"
