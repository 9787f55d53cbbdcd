//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

using namespace ssm::rt::cuda;

namespace {

struct Loaded {
  Driver driver{};
  bool ok = false;
  std::string error;
};

Loaded loadDriver() {
  Loaded loaded;
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    loaded.error = std::string("the CUDA driver (libcuda.so.1) cannot be loaded: ") +
                   (reason ? reason : "unknown reason");
    return loaded;
  }
  Driver &d = loaded.driver;
  bool missing = false;
  std::string missingName;
  auto bind = [&](auto &fn, const char *name) {
    void *symbol = dlsym(handle, name);
    if (!symbol && !missing) {
      missing = true;
      missingName = name;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(symbol);
  };
  bind(d.cuInit, "cuInit");
  bind(d.cuDriverGetVersion, "cuDriverGetVersion");
  bind(d.cuDeviceGetCount, "cuDeviceGetCount");
  bind(d.cuDeviceGet, "cuDeviceGet");
  bind(d.cuDeviceGetName, "cuDeviceGetName");
  bind(d.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  bind(d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  bind(d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  bind(d.cuCtxSetCurrent, "cuCtxSetCurrent");
  bind(d.cuModuleLoadData, "cuModuleLoadData");
  bind(d.cuModuleUnload, "cuModuleUnload");
  bind(d.cuModuleGetFunction, "cuModuleGetFunction");
  bind(d.cuFuncSetAttribute, "cuFuncSetAttribute");
  bind(d.cuLaunchKernel, "cuLaunchKernel");
  bind(d.cuMemAllocAsync, "cuMemAllocAsync");
  bind(d.cuMemFreeAsync, "cuMemFreeAsync");
  bind(d.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  bind(d.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  bind(d.cuMemsetD8Async, "cuMemsetD8Async");
  bind(d.cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool");
  bind(d.cuMemPoolSetAttribute, "cuMemPoolSetAttribute");
  bind(d.cuStreamCreate, "cuStreamCreate");
  bind(d.cuStreamDestroy, "cuStreamDestroy_v2");
  bind(d.cuStreamSynchronize, "cuStreamSynchronize");
  bind(d.cuEventCreate, "cuEventCreate");
  bind(d.cuEventRecord, "cuEventRecord");
  bind(d.cuEventElapsedTime, "cuEventElapsedTime");
  bind(d.cuEventDestroy, "cuEventDestroy_v2");
  bind(d.cuGetErrorName, "cuGetErrorName");
  bind(d.cuGetErrorString, "cuGetErrorString");
  if (missing) {
    loaded.error = "the CUDA driver lacks '" + missingName + "' (driver too old?)";
    return loaded;
  }
  if (CUresult r = d.cuInit(0); r != CUDA_SUCCESS) {
    loaded.error = "cuInit failed: " + describe(d, r);
    return loaded;
  }
  loaded.ok = true;
  return loaded;
}

} // namespace

const Driver *ssm::rt::cuda::driver(std::string &error) {
  static Loaded loaded = loadDriver();
  if (!loaded.ok) {
    error = loaded.error;
    return nullptr;
  }
  return &loaded.driver;
}

std::string ssm::rt::cuda::describe(const Driver &d, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(result, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(result, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(result)) +
         (text ? std::string(": ") + text : std::string());
}
