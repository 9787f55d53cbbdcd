//===- ssm/runtime.hpp - C++ wrapper of the runtime's C API ------*- C++ -*-===//
//
// Owning handles for models and tensors; errors come back as ssm::Error values (the runtime
// is built without exceptions and so is this header).
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

} // namespace ssm

#endif // SSM_RUNTIME_HPP
