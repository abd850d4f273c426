"""Config: flat keyword routing, validation, JSON round trip."""

import json

import pytest

from synthgan.config import StockConfig, from_dict, to_dict
from synthgan.errors import ConfigError


def test_flat_kwargs_reach_their_group():
    cfg = StockConfig.from_kwargs(steps=7, window=32, hidden=16, dilations=[1, 2])
    assert cfg.train.steps == 7 and cfg.data.window == 32
    assert cfg.model.hidden == 16 and cfg.model.dilations == (1, 2)
    assert StockConfig.from_kwargs(dilations=4).model.dilations == (4,)


def test_json_roundtrip_is_exact():
    cfg = StockConfig.from_kwargs(steps=9, betas=(0.5, 0.99), slow_halflives=(3.0,))
    again = from_dict(StockConfig, json.loads(json.dumps(to_dict(cfg))))
    assert again == cfg


def test_every_bad_setting_is_named():
    cfg = StockConfig.from_kwargs(steps=0, batch_size=0, window=4)
    with pytest.raises(ConfigError) as info:
        cfg.validate()
    msg = str(info.value)
    assert "steps" in msg and "batch_size" in msg and "window" in msg
