"""The `ssm` ONNX domain as torch custom ops, and their translation to ONNX nodes.

Each op of ONNX.md's `ssm` domain that the exporter emits is a `torch.library.custom_op`
(namespace `ssm`) with

- an eager implementation that computes the op's reference semantics (DESIGN.md section 4) as a
  plain per-token recurrence, so a model patched with these ops still computes the right
  numbers in torch;
- a fake implementation giving the output shapes, so `torch.export` can trace through it with
  symbolic batch and sequence length;
- a translation (`TRANSLATIONS`) that `torch.onnx.export(custom_translation_table=...)` calls to
  write the one `ssm`-domain node, with ONNX.md's input order, attribute names and optional
  inputs left empty.

The ONNX schemas of the domain, with type and shape inference, are registered with `onnx.defs`
on import: the exporter's graph builder (onnxscript) reads them to name inputs and count
outputs, and `onnx.checker` and shape inference to check and type the nodes.
"""

from __future__ import annotations

from typing import Optional

import onnx
import onnxscript
import torch
import torch.nn.functional as F
from onnx.defs import OpSchema
from torch import Tensor

DOMAIN = "ssm"
DOMAIN_VERSION = 1

_FLOATS = ["tensor(float)", "tensor(float16)", "tensor(bfloat16)"]


def _schema(name: str, inputs: list[str], outputs: list[str], attributes, doc: str) -> OpSchema:
    """An OpSchema of the domain; a name ending in '?' is optional. Activations, parameters
    and states are each allowed any float type (the importer converts parameters and states)."""

    def formal(spec: str, type_name: str) -> OpSchema.FormalParameter:
        optional = spec.endswith("?")
        return OpSchema.FormalParameter(
            spec.rstrip("?"), type_name,
            param_option=(OpSchema.FormalParameterOption.Optional if optional
                          else OpSchema.FormalParameterOption.Single))

    return OpSchema(
        name, DOMAIN, DOMAIN_VERSION, doc=doc,
        inputs=[formal(spec, f"T{i}") for i, spec in enumerate(inputs)],
        outputs=[formal(spec, f"O{i}") for i, spec in enumerate(outputs)],
        type_constraints=[(f"T{i}", _FLOATS, "") for i in range(len(inputs))]
        + [(f"O{i}", _FLOATS, "") for i in range(len(outputs))],
        attributes=[OpSchema.Attribute(attr, kind, "", required=False)
                    for attr, kind in attributes])


_INT, _FLOAT, _STRING = (OpSchema.AttrType.INT, OpSchema.AttrType.FLOAT,
                         OpSchema.AttrType.STRING)
SCHEMAS = (
    _schema("SelectiveScan",
            ["u", "delta", "A", "B", "C", "D?", "z?", "delta_bias?", "initial_state?"],
            ["y", "last_state?"], [("delta_softplus", _INT)],
            "Mamba-1 selective scan (ssm.selective_scan)."),
    _schema("SSDChunkScan",
            ["x", "dt", "A", "B", "C", "D?", "z?", "dt_bias?", "initial_states?"],
            ["y", "final_state?"],
            [("chunk_size", _INT), ("dt_softplus", _INT), ("dt_limit_min", _FLOAT),
             ("dt_limit_max", _FLOAT)],
            "Mamba-2 state-space dual (ssm.ssd)."),
    _schema("CausalConv1d", ["x", "weight", "bias?", "initial_state?"],
            ["y", "final_state?"], [("activation", _STRING)],
            "Depthwise causal convolution with a (B, C, K-1) state (ssm.causal_conv1d)."),
    _schema("GatedRMSNorm", ["x", "weight", "z?", "bias?"], ["y"],
            [("epsilon", _FLOAT), ("group_size", _INT), ("norm_before_gate", _INT),
             ("activation", _STRING)],
            "RMS norm with a SiLU gate, grouped (ssm.gated_rms_norm)."),
)


def _infer(state_dims):
    """A type and shape inference function: y is typed like the first input; the state
    output, when there is one, is f32 (the causal conv's: the first input's type) with
    `state_dims(input dims)`: dims are ints, symbol names or None (unknown)."""

    def dims_of(ctx, index):
        if not ctx.has_input(index):
            return None
        shape = ctx.get_input_type(index).tensor_type.shape
        return [d.dim_value if d.HasField("dim_value") else d.dim_param or None
                for d in shape.dim]

    def infer(ctx) -> None:
        ctx.set_output_type(0, ctx.get_input_type(0))
        if ctx.get_num_outputs() < 2 or not ctx.has_output(1):
            return
        element = onnx.TensorProto.FLOAT
        if state_dims is _conv_state_dims:
            element = ctx.get_input_type(0).tensor_type.elem_type
        dims = state_dims([dims_of(ctx, i) for i in range(ctx.get_num_inputs())])
        ctx.set_output_type(1, onnx.helper.make_tensor_type_proto(element, dims))

    return infer


def _conv_state_dims(inputs):
    x, weight = inputs[0], inputs[1]
    width = weight[-1] - 1 if isinstance(weight[-1], int) else None
    return [x[0], x[1], width]


_STATE_DIMS = {
    "SelectiveScan": lambda inputs: [inputs[0][0], inputs[0][1], inputs[2][1]],
    "SSDChunkScan": lambda inputs: [inputs[0][0], inputs[0][2], inputs[0][3], inputs[3][3]],
    "CausalConv1d": _conv_state_dims,
    "GatedRMSNorm": None,
}
for _s in SCHEMAS:
    if not onnx.defs.has(_s.name, _s.domain):
        _s.set_type_and_shape_inference_function(_infer(_STATE_DIMS[_s.name]))
        onnx.defs.register_schema(_s)

_ssm = onnxscript.values.Opset(DOMAIN, DOMAIN_VERSION)


# --------------------------------------------------------------------------------------------
# Mamba-1: the selective scan
# --------------------------------------------------------------------------------------------


def _per_channel(bc: Tensor, channels: int) -> Tensor:
    """(B, N, L) or (B, G, N, L) -> (B, channels, N, L): channel d reads group d // (D/G)."""
    if bc.dim() == 3:
        bc = bc[:, None]
    return bc.float().repeat_interleave(channels // bc.shape[1], dim=1)


@torch.library.custom_op("ssm::selective_scan", mutates_args=())
def selective_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                   D: Optional[Tensor], z: Optional[Tensor], delta_bias: Optional[Tensor],
                   initial_state: Optional[Tensor], delta_softplus: bool
                   ) -> tuple[Tensor, Tensor]:
    """y (B, D, L) and the last state (B, D, N) f32 of ONNX.md's SelectiveScan."""
    batch, channels, length = u.shape
    dt = delta.float()
    if delta_bias is not None:
        dt = dt + delta_bias.float()[:, None]
    if delta_softplus:
        dt = F.softplus(dt)
    b, c, a = _per_channel(B, channels), _per_channel(C, channels), A.float()
    x = u.float()
    h = (initial_state.float().clone() if initial_state is not None else
         torch.zeros(batch, channels, A.shape[1], dtype=torch.float32, device=u.device))
    ys = []
    for t in range(length):
        step = dt[:, :, t, None]
        h = torch.exp(step * a) * h + step * b[..., t] * x[:, :, t, None]
        ys.append((h * c[..., t]).sum(-1))
    y = torch.stack(ys, dim=-1) if ys else x.new_zeros(x.shape)
    if D is not None:
        y = y + D.float()[:, None] * x
    if z is not None:
        y = y * F.silu(z.float())
    return y.to(u.dtype), h


@selective_scan.register_fake
def _(u, delta, A, B, C, D, z, delta_bias, initial_state, delta_softplus):
    return u.new_empty(u.shape), u.new_empty((u.shape[0], u.shape[1], A.shape[1]),
                                             dtype=torch.float32)


def _selective_scan_onnx(u, delta, A, B, C, D, z, delta_bias, initial_state, delta_softplus):
    return _ssm.SelectiveScan(u, delta, A, B, C, D, z, delta_bias, initial_state,
                              delta_softplus=int(delta_softplus))


# --------------------------------------------------------------------------------------------
# Mamba-2: the state-space dual
# --------------------------------------------------------------------------------------------


@torch.library.custom_op("ssm::ssd", mutates_args=())
def ssd(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Optional[Tensor],
        z: Optional[Tensor], dt_bias: Optional[Tensor], initial_states: Optional[Tensor],
        chunk_size: int, dt_softplus: bool, dt_limit_min: float, dt_limit_max: float
        ) -> tuple[Tensor, Tensor]:
    """y (B, L, H, P) and the final state (B, H, P, N) f32 of ONNX.md's SSDChunkScan; the
    chunk size is a hint the recurrence does not need."""
    batch, length, heads, head_dim = x.shape
    step = dt.float()
    if dt_bias is not None:
        step = step + dt_bias.float()
    if dt_softplus:
        step = F.softplus(step)
    step = step.clamp(dt_limit_min, dt_limit_max)
    b = B.float().repeat_interleave(heads // B.shape[2], dim=2)
    c = C.float().repeat_interleave(heads // C.shape[2], dim=2)
    a, xf = A.float(), x.float()
    s = (initial_states.float().clone() if initial_states is not None else
         torch.zeros(batch, heads, head_dim, B.shape[3], dtype=torch.float32, device=x.device))
    ys = []
    for t in range(length):
        dt_t = step[:, t, :, None, None]
        s = torch.exp(dt_t * a[:, None, None]) * s + dt_t * xf[:, t, :, :, None] * \
            b[:, t, :, None, :]
        ys.append((s * c[:, t, :, None, :]).sum(-1))
    y = torch.stack(ys, dim=1) if ys else xf.new_zeros(xf.shape)
    if D is not None:
        y = y + (D.float()[:, None] if D.dim() == 1 else D.float()) * xf
    if z is not None:
        y = y * F.silu(z.float())
    return y.to(x.dtype), s


@ssd.register_fake
def _(x, dt, A, B, C, D, z, dt_bias, initial_states, chunk_size, dt_softplus, dt_limit_min,
      dt_limit_max):
    return x.new_empty(x.shape), x.new_empty((x.shape[0], x.shape[2], x.shape[3], B.shape[3]),
                                             dtype=torch.float32)


def _ssd_onnx(x, dt, A, B, C, D, z, dt_bias, initial_states, chunk_size, dt_softplus,
              dt_limit_min, dt_limit_max):
    return _ssm.SSDChunkScan(x, dt, A, B, C, D, z, dt_bias, initial_states,
                             chunk_size=chunk_size, dt_softplus=int(dt_softplus),
                             dt_limit_min=float(dt_limit_min), dt_limit_max=float(dt_limit_max))


# --------------------------------------------------------------------------------------------
# The causal convolution and the gated RMS norm
# --------------------------------------------------------------------------------------------


@torch.library.custom_op("ssm::causal_conv1d", mutates_args=())
def causal_conv1d(x: Tensor, weight: Tensor, bias: Optional[Tensor],
                  initial_state: Optional[Tensor], activation: str) -> tuple[Tensor, Tensor]:
    """y (B, C, L) and the last K-1 columns of concat(state, x) of ONNX.md's CausalConv1d;
    weight (C, K)."""
    width = weight.shape[-1] - 1
    state = (initial_state if initial_state is not None else
             x.new_zeros((x.shape[0], x.shape[1], width)))
    xs = torch.cat([state.to(x.dtype), x], dim=-1)
    y = F.conv1d(xs, weight.reshape(weight.shape[0], 1, -1), bias, groups=x.shape[1])
    if activation in ("silu", "swish"):
        y = F.silu(y)
    return y, xs[:, :, xs.shape[-1] - width:].clone()


@causal_conv1d.register_fake
def _(x, weight, bias, initial_state, activation):
    return x.new_empty(x.shape), x.new_empty((x.shape[0], x.shape[1], weight.shape[-1] - 1))


def _causal_conv1d_onnx(x, weight, bias, initial_state, activation):
    return _ssm.CausalConv1d(x, weight, bias, initial_state, activation=activation)


@torch.library.custom_op("ssm::gated_rms_norm", mutates_args=())
def gated_rms_norm(x: Tensor, weight: Tensor, z: Optional[Tensor], epsilon: float,
                   group_size: int, norm_before_gate: bool) -> Tensor:
    """ONNX.md's GatedRMSNorm with the SiLU gate: the mean of squares per group of
    `group_size` (0: the whole last dimension), in f32."""
    h = x.float()
    if z is not None and not norm_before_gate:
        h = h * F.silu(z.float())
    size = group_size or h.shape[-1]
    groups = h.reshape(*h.shape[:-1], h.shape[-1] // size, size)
    groups = groups * torch.rsqrt(groups.pow(2).mean(-1, keepdim=True) + epsilon)
    y = groups.reshape(h.shape) * weight.float()
    if z is not None and norm_before_gate:
        y = y * F.silu(z.float())
    return y.to(x.dtype)


@gated_rms_norm.register_fake
def _(x, weight, z, epsilon, group_size, norm_before_gate):
    return x.new_empty(x.shape)


def _gated_rms_norm_onnx(x, weight, z, epsilon, group_size, norm_before_gate):
    return _ssm.GatedRMSNorm(x, weight, z, epsilon=float(epsilon), group_size=group_size,
                             norm_before_gate=int(norm_before_gate), activation="silu")


#: custom_translation_table for torch.onnx.export.
TRANSLATIONS = {
    torch.ops.ssm.selective_scan.default: _selective_scan_onnx,
    torch.ops.ssm.ssd.default: _ssd_onnx,
    torch.ops.ssm.causal_conv1d.default: _causal_conv1d_onnx,
    torch.ops.ssm.gated_rms_norm.default: _gated_rms_norm_onnx,
}
