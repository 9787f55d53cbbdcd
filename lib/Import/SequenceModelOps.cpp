//===- SequenceModelOps.cpp - the ssm domain and ONNX's sequence-model ops ===//
//
// The `ssm` ONNX domain (ONNX.md) maps one to one onto the ssm dialect: layouts follow
// mamba_ssm's functional APIs, the parameters the dialect keeps in f32 (A, D, biases) are
// converted, and 3-D B/C of the selective scan become one group. ONNX's Attention (opset 23)
// becomes lm.attention, and CausalConvWithState (opset 27), whose layouts and (B, C, K-1)
// states are ssm.CausalConv1d's, ssm.causal_conv1d.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "dialects/lm/LMOps.h"
#include "dialects/ssm/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "onnx/onnx_pb.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

int64_t dimOf(Value v, int64_t d) { return typeOf(v).getDimSize(d); }

/// `v` in f32 (the dialect's parameter type), or null when absent.
Value asF32(NodeContext &ctx, Value v) {
  return v ? castTensor(ctx.b, ctx.loc, v, ctx.b.getF32Type()) : Value();
}

/// Checks the rank of an input and names it in the error.
LogicalResult expectRank(NodeContext &ctx, Value v, int64_t rank, StringRef name,
                         StringRef layout) {
  if (!v || typeOf(v).getRank() == rank)
    return success();
  ctx.error() << name << " must be " << layout << " (rank " << rank << "), got " << v.getType();
  return failure();
}

LogicalResult emitSelectiveScan(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> u = ctx.required(0, "u"), delta = ctx.required(1, "delta"),
                   A = ctx.required(2, "A"), B = ctx.required(3, "B"), C = ctx.required(4, "C");
  if (failed(u) || failed(delta) || failed(A) || failed(B) || failed(C))
    return failure();
  if (failed(expectRank(ctx, *u, 3, "u", "(B, D, L)")) ||
      failed(expectRank(ctx, *A, 2, "A", "(D, N)")))
    return failure();
  Value b3 = *B, c3 = *C;
  // (B, N, L): one group.
  auto oneGroup = [&](Value v) {
    SmallVector<SymInt> s = symSizes(ctx, v);
    return reshapeTo(ctx, v, {s[0], SymInt::of(1), s[1], s[2]});
  };
  if (typeOf(b3).getRank() == 3)
    b3 = oneGroup(b3);
  if (typeOf(c3).getRank() == 3)
    c3 = oneGroup(c3);
  auto yType = typeOf(*u);
  auto hType =
      RankedTensorType::get({dimOf(*u, 0), dimOf(*u, 1), dimOf(*A, 1)}, ctx.b.getF32Type());
  UnitAttr softplus = ctx.getInt("delta_softplus", 0) ? ctx.b.getUnitAttr() : UnitAttr();
  auto op = ssm::SelectiveScanOp::create(
      ctx.b, ctx.loc, yType, hType, *u, *delta, asF32(ctx, *A), b3, c3, asF32(ctx, ctx.input(5)),
      ctx.input(6), asF32(ctx, ctx.input(7)), asF32(ctx, ctx.input(8)), softplus);
  results.append({op.getY(), op.getHLast()});
  return success();
}

LogicalResult emitSSDChunkScan(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "x"), dt = ctx.required(1, "dt"), A = ctx.required(2, "A"),
                   B = ctx.required(3, "B"), C = ctx.required(4, "C");
  if (failed(x) || failed(dt) || failed(A) || failed(B) || failed(C))
    return failure();
  if (failed(expectRank(ctx, *x, 4, "x", "(B, L, H, P)")) ||
      failed(expectRank(ctx, *B, 4, "B", "(B, L, G, N)")))
    return failure();
  auto yType = typeOf(*x);
  auto sType = RankedTensorType::get({dimOf(*x, 0), dimOf(*x, 2), dimOf(*x, 3), dimOf(*B, 3)},
                                     ctx.b.getF32Type());
  OpBuilder &b = ctx.b;
  UnitAttr softplus = ctx.getInt("dt_softplus", 0) ? b.getUnitAttr() : UnitAttr();
  float lo = ctx.getFloat("dt_limit_min", 0.0f);
  float hi = ctx.getFloat("dt_limit_max", std::numeric_limits<float>::infinity());
  int64_t chunk = ctx.getInt("chunk_size", 256);
  if (chunk <= 0) {
    ctx.error() << "chunk_size must be positive, got " << chunk;
    return failure();
  }
  auto op = ssm::SSDOp::create(b, ctx.loc, yType, sType, *x, *dt, asF32(ctx, *A), *B, *C,
                               asF32(ctx, ctx.input(5)), ctx.input(6), asF32(ctx, ctx.input(7)),
                               asF32(ctx, ctx.input(8)), softplus, b.getF32FloatAttr(lo),
                               b.getF32FloatAttr(hi), b.getI64IntegerAttr(chunk));
  results.append({op.getY(), op.getFinalState()});
  return success();
}

} // namespace

LogicalResult ssmc::onnx_import::emitCausalConv1d(NodeContext &ctx,
                                                  SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "x"), w = ctx.required(1, "weight");
  if (failed(x) || failed(w))
    return failure();
  if (failed(expectRank(ctx, *x, 3, "x", "(B, C, L)")))
    return failure();
  Value weight = *w;
  if (typeOf(weight).getRank() == 3) {
    SmallVector<SymInt> s = symSizes(ctx, weight);
    if (failed(expectRank(ctx, weight, 3, "weight", "(C, 1, K)")))
      return failure();
    weight = reshapeTo(ctx, weight, {s[0], s[2]});
  }
  if (typeOf(weight).getRank() != 2) {
    ctx.error() << "weight must be (C, K) or (C, 1, K), got " << w->getType();
    return failure();
  }
  std::string activation = ctx.getString("activation", "none");
  ssm::Activation act;
  if (activation == "none")
    act = ssm::Activation::none;
  else if (activation == "silu" || activation == "swish")
    act = ssm::Activation::silu;
  else {
    ctx.error() << "activation must be none, silu or swish, got '" << activation << "'";
    return failure();
  }
  auto yType = typeOf(*x);
  int64_t k = dimOf(weight, 1);
  auto stateType = RankedTensorType::get(
      {dimOf(*x, 0), dimOf(*x, 1), ShapedType::isDynamic(k) ? k : k - 1}, yType.getElementType());
  Value state = ctx.input(3);
  if (state)
    state = castTensor(ctx.b, ctx.loc, state, yType.getElementType());
  auto op = ssm::CausalConv1dOp::create(ctx.b, ctx.loc, yType, stateType, *x, weight, ctx.input(2),
                                        state, ssm::ActivationAttr::get(ctx.b.getContext(), act));
  results.append({op.getY(), op.getFinalState()});
  return success();
}

namespace {

LogicalResult emitGatedRMSNorm(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "x"), w = ctx.required(1, "weight");
  if (failed(x) || failed(w))
    return failure();
  if (ctx.hasInput(3)) {
    ctx.unsupported() << "a bias is not supported";
    return failure();
  }
  std::string activation = ctx.getString("activation", "silu");
  if (activation != "silu") {
    ctx.unsupported() << "only the silu gate is supported, got '" << activation << "'";
    return failure();
  }
  float eps = ctx.getFloat("epsilon", 1e-5f);
  UnitAttr before = ctx.getInt("norm_before_gate", 0) ? ctx.b.getUnitAttr() : UnitAttr();
  results.push_back(ssm::GatedRMSNormOp::create(
      ctx.b, ctx.loc, typeOf(*x), *x, *w, ctx.input(2), ctx.b.getF32FloatAttr(eps),
      ctx.b.getI64IntegerAttr(ctx.getInt("group_size", 0)), before));
  return success();
}

} // namespace

Value ssmc::onnx_import::splitHeads(NodeContext &ctx, Value x, int64_t heads) {
  SmallVector<SymInt> s = symSizes(ctx, x);
  SymInt headDim = symFloorDiv(ctx.b, ctx.loc, s[2], SymInt::of(heads));
  Value r = reshapeTo(ctx, x, {s[0], s[1], SymInt::of(heads), headDim});
  SmallVector<OpFoldResult> sizes = ctx.sizes(r);
  std::swap(sizes[1], sizes[2]);
  AffineMap map = AffineMap::getPermutationMap(ArrayRef<unsigned>{0, 2, 1, 3}, ctx.b.getContext());
  return buildGeneric(ctx.b, ctx.loc, sizes, typeOf(x).getElementType(), r, map,
                      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value ssmc::onnx_import::mergeHeads(NodeContext &ctx, Value x) {
  SmallVector<OpFoldResult> sizes = ctx.sizes(x);
  std::swap(sizes[1], sizes[2]);
  AffineMap map = AffineMap::getPermutationMap(ArrayRef<unsigned>{0, 2, 1, 3}, ctx.b.getContext());
  Value t = buildGeneric(ctx.b, ctx.loc, sizes, typeOf(x).getElementType(), x, map,
                         [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  SmallVector<SymInt> s = symSizes(ctx, t);
  return reshapeTo(ctx, t, {s[0], s[1], symMul(ctx.b, ctx.loc, s[2], s[3])});
}

namespace {

LogicalResult emitAttention(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> q = ctx.required(0, "Q"), k = ctx.required(1, "K"), v = ctx.required(2, "V");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  if (ctx.wantsOutput(3) || ctx.getInt("qk_matmul_output_mode", 0) != 0) {
    ctx.unsupported() << "the qk_matmul_output output is not supported";
    return failure();
  }
  if (ctx.hasInput(6)) {
    ctx.unsupported() << "nonpad_kv_seqlen is not supported";
    return failure();
  }
  int64_t rank = typeOf(*q).getRank();
  Value query = *q, key = *k, value = *v;
  if (rank == 3) {
    int64_t qHeads = ctx.getInt("q_num_heads", 0), kvHeads = ctx.getInt("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0) {
      ctx.error() << "3-D inputs need q_num_heads and kv_num_heads";
      return failure();
    }
    query = splitHeads(ctx, query, qHeads);
    key = splitHeads(ctx, key, kvHeads);
    value = splitHeads(ctx, value, kvHeads);
  } else if (rank != 4) {
    ctx.error() << "Q must be (B, H, S, D) or (B, S, H*D)";
    return failure();
  }
  Value pastKey = ctx.input(4), pastValue = ctx.input(5);
  bool causal = ctx.getInt("is_causal", 0) != 0;
  if (causal && pastKey) {
    // ONNX aligns the causal mask to the top left; lm.attention to the bottom right (the
    // cached steps come first). They agree only without a cache.
    ctx.unsupported() << "is_causal together with a KV cache is not supported";
    return failure();
  }
  if (static_cast<bool>(pastKey) != static_cast<bool>(pastValue)) {
    ctx.error() << "past_key and past_value must be given together";
    return failure();
  }
  Type element = typeOf(query).getElementType();
  auto qt = typeOf(query), kt = typeOf(key), vt = typeOf(value);
  int64_t past = pastKey ? dimOf(pastKey, 2) : 0;
  int64_t total = ShapedType::isDynamic(past) || kt.isDynamicDim(2) ? ShapedType::kDynamic
                                                                    : past + kt.getDimSize(2);
  auto outType = RankedTensorType::get(
      {qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), vt.getDimSize(3)}, element);
  auto pkType =
      RankedTensorType::get({kt.getDimSize(0), kt.getDimSize(1), total, kt.getDimSize(3)}, element);
  auto pvType =
      RankedTensorType::get({vt.getDimSize(0), vt.getDimSize(1), total, vt.getDimSize(3)}, element);
  FloatAttr scale;
  if (ctx.attr("scale"))
    scale = ctx.b.getF32FloatAttr(ctx.getFloat("scale", 1.0f));
  auto op = lm::AttentionOp::create(ctx.b, ctx.loc, outType, pkType, pvType, query, key, value,
                                    ctx.input(3), pastKey, pastValue,
                                    causal ? ctx.b.getUnitAttr() : UnitAttr(), scale,
                                    ctx.b.getF32FloatAttr(ctx.getFloat("softcap", 0.0f)));
  Value out = op.getOut();
  if (rank == 3)
    out = mergeHeads(ctx, out);
  results.append({out, op.getPresentKey(), op.getPresentValue()});
  return success();
}

/// The first `half` entries of the last dim of cos/sin, gathered at `positions` (B, S) when
/// given: (B or 1, S, half).
Value rotaryTable(NodeContext &ctx, Value cache, Value positions, SymInt half) {
  OpBuilder &b = ctx.b;
  Type element = typeOf(cache).getElementType();
  if (!positions) {
    SmallVector<SymInt> s = symSizes(ctx, cache);
    if (s.back().isConstant() && half.isConstant() && *s.back().constant == *half.constant)
      return cache;
    SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes = ctx.sizes(cache),
                                                             strides(3, b.getIndexAttr(1));
    sizes[2] = toFoldResult(b, half);
    return tensor::ExtractSliceOp::create(b, ctx.loc, tensorType(sizes, element), cache, offsets,
                                          sizes, strides);
  }
  SmallVector<OpFoldResult> sizes = ctx.sizes(positions);
  sizes.push_back(toFoldResult(b, half));
  Value rows = ctx.dim(cache, 0);
  AffineMap map =
      AffineMap::get(3, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, b.getContext());
  return buildGeneric(
      b, ctx.loc, sizes, element, positions, map,
      [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
        Value p = arith::IndexCastOp::create(nb, loc, nb.getIndexType(), a[0]);
        Value last =
            arith::SubIOp::create(nb, loc, rows, arith::ConstantIndexOp::create(nb, loc, 1));
        p = arith::MinSIOp::create(
            nb, loc, arith::MaxSIOp::create(nb, loc, p, arith::ConstantIndexOp::create(nb, loc, 0)),
            last);
        return tensor::ExtractOp::create(nb, loc, cache,
                                         ValueRange{p, linalg::IndexOp::create(nb, loc, 2)});
      });
}

} // namespace

Value ssmc::onnx_import::applyRotary(NodeContext &ctx, Value x, Value cosCache, Value sinCache,
                                     Value positions, SymInt half, bool interleaved) {
  Value cos = rotaryTable(ctx, cosCache, positions, half);
  Value sin = rotaryTable(ctx, sinCache, positions, half);
  return lm::RotaryOp::create(ctx.b, ctx.loc, x.getType(), x, cos, sin,
                              interleaved ? ctx.b.getUnitAttr() : UnitAttr());
}

namespace {

LogicalResult emitRotaryEmbedding(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X"), cosCache = ctx.required(1, "cos_cache"),
                   sinCache = ctx.required(2, "sin_cache");
  if (failed(x) || failed(cosCache) || failed(sinCache))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  Value input = *x;
  if (rank == 3) {
    int64_t heads = ctx.getInt("num_heads", 0);
    if (heads <= 0) {
      ctx.error() << "a 3-D input needs num_heads";
      return failure();
    }
    input = splitHeads(ctx, input, heads);
  } else if (rank != 4) {
    ctx.error() << "X must be (B, H, S, D) or (B, S, H*D)";
    return failure();
  }
  Value positions = ctx.input(3);
  int64_t cacheRank = positions ? 2 : 3;
  if (typeOf(*cosCache).getRank() != cacheRank || typeOf(*sinCache) != typeOf(*cosCache)) {
    ctx.error() << "cos_cache and sin_cache must be one type, (max_position, R/2) with "
                   "position_ids or (B, S, R/2) without";
    return failure();
  }
  int64_t rotary = ctx.getInt("rotary_embedding_dim", 0);
  SymInt half = rotary > 0
                    ? SymInt::of(rotary / 2)
                    : symFloorDiv(ctx.b, ctx.loc, symDim(ctx.b, ctx.loc, input, 3), SymInt::of(2));
  Value y = applyRotary(ctx, input, *cosCache, *sinCache, positions, half,
                        ctx.getInt("interleaved", 0) != 0);
  if (rank == 3)
    y = mergeHeads(ctx, y);
  results.push_back(y);
  return success();
}

} // namespace

ArrayRef<OpEntry> ssmc::onnx_import::sequenceModelOps() {
  static const OpEntry ops[] = {
      {{"", "Attention", 23, "lm.attention; no qk_matmul_output, no causal mask with a cache"},
       emitAttention},
      {{"", "CausalConvWithState", 27, "ssm.causal_conv1d"}, emitCausalConv1d},
      {{"", "LinearAttention", 27, "scf.for over tokens of linalg (every update_rule)"},
       emitLinearAttention},
      {{"", "RotaryEmbedding", 23, "lm.rotary"}, emitRotaryEmbedding},
      {{"ssm", "CausalConv1d", 1, "ssm.causal_conv1d"}, emitCausalConv1d},
      {{"ssm", "GatedRMSNorm", 1, "ssm.gated_rms_norm; silu gate, no bias"}, emitGatedRMSNorm},
      {{"ssm", "SSDChunkScan", 1, "ssm.ssd"}, emitSSDChunkScan},
      {{"ssm", "SelectiveScan", 1, "ssm.selective_scan"}, emitSelectiveScan},
  };
  return ops;
}
