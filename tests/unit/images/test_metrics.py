"""Image metrics: closed forms, parity cases (real vs real, copies, dropped modes), caching."""

from __future__ import annotations

import time

import numpy as np
import pytest

from synthgan.images import metrics as M
from synthgan.images.data import load_images

RNG = np.random.default_rng(0)


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    a = RNG.normal(0, 1, (20000, 4))
    b = RNG.normal([1, 0, 0, 0], [1, 2, 1, 1], (20000, 4))
    # ||mu_a - mu_b||^2 + sum (sigma_a - sigma_b)^2 = 1 + 1 = 2
    assert M.frechet_distance(a, b) == pytest.approx(2.0, abs=0.1)
    assert M.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_positive_otherwise():
    a, b = RNG.normal(0, 1, (3000, 16)), RNG.normal(0, 1, (3000, 16))
    same, std = M.kernel_inception_distance(a, b, subsets=20)
    assert abs(same) < 3 * std + 1e-3
    diff, _ = M.kernel_inception_distance(a, b + 0.5, subsets=20)
    assert diff > 20 * abs(same) and diff > 0


def test_precision_recall_density_coverage_parity_cases():
    centers = RNG.normal(0, 10, (10, 8))
    real = centers[RNG.integers(0, 10, 2000)] + RNG.normal(0, 1, (2000, 8))
    fresh = centers[RNG.integers(0, 10, 2000)] + RNG.normal(0, 1, (2000, 8))
    half = centers[RNG.integers(0, 5, 2000)] + RNG.normal(0, 1, (2000, 8))  # 5 modes dropped
    far = real + 100.0
    good = M.precision_recall_density_coverage(real, fresh)
    assert good["precision"] > 0.8 and good["recall"] > 0.8 and good["coverage"] > 0.8
    assert 0.7 < good["density"] < 1.3
    dropped = M.precision_recall_density_coverage(real, half)
    assert dropped["precision"] > 0.8
    assert 0.35 < dropped["recall"] < 0.65 and 0.35 < dropped["coverage"] < 0.65
    bad = M.precision_recall_density_coverage(real, far)
    assert bad == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_class_balance_counts_classes_in_the_5_to_15_percent_band():
    pred = np.repeat(np.arange(10), [10, 10, 10, 10, 10, 10, 10, 10, 20, 0])
    bal = M.class_balance(pred, 10)
    assert bal["classes_present"] == 9 and bal["min_share"] == 0.0
    assert bal["classes_in_5_15_percent"] == 8
    assert sum(bal["share"]) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def digits_split():
    return load_images("digits", 28, "train", 0.2), load_images("digits", 28, "test", 0.2)


def test_memorisation_flags_copies_and_not_unseen_real_images(digits_split):
    train, test = digits_split
    copies = M.nearest_training(train.images[:300], train.images, test.images)
    assert copies["ratio"] < 0.01 and copies["near_copies"] > 0.99
    assert np.array_equal(copies["panel"]["samples"], copies["panel"]["train"])
    unseen = M.nearest_training(test.images[::-1].copy(), train.images, test.images)
    assert 0.8 < unseen["ratio"] < 1.2 and unseen["near_copies"] < 0.05


def test_feature_network_learns_digits_is_cached_and_retrains_a_damaged_cache(
    digits_split, tmp_path, monkeypatch
):
    monkeypatch.setenv("SYNTHGAN_CACHE", str(tmp_path))
    train, test = digits_split
    t0 = time.perf_counter()
    net, info = M.feature_network(train.images, train.labels, test.images, test.labels, 10, 100)
    first = time.perf_counter() - t0
    assert info["task"] == "classes" and info["test_accuracy"] > 0.85
    t0 = time.perf_counter()
    net2, info2 = M.feature_network(train.images, train.labels, test.images, test.labels, 10, 100)
    assert info2 == info and time.perf_counter() - t0 < first / 3
    f1, _ = M.predict(net, test.images)
    f2, _ = M.predict(net2, test.images)
    np.testing.assert_array_equal(f1, f2)
    # A damaged cache entry is retrained, not trusted.
    weights = next((tmp_path / "features").glob("*/weights.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    _, info3 = M.feature_network(train.images, train.labels, test.images, test.labels, 10, 100)
    assert info3["test_accuracy"] == pytest.approx(info["test_accuracy"], abs=0.05)
    # Unlabelled data: the network learns to predict rotations instead.
    _, rot = M.feature_network(train.images, None, test.images, None, 0, 100)
    assert rot["task"].startswith("rotation") and rot["test_accuracy"] > 0.6


def test_train_on_synthetic_reads_labels_from_the_images(digits_split):
    train, test = digits_split
    real = M.train_on_synthetic(train.images, train.labels, test.images, test.labels, 10, 100)
    shuffled = np.random.default_rng(1).permutation(train.labels)
    noise = M.train_on_synthetic(train.images, shuffled, test.images, test.labels, 10, 100)
    assert real > 0.85 and noise < 0.3
