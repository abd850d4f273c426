"""Evaluate an image run against its real data; write RUN/eval/metrics.json (and a report)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

from synthgan import checkpoint as ckpt
from synthgan.errors import ConfigError
from synthgan.images import metrics as M
from synthgan.images.data import ImageData, load_images
from synthgan.images.synthesizer import ImageSynthesizer


def real_splits(syn: ImageSynthesizer) -> tuple[ImageData, ImageData]:
    """The run's real (train, test) splits, reloaded from the data spec it recorded."""
    meta = syn.meta
    source = meta.get("source", "")
    holdout = meta.get("holdout_fraction", 0.0)
    if source in ("", "images"):
        raise ConfigError(
            "this run was fitted on in-memory arrays: pass the real data, "
            "evaluate_run(run, train=ImageData(...), test=ImageData(...))"
        )
    size = meta["size"]
    train = load_images(source, size, "train", holdout)
    test = load_images(source, size, "test", holdout)
    return train, test


def evaluate_run(
    run: str | Path,
    train: ImageData | None = None,
    test: ImageData | None = None,
    n: int = 10000,
    seed: int = 0,
    classifier_steps: int = M.CLASSIFIER_STEPS,
    report: str | Path | None = None,
    inception: str | Path | None = None,
) -> dict:
    """Sample the run and score it against the real test split, the real train split as floor.

    ``n`` synthetic images (at most the test split's size) are compared with the test split;
    the same number of real training images scored the same way give the floor: a perfect
    generator scores about that. ``inception``: a local TorchScript Inception-v3 (StyleGAN's
    FID detector) to add the standard FID and KID on its features.
    """
    t0 = time.perf_counter()
    run = Path(run)
    inception_net = M.load_inception(inception) if inception is not None else None
    syn = ImageSynthesizer.load(run)
    meta = syn.meta
    if train is None or test is None:
        train, test = real_splits(syn)
    notes = []
    digest = meta.get("train_digest")
    if digest and digest != M.data_digest(train.images):
        notes.append(
            "the real training split differs from the one the run was fitted on "
            "(data changed since?): scores compare against the data given now"
        )
        warnings.warn(notes[-1], stacklevel=2)
    n = min(n, len(test.images))
    k = meta["n_classes"]
    labelled = train.labels is not None and test.labels is not None
    n_classes = train.n_classes if labelled else 0

    net, feat_info = M.feature_network(
        train.images, train.labels, test.images, test.labels, n_classes, classifier_steps
    )
    fake_labels = np.arange(n) % k if k else None
    fake = syn.sample(n, labels=fake_labels, seed=seed + 1)
    rng = np.random.default_rng(seed)
    floor_idx = np.sort(rng.choice(len(train.images), min(n, len(train.images)), replace=False))
    test_idx = np.sort(rng.choice(len(test.images), n, replace=False))
    f_test, p_test = M.predict(net, test.images[test_idx])
    f_fake, p_fake = M.predict(net, fake)
    f_floor, _ = M.predict(net, train.images[floor_idx])
    scores = {
        "synthetic": M.feature_scores(f_test, f_fake, seed),
        "real train (floor)": M.feature_scores(f_test, f_floor, seed),
    }
    if inception_net is not None:
        i_test = M.inception_features(inception_net, test.images[test_idx])
        i_fake = M.inception_features(inception_net, fake)
        i_floor = M.inception_features(inception_net, train.images[floor_idx])
        for name, feats in (("synthetic", i_fake), ("real train (floor)", i_floor)):
            scores[name]["inception_fid"] = M.frechet_distance(i_test, feats)
            scores[name]["inception_kid"] = M.kernel_inception_distance(i_test, feats, seed=seed)[0]
    result: dict = {
        "run": str(run),
        "source": meta.get("source"),
        "classes": list(train.classes) if labelled else [],
        "conditional": bool(k),
        "n": n,
        "n_train": len(train.images),
        "n_test": len(test.images),
        "feature_network": feat_info,
        "scores": scores,
        "notes": notes,
    }
    if labelled:
        result["class_balance"] = {
            "synthetic": M.class_balance(p_fake, n_classes),
            "real test": M.class_balance(test.labels[test_idx], n_classes),
        }
    if k and labelled:
        result["label_accuracy"] = float((p_fake == fake_labels).mean())
        n_tstr = min(len(train.images), 10000)
        tstr_labels = np.arange(n_tstr) % k
        tstr_images = syn.sample(n_tstr, labels=tstr_labels, seed=seed + 2)
        result["tstr"] = {
            "synthetic_train_real_test": M.train_on_synthetic(
                tstr_images, tstr_labels, test.images, test.labels, n_classes, classifier_steps
            ),
            "real_train_real_test": feat_info["test_accuracy"],
            "n_synthetic": n_tstr,
        }
    memo = M.nearest_training(fake, train.images, test.images, seed=seed)
    panel = memo.pop("panel")
    result["memorisation"] = memo
    result["training_history"] = syn.loss_history.to_dict(orient="list")
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result = ckpt.json_ready(result)
    out_dir = run / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt.write_json(out_dir / "metrics.json", result)
    if report is not None:
        from synthgan.report.images import write_report

        visuals = {
            "samples": fake[: 10 * k] if k else fake[:64],
            "real": test.images[test_idx[:64]],
            "fake": fake[:64],
            "nn_samples": panel["samples"],
            "nn_train": panel["train"],
            "nn_distances": panel["distances"],
        }
        write_report(result, visuals, report)
    return result
