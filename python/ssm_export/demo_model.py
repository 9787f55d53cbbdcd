"""The bundled demo model: a small byte-level Mamba trained for this project.

The corpus is the text of Python's own documentation topics (`pydoc_data.topics`, the pages
`help("assert")` and friends print), which every CPython carries: about 465 KB of English
prose and code. Its UTF-8 bytes are the tokens (vocabulary 256, `ssm-run --tokenizer bytes`).
The last 5% of the bytes are held out for validation. The model is transformers'
`MambaForCausalLM` (Mamba-1) at a few MB.

Run from python/:

    python -m ssm_export.demo_model train --out CKPT [--minutes 4]    # where torch has a GPU
    python -m ssm_export.demo_model export CKPT --out ../models/demo  # where torch runs

`train` writes a Hugging Face checkpoint and `training.json` (the corpus, the settings, the
loss curve, the validation loss). `export` writes the model with the `ssm` ops and decode
state inputs and outputs (`ssm_export.export --state-io`), copies `training.json`, and writes
`reference.json`: for a few prompts, the tokens of transformers' greedy `generate` in f32 on
the CPU, which `test/models/demo_generation.py` holds the runtime to.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from pathlib import Path

import torch

#: The model: Mamba-1 at d_model 192, 4 layers, state 16, conv width 4, tied embeddings.
CONFIG = dict(vocab_size=256, hidden_size=192, num_hidden_layers=4, state_size=16, expand=2,
              conv_kernel=4, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0,
              pad_token_id=0, use_mambapy=False)
#: Training: windows of LENGTH + 1 bytes, BATCH of them a step, AdamW with warm-up and a cosine
#: decay over the step count the time budget allows.
LENGTH, BATCH, LR, WARMUP, WEIGHT_DECAY = 256, 32, 3e-3, 50, 0.01
#: The prompts whose greedy continuations `reference.json` records.
PROMPTS = ("The ", "A function definition ", "The \"for\" statement is used to ")
NEW_TOKENS = 64


def corpus() -> tuple[bytes, dict]:
    """The corpus's bytes and how to find them again."""
    import pydoc_data.topics as topics

    text = "\n\n".join(topics.topics[key] for key in sorted(topics.topics))
    data = text.encode("utf-8")
    about = {"source": "pydoc_data.topics of CPython %d.%d.%d" % sys.version_info[:3],
             "topics": len(topics.topics), "bytes": len(data),
             "sha256": hashlib.sha256(data).hexdigest(), "validation_fraction": 0.05}
    return data, about


def train(out: Path, minutes: float, seed: int) -> None:
    import transformers

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    data, about = corpus()
    split = int(len(data) * (1 - about["validation_fraction"]))
    tokens = torch.tensor(list(data), dtype=torch.long)
    train_tokens, val_tokens = tokens[:split].to(device), tokens[split:].to(device)

    config = transformers.MambaConfig(**CONFIG)
    model = transformers.MambaForCausalLM(config).to(device)
    parameters = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=LR,
                                  betas=(0.9, 0.95))

    def batch():
        starts = torch.randint(0, len(train_tokens) - LENGTH - 1, (BATCH,), device=device)
        windows = train_tokens[starts[:, None] + torch.arange(LENGTH + 1, device=device)]
        return windows[:, :-1], windows[:, 1:]

    def loss_of(inputs, targets):
        logits = model(input_ids=inputs, use_cache=False).logits
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 targets.reshape(-1))

    @torch.no_grad()
    def validation_loss() -> float:
        """Mean loss in nats per byte over the held-out bytes, in whole windows."""
        model.eval()
        count = (len(val_tokens) - 1) // LENGTH
        windows = val_tokens[:count * LENGTH + 1]
        total = 0.0
        for first in range(0, count, BATCH):
            rows = range(first, min(first + BATCH, count))
            inputs = torch.stack([windows[r * LENGTH:(r + 1) * LENGTH] for r in rows])
            targets = torch.stack([windows[r * LENGTH + 1:(r + 1) * LENGTH + 1] for r in rows])
            total += loss_of(inputs, targets).item() * len(rows)
        model.train()
        return total / count

    def step(lr: float) -> float:
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = batch()
        loss = loss_of(inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    # Time a few warm-up steps, then fit the schedule to the budget.
    model.train()
    start = time.perf_counter()
    curve = []
    for s in range(WARMUP):
        curve.append((s, step(LR * (s + 1) / WARMUP)))
    per_step = (time.perf_counter() - start) / WARMUP
    steps = max(WARMUP + 1, int(minutes * 60 / per_step))
    print(f"{parameters} parameters; {per_step * 1000:.0f} ms a step; {steps} steps",
          flush=True)
    for s in range(WARMUP, steps):
        progress = (s - WARMUP) / (steps - WARMUP)
        loss = step(LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))))
        if s % 50 == 0 or s == steps - 1:
            curve.append((s, loss))
            print(f"step {s}/{steps} loss {loss:.3f} ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    seconds = time.perf_counter() - start
    val = validation_loss()
    print(f"validation: {val:.4f} nats/byte = {val / math.log(2):.3f} bits/byte", flush=True)

    out.mkdir(parents=True, exist_ok=True)
    model.to(torch.float32).cpu().save_pretrained(out)
    report = {
        "corpus": about, "config": CONFIG, "parameters": parameters,
        "training": {"window": LENGTH, "batch": BATCH, "steps": steps,
                     "bytes_seen": steps * BATCH * LENGTH, "peak_lr": LR, "warmup": WARMUP,
                     "weight_decay": WEIGHT_DECAY, "seed": seed, "seconds": round(seconds, 1),
                     "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu", "torch": torch.__version__,
                     "transformers": transformers.__version__},
        "loss_curve": [[s, round(l, 4)] for s, l in curve],
        "validation_nats_per_byte": round(val, 4),
        "validation_bits_per_byte": round(val / math.log(2), 4),
    }
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n")


def export_demo(checkpoint: Path, out: Path) -> None:
    from ssm_export import export

    model = export.load_model(checkpoint)
    out.mkdir(parents=True, exist_ok=True)
    export.save(export.export(model, opset=20, state_io=True), out)
    shutil.copy(checkpoint / "training.json", out / "training.json")
    references = []
    with torch.no_grad():
        for prompt in PROMPTS:
            ids = torch.tensor([list(prompt.encode("utf-8"))])
            generated = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False,
                                       min_new_tokens=NEW_TOKENS)
            references.append({"prompt": prompt,
                               "generated_ids": generated[0, ids.shape[1]:].tolist()})
    (out / "reference.json").write_text(json.dumps(
        {"generator": "python/ssm_export/demo_model.py export", "torch": torch.__version__,
         "greedy": references}, indent=1) + "\n")
    for reference in references:
        text = bytes(reference["generated_ids"]).decode("utf-8", "replace")
        print(f"{reference['prompt']!r} -> {text!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train", help="train on the GPU")
    train_parser.add_argument("--out", type=Path, required=True)
    train_parser.add_argument("--minutes", type=float, default=4.0)
    train_parser.add_argument("--seed", type=int, default=0)
    export_parser = commands.add_parser("export", help="export a trained checkpoint")
    export_parser.add_argument("checkpoint", type=Path)
    export_parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "train":
        train(args.out, args.minutes, args.seed)
    else:
        export_demo(args.checkpoint, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
