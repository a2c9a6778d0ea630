"""Allowed values of notebook parameters (numeric ranges, string choices), checked before a run starts.

A parameter's type comes from its notebook's annotation; whether its value makes sense comes from
here. A name means the same thing in every stage that declares it (``max_epochs`` is an epoch
limit wherever it appears), so one table keyed by parameter name covers every stage. Parameters
not listed are not range-checked.

Examples
--------
>>> check_range("max_epochs", -3)
'must be at least 1, got -3'
>>> check_range("lr", 0.0)
'must be greater than 0, got 0.0'
>>> check_range("ci_level", 0.95) is None
True
>>> check_range("accelerator", "tpu")
"must be one of ('cpu', 'gpu', 'cuda', 'mps', 'auto'), got 'tpu'"
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Range:
    """An interval of allowed values.

    ``low`` and ``high`` are bounds (``None``: unbounded); ``open_low`` / ``open_high`` exclude them.
    """

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def problem(self, value: float) -> str | None:
        """Why ``value`` lies outside the range, or ``None``."""
        if self.low is not None:
            if self.open_low and not value > self.low:
                return f"must be greater than {self.low:g}, got {value!r}"
            if not self.open_low and value < self.low:
                return f"must be at least {self.low:g}, got {value!r}"
        if self.high is not None:
            if self.open_high and not value < self.high:
                return f"must be less than {self.high:g}, got {value!r}"
            if not self.open_high and value > self.high:
                return f"must be at most {self.high:g}, got {value!r}"
        return None


_AT_LEAST_1 = Range(1)
_NON_NEGATIVE = Range(0)
_POSITIVE = Range(0, open_low=True)
_FRACTION = Range(0, 1, open_low=True, open_high=True)

PARAMETER_RANGES: dict[str, Range] = {
    # training
    "max_epochs": _AT_LEAST_1,
    "patience": _NON_NEGATIVE,
    "batch_size": _AT_LEAST_1,
    "lr": _POSITIVE,
    "weight_decay": _NON_NEGATIVE,
    "focal_gamma": _NON_NEGATIVE,
    "majority_fraction": Range(0, 1, open_low=True),
    "devices": _AT_LEAST_1,
    "threads": _NON_NEGATIVE,
    "neural_epochs": _AT_LEAST_1,
    "gru_hidden": _AT_LEAST_1,
    "gbm_max_iter": _AT_LEAST_1,
    # data and splits
    "n_val_records": _NON_NEGATIVE,
    "n_examples": _NON_NEGATIVE,
    "window_before_s": _NON_NEGATIVE,
    "window_after_s": _POSITIVE,
    "template_beats": _AT_LEAST_1,
    "window_s": _POSITIVE,
    "window_stride_s": _POSITIVE,
    "sampling_rate_hz": _POSITIVE,
    "val_fraction": Range(0, 1, open_high=True),
    "test_fraction": _FRACTION,
    "folds": Range(2),
    "cinc_per_class": _AT_LEAST_1,
    "n_patients": _NON_NEGATIVE,
    "mi_max_records": _NON_NEGATIVE,
    "benchmark_seconds": _NON_NEGATIVE,
    "segment_start_s": _NON_NEGATIVE,
    "segment_s": _POSITIVE,
    "snr_duration_s": _POSITIVE,
    "af_stride_s": _POSITIVE,
    "fill_hours": _NON_NEGATIVE,
    "lab_fill_hours": _NON_NEGATIVE,
    "window_hours": _POSITIVE,
    "lead_window_hours": _POSITIVE,
    "trend_rise": _NON_NEGATIVE,
    # evaluation and export
    "n_bootstrap": _AT_LEAST_1,
    "ci_level": _FRACTION,
    "target_prevalence": _FRACTION,
    "latency_runs": _AT_LEAST_1,
    "calibration_beats": _AT_LEAST_1,
    "opset": Range(13, 24),
}
"""Allowed values by parameter name (the same meaning in every stage that declares it)."""


CHOICE_OWNERS: dict[str, tuple[str, str]] = {
    "accelerator": ("vitalkit.train.fit", "ACCELERATORS"),
    "wandb": ("vitalkit.train.fit", "WANDB_MODES"),
    "loss": ("vitalkit.train.module", "LOSSES"),
    "sampler": ("vitalkit.train.data", "SAMPLERS"),
    "class_weighting": ("vitalkit.evaluate.tasks", "CLASS_WEIGHTINGS"),
}
"""Where the allowed strings of each parameter are defined (module, constant): the owners'
constants, so the two never disagree. They are read on first use, because the training modules
import torch and Lightning, which checking a parameter set should not wait for."""


@cache
def parameter_choices(name: str) -> tuple[str, ...] | None:
    """Allowed strings of the parameter ``name`` (None when its strings are not checked).

    Examples
    --------
    >>> parameter_choices("loss")
    ('cross_entropy', 'focal')
    >>> parameter_choices("lr") is None
    True
    """
    owner = CHOICE_OWNERS.get(name)
    if owner is None:
        return None
    return tuple(getattr(importlib.import_module(owner[0]), owner[1]))


def check_range(name: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for the parameter ``name``, or ``None`` when it is.

    Numbers are checked against :data:`PARAMETER_RANGES`, strings against
    :func:`parameter_choices` (a wrong type is reported by the type check); booleans are not
    numbers here.
    """
    if isinstance(value, str):
        choices = parameter_choices(name)
        return None if choices is None or value in choices else f"must be one of {choices}, got {value!r}"
    allowed = PARAMETER_RANGES.get(name)
    if allowed is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value:  # NaN
        return "must be a number, got nan"
    return allowed.problem(value)
