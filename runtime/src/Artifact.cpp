//===- Artifact.cpp - reading and validating .ssmx files ------------------===//

#include "Artifact.h"

#include "Json.h"

#include "ssm/host_abi.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ssm::rt;

Artifact::~Artifact() {
  if (mapped)
    munmap(mapped, mappedSize);
}

ssm_status Artifact::open(const std::string &path, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return SSM_ERROR_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "'" + path + "' is not a regular file";
    return SSM_ERROR_IO;
  }
  size_t fileSize = static_cast<size_t>(st.st_size);
  if (fileSize < sizeof(ssm_artifact_header)) {
    ::close(fd);
    error = "'" + path + "' is not an artifact: " + std::to_string(fileSize) +
            " bytes is shorter than the header";
    return SSM_ERROR_FORMAT;
  }
  void *region = mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (region == MAP_FAILED) {
    error = "cannot map '" + path + "': " + std::strerror(errno);
    return SSM_ERROR_IO;
  }
  mapped = region;
  mappedSize = fileSize;
  return parse(std::string_view(static_cast<const char *>(region), fileSize), path, error);
}

namespace {

bool knownSectionKind(uint32_t kind) {
  return kind >= SSM_SECTION_MANIFEST && kind <= SSM_SECTION_WEIGHTS;
}

bool allZero(const uint8_t *bytes, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (bytes[i])
      return false;
  return true;
}

} // namespace

ssm_status Artifact::parse(std::string_view bytes, const std::string &label, std::string &error) {
  data = reinterpret_cast<const uint8_t *>(bytes.data());
  size = bytes.size();
  std::string file = "'" + label + "'";
  auto corrupt = [&](const std::string &message) {
    error = file + " " + message;
    return SSM_ERROR_FORMAT;
  };
  if (size < sizeof(ssm_artifact_header))
    return corrupt("is not an artifact: " + std::to_string(size) +
                   " bytes is shorter than the header");
  ssm_artifact_header header;
  std::memcpy(&header, data, sizeof(header));
  if (std::memcmp(header.magic, SSM_ARTIFACT_MAGIC, sizeof(header.magic)) != 0)
    return corrupt("is not an artifact (bad magic)");
  if (header.format_version != SSM_ARTIFACT_FORMAT_VERSION)
    return corrupt("has artifact format version " + std::to_string(header.format_version) +
                   "; this runtime reads version " + std::to_string(SSM_ARTIFACT_FORMAT_VERSION) +
                   ": recompile it with a matching ssm-compile");
  if (ssm_artifact_header_checksum(&header) != header.header_checksum)
    return corrupt("has a corrupt header (checksum mismatch)");
  if (!allZero(header.reserved, sizeof(header.reserved)))
    return corrupt("has a corrupt header (reserved bytes are not zero)");
  if (header.file_size > size)
    return corrupt("is truncated: its header says " + std::to_string(header.file_size) +
                   " bytes, the file has " + std::to_string(size));
  if (header.file_size < size)
    return corrupt("has " + std::to_string(size - header.file_size) +
                   " bytes after the end its header gives (" + std::to_string(header.file_size) +
                   " bytes)");

  constexpr uint32_t maxSections = 4096;
  if (header.section_count == 0 || header.section_count > maxSections)
    return corrupt("has a corrupt section table: " + std::to_string(header.section_count) +
                   " sections (1 to " + std::to_string(maxSections) + " expected)");
  uint64_t tableBytes = static_cast<uint64_t>(header.section_count) * sizeof(ssm_artifact_section);
  if (header.section_table_offset < sizeof(ssm_artifact_header) ||
      header.section_table_offset % 8 != 0 || header.section_table_offset > size ||
      tableBytes > size - header.section_table_offset)
    return corrupt("has a corrupt section table: " + std::to_string(tableBytes) +
                   " bytes at offset " + std::to_string(header.section_table_offset) +
                   " do not lie after the header and inside the file");
  sections.resize(header.section_count);
  std::memcpy(sections.data(), data + header.section_table_offset, tableBytes);
  if (ssm_checksum(sections.data(), tableBytes) != header.table_checksum)
    return corrupt("has a corrupt section table (checksum mismatch)");

  uint64_t tableEnd = header.section_table_offset + tableBytes;
  // The parts of the file each byte belongs to: the header, the table, the sections, and zero
  // padding between them; anything else (overlaps, stray bytes) is corruption.
  std::vector<std::pair<uint64_t, uint64_t>> used{{0, sizeof(ssm_artifact_header)},
                                                  {header.section_table_offset, tableEnd}};
  for (size_t i = 0; i < sections.size(); ++i) {
    const ssm_artifact_section &section = sections[i];
    std::string what = "section #" + std::to_string(i);
    if (!std::memchr(section.name, '\0', sizeof(section.name)))
      return corrupt("has a corrupt section table: the name of " + what + " is not NUL-terminated");
    what += " '" + std::string(section.name) + "'";
    if (!knownSectionKind(section.kind))
      return corrupt(what + " has unknown kind " + std::to_string(section.kind) +
                     " (written by a newer ssm-compile?)");
    if (section.flags != 0)
      return corrupt(what + " has unknown flags " + std::to_string(section.flags));
    if (section.offset % SSM_ARTIFACT_SECTION_ALIGN != 0)
      return corrupt(what + " starts at offset " + std::to_string(section.offset) +
                     ", not a multiple of " + std::to_string(SSM_ARTIFACT_SECTION_ALIGN));
    if (section.offset > size || section.size > size - section.offset)
      return corrupt(what + " (" + std::to_string(section.size) + " bytes at offset " +
                     std::to_string(section.offset) + ") lies outside the file (" +
                     std::to_string(size) + " bytes)");
    for (size_t j = 0; j < i; ++j)
      if (sections[j].kind == section.kind && !std::strcmp(sections[j].name, section.name))
        return corrupt("has two sections of kind " + std::to_string(section.kind) + " named '" +
                       section.name + "'");
    used.emplace_back(section.offset, section.offset + section.size);
  }
  std::sort(used.begin(), used.end());
  uint64_t end = 0;
  for (auto [begin, until] : used) {
    if (begin < end)
      return corrupt("has overlapping sections (at offset " + std::to_string(begin) + ")");
    if (!allZero(data + end, static_cast<size_t>(begin - end)))
      return corrupt("has non-zero bytes between offsets " + std::to_string(end) + " and " +
                     std::to_string(begin) + ", outside every section");
    end = until;
  }
  if (!allZero(data + end, static_cast<size_t>(size - end)))
    return corrupt("has non-zero bytes after offset " + std::to_string(end) +
                   ", outside every section");
  for (const ssm_artifact_section &section : sections)
    if (ssm_checksum(data + section.offset, section.size) != section.checksum)
      return corrupt("section '" + std::string(section.name) + "' is corrupt (checksum mismatch)");

  std::string_view manifestText;
  if (!find(SSM_SECTION_MANIFEST, "", manifestText))
    return corrupt("has no manifest");
  std::string manifestError;
  if (!parseManifest(manifestText, parsed, manifestError))
    return corrupt(manifestError);
  std::string_view ignored;
  for (const Manifest::HostObject &object : parsed.hostObjects)
    if (!find(SSM_SECTION_HOST_SO, object.section, ignored))
      return corrupt("lacks the host code section '" + object.section +
                     "' that its manifest lists");
  for (const Manifest::GpuKernel &kernel : parsed.gpuKernels)
    if (!find(SSM_SECTION_CUBIN, kernel.section, ignored))
      return corrupt("lacks the GPU code section '" + kernel.section + "' of kernel '" +
                     kernel.name + "'");
  return SSM_OK;
}

bool Artifact::find(uint32_t kind, std::string_view name, std::string_view &bytes) const {
  for (const ssm_artifact_section &section : sections) {
    if (section.kind != kind || (!name.empty() && name != section.name))
      continue;
    bytes = std::string_view(reinterpret_cast<const char *>(data + section.offset),
                             static_cast<size_t>(section.size));
    return true;
  }
  return false;
}

ssm_dtype ssm::rt::dtypeFromName(std::string_view name) {
  static const struct {
    const char *name;
    ssm_dtype dtype;
  } table[] = {{"f32", SSM_DTYPE_F32},  {"f16", SSM_DTYPE_F16}, {"bf16", SSM_DTYPE_BF16},
               {"f64", SSM_DTYPE_F64},  {"i64", SSM_DTYPE_I64}, {"i32", SSM_DTYPE_I32},
               {"i16", SSM_DTYPE_I16},  {"i8", SSM_DTYPE_I8},   {"u8", SSM_DTYPE_U8},
               {"u16", SSM_DTYPE_U16},  {"u32", SSM_DTYPE_U32}, {"u64", SSM_DTYPE_U64},
               {"bool", SSM_DTYPE_BOOL}};
  for (const auto &entry : table)
    if (name == entry.name)
      return entry.dtype;
  return SSM_DTYPE_UNDEFINED;
}

namespace {

const json::Value *member(const json::Value &object, const char *key, json::Value::Kind kind,
                          std::string &error, const std::string &where) {
  const json::Value *value = object.find(key);
  if (!value || value->kind() != kind) {
    error = "manifest: " + where + " needs '" + key + "' of the right kind";
    return nullptr;
  }
  return value;
}

bool parseSpecs(const json::Value &root, const char *key, std::vector<TensorSpec> &out,
                std::string &error) {
  const json::Value *list = member(root, key, json::Value::Kind::Array, error, "the manifest");
  if (!list)
    return false;
  for (const json::Value &entry : list->asArray()) {
    std::string where = std::string(key) + " #" + std::to_string(out.size());
    const json::Value *name = member(entry, "name", json::Value::Kind::String, error, where);
    const json::Value *dtype = member(entry, "dtype", json::Value::Kind::String, error, where);
    const json::Value *shape = member(entry, "shape", json::Value::Kind::Array, error, where);
    if (!name || !dtype || !shape)
      return false;
    TensorSpec spec;
    spec.name = name->asString();
    spec.dtype = dtypeFromName(dtype->asString());
    if (spec.dtype == SSM_DTYPE_UNDEFINED) {
      error = "manifest: " + where + " has unknown dtype '" + dtype->asString() + "'";
      return false;
    }
    if (shape->asArray().size() > 8) {
      error = "manifest: " + where + " has rank above 8";
      return false;
    }
    for (const json::Value &dim : shape->asArray()) {
      int64_t size;
      if (!dim.asInt64(size) || size < -1) {
        error = "manifest: " + where + " has a bad dimension";
        return false;
      }
      spec.shape.push_back(size);
    }
    out.push_back(std::move(spec));
  }
  return true;
}

/// "sm_<major><minor>" with an optional "a" (architecture-specific features).
bool parseGpuArch(const std::string &arch, Manifest &manifest) {
  std::string_view digits(arch);
  if (digits.substr(0, 3) != "sm_")
    return false;
  digits.remove_prefix(3);
  manifest.gpuArchSpecific = !digits.empty() && digits.back() == 'a';
  if (manifest.gpuArchSpecific)
    digits.remove_suffix(1);
  if (digits.size() < 2 || digits.size() > 3)
    return false;
  int number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return false;
    number = number * 10 + (c - '0');
  }
  manifest.gpuArch = arch;
  manifest.gpuMajor = number / 10;
  manifest.gpuMinor = number % 10;
  return manifest.gpuMajor > 0;
}

} // namespace

bool ssm::rt::parseManifest(std::string_view text, Manifest &out, std::string &error) {
  json::Value root;
  std::string parseError;
  if (!json::parse(text, root, parseError)) {
    error = "manifest: " + parseError;
    return false;
  }
  if (!root.isObject()) {
    error = "manifest: not a JSON object";
    return false;
  }
  Manifest manifest;
  const json::Value *abi = root.find("host_abi");
  int64_t abiVersion;
  if (!abi || !abi->asInt64(abiVersion) || abiVersion != SSM_HOST_ABI_VERSION) {
    error = "manifest: the artifact was compiled for another host ABI version; recompile it "
            "with a matching ssm-compile (this runtime: " +
            std::to_string(SSM_HOST_ABI_VERSION) + ")";
    return false;
  }
  for (auto [key, field] :
       {std::pair{"target", &manifest.target}, std::pair{"entry", &manifest.entry},
        std::pair{"producer", &manifest.producer}}) {
    const json::Value *value = member(root, key, json::Value::Kind::String, error, "the manifest");
    if (!value)
      return false;
    *field = value->asString();
  }
  if (!parseSpecs(root, "inputs", manifest.inputs, error) ||
      !parseSpecs(root, "outputs", manifest.outputs, error))
    return false;
  const json::Value *hosts =
      member(root, "host_objects", json::Value::Kind::Array, error, "the manifest");
  if (!hosts)
    return false;
  for (const json::Value &entry : hosts->asArray()) {
    const json::Value *section =
        member(entry, "section", json::Value::Kind::String, error, "a host object");
    const json::Value *cpu =
        member(entry, "cpu", json::Value::Kind::String, error, "a host object");
    if (!section || !cpu)
      return false;
    manifest.hostObjects.push_back({section->asString(), cpu->asString()});
  }
  if (const json::Value *gpu = root.find("gpu_arch")) {
    if (!gpu->isString() || !parseGpuArch(gpu->asString(), manifest)) {
      error = "manifest: 'gpu_arch' must name a GPU architecture such as \"sm_90a\" or "
              "\"sm_80\"";
      return false;
    }
  }
  if (const json::Value *kernels = root.find("gpu_kernels")) {
    if (!kernels->isArray()) {
      error = "manifest: 'gpu_kernels' must be an array";
      return false;
    }
    for (const json::Value &kernel : kernels->asArray()) {
      const json::Value *name =
          member(kernel, "name", json::Value::Kind::String, error, "a GPU kernel");
      const json::Value *section =
          member(kernel, "section", json::Value::Kind::String, error, "a GPU kernel");
      if (!name || !section)
        return false;
      Manifest::GpuKernel entry{name->asString(), section->asString(), 0};
      if (const json::Value *shared = kernel.find("shared_bytes");
          shared && (!shared->asInt64(entry.sharedBytes) || entry.sharedBytes < 0 ||
                     entry.sharedBytes > (1 << 20))) {
        error = "manifest: GPU kernel '" + entry.name + "' has a bad shared_bytes";
        return false;
      }
      manifest.gpuKernels.push_back(std::move(entry));
    }
  }
  if (manifest.target == "cuda" && manifest.gpuArch.empty()) {
    error = "manifest: a cuda artifact needs 'gpu_arch'";
    return false;
  }
  if (const json::Value *kernels = root.find("kernels"); kernels && kernels->isArray())
    for (const json::Value &kernel : kernels->asArray())
      if (const json::Value *name = kernel.find("name"); name && name->isString())
        manifest.kernels.push_back(name->asString());
  out = std::move(manifest);
  return true;
}
