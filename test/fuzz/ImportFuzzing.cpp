//===- ImportFuzzing.cpp - what both ONNX fuzz targets check --------------===//

#include "test/fuzz/ImportFuzzing.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

using namespace ssmc;

namespace {

std::string &modelFolder() {
  static std::string folder;
  return folder;
}

void removeModelFolder() { llvm::sys::fs::remove_directories(modelFolder()); }

[[noreturn]] void inconsistent(const char *what) {
  llvm::errs() << "ONNX import: " << what << "\n";
  std::abort();
}

} // namespace

void fuzz::createModelFolder() {
  llvm::SmallString<128> folder;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("ssm-fuzz-import", folder)) {
    llvm::errs() << "cannot create a temporary folder: " << ec.message() << "\n";
    std::abort();
  }
  modelFolder() = folder.str().str();
  std::atexit(removeModelFolder);
  llvm::SmallString<128> weights(folder);
  llvm::sys::path::append(weights, "weights.bin");
  std::error_code ec;
  llvm::raw_fd_ostream os(weights, ec);
  for (int i = 0; i < 4096; ++i)
    os << static_cast<char>(i * 37 % 251);
  os.close();
  if (ec || os.has_error()) {
    llvm::errs() << "cannot write '" << weights << "'\n";
    std::abort();
  }
}

void fuzz::importAndCheck(const uint8_t *data, size_t size, OnnxFormat format) {
  // A fresh context per input: types and attributes are never freed, so a shared one would
  // grow with every input.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  int errors = 0;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diagnostic) {
    errors += diagnostic.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  llvm::SmallString<128> path(modelFolder());
  llvm::sys::path::append(path, format == OnnxFormat::Text ? "model.onnxtxt" : "model.onnx");
  OnnxImportStatus status;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importOnnx(&context, llvm::StringRef(reinterpret_cast<const char *>(data), size), format,
                 path, OnnxImportOptions(), status);
  if (module) {
    if (status != OnnxImportStatus::Ok || errors)
      inconsistent("a module came back with an error");
    if (mlir::failed(mlir::verify(*module)))
      inconsistent("the imported module does not verify");
    return;
  }
  if (status == OnnxImportStatus::Ok)
    inconsistent("the import failed with status Ok");
  if (!errors)
    inconsistent("the import failed without an error diagnostic");
}
