#include "image/gegl_session.h"

#include <gegl.h>

#include <atomic>
#include <stdexcept>

namespace nst::image {
namespace {

// GEGL's process state. GEGL keeps its own global state and cannot be initialised again
// after gegl_exit; this mirrors that state so that misuse is an exception, not a crash.

enum class GeglState { never_started, running, shut_down };
std::atomic<GeglState> gegl_state{GeglState::never_started};

}  // namespace

void require_gegl_session() {
  if (gegl_state.load() != GeglState::running) {
    throw std::logic_error("image input/output needs a live nst::image::GeglSession (create one in main)");
  }
}

GeglSession::GeglSession(Owner owner) : owner_(owner) {
  GeglState expected = GeglState::never_started;
  if (!gegl_state.compare_exchange_strong(expected, GeglState::running)) {
    throw std::logic_error("GEGL can be initialised only once per process, and a GeglSession was already created");
  }
  gegl_init(nullptr, nullptr);
  // Operation classes register their file loaders when first initialised; listing the
  // operations initialises them all, so that the first loader lookup finds them.
  guint count = 0;
  g_free(gegl_list_operations(&count));
}

GeglSession::~GeglSession() {
  if (owner_ == Owner::this_session) gegl_exit();
  gegl_state.store(GeglState::shut_down);
}

}  // namespace nst::image
