"""End to end on real embedded data: fit, sample, save, load, resume, through the CLI and API."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from synthgan import StockSynthesizer
from synthgan.cli import main
from synthgan.errors import ConfigError, NotFittedError

from ..conftest import TINY, TINY_SET


@pytest.fixture(scope="module")
def fitted(sp500):
    """A tiny model fitted on two real tickers (S&P 500 and NASDAQ, last 400 days)."""
    from synthgan.stocks.data import load_data

    df = load_data("sp500,nasdaq")
    df = df.groupby("ticker").tail(400).reset_index(drop=True)
    return StockSynthesizer(**TINY).fit(df), df


def test_cli_fit_sample_resume(tmp_path, sp500_csv, capsys):
    run = tmp_path / "run"
    # Fit 6 steps, then extend to 9 with --resume.
    assert (
        main(
            [
                "stocks",
                "fit",
                "--data",
                str(sp500_csv),
                "--out",
                str(run),
                "--steps",
                "6",
                *TINY_SET,
            ]
        )
        == 0
    )
    assert {p.name for p in run.iterdir()} >= {
        "config.json",
        "preprocess.json",
        "metrics.jsonl",
        "checkpoints",
        "model",
    }
    cfg = json.loads((run / "config.json").read_text())
    assert (
        cfg["train"]["steps"] == 6
        and cfg["model"]["dilations"] == [1, 2, 4]
        and "torch" in cfg["versions"]
    )
    # Refuses to overwrite a run without --resume.
    assert main(["stocks", "fit", "--data", str(sp500_csv), "--out", str(run), *TINY_SET]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (
        main(
            [
                "stocks",
                "fit",
                "--data",
                str(sp500_csv),
                "--out",
                str(run),
                "--steps",
                "9",
                "--resume",
                *TINY_SET,
            ]
        )
        == 0
    )
    steps = [json.loads(x)["step"] for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 10))
    # Sample to CSV and Parquet.
    out = tmp_path / "synthetic.csv"
    assert (
        main(
            [
                "stocks",
                "sample",
                str(run),
                "--paths",
                "5",
                "--length",
                "30",
                "--out",
                str(out),
                "--start-date",
                "2030-01-01",
            ]
        )
        == 0
    )
    frame = pd.read_csv(out, parse_dates=["date"])
    assert list(frame.columns) == [
        "path",
        "date",
        "ticker",
        "open",
        "high",
        "low",
        "close",
        "volume",
    ]
    assert len(frame) == 150 and frame.path.nunique() == 5
    assert frame.date.min() == pd.Timestamp("2030-01-01") and (frame.date.dt.day_of_week < 5).all()
    pq = tmp_path / "s.parquet"
    assert (
        main(
            [
                "stocks",
                "sample",
                str(run),
                "--paths",
                "5",
                "--length",
                "30",
                "--out",
                str(pq),
                "--start-date",
                "2030-01-01",
            ]
        )
        == 0
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(pq).drop(columns="date"), frame.drop(columns="date"), check_dtype=False
    )


def test_dry_run_writes_nothing(tmp_path, sp500_csv, capsys):
    run = tmp_path / "run"
    assert (
        main(["stocks", "fit", "--data", str(sp500_csv), "--out", str(run), "--dry-run", *TINY_SET])
        == 0
    )
    out = capsys.readouterr().out
    assert "receptive field 8 days" in out and "nothing trained" in out
    assert not run.exists()


def test_ten_thousand_bars_obey_market_logic(fitted):
    syn, _ = fitted
    frame = syn.sample(n_paths=100, length=50, seed=3)  # 2 tickers: 10,000 bars
    assert len(frame) == 10_000
    o, h, lo, c, v = (frame[k].to_numpy() for k in ("open", "high", "low", "close", "volume"))
    assert np.isfinite(frame[["open", "high", "low", "close", "volume"]].to_numpy()).all()
    assert (h >= np.maximum(o, c)).all()
    assert (np.maximum(o, c) >= np.minimum(o, c)).all()
    assert (np.minimum(o, c) >= lo).all()
    assert (lo > 0).all() and (v >= 0).all()


def test_paths_are_reproducible_per_path(fitted):
    syn, _ = fitted
    small = syn.sample(n_paths=3, length=40, seed=11)
    big = syn.sample(n_paths=70, length=40, seed=11)  # crosses a generation chunk
    pd.testing.assert_frame_equal(small, big[big.path < 3].reset_index(drop=True))
    other = syn.sample(n_paths=3, length=40, seed=12)
    assert not np.allclose(small.close, other.close)


def test_start_price_and_joint_start_states(fitted):
    syn, df = fitted
    frame = syn.sample(n_paths=4, length=10, seed=0)
    first = frame[frame.date == frame.date.min()]
    # Each path's first open sits near a real close of the same day for both tickers (joint).
    sp = df[df.ticker == "SP500"].set_index("date").close
    nq = df[df.ticker == "NASDAQ"].set_index("date").close
    ratio = (nq / sp).to_numpy()
    f = first.pivot(index="path", columns="ticker", values="open")
    assert ((f.NASDAQ / f.SP500).between(ratio.min() * 0.8, ratio.max() * 1.2)).all()
    fixed = syn.sample(n_paths=2, length=5, seed=0, start_price=100.0)
    day1 = fixed[fixed.date == fixed.date.min()]
    assert day1.open.between(50, 200).all()


def test_save_load_roundtrip(tmp_path, fitted):
    syn, _ = fitted
    syn.save(tmp_path / "m")
    again = StockSynthesizer.load(tmp_path / "m")
    pd.testing.assert_frame_equal(syn.sample(4, 20, seed=5), again.sample(4, 20, seed=5))
    assert len(again.loss_history) == len(syn.loss_history) == 6
    assert {"step", "d_loss", "g_loss", "gp"} <= set(again.loss_history.columns)


def test_not_fitted_and_bad_settings():
    with pytest.raises(NotFittedError):
        StockSynthesizer().sample(1, 10)
    with pytest.raises(ConfigError, match="unknown setting"):
        StockSynthesizer(stepz=3)
    with pytest.raises(ConfigError, match="window must be at least 8"):
        StockSynthesizer(window=2)


def test_ddp_two_processes_stay_in_sync(tmp_path, sp500_csv):
    # Two gloo processes on CPU, each with its own data and noise; averaged gradients keep the
    # weights identical, which the loop checks by gathering every rank's weight digest.
    run = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29517",
           "-m", "synthgan", "stocks", "fit", "--data", str(sp500_csv), "--out", str(run), "--steps", "4", *TINY_SET]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads((run / "distributed.json").read_text())
    assert info["world_size"] == 2 and info["in_sync"] is True
    assert len(info["digests"]) == 2 and info["digests"][0] == info["digests"][1]
    assert StockSynthesizer.load(run).sample(2, 10).shape[0] == 20


def test_demo_runs_and_prints_facts(tmp_path, capsys):
    run = tmp_path / "demo"
    assert (
        main(
            ["demo", "--out", str(run), "--steps", "2", "--image-steps", "2", "--quiet", "--smoke"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "excess_kurtosis" in out and "acf_abs_r_1_10" in out
    frame = pd.read_csv(run / "stocks" / "synthetic.csv")
    assert frame.path.nunique() == 100 and len(frame) == 100 * 252
    from PIL import Image

    assert Image.open(run / "images" / "grid.png").size[0] > 300
    assert (run / "images" / "model" / "MANIFEST.sha256").exists()
    for part in ("stocks", "images"):
        assert (run / part / "eval" / "report.html").stat().st_size > 50_000
        assert str(run / part / "eval" / "report.html") in out


def test_ctrl_c_saves_and_exits_cleanly(tmp_path, sp500_csv):
    import signal
    import time

    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "synthgan", "stocks", "fit", "--data", str(sp500_csv), "--out", str(run), "--steps", "100000", *TINY_SET]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = run / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (metrics.exists() and metrics.stat().st_size > 0):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in out
    state = json.loads((run / "checkpoints" / "latest" / "state.json").read_text())
    assert state["step"] >= 1
    assert StockSynthesizer.load(run).sample(1, 5).shape[0] == 5


def test_sample_errors_exit_2(tmp_path, capsys):
    assert main(["stocks", "sample", str(tmp_path / "nope"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert (
        main(["stocks", "sample", str(tmp_path / "empty"), "--out", str(tmp_path / "x.csv")]) == 2
    )
    assert "config.json is missing" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_tampered_model_is_refused(tmp_path, fitted, capsys):
    syn, _ = fitted
    syn.save(tmp_path / "m")
    weights = tmp_path / "m" / "model" / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0x01
    weights.write_bytes(bytes(data))
    assert main(["stocks", "sample", str(tmp_path / "m"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "SHA-256" in capsys.readouterr().err
