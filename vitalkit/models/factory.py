"""Build any registered model from parameters: neural backbones or classical baselines.

Examples
--------
>>> from vitalkit.models.factory import available_architectures, build_model
>>> "gbdt" in available_architectures() and "resnet1d" in available_architectures()
True
>>> type(build_model("gbdt", n_classes=4)).__name__
'ClassicalBeatModel'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vitalkit.errors import ParamsError
from vitalkit.models.beatnet import BeatNet, WindowNet
from vitalkit.models.classical import CLASSICAL, ClassicalBeatModel, check_classical_hparams
from vitalkit.models.registry import available_backbones, check_hparams

BeatModel = BeatNet | WindowNet | ClassicalBeatModel


NETS: dict[str, Callable[..., BeatNet | WindowNet]] = {
    "beats": lambda architecture, n_classes, task, use_rr, **common: BeatNet(
        architecture, n_classes, use_rr=use_rr, **common
    ),
    "windows": lambda architecture, n_classes, task, use_rr, **common: WindowNet(
        architecture, n_classes, task=task, **common
    ),
}
"""Neural model builders by the samples they take (``BeatSet`` or ``WindowSet``)."""


def available_architectures() -> list[str]:
    """Every name a ``models`` entry may use as ``architecture``."""
    return sorted({*available_backbones(), *CLASSICAL})


def check_architecture(name: str, hparams: dict[str, Any]) -> list[str]:
    """Problems with an architecture name and its hyperparameters (empty when fine)."""
    if name in CLASSICAL:
        return check_classical_hparams(name, hparams)
    if name in available_backbones():
        return check_hparams(name, hparams)
    return [f"unknown architecture {name!r}; registered: {available_architectures()}"]


def build_model(
    architecture: str,
    n_classes: int,
    hparams: dict[str, Any] | None = None,
    scaler: dict[str, Any] | None = None,
    use_rr: bool = True,
    seed: int = 0,
    sampling_rate: float = 360.0,
    samples: str = "beats",
    task: str = "multiclass",
    feature_names: list[str] | None = None,
) -> BeatModel:
    """A neural :class:`BeatNet` around a registered backbone, or a classical baseline.

    Parameters
    ----------
    architecture : str
        Registered backbone (``resnet1d``, ``cnn_lstm``, ``transformer``) or classical model
        (``gbdt``, ``random_forest``).
    n_classes : int
        Output classes.
    hparams : dict, optional
        Hyperparameters of the backbone or estimator.
    scaler : dict, optional
        Fitted normalization (neural models carry it as buffers).
    use_rr : bool
        Feed the RR branch (neural models; classical ones always use RR features).
    seed : int
        Seed of the weight initialization / estimator.
    sampling_rate : float
        Sampling rate of the windows (classical features in ms).
    samples : {'beats', 'windows'}
        Beat models take windows and RR features (:class:`BeatNet`); window models the
        windows alone (:class:`WindowNet`).
    task : {'multiclass', 'multilabel'}
        Output of window models.
    feature_names : list of str, optional
        Names of the beat-feature columns; classical models pick their inputs from them by
        the ``feature_set`` key of ``hparams`` (:data:`~vitalkit.models.classical.FEATURE_SETS`).
    """
    problems = check_architecture(architecture, hparams or {})
    if problems:
        raise ParamsError("model", problems)
    if architecture in CLASSICAL:
        if samples not in ClassicalBeatModel.samples or task not in ClassicalBeatModel.tasks:
            raise ParamsError("model", [f"{architecture}: classical models take beats (multiclass) only"])
        params = dict(hparams or {})
        feature_set = params.pop("feature_set", "window")
        return ClassicalBeatModel(
            architecture,
            n_classes,
            params,
            sampling_rate=sampling_rate,
            seed=seed,
            feature_set=feature_set,
            feature_names=feature_names,
        )
    if samples not in NETS:
        raise ParamsError("model", [f"samples must be one of {sorted(NETS)}, not {samples!r}"])
    return NETS[samples](
        architecture, n_classes, task=task, use_rr=use_rr, hparams=hparams, scaler=scaler, seed=seed
    )
