//===- GpuTarget.cpp - what the GPU passes know about a GPU ---------------===//

#include "ssm-compiler/GpuTarget.h"

using namespace ssmc;

// Hopper (H100 SXM/H200): 228 KB of shared memory per SM of which 227 KB per block, 64K
// 32-bit registers per SM. Ampere (A100): 164 KB per SM, 163 KB per block.
static const GpuTarget kTargets[] = {
    {"sm_90a", "+ptx80", 90, 132, 32, 1024, 65536, 228 * 1024, 227 * 1024, 256},
    {"sm_90", "+ptx80", 90, 132, 32, 1024, 65536, 228 * 1024, 227 * 1024, 256},
    {"sm_80", "+ptx70", 80, 108, 32, 1024, 65536, 164 * 1024, 163 * 1024, 256},
};

const GpuTarget *ssmc::lookupGpuTarget(llvm::StringRef chip) {
  for (const GpuTarget &target : kTargets)
    if (target.chip == chip)
      return &target;
  return nullptr;
}

llvm::StringRef ssmc::knownGpuTargets() { return "sm_90a, sm_90, sm_80"; }
