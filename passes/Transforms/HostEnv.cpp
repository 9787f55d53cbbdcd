//===- HostEnv.cpp - give the entry function the runtime environment ------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMHOSTENV
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {
struct HostEnv : ssm::impl::SSMHostEnvBase<HostEnv> {
  using SSMHostEnvBase::SSMHostEnvBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func || func.isExternal()) {
      module.emitError() << "no function '" << entry << "' to use as the entry point";
      return signalPassFailure();
    }
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    if (func.getNumArguments() > 0 && func.getArgument(0).getType() == ptr)
      return; // already has it
    for (auto other : module.getOps<func::FuncOp>()) {
      if (other != func && !other.isExternal()) {
        other.emitError() << "functions other than the entry point '" << entry
                          << "' must be inlined before ssm-host-env";
        return signalPassFailure();
      }
    }
    if (failed(func.insertArgument(0, ptr, {}, func.getLoc())))
      return signalPassFailure();
  }
};
} // namespace
