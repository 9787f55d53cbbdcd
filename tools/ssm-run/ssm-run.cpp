//===- ssm-run.cpp - run a compiled artifact ------------------------------===//
//
// ssm-run MODEL.ssmx --inputs DIR --outputs DIR [--bench N] [--threads N]
// ssm-run MODEL.ssmx --describe
//
// Inputs are DIR/input_K.pb (serialized ONNX TensorProtos, the K-th input in the model's order)
// and outputs DIR/output_K.pb, as in ONNX's node tests. Built with the runtime alone: no MLIR.
//
//===----------------------------------------------------------------------===//

#include "ssm/runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

int usage() {
  std::fprintf(stderr, "usage: ssm-run MODEL.ssmx --inputs DIR [--outputs DIR] [--bench N] "
                       "[--threads N]\n"
                       "       ssm-run MODEL.ssmx --describe\n");
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
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else if (!modelPath && arg[0] != '-') {
      modelPath = argv[i];
    } else {
      return usage();
    }
  }
  if (!modelPath || (!describe && !inputDir))
    return usage();

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
