"""The TCN generator and critic: causality, receptive field, non-negativity, ACF term."""

from __future__ import annotations

import numpy as np
import torch

from synthgan.stocks.features import FeatureScaler
from synthgan.stocks.models import Critic, Generator, TCNConfig, batch_acf, receptive_field

CFG = TCNConfig(hidden=8, critic_hidden=8, dilations=(1, 2, 4, 8, 16, 32))
NONNEG = [False, False, True, True, False]


def test_receptive_field_and_lengths():
    assert receptive_field(CFG.dilations, CFG.kernel_size) == 64
    torch.manual_seed(0)
    g = Generator(5, NONNEG, CFG)
    z = g.noise(3, 40)
    assert z.shape == (3, g.noise_dim, 40 + 63)
    x = g(z)
    assert x.shape == (3, 5, 40)
    assert (x[:, 2:4] >= 0).all()  # shadows are non-negative by construction
    assert Critic(5, CFG)(torch.randn(3, 5, 100)).shape == (3,)


def test_generator_is_causal():
    # Changing the noise of day t changes no output before day t: paths can be extended.
    torch.manual_seed(0)
    g = Generator(5, NONNEG, CFG).eval()
    z = g.noise(1, 50)
    z2 = z.clone()
    z2[..., 63 + 30 :] += 1.0  # perturb noise from output day 30 on
    with torch.no_grad():
        a, b = g(z), g(z2)
    assert torch.equal(a[..., :30], b[..., :30])
    assert not torch.allclose(a[..., 30:], b[..., 30:])


def test_torch_inverse_matches_numpy_inverse():
    rng = np.random.default_rng(0)
    feats = rng.standard_t(4, size=(3000, 5)) * 0.01
    feats[:, 2:4] = np.abs(feats[:, 2:4])
    scaler = FeatureScaler.fit(feats)
    z = rng.normal(size=(4, 50, 5)).clip(-2.5, 2.5)
    z[..., 2:4] = np.abs(z[..., 2:4])
    expected = scaler.inverse(z)
    got = (
        scaler.torch_inverse()(torch.from_numpy(z).float().transpose(1, 2))
        .transpose(1, 2)
        .double()
        .numpy()
    )
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-7)


def test_batch_acf_of_ar1_is_geometric():
    torch.manual_seed(0)
    e = torch.randn(64, 1, 400)
    x = torch.zeros_like(e)
    for t in range(1, 400):
        x[..., t] = 0.6 * x[..., t - 1] + e[..., t]
    acf = batch_acf(x, 3)[0]
    assert torch.allclose(acf, torch.tensor([0.6, 0.36, 0.216]), atol=0.03)
