"""One ICU stay as the recurrent model sees it: the recipe of its inputs, applied to a new file.

The GRU of the vitals stage is trained on the whole cohort at once
(:func:`~vitalkit.vitals.sequences.sequence_inputs`). To apply it to one new stay the same
inputs must be rebuilt from that stay alone, in the same columns, with the same limited forward
fill, trailing windows and scores. :class:`VitalsRecipe` holds what that takes (it travels in the
exported model's metadata, :func:`vitalkit.export.package.vitals_model_metadata`) and
:func:`stay_inputs` applies it. Every input is causal: hour ``t`` uses hours ``<= t`` only.

Columns are the model's, by name, whatever the stay measured: a channel the cohort measured
but this stay never did is NaN (values) and 0 (measured, counts), as it would have been in
training; a column the recipe does not know is an error.

Examples
--------
>>> frame = read_stay("sepsis2019/p100001.psv")                   # doctest: +SKIP
>>> values, measured = stay_inputs(frame, recipe)                  # doctest: +SKIP
>>> values.shape == (len(frame), len(recipe.feature_names))        # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.vitals.cohort import CHANNELS, fill_limits
from vitalkit.vitals.features import history_features
from vitalkit.vitals.missing import forward_fill_limited
from vitalkit.vitals.psv import STATIC_COLUMNS, canonical_channels, read_psv_table
from vitalkit.vitals.scores import early_warning_scores
from vitalkit.vitals.sequences import INPUTS

TIME_COLUMN = "ICULOS"
"""Name of the ICU-hours input (``time_h``) among the model's columns."""

LOG_COUNTS = ("_count", "_hours_since")
"""Suffixes of the ``history`` columns fed as ``log1p`` (as in training)."""


@dataclass(frozen=True)
class VitalsRecipe:
    """How a stay's hourly rows become the recurrent model's ``values`` and ``measured`` inputs.

    Attributes
    ----------
    inputs : {'raw', 'history'}
        The input set (:data:`~vitalkit.vitals.sequences.INPUTS`).
    feature_names : tuple of str
        The model's columns, in order.
    fill_hours, lab_fill_hours : float
        Limited forward fill of vital signs and of laboratory values, hours.
    window_h : float
        Trailing window of the ``history`` summaries, hours.
    missing_policy : str
        NEWS2/MEWS missing-parameter policy (``history`` inputs).
    trend_rise : float
        Score rise counted as a rising trend (``history`` inputs).
    horizon_h : int
        The label's horizon: onset within the next ``horizon_h`` hours.

    Examples
    --------
    >>> r = VitalsRecipe("raw", ("HR", "ICULOS"))
    >>> VitalsRecipe.from_dict(r.to_dict()) == r
    True
    """

    inputs: str
    feature_names: tuple[str, ...]
    fill_hours: float = 6.0
    lab_fill_hours: float = 24.0
    window_h: float = 6.0
    missing_policy: str = "assume_normal"
    trend_rise: float = 2.0
    horizon_h: int = 6

    def __post_init__(self) -> None:
        if self.inputs not in INPUTS:
            raise ValueError(f"inputs must be one of {sorted(INPUTS)}, not {self.inputs!r}")
        object.__setattr__(self, "feature_names", tuple(self.feature_names))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (feature names as a list)."""
        out = asdict(self)
        out["feature_names"] = list(self.feature_names)
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> VitalsRecipe:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        known = {k: doc[k] for k in cls.__dataclass_fields__ if k in doc}
        return cls(**known)


def read_stay(path: str | Path) -> pd.DataFrame:
    """Read one Challenge 2019 ``.psv`` stay into the long-table layout of the cohort.

    Columns ``patient``, ``hour`` (row index), ``time_h`` (``ICULOS``), the canonical channels,
    the static columns and ``SepsisLabel`` (all NaN when the file carries no label column: it
    can still be scored by a model, not against a reference).

    Raises
    ------
    DataError
        The file's problem (:func:`~vitalkit.vitals.psv.read_psv_table`), named.
    """
    path = Path(path)
    table = read_psv_table(path, label_required=False)
    return pd.concat(
        [
            pd.DataFrame({"patient": path.stem, "hour": np.arange(len(table)), "time_h": table["ICULOS"]}),
            canonical_channels(table),
            table[list(STATIC_COLUMNS)],
            table[["SepsisLabel"]],
        ],
        axis=1,
    )


def _filled(frame: pd.DataFrame, recipe: VitalsRecipe) -> pd.DataFrame:
    limits = fill_limits(recipe.fill_hours, recipe.lab_fill_hours)
    filled = forward_fill_limited(
        frame[list(limits)].to_numpy(np.float64), frame["time_h"].to_numpy(), list(limits.values())
    )
    return pd.DataFrame(filled, columns=list(limits), index=frame.index)


def _raw(frame: pd.DataFrame, filled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    static = [*STATIC_COLUMNS, "time_h"]
    values = pd.concat([filled, frame[static].rename(columns={"time_h": TIME_COLUMN})], axis=1)
    measured = pd.concat([frame[list(CHANNELS)], values[[*STATIC_COLUMNS, TIME_COLUMN]]], axis=1).notna()
    return values, measured


def _history(
    frame: pd.DataFrame, filled: pd.DataFrame, recipe: VitalsRecipe
) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = set(recipe.feature_names)
    channels = [c for c in CHANNELS if f"{c}_filled" in names]
    scores = (
        early_warning_scores(filled, frame, 1, recipe.missing_policy, 6.0, recipe.trend_rise)
        if "news2" in names
        else None
    )
    features = history_features(frame, filled, scores, recipe.window_h, channels=channels)
    logged = [c for c in features.columns if c.endswith(LOG_COUNTS)]
    features[logged] = np.log1p(features[logged])
    return features, features.notna()


def stay_inputs(frame: pd.DataFrame, recipe: VitalsRecipe) -> tuple[np.ndarray, np.ndarray]:
    """The model's ``values`` and ``measured`` for every hour of one stay, ``(hours, features)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One stay (:func:`read_stay`), rows in time order.
    recipe : VitalsRecipe
        The model's recipe (from its metadata).

    Returns
    -------
    values, measured : np.ndarray
        float32; values NaN where unknown, measured 1 where the value is known (``raw``: where
        it was measured that hour).

    Raises
    ------
    DataError
        A model column this version cannot build (a model from another version).
    """
    filled = _filled(frame, recipe)
    if recipe.inputs == "raw":
        values, measured = _raw(frame, filled)
    else:
        values, measured = _history(frame, filled, recipe)
    unknown = [c for c in recipe.feature_names if c not in values.columns]
    if unknown:
        raise DataError(
            "model",
            f"the recipe's {recipe.inputs} inputs name columns this vitalkit cannot build: {unknown[:5]}",
        )
    columns = list(recipe.feature_names)
    return (
        values[columns].to_numpy(np.float32),
        measured[columns].to_numpy(np.float32),
    )


def recipe_of(
    inputs: str, feature_names: Sequence[str], limits: Mapping[str, float], **settings: Any
) -> VitalsRecipe:
    """The recipe of a trained model from its input set, columns and the cohort's fill limits."""
    return VitalsRecipe(
        inputs,
        tuple(feature_names),
        fill_hours=float(limits.get("HR", 6.0)),
        lab_fill_hours=float(limits.get("Lactate", 24.0)),
        **settings,
    )
