"""Registered backbones and the beat classifier built around them.

Importing this package registers every architecture module listed here.

Examples
--------
>>> from vitalkit.models import available_backbones
>>> available_backbones()
['resnet1d']
"""

from __future__ import annotations

from vitalkit.models import resnet1d  # noqa: F401  (registers the backbone)
from vitalkit.models.beatnet import BeatNet, ProbabilityModel
from vitalkit.models.registry import (
    available_backbones,
    build_backbone,
    check_hparams,
    register_backbone,
)

__all__ = [
    "BeatNet",
    "ProbabilityModel",
    "available_backbones",
    "build_backbone",
    "check_hparams",
    "register_backbone",
]
