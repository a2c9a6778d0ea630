"""Soft voting over trained beat models, as one module (and one ONNX graph).

Examples
--------
>>> import torch
>>> from vitalkit.models import BeatNet
>>> members = {f"m{s}": BeatNet("resnet1d", 3, hparams={"channels": [8]}, seed=s) for s in (0, 1)}
>>> ens = SoftVotingEnsemble(members).eval()
>>> p = torch.softmax(ens(torch.zeros(2, 1, 252), torch.full((2, 4), 0.8)), dim=1)
>>> bool(torch.allclose(p.sum(dim=1), torch.ones(2)))
True
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn


class SoftVotingEnsemble(nn.Module):
    """Average the members' class probabilities (equal weights by default).

    ``forward`` returns the log of the averaged probabilities, so that a softmax on top (what
    :class:`~vitalkit.models.beatnet.ProbabilityModel` and the evaluation apply) gives back the
    average exactly: the ensemble is used and exported like any single model.

    Parameters
    ----------
    members : mapping of str to nn.Module
        Trained models ``model(window, rr) -> logits`` taking the same inputs.
    weights : mapping of str to float, optional
        Voting weights (normalized to sum 1).
    """

    def __init__(self, members: Mapping[str, nn.Module], weights: Mapping[str, float] | None = None) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleDict(dict(members))
        raw = torch.tensor([float((weights or {}).get(k, 1.0)) for k in members], dtype=torch.float32)
        self.register_buffer("weights", raw / raw.sum())
        first = next(iter(members.values()))
        self.inputs = tuple(getattr(first, "inputs", ("window", "rr")))
        self.config = {
            "architecture": "ensemble",
            "members": list(members),
            "weights": self.weights.tolist(),
            "task": "multiclass",
        }

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        probs = torch.stack([torch.softmax(m(*inputs), dim=1) for m in self.members.values()], dim=0)

        mean = (probs * self.weights[:, None, None]).sum(dim=0)
        return torch.log(mean.clamp_min(1e-12))
