//===- SSMRTOps.cpp - ssmrt dialect operations ----------------------------===//

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ssmrt;

#include "dialects/ssmrt/SSMRTOpsDialect.cpp.inc"

void SSMRTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/ssmrt/SSMRTOps.cpp.inc"
      >();
}

LogicalResult AllocOp::verify() {
  auto type = getMemref().getType();
  if (!type.getLayout().isIdentity())
    return emitOpError("allocates contiguous buffers only, got ") << type;
  if (getDynamicSizes().size() != static_cast<size_t>(type.getNumDynamicDims()))
    return emitOpError("needs ") << type.getNumDynamicDims() << " dynamic sizes for " << type
                                 << ", got " << getDynamicSizes().size();
  return success();
}

LogicalResult DispatchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel = symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getKernelAttr());
  if (!kernel)
    return emitOpError("kernel '") << getKernel() << "' is not a function";
  MLIRContext *ctx = getContext();
  Type index = IndexType::get(ctx);
  auto expected =
      FunctionType::get(ctx, {LLVM::LLVMPointerType::get(ctx), index, index}, TypeRange{});
  if (kernel.getFunctionType() != expected)
    return emitOpError("kernel '") << getKernel() << "' must have type " << expected << ", got "
                                   << kernel.getFunctionType();
  return success();
}

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto kernel = symbolTable.lookupNearestSymbolFrom<gpu::GPUFuncOp>(*this, getKernelAttr());
  if (!kernel || !kernel.isKernel())
    return emitOpError("kernel ") << getKernel() << " is not a gpu.func kernel";
  if (kernel.getNumArguments() != getArgs().size())
    return emitOpError("kernel ") << getKernel() << " takes " << kernel.getNumArguments()
                                  << " arguments, got " << getArgs().size();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(kernel.getArgumentTypes(), getArgs())))
    if (std::get<0>(pair) != std::get<1>(pair).getType())
      return emitOpError("argument #")
             << i << " must be " << std::get<0>(pair) << ", got " << std::get<1>(pair).getType();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/ssmrt/SSMRTOps.cpp.inc"

LogicalResult ssmrt::CheckOp::canonicalize(CheckOp op, PatternRewriter &rewriter) {
  if (!matchPattern(op.getCondition(), m_One()))
    return failure();
  rewriter.eraseOp(op);
  return success();
}
