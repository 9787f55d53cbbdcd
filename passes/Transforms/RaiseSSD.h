//===- RaiseSSD.h - the chunked-SSD pattern of ssm-raise --------*- C++ -*-===//
//
// The SSD pattern is large enough to live in its own file; the ssm-raise pass adds it to its
// second round.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_PASSES_TRANSFORMS_RAISESSD_H
#define SSM_PASSES_TRANSFORMS_RAISESSD_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::ssm {

/// Adds the pattern that turns transformers' chunked SSD (`torch_forward` of the Mamba-2
/// mixers) into `ssm.ssd`.
void populateRaiseSSDPatterns(RewritePatternSet &patterns);

} // namespace mlir::ssm

#endif // SSM_PASSES_TRANSFORMS_RAISESSD_H
