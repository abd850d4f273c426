"""ImageSynthesizer: fit a DCGAN on images, sample uint8 images, save and load.

syn = ImageSynthesizer(steps=2000, conditional=True).fit(images, labels)
imgs = syn.sample(64, labels=3, seed=0)        # uint8 (64, C, H, W)
syn.save("runs/digits"); syn = ImageSynthesizer.load("runs/digits")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from synthgan import checkpoint as ckpt
from synthgan import runs
from synthgan.config import ImageConfig, from_dict
from synthgan.errors import ConfigError, NotFittedError
from synthgan.images.data import ImageData, to_uint8, to_unit, validate
from synthgan.images.metrics import data_digest
from synthgan.images.models import DCGAN, Generator, standing_stats
from synthgan.train import TrainResult, is_main_process, training_loop

CHUNK = 64  # images generated per forward pass; fixed so image i never depends on n


def _seeded_family(size: int, channels: int, n_classes: int, cfg: ImageConfig) -> DCGAN:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.train.seed)
        return DCGAN(size, channels, n_classes, cfg.model)


def make_grid(images: np.ndarray, nrow: int | None = None) -> np.ndarray:
    """uint8 (N, C, H, W) images tiled row by row, 2-pixel white gaps: (C, H', W')."""
    n, c, h, w = images.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / nrow))
    grid = np.full((c, rows * (h + 2) + 2, nrow * (w + 2) + 2), 255, np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, nrow)
        grid[:, 2 + r * (h + 2) : 2 + r * (h + 2) + h, 2 + k * (w + 2) : 2 + k * (w + 2) + w] = img
    return grid


def save_grid(images: np.ndarray, path: str | Path, nrow: int | None = None) -> Path:
    """uint8 (N, C, H, W) images as one PNG grid (atomic write)."""
    from PIL import Image

    grid = make_grid(images, nrow)
    c = grid.shape[0]
    mode_img = Image.fromarray(grid[0] if c == 1 else grid.transpose(1, 2, 0))
    import io

    buf = io.BytesIO()
    mode_img.save(buf, format="PNG")
    ckpt.atomic_write_bytes(path, buf.getvalue())
    return Path(path)


class ImageSynthesizer:
    """DCGAN-family image generator, unconditional or class-conditional."""

    def __init__(self, config: ImageConfig | None = None, **kwargs: Any) -> None:
        base = config or ImageConfig()
        self.config = base.replace(**kwargs) if kwargs else base
        self.config.validate()
        self.generator: Generator | None = None
        self.meta: dict | None = None
        self.result: TrainResult | None = None
        self._history: list[dict] = []

    def fit(
        self,
        images: np.ndarray | ImageData,
        labels: np.ndarray | None = None,
        run_dir: str | Path | None = None,
        resume: bool = False,
    ) -> ImageSynthesizer:
        """Train on uint8 images (N, C, H, W) (or an ImageData); labels needed when conditional."""
        data = (
            images
            if isinstance(images, ImageData)
            else ImageData(np.asarray(images), labels, (), "images")
        )
        size = self.config.data.size
        if size is None:  # the data's own size when the models support it
            h, w = data.images.shape[-2:]
            size = h if h == w and h in (28, 32, 64) else 32
            self.config = self.config.replace(size=size)
        data = validate(data, size)
        cond = self.config.data.conditional
        if cond and data.labels is None:
            raise ConfigError(
                "--conditional needs labels (class subfolders, IDX labels or an npz 'labels' array)"
            )
        n_classes = data.n_classes if cond else 0
        n, c, size, _ = data.images.shape
        flat = to_unit(data.images).reshape(n, -1)
        if cond:
            flat = np.concatenate([flat, data.labels[:, None].astype(np.float32)], axis=1)
        self.meta = {
            "size": size,
            "channels": c,
            "n_classes": n_classes,
            "classes": list(data.classes),
            "source": data.source,
            "holdout_fraction": self.config.data.holdout_fraction,
            "n_train": n,
            "train_digest": data_digest(data.images),
        }
        if run_dir is not None:
            run_dir = Path(run_dir)
            runs.check_new_or_resume(run_dir, resume)
        family = _seeded_family(size, c, n_classes, self.config)
        is_main = is_main_process()
        if run_dir is not None and is_main:
            runs.write_config(run_dir, "images", self.config, self.meta)
        fixed = self._fixed_noise(n_classes)

        def on_sample(step: int, g: torch.nn.Module) -> None:
            if run_dir is None:
                return
            standing_stats(g)
            with torch.no_grad():
                imgs = g(
                    *[t.to(next(g.parameters()).device) if t is not None else None for t in fixed]
                )
            save_grid(
                to_uint8(imgs.float().cpu().numpy()),
                run_dir / "samples" / f"step-{step:06d}.png",
                nrow=8,
            )

        g_ema, self.result = training_loop(
            family,
            torch.from_numpy(flat),
            self.config.train,
            run_dir=run_dir,
            resume=resume,
            on_sample=on_sample,
        )
        self.generator = standing_stats(g_ema.cpu())
        self._history = self.result.history
        if run_dir is not None and is_main:
            self.save(run_dir)
        return self

    def _fixed_noise(self, n_classes: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        gen = torch.Generator().manual_seed(self.config.train.seed + 12345)
        z = torch.randn(64, self.config.model.nz, generator=gen)
        labels = torch.arange(64) % n_classes if n_classes else None
        return z, labels

    def sample(
        self, n: int, labels: int | list[int] | np.ndarray | None = None, seed: int = 0
    ) -> np.ndarray:
        """``n`` uint8 images (n, C, H, W). Image i of seed s is the same whatever n is.

        ``labels``: one class for all, one per image, or None (conditional models then cycle
        through the classes).
        """
        if self.generator is None:
            raise NotFittedError("call fit() or ImageSynthesizer.load() before sample()")
        k = self.meta["n_classes"]
        if k:
            if labels is None:
                labels = np.arange(n) % k
            labels = np.broadcast_to(np.asarray(labels, np.int64), (n,)).copy()
            if (labels < 0).any() or (labels >= k).any():
                raise ConfigError(f"labels must be in 0..{k - 1}")
        elif labels is not None:
            raise ConfigError("this model is unconditional: it takes no labels")
        z = np.stack(
            [
                torch.randn(
                    self.config.model.nz,
                    generator=torch.Generator().manual_seed(
                        int(np.random.default_rng([seed, i]).integers(2**62))
                    ),
                ).numpy()
                for i in range(n)
            ]
        )
        out = []
        with torch.no_grad():
            for s in range(0, n, CHUNK):
                zc = torch.from_numpy(z[s : s + CHUNK])
                lc = torch.from_numpy(np.ascontiguousarray(labels[s : s + CHUNK])) if k else None
                pad = CHUNK - len(zc)
                if pad:  # same batch shape every time -> same kernels -> bit-identical images
                    zc = torch.cat([zc, zc.new_zeros(pad, zc.shape[1])])
                    lc = torch.cat([lc, lc.new_zeros(pad)]) if k else None
                out.append(self.generator(zc, lc)[: CHUNK - pad].numpy())
        return to_uint8(np.concatenate(out))

    @property
    def loss_history(self):
        """One row per logged training step (a DataFrame)."""
        import pandas as pd

        return pd.DataFrame(self._history)

    def save(self, directory: str | Path) -> None:
        """Write config.json, preprocess.json and model/ (EMA generator, safetensors)."""
        if self.generator is None:
            raise NotFittedError("nothing to save: call fit() first")
        runs.save_model(
            directory, "images", self.config, self.meta, self.generator, {"history": self._history}
        )

    @classmethod
    def load(cls, directory: str | Path) -> ImageSynthesizer:
        """Load a saved synthesizer or run folder on CPU; verifies the SHA-256 manifest."""
        cfg, meta, tensors, state = runs.read_model(directory, "images")
        syn = cls(from_dict(ImageConfig, cfg))
        syn.meta = meta
        syn.generator = Generator(
            meta["size"], meta["channels"], meta["n_classes"], syn.config.model
        )
        ckpt.load_module("G_ema", syn.generator, tensors)
        syn.generator.eval()
        syn._history = state.get("history", [])
        return syn


def write_images(images: np.ndarray, out: str | Path, seed: int = 0) -> str:
    """Write uint8 images to ``grid.png`` (one grid), ``FILE.npz`` or a folder of PNGs named by seed."""
    from PIL import Image

    out = Path(out)
    if out.suffix.lower() == ".png":
        save_grid(images, out)
        return f"a grid of {len(images)} images"
    if out.suffix.lower() == ".npz":
        import io

        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            images=images.transpose(0, 2, 3, 1).squeeze(-1)
            if images.shape[1] == 1
            else images.transpose(0, 2, 3, 1),
        )
        ckpt.atomic_write_bytes(out, buf.getvalue())
        return f"{len(images)} images"
    if out.suffix:
        raise ConfigError(f"--out must be a .png grid, an .npz file or a folder, got {out.name!r}")
    out.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(images):
        pil = Image.fromarray(img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0))
        pil.save(out / f"seed{seed:04d}-{i:06d}.png")
    return f"{len(images)} PNG files"
