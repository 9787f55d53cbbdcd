//===- Tensor.h - host tensors of the C API ---------------------*- C++ -*-===//

#ifndef SSM_RUNTIME_TENSOR_H
#define SSM_RUNTIME_TENSOR_H

#include "ssm/runtime.h"

#include <cstdint>
#include <vector>

/// A dense, row-major host tensor. `owned` is the allocation to free (from alignedAlloc), which
/// may differ from `data` when the tensor adopted a buffer of compiled code.
struct ssm_tensor {
  ssm_dtype dtype = SSM_DTYPE_UNDEFINED;
  std::vector<int64_t> shape;
  void *data = nullptr;
  void *owned = nullptr;
  ~ssm_tensor();
};

namespace ssm::rt {

/// 64-byte aligned memory for at least `bytes` (never null for 0 bytes), or null.
void *alignedAlloc(int64_t bytes);
void alignedFree(void *memory);

/// The element count of `shape`, or -1 on overflow or a negative size.
int64_t numElements(const std::vector<int64_t> &shape);

} // namespace ssm::rt

#endif // SSM_RUNTIME_TENSOR_H
