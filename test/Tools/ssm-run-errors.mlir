// ssm-run fails cleanly: a damaged or hostile input file is an error naming it, and the outputs
// are written whole or not at all, with no temporary file left behind.
// RUN: ssm-compile %s -o %t.ssmx
// RUN: rm -rf %t.in %t.out && mkdir -p %t.in
// a: FLOAT (4) and b: FLOAT (32768), all zeros.
// RUN: printf '\010\004\020\001\112\020' > %t.in/input_0.pb && head -c 16 /dev/zero >> %t.in/input_0.pb
// RUN: printf '\010\200\200\002\020\001\112\200\200\010' > %t.in/input_1.pb
// RUN: head -c 131072 /dev/zero >> %t.in/input_1.pb
// RUN: ssm-run %t.ssmx --inputs %t.in --outputs %t.out
// RUN: ls %t.out | FileCheck %s --check-prefix=BOTH --implicit-check-not=tmp
// BOTH: output_0.pb
// BOTH-NEXT: output_1.pb

// Writing the second output fails (it is larger than the file size limit): the first one,
// already written, is removed too.
// RUN: rm -rf %t.out
// RUN: not sh -c 'trap "" XFSZ; ulimit -f 64; exec ssm-run %t.ssmx --inputs %t.in --outputs %t.out' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FULL
// FULL: ssm-run: {{.*}}output_1.pb: cannot write '{{.*}}output_1.pb.tmp-{{[0-9]+}}': File too large
// RUN: ls -A %t.out | count 0

// The second output's name is taken by a folder: an error naming it, and no temporary file.
// RUN: rm -rf %t.out && mkdir -p %t.out/output_1.pb
// RUN: not ssm-run %t.ssmx --inputs %t.in --outputs %t.out 2>&1 | FileCheck %s --check-prefix=TAKEN
// TAKEN: ssm-run: cannot write '{{.*}}output_1.pb': Is a directory
// RUN: ls %t.out | FileCheck %s --check-prefix=LEFT --implicit-check-not=tmp
// LEFT: output_1.pb

// A truncated input, and one whose dimensions are absurd, are errors that name the file.
// RUN: head -c 100 %t.in/input_1.pb > %t.in/short.pb && mv %t.in/short.pb %t.in/input_1.pb
// RUN: not ssm-run %t.ssmx --inputs %t.in 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: ssm-run: '{{.*}}input_1.pb': malformed TensorProto: length 131072 runs past the end of the data at offset 7
// RUN: printf '\012\012\000\200\200\200\200\200\200\200\200\100\020\001' > %t.in/input_1.pb
// RUN: not ssm-run %t.ssmx --inputs %t.in 2>&1 | FileCheck %s --check-prefix=ABSURD
// ABSURD: ssm-run: '{{.*}}input_1.pb': ssm_tensor_create: shape (0, 4611686018427387904) of f32 is too large

func.func @main(%a: tensor<?xf32> {ssm.name = "a"}, %b: tensor<?xf32> {ssm.name = "b"})
    -> (tensor<?xf32>, tensor<?xf32>) {
  return %a, %b : tensor<?xf32>, tensor<?xf32>
}
