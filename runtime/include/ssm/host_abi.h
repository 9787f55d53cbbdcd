/*===- ssm/host_abi.h - the contract between compiled code and the runtime -===*
 *
 * Compiled host code (the shared object inside an artifact) and the runtime meet here. The
 * compiler emits code against these layouts (passes/Conversion/HostToLLVM.cpp) and the runtime
 * implements them; a change to either side bumps SSM_HOST_ABI_VERSION.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SSM_HOST_ABI_H
#define SSM_HOST_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_HOST_ABI_VERSION 2

/* The symbol every compiled host module exports. */
#define SSM_HOST_ENTRY_SYMBOL "ssm_main"

typedef struct ssm_host_env ssm_host_env;

/* A CPU kernel runs the workgroups [begin, end) of one dispatch. `args[i]` points to the i-th
 * argument: a memref descriptor (below) or an int64_t. */
typedef void (*ssm_cpu_kernel_fn)(void **args, int64_t begin, int64_t end);

/* The services compiled code calls. The runtime embeds this struct at the start of its own
 * per-call context. Field order is ABI: the compiler addresses fields by index
 * (SSM_HOST_ENV_FIELD_*). */
struct ssm_host_env {
  int32_t abi_version; /* SSM_HOST_ABI_VERSION */
  int32_t status;      /* 0 until `fail` is called; compiled code skips all work after that */
  /* Returns `bytes` of memory aligned to 64 bytes, owned by the call (freed by the runtime
   * after the call unless it becomes an output), or null after calling `fail`. */
  void *(*alloc)(ssm_host_env *env, int64_t bytes);
  /* Records the first failure: `message` with the two values that violated it. */
  void (*fail)(ssm_host_env *env, const char *message, int64_t a, int64_t b);
  /* Runs fn(args, begin, end) over disjoint ranges covering [0, n), possibly in parallel, and
   * returns when all have finished. */
  void (*parallel_for)(ssm_host_env *env, ssm_cpu_kernel_fn fn, void **args, int64_t n);
  /* GPU artifacts: enqueues GPU kernel `kernel` (its index in the manifest's "gpu_kernels")
   * with the given grid, block and dynamic shared memory; `params[i]` points to the i-th
   * kernel parameter, as cuLaunchKernel takes them. Memory from `alloc` is device memory. */
  void (*launch)(ssm_host_env *env, int32_t kernel, int32_t grid_x, int32_t grid_y, int32_t grid_z,
                 int32_t block_x, int32_t block_y, int32_t block_z, int32_t shared_bytes,
                 void **params);
};

#define SSM_HOST_ENV_FIELD_STATUS 1
#define SSM_HOST_ENV_FIELD_ALLOC 2
#define SSM_HOST_ENV_FIELD_FAIL 3
#define SSM_HOST_ENV_FIELD_PARALLEL_FOR 4
#define SSM_HOST_ENV_FIELD_LAUNCH 5

/* ssm_main(env, inputs, outputs): inputs[i] points to the memref descriptor of the i-th input;
 * outputs[i] points to storage for the descriptor of the i-th output, which the entry fills.
 * Returns env->status. */
typedef int32_t (*ssm_host_entry_fn)(ssm_host_env *env, void **inputs, void **outputs);

/* The layout of a rank-R memref descriptor, as MLIR's LLVM lowering defines it:
 *   void *allocated; void *aligned; int64_t offset; int64_t sizes[R]; int64_t strides[R];
 * The descriptor of rank R occupies (3 + 2R) * 8 bytes. */
#define SSM_MEMREF_DESCRIPTOR_BYTES(rank) ((3 + 2 * (int64_t)(rank)) * 8)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSM_HOST_ABI_H */
