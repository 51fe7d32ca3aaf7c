# Sourced by the screenshot scripts (docs/dialog-screenshot.sh, docs/download-screenshot.sh):
# open_dialog BUILD VERSION WORK starts GIMP VERSION (2 or 3) on a virtual display (Xvfb,
# with openbox so that the dialog can take the keyboard) with a throw-away profile in WORK
# holding BUILD's plug-in (BUILD "installed": none, GIMP's system folder has it), opens the filter's dialog on GIMP's splash photograph with a
# Leopard-pattern layer as the style, and sets `window` to the dialog's X window.
# open_dialog BUILD VERSION WORK "W H" scales the image to W×H first. The style layer is
# hidden (the filter reads it all the same), so that the window shows the photograph and
# then the new layer.
# GIMP 2.10 only: with PHOTO and STYLE_PHOTO set (image files), the image is PHOTO with
# STYLE_PHOTO as the style layer instead; with SECOND_STYLE_PHOTO too, that is a further
# (hidden) layer at the bottom, which the dialog does not propose by itself; with
# SELECTION="X Y W H", that rectangle selected (after the scaling).
# close_dialog stops what open_dialog started.
open_dialog() {
  local build=$1 version=$2 work=$3 size=${4:-1920 1080}
  local photo=${PHOTO:-/usr/share/gimp/2.0/images/gimp-splash.png}
  local style_layer='(car (gimp-layer-new img 1920 1080 RGB-IMAGE "Leopard pattern" 100 LAYER-MODE-NORMAL))'
  local fill_style='(gimp-context-set-pattern "Leopard") (gimp-drawable-fill style FILL-PATTERN)'
  if [ -n "${STYLE_PHOTO:-}" ]; then
    style_layer='(car (gimp-file-load-layer RUN-NONINTERACTIVE img "'"$STYLE_PHOTO"'"))'
    fill_style=''
  fi
  local second_style=''
  if [ -n "${SECOND_STYLE_PHOTO:-}" ]; then
    second_style='(let ((second (car (gimp-file-load-layer RUN-NONINTERACTIVE img "'"$SECOND_STYLE_PHOTO"'"))))
    (gimp-image-insert-layer img second 0 2)
    (gimp-layer-scale second '"$size"' FALSE)
    (gimp-item-set-visible second FALSE))'
  fi
  display=:$((90 + RANDOM % 100))
  mkdir -p "$work/profile/plug-ins"
  if [ "$build" != installed ]; then
    mkdir -p "$work/profile/plug-ins/neural-style-transfer"
    cp "$build/plugin/neural-style-transfer" "$work/profile/plug-ins/neural-style-transfer/"
  fi
  Xvfb "$display" -screen 0 1400x1000x24 >/dev/null 2>&1 &
  xvfb_pid=$!
  sleep 2
  export DISPLAY=$display
  openbox >/dev/null 2>&1 &
  wm_pid=$!
  if [ "$version" = 3 ]; then
    export GIMP3_DIRECTORY=$work/profile
    gimp-3.0 -n -f -s --batch-interpreter=plug-in-script-fu-eval -b '
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "/usr/share/gimp/3.0/images/gimp-splash.png")))
       (content (vector-ref (car (gimp-image-get-layers img)) 0))
       (style (car (gimp-layer-new img "Leopard pattern" 1920 1080 RGB-IMAGE 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img style 0 -1)
  (gimp-image-scale img '"$size"')
  (gimp-item-set-visible style FALSE)
  (gimp-context-set-pattern (car (gimp-pattern-get-by-name "Leopard")))
  (gimp-drawable-fill style FILL-PATTERN)
  (gimp-display-new img)
  (plug-in-neural-style-transfer #:run-mode RUN-INTERACTIVE #:image img #:drawables (vector content) #:style-drawable style))' \
      >"$work/gimp.log" 2>&1 &
  else
    export GIMP2_DIRECTORY=$work/profile
    gimp -n -f -s -b '
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE "'"$photo"'" "photo")))
       (content (car (gimp-image-get-active-layer img)))
       (style '"$style_layer"'))
  (gimp-image-insert-layer img style 0 -1)
  (gimp-image-scale img '"$size"')
  (gimp-item-set-visible style FALSE)
  '"$fill_style"'
  '"$second_style"'
  '"${SELECTION:+(gimp-image-select-rectangle img CHANNEL-OP-REPLACE $SELECTION)}"'
  (gimp-image-set-active-layer img content)
  (gimp-display-new img)
  (plug-in-neural-style-transfer RUN-INTERACTIVE img content style 50 200 512 FALSE 1.0 0 "content" "" "" "lbfgs" 0 "max" 1 "" 0))' \
      >"$work/gimp.log" 2>&1 &
  fi
  gimp_pid=$!
  window=$(timeout 180 xdotool search --sync --name '^Neural Style Transfer$' | head -1)
  xdotool mousemove 0 0  # away from the dialog: no tooltip in the picture
  sleep 3                # let it draw
}

# type_steps_and_size STEPS SIZE: types them into the open dialog through their
# mnemonics, Alt+T and Alt+K, and leaves the last field with Tab.
type_steps_and_size() {
  xdotool windowactivate --sync "$window" key --clearmodifiers alt+t ctrl+a
  xdotool type "$1"
  xdotool key --clearmodifiers alt+k ctrl+a
  xdotool type "$2"
  xdotool key Tab
}

# run_from_dialog STEPS SIZE [PICTURE]: types the steps and working size into the open
# dialog, optionally pictures it, presses OK (Alt+O) and
# waits until the image window's title counts three layers (GIMP 2.10's default title);
# sets `image_window`.
run_from_dialog() {
  type_steps_and_size "$1" "$2"
  sleep 1
  [ -z "${3:-}" ] || import -window "$window" "$3"
  xdotool key --clearmodifiers alt+o
  # (Polled: a search while the dialog's windows go away can fail on a vanished window.)
  timeout 900 sh -c "until xdotool search --name '3 layers' >/dev/null 2>&1; do sleep 2; done"
  image_window=$(xdotool search --name '3 layers' | head -1)
  sleep 2
}

close_dialog() {
  for pid in ${gimp_pid:-} ${wm_pid:-} ${xvfb_pid:-}; do kill "$pid" 2>/dev/null || true; done
}

# start_session: `work`, a temporary folder, and on exit close_dialog, the caller's
# `on_exit` command if set, and the folder removed.
start_session() {
  work=$(mktemp -d)
  trap 'close_dialog; eval "${on_exit:-:}"; rm -rf "$work"' EXIT
}
