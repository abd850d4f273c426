"""The image evaluation report: one self-contained HTML page (grids, curves, metric tables)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.checkpoint import atomic_write_text
from synthgan.images.synthesizer import make_grid
from synthgan.report.html import Report, pyplot

SCORE_NOTES = {
    "fd": "Fréchet distance (lower is better)",
    "kid": "KID, unbiased MMD² (lower is better; about 0 for real)",
    "kid_std": "KID std over 100 subsets",
    "precision": "share of samples inside the real data's manifold (fidelity)",
    "recall": "share of real images inside the samples' manifold (diversity)",
    "density": "like precision, counting neighbours (about 1 for real)",
    "coverage": "share of real images with a sample nearby (diversity)",
    "inception_fid": "FID on Inception-v3 features (comparable with published FIDs)",
    "inception_kid": "KID on Inception-v3 features",
}


def _show(ax, grid: np.ndarray, title: str = "") -> None:
    ax.imshow(grid[0] if grid.shape[0] == 1 else grid.transpose(1, 2, 0), cmap="gray", vmin=0)
    ax.set_xticks([]), ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def _class_rows(samples: np.ndarray, k: int) -> np.ndarray:
    """Samples labelled ``i % k`` reordered so that each row of the grid is one class."""
    per = len(samples) // k
    return np.concatenate([samples[c::k][:per] for c in range(k)])


def write_report(result: dict, visuals: dict, path: str | Path) -> Path:
    """Render :func:`synthgan.images.evaluate.evaluate_run`'s result and images to ``path``."""
    plt = pyplot()
    path = Path(path)
    feat = result["feature_network"]
    acc = feat["test_accuracy"]
    rep = Report(
        "synthgan: synthetic images vs real",
        f"run {result['run']}; data {result['source']} ({result['n_train']} training, "
        f"{result['n_test']} test images); {result['n']} samples scored; "
        f"evaluation took {result['seconds']} s",
    )
    for note in result.get("notes", []):
        rep.section("Warning", note)

    rep.section(
        "Summary",
        f"Scores on the features of a CNN trained on the real training split "
        f"({feat['task']}, test accuracy {acc:.3f}), comparing samples with the real test split. "
        "The floor column scores real training images the same way: a generator that matched "
        "the data perfectly would score about that.",
    )
    scores = pd.DataFrame(result["scores"])
    scores["meaning"] = [SCORE_NOTES.get(i, "") for i in scores.index]
    rep.table(scores)
    memo = result["memorisation"]
    extra = {
        "memorisation: distance ratio": memo["ratio"],
        "memorisation: near copies": memo["near_copies"],
    }
    if "label_accuracy" in result:
        extra["conditional: label accuracy"] = result["label_accuracy"]
    if "tstr" in result:
        extra["TSTR accuracy (train synthetic, test real)"] = result["tstr"][
            "synthetic_train_real_test"
        ]
        extra["TRTR accuracy (train real, test real)"] = result["tstr"]["real_train_real_test"]
    rep.table(
        pd.DataFrame({"value": extra}),
        "Distance ratio: median pixel distance of samples to their nearest training image over "
        "that of unseen real test images (about 1: no copying; far below 1: memorisation). Near "
        "copies: share of samples closer to the training set than 99 % of test images are "
        "(about 0.01 for a generator that does not copy). Label accuracy: how often the feature "
        "network recognises the class a conditional sample was asked for.",
    )

    k = len(result["classes"]) if result["conditional"] else 0
    samples = visuals["samples"]
    fig, ax = plt.subplots(figsize=(7, 7 if not k else 0.75 * k))
    if k:
        _show(ax, make_grid(_class_rows(samples, k), nrow=len(samples) // k))
        h = samples.shape[-2] + 2
        ax.set_yticks([2 + h * i + h / 2 for i in range(k)])
        ax.set_yticklabels(result["classes"], fontsize=8)
    else:
        _show(ax, make_grid(samples, nrow=8))
    rep.section("Samples")
    rep.figure(
        fig,
        "Synthetic samples, one class per row"
        if k
        else "64 synthetic samples (the EMA generator, seed 1)",
    )

    fig, axes = plt.subplots(1, 2, figsize=(11, 5.6))
    _show(axes[0], make_grid(visuals["real"], nrow=8), "real (test split)")
    _show(axes[1], make_grid(visuals["fake"], nrow=8), "synthetic")
    rep.figure(fig, "Real test images (left) beside synthetic ones (right), same number.")

    hist = pd.DataFrame(result["training_history"])
    if len(hist):
        rep.section("Training")
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
        for col in ("d_loss", "g_loss"):
            if col in hist:
                axes[0].plot(hist.step, hist[col], label=col)
        axes[0].set_xlabel("step"), axes[0].legend(), axes[0].set_title("losses")
        for col in ("d_real", "d_fake"):
            if col in hist:
                axes[1].plot(hist.step, hist[col], label=col)
        axes[1].set_xlabel("step"), axes[1].legend(), axes[1].set_title("discriminator outputs")
        rep.figure(
            fig,
            "Losses and mean discriminator outputs per logged step. Healthy: both settle in a "
            "band; a discriminator loss falling to 0 with d_real and d_fake far apart means the "
            "discriminator has won and the generator stopped learning.",
        )

    if "class_balance" in result:
        rep.section("Class balance")
        names = result["classes"]
        fig, ax = plt.subplots(figsize=(10, 3.2))
        x = np.arange(len(names))
        for j, (name, bal) in enumerate(result["class_balance"].items()):
            ax.bar(x + (j - 0.5) * 0.4, bal["share"], 0.4, label=name)
        ax.axhspan(0.05, 0.15, color="tab:green", alpha=0.08, label="5-15 %")
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, fontsize=8)
        ax.set_ylabel("share of images"), ax.legend(fontsize=8)
        rep.figure(
            fig,
            "Class of each sample as the feature network sees it, beside the real test split. "
            "A missing or tiny bar is a mode the generator dropped.",
        )

    rep.section("Memorisation")
    top, bottom = visuals["nn_samples"], visuals["nn_train"]
    fig, axes = plt.subplots(2, len(top), figsize=(1.4 * len(top), 3.2))
    for i in range(len(top)):
        _show(axes[0, i], make_grid(top[i : i + 1], 1), f"{visuals['nn_distances'][i]:.2f}")
        _show(axes[1, i], make_grid(bottom[i : i + 1], 1))
    axes[0, 0].set_ylabel("sample"), axes[1, 0].set_ylabel("nearest train")
    rep.figure(
        fig,
        f"The {len(top)} samples closest to a training image (top, with the pixel distance) and "
        f"that training image (bottom). For comparison, 99 % of unseen real test images are "
        f"farther than {memo['near_copy_threshold']:.2f} from the training set; identical "
        "pairs here would mean copying.",
    )
    atomic_write_text(path, rep.render())
    return path
