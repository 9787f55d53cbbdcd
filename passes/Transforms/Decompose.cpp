//===- Decompose.cpp - selective_scan and ssd as their unfused steps ------===//
//
// ssm.selective_scan becomes discretize + scan + a contraction over N; ssm.ssd becomes the
// chunked algorithm (segsum, chunk_state, state_passing, chunk_scan). The element-wise glue is
// written as index-based linalg.generic "tables": each element computed from its indices with
// tensor.extract, which keeps the padding of the last chunk and the group indexing (g = h /
// (H / G)) explicit without reshapes.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/ssm/SSMOps.h"
#include "passes/Conversion/LoopEmitter.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMDECOMPOSE
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;
using namespace mlir::ssm;

namespace {

/// A tensor of `shape` (dynamic sizes from `sizes`) whose element at `ivs` is `body(ivs)`.
Value tabulate(OpBuilder &b, Location loc, ArrayRef<Value> sizes, Type element,
               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<OpFoldResult> mixed = getAsOpFoldResult(ValueRange(sizes));
  Value init = tensor::EmptyOp::create(b, loc, mixed, element);
  int64_t rank = static_cast<int64_t>(sizes.size());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
                                maps, iterators, [&](OpBuilder &nb, Location nl, ValueRange) {
                                  SmallVector<Value> ivs;
                                  for (int64_t i = 0; i < rank; ++i)
                                    ivs.push_back(linalg::IndexOp::create(nb, nl, i));
                                  linalg::YieldOp::create(nb, nl, body(nb, nl, ivs));
                                });
  return generic.getResult(0);
}

/// The tensor variant of Emitter::load: tensor.extract widened to f32.
Value extract(OpBuilder &b, Location loc, Value tensor, ValueRange indices) {
  Value v = tensor::ExtractOp::create(b, loc, tensor, indices);
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value dimOf(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, tensor, dim);
}

/// Rounds an f32 value to `element`.
Value narrow(OpBuilder &b, Location loc, Value v, Type element) {
  return element.isF32() ? v : arith::TruncFOp::create(b, loc, element, v);
}

/// max(divisor, 1): the decomposition never divides by zero, even on shapes the run-time
/// checks of the lowering reject.
Value atLeastOne(OpBuilder &b, Location loc, Value v) {
  return arith::MaxUIOp::create(b, loc, v, arith::ConstantIndexOp::create(b, loc, 1));
}

struct DecomposeSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type f32 = b.getF32Type();
    Value u = op.getU(), delta = op.getDelta(), a = op.getA(), bIn = op.getB(), cIn = op.getC();
    Value batch = dimOf(b, loc, u, 0), channels = dimOf(b, loc, u, 1), length = dimOf(b, loc, u, 2),
          n = dimOf(b, loc, a, 1), groups = dimOf(b, loc, bIn, 1);
    Value perGroup =
        atLeastOne(b, loc, arith::DivUIOp::create(b, loc, channels, atLeastOne(b, loc, groups)));
    SmallVector<Value> full{batch, channels, n, length};
    bool softplus = op.getDeltaSoftplus();

    // dt, A and B*u broadcast to (B, D, N, L), then discretized and scanned along L.
    auto stepSize = [&](OpBuilder &nb, Location nl, Value bi, Value d, Value t) {
      Emitter e(nb, nl);
      Value dt = extract(nb, nl, delta, {bi, d, t});
      if (Value bias = op.getDeltaBias())
        dt = e.add(dt, extract(nb, nl, bias, {d}));
      return softplus ? e.softplus(dt) : dt;
    };
    Value dtFull = tabulate(b, loc, full, f32, [&](OpBuilder &nb, Location nl, ValueRange iv) {
      return stepSize(nb, nl, iv[0], iv[1], iv[3]);
    });
    Value aFull = tabulate(b, loc, full, f32, [&](OpBuilder &nb, Location nl, ValueRange iv) {
      return extract(nb, nl, a, {iv[1], iv[2]});
    });
    Value buFull = tabulate(b, loc, full, f32, [&](OpBuilder &nb, Location nl, ValueRange iv) {
      Emitter e(nb, nl);
      Value g = e.divi(iv[1], perGroup);
      return e.mul(extract(nb, nl, bIn, {iv[0], g, iv[2], iv[3]}),
                   extract(nb, nl, u, {iv[0], iv[1], iv[3]}));
    });
    auto fullType = cast<RankedTensorType>(dtFull.getType());
    auto discretized = DiscretizeOp::create(b, loc, fullType, fullType, dtFull, aFull, buFull,
                                            DiscretizeMethod::mamba);
    auto stateType = cast<RankedTensorType>(op.getHLast().getType());
    auto scan = ScanOp::create(b, loc, fullType, stateType, discretized.getAbar(),
                               discretized.getBbar(), op.getH0(), /*dim=*/3, /*reverse=*/false);

    // y = C . h over N, plus the skip, times the gate.
    Type yElement = cast<RankedTensorType>(op.getY().getType()).getElementType();
    Value y = tabulate(b, loc, {batch, channels, length}, yElement,
                       [&](OpBuilder &nb, Location nl, ValueRange iv) {
                         Emitter e(nb, nl);
                         Value g = e.divi(iv[1], perGroup);
                         Value acc =
                             buildFor(nb, nl, e.index(0), n, {e.f32(0.0)},
                                      [&](OpBuilder &fb, Location fl, Value j, ValueRange sum) {
                                        Emitter r(fb, fl);
                                        Value c = extract(fb, fl, cIn, {iv[0], g, j, iv[2]});
                                        Value h =
                                            extract(fb, fl, scan.getH(), {iv[0], iv[1], j, iv[2]});
                                        return SmallVector<Value>{r.fma(c, h, sum[0])};
                                      })
                                 .front();
                         Value uv = extract(nb, nl, u, {iv[0], iv[1], iv[2]});
                         if (Value d = op.getD())
                           acc = e.fma(extract(nb, nl, d, {iv[1]}), uv, acc);
                         if (Value z = op.getZ())
                           acc = e.mul(acc, e.silu(extract(nb, nl, z, {iv[0], iv[1], iv[2]})));
                         return narrow(nb, nl, acc, yElement);
                       });
    rewriter.replaceOp(op, {y, scan.getHLast()});
    return success();
  }
};

struct DecomposeSSD : OpRewritePattern<SSDOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SSDOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t chunk = static_cast<int64_t>(op.getChunkSize());
    OpBuilder &b = rewriter;
    Type f32 = b.getF32Type();
    Value x = op.getX(), dtIn = op.getDt(), a = op.getA(), bIn = op.getB(), cIn = op.getC();
    Value batch = dimOf(b, loc, x, 0), length = dimOf(b, loc, x, 1), heads = dimOf(b, loc, x, 2),
          p = dimOf(b, loc, x, 3), groups = dimOf(b, loc, bIn, 2), n = dimOf(b, loc, bIn, 3);
    Value q = arith::ConstantIndexOp::create(b, loc, chunk);
    Value chunks = arith::CeilDivUIOp::create(b, loc, length, q);
    float dtMin = op.getDtMin().convertToFloat(), dtMax = op.getDtMax().convertToFloat();
    bool softplus = op.getDtSoftplus();

    // The step of head h at position t: clamp(softplus(dt + bias), dt_min, dt_max).
    auto stepSize = [&](Emitter &e, Value bi, Value t, Value h) {
      Value dt = extract(e.builder(), e.location(), dtIn, {bi, t, h});
      if (Value bias = op.getDtBias())
        dt = e.add(dt, extract(e.builder(), e.location(), bias, {h}));
      if (softplus)
        dt = e.softplus(dt);
      dt = e.max(dt, e.f32(dtMin));
      if (dtMax < std::numeric_limits<float>::infinity())
        dt = e.min(dt, e.f32(dtMax));
      return dt;
    };
    // Position c * Q + l of the padded sequence, and whether it lies inside the input; values
    // past the end are zero (no decay, no input), so the padding changes nothing.
    auto position = [&](Emitter &e, Value c, Value l) { return e.addi(e.muli(c, q), l); };
    auto masked = [&](Emitter &e, Value t, function_ref<Value(Value)> read) {
      Value inside = e.cmpi(arith::CmpIPredicate::ult, t, length);
      Value safe = e.select(inside, t, e.index(0));
      return e.select(inside, read(safe), e.f32(0.0));
    };

    Value dA = tabulate(b, loc, {batch, heads, chunks, q}, f32,
                        [&](OpBuilder &nb, Location nl, ValueRange iv) {
                          Emitter e(nb, nl);
                          return masked(e, position(e, iv[2], iv[3]), [&](Value t) {
                            return e.mul(stepSize(e, iv[0], t, iv[1]), extract(nb, nl, a, {iv[1]}));
                          });
                        });
    Value xdt = tabulate(b, loc, {batch, chunks, q, heads, p}, f32,
                         [&](OpBuilder &nb, Location nl, ValueRange iv) {
                           Emitter e(nb, nl);
                           return masked(e, position(e, iv[1], iv[2]), [&](Value t) {
                             return e.mul(extract(nb, nl, x, {iv[0], t, iv[3], iv[4]}),
                                          stepSize(e, iv[0], t, iv[3]));
                           });
                         });
    auto chunked = [&](Value source) {
      return tabulate(b, loc, {batch, chunks, q, groups, n}, f32,
                      [&](OpBuilder &nb, Location nl, ValueRange iv) {
                        Emitter e(nb, nl);
                        return masked(e, position(e, iv[1], iv[2]), [&](Value t) {
                          return extract(nb, nl, source, {iv[0], t, iv[3], iv[4]});
                        });
                      });
    };
    Value bChunks = chunked(bIn), cChunks = chunked(cIn);

    // The cumulative sum of dt * A within each chunk, and the segment sums.
    auto csType = cast<RankedTensorType>(dA.getType());
    auto cumsum = AssociativeScanOp::create(b, loc, TypeRange{csType}, ValueRange{dA},
                                            /*dim=*/3, /*reverse=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      Block *block = b.createBlock(&cumsum.getCombiner(), {}, {f32, f32}, {loc, loc});
      Value sum = arith::AddFOp::create(b, loc, block->getArgument(0), block->getArgument(1));
      YieldOp::create(b, loc, ValueRange{sum});
    }
    Value cs = cumsum.getResult(0);
    auto segType = RankedTensorType::get(
        {csType.getDimSize(0), csType.getDimSize(1), csType.getDimSize(2), chunk, chunk}, f32);
    Value seg = SegsumOp::create(b, loc, segType, dA);

    auto statesType =
        RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic,
                               ShapedType::kDynamic, ShapedType::kDynamic},
                              f32);
    Value states = ChunkStateOp::create(b, loc, statesType, bChunks, xdt, cs);
    Value total = tabulate(
        b, loc, {batch, heads, chunks}, f32, [&](OpBuilder &nb, Location nl, ValueRange iv) {
          Emitter e(nb, nl);
          return extract(nb, nl, cs, {iv[0], iv[1], iv[2], e.subi(q, e.index(1))});
        });
    auto finalType = cast<RankedTensorType>(op.getFinalState().getType());
    auto passing = StatePassingOp::create(b, loc, statesType, finalType, states, total, op.getH0());
    Value yChunks = ChunkScanOp::create(b, loc, xdt.getType(), cChunks, bChunks, xdt, cs, seg,
                                        passing.getPrevStates());

    // Back to (B, L, H, P): skip and gate, rounded to the activation type.
    Type yElement = cast<RankedTensorType>(op.getY().getType()).getElementType();
    Value d = op.getD();
    bool dPerChannel = d && cast<RankedTensorType>(d.getType()).getRank() == 2;
    Value y = tabulate(b, loc, {batch, length, heads, p}, yElement,
                       [&](OpBuilder &nb, Location nl, ValueRange iv) {
                         Emitter e(nb, nl);
                         Value c = e.divi(iv[1], q), l = e.remi(iv[1], q);
                         Value acc = extract(nb, nl, yChunks, {iv[0], c, l, iv[2], iv[3]});
                         Value xv = extract(nb, nl, x, iv);
                         if (d)
                           acc = e.fma(dPerChannel ? extract(nb, nl, d, {iv[2], iv[3]})
                                                   : extract(nb, nl, d, {iv[2]}),
                                       xv, acc);
                         if (Value z = op.getZ())
                           acc = e.mul(acc, e.silu(extract(nb, nl, z, iv)));
                         return narrow(nb, nl, acc, yElement);
                       });
    rewriter.replaceOp(op, {y, passing.getFinalState()});
    return success();
  }
};

struct Decompose : ssm::impl::SSMDecomposeBase<Decompose> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeSelectiveScan, DecomposeSSD>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
