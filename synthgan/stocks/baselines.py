"""Classical baselines behind the same ``sample`` interface as StockSynthesizer.

- ``BlockBootstrap``: concatenates random blocks of real bar features. The fidelity a copy of
  the data gets, and the privacy it loses.
- ``GJRGarch``: GJR-GARCH(1,1) with skew-t innovations (``arch``) for the log returns of each
  ticker, innovations tied across tickers by a Gaussian copula of the fitted standardized
  residuals; the other bar features (gap, shadows, volume change) are copied from the real day
  whose standardized return is nearest, so every bar stays valid and roughly consistent.

Both fit on the training period only and start each path from a real day's close and volume,
exactly as the GAN does, so tables compare like with like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from synthgan.errors import NotFittedError
from synthgan.stocks import data as sdata
from synthgan.stocks.features import bars_to_features, features_to_bars


class _Baseline:
    """Shared plumbing: training split, start states, long-frame output."""

    name = "baseline"

    def __init__(self, holdout_fraction: float = 0.2) -> None:
        self.holdout_fraction = holdout_fraction
        self.panel: sdata.Panel | None = None

    def fit(self, df: pd.DataFrame) -> _Baseline:
        """Fit on the training period (the first 1 - holdout_fraction of days) of ``df``."""
        from synthgan.stocks.synthesizer import split_holdout

        panel = sdata.to_panel(df if "ticker" in df.columns else sdata.validate(df))
        self.panel, _ = split_holdout(panel, self.holdout_fraction)
        self.features = bars_to_features(self.panel.bars)  # (T-1, K, 5)
        self._fit()
        return self

    def _fit(self) -> None:
        raise NotImplementedError

    def sample_bars(self, n_paths: int, length: int, seed: int = 0) -> np.ndarray:
        """Bars (n_paths, length, K, 5); path i of seed s does not depend on n_paths."""
        if self.panel is None:
            raise NotFittedError(f"call {type(self).__name__}.fit() first")
        feats, c0, v0 = [], [], []
        for i in range(n_paths):
            rng = np.random.default_rng([seed, i, 7])
            day, f = self._path(rng, length)
            feats.append(f)
            c0.append(self.panel.bars[day, :, 3])
            v0.append(self.panel.bars[day, :, 4])
        return features_to_bars(np.stack(feats), np.stack(c0), np.stack(v0))

    def _path(self, rng: np.random.Generator, length: int) -> tuple[int, np.ndarray]:
        raise NotImplementedError

    def sample(
        self, n_paths: int, length: int, seed: int = 0, start_date: str | None = None
    ) -> pd.DataFrame:
        """Long frame (path, date, ticker, open, high, low, close, volume), like the GAN's."""
        from synthgan.stocks.synthesizer import bars_to_frame

        start = start_date or (self.panel.dates[-1] + pd.offsets.BDay(1))
        return bars_to_frame(self.sample_bars(n_paths, length, seed), self.panel.tickers, start)


class BlockBootstrap(_Baseline):
    """Random blocks of consecutive real feature days (moving-block bootstrap).

    Blocks of a quarter (63 days) keep volatility clustering up to that lag, and make the
    bootstrap the copier it is: most of its 24-day windows are verbatim real windows.
    """

    name = "bootstrap"

    def __init__(self, block: int = 63, holdout_fraction: float = 0.2) -> None:
        super().__init__(holdout_fraction)
        self.block = block

    def _fit(self) -> None:
        pass

    def _path(self, rng: np.random.Generator, length: int) -> tuple[int, np.ndarray]:
        n = len(self.features)
        b = min(self.block, n)
        starts = rng.integers(0, n - b + 1, size=-(-length // b))
        f = np.concatenate([self.features[s : s + b] for s in starts])[:length]
        return int(starts[0]), f  # start from the close before the first block: a real copy


class GJRGarch(_Baseline):
    """GJR-GARCH(1,1), skew-t innovations, per ticker; Gaussian copula across tickers."""

    name = "garch"

    def __init__(self, neighbours: int = 20, holdout_fraction: float = 0.2) -> None:
        super().__init__(holdout_fraction)
        self.neighbours = neighbours

    def _fit(self) -> None:
        from arch import arch_model
        from arch.univariate.distribution import SkewStudent

        r = self.features[..., 0] * 100.0  # percent returns, (T-1, K)
        self.params, self.cond_var, std_resid = [], [], []
        for k in range(r.shape[1]):
            res = arch_model(
                r[:, k], mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="skewt"
            ).fit(disp="off")
            self.params.append(res.params.to_dict())
            self.cond_var.append(np.asarray(res.conditional_volatility) ** 2)
            std_resid.append(np.asarray(res.std_resid))
        self.cond_var = np.stack(self.cond_var, axis=1)
        z = np.stack(std_resid, axis=1)
        # Gaussian copula of the standardized residuals ties the tickers' shocks together.
        u = (stats.rankdata(z, axis=0) - 0.5) / len(z)
        self.copula_chol = np.linalg.cholesky(
            np.corrcoef(stats.norm.ppf(u), rowvar=False).reshape(r.shape[1], r.shape[1])
            + 1e-9 * np.eye(r.shape[1])
        )
        self._dist = SkewStudent()
        order = np.argsort(z[:, 0])
        self._order, self._sorted = order, z[order, 0]

    def _path(self, rng: np.random.Generator, length: int) -> tuple[int, np.ndarray]:
        K = self.features.shape[1]
        day = int(rng.integers(len(self.cond_var)))
        g = rng.standard_normal((length, K)) @ self.copula_chol.T
        u = stats.norm.cdf(g)
        r = np.empty((length, K))
        z_all = np.empty((length, K))
        for k, p in enumerate(self.params):
            z = self._dist.ppf(u[:, k], [p["eta"], p["lambda"]])
            z_all[:, k] = z
            var = self.cond_var[day, k]  # the fitted forecast for the day after the start
            for t in range(length):
                eps = np.sqrt(var) * z[t]
                r[t, k] = (p["mu"] + eps) / 100.0
                var = (
                    p["omega"]
                    + (p["alpha[1]"] + p["gamma[1]"] * (eps < 0)) * eps**2
                    + p["beta[1]"] * var
                )
        # Other features from a real day with a near standardized return (first ticker's).
        pos = np.searchsorted(self._sorted, z_all[:, 0]).clip(0, len(self._sorted) - 1)
        jitter = rng.integers(-self.neighbours // 2, self.neighbours // 2 + 1, size=length)
        days = self._order[(pos + jitter).clip(0, len(self._sorted) - 1)]
        f = self.features[days].copy()
        f[..., 0] = r
        return day, f


BASELINES = {"bootstrap": BlockBootstrap, "garch": GJRGarch}
