//===- Runtime.cpp - the C API: models and runs ---------------------------===//

#include "Artifact.h"
#include "CpuBackend.h"
#include "CudaBackend.h"
#include "Error.h"
#include "Tensor.h"
#include "ThreadPool.h"

#include "ssm/host_abi.h"
#include "ssm/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

using namespace ssm::rt;

namespace {
thread_local std::string lastError;
thread_local double lastDeviceMs = -1.0;
} // namespace

double ssm_last_run_device_ms(void) { return lastDeviceMs; }

ssm_status ssm::rt::fail(ssm_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

const char *ssm_last_error(void) { return lastError.c_str(); }

struct ssm_model {
  Artifact artifact;
  HostModule host;
  std::string cpuBaseline;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<CudaModel> cuda; // GPU artifacts
  bool poison = false;
  // Declared shapes of the inputs, as the C API hands them out.
  std::vector<std::vector<int64_t>> inputShapes;
};

ssm_status ssm_model_load(const char *path, const ssm_model_options *options, ssm_model **out) {
  if (!path || !out)
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_model_load: null argument");
  *out = nullptr;
  auto model = std::make_unique<ssm_model>();
  std::string error;
  if (ssm_status status = model->artifact.open(path, error))
    return fail(status, error);
  const Manifest &manifest = model->artifact.manifest();
  if (manifest.target != "cpu" && manifest.target != "cuda")
    return fail(SSM_ERROR_UNSUPPORTED, std::string("'") + path + "' was compiled for target '" +
                                           manifest.target + "', which this runtime cannot run");
  if (manifest.target == "cuda") {
    model->cuda = std::make_unique<CudaModel>();
    if (ssm_status status = model->cuda->load(model->artifact, error))
      return fail(status, std::string("'") + path + "': " + error);
  }

  // The host code for the best baseline this CPU supports (the compiler lists the best first).
  const Manifest::HostObject *chosen = nullptr;
  std::string offered;
  for (const Manifest::HostObject &object : manifest.hostObjects) {
    offered += (offered.empty() ? "" : ", ") + object.cpu;
    if (!chosen && cpuSupports(object.cpu))
      chosen = &object;
  }
  if (!chosen)
    return fail(SSM_ERROR_UNSUPPORTED, std::string("'") + path +
                                           "' has host code for CPU baselines [" + offered +
                                           "], none of which this CPU supports");
  std::string_view image;
  if (!model->artifact.find(SSM_SECTION_HOST_SO, chosen->section, image))
    return fail(SSM_ERROR_FORMAT,
                std::string("'") + path + "' lacks its section '" + chosen->section + "'");
  if (!model->host.load(image, manifest.entry, error))
    return fail(SSM_ERROR_FORMAT, std::string("'") + path + "': " + error);
  model->cpuBaseline = chosen->cpu;

  unsigned threads =
      options && options->num_threads > 0 ? static_cast<unsigned>(options->num_threads) : 0;
  if (threads == 0)
    if (const char *env = std::getenv("SSM_NUM_THREADS"))
      threads = static_cast<unsigned>(std::max(0, std::atoi(env)));
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  model->pool = std::make_unique<ThreadPool>(threads);
  const char *poison = std::getenv("SSM_POISON");
  model->poison = (options && options->poison_memory) || (poison && std::strcmp(poison, "0"));
  for (const TensorSpec &spec : manifest.inputs)
    model->inputShapes.push_back(spec.shape);
  *out = model.release();
  return SSM_OK;
}

void ssm_model_free(ssm_model *model) { delete model; }

const char *ssm_model_target(const ssm_model *model) {
  return model->artifact.manifest().target.c_str();
}
const char *ssm_model_cpu_baseline(const ssm_model *model) { return model->cpuBaseline.c_str(); }

int32_t ssm_model_num_inputs(const ssm_model *model) {
  return static_cast<int32_t>(model->artifact.manifest().inputs.size());
}
int32_t ssm_model_num_outputs(const ssm_model *model) {
  return static_cast<int32_t>(model->artifact.manifest().outputs.size());
}

static const TensorSpec *spec(const std::vector<TensorSpec> &specs, int32_t index) {
  return index >= 0 && static_cast<size_t>(index) < specs.size() ? &specs[index] : nullptr;
}

const char *ssm_model_input_name(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().inputs, index);
  return s ? s->name.c_str() : nullptr;
}
const char *ssm_model_output_name(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().outputs, index);
  return s ? s->name.c_str() : nullptr;
}
ssm_dtype ssm_model_input_dtype(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().inputs, index);
  return s ? s->dtype : SSM_DTYPE_UNDEFINED;
}
ssm_dtype ssm_model_output_dtype(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().outputs, index);
  return s ? s->dtype : SSM_DTYPE_UNDEFINED;
}
int32_t ssm_model_input_rank(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().inputs, index);
  return s ? static_cast<int32_t>(s->shape.size()) : -1;
}
const int64_t *ssm_model_input_shape(const ssm_model *model, int32_t index) {
  const TensorSpec *s = spec(model->artifact.manifest().inputs, index);
  return s ? model->inputShapes[index].data() : nullptr;
}

namespace {

/// The state of one run: the environment compiled code calls back into, and the memory it
/// allocated (freed at the end unless it became an output).
struct Call {
  ssm_host_env env; // first: compiled code sees a pointer to it
  ThreadPool *pool;
  bool poison;
  std::vector<void *> allocations;
  std::string failure;
  ssm_status failureStatus = SSM_ERROR_EXECUTION;

  void record(ssm_status status, std::string message) {
    if (failure.empty()) {
      failure = std::move(message);
      failureStatus = status;
    }
    env.status = 1;
  }
};

Call *callOf(ssm_host_env *env) { return reinterpret_cast<Call *>(env); }

void *hostAlloc(ssm_host_env *env, int64_t bytes) {
  Call *call = callOf(env);
  if (bytes < 0) {
    call->record(SSM_ERROR_EXECUTION, kUnsizableBuffer);
    return nullptr;
  }
  if (bytes > kMaxTensorBytes) {
    call->record(SSM_ERROR_OUT_OF_MEMORY,
                 "compiled code asked for an intermediate buffer of " + std::to_string(bytes) +
                     " bytes, above the runtime's limit of " + std::to_string(kMaxTensorBytes) +
                     ": the input dimensions are too large");
    return nullptr;
  }
  void *memory = alignedAlloc(bytes);
  if (!memory) {
    call->record(SSM_ERROR_OUT_OF_MEMORY, "out of memory: an intermediate buffer of " +
                                              std::to_string(bytes) +
                                              " bytes could not be allocated");
    return nullptr;
  }
  if (call->poison)
    std::memset(memory, 0xff, static_cast<size_t>(bytes));
  call->allocations.push_back(memory);
  return memory;
}

void hostFail(ssm_host_env *env, const char *message, int64_t a, int64_t b) {
  callOf(env)->record(SSM_ERROR_EXECUTION, std::string(message) + " (got " + std::to_string(a) +
                                               " and " + std::to_string(b) + ")");
}

void hostParallelFor(ssm_host_env *env, ssm_cpu_kernel_fn fn, void **args, int64_t n) {
  callOf(env)->pool->parallelFor(n, [&](int64_t begin, int64_t end) { fn(args, begin, end); });
}

void hostNoLaunch(ssm_host_env *env, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                  int32_t, void **) {
  hostFail(env, "host code of a CPU artifact launched a GPU kernel", 0, 0);
}

/// A memref descriptor as int64 words: allocated, aligned, offset, sizes, strides.
std::vector<int64_t> describe(void *data, const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> words(3 + 2 * rank);
  words[0] = words[1] = static_cast<int64_t>(reinterpret_cast<intptr_t>(data));
  words[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = shape[i];
    words[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return words;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + ")";
}

/// Copies a strided memref into a new dense tensor.
void copyStrided(const char *src, const int64_t *sizes, const int64_t *strides, size_t rank,
                 size_t elementSize, char *dest) {
  if (rank == 0) {
    std::memcpy(dest, src, elementSize);
    return;
  }
  int64_t inner = 1;
  for (size_t i = 1; i < rank; ++i)
    inner *= sizes[i];
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(src + i * strides[0] * static_cast<int64_t>(elementSize), sizes + 1, strides + 1,
                rank - 1, elementSize, dest + i * inner * static_cast<int64_t>(elementSize));
}

} // namespace

ssm_status ssm_model_run(ssm_model *model, ssm_tensor *const *inputs, int32_t numInputs,
                         ssm_tensor **outputs, int32_t numOutputs) {
  lastDeviceMs = -1.0;
  if (!model || (numInputs > 0 && !inputs) || (numOutputs > 0 && !outputs))
    return fail(SSM_ERROR_INVALID_ARGUMENT, "ssm_model_run: null argument");
  const Manifest &manifest = model->artifact.manifest();
  if (numInputs != static_cast<int32_t>(manifest.inputs.size()) ||
      numOutputs != static_cast<int32_t>(manifest.outputs.size()))
    return fail(SSM_ERROR_INVALID_ARGUMENT,
                "ssm_model_run: the model takes " + std::to_string(manifest.inputs.size()) +
                    " inputs and gives " + std::to_string(manifest.outputs.size()) +
                    " outputs; called with " + std::to_string(numInputs) + " and " +
                    std::to_string(numOutputs));
  for (int32_t i = 0; i < numOutputs; ++i)
    outputs[i] = nullptr;

  std::vector<std::vector<int64_t>> inputWords;
  std::vector<void *> inputPointers;
  for (int32_t i = 0; i < numInputs; ++i) {
    const TensorSpec &expected = manifest.inputs[i];
    const ssm_tensor *tensor = inputs[i];
    std::string what = "input #" + std::to_string(i) + " '" + expected.name + "'";
    if (!tensor)
      return fail(SSM_ERROR_INVALID_ARGUMENT, what + " is null");
    if (tensor->dtype != expected.dtype)
      return fail(SSM_ERROR_INVALID_ARGUMENT, what + " must be " + ssm_dtype_name(expected.dtype) +
                                                  ", got " + ssm_dtype_name(tensor->dtype));
    bool matches = tensor->shape.size() == expected.shape.size();
    for (size_t d = 0; matches && d < expected.shape.size(); ++d)
      matches = expected.shape[d] < 0 || expected.shape[d] == tensor->shape[d];
    if (!matches)
      return fail(SSM_ERROR_INVALID_ARGUMENT, what + " must have shape " +
                                                  shapeString(expected.shape) + ", got " +
                                                  shapeString(tensor->shape));
    inputWords.push_back(describe(tensor->data, tensor->shape));
  }
  if (model->cuda) {
    std::vector<ssm_tensor *> results(manifest.outputs.size(), nullptr);
    std::string error;
    ssm_status status =
        model->cuda->run(model->host.entry(), manifest, inputs, results, lastDeviceMs, error);
    if (status != SSM_OK) {
      lastDeviceMs = -1.0;
      for (ssm_tensor *t : results)
        ssm_tensor_free(t);
      return fail(status, error);
    }
    for (size_t i = 0; i < results.size(); ++i)
      outputs[i] = results[i];
    return SSM_OK;
  }
  for (auto &words : inputWords)
    inputPointers.push_back(words.data());
  std::vector<std::vector<int64_t>> outputWords;
  std::vector<void *> outputPointers;
  for (const TensorSpec &output : manifest.outputs)
    outputWords.emplace_back(3 + 2 * output.shape.size(), 0);
  for (auto &words : outputWords)
    outputPointers.push_back(words.data());

  Call call;
  call.env.abi_version = SSM_HOST_ABI_VERSION;
  call.env.status = 0;
  call.env.alloc = hostAlloc;
  call.env.fail = hostFail;
  call.env.parallel_for = hostParallelFor;
  call.env.launch = hostNoLaunch;
  call.pool = model->pool.get();
  call.poison = model->poison;
  struct FreeRest {
    Call &call;
    ~FreeRest() {
      for (void *memory : call.allocations)
        alignedFree(memory);
    }
  } freeRest{call};

  int32_t rc = model->host.entry()(&call.env, inputPointers.data(), outputPointers.data());
  if (rc != 0)
    return fail(call.failureStatus,
                call.failure.empty() ? "the compiled code failed" : call.failure);

  std::vector<std::unique_ptr<ssm_tensor>> results;
  for (size_t i = 0; i < manifest.outputs.size(); ++i) {
    const TensorSpec &expected = manifest.outputs[i];
    const int64_t *words = outputWords[i].data();
    size_t rank = expected.shape.size();
    auto *allocated = reinterpret_cast<void *>(static_cast<intptr_t>(words[0]));
    auto *aligned = reinterpret_cast<char *>(static_cast<intptr_t>(words[1]));
    std::vector<int64_t> shape(words + 3, words + 3 + rank);
    const int64_t *strides = words + 3 + rank;
    auto tensor = std::make_unique<ssm_tensor>();
    tensor->dtype = expected.dtype;
    tensor->shape = shape;
    size_t elementSize = ssm_dtype_size(expected.dtype);
    int64_t count = numElements(shape);
    if (count < 0 || count > kMaxTensorBytes / static_cast<int64_t>(elementSize))
      return fail(SSM_ERROR_EXECUTION,
                  "output '" + expected.name + "' has an invalid shape " + shapeString(shape));
    char *begin = aligned + words[2] * static_cast<int64_t>(elementSize);
    std::vector<int64_t> dense = describe(nullptr, shape);
    bool contiguous = std::equal(strides, strides + rank, dense.begin() + 3 + rank) || count <= 1;
    auto owned = std::find(call.allocations.begin(), call.allocations.end(), allocated);
    if (contiguous && owned != call.allocations.end()) {
      // Adopt the buffer compiled code allocated: no copy.
      tensor->data = begin;
      tensor->owned = allocated;
      call.allocations.erase(owned);
    } else {
      // An input, a constant or a view: copy it out.
      tensor->data = tensor->owned = alignedAlloc(count * static_cast<int64_t>(elementSize));
      if (!tensor->data)
        return fail(SSM_ERROR_OUT_OF_MEMORY, "cannot allocate output '" + expected.name + "'");
      if (count > 0)
        copyStrided(begin, shape.data(), strides, rank, elementSize,
                    static_cast<char *>(tensor->data));
    }
    results.push_back(std::move(tensor));
  }
  for (size_t i = 0; i < results.size(); ++i)
    outputs[i] = results[i].release();
  return SSM_OK;
}
