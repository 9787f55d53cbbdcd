//===- TensorOps.cpp - shape, data movement and constant ops --------------===//
//
// Shapes are SymInts: sizes known at import time stay constants, the rest are index values.
// Ops that move data (Transpose, Slice with steps, Gather, Pad, Tile, ...) become
// linalg.generic ops that compute each output element's source index; contiguous pieces use
// tensor.extract_slice / insert_slice / reshape.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "onnx/onnx_pb.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

using IndexedFn = std::function<Value(OpBuilder &, Location, ArrayRef<Value> ivs)>;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// A tensor of `sizes` whose element at indices `ivs` is `body(ivs)`.
Value buildIndexed(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type element,
                   const IndexedFn &body) {
  return buildGeneric(b, loc, sizes, element, ValueRange{}, {},
                      [&](OpBuilder &nb, Location nloc, ValueRange) {
                        SmallVector<Value> ivs;
                        for (size_t d = 0; d < sizes.size(); ++d)
                          ivs.push_back(linalg::IndexOp::create(nb, nloc, d));
                        return body(nb, nloc, ivs);
                      });
}

} // namespace

SmallVector<SymInt> ssmc::onnx_import::symSizes(NodeContext &ctx, Value tensor) {
  SmallVector<SymInt> sizes;
  for (int64_t d = 0; d < typeOf(tensor).getRank(); ++d)
    sizes.push_back(symDim(ctx.b, ctx.loc, tensor, d));
  return sizes;
}

SmallVector<OpFoldResult> ssmc::onnx_import::foldResults(NodeContext &ctx,
                                                         ArrayRef<SymInt> values) {
  SmallVector<OpFoldResult> result;
  for (const SymInt &v : values)
    result.push_back(toFoldResult(ctx.b, v));
  return result;
}

/// Whether `value` is a small 0-D/1-D integer tensor with known symbolic elements.
static bool isSymbolic(NodeContext &ctx, Value value) {
  auto type = typeOf(value);
  return isa<IntegerType>(type.getElementType()) && type.getRank() <= 1 &&
         ctx.importer.symbolic(value).has_value();
}

/// Reshapes `x` to `sizes` (which must hold as many elements).
Value ssmc::onnx_import::reshapeTo(NodeContext &ctx, Value x, ArrayRef<SymInt> sizes) {
  auto type = typeOf(x);
  auto resultType = tensorType(foldResults(ctx, sizes), type.getElementType());
  if (resultType == type)
    return x;
  if (isSymbolic(ctx, x) && resultType.getRank() <= 1 && resultType.hasStaticShape())
    return ctx.importer.materialize(ctx.b, ctx.loc, *ctx.importer.symbolic(x), resultType);
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(sizes.size())}, ctx.b.getI64Type());
  Value shape = ctx.importer.materialize(ctx.b, ctx.loc, sizes, shapeType);
  return tensor::ReshapeOp::create(ctx.b, ctx.loc, resultType, x, shape);
}

namespace {

/// 1 where `v == c`, else 0.
SymInt symEquals(NodeContext &ctx, SymInt v, int64_t c) {
  if (v.isConstant())
    return SymInt::of(*v.constant == c);
  Value eq = arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, v.value,
                                   arith::ConstantIndexOp::create(ctx.b, ctx.loc, c));
  return SymInt::of(
      arith::IndexCastUIOp::create(ctx.b, ctx.loc, ctx.b.getIndexType(),
                                   arith::ExtUIOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), eq)));
}

SymInt product(NodeContext &ctx, ArrayRef<SymInt> values) {
  SymInt result = SymInt::of(1);
  for (const SymInt &v : values)
    result = symMul(ctx.b, ctx.loc, result, v);
  return result;
}

/// Emits a run-time check that `a == b` unless both are known (then they must be equal).
LogicalResult requireEqual(NodeContext &ctx, SymInt a, SymInt b, StringRef message) {
  if (a.isConstant() && b.isConstant()) {
    if (*a.constant == *b.constant)
      return success();
    ctx.error() << message << " (" << *a.constant << " vs " << *b.constant << ")";
    return failure();
  }
  Value x = indexValue(ctx.b, ctx.loc, a), y = indexValue(ctx.b, ctx.loc, b);
  ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, x, y), x, y, message);
  return success();
}

/// The axes of Squeeze/Unsqueeze/Reduce*-style ops: an input from `inputOpset`, else the
/// `axes` attribute; normalized against `rank`.
FailureOr<std::optional<SmallVector<int64_t>>> axesOf(NodeContext &ctx, int inputOpset,
                                                      size_t input, int64_t rank) {
  std::optional<SmallVector<int64_t>> axes;
  if (ctx.opset >= inputOpset) {
    if (ctx.hasInput(input)) {
      axes = ctx.importer.constantInts(ctx.input(input));
      if (!axes) {
        ctx.unsupported() << "the axes input must be a constant";
        return failure();
      }
    }
  } else {
    axes = ctx.getInts("axes");
  }
  if (!axes)
    return std::optional<SmallVector<int64_t>>();
  for (int64_t &a : *axes) {
    FailureOr<int64_t> n = ctx.axis(a, rank);
    if (failed(n))
      return failure();
    a = *n;
  }
  return axes;
}

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

LogicalResult emitConstant(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  OpBuilder &b = ctx.b;
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    FailureOr<DenseElementsAttr> value = ctx.importer.tensorAttr(a->t(), ctx.loc);
    if (failed(value))
      return failure();
    results.push_back(arith::ConstantOp::create(b, ctx.loc, *value));
    return success();
  }
  DenseElementsAttr value;
  if (const onnx::AttributeProto *a = ctx.attr("value_float")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), a->f());
  } else if (const onnx::AttributeProto *a = ctx.attr("value_floats")) {
    SmallVector<float> v(a->floats().begin(), a->floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(v.size())}, b.getF32Type()),
        ArrayRef<float>(v));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_int")) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   static_cast<int64_t>(a->i()));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_ints")) {
    SmallVector<int64_t> v(a->ints().begin(), a->ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(v.size())}, b.getI64Type()),
        ArrayRef<int64_t>(v));
  } else {
    ctx.unsupported() << "only tensor, float and int values are supported (not strings or "
                         "sparse tensors)";
    return failure();
  }
  results.push_back(arith::ConstantOp::create(b, ctx.loc, value));
  return success();
}

LogicalResult emitShape(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t start = clampAxis(ctx.getInt("start", 0));
  int64_t end = ctx.attr("end") ? clampAxis(ctx.getInt("end", rank)) : rank;
  SmallVector<SymInt> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(symDim(ctx.b, ctx.loc, *x, d));
  auto type = RankedTensorType::get({static_cast<int64_t>(dims.size())}, ctx.b.getI64Type());
  results.push_back(ctx.importer.materialize(ctx.b, ctx.loc, dims, type));
  return success();
}

LogicalResult emitSize(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  SymInt count = product(ctx, symSizes(ctx, *x));
  results.push_back(ctx.importer.materialize(ctx.b, ctx.loc, count,
                                             RankedTensorType::get({}, ctx.b.getI64Type())));
  return success();
}

LogicalResult emitConstantOfShape(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> shapeInput = ctx.required(0, "input");
  if (failed(shapeInput))
    return failure();
  FailureOr<SmallVector<SymInt>> shape = ctx.importer.ints(ctx, *shapeInput, "the shape");
  if (failed(shape))
    return failure();
  for (const SymInt &size : *shape) {
    if (size.isConstant() && *size.constant < 0) {
      ctx.error() << "the shape holds the negative size " << *size.constant;
      return failure();
    }
  }
  Attribute element = ctx.b.getF32FloatAttr(0);
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    FailureOr<DenseElementsAttr> value = ctx.importer.tensorAttr(a->t(), ctx.loc);
    if (failed(value))
      return failure();
    if (value->getNumElements() != 1) {
      ctx.error() << "value must hold one element";
      return failure();
    }
    element = *value->value_begin<Attribute>();
  }
  auto typed = cast<TypedAttr>(element);
  SmallVector<OpFoldResult> sizes = foldResults(ctx, *shape);
  auto resultType = tensorType(sizes, typed.getType());
  if (resultType.hasStaticShape() && isa<IntegerType>(typed.getType()) &&
      resultType.getRank() <= 1 && resultType.getNumElements() <= 1024) {
    int64_t v = cast<IntegerAttr>(typed).getValue().getSExtValue();
    results.push_back(ctx.importer.materialize(
        ctx.b, ctx.loc, SmallVector<SymInt>(resultType.getNumElements(), SymInt::of(v)),
        resultType));
    return success();
  }
  Value scalar = arith::ConstantOp::create(ctx.b, ctx.loc, typed);
  results.push_back(filledTensor(ctx.b, ctx.loc, sizes, scalar));
  return success();
}

LogicalResult emitRange(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> start = ctx.required(0, "start");
  FailureOr<Value> limit = ctx.required(1, "limit");
  FailureOr<Value> delta = ctx.required(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  Type element = typeOf(*start).getElementType();
  OpBuilder &b = ctx.b;
  if (isa<IntegerType>(element)) {
    FailureOr<SmallVector<SymInt>> s = ctx.importer.ints(ctx, *start, "start");
    FailureOr<SmallVector<SymInt>> l = ctx.importer.ints(ctx, *limit, "limit");
    FailureOr<SmallVector<SymInt>> d = ctx.importer.ints(ctx, *delta, "delta");
    if (failed(s) || failed(l) || failed(d))
      return failure();
    SymInt s0 = (*s)[0], l0 = (*l)[0], d0 = (*d)[0];
    if (d0.isConstant() && *d0.constant == 0) {
      ctx.error() << "delta must not be 0";
      return failure();
    }
    // count = max(ceil((limit - start) / delta), 0)
    SymInt diff = symSub(b, ctx.loc, l0, s0);
    SymInt count;
    if (diff.isConstant() && d0.isConstant()) {
      int64_t n = (*diff.constant + *d0.constant + (*d0.constant > 0 ? -1 : 1)) / *d0.constant;
      count = SymInt::of(std::max<int64_t>(n, 0));
    } else {
      Value q = arith::CeilDivSIOp::create(b, ctx.loc, indexValue(b, ctx.loc, diff),
                                           indexValue(b, ctx.loc, d0));
      count = symMax(b, ctx.loc, SymInt::of(q), SymInt::of(0));
    }
    if (count.isConstant() && *count.constant <= 1024 && s0.isConstant() && d0.isConstant()) {
      SmallVector<SymInt> values;
      for (int64_t i = 0; i < *count.constant; ++i)
        values.push_back(SymInt::of(*s0.constant + i * *d0.constant));
      results.push_back(ctx.importer.materialize(
          b, ctx.loc, values, RankedTensorType::get({*count.constant}, element)));
      return success();
    }
    Value startIndex = indexValue(b, ctx.loc, s0), deltaIndex = indexValue(b, ctx.loc, d0);
    results.push_back(buildIndexed(b, ctx.loc, {toFoldResult(b, count)}, element,
                                   [&](OpBuilder &nb, Location loc, ArrayRef<Value> ivs) {
                                     Value v = arith::AddIOp::create(
                                         nb, loc, startIndex,
                                         arith::MulIOp::create(nb, loc, ivs[0], deltaIndex));
                                     return arith::IndexCastOp::create(nb, loc, element, v);
                                   }));
    return success();
  }
  // Floats: count = max(ceil((limit - start) / delta), 0), computed at run time.
  Value s = tensor::ExtractOp::create(b, ctx.loc, *start, ValueRange{});
  Value l = tensor::ExtractOp::create(b, ctx.loc, *limit, ValueRange{});
  Value d = tensor::ExtractOp::create(b, ctx.loc, *delta, ValueRange{});
  Value wide =
      castScalar(b, ctx.loc,
                 math::CeilOp::create(
                     b, ctx.loc,
                     arith::DivFOp::create(b, ctx.loc, arith::SubFOp::create(b, ctx.loc, l, s), d)),
                 b.getI64Type());
  Value count = arith::IndexCastOp::create(
      b, ctx.loc, b.getIndexType(),
      arith::MaxSIOp::create(b, ctx.loc, wide, arith::ConstantIntOp::create(b, ctx.loc, 0, 64)));
  results.push_back(buildIndexed(
      b, ctx.loc, {OpFoldResult(count)}, element,
      [&](OpBuilder &nb, Location loc, ArrayRef<Value> ivs) {
        Value i = castScalar(nb, loc, arith::IndexCastOp::create(nb, loc, nb.getI64Type(), ivs[0]),
                             element);
        return arith::AddFOp::create(nb, loc, s, arith::MulFOp::create(nb, loc, i, d));
      }));
  return success();
}

//===----------------------------------------------------------------------===//
// Reshapes
//===----------------------------------------------------------------------===//

LogicalResult emitReshape(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  FailureOr<Value> shapeInput = ctx.required(1, "shape");
  if (failed(x) || failed(shapeInput))
    return failure();
  FailureOr<SmallVector<SymInt>> shape = ctx.importer.ints(ctx, *shapeInput, "the shape");
  if (failed(shape))
    return failure();
  bool allowZero = ctx.getInt("allowzero", 0) != 0;
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<SymInt> inSizes = symSizes(ctx, *x);
  // 0 copies the input's size (unless allowzero); one -1 takes what is left.
  SmallVector<SymInt> sizes;
  int inferred = 0;
  for (auto [i, v] : llvm::enumerate(*shape)) {
    if (v.isConstant()) {
      if (*v.constant == 0 && !allowZero) {
        if (i >= inSizes.size()) {
          ctx.error() << "shape[" << i << "] is 0 but the input has rank " << inSizes.size();
          return failure();
        }
        sizes.push_back(inSizes[i]);
      } else if (*v.constant < -1) {
        ctx.error() << "shape[" << i << "] is " << *v.constant;
        return failure();
      } else {
        inferred += *v.constant == -1;
        sizes.push_back(v);
      }
      continue;
    }
    // The input's own size in the same place (Shape -> Gather -> Concat -> Reshape) is
    // neither 0 (unless the dimension is) nor -1: kept as it is.
    auto dim = v.value.getDefiningOp<tensor::DimOp>();
    bool ownSize = dim && dim.getSource() == *x && dim.getConstantIndex() == int64_t(i);
    SymInt copied = i < inSizes.size() && !allowZero && !ownSize
                        ? symSelect(b, loc, symEquals(ctx, v, 0), inSizes[i], v)
                        : v;
    sizes.push_back(copied);
  }
  if (inferred > 1) {
    ctx.error() << "shape has more than one -1";
    return failure();
  }
  SymInt total = product(ctx, inSizes);
  SymInt known = SymInt::of(1);
  auto isOwnSize = [&](const SymInt &s) {
    auto dim = s.isConstant() ? nullptr : s.value.getDefiningOp<tensor::DimOp>();
    return dim && dim.getSource() == *x;
  };
  for (const SymInt &s : sizes) {
    SymInt isInferred = isOwnSize(s) ? SymInt::of(0) : symEquals(ctx, s, -1);
    known = symMul(b, loc, known, symSelect(b, loc, isInferred, SymInt::of(1), s));
  }
  for (SymInt &s : sizes) {
    if ((s.isConstant() && *s.constant != -1) || isOwnSize(s))
      continue;
    SymInt rest = known.isConstant() && *known.constant == 0 ? SymInt::of(0)
                                                             : symFloorDiv(b, loc, total, known);
    if (s.isConstant()) {
      s = rest;
      continue;
    }
    Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, s.value,
                                             arith::ConstantIndexOp::create(b, loc, -1));
    s = SymInt::of(arith::SelectOp::create(b, loc, isInferred, indexValue(b, loc, rest), s.value));
  }
  if (failed(requireEqual(ctx, product(ctx, sizes), total,
                          "the new shape must hold as many elements as the input")))
    return failure();
  results.push_back(reshapeTo(ctx, *x, sizes));
  return success();
}

LogicalResult emitFlatten(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  int64_t axis = ctx.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank) {
    ctx.error() << "axis " << ctx.getInt("axis", 1) << " is out of range for rank " << rank;
    return failure();
  }
  SmallVector<SymInt> sizes = symSizes(ctx, *x);
  SymInt outer = product(ctx, ArrayRef(sizes).take_front(axis));
  SymInt inner = product(ctx, ArrayRef(sizes).drop_front(axis));
  results.push_back(reshapeTo(ctx, *x, {outer, inner}));
  return success();
}

LogicalResult emitSqueeze(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  auto axes = axesOf(ctx, 13, 1, type.getRank());
  if (failed(axes))
    return failure();
  SmallVector<SymInt> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool listed = *axes && llvm::is_contained(**axes, d);
    if (!*axes && type.isDynamicDim(d)) {
      ctx.unsupported() << "squeezing every size-1 dimension needs static sizes; dimension " << d
                        << " is dynamic";
      return failure();
    }
    if ((listed || (!*axes && type.getDimSize(d) == 1))) {
      if (listed && failed(requireEqual(ctx, symDim(ctx.b, ctx.loc, *x, d), SymInt::of(1),
                                        "a squeezed dimension must have size 1")))
        return failure();
      continue;
    }
    sizes.push_back(symDim(ctx.b, ctx.loc, *x, d));
  }
  results.push_back(reshapeTo(ctx, *x, sizes));
  return success();
}

LogicalResult emitUnsqueeze(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  std::optional<SmallVector<int64_t>> raw;
  if (ctx.opset >= 13) {
    raw = ctx.hasInput(1) ? ctx.importer.constantInts(ctx.input(1)) : std::nullopt;
    if (!raw) {
      ctx.unsupported() << "the axes input must be a constant";
      return failure();
    }
  } else {
    raw = ctx.getInts("axes");
    if (!raw) {
      ctx.error() << "attribute 'axes' is required";
      return failure();
    }
  }
  int64_t rank = type.getRank() + raw->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *raw) {
    FailureOr<int64_t> n = ctx.axis(a, rank);
    if (failed(n))
      return failure();
    if (inserted[*n]) {
      ctx.error() << "axis " << a << " is listed twice";
      return failure();
    }
    inserted[*n] = true;
  }
  SmallVector<SymInt> sizes;
  int64_t d = 0;
  for (int64_t i = 0; i < rank; ++i)
    sizes.push_back(inserted[i] ? SymInt::of(1) : symDim(ctx.b, ctx.loc, *x, d++));
  results.push_back(reshapeTo(ctx, *x, sizes));
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult emitTranspose(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  SmallVector<int64_t> perm(rank);
  if (std::optional<SmallVector<int64_t>> given = ctx.getInts("perm")) {
    perm = *given;
  } else {
    for (int64_t i = 0; i < rank; ++i)
      perm[i] = rank - 1 - i;
  }
  SmallVector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm.size()) != rank || llvm::any_of(perm, [&](int64_t p) {
        return p < 0 || p >= rank || std::exchange(seen[p], true);
      })) {
    ctx.error() << "perm is not a permutation of 0.." << rank - 1;
    return failure();
  }
  SmallVector<OpFoldResult> inSizes = ctx.sizes(*x), sizes;
  SmallVector<AffineExpr> exprs(rank);
  for (int64_t i = 0; i < rank; ++i) {
    sizes.push_back(inSizes[perm[i]]);
    exprs[perm[i]] = ctx.b.getAffineDimExpr(i);
  }
  AffineMap map = AffineMap::get(rank, 0, exprs, ctx.b.getContext());
  results.push_back(buildGeneric(ctx.b, ctx.loc, sizes, typeOf(*x).getElementType(), *x, map,
                                 [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
  return success();
}

LogicalResult emitConcat(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<SmallVector<Value>> present = ctx.presentInputs();
  if (failed(present))
    return failure();
  SmallVector<Value> inputs = *present;
  auto first = typeOf(inputs[0]);
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  for (Value input : inputs) {
    if (typeOf(input).getRank() != rank ||
        typeOf(input).getElementType() != first.getElementType()) {
      ctx.error() << "the inputs must have one rank and element type";
      return failure();
    }
  }
  // Shape pieces: concatenated symbolically.
  if (rank == 1 && llvm::all_of(inputs, [&](Value v) { return isSymbolic(ctx, v); })) {
    SmallVector<SymInt> values;
    for (Value input : inputs)
      llvm::append_range(values, *ctx.importer.symbolic(input));
    results.push_back(ctx.importer.materialize(
        ctx.b, ctx.loc, values,
        RankedTensorType::get({static_cast<int64_t>(values.size())}, first.getElementType())));
    return success();
  }
  SmallVector<SymInt> sizes = symSizes(ctx, inputs[0]);
  SymInt total = SymInt::of(0);
  for (Value input : inputs) {
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis &&
          failed(requireEqual(ctx, symDim(ctx.b, ctx.loc, input, d), sizes[d],
                              "the inputs' sizes must agree outside the concatenated axis")))
        return failure();
    total = symAdd(ctx.b, ctx.loc, total, symDim(ctx.b, ctx.loc, input, *axis));
  }
  sizes[*axis] = total;
  Value result = emptyTensor(ctx.b, ctx.loc, foldResults(ctx, sizes), first.getElementType());
  SymInt offset = SymInt::of(0);
  for (Value input : inputs) {
    SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0)),
        strides(rank, ctx.b.getIndexAttr(1));
    offsets[*axis] = toFoldResult(ctx.b, offset);
    // An empty piece adds nothing (and at the end of a static axis would not verify).
    if (typeOf(input).getDimSize(*axis) == 0)
      continue;
    result = tensor::InsertSliceOp::create(ctx.b, ctx.loc, input, result, offsets, ctx.sizes(input),
                                           strides);
    offset = symAdd(ctx.b, ctx.loc, offset, symDim(ctx.b, ctx.loc, input, *axis));
  }
  results.push_back(result);
  return success();
}

/// Extracts [offset, offset + size) of `axis`, keeping the other dimensions.
Value sliceAxis(NodeContext &ctx, Value x, int64_t axis, SymInt offset, SymInt size) {
  int64_t rank = typeOf(x).getRank();
  if (isSymbolic(ctx, x) && rank == 1 && offset.isConstant() && size.isConstant()) {
    SmallVector<SymInt> values = *ctx.importer.symbolic(x);
    SmallVector<SymInt> slice(values.begin() + *offset.constant,
                              values.begin() + *offset.constant + *size.constant);
    return ctx.importer.materialize(
        ctx.b, ctx.loc, slice, RankedTensorType::get({*size.constant}, typeOf(x).getElementType()));
  }
  SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0)),
      sizes = ctx.sizes(x), strides(rank, ctx.b.getIndexAttr(1));
  offsets[axis] = toFoldResult(ctx.b, offset);
  sizes[axis] = toFoldResult(ctx.b, size);
  auto type = tensorType(sizes, typeOf(x).getElementType());
  // An empty piece: static offsets at the end of the axis do not verify as a slice.
  int64_t extent = typeOf(x).getDimSize(axis);
  if ((size.isConstant() && *size.constant == 0) ||
      (offset.isConstant() && !ShapedType::isDynamic(extent) && *offset.constant >= extent))
    return emptyTensor(ctx.b, ctx.loc, sizes, typeOf(x).getElementType());
  return tensor::ExtractSliceOp::create(ctx.b, ctx.loc, type, x, offsets, sizes, strides);
}

LogicalResult emitSplit(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  OpBuilder &b = ctx.b;
  SymInt total = symDim(b, ctx.loc, *x, *axis);
  int64_t count = ctx.numOutputs();
  SmallVector<SymInt> parts;
  std::optional<SmallVector<int64_t>> given;
  if (ctx.opset >= 13 && ctx.hasInput(1)) {
    FailureOr<SmallVector<SymInt>> split = ctx.importer.ints(ctx, ctx.input(1), "split");
    if (failed(split))
      return failure();
    parts = *split;
  } else if (ctx.opset < 13 && (given = ctx.getInts("split"))) {
    for (int64_t s : *given)
      parts.push_back(SymInt::of(s));
  } else {
    if (ctx.opset >= 18 && ctx.attr("num_outputs"))
      count = ctx.getInt("num_outputs", count);
    if (count <= 0) {
      ctx.error() << "needs at least one output";
      return failure();
    }
    // Equal parts of ceil(total / count); the last may be smaller.
    SymInt part = symFloorDiv(b, ctx.loc, symAdd(b, ctx.loc, total, SymInt::of(count - 1)),
                              SymInt::of(count));
    SymInt offset = SymInt::of(0);
    for (int64_t i = 0; i < count; ++i) {
      SymInt remaining = symMax(b, ctx.loc, symSub(b, ctx.loc, total, offset), SymInt::of(0));
      SymInt size = symMin(b, ctx.loc, part, remaining);
      parts.push_back(size);
      offset = symAdd(b, ctx.loc, offset, size);
    }
  }
  if (static_cast<int64_t>(parts.size()) != static_cast<int64_t>(ctx.numOutputs())) {
    ctx.error() << "splits into " << parts.size() << " parts but has " << ctx.numOutputs()
                << " outputs";
    return failure();
  }
  SymInt sum = SymInt::of(0);
  for (const SymInt &p : parts)
    sum = symAdd(b, ctx.loc, sum, p);
  if (failed(requireEqual(ctx, sum, total, "the split sizes must add up to the axis' size")))
    return failure();
  SymInt offset = SymInt::of(0);
  for (const SymInt &p : parts) {
    results.push_back(sliceAxis(ctx, *x, *axis, offset, p));
    offset = symAdd(b, ctx.loc, offset, p);
  }
  return success();
}

LogicalResult emitSlice(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<SymInt> starts, ends;
  SmallVector<int64_t> axes, steps;
  if (ctx.opset < 10) {
    auto s = ctx.getInts("starts"), e = ctx.getInts("ends");
    if (!s || !e) {
      ctx.error() << "attributes 'starts' and 'ends' are required";
      return failure();
    }
    for (int64_t v : *s)
      starts.push_back(SymInt::of(v));
    for (int64_t v : *e)
      ends.push_back(SymInt::of(v));
    if (auto a = ctx.getInts("axes"))
      axes = *a;
  } else {
    FailureOr<Value> s = ctx.required(1, "starts"), e = ctx.required(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    FailureOr<SmallVector<SymInt>> sv = ctx.importer.ints(ctx, *s, "starts");
    FailureOr<SmallVector<SymInt>> ev = ctx.importer.ints(ctx, *e, "ends");
    if (failed(sv) || failed(ev))
      return failure();
    starts = *sv;
    ends = *ev;
    if (ctx.hasInput(3)) {
      std::optional<SmallVector<int64_t>> a = ctx.importer.constantInts(ctx.input(3));
      if (!a) {
        ctx.unsupported() << "axes must be a constant";
        return failure();
      }
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      std::optional<SmallVector<int64_t>> st = ctx.importer.constantInts(ctx.input(4));
      if (!st) {
        ctx.unsupported() << "steps must be a constant";
        return failure();
      }
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    ctx.error() << "starts, ends, axes and steps must have one length";
    return failure();
  }
  SmallVector<SymInt> offsets(rank, SymInt::of(0)), sizes = symSizes(ctx, *x);
  SmallVector<int64_t> strides(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = ctx.axis(axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t step = steps[i];
    if (step == 0) {
      ctx.error() << "steps must not be 0";
      return failure();
    }
    SymInt dim = sizes[*axis];
    auto normalize = [&](SymInt v, int64_t lo, SymInt hi) {
      // v < 0 ? v + dim : v, clamped to [lo, hi]
      SymInt adjusted;
      if (v.isConstant()) {
        adjusted = *v.constant < 0 ? symAdd(b, loc, v, dim) : v;
      } else {
        Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v.value,
                                          arith::ConstantIndexOp::create(b, loc, 0));
        adjusted = SymInt::of(arith::SelectOp::create(
            b, loc, neg, indexValue(b, loc, symAdd(b, loc, v, dim)), v.value));
      }
      return symMin(b, loc, symMax(b, loc, adjusted, SymInt::of(lo)), hi);
    };
    // Huge sentinel ends (INT64_MAX) would overflow when added to the size: clamp first.
    auto bounded = [&](SymInt v) {
      if (v.isConstant())
        return SymInt::of(std::clamp<int64_t>(*v.constant, -(int64_t(1) << 62), int64_t(1) << 62));
      return v;
    };
    SymInt start, end, size;
    if (step > 0) {
      start = normalize(bounded(starts[i]), 0, dim);
      end = normalize(bounded(ends[i]), 0, dim);
      SymInt diff = symMax(b, loc, symSub(b, loc, end, start), SymInt::of(0));
      size = symFloorDiv(b, loc, symAdd(b, loc, diff, SymInt::of(step - 1)), SymInt::of(step));
    } else {
      SymInt last = symSub(b, loc, dim, SymInt::of(1));
      start = normalize(bounded(starts[i]), 0, last);
      end = normalize(bounded(ends[i]), -1, last);
      SymInt diff = symMax(b, loc, symSub(b, loc, start, end), SymInt::of(0));
      size = symFloorDiv(b, loc, symAdd(b, loc, diff, SymInt::of(-step - 1)), SymInt::of(-step));
    }
    offsets[*axis] = start;
    sizes[*axis] = size;
    strides[*axis] = step;
  }
  Type element = type.getElementType();
  // Shape pieces: sliced symbolically.
  if (rank == 1 && isSymbolic(ctx, *x) && offsets[0].isConstant() && sizes[0].isConstant()) {
    SmallVector<SymInt> values = *ctx.importer.symbolic(*x), slice;
    for (int64_t i = 0; i < *sizes[0].constant; ++i)
      slice.push_back(values[*offsets[0].constant + i * strides[0]]);
    results.push_back(ctx.importer.materialize(
        b, loc, slice, RankedTensorType::get({*sizes[0].constant}, element)));
    return success();
  }
  // Empty results; static offsets at the end of an axis do not verify as a slice.
  bool empty =
      llvm::any_of(sizes, [](const SymInt &s) { return s.isConstant() && *s.constant == 0; });
  for (int64_t d = 0; d < rank; ++d)
    empty |= offsets[d].isConstant() && !type.isDynamicDim(d) &&
             *offsets[d].constant >= type.getDimSize(d);
  if (empty) {
    results.push_back(emptyTensor(b, loc, foldResults(ctx, sizes), element));
    return success();
  }
  if (llvm::all_of(strides, [](int64_t s) { return s > 0; })) {
    SmallVector<OpFoldResult> strideAttrs;
    for (int64_t s : strides)
      strideAttrs.push_back(b.getIndexAttr(s));
    SmallVector<OpFoldResult> sizeResults = foldResults(ctx, sizes);
    results.push_back(tensor::ExtractSliceOp::create(b, loc, tensorType(sizeResults, element), *x,
                                                     foldResults(ctx, offsets), sizeResults,
                                                     strideAttrs));
    return success();
  }
  SmallVector<Value> offsetValues;
  for (const SymInt &o : offsets)
    offsetValues.push_back(indexValue(b, loc, o));
  results.push_back(buildIndexed(
      b, loc, foldResults(ctx, sizes), element,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> ivs) {
        SmallVector<Value> src;
        for (int64_t d = 0; d < rank; ++d)
          src.push_back(arith::AddIOp::create(
              nb, nloc, offsetValues[d],
              arith::MulIOp::create(nb, nloc, ivs[d],
                                    arith::ConstantIndexOp::create(nb, nloc, strides[d]))));
        return tensor::ExtractOp::create(nb, nloc, *x, src);
      }));
  return success();
}

/// An index element read from an indices tensor, made non-negative and clamped to [0, size)
/// (out-of-range indices read the nearest element instead of outside the tensor).
Value normalizedIndex(OpBuilder &b, Location loc, Value index, Value size) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, i, size), i);
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, i, last), zero);
}

LogicalResult emitGather(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> data = ctx.required(0, "data");
  FailureOr<Value> indices = ctx.required(1, "indices");
  if (failed(data) || failed(indices))
    return failure();
  auto dataType = typeOf(*data), indexType = typeOf(*indices);
  if (!isa<IntegerType>(indexType.getElementType())) {
    ctx.error() << "indices must be integers";
    return failure();
  }
  int64_t rank = dataType.getRank(), q = indexType.getRank();
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  OpBuilder &b = ctx.b;
  // Shape pieces: gathered symbolically.
  if (rank == 1 && isSymbolic(ctx, *data) && q <= 1) {
    if (std::optional<SmallVector<int64_t>> at = ctx.importer.constantInts(*indices)) {
      SmallVector<SymInt> values = *ctx.importer.symbolic(*data), picked;
      for (int64_t i : *at) {
        if (i < -static_cast<int64_t>(values.size()) || i >= static_cast<int64_t>(values.size())) {
          ctx.error() << "index " << i << " is out of range for size " << values.size();
          return failure();
        }
        picked.push_back(values[i < 0 ? i + values.size() : i]);
      }
      results.push_back(ctx.importer.materialize(
          b, ctx.loc, picked,
          RankedTensorType::get(indexType.getShape(), dataType.getElementType())));
      return success();
    }
  }
  SmallVector<OpFoldResult> dataSizes = ctx.sizes(*data), indexSizes = ctx.sizes(*indices);
  // One constant index (`x[..., k]`): a slice of the data, not a gather.
  int64_t staticAxisSize = dataType.getDimSize(*axis);
  if (q == 0 && staticAxisSize != ShapedType::kDynamic) {
    if (std::optional<SmallVector<int64_t>> at = ctx.importer.constantInts(*indices)) {
      int64_t k = std::clamp((*at)[0] < 0 ? (*at)[0] + staticAxisSize : (*at)[0], int64_t(0),
                             staticAxisSize - 1);
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sliceSizes = dataSizes,
                                                                  strides(rank, b.getIndexAttr(1));
      offsets[*axis] = b.getIndexAttr(k);
      sliceSizes[*axis] = b.getIndexAttr(1);
      SmallVector<int64_t> shape(dataType.getShape());
      shape.erase(shape.begin() + *axis);
      results.push_back(tensor::ExtractSliceOp::create(
          b, ctx.loc, RankedTensorType::get(shape, dataType.getElementType()), *data, offsets,
          sliceSizes, strides));
      return success();
    }
  }
  SmallVector<OpFoldResult> sizes(dataSizes.begin(), dataSizes.begin() + *axis);
  llvm::append_range(sizes, indexSizes);
  sizes.append(dataSizes.begin() + *axis + 1, dataSizes.end());
  int64_t outRank = sizes.size();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t i = 0; i < q; ++i)
    indexExprs.push_back(b.getAffineDimExpr(*axis + i));
  AffineMap indexMap = AffineMap::get(outRank, 0, indexExprs, b.getContext());
  Value axisSize = ctx.dim(*data, *axis);
  results.push_back(buildGeneric(b, ctx.loc, sizes, dataType.getElementType(), *indices, indexMap,
                                 [&](OpBuilder &nb, Location loc, ValueRange args) {
                                   SmallVector<Value> src;
                                   for (int64_t d = 0; d < *axis; ++d)
                                     src.push_back(linalg::IndexOp::create(nb, loc, d));
                                   src.push_back(normalizedIndex(nb, loc, args[0], axisSize));
                                   for (int64_t d = *axis + 1; d < rank; ++d)
                                     src.push_back(linalg::IndexOp::create(nb, loc, d - 1 + q));
                                   return tensor::ExtractOp::create(nb, loc, *data, src);
                                 }));
  return success();
}

LogicalResult emitGatherElements(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> data = ctx.required(0, "data");
  FailureOr<Value> indices = ctx.required(1, "indices");
  if (failed(data) || failed(indices))
    return failure();
  int64_t rank = typeOf(*data).getRank();
  if (typeOf(*indices).getRank() != rank) {
    ctx.error() << "data and indices must have one rank";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  Value axisSize = ctx.dim(*data, *axis);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext());
  results.push_back(
      buildGeneric(ctx.b, ctx.loc, ctx.sizes(*indices), typeOf(*data).getElementType(), *indices,
                   identity, [&](OpBuilder &nb, Location loc, ValueRange args) {
                     SmallVector<Value> src;
                     for (int64_t d = 0; d < rank; ++d)
                       src.push_back(d == *axis ? normalizedIndex(nb, loc, args[0], axisSize)
                                                : Value(linalg::IndexOp::create(nb, loc, d)));
                     return tensor::ExtractOp::create(nb, loc, *data, src);
                   }));
  return success();
}

LogicalResult emitGatherND(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> data = ctx.required(0, "data");
  FailureOr<Value> indices = ctx.required(1, "indices");
  if (failed(data) || failed(indices))
    return failure();
  auto dataType = typeOf(*data), indexType = typeOf(*indices);
  int64_t r = dataType.getRank(), q = indexType.getRank();
  int64_t batch = ctx.getInt("batch_dims", 0);
  int64_t k = q > 0 ? indexType.getDimSize(q - 1) : ShapedType::kDynamic;
  if (q < 1 || ShapedType::isDynamic(k) || batch < 0 || batch >= std::min(q, r + 1) ||
      batch + k > r) {
    ctx.error() << "indices must be (..., k) with a static k, batch_dims + k <= rank(data)";
    return failure();
  }
  // out[i_0.., i_{q-2}, rest..] = data[i_0..i_{b-1}, indices[i_0.., i_{q-2}, :], rest..]
  SmallVector<OpFoldResult> dataSizes = ctx.sizes(*data), indexSizes = ctx.sizes(*indices);
  SmallVector<OpFoldResult> sizes(indexSizes.begin(), indexSizes.end() - 1);
  sizes.append(dataSizes.begin() + batch + k, dataSizes.end());
  SmallVector<Value> dataDims;
  for (int64_t d = 0; d < r; ++d)
    dataDims.push_back(ctx.dim(*data, d));
  results.push_back(buildIndexed(ctx.b, ctx.loc, sizes, dataType.getElementType(),
                                 [&](OpBuilder &nb, Location loc, ArrayRef<Value> ivs) {
                                   SmallVector<Value> src(ivs.begin(), ivs.begin() + batch);
                                   SmallVector<Value> at(ivs.begin(), ivs.begin() + q - 1);
                                   at.push_back(nullptr);
                                   for (int64_t m = 0; m < k; ++m) {
                                     at.back() = arith::ConstantIndexOp::create(nb, loc, m);
                                     Value index = tensor::ExtractOp::create(nb, loc, *indices, at);
                                     src.push_back(
                                         normalizedIndex(nb, loc, index, dataDims[batch + m]));
                                   }
                                   src.append(ivs.begin() + q - 1, ivs.end());
                                   return tensor::ExtractOp::create(nb, loc, *data, src);
                                 }));
  return success();
}

LogicalResult emitScatterElements(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> data = ctx.required(0, "data");
  FailureOr<Value> indices = ctx.required(1, "indices");
  FailureOr<Value> updates = ctx.required(2, "updates");
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  auto type = typeOf(*data);
  int64_t rank = type.getRank();
  if (typeOf(*indices).getRank() != rank || typeOf(*updates).getRank() != rank) {
    ctx.error() << "data, indices and updates must have one rank";
    return failure();
  }
  FailureOr<int64_t> axis = ctx.axis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  std::string reduction = ctx.getString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min") {
    ctx.error() << "reduction must be none, add, mul, max or min, got '" << reduction << "'";
    return failure();
  }
  Type element = type.getElementType();
  bool isFloat = isa<FloatType>(element);
  OpBuilder &b = ctx.b;
  // out[p] combines data[p] with every update j along the axis whose target is p: a
  // reduction over the updates' axis (quadratic in the axis' size).
  SmallVector<OpFoldResult> loop = ctx.sizes(*data);
  loop.push_back(ctx.sizes(*updates)[*axis]);
  SmallVector<bool> reduced(rank, false);
  reduced.push_back(true);
  SmallVector<Value> updateDims, axisSize{ctx.dim(*data, *axis)};
  for (int64_t d = 0; d < rank; ++d)
    updateDims.push_back(ctx.dim(*updates, d));
  // A placeholder operand gives the loop the extent of the reduced dimension.
  Value extent = emptyTensor(b, ctx.loc, {loop.back()}, b.getI8Type());
  AffineMap extentMap = AffineMap::get(rank + 1, 0, {b.getAffineDimExpr(rank)}, b.getContext());
  Value result = buildReduction(
      b, ctx.loc, loop, reduced, *data, extent, extentMap,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        ValueRange a = args.drop_front();
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value one = arith::ConstantIndexOp::create(nb, l, 1);
        Value inside = arith::ConstantIntOp::create(nb, l, 1, 1);
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(nb, l, d == *axis ? rank : d);
          Value lt = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, i, updateDims[d]);
          inside = arith::AndIOp::create(nb, l, inside, lt);
          Value last = arith::SubIOp::create(nb, l, updateDims[d], one);
          at.push_back(arith::MaxSIOp::create(nb, l, arith::MinSIOp::create(nb, l, i, last), zero));
        }
        Value target =
            normalizedIndex(nb, l, tensor::ExtractOp::create(nb, l, *indices, at), axisSize[0]);
        Value p = linalg::IndexOp::create(nb, l, *axis);
        Value match = arith::AndIOp::create(
            nb, l, inside, arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, target, p));
        Value update = tensor::ExtractOp::create(nb, l, *updates, at);
        Value acc = a[0];
        Value combined = update;
        if (reduction == "add")
          combined = isFloat ? Value(arith::AddFOp::create(nb, l, acc, update))
                             : Value(arith::AddIOp::create(nb, l, acc, update));
        else if (reduction == "mul")
          combined = isFloat ? Value(arith::MulFOp::create(nb, l, acc, update))
                             : Value(arith::MulIOp::create(nb, l, acc, update));
        else if (reduction == "max")
          combined = isFloat ? Value(arith::MaximumFOp::create(nb, l, acc, update))
                             : Value(arith::MaxSIOp::create(nb, l, acc, update));
        else if (reduction == "min")
          combined = isFloat ? Value(arith::MinimumFOp::create(nb, l, acc, update))
                             : Value(arith::MinSIOp::create(nb, l, acc, update));
        return arith::SelectOp::create(nb, l, match, combined, acc);
      });
  results.push_back(result);
  return success();
}

LogicalResult emitExpand(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  FailureOr<Value> shapeInput = ctx.required(1, "shape");
  if (failed(x) || failed(shapeInput))
    return failure();
  FailureOr<SmallVector<SymInt>> shape = ctx.importer.ints(ctx, *shapeInput, "the shape");
  if (failed(shape))
    return failure();
  OpBuilder &b = ctx.b;
  auto type = typeOf(*x);
  int64_t rank = std::max<int64_t>(type.getRank(), shape->size());
  SmallVector<SymInt> sizes(rank, SymInt::of(1));
  // Each result size: the larger of the two (each is 1 or the result's size).
  for (int64_t d = 0; d < rank; ++d) {
    int64_t sd = d - (rank - shape->size()), xd = d - (rank - type.getRank());
    SymInt s = sd >= 0 ? (*shape)[sd] : SymInt::of(1);
    SymInt v = xd >= 0 ? symDim(b, ctx.loc, *x, xd) : SymInt::of(1);
    if (s.isConstant() && *s.constant == 1)
      sizes[d] = v;
    else if (v.isConstant() && *v.constant == 1)
      sizes[d] = s;
    else if (s.isConstant() && v.isConstant() && *s.constant != *v.constant) {
      ctx.error() << "cannot expand size " << *v.constant << " to " << *s.constant;
      return failure();
    } else
      sizes[d] = symMax(b, ctx.loc, s, v);
  }
  SmallVector<AffineExpr> exprs;
  for (int64_t xd = 0; xd < type.getRank(); ++xd) {
    int64_t d = xd + rank - type.getRank();
    if (!type.isDynamicDim(xd) && type.getDimSize(xd) == 1 &&
        !(sizes[d].isConstant() && *sizes[d].constant == 1)) {
      exprs.push_back(b.getAffineConstantExpr(0));
      continue;
    }
    exprs.push_back(b.getAffineDimExpr(d));
    if (type.isDynamicDim(xd) &&
        failed(requireEqual(ctx, symDim(b, ctx.loc, *x, xd), sizes[d],
                            "a dynamic input dimension differs from the expanded size "
                            "(expanding a dynamic dimension of size 1 is not supported)")))
      return failure();
  }
  AffineMap map = AffineMap::get(rank, 0, exprs, b.getContext());
  results.push_back(buildGeneric(b, ctx.loc, foldResults(ctx, sizes), type.getElementType(), *x,
                                 map, [](OpBuilder &, Location, ValueRange a) { return a[0]; }));
  return success();
}

LogicalResult emitTile(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  FailureOr<Value> repeatsInput = ctx.required(1, "repeats");
  if (failed(x) || failed(repeatsInput))
    return failure();
  FailureOr<SmallVector<SymInt>> repeats = ctx.importer.ints(ctx, *repeatsInput, "repeats");
  if (failed(repeats))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  if (static_cast<int64_t>(repeats->size()) != rank) {
    ctx.error() << "repeats must have one entry per input dimension";
    return failure();
  }
  SmallVector<SymInt> inSizes = symSizes(ctx, *x), sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(symMul(ctx.b, ctx.loc, inSizes[d], (*repeats)[d]));
  SmallVector<Value> inSizeValues;
  for (const SymInt &s : inSizes)
    inSizeValues.push_back(indexValue(ctx.b, ctx.loc, s));
  results.push_back(
      buildIndexed(ctx.b, ctx.loc, foldResults(ctx, sizes), typeOf(*x).getElementType(),
                   [&](OpBuilder &nb, Location loc, ArrayRef<Value> ivs) {
                     SmallVector<Value> src;
                     for (int64_t d = 0; d < rank; ++d)
                       src.push_back(arith::RemUIOp::create(nb, loc, ivs[d], inSizeValues[d]));
                     return tensor::ExtractOp::create(nb, loc, *x, src);
                   }));
  return success();
}

LogicalResult emitPad(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "data");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  std::string mode = ctx.getString("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") {
    ctx.unsupported() << "mode '" << mode << "' is not supported (constant, edge, reflect)";
    return failure();
  }
  OpBuilder &b = ctx.b;
  SmallVector<SymInt> pads;
  Value padValue;
  if (ctx.opset < 11) {
    auto p = ctx.getInts("pads");
    if (!p) {
      ctx.error() << "attribute 'pads' is required";
      return failure();
    }
    for (int64_t v : *p)
      pads.push_back(SymInt::of(v));
    padValue = ctx.scalar(element, ctx.getFloat("value", 0));
  } else {
    FailureOr<Value> p = ctx.required(1, "pads");
    if (failed(p))
      return failure();
    FailureOr<SmallVector<SymInt>> pv = ctx.importer.ints(ctx, *p, "pads");
    if (failed(pv))
      return failure();
    pads = *pv;
    padValue = ctx.hasInput(2)
                   ? Value(tensor::ExtractOp::create(
                         b, ctx.loc, ctx.input(2),
                         SmallVector<Value>(typeOf(ctx.input(2)).getRank(),
                                            arith::ConstantIndexOp::create(b, ctx.loc, 0))))
                   : ctx.scalar(element, 0);
  }
  SmallVector<int64_t> axes;
  if (ctx.opset >= 18 && ctx.hasInput(3)) {
    std::optional<SmallVector<int64_t>> a = ctx.importer.constantInts(ctx.input(3));
    if (!a) {
      ctx.unsupported() << "axes must be a constant";
      return failure();
    }
    for (int64_t v : *a) {
      FailureOr<int64_t> n = ctx.axis(v, rank);
      if (failed(n))
        return failure();
      axes.push_back(*n);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads.size() != 2 * axes.size()) {
    ctx.error() << "pads must have 2 entries per padded axis, got " << pads.size();
    return failure();
  }
  SmallVector<SymInt> before(rank, SymInt::of(0)), after(rank, SymInt::of(0));
  for (auto [i, a] : llvm::enumerate(axes)) {
    before[a] = pads[i];
    after[a] = pads[i + axes.size()];
  }
  SmallVector<SymInt> inSizes = symSizes(ctx, *x), sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(symAdd(b, ctx.loc, symAdd(b, ctx.loc, inSizes[d], before[d]), after[d]));
  // Zeros or a constant added around the data: tensor.pad, which later passes understand.
  auto nonNegative = [](const SymInt &v) { return v.isConstant() && *v.constant >= 0; };
  if (mode == "constant" && llvm::all_of(before, nonNegative) && llvm::all_of(after, nonNegative)) {
    SmallVector<OpFoldResult> low, high;
    for (int64_t d = 0; d < rank; ++d) {
      low.push_back(b.getIndexAttr(*before[d].constant));
      high.push_back(b.getIndexAttr(*after[d].constant));
    }
    results.push_back(tensor::PadOp::create(b, ctx.loc, Type(), *x, low, high, padValue));
    return success();
  }
  SmallVector<Value> beforeValues, sizeValues;
  for (int64_t d = 0; d < rank; ++d) {
    beforeValues.push_back(indexValue(b, ctx.loc, before[d]));
    sizeValues.push_back(indexValue(b, ctx.loc, inSizes[d]));
  }
  results.push_back(buildIndexed(
      b, ctx.loc, foldResults(ctx, sizes), element,
      [&](OpBuilder &nb, Location loc, ArrayRef<Value> ivs) -> Value {
        Value zero = arith::ConstantIndexOp::create(nb, loc, 0);
        Value one = arith::ConstantIndexOp::create(nb, loc, 1);
        Value inside = arith::ConstantIntOp::create(nb, loc, 1, 1);
        SmallVector<Value> src;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = arith::SubIOp::create(nb, loc, ivs[d], beforeValues[d]);
          Value last = arith::SubIOp::create(nb, loc, sizeValues[d], one);
          if (mode == "reflect") {
            // Reflect about the edges (without repeating them): |i|, then 2*last - i.
            Value negated = arith::SubIOp::create(nb, loc, zero, i);
            Value isNeg = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::slt, i, zero);
            i = arith::SelectOp::create(nb, loc, isNeg, negated, i);
            Value mirrored =
                arith::SubIOp::create(nb, loc, arith::AddIOp::create(nb, loc, last, last), i);
            Value beyond = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::sgt, i, last);
            i = arith::SelectOp::create(nb, loc, beyond, mirrored, i);
          } else if (mode == "constant") {
            Value ge = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::sge, i, zero);
            Value le = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::sle, i, last);
            inside = arith::AndIOp::create(nb, loc, inside, arith::AndIOp::create(nb, loc, ge, le));
          }
          src.push_back(
              arith::MaxSIOp::create(nb, loc, arith::MinSIOp::create(nb, loc, i, last), zero));
        }
        Value v = tensor::ExtractOp::create(nb, loc, *x, src);
        if (mode != "constant")
          return v;
        return arith::SelectOp::create(nb, loc, inside, v, padValue);
      }));
  return success();
}

LogicalResult emitTrilu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  if (rank < 2) {
    ctx.error() << "input must have rank >= 2";
    return failure();
  }
  bool upper = ctx.getInt("upper", 1) != 0;
  SymInt k = SymInt::of(0);
  if (ctx.hasInput(1)) {
    FailureOr<SmallVector<SymInt>> kv = ctx.importer.ints(ctx, ctx.input(1), "k");
    if (failed(kv))
      return failure();
    k = (*kv)[0];
  }
  Value kValue = indexValue(ctx.b, ctx.loc, k);
  Value zero = ctx.scalar(type.getElementType(), 0);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext());
  results.push_back(buildGeneric(
      ctx.b, ctx.loc, ctx.sizes(*x), type.getElementType(), *x, identity,
      [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
        Value row = linalg::IndexOp::create(nb, loc, rank - 2);
        Value col = linalg::IndexOp::create(nb, loc, rank - 1);
        Value diff = arith::SubIOp::create(nb, loc, col, row);
        Value keep = arith::CmpIOp::create(
            nb, loc, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, kValue);
        return arith::SelectOp::create(nb, loc, keep, a[0], zero);
      }));
  return success();
}

LogicalResult emitCumSum(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "x");
  FailureOr<Value> axisInput = ctx.required(1, "axis");
  if (failed(x) || failed(axisInput))
    return failure();
  std::optional<SmallVector<int64_t>> axisValue = ctx.importer.constantInts(*axisInput);
  if (!axisValue || axisValue->size() != 1) {
    ctx.unsupported() << "axis must be a constant scalar";
    return failure();
  }
  auto type = typeOf(*x);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = ctx.axis((*axisValue)[0], rank);
  if (failed(axis))
    return failure();
  bool exclusive = ctx.getInt("exclusive", 0) != 0, reverse = ctx.getInt("reverse", 0) != 0;
  Type element = type.getElementType();
  Type accType = element.isF16() || element.isBF16() ? ctx.b.getF32Type() : element;
  // out[.., i, ..] = sum over j of x[.., j, ..] where j <= i (j < i exclusive; >= / > reverse):
  // a reduction over an extra loop dimension, quadratic in the axis' size.
  SmallVector<OpFoldResult> sizes = ctx.sizes(*x), loop = sizes;
  loop.push_back(sizes[*axis]);
  SmallVector<bool> reduced(rank, false);
  reduced.push_back(true);
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    exprs.push_back(ctx.b.getAffineDimExpr(d == *axis ? rank : d));
  AffineMap map = AffineMap::get(rank + 1, 0, exprs, ctx.b.getContext());
  Value init = filledTensor(ctx.b, ctx.loc, sizes, ctx.scalar(accType, 0));
  bool isFloat = isa<FloatType>(accType);
  Value sum = buildReduction(
      ctx.b, ctx.loc, loop, reduced, init, *x, map,
      [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
        Value i = linalg::IndexOp::create(nb, loc, *axis);
        Value j = linalg::IndexOp::create(nb, loc, rank);
        arith::CmpIPredicate pred =
            reverse ? (exclusive ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::uge)
                    : (exclusive ? arith::CmpIPredicate::ult : arith::CmpIPredicate::ule);
        Value take = arith::CmpIOp::create(nb, loc, pred, j, i);
        Value v = castScalar(nb, loc, a[0], accType);
        Value zero =
            isFloat
                ? Value(arith::ConstantOp::create(nb, loc, accType, nb.getFloatAttr(accType, 0)))
                : Value(arith::ConstantOp::create(nb, loc, accType, nb.getIntegerAttr(accType, 0)));
        v = arith::SelectOp::create(nb, loc, take, v, zero);
        return isFloat ? Value(arith::AddFOp::create(nb, loc, a[1], v))
                       : Value(arith::AddIOp::create(nb, loc, a[1], v));
      });
  results.push_back(castTensor(ctx.b, ctx.loc, sum, element));
  return success();
}

} // namespace

ArrayRef<OpEntry> ssmc::onnx_import::tensorOps() {
  static const OpEntry ops[] = {
      {{"", "Concat", 4, ""}, emitConcat},
      {{"", "Constant", 1, "no string or sparse values"}, emitConstant},
      {{"", "ConstantOfShape", 9, ""}, emitConstantOfShape},
      {{"", "CumSum", 11, "constant axis"}, emitCumSum},
      {{"", "Expand", 8, "a dynamic size-1 dimension is not broadcast"}, emitExpand},
      {{"", "Flatten", 1, ""}, emitFlatten},
      {{"", "Gather", 1, "out-of-range indices are clamped"}, emitGather},
      {{"", "GatherElements", 11, "out-of-range indices are clamped"}, emitGatherElements},
      {{"", "GatherND", 11, "static index depth; out-of-range indices are clamped"}, emitGatherND},
      {{"", "Pad", 2, "constant, edge and reflect modes; constant axes"}, emitPad},
      {{"", "Range", 11, ""}, emitRange},
      {{"", "Reshape", 5, ""}, emitReshape},
      {{"", "ScatterElements", 11, "quadratic in the axis' size"}, emitScatterElements},
      {{"", "Shape", 1, ""}, emitShape},
      {{"", "Size", 1, ""}, emitSize},
      {{"", "Slice", 1, "constant axes and steps"}, emitSlice},
      {{"", "Split", 2, ""}, emitSplit},
      {{"", "Squeeze", 1, "constant axes"}, emitSqueeze},
      {{"", "Tile", 6, ""}, emitTile},
      {{"", "Transpose", 1, ""}, emitTranspose},
      {{"", "Trilu", 14, ""}, emitTrilu},
      {{"", "Unsqueeze", 1, "constant axes"}, emitUnsqueeze},
  };
  return ops;
}
