//===- Compiler.h - the compiler as a library ---------------------*- C++ -*-===//
//
// What ssm-compile does, for any embedder: lower a module of ssm/lm/upstream ops on tensors
// into an artifact (.ssmx) that the runtime loads, or stop at an intermediate stage to look
// at it.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_COMPILER_COMPILER_H
#define SSM_COMPILER_COMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class PassManager;
} // namespace mlir

namespace ssmc {

enum class Target {
  Cpu,  // host code and CPU kernels
  Cuda, // host code launching NVIDIA GPU kernels
};

/// Where compilation stops; each stage prints the IR (or text) of that point.
enum class EmitStage {
  Input,    // as parsed or imported, verified
  Raised,   // plain-op subgraphs recognised as ssm/lm ops (ssm-raise)
  Loops,    // ssm/lm ops lowered to loops, still on tensors
  Buffers,  // bufferized
  Kernels,  // CPU or GPU kernels formed, entry point created
  LLVM,     // the LLVM dialect
  LLVMIR,   // optimized LLVM IR of the first CPU baseline
  PTX,      // the PTX of the GPU kernels (Target::Cuda)
  Artifact, // the .ssmx file
};

/// Parses "mlir", "raised", "loops", "buffers", "kernels", "llvm", "llvm-ir", "ptx", "artifact".
std::optional<EmitStage> parseEmitStage(llvm::StringRef name);

struct CompileOptions {
  Target target = Target::Cpu;
  /// The function to compile; the others must be inlinable into it.
  std::string entry = "main";
  /// Lower ssm.selective_scan and ssm.ssd through their decomposition instead of fused.
  bool decompose = false;
  /// Recognise SiLU, softplus, norms, causal convolutions, RoPE and attention in plain ops.
  bool raise = true;
  /// CPU baselines to build host code for; the runtime picks the best one the machine has.
  std::vector<std::string> cpuBaselines = {"x86-64-v3", "x86-64"};
  unsigned optLevel = 3;
  /// Polynomial approximations of exp, log1p, tanh (vectorizable) instead of libm calls.
  bool approximateMath = true;
  /// The ld.lld to link host code with (empty: the default).
  std::string linker;
  /// Target::Cuda: the GPU (see ssm-compiler/GpuTarget.h) and the CUDA toolkit whose ptxas and
  /// libdevice build the kernels (empty: $CUDA_HOME, else /usr/local/cuda).
  std::string gpuChip = "sm_90a";
  std::string cudaPath;
  /// Target::Cuda: states of a channel per lane in the selective scan kernel (0: the default
  /// tiling; see ssm-lower-to-gpu).
  int64_t scanStatesPerLane = 0;
  /// Called on every pass manager before it runs (for --mlir-print-ir-*, timing, ...).
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// Lowers `module` in place up to `stage` (Input to LLVM).
mlir::LogicalResult lowerModule(mlir::ModuleOp module, const CompileOptions &options,
                                EmitStage stage);

/// Compiles `module` (consumed: it is lowered in place) into the bytes of an artifact, or, for
/// EmitStage::LLVMIR, into LLVM IR text, or, for EmitStage::PTX, into the kernels' PTX.
mlir::FailureOr<std::string> compileModule(mlir::ModuleOp module, const CompileOptions &options,
                                           EmitStage stage = EmitStage::Artifact);

} // namespace ssmc

#endif // SSM_COMPILER_COMPILER_H
