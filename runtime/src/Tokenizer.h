//===- Tokenizer.h - byte-level and Hugging Face BPE tokenizers -*- C++ -*-===//
//
// Text to token ids and back, as the language models the compiler builds expect them: a plain
// byte-level tokenizer (id = byte), and the byte-level BPE of GPT-2 and GPT-NeoX read from a
// Hugging Face tokenizer.json, which must give the ids the `tokenizers` library gives.
// docs/Runtime.md lists what is supported and what is refused.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_RUNTIME_TOKENIZER_H
#define SSM_RUNTIME_TOKENIZER_H

#include "ssm/runtime.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ssm::rt {

/// How the GPT-2 pre-tokenization regex sees a code point: \p{L}, \p{N}, \s or none of them.
enum class CharClass : uint8_t { Other, Letter, Number, Space };
CharClass charClass(char32_t cp);
/// The Unicode version the character classes were generated from.
const char *unicodeTablesVersion();

/// `text` with every ill-formed UTF-8 subsequence replaced by U+FFFD, one per maximal subpart
/// (Unicode's recommended practice, which Python's errors="replace" and Rust's
/// String::from_utf8_lossy follow). Well-formed text comes back unchanged.
std::string replaceInvalidUtf8(std::string_view text);

/// GPT-2's reversible map from bytes to printable code points: the bytes '!'..'~', 0xA1..0xAC
/// and 0xAE..0xFF stand for themselves, the other 68 bytes, in increasing order, for U+0100
/// onwards (so the space is U+0120 'Ġ').
char32_t byteToChar(uint8_t byte);
/// The inverse of byteToChar; -1 for a code point no byte maps to.
int charToByte(char32_t cp);

/// Splits well-formed UTF-8 `text` as GPT-2's pre-tokenization regex
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// does, into consecutive pieces that cover it.
std::vector<std::string_view> splitGpt2(std::string_view text);

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  /// Appends the ids of `text` to `ids`. Never fails: how ill-formed UTF-8 is handled is up to
  /// the tokenizer (see docs/Runtime.md). Safe to call from several threads at once.
  virtual void encode(std::string_view text, std::vector<int32_t> &ids) const = 0;
  /// The text of `ids`; an id outside the vocabulary is an error. `skipSpecial` leaves out
  /// special tokens.
  virtual bool decode(const int32_t *ids, size_t count, bool skipSpecial, std::string &text,
                      std::string &error) const = 0;
  /// One past the largest id.
  virtual int32_t vocabSize() const = 0;
};

/// Token i is byte i (ids 0..255); every byte sequence encodes and decodes losslessly.
std::unique_ptr<Tokenizer> makeByteTokenizer();

/// Reads a Hugging Face tokenizer.json holding a byte-level BPE. On failure returns
/// SSM_ERROR_FORMAT (malformed) or SSM_ERROR_UNSUPPORTED (a feature this reader refuses), with
/// `error` naming the field at fault.
ssm_status parseHuggingFaceTokenizer(std::string_view json, std::unique_ptr<Tokenizer> &out,
                                     std::string &error);

} // namespace ssm::rt

#endif // SSM_RUNTIME_TOKENIZER_H
