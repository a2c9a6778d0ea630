"""Run a trained classifier (neural, classical or ensemble) on a dataset's inputs.

Examples
--------
>>> import numpy as np, torch
>>> from vitalkit.models import BeatNet
>>> net = BeatNet("resnet1d", 4, hparams={"channels": [8]}).eval()
>>> predict_proba(net, np.zeros((5, 1, 252), np.float32), np.full((5, 4), 0.8, np.float32)).shape
(5, 4)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from torch import nn

from vitalkit.models.beatnet import ACTIVATIONS


@functools.singledispatch
def predict_proba(model: Any, *arrays: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Probabilities ``(n, K)``; models with their own ``predict_proba`` use it."""
    return np.asarray(model.predict_proba(*arrays), dtype=np.float32)


@predict_proba.register(nn.Module)
@torch.inference_mode()
def _predict_torch(model: nn.Module, *arrays: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """``model(*inputs) -> logits`` in batches; softmax (multiclass) or sigmoid (multilabel)."""
    model.eval()
    activation = ACTIVATIONS[getattr(model, "config", {}).get("task", "multiclass")]
    out = []
    for start in range(0, len(arrays[0]), batch_size):
        batch = [torch.from_numpy(np.ascontiguousarray(a[start : start + batch_size])) for a in arrays]
        out.append(activation(model(*batch)).numpy())
    if not out:
        return np.empty((0, 0), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)
