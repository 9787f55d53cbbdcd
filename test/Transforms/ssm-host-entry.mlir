// RUN: ssm-opt %s -split-input-file -ssm-host-entry -verify-diagnostics | FileCheck %s

// The entry point of the host ABI reads the input descriptors, calls the entry function,
// writes the result descriptors and returns the environment's status.
// CHECK-LABEL: func.func private @main
// CHECK-LABEL: func.func @ssm_main
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr, %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr) -> i32
//       CHECK:   %[[A:.*]] = ssmrt.load_arg %[[IN]][0] : memref<?x4xf32>
//       CHECK:   %[[B:.*]] = ssmrt.load_arg %[[IN]][1] : memref<f32>
//       CHECK:   %[[R:.*]]:2 = call @main(%[[ENV]], %[[A]], %[[B]])
//       CHECK:   ssmrt.store_arg %[[R]]#0, %[[OUT]][0] : memref<?x4xf32>
//       CHECK:   ssmrt.store_arg %[[R]]#1, %[[OUT]][1] : memref<f32>
//       CHECK:   %[[S:.*]] = ssmrt.status %[[ENV]] : i32
//       CHECK:   return %[[S]] : i32
func.func @main(%env: !llvm.ptr, %a: memref<?x4xf32>, %b: memref<f32>)
    -> (memref<?x4xf32>, memref<f32>) {
  return %a, %b : memref<?x4xf32>, memref<f32>
}

// -----

// expected-error @+1 {{no entry function 'main' taking the runtime environment first (run ssm-host-env)}}
module {
  func.func @main(%a: memref<4xf32>) {
    return
  }
}

// -----

module {
  // expected-error @+1 {{the entry point's inputs and results must be contiguous memrefs (bufferize with identity layouts at function boundaries), got 'memref<4xf32, strided<[2]>>'}}
  func.func @main(%env: !llvm.ptr, %a: memref<4xf32, strided<[2]>>) {
    return
  }
}
