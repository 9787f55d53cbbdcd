"""Export a Hugging Face Mamba, Mamba-2 or hybrid model to ONNX with the `ssm` domain's ops.

transformers 5.x computes the mixers of Mamba, FalconMamba, Jamba (Mamba-1) and Mamba2, Bamba,
Nemotron-H, Zamba2, Falcon-H1, GraniteMoeHybrid (Mamba-2) without mamba_ssm through module-level
functions of each modeling file (`causal_conv1d_fn`, `mamba_selective_scan`,
`mamba2_chunk_scan`) and a gated RMS norm module. For the export only, this replaces them with
the custom ops of `ssm_export.ops`, which the ONNX exporter writes as single `ssm` nodes
(ONNX.md): `CausalConv1d`, `SelectiveScan` (Mamba-1), `SSDChunkScan` (Mamba-2) and
`GatedRMSNorm`; everything else (projections, attention, MoE, norms) is exported as usual.

The graph takes `input_ids` (batch, sequence_length), both symbolic, and returns `logits`;
weights are written as external data (`model.onnx.data`). With `--state-io` it also takes
and returns the decode state of every layer i, named as onnxruntime-genai does (ONNX.md):
for an SSM mixer `past_key_values.{i}.conv_state` (batch, conv_dim, K-1) and
`past_key_values.{i}.recurrent_state` (Mamba-1 (batch, d_inner, N), Mamba-2 (batch, H, P, N)),
f32; for an attention layer `past_key_values.{i}.key` and `.value` (batch, kv_heads,
past_sequence_length, head_dim), and then also `attention_mask` (batch,
total_sequence_length); outputs `present.{i}.*` with the same suffixes. Zero states and empty
KV caches give the stateless prefill; the presents of one call are the pasts of the next, for
any number of tokens (1 is the decode step). Positions continue after the past keys.

Run from python/:

    python -m ssm_export.export MODEL_DIR_OR_CONFIG_JSON --out DIR [--opset 20|23]
        [--state-io] [--random-weights] [--seed N]

A directory is loaded with `AutoModelForCausalLM.from_pretrained` (its weights unless
`--random-weights`); a config JSON (with `model_type`) always gets random weights seeded by
`--seed`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import warnings
from pathlib import Path

import torch

from ssm_export import ops

#: Traced shape: batch >= 2 and a length > 1 that is no multiple of a chunk size, so that
#: neither is specialised (ONNX.md's pitfalls); the graph has no chunking anyway.
TRACE_SHAPE = (2, 11)
#: Gated RMS norms of the Mamba-2 mixers, by class name: the size of the groups whose mean
#: square is taken (0: the whole width) and whether the gate is applied after the norm.
GATED_NORMS = {
    "MambaRMSNormGated": lambda norm: (0, False),
    "BambaRMSNormGated": lambda norm: (0, False),
    "GraniteMoeHybridRMSNormGated": lambda norm: (0, False),
    "Zamba2RMSNormGated": lambda norm: (norm.group_size, False),
    "FalconH1RMSNormGated": lambda norm: (norm.weight.shape[0] // norm.n_groups,
                                          norm.norm_before_gate),
}


def mixers(model) -> list[torch.nn.Module]:
    """The SSM mixers of `model` in layer order: modules with `A_log` and a `conv1d`."""
    found = [m for m in model.modules() if hasattr(m, "A_log") and hasattr(m, "conv1d")]
    return sorted(found, key=lambda m: m.layer_idx)


class StateIO:
    """The decode state of every mixer during one forward: `past[i]` (conv, recurrent) read by
    layer i's ops, `present[i]` written by them. `layer` is the mixer running now. Without
    past states (the stateless export) the mixers keep their own behaviour."""

    def __init__(self):
        self.past: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.present: dict[int, list[torch.Tensor]] = {}
        self.layer: int | None = None

    def initial(self, which: int) -> torch.Tensor | None:
        return self.past[self.layer][which] if self.layer is not None else None

    def record(self, which: int, state: torch.Tensor) -> None:
        if self.layer is not None:
            self.present.setdefault(self.layer, [None, None])[which] = state


#: mamba_ssm arguments of packed (varlen) batches, which the ssm ops do not take. The mixers
#: pass the rest of their keyword arguments along too (position embeddings, ...): transformers'
#: fallback drops those, and so do the replacements here.
_PACKED_SEQUENCES = ("seq_idx", "cu_seqlens")


def _no_packed_sequences(kwargs) -> None:
    given = [k for k in _PACKED_SEQUENCES if kwargs.get(k) is not None]
    if given:
        raise NotImplementedError(f"the ssm ops do not take packed sequences ({given})")


def _kernels(state: StateIO):
    """Replacements of the modeling files' conv and scan functions (mamba_ssm's signatures)."""

    def causal_conv1d_fn(x, weight, bias=None, activation=None, **kwargs):
        _no_packed_sequences(kwargs)
        y, final = torch.ops.ssm.causal_conv1d(x, weight, bias, state.initial(0),
                                               activation or "none")
        state.record(0, final)
        return y

    def mamba_selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None,
                             delta_softplus=False, return_last_state=False, **kwargs):
        _no_packed_sequences(kwargs)
        y, last = torch.ops.ssm.selective_scan(u, delta, A, B, C, D, z, delta_bias,
                                               state.initial(1), bool(delta_softplus))
        state.record(1, last)
        return (y, last) if return_last_state else y

    def mamba2_chunk_scan(x, dt, A, B, C, chunk_size, D=None, dt_bias=None,
                          initial_states=None, dt_softplus=False,
                          dt_limit=(0.0, float("inf")), return_final_states=False, z=None,
                          **kwargs):
        _no_packed_sequences(kwargs)
        if initial_states is None:
            initial_states = state.initial(1)
        y, final = torch.ops.ssm.ssd(x, dt, A, B, C, D, z, dt_bias, initial_states,
                                     int(chunk_size), bool(dt_softplus), float(dt_limit[0]),
                                     float(dt_limit[1]))
        state.record(1, final)
        return (y, final) if return_final_states else y

    return {"causal_conv1d_fn": causal_conv1d_fn,
            "mamba_selective_scan": mamba_selective_scan,
            "mamba2_chunk_scan": mamba2_chunk_scan}


def _gated_norm_forward(norm, group_size: int, norm_before_gate: bool):
    def forward(hidden_states, gate=None):
        return torch.ops.ssm.gated_rms_norm(hidden_states, norm.weight, gate,
                                            float(norm.variance_epsilon), int(group_size),
                                            bool(norm_before_gate))
    return forward


@contextlib.contextmanager
def ssm_ops(model, state: StateIO | None = None):
    """Within the block, `model`'s mixers compute through the `ssm` custom ops; with `state`,
    every mixer starts from `state.past` and leaves its final states in `state.present`, and
    ignores the model's own cache. Everything patched is restored on exit."""
    state = state or StateIO()
    found = mixers(model)
    if not found:
        raise ValueError(f"{type(model).__name__} has no Mamba mixer this exporter knows")
    modules = {sys.modules[type(m).__module__] for m in found}
    kernels = _kernels(state)
    saved = [(module, name, getattr(module, name)) for module in modules
             for name in kernels if hasattr(module, name)]
    patched_instances = []
    try:
        for module, name, _ in saved:
            setattr(module, name, kernels[name])
        for mixer in found:
            norm = getattr(mixer, "norm", None)
            kind = GATED_NORMS.get(type(norm).__name__)
            if kind is not None:
                norm.forward = _gated_norm_forward(norm, *kind(norm))
                patched_instances.append(norm)
            mixer.forward = _stateful_forward(mixer, state)
            patched_instances.append(mixer)
        yield state
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
        for instance in patched_instances:
            del instance.forward


def _stateful_forward(mixer, state: StateIO):
    """The mixer's own forward without the model's cache, with `state.layer` set to it while
    it runs when the states are external."""
    original = type(mixer).forward

    def forward(hidden_states, cache_params=None, attention_mask=None, **kwargs):
        if not state.past:
            return original(mixer, hidden_states, cache_params=cache_params,
                            attention_mask=attention_mask, **kwargs)
        state.layer = mixer.layer_idx
        try:
            return original(mixer, hidden_states, cache_params=None,
                            attention_mask=attention_mask, **kwargs)
        finally:
            state.layer = None
    return forward


def state_shapes(model) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """(layer index, conv state shape, recurrent state shape) of every mixer, batch left out."""
    shapes = []
    for mixer in mixers(model):
        channels, _, width = mixer.conv1d.weight.shape
        if mixer.A_log.dim() == 2:  # Mamba-1: (d_inner, N)
            recurrent = tuple(mixer.A_log.shape)
        else:
            recurrent = (mixer.num_heads, mixer.head_dim, mixer.ssm_state_size)
        shapes.append((mixer.layer_idx, (channels, width - 1), recurrent))
    return shapes


def attention_shapes(model) -> list[tuple[int, int, int]]:
    """(layer index, KV heads, head dim) of every layer that caches keys and values, read
    from the model's own cache after one token."""
    with torch.no_grad():
        output = model(input_ids=torch.ones(1, 1, dtype=torch.long), use_cache=True)
    cache = getattr(output, "past_key_values", None)
    shapes = []
    for index, layer in enumerate(getattr(cache, "layers", ())):
        keys = getattr(layer, "keys", None)
        if isinstance(keys, torch.Tensor) and keys.dim() == 4:
            shapes.append((index, keys.shape[1], keys.shape[3]))
    return shapes


class StatefulModel(torch.nn.Module):
    """(input_ids, [attention_mask,] past states) -> (logits, present states): the decode
    state of every layer as flat tensors, in `slots` order (by layer; conv_state,
    recurrent_state for a mixer, key, value for an attention layer). Models with attention
    layers also take `attention_mask` (batch, total_sequence_length) and run with a cache
    holding the past keys and values; positions continue after them. Call it inside
    `ssm_ops(lm, state)` with the same `state`."""

    def __init__(self, lm, state: StateIO):
        super().__init__()
        self.lm = lm
        self.state = state
        self.ssm_layers = {layer: (conv, recurrent) for layer, conv, recurrent
                           in state_shapes(lm)}
        self.kv_layers = {layer: (heads, dim) for layer, heads, dim in attention_shapes(lm)}
        self.slots = sorted(
            [(layer, kind) for layer in self.ssm_layers
             for kind in ("conv_state", "recurrent_state")]
            + [(layer, kind) for layer in self.kv_layers for kind in ("key", "value")],
            key=lambda slot: (slot[0], ("conv_state", "recurrent_state", "key",
                                        "value").index(slot[1])))

    def input_names(self) -> list[str]:
        mask = ["attention_mask"] if self.kv_layers else []
        return ["input_ids", *mask, *(f"past_key_values.{i}.{k}" for i, k in self.slots)]

    def output_names(self) -> list[str]:
        return ["logits", *(f"present.{i}.{k}" for i, k in self.slots)]

    def zero_states(self, batch: int) -> list[torch.Tensor]:
        """Zero SSM states and empty KV caches: the start of a sequence."""
        states = []
        for layer, kind in self.slots:
            if kind == "conv_state":
                states.append(torch.zeros(batch, *self.ssm_layers[layer][0]))
            elif kind == "recurrent_state":
                states.append(torch.zeros(batch, *self.ssm_layers[layer][1]))
            else:
                heads, dim = self.kv_layers[layer]
                states.append(torch.zeros(batch, heads, 0, dim))
        return states

    def forward(self, input_ids, *inputs):
        if self.kv_layers:
            attention_mask, *states = inputs
        else:
            states = inputs
        past = dict(zip(self.slots, states))
        self.state.past = {layer: (past[layer, "conv_state"], past[layer, "recurrent_state"])
                           for layer in self.ssm_layers}
        self.state.present = {}
        if self.kv_layers:
            from transformers import DynamicCache

            cache = DynamicCache(config=self.lm.config)
            for layer in self.kv_layers:
                cache.update(past[layer, "key"], past[layer, "value"], layer)
            start = past[next(iter(self.kv_layers)), "key"].shape[2]
            positions = torch.arange(start, start + input_ids.shape[1],
                                     device=input_ids.device).expand(input_ids.shape[0], -1)
            logits = self.lm(input_ids=input_ids, attention_mask=attention_mask,
                             past_key_values=cache, position_ids=positions,
                             use_cache=True).logits
        else:
            logits = self.lm(input_ids=input_ids, use_cache=False).logits
        presents = []
        for layer, kind in self.slots:
            if kind in ("key", "value"):
                cached = cache.layers[layer]
                presents.append(cached.keys if kind == "key" else cached.values)
            else:
                presents.append(self.state.present[layer][kind == "recurrent_state"])
        return (logits, *presents)


class LogitsModel(torch.nn.Module):
    """input_ids -> logits, without the model's cache."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        return self.lm(input_ids=input_ids, use_cache=False).logits


def load_model(source: Path, random_weights: bool = False, seed: int = 0):
    """A causal LM in eval mode and f32 from a checkpoint directory or a config JSON; MoE
    blocks use batched_mm experts, the only form that exports (ONNX.md)."""
    import transformers

    kwargs = {}
    if hasattr(transformers.PretrainedConfig(), "_experts_implementation"):
        kwargs["experts_implementation"] = "batched_mm"
    if source.is_dir() and not random_weights:
        model = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32,
                                                                  **kwargs)
    else:
        config = transformers.AutoConfig.from_pretrained(source)
        torch.manual_seed(seed)
        model = transformers.AutoModelForCausalLM.from_config(config, **kwargs)
    return model.to(torch.float32).eval()


def export(model, opset: int = 20, state_io: bool = False):
    """The ONNX model (an onnx_ir.Model; `save` writes it) of `model` with the `ssm` ops;
    dynamic batch and sequence length; `state_io` adds the decode states (see the module
    doc)."""
    batch = torch.export.Dim("batch")
    length = torch.export.Dim("sequence_length")
    ids = torch.randint(1, model.config.vocab_size, TRACE_SHAPE)
    if state_io:
        state = StateIO()
        module = StatefulModel(model, state)
        # A past of 3 tokens keeps past_sequence_length symbolic; 0 is a valid value.
        past_length = 3
        past = torch.export.Dim("past_sequence_length")
        states = module.zero_states(TRACE_SHAPE[0])
        state_dims = []
        for index, (layer, kind) in enumerate(module.slots):
            if kind in ("key", "value"):
                heads, dim = module.kv_layers[layer]
                states[index] = torch.randn(TRACE_SHAPE[0], heads, past_length, dim)
                state_dims.append({0: batch, 2: past})
            else:
                state_dims.append({0: batch})
        mask = []
        mask_dims = []
        if module.kv_layers:
            mask = [torch.ones(TRACE_SHAPE[0], past_length + TRACE_SHAPE[1], dtype=torch.long)]
            mask_dims = [{0: batch, 1: torch.export.Dim("total_sequence_length")}]
        args = (ids, *mask, *states)
        dynamic_shapes = ({0: batch, 1: length}, tuple(mask_dims + state_dims))
        names = (module.input_names(), module.output_names())
    else:
        state = None
        module = LogitsModel(model)
        args = (ids,)
        dynamic_shapes = ({0: batch, 1: length},)
        names = (["input_ids"], ["logits"])
    # The exporter reports progress on stdout and warnings on stderr.
    with ssm_ops(model, state), torch.no_grad(), contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(module.eval(), args, dynamo=True, opset_version=opset,
                                    input_names=names[0], output_names=names[1],
                                    dynamic_shapes=dynamic_shapes,
                                    custom_translation_table=ops.TRANSLATIONS)
    _strip_debug_metadata(program.model)
    return program.model


def _strip_debug_metadata(model) -> None:
    """Drops the exporter's per-node and per-value metadata (torch stack traces, FX names)."""
    import onnx_ir

    graphs = [model.graph, *model.functions.values()]
    values = [*model.graph.inputs, *model.graph.outputs, *model.graph.initializers.values()]
    for graph in graphs:
        for node in onnx_ir.traversal.RecursiveGraphIterator(graph):
            node.metadata_props.clear()
            values.extend(node.outputs)
    for value in values:
        value.metadata_props.clear()


def save(model, out: Path):
    """Writes `out`/model.onnx with the weights in `out`/model.onnx.data (tensors under 1 KiB,
    shape operands among them, stay inline), checks it with onnx.checker and returns the
    written graph without its weights (an onnx.ModelProto). The weights are streamed to the
    file, never put in one protobuf message, so models over 2 GB are fine."""
    import onnx
    import onnx_ir

    out.mkdir(parents=True, exist_ok=True)
    path = out / "model.onnx"
    onnx_ir.save(model, path, external_data="model.onnx.data", size_threshold_bytes=1024)
    onnx.checker.check_model(path, full_check=True)
    return onnx.load(path, load_external_data=False)


def ssm_op_counts(proto) -> dict[str, int]:
    """How many nodes of each `ssm` op the graph holds."""
    counts: dict[str, int] = {}
    for node in proto.graph.node:
        if node.domain == ops.DOMAIN:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path,
                        help="a Hugging Face checkpoint directory or a config JSON")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder for model.onnx and model.onnx.data")
    parser.add_argument("--opset", type=int, choices=(20, 23), default=20)
    parser.add_argument("--state-io", action="store_true",
                        help="decode states as inputs and outputs (ONNX.md's names)")
    parser.add_argument("--random-weights", action="store_true",
                        help="random weights for a checkpoint directory's config")
    parser.add_argument("--seed", type=int, default=0, help="seed of random weights")
    args = parser.parse_args(argv)

    import transformers

    transformers.logging.set_verbosity_error()
    model = load_model(args.model, args.random_weights, args.seed)
    proto = save(export(model, args.opset, args.state_io), args.out)
    summary = {"model": str(args.out / "model.onnx"), "class": type(model).__name__,
               "opset": args.opset,
               "inputs": [v.name for v in proto.graph.input],
               "outputs": [v.name for v in proto.graph.output],
               "ssm_ops": ssm_op_counts(proto)}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
