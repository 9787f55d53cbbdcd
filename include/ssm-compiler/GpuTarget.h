//===- GpuTarget.h - what the GPU passes know about a GPU ---------*- C++ -*-===//
//
// The tiling and kernel-formation passes read their limits from here rather than from
// constants in the passes. Figures are per architecture; the SM count is the part the
// benchmarks run on (H100 SXM: 132 SMs).
//
//===----------------------------------------------------------------------===//

#ifndef SSM_COMPILER_GPUTARGET_H
#define SSM_COMPILER_GPUTARGET_H

#include "llvm/ADT/StringRef.h"

namespace ssmc {

struct GpuTarget {
  llvm::StringRef chip;        // LLVM/ptxas name: "sm_90a"
  llvm::StringRef ptxFeatures; // "+ptx80"
  int computeCapability;       // 90
  int numSMs;
  int warpSize;
  int maxThreadsPerBlock;
  int registersPerSM;
  int sharedBytesPerSM;
  int sharedBytesPerBlock; // with the opt-in attribute
  int defaultBlockSize;    // threads per block of element-wise (one thread per item) kernels
};

/// The description of `chip` ("sm_90a", "sm_90", "sm_80"), or null.
const GpuTarget *lookupGpuTarget(llvm::StringRef chip);

/// "sm_90a, sm_90, sm_80": for messages.
llvm::StringRef knownGpuTargets();

} // namespace ssmc

#endif // SSM_COMPILER_GPUTARGET_H
