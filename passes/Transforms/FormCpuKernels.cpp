//===- FormCpuKernels.cpp - outline parallel loop nests into CPU kernels --===//
//
// A CPU kernel runs a range [begin, end) of a parallel loop's flattened iterations; the
// runtime splits the whole range among its threads. Its arguments travel through the `void **`
// array of the host ABI.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Transforms/KernelOutlining.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMFORMCPUKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

/// Marks functions created by this pass.
static constexpr llvm::StringLiteral kKernelAttr = "ssm.kernel";

namespace {

struct FormCpuKernels : ssm::impl::SSMFormCpuKernelsBase<FormCpuKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    SmallVector<func::FuncOp> hosts;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kKernelAttr))
        hosts.push_back(func);
    for (func::FuncOp func : hosts) {
      if (func.getNumArguments() == 0 || func.getArgument(0).getType() != ptr) {
        func.emitError("host functions need the runtime environment as their first argument "
                       "(run ssm-host-env first)");
        return signalPassFailure();
      }
      Value env = func.getArgument(0);
      copiesToLoops(func);
      unsigned counter = 0;
      for (scf::ParallelOp loop : outermostParallelLoops(func))
        if (failed(outline(loop, env, symbols, func, counter)))
          return signalPassFailure();
      if (failed(allocationsToRuntime(func, env)))
        return signalPassFailure();
    }
  }

  LogicalResult outline(scf::ParallelOp loop, Value env, SymbolTable &symbols, func::FuncOp host,
                        unsigned &counter) {
    FailureOr<FlatLoop> flat = flattenParallelLoop(loop);
    if (failed(flat))
      return failure();
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();

    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type index = IndexType::get(ctx);
    OpBuilder mb(host);
    std::string name = (host.getName() + "_kernel_" + Twine(counter++)).str();
    auto kernel = func::FuncOp::create(mb, loc, name,
                                       FunctionType::get(ctx, {ptr, index, index}, TypeRange{}));
    kernel.setPrivate();
    kernel->setAttr(kKernelAttr, UnitAttr::get(ctx));
    symbols.insert(kernel);
    Block *entry = kernel.addEntryBlock();
    OpBuilder kb = OpBuilder::atBlockBegin(entry);
    IRMapping mapping;
    for (Value value : flat->constants)
      mapping.map(value, kb.clone(*value.getDefiningOp())->getResult(0));
    for (auto [i, value] : llvm::enumerate(flat->args))
      mapping.map(value, ssmrt::LoadArgOp::create(kb, loc, value.getType(), entry->getArgument(0),
                                                  kb.getI64IntegerAttr(i)));
    Value one = arith::ConstantIndexOp::create(kb, loc, 1);
    auto body = scf::ForOp::create(kb, loc, entry->getArgument(1), entry->getArgument(2), one);
    func::ReturnOp::create(kb, loc);
    OpBuilder ib = OpBuilder::atBlockBegin(body.getBody());
    emitLoopBody(ib, loc, *flat, body.getInductionVar(), mapping);

    // scf.parallel is an automatic allocation scope and scf.for is not: a stack buffer of one
    // iteration would pile up over the kernel's range. Buffers whose size is known before the
    // loop are allocated once instead (each iteration writes before it reads).
    WalkResult hoisted = body.walk([&](memref::AllocaOp alloca) {
      bool invariant = llvm::all_of(alloca->getOperands(), [&](Value operand) {
        return !body->isAncestor(operand.getParentRegion()->getParentOp());
      });
      if (!invariant || alloca->getParentOp() != body) {
        alloca.emitError("a CPU kernel needs a stack buffer whose size varies between "
                         "iterations");
        return WalkResult::interrupt();
      }
      alloca->moveBefore(body);
      return WalkResult::advance();
    });
    if (hoisted.wasInterrupted())
      return failure();

    OpBuilder b(loop);
    ssmrt::DispatchOp::create(b, loc, env, FlatSymbolRefAttr::get(kernel.getSymNameAttr()),
                              flat->total, flat->args);
    loop.erase();
    ++numKernels;
    return success();
  }
};

} // namespace
