//===- CudaBackend.h - GPU artifacts on an NVIDIA GPU ------------*- C++ -*-===//

#ifndef SSM_RUNTIME_CUDABACKEND_H
#define SSM_RUNTIME_CUDABACKEND_H

#include "Artifact.h"
#include "CudaDriver.h"

#include "ssm/host_abi.h"
#include "ssm/runtime.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ssm::rt {

/// Whether the cubins of `manifest` run on a GPU of compute capability `major`.`minor`: those
/// for "sm_90a" on 9.0 only, those for "sm_80" on 8.0 and later 8.x (a cubin never runs on
/// another major version).
bool cubinRunsOn(const Manifest &manifest, int major, int minor);

/// The device side of a loaded GPU artifact: the context, the kernels' modules and functions.
class CudaModel {
public:
  CudaModel() = default;
  ~CudaModel();
  CudaModel(const CudaModel &) = delete;
  CudaModel &operator=(const CudaModel &) = delete;

  /// Opens the driver and device 0, checks its architecture against the artifact's, loads the
  /// cubins and looks up every kernel of the launch table.
  ssm_status load(const Artifact &artifact, std::string &error);

  /// Runs compiled host code: copies `inputs` to the device, calls `entry` (whose `alloc` and
  /// `launch` go to this device), and copies the outputs back into new host tensors.
  /// `deviceMs` receives the GPU time from the start of the first kernel to the end of the
  /// last (without the copies). With SSM_FLUSH_L2=1 in the environment, the L2 cache is
  /// overwritten before the first kernel, so that inputs are read from memory as they would
  /// be in a model (benchmarks).
  ssm_status run(ssm_host_entry_fn entry, const Manifest &manifest, ssm_tensor *const *inputs,
                 std::vector<ssm_tensor *> &outputs, double &deviceMs, std::string &error);

  std::string deviceName() const { return name; }

private:
  struct Kernel {
    std::string name;
    cuda::CUfunction function = nullptr;
    int64_t sharedBytes = 0;
  };
  struct Call;
  static void *alloc(ssm_host_env *env, int64_t bytes);
  static void launch(ssm_host_env *env, int32_t kernel, int32_t gx, int32_t gy, int32_t gz,
                     int32_t bx, int32_t by, int32_t bz, int32_t shared, void **params);

  const cuda::Driver *d = nullptr;
  cuda::CUdevice device = 0;
  cuda::CUcontext context = nullptr;
  std::vector<cuda::CUmodule> modules;
  std::vector<Kernel> kernels;
  std::string name;
  /// Twice the L2 cache, written before a run with SSM_FLUSH_L2=1 (allocated on first use).
  cuda::CUdeviceptr flushBuffer = 0;
  size_t flushBytes = 0;
};

} // namespace ssm::rt

#endif // SSM_RUNTIME_CUDABACKEND_H
