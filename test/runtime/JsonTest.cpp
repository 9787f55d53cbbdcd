//===- JsonTest.cpp - Tests for the runtime's JSON reader -----------------===//

#include "Json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using ssm::rt::json::parse;
using ssm::rt::json::Value;

namespace {

Value parseOk(std::string_view text) {
  Value v;
  std::string error;
  EXPECT_TRUE(parse(text, v, error)) << "input: " << text << "\nerror: " << error;
  return v;
}

// Returns the error message, or "<parsed>" if the text was accepted.
std::string parseError(std::string_view text) {
  Value v;
  std::string error;
  if (parse(text, v, error))
    return "<parsed>";
  EXPECT_FALSE(error.empty());
  return error;
}

void expectRejected(std::string_view text) {
  EXPECT_NE(parseError(text), "<parsed>") << "accepted: " << text;
}

std::string nested(int depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

TEST(JsonTest, Literals) {
  EXPECT_TRUE(parseOk("null").isNull());
  Value t = parseOk("true");
  ASSERT_TRUE(t.isBool());
  EXPECT_TRUE(t.asBool());
  Value f = parseOk("false");
  ASSERT_TRUE(f.isBool());
  EXPECT_FALSE(f.asBool());
  EXPECT_EQ(parseOk(" \t\r\n null \n").kind(), Value::Kind::Null);
}

TEST(JsonTest, BadLiterals) {
  for (const char *text : {"nul", "nulll", "tru", "True", "fals", "falsey", "NULL", "n",
                           "undefined", "NaN", "Infinity", "-Infinity", "'a'"})
    expectRejected(text);
}

TEST(JsonTest, Integers) {
  int64_t i = -1;
  Value zero = parseOk("0");
  ASSERT_TRUE(zero.isNumber());
  ASSERT_TRUE(zero.asInt64(i));
  EXPECT_EQ(i, 0);

  ASSERT_TRUE(parseOk("123").asInt64(i));
  EXPECT_EQ(i, 123);
  ASSERT_TRUE(parseOk("-123").asInt64(i));
  EXPECT_EQ(i, -123);
  EXPECT_EQ(parseOk("-123").asNumber(), -123.0);
}

TEST(JsonTest, BigIntegersAreExact) {
  int64_t i = 0;
  // 2^60 + 1 is not representable as a double: it must not go through one.
  ASSERT_TRUE(parseOk("1152921504606846977").asInt64(i));
  EXPECT_EQ(i, (int64_t(1) << 60) + 1);
  ASSERT_TRUE(parseOk("1152921504606846976").asInt64(i));
  EXPECT_EQ(i, int64_t(1) << 60);
  ASSERT_TRUE(parseOk("9223372036854775807").asInt64(i));
  EXPECT_EQ(i, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(parseOk("-9223372036854775808").asInt64(i));
  EXPECT_EQ(i, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(parseOk("-9223372036854775807").asInt64(i));
  EXPECT_EQ(i, std::numeric_limits<int64_t>::min() + 1);
}

TEST(JsonTest, IntegersBeyondInt64BecomeDoubles) {
  int64_t i = 42;
  Value big = parseOk("9223372036854775808"); // 2^63
  ASSERT_TRUE(big.isNumber());
  EXPECT_EQ(big.asNumber(), 9223372036854775808.0);
  EXPECT_FALSE(big.asInt64(i));
  EXPECT_EQ(i, 42) << "asInt64 must not touch `out` on failure";

  Value huge = parseOk("123456789012345678901234567890");
  EXPECT_DOUBLE_EQ(huge.asNumber(), 1.2345678901234568e29);
  EXPECT_FALSE(huge.asInt64(i));

  // Rounds to exactly -2^63 as a double, which is an int64.
  Value low = parseOk("-9223372036854775809");
  ASSERT_TRUE(low.asInt64(i));
  EXPECT_EQ(i, std::numeric_limits<int64_t>::min());

  // 400 digits: beyond any int64 but a finite double.
  Value long400 = parseOk("1" + std::string(300, '0'));
  EXPECT_EQ(long400.asNumber(), 1e300);
}

TEST(JsonTest, Fractions) {
  EXPECT_EQ(parseOk("1.5").asNumber(), 1.5);
  EXPECT_EQ(parseOk("-0.25").asNumber(), -0.25);
  EXPECT_EQ(parseOk("1e3").asNumber(), 1000.0);
  EXPECT_EQ(parseOk("1E3").asNumber(), 1000.0);
  EXPECT_EQ(parseOk("1e+3").asNumber(), 1000.0);
  EXPECT_EQ(parseOk("1e-3").asNumber(), 0.001);
  EXPECT_EQ(parseOk("-1.25e2").asNumber(), -125.0);
  EXPECT_EQ(parseOk("0.1").asNumber(), 0.1);
  EXPECT_EQ(parseOk("2.2250738585072014e-308").asNumber(), 2.2250738585072014e-308);
  EXPECT_EQ(parseOk("1.7976931348623157e308").asNumber(), 1.7976931348623157e308);
  EXPECT_EQ(parseOk("5e-324").asNumber(), 5e-324);

  int64_t i = 0;
  EXPECT_TRUE(parseOk("1e3").asInt64(i));
  EXPECT_EQ(i, 1000);
  EXPECT_TRUE(parseOk("2.0").asInt64(i));
  EXPECT_EQ(i, 2);
  EXPECT_FALSE(parseOk("1.5").asInt64(i));
  EXPECT_FALSE(parseOk("1e19").asInt64(i));
  EXPECT_FALSE(parseOk("9.3e18").asInt64(i));
  EXPECT_TRUE(parseOk("-9.2e18").asInt64(i));
  EXPECT_EQ(i, -9200000000000000000);
}

TEST(JsonTest, NegativeZeroKeepsItsSign) {
  Value v = parseOk("-0");
  EXPECT_EQ(v.asNumber(), 0.0);
  EXPECT_TRUE(std::signbit(v.asNumber()));
  int64_t i = 7;
  ASSERT_TRUE(v.asInt64(i));
  EXPECT_EQ(i, 0);
  EXPECT_TRUE(std::signbit(parseOk("-0.0").asNumber()));
}

TEST(JsonTest, NumberRange) {
  // Underflow rounds to zero like strtod; overflow is an error rather than an infinity.
  Value tiny = parseOk("1e-400");
  EXPECT_EQ(tiny.asNumber(), 0.0);
  EXPECT_FALSE(std::signbit(tiny.asNumber()));
  EXPECT_TRUE(std::signbit(parseOk("-1e-400").asNumber()));
  EXPECT_EQ(parseOk("0.0000000000000000000000000001e-300").asNumber(), 0.0);
  EXPECT_EQ(parseOk("1e-99999999999999999999").asNumber(), 0.0);
  EXPECT_EQ(parseOk("0e99999999999999999999").asNumber(), 0.0);

  EXPECT_NE(parseError("1e400").find("out of range"), std::string::npos);
  EXPECT_NE(parseError("-1e400").find("out of range"), std::string::npos);
  EXPECT_NE(parseError("1e99999999999999999999").find("out of range"), std::string::npos);
  EXPECT_NE(parseError("1" + std::string(400, '0')).find("out of range"), std::string::npos);
  EXPECT_NE(parseError("[0.001e312]").find("out of range"), std::string::npos);
}

TEST(JsonTest, BadNumbers) {
  for (const char *text : {"-", "+1", "01", "-01", "00", "1.", ".5", "1.e3", "1e", "1e+", "1e-",
                           "0x10", "1_000", "- 1", "1.5.5", "1e5e5", "--1", "-.5"})
    expectRejected(text);
  EXPECT_NE(parseError("012").find("leading zeros"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// Strings
//===----------------------------------------------------------------------===//

TEST(JsonTest, SimpleStrings) {
  Value v = parseOk(R"("hello")");
  ASSERT_TRUE(v.isString());
  EXPECT_EQ(v.asString(), "hello");
  EXPECT_EQ(parseOk(R"("")").asString(), "");
  // DEL and other printable ASCII need no escape.
  EXPECT_EQ(parseOk("\"a\x7F b\"").asString(), "a\x7F b");
}

TEST(JsonTest, EveryEscape) {
  EXPECT_EQ(parseOk(R"("\"")").asString(), "\"");
  EXPECT_EQ(parseOk(R"("\\")").asString(), "\\");
  EXPECT_EQ(parseOk(R"("\/")").asString(), "/");
  EXPECT_EQ(parseOk(R"("\b")").asString(), "\b");
  EXPECT_EQ(parseOk(R"("\f")").asString(), "\f");
  EXPECT_EQ(parseOk(R"("\n")").asString(), "\n");
  EXPECT_EQ(parseOk(R"("\r")").asString(), "\r");
  EXPECT_EQ(parseOk(R"("\t")").asString(), "\t");
  EXPECT_EQ(parseOk(R"("a\"b\\c\/d\be\ff\ng\rh\ti")").asString(), "a\"b\\c/d\be\ff\ng\rh\ti");
}

TEST(JsonTest, UnicodeEscapes) {
  EXPECT_EQ(parseOk(R"("\u0041")").asString(), "A");
  EXPECT_EQ(parseOk(R"("\u007f")").asString(), "\x7F");
  EXPECT_EQ(parseOk(R"("\u0080")").asString(), "\xC2\x80");
  EXPECT_EQ(parseOk(R"("\u00e9")").asString(), "\xC3\xA9");
  EXPECT_EQ(parseOk(R"("\u00E9")").asString(), "\xC3\xA9");
  EXPECT_EQ(parseOk(R"("\u07FF")").asString(), "\xDF\xBF");
  EXPECT_EQ(parseOk(R"("\u0800")").asString(), "\xE0\xA0\x80");
  EXPECT_EQ(parseOk(R"("\u20AC")").asString(), "\xE2\x82\xAC");
  EXPECT_EQ(parseOk(R"("\uFFFF")").asString(), "\xEF\xBF\xBF");
  // Surrogate pairs: U+1F600 and the extremes U+10000 and U+10FFFF.
  EXPECT_EQ(parseOk(R"("\uD83D\uDE00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk(R"("\uD800\uDC00")").asString(), "\xF0\x90\x80\x80");
  EXPECT_EQ(parseOk(R"("\uDBFF\uDFFF")").asString(), "\xF4\x8F\xBF\xBF");
  // An escaped NUL is a legal character inside the string.
  Value nul = parseOk(R"("a\u0000b")");
  EXPECT_EQ(nul.asString(), std::string("a\0b", 3));
}

TEST(JsonTest, RawUtf8) {
  std::string text = "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"";
  EXPECT_EQ(parseOk(text).asString(), text.substr(1, text.size() - 2));
}

TEST(JsonTest, BadEscapes) {
  for (const char *text : {R"("\x41")", R"("\a")", R"("\0")", R"("\U0041")", R"("\')", R"("\u12")",
                           R"("\u12G4")", R"("\u")", R"("\u 123")", R"("\)", R"("\uD83D\u")"})
    expectRejected(text);
  EXPECT_NE(parseError(R"("\q")").find("invalid escape"), std::string::npos);
}

TEST(JsonTest, LoneSurrogates) {
  EXPECT_NE(parseError(R"("\uD800")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uDBFFx")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uDC00")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uDFFF\uD800")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uD800\u0041")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uD800\uD800")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\uD800\n")").find("surrogate"), std::string::npos);
  expectRejected(R"("\uD800\uDC0")");
  expectRejected(R"("\uD800\uDCxx")");
}

TEST(JsonTest, ControlCharactersInStrings) {
  for (int c = 0; c < 0x20; ++c) {
    std::string text = "\"a";
    text += static_cast<char>(c);
    text += "b\"";
    EXPECT_NE(parseError(text).find("control character"), std::string::npos) << "char " << c;
  }
}

TEST(JsonTest, InvalidUtf8) {
  for (const char *text : {
           "\"\x80\"",             // Lone continuation byte.
           "\"\xBF\"",             // Lone continuation byte.
           "\"\xC0\x80\"",         // Overlong NUL.
           "\"\xC1\xBF\"",         // Overlong.
           "\"\xE0\x80\xAF\"",     // Overlong '/'.
           "\"\xE0\x9F\xBF\"",     // Overlong.
           "\"\xED\xA0\x80\"",     // Encoded surrogate U+D800.
           "\"\xED\xBF\xBF\"",     // Encoded surrogate U+DFFF.
           "\"\xF0\x8F\xBF\xBF\"", // Overlong.
           "\"\xF4\x90\x80\x80\"", // U+110000.
           "\"\xF5\x80\x80\x80\"", // Invalid lead byte.
           "\"\xFF\"",             // Invalid byte.
           "\"\xC3\"",             // Truncated before the quote.
           "\"\xE2\x82\"",         // Truncated.
           "\"\xF0\x9F\x98\"",     // Truncated.
           "\"\xC3\x41\"",         // Bad continuation.
       })
    EXPECT_NE(parseError(text).find("UTF-8"), std::string::npos) << text;
  // Truncated at the very end of the input, with no closing quote.
  expectRejected("\"\xE2\x82");
  expectRejected("\"\xF0");
}

TEST(JsonTest, UnterminatedStrings) {
  EXPECT_NE(parseError("\"abc").find("unterminated"), std::string::npos);
  EXPECT_NE(parseError("\"abc\\").find("unterminated"), std::string::npos);
  expectRejected("\"");
  expectRejected("[\"a]");
  expectRejected("{\"a:1}");
}

//===----------------------------------------------------------------------===//
// Arrays and objects
//===----------------------------------------------------------------------===//

TEST(JsonTest, Arrays) {
  Value empty = parseOk("[]");
  ASSERT_TRUE(empty.isArray());
  EXPECT_TRUE(empty.asArray().empty());
  EXPECT_TRUE(parseOk("[ \n ]").asArray().empty());

  Value v = parseOk(R"([1, "two", [3], {"four": 4}, null, true])");
  ASSERT_TRUE(v.isArray());
  const auto &a = v.asArray();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].asNumber(), 1.0);
  EXPECT_EQ(a[1].asString(), "two");
  ASSERT_EQ(a[2].asArray().size(), 1u);
  EXPECT_EQ(a[2].asArray()[0].asNumber(), 3.0);
  ASSERT_NE(a[3].find("four"), nullptr);
  EXPECT_EQ(a[3].find("four")->asNumber(), 4.0);
  EXPECT_TRUE(a[4].isNull());
  EXPECT_TRUE(a[5].asBool());
}

TEST(JsonTest, Objects) {
  Value empty = parseOk("{}");
  ASSERT_TRUE(empty.isObject());
  EXPECT_TRUE(empty.asObject().empty());
  EXPECT_EQ(empty.find("a"), nullptr);

  Value v = parseOk(R"({"zeta": 1, "alpha": {"nested": [true]}, "": "empty key",
                        "mid": null})");
  ASSERT_TRUE(v.isObject());
  const auto &members = v.asObject();
  ASSERT_EQ(members.size(), 4u);
  // Document order, not sorted.
  EXPECT_EQ(members[0].first, "zeta");
  EXPECT_EQ(members[1].first, "alpha");
  EXPECT_EQ(members[2].first, "");
  EXPECT_EQ(members[3].first, "mid");

  ASSERT_NE(v.find("zeta"), nullptr);
  EXPECT_EQ(v.find("zeta")->asNumber(), 1.0);
  const Value *alpha = v.find("alpha");
  ASSERT_NE(alpha, nullptr);
  ASSERT_NE(alpha->find("nested"), nullptr);
  EXPECT_TRUE(alpha->find("nested")->asArray().at(0).asBool());
  ASSERT_NE(v.find(""), nullptr);
  EXPECT_EQ(v.find("")->asString(), "empty key");
  ASSERT_NE(v.find("mid"), nullptr);
  EXPECT_TRUE(v.find("mid")->isNull());
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(v.find("Zeta"), nullptr);
  EXPECT_EQ(v.find("zet"), nullptr);
}

TEST(JsonTest, EscapedKeys) {
  Value v = parseOk(R"({"a\nb": 1, "\u00e9": 2})");
  EXPECT_NE(v.find("a\nb"), nullptr);
  EXPECT_NE(v.find("\xC3\xA9"), nullptr);
}

TEST(JsonTest, DuplicateKeysAreRejected) {
  EXPECT_NE(parseError(R"({"a": 1, "b": 2, "a": 3})").find("duplicate"), std::string::npos);
  // Same key after unescaping.
  EXPECT_NE(parseError(R"({"a": 1, "\u0061": 2})").find("duplicate"), std::string::npos);
  // The same key in different objects is fine.
  parseOk(R"({"a": {"a": 1}, "b": {"a": 2}})");
}

TEST(JsonTest, FindOnNonObjects) {
  EXPECT_EQ(parseOk("[1]").find("0"), nullptr);
  EXPECT_EQ(parseOk(R"("a")").find("a"), nullptr);
  EXPECT_EQ(parseOk("null").find("a"), nullptr);
}

TEST(JsonTest, StructuralErrors) {
  for (const char *text : {"",
                           " ",
                           "[",
                           "]",
                           "{",
                           "}",
                           "[1,]",
                           "[,1]",
                           "[1 2]",
                           "[1,,2]",
                           "{,}",
                           "{\"a\"}",
                           "{\"a\" 1}",
                           "{\"a\":}",
                           "{a:1}",
                           "{\"a\":1,}",
                           "{\"a\":1 \"b\":2}",
                           "{1:2}",
                           "[1,",
                           "{\"a\":",
                           "{\"a\":1",
                           "[}",
                           "{]",
                           "{\"a\";1}",
                           "/* comment */ 1",
                           "[1] // comment"})
    expectRejected(text);
}

TEST(JsonTest, TrailingGarbage) {
  for (const char *text :
       {"1 2", "{} x", "[1]]", "nullnull", "\"a\"\"b\"", "true false", "{}}", "0 0"})
    EXPECT_NE(parseError(text), "<parsed>") << text;
  EXPECT_NE(parseError(std::string_view("1\0", 2)).find("trailing"), std::string::npos);
  EXPECT_NE(parseError("[1] x").find("trailing"), std::string::npos);
}

TEST(JsonTest, ByteOrderMarkIsIgnored) {
  EXPECT_EQ(parseOk("\xEF\xBB\xBF{\"a\": 1}").find("a")->asNumber(), 1.0);
  expectRejected("\xEF\xBB");
  expectRejected("\xEF\xBB\xBF");
}

//===----------------------------------------------------------------------===//
// Depth
//===----------------------------------------------------------------------===//

TEST(JsonTest, DepthLimit) {
  parseOk(nested(128, '[', ']'));
  EXPECT_NE(parseError(nested(129, '[', ']')).find("nesting"), std::string::npos);

  std::string objects;
  for (int i = 0; i < 128; ++i)
    objects += "{\"a\":";
  objects += "1" + std::string(128, '}');
  parseOk(objects);
  EXPECT_NE(parseError("[" + objects + "]").find("nesting"), std::string::npos);
  EXPECT_NE(parseError("{\"a\":" + objects + "}").find("nesting"), std::string::npos);
}

TEST(JsonTest, DepthBomb) {
  // Deep enough to overflow the stack of a parser without a limit.
  EXPECT_NE(parseError(std::string(1000000, '[')).find("nesting"), std::string::npos);
  EXPECT_NE(parseError(nested(1000000, '[', ']')).find("nesting"), std::string::npos);
  std::string objects;
  for (int i = 0; i < 200000; ++i)
    objects += "{\"a\":";
  EXPECT_NE(parseError(objects).find("nesting"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// Errors and API behaviour
//===----------------------------------------------------------------------===//

TEST(JsonTest, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(parseError("{\n  \"a\": tru\n}").substr(0, 4), "2:8:");
  EXPECT_EQ(parseError("[1,\n2,\n\n   x]").substr(0, 4), "4:4:");
  EXPECT_EQ(parseError("@").substr(0, 4), "1:1:");
  EXPECT_EQ(parseError("[1] x").substr(0, 4), "1:5:");
  // Duplicate keys point at the second occurrence.
  EXPECT_EQ(parseError("{\"a\": 1,\n \"a\": 2}").substr(0, 4), "2:2:");
  // End of input is reported just past the last character.
  EXPECT_EQ(parseError("[1,").substr(0, 4), "1:4:");
}

TEST(JsonTest, OutputUnchangedOnFailure) {
  Value v = parseOk("[1, 2]");
  std::string error;
  EXPECT_FALSE(parse("[1, 2", v, error));
  ASSERT_TRUE(v.isArray());
  EXPECT_EQ(v.asArray().size(), 2u);
}

TEST(JsonTest, WrongKindAccessorsReturnDefaults) {
  Value s = parseOk(R"("str")");
  EXPECT_FALSE(s.asBool());
  EXPECT_EQ(s.asNumber(), 0.0);
  int64_t i = 5;
  EXPECT_FALSE(s.asInt64(i));
  EXPECT_EQ(i, 5);
  EXPECT_TRUE(s.asArray().empty());
  EXPECT_TRUE(s.asObject().empty());
  Value n = parseOk("12");
  EXPECT_EQ(n.asString(), "");
  EXPECT_FALSE(n.isString());
  EXPECT_FALSE(parseOk("null").asBool());
}

TEST(JsonTest, Factories) {
  EXPECT_TRUE(Value().isNull());
  EXPECT_TRUE(Value::makeBool(true).asBool());
  EXPECT_EQ(Value::makeNumber(2.5).asNumber(), 2.5);
  int64_t i = 0;
  ASSERT_TRUE(Value::makeInt(int64_t(1) << 62).asInt64(i));
  EXPECT_EQ(i, int64_t(1) << 62);
  EXPECT_EQ(Value::makeString("x").asString(), "x");
  Value::Array elements;
  elements.push_back(Value::makeInt(1));
  EXPECT_EQ(Value::makeArray(std::move(elements)).asArray().size(), 1u);
  Value::Object members;
  members.emplace_back("k", Value::makeBool(false));
  Value obj = Value::makeObject(std::move(members));
  ASSERT_NE(obj.find("k"), nullptr);
  EXPECT_TRUE(obj.find("k")->isBool());
}

TEST(JsonTest, RealisticDocument) {
  const char *text = R"({
    "format": "ssmx",
    "version": 1,
    "tensors": [
      {"name": "w0", "dtype": "f32", "shape": [4, 8], "offset": 1152921504606846976},
      {"name": "b0", "dtype": "f16", "shape": [], "offset": 0}
    ],
    "scale": -1.5e-3,
    "flags": {"fused": true, "note": null}
  })";
  Value doc = parseOk(text);
  ASSERT_TRUE(doc.isObject());
  EXPECT_EQ(doc.find("format")->asString(), "ssmx");
  const auto &tensors = doc.find("tensors")->asArray();
  ASSERT_EQ(tensors.size(), 2u);
  int64_t offset = 0;
  ASSERT_TRUE(tensors[0].find("offset")->asInt64(offset));
  EXPECT_EQ(offset, int64_t(1) << 60);
  EXPECT_EQ(tensors[0].find("shape")->asArray().size(), 2u);
  EXPECT_TRUE(tensors[1].find("shape")->asArray().empty());
  EXPECT_EQ(doc.find("scale")->asNumber(), -1.5e-3);
  EXPECT_TRUE(doc.find("flags")->find("fused")->asBool());
}

TEST(JsonTest, EveryPrefixOfADocumentIsRejected) {
  std::string text = R"({"a": [1, -2.5e3, "x\u00e9\uD83D\uDE00y", true, false, null], "b": {}})";
  parseOk(text);
  for (size_t n = 0; n < text.size(); ++n)
    EXPECT_NE(parseError(text.substr(0, n)), "<parsed>") << "prefix of length " << n;
}

TEST(JsonTest, MutatedDocumentsDoNotCrash) {
  // Every single-byte substitution by a set of interesting bytes: the parser must answer
  // (either way) without touching memory it should not; ASan and UBSan check the rest.
  std::string text = R"({"k": [1, -0.5e-3, "s\"\u00e9\uD83D\uDE00", {"n": null}], "t": true})";
  const char replacements[] = {'\0', '"',    '\\', '[',    ']',    '{',    '}',    ',',
                               ':',  '-',    'e',  '0',    'u',    'D',    ' ',    '\x80',
                               '\n', '\x7F', '.',  '\xC3', '\xED', '\xF4', '\xFF', 'x'};
  size_t accepted = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    for (char r : replacements) {
      std::string mutated = text;
      mutated[i] = r;
      Value v;
      std::string error;
      if (parse(mutated, v, error))
        ++accepted;
      else
        EXPECT_FALSE(error.empty());
    }
  }
  EXPECT_GT(accepted, 0u);
}

} // namespace
