"""A thin LightningModule around any beat classifier backbone.

Loss: cross-entropy with optional class weights, or focal loss. Validation computes the
AAMI metrics of :mod:`vitalkit.evaluate.metrics` on all validation beats at epoch end and
logs ``val_macro_f1``, the model-selection criterion.

Examples
--------
>>> from vitalkit.models import BeatNet
>>> module = ClassifierModule(BeatNet("resnet1d", 4), classes=["N", "S", "V", "F"])
>>> module.loss_name
'cross_entropy'
"""

from __future__ import annotations

from collections.abc import Sequence

import lightning as L
import numpy as np
import torch
from torch import nn

from vitalkit.errors import ParamsError
from vitalkit.evaluate.tasks import focal_loss, get_task

LOSSES = ("cross_entropy", "focal")

__all__ = ["LOSSES", "BeatClassifierModule", "ClassifierModule", "focal_loss"]


class ClassifierModule(L.LightningModule):
    """Train any ``model(*inputs) -> logits`` (beats: ``(window, rr)``; windows: ``(window,)``).

    Parameters
    ----------
    model : nn.Module
        The classifier (e.g. :class:`vitalkit.models.BeatNet`, :class:`vitalkit.models.WindowNet`).
    classes : sequence of str
        Class (label) names, for logged per-class metrics.
    class_weights : sequence of float, optional
        Multiclass: loss weight per class. Multilabel: weight of each label's positive examples.
    loss : {'cross_entropy', 'focal'}
        Loss function (multilabel tasks use binary cross-entropy either way, focal-modulated
        with ``'focal'``).
    focal_gamma : float
        Focusing parameter of the focal loss.
    lr, weight_decay : float
        AdamW settings; the learning rate follows a cosine schedule over ``max_epochs``.
    max_epochs : int
        Length of the cosine schedule.
    min_support : int
        ``val_macro_f1`` (the selection criterion) averages over the classes with at least
        this many validation samples: a class with a handful of validation beats (F, whose
        DS1 beats sit almost all in record 208) would make the criterion noise. The F1 of
        every present class is still logged as ``val_F1_<class>``.
    task : {'multiclass', 'multilabel'}
        Softmax and one class per sample, or one sigmoid per label.
    """

    def __init__(
        self,
        model: nn.Module,
        classes: Sequence[str],
        class_weights: Sequence[float] | None = None,
        loss: str = "cross_entropy",
        focal_gamma: float = 2.0,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        max_epochs: int = 30,
        min_support: int = 20,
        task: str = "multiclass",
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ParamsError("loss", [f"must be one of {LOSSES}, not {loss!r}"])
        spec = get_task(task)
        self.model = model
        self.classes = list(classes)
        self.loss_name = loss
        self.focal_gamma = focal_gamma
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.min_support = min_support
        self.task = task
        self.metrics = spec
        weights = torch.as_tensor(
            class_weights if class_weights is not None else [1.0] * len(classes), dtype=torch.float32
        )
        self.register_buffer("class_weights", weights)
        self._val_true: list[torch.Tensor] = []
        self._val_prob: list[torch.Tensor] = []
        # plain lists and numbers, so that hparams.yaml is read back by yaml.safe_load
        self.save_hyperparameters(
            {
                "classes": list(self.classes),
                "class_weights": [float(w) for w in weights],
                "loss": loss,
                "focal_gamma": float(focal_gamma),
                "lr": float(lr),
                "weight_decay": float(weight_decay),
                "max_epochs": int(max_epochs),
                "min_support": int(min_support),
                "task": task,
            }
        )

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.model(*inputs)

    def _loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        gamma = self.focal_gamma if self.loss_name == "focal" else None
        return self.metrics.loss(logits, target, self.class_weights, gamma)

    def _probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return self.metrics.probabilities(logits)

    def training_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> torch.Tensor:
        *inputs, target = batch
        loss = self._loss(self(*inputs), target)
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=len(target), sync_dist=True)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> None:
        *inputs, target = batch
        logits = self(*inputs)
        unweighted = self.metrics.plain_loss(logits, target)
        self.log("val_loss", unweighted, on_epoch=True, batch_size=len(target), sync_dist=True)
        self._val_true.append(target.detach().cpu())
        self._val_prob.append(self._probabilities(logits).detach().cpu())

    def on_validation_epoch_end(self) -> None:
        if not self._val_true:
            return
        y_true = torch.cat(self._val_true).numpy()
        y_pred = self.metrics.decide(torch.cat(self._val_prob).numpy())
        self._val_true.clear()
        self._val_prob.clear()
        y_true = y_true.astype(np.int64)  # class indices already; multi-hot rows from float
        # every process evaluates the whole validation set (see SplitDataModule): no gathering
        summary = self.metrics.summary(y_true, y_pred, self.classes)
        selection = self.metrics.selection(y_true, y_pred, self.classes, self.min_support)
        self.log("val_macro_f1", float(selection), sync_dist=False)
        self.log("val_accuracy", float(summary["accuracy"]), sync_dist=False)
        for c in self.classes:
            value = summary[f"{c}_F1"]
            if np.isfinite(value):
                self.log(f"val_F1_{c}", float(value), sync_dist=False)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(self.max_epochs, 1))
        return {"optimizer": optimizer, "lr_scheduler": schedule}


BeatClassifierModule = ClassifierModule
"""The name this module had while it trained beat models only."""
