//===- ArtifactWriter.cpp - write .ssmx artifacts -------------------------===//

#include "lib/Artifact/ArtifactWriter.h"

#include "ssm/artifact_format.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace ssmc;

static uint64_t alignTo(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

llvm::Expected<std::string> ssmc::serializeArtifact(const llvm::json::Value &manifest,
                                                    const std::vector<ArtifactSection> &sections) {
  std::vector<ArtifactSection> all;
  std::string manifestText;
  llvm::raw_string_ostream(manifestText) << llvm::formatv("{0:2}", manifest);
  all.push_back({SSM_SECTION_MANIFEST, "manifest", manifestText});
  all.insert(all.end(), sections.begin(), sections.end());
  for (const ArtifactSection &section : all)
    if (section.name.size() >= sizeof(ssm_artifact_section::name))
      return llvm::createStringError("artifact section name '%s' is longer than %zu bytes",
                                     section.name.c_str(), sizeof(ssm_artifact_section::name) - 1);

  ssm_artifact_header header;
  std::memset(&header, 0, sizeof(header));
  std::memcpy(header.magic, SSM_ARTIFACT_MAGIC, sizeof(header.magic));
  header.format_version = SSM_ARTIFACT_FORMAT_VERSION;
  header.section_count = static_cast<uint32_t>(all.size());
  header.section_table_offset = sizeof(ssm_artifact_header);

  std::vector<ssm_artifact_section> table(all.size());
  uint64_t offset = alignTo(sizeof(ssm_artifact_header) + all.size() * sizeof(ssm_artifact_section),
                            SSM_ARTIFACT_SECTION_ALIGN);
  for (size_t i = 0; i < all.size(); ++i) {
    ssm_artifact_section &entry = table[i];
    std::memset(&entry, 0, sizeof(entry));
    entry.kind = all[i].kind;
    entry.offset = offset;
    entry.size = all[i].bytes.size();
    entry.checksum = ssm_checksum(all[i].bytes.data(), all[i].bytes.size());
    std::memcpy(entry.name, all[i].name.c_str(), all[i].name.size());
    offset = alignTo(offset + entry.size, SSM_ARTIFACT_SECTION_ALIGN);
  }
  header.file_size = offset;
  header.table_checksum = ssm_checksum(table.data(), table.size() * sizeof(ssm_artifact_section));
  header.header_checksum = ssm_artifact_header_checksum(&header);

  std::string bytes(offset, '\0');
  std::memcpy(bytes.data(), &header, sizeof(header));
  std::memcpy(bytes.data() + sizeof(header), table.data(),
              table.size() * sizeof(ssm_artifact_section));
  for (size_t i = 0; i < all.size(); ++i)
    std::memcpy(bytes.data() + table[i].offset, all[i].bytes.data(), all[i].bytes.size());
  return bytes;
}

llvm::Error ssmc::writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes) {
  llvm::SmallString<256> temp;
  int fd;
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temp))
    return llvm::createStringError(ec, "cannot create a file next to '%s': %s", path.str().c_str(),
                                   ec.message().c_str());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      llvm::sys::fs::remove(temp);
      return llvm::createStringError(ec, "cannot write '%s': %s", temp.c_str(),
                                     ec.message().c_str());
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return llvm::createStringError(ec, "cannot rename '%s' to '%s': %s", temp.c_str(),
                                   path.str().c_str(), ec.message().c_str());
  }
  return llvm::Error::success();
}
