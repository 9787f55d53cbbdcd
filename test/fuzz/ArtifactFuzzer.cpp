//===- ArtifactFuzzer.cpp - fuzz the runtime's artifact loader ------------===//
//
// Input: the bytes of a .ssmx file, validated as ssm_model_load validates one (everything but
// loading the host code). Random bytes rarely get past the checksums, so each input is also
// validated once more with its checksums made right: that reaches the section checks, the
// manifest's JSON and its schema.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace ssm::rt;

namespace {

void validate(std::string_view bytes) {
  Artifact artifact;
  std::string error;
  if (artifact.parse(bytes, "input", error) != SSM_OK) {
    if (error.rfind("'input' ", 0) != 0) {
      std::fprintf(stderr, "artifact: a rejection without a message naming the input: '%s'\n",
                   error.c_str());
      std::abort();
    }
    return;
  }
  std::string_view section;
  for (const Manifest::HostObject &object : artifact.manifest().hostObjects)
    if (!artifact.find(SSM_SECTION_HOST_SO, object.section, section)) {
      std::fprintf(stderr, "artifact: accepted without its host code section\n");
      std::abort();
    }
}

/// `bytes` with every checksum that lies inside it recomputed.
std::string withChecksums(std::string bytes) {
  if (bytes.size() < sizeof(ssm_artifact_header))
    return bytes;
  ssm_artifact_header header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  uint64_t tableBytes = uint64_t(header.section_count) * sizeof(ssm_artifact_section);
  if (header.section_count <= 4096 && header.section_table_offset <= bytes.size() &&
      tableBytes <= bytes.size() - header.section_table_offset) {
    char *table = bytes.data() + header.section_table_offset;
    for (uint32_t i = 0; i < header.section_count; ++i) {
      ssm_artifact_section section;
      std::memcpy(&section, table + i * sizeof(section), sizeof(section));
      if (section.offset <= bytes.size() && section.size <= bytes.size() - section.offset)
        section.checksum = ssm_checksum(bytes.data() + section.offset, section.size);
      std::memcpy(table + i * sizeof(section), &section, sizeof(section));
    }
    header.table_checksum = ssm_checksum(table, tableBytes);
  }
  header.header_checksum = ssm_artifact_header_checksum(&header);
  std::memcpy(bytes.data(), &header, sizeof(header));
  return bytes;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  validate(bytes);
  validate(withChecksums(std::string(bytes)));
  return 0;
}
