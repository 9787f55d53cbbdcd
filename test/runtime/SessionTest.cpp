//===- SessionTest.cpp - generation sessions over the bundled demo model --===//
//
// demo.ssmx is models/demo/model.onnx (a byte-level Mamba with decode-state inputs and
// outputs), compiled by ssm-compile; test/runtime/generation.py holds its greedy tokens to
// transformers' own. These tests check what the session adds: batches, forks, resets, errors.
//
//===----------------------------------------------------------------------===//

#include "ssm/runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

std::string artifact(const char *name) {
  return std::string(SSM_TEST_ARTIFACT_DIR) + "/" + name + ".ssmx";
}

std::vector<int32_t> bytes(const std::string &text) { return {text.begin(), text.end()}; }

/// Greedy tokens of every sequence, `count` steps from the session's current logits.
std::vector<std::vector<int32_t>> greedy(ssm::Session &session, int count) {
  std::vector<std::vector<int32_t>> tokens(static_cast<size_t>(session.batch()));
  uint64_t rng = 0;
  for (int step = 0; step < count; ++step) {
    std::vector<int32_t> next;
    EXPECT_FALSE(session.sample(nullptr, rng, next));
    for (size_t r = 0; r < next.size(); ++r)
      tokens[r].push_back(next[r]);
    if (ssm::Error e = session.feed(next, 1)) {
      ADD_FAILURE() << e.message;
      break;
    }
  }
  return tokens;
}

class SessionTest : public ::testing::Test {
protected:
  void SetUp() override {
    ssm::Error e = ssm::Model::load(artifact("demo"), model, 2);
    ASSERT_FALSE(e) << e.message;
  }
  ssm::Model model;
};

TEST_F(SessionTest, ABatchGeneratesWhatEachSequenceDoesAlone) {
  std::vector<std::string> prompts = {"The value ", "Methods a ", "import sys"};
  ssm::Session batched;
  ASSERT_FALSE(ssm::Session::create(model, 3, batched));
  EXPECT_TRUE(batched.hasState());
  std::vector<int32_t> ids;
  for (const std::string &p : prompts)
    for (int32_t id : bytes(p))
      ids.push_back(id);
  ASSERT_FALSE(batched.feed(ids, 10));
  EXPECT_EQ(batched.length(), 10);
  EXPECT_EQ(batched.vocabSize(), 256);
  std::vector<std::vector<int32_t>> together = greedy(batched, 24);
  for (size_t r = 0; r < prompts.size(); ++r) {
    ssm::Session alone;
    ASSERT_FALSE(ssm::Session::create(model, 1, alone));
    ASSERT_FALSE(alone.feed(bytes(prompts[r]), 10));
    EXPECT_EQ(greedy(alone, 24)[0], together[r]) << "sequence " << r;
  }
}

TEST_F(SessionTest, AForkDecodesIndependently) {
  ssm::Session session, fork;
  ASSERT_FALSE(ssm::Session::create(model, 1, session));
  ASSERT_FALSE(session.feed(bytes("A class "), 8));
  ASSERT_FALSE(session.fork(fork));
  EXPECT_EQ(fork.length(), 8);
  std::vector<float> before(session.logits(), session.logits() + 256);
  // Feeding the fork moves it elsewhere; the original's logits stay as they were.
  std::vector<int32_t> other = {'Z'};
  ASSERT_FALSE(fork.feed(other, 1));
  EXPECT_EQ(std::vector<float>(session.logits(), session.logits() + 256), before);
  std::vector<int32_t> original = greedy(session, 16)[0];
  ssm::Session again;
  ASSERT_FALSE(ssm::Session::create(model, 1, again));
  ASSERT_FALSE(again.feed(bytes("A class "), 8));
  EXPECT_EQ(greedy(again, 16)[0], original);
}

TEST_F(SessionTest, AResetStartsOver) {
  ssm::Session session;
  ASSERT_FALSE(ssm::Session::create(model, 1, session));
  EXPECT_EQ(session.logits(), nullptr);
  ASSERT_FALSE(session.feed(bytes("The "), 4));
  std::vector<int32_t> first = greedy(session, 12)[0];
  session.reset();
  EXPECT_EQ(session.length(), 0);
  EXPECT_EQ(session.logits(), nullptr);
  ASSERT_FALSE(session.feed(bytes("The "), 4));
  EXPECT_EQ(greedy(session, 12)[0], first);
}

TEST_F(SessionTest, BadCallsLeaveTheSessionAsItWas) {
  ssm::Session session;
  ASSERT_FALSE(ssm::Session::create(model, 1, session));
  ASSERT_FALSE(session.feed(bytes("x = "), 4));
  std::vector<float> before(session.logits(), session.logits() + 256);

  ssm::Error e = session.feed({300}, 1);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("token id 300 is outside the model's vocabulary of 256"),
            std::string::npos)
      << e.message;
  e = session.feed({-1}, 1);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(session.feed({}, 0).status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(session.length(), 4);
  EXPECT_EQ(std::vector<float>(session.logits(), session.logits() + 256), before);

  ssm::Session none;
  EXPECT_EQ(ssm::Session::create(model, 0, none).status, SSM_ERROR_INVALID_ARGUMENT);
}

TEST(Session, RefusesAModelThatCannotGenerate) {
  ssm::Model norm;
  ASSERT_FALSE(ssm::Model::load(artifact("rms_norm"), norm));
  ssm::Session session;
  ssm::Error e = ssm::Session::create(norm, 1, session);
  EXPECT_EQ(e.status, SSM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(e.message.find("no output named 'logits'"), std::string::npos) << e.message;
}

} // namespace
