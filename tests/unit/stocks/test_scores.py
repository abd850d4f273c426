"""TimeGAN scores (parity), utility and privacy scores."""

from __future__ import annotations

import numpy as np

from synthgan.stocks.data import to_panel
from synthgan.stocks.features import windows
from synthgan.stocks.scores import (
    MinMax,
    auc,
    discriminative_scores,
    predictive_scores,
    privacy_scores,
    timegan_columns,
    utility_scores,
)


def _real_windows(sp500):
    bars = to_panel(sp500).bars[-1200:, 0, :]
    w = windows(timegan_columns(bars), 24)
    return w, MinMax(w)


def test_discriminative_parity_real_vs_real_near_zero_and_iid_high(sp500):
    # Setup: real 24-day windows split at random into two halves of the same period; and an
    # obviously wrong generator: i.i.d. Gaussian bars around the real mean and spread.
    w, mm = _real_windows(sp500)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(w))
    half_a, half_b = mm(w[perm[: len(w) // 2]]), mm(w[perm[len(w) // 2 :]])
    flat = mm(w).reshape(-1, 6)
    iid = rng.normal(flat.mean(0), flat.std(0), size=(len(w), 24, 6)).astype(np.float32)
    # Run: a shortened protocol (600 iterations, 2 repeats) to keep the test fast.
    out = discriminative_scores(half_a, {"real": half_b, "iid": iid}, repeats=2, iterations=600)
    # Assert
    assert out["real"]["mean"] < 0.08
    assert out["iid"]["mean"] > 0.3


def test_predictive_score_real_beats_noise(sp500):
    w, mm = _real_windows(sp500)
    real = mm(w)
    noise = np.random.default_rng(0).random(real.shape).astype(np.float32)
    out = predictive_scores(real, {"real": real, "noise": noise}, repeats=1, iterations=400)
    assert out["real"]["mean"] < out["noise"]["mean"]


def test_privacy_flags_a_copier_and_not_a_fresh_sampler():
    rng = np.random.default_rng(0)
    train, hold = rng.normal(size=(800, 40)), rng.normal(size=(800, 40))
    copier = train[rng.choice(800, 600)] + rng.normal(scale=0.01, size=(600, 40))
    fresh = rng.normal(size=(600, 40))
    out = privacy_scores(train, hold, {"copier": copier, "fresh": fresh})
    assert out["copier"]["dcr_ratio"] < 0.2 and out["copier"]["mia_auc"] > 0.7
    assert 0.9 < out["fresh"]["dcr_ratio"] < 1.1 and abs(out["fresh"]["mia_auc"] - 0.5) < 0.06


def test_auc_and_utility():
    assert auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert auc(np.array([1.0]), np.array([1.0])) == 0.5
    rng = np.random.default_rng(0)
    r = rng.normal(0, 0.01, size=(20, 252))
    out = utility_scores(r, r[:5], {"same": r})
    assert set(out) == {"real (train)", "same"} and out["same"]["mae"] > 0
