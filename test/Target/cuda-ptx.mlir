// REQUIRES: cuda-toolkit
// RUN: ssm-compile %s --target=cuda --emit=ptx -o - | FileCheck %s

// The PTX of the selective scan at the Mamba-2.8B layer shape (bf16 activations, f32 state):
// both kernels keep the state in registers (no local memory), read B and C as 128-bit global
// loads, take exp2 on the special function unit without denormal handling, and exchange step
// sizes and partial outputs with warp shuffles; the staged kernel also copies B and C through
// shared memory with one barrier per stage.
// CHECK:     .target sm_90a
// CHECK-NOT: .local
// CHECK:     .entry ssm_selective_scan_n16_k4(
// CHECK-NOT: .local
// CHECK:     ld.global.v4.b32
// CHECK:     shfl.sync.idx.b32
// CHECK:     ex2.approx.ftz.f32
// CHECK:     shfl.sync.bfly.b32
// CHECK:     rcp.approx.ftz.f32
// CHECK-NOT: .local
// CHECK:     .entry ssm_selective_scan_n16_k4_staged(
// CHECK-NOT: .local
// CHECK:     .shared .align 16 .b8 __wg_ssm_selective_scan_n16_k4_staged_0[16384];
// CHECK-NOT: .local
// CHECK:     ld.global.v4.b32
// CHECK:     st.shared.b32
// CHECK:     bar.sync 0;
// CHECK:     ld.shared.v4.b32
// CHECK:     ex2.approx.ftz.f32
// CHECK-NOT: .local
func.func @main(%u: tensor<?x5120x?xbf16>, %delta: tensor<?x5120x?xbf16>,
                %A: tensor<5120x16xf32>, %B: tensor<?x1x16x?xbf16>, %C: tensor<?x1x16x?xbf16>,
                %D: tensor<5120xf32>, %z: tensor<?x5120x?xbf16>, %db: tensor<5120xf32>)
    -> (tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>) {
  %y, %h = ssm.selective_scan %u, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) delta_softplus
      : (tensor<?x5120x?xbf16>, tensor<?x5120x?xbf16>, tensor<5120x16xf32>,
         tensor<?x1x16x?xbf16>, tensor<?x1x16x?xbf16>, tensor<5120xf32>, tensor<?x5120x?xbf16>,
         tensor<5120xf32>) -> (tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>)
  return %y, %h : tensor<?x5120x?xbf16>, tensor<?x5120x16xf32>
}
