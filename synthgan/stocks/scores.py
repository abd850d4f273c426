"""Model-based scores: TimeGAN's discriminative and predictive scores, utility, privacy.

Discriminative score (Yoon et al. 2019): columns Open, High, Low, Close, Adj Close, Volume,
min-max scaled over the real data; 24-day windows; a 1-layer GRU with hidden size dim // 2
trained 2,000 iterations (batch 128, Adam) on 80 % of an equal number of real and synthetic
windows; score = |test accuracy - 0.5|. Predictive score: a GRU trained on synthetic windows to
predict the next step of the last column from the others, mean absolute error on real windows.
Every repeat is an independent GRU; all repeats (and all sources) train at once as one batched
GRU (``BatchedGRU``), which is what makes five repeats affordable on a CPU.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from synthgan.neighbours import nearest

SEQ_LEN = 24
ITERATIONS = 2000
BATCH = 128


class BatchedGRU(nn.Module):
    """M independent single-layer GRUs with a linear head, run as one batched computation.

    Input (M, B, T, D) -> outputs (M, B, T, out) for every step.
    """

    def __init__(
        self, models: int, dim: int, hidden: int, out: int, generator: torch.Generator
    ) -> None:
        super().__init__()
        k = 1.0 / hidden**0.5

        def u(*shape: int) -> nn.Parameter:
            return nn.Parameter((torch.rand(*shape, generator=generator) * 2 - 1) * k)

        self.w_ih, self.w_hh = u(models, dim, 3 * hidden), u(models, hidden, 3 * hidden)
        self.b_ih, self.b_hh = u(models, 1, 3 * hidden), u(models, 1, 3 * hidden)
        self.w_out, self.b_out = u(models, hidden, out), u(models, 1, out)
        self.hidden = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, b, t, _ = x.shape
        h = x.new_zeros(m, b, self.hidden)
        gi_all = torch.matmul(x, self.w_ih[:, None]) + self.b_ih[:, None]  # (M, B, T, 3H)
        outs = []
        for step in range(t):
            gi = gi_all[:, :, step]
            gh = torch.bmm(h, self.w_hh) + self.b_hh
            r = torch.sigmoid(gi[..., : self.hidden] + gh[..., : self.hidden])
            z = torch.sigmoid(
                gi[..., self.hidden : 2 * self.hidden] + gh[..., self.hidden : 2 * self.hidden]
            )
            n = torch.tanh(gi[..., 2 * self.hidden :] + r * gh[..., 2 * self.hidden :])
            h = (1 - z) * n + z * h
            outs.append(h)
        hs = torch.stack(outs, dim=2)  # (M, B, T, H)
        return torch.matmul(hs, self.w_out[:, None]) + self.b_out[:, None]


def timegan_columns(bars: np.ndarray) -> np.ndarray:
    """(..., 5) bars (O, H, L, C, V) -> (..., 6) TimeGAN columns O, H, L, C, Adj Close, V.

    Our prices are already adjusted, so Adj Close equals Close, as in the adjusted data.
    """
    o, h, lo, c, v = (bars[..., i] for i in range(5))
    return np.stack([o, h, lo, c, c, v], axis=-1)


class MinMax:
    """Min-max scaling fitted on real data (TimeGAN's ``MinMaxScaler``)."""

    def __init__(self, real: np.ndarray) -> None:
        flat = real.reshape(-1, real.shape[-1])
        self.lo, self.span = flat.min(0), flat.max(0) - flat.min(0) + 1e-7

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.lo) / self.span).astype(np.float32)


def _per_source(values: list[float], names: list[str], repeats: int) -> dict[str, dict]:
    """Consecutive groups of ``repeats`` values -> {name: {"mean", "std", "scores"}}."""
    out = {}
    for j, name in enumerate(names):
        v = values[j * repeats : (j + 1) * repeats]
        out[name] = {"mean": float(np.mean(v)), "std": float(np.std(v)), "scores": v}
    return out


def discriminative_scores(
    real: np.ndarray,
    synthetic: dict[str, np.ndarray],
    repeats: int = 5,
    seed: int = 0,
    iterations: int = ITERATIONS,
) -> dict[str, dict]:
    """TimeGAN discriminative score of each synthetic source against the same real windows.

    ``real`` (N, T, D) and each ``synthetic[name]`` (>= N, T, D) are already scaled windows.
    Returns {name: {"mean", "std", "scores"}}.
    """
    names = list(synthetic)
    rng = np.random.default_rng(seed)
    n = len(real)
    xs, ys, tests = [], [], []
    for name in names:
        syn = synthetic[name]
        for _ in range(repeats):
            pick = rng.choice(len(syn), size=n, replace=len(syn) < n)
            x = np.concatenate([real, syn[pick]])
            y = np.concatenate([np.ones(n), np.zeros(n)]).astype(np.float32)
            # 80/20 split of each class, as TimeGAN's train_test_divide.
            idx_r, idx_s = rng.permutation(n), n + rng.permutation(n)
            cut = int(0.8 * n)
            train = np.concatenate([idx_r[:cut], idx_s[:cut]])
            test = np.concatenate([idx_r[cut:], idx_s[cut:]])
            xs.append(x), ys.append(y), tests.append((train, test))
    m = len(xs)
    dim = real.shape[-1]
    gen = torch.Generator().manual_seed(seed)
    model = BatchedGRU(m, dim, max(1, dim // 2), 1, gen)
    opt = torch.optim.Adam(model.parameters())
    X = [torch.from_numpy(x) for x in xs]
    Y = [torch.from_numpy(y) for y in ys]
    for _ in range(iterations):
        bi = [torch.from_numpy(rng.choice(tr, BATCH)) for tr, _ in tests]
        xb = torch.stack([X[i][bi[i]] for i in range(m)])
        yb = torch.stack([Y[i][bi[i]] for i in range(m)])
        logits = model(xb)[:, :, -1, 0]
        loss = nn.functional.binary_cross_entropy_with_logits(logits, yb)
        opt.zero_grad()
        (loss * m).backward()
        opt.step()
    with torch.no_grad():  # every model on its own test set (all of equal size), in one pass
        xt = torch.stack([X[i][torch.from_numpy(tests[i][1])] for i in range(m)])
        yt = torch.stack([Y[i][torch.from_numpy(tests[i][1])] for i in range(m)])
        acc = ((model(xt)[:, :, -1, 0] > 0).float() == yt).float().mean(dim=1)
    return _per_source((acc - 0.5).abs().tolist(), names, repeats)


def predictive_scores(
    real: np.ndarray,
    synthetic: dict[str, np.ndarray],
    repeats: int = 5,
    seed: int = 0,
    iterations: int = ITERATIONS,
) -> dict[str, dict]:
    """TimeGAN predictive score: train on synthetic windows, MAE of next-step last column on real."""
    names = list(synthetic)
    rng = np.random.default_rng(seed)
    sets = [synthetic[name] for name in names for _ in range(repeats)]
    m, dim = len(sets), real.shape[-1]
    gen = torch.Generator().manual_seed(seed + 1)
    model = BatchedGRU(m, dim - 1, max(1, dim // 2), 1, gen)
    opt = torch.optim.Adam(model.parameters())
    S = [torch.from_numpy(s) for s in sets]
    for _ in range(iterations):
        xb = torch.stack([s[torch.from_numpy(rng.integers(0, len(s), BATCH))] for s in S])
        pred = torch.sigmoid(model(xb[:, :, :-1, :-1]))[..., 0]
        loss = (pred - xb[:, :, 1:, -1]).abs().mean()
        opt.zero_grad()
        (loss * m).backward()
        opt.step()
    r = torch.from_numpy(real)
    with torch.no_grad():
        pred = torch.sigmoid(model(r[None, :, :-1, :-1].expand(m, -1, -1, -1)))[..., 0]
        maes = (pred - r[None, :, 1:, -1]).abs().mean(dim=(1, 2)).tolist()
    return _per_source(maes, names, repeats)


# ------------------------------------------------------------------------------------ utility
def vol_features(r: np.ndarray, lags: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Next-day |r| regression data from (paths, days) returns: HAR-style |r| averages."""
    r = np.atleast_2d(r)
    a = np.abs(r)
    X, y = [], []
    for t in range(lags, r.shape[1] - 1):
        X.append(
            np.stack(
                [a[:, t], a[:, t - 4 : t + 1].mean(1), a[:, t - lags + 1 : t + 1].mean(1)], axis=1
            )
        )
        y.append(a[:, t + 1])
    return np.concatenate(X), np.concatenate(y)


def ridge_fit(X: np.ndarray, y: np.ndarray, alpha: float = 1e-6) -> np.ndarray:
    """Ridge regression with intercept; returns coefficients (intercept first)."""
    A = np.hstack([np.ones((len(X), 1)), X])
    return np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)


def utility_scores(
    real_train: np.ndarray, real_test: np.ndarray, synthetic: dict[str, np.ndarray]
) -> dict[str, dict]:
    """Train-on-synthetic, test-on-real next-day volatility forecasting (HAR ridge on |r|).

    Arrays are (paths, days) log returns. Returns MAE and R^2 on the real test returns for a
    model trained on each source, plus "real (train)" as the reference.
    """
    Xt, yt = vol_features(real_test)
    out = {}
    for name, r in {"real (train)": real_train, **synthetic}.items():
        X, y = vol_features(r)
        coef = ridge_fit(X, y)
        pred = np.hstack([np.ones((len(Xt), 1)), Xt]) @ coef
        out[name] = {
            "mae": float(np.abs(pred - yt).mean()),
            "r2": float(1 - ((pred - yt) ** 2).sum() / ((yt - yt.mean()) ** 2).sum()),
        }
    return out


# ------------------------------------------------------------------------------------ privacy
def nearest_distances(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query row to its nearest reference row."""
    return nearest(queries, reference)[0]


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve of scores (positives should score higher)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def privacy_scores(
    train: np.ndarray, holdout: np.ndarray, synthetic: dict[str, np.ndarray], seed: int = 0
) -> dict[str, dict]:
    """Distance to closest record and a distance-based membership-inference attack.

    Inputs are flattened, standardized windows (N, D). Train windows are subsampled to the
    holdout's count, so both reference sets are equally dense. ``dcr_ratio`` = median distance
    of synthetic windows to train / to holdout: about 1 when the generator does not copy, well
    below 1 for a copier. ``mia_auc``: how well "distance to the nearest synthetic window"
    separates train windows (members) from holdout windows; 0.5 means no leak.
    """
    rng = np.random.default_rng(seed)
    n = min(len(train), len(holdout))
    tr = train[rng.choice(len(train), n, replace=False)]
    ho = holdout[rng.choice(len(holdout), n, replace=False)]
    out = {}
    for name, syn in synthetic.items():
        d_tr, d_ho = nearest_distances(syn, tr), nearest_distances(syn, ho)
        m_tr, m_ho = nearest_distances(tr, syn), nearest_distances(ho, syn)
        out[name] = {
            "dcr_train_median": float(np.median(d_tr)),
            "dcr_holdout_median": float(np.median(d_ho)),
            "dcr_ratio": float(np.median(d_tr) / max(np.median(d_ho), 1e-12)),
            "share_closer_to_train": float((d_tr < d_ho).mean()),
            "exact_copies": float((d_tr < 1e-6).mean()),
            "mia_auc": auc(-m_tr, -m_ho),
            "dcr_train": d_tr.tolist(),
            "dcr_holdout": d_ho.tolist(),
        }
    return out
