"""Registered backbones and the beat classifier built around them.

Importing this package registers every architecture module listed here.

Examples
--------
>>> from vitalkit.models import available_backbones
>>> available_backbones()
['cnn_lstm', 'resnet1d', 'transformer']

"""

from __future__ import annotations

from vitalkit.models import cnn_lstm, resnet1d, transformer  # noqa: F401  (register backbones)
from vitalkit.models.beatnet import BeatNet, ProbabilityModel, WindowNet
from vitalkit.models.classical import CLASSICAL, ClassicalBeatModel, beat_features
from vitalkit.models.factory import available_architectures, build_model, check_architecture
from vitalkit.models.registry import (
    available_backbones,
    build_backbone,
    check_hparams,
    register_backbone,
)

__all__ = [
    "CLASSICAL",
    "BeatNet",
    "ClassicalBeatModel",
    "ProbabilityModel",
    "WindowNet",
    "available_architectures",
    "available_backbones",
    "beat_features",
    "build_backbone",
    "build_model",
    "check_architecture",
    "check_hparams",
    "register_backbone",
]
