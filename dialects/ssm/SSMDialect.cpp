//===- SSMDialect.cpp - the ssm dialect -----------------------------------===//

#include "dialects/ssm/SSMDialect.h"
#include "dialects/ssm/SSMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ssm;

#include "dialects/ssm/SSMOpsDialect.cpp.inc"
#include "dialects/ssm/SSMOpsEnums.cpp.inc"

void SSMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/ssm/SSMOps.cpp.inc"
      >();
}
