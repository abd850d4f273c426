"""Baselines: valid bars, reproducible paths, the bootstrap copies, GARCH clusters."""

from __future__ import annotations

import numpy as np

from synthgan.stocks.baselines import BlockBootstrap, GJRGarch
from synthgan.stocks.data import to_panel
from synthgan.stocks.metrics import stylized_facts


def _valid(bars: np.ndarray) -> bool:
    o, h, lo, c, v = (bars[..., i] for i in range(5))
    return bool(
        (h >= np.maximum(o, c)).all()
        and (lo <= np.minimum(o, c)).all()
        and (lo > 0).all()
        and (v >= 0).all()
    )


def test_bootstrap_copies_real_days(sp500):
    real = sp500.iloc[-800:].reset_index(drop=True)
    b = BlockBootstrap(block=30).fit(real)
    bars = b.sample_bars(5, 25, seed=0)
    assert _valid(bars)
    train = to_panel(real).bars[: int(800 * 0.8)]
    # The first 25 days start on a real day and follow a real block: a verbatim copy.
    hits = [np.any(np.all(np.isclose(train[:, 0, 3][None, :], p[0, 0, 3]), axis=0)) for p in bars]
    assert all(hits)
    again = b.sample_bars(2, 25, seed=0)
    assert np.array_equal(again, bars[:2])


def test_garch_paths_are_valid_and_cluster(sp500):
    g = GJRGarch().fit(sp500.iloc[-2000:].reset_index(drop=True))
    bars = g.sample_bars(60, 252, seed=1)
    assert _valid(bars) and np.isfinite(bars).all()
    r = np.diff(np.log(bars[:, :, 0, 3]), axis=1)
    f = stylized_facts(r)
    assert f["acf_abs_r_1_10"] > 0.05 and f["excess_kurtosis"] > 0.5
    frame = g.sample(3, 10, seed=1)
    assert list(frame.columns) == [
        "path",
        "date",
        "ticker",
        "open",
        "high",
        "low",
        "close",
        "volume",
    ]
