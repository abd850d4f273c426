"""Stylized facts and distribution tests on processes whose answers are known."""

from __future__ import annotations

import numpy as np

from synthgan.stocks.metrics import (
    acf,
    feature_tests,
    hill_tail_index,
    horizon_emd,
    leverage,
    stylized_facts,
)


def _gjr(n_paths: int, n: int, seed: int = 0) -> np.ndarray:
    """GJR-GARCH(1,1) returns with a strong leverage term."""
    rng = np.random.default_rng(seed)
    r = np.empty((n_paths, n))
    var = np.full(n_paths, 1e-4)
    for t in range(n):
        e = np.sqrt(var) * rng.standard_normal(n_paths)
        r[:, t] = e
        var = 2e-6 + (0.02 + 0.15 * (e < 0)) * e * e + 0.9 * var
    return r


def test_iid_gaussian_has_no_stylized_facts():
    r = np.random.default_rng(0).normal(0, 0.01, size=(200, 252))
    f = stylized_facts(r)
    assert abs(f["excess_kurtosis"]) < 0.1
    assert abs(f["acf_abs_r_1_10"]) < 0.02 and abs(f["acf_r_1_10"]) < 0.02
    assert abs(f["leverage_1_10"]) < 0.02


def test_gjr_garch_shows_clustering_fat_tails_and_leverage():
    f = stylized_facts(_gjr(200, 252))
    assert f["excess_kurtosis"] > 1
    assert f["acf_abs_r_1_10"] > 0.1
    assert f["leverage_1_10"] < -0.03
    assert abs(f["acf_r_1_10"]) < 0.03


def test_acf_and_leverage_on_constructed_series():
    x = np.random.default_rng(1).standard_normal((50, 400))
    y = x[:, 1:] + x[:, :-1]  # MA(1): rho_1 = 0.5, rho_2 = 0
    a = acf(y, 2)
    assert abs(a[0] - 0.5) < 0.03 and abs(a[1]) < 0.03
    assert len(leverage(y, 5)) == 5


def test_hill_index_of_student_t3_is_about_3():
    r = np.random.default_rng(2).standard_t(3, size=200_000)
    assert 2.4 < hill_tail_index(r, tail=0.02) < 3.6


def test_feature_tests_separate_shifted_distributions():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3000, 2))
    b = a + np.array([0.0, 1.0])
    t = feature_tests(a, rng.normal(size=(3000, 2)) + np.array([0.0, 1.0]), ["same", "shifted"])
    assert t.loc[0, "ks_stat"] < 0.05 and t.loc[1, "ks_stat"] > 0.3
    assert t.loc[1, "wasserstein_std"] > 0.9
    assert horizon_emd(a.T, a.T)["emd_1d"] == 0.0
    assert horizon_emd(a.T, b.T)["emd_1d"] >= 0.0
