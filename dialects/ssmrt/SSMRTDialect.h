//===- SSMRTDialect.h - the ssmrt dialect -------------------------*- C++ -*-===//

#ifndef SSM_DIALECTS_SSMRT_SSMRTDIALECT_H
#define SSM_DIALECTS_SSMRT_SSMRTDIALECT_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dialect.h"

#include "dialects/ssmrt/SSMRTOpsDialect.h.inc"

#endif // SSM_DIALECTS_SSMRT_SSMRTDIALECT_H
