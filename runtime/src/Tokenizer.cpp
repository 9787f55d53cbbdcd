//===- Tokenizer.cpp - byte-level and Hugging Face BPE tokenizers ---------===//
//
// The BPE tokenizer follows the `tokenizers` library step by step, since its ids are the
// reference: added tokens are cut out of the text first (those marked "normalized": false,
// then the others), each remaining segment is pre-tokenized (a prefix space, the GPT-2 regex
// split, the byte-to-character map), and each piece is merged by rank, lowest rank first and
// leftmost first among equal ranks.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include "Error.h"
#include "Json.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <queue>
#include <unordered_map>

namespace ssm::rt {

namespace {

struct CharRange {
  char32_t first, last;
  CharClass cls;
};

#include "UnicodeTables.inc"

constexpr char32_t replacementChar = 0xFFFD;

using json::appendUtf8;

/// The code point at `pos` of well-formed UTF-8 `text`; advances `pos` past it.
char32_t nextCodePoint(std::string_view text, size_t &pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  char32_t cp = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i)
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  pos += length;
  return cp;
}

/// The start of the code point that ends at `end` (> 0) of well-formed UTF-8 `text`.
size_t previousCodePointStart(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    --start;
  return start;
}

bool isWhitespace(char32_t cp) { return charClass(cp) == CharClass::Space; }

//===----------------------------------------------------------------------===//
// Byte-level tokenizer
//===----------------------------------------------------------------------===//

class ByteTokenizer : public Tokenizer {
public:
  void encode(std::string_view text, std::vector<int32_t> &ids) const override {
    for (char c : text)
      ids.push_back(static_cast<unsigned char>(c));
  }

  bool decode(const int32_t *ids, size_t count, bool, std::string &text,
              std::string &error) const override {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
      if (ids[i] < 0 || ids[i] > 255) {
        error = "token id " + std::to_string(ids[i]) + " (at " + std::to_string(i) +
                ") is not a byte: the byte-level vocabulary is 0..255";
        return false;
      }
      out += static_cast<char>(ids[i]);
    }
    text = std::move(out);
    return true;
  }

  int32_t vocabSize() const override { return 256; }
};

//===----------------------------------------------------------------------===//
// BPE tokenizer
//===----------------------------------------------------------------------===//

constexpr std::string_view gpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false, lstrip = false, rstrip = false, normalized = true;
};

/// One pre-tokenization step, applied to every piece the previous steps left.
enum class PreStep { PrefixSpace, SplitGpt2 };

/// A part of the input: either an added token's id, or text still to tokenize.
struct Segment {
  std::string_view text;
  int32_t addedId = -1;
};

class BpeTokenizer : public Tokenizer {
public:
  std::unordered_map<std::string, int32_t> vocab;
  // What decode prints for an id: an added token's content wins over the model's token.
  std::unordered_map<int32_t, std::string> modelTokens;
  std::unordered_map<int32_t, const AddedToken *> addedById;
  // (left id << 32 | right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::vector<AddedToken> added;
  std::vector<PreStep> preSteps;
  int32_t unkId = -1;
  bool fuseUnk = false;
  bool ignoreMerges = false;
  int32_t size = 0;

  void encode(std::string_view input, std::vector<int32_t> &ids) const override {
    std::string text = replaceInvalidUtf8(input);
    std::vector<Segment> rawSegments, segments;
    splitAdded(text, /*normalizedPass=*/false, rawSegments);
    for (const Segment &segment : rawSegments) {
      if (segment.addedId >= 0)
        segments.push_back(segment);
      else
        splitAdded(segment.text, /*normalizedPass=*/true, segments);
    }
    for (const Segment &segment : segments) {
      if (segment.addedId >= 0) {
        ids.push_back(segment.addedId);
        continue;
      }
      for (const std::string &piece : preTokenize(segment.text)) {
        std::string mapped;
        for (char c : piece)
          appendUtf8(mapped, byteToChar(static_cast<unsigned char>(c)));
        encodePiece(mapped, ids);
      }
    }
  }

  bool decode(const int32_t *ids, size_t count, bool skipSpecial, std::string &text,
              std::string &error) const override {
    std::string bytes;
    for (size_t i = 0; i < count; ++i) {
      const std::string *token = nullptr;
      if (auto it = addedById.find(ids[i]); it != addedById.end()) {
        if (skipSpecial && it->second->special)
          continue;
        token = &it->second->content;
      } else if (auto it = modelTokens.find(ids[i]); it != modelTokens.end()) {
        token = &it->second;
      } else {
        error = "token id " + std::to_string(ids[i]) + " (at " + std::to_string(i) +
                ") is not in the vocabulary";
        return false;
      }
      // The ByteLevel decoder: a token whose every character is a mapped byte stands for those
      // bytes; any other token (an added token like "  ") for its own UTF-8.
      std::string mapped;
      bool allMapped = true;
      for (size_t pos = 0; pos < token->size() && allMapped;) {
        int byte = charToByte(nextCodePoint(*token, pos));
        allMapped = byte >= 0;
        mapped += static_cast<char>(byte);
      }
      bytes += allMapped ? mapped : *token;
    }
    text = replaceInvalidUtf8(bytes);
    return true;
  }

  int32_t vocabSize() const override { return size; }

private:
  mutable std::mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
  static constexpr size_t cacheCapacity = 10000, cachedPieceMaxBytes = 256;

  // Cuts the added tokens of one pass out of `text`, as the library does: leftmost-longest
  // matches, each widened over neighbouring white space when it strips it (but never back
  // into the previous match).
  void splitAdded(std::string_view text, bool normalizedPass, std::vector<Segment> &out) const {
    size_t segmentStart = 0, pos = 0;
    while (pos < text.size()) {
      const AddedToken *best = nullptr;
      for (const AddedToken &token : added)
        if (token.normalized == normalizedPass &&
            text.compare(pos, token.content.size(), token.content) == 0 &&
            (!best || token.content.size() > best->content.size()))
          best = &token;
      if (!best) {
        ++pos;
        continue;
      }
      size_t start = pos, stop = pos + best->content.size();
      if (best->lstrip) {
        size_t newStart = start;
        while (newStart > 0) {
          size_t before = previousCodePointStart(text, newStart), at = before;
          if (!isWhitespace(nextCodePoint(text, at)))
            break;
          newStart = before;
        }
        start = std::max(newStart, segmentStart);
      }
      if (best->rstrip) {
        while (stop < text.size()) {
          size_t after = stop;
          if (!isWhitespace(nextCodePoint(text, after)))
            break;
          stop = after;
        }
      }
      if (segmentStart < start)
        out.push_back({text.substr(segmentStart, start - segmentStart)});
      out.push_back({text.substr(start, stop - start), best->id});
      segmentStart = stop;
      // The search goes on where the token itself ended, not where its stripping did.
      pos += best->content.size();
    }
    if (segmentStart < text.size())
      out.push_back({text.substr(segmentStart)});
  }

  std::vector<std::string> preTokenize(std::string_view segment) const {
    std::vector<std::string> pieces{std::string(segment)};
    for (PreStep step : preSteps) {
      std::vector<std::string> next;
      for (std::string &piece : pieces) {
        if (step == PreStep::PrefixSpace) {
          next.push_back(piece.empty() || piece[0] != ' ' ? " " + piece : std::move(piece));
        } else {
          for (std::string_view part : splitGpt2(piece))
            next.emplace_back(part);
        }
      }
      pieces.clear();
      for (std::string &piece : next)
        if (!piece.empty())
          pieces.push_back(std::move(piece));
    }
    return pieces;
  }

  void encodePiece(const std::string &piece, std::vector<int32_t> &ids) const {
    if (ignoreMerges) {
      if (auto it = vocab.find(piece); it != vocab.end()) {
        ids.push_back(it->second);
        return;
      }
    }
    bool cacheable = piece.size() <= cachedPieceMaxBytes;
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cacheMutex);
      if (auto it = cache.find(piece); it != cache.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<int32_t> merged = mergePiece(piece);
    ids.insert(ids.end(), merged.begin(), merged.end());
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cacheMutex);
      if (cache.size() < cacheCapacity)
        cache.emplace(piece, std::move(merged));
    }
  }

  const std::pair<int32_t, int32_t> *findMerge(int32_t left, int32_t right) const {
    auto it = merges.find(static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right));
    return it == merges.end() ? nullptr : &it->second;
  }

  std::vector<int32_t> mergePiece(std::string_view piece) const {
    // A doubly linked list of symbols; a merged-away symbol gets id -1.
    struct Symbol {
      int32_t id;
      int prev, next;
    };
    std::vector<Symbol> symbols;
    bool pendingUnk = false;
    auto add = [&](int32_t id) {
      int index = static_cast<int>(symbols.size());
      symbols.push_back({id, index - 1, index + 1});
    };
    for (size_t pos = 0; pos < piece.size();) {
      size_t start = pos;
      nextCodePoint(piece, pos);
      auto it = vocab.find(std::string(piece.substr(start, pos - start)));
      if (it != vocab.end()) {
        if (pendingUnk)
          add(unkId);
        pendingUnk = false;
        add(it->second);
      } else if (unkId >= 0) {
        // Unknown characters become the unknown token, consecutive ones one token if fused;
        // without an unknown token the library drops them.
        if (pendingUnk && !fuseUnk)
          add(unkId);
        pendingUnk = true;
      }
    }
    if (pendingUnk)
      add(unkId);
    if (!symbols.empty())
      symbols.back().next = -1;

    struct Candidate {
      int32_t rank;
      int pos;
      int32_t newId;
      bool operator>(const Candidate &o) const {
        return rank != o.rank ? rank > o.rank : pos > o.pos;
      }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
      if (const auto *merge = findMerge(symbols[i].id, symbols[i + 1].id))
        queue.push({merge->first, static_cast<int>(i), merge->second});
    while (!queue.empty()) {
      Candidate top = queue.top();
      queue.pop();
      Symbol &left = symbols[top.pos];
      if (left.id < 0 || left.next < 0)
        continue;
      Symbol &right = symbols[left.next];
      // An entry is stale when either symbol changed since it was queued.
      const auto *merge = findMerge(left.id, right.id);
      if (!merge || merge->second != top.newId)
        continue;
      left.id = top.newId;
      left.next = right.next;
      right.id = -1;
      if (left.next >= 0)
        symbols[left.next].prev = top.pos;
      if (left.prev >= 0)
        if (const auto *m = findMerge(symbols[left.prev].id, left.id))
          queue.push({m->first, left.prev, m->second});
      if (left.next >= 0)
        if (const auto *m = findMerge(left.id, symbols[left.next].id))
          queue.push({m->first, top.pos, m->second});
    }
    std::vector<int32_t> ids;
    for (const Symbol &symbol : symbols)
      if (symbol.id >= 0)
        ids.push_back(symbol.id);
    return ids;
  }
};

//===----------------------------------------------------------------------===//
// tokenizer.json
//===----------------------------------------------------------------------===//

using json::Value;

/// Reads tokenizer.json into a BpeTokenizer; each check names the field at fault.
class Loader {
public:
  explicit Loader(BpeTokenizer &tok) : tok(tok) {}

  ssm_status load(const Value &root) {
    if (!root.isObject())
      return format("the top level is not an object");
    ssm_status status;
    if ((status = refuseUnlessNull(root, "truncation")) ||
        (status = refuseUnlessNull(root, "padding")) || (status = loadModel(root)) ||
        (status = loadAddedTokens(root)) || (status = loadNormalizer(root)) ||
        (status = loadPreTokenizer(root)) || (status = loadPostProcessor(root)) ||
        (status = loadDecoder(root)))
      return status;
    return SSM_OK;
  }

  std::string error;

private:
  BpeTokenizer &tok;

  ssm_status format(std::string message) {
    error = std::move(message);
    return SSM_ERROR_FORMAT;
  }
  ssm_status unsupported(std::string message) {
    error = std::move(message);
    return SSM_ERROR_UNSUPPORTED;
  }

  static std::string typeOf(const Value &v) {
    const Value *type = v.find("type");
    return type && type->isString() ? type->asString() : "";
  }

  ssm_status refuseUnlessNull(const Value &root, const char *key) {
    const Value *v = root.find(key);
    if (v && !v->isNull())
      return unsupported(std::string("\"") + key + "\" is set; this runtime does not apply it");
    return SSM_OK;
  }

  // An optional boolean member: absent or null keeps `out`.
  ssm_status readBool(const Value &object, const char *key, const std::string &where, bool &out) {
    const Value *v = object.find(key);
    if (!v || v->isNull())
      return SSM_OK;
    if (!v->isBool())
      return format(where + "." + key + " is not a boolean");
    out = v->asBool();
    return SSM_OK;
  }

  ssm_status readId(const Value &v, const std::string &where, int32_t &out) {
    int64_t id = 0;
    if (!v.asInt64(id) || id < 0 || id > INT32_MAX - 1)
      return format(where + " is not a token id (an integer in [0, 2^31 - 1))");
    out = static_cast<int32_t>(id);
    tok.size = std::max(tok.size, out + 1);
    return SSM_OK;
  }

  ssm_status loadModel(const Value &root) {
    const Value *model = root.find("model");
    if (!model || !model->isObject())
      return format("\"model\" is missing or not an object");
    if (typeOf(*model) != "BPE")
      return unsupported("model.type is \"" + typeOf(*model) + "\"; only \"BPE\" is supported");
    const Value *dropout = model->find("dropout");
    if (dropout && !dropout->isNull() && !(dropout->isNumber() && dropout->asNumber() == 0))
      return unsupported("model.dropout is set; BPE dropout is not supported");
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      const Value *v = model->find(key);
      if (v && !v->isNull() && !(v->isString() && v->asString().empty()))
        return unsupported(std::string("model.") + key +
                           " is set; only GPT-2 style BPE "
                           "(no subword prefix or suffix) is "
                           "supported");
    }
    bool byteFallback = false;
    ssm_status status;
    if ((status = readBool(*model, "byte_fallback", "model", byteFallback)) ||
        (status = readBool(*model, "fuse_unk", "model", tok.fuseUnk)) ||
        (status = readBool(*model, "ignore_merges", "model", tok.ignoreMerges)))
      return status;
    if (byteFallback)
      return unsupported("model.byte_fallback is true; only byte-level BPE is supported");

    const Value *vocab = model->find("vocab");
    if (!vocab || !vocab->isObject())
      return format("model.vocab is missing or not an object");
    for (const auto &[token, idValue] : vocab->asObject()) {
      int32_t id = 0;
      if ((status = readId(idValue, "model.vocab[\"" + token + "\"]", id)))
        return status;
      auto [it, inserted] = tok.modelTokens.emplace(id, token);
      if (!inserted)
        return format("model.vocab gives id " + std::to_string(id) + " to both \"" + it->second +
                      "\" and \"" + token + "\"");
      tok.vocab.emplace(token, id);
    }

    if (const Value *unk = model->find("unk_token"); unk && !unk->isNull()) {
      auto it = unk->isString() ? tok.vocab.find(unk->asString()) : tok.vocab.end();
      if (it == tok.vocab.end())
        return format("model.unk_token is not a token of model.vocab");
      tok.unkId = it->second;
    }

    const Value *merges = model->find("merges");
    if (!merges || !merges->isArray())
      return format("model.merges is missing or not an array");
    int32_t rank = 0;
    for (const Value &merge : merges->asArray()) {
      std::string where = "model.merges[" + std::to_string(rank) + "]";
      std::string left, right;
      // Older files write a merge as "left right", newer ones as ["left", "right"].
      if (merge.isString()) {
        const std::string &s = merge.asString();
        size_t space = s.find(' ');
        if (space == std::string::npos)
          return format(where + " (\"" + s + "\") is not two tokens separated by a space");
        left = s.substr(0, space);
        right = s.substr(space + 1);
      } else if (merge.isArray() && merge.asArray().size() == 2 && merge.asArray()[0].isString() &&
                 merge.asArray()[1].isString()) {
        left = merge.asArray()[0].asString();
        right = merge.asArray()[1].asString();
      } else {
        return format(where + " is neither a \"left right\" string nor a pair of strings");
      }
      int32_t ids[3];
      const std::string parts[3] = {left, right, left + right};
      for (int i = 0; i < 3; ++i) {
        auto it = tok.vocab.find(parts[i]);
        if (it == tok.vocab.end())
          return format(where + " (\"" + left + "\" + \"" + right + "\"): \"" + parts[i] +
                        "\" is not in model.vocab");
        ids[i] = it->second;
      }
      // A repeated pair takes its last rank, as in the library.
      tok.merges[static_cast<uint64_t>(ids[0]) << 32 | static_cast<uint32_t>(ids[1])] = {rank,
                                                                                         ids[2]};
      ++rank;
    }
    return SSM_OK;
  }

  ssm_status loadAddedTokens(const Value &root) {
    const Value *list = root.find("added_tokens");
    if (!list || list->isNull())
      return SSM_OK;
    if (!list->isArray())
      return format("\"added_tokens\" is not an array");
    tok.added.reserve(list->asArray().size());
    for (size_t i = 0; i < list->asArray().size(); ++i) {
      const Value &entry = list->asArray()[i];
      std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (!entry.isObject())
        return format(where + " is not an object");
      AddedToken token;
      const Value *content = entry.find("content");
      if (!content || !content->isString() || content->asString().empty())
        return format(where + ".content is missing, not a string or empty");
      token.content = content->asString();
      where += " (\"" + token.content + "\")";
      const Value *id = entry.find("id");
      if (!id)
        return format(where + ".id is missing");
      bool singleWord = false;
      ssm_status status;
      if ((status = readId(*id, where + ".id", token.id)) ||
          (status = readBool(entry, "special", where, token.special)) ||
          (status = readBool(entry, "lstrip", where, token.lstrip)) ||
          (status = readBool(entry, "rstrip", where, token.rstrip)) ||
          (status = readBool(entry, "normalized", where, token.normalized)) ||
          (status = readBool(entry, "single_word", where, singleWord)))
        return status;
      // Word boundaries need Unicode's Alphabetic property, which the runtime's tables lack.
      if (singleWord)
        return unsupported(where + ".single_word is true; single-word added tokens are not "
                                   "supported");
      // The library gives an added token that is also a model token the model's id.
      if (auto it = tok.vocab.find(token.content); it != tok.vocab.end() && it->second != token.id)
        return format(where + " has id " + std::to_string(token.id) + " but model.vocab gives it " +
                      std::to_string(it->second));
      if (auto it = tok.modelTokens.find(token.id);
          it != tok.modelTokens.end() && it->second != token.content)
        return format(where + " has id " + std::to_string(token.id) +
                      ", which model.vocab gives to \"" + it->second + "\"");
      for (const AddedToken &other : tok.added)
        if (other.id == token.id || other.content == token.content)
          return format(where + " repeats the id or content of \"" + other.content + "\"");
      tok.added.push_back(std::move(token));
    }
    for (const AddedToken &token : tok.added)
      tok.addedById.emplace(token.id, &token);
    return SSM_OK;
  }

  ssm_status loadNormalizer(const Value &root) {
    const Value *normalizer = root.find("normalizer");
    if (!normalizer || normalizer->isNull())
      return SSM_OK;
    if (typeOf(*normalizer) == "NFC")
      return unsupported("normalizer NFC is not supported: the runtime has no Unicode "
                         "normalization tables, and skipping it would change the ids of "
                         "non-NFC text");
    return unsupported("normalizer \"" + typeOf(*normalizer) + "\" is not supported");
  }

  ssm_status loadByteLevel(const Value &v, const std::string &where) {
    bool addPrefixSpace = true, useRegex = true;
    ssm_status status;
    if ((status = readBool(v, "add_prefix_space", where, addPrefixSpace)) ||
        (status = readBool(v, "use_regex", where, useRegex)))
      return status;
    if (addPrefixSpace)
      tok.preSteps.push_back(PreStep::PrefixSpace);
    if (useRegex)
      tok.preSteps.push_back(PreStep::SplitGpt2);
    return SSM_OK;
  }

  ssm_status loadPreTokenizer(const Value &root) {
    const Value *pre = root.find("pre_tokenizer");
    if (!pre || !pre->isObject())
      return unsupported("pre_tokenizer must be ByteLevel, or a Sequence of GPT-2 Splits ending "
                         "in ByteLevel");
    if (typeOf(*pre) == "ByteLevel")
      return loadByteLevel(*pre, "pre_tokenizer");
    if (typeOf(*pre) != "Sequence")
      return unsupported("pre_tokenizer \"" + typeOf(*pre) + "\" is not supported");
    const Value *steps = pre->find("pretokenizers");
    if (!steps || !steps->isArray() || steps->asArray().empty())
      return format("pre_tokenizer.pretokenizers is missing, empty or not an array");
    const Value::Array &list = steps->asArray();
    for (size_t i = 0; i < list.size(); ++i) {
      std::string where = "pre_tokenizer.pretokenizers[" + std::to_string(i) + "]";
      std::string type = typeOf(list[i]);
      if (i + 1 == list.size()) {
        // The byte map must come last: a split after it would see mapped characters.
        if (type != "ByteLevel")
          return unsupported(where + " is \"" + type + "\"; the sequence must end in ByteLevel");
        return loadByteLevel(list[i], where);
      }
      if (type != "Split")
        return unsupported(where + " is \"" + type + "\"; only Split may precede ByteLevel");
      const Value *pattern = list[i].find("pattern");
      const Value *regex = pattern ? pattern->find("Regex") : nullptr;
      const Value *behavior = list[i].find("behavior");
      const Value *invert = list[i].find("invert");
      if (!regex || regex->asString() != gpt2Pattern)
        return unsupported(where + ": only the GPT-2 pattern " + std::string(gpt2Pattern) +
                           " is supported as a Split regex");
      if (!behavior || behavior->asString() != "Isolated" || (invert && invert->asBool()))
        return unsupported(where + ": only behavior \"Isolated\" without invert is supported");
      tok.preSteps.push_back(PreStep::SplitGpt2);
    }
    return SSM_OK;
  }

  ssm_status loadPostProcessor(const Value &root) {
    const Value *post = root.find("post_processor");
    if (!post || post->isNull() || typeOf(*post) == "ByteLevel")
      return SSM_OK;
    return unsupported("post_processor \"" + typeOf(*post) +
                       "\" is not supported (only ByteLevel, which adds no tokens)");
  }

  ssm_status loadDecoder(const Value &root) {
    const Value *decoder = root.find("decoder");
    if (decoder && decoder->isObject() && typeOf(*decoder) == "ByteLevel")
      return SSM_OK;
    return unsupported("decoder must be ByteLevel");
  }
};

} // namespace

CharClass charClass(char32_t cp) {
  const CharRange *end = std::end(charRanges);
  const CharRange *it = std::upper_bound(
      std::begin(charRanges), end, cp, [](char32_t c, const CharRange &r) { return c < r.first; });
  if (it == std::begin(charRanges))
    return CharClass::Other;
  --it;
  return cp <= it->last ? it->cls : CharClass::Other;
}

const char *unicodeTablesVersion() { return generatedUnicodeVersion; }

std::string replaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  while (pos < text.size()) {
    unsigned char lead = byte(pos);
    size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF; // The second byte's range (Unicode table 3-7).
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      lo = lead == 0xE0 ? 0xA0 : 0x80;
      hi = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      lo = lead == 0xF0 ? 0x90 : 0x80;
      hi = lead == 0xF4 ? 0x8F : 0xBF;
    }
    // The longest prefix of a well-formed sequence is replaced as one unit.
    size_t valid = length ? 1 : 0;
    while (valid < length && pos + valid < text.size()) {
      unsigned char b = byte(pos + valid);
      if (b < (valid == 1 ? lo : 0x80) || b > (valid == 1 ? hi : 0xBF))
        break;
      ++valid;
    }
    if (length && valid == length) {
      out.append(text.data() + pos, length);
      pos += length;
    } else {
      appendUtf8(out, replacementChar);
      pos += std::max<size_t>(valid, 1);
    }
  }
  return out;
}

namespace {
struct ByteMap {
  std::array<char32_t, 256> toChar{};
  std::unordered_map<char32_t, int> toByte;
  ByteMap() {
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      toChar[b] = printable ? static_cast<char32_t>(b) : next++;
      toByte[toChar[b]] = b;
    }
  }
};
const ByteMap &byteMap() {
  static const ByteMap map;
  return map;
}
} // namespace

char32_t byteToChar(uint8_t byte) { return byteMap().toChar[byte]; }

int charToByte(char32_t cp) {
  auto it = byteMap().toByte.find(cp);
  return it == byteMap().toByte.end() ? -1 : it->second;
}

std::vector<std::string_view> splitGpt2(std::string_view text) {
  std::vector<char32_t> cps;
  std::vector<size_t> offsets;
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    cps.push_back(nextCodePoint(text, pos));
  }
  size_t n = cps.size();
  offsets.push_back(text.size());
  auto cls = [&](size_t i) { return charClass(cps[i]); };
  auto runOf = [&](size_t i, auto pred) {
    while (i < n && pred(i))
      ++i;
    return i;
  };

  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    // 's|'t|'re|'ve|'m|'ll|'d
    if (cps[i] == '\'' && i + 1 < n) {
      char32_t a = cps[i + 1], b = i + 2 < n ? cps[i + 2] : 0;
      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        end = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        end = i + 3;
    }
    if (end == i) {
      // ' ?\p{L}+', ' ?\p{N}+' and ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one
      // class.
      size_t first = cps[i] == ' ' ? i + 1 : i;
      if (first < n && cls(first) != CharClass::Space) {
        CharClass c = cls(first);
        end = runOf(first, [&](size_t j) { return cls(j) == c; });
      } else {
        // '\s+(?!\S)|\s+': a run of white space, less its last character when a non-space
        // follows (that one then leads the next piece), unless that would leave it empty.
        size_t runEnd = runOf(i, [&](size_t j) { return cls(j) == CharClass::Space; });
        end = runEnd < n && runEnd - i > 1 ? runEnd - 1 : runEnd;
      }
    }
    pieces.push_back(text.substr(offsets[i], offsets[end] - offsets[i]));
    i = end;
  }
  return pieces;
}

std::unique_ptr<Tokenizer> makeByteTokenizer() { return std::make_unique<ByteTokenizer>(); }

ssm_status parseHuggingFaceTokenizer(std::string_view text, std::unique_ptr<Tokenizer> &out,
                                     std::string &error) {
  json::Value root;
  std::string jsonError;
  if (!json::parse(text, root, jsonError)) {
    error = "not valid JSON: " + jsonError;
    return SSM_ERROR_FORMAT;
  }
  auto tok = std::make_unique<BpeTokenizer>();
  Loader loader(*tok);
  if (ssm_status status = loader.load(root)) {
    error = loader.error;
    return status;
  }
  out = std::move(tok);
  return SSM_OK;
}

} // namespace ssm::rt

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

using ssm::rt::fail;

struct ssm_tokenizer {
  std::unique_ptr<ssm::rt::Tokenizer> impl;
};

ssm_status ssm_tokenizer_load(const char *path, ssm_tokenizer **out) {
  if (!path || !out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tokenizer_load: null argument");
  *out = nullptr;
  FILE *file = std::fopen(path, "rb");
  if (!file)
    return fail(SSM_ERROR_IO, std::string("cannot open '") + path + "': " + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, n);
  bool readError = std::ferror(file);
  std::fclose(file);
  if (readError)
    return fail(SSM_ERROR_IO, std::string("cannot read '") + path + "'");
  auto tokenizer = std::make_unique<ssm_tokenizer>();
  std::string error;
  if (ssm_status status = ssm::rt::parseHuggingFaceTokenizer(text, tokenizer->impl, error))
    return fail(status, std::string("'") + path + "': " + error);
  *out = tokenizer.release();
  return SSM_OK;
}

ssm_status ssm_tokenizer_byte_level(ssm_tokenizer **out) {
  if (!out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tokenizer_byte_level: null argument");
  *out = new ssm_tokenizer{ssm::rt::makeByteTokenizer()};
  return SSM_OK;
}

void ssm_tokenizer_free(ssm_tokenizer *tokenizer) { delete tokenizer; }

int32_t ssm_tokenizer_vocab_size(const ssm_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->impl->vocabSize() : 0;
}

ssm_status ssm_tokenizer_encode(const ssm_tokenizer *tokenizer, const char *text, size_t length,
                                int32_t *ids, size_t capacity, size_t *num_ids) {
  if (!tokenizer || (!text && length) || !num_ids)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tokenizer_encode: null argument");
  std::vector<int32_t> result;
  tokenizer->impl->encode(std::string_view(text ? text : "", length), result);
  *num_ids = result.size();
  if (!ids)
    return SSM_OK;
  if (result.size() > capacity)
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_tokenizer_encode: the text has " + std::to_string(result.size()) +
                    " tokens, room was given for " + std::to_string(capacity));
  std::copy(result.begin(), result.end(), ids);
  return SSM_OK;
}

ssm_status ssm_tokenizer_decode(const ssm_tokenizer *tokenizer, const int32_t *ids, size_t num_ids,
                                int32_t skip_special, char *text, size_t capacity, size_t *length) {
  if (!tokenizer || (!ids && num_ids) || !length)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tokenizer_decode: null argument");
  std::string result, error;
  if (!tokenizer->impl->decode(ids, num_ids, skip_special != 0, result, error))
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_tokenizer_decode: " + error);
  *length = result.size();
  if (!text)
    return SSM_OK;
  if (result.size() >= capacity)
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_tokenizer_decode: the text needs " + std::to_string(result.size() + 1) +
                    " bytes with its NUL, room was given for " + std::to_string(capacity));
  std::memcpy(text, result.data(), result.size());
  text[result.size()] = '\0';
  return SSM_OK;
}
