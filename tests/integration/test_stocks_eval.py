"""Evaluation end to end: CLI evaluate on a tiny real run, metrics.json, HTML report in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from synthgan.cli import main

from ..conftest import TINY_SET

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
CHECK = """<script>window.addEventListener('load', () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !i.complete || i.naturalWidth === 0).length;
  const d = document.createElement('div'); d.id = 'imgcheck';
  d.textContent = `images=${imgs.length} broken=${broken} errors=${window.__errors || 0}`;
  document.body.appendChild(d);
});
window.addEventListener('error', () => { window.__errors = (window.__errors || 0) + 1; });
</script>"""


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
    page = report.read_text()
    assert page.count("<figcaption>") >= 7
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", CHECK + "</body>"))
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()]  # fmt: skip
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"images=(\d+) broken=(\d+) errors=(\d+)", dom)
    assert found, dom[-2000:]
    images, broken, errors = map(int, found.groups())
    assert images == page.count("<img") and images >= 7
    assert broken == 0 and errors == 0
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--window-size=1200,3000", f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120)  # fmt: skip
    assert shot.exists() and shot.stat().st_size > 50_000
