//===- LMToLoops.cpp - the lm ops as memref loop nests --------------------===//
//
// Attention runs one query row per parallel iteration with an online softmax (one pass over
// the keys, no score matrix in memory); the key/value cache is concatenated into the present
// buffers first and attention reads from them.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoopEmitter.h"
#include "passes/Conversion/LowerToLoops.h"

#include "dialects/lm/LMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lm;
using namespace mlir::ssm;

namespace {

/// Copies `src (B, H, L, D)` into `dest[:, :, offset : offset + L, :]`.
void copyIntoSequence(OpBuilder &b, Location loc, Value src, Value dest, Value offset) {
  Emitter e(b, loc);
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < 4; ++i)
    sizes.push_back(e.dim(src, i));
  buildParallel(b, loc, sizes, [&](OpBuilder &pb, Location pl, ValueRange ivs) {
    Emitter k(pb, pl);
    Value v = memref::LoadOp::create(pb, pl, src, ivs);
    memref::StoreOp::create(pb, pl, v, dest,
                            ValueRange{ivs[0], ivs[1], k.addi(ivs[2], offset), ivs[3]});
  });
}

struct LowerAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "lm.attention");
    Value q = bufferOf(rewriter, loc, op.getQ()), k = bufferOf(rewriter, loc, op.getK());
    Value v = bufferOf(rewriter, loc, op.getV());
    Value mask = op.getMask() ? bufferOf(rewriter, loc, op.getMask()) : Value();
    Value pastK = op.getPastKey() ? bufferOf(rewriter, loc, op.getPastKey()) : Value();
    Value pastV = op.getPastValue() ? bufferOf(rewriter, loc, op.getPastValue()) : Value();

    check.equalDims(k, 0, "k", q, 0, "q");
    check.equalDims(k, 3, "k", q, 3, "q");
    for (int64_t i = 0; i < 3; ++i)
      check.equalDims(v, i, "v", k, i, "k");
    Value batch = e.dim(q, 0), hq = e.dim(q, 1), lq = e.dim(q, 2), dk = e.dim(q, 3);
    Value hkv = e.dim(k, 1), lk = e.dim(k, 2), dv = e.dim(v, 3);
    if (cast<ShapedType>(q.getType()).isDynamicDim(1) ||
        cast<ShapedType>(k.getType()).isDynamicDim(1))
      check.divides(hkv, hq, "the key/value heads Hkv must divide the query heads Hq");
    Value lp = e.index(0);
    if (pastK) {
      for (int64_t i = 0; i < 2; ++i) {
        check.equalDims(pastK, i, "past_key", k, i, "k");
        check.equalDims(pastV, i, "past_value", k, i, "k");
      }
      check.equalDims(pastV, 2, "past_value", pastK, 2, "past_key");
      check.equalDims(pastK, 3, "past_key", k, 3, "k");
      check.equalDims(pastV, 3, "past_value", v, 3, "v");
      lp = e.dim(pastK, 2);
    }
    Value total = e.addi(lp, lk);
    SmallVector<Value> full{batch, hq, lq, total};
    if (mask) {
      int64_t rank = cast<ShapedType>(mask.getType()).getRank();
      for (int64_t i = 0; i < rank; ++i)
        check.broadcastable(mask, i, full[4 - rank + i],
                            "a dimension of 'mask' must be 1 or match the attention's");
    }

    auto outType = cast<RankedTensorType>(op.getOut().getType());
    auto pkType = cast<RankedTensorType>(op.getPresentKey().getType());
    auto pvType = cast<RankedTensorType>(op.getPresentValue().getType());
    Value out = allocResult(rewriter, loc, outType, dynamicSizes(outType, {batch, hq, lq, dv}));
    Value presentK =
        allocResult(rewriter, loc, pkType, dynamicSizes(pkType, {batch, hkv, total, dk}));
    Value presentV =
        allocResult(rewriter, loc, pvType, dynamicSizes(pvType, {batch, hkv, total, dv}));
    if (pastK) {
      copyIntoSequence(rewriter, loc, pastK, presentK, e.index(0));
      copyIntoSequence(rewriter, loc, pastV, presentV, e.index(0));
    }
    copyIntoSequence(rewriter, loc, k, presentK, lp);
    copyIntoSequence(rewriter, loc, v, presentV, lp);

    // The scale: the attribute, or 1 / sqrt(Dk) (computed at run time when Dk is dynamic).
    Value scale;
    if (std::optional<APFloat> attr = op.getScale())
      scale = e.f32(attr->convertToFloat());
    else if (!cast<ShapedType>(q.getType()).isDynamicDim(3))
      scale =
          e.f32(1.0 / std::sqrt(static_cast<double>(cast<ShapedType>(q.getType()).getDimSize(3))));
    else
      scale = e.div(e.f32(1.0), e.sqrt(e.indexToF32(dk)));
    float softcap = op.getSoftcap().convertToFloat();
    bool causal = op.getCausal();
    Value headsPerKv = arith::MaxUIOp::create(
        rewriter, loc, e.divi(hq, arith::MaxUIOp::create(rewriter, loc, hkv, e.index(1))),
        e.index(1));
    Type maskElement =
        mask ? cast<ShapedType>(mask.getType()).getElementType() : rewriter.getF32Type();

    buildParallel(rewriter, loc, {batch, hq, lq}, [&](OpBuilder &b, Location l, ValueRange ivs) {
      Value bi = ivs[0], h = ivs[1], i = ivs[2];
      withStackScope(b, l, [&](OpBuilder &sb, Location sl) {
        Emitter s(sb, sl);
        Value kvHead = s.divi(h, headsPerKv);
        Value acc = stackBuffer(sb, sl, dv);
        buildFor(sb, sl, s.index(0), dv, {},
                 [&](OpBuilder &fb, Location fl, Value j, ValueRange) -> SmallVector<Value> {
                   memref::StoreOp::create(fb, fl, Emitter(fb, fl).f32(0.0), acc, j);
                   return {};
                 });
        // With a causal mask, keys after position i + Lp never contribute.
        Value end = causal ? s.mini(total, s.addi(s.addi(i, lp), s.index(1))) : total;
        Value minusInf = s.f32(-std::numeric_limits<double>::infinity());
        SmallVector<Value> softmax = buildFor(
            sb, sl, s.index(0), end, {minusInf, s.f32(0.0)},
            [&](OpBuilder &jb, Location jl, Value j, ValueRange running) {
              Emitter f(jb, jl);
              Value dot = buildFor(jb, jl, f.index(0), dk, {f.f32(0.0)},
                                   [&](OpBuilder &db, Location dl, Value c, ValueRange sum) {
                                     Emitter r(db, dl);
                                     return SmallVector<Value>{r.accumulate(
                                         r.load(q, {bi, h, i, c}),
                                         r.load(presentK, {bi, kvHead, j, c}), sum[0])};
                                   })
                              .front();
              Value score = f.mul(dot, scale);
              if (softcap > 0.0f)
                score = f.mul(f.f32(softcap), f.tanh(f.div(score, f.f32(softcap))));
              if (mask) {
                int64_t rank = cast<ShapedType>(mask.getType()).getRank();
                SmallVector<Value> coords{bi, h, i, j}, idx;
                for (int64_t m = 0; m < rank; ++m) {
                  Value coord = coords[4 - rank + m];
                  auto maskType = cast<ShapedType>(mask.getType());
                  if (!maskType.isDynamicDim(m))
                    idx.push_back(maskType.getDimSize(m) == 1 ? f.index(0) : coord);
                  else
                    idx.push_back(
                        f.select(f.cmpi(arith::CmpIPredicate::eq, f.dim(mask, m), f.index(1)),
                                 f.index(0), coord));
                }
                if (maskElement.isInteger(1)) {
                  Value keep = memref::LoadOp::create(jb, jl, mask, idx);
                  score = f.select(keep, score, minusInf);
                } else {
                  score = f.add(score, f.load(mask, idx));
                }
              }
              // Online softmax: rescale what was accumulated when the maximum grows. A key
              // masked to -inf contributes nothing (and must not turn the maximum into NaN).
              Value live = f.cmp(arith::CmpFPredicate::OGT, score, minusInf);
              auto update = scf::IfOp::create(
                  jb, jl, live,
                  [&](OpBuilder &tb, Location tl) {
                    Emitter t(tb, tl);
                    Value maxNew = t.max(running[0], score);
                    Value correction = t.exp(t.sub(running[0], maxNew));
                    Value weight = t.exp(t.sub(score, maxNew));
                    Value sum = t.fma(running[1], correction, weight);
                    buildFor(
                        tb, tl, t.index(0), dv, {},
                        [&](OpBuilder &cb, Location cl, Value c, ValueRange) -> SmallVector<Value> {
                          Emitter r(cb, cl);
                          Value prev = memref::LoadOp::create(cb, cl, acc, c);
                          Value next = r.fma(prev, correction,
                                             r.mul(weight, r.load(presentV, {bi, kvHead, j, c})));
                          memref::StoreOp::create(cb, cl, next, acc, c);
                          return {};
                        });
                    scf::YieldOp::create(tb, tl, ValueRange{maxNew, sum});
                  },
                  [&](OpBuilder &eb, Location el) {
                    scf::YieldOp::create(eb, el, ValueRange{running[0], running[1]});
                  });
              return SmallVector<Value>(update.getResults());
            });
        // A row with no live key divides 0 by 0 (NaN), as the softmax of all -inf does.
        Value denominator = softmax[1];
        buildFor(sb, sl, s.index(0), dv, {},
                 [&](OpBuilder &fb, Location fl, Value c, ValueRange) -> SmallVector<Value> {
                   Emitter f(fb, fl);
                   f.store(f.div(memref::LoadOp::create(fb, fl, acc, c), denominator), out,
                           {bi, h, i, c});
                   return {};
                 });
      });
    });
    rewriter.replaceOp(op, {tensorOf(rewriter, loc, out), tensorOf(rewriter, loc, presentK),
                            tensorOf(rewriter, loc, presentV)});
    return success();
  }
};

struct LowerRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Value x = bufferOf(rewriter, loc, op.getX()), w = bufferOf(rewriter, loc, op.getW());
    Value y = lowerRMSNorm(rewriter, loc, env, "lm.rms_norm", x, w, Value(),
                           op.getEps().convertToFloat(), /*groupSize=*/0,
                           /*normBeforeGate=*/false, cast<RankedTensorType>(op.getY().getType()));
    rewriter.replaceOp(op, tensorOf(rewriter, loc, y));
    return success();
  }
};

struct LowerRotary : OpRewritePattern<RotaryOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RotaryOp op, PatternRewriter &rewriter) const override {
    Value env = findEnvironment(op);
    if (!env)
      return failure();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    Checker check(e, env, "lm.rotary");
    Value x = bufferOf(rewriter, loc, op.getX());
    Value cosT = bufferOf(rewriter, loc, op.getCos()), sinT = bufferOf(rewriter, loc, op.getSin());
    Value batch = e.dim(x, 0), heads = e.dim(x, 1), length = e.dim(x, 2), dh = e.dim(x, 3);
    check.broadcastable(cosT, 0, batch, "the batch of 'cos' must be 1 or that of 'x'");
    check.equalDims(cosT, 1, "cos", x, 2, "x");
    for (int64_t i = 0; i < 3; ++i)
      check.equalDims(sinT, i, "sin", cosT, i, "cos");
    Value half = e.dim(cosT, 2);
    Value rotated = e.addi(half, half);
    if (cast<ShapedType>(cosT.getType()).isDynamicDim(2) ||
        cast<ShapedType>(x.getType()).isDynamicDim(3)) {
      check.require(e.cmpi(arith::CmpIPredicate::ule, rotated, dh), rotated, dh,
                    "the rotated channels R must not exceed Dh of 'x'");
    }
    auto type = cast<RankedTensorType>(op.getY().getType());
    Value y = allocResult(rewriter, loc, type, dynamicSizes(type, {batch, heads, length, dh}));
    Value cosBatch = e.dim(cosT, 0);
    bool interleaved = op.getInterleaved();
    buildParallel(
        rewriter, loc, {batch, heads, length}, [&](OpBuilder &b, Location l, ValueRange ivs) {
          Emitter k(b, l);
          Value bi = ivs[0], h = ivs[1], t = ivs[2];
          Value cb =
              k.select(k.cmpi(arith::CmpIPredicate::eq, cosBatch, k.index(1)), k.index(0), bi);
          buildFor(b, l, k.index(0), half, {},
                   [&](OpBuilder &fb, Location fl, Value i, ValueRange) -> SmallVector<Value> {
                     Emitter f(fb, fl);
                     Value first = interleaved ? f.muli(i, f.index(2)) : i;
                     Value second = interleaved ? f.addi(first, f.index(1)) : f.addi(i, half);
                     Value c = f.load(cosT, {cb, t, i}), s = f.load(sinT, {cb, t, i});
                     Value x1 = f.load(x, {bi, h, t, first}), x2 = f.load(x, {bi, h, t, second});
                     f.store(f.sub(f.mul(x1, c), f.mul(x2, s)), y, {bi, h, t, first});
                     f.store(f.fma(x1, s, f.mul(x2, c)), y, {bi, h, t, second});
                     return {};
                   });
          buildFor(b, l, rotated, dh, {},
                   [&](OpBuilder &fb, Location fl, Value i, ValueRange) -> SmallVector<Value> {
                     Value v = memref::LoadOp::create(fb, fl, x, ValueRange{bi, h, t, i});
                     memref::StoreOp::create(fb, fl, v, y, ValueRange{bi, h, t, i});
                     return {};
                   });
        });
    rewriter.replaceOp(op, tensorOf(rewriter, loc, y));
    return success();
  }
};

} // namespace

void mlir::ssm::populateLMToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAttention, LowerRMSNorm, LowerRotary>(patterns.getContext());
}
