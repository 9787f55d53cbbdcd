"""Random inputs and a NumPy reference for raise-conv-state.onnxtxt.

    conv_state_reference.py DIR inputs        writes DIR/in/input_{0,1}.pb and DIR/expected/
    conv_state_reference.py DIR check OUT...  compares each OUT/output_{0,1}.pb with DIR/expected/

The model: xs = concat(state, x) along the sequence; y = silu(depthwise_conv(xs, w) + b);
new state = xs[..., -3:]. The weights are the model's initializers, repeated here.
"""

import sys
from pathlib import Path

import numpy as np

from ssm_reference.tensor_pb import read_tensor, write_tensor

W = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 8
B = np.array([0.5, -0.5, 0.25], dtype=np.float32)
RTOL = 1e-5  # f32, a 4-tap dot product


def reference(x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs = np.concatenate([state, x], axis=2).astype(np.float64)
    k = W.shape[1]
    length = x.shape[2]
    y = np.stack([(xs[:, :, t:t + k] * W).sum(-1) for t in range(length)], axis=2) + B[:, None]
    y = y / (1 + np.exp(-y))
    return y.astype(np.float32), xs[:, :, -(k - 1):].astype(np.float32)


def main() -> int:
    root, mode = Path(sys.argv[1]), sys.argv[2]
    if mode == "inputs":
        rng = np.random.default_rng()
        x = rng.standard_normal((2, 3, 2), dtype=np.float32)
        state = rng.standard_normal((2, 3, 3), dtype=np.float32)
        for sub in ("in", "expected"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        write_tensor(root / "in" / "input_0.pb", x, "x")
        write_tensor(root / "in" / "input_1.pb", state, "conv_state")
        for i, out in enumerate(reference(x, state)):
            write_tensor(root / "expected" / f"output_{i}.pb", out, f"output_{i}")
        return 0
    failures = 0
    for out in sys.argv[3:]:
        for i in range(2):
            want = read_tensor(root / "expected" / f"output_{i}.pb").array
            got = read_tensor(Path(out) / f"output_{i}.pb").array
            if got.shape != want.shape or not np.allclose(got, want, rtol=RTOL, atol=RTOL):
                print(f"{out}/output_{i}.pb: differs from NumPy (max |diff| "
                      f"{np.abs(got - want).max() if got.shape == want.shape else 'shape'})")
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
