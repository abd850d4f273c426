"""DCGAN generator and discriminator for 28, 32 or 64 px, 1 or 3 channels, optional labels.

Generator: noise (B, nz) [+ label embedding] -> linear to a (ngf*m, s, s) map, s = 7 (28 px) or
4 -> transposed-conv blocks (x2 each, BatchNorm, ReLU) -> 3x3 conv -> tanh: images (B, C, H, W).
Discriminator: strided 4x4 convs with LeakyReLU(0.2) and optional spectral norm, no BatchNorm
(gradient penalties, DDP and DP-SGD need per-sample independence) -> linear logit; conditional
models add a projection term <embed(y), features> (Miyato & Koyama 2018).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from synthgan.losses import LOSSES, r1_penalty


@dataclass(frozen=True)
class DCGANConfig:
    """Architecture and loss of the image GAN; written to the run folder's config.json."""

    # Networks
    nz: int = 64  # noise dimension
    ngf: int = 32  # generator width (channels of the last block)
    ndf: int = 32  # discriminator width (channels of the first block)
    spectral_norm: bool = True  # on every discriminator layer
    # Loss
    loss: str = "hinge"  # hinge | nonsaturating (classic DCGAN)
    r1_weight: float = 0.0  # R1 penalty on real images (0: off)
    # Mode-seeking term (Mao et al. 2019): the generator is rewarded for images that differ as
    # much as their noise does. None: 0.5 for conditional models, 0 for unconditional ones.
    # Conditional Fashion-MNIST, 1,200 steps: recall 0.001 -> 0.32-0.36, within-class pixel std
    # 25 -> 51 (real 50), FD 6.5 -> 3.7-3.8; unconditional models keep their diversity without it.
    mode_seeking: float | None = None
    # Differentiable translation + cutout of real and fake images (Zhao et al. 2020). Off by
    # default: on 8x8 digits upscaled to 32 px it collapsed the samples (recall 0.00 vs 0.34
    # without, 300 steps; see CHANGELOG).
    diffaugment: bool = False
    channels_last: bool = True  # NHWC memory layout for training (measured ~10 % faster on CPU)


def _stages(size: int) -> tuple[int, int]:
    """(start resolution, number of x2 upsamplings) for a supported image size."""
    if size == 28:
        return 7, 2
    if size in (32, 64):
        return 4, {32: 3, 64: 4}[size]
    raise ValueError(f"image size must be 28, 32 or 64, got {size}")


class Generator(nn.Module):
    """(B, nz) noise [+ (B,) labels] -> (B, C, H, W) images in [-1, 1]."""

    def __init__(self, size: int, channels: int, n_classes: int, cfg: DCGANConfig) -> None:
        super().__init__()
        self.nz, self.n_classes = cfg.nz, n_classes
        start, ups = _stages(size)
        width = [cfg.ngf * 2 ** (ups - i) for i in range(ups + 1)]  # e.g. 256, 128, 64, 32
        self.embed = nn.Embedding(n_classes, cfg.nz) if n_classes else None
        z_in = cfg.nz * (2 if n_classes else 1)
        self.project = nn.Sequential(
            nn.Linear(z_in, width[0] * start * start),
            nn.Unflatten(1, (width[0], start, start)),
            nn.BatchNorm2d(width[0]),
            nn.ReLU(True),
        )
        blocks = []
        for i in range(ups):
            blocks += [
                nn.ConvTranspose2d(width[i], width[i + 1], 4, 2, 1, bias=False),
                nn.BatchNorm2d(width[i + 1]),
                nn.ReLU(True),
            ]
        self.blocks = nn.Sequential(*blocks)
        self.to_img = nn.Conv2d(width[-1], channels, 3, 1, 1)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(labels)], dim=1)
        return torch.tanh(self.to_img(self.blocks(self.project(z))))


class Discriminator(nn.Module):
    """(B, C, H, W) images [+ (B,) labels] -> (B,) logits."""

    def __init__(self, size: int, channels: int, n_classes: int, cfg: DCGANConfig) -> None:
        super().__init__()
        sn = spectral_norm if cfg.spectral_norm else (lambda m: m)
        _, ups = _stages(size)
        layers, c_in = [], channels
        for i in range(ups):
            c_out = cfg.ndf * 2**i
            layers += [sn(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
            c_in = c_out
        self.features = nn.Sequential(*layers, nn.Flatten())
        n_feat = c_in * (size // 2**ups) ** 2
        self.head = sn(nn.Linear(n_feat, 1))
        # The projection embedding has no spectral norm: with it, conditional samples lost
        # their diversity within each class (Fashion-MNIST, 1,200 steps: FD 6.5 vs 4.7).
        self.embed = nn.Embedding(n_classes, n_feat) if n_classes else None
        if self.embed is not None:
            nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x)
        out = self.head(h)[:, 0]
        if self.embed is not None:
            out = out + (self.embed(labels) * h).sum(dim=1)
        return out


@torch.no_grad()
def standing_stats(g: Generator, batches: int = 16, batch: int = 64, seed: int = 0) -> Generator:
    """Re-estimate the BatchNorm statistics of ``g`` for its own weights (BigGAN's standing stats).

    An EMA generator averages weights, but the running statistics it inherits belong to the
    raw generator's weights; with them the EMA generator's outputs wash out. Its own statistics
    are measured over ``batches`` batches of noise from a private RNG (training RNG untouched).
    """
    bns = [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return g
    device = next(g.parameters()).device
    rng = torch.Generator(device).manual_seed(seed)
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    g.train()
    for _ in range(batches):
        z = torch.randn(batch, g.nz, generator=rng, device=device)
        labels = (
            torch.randint(0, g.n_classes, (batch,), generator=rng, device=device)
            if g.n_classes
            else None
        )
        g(z, labels)
    for m, mom in zip(bns, momenta, strict=True):
        m.momentum = mom
    return g.eval()


def diff_augment(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """DiffAugment (Zhao et al. 2020): random translation (1/8) and cutout (1/2), differentiable."""
    b, _, h, w = x.shape
    # Translation by up to 1/8 of the size, zero padded.
    s = max(1, h // 8)
    shift = torch.randint(-s, s + 1, (2,), generator=rng, device=rng.device).tolist()
    x = torch.roll(F.pad(x, (s, s, s, s)), shifts=shift, dims=(2, 3))[:, :, s : s + h, s : s + w]
    # Cutout of a random half-size square per image.
    ch, cw = h // 2, w // 2
    cy = torch.randint(0, h - ch + 1, (b,), generator=rng, device=rng.device).to(x.device)
    cx = torch.randint(0, w - cw + 1, (b,), generator=rng, device=rng.device).to(x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = (
        (ys >= cy[:, None, None])
        & (ys < cy[:, None, None] + ch)
        & (xs >= cx[:, None, None])
        & (xs < cx[:, None, None] + cw)
    )
    return x * (~inside)[:, None].to(x.dtype)


def cat_labels(labels: torch.Tensor | None) -> torch.Tensor | None:
    """The labels of a real + fake batch that share them (None stays None)."""
    return None if labels is None else torch.cat([labels, labels])


class DCGAN:
    """The image model family: owns G and D and their losses; the training loop owns the rest.

    Batches are (images, labels) pairs stacked as one tensor by the loop: images flattened
    with the label appended as the last column when conditional.
    """

    def __init__(self, size: int, channels: int, n_classes: int, cfg: DCGANConfig) -> None:
        self.cfg, self.size, self.channels, self.n_classes = cfg, size, channels, n_classes
        self.generator = Generator(size, channels, n_classes, cfg)
        self.discriminator = Discriminator(size, channels, n_classes, cfg)
        self.n_critic = 1
        self.d_loss, self.g_loss = LOSSES[cfg.loss]
        ms = cfg.mode_seeking
        self.mode_seeking = (0.5 if n_classes else 0.0) if ms is None else float(ms)
        self.layout = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.generator.to(memory_format=self.layout)
        self.discriminator.to(memory_format=self.layout)

    def split(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Flat batch rows -> (images (B, C, H, W) in [-1, 1], labels (B,) or None)."""
        n = self.channels * self.size * self.size
        images = batch[:, :n].reshape(-1, self.channels, self.size, self.size)
        images = images.contiguous(memory_format=self.layout)
        labels = batch[:, n].long() if self.n_classes else None
        return images, labels

    def fake(
        self, labels: torch.Tensor | None, batch: int, rng: torch.Generator, device: torch.device
    ) -> torch.Tensor:
        """Generated images for ``labels`` (or ``batch`` unconditional ones)."""
        z = torch.randn(batch, self.cfg.nz, generator=rng, device=device)
        return self.generator(z, labels)

    def _aug(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return diff_augment(x, rng) if self.cfg.diffaugment else x

    def discriminator_loss(
        self, batch: torch.Tensor, rng: torch.Generator
    ) -> tuple[torch.Tensor, dict]:
        """# (1) Update D network: real images up, generated images down."""
        real, labels = self.split(batch)
        with torch.no_grad():
            fake = self.fake(labels, len(real), rng, real.device)
        # One discriminator pass over real and fake together (no BatchNorm in D, so this is
        # the same function as two passes): bigger convolutions, one spectral-norm iteration.
        both = self._aug(torch.cat([real, fake]), rng)
        d_real, d_fake = self.discriminator(both, cat_labels(labels)).chunk(2)
        loss = self.d_loss(d_real, d_fake)
        logs = {
            "d_loss": loss.detach(),
            "d_real": d_real.mean().detach(),
            "d_fake": d_fake.mean().detach(),
        }
        if self.cfg.r1_weight > 0:
            r1 = r1_penalty(lambda x: self.discriminator(x, labels), real)
            loss = loss + 0.5 * self.cfg.r1_weight * r1
            logs["r1"] = r1.detach()
        return loss, logs

    def generator_loss(
        self, batch: torch.Tensor, rng: torch.Generator
    ) -> tuple[torch.Tensor, dict]:
        """# (2) Update G network: make D score generated images as real."""
        real, labels = self.split(batch)
        n, h = len(real), len(real) // 2
        if self.mode_seeking:  # the batch is pairs (i, i + h) that share a label
            n = 2 * h
            labels = None if labels is None else torch.cat([labels[:h], labels[:h]])
        z = torch.randn(n, self.cfg.nz, generator=rng, device=real.device)
        fake = self.generator(z, labels)
        adv = self.g_loss(self.discriminator(self._aug(fake, rng), labels))
        if not self.mode_seeking:
            return adv, {"g_loss": adv.detach()}
        # Mode seeking: the ratio of image distance to noise distance is pushed up (its inverse
        # is the penalty).
        d_img = (fake[:h] - fake[h:]).float().abs().flatten(1).mean(1)
        ratio = (d_img / (z[:h] - z[h:]).abs().mean(1)).mean()
        loss = adv + self.mode_seeking / (ratio + 1e-5)
        return loss, {"g_loss": adv.detach(), "mode_seeking_ratio": ratio.detach()}
