//===- HostEntry.cpp - the exported entry point of a host module ----------===//

#include "passes/Passes.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMHOSTENTRY
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

/// The symbol of runtime/include/ssm/host_abi.h (SSM_HOST_ENTRY_SYMBOL).
static constexpr llvm::StringLiteral kEntrySymbol = "ssm_main";

namespace {
struct HostEntry : ssm::impl::SSMHostEntryBase<HostEntry> {
  using SSMHostEntryBase::SSMHostEntryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    if (!func || func.isExternal() || func.getNumArguments() == 0 ||
        func.getArgument(0).getType() != ptr) {
      module.emitError() << "no entry function '" << entry
                         << "' taking the runtime environment first (run ssm-host-env)";
      return signalPassFailure();
    }
    if (module.lookupSymbol(kEntrySymbol)) {
      module.emitError() << "the symbol '" << kEntrySymbol << "' is reserved for the entry point";
      return signalPassFailure();
    }
    for (Type type :
         llvm::concat<const Type>(func.getArgumentTypes().drop_front(), func.getResultTypes())) {
      auto memref = dyn_cast<MemRefType>(type);
      if (!memref || !memref.getLayout().isIdentity()) {
        func.emitError() << "the entry point's inputs and results must be contiguous memrefs "
                            "(bufferize with identity layouts at function boundaries), got "
                         << type;
        return signalPassFailure();
      }
    }

    OpBuilder b(ctx);
    b.setInsertionPointAfter(func);
    Location loc = func.getLoc();
    auto entryType = FunctionType::get(ctx, {ptr, ptr, ptr}, {b.getI32Type()});
    auto wrapper = func::FuncOp::create(b, loc, kEntrySymbol, entryType);
    Block *body = wrapper.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value env = body->getArgument(0), inputs = body->getArgument(1), outputs = body->getArgument(2);
    SmallVector<Value> args{env};
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes().drop_front()))
      args.push_back(ssmrt::LoadArgOp::create(b, loc, type, inputs, b.getI64IntegerAttr(i)));
    auto call = func::CallOp::create(b, loc, func, args);
    for (auto [i, result] : llvm::enumerate(call.getResults()))
      ssmrt::StoreArgOp::create(b, loc, result, outputs, b.getI64IntegerAttr(i));
    Value status = ssmrt::StatusOp::create(b, loc, b.getI32Type(), env);
    func::ReturnOp::create(b, loc, status);
    func.setPrivate();
    // Argument and result names (ssm.name) are in the manifest; LLVM has no use for them.
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, "ssm.name");
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i, StringAttr::get(ctx, "ssm.name"));
  }
};
} // namespace
