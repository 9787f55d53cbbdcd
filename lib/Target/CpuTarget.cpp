//===- CpuTarget.cpp - host shared objects from LLVM-dialect modules ------===//

#include "lib/Target/CpuTarget.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>

using namespace mlir;

/// Defines `__truncsfbf2(float) -> bfloat` in `module`. The x86 backend calls it to round f32 to
/// bf16 when it legalizes bf16 values that LLVM's optimizer moved into selects or phis; the C
/// libraries of Debian 12 do not provide it. Round to nearest even; NaN stays a (quiet) NaN.
static void defineTruncSFBF2(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *type =
      llvm::FunctionType::get(llvm::Type::getBFloatTy(ctx), {llvm::Type::getFloatTy(ctx)}, false);
  auto *fn =
      llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, "__truncsfbf2", module);
  fn->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  llvm::Type *i32 = b.getInt32Ty();
  llvm::Value *bits = b.CreateBitCast(fn->getArg(0), i32);
  llvm::Value *lsb = b.CreateAnd(b.CreateLShr(bits, 16), 1);
  llvm::Value *rounded = b.CreateAdd(bits, b.CreateAdd(lsb, b.getInt32(0x7fff)));
  llvm::Value *quiet = b.CreateOr(bits, b.getInt32(0x400000));
  llvm::Value *isNan = b.CreateFCmpUNO(fn->getArg(0), fn->getArg(0));
  llvm::Value *chosen = b.CreateSelect(isNan, quiet, rounded);
  llvm::Value *half = b.CreateTrunc(b.CreateLShr(chosen, 16), b.getInt16Ty());
  b.CreateRet(b.CreateBitCast(half, llvm::Type::getBFloatTy(ctx)));
}

static constexpr llvm::StringLiteral kTriple = "x86_64-unknown-linux-gnu";
static constexpr llvm::StringLiteral kEntrySymbol = "ssm_main";

FailureOr<std::string> ssmc::emitHostCode(ModuleOp module, const CpuTargetOptions &options,
                                          bool object) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(kTriple);
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError("no LLVM target for ") << kTriple << ": " << error;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, options.cpu, /*Features=*/"", llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return module.emitError("cannot create a target machine for CPU '") << options.cpu << "'";

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  defineTruncSFBF2(*llvmModule);
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    if (fn.getName() != kEntrySymbol && !fn.hasHiddenVisibility())
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
    // Let the vectorizer and the backend use the baseline's features.
    fn.addFnAttr("target-cpu", options.cpu);
  }

  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return module.emitError("LLVM optimization failed: ") << llvm::toString(std::move(err));

  std::string buffer;
  llvm::raw_string_ostream os(buffer);
  if (!object) {
    llvmModule->print(os, nullptr);
    return buffer;
  }
  llvm::SmallString<0> objectBytes;
  llvm::raw_svector_ostream objectStream(objectBytes);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, objectStream, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return module.emitError("the target cannot emit object files");
  codegen.run(*llvmModule);
  return std::string(objectBytes.str());
}

namespace {
/// A temporary file removed when this goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};
} // namespace

FailureOr<std::string> ssmc::linkSharedObject(ModuleOp anchor, llvm::StringRef object,
                                              const CpuTargetOptions &options) {
  std::string linker = options.linker;
  if (linker.empty())
    if (const char *env = std::getenv("SSM_LINKER"))
      linker = env;
  if (linker.empty())
    linker = SSM_DEFAULT_LINKER;

  TempFile input, output, log;
  if (llvm::sys::fs::createTemporaryFile("ssm-host", "o", input.path) ||
      llvm::sys::fs::createTemporaryFile("ssm-host", "so", output.path) ||
      llvm::sys::fs::createTemporaryFile("ssm-link", "log", log.path))
    return anchor.emitError("cannot create temporary files for linking");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(input.path, ec);
    if (ec)
      return anchor.emitError("cannot write ") << input.path << ": " << ec.message();
    os << object;
  }
  // The host code needs the C library (memcpy, memset), libm (functions the polynomial
  // approximations do not cover) and libgcc_s (half-precision conversions on baselines without
  // F16C). Undefined symbols are an error here rather than at load time.
  llvm::SmallVector<llvm::StringRef> args{linker,
                                          "-shared",
                                          "--no-undefined",
                                          "--hash-style=gnu",
                                          "-z",
                                          "relro",
                                          "-z",
                                          "now",
                                          "--as-needed",
                                          "-L/lib/x86_64-linux-gnu",
                                          "-L/usr/lib/x86_64-linux-gnu",
                                          "-o",
                                          output.path,
                                          input.path,
                                          "-l:libm.so.6",
                                          "-l:libc.so.6",
                                          "-l:libgcc_s.so.1"};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.path.str(), log.path.str()};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, redirects, 0, 0, &error);
  if (rc != 0) {
    auto diag = anchor.emitError("linking the host shared object failed (") << linker << "): ";
    if (!error.empty())
      diag << error;
    if (auto text = llvm::MemoryBuffer::getFile(log.path))
      diag << (*text)->getBuffer();
    return failure();
  }
  auto bytes = llvm::MemoryBuffer::getFile(output.path);
  if (!bytes)
    return anchor.emitError("cannot read the linked shared object ") << output.path;
  return (*bytes)->getBuffer().str();
}
