// RUN: ssm-opt %s -split-input-file -ssm-host-env -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @main
//  CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: tensor<4xf32>)
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{no function 'main' to use as the entry point}}
module {
  func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
  // expected-error @+1 {{functions other than the entry point 'main' must be inlined before ssm-host-env}}
  func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
