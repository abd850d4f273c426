"""Evaluate a stock run against real data and baselines; write metrics.json (and a report)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from synthgan import checkpoint as ckpt
from synthgan.stocks import metrics
from synthgan.stocks.baselines import BASELINES
from synthgan.stocks.scores import SEQ_LEN
from synthgan.stocks.synthesizer import StockSynthesizer


def evaluate_run(
    run: str | Path,
    real: pd.DataFrame,
    baselines: list[str] = ("garch", "bootstrap"),
    n_paths: int = 200,
    length: int = 252,
    repeats: int = 5,
    seed: int = 0,
    iterations: int = 2000,
    report: str | Path | None = None,
) -> dict:
    """Sample the run and each baseline, compare them with ``real``; write RUN/eval/metrics.json.

    Long paths (``n_paths`` x ``length``) give the stylized facts; as many 24-day paths as there
    are real 24-day training windows give the window-level scores, so the synthetic windows'
    start states cover the same days as the real windows.
    """
    t0 = time.perf_counter()
    run = Path(run)
    syn = StockSynthesizer.load(run)
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        from synthgan.errors import ConfigError

        raise ConfigError(
            f"unknown baseline(s) {', '.join(unknown)}; choose from {', '.join(BASELINES)}"
        )
    holdout_start = syn.preprocess["holdout_start"]
    if holdout_start is None:
        from synthgan.errors import ConfigError

        raise ConfigError(
            "this run kept no holdout (holdout_fraction=0): privacy and utility need one"
        )
    n_windows = len(syn.preprocess["train_dates"]) - SEQ_LEN + 1
    frames = {"synthgan": syn.sample(n_paths, length, seed=seed + 1)}
    short = {"synthgan": syn.sample_bars(n_windows, SEQ_LEN, seed=seed + 2)}
    for name in baselines:
        model = BASELINES[name](holdout_fraction=syn.config.data.holdout_fraction).fit(real)
        frames[name] = model.sample(n_paths, length, seed=seed + 1)
        short[name] = model.sample_bars(n_windows, SEQ_LEN, seed=seed + 2)
    result = metrics.evaluate(real, frames, holdout_start, short, repeats, seed, iterations)
    result["run"] = str(run)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["settings"] = {
        "n_paths": n_paths,
        "length": length,
        "repeats": repeats,
        "iterations": iterations,
        "baselines": list(baselines),
    }
    result["headline"] = metrics.headline(result).to_dict(orient="index")
    result["training_history"] = syn.loss_history.to_dict(orient="list")
    result["sample_paths"] = {
        k: v[v.path < 20].assign(date=v.date.astype(str)).to_dict(orient="list")
        for k, v in frames.items()
    }
    result = ckpt.json_ready(result)
    out_dir = run / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt.write_json(out_dir / "metrics.json", result)
    if report is not None:
        from synthgan.report.stocks import write_report

        write_report(result, real, report)
    return result
