"""StockSynthesizer: fit a GAN on daily bars, sample whole price paths, save and load.

syn = StockSynthesizer(steps=1500, seed=0).fit(df)
paths = syn.sample(n_paths=100, length=252, seed=1)   # path, date, ticker, open..volume
syn.save("runs/sp500"); syn = StockSynthesizer.load("runs/sp500")
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from synthgan import checkpoint as ckpt
from synthgan import runs
from synthgan.config import StockConfig, from_dict, read_json, to_dict
from synthgan.errors import ConfigError, NotFittedError
from synthgan.stocks import data as sdata
from synthgan.stocks.features import FeatureScaler, bars_to_features, features_to_bars, windows
from synthgan.stocks.models import TCNGAN, Generator
from synthgan.train import TrainResult, is_main_process, training_loop

CHUNK = 64  # paths generated per forward pass; fixed so path i never depends on n_paths


def _seeded_family(channels: int, nonneg: list[bool], cfg: StockConfig, unscale=None) -> TCNGAN:
    with torch.random.fork_rng(devices=[]):  # seed weight init without touching global RNG state
        torch.manual_seed(cfg.train.seed)
        return TCNGAN(channels, nonneg, cfg.model, unscale=unscale)


def _fingerprint(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()[:16]


def split_holdout(
    panel: sdata.Panel, holdout_fraction: float
) -> tuple[sdata.Panel, sdata.Panel | None]:
    """Split bars by date: the first (1 - f) of days to train on, the rest held out."""
    n_hold = int(round(len(panel.dates) * holdout_fraction))
    if n_hold == 0:
        return panel, None
    cut = len(panel.dates) - n_hold
    train = sdata.Panel(panel.dates[:cut], panel.tickers, panel.bars[:cut])
    hold = sdata.Panel(panel.dates[cut:], panel.tickers, panel.bars[cut:])
    return train, hold


class StockSynthesizer:
    """Synthetic daily OHLCV paths of one or several tickers, modelled jointly."""

    def __init__(self, config: StockConfig | None = None, **kwargs: Any) -> None:
        self.config = (
            (config or StockConfig()).replace(**kwargs) if kwargs else (config or StockConfig())
        )
        self.config.validate()
        self.generator: Generator | None = None
        self.scaler: FeatureScaler | None = None
        self.preprocess: dict | None = None
        self.result: TrainResult | None = None
        self._history: list[dict] = []

    # ----------------------------------------------------------------------------------- fit
    def prepare(self, df: pd.DataFrame, source: str = "data") -> tuple[sdata.Panel, np.ndarray]:
        """Validate bars, fit the scaler and build scaled training windows (N, C, window); writes no files."""
        df = df if _is_canonical(df) else sdata.validate(df, source=source)
        panel = sdata.to_panel(df)
        window = self.config.data.window
        min_rows = int(np.ceil((window + 2) / (1 - self.config.data.holdout_fraction)))
        sdata.check_length(panel, min_rows, source)
        train, hold = split_holdout(panel, self.config.data.holdout_fraction)
        feats = bars_to_features(train.bars).reshape(len(train.dates) - 1, -1)
        self.scaler = FeatureScaler.fit(feats)
        scaled = self.scaler.transform(feats).astype(np.float32)
        self.preprocess = {
            "features": ["r", "gap", "up", "down", "dvol"],
            "tickers": list(panel.tickers),
            "scaler": self.scaler.to_dict(),
            "train_dates": [str(d.date()) for d in train.dates],
            "holdout_start": str(hold.dates[0].date()) if hold is not None else None,
            "start_close": train.bars[:, :, 3].tolist(),
            "start_volume": train.bars[:, :, 4].tolist(),
            "train_fingerprint": _fingerprint(scaled),
            "source": source,
        }
        return panel, windows(scaled, window).transpose(0, 2, 1).copy()

    def fit(
        self,
        df: pd.DataFrame,
        run_dir: str | Path | None = None,
        resume: bool = False,
        source: str = "data",
    ) -> StockSynthesizer:
        """Train on a frame of daily bars (see :mod:`synthgan.stocks.data` for the format).

        With ``run_dir`` the run folder gets config.json, preprocess.json, metrics.jsonl,
        checkpoints/ and model/; ``resume`` continues the run found there.
        """
        _, win = self.prepare(df, source)
        if run_dir is not None:
            run_dir = Path(run_dir)
            self._check_run_dir(run_dir, resume)
        family = _seeded_family(
            win.shape[1], self.scaler.nonnegative, self.config, self.scaler.torch_inverse()
        )
        if run_dir is not None and is_main_process():
            runs.write_config(run_dir, "stocks", self.config, self.preprocess)
        g_ema, self.result = training_loop(
            family, torch.from_numpy(win), self.config.train, run_dir=run_dir, resume=resume
        )
        self.generator = g_ema.cpu().eval()
        self._history = self.result.history
        if run_dir is not None and is_main_process():
            self.save(run_dir)
        return self

    def _check_run_dir(self, run_dir: Path, resume: bool) -> None:
        runs.check_new_or_resume(run_dir, resume)
        if resume:  # the same data and settings, except how long and where to train
            old = read_json(run_dir / "preprocess.json")
            if old.get("train_fingerprint") != self.preprocess["train_fingerprint"]:
                raise ConfigError(
                    f"--resume: the data differ from the data {run_dir} was trained on"
                )
            saved = from_dict(StockConfig, read_json(run_dir / "config.json"))
            keep = {
                "steps",
                "max_minutes",
                "progress",
                "device",
                "log_every",
                "checkpoint_every",
                "sample_every",
            }
            mine, theirs = to_dict(self.config), to_dict(saved)
            diff = [
                f"{g}.{k}"
                for g in mine
                for k in mine[g]
                if k not in keep and mine[g][k] != theirs[g][k]
            ]
            if diff:
                raise ConfigError(
                    f"--resume: settings differ from the run's config.json: {', '.join(diff)}"
                )

    # -------------------------------------------------------------------------------- sample
    def sample(
        self,
        n_paths: int,
        length: int,
        seed: int = 0,
        start_date: str | pd.Timestamp | None = None,
        start_price: float | list[float] | None = None,
        start_volume: float | list[float] | None = None,
    ) -> pd.DataFrame:
        """Generate ``n_paths`` paths of ``length`` business days as a long frame.

        Columns: path, date, ticker, open, high, low, close, volume. Path i of seed s is the same
        whatever ``n_paths`` is. Start states (close and volume of one real training day, drawn
        jointly) are drawn per path unless ``start_price``/``start_volume`` are given.
        """
        if self.generator is None or self.scaler is None:
            raise NotFittedError("call fit() or StockSynthesizer.load() before sample()")
        if n_paths < 1 or length < 1:
            raise ConfigError(f"n_paths and length must be >= 1, got {n_paths} and {length}")
        bars = self.sample_bars(n_paths, length, seed, start_price, start_volume)  # (N, L, K, 5)
        if start_date is None:
            start_date = pd.Timestamp(self.preprocess["train_dates"][-1]) + pd.offsets.BDay(1)
        return bars_to_frame(bars, self.preprocess["tickers"], start_date)

    def sample_bars(
        self,
        n_paths: int,
        length: int,
        seed: int = 0,
        start_price: Any = None,
        start_volume: Any = None,
    ) -> np.ndarray:
        """Generated bars as an array (n_paths, length, K, 5) of (O, H, L, C, V)."""
        G = self.generator
        K = len(self.preprocess["tickers"])
        closes = np.asarray(self.preprocess["start_close"])
        volumes = np.asarray(self.preprocess["start_volume"])
        z = np.empty((n_paths, G.noise_dim, length + G.rf - 1), np.float32)
        c0, v0 = np.empty((n_paths, K)), np.empty((n_paths, K))
        for i in range(n_paths):  # one RNG per path, seeded by (seed, i)
            rng = np.random.default_rng([seed, i])
            day = rng.integers(len(closes))
            c0[i], v0[i] = closes[day], volumes[day]
            gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
            z[i] = torch.randn(G.noise_dim, length + G.rf - 1, generator=gen).numpy()
        if start_price is not None:
            c0[:] = np.broadcast_to(np.asarray(start_price, float), (K,))
        if start_volume is not None:
            v0[:] = np.broadcast_to(np.asarray(start_volume, float), (K,))
        out = []
        with torch.no_grad():
            for s in range(0, n_paths, CHUNK):
                chunk = torch.from_numpy(z[s : s + CHUNK])
                pad = CHUNK - len(chunk)
                if pad:  # same batch shape every time -> same kernels -> bit-identical paths
                    chunk = torch.cat([chunk, chunk.new_zeros(pad, *chunk.shape[1:])])
                out.append(G(chunk)[: CHUNK - pad].double().numpy())
        scaled = np.concatenate(out).transpose(0, 2, 1)  # (N, L, C)
        feats = self.scaler.inverse(scaled, clip=True).reshape(n_paths, length, K, 5)
        return features_to_bars(feats, c0, v0)

    # ----------------------------------------------------------------------- save / load
    @property
    def loss_history(self) -> pd.DataFrame:
        """One row per logged training step: step, seconds, losses, gradient norms."""
        return pd.DataFrame(self._history)

    def save(self, directory: str | Path) -> None:
        """Write config.json, preprocess.json and model/ (EMA generator, safetensors)."""
        if self.generator is None:
            raise NotFittedError("nothing to save: call fit() first")
        state = {"channels": len(self.scaler.loc), "history": self._history}
        runs.save_model(directory, "stocks", self.config, self.preprocess, self.generator, state)

    @classmethod
    def load(cls, directory: str | Path) -> StockSynthesizer:
        """Load a saved synthesizer or a run folder, on CPU; verifies the SHA-256 manifest."""
        cfg, meta, tensors, state = runs.read_model(directory, "stocks")
        syn = cls(from_dict(StockConfig, cfg))
        syn.preprocess = meta
        syn.scaler = FeatureScaler.from_dict(meta["scaler"])
        syn.generator = Generator(state["channels"], syn.scaler.nonnegative, syn.config.model)
        ckpt.load_module("G_ema", syn.generator, tensors)
        syn.generator.eval()
        syn._history = state.get("history", [])
        return syn


def bars_to_frame(
    bars: np.ndarray, tickers: list[str] | tuple[str, ...], start_date: Any
) -> pd.DataFrame:
    """(N, L, K, 5) bars -> long frame: path, date, ticker, open, high, low, close, volume."""
    n, length, k = bars.shape[:3]
    dates = pd.bdate_range(start=pd.Timestamp(start_date), periods=length)
    frame = pd.DataFrame(
        {
            "path": np.repeat(np.arange(n), length * k),
            "date": np.tile(np.repeat(dates.values, k), n),
            "ticker": np.tile(np.asarray(tickers, dtype=object), n * length),
        }
    )
    for i, col in enumerate(sdata.BAR_COLUMNS):
        frame[col] = bars[..., i].reshape(-1)
    frame["volume"] = np.rint(frame["volume"]).astype(np.int64)  # shares are whole numbers
    return frame


def _is_canonical(df: pd.DataFrame) -> bool:
    return (
        list(df.columns) == ["date", "ticker", *sdata.BAR_COLUMNS] and df["date"].dtype.kind == "M"
    )


def write_frame(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame to CSV or Parquet (by extension) atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ConfigError(f"output must end in .csv or .parquet, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
