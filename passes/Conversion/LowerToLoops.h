//===- LowerToLoops.h - the ssm and lm ops as loop nests ----------*- C++ -*-===//

#ifndef SSM_PASSES_CONVERSION_LOWERTOLOOPS_H
#define SSM_PASSES_CONVERSION_LOWERTOLOOPS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::ssm {

class SelectiveScanOp;
class CausalConv1dOp;

/// The operands of an ssm.selective_scan as buffers, its dimensions and its result buffers,
/// with the run-time checks of the dimension relations emitted: what every lowering of the op
/// starts from.
struct SelectiveScanBuffers {
  Value u, delta, a, b, c, d, z, bias, h0; // absent optional operands are null
  Value batch, channels, length, n, groups;
  Value perGroup; // channels per group of B and C, at least 1
  Value y, hLast;
};
/// `u`, when given, is read in place of the op's operand: a buffer of the same shape, for a
/// kernel that computes u itself (the GPU decode step fuses the causal conv that produces it).
SelectiveScanBuffers prepareSelectiveScan(OpBuilder &b, SelectiveScanOp op, Value env,
                                          Value u = {});

/// The operands of an ssm.causal_conv1d as buffers (absent optional ones null), with the
/// run-time checks of their dimensions emitted.
struct CausalConv1dBuffers {
  Value x, w, bias, state;
};
CausalConv1dBuffers prepareCausalConv1d(OpBuilder &b, CausalConv1dOp op, Value env);

void populateSSMToLoopsPatterns(RewritePatternSet &patterns);
void populateLMToLoopsPatterns(RewritePatternSet &patterns);

/// The loops of a (grouped, optionally gated) RMS norm of the last dimension of `x` into a new
/// buffer of `resultType`; shared by ssm.gated_rms_norm and lm.rms_norm. `z` may be null;
/// `groupSize` 0 means the whole last dimension.
Value lowerRMSNorm(OpBuilder &builder, Location loc, Value env, StringRef opName, Value x, Value w,
                   Value z, float eps, int64_t groupSize, bool normBeforeGate,
                   RankedTensorType resultType);

} // namespace mlir::ssm

#endif // SSM_PASSES_CONVERSION_LOWERTOLOOPS_H
