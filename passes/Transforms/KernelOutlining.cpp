//===- KernelOutlining.cpp - what CPU and GPU kernel formation share ------===//

#include "passes/Transforms/KernelOutlining.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::ssm;

SmallVector<scf::ParallelOp> mlir::ssm::outermostParallelLoops(func::FuncOp func) {
  SmallVector<scf::ParallelOp> loops;
  func.walk([&](scf::ParallelOp loop) {
    if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumResults() == 0)
      loops.push_back(loop);
  });
  return loops;
}

FailureOr<FlatLoop> mlir::ssm::flattenParallelLoop(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  FlatLoop flat;
  flat.loop = loop;
  flat.normalized = true;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    bool unit = matchPattern(lb, m_Zero()) && matchPattern(step, m_One());
    flat.normalized &= unit;
    if (unit) {
      flat.trips.push_back(ub);
      continue;
    }
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    flat.trips.push_back(arith::CeilDivUIOp::create(b, loc, span, step));
  }
  flat.total = flat.trips.front();
  for (Value trip : llvm::drop_begin(flat.trips))
    flat.total = arith::MulIOp::create(b, loc, flat.total, trip);

  // What the kernel needs from the host: the values its body uses and the loop geometry
  // (delinearization divides by every trip count but the outermost).
  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  for (Value trip : llvm::drop_begin(flat.trips))
    used.insert(trip);
  if (!flat.normalized) {
    used.insert(loop.getLowerBound().begin(), loop.getLowerBound().end());
    used.insert(loop.getStep().begin(), loop.getStep().end());
  }
  for (Value value : used) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>()) {
      flat.constants.push_back(value);
      continue;
    }
    if (!isa<MemRefType, IndexType, IntegerType, FloatType>(value.getType()))
      return loop.emitError("a parallel loop uses a value of type ")
             << value.getType() << " that cannot be passed to a kernel";
    flat.args.push_back(value);
  }
  return flat;
}

void mlir::ssm::emitLoopBody(OpBuilder &b, Location loc, const FlatLoop &flat, Value index,
                             IRMapping &mapping) {
  // Delinearize (innermost dimension fastest), then map onto the loop's induction variables.
  scf::ParallelOp loop = flat.loop;
  size_t rank = flat.trips.size();
  SmallVector<Value> ivs(rank);
  Value rest = index;
  for (size_t d = rank; d-- > 0;) {
    if (d == 0) {
      ivs[d] = rest;
      break;
    }
    Value trip = mapping.lookupOrDefault(flat.trips[d]);
    ivs[d] = arith::RemUIOp::create(b, loc, rest, trip);
    rest = arith::DivUIOp::create(b, loc, rest, trip);
  }
  for (size_t d = 0; d < rank; ++d) {
    Value iv = ivs[d];
    if (!flat.normalized) {
      Value scaled = arith::MulIOp::create(b, loc, iv, mapping.lookupOrDefault(loop.getStep()[d]));
      iv = arith::AddIOp::create(b, loc, scaled, mapping.lookupOrDefault(loop.getLowerBound()[d]));
    }
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
}

void mlir::ssm::copiesToLoops(func::FuncOp func) {
  func.walk([](memref::CopyOp copy) {
    OpBuilder b(copy);
    Location loc = copy.getLoc();
    auto type = cast<MemRefType>(copy.getSource().getType());
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    // A rank-0 copy is one element: a single-trip loop keeps it a kernel like any other.
    SmallVector<Value> lbs{zero}, ubs{one}, steps{one};
    if (type.getRank() > 0) {
      lbs.assign(type.getRank(), zero);
      steps.assign(type.getRank(), one);
      ubs.clear();
      for (int64_t i = 0; i < type.getRank(); ++i)
        ubs.push_back(type.isDynamicDim(i)
                          ? Value(memref::DimOp::create(b, loc, copy.getSource(), i))
                          : Value(arith::ConstantIndexOp::create(b, loc, type.getDimSize(i))));
    }
    bool scalar = type.getRank() == 0;
    scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                            [&](OpBuilder &nb, Location nl, ValueRange ivs) {
                              ValueRange at = scalar ? ValueRange{} : ivs;
                              Value v = memref::LoadOp::create(nb, nl, copy.getSource(), at);
                              memref::StoreOp::create(nb, nl, v, copy.getTarget(), at);
                            });
    copy.erase();
  });
}

LogicalResult mlir::ssm::allocationsToRuntime(func::FuncOp func, Value env) {
  WalkResult result = func.walk([&](Operation *op) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      // The runtime's allocations are 64-byte aligned.
      if (!alloc.getType().getLayout().isIdentity() || alloc.getAlignment().value_or(1) > 64) {
        alloc.emitError("host allocations must be contiguous and at most 64-byte aligned");
        return WalkResult::interrupt();
      }
      OpBuilder b(alloc);
      auto replacement =
          ssmrt::AllocOp::create(b, alloc.getLoc(), alloc.getType(), env, alloc.getDynamicSizes());
      alloc.replaceAllUsesWith(replacement.getResult());
      alloc.erase();
    } else if (isa<memref::DeallocOp>(op)) {
      op->erase();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

gpu::GPUModuleOp mlir::ssm::gpuKernelModule(ModuleOp module) {
  constexpr llvm::StringLiteral name = "ssm_kernels";
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(name))
    return existing;
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(module.getContext()));
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return gpu::GPUModuleOp::create(b, module.getLoc(), name);
}

const ssmc::GpuTarget *mlir::ssm::lookupGpuTargetOrFail(ModuleOp module, StringRef chip) {
  const ssmc::GpuTarget *target = ssmc::lookupGpuTarget(chip);
  if (!target)
    module.emitError() << "unknown GPU '" << chip << "' (known: " << ssmc::knownGpuTargets() << ")";
  return target;
}
