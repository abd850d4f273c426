"""Fidelity of synthetic bars: stylized facts (Cont 2001), distribution tests, correlations.

Returns are handled as (paths, days) arrays. Statistics are *pooled* over paths: kurtosis of all
returns together, autocorrelations from lag products within paths over the pooled mean and
variance. Pooling is what makes 252-day paths comparable with the real series: the per-path
kurtosis of one calm year says little about tails. Real data is cut into windows of the same
length as the synthetic paths. ``evaluate`` (in :mod:`synthgan.stocks.evaluate`) combines these
with the model-based scores.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from synthgan.stocks.features import FEATURES, bars_to_features

MAX_LAG = 50
HORIZONS = (1, 5, 20, 100)


def path_returns(frame: pd.DataFrame, ticker: str | None = None) -> np.ndarray:
    """Daily log returns of the close, (paths, days - 1), from a long frame of paths."""
    sub = frame if ticker is None else frame[frame.ticker == ticker]
    if ticker is None and sub["ticker"].nunique() > 1:
        sub = sub[sub.ticker == sub.ticker.iloc[0]]
    closes = sub.pivot(index="path", columns="date", values="close").to_numpy(float)
    return np.diff(np.log(closes), axis=1)


def real_windows(df: pd.DataFrame, length: int, ticker: str | None = None) -> np.ndarray:
    """Non-overlapping windows of ``length`` days of real log returns, (windows, length - 1)."""
    sub = df if ticker is None else df[df.ticker == ticker]
    if ticker is None and sub["ticker"].nunique() > 1:
        sub = sub[sub.ticker == sub.ticker.iloc[0]]
    close = sub["close"].to_numpy(float)
    n = len(close) // length
    w = close[: n * length].reshape(n, length)
    return np.diff(np.log(w), axis=1)


def acf(x: np.ndarray, lags: int | list[int]) -> np.ndarray:
    """Pooled autocorrelation of a (paths, days) array at the given lags."""
    x = np.atleast_2d(x)
    lags = range(1, lags + 1) if isinstance(lags, int) else lags
    xc = x - x.mean()
    var = (xc * xc).mean()
    return np.array([(xc[:, :-k] * xc[:, k:]).mean() / var for k in lags if k < x.shape[1]])


def leverage(r: np.ndarray, lags: int = 20) -> np.ndarray:
    """Leverage effect: corr(r_t, r^2_{t+k}) for k = 1..lags, pooled (negative for equities)."""
    r = np.atleast_2d(r)
    a, b = r - r.mean(), r * r - (r * r).mean()
    denom = np.sqrt((a * a).mean() * (b * b).mean())
    return np.array(
        [(a[:, :-k] * b[:, k:]).mean() / denom for k in range(1, lags + 1) if k < r.shape[1]]
    )


def hill_tail_index(r: np.ndarray, tail: float = 0.05) -> float:
    """Hill estimator of the tail index of |r| from its largest ``tail`` share (lower = heavier)."""
    a = np.sort(np.abs(np.ravel(r)))[::-1]
    k = max(int(len(a) * tail), 2)
    top = a[: k + 1]
    if top[k] <= 0:
        return float("nan")
    return float(1.0 / np.mean(np.log(top[:k] / top[k])))


def horizon_returns(r: np.ndarray, h: int) -> np.ndarray:
    """Overlapping h-day log returns within each path, pooled."""
    r = np.atleast_2d(r)
    if h >= r.shape[1]:
        return np.array([])
    c = np.cumsum(r, axis=1)
    c = np.concatenate([np.zeros((len(r), 1)), c], axis=1)
    return (c[:, h:] - c[:, :-h]).ravel()


def stylized_facts(r: np.ndarray, volume_change: np.ndarray | None = None) -> dict[str, float]:
    """The headline stylized facts of a (paths, days) array of log returns, as scalars."""
    r = np.atleast_2d(r)
    flat = r.ravel()
    out = {
        "excess_kurtosis": float(stats.kurtosis(flat)),
        "hill_tail_index": hill_tail_index(flat),
        "acf_abs_r_1_10": float(acf(np.abs(r), 10).mean()),
        "acf_r_1_10": float(acf(r, 10).mean()),
        "acf_r2_1_10": float(acf(r * r, 10).mean()),
        "leverage_1_10": float(leverage(r, 10).mean()),
        "daily_vol": float(flat.std()),
        "skew": float(stats.skew(flat)),
    }
    for h in (5, 20):
        hr = horizon_returns(r, h)
        out[f"kurtosis_{h}d"] = float(stats.kurtosis(hr)) if len(hr) > 3 else float("nan")
    h20 = horizon_returns(r, 20)
    if len(h20) > 10:  # gain/loss asymmetry: big 20-day losses are larger than big gains
        out["gain_loss_asymmetry_20d"] = float(-np.quantile(h20, 0.05) / np.quantile(h20, 0.95))
    if volume_change is not None:
        out["volume_volatility_corr"] = float(
            np.corrcoef(np.abs(flat), np.ravel(volume_change))[0, 1]
        )
    return out


def curves(r: np.ndarray) -> dict[str, list[float]]:
    """ACF of r, |r| and r^2 to lag 50 and the leverage curve to lag 20, for plots."""
    r = np.atleast_2d(r)
    return {
        "acf_r": acf(r, MAX_LAG).tolist(),
        "acf_abs_r": acf(np.abs(r), MAX_LAG).tolist(),
        "acf_r2": acf(r * r, MAX_LAG).tolist(),
        "leverage": leverage(r, 20).tolist(),
    }


def curve_distances(real: dict[str, list[float]], syn: dict[str, list[float]]) -> dict[str, float]:
    """Mean absolute difference between real and synthetic curves over their common lags."""
    out = {}
    for k in real:
        n = min(len(real[k]), len(syn[k]))
        out[k] = (
            float(np.mean(np.abs(np.asarray(real[k][:n]) - np.asarray(syn[k][:n]))))
            if n
            else float("nan")
        )
    return out


def horizon_emd(real_r: np.ndarray, syn_r: np.ndarray) -> dict[str, float]:
    """QuantGAN's EMD between real and synthetic h-day return distributions, h = 1/5/20/100."""
    out = {}
    for h in HORIZONS:
        a, b = horizon_returns(real_r, h), horizon_returns(syn_r, h)
        out[f"emd_{h}d"] = (
            float(stats.wasserstein_distance(a, b)) if len(a) and len(b) else float("nan")
        )
    return out


def feature_tests(real_feats: np.ndarray, syn_feats: np.ndarray, names: list[str]) -> pd.DataFrame:
    """KS and Anderson-Darling tests and Wasserstein distance per feature column.

    Features are (N, C); the Wasserstein distance is divided by the real column's std so the
    features are comparable. Large samples make every p-value tiny: read the statistics.
    """
    rows = []
    rng = np.random.default_rng(0)
    for j, name in enumerate(names):
        a, b = real_feats[:, j], syn_feats[:, j]
        a_s = a if len(a) <= 5000 else rng.choice(a, 5000, replace=False)
        b_s = b if len(b) <= 5000 else rng.choice(b, 5000, replace=False)
        ks = stats.ks_2samp(a, b)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ad = stats.anderson_ksamp([a_s, b_s])
        sd = a.std() or 1.0
        rows.append(
            {
                "feature": name,
                "ks_stat": float(ks.statistic),
                "ks_pvalue": float(ks.pvalue),
                "ad_stat": float(ad.statistic),
                "ad_pvalue": float(ad.pvalue),
                "wasserstein_std": float(stats.wasserstein_distance(a, b) / sd),
            }
        )
    return pd.DataFrame(rows)


def feature_names(tickers: list[str] | tuple[str, ...]) -> list[str]:
    """Column names of flattened features: ``r``, ``gap``... prefixed by ticker when several."""
    if len(tickers) == 1:
        return list(FEATURES)
    return [f"{t}:{f}" for t in tickers for f in FEATURES]


def bar_features_flat(bars: np.ndarray) -> np.ndarray:
    """(N, L, K, 5) bars of paths -> (N * (L - 1), 5K) features, within paths only."""
    feats = np.stack([bars_to_features(b) for b in bars])  # (N, L-1, K, 5)
    return feats.reshape(-1, feats.shape[2] * 5)


def correlation_matrices(
    real_feats: np.ndarray, syn_feats: np.ndarray
) -> dict[str, np.ndarray | float]:
    """Correlation matrices (features x tickers) of real and synthetic data and their difference."""
    cr, cs = np.corrcoef(real_feats, rowvar=False), np.corrcoef(syn_feats, rowvar=False)
    return {
        "real": cr,
        "synthetic": cs,
        "difference": cs - cr,
        "frobenius": float(np.linalg.norm(cs - cr)),
    }


def summary_table(real: pd.DataFrame, synthetic: pd.DataFrame, length: int) -> pd.DataFrame:
    """Stylized facts of real data (as windows of ``length`` days) beside synthetic paths."""
    rows = {
        "real": stylized_facts(real_windows(real, length)),
        "synthetic": stylized_facts(path_returns(synthetic)),
    }
    return pd.DataFrame(rows).round(4)


# ------------------------------------------------------------------------------- evaluate
def _scaled_windows(bars: np.ndarray, scaler) -> np.ndarray:
    """Short paths (N, L, K, 5) -> min-max scaled TimeGAN windows (N, L, 6) of the first ticker."""
    from synthgan.stocks.scores import timegan_columns

    return scaler(timegan_columns(bars[:, :, 0, :]))


def _privacy_windows(bars: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Paths (N, L, K, 5) -> standardized bar-feature windows, flattened (N, (L-1) * 5K)."""
    feats = np.stack([bars_to_features(b) for b in bars]).reshape(len(bars), bars.shape[1] - 1, -1)
    return ((feats - mu) / sd).reshape(len(bars), -1)


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame | dict[str, pd.DataFrame],
    holdout_start: str | pd.Timestamp | None = None,
    windows: dict[str, np.ndarray] | None = None,
    repeats: int = 5,
    seed: int = 0,
    iterations: int = 2000,
) -> dict:
    """Compare real bars with synthetic paths; every number of the report, as a dict.

    ``real``: the validated long frame of real bars; days from ``holdout_start`` on are the
    holdout (default: the last 20 %), earlier days the training period every source is compared
    with. ``synthetic``: a long frame of paths (or {name: frame}) as ``sample`` returns.
    ``windows``: optional {name: (N, 24, K, 5) bars} of short paths for the window-level scores
    (discriminative, predictive, privacy); by default cut from the synthetic frames.
    """
    from synthgan.stocks import scores
    from synthgan.stocks.data import to_panel
    from synthgan.stocks.features import windows as cut_windows

    synthetic = {"synthgan": synthetic} if isinstance(synthetic, pd.DataFrame) else dict(synthetic)
    panel = to_panel(real)
    if holdout_start is None:
        holdout_start = panel.dates[int(len(panel.dates) * 0.8)]
    cut = int(np.searchsorted(panel.dates, pd.Timestamp(holdout_start)))
    train_bars, hold_bars = panel.bars[:cut], panel.bars[cut:]
    tickers = list(panel.tickers)
    length = int(next(iter(synthetic.values())).groupby("path").size().iloc[0] // len(tickers))
    ticker0 = tickers[0]

    def paths_bars(frame: pd.DataFrame) -> np.ndarray:
        f = frame.sort_values(["path", "date", "ticker"])
        n = f.path.nunique()
        return (
            f[["open", "high", "low", "close", "volume"]]
            .to_numpy(float)
            .reshape(n, -1, len(tickers), 5)
        )

    syn_bars = {k: paths_bars(v) for k, v in synthetic.items()}

    # Real data cut into paths of the synthetic length (non-overlapping), train and holdout.
    def real_paths(bars: np.ndarray, L: int) -> np.ndarray:
        n = len(bars) // L
        return bars[: n * L].reshape(n, L, *bars.shape[1:])

    L = min(length, len(hold_bars))
    sources_bars = {"real (holdout)": real_paths(hold_bars, L), **syn_bars}
    ref_bars = real_paths(train_bars, length)

    def rets(b: np.ndarray) -> np.ndarray:
        return np.diff(np.log(b[:, :, 0, 3]), axis=1)

    def dvol(b: np.ndarray) -> np.ndarray:
        return np.diff(np.log1p(b[:, :, 0, 4]), axis=1)

    out: dict = {
        "tickers": tickers,
        "length": length,
        "holdout_start": str(pd.Timestamp(holdout_start).date()),
    }
    ref_r = rets(ref_bars)
    ref_facts = stylized_facts(ref_r, dvol(ref_bars))
    ref_curves = curves(ref_r)
    out["facts"] = {"real (train)": ref_facts}
    out["curves"] = {"real (train)": ref_curves}
    out["fact_distances"], out["curve_distances"], out["emd"] = {}, {}, {}
    out["feature_tests"], out["correlation"] = {}, {}
    ref_feats = bar_features_flat(ref_bars)
    names = feature_names(tickers)
    out["correlation"]["real (train)"] = {"matrix": np.corrcoef(ref_feats, rowvar=False).tolist()}
    for name, b in sources_bars.items():
        r = rets(b)
        facts = stylized_facts(r, dvol(b))
        out["facts"][name] = facts
        out["fact_distances"][name] = {
            k: abs(facts[k] - ref_facts[k]) for k in ref_facts if k in facts
        }
        c = curves(r)
        out["curves"][name] = c
        out["curve_distances"][name] = curve_distances(ref_curves, c)
        out["emd"][name] = horizon_emd(ref_r, r)
        feats = bar_features_flat(b)
        out["feature_tests"][name] = feature_tests(ref_feats, feats, names).to_dict(
            orient="records"
        )
        corr = correlation_matrices(ref_feats, feats)
        out["correlation"][name] = {
            "matrix": corr["synthetic"].tolist(),
            "frobenius": corr["frobenius"],
        }
    if len(tickers) > 1:
        out["cross_ticker_corr"] = {
            name: float(
                np.corrcoef(
                    np.diff(np.log(b[:, :, 0, 3]), axis=1).ravel(),
                    np.diff(np.log(b[:, :, 1, 3]), axis=1).ravel(),
                )[0, 1]
            )
            for name, b in {"real (train)": ref_bars, **sources_bars}.items()
        }

    # Window-level scores on 24-day windows of the first ticker (TimeGAN protocol).
    seq = scores.SEQ_LEN
    real_w = cut_windows(scores.timegan_columns(train_bars[:, 0, :]), seq)
    mm = scores.MinMax(real_w)
    if windows is None:
        windows = {k: np.concatenate([cut_windows(p, seq) for p in b]) for k, b in syn_bars.items()}
    hold_w = np.stack([hold_bars[i : i + seq] for i in range(len(hold_bars) - seq + 1)])
    train_w_bars = np.stack([train_bars[i : i + seq] for i in range(len(train_bars) - seq + 1)])
    win_sources = {
        **{k: _scaled_windows(v, mm) for k, v in windows.items()},
        "real (holdout)": _scaled_windows(hold_w, mm),
    }
    real_scaled = mm(real_w)
    out["discriminative"] = scores.discriminative_scores(
        real_scaled, win_sources, repeats, seed, iterations
    )
    out["predictive"] = scores.predictive_scores(
        real_scaled, {"real (train)": real_scaled, **win_sources}, repeats, seed, iterations
    )

    # Utility: next-day volatility, trained on each source, tested on the real holdout.
    out["utility"] = scores.utility_scores(
        ref_r, rets(hold_bars[None]), {k: rets(v) for k, v in syn_bars.items()}
    )

    # Privacy: windows of standardized bar features.
    tf = bars_to_features(train_bars).reshape(len(train_bars) - 1, -1)
    mu, sd = tf.mean(0), tf.std(0) + 1e-12
    priv_train = _privacy_windows(train_w_bars, mu, sd)
    priv_hold = _privacy_windows(hold_w, mu, sd)
    priv_syn = {k: _privacy_windows(v, mu, sd) for k, v in windows.items()}
    out["privacy"] = scores.privacy_scores(priv_train, priv_hold, priv_syn, seed)

    # PCA of real train windows; every source projected on the same two axes (for the report).
    centre = priv_train.mean(0)
    _, _, vt = np.linalg.svd(priv_train - centre, full_matrices=False)
    rng = np.random.default_rng(seed)

    def project(x: np.ndarray) -> list:
        pick = rng.choice(len(x), min(len(x), 600), replace=False)
        return ((x[pick] - centre) @ vt[:2].T).round(4).tolist()

    out["projection"] = {"real (train)": project(priv_train), "real (holdout)": project(priv_hold)}
    out["projection"].update({k: project(v) for k, v in priv_syn.items()})
    out["ticker_scored"] = ticker0
    return out


def headline(result: dict) -> pd.DataFrame:
    """One row per source: the summary scores of the report (lower is better unless noted)."""
    rows = {}
    for name in result["facts"]:
        if name == "real (train)":
            continue
        d = result["fact_distances"][name]
        c = result["curve_distances"][name]
        row = {
            "discriminative": result["discriminative"].get(name, {}).get("mean", np.nan),
            "kurtosis_err": d["excess_kurtosis"],
            "hill_err": d["hill_tail_index"],
            "acf_abs_r_dist": c["acf_abs_r"],
            "acf_r_dist": c["acf_r"],
            "leverage_dist": c["leverage"],
            "emd_1d": result["emd"][name]["emd_1d"],
            "emd_20d": result["emd"][name]["emd_20d"],
            "corr_frobenius": result["correlation"][name]["frobenius"],
            "utility_mae": result["utility"].get(name, {}).get("mae", np.nan),
            "dcr_ratio": result["privacy"].get(name, {}).get("dcr_ratio", np.nan),
            "mia_auc": result["privacy"].get(name, {}).get("mia_auc", np.nan),
        }
        rows[name] = row
    return pd.DataFrame(rows).T
