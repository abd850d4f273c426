"""Nearest neighbours between row sets, for the privacy and memorisation checks of both pipelines."""

from __future__ import annotations

import numpy as np
import torch


def nearest(
    queries: np.ndarray, reference: np.ndarray, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of each query row's nearest reference row (Euclidean, float32).

    Computed in chunks of query rows, so memory stays at ``chunk`` x len(reference) floats.
    """
    q = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))
    ref = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))
    parts = [torch.cdist(q[i : i + chunk], ref).min(dim=1) for i in range(0, len(q), chunk)]
    return (
        torch.cat([p.values for p in parts]).numpy(),
        torch.cat([p.indices for p in parts]).numpy(),
    )
