"""Backbones registered by name and built from parameters (no if/elif dispatch).

A backbone is a plain ``nn.Module`` mapping ``(batch, in_channels, length)`` to
``(batch, out_features)`` and exposing ``out_features``. :class:`vitalkit.models.BeatNet`
puts the input normalization, the RR-interval branch and the classifier around it.

Examples
--------
>>> import torch
>>> from vitalkit.models.registry import build_backbone, available_backbones
>>> "resnet1d" in available_backbones()
True
>>> net = build_backbone("resnet1d", in_channels=1, channels=[8, 16])
>>> net(torch.zeros(2, 1, 252)).shape[0]
2
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from torch import nn

from vitalkit.errors import ParamsError

_BACKBONES: dict[str, type[nn.Module]] = {}
M = TypeVar("M", bound=type[nn.Module])


def register_backbone(name: str) -> Callable[[M], M]:
    """Class decorator registering a backbone under ``name``."""

    def decorate(cls: M) -> M:
        if name in _BACKBONES and _BACKBONES[name] is not cls:
            raise ValueError(f"backbone {name!r} is already registered by {_BACKBONES[name]}")
        _BACKBONES[name] = cls
        return cls

    return decorate


def available_backbones() -> list[str]:
    """Names of the registered backbones."""
    return sorted(_BACKBONES)


def backbone_class(name: str) -> type[nn.Module]:
    """Return the class registered as ``name``."""
    try:
        return _BACKBONES[name]
    except KeyError:
        raise ParamsError(
            "architecture", [f"unknown architecture {name!r}; registered: {available_backbones()}"]
        ) from None


def check_hparams(name: str, hparams: dict[str, Any]) -> list[str]:
    """Return the problems with ``hparams`` for backbone ``name`` (unknown keys)."""
    cls = backbone_class(name)
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return []
    allowed = set(params) - {"self", "in_channels"}
    return [
        f"architecture {name!r} has no hyperparameter {key!r}; it takes {sorted(allowed)}"
        for key in hparams
        if key not in allowed
    ]


def build_backbone(name: str, in_channels: int = 1, **hparams: Any) -> nn.Module:
    """Build a registered backbone, with a clear error for unknown hyperparameters."""
    problems = check_hparams(name, hparams)
    if problems:
        raise ParamsError("model hyperparameters", problems)
    return backbone_class(name)(in_channels=in_channels, **hparams)
