"""Checkpoints: round trip, SHA-256 manifest, atomic replacement."""

from __future__ import annotations

import pytest
import torch

from synthgan import checkpoint as ckpt
from synthgan.errors import CheckpointError


def _model_and_opt():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(16, 4)).pow(2).mean().backward()
    opt.step()
    return model, opt


def test_roundtrip_weights_and_optimizer(tmp_path):
    model, opt = _model_and_opt()
    t_opt, meta = ckpt.optimizer_tensors("opt", opt)
    ckpt.save_checkpoint(
        tmp_path / "latest", {**ckpt.module_tensors("m", model), **t_opt}, {"step": 7, "opt": meta}
    )
    tensors, state = ckpt.load_checkpoint(tmp_path / "latest")
    model2, opt2 = _model_and_opt()
    with torch.no_grad():
        for p in model2.parameters():
            p.zero_()
    ckpt.load_module("m", model2, tensors)
    ckpt.load_optimizer("opt", opt2, tensors, state["opt"])
    assert state["step"] == 7
    for a, b in zip(model.state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    s1, s2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert all(torch.equal(s1[i]["exp_avg_sq"], s2[i]["exp_avg_sq"]) for i in s1)


def test_tampered_checkpoint_is_refused(tmp_path):
    model, _ = _model_and_opt()
    ckpt.save_checkpoint(tmp_path / "c", ckpt.module_tensors("m", model), {"step": 1})
    weights = tmp_path / "c" / ckpt.WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match its SHA-256"):
        ckpt.load_checkpoint(tmp_path / "c")


def test_replacement_keeps_old_until_new_is_complete(tmp_path, monkeypatch):
    model, _ = _model_and_opt()
    ckpt.save_checkpoint(tmp_path / "c", ckpt.module_tensors("m", model), {"step": 1})

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save_checkpoint(tmp_path / "c", ckpt.module_tensors("m", model), {"step": 2})
    _, state = ckpt.load_checkpoint(tmp_path / "c")
    assert state["step"] == 1  # the good checkpoint survived
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]  # no temporary leftovers


def test_interrupted_swap_falls_back_to_old(tmp_path):
    model, _ = _model_and_opt()
    ckpt.save_checkpoint(tmp_path / "c", ckpt.module_tensors("m", model), {"step": 3})
    (tmp_path / "c").rename(tmp_path / "c.old")  # crash between the two renames
    _, state = ckpt.load_checkpoint(tmp_path / "c")
    assert state["step"] == 3


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        ckpt.load_checkpoint(tmp_path / "nothing")
