//===- InitAll.h - register the project's dialects and passes -----*- C++ -*-===//
//
// What ssm-opt, ssm-compile and embedders register: the ssm and lm dialects, the project's
// passes, and the upstream dialects, interfaces and passes that the pipelines use.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_COMPILER_INITALL_H
#define SSM_COMPILER_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace ssmc {

/// Adds every dialect (and its external interface models) that the project's IR may contain.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers the project's passes and the upstream passes its pipelines use, so that they can
/// be named on the command line.
void registerAllPasses();

/// "ssm-compiler 0.1.0 (LLVM 22.1.8)".
const char *getVersionString();

} // namespace ssmc

#endif // SSM_COMPILER_INITALL_H
