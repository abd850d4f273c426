"""Chunked nearest neighbours agree with a brute-force numpy search."""

from __future__ import annotations

import numpy as np

from synthgan.neighbours import nearest


def test_nearest_matches_brute_force_across_chunks():
    rng = np.random.default_rng(0)
    queries, reference = rng.normal(size=(50, 7)), rng.normal(size=(80, 7))
    full = np.linalg.norm(queries[:, None] - reference[None], axis=2)
    dist, idx = nearest(queries, reference, chunk=16)  # 4 chunks, the last one partial
    np.testing.assert_array_equal(idx, full.argmin(1))
    np.testing.assert_allclose(dist, full.min(1), rtol=1e-5, atol=1e-5)
    dist, idx = nearest(reference[[3, 11]], reference)
    np.testing.assert_array_equal(idx, [3, 11])
    np.testing.assert_allclose(dist, 0, atol=1e-3)
