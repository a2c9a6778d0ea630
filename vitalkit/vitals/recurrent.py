"""The recurrent early-warning model: a GRU over the hourly vitals-and-labs history.

Inputs are raw, so that the exported ONNX graph is the whole model:

``values``  ``(batch, time, features)``: hourly values in their units after the limited
            forward fill, NaN where nothing is known;
``measured`` ``(batch, time, features)``: 1 where the value was measured in that hour.

Inside, each feature is standardized with the training mean and standard deviation
(buffers), clipped to ``±clip`` and set to 0 where missing; the "known" mask
(``~isnan(values)``) and ``measured`` are appended, so missingness is an explicit input
and never a silent zero. A unidirectional GRU (causal: the output at hour ``t`` sees hours
``<= t`` only) and a linear head give one logit per hour.

Examples
--------
>>> import torch
>>> net = VitalsGRU(n_features=4, hidden=8)
>>> v = torch.randn(2, 5, 4); v[0, 1, 2] = float("nan")
>>> net(v, torch.ones(2, 5, 4)).shape
torch.Size([2, 5])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class VitalsGRU(nn.Module):
    """GRU early-warning model (module notes).

    Parameters
    ----------
    n_features : int
        Features per hour.
    hidden : int
        GRU hidden size.
    layers : int
        Stacked GRU layers.
    dropout : float
        Dropout between GRU layers and before the head.
    mean, std : sequence of float, optional
        Training statistics of each feature (identity if omitted).
    clip : float
        Standardized values are clipped to ``[-clip, clip]``.
    skip : bool
        Add a linear term of the current hour's inputs to the logit (a "wide" path beside
        the recurrent one: the model is at least a logistic regression on the present hour).
    feature_names : sequence of str, optional
        Kept in :attr:`config` (and the ONNX metadata).
    seed : int or None
        Seed of the weight initialization (in a forked RNG).
    """

    def __init__(
        self,
        n_features: int,
        hidden: int = 64,
        layers: int = 1,
        dropout: float = 0.1,
        mean: list[float] | None = None,
        std: list[float] | None = None,
        clip: float = 6.0,
        skip: bool = False,
        feature_names: list[str] | None = None,
        seed: int | None = 0,
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "n_features": n_features,
            "hidden": hidden,
            "layers": layers,
            "dropout": dropout,
            "mean": list(mean) if mean is not None else None,
            "std": list(std) if std is not None else None,
            "clip": clip,
            "skip": skip,
            "feature_names": list(feature_names) if feature_names is not None else None,
            "seed": seed,
        }
        with torch.random.fork_rng(enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            self.register_buffer(
                "mean", torch.tensor(mean if mean is not None else [0.0] * n_features, dtype=torch.float32)
            )
            self.register_buffer(
                "std", torch.tensor(std if std is not None else [1.0] * n_features, dtype=torch.float32)
            )
            self.clip = clip
            self.gru = nn.GRU(
                3 * n_features,
                hidden,
                num_layers=layers,
                batch_first=True,
                dropout=dropout if layers > 1 else 0.0,
            )
            self.skip = nn.Linear(3 * n_features, 1) if skip else None
            self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, 1))

    def inputs(self, values: torch.Tensor, measured: torch.Tensor) -> torch.Tensor:
        """Standardized values with the known and measured masks, ``(batch, time, 3 F)``."""
        missing = torch.isnan(values)
        z = ((values - self.mean) / self.std).clamp(-self.clip, self.clip)
        z = torch.where(missing, torch.zeros_like(values), z)
        return torch.cat([z, (~missing).to(values.dtype), measured], dim=-1)

    def forward(self, values: torch.Tensor, measured: torch.Tensor) -> torch.Tensor:
        """Logit of sepsis onset within the horizon, ``(batch, time)``."""
        x = self.inputs(values, measured)
        hidden, _ = self.gru(x)
        logit = self.head(hidden)
        if self.skip is not None:
            logit = logit + self.skip(x)
        return logit.squeeze(-1)


class RiskModel(nn.Module):
    """Wrap :class:`VitalsGRU` so that it returns probabilities (what is exported)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, values: torch.Tensor, measured: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model(values, measured))
