"""The beat classifier: normalization, a registered backbone, the RR branch and the head.

Inputs are raw: windows in mV ``(batch, length)`` and RR features in seconds
``(batch, 4)``. The normalization fitted on the training split lives in buffers, so the
exported ONNX graph carries it too. RR context enters every architecture the same way: the
standardized RR features plus the log ratios ``pre/local``, ``post/local``, ``pre/record``,
``local/record`` (what separates premature S beats from N in the literature) go through a
small MLP whose output is concatenated with the backbone's embedding.

Examples
--------
>>> import torch
>>> from vitalkit.models.beatnet import BeatNet
>>> net = BeatNet("resnet1d", n_classes=4, hparams={"channels": [8, 16]})
>>> net(torch.zeros(3, 252), torch.full((3, 4), 0.8)).shape
torch.Size([3, 4])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from vitalkit.models.registry import build_backbone

N_RR = 4


class BeatNet(nn.Module):
    """Beat classifier around a registered backbone.

    Parameters
    ----------
    architecture : str
        Registered backbone name.
    n_classes : int
        Output classes.
    hparams : dict, optional
        Backbone hyperparameters.
    scaler : dict, optional
        :meth:`vitalkit.beats.BeatScaler.to_dict` output (identity if omitted).
    use_rr : bool
        Feed the RR branch (set false to measure what RR context adds).
    rr_hidden : int
        Width of the RR branch.
    head_dropout : float
        Dropout before the classifier.
    seed : int or None
        Seed of the weight initialization (drawn in a forked RNG, so building a model does
        not disturb, and is not disturbed by, the global random state). None: global RNG.

    """

    def __init__(
        self,
        architecture: str,
        n_classes: int,
        hparams: dict[str, Any] | None = None,
        scaler: dict[str, Any] | None = None,
        use_rr: bool = True,
        rr_hidden: int = 32,
        head_dropout: float = 0.2,
        seed: int | None = 0,
    ) -> None:
        super().__init__()
        with torch.random.fork_rng(enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            self._build(architecture, n_classes, hparams, scaler, use_rr, rr_hidden, head_dropout)
        self.config["seed"] = seed

    def _build(
        self,
        architecture: str,
        n_classes: int,
        hparams: dict[str, Any] | None,
        scaler: dict[str, Any] | None,
        use_rr: bool,
        rr_hidden: int,
        head_dropout: float,
    ) -> None:
        self.config: dict[str, Any] = {
            "architecture": architecture,
            "n_classes": n_classes,
            "hparams": dict(hparams or {}),
            "scaler": scaler,
            "use_rr": use_rr,
            "rr_hidden": rr_hidden,
            "head_dropout": head_dropout,
        }
        scaler = scaler or {
            "window_scaling": "global",
            "window_scale": 1.0,
            "rr_mean": [0.0] * N_RR,
            "rr_scale": [1.0] * N_RR,
        }
        self.per_beat = scaler["window_scaling"] == "per_beat"
        self.register_buffer("window_scale", torch.tensor(float(scaler["window_scale"])))
        self.register_buffer("rr_mean", torch.tensor(scaler["rr_mean"], dtype=torch.float32))
        self.register_buffer("rr_scale", torch.tensor(scaler["rr_scale"], dtype=torch.float32))
        self.backbone = build_backbone(architecture, in_channels=1, **(hparams or {}))
        self.use_rr = use_rr
        features = self.backbone.out_features
        if use_rr:
            self.rr_branch = nn.Sequential(nn.Linear(2 * N_RR, rr_hidden), nn.ReLU(inplace=True))
            features += rr_hidden
        self.head = nn.Sequential(nn.Dropout(head_dropout), nn.Linear(features, n_classes))

    def normalize_window(self, window: torch.Tensor) -> torch.Tensor:
        """Median-centre and scale ``(batch, length)`` windows; return ``(batch, 1, length)``."""
        # lower median via sort: aten.median has no ONNX translation; matches BeatScaler
        middle = (window.shape[1] - 1) // 2
        centred = window - torch.sort(window, dim=1).values[:, middle : middle + 1]
        if self.per_beat:
            scale = centred.std(dim=1, keepdim=True, correction=0).clamp_min(1e-6)
        else:
            scale = self.window_scale
        return (centred / scale).unsqueeze(1)

    def rr_inputs(self, rr: torch.Tensor) -> torch.Tensor:
        """Standardized RR features and their log ratios, ``(batch, 8)``."""
        safe = rr.clamp_min(1e-3)
        ratios = torch.stack(
            [
                safe[:, 0] / safe[:, 2],
                safe[:, 1] / safe[:, 2],
                safe[:, 0] / safe[:, 3],
                safe[:, 2] / safe[:, 3],
            ],
            dim=1,
        ).log()
        return torch.cat([(rr - self.rr_mean) / self.rr_scale, ratios], dim=1)

    def forward(self, window: torch.Tensor, rr: torch.Tensor) -> torch.Tensor:
        """Return class logits ``(batch, n_classes)``."""
        features = self.backbone(self.normalize_window(window))
        if self.use_rr:
            features = torch.cat([features, self.rr_branch(self.rr_inputs(rr))], dim=1)
        return self.head(features)


class ProbabilityModel(nn.Module):
    """Wrap a logits model so that it returns class probabilities (what is exported)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, window: torch.Tensor, rr: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(window, rr), dim=1)
