//===- ContribOps.cpp - onnxruntime's com.microsoft sequence-model ops -----===//
//
// The com.microsoft ops that builder-made graphs (onnxruntime-genai, mobius) use for SSM and
// attention layers, onto the same ssm/lm ops as their standard forms. Each op takes the common
// CPU form of its schema (onnxruntime 1.32); attributes and inputs that select the CUDA-only
// extended paths, quantized caches, ragged batches or windowed states are rejected as
// unsupported, by name.
//
//===----------------------------------------------------------------------===//

#include "lib/Import/Importer.h"

#include "dialects/lm/LMOps.h"
#include "dialects/ssm/SSMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <initializer_list>

using namespace mlir;
using namespace ssmc;
using namespace ssmc::onnx_import;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Reports an unsupported value of an integer attribute unless it is one of `allowed`.
LogicalResult expectInt(NodeContext &ctx, StringRef name, int64_t dflt,
                        std::initializer_list<int64_t> allowed) {
  int64_t value = ctx.getInt(name, dflt);
  if (llvm::is_contained(allowed, value))
    return success();
  ctx.unsupported() << name << " = " << value << " is not supported";
  return failure();
}

/// Reports an unsupported optional input `i` when it is given.
LogicalResult expectAbsent(NodeContext &ctx, size_t i, StringRef name) {
  if (!ctx.hasInput(i))
    return success();
  ctx.unsupported() << "the " << name << " input is not supported";
  return failure();
}

LogicalResult emitCausalConvWithState(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  if (failed(expectInt(ctx, "ndim", 1, {1})) || failed(expectInt(ctx, "dilation", 1, {1})) ||
      failed(expectInt(ctx, "channels_last", 0, {0})) ||
      failed(expectInt(ctx, "state_channels_last", -1, {-1, 0})) ||
      failed(expectInt(ctx, "state_window", 0, {0})) ||
      failed(expectInt(ctx, "state_update_capacity", 0, {0})) ||
      failed(expectInt(ctx, "state_length", 0, {0})) ||
      failed(expectInt(ctx, "input_channel_offset", 0, {0})) ||
      failed(expectInt(ctx, "input_channels", 0, {0})))
    return failure();
  return emitCausalConv1d(ctx, results);
}

LogicalResult emitLinearAttentionContrib(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  if (failed(expectInt(ctx, "state_window", 0, {0})))
    return failure();
  int64_t hq = ctx.getInt("q_num_heads", 0), hkv = ctx.getInt("kv_num_heads", 0);
  if (hkv > hq && hq > 0) {
    ctx.unsupported() << "inverse grouped-query attention (kv_num_heads " << hkv
                      << " > q_num_heads " << hq << ") is not supported";
    return failure();
  }
  return emitLinearAttention(ctx, results);
}

/// y = rms_norm(input + skip (+ bias)) * gamma, and the sum as output 3.
LogicalResult emitSkipSimplifiedLayerNorm(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input"), skip = ctx.required(1, "skip"),
                   gamma = ctx.required(2, "gamma");
  if (failed(x) || failed(skip) || failed(gamma))
    return failure();
  if (ctx.wantsOutput(1) || ctx.wantsOutput(2)) {
    ctx.unsupported() << "the mean and inv_std_var outputs are not supported";
    return failure();
  }
  int64_t rank = typeOf(*x).getRank();
  if (rank != 2 && rank != 3) {
    ctx.error() << "input must be (B, S, hidden) or (tokens, hidden), got " << x->getType();
    return failure();
  }
  Type element = typeOf(*x).getElementType();
  for (Value v : {*skip, *gamma, ctx.input(3)}) {
    if (v && typeOf(v).getElementType() != element) {
      ctx.error() << "skip, gamma and bias must have the input's element type " << element;
      return failure();
    }
  }
  auto add = [](OpBuilder &b, Location loc, ValueRange a) -> Value {
    return arith::AddFOp::create(b, loc, a[0], a[1]);
  };
  FailureOr<Value> sum = elementwise(ctx, {*x, *skip}, element, add);
  if (succeeded(sum) && ctx.hasInput(3))
    sum = elementwise(ctx, {*sum, ctx.input(3)}, element, add);
  if (failed(sum))
    return failure();
  float eps = ctx.getFloat("epsilon", 1e-12f);
  if (!(eps > 0.0f)) {
    ctx.error() << "epsilon must be positive, got " << eps;
    return failure();
  }
  Value y = lm::RMSNormOp::create(ctx.b, ctx.loc, sum->getType(), *sum, *gamma,
                                  ctx.b.getF32FloatAttr(eps));
  results.append({y, Value(), Value(), *sum});
  return success();
}

/// Y = rms(X per group of C) * scale * act(gate), C the length of scale.
LogicalResult emitGatedRMSNormContrib(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "X"), scale = ctx.required(1, "scale"),
                   gate = ctx.required(2, "gate");
  if (failed(x) || failed(scale) || failed(gate))
    return failure();
  std::string activation = ctx.getString("activation", "silu");
  if (activation != "silu" && activation != "swish" && activation != "sigmoid") {
    ctx.error() << "activation must be silu, swish or sigmoid, got '" << activation << "'";
    return failure();
  }
  auto xType = typeOf(*x);
  if (xType.getRank() < 1 || typeOf(*scale).getRank() != 1 || typeOf(*gate) != xType) {
    ctx.error() << "X must have rank >= 1, scale be (C) and gate have X's type";
    return failure();
  }
  int64_t groupSize = typeOf(*scale).getDimSize(0);
  if (ShapedType::isDynamic(groupSize)) {
    ctx.unsupported() << "scale must have a static length";
    return failure();
  }
  int64_t width = xType.getDimSize(xType.getRank() - 1);
  if (!ShapedType::isDynamic(width) && width % groupSize != 0) {
    ctx.error() << "the last dimension of X (" << width << ") is not a multiple of the length of "
                << "scale (" << groupSize << ")";
    return failure();
  }
  float eps = ctx.getFloat("epsilon", 1e-5f);
  if (!(eps > 0.0f)) {
    ctx.error() << "epsilon must be positive, got " << eps;
    return failure();
  }
  OpBuilder &b = ctx.b;
  // ssm.gated_rms_norm takes a weight of X's last dimension: scale repeated per group.
  Value weight = *scale;
  if (width != groupSize) {
    SymInt total = symDim(b, ctx.loc, *x, xType.getRank() - 1);
    SymInt groups = symFloorDiv(b, ctx.loc, total, SymInt::of(groupSize));
    Value tiled = buildGeneric(b, ctx.loc, foldResults(ctx, {groups, SymInt::of(groupSize)}),
                               typeOf(*scale).getElementType(), *scale,
                               AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, b.getContext()),
                               [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    weight = reshapeTo(ctx, tiled, {total});
  }
  bool sigmoid = activation == "sigmoid";
  Value y = ssm::GatedRMSNormOp::create(b, ctx.loc, xType, *x, weight, sigmoid ? Value() : *gate,
                                        b.getF32FloatAttr(eps), b.getI64IntegerAttr(groupSize),
                                        sigmoid ? UnitAttr() : b.getUnitAttr());
  if (sigmoid) {
    Type element = xType.getElementType();
    FailureOr<Value> gated = elementwise(
        ctx, {y, *gate}, element, [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
          Type f32 = nb.getF32Type();
          Value z = castScalar(nb, loc, a[1], f32);
          Value one = arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(1.0f));
          Value e = math::ExpOp::create(nb, loc, arith::NegFOp::create(nb, loc, z));
          Value s = arith::DivFOp::create(nb, loc, one, arith::AddFOp::create(nb, loc, one, e));
          Value r = arith::MulFOp::create(nb, loc, castScalar(nb, loc, a[0], f32), s);
          return castScalar(nb, loc, r, element);
        });
    if (failed(gated))
      return failure();
    y = *gated;
  }
  results.push_back(y);
  return success();
}

/// The positions `offset + s` for s < `length`, as a (1, length) tensor of `type`; `offset`
/// is a (1) integer tensor.
Value offsetPositions(NodeContext &ctx, Value offset, OpFoldResult length, Type type) {
  OpBuilder &b = ctx.b;
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), length};
  AffineMap map = AffineMap::get(2, 0, {b.getAffineConstantExpr(0)}, b.getContext());
  return buildGeneric(b, ctx.loc, sizes, type, offset, map,
                      [type](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                        Value s = linalg::IndexOp::create(nb, loc, 1);
                        Value p = arith::IndexCastOp::create(nb, loc, type, s);
                        return arith::AddIOp::create(nb, loc, castScalar(nb, loc, a[0], type), p);
                      });
}

/// RotaryEmbedding(input, position_ids, cos_cache, sin_cache) of com.microsoft: position_ids
/// are (B, S) positions or a (1) offset of the whole sequence.
LogicalResult emitRotaryEmbeddingContrib(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> x = ctx.required(0, "input"), positions = ctx.required(1, "position_ids"),
                   cosCache = ctx.required(2, "cos_cache"), sinCache = ctx.required(3, "sin_cache");
  if (failed(x) || failed(positions) || failed(cosCache) || failed(sinCache))
    return failure();
  if (failed(expectInt(ctx, "is_packed_batching", 0, {0})))
    return failure();
  if (ctx.attr("scale") && ctx.getFloat("scale", 1.0f) != 1.0f) {
    ctx.unsupported() << "scale other than 1 is not supported";
    return failure();
  }
  if (typeOf(*cosCache).getRank() != 2 || typeOf(*sinCache) != typeOf(*cosCache)) {
    ctx.error() << "cos_cache and sin_cache must be one type, (max_position, R/2)";
    return failure();
  }
  int64_t rank = typeOf(*x).getRank();
  int64_t rotaryDim = ctx.getInt("rotary_embedding_dim", 0);
  int64_t heads = ctx.getInt("num_heads", 0);
  Value input = *x;
  if (rank == 3) {
    if (heads <= 0) {
      // Without num_heads the whole head rotates and the cache gives its size.
      int64_t half = typeOf(*cosCache).getDimSize(1);
      int64_t hidden = typeOf(*x).getDimSize(2);
      if (rotaryDim > 0 || ShapedType::isDynamic(half) || ShapedType::isDynamic(hidden) ||
          hidden % (2 * half) != 0) {
        ctx.error() << "a 3-D input needs num_heads, unless the head size is twice the "
                       "cache's static width and divides the hidden size";
        return failure();
      }
      heads = hidden / (2 * half);
    }
    input = splitHeads(ctx, input, heads);
  } else if (rank != 4) {
    ctx.error() << "input must be (B, S, hidden) or (B, H, S, D)";
    return failure();
  }
  Value pos = *positions;
  auto posType = typeOf(pos);
  if (!isa<IntegerType>(posType.getElementType())) {
    ctx.error() << "position_ids must be integers, got " << posType;
    return failure();
  }
  if (posType.getRank() == 1) {
    if (posType.getDimSize(0) != 1) {
      ctx.error() << "1-D position_ids must hold one offset, got " << posType;
      return failure();
    }
    pos = offsetPositions(ctx, pos, ctx.sizes(input)[2], posType.getElementType());
  } else if (posType.getRank() != 2) {
    ctx.error() << "position_ids must be (1) or (B, S), got " << posType;
    return failure();
  }
  SymInt half = rotaryDim > 0
                    ? SymInt::of(rotaryDim / 2)
                    : symFloorDiv(ctx.b, ctx.loc, symDim(ctx.b, ctx.loc, input, 3), SymInt::of(2));
  Value y =
      applyRotary(ctx, input, *cosCache, *sinCache, pos, half, ctx.getInt("interleaved", 0) != 0);
  if (rank == 3)
    y = mergeHeads(ctx, y);
  results.push_back(y);
  return success();
}

/// The columns [offset, offset + width) of the last dimension of `x`.
Value lastDimSlice(NodeContext &ctx, Value x, int64_t offset, int64_t width) {
  OpBuilder &b = ctx.b;
  int64_t rank = typeOf(x).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes = ctx.sizes(x),
                                                              strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(width);
  return tensor::ExtractSliceOp::create(b, ctx.loc, tensorType(sizes, typeOf(x).getElementType()),
                                        x, offsets, sizes, strides);
}

/// GroupQueryAttention onto lm.attention. lm.attention appends the new keys and values after
/// the whole past buffer, which is onnxruntime's layout when every batch entry has seen
/// exactly past + new tokens: the run checks that total_sequence_length and every
/// seqlens_k + 1 are that (no shared max-length buffer, no padded batches).
LogicalResult emitGroupQueryAttention(NodeContext &ctx, SmallVectorImpl<Value> &results) {
  FailureOr<Value> q = ctx.required(0, "query"), seqlens = ctx.required(5, "seqlens_k"),
                   total = ctx.required(6, "total_sequence_length");
  if (failed(q) || failed(seqlens) || failed(total))
    return failure();
  if (failed(expectInt(ctx, "local_window_size", -1, {-1})) ||
      failed(expectInt(ctx, "smooth_softmax", -1, {-1, 0})) ||
      failed(expectInt(ctx, "qk_output", 0, {0})) ||
      failed(expectInt(ctx, "sliding_window_cache", 0, {0})) ||
      failed(expectInt(ctx, "causal", 1, {0, 1})) || failed(expectAbsent(ctx, 11, "head_sink")) ||
      failed(expectAbsent(ctx, 12, "k_scale")) || failed(expectAbsent(ctx, 13, "v_scale")) ||
      failed(expectAbsent(ctx, 14, "q_norm_weight")) ||
      failed(expectAbsent(ctx, 15, "k_norm_weight")) ||
      failed(expectAbsent(ctx, 16, "query_seqlens")) ||
      // onnxruntime's CPU kernel reads only position_ids[0][0] for a prompt (and every row
      // for a decode step): not a per-token position that lm.rotary could be given.
      failed(expectAbsent(ctx, 9, "position_ids")))
    return failure();
  for (StringRef quant : {"k_quant_type", "v_quant_type"}) {
    if (ctx.getString(quant, "NONE") != "NONE") {
      ctx.unsupported() << "a quantized KV cache (" << quant << ") is not supported";
      return failure();
    }
  }
  if (ctx.wantsOutput(3)) {
    ctx.unsupported() << "the output_qk output is not supported";
    return failure();
  }
  int64_t hq = ctx.getInt("num_heads", 0), hkv = ctx.getInt("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0) {
    ctx.error() << "num_heads (" << hq << ") must be a positive multiple of kv_num_heads (" << hkv
                << ")";
    return failure();
  }
  auto qType = typeOf(*q);
  if (qType.getRank() != 3 || qType.isDynamicDim(2)) {
    ctx.error() << "query must be (B, S, hidden) with a static hidden size, got " << qType;
    return failure();
  }
  Value query = *q, key = ctx.input(1), value = ctx.input(2);
  if (static_cast<bool>(key) != static_cast<bool>(value)) {
    ctx.error() << "key and value must be given together";
    return failure();
  }
  if (!key) {
    // Packed (B, S, (Hq + 2 Hkv) * D).
    int64_t width = qType.getDimSize(2);
    if (width % (hq + 2 * hkv) != 0) {
      ctx.error() << "packed QKV of width " << width << " does not split into " << hq << " + 2 x "
                  << hkv << " heads";
      return failure();
    }
    int64_t headSize = width / (hq + 2 * hkv);
    query = lastDimSlice(ctx, *q, 0, hq * headSize);
    key = lastDimSlice(ctx, *q, hq * headSize, hkv * headSize);
    value = lastDimSlice(ctx, *q, (hq + hkv) * headSize, hkv * headSize);
  }
  for (auto [v, name] : {std::pair{key, "key"}, {value, "value"}}) {
    if (typeOf(v).getRank() != 3 || typeOf(v).getElementType() != qType.getElementType()) {
      ctx.error() << name << " must be (B, S, kv_hidden) of the query's element type, got "
                  << v.getType();
      return failure();
    }
  }
  Value pastKey = ctx.input(3), pastValue = ctx.input(4);
  if (static_cast<bool>(pastKey) != static_cast<bool>(pastValue)) {
    ctx.error() << "past_key and past_value must be given together";
    return failure();
  }

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  // The run-time layout checks.
  Value past = pastKey ? ctx.dim(pastKey, 2) : arith::ConstantIndexOp::create(b, loc, 0);
  Value steps = arith::AddIOp::create(b, loc, past, ctx.dim(query, 1));
  FailureOr<SmallVector<SymInt>> totals = ctx.importer.ints(ctx, *total, "total_sequence_length");
  if (failed(totals))
    return failure();
  if (totals->size() != 1) {
    ctx.error() << "total_sequence_length must hold one value";
    return failure();
  }
  Value totalValue = indexValue(b, loc, totals->front());
  ctx.check(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, totalValue, steps), totalValue,
            steps,
            "total_sequence_length must be the past length plus the new tokens (a shared "
            "max-length KV buffer is not supported)");
  auto seqType = typeOf(*seqlens);
  if (seqType.getRank() != 1 || !isa<IntegerType>(seqType.getElementType())) {
    ctx.error() << "seqlens_k must be (B) integers, got " << seqType;
    return failure();
  }
  Value last = arith::IndexCastOp::create(
      b, loc, b.getI64Type(),
      arith::SubIOp::create(b, loc, steps, arith::ConstantIndexOp::create(b, loc, 1)));
  // A seqlens_k that differs from past + new - 1, or that value when all agree.
  Value odd = buildReduction(
      b, loc, ctx.sizes(*seqlens), {true}, filledTensor(b, loc, {}, last), *seqlens,
      b.getMultiDimIdentityMap(1), [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value s = castScalar(nb, l, a[0], nb.getI64Type());
        Value ne = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, s, last);
        return arith::SelectOp::create(nb, l, ne, s, a[1]);
      });
  Value seen = tensor::ExtractOp::create(b, loc, odd, ValueRange{});
  ctx.check(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, seen, last), seen, last,
            "every seqlens_k must be the past length plus the new tokens minus 1 (padded "
            "batches are not supported)");

  query = splitHeads(ctx, query, hq);
  key = splitHeads(ctx, key, hkv);
  value = splitHeads(ctx, value, hkv);
  if (ctx.getInt("do_rotary", 0) != 0) {
    FailureOr<Value> cosCache = ctx.required(7, "cos_cache"),
                     sinCache = ctx.required(8, "sin_cache");
    if (failed(cosCache) || failed(sinCache))
      return failure();
    if (typeOf(*cosCache).getRank() != 2 || typeOf(*sinCache) != typeOf(*cosCache)) {
      ctx.error() << "cos_cache and sin_cache must be one type, (max_position, R/2)";
      return failure();
    }
    Value offset = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({1}, b.getI64Type()),
        ValueRange{arith::IndexCastOp::create(b, loc, b.getI64Type(), past)});
    Value positions = offsetPositions(ctx, offset, ctx.sizes(query)[2], b.getI64Type());
    SymInt half = symDim(b, loc, *cosCache, 1);
    bool interleaved = ctx.getInt("rotary_interleaved", 0) != 0;
    query = applyRotary(ctx, query, *cosCache, *sinCache, positions, half, interleaved);
    key = applyRotary(ctx, key, *cosCache, *sinCache, positions, half, interleaved);
  }

  Type element = qType.getElementType();
  auto qt = typeOf(query), kt = typeOf(key), vt = typeOf(value);
  int64_t pastSize = pastKey ? typeOf(pastKey).getDimSize(2) : 0;
  int64_t steps0 = ShapedType::isDynamic(pastSize) || kt.isDynamicDim(2)
                       ? ShapedType::kDynamic
                       : pastSize + kt.getDimSize(2);
  auto outType = RankedTensorType::get(
      {qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), vt.getDimSize(3)}, element);
  auto pkType = RankedTensorType::get(
      {kt.getDimSize(0), kt.getDimSize(1), steps0, kt.getDimSize(3)}, element);
  auto pvType = RankedTensorType::get(
      {vt.getDimSize(0), vt.getDimSize(1), steps0, vt.getDimSize(3)}, element);
  FloatAttr scale;
  if (ctx.attr("scale") && ctx.getFloat("scale", 0.0f) != 0.0f)
    scale = b.getF32FloatAttr(ctx.getFloat("scale", 0.0f));
  auto op = lm::AttentionOp::create(b, loc, outType, pkType, pvType, query, key, value,
                                    ctx.input(10), pastKey, pastValue,
                                    ctx.getInt("causal", 1) ? b.getUnitAttr() : UnitAttr(), scale,
                                    b.getF32FloatAttr(ctx.getFloat("softcap", 0.0f)));
  results.append({mergeHeads(ctx, op.getOut()), op.getPresentKey(), op.getPresentValue()});
  return success();
}

} // namespace

ArrayRef<OpEntry> ssmc::onnx_import::contribOps() {
  static const OpEntry ops[] = {
      {{"com.microsoft", "CausalConvWithState", 1,
        "ssm.causal_conv1d; ndim 1, dilation 1, channels first, no state window"},
       emitCausalConvWithState},
      {{"com.microsoft", "GatedRMSNorm", 1, "ssm.gated_rms_norm; silu, swish or sigmoid gate"},
       emitGatedRMSNormContrib},
      {{"com.microsoft", "GroupQueryAttention", 1,
        "lm.attention; run-time check: unpadded batch, past + new = total; no quantized cache, "
        "local window, head sink, q/k norm, position_ids"},
       emitGroupQueryAttention},
      {{"com.microsoft", "LinearAttention", 1,
        "scf.for over tokens of linalg; no state window, no inverse GQA"},
       emitLinearAttentionContrib},
      {{"com.microsoft", "RotaryEmbedding", 1, "lm.rotary; no packed batching"},
       emitRotaryEmbeddingContrib},
      {{"com.microsoft", "SkipSimplifiedLayerNormalization", 1,
        "add + lm.rms_norm; no mean/inv_std_var outputs"},
       emitSkipSimplifiedLayerNorm},
  };
  return ops;
}
