"""Dataset folders described by ``labels.json``: your recordings, their labels and patients.

A folder holds recordings in any format :func:`~vitalkit.data.readers.read_record` reads
(EDF, WFDB, CSV, NumPy, converted serial logs, mixed) and a ``labels.json``::

    {
      "vocabulary": ["normal", "afib", "st_elevation"],      (optional, see below)
      "read_options": {"max_flat_s": 3.0},                   (optional, for every file)
      "records": [
        {"file": "holter_p01.edf", "label": "normal", "patient_id": "p01"},
        {"file": "exports/p02_a.csv", "labels": ["afib", "arrhythmia"], "patient_id": "p02",
         "read_options": {"sampling_rate": 500}},
        ...
      ]
    }

(a bare list of record entries is accepted too). Each entry needs ``file`` (relative to the
folder), ``patient_id`` and either ``label`` (one) or ``labels`` (a list); ``read_options``
go to the reader, ``meta`` (anything) is kept and not interpreted. Labels must be in the
``vocabulary`` when one is given (its order is the order of the multi-label targets), else
in :data:`vitalkit.labels.RECORD_LABELS` (the dataset's vocabulary is then the labels used,
in that order).

Everything is checked before anything is used: labels.json that is not JSON or has the
wrong shape, unknown keys, unknown labels, files listed twice, missing files, paths leaving
the folder, and every recording that cannot be read are reported together in one
:class:`~vitalkit.errors.DataError` naming labels.json.

Examples
--------
>>> import json, tempfile, pathlib, numpy as np
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> rng = np.random.default_rng(0)
>>> for name in ("a", "b", "c"):
...     np.savez(folder / f"{name}.npz", signal=rng.normal(size=2500), fs=250.0)
>>> entries = [{"file": "a.npz", "label": "normal", "patient_id": "p1"},
...            {"file": "b.npz", "labels": ["afib", "arrhythmia"], "patient_id": "p2"},
...            {"file": "c.npz", "label": "normal", "patient_id": "p2"}]
>>> _ = (folder / "labels.json").write_text(json.dumps({"records": entries}))
>>> dataset = read_labelled_folder(folder)
>>> dataset.vocabulary, dataset.patients
(('normal', 'arrhythmia', 'afib'), ['p1', 'p2', 'p2'])
>>> dataset.targets().tolist()
[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.data.readers import READERS, read_record
from vitalkit.data.records import Record
from vitalkit.errors import DataError, RecordNotFoundError, VitalKitError
from vitalkit.labels import RECORD_LABELS, check_record_labels, encode_multilabel

LABELS_FILE = "labels.json"
TOP_KEYS = frozenset({"records", "vocabulary", "read_options", "description"})
ENTRY_KEYS = frozenset({"file", "label", "labels", "patient_id", "read_options", "meta"})


@dataclass
class LabelledDataset:
    """Records of a ``labels.json`` folder with their labels and patients.

    Attributes
    ----------
    folder : Path
        The dataset folder.
    records : list of Record
        One per entry, in labels.json order; ``labels``, ``patient_id`` and ``repairs`` set.
    vocabulary : tuple of str
        Label order of :meth:`targets`.
    files : list of str
        The ``file`` of each entry.
    meta : list of dict
        The ``meta`` of each entry (empty when absent).
    unlisted : list of str
        Recording-like files in the folder that labels.json does not list (not read).
    """

    folder: Path
    records: list[Record]
    vocabulary: tuple[str, ...]
    files: list[str]
    meta: list[dict] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def patients(self) -> list[str]:
        """Patient id of each record."""
        return [r.patient_id for r in self.records]

    @property
    def labels(self) -> list[list[str]]:
        """Labels of each record."""
        return [list(r.labels) for r in self.records]

    def targets(self) -> np.ndarray:
        """Multi-hot targets ``(n_records, len(vocabulary))`` float32."""
        return encode_multilabel(self.labels, self.vocabulary)

    def table(self) -> pd.DataFrame:
        """One row per record: file, patient, labels, rate, duration, channels, repairs."""
        return pd.DataFrame(
            {
                "file": self.files,
                "patient_id": self.patients,
                "labels": [" ".join(r.labels) for r in self.records],
                "fs_hz": [r.sampling_rate for r in self.records],
                "seconds": [round(r.duration_s, 2) for r in self.records],
                "channels": [" ".join(r.channel_names) for r in self.records],
                "repairs": [len(r.repairs) for r in self.records],
            }
        )


def _load_labels_json(folder: Path) -> tuple[Path, dict]:
    if not folder.exists():
        raise RecordNotFoundError(folder, "dataset folder not found")
    if not folder.is_dir():
        raise DataError(folder, f"not a folder (a dataset folder holds {LABELS_FILE} and the recordings)")
    path = folder / LABELS_FILE
    if not path.is_file():
        what = "empty folder" if not any(folder.iterdir()) else "the folder has recordings but"
        raise DataError(
            folder,
            f"{what}: no {LABELS_FILE} (it lists each recording: "
            '{"records": [{"file": ..., "label": ..., "patient_id": ...}]})',
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(path, "empty file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DataError(path, "not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if isinstance(data, list):
        data = {"records": data}
    if not isinstance(data, dict):
        raise DataError(
            path, f"must be an object with 'records' or a list of entries, not {type(data).__name__}"
        )
    return path, data


def _check_top(data: dict, problems: list[str]) -> tuple[tuple[str, ...] | None, dict]:
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        problems.append(f"unknown key(s) {unknown}; allowed: {sorted(TOP_KEYS)}")
    vocabulary = data.get("vocabulary")
    if vocabulary is not None:
        ok = isinstance(vocabulary, list) and vocabulary and all(isinstance(v, str) and v for v in vocabulary)
        if not ok or len(set(vocabulary)) != len(vocabulary):
            problems.append("'vocabulary' must be a list of distinct, non-empty label names")
            vocabulary = None
    options = data.get("read_options", {})
    if not isinstance(options, dict):
        problems.append("'read_options' must be an object")
        options = {}
    records = data.get("records")
    if not isinstance(records, list):
        problems.append("'records' must be a list of entries")
    elif not records:
        problems.append("lists no recordings")
    return (tuple(vocabulary) if vocabulary else None), options


def _check_entry(
    number: int, entry: Any, folder: Path, vocabulary: tuple[str, ...], seen: dict[str, int]
) -> tuple[str, list[str], str, dict] | str:
    """The entry's (file, labels, patient, options), or a problem."""
    if not isinstance(entry, dict):
        return f"entry {number}: must be an object, not {type(entry).__name__}"
    name = entry.get("file")
    where = f"entry {number} ({name!r})" if isinstance(name, str) else f"entry {number}"
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        return f"{where}: unknown key(s) {unknown}; allowed: {sorted(ENTRY_KEYS)}"
    if not isinstance(name, str) or not name.strip():
        return f"{where}: 'file' must be a non-empty string"
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        return f"{where}: the file must be inside the dataset folder"
    key = relative.as_posix()
    if key in seen:
        return f"{where}: duplicate file, already listed as entry {seen[key]}"
    seen[key] = number
    if (
        not (folder / relative).exists()
        and not (folder / relative).with_name(relative.name + ".hea").is_file()
    ):
        return f"{where}: file not found"
    patient = entry.get("patient_id")
    if isinstance(patient, bool) or not isinstance(patient, str | int) or not str(patient).strip():
        return f"{where}: 'patient_id' must be a non-empty string"
    if ("label" in entry) == ("labels" in entry):
        return f"{where}: give exactly one of 'label' (a string) or 'labels' (a list)"
    raw = entry.get("label", entry.get("labels"))
    if "labels" in entry and not isinstance(raw, list):
        return f"{where}: 'labels' must be a list of strings"
    if "label" in entry and not isinstance(raw, str):
        return f"{where}: 'label' must be a string"
    try:
        labels = check_record_labels(raw, vocabulary, source=where)
    except DataError as exc:
        return str(exc)
    if not isinstance(entry.get("read_options", {}), dict):
        return f"{where}: 'read_options' must be an object"
    return key, labels, str(patient).strip(), dict(entry.get("read_options", {}))


def _unlisted(folder: Path, listed: set[str]) -> list[str]:
    stems = {str(PurePosixPath(f).with_suffix("")) for f in listed}
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in READERS and path.name != LABELS_FILE:
            relative = path.relative_to(folder).as_posix()
            if relative not in listed and str(PurePosixPath(relative).with_suffix("")) not in stems:
                found.append(relative)
    return found


def _raise(path: Path, problems: list[str], what: str) -> None:
    listing = "\n".join(f"  - {p}" for p in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    raise DataError(path, f"{len(problems)} {what}:\n{listing}{more}")


def read_labelled_folder(folder: str | Path, **read_options: Any) -> LabelledDataset:
    """Read a ``labels.json`` dataset folder (format in the module notes).

    Parameters
    ----------
    folder : str or Path
        The dataset folder.
    **read_options
        Reader options for every file (below labels.json's own ``read_options``, which are
        below each entry's).

    Returns
    -------
    LabelledDataset

    Raises
    ------
    RecordNotFoundError
        The folder does not exist.
    DataError
        Naming labels.json (or the folder) and listing every problem found.
    """
    folder = Path(folder)
    path, data = _load_labels_json(folder)
    problems: list[str] = []
    declared, options = _check_top(data, problems)
    vocabulary = declared or RECORD_LABELS
    entries: list[tuple[str, list[str], str, dict, dict]] = []
    seen: dict[str, int] = {}
    listed = data.get("records") if isinstance(data.get("records"), list) else []
    for number, entry in enumerate(listed, start=1):
        checked = _check_entry(number, entry, folder, vocabulary, seen)
        if isinstance(checked, str):
            problems.append(checked)
        else:
            meta = entry.get("meta")
            entries.append((*checked, dict(meta) if isinstance(meta, dict) else {}))
    if problems:
        _raise(path, problems, f"problem(s) in {LABELS_FILE}")
    records = []
    for name, labels, patient, entry_options, _ in entries:
        try:
            merged = {**read_options, **options, **entry_options}
            records.append(read_record(folder / name, patient_id=patient, labels=labels, **merged))
        except VitalKitError as exc:
            problems.append(str(exc).replace("\n", " "))
    if problems:
        _raise(path, problems, f"of {len(entries)} recording(s) cannot be read")
    used = {label for _, labels, _, _, _ in entries for label in labels}
    return LabelledDataset(
        folder=folder,
        records=records,
        vocabulary=declared or tuple(label for label in RECORD_LABELS if label in used),
        files=[name for name, *_ in entries],
        meta=[meta for *_, meta in entries],
        unlisted=_unlisted(folder, set(seen)),
    )
