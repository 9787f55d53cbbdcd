//===- LowerToLLVM.cpp - the CPU path's host and kernel code to LLVM ------===//
//
// The ssmrt ops become calls through the function pointers of the runtime environment
// (runtime/include/ssm/host_abi.h); everything else uses the upstream conversions, in one
// dialect conversion so that the ssmrt patterns see converted memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMLOWERTOLLVM
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {

// Field indices of struct ssm_host_env (runtime/include/ssm/host_abi.h).
enum EnvField : int32_t { kStatus = 1, kAlloc = 2, kFail = 3, kParallelFor = 4, kLaunch = 5 };

LLVM::LLVMStructType envType(MLIRContext *ctx) {
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i32 = IntegerType::get(ctx, 32);
  return LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, ptr, ptr, ptr, ptr});
}

Value envFieldAddress(OpBuilder &b, Location loc, Value env, EnvField field) {
  MLIRContext *ctx = b.getContext();
  return LLVM::GEPOp::create(b, loc, LLVM::LLVMPointerType::get(ctx), envType(ctx), env,
                             ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(field)});
}

Value loadEnvFunction(OpBuilder &b, Location loc, Value env, EnvField field) {
  return LLVM::LoadOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                              envFieldAddress(b, loc, env, field));
}

/// Splits the block at the insertion point and continues in a new block that runs only while
/// the environment's status is 0; the insertion point moves there.
void skipUnlessOk(ConversionPatternRewriter &rewriter, Location loc, Value env) {
  Type i32 = rewriter.getI32Type();
  Value status =
      LLVM::LoadOp::create(rewriter, loc, i32, envFieldAddress(rewriter, loc, env, kStatus));
  Value zero = LLVM::ConstantOp::create(rewriter, loc, i32, 0);
  Value ok = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::eq, status, zero);
  Block *before = rewriter.getInsertionBlock();
  Block *after = rewriter.splitBlock(before, rewriter.getInsertionPoint());
  Block *run = rewriter.createBlock(after);
  rewriter.setInsertionPointToEnd(before);
  LLVM::CondBrOp::create(rewriter, loc, ok, run, after);
  rewriter.setInsertionPointToStart(run);
  LLVM::BrOp::create(rewriter, loc, after);
  rewriter.setInsertionPointToStart(run);
}

/// `args[index]`: the pointer in slot `index` of a `void **` array.
Value argumentSlot(OpBuilder &b, Location loc, Value args, int64_t index) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value address = LLVM::GEPOp::create(b, loc, ptr, ptr, args,
                                      ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(index)});
  return LLVM::LoadOp::create(b, loc, ptr, address);
}

/// An `alloca` in the entry block of the function holding `op`, so that host code in a loop
/// does not grow the stack.
Value entryAlloca(ConversionPatternRewriter &rewriter, Operation *op, Type elementType,
                  int64_t count) {
  Location loc = op->getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  Region *region = op->getParentRegion();
  while (!isa<FunctionOpInterface>(region->getParentOp()))
    region = region->getParentOp()->getParentRegion();
  rewriter.setInsertionPointToStart(&region->front());
  Value n = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(), count);
  return LLVM::AllocaOp::create(rewriter, loc, LLVM::LLVMPointerType::get(op->getContext()),
                                elementType, n, /*alignment=*/16);
}

/// Stack slots holding `values` and the array of pointers to them (the `void **` the runtime
/// passes on to a kernel), allocated in the function's entry block, filled at `op`.
Value argumentArray(ConversionPatternRewriter &rewriter, Operation *op, ValueRange values) {
  Location loc = op->getLoc();
  auto ptr = LLVM::LLVMPointerType::get(op->getContext());
  Value array = entryAlloca(rewriter, op, ptr, std::max<size_t>(values.size(), 1));
  for (auto [i, value] : llvm::enumerate(values)) {
    Value slot = entryAlloca(rewriter, op, value.getType(), 1);
    LLVM::StoreOp::create(rewriter, loc, value, slot);
    Value address = LLVM::GEPOp::create(rewriter, loc, ptr, ptr, array,
                                        ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    LLVM::StoreOp::create(rewriter, loc, slot, address);
  }
  return array;
}

struct AllocLowering : ConvertOpToLLVMPattern<ssmrt::AllocOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::AllocOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MemRefType type = op.getType();
    SmallVector<Value> sizes, strides;
    Value unchecked;
    getMemRefDescriptorSizes(loc, type, adaptor.getDynamicSizes(), rewriter, sizes, strides,
                             unchecked);
    // The sizes come from run-time shapes: a product that wrapped around would allocate a small
    // buffer for a large tensor. A negative size or an overflow asks for -1 bytes instead,
    // which the runtime reports as an error.
    Type i64 = rewriter.getI64Type();
    Type i1 = rewriter.getI1Type();
    auto withOverflow = LLVM::LLVMStructType::getLiteral(getContext(), {i64, i1});
    Value zero = LLVM::ConstantOp::create(rewriter, loc, i64, 0);
    Value bytes = getSizeInBytes(loc, type.getElementType(), rewriter);
    Value invalid = LLVM::ConstantOp::create(rewriter, loc, i1, 0);
    for (Value size : sizes) {
      Value product = LLVM::UMulWithOverflowOp::create(rewriter, loc, withOverflow, bytes, size);
      bytes = LLVM::ExtractValueOp::create(rewriter, loc, product, 0);
      Value overflow = LLVM::ExtractValueOp::create(rewriter, loc, product, 1);
      Value negative = LLVM::ICmpOp::create(rewriter, loc, LLVM::ICmpPredicate::slt, size, zero);
      invalid = LLVM::OrOp::create(rewriter, loc, invalid,
                                   LLVM::OrOp::create(rewriter, loc, overflow, negative));
    }
    Value minusOne = LLVM::ConstantOp::create(rewriter, loc, i64, -1);
    bytes = LLVM::SelectOp::create(rewriter, loc, invalid, minusOne, bytes);
    auto ptr = LLVM::LLVMPointerType::get(getContext());
    Value fn = loadEnvFunction(rewriter, loc, adaptor.getEnv(), kAlloc);
    auto fnType = LLVM::LLVMFunctionType::get(ptr, {ptr, rewriter.getI64Type()});
    Value memory =
        LLVM::CallOp::create(rewriter, loc, fnType, ValueRange{fn, adaptor.getEnv(), bytes})
            .getResult();
    Value descriptor = createMemRefDescriptor(loc, type, memory, memory, sizes, strides, rewriter);
    rewriter.replaceOp(op, descriptor);
    return success();
  }
};

struct CheckLowering : ConvertOpToLLVMPattern<ssmrt::CheckOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::CheckOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    std::string name;
    unsigned id = 0;
    do
      name = "ssm_check_message_" + std::to_string(id++);
    while (module.lookupSymbol(name));
    Block *before = rewriter.getInsertionBlock();
    Block *after = rewriter.splitBlock(before, rewriter.getInsertionPoint());
    Block *failed = rewriter.createBlock(after);
    rewriter.setInsertionPointToEnd(before);
    LLVM::CondBrOp::create(rewriter, loc, adaptor.getCondition(), after, failed);
    rewriter.setInsertionPointToStart(failed);
    Value message =
        LLVM::createGlobalString(loc, rewriter, name, op.getMessage(), LLVM::Linkage::Private);
    auto ptr = LLVM::LLVMPointerType::get(getContext());
    Type i64 = rewriter.getI64Type();
    Value fn = loadEnvFunction(rewriter, loc, adaptor.getEnv(), kFail);
    auto fnType =
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(getContext()), {ptr, ptr, i64, i64});
    LLVM::CallOp::create(rewriter, loc, fnType,
                         ValueRange{fn, adaptor.getEnv(), message, adaptor.getA(), adaptor.getB()});
    LLVM::BrOp::create(rewriter, loc, after);
    rewriter.eraseOp(op);
    return success();
  }
};

struct DispatchLowering : ConvertOpToLLVMPattern<ssmrt::DispatchOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::DispatchOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i64 = rewriter.getI64Type();
    Value env = adaptor.getEnv();

    Value array = argumentArray(rewriter, op, adaptor.getArgs());

    // Skip the dispatch once a check has failed.
    skipUnlessOk(rewriter, loc, env);
    Value kernel = LLVM::AddressOfOp::create(rewriter, loc, ptr, op.getKernel());
    Value fn = loadEnvFunction(rewriter, loc, env, kParallelFor);
    auto fnType = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, ptr, ptr, i64});
    LLVM::CallOp::create(rewriter, loc, fnType,
                         ValueRange{fn, env, kernel, array, adaptor.getWorkgroups()});
    rewriter.eraseOp(op);
    return success();
  }
};

struct LaunchLowering : ConvertOpToLLVMPattern<ssmrt::LaunchOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::LaunchOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = rewriter.getI32Type();
    Value env = adaptor.getEnv();

    // The kernel's parameters as convert-gpu-to-nvvm lays them out: a memref becomes its
    // descriptor's allocated and aligned pointers, offset, sizes and strides.
    SmallVector<Value> params;
    for (auto [original, value] : llvm::zip(op.getArgs(), adaptor.getArgs())) {
      auto memref = dyn_cast<MemRefType>(original.getType());
      if (!memref) {
        params.push_back(value);
        continue;
      }
      MemRefDescriptor descriptor(value);
      params.push_back(descriptor.allocatedPtr(rewriter, loc));
      params.push_back(descriptor.alignedPtr(rewriter, loc));
      params.push_back(descriptor.offset(rewriter, loc));
      for (int64_t i = 0; i < memref.getRank(); ++i)
        params.push_back(descriptor.size(rewriter, loc, i));
      for (int64_t i = 0; i < memref.getRank(); ++i)
        params.push_back(descriptor.stride(rewriter, loc, i));
    }
    Value array = argumentArray(rewriter, op, params);

    skipUnlessOk(rewriter, loc, env);
    auto toI32 = [&](Value v) { return LLVM::TruncOp::create(rewriter, loc, i32, v); };
    Value index = LLVM::ConstantOp::create(rewriter, loc, i32, op.getIndex());
    Value fn = loadEnvFunction(rewriter, loc, env, kLaunch);
    auto fnType = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                              {ptr, i32, i32, i32, i32, i32, i32, i32, i32, ptr});
    LLVM::CallOp::create(rewriter, loc, fnType,
                         ValueRange{fn, env, index, toI32(adaptor.getGridX()),
                                    toI32(adaptor.getGridY()), toI32(adaptor.getGridZ()),
                                    toI32(adaptor.getBlockX()), toI32(adaptor.getBlockY()),
                                    toI32(adaptor.getBlockZ()), adaptor.getShared(), array});
    rewriter.eraseOp(op);
    return success();
  }
};

struct LoadArgLowering : ConvertOpToLLVMPattern<ssmrt::LoadArgOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::LoadArgOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type type = getTypeConverter()->convertType(op.getValue().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "cannot convert the argument type");
    Value slot = argumentSlot(rewriter, op.getLoc(), adaptor.getArgs(), op.getIndex());
    rewriter.replaceOpWithNewOp<LLVM::LoadOp>(op, type, slot);
    return success();
  }
};

struct StoreArgLowering : ConvertOpToLLVMPattern<ssmrt::StoreArgOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::StoreArgOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value slot = argumentSlot(rewriter, op.getLoc(), adaptor.getArgs(), op.getIndex());
    rewriter.replaceOpWithNewOp<LLVM::StoreOp>(op, adaptor.getValue(), slot);
    return success();
  }
};

struct StatusLowering : ConvertOpToLLVMPattern<ssmrt::StatusOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult matchAndRewrite(ssmrt::StatusOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value address = envFieldAddress(rewriter, op.getLoc(), adaptor.getEnv(), kStatus);
    rewriter.replaceOpWithNewOp<LLVM::LoadOp>(op, rewriter.getI32Type(), address);
    return success();
  }
};

struct LowerToLLVM : ssm::impl::SSMLowerToLLVMBase<LowerToLLVM> {
  using SSMLowerToLLVMBase::SSMLowerToLLVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    // Arithmetic without an LLVM counterpart (ceildiv, ...) and bf16 conversions (and,
    // optionally, transcendental functions) expanded into what the host can execute and
    // vectorize.
    {
      RewritePatternSet patterns(ctx);
      arith::populateArithExpandOpsPatterns(patterns);
      arith::populateExpandBFloat16Patterns(patterns);
      // erf has no LLVM intrinsic: it is always expanded (to within a few ulp of f32).
      populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
        if (name == "math.erf")
          return true;
        return approximateMath &&
               (name == "math.exp" || name == "math.expm1" || name == "math.log" ||
                name == "math.log1p" || name == "math.tanh");
      });
      // Not in GPU kernels: convert-gpu-to-nvvm maps math ops to libdevice, which uses the
      // GPU's special function units.
      FrozenRewritePatternSet frozen(std::move(patterns));
      for (Operation &op : module.getBody()->getOperations())
        if (!isa<gpu::GPUModuleOp>(op) && failed(applyPatternsGreedily(&op, frozen)))
          return signalPassFailure();
    }
    LLVMTypeConverter converter(ctx);
    RewritePatternSet patterns(ctx);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    populateMathToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    index::populateIndexToLLVMConversionPatterns(converter, patterns);
    populateVectorToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    patterns.add<AllocLowering, CheckLowering, DispatchLowering, LaunchLowering, LoadArgLowering,
                 StoreArgLowering, StatusLowering>(converter);
    LLVMConversionTarget target(*ctx);
    target.addLegalOp<ModuleOp>();
    // GPU kernels are lowered and serialized on their own (NVVM, ptxas).
    target.addLegalOp<gpu::GPUModuleOp>();
    target.markOpRecursivelyLegal<gpu::GPUModuleOp>();
    if (failed(applyFullConversion(module, target, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
