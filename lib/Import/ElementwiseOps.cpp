//===- ElementwiseOps.cpp - unary, binary and variadic elementwise ops ----===//
//
// Each op becomes one linalg.generic over the broadcast shape. f16 and bf16 are computed in
// f32 and rounded once. Integer ops on small shape tensors are also evaluated symbolically, so
// that shape arithmetic (Shape -> Gather -> Mul -> Reshape) folds at import time.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

using ScalarFn = std::function<Value(OpBuilder &, Location, Value)>;
using SymFn = std::function<SymInt(OpBuilder &, Location, ArrayRef<SymInt>)>;

Type elementOf(Value v) { return cast<RankedTensorType>(v.getType()).getElementType(); }

bool isNarrowFloat(Type t) { return t.isF16() || t.isBF16(); }

/// Applies `fn` to a float scalar, in f32 for f16 and bf16.
Value inWideFloat(OpBuilder &b, Location loc, Value x, const ScalarFn &fn) {
  Type type = x.getType();
  if (!isNarrowFloat(type))
    return fn(b, loc, x);
  Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  return arith::TruncFOp::create(b, loc, type, fn(b, loc, wide));
}

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, value));
}

/// Evaluates an integer op on small shape tensors at import time when every input is known
/// symbolically; returns null otherwise.
Value trySymbolic(NodeContext &ctx, ValueRange inputs, Type resultElement, const SymFn &fn) {
  if (!fn || !isa<IntegerType>(resultElement))
    return nullptr;
  SmallVector<SmallVector<SymInt>> values;
  int64_t length = 1, rank = 0;
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    if (!isa<IntegerType>(type.getElementType()) || type.getRank() > 1 || !type.hasStaticShape())
      return nullptr;
    std::optional<SmallVector<SymInt>> known = ctx.importer.symbolic(input);
    if (!known)
      return nullptr;
    if (known->size() != 1) {
      if (length != 1 && length != static_cast<int64_t>(known->size()))
        return nullptr;
      length = known->size();
    }
    rank = std::max(rank, type.getRank());
    values.push_back(*known);
  }
  SmallVector<SymInt> result;
  for (int64_t i = 0; i < length; ++i) {
    SmallVector<SymInt> args;
    for (const SmallVector<SymInt> &v : values)
      args.push_back(v.size() == 1 ? v[0] : v[i]);
    result.push_back(fn(ctx.b, ctx.loc, args));
  }
  SmallVector<int64_t> shape;
  if (rank == 1)
    shape.push_back(length);
  return ctx.importer.materialize(ctx.b, ctx.loc, result,
                                  RankedTensorType::get(shape, resultElement));
}

SymInt symCompare(OpBuilder &b, Location loc, arith::CmpIPredicate pred, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant()) {
    bool r = false;
    switch (pred) {
    case arith::CmpIPredicate::eq:
      r = *x.constant == *y.constant;
      break;
    case arith::CmpIPredicate::slt:
      r = *x.constant < *y.constant;
      break;
    case arith::CmpIPredicate::sle:
      r = *x.constant <= *y.constant;
      break;
    case arith::CmpIPredicate::sgt:
      r = *x.constant > *y.constant;
      break;
    case arith::CmpIPredicate::sge:
      r = *x.constant >= *y.constant;
      break;
    default:
      break;
    }
    return SymInt::of(r ? 1 : 0);
  }
  Value cmp = arith::CmpIOp::create(b, loc, pred, indexValue(b, loc, x), indexValue(b, loc, y));
  return SymInt::of(arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(), arith::ExtUIOp::create(b, loc, b.getI64Type(), cmp)));
}

SymInt symDivTrunc(OpBuilder &b, Location loc, SymInt x, SymInt y) {
  if (x.isConstant() && y.isConstant() && *y.constant != 0)
    return SymInt::of(*x.constant / *y.constant);
  if (y.isConstant() && *y.constant == 1)
    return x;
  return SymInt::of(arith::DivSIOp::create(b, loc, indexValue(b, loc, x), indexValue(b, loc, y)));
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

LogicalResult unary(NodeContext &ctx, SmallVectorImpl<Value> &results, const ScalarFn &onFloat,
                    const ScalarFn &onInt = nullptr, bool floatOnly = true) {
  FailureOr<Value> x = ctx.required(0, "X");
  if (failed(x))
    return failure();
  Type element = elementOf(*x);
  bool isFloat = isa<FloatType>(element);
  if (isFloat ? !onFloat : !onInt) {
    ctx.unsupported() << "element type " << element << " is not supported";
    return failure();
  }
  (void)floatOnly;
  FailureOr<Value> result =
      elementwise(ctx, *x, element, [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return isFloat ? inWideFloat(b, loc, args[0], onFloat) : onInt(b, loc, args[0]);
      });
  if (failed(result))
    return failure();
  results.push_back(*result);
  return success();
}

#define FLOAT_UNARY(NAME, EXPR)                                                                    \
  LogicalResult NAME(NodeContext &ctx, SmallVectorImpl<Value> &results) {                          \
    return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value { EXPR; });       \
  }

FLOAT_UNARY(emitExp, return math::ExpOp::create(b, loc, x))
FLOAT_UNARY(emitLog, return math::LogOp::create(b, loc, x))
FLOAT_UNARY(emitSqrt, return math::SqrtOp::create(b, loc, x))
FLOAT_UNARY(emitTanh, return math::TanhOp::create(b, loc, x))
FLOAT_UNARY(emitErf, return math::ErfOp::create(b, loc, x))
FLOAT_UNARY(emitSin, return math::SinOp::create(b, loc, x))
FLOAT_UNARY(emitCos, return math::CosOp::create(b, loc, x))
FLOAT_UNARY(emitFloor, return math::FloorOp::create(b, loc, x))
FLOAT_UNARY(emitCeil, return math::CeilOp::create(b, loc, x))
FLOAT_UNARY(emitRound, return math::RoundEvenOp::create(b, loc, x))
FLOAT_UNARY(emitReciprocal,
            return arith::DivFOp::create(b, loc, floatConst(b, loc, x.getType(), 1.0), x))
FLOAT_UNARY(emitSigmoid, {
  Value one = floatConst(b, loc, x.getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
})
// softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|.
FLOAT_UNARY(emitSoftplus, {
  Value zero = floatConst(b, loc, x.getType(), 0.0);
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value tail = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
  return arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, zero), tail);
})
FLOAT_UNARY(emitSoftsign, {
  Value one = floatConst(b, loc, x.getType(), 1.0);
  return arith::DivFOp::create(b, loc, x,
                               arith::AddFOp::create(b, loc, one, math::AbsFOp::create(b, loc, x)));
})

LogicalResult emitAbs(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return unary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x) -> Value { return math::AbsFOp::create(b, loc, x); },
      [](OpBuilder &b, Location loc, Value x) -> Value { return math::AbsIOp::create(b, loc, x); });
}

LogicalResult emitNeg(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  if (Value v = trySymbolic(ctx, ctx.input(0), elementOf(ctx.input(0)),
                            [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
                              return symSub(b, loc, SymInt::of(0), a[0]);
                            })) {
    results.push_back(v);
    return success();
  }
  return unary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x) -> Value { return arith::NegFOp::create(b, loc, x); },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::SubIOp::create(b, loc, intConst(b, loc, x.getType(), 0), x);
      });
}

LogicalResult emitRelu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return unary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::MaximumFOp::create(b, loc, x, floatConst(b, loc, x.getType(), 0));
      },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::MaxSIOp::create(b, loc, x, intConst(b, loc, x.getType(), 0));
      });
}

LogicalResult emitSign(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return unary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value zero = floatConst(b, loc, t, 0), one = floatConst(b, loc, t, 1),
              minus = floatConst(b, loc, t, -1);
        Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
        Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        return arith::SelectOp::create(b, loc, pos, one,
                                       arith::SelectOp::create(b, loc, neg, minus, zero));
      },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        Type t = x.getType();
        Value zero = intConst(b, loc, t, 0), one = intConst(b, loc, t, 1),
              minus = intConst(b, loc, t, -1);
        Value pos = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, zero);
        Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
        return arith::SelectOp::create(b, loc, pos, one,
                                       arith::SelectOp::create(b, loc, neg, minus, zero));
      });
}

LogicalResult emitLeakyRelu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  float alpha = ctx.getFloat("alpha", 0.01f);
  return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Value zero = floatConst(b, loc, x.getType(), 0);
    Value scaled = arith::MulFOp::create(b, loc, x, floatConst(b, loc, x.getType(), alpha));
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
    return arith::SelectOp::create(b, loc, neg, scaled, x);
  });
}

LogicalResult emitElu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  float alpha = ctx.getFloat("alpha", 1.0f);
  return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Value zero = floatConst(b, loc, x.getType(), 0);
    Value em1 = math::ExpM1Op::create(b, loc, x);
    Value neg = arith::MulFOp::create(b, loc, em1, floatConst(b, loc, x.getType(), alpha));
    Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
    return arith::SelectOp::create(b, loc, isNeg, neg, x);
  });
}

LogicalResult emitHardSigmoid(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  float alpha = ctx.getFloat("alpha", 0.2f), beta = ctx.getFloat("beta", 0.5f);
  return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Type t = x.getType();
    Value y = arith::AddFOp::create(b, loc,
                                    arith::MulFOp::create(b, loc, x, floatConst(b, loc, t, alpha)),
                                    floatConst(b, loc, t, beta));
    y = arith::MaximumFOp::create(b, loc, y, floatConst(b, loc, t, 0));
    return arith::MinimumFOp::create(b, loc, y, floatConst(b, loc, t, 1));
  });
}

LogicalResult emitHardSwish(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Type t = x.getType();
    Value y = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, floatConst(b, loc, t, 1.0 / 6.0)),
        floatConst(b, loc, t, 0.5));
    y = arith::MaximumFOp::create(b, loc, y, floatConst(b, loc, t, 0));
    y = arith::MinimumFOp::create(b, loc, y, floatConst(b, loc, t, 1));
    return arith::MulFOp::create(b, loc, x, y);
  });
}

LogicalResult emitGelu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  std::string approximate = ctx.getString("approximate", "none");
  if (approximate != "none" && approximate != "tanh") {
    ctx.error() << "approximate must be 'none' or 'tanh', got '" << approximate << "'";
    return failure();
  }
  return unary(ctx, results, [&](OpBuilder &b, Location loc, Value x) -> Value {
    Type t = x.getType();
    Value half = floatConst(b, loc, t, 0.5), one = floatConst(b, loc, t, 1.0);
    Value inner;
    if (approximate == "none") {
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, floatConst(b, loc, t, M_SQRT1_2)));
    } else {
      Value cube = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value poly = arith::AddFOp::create(
          b, loc, x, arith::MulFOp::create(b, loc, cube, floatConst(b, loc, t, 0.044715)));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, poly, floatConst(b, loc, t, std::sqrt(2.0 / M_PI))));
    }
    return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                                 arith::AddFOp::create(b, loc, one, inner));
  });
}

LogicalResult emitNot(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  if (Value v = trySymbolic(ctx, ctx.input(0), elementOf(ctx.input(0)),
                            [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
                              return symCompare(b, loc, arith::CmpIPredicate::eq, a[0],
                                                SymInt::of(0));
                            })) {
    results.push_back(v);
    return success();
  }
  return unary(ctx, results, nullptr, [](OpBuilder &b, Location loc, Value x) -> Value {
    return arith::XOrIOp::create(b, loc, x, intConst(b, loc, x.getType(), 1));
  });
}

LogicalResult emitIsNaN(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X");
  if (failed(x))
    return failure();
  if (!isa<FloatType>(elementOf(*x))) {
    ctx.error() << "X must be a float tensor";
    return failure();
  }
  FailureOr<Value> r = elementwise(
      ctx, *x, ctx.b.getI1Type(), [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

LogicalResult emitIsInf(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X");
  if (failed(x))
    return failure();
  if (!isa<FloatType>(elementOf(*x))) {
    ctx.error() << "X must be a float tensor";
    return failure();
  }
  bool negative = ctx.getInt("detect_negative", 1) != 0;
  bool positive = ctx.getInt("detect_positive", 1) != 0;
  FailureOr<Value> r = elementwise(
      ctx, *x, ctx.b.getI1Type(), [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Type t = a[0].getType();
        Value inf = floatConst(b, loc, t, INFINITY), ninf = floatConst(b, loc, t, -INFINITY);
        Value isPos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf);
        Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], ninf);
        Value falseV = arith::ConstantIntOp::create(b, loc, 0, 1);
        return arith::OrIOp::create(b, loc, positive ? isPos : falseV, negative ? isNeg : falseV);
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

LogicalResult emitIdentity(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  results.push_back(*x);
  return success();
}

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

LogicalResult castTo(NodeContext &ctx, SmallVectorImpl<Value> &results, Value x, Type to) {
  Type from = elementOf(x);
  if (Value v =
          trySymbolic(ctx, x, to, [](OpBuilder &, Location, ArrayRef<SymInt> a) { return a[0]; });
      v && isa<IntegerType>(from) && !to.isInteger(1) && !from.isInteger(1)) {
    results.push_back(v);
    return success();
  }
  results.push_back(castTensor(ctx.b, ctx.loc, x, to));
  return success();
}

LogicalResult emitCast(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  const onnx::AttributeProto *to = ctx.attr("to");
  if (!to) {
    ctx.error() << "attribute 'to' is required";
    return failure();
  }
  Type type;
  switch (to->i()) {
  case onnx::TensorProto::FLOAT:
    type = ctx.b.getF32Type();
    break;
  case onnx::TensorProto::DOUBLE:
    type = ctx.b.getF64Type();
    break;
  case onnx::TensorProto::FLOAT16:
    type = ctx.b.getF16Type();
    break;
  case onnx::TensorProto::BFLOAT16:
    type = ctx.b.getBF16Type();
    break;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT64:
    type = ctx.b.getIntegerType(to->i() == onnx::TensorProto::INT8    ? 8
                                : to->i() == onnx::TensorProto::INT16 ? 16
                                : to->i() == onnx::TensorProto::INT32 ? 32
                                                                      : 64);
    break;
  case onnx::TensorProto::BOOL:
    type = ctx.b.getI1Type();
    break;
  default:
    ctx.unsupported() << "casting to ONNX type " << to->i() << " is not supported";
    return failure();
  }
  return castTo(ctx, results, *x, type);
}

LogicalResult emitCastLike(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  FailureOr<Value> like = ctx.required(1, "target_type");
  if (failed(x) || failed(like))
    return failure();
  return castTo(ctx, results, *x, elementOf(*like));
}

//===----------------------------------------------------------------------===//
// Binary and variadic ops
//===----------------------------------------------------------------------===//

using BinaryFn = std::function<Value(OpBuilder &, Location, Value, Value)>;

/// A binary op with broadcasting on inputs of the same element type.
LogicalResult binary(NodeContext &ctx, SmallVectorImpl<Value> &results, const BinaryFn &onFloat,
                     const BinaryFn &onInt, const SymFn &symbolic = nullptr,
                     bool resultIsBool = false) {
  FailureOr<Value> a = ctx.required(0, "A");
  FailureOr<Value> b = ctx.required(1, "B");
  if (failed(a) || failed(b))
    return failure();
  Type element = elementOf(*a);
  if (elementOf(*b) != element) {
    ctx.error() << "the inputs' element types differ: " << element << " and " << elementOf(*b);
    return failure();
  }
  bool isFloat = isa<FloatType>(element);
  if (isFloat ? !onFloat : !onInt) {
    ctx.unsupported() << "element type " << element << " is not supported";
    return failure();
  }
  Type resultType = resultIsBool ? ctx.b.getI1Type() : element;
  if (Value v = trySymbolic(ctx, {*a, *b}, resultType, symbolic)) {
    results.push_back(v);
    return success();
  }
  FailureOr<Value> r = elementwise(
      ctx, {*a, *b}, resultType, [&](OpBuilder &nb, Location loc, ValueRange args) -> Value {
        if (!isFloat)
          return onInt(nb, loc, args[0], args[1]);
        if (resultIsBool || !isNarrowFloat(element))
          return onFloat(nb, loc, args[0], args[1]);
        Value x = arith::ExtFOp::create(nb, loc, nb.getF32Type(), args[0]);
        Value y = arith::ExtFOp::create(nb, loc, nb.getF32Type(), args[1]);
        return arith::TruncFOp::create(nb, loc, element, onFloat(nb, loc, x, y));
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

template <typename FOp, typename IOp>
LogicalResult simpleBinary(NodeContext &ctx, SmallVectorImpl<Value> &results,
                           const SymFn &symbolic) {
  return binary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return FOp::create(b, loc, x, y);
      },
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return IOp::create(b, loc, x, y);
      },
      symbolic);
}

LogicalResult emitAdd(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return simpleBinary<arith::AddFOp, arith::AddIOp>(
      ctx, results,
      [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) { return symAdd(b, loc, a[0], a[1]); });
}
LogicalResult emitSub(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return simpleBinary<arith::SubFOp, arith::SubIOp>(
      ctx, results,
      [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) { return symSub(b, loc, a[0], a[1]); });
}
LogicalResult emitMul(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return simpleBinary<arith::MulFOp, arith::MulIOp>(
      ctx, results,
      [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) { return symMul(b, loc, a[0], a[1]); });
}
LogicalResult emitDiv(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return simpleBinary<arith::DivFOp, arith::DivSIOp>(
      ctx, results, [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
        return symDivTrunc(b, loc, a[0], a[1]);
      });
}

LogicalResult emitMod(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  bool fmod = ctx.getInt("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(elementOf(ctx.input(0)))) {
    ctx.error() << "fmod must be 1 for float inputs";
    return failure();
  }
  return binary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return arith::RemFOp::create(b, loc, x, y);
      },
      [fmod](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        Value rem = arith::RemSIOp::create(b, loc, x, y);
        if (fmod)
          return rem;
        // Python's modulo: the sign of the divisor.
        Value zero = intConst(b, loc, x.getType(), 0);
        Value nonzero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
        Value signsDiffer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                                  arith::XOrIOp::create(b, loc, rem, y), zero);
        Value fix = arith::AndIOp::create(b, loc, nonzero, signsDiffer);
        return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, rem, y), rem);
      });
}

LogicalResult emitPow(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X");
  FailureOr<Value> y = ctx.required(1, "Y");
  if (failed(x) || failed(y))
    return failure();
  Type element = elementOf(*x);
  Type compute = isa<FloatType>(element) && !isNarrowFloat(element) ? element : ctx.b.getF64Type();
  if (isNarrowFloat(element))
    compute = ctx.b.getF32Type();
  FailureOr<Value> r =
      elementwise(ctx, {*x, *y}, element, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value base = castScalar(b, loc, a[0], compute);
        Value exponent = castScalar(b, loc, a[1], compute);
        return castScalar(b, loc, math::PowFOp::create(b, loc, base, exponent), element);
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

template <arith::CmpFPredicate F, arith::CmpIPredicate I>
LogicalResult compare(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return binary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return arith::CmpFOp::create(b, loc, F, x, y);
      },
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return arith::CmpIOp::create(b, loc, I, x, y);
      },
      [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
        return symCompare(b, loc, I, a[0], a[1]);
      },
      /*resultIsBool=*/true);
}

template <typename IOp> LogicalResult logical(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return binary(ctx, results, nullptr, [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
    return IOp::create(b, loc, x, y);
  });
}

/// Max, Min, Sum, Mean: any number of inputs, broadcast together.
LogicalResult variadic(NodeContext &ctx, SmallVectorImpl<Value> &results, const BinaryFn &onFloat,
                       const BinaryFn &onInt, const SymFn &symbolic, bool mean = false) {
  FailureOr<SmallVector<Value>> present = ctx.presentInputs();
  if (failed(present))
    return failure();
  SmallVector<Value> inputs = *present;
  Type element = elementOf(inputs[0]);
  for (Value input : inputs) {
    if (elementOf(input) != element) {
      ctx.error() << "the inputs' element types differ";
      return failure();
    }
  }
  bool isFloat = isa<FloatType>(element);
  if ((isFloat ? !onFloat : !onInt) || (mean && !isFloat)) {
    ctx.unsupported() << "element type " << element << " is not supported";
    return failure();
  }
  if (Value v = trySymbolic(ctx, inputs, element, symbolic)) {
    results.push_back(v);
    return success();
  }
  FailureOr<Value> r =
      elementwise(ctx, inputs, element, [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        SmallVector<Value> xs;
        for (Value a : args)
          xs.push_back(isNarrowFloat(element) ? castScalar(b, loc, a, b.getF32Type()) : a);
        Value acc = xs[0];
        for (Value x : llvm::drop_begin(xs))
          acc = isFloat ? onFloat(b, loc, acc, x) : onInt(b, loc, acc, x);
        if (mean)
          acc = arith::DivFOp::create(b, loc, acc, floatConst(b, loc, acc.getType(), xs.size()));
        return castScalar(b, loc, acc, element);
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

/// A variadic op of one float and one integer arith op, folded pairwise.
template <typename FOp, typename IOp>
LogicalResult pairwise(NodeContext &ctx, SmallVectorImpl<Value> &results,
                       SymInt (*symbolic)(OpBuilder &, Location, SymInt, SymInt)) {
  SymFn fold = nullptr;
  if (symbolic)
    fold = [symbolic](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
      SymInt r = a[0];
      for (const SymInt &x : a.drop_front())
        r = symbolic(b, loc, r, x);
      return r;
    };
  return variadic(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return FOp::create(b, loc, x, y);
      },
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return IOp::create(b, loc, x, y);
      },
      fold);
}

LogicalResult emitMax(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return pairwise<arith::MaximumFOp, arith::MaxSIOp>(ctx, results, symMax);
}

LogicalResult emitMin(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return pairwise<arith::MinimumFOp, arith::MinSIOp>(ctx, results, symMin);
}

LogicalResult emitSum(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return pairwise<arith::AddFOp, arith::AddIOp>(ctx, results, nullptr);
}

LogicalResult emitMean(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return variadic(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value y) -> Value {
        return arith::AddFOp::create(b, loc, x, y);
      },
      nullptr, nullptr, /*mean=*/true);
}

LogicalResult emitPRelu(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  return binary(
      ctx, results,
      [](OpBuilder &b, Location loc, Value x, Value slope) -> Value {
        Value zero = floatConst(b, loc, x.getType(), 0);
        Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        return arith::SelectOp::create(b, loc, neg, arith::MulFOp::create(b, loc, x, slope), x);
      },
      nullptr);
}

LogicalResult emitWhere(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> c = ctx.required(0, "condition");
  FailureOr<Value> x = ctx.required(1, "X");
  FailureOr<Value> y = ctx.required(2, "Y");
  if (failed(c) || failed(x) || failed(y))
    return failure();
  Type element = elementOf(*x);
  if (elementOf(*y) != element || !elementOf(*c).isInteger(1)) {
    ctx.error() << "condition must be bool and X, Y of one element type";
    return failure();
  }
  if (Value v = trySymbolic(ctx, {*c, *x, *y}, element,
                            [](OpBuilder &b, Location loc, ArrayRef<SymInt> a) {
                              return symSelect(b, loc, a[0], a[1], a[2]);
                            })) {
    results.push_back(v);
    return success();
  }
  FailureOr<Value> r = elementwise(ctx, {*c, *x, *y}, element,
                                   [](OpBuilder &b, Location loc, ValueRange a) -> Value {
                                     return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
                                   });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

LogicalResult emitClip(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input");
  if (failed(x))
    return failure();
  Type element = elementOf(*x);
  bool isFloat = isa<FloatType>(element);
  SmallVector<Value> inputs{*x};
  std::optional<double> lo, hi;
  int loInput = -1, hiInput = -1;
  if (ctx.opset < 11) {
    lo = ctx.getFloat("min", -INFINITY);
    hi = ctx.getFloat("max", INFINITY);
  } else {
    for (int i : {1, 2}) {
      if (!ctx.hasInput(i))
        continue;
      auto type = cast<RankedTensorType>(ctx.input(i).getType());
      if (type.getRank() != 0 || type.getElementType() != element) {
        ctx.error() << (i == 1 ? "min" : "max") << " must be a scalar of the input's type";
        return failure();
      }
      (i == 1 ? loInput : hiInput) = inputs.size();
      inputs.push_back(ctx.input(i));
    }
  }
  FailureOr<Value> r =
      elementwise(ctx, inputs, element, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
        Value v = a[0];
        auto bound = [&](int input, std::optional<double> constant) -> Value {
          if (input >= 0)
            return a[input];
          if (constant && std::isfinite(*constant))
            return floatConst(b, loc, element, *constant);
          return nullptr;
        };
        if (Value l = bound(loInput, lo))
          v = isFloat ? Value(arith::MaximumFOp::create(b, loc, v, l))
                      : Value(arith::MaxSIOp::create(b, loc, v, l));
        if (Value h = bound(hiInput, hi))
          v = isFloat ? Value(arith::MinimumFOp::create(b, loc, v, h))
                      : Value(arith::MinSIOp::create(b, loc, v, h));
        return v;
      });
  if (failed(r))
    return failure();
  results.push_back(*r);
  return success();
}

} // namespace

ArrayRef<OpEntry> ssmc::onnx_import::elementwiseOps() {
  static const OpEntry ops[] = {
      {{"", "Abs", 6, ""}, emitAbs},
      {{"", "Add", 7, "float and signed integer types"}, emitAdd},
      {{"", "And", 7, ""}, logical<arith::AndIOp>},
      {{"", "Cast", 6, "float, bfloat16, float16, double, bool, int8-int64"}, emitCast},
      {{"", "CastLike", 15, "as Cast"}, emitCastLike},
      {{"", "Ceil", 6, ""}, emitCeil},
      {{"", "Clip", 6, ""}, emitClip},
      {{"", "Cos", 7, ""}, emitCos},
      {{"", "Div", 7, "integer division truncates"}, emitDiv},
      {{"", "Elu", 6, ""}, emitElu},
      {{"", "Equal", 7, ""}, compare<arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq>},
      {{"", "Erf", 9, ""}, emitErf},
      {{"", "Exp", 6, ""}, emitExp},
      {{"", "Floor", 6, ""}, emitFloor},
      {{"", "Gelu", 20, ""}, emitGelu},
      {{"", "Greater", 7, ""}, compare<arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt>},
      {{"", "GreaterOrEqual", 12, ""},
       compare<arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge>},
      {{"", "HardSigmoid", 6, ""}, emitHardSigmoid},
      {{"", "HardSwish", 14, ""}, emitHardSwish},
      {{"", "Identity", 1, "tensors only"}, emitIdentity},
      {{"", "IsInf", 10, ""}, emitIsInf},
      {{"", "IsNaN", 9, ""}, emitIsNaN},
      {{"", "LeakyRelu", 6, ""}, emitLeakyRelu},
      {{"", "Less", 7, ""}, compare<arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt>},
      {{"", "LessOrEqual", 12, ""}, compare<arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle>},
      {{"", "Log", 6, ""}, emitLog},
      {{"", "Max", 8, ""}, emitMax},
      {{"", "Mean", 8, ""}, emitMean},
      {{"", "Min", 8, ""}, emitMin},
      {{"", "Mod", 10, ""}, emitMod},
      {{"", "Mul", 7, ""}, emitMul},
      {{"", "Neg", 6, ""}, emitNeg},
      {{"", "Not", 1, ""}, emitNot},
      {{"", "Or", 7, ""}, logical<arith::OrIOp>},
      {{"", "PRelu", 9, ""}, emitPRelu},
      {{"", "Pow", 7, "computed in f64 for integer and double, f32 otherwise"}, emitPow},
      {{"", "Reciprocal", 6, ""}, emitReciprocal},
      {{"", "Relu", 6, ""}, emitRelu},
      {{"", "Round", 11, ""}, emitRound},
      {{"", "Sigmoid", 6, ""}, emitSigmoid},
      {{"", "Sign", 9, ""}, emitSign},
      {{"", "Sin", 7, ""}, emitSin},
      {{"", "Softplus", 1, ""}, emitSoftplus},
      {{"", "Softsign", 1, ""}, emitSoftsign},
      {{"", "Sqrt", 6, ""}, emitSqrt},
      {{"", "Sub", 7, ""}, emitSub},
      {{"", "Sum", 8, ""}, emitSum},
      {{"", "Tanh", 6, ""}, emitTanh},
      {{"", "Where", 9, ""}, emitWhere},
      {{"", "Xor", 7, ""}, logical<arith::XOrIOp>},
  };
  return ops;
}
