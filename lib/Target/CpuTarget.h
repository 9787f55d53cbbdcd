//===- CpuTarget.h - host shared objects from LLVM-dialect modules -*- C++ -*-===//

#ifndef SSM_LIB_TARGET_CPUTARGET_H
#define SSM_LIB_TARGET_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace ssmc {

struct CpuTargetOptions {
  /// The x86-64 baseline ("x86-64-v3", "x86-64"): never the build machine's CPU.
  std::string cpu = "x86-64-v3";
  /// LLVM optimization level, 0 to 3.
  unsigned optLevel = 3;
  /// The ld.lld to link with; empty: $SSM_LINKER, else the one of the LLVM the compiler was
  /// built against.
  std::string linker;
};

/// Translates an LLVM-dialect `module` to LLVM IR for `options.cpu`, optimizes it, and
/// returns it as text (for --emit=llvm-ir) or, with `object`, as a relocatable object file.
/// Every function but the entry point gets internal linkage.
mlir::FailureOr<std::string> emitHostCode(mlir::ModuleOp module, const CpuTargetOptions &options,
                                          bool object);

/// Links a relocatable object into a shared object that needs only libc, libm and libgcc_s.
mlir::FailureOr<std::string> linkSharedObject(mlir::ModuleOp diagnosticsAnchor,
                                              llvm::StringRef object,
                                              const CpuTargetOptions &options);

} // namespace ssmc

#endif // SSM_LIB_TARGET_CPUTARGET_H
