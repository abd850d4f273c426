"""DCGAN shapes for every size and channel count, conditioning, no BatchNorm in D."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from synthgan.images.models import DCGAN, DCGANConfig, diff_augment

CFG = DCGANConfig(nz=16, ngf=8, ndf=8)


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("n_classes", [0, 10])
def test_shapes(size, channels, n_classes):
    fam = DCGAN(size, channels, n_classes, CFG)
    labels = torch.arange(4) % 10 if n_classes else None
    x = fam.generator(torch.randn(4, 16), labels)
    assert x.shape == (4, channels, size, size) and x.abs().max() <= 1
    assert fam.discriminator(x, labels).shape == (4,)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fam.discriminator.modules())


def test_projection_discriminator_uses_labels():
    torch.manual_seed(0)
    fam = DCGAN(28, 1, 10, CFG)
    x = torch.randn(2, 1, 28, 28)
    a = fam.discriminator(x, torch.tensor([0, 0]))
    b = fam.discriminator(x, torch.tensor([3, 3]))
    assert not torch.allclose(a, b)


def test_diffaugment_is_differentiable_and_cuts_out():
    x = torch.ones(8, 1, 32, 32, requires_grad=True)
    y = diff_augment(x, torch.Generator().manual_seed(0))
    y.sum().backward()
    assert x.grad is not None and (y == 0).any() and y.shape == x.shape


def test_standing_stats_match_the_generators_own_weights():
    # Setup: running statistics that belong to other weights (what an EMA generator inherits).
    torch.manual_seed(0)
    fam = DCGAN(32, 1, 0, CFG)
    g = fam.generator
    with torch.no_grad():
        for m in g.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_var.fill_(100.0)
    z = torch.randn(64, 16)
    g.eval()
    with torch.no_grad():
        washed = g(z).std().item()
        from synthgan.images.models import standing_stats

        standing_stats(g)
        fixed = g(z).std().item()
        g.train()
        batch_stats = g(z).std().item()
    # Assert: wrong statistics wash the samples out; standing statistics restore them.
    assert washed < 0.5 * batch_stats
    assert abs(fixed - batch_stats) < 0.2 * batch_stats


def test_mode_seeking_defaults_and_penalises_a_generator_that_ignores_its_noise():
    from synthgan.config import ImageConfig

    assert DCGAN(28, 1, 10, CFG).mode_seeking == 0.5  # conditional default
    assert DCGAN(28, 1, 0, CFG).mode_seeking == 0.0  # unconditional default
    assert ImageConfig.classic().model.mode_seeking == 0.0

    torch.manual_seed(0)
    fam = DCGAN(28, 1, 10, CFG)
    batch = torch.cat([torch.rand(16, 28 * 28) * 2 - 1, (torch.arange(16) % 10)[:, None]], 1)
    loss, logs = fam.generator_loss(batch, torch.Generator().manual_seed(1))
    assert logs["mode_seeking_ratio"] > 0 and float(loss) < 100
    loss.backward()
    assert fam.generator.project[0].weight.grad.abs().sum() > 0

    # A collapsed generator (noise columns of its first layer zeroed) gets a huge penalty, while
    # the logged adversarial loss alone does not see the collapse.
    with torch.no_grad():
        fam.generator.project[0].weight[:, :16] = 0
    loss, logs = fam.generator_loss(batch, torch.Generator().manual_seed(1))
    assert float(logs["mode_seeking_ratio"]) < 1e-6 and float(loss) > 1e4
    assert abs(float(logs["g_loss"])) < 100
