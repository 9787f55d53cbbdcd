// RUN: ssm-opt %s | ssm-opt | FileCheck %s
// RUN: ssm-opt %s --mlir-print-op-generic | ssm-opt | FileCheck %s

// CHECK-LABEL: func.func private @kernel
//       CHECK:   ssmrt.load_arg %{{.*}}[0] : memref<?x4xf32>
//       CHECK:   ssmrt.load_arg %{{.*}}[1] : index
//       CHECK:   ssmrt.load_arg %{{.*}}[2] : f32
func.func private @kernel(%args: !llvm.ptr, %begin: index, %end: index) {
  %m = ssmrt.load_arg %args[0] : memref<?x4xf32>
  %n = ssmrt.load_arg %args[1] : index
  %f = ssmrt.load_arg %args[2] : f32
  return
}

// CHECK-LABEL: func.func @host
//       CHECK:   %[[B:.*]] = ssmrt.alloc %{{.*}}(%{{.*}}) : memref<?x4xf32>
//       CHECK:   ssmrt.check %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, "sizes differ"
//       CHECK:   ssmrt.dispatch %{{.*}} @kernel[%{{.*}}](%[[B]], %{{.*}}, %{{.*}} : memref<?x4xf32>, index, f32)
//       CHECK:   ssmrt.store_arg %[[B]], %{{.*}}[0] : memref<?x4xf32>
//       CHECK:   ssmrt.status %{{.*}} : i32
func.func @host(%env: !llvm.ptr, %outs: !llvm.ptr, %n: index, %ok: i1, %a: i64, %f: f32) -> i32 {
  %b = ssmrt.alloc %env(%n) : memref<?x4xf32>
  ssmrt.check %env, %ok, %a, %a, "sizes differ"
  ssmrt.dispatch %env @kernel[%n](%b, %n, %f : memref<?x4xf32>, index, f32)
  ssmrt.store_arg %b, %outs[0] : memref<?x4xf32>
  %s = ssmrt.status %env : i32
  return %s : i32
}
