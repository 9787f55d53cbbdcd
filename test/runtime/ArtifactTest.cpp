//===- ArtifactTest.cpp - the artifact loader refuses damaged files -------===//
//
// Starts from an artifact that ssm-compile wrote (test/runtime/artifacts/rms_norm.mlir) and
// damages it in every way the loader claims to catch. Damage behind a checksum is made with
// the checksums recomputed, so that the check under test, not a checksum, must catch it.
//
//===----------------------------------------------------------------------===//

#include "Artifact.h"
#include "CudaBackend.h"

#include "ssm/artifact_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

using namespace ssm::rt;

namespace {

std::string readArtifact(const char *name) {
  std::ifstream in(std::string(SSM_TEST_ARTIFACT_DIR) + "/" + name + ".ssmx", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ssm_artifact_header header(const std::string &bytes) {
  ssm_artifact_header h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  return h;
}

ssm_artifact_section section(const std::string &bytes, size_t i) {
  ssm_artifact_section s;
  std::memcpy(&s, bytes.data() + header(bytes).section_table_offset + i * sizeof(s), sizeof(s));
  return s;
}

void setSection(std::string &bytes, size_t i, const ssm_artifact_section &s) {
  std::memcpy(bytes.data() + header(bytes).section_table_offset + i * sizeof(s), &s, sizeof(s));
}

/// Recomputes the table's and the header's checksums (not the sections').
void resealTable(std::string &bytes) {
  ssm_artifact_header h = header(bytes);
  h.table_checksum = ssm_checksum(bytes.data() + h.section_table_offset,
                                  h.section_count * sizeof(ssm_artifact_section));
  h.header_checksum = ssm_artifact_header_checksum(&h);
  std::memcpy(bytes.data(), &h, sizeof(h));
}

/// The index of the section named `name`.
size_t sectionNamed(const std::string &bytes, const char *name) {
  for (size_t i = 0; i < header(bytes).section_count; ++i)
    if (!std::strcmp(section(bytes, i).name, name))
      return i;
  ADD_FAILURE() << "no section " << name;
  return 0;
}

/// The loader's message for `bytes`, or "" if it accepts them.
std::string rejection(const std::string &bytes) {
  Artifact artifact;
  std::string error;
  if (artifact.parse(bytes, "a.ssmx", error) == SSM_OK)
    return "";
  EXPECT_EQ(error.rfind("'a.ssmx' ", 0), 0u) << error;
  return error;
}

#define EXPECT_REJECTED(bytes, message)                                                            \
  do {                                                                                             \
    std::string error = rejection(bytes);                                                          \
    EXPECT_NE(error.find(message), std::string::npos) << "message: " << error;                     \
  } while (false)

class ArtifactTest : public testing::Test {
protected:
  std::string good = readArtifact("rms_norm");
  void SetUp() override {
    ASSERT_GT(good.size(), 1000u);
    ASSERT_EQ(rejection(good), "");
  }
};

TEST_F(ArtifactTest, EveryHeaderByteIsChecked) {
  for (size_t at = 0; at < sizeof(ssm_artifact_header); ++at) {
    std::string damaged = good;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    EXPECT_NE(rejection(damaged), "") << "byte " << at;
  }
}

TEST_F(ArtifactTest, TruncatedOrExtended) {
  EXPECT_REJECTED(good.substr(0, 40), "bytes is shorter than the header");
  EXPECT_REJECTED(good.substr(0, good.size() - 1),
                  "is truncated: its header says " + std::to_string(good.size()) +
                      " bytes, the file has " + std::to_string(good.size() - 1));
  EXPECT_REJECTED(good + "extra", "has 5 bytes after the end its header gives");
}

TEST_F(ArtifactTest, OtherFormatVersion) {
  std::string old = good;
  ssm_artifact_header h = header(old);
  h.format_version = 1;
  h.header_checksum = ssm_artifact_header_checksum(&h);
  std::memcpy(old.data(), &h, sizeof(h));
  EXPECT_REJECTED(old, "has artifact format version 1; this runtime reads version " +
                           std::to_string(SSM_ARTIFACT_FORMAT_VERSION));
}

TEST_F(ArtifactTest, SectionOutsideTheFile) {
  std::string damaged = good;
  size_t host = sectionNamed(damaged, "host.x86-64");
  ssm_artifact_section s = section(damaged, host);
  s.size = good.size();
  setSection(damaged, host, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "'host.x86-64' (" + std::to_string(good.size()) + " bytes at offset " +
                               std::to_string(s.offset) + ") lies outside the file");
  s.offset = ~0ull - 63;
  s.size = 128;
  setSection(damaged, host, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "lies outside the file");
}

TEST_F(ArtifactTest, OverlappingSections) {
  std::string damaged = good;
  size_t manifest = sectionNamed(damaged, "manifest");
  ssm_artifact_section s = section(damaged, manifest);
  s.size += SSM_ARTIFACT_SECTION_ALIGN * 2;
  s.checksum = ssm_checksum(damaged.data() + s.offset, s.size);
  setSection(damaged, manifest, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "has overlapping sections");
}

TEST_F(ArtifactTest, MisalignedSection) {
  std::string damaged = good;
  ssm_artifact_section s = section(damaged, 0);
  s.offset += 8;
  setSection(damaged, 0, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "not a multiple of 64");
}

TEST_F(ArtifactTest, StrayBytesBetweenSections) {
  std::string damaged = good;
  ssm_artifact_section manifest = section(damaged, sectionNamed(damaged, "manifest"));
  uint64_t end = manifest.offset + manifest.size;
  ASSERT_NE(end % SSM_ARTIFACT_SECTION_ALIGN, 0u) << "the manifest leaves no padding";
  damaged[end] = 'x';
  EXPECT_REJECTED(damaged, "has non-zero bytes between offsets " + std::to_string(end));
}

TEST_F(ArtifactTest, CorruptSectionBytes) {
  std::string damaged = good;
  ssm_artifact_section host = section(damaged, sectionNamed(damaged, "host.x86-64"));
  damaged[host.offset + host.size / 2] ^= 1;
  EXPECT_REJECTED(damaged, "section 'host.x86-64' is corrupt (checksum mismatch)");
}

TEST_F(ArtifactTest, UnknownKindsFlagsAndNames) {
  std::string damaged = good;
  ssm_artifact_section s = section(good, 1);
  s.kind = 77;
  setSection(damaged, 1, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "has unknown kind 77");

  damaged = good;
  s = section(good, 1);
  s.flags = 4;
  setSection(damaged, 1, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "has unknown flags 4");

  damaged = good;
  s = section(good, 1);
  std::memset(s.name, 'n', sizeof(s.name));
  setSection(damaged, 1, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "the name of section #1 is not NUL-terminated");
}

TEST_F(ArtifactTest, ManifestNamesAMissingSection) {
  std::string damaged = good;
  size_t host = sectionNamed(damaged, "host.x86-64");
  ssm_artifact_section s = section(damaged, host);
  std::strcpy(s.name, "host.elsewhere");
  setSection(damaged, host, s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "lacks the host code section 'host.x86-64' that its manifest lists");

  damaged = good;
  s = section(damaged, sectionNamed(damaged, "host.x86-64"));
  std::strcpy(s.name, "host.x86-64-v3");
  setSection(damaged, sectionNamed(damaged, "host.x86-64"), s);
  resealTable(damaged);
  EXPECT_REJECTED(damaged, "has two sections of kind 2 named 'host.x86-64-v3'");
}

Manifest manifestWith(const std::string &gpu) {
  std::string text = R"({"host_abi": )" + std::to_string(SSM_HOST_ABI_VERSION) +
                     R"(, "target": "cuda", "entry": "ssm_main", "producer": "test",
                        "inputs": [], "outputs": [], "host_objects": [], "gpu_arch": ")" +
                     gpu + "\"}";
  Manifest manifest;
  std::string error;
  EXPECT_TRUE(parseManifest(text, manifest, error)) << error;
  return manifest;
}

TEST(Manifest, GpuArchitectures) {
  for (const char *bad : {"sm_", "sm_9", "sm_9x", "compute_90", "sm_1000", "sm_a", "sm_00"}) {
    std::string text = R"({"host_abi": )" + std::to_string(SSM_HOST_ABI_VERSION) +
                       R"(, "target": "cuda", "entry": "e", "producer": "p", "inputs": [],
                          "outputs": [], "host_objects": [], "gpu_arch": ")" +
                       bad + "\"}";
    Manifest manifest;
    std::string error;
    EXPECT_FALSE(parseManifest(text, manifest, error)) << bad;
    EXPECT_NE(error.find("'gpu_arch' must name a GPU architecture"), std::string::npos) << error;
  }
  // A cubin runs on its own major version only; "a" pins the minor version too.
  Manifest specific = manifestWith("sm_90a");
  EXPECT_TRUE(cubinRunsOn(specific, 9, 0));
  EXPECT_FALSE(cubinRunsOn(specific, 10, 0));
  Manifest ampere = manifestWith("sm_80");
  EXPECT_TRUE(cubinRunsOn(ampere, 8, 0));
  EXPECT_TRUE(cubinRunsOn(ampere, 8, 6));
  EXPECT_FALSE(cubinRunsOn(ampere, 9, 0));
  EXPECT_FALSE(cubinRunsOn(ampere, 7, 5));
  Manifest blackwell = manifestWith("sm_100a");
  EXPECT_TRUE(cubinRunsOn(blackwell, 10, 0));
  EXPECT_FALSE(cubinRunsOn(blackwell, 9, 0));
}

} // namespace
