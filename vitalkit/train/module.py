"""A thin LightningModule around any beat classifier backbone.

Loss: cross-entropy with optional class weights, or focal loss. Validation computes the
AAMI metrics of :mod:`vitalkit.evaluate.metrics` on all validation beats at epoch end and
logs ``val_macro_f1``, the model-selection criterion.

Examples
--------
>>> from vitalkit.models import BeatNet
>>> module = BeatClassifierModule(BeatNet("resnet1d", 4), classes=["N", "S", "V", "F"])
>>> module.loss_name
'cross_entropy'
"""

from __future__ import annotations

from collections.abc import Sequence

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vitalkit.errors import ParamsError
from vitalkit.evaluate.metrics import classification_summary

LOSSES = ("cross_entropy", "focal")


def focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    gamma: float = 2.0,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Multi-class focal loss (Lin et al. 2017), mean over the batch.

    Examples
    --------
    >>> logits = torch.tensor([[4.0, 0.0], [0.0, 4.0]])
    >>> target = torch.tensor([0, 1])
    >>> bool(focal_loss(logits, target) < F.cross_entropy(logits, target))
    True
    """
    logp = F.log_softmax(logits, dim=1)
    logp_t = logp.gather(1, target[:, None]).squeeze(1)
    loss = -((1 - logp_t.exp()) ** gamma) * logp_t
    if weight is not None:
        loss = loss * weight[target]
    return loss.mean()


class BeatClassifierModule(L.LightningModule):
    """Train any ``model(window, rr) -> logits``.

    Parameters
    ----------
    model : nn.Module
        The classifier (e.g. :class:`vitalkit.models.BeatNet`).
    classes : sequence of str
        Class names (for logged per-class metrics).
    class_weights : sequence of float, optional
        Loss weight per class.
    loss : {'cross_entropy', 'focal'}
        Loss function.
    focal_gamma : float
        Focusing parameter of the focal loss.
    lr, weight_decay : float
        AdamW settings; the learning rate follows a cosine schedule over ``max_epochs``.
    max_epochs : int
        Length of the cosine schedule.
    min_support : int
        ``val_macro_f1`` (the selection criterion) averages over the classes with at least
        this many validation beats: a class with a handful of validation beats (F, whose
        DS1 beats sit almost all in record 208) would make the criterion noise. The F1 of
        every present class is still logged as ``val_F1_<class>``.
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
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ParamsError("loss", [f"must be one of {LOSSES}, not {loss!r}"])
        self.model = model
        self.classes = list(classes)
        self.loss_name = loss
        self.focal_gamma = focal_gamma
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.min_support = min_support
        weights = torch.as_tensor(
            class_weights if class_weights is not None else [1.0] * len(classes),
            dtype=torch.float32,
        )
        self.register_buffer("class_weights", weights)
        self._val_true: list[torch.Tensor] = []
        self._val_pred: list[torch.Tensor] = []
        self.save_hyperparameters(ignore=["model"])

    def forward(self, window: torch.Tensor, rr: torch.Tensor) -> torch.Tensor:
        return self.model(window, rr)

    def _loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "focal":
            return focal_loss(logits, target, self.focal_gamma, self.class_weights)
        return F.cross_entropy(logits, target, weight=self.class_weights)

    def training_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> torch.Tensor:
        window, rr, target = batch
        loss = self._loss(self(window, rr), target)
        self.log(
            "train_loss",
            loss,
            on_step=False,
            on_epoch=True,
            batch_size=target.numel(),
            sync_dist=True,
        )
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> None:
        window, rr, target = batch
        logits = self(window, rr)
        self.log(
            "val_loss",
            F.cross_entropy(logits, target),
            on_epoch=True,
            batch_size=target.numel(),
            sync_dist=True,
        )
        self._val_true.append(target.detach().cpu())
        self._val_pred.append(logits.argmax(dim=1).detach().cpu())

    def on_validation_epoch_end(self) -> None:
        if not self._val_true:
            return
        y_true = torch.cat(self._val_true)
        y_pred = torch.cat(self._val_pred)
        self._val_true.clear()
        self._val_pred.clear()
        if self.trainer.world_size > 1:  # gather every process's share of the validation set
            y_true = self.all_gather(y_true).reshape(-1).cpu()
            y_pred = self.all_gather(y_pred).reshape(-1).cpu()
        summary = classification_summary(y_true.numpy(), y_pred.numpy(), self.classes)
        support = np.bincount(y_true.numpy(), minlength=len(self.classes))
        counted = [c for c, n in zip(self.classes, support, strict=True) if n >= self.min_support]
        selection = np.mean([summary[f"{c}_F1"] for c in counted]) if counted else 0.0
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
