"""OHLCV bars <-> invertible bar features, per-feature scaling and training windows.

Per ticker and day t (DESIGN.md, "Stock bars: the invertible representation"):

    r    = log(C_t / C_{t-1})                 C_t = C_{t-1} e^r
    gap  = log(O_t / C_{t-1})                 O_t = C_{t-1} e^gap
    up   = log(H_t / max(O_t, C_t)) >= 0      H_t = max(O_t, C_t) e^up
    down = log(min(O_t, C_t) / L_t) >= 0      L_t = min(O_t, C_t) e^-down
    dvol = log(V_t + 1) - log(V_{t-1} + 1)    V_t = (V_{t-1} + 1) e^dvol - 1

Arrays are (T, K, 5) for K tickers; the model sees them flattened to C = 5K channels,
ticker-major (channel = 5k + f).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from scipy import optimize, special, stats

FEATURES = ("r", "gap", "up", "down", "dvol")
NONNEGATIVE = np.array([False, False, True, True, False])
CLIP_MARGIN = 0.25  # scaled units beyond the training min/max that generated values may reach
MAX_DELTA = 1.0  # Lambert-W tail parameter cap: 1 already maps Cauchy-like tails to Gaussian


def bars_to_features(bars: np.ndarray) -> np.ndarray:
    """(T, K, 5) bars (O, H, L, C, V) -> (T-1, K, 5) features (r, gap, up, down, dvol)."""
    o, h, lo, c, v = (bars[..., i] for i in range(5))
    prev_c = c[:-1]
    o, h, lo, c = o[1:], h[1:], lo[1:], c[1:]
    top = np.maximum(o, c)
    bottom = np.minimum(o, c)
    lv = np.log1p(v)
    return np.stack(
        [
            np.log(c / prev_c),
            np.log(o / prev_c),
            np.log(h / top),
            np.log(bottom / lo),
            lv[1:] - lv[:-1],
        ],
        axis=-1,
    )


def features_to_bars(
    features: np.ndarray, start_close: np.ndarray, start_volume: np.ndarray
) -> np.ndarray:
    """(L, K, 5) features + start close/volume (K,) -> (L, K, 5) bars; the exact inverse.

    Accepts a leading batch axis too: (N, L, K, 5) with starts (N, K).
    """
    r, gap, up, down, dvol = (features[..., i] for i in range(5))
    log_c0 = np.log(start_close)[..., None, :]
    log_c = log_c0 + np.cumsum(r, axis=-2)
    prev_log_c = np.concatenate([log_c0, log_c[..., :-1, :]], axis=-2)
    c = np.exp(log_c)
    o = np.exp(prev_log_c + gap)
    h = np.maximum(o, c) * np.exp(np.maximum(up, 0.0))
    lo = np.minimum(o, c) * np.exp(-np.maximum(down, 0.0))
    lv = np.log1p(start_volume)[..., None, :] + np.cumsum(dvol, axis=-2)
    v = np.maximum(np.expm1(lv), 0.0)
    return np.stack([o, h, lo, c, v], axis=-1)


def _lambert_w(z: np.ndarray, delta: float) -> np.ndarray:
    """Heavy-tailed -> Gaussian-like: the inverse of u -> u exp(delta u^2 / 2) (Goerg 2011)."""
    if delta == 0:
        return z
    return np.sign(z) * np.sqrt(special.lambertw(delta * z * z).real / delta)


def _fit_delta(z: np.ndarray) -> float:
    """Tail parameter delta whose Lambert-W transform of z has zero excess kurtosis."""
    if stats.kurtosis(z) <= 0:
        return 0.0

    def excess(d: float) -> float:
        return float(stats.kurtosis(_lambert_w(z, d)))

    if excess(MAX_DELTA) > 0:  # point masses (e.g. many zero gaps) cannot be gaussianised
        return MAX_DELTA
    return float(optimize.brentq(excess, 1e-8, MAX_DELTA, xtol=1e-6))


@dataclass
class FeatureScaler:
    """Per-channel scaling fitted on training features; exact inverse; saved as JSON.

    Signed features: standardise, Lambert-W gaussianise (heavy tails, QuantGAN), standardise.
    Non-negative features (up, down): log1p(x / mean), then divide by the std; they stay >= 0.
    ``low``/``high`` bound generated scaled values to the training range plus a small margin
    (the Lambert-W inverse grows like exp(u^2), so unbounded values would give absurd days).
    """

    loc: list[float]
    scale: list[float]
    delta: list[float]
    loc2: list[float]
    scale2: list[float]
    nonnegative: list[bool]
    low: list[float]
    high: list[float]

    @classmethod
    def fit(cls, features: np.ndarray) -> FeatureScaler:
        """Fit on (T, C) training features (C = 5K, ticker-major)."""
        x = features.reshape(len(features), -1)
        nonneg = np.tile(NONNEGATIVE, x.shape[1] // 5)
        loc, scale, delta, loc2, scale2, low, high = ([] for _ in range(7))
        for j in range(x.shape[1]):
            col = x[:, j]
            if nonneg[j]:
                m = float(col.mean()) or 1.0
                u = np.log1p(col / m)
                loc.append(0.0), scale.append(m), delta.append(0.0), loc2.append(0.0)
            else:
                mu, sd = float(col.mean()), float(col.std()) or 1.0
                d = _fit_delta((col - mu) / sd)
                u = _lambert_w((col - mu) / sd, d)
                loc.append(mu), scale.append(sd), delta.append(d), loc2.append(float(u.mean()))
            scale2.append(float(u.std()) or 1.0)
            z = (u - loc2[-1]) / scale2[-1]
            low.append(float(z.min()) - CLIP_MARGIN), high.append(float(z.max()) + CLIP_MARGIN)
        return cls(loc, scale, delta, loc2, scale2, nonneg.tolist(), low, high)

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Features (..., C) -> scaled (..., C) float64."""
        x = np.asarray(features, dtype=np.float64)
        out = np.empty_like(x)
        for j in range(x.shape[-1]):
            z = (x[..., j] - self.loc[j]) / self.scale[j]
            z = np.log1p(z) if self.nonnegative[j] else _lambert_w(z, self.delta[j])
            out[..., j] = (z - self.loc2[j]) / self.scale2[j]
        return out

    def inverse(self, scaled: np.ndarray, clip: bool = False) -> np.ndarray:
        """Scaled (..., C) -> features (..., C); ``clip`` bounds them to the plausible range."""
        x = np.asarray(scaled, dtype=np.float64)
        if clip:
            x = np.clip(x, self.low, self.high)
        out = np.empty_like(x)
        for j in range(x.shape[-1]):
            u = x[..., j] * self.scale2[j] + self.loc2[j]
            if self.nonnegative[j]:
                z = np.expm1(np.maximum(u, 0.0))
            else:
                z = u * np.exp(np.minimum(0.5 * self.delta[j] * u * u, 60.0))
            out[..., j] = z * self.scale[j] + self.loc[j]
        return out

    def torch_inverse(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """A differentiable :meth:`inverse` for scaled tensors (B, C, T), without clipping."""
        p = {
            k: torch.tensor(getattr(self, k), dtype=torch.float32)[None, :, None]
            for k in ("loc", "scale", "delta", "loc2", "scale2")
        }
        nonneg = torch.tensor(self.nonnegative)[None, :, None]

        def inverse(x: torch.Tensor) -> torch.Tensor:
            u = x * p["scale2"].to(x.device) + p["loc2"].to(x.device)
            tail = u * torch.exp(torch.clamp(0.5 * p["delta"].to(x.device) * u * u, max=20.0))
            z = torch.where(nonneg.to(x.device), torch.expm1(torch.clamp(u, 0.0, 20.0)), tail)
            return z * p["scale"].to(x.device) + p["loc"].to(x.device)

        return inverse

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FeatureScaler:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


def windows(x: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """All windows of ``length`` consecutive rows: (T, C) -> (N, length, C), a copy."""
    if len(x) < length:
        raise ValueError(f"need at least {length} rows for a window, got {len(x)}")
    view = np.lib.stride_tricks.sliding_window_view(x, length, axis=0)  # (N, C, length)
    return np.ascontiguousarray(view[::stride].transpose(0, 2, 1))
