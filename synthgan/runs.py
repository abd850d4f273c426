"""The run folder shared by every pipeline: what a saved model is, and run-folder checks.

RUN/config.json       {"pipeline": ..., every setting, "versions": ...}
RUN/preprocess.json   what the pipeline needs to turn generator output back into data
RUN/model/            the EMA generator (safetensors + JSON + SHA-256 manifest)
RUN/checkpoints/      full training state for --resume (see synthgan.train)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from synthgan import checkpoint as ckpt
from synthgan.config import read_json, to_dict, versions
from synthgan.errors import ConfigError


def has_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` already holds a checkpoint or a saved model."""
    latest = run_dir / "checkpoints" / "latest"
    return (
        latest.exists() or latest.with_name("latest.old").exists() or (run_dir / "model").exists()
    )


def check_new_or_resume(run_dir: Path, resume: bool) -> None:
    """Refuse to overwrite a run without --resume, and to resume a run that is not there."""
    if resume and not has_run(run_dir):
        raise ConfigError(f"--resume: no checkpoint in {run_dir}; start a new run without --resume")
    if not resume and has_run(run_dir):
        raise ConfigError(
            f"{run_dir} already holds a run; use --resume to continue it or choose another --out"
        )


def write_config(directory: Path, pipeline: str, config: Any, meta: dict) -> None:
    """config.json (every setting, library versions) and preprocess.json."""
    directory.mkdir(parents=True, exist_ok=True)
    ckpt.write_json(
        directory / "config.json", {"pipeline": pipeline, **to_dict(config), "versions": versions()}
    )
    ckpt.write_json(directory / "preprocess.json", meta)


def save_model(
    directory: str | Path,
    pipeline: str,
    config: Any,
    meta: dict,
    generator: torch.nn.Module,
    state: dict,
) -> None:
    """Write a loadable model: config.json, preprocess.json and model/ (the EMA generator)."""
    directory = Path(directory)
    write_config(directory, pipeline, config, meta)
    ckpt.save_checkpoint(directory / "model", ckpt.module_tensors("G_ema", generator), state)


def read_model(
    directory: str | Path, pipeline: str
) -> tuple[dict, dict, dict[str, torch.Tensor], dict]:
    """(config dict, preprocess dict, generator tensors, state) of a saved model, verified."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(
            f"{directory} is not a folder; give a run folder made by `synthgan {pipeline} fit`"
        )
    cfg = read_json(directory / "config.json")
    if cfg.get("pipeline", pipeline) != pipeline:
        raise ConfigError(f"{directory} is a {cfg.get('pipeline')} run, not a {pipeline} run")
    meta = read_json(directory / "preprocess.json")
    tensors, state = ckpt.load_checkpoint(directory / "model")
    return cfg, meta, tensors, state
