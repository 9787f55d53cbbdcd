/*===- ssm/artifact_format.h - the .ssmx artifact file layout --------------===*
 *
 * One file holds a compiled model: a fixed header, a table of sections, and the sections
 * themselves (a JSON manifest, host shared objects per CPU baseline, GPU binaries, weights).
 * The compiler writes it (lib/Artifact), the runtime reads and validates it. All integers are
 * little-endian. docs/ArtifactFormat.md describes the manifest.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SSM_ARTIFACT_FORMAT_H
#define SSM_ARTIFACT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_ARTIFACT_MAGIC "SSMXART" /* 7 characters and a NUL: 8 bytes */
/* 2: the header carries its own checksum, and every byte between sections must be zero. */
#define SSM_ARTIFACT_FORMAT_VERSION 2
#define SSM_ARTIFACT_SECTION_ALIGN 64 /* every section starts at a multiple of this */

typedef struct ssm_artifact_header {
  char magic[8];
  uint32_t format_version;
  uint32_t section_count;
  uint64_t section_table_offset; /* follows the header */
  uint64_t file_size;            /* the whole file, to detect truncation */
  uint64_t table_checksum;       /* ssm_checksum of the section table */
  uint64_t header_checksum;      /* ssm_checksum of these 64 bytes with this field zero */
  uint8_t reserved[16];          /* zero */
} ssm_artifact_header;           /* 64 bytes */

enum ssm_artifact_section_kind {
  SSM_SECTION_MANIFEST = 1, /* JSON, UTF-8 */
  SSM_SECTION_HOST_SO = 2,  /* an ELF shared object for one CPU baseline (name: the baseline) */
  SSM_SECTION_CUBIN = 3,    /* name: the GPU architecture, e.g. "sm_90a" */
  SSM_SECTION_PTX = 4,
  SSM_SECTION_WEIGHTS = 5
};

typedef struct ssm_artifact_section {
  uint32_t kind;
  uint32_t flags; /* reserved, 0 */
  uint64_t offset;
  uint64_t size;
  uint64_t checksum;    /* ssm_checksum of the section's bytes */
  char name[32];        /* NUL-terminated, NUL-padded */
} ssm_artifact_section; /* 64 bytes */

/* A 64-bit checksum over 8-byte words (FNV-1a style mixing), fast enough to check on load. */
static inline uint64_t ssm_checksum(const void *data, size_t size) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w = 0;
    for (int b = 0; b < 8; ++b)
      w |= (uint64_t)p[i + b] << (8 * b);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < size; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h ^ (h >> 32);
}

/* The header's checksum: over its 64 bytes, header_checksum counted as zero. */
static inline uint64_t ssm_artifact_header_checksum(const ssm_artifact_header *header) {
  ssm_artifact_header copy = *header;
  copy.header_checksum = 0;
  return ssm_checksum(&copy, sizeof(copy));
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSM_ARTIFACT_FORMAT_H */
