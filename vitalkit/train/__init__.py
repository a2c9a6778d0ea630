"""Training: the DataModule, the LightningModule and :func:`fit`.

Examples
--------
>>> from vitalkit.train import class_weights
>>> class_weights([50, 50], "inverse").tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from vitalkit.models.persist import load_trained_model
from vitalkit.train.data import BeatDataModule, SplitDataModule, class_weights, loss_weights
from vitalkit.train.fit import (
    TrainConfig,
    TrainResult,
    fit,
    read_history,
    save_trained_model,
)
from vitalkit.train.module import BeatClassifierModule, ClassifierModule, focal_loss
from vitalkit.train.report import curves_figure, validation_report

__all__ = [
    "BeatClassifierModule",
    "BeatDataModule",
    "ClassifierModule",
    "SplitDataModule",
    "TrainConfig",
    "TrainResult",
    "class_weights",
    "curves_figure",
    "fit",
    "focal_loss",
    "load_trained_model",
    "loss_weights",
    "read_history",
    "save_trained_model",
    "validation_report",
]
