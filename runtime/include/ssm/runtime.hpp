//===- ssm/runtime.hpp - C++ wrapper of the runtime's C API ------*- C++ -*-===//
//
// Owning handles for models, tensors, sessions and tokenizers; errors come back as ssm::Error
// values (the runtime is built without exceptions and so is this header).
//
//   ssm::Model model;
//   if (ssm::Error e = ssm::Model::load("model.ssmx", model)) { ... e.message ... }
//   ssm::Tensor x = ssm::Tensor::create(SSM_DTYPE_F32, {1, 1536, 2048});
//   std::vector<ssm::Tensor> outputs;
//   if (ssm::Error e = model.run({&x, ...}, outputs)) { ... }
//
//===----------------------------------------------------------------------===//

#ifndef SSM_RUNTIME_HPP
#define SSM_RUNTIME_HPP

#include "ssm/runtime.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace ssm {

/// The outcome of a call: a status and, on failure, the runtime's message.
struct Error {
  ssm_status status = SSM_OK;
  std::string message;
  explicit operator bool() const { return status != SSM_OK; }
  static Error from(ssm_status status) {
    return status == SSM_OK ? Error{} : Error{status, ssm_last_error()};
  }
};

/// An owned host tensor.
class Tensor {
public:
  Tensor() = default;
  explicit Tensor(ssm_tensor *handle) : handle(handle) {}
  Tensor(Tensor &&other) noexcept : handle(std::exchange(other.handle, nullptr)) {}
  Tensor &operator=(Tensor &&other) noexcept {
    std::swap(handle, other.handle);
    return *this;
  }
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  ~Tensor() { ssm_tensor_free(handle); }

  /// A new tensor, or an empty handle (see ssm_last_error) on failure.
  static Tensor create(ssm_dtype dtype, std::vector<int64_t> shape) {
    ssm_tensor *t = nullptr;
    ssm_tensor_create(dtype, shape.data(), static_cast<int32_t>(shape.size()), &t);
    return Tensor(t);
  }
  static Error readPb(const std::string &path, Tensor &out) {
    ssm_tensor *t = nullptr;
    Error e = Error::from(ssm_tensor_read_pb(path.c_str(), &t));
    out = Tensor(t);
    return e;
  }
  Error writePb(const std::string &path, const std::string &name = "") const {
    return Error::from(ssm_tensor_write_pb(handle, name.c_str(), path.c_str()));
  }

  explicit operator bool() const { return handle != nullptr; }
  ssm_tensor *get() const { return handle; }
  ssm_dtype dtype() const { return ssm_tensor_dtype(handle); }
  std::vector<int64_t> shape() const {
    const int64_t *s = ssm_tensor_shape(handle);
    return std::vector<int64_t>(s, s + ssm_tensor_rank(handle));
  }
  int64_t numElements() const { return ssm_tensor_num_elements(handle); }
  size_t numBytes() const { return ssm_tensor_num_bytes(handle); }
  template <typename T> T *data() const { return static_cast<T *>(ssm_tensor_data(handle)); }

private:
  ssm_tensor *handle = nullptr;
};

/// A loaded artifact. run() may be called from several threads at once.
class Model {
public:
  Model() = default;
  Model(Model &&other) noexcept : handle(std::exchange(other.handle, nullptr)) {}
  Model &operator=(Model &&other) noexcept {
    std::swap(handle, other.handle);
    return *this;
  }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  ~Model() { ssm_model_free(handle); }

  static Error load(const std::string &path, Model &out, int32_t numThreads = 0) {
    ssm_model_options options{numThreads, 0};
    ssm_model *m = nullptr;
    Error e = Error::from(ssm_model_load(path.c_str(), &options, &m));
    out = Model();
    out.handle = m;
    return e;
  }

  int32_t numInputs() const { return ssm_model_num_inputs(handle); }
  int32_t numOutputs() const { return ssm_model_num_outputs(handle); }
  std::string inputName(int32_t i) const { return ssm_model_input_name(handle, i); }
  std::string outputName(int32_t i) const { return ssm_model_output_name(handle, i); }
  std::string target() const { return ssm_model_target(handle); }
  std::string cpuBaseline() const { return ssm_model_cpu_baseline(handle); }
  ssm_model *get() const { return handle; }

  /// Runs on `inputs` (the artifact's order); `outputs` receives one tensor per output.
  Error run(const std::vector<const Tensor *> &inputs, std::vector<Tensor> &outputs) const {
    std::vector<ssm_tensor *> in;
    for (const Tensor *t : inputs)
      in.push_back(t ? t->get() : nullptr);
    std::vector<ssm_tensor *> out(static_cast<size_t>(numOutputs()), nullptr);
    Error e = Error::from(ssm_model_run(handle, in.data(), static_cast<int32_t>(in.size()),
                                        out.data(), static_cast<int32_t>(out.size())));
    outputs.clear();
    for (ssm_tensor *t : out)
      outputs.emplace_back(t);
    return e;
  }

private:
  ssm_model *handle = nullptr;
};

/// Token-by-token generation over a batch of sequences (ssm_session_create has the contract).
class Session {
public:
  Session() = default;
  Session(Session &&other) noexcept : handle(std::exchange(other.handle, nullptr)) {}
  Session &operator=(Session &&other) noexcept {
    std::swap(handle, other.handle);
    return *this;
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { ssm_session_free(handle); }

  /// A session of `batch` sequences over `model`, which must outlive it.
  static Error create(const Model &model, int32_t batch, Session &out) {
    ssm_session *s = nullptr;
    Error e = Error::from(ssm_session_create(model.get(), batch, &s));
    out = Session();
    out.handle = s;
    return e;
  }
  /// A copy of this session's sequences that decodes independently.
  Error fork(Session &out) const {
    ssm_session *s = nullptr;
    Error e = Error::from(ssm_session_fork(handle, &s));
    out = Session();
    out.handle = s;
    return e;
  }

  /// Feeds `ids` (batch x length, row-major) to the sequences.
  Error feed(const std::vector<int32_t> &ids, int64_t length) {
    return Error::from(ssm_session_feed(handle, ids.data(), length));
  }
  /// The next token of each sequence from the last fed position's logits.
  Error sample(const ssm_sampling *sampling, uint64_t &rng, std::vector<int32_t> &tokens) const {
    int32_t batch = ssm_session_batch(handle), vocab = ssm_session_vocab_size(handle);
    const float *logits = ssm_session_logits(handle);
    tokens.assign(static_cast<size_t>(batch), 0);
    for (int32_t r = 0; r < batch; ++r)
      if (Error e = Error::from(ssm_sample(logits ? logits + int64_t(r) * vocab : nullptr, vocab,
                                           sampling, &rng, &tokens[r])))
        return e;
    return Error{};
  }
  void reset() { ssm_session_reset(handle); }

  int32_t batch() const { return ssm_session_batch(handle); }
  int64_t length() const { return ssm_session_length(handle); }
  bool hasState() const { return ssm_session_has_state(handle) != 0; }
  int32_t vocabSize() const { return ssm_session_vocab_size(handle); }
  /// batch x vocabSize() floats, or null before the first feed.
  const float *logits() const { return ssm_session_logits(handle); }

private:
  ssm_session *handle = nullptr;
};

/// Text to token ids and back: a Hugging Face tokenizer.json (byte-level BPE) or the
/// byte-level tokenizer. encode() and decode() may be called from several threads at once.
class Tokenizer {
public:
  Tokenizer() = default;
  Tokenizer(Tokenizer &&other) noexcept : handle(std::exchange(other.handle, nullptr)) {}
  Tokenizer &operator=(Tokenizer &&other) noexcept {
    std::swap(handle, other.handle);
    return *this;
  }
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;
  ~Tokenizer() { ssm_tokenizer_free(handle); }

  static Error load(const std::string &path, Tokenizer &out) {
    ssm_tokenizer *t = nullptr;
    Error e = Error::from(ssm_tokenizer_load(path.c_str(), &t));
    out = Tokenizer();
    out.handle = t;
    return e;
  }
  static Tokenizer byteLevel() {
    Tokenizer out;
    ssm_tokenizer_byte_level(&out.handle);
    return out;
  }

  explicit operator bool() const { return handle != nullptr; }
  int32_t vocabSize() const { return ssm_tokenizer_vocab_size(handle); }

  Error encode(const std::string &text, std::vector<int32_t> &ids) const {
    size_t count = 0;
    if (Error e =
            Error::from(ssm_tokenizer_encode(handle, text.data(), text.size(), nullptr, 0, &count)))
      return e;
    ids.assign(count, 0);
    return Error::from(
        ssm_tokenizer_encode(handle, text.data(), text.size(), ids.data(), ids.size(), &count));
  }
  Error decode(const std::vector<int32_t> &ids, std::string &text, bool skipSpecial = false) const {
    size_t length = 0;
    if (Error e = Error::from(
            ssm_tokenizer_decode(handle, ids.data(), ids.size(), skipSpecial, nullptr, 0, &length)))
      return e;
    std::vector<char> buffer(length + 1);
    Error e = Error::from(ssm_tokenizer_decode(handle, ids.data(), ids.size(), skipSpecial,
                                               buffer.data(), buffer.size(), &length));
    if (!e)
      text.assign(buffer.data(), length);
    return e;
  }

private:
  ssm_tokenizer *handle = nullptr;
};

} // namespace ssm

#endif // SSM_RUNTIME_HPP
