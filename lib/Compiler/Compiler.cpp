//===- Compiler.cpp - the compile pipeline --------------------------------===//

#include "ssm-compiler/Compiler.h"

#include "lib/Artifact/ArtifactWriter.h"
#include "lib/Target/CpuTarget.h"
#include "passes/Passes.h"
#include "ssm-compiler/InitAll.h"

#include "ssm/artifact_format.h"
#include "ssm/host_abi.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace ssmc;

std::optional<EmitStage> ssmc::parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("mlir", EmitStage::Input)
      .Case("loops", EmitStage::Loops)
      .Case("buffers", EmitStage::Buffers)
      .Case("kernels", EmitStage::Kernels)
      .Case("llvm", EmitStage::LLVM)
      .Case("llvm-ir", EmitStage::LLVMIR)
      .Case("artifact", EmitStage::Artifact)
      .Default(std::nullopt);
}

namespace {

/// Runs one stage's passes.
LogicalResult runStage(ModuleOp module, const CompileOptions &options,
                       llvm::function_ref<void(PassManager &)> build) {
  PassManager pm(module->getContext());
  if (options.configurePassManager)
    options.configurePassManager(pm);
  build(pm);
  return pm.run(module);
}

void addCleanup(PassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

std::string dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(1))
    return "bool";
  if (auto integer = dyn_cast<IntegerType>(type))
    return (integer.isUnsigned() ? "u" : "i") + std::to_string(integer.getWidth());
  return "";
}

/// The manifest entries of the entry function's inputs or results.
FailureOr<llvm::json::Array> describeValues(func::FuncOp func, TypeRange types, bool inputs) {
  llvm::json::Array entries;
  for (auto [i, type] : llvm::enumerate(types)) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::string dtype = tensor ? dtypeName(tensor.getElementType()) : "";
    if (dtype.empty())
      return func.emitError() << "the entry point's " << (inputs ? "input" : "result") << " #" << i
                              << " has type " << type
                              << "; inputs and results must be ranked tensors of f32, f16, "
                                 "bf16, f64, bool or integers";
    auto name = inputs ? func.getArgAttrOfType<StringAttr>(i, "ssm.name")
                       : func.getResultAttrOfType<StringAttr>(i, "ssm.name");
    llvm::json::Array shape;
    for (int64_t size : tensor.getShape())
      shape.push_back(ShapedType::isDynamic(size) ? -1 : size);
    entries.push_back(llvm::json::Object{
        {"name", name ? name.str() : (inputs ? "input_" : "output_") + std::to_string(i)},
        {"dtype", dtype},
        {"shape", std::move(shape)}});
  }
  return entries;
}

} // namespace

/// Runs the stages after `from` up to and including `to`.
static LogicalResult lowerBetween(ModuleOp module, const CompileOptions &options, EmitStage from,
                                  EmitStage to) {
  auto wanted = [&](EmitStage stage) { return from < stage && stage <= to; };
  if (wanted(EmitStage::Loops) && failed(runStage(module, options, [&](PassManager &pm) {
        pm.addPass(createInlinerPass());
        pm.addPass(createSymbolDCEPass());
        addCleanup(pm);
        pm.addPass(ssm::createSSMHostEnv(ssm::SSMHostEnvOptions{options.entry}));
        if (options.decompose)
          pm.addNestedPass<func::FuncOp>(ssm::createSSMDecompose());
        pm.addNestedPass<func::FuncOp>(ssm::createSSMLowerToLoops());
        addCleanup(pm);
      })))
    return failure();
  if (wanted(EmitStage::Buffers) && failed(runStage(module, options, [&](PassManager &pm) {
        bufferization::OneShotBufferizePassOptions bufferize;
        bufferize.bufferizeFunctionBoundaries = true;
        bufferize.functionBoundaryTypeConversion =
            bufferization::LayoutMapOption::IdentityLayoutMap;
        pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
        pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
        addCleanup(pm);
      })))
    return failure();
  if (wanted(EmitStage::Kernels) && failed(runStage(module, options, [&](PassManager &pm) {
        pm.addPass(ssm::createSSMFormCpuKernels());
        pm.addPass(ssm::createSSMHostEntry(ssm::SSMHostEntryOptions{options.entry}));
        addCleanup(pm);
      })))
    return failure();
  if (wanted(EmitStage::LLVM) && failed(runStage(module, options, [&](PassManager &pm) {
        pm.addPass(createSCFToControlFlowPass());
        pm.addPass(memref::createExpandStridedMetadataPass());
        pm.addPass(createLowerAffinePass());
        pm.addPass(ssm::createSSMLowerToLLVM(ssm::SSMLowerToLLVMOptions{options.approximateMath}));
        pm.addPass(createReconcileUnrealizedCastsPass());
      })))
    return failure();
  return success();
}

LogicalResult ssmc::lowerModule(ModuleOp module, const CompileOptions &options, EmitStage stage) {
  DialectRegistry registry;
  registerAllDialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  if (failed(verify(module)))
    return failure();
  return lowerBetween(module, options, EmitStage::Input, std::min(stage, EmitStage::LLVM));
}

FailureOr<std::string> ssmc::compileModule(ModuleOp module, const CompileOptions &options,
                                           EmitStage stage) {
  auto entry = module.lookupSymbol<func::FuncOp>(options.entry);
  if (!entry || entry.isExternal())
    return module.emitError() << "no function '" << options.entry << "' to compile";
  FailureOr<llvm::json::Array> inputs =
      describeValues(entry, entry.getArgumentTypes(), /*inputs=*/true);
  FailureOr<llvm::json::Array> outputs =
      describeValues(entry, entry.getResultTypes(), /*inputs=*/false);
  if (failed(inputs) || failed(outputs))
    return failure();

  if (failed(lowerModule(module, options, EmitStage::Kernels)))
    return failure();
  llvm::json::Array kernels;
  module.walk([&](func::FuncOp func) {
    if (!func->hasAttr("ssm.kernel"))
      return;
    std::string loc;
    llvm::raw_string_ostream(loc) << func.getLoc();
    kernels.push_back(llvm::json::Object{{"name", func.getName()}, {"location", loc}});
  });
  if (failed(lowerBetween(module, options, EmitStage::Kernels, EmitStage::LLVM)))
    return failure();

  if (stage == EmitStage::LLVMIR) {
    CpuTargetOptions cpu{options.cpuBaselines.front(), options.optLevel, options.linker};
    return emitHostCode(module, cpu, /*object=*/false);
  }

  std::vector<ArtifactSection> sections;
  llvm::json::Array hostObjects;
  for (const std::string &baseline : options.cpuBaselines) {
    CpuTargetOptions cpu{baseline, options.optLevel, options.linker};
    FailureOr<std::string> object = emitHostCode(module, cpu, /*object=*/true);
    if (failed(object))
      return failure();
    FailureOr<std::string> shared = linkSharedObject(module, *object, cpu);
    if (failed(shared))
      return failure();
    std::string section = "host." + baseline;
    sections.push_back({SSM_SECTION_HOST_SO, section, std::move(*shared)});
    hostObjects.push_back(llvm::json::Object{{"section", section}, {"cpu", baseline}});
  }
  llvm::json::Object manifest{
      {"format", "ssmx"},
      {"format_version", SSM_ARTIFACT_FORMAT_VERSION},
      {"producer", getVersionString()},
      {"target", "cpu"},
      {"host_abi", SSM_HOST_ABI_VERSION},
      {"entry", SSM_HOST_ENTRY_SYMBOL},
      {"inputs", std::move(*inputs)},
      {"outputs", std::move(*outputs)},
      {"host_objects", std::move(hostObjects)},
      {"kernels", std::move(kernels)},
  };
  return serializeArtifact(llvm::json::Value(std::move(manifest)), sections);
}
