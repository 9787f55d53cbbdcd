#!/usr/bin/env python3
"""Writes ONNX models whose attributes and constant inputs hold extreme values.

libFuzzer rarely turns a valid model into one with a huge or negative pad, stride or shape
value: the protobuf varints it would have to rewrite are long. This script does it directly,
from the single-node models of ONNX's node tests (Debian's libonnx-testdata) for the ops that
ssm-compile supports:

  - every int, ints, float and string attribute set to values around 0, +-2^31, +-2^62 and
    the int64 limits (and empty or repeated lists, NaN and infinities);
  - every declared input dimension set to 0, 2^31 and 2^62;
  - every small integer input turned into an initializer with one value set to such a value.

It needs python3-onnx (Debian's /usr/bin/python3 has it). Replay the models through the
sanitized fuzz target, which aborts on any crash, undefined behaviour, or failure without a
diagnostic:

  /usr/bin/python3 test/fuzz/extreme_models.py OUT
  build-asan/bin/ssm-fuzz-onnx-model -runs=0 OUT

docs/Reliability.md gives the counts of the last run and what it found.
"""
import argparse
import copy
import glob
import os
import subprocess

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto, numpy_helper

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
INTS = [-(2**63), -(2**62), -(2**31), -1000, -2, -1, 0, 1, 7, 2**31, 2**62, 2**63 - 1]
FLOATS = [float("nan"), float("inf"), -float("inf"), 1e38, 0.0]
DIMS = [0, 2**31, 2**62]
CASES_PER_OP = 3


def attribute_variants(attribute):
    if attribute.type == AttributeProto.INT:
        return [("i", v) for v in INTS]
    if attribute.type == AttributeProto.INTS:
        length = max(len(attribute.ints), 1)
        return ([("ints", [v] * length) for v in INTS] +
                [("ints", []), ("ints", list(attribute.ints) * 5)])
    if attribute.type == AttributeProto.FLOAT:
        return [("f", v) for v in FLOATS]
    if attribute.type == AttributeProto.STRING:
        return [("s", b""), ("s", b"bogus")]
    return []


def variants(model, case):
    """(label, model) pairs derived from the single-node `model` of node test `case`."""
    node = model.graph.node[0]
    for index, attribute in enumerate(node.attribute):
        for field, value in attribute_variants(attribute):
            changed = copy.deepcopy(model)
            target = changed.graph.node[0].attribute[index]
            if field == "ints":
                del target.ints[:]
                target.ints.extend(value)
            else:
                setattr(target, field, value)
            yield f"{attribute.name}={value if field != 'ints' else value[:1]}", changed
    for i, value_info in enumerate(model.graph.input):
        tensor_type = value_info.type.tensor_type
        for d in range(len(tensor_type.shape.dim)):
            for size in DIMS:
                changed = copy.deepcopy(model)
                changed.graph.input[i].type.tensor_type.shape.dim[d].dim_value = size
                yield f"input{i}.dim{d}={size}", changed
        if tensor_type.elem_type not in (TensorProto.INT64, TensorProto.INT32):
            continue
        data = os.path.join(case, "test_data_set_0", f"input_{i}.pb")
        if not os.path.exists(data):
            continue
        tensor = TensorProto()
        with open(data, "rb") as f:
            tensor.ParseFromString(f.read())
        values = numpy_helper.to_array(tensor)
        if values.size > 8:
            continue
        dtype = np.int64 if tensor_type.elem_type == TensorProto.INT64 else np.int32
        for extreme in INTS:
            for position in range(max(values.size, 1)):
                flat = values.reshape(-1).astype(np.int64)
                if flat.size:
                    flat[position] = extreme
                limits = np.iinfo(dtype)
                array = np.clip(flat, limits.min, limits.max).astype(dtype).reshape(values.shape)
                changed = copy.deepcopy(model)
                changed.graph.initializer.append(numpy_helper.from_array(array, value_info.name))
                yield f"input{i}[{position}]={extreme}", changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the folder to write the models to")
    parser.add_argument("--ssm-compile", default="build/bin/ssm-compile",
                        help="for the list of supported ops")
    args = parser.parse_args()
    listing = subprocess.run([args.ssm_compile, "--list-onnx-ops"], capture_output=True,
                             text=True, check=True).stdout
    ops = {line.split("\t")[1] for line in listing.splitlines() if line.startswith("ai.onnx")}
    os.makedirs(args.out, exist_ok=True)
    count, cases = 0, {}
    for path in sorted(glob.glob(os.path.join(NODE_TESTS, "*", "model.onnx"))):
        model = onnx.load(path)
        if len(model.graph.node) != 1 or model.graph.node[0].op_type not in ops:
            continue
        op = model.graph.node[0].op_type
        cases[op] = cases.get(op, 0) + 1
        if cases[op] > CASES_PER_OP:
            continue
        for label, changed in variants(model, os.path.dirname(path)):
            name = f"{count:05d}-{op}-{label}".replace("/", "_")[:120]
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(changed.SerializeToString())
            count += 1
    print(f"{count} models from {len(cases)} ops in {args.out}")


if __name__ == "__main__":
    main()
