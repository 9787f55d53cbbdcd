//===- ssm-run.cpp - run a compiled artifact ------------------------------===//
//
// ssm-run MODEL.ssmx --inputs DIR --outputs DIR [--bench N] [--threads N]
// ssm-run MODEL.ssmx --describe
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
      "  (without an action, --tokenizer prints the vocabulary size)\n");
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

int runTokenizer(const TokenizerRequest &request) {
  ssm_tokenizer *tokenizer = nullptr;
  ssm_status status = std::strcmp(request.tokenizer, "bytes") == 0
                          ? ssm_tokenizer_byte_level(&tokenizer)
                          : ssm_tokenizer_load(request.tokenizer, &tokenizer);
  if (status != SSM_OK)
    return failed(request.tokenizer);
  struct TokenizerGuard {
    ssm_tokenizer *t;
    ~TokenizerGuard() { ssm_tokenizer_free(t); }
  } guard{tokenizer};

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
  bool modelWork = describe || inputDir;
  if (tokenize.actions() > 1 || (tokenize.actions() && !tokenize.tokenizer) ||
      (tokenize.skipSpecial && !tokenize.tokenizer) || (modelPath != nullptr) != modelWork ||
      (!modelPath && !tokenize.tokenizer))
    return usage();
  if (tokenize.tokenizer) {
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
