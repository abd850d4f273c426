"""Load daily OHLCV bars and validate them, reporting every problem at once.

Sources: the embedded S&P 500 and NASDAQ daily bars of ``arch`` (1999-2018), a CSV or Parquet file
(long format with a ``ticker`` column for several tickers), or ``yahoo:AAPL,MSFT`` through the
optional ``yfinance`` extra. Every loader returns the canonical long frame::

    date (datetime64), ticker (str), open, high, low, close, volume (float64)

sorted by ticker then date, prices split/dividend-adjusted when an ``Adj Close`` column is given.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.errors import DataValidationError

PRICE_COLUMNS = ("open", "high", "low", "close")
BAR_COLUMNS = (*PRICE_COLUMNS, "volume")
EMBEDDED = ("sp500", "nasdaq")
MAX_LISTED = 5  # rows listed per problem before "and N more"

# Normalised header (lower case, letters and digits only) -> canonical column.
_ALIASES = {
    "date": "date",
    "datetime": "date",
    "timestamp": "date",
    "time": "date",
    "day": "date",
    "ticker": "ticker",
    "symbol": "ticker",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "volume": "volume",
    "vol": "volume",
}


@dataclass(frozen=True)
class Panel:
    """Bars of K tickers on T common dates as one array ``bars[t, k, :] = (O, H, L, C, V)``."""

    dates: pd.DatetimeIndex
    tickers: tuple[str, ...]
    bars: np.ndarray  # (T, K, 5) float64


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _rows(mask: np.ndarray, dates: pd.Series | None, line_offset: int) -> str:
    """Name the offending rows: file line numbers and dates, the first few then a count."""
    idx = np.flatnonzero(mask)
    parts = []
    for i in idx[:MAX_LISTED]:
        where = f"row {i + line_offset}"
        if dates is not None and not pd.isna(dates.iloc[i]):
            where += f" ({pd.Timestamp(dates.iloc[i]).date()})"
        parts.append(where)
    more = f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else ""
    return ", ".join(parts) + more


def load_embedded(name: str) -> pd.DataFrame:
    """Daily OHLCV of ``sp500`` or ``nasdaq`` (1999-2018) as shipped by the ``arch`` package."""
    if name == "sp500":
        from arch.data import sp500 as module
    elif name == "nasdaq":
        from arch.data import nasdaq as module
    else:
        raise DataValidationError(f"unknown embedded data set {name!r}; choose one of {EMBEDDED}")
    raw = module.load().reset_index()
    raw.insert(1, "ticker", name.upper())
    return validate(raw, source=f"embedded:{name}")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file as strings-or-numbers, with clear errors for unreadable files."""
    path = Path(path)
    if not path.exists():
        raise DataValidationError("file not found", source=str(path))
    if path.stat().st_size == 0:
        raise DataValidationError("file is empty", source=str(path))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            raise DataValidationError(
                f"not a readable Parquet file ({exc})", source=str(path)
            ) from None
    if suffix not in (".csv", ".txt", ".tsv"):
        raise DataValidationError(
            f"unsupported file type {suffix!r}; give a .csv or .parquet file", source=str(path)
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8",
            source=str(path),
        ) from None
    if not text.strip():
        raise DataValidationError("file is empty", source=str(path))
    from io import StringIO

    sep = "\t" if suffix == ".tsv" else ","
    try:
        return pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise DataValidationError(f"not a readable CSV file ({exc})", source=str(path)) from None


def load_file(path: str | Path) -> pd.DataFrame:
    """Load and validate a CSV or Parquet file of daily bars (long format when several tickers)."""
    return validate(read_table(path), source=str(path), line_offset=2)


def load_yahoo(
    tickers: list[str], start: str = "2000-01-01", end: str | None = None
) -> pd.DataFrame:
    """Download daily bars with ``yfinance`` (optional extra ``synthgan[yahoo]``; needs internet)."""
    try:
        import yfinance as yf
    except ImportError:
        raise DataValidationError(
            "yahoo: data needs the optional extra: pip install 'synthgan[yahoo]'"
        ) from None
    try:
        raw = yf.download(
            tickers, start=start, end=end, auto_adjust=False, progress=False, group_by="ticker"
        )
    except Exception as exc:
        raise DataValidationError(
            f"could not download {tickers} from Yahoo Finance ({exc}); are you online?"
        ) from None
    if raw is None or len(raw) == 0:
        raise DataValidationError(
            f"Yahoo Finance returned no data for {tickers}; check the symbols and that you are online"
        )
    return validate(yahoo_to_long(raw, tickers), source="yahoo:" + ",".join(tickers))


def yahoo_to_long(raw: pd.DataFrame, tickers: list[str]) -> pd.DataFrame:
    """Turn yfinance's wide frame (one column level per ticker) into the long input format."""
    frames = []
    for t in tickers:
        if isinstance(raw.columns, pd.MultiIndex):
            level = 0 if t in raw.columns.get_level_values(0) else 1
            if t not in raw.columns.get_level_values(level):
                raise DataValidationError(f"Yahoo Finance returned nothing for ticker {t!r}")
            sub = raw.xs(t, axis=1, level=level)
        else:
            sub = raw
        sub = sub.dropna(how="all").reset_index()
        sub.insert(1, "ticker", t)
        frames.append(sub)
    return pd.concat(frames, ignore_index=True)


def load_data(spec: str) -> pd.DataFrame:
    """Load bars from a spec: ``sp500``, ``nasdaq``, ``sp500,nasdaq``, a file, or ``yahoo:A,B``."""
    if spec.startswith("yahoo:"):
        tickers = [t.strip().upper() for t in spec[len("yahoo:") :].split(",") if t.strip()]
        if not tickers:
            raise DataValidationError("yahoo: needs at least one ticker, e.g. yahoo:AAPL,MSFT")
        return load_yahoo(tickers)
    names = [s.strip() for s in spec.split(",")]
    if all(n in EMBEDDED for n in names):
        frames = [load_embedded(n) for n in names]
        return validate(pd.concat(frames, ignore_index=True), source=f"embedded:{spec}")
    if (
        Path(spec).suffix.lower() in (".csv", ".parquet", ".pq", ".txt", ".tsv")
        or Path(spec).exists()
    ):
        return load_file(spec)
    raise DataValidationError(
        f"unknown data {spec!r}: give sp500, nasdaq, a .csv/.parquet file or yahoo:TICKER,..."
    )


def validate(
    df: pd.DataFrame, source: str = "data", line_offset: int = 0, min_rows: int = 0
) -> pd.DataFrame:
    """Check a frame of bars and return the canonical long frame; raise listing every problem.

    ``line_offset`` turns 0-based row positions into the numbers a user sees (2 for a CSV file:
    header on line 1). ``min_rows`` is the fewest dates each ticker must have.
    """
    problems: list[str] = []
    if df is None or len(df) == 0:
        raise DataValidationError(
            "no rows of data (the file is empty or has only a header)", source
        )
    df = df.copy()
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    # Match column names case-insensitively with the usual variants.
    rename: dict[object, str] = {}
    for col in df.columns:
        canon = _ALIASES.get(_norm(col))
        if canon and canon not in rename.values():
            rename[col] = canon
    df = df.rename(columns=rename)
    required = ["date", *BAR_COLUMNS]
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns))
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)} (found: {found}); expected Date, Open, High, "
            "Low, Close, Volume, optional Adj Close and Ticker",
            source,
        )
    if "ticker" not in df.columns:
        df["ticker"] = "SERIES"
    df["ticker"] = df["ticker"].astype(str).str.strip()
    dates_raw = df["date"]
    dates = (
        pd.to_datetime(dates_raw, errors="coerce", format="mixed")
        if dates_raw.dtype == object
        else pd.to_datetime(dates_raw, errors="coerce")
    )
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    bad_date = dates.isna().to_numpy()
    if bad_date.any():
        problems.append(f"column date: unreadable date(s) at {_rows(bad_date, None, line_offset)}")
    df["date"] = dates.dt.normalize()

    numeric_cols = [*BAR_COLUMNS] + (["adj_close"] if "adj_close" in df.columns else [])
    values: dict[str, np.ndarray] = {}
    for col in numeric_cols:
        raw = df[col]
        num = pd.to_numeric(raw, errors="coerce")
        blank = (
            raw.astype(str).str.strip().isin(["", "nan", "NaN", "NA", "null", "None"]).to_numpy()
        )
        non_numeric = num.isna().to_numpy() & ~blank & raw.notna().to_numpy()
        if non_numeric.any():
            problems.append(
                f"column {col}: non-numeric value(s) at {_rows(non_numeric, df['date'], line_offset)}"
            )
        arr = num.to_numpy(dtype=float)
        missing_v = np.isnan(arr) & ~non_numeric
        if missing_v.any():
            problems.append(
                f"column {col}: missing (NaN) value(s) at {_rows(missing_v, df['date'], line_offset)}"
            )
        inf = np.isinf(arr)
        if inf.any():
            problems.append(
                f"column {col}: infinite value(s) at {_rows(inf, df['date'], line_offset)}"
            )
        values[col] = arr
    finite = {c: np.isfinite(v) for c, v in values.items()}
    for col in [*PRICE_COLUMNS] + (["adj_close"] if "adj_close" in values else []):
        bad = finite[col] & (values[col] <= 0)
        if bad.any():
            problems.append(
                f"column {col}: non-positive price(s) at {_rows(bad, df['date'], line_offset)}"
            )
    bad = finite["volume"] & (values["volume"] < 0)
    if bad.any():
        problems.append(f"column volume: negative volume at {_rows(bad, df['date'], line_offset)}")
    o, h, lo, c = (values[k] for k in PRICE_COLUMNS)
    ok = finite["open"] & finite["high"] & finite["low"] & finite["close"]
    with np.errstate(invalid="ignore"):
        bad = ok & (h < np.maximum(o, c))
        if bad.any():
            problems.append(
                f"column high: High < max(Open, Close) at {_rows(bad, df['date'], line_offset)}"
            )
        bad = ok & (lo > np.minimum(o, c))
        if bad.any():
            problems.append(
                f"column low: Low > min(Open, Close) at {_rows(bad, df['date'], line_offset)}"
            )

    # Dates: per ticker, no duplicates; unsorted is fixed with a warning; common date range.
    order_fixed = False
    ranges: dict[str, tuple[pd.Timestamp, pd.Timestamp, int]] = {}
    for ticker, pos in df.groupby("ticker", sort=True).indices.items():
        d = df["date"].iloc[pos]
        valid = d.notna()
        dup = d.duplicated(keep=False).to_numpy() & valid.to_numpy()
        if dup.any():
            sub = np.zeros(len(df), bool)
            sub[pos[dup]] = True
            problems.append(
                f"ticker {ticker}: duplicated date(s) at {_rows(sub, df['date'], line_offset)}"
            )
        if not d[valid].is_monotonic_increasing:
            order_fixed = True
        if valid.any():
            ranges[ticker] = (d[valid].min(), d[valid].max(), int(valid.sum()))
        if int(valid.sum()) < max(min_rows, 2):
            problems.append(
                f"ticker {ticker}: only {int(valid.sum())} rows; at least {max(min_rows, 2)} are "
                "needed for the training window"
            )
    if len(ranges) > 1:
        common = max(ranges.values(), key=lambda r: r[2])
        for ticker, (lo_d, hi_d, n) in ranges.items():
            if (lo_d, hi_d, n) != common:
                problems.append(
                    f"ticker {ticker}: dates {lo_d.date()}..{hi_d.date()} ({n} rows) differ from "
                    f"the other tickers' {common[0].date()}..{common[1].date()} ({common[2]} rows); "
                    "tickers are modelled jointly and need the same trading days"
                )
    if problems:
        raise DataValidationError(problems, source)
    if order_fixed:
        warnings.warn(f"{source}: dates were not sorted; sorted them", UserWarning, stacklevel=2)

    out = pd.DataFrame({"date": df["date"], "ticker": df["ticker"]})
    factor = values["adj_close"] / values["close"] if "adj_close" in values else 1.0
    for col in PRICE_COLUMNS:
        out[col] = values[col] * factor
    out["volume"] = values["volume"]
    out = out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
    if len(ranges) > 1:  # same dates per ticker (checked above), same order
        first = out.loc[out.ticker == out.ticker.iloc[0], "date"].to_numpy()
        for t in ranges:
            if not np.array_equal(out.loc[out.ticker == t, "date"].to_numpy(), first):
                raise DataValidationError(
                    f"ticker {t}: trading days differ from ticker {out.ticker.iloc[0]}; "
                    "tickers are modelled jointly and need the same trading days",
                    source,
                )
    return out


def to_panel(df: pd.DataFrame) -> Panel:
    """Reshape a validated long frame into a (T, K, 5) array of bars on common dates."""
    tickers = tuple(sorted(df["ticker"].unique()))
    blocks = [df.loc[df.ticker == t, list(BAR_COLUMNS)].to_numpy(float) for t in tickers]
    dates = pd.DatetimeIndex(df.loc[df.ticker == tickers[0], "date"])
    return Panel(dates=dates, tickers=tickers, bars=np.stack(blocks, axis=1))


def check_length(panel: Panel, min_rows: int, source: str = "data") -> None:
    """Raise if there are too few dates to cut even one training window."""
    if len(panel.dates) < min_rows:
        raise DataValidationError(
            f"only {len(panel.dates)} trading days; at least {min_rows} are needed for the "
            "training window and holdout (use more data or a smaller --window)",
            source,
        )
