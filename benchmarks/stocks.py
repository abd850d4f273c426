"""Benchmark: the default `synthgan stocks fit` on the embedded S&P 500 bars.

Trains the default model (as the README's first command does), samples 100 paths of 252 days
and compares their stylized facts with real 252-day windows. Writes
benchmarks/results/stocks.json and stocks.md.

    python benchmarks/stocks.py [--steps N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine

from synthgan import StockSynthesizer
from synthgan.stocks.data import load_data
from synthgan.stocks.metrics import path_returns, real_windows, stylized_facts

RESULTS = Path(__file__).parent / "results"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--steps", type=int, default=None, help="generator steps (default: the CLI default)"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    df = load_data("sp500")
    kw = {"seed": args.seed, "progress": sys.stderr.isatty()}
    if args.steps:
        kw["steps"] = args.steps
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        syn = StockSynthesizer(**kw).fit(df, run_dir=Path(tmp) / "run", source="sp500")
        fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = syn.sample(100, 252, seed=1)
    sample_s = time.perf_counter() - t0

    train_end = syn.preprocess["train_dates"][-1]
    real_train = df[df.date <= train_end]
    facts = {
        "real (train period, 252-day windows)": stylized_facts(real_windows(real_train, 252)),
        "real (all 1999-2018, 252-day windows)": stylized_facts(real_windows(df, 252)),
        "synthgan (100 paths x 252 days)": stylized_facts(path_returns(frame)),
    }
    result = {
        "benchmark": "stocks default fit on S&P 500",
        "command": "python benchmarks/stocks.py" + (f" --steps {args.steps}" if args.steps else ""),
        "steps": syn.result.step,
        "fit_seconds": round(fit_s, 1),
        "sample_seconds_100x252": round(sample_s, 2),
        "stylized_facts": facts,
        "targets": {"excess_kurtosis": "> 2", "acf_abs_r_1_10": "> 0.1", "fit_seconds": "<= 600"},
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "stocks.json").write_text(json.dumps(result, indent=2) + "\n")
    keys = list(next(iter(facts.values())))
    lines = [
        "# Stocks benchmark: default fit on S&P 500",
        "",
        f"`{result['command']}` on {result['machine']['cpu']} ({result['machine']['cores']} cores), {result['date']}.",
        "",
        f"Fit: {result['steps']} steps in {result['fit_seconds']} s; sampling 100 x 252 days: {result['sample_seconds_100x252']} s.",
        "",
        "Statistics pooled over paths (kurtosis of all returns; ACF from lag products within paths).",
        "",
        "| statistic | " + " | ".join(facts) + " |",
        "|---|" + "---|" * len(facts),
    ]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(f"{facts[c][k]:.4f}" for c in facts) + " |")
    (RESULTS / "stocks.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
