"""Small helpers shared by tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as a user's CSV (ISO dates, no index) and return its path."""
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path


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


def check_in_chromium(report: Path, tmp_path: Path) -> int:
    """Open ``report`` in headless Chromium; assert every image loads and no JS error; return count."""
    page = report.read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", CHECK + "</body>"))
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()]  # fmt: skip
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r"images=(\d+) broken=(\d+) errors=(\d+)", dom)
    assert found, dom[-2000:]
    images, broken, errors = map(int, found.groups())
    assert images == page.count("<img")
    assert broken == 0 and errors == 0
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--window-size=1200,3000", f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120)  # fmt: skip
    assert shot.exists() and shot.stat().st_size > 50_000
    return images
