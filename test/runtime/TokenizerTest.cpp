//===- TokenizerTest.cpp - Tests for the runtime's tokenizers -------------===//
//
// Expected values come from the definitions (GPT-2's byte map, the Unicode Standard's U+FFFD
// example, the pre-tokenization regex) and from small vocabularies written out by hand. The
// comparison with the `tokenizers` library on thousands of strings is
// tokenizer_conformance.py.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include "ssm/runtime.h"
#include "ssm/runtime.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

using namespace ssm::rt;

namespace {

std::vector<int32_t> encode(const Tokenizer &tok, std::string_view text) {
  std::vector<int32_t> ids;
  tok.encode(text, ids);
  return ids;
}

std::unique_ptr<Tokenizer> load(const std::string &json) {
  std::unique_ptr<Tokenizer> tok;
  std::string error;
  EXPECT_EQ(parseHuggingFaceTokenizer(json, tok, error), SSM_OK) << error;
  return tok;
}

// Returns the status and sets `error` for a tokenizer.json that must be refused.
ssm_status refuse(const std::string &json, std::string &error) {
  std::unique_ptr<Tokenizer> tok;
  ssm_status status = parseHuggingFaceTokenizer(json, tok, error);
  EXPECT_EQ(tok, nullptr);
  return status;
}

// A byte-level BPE file around `model` (the members after "type": "BPE").
std::string bpeJson(const std::string &model, const std::string &addedTokens = "[]",
                    const std::string &normalizer = "null",
                    const std::string &postProcessor = R"({"type": "ByteLevel"})") {
  return R"({"version": "1.0", "truncation": null, "padding": null, "added_tokens": )" +
         addedTokens + R"(, "normalizer": )" + normalizer + R"(,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": )" +
         postProcessor + R"(, "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "unk_token": null, )" +
         model + "}}";
}

// "Ġ" is the space and "Ċ" the newline under GPT-2's byte map.
const std::string smallVocab =
    R"("vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "Ċ": 4, "ab": 5, "bc": 6, "Ġab": 7, "!": 8,
                 "ï": 9, "¿": 10, "½": 11, "<|endoftext|>": 12})";

TEST(ByteMap, MatchesGpt2) {
  // Printable bytes stand for themselves; the others take U+0100 onwards in byte order.
  EXPECT_EQ(byteToChar('A'), U'A');
  EXPECT_EQ(byteToChar('!'), U'!');
  EXPECT_EQ(byteToChar('~'), U'~');
  EXPECT_EQ(byteToChar(0xA1), U'\u00A1');
  EXPECT_EQ(byteToChar(0xFF), U'\u00FF');
  EXPECT_EQ(byteToChar(0x00), U'\u0100');
  EXPECT_EQ(byteToChar('\t'), U'\u0109'); // 'ĉ'
  EXPECT_EQ(byteToChar('\n'), U'\u010A'); // 'Ċ'
  EXPECT_EQ(byteToChar(' '), U'\u0120');  // 'Ġ'
  EXPECT_EQ(byteToChar(0x7F), U'\u0121'); // 33 control bytes and the space come first
  EXPECT_EQ(byteToChar(0xA0), U'\u0142');
  EXPECT_EQ(byteToChar(0xAD), U'\u0143'); // the soft hyphen is the last of the 68
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t c = byteToChar(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(c).second) << "byte " << b << " shares its character";
    EXPECT_EQ(charToByte(c), b);
  }
  EXPECT_EQ(charToByte(U' '), -1);
  EXPECT_EQ(charToByte(U'\u0144'), -1);
  EXPECT_EQ(charToByte(U'\u4E2D'), -1);
}

TEST(Utf8, ReplacesMaximalSubparts) {
  // The Unicode Standard's example (chapter 3, "U+FFFD Substitution of Maximal Subparts").
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(replaceInvalidUtf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d");
  EXPECT_EQ(replaceInvalidUtf8("\xC0\xAF"), fffd + fffd);            // overlong
  EXPECT_EQ(replaceInvalidUtf8("\xED\xA0\x80"), fffd + fffd + fffd); // surrogate
  EXPECT_EQ(replaceInvalidUtf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
  EXPECT_EQ(replaceInvalidUtf8("\xE6\x97"), fffd); // cut short
  EXPECT_EQ(replaceInvalidUtf8("\xFF"), fffd);
  const std::string valid = "plain, caf\xC3\xA9, \xE4\xB8\xAD, \xF0\x9F\x98\x80, \xEF\xBF\xBD";
  EXPECT_EQ(replaceInvalidUtf8(valid), valid);
  EXPECT_EQ(replaceInvalidUtf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(CharClass, LettersNumbersWhiteSpace) {
  // The version the tokenizers library's regex engine knows (docs/Runtime.md).
  EXPECT_STREQ(unicodeTablesVersion(), "16.0.0");
  EXPECT_EQ(charClass(U'\U00010D50'), CharClass::Letter); // Garay, new in Unicode 16.0
  EXPECT_EQ(charClass(U'a'), CharClass::Letter);
  EXPECT_EQ(charClass(U'Z'), CharClass::Letter);
  EXPECT_EQ(charClass(U'\u00E9'), CharClass::Letter); // é
  EXPECT_EQ(charClass(U'\u01C5'), CharClass::Letter); // Lt
  EXPECT_EQ(charClass(U'\u4E2D'), CharClass::Letter); // CJK
  EXPECT_EQ(charClass(U'\u05D0'), CharClass::Letter); // Hebrew alef
  EXPECT_EQ(charClass(U'7'), CharClass::Number);
  EXPECT_EQ(charClass(U'\u0663'), CharClass::Number); // Arabic-Indic three (Nd)
  EXPECT_EQ(charClass(U'\u216B'), CharClass::Number); // Roman numeral twelve (Nl)
  EXPECT_EQ(charClass(U'\u00BD'), CharClass::Number); // one half (No)
  for (char32_t space : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\u0085', U'\u00A0', U'\u1680',
                         U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u3000'})
    EXPECT_EQ(charClass(space), CharClass::Space) << static_cast<uint32_t>(space);
  // Not White_Space, though Python's str.isspace says so for the first.
  EXPECT_EQ(charClass(U'\u001C'), CharClass::Other);
  EXPECT_EQ(charClass(U'\u180E'), CharClass::Other);
  EXPECT_EQ(charClass(U'\u200B'), CharClass::Other);
  EXPECT_EQ(charClass(U'!'), CharClass::Other);
  EXPECT_EQ(charClass(U'\u0301'), CharClass::Other); // combining acute (Mn)
  EXPECT_EQ(charClass(U'\U0001F600'), CharClass::Other);
  EXPECT_EQ(charClass(U'\U0010FFFF'), CharClass::Other);
  EXPECT_EQ(charClass(0), CharClass::Other);
}

TEST(SplitGpt2, FollowsTheRegex) {
  using Pieces = std::vector<std::string_view>;
  EXPECT_EQ(splitGpt2("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(splitGpt2("it's we'll they've"), (Pieces{"it", "'s", " we", "'ll", " they", "'ve"}));
  EXPECT_EQ(splitGpt2("'S"), (Pieces{"'", "S"})); // the contractions are lowercase only
  EXPECT_EQ(splitGpt2("'''s"), (Pieces{"'''", "s"}));
  EXPECT_EQ(splitGpt2("abc123def"), (Pieces{"abc", "123", "def"}));
  EXPECT_EQ(splitGpt2("!!! ?x"), (Pieces{"!!!", " ?", "x"}));
  // A white space run gives its last character to the word after it, when that is a space.
  EXPECT_EQ(splitGpt2("a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(splitGpt2("a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));
  EXPECT_EQ(splitGpt2("a \nb"), (Pieces{"a", " ", "\n", "b"}));
  EXPECT_EQ(splitGpt2("a  "), (Pieces{"a", "  "}));
  EXPECT_EQ(splitGpt2(" "), (Pieces{" "}));
  EXPECT_EQ(splitGpt2("\xE4\xB8\xAD\xE6\x96\x87 42"), (Pieces{"\xE4\xB8\xAD\xE6\x96\x87", " 42"}));
  EXPECT_EQ(splitGpt2(""), Pieces{});
}

TEST(ByteTokenizer, IdsAreBytes) {
  auto tok = makeByteTokenizer();
  EXPECT_EQ(tok->vocabSize(), 256);
  EXPECT_EQ(encode(*tok, std::string("a\0\xFF\xC3", 4)), (std::vector<int32_t>{97, 0, 255, 195}));
  std::string text, error;
  std::vector<int32_t> ids{104, 105, 0, 255};
  ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, text, error)) << error;
  EXPECT_EQ(text, std::string("hi\0\xFF", 4));
  for (int32_t bad : {256, -1}) {
    EXPECT_FALSE(tok->decode(&bad, 1, false, text, error));
    EXPECT_NE(error.find(std::to_string(bad)), std::string::npos) << error;
  }
}

TEST(BpeTokenizer, MergesInBothForms) {
  for (const char *merges :
       {R"("merges": ["a b", "Ġ ab"])", R"("merges": [["a", "b"], ["Ġ", "ab"]])"}) {
    auto tok = load(bpeJson(smallVocab + ", " + merges));
    ASSERT_TRUE(tok);
    // "ab" " ab" "!" "\n": the pieces of the regex, mapped, then merged.
    EXPECT_EQ(encode(*tok, "ab ab!\n"), (std::vector<int32_t>{5, 7, 8, 4}));
    std::vector<int32_t> ids{5, 7, 3, 2};
    std::string text, error;
    ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, text, error)) << error;
    EXPECT_EQ(text, "ab ab c");
  }
}

TEST(BpeTokenizer, LowestRankMergesFirst) {
  auto first = load(bpeJson(smallVocab + R"(, "merges": ["b c", "a b"])"));
  auto second = load(bpeJson(smallVocab + R"(, "merges": ["a b", "b c"])"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(encode(*first, "abc"), (std::vector<int32_t>{0, 6}));
  EXPECT_EQ(encode(*second, "abc"), (std::vector<int32_t>{5, 2}));
}

TEST(BpeTokenizer, IllFormedUtf8ReadsAsReplacementCharacter) {
  auto tok = load(bpeJson(smallVocab + R"(, "merges": [])"));
  ASSERT_TRUE(tok);
  // U+FFFD is EF BF BD, which the byte map shows as "ï¿½".
  EXPECT_EQ(encode(*tok, "\xFF"), (std::vector<int32_t>{9, 10, 11}));
  EXPECT_EQ(encode(*tok, "a\xC3"), (std::vector<int32_t>{0, 9, 10, 11}));
  // Decoding bytes that are not UTF-8 gives U+FFFD too: "ï" alone is the byte EF.
  std::vector<int32_t> ids{0, 9};
  std::string text, error;
  ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, text, error)) << error;
  EXPECT_EQ(text, "a\xEF\xBF\xBD");
}

TEST(BpeTokenizer, AddedTokens) {
  auto tok = load(bpeJson(smallVocab + R"(, "merges": ["a b"])",
                          R"([{"id": 12, "content": "<|endoftext|>", "special": true,
                               "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false},
                              {"id": 13, "content": "<m>", "special": true, "lstrip": true,
                               "rstrip": true, "normalized": false}])"));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->vocabSize(), 14);
  EXPECT_EQ(encode(*tok, "ab<|endoftext|>ab"), (std::vector<int32_t>{5, 12, 5}));
  // Stripping takes the white space on both sides into the token.
  EXPECT_EQ(encode(*tok, "ab  <m>  ab"), (std::vector<int32_t>{5, 13, 5}));
  std::vector<int32_t> ids{5, 12, 13, 5};
  std::string text, error;
  ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, text, error)) << error;
  EXPECT_EQ(text, "ab<|endoftext|><m>ab");
  ASSERT_TRUE(tok->decode(ids.data(), ids.size(), true, text, error)) << error;
  EXPECT_EQ(text, "abab");
  ids = {14};
  EXPECT_FALSE(tok->decode(ids.data(), ids.size(), false, text, error));
  EXPECT_NE(error.find("14"), std::string::npos) << error;
}

TEST(BpeTokenizer, MalformedFilesNameTheField) {
  struct Case {
    std::string json, needle;
    ssm_status status;
  };
  const std::string ab = smallVocab + R"(, "merges": ["a b"])";
  const std::vector<Case> cases = {
      {"{\"model\": ", "not valid JSON", SSM_ERROR_FORMAT},
      {"[]", "top level", SSM_ERROR_FORMAT},
      {R"({"decoder": {"type": "ByteLevel"}})", "\"model\"", SSM_ERROR_FORMAT},
      {bpeJson(R"("vocab": {"a": -1}, "merges": [])"), "model.vocab[\"a\"]", SSM_ERROR_FORMAT},
      {bpeJson(R"("vocab": {"a": 0, "b": 0}, "merges": [])"), "id 0", SSM_ERROR_FORMAT},
      {bpeJson(R"("vocab": {"a": 0}, "merges": 3)"), "model.merges", SSM_ERROR_FORMAT},
      {bpeJson(smallVocab + R"(, "merges": ["ab"])"), "model.merges[0]", SSM_ERROR_FORMAT},
      {bpeJson(smallVocab + R"(, "merges": ["a b", "c a"])"), "\"ca\" is not in model.vocab",
       SSM_ERROR_FORMAT},
      {bpeJson(smallVocab + R"(, "merges": [["a"]])"), "model.merges[0]", SSM_ERROR_FORMAT},
      {bpeJson(ab, R"([{"id": 3, "content": "<x>"}])"), "\"Ġ\"", SSM_ERROR_FORMAT},
      {bpeJson(ab, R"([{"id": 20, "content": ""}])"), "added_tokens[0].content", SSM_ERROR_FORMAT},
      {bpeJson(ab, R"([{"id": 20, "content": "<x>", "single_word": true}])"), "single_word",
       SSM_ERROR_UNSUPPORTED},
      {bpeJson(ab, "[]", R"({"type": "NFC"})"), "NFC", SSM_ERROR_UNSUPPORTED},
      {bpeJson(ab, "[]", "null", R"({"type": "TemplateProcessing"})"), "TemplateProcessing",
       SSM_ERROR_UNSUPPORTED},
      {bpeJson(ab + R"(, "byte_fallback": true)"), "byte_fallback", SSM_ERROR_UNSUPPORTED},
      {bpeJson(ab + R"(, "dropout": 0.1)"), "dropout", SSM_ERROR_UNSUPPORTED},
  };
  for (const Case &c : cases) {
    std::string error;
    EXPECT_EQ(refuse(c.json, error), c.status) << c.json << "\n" << error;
    EXPECT_NE(error.find(c.needle), std::string::npos) << "'" << c.needle << "' not in: " << error;
  }
}

TEST(BpeTokenizer, OnlyTheGpt2SplitPrecedesByteLevel) {
  auto sequence = [](const std::string &regex) {
    return R"({"normalizer": null, "decoder": {"type": "ByteLevel"}, "pre_tokenizer":
      {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": ")" +
           regex + R"("}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
      "model": {"type": "BPE", )" +
           smallVocab + R"(, "merges": ["a b", "Ġ ab"]}})";
  };
  auto tok = load(sequence(R"('s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|)"
                           R"(\\s+(?!\\S)|\\s+)"));
  ASSERT_TRUE(tok);
  EXPECT_EQ(encode(*tok, "ab ab"), (std::vector<int32_t>{5, 7}));
  std::string error;
  EXPECT_EQ(refuse(sequence(R"(\\p{N}{1,3})"), error), SSM_ERROR_UNSUPPORTED);
  EXPECT_NE(error.find("pretokenizers[0]"), std::string::npos) << error;
}

TEST(TokenizerApi, BuffersAndErrors) {
  ssm_tokenizer *tok = nullptr;
  ASSERT_EQ(ssm_tokenizer_byte_level(&tok), SSM_OK);
  size_t count = 0;
  EXPECT_EQ(ssm_tokenizer_encode(tok, "hello", 5, nullptr, 0, &count), SSM_OK);
  EXPECT_EQ(count, 5u);
  int32_t ids[5] = {};
  EXPECT_EQ(ssm_tokenizer_encode(tok, "hello", 5, ids, 4, &count), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(ssm_tokenizer_encode(tok, "hello", 5, ids, 5, &count), SSM_OK);
  EXPECT_EQ(ids[0], 'h');
  EXPECT_EQ(ids[4], 'o');
  char text[6];
  size_t length = 0;
  EXPECT_EQ(ssm_tokenizer_decode(tok, ids, 5, 0, text, 5, &length), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(length, 5u);
  EXPECT_EQ(ssm_tokenizer_decode(tok, ids, 5, 0, text, 6, &length), SSM_OK);
  EXPECT_STREQ(text, "hello");
  ids[2] = 1000;
  EXPECT_EQ(ssm_tokenizer_decode(tok, ids, 5, 0, nullptr, 0, &length), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(ssm_last_error()).find("1000"), std::string::npos) << ssm_last_error();
  ssm_tokenizer_free(tok);

  EXPECT_EQ(ssm_tokenizer_load("/nonexistent/tokenizer.json", &tok), SSM_ERROR_IO);
  EXPECT_EQ(tok, nullptr);
  std::string path = testing::TempDir() + "/malformed_tokenizer.json";
  FILE *file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": [\"a b\"]}}", file);
  std::fclose(file);
  EXPECT_EQ(ssm_tokenizer_load(path.c_str(), &tok), SSM_ERROR_FORMAT);
  EXPECT_NE(std::string(ssm_last_error()).find(path), std::string::npos) << ssm_last_error();
  EXPECT_NE(std::string(ssm_last_error()).find("model.merges[0]"), std::string::npos)
      << ssm_last_error();
  std::remove(path.c_str());
}

TEST(TokenizerApi, CppWrapper) {
  ssm::Tokenizer tok = ssm::Tokenizer::byteLevel();
  ASSERT_TRUE(tok);
  std::vector<int32_t> ids;
  ASSERT_FALSE(tok.encode(std::string("h\0i", 3), ids));
  EXPECT_EQ(ids, (std::vector<int32_t>{'h', 0, 'i'}));
  std::string text;
  ASSERT_FALSE(tok.decode(ids, text));
  EXPECT_EQ(text, std::string("h\0i", 3));
  ssm::Error e = tok.decode({'a', 999}, text);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("999"), std::string::npos) << e.message;
  ssm::Tokenizer missing;
  EXPECT_EQ(ssm::Tokenizer::load("/nonexistent/tokenizer.json", missing).status, SSM_ERROR_IO);
  EXPECT_FALSE(missing);
}

} // namespace
