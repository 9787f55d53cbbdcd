"""Node tests for the com.microsoft ops the importer claims, with onnxruntime as the reference.

What it writes
    ONNX ships no node tests for onnxruntime's contrib ops, so this builds one small model per
    case (one node of CausalConvWithState, LinearAttention, GroupQueryAttention,
    RotaryEmbedding, SkipSimplifiedLayerNormalization or GatedRMSNorm, several attribute
    combinations each) with onnx.helper, draws its inputs from a seeded generator, runs it on
    onnxruntime's CPU execution provider and writes it in ONNX's node-test layout::

        <out>/<case>/model.onnx
        <out>/<case>/test_data_set_0/input_K.pb, output_K.pb

    test/onnx/conformance.py runs them like ONNX's own node tests (the `onnx-contrib` ctest).
    Every op here has a CPU kernel in onnxruntime 1.32, so no reference is written in NumPy.

How to run
    Needs onnx and onnxruntime (1.32 made the checked-in cases) and numpy::

        python3 python/ssm_export/contrib_tests.py test/onnx/contrib
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 20261123
MS = "com.microsoft"

_ELEM = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float16): TensorProto.FLOAT16,
         np.dtype(np.int32): TensorProto.INT32, np.dtype(np.int64): TensorProto.INT64}


class Case:
    """One single-node model: its node, named inputs (None for an absent optional one) and
    the names of its outputs; `dims` gives symbolic names to input dimensions."""

    def __init__(self, name: str, op: str, inputs: dict[str, np.ndarray | None],
                 outputs: list[str], dims: dict[str, list[str | int]] | None = None,
                 **attrs):
        self.name, self.op, self.inputs, self.outputs = name, op, inputs, outputs
        self.dims, self.attrs = dims or {}, attrs

    def model(self) -> onnx.ModelProto:
        node = helper.make_node(self.op, [k if v is not None else "" for k, v in
                                          self.inputs.items()],
                                self.outputs, domain=MS, name=self.name, **self.attrs)
        graph_inputs = [
            helper.make_tensor_value_info(k, _ELEM[v.dtype], self.dims.get(k, list(v.shape)))
            for k, v in self.inputs.items() if v is not None]
        # Every output of these cases is float32.
        graph_outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None)
                         for o in self.outputs if o]
        graph = helper.make_graph([node], self.name, graph_inputs, graph_outputs)
        return helper.make_model(graph, ir_version=10, opset_imports=[
            helper.make_opsetid("", 21), helper.make_opsetid(MS, 1)])


def cases(rng: np.random.Generator) -> list[Case]:
    def f(*shape, scale=1.0):
        return (scale * rng.standard_normal(shape)).astype(np.float32)

    def unit(*shape):
        x = f(*shape)
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    def heads_unit(b, t, h, d):
        return unit(b, t, h, d).reshape(b, t, h * d)

    def sigmoid(x):
        return (1 / (1 + np.exp(-x))).astype(np.float32)

    i32 = lambda *v: np.array(v, np.int32)
    out = []

    # CausalConvWithState: Mamba's conv (silu, bias, a carried state), and a stateless one.
    out.append(Case("causal_conv_with_state_silu_past", "CausalConvWithState",
                    dict(input=f(2, 6, 7), weight=f(6, 1, 4), bias=f(6), past_state=f(2, 6, 3)),
                    ["output", "present_state"], activation="silu"))
    out.append(Case("causal_conv_with_state_plain", "CausalConvWithState",
                    dict(input=f(1, 5, 2), weight=f(5, 1, 4)), ["output", "present_state"],
                    dims={"input": [1, 5, "L"]}))

    # LinearAttention: every rule, GQA, per-key and per-head decay, a symbolic length.
    b, t, hq, hkv, dk, dv = 2, 5, 4, 2, 8, 4
    q, k = f(b, t, hq * dk), heads_unit(b, t, hkv, dk)
    v, state = f(b, t, hkv * dv), f(b, hkv, dk, dv, scale=0.5)
    head_decay, key_decay = -np.abs(f(b, t, hkv)), -np.abs(f(b, t, hkv * dk, scale=0.3))
    beta = sigmoid(f(b, t, hkv))
    seq = {"query": [b, "T", hq * dk], "key": [b, "T", hkv * dk], "value": [b, "T", hkv * dv],
           "decay": [b, "T", hkv], "beta": [b, "T", hkv]}
    out.append(Case("linear_attention_gated_delta_gqa_past", "LinearAttention",
                    dict(query=q, key=k, value=v, past_state=state, decay=head_decay, beta=beta),
                    ["output", "present_state"], dims=seq, q_num_heads=hq, kv_num_heads=hkv))
    out.append(Case("linear_attention_linear", "LinearAttention",
                    dict(query=q, key=k, value=v), ["output", "present_state"],
                    q_num_heads=hq, kv_num_heads=hkv, update_rule="linear", scale=0.5))
    out.append(Case("linear_attention_gated_per_key_decay", "LinearAttention",
                    dict(query=q, key=k, value=v, past_state=state, decay=key_decay),
                    ["output", "present_state"], q_num_heads=hq, kv_num_heads=hkv,
                    update_rule="gated"))
    out.append(Case("linear_attention_delta_shared_beta", "LinearAttention",
                    dict(query=q[..., :hkv * dk], key=k, value=v, past_state=None, decay=None,
                         beta=sigmoid(f(b, t, 1))),
                    ["output", "present_state"], q_num_heads=hkv, kv_num_heads=hkv,
                    update_rule="delta"))

    # GroupQueryAttention (head size a multiple of 8, as onnxruntime's CPU kernel needs).
    b, s, hq, hkv, d = 2, 4, 4, 2, 8
    out.append(Case("group_query_attention_prompt", "GroupQueryAttention",
                    dict(query=f(b, s, hq * d), key=f(b, s, hkv * d), value=f(b, s, hkv * d),
                         past_key=None, past_value=None, seqlens_k=i32(s - 1, s - 1),
                         total_sequence_length=i32(s)),
                    ["output", "present_key", "present_value"], num_heads=hq,
                    kv_num_heads=hkv))
    past = 3
    out.append(Case("group_query_attention_decode_scale_softcap", "GroupQueryAttention",
                    dict(query=f(b, 1, hq * d), key=f(b, 1, hkv * d), value=f(b, 1, hkv * d),
                         past_key=f(b, hkv, past, d), past_value=f(b, hkv, past, d),
                         seqlens_k=i32(past, past), total_sequence_length=i32(past + 1)),
                    ["output", "present_key", "present_value"], num_heads=hq, kv_num_heads=hkv,
                    scale=0.2, softcap=2.0))
    def rotary_cache(head_size, positions=16):
        angles = np.outer(np.arange(positions),
                          1.0 / 10000 ** (np.arange(head_size // 2) / (head_size // 2)))
        return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)

    # With do_rotary the CPU kernel needs a head size that is a multiple of 16.
    d = 16
    cos, sin = rotary_cache(d)
    out.append(Case("group_query_attention_packed_rotary_past", "GroupQueryAttention",
                    dict(query=f(1, 3, (hq + 2 * hkv) * d), key=None, value=None,
                         past_key=f(1, hkv, 2, d), past_value=f(1, hkv, 2, d),
                         seqlens_k=i32(4), total_sequence_length=i32(5), cos_cache=cos,
                         sin_cache=sin),
                    ["output", "present_key", "present_value"], num_heads=hq, kv_num_heads=hkv,
                    do_rotary=1))
    out.append(Case("group_query_attention_rotary_interleaved_bias", "GroupQueryAttention",
                    dict(query=f(b, s, hq * d), key=f(b, s, hkv * d), value=f(b, s, hkv * d),
                         past_key=None, past_value=None, seqlens_k=i32(s - 1, s - 1),
                         total_sequence_length=i32(s), cos_cache=cos, sin_cache=sin,
                         position_ids=None, attention_bias=f(b, 1, s, s)),
                    ["output", "present_key", "present_value"], num_heads=hq, kv_num_heads=hkv,
                    do_rotary=1, rotary_interleaved=1))

    # RotaryEmbedding: 3-D with position ids, 4-D with an offset (interleaved), partial.
    d = 8
    cos, sin = rotary_cache(d)
    out.append(Case("rotary_embedding_3d_position_ids", "RotaryEmbedding",
                    dict(input=f(2, 3, 2 * d), position_ids=np.array([[0, 1, 2], [5, 6, 7]]),
                         cos_cache=cos, sin_cache=sin),
                    ["output"], num_heads=2))
    out.append(Case("rotary_embedding_4d_offset_interleaved", "RotaryEmbedding",
                    dict(input=f(2, 2, 3, d), position_ids=np.array([4]), cos_cache=cos,
                         sin_cache=sin),
                    ["output"], interleaved=1))
    out.append(Case("rotary_embedding_partial", "RotaryEmbedding",
                    dict(input=f(1, 3, 2 * 2 * d), position_ids=np.array([[1, 2, 3]]),
                         cos_cache=cos, sin_cache=sin),
                    ["output"], num_heads=2, rotary_embedding_dim=d))

    # SkipSimplifiedLayerNormalization: with bias and the sum; 2-D without.
    out.append(Case("skip_simplified_layer_norm_bias_sum", "SkipSimplifiedLayerNormalization",
                    dict(input=f(2, 3, 16), skip=f(2, 3, 16), gamma=f(16), bias=f(16)),
                    ["output", "", "", "input_skip_bias_sum"], epsilon=1e-6))
    out.append(Case("skip_simplified_layer_norm_2d", "SkipSimplifiedLayerNormalization",
                    dict(input=f(5, 8), skip=f(5, 8), gamma=f(8)), ["output"]))

    # GatedRMSNorm: per-head groups (silu), the sigmoid gate, swish over the whole row.
    out.append(Case("gated_rms_norm_grouped_silu", "GatedRMSNorm",
                    dict(X=f(2, 3, 16), scale=f(4), gate=f(2, 3, 16)), ["Y"]))
    out.append(Case("gated_rms_norm_sigmoid", "GatedRMSNorm",
                    dict(X=f(2, 3, 16), scale=f(8), gate=f(2, 3, 16)), ["Y"],
                    activation="sigmoid", epsilon=1e-6))
    out.append(Case("gated_rms_norm_swish", "GatedRMSNorm",
                    dict(X=f(4, 8), scale=f(8), gate=f(4, 8)), ["Y"], activation="swish"))
    return out


def write(case: Case, root: Path) -> None:
    model = case.model()
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    feeds = {k: v for k, v in case.inputs.items() if v is not None}
    results = session.run(None, feeds)
    folder = root / case.name
    data = folder / "test_data_set_0"
    data.mkdir(parents=True)
    onnx.save(model, folder / "model.onnx")
    for i, (name, value) in enumerate(feeds.items()):
        onnx.save_tensor(numpy_helper.from_array(value, name), data / f"input_{i}.pb")
    for i, (name, value) in enumerate(zip([o for o in case.outputs if o], results)):
        onnx.save_tensor(numpy_helper.from_array(value, name), data / f"output_{i}.pb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the folder of test cases (replaced)")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    rng = np.random.default_rng(SEED)
    for case in cases(rng):
        write(case, args.out)
        print(f"wrote {case.name}")


if __name__ == "__main__":
    main()
