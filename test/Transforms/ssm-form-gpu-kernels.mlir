// RUN: ssm-opt %s -split-input-file -ssm-form-gpu-kernels -verify-diagnostics | FileCheck %s

// The outermost parallel loop becomes a kernel of gpu.module @ssm_kernels with one thread per
// flattened iteration (innermost fastest) and a bounds check for the last block; host code
// launches it on ceil(total / 256) blocks. Host allocations become device allocations.
// CHECK-LABEL: func.func @grid
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr, %[[X:.*]]: memref<?x?xf32>)
//       CHECK:   %[[M:.*]] = memref.dim %[[X]], %c0
//       CHECK:   %[[N:.*]] = memref.dim %[[X]], %c1
//       CHECK:   %[[Y:.*]] = ssmrt.alloc %[[ENV]](%[[M]], %[[N]]) : memref<?x?xf32>
//       CHECK:   %[[TOTAL:.*]] = arith.muli %[[M]], %[[N]]
//       CHECK:   %[[BLOCKS:.*]] = arith.ceildivui %[[TOTAL]], %[[C256:.*]] : index
//       CHECK:   ssmrt.launch %[[ENV]] @ssm_kernels::@grid_kernel_0 index 0 grid(%[[BLOCKS]], %{{.*}}, %{{.*}}) block(%[[C256]], %{{.*}}, %{{.*}}) shared(%{{.*}}) (%[[X]], %[[Y]], %[[N]], %[[TOTAL]] :
//   CHECK-NOT:   scf.parallel
//       CHECK: gpu.module @ssm_kernels
//       CHECK:   gpu.func @grid_kernel_0(%[[A:.*]]: memref<?x?xf32>, %[[B:.*]]: memref<?x?xf32>, %[[INNER:.*]]: index, %[[COUNT:.*]]: index) kernel
//  CHECK-SAME:     ssm.kernel_index = 0 : i32
//  CHECK-SAME:     ssm.tiling = {iterations_per_thread = 1 : i64, shared_bytes = 0 : i64, threads_per_block = 256 : i64}
//       CHECK:     %[[BID:.*]] = gpu.block_id x
//       CHECK:     %[[BDIM:.*]] = gpu.block_dim x
//       CHECK:     %[[TID:.*]] = gpu.thread_id x
//       CHECK:     %[[BASE:.*]] = arith.muli %[[BID]], %[[BDIM]]
//       CHECK:     %[[I:.*]] = arith.addi %[[BASE]], %[[TID]]
//       CHECK:     %[[IN:.*]] = arith.cmpi ult, %[[I]], %[[COUNT]]
//       CHECK:     scf.if %[[IN]]
//       CHECK:       %[[J:.*]] = arith.remui %[[I]], %[[INNER]]
//       CHECK:       %[[K:.*]] = arith.divui %[[I]], %[[INNER]]
//       CHECK:       %[[V:.*]] = memref.load %[[A]][%[[K]], %[[J]]]
//       CHECK:       %[[E:.*]] = math.exp %[[V]]
//       CHECK:       memref.store %[[E]], %[[B]][%[[K]], %[[J]]]
//       CHECK:     gpu.return
func.func @grid(%env: !llvm.ptr, %x: memref<?x?xf32>) -> memref<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  %y = memref.alloc(%m, %n) : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x?xf32>
    %e = math.exp %v : f32
    memref.store %e, %y[%i, %j] : memref<?x?xf32>
  }
  return %y : memref<?x?xf32>
}

// -----

// Kernels are numbered in order (the artifact's launch table); a host copy becomes a kernel
// too; a stack buffer whose size is the same for every iteration becomes a slice of a global
// scratch buffer, one slice per iteration.
// CHECK-LABEL: func.func @two
//       CHECK:   %[[SCRATCH:.*]] = ssmrt.alloc %{{.*}}(%{{.*}}) : memref<?xf32>
//       CHECK:   ssmrt.launch %{{.*}} @ssm_kernels::@two_kernel_0 index 0 {{.*}}(%{{.*}}, %[[SCRATCH]], %{{.*}}, %{{.*}} :
//       CHECK:   ssmrt.launch %{{.*}} @ssm_kernels::@two_kernel_1 index 1
//   CHECK-NOT:   memref.copy
//       CHECK: gpu.func @two_kernel_0
//  CHECK-SAME:   ssm.kernel_index = 0
//       CHECK:   scf.if
//       CHECK:     %[[OFFSET:.*]] = arith.muli
//       CHECK:     memref.reinterpret_cast %{{.*}} to offset: [%[[OFFSET]]], sizes: [%{{.*}}], strides: [1]
//   CHECK-NOT:   memref.alloca
//       CHECK: gpu.func @two_kernel_1
//  CHECK-SAME:   ssm.kernel_index = 1
func.func @two(%env: !llvm.ptr, %x: memref<?xf32>, %k: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %y = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %buf = memref.alloca(%k) : memref<?xf32>
    memref.store %zero, %buf[%c0] : memref<?xf32>
    %v = memref.load %buf[%c0] : memref<?xf32>
    memref.store %v, %y[%i] : memref<?xf32>
  }
  %z = memref.alloc(%n) : memref<?xf32>
  memref.copy %y, %z : memref<?xf32> to memref<?xf32>
  return %z : memref<?xf32>
}

// -----

// Host code cannot read tensor data: it lives on the device.
func.func @host_load(%env: !llvm.ptr, %x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{host code of a GPU artifact cannot access device memory; this op must be inside a kernel}}
  %v = memref.load %x[%c0] : memref<?xf32>
  return %v : f32
}

// -----

// A stack buffer whose size changes between iterations cannot be given a fixed slice.
func.func @varying(%env: !llvm.ptr, %x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    // expected-error @+1 {{a GPU kernel needs a stack buffer whose size varies between iterations}}
    %buf = memref.alloca(%i) : memref<?xf32>
    %v = memref.load %x[%i] : memref<?xf32>
    memref.store %v, %buf[%c0] : memref<?xf32>
  }
  return
}

// -----

// Host functions take the runtime environment first.
// expected-error @+1 {{host functions need the runtime environment as their first argument (run ssm-host-env first)}}
func.func @no_env(%x: memref<?xf32>) {
  return
}
