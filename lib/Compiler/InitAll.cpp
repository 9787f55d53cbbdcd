//===- InitAll.cpp - register the project's dialects and passes -----------===//

#include "ssm-compiler/InitAll.h"

#include "dialects/lm/LMDialect.h"
#include "dialects/ssm/SSMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"

void ssmc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::ssm::SSMDialect, mlir::lm::LMDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::scf::SCFDialect, mlir::tensor::TensorDialect>();
}

void ssmc::registerAllPasses() {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
}

const char *ssmc::getVersionString() {
  return "ssm-compiler " SSM_VERSION " (LLVM " LLVM_VERSION_STRING ")";
}
