"""Bar features: exact inverse, non-negativity, scaling and windows."""

import numpy as np
import pandas as pd

from synthgan.stocks.data import to_panel
from synthgan.stocks.features import (
    FeatureScaler,
    bars_to_features,
    features_to_bars,
    windows,
)


def test_inverse_reproduces_real_bars_to_1e9(sp500):
    # Setup: all 5,031 real S&P 500 bars.
    bars = to_panel(sp500).bars
    # Run: bars -> features -> bars from the first day's close and volume.
    feats = bars_to_features(bars)
    back = features_to_bars(feats, bars[0, :, 3], bars[0, :, 4])
    # Assert: relative error below 1e-9 on every price and volume.
    assert np.max(np.abs(back / bars[1:] - 1)) < 1e-9


def test_inverse_multi_ticker_and_batched(sp500):
    nasdaq_like = sp500.assign(ticker="B", volume=sp500.volume * 2, close=sp500.close * 1.5)
    nasdaq_like[["open", "high", "low"]] *= 1.5
    bars = to_panel(pd.concat([sp500, nasdaq_like], ignore_index=True)).bars
    assert bars.shape == (len(sp500), 2, 5)
    feats = bars_to_features(bars)
    # A batch of two paths cut from the series, each from its own start state.
    batch = np.stack([feats[:100], feats[1000:1100]])
    starts_c = np.stack([bars[0, :, 3], bars[1000, :, 3]])
    starts_v = np.stack([bars[0, :, 4], bars[1000, :, 4]])
    back = features_to_bars(batch, starts_c, starts_v)
    assert np.max(np.abs(back[0] / bars[1:101] - 1)) < 1e-9
    assert np.max(np.abs(back[1] / bars[1001:1101] - 1)) < 1e-9


def test_scaler_roundtrip_and_gaussianises_returns(sp500):
    feats = bars_to_features(to_panel(sp500).bars).reshape(len(sp500) - 1, -1)
    scaler = FeatureScaler.fit(feats)
    z = scaler.transform(feats)
    # Returns have excess kurtosis ~8; after the Lambert-W transform they are close to Gaussian.
    from scipy.stats import kurtosis

    assert kurtosis(feats[:, 0]) > 5
    assert abs(kurtosis(z[:, 0])) < 0.1
    assert np.allclose(z.mean(0)[[0, 1, 4]], 0, atol=1e-6)
    assert (z[:, [2, 3]] >= 0).all()  # non-negative features stay non-negative
    restored = FeatureScaler.from_dict(scaler.to_dict()).inverse(z)
    assert np.max(np.abs(restored - feats)) < 1e-12


def test_any_generated_features_give_valid_bars():
    # Even wild scaled values (what an untrained generator emits) give valid bars after clipping.
    rng = np.random.default_rng(0)
    real = np.abs(rng.standard_t(3, size=(2000, 5))) * 0.01
    real[:, [0, 1, 4]] *= rng.choice([-1, 1], size=(2000, 3))
    scaler = FeatureScaler.fit(real)
    scaled = rng.normal(0, 20, size=(200, 50, 5))
    scaled[..., [2, 3]] = np.abs(scaled[..., [2, 3]])
    bars = features_to_bars(
        scaler.inverse(scaled, clip=True)[:, :, None, :],
        np.full((200, 1), 50.0),
        np.full((200, 1), 1e6),
    )
    o, h, lo, c, v = (bars[..., i] for i in range(5))
    assert np.isfinite(bars).all()
    assert (h >= np.maximum(o, c)).all() and (lo <= np.minimum(o, c)).all() and (lo > 0).all()
    assert (v >= 0).all()


def test_windows_are_consecutive_rows():
    x = np.arange(20, dtype=float).reshape(10, 2)
    w = windows(x, 4)
    assert w.shape == (7, 4, 2)
    assert np.array_equal(w[3], x[3:7])
