"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a frame as a user's CSV (ISO dates, no index) and return its path."""
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path
