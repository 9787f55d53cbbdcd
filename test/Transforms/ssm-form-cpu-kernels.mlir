// RUN: ssm-opt %s -split-input-file -ssm-form-cpu-kernels -verify-diagnostics | FileCheck %s

// The outermost parallel loop becomes a kernel: what it uses from the host comes through the
// argument array (constants are cloned), and it runs the iterations [begin, end).
// CHECK-LABEL: func.func private @scale_kernel_0
//  CHECK-SAME: (%[[ARGS:.*]]: !llvm.ptr, %[[BEGIN:.*]]: index, %[[END:.*]]: index)
//  CHECK-SAME: attributes {ssm.kernel}
//   CHECK-DAG:   %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
//   CHECK-DAG:   %[[X:.*]] = ssmrt.load_arg %[[ARGS]][0] : memref<?xf32>
//   CHECK-DAG:   %[[Y:.*]] = ssmrt.load_arg %[[ARGS]][1] : memref<?xf32>
//       CHECK:   scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]]
//       CHECK:     %[[V:.*]] = memref.load %[[X]][%[[I]]]
//       CHECK:     %[[M:.*]] = arith.mulf %[[V]], %[[TWO]]
//       CHECK:     memref.store %[[M]], %[[Y]][%[[I]]]
// CHECK-LABEL: func.func @scale
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr, %[[XH:.*]]: memref<?xf32>)
//       CHECK:   %[[N:.*]] = memref.dim %[[XH]]
//       CHECK:   %[[YH:.*]] = ssmrt.alloc %[[ENV]](%[[N]]) : memref<?xf32>
//       CHECK:   ssmrt.dispatch %[[ENV]] @scale_kernel_0[%[[N]]](%[[XH]], %[[YH]] : memref<?xf32>, memref<?xf32>)
//   CHECK-NOT:   scf.parallel
func.func @scale(%env: !llvm.ptr, %x: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf32>
    %m = arith.mulf %v, %two : f32
    memref.store %m, %y[%i] : memref<?xf32>
  }
  return %y : memref<?xf32>
}

// -----

// Several loop dimensions are flattened into one range (innermost fastest); loops that do not
// start at 0 with step 1 are mapped back. A host copy becomes a kernel too, and the stack
// buffer of an iteration is allocated once per kernel call.
// CHECK-LABEL: func.func private @grid_kernel_0
//       CHECK:   %[[TRIP:.*]] = ssmrt.load_arg %{{.*}}[{{[0-9]+}}] : index
//       CHECK:   memref.alloca() : memref<4xf32>
//       CHECK:   scf.for %[[I:.*]] =
//       CHECK:     %[[INNER:.*]] = arith.remui %[[I]], %[[TRIP]]
//       CHECK:     %[[OUTER:.*]] = arith.divui %[[I]], %[[TRIP]]
//       CHECK:     arith.muli %[[INNER]]
//       CHECK:     arith.addi
// CHECK-LABEL: func.func private @grid_kernel_1
//       CHECK:   memref.load
//       CHECK:   memref.store
// CHECK-LABEL: func.func @grid
//       CHECK:   %[[TRIPS:.*]] = arith.ceildivui
//       CHECK:   %[[TOTAL:.*]] = arith.muli %{{.*}}, %[[TRIPS]]
//       CHECK:   ssmrt.dispatch %{{.*}} @grid_kernel_0[%[[TOTAL]]]
//       CHECK:   ssmrt.dispatch %{{.*}} @grid_kernel_1
//   CHECK-NOT:   memref.copy
func.func @grid(%env: !llvm.ptr, %x: memref<?x?xf32>, %out: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c2) to (%m, %n) step (%c1, %c3) {
    %tmp = memref.alloca() : memref<4xf32>
    %v = memref.load %x[%i, %j] : memref<?x?xf32>
    memref.store %v, %tmp[%c0] : memref<4xf32>
    %w = memref.load %tmp[%c0] : memref<4xf32>
    memref.store %w, %x[%i, %j] : memref<?x?xf32>
  }
  memref.copy %x, %out : memref<?x?xf32> to memref<?x?xf32>
  return
}

// -----

func.func @varying_stack(%env: !llvm.ptr, %x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    // expected-error @+1 {{a CPU kernel needs a stack buffer whose size varies between iterations}}
    %tmp = memref.alloca(%i) : memref<?xf32>
    %v = memref.load %x[%i] : memref<?xf32>
    memref.store %v, %tmp[%c0] : memref<?xf32>
  }
  return
}

// -----

// expected-error @+1 {{host functions need the runtime environment as their first argument (run ssm-host-env first)}}
func.func @no_env(%x: memref<4xf32>) {
  return
}
