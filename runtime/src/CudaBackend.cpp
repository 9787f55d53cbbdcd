//===- CudaBackend.cpp - GPU artifacts on an NVIDIA GPU -------------------===//

#include "CudaBackend.h"

#include "Tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace ssm::rt;
using namespace ssm::rt::cuda;

/// One run: the environment compiled host code calls, its stream, and the device memory it
/// allocated (all freed at the end: outputs are copied back to the host).
struct CudaModel::Call {
  ssm_host_env env; // first: compiled code sees a pointer to it
  CudaModel *model;
  CUstream stream = nullptr;
  /// Recorded before the first kernel launch (null: no timing).
  CUevent start = nullptr;
  bool started = false;
  std::vector<CUdeviceptr> allocations;
  std::string failure;

  void record(std::string message) {
    if (failure.empty())
      failure = std::move(message);
    env.status = 1;
  }
};

bool ssm::rt::cubinRunsOn(const Manifest &manifest, int major, int minor) {
  if (manifest.gpuArchSpecific)
    return major == manifest.gpuMajor && minor == manifest.gpuMinor;
  return major == manifest.gpuMajor && minor >= manifest.gpuMinor;
}

CudaModel::~CudaModel() {
  if (!d)
    return;
  for (CUmodule module : modules)
    d->cuModuleUnload(module);
  if (flushBuffer) {
    d->cuCtxSetCurrent(context);
    d->cuMemFreeAsync(flushBuffer, nullptr);
  }
  if (context)
    d->cuDevicePrimaryCtxRelease(device);
}

ssm_status CudaModel::load(const Artifact &artifact, std::string &error) {
  d = driver(error);
  if (!d)
    return SSM_ERROR_UNSUPPORTED;
  int count = 0;
  if (CUresult r = d->cuDeviceGetCount(&count); r != CUDA_SUCCESS || count == 0) {
    error = "no CUDA device" + (r != CUDA_SUCCESS ? ": " + describe(*d, r) : std::string());
    return SSM_ERROR_UNSUPPORTED;
  }
  if (CUresult r = d->cuDeviceGet(&device, 0); r != CUDA_SUCCESS) {
    error = "cuDeviceGet(0): " + describe(*d, r);
    return SSM_ERROR_DEVICE;
  }
  char deviceName[256] = {0};
  d->cuDeviceGetName(deviceName, sizeof(deviceName) - 1, device);
  name = deviceName;
  int major = 0, minor = 0;
  d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  const Manifest &manifest = artifact.manifest();
  if (!cubinRunsOn(manifest, major, minor)) {
    error = "the artifact was compiled for " + manifest.gpuArch + ", but " + name +
            " has compute capability " + std::to_string(major) + "." + std::to_string(minor) +
            "; recompile it for this GPU (ssm-compile --gpu-arch)";
    return SSM_ERROR_UNSUPPORTED;
  }
  if (CUresult r = d->cuDevicePrimaryCtxRetain(&context, device); r != CUDA_SUCCESS) {
    error = "cuDevicePrimaryCtxRetain: " + describe(*d, r);
    return SSM_ERROR_DEVICE;
  }
  d->cuCtxSetCurrent(context);
  // Device memory freed at the end of a run stays in the pool for the next one instead of
  // going back to the driver (allocating it again would cost as much as a small kernel).
  CUmemoryPool pool = nullptr;
  if (d->cuDeviceGetDefaultMemPool(&pool, device) == CUDA_SUCCESS) {
    uint64_t keepAll = UINT64_MAX;
    d->cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keepAll);
  }

  std::vector<std::pair<std::string, CUmodule>> loaded;
  for (const Manifest::GpuKernel &entry : manifest.gpuKernels) {
    CUmodule module = nullptr;
    for (auto &[section, m] : loaded)
      if (section == entry.section)
        module = m;
    if (!module) {
      std::string_view image;
      if (!artifact.find(SSM_SECTION_CUBIN, entry.section, image)) {
        error = "the artifact lacks the GPU code section '" + entry.section + "'";
        return SSM_ERROR_FORMAT;
      }
      // cuModuleLoadData reads an ELF image from memory; copy it to an aligned buffer.
      std::vector<uint64_t> aligned((image.size() + 7) / 8);
      std::memcpy(aligned.data(), image.data(), image.size());
      if (CUresult r = d->cuModuleLoadData(&module, aligned.data()); r != CUDA_SUCCESS) {
        error = "cuModuleLoadData(" + entry.section + "): " + describe(*d, r);
        return SSM_ERROR_DEVICE;
      }
      modules.push_back(module);
      loaded.emplace_back(entry.section, module);
    }
    Kernel kernel{entry.name, nullptr, entry.sharedBytes};
    if (CUresult r = d->cuModuleGetFunction(&kernel.function, module, entry.name.c_str());
        r != CUDA_SUCCESS) {
      error = "cuModuleGetFunction(" + entry.name + "): " + describe(*d, r);
      return SSM_ERROR_FORMAT;
    }
    if (entry.sharedBytes > 48 * 1024)
      if (CUresult r = d->cuFuncSetAttribute(kernel.function,
                                             CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                             static_cast<int>(entry.sharedBytes));
          r != CUDA_SUCCESS) {
        error = "cuFuncSetAttribute(" + entry.name + ", " + std::to_string(entry.sharedBytes) +
                " bytes of shared memory): " + describe(*d, r);
        return SSM_ERROR_DEVICE;
      }
    kernels.push_back(std::move(kernel));
  }
  return SSM_OK;
}

void *CudaModel::alloc(ssm_host_env *env, int64_t bytes) {
  Call *call = reinterpret_cast<Call *>(env);
  const Driver &d = *call->model->d;
  CUdeviceptr ptr = 0;
  // Never a zero-byte allocation: every buffer has a distinct, valid address.
  size_t size = bytes > 0 ? static_cast<size_t>(bytes) : 64;
  if (bytes < 0) {
    call->record(kUnsizableBuffer);
    return nullptr;
  }
  if (CUresult r = d.cuMemAllocAsync(&ptr, size, call->stream); r != CUDA_SUCCESS) {
    call->record("cannot allocate " + std::to_string(bytes) +
                 " bytes of device memory: " + describe(d, r));
    return nullptr;
  }
  call->allocations.push_back(ptr);
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

void CudaModel::launch(ssm_host_env *env, int32_t kernel, int32_t gx, int32_t gy, int32_t gz,
                       int32_t bx, int32_t by, int32_t bz, int32_t shared, void **params) {
  Call *call = reinterpret_cast<Call *>(env);
  CudaModel &model = *call->model;
  if (kernel < 0 || static_cast<size_t>(kernel) >= model.kernels.size()) {
    call->record("compiled code launched kernel #" + std::to_string(kernel) +
                 ", which the manifest does not list");
    return;
  }
  const Kernel &k = model.kernels[kernel];
  if (gx <= 0 || gy <= 0 || gz <= 0)
    return; // an empty grid: nothing to do
  if (call->start && !call->started) {
    model.d->cuEventRecord(call->start, call->stream);
    call->started = true;
  }
  if (CUresult r = model.d->cuLaunchKernel(k.function, gx, gy, gz, bx, by, bz, shared, call->stream,
                                           params, nullptr);
      r != CUDA_SUCCESS)
    call->record("cuLaunchKernel(" + k.name + ", grid " + std::to_string(gx) + "x" +
                 std::to_string(gy) + "x" + std::to_string(gz) + ", block " + std::to_string(bx) +
                 "x" + std::to_string(by) + "x" + std::to_string(bz) + ", " +
                 std::to_string(shared) + " bytes shared): " + describe(*model.d, r));
}

static void noParallelFor(ssm_host_env *env, ssm_cpu_kernel_fn, void **, int64_t) {
  env->status = 1;
}

ssm_status CudaModel::run(ssm_host_entry_fn entry, const Manifest &manifest,
                          ssm_tensor *const *inputs, std::vector<ssm_tensor *> &outputs,
                          double &deviceMs, std::string &error) {
  d->cuCtxSetCurrent(context);
  Call call;
  call.env.abi_version = SSM_HOST_ABI_VERSION;
  call.env.status = 0;
  call.env.alloc = &CudaModel::alloc;
  call.env.fail = [](ssm_host_env *env, const char *message, int64_t a, int64_t b) {
    reinterpret_cast<Call *>(env)->record(std::string(message) + " (got " + std::to_string(a) +
                                          " and " + std::to_string(b) + ")");
  };
  call.env.parallel_for = noParallelFor;
  call.env.launch = &CudaModel::launch;
  call.model = this;
  if (CUresult r = d->cuStreamCreate(&call.stream, CU_STREAM_NON_BLOCKING); r != CUDA_SUCCESS) {
    error = "cuStreamCreate: " + describe(*d, r);
    return SSM_ERROR_DEVICE;
  }
  CUevent start = nullptr, stop = nullptr;
  d->cuEventCreate(&start, 0);
  d->cuEventCreate(&stop, 0);
  call.start = start;
  struct Cleanup {
    Call &call;
    const Driver &d;
    CUevent start, stop;
    ~Cleanup() {
      for (CUdeviceptr ptr : call.allocations)
        d.cuMemFreeAsync(ptr, call.stream);
      d.cuStreamSynchronize(call.stream);
      d.cuStreamDestroy(call.stream);
      if (start)
        d.cuEventDestroy(start);
      if (stop)
        d.cuEventDestroy(stop);
    }
  } cleanup{call, *d, start, stop};

  // Inputs to the device.
  std::vector<std::vector<int64_t>> inputWords;
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    const ssm_tensor *tensor = inputs[i];
    size_t bytes = ssm_tensor_num_bytes(tensor);
    void *device = alloc(&call.env, static_cast<int64_t>(bytes));
    if (!device) {
      error = call.failure;
      return SSM_ERROR_OUT_OF_MEMORY;
    }
    if (bytes > 0)
      if (CUresult r = d->cuMemcpyHtoDAsync(reinterpret_cast<uintptr_t>(device), tensor->data,
                                            bytes, call.stream);
          r != CUDA_SUCCESS) {
        error = "copying input '" + manifest.inputs[i].name + "' to the GPU: " + describe(*d, r);
        return SSM_ERROR_DEVICE;
      }
    size_t rank = tensor->shape.size();
    std::vector<int64_t> words(3 + 2 * rank);
    words[0] = words[1] = static_cast<int64_t>(reinterpret_cast<intptr_t>(device));
    int64_t stride = 1;
    for (size_t k = rank; k-- > 0;) {
      words[3 + k] = tensor->shape[k];
      words[3 + rank + k] = stride;
      stride *= tensor->shape[k];
    }
    inputWords.push_back(std::move(words));
  }
  std::vector<void *> inputPointers, outputPointers;
  for (auto &words : inputWords)
    inputPointers.push_back(words.data());
  std::vector<std::vector<int64_t>> outputWords;
  for (const TensorSpec &output : manifest.outputs)
    outputWords.emplace_back(3 + 2 * output.shape.size(), 0);
  for (auto &words : outputWords)
    outputPointers.push_back(words.data());

  if (const char *flush = std::getenv("SSM_FLUSH_L2"); flush && std::strcmp(flush, "1") == 0) {
    if (!flushBuffer) {
      int l2 = 0;
      d->cuDeviceGetAttribute(&l2, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, device);
      flushBytes = 2 * static_cast<size_t>(std::max(l2, 1 << 20));
      if (d->cuMemAllocAsync(&flushBuffer, flushBytes, call.stream) != CUDA_SUCCESS)
        flushBuffer = 0;
    }
    if (flushBuffer)
      d->cuMemsetD8Async(flushBuffer, 0, flushBytes, call.stream);
  }
  int32_t rc = entry(&call.env, inputPointers.data(), outputPointers.data());
  if (stop)
    d->cuEventRecord(stop, call.stream);
  if (CUresult r = d->cuStreamSynchronize(call.stream); r != CUDA_SUCCESS) {
    error = "the GPU reported an error while running the model: " + describe(*d, r);
    return SSM_ERROR_DEVICE;
  }
  if (rc != 0 || call.env.status != 0) {
    error = call.failure.empty() ? "the compiled code failed" : call.failure;
    return call.failure.find("cuLaunchKernel") == 0 || call.failure.find("cannot allocate") == 0
               ? SSM_ERROR_DEVICE
               : SSM_ERROR_EXECUTION;
  }

  float elapsed = 0;
  if (!call.started)
    deviceMs = 0; // no kernel ran
  else
    deviceMs =
        stop && d->cuEventElapsedTime(&elapsed, start, stop) == CUDA_SUCCESS ? elapsed : -1.0;

  // Outputs back to the host.
  for (size_t i = 0; i < manifest.outputs.size(); ++i) {
    const TensorSpec &spec = manifest.outputs[i];
    const int64_t *words = outputWords[i].data();
    size_t rank = spec.shape.size();
    std::vector<int64_t> shape(words + 3, words + 3 + rank);
    ssm_tensor *tensor = nullptr;
    if (ssm_status s =
            ssm_tensor_create(spec.dtype, shape.data(), static_cast<int32_t>(rank), &tensor)) {
      error = ssm_last_error();
      return s;
    }
    outputs[i] = tensor;
    int64_t stride = 1;
    for (size_t k = rank; k-- > 0;) {
      if (shape[k] > 1 && words[3 + rank + k] != stride) {
        error = "output '" + spec.name + "' is not contiguous on the device";
        return SSM_ERROR_EXECUTION;
      }
      stride *= shape[k];
    }
    size_t bytes = ssm_tensor_num_bytes(tensor);
    CUdeviceptr source = static_cast<CUdeviceptr>(words[1]) +
                         static_cast<CUdeviceptr>(words[2]) * ssm_dtype_size(spec.dtype);
    if (bytes > 0)
      if (CUresult r = d->cuMemcpyDtoHAsync(tensor->data, source, bytes, call.stream);
          r != CUDA_SUCCESS) {
        error = "copying output '" + spec.name + "' from the GPU: " + describe(*d, r);
        return SSM_ERROR_DEVICE;
      }
  }
  if (CUresult r = d->cuStreamSynchronize(call.stream); r != CUDA_SUCCESS) {
    error = "copying the outputs from the GPU: " + describe(*d, r);
    return SSM_ERROR_DEVICE;
  }
  return SSM_OK;
}
