"""Image metrics on the features of a small classifier trained on the real training split.

Inception weights cannot be assumed offline, so (as DESIGN.md says) each data set gets its own
feature network: a 4-layer CNN trained once on the real training split (on the class labels, or
on predicting rotations when the data is unlabelled), cached by a digest of the data, and
reported with its test accuracy. On its 128-d pooled features:

- Fréchet distance (FD) between Gaussians fitted to the two feature sets;
- KID: unbiased MMD² with the cubic polynomial kernel, mean and std over 100 subsets of 1,000;
- precision / recall (Kynkäänniemi et al. 2019, k=3) and density / coverage (Naeem et al. 2020,
  k=5), all from k-nearest-neighbour balls.

Plus class balance of samples (classified by the feature network), memorisation (nearest training
image in pixel space, against the real test split's distances) and, for conditional models,
train-on-synthetic test-on-real accuracy.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synthgan import checkpoint as ckpt
from synthgan.neighbours import nearest
from synthgan.train import bf16_native

FEATURE_VERSION = 1  # bump when the network or its training changes: invalidates the cache
FEATURE_DIM = 128
CLASSIFIER_STEPS = 1000  # batches of 128; Fashion-MNIST test accuracy ~0.89


def data_digest(images: np.ndarray, labels: np.ndarray | None = None) -> str:
    """A short SHA-256 of images (and labels): identifies a data set in caches and run folders."""
    h = hashlib.sha256(str(images.shape).encode())
    h.update(np.ascontiguousarray(images).tobytes())
    if labels is not None:
        h.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


class FeatureNet(nn.Module):
    """Conv 32-64-128-128 (stride 2 after the first), global average pool -> 128-d -> logits."""

    def __init__(self, channels: int, n_out: int) -> None:
        super().__init__()
        widths = [channels, 32, 64, 128, FEATURE_DIM]
        layers = []
        for i in range(4):
            layers += [
                nn.Conv2d(widths[i], widths[i + 1], 3, 1 if i == 0 else 2, 1, bias=False),
                nn.BatchNorm2d(widths[i + 1]),
                nn.ReLU(True),
            ]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(FEATURE_DIM, n_out)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, 128) pooled features."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.tensor(images, dtype=torch.float32).div_(127.5).sub_(1.0)


def _rotation_task(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Self-supervised labels for unlabelled data: each image in 4 rotations, label = rotation."""
    rot = np.concatenate([np.rot90(images, k, axes=(2, 3)) for k in range(4)])
    return np.ascontiguousarray(rot), np.repeat(np.arange(4), len(images))


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    steps: int = CLASSIFIER_STEPS,
    batch: int = 128,
    seed: int = 0,
) -> FeatureNet:
    """Train a FeatureNet on uint8 images (N, C, H, W) with small random shifts as augmentation."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = FeatureNet(images.shape[1], n_classes)
    x_all, y_all = _to_tensor(images), torch.from_numpy(np.asarray(labels, np.int64))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    net.train()
    pad = max(1, images.shape[-1] // 14)
    for _ in range(steps):
        idx = torch.randint(len(x_all), (batch,), generator=gen)
        x, y = x_all[idx], y_all[idx]
        dy, dx = torch.randint(-pad, pad + 1, (2,), generator=gen).tolist()
        x = torch.roll(F.pad(x, (pad,) * 4, value=-1.0), (dy, dx), (2, 3))[:, :, pad:-pad, pad:-pad]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_native(torch.device("cpu"))):
            loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return net.eval()


@torch.no_grad()
def predict(
    net: FeatureNet, images: np.ndarray, batch: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, 128) float64, predicted class (N,)) of uint8 images."""
    feats, preds = [], []
    for s in range(0, len(images), batch):
        h = net.features(_to_tensor(images[s : s + batch]))
        feats.append(h.double().numpy())
        preds.append(net.head(h).argmax(1).numpy())
    return np.concatenate(feats), np.concatenate(preds)


def cache_dir() -> Path:
    """Where feature networks are cached: $SYNTHGAN_CACHE or ~/.cache/synthgan."""
    return Path(os.environ.get("SYNTHGAN_CACHE", Path.home() / ".cache" / "synthgan"))


def feature_network(
    train_images: np.ndarray,
    train_labels: np.ndarray | None,
    test_images: np.ndarray,
    test_labels: np.ndarray | None,
    n_classes: int,
    steps: int = CLASSIFIER_STEPS,
) -> tuple[FeatureNet, dict]:
    """The data set's feature network and its info (task, test accuracy), trained or from cache.

    Labelled data trains a classifier of the classes; unlabelled data a rotation predictor.
    """
    labelled = train_labels is not None and n_classes > 1
    key = f"v{FEATURE_VERSION}-{steps}-{data_digest(train_images, train_labels)}"
    folder = cache_dir() / "features" / key
    n_out = n_classes if labelled else 4
    net = FeatureNet(train_images.shape[1], n_out)
    if (folder / "MANIFEST.sha256").exists():
        try:
            tensors, info = ckpt.load_checkpoint(folder, torch.device("cpu"))
            ckpt.load_module("net", net, tensors)
            return net.eval(), info
        except Exception:  # noqa: BLE001 - a damaged cache entry is retrained, not fatal
            pass
    t0 = time.perf_counter()
    if labelled:
        net = train_classifier(train_images, train_labels, n_classes, steps)
        _, pred = predict(net, test_images)
        acc = float((pred == test_labels).mean()) if test_labels is not None else None
    else:
        x, y = _rotation_task(train_images)
        net = train_classifier(x, y, 4, steps)
        xt, yt = _rotation_task(test_images)
        acc = float((predict(net, xt)[1] == yt).mean())
    info = {
        "task": "classes" if labelled else "rotation (unlabelled data)",
        "test_accuracy": acc,
        "steps": steps,
        "n_train": int(len(train_images)),
        "n_test": int(len(test_images)),
        "train_seconds": round(time.perf_counter() - t0, 1),
        "key": key,
    }
    ckpt.save_checkpoint(folder, ckpt.module_tensors("net", net), info)
    return net, info


def load_inception(path: str | Path) -> torch.jit.ScriptModule:
    """The local TorchScript Inception-v3 at ``path`` (ConfigError when missing or not one).

    The file is the one StyleGAN2-ADA/StyleGAN3 use for FID (``inception-2015-12-05.pt``,
    called as ``net(uint8 NCHW RGB, return_features=True)``); it is never downloaded here.
    """
    from synthgan.errors import ConfigError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Inception weights not found at {path}: give the local TorchScript file "
            "inception-2015-12-05.pt (StyleGAN's FID detector)"
        )
    try:
        return torch.jit.load(str(path), map_location="cpu").eval()
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"{path} is not a TorchScript Inception network ({exc})") from None


def inception_features(
    net: torch.jit.ScriptModule, images: np.ndarray, batch: int = 100
) -> np.ndarray:
    """2048-d features of uint8 images from :func:`load_inception`'s network.

    Grayscale images are repeated to 3 channels.
    """
    out = []
    with torch.no_grad():
        for s in range(0, len(images), batch):
            x = torch.from_numpy(np.ascontiguousarray(images[s : s + batch]))
            if x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            out.append(net(x, return_features=True).double().numpy())
    return np.concatenate(out)


# --- distances between feature sets ---------------------------------------------------------


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||² + Tr(S_a + S_b - 2 (S_a S_b)^½) of Gaussians fitted to two feature sets."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((S_a S_b)^½) = sum of square roots of the eigenvalues of S_a S_b (real, >= 0).
    eig = np.linalg.eigvals(s_a @ s_b)
    tr_sqrt = np.sqrt(np.clip(eig.real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * tr_sqrt)


def kernel_inception_distance(
    a: np.ndarray, b: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD² with k(x, y) = (x·y / d + 1)³ over random subsets."""
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(a), len(b))
    d = a.shape[1]
    vals = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
        off = m * (m - 1)
        vals.append(
            (kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * kxy.mean()
        )
    return float(np.mean(vals)), float(np.std(vals))


def _distances(a: np.ndarray, b: np.ndarray, chunk: int = 2048) -> torch.Tensor:
    """Euclidean distance matrix (len(a), len(b)) in float32, computed in row chunks."""
    ta, tb = torch.from_numpy(a).float(), torch.from_numpy(b).float()
    return torch.cat([torch.cdist(ta[s : s + chunk], tb) for s in range(0, len(ta), chunk)])


def _kth_radii(x: np.ndarray, *ks: int) -> list[torch.Tensor]:
    """Distance of each point to its k-th nearest other point of the same set, for each k."""
    d = _distances(x, x)  # one matrix for every k
    return [d.kthvalue(k + 1, dim=1).values for k in ks]  # +1: the point itself is at 0


def precision_recall_density_coverage(
    real: np.ndarray, fake: np.ndarray, k_pr: int = 3, k_dc: int = 5
) -> dict[str, float]:
    """Precision, recall (k=3 balls) and density, coverage (k=5 balls around real points)."""
    d_rf = _distances(real, fake)  # (n_real, n_fake)
    r_real3, r_real5 = _kth_radii(real, k_pr, k_dc)
    (r_fake3,) = _kth_radii(fake, k_pr)
    precision = (d_rf <= r_real3[:, None]).any(0).float().mean()
    recall = (d_rf <= r_fake3[None, :]).any(1).float().mean()
    inside = d_rf <= r_real5[:, None]
    density = inside.sum(0).float().mean() / k_dc
    coverage = (d_rf.min(1).values <= r_real5).float().mean()
    return {
        "precision": float(precision),
        "recall": float(recall),
        "density": float(density),
        "coverage": float(coverage),
    }


def feature_scores(real: np.ndarray, fake: np.ndarray, seed: int = 0) -> dict[str, float]:
    """FD, KID (mean and std), precision, recall, density and coverage of ``fake`` vs ``real``."""
    kid, kid_std = kernel_inception_distance(real, fake, seed=seed)
    return {
        "fd": frechet_distance(real, fake),
        "kid": kid,
        "kid_std": kid_std,
        **precision_recall_density_coverage(real, fake),
    }


# --- samples against the training data -----------------------------------------------------


def class_balance(pred: np.ndarray, n_classes: int) -> dict:
    """Share of samples per predicted class and how many classes hold 5-15 % of them."""
    share = np.bincount(pred, minlength=n_classes)[:n_classes] / max(len(pred), 1)
    return {
        "share": share.tolist(),
        "min_share": float(share.min()),
        "max_share": float(share.max()),
        "classes_in_5_15_percent": int(((share >= 0.05) & (share <= 0.15)).sum()),
        "classes_present": int((share > 0).sum()),
    }


def nearest_training(
    samples: np.ndarray, train: np.ndarray, test: np.ndarray, n: int = 1000, seed: int = 0
) -> dict:
    """Memorisation: each sample's nearest training image (pixel L2), against real test images.

    A generator that copies puts samples much closer to the training set than unseen real
    images are: ``ratio`` (median sample distance / median test distance) far below 1, and
    many samples under the 1st percentile of the test distances (``near_copies``).
    """
    rng = np.random.default_rng(seed)
    s = samples[rng.choice(len(samples), min(n, len(samples)), replace=False)]
    t = test[rng.choice(len(test), min(n, len(test)), replace=False)]
    flat_train = train.reshape(len(train), -1).astype(np.float32) / 255.0
    flat_s = s.reshape(len(s), -1).astype(np.float32) / 255.0
    flat_t = t.reshape(len(t), -1).astype(np.float32) / 255.0
    ds_min, ds_arg = map(torch.from_numpy, nearest(flat_s, flat_train))
    dt_min = torch.from_numpy(nearest(flat_t, flat_train)[0])
    threshold = float(torch.quantile(dt_min, 0.01))
    order = torch.argsort(ds_min)[:8]  # the most suspicious samples, closest first
    return {
        "median_sample_distance": float(ds_min.median()),
        "median_test_distance": float(dt_min.median()),
        "ratio": float(ds_min.median() / dt_min.median()),
        "near_copies": float((ds_min < threshold).float().mean()),
        "near_copy_threshold": threshold,
        "panel": {
            "samples": s[order.numpy()],
            "train": train[ds_arg[order].numpy()],
            "distances": ds_min[order].tolist(),
        },
    }


def train_on_synthetic(
    images: np.ndarray,
    labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    n_classes: int,
    steps: int = CLASSIFIER_STEPS,
) -> float:
    """Accuracy on the real test split of a classifier trained on synthetic images only."""
    net = train_classifier(images, labels, n_classes, steps, seed=1)
    return float((predict(net, test_images)[1] == test_labels).mean())
