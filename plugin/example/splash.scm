; The README's example, made only of what GIMP installs: GIMP's splash photograph
; repainted in the style of one of GIMP's patterns, by the plug-in's PDB procedure in
; GIMP 2.10's batch mode (gimp-console). Load it and call it in one batch command:
;   (begin (load "splash.scm") (nst-splash-example "out.png" "Leopard" "sheet.jpg"))
; which writes the result layer to out.png and, when the third argument is not "", a
; contact sheet (photo | pattern | result) to that file.

(define nst-splash "/usr/share/gimp/2.0/images/gimp-splash.png")

; content | style | result side by side, flattened into a new image saved as `path`.
(define (nst-save-sheet img layers path)
  (let* ((width (car (gimp-image-width img)))
         (height (car (gimp-image-height img)))
         (sheet (car (gimp-image-new (* width (length layers)) height RGB))))
    (let loop ((rest layers) (x 0))
      (if (pair? rest)
          (let ((copy (car (gimp-layer-new-from-drawable (car rest) sheet))))
            (gimp-image-insert-layer sheet copy 0 -1)
            (gimp-layer-set-offsets copy x 0)
            (loop (cdr rest) (+ x width)))))
    (let ((flat (car (gimp-image-flatten sheet))))
      (file-jpeg-save RUN-NONINTERACTIVE sheet flat path path 0.9 0 1 0 "" 2 1 0 0))
    (gimp-image-delete sheet)))

(define (nst-splash-example out pattern sheet)
  (let* ((img (car (gimp-file-load RUN-NONINTERACTIVE nst-splash nst-splash)))
         (content (car (gimp-image-get-active-layer img))))
    (gimp-image-scale img 480 270)
    (let ((style (car (gimp-layer-new img 480 270 RGB-IMAGE pattern 100 LAYER-MODE-NORMAL))))
      (gimp-image-insert-layer img style 0 -1)
      (gimp-context-set-pattern pattern)
      (gimp-drawable-fill style FILL-PATTERN)
      ; strength 40, 100 steps at a 256 px working size, then refined at 480×270
      (let ((result (car (plug-in-neural-style-transfer RUN-NONINTERACTIVE img content style
                            40 100 256 FALSE 1.0 0 "content" "" "" "lbfgs" 0 "max" 1 "" 0))))
        (file-png-save2 RUN-NONINTERACTIVE img result out out 0 9 0 0 0 0 0 0 0)
        (if (not (equal? sheet ""))
            (nst-save-sheet img (list content style result) sheet))))
    (gimp-image-delete img)))
