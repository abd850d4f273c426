"""Benchmark: the default `synthgan stocks fit` on the embedded S&P 500 bars, fully evaluated.

Trains the default model (as the README's first command does, capped by a wall-clock budget),
then runs `synthgan stocks evaluate` with the GJR-GARCH and block-bootstrap baselines and the
real holdout side by side. Writes benchmarks/results/stocks.json and stocks.md (and the HTML
report beside them).

    python benchmarks/stocks.py [--minutes 9.5] [--steps N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _machine import machine

from synthgan import StockSynthesizer
from synthgan.stocks.data import load_data
from synthgan.stocks.evaluate import evaluate_run

RESULTS = Path(__file__).parent / "results"
PUBLISHED = {
    "TimeGAN (Yoon et al. 2019, GOOG)": 0.102,
    "Diffusion-TS (Yuan & Qiao 2024, GOOG)": 0.067,
}
FACT_ROWS = [
    "excess_kurtosis",
    "hill_tail_index",
    "acf_abs_r_1_10",
    "acf_r2_1_10",
    "acf_r_1_10",
    "leverage_1_10",
    "kurtosis_5d",
    "kurtosis_20d",
    "gain_loss_asymmetry_20d",
    "volume_volatility_corr",
    "daily_vol",
    "skew",
]


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.4g}"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--minutes", type=float, default=9.5, help="training wall-clock budget (default 9.5)"
    )
    ap.add_argument(
        "--steps", type=int, default=None, help="generator steps (default: the CLI default)"
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    df = load_data("sp500")
    kw = {"seed": args.seed, "progress": sys.stderr.isatty(), "max_minutes": args.minutes}
    if args.steps:
        kw["steps"] = args.steps
    tmp = Path(tempfile.mkdtemp())
    try:
        run = tmp / "run"
        t0 = time.perf_counter()
        syn = StockSynthesizer(**kw).fit(df, run_dir=run, source="sp500")
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        syn.sample(100, 252, seed=1)
        sample_s = time.perf_counter() - t0
        RESULTS.mkdir(exist_ok=True)
        res = evaluate_run(run, df, ["garch", "bootstrap"], report=RESULTS / "stocks_report.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    head = res["headline"]
    disc = {k: {"mean": v["mean"], "std": v["std"]} for k, v in res["discriminative"].items()}
    result = {
        "benchmark": "stocks: default fit on S&P 500 1999-2018 (train to 2014, holdout 2015-2018), evaluated",
        "command": "python benchmarks/stocks.py"
        + (f" --steps {args.steps}" if args.steps else "")
        + f" --minutes {args.minutes}",
        "steps": syn.result.step,
        "fit_seconds": round(fit_s, 1),
        "sample_seconds_100x252": round(sample_s, 3),
        "evaluate_seconds": res["seconds"],
        "discriminative": disc,
        "discriminative_published": PUBLISHED,
        "predictive": res["predictive"],
        "headline": head,
        "facts": res["facts"],
        "curve_distances": res["curve_distances"],
        "emd": res["emd"],
        "utility": res["utility"],
        "privacy": {
            k: {m: v for m, v in p.items() if not isinstance(v, list)}
            for k, p in res["privacy"].items()
        },
        "correlation_frobenius": {k: v.get("frobenius") for k, v in res["correlation"].items()},
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    (RESULTS / "stocks.json").write_text(json.dumps(result, indent=2) + "\n")

    sources = list(head)
    m = result["machine"]
    lines = [
        "# Stocks benchmark: default fit on S&P 500, evaluated",
        "",
        f"`{result['command']}` on {m['cpu']} ({m['cores']} cores, torch {m['torch']}), {result['date']}.",
        "",
        f"Fit: {result['steps']} steps in {result['fit_seconds']} s; sampling 100 x 252 days: "
        f"{result['sample_seconds_100x252']} s; full evaluation (2 baselines, 5 repeats): {result['evaluate_seconds']} s.",
        "",
        "## Discriminative score (TimeGAN protocol, S&P 500, 0 is best)",
        "",
        "| source | score (mean ± std, 5 repeats) |",
        "|---|---|",
    ]
    for k, v in disc.items():
        lines.append(f"| {k} | {v['mean']:.3f} ± {v['std']:.3f} |")
    for k, v in PUBLISHED.items():
        lines.append(f"| {k} (published) | {v:.3f} |")
    lines += [
        "",
        "The real holdout (2015-2018) is scored against the training period (1999-2014): price "
        "levels moved, so a GRU tells the periods apart; it is a yardstick, not a target.",
        "",
        "## Summary (distances to the real training period; lower is better)",
        "",
        "| score | " + " | ".join(sources) + " |",
        "|---|" + "---|" * len(sources),
    ]
    for key in next(iter(head.values())):
        lines.append(f"| {key} | " + " | ".join(_fmt(head[s][key]) for s in sources) + " |")
    facts = res["facts"]
    cols = list(facts)
    lines += [
        "",
        "## Stylized facts (pooled over 252-day paths)",
        "",
        "| fact | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for key in FACT_ROWS:
        lines.append(f"| {key} | " + " | ".join(_fmt(facts[c].get(key)) for c in cols) + " |")
    lines += [
        "",
        "## Utility and privacy",
        "",
        "| source | vol-forecast MAE (test on real) | R² | DCR ratio | MIA AUC | exact copies |",
        "|---|---|---|---|---|---|",
    ]
    for k in res["utility"]:
        u = res["utility"][k]
        p = result["privacy"].get(k, {})
        lines.append(
            f"| {k} | {u['mae']:.5f} | {u['r2']:.3f} | {_fmt(p.get('dcr_ratio'))} | {_fmt(p.get('mia_auc'))} | {_fmt(p.get('exact_copies'))} |"
        )
    (RESULTS / "stocks.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
