// RUN: ssm-compile %s --emit=kernels | FileCheck %s --check-prefix=KERNELS
// RUN: ssm-compile %s --emit=llvm-ir | FileCheck %s --check-prefix=IR
// RUN: ssm-compile %s -o %t.ssmx && ssm-run %t.ssmx --describe | FileCheck %s --check-prefix=DESCRIBE
// RUN: SSM_CPU_BASELINE=x86-64 ssm-run %t.ssmx --describe | FileCheck %s --check-prefix=GENERIC
// RUN: not ssm-compile %s --entry=nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not ssm-compile %s --emit=bogus 2>&1 | FileCheck %s --check-prefix=EMIT
// RUN: not ssm-compile %s --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET

// Artifacts that are truncated, corrupted or not artifacts at all are rejected with a reason.
// RUN: head -c 200 %t.ssmx > %t.truncated
// RUN: not ssm-run %t.truncated --describe 2>&1 | FileCheck %s --check-prefix=TRUNCATED
// RUN: cp %t.ssmx %t.corrupt && printf 'X' | dd of=%t.corrupt bs=1 seek=2000 conv=notrunc 2>/dev/null
// RUN: not ssm-run %t.corrupt --describe 2>&1 | FileCheck %s --check-prefix=CORRUPT
// RUN: not ssm-run %s --describe 2>&1 | FileCheck %s --check-prefix=NOTART

// KERNELS: func.func private @main_kernel_0(%{{.*}}: !llvm.ptr, %{{.*}}: index, %{{.*}}: index) attributes {ssm.kernel}
// KERNELS: func.func private @main(%{{.*}}: !llvm.ptr
// KERNELS:   ssmrt.dispatch %{{.*}} @main_kernel_0
// KERNELS: func.func @ssm_main

// IR: define internal void @main_kernel_0(ptr
// IR: define i32 @ssm_main(ptr

// DESCRIBE: target: cpu (host code for x86-64{{(-v3)?}})
// DESCRIBE: input 0: x f32 (?, 64)
// DESCRIBE: input 1: w f32 (64)
// DESCRIBE: output 0: y f32
// GENERIC: target: cpu (host code for x86-64)

// ENTRY: error: no function 'nope' to compile
// EMIT: ssm-compile: unknown --emit=bogus
// TARGET: ssm-compile: unknown --target=tpu (supported: cpu, cuda)
// TRUNCATED: is truncated: its header says {{[0-9]+}} bytes, the file has 200
// CORRUPT: is corrupt (checksum mismatch)
// NOTART: is not an artifact (bad magic)

func.func @main(%x: tensor<?x64xf32> {ssm.name = "x"}, %w: tensor<64xf32> {ssm.name = "w"})
    -> (tensor<?x64xf32> {ssm.name = "y"}) {
  %y = lm.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
