"""Classifiers around a registered backbone: :class:`BeatNet` (beats + RR) and :class:`WindowNet`.

Inputs are raw: windows in physical units ``(batch, channels, length)`` and, for beats, the
beat features ``(batch, k)``: the 4 RR features in seconds, then (with the ``'transfer'`` table)
the patient-normalised RR and morphology features of :mod:`vitalkit.beats.features`.
The normalization fitted on the training split lives in
buffers (:class:`WindowNormalization`), so the exported ONNX graph carries it too. RR context
enters every beat architecture the same way: the standardized RR features plus the log
ratios ``pre/local``, ``post/local``, ``pre/record``, ``local/record`` (what separates
premature S beats from N in the literature) go through a small MLP whose output is
concatenated with the backbone's embedding.

Examples
--------
>>> import torch
>>> net = BeatNet("resnet1d", n_classes=4, hparams={"channels": [8, 16]})
>>> net(torch.zeros(3, 1, 252), torch.full((3, 4), 0.8)).shape
torch.Size([3, 4])
>>> WindowNet("resnet1d", n_classes=2, hparams={"channels": [8]})(torch.zeros(2, 1, 2500)).shape
torch.Size([2, 2])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from vitalkit.models.registry import build_backbone

N_RR = 4
IDENTITY_SCALER = {
    "window_scaling": "global",
    "window_scale": [1.0],
    "rr_mean": [0.0] * N_RR,
    "rr_scale": [1.0] * N_RR,
}


def seeded(seed: int | None, build: Callable[[], None]) -> None:
    """Run ``build`` with the torch RNG seeded in a forked state (None: the global RNG)."""
    with torch.random.fork_rng(enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        build()


class WindowNormalization(nn.Module):
    """Median-centre every channel of every window, then scale it.

    ``'global'`` scaling divides by one fitted scale per channel; ``'per_beat'`` by each
    window's own standard deviation. The lower median is taken by sorting (``aten.median`` has
    no ONNX translation); it matches :func:`vitalkit.samples.window_center`.
    """

    def __init__(self, scaler: dict[str, Any]) -> None:
        super().__init__()
        self.per_window = scaler["window_scaling"] == "per_beat"
        scale = torch.tensor(scaler["window_scale"], dtype=torch.float32).reshape(1, -1, 1)
        self.register_buffer("window_scale", scale)
        self.channels = int(scale.shape[1])

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        middle = (window.shape[-1] - 1) // 2
        centred = window - torch.sort(window, dim=-1).values[..., middle : middle + 1]
        if self.per_window:
            return centred / centred.std(dim=-1, keepdim=True, correction=0).clamp_min(1e-6)
        return centred / self.window_scale


class BeatNet(nn.Module):
    """Beat classifier: normalization, a registered backbone, the RR branch and the head.

    Parameters
    ----------
    architecture : str
        Registered backbone name.
    n_classes : int
        Output classes.
    hparams : dict, optional
        Backbone hyperparameters.
    scaler : dict, optional
        :meth:`vitalkit.samples.BeatScaler.to_dict` output (identity if omitted).
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

    kind = "neural"
    inputs = ("window", "rr")

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
        self.config: dict[str, Any] = {
            "model": "beatnet",
            "architecture": architecture,
            "n_classes": n_classes,
            "hparams": dict(hparams or {}),
            "scaler": scaler,
            "use_rr": use_rr,
            "rr_hidden": rr_hidden,
            "head_dropout": head_dropout,
            "seed": seed,
            "task": "multiclass",
        }
        scaler = scaler or IDENTITY_SCALER
        self.use_rr = use_rr

        def build() -> None:
            self.normalize_window = WindowNormalization(scaler)
            self.register_buffer("rr_mean", torch.tensor(scaler["rr_mean"], dtype=torch.float32))
            self.register_buffer("rr_scale", torch.tensor(scaler["rr_scale"], dtype=torch.float32))
            self.backbone = build_backbone(
                architecture, in_channels=self.normalize_window.channels, **(hparams or {})
            )
            features = self.backbone.out_features
            if use_rr:
                n_inputs = len(scaler["rr_mean"]) + N_RR
                self.rr_branch = nn.Sequential(nn.Linear(n_inputs, rr_hidden), nn.ReLU(inplace=True))
                features += rr_hidden
            self.head = nn.Sequential(nn.Dropout(head_dropout), nn.Linear(features, n_classes))

        seeded(seed, build)

    @property
    def in_channels(self) -> int:
        """Window channels the model takes."""
        return self.normalize_window.channels

    @property
    def n_rr(self) -> int:
        """Columns of the beat-feature input (4 RR features, or the whole transfer table)."""
        return int(self.rr_mean.numel())

    def rr_inputs(self, rr: torch.Tensor) -> torch.Tensor:
        """Standardized beat features and the log ratios of the 4 RR features, ``(batch, k + 4)``."""
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


class WindowNet(nn.Module):
    """Window classifier (records, rhythms): normalization, a registered backbone, the head.

    Parameters
    ----------
    architecture : str
        Registered backbone name.
    n_classes : int
        Outputs (classes, or labels for ``task='multilabel'``).
    hparams : dict, optional
        Backbone hyperparameters.
    scaler : dict, optional
        ``{'window_scaling', 'window_scale'}`` fitted on training windows.
    head_dropout : float
        Dropout before the classifier.
    seed : int or None
        Seed of the weight initialization.
    task : {'multiclass', 'multilabel'}
        Softmax over classes or one sigmoid per label (used by training and export).
    """

    kind = "neural"
    inputs = ("window",)

    def __init__(
        self,
        architecture: str,
        n_classes: int,
        hparams: dict[str, Any] | None = None,
        scaler: dict[str, Any] | None = None,
        head_dropout: float = 0.2,
        seed: int | None = 0,
        task: str = "multiclass",
    ) -> None:
        super().__init__()
        self.config: dict[str, Any] = {
            "model": "windownet",
            "architecture": architecture,
            "n_classes": n_classes,
            "hparams": dict(hparams or {}),
            "scaler": scaler,
            "head_dropout": head_dropout,
            "seed": seed,
            "task": task,
        }
        scaler = scaler or IDENTITY_SCALER

        def build() -> None:
            self.normalize_window = WindowNormalization(scaler)
            self.backbone = build_backbone(
                architecture, in_channels=self.normalize_window.channels, **(hparams or {})
            )
            self.head = nn.Sequential(
                nn.Dropout(head_dropout), nn.Linear(self.backbone.out_features, n_classes)
            )

        seeded(seed, build)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        """Return logits ``(batch, n_classes)``."""
        return self.head(self.backbone(self.normalize_window(window)))


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "multiclass": lambda logits: torch.softmax(logits, dim=1),
    "multilabel": torch.sigmoid,
}
"""Logits to probabilities, by task."""


class ProbabilityModel(nn.Module):
    """Wrap a logits model so that it returns probabilities (what is exported)."""

    def __init__(self, model: nn.Module, task: str = "multiclass") -> None:
        super().__init__()
        self.model = model
        self.activation = ACTIVATIONS[task]

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.activation(self.model(*inputs))
