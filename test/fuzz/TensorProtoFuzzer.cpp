//===- TensorProtoFuzzer.cpp - fuzz the runtime's TensorProto reader ------===//
//
// Input: the bytes of a .pb tensor file, read as ssm_tensor_read_pb reads one. A tensor that
// decodes must be consistent (its bytes fill its dims), survive an encode/decode round trip
// unchanged, and become a C API tensor unless the runtime's limits refuse it with a message.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"
#include "TensorProto.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace ssm::rt;

namespace {

[[noreturn]] void inconsistent(const char *what) {
  std::fprintf(stderr, "TensorProto: %s\n", what);
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pb::TensorData tensor;
  std::string error;
  if (!pb::decodeTensor(data, size, tensor, error)) {
    if (error.empty())
      inconsistent("decoding failed without a message");
    return 0;
  }
  size_t expected = pb::dtypeSize(tensor.dataType);
  for (int64_t d : tensor.dims)
    expected *= static_cast<size_t>(d);
  if (expected != tensor.bytes.size())
    inconsistent("the decoded bytes do not fill the dims");

  std::vector<uint8_t> encoded = pb::encodeTensor(tensor);
  pb::TensorData again;
  if (!pb::decodeTensor(encoded.data(), encoded.size(), again, error))
    inconsistent("a re-encoded tensor does not decode");
  if (again.name != tensor.name || again.dataType != tensor.dataType || again.dims != tensor.dims ||
      again.bytes != tensor.bytes)
    inconsistent("a re-encoded tensor decodes differently");

  ssm_tensor *created = nullptr;
  if (tensorFromProto(data, size, "input", &created) != SSM_OK) {
    if (created || std::strncmp(ssm_last_error(), "'input': ", 9) != 0)
      inconsistent("a refused tensor has no message naming the input");
    return 0;
  }
  if (ssm_tensor_num_bytes(created) != tensor.bytes.size() ||
      (!tensor.bytes.empty() &&
       std::memcmp(ssm_tensor_data(created), tensor.bytes.data(), tensor.bytes.size()) != 0))
    inconsistent("the C API tensor differs from the decoded one");
  ssm_tensor_free(created);
  return 0;
}
