"""Images end to end on the embedded digits: fit (conditional), samples, resume, save/load, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthgan.cli import main
from synthgan.errors import ConfigError
from synthgan.images.data import load_digits
from synthgan.images.synthesizer import ImageSynthesizer

from .._helpers import CHROMIUM, check_in_chromium

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


@pytest.fixture(scope="module")
def digits_eval(digits_run):
    report = digits_run.parent / "report.html"
    args = ["images", "evaluate", str(digits_run), "--n", "200", "--classifier-steps", "60", "--report", str(report)]  # fmt: skip
    assert main(args) == 0
    return json.loads((digits_run / "eval" / "metrics.json").read_text()), report


def test_evaluate_scores_against_the_floor(digits_eval):
    res, _ = digits_eval
    syn, floor = res["scores"]["synthetic"], res["scores"]["real train (floor)"]
    assert set(syn) == {"fd", "kid", "kid_std", "precision", "recall", "density", "coverage"}
    # 4 steps of a tiny GAN are far from real data; real training images are close to the test split.
    assert syn["fd"] > 5 * floor["fd"] and syn["kid"] > floor["kid"]
    assert floor["precision"] > 0.5 and floor["coverage"] > 0.5
    assert res["n"] == 200 and res["n_test"] == 359 and res["n_train"] == 1438
    assert len(res["class_balance"]["synthetic"]["share"]) == 10
    assert 0 <= res["tstr"]["synthetic_train_real_test"] <= 1
    assert res["memorisation"]["ratio"] > 0.5  # an untrained generator copies nothing
    assert res["training_history"]["step"][-1] == 4


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_image_report_renders_in_headless_chromium(digits_eval, tmp_path):
    _, report = digits_eval
    page = report.read_text()
    for part in ("Samples", "Training", "Class balance", "Memorisation", "real train (floor)"):
        assert part in page, part
    assert check_in_chromium(report, tmp_path) == 5


def test_evaluate_needs_real_data_for_array_runs_and_takes_it_from_python(tmp_path):
    from synthgan.images.data import ImageData
    from synthgan.images.evaluate import evaluate_run

    digits = load_digits(28)
    train = ImageData(digits.images[:1000], digits.labels[:1000], digits.classes, "arrays")
    test = ImageData(digits.images[1000:], digits.labels[1000:], digits.classes, "arrays")
    syn = ImageSynthesizer(steps=2, ngf=8, ndf=8, nz=16, batch_size=16, size=28, progress=False)
    syn.fit(train.images, run_dir=tmp_path / "r")
    with pytest.raises(ConfigError, match="in-memory arrays"):
        evaluate_run(tmp_path / "r")
    res = evaluate_run(tmp_path / "r", train, test, n=100, classifier_steps=40)
    assert res["n_test"] == 797 and "tstr" not in res and not res["notes"]
    # Data that is not what the run was fitted on is scored, with a warning in the result.
    with pytest.warns(UserWarning, match="differs"):
        res = evaluate_run(tmp_path / "r", test, train, n=100, classifier_steps=40)
    assert res["notes"]


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION.exists(), reason="needs Debian's dataset-fashion-mnist")
def test_fashion_mnist_slice_fit_and_evaluate(tmp_path):
    from synthgan.images.data import ImageData, load_images
    from synthgan.images.evaluate import evaluate_run

    train, test = load_images("fashion-mnist"), load_images("fashion-mnist", split="test")
    assert train.images.shape == (60000, 1, 28, 28) and test.images.shape == (10000, 1, 28, 28)
    assert train.classes[9] == "Ankle boot"
    tr = ImageData(train.images[:2000], train.labels[:2000], train.classes, "slice")
    te = ImageData(test.images[:500], test.labels[:500], test.classes, "slice")
    syn = ImageSynthesizer(steps=3, ngf=8, ndf=8, nz=16, batch_size=16, progress=False)
    syn.fit(tr, run_dir=tmp_path / "fm")
    assert syn.config.data.size == 28 and syn.sample(2).shape == (2, 1, 28, 28)  # data's size
    res = evaluate_run(tmp_path / "fm", tr, te, n=300, classifier_steps=60)
    assert res["feature_network"]["test_accuracy"] > 0.5  # 60 steps; 0.89 with the default 1000
    assert res["scores"]["synthetic"]["fd"] > res["scores"]["real train (floor)"]["fd"]


def test_ddp_two_processes_stay_in_sync_with_bf16_and_channels_last(tmp_path):
    import os
    import subprocess
    import sys

    run = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29518",
           "-m", "synthgan", "images", "fit", "--data", "digits", "--conditional", "--out", str(run), "--steps", "3",
           "--set", "precision=bf16", *TINY_IMG]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads((run / "distributed.json").read_text())
    assert info["world_size"] == 2 and info["in_sync"] is True
    assert ImageSynthesizer.load(run).sample(2, seed=0).shape == (2, 1, 32, 32)


def test_inception_option_uses_a_local_torchscript_network(digits_run, tmp_path, capsys):
    import torch
    import torch.nn.functional as F

    class Detector(torch.nn.Module):  # stand-in with the calling convention of StyleGAN's file
        def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
            assert x.dtype == torch.uint8 and x.shape[1] == 3
            return F.adaptive_avg_pool2d(x.float() / 255.0, 4).flatten(1)

    path = tmp_path / "inception.pt"
    torch.jit.script(Detector()).save(str(path))
    args = ["images", "evaluate", str(digits_run), "--n", "100", "--classifier-steps", "60", "--inception", str(path), "--report", str(tmp_path / "r.html")]  # fmt: skip
    assert main(args) == 0
    res = json.loads((digits_run / "eval" / "metrics.json").read_text())
    syn, floor = res["scores"]["synthetic"], res["scores"]["real train (floor)"]
    assert syn["inception_fid"] > floor["inception_fid"] >= 0
    assert "inception_fid" in capsys.readouterr().out
    missing = ["images", "evaluate", str(digits_run), "--inception", str(tmp_path / "nope.pt")]
    assert main(missing) == 2
    assert "Inception weights not found" in capsys.readouterr().err
