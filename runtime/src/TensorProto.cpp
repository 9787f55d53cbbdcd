//===- TensorProto.cpp - ONNX TensorProto codec ---------------------------===//

#include "TensorProto.h"

#include <limits>

namespace ssm::rt::pb {

namespace {

// onnx.proto TensorProto.DataType numbers.
enum DataType : int32_t {
  Undefined = 0,
  Float = 1,
  Uint8 = 2,
  Int8 = 3,
  Uint16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  Uint32 = 12,
  Uint64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
};

// onnx.proto TensorProto field numbers.
enum Field : uint32_t {
  DimsField = 1,
  DataTypeField = 2,
  SegmentField = 3,
  FloatDataField = 4,
  Int32DataField = 5,
  StringDataField = 6,
  Int64DataField = 7,
  NameField = 8,
  RawDataField = 9,
  DoubleDataField = 10,
  Uint64DataField = 11,
  DocStringField = 12,
  ExternalDataField = 13,
  DataLocationField = 14,
};

enum WireType : uint32_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
};

constexpr int64_t dataLocationExternal = 1;

const char *dtypeName(int32_t dataType) {
  switch (dataType) {
  case Undefined:
    return "UNDEFINED";
  case Float:
    return "FLOAT";
  case Uint8:
    return "UINT8";
  case Int8:
    return "INT8";
  case Uint16:
    return "UINT16";
  case Int16:
    return "INT16";
  case Int32:
    return "INT32";
  case Int64:
    return "INT64";
  case String:
    return "STRING";
  case Bool:
    return "BOOL";
  case Float16:
    return "FLOAT16";
  case Double:
    return "DOUBLE";
  case Uint32:
    return "UINT32";
  case Uint64:
    return "UINT64";
  case Complex64:
    return "COMPLEX64";
  case Complex128:
    return "COMPLEX128";
  case BFloat16:
    return "BFLOAT16";
  case 17:
    return "FLOAT8E4M3FN";
  case 18:
    return "FLOAT8E4M3FNUZ";
  case 19:
    return "FLOAT8E5M2";
  case 20:
    return "FLOAT8E5M2FNUZ";
  case 21:
    return "UINT4";
  case 22:
    return "INT4";
  case 23:
    return "FLOAT4E2M1";
  case 24:
    return "FLOAT8E8M0";
  case 25:
    return "UINT2";
  case 26:
    return "INT2";
  default:
    return "unknown";
  }
}

// Bounds-checked cursor over one message (or one packed field's payload).
class Reader {
public:
  Reader(const uint8_t *data, size_t size, size_t base) : data(data), size(size), base(base) {}

  bool atEnd() const { return pos >= size; }
  size_t position() const { return pos; }
  const std::string &error() const { return err; }

  bool readVarint(uint64_t &out) {
    size_t start = pos;
    uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
      if (pos >= size)
        return failAt(start, "truncated varint");
      uint8_t byte = data[pos++];
      // The tenth byte holds only bit 63; anything more overflows 64 bits.
      if (i == 9 && (byte & 0x7F) > 1)
        return failAt(start, "varint overflows 64 bits");
      value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
      if (!(byte & 0x80)) {
        out = value;
        return true;
      }
    }
    return failAt(start, "varint longer than 10 bytes");
  }

  // Reads a length prefix and returns the payload it delimits, checked against the end.
  bool readLengthDelimited(const uint8_t *&payload, size_t &length, size_t &payloadOffset) {
    size_t start = pos;
    uint64_t len = 0;
    if (!readVarint(len))
      return false;
    if (len > size - pos)
      return failAt(start, "length " + std::to_string(len) + " runs past the end of the data");
    payload = data + pos;
    length = static_cast<size_t>(len);
    payloadOffset = base + pos;
    pos += length;
    return true;
  }

  bool readFixed(size_t width, const uint8_t *&bytes) {
    if (size - pos < width)
      return failAt(pos, "truncated fixed" + std::to_string(width * 8) + " value");
    bytes = data + pos;
    pos += width;
    return true;
  }

  bool skip(uint32_t wireType) {
    uint64_t ignoredVarint = 0;
    const uint8_t *ignoredBytes = nullptr;
    size_t ignoredLength = 0, ignoredOffset = 0;
    switch (wireType) {
    case Varint:
      return readVarint(ignoredVarint);
    case Fixed64:
      return readFixed(8, ignoredBytes);
    case Fixed32:
      return readFixed(4, ignoredBytes);
    case LengthDelimited:
      return readLengthDelimited(ignoredBytes, ignoredLength, ignoredOffset);
    case StartGroup:
    case EndGroup:
      // Groups are deprecated and never appear in onnx.proto; skipping them would need a
      // recursive scan for the matching end tag.
      return fail("groups (wire types 3 and 4) are not supported");
    default:
      return fail("invalid wire type " + std::to_string(wireType));
    }
  }

  bool fail(std::string message) { return failAt(pos, std::move(message)); }
  // For errors from a nested reader, whose message already carries its offset.
  bool failNested(const std::string &context, const Reader &nested) {
    err = context + ": " + nested.err;
    return false;
  }
  bool failAt(size_t at, std::string message) {
    err = message + " at offset " + std::to_string(base + at);
    return false;
  }

private:
  const uint8_t *data;
  size_t size;
  size_t base; // Offset of `data` within the whole input, for messages.
  size_t pos = 0;
  std::string err;
};

// The TensorProto fields as read from the wire, before any semantic check: decoding them all
// first lets the semantic errors name the tensor even when the name comes last.
struct RawTensor {
  std::string name;
  bool hasName = false;
  bool dimsPacked = false;
  int64_t dataType = Undefined;
  std::vector<uint64_t> dims;
  bool hasSegment = false;
  bool hasStringData = false;
  bool hasExternalData = false;
  std::string externalLocation;
  int64_t dataLocation = 0;

  // Which typed-data fields occurred, indexed by field number.
  bool present[16] = {};
  std::vector<uint8_t> floatBytes;  // Little-endian fixed32s, as on the wire.
  std::vector<uint8_t> doubleBytes; // Little-endian fixed64s, as on the wire.
  std::vector<uint64_t> int32Values;
  std::vector<uint64_t> int64Values;
  std::vector<uint64_t> uint64Values;
  const uint8_t *rawData = nullptr;
  size_t rawSize = 0;
};

const char *fieldName(uint32_t field) {
  switch (field) {
  case FloatDataField:
    return "float_data";
  case Int32DataField:
    return "int32_data";
  case Int64DataField:
    return "int64_data";
  case RawDataField:
    return "raw_data";
  case DoubleDataField:
    return "double_data";
  case Uint64DataField:
    return "uint64_data";
  default:
    return "?";
  }
}

std::string wireTypeError(uint32_t field, uint32_t wireType) {
  return "field " + std::to_string(field) + " has unexpected wire type " + std::to_string(wireType);
}

// A repeated varint field, packed (one length-delimited run) or not (one varint per tag).
bool readVarints(Reader &reader, uint32_t field, uint32_t wireType, std::vector<uint64_t> &out) {
  if (wireType == Varint) {
    uint64_t value = 0;
    if (!reader.readVarint(value))
      return false;
    out.push_back(value);
    return true;
  }
  if (wireType != LengthDelimited)
    return reader.fail(wireTypeError(field, wireType));
  const uint8_t *payload = nullptr;
  size_t length = 0, payloadOffset = 0;
  if (!reader.readLengthDelimited(payload, length, payloadOffset))
    return false;
  Reader packed(payload, length, payloadOffset);
  while (!packed.atEnd()) {
    uint64_t value = 0;
    if (!packed.readVarint(value))
      return reader.failNested("in packed field " + std::to_string(field), packed);
    out.push_back(value);
  }
  return true;
}

// A repeated fixed-width field, packed or not; the wire bytes are kept as they are, since both
// the wire format and TensorData are little-endian.
bool readFixeds(Reader &reader, uint32_t field, uint32_t wireType, size_t width,
                std::vector<uint8_t> &out) {
  uint32_t unpackedWireType = width == 4 ? Fixed32 : Fixed64;
  const uint8_t *bytes = nullptr;
  if (wireType == unpackedWireType) {
    if (!reader.readFixed(width, bytes))
      return false;
    out.insert(out.end(), bytes, bytes + width);
    return true;
  }
  if (wireType != LengthDelimited)
    return reader.fail(wireTypeError(field, wireType));
  size_t length = 0, payloadOffset = 0;
  size_t start = reader.position();
  if (!reader.readLengthDelimited(bytes, length, payloadOffset))
    return false;
  if (length % width != 0)
    return reader.failAt(start, "packed field " + std::to_string(field) + " has a length of " +
                                    std::to_string(length) + ", not a multiple of " +
                                    std::to_string(width));
  out.insert(out.end(), bytes, bytes + length);
  return true;
}

// A singular int32 or enum field. Protobuf sign-extends negative values to 64 bits, so a valid
// encoding always lies within int32 range once reinterpreted as int64.
bool readInt32(Reader &reader, uint32_t field, uint32_t wireType, int64_t &out) {
  if (wireType != Varint)
    return reader.fail(wireTypeError(field, wireType));
  size_t start = reader.position();
  uint64_t value = 0;
  if (!reader.readVarint(value))
    return false;
  int64_t v = static_cast<int64_t>(value);
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    return reader.failAt(start, "field " + std::to_string(field) + " does not fit an int32");
  out = v;
  return true;
}

// StringStringEntryProto: 1 key, 2 value. Only the "location" entry is of interest, for the
// error message.
bool readExternalDataEntry(Reader &reader, RawTensor &tensor) {
  const uint8_t *payload = nullptr;
  size_t length = 0, payloadOffset = 0;
  if (!reader.readLengthDelimited(payload, length, payloadOffset))
    return false;
  Reader entry(payload, length, payloadOffset);
  std::string key, value;
  while (!entry.atEnd()) {
    uint64_t tag = 0;
    if (!entry.readVarint(tag))
      return reader.failNested("in external_data entry", entry);
    uint32_t field = static_cast<uint32_t>(tag >> 3), wireType = tag & 7;
    if ((field == 1 || field == 2) && wireType == LengthDelimited) {
      const uint8_t *s = nullptr;
      size_t n = 0, sOffset = 0;
      if (!entry.readLengthDelimited(s, n, sOffset))
        return reader.failNested("in external_data entry", entry);
      (field == 1 ? key : value).assign(reinterpret_cast<const char *>(s), n);
    } else if (!entry.skip(wireType)) {
      return reader.failNested("in external_data entry", entry);
    }
  }
  if (key == "location")
    tensor.externalLocation = value;
  return true;
}

bool readFields(const uint8_t *data, size_t size, RawTensor &tensor, std::string &error) {
  Reader reader(data, size, 0);
  while (!reader.atEnd()) {
    size_t tagOffset = reader.position();
    uint64_t tag = 0;
    if (!reader.readVarint(tag)) {
      error = reader.error();
      return false;
    }
    // Field numbers are at most 2^29 - 1, so a valid tag fits 32 bits.
    if (tag > std::numeric_limits<uint32_t>::max() || (tag >> 3) == 0) {
      error =
          "invalid field tag " + std::to_string(tag) + " at offset " + std::to_string(tagOffset);
      return false;
    }
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint32_t wireType = static_cast<uint32_t>(tag & 7);
    bool ok = true;
    const uint8_t *payload = nullptr;
    size_t length = 0, payloadOffset = 0;
    switch (field) {
    case DimsField:
      tensor.dimsPacked |= wireType == LengthDelimited;
      ok = readVarints(reader, field, wireType, tensor.dims);
      break;
    case DataTypeField:
      ok = readInt32(reader, field, wireType, tensor.dataType);
      break;
    case SegmentField:
      tensor.hasSegment = true;
      ok = reader.skip(wireType);
      break;
    case FloatDataField:
      tensor.present[field] = true;
      ok = readFixeds(reader, field, wireType, 4, tensor.floatBytes);
      break;
    case Int32DataField:
      tensor.present[field] = true;
      ok = readVarints(reader, field, wireType, tensor.int32Values);
      break;
    case StringDataField:
      tensor.hasStringData = true;
      ok = reader.skip(wireType);
      break;
    case Int64DataField:
      tensor.present[field] = true;
      ok = readVarints(reader, field, wireType, tensor.int64Values);
      break;
    case NameField:
      if (wireType != LengthDelimited) {
        ok = reader.fail(wireTypeError(field, wireType));
        break;
      }
      ok = reader.readLengthDelimited(payload, length, payloadOffset);
      tensor.hasName = true;
      if (ok)
        tensor.name.assign(reinterpret_cast<const char *>(payload), length);
      break;
    case RawDataField:
      if (wireType != LengthDelimited) {
        ok = reader.fail(wireTypeError(field, wireType));
        break;
      }
      tensor.present[field] = true;
      // A repeated singular field means "last one wins" in protobuf.
      ok = reader.readLengthDelimited(tensor.rawData, tensor.rawSize, payloadOffset);
      break;
    case DoubleDataField:
      tensor.present[field] = true;
      ok = readFixeds(reader, field, wireType, 8, tensor.doubleBytes);
      break;
    case Uint64DataField:
      tensor.present[field] = true;
      ok = readVarints(reader, field, wireType, tensor.uint64Values);
      break;
    case ExternalDataField:
      if (wireType != LengthDelimited) {
        ok = reader.fail(wireTypeError(field, wireType));
        break;
      }
      tensor.hasExternalData = true;
      ok = readExternalDataEntry(reader, tensor);
      break;
    case DataLocationField:
      ok = readInt32(reader, field, wireType, tensor.dataLocation);
      break;
    case DocStringField:
    default:
      ok = reader.skip(wireType);
      break;
    }
    if (!ok) {
      error = reader.error();
      return false;
    }
  }
  return true;
}

void appendLittleEndian(std::vector<uint8_t> &out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i)
    out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

std::string dimsString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// The typed field that holds each data type when raw_data is not used (onnx.proto's comments).
uint32_t typedFieldFor(int32_t dataType) {
  switch (dataType) {
  case Float:
    return FloatDataField;
  case Uint8:
  case Int8:
  case Uint16:
  case Int16:
  case Int32:
  case Bool:
  case Float16:
  case BFloat16:
    return Int32DataField;
  case Int64:
    return Int64DataField;
  case Double:
    return DoubleDataField;
  case Uint32:
  case Uint64:
    return Uint64DataField;
  default:
    return 0;
  }
}

// Narrows int32_data to the tensor's element type, checking that each value fits.
bool convertInt32Data(const RawTensor &raw, const std::string &label, std::vector<uint8_t> &out,
                      std::string &error) {
  int32_t dataType = static_cast<int32_t>(raw.dataType);
  int64_t lo, hi;
  size_t width = dtypeSize(dataType);
  switch (dataType) {
  case Uint8:
    lo = 0, hi = 0xFF;
    break;
  case Int8:
    lo = -0x80, hi = 0x7F;
    break;
  case Uint16:
    lo = 0, hi = 0xFFFF;
    break;
  case Int16:
    lo = -0x8000, hi = 0x7FFF;
    break;
  case Bool:
    lo = 0, hi = 1;
    break;
  case Float16:
  case BFloat16:
    // The bit pattern is meant to be stored zero-extended, but writers that go through a signed
    // 16-bit view sign-extend it; both denote the same 16 bits.
    lo = -0x8000, hi = 0xFFFF;
    break;
  default: // Int32
    lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
    break;
  }
  out.reserve(raw.int32Values.size() * width);
  for (size_t i = 0; i < raw.int32Values.size(); ++i) {
    int64_t v = static_cast<int64_t>(raw.int32Values[i]);
    if (v < lo || v > hi) {
      error = label + ": int32_data value " + std::to_string(v) + " at index " + std::to_string(i) +
              " does not fit " + dtypeName(dataType);
      return false;
    }
    appendLittleEndian(out, static_cast<uint64_t>(v), width);
  }
  return true;
}

bool convertUint64Data(const RawTensor &raw, const std::string &label, std::vector<uint8_t> &out,
                       std::string &error) {
  int32_t dataType = static_cast<int32_t>(raw.dataType);
  size_t width = dtypeSize(dataType);
  out.reserve(raw.uint64Values.size() * width);
  for (size_t i = 0; i < raw.uint64Values.size(); ++i) {
    uint64_t v = raw.uint64Values[i];
    if (dataType == Uint32 && v > std::numeric_limits<uint32_t>::max()) {
      error = label + ": uint64_data value " + std::to_string(v) + " at index " +
              std::to_string(i) + " does not fit UINT32";
      return false;
    }
    appendLittleEndian(out, v, width);
  }
  return true;
}

} // namespace

size_t dtypeSize(int32_t dataType) {
  switch (dataType) {
  case Uint8:
  case Int8:
  case Bool:
    return 1;
  case Uint16:
  case Int16:
  case Float16:
  case BFloat16:
    return 2;
  case Float:
  case Int32:
  case Uint32:
    return 4;
  case Int64:
  case Double:
  case Uint64:
    return 8;
  default:
    return 0;
  }
}

bool decodeTensor(const uint8_t *data, size_t size, TensorData &out, std::string &error) {
  if (!data && size != 0) {
    error = "TensorProto: null data";
    return false;
  }
  RawTensor raw;
  std::string wireError;
  if (!readFields(data, size, raw, wireError)) {
    error = "malformed TensorProto: " + wireError;
    return false;
  }

  std::string label = raw.name.empty() ? "unnamed tensor" : "tensor '" + raw.name + "'";
  // ONNX writes dims unpacked and the test data always names its tensors, while the
  // SequenceProto and OptionalProto files next to them start with a name in field 1; read as a
  // TensorProto, such a name turns into packed dims and fails one of the checks below confusingly.
  std::string hint = raw.dimsPacked && !raw.hasName
                         ? " (the data may be an ONNX SequenceProto or OptionalProto rather "
                           "than a TensorProto)"
                         : "";
  auto fail = [&](std::string message) {
    error = std::move(message) + hint;
    return false;
  };

  if (raw.hasSegment)
    return fail(label + ": segmented tensors are not supported");
  if (raw.dataLocation == dataLocationExternal || raw.hasExternalData) {
    std::string where =
        raw.externalLocation.empty() ? "" : " (location '" + raw.externalLocation + "')";
    return fail(label + " stores its data externally" + where +
                "; decodeTensor only reads data held in the TensorProto itself");
  }
  if (raw.dataLocation != 0)
    return fail(label + " has invalid data_location " + std::to_string(raw.dataLocation));
  int32_t dataType = static_cast<int32_t>(raw.dataType);
  if (dataType == String || raw.hasStringData)
    return fail(label + ": string tensors (string_data) are not supported");
  size_t elementSize = dtypeSize(dataType);
  if (elementSize == 0)
    return fail(label + " has unsupported data type " + std::to_string(dataType) + " (" +
                dtypeName(dataType) + ")");

  TensorData tensor;
  tensor.name = std::move(raw.name);
  tensor.dataType = dataType;
  tensor.dims.reserve(raw.dims.size());
  for (uint64_t d : raw.dims)
    tensor.dims.push_back(static_cast<int64_t>(d));

  // Bounded by SIZE_MAX so that the byte count below is representable; no real tensor is close.
  uint64_t elements = 1;
  bool overflow = false, empty = false;
  for (int64_t d : tensor.dims) {
    if (d < 0)
      return fail(label + " has a negative dimension: dims " + dimsString(tensor.dims));
    uint64_t ud = static_cast<uint64_t>(d);
    if (ud == 0)
      empty = true;
    else if (!overflow && elements > std::numeric_limits<size_t>::max() / elementSize / ud)
      overflow = true;
    else if (!overflow)
      elements *= ud;
  }
  // A 0 dim makes the tensor empty whatever the other dims are, even if their product overflows.
  if (empty)
    elements = 0;
  else if (overflow)
    return fail(label + ": the element count of dims " + dimsString(tensor.dims) + " overflows");
  size_t expectedBytes = static_cast<size_t>(elements) * elementSize;

  uint32_t dataField = 0;
  std::string presentFields;
  int presentCount = 0;
  for (uint32_t f : {FloatDataField, Int32DataField, Int64DataField, RawDataField, DoubleDataField,
                     Uint64DataField}) {
    if (!raw.present[f])
      continue;
    dataField = f;
    presentFields += presentCount++ ? ", " : "";
    presentFields += fieldName(f);
  }
  if (presentCount > 1)
    return fail(label + " has data in several fields (" + presentFields + ")");
  if (presentCount == 0) {
    if (elements != 0)
      return fail(label + " has " + std::to_string(elements) + " elements but no data");
    out = std::move(tensor);
    return true;
  }

  uint32_t expectedField = typedFieldFor(dataType);
  if (dataField != RawDataField && dataField != expectedField)
    return fail(label + " of type " + dtypeName(dataType) + " stores its data in " +
                fieldName(dataField) + "; expected raw_data or " + fieldName(expectedField));

  switch (dataField) {
  case RawDataField:
    tensor.bytes.assign(raw.rawData, raw.rawData + raw.rawSize);
    break;
  case FloatDataField:
    tensor.bytes = std::move(raw.floatBytes);
    break;
  case DoubleDataField:
    tensor.bytes = std::move(raw.doubleBytes);
    break;
  case Int64DataField:
    tensor.bytes.reserve(raw.int64Values.size() * 8);
    for (uint64_t v : raw.int64Values)
      appendLittleEndian(tensor.bytes, v, 8);
    break;
  case Int32DataField:
    if (!convertInt32Data(raw, label, tensor.bytes, error))
      return fail(error);
    break;
  case Uint64DataField:
    if (!convertUint64Data(raw, label, tensor.bytes, error))
      return fail(error);
    break;
  }

  if (tensor.bytes.size() != expectedBytes)
    return fail(label + " has " + std::to_string(tensor.bytes.size()) + " bytes of data in " +
                fieldName(dataField) + ", expected " + std::to_string(expectedBytes) + " (" +
                std::to_string(elements) + " elements of " + dtypeName(dataType) + ", dims " +
                dimsString(tensor.dims) + ")");
  if (dataType == Bool) {
    // Bools are read as bytes downstream; anything but 0 and 1 would break logical ops.
    for (size_t i = 0; i < tensor.bytes.size(); ++i)
      if (tensor.bytes[i] > 1)
        return fail(label + ": BOOL element " + std::to_string(i) + " is " +
                    std::to_string(tensor.bytes[i]) + ", not 0 or 1");
  }
  out = std::move(tensor);
  return true;
}

namespace {

void appendVarint(std::vector<uint8_t> &out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

size_t varintSize(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void appendTag(std::vector<uint8_t> &out, uint32_t field, uint32_t wireType) {
  appendVarint(out, (static_cast<uint64_t>(field) << 3) | wireType);
}

void appendBytesField(std::vector<uint8_t> &out, uint32_t field, const uint8_t *data, size_t size) {
  appendTag(out, field, LengthDelimited);
  appendVarint(out, size);
  out.insert(out.end(), data, data + size);
}

} // namespace

std::vector<uint8_t> encodeTensor(const TensorData &tensor) {
  std::vector<uint8_t> out;
  size_t dimsBytes = 0;
  for (int64_t d : tensor.dims)
    dimsBytes += varintSize(static_cast<uint64_t>(d));
  out.reserve(32 + dimsBytes + tensor.name.size() + tensor.bytes.size());

  if (!tensor.dims.empty()) {
    appendTag(out, DimsField, LengthDelimited);
    appendVarint(out, dimsBytes);
    for (int64_t d : tensor.dims)
      appendVarint(out, static_cast<uint64_t>(d));
  }
  appendTag(out, DataTypeField, Varint);
  // int32 fields are sign-extended to 64 bits on the wire.
  appendVarint(out, static_cast<uint64_t>(static_cast<int64_t>(tensor.dataType)));
  if (!tensor.name.empty())
    appendBytesField(out, NameField, reinterpret_cast<const uint8_t *>(tensor.name.data()),
                     tensor.name.size());
  appendBytesField(out, RawDataField, tensor.bytes.data(), tensor.bytes.size());
  return out;
}

} // namespace ssm::rt::pb
