//===- SSMAttrs.td - ssm dialect attributes ----------------*- tablegen -*-===//

#ifndef SSM_DIALECT_SSMATTRS_TD
#define SSM_DIALECT_SSMATTRS_TD

include "dialects/ssm/SSMDialect.td"
include "mlir/IR/EnumAttr.td"

def SSM_DiscretizeMethod : I32EnumAttr<"DiscretizeMethod",
    "how a continuous-time diagonal SSM is discretized", [
      I32EnumAttrCase<"zoh", 0>,
      I32EnumAttrCase<"euler", 1>,
      I32EnumAttrCase<"bilinear", 2>,
      I32EnumAttrCase<"mamba", 3>
    ]> {
  let cppNamespace = "::mlir::ssm";
}

def SSM_Activation : I32EnumAttr<"Activation",
    "activation applied after a convolution", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"silu", 1>
    ]> {
  let cppNamespace = "::mlir::ssm";
}

#endif // SSM_DIALECT_SSMATTRS_TD
