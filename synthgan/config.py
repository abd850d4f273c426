"""Frozen configuration dataclasses, written in full to every run folder's config.json.

A pipeline's config groups the data settings, the model family's settings and the training
loop's settings. ``StockConfig.from_kwargs(steps=500, hidden=32)`` routes flat keyword arguments
to the group that owns them, so the Python API and the command line stay flat.
"""

from __future__ import annotations

import dataclasses
import json
import platform
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from synthgan.errors import ConfigError
from synthgan.images.models import DCGANConfig
from synthgan.stocks.models import TCNConfig
from synthgan.train import TrainConfig

T = TypeVar("T")


@dataclass(frozen=True)
class StockDataConfig:
    """How bars become training windows."""

    window: int = 128  # days per training window (the critic's view)
    holdout_fraction: float = 0.2  # the latest share of days, never trained on (for evaluation)


@dataclass(frozen=True)
class StockConfig:
    """Everything that defines a stock run."""

    data: StockDataConfig = field(default_factory=StockDataConfig)
    model: TCNConfig = field(default_factory=TCNConfig)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(steps=1500))

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> StockConfig:
        """Build from flat keyword arguments (``steps=``, ``window=``, ``hidden=`` ...)."""
        return _from_flat(cls, kwargs)

    def replace(self, **kwargs: Any) -> StockConfig:
        """A copy with some flat settings changed."""
        return _from_flat(type(self), kwargs, base=self)

    def validate(self) -> None:
        """Raise ConfigError naming every inconsistent setting."""
        problems = []
        if self.data.window < 8:
            problems.append(f"window must be at least 8 days, got {self.data.window}")
        if not 0 <= self.data.holdout_fraction < 0.9:
            problems.append(
                f"holdout_fraction must be in [0, 0.9), got {self.data.holdout_fraction}"
            )
        problems += _common_problems(self.train)
        if self.model.loss not in ("wgan_gp", "hinge", "nonsaturating"):
            problems.append(
                f"loss must be wgan_gp, hinge or nonsaturating, got {self.model.loss!r}"
            )
        if problems:
            raise ConfigError("invalid settings: " + "; ".join(problems))


@dataclass(frozen=True)
class ImageDataConfig:
    """Image size and conditioning."""

    size: int | None = None  # 28, 32 or 64 pixels; None: the data's own (32 if it is another)
    conditional: bool = False  # class-conditional generator and projection discriminator
    holdout_fraction: float = 0.2  # test split for evaluation, when the data has none of its own


@dataclass(frozen=True)
class ImageConfig:
    """Everything that defines an image run."""

    data: ImageDataConfig = field(default_factory=ImageDataConfig)
    model: DCGANConfig = field(default_factory=DCGANConfig)
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            steps=2000,
            lr_g=2e-4,
            lr_d=4e-4,  # TTUR: on conditional Fashion-MNIST this one change took the
            betas=(0.0, 0.9),  # within-class pixel std from 10 to 33 (real 50), FD 10.2 -> 5.2
            ema_beta=0.999,
            sample_every=500,
            precision="auto",
        )
    )

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> ImageConfig:
        """Build from flat keyword arguments (``steps=``, ``size=``, ``ngf=`` ...)."""
        return _from_flat(cls, kwargs)

    def replace(self, **kwargs: Any) -> ImageConfig:
        """A copy with some flat settings changed."""
        return _from_flat(type(self), kwargs, base=self)

    @classmethod
    def classic(cls, **kwargs: Any) -> ImageConfig:
        """The PyTorch DCGAN example's recipe: BCE loss, Adam 2e-4, beta1 0.5, batch 128, fp32.

        No spectral norm, augmentation, mode-seeking term, EMA generator, bf16 or channels_last.
        """
        base = {
            "loss": "nonsaturating",
            "spectral_norm": False,
            "diffaugment": False,
            "channels_last": False,
            "lr_g": 2e-4,
            "lr_d": 2e-4,
            "betas": (0.5, 0.999),
            "batch_size": 128,
            "ema_beta": 0.0,
            "mode_seeking": 0.0,
            "precision": "fp32",
        }
        return _from_flat(cls, {**base, **kwargs})

    def validate(self) -> None:
        """Raise ConfigError naming every inconsistent setting."""
        problems = _common_problems(self.train)
        if self.data.size not in (None, 28, 32, 64):
            problems.append(f"size must be 28, 32 or 64, got {self.data.size}")
        if self.model.mode_seeking is not None and not self.model.mode_seeking >= 0:
            problems.append(f"mode_seeking must be >= 0, got {self.model.mode_seeking}")
        if self.model.loss not in ("hinge", "nonsaturating"):
            problems.append(f"loss must be hinge or nonsaturating, got {self.model.loss!r}")
        if problems:
            raise ConfigError("invalid settings: " + "; ".join(problems))


def _common_problems(t: TrainConfig) -> list[str]:
    out = []
    if t.steps < 1:
        out.append(f"steps must be >= 1, got {t.steps}")
    if t.batch_size < 1:
        out.append(f"batch_size must be >= 1, got {t.batch_size}")
    if not 0 <= t.ema_beta < 1:
        out.append(f"ema_beta must be in [0, 1), got {t.ema_beta}")
    if t.lr_g <= 0 or t.lr_d <= 0:
        out.append("learning rates must be positive")
    if t.precision not in ("fp32", "bf16", "auto"):
        out.append(f"precision must be fp32, bf16 or auto, got {t.precision!r}")
    return out


def _from_flat(cls: type[T], kwargs: dict[str, Any], base: Any = None) -> T:
    base = base if base is not None else cls()
    groups = {f.name: getattr(base, f.name) for f in fields(cls)}
    owner = {}
    for gname, gval in groups.items():
        for f in fields(gval):
            owner[f.name] = gname
    updates: dict[str, dict[str, Any]] = {g: {} for g in groups}
    unknown = [k for k in kwargs if k not in owner]
    if unknown:
        raise ConfigError(
            f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(owner))}"
        )
    for k, v in kwargs.items():
        if isinstance(v, list):
            v = tuple(v)
        if isinstance(getattr(groups[owner[k]], k), tuple) and not isinstance(v, tuple):
            v = (v,)  # --set dilations=1 means a one-element tuple
        updates[owner[k]][k] = v
    return cls(**{g: dataclasses.replace(groups[g], **updates[g]) for g in groups})


def to_dict(cfg: Any) -> dict:
    """A config as a JSON-ready dict."""
    return dataclasses.asdict(cfg)


def from_dict(cls: type[T], d: dict) -> T:
    """Rebuild a nested config dataclass from :func:`to_dict`'s output."""
    kwargs = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        val = d[f.name]
        sub = getattr(cls(), f.name) if dataclasses.is_dataclass(cls) else None
        if dataclasses.is_dataclass(sub):
            val = from_dict(type(sub), val)
        elif isinstance(val, list):
            val = tuple(val)
        kwargs[f.name] = val
    return cls(**kwargs)


def versions() -> dict[str, str]:
    """Library versions recorded beside every config."""
    import numpy
    import pandas
    import torch

    import synthgan

    return {
        "synthgan": synthgan.__version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "python": platform.python_version(),
    }


def read_json(path: str | Path) -> dict:
    """Read a JSON file with a clear error when it is missing or broken."""
    from synthgan.errors import CheckpointError

    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(
            f"{path} is missing; is {path.parent} a synthgan run folder?"
        ) from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path} is not valid JSON ({exc})") from None
