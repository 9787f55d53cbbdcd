//===- SSMRTOps.h - ssmrt dialect operations ----------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_SSMRT_SSMRTOPS_H
#define SSM_DIALECTS_SSMRT_SSMRTOPS_H

#include "dialects/ssmrt/SSMRTDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/ssmrt/SSMRTOps.h.inc"

#endif // SSM_DIALECTS_SSMRT_SSMRTOPS_H
