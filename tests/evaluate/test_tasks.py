"""The Task objects own everything that differs between multiclass and multilabel tasks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vitalkit.errors import ParamsError
from vitalkit.evaluate.bootstrap import paired_bootstrap
from vitalkit.evaluate.compare import compare_models
from vitalkit.evaluate.multilabel import paired_bootstrap_multilabel
from vitalkit.evaluate.tasks import TASKS, focal_loss, get_task


def test_compare_models_uses_each_task_own_paired_bootstrap() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(8), 10)
    y = rng.integers(0, 2, 80)
    a, b = y.copy(), rng.integers(0, 2, 80)
    table = compare_models(y, a, b, groups, ["N", "S"], ("a", "b"), metrics=("macro_f1",), n_boot=50)
    direct = paired_bootstrap(y, a, b, groups, ["N", "S"], metric="macro_f1", n_boot=50)
    assert table["difference"].iloc[0] == direct["difference"]
    ym = rng.integers(0, 2, (80, 2))
    bm = rng.integers(0, 2, (80, 2))
    table = compare_models(
        ym, ym, bm, groups, ["x", "y"], ("a", "b"), metrics=("macro_f1",), n_boot=50, task="multilabel"
    )
    direct = paired_bootstrap_multilabel(ym, ym, bm, groups, ["x", "y"], metric="macro_f1", n_boot=50)
    assert table["ci_low"].iloc[0] == direct["ci_low"]


def test_losses_and_probabilities_match_the_torch_functions() -> None:
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.3]])
    target = torch.tensor([0, 1])
    w = torch.tensor([1.0, 2.0])
    mc, ml = TASKS["multiclass"], TASKS["multilabel"]
    assert torch.allclose(mc.loss(logits, target, w), F.cross_entropy(logits, target, weight=w))
    assert torch.allclose(mc.loss(logits, target, w, 2.0), focal_loss(logits, target, 2.0, w))
    assert torch.allclose(mc.probabilities(logits), torch.softmax(logits, dim=1))
    multi = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    bce = F.binary_cross_entropy_with_logits(logits, multi, pos_weight=w)
    assert torch.allclose(ml.loss(logits, multi, w), bce)
    assert torch.allclose(ml.plain_loss(logits, multi), F.binary_cross_entropy_with_logits(logits, multi))
    assert torch.allclose(ml.probabilities(logits), torch.sigmoid(logits))


def test_targets_counts_and_weights_per_task() -> None:
    mc, ml = TASKS["multiclass"], TASKS["multilabel"]
    labels = np.array([0, 1, 1, 2])
    assert mc.targets(labels).dtype == np.int64
    assert mc.label_counts(labels, 4).tolist() == [1, 2, 1, 0]
    assert mc.has_class(labels, 1).tolist() == [False, True, True, False]
    assert mc.confusion(labels, labels, 3).trace() == 4
    multi = np.array([[1, 0], [1, 1], [0, 1], [1, 0]], np.float32)
    assert ml.targets(multi).dtype == np.float32
    assert ml.sampling_labels(multi).tolist() == [0, 0, 1, 0]
    assert ml.label_counts(multi, 2).tolist() == [3, 2]
    assert ml.confusion(multi, multi, 2) is None
    assert ml.loss_weights(ml.label_counts(multi, 2), 4, "inverse").tolist() == pytest.approx([1 / 3, 1.0])
    with pytest.raises(ParamsError):
        ml.loss_weights(np.ones(2), 4, "cube")
    with pytest.raises(ParamsError):
        get_task("ranking")
