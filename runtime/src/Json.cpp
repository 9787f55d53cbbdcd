//===- Json.cpp - Minimal JSON reader for the runtime ---------------------===//

#include "Json.h"

#include <charconv>
#include <cmath>
#include <unordered_set>

namespace ssm::rt::json {

//===----------------------------------------------------------------------===//
// Value
//===----------------------------------------------------------------------===//

Value Value::makeBool(bool b) {
  Value v;
  v.k = Kind::Bool;
  v.boolValue = b;
  return v;
}

Value Value::makeNumber(double d) {
  Value v;
  v.k = Kind::Number;
  v.numberValue = d;
  return v;
}

Value Value::makeInt(int64_t i) {
  Value v;
  v.k = Kind::Number;
  v.isInt = true;
  v.intValue = i;
  v.numberValue = static_cast<double>(i);
  return v;
}

Value Value::makeString(std::string s) {
  Value v;
  v.k = Kind::String;
  v.stringValue = std::move(s);
  return v;
}

Value Value::makeArray(Array elements) {
  Value v;
  v.k = Kind::Array;
  v.arrayValue = std::move(elements);
  return v;
}

Value Value::makeObject(Object members) {
  Value v;
  v.k = Kind::Object;
  v.objectValue = std::move(members);
  return v;
}

bool Value::asBool() const { return k == Kind::Bool && boolValue; }

double Value::asNumber() const { return k == Kind::Number ? numberValue : 0.0; }

bool Value::asInt64(int64_t &out) const {
  if (k != Kind::Number)
    return false;
  if (isInt) {
    out = intValue;
    return true;
  }
  // [-2^63, 2^63) are both exact doubles; the upper bound is exclusive because 2^63 itself does
  // not fit. NaN fails both comparisons.
  double d = numberValue;
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d)
    return false;
  out = static_cast<int64_t>(d);
  return true;
}

const std::string &Value::asString() const {
  static const std::string empty;
  return k == Kind::String ? stringValue : empty;
}

const Value::Array &Value::asArray() const {
  static const Array empty;
  return k == Kind::Array ? arrayValue : empty;
}

const Value::Object &Value::asObject() const {
  static const Object empty;
  return k == Kind::Object ? objectValue : empty;
}

const Value *Value::find(std::string_view key) const {
  if (k != Kind::Object)
    return nullptr;
  for (const auto &member : objectValue)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace {

constexpr int maxDepth = 128;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

class Parser {
public:
  explicit Parser(std::string_view text) : text(text) {}

  bool parseDocument(Value &out) {
    // RFC 8259 lets a parser ignore a byte order mark; editors on some platforms add one.
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
      pos = 3;
    skipWhitespace();
    if (!parseValue(out, 0))
      return false;
    skipWhitespace();
    if (pos != text.size())
      return fail("unexpected trailing characters after the JSON value");
    return true;
  }

  std::string errorMessage() const {
    size_t line = 1, lineStart = 0;
    for (size_t i = 0; i < errorPos && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        lineStart = i + 1;
      }
    }
    return std::to_string(line) + ":" + std::to_string(errorPos - lineStart + 1) + ": " + error;
  }

private:
  std::string_view text;
  size_t pos = 0;
  std::string error;
  size_t errorPos = 0;

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }

  bool fail(std::string message) { return failAt(pos, std::move(message)); }
  bool failAt(size_t at, std::string message) {
    error = std::move(message);
    errorPos = at;
    return false;
  }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = text[pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      ++pos;
    }
  }

  bool consumeLiteral(std::string_view literal) {
    if (text.substr(pos, literal.size()) != literal)
      return fail("invalid literal (expected '" + std::string(literal) + "')");
    pos += literal.size();
    return true;
  }

  bool parseValue(Value &out, int depth) {
    if (atEnd())
      return fail("unexpected end of input, expected a value");
    char c = text[pos];
    switch (c) {
    case '{':
      return parseObject(out, depth + 1);
    case '[':
      return parseArray(out, depth + 1);
    case '"': {
      std::string s;
      if (!parseString(s))
        return false;
      out = Value::makeString(std::move(s));
      return true;
    }
    case 't':
      if (!consumeLiteral("true"))
        return false;
      out = Value::makeBool(true);
      return true;
    case 'f':
      if (!consumeLiteral("false"))
        return false;
      out = Value::makeBool(false);
      return true;
    case 'n':
      if (!consumeLiteral("null"))
        return false;
      out = Value();
      return true;
    default:
      if (c == '-' || isDigit(c))
        return parseNumber(out);
      return fail("unexpected character, expected a value");
    }
  }

  bool parseArray(Value &out, int depth) {
    // The limit keeps recursion (here and in Value's destructor) far from the stack's end.
    if (depth > maxDepth)
      return fail("nesting deeper than " + std::to_string(maxDepth));
    ++pos; // '['
    Value::Array elements;
    skipWhitespace();
    if (peek() == ']') {
      ++pos;
      out = Value::makeArray(std::move(elements));
      return true;
    }
    while (true) {
      skipWhitespace();
      Value element;
      if (!parseValue(element, depth))
        return false;
      elements.push_back(std::move(element));
      skipWhitespace();
      if (atEnd())
        return fail("unexpected end of input in array");
      if (text[pos] == ',') {
        ++pos;
        continue;
      }
      if (text[pos] == ']') {
        ++pos;
        break;
      }
      return fail("expected ',' or ']' in array");
    }
    out = Value::makeArray(std::move(elements));
    return true;
  }

  bool parseObject(Value &out, int depth) {
    if (depth > maxDepth)
      return fail("nesting deeper than " + std::to_string(maxDepth));
    ++pos; // '{'
    Value::Object members;
    // Duplicate keys make a manifest ambiguous (RFC 8259 leaves their meaning open), so they are
    // rejected rather than silently resolved one way.
    std::unordered_set<std::string> seen;
    skipWhitespace();
    if (peek() == '}') {
      ++pos;
      out = Value::makeObject(std::move(members));
      return true;
    }
    while (true) {
      skipWhitespace();
      if (atEnd())
        return fail("unexpected end of input in object");
      if (text[pos] != '"')
        return fail("expected a string key in object");
      size_t keyPos = pos;
      std::string key;
      if (!parseString(key))
        return false;
      if (!seen.insert(key).second)
        return failAt(keyPos, "duplicate object key \"" + key + "\"");
      skipWhitespace();
      if (peek() != ':')
        return fail("expected ':' after object key");
      ++pos;
      skipWhitespace();
      Value value;
      if (!parseValue(value, depth))
        return false;
      members.emplace_back(std::move(key), std::move(value));
      skipWhitespace();
      if (atEnd())
        return fail("unexpected end of input in object");
      if (text[pos] == ',') {
        ++pos;
        continue;
      }
      if (text[pos] == '}') {
        ++pos;
        break;
      }
      return fail("expected ',' or '}' in object");
    }
    out = Value::makeObject(std::move(members));
    return true;
  }

  // Reads the 4 hex digits after "\u" starting at `at`.
  bool parseHex4(size_t at, uint32_t &out) {
    if (text.size() - at < 4)
      return failAt(at, "truncated \\u escape");
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) {
      int h = hexValue(text[at + i]);
      if (h < 0)
        return failAt(at + i, "invalid hex digit in \\u escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    out = v;
    return true;
  }

  bool parseEscape(std::string &out) {
    size_t escapePos = pos;
    ++pos; // '\\'
    if (atEnd())
      return fail("unterminated string");
    char c = text[pos++];
    switch (c) {
    case '"':
      out += '"';
      return true;
    case '\\':
      out += '\\';
      return true;
    case '/':
      out += '/';
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return failAt(escapePos, "invalid escape sequence");
    }
    uint32_t cp = 0;
    if (!parseHex4(pos, cp))
      return false;
    pos += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return failAt(escapePos, "lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // UTF-16 surrogate pairs are the only way to escape characters beyond the BMP; half a
      // pair has no UTF-8 encoding.
      if (text.substr(pos, 2) != "\\u")
        return failAt(escapePos, "lone high surrogate in \\u escape");
      uint32_t low = 0;
      if (!parseHex4(pos + 2, low))
        return false;
      if (low < 0xDC00 || low > 0xDFFF)
        return failAt(escapePos, "high surrogate not followed by a low surrogate");
      pos += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, cp);
    return true;
  }

  // Validates one multi-byte UTF-8 sequence at `pos` (Unicode table 3-7: no overlong forms, no
  // surrogates, nothing past U+10FFFF) and appends it.
  bool parseUtf8(std::string &out) {
    auto byteAt = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byteAt(pos);
    size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF; // Range of the second byte.
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        lo = 0xA0;
      else if (lead == 0xED)
        hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        lo = 0x90;
      else if (lead == 0xF4)
        hi = 0x8F;
    } else {
      return fail("invalid UTF-8 in string");
    }
    if (text.size() - pos < length)
      return fail("invalid UTF-8 in string");
    for (size_t i = 1; i < length; ++i) {
      unsigned char b = byteAt(pos + i);
      unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
      if (b < l || b > h)
        return fail("invalid UTF-8 in string");
    }
    out.append(text.data() + pos, length);
    pos += length;
    return true;
  }

  bool parseString(std::string &out) {
    size_t start = pos;
    ++pos; // '"'
    while (true) {
      if (atEnd())
        return failAt(start, "unterminated string");
      unsigned char c = static_cast<unsigned char>(text[pos]);
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c == '\\') {
        if (!parseEscape(out))
          return false;
      } else if (c < 0x20) {
        return fail("control character in string (must be escaped)");
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos;
      } else if (!parseUtf8(out)) {
        return false;
      }
    }
  }

  bool parseNumber(Value &out) {
    size_t start = pos;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos;
    }
    if (!isDigit(peek()))
      return fail("invalid number: expected a digit");
    size_t intStart = pos;
    if (text[pos] == '0') {
      ++pos;
      if (isDigit(peek()))
        return failAt(intStart, "invalid number: leading zeros are not allowed");
    } else {
      while (isDigit(peek()))
        ++pos;
    }
    size_t intEnd = pos;
    size_t fracStart = pos, fracEnd = pos;
    bool isInteger = true;
    if (peek() == '.') {
      isInteger = false;
      ++pos;
      fracStart = pos;
      if (!isDigit(peek()))
        return fail("invalid number: expected a digit after '.'");
      while (isDigit(peek()))
        ++pos;
      fracEnd = pos;
    }
    // Saturates: only its sign matters once it is this large.
    int64_t exponent = 0;
    if (peek() == 'e' || peek() == 'E') {
      isInteger = false;
      ++pos;
      bool negativeExponent = false;
      if (peek() == '+' || peek() == '-') {
        negativeExponent = peek() == '-';
        ++pos;
      }
      if (!isDigit(peek()))
        return fail("invalid number: expected a digit in the exponent");
      while (isDigit(peek())) {
        if (exponent < 1000000000)
          exponent = exponent * 10 + (text[pos] - '0');
        ++pos;
      }
      if (negativeExponent)
        exponent = -exponent;
    }

    if (isInteger) {
      // Magnitude limit: 2^63 for negative numbers, 2^63 - 1 otherwise.
      uint64_t limit = negative ? (uint64_t(1) << 63) : (uint64_t(1) << 63) - 1;
      uint64_t magnitude = 0;
      bool fits = true;
      for (size_t i = intStart; i < intEnd && fits; ++i) {
        uint64_t digit = static_cast<uint64_t>(text[i] - '0');
        if (magnitude > (limit - digit) / 10)
          fits = false;
        else
          magnitude = magnitude * 10 + digit;
      }
      if (fits) {
        if (negative && magnitude == 0) {
          out = Value::makeNumber(-0.0); // Keeps the sign of "-0".
        } else if (negative) {
          // 0 - magnitude in unsigned arithmetic, then a two's-complement reinterpretation,
          // avoids the signed overflow of negating 2^63.
          out = Value::makeInt(static_cast<int64_t>(uint64_t(0) - magnitude));
        } else {
          out = Value::makeInt(static_cast<int64_t>(magnitude));
        }
        return true;
      }
      // Out of int64 range: falls through to the double path.
    }

    double d = 0.0;
    const char *first = text.data() + start;
    const char *last = text.data() + pos;
    auto result = std::from_chars(first, last, d);
    if (result.ec == std::errc::result_out_of_range) {
      // from_chars does not say whether it overflowed or underflowed, so the decimal exponent
      // of the leading significant digit decides. Underflow rounds to zero like strtod does.
      int64_t leadExponent = 0;
      bool found = false;
      for (size_t i = intStart; i < intEnd && !found; ++i) {
        if (text[i] != '0') {
          leadExponent = static_cast<int64_t>(intEnd - i) - 1;
          found = true;
        }
      }
      for (size_t i = fracStart; i < fracEnd && !found; ++i) {
        if (text[i] != '0') {
          leadExponent = -static_cast<int64_t>(i - fracStart) - 1;
          found = true;
        }
      }
      if (found && leadExponent + exponent >= 0)
        return failAt(start, "number out of range");
      d = negative ? -0.0 : 0.0;
    } else if (result.ec != std::errc() || result.ptr != last) {
      return failAt(start, "invalid number");
    }
    out = Value::makeNumber(d);
    return true;
  }
};

} // namespace

void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool parse(std::string_view text, Value &out, std::string &error) {
  Parser parser(text);
  Value result;
  if (!parser.parseDocument(result)) {
    error = parser.errorMessage();
    return false;
  }
  out = std::move(result);
  return true;
}

} // namespace ssm::rt::json
