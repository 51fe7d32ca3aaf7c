#include "plugin/gtk/preview_panel.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "image/files.h"
#include "plugin/gtk/widgets.h"

namespace nst::plugin {
namespace {

// How often the dialog's choice is compared and the run followed.
constexpr guint kTickMilliseconds = 150;

double now_seconds() { return double(g_get_monotonic_time()) / G_USEC_PER_SEC; }

uint32_t longest_side(const Image& image) { return std::max(image.width, image.height); }

std::vector<guchar> bytes_of(const Image& image) {
  std::vector<guchar> bytes(image.rgb.size());
  std::transform(image.rgb.begin(), image.rgb.end(), bytes.begin(),
                 [](float v) { return static_cast<guchar>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255)); });
  return bytes;
}

}  // namespace

PreviewPanel::PreviewPanel(ItemId content, std::optional<Region> selection, CurrentChoice current, ReadLayer read)
    : read_(std::move(read)),
      current_(std::move(current)),
      box_(new_box(true)),
      area_(gimp_preview_area_new()),
      toggle_(gtk_check_button_new_with_label(kPreviewLabel)),
      status_(new_text_label(kPreviewLongestSide)),
      estimate_(new_text_label(kPreviewLongestSide)),
      opened_at_(now_seconds()),
      scheduler_([this](const PreviewChoice& choice) { return start(choice); }) {
  const Image layer = read_(content);
  full_ = image::size_of(layer);
  PreviewArea shown = preview_area(layer, selection);
  zoom_ = shown.zoom;
  content_ = preview_input(shown.image, {}, Settings()).content;
  picture_ = content_;  // the photo itself until the first step
  gtk_widget_set_size_request(area_, static_cast<gint>(content_.width), static_cast<gint>(content_.height));
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(toggle_), TRUE);
  gtk_widget_set_tooltip_text(toggle_,
                              "Stylises a small copy of the layer as you change the settings, and measures the "
                              "device's speed for the run's estimated time. Nothing in the image changes until OK.");
  GtkWidget* frame = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(frame), GTK_SHADOW_IN);
  gtk_container_add(GTK_CONTAINER(frame), area_);
  gtk_box_pack_start(GTK_BOX(box_), centred(frame), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), toggle_, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), status_, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(box_), estimate_, FALSE, FALSE, 0);
  gtk_widget_show_all(box_);
  timer_ = g_timeout_add(kTickMilliseconds, on_tick, this);
}

PreviewPanel::~PreviewPanel() {
  g_source_remove(timer_);
  scheduler_.close();
}

gboolean PreviewPanel::on_tick(gpointer self) {
  // GLib's C code calls this: nothing may be thrown across it.
  try {
    static_cast<PreviewPanel*>(self)->tick();
  } catch (const std::exception& e) {
    gtk_label_set_text(GTK_LABEL(static_cast<PreviewPanel*>(self)->status_), e.what());
  }
  return G_SOURCE_CONTINUE;
}

void PreviewPanel::tick() {
  const PreviewChoice choice = current_();
  const bool enabled = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(toggle_));
  scheduler_.update(choice, enabled, now_seconds());
  if (std::optional<Image> picture = scheduler_.take_picture()) {
    picture_ = longest_side(*picture) == longest_side(content_) ? std::move(*picture)
                                                                 : image::resize_longest_side(*picture, longest_side(content_));
    if (!stylised_shown_) {
      // G_MESSAGES_DEBUG=all shows it: the figure README § Live preview reports.
      g_debug("preview: first stylised picture %.1f s after the dialog opened", now_seconds() - opened_at_);
      stylised_shown_ = true;
    }
  }
  draw();
  gtk_label_set_text(GTK_LABEL(status_), scheduler_.status().c_str());
  show_estimate(choice.settings);
}

// Logged too at the end of each preview run, for docs/estimate-check.sh, which compares
// it with the run's own time.
void PreviewPanel::show_estimate(const Settings& settings) {
  const bool run_ended = was_running_ && !scheduler_.running();
  was_running_ = scheduler_.running();
  if (!scheduler_.step_times().ready()) {
    gtk_label_set_text(GTK_LABEL(estimate_), "The run's time: known after the preview's first steps");
    return;
  }
  const RunEstimate estimate = estimate_run(settings, full_, scheduler_.step_times());
  const std::string text = estimate_text(estimate, scheduler_.device());
  gtk_label_set_text(GTK_LABEL(estimate_), text.c_str());
  if (run_ended) g_debug("preview: done; estimate %s = %.0f s", text.c_str(), estimate.seconds);
}

std::unique_ptr<PreviewWork> PreviewPanel::start(const PreviewChoice& choice) {
  std::vector<StyleInput> styles;
  for (const BlendedStyle& style : blended_styles(choice.styles, choice.settings)) {
    styles.push_back({style_layer(style.layer), style.weight});
  }
  return start_preview_job(preview_input(content_, styles, choice.settings, zoom_));
}

const Image& PreviewPanel::style_layer(ItemId style) {
  // A layer of any size is read once, and kept no larger than the preview needs.
  auto known = styles_.find(style);
  if (known == styles_.end()) known = styles_.emplace(style, preview_style(read_(style))).first;
  return known->second;
}

// Into the area once it has its size (GimpPreviewArea drops what comes before).
void PreviewPanel::draw() {
  if (!picture_ || !gtk_widget_get_mapped(area_)) return;
  const std::vector<guchar> bytes = bytes_of(*picture_);
  gimp_preview_area_draw(GIMP_PREVIEW_AREA(area_), 0, 0, static_cast<gint>(picture_->width),
                         static_cast<gint>(picture_->height), GIMP_RGB_IMAGE, bytes.data(),
                         static_cast<gint>(picture_->width * 3));
  picture_.reset();
}

}  // namespace nst::plugin
