"""Shared fixtures: small slices of the real embedded bars and a tiny model configuration."""

from __future__ import annotations

import pandas as pd
import pytest

from synthgan.stocks.data import load_embedded

# A tiny TCN (receptive field 8 days) that trains in seconds on two CPU cores.
TINY = {
    "window": 24,
    "hidden": 8,
    "critic_hidden": 8,
    "dilations": (1, 2, 4),
    "batch_size": 8,
    "steps": 6,
    "log_every": 1,
    "checkpoint_every": 3,
    "progress": False,
    "device": "cpu",
}
TINY_SET = [
    "--set", "hidden=8", "--set", "critic_hidden=8", "--set", "dilations=1,2,4",
    "--window", "24", "--batch-size", "8", "--set", "log_every=1", "--set", "checkpoint_every=3",
    "--device", "cpu", "--quiet",
]  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Feature networks trained by tests are cached in a temporary folder, never in ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SYNTHGAN_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def sp500() -> pd.DataFrame:
    """The embedded S&P 500 bars, 1999-2018 (validated, canonical long frame)."""
    return load_embedded("sp500")


@pytest.fixture(scope="session")
def sp500_small(sp500: pd.DataFrame) -> pd.DataFrame:
    """The last 300 trading days of 2018 and before."""
    return sp500.iloc[-300:].reset_index(drop=True)


@pytest.fixture
def sp500_csv(tmp_path, sp500_small: pd.DataFrame):
    """sp500_small written as a user's CSV (Yahoo-style headers)."""
    path = tmp_path / "spx.csv"
    out = sp500_small.drop(columns="ticker").rename(columns=str.title)
    out.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path
