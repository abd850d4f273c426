"""Stylized facts of daily log returns (Cont 2001), real vs synthetic, on paths of equal length.

Returns are handled as a (paths, days) array. Statistics are *pooled* over paths: kurtosis of all
returns together, autocorrelations from lag products within paths over the pooled mean and
variance. Pooling is what makes 252-day paths comparable with the real series: the per-path
kurtosis of one calm year says little about tails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


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
    return np.array([(xc[:, :-k] * xc[:, k:]).mean() / var for k in lags])


def stylized_facts(r: np.ndarray) -> dict[str, float]:
    """The headline stylized facts of a (paths, days) array of log returns."""
    r = np.atleast_2d(r)
    flat = r.ravel()
    return {
        "excess_kurtosis": float(stats.kurtosis(flat)),
        "acf_abs_r_1_10": float(acf(np.abs(r), 10).mean()),
        "acf_r_1_10": float(acf(r, 10).mean()),
        "acf_r2_1_10": float(acf(r * r, 10).mean()),
        "daily_vol": float(flat.std()),
        "skew": float(stats.skew(flat)),
    }


def summary_table(real: pd.DataFrame, synthetic: pd.DataFrame, length: int) -> pd.DataFrame:
    """Stylized facts of real data (as windows of ``length`` days) beside synthetic paths."""
    rows = {
        "real": stylized_facts(real_windows(real, length)),
        "synthetic": stylized_facts(path_returns(synthetic)),
    }
    return pd.DataFrame(rows).round(4)
