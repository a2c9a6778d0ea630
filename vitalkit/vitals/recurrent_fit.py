"""Train the recurrent early-warning model with Lightning, selected on validation AUROC.

The same machinery as the beat classifiers (:mod:`vitalkit.train.fit`): seeded,
deterministic, CSV + TensorBoard (+ offline W&B) logs, best checkpoint on a validation
metric, early stopping. The loss is a masked binary cross-entropy over the rows that
count (:mod:`vitalkit.vitals.sequences`); the selection metric is the AUROC of the
6-hour-ahead label on the validation patients' evaluated hours.

Examples
--------
>>> cfg = RecurrentConfig(max_epochs=2)
>>> cfg.hidden, cfg.target
(64, 'ahead')
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from sklearn.metrics import average_precision_score, roc_auc_score

from vitalkit.errors import ParamsError
from vitalkit.io import read_json, write_json
from vitalkit.models.persist import load_weights, save_weights
from vitalkit.train.fit import (
    EpochPrinter,
    TrainConfig,
    close_trackers,
    load_best_weights,
    make_trainer,
    portable_checkpoint,
    read_history,
    start_training,
)
from vitalkit.vitals.recurrent import VitalsGRU
from vitalkit.vitals.sequences import TARGETS, SequenceDataModule, SequenceSet, feature_statistics

MONITOR = "val_auroc"


@dataclass
class RecurrentConfig:
    """Settings of the recurrent model and its training.

    Attributes
    ----------
    hidden, layers : int
        GRU size.
    skip : bool
        Linear path from the current hour's inputs to the logit, beside the GRU.
    dropout : float
        Dropout.
    target : {'ahead', 'challenge'}
        Training target (:mod:`vitalkit.vitals.sequences`).
    pos_weight : float
        Weight of positive rows in the loss (0: negatives / positives of the training rows).
    max_epochs, patience, batch_size : int
        Epoch limit, early-stopping patience on validation AUROC, patients per batch.
    lr, weight_decay : float
        AdamW settings (cosine schedule).
    grad_clip : float
        Gradient-norm clipping (0: none); back-propagation through long stays can explode.
    seed : int
        Seed of weights and batch order.
    wandb : {'off', 'offline', 'online'}
        Weights & Biases logging.
    threads : int
        Torch threads (0: leave the default). One by default: the GRU's many small steps
        gain little from a second thread, and on a loaded machine two threads waiting on
        each other made an epoch ten times slower.
    """

    hidden: int = 64
    layers: int = 1
    skip: bool = False
    dropout: float = 0.1
    target: str = "ahead"
    pos_weight: float = 0.0
    max_epochs: int = 15
    patience: int = 4
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    seed: int = 0
    wandb: str = "off"
    threads: int = 1

    def __post_init__(self) -> None:
        problems = []
        if self.target not in TARGETS:
            problems.append(f"target must be one of {TARGETS}, not {self.target!r}")
        if self.hidden < 1 or self.layers < 1:
            problems.append("hidden and layers must be >= 1")
        if self.max_epochs < 1 or self.batch_size < 1:
            problems.append("max_epochs and batch_size must be >= 1")
        if problems:
            raise ParamsError("vitals recurrent model", problems)
        TrainConfig(max_epochs=self.max_epochs, lr=self.lr, wandb=self.wandb)  # shared checks


class EarlyWarningModule(L.LightningModule):
    """Masked BCE training of :class:`VitalsGRU`; logs validation AUROC and AUPRC."""

    def __init__(
        self,
        model: VitalsGRU,
        pos_weight: float = 1.0,
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        max_epochs: int = 15,
    ) -> None:
        super().__init__()
        self.model = model
        self.pos_weight = pos_weight
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self._val: list[tuple[np.ndarray, np.ndarray]] = []
        self.save_hyperparameters(ignore=["model"])

    def _loss(self, logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        pos = torch.tensor(self.pos_weight, dtype=logits.dtype)
        per_row = F.binary_cross_entropy_with_logits(logits, target, reduction="none", pos_weight=pos)
        return (per_row * weight).sum() / weight.sum().clamp_min(1.0)

    def training_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> torch.Tensor:
        values, measured, target, weight, _, _ = batch
        loss = self._loss(self.model(values, measured), target, weight)
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=int(weight.sum().item()) or 1)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> None:
        values, measured, _, _, eval_target, eval_mask = batch
        logits = self.model(values, measured)
        loss = self._loss(logits, eval_target, eval_mask)
        self.log("val_loss", loss, on_epoch=True, batch_size=int(eval_mask.sum().item()) or 1)
        keep = eval_mask.bool()
        self._val.append((eval_target[keep].numpy(), torch.sigmoid(logits[keep]).numpy()))

    def on_validation_epoch_end(self) -> None:
        if not self._val:
            return
        y = np.concatenate([v[0] for v in self._val])
        p = np.concatenate([v[1] for v in self._val])
        self._val.clear()
        both = 0 < y.sum() < y.size
        self.log(MONITOR, float(roc_auc_score(y, p)) if both else 0.5)
        self.log("val_auprc", float(average_precision_score(y, p)) if both else float(y.mean()))

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(self.max_epochs, 1))
        return {"optimizer": optimizer, "lr_scheduler": schedule}


@dataclass
class RecurrentResult:
    """What :func:`fit_recurrent` returns."""

    model: VitalsGRU
    history: pd.DataFrame
    best_epoch: int
    best_val_auroc: float
    epochs_run: int
    wall_time_s: float
    n_parameters: int

    def summary(self) -> dict[str, Any]:
        """Headline numbers."""
        return {
            "best_epoch": self.best_epoch,
            "best_val_auroc": round(self.best_val_auroc, 4),
            "epochs_run": self.epochs_run,
            "n_parameters": self.n_parameters,
            "wall_time_s": round(self.wall_time_s, 1),
        }


def fit_recurrent(
    train: SequenceSet, val: SequenceSet, product_dir: str | Path, config: RecurrentConfig
) -> RecurrentResult:
    """Train :class:`VitalsGRU` on ``train``, keep the epoch with the best validation AUROC.

    Writes ``checkpoints/``, ``logs/`` (CSV) and ``tensorboard/`` under ``product_dir``.
    """
    product_dir = start_training(product_dir, config.seed, config.threads)
    mean, std = feature_statistics(train)
    model = VitalsGRU(
        n_features=train.values.shape[1],
        hidden=config.hidden,
        layers=config.layers,
        dropout=config.dropout,
        skip=config.skip,
        mean=mean,
        std=std,
        feature_names=train.feature_names,
        seed=config.seed,
    )
    counted = train.weight > 0
    positives = float(train.target[counted].sum())
    pos_weight = float(config.pos_weight or (counted.sum() - positives) / max(positives, 1.0))
    module = EarlyWarningModule(model, pos_weight, config.lr, config.weight_decay, config.max_epochs)
    checkpoint = ModelCheckpoint(
        dirpath=product_dir / "checkpoints", filename="best", monitor=MONITOR, mode="max", save_top_k=1
    )
    train_config = TrainConfig(max_epochs=config.max_epochs, wandb=config.wandb, seed=config.seed)
    callbacks = [
        checkpoint,
        EarlyStopping(monitor=MONITOR, mode="max", patience=config.patience),
        EpochPrinter(MONITOR),
    ]
    trainer = make_trainer(
        product_dir,
        train_config,
        callbacks,
        "vitals_gru",
        devices=1,
        log_every_n_steps=max(1, min(10, len(train) // config.batch_size)),
        gradient_clip_val=config.grad_clip or None,
    )
    start = time.perf_counter()
    trainer.fit(module, datamodule=SequenceDataModule(train, val, config.batch_size, config.seed))
    wall = time.perf_counter() - start
    load_best_weights(model, checkpoint.best_model_path)
    portable_checkpoint(checkpoint.best_model_path, product_dir)
    history = read_history(product_dir)
    best_row = history.loc[history[MONITOR].idxmax()]
    close_trackers(
        trainer,
        {"run": "vitals_gru", **asdict(config)},
        {"best_val_auroc": float(best_row[MONITOR]), "best_epoch": int(best_row["epoch"])},
    )
    return RecurrentResult(
        model=model.eval(),
        history=history,
        best_epoch=int(best_row["epoch"]),
        best_val_auroc=float(best_row[MONITOR]),
        epochs_run=int(history["epoch"].max()) + 1,
        wall_time_s=wall,
        n_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad),
    )


def save_recurrent(product_dir: str | Path, result: RecurrentResult, config: RecurrentConfig) -> Path:
    """Write ``model.pt`` (weights), ``model.json`` (how to rebuild it) and ``metrics.json``."""
    product_dir = Path(product_dir)
    save_weights(product_dir / "model.pt", result.model.state_dict())
    write_json(product_dir / "model.json", {**result.model.config, "train": asdict(config)})
    write_json(product_dir / "metrics.json", result.summary())
    return product_dir / "model.pt"


def load_recurrent(product_dir: str | Path) -> VitalsGRU:
    """Rebuild a model saved by :func:`save_recurrent` (eval mode)."""
    product_dir = Path(product_dir)
    config = read_json(product_dir / "model.json")
    config.pop("train", None)
    return load_weights(VitalsGRU(**config), product_dir / "model.pt")
