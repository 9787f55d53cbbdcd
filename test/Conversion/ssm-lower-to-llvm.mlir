// RUN: ssm-opt %s -ssm-lower-to-llvm | FileCheck %s

module attributes {gpu.container_module} {

// The ssmrt ops become calls through the environment's function pointers. The field indices
// are those of struct ssm_host_env (runtime/include/ssm/host_abi.h): 1 status, 2 alloc,
// 3 fail, 4 parallel_for, 5 launch.

// CHECK-LABEL: llvm.func @kernel
//  CHECK-SAME: (%[[ARGS:.*]]: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
//       CHECK:   llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   llvm.load %{{.*}} : !llvm.ptr -> i64
//       CHECK:   %[[SLOT:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
//       CHECK:   %[[P:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.load %[[P]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
func.func private @kernel(%args: !llvm.ptr, %begin: index, %end: index) {
  %n = ssmrt.load_arg %args[0] : index
  %m = ssmrt.load_arg %args[1] : memref<?xf32>
  %v = memref.load %m[%n] : memref<?xf32>
  memref.store %v, %m[%begin] : memref<?xf32>
  return
}

// CHECK-LABEL: llvm.func @host
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr,
// The dispatch's argument slots are allocated once, in the entry block.
//   CHECK-DAG:   llvm.alloca {{.*}} x !llvm.ptr
//   CHECK-DAG:   llvm.alloca {{.*}} x !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
//   CHECK-DAG:   llvm.alloca {{.*}} x i64
// check: a failed condition calls fail(env, message, a, b)
//       CHECK:   llvm.cond_br %{{.*}}, ^[[OK:.*]], ^[[FAIL:.*]]
//       CHECK: ^[[FAIL]]:
//       CHECK:   llvm.mlir.addressof @ssm_check_message_0
//       CHECK:   %[[F:.*]] = llvm.getelementptr %[[ENV]][0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i32, i32, ptr, ptr, ptr, ptr)>
//       CHECK:   %[[FN:.*]] = llvm.load %[[F]] : !llvm.ptr -> !llvm.ptr
//       CHECK:   llvm.call %[[FN]](%[[ENV]], {{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, i64, i64) -> ()
// alloc: env->alloc(env, bytes), bytes checked for overflow and negative sizes (-1 then)
//       CHECK:   "llvm.intr.umul.with.overflow"
//       CHECK:   %[[BYTES:.*]] = llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, i64
//       CHECK:   llvm.getelementptr %[[ENV]][0, 2]
//       CHECK:   llvm.call %{{.*}}(%[[ENV]], %[[BYTES]]) : !llvm.ptr, (!llvm.ptr, i64) -> !llvm.ptr
// dispatch: skipped unless the status is 0, then env->parallel_for(env, kernel, args, n)
//       CHECK:   llvm.getelementptr %[[ENV]][0, 1]
//       CHECK:   llvm.icmp "eq"
//       CHECK:   llvm.cond_br
//       CHECK:   llvm.mlir.addressof @kernel : !llvm.ptr
//       CHECK:   llvm.getelementptr %[[ENV]][0, 4]
//       CHECK:   llvm.call %{{.*}}(%[[ENV]], %{{.*}}, %{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
func.func @host(%env: !llvm.ptr, %ok: i1, %a: i64, %n: index) -> memref<?xf32> {
  ssmrt.check %env, %ok, %a, %a, "shapes must agree"
  %buf = ssmrt.alloc %env(%n) : memref<?xf32>
  ssmrt.dispatch %env @kernel[%n](%n, %buf : index, memref<?xf32>)
  return %buf : memref<?xf32>
}

// The status is field 1.
// CHECK-LABEL: llvm.func @status
//       CHECK:   llvm.getelementptr %{{.*}}[0, 1]
//       CHECK:   llvm.load %{{.*}} : !llvm.ptr -> i32
func.func @status(%env: !llvm.ptr) -> i32 {
  %s = ssmrt.status %env : i32
  return %s : i32
}

// A GPU launch passes the kernel's parameters as convert-gpu-to-nvvm lays them out (a rank-1
// memref is 5 of them) to env->launch(env, index, grid, block, shared, params); the gpu.module
// is left for the NVVM pipeline.
// CHECK-LABEL: llvm.func @launch
//  CHECK-SAME: (%[[ENV:[a-z0-9]+]]: !llvm.ptr,
//       CHECK:   llvm.alloca {{.*}} x !llvm.ptr
//       CHECK:   llvm.extractvalue %{{.*}}[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
//       CHECK:   llvm.extractvalue %{{.*}}[1]
//       CHECK:   llvm.extractvalue %{{.*}}[2]
//       CHECK:   llvm.extractvalue %{{.*}}[3, 0]
//       CHECK:   llvm.extractvalue %{{.*}}[4, 0]
//       CHECK:   llvm.getelementptr %[[ENV]][0, 1]
//       CHECK:   llvm.cond_br
//       CHECK:   %[[INDEX:.*]] = llvm.mlir.constant(3 : i32) : i32
//       CHECK:   llvm.getelementptr %[[ENV]][0, 5]
//       CHECK:   llvm.call %{{.*}}(%[[ENV]], %[[INDEX]], {{.*}}) : !llvm.ptr, (!llvm.ptr, i32, i32, i32, i32, i32, i32, i32, i32, !llvm.ptr) -> ()
//       CHECK: gpu.module @kernels
func.func @launch(%env: !llvm.ptr, %m: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %s = arith.constant 0 : i32
  ssmrt.launch %env @kernels::@k index 3 grid(%n, %c1, %c1) block(%c1, %c1, %c1) shared(%s)
      (%m, %n : memref<?xf32>, index)
  return
}
gpu.module @kernels {
  gpu.func @k(%m: memref<?xf32>, %n: index) kernel {
    gpu.return
  }
}
}
