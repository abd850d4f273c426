"""Benchmark: the classic DCGAN recipe vs synthgan's default on Fashion-MNIST, equal wall clock.

Both recipes (same generator/discriminator sizes) train in this one run for the same budget of
training time; at a few points in time each is sampled and scored against the real test split
(FD, KID, precision, recall, density, coverage on the feature network of synthgan images
evaluate), with the real training split as the floor. Also: training throughput (images/s) of
each recipe and of the speed options alone, the achieved GFLOP/s (FLOPs of one training step
counted by torch's FlopCounterMode) beside the machine's measured peak matmul GFLOP/s.
Writes benchmarks/results/images.json, images.md and a sample grid per recipe.

    python benchmarks/images.py [--minutes 6] [--points 4] [--n 5000]
    python benchmarks/images.py --conditional --minutes 3 --points 3   # class-conditional models

``--conditional`` trains both recipes class-conditionally and adds label accuracy (how often the
feature network sees the asked-for class) and within-class pixel std (collapse inside a class);
it skips the speed section and writes images_conditional.json / .md instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _machine import machine
from torch.utils.flop_counter import FlopCounterMode

from synthgan.config import ImageConfig
from synthgan.images import metrics as M
from synthgan.images.data import load_images
from synthgan.images.synthesizer import ImageSynthesizer, _seeded_family, save_grid
from synthgan.train import resolve_precision

RESULTS = Path(__file__).parent / "results"
RECIPES = {
    "classic": lambda **kw: ImageConfig.classic(**kw),
    "default": lambda **kw: ImageConfig(**{}).replace(**kw),
}
SPEED_VARIANTS = {
    "classic (fp32, NCHW, batch 128)": ImageConfig.classic,
    "classic + bf16 + channels_last": lambda **kw: ImageConfig.classic(
        precision="auto", channels_last=True, **kw
    ),
    "default, fp32 NCHW": lambda **kw: ImageConfig().replace(
        precision="fp32", channels_last=False, **kw
    ),
    "default (bf16 + channels_last, batch 64)": lambda **kw: ImageConfig().replace(**kw),
}


def peak_matmul_gflops(dtype: torch.dtype, n: int = 2048, reps: int = 10) -> float:
    """Measured GFLOP/s of an n x n matmul on this machine (the practical peak)."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e9


def step_flops(cfg: ImageConfig, size: int) -> float:
    """FLOPs of one training step (discriminator update + generator update), counted."""
    fam = _seeded_family(size, 1, 0, cfg)
    batch = torch.rand(cfg.train.batch_size, size * size) * 2 - 1
    rng = torch.Generator().manual_seed(0)
    with FlopCounterMode(display=False) as counter:
        loss, _ = fam.discriminator_loss(batch, rng)
        loss.backward()
        loss, _ = fam.generator_loss(batch, rng)
        loss.backward()
    return float(counter.get_total_flops())


def throughput(cfg: ImageConfig, train, steps: int = 150) -> float:
    """Training images/s of ``cfg`` through the real loop (one run of ``steps`` steps)."""
    syn = ImageSynthesizer(cfg.replace(steps=steps, progress=False, sample_every=0)).fit(train)
    return steps * cfg.train.batch_size / syn.result.seconds


def main() -> int:
    """Run the benchmark (or, with --markdown-only, rewrite images.md from images.json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=6.0, help="training budget per recipe")
    ap.add_argument("--points", type=int, default=4, help="evaluations per recipe")
    ap.add_argument("--n", type=int, default=5000, help="samples (and test images) scored")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--conditional", action="store_true", help="class-conditional models")
    ap.add_argument("--markdown-only", action="store_true", help="rewrite images.md from the JSON")
    args = ap.parse_args()
    stem = "images_conditional" if args.conditional else "images"
    if args.markdown_only:
        (RESULTS / f"{stem}.md").write_text(
            markdown(json.loads((RESULTS / f"{stem}.json").read_text()))
        )
        return 0
    RESULTS.mkdir(exist_ok=True)
    t_start = time.perf_counter()
    train = load_images("fashion-mnist")
    test = load_images("fashion-mnist", split="test")
    size = train.images.shape[-1]
    net, feat_info = M.feature_network(train.images, train.labels, test.images, test.labels, 10)
    print(f"feature network: test accuracy {feat_info['test_accuracy']:.4f}", flush=True)
    rng = np.random.default_rng(args.seed)
    test_idx = rng.choice(len(test.images), args.n, replace=False)
    f_test, _ = M.predict(net, test.images[test_idx])
    f_floor, _ = M.predict(net, train.images[rng.choice(len(train.images), args.n, replace=False)])
    floor = M.feature_scores(f_test, f_floor, args.seed)

    # Speed: each option alone, through the real training loop, same architecture. This shared
    # 2-core machine varies by about 10 % between runs of one configuration, so every variant
    # runs three times, interleaved (round-robin), and the median counts.
    configs = {name: make(size=size, seed=args.seed) for name, make in SPEED_VARIANTS.items()}
    if args.conditional:
        configs = {}
    for cfg in configs.values():  # warm-up: first-call allocations and kernel selection
        throughput(cfg, train, steps=10)
    runs: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(3):
        for name, cfg in configs.items():
            runs[name].append(throughput(cfg, train))
    speed = {}
    for name, cfg in configs.items():
        ips = float(np.median(runs[name]))
        flops = step_flops(cfg, size)
        speed[name] = {
            "images_per_s": ips,
            "images_per_s_runs": runs[name],
            "gflop_per_step": flops / 1e9,
            "achieved_gflops": flops / 1e9 * ips / cfg.train.batch_size,
            "precision": str(resolve_precision(cfg.train.precision, torch.device("cpu"))),
        }
        print(
            f"speed {name}: {ips:.0f} images/s (runs {[round(x) for x in runs[name]]})", flush=True
        )
    peak = {
        "fp32": peak_matmul_gflops(torch.float32),
        "bf16": peak_matmul_gflops(torch.bfloat16),
    }

    # Quality at equal wall clock: train, pause to score, resume (bit-exact), repeat.
    curves: dict[str, list[dict]] = {}
    final: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in RECIPES.items():
            run = Path(tmp) / name
            curves[name] = []
            for k in range(1, args.points + 1):
                minutes = args.minutes * k / args.points
                cfg = make(
                    size=size,
                    seed=args.seed,
                    steps=10**7,
                    max_minutes=minutes,
                    conditional=args.conditional,
                )
                cfg = cfg.replace(progress=False, sample_every=0, checkpoint_every=10**6)
                syn = ImageSynthesizer(cfg).fit(train, run_dir=run, resume=k > 1)
                asked = np.arange(args.n) % 10 if args.conditional else None
                fake = syn.sample(args.n, asked, seed=args.seed + 1)
                f_fake, p_fake = M.predict(net, fake)
                row = {
                    "minutes": round(syn.result.seconds / 60, 2),
                    "step": syn.result.step,
                    "images_seen": syn.result.step * cfg.train.batch_size,
                    **M.feature_scores(f_test, f_fake, args.seed),
                }
                if args.conditional:
                    row["label_accuracy"] = float((p_fake == asked).mean())
                    row["within_class_std"] = within_class_std(fake, asked)
                curves[name].append(row)
                print(
                    f"{name} {row['minutes']:.1f} min step {row['step']}: FD {row['fd']:.3f} "
                    f"KID {row['kid']:.4f} P {row['precision']:.3f} R {row['recall']:.3f}",
                    flush=True,
                )
            final[name] = {"class_balance": M.class_balance(p_fake, 10)}
            grid = fake[:100] if args.conditional else fake[:64]
            save_grid(grid, RESULTS / f"{stem}_{name}.png", nrow=10 if args.conditional else 8)

    if args.conditional:
        floor["label_accuracy"] = feat_info["test_accuracy"]
        floor["within_class_std"] = within_class_std(test.images, test.labels)
    result = {
        "conditional": args.conditional,
        "machine": machine(),
        "data": "fashion-mnist (60,000 train / 10,000 test, 28x28)",
        "budget_minutes": args.minutes,
        "n_scored": args.n,
        "feature_network": feat_info,
        "floor": floor,
        "curves": curves,
        "final": final,
        "speed": speed,
        "peak_matmul_gflops": peak,
        "seconds": round(time.perf_counter() - t_start, 1),
        "command": "python benchmarks/images.py " + " ".join(sys.argv[1:]),
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def within_class_std(images: np.ndarray, labels: np.ndarray) -> float:
    """Mean per-pixel std of the images of each class, averaged over classes (0: one image)."""
    return float(np.mean([images[labels == k].astype(float).std(0).mean() for k in range(10)]))


def markdown(r: dict) -> str:
    """The results as a Markdown page."""
    m = r["machine"]
    cols = ["fd", "kid", "precision", "recall", "density", "coverage"]
    cond = r.get("conditional", False)
    if cond:
        cols += ["label_accuracy", "within_class_std"]
    kind = "class-conditional " if cond else ""
    lines = [
        f"# Images benchmark: {kind}classic DCGAN recipe vs synthgan default (Fashion-MNIST)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores ({m['torch_threads']} torch threads), "
        f"{m['memory_gib']} GiB, GPU {m['gpu']}; Python {m['python']}, torch {m['torch']}.",
        f"Command: `{r['command']}` ({r['seconds']:.0f} s in all). Each recipe trained for "
        f"{r['budget_minutes']} min of training time in the same run; {r['n_scored']} samples "
        f"scored against {r['n_scored']} real test images on the feature network "
        f"(test accuracy {r['feature_network']['test_accuracy']:.3f}).",
        "",
        "## Quality over time (lower FD/KID, higher precision/recall/density/coverage)",
        "",
        "| recipe | minutes | step | images seen | " + " | ".join(cols) + " |",
        "|---|---|---|---|" + "---|" * len(cols),
    ]
    for name, rows in r["curves"].items():
        for row in rows:
            vals = " | ".join(f"{row[c]:.4g}" for c in cols)
            lines.append(
                f"| {name} | {row['minutes']} | {row['step']} | {row['images_seen']} | {vals} |"
            )
    vals = " | ".join(f"{r['floor'][c]:.4g}" for c in cols)
    lines.append(f"| real train (floor) | | | | {vals} |")
    lines += [
        "",
        "## Class balance of the last samples (feature network's classes)",
        "",
        "| recipe | min share | max share | classes at 5-15 % |",
        "|---|---|---|---|",
    ]
    for name, f in r["final"].items():
        b = f["class_balance"]
        lines.append(
            f"| {name} | {b['min_share']:.3f} | {b['max_share']:.3f} | {b['classes_in_5_15_percent']} / 10 |"
        )
    if cond:
        lines += [
            "",
            "label_accuracy: share of samples the feature network puts in the class they were "
            "asked for (floor: its test accuracy on real images). within_class_std: mean "
            "per-pixel std inside a class (near 0: every sample of a class looks the same).",
            "",
        ]
        return "\n".join(lines)
    base = next(iter(r["speed"].values()))["images_per_s"]
    lines += [
        "",
        "## Training throughput (same architecture, through the training loop)",
        "",
        "| configuration | images/s (median of 3) | runs | vs classic | GFLOP/step | achieved GFLOP/s |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in r["speed"].items():
        each = ", ".join(f"{x:.0f}" for x in s.get("images_per_s_runs", []))
        lines.append(
            f"| {name} | {s['images_per_s']:.0f} | {each} | {s['images_per_s'] / base:.2f}x | "
            f"{s['gflop_per_step']:.2f} | {s['achieved_gflops']:.1f} |"
        )
    lines += [
        "",
        "Over the whole quality run (6 minutes each, one after the other):",
        "",
        "| recipe | images/s | vs classic |",
        "|---|---|---|",
    ]
    long = {
        n: rows[-1]["images_seen"] / (rows[-1]["minutes"] * 60) for n, rows in r["curves"].items()
    }
    for name, ips in long.items():
        lines.append(f"| {name} | {ips:.0f} | {ips / long['classic']:.2f}x |")
    p = r["peak_matmul_gflops"]
    lines += [
        "",
        f"Measured peak (2048x2048 matmul): fp32 {p['fp32']:.0f} GFLOP/s, bf16 {p['bf16']:.0f} "
        "GFLOP/s. FLOPs are counted by torch's FlopCounterMode on one discriminator + generator "
        "update (whatever the precision); achieved = FLOPs per step x steps per second.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
