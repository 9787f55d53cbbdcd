//===- selective_scan_plain.cpp - the selective scan written plainly ------===//
//
// The Mamba-1 selective scan (ssm.selective_scan with D, z, delta_bias and delta_softplus) as
// straightforward C++: loops in the natural order (b, d, t, n), libm exp/log1p, no intrinsics,
// the (b, d) rows split evenly over std::threads. It is the baseline that
// run_selective_scan.sh compares `ssm-run --bench` against.
//
//   selective_scan_plain INPUT_DIR [--ref DIR] [--runs N] [--threads N]
//
// Reads INPUT_DIR/input_K.pb (ONNX TensorProtos, f32, in the op's operand order u, delta, A,
// B, C, D, z, delta_bias), times one warm-up plus N runs (output allocation included, as in
// ssm-run) and prints the median in ssm-run's format. With --ref, checks y and h_last against
// DIR/output_0.pb and DIR/output_1.pb and fails if they differ by more than a tolerance.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Tensor {
  std::vector<int64_t> dims;
  std::vector<float> data;
};

// --- A minimal reader of f32 ONNX TensorProtos -------------------------------------------------

uint64_t readVarint(const uint8_t *&p, const uint8_t *end) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p == end)
      throw std::runtime_error("truncated varint");
    uint8_t byte = *p++;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return value;
  }
  throw std::runtime_error("varint too long");
}

// Fields used: 1 dims (int64, packed or not), 2 data_type (1 = FLOAT), 4 float_data (packed),
// 9 raw_data. Everything else is skipped.
Tensor readTensor(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  const uint8_t *p = bytes.data(), *end = p + bytes.size();
  Tensor t;
  uint64_t dataType = 0;
  while (p < end) {
    uint64_t key = readVarint(p, end);
    uint64_t field = key >> 3, wire = key & 7;
    if (wire == 0) {
      uint64_t v = readVarint(p, end);
      if (field == 1)
        t.dims.push_back(static_cast<int64_t>(v));
      else if (field == 2)
        dataType = v;
    } else if (wire == 2) {
      uint64_t len = readVarint(p, end);
      if (len > static_cast<uint64_t>(end - p))
        throw std::runtime_error(path + ": truncated field");
      const uint8_t *q = p, *fieldEnd = p + len;
      if (field == 1) {
        while (q < fieldEnd)
          t.dims.push_back(static_cast<int64_t>(readVarint(q, fieldEnd)));
      } else if (field == 4 || field == 9) {
        t.data.resize(len / sizeof(float));
        std::memcpy(t.data.data(), q, t.data.size() * sizeof(float)); // little-endian host
      }
      p = fieldEnd;
    } else if (wire == 1 || wire == 5) {
      p += wire == 1 ? 8 : 4;
    } else {
      throw std::runtime_error(path + ": unsupported wire type");
    }
  }
  if (dataType != 1)
    throw std::runtime_error(path + ": only f32 tensors are supported");
  int64_t count = 1;
  for (int64_t d : t.dims)
    count *= d;
  if (static_cast<int64_t>(t.data.size()) != count)
    throw std::runtime_error(path + ": data does not match dims");
  return t;
}

// --- The scan ----------------------------------------------------------------------------------

float softplus(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::abs(x))); }

float silu(float x) { return x / (1.0f + std::exp(-x)); }

struct Problem {
  int64_t batch, dim, state, length, groups;
  const float *u, *delta, *A, *B, *C, *D, *z, *deltaBias;
  float *y, *hLast;
};

// Rows [begin, end) of the flattened (b, d) range.
void scanRows(const Problem &p, int64_t begin, int64_t end) {
  std::vector<float> h(p.state);
  int64_t dimsPerGroup = p.dim / p.groups;
  for (int64_t row = begin; row < end; ++row) {
    int64_t b = row / p.dim, d = row % p.dim, g = d / dimsPerGroup;
    const float *u = p.u + row * p.length, *delta = p.delta + row * p.length;
    const float *z = p.z + row * p.length, *A = p.A + d * p.state;
    const float *B = p.B + (b * p.groups + g) * p.state * p.length;
    const float *C = p.C + (b * p.groups + g) * p.state * p.length;
    float *y = p.y + row * p.length;
    std::fill(h.begin(), h.end(), 0.0f);
    for (int64_t t = 0; t < p.length; ++t) {
      float dt = softplus(delta[t] + p.deltaBias[d]);
      float acc = 0.0f;
      for (int64_t n = 0; n < p.state; ++n) {
        h[n] = std::exp(dt * A[n]) * h[n] + dt * B[n * p.length + t] * u[t];
        acc += C[n * p.length + t] * h[n];
      }
      y[t] = (acc + p.D[d] * u[t]) * silu(z[t]);
    }
    std::copy(h.begin(), h.end(), p.hLast + row * p.state);
  }
}

void scan(const Problem &p, int threads) {
  int64_t rows = p.batch * p.dim;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    int64_t begin = rows * i / threads, end = rows * (i + 1) / threads;
    pool.emplace_back(scanRows, std::cref(p), begin, end);
  }
  for (std::thread &t : pool)
    t.join();
}

// max |out - ref| / max |ref|: one number per output, independent of the data's scale.
double relativeError(const float *out, const std::vector<float> &ref) {
  double maxErr = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    maxErr = std::max(maxErr, std::abs(static_cast<double>(out[i]) - ref[i]));
    maxRef = std::max(maxRef, std::abs(static_cast<double>(ref[i])));
  }
  return maxRef > 0 ? maxErr / maxRef : maxErr;
}

int usage() {
  std::fprintf(stderr, "usage: selective_scan_plain INPUT_DIR [--ref DIR] [--runs N] "
                       "[--threads N]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string inputDir, refDir;
  int runs = 20, threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--ref" || arg == "--runs" || arg == "--threads") && i + 1 < argc) {
      const char *v = argv[++i];
      if (arg == "--ref")
        refDir = v;
      else
        (arg == "--runs" ? runs : threads) = std::atoi(v);
    } else if (inputDir.empty() && arg[0] != '-') {
      inputDir = arg;
    } else {
      return usage();
    }
  }
  if (inputDir.empty() || runs < 1 || threads < 1)
    return usage();

  try {
    std::vector<Tensor> in;
    for (int k = 0; k < 8; ++k)
      in.push_back(readTensor(inputDir + "/input_" + std::to_string(k) + ".pb"));
    const Tensor &u = in[0], &A = in[2], &B = in[3];
    Problem p{u.dims.at(0),      u.dims.at(1),      A.dims.at(1),
              u.dims.at(2),      B.dims.at(1),      in[0].data.data(),
              in[1].data.data(), in[2].data.data(), in[3].data.data(),
              in[4].data.data(), in[5].data.data(), in[6].data.data(),
              in[7].data.data(), nullptr,           nullptr};
    int64_t rows = p.batch * p.dim;
    threads = static_cast<int>(std::min<int64_t>(threads, rows));
    std::printf("plain: B=%lld D=%lld N=%lld L=%lld G=%lld, %d threads\n",
                static_cast<long long>(p.batch), static_cast<long long>(p.dim),
                static_cast<long long>(p.state), static_cast<long long>(p.length),
                static_cast<long long>(p.groups), threads);

    // One call: allocate the outputs (uninitialised, as a runtime would) and scan.
    std::unique_ptr<float[]> y, hLast;
    auto runOnce = [&]() {
      y.reset(new float[rows * p.length]);
      hLast.reset(new float[rows * p.state]);
      p.y = y.get();
      p.hLast = hLast.get();
      scan(p, threads);
    };
    runOnce();
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
      auto start = std::chrono::steady_clock::now();
      runOnce();
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(times.begin(), times.end());
    double median = times.size() % 2 ? times[times.size() / 2]
                                     : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
    std::printf("bench: %d runs (after 1 warm-up), median %.3f ms, min %.3f ms, max %.3f ms\n",
                runs, median, times.front(), times.back());

    if (!refDir.empty()) {
      Tensor refY = readTensor(refDir + "/output_0.pb");
      Tensor refH = readTensor(refDir + "/output_1.pb");
      if (refY.data.size() != static_cast<size_t>(rows * p.length) ||
          refH.data.size() != static_cast<size_t>(rows * p.state))
        throw std::runtime_error("reference outputs have the wrong size");
      double errY = relativeError(y.get(), refY.data), errH = relativeError(hLast.get(), refH.data);
      bool ok = errY <= 1e-4 && errH <= 1e-4 && std::isfinite(errY) && std::isfinite(errH);
      std::printf("check: y rel err %.2e, h_last rel err %.2e (limit 1e-04): %s\n", errY, errH,
                  ok ? "ok" : "FAILED");
      if (!ok)
        return 1;
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "selective_scan_plain: %s\n", e.what());
    return 1;
  }
  return 0;
}
