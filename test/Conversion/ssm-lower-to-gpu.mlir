// RUN: ssm-opt %s -split-input-file -ssm-lower-to-gpu -canonicalize -cse | FileCheck %s
// RUN: ssm-opt %s -split-input-file -ssm-lower-to-gpu="states-per-lane=2" | FileCheck %s --check-prefix=K2

// A static N: for each of two tilings, 4 states per lane and, for small batches, 2 (twice the
// warps), two kernels: a staged one (B and C through shared memory) that host code picks when
// the length is a multiple of the vector width (8 bf16) and every block's channels share one
// group, and a general one otherwise. Each carries its plan.
// CHECK-LABEL: func.func @scan
//  CHECK-SAME: (%[[ENV:.*]]: !llvm.ptr,
//       CHECK:   %[[Y:.*]] = memref.alloc(%[[B:.*]], %[[D:.*]], %[[L:.*]]) : memref<?x?x?xbf16>
//       CHECK:   %[[H:.*]] = memref.alloc(%[[B]], %[[D]]) : memref<?x?x16xf32>
//       CHECK:   %[[BD:.*]] = arith.muli %[[B]], %[[D]]
//       CHECK:   %[[BDN:.*]] = arith.muli %[[BD]], %c16
//       CHECK:   %[[WARPS:.*]] = arith.divui %[[BDN]], %c128
//       CHECK:   %[[FEW:.*]] = arith.cmpi ult, %[[WARPS]], %c1056
//       CHECK:   scf.if %[[FEW]] {
//       CHECK:     %[[BLOCKS2:.*]] = arith.ceildivui %[[D]], %c16
//       CHECK:     %[[GRID2:.*]] = arith.muli %[[B]], %[[BLOCKS2]]
//       CHECK:     %[[REM2:.*]] = arith.remui %[[L]], %c8
//       CHECK:     scf.if
//       CHECK:       ssmrt.launch %[[ENV]] @ssm_kernels::@ssm_selective_scan_n16_k2_staged index 0 grid(%[[GRID2]], %c1, %c1) block(%c128, %c1, %c1)
//       CHECK:     } else {
//       CHECK:       ssmrt.launch %[[ENV]] @ssm_kernels::@ssm_selective_scan_n16_k2 index 0 grid(%[[GRID2]], %c1, %c1) block(%c128, %c1, %c1)
//       CHECK:   } else {
//       CHECK:     %[[BLOCKS:.*]] = arith.ceildivui %[[D]], %c32
//       CHECK:     %[[GRID:.*]] = arith.muli %[[B]], %[[BLOCKS]]
//       CHECK:     scf.if
//       CHECK:       ssmrt.launch %[[ENV]] @ssm_kernels::@ssm_selective_scan_n16_k4_staged index 0 grid(%[[GRID]], %c1, %c1) block(%c128, %c1, %c1)
//       CHECK:     } else {
//       CHECK:       ssmrt.launch %[[ENV]] @ssm_kernels::@ssm_selective_scan_n16_k4 index 0 grid(%[[GRID]], %c1, %c1) block(%c128, %c1, %c1)
//       CHECK:   bufferization.to_tensor %[[Y]]
//       CHECK:   bufferization.to_tensor %[[H]]
//   CHECK-NOT:   ssm.selective_scan

// The general kernel: each lane reads its rows of B and C as 16-byte vectors a tile ahead,
// exchanges step sizes with shuffles and sums the outputs with a butterfly over 4 lanes.
//       CHECK: gpu.func @ssm_selective_scan_n16_k2(
//  CHECK-SAME:   lanes_per_channel = 8 : i64
//       CHECK: gpu.func @ssm_selective_scan_n16_k2_staged(
//  CHECK-SAME:   channels_per_block = 16 : i64
//       CHECK: gpu.func @ssm_selective_scan_n16_k4(
//  CHECK-SAME:   ssm.tiling = {channels_per_block = 32 : i64, lanes_per_channel = 4 : i64, shared_bytes = 0 : i64, stage_steps = 0 : i64, states_per_lane = 4 : i64, steps_per_tile = 8 : i64, threads_per_block = 128 : i64, vector_bytes = 16 : i64}
//       CHECK:   vector.load %{{.*}} {alignment = 16 : i64} : memref<?x?x16x?xbf16>, vector<8xbf16>
//       CHECK:   scf.for {{.*}} iter_args
//       CHECK:     vector.bitcast %{{.*}} : vector<8xbf16> to vector<4xi32>
//       CHECK:     gpu.shuffle idx
//       CHECK:     llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
//       CHECK:     math.fma
//       CHECK:     gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
//       CHECK:     gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
//       CHECK:     nvvm.rcp.approx.ftz.f
//       CHECK:     memref.store %{{.*}} : memref<?x?x?xbf16>
//       CHECK:   gpu.return

// The staged kernel: 2 x 64 steps x (B, C) x 16 states of f32 in shared memory, one barrier
// per stage, each lane's 4 states of a step read as one vector.
//       CHECK: gpu.func @ssm_selective_scan_n16_k4_staged(
//  CHECK-SAME:   workgroup(%[[SHARED:.*]] : memref<4096xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
//  CHECK-SAME:   ssm.tiling = {channels_per_block = 32 : i64, lanes_per_channel = 4 : i64, shared_bytes = 16384 : i64, stage_steps = 64 : i64, states_per_lane = 4 : i64, steps_per_tile = 8 : i64, threads_per_block = 128 : i64, vector_bytes = 16 : i64}
//       CHECK:   scf.for {{.*}} iter_args
//       CHECK:     scf.if {{.*}} -> (vector<8xbf16>, vector<8xbf16>)
//       CHECK:       memref.store %{{.*}}, %[[SHARED]][%{{.*}}] : memref<4096xf32, #gpu.address_space<workgroup>>
//       CHECK:       gpu.barrier
//       CHECK:       vector.load %{{.*}} {alignment = 16 : i64} : memref<?x?x16x?xbf16>, vector<8xbf16>
//       CHECK:     } else {
//       CHECK:     vector.load %[[SHARED]][%{{.*}}] {alignment = 16 : i64} : memref<4096xf32, #gpu.address_space<workgroup>>, vector<4xf32>
//       CHECK:     llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
//       CHECK:   gpu.return

// Two states per lane asked for: only that tiling.
//  K2-LABEL: func.func @scan
//      K2-NOT: ssm_selective_scan_n16_k1
//      K2: ssmrt.launch {{.*}} @ssm_kernels::@ssm_selective_scan_n16_k2_staged
//      K2: gpu.func @ssm_selective_scan_n16_k2(
// K2-SAME:   lanes_per_channel = 8 : i64
// K2-SAME:   states_per_lane = 2 : i64
//      K2: gpu.func @ssm_selective_scan_n16_k2_staged(
// K2-SAME:   workgroup(%{{.*}} : memref<4096xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// K2-SAME:   channels_per_block = 16 : i64
func.func @scan(%env: !llvm.ptr, %u: tensor<?x?x?xbf16>, %delta: tensor<?x?x?xbf16>,
                %A: tensor<?x16xf32>, %B: tensor<?x?x16x?xbf16>, %C: tensor<?x?x16x?xbf16>,
                %D: tensor<?xf32>, %z: tensor<?x?x?xbf16>, %bias: tensor<?xf32>)
    -> (tensor<?x?x?xbf16>, tensor<?x?x16xf32>) {
  %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%bias) delta_softplus
      : (tensor<?x?x?xbf16>, tensor<?x?x?xbf16>, tensor<?x16xf32>, tensor<?x?x16x?xbf16>,
         tensor<?x?x16x?xbf16>, tensor<?xf32>, tensor<?x?x?xbf16>, tensor<?xf32>)
      -> (tensor<?x?x?xbf16>, tensor<?x?x16xf32>)
  return %y, %h : tensor<?x?x?xbf16>, tensor<?x?x16xf32>
}

// -----

// A dynamic N has no kernel of its own here: the op stays for ssm-lower-to-loops.
// CHECK-LABEL: func.func @dynamic_n
//       CHECK:   ssm.selective_scan
//   CHECK-NOT:   gpu.module
func.func @dynamic_n(%env: !llvm.ptr, %u: tensor<?x?x?xf32>, %A: tensor<?x?xf32>,
                     %B: tensor<?x?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B
      : (tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>, tensor<?x?x?x?xf32>,
         tensor<?x?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %y, %h : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}

// -----

// N = 128: with 4 states per lane (32 lanes, tiles of 32 steps) two stages would need 64 KB
// of shared memory, more than a block may declare; 8 states per lane (16 lanes, tiles and
// stages of 16 steps) need 32 KB.
// With fewer warps, 4 states per lane (no staged kernel).
// CHECK-LABEL: func.func @wide
//       CHECK: gpu.func @ssm_selective_scan_n128_k4(
//   CHECK-NOT:   workgroup
//       CHECK: gpu.func @ssm_selective_scan_n128_k8(
//  CHECK-SAME:   lanes_per_channel = 16 : i64
//  CHECK-SAME:   steps_per_tile = 16 : i64
//       CHECK: gpu.func @ssm_selective_scan_n128_k8_staged(
//  CHECK-SAME:   workgroup(%{{.*}} : memref<8192xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
//  CHECK-SAME:   shared_bytes = 32768 : i64, stage_steps = 16 : i64
func.func @wide(%env: !llvm.ptr, %u: tensor<?x?x?xf32>, %A: tensor<?x128xf32>,
                %B: tensor<?x?x128x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x128xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B
      : (tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x128xf32>, tensor<?x?x128x?xf32>,
         tensor<?x?x128x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x128xf32>)
  return %y, %h : tensor<?x?x?xf32>, tensor<?x?x128xf32>
}

// -----

// A decode step (L = 1, static N): one kernel that also computes the causal conv feeding the
// scan; the conv op is gone and its final state comes from the kernel. A row's 16 states lie
// on 4 lanes, 32 rows per block of 128 threads, B * D rows.
// CHECK-LABEL: func.func @decode_step
//   CHECK-NOT:   ssm.causal_conv1d %
//       CHECK:   %[[Y:.*]] = memref.alloc(%[[B:.*]], %[[D:.*]]) : memref<?x?x1xbf16>
//       CHECK:   %[[H:.*]] = memref.alloc(%[[B]], %[[D]]) : memref<?x?x16xf32>
//       CHECK:   %[[S:.*]] = memref.alloc(%[[B]], %[[D]]) : memref<?x?x3xbf16>
//       CHECK:   memref.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : memref<?x?x16x1xbf16> into memref<?x?x16xbf16>
//       CHECK:   %[[ROWS:.*]] = arith.muli %[[B]], %[[D]]
//       CHECK:   %[[GRID:.*]] = arith.ceildivui %[[ROWS]], %c32
//       CHECK:   ssmrt.launch %{{.*}} @ssm_kernels::@ssm_decode_step_n16_conv index 0 grid(%[[GRID]], %c1, %c1) block(%c128, %c1, %c1)
//   CHECK-NOT:   ssm.causal_conv1d %
//   CHECK-NOT:   ssm.selective_scan %
//       CHECK: gpu.func @ssm_decode_step_n16_conv(
//  CHECK-SAME:   ssm.tiling = {fused_conv_width = 4 : i64, lanes_per_row = 4 : i64, states_per_lane = 4 : i64, threads_per_block = 128 : i64}
//       CHECK:   vector.load %{{.*}} {alignment = 16 : i64} : memref<?x?x16xf32>, vector<4xf32>
//       CHECK:   vector.load %{{.*}} {alignment = 8 : i64} : memref<?x?x16xbf16>, vector<4xbf16>
//       CHECK:   llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f"
//       CHECK:   gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
//       CHECK:   gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
//       CHECK:   vector.store %{{.*}} {alignment = 16 : i64} : memref<?x?x16xf32>, vector<4xf32>
func.func @decode_step(%env: !llvm.ptr, %x: tensor<?x?x1xbf16>, %w: tensor<?x4xf32>,
                       %s: tensor<?x?x3xbf16>, %A: tensor<?x16xf32>,
                       %B: tensor<?x?x16x1xbf16>, %h: tensor<?x?x16xf32>)
    -> (tensor<?x?x1xbf16>, tensor<?x?x16xf32>, tensor<?x?x3xbf16>) {
  %u, %s1 = ssm.causal_conv1d %x, %w init(%s) activation = silu
      : (tensor<?x?x1xbf16>, tensor<?x4xf32>, tensor<?x?x3xbf16>)
      -> (tensor<?x?x1xbf16>, tensor<?x?x3xbf16>)
  %y, %h1 = ssm.selective_scan %u, %x, %A, %B, %B init(%h) delta_softplus
      : (tensor<?x?x1xbf16>, tensor<?x?x1xbf16>, tensor<?x16xf32>, tensor<?x?x16x1xbf16>,
         tensor<?x?x16x1xbf16>, tensor<?x?x16xf32>) -> (tensor<?x?x1xbf16>, tensor<?x?x16xf32>)
  return %y, %h1, %s1 : tensor<?x?x1xbf16>, tensor<?x?x16xf32>, tensor<?x?x3xbf16>
}

// -----

// The conv's output is also returned: the conv stays an op of its own (lowered later), and the
// decode kernel reads u.
// CHECK-LABEL: func.func @decode_step_shared_u
//       CHECK:   ssm.causal_conv1d %
//       CHECK:   ssmrt.launch %{{.*}} @ssm_kernels::@ssm_decode_step_n16 index 0
//       CHECK: gpu.func @ssm_decode_step_n16(
//  CHECK-SAME:   fused_conv_width = 0 : i64
func.func @decode_step_shared_u(%env: !llvm.ptr, %x: tensor<?x?x1xf32>, %w: tensor<?x4xf32>,
                                %A: tensor<?x16xf32>, %B: tensor<?x?x16x1xf32>)
    -> (tensor<?x?x1xf32>, tensor<?x?x16xf32>, tensor<?x?x1xf32>) {
  %u, %s1 = ssm.causal_conv1d %x, %w
      : (tensor<?x?x1xf32>, tensor<?x4xf32>) -> (tensor<?x?x1xf32>, tensor<?x?x3xf32>)
  %y, %h1 = ssm.selective_scan %u, %x, %A, %B, %B
      : (tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x16xf32>, tensor<?x?x16x1xf32>,
         tensor<?x?x16x1xf32>) -> (tensor<?x?x1xf32>, tensor<?x?x16xf32>)
  return %y, %h1, %u : tensor<?x?x1xf32>, tensor<?x?x16xf32>, tensor<?x?x1xf32>
}
