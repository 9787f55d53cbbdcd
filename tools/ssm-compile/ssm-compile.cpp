//===- ssm-compile.cpp - compile a model into an artifact -----------------===//
//
// ssm-compile INPUT -o MODEL.ssmx [--target=cpu] [--emit=STAGE] ...
//
// INPUT is MLIR (.mlir), an ONNX model (.onnx, with its external data beside it) or ONNX's
// textual syntax (.onnxtxt). Exit status: 0 done, 1 error, 3 the model uses an ONNX op,
// attribute or type that is not supported.
//
//===----------------------------------------------------------------------===//

#include "lib/Artifact/ArtifactWriter.h"
#include "ssm-compiler/Compiler.h"
#include "ssm-compiler/InitAll.h"
#include "ssm-compiler/OnnxImport.h"

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
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir, .onnx or .onnxtxt>"),
                                      cl::cat(category));
static cl::opt<bool> listOnnxOps("list-onnx-ops",
                                 cl::desc("Print the ONNX ops the importer supports (domain, "
                                          "op, first opset, notes; tab-separated) and exit"),
                                 cl::init(false), cl::cat(category));
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
         cl::desc("What to write: mlir (the input, verified), raised (plain-op subgraphs "
                  "recognised), loops, buffers, kernels, llvm (LLVM dialect), llvm-ir, ptx "
                  "(--target=cuda), artifact"),
         cl::init("artifact"), cl::cat(category));
static cl::opt<std::string> entry("entry", cl::desc("The function to compile"), cl::init("main"),
                                  cl::cat(category));
static cl::opt<bool> decompose("decompose",
                               cl::desc("Lower selective_scan and ssd through their "
                                        "decomposition instead of fused"),
                               cl::init(false), cl::cat(category));
static cl::opt<bool> noRaise("no-raise",
                             cl::desc("Keep plain-op subgraphs as they are instead of "
                                      "recognising SiLU, softplus, RMS norms, causal "
                                      "convolutions, RoPE and attention (ssm-raise)"),
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
  if (listOnnxOps) {
    for (const ssmc::OnnxOpInfo &op : ssmc::supportedOnnxOps())
      llvm::outs() << (op.domain.empty() ? "ai.onnx" : op.domain) << "\t" << op.opType << "\t"
                   << op.sinceOpset << "\t" << op.notes << "\n";
    return 0;
  }
  if (inputFile.empty()) {
    llvm::errs() << "ssm-compile: no input file (see --help)\n";
    return 1;
  }

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
  options.raise = !noRaise;
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
  llvm::StringRef input(inputFile);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (input.ends_with(".onnx") || input.ends_with(".onnxtxt")) {
    ssmc::OnnxImportOptions importOptions;
    importOptions.entry = entry;
    ssmc::OnnxImportStatus status;
    module = ssmc::importOnnxFile(&context, input, importOptions, status);
    if (!module)
      return status == ssmc::OnnxImportStatus::Unsupported ? 3 : 1;
  } else {
    module = mlir::parseSourceFile<mlir::ModuleOp>(inputFile, sourceMgr, &context);
    if (!module)
      return 1;
  }

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
