//===- LowerToLoops.cpp - the ssm-lower-to-loops pass ---------------------===//

#include "passes/Conversion/LowerToLoops.h"
#include "passes/Passes.h"

#include "dialects/lm/LMDialect.h"
#include "dialects/ssm/SSMDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMLOWERTOLOOPS
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {
struct LowerToLoops : ssm::impl::SSMLowerToLoopsBase<LowerToLoops> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    RewritePatternSet patterns(&getContext());
    ssm::populateSSMToLoopsPatterns(patterns);
    ssm::populateLMToLoopsPatterns(patterns);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
    // A pattern fails only when the function lacks the environment for run-time checks.
    WalkResult result = func.walk([](Operation *op) {
      Dialect *dialect = op->getDialect();
      if (isa_and_nonnull<ssm::SSMDialect, lm::LMDialect>(dialect)) {
        op->emitOpError("was not lowered: its function needs the runtime environment as its "
                        "first argument (run ssm-host-env first)");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
