//===- TensorProtoTest.cpp - Tests for the ONNX TensorProto codec ---------===//

#include "TensorProto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifdef SSM_ONNX_NODE_TESTS_DIR
#include <filesystem>
#include <fstream>
#include <iterator>
#endif

using ssm::rt::pb::decodeTensor;
using ssm::rt::pb::dtypeSize;
using ssm::rt::pb::encodeTensor;
using ssm::rt::pb::TensorData;

namespace {

using Bytes = std::vector<uint8_t>;

// ONNX data types and TensorProto field numbers, spelled out here independently of the codec.
enum : int32_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kBFloat16 = 16,
  kFloat8E4M3FN = 17,
};

enum : uint32_t {
  fDims = 1,
  fDataType = 2,
  fSegment = 3,
  fFloatData = 4,
  fInt32Data = 5,
  fStringData = 6,
  fInt64Data = 7,
  fName = 8,
  fRawData = 9,
  fDoubleData = 10,
  fUint64Data = 11,
  fDocString = 12,
  fExternalData = 13,
  fDataLocation = 14,
};

const int32_t supportedTypes[] = {kFloat, kUint8,   kInt8,   kUint16, kInt16,  kInt32,   kInt64,
                                  kBool,  kFloat16, kDouble, kUint32, kUint64, kBFloat16};

// A protobuf writer written for the tests, so that the decoder is not only checked against the
// encoder it ships with.
class Proto {
public:
  Bytes bytes;

  Proto &varint(uint64_t v) {
    while (v >= 0x80) {
      bytes.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Proto &tag(uint32_t field, uint32_t wireType) {
    return varint((static_cast<uint64_t>(field) << 3) | wireType);
  }
  Proto &varintField(uint32_t field, uint64_t v) { return tag(field, 0).varint(v); }
  // int32/int64 fields: negative values are sign-extended to 10 bytes.
  Proto &intField(uint32_t field, int64_t v) {
    return varintField(field, static_cast<uint64_t>(v));
  }
  Proto &fixed32Field(uint32_t field, uint32_t v) {
    tag(field, 5);
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Proto &fixed64Field(uint32_t field, uint64_t v) {
    tag(field, 1);
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Proto &bytesField(uint32_t field, const Bytes &payload) {
    tag(field, 2).varint(payload.size());
    return append(payload);
  }
  Proto &stringField(uint32_t field, const std::string &s) {
    return bytesField(field, Bytes(s.begin(), s.end()));
  }
  Proto &packedVarints(uint32_t field, const std::vector<uint64_t> &values) {
    Proto payload;
    for (uint64_t v : values)
      payload.varint(v);
    return bytesField(field, payload.bytes);
  }
  Proto &packedInts(uint32_t field, const std::vector<int64_t> &values) {
    std::vector<uint64_t> u;
    for (int64_t v : values)
      u.push_back(static_cast<uint64_t>(v));
    return packedVarints(field, u);
  }
  Proto &unpackedInts(uint32_t field, const std::vector<int64_t> &values) {
    for (int64_t v : values)
      intField(field, v);
    return *this;
  }
  Proto &append(const Bytes &b) {
    bytes.insert(bytes.end(), b.begin(), b.end());
    return *this;
  }
  // The usual header of a real ONNX file: unpacked dims, then data_type and name.
  Proto &header(const std::vector<int64_t> &dims, int32_t dataType, const std::string &name) {
    unpackedInts(fDims, dims);
    intField(fDataType, dataType);
    return stringField(fName, name);
  }
};

uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint64_t doubleBits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

Bytes littleEndian(const std::vector<uint64_t> &values, size_t width) {
  Bytes out;
  for (uint64_t v : values)
    for (size_t i = 0; i < width; ++i)
      out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

Bytes floatBytes(const std::vector<float> &values) {
  std::vector<uint64_t> bits;
  for (float f : values)
    bits.push_back(floatBits(f));
  return littleEndian(bits, 4);
}

TensorData decodeOk(const Bytes &bytes) {
  TensorData t;
  std::string error;
  EXPECT_TRUE(decodeTensor(bytes.data(), bytes.size(), t, error)) << error;
  return t;
}

// Returns the error message, or "<decoded>" if the bytes were accepted.
std::string decodeError(const Bytes &bytes) {
  TensorData t;
  std::string error;
  if (decodeTensor(bytes.data(), bytes.size(), t, error))
    return "<decoded>";
  EXPECT_FALSE(error.empty());
  return error;
}

void expectErrorContains(const Bytes &bytes, const std::string &needle) {
  std::string error = decodeError(bytes);
  EXPECT_NE(error.find(needle), std::string::npos)
      << "error \"" << error << "\" does not contain \"" << needle << "\"";
}

uint64_t elementCount(const std::vector<int64_t> &dims) {
  uint64_t n = 1;
  for (int64_t d : dims)
    n *= static_cast<uint64_t>(d);
  return n;
}

// What every successfully decoded tensor must satisfy.
void expectConsistent(const TensorData &t) {
  size_t size = dtypeSize(t.dataType);
  ASSERT_NE(size, 0u) << "decoded an unsupported dtype " << t.dataType;
  for (int64_t d : t.dims)
    ASSERT_GE(d, 0);
  EXPECT_EQ(elementCount(t.dims) * size, t.bytes.size());
  if (t.dataType == kBool) {
    for (uint8_t b : t.bytes)
      EXPECT_LE(b, 1);
  }
}

void expectSameTensor(const TensorData &a, const TensorData &b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dataType, b.dataType);
  EXPECT_EQ(a.dims, b.dims);
  EXPECT_EQ(a.bytes, b.bytes);
}

// Decodes every proper prefix and every single-byte corruption of `encoding`: each must give an
// error or a consistent tensor, never a crash or an out-of-bounds read (ASan checks those).
void decodeAllPrefixesAndMutations(const Bytes &encoding) {
  for (size_t n = 0; n < encoding.size(); ++n) {
    // A fresh heap copy of exactly n bytes, so that ASan catches any read past the prefix.
    Bytes prefix(encoding.begin(), encoding.begin() + n);
    TensorData t;
    std::string error;
    if (decodeTensor(prefix.data(), prefix.size(), t, error))
      expectConsistent(t);
    else
      EXPECT_FALSE(error.empty());
  }
  for (size_t i = 0; i < encoding.size(); ++i) {
    for (uint8_t r : {0x00, 0x01, 0x02, 0x05, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x4A, 0x0B, 0x0C}) {
      Bytes mutated = encoding;
      mutated[i] = r;
      TensorData t;
      std::string error;
      if (decodeTensor(mutated.data(), mutated.size(), t, error))
        expectConsistent(t);
      else
        EXPECT_FALSE(error.empty());
    }
  }
}

TensorData sampleTensor(int32_t dataType, std::vector<int64_t> dims, std::string name) {
  TensorData t;
  t.name = std::move(name);
  t.dataType = dataType;
  t.dims = std::move(dims);
  size_t n = elementCount(t.dims) * dtypeSize(dataType);
  for (size_t i = 0; i < n; ++i)
    t.bytes.push_back(dataType == kBool ? static_cast<uint8_t>(i % 3 == 0)
                                        : static_cast<uint8_t>(i * 37 + 11));
  return t;
}

//===----------------------------------------------------------------------===//
// dtypeSize
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, DtypeSize) {
  EXPECT_EQ(dtypeSize(kFloat), 4u);
  EXPECT_EQ(dtypeSize(kUint8), 1u);
  EXPECT_EQ(dtypeSize(kInt8), 1u);
  EXPECT_EQ(dtypeSize(kUint16), 2u);
  EXPECT_EQ(dtypeSize(kInt16), 2u);
  EXPECT_EQ(dtypeSize(kInt32), 4u);
  EXPECT_EQ(dtypeSize(kInt64), 8u);
  EXPECT_EQ(dtypeSize(kBool), 1u);
  EXPECT_EQ(dtypeSize(kFloat16), 2u);
  EXPECT_EQ(dtypeSize(kDouble), 8u);
  EXPECT_EQ(dtypeSize(kUint32), 4u);
  EXPECT_EQ(dtypeSize(kUint64), 8u);
  EXPECT_EQ(dtypeSize(kBFloat16), 2u);
  // Undefined, string, complex, the 8/4/2-bit types, and nonsense.
  for (int32_t t : {0, 8, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, -1, 1000})
    EXPECT_EQ(dtypeSize(t), 0u) << t;
}

//===----------------------------------------------------------------------===//
// Encoder and round trips
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, EncoderWritesCanonicalBytes) {
  TensorData t;
  t.name = "x";
  t.dataType = kFloat;
  t.dims = {2, 300};
  t.bytes = {1, 2, 3, 4};
  // dims packed (300 = 0xAC 0x02), data_type, name, raw_data, in field-number order.
  Bytes expected = {0x0A, 0x03, 0x02, 0xAC, 0x02, 0x10, 0x01, 0x42,
                    0x01, 'x',  0x4A, 0x04, 0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(encodeTensor(t), expected);
}

TEST(TensorProtoTest, EncoderOmitsEmptyNameAndDims) {
  TensorData t;
  t.dataType = kInt8;
  t.bytes = {0xFF};
  Bytes expected = {0x10, 0x03, 0x4A, 0x01, 0xFF};
  EXPECT_EQ(encodeTensor(t), expected);
}

TEST(TensorProtoTest, RoundTripEverySupportedType) {
  for (int32_t dataType : supportedTypes) {
    SCOPED_TRACE("dtype " + std::to_string(dataType));
    TensorData t = sampleTensor(dataType, {2, 3, 4}, "t" + std::to_string(dataType));
    TensorData back = decodeOk(encodeTensor(t));
    expectSameTensor(back, t);
  }
}

TEST(TensorProtoTest, RoundTripShapes) {
  for (std::vector<int64_t> dims : std::vector<std::vector<int64_t>>{
           {}, {1}, {0}, {7}, {3, 0, 5}, {1, 1, 1, 1, 1, 1, 1, 1}, {200, 3}}) {
    TensorData t = sampleTensor(kFloat, dims, "shape");
    TensorData back = decodeOk(encodeTensor(t));
    expectSameTensor(back, t);
  }
  // Empty name.
  TensorData t = sampleTensor(kInt64, {2}, "");
  expectSameTensor(decodeOk(encodeTensor(t)), t);
}

TEST(TensorProtoTest, ScalarHasOneElement) {
  TensorData t =
      decodeOk(Proto().intField(fDataType, kInt32).bytesField(fRawData, {1, 0, 0, 0}).bytes);
  EXPECT_TRUE(t.dims.empty());
  EXPECT_EQ(t.bytes.size(), 4u);
  expectErrorContains(Proto().intField(fDataType, kInt32).bytes, "1 elements but no data");
}

TEST(TensorProtoTest, ZeroElementsNeedNoData) {
  TensorData t = decodeOk(Proto().header({0}, kFloat, "like").bytes);
  EXPECT_EQ(t.dims, std::vector<int64_t>{0});
  EXPECT_TRUE(t.bytes.empty());
  // A 0 dim makes the product 0 even when the other dims would overflow it.
  t = decodeOk(Proto().header({0, int64_t(1) << 62, int64_t(1) << 62}, kDouble, "z").bytes);
  EXPECT_TRUE(t.bytes.empty());
  // Empty raw_data is also fine.
  t = decodeOk(Proto().header({4, 0}, kInt8, "e").bytesField(fRawData, {}).bytes);
  EXPECT_TRUE(t.bytes.empty());
}

//===----------------------------------------------------------------------===//
// Dims encodings
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, UnpackedDims) {
  Bytes raw = floatBytes({1, 2, 3, 4, 5, 6});
  TensorData t = decodeOk(Proto().header({2, 3}, kFloat, "u").bytesField(fRawData, raw).bytes);
  EXPECT_EQ(t.name, "u");
  EXPECT_EQ(t.dataType, kFloat);
  EXPECT_EQ(t.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.bytes, raw);
}

TEST(TensorProtoTest, PackedDims) {
  Bytes raw(2 * 300 * 2);
  TensorData t = decodeOk(Proto()
                              .packedInts(fDims, {2, 300})
                              .intField(fDataType, kFloat16)
                              .bytesField(fRawData, raw)
                              .bytes);
  EXPECT_EQ(t.dims, (std::vector<int64_t>{2, 300}));
  EXPECT_EQ(t.bytes.size(), raw.size());
}

TEST(TensorProtoTest, MixedPackedAndUnpackedDimsConcatenate) {
  TensorData t = decodeOk(Proto()
                              .intField(fDims, 2)
                              .packedInts(fDims, {3, 1})
                              .intField(fDims, 2)
                              .intField(fDataType, kUint8)
                              .bytesField(fRawData, Bytes(12))
                              .bytes);
  EXPECT_EQ(t.dims, (std::vector<int64_t>{2, 3, 1, 2}));
}

TEST(TensorProtoTest, EmptyPackedDimsMeanScalar) {
  TensorData t = decodeOk(
      Proto().packedInts(fDims, {}).intField(fDataType, kUint8).bytesField(fRawData, {9}).bytes);
  EXPECT_TRUE(t.dims.empty());
}

TEST(TensorProtoTest, FieldOrderDoesNotMatter) {
  TensorData t = decodeOk(Proto()
                              .bytesField(fRawData, {1, 2})
                              .stringField(fName, "late")
                              .intField(fDims, 2)
                              .intField(fDataType, kInt8)
                              .bytes);
  EXPECT_EQ(t.name, "late");
  EXPECT_EQ(t.bytes, (Bytes{1, 2}));
}

TEST(TensorProtoTest, LastSingularFieldWins) {
  TensorData t = decodeOk(Proto()
                              .intField(fDims, 2)
                              .intField(fDataType, kFloat)
                              .intField(fDataType, kInt8)
                              .stringField(fName, "first")
                              .stringField(fName, "second")
                              .bytesField(fRawData, {1, 2, 3})
                              .bytesField(fRawData, {4, 5})
                              .bytes);
  EXPECT_EQ(t.dataType, kInt8);
  EXPECT_EQ(t.name, "second");
  EXPECT_EQ(t.bytes, (Bytes{4, 5}));
}

//===----------------------------------------------------------------------===//
// Typed data fields
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, FloatDataPacked) {
  std::vector<float> values = {1.5f, -2.0f, 0.0f, 3.25f};
  Proto payload;
  for (float f : values)
    for (int i = 0; i < 4; ++i)
      payload.bytes.push_back(static_cast<uint8_t>(floatBits(f) >> (8 * i)));
  TensorData t =
      decodeOk(Proto().header({4}, kFloat, "f").bytesField(fFloatData, payload.bytes).bytes);
  EXPECT_EQ(t.bytes, floatBytes(values));
}

TEST(TensorProtoTest, FloatDataUnpacked) {
  std::vector<float> values = {1.5f, -2.0f, INFINITY};
  Proto p;
  p.header({3}, kFloat, "f");
  for (float f : values)
    p.fixed32Field(fFloatData, floatBits(f));
  EXPECT_EQ(decodeOk(p.bytes).bytes, floatBytes(values));
}

TEST(TensorProtoTest, DoubleDataPackedAndUnpacked) {
  std::vector<double> values = {1.0 / 3.0, -1e300};
  Bytes expected = littleEndian({doubleBits(values[0]), doubleBits(values[1])}, 8);
  TensorData packed =
      decodeOk(Proto().header({2}, kDouble, "d").bytesField(fDoubleData, expected).bytes);
  EXPECT_EQ(packed.bytes, expected);
  TensorData unpacked = decodeOk(Proto()
                                     .header({2}, kDouble, "d")
                                     .fixed64Field(fDoubleData, doubleBits(values[0]))
                                     .fixed64Field(fDoubleData, doubleBits(values[1]))
                                     .bytes);
  EXPECT_EQ(unpacked.bytes, expected);
}

TEST(TensorProtoTest, Int64DataPackedAndUnpacked) {
  std::vector<int64_t> values = {0, -1, int64_t(1) << 60, INT64_MIN, INT64_MAX};
  std::vector<uint64_t> bits(values.begin(), values.end());
  Bytes expected = littleEndian(bits, 8);
  EXPECT_EQ(decodeOk(Proto().header({5}, kInt64, "i").packedInts(fInt64Data, values).bytes).bytes,
            expected);
  EXPECT_EQ(decodeOk(Proto().header({5}, kInt64, "i").unpackedInts(fInt64Data, values).bytes).bytes,
            expected);
}

TEST(TensorProtoTest, Int32DataForEachNarrowType) {
  struct Case {
    int32_t dataType;
    std::vector<int64_t> values;
    std::vector<uint64_t> expectedBits;
  };
  const Case cases[] = {
      {kInt32, {0, -1, INT32_MIN, INT32_MAX}, {0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF}},
      {kInt16, {-32768, 32767, -2, 5}, {0x8000, 0x7FFF, 0xFFFE, 5}},
      {kUint16, {0, 65535, 1234, 1}, {0, 0xFFFF, 1234, 1}},
      {kInt8, {-128, 127, -1, 0}, {0x80, 0x7F, 0xFF, 0}},
      {kUint8, {0, 255, 128, 7}, {0, 0xFF, 0x80, 7}},
      {kBool, {0, 1, 1, 0}, {0, 1, 1, 0}},
      // 16-bit float patterns in the low bits; a sign-extended pattern denotes the same bits.
      {kFloat16, {0x3C00, 0xFC00, 0x7E00, -1024}, {0x3C00, 0xFC00, 0x7E00, 0xFC00}},
      {kBFloat16, {0x3F80, 0xBF80, 0xFFFF, -32768}, {0x3F80, 0xBF80, 0xFFFF, 0x8000}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE("dtype " + std::to_string(c.dataType));
    Bytes expected = littleEndian(c.expectedBits, dtypeSize(c.dataType));
    TensorData packed =
        decodeOk(Proto().header({2, 2}, c.dataType, "n").packedInts(fInt32Data, c.values).bytes);
    EXPECT_EQ(packed.bytes, expected);
    TensorData unpacked =
        decodeOk(Proto().header({2, 2}, c.dataType, "n").unpackedInts(fInt32Data, c.values).bytes);
    EXPECT_EQ(unpacked.bytes, expected);
  }
}

TEST(TensorProtoTest, Int32DataOutOfRange) {
  struct Case {
    int32_t dataType;
    int64_t value;
  };
  const Case cases[] = {{kInt8, 128},      {kInt8, -129},    {kUint8, 256},     {kUint8, -1},
                        {kInt16, 32768},   {kInt16, -32769}, {kUint16, 65536},  {kUint16, -1},
                        {kBool, 2},        {kBool, -1},      {kFloat16, 65536}, {kFloat16, -32769},
                        {kBFloat16, 70000}};
  for (const Case &c : cases) {
    SCOPED_TRACE("dtype " + std::to_string(c.dataType) + " value " + std::to_string(c.value));
    expectErrorContains(
        Proto().header({2}, c.dataType, "r").packedInts(fInt32Data, {0, c.value}).bytes,
        "does not fit");
  }
  // Not a valid int32 encoding at all: beyond 32 bits.
  expectErrorContains(
      Proto().header({1}, kInt32, "r").packedVarints(fInt32Data, {uint64_t(1) << 40}).bytes,
      "does not fit INT32");
}

TEST(TensorProtoTest, Uint64DataForUint32AndUint64) {
  std::vector<uint64_t> u64 = {0, 1, UINT64_MAX, uint64_t(1) << 63};
  EXPECT_EQ(decodeOk(Proto().header({4}, kUint64, "u").packedVarints(fUint64Data, u64).bytes).bytes,
            littleEndian(u64, 8));
  std::vector<uint64_t> u32 = {0, 1, UINT32_MAX};
  Proto unpacked;
  unpacked.header({3}, kUint32, "u");
  for (uint64_t v : u32)
    unpacked.varintField(fUint64Data, v);
  EXPECT_EQ(decodeOk(unpacked.bytes).bytes, littleEndian(u32, 4));
  expectErrorContains(
      Proto().header({1}, kUint32, "u").packedVarints(fUint64Data, {uint64_t(1) << 32}).bytes,
      "does not fit UINT32");
}

TEST(TensorProtoTest, RawBoolMustBeZeroOrOne) {
  decodeOk(Proto().header({3}, kBool, "b").bytesField(fRawData, {0, 1, 1}).bytes);
  expectErrorContains(Proto().header({3}, kBool, "b").bytesField(fRawData, {0, 2, 1}).bytes,
                      "not 0 or 1");
}

TEST(TensorProtoTest, TypedFieldMustMatchType) {
  expectErrorContains(
      Proto().header({1}, kInt32, "m").bytesField(fFloatData, floatBytes({1})).bytes,
      "tensor 'm' of type INT32 stores its data in float_data");
  expectErrorContains(Proto().header({1}, kFloat, "m").packedInts(fInt32Data, {1}).bytes,
                      "expected raw_data or float_data");
  expectErrorContains(Proto().header({1}, kUint32, "m").packedInts(fInt64Data, {1}).bytes,
                      "uint64_data");
  expectErrorContains(Proto().header({1}, kInt64, "m").packedVarints(fUint64Data, {1}).bytes,
                      "int64_data");
  expectErrorContains(
      Proto().header({1}, kFloat, "m").bytesField(fDoubleData, littleEndian({0}, 8)).bytes,
      "double_data");
}

TEST(TensorProtoTest, SeveralDataFields) {
  expectErrorContains(Proto()
                          .header({1}, kFloat, "two")
                          .bytesField(fRawData, floatBytes({1}))
                          .fixed32Field(fFloatData, floatBits(1))
                          .bytes,
                      "tensor 'two' has data in several fields (float_data, raw_data)");
  // Even when both are empty.
  expectErrorContains(
      Proto().header({0}, kInt32, "two").bytesField(fRawData, {}).packedInts(fInt32Data, {}).bytes,
      "several fields");
}

TEST(TensorProtoTest, MissingData) {
  expectErrorContains(Proto().header({3, 4}, kFloat, "empty").bytes,
                      "tensor 'empty' has 12 elements but no data");
}

//===----------------------------------------------------------------------===//
// Size checks
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, SizeMismatchNamesTensorAndSizes) {
  std::string error =
      decodeError(Proto().header({3}, kFloat, "short").bytesField(fRawData, Bytes(8)).bytes);
  EXPECT_NE(error.find("tensor 'short'"), std::string::npos) << error;
  EXPECT_NE(error.find("has 8 bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("expected 12"), std::string::npos) << error;

  expectErrorContains(Proto().header({2}, kInt16, "long").packedInts(fInt32Data, {1, 2, 3}).bytes,
                      "has 6 bytes of data in int32_data, expected 4");
  expectErrorContains(Proto().header({}, kDouble, "s").bytesField(fRawData, Bytes(16)).bytes,
                      "expected 8");
  // Typed data for a zero-element tensor.
  expectErrorContains(Proto().header({0}, kInt64, "z").packedInts(fInt64Data, {1}).bytes,
                      "expected 0");
}

TEST(TensorProtoTest, NegativeDims) {
  expectErrorContains(Proto().header({2, -1}, kFloat, "neg").bytes, "negative dimension");
  expectErrorContains(Proto().packedInts(fDims, {-3}).intField(fDataType, kFloat).bytes,
                      "negative dimension");
}

TEST(TensorProtoTest, DimsOverflow) {
  int64_t big = int64_t(1) << 62;
  expectErrorContains(Proto().header({big, big}, kFloat, "big").bytes, "overflows");
  expectErrorContains(Proto().header({INT64_MAX}, kInt64, "big").bytes, "overflows");
  // 2^32 * 2^32 wraps to 0 in 64-bit arithmetic; that must not pass for an empty tensor.
  expectErrorContains(Proto().header({int64_t(1) << 32, int64_t(1) << 32}, kUint8, "wrap").bytes,
                      "overflows");
  // Large but not overflowing: fails the size check instead, without allocating anything.
  expectErrorContains(Proto().header({int64_t(1) << 40}, kUint8, "huge").bytes,
                      "1099511627776 elements but no data");
}

//===----------------------------------------------------------------------===//
// Unsupported content
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, Segment) {
  Bytes segment = Proto().intField(1, 0).intField(2, 10).bytes;
  expectErrorContains(Proto()
                          .header({10}, kFloat, "seg")
                          .bytesField(fSegment, segment)
                          .bytesField(fRawData, Bytes(40))
                          .bytes,
                      "tensor 'seg': segmented tensors are not supported");
}

TEST(TensorProtoTest, StringTensors) {
  expectErrorContains(Proto().header({1}, kString, "s").stringField(fStringData, "abc").bytes,
                      "string tensors");
  expectErrorContains(Proto().header({0}, kString, "s").bytes, "string tensors");
  expectErrorContains(Proto().header({1}, kFloat, "s").stringField(fStringData, "abc").bytes,
                      "string tensors");
}

TEST(TensorProtoTest, UnsupportedTypes) {
  expectErrorContains(Proto().header({2}, kFloat8E4M3FN, "f8").packedInts(fInt32Data, {1, 2}).bytes,
                      "tensor 'f8' has unsupported data type 17 (FLOAT8E4M3FN)");
  expectErrorContains(Proto().header({1}, kComplex64, "c").bytesField(fRawData, Bytes(8)).bytes,
                      "unsupported data type 14");
  expectErrorContains(Proto().header({1}, 0, "u").bytes, "unsupported data type 0");
  expectErrorContains(Proto().header({1}, 99, "u").bytes, "unsupported data type 99");
  expectErrorContains(Proto().header({1}, -5, "u").bytes, "unsupported data type -5");
  expectErrorContains(Bytes{}, "unsupported data type 0");
}

TEST(TensorProtoTest, ExternalData) {
  Bytes location = Proto().stringField(1, "location").stringField(2, "weights.bin").bytes;
  Bytes offset = Proto().stringField(1, "offset").stringField(2, "4096").bytes;
  std::string error = decodeError(Proto()
                                      .header({1024}, kFloat, "w")
                                      .bytesField(fExternalData, location)
                                      .bytesField(fExternalData, offset)
                                      .intField(fDataLocation, 1)
                                      .bytes);
  EXPECT_NE(error.find("tensor 'w' stores its data externally"), std::string::npos) << error;
  EXPECT_NE(error.find("weights.bin"), std::string::npos) << error;
  // Either marker alone is enough.
  expectErrorContains(Proto().header({4}, kFloat, "w").intField(fDataLocation, 1).bytes,
                      "tensor 'w' stores its data externally");
  expectErrorContains(Proto().header({4}, kFloat, "w").bytesField(fExternalData, offset).bytes,
                      "tensor 'w' stores its data externally");
  // DEFAULT (0) is the normal case; other values are not in the enum.
  decodeOk(
      Proto().header({1}, kInt8, "d").intField(fDataLocation, 0).bytesField(fRawData, {1}).bytes);
  expectErrorContains(Proto().header({1}, kInt8, "d").intField(fDataLocation, 7).bytes,
                      "invalid data_location 7");
  // A malformed entry is a wire error.
  expectErrorContains(
      Proto().header({4}, kFloat, "w").bytesField(fExternalData, {0x0A, 0x05}).bytes,
      "in external_data entry");
}

//===----------------------------------------------------------------------===//
// Unknown fields and wire-format errors
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, UnknownFieldsAreSkipped) {
  Bytes raw = floatBytes({1, 2});
  TensorData t = decodeOk(Proto()
                              .varintField(100, 12345678901234ULL)
                              .intField(fDims, 2)
                              .fixed64Field(101, 0x1122334455667788ULL)
                              .intField(fDataType, kFloat)
                              .stringField(fDocString, "some documentation")
                              .fixed32Field(536870911, 7) // The largest field number.
                              .stringField(fName, "k")
                              .bytesField(15, Bytes(100, 0xAB))
                              .bytesField(fRawData, raw)
                              .varintField(16, UINT64_MAX)
                              .bytes);
  EXPECT_EQ(t.name, "k");
  EXPECT_EQ(t.dims, std::vector<int64_t>{2});
  EXPECT_EQ(t.bytes, raw);
}

TEST(TensorProtoTest, GroupsAreRejected) {
  expectErrorContains(Proto().header({1}, kInt8, "g").tag(50, 3).tag(50, 4).bytes, "groups");
  expectErrorContains(Proto().header({1}, kInt8, "g").tag(50, 4).bytes, "groups");
}

TEST(TensorProtoTest, InvalidWireTypes) {
  expectErrorContains(Proto().header({1}, kInt8, "w").tag(50, 6).bytes, "invalid wire type 6");
  expectErrorContains(Proto().header({1}, kInt8, "w").tag(50, 7).bytes, "invalid wire type 7");
}

TEST(TensorProtoTest, KnownFieldsWithWrongWireType) {
  expectErrorContains(Proto().tag(fDims, 5).bytes, "field 1 has unexpected wire type 5");
  expectErrorContains(Proto().stringField(fDataType, "x").bytes,
                      "field 2 has unexpected wire type");
  expectErrorContains(Proto().varintField(fName, 1).bytes, "field 8 has unexpected wire type 0");
  expectErrorContains(Proto().varintField(fRawData, 1).bytes, "field 9 has unexpected wire type");
  expectErrorContains(Proto().fixed64Field(fFloatData, 1).bytes,
                      "field 4 has unexpected wire type");
  expectErrorContains(Proto().fixed32Field(fDoubleData, 1).bytes,
                      "field 10 has unexpected wire type");
  expectErrorContains(Proto().fixed32Field(fInt64Data, 1).bytes,
                      "field 7 has unexpected wire type");
  expectErrorContains(Proto().varintField(fExternalData, 1).bytes,
                      "field 13 has unexpected wire type");
  expectErrorContains(Proto().stringField(fDataLocation, "").bytes,
                      "field 14 has unexpected wire type");
}

TEST(TensorProtoTest, InvalidTags) {
  // Field number 0.
  expectErrorContains(Bytes{0x00}, "invalid field tag 0");
  expectErrorContains(Bytes{0x02, 0x00}, "invalid field tag");
  // A tag beyond 32 bits.
  expectErrorContains(Proto().varint(uint64_t(1) << 35).varint(0).bytes, "invalid field tag");
}

TEST(TensorProtoTest, VarintErrors) {
  // 11 bytes.
  Bytes tooLong = {0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  expectErrorContains(tooLong, "varint longer than 10 bytes");
  // 10 bytes whose last one carries bits beyond 64.
  Bytes overflow = {0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  expectErrorContains(overflow, "varint overflows 64 bits");
  // 10 bytes with only bit 63 set in the last one: the maximal valid varint.
  Bytes maximal = {0x10, 0x01, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  expectErrorContains(maximal, "negative dimension");
  // Truncated.
  expectErrorContains(Bytes{0x10, 0x80}, "truncated varint");
  expectErrorContains(Bytes{0x80}, "truncated varint");
  // Varint padded with redundant continuation bytes is still valid protobuf.
  TensorData t = decodeOk(Bytes{0x10, 0x83, 0x80, 0x80, 0x00, 0x4A, 0x01, 0x05});
  EXPECT_EQ(t.dataType, kInt8);
}

TEST(TensorProtoTest, DataTypeOutOfInt32Range) {
  expectErrorContains(Proto().varintField(fDataType, uint64_t(1) << 32).bytes,
                      "field 2 does not fit an int32");
  expectErrorContains(Proto().varintField(fDataLocation, uint64_t(1) << 40).bytes,
                      "field 14 does not fit an int32");
}

TEST(TensorProtoTest, LengthsPastTheEnd) {
  expectErrorContains(Bytes{0x4A, 0x05, 1, 2, 3}, "runs past the end");
  expectErrorContains(Bytes{0x42, 0x01}, "runs past the end");
  // A length near 2^64 must not wrap around the bounds check.
  expectErrorContains(Proto().tag(fRawData, 2).varint(UINT64_MAX).bytes, "runs past the end");
  expectErrorContains(Proto().tag(99, 2).varint(UINT64_MAX - 1).bytes, "runs past the end");
  expectErrorContains(Bytes{0x0A, 0x02, 0x01}, "runs past the end");
}

TEST(TensorProtoTest, TruncatedFixedValues) {
  expectErrorContains(Bytes{0x25, 0x00, 0x00, 0x00}, "truncated fixed32");
  expectErrorContains(Bytes{0x51, 0x00, 0x00, 0x00, 0x00}, "truncated fixed64");
  expectErrorContains(Bytes{0xA5, 0x06, 0x00}, "truncated fixed32"); // Unknown field 100.
}

TEST(TensorProtoTest, PackedErrors) {
  // A varint running past the end of its packed run (but not of the message).
  expectErrorContains(Bytes{0x0A, 0x01, 0x80, 0x10, 0x01}, "in packed field 1: truncated varint");
  // Fixed-width runs must hold whole values.
  expectErrorContains(Proto().header({1}, kFloat, "p").bytesField(fFloatData, Bytes(5)).bytes,
                      "not a multiple of 4");
  expectErrorContains(Proto().header({1}, kDouble, "p").bytesField(fDoubleData, Bytes(12)).bytes,
                      "not a multiple of 8");
}

TEST(TensorProtoTest, NullInput) {
  TensorData t;
  std::string error;
  EXPECT_FALSE(decodeTensor(nullptr, 5, t, error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(decodeTensor(nullptr, 0, t, error)); // An empty message has no data type.
  EXPECT_FALSE(error.empty());
}

TEST(TensorProtoTest, OutputUnchangedOnFailure) {
  TensorData t = sampleTensor(kInt8, {2}, "keep");
  std::string error;
  Bytes bad = Proto().header({3}, kInt8, "bad").bytesField(fRawData, {1}).bytes;
  EXPECT_FALSE(decodeTensor(bad.data(), bad.size(), t, error));
  EXPECT_EQ(t.name, "keep");
  EXPECT_EQ(t.bytes.size(), 2u);
}

TEST(TensorProtoTest, SequenceProtoGetsAHint) {
  // SequenceProto{name: "seq", elem_type: TENSOR, tensor_values: [...]}.
  Bytes element = encodeTensor(sampleTensor(kFloat, {2}, ""));
  Bytes sequence = Proto().stringField(1, "seq").intField(2, 1).bytesField(3, element).bytes;
  expectErrorContains(sequence, "SequenceProto");
}

//===----------------------------------------------------------------------===//
// Robustness: every prefix and single-byte corruption of valid encodings
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, PrefixesAndMutationsOfEncoderOutput) {
  for (int32_t dataType : supportedTypes) {
    SCOPED_TRACE("dtype " + std::to_string(dataType));
    decodeAllPrefixesAndMutations(encodeTensor(sampleTensor(dataType, {2, 3}, "p")));
  }
}

TEST(TensorProtoTest, PrefixesAndMutationsOfHandWrittenEncodings) {
  Bytes location = Proto().stringField(1, "location").stringField(2, "w.bin").bytes;
  std::vector<Bytes> encodings = {
      Proto().header({2, 2}, kInt8, "i8").packedInts(fInt32Data, {-1, 2, -3, 4}).bytes,
      Proto().header({2}, kInt16, "i16").unpackedInts(fInt32Data, {-300, 300}).bytes,
      Proto()
          .header({2}, kFloat, "f")
          .fixed32Field(fFloatData, 1)
          .fixed32Field(fFloatData, 2)
          .bytes,
      Proto().header({2}, kDouble, "d").bytesField(fDoubleData, Bytes(16, 1)).bytes,
      Proto().header({3}, kInt64, "i64").packedInts(fInt64Data, {-1, INT64_MAX, 0}).bytes,
      Proto().header({2}, kUint64, "u64").packedVarints(fUint64Data, {UINT64_MAX, 5}).bytes,
      Proto().header({2}, kBool, "b").bytesField(fRawData, {1, 0}).varintField(77, 1).bytes,
      Proto().header({4}, kFloat, "x").bytesField(fExternalData, location).intField(14, 1).bytes,
  };
  for (size_t i = 0; i < encodings.size(); ++i) {
    SCOPED_TRACE("encoding " + std::to_string(i));
    decodeAllPrefixesAndMutations(encodings[i]);
  }
}

TEST(TensorProtoTest, ProperPrefixesOfAnEncodingAllFail) {
  // With raw_data last and non-empty, every proper prefix is truncated or lacks data.
  Bytes encoding = encodeTensor(sampleTensor(kFloat, {3, 4}, "name"));
  for (size_t n = 0; n < encoding.size(); ++n) {
    Bytes prefix(encoding.begin(), encoding.begin() + n);
    EXPECT_NE(decodeError(prefix), "<decoded>") << "prefix of length " << n;
  }
}

//===----------------------------------------------------------------------===//
// Real ONNX test data
//===----------------------------------------------------------------------===//

#ifdef SSM_ONNX_NODE_TESTS_DIR

// Fails (rather than skips) when the data is missing: the build enabled these tests because the
// directory existed at configure time.
Bytes readNodeTestFile(const std::string &relative) {
  std::string path = std::string(SSM_ONNX_NODE_TESTS_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TensorData decodeNodeTestFile(const std::string &relative) {
  Bytes bytes = readNodeTestFile(relative);
  TensorData t;
  std::string error;
  EXPECT_TRUE(decodeTensor(bytes.data(), bytes.size(), t, error)) << relative << ": " << error;
  return t;
}

std::vector<float> asFloats(const TensorData &t) {
  std::vector<float> out(t.bytes.size() / 4);
  std::memcpy(out.data(), t.bytes.data(), out.size() * 4);
  return out;
}

TEST(TensorProtoNodeTest, Abs) {
  TensorData input = decodeNodeTestFile("test_abs/test_data_set_0/input_0.pb");
  TensorData output = decodeNodeTestFile("test_abs/test_data_set_0/output_0.pb");
  EXPECT_EQ(input.dataType, kFloat);
  EXPECT_EQ(output.dataType, kFloat);
  EXPECT_EQ(input.dims, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(output.dims, (std::vector<int64_t>{3, 4, 5}));
  ASSERT_EQ(input.bytes.size(), 60u * 4);
  ASSERT_EQ(output.bytes.size(), 60u * 4);
  std::vector<float> x = asFloats(input), y = asFloats(output);
  bool anyNegative = false;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(y[i], std::fabs(x[i])) << "element " << i;
    anyNegative |= x[i] < 0;
  }
  EXPECT_TRUE(anyNegative) << "the test data should exercise negative inputs";
  // Re-encoding gives back the same tensor.
  expectSameTensor(decodeOk(encodeTensor(input)), input);
  // A real file's unpacked layout, cut and corrupted everywhere.
  decodeAllPrefixesAndMutations(readNodeTestFile("test_abs/test_data_set_0/input_0.pb"));
}

TEST(TensorProtoNodeTest, CastFloatToBFloat16) {
  TensorData input = decodeNodeTestFile("test_cast_FLOAT_to_BFLOAT16/test_data_set_0/input_0.pb");
  TensorData output = decodeNodeTestFile("test_cast_FLOAT_to_BFLOAT16/test_data_set_0/output_0.pb");
  EXPECT_EQ(output.dataType, kBFloat16);
  EXPECT_EQ(output.dims, input.dims);
  ASSERT_EQ(output.bytes.size(), elementCount(output.dims) * 2);
  ASSERT_EQ(input.bytes.size(), elementCount(input.dims) * 4);
  std::vector<float> x = asFloats(input);
  for (size_t i = 0; i < x.size(); ++i) {
    uint16_t got = static_cast<uint16_t>(output.bytes[2 * i] | (output.bytes[2 * i + 1] << 8));
    if (std::isnan(x[i])) {
      EXPECT_EQ(got & 0x7F80, 0x7F80);
      EXPECT_NE(got & 0x007F, 0);
      continue;
    }
    // Round to nearest even on the upper 16 bits.
    uint32_t bits = floatBits(x[i]);
    uint16_t expected = static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    EXPECT_EQ(got, expected) << "element " << i;
  }
}

TEST(TensorProtoNodeTest, Int64Bool16BitAndInt32Data) {
  // INT64 raw data.
  TensorData y = decodeNodeTestFile("test_pow_types_float32_int64/test_data_set_0/input_1.pb");
  EXPECT_EQ(y.dataType, kInt64);
  EXPECT_EQ(y.dims, std::vector<int64_t>{3});
  EXPECT_EQ(y.bytes, littleEndian({4, 5, 6}, 8));

  // BOOL: output = not(input).
  TensorData x = decodeNodeTestFile("test_not_4d/test_data_set_0/input_0.pb");
  TensorData notX = decodeNodeTestFile("test_not_4d/test_data_set_0/output_0.pb");
  EXPECT_EQ(x.dataType, kBool);
  EXPECT_EQ(x.dims, (std::vector<int64_t>{3, 4, 5, 6}));
  ASSERT_EQ(x.bytes.size(), 360u);
  ASSERT_EQ(notX.bytes.size(), 360u);
  for (size_t i = 0; i < x.bytes.size(); ++i)
    EXPECT_EQ(notX.bytes[i], x.bytes[i] ^ 1) << "element " << i;

  // FLOAT16 raw data: 1.0 is 0x3C00, infinity 0x7C00.
  TensorData h = decodeNodeTestFile("test_cast_FLOAT_to_FLOAT16/test_data_set_0/output_0.pb");
  EXPECT_EQ(h.dataType, kFloat16);
  EXPECT_EQ(h.bytes.size(), elementCount(h.dims) * 2);

  // INT16 in int32_data, negative values as 10-byte varints.
  TensorData q =
      decodeNodeTestFile("test_quantizelinear_blocked_symmetric/test_data_set_0/output_0.pb");
  EXPECT_EQ(q.dataType, kInt16);
  EXPECT_EQ(q.dims, (std::vector<int64_t>{3, 4}));
  std::vector<uint64_t> expected;
  for (int64_t v : {4, -5, -4, 2, 0, 3, 1, 1, 0, 4, 1, 1})
    expected.push_back(static_cast<uint64_t>(v) & 0xFFFF);
  EXPECT_EQ(q.bytes, littleEndian(expected, 2));

  // A "like" tensor of CastLike: dims [0] and no data at all.
  TensorData like =
      decodeNodeTestFile("test_castlike_BFLOAT16_to_FLOAT_expanded/test_data_set_0/input_1.pb");
  EXPECT_EQ(like.dims, std::vector<int64_t>{0});
  EXPECT_TRUE(like.bytes.empty());
}

TEST(TensorProtoNodeTest, UnsupportedFilesFailCleanly) {
  auto errorOf = [](const std::string &relative) {
    Bytes bytes = readNodeTestFile(relative);
    TensorData t;
    std::string error;
    EXPECT_FALSE(decodeTensor(bytes.data(), bytes.size(), t, error)) << relative;
    return error;
  };
  EXPECT_NE(errorOf("test_dequantizelinear_e4m3fn_zero_point/test_data_set_0/input_0.pb")
                .find("unsupported data type 17 (FLOAT8E4M3FN)"),
            std::string::npos);
  EXPECT_NE(errorOf("test_string_concat_zero_dimensional/test_data_set_0/output_0.pb")
                .find("string tensors"),
            std::string::npos);
  // A SequenceProto and an OptionalProto, not TensorProtos.
  EXPECT_NE(errorOf("test_optional_get_element_optional_sequence/test_data_set_0/output_0.pb")
                .find("SequenceProto"),
            std::string::npos);
  EXPECT_NE(errorOf("test_optional_get_element_optional_sequence/test_data_set_0/input_0.pb")
                .find("SequenceProto"),
            std::string::npos);
}

TEST(TensorProtoNodeTest, EveryFileDecodesOrFailsForAKnownReason) {
  namespace fs = std::filesystem;
  size_t decoded = 0, unsupported = 0, files = 0;
  // The error_code overloads: the tests may be built without exceptions.
  std::error_code ec;
  fs::recursive_directory_iterator it(SSM_ONNX_NODE_TESTS_DIR, ec), end;
  ASSERT_FALSE(ec) << "cannot list " << SSM_ONNX_NODE_TESTS_DIR << ": " << ec.message();
  for (; it != end; it.increment(ec)) {
    ASSERT_FALSE(ec) << ec.message();
    const fs::directory_entry &entry = *it;
    if (entry.path().extension() != ".pb")
      continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    TensorData t;
    std::string error;
    if (decodeTensor(bytes.data(), bytes.size(), t, error)) {
      ++decoded;
      expectConsistent(t);
      // What is decoded re-encodes to a tensor that decodes the same.
      TensorData back;
      Bytes again = encodeTensor(t);
      ASSERT_TRUE(decodeTensor(again.data(), again.size(), back, error)) << error;
      expectSameTensor(back, t);
      continue;
    }
    ++unsupported;
    bool known = error.find("unsupported data type") != std::string::npos ||
                 error.find("string tensors") != std::string::npos ||
                 error.find("SequenceProto") != std::string::npos;
    EXPECT_TRUE(known) << entry.path() << ": " << error;
  }
  // The v1.22 node tests hold about 6000 .pb files, most of them supported tensors.
  EXPECT_GT(files, 1000u);
  EXPECT_GT(decoded, unsupported * 5);
}

#endif // SSM_ONNX_NODE_TESTS_DIR

} // namespace
