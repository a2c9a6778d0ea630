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

from vitalkit.data.readers import READERS, read_record
from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackage, load_package
from vitalkit.inference.beats import BeatPredictions, predict_beats
from vitalkit.inference.outputs import write_prediction, write_rhythm_prediction, write_vitals_prediction
from vitalkit.inference.rhythm import RhythmPredictions, predict_rhythm, score_af_windows
from vitalkit.inference.score import score_beats
from vitalkit.inference.vitals import VitalsPredictions, predict_vitals, score_vitals
from vitalkit.pretrained import DEFAULT_BY_TASK, resolve_model


@dataclass
class RecordResult:
    """What ``vitalkit predict`` did with one recording."""

    path: str
    folder: Path
    predictions: BeatPredictions | RhythmPredictions | VitalsPredictions
    table: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None
    wall_s: float = 0.0


def _is_wfdb(path: Path) -> bool:
    return path.suffix.lower() in (".hea", ".dat") or (
        not path.exists() and path.with_name(path.name + ".hea").is_file()
    )


@dataclass(frozen=True)
class _Options:
    lead: str | int | None
    beats: str
    score: bool
    annotator: str
    detector: str | None
    align: bool
    both_leads: bool
    read_options: dict[str, Any]
    inputs: bool


Applied = tuple[Any, "tuple[pd.DataFrame, dict[str, Any]] | None", Path]


def _read(path: Path, o: _Options) -> Record:
    options = dict(o.read_options)
    if (o.beats == "annotations" or o.score) and _is_wfdb(path):
        options.setdefault("annotator", o.annotator)
    record = read_record(path, **options)
    if o.score and record.annotations is None:
        raise DataError(path, "--score needs reference annotations, and this recording has none")
    return record


def _apply_beats(package: ModelPackage, path: Path, out_dir: str | Path, o: _Options) -> Applied:
    record = _read(path, o)
    pred = predict_beats(
        package,
        record,
        lead=o.lead,
        beats=o.beats,
        detector=o.detector,
        align=o.align,
        both_leads=o.both_leads,
    )
    scored = score_beats(pred.beats, record, package.classes) if o.score else None
    return pred, scored, write_prediction(out_dir, pred, record, package, scored, o.inputs)


def _apply_rhythm(package: ModelPackage, path: Path, out_dir: str | Path, o: _Options) -> Applied:
    record = _read(path, o)
    pred = predict_rhythm(package, record, lead=o.lead)
    scored = score_af_windows(pred, record) if o.score else None
    return pred, scored, write_rhythm_prediction(out_dir, pred, record, package, scored, o.inputs)


def _apply_vitals(package: ModelPackage, path: Path, out_dir: str | Path, o: _Options) -> Applied:
    pred = predict_vitals(package, path)
    horizon = int(package.metadata["vitals"].get("horizon_h", 6))
    scored = score_vitals(pred, horizon) if o.score else None
    return pred, scored, write_vitals_prediction(out_dir, pred, package, scored, o.inputs)


def output_name(path: str | Path) -> str:
    """The sub-folder of ``--out`` a recording's products go to: the record name its reader gives
    (the file name without its extension; a WFDB record given without extension keeps its name).

    Examples
    --------
    >>> [output_name(p) for p in ("a/100", "a/100.hea", "b/100.dat", "rec.EDF", "rec.csv", "p001.psv")]
    ['100', '100', '100', 'rec', 'rec', 'p001']
    """
    path = Path(path)
    return path.stem if path.suffix.lower() in (*READERS, ".psv") else path.name


def check_distinct_outputs(records: Sequence[str | Path], out_dir: str | Path) -> None:
    """Refuse recordings that would write the same ``<out_dir>/<record>/`` folder (``a.edf`` and
    ``a.csv``, two ``100`` records of different folders, a recording given twice): the second
    would silently replace the first.

    Raises
    ------
    DataError
        Naming both recordings and the folder.

    Examples
    --------
    >>> check_distinct_outputs(["x/a.edf", "y/a.csv"], "out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: y/a.csv: would write out/a/, the folder of x/a.edf given before; rename ...
    """
    seen: dict[str, str] = {}
    for given in records:
        name = output_name(given)
        if name in seen:
            first = seen[name]
            what = "given twice" if Path(first) == Path(given) else f"the folder of {first} given before"
            raise DataError(
                given,
                f"would write {Path(out_dir) / name}/, {what}; "
                "rename one of them or predict them into different --out folders",
            )
        seen[name] = str(given)


APPLY = {"beats": _apply_beats, "rhythm": _apply_rhythm, "vitals": _apply_vitals}
"""What ``vitalkit predict`` does with one recording, per model task."""

TASKS = tuple(APPLY)
"""Tasks ``vitalkit predict`` applies models to."""


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
    align: bool = True,
    both_leads: bool = False,
) -> list[RecordResult]:
    """Classify the beats of every recording; write ``<out_dir>/<record>/`` for each.

    Parameters
    ----------
    records : sequence of path
        Recordings in any format the readers take (WFDB given by ``.hea`` or without
        extension, EDF, CSV, NumPy, serial-converted ``.npz``); for a vitals model, ICU stays
        as Challenge 2019 ``.psv`` files.
    out_dir : path
        Output folder; one sub-folder per recording (:func:`output_name`), written atomically.
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
    task : {'beats', 'rhythm', 'vitals'}, optional
        The task; default the model's (from its metadata). A model of another task is refused.
    align : bool
        Move detected beats onto each record's median QRS, and annotated beats of a recording
        below the model's rate by at most one of its samples (beat models; see
        :func:`vitalkit.inference.beats.predict_beats`).
    both_leads : bool
        Detect on the other channel too and fill the model lead's gaps with its beats.

    Raises
    ------
    DataError
        Two recordings that would write the same ``<out_dir>/<record>/`` folder, before any
        work (:func:`check_distinct_outputs`); the first recording or model that cannot be
        used, named; recordings before it keep their complete products, nothing half-written
        is left.
    """
    if task is not None and task not in TASKS:
        raise DataError("--task", f"task must be one of {list(TASKS)}, not {task!r}")
    check_distinct_outputs(records, out_dir)
    if model is None:
        if (task or "beats") not in DEFAULT_BY_TASK:
            raise DataError(
                "--task",
                f"no shipped {task} model: give a model file, e.g. the gru.onnx of a vitals stage "
                "(vitalkit run params/vitals.yaml)",
            )
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
        pred, scored, folder = APPLY[package.task](
            package,
            Path(given),
            out_dir,
            _Options(
                lead, beats, score, annotator, detector, align, both_leads, dict(read_options or {}), inputs
            ),
        )
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
