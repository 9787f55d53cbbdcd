//===- SSMDialect.h - the ssm dialect -----------------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_SSM_SSMDIALECT_H
#define SSM_DIALECTS_SSM_SSMDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/ssm/SSMOpsDialect.h.inc"

#endif // SSM_DIALECTS_SSM_SSMDIALECT_H
