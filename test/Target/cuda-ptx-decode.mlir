// REQUIRES: cuda-toolkit
// RUN: ssm-compile %s --target=cuda --emit=ptx -o - | FileCheck %s

// One token of a Mamba-1 layer (bench/gpu/decode_step_bf16.mlir): the causal conv and the
// one-step selective scan become a single kernel, which reads and writes each lane's four f32
// states as one 128-bit access, keeps everything in registers (no local memory), and sums the
// output over the row's four lanes with two butterfly shuffles.
// CHECK:     .target sm_90a
// CHECK-NOT: .local
// CHECK:     .entry ssm_decode_step_n16_conv(
// CHECK-NOT: .local
// CHECK:     ld.global.v4.b32
// CHECK:     ex2.approx.ftz.f32
// CHECK:     shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// CHECK:     shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// CHECK:     st.global.v4.b32
// CHECK-NOT: .local
// CHECK-NOT: .entry
func.func @main(%x: tensor<?x5120x1xbf16>, %conv_state: tensor<?x5120x3xbf16>,
                %w: tensor<5120x4xf32>, %conv_bias: tensor<5120xf32>,
                %delta: tensor<?x5120x1xbf16>, %A: tensor<5120x16xf32>,
                %B: tensor<?x1x16x1xbf16>, %C: tensor<?x1x16x1xbf16>, %D: tensor<5120xf32>,
                %z: tensor<?x5120x1xbf16>, %db: tensor<5120xf32>, %h: tensor<?x5120x16xf32>)
    -> (tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>, tensor<?x5120x16xf32>) {
  %xc, %state = ssm.causal_conv1d %x, %w bias(%conv_bias) init(%conv_state) activation = silu
      : (tensor<?x5120x1xbf16>, tensor<5120x4xf32>, tensor<5120xf32>, tensor<?x5120x3xbf16>)
      -> (tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>)
  %y, %hn = ssm.selective_scan %xc, %delta, %A, %B, %C D(%D) z(%z) delta_bias(%db) init(%h)
      delta_softplus
      : (tensor<?x5120x1xbf16>, tensor<?x5120x1xbf16>, tensor<5120x16xf32>,
         tensor<?x1x16x1xbf16>, tensor<?x1x16x1xbf16>, tensor<5120xf32>, tensor<?x5120x1xbf16>,
         tensor<5120xf32>, tensor<?x5120x16xf32>) -> (tensor<?x5120x1xbf16>, tensor<?x5120x16xf32>)
  return %y, %state, %hn : tensor<?x5120x1xbf16>, tensor<?x5120x3xbf16>, tensor<?x5120x16xf32>
}
