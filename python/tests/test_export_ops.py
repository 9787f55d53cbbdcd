"""The exporter's `ssm` custom ops (``ssm_export.ops``) against the NumPy references.

The eager implementations are what the patched models compute in torch while fixtures are
made, and the ONNX nodes are what the importer reads: this checks the first against
``ssm_reference.ops`` (random shapes, groups, every optional input, initial states) and the
second for the input order, attributes and inferred output types ONNX.md gives. Inputs are
fresh random numbers on every run; ``SSM_REFERENCE_SEED=<seed>`` replays one.

Needs torch, onnx and onnxscript (the fixture environment; skipped without them):
``python3 python/tests/test_export_ops.py``.
"""

from __future__ import annotations

import os
import secrets
import sys
import unittest
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ssm_reference import ops as reference  # noqa: E402

try:
    import onnx
    import torch

    from ssm_export import ops  # registers torch.ops.ssm and the ONNX schemas
    MISSING = ""
except ImportError as missing:
    MISSING = f"needs torch, onnx and onnxscript: {missing}"

SEED = int(os.environ.get("SSM_REFERENCE_SEED", secrets.randbits(32)))
#: f32 ops against the f64 references.
TOLERANCE = 2e-5


@unittest.skipIf(MISSING, MISSING)
class ExportOpsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.rng = np.random.default_rng([SEED, zlib.crc32(self.id().encode())])

    def normal(self, *shape: int, scale: float = 1.0) -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def assertClose(self, got, want: np.ndarray) -> None:
        got = got.detach().double().numpy()
        self.assertEqual(got.shape, want.shape)
        error = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30)
        self.assertLessEqual(error, TOLERANCE, f"relative error {error:.3g}")

    def test_selective_scan(self) -> None:
        for groups, optional in ((0, False), (1, True), (2, True)):
            batch, channels, n, length = 2, 4 * max(groups, 1), 3, int(self.rng.integers(1, 9))
            bc_shape = (batch, n, length) if groups == 0 else (batch, groups, n, length)
            u, delta = self.normal(batch, channels, length), self.normal(batch, channels, length)
            A = -np.exp(self.normal(channels, n, scale=0.5))
            B, C = self.normal(*bc_shape), self.normal(*bc_shape)
            extra = ((self.normal(channels), self.normal(batch, channels, length),
                      self.normal(channels), self.normal(batch, channels, n)) if optional
                     else (None,) * 4)
            y, h = torch.ops.ssm.selective_scan(
                *(torch.from_numpy(a) for a in (u, delta, A, B, C)),
                *(None if a is None else torch.from_numpy(a) for a in extra), optional)
            with self.subTest(groups=groups, optional=optional):
                B4, C4 = (B[:, None], C[:, None]) if groups == 0 else (B, C)
                want_y, want_h = reference.selective_scan(u, delta, A, B4, C4, *extra,
                                                          delta_softplus=optional)
                self.assertClose(y, want_y)
                self.assertClose(h, want_h)
                self.assertEqual(h.dtype, torch.float32)

    def test_ssd(self) -> None:
        for d_rank, optional in ((1, False), (1, True), (2, True)):
            batch, length, heads, p, groups, n = 2, int(self.rng.integers(1, 11)), 4, 3, 2, 5
            x, dt = self.normal(batch, length, heads, p), self.normal(batch, length, heads)
            A = -np.exp(self.normal(heads, scale=0.5))
            B, C = self.normal(batch, length, groups, n), self.normal(batch, length, groups, n)
            D = self.normal(heads) if d_rank == 1 else self.normal(heads, p)
            extra = ((self.normal(batch, length, heads, p), self.normal(heads),
                      self.normal(batch, heads, p, n)) if optional else (None,) * 3)
            limits = (0.01, 5.0) if optional else (0.0, float("inf"))
            y, state = torch.ops.ssm.ssd(
                *(torch.from_numpy(a) for a in (x, dt, A, B, C, D)),
                *(None if a is None else torch.from_numpy(a) for a in extra), 4, optional,
                *limits)
            with self.subTest(d_rank=d_rank, optional=optional):
                want_y, want_state = reference.ssd(x, dt, A, B, C, D, *extra,
                                                   dt_softplus=optional, dt_min=limits[0],
                                                   dt_max=limits[1])
                self.assertClose(y, want_y)
                self.assertClose(state, want_state)

    def test_causal_conv1d(self) -> None:
        for activation, with_state in (("none", False), ("silu", True)):
            batch, channels, width, length = 2, 6, 4, int(self.rng.integers(1, 9))
            x, w, bias = (self.normal(batch, channels, length), self.normal(channels, width),
                          self.normal(channels))
            state = self.normal(batch, channels, width - 1) if with_state else None
            y, final = torch.ops.ssm.causal_conv1d(
                torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(bias),
                None if state is None else torch.from_numpy(state), activation)
            with self.subTest(activation=activation, with_state=with_state):
                want_y, want_final = reference.causal_conv1d(x, w, bias, state, activation)
                self.assertClose(y, want_y)
                self.assertClose(final, want_final)

    def test_gated_rms_norm(self) -> None:
        for group_size, before, gated in ((0, False, True), (4, False, True), (4, True, True),
                                          (0, False, False)):
            x, w = self.normal(2, 3, 8), self.normal(8)
            z = self.normal(2, 3, 8) if gated else None
            y = torch.ops.ssm.gated_rms_norm(torch.from_numpy(x), torch.from_numpy(w),
                                             None if z is None else torch.from_numpy(z), 1e-5,
                                             group_size, before)
            with self.subTest(group_size=group_size, before=before, gated=gated):
                self.assertClose(y, reference.gated_rms_norm(x, w, z, 1e-5, group_size, before))

    def test_onnx_nodes(self) -> None:
        """One export of each op: the node, its inputs in ONNX.md's order (absent optional
        ones empty), its attributes, and the output types shape inference gives."""

        class Model(torch.nn.Module):
            def forward(self, u, delta, A, B, C, z, x, w):
                y, h = torch.ops.ssm.selective_scan(u, delta, A, B, C, None, z, None, None,
                                                    True)
                conv, _ = torch.ops.ssm.causal_conv1d(x, w, None, None, "silu")
                return y, h, conv

        args = (torch.randn(2, 4, 5), torch.randn(2, 4, 5), torch.randn(4, 3),
                torch.randn(2, 3, 5), torch.randn(2, 3, 5), torch.randn(2, 4, 5),
                torch.randn(2, 6, 5), torch.randn(6, 4))
        program = torch.onnx.export(Model().eval(), args, dynamo=True, opset_version=20,
                                    custom_translation_table=ops.TRANSLATIONS, verbose=False)
        model = onnx.shape_inference.infer_shapes(program.model_proto, strict_mode=True)
        nodes = {n.op_type: n for n in model.graph.node if n.domain == ops.DOMAIN}
        self.assertEqual(sorted(nodes), ["CausalConv1d", "SelectiveScan"])
        names = [v.name for v in model.graph.input]
        scan = nodes["SelectiveScan"]
        self.assertEqual(list(scan.input), names[:5] + ["", names[5]])
        self.assertEqual([(a.name, a.i) for a in scan.attribute], [("delta_softplus", 1)])
        conv = nodes["CausalConv1d"]
        self.assertEqual(list(conv.input), names[6:8])
        self.assertEqual([(a.name, a.s) for a in conv.attribute], [("activation", b"silu")])
        shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
                  for v in list(model.graph.value_info) + list(model.graph.output)}
        self.assertEqual(shapes[scan.output[1]], [2, 4, 3])
        self.assertEqual(shapes[conv.output[1]], [2, 6, 3])
        self.assertIn(ops.DOMAIN, {o.domain: o.version for o in model.opset_import})


if __name__ == "__main__":
    print(f"ssm_export.ops checks, seed {SEED} (replay: SSM_REFERENCE_SEED={SEED})")
    unittest.main()
