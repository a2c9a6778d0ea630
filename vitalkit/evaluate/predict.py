"""Run a trained beat classifier on a beat set.

Examples
--------
>>> import numpy as np, torch
>>> from vitalkit.models import BeatNet
>>> net = BeatNet("resnet1d", 4, hparams={"channels": [8]}).eval()
>>> predict_proba(net, np.zeros((5, 252), np.float32), np.full((5, 4), 0.8, np.float32)).shape
(5, 4)
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


@torch.inference_mode()
def predict_proba(
    model: nn.Module, windows: np.ndarray, rr: np.ndarray, batch_size: int = 4096
) -> np.ndarray:
    """Class probabilities ``(n, K)`` of ``model(window, rr) -> logits``, in batches."""
    model.eval()
    out = []
    for start in range(0, len(windows), batch_size):
        w = torch.from_numpy(np.ascontiguousarray(windows[start : start + batch_size]))
        r = torch.from_numpy(np.ascontiguousarray(rr[start : start + batch_size]))
        out.append(torch.softmax(model(w, r), dim=1).numpy())
    if not out:
        return np.empty((0, 0), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)
