//===- Raise.cpp - recognise SSM building blocks written as plain ops -----===//
//
// Exported models spell SiLU, softplus, RMS norms, the causal convolution, RoPE and attention
// with standard ops, which the importer turns into one linalg op per ONNX node. The patterns here
// recognise those subgraphs on structure and replace them with the ssm/lm ops that carry their
// meaning. Each pattern checks every operand, map and constant it relies on; anything else is left
// as it is, so the unmatched graph stays correct.
//
// Two greedy rounds: the element-wise activations (and the folding of Slice's clamps around
// sizes) first, then the patterns that absorb them (a convolution followed by SiLU, a norm
// gated by SiLU) and the larger blocks.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Transforms/RaiseSSD.h"

#include "dialects/lm/LMOps.h"
#include "dialects/ssm/SSMOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMRAISE
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Element-wise generics as scalar functions
//===----------------------------------------------------------------------===//

/// An all-parallel `linalg.generic` with one input per block argument and one result, seen
/// as the scalar function its body computes.
struct Elementwise {
  mutable linalg::GenericOp op;

  static std::optional<Elementwise> of(Value tensor) {
    auto op = tensor.getDefiningOp<linalg::GenericOp>();
    if (!op || op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops() ||
        !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
      return std::nullopt;
    for (Operation &inner : op.getBody()->without_terminator())
      if (isa<linalg::IndexOp, tensor::ExtractOp>(inner))
        return std::nullopt;
    return Elementwise{op};
  }

  /// The scalar the body yields.
  Value yielded() const { return op.getBody()->getTerminator()->getOperand(0); }

  /// The input operand that `scalar` reads, when it is an input's block argument.
  OpOperand *input(Value scalar) const {
    auto arg = dyn_cast<BlockArgument>(scalar);
    if (!arg || arg.getOwner() != op.getBody() || arg.getArgNumber() >= op.getNumDpsInputs())
      return nullptr;
    return op.getDpsInputOperand(arg.getArgNumber());
  }

  /// The tensor that `scalar` reads element for element (an identity map), or null.
  Value same(Value scalar) const {
    OpOperand *operand = input(scalar);
    if (!operand || !op.getMatchingIndexingMap(operand).isIdentity())
      return nullptr;
    return operand->get();
  }

  AffineMap mapOf(OpOperand *operand) const { return op.getMatchingIndexingMap(operand); }
};

/// The value of a float constant: a scalar `arith.constant`, or a splat tensor constant read
/// by an element-wise body.
std::optional<double> constantOf(Value scalar, const Elementwise *within = nullptr) {
  FloatAttr attr;
  if (matchPattern(scalar, m_Constant(&attr)))
    return attr.getValueAsDouble();
  if (!within)
    return std::nullopt;
  OpOperand *operand = within->input(scalar);
  DenseFPElementsAttr dense;
  if (!operand || !matchPattern(operand->get(), m_Constant(&dense)) || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool isConstant(Value scalar, double value, const Elementwise *within = nullptr) {
  std::optional<double> c = constantOf(scalar, within);
  return c && *c == value;
}

/// Matches a commutative binary op whose operands satisfy `first` and `second` in either order.
template <typename OpTy, typename F, typename G> bool commutes(Value v, F &&first, G &&second) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op)
    return false;
  Value a = op->getOperand(0), b = op->getOperand(1);
  return (first(a) && second(b)) || (first(b) && second(a));
}

/// `x` where `t = 1 / (1 + exp(-x))`, as the importer writes ONNX's Sigmoid.
Value sigmoidOf(Value t) {
  std::optional<Elementwise> e = Elementwise::of(t);
  if (!e)
    return nullptr;
  auto div = e->yielded().getDefiningOp<arith::DivFOp>();
  if (!div || !isConstant(div.getLhs(), 1.0))
    return nullptr;
  Value x;
  bool ok = commutes<arith::AddFOp>(
      div.getRhs(), [&](Value v) { return isConstant(v, 1.0); },
      [&](Value v) {
        auto exp = v.getDefiningOp<math::ExpOp>();
        auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>() : nullptr;
        return neg && (x = e->same(neg.getOperand()));
      });
  return ok ? x : nullptr;
}

/// `x` where `t = silu(x)`: an `ssm.silu`, or `x * sigmoid(x)` in either order.
Value siluOf(Value t) {
  if (auto silu = t.getDefiningOp<ssm::SiLUOp>())
    return silu.getX();
  std::optional<Elementwise> e = Elementwise::of(t);
  if (!e)
    return nullptr;
  Value x;
  bool ok = commutes<arith::MulFOp>(
      e->yielded(), [&](Value v) { return static_cast<bool>(x = e->same(v)); },
      [&](Value v) {
        Value s = e->same(v);
        return s && sigmoidOf(s) == x;
      });
  return ok && x.getType() == t.getType() ? x : nullptr;
}

/// `x` where `t = max(x, 0) + log1p(exp(-|x|))`, as the importer writes ONNX's Softplus.
Value softplusOf(Value t) {
  if (auto softplus = t.getDefiningOp<ssm::SoftplusOp>())
    return softplus.getX();
  std::optional<Elementwise> e = Elementwise::of(t);
  if (!e)
    return nullptr;
  Value x, y;
  bool ok = commutes<arith::AddFOp>(
      e->yielded(),
      [&](Value v) {
        auto max = v.getDefiningOp<arith::MaximumFOp>();
        return max && isConstant(max.getRhs(), 0.0) && (x = e->same(max.getLhs()));
      },
      [&](Value v) {
        auto log1p = v.getDefiningOp<math::Log1pOp>();
        auto exp = log1p ? log1p.getOperand().getDefiningOp<math::ExpOp>() : nullptr;
        auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>() : nullptr;
        auto abs = neg ? neg.getOperand().getDefiningOp<math::AbsFOp>() : nullptr;
        return abs && (y = e->same(abs.getOperand()));
      });
  return ok && x == y && x.getType() == t.getType() ? x : nullptr;
}

//===----------------------------------------------------------------------===//
// Shared matchers
//===----------------------------------------------------------------------===//

/// `(a, b)` and `(b, a)`: the two operand orders of a commutative op.
std::array<std::pair<Value, Value>, 2> bothOrders(Value a, Value b) { return {{{a, b}, {b, a}}}; }

/// `(d0, .., d_{rank-1}) -> (d0, .., d_{rank-2})`: the rows of a reduction over the last
/// dimension.
AffineMap rowsMap(unsigned rank, MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i + 1 < rank; ++i)
    exprs.push_back(getAffineDimExpr(i, context));
  return AffineMap::get(rank, 0, exprs, context);
}

/// The shape of a ranked tensor value.
ArrayRef<int64_t> shapeOf(Value v) { return cast<RankedTensorType>(v.getType()).getShape(); }

/// Whether `op` is a generic with the given indexing maps (as written over its loops).
bool hasMaps(linalg::GenericOp op, ArrayRef<SmallVector<AffineExpr>> maps) {
  SmallVector<AffineMap> actual = op.getIndexingMapsArray();
  if (actual.size() != maps.size())
    return false;
  for (auto [map, exprs] : llvm::zip(actual, maps))
    if (map != AffineMap::get(op.getNumLoops(), 0, exprs, op.getContext()))
      return false;
  return true;
}

/// Whether `v` is a `linalg.fill` of `value`.
bool filledWith(Value v, double value) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && isConstant(fill.value(), value);
}

/// A reduction over the last dimension of `t` from `init`, combining with `combine(acc, in)`.
template <typename Combine> Value rowReductionOf(Value t, double init, Combine &&combine) {
  auto op = t.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return nullptr;
  unsigned rank = op.getNumLoops();
  MLIRContext *context = op.getContext();
  Block *body = op.getBody();
  if (op.getIndexingMapsArray() !=
          SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, context),
                                 rowsMap(rank, context)} ||
      !filledWith(op.getDpsInitOperand(0)->get(), init) ||
      !combine(body->getTerminator()->getOperand(0), body->getArgument(1), body->getArgument(0)))
    return nullptr;
  return op.getDpsInputOperand(0)->get();
}

/// Whether `y = acc + in` in either order (a sum reduction's body).
bool isSum(Value y, Value acc, Value in) {
  return commutes<arith::AddFOp>(
      y, [&](Value v) { return v == acc; }, [&](Value v) { return v == in; });
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// `x * sigmoid(x)` -> `ssm.silu x`.
struct RaiseSiLU : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return failure();
    Value x = siluOf(op->getResult(0));
    if (!x)
      return rewriter.notifyMatchFailure(op, "not x * sigmoid(x)");
    rewriter.replaceOpWithNewOp<ssm::SiLUOp>(op, x.getType(), x);
    return success();
  }
};

/// ONNX's Softplus, and torch's thresholded form `Where(x > T, x, Softplus(x))` (T >= 15,
/// where the two differ by less than f32 rounding), -> `ssm.softplus x`.
struct RaiseSoftplus : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return failure();
    Value x = softplusOf(op->getResult(0));
    if (!x)
      x = thresholded(op);
    if (!x)
      return rewriter.notifyMatchFailure(op, "not a softplus");
    rewriter.replaceOpWithNewOp<ssm::SoftplusOp>(op, x.getType(), x);
    return success();
  }

  static Value thresholded(linalg::GenericOp op) {
    std::optional<Elementwise> e = Elementwise::of(op->getResult(0));
    auto select = e ? e->yielded().getDefiningOp<arith::SelectOp>() : nullptr;
    if (!select)
      return nullptr;
    Value x = e->same(select.getTrueValue()), soft = e->same(select.getFalseValue());
    Value condition = e->same(select.getCondition());
    if (!x || !soft || !condition || softplusOf(soft) != x)
      return nullptr;
    std::optional<Elementwise> c = Elementwise::of(condition);
    auto cmp = c ? c->yielded().getDefiningOp<arith::CmpFOp>() : nullptr;
    if (!cmp ||
        (cmp.getPredicate() != arith::CmpFPredicate::OGT &&
         cmp.getPredicate() != arith::CmpFPredicate::OGE) ||
        c->same(cmp.getLhs()) != x)
      return nullptr;
    std::optional<double> threshold = constantOf(cmp.getRhs(), &*c);
    return threshold && *threshold >= 15.0 ? x : nullptr;
  }
};

//===----------------------------------------------------------------------===//
// Size arithmetic
//===----------------------------------------------------------------------===//

/// `c` where `v = base + c` (an `arith.addi` of a constant), for that `base`; none otherwise.
std::optional<int64_t> offsetOf(Value v, Value base) {
  auto add = v.getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  for (auto [a, c] : bothOrders(add.getLhs(), add.getRhs()))
    if (a == base)
      if (std::optional<int64_t> constant = getConstantIntValue(c))
        return constant;
  return std::nullopt;
}

/// Whether index `v` is a size: a tensor dimension, a non-negative constant, or a sum or product
/// of sizes.
bool isSize(Value v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c >= 0;
  if (v.getDefiningOp<tensor::DimOp>())
    return true;
  if (auto add = v.getDefiningOp<arith::AddIOp>())
    return isSize(add.getLhs()) && isSize(add.getRhs());
  if (auto mul = v.getDefiningOp<arith::MulIOp>())
    return isSize(mul.getLhs()) && isSize(mul.getRhs());
  return false;
}

/// Whether `a <= b` for index values, from sizes being >= 0 and `s + c1 <= s + c2` when
/// `c1 <= c2` (sizes are far from overflowing).
bool knownAtMost(Value a, Value b) {
  std::optional<int64_t> ca = getConstantIntValue(a), cb = getConstantIntValue(b);
  if (ca && cb)
    return *ca <= *cb;
  if (ca && *ca <= 0)
    return isSize(b);
  if (a == b)
    return true;
  if (std::optional<int64_t> c = offsetOf(b, a))
    return *c >= 0 && isSize(a);
  return false;
}

/// The clamps that Slice's index arithmetic puts around sizes, folded where the facts above
/// decide them: `min`/`max` of ordered values, and `size < 0`. What they leave is what lets the
/// patterns below compare slice bounds with tensor sizes on dynamic shapes.
template <typename OpTy, bool isMin> struct FoldSizeClamp : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value a = op.getLhs(), b = op.getRhs();
    if (!op.getType().isIndex())
      return failure();
    if (knownAtMost(a, b)) {
      rewriter.replaceOp(op, isMin ? a : b);
      return success();
    }
    if (knownAtMost(b, a)) {
      rewriter.replaceOp(op, isMin ? b : a);
      return success();
    }
    return failure();
  }
};

/// `size < 0` is false.
struct FoldNegativeSize : OpRewritePattern<arith::CmpIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::CmpIOp op, PatternRewriter &rewriter) const override {
    if (op.getPredicate() != arith::CmpIPredicate::slt || !op.getLhs().getType().isIndex() ||
        !isSize(op.getLhs()) || getConstantIntValue(op.getRhs()) != 0)
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantIntOp>(op, 0, 1);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Causal convolution
//===----------------------------------------------------------------------===//

/// Whether the ssm/lm ops take `type` as an activation tensor (f32, bf16, f16).
bool isActivation(Type type) {
  return isa<Float32Type, BFloat16Type, Float16Type>(getElementTypeOrSelf(type));
}

/// The single user of `v`, when it has exactly one.
Operation *soleUser(Value v) { return v.hasOneUse() ? *v.getUsers().begin() : nullptr; }

/// `conv(pad(x, K-1 before, P after), w)[..., :L]` (+ bias, + SiLU) -> `ssm.causal_conv1d`:
/// PyTorch's `nn.Conv1d(C, C, K, groups=C, padding=K-1)` followed by the slice back to the
/// input length, as Mamba writes its convolution. With a carried state (the decode form of
/// exports with state inputs), `xs = concat(state, x)`, `conv(xs, w)` and the new state
/// `xs[..., -(K-1):]` -> `ssm.causal_conv1d` with `init(state)`, whose final state replaces the
/// slice.
struct RaiseCausalConv : OpRewritePattern<linalg::DepthwiseConv1DNcwCwOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::DepthwiseConv1DNcwCwOp conv,
                                PatternRewriter &rewriter) const override {
    auto ones = [](DenseIntElementsAttr a) {
      return llvm::all_of(a.getValues<int64_t>(), [](int64_t v) { return v == 1; });
    };
    if (!conv.hasPureTensorSemantics() || !ones(conv.getStrides()) || !ones(conv.getDilations()))
      return rewriter.notifyMatchFailure(conv, "strided or dilated");
    Value input = conv.getDpsInputOperand(0)->get();
    Value w = conv.getDpsInputOperand(1)->get();
    auto wType = cast<RankedTensorType>(w.getType());
    if (!wType.hasStaticShape())
      return rewriter.notifyMatchFailure(conv, "weight not static");
    int64_t k = wType.getDimSize(1);
    // Zeros before the sequence, or the carried state.
    Value x, state;
    int64_t high = 0;
    if (auto pad = input.getDefiningOp<tensor::PadOp>()) {
      ArrayRef<int64_t> low = pad.getStaticLow(), padHigh = pad.getStaticHigh();
      Value padValue = pad.getConstantPaddingValue();
      if (low != ArrayRef<int64_t>{0, 0, k - 1} || padHigh[0] != 0 || padHigh[1] != 0 ||
          ShapedType::isDynamic(padHigh[2]) || !padValue ||
          !matchPattern(padValue, m_AnyZeroFloat()))
        return rewriter.notifyMatchFailure(conv, "not zero-padded by K-1 before");
      x = pad.getSource();
      high = padHigh[2];
    } else if (std::optional<std::pair<Value, Value>> parts = concatOf(input, k - 1)) {
      std::tie(state, x) = *parts;
    } else {
      return rewriter.notifyMatchFailure(conv, "input neither padded nor a state concat");
    }
    auto fill = conv.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.value(), m_AnyZeroFloat()))
      return rewriter.notifyMatchFailure(conv, "accumulator not zero-filled");
    auto xType = cast<RankedTensorType>(x.getType());
    if (!isActivation(xType) ||
        getElementTypeOrSelf(conv->getResult(0).getType()) != xType.getElementType())
      return rewriter.notifyMatchFailure(conv, "accumulates in another type");

    // Optional bias, then the slice back to L (none when nothing was padded after).
    Value current = conv->getResult(0), bias;
    if (auto add = dyn_cast_or_null<linalg::GenericOp>(soleUser(current)))
      if ((bias = biasOf(add, current)))
        current = add->getResult(0);
    if (high != 0) {
      auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(soleUser(current));
      if (!slice || !sliceToInputLength(slice, x, fill.getDpsInitOperand(0)->get(), high))
        return rewriter.notifyMatchFailure(conv, "not sliced back to the input length");
      current = slice.getResult();
    }
    ssm::Activation activation = ssm::Activation::none;
    if (Operation *user = soleUser(current))
      if (auto silu = dyn_cast<ssm::SiLUOp>(user)) {
        activation = ssm::Activation::silu;
        current = silu.getY();
      }
    if (current.getType() != xType || current.use_empty())
      return rewriter.notifyMatchFailure(conv, "result shape differs from the input's");

    auto stateType = RankedTensorType::get({xType.getDimSize(0), xType.getDimSize(1), k - 1},
                                           xType.getElementType());
    rewriter.setInsertionPointAfterValue(current);
    auto raised =
        ssm::CausalConv1dOp::create(rewriter, conv.getLoc(), xType, stateType, x, w, bias, state,
                                    ssm::ActivationAttr::get(rewriter.getContext(), activation));
    rewriter.replaceAllUsesWith(current, raised.getY());
    // The new state, where the graph slices it off the concat.
    if (state)
      for (Operation *user : llvm::make_early_inc_range(input.getUsers()))
        if (auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
            slice && slice.getType() == stateType && slice.hasUnitStride() &&
            slice.getStaticOffsets() ==
                ArrayRef<int64_t>{0, 0, cast<ShapedType>(input.getType()).getDimSize(2) - (k - 1)})
          rewriter.replaceOp(slice, raised.getFinalState());
    return success();
  }

  /// (state, x) where `v` is `concat(state, x)` along the sequence (the importer's Concat:
  /// two insert_slices into an empty tensor) with `history` columns of state, static shapes.
  static std::optional<std::pair<Value, Value>> concatOf(Value v, int64_t history) {
    auto second = v.getDefiningOp<tensor::InsertSliceOp>();
    auto first = second ? second.getDest().getDefiningOp<tensor::InsertSliceOp>() : nullptr;
    if (!first || !first.getDest().getDefiningOp<tensor::EmptyOp>() || !second.hasUnitStride() ||
        !first.hasUnitStride())
      return std::nullopt;
    auto all = cast<RankedTensorType>(v.getType());
    auto stateType = first.getSourceType(), xType = second.getSourceType();
    if (!all.hasStaticShape() || !stateType.hasStaticShape() || !xType.hasStaticShape() ||
        all.getRank() != 3 ||
        stateType.getShape() != ArrayRef<int64_t>{all.getDimSize(0), all.getDimSize(1), history} ||
        xType.getDimSize(0) != all.getDimSize(0) || xType.getDimSize(1) != all.getDimSize(1) ||
        history + xType.getDimSize(2) != all.getDimSize(2) ||
        first.getStaticOffsets() != ArrayRef<int64_t>{0, 0, 0} ||
        second.getStaticOffsets() != ArrayRef<int64_t>{0, 0, history})
      return std::nullopt;
    return std::make_pair(first.getSource(), second.getSource());
  }

  /// The (C) bias that `add` adds to `conv` along the channels, or null.
  static Value biasOf(linalg::GenericOp add, Value conv) {
    std::optional<Elementwise> e = Elementwise::of(add->getResult(0));
    if (!e || add.getNumDpsInputs() != 2)
      return nullptr;
    Value bias;
    bool ok = commutes<arith::AddFOp>(
        e->yielded(), [&](Value v) { return e->same(v) == conv; },
        [&](Value v) {
          OpOperand *operand = e->input(v);
          if (!operand)
            return false;
          AffineMap channel = AffineMap::get(3, 0, getAffineDimExpr(1, add.getContext()));
          if (e->mapOf(operand) != channel)
            return false;
          bias = operand->get();
          return true;
        });
    return ok ? bias : nullptr;
  }

  /// Whether `slice` keeps positions [0, L) of all batches and channels, L the length of `x`:
  /// a dynamic size must be `tensor.dim` of `x`, or the size the convolution's output `init`
  /// was created with (less the `high` padding along L), which a valid convolution ties to `x`.
  static bool sliceToInputLength(tensor::ExtractSliceOp slice, Value x, Value init, int64_t high) {
    if (!slice.hasUnitStride() || slice.getSourceType().getRank() != 3 ||
        !llvm::all_of(slice.getMixedOffsets(), isZeroInteger))
      return false;
    auto xType = cast<RankedTensorType>(x.getType());
    auto empty = init.getDefiningOp<tensor::EmptyOp>();
    SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
    for (int64_t d = 0; d < 3; ++d) {
      std::optional<int64_t> size = getConstantIntValue(sizes[d]);
      if (!xType.isDynamicDim(d)) {
        if (size != xType.getDimSize(d))
          return false;
        continue;
      }
      auto value = dyn_cast_if_present<Value>(sizes[d]);
      if (!value)
        return false;
      auto dim = value.getDefiningOp<tensor::DimOp>();
      if (dim && dim.getSource() == x && getConstantIntValue(dim.getIndex()) == d)
        continue;
      if (!empty || !empty.getType().isDynamicDim(d))
        return false;
      Value created = empty.getDynamicSize(d);
      int64_t pad = d == 2 ? high : 0;
      if (pad == 0 ? created != value : offsetOf(created, value) != pad)
        return false;
    }
    return true;
  }
};

//===----------------------------------------------------------------------===//
// RMS norms
//===----------------------------------------------------------------------===//

/// The source of a reshape, or `v` itself.
Value throughReshape(Value v) {
  if (auto reshape = v.getDefiningOp<tensor::ReshapeOp>())
    return reshape.getSource();
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>())
    return expand.getSrc();
  if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>())
    return collapse.getSrc();
  return v;
}

/// `v / sqrt(mean(v^2 over the last dim) + eps)` as exported: Pow (or Mul), ReduceMean (sum,
/// then divide), Add eps, Sqrt, Reciprocal, Mul.
struct RmsMatch {
  Value x;
  double eps;
};

std::optional<RmsMatch> rmsOf(Value normed) {
  std::optional<Elementwise> n = Elementwise::of(normed);
  if (!n)
    return std::nullopt;
  auto type = cast<RankedTensorType>(normed.getType());
  int64_t rank = type.getRank();
  Value x, r;
  bool ok = commutes<arith::MulFOp>(
      n->yielded(), [&](Value v) { return static_cast<bool>(x = n->same(v)); },
      [&](Value v) {
        OpOperand *operand = n->input(v);
        if (!operand)
          return false;
        // (..., 1) broadcast along the last dimension.
        SmallVector<AffineExpr> exprs;
        for (int64_t d = 0; d + 1 < rank; ++d)
          exprs.push_back(getAffineDimExpr(d, v.getContext()));
        exprs.push_back(getAffineConstantExpr(0, v.getContext()));
        if (n->mapOf(operand) != AffineMap::get(rank, 0, exprs, v.getContext()))
          return false;
        r = operand->get();
        return true;
      });
  if (!ok)
    return std::nullopt;
  // r = 1 / sqrt(mean + eps)
  auto unary = [](Value t, auto &&check) -> Value {
    std::optional<Elementwise> e = Elementwise::of(t);
    if (!e || e->op.getNumDpsInputs() < 1)
      return nullptr;
    return check(*e);
  };
  Value sq = unary(r, [](const Elementwise &e) -> Value {
    auto div = e.yielded().getDefiningOp<arith::DivFOp>();
    return div && isConstant(div.getLhs(), 1.0) ? e.same(div.getRhs()) : nullptr;
  });
  Value shifted = sq ? unary(sq,
                             [](const Elementwise &e) -> Value {
                               auto sqrt = e.yielded().getDefiningOp<math::SqrtOp>();
                               return sqrt ? e.same(sqrt.getOperand()) : nullptr;
                             })
                     : nullptr;
  std::optional<double> eps;
  Value meanKept =
      shifted ? unary(shifted,
                      [&](const Elementwise &e) -> Value {
                        Value m;
                        bool found = commutes<arith::AddFOp>(
                            e.yielded(), [&](Value v) { return static_cast<bool>(m = e.same(v)); },
                            [&](Value v) { return static_cast<bool>(eps = constantOf(v, &e)); });
                        return found ? m : nullptr;
                      })
              : nullptr;
  if (!meanKept || !eps || !(*eps > 0.0))
    return std::nullopt;
  // mean = sum / D (the reshape adds the kept dimension).
  Value mean = throughReshape(meanKept);
  int64_t d = type.getDimSize(rank - 1);
  Value sum = unary(mean, [&](const Elementwise &e) -> Value {
    auto div = e.yielded().getDefiningOp<arith::DivFOp>();
    if (div && isConstant(div.getRhs(), static_cast<double>(d), &e))
      return e.same(div.getLhs());
    auto mul = e.yielded().getDefiningOp<arith::MulFOp>();
    if (mul && d > 0 && isConstant(mul.getRhs(), 1.0 / static_cast<double>(d), &e))
      return e.same(mul.getLhs());
    return nullptr;
  });
  if (!sum || ShapedType::isDynamic(d))
    return std::nullopt;
  // sum over the last dimension of x^2, from zero.
  Value squared = rowReductionOf(sum, 0.0, isSum);
  if (!squared)
    return std::nullopt;
  Value base = unary(squared, [](const Elementwise &e) -> Value {
    if (auto pow = e.yielded().getDefiningOp<math::PowFOp>())
      return isConstant(pow.getRhs(), 2.0, &e) ? e.same(pow.getLhs()) : nullptr;
    auto mul = e.yielded().getDefiningOp<arith::MulFOp>();
    return mul && mul.getLhs() == mul.getRhs() ? e.same(mul.getLhs()) : nullptr;
  });
  if (base != x)
    return std::nullopt;
  return RmsMatch{x, *eps};
}

/// `(y, z)` where `x = y * silu(z)` (all of one type), or nulls.
std::pair<Value, Value> gateOf(Value x) {
  std::optional<Elementwise> g = Elementwise::of(x);
  Value y, z;
  bool ok = g && commutes<arith::MulFOp>(
                     g->yielded(), [&](Value v) { return static_cast<bool>(y = g->same(v)); },
                     [&](Value v) {
                       Value s = g->same(v);
                       return s && (z = siluOf(s)) && z.getType() == x.getType();
                     });
  if (!ok || y.getType() != x.getType())
    return {nullptr, nullptr};
  return {y, z};
}

/// `w * rms(x)` -> `lm.rms_norm`; with `x = y * silu(z)` -> `ssm.gated_rms_norm` gated by z;
/// normalised in groups (`x` reshaped to (..., G, D/G) and back) -> its `group_size`.
struct RaiseRMSNorm : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    std::optional<Elementwise> e = Elementwise::of(op->getResult(0));
    if (!e || op.getNumDpsInputs() != 2)
      return failure();
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    int64_t rank = type.getRank();
    Value normed, w;
    bool ok = commutes<arith::MulFOp>(
        e->yielded(), [&](Value v) { return static_cast<bool>(normed = e->same(v)); },
        [&](Value v) {
          OpOperand *operand = e->input(v);
          AffineMap last = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, op.getContext()));
          if (!operand || e->mapOf(operand) != last)
            return false;
          w = operand->get();
          return true;
        });
    if (!ok || rank < 1)
      return rewriter.notifyMatchFailure(op, "not w * v");
    Value grouped = throughReshape(normed);
    std::optional<RmsMatch> rms = rmsOf(grouped);
    if (!rms)
      return rewriter.notifyMatchFailure(op, "not an RMS norm");
    Value x = rms->x;
    int64_t groupSize = 0;
    if (grouped != normed) {
      // (..., D) -> (..., G, D/G) -> norm -> (..., D): groups of the last dimension.
      auto groupedType = cast<RankedTensorType>(grouped.getType());
      Value source = throughReshape(x);
      if (source == x || source.getType() != type || groupedType.getRank() != rank + 1 ||
          !groupedType.hasStaticShape() || !type.hasStaticShape() ||
          groupedType.getShape().take_front(rank - 1) != type.getShape().take_front(rank - 1))
        return rewriter.notifyMatchFailure(op, "regrouped in an unknown way");
      groupSize = groupedType.getShape().back();
      x = source;
    }
    if (x.getType() != type || !isActivation(type))
      return rewriter.notifyMatchFailure(op, "norm of another shape or type");
    auto [y, z] = gateOf(x);
    FloatAttr eps = rewriter.getF32FloatAttr(static_cast<float>(rms->eps));
    if (!z && groupSize == 0) {
      rewriter.replaceOpWithNewOp<lm::RMSNormOp>(op, type, x, w, eps);
      return success();
    }
    rewriter.replaceOpWithNewOp<ssm::GatedRMSNormOp>(
        op, type, z ? y : x, w, z, eps, rewriter.getI64IntegerAttr(groupSize), UnitAttr());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Rotary embeddings
//===----------------------------------------------------------------------===//

/// `x` where `t = concat(-x[..., R/2:], x[..., :R/2])` along the last dimension: Llama's
/// `rotate_half`, as Slice, Neg and Concat become extract_slice, a negating generic and two
/// insert_slices.
Value rotateHalfOf(Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  int64_t rank = type.getRank(), r = type.getShape().back();
  if (!type.hasStaticShape() || r % 2 != 0)
    return nullptr;
  int64_t half = r / 2;
  // A slice of `x` at `offset` of width `half` along the last dim, whole along the others.
  auto halfOf = [&](Value v, int64_t offset) -> Value {
    auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !slice.hasUnitStride() || slice.getSourceType().getShape() != type.getShape() ||
        slice.getType().getShape().drop_back() != type.getShape().drop_back() ||
        slice.getType().getShape().back() != half)
      return nullptr;
    SmallVector<int64_t> offsets(rank, 0);
    offsets.back() = offset;
    return slice.getStaticOffsets() == ArrayRef<int64_t>(offsets) ? slice.getSource() : nullptr;
  };
  // Both halves written: [0, half) then [half, r).
  auto outer = t.getDefiningOp<tensor::InsertSliceOp>();
  auto inner = outer ? outer.getDest().getDefiningOp<tensor::InsertSliceOp>() : nullptr;
  auto at = [&](tensor::InsertSliceOp op, int64_t offset) {
    SmallVector<int64_t> offsets(rank, 0);
    offsets.back() = offset;
    return op.hasUnitStride() && op.getStaticOffsets() == ArrayRef<int64_t>(offsets) &&
           op.getSourceType().getShape().back() == half &&
           op.getSourceType().getShape().drop_back() == type.getShape().drop_back();
  };
  if (!inner || !at(inner, 0) || !at(outer, half))
    return nullptr;
  Value x = halfOf(outer.getSource(), 0);
  std::optional<Elementwise> neg = Elementwise::of(inner.getSource());
  auto negf = neg ? neg->yielded().getDefiningOp<arith::NegFOp>() : nullptr;
  Value second = negf ? neg->same(negf.getOperand()) : nullptr;
  if (!x || !second || halfOf(second, half) != x)
    return nullptr;
  return x;
}

/// The (1, L, R/2) table of a constant (1, .., 1, L, R) operand read through
/// `(d..) -> (0, .., 0, d_{n-2}, d_{n-1})` whose two halves along R are equal (Llama's
/// `cat(freqs, freqs)`), or null.
DenseFPElementsAttr halfTableOf(const Elementwise &e, OpOperand *operand) {
  auto type = cast<RankedTensorType>(operand->get().getType());
  int64_t rank = type.getRank();
  MLIRContext *context = type.getContext();
  DenseFPElementsAttr dense;
  if (rank < 2 || !type.hasStaticShape() || !matchPattern(operand->get(), m_Constant(&dense)) ||
      llvm::any_of(type.getShape().drop_back(2), [](int64_t d) { return d != 1; }))
    return nullptr;
  SmallVector<AffineExpr> exprs(rank - 2, getAffineConstantExpr(0, context));
  exprs.push_back(getAffineDimExpr(rank - 2, context));
  exprs.push_back(getAffineDimExpr(rank - 1, context));
  int64_t length = type.getShape()[rank - 2], r = type.getShape().back();
  if (e.mapOf(operand) != AffineMap::get(rank, 0, exprs, context) || r % 2 != 0)
    return nullptr;
  SmallVector<APFloat> values(dense.getValues<APFloat>()), table;
  for (int64_t l = 0; l < length; ++l)
    for (int64_t i = 0; i < r / 2; ++i) {
      const APFloat &first = values[l * r + i], &second = values[l * r + r / 2 + i];
      if (!first.bitwiseIsEqual(second))
        return nullptr;
      table.push_back(first);
    }
  auto tableType = RankedTensorType::get({1, length, r / 2}, type.getElementType());
  return DenseFPElementsAttr::get(tableType, table);
}

/// `x * cos + rotate_half(x) * sin` over (B, H, L, R) with constant tables -> `lm.rotary`.
struct RaiseRotary : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    std::optional<Elementwise> e = Elementwise::of(op->getResult(0));
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    if (!e || op.getNumDpsInputs() != 2 || type.getRank() != 4 || !isActivation(type))
      return failure();
    auto add = e->yielded().getDefiningOp<arith::AddFOp>();
    if (!add)
      return failure();
    // `t * table` with a constant RoPE table: `t` and the table's first half.
    auto product = [&](Value scalar) -> std::pair<Value, DenseFPElementsAttr> {
      Value t = e->same(scalar);
      std::optional<Elementwise> m = t ? Elementwise::of(t) : std::nullopt;
      auto mul = m ? m->yielded().getDefiningOp<arith::MulFOp>() : nullptr;
      if (!mul || m->op.getNumDpsInputs() != 2)
        return {};
      for (auto [a, b] : bothOrders(mul.getLhs(), mul.getRhs()))
        if (Value x = m->same(a); x && m->input(b) && !m->same(b))
          return {x, halfTableOf(*m, m->input(b))};
      return {};
    };
    for (auto [p, q] : bothOrders(add.getLhs(), add.getRhs())) {
      auto [x, cos] = product(p);
      auto [rotated, sin] = product(q);
      if (!x || !rotated || x.getType() != type || rotateHalfOf(rotated) != x || !cos || !sin ||
          cos.getType() != sin.getType() || cos.getType().getDimSize(1) != type.getDimSize(2))
        continue;
      Location loc = op.getLoc();
      Value cosTable = arith::ConstantOp::create(rewriter, loc, cos);
      Value sinTable = arith::ConstantOp::create(rewriter, loc, sin);
      rewriter.replaceOpWithNewOp<lm::RotaryOp>(op, type, x, cosTable, sinTable, UnitAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not x * cos + rotate_half(x) * sin");
  }
};

/// `lm.rms_norm(y * silu(z))` (ONNX's RMSNormalization on a gated input) ->
/// `ssm.gated_rms_norm y gate(z)`.
struct RaiseGatedRMSNormalization : OpRewritePattern<lm::RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(lm::RMSNormOp op, PatternRewriter &rewriter) const override {
    auto [y, z] = gateOf(op.getX());
    if (!z)
      return rewriter.notifyMatchFailure(op, "not gated by silu");
    rewriter.replaceOpWithNewOp<ssm::GatedRMSNormOp>(op, op.getType(), y, op.getW(), z,
                                                     op.getEpsAttr(), rewriter.getI64IntegerAttr(0),
                                                     UnitAttr());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// `(a, b)` where `t[b0,b1,i,j] = sum_k a[b0,b1,i,k] * b[b0,b1,k,j]`, from zero.
std::optional<std::pair<Value, Value>> batchMatmulOf(Value t) {
  auto op = t.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.getNumLoops() != 5 ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return std::nullopt;
  MLIRContext *c = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, c); };
  if (!hasMaps(op, {{d(0), d(1), d(2), d(4)}, {d(0), d(1), d(4), d(3)}, {d(0), d(1), d(2), d(3)}}))
    return std::nullopt;
  Block *body = op.getBody();
  Value acc = body->getArgument(2);
  bool ok = commutes<arith::AddFOp>(
      body->getTerminator()->getOperand(0), [&](Value v) { return v == acc; },
      [&](Value v) {
        return commutes<arith::MulFOp>(
            v, [&](Value a) { return a == body->getArgument(0); },
            [&](Value b) { return b == body->getArgument(1); });
      });
  if (!ok || !filledWith(op.getDpsInitOperand(0)->get(), 0.0))
    return std::nullopt;
  return std::pair(op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get());
}

/// The input of a generic that only moves elements: one input read through `map`, yielded as
/// it is, into an identity output.
Value movedBy(Value t, ArrayRef<AffineExpr> map) {
  auto op = t.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      op.getBody()->getTerminator()->getOperand(0) != op.getBody()->getArgument(0))
    return nullptr;
  SmallVector<AffineExpr> identity;
  for (unsigned i = 0; i < op.getNumLoops(); ++i)
    identity.push_back(getAffineDimExpr(i, op.getContext()));
  if (!hasMaps(op, {SmallVector<AffineExpr>(map), identity}))
    return nullptr;
  return op.getDpsInputOperand(0)->get();
}

/// `k (B, Hkv, S, D)` where `t` is HF's `repeat_kv(k, H / Hkv)`: (B, H, S, D), or flattened to
/// (B*H, S, D); `k` unsqueezed to (B, Hkv, 1, S, D) and broadcast along the new dimension, or
/// `k` itself when Hkv = H.
Value repeatedKvOf(Value t) {
  auto reshape = t.getDefiningOp<tensor::ReshapeOp>();
  Value source = reshape ? reshape.getSource() : t;
  ArrayRef<int64_t> shape = shapeOf(t);
  if (!cast<RankedTensorType>(t.getType()).hasStaticShape())
    return nullptr;
  MLIRContext *c = t.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, c); };
  Value k = source;
  if (Value unsqueezed = movedBy(source, {d(0), d(1), getAffineConstantExpr(0, c), d(3), d(4)})) {
    auto inner = unsqueezed.getDefiningOp<tensor::ReshapeOp>();
    if (!inner || shapeOf(unsqueezed)[2] != 1)
      return nullptr;
    k = inner.getSource();
  }
  ArrayRef<int64_t> ks = shapeOf(k);
  if (ks.size() != 4 || !cast<RankedTensorType>(k.getType()).hasStaticShape())
    return nullptr;
  int64_t elements = ShapedType::getNumElements(shape);
  int64_t rep = elements / ShapedType::getNumElements(ks);
  if (rep < 1 || rep * ShapedType::getNumElements(ks) != elements)
    return nullptr;
  // Rows of (B, Hkv, rep, S, D) in row-major order: head h = hkv * rep + r reads k[hkv].
  SmallVector<int64_t> heads{ks[0], ks[1] * rep, ks[2], ks[3]};
  SmallVector<int64_t> flat{ks[0] * ks[1] * rep, ks[2], ks[3]};
  if (shape != ArrayRef<int64_t>(heads) && shape != ArrayRef<int64_t>(flat))
    return nullptr;
  if (k == source && rep != 1)
    return nullptr;
  return k;
}

/// `(k, dk)` where `t (B, H, D, S)` is the keys transposed for `q @ k^T`: a transpose of the
/// repeated keys, on (B*H, S, D) then reshaped, or on (B, H, S, D).
Value keysOf(Value t) {
  MLIRContext *c = t.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, c); };
  if (Value r = movedBy(t, {d(0), d(1), d(3), d(2)}))
    return repeatedKvOf(r);
  auto reshape = t.getDefiningOp<tensor::ReshapeOp>();
  Value r = reshape ? movedBy(reshape.getSource(), {d(0), d(2), d(1)}) : nullptr;
  return r ? repeatedKvOf(r) : nullptr;
}

/// `x * c` for a constant scalar `c` (one side of torch's sqrt-split scale), or `x` and 1.
std::pair<Value, double> scaledOf(Value t) {
  std::optional<Elementwise> e = Elementwise::of(t);
  Value x;
  std::optional<double> c;
  if (e && commutes<arith::MulFOp>(
               e->yielded(), [&](Value v) { return static_cast<bool>(x = e->same(v)); },
               [&](Value v) { return static_cast<bool>(c = constantOf(v, &*e)); }))
    return {x, *c};
  return {t, 1.0};
}

/// The logits `s` where `p = softmax(s)` over the last dimension, as exported:
/// `exp(s - max(s)) / sum(exp(s - max(s)))`.
Value softmaxOf(Value p) {
  std::optional<Elementwise> e = Elementwise::of(p);
  auto div = e ? e->yielded().getDefiningOp<arith::DivFOp>() : nullptr;
  auto exp = div ? div.getLhs().getDefiningOp<math::ExpOp>() : nullptr;
  OpOperand *sumOperand = div ? e->input(div.getRhs()) : nullptr;
  Value shifted = exp ? e->same(exp.getOperand()) : nullptr;
  if (!shifted || !sumOperand)
    return nullptr;
  AffineMap rows = rowsMap(shapeOf(p).size(), p.getContext());
  if (e->mapOf(sumOperand) != rows ||
      rowReductionOf(sumOperand->get(), 0.0, [](Value y, Value acc, Value in) {
        auto add = y.getDefiningOp<arith::AddFOp>();
        auto x = add && add.getLhs() == acc ? add.getRhs().getDefiningOp<math::ExpOp>() : nullptr;
        return x && x.getOperand() == in;
      }) != shifted)
    return nullptr;
  std::optional<Elementwise> sub = Elementwise::of(shifted);
  auto subf = sub ? sub->yielded().getDefiningOp<arith::SubFOp>() : nullptr;
  Value s = subf ? sub->same(subf.getLhs()) : nullptr;
  OpOperand *maxOperand = subf ? sub->input(subf.getRhs()) : nullptr;
  if (!s || !maxOperand || sub->mapOf(maxOperand) != rows)
    return nullptr;
  auto isMax = [](Value y, Value acc, Value in) {
    return commutes<arith::MaximumFOp>(
        y, [&](Value v) { return v == acc; }, [&](Value v) { return v == in; });
  };
  Value maxOf = rowReductionOf(maxOperand->get(), -std::numeric_limits<double>::infinity(), isMax);
  return maxOf == s ? s : nullptr;
}

/// `p` where `t = isnan(p) ? 0 : p` (torch's guard for rows with every key masked).
Value nanToZeroOf(Value t) {
  std::optional<Elementwise> e = Elementwise::of(t);
  auto select = e ? e->yielded().getDefiningOp<arith::SelectOp>() : nullptr;
  if (!select || !isConstant(select.getTrueValue(), 0.0, &*e))
    return nullptr;
  Value p = e->same(select.getFalseValue()), isNan = e->same(select.getCondition());
  std::optional<Elementwise> n = isNan ? Elementwise::of(isNan) : std::nullopt;
  auto cmp = n ? n->yielded().getDefiningOp<arith::CmpFOp>() : nullptr;
  if (!p || !cmp || cmp.getPredicate() != arith::CmpFPredicate::UNO ||
      cmp.getLhs() != cmp.getRhs() || n->same(cmp.getLhs()) != p)
    return nullptr;
  return p;
}

/// torch's decomposed scaled-dot-product attention (opset < 23): `softmax(q' @ k'^T + mask) @
/// v'` with `q' = q * c1`, `k' = repeat_kv(k) * c2`, `v' = repeat_kv(v)`, and the NaN guard ->
/// `lm.attention` with scale `c1 * c2`, followed by the same guard on its output (a row with
/// every key masked gives zeros, not NaN).
struct RaiseAttention : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return failure();
    std::optional<std::pair<Value, Value>> pv = batchMatmulOf(op->getResult(0));
    if (!pv)
      return failure();
    Value guarded = nanToZeroOf(pv->first);
    Value logits = softmaxOf(guarded ? guarded : pv->first);
    if (!logits)
      return rewriter.notifyMatchFailure(op, "not softmax(..) @ v");
    Value mask, scores = logits;
    std::optional<Elementwise> m = Elementwise::of(logits);
    if (auto add = m ? m->yielded().getDefiningOp<arith::AddFOp>() : nullptr) {
      for (auto [a, b] : bothOrders(add.getLhs(), add.getRhs())) {
        OpOperand *maskOperand = m->input(b);
        if (m->same(a) && maskOperand && isBroadcast(m->mapOf(maskOperand), maskOperand->get())) {
          scores = m->same(a);
          mask = maskOperand->get();
          break;
        }
      }
    }
    std::optional<std::pair<Value, Value>> qk = batchMatmulOf(scores);
    if (!qk)
      return rewriter.notifyMatchFailure(op, "not q @ k^T");
    auto [q, qScale] = scaledOf(qk->first);
    auto [kt, kScale] = scaledOf(qk->second);
    Value k = keysOf(kt), v = repeatedKvOf(pv->second);
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    if (!k || !v || !isActivation(type) ||
        getElementTypeOrSelf(q.getType()) != getElementTypeOrSelf(k.getType()) ||
        getElementTypeOrSelf(v.getType()) != type.getElementType() ||
        getElementTypeOrSelf(q.getType()) != type.getElementType() || shapeOf(q).size() != 4 ||
        shapeOf(k)[1] != shapeOf(v)[1] || shapeOf(k)[2] != shapeOf(v)[2] ||
        shapeOf(q)[1] % shapeOf(k)[1] != 0 || !(qScale * kScale > 0.0))
      return rewriter.notifyMatchFailure(op, "keys, values or scale of another form");
    if (mask && getElementTypeOrSelf(mask.getType()) != type.getElementType())
      return rewriter.notifyMatchFailure(op, "mask of another type");
    Location loc = op.getLoc();
    auto kType = cast<RankedTensorType>(k.getType()), vType = cast<RankedTensorType>(v.getType());
    auto attention = lm::AttentionOp::create(
        rewriter, loc, type, kType, vType, q, k, v, mask, Value(), Value(), UnitAttr(),
        rewriter.getF32FloatAttr(static_cast<float>(qScale * kScale)),
        rewriter.getF32FloatAttr(0.0f));
    Value out = attention.getOut();
    if (guarded)
      out = zeroNaN(rewriter, loc, out);
    rewriter.replaceOp(op, out);
    return success();
  }

  /// Whether `map` reads `t` of the same rank, dimension i at loop i or at 0 where it is 1.
  static bool isBroadcast(AffineMap map, Value t) {
    ArrayRef<int64_t> shape = shapeOf(t);
    if (map.getNumResults() != shape.size() || map.getNumDims() != shape.size())
      return false;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (expr == getAffineDimExpr(i, map.getContext()))
        continue;
      auto c = dyn_cast<AffineConstantExpr>(expr);
      if (!c || c.getValue() != 0 || shape[i] != 1)
        return false;
    }
    return true;
  }

  static Value zeroNaN(PatternRewriter &rewriter, Location loc, Value out) {
    auto type = cast<RankedTensorType>(out.getType());
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> parallel(type.getRank(), utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               rewriter, loc, type, ValueRange{out}, ValueRange{init},
               ArrayRef<AffineMap>{identity, identity}, parallel,
               [](OpBuilder &b, Location l, ValueRange args) {
                 Value nan =
                     arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, args[0], args[0]);
                 Value zero =
                     arith::ConstantOp::create(b, l, b.getFloatAttr(args[0].getType(), 0.0));
                 linalg::YieldOp::create(b, l,
                                         Value(arith::SelectOp::create(b, l, nan, zero, args[0])));
               })
        .getResult(0);
  }
};

struct Raise : ssm::impl::SSMRaiseBase<Raise> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet activations(context), blocks(context);
    activations.add<RaiseSiLU, RaiseSoftplus, FoldNegativeSize>(context);
    activations.add<FoldSizeClamp<arith::MinSIOp, true>, FoldSizeClamp<arith::MaxSIOp, false>>(
        context);
    blocks.add<RaiseAttention, RaiseCausalConv, RaiseGatedRMSNormalization, RaiseRMSNorm,
               RaiseRotary>(context);
    ssm::populateRaiseSSDPatterns(blocks);
    FrozenRewritePatternSet first(std::move(activations)), second(std::move(blocks));
    if (failed(applyPatternsGreedily(getOperation(), first)) ||
        failed(applyPatternsGreedily(getOperation(), second)))
      return signalPassFailure();
  }
};

} // namespace
