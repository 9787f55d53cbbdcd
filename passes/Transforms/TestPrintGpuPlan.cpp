//===- TestPrintGpuPlan.cpp - report the GPU kernels' plans ----------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::ssm {
#define GEN_PASS_DEF_SSMTESTPRINTGPUPLAN
#include "passes/Passes.h.inc"
} // namespace mlir::ssm

using namespace mlir;

namespace {

struct TestPrintGpuPlan : ssm::impl::SSMTestPrintGpuPlanBase<TestPrintGpuPlan> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return WalkResult::advance();
      auto plan = kernel->getAttrOfType<DictionaryAttr>("ssm.tiling");
      if (!plan) {
        kernel.emitError() << "kernel '" << kernel.getName() << "' has no ssm.tiling plan";
        return WalkResult::interrupt();
      }
      auto integer = [&](StringRef key) {
        auto value = plan.getAs<IntegerAttr>(key);
        return value ? value.getInt() : 0;
      };
      InFlightDiagnostic remark = kernel.emitRemark()
                                  << kernel.getName() << ": " << integer("threads_per_block")
                                  << " threads per block, " << integer("shared_bytes")
                                  << " bytes of shared memory";
      StringRef separator = "; ";
      for (NamedAttribute entry : plan) {
        StringRef key = entry.getName().strref();
        if (key == "threads_per_block" || key == "shared_bytes")
          continue;
        remark << separator << key << " = ";
        if (auto value = dyn_cast<IntegerAttr>(entry.getValue()))
          remark << value.getInt();
        else
          remark << entry.getValue();
        separator = ", ";
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
