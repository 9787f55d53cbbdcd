//===- ssm-run.cpp - run a compiled artifact ------------------------------===//
//
// ssm-run MODEL.ssmx --inputs DIR --outputs DIR [--bench N] [--threads N]
// ssm-run MODEL.ssmx --describe
// ssm-run MODEL.ssmx --generate (--prompt-ids 1,2,3 | --tokenizer FILE|bytes --prompt TEXT)
//         [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]
//         [--stop-ids 1,2]
// ssm-run --tokenizer FILE|bytes [--prompt TEXT | --prompt-file FILE | --decode-ids 1,2,3 |
//         --batch FILE] [--skip-special]
//
// Inputs are DIR/input_K.pb (serialized ONNX TensorProtos, the K-th input in the model's order)
// and outputs DIR/output_K.pb, as in ONNX's node tests. The tokenizer options need no model;
// given one as well, ssm-run tokenizes first and then does what the model options ask. Built
// with the runtime alone: no MLIR.
//
//===----------------------------------------------------------------------===//

#include "ssm/runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: ssm-run MODEL.ssmx --inputs DIR [--outputs DIR] [--bench N] [--threads N]\n"
      "       ssm-run MODEL.ssmx --describe\n"
      "       ssm-run MODEL.ssmx --generate (--prompt-ids ID,ID,... |\n"
      "               --tokenizer FILE|bytes (--prompt TEXT | --prompt-file FILE))\n"
      "               [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P]\n"
      "               [--seed S] [--stop-ids ID,ID,...]\n"
      "       ssm-run --tokenizer FILE|bytes [--prompt TEXT | --prompt-file FILE |\n"
      "               --decode-ids ID,ID,... | --batch FILE] [--skip-special]\n"
      "\n"
      "  --tokenizer FILE    a Hugging Face tokenizer.json (byte-level BPE); 'bytes': id = byte\n"
      "  --prompt TEXT       print the ids of TEXT, comma-separated\n"
      "  --prompt-file FILE  the same for the bytes of FILE\n"
      "  --decode-ids IDS    print the text of the comma-separated ids\n"
      "  --skip-special      leave special tokens out of decoded text\n"
      "  --batch FILE        one request per line ('-': stdin), one answer line each:\n"
      "                      'encode HEX' (the text's bytes in hex) -> the ids, space-separated;\n"
      "                      'decode ID ID ...' -> the text's bytes in hex\n"
      "  (without an action, --tokenizer prints the vocabulary size)\n"
      "\n"
      "  --generate          continue the prompt token by token (a model with decode-state\n"
      "                      inputs and outputs, docs/Runtime.md): prints the text (or the\n"
      "                      ids), then prefill and decode speeds on stderr\n"
      "  --max-new-tokens N  at most N new tokens (64)\n"
      "  --temperature T     0 (the default) picks the most likely token; else sample\n"
      "  --top-k K, --top-p P  sample among the K most likely tokens / the fewest whose\n"
      "                      probabilities reach P\n"
      "  --seed S            the sampler's seed (0)\n"
      "  --stop-ids IDS      stop after generating one of these ids\n");
  return 2;
}

/// Reports the runtime's last error, after `what` failed unless the message names the file.
int failed(const char *what = nullptr) {
  if (what)
    std::fprintf(stderr, "ssm-run: %s: %s\n", what, ssm_last_error());
  else
    std::fprintf(stderr, "ssm-run: %s\n", ssm_last_error());
  return 1;
}

std::string shapeString(const int64_t *shape, int32_t rank) {
  std::string s = "(";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + ")";
}

bool readFile(const char *path, std::string &out) {
  FILE *file = path == std::string("-") ? stdin : std::fopen(path, "rb");
  if (!file) {
    std::fprintf(stderr, "ssm-run: cannot open '%s': %s\n", path, std::strerror(errno));
    return false;
  }
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    out.append(buffer, n);
  bool ok = !std::ferror(file);
  if (file != stdin)
    std::fclose(file);
  if (!ok)
    std::fprintf(stderr, "ssm-run: cannot read '%s'\n", path);
  return ok;
}

/// Parses ids separated by `separator` (at least one); false on anything else.
bool parseIds(const std::string &text, char separator, std::vector<int32_t> &ids) {
  size_t pos = 0;
  while (true) {
    size_t end = text.find(separator, pos);
    std::string item = text.substr(pos, end == std::string::npos ? end : end - pos);
    char *stop = nullptr;
    long long id = std::strtoll(item.c_str(), &stop, 10);
    if (item.empty() || *stop || id < INT32_MIN || id > INT32_MAX)
      return false;
    ids.push_back(static_cast<int32_t>(id));
    if (end == std::string::npos)
      return true;
    pos = end + 1;
  }
}

bool encode(const ssm_tokenizer *tokenizer, std::string_view text, std::vector<int32_t> &ids) {
  size_t count = 0;
  if (ssm_tokenizer_encode(tokenizer, text.data(), text.size(), nullptr, 0, &count) != SSM_OK)
    return false;
  ids.assign(count, 0);
  return ssm_tokenizer_encode(tokenizer, text.data(), text.size(), ids.data(), ids.size(),
                              &count) == SSM_OK;
}

bool decode(const ssm_tokenizer *tokenizer, const std::vector<int32_t> &ids, bool skipSpecial,
            std::string &text) {
  size_t length = 0;
  if (ssm_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial, nullptr, 0, &length) !=
      SSM_OK)
    return false;
  text.assign(length + 1, '\0');
  if (ssm_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial, text.data(), text.size(),
                           &length) != SSM_OK)
    return false;
  text.resize(length);
  return true;
}

int hexDigit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string joinIds(const std::vector<int32_t> &ids, char separator) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i)
    s += (i ? std::string(1, separator) : "") + std::to_string(ids[i]);
  return s;
}

/// Answers the requests of a --batch file, one line each (see usage()).
int runBatch(const ssm_tokenizer *tokenizer, const char *path, bool skipSpecial) {
  std::string input;
  if (!readFile(path, input))
    return 1;
  size_t lineNumber = 0;
  for (size_t pos = 0; pos < input.size();) {
    size_t end = input.find('\n', pos);
    std::string line = input.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? input.size() : end + 1;
    ++lineNumber;
    auto bad = [&](const char *why) {
      std::fprintf(stderr, "ssm-run: %s:%zu: %s\n", path, lineNumber, why);
      return 1;
    };
    if (line.rfind("encode", 0) == 0 && (line.size() == 6 || line[6] == ' ')) {
      std::string hex = line.size() > 7 ? line.substr(7) : "", text;
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        int high = hexDigit(hex[i]), low = hexDigit(hex[i + 1]);
        if (high < 0 || low < 0)
          break;
        text += static_cast<char>(high << 4 | low);
      }
      if (text.size() * 2 != hex.size())
        return bad("'encode' takes the text's bytes as lowercase hex digits");
      std::vector<int32_t> ids;
      if (!encode(tokenizer, text, ids))
        return failed("encode");
      std::printf("%s\n", joinIds(ids, ' ').c_str());
    } else if (line.rfind("decode", 0) == 0 && (line.size() == 6 || line[6] == ' ')) {
      std::vector<int32_t> ids;
      if (line.size() > 7 && !parseIds(line.substr(7), ' ', ids))
        return bad("'decode' takes token ids separated by single spaces");
      std::string text;
      if (!decode(tokenizer, ids, skipSpecial, text))
        return failed("decode");
      for (unsigned char c : text)
        std::printf("%02x", c);
      std::printf("\n");
    } else {
      return bad("a request is 'encode HEX' or 'decode ID ID ...'");
    }
  }
  return 0;
}

/// The tokenizer options: one action (or none: print the vocabulary size).
struct TokenizerRequest {
  const char *tokenizer = nullptr, *prompt = nullptr, *promptFile = nullptr, *decodeIds = nullptr,
             *batch = nullptr;
  bool skipSpecial = false;
  int actions() const { return !!prompt + !!promptFile + !!decodeIds + !!batch; }
};

struct TokenizerGuard {
  ssm_tokenizer *t = nullptr;
  ~TokenizerGuard() { ssm_tokenizer_free(t); }
};

/// Loads the tokenizer `name` (a tokenizer.json or 'bytes') into `guard`.
bool loadTokenizer(const char *name, TokenizerGuard &guard) {
  ssm_status status = std::strcmp(name, "bytes") == 0 ? ssm_tokenizer_byte_level(&guard.t)
                                                      : ssm_tokenizer_load(name, &guard.t);
  return status == SSM_OK;
}

int runTokenizer(const TokenizerRequest &request) {
  TokenizerGuard guard;
  if (!loadTokenizer(request.tokenizer, guard))
    return failed(request.tokenizer);
  const ssm_tokenizer *tokenizer = guard.t;

  if (request.batch)
    return runBatch(tokenizer, request.batch, request.skipSpecial);
  if (request.prompt || request.promptFile) {
    std::string text;
    if (request.prompt)
      text = request.prompt;
    else if (!readFile(request.promptFile, text))
      return 1;
    std::vector<int32_t> ids;
    if (!encode(tokenizer, text, ids))
      return failed("encode");
    std::printf("%s\n", joinIds(ids, ',').c_str());
  } else if (request.decodeIds) {
    std::vector<int32_t> ids;
    std::string text;
    if (!parseIds(request.decodeIds, ',', ids)) {
      std::fprintf(stderr, "ssm-run: --decode-ids takes comma-separated integers\n");
      return 2;
    }
    if (!decode(tokenizer, ids, request.skipSpecial, text))
      return failed("decode");
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::printf("\n");
  } else {
    std::printf("tokenizer: %d token ids\n", ssm_tokenizer_vocab_size(tokenizer));
  }
  return 0;
}

/// What --generate asks for.
struct GenerateRequest {
  bool enabled = false;
  const char *promptIds = nullptr, *stopIds = nullptr;
  long maxNewTokens = 64;
  ssm_sampling sampling{0.0f, 0, 0.0f};
  uint64_t seed = 0;
};

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Continues `prompt` by up to request.maxNewTokens tokens. With a tokenizer the prompt's text
/// and the new text are printed as they come; without, the new ids at the end. The speeds go
/// to stderr.
int runGenerate(ssm_model *model, const GenerateRequest &request,
                const std::vector<int32_t> &prompt, const ssm_tokenizer *tokenizer) {
  ssm_session *session = nullptr;
  if (ssm_session_create(model, 1, &session) != SSM_OK)
    return failed();
  struct SessionGuard {
    ssm_session *s;
    ~SessionGuard() { ssm_session_free(s); }
  } guard{session};
  if (!ssm_session_has_state(session))
    std::fprintf(stderr, "ssm-run: note: the model has no decode-state inputs; each step runs "
                         "the whole sequence again (export with --state-io to avoid that)\n");
  std::vector<int32_t> stops;
  if (request.stopIds && !parseIds(request.stopIds, ',', stops)) {
    std::fprintf(stderr, "ssm-run: --stop-ids takes comma-separated integers\n");
    return 2;
  }

  std::string printed;
  auto show = [&](const std::vector<int32_t> &ids, bool last) {
    std::string text;
    if (!decode(tokenizer, ids, /*skipSpecial=*/false, text))
      return false;
    // An incomplete UTF-8 sequence decodes as U+FFFD: wait for the rest of it.
    if (!last && text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0)
      return true;
    // What was printed stays: only what follows the common prefix is new.
    size_t common = 0;
    while (common < printed.size() && common < text.size() && printed[common] == text[common])
      ++common;
    std::fwrite(text.data() + common, 1, text.size() - common, stdout);
    std::fflush(stdout);
    printed = text;
    return true;
  };
  if (tokenizer) {
    std::string text;
    if (!decode(tokenizer, prompt, false, text))
      return failed("decode");
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  auto start = std::chrono::steady_clock::now();
  if (ssm_session_feed(session, prompt.data(), static_cast<int64_t>(prompt.size())) != SSM_OK)
    return failed("prefill");
  double prefillMs = millisecondsSince(start);

  uint64_t rng = request.seed;
  std::vector<int32_t> generated;
  bool stopped = false;
  auto decodeStart = std::chrono::steady_clock::now();
  while (static_cast<long>(generated.size()) < request.maxNewTokens) {
    int32_t token = 0;
    if (ssm_sample(ssm_session_logits(session), ssm_session_vocab_size(session), &request.sampling,
                   &rng, &token) != SSM_OK)
      return failed("sample");
    generated.push_back(token);
    if (tokenizer && !show(generated, false))
      return failed("decode");
    if (std::find(stops.begin(), stops.end(), token) != stops.end()) {
      stopped = true;
      break;
    }
    if (static_cast<long>(generated.size()) == request.maxNewTokens)
      break;
    if (ssm_session_feed(session, &token, 1) != SSM_OK)
      return failed("decode step");
  }
  double decodeMs = millisecondsSince(decodeStart);
  if (tokenizer) {
    if (!show(generated, true))
      return failed("decode");
    std::printf("\n");
  } else {
    std::printf("%s\n", joinIds(generated, ',').c_str());
  }
  std::fflush(stdout);

  // The first new token comes from the prefill's logits; each later one from a decode step.
  size_t steps = generated.empty() ? 0 : generated.size() - 1;
  std::fprintf(stderr, "ssm-run: prefill: %zu tokens in %.2f ms (%.0f tokens/s)\n", prompt.size(),
               prefillMs, prompt.size() / (prefillMs / 1000));
  if (steps > 0)
    std::fprintf(stderr,
                 "ssm-run: decode: %zu tokens in %.2f ms (%.0f tokens/s, %.3f ms a token)%s\n",
                 steps, decodeMs, steps / (decodeMs / 1000), decodeMs / steps,
                 stopped ? "; stopped at a stop id" : "");
  return 0;
}

/// --generate: the prompt's ids from --prompt-ids or through the tokenizer.
int generateFrom(ssm_model *model, const GenerateRequest &request,
                 const TokenizerRequest &tokenize) {
  TokenizerGuard guard;
  if (tokenize.tokenizer && !loadTokenizer(tokenize.tokenizer, guard))
    return failed(tokenize.tokenizer);
  std::vector<int32_t> prompt;
  if (request.promptIds) {
    if (!parseIds(request.promptIds, ',', prompt)) {
      std::fprintf(stderr, "ssm-run: --prompt-ids takes comma-separated integers\n");
      return 2;
    }
  } else {
    std::string text;
    if (tokenize.prompt)
      text = tokenize.prompt;
    else if (!readFile(tokenize.promptFile, text))
      return 1;
    if (!encode(guard.t, text, prompt))
      return failed("encode");
    if (prompt.empty()) {
      std::fprintf(stderr, "ssm-run: the prompt is empty\n");
      return 2;
    }
  }
  return runGenerate(model, request, prompt, guard.t);
}

struct Tensors {
  std::vector<ssm_tensor *> list;
  ~Tensors() {
    for (ssm_tensor *t : list)
      ssm_tensor_free(t);
  }
};

} // namespace

int main(int argc, char **argv) {
  const char *modelPath = nullptr, *inputDir = nullptr, *outputDir = nullptr;
  int bench = 0, threads = 0;
  bool describe = false;
  TokenizerRequest tokenize;
  GenerateRequest generate;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--inputs") {
      inputDir = value();
    } else if (arg == "--outputs") {
      outputDir = value();
    } else if (arg == "--bench" || arg == "--threads") {
      const char *v = value();
      char *end = nullptr;
      long n = v ? std::strtol(v, &end, 10) : -1;
      if (!v || *end || n < 1 || n > 1000000)
        return usage();
      (arg == "--bench" ? bench : threads) = static_cast<int>(n);
    } else if (arg == "--describe") {
      describe = true;
    } else if (arg == "--generate") {
      generate.enabled = true;
    } else if (arg == "--prompt-ids" || arg == "--stop-ids") {
      const char *v = value();
      if (!v)
        return usage();
      (arg == "--prompt-ids" ? generate.promptIds : generate.stopIds) = v;
    } else if (arg == "--max-new-tokens" || arg == "--top-k" || arg == "--seed") {
      const char *v = value();
      char *end = nullptr;
      errno = 0;
      unsigned long long n = v ? std::strtoull(v, &end, 10) : 0;
      if (!v || *end || !*v || *v == '-' || errno ||
          (arg != "--seed" && n > (arg == "--top-k" ? INT32_MAX : 1000000)))
        return usage();
      if (arg == "--max-new-tokens")
        generate.maxNewTokens = static_cast<long>(n);
      else if (arg == "--top-k")
        generate.sampling.top_k = static_cast<int32_t>(n);
      else
        generate.seed = n;
    } else if (arg == "--temperature" || arg == "--top-p") {
      const char *v = value();
      char *end = nullptr;
      float x = v ? std::strtof(v, &end) : -1;
      if (!v || *end || !*v || !(x >= 0) || (arg == "--top-p" && x > 1) || x > 1e6f)
        return usage();
      (arg == "--temperature" ? generate.sampling.temperature : generate.sampling.top_p) = x;
    } else if (arg == "--tokenizer" || arg == "--prompt" || arg == "--prompt-file" ||
               arg == "--decode-ids" || arg == "--batch") {
      const char *v = value();
      if (!v)
        return usage();
      (arg == "--tokenizer"     ? tokenize.tokenizer
       : arg == "--prompt"      ? tokenize.prompt
       : arg == "--prompt-file" ? tokenize.promptFile
       : arg == "--decode-ids"  ? tokenize.decodeIds
                                : tokenize.batch) = v;
    } else if (arg == "--skip-special") {
      tokenize.skipSpecial = true;
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else if (!modelPath && arg[0] != '-') {
      modelPath = argv[i];
    } else {
      return usage();
    }
  }
  // Without a model only the tokenizer options make sense; with one, its options are needed.
  // --generate takes its prompt from --prompt-ids, or from --prompt or --prompt-file through
  // the tokenizer.
  bool modelWork = describe || inputDir || generate.enabled;
  bool textPrompt = generate.enabled && (tokenize.prompt || tokenize.promptFile);
  if (generate.enabled &&
      (describe || inputDir || bench || tokenize.decodeIds || tokenize.batch ||
       (textPrompt == !!generate.promptIds) || (textPrompt && !tokenize.tokenizer) ||
       (tokenize.prompt && tokenize.promptFile)))
    return usage();
  if (!generate.enabled && (generate.promptIds || generate.stopIds))
    return usage();
  if (tokenize.actions() > 1 || (tokenize.actions() && !tokenize.tokenizer) ||
      (tokenize.skipSpecial && !tokenize.tokenizer) || (modelPath != nullptr) != modelWork ||
      (!modelPath && !tokenize.tokenizer))
    return usage();
  if (tokenize.tokenizer && !generate.enabled) {
    int rc = runTokenizer(tokenize);
    if (rc != 0 || !modelPath)
      return rc;
  }

  ssm_model_options options{threads, 0};
  ssm_model *model = nullptr;
  if (ssm_model_load(modelPath, &options, &model) != SSM_OK)
    return failed();
  struct ModelGuard {
    ssm_model *m;
    ~ModelGuard() { ssm_model_free(m); }
  } guard{model};
  int32_t numInputs = ssm_model_num_inputs(model), numOutputs = ssm_model_num_outputs(model);

  if (generate.enabled)
    return generateFrom(model, generate, tokenize);

  if (describe) {
    std::printf("target: %s (host code for %s)\n", ssm_model_target(model),
                ssm_model_cpu_baseline(model));
    for (int32_t i = 0; i < numInputs; ++i)
      std::printf(
          "input %d: %s %s %s\n", i, ssm_model_input_name(model, i),
          ssm_dtype_name(ssm_model_input_dtype(model, i)),
          shapeString(ssm_model_input_shape(model, i), ssm_model_input_rank(model, i)).c_str());
    for (int32_t i = 0; i < numOutputs; ++i)
      std::printf("output %d: %s %s\n", i, ssm_model_output_name(model, i),
                  ssm_dtype_name(ssm_model_output_dtype(model, i)));
    return 0;
  }

  Tensors inputs, outputs;
  for (int32_t i = 0; i < numInputs; ++i) {
    std::string path = std::string(inputDir) + "/input_" + std::to_string(i) + ".pb";
    ssm_tensor *tensor = nullptr;
    if (ssm_tensor_read_pb(path.c_str(), &tensor) != SSM_OK)
      return failed();
    inputs.list.push_back(tensor);
  }
  outputs.list.assign(numOutputs, nullptr);

  auto runOnce = [&]() {
    for (ssm_tensor *&t : outputs.list) {
      ssm_tensor_free(t);
      t = nullptr;
    }
    return ssm_model_run(model, inputs.list.data(), numInputs, outputs.list.data(), numOutputs);
  };
  if (runOnce() != SSM_OK)
    return failed("run");

  if (bench > 0) {
    // Timed runs read their inputs from memory, not from a cache warmed by the last run (a
    // GPU backend overwrites its L2 before each run; SSM_FLUSH_L2=0 turns that off).
    setenv("SSM_FLUSH_L2", "1", /*overwrite=*/0);
    std::vector<double> times, device;
    for (int i = 0; i < bench; ++i) {
      auto start = std::chrono::steady_clock::now();
      if (runOnce() != SSM_OK)
        return failed("run");
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      if (ssm_last_run_device_ms() >= 0)
        device.push_back(ssm_last_run_device_ms());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    std::sort(times.begin(), times.end());
    std::printf("bench: %d runs (after 1 warm-up), median %.3f ms, min %.3f ms, max %.3f ms\n",
                bench, median(times), times.front(), times.back());
    if (!device.empty()) {
      std::sort(device.begin(), device.end());
      std::printf("bench: on the GPU (first kernel start to last kernel end, L2 flushed "
                  "before): median %.4f ms, min %.4f ms\n",
                  median(device), device.front());
    }
  }

  if (outputDir) {
    std::error_code error;
    std::filesystem::create_directories(outputDir, error);
    if (error) {
      std::fprintf(stderr, "ssm-run: cannot create '%s': %s\n", outputDir, error.message().c_str());
      return 1;
    }
    // All outputs or none: each is written under a temporary name first, and renamed only
    // once every one of them has been written.
    std::string suffix = ".tmp-" + std::to_string(getpid());
    std::vector<std::string> paths, written;
    auto removeWritten = [&] {
      for (const std::string &temp : written)
        std::remove(temp.c_str());
    };
    for (int32_t i = 0; i < numOutputs; ++i) {
      paths.push_back(std::string(outputDir) + "/output_" + std::to_string(i) + ".pb");
      std::string temp = paths.back() + suffix;
      if (ssm_tensor_write_pb(outputs.list[i], ssm_model_output_name(model, i), temp.c_str()) !=
          SSM_OK) {
        removeWritten();
        return failed(paths.back().c_str());
      }
      written.push_back(temp);
    }
    for (int32_t i = 0; i < numOutputs; ++i) {
      if (std::rename(written[i].c_str(), paths[i].c_str()) != 0) {
        std::fprintf(stderr, "ssm-run: cannot write '%s': %s\n", paths[i].c_str(),
                     std::strerror(errno));
        written.erase(written.begin(), written.begin() + i);
        removeWritten();
        return 1;
      }
    }
  }
  return 0;
}
