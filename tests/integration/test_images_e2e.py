"""Images end to end on the embedded digits: fit (conditional), samples, resume, save/load, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from synthgan.cli import main
from synthgan.errors import ConfigError
from synthgan.images.data import load_digits
from synthgan.images.synthesizer import ImageSynthesizer

TINY_IMG = ["--set", "ngf=8", "--set", "ndf=8", "--set", "nz=16", "--batch-size", "16", "--set", "log_every=1",
            "--set", "checkpoint_every=2", "--set", "sample_every=2", "--device", "cpu", "--quiet"]  # fmt: skip


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("img") / "run"
    assert (
        main(
            [
                "images",
                "fit",
                "--data",
                "digits",
                "--conditional",
                "--out",
                str(run),
                "--steps",
                "4",
                *TINY_IMG,
            ]
        )
        == 0
    )
    return run


def test_run_folder_and_periodic_grids(digits_run):
    names = {p.name for p in digits_run.iterdir()}
    assert {
        "config.json",
        "preprocess.json",
        "metrics.jsonl",
        "checkpoints",
        "model",
        "samples",
    } <= names
    grids = sorted(p.name for p in (digits_run / "samples").iterdir())
    assert grids == ["step-000002.png", "step-000004.png"]
    assert Image.open(digits_run / "samples" / grids[0]).size == (8 * 34 + 2, 8 * 34 + 2)
    assert json.loads((digits_run / "preprocess.json").read_text())["n_classes"] == 10


def test_sample_outputs(digits_run, tmp_path):
    assert (
        main(
            [
                "images",
                "sample",
                str(digits_run),
                "--n",
                "16",
                "--label",
                "3",
                "--out",
                str(tmp_path / "g.png"),
            ]
        )
        == 0
    )
    assert Image.open(tmp_path / "g.png").mode == "L"
    assert (
        main(["images", "sample", str(digits_run), "--n", "5", "--out", str(tmp_path / "s.npz")])
        == 0
    )
    with np.load(tmp_path / "s.npz") as z:
        assert z["images"].shape == (5, 32, 32) and z["images"].dtype == np.uint8
    assert (
        main(
            [
                "images",
                "sample",
                str(digits_run),
                "--n",
                "3",
                "--seed",
                "7",
                "--out",
                str(tmp_path / "dir"),
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "dir").glob("seed0007-*.png"))) == 3
    assert (
        main(
            [
                "images",
                "sample",
                str(digits_run),
                "--n",
                "3",
                "--label",
                "12",
                "--out",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )


def test_images_reproducible_per_index_and_labels_matter(digits_run):
    syn = ImageSynthesizer.load(digits_run)
    a = syn.sample(3, labels=[1, 2, 3], seed=5)
    b = syn.sample(70, labels=np.r_[[1, 2, 3], np.zeros(67, int)], seed=5)
    assert np.array_equal(a, b[:3])
    assert not np.array_equal(syn.sample(1, labels=1, seed=5), syn.sample(1, labels=7, seed=5))


def test_resume_extends_and_is_bit_exact(tmp_path):
    images = load_digits(32).images[:200]
    common = dict(
        steps=6,
        ngf=8,
        ndf=8,
        nz=16,
        batch_size=16,
        log_every=1,
        checkpoint_every=100,
        progress=False,
        device="cpu",
        sample_every=0,
    )
    a = ImageSynthesizer(**common).fit(images, run_dir=tmp_path / "a")
    ImageSynthesizer(**{**common, "steps": 3}).fit(images, run_dir=tmp_path / "b")
    b = ImageSynthesizer(**common).fit(images, run_dir=tmp_path / "b", resume=True)
    assert a.loss_history.d_loss.tolist() == b.loss_history.d_loss.tolist()
    assert np.array_equal(a.sample(4, seed=1), b.sample(4, seed=1))
    with pytest.raises(ConfigError, match="already holds a run"):
        ImageSynthesizer(**common).fit(images, run_dir=tmp_path / "a")


def test_classic_recipe_and_unconditional_errors(tmp_path):
    images = load_digits(32).images[:64]
    syn = ImageSynthesizer.__new__(ImageSynthesizer)
    from synthgan.config import ImageConfig

    cfg = ImageConfig.classic(
        steps=2, ngf=8, ndf=8, nz=16, batch_size=16, progress=False, device="cpu"
    )
    assert (
        cfg.model.loss == "nonsaturating"
        and not cfg.model.spectral_norm
        and cfg.train.betas == (0.5, 0.999)
    )
    syn = ImageSynthesizer(cfg).fit(images)
    assert syn.sample(2).shape == (2, 1, 32, 32)
    with pytest.raises(ConfigError, match="unconditional"):
        syn.sample(2, labels=1)
    with pytest.raises(ConfigError, match="needs labels"):
        ImageSynthesizer(cfg, conditional=True).fit(images)
