//===- SSMOps.h - ssm dialect operations --------------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_SSM_SSMOPS_H
#define SSM_DIALECTS_SSM_SSMOPS_H

#include "dialects/ssm/SSMDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/ssm/SSMOpsEnums.h.inc"

#define GET_OP_CLASSES
#include "dialects/ssm/SSMOps.h.inc"

#endif // SSM_DIALECTS_SSM_SSMOPS_H
