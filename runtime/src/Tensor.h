//===- Tensor.h - host tensors of the C API ---------------------*- C++ -*-===//

#ifndef SSM_RUNTIME_TENSOR_H
#define SSM_RUNTIME_TENSOR_H

#include "ssm/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
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

/// The largest buffer the runtime allocates (128 TiB): larger requests, like negative ones,
/// can only come from corrupt or overflowing sizes.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 47;

/// Why a run fails when compiled code asks for a negative number of bytes: it does so when a
/// buffer's size is negative or the product of its sizes overflows.
constexpr const char *kUnsizableBuffer =
    "compiled code could not size an intermediate buffer: one of its dimensions is negative or "
    "their product overflows 64 bits (invalid or too large input dimensions?)";

/// The highest rank of a tensor of the C API.
constexpr int32_t kMaxRank = 8;

/// 64-byte aligned memory for at least `bytes` (never null for 0 bytes), or null (also for a
/// negative size or one above kMaxTensorBytes).
void *alignedAlloc(int64_t bytes);
void alignedFree(void *memory);

/// The element count of `shape`, or -1 on overflow or a negative size.
int64_t numElements(const std::vector<int64_t> &shape);

/// Decodes a serialized ONNX TensorProto into a new tensor, as ssm_tensor_read_pb does with a
/// file's bytes; `label` (the file) prefixes the error messages.
ssm_status tensorFromProto(const uint8_t *bytes, size_t size, const std::string &label,
                           ssm_tensor **out);

} // namespace ssm::rt

#endif // SSM_RUNTIME_TENSOR_H
