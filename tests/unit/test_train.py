"""The shared training loop: bit-exact resume, NaN stop, Ctrl-C, EMA."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthgan import checkpoint as ckpt
from synthgan.errors import TrainingDivergedError
from synthgan.stocks.models import TCNGAN, TCNConfig
from synthgan.train import TrainConfig, training_loop, weights_digest

TINY_MODEL = TCNConfig(hidden=8, critic_hidden=8, dilations=(1, 2, 4), n_critic=2)


def _data(sp500_small) -> torch.Tensor:
    from synthgan.stocks.data import to_panel
    from synthgan.stocks.features import FeatureScaler, bars_to_features, windows

    f = bars_to_features(to_panel(sp500_small).bars).reshape(len(sp500_small) - 1, -1)
    z = FeatureScaler.fit(f).transform(f).astype(np.float32)
    return torch.from_numpy(windows(z, 24).transpose(0, 2, 1).copy())


def _family(seed: int = 0) -> TCNGAN:
    torch.manual_seed(seed)
    return TCNGAN(5, [False, False, True, True, False], TINY_MODEL)


def _cfg(steps: int, **kw) -> TrainConfig:
    base = dict(
        steps=steps, batch_size=8, log_every=1, checkpoint_every=100, progress=False, device="cpu"
    )
    return TrainConfig(**{**base, **kw})


def test_resume_is_bit_exact(tmp_path, sp500_small):
    # Setup
    data = _data(sp500_small)
    n = 8
    # Run: n steps straight; n/2 steps, then resume to n in a fresh process state.
    fam_a = _family()
    g_a, res_a = training_loop(fam_a, data, _cfg(n), run_dir=tmp_path / "a")
    fam_b = _family()
    training_loop(fam_b, data, _cfg(n // 2), run_dir=tmp_path / "b")
    fam_c = _family(seed=123)  # different init: every weight must come from the checkpoint
    g_c, res_c = training_loop(fam_c, data, _cfg(n), run_dir=tmp_path / "b", resume=True)
    # Assert: identical losses at every step and identical weights.
    assert [r["d_loss"] for r in res_a.history] == [r["d_loss"] for r in res_c.history]
    assert [r["g_loss"] for r in res_a.history] == [r["g_loss"] for r in res_c.history]
    assert weights_digest(fam_a.generator) == weights_digest(fam_c.generator)
    assert weights_digest(fam_a.discriminator) == weights_digest(fam_c.discriminator)
    assert weights_digest(g_a) == weights_digest(g_c)
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == list(range(1, n + 1))


class _Poisoned(TCNGAN):
    """The real family, whose critic loss turns NaN from a given call on."""

    def __init__(self, bad_from: int) -> None:
        torch.manual_seed(0)
        super().__init__(5, [False, False, True, True, False], TINY_MODEL)
        self.calls, self.bad_from = 0, bad_from

    def discriminator_loss(self, real, rng):
        self.calls += 1
        loss, logs = super().discriminator_loss(real, rng)
        if self.calls >= self.bad_from:
            loss = loss * float("nan")
            logs["d_loss"] = logs["d_loss"] * float("nan")
        return loss, logs


def test_nan_stops_with_message_and_keeps_last_good_checkpoint(tmp_path, sp500_small):
    fam = _Poisoned(bad_from=2 * 5 + 1)  # n_critic=2: NaN in step 6
    with pytest.raises(TrainingDivergedError) as info:
        training_loop(fam, _data(sp500_small), _cfg(20, checkpoint_every=4), run_dir=tmp_path)
    msg = str(info.value)
    assert "step 6" in msg and "d_loss" in msg and "step 4" in msg
    tensors, state = ckpt.load_checkpoint(tmp_path / "checkpoints" / "latest")
    assert state["step"] == 4
    assert all(torch.isfinite(t).all() for k, t in tensors.items() if t.is_floating_point())


def test_stop_flag_saves_a_consistent_checkpoint(tmp_path, sp500_small):
    # Ctrl-C sets a flag; the loop finishes the step, saves and returns interrupted=True.
    import signal

    def ctrl_c(step, g):
        signal.raise_signal(signal.SIGINT)

    fam = _family()
    cfg = _cfg(50, sample_every=3)
    _, res = training_loop(fam, _data(sp500_small), cfg, run_dir=tmp_path, on_sample=ctrl_c)
    assert res.interrupted and res.step == 3
    _, state = ckpt.load_checkpoint(tmp_path / "checkpoints" / "latest")
    assert state["step"] == 3


def test_ema_lags_the_generator(sp500_small):
    fam = _family()
    g_ema, _ = training_loop(fam, _data(sp500_small), _cfg(5, ema_beta=0.9))
    p, p_ema = next(fam.generator.parameters()), next(g_ema.parameters())
    assert not torch.equal(p, p_ema)
    torch.manual_seed(0)
    init = next(TCNGAN(5, [False] * 5, TINY_MODEL).generator.parameters())
    # The EMA sits between the initial and the current weights.
    assert (p_ema - init).norm() < (p - init).norm()
