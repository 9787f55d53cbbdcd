//===- SamplingTest.cpp - ssm_sample against the distributions it must draw ===//
//
// Draw counts are held to the expected probabilities (softmax of logits / temperature, cut to
// the top k or top p and renormalized) by Pearson's chi-square statistic, with a bound the
// statistic passes with probability 1 - 1e-6; the seeds are fresh each run and printed.
//
//===----------------------------------------------------------------------===//

#include "ssm/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

/// Chi-square bounds at p = 1e-6 for 1 to 7 degrees of freedom.
constexpr double kChiSquareBound[] = {0, 23.93, 27.63, 30.66, 33.38, 35.89, 38.26, 40.52};

uint64_t freshSeed() {
  std::random_device device;
  return (uint64_t(device()) << 32) | device();
}

/// Draws `count` tokens and returns how often each id came.
std::vector<int64_t> draw(const std::vector<float> &logits, ssm_sampling sampling, uint64_t seed,
                          int count) {
  std::vector<int64_t> counts(logits.size());
  uint64_t rng = seed;
  for (int i = 0; i < count; ++i) {
    int32_t token = -1;
    EXPECT_EQ(
        ssm_sample(logits.data(), static_cast<int32_t>(logits.size()), &sampling, &rng, &token),
        SSM_OK)
        << ssm_last_error();
    EXPECT_GE(token, 0);
    EXPECT_LT(token, static_cast<int32_t>(logits.size()));
    if (token >= 0 && token < static_cast<int32_t>(logits.size()))
      ++counts[token];
  }
  return counts;
}

/// Checks `counts` against `probabilities` (ids of probability 0 must never come).
void expectDistribution(const std::vector<int64_t> &counts,
                        const std::vector<double> &probabilities, uint64_t seed) {
  int64_t total = 0;
  for (int64_t c : counts)
    total += c;
  double statistic = 0;
  int kept = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (probabilities[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "id " << i << " has probability 0; seed " << seed;
      continue;
    }
    double expected = probabilities[i] * total;
    statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
    ++kept;
  }
  ASSERT_GE(kept, 2);
  EXPECT_LT(statistic, kChiSquareBound[kept - 1]) << "seed " << seed;
}

std::vector<double> softmax(const std::vector<float> &logits, double temperature) {
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    sum += p[i] = std::exp(logits[i] / temperature);
  for (double &x : p)
    x /= sum;
  return p;
}

TEST(Sampling, GreedyTakesTheLargestLogitAndTheLowestIdAmongEquals) {
  std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f, 1.9f};
  int32_t token = -1;
  ASSERT_EQ(ssm_sample(logits.data(), 5, nullptr, nullptr, &token), SSM_OK);
  EXPECT_EQ(token, 1);
  ssm_sampling greedy{0.0f, 3, 0.5f};
  ASSERT_EQ(ssm_sample(logits.data(), 5, &greedy, nullptr, &token), SSM_OK);
  EXPECT_EQ(token, 1);
  ssm_sampling topOne{1.0f, 1, 0.0f};
  uint64_t rng = freshSeed();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(ssm_sample(logits.data(), 5, &topOne, &rng, &token), SSM_OK);
    EXPECT_EQ(token, 1);
  }
}

TEST(Sampling, TemperatureScalesTheSoftmax) {
  std::vector<float> logits = {1.0f, 0.0f, -0.5f, 0.7f, -std::numeric_limits<float>::infinity()};
  for (float temperature : {1.0f, 0.5f, 2.0f}) {
    uint64_t seed = freshSeed();
    expectDistribution(draw(logits, {temperature, 0, 0.0f}, seed, 40000),
                       softmax(logits, temperature), seed);
  }
}

TEST(Sampling, TopKKeepsTheKMostLikely) {
  std::vector<float> logits = {0.1f, 1.5f, -0.3f, 1.2f, 0.9f, -2.0f};
  std::vector<double> p = softmax(logits, 1.0);
  std::vector<double> expected(p.size(), 0.0);
  double kept = p[1] + p[3] + p[4];
  for (int i : {1, 3, 4})
    expected[i] = p[i] / kept;
  uint64_t seed = freshSeed();
  expectDistribution(draw(logits, {1.0f, 3, 0.0f}, seed, 40000), expected, seed);
}

TEST(Sampling, TopPKeepsTheFewestThatReachP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: p = 0.75 keeps the first two (0.5 < 0.75 <= 0.8).
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  uint64_t seed = freshSeed();
  expectDistribution(draw(logits, {1.0f, 0, 0.75f}, seed, 40000), {0.625, 0.375, 0.0, 0.0}, seed);
  // p = 0.45 keeps the first alone.
  std::vector<int64_t> first = draw(logits, {1.0f, 0, 0.45f}, seed, 1000);
  EXPECT_EQ(first[0], 1000);
}

TEST(Sampling, TheSameSeedDrawsTheSameTokens) {
  std::vector<float> logits(50);
  std::mt19937 gen(static_cast<uint32_t>(freshSeed()));
  std::normal_distribution<float> normal;
  for (float &l : logits)
    l = normal(gen);
  uint64_t seed = freshSeed(), a = seed, b = seed;
  ssm_sampling sampling{0.8f, 20, 0.9f};
  std::vector<int32_t> first, second;
  for (int i = 0; i < 100; ++i) {
    int32_t x = -1, y = -1;
    ASSERT_EQ(ssm_sample(logits.data(), 50, &sampling, &a, &x), SSM_OK);
    ASSERT_EQ(ssm_sample(logits.data(), 50, &sampling, &b, &y), SSM_OK);
    first.push_back(x);
    second.push_back(y);
  }
  EXPECT_EQ(first, second);
  EXPECT_NE(a, seed); // the state advanced
}

TEST(Sampling, RefusesBadArguments) {
  std::vector<float> logits = {0.0f, 1.0f};
  uint64_t rng = 1;
  int32_t token = -1;
  ssm_sampling negative{-1.0f, 0, 0.0f};
  EXPECT_EQ(ssm_sample(logits.data(), 2, &negative, &rng, &token), SSM_ERROR_INVALID_ARGUMENT);
  ssm_sampling badP{1.0f, 0, 1.5f};
  EXPECT_EQ(ssm_sample(logits.data(), 2, &badP, &rng, &token), SSM_ERROR_INVALID_ARGUMENT);
  ssm_sampling badK{1.0f, -2, 0.0f};
  EXPECT_EQ(ssm_sample(logits.data(), 2, &badK, &rng, &token), SSM_ERROR_INVALID_ARGUMENT);
  ssm_sampling sampled{1.0f, 0, 0.0f};
  EXPECT_EQ(ssm_sample(logits.data(), 2, &sampled, nullptr, &token), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ssm_sample(logits.data(), 0, nullptr, nullptr, &token), SSM_ERROR_INVALID_ARGUMENT);

  std::vector<float> nan = {0.0f, std::nanf("")};
  EXPECT_EQ(ssm_sample(nan.data(), 2, nullptr, nullptr, &token), SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(ssm_last_error()).find("logit 1"), std::string::npos) << ssm_last_error();
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> allMinusInf = {-inf, -inf};
  EXPECT_EQ(ssm_sample(allMinusInf.data(), 2, nullptr, nullptr, &token),
            SSM_ERROR_INVALID_ARGUMENT);
  std::vector<float> plusInf = {0.0f, inf};
  EXPECT_EQ(ssm_sample(plusInf.data(), 2, nullptr, nullptr, &token), SSM_ERROR_INVALID_ARGUMENT);
}

} // namespace
