//===- OnnxImport.h - ONNX models into ssm/lm and upstream ops ----*- C++ -*-===//
//
// Reads an ONNX model (binary protobuf `.onnx`, with external data, or ONNX's textual syntax
// `.onnxtxt`) and builds a module whose `main` function computes the graph on tensors: the
// `ssm` and `lm` ops where the model uses their ONNX forms, and linalg, tensor, arith and math
// for the standard ops. The graph's inputs and outputs keep their ONNX names (`ssm.name`).
//
//===----------------------------------------------------------------------===//

#ifndef SSM_COMPILER_ONNXIMPORT_H
#define SSM_COMPILER_ONNXIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace ssmc {

struct OnnxImportOptions {
  /// The name of the function the graph becomes.
  std::string entry = "main";
};

/// Why an import failed; the diagnostics say where and what.
enum class OnnxImportStatus {
  Ok,
  /// The model uses an op, attribute value or type this importer does not support.
  Unsupported,
  /// The file is unreadable, corrupt, or the model is invalid.
  Invalid,
};

/// Imports the model at `path` (`.onnxtxt`: textual syntax; anything else: binary protobuf).
/// Errors are reported through the context's diagnostics; `status` tells them apart.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext *context, llvm::StringRef path,
                                                 const OnnxImportOptions &options,
                                                 OnnxImportStatus &status);

enum class OnnxFormat { Binary, Text };

/// Imports a model held in memory as `bytes`. `path` names it in diagnostics, and external
/// data is looked up relative to its folder. Whatever the bytes, a failure is a diagnostic and
/// a status, never a crash.
mlir::OwningOpRef<mlir::ModuleOp> importOnnx(mlir::MLIRContext *context, llvm::StringRef bytes,
                                             OnnxFormat format, llvm::StringRef path,
                                             const OnnxImportOptions &options,
                                             OnnxImportStatus &status);

/// One op the importer supports.
struct OnnxOpInfo {
  llvm::StringRef domain; // "" for the default domain ai.onnx
  llvm::StringRef opType;
  int sinceOpset;        // the first opset of the domain it is imported for
  llvm::StringRef notes; // limits, in a few words
};

/// Every op the importer supports, sorted by domain and name.
llvm::ArrayRef<OnnxOpInfo> supportedOnnxOps();

} // namespace ssmc

#endif // SSM_COMPILER_ONNXIMPORT_H
