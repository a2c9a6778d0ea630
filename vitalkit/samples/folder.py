"""The preprocessing stage's product folder, and the one place that knows its files.

=====================  ==============================================================
``<split>.npz``        one sample set per split (``train``, ``val``, ``test``)
``split.json``         records per split, how validation was chosen, class counts, task
``records.csv``        what each record gave (samples, classes, dropped beats)
``class_counts.csv``   samples per class and split
``scaler.json``        normalisation fitted on the training split only
=====================  ==============================================================

Training code is handed the folder and reads the training and validation files only.

Examples
--------
>>> import numpy as np, tempfile
>>> import pandas as pd
>>> from vitalkit.samples import SampleFolder, WindowSet, window_scaler
>>> ws = WindowSet(np.ones((2, 1, 8), np.float32), np.array([0, 1]), np.array(["a", "b"]),
...                np.array(["p", "q"]), np.zeros(2, np.int64), ("x", "y"), "multiclass", 100.0, ("II",))
>>> folder = SampleFolder(tempfile.mkdtemp())
>>> _ = folder.save({"train": ws}, pd.DataFrame(), {"seed": 0}, window_scaler(ws.windows))
>>> type(folder.load("train")).__name__, folder.info()["task"], folder.sampling_rate()
('WindowSet', 'multiclass', 100.0)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.io import read_json, write_json, write_text
from vitalkit.samples.base import SampleSet
from vitalkit.samples.beatset import BeatSet


class SampleFolder:
    """A preprocessing product folder (see the module docstring for its files).

    Parameters
    ----------
    path : str or Path
        The folder (it need not exist before :meth:`save`).
    """

    INFO = "split.json"
    SCALER = "scaler.json"
    RECORDS = "records.csv"
    COUNTS = "class_counts.csv"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"SampleFolder({str(self.path)!r})"

    def split_file(self, split: str) -> Path:
        """The file of one split's samples."""
        return self.path / f"{split}.npz"

    def header(self, split: str) -> dict[str, Any]:
        """The description stored in a split's file (classes, sampling rate, ...), arrays unread."""
        path = self.split_file(split)
        if not path.is_file():
            raise DataError(path, "dataset file not found (did the preprocessing stage run?)")
        try:
            with np.load(path, allow_pickle=False) as data:
                return json.loads(str(data["meta"])) if "meta" in data else {}
        except (OSError, ValueError) as exc:
            raise DataError(path, f"cannot be read as .npz ({exc})") from None

    def kind(self, split: str) -> str:
        """``'beats'`` or ``'windows'``: what the split's file holds (from its metadata)."""
        return str(self.header(split).get("kind", BeatSet.KIND))  # beat files carry no "kind"

    def load(self, split: str) -> SampleSet:
        """Read one split: a beat or a window set, told by the file's metadata."""
        return SampleSet.KINDS.get(self.kind(split), BeatSet).load(self.split_file(split))

    def info(self) -> dict[str, Any]:
        """``split.json``: records per split, the validation choice, class counts, task."""
        return read_json(self.path / self.INFO)

    def scaler(self) -> dict[str, Any]:
        """The fitted scaler state (``scaler.json``)."""
        return read_json(self.path / self.SCALER)

    def sampling_rate(self) -> float:
        """Sampling rate of the samples (of the training split; its arrays are not read)."""
        header = self.header("train")
        if "sampling_rate" not in header:
            raise DataError(self.split_file("train"), "its metadata has no sampling_rate")
        return float(header["sampling_rate"])

    def write(self, split: str, samples: SampleSet) -> Path:
        """Write one split's samples (atomically) and return the file."""
        path = self.split_file(split)
        samples.save(path)
        return path

    def save(
        self,
        sets: Mapping[str, SampleSet],
        summary: pd.DataFrame,
        split_info: Mapping[str, Any],
        scaler: Any,
    ) -> pd.DataFrame:
        """Write every product of the folder and return the class-count table.

        ``sets`` maps split names to beat or window sets, ``summary`` has one row per record,
        ``split_info`` says how the splits were made (records and class counts are added),
        ``scaler`` is a fitted :class:`~vitalkit.samples.BeatScaler` or its dictionary.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        first = next(iter(sets.values()))
        for split, samples in sets.items():
            self.write(split, samples)
        counts = pd.DataFrame({s: b.class_counts() for s, b in sets.items()}).T
        counts["total"] = counts.sum(axis=1)
        counts.index.name = "split"
        write_text(self.path / self.COUNTS, counts.to_csv())
        write_text(self.path / self.RECORDS, summary.to_csv(index=False))
        write_json(
            self.path / self.INFO,
            {
                **split_info,
                "records": {s: sorted(set(b.record.tolist())) for s, b in sets.items()},
                "class_counts": {s: b.class_counts() for s, b in sets.items()},
                "classes": list(first.classes),
                "task": first.task,
                "samples": type(first).__name__,
            },
        )
        write_json(self.path / self.SCALER, scaler if isinstance(scaler, dict) else scaler.to_dict())
        return counts


def load_split(folder: str | Path, split: str) -> SampleSet:
    """One split of a preprocessing product folder (:meth:`SampleFolder.load`)."""
    return SampleFolder(folder).load(split)


def load_scaler(folder: str | Path) -> dict[str, Any]:
    """The fitted scaler state of a preprocessing product folder (:meth:`SampleFolder.scaler`)."""
    return SampleFolder(folder).scaler()


def load_sampling_rate(folder: str | Path) -> float:
    """Sampling rate of a preprocessing product folder's samples (:meth:`SampleFolder.sampling_rate`)."""
    return SampleFolder(folder).sampling_rate()
