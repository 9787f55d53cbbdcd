//===- OnnxText.cpp - ONNX's textual syntax -> ModelProto -----------------===//
//
// A lexer and a recursive-descent parser for the grammar of ONNX's docs/Syntax.md. Where the
// grammar is vague this follows the newest onnx/defs/parser.cc: identifiers are
// [A-Za-z_][A-Za-z0-9_]* and any other name is written as a quoted string, a backslash in a
// string makes the next character literal, `(x, , z)` has an empty second name and `(x,)` only
// one name, `inf` / `nan` are float literals. Unlike that parser, tensor constants are checked:
// their element count must match their shape and every value must fit the element type; float16,
// bfloat16 and the float8 / float4 types take decimal values, stored as their bit patterns.
//
// Constructs the onnx-ml.proto of ONNX 1.12 cannot hold are errors (operator and function
// overloads, default values of function attributes), except for the types of a function's
// values, which are parsed and dropped.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/OnnxText.h"

#include "onnx/onnx_pb.h" // Defines ONNX_API, then includes onnx-ml.pb.h.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

using onnx::AttributeProto;
using onnx::FunctionProto;
using onnx::GraphProto;
using onnx::ModelProto;
using onnx::NodeProto;
using onnx::TensorProto;
using onnx::TypeProto;
using onnx::ValueInfoProto;
using AttrType = onnx::AttributeProto::AttributeType;
template <typename T> using Repeated = google::protobuf::RepeatedPtrField<T>;

namespace {

template <typename... Parts> std::string concat(const Parts &...parts) {
  std::string s;
  (s.append(parts), ...);
  return s;
}

//===----------------------------------------------------------------------===//
// Type names
//===----------------------------------------------------------------------===//

// TensorProto.DataType values newer than ONNX 1.12 (data_type and elem_type are plain int32).
enum : int32_t {
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUInt4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kFloat8E8M0 = 24,
  kUInt2 = 25,
  kInt2 = 26,
};

constexpr std::pair<std::string_view, int32_t> kElemTypes[] = {
    {"float", TensorProto::FLOAT},
    {"uint8", TensorProto::UINT8},
    {"int8", TensorProto::INT8},
    {"uint16", TensorProto::UINT16},
    {"int16", TensorProto::INT16},
    {"int32", TensorProto::INT32},
    {"int64", TensorProto::INT64},
    {"string", TensorProto::STRING},
    {"bool", TensorProto::BOOL},
    {"float16", TensorProto::FLOAT16},
    {"double", TensorProto::DOUBLE},
    {"uint32", TensorProto::UINT32},
    {"uint64", TensorProto::UINT64},
    {"complex64", TensorProto::COMPLEX64},
    {"complex128", TensorProto::COMPLEX128},
    {"bfloat16", TensorProto::BFLOAT16},
    {"float8e4m3fn", kFloat8E4M3FN},
    {"float8e4m3fnuz", kFloat8E4M3FNUZ},
    {"float8e5m2", kFloat8E5M2},
    {"float8e5m2fnuz", kFloat8E5M2FNUZ},
    {"uint4", kUInt4},
    {"int4", kInt4},
    {"float4e2m1", kFloat4E2M1},
    {"float8e8m0", kFloat8E8M0},
    {"uint2", kUInt2},
    {"int2", kInt2}};

/// The TensorProto.DataType named `name`, or 0.
int32_t elemTypeCode(std::string_view name) {
  for (const auto &[typeName, code] : kElemTypes)
    if (typeName == name)
      return code;
  return 0;
}

std::string_view elemTypeName(int32_t code) {
  for (const auto &[typeName, typeCode] : kElemTypes)
    if (typeCode == code)
      return typeName;
  return "?";
}

constexpr std::pair<std::string_view, AttrType> kAttrTypes[] = {
    {"float", AttributeProto::FLOAT},
    {"int", AttributeProto::INT},
    {"string", AttributeProto::STRING},
    {"tensor", AttributeProto::TENSOR},
    {"graph", AttributeProto::GRAPH},
    {"sparse_tensor", AttributeProto::SPARSE_TENSOR},
    {"type_proto", AttributeProto::TYPE_PROTO},
    {"floats", AttributeProto::FLOATS},
    {"ints", AttributeProto::INTS},
    {"strings", AttributeProto::STRINGS},
    {"tensors", AttributeProto::TENSORS},
    {"graphs", AttributeProto::GRAPHS},
    {"sparse_tensors", AttributeProto::SPARSE_TENSORS},
    {"type_protos", AttributeProto::TYPE_PROTOS}};

/// The attribute type named `name`, or UNDEFINED.
AttrType attrTypeCode(std::string_view name) {
  for (const auto &[typeName, type] : kAttrTypes)
    if (typeName == name)
      return type;
  return AttributeProto::UNDEFINED;
}

std::string_view attrTypeName(AttrType type) {
  for (const auto &[typeName, code] : kAttrTypes)
    if (code == type)
      return typeName;
  return "?";
}

/// Pairs of a single-value attribute type and its list type.
constexpr std::pair<AttrType, AttrType> kListTypes[] = {
    {AttributeProto::FLOAT, AttributeProto::FLOATS},
    {AttributeProto::INT, AttributeProto::INTS},
    {AttributeProto::STRING, AttributeProto::STRINGS},
    {AttributeProto::TENSOR, AttributeProto::TENSORS},
    {AttributeProto::GRAPH, AttributeProto::GRAPHS},
    {AttributeProto::SPARSE_TENSOR, AttributeProto::SPARSE_TENSORS},
    {AttributeProto::TYPE_PROTO, AttributeProto::TYPE_PROTOS}};

/// The element type of list type `list`, or UNDEFINED if `list` is not a list type.
AttrType listElementType(AttrType list) {
  for (const auto &[single, listType] : kListTypes)
    if (listType == list)
      return single;
  return AttributeProto::UNDEFINED;
}

AttrType listTypeOf(AttrType single) {
  for (const auto &[singleType, list] : kListTypes)
    if (singleType == single)
      return list;
  return AttributeProto::UNDEFINED;
}

//===----------------------------------------------------------------------===//
// Small floating-point formats
//===----------------------------------------------------------------------===//

/// What a format's largest exponent and the pattern of negative zero encode.
enum class Specials {
  Ieee,     ///< The largest exponent holds infinity (mantissa 0) and NaNs.
  NanOnly,  ///< Only the largest exponent with an all-ones mantissa is special: NaN (E4M3FN).
  Unsigned, ///< Negative zero's pattern is the one NaN; there is no infinity (FNUZ types).
  None,     ///< Every pattern is a finite number (FLOAT4E2M1).
};

struct FloatFormat {
  int expBits;
  int mantBits;
  int bias;
  Specials specials;
};

/// The format of the float types stored as bit patterns, or null.
const FloatFormat *smallFloatFormat(int32_t elem) {
  static constexpr FloatFormat kHalf{5, 10, 15, Specials::Ieee};
  static constexpr FloatFormat kBFloat16{8, 7, 127, Specials::Ieee};
  static constexpr FloatFormat kE4M3FN{4, 3, 7, Specials::NanOnly};
  static constexpr FloatFormat kE4M3FNUZ{4, 3, 8, Specials::Unsigned};
  static constexpr FloatFormat kE5M2{5, 2, 15, Specials::Ieee};
  static constexpr FloatFormat kE5M2FNUZ{5, 2, 16, Specials::Unsigned};
  static constexpr FloatFormat kE2M1{2, 1, 1, Specials::None};
  switch (elem) {
  case TensorProto::FLOAT16:
    return &kHalf;
  case TensorProto::BFLOAT16:
    return &kBFloat16;
  case kFloat8E4M3FN:
    return &kE4M3FN;
  case kFloat8E4M3FNUZ:
    return &kE4M3FNUZ;
  case kFloat8E5M2:
    return &kE5M2;
  case kFloat8E5M2FNUZ:
    return &kE5M2FNUZ;
  case kFloat4E2M1:
    return &kE2M1;
  default:
    return nullptr;
  }
}

/// The bit pattern of `v` rounded to nearest-even in `fmt`. Overflow gives infinity in IEEE-like
/// formats and fails in the others, as do infinities and NaNs that `fmt` cannot hold.
std::optional<uint32_t> encodeFloat(double v, const FloatFormat &fmt) {
  const int m = fmt.mantBits;
  const int expMax = (1 << fmt.expBits) - 1;
  const uint32_t mantMax = (1u << m) - 1;
  const uint32_t signBit = 1u << (fmt.expBits + m);
  uint32_t sign = std::signbit(v) ? signBit : 0;
  if (std::isnan(v)) {
    switch (fmt.specials) {
    case Specials::Ieee:
      return sign | uint32_t(expMax) << m | 1u << (m - 1);
    case Specials::NanOnly:
      return sign | uint32_t(expMax) << m | mantMax;
    case Specials::Unsigned:
      return signBit;
    case Specials::None:
      return std::nullopt;
    }
  }
  if (std::isinf(v)) {
    if (fmt.specials != Specials::Ieee)
      return std::nullopt;
    return sign | uint32_t(expMax) << m;
  }
  // Scale |v| so that the format's step in its binade (or among subnormals) becomes 1, then round.
  const int minExp = 1 - fmt.bias;
  int exp = minExp;
  if (v != 0) {
    std::frexp(v, &exp);
    exp = std::max(exp - 1, minExp);
  }
  double scaled = std::ldexp(std::fabs(v), m - exp);
  double rounded = std::floor(scaled);
  double rest = scaled - rounded;
  if (rest > 0.5 || (rest == 0.5 && std::fmod(rounded, 2.0) != 0))
    rounded += 1;
  auto significand = static_cast<uint32_t>(rounded);
  if (significand >> (m + 1)) { // Rounded up into the next binade.
    significand >>= 1;
    ++exp;
  }
  int expField = significand >> m ? exp + fmt.bias : 0;
  uint32_t mantissa = significand & mantMax;
  switch (fmt.specials) {
  case Specials::Ieee:
    if (expField >= expMax)
      return sign | uint32_t(expMax) << m;
    break;
  case Specials::NanOnly:
    if (expField > expMax || (expField == expMax && mantissa == mantMax))
      return std::nullopt;
    break;
  case Specials::Unsigned:
  case Specials::None:
    if (expField > expMax)
      return std::nullopt;
    break;
  }
  uint32_t magnitude = uint32_t(expField) << m | mantissa;
  if (magnitude == 0 && fmt.specials == Specials::Unsigned)
    sign = 0;
  return sign | magnitude;
}

//===----------------------------------------------------------------------===//
// Lexer
//===----------------------------------------------------------------------===//

enum class Tok { End, Error, Ident, String, Number, Arrow, Punct };

struct Token {
  Tok kind;
  std::string_view text; ///< The spelling; strings keep their quotes.
  size_t offset;         ///< Where the token starts in the input.
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

bool isIntLiteral(std::string_view number) {
  return number.find_first_of(".eE") == std::string_view::npos;
}

/// Whether `id` is `inf`, `infinity` or `nan`, in any case.
bool isSpecialFloat(std::string_view id) {
  std::string lower;
  for (char c : id.substr(0, 9))
    lower.push_back(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower == "inf" || lower == "infinity" || lower == "nan";
}

/// For a decimal literal out of its type's range: whether it is too small rather than too large,
/// i.e. whether its leading digit's power of ten, plus its exponent, is negative.
bool isBelowOne(std::string_view literal) {
  size_t i = literal[0] == '-' ? 1 : 0;
  int64_t lead = 0;
  bool seen = false;
  for (; i < literal.size() && isDigit(literal[i]); ++i) {
    if (seen)
      ++lead;
    else
      seen = literal[i] != '0';
  }
  if (i < literal.size() && literal[i] == '.') {
    for (int64_t k = 1; ++i < literal.size() && isDigit(literal[i]); ++k) {
      if (!seen && literal[i] != '0') {
        seen = true;
        lead = -k;
      }
    }
  }
  int64_t exp = 0;
  if (i < literal.size()) { // 'e' or 'E', an optional sign, digits.
    bool negative = literal[++i] == '-';
    if (literal[i] == '-' || literal[i] == '+')
      ++i;
    for (; i < literal.size(); ++i)
      exp = std::min<int64_t>(exp * 10 + (literal[i] - '0'), 1000000);
    if (negative)
      exp = -exp;
  }
  return lead + exp < 0;
}

/// The contents of string token `quoted`, where `\c` stands for `c` (as in onnx's parser).
std::string unquote(std::string_view quoted) {
  std::string s;
  for (size_t i = 1; i + 1 < quoted.size(); ++i)
    s.push_back(quoted[i] == '\\' ? quoted[++i] : quoted[i]);
  return s;
}

/// Splits `text` into tokens. The last one is End, or Error at the first malformed token, which
/// `message` then describes.
std::vector<Token> tokenize(std::string_view text, std::string &message) {
  std::vector<Token> tokens;
  const size_t n = text.size();
  size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; // Skip a UTF-8 byte order mark.
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  auto skipDigits = [&] {
    while (isDigit(at(i)))
      ++i;
  };
  for (;;) {
    while (i < n) {
      char c = text[i];
      if (c == '#') {
        while (i < n && text[i] != '\n')
          ++i;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++i;
      } else {
        break;
      }
    }
    const size_t start = i;
    auto push = [&](Tok kind) { tokens.push_back({kind, text.substr(start, i - start), start}); };
    auto fail = [&](std::string what) {
      message = std::move(what);
      i = start;
      push(Tok::Error);
      return tokens;
    };
    if (i == n) {
      push(Tok::End);
      return tokens;
    }
    char c = text[i];
    if (isIdentStart(c)) {
      while (isIdentChar(at(i)))
        ++i;
      push(Tok::Ident);
    } else if (isDigit(c) || (c == '-' && isDigit(at(i + 1)))) {
      ++i;
      skipDigits();
      if (at(i) == '.') {
        ++i;
        skipDigits();
      }
      if (at(i) == 'e' || at(i) == 'E') {
        ++i;
        if (at(i) == '+' || at(i) == '-')
          ++i;
        if (!isDigit(at(i)))
          return fail("malformed number: expected digits after its exponent's 'e'");
        skipDigits();
      }
      if (isIdentChar(at(i)) || at(i) == '.')
        return fail(concat("malformed number '", text.substr(start, i + 1 - start), "'"));
      push(Tok::Number);
    } else if (c == '"') {
      for (++i; i < n && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      if (i >= n)
        return fail("string literal without its closing '\"'");
      ++i;
      push(Tok::String);
    } else if (c == '=' && at(i + 1) == '>') {
      i += 2;
      push(Tok::Arrow);
    } else if (std::string_view("()[]{}<>,:=.?@-").find(c) != std::string_view::npos) {
      ++i;
      push(Tok::Punct);
    } else if (c >= ' ' && c <= '~') {
      return fail(concat("unexpected character '", std::string(1, c), "'"));
    } else {
      return fail(concat("unexpected byte ", std::to_string(static_cast<unsigned char>(c)),
                         " outside of a string or comment"));
    }
  }
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

/// Graphs (in attributes) and types nest at most this deep, to bound the recursion.
constexpr int kMaxNesting = 64;

/// The most elements a tensor constant may have (twice as many numbers for complex types).
constexpr uint64_t kMaxElements = std::numeric_limits<int64_t>::max() / 2;

class Parser {
public:
  explicit Parser(std::string_view text) : text(text), tokens(tokenize(text, lexError)) {}

  /// model ::= ('<' model-property (',' model-property)* '>')? graph function*
  bool parseModel(ModelProto &model) {
    if (isPunct('<') && !parseList('<', '>', false, [&] { return parseModelProperty(model); }))
      return false;
    if (!parseGraph(*model.mutable_graph()))
      return false;
    while (tok().kind != Tok::End) {
      if (!isPunct('<') && !isName())
        return failExpected("a function or the end of the input");
      if (!parseFunction(*model.add_functions()))
        return false;
    }
    return true;
  }

  const std::string &errorMessage() const { return message; }

private:
  std::string_view text;
  std::string lexError;
  std::vector<Token> tokens;
  size_t pos = 0;
  int nesting = 0;
  std::string message;

  //===--------------------------------------------------------------------===//
  // Tokens and errors
  //===--------------------------------------------------------------------===//

  /// The token `ahead` tokens after the current one; the last token (End or Error) repeats.
  const Token &tok(size_t ahead = 0) const {
    return tokens[std::min(pos + ahead, tokens.size() - 1)];
  }
  bool isPunct(char c, size_t ahead = 0) const {
    const Token &t = tok(ahead);
    return t.kind == Tok::Punct && t.text[0] == c;
  }
  bool isName() const { return tok().kind == Tok::Ident || tok().kind == Tok::String; }
  bool consume(char c) {
    if (!isPunct(c))
      return false;
    ++pos;
    return true;
  }
  bool expect(char c) { return consume(c) || failExpected(concat("'", std::string(1, c), "'")); }
  bool expectArrow() {
    if (tok().kind != Tok::Arrow)
      return failExpected("'=>'");
    ++pos;
    return true;
  }

  /// Sets the message "line L, column C: `what`" for the position of `t`; returns false.
  bool failAt(const Token &t, std::string_view what) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < t.offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    message =
        concat("line ", std::to_string(line), ", column ", std::to_string(column), ": ", what);
    return false;
  }

  /// Fails with "expected `what`, found <the current token>", or with the lexer's complaint.
  bool failExpected(std::string_view what) {
    const Token &t = tok();
    if (t.kind == Tok::Error)
      return failAt(t, lexError);
    std::string shown = concat(t.text.substr(0, 40), t.text.size() > 40 ? "..." : "");
    std::string found;
    switch (t.kind) {
    case Tok::End:
      found = "the end of the input";
      break;
    case Tok::Ident:
      found = concat("identifier '", shown, "'");
      break;
    case Tok::String:
      found = concat("string ", shown);
      break;
    case Tok::Number:
      found = concat("number ", shown);
      break;
    default:
      found = concat("'", shown, "'");
      break;
    }
    return failAt(t, concat("expected ", what, ", found ", found));
  }

  /// Runs `parse` one level deeper in the nesting of graphs and types.
  template <typename Fn> bool nested(Fn parse) {
    if (nesting == kMaxNesting)
      return failAt(
          tok(), concat("graphs or types nested more than ", std::to_string(kMaxNesting), " deep"));
    ++nesting;
    bool ok = parse();
    --nesting;
    return ok;
  }

  /// Parses `open item (',' item)* close`, or also `open close` if `allowEmpty`.
  template <typename Fn> bool parseList(char open, char close, bool allowEmpty, Fn item) {
    if (!expect(open))
      return false;
    if (allowEmpty && consume(close))
      return true;
    do {
      if (!item())
        return false;
    } while (consume(','));
    return expect(close);
  }

  //===--------------------------------------------------------------------===//
  // Literals and names
  //===--------------------------------------------------------------------===//

  bool parseString(std::string &out) {
    if (tok().kind != Tok::String)
      return failExpected("a string");
    out = unquote(tok().text);
    ++pos;
    return true;
  }

  bool parseIdent(std::string &out, std::string_view what) {
    if (tok().kind != Tok::Ident)
      return failExpected(what);
    out = std::string(tok().text);
    ++pos;
    return true;
  }

  /// quotable-id ::= id | quoted-str
  bool parseName(std::string &out, std::string_view what) {
    if (tok().kind == Tok::String)
      return parseString(out);
    return parseIdent(out, what);
  }

  /// qualified-id ::= id ('.' id)*
  bool parseQualifiedId(std::string &out, std::string_view what) {
    if (!parseIdent(out, what))
      return false;
    while (consume('.')) {
      std::string part;
      if (!parseIdent(part, "an identifier after '.'"))
        return false;
      out += '.';
      out += part;
    }
    return true;
  }

  /// Parses an integer literal in [lo, hi] (by default, all of T); `type` names the range in
  /// messages.
  template <typename T>
  bool parseInt(T &v, std::string_view type,
                std::common_type_t<T> lo = std::numeric_limits<T>::min(),
                std::common_type_t<T> hi = std::numeric_limits<T>::max()) {
    const Token &t = tok();
    if (t.kind != Tok::Number || !isIntLiteral(t.text))
      return failExpected("an integer");
    const char *end = t.text.data() + t.text.size();
    auto [last, ec] = std::from_chars(t.text.data(), end, v);
    if (ec != std::errc() || last != end || v < lo || v > hi)
      return failAt(t, concat("integer ", t.text, " is out of range for ", type));
    ++pos;
    return true;
  }

  /// Parses a number, or `inf`, `infinity` or `nan` in any case and optionally negated, as the
  /// nearest T; too small a number becomes zero, too large one is an error.
  template <typename T> bool parseReal(T &v, std::string_view type) {
    const Token &first = tok();
    std::string literal;
    if (consume('-')) {
      if (tok().kind != Tok::Ident || !isSpecialFloat(tok().text))
        return failExpected("'inf' or 'nan' after '-'");
      literal = concat("-", tok().text);
    } else if (first.kind == Tok::Number ||
               (first.kind == Tok::Ident && isSpecialFloat(first.text))) {
      literal = std::string(first.text);
    } else {
      return failExpected("a number");
    }
    const char *end = literal.data() + literal.size();
    auto [last, ec] = std::from_chars(literal.data(), end, v);
    if (ec == std::errc::result_out_of_range && isBelowOne(literal))
      v = literal[0] == '-' ? -T(0) : T(0);
    else if (ec != std::errc() || last != end)
      return failAt(first, concat("number ", literal, " is out of range for ", type));
    ++pos;
    return true;
  }

  /// '[' (quoted-str ':' int (',' quoted-str ':' int)*)? ']'
  bool parseOpsetImports(Repeated<onnx::OperatorSetIdProto> &opsets) {
    return parseList('[', ']', true, [&] {
      onnx::OperatorSetIdProto &opset = *opsets.Add();
      int64_t version;
      if (!parseString(*opset.mutable_domain()) || !expect(':') || !parseInt(version, "int64"))
        return false;
      opset.set_version(version);
      return true;
    });
  }

  /// str-str-list ::= '[' (quoted-str ':' quoted-str (',' quoted-str ':' quoted-str)*)? ']'
  bool parseStringPairs(Repeated<onnx::StringStringEntryProto> &entries) {
    return parseList('[', ']', true, [&] {
      onnx::StringStringEntryProto &entry = *entries.Add();
      return parseString(*entry.mutable_key()) && expect(':') &&
             parseString(*entry.mutable_value());
    });
  }

  /// other-data ::= id ':' value, for the fields of ModelProto.
  bool parseModelProperty(ModelProto &model) {
    const Token &key = tok();
    if (key.kind != Tok::Ident)
      return failExpected("a model property such as 'ir_version'");
    ++pos;
    if (!expect(':'))
      return false;
    int64_t value;
    if (key.text == "ir_version" || key.text == "model_version") {
      if (!parseInt(value, "int64"))
        return false;
      if (key.text == "ir_version")
        model.set_ir_version(value);
      else
        model.set_model_version(value);
      return true;
    }
    if (key.text == "opset_import")
      return parseOpsetImports(*model.mutable_opset_import());
    if (key.text == "producer_name")
      return parseString(*model.mutable_producer_name());
    if (key.text == "producer_version")
      return parseString(*model.mutable_producer_version());
    if (key.text == "domain")
      return parseString(*model.mutable_domain());
    if (key.text == "doc_string")
      return parseString(*model.mutable_doc_string());
    if (key.text == "metadata_props")
      return parseStringPairs(*model.mutable_metadata_props());
    return failAt(key, concat("unknown model property '", key.text, "'"));
  }

  //===--------------------------------------------------------------------===//
  // Types and tensors
  //===--------------------------------------------------------------------===//

  static bool isTypeConstructor(std::string_view id) {
    return id == "seq" || id == "map" || id == "optional" || id == "sparse_tensor" ||
           id == "opaque";
  }

  /// Whether a type starts here: an element type, or a type constructor and '('.
  bool atType() const {
    const Token &t = tok();
    return t.kind == Tok::Ident &&
           (elemTypeCode(t.text) || (isTypeConstructor(t.text) && isPunct('(', 1)));
  }

  bool parseElemType(int32_t &elem) {
    const Token &t = tok();
    if (t.kind != Tok::Ident)
      return failExpected("an element type such as 'float'");
    elem = elemTypeCode(t.text);
    if (!elem)
      return failAt(t, concat("unknown element type '", t.text, "'"));
    ++pos;
    return true;
  }

  /// type ::= tensor-type | 'seq' '(' type ')' | 'map' '(' prim-type ',' type ')'
  ///        | 'optional' '(' type ')' | 'sparse_tensor' '(' tensor-type ')' | opaque-type
  bool parseType(TypeProto &type) {
    return nested([&] {
      const Token &t = tok();
      if (t.kind != Tok::Ident)
        return failExpected("a type");
      if (!isTypeConstructor(t.text)) {
        int32_t elem;
        if (!parseElemType(elem))
          return false;
        type.mutable_tensor_type()->set_elem_type(elem);
        return parseShape(*type.mutable_tensor_type());
      }
      ++pos;
      if (!expect('('))
        return false;
      bool ok;
      if (t.text == "seq") {
        ok = parseType(*type.mutable_sequence_type()->mutable_elem_type());
      } else if (t.text == "optional") {
        ok = parseType(*type.mutable_optional_type()->mutable_elem_type());
      } else if (t.text == "map") {
        int32_t key = 0;
        ok = parseElemType(key) && expect(',') &&
             parseType(*type.mutable_map_type()->mutable_value_type());
        type.mutable_map_type()->set_key_type(key);
      } else if (t.text == "sparse_tensor") {
        int32_t elem = 0;
        ok = parseElemType(elem);
        type.mutable_sparse_tensor_type()->set_elem_type(elem);
        ok = ok && parseShape(*type.mutable_sparse_tensor_type());
      } else {
        ok = parseOpaque(*type.mutable_opaque_type());
      }
      return ok && expect(')');
    });
  }

  /// The optional '[' tensor-dims? ']' after an element type: without it the tensor is a
  /// scalar, with '[]' its rank is unknown.
  template <typename TensorType> bool parseShape(TensorType &tensorType) {
    if (!isPunct('[')) {
      tensorType.mutable_shape();
      return true;
    }
    if (isPunct(']', 1)) {
      pos += 2;
      return true;
    }
    onnx::TensorShapeProto &shape = *tensorType.mutable_shape();
    return parseList('[', ']', false, [&] {
      onnx::TensorShapeProto_Dimension &dim = *shape.add_dim();
      if (consume('?'))
        return true;
      if (isName())
        return parseName(*dim.mutable_dim_param(), "");
      if (tok().kind != Tok::Number)
        return failExpected("a dimension: '?', a name or a size");
      int64_t size;
      if (!parseInt(size, "a dimension", 0))
        return false;
      dim.set_dim_value(size);
      return true;
    });
  }

  /// opaque-type ::= 'opaque' '(' (qualified-id (',' id)?)? ')', after the '('. A single name is
  /// the type's name, two are its domain and name.
  bool parseOpaque(onnx::TypeProto_Opaque &opaque) {
    if (isPunct(')'))
      return true;
    std::string first;
    if (!parseQualifiedId(first, "an opaque type's name"))
      return false;
    if (!consume(',')) {
      opaque.set_name(std::move(first));
      return true;
    }
    opaque.set_domain(std::move(first));
    return parseIdent(*opaque.mutable_name(), "an opaque type's name");
  }

  /// constant-data ::= '{' prim-constants? '}' | str-str-list, of a tensor of type `type`, which
  /// starts at `typeStart`.
  bool parseTensorData(TensorProto &tensor, const TypeProto &type, const Token &typeStart) {
    if (!type.has_tensor_type() || !type.tensor_type().has_shape())
      return failAt(typeStart, "a tensor constant needs a tensor type of known rank");
    const int32_t elem = type.tensor_type().elem_type();
    tensor.set_data_type(elem);
    uint64_t count = 1;
    for (const onnx::TensorShapeProto_Dimension &dim : type.tensor_type().shape().dim()) {
      if (!dim.has_dim_value())
        return failAt(typeStart, "the dimensions of a tensor constant must be numbers");
      auto size = static_cast<uint64_t>(dim.dim_value());
      if (size != 0 && count > kMaxElements / size)
        return failAt(typeStart, "a tensor constant with too many elements");
      count *= size;
      tensor.add_dims(dim.dim_value());
    }
    if (isPunct('[')) {
      tensor.set_data_location(TensorProto::EXTERNAL);
      return parseStringPairs(*tensor.mutable_external_data());
    }
    if (!isPunct('{'))
      return failExpected("tensor data '{...}' or external data '[...]'");
    const Token &open = tok();
    uint64_t found = 0;
    std::vector<uint8_t> subByte;
    if (!parseList('{', '}', true, [&] {
          ++found;
          return parseElement(tensor, elem, subByte);
        }))
      return false;
    if (elem == TensorProto::COMPLEX64 || elem == TensorProto::COMPLEX128)
      count *= 2;
    if (found != count)
      return failAt(open,
                    concat("expected ", std::to_string(count), count == 1 ? " value" : " values",
                           " for the tensor, found ", std::to_string(found)));
    // Types of less than a byte pack each byte's elements from its least significant bits up.
    const int bits = elem == kUInt2 || elem == kInt2 ? 2 : 4;
    const size_t perByte = 8 / bits;
    for (size_t i = 0; i < subByte.size(); i += perByte) {
      uint32_t byte = 0;
      for (size_t j = 0; j < perByte && i + j < subByte.size(); ++j)
        byte |= uint32_t(subByte[i + j]) << (j * bits);
      tensor.add_int32_data(byte);
    }
    return true;
  }

  /// Parses a value of element type `elem` into the field of `tensor` that ONNX keeps it in, or,
  /// for types of less than a byte, into `subByte`.
  bool parseElement(TensorProto &tensor, int32_t elem, std::vector<uint8_t> &subByte) {
    const std::string_view name = elemTypeName(elem);
    const Token &start = tok();
    int64_t i;
    uint64_t u;
    float f;
    double d;
    auto addInt32 = [&](int64_t lo, int64_t hi) {
      if (!parseInt(i, name, lo, hi))
        return false;
      tensor.add_int32_data(static_cast<int32_t>(i));
      return true;
    };
    auto addSubByteInt = [&](int64_t lo, int64_t hi) {
      if (!parseInt(i, name, lo, hi))
        return false;
      subByte.push_back(static_cast<uint8_t>(i) & (elem == kUInt2 || elem == kInt2 ? 3 : 15));
      return true;
    };
    switch (elem) {
    case TensorProto::FLOAT:
    case TensorProto::COMPLEX64:
      if (!parseReal(f, "float"))
        return false;
      tensor.add_float_data(f);
      return true;
    case TensorProto::DOUBLE:
    case TensorProto::COMPLEX128:
      if (!parseReal(d, "double"))
        return false;
      tensor.add_double_data(d);
      return true;
    case TensorProto::BOOL:
      return addInt32(0, 1);
    case TensorProto::INT8:
      return addInt32(INT8_MIN, INT8_MAX);
    case TensorProto::UINT8:
      return addInt32(0, UINT8_MAX);
    case TensorProto::INT16:
      return addInt32(INT16_MIN, INT16_MAX);
    case TensorProto::UINT16:
      return addInt32(0, UINT16_MAX);
    case TensorProto::INT32:
      return addInt32(INT32_MIN, INT32_MAX);
    case TensorProto::INT64:
      if (!parseInt(i, name))
        return false;
      tensor.add_int64_data(i);
      return true;
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      if (!parseInt(u, name, 0, elem == TensorProto::UINT32 ? UINT32_MAX : UINT64_MAX))
        return false;
      tensor.add_uint64_data(u);
      return true;
    case TensorProto::STRING:
      return parseString(*tensor.add_string_data());
    case kUInt4:
      return addSubByteInt(0, 15);
    case kInt4:
      return addSubByteInt(-8, 7);
    case kUInt2:
      return addSubByteInt(0, 3);
    case kInt2:
      return addSubByteInt(-2, 1);
    default:
      break;
    }
    const FloatFormat *format = smallFloatFormat(elem);
    if (!format)
      return failAt(start, concat("values of element type ", name, " are not supported"));
    if (!parseReal(d, name))
      return false;
    std::optional<uint32_t> bits = encodeFloat(d, *format);
    if (!bits)
      return failAt(start, concat("value out of the range of ", name,
                                  " (or an infinity or NaN it does not have)"));
    if (elem == kFloat4E2M1)
      subByte.push_back(static_cast<uint8_t>(*bits));
    else
      tensor.add_int32_data(static_cast<int32_t>(*bits));
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Graphs
  //===--------------------------------------------------------------------===//

  /// Whether a value-info's type starts here: a type, or what looks like a misspelled one (an
  /// identifier before a name or a '[').
  bool atValueInfoType() const {
    if (atType())
      return true;
    Tok next = tok(1).kind;
    return tok().kind == Tok::Ident &&
           (next == Tok::Ident || next == Tok::String || isPunct('[', 1));
  }

  /// value-info ::= type? quotable-id
  bool parseValueInfo(ValueInfoProto &info) {
    if (atValueInfoType() && !parseType(*info.mutable_type()))
      return false;
    return parseName(*info.mutable_name(), "a value name");
  }

  /// graph ::= quotable-id input-list '=>' output-list initializer-list? node-list, where
  /// input-list ::= '(' (value-info ('=' constant-data)?)* ')'
  /// initializer-list ::= '<' (value-info ('=' constant-data)?)* '>'
  bool parseGraph(GraphProto &graph) {
    return nested([&] {
      if (!parseName(*graph.mutable_name(), "a graph name"))
        return false;
      // An input with a value is also an initializer; in '<...>' it is only an initializer.
      auto parseValue = [&](bool isInput) {
        const Token &start = tok();
        ValueInfoProto info;
        if (!parseValueInfo(info))
          return false;
        bool hasData = consume('=');
        if (hasData) {
          TensorProto &tensor = *graph.add_initializer();
          tensor.set_name(info.name());
          if (!parseTensorData(tensor, info.type(), start))
            return false;
        }
        if (isInput)
          *graph.add_input() = std::move(info);
        else if (!hasData)
          *graph.add_value_info() = std::move(info);
        return true;
      };
      if (!parseList('(', ')', true, [&] { return parseValue(true); }) || !expectArrow() ||
          !parseList('(', ')', true, [&] { return parseValueInfo(*graph.add_output()); }))
        return false;
      if (isPunct('<') && !parseList('<', '>', true, [&] { return parseValue(false); }))
        return false;
      return parseNodes(*graph.mutable_node());
    });
  }

  /// node-list ::= '{' node* '}'
  bool parseNodes(Repeated<NodeProto> &nodes) {
    if (!expect('{'))
      return false;
    while (!consume('}')) {
      if (!isName() && !isPunct('[') && !isPunct('='))
        return failExpected("a node or '}'");
      if (!parseNode(*nodes.Add()))
        return false;
    }
    return true;
  }

  /// A comma-separated list of names, some possibly empty: "x, , z" holds three names, "," one
  /// empty name, and "x," only x.
  void parseNameList(Repeated<std::string> &names) {
    do {
      if (isName())
        parseName(*names.Add(), "");
      else if (isPunct(','))
        names.Add();
      else
        return;
    } while (consume(','));
  }

  /// node ::= ('[' quotable-id? ']')? quotable-id-list? '=' qualified-id
  ///          (attr-list? '(' quotable-id-list? ')' | '(' quotable-id-list? ')' attr-list)
  bool parseNode(NodeProto &node) {
    if (consume('[')) {
      if (isName())
        parseName(*node.mutable_name(), "");
      if (!expect(']'))
        return false;
    }
    parseNameList(*node.mutable_output());
    std::string op;
    if (!expect('=') || !parseQualifiedId(op, "an operator name"))
      return false;
    size_t dot = op.rfind('.');
    node.set_domain(dot == std::string::npos ? std::string() : op.substr(0, dot));
    node.set_op_type(op.substr(dot + 1));
    if (isPunct(':'))
      return failAt(tok(), "operator overloads 'Op:overload' are not supported (ONNX 1.12's "
                           "NodeProto has no overload)");
    if (isPunct('<') && !parseAttributes(*node.mutable_attribute()))
      return false;
    if (!expect('('))
      return false;
    parseNameList(*node.mutable_input());
    if (!expect(')'))
      return false;
    if (node.attribute_size() == 0 && isPunct('<'))
      return parseAttributes(*node.mutable_attribute());
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  /// attr-list ::= '<' attr (',' attr)* '>'
  bool parseAttributes(Repeated<AttributeProto> &attributes) {
    return parseList('<', '>', false, [&] { return parseAttribute(*attributes.Add()); });
  }

  /// attr ::= id (':' attr-type)? '=' (single-attr-value | attr-value-list | '@' quotable-id)
  bool parseAttribute(AttributeProto &attr) {
    if (!parseIdent(*attr.mutable_name(), "an attribute name"))
      return false;
    AttrType declared = AttributeProto::UNDEFINED;
    if (consume(':')) {
      const Token &t = tok();
      if (t.kind != Tok::Ident)
        return failExpected("an attribute type such as 'int'");
      declared = attrTypeCode(t.text);
      if (declared == AttributeProto::UNDEFINED)
        return failAt(t, concat("unknown attribute type '", t.text, "'"));
      ++pos;
      attr.set_type(declared);
    }
    if (!expect('='))
      return false;
    if (consume('@'))
      return parseName(*attr.mutable_ref_attr_name(), "the name of a function attribute");
    if (isPunct('['))
      return parseAttributeList(attr, declared);
    const Token &start = tok();
    if (!parseAttributeValue(attr))
      return false;
    if (declared == AttributeProto::UNDEFINED || declared == attr.type())
      return true;
    if (declared == AttributeProto::FLOAT && attr.type() == AttributeProto::INT) {
      attr.set_f(static_cast<float>(attr.i()));
      attr.clear_i();
      attr.set_type(AttributeProto::FLOAT);
      return true;
    }
    return failAt(start,
                  concat("attribute '", attr.name(), "' is declared as '", attrTypeName(declared),
                         "', but its value is of type '", attrTypeName(attr.type()), "'"));
  }

  /// single-attr-value ::= tensor-constant | graph | prim-constant | type, where
  /// tensor-constant ::= tensor-type quotable-id? '='? '{' prim-constants? '}'.
  /// Sets the type of `attr` to that of the value.
  bool parseAttributeValue(AttributeProto &attr) {
    const Token &t = tok();
    if (t.kind == Tok::String) {
      attr.set_type(AttributeProto::STRING);
      return parseString(*attr.mutable_s());
    }
    if (t.kind == Tok::Number && isIntLiteral(t.text)) {
      int64_t value;
      if (!parseInt(value, "int"))
        return false;
      attr.set_type(AttributeProto::INT);
      attr.set_i(value);
      return true;
    }
    if (t.kind == Tok::Number || isPunct('-') || (t.kind == Tok::Ident && isSpecialFloat(t.text))) {
      float value;
      if (!parseReal(value, "float"))
        return false;
      attr.set_type(AttributeProto::FLOAT);
      attr.set_f(value);
      return true;
    }
    if (atType()) {
      TypeProto type;
      if (!parseType(type))
        return false;
      if (!isPunct('{') && !isPunct('=') && !isName()) {
        attr.set_type(AttributeProto::TYPE_PROTO);
        *attr.mutable_tp() = std::move(type);
        return true;
      }
      attr.set_type(AttributeProto::TENSOR);
      TensorProto &tensor = *attr.mutable_t();
      std::string &name = *tensor.mutable_name(); // Set, if only to "", as onnx's parser does.
      if (isName())
        parseName(name, "");
      consume('=');
      return parseTensorData(tensor, type, t);
    }
    if (t.kind == Tok::Ident) {
      attr.set_type(AttributeProto::GRAPH);
      return parseGraph(*attr.mutable_g());
    }
    return failExpected("an attribute value");
  }

  /// attr-value-list ::= '[' (single-attr-value (',' single-attr-value)*)? ']', whose values
  /// share a type, except that ints among floats become floats. An empty list needs a declared
  /// type.
  bool parseAttributeList(AttributeProto &attr, AttrType declared) {
    const Token &open = tok();
    AttrType elemType = listElementType(declared);
    if (declared != AttributeProto::UNDEFINED && elemType == AttributeProto::UNDEFINED)
      return failAt(open, concat("attribute '", attr.name(), "' is declared as '",
                                 attrTypeName(declared), "', which is not a list type"));
    std::vector<AttributeProto> values;
    std::vector<const Token *> starts;
    if (!parseList('[', ']', true, [&] {
          starts.push_back(&tok());
          values.emplace_back();
          return parseAttributeValue(values.back());
        }))
      return false;
    if (values.empty()) {
      if (declared == AttributeProto::UNDEFINED)
        return failAt(open, "an empty list needs a declared type, as in 'axes: ints = []'");
      return true;
    }
    if (elemType == AttributeProto::UNDEFINED) {
      elemType = values[0].type();
      for (const AttributeProto &value : values)
        if (elemType == AttributeProto::INT && value.type() == AttributeProto::FLOAT)
          elemType = AttributeProto::FLOAT;
    }
    for (size_t k = 0; k < values.size(); ++k) {
      AttributeProto &value = values[k];
      bool intToFloat = elemType == AttributeProto::FLOAT && value.type() == AttributeProto::INT;
      if (value.type() != elemType && !intToFloat)
        return failAt(*starts[k],
                      concat("a list element of type '", attrTypeName(value.type()),
                             "' among elements of type '", attrTypeName(elemType), "'"));
      switch (elemType) {
      case AttributeProto::INT:
        attr.add_ints(value.i());
        break;
      case AttributeProto::FLOAT:
        attr.add_floats(intToFloat ? static_cast<float>(value.i()) : value.f());
        break;
      case AttributeProto::STRING:
        attr.add_strings(std::move(*value.mutable_s()));
        break;
      case AttributeProto::TENSOR:
        *attr.add_tensors() = std::move(*value.mutable_t());
        break;
      case AttributeProto::GRAPH:
        *attr.add_graphs() = std::move(*value.mutable_g());
        break;
      default: // TYPE_PROTO: parseAttributeValue makes no other types.
        *attr.add_type_protos() = std::move(*value.mutable_tp());
        break;
      }
    }
    attr.set_type(listTypeOf(elemType));
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Functions
  //===--------------------------------------------------------------------===//

  /// function ::= ('<' other-data (',' other-data)* '>')? quotable-id ('<' id (',' id)* '>')?
  ///              fun-io-list '=>' fun-io-list ('<' value-infos? '>')? node-list
  bool parseFunction(FunctionProto &function) {
    if (isPunct('<') &&
        !parseList('<', '>', false, [&] { return parseFunctionProperty(function); }))
      return false;
    if (!parseName(*function.mutable_name(), "a function name"))
      return false;
    if (isPunct('<') && !parseList('<', '>', false, [&] {
          if (tok().kind == Tok::Ident && (isPunct(':', 1) || isPunct('=', 1)))
            return failAt(tok(), "default values of function attributes are not supported "
                                 "(ONNX 1.12's FunctionProto has no attribute_proto)");
          return parseIdent(*function.add_attribute(), "an attribute name");
        }))
      return false;
    if (!parseFunctionValues(*function.mutable_input()) || !expectArrow() ||
        !parseFunctionValues(*function.mutable_output()))
      return false;
    // ONNX 1.12's FunctionProto has no value_info: the types are checked, then dropped.
    if (isPunct('<') && !parseList('<', '>', true, [&] {
          ValueInfoProto unused;
          return parseValueInfo(unused);
        }))
      return false;
    return parseNodes(*function.mutable_node());
  }

  /// fun-io-list ::= '(' (type? quotable-id (',' type? quotable-id)*)? ')'; the types are dropped.
  bool parseFunctionValues(Repeated<std::string> &names) {
    return parseList('(', ')', true, [&] {
      ValueInfoProto info;
      if (!parseValueInfo(info))
        return false;
      *names.Add() = std::move(*info.mutable_name());
      return true;
    });
  }

  /// other-data ::= id ':' value, for the fields of FunctionProto.
  bool parseFunctionProperty(FunctionProto &function) {
    const Token &key = tok();
    if (key.kind != Tok::Ident)
      return failExpected("a function property such as 'domain'");
    ++pos;
    if (!expect(':'))
      return false;
    if (key.text == "domain")
      return parseString(*function.mutable_domain());
    if (key.text == "doc_string")
      return parseString(*function.mutable_doc_string());
    if (key.text == "opset_import")
      return parseOpsetImports(*function.mutable_opset_import());
    if (key.text == "overload")
      return failAt(key, "function overloads are not supported (ONNX 1.12's FunctionProto has "
                         "no overload)");
    return failAt(key, concat("unknown function property '", key.text, "'"));
  }
};

} // namespace

bool ssmc::parseOnnxText(std::string_view text, onnx::ModelProto &model, std::string &error) {
  model.Clear();
  Parser parser(text);
  if (parser.parseModel(model))
    return true;
  model.Clear();
  error = parser.errorMessage();
  return false;
}
