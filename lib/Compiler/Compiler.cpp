//===- Compiler.cpp - the compile pipeline --------------------------------===//

#include "ssm-compiler/Compiler.h"

#include "lib/Artifact/ArtifactWriter.h"
#include "lib/Target/CpuTarget.h"
#include "passes/Passes.h"
#include "ssm-compiler/GpuTarget.h"
#include "ssm-compiler/InitAll.h"

#include "ssm/artifact_format.h"
#include "ssm/host_abi.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir;
using namespace ssmc;

std::optional<EmitStage> ssmc::parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("mlir", EmitStage::Input)
      .Case("raised", EmitStage::Raised)
      .Case("loops", EmitStage::Loops)
      .Case("buffers", EmitStage::Buffers)
      .Case("kernels", EmitStage::Kernels)
      .Case("llvm", EmitStage::LLVM)
      .Case("llvm-ir", EmitStage::LLVMIR)
      .Case("ptx", EmitStage::PTX)
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
FailureOr<llvm::json::Array> describeValues(func::FuncOp func, TypeRange types, bool inputs,
                                            unsigned first = 0) {
  llvm::json::Array entries;
  for (auto [position, type] : llvm::enumerate(types)) {
    unsigned i = position + first;
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
        {"name", name ? name.str() : (inputs ? "input_" : "output_") + std::to_string(position)},
        {"dtype", dtype},
        {"shape", std::move(shape)}});
  }
  return entries;
}

} // namespace

/// The CUDA toolkit to build kernels with.
static std::string cudaToolkit(const CompileOptions &options) {
  if (!options.cudaPath.empty())
    return options.cudaPath;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *value = std::getenv(var); value && *value)
      return value;
  return "/usr/local/cuda";
}

/// Lowers the gpu.module to NVVM and compiles it with ptxas into a cubin (a gpu.binary), or
/// only into PTX text.
static void addGpuSerialization(PassManager &pm, const CompileOptions &options, bool ptx) {
  const ssmc::GpuTarget *target = ssmc::lookupGpuTarget(options.gpuChip);
  GpuNVVMAttachTargetOptions attach;
  attach.chip = options.gpuChip;
  attach.features = target ? target->ptxFeatures.str() : "+ptx80";
  attach.optLevel = 3;
  // Denormal f32 results flush to zero: libdevice's exp/log then map to single MUFU
  // instructions instead of guarding against denormal inputs.
  attach.ftzFlag = true;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = cudaToolkit(options);
  binary.compilationTarget = ptx ? "isa" : "bin";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// Runs the stages after `from` up to and including `to`.
static LogicalResult lowerBetween(ModuleOp module, const CompileOptions &options, EmitStage from,
                                  EmitStage to) {
  auto wanted = [&](EmitStage stage) { return from < stage && stage <= to; };
  bool cuda = options.target == Target::Cuda;
  if (wanted(EmitStage::Raised) && failed(runStage(module, options, [&](PassManager &pm) {
        pm.addPass(createInlinerPass());
        pm.addPass(createSymbolDCEPass());
        if (options.raise)
          pm.addNestedPass<func::FuncOp>(ssm::createSSMRaise());
        addCleanup(pm);
      })))
    return failure();
  if (wanted(EmitStage::Loops) && failed(runStage(module, options, [&](PassManager &pm) {
        pm.addPass(ssm::createSSMHostEnv(ssm::SSMHostEnvOptions{options.entry}));
        if (options.decompose)
          pm.addNestedPass<func::FuncOp>(ssm::createSSMDecompose());
        if (cuda && !options.decompose)
          pm.addPass(ssm::createSSMLowerToGpu(
              ssm::SSMLowerToGpuOptions{options.gpuChip, options.scanStatesPerLane}));
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
        if (cuda)
          pm.addPass(ssm::createSSMFormGpuKernels(ssm::SSMFormGpuKernelsOptions{options.gpuChip}));
        else
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
        if (cuda)
          addGpuSerialization(pm, options, /*ptx=*/to == EmitStage::PTX);
      })))
    return failure();
  return success();
}

/// Checks what the target needs before any work starts.
static LogicalResult checkTarget(ModuleOp module, const CompileOptions &options) {
  if (options.target != Target::Cuda)
    return success();
  if (!ssmc::lookupGpuTarget(options.gpuChip))
    return module.emitError() << "unknown GPU '" << options.gpuChip
                              << "' (known: " << ssmc::knownGpuTargets() << ")";
  llvm::SmallString<256> ptxas(cudaToolkit(options));
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  if (!llvm::sys::fs::can_execute(ptxas))
    return module.emitError() << "the CUDA toolkit has no ptxas at '" << ptxas
                              << "'; set --cuda-path or CUDA_HOME";
  return success();
}

LogicalResult ssmc::lowerModule(ModuleOp module, const CompileOptions &options, EmitStage stage) {
  DialectRegistry registry;
  registerAllDialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  if (failed(verify(module)) || failed(checkTarget(module, options)))
    return failure();
  return lowerBetween(module, options, EmitStage::Input, std::min(stage, EmitStage::LLVM));
}

FailureOr<std::string> ssmc::compileModule(ModuleOp module, const CompileOptions &options,
                                           EmitStage stage) {
  auto entry = module.lookupSymbol<func::FuncOp>(options.entry);
  if (!entry || entry.isExternal())
    return module.emitError() << "no function '" << options.entry << "' to compile";
  // An entry point that already takes the runtime environment (imported models, for their
  // run-time checks) has it first.
  unsigned first =
      entry.getNumArguments() > 0 && isa<LLVM::LLVMPointerType>(entry.getArgument(0).getType());
  FailureOr<llvm::json::Array> inputs =
      describeValues(entry, entry.getArgumentTypes().drop_front(first), /*inputs=*/true, first);
  FailureOr<llvm::json::Array> outputs =
      describeValues(entry, entry.getResultTypes(), /*inputs=*/false);
  if (failed(inputs) || failed(outputs))
    return failure();

  if (failed(lowerModule(module, options, EmitStage::Kernels)))
    return failure();
  // Every kernel, for people reading the artifact; for a GPU artifact also the launch table
  // that host code indexes (ssm.kernel_index).
  // A GPU kernel's plan (ssm.tiling: threads, shared memory, ...) goes with it.
  llvm::json::Array kernels;
  std::vector<llvm::json::Object> gpuKernels;
  module.walk([&](FunctionOpInterface func) {
    auto index = func->getAttrOfType<IntegerAttr>("ssm.kernel_index");
    if (!func->hasAttr("ssm.kernel") && !index)
      return;
    std::string loc;
    llvm::raw_string_ostream(loc) << func.getLoc();
    llvm::json::Object kernel{{"name", func.getName()}, {"location", loc}};
    llvm::json::Object tiling;
    if (auto plan = func->getAttrOfType<DictionaryAttr>("ssm.tiling"))
      for (NamedAttribute entry : plan)
        if (auto value = dyn_cast<IntegerAttr>(entry.getValue()))
          tiling[entry.getName().strref()] = value.getInt();
    if (!tiling.empty())
      kernel["tiling"] = llvm::json::Object(tiling);
    kernels.push_back(std::move(kernel));
    if (!index)
      return;
    if (gpuKernels.size() <= static_cast<size_t>(index.getInt()))
      gpuKernels.resize(index.getInt() + 1);
    auto get = [&](StringRef key) { return tiling.getInteger(key).value_or(0); };
    // shared_bytes: dynamic shared memory the launch asks for (none: kernels declare theirs
    // statically).
    gpuKernels[index.getInt()] = llvm::json::Object{
        {"name", func.getName()},
        {"threads", get("threads_per_block")},
        {"static_shared_bytes", get("shared_bytes")},
        {"shared_bytes", 0},
    };
  });
  if (stage == EmitStage::PTX) {
    if (options.target != Target::Cuda)
      return module.emitError() << "--emit=ptx needs the CUDA target";
    if (failed(lowerBetween(module, options, EmitStage::Kernels, EmitStage::PTX)))
      return failure();
    std::string ptx;
    for (gpu::BinaryOp binary : module.getOps<gpu::BinaryOp>())
      for (Attribute object : binary.getObjects())
        ptx += cast<gpu::ObjectAttr>(object).getObject().str();
    return ptx;
  }
  if (failed(lowerBetween(module, options, EmitStage::Kernels, EmitStage::LLVM)))
    return failure();

  // The cubins leave the module: host code refers to kernels by their launch-table index.
  std::vector<ArtifactSection> sections;
  llvm::json::Array gpuTable;
  for (gpu::BinaryOp binary : llvm::make_early_inc_range(module.getOps<gpu::BinaryOp>())) {
    std::string section = ("cubin." + binary.getName()).str();
    for (Attribute object : binary.getObjects())
      sections.push_back(
          {SSM_SECTION_CUBIN, section, cast<gpu::ObjectAttr>(object).getObject().str()});
    for (const llvm::json::Object &kernel : gpuKernels) {
      llvm::json::Object entry(kernel);
      entry["section"] = section;
      gpuTable.push_back(std::move(entry));
    }
    binary.erase();
  }
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());

  if (stage == EmitStage::LLVMIR) {
    CpuTargetOptions cpu{options.cpuBaselines.front(), options.optLevel, options.linker};
    return emitHostCode(module, cpu, /*object=*/false);
  }

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
      {"target", options.target == Target::Cuda ? "cuda" : "cpu"},
      {"host_abi", SSM_HOST_ABI_VERSION},
      {"entry", SSM_HOST_ENTRY_SYMBOL},
      {"inputs", std::move(*inputs)},
      {"outputs", std::move(*outputs)},
      {"host_objects", std::move(hostObjects)},
      {"kernels", std::move(kernels)},
  };
  if (options.target == Target::Cuda) {
    manifest["gpu_arch"] = options.gpuChip;
    manifest["gpu_kernels"] = std::move(gpuTable);
  }
  llvm::Expected<std::string> artifact =
      serializeArtifact(llvm::json::Value(std::move(manifest)), sections);
  if (!artifact)
    return module.emitError() << llvm::toString(artifact.takeError());
  return std::move(*artifact);
}
