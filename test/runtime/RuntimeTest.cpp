//===- RuntimeTest.cpp - loading and running artifacts --------------------===//
//
// The artifacts come from test/runtime/artifacts/*.mlir, compiled by ssm-compile when the
// runtime is built inside the whole project.
//
//===----------------------------------------------------------------------===//

#include "ssm/runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

// The tests of allocation failure ask for more memory than the sanitizers' allocators serve:
// they must then return null, as the C library does, instead of stopping the program.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1"; }
#endif
#if __has_feature(thread_sanitizer)
extern "C" const char *__tsan_default_options() { return "allocator_may_return_null=1"; }
#endif
#endif

namespace {

std::string artifact(const char *name) {
  return std::string(SSM_TEST_ARTIFACT_DIR) + "/" + name + ".ssmx";
}

ssm::Tensor randomTensor(std::vector<int64_t> shape, unsigned seed) {
  ssm::Tensor t = ssm::Tensor::create(SSM_DTYPE_F32, std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = normal(rng);
  return t;
}

/// The RMS norm of rows of 16, computed here in double.
std::vector<float> rmsNorm(const ssm::Tensor &x, const ssm::Tensor &w) {
  std::vector<float> y(static_cast<size_t>(x.numElements()));
  for (int64_t r = 0; r < x.numElements() / 16; ++r) {
    double sum = 0;
    for (int c = 0; c < 16; ++c)
      sum += double(x.data<float>()[r * 16 + c]) * x.data<float>()[r * 16 + c];
    double scale = 1.0 / std::sqrt(sum / 16 + 1e-6);
    for (int c = 0; c < 16; ++c)
      y[r * 16 + c] = static_cast<float>(x.data<float>()[r * 16 + c] * scale * w.data<float>()[c]);
  }
  return y;
}

void expectNear(const ssm::Tensor &got, const std::vector<float> &want) {
  ASSERT_EQ(got.numElements(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want[i], 1e-5f * (1 + std::fabs(want[i]))) << "at " << i;
}

TEST(Runtime, LoadReportsMissingFile) {
  ssm::Model model;
  ssm::Error e = ssm::Model::load("/nonexistent/model.ssmx", model);
  EXPECT_EQ(e.status, SSM_ERROR_IO);
  EXPECT_NE(e.message.find("/nonexistent/model.ssmx"), std::string::npos) << e.message;
}

TEST(Runtime, LoadRejectsTruncatedAndCorruptFiles) {
  std::ifstream in(artifact("rms_norm"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::string path = testing::TempDir() + "/damaged.ssmx";
  for (size_t cut : {size_t(10), size_t(100), bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary) << bytes.substr(0, cut);
    ssm::Model model;
    ssm::Error e = ssm::Model::load(path, model);
    EXPECT_EQ(e.status, SSM_ERROR_FORMAT) << "cut at " << cut << ": " << e.message;
  }
  // Flip one byte in every section (and the table): each is caught by a checksum or a check.
  for (size_t at = 64; at < bytes.size(); at += bytes.size() / 37) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    std::ofstream(path, std::ios::binary) << damaged;
    ssm::Model model;
    ssm::Error e = ssm::Model::load(path, model);
    EXPECT_EQ(e.status, SSM_ERROR_FORMAT) << "byte " << at << ": " << e.message;
  }
  std::remove(path.c_str());
}

TEST(Runtime, RunsAndValidatesInputs) {
  ssm::Model model;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), model)) << ssm_last_error();
  EXPECT_EQ(model.target(), "cpu");
  EXPECT_EQ(model.numInputs(), 2);
  EXPECT_EQ(model.inputName(0), "x");
  EXPECT_EQ(model.outputName(0), "y");
  ssm::Tensor x = randomTensor({5, 16}, 1), w = randomTensor({16}, 2);
  std::vector<ssm::Tensor> out;
  ASSERT_FALSE(model.run({&x, &w}, out)) << ssm_last_error();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{5, 16}));
  expectNear(out[0], rmsNorm(x, w));

  ssm::Error e = model.run({&x}, out);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("takes 2 inputs"), std::string::npos) << e.message;
  ssm::Tensor wrongDim = randomTensor({5, 15}, 3);
  e = model.run({&wrongDim, &w}, out);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("input #0 'x' must have shape (?, 16), got (5, 15)"), std::string::npos)
      << e.message;
  ssm::Tensor wrongType = ssm::Tensor::create(SSM_DTYPE_F16, {16});
  e = model.run({&x, &wrongType}, out);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("must be f32, got f16"), std::string::npos) << e.message;
  e = model.run({&x, nullptr}, out);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
}

TEST(Runtime, EmptyBatch) {
  ssm::Model model;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), model));
  ssm::Tensor x = ssm::Tensor::create(SSM_DTYPE_F32, {0, 16}), w = randomTensor({16}, 2);
  std::vector<ssm::Tensor> out;
  ASSERT_FALSE(model.run({&x, &w}, out)) << ssm_last_error();
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{0, 16}));
}

TEST(Runtime, FailedCheckIsAnError) {
  ssm::Model model;
  ASSERT_FALSE(ssm::Model::load(artifact("conv"), model));
  ssm::Tensor x = randomTensor({2, 6, 9}, 4), w = randomTensor({5, 4}, 5);
  std::vector<ssm::Tensor> out;
  ssm::Error e = model.run({&x, &w}, out);
  EXPECT_EQ(e.status, SSM_ERROR_EXECUTION);
  EXPECT_NE(e.message.find("ssm.causal_conv1d: dimension 0 of 'w' must equal dimension 1 of "
                           "'x' (got 5 and 6)"),
            std::string::npos)
      << e.message;
  ssm::Tensor good = randomTensor({6, 4}, 6);
  ASSERT_FALSE(model.run({&x, &good}, out)) << ssm_last_error();
  EXPECT_EQ(out[1].shape(), (std::vector<int64_t>{2, 6, 3}));
}

TEST(Runtime, OutputsAliasingInputsAreCopied) {
  ssm::Model model;
  ASSERT_FALSE(ssm::Model::load(artifact("identity"), model));
  ssm::Tensor x = ssm::Tensor::create(SSM_DTYPE_BF16, {7});
  for (int i = 0; i < 7; ++i)
    x.data<uint16_t>()[i] = static_cast<uint16_t>(0x3f80 + i);
  std::vector<ssm::Tensor> out;
  ASSERT_FALSE(model.run({&x}, out)) << ssm_last_error();
  EXPECT_NE(out[0].data<uint16_t>(), x.data<uint16_t>());
  x.data<uint16_t>()[3] = 0;
  EXPECT_EQ(out[0].data<uint16_t>()[3], 0x3f83);
}

TEST(Runtime, ConcurrentRunsOnOneModel) {
  ssm::Model model;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), model, /*numThreads=*/3));
  std::vector<std::thread> threads;
  std::vector<int> failures(6, 0);
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        ssm::Tensor x = randomTensor({int64_t(1 + (t * 7 + i) % 40), 16}, 100 * t + i);
        ssm::Tensor w = randomTensor({16}, 7);
        std::vector<ssm::Tensor> out;
        if (model.run({&x, &w}, out)) {
          ++failures[t];
          continue;
        }
        std::vector<float> want = rmsNorm(x, w);
        for (size_t k = 0; k < want.size(); ++k)
          if (std::fabs(out[0].data<float>()[k] - want[k]) > 1e-5f * (1 + std::fabs(want[k])))
            ++failures[t];
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 6; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(Runtime, ConcurrentSessionsKeepTheirOwnErrors) {
  // Threads load, run and free models of their own while others share one model; some runs
  // fail on purpose, and each thread must see its own failure's message.
  ssm::Model shared;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), shared, /*numThreads=*/2));
  std::vector<std::thread> threads;
  std::vector<std::string> problems(8);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        ssm::Model own;
        const ssm::Model *model = &shared;
        if (t % 2) {
          if (ssm::Error e = ssm::Model::load(artifact("rms_norm"), own, /*numThreads=*/2)) {
            problems[t] = "load: " + e.message;
            return;
          }
          model = &own;
        }
        int64_t width = (t + i) % 3 ? 16 : 15; // every third run has a wrong width
        ssm::Tensor x = randomTensor({int64_t(1 + i), width}, 10 * t + i);
        ssm::Tensor w = randomTensor({16}, 7);
        std::vector<ssm::Tensor> out;
        ssm::Error e = model->run({&x, &w}, out);
        std::string expected = width == 16 ? "" : "got (" + std::to_string(1 + i) + ", 15)";
        if (width == 16 && e) {
          problems[t] = "run: " + e.message;
        } else if (width != 16 && e.message.find(expected) == std::string::npos) {
          problems[t] = "expected '" + expected + "', got '" + e.message + "'";
        } else if (width == 16) {
          std::vector<float> want = rmsNorm(x, w);
          for (size_t k = 0; k < want.size(); ++k)
            if (std::fabs(out[0].data<float>()[k] - want[k]) > 1e-5f * (1 + std::fabs(want[k])))
              problems[t] = "wrong result at " + std::to_string(k);
        }
        if (!problems[t].empty())
          return;
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 8; ++t)
    EXPECT_EQ(problems[t], "") << "thread " << t;
}

TEST(Runtime, TensorLimits) {
  ssm_tensor *t = nullptr;
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(ssm_tensor_create(SSM_DTYPE_F32, nine, 9, &t), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(ssm_last_error(), "ssm_tensor_create: rank 9 is outside [0, 8]");
  int64_t negative[2] = {3, -1};
  EXPECT_EQ(ssm_tensor_create(SSM_DTYPE_F32, negative, 2, &t), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(ssm_last_error(), "ssm_tensor_create: shape (3, -1) has a negative dimension");
  // Empty, but compiled code would multiply 2^62 by the other sizes.
  int64_t emptyButHuge[2] = {0, int64_t(1) << 62};
  EXPECT_EQ(ssm_tensor_create(SSM_DTYPE_F32, emptyButHuge, 2, &t), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(
      std::string(ssm_last_error()).find("shape (0, 4611686018427387904) of f32 is too large"),
      std::string::npos)
      << ssm_last_error();
  int64_t overflowing[3] = {int64_t(1) << 40, int64_t(1) << 40, 4};
  EXPECT_EQ(ssm_tensor_create(SSM_DTYPE_I8, overflowing, 3, &t), SSM_ERROR_INVALID_ARGUMENT);
  // Within the limit but more than this machine has: the allocation fails cleanly.
  int64_t tooMuch[2] = {int64_t(1) << 22, int64_t(1) << 22};
  EXPECT_EQ(ssm_tensor_create(SSM_DTYPE_F64, tooMuch, 2, &t), SSM_ERROR_OUT_OF_MEMORY);
  EXPECT_STREQ(ssm_last_error(), "ssm_tensor_create: cannot allocate 140737488355328 bytes for "
                                 "shape (4194304, 4194304) of f64");
  EXPECT_EQ(t, nullptr);
}

TEST(Runtime, TensorFilesOverTheLimits) {
  std::string path = testing::TempDir() + "/limits.pb";
  // dims (0, 2^62) of FLOAT, no data: a valid TensorProto that the runtime refuses.
  {
    std::ofstream out(path, std::ios::binary);
    const unsigned char proto[] = {0x0a, 0x0a, 0x00, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x80, 0x40, 0x10, 0x01};
    out.write(reinterpret_cast<const char *>(proto), sizeof(proto));
  }
  ssm::Tensor t;
  ssm::Error e = ssm::Tensor::readPb(path, t);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(e.message.rfind("'" + path + "': ssm_tensor_create: shape (0, 4611686018427387904)", 0),
            0u)
      << e.message;
  // Rank 9.
  {
    std::ofstream out(path, std::ios::binary);
    const unsigned char proto[] = {0x0a, 0x09, 1,    1,    1,    1, 1, 1, 1, 1,
                                   1,    0x10, 0x01, 0x4a, 0x04, 0, 0, 0, 0};
    out.write(reinterpret_cast<const char *>(proto), sizeof(proto));
  }
  e = ssm::Tensor::readPb(path, t);
  EXPECT_EQ(e.status, SSM_ERROR_UNSUPPORTED);
  EXPECT_EQ(e.message, "'" + path + "': rank 9 is above 8");
  std::remove(path.c_str());
}

TEST(Runtime, GenericBaselineGivesTheSameResults) {
  ssm::Model fast, generic;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), fast));
  setenv("SSM_CPU_BASELINE", "x86-64", 1);
  ssm::Error e = ssm::Model::load(artifact("rms_norm"), generic);
  unsetenv("SSM_CPU_BASELINE");
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(generic.cpuBaseline(), "x86-64");
  ssm::Tensor x = randomTensor({9, 16}, 8), w = randomTensor({16}, 9);
  std::vector<ssm::Tensor> a, b;
  ASSERT_FALSE(fast.run({&x, &w}, a));
  ASSERT_FALSE(generic.run({&x, &w}, b));
  expectNear(b[0], rmsNorm(x, w));
}

TEST(Runtime, TensorFilesRoundTrip) {
  ssm::Tensor x = randomTensor({3, 4}, 10);
  std::string path = testing::TempDir() + "/roundtrip.pb";
  ASSERT_FALSE(x.writePb(path, "x"));
  ssm::Tensor y;
  ASSERT_FALSE(ssm::Tensor::readPb(path, y));
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(std::memcmp(x.data<float>(), y.data<float>(), x.numBytes()), 0);
  std::remove(path.c_str());
  EXPECT_EQ(ssm::Tensor::readPb(path, y).status, SSM_ERROR_IO);
}

} // namespace
