"""Evaluation end to end: CLI evaluate on a tiny real run, metrics.json, HTML report in Chromium."""

from __future__ import annotations

import json

import pytest

from synthgan.cli import main

from .._helpers import CHROMIUM, check_in_chromium
from ..conftest import TINY_SET


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, sp500):
    tmp = tmp_path_factory.mktemp("eval")
    data = tmp / "spx.csv"
    sp500.iloc[-700:].drop(columns="ticker").to_csv(data, index=False, date_format="%Y-%m-%d")
    run = tmp / "run"
    assert (
        main(["stocks", "fit", "--data", str(data), "--out", str(run), "--steps", "6", *TINY_SET])
        == 0
    )
    report = tmp / "report.html"
    args = ["stocks", "evaluate", str(run), "--paths", "20", "--length", "60", "--repeats", "2", "--iterations", "40", "--report", str(report)]  # fmt: skip
    assert main(args) == 0
    return run, report


def test_metrics_json_has_every_part(evaluated):
    run, _ = evaluated
    res = json.loads((run / "eval" / "metrics.json").read_text())
    for key in ("facts", "curves", "emd", "feature_tests", "correlation", "discriminative", "predictive", "utility", "privacy", "headline", "projection"):  # fmt: skip
        assert key in res, key
    assert set(res["headline"]) == {"real (holdout)", "synthgan", "garch", "bootstrap"}
    assert len(res["curves"]["synthgan"]["acf_abs_r"]) == 50
    assert len(res["discriminative"]["synthgan"]["scores"]) == 2
    assert res["privacy"]["bootstrap"]["exact_copies"] > res["privacy"]["synthgan"]["exact_copies"]


def test_unknown_baseline_exits_2(evaluated, capsys):
    run, _ = evaluated
    assert main(["stocks", "evaluate", str(run), "--baselines", "lstm"]) == 2
    assert "unknown baseline" in capsys.readouterr().err


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_report_renders_in_headless_chromium(evaluated, tmp_path):
    _, report = evaluated
    assert report.read_text().count("<figcaption>") >= 7
    assert check_in_chromium(report, tmp_path) >= 7
