//===- LMOps.h - lm dialect operations ----------------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_LM_LMOPS_H
#define SSM_DIALECTS_LM_LMOPS_H

#include "dialects/lm/LMDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/lm/LMOps.h.inc"

#endif // SSM_DIALECTS_LM_LMOPS_H
