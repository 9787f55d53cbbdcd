//===- ssm-compile.cpp - compile a model into an artifact -----------------===//
//
// ssm-compile INPUT.mlir -o MODEL.ssmx [--target=cpu] [--emit=STAGE] ...
//
//===----------------------------------------------------------------------===//

#include "lib/Artifact/ArtifactWriter.h"
#include "ssm-compiler/Compiler.h"
#include "ssm-compiler/InitAll.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::OptionCategory category("ssm-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"), cl::Required,
                                      cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                       cl::value_desc("file"), cl::init("-"), cl::cat(category));
static cl::opt<std::string> target("target", cl::desc("Target: cpu or cuda"), cl::init("cpu"),
                                   cl::cat(category));
static cl::opt<std::string> gpuArch("gpu-arch", cl::desc("The GPU of --target=cuda"),
                                    cl::init("sm_90a"), cl::cat(category));
static cl::opt<std::string> cudaPath("cuda-path",
                                     cl::desc("The CUDA toolkit (default: $CUDA_HOME, else "
                                              "/usr/local/cuda)"),
                                     cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write: mlir (the input, verified), loops, buffers, kernels, llvm "
                  "(LLVM dialect), llvm-ir, ptx (--target=cuda), artifact"),
         cl::init("artifact"), cl::cat(category));
static cl::opt<std::string> entry("entry", cl::desc("The function to compile"), cl::init("main"),
                                  cl::cat(category));
static cl::opt<bool> decompose("decompose",
                               cl::desc("Lower selective_scan and ssd through their "
                                        "decomposition instead of fused"),
                               cl::init(false), cl::cat(category));
static cl::list<std::string> cpus("cpu", cl::desc("CPU baselines to build host code for"),
                                  cl::CommaSeparated, cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"), cl::Prefix, cl::init(3),
                                  cl::cat(category));
static cl::opt<bool> exactMath("exact-math",
                               cl::desc("Call libm for exp/log1p/tanh instead of inlining "
                                        "vectorizable polynomial approximations"),
                               cl::init(false), cl::cat(category));
static cl::opt<int64_t>
    scanStatesPerLane("scan-states-per-lane",
                      cl::desc("--target=cuda: states of a channel per lane in the selective "
                               "scan kernel (0: the default tiling)"),
                      cl::init(0), cl::cat(category));
static cl::opt<std::string> linker("linker", cl::desc("The ld.lld to link host code with"),
                                   cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) { os << ssmc::getVersionString() << "\n"; });
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "ssm-compile: compile a model into an artifact\n");
  auto start = std::chrono::steady_clock::now();

  std::optional<ssmc::EmitStage> stage = ssmc::parseEmitStage(emit);
  if (!stage) {
    llvm::errs() << "ssm-compile: unknown --emit=" << emit << "\n";
    return 1;
  }
  if (target != "cpu" && target != "cuda") {
    llvm::errs() << "ssm-compile: unknown --target=" << target << " (supported: cpu, cuda)\n";
    return 1;
  }
  ssmc::CompileOptions options;
  options.entry = entry;
  options.target = target == "cuda" ? ssmc::Target::Cuda : ssmc::Target::Cpu;
  options.gpuChip = gpuArch;
  options.cudaPath = cudaPath;
  options.scanStatesPerLane = scanStatesPerLane;
  options.decompose = decompose;
  if (!cpus.empty())
    options.cpuBaselines.assign(cpus.begin(), cpus.end());
  options.optLevel = optLevel;
  options.approximateMath = !exactMath;
  options.linker = linker;
  options.configurePassManager = [](mlir::PassManager &pm) {
    (void)mlir::applyPassManagerCLOptions(pm);
  };

  mlir::DialectRegistry registry;
  ssmc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  // Diagnostics name the op and the rule; dumping the whole module after them only buries
  // the message.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(inputFile, sourceMgr, &context);
  if (!module)
    return 1;

  std::string text;
  if (*stage >= ssmc::EmitStage::LLVMIR) {
    mlir::FailureOr<std::string> result = ssmc::compileModule(*module, options, *stage);
    if (mlir::failed(result))
      return 1;
    text = std::move(*result);
  } else {
    if (mlir::failed(ssmc::lowerModule(*module, options, *stage)))
      return 1;
    llvm::raw_string_ostream os(text);
    module->print(os);
  }

  if (outputFile == "-") {
    llvm::outs() << text;
    return 0;
  }
  if (llvm::Error err = ssmc::writeFileAtomically(outputFile, text)) {
    llvm::errs() << "ssm-compile: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  llvm::errs() << llvm::formatv("ssm-compile: wrote {0} ({1} bytes) in {2:f2} s\n", outputFile,
                                text.size(), seconds);
  return 0;
}
