//===- FormGpuKernels.cpp - outline parallel loop nests into GPU kernels --===//
//
// A GPU kernel runs one iteration of a parallel loop's flattened range per thread, in blocks
// of the target's default size; the host launches it through the runtime environment. All
// kernels go into one gpu.module, which the pipeline serializes to a cubin.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Transforms/KernelOutlining.h"

#include "dialects/ssmrt/SSMRTOps.h"
#include "ssm-compiler/GpuTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMFORMGPUKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

/// The attribute that numbers kernels: their index in the artifact's launch table.
static constexpr llvm::StringLiteral kIndexAttr = "ssm.kernel_index";

namespace {

struct FormGpuKernels : ssm::impl::SSMFormGpuKernelsBase<FormGpuKernels> {
  using SSMFormGpuKernelsBase::SSMFormGpuKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const ssmc::GpuTarget *target = lookupGpuTargetOrFail(module, chip);
    if (!target)
      return signalPassFailure();
    blockSize = target->defaultBlockSize;
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    SmallVector<func::FuncOp> hosts(module.getOps<func::FuncOp>());
    for (func::FuncOp func : hosts) {
      if (func.isExternal())
        continue;
      if (func.getNumArguments() == 0 || func.getArgument(0).getType() != ptr) {
        func.emitError("host functions need the runtime environment as their first argument "
                       "(run ssm-host-env first)");
        return signalPassFailure();
      }
      Value env = func.getArgument(0);
      copiesToLoops(func);
      for (scf::ParallelOp loop : outermostParallelLoops(func))
        if (failed(outline(module, loop, env, func)))
          return signalPassFailure();
      if (failed(allocationsToRuntime(func, env)))
        return signalPassFailure();
      // Host code must not touch tensor data: it lives on the device.
      WalkResult result = func.walk([](Operation *op) {
        if (isa<memref::LoadOp, memref::StoreOp, memref::GetGlobalOp>(op)) {
          op->emitError("host code of a GPU artifact cannot access device memory; this op "
                        "must be inside a kernel");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (result.wasInterrupted())
        return signalPassFailure();
    }
    numberKernels(module);
  }

  /// Numbers every kernel of the gpu.module (the artifact's launch table) and points each
  /// launch at its kernel's number: kernels written by ssm-lower-to-gpu come first.
  void numberKernels(ModuleOp module) {
    if (!module->hasAttr(gpu::GPUDialect::getContainerModuleAttrName()))
      return;
    gpu::GPUModuleOp gpuModule = gpuKernelModule(module);
    int32_t index = 0;
    for (auto func : gpuModule.getOps<gpu::GPUFuncOp>())
      if (func.isKernel())
        func->setAttr(kIndexAttr, IntegerAttr::get(IntegerType::get(&getContext(), 32), index++));
    SymbolTableCollection symbols;
    module.walk([&](ssmrt::LaunchOp launch) {
      auto kernel = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(launch, launch.getKernel());
      launch.setIndex(kernel->getAttrOfType<IntegerAttr>(kIndexAttr).getInt());
    });
  }

  LogicalResult outline(ModuleOp module, scf::ParallelOp loop, Value env, func::FuncOp host) {
    FailureOr<FlatLoop> flat = flattenParallelLoop(loop);
    if (failed(flat))
      return failure();
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    gpu::GPUModuleOp gpuModule = gpuKernelModule(module);

    // A thread's stack frame is sized from the kernel's static needs: a dynamically sized
    // stack buffer would overflow it. Those buffers get a slice of a global scratch buffer
    // instead, one slice per iteration.
    SmallVector<std::pair<memref::AllocaOp, Value>> scratch; // alloca, its host buffer
    for (auto alloca : llvm::make_early_inc_range(loop.getBody()->getOps<memref::AllocaOp>())) {
      if (alloca.getType().hasStaticShape())
        continue;
      if (alloca.getType().getRank() != 1 ||
          loop->isAncestor(alloca.getDynamicSizes().front().getParentRegion()->getParentOp())) {
        alloca.emitError("a GPU kernel needs a stack buffer whose size varies between "
                         "iterations");
        return failure();
      }
      OpBuilder hb(loop);
      Value size = alloca.getDynamicSizes().front();
      Value elements = arith::MulIOp::create(hb, loc, flat->total, size);
      auto type = MemRefType::get({ShapedType::kDynamic}, alloca.getType().getElementType());
      Value buffer = memref::AllocOp::create(hb, loc, type, ValueRange{elements});
      flat->args.push_back(buffer);
      scratch.emplace_back(alloca, buffer);
    }
    WalkResult nested = loop.getBody()->walk([&](memref::AllocaOp alloca) {
      if (alloca->getParentOp() == loop || alloca.getType().hasStaticShape())
        return WalkResult::advance();
      alloca.emitError("a GPU kernel needs a dynamically sized stack buffer inside a loop");
      return WalkResult::interrupt();
    });
    if (nested.wasInterrupted())
      return failure();
    SymbolTable symbols(gpuModule);

    // The kernel takes the loop's arguments, then the flat trip count.
    SmallVector<Type> types;
    for (Value arg : flat->args)
      types.push_back(arg.getType());
    types.push_back(IndexType::get(ctx));
    OpBuilder mb = OpBuilder::atBlockEnd(gpuModule.getBody());
    int32_t index = counter++;
    std::string name = (host.getName() + "_kernel_" + Twine(index)).str();
    auto kernel = gpu::GPUFuncOp::create(mb, loc, name, FunctionType::get(ctx, types, {}));
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
    kernel->setAttr(kIndexAttr, IntegerAttr::get(IntegerType::get(ctx, 32), index));
    Builder attrs(ctx);
    kernel->setAttr(
        "ssm.tiling",
        attrs.getDictionaryAttr(
            {attrs.getNamedAttr("threads_per_block", attrs.getI64IntegerAttr(blockSize)),
             attrs.getNamedAttr("iterations_per_thread", attrs.getI64IntegerAttr(1)),
             attrs.getNamedAttr("shared_bytes", attrs.getI64IntegerAttr(0))}));
    symbols.insert(kernel);
    Block &entry = kernel.getBody().front();
    OpBuilder kb = OpBuilder::atBlockBegin(&entry);
    IRMapping mapping;
    for (Value value : flat->constants)
      mapping.map(value, kb.clone(*value.getDefiningOp())->getResult(0));
    for (auto [i, value] : llvm::enumerate(flat->args))
      mapping.map(value, entry.getArgument(i));
    Value total = entry.getArguments().back();
    Value block = gpu::BlockIdOp::create(kb, loc, gpu::Dimension::x);
    Value width = gpu::BlockDimOp::create(kb, loc, gpu::Dimension::x);
    Value thread = gpu::ThreadIdOp::create(kb, loc, gpu::Dimension::x);
    Value flatIndex =
        arith::AddIOp::create(kb, loc, arith::MulIOp::create(kb, loc, block, width), thread);
    Value inRange = arith::CmpIOp::create(kb, loc, arith::CmpIPredicate::ult, flatIndex, total);
    auto guard = scf::IfOp::create(kb, loc, inRange, /*withElseRegion=*/false);
    gpu::ReturnOp::create(kb, loc);
    OpBuilder ib = guard.getThenBodyBuilder();
    emitLoopBody(ib, loc, *flat, flatIndex, mapping);
    for (auto &[alloca, buffer] : scratch) {
      auto cloned = cast<memref::AllocaOp>(mapping.lookup(alloca.getResult()).getDefiningOp());
      OpBuilder vb(cloned);
      Value size = cloned.getDynamicSizes().front();
      Value offset = arith::MulIOp::create(vb, loc, flatIndex, size);
      auto viewType = MemRefType::get({ShapedType::kDynamic}, cloned.getType().getElementType(),
                                      StridedLayoutAttr::get(ctx, ShapedType::kDynamic, {1}));
      Value view = memref::ReinterpretCastOp::create(
          vb, loc, viewType, mapping.lookup(buffer), OpFoldResult(offset),
          ArrayRef<OpFoldResult>{OpFoldResult(size)}, ArrayRef<OpFoldResult>{vb.getIndexAttr(1)});
      // Loads and stores take any layout: the view replaces the buffer in place.
      cloned.getResult().replaceAllUsesWith(view);
      cloned.erase();
    }

    // The launch: ceil(total / block) blocks of `blockSize` threads.
    OpBuilder b(loop);
    Value threads = arith::ConstantIndexOp::create(b, loc, blockSize);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value grid = arith::CeilDivUIOp::create(b, loc, flat->total, threads);
    Value shared = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
    SmallVector<Value> args(flat->args);
    args.push_back(flat->total);
    auto symbol = SymbolRefAttr::get(gpuModule.getSymNameAttr(),
                                     {FlatSymbolRefAttr::get(ctx, kernel.getName())});
    ssmrt::LaunchOp::create(b, loc, env, symbol, index, grid, one, one, threads, one, one, shared,
                            args);
    loop.erase();
    ++numKernels;
    return success();
  }

  int64_t blockSize = 256;
  int32_t counter = 0;
};

} // namespace
