"""Test fixtures of the `ssm`-op exporter (`ssm_export.export`) from tiny Hugging Face models.

What it writes
    For each family of `fixtures.FAMILIES` (their tiny configs and seeded random weights), one
    fixture per opset (`DEFAULT_OPSETS`) in ONNX's node-test layout, exported by
    `ssm_export.export` with dynamic batch and sequence length and the weights as external
    data::

        <out>/<family>-ssm-op<N>/model.onnx, model.onnx.data
        <out>/<family>-ssm-op<N>/test_data_set_K/input_0.pb     input_ids (batch, length)
        <out>/<family>-ssm-op<N>/test_data_set_K/output_0.pb    logits of the HF model

    at the test shapes of the dynamic fixtures (`fixtures.DYNAMIC_TEST_SHAPES`, length 1
    included). `<family>-ssm-state-op<N>` is the `--state-io` export of the same model, whose
    data sets are steps of one generation:

        0  prefill of 7 tokens from zero states and empty KV caches (batch 2)
        1  one decode token after a 7-token prompt
        2  4 tokens continuing from the states after a 13-token prompt (batch 1)
        3  one token from zero states (batch 1)

    with input_0 the ids, then the attention mask (all ones) where the model has attention
    layers, then the past states; output_0 the logits, output_{1+} the present states. The
    logits are always the Hugging Face model's own, run without a cache over the whole
    sequence so far (torch's transformers code, unpatched); the states come from the exported
    wrapper run in torch (the ssm ops' reference recurrences, HF's KV cache), and the next
    step's logits check them. A fixture is written only when the patched model reproduces
    the HF logits within `fixtures.MAX_RELATIVE_ERROR` and the graph holds one CausalConv1d
    and one scan per mixer (and one GatedRMSNorm per gated norm): a fallback to plain ops
    fails.
    `<out>/MANIFEST-ssm.json` describes them (ssm op counts, shapes, sizes, versions).

    onnxruntime cannot run the `ssm` domain: test/onnx/models.py runs these fixtures through
    ssm-compile and ssm-run against the torch outputs stored here.

How to run
    Where torch, transformers, onnx and onnxscript are (see fixtures.py), from python/::

        python -m ssm_export.ssm_fixtures --out ../test/models [--families mamba2 ...]
            [--opsets 20 23]

    (about 2 minutes on one core). Other entries of an existing MANIFEST-ssm.json are kept.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ssm_export import export, fixtures

#: Fixture families: chunk sizes are only a hint to the ssm ops, so mamba2-chunks adds nothing.
FAMILIES = tuple(f for f in fixtures.FAMILIES if f.name != "mamba2-chunks")
#: Opsets exported by default: 20 for every family; 23 (Attention, RMSNormalization) too for
#: one SSM-only and one attention hybrid family, which keeps the checked-in set small.
DEFAULT_OPSETS = {"mamba2": (20, 23), "bamba": (20, 23)}
#: (batch, prompt tokens already in the state, new tokens) of the state-io data sets.
STATE_STEPS = ((2, 0, 7), (2, 7, 1), (1, 13, 4), (1, 0, 1))


def _relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return float((got.double() - want.double()).norm() / want.double().norm())


def expected_ops(model) -> dict[str, int]:
    """The ssm nodes a faithful export of `model` holds."""
    found = export.mixers(model)
    counts = {"CausalConv1d": len(found)}
    for mixer in found:
        scan = "SelectiveScan" if mixer.A_log.dim() == 2 else "SSDChunkScan"
        counts[scan] = counts.get(scan, 0) + 1
        if type(getattr(mixer, "norm", None)).__name__ in export.GATED_NORMS:
            counts["GatedRMSNorm"] = counts.get("GatedRMSNorm", 0) + 1
    return dict(sorted(counts.items()))


def stateless_sets(model, name: str, skipped: list[str]):
    """[(inputs, outputs, patched-model error)] at the dynamic test shapes. A shape at which
    the HF model's own logits have the wrong shape has no reference: it is left out and
    named in `skipped`."""
    sets = []
    for index, shape in enumerate(fixtures.DYNAMIC_TEST_SHAPES):
        ids = torch.from_numpy(fixtures._input_ids(f"{name}-{index}", shape,
                                                   model.config.vocab_size))
        with torch.no_grad():
            want = model(input_ids=ids, use_cache=False).logits
            if want.shape[:2] != ids.shape:
                skipped.append(f"input_ids {list(ids.shape)}: transformers returns logits "
                               f"{list(want.shape)}")
                continue
            with export.ssm_ops(model):
                got = model(input_ids=ids, use_cache=False).logits
        sets.append(([ids], [want], _relative_error(got, want)))
    return sets


def state_sets(model, name: str):
    """[(inputs, outputs, patched-model error)] of the generation steps of `STATE_STEPS`."""
    state = export.StateIO()
    stateful = export.StatefulModel(model, state)
    sets = []
    for index, (batch, prompt, new) in enumerate(STATE_STEPS):
        ids = torch.from_numpy(fixtures._input_ids(f"{name}-{index}", (batch, prompt + new),
                                                   model.config.vocab_size))
        # Models with attention layers also take the attention mask of all tokens so far.
        masks = [[torch.ones(batch, end, dtype=torch.long)] if stateful.kv_layers else []
                 for end in (prompt, prompt + new)]
        with torch.no_grad():
            want = model(input_ids=ids, use_cache=False).logits[:, prompt:]
            with export.ssm_ops(model, state):
                past = stateful.zero_states(batch)
                if prompt:
                    past = list(stateful(ids[:, :prompt], *masks[0], *past)[1:])
                inputs = [ids[:, prompt:], *masks[1], *past]
                logits, *present = stateful(*inputs)
        sets.append((inputs, [want, *present], _relative_error(logits, want)))
    return sets


def write_data_sets(directory: Path, sets, input_names, output_names) -> None:
    """test_data_set_K/input_K.pb and output_K.pb in `directory`."""
    from onnx import numpy_helper

    for index, (inputs, outputs, _) in enumerate(sets):
        data = directory / f"test_data_set_{index}"
        data.mkdir()
        for prefix, tensors, names in (("input", inputs, input_names),
                                       ("output", outputs, output_names)):
            for k, (tensor, tensor_name) in enumerate(zip(tensors, names)):
                proto_tensor = numpy_helper.from_array(np.ascontiguousarray(tensor.numpy()),
                                                       name=tensor_name)
                (data / f"{prefix}_{k}.pb").write_bytes(proto_tensor.SerializeToString())


def make_fixture(family, opset: int, state_io: bool, out: Path) -> dict:
    """Exports, checks and writes one fixture (replacing `out`/name); its manifest entry."""
    name = f"{family.name}-ssm-{'state-' if state_io else ''}op{opset}"
    model = fixtures.build_model(family)
    exported = export.export(model, opset, state_io)
    skipped: list[str] = []
    sets = state_sets(model, name) if state_io else stateless_sets(model, name, skipped)
    worst = max(error for _, _, error in sets)
    if not worst <= fixtures.MAX_RELATIVE_ERROR:
        raise RuntimeError(f"{name}: the ssm ops change torch's logits by {worst:.3g}")
    directory = out / name
    if directory.exists():
        shutil.rmtree(directory)
    proto = export.save(exported, directory)
    ops, want = export.ssm_op_counts(proto), expected_ops(model)
    if ops != want:
        shutil.rmtree(directory)
        raise RuntimeError(f"{name}: the graph holds ssm ops {ops}, expected {want}")
    input_names = [v.name for v in proto.graph.input]
    write_data_sets(directory, sets, input_names, [v.name for v in proto.graph.output])
    return {
        "name": name,
        "family": family.name,
        "hf_class": family.model_class,
        "opset": opset,
        "state_io": state_io,
        "inputs": fixtures._signature(proto.graph.input),
        "outputs": fixtures._signature(proto.graph.output),
        "ssm_ops": ops,
        "test_sets": [{name: list(t.shape) for name, t in zip(input_names, inputs)}
                      for inputs, _, _ in sets],
        "patched_torch_relative_error": [float(f"{e:.3g}") for _, _, e in sets],
        "skipped_test_sets": skipped,
        "size_bytes": sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="e.g. ../test/models")
    parser.add_argument("--families", nargs="+", choices=[f.name for f in FAMILIES],
                        default=[f.name for f in FAMILIES], metavar="FAMILY")
    parser.add_argument("--opsets", nargs="+", type=int,
                        help="opsets for every family (default: 20, and 23 for "
                             f"{' and '.join(DEFAULT_OPSETS)})")
    args = parser.parse_args(argv)

    import json
    import logging

    import transformers

    torch.set_num_threads(1)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    transformers.logging.set_verbosity_error()
    manifest_path = args.out / "MANIFEST-ssm.json"
    previous = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    entries = {e["name"]: e for e in previous.get("fixtures", [])
               if (args.out / e["name"] / "model.onnx").exists()}
    failed = 0
    for family in (f for f in FAMILIES if f.name in args.families):
        for opset in args.opsets or DEFAULT_OPSETS.get(family.name, (20,)):
            for state_io in (False, True):
                began = time.perf_counter()
                try:
                    entry = make_fixture(family, opset, state_io, args.out)
                except Exception as error:  # the exporter raises many unrelated types
                    failed += 1
                    print(f"{family.name} opset {opset}{' state-io' if state_io else ''}: "
                          f"FAILED: {fixtures._short(error)}", flush=True)
                    continue
                entries[entry["name"]] = entry
                print(f"{entry['name']}: {entry['ssm_ops']}, "
                      f"{entry['size_bytes'] / 1024:.0f} KiB, patched torch error "
                      f"{max(entry['patched_torch_relative_error']):.2g} "
                      f"({time.perf_counter() - began:.0f} s)", flush=True)
                for reason in entry["skipped_test_sets"]:
                    print(f"    skipped {reason}", flush=True)
    manifest = {
        "generator": "python/ssm_export/ssm_fixtures.py",
        "command": "cd python && python -m ssm_export.ssm_fixtures --out ../test/models",
        "versions": fixtures._versions(),
        "layout": "<name>/model.onnx + model.onnx.data; <name>/test_data_set_K/input_K.pb "
                  "(input_ids, then past states) and output_K.pb (HF logits, then present "
                  "states); serialized onnx.TensorProto",
        "total_bytes": sum(e["size_bytes"] for e in entries.values()),
        "fixtures": sorted(entries.values(), key=lambda e: e["name"]),
    }
    manifest_path.write_text(fixtures._to_json(manifest) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
