"""Loading and validation: every bad input named (file, column, row) and nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.cli import main
from synthgan.errors import DataValidationError
from synthgan.stocks.data import load_data, load_file, validate, yahoo_to_long

from ..._helpers import write_csv  # noqa: TID252


def test_embedded_sp500_and_nasdaq_jointly():
    df = load_data("sp500,nasdaq")
    assert set(df.ticker) == {"SP500", "NASDAQ"}
    assert list(df.columns) == ["date", "ticker", "open", "high", "low", "close", "volume"]
    assert len(df) == 2 * 5031


def test_header_variants_and_adj_close(tmp_path, sp500_small):
    # Setup: lower/upper case, "Adj Close" with a 2:1 split factor applied to all prices.
    raw = sp500_small.drop(columns="ticker").rename(
        columns={
            "date": "DATE",
            "open": "Open",
            "high": "HIGH",
            "low": "low",
            "close": "Close",
            "volume": "Volume",
        }
    )
    raw["Adj Close"] = raw["Close"] / 2
    path = write_csv(tmp_path / "x.csv", raw)
    # Run
    df = load_file(path)
    # Assert: adjusted by Adj Close / Close.
    assert np.allclose(df.close, sp500_small.close / 2)
    assert np.allclose(df.high, sp500_small.high / 2)
    raw2 = raw.rename(columns={"Adj Close": "adj_close"})
    assert np.allclose(load_file(write_csv(tmp_path / "y.csv", raw2)).open, sp500_small.open / 2)


def test_every_problem_is_reported_at_once(tmp_path, sp500_small):
    raw = sp500_small.drop(columns="ticker").copy()
    raw = raw.astype({"open": object, "volume": object})
    raw.loc[3, "open"] = "abc"  # non-numeric
    raw.loc[5, "close"] = np.nan  # missing
    raw.loc[7, "high"] = np.inf  # infinite
    raw.loc[9, "low"] = -1.0  # non-positive (and Low <= min is fine)
    raw.loc[11, "volume"] = -5  # negative volume
    raw.loc[13, "high"] = raw.loc[13, "low"] * 0.5  # High < max(Open, Close)
    raw.loc[15, "low"] = raw.loc[15, "high"] * 2  # Low > min(Open, Close)
    raw.loc[17, "date"] = raw.loc[16, "date"]  # duplicated date
    path = write_csv(tmp_path / "bad.csv", raw)
    with pytest.raises(DataValidationError) as info:
        load_file(path)
    msg = str(info.value)
    assert str(path) in msg
    expected = [
        "column open: non-numeric value(s) at row 5",  # CSV line = index + 2
        "column close: missing (NaN) value(s) at row 7",
        "column high: infinite value(s) at row 9",
        "column low: non-positive price(s) at row 11",
        "column volume: negative volume at row 13",
        "column high: High < max(Open, Close) at row 15",
        "column low: Low > min(Open, Close) at row 17",
        "duplicated date(s) at row 18",
    ]
    for text in expected:
        assert text in msg, text
    assert len(info.value.problems) >= len(expected)


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("empty", "file is empty"),
        ("header_only", "no rows of data"),
        ("missing_cols", "missing column(s) high, volume"),
        ("latin1", "not UTF-8 text"),
        ("too_few", "at least"),
        ("bad_date", "unreadable date(s) at row 4"),
        ("ranges", "ticker B: dates"),
        ("parquet_garbage", "not a readable Parquet file"),
        ("unknown_ext", "unsupported file type"),
    ],
)
def test_bad_file_cli_exits_2_and_writes_nothing(tmp_path, sp500_small, capsys, case, needle):
    # Setup: one broken input file per case.
    raw = sp500_small.drop(columns="ticker")
    path = tmp_path / "in.csv"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "header_only":
        path.write_text("Date,Open,High,Low,Close,Volume\n")
    elif case == "missing_cols":
        write_csv(path, raw.drop(columns=["high", "volume"]))
    elif case == "latin1":
        path.write_bytes(
            "Date,Open,High,Low,Close,Volume\n2018-01-02,1,2,0.5,1.5,10 \xe9\n".encode("latin-1")
        )
    elif case == "too_few":
        write_csv(path, raw.iloc[:20])
    elif case == "bad_date":
        bad = raw.astype({"date": object})
        bad.loc[2, "date"] = "not a date"
        write_csv(path, bad)
    elif case == "ranges":
        a = sp500_small.assign(ticker="A")
        b = sp500_small.iloc[50:].assign(ticker="B")
        write_csv(path, pd.concat([a, b]))
    elif case == "parquet_garbage":
        path = tmp_path / "in.parquet"
        path.write_bytes(b"this is not parquet")
    elif case == "unknown_ext":
        path = tmp_path / "in.xlsx"
        path.write_bytes(b"PK")
    out = tmp_path / "run"
    # Run
    code = main(["stocks", "fit", "--data", str(path), "--out", str(out), "--quiet"])
    # Assert: exit 2, the message names the problem, no traceback, no run folder.
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_unsorted_dates_are_sorted_with_a_warning(tmp_path, sp500_small):
    path = write_csv(
        tmp_path / "shuffled.csv", sp500_small.drop(columns="ticker").sample(frac=1, random_state=0)
    )
    with pytest.warns(UserWarning, match="not sorted"):
        df = load_file(path)
    assert df.date.is_monotonic_increasing
    assert np.allclose(df.close.to_numpy(), sp500_small.close.to_numpy())


def test_parquet_and_long_format(tmp_path, sp500_small):
    two = pd.concat([sp500_small.assign(ticker="AAA"), sp500_small.assign(ticker="BBB")])
    path = tmp_path / "two.parquet"
    two.rename(columns={"ticker": "Symbol"}).to_parquet(path)
    df = load_file(path)
    assert sorted(df.ticker.unique()) == ["AAA", "BBB"]
    assert len(df) == 600


def test_yahoo_offline_parts():
    # The wide frame yfinance returns (ticker, field) columns -> long format -> validated.
    dates = pd.bdate_range("2020-01-01", periods=5, name="Date")
    fields = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
    cols = pd.MultiIndex.from_product([["AAPL", "MSFT"], fields])
    base = np.array([10, 11, 9, 10.5, 10.5, 1000.0])
    raw = pd.DataFrame(np.tile(base, (5, 2)), index=dates, columns=cols)
    df = validate(yahoo_to_long(raw, ["AAPL", "MSFT"]))
    assert sorted(df.ticker.unique()) == ["AAPL", "MSFT"] and len(df) == 10
    with pytest.raises(DataValidationError, match="nothing for ticker 'GOOG'"):
        yahoo_to_long(raw, ["GOOG"])


def test_yahoo_without_yfinance_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "yfinance", None)  # import fails as if not installed
    with pytest.raises(DataValidationError, match=r"pip install 'synthgan\[yahoo\]'"):
        load_data("yahoo:AAPL")
