"""Time-series generator and critic: dilated causal temporal convolutions (QuantGAN-style).

Both networks are stacks of residual blocks of *valid* (unpadded) dilated causal convolutions,
so there are no edge effects: the generator maps noise of length T + rf - 1 to T bars, each bar
a function of the rf noise vectors up to its day. Noise is drawn per time step, so paths can be
of any length. The critic scores every position of a window and averages; it has no BatchNorm
(gradient penalty, DDP and DP-SGD need per-sample independence).

Shapes: features (B, C, T) with C = 5 x tickers; noise (B, Z, T + rf - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from synthgan.losses import LOSSES, gradient_penalty


@dataclass(frozen=True)
class TCNConfig:
    """Architecture and loss of the TCN GAN; written to the run folder's config.json."""

    # Networks
    noise_dim: int = 3  # noise channels per time step
    hidden: int = 64  # channels of every residual block
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32)  # kernel 2 -> receptive field 64 days
    kernel_size: int = 2
    critic_hidden: int = 64
    # Loss
    loss: str = "wgan_gp"  # wgan_gp | hinge | nonsaturating
    gp_weight: float = 10.0
    n_critic: int = 2  # critic steps per generator step


def receptive_field(dilations: tuple[int, ...], kernel_size: int) -> int:
    """Days of input that one output depends on."""
    return 1 + (kernel_size - 1) * sum(dilations)


class TemporalBlock(nn.Module):
    """Valid dilated causal conv -> activation -> 1x1 conv, plus a residual connection."""

    def __init__(self, channels: int, dilation: int, kernel_size: int, act: nn.Module) -> None:
        super().__init__()
        self.trim = dilation * (kernel_size - 1)
        self.conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, H, T) -> (B, H, T - trim)
        h = self.mix(self.act(self.conv(x)))
        return x[..., self.trim :] + h


class TCN(nn.Module):
    """Input 1x1 conv, residual temporal blocks with skip outputs summed, output 1x1 conv."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        hidden: int,
        dilations: tuple[int, ...],
        kernel_size: int,
        act: type[nn.Module],
    ) -> None:
        super().__init__()
        self.inp = nn.Conv1d(c_in, hidden, 1)
        self.blocks = nn.ModuleList(TemporalBlock(hidden, d, kernel_size, act()) for d in dilations)
        self.out = nn.Sequential(
            act(), nn.Conv1d(hidden, hidden, 1), act(), nn.Conv1d(hidden, c_out, 1)
        )
        self.rf = receptive_field(dilations, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, c_in, L) -> (B, c_out, L - rf + 1)
        h = self.inp(x)
        length = x.shape[-1] - self.rf + 1
        skip = 0
        for block in self.blocks:
            h = block(h)
            skip = skip + h[..., -length:]
        return self.out(skip)


class Generator(nn.Module):
    """Noise (B, Z, T + rf - 1) -> scaled bar features (B, C, T); non-negative channels >= 0."""

    def __init__(self, channels: int, nonnegative: list[bool], cfg: TCNConfig) -> None:
        super().__init__()
        self.noise_dim = cfg.noise_dim
        self.net = TCN(
            cfg.noise_dim, channels, cfg.hidden, cfg.dilations, cfg.kernel_size, nn.PReLU
        )
        self.rf = self.net.rf
        self.register_buffer("nonneg", torch.tensor(nonnegative, dtype=torch.bool)[None, :, None])

    def noise(
        self,
        batch: int,
        length: int,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
    ) -> torch.Tensor:
        """Standard normal noise for ``batch`` paths of ``length`` days."""
        return torch.randn(
            batch, self.noise_dim, length + self.rf - 1, generator=generator, device=device
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        y = self.net(z)
        return torch.where(self.nonneg, F.softplus(y), y)


class Critic(nn.Module):
    """Scaled bar features (B, C, T) -> one Wasserstein score per window (B,)."""

    def __init__(self, channels: int, cfg: TCNConfig) -> None:
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2)  # noqa: E731
        self.net = TCN(channels, 1, cfg.critic_hidden, cfg.dilations, cfg.kernel_size, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).mean(dim=(1, 2))


class TCNGAN:
    """The stock model family: owns G and D and their losses; the training loop owns the rest."""

    def __init__(self, channels: int, nonnegative: list[bool], cfg: TCNConfig) -> None:
        self.cfg = cfg
        self.generator = Generator(channels, nonnegative, cfg)
        self.discriminator = Critic(channels, cfg)
        self.n_critic = cfg.n_critic
        self.d_loss, self.g_loss = LOSSES[cfg.loss]

    def fake(
        self, batch: int, length: int, rng: torch.Generator, device: torch.device
    ) -> torch.Tensor:
        """A batch of generated windows (B, C, length)."""
        return self.generator(self.generator.noise(batch, length, rng, device))

    def discriminator_loss(
        self, real: torch.Tensor, rng: torch.Generator
    ) -> tuple[torch.Tensor, dict]:
        """Critic loss on a real batch (B, C, T) and as many generated windows."""
        with torch.no_grad():
            fake = self.fake(real.shape[0], real.shape[-1], rng, real.device)
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)
        loss = self.d_loss(d_real, d_fake)
        logs = {"d_loss": loss.detach(), "wdist": (d_real.mean() - d_fake.mean()).detach()}
        if self.cfg.loss == "wgan_gp":
            gp = gradient_penalty(self.discriminator, real, fake, rng)
            loss = loss + self.cfg.gp_weight * gp
            logs["gp"] = gp.detach()
        return loss, logs

    def generator_loss(self, real: torch.Tensor, rng: torch.Generator) -> tuple[torch.Tensor, dict]:
        """Generator loss on as many windows as the real batch."""
        loss = self.g_loss(
            self.discriminator(self.fake(real.shape[0], real.shape[-1], rng, real.device))
        )
        return loss, {"g_loss": loss.detach()}
