//===- Tensor.cpp - host tensors of the C API -----------------------------===//

#include "Tensor.h"

#include "Error.h"
#include "TensorProto.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace ssm::rt;

ssm_tensor::~ssm_tensor() { alignedFree(owned); }

void *ssm::rt::alignedAlloc(int64_t bytes) {
  if (bytes < 0 || bytes > kMaxTensorBytes)
    return nullptr;
  size_t rounded = (static_cast<size_t>(bytes) + 63) / 64 * 64;
  return std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
}

void ssm::rt::alignedFree(void *memory) { std::free(memory); }

int64_t ssm::rt::numElements(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size < 0 || (size != 0 && count > INT64_MAX / size))
      return -1;
    count *= size;
  }
  return count;
}

size_t ssm_dtype_size(ssm_dtype dtype) {
  switch (dtype) {
  case SSM_DTYPE_F64:
  case SSM_DTYPE_I64:
  case SSM_DTYPE_U64:
    return 8;
  case SSM_DTYPE_F32:
  case SSM_DTYPE_I32:
  case SSM_DTYPE_U32:
    return 4;
  case SSM_DTYPE_F16:
  case SSM_DTYPE_BF16:
  case SSM_DTYPE_I16:
  case SSM_DTYPE_U16:
    return 2;
  case SSM_DTYPE_I8:
  case SSM_DTYPE_U8:
  case SSM_DTYPE_BOOL:
    return 1;
  case SSM_DTYPE_UNDEFINED:
    break;
  }
  return 0;
}

const char *ssm_dtype_name(ssm_dtype dtype) {
  switch (dtype) {
  case SSM_DTYPE_F32:
    return "f32";
  case SSM_DTYPE_F16:
    return "f16";
  case SSM_DTYPE_BF16:
    return "bf16";
  case SSM_DTYPE_F64:
    return "f64";
  case SSM_DTYPE_I64:
    return "i64";
  case SSM_DTYPE_I32:
    return "i32";
  case SSM_DTYPE_I16:
    return "i16";
  case SSM_DTYPE_I8:
    return "i8";
  case SSM_DTYPE_U8:
    return "u8";
  case SSM_DTYPE_U16:
    return "u16";
  case SSM_DTYPE_U32:
    return "u32";
  case SSM_DTYPE_U64:
    return "u64";
  case SSM_DTYPE_BOOL:
    return "bool";
  case SSM_DTYPE_UNDEFINED:
    break;
  }
  return "?";
}

namespace {

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

} // namespace

ssm_status ssm_tensor_create(ssm_dtype dtype, const int64_t *shape, int32_t rank,
                             ssm_tensor **out) {
  if (!out || (rank > 0 && !shape))
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tensor_create: null argument");
  *out = nullptr;
  if (rank < 0 || rank > kMaxRank)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tensor_create: rank " + std::to_string(rank) +
                                                " is outside [0, " + std::to_string(kMaxRank) +
                                                "]");
  size_t elementSize = ssm_dtype_size(dtype);
  if (elementSize == 0)
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_tensor_create: unknown dtype " + std::to_string(static_cast<int>(dtype)));
  std::vector<int64_t> dims(shape, shape + rank);
  // Every dimension is bounded as if the others were at least 1: compiled code multiplies
  // sizes of an empty tensor too, and (0, 2^62) must not reach it.
  int64_t bound = static_cast<int64_t>(elementSize);
  for (int64_t size : dims) {
    if (size < 0)
      return fail(SSM_ERROR_INVALID_ARGUMENT,
                  "ssm_tensor_create: shape " + shapeString(dims) + " has a negative dimension");
    if (size > 1 && bound > kMaxTensorBytes / size)
      return fail(SSM_ERROR_INVALID_ARGUMENT,
                  "ssm_tensor_create: shape " + shapeString(dims) + " of " + ssm_dtype_name(dtype) +
                      " is too large: its dimensions (zeros counted as " +
                      "ones) multiply to more than " + std::to_string(kMaxTensorBytes) + " bytes");
    bound *= std::max<int64_t>(size, 1);
  }
  int64_t bytes = numElements(dims) * static_cast<int64_t>(elementSize);
  void *data = alignedAlloc(bytes);
  if (!data)
    return fail(SSM_ERROR_OUT_OF_MEMORY, "ssm_tensor_create: cannot allocate " +
                                             std::to_string(bytes) + " bytes for shape " +
                                             shapeString(dims) + " of " + ssm_dtype_name(dtype));
  auto *tensor = new ssm_tensor;
  tensor->dtype = dtype;
  tensor->shape = std::move(dims);
  tensor->data = tensor->owned = data;
  *out = tensor;
  return SSM_OK;
}

void ssm_tensor_free(ssm_tensor *tensor) { delete tensor; }
ssm_dtype ssm_tensor_dtype(const ssm_tensor *tensor) { return tensor->dtype; }
int32_t ssm_tensor_rank(const ssm_tensor *tensor) {
  return static_cast<int32_t>(tensor->shape.size());
}
const int64_t *ssm_tensor_shape(const ssm_tensor *tensor) { return tensor->shape.data(); }
int64_t ssm_tensor_num_elements(const ssm_tensor *tensor) { return numElements(tensor->shape); }
size_t ssm_tensor_num_bytes(const ssm_tensor *tensor) {
  return static_cast<size_t>(numElements(tensor->shape)) * ssm_dtype_size(tensor->dtype);
}
void *ssm_tensor_data(ssm_tensor *tensor) { return tensor->data; }

ssm_status ssm::rt::tensorFromProto(const uint8_t *bytes, size_t size, const std::string &label,
                                    ssm_tensor **out) {
  *out = nullptr;
  pb::TensorData data;
  std::string error;
  if (!pb::decodeTensor(bytes, size, data, error))
    return fail(SSM_ERROR_FORMAT, "'" + label + "': " + error);
  ssm_dtype dtype = static_cast<ssm_dtype>(data.dataType);
  if (ssm_dtype_size(dtype) == 0)
    return fail(SSM_ERROR_UNSUPPORTED, "'" + label + "': data type " +
                                           std::to_string(data.dataType) + " is not supported");
  if (data.dims.size() > static_cast<size_t>(kMaxRank))
    return fail(SSM_ERROR_UNSUPPORTED, "'" + label + "': rank " + std::to_string(data.dims.size()) +
                                           " is above " + std::to_string(kMaxRank));
  ssm_tensor *tensor;
  if (ssm_status status = ssm_tensor_create(dtype, data.dims.data(),
                                            static_cast<int32_t>(data.dims.size()), &tensor))
    return fail(status, "'" + label + "': " + ssm_last_error());
  if (!data.bytes.empty())
    std::memcpy(tensor->data, data.bytes.data(), data.bytes.size());
  *out = tensor;
  return SSM_OK;
}

ssm_status ssm_tensor_read_pb(const char *path, ssm_tensor **out) {
  if (!path || !out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tensor_read_pb: null argument");
  *out = nullptr;
  FILE *file = std::fopen(path, "rb");
  if (!file)
    return fail(SSM_ERROR_IO, std::string("cannot open '") + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  bool ok = std::fseek(file, 0, SEEK_END) == 0;
  long size = ok ? std::ftell(file) : -1;
  ok = ok && size >= 0 && std::fseek(file, 0, SEEK_SET) == 0;
  if (ok) {
    bytes.resize(static_cast<size_t>(size));
    ok = std::fread(bytes.data(), 1, bytes.size(), file) == bytes.size();
  }
  std::fclose(file);
  if (!ok)
    return fail(SSM_ERROR_IO, std::string("cannot read '") + path + "'");
  return tensorFromProto(bytes.data(), bytes.size(), path, out);
}

ssm_status ssm_tensor_write_pb(const ssm_tensor *tensor, const char *name, const char *path) {
  if (!tensor || !path)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tensor_write_pb: null argument");
  pb::TensorData data;
  data.name = name ? name : "";
  data.dataType = static_cast<int32_t>(tensor->dtype);
  data.dims = tensor->shape;
  size_t bytes = ssm_tensor_num_bytes(tensor);
  const auto *begin = static_cast<const uint8_t *>(tensor->data);
  data.bytes.assign(begin, begin + bytes);
  std::vector<uint8_t> encoded = pb::encodeTensor(data);
  std::string temp = std::string(path) + ".tmp-" + std::to_string(getpid());
  FILE *file = std::fopen(temp.c_str(), "wb");
  if (!file)
    return fail(SSM_ERROR_IO, "cannot create '" + temp + "': " + std::strerror(errno));
  bool ok = std::fwrite(encoded.data(), 1, encoded.size(), file) == encoded.size();
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    return fail(SSM_ERROR_IO, std::string("cannot write '") + path + "': " + reason);
  }
  return SSM_OK;
}
