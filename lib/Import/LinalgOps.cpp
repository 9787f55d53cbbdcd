//===- LinalgOps.cpp - contractions, reductions, normalizations, conv -----===//
//
// Each becomes linalg.generic ops with reduction dimensions. f16 and bf16 accumulate in f32.
// RMSNormalization over the last axis becomes lm.rms_norm, Attention becomes lm.attention.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "dialects/lm/LMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

Type accumulatorType(OpBuilder &b, Type element) {
  return element.isF16() || element.isBF16() ? Type(b.getF32Type()) : element;
}

Value zeroOf(OpBuilder &b, Location loc, Type type) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, 0));
  return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, 0));
}

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? Value(arith::AddFOp::create(b, loc, x, y))
                                     : Value(arith::AddIOp::create(b, loc, x, y));
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? Value(arith::MulFOp::create(b, loc, x, y))
                                     : Value(arith::MulIOp::create(b, loc, x, y));
}

/// The broadcast sizes of two batch shapes and each one's map exprs (size-1 dims read 0).
struct BatchBroadcast {
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> a, b;
};

BatchBroadcast broadcastBatch(NodeContext &ctx, Value a, int64_t aBatch, Value b, int64_t bBatch) {
  int64_t rank = std::max(aBatch, bBatch);
  BatchBroadcast result;
  auto typeA = typeOf(a), typeB = typeOf(b);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t da = d - (rank - aBatch), db = d - (rank - bBatch);
    auto sizeOf = [&](RankedTensorType t, int64_t i) -> std::optional<int64_t> {
      if (i < 0)
        return 1;
      if (t.isDynamicDim(i))
        return std::nullopt;
      return t.getDimSize(i);
    };
    std::optional<int64_t> sa = sizeOf(typeA, da), sb = sizeOf(typeB, db);
    OpFoldResult size;
    if (sa && *sa != 1)
      size = ctx.b.getIndexAttr(*sa);
    else if (sb && *sb != 1)
      size = ctx.b.getIndexAttr(*sb);
    else if (!sa)
      size = ctx.dim(a, da);
    else if (!sb)
      size = ctx.dim(b, db);
    else
      size = ctx.b.getIndexAttr(1);
    result.sizes.push_back(size);
    bool aOne = sa && *sa == 1 && getConstantIntValue(size) != 1;
    bool bOne = sb && *sb == 1 && getConstantIntValue(size) != 1;
    if (da >= 0)
      result.a.push_back(aOne ? ctx.b.getAffineConstantExpr(0) : ctx.b.getAffineDimExpr(d));
    if (db >= 0)
      result.b.push_back(bOne ? ctx.b.getAffineConstantExpr(0) : ctx.b.getAffineDimExpr(d));
  }
  return result;
}

/// out[batch.., m, n] = sum_k a[batch.., m, k] * b[batch.., k, n] (batch dims broadcast).
Value batchMatmul(NodeContext &ctx, Value a, Value b) {
  OpBuilder &bld = ctx.b;
  auto ta = typeOf(a), tb = typeOf(b);
  int64_t ra = ta.getRank(), rb = tb.getRank();
  BatchBroadcast batch = broadcastBatch(ctx, a, ra - 2, b, rb - 2);
  int64_t nb = batch.sizes.size();
  SmallVector<OpFoldResult> loop = batch.sizes;
  loop.push_back(ta.isDynamicDim(ra - 2) ? OpFoldResult(ctx.dim(a, ra - 2))
                                         : OpFoldResult(bld.getIndexAttr(ta.getDimSize(ra - 2))));
  loop.push_back(tb.isDynamicDim(rb - 1) ? OpFoldResult(ctx.dim(b, rb - 1))
                                         : OpFoldResult(bld.getIndexAttr(tb.getDimSize(rb - 1))));
  loop.push_back(ta.isDynamicDim(ra - 1) ? OpFoldResult(ctx.dim(a, ra - 1))
                                         : OpFoldResult(bld.getIndexAttr(ta.getDimSize(ra - 1))));
  AffineExpr m = bld.getAffineDimExpr(nb), n = bld.getAffineDimExpr(nb + 1),
             k = bld.getAffineDimExpr(nb + 2);
  SmallVector<AffineExpr> ea = batch.a, eb = batch.b;
  ea.append({m, k});
  eb.append({k, n});
  MLIRContext *context = bld.getContext();
  SmallVector<AffineMap> maps{AffineMap::get(nb + 3, 0, ea, context),
                              AffineMap::get(nb + 3, 0, eb, context)};
  Type element = ta.getElementType();
  Type acc = accumulatorType(bld, element);
  SmallVector<OpFoldResult> outSizes(loop.begin(), loop.end() - 1);
  Value init = filledTensor(bld, ctx.loc, outSizes, zeroOf(bld, ctx.loc, acc));
  SmallVector<bool> reduced(nb + 3, false);
  reduced.back() = true;
  Value result = buildReduction(bld, ctx.loc, loop, reduced, init, {a, b}, maps,
                                [&](OpBuilder &builder, Location loc, ValueRange args) {
                                  Value x = castScalar(builder, loc, args[0], acc);
                                  Value y = castScalar(builder, loc, args[1], acc);
                                  return add(builder, loc, args[2], mul(builder, loc, x, y));
                                });
  return castTensor(bld, ctx.loc, result, element);
}

LogicalResult emitMatMul(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> a = ctx.required(0, "A");
  FailureOr<Value> b = ctx.required(1, "B");
  if (failed(a) || failed(b))
    return failure();
  if (typeOf(*a).getElementType() != typeOf(*b).getElementType()) {
    ctx.error() << "A and B must have one element type";
    return failure();
  }
  int64_t ra = typeOf(*a).getRank(), rb = typeOf(*b).getRank();
  if (ra == 0 || rb == 0) {
    ctx.error() << "A and B must have rank >= 1";
    return failure();
  }
  // 1-D operands: a row (A) or a column (B), removed from the result again.
  Value lhs = *a, rhs = *b;
  SmallVector<SymInt> sa = symSizes(ctx, *a), sb = symSizes(ctx, *b);
  if (ra == 1)
    lhs = reshapeTo(ctx, *a, {SymInt::of(1), sa[0]});
  if (rb == 1)
    rhs = reshapeTo(ctx, *b, {sb[0], SymInt::of(1)});
  SymInt ka = symSizes(ctx, lhs).back(), kb = symSizes(ctx, rhs)[typeOf(rhs).getRank() - 2];
  if (ka.isConstant() && kb.isConstant() && *ka.constant != *kb.constant) {
    ctx.error() << "the contracted sizes differ: " << *ka.constant << " and " << *kb.constant;
    return failure();
  }
  if (!ka.isConstant() || !kb.isConstant()) {
    Value x = indexValue(ctx.b, ctx.loc, ka), y = indexValue(ctx.b, ctx.loc, kb);
    ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, x, y), x, y,
              "the contracted sizes of A and B differ");
  }
  Value result = batchMatmul(ctx, lhs, rhs);
  if (ra == 1 || rb == 1) {
    SmallVector<SymInt> sizes = symSizes(ctx, result);
    SmallVector<SymInt> kept(sizes.begin(), sizes.end() - 2);
    if (ra != 1)
      kept.push_back(sizes[sizes.size() - 2]);
    if (rb != 1)
      kept.push_back(sizes.back());
    result = reshapeTo(ctx, result, kept);
  }
  results.push_back(result);
  return success();
}

LogicalResult emitGemm(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> a = ctx.required(0, "A");
  FailureOr<Value> b = ctx.required(1, "B");
  if (failed(a) || failed(b))
    return failure();
  if (typeOf(*a).getRank() != 2 || typeOf(*b).getRank() != 2) {
    ctx.error() << "A and B must be matrices";
    return failure();
  }
  OpBuilder &bld = ctx.b;
  bool transA = ctx.getInt("transA", 0) != 0, transB = ctx.getInt("transB", 0) != 0;
  float alpha = ctx.getFloat("alpha", 1.0f), beta = ctx.getFloat("beta", 1.0f);
  MLIRContext *context = bld.getContext();
  AffineExpr m = bld.getAffineDimExpr(0), n = bld.getAffineDimExpr(1), k = bld.getAffineDimExpr(2);
  SmallVector<AffineMap> maps{
      AffineMap::get(3, 0, transA ? ArrayRef<AffineExpr>{k, m} : ArrayRef<AffineExpr>{m, k},
                     context),
      AffineMap::get(3, 0, transB ? ArrayRef<AffineExpr>{n, k} : ArrayRef<AffineExpr>{k, n},
                     context)};
  SmallVector<OpFoldResult> loop{ctx.sizes(*a)[transA ? 1 : 0], ctx.sizes(*b)[transB ? 0 : 1],
                                 ctx.sizes(*a)[transA ? 0 : 1]};
  Type element = typeOf(*a).getElementType();
  Type acc = accumulatorType(bld, element);
  Value init = filledTensor(bld, ctx.loc, {loop[0], loop[1]}, zeroOf(bld, ctx.loc, acc));
  Value product = buildReduction(bld, ctx.loc, loop, {false, false, true}, init, {*a, *b}, maps,
                                 [&](OpBuilder &builder, Location loc, ValueRange args) {
                                   Value x = castScalar(builder, loc, args[0], acc);
                                   Value y = castScalar(builder, loc, args[1], acc);
                                   return add(builder, loc, args[2], mul(builder, loc, x, y));
                                 });
  SmallVector<Value> inputs{product};
  if (ctx.hasInput(2))
    inputs.push_back(ctx.input(2));
  FailureOr<Broadcast> shape = broadcast(ctx, inputs);
  if (failed(shape))
    return failure();
  if (shape->sizes.size() != 2) {
    ctx.error() << "C must broadcast to (M, N)";
    return failure();
  }
  bool isFloat = isa<FloatType>(acc);
  results.push_back(buildGeneric(
      bld, ctx.loc, shape->sizes, element, inputs, shape->maps,
      [&](OpBuilder &builder, Location loc, ValueRange args) -> Value {
        Value v = args[0];
        if (alpha != 1.0f)
          v = mul(builder, loc, v,
                  isFloat ? Value(arith::ConstantOp::create(builder, loc, acc,
                                                            builder.getFloatAttr(acc, alpha)))
                          : Value(arith::ConstantOp::create(
                                builder, loc, acc,
                                builder.getIntegerAttr(acc, static_cast<int64_t>(alpha)))));
        if (args.size() > 1) {
          Value c = castScalar(builder, loc, args[1], acc);
          if (beta != 1.0f)
            c = mul(builder, loc, c,
                    isFloat ? Value(arith::ConstantOp::create(builder, loc, acc,
                                                              builder.getFloatAttr(acc, beta)))
                            : Value(arith::ConstantOp::create(
                                  builder, loc, acc,
                                  builder.getIntegerAttr(acc, static_cast<int64_t>(beta)))));
          v = add(builder, loc, v, c);
        }
        return castScalar(builder, loc, v, element);
      }));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

enum class Reduce { Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp };

/// Reduces `x` over the dimensions marked in `reduced` into a tensor of the kept dimensions
/// (in the accumulator type); `pre` maps each element before it is combined.
Value reduceKept(NodeContext &ctx, Value x, ArrayRef<bool> reduced, Reduce kind, Type acc) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<OpFoldResult> sizes = ctx.sizes(x), kept;
  for (auto [d, r] : llvm::enumerate(reduced))
    if (!r)
      kept.push_back(sizes[d]);
  bool isFloat = isa<FloatType>(acc);
  Value initValue;
  switch (kind) {
  case Reduce::Max:
    initValue =
        isFloat
            ? ctx.scalar(acc, -INFINITY)
            : Value(arith::ConstantOp::create(
                  b, loc, acc,
                  b.getIntegerAttr(acc, APInt::getSignedMinValue(acc.getIntOrFloatBitWidth()))));
    break;
  case Reduce::Min:
    initValue =
        isFloat
            ? ctx.scalar(acc, INFINITY)
            : Value(arith::ConstantOp::create(
                  b, loc, acc,
                  b.getIntegerAttr(acc, APInt::getSignedMaxValue(acc.getIntOrFloatBitWidth()))));
    break;
  case Reduce::Prod:
    initValue = ctx.scalar(acc, 1);
    break;
  default:
    initValue = ctx.scalar(acc, 0);
  }
  Value init = filledTensor(b, loc, kept, initValue);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(sizes.size(), b.getContext());
  return buildReduction(b, loc, sizes, reduced, init, x, identity,
                        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                          Value v = castScalar(nb, nloc, args[0], acc);
                          Value a = args[1];
                          switch (kind) {
                          case Reduce::Max:
                            return isFloat ? Value(arith::MaximumFOp::create(nb, nloc, a, v))
                                           : Value(arith::MaxSIOp::create(nb, nloc, a, v));
                          case Reduce::Min:
                            return isFloat ? Value(arith::MinimumFOp::create(nb, nloc, a, v))
                                           : Value(arith::MinSIOp::create(nb, nloc, a, v));
                          case Reduce::Prod:
                            return mul(nb, nloc, a, v);
                          case Reduce::SumSquare:
                          case Reduce::L2:
                            return add(nb, nloc, a, mul(nb, nloc, v, v));
                          case Reduce::L1:
                            return add(nb, nloc, a,
                                       isFloat ? Value(math::AbsFOp::create(nb, nloc, v))
                                               : Value(math::AbsIOp::create(nb, nloc, v)));
                          case Reduce::LogSumExp:
                            return add(nb, nloc, a, math::ExpOp::create(nb, nloc, v));
                          default:
                            return add(nb, nloc, a, v);
                          }
                        });
}

/// Reads `kept` (indexed by the kept dims) at every position of a tensor of `sizes`.
AffineMap keptMap(OpBuilder &b, ArrayRef<bool> reduced, bool keepOnes) {
  SmallVector<AffineExpr> exprs;
  for (auto [d, r] : llvm::enumerate(reduced)) {
    if (!r)
      exprs.push_back(b.getAffineDimExpr(d));
    else if (keepOnes)
      exprs.push_back(b.getAffineConstantExpr(0));
  }
  return AffineMap::get(reduced.size(), 0, exprs, b.getContext());
}

template <Reduce kind> LogicalResult emitReduce(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  bool isFloat = isa<FloatType>(element);
  if (!isFloat && (kind == Reduce::Mean || kind == Reduce::L2 || kind == Reduce::LogSum ||
                   kind == Reduce::LogSumExp)) {
    ctx.unsupported() << "integer inputs are not supported";
    return failure();
  }
  // ReduceSum takes axes as an input from opset 13, the others from 18.
  int inputOpset = kind == Reduce::Sum ? 13 : 18;
  std::optional<SmallVector<int64_t>> axes;
  if (ctx.opset >= inputOpset) {
    if (ctx.hasInput(1)) {
      axes = ctx.importer.constantInts(ctx.input(1));
      if (!axes) {
        ctx.unsupported() << "the axes input must be a constant";
        return failure();
      }
    }
  } else {
    axes = ctx.getInts("axes");
  }
  bool keepDims = ctx.getInt("keepdims", 1) != 0;
  bool noop = ctx.getInt("noop_with_empty_axes", 0) != 0;
  if ((!axes || axes->empty()) && noop && ctx.opset >= inputOpset) {
    results.push_back(*x);
    return success();
  }
  SmallVector<bool> reduced(rank, !axes || axes->empty());
  if (axes) {
    for (int64_t a : *axes) {
      FailureOr<int64_t> n = ctx.axis(a, rank);
      if (failed(n))
        return failure();
      reduced[*n] = true;
    }
  }
  Type acc = accumulatorType(ctx.b, element);
  Value sum = reduceKept(ctx, *x, reduced, kind, acc);
  SymInt count = SymInt::of(1);
  SmallVector<SymInt> sizes = symSizes(ctx, *x);
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d])
      count = symMul(ctx.b, ctx.loc, count, sizes[d]);
  Value countValue;
  if (kind == Reduce::Mean)
    countValue = castScalar(ctx.b, ctx.loc,
                            arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(),
                                                       indexValue(ctx.b, ctx.loc, count)),
                            acc);
  SmallVector<OpFoldResult> kept;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[d])
      kept.push_back(ctx.sizes(*x)[d]);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(kept.size(), ctx.b.getContext());
  Value result = buildGeneric(ctx.b, ctx.loc, kept, element, sum, identity,
                              [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
                                Value v = a[0];
                                if (kind == Reduce::Mean)
                                  v = arith::DivFOp::create(b, loc, v, countValue);
                                else if (kind == Reduce::L2)
                                  v = math::SqrtOp::create(b, loc, v);
                                else if (kind == Reduce::LogSum || kind == Reduce::LogSumExp)
                                  v = math::LogOp::create(b, loc, v);
                                return castScalar(b, loc, v, element);
                              });
  if (keepDims) {
    SmallVector<SymInt> shape;
    for (int64_t d = 0; d < rank; ++d)
      shape.push_back(reduced[d] ? SymInt::of(1) : sizes[d]);
    result = reshapeTo(ctx, result, shape);
  }
  results.push_back(result);
  return success();
}

/// Softmax and LogSoftmax over `axis` (opset >= 13) or the dims from `axis` on (earlier).
template <bool log> LogicalResult emitSoftmax(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  if (!isa<FloatType>(element)) {
    ctx.error() << "the input must be a float tensor";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", ctx.opset >= 13 ? -1 : 1), rank);
  if (failed(axis))
    return failure();
  SmallVector<bool> reduced(rank, false);
  for (int64_t d = 0; d < rank; ++d)
    reduced[d] = ctx.opset >= 13 ? d == *axis : d >= *axis;
  OpBuilder &b = ctx.b;
  Type acc = b.getF32Type();
  if (element.isF64())
    acc = element;
  Value max = reduceKept(ctx, *x, reduced, Reduce::Max, acc);
  SmallVector<OpFoldResult> sizes = ctx.sizes(*x);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  AffineMap kept = keptMap(b, reduced, false);
  // e = exp(x - max), in the accumulator type.
  Value shifted =
      buildGeneric(b, ctx.loc, sizes, acc, {*x, max}, {identity, kept},
                   [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                     return arith::SubFOp::create(nb, loc, castScalar(nb, loc, a[0], acc), a[1]);
                   });
  Value sum = reduceKept(ctx, shifted, reduced, Reduce::LogSumExp, acc);
  results.push_back(
      buildGeneric(b, ctx.loc, sizes, element, {shifted, sum}, {identity, kept},
                   [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                     Value v;
                     if (log)
                       v = arith::SubFOp::create(nb, loc, a[0], math::LogOp::create(nb, loc, a[1]));
                     else
                       v = arith::DivFOp::create(nb, loc, math::ExpOp::create(nb, loc, a[0]), a[1]);
                     return castScalar(nb, loc, v, element);
                   }));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

/// y = (x - mean) / sqrt(var + eps) * scale + bias over the dims from `axis` on
/// (LayerNormalization), or y = x / sqrt(mean(x^2) + eps) * scale (RMSNormalization).
LogicalResult normalize(NodeContext &ctx, SmallVectorImpl<Value> &results, bool rms) {
  FailureOr<Value> x = ctx.required(0, "X");
  FailureOr<Value> scale = ctx.required(1, "Scale");
  if (failed(x) || failed(scale))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  if (!isa<FloatType>(element)) {
    ctx.error() << "X must be a float tensor";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  float eps = ctx.getFloat("epsilon", 1e-5f);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (rms && *axis == rank - 1 && typeOf(*scale).getRank() == 1 && !element.isF64() &&
      ctx.numOutputs() == 1 && eps > 0) {
    results.push_back(lm::RMSNormOp::create(b, loc, type, *x, *scale, b.getF32FloatAttr(eps)));
    return success();
  }
  Type acc = element.isF64() ? element : Type(b.getF32Type());
  SmallVector<bool> reduced(rank, false);
  for (int64_t d = *axis; d < rank; ++d)
    reduced[d] = true;
  SmallVector<SymInt> symbolicSizes = symSizes(ctx, *x);
  SymInt count = SymInt::of(1);
  for (int64_t d = *axis; d < rank; ++d)
    count = symMul(b, loc, count, symbolicSizes[d]);
  Value n = castScalar(
      b, loc, arith::IndexCastOp::create(b, loc, b.getI64Type(), indexValue(b, loc, count)), acc);
  SmallVector<OpFoldResult> sizes = ctx.sizes(*x), keptSizes;
  for (int64_t d = 0; d < *axis; ++d)
    keptSizes.push_back(sizes[d]);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  AffineMap kept = keptMap(b, reduced, false);
  AffineMap keptIdentity = AffineMap::getMultiDimIdentityMap(*axis, b.getContext());
  Value xAcc = castTensor(b, loc, *x, acc);
  Value mean;
  Value centered = xAcc;
  if (!rms) {
    Value sum = reduceKept(ctx, xAcc, reduced, Reduce::Sum, acc);
    mean = buildGeneric(b, loc, keptSizes, acc, sum, keptIdentity,
                        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          return arith::DivFOp::create(nb, l, a[0], n);
                        });
    centered = buildGeneric(b, loc, sizes, acc, {xAcc, mean}, {identity, kept},
                            [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                              return arith::SubFOp::create(nb, l, a[0], a[1]);
                            });
  }
  Value squares = reduceKept(ctx, centered, reduced, Reduce::SumSquare, acc);
  Value epsValue = ctx.scalar(acc, eps);
  Value invStd = buildGeneric(b, loc, keptSizes, acc, squares, keptIdentity,
                              [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                Value var = arith::DivFOp::create(nb, l, a[0], n);
                                return math::RsqrtOp::create(
                                    nb, l, arith::AddFOp::create(nb, l, var, epsValue));
                              });
  // Scale and bias broadcast against the normalized dims (numpy-style, right-aligned).
  SmallVector<Value> inputs{centered, invStd, *scale};
  SmallVector<AffineMap> maps{identity, kept};
  auto paramMap = [&](Value param) {
    auto pt = typeOf(param);
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < pt.getRank(); ++i) {
      int64_t d = rank - pt.getRank() + i;
      exprs.push_back(!pt.isDynamicDim(i) && pt.getDimSize(i) == 1 ? b.getAffineConstantExpr(0)
                                                                   : b.getAffineDimExpr(d));
    }
    return AffineMap::get(rank, 0, exprs, b.getContext());
  };
  maps.push_back(paramMap(*scale));
  bool hasBias = !rms && ctx.hasInput(2);
  if (hasBias) {
    inputs.push_back(ctx.input(2));
    maps.push_back(paramMap(ctx.input(2)));
  }
  results.push_back(buildGeneric(
      b, loc, sizes, element, inputs, maps, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value v = arith::MulFOp::create(nb, l, a[0], a[1]);
        v = arith::MulFOp::create(nb, l, v, castScalar(nb, l, a[2], acc));
        if (hasBias)
          v = arith::AddFOp::create(nb, l, v, castScalar(nb, l, a[3], acc));
        return castScalar(nb, l, v, element);
      }));
  // LayerNormalization's optional Mean and InvStdDev outputs keep the normalized dims as 1.
  if (!rms && ctx.numOutputs() > 1) {
    Type stash = ctx.getInt("stash_type", 1) == 1 ? Type(b.getF32Type()) : element;
    SmallVector<SymInt> shape;
    for (int64_t d = 0; d < rank; ++d)
      shape.push_back(d < *axis ? symbolicSizes[d] : SymInt::of(1));
    results.push_back(reshapeTo(ctx, castTensor(b, loc, mean, stash), shape));
    results.push_back(reshapeTo(ctx, castTensor(b, loc, invStd, stash), shape));
  }
  return success();
}

LogicalResult emitLayerNorm(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return normalize(ctx, results, /*rms=*/false);
}

LogicalResult emitRMSNorm(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return normalize(ctx, results, /*rms=*/true);
}

//===----------------------------------------------------------------------===//
// Conv
//===----------------------------------------------------------------------===//

/// Any convolution as one reduction generic over (n, m, o_1.., c, k_1..) into `init`
/// (N, M, O_1..) of the accumulator type; the input is read in place with out-of-range
/// positions (the padding) counted as zeros.
Value convolution(NodeContext &ctx, Value x, Value w, Value init, int64_t group,
                  ArrayRef<SymInt> padBefore, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  int64_t spatial = typeOf(x).getRank() - 2;
  Type acc = getElementTypeOrSelf(init.getType());
  SmallVector<SymInt> xs = symSizes(ctx, x), ws = symSizes(ctx, w);
  // Loop: (n, m, o_1.., c, k_1..); c runs over the channels of one group.
  SmallVector<OpFoldResult> loop = tensor::getMixedSizes(b, loc, init);
  loop.push_back(toFoldResult(b, ws[1]));
  for (int64_t i = 0; i < spatial; ++i)
    loop.push_back(toFoldResult(b, ws[2 + i]));
  SmallVector<bool> reduced(loop.size(), false);
  for (size_t i = 2 + spatial; i < loop.size(); ++i)
    reduced[i] = true;
  SmallVector<AffineExpr> wExprs{b.getAffineDimExpr(1), b.getAffineDimExpr(2 + spatial)};
  for (int64_t i = 0; i < spatial; ++i)
    wExprs.push_back(b.getAffineDimExpr(3 + spatial + i));
  AffineMap wMap = AffineMap::get(loop.size(), 0, wExprs, b.getContext());
  SmallVector<Value> padValues, xSizes;
  for (int64_t i = 0; i < spatial; ++i) {
    padValues.push_back(indexValue(b, loc, padBefore[i]));
    xSizes.push_back(indexValue(b, loc, xs[2 + i]));
  }
  Value channelsPerGroup = indexValue(b, loc, ws[1]);
  Value outPerGroup = indexValue(b, loc, symFloorDiv(b, loc, ws[0], SymInt::of(group)));
  return buildReduction(
      b, loc, loop, reduced, init, w, wMap, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value n = linalg::IndexOp::create(nb, l, 0);
        Value m = linalg::IndexOp::create(nb, l, 1);
        Value c = linalg::IndexOp::create(nb, l, 2 + spatial);
        Value g = arith::DivUIOp::create(nb, l, m, outPerGroup);
        Value channel =
            arith::AddIOp::create(nb, l, arith::MulIOp::create(nb, l, g, channelsPerGroup), c);
        SmallVector<Value> src{n, channel};
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value inside = arith::ConstantIntOp::create(nb, l, 1, 1);
        for (int64_t i = 0; i < spatial; ++i) {
          Value o = linalg::IndexOp::create(nb, l, 2 + i);
          Value k = linalg::IndexOp::create(nb, l, 3 + spatial + i);
          Value pos = arith::SubIOp::create(
              nb, l,
              arith::AddIOp::create(
                  nb, l,
                  arith::MulIOp::create(nb, l, o,
                                        arith::ConstantIndexOp::create(nb, l, strides[i])),
                  arith::MulIOp::create(nb, l, k,
                                        arith::ConstantIndexOp::create(nb, l, dilations[i]))),
              padValues[i]);
          Value ge = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, pos, zero);
          Value lt = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, pos, xSizes[i]);
          inside = arith::AndIOp::create(nb, l, inside, arith::AndIOp::create(nb, l, ge, lt));
          Value last =
              arith::SubIOp::create(nb, l, xSizes[i], arith::ConstantIndexOp::create(nb, l, 1));
          src.push_back(
              arith::MaxSIOp::create(nb, l, arith::MinSIOp::create(nb, l, pos, last), zero));
        }
        Value xv = castScalar(nb, l, tensor::ExtractOp::create(nb, l, x, src), acc);
        Value prod = mul(nb, l, xv, castScalar(nb, l, a[0], acc));
        prod = arith::SelectOp::create(nb, l, inside, prod, zeroOf(nb, l, acc));
        return add(nb, l, a[1], prod);
      });
}

/// A depthwise 1-D convolution: `x` (N, C, L) zero-padded along L, then
/// `linalg.depthwise_conv_1d_ncw_cw` with the weight (C, 1, K) as (C, K), into `init`.
Value depthwiseConv1d(NodeContext &ctx, Value x, Value w, Value init, SymInt before, SymInt after,
                      int64_t stride, int64_t dilation) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type element = typeOf(x).getElementType();
  OpFoldResult zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> low{zero, zero, toFoldResult(b, before)};
  SmallVector<OpFoldResult> high{zero, zero, toFoldResult(b, after)};
  Value padded = tensor::PadOp::create(b, loc, Type(), x, low, high, zeroOf(b, loc, element));
  auto wt = typeOf(w);
  auto flatType = RankedTensorType::get({wt.getDimSize(0), wt.getDimSize(2)}, wt.getElementType());
  Value flat = tensor::CollapseShapeOp::create(b, loc, flatType, w,
                                               ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  auto attr = [&](int64_t v) {
    return DenseIntElementsAttr::get(VectorType::get({1}, b.getI64Type()), ArrayRef<int64_t>{v});
  };
  return linalg::DepthwiseConv1DNcwCwOp::create(b, loc, TypeRange{init.getType()},
                                                ValueRange{padded, flat}, ValueRange{init},
                                                attr(stride), attr(dilation))
      .getResult(0);
}

LogicalResult emitConv(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X");
  FailureOr<Value> w = ctx.required(1, "W");
  if (failed(x) || failed(w))
    return failure();
  auto xt = typeOf(*x), wt = typeOf(*w);
  int64_t rank = xt.getRank(), spatial = rank - 2;
  if (rank < 3 || wt.getRank() != rank) {
    ctx.error() << "X must be (N, C, D1, ...) and W (M, C/group, k1, ...) of the same rank";
    return failure();
  }
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  int64_t group = ctx.getInt("group", 1);
  SmallVector<int64_t> strides = ctx.getInts("strides").value_or(SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations =
      ctx.getInts("dilations").value_or(SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = ctx.getInts("pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial || group < 1) {
    ctx.error() << "strides, dilations and pads must match the " << spatial
                << " spatial dimensions";
    return failure();
  }
  // Bounded so that the output size arithmetic below cannot overflow.
  constexpr int64_t limit = int64_t(1) << 31;
  auto within = [&](ArrayRef<int64_t> values, int64_t lowest) {
    return llvm::all_of(values, [&](int64_t v) { return v >= lowest && v < limit; });
  };
  if (!within(strides, 1) || !within(dilations, 1) || !within(pads, 0)) {
    ctx.error() << "strides and dilations must lie in [1, 2^31) and pads in [0, 2^31)";
    return failure();
  }
  SmallVector<SymInt> xs = symSizes(ctx, *x), ws = symSizes(ctx, *w);
  SmallVector<SymInt> padBefore, padAfter, outSizes{xs[0], ws[0]};
  for (int64_t i = 0; i < spatial; ++i) {
    SymInt d = xs[2 + i], k = ws[2 + i];
    SymInt effective =
        symAdd(b, loc, symMul(b, loc, symSub(b, loc, k, SymInt::of(1)), SymInt::of(dilations[i])),
               SymInt::of(1));
    SymInt before = SymInt::of(pads[i]), total = SymInt::of(pads[i] + pads[i + spatial]);
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      SymInt out = symFloorDiv(b, loc, symAdd(b, loc, d, SymInt::of(strides[i] - 1)),
                               SymInt::of(strides[i]));
      SymInt needed = symSub(
          b, loc,
          symAdd(b, loc, symMul(b, loc, symSub(b, loc, out, SymInt::of(1)), SymInt::of(strides[i])),
                 effective),
          d);
      total = symMax(b, loc, needed, SymInt::of(0));
      SymInt half = symFloorDiv(b, loc, total, SymInt::of(2));
      before = autoPad == "SAME_UPPER" ? half : symSub(b, loc, total, half);
    } else if (autoPad == "VALID") {
      before = total = SymInt::of(0);
    } else if (autoPad != "NOTSET") {
      ctx.error() << "auto_pad '" << autoPad << "' is not one of NOTSET, SAME_UPPER, "
                  << "SAME_LOWER, VALID";
      return failure();
    }
    SymInt span = symSub(b, loc, symAdd(b, loc, d, total), effective);
    outSizes.push_back(
        symAdd(b, loc, symFloorDiv(b, loc, span, SymInt::of(strides[i])), SymInt::of(1)));
    if (outSizes.back().isConstant() && *outSizes.back().constant < 0) {
      ctx.error() << "spatial dimension " << i << " of the output would have size "
                  << *outSizes.back().constant << ": the dilated kernel is larger than the "
                  << "padded input";
      return failure();
    }
    padBefore.push_back(before);
    padAfter.push_back(symSub(b, loc, total, before));
  }
  Type element = xt.getElementType();
  Type acc = accumulatorType(b, element);
  Value init = filledTensor(b, loc, foldResults(ctx, outSizes), zeroOf(b, loc, acc));
  // A depthwise 1-D convolution (Mamba's causal conv) stays a named op on a zero-padded input,
  // the form the raising pass recognises.
  bool depthwise1d = spatial == 1 && group > 1 && wt.hasStaticShape() && wt.getDimSize(1) == 1 &&
                     wt.getDimSize(0) == group && xt.getDimSize(1) == group;
  Value sum = depthwise1d ? depthwiseConv1d(ctx, *x, *w, init, padBefore[0], padAfter[0],
                                            strides[0], dilations[0])
                          : convolution(ctx, *x, *w, init, group, padBefore, strides, dilations);
  SmallVector<OpFoldResult> outFold = foldResults(ctx, outSizes);
  if (!ctx.hasInput(2) && acc == element) {
    results.push_back(sum);
    return success();
  }
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  SmallVector<Value> inputs{sum};
  SmallVector<AffineMap> maps{identity};
  if (ctx.hasInput(2)) {
    inputs.push_back(ctx.input(2));
    maps.push_back(AffineMap::get(rank, 0, {b.getAffineDimExpr(1)}, b.getContext()));
  }
  results.push_back(buildGeneric(b, loc, outFold, element, inputs, maps,
                                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                   Value v = a[0];
                                   if (a.size() > 1)
                                     v = add(nb, l, v, castScalar(nb, l, a[1], acc));
                                   return castScalar(nb, l, v, element);
                                 }));
  return success();
}
//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

LogicalResult emitEinsum(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  std::string equation = ctx.getString("equation", "");
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  SmallVector<Value> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    if (ctx.hasInput(i))
      inputs.push_back(ctx.input(i));
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != inputs.size() || inputs.empty()) {
    ctx.error() << "equation '" << equation << "' has " << terms.size() << " terms for "
                << inputs.size() << " inputs";
    return failure();
  }
  // Letters become loop dims; "..." becomes the broadcast batch dims, first.
  int64_t ellipsisRank = 0;
  SmallVector<std::string> letters; // per term, without the ellipsis; '.' marks its place
  for (auto [i, term] : llvm::enumerate(terms)) {
    std::string t = term.str();
    size_t dots = t.find("...");
    int64_t named = t.size() - (dots == std::string::npos ? 0 : 3);
    int64_t rank = typeOf(inputs[i]).getRank();
    if (dots == std::string::npos ? named != rank : named > rank) {
      ctx.error() << "term '" << t << "' does not match input #" << i << " of rank " << rank;
      return failure();
    }
    if (dots != std::string::npos) {
      ellipsisRank = std::max(ellipsisRank, rank - named);
      t.replace(dots, 3, ".");
    }
    for (char c : t)
      if (c != '.' && !std::isalpha(static_cast<unsigned char>(c))) {
        ctx.error() << "equation '" << equation << "' has an invalid character '" << c << "'";
        return failure();
      }
    letters.push_back(t);
  }
  std::string output;
  if (explicitOutput) {
    output = rhs.str();
    if (size_t dots = output.find("..."); dots != std::string::npos)
      output.replace(dots, 3, ".");
  } else {
    std::map<char, int> counts;
    for (const std::string &t : letters)
      for (char c : t)
        if (c != '.')
          ++counts[c];
    if (ellipsisRank > 0)
      output = ".";
    for (auto [c, n] : counts)
      if (n == 1)
        output += c;
  }
  // Loop dims: the ellipsis dims, then each letter in order of first appearance (output first).
  std::string order;
  for (char c : output)
    if (c != '.' && order.find(c) == std::string::npos)
      order += c;
  for (const std::string &t : letters)
    for (char c : t)
      if (c != '.' && order.find(c) == std::string::npos)
        order += c;
  int64_t loopRank = ellipsisRank + order.size();
  OpBuilder &b = ctx.b;
  SmallVector<OpFoldResult> loop(loopRank, b.getIndexAttr(1));
  SmallVector<bool> known(loopRank, false);
  SmallVector<AffineMap> maps;
  for (auto [i, t] : llvm::enumerate(letters)) {
    auto type = typeOf(inputs[i]);
    SmallVector<AffineExpr> exprs;
    int64_t d = 0;
    for (char c : t) {
      if (c == '.') {
        int64_t n = type.getRank() - (t.size() - 1);
        for (int64_t e = 0; e < n; ++e, ++d) {
          int64_t loopDim = ellipsisRank - n + e;
          bool one = !type.isDynamicDim(d) && type.getDimSize(d) == 1;
          exprs.push_back(one ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(loopDim));
          if (!one && !known[loopDim]) {
            loop[loopDim] = ctx.sizes(inputs[i])[d];
            known[loopDim] = true;
          }
        }
        continue;
      }
      int64_t loopDim = ellipsisRank + order.find(c);
      exprs.push_back(b.getAffineDimExpr(loopDim));
      if (!known[loopDim]) {
        loop[loopDim] = ctx.sizes(inputs[i])[d];
        known[loopDim] = true;
      }
      ++d;
    }
    maps.push_back(AffineMap::get(loopRank, 0, exprs, b.getContext()));
  }
  int64_t outRank = ellipsisRank * (output.find('.') != std::string::npos) +
                    llvm::count_if(output, [](char c) { return c != '.'; });
  SmallVector<bool> reduced(loopRank, true);
  for (int64_t d = 0; d < ellipsisRank; ++d)
    reduced[d] = output.find('.') == std::string::npos;
  SmallVector<OpFoldResult> outSizes;
  for (char c : output) {
    if (c == '.') {
      for (int64_t d = 0; d < ellipsisRank; ++d)
        outSizes.push_back(loop[d]);
      continue;
    }
    if (order.find(c) == std::string::npos) {
      ctx.error() << "output letter '" << c << "' appears in no input";
      return failure();
    }
    reduced[ellipsisRank + order.find(c)] = false;
    outSizes.push_back(loop[ellipsisRank + order.find(c)]);
  }
  (void)outRank;
  // The loop order puts output dims first, so the kept dims are already in output order.
  Type element = typeOf(inputs[0]).getElementType();
  Type acc = accumulatorType(b, element);
  Value init = filledTensor(b, ctx.loc, outSizes, zeroOf(b, ctx.loc, acc));
  Value sum = buildReduction(b, ctx.loc, loop, reduced, init, inputs, maps,
                             [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                               Value p = castScalar(nb, l, a[0], acc);
                               for (Value v : a.drop_front().drop_back())
                                 p = mul(nb, l, p, castScalar(nb, l, v, acc));
                               return add(nb, l, a.back(), p);
                             });
  results.push_back(castTensor(b, ctx.loc, sum, element));
  return success();
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// TopK by ranking: rank[i] counts the elements that come before x[i] (larger, or equal at a
/// smaller index, for largest = 1); output r takes the element of rank r. Quadratic in the
/// axis' size: meant for the few experts of a MoE router, not for sorting long axes.
LogicalResult emitTopK(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  std::optional<int64_t> k;
  if (ctx.opset >= 10) {
    std::optional<SmallVector<int64_t>> given =
        ctx.hasInput(1) ? ctx.importer.constantInts(ctx.input(1)) : std::nullopt;
    if (!given || given->size() != 1) {
      ctx.unsupported() << "K must be a constant";
      return failure();
    }
    k = (*given)[0];
  } else {
    k = ctx.getInt("k", -1);
  }
  if (*k < 0 || (!type.isDynamicDim(*axis) && *k > type.getDimSize(*axis))) {
    ctx.error() << "K = " << *k << " is out of range for the axis";
    return failure();
  }
  bool largest = ctx.getInt("largest", 1) != 0;
  bool isFloat = isa<FloatType>(element);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  Type i64 = b.getI64Type();
  SmallVector<OpFoldResult> sizes = ctx.sizes(*x);
  // rank[.., i, ..] = #{j : x[.., j, ..] comes before x[.., i, ..]}
  SmallVector<OpFoldResult> loop = sizes;
  loop.push_back(sizes[*axis]);
  SmallVector<bool> reduced(rank, false);
  reduced.push_back(true);
  SmallVector<AffineExpr> other;
  for (int64_t d = 0; d < rank; ++d)
    other.push_back(b.getAffineDimExpr(d == *axis ? rank : d));
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, AffineMap::getMultiDimIdentityMap(rank, context).getResults(),
                     context),
      AffineMap::get(rank + 1, 0, other, context)};
  Value ranks = buildReduction(
      b, loc, loop, reduced, filledTensor(b, loc, sizes, zeroOf(b, loc, i64)), {*x, *x}, maps,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value xi = a[0], xj = a[1];
        Value i = linalg::IndexOp::create(nb, l, *axis), j = linalg::IndexOp::create(nb, l, rank);
        Value strictly, equal;
        if (isFloat) {
          strictly = arith::CmpFOp::create(
              nb, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, xj, xi);
          equal = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, xj, xi);
        } else {
          strictly = arith::CmpIOp::create(
              nb, l, largest ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::slt, xj, xi);
          equal = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, xj, xi);
        }
        Value earlier = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, j, i);
        Value before =
            arith::OrIOp::create(nb, l, strictly, arith::AndIOp::create(nb, l, equal, earlier));
        return arith::AddIOp::create(nb, l, a[2], arith::ExtUIOp::create(nb, l, i64, before));
      });
  // out[.., r, ..] = the element (and index) i whose rank is r.
  SmallVector<OpFoldResult> outSizes = sizes;
  outSizes[*axis] = b.getIndexAttr(*k);
  loop = outSizes;
  loop.push_back(sizes[*axis]);
  SmallVector<AffineMap> pick{AffineMap::get(rank + 1, 0, other, context),
                              AffineMap::get(rank + 1, 0, other, context)};
  auto select = [&](Type resultType, bool indices) {
    return buildReduction(
        b, loc, loop, reduced, filledTensor(b, loc, outSizes, zeroOf(b, loc, resultType)),
        {*x, ranks}, pick, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value r = arith::IndexCastOp::create(nb, l, i64, linalg::IndexOp::create(nb, l, *axis));
          Value match = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[1], r);
          Value candidate = indices ? Value(arith::IndexCastOp::create(
                                          nb, l, i64, linalg::IndexOp::create(nb, l, rank)))
                                    : a[0];
          return arith::SelectOp::create(nb, l, match, candidate, a[2]);
        });
  };
  results.push_back(select(element, false));
  results.push_back(select(i64, true));
  return success();
}

} // namespace

ArrayRef<OpEntry> ssmc::onnx_import::linalgOps() {
  static const OpEntry ops[] = {
      {{"", "Conv", 1, "any rank, groups, dilations, auto_pad"}, emitConv},
      {{"", "Einsum", 12, ""}, emitEinsum},
      {{"", "Gemm", 7, ""}, emitGemm},
      {{"", "LayerNormalization", 17, ""}, emitLayerNorm},
      {{"", "LogSoftmax", 1, ""}, emitSoftmax<true>},
      {{"", "MatMul", 1, ""}, emitMatMul},
      {{"", "RMSNormalization", 23, "lm.rms_norm over the last axis"}, emitRMSNorm},
      {{"", "ReduceL1", 1, "constant axes"}, emitReduce<Reduce::L1>},
      {{"", "ReduceL2", 1, "constant axes"}, emitReduce<Reduce::L2>},
      {{"", "ReduceLogSum", 1, "constant axes"}, emitReduce<Reduce::LogSum>},
      {{"", "ReduceLogSumExp", 1, "constant axes"}, emitReduce<Reduce::LogSumExp>},
      {{"", "ReduceMax", 1, "constant axes"}, emitReduce<Reduce::Max>},
      {{"", "ReduceMean", 1, "constant axes"}, emitReduce<Reduce::Mean>},
      {{"", "ReduceMin", 1, "constant axes"}, emitReduce<Reduce::Min>},
      {{"", "ReduceProd", 1, "constant axes"}, emitReduce<Reduce::Prod>},
      {{"", "ReduceSum", 1, "constant axes"}, emitReduce<Reduce::Sum>},
      {{"", "ReduceSumSquare", 1, "constant axes"}, emitReduce<Reduce::SumSquare>},
      {{"", "Softmax", 1, ""}, emitSoftmax<false>},
      {{"", "TopK", 1, "constant K; quadratic in the axis' size"}, emitTopK},
  };
  return ops;
}
