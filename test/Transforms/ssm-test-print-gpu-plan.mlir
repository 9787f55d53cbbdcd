// RUN: not ssm-opt %s -split-input-file -ssm-lower-to-gpu -ssm-test-print-gpu-plan \
// RUN:   -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s
// RUN: not ssm-opt %s -split-input-file -ssm-lower-to-gpu="chip=sm_80 states-per-lane=8" \
// RUN:   -ssm-test-print-gpu-plan -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=K8

// The selective scan at N = 16 with f16 B and C: 4 states per lane (8 channels a warp) and,
// for small batches, 2 (4 channels a warp); stages of 64 steps (two 16-byte vectors per thread
// per stage) in 2 x 64 x 2 x 16 floats of shared memory.
// CHECK: remark: ssm_selective_scan_n16_k2: 128 threads per block, 0 bytes of shared memory; channels_per_block = 16, lanes_per_channel = 8, stage_steps = 0, states_per_lane = 2, steps_per_tile = 8, vector_bytes = 16
// CHECK: remark: ssm_selective_scan_n16_k2_staged: 128 threads per block, 16384 bytes of shared memory; channels_per_block = 16, lanes_per_channel = 8, stage_steps = 64, states_per_lane = 2, steps_per_tile = 8, vector_bytes = 16
// CHECK: remark: ssm_selective_scan_n16_k4: 128 threads per block, 0 bytes of shared memory; channels_per_block = 32, lanes_per_channel = 4, stage_steps = 0, states_per_lane = 4, steps_per_tile = 8, vector_bytes = 16
// CHECK: remark: ssm_selective_scan_n16_k4_staged: 128 threads per block, 16384 bytes of shared memory; channels_per_block = 32, lanes_per_channel = 4, stage_steps = 64, states_per_lane = 4, steps_per_tile = 8, vector_bytes = 16
// Eight states per lane asked for: 2 lanes a channel, tiles of 8 steps (one vector), and no
// other tiling.
// K8: remark: ssm_selective_scan_n16_k8: 128 threads per block, 0 bytes of shared memory; channels_per_block = 64, lanes_per_channel = 2, stage_steps = 0, states_per_lane = 8, steps_per_tile = 8, vector_bytes = 16
// K8: remark: ssm_selective_scan_n16_k8_staged: 128 threads per block, 16384 bytes of shared memory; channels_per_block = 64, lanes_per_channel = 2, stage_steps = 64, states_per_lane = 8, steps_per_tile = 8, vector_bytes = 16
// K8-NOT: remark
func.func @scan(%env: !llvm.ptr, %u: tensor<?x?x?xf16>, %A: tensor<?x16xf32>,
                %B: tensor<?x?x16x?xf16>) -> (tensor<?x?x?xf16>, tensor<?x?x16xf32>) {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B
      : (tensor<?x?x?xf16>, tensor<?x?x?xf16>, tensor<?x16xf32>, tensor<?x?x16x?xf16>,
         tensor<?x?x16x?xf16>) -> (tensor<?x?x?xf16>, tensor<?x?x16xf32>)
  return %y, %h : tensor<?x?x?xf16>, tensor<?x?x16xf32>
}

// -----

// A kernel built elsewhere without a plan is reported.
// CHECK: error: kernel 'bare' has no ssm.tiling plan
// K8: error: kernel 'bare' has no ssm.tiling plan
module attributes {gpu.container_module} {
  gpu.module @ssm_kernels {
    gpu.func @bare() kernel {
      gpu.return
    }
  }
}
