"""``vitalkit predict``: read recordings, classify their beats, score, write, summarise.

Examples
--------
>>> results = predict_files(["data/raw/mitdb/100"], "out", score=True)   # doctest: +SKIP
>>> results[0].summary["accuracy"]                                      # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from vitalkit.data.readers import read_record
from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackage, load_package
from vitalkit.inference.beats import BeatPredictions, predict_beats
from vitalkit.inference.outputs import write_prediction, write_rhythm_prediction
from vitalkit.inference.rhythm import RhythmPredictions, predict_rhythm, score_af_windows
from vitalkit.inference.score import score_beats
from vitalkit.pretrained import DEFAULT_BY_TASK, resolve_model

TASKS = ("beats", "rhythm")
"""Tasks ``vitalkit predict`` applies models to."""


@dataclass
class RecordResult:
    """What ``vitalkit predict`` did with one recording."""

    path: str
    folder: Path
    predictions: BeatPredictions | RhythmPredictions
    table: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None
    wall_s: float = 0.0


def _is_wfdb(path: Path) -> bool:
    return path.suffix.lower() in (".hea", ".dat") or (
        not path.exists() and path.with_name(path.name + ".hea").is_file()
    )


def predict_files(
    records: Sequence[str | Path],
    out_dir: str | Path,
    model: str | Path | None = None,
    lead: str | int | None = None,
    beats: str = "detector",
    score: bool = False,
    annotator: str = "atr",
    detector: str | None = None,
    read_options: dict[str, Any] | None = None,
    threads: int = 1,
    inputs: bool = False,
    task: str | None = None,
) -> list[RecordResult]:
    """Classify the beats of every recording; write ``<out_dir>/<record>/`` for each.

    Parameters
    ----------
    records : sequence of path
        Recordings in any format the readers take (WFDB given by ``.hea`` or without
        extension, EDF, CSV, NumPy, serial-converted ``.npz``).
    out_dir : path
        Output folder; one sub-folder per recording, written atomically.
    model : str or path, optional
        A model file, or the name of a shipped pretrained model; default the shipped model of
        ``task`` (the beat model without a task).
    lead : str or int, optional
        Channel used as the model's lead.
    beats : {'detector', 'annotations'}
        Beat positions from the QRS detector or from the reference annotations.
    score : bool
        Compare with the reference annotations (AAMI table).
    annotator : str
        WFDB annotator extension of the reference annotations.
    detector : str, optional
        R-peak detector.
    read_options : dict, optional
        Reader options (``sampling_rate`` for files without one ...).
    threads : int
        onnxruntime threads.
    inputs : bool
        Also write ``inputs.csv`` (the model's inputs per beat or window) for other runtimes.
    task : {'beats', 'rhythm'}, optional
        The task; default the model's (from its metadata). A model of another task is refused.

    Raises
    ------
    DataError
        The first recording or model that cannot be used, named; recordings before it keep
        their complete products, nothing half-written is left.
    """
    if task is not None and task not in TASKS:
        raise DataError("--task", f"task must be one of {list(TASKS)}, not {task!r}")
    if model is None:
        model = DEFAULT_BY_TASK[task or "beats"]
    package: ModelPackage = load_package(resolve_model(model), threads=threads)
    if task is not None and package.task != task:
        raise DataError(package.path, f"a {package.task!r} model, but --task {task} was asked for")
    if package.task not in TASKS:
        raise DataError(
            package.path, f"a {package.task!r} model; vitalkit predict applies {list(TASKS)} models"
        )
    if not records:
        raise DataError("records", "no recording given")
    results = []
    for given in records:
        start = time.perf_counter()
        path = Path(given)
        options = dict(read_options or {})
        if (beats == "annotations" or score) and _is_wfdb(path):
            options.setdefault("annotator", annotator)
        record = read_record(path, **options)
        if score and record.annotations is None:
            raise DataError(path, "--score needs reference annotations, and this recording has none")
        pred: BeatPredictions | RhythmPredictions
        if package.task == "rhythm":
            pred = predict_rhythm(package, record, lead=lead)
            scored = score_af_windows(pred, record) if score else None
            folder = write_rhythm_prediction(out_dir, pred, record, package, scored, inputs)
        else:
            pred = predict_beats(package, record, lead=lead, beats=beats, detector=detector)
            scored = score_beats(pred.beats, record, package.classes) if score else None
            folder = write_prediction(out_dir, pred, record, package, scored, inputs)
        results.append(
            RecordResult(
                str(given),
                folder,
                pred,
                scored[0] if scored else None,
                scored[1] if scored else None,
                time.perf_counter() - start,
            )
        )
    return results
