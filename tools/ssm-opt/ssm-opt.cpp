//===- ssm-opt.cpp - the project's mlir-opt -------------------------------===//
//
// Runs the ssm/lm dialects' passes and the upstream ones the pipelines use on .mlir files.
//
//===----------------------------------------------------------------------===//

#include "ssm-compiler/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  ssmc::registerAllDialects(registry);
  ssmc::registerAllPasses();
  llvm::cl::AddExtraVersionPrinter(
      [](llvm::raw_ostream &os) { os << ssmc::getVersionString() << "\n"; });
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "SSM compiler optimizer driver\n", registry));
}
