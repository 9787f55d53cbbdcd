//===- Json.h - Minimal JSON reader for the runtime -----------------------===//
//
// A small, dependency-free JSON (RFC 8259) reader. The runtime reads artifact manifests with it,
// which may come from untrusted files, so the parser never trusts a length or a depth: malformed
// input yields an error message, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_RUNTIME_JSON_H
#define SSM_RUNTIME_JSON_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssm::rt::json {

class Value {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;

  // Named factories instead of converting constructors: Value(0) would otherwise be ambiguous
  // between bool, double and int64_t.
  static Value makeBool(bool b);
  static Value makeNumber(double d);
  static Value makeInt(int64_t i);
  static Value makeString(std::string s);
  static Value makeArray(Array elements);
  static Value makeObject(Object members);

  Kind kind() const { return k; }
  bool isNull() const { return k == Kind::Null; }
  bool isBool() const { return k == Kind::Bool; }
  bool isNumber() const { return k == Kind::Number; }
  bool isString() const { return k == Kind::String; }
  bool isArray() const { return k == Kind::Array; }
  bool isObject() const { return k == Kind::Object; }

  // The accessors never fail: on a value of another kind they return false, 0 or an empty
  // string/array/object, so callers that need to tell the difference check the kind first.
  bool asBool() const;
  double asNumber() const;
  // True (and sets `out`) if the number is an integer representable as int64_t exactly. Integer
  // literals within int64 range are kept exactly, so this is exact for values like 1 << 60.
  bool asInt64(int64_t &out) const;
  const std::string &asString() const;
  const Array &asArray() const;
  // Object members in document order.
  const Object &asObject() const;
  // Member lookup; nullptr if this is not an object or the key is absent.
  const Value *find(std::string_view key) const;

private:
  Kind k = Kind::Null;
  bool boolValue = false;
  // Integer literals within range are kept as int64 so that large ids and sizes survive intact.
  bool isInt = false;
  int64_t intValue = 0;
  double numberValue = 0.0;
  std::string stringValue;
  Array arrayValue;
  Object objectValue;
};

// Parses UTF-8 JSON text (RFC 8259). Rejects trailing garbage, nesting deeper than 128, invalid
// escapes, control characters in strings, lone surrogates, invalid UTF-8, numbers whose
// magnitude overflows a double, and duplicate object keys. A leading UTF-8 byte order mark is
// ignored. On failure returns false, leaves `out` unchanged and sets `error` to
// "LINE:COLUMN: message" (1-based; the column counts bytes).
bool parse(std::string_view text, Value &out, std::string &error);

// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF) to `out`.
void appendUtf8(std::string &out, char32_t cp);

} // namespace ssm::rt::json

#endif // SSM_RUNTIME_JSON_H
