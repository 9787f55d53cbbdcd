//===- LMDialect.h - the lm dialect -------------------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_LM_LMDIALECT_H
#define SSM_DIALECTS_LM_LMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/lm/LMOpsDialect.h.inc"

#endif // SSM_DIALECTS_LM_LMDIALECT_H
