// Shared by every shader. Workgroup sizes come from specialisation constants 0..2, so that
// the C++ side picks them per device; shader-specific constants start at id 3.
#ifndef NST_COMMON_GLSL
#define NST_COMMON_GLSL

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// Visits i = this invocation's index, then every total-invocations-th one after it, below n:
// a bounded grid covers any element count.
#define GRID_STRIDE(i, n) \
  for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

#endif
