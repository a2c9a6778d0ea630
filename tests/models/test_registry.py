"""Backbone registry and the beat classifier around it."""

import pytest
import torch
from torch import nn

from vitalkit.errors import ParamsError
from vitalkit.models import BeatNet, available_backbones, build_backbone, register_backbone


def test_registered_backbones_build_and_run() -> None:
    for name in available_backbones():
        net = build_backbone(name, in_channels=1)
        out = net(torch.zeros(3, 1, 252))
        assert out.shape == (3, net.out_features)


def test_unknown_architecture_and_hparams_are_clear_errors() -> None:
    with pytest.raises(ParamsError, match="unknown architecture 'vgg'"):
        build_backbone("vgg")
    with pytest.raises(ParamsError, match="has no hyperparameter 'depth'"):
        build_backbone("resnet1d", depth=5)


def test_register_twice_under_one_name_fails() -> None:
    with pytest.raises(ValueError, match="already registered"):

        @register_backbone("resnet1d")
        class Other(nn.Module):
            pass


@pytest.mark.parametrize("use_rr", [True, False])
def test_beatnet_outputs_logits_and_uses_rr(use_rr: bool) -> None:
    torch.manual_seed(0)
    net = BeatNet("resnet1d", n_classes=4, hparams={"channels": [8, 16]}, use_rr=use_rr).eval()
    w = torch.randn(5, 1, 252)
    a = net(w, torch.full((5, 4), 0.8))
    b = net(w, torch.full((5, 4), 0.4))
    assert a.shape == (5, 4)
    assert (not torch.allclose(a, b)) == use_rr  # RR context changes the output only when used
    assert net.config["architecture"] == "resnet1d"
