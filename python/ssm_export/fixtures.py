"""Export tiny random-weight Hugging Face SSM and hybrid models to ONNX test fixtures.

What it writes
    For every model family (Mamba, FalconMamba, Mamba-2, Jamba, Bamba, Nemotron-H, Zamba2,
    Falcon-H1, GraniteMoeHybrid), every requested opset and every shape mode the exporter
    supports, one fixture in ONNX's node-test layout::

        <out>/<name>/model.onnx                       weights inside, no external data
        <out>/<name>/test_data_set_K/input_0.pb       input_ids, int64 (batch, sequence_length)
        <out>/<name>/test_data_set_K/output_0.pb      logits from torch, float32

    `<name>` is `<family>-<static|dynamic>-op<N>`, e.g. `mamba2-dynamic-op23`. Each model is a
    `<Family>ForCausalLM` with a tiny config covering every layer kind of its family (see
    `FAMILIES`), exported by `torch.onnx.export(dynamo=True)` with `use_cache=False` and
    `input_ids` as the only input. Static fixtures are traced and tested at (batch 2,
    sequence 5), except `mamba2-chunks` (batch 1, chunks of 4 at sequence 10: three chunks,
    padded). Dynamic fixtures have symbolic `batch` and `sequence_length`, are traced at
    (2, 11) (a length that is not a multiple of the chunk size 8, see ONNX.md's pitfalls) and
    tested at several shapes, sequence length 1 included. Mamba-1 layers (Mamba, FalconMamba,
    Jamba) export as a per-token loop unrolled to the traced length, so those families are
    static only. The exporter's per-node debugging metadata (stack traces) is dropped.

    Every fixture is run on each test set with onnxruntime and with onnx.reference, and
    compared with torch's logits (relative L2 error). It is written when at least one of them
    reproduces torch within `MAX_RELATIVE_ERROR`; the other's failure, if any, is recorded.
    Fixtures that fail to export, check or validate are not written but listed under "failed"
    in `<out>/MANIFEST.json`, which also describes every fixture written: family, class, opset,
    shape mode, input signature, op counts per domain, test-set shapes, errors, size, and the
    versions of torch, transformers, onnx, onnxscript and onnxruntime used.

How to run
    Needs torch, transformers, onnx, onnxscript, onnxruntime and numpy; no GPU and no network
    (weights are random, configs are built here, everything runs on CPU). The fixtures checked
    in were made on the CPU build machine with torch 2.11.0 and transformers 5.17.0, the
    versions of the GPU machine, which can regenerate them as well. In a fresh environment::

        python3 -m venv /tmp/fixtures-venv
        /tmp/fixtures-venv/bin/pip install torch==2.11.0 transformers==5.17.0 onnx onnxscript \
            onnxruntime numpy

    then, from the repository root (about 7 minutes on one core)::

        cd python && /tmp/fixtures-venv/bin/python -m ssm_export.fixtures --out ../test/models

    or `python python/ssm_export/fixtures.py --out test/models`. Options: `--families mamba2
    bamba` to regenerate a subset (other entries of an existing MANIFEST.json are kept),
    `--opsets 20 23`, `--modes static dynamic`, `--threads N` (default 1). Weights and inputs are
    seeded, so reruns with the same versions produce the same tensors.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import logging
import re
import shutil
import sys
import time
import warnings
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

SEED = 0
DEFAULT_OPSETS = (20, 23)
MODES = ("static", "dynamic")
#: (batch, sequence_length) used to trace and test static fixtures.
STATIC_SHAPE = (2, 5)
STATIC_TEST_SETS = 2
#: Traced shape of dynamic fixtures: batch >= 2 so batch stays symbolic, and a length > 1 that
#: is not a multiple of any family's chunk size, so the Mamba-2 padding path is the one traced.
DYNAMIC_TRACE_SHAPE = (2, 11)
#: Test shapes of dynamic fixtures: length 1 (decode-like), shorter and longer than one chunk,
#: and an exact multiple of the chunk size (8).
DYNAMIC_TEST_SHAPES = ((1, 1), (2, 1), (2, 7), (1, 13), (2, 16))
#: Largest relative L2 error against torch with which a backend (onnxruntime, onnx.reference)
#: confirms a fixture.
MAX_RELATIVE_ERROR = 1e-4
#: Size above which a fixture is reported as too large (the weights are inline).
SIZE_BUDGET_BYTES = 400 * 1024

# Shared by every family. initializer_range is 5x HF's usual 0.02 so that every mixer, expert
# and MLP moves the logits by 8% or more: a wrong lowering of any of them shows.
_COMMON = {
    "vocab_size": 96,
    "hidden_size": 32,
    "initializer_range": 0.1,
    "use_cache": False,
    "tie_word_embeddings": False,
    "pad_token_id": 0,
}
# Mamba-2 mixer of every Mamba-2 family: d_inner = 2 * 32 = 8 heads of 8, 2 groups of 8 states.
_CHUNK_SIZE = 8
_UNROLLED = "Mamba-1 layers export as a per-token loop unrolled to the traced length"


@dataclasses.dataclass(frozen=True)
class Family:
    """One Hugging Face model family and the tiny configuration exported for it."""

    name: str
    model_class: str
    config_class: str
    config: dict[str, Any]
    #: The layer kinds this configuration covers, in layer order (documentation only).
    layers: tuple[str, ...]
    #: False where the exporter can only produce a fixed-length graph (Mamba-1 unrolled loop),
    #: or where the fixture is about one static shape; `static_only` says why.
    dynamic: bool = True
    static_only: str = ""
    #: (batch, sequence_length) the static fixture is traced and tested at.
    static_shape: tuple[int, int] = STATIC_SHAPE
    #: Mixture-of-experts blocks, which export only with batched_mm experts.
    moe: bool = False


FAMILIES = (
    Family(
        name="mamba",
        model_class="MambaForCausalLM",
        config_class="MambaConfig",
        config=dict(_COMMON, num_hidden_layers=2, state_size=4, conv_kernel=4, expand=2,
                    time_step_rank=4),
        layers=("mamba1", "mamba1"),
        dynamic=False,
        static_only=_UNROLLED,
    ),
    Family(
        name="falcon-mamba",
        model_class="FalconMambaForCausalLM",
        config_class="FalconMambaConfig",
        config=dict(_COMMON, num_hidden_layers=2, state_size=4, conv_kernel=4, expand=2,
                    time_step_rank=4),
        layers=("mamba1", "mamba1"),
        dynamic=False,
        static_only=_UNROLLED,
    ),
    Family(
        name="mamba2",
        model_class="Mamba2ForCausalLM",
        config_class="Mamba2Config",
        config=dict(_COMMON, num_hidden_layers=2, num_heads=8, head_dim=8, state_size=8,
                    n_groups=2, conv_kernel=4, expand=2, time_step_rank=4,
                    chunk_size=_CHUNK_SIZE),
        layers=("mamba2", "mamba2"),
    ),
    Family(
        name="mamba2-chunks",
        model_class="Mamba2ForCausalLM",
        config_class="Mamba2Config",
        config=dict(_COMMON, num_hidden_layers=2, num_heads=8, head_dim=8, state_size=8,
                    n_groups=2, conv_kernel=4, expand=2, time_step_rank=4, chunk_size=4),
        layers=("mamba2", "mamba2"),
        dynamic=False,
        static_only="Mamba-2 with chunks of 4 at batch 1, length 10: the static graph of a "
                    "sequence that spans three chunks, the last one padded",
        static_shape=(1, 10),
    ),
    Family(
        name="jamba",
        model_class="JambaForCausalLM",
        config_class="JambaConfig",
        config=dict(_COMMON, num_hidden_layers=2, intermediate_size=64, num_attention_heads=4,
                    num_key_value_heads=2, attn_layer_period=2, attn_layer_offset=1,
                    expert_layer_period=2, expert_layer_offset=1, num_experts=4,
                    num_experts_per_tok=2, mamba_d_state=4, mamba_d_conv=4, mamba_expand=2,
                    mamba_dt_rank=4, use_mamba_kernels=False),
        layers=("mamba1+mlp", "attention+moe"),
        dynamic=False,
        static_only=_UNROLLED,
        moe=True,
    ),
    Family(
        name="bamba",
        model_class="BambaForCausalLM",
        config_class="BambaConfig",
        config=dict(_COMMON, num_hidden_layers=2, intermediate_size=64, num_attention_heads=4,
                    num_key_value_heads=2, attn_layer_indices=[1], mamba_n_heads=8,
                    mamba_d_head=8, mamba_n_groups=2, mamba_d_state=8, mamba_d_conv=4,
                    mamba_expand=2, mamba_chunk_size=_CHUNK_SIZE),
        layers=("mamba2+mlp", "attention+mlp"),
    ),
    Family(
        name="nemotron-h",
        model_class="NemotronHForCausalLM",
        config_class="NemotronHConfig",
        config=dict(_COMMON, layers_block_type=["linear_attention", "full_attention", "mlp",
                                                "moe"],
                    num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                    intermediate_size=64, mamba_num_heads=8, mamba_head_dim=8, n_groups=2,
                    ssm_state_size=8, conv_kernel=4, expand=2, chunk_size=_CHUNK_SIZE,
                    n_routed_experts=4, n_shared_experts=1, moe_intermediate_size=32,
                    moe_shared_expert_intermediate_size=32, num_experts_per_tok=2),
        layers=("mamba2", "attention", "mlp", "moe"),
        moe=True,
    ),
    Family(
        name="zamba2",
        model_class="Zamba2ForCausalLM",
        config_class="Zamba2Config",
        config=dict(_COMMON, num_hidden_layers=2, layers_block_type=["mamba", "hybrid"],
                    num_attention_heads=4, intermediate_size=64, mamba_d_state=8,
                    mamba_d_conv=4, mamba_expand=2, mamba_ngroups=2, n_mamba_heads=8,
                    chunk_size=_CHUNK_SIZE, num_mem_blocks=1,
                    use_shared_attention_adapter=True, adapter_rank=4, use_mem_rope=True,
                    use_mamba_kernels=False),
        layers=("mamba2", "shared-transformer+mamba2"),
    ),
    Family(
        name="falcon-h1",
        model_class="FalconH1ForCausalLM",
        config_class="FalconH1Config",
        config=dict(_COMMON, num_hidden_layers=2, intermediate_size=64, num_attention_heads=4,
                    num_key_value_heads=2, mamba_d_ssm=64, mamba_n_heads=8, mamba_d_head=8,
                    mamba_n_groups=2, mamba_d_state=8, mamba_d_conv=4, mamba_expand=2,
                    mamba_chunk_size=_CHUNK_SIZE, mamba_rms_norm=True),
        layers=("attention||mamba2+mlp", "attention||mamba2+mlp"),
    ),
    Family(
        name="granite-moe-hybrid",
        model_class="GraniteMoeHybridForCausalLM",
        config_class="GraniteMoeHybridConfig",
        config=dict(_COMMON, num_hidden_layers=2, layer_types=["mamba", "attention"],
                    intermediate_size=32, shared_intermediate_size=32, num_local_experts=4,
                    num_experts_per_tok=2, num_attention_heads=4, num_key_value_heads=2,
                    mamba_n_heads=8, mamba_d_head=8, mamba_n_groups=2, mamba_d_state=8,
                    mamba_d_conv=4, mamba_expand=2, mamba_chunk_size=_CHUNK_SIZE,
                    embedding_multiplier=2.0, residual_multiplier=0.5,
                    attention_multiplier=0.125, logits_scaling=2.0),
        layers=("mamba2+moe", "attention+moe"),
        moe=True,
    ),
)
FAMILY_BY_NAME = {family.name: family for family in FAMILIES}


@dataclasses.dataclass(frozen=True)
class Variant:
    """One fixture: a family exported at one opset in one shape mode."""

    family: Family
    opset: int
    mode: str

    @property
    def name(self) -> str:
        return f"{self.family.name}-{self.mode}-op{self.opset}"

    @property
    def dynamic(self) -> bool:
        return self.mode == "dynamic"


class FixtureError(Exception):
    """A fixture that could not be made; `stage` says where (build, export, check, validate)."""

    def __init__(self, stage: str, message: str):
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.message = message


def _short(error: BaseException, limit: int = 500) -> str:
    """One line naming an exception: its type and first line, cut to `limit` characters.

    For torch.export failures wrapped by torch.onnx, the wrapped exception and the model line
    that raised it are named instead of the generic "Failed to export" banner."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    summary = f"{type(error).__name__}: {lines[0] if lines else ''}"
    if "## Exception summary" in text:
        after = text.split("## Exception summary", 1)[1]
        cause = next((line.strip() for line in after.splitlines() if line.strip()), "")
        summary = re.sub(r"^<class '(?:[\w.]+\.)?(\w+)'>", r"\1", cause)
    call = re.search(r"The following call raised this error:\s*\n\s*File \"([^\"]+)\", "
                     r"line (\d+), in \w+\s*\n\s*(.+)", text)
    if call:
        source = re.sub(r"^.*/site-packages/", "", call.group(1))
        summary += f" [at {source}:{call.group(2)}: {call.group(3).strip()}]"
    summary = re.sub(r"\x1b\[[0-9;]*m", "", summary)
    return summary if len(summary) <= limit else summary[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def _supports_experts_implementation() -> bool:
    from transformers import PretrainedConfig

    return hasattr(PretrainedConfig(), "_experts_implementation")


def build_model(family: Family):
    """The family's tiny model in eval mode, float32, with weights seeded by `SEED`."""
    import torch
    import transformers

    kwargs = dict(family.config)
    if family.moe and _supports_experts_implementation():
        kwargs["experts_implementation"] = "batched_mm"
    config = getattr(transformers, family.config_class)(**kwargs)
    torch.manual_seed(SEED)
    model = getattr(transformers, family.model_class)(config)
    return model.to(torch.float32).eval()


def _logits_module(model):
    """Wraps a causal LM so that it takes `input_ids` alone and returns only the logits."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self, lm):
            super().__init__()
            self.lm = lm

        def forward(self, input_ids):
            return self.lm(input_ids=input_ids, use_cache=False).logits

    return LogitsOnly(model).eval()


def _input_ids(seed_text: str, shape: tuple[int, int], vocab_size: int) -> np.ndarray:
    """Random token ids, seeded by `seed_text`, that avoid the pad id 0."""
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()) + SEED)
    return rng.integers(1, vocab_size, size=shape, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Export and validation
# --------------------------------------------------------------------------------------------


def export_onnx(module, variant: Variant, vocab_size: int):
    """torch.onnx.export (dynamo) of `module` for `variant`; returns the onnx.ModelProto."""
    import torch

    shape = DYNAMIC_TRACE_SHAPE if variant.dynamic else variant.family.static_shape
    example = torch.from_numpy(_input_ids(f"trace-{variant.family.name}", shape, vocab_size))
    dynamic_shapes = None
    if variant.dynamic:
        dynamic_shapes = {"input_ids": {0: "batch", 1: "sequence_length"}}
    try:  # the exporter reports progress on stdout and warnings on stderr: keep them quiet
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module,
                kwargs={"input_ids": example},
                dynamo=True,
                opset_version=variant.opset,
                input_names=["input_ids"],
                output_names=["logits"],
                dynamic_shapes=dynamic_shapes,
                external_data=False,
            )
    except Exception as error:  # the exporter raises many unrelated types
        raise FixtureError("export", _short(error)) from error
    model = program.model_proto
    _strip_debug_metadata(model)
    return model


def _strip_debug_metadata(model) -> None:
    """Drops the exporter's per-node and per-value metadata (torch stack traces, FX names):
    debugging aids that are most of an unstripped fixture's bytes."""
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        for values in (graph.input, graph.output, graph.value_info, graph.initializer):
            for value in values:
                del value.metadata_props[:]
        for node in graph.node:
            del node.metadata_props[:]
            graphs.extend(attr.g for attr in node.attribute if attr.HasField("g"))
            graphs.extend(g for attr in node.attribute for g in attr.graphs)
    for function in model.functions:
        for node in function.node:
            del node.metadata_props[:]


def _signature(values) -> list[dict[str, Any]]:
    """Name, numpy dtype and shape (ints, or names of symbolic dimensions) of graph values."""
    from onnx import helper

    signature = []
    for value in values:
        tensor = value.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else d.dim_value
                for d in tensor.shape.dim]
        signature.append({"name": value.name,
                          "dtype": helper.tensor_dtype_to_np_dtype(tensor.elem_type).name,
                          "shape": dims})
    return signature


def op_counts(model) -> dict[str, dict[str, int]]:
    """Node counts by domain ("ai.onnx" for the default) and op type, subgraphs and local
    functions included."""
    import onnx

    counts: dict[str, Counter] = {}

    def visit(nodes):
        for node in nodes:
            counts.setdefault(node.domain or "ai.onnx", Counter())[node.op_type] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    visit(attr.g.node)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for graph in attr.graphs:
                        visit(graph.node)

    visit(model.graph.node)
    for function in model.functions:
        visit(function.node)
    return {domain: dict(sorted(ops.items())) for domain, ops in sorted(counts.items())}


def check_onnx(model, variant: Variant) -> None:
    """onnx.checker, and for dynamic fixtures that batch and length stayed symbolic."""
    import onnx

    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:
        raise FixtureError("check", _short(error)) from error
    inputs = [value.name for value in model.graph.input]
    outputs = [value.name for value in model.graph.output]
    if inputs != ["input_ids"] or outputs != ["logits"]:
        raise FixtureError("check", f"graph inputs {inputs}, outputs {outputs}")
    if variant.dynamic:
        dims = _signature(model.graph.input)[0]["shape"]
        if not all(isinstance(d, str) for d in dims):
            raise FixtureError("check", f"exporter specialised the input shape to {dims}")


def make_test_sets(module, variant: Variant, vocab_size: int):
    """[(input_ids, logits)] for the variant's test shapes, logits computed by torch."""
    import torch

    if variant.dynamic:
        shapes = DYNAMIC_TEST_SHAPES
    else:
        shapes = (variant.family.static_shape,) * STATIC_TEST_SETS
    sets = []
    for index, shape in enumerate(shapes):
        ids = _input_ids(f"test-{variant.family.name}-{variant.mode}-{index}", shape, vocab_size)
        with torch.no_grad():
            logits = module(torch.from_numpy(ids)).to(torch.float32).numpy()
        sets.append((ids, logits))
    return sets


def _relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    if actual.shape != expected.shape:
        raise ValueError(f"logits shape {list(actual.shape)}, torch {list(expected.shape)}")
    diff = np.linalg.norm((actual - expected).astype(np.float64))
    return float(diff / max(np.linalg.norm(expected.astype(np.float64)), 1e-30))


def _compare(run, sets) -> dict[str, Any]:
    """Runs `run(input_ids) -> logits` on every test set; returns {"relative_error": worst,
    "per_set": [...]} (3 significant digits) or {"error": text} when the backend refuses or
    fails."""
    errors = []
    for ids, expected in sets:
        try:
            errors.append(float(f"{_relative_error(run(ids), expected):.3g}"))
        except Exception as error:  # each backend raises its own types
            return {"error": f"shape {list(ids.shape)}: {_short(error)}"}
    return {"relative_error": max(errors), "per_set": errors}


def validate_onnxruntime(model_bytes: bytes, sets, threads: int) -> dict[str, Any]:
    """onnxruntime's logits against torch's (see `_compare`)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    try:
        session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    except Exception as error:
        return {"error": f"session: {_short(error)}"}
    return _compare(lambda ids: session.run(["logits"], {"input_ids": ids})[0], sets)


def validate_reference(model, sets) -> dict[str, Any]:
    """onnx.reference.ReferenceEvaluator's logits against torch's (see `_compare`): a second,
    independent reading of the ONNX semantics."""
    from onnx.reference import ReferenceEvaluator

    try:
        evaluator = ReferenceEvaluator(model)
    except Exception as error:
        return {"error": f"load: {_short(error)}"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _compare(lambda ids: evaluator.run(["logits"], {"input_ids": ids})[0], sets)


def _agrees(result: dict[str, Any]) -> bool:
    return result.get("relative_error", np.inf) <= MAX_RELATIVE_ERROR


def _describe(result: dict[str, Any]) -> str:
    return "failed" if "error" in result else f"{result['relative_error']:.2g}"


def write_fixture(directory: Path, model_bytes: bytes, sets) -> int:
    """Writes model.onnx and the test sets into `directory` (replaced); returns total bytes."""
    from onnx import numpy_helper

    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / "model.onnx").write_bytes(model_bytes)
    for index, (ids, logits) in enumerate(sets):
        data = directory / f"test_data_set_{index}"
        data.mkdir()
        tensors = (("input_0.pb", ids, "input_ids"), ("output_0.pb", logits, "logits"))
        for file_name, array, tensor_name in tensors:
            proto = numpy_helper.from_array(array, name=tensor_name)
            (data / file_name).write_bytes(proto.SerializeToString())
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def make_fixture(variant: Variant, out: Path, threads: int) -> dict[str, Any]:
    """Exports, checks, validates and writes one fixture; returns its manifest entry."""
    family = variant.family
    try:
        model = build_model(family)
    except Exception as error:
        raise FixtureError("build", _short(error)) from error
    vocab_size = model.config.vocab_size
    module = _logits_module(model)
    proto = export_onnx(module, variant, vocab_size)
    check_onnx(proto, variant)
    model_bytes = proto.SerializeToString()
    sets = make_test_sets(module, variant, vocab_size)
    ort_result = validate_onnxruntime(model_bytes, sets, threads)
    reference_result = validate_reference(proto, sets)
    if not (_agrees(ort_result) or _agrees(reference_result)):
        raise FixtureError("validate", f"no backend reproduces torch within "
                           f"{MAX_RELATIVE_ERROR:g}: onnxruntime: {_describe(ort_result)}; "
                           f"onnx.reference: {_describe(reference_result)}")
    size = write_fixture(out / variant.name, model_bytes, sets)
    return {
        "name": variant.name,
        "family": family.name,
        "hf_class": family.model_class,
        "config": {key: value for key, value in family.config.items() if key != "use_cache"},
        "layers": list(family.layers),
        "experts_implementation": getattr(model.config, "_experts_implementation", None)
        if family.moe else None,
        "opset": variant.opset,
        "shapes": variant.mode,
        "opset_imports": {entry.domain or "ai.onnx": entry.version
                          for entry in proto.opset_import},
        "inputs": _signature(proto.graph.input),
        "outputs": _signature(proto.graph.output),
        "ops": op_counts(proto),
        "test_sets": [{"input_ids": list(ids.shape), "logits": list(logits.shape)}
                      for ids, logits in sets],
        "ort_relative_error": ort_result.get("relative_error"),
        "onnxruntime": ort_result,
        "onnx_reference": reference_result,
        "model_bytes": len(model_bytes),
        "size_bytes": size,
    }


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import onnxscript
    import torch
    import transformers

    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "transformers": transformers.__version__, "onnx": onnx.__version__,
            "onnxscript": onnxscript.__version__, "onnxruntime": onnxruntime.__version__,
            "numpy": np.__version__}


def variants(families, opsets, modes) -> list[Variant]:
    """Every fixture to make, in family, mode, opset order; Mamba-1 families are static only."""
    return [Variant(family, opset, mode)
            for family in families for mode in modes for opset in opsets
            if mode == "static" or family.dynamic]


def _load_manifest(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    return {"fixtures": [], "failed": []}


def _to_json(value: Any, indent: str = "") -> str:
    """JSON with one item per line, except lists and small objects of plain values, which stay
    on one line (shapes, per-set errors, op counts of a small domain)."""
    inner = indent + "  "
    plain = (str, int, float, bool, type(None))
    if isinstance(value, list) and all(isinstance(item, plain) for item in value):
        return json.dumps(value)
    if isinstance(value, dict) and not any(isinstance(item, dict) or isinstance(item, list) and
                                           not all(isinstance(i, plain) for i in item)
                                           for item in value.values()):
        flat = json.dumps(value)
        if len(flat) + len(indent) <= 100:
            return flat
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(key)}: {_to_json(item, inner)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(inner + _to_json(item, inner) for item in value) + "\n" + \
            indent + "]"
    return json.dumps(value)


def write_manifest(out: Path, done: list[dict], failed: list[dict], attempted: set[str]):
    """Merges this run's results into MANIFEST.json; entries of other fixtures are kept while
    their directories exist."""
    path = out / "MANIFEST.json"
    previous = _load_manifest(path)
    kept = [e for e in previous.get("fixtures", [])
            if e["name"] not in attempted and (out / e["name"] / "model.onnx").exists()]
    kept_failed = [e for e in previous.get("failed", []) if e["name"] not in attempted]
    fixtures = sorted(kept + done, key=lambda e: e["name"])
    manifest = {
        "generator": "python/ssm_export/fixtures.py",
        "command": "cd python && python -m ssm_export.fixtures --out ../test/models",
        "seed": SEED,
        "versions": _versions(),
        "layout": "<name>/model.onnx (weights inline); <name>/test_data_set_K/input_0.pb "
                  "(input_ids, int64 (batch, sequence_length)) and output_0.pb (logits, float32, "
                  "from torch); serialized onnx.TensorProto",
        "max_relative_error": MAX_RELATIVE_ERROR,
        "relative_error": "||backend - torch||_2 / ||torch||_2 over all logits of a test set; "
                          "a fixture is written when onnxruntime or onnx.reference reproduces "
                          "torch on every test set",
        "static_only": {family.name: family.static_only for family in FAMILIES
                        if not family.dynamic},
        "total_bytes": sum(e["size_bytes"] for e in fixtures),
        "fixtures": fixtures,
        "failed": sorted(kept_failed + failed, key=lambda e: e["name"]),
    }
    path.write_text(_to_json(manifest) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder, e.g. test/models")
    parser.add_argument("--families", nargs="+", choices=[f.name for f in FAMILIES],
                        default=[f.name for f in FAMILIES], metavar="FAMILY",
                        help="families to export (all: %(choices)s)")
    parser.add_argument("--opsets", nargs="+", type=int, default=list(DEFAULT_OPSETS),
                        help="ONNX opsets (%(default)s)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="shape modes (%(default)s)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and onnxruntime threads (%(default)s)")
    args = parser.parse_args(argv)

    import onnxruntime
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    transformers.logging.set_verbosity_error()
    onnxruntime.set_default_logger_severity(4)
    args.out.mkdir(parents=True, exist_ok=True)

    todo = variants([FAMILY_BY_NAME[name] for name in args.families], args.opsets, args.modes)
    done, failed = [], []
    start = time.perf_counter()
    for index, variant in enumerate(todo, 1):
        began = time.perf_counter()
        print(f"[{index}/{len(todo)}] {variant.name} ...", end=" ", flush=True)
        try:
            entry = make_fixture(variant, args.out, args.threads)
        except FixtureError as error:
            stale = args.out / variant.name
            if stale.exists():
                shutil.rmtree(stale)
            failed.append({"name": variant.name, "family": variant.family.name,
                           "hf_class": variant.family.model_class, "opset": variant.opset,
                           "shapes": variant.mode, "stage": error.stage,
                           "error": error.message})
            print(f"FAILED ({time.perf_counter() - began:.1f} s) {error}", flush=True)
            continue
        done.append(entry)
        print(f"ok ({time.perf_counter() - began:.1f} s) {entry['size_bytes'] / 1024:.0f} KiB, "
              f"{len(entry['test_sets'])} sets, relative error onnxruntime "
              f"{_describe(entry['onnxruntime'])}, onnx.reference "
              f"{_describe(entry['onnx_reference'])}", flush=True)
        for backend in ("onnxruntime", "onnx_reference"):
            if "error" in entry[backend]:
                print(f"    {backend}: {entry[backend]['error']}", flush=True)
        if entry["size_bytes"] > SIZE_BUDGET_BYTES:
            print(f"    larger than {SIZE_BUDGET_BYTES // 1024} KiB", flush=True)
    manifest = write_manifest(args.out, done, failed, {v.name for v in todo})
    print(f"{len(done)} written, {len(failed)} failed in {time.perf_counter() - start:.0f} s; "
          f"{args.out} holds {len(manifest['fixtures'])} fixtures, "
          f"{manifest['total_bytes'] / 1024:.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
