//===- ArtifactWriter.h - write .ssmx artifacts -------------------*- C++ -*-===//

#ifndef SSM_LIB_ARTIFACT_ARTIFACTWRITER_H
#define SSM_LIB_ARTIFACT_ARTIFACTWRITER_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ssmc {

struct ArtifactSection {
  uint32_t kind; // ssm_artifact_section_kind
  std::string name;
  std::string bytes;
};

/// The bytes of an artifact: the header, the section table, the manifest (first section) and
/// `sections`, each aligned and checksummed as runtime/include/ssm/artifact_format.h says. Fails
/// on a section name that does not fit the table.
llvm::Expected<std::string> serializeArtifact(const llvm::json::Value &manifest,
                                              const std::vector<ArtifactSection> &sections);

/// Writes `bytes` to `path` through a temporary file in the same directory, so that a failure
/// never leaves a partial artifact.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

} // namespace ssmc

#endif // SSM_LIB_ARTIFACT_ARTIFACTWRITER_H
