"""Full-size rhythm measurements (``vitalkit benchmark rhythm``): the AF, shockable and per-type tables.

Each part prints its table(s) and wall time; expensive features are cached under
``cache_dir()/rhythm``, so a second run only re-fits the models.

Examples
--------
>>> sorted(PARTS)
['af', 'neural', 'shockable', 'types']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from vitalkit.rhythm.af import cinc_cross_validation, fit_cinc, mitdb_af_check
from vitalkit.rhythm.metrics import prevalence_adjusted_scores
from vitalkit.rhythm.rhythms import CINC_CLASSES
from vitalkit.rhythm.shockable import delay_summary, shockable_cross_validation, shockable_table
from vitalkit.rhythm.sources import cinc_subset, resolve_sources
from vitalkit.rhythm.types import (
    beat_type_predictions,
    measured_types,
    per_type_table,
    rhythm_type_predictions,
)

SHOCK_SOURCES: dict[str, Any] = {"cudb": "all", "vfdb": "all", "mitdb": "all"}


def _frame(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.max_rows", 100):
        return table.to_string()


def adjusted(predictions: pd.DataFrame) -> dict[str, float]:
    """Challenge F1s of out-of-fold predictions re-weighted to the full CinC 2017 class mix."""
    index = {c: i for i, c in enumerate(CINC_CLASSES)}
    scores = prevalence_adjusted_scores(
        predictions["label"].map(index).to_numpy(),
        predictions["predicted"].map(index).to_numpy(),
        CINC_CLASSES,
    )
    return {k: round(v, 4) for k, v in scores.items()}


def af_part(k: int = 5, seed: int = 0, **_: Any) -> str:
    """CinC 2017 k-fold CV of the classical baseline and the MIT-BIH AF episode check."""
    cv = cinc_cross_validation(k=k, seed=seed, progress=False)
    lines = [
        f"CinC 2017, {cv.metrics['records']} records, {k}-fold CV (classical RR/HRV baseline)",
        _frame(cv.table),
    ]
    lines.append(f"challenge score 95% CI (record bootstrap): {cv.metrics['challenge_score_ci95']}")
    lines.append(f"prevalence-adjusted to the full training set's class mix: {adjusted(cv.predictions)}")
    check, _ = mitdb_af_check(fit_cinc(cinc_subset()))
    lines.append(f"MIT-BIH AF episodes (trained on all CinC records): {check}")
    return "\n".join(lines)


def shockable_part(k: int = 5, seed: int = 0, **_: Any) -> str:
    """Shockable-rhythm record-level CV: AHA table, operating point, delays."""
    table = shockable_table(resolve_sources(SHOCK_SOURCES), progress=False)
    cv = shockable_cross_validation(table, k=k, seed=seed)
    lines = ["Shockable rhythm, cudb + vfdb + MIT-BIH, record-level CV", _frame(cv.table), str(cv.metrics)]
    lines.append(
        "Detection delay of shockable episodes (s from onset to the end of the first shockable window)"
    )
    lines.append(_frame(delay_summary(cv.delays)))
    return "\n".join(lines)


def types_part(**_: Any) -> str:
    """Per-type table on the MIT-BIH inter-patient split (DS1 -> DS2)."""
    table = per_type_table(beat_type_predictions(), rhythm_type_predictions())
    return "\n".join(
        [
            "MIT-BIH per-type table, DS1 -> DS2 (beats: each symbol; rhythms: 8-s windows)",
            _frame(table),
            f"types with >= 10 DS2 examples: {measured_types(table)}",
        ]
    )


def neural_part(k: int = 5, seed: int = 0, product_dir: str = "", **_: Any) -> str:
    """Neural CinC model (registry resnet1d) on the baseline's folds, with ONNX export of the last fold."""
    from vitalkit.rhythm.neural import export_window_model, neural_cross_validation

    folder = Path(product_dir or "reports/rhythm_benchmark")
    cv, model, test = neural_cross_validation(folder, k=k, seed=seed)
    report = export_window_model(model, test, folder / "rhythm_af.onnx")
    return "\n".join(
        [
            f"Neural (resnet1d) CinC 2017 {k}-fold CV, record = mean over 9-s windows",
            _frame(cv.table),
            str(cv.metrics),
            f"prevalence-adjusted: {adjusted(cv.predictions)}",
            f"ONNX: parity {report['parity']}, latency {report['latency']}",
        ]
    )


PARTS: dict[str, Callable[..., str]] = {
    "af": af_part,
    "shockable": shockable_part,
    "types": types_part,
    "neural": neural_part,
}
"""Benchmark parts by name."""


def run_benchmark(parts: Sequence[str] = ("af", "shockable", "types"), **options: Any) -> str:
    """Run ``parts`` and return their tables, each with its wall time."""
    out = []
    for name in parts:
        start = time.perf_counter()
        text = PARTS[name](**options)
        out.append(f"== {name} ==\n{text}\n(wall time {time.perf_counter() - start:.0f} s)")
    return "\n\n".join(out)
