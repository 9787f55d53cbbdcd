//===- CpuBackend.h - host code of an artifact on this CPU --------*- C++ -*-===//

#ifndef SSM_RUNTIME_CPUBACKEND_H
#define SSM_RUNTIME_CPUBACKEND_H

#include "ssm/host_abi.h"

#include <string>
#include <string_view>
#include <vector>

namespace ssm::rt {

/// Whether this CPU (and OS) can run code built for `baseline` ("x86-64", "x86-64-v2",
/// "x86-64-v3"). SSM_CPU_BASELINE in the environment caps the choice, e.g. to test the
/// fallback on a machine that has AVX2.
bool cpuSupports(std::string_view baseline);

/// A host shared object loaded from memory.
class HostModule {
public:
  HostModule() = default;
  ~HostModule();
  HostModule(const HostModule &) = delete;
  HostModule &operator=(const HostModule &) = delete;

  /// Loads the ELF image `bytes` and looks up `entry`.
  bool load(std::string_view bytes, const std::string &entry, std::string &error);

  ssm_host_entry_fn entry() const { return entryFn; }

private:
  void *handle = nullptr;
  ssm_host_entry_fn entryFn = nullptr;
};

} // namespace ssm::rt

#endif // SSM_RUNTIME_CPUBACKEND_H
