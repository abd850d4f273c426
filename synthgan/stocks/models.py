"""Time-series generator and critic: dilated causal temporal convolutions (QuantGAN-style).

Both networks are stacks of residual blocks of *valid* (unpadded) dilated causal convolutions,
so there are no edge effects: the generator maps noise of length T + rf - 1 to T bars, each bar
a function of the rf noise vectors up to its day. Noise is drawn per time step, so paths can be
of any length. The critic scores every position of a window and averages; it has no BatchNorm
(gradient penalty, DDP and DP-SGD need per-sample independence).

Shapes: features (B, C, T) with C = 5 x tickers; noise (B, Z, T + rf - 1).
"""

from __future__ import annotations

from collections.abc import Callable
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
    # Stochastic-volatility head (QuantGAN's SVNN idea): every feature is loc_t + scale_t * eps_t
    # with eps_t fresh noise and loc_t, scale_t functions of the past noise.
    sv_head: bool = True
    # Slow latent channels: white noise passed through stationary AR(1) filters with these
    # half-lives (days), so volatility regimes can persist beyond the receptive field.
    slow_halflives: tuple[float, ...] = (5.0, 20.0, 60.0)
    critic_abs: bool = True  # critic also sees |x|: local volatility is then a linear feature
    # Loss
    loss: str = "wgan_gp"  # wgan_gp | hinge | nonsaturating
    gp_weight: float = 10.0
    n_critic: int = 1  # critic steps per generator step (TTUR: the critic's lr is higher)
    # Auxiliary generator loss: squared distance between the batch autocorrelations (lags
    # 1..acf_lags) of |x| and x of generated and real windows, per raw feature (0 disables).
    acf_weight: float = 50.0
    acf_lags: int = 20


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


@torch.no_grad()
def slow_noise(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Stationary AR(1) filter along time: s_t = a s_{t-1} + sqrt(1 - a^2) x_t, unit variance.

    x: (B, S, L) white noise; a: (1, S) coefficients. Causal, so a path's prefix never depends
    on its length.
    """
    out = torch.empty_like(x)
    c = torch.sqrt(1 - a * a)
    s = x[..., 0]
    out[..., 0] = s
    for t in range(1, x.shape[-1]):
        s = a * s + c * x[..., t]
        out[..., t] = s
    return out


class Generator(nn.Module):
    """Noise (B, Z [+ C], T + rf - 1) -> scaled bar features (B, C, T); non-negative channels >= 0.

    With the stochastic-volatility head the last C noise channels are the innovations eps_t of
    each output day and the TCN, fed the first Z channels, emits a location and a scale per day.
    """

    def __init__(self, channels: int, nonnegative: list[bool], cfg: TCNConfig) -> None:
        super().__init__()
        self.sv = cfg.sv_head
        self.channels = channels
        self.latent_dim = cfg.noise_dim + len(cfg.slow_halflives)
        self.noise_dim = self.latent_dim + (channels if self.sv else 0)
        out = 2 * channels if self.sv else channels
        self.net = TCN(self.latent_dim, out, cfg.hidden, cfg.dilations, cfg.kernel_size, nn.PReLU)
        ar = [0.5 ** (1.0 / h) for h in cfg.slow_halflives]
        self.register_buffer("ar", torch.tensor(ar, dtype=torch.float32)[None, :])
        self.n_fast = cfg.noise_dim
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
        shape = (batch, self.noise_dim, length + self.rf - 1)
        return torch.randn(shape, generator=generator, device=device)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        latent = z[:, : self.latent_dim]
        if self.ar.numel():
            slow = slow_noise(latent[:, self.n_fast :], self.ar)
            latent = torch.cat([latent[:, : self.n_fast], slow], dim=1)
        y = self.net(latent)
        if self.sv:  # (B, 2C, T) -> loc + scale * eps
            loc, raw_scale = y.chunk(2, dim=1)
            eps = z[:, self.latent_dim :, self.rf - 1 :]
            y = loc + F.softplus(raw_scale) * eps
        return torch.where(self.nonneg, F.softplus(y), y)


class Critic(nn.Module):
    """Scaled bar features (B, C, T) -> one Wasserstein score per window (B,)."""

    def __init__(self, channels: int, cfg: TCNConfig) -> None:
        super().__init__()
        self.abs = cfg.critic_abs
        c_in = 2 * channels if self.abs else channels
        act = lambda: nn.LeakyReLU(0.2)  # noqa: E731
        self.net = TCN(c_in, 1, cfg.critic_hidden, cfg.dilations, cfg.kernel_size, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.abs:
            x = torch.cat([x, x.abs()], dim=1)
        return self.net(x).mean(dim=(1, 2))


class TCNGAN:
    """The stock model family: owns G and D and their losses; the training loop owns the rest."""

    def __init__(
        self,
        channels: int,
        nonnegative: list[bool],
        cfg: TCNConfig,
        unscale: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        self.cfg = cfg
        self.unscale = unscale or (lambda x: x)  # scaled -> raw features, for the ACF term
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
        """Generator loss on as many windows as the real batch (+ the ACF-matching term)."""
        fake = self.fake(real.shape[0], real.shape[-1], rng, real.device)
        loss = self.g_loss(self.discriminator(fake))
        logs = {"g_loss": loss.detach()}
        if self.cfg.acf_weight > 0:
            lags = min(self.cfg.acf_lags, real.shape[-1] - 1)
            acf_gap = 0.0
            raw_fake, raw_real = self.unscale(fake), self.unscale(real)
            for f in (torch.abs, lambda v: v):
                gap = batch_acf(f(raw_fake), lags) - batch_acf(f(raw_real), lags)
                acf_gap = acf_gap + gap.pow(2).mean()
            loss = loss + self.cfg.acf_weight * acf_gap
            logs["acf_gap"] = acf_gap.detach()
        return loss, logs


def batch_acf(x: torch.Tensor, lags: int) -> torch.Tensor:
    """Autocorrelation per channel pooled over a batch: (B, C, T) -> (C, lags)."""
    xc = x - x.mean(dim=(0, 2), keepdim=True)
    var = xc.pow(2).mean(dim=(0, 2)) + 1e-8
    acfs = [(xc[..., :-k] * xc[..., k:]).mean(dim=(0, 2)) / var for k in range(1, lags + 1)]
    return torch.stack(acfs, dim=1)
