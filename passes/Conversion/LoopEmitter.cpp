//===- LoopEmitter.cpp - building blocks of the loop lowerings ------------===//

#include "passes/Conversion/LoopEmitter.h"

#include "dialects/ssmrt/SSMRTOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::ssm;

//===----------------------------------------------------------------------===//
// Emitter
//===----------------------------------------------------------------------===//

Value Emitter::f32(double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(static_cast<float>(value)));
}

Value Emitter::index(int64_t value) { return arith::ConstantIndexOp::create(b, loc, value); }

Value Emitter::i64(int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}

Value Emitter::load(Value memref, ValueRange indices) {
  Value value = memref::LoadOp::create(b, loc, memref, indices);
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
}

void Emitter::store(Value value, Value memref, ValueRange indices) {
  Type element = cast<MemRefType>(memref.getType()).getElementType();
  if (element != value.getType())
    value = arith::TruncFOp::create(b, loc, element, value);
  memref::StoreOp::create(b, loc, value, memref, indices);
}

Value Emitter::dim(Value memref, int64_t d) {
  auto type = cast<ShapedType>(memref.getType());
  if (!type.isDynamicDim(d))
    return index(type.getDimSize(d));
  return memref::DimOp::create(b, loc, memref, d);
}

Value Emitter::add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
Value Emitter::sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
Value Emitter::mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
Value Emitter::div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
Value Emitter::fma(Value x, Value y, Value z) { return math::FmaOp::create(b, loc, x, y, z); }
Value Emitter::accumulate(Value x, Value y, Value acc) {
  // A multiply and an add (not an fma): LLVM recognizes fadd reductions, not llvm.fma ones;
  // `contract` lets the backend fuse them again.
  auto contract = arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::contract);
  auto reassoc = arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::reassoc |
                                                                   arith::FastMathFlags::contract);
  Value product = arith::MulFOp::create(b, loc, x, y, contract);
  return arith::AddFOp::create(b, loc, acc, product, reassoc);
}
Value Emitter::max(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
Value Emitter::min(Value x, Value y) { return arith::MinimumFOp::create(b, loc, x, y); }
Value Emitter::neg(Value x) { return arith::NegFOp::create(b, loc, x); }
Value Emitter::exp(Value x) { return math::ExpOp::create(b, loc, x); }
Value Emitter::sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
Value Emitter::tanh(Value x) { return math::TanhOp::create(b, loc, x); }

Value Emitter::softplus(Value x) {
  // max(x, 0) + log1p(exp(-|x|)): exact for large |x| where log(1 + exp(x)) would overflow.
  Value negAbs = neg(math::AbsFOp::create(b, loc, x));
  Value tail = math::Log1pOp::create(b, loc, exp(negAbs));
  return add(max(x, f32(0.0)), tail);
}

Value Emitter::sigmoid(Value x) { return div(f32(1.0), add(f32(1.0), exp(neg(x)))); }

Value Emitter::silu(Value x) { return div(x, add(f32(1.0), exp(neg(x)))); }

Value Emitter::cmp(arith::CmpFPredicate predicate, Value x, Value y) {
  return arith::CmpFOp::create(b, loc, predicate, x, y);
}

Value Emitter::select(Value condition, Value x, Value y) {
  return arith::SelectOp::create(b, loc, condition, x, y);
}

Value Emitter::addi(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
Value Emitter::subi(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
Value Emitter::muli(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
Value Emitter::divi(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
Value Emitter::remi(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
Value Emitter::mini(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }

Value Emitter::cmpi(arith::CmpIPredicate predicate, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, predicate, x, y);
}

Value Emitter::toI64(Value value) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), value);
}

Value Emitter::indexToF32(Value value) {
  return arith::UIToFPOp::create(b, loc, b.getF32Type(), toI64(value));
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

Value mlir::ssm::bufferOf(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, loc, memrefType, tensor, /*read_only=*/true);
}

Value mlir::ssm::allocResult(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dims) {
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::AllocOp::create(b, loc, memrefType, dims);
}

SmallVector<Value> mlir::ssm::dynamicSizes(ShapedType type, ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (auto [i, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(i))
      dynamic.push_back(size);
  return dynamic;
}

Value mlir::ssm::tensorOf(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  auto tensorType = RankedTensorType::get(type.getShape(), type.getElementType());
  return bufferization::ToTensorOp::create(b, loc, tensorType, buffer, b.getUnitAttr(),
                                           b.getUnitAttr());
}

Value mlir::ssm::findEnvironment(Operation *op) {
  auto func = op->getParentOfType<FunctionOpInterface>();
  if (func && func.getNumArguments() > 0 &&
      isa<LLVM::LLVMPointerType>(func.getArgument(0).getType()))
    return func.getArgument(0);
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Checker
//===----------------------------------------------------------------------===//

void Checker::require(Value condition, Value x, Value y, StringRef message) {
  ssmrt::CheckOp::create(e.builder(), e.location(), env, condition, e.toI64(x), e.toI64(y),
                         (opName + ": " + message).str());
}

void Checker::equalDims(Value a, int64_t da, StringRef aName, Value b, int64_t db,
                        StringRef bName) {
  auto ta = cast<ShapedType>(a.getType()), tb = cast<ShapedType>(b.getType());
  if (!ta.isDynamicDim(da) && !tb.isDynamicDim(db))
    return;
  equal(e.dim(a, da), e.dim(b, db),
        (Twine("dimension ") + Twine(da) + " of '" + aName + "' must equal dimension " + Twine(db) +
         " of '" + bName + "'")
            .str());
}

void Checker::equal(Value x, Value y, StringRef message) {
  require(e.cmpi(arith::CmpIPredicate::eq, x, y), x, y, message);
}

void Checker::divides(Value divisor, Value value, StringRef message) {
  Value zero = e.index(0);
  Value positive = e.cmpi(arith::CmpIPredicate::ugt, divisor, zero);
  // Divide by max(divisor, 1) so that the check itself never divides by zero.
  Value safe = arith::MaxUIOp::create(e.builder(), e.location(), divisor, e.index(1));
  Value exact = e.cmpi(arith::CmpIPredicate::eq, e.remi(value, safe), zero);
  require(arith::AndIOp::create(e.builder(), e.location(), positive, exact), divisor, value,
          message);
}

void Checker::broadcastable(Value a, int64_t da, Value y, StringRef message) {
  if (!cast<ShapedType>(a.getType()).isDynamicDim(da))
    return;
  Value size = e.dim(a, da);
  Value ok = arith::OrIOp::create(e.builder(), e.location(),
                                  e.cmpi(arith::CmpIPredicate::eq, size, e.index(1)),
                                  e.cmpi(arith::CmpIPredicate::eq, size, y));
  require(ok, size, y, message);
}

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

void mlir::ssm::buildParallel(OpBuilder &b, Location loc, ValueRange upperBounds,
                              function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> ubs(upperBounds);
  bool single = ubs.empty();
  if (single)
    ubs.push_back(one);
  SmallVector<Value> lbs(ubs.size(), zero), steps(ubs.size(), one);
  scf::ParallelOp::create(b, loc, lbs, ubs, steps,
                          [&](OpBuilder &nested, Location nestedLoc, ValueRange ivs) {
                            body(nested, nestedLoc, single ? ValueRange{} : ivs);
                          });
}

SmallVector<Value> mlir::ssm::buildFor(
    OpBuilder &b, Location loc, Value lb, Value ub, ValueRange inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop =
      scf::ForOp::create(b, loc, lb, ub, one, inits,
                         [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange iterArgs) {
                           SmallVector<Value> next = body(nested, nestedLoc, iv, iterArgs);
                           scf::YieldOp::create(nested, nestedLoc, next);
                         });
  return SmallVector<Value>(loop.getResults());
}

void mlir::ssm::withStackScope(OpBuilder &b, Location loc,
                               function_ref<void(OpBuilder &, Location)> body) {
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  Block *block = b.createBlock(&scope.getBodyRegion());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(block);
  body(b, loc);
  memref::AllocaScopeReturnOp::create(b, loc);
}

Value mlir::ssm::stackBuffer(OpBuilder &b, Location loc, Value size) {
  // A static size lets LLVM keep the buffer in registers (the state of a Mamba-1 row is 16
  // floats: two AVX2 registers).
  if (std::optional<int64_t> constant = getConstantIntValue(size)) {
    Value buffer = memref::AllocaOp::create(b, loc, MemRefType::get({*constant}, b.getF32Type()));
    return memref::CastOp::create(b, loc, MemRefType::get({ShapedType::kDynamic}, b.getF32Type()),
                                  buffer);
  }
  auto type = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  return memref::AllocaOp::create(b, loc, type, ValueRange{size});
}
