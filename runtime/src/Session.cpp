//===- Session.cpp - the C API: generation sessions and sampling ----------===//
//
// A session binds the inputs of a language model by their names (ONNX.md, after
// onnxruntime-genai): the token ids, the attention mask and positions it fills itself, and the
// decode states it carries from each run's `present` outputs to the next run's `past` inputs.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Tensor.h"

#include "ssm/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

using namespace ssm::rt;

namespace {

struct TensorDeleter {
  void operator()(ssm_tensor *t) const { ssm_tensor_free(t); }
};
using TensorPtr = std::unique_ptr<ssm_tensor, TensorDeleter>;

enum class Role { Ids, Mask, Positions, State };

struct InputBinding {
  Role role;
  std::string name;
  ssm_dtype dtype;
  int32_t present = -1; // the output that holds a state's next value
};

bool isInteger(ssm_dtype dtype) { return dtype == SSM_DTYPE_I64 || dtype == SSM_DTYPE_I32; }

/// The output names that may carry the next value of the state input `name`, or none when
/// `name` is not a state's.
std::vector<std::string> presentNames(const std::string &name) {
  std::vector<std::string> names;
  const std::string kv = "past_key_values.";
  if (name.compare(0, kv.size(), kv) == 0)
    names.push_back("present." + name.substr(kv.size()));
  if (name.compare(0, 4, "past") == 0)
    names.push_back("present" + name.substr(4));
  return names;
}

/// A new tensor of `dtype` and `shape` filled with zero bytes.
ssm_status zeros(ssm_dtype dtype, const std::vector<int64_t> &shape, TensorPtr &out) {
  ssm_tensor *t = nullptr;
  if (ssm_status status =
          ssm_tensor_create(dtype, shape.data(), static_cast<int32_t>(shape.size()), &t))
    return status;
  out.reset(t);
  std::memset(ssm_tensor_data(t), 0, ssm_tensor_num_bytes(t));
  return SSM_OK;
}

/// A new integer tensor of `dtype` (i32 or i64) and shape (rows, columns) whose element (r, c)
/// is value(r, c).
template <typename F>
ssm_status integers(ssm_dtype dtype, int64_t rows, int64_t columns, F value, TensorPtr &out) {
  if (ssm_status status = zeros(dtype, {rows, columns}, out))
    return status;
  void *data = ssm_tensor_data(out.get());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      int64_t v = value(r, c);
      if (dtype == SSM_DTYPE_I64)
        static_cast<int64_t *>(data)[r * columns + c] = v;
      else
        static_cast<int32_t *>(data)[r * columns + c] = static_cast<int32_t>(v);
    }
  return SSM_OK;
}

float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0x1f)
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0)
    return (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mantissa), -24);
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// Element `index` of a floating-point tensor's data as f32.
float floatAt(const void *data, ssm_dtype dtype, int64_t index) {
  switch (dtype) {
  case SSM_DTYPE_F32:
    return static_cast<const float *>(data)[index];
  case SSM_DTYPE_F64:
    return static_cast<float>(static_cast<const double *>(data)[index]);
  case SSM_DTYPE_F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[index]);
  default: // bf16
    return bitsToFloat(uint32_t(static_cast<const uint16_t *>(data)[index]) << 16);
  }
}

} // namespace

struct ssm_session {
  ssm_model *model = nullptr;
  int32_t batch = 0;
  int64_t length = 0;
  std::vector<InputBinding> inputs;
  int32_t logitsOutput = -1;
  bool hasState = false;
  std::vector<TensorPtr> states;             // per input; null for the others
  std::vector<std::vector<int64_t>> history; // per sequence, without states: every fed id
  std::vector<float> logits;                 // batch x vocab
  int32_t vocab = 0;

  ssm_status initialStates();
  ssm_status copyFrom(const ssm_session &other);
};

ssm_status ssm_session::initialStates() {
  int32_t count = ssm_model_num_inputs(model);
  states.clear();
  states.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    if (inputs[i].role != Role::State)
      continue;
    const int64_t *declared = ssm_model_input_shape(model, i);
    std::vector<int64_t> shape(declared, declared + ssm_model_input_rank(model, i));
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0)
        shape[d] = d == 0 ? batch : 0;
    if (ssm_status status = zeros(inputs[i].dtype, shape, states[i]))
      return status;
  }
  return SSM_OK;
}

ssm_status ssm_session::copyFrom(const ssm_session &other) {
  model = other.model;
  batch = other.batch;
  length = other.length;
  inputs = other.inputs;
  logitsOutput = other.logitsOutput;
  hasState = other.hasState;
  history = other.history;
  logits = other.logits;
  vocab = other.vocab;
  states.clear();
  states.resize(other.states.size());
  for (size_t i = 0; i < other.states.size(); ++i) {
    const ssm_tensor *from = other.states[i].get();
    if (!from)
      continue;
    if (ssm_status status = zeros(from->dtype, from->shape, states[i]))
      return status;
    std::memcpy(states[i]->data, from->data, ssm_tensor_num_bytes(from));
  }
  return SSM_OK;
}

ssm_status ssm_session_create(ssm_model *model, int32_t batch, ssm_session **out) {
  if (!model || !out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_session_create: null argument");
  *out = nullptr;
  if (batch < 1)
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_session_create: the batch must be at least 1, got " + std::to_string(batch));
  auto session = std::make_unique<ssm_session>();
  session->model = model;
  session->batch = batch;

  std::unordered_map<std::string, int32_t> outputs;
  for (int32_t i = 0; i < ssm_model_num_outputs(model); ++i)
    outputs.emplace(ssm_model_output_name(model, i), i);
  auto logits = outputs.find("logits");
  if (logits == outputs.end())
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "the model cannot generate: it has no output named 'logits'");
  session->logitsOutput = logits->second;

  bool hasIds = false;
  for (int32_t i = 0; i < ssm_model_num_inputs(model); ++i) {
    InputBinding input{Role::State, ssm_model_input_name(model, i),
                       ssm_model_input_dtype(model, i)};
    auto integerInput = [&](Role role) -> ssm_status {
      input.role = role;
      if (!isInteger(input.dtype) || ssm_model_input_rank(model, i) != 2)
        return fail(SSM_ERROR_INVALID_ARGUMENT, "the model's input '" + input.name +
                                                    "' must be an i64 or i32 matrix, got " +
                                                    ssm_dtype_name(input.dtype) + " of rank " +
                                                    std::to_string(ssm_model_input_rank(model, i)));
      return SSM_OK;
    };
    ssm_status status = SSM_OK;
    if (input.name == "input_ids") {
      status = integerInput(Role::Ids);
      hasIds = true;
    } else if (input.name == "attention_mask") {
      status = integerInput(Role::Mask);
    } else if (input.name == "position_ids") {
      status = integerInput(Role::Positions);
    } else {
      for (const std::string &name : presentNames(input.name))
        if (auto found = outputs.find(name); found != outputs.end() && input.present < 0)
          input.present = found->second;
      if (input.present < 0)
        return fail(SSM_ERROR_INVALID_ARGUMENT,
                    "the model cannot generate: its input '" + input.name +
                        "' is neither input_ids, attention_mask, position_ids nor a past state "
                        "with a matching present output (ONNX.md's names)");
      const int64_t *shape = ssm_model_input_shape(model, i);
      if (ssm_model_input_rank(model, i) < 1 || (shape[0] >= 0 && shape[0] != batch))
        return fail(SSM_ERROR_INVALID_ARGUMENT, "the model's state input '" + input.name +
                                                    "' does not take a batch of " +
                                                    std::to_string(batch));
      session->hasState = true;
    }
    if (status != SSM_OK)
      return status;
    session->inputs.push_back(input);
  }
  if (!hasIds)
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "the model cannot generate: it has no input named 'input_ids'");
  if (ssm_status status = session->initialStates())
    return status;
  session->history.resize(batch);
  *out = session.release();
  return SSM_OK;
}

void ssm_session_free(ssm_session *session) { delete session; }
int32_t ssm_session_batch(const ssm_session *session) { return session->batch; }
int64_t ssm_session_length(const ssm_session *session) { return session->length; }
int32_t ssm_session_has_state(const ssm_session *session) { return session->hasState; }
int32_t ssm_session_vocab_size(const ssm_session *session) { return session->vocab; }
const float *ssm_session_logits(const ssm_session *session) {
  return session->vocab ? session->logits.data() : nullptr;
}

void ssm_session_reset(ssm_session *session) {
  session->length = 0;
  session->vocab = 0;
  session->logits.clear();
  for (auto &ids : session->history)
    ids.clear();
  // Fresh zero states: KV caches start over empty. Should that fail for lack of memory, the
  // session refuses to feed until a reset succeeds.
  if (session->initialStates() != SSM_OK)
    session->states.clear();
}

ssm_status ssm_session_fork(const ssm_session *session, ssm_session **out) {
  if (!session || !out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_session_fork: null argument");
  *out = nullptr;
  auto copy = std::make_unique<ssm_session>();
  if (ssm_status status = copy->copyFrom(*session))
    return status;
  *out = copy.release();
  return SSM_OK;
}

ssm_status ssm_session_feed(ssm_session *session, const int32_t *ids, int64_t length) {
  if (!session || !ids)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_session_feed: null argument");
  if (length < 1 || length > (int64_t(1) << 31))
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_session_feed: the length must be at least 1, got " + std::to_string(length));
  if (session->states.size() != session->inputs.size())
    return fail(SSM_ERROR_OUT_OF_MEMORY, "the session lost its states in a failed reset");
  const int64_t batch = session->batch, past = session->length;
  for (int64_t i = 0; i < batch * length; ++i)
    if (ids[i] < 0)
      return fail(SSM_ERROR_INVALID_ARGUMENT,
                  "ssm_session_feed: token id " + std::to_string(ids[i]) + " is negative");
  // Without states the whole sequence runs again.
  const bool whole = !session->hasState;
  const int64_t start = whole ? 0 : past, columns = past + length - start;
  auto id = [&](int64_t r, int64_t c) -> int64_t {
    int64_t position = start + c;
    return position < past ? session->history[r][position] : ids[r * length + position - past];
  };

  std::vector<TensorPtr> made(session->inputs.size());
  std::vector<ssm_tensor *> inputs(session->inputs.size());
  for (size_t i = 0; i < session->inputs.size(); ++i) {
    const InputBinding &input = session->inputs[i];
    ssm_status status = SSM_OK;
    switch (input.role) {
    case Role::Ids:
      status = integers(input.dtype, batch, columns, id, made[i]);
      break;
    case Role::Mask:
      status =
          integers(input.dtype, batch, past + length, [](int64_t, int64_t) { return 1; }, made[i]);
      break;
    case Role::Positions:
      status = integers(
          input.dtype, batch, columns, [&](int64_t, int64_t c) { return start + c; }, made[i]);
      break;
    case Role::State:
      inputs[i] = session->states[i].get();
      continue;
    }
    if (status != SSM_OK)
      return status;
    inputs[i] = made[i].get();
  }

  int32_t numOutputs = ssm_model_num_outputs(session->model);
  std::vector<ssm_tensor *> raw(numOutputs, nullptr);
  ssm_status status = ssm_model_run(session->model, inputs.data(),
                                    static_cast<int32_t>(inputs.size()), raw.data(), numOutputs);
  std::vector<TensorPtr> outputs;
  for (ssm_tensor *t : raw)
    outputs.emplace_back(t);
  if (status != SSM_OK)
    return status;

  // The logits of the last position: (batch, length, vocab) or (batch, vocab).
  const ssm_tensor *logits = outputs[session->logitsOutput].get();
  ssm_dtype dtype = logits->dtype;
  size_t rank = logits->shape.size();
  bool floating = dtype == SSM_DTYPE_F32 || dtype == SSM_DTYPE_F16 || dtype == SSM_DTYPE_BF16 ||
                  dtype == SSM_DTYPE_F64;
  if (!floating || (rank != 2 && rank != 3) || logits->shape[0] != batch ||
      logits->shape.back() < 1 || logits->shape.back() > std::numeric_limits<int32_t>::max() ||
      (rank == 3 && logits->shape[1] < 1))
    return fail(SSM_ERROR_EXECUTION,
                "the model's 'logits' must be floating-point (batch, length, vocab) or "
                "(batch, vocab) with batch " +
                    std::to_string(batch) + "; got " + ssm_dtype_name(dtype) + " of rank " +
                    std::to_string(rank));
  const int64_t vocab = logits->shape.back();
  const int64_t positions = rank == 3 ? logits->shape[1] : 1;
  std::vector<float> last(batch * vocab);
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t v = 0; v < vocab; ++v)
      last[r * vocab + v] =
          floatAt(logits->data, dtype, (r * positions + positions - 1) * vocab + v);

  // The model clamps ids outside its vocabulary (ONNX Gather); a session refuses them.
  for (int64_t i = 0; i < batch * length; ++i)
    if (ids[i] >= vocab)
      return fail(SSM_ERROR_INVALID_ARGUMENT,
                  "ssm_session_feed: token id " + std::to_string(ids[i]) +
                      " is outside the model's vocabulary of " + std::to_string(vocab));

  // Commit: the presents become the states; the fed ids join the history.
  for (size_t i = 0; i < session->inputs.size(); ++i)
    if (session->inputs[i].role == Role::State)
      session->states[i] = std::move(outputs[session->inputs[i].present]);
  if (whole)
    for (int64_t r = 0; r < batch; ++r)
      session->history[r].insert(session->history[r].end(), ids + r * length,
                                 ids + (r + 1) * length);
  session->logits = std::move(last);
  session->vocab = static_cast<int32_t>(vocab);
  session->length += length;
  return SSM_OK;
}

namespace {

/// splitmix64: advances `state` and returns 64 random bits.
uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

} // namespace

ssm_status ssm_sample(const float *logits, int32_t vocab, const ssm_sampling *sampling,
                      uint64_t *rng, int32_t *token) {
  if (!logits || !token || (sampling && sampling->temperature > 0 && !rng))
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_sample: null argument");
  if (vocab < 1)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_sample: the vocabulary is empty");
  ssm_sampling s = sampling ? *sampling : ssm_sampling{0.0f, 0, 0.0f};
  if (!(s.temperature >= 0) || s.top_k < 0 || !(s.top_p >= 0 && s.top_p <= 1))
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_sample: the temperature and top_k must be >= 0 and top_p in [0, 1]; got " +
                    std::to_string(s.temperature) + ", " + std::to_string(s.top_k) + ", " +
                    std::to_string(s.top_p));
  int32_t best = 0;
  for (int32_t v = 0; v < vocab; ++v) {
    if (std::isnan(logits[v]) || logits[v] == std::numeric_limits<float>::infinity())
      return fail(SSM_ERROR_INVALID_ARGUMENT,
                  "ssm_sample: logit " + std::to_string(v) + " is " + std::to_string(logits[v]));
    if (logits[v] > logits[best])
      best = v;
  }
  if (logits[best] == -std::numeric_limits<float>::infinity())
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_sample: every logit is -inf");
  if (s.temperature == 0 || s.top_k == 1) {
    *token = best;
    return SSM_OK;
  }

  // The candidates, most likely first (the lower id first among equals).
  int32_t count = s.top_k > 0 ? std::min(s.top_k, vocab) : vocab;
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  auto likelier = [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + count, order.end(), likelier);
  order.resize(count);
  std::vector<double> weights(count);
  double total = 0;
  for (int32_t i = 0; i < count; ++i)
    total += weights[i] = std::exp((double(logits[order[i]]) - logits[best]) / s.temperature);
  if (s.top_p > 0 && s.top_p < 1) {
    double sum = 0;
    int32_t kept = 0;
    while (kept < count && (kept == 0 || sum < s.top_p * total))
      sum += weights[kept++];
    weights.resize(kept);
    total = sum;
  }
  double u = double(nextRandom(*rng) >> 11) * 0x1.0p-53 * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (u < weights[i]) {
      *token = order[i];
      return SSM_OK;
    }
    u -= weights[i];
  }
  // Rounding can leave u just above the last weight: that token it is.
  *token = order[weights.size() - 1];
  return SSM_OK;
}
