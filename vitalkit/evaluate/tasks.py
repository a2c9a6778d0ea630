"""What a task is: how labels become targets, logits probabilities and decisions, and its metrics.

Two tasks exist. ``multiclass``: one class per sample, labels are class indices. ``multilabel``:
any number of labels per sample, labels are multi-hot rows. Everything that differs between
them is a method of its :class:`Task` object in :data:`TASKS`, so callers look the task up once
and never compare task names.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.2, 0.8]])
>>> TASKS["multiclass"].decide(p).tolist(), TASKS["multilabel"].decide(p).tolist()
([1], [[0, 1]])
>>> TASKS["multilabel"].label_counts(np.array([[1, 0], [1, 1]]), 2).tolist()
[2, 1]

"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import ParamsError
from vitalkit.evaluate.bootstrap import bootstrap_metrics, paired_bootstrap, record_confusions
from vitalkit.evaluate.metrics import (
    classification_summary,
    confusion,
    per_class_arrays,
    selection_score,
    summary_arrays,
)
from vitalkit.evaluate.multilabel import (
    multilabel_bootstrap,
    multilabel_selection_score,
    multilabel_summary,
    paired_bootstrap_multilabel,
)

THRESHOLD = 0.5
"""Decision threshold of each label in multilabel tasks."""

CLASS_WEIGHTINGS = ("none", "inverse", "sqrt_inverse")
"""How loss weights follow class (label) frequencies."""


def _check_weighting(method: str) -> None:
    if method not in CLASS_WEIGHTINGS:
        raise ParamsError("class_weighting", [f"must be one of {CLASS_WEIGHTINGS}, not {method!r}"])


def class_weights(counts: np.ndarray, method: str = "inverse") -> np.ndarray:
    """Loss weights per class from training counts, normalized to a count-weighted mean of 1.

    Parameters
    ----------
    counts : np.ndarray
        Training beats per class.
    method : {'none', 'inverse', 'sqrt_inverse'}
        ``w_c ∝ 1/n_c`` or ``1/sqrt(n_c)``; absent classes get weight 0.

    Examples
    --------
    >>> class_weights(np.array([900, 100]), "inverse").round(3).tolist()
    [0.556, 5.0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    _check_weighting(method)
    if method == "none":
        return np.ones_like(counts)
    power = 1.0 if method == "inverse" else 0.5
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1) ** power, 0.0)
    return w * counts.sum() / (w * counts).sum()


def focal_loss(logits: Any, target: Any, gamma: float = 2.0, weight: Any = None) -> Any:
    """Multi-class focal loss (Lin et al. 2017) of torch tensors, mean over the batch.

    Examples
    --------
    >>> import torch
    >>> import torch.nn.functional as F
    >>> logits = torch.tensor([[4.0, 0.0], [0.0, 4.0]])
    >>> target = torch.tensor([0, 1])
    >>> bool(focal_loss(logits, target) < F.cross_entropy(logits, target))
    True
    """
    import torch.nn.functional as F

    logp = F.log_softmax(logits, dim=1)
    logp_t = logp.gather(1, target[:, None]).squeeze(1)
    loss = -((1 - logp_t.exp()) ** gamma) * logp_t
    if weight is not None:
        loss = loss * weight[target]
    return loss.mean()


@dataclass(frozen=True)
class Task:
    """The behaviour of one task: targets, probabilities, loss, decisions and metrics.

    Subclasses fill in the methods; the attributes are the metric functions of the task.

    Attributes
    ----------
    name : str
        ``'multiclass'`` or ``'multilabel'``.
    exclusive : bool
        One class per sample (a confusion matrix and per-class record tables exist).
    summary : callable
        ``(y_true, y_pred, classes) -> {metric: value}``.
    selection : callable
        ``(y_true, y_pred, classes, min_support) -> float``: the model-selection criterion.
    bootstrap : callable
        ``(y_true, y_pred, groups, classes, n_boot, seed, level) -> DataFrame`` of CIs.
    paired_bootstrap : callable
        ``(y_true, pred_a, pred_b, groups, classes, metric, n_boot, seed, level) -> dict``: the
        difference of two models with the same record draws for both.
    output : str
        What the model's outputs are, for model cards.
    """

    name: str
    exclusive: bool
    summary: Callable[..., dict[str, float]]
    selection: Callable[..., float]
    bootstrap: Callable[..., Any]
    paired_bootstrap: Callable[..., dict[str, float]]
    output: str

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, K)`` to predictions (class index, or 0/1 per label)."""
        raise NotImplementedError

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """Training targets: int64 class indices or float32 multi-hot rows."""
        raise NotImplementedError

    def sampling_labels(self, labels: np.ndarray) -> np.ndarray:
        """One class per sample for samplers (multilabel: a row's first positive label)."""
        raise NotImplementedError

    def label_counts(self, labels: np.ndarray, n_classes: int) -> np.ndarray:
        """Samples per class (multilabel: samples carrying each label)."""
        raise NotImplementedError

    def has_class(self, labels: np.ndarray, i: int) -> np.ndarray:
        """Boolean mask of the samples of class (carrying label) ``i``."""
        raise NotImplementedError

    def loss_weights(self, counts: np.ndarray, n_samples: int, method: str = "inverse") -> np.ndarray:
        """Weights of the loss from the :meth:`label_counts` of the training samples."""
        raise NotImplementedError

    def probabilities(self, logits: Any) -> Any:
        """Torch logits to probabilities (softmax or sigmoid)."""
        raise NotImplementedError

    def loss(self, logits: Any, target: Any, weights: Any, focal_gamma: float | None = None) -> Any:
        """Weighted training loss (focal when ``focal_gamma`` is given) of torch tensors."""
        raise NotImplementedError

    def plain_loss(self, logits: Any, target: Any) -> Any:
        """Unweighted loss of torch tensors (the validation loss)."""
        raise NotImplementedError

    def confusion(self, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray | None:
        """The confusion matrix, or None where samples have several labels."""
        return None

    def per_record(
        self, y_true: np.ndarray, y_pred: np.ndarray, records: np.ndarray, classes: Sequence[str]
    ) -> pd.DataFrame:
        """One row per record: samples, accuracy, macro-F1, and per class its Se (and more)."""
        raise NotImplementedError


@dataclass(frozen=True)
class MulticlassTask(Task):
    """One class per sample; labels are class indices."""

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return np.asarray(proba).argmax(axis=1)

    def targets(self, labels: np.ndarray) -> np.ndarray:
        return labels.astype(np.int64)

    def sampling_labels(self, labels: np.ndarray) -> np.ndarray:
        return np.asarray(labels, dtype=np.int64)

    def label_counts(self, labels: np.ndarray, n_classes: int) -> np.ndarray:
        return np.bincount(np.asarray(labels), minlength=n_classes)

    def has_class(self, labels: np.ndarray, i: int) -> np.ndarray:
        return labels == i

    def loss_weights(self, counts: np.ndarray, n_samples: int, method: str = "inverse") -> np.ndarray:
        return class_weights(np.asarray(counts), method)

    def probabilities(self, logits: Any) -> Any:
        import torch

        return torch.softmax(logits, dim=1)

    def loss(self, logits: Any, target: Any, weights: Any, focal_gamma: float | None = None) -> Any:
        import torch.nn.functional as F

        if focal_gamma is None:
            return F.cross_entropy(logits, target, weight=weights)
        return focal_loss(logits, target, focal_gamma, weights)

    def plain_loss(self, logits: Any, target: Any) -> Any:
        import torch.nn.functional as F

        return F.cross_entropy(logits, target)

    def confusion(self, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray | None:
        return confusion(y_true, y_pred, n_classes)

    def per_record(
        self, y_true: np.ndarray, y_pred: np.ndarray, records: np.ndarray, classes: Sequence[str]
    ) -> pd.DataFrame:
        cms, names = record_confusions(y_true, y_pred, records, len(classes))
        per = per_class_arrays(cms)
        summ = summary_arrays(cms)
        table = pd.DataFrame(
            {"beats": cms.sum(axis=(1, 2)), "accuracy": summ["accuracy"], "macro_f1": summ["macro_f1"]},
            index=names,
        )
        for i, c in enumerate(classes):
            table[f"n_{c}"] = per["support"][:, i].astype(int)
            table[f"{c}_Se"] = per["Se"][:, i]
            table[f"{c}_+P"] = per["+P"][:, i]
        table.index.name = "record"
        return table


@dataclass(frozen=True)
class MultilabelTask(Task):
    """Any number of labels per sample; labels are multi-hot rows, each label decided at
    :data:`THRESHOLD`."""

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return (np.asarray(proba) >= THRESHOLD).astype(np.int64)

    def targets(self, labels: np.ndarray) -> np.ndarray:
        return labels.astype(np.float32)

    def sampling_labels(self, labels: np.ndarray) -> np.ndarray:
        return np.asarray(labels).argmax(axis=1).astype(np.int64)

    def label_counts(self, labels: np.ndarray, n_classes: int) -> np.ndarray:
        labels = np.asarray(labels)
        return labels.sum(axis=0) if len(labels) else np.zeros(n_classes)

    def has_class(self, labels: np.ndarray, i: int) -> np.ndarray:
        return labels[:, i] > 0

    def loss_weights(self, counts: np.ndarray, n_samples: int, method: str = "inverse") -> np.ndarray:
        """Label ``k`` with ``p_k`` positives among ``n`` samples gets ``(n - p_k) / p_k``
        (``'inverse'``, PyTorch's ``pos_weight``) or its square root."""
        _check_weighting(method)
        positives = np.asarray(counts, dtype=np.float64)
        ratio = np.where(positives > 0, (n_samples - positives) / np.maximum(positives, 1), 1.0)
        return {"none": np.ones_like(ratio), "inverse": ratio, "sqrt_inverse": np.sqrt(ratio)}[method]

    def probabilities(self, logits: Any) -> Any:
        import torch

        return torch.sigmoid(logits)

    def loss(self, logits: Any, target: Any, weights: Any, focal_gamma: float | None = None) -> Any:
        import torch
        import torch.nn.functional as F

        bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=weights, reduction="none")
        if focal_gamma is not None:
            p = torch.sigmoid(logits)
            bce = bce * ((1 - torch.where(target > 0.5, p, 1 - p)) ** focal_gamma)
        return bce.mean()

    def plain_loss(self, logits: Any, target: Any) -> Any:
        import torch.nn.functional as F

        return F.binary_cross_entropy_with_logits(logits, target)

    def per_record(
        self, y_true: np.ndarray, y_pred: np.ndarray, records: np.ndarray, classes: Sequence[str]
    ) -> pd.DataFrame:
        rows = {}
        for name in np.unique(records):
            inside = records == name
            s = multilabel_summary(y_true[inside], y_pred[inside], classes)
            rows[name] = {
                "windows": int(inside.sum()),
                "accuracy": s["accuracy"],
                "macro_f1": s["macro_f1"],
                **{f"{c}_Se": s[f"{c}_Se"] for c in classes},
            }
        table = pd.DataFrame(rows).T
        table.index.name = "record"
        return table


TASKS: dict[str, Task] = {
    "multiclass": MulticlassTask(
        "multiclass",
        True,
        classification_summary,
        selection_score,
        bootstrap_metrics,
        paired_bootstrap,
        "class probabilities (softmax)",
    ),
    "multilabel": MultilabelTask(
        "multilabel",
        False,
        multilabel_summary,
        multilabel_selection_score,
        multilabel_bootstrap,
        paired_bootstrap_multilabel,
        "label probabilities (sigmoid)",
    ),
}
"""Every task by name."""

TaskMetrics = Task
"""The name :class:`Task` had while it held the metric functions only."""


def get_task(name: str) -> Task:
    """The :class:`Task` called ``name``.

    Raises
    ------
    ParamsError
        No such task.

    Examples
    --------
    >>> get_task("multilabel").exclusive
    False
    >>> get_task("regression")
    Traceback (most recent call last):
    ...
    vitalkit.errors.ParamsError: invalid parameter set task:
      - must be one of ['multiclass', 'multilabel'], not 'regression'
    """
    if name not in TASKS:
        raise ParamsError("task", [f"must be one of {sorted(TASKS)}, not {name!r}"])
    return TASKS[name]


def class_table(
    y_true: np.ndarray, y_pred: np.ndarray, classes: list[str] | tuple[str, ...], task: str = "multiclass"
) -> pd.DataFrame:
    """Se, +P, F1, FPR and support per class (label), for either task."""
    spec = TASKS[task]
    summary = spec.summary(y_true, y_pred, classes)
    support = spec.label_counts(y_true, len(classes))
    table = pd.DataFrame(
        {m: [summary[f"{c}_{m}"] for c in classes] for m in ("Se", "+P", "F1", "FPR")}, index=list(classes)
    )
    table["support"] = support.astype(int)
    table.index.name = "class"
    return table
