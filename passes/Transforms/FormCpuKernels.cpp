//===- FormCpuKernels.cpp - outline parallel loop nests into CPU kernels --===//
//
// A kernel is the body of an outermost scf.parallel, run over a flattened range of iterations
// ("workgroups") that the runtime splits among its threads. What the body uses from the host
// function travels through the `void **` argument array of the host ABI; constants are cloned
// instead.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMFORMCPUKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

/// Marks functions created by this pass.
static constexpr llvm::StringLiteral kKernelAttr = "ssm.kernel";

namespace {

bool isConstant(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->hasTrait<OpTrait::ConstantLike>();
}

/// Replaces a host `memref.copy` by a parallel loop nest, so that it becomes a kernel.
void copyAsLoops(memref::CopyOp copy) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  auto type = cast<MemRefType>(copy.getSource().getType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  if (type.getRank() == 0) {
    // One element: a single-trip loop keeps it a kernel like any other.
    scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{one}, ValueRange{one},
                            [&](OpBuilder &nb, Location nl, ValueRange) {
                              Value v = memref::LoadOp::create(nb, nl, copy.getSource());
                              memref::StoreOp::create(nb, nl, v, copy.getTarget());
                            });
  } else {
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      lbs.push_back(zero);
      steps.push_back(one);
      ubs.push_back(type.isDynamicDim(i)
                        ? Value(memref::DimOp::create(b, loc, copy.getSource(), i))
                        : Value(arith::ConstantIndexOp::create(b, loc, type.getDimSize(i))));
    }
    scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                            [&](OpBuilder &nb, Location nl, ValueRange ivs) {
                              Value v = memref::LoadOp::create(nb, nl, copy.getSource(), ivs);
                              memref::StoreOp::create(nb, nl, v, copy.getTarget(), ivs);
                            });
  }
  copy.erase();
}

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
      func.walk([](memref::CopyOp copy) { copyAsLoops(copy); });

      SmallVector<scf::ParallelOp> outermost;
      func.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumResults() == 0)
          outermost.push_back(loop);
      });
      unsigned counter = 0;
      for (scf::ParallelOp loop : outermost)
        if (failed(outline(loop, env, symbols, func.getName(), counter)))
          return signalPassFailure();

      WalkResult result = func.walk([&](Operation *op) {
        if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
          // The runtime's allocations are 64-byte aligned.
          if (!alloc.getType().getLayout().isIdentity() || alloc.getAlignment().value_or(1) > 64) {
            alloc.emitError("host allocations must be contiguous and at most 64-byte aligned");
            return WalkResult::interrupt();
          }
          OpBuilder b(alloc);
          auto replacement = ssmrt::AllocOp::create(b, alloc.getLoc(), alloc.getType(), env,
                                                    alloc.getDynamicSizes());
          alloc.replaceAllUsesWith(replacement.getResult());
          alloc.erase();
        } else if (isa<memref::DeallocOp>(op)) {
          // The runtime frees a call's allocations when the call ends.
          op->erase();
        }
        return WalkResult::advance();
      });
      if (result.wasInterrupted())
        return signalPassFailure();
    }
  }

  LogicalResult outline(scf::ParallelOp loop, Value env, SymbolTable &symbols, StringRef host,
                        unsigned &counter) {
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    OpBuilder b(loop);

    // Trip counts of the (normalized) loop dimensions and their product.
    SmallVector<Value> trips;
    bool normalized = true;
    for (auto [lb, ub, step] :
         llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
      bool unit = matchPattern(lb, m_Zero()) && matchPattern(step, m_One());
      normalized &= unit;
      if (unit) {
        trips.push_back(ub);
        continue;
      }
      Value span = arith::SubIOp::create(b, loc, ub, lb);
      trips.push_back(arith::CeilDivUIOp::create(b, loc, span, step));
    }
    Value total = trips.front();
    for (Value trip : llvm::drop_begin(trips))
      total = arith::MulIOp::create(b, loc, total, trip);

    // What the kernel needs from the host: the values its body uses and the loop geometry.
    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    // Delinearization divides by every trip count but the outermost.
    for (Value trip : llvm::drop_begin(trips))
      used.insert(trip);
    if (!normalized) {
      used.insert(loop.getLowerBound().begin(), loop.getLowerBound().end());
      used.insert(loop.getStep().begin(), loop.getStep().end());
    }
    SmallVector<Value> args, constants;
    for (Value value : used) {
      if (isConstant(value)) {
        constants.push_back(value);
        continue;
      }
      if (!isa<MemRefType, IndexType, IntegerType, FloatType>(value.getType()))
        return loop.emitError("a parallel loop uses a value of type ")
               << value.getType() << " that cannot be passed to a CPU kernel";
      args.push_back(value);
    }

    // The kernel function.
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type index = b.getIndexType();
    OpBuilder mb(ctx);
    mb.setInsertionPoint(loop->getParentOfType<func::FuncOp>());
    std::string name = (host + "_kernel_" + Twine(counter++)).str();
    auto kernel = func::FuncOp::create(mb, loc, name,
                                       FunctionType::get(ctx, {ptr, index, index}, TypeRange{}));
    kernel.setPrivate();
    kernel->setAttr(kKernelAttr, UnitAttr::get(ctx));
    symbols.insert(kernel);
    Block *entry = kernel.addEntryBlock();
    OpBuilder kb = OpBuilder::atBlockBegin(entry);
    IRMapping mapping;
    for (Value value : constants)
      mapping.map(value, kb.clone(*value.getDefiningOp())->getResult(0));
    for (auto [i, value] : llvm::enumerate(args))
      mapping.map(value, ssmrt::LoadArgOp::create(kb, loc, value.getType(), entry->getArgument(0),
                                                  kb.getI64IntegerAttr(i)));
    Value one = arith::ConstantIndexOp::create(kb, loc, 1);
    auto body = scf::ForOp::create(kb, loc, entry->getArgument(1), entry->getArgument(2), one);
    func::ReturnOp::create(kb, loc);

    // Each flattened iteration: delinearize (innermost dimension fastest), then map onto the
    // original induction variables.
    OpBuilder ib = OpBuilder::atBlockBegin(body.getBody());
    Value rest = body.getInductionVar();
    size_t rank = trips.size();
    SmallVector<Value> ivs(rank);
    for (size_t d = rank; d-- > 0;) {
      Value trip = mapping.lookupOrDefault(trips[d]);
      if (d == 0) {
        ivs[d] = rest;
        break;
      }
      ivs[d] = arith::RemUIOp::create(ib, loc, rest, trip);
      rest = arith::DivUIOp::create(ib, loc, rest, trip);
    }
    for (size_t d = 0; d < rank; ++d) {
      Value iv = ivs[d];
      if (!normalized) {
        Value scaled =
            arith::MulIOp::create(ib, loc, iv, mapping.lookupOrDefault(loop.getStep()[d]));
        iv = arith::AddIOp::create(ib, loc, scaled,
                                   mapping.lookupOrDefault(loop.getLowerBound()[d]));
      }
      mapping.map(loop.getInductionVars()[d], iv);
    }
    for (Operation &op : loop.getBody()->without_terminator())
      ib.clone(op, mapping);

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

    ssmrt::DispatchOp::create(b, loc, env, FlatSymbolRefAttr::get(kernel.getSymNameAttr()), total,
                              args);
    loop.erase();
    ++numKernels;
    return success();
  }
};

} // namespace
