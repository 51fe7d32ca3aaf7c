// Deterministic workgroup sums, shared by the first passes of every reduction (and its
// second): a workgroup sums a fixed contiguous chunk of the terms, each invocation a fixed
// strided subset of that chunk, then a shared-memory tree combines the invocations. No
// atomics and no order that depends on scheduling, so the same input gives the same bits.
// The workgroup is one-dimensional with a power-of-two size.
#ifndef NST_REDUCE_GLSL
#define NST_REDUCE_GLSL

shared float reduce_shared[gl_WorkGroupSize.x];

// Visits the terms i of this workgroup's chunk [group·chunk, (group + 1)·chunk) ∩ [0, n)
// that this invocation sums; consecutive invocations read consecutive terms.
#define CHUNK_STRIDE(i, n, chunk)                                                  \
  for (uint i = gl_WorkGroupID.x * (chunk) + gl_LocalInvocationID.x;               \
       i < min((gl_WorkGroupID.x + 1) * (chunk), (n)); i += gl_WorkGroupSize.x)

// The sum of every invocation's `value`, in a fixed tree order, returned to all of them.
float workgroup_sum(float value) {
  const uint lane = gl_LocalInvocationID.x;
  reduce_shared[lane] = value;
  barrier();
  for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
    if (lane < stride) reduce_shared[lane] += reduce_shared[lane + stride];
    barrier();
  }
  return reduce_shared[0];
}

#endif
