#pragma once
// Small GTK helpers whose calls differ between GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3), for
// the widgets in plugin/gtk that both adapters compile.
#include <gtk/gtk.h>

namespace nst::plugin {

inline GtkWidget* new_box(bool vertical, int spacing = 6) {
#if GTK_CHECK_VERSION(3, 0, 0)
  return gtk_box_new(vertical ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL, spacing);
#else
  return vertical ? gtk_vbox_new(FALSE, spacing) : gtk_hbox_new(FALSE, spacing);
#endif
}

// A wrapping label aligned to the left, `width` px wide.
inline GtkWidget* new_text_label(int width) {
  GtkWidget* label = gtk_label_new(nullptr);
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_label_set_xalign(GTK_LABEL(label), 0.0);
#else
  gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
#endif
  gtk_widget_set_size_request(label, width, -1);
  return label;
}

// `widget` at its own size, centred in the space it is given; returns what to pack.
inline GtkWidget* centred(GtkWidget* widget) {
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_widget_set_halign(widget, GTK_ALIGN_CENTER);
  return widget;
#else
  GtkWidget* alignment = gtk_alignment_new(0.5, 0.5, 0, 0);
  gtk_container_add(GTK_CONTAINER(alignment), widget);
  return alignment;
#endif
}

}  // namespace nst::plugin
