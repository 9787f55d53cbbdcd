//===- Artifact.h - reading and validating .ssmx files ------------*- C++ -*-===//

#ifndef SSM_RUNTIME_ARTIFACT_H
#define SSM_RUNTIME_ARTIFACT_H

#include "ssm/artifact_format.h"
#include "ssm/runtime.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ssm::rt {

/// What a model's manifest declares about one input or output.
struct TensorSpec {
  std::string name;
  ssm_dtype dtype = SSM_DTYPE_UNDEFINED;
  std::vector<int64_t> shape; // -1: dynamic
};

struct Manifest {
  std::string producer;
  std::string target;
  std::string entry;
  std::vector<TensorSpec> inputs, outputs;
  struct HostObject {
    std::string section;
    std::string cpu;
  };
  std::vector<HostObject> hostObjects;
  std::vector<std::string> kernels;
  // GPU artifacts: the architecture the kernels were built for ("sm_90a": compute capability
  // 9.0 exactly; "sm_80": 8.0 and later 8.x) and the launch table that host code indexes.
  std::string gpuArch;
  int gpuMajor = 0, gpuMinor = 0;
  bool gpuArchSpecific = false;
  struct GpuKernel {
    std::string name;
    std::string section; // the cubin section holding it
    int64_t sharedBytes = 0;
  };
  std::vector<GpuKernel> gpuKernels;
};

/// An artifact file mapped into memory and validated: the header (magic, version, checksum,
/// size), the section table (bounds, checksum), every section (kind, bounds, alignment, no
/// overlap, checksum), zero padding between them, the manifest, and that the sections the
/// manifest names exist.
class Artifact {
public:
  Artifact() = default;
  ~Artifact();
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;

  /// Maps and validates `path`; on failure sets `error` and returns the status to report.
  ssm_status open(const std::string &path, std::string &error);

  /// Validates the artifact in `bytes`, which must outlive this object; `label` names it in
  /// errors. On failure sets `error` and returns SSM_ERROR_FORMAT.
  ssm_status parse(std::string_view bytes, const std::string &label, std::string &error);

  /// The bytes of the section of `kind` named `name` (any name if empty); empty if absent.
  bool find(uint32_t kind, std::string_view name, std::string_view &bytes) const;

  const Manifest &manifest() const { return parsed; }

private:
  void *mapped = nullptr; // the mapping that open() made, if any
  size_t mappedSize = 0;
  const uint8_t *data = nullptr;
  size_t size = 0;
  std::vector<ssm_artifact_section> sections;
  Manifest parsed;
};

/// Parses and checks the manifest's JSON.
bool parseManifest(std::string_view text, Manifest &out, std::string &error);

/// "f32" -> SSM_DTYPE_F32, ...; SSM_DTYPE_UNDEFINED if unknown.
ssm_dtype dtypeFromName(std::string_view name);

} // namespace ssm::rt

#endif // SSM_RUNTIME_ARTIFACT_H
