//===- LinearAttention.cpp - LinearAttention as a token-by-token recurrence ===//
//
// LinearAttention (ONNX opset 27, and com.microsoft's) keeps a state S (B, Hkv, dk, dv) per
// key/value head and runs, for each token t,
//
//   linear:       S = S + k_t v_t^T
//   gated:        S = exp(g_t) S + k_t v_t^T
//   delta:        S = S + beta_t k_t (v_t - S^T k_t)^T
//   gated_delta:  S = exp(g_t) S + beta_t k_t (v_t - exp(g_t) S^T k_t)^T
//   o_t = scale * q_t^T S                       (query head h reads state h / (Hq / Hkv))
//
// None of these is an ssm.ssd: the SSD state is fed dt * x with the same dt that scales A,
// while here the decay and the update are independent, so mapping one onto the other would
// divide v by the decay (inexact, and undefined where it is 0). The delta rules are not even
// elementwise recurrences (S^T k mixes the key dimension). So the importer lowers every rule
// to its definition: an scf.for over the tokens carrying S in f32 and the output, whose body is
// a few linalg.generics over (B, Hkv, dk, dv). Queries are grouped (B, T, Hkv, Hq/Hkv, dk) so
// that every indexing map stays a projection.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The slice of `x` at token `t` (dimension 1), without that dimension.
Value tokenSlice(NodeContext &ctx, Value x, Value t) {
  OpBuilder &b = ctx.b;
  int64_t rank = typeOf(x).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes = ctx.sizes(x),
                                                              strides(rank, b.getIndexAttr(1));
  offsets[1] = t;
  sizes[1] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> kept(sizes);
  kept.erase(kept.begin() + 1);
  return tensor::ExtractSliceOp::create(b, ctx.loc, tensorType(kept, typeOf(x).getElementType()), x,
                                        offsets, sizes, strides);
}

/// An affine map of `n` loop dimensions onto the dimensions `dims`.
AffineMap project(OpBuilder &b, unsigned n, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(n, 0, exprs, b.getContext());
}

Value toF32(OpBuilder &b, Location loc, Value v) { return castScalar(b, loc, v, b.getF32Type()); }

/// A linalg.generic that overwrites each element of `dest` with `body(inputs..., element)`.
/// Updating the loop-carried state in place keeps it in one buffer across iterations.
Value updateInPlace(OpBuilder &b, Location loc, Value dest, ValueRange inputs,
                    ArrayRef<AffineMap> maps, const BodyFn &body) {
  int64_t rank = typeOf(dest).getRank();
  SmallVector<AffineMap> all(maps);
  all.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{dest.getType()}, inputs, ValueRange{dest}, all,
                                iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
                                  linalg::YieldOp::create(nb, l, body(nb, l, args));
                                });
  return generic.getResult(0);
}

} // namespace

LogicalResult ssmc::onnx_import::emitLinearAttention(NodeContext &ctx,
                                                     SmallVectorImpl<Value> &results) {
  FailureOr<Value> q = ctx.required(0, "query"), k = ctx.required(1, "key"),
                   v = ctx.required(2, "value");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  std::string rule = ctx.getString("update_rule", "gated_delta");
  bool gated = rule == "gated" || rule == "gated_delta";
  bool delta = rule == "delta" || rule == "gated_delta";
  if (!gated && !delta && rule != "linear") {
    ctx.error() << "update_rule must be linear, gated, delta or gated_delta, got '" << rule << "'";
    return failure();
  }
  int64_t hq = ctx.getInt("q_num_heads", 0), hkv = ctx.getInt("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0) {
    ctx.error() << "q_num_heads (" << hq << ") must be a positive multiple of kv_num_heads (" << hkv
                << ")";
    return failure();
  }
  for (auto [value, name] : {std::pair{*q, "query"}, {*k, "key"}, {*v, "value"}}) {
    if (typeOf(value).getRank() != 3) {
      ctx.error() << name << " must be (B, T, heads * head_size), got " << value.getType();
      return failure();
    }
    if (typeOf(value).isDynamicDim(2)) {
      ctx.unsupported() << name << " must have a static last dimension, got " << value.getType();
      return failure();
    }
  }
  int64_t qWidth = typeOf(*q).getDimSize(2), kWidth = typeOf(*k).getDimSize(2),
          vWidth = typeOf(*v).getDimSize(2);
  if (qWidth % hq != 0 || kWidth % hkv != 0 || vWidth % hkv != 0 || qWidth / hq != kWidth / hkv) {
    ctx.error() << "query (" << qWidth << " = " << hq << " heads x dk), key (" << kWidth << " = "
                << hkv << " heads x dk) and value (" << vWidth << " = " << hkv
                << " heads x dv) do not split into heads of one dk";
    return failure();
  }
  int64_t dk = qWidth / hq, dv = vWidth / hkv, group = hq / hkv;

  Value past = ctx.input(3), decay = ctx.input(4), beta = ctx.input(5);
  // Every input's leading (B, T), or (B) for the state, is the query's.
  auto sameLeading = [&](Value x, StringRef name, int64_t count) {
    for (int64_t d = 0; d < count; ++d) {
      int64_t got = typeOf(x).getDimSize(d), want = typeOf(*q).getDimSize(d);
      if (!ShapedType::isDynamic(got) && !ShapedType::isDynamic(want) && got != want) {
        ctx.error() << name << " has size " << got << " in dimension " << d << ", the query "
                    << want;
        return false;
      }
      if (ShapedType::isDynamic(got) || ShapedType::isDynamic(want)) {
        Value x0 = ctx.dim(x, d), q0 = ctx.dim(*q, d);
        ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, x0, q0), x0, q0,
                  (name + " and query differ in a leading dimension").str());
      }
    }
    return true;
  };
  if (!sameLeading(*k, "key", 2) || !sameLeading(*v, "value", 2))
    return failure();
  if (past) {
    auto type = typeOf(past);
    int64_t want[] = {hkv, dk, dv};
    if (type.getRank() != 4 || llvm::any_of(llvm::seq<int64_t>(0, 3), [&](int64_t d) {
          return !type.isDynamicDim(d + 1) && type.getDimSize(d + 1) != want[d];
        })) {
      ctx.error() << "past_state must be (B, " << hkv << ", " << dk << ", " << dv << "), got "
                  << type;
      return failure();
    }
    if (!sameLeading(past, "past_state", 1))
      return failure();
  }
  // Per key dimension (B, T, Hkv*dk) or per head (B, T, Hkv).
  bool perKeyDecay = false;
  if (gated) {
    if (!decay) {
      ctx.error() << "update_rule '" << rule << "' needs the decay input";
      return failure();
    }
    auto type = typeOf(decay);
    int64_t width = type.getRank() == 3 ? type.getDimSize(2) : ShapedType::kDynamic;
    if (width != hkv * dk && width != hkv) {
      ctx.error() << "decay must be (B, T, " << hkv * dk << ") or (B, T, " << hkv << "), got "
                  << type;
      return failure();
    }
    perKeyDecay = width == hkv * dk && dk != 1;
    if (!sameLeading(decay, "decay", 2))
      return failure();
  }
  // Per head (B, T, Hkv) or one for all heads (B, T, 1).
  bool betaPerHead = false;
  if (delta) {
    if (!beta) {
      ctx.error() << "update_rule '" << rule << "' needs the beta input";
      return failure();
    }
    auto type = typeOf(beta);
    int64_t width = type.getRank() == 3 ? type.getDimSize(2) : ShapedType::kDynamic;
    if (width != hkv && width != 1) {
      ctx.error() << "beta must be (B, T, " << hkv << ") or (B, T, 1), got " << type;
      return failure();
    }
    betaPerHead = width == hkv && hkv != 1;
    if (!sameLeading(beta, "beta", 2))
      return failure();
  }
  float scale = ctx.getFloat("scale", 0.0f);
  if (scale == 0.0f)
    scale = 1.0f / std::sqrt(static_cast<float>(dk));

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type element = typeOf(*q).getElementType();
  Type f32 = b.getF32Type();
  SymInt batch = symDim(b, loc, *q, 0), tokens = symDim(b, loc, *q, 1);
  auto sym = [](int64_t c) { return SymInt::of(c); };
  Value query = reshapeTo(ctx, *q, {batch, tokens, sym(hkv), sym(group), sym(dk)});
  Value key = reshapeTo(ctx, *k, {batch, tokens, sym(hkv), sym(dk)});
  Value value = reshapeTo(ctx, *v, {batch, tokens, sym(hkv), sym(dv)});
  if (perKeyDecay)
    decay = reshapeTo(ctx, decay, {batch, tokens, sym(hkv), sym(dk)});

  SmallVector<OpFoldResult> stateSizes = foldResults(ctx, {batch, sym(hkv), sym(dk), sym(dv)});
  Value state = filledTensor(b, loc, stateSizes, ctx.scalar(f32, 0.0));
  if (past) {
    // The loop carries the state in the type its body computes.
    state = castTensor(b, loc, past, f32);
    if (state.getType() != tensorType(stateSizes, f32))
      state = tensor::CastOp::create(b, loc, tensorType(stateSizes, f32), state);
  }
  Value output = emptyTensor(
      b, loc, foldResults(ctx, {batch, tokens, sym(hkv), sym(group), sym(dv)}), element);

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, zero, ctx.dim(*q, 1), one, ValueRange{state, output});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value s = loop.getRegionIterArgs()[0], out = loop.getRegionIterArgs()[1];
    Value qt = tokenSlice(ctx, query, t); // (B, Hkv, G, dk)
    Value kt = tokenSlice(ctx, key, t);   // (B, Hkv, dk)
    Value vt = tokenSlice(ctx, value, t); // (B, Hkv, dv)
    // Loops over the state: (b, h, i, j) with i < dk, j < dv.
    if (gated) {
      Value gt = tokenSlice(ctx, decay, t);
      AffineMap gMap = perKeyDecay ? project(b, 4, {0, 1, 2}) : project(b, 4, {0, 1});
      s = updateInPlace(b, loc, s, gt, gMap, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value g = math::ExpOp::create(nb, l, toF32(nb, l, a[0]));
        return arith::MulFOp::create(nb, l, g, a[1]);
      });
    }
    Value update;
    if (delta) {
      // u = S^T k over (b, h, j, i), reducing i.
      Value init =
          filledTensor(b, loc, foldResults(ctx, {batch, sym(hkv), sym(dv)}), ctx.scalar(f32, 0.0));
      Value u = buildReduction(b, loc, foldResults(ctx, {batch, sym(hkv), sym(dv), sym(dk)}),
                               {false, false, false, true}, init, {s, kt},
                               {project(b, 4, {0, 1, 3, 2}), project(b, 4, {0, 1, 3})},
                               [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                 Value p = arith::MulFOp::create(nb, l, a[0], toF32(nb, l, a[1]));
                                 return arith::AddFOp::create(nb, l, a[2], p);
                               });
      Value bt = tokenSlice(ctx, beta, t);
      AffineMap betaMap =
          betaPerHead ? project(b, 4, {0, 1})
                      : AffineMap::get(4, 0, {b.getAffineDimExpr(0), b.getAffineConstantExpr(0)},
                                       b.getContext());
      update = updateInPlace(
          b, loc, s, {kt, vt, u, bt},
          {project(b, 4, {0, 1, 2}), project(b, 4, {0, 1, 3}), project(b, 4, {0, 1, 3}), betaMap},
          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value err = arith::SubFOp::create(nb, l, toF32(nb, l, a[1]), a[2]);
            Value rate = arith::MulFOp::create(nb, l, toF32(nb, l, a[3]), toF32(nb, l, a[0]));
            return arith::AddFOp::create(nb, l, a[4], arith::MulFOp::create(nb, l, rate, err));
          });
    } else {
      update =
          updateInPlace(b, loc, s, {kt, vt}, {project(b, 4, {0, 1, 2}), project(b, 4, {0, 1, 3})},
                        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          Value kv =
                              arith::MulFOp::create(nb, l, toF32(nb, l, a[0]), toF32(nb, l, a[1]));
                          return arith::AddFOp::create(nb, l, a[2], kv);
                        });
    }
    // o = scale * q^T S over (b, h, g, j, i), reducing i.
    SmallVector<OpFoldResult> oSizes = foldResults(ctx, {batch, sym(hkv), sym(group), sym(dv)});
    Value oInit = filledTensor(b, loc, oSizes, ctx.scalar(f32, 0.0));
    Value o =
        buildReduction(b, loc, foldResults(ctx, {batch, sym(hkv), sym(group), sym(dv), sym(dk)}),
                       {false, false, false, false, true}, oInit, {qt, update},
                       {project(b, 5, {0, 1, 2, 4}), project(b, 5, {0, 1, 4, 3})},
                       [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         Value p = arith::MulFOp::create(nb, l, toF32(nb, l, a[0]), a[1]);
                         return arith::AddFOp::create(nb, l, a[2], p);
                       });
    Value scaleValue = ctx.scalar(f32, scale);
    o = buildGeneric(b, loc, oSizes, element, o, b.getMultiDimIdentityMap(4),
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return castScalar(nb, l, arith::MulFOp::create(nb, l, a[0], scaleValue),
                                         element);
                     });
    SmallVector<OpFoldResult> offsets(5, b.getIndexAttr(0)), sizes = ctx.sizes(out),
                                                             strides(5, b.getIndexAttr(1));
    offsets[1] = t;
    sizes[1] = b.getIndexAttr(1);
    out = tensor::InsertSliceOp::create(b, loc, o, out, offsets, sizes, strides);
    scf::YieldOp::create(b, loc, ValueRange{update, out});
  }
  Value merged = reshapeTo(ctx, loop.getResult(1), {batch, tokens, sym(hq * dv)});
  Type stateElement = past ? typeOf(past).getElementType() : element;
  results.append({merged, castTensor(b, loc, loop.getResult(0), stateElement)});
  return success();
}
