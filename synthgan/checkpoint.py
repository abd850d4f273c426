"""Checkpoints: safetensors weights + JSON state + SHA-256 manifest, written atomically.

A checkpoint is a folder::

    weights.safetensors   every tensor: model weights, optimizer moments, RNG states
    state.json            everything else: step, optimizer hyper-parameters, counters
    MANIFEST.sha256       "<sha256>  <file>" per file; a mismatch is refused with CheckpointError

Loading never unpickles. A new checkpoint is written to a temporary sibling folder and swapped in
with renames, so a crash leaves either the old or the new checkpoint, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from synthgan.errors import CheckpointError

WEIGHTS = "weights.safetensors"
_UMASK = os.umask(0)
os.umask(_UMASK)
STATE = "state.json"
MANIFEST = "MANIFEST.sha256"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write a file atomically: a temporary file in the same folder, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON atomically, indented for people to read."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def save_checkpoint(directory: str | Path, tensors: dict[str, torch.Tensor], state: dict) -> None:
    """Write a checkpoint folder atomically, replacing any previous one at ``directory``."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp / WEIGHTS)
        (tmp / STATE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        lines = [f"{sha256(tmp / name)}  {name}" for name in (WEIGHTS, STATE)]
        (tmp / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
        old = directory.with_name(directory.name + ".old")
        if directory.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def resolve(directory: str | Path) -> Path:
    """The checkpoint folder to read: ``directory``, or its ``.old`` twin if a swap was cut short."""
    directory = Path(directory)
    if (directory / MANIFEST).exists():
        return directory
    old = directory.with_name(directory.name + ".old")
    if (old / MANIFEST).exists():
        return old
    raise CheckpointError(f"no checkpoint in {directory} (missing {MANIFEST})")


def verify(directory: str | Path) -> Path:
    """Check every file against the manifest; return the folder or raise CheckpointError."""
    directory = resolve(directory)
    expected: dict[str, str] = {}
    for line in (directory / MANIFEST).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            expected[name.strip()] = digest.strip()
    for name in (WEIGHTS, STATE):
        if name not in expected:
            raise CheckpointError(f"{directory}: {name} is not in the manifest")
        if not (directory / name).exists():
            raise CheckpointError(f"{directory}: {name} is missing")
        if sha256(directory / name) != expected[name]:
            raise CheckpointError(
                f"{directory}: {name} does not match its SHA-256 in {MANIFEST}; the checkpoint is "
                "corrupt or was modified, refusing to load it"
            )
    return directory


def load_checkpoint(
    directory: str | Path, device: str | torch.device = "cpu"
) -> tuple[dict[str, torch.Tensor], dict]:
    """Verify and load a checkpoint: (tensors on ``device``, state dict)."""
    directory = verify(directory)
    tensors = load_file(directory / WEIGHTS, device=str(device))
    state = json.loads((directory / STATE).read_text(encoding="utf-8"))
    return tensors, state


def module_tensors(prefix: str, module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A module's state dict with names prefixed, ready for safetensors."""
    return {f"{prefix}.{k}": v for k, v in module.state_dict().items()}


def load_module(prefix: str, module: torch.nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Load the tensors saved by :func:`module_tensors` into ``module``."""
    n = len(prefix) + 1
    sd = {k[n:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        module.load_state_dict(sd)
    except RuntimeError as exc:
        raise CheckpointError(
            f"checkpoint weights {prefix!r} do not fit the model: {exc}"
        ) from None


def optimizer_tensors(
    prefix: str, opt: torch.optim.Optimizer
) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer's state dict into tensors (moments, step) and JSON (param groups)."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict] = {}
    for pid, st in sd["state"].items():
        for key, val in st.items():
            if torch.is_tensor(val):
                tensors[f"{prefix}.{pid}.{key}"] = val
            else:
                scalars.setdefault(str(pid), {})[key] = val
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def load_optimizer(
    prefix: str, opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict
) -> None:
    """Restore an optimizer saved by :func:`optimizer_tensors`."""
    state: dict[int, dict] = {}
    n = len(prefix) + 1
    for name, val in tensors.items():
        if name.startswith(prefix + "."):
            pid, key = name[n:].split(".", 1)
            state.setdefault(int(pid), {})[key] = val
    for pid, extra in meta.get("scalars", {}).items():
        state.setdefault(int(pid), {}).update(extra)
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def json_ready(obj: Any) -> Any:
    """Numpy scalars/arrays and tuples -> plain JSON types; NaN/inf -> None."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_ready(obj.tolist())
    if isinstance(obj, np.floating | float):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
