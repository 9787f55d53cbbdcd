//===- TensorProto.h - ONNX TensorProto codec -----------------------------===//
//
// Reads and writes serialized onnx.TensorProto messages (the .pb files of the ONNX test data and
// of initializers) without protobuf: the wire format is decoded by hand, with every length and
// offset checked, because the input may be an arbitrary file.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_RUNTIME_TENSORPROTO_H
#define SSM_RUNTIME_TENSORPROTO_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ssm::rt::pb {

struct TensorData {
  std::string name;
  // ONNX TensorProto.DataType number (1 FLOAT, 2 UINT8, 3 INT8, 4 UINT16, 5 INT16, 6 INT32,
  // 7 INT64, 9 BOOL, 10 FLOAT16, 11 DOUBLE, 12 UINT32, 13 UINT64, 16 BFLOAT16).
  int32_t dataType = 0;
  std::vector<int64_t> dims;
  // Element data: little-endian, densely packed, dtypeSize(dataType) bytes per element (a bool
  // is one byte, 0 or 1).
  std::vector<uint8_t> bytes;
};

// Bytes per element; 0 for unsupported types (undefined, string, complex, the 8-, 4- and 2-bit
// float and integer types).
size_t dtypeSize(int32_t dataType);

// Decodes a serialized TensorProto. Accepts packed and unpacked repeated fields, the typed data
// fields (float_data, int32_data, int64_data, double_data, uint64_data) as well as raw_data, and
// skips unknown fields. Fails on malformed wire data, segmented, string or externally stored
// tensors, unsupported data types, and data whose size does not match the dims. On failure
// returns false, leaves `out` unchanged and sets `error`.
bool decodeTensor(const uint8_t *data, size_t size, TensorData &out, std::string &error);

// Encodes `tensor` as a TensorProto with dims (field 1, packed), data_type (field 2), name
// (field 8, omitted when empty) and raw_data (field 9), in field-number order as protobuf does.
// The tensor is written as given: it is the caller's job to keep bytes consistent with dims.
std::vector<uint8_t> encodeTensor(const TensorData &tensor);

} // namespace ssm::rt::pb

#endif // SSM_RUNTIME_TENSORPROTO_H
