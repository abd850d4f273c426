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
