"""Saving and loading trained models: the files of a training product folder.

A trained model is three files: the weights (``model.pt`` for neural models, ``model.skops``
for scikit-learn ones: no pickle), ``model.json`` (``model.config``: how to rebuild it, plus the
training settings) and ``metrics.json``. Training writes them (:func:`save_model`); evaluation,
export and the serving code read them (:func:`load_trained_model`) without importing training.

Examples
--------
>>> import tempfile
>>> from vitalkit.models import BeatNet
>>> folder = Path(tempfile.mkdtemp())
>>> net = BeatNet("resnet1d", n_classes=4, hparams={"channels": [8]})
>>> _ = save_model(folder, net, "demo", {"max_epochs": 1}, {"best_epoch": 0})
>>> model, config = load_trained_model(folder)
>>> type(model).__name__, config["label"], config["train"]
('BeatNet', 'demo', {'max_epochs': 1})
"""

from __future__ import annotations

import inspect
import io
from pathlib import Path
from typing import Any

import torch
from torch import nn

from vitalkit.errors import DataError
from vitalkit.io import atomic_path, read_json, write_json
from vitalkit.models.beatnet import BeatNet, WindowNet
from vitalkit.models.classical import ClassicalBeatModel

NEURAL: dict[str, type[nn.Module]] = {"beatnet": BeatNet, "windownet": WindowNet}
"""Neural model classes by the ``model`` field of ``model.json``."""


def constructor_keys(cls: type) -> tuple[str, ...]:
    """The constructor arguments of ``cls`` that ``model.json`` restores (all but ``seed``).

    Examples
    --------
    >>> constructor_keys(WindowNet)
    ('architecture', 'n_classes', 'hparams', 'scaler', 'head_dropout', 'task')
    """
    names = list(inspect.signature(cls.__init__).parameters)[1:]
    return tuple(n for n in names if n != "seed")


def save_weights(path: str | Path, state_dict: dict[str, torch.Tensor]) -> Path:
    """Write a ``state_dict`` to ``path`` atomically, byte-identical for identical weights.

    ``torch.save`` names the records inside its zip archive after the file it writes to; saving
    straight to an atomic temporary file would store that file's random name, so two identical
    runs would give different ``model.pt`` files. The archive is built in memory instead.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> weights = {"w": torch.ones(2)}
    >>> a, b = save_weights(folder / "a.pt", weights), save_weights(folder / "b.pt", weights)
    >>> a.read_bytes() == b.read_bytes()
    True
    """
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load the weights of ``path`` (written by :func:`save_weights`) into ``model``; eval mode.

    Raises
    ------
    DataError
        No such file (the training did not finish).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "model weights not found (did the training stage finish?)")
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def save_model(
    product_dir: str | Path, model: Any, label: str, train: dict[str, Any], summary: dict[str, Any]
) -> Path:
    """Write the weights, ``model.json`` and ``metrics.json`` of a trained model.

    Parameters
    ----------
    product_dir : str or Path
        The training product folder.
    model : BeatNet, WindowNet or ClassicalBeatModel
        The trained model (its ``config`` goes to ``model.json``).
    label : str
        The model's name in the parameter set.
    train : dict
        Training settings, stored under ``train`` in ``model.json``.
    summary : dict
        Training results, stored in ``metrics.json``.

    Returns
    -------
    Path
        The weights file.
    """
    product_dir = Path(product_dir)
    if isinstance(model, ClassicalBeatModel):
        path = product_dir / "model.skops"
        model.save(path)
    else:
        path = save_weights(product_dir / "model.pt", model.state_dict())
    kind = getattr(model, "kind", "neural")
    write_json(product_dir / "model.json", {"label": label, "kind": kind, **model.config, "train": train})
    write_json(product_dir / "metrics.json", {"label": label, "kind": kind, **summary})
    return path


def _load_neural(train_dir: Path, config: dict[str, Any]) -> nn.Module:
    cls = NEURAL[config.get("model", "beatnet")]
    model = cls(**{k: config[k] for k in constructor_keys(cls)}, seed=None)
    return load_weights(model, train_dir / "model.pt")


def _load_classical(train_dir: Path, config: dict[str, Any]) -> ClassicalBeatModel:
    legacy = train_dir / "model.pkl"
    path = train_dir / "model.skops"
    return ClassicalBeatModel.load(legacy if legacy.is_file() and not path.is_file() else path, config)


LOADERS = {"neural": _load_neural, "classical": _load_classical}
"""Model loaders by the ``kind`` field of ``model.json``."""


def load_trained_model(train_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    """Rebuild a model saved by :func:`save_model`; return it and its ``model.json``."""
    train_dir = Path(train_dir)
    config = read_json(train_dir / "model.json")
    return LOADERS[config.get("kind", "neural")](train_dir, config), config
