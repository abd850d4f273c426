"""The stock evaluation report: one self-contained HTML page built from metrics.json."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.checkpoint import atomic_write_text
from synthgan.report.html import Report, pyplot

COLORS = {
    "real (train)": "black",
    "real (holdout)": "tab:gray",
    "synthgan": "tab:red",
    "garch": "tab:blue",
    "bootstrap": "tab:green",
}


def _color(name: str) -> str:
    return COLORS.get(name, "tab:purple")


def write_report(result: dict, real: pd.DataFrame, path: str | Path) -> Path:
    """Render the report of :func:`synthgan.stocks.evaluate.evaluate_run` to ``path``."""
    plt = pyplot()
    path = Path(path)
    rep = Report(
        "synthgan: synthetic stock bars vs real",
        f"run {result.get('run', '')}; tickers {', '.join(result['tickers'])}; paths of {result['length']} days; "
        f"holdout from {result['holdout_start']}; evaluation took {result.get('seconds', 0)} s",
    )

    # Summary.
    rep.section(
        "Summary",
        "Distances to the real training period (lower is better); discriminative score: "
        "|accuracy - 0.5| of a GRU telling real from synthetic 24-day windows (TimeGAN protocol; "
        "0 = indistinguishable); dcr_ratio: median distance to train / to holdout windows "
        "(about 1 = no copying); mia_auc: membership inference (0.5 = no leak).",
    )
    head = pd.DataFrame(result["headline"])  # rows: scores, columns: sources
    rep.table(
        head,
        "The real holdout column shows how far another real period is from the training period: "
        "the yardstick for 'as good as real'.",
    )
    facts = pd.DataFrame(result["facts"])
    rep.table(
        facts, "Stylized facts, pooled over paths: real training period (left) vs each source."
    )

    # Sample paths and fan chart.
    synth = pd.DataFrame(result["sample_paths"]["synthgan"])
    t0 = synth.ticker.iloc[0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for _, p in synth[synth.ticker == t0].groupby("path"):
        axes[0].plot(pd.to_datetime(p.date), p.close, lw=0.8)
    axes[0].set_title(f"20 synthetic close paths ({t0})")
    closes = real[real.ticker == t0].close.to_numpy(float)
    L = result["length"]
    real_norm = np.stack([closes[i : i + L] / closes[i] for i in range(0, len(closes) - L, 5)])
    qs = [5, 25, 50, 75, 95]
    for name in ("real (train)", "synthgan"):
        if name == "real (train)":
            arr = real_norm
        else:
            pivot = (
                synth[synth.ticker == t0]
                .pivot(index="path", columns="date", values="close")
                .to_numpy(float)
            )
            arr = pivot / pivot[:, :1]
        q = np.percentile(arr, qs, axis=0)
        c = _color(name)
        axes[1].fill_between(range(arr.shape[1]), q[0], q[4], color=c, alpha=0.12)
        axes[1].fill_between(range(arr.shape[1]), q[1], q[3], color=c, alpha=0.25)
        axes[1].plot(q[2], color=c, label=f"{name} median, 50% and 90% bands")
    axes[1].set_title("Fan chart of price relative to the first day")
    axes[1].set_xlabel("day")
    axes[1].legend(fontsize=8)
    rep.section("Price paths")
    rep.figure(
        fig,
        "Good: synthetic paths look like market paths, and the synthetic fan (red) spreads like the real one (black) day by day.",
    )

    # Return distributions.
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    rets = {}
    for name, d in result["sample_paths"].items():
        f = pd.DataFrame(d)
        f = f[f.ticker == t0].pivot(index="path", columns="date", values="close").to_numpy(float)
        rets[name] = np.diff(np.log(f), axis=1).ravel()
    real_r = np.diff(np.log(closes))
    bins = np.linspace(-0.1, 0.1, 81)
    axes[0].hist(
        real_r, bins=bins, density=True, histtype="step", color="black", label="real", lw=1.5
    )
    for name, r in rets.items():
        axes[0].hist(r, bins=bins, density=True, histtype="step", color=_color(name), label=name)
    axes[0].set_yscale("log")
    axes[0].set_title("Daily log-return density (log scale)")
    axes[0].legend(fontsize=8)
    q = np.linspace(0.001, 0.999, 200)
    rq = np.quantile(real_r, q)
    for name, r in rets.items():
        axes[1].plot(rq, np.quantile(r, q), ".", ms=3, color=_color(name), label=name)
    lim = [rq.min(), rq.max()]
    axes[1].plot(lim, lim, "k--", lw=0.8)
    axes[1].set_xlabel("real quantile")
    axes[1].set_ylabel("synthetic quantile")
    axes[1].set_title("QQ plot against real returns")
    axes[1].legend(fontsize=8)
    rep.section("Return distribution")
    rep.figure(
        fig,
        "Good: the synthetic density has the real fat tails (straight-ish log-density tails), and QQ points lie on the diagonal, also at the extremes.",
    )

    # ACF and leverage.
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for name, c in result["curves"].items():
        kw = {"color": _color(name), "label": name, "lw": 2 if name == "real (train)" else 1}
        axes[0].plot(range(1, len(c["acf_r"]) + 1), c["acf_r"], **kw)
        axes[1].plot(range(1, len(c["acf_abs_r"]) + 1), c["acf_abs_r"], **kw)
        axes[2].plot(range(1, len(c["leverage"]) + 1), c["leverage"], **kw)
    for ax, t in zip(
        axes,
        ["ACF of r", "ACF of |r| (volatility clustering)", "Leverage: corr(r_t, r²_t+k)"],
        strict=True,
    ):
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(t)
        ax.set_xlabel("lag (days)")
    axes[0].legend(fontsize=8)
    rep.section("Dependence over time")
    rep.figure(
        fig,
        "Good: ACF of r near zero, ACF of |r| positive and slowly decaying like the real (black) curve, leverage negative at short lags.",
    )

    # Correlation heatmaps.
    names = [r["feature"] for r in result["feature_tests"]["synthgan"]]
    mats = {
        "real (train)": np.asarray(result["correlation"]["real (train)"]["matrix"]),
        "synthgan": np.asarray(result["correlation"]["synthgan"]["matrix"]),
    }
    mats["difference"] = mats["synthgan"] - mats["real (train)"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, (title, m) in zip(axes, mats.items(), strict=True):
        im = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        ax.set_yticks(range(len(names)), names, fontsize=7)
        ax.set_title(title)
    fig.colorbar(im, ax=axes, shrink=0.8)
    rep.section("Correlations between bar features")
    rep.figure(
        fig,
        "Good: the synthetic matrix matches the real one, so the difference panel is pale everywhere.",
    )
    tests = pd.DataFrame(result["feature_tests"]["synthgan"]).set_index("feature")
    rep.table(
        tests,
        "Per-feature tests, synthgan vs real: KS and Anderson-Darling statistics and the Wasserstein distance in real standard deviations (small is good; with thousands of days every p-value is small).",
    )

    # PCA projection.
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name, pts in result["projection"].items():
        p = np.asarray(pts)
        ax.scatter(p[:, 0], p[:, 1], s=4, alpha=0.4, color=_color(name), label=name)
    ax.set_title("PCA of 24-day feature windows")
    ax.legend(fontsize=8, markerscale=3)
    rep.section("Real vs synthetic windows")
    rep.figure(
        fig,
        "Good: synthetic windows (red) cover the same cloud as real ones, without clumping or leaving regions empty.",
    )

    # Privacy.
    priv = result["privacy"]
    fig, axes = plt.subplots(1, len(priv), figsize=(5 * len(priv), 3.6), squeeze=False)
    for ax, (name, p) in zip(axes[0], priv.items(), strict=True):
        hi = np.quantile(np.concatenate([p["dcr_train"], p["dcr_holdout"]]), 0.99)
        b = np.linspace(0, hi, 50)
        ax.hist(p["dcr_train"], bins=b, alpha=0.5, label="to train", color="tab:red")
        ax.hist(p["dcr_holdout"], bins=b, alpha=0.5, label="to holdout", color="tab:blue")
        ax.set_title(f"{name}: ratio {p['dcr_ratio']:.2f}, MIA AUC {p['mia_auc']:.2f}")
        ax.legend(fontsize=8)
    rep.section("Privacy: distance to closest record")
    rep.figure(
        fig,
        "Good: the two histograms overlap (synthetic windows are no closer to training windows than to unseen holdout windows); a copier shows a red spike at zero.",
    )
    util = pd.DataFrame(result["utility"]).T
    rep.table(
        util,
        "Utility: a HAR ridge model of next-day |r| trained on each source, tested on the real holdout (lower MAE, higher R² is better; 'real (train)' is the reference).",
    )
    disc = pd.DataFrame(
        {k: {"mean": v["mean"], "std": v["std"]} for k, v in result["discriminative"].items()}
    ).T
    pred = pd.DataFrame(
        {k: {"mean": v["mean"], "std": v["std"]} for k, v in result["predictive"].items()}
    ).T
    rep.table(
        disc,
        "Discriminative score (TimeGAN protocol, mean ± std over repeats; 0 is best). Published on GOOG: TimeGAN 0.102, Diffusion-TS 0.067.",
    )
    rep.table(
        pred,
        "Predictive score (TimeGAN protocol: MAE of next-step volume from the other columns, trained on each source, tested on real).",
    )

    # Training curves.
    hist = pd.DataFrame(result.get("training_history", {}))
    if len(hist):
        cols = [c for c in ("d_loss", "g_loss", "wdist", "gp", "acf_gap") if c in hist]
        fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols), 3))
        for ax, c in zip(np.atleast_1d(axes), cols, strict=True):
            ax.plot(hist["step"], hist[c])
            ax.set_title(c)
            ax.set_xlabel("step")
        rep.section("Training")
        rep.figure(
            fig,
            "Good: the critic's Wasserstein estimate (wdist) falls and flattens, the ACF gap falls towards zero, and nothing diverges.",
        )
    atomic_write_text(path, rep.render())
    return path
