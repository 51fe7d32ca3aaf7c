#pragma once
// GEGL's lifetime in a process: image files (files.h) need a live session.
namespace nst::image {

// Initialises GEGL for this process and (unless the host owns GEGL) shuts it down when destroyed; create one in main
// before any image function. GEGL cannot be initialised again after it has been shut
// down, so a second session in one process is refused with std::logic_error.
class GeglSession {
 public:
  // Who ends GEGL: this session (gegl_exit when destroyed), or the host process (a GIMP
  // plug-in: libgimp holds GEGL buffers of its own past the plug-in's run, and GIMP never
  // calls gegl_exit in plug-ins).
  enum class Owner { this_session, host };
  explicit GeglSession(Owner owner = Owner::this_session);
  ~GeglSession();
  GeglSession(const GeglSession&) = delete;
  GeglSession& operator=(const GeglSession&) = delete;

 private:
  Owner owner_;
};

// Throws std::logic_error unless a GeglSession is alive.
void require_gegl_session();

}  // namespace nst::image
