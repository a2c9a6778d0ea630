"""Dataset sources of the preprocessing stage (their products: :class:`vitalkit.samples.SampleFolder`).

A parameter set's ``dataset`` names where samples come from:

``{kind: mitdb}`` (default)
    MIT-BIH beats, AAMI classes, de Chazal inter-patient split (:class:`MitdbBeats`).
``{kind: folder, path: DIR}``
    Your recordings described by ``labels.json`` (EDF, WFDB, CSV, NumPy; see
    :func:`vitalkit.data.labelled.read_labelled_folder`), cut into windows with multi-label
    targets, split by patient (:class:`FolderWindows`).
``{kind: synthetic, n_per_class: 30, ...}``
    Synthetic ECG generated offline with a seed (:class:`SyntheticWindows`), then as a folder.

Every source offers ``split(**params)`` (patient-level, leakage checked), ``build(splits,
**params)`` (one :class:`~vitalkit.samples.BeatSet` or :class:`~vitalkit.samples.WindowSet`
per split) and ``fit_scaler(train, window_scaling)``; parameters a source does not use are
ignored, so one notebook serves them all.

Examples
--------
>>> open_dataset({"kind": "mitdb"}).task
'multiclass'
>>> open_dataset({"kind": "mars"})
Traceback (most recent call last):
...
vitalkit.errors.ParamsError: invalid parameter set dataset:
  - dataset.kind: unknown kind 'mars'; use ['folder', 'mitdb', 'synthetic']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vitalkit.errors import DataError, ParamsError, collect
from vitalkit.evaluate.tasks import TASKS
from vitalkit.samples import BeatSet, SampleSet, WindowSet

SetType = SampleSet
"""What a source builds per split: a beat set or a window set."""


def sampling_labels(data: SetType) -> np.ndarray:
    """One class per sample for samplers: the label, or a multilabel row's first positive label."""
    return TASKS[data.task].sampling_labels(data.labels)


def targets(data: SetType) -> np.ndarray:
    """Training targets: int64 class indices or float32 multi-hot rows."""
    return TASKS[data.task].targets(data.labels)


SOURCES: dict[str, type] = {}


def register_source(kind: str):
    """Class decorator registering a dataset source under ``kind``."""

    def decorate(cls: type) -> type:
        SOURCES[kind] = cls
        return cls

    return decorate


def _spec(spec: Mapping[str, Any] | str | None) -> tuple[str, dict[str, Any]]:
    if spec is None or isinstance(spec, str):
        spec = {"kind": spec or "mitdb"}
    options = dict(spec)
    return str(options.pop("kind", "mitdb")), options


def source_type(spec: Mapping[str, Any] | str | None = None) -> type:
    """The source class a ``dataset`` parameter names, without opening it (no data is read).

    Examples
    --------
    >>> source_type({"kind": "folder", "path": "x"}).__name__, source_type(None).__name__
    ('FolderWindows', 'MitdbBeats')
    """
    kind, _ = _spec(spec)
    if kind not in SOURCES:
        raise ParamsError("dataset", [f"dataset.kind: unknown kind {kind!r}; use {sorted(SOURCES)}"])
    return SOURCES[kind]


def open_dataset(spec: Mapping[str, Any] | str | None = None) -> Any:
    """The dataset source a ``dataset`` parameter describes (``None`` or ``'mitdb'``: MIT-BIH)."""
    cls = source_type(spec)
    return cls(**_spec(spec)[1])


@register_source("mitdb")
class MitdbBeats:
    """MIT-BIH beats (AAMI classes) with the inter-patient split (see ``02_preprocess``)."""

    task = "multiclass"
    unit = "beat"

    def __init__(self, **options: Any) -> None:
        if options:
            raise ParamsError("dataset", [f"dataset (mitdb): unknown option(s) {sorted(options)}"])

    def split(
        self,
        train_records: Any = "DS1",
        test_records: Any = "DS2",
        n_val_records: int = 5,
        seed: int = 0,
        **_: Any,
    ) -> tuple[dict[str, list[str]], dict[str, Any]]:
        """Train / validation / test records: validation patients drawn from the training records."""
        from vitalkit.data import mitdb
        from vitalkit.splits import patient_split, select_validation_records

        pool = mitdb.resolve_records(train_records)
        counts = mitdb.aami_counts(mitdb.annotation_counts(pool))
        val = select_validation_records(counts.to_dict(orient="index"), n_val_records, seed)
        splits = patient_split(pool, val, mitdb.resolve_records(test_records))
        return splits, {
            "seed": seed,
            "protocol": "mitdb-inter-patient",
            "validation_rule": "seeded draw of training patients, >= 20 S and V beats",
        }

    def build(
        self,
        splits: Mapping[str, list[str]],
        classes: Any = ("N", "S", "V", "F"),
        before_s: float = 0.25,
        after_s: float = 0.45,
        positions: str = "annotated",
        detector: str = "neurokit",
        bandpass: Any = (0.5, 40.0),
        context: Any = (),
        template_beats: int = 32,
        features: str = "transfer",
        leads: int = 2,
        **_: Any,
    ) -> tuple[dict[str, BeatSet], Any]:
        """Beat windows, beat features (``features``: ``'rr'`` or ``'transfer'``, see
        :data:`vitalkit.beats.inputs.FEATURE_TABLES`) and AAMI labels per split."""
        from vitalkit.beats.dataset import build_beat_dataset

        return build_beat_dataset(
            splits,
            list(classes),
            before_s=before_s,
            after_s=after_s,
            positions=positions,
            detector=detector,
            bandpass=tuple(bandpass),
            context=list(context),
            template_beats=template_beats,
            features=features,
            leads=leads,
            progress=False,
        )

    @staticmethod
    def explore_inputs(section: Mapping[str, Any]) -> list[Path]:
        """Files the explore stage reads (its fingerprint's inputs)."""
        from vitalkit.data import mitdb

        return mitdb.record_paths(mitdb.resolve_records(section.get("records", "NONPACED")))

    @staticmethod
    def preprocess_inputs(section: Mapping[str, Any]) -> list[Path]:
        """Files the preprocess stage reads (its fingerprint's inputs)."""
        from vitalkit.data import mitdb

        records = mitdb.resolve_records(section.get("train_records", "DS1"))
        return mitdb.record_paths(records + mitdb.resolve_records(section.get("test_records", "DS2")))

    @staticmethod
    def check_explore(section: Mapping[str, Any]) -> list[str]:
        """Problems of the explore stage's section, found before anything runs."""
        from vitalkit.data import mitdb

        problems: list[str] = []
        records = section.get("records", "NONPACED")
        collect(problems, lambda: mitdb.record_paths(mitdb.resolve_records(records)))
        return problems

    @staticmethod
    def check_preprocess(section: Mapping[str, Any]) -> list[str]:
        """Problems of the preprocess stage's section: overlapping or paced records, validation size."""
        from vitalkit.data import mitdb

        problems: list[str] = []
        train = collect(problems, lambda: mitdb.resolve_records(section.get("train_records", "DS1"))) or []
        test = collect(problems, lambda: mitdb.resolve_records(section.get("test_records", "DS2"))) or []
        both = sorted(set(train) & set(test))
        if both:
            problems.append(
                f"preprocess: record(s) {both} are in both train_records and "
                "test_records (inter-patient evaluation needs disjoint patients)"
            )
        patients = {mitdb.patient_of(r) for r in train} & {mitdb.patient_of(r) for r in test}
        shared = sorted(patients - set(both))
        published = set(train) == set(mitdb.DS1) and set(test) == set(mitdb.DS2)
        if shared and not published:
            pairs = [sorted(r for r in train + test if mitdb.patient_of(r) == p) for p in shared]
            problems.append(
                f"preprocess: records {pairs} are one patient but sit in both train_records and "
                "test_records (only the published DS1/DS2 split keeps 201 and 202 apart, as de Chazal did)"
            )
        paced = sorted(set(train + test) & set(mitdb.PACED))
        if paced:
            problems.append(f"preprocess: paced record(s) {paced} are excluded by the AAMI protocol")
        n_val = section.get("n_val_records", 5)
        if isinstance(n_val, int) and not 0 < n_val < len(train):
            problems.append(
                f"preprocess: n_val_records={n_val} must be between 1 and {len(train) - 1} "
                "(the training records)"
            )
        collect(problems, lambda: mitdb.record_paths(train + test))
        return problems

    def fit_scaler(self, train: BeatSet, window_scaling: str = "global") -> dict[str, Any]:
        """Window scale per channel and RR standardization, from the training patients only."""
        from vitalkit.samples import BeatScaler

        return BeatScaler(window_scaling).fit(train.windows, train.rr).to_dict()


@register_source("folder")
class FolderWindows:
    """Recordings of a ``labels.json`` folder, cut into windows that carry their record's labels.

    Parameters
    ----------
    path : str
        The dataset folder.
    read_options : dict, optional
        Options for every reader (e.g. ``{"sampling_rate": 250}`` for ``.npy`` files).
    channel : str or int
        Channel used from every record (name, or index; default the first): recordings from
        different devices name their lead differently, so one channel is taken from each.
    """

    task = "multilabel"
    unit = "window"

    def __init__(
        self, path: str | Path = "", read_options: Mapping[str, Any] | None = None, channel: str | int = 0
    ) -> None:
        from vitalkit.data.labelled import read_labelled_folder

        if not path:
            raise ParamsError("dataset", ["dataset.path: the labels.json folder is required for kind folder"])
        self.path = Path(path)
        self.channel = channel
        self.dataset = read_labelled_folder(self.path, **dict(read_options or {}))
        self.names = [Path(f).with_suffix("").as_posix() for f in self.dataset.files]

    def split(
        self, split_fractions: Any = (0.6, 0.2, 0.2), seed: int = 0, **_: Any
    ) -> tuple[dict[str, list[str]], dict[str, Any]]:
        """Patient-level train / validation / test split, stratified by label, leakage checked."""
        from vitalkit.splits import patient_train_val_test

        split = patient_train_val_test(self.dataset.patients, self.dataset.labels, split_fractions, seed)
        splits = {name: [self.names[i] for i in part["records"]] for name, part in split["parts"].items()}
        info = {
            "seed": seed,
            "protocol": "patient-level split of a labels.json folder",
            "fractions": list(split["fractions"]),
            "patients": {name: part["patients"] for name, part in split["parts"].items()},
        }
        return splits, info

    def build(
        self,
        splits: Mapping[str, list[str]],
        window_s: float = 10.0,
        stride_s: float = 5.0,
        sampling_rate: float = 250.0,
        bandpass: Any = (0.5, 40.0),
        **_: Any,
    ) -> tuple[dict[str, WindowSet], Any]:
        """One multilabel :class:`WindowSet` per split (every record resampled to ``sampling_rate``)."""
        import pandas as pd

        from vitalkit.data.windowing import record_windows

        index = {name: i for i, name in enumerate(self.names)}
        targets_ = self.dataset.targets()
        sets, rows = {}, []
        like: WindowSet | None = None
        for split, names in splits.items():
            parts = []
            for name in names:
                i = index[name]
                record = self.dataset.records[i]
                channel = (
                    record.channel_names[self.channel] if isinstance(self.channel, int) else self.channel
                )
                windows, starts = record_windows(
                    record,
                    window_s,
                    stride_s,
                    sampling_rate,
                    [channel],
                    tuple(bandpass) if bandpass else None,
                )
                m = len(starts)
                part = WindowSet(
                    windows,
                    np.repeat(targets_[i][None, :], m, axis=0),
                    np.full(m, name),
                    np.full(m, record.patient_id),
                    starts,
                    self.dataset.vocabulary,
                    self.task,
                    float(sampling_rate),
                    ("ECG",),
                )
                parts.append(part)
                like = part
                rows.append(
                    {
                        "split": split,
                        "record": name,
                        "patient": record.patient_id,
                        "labels": " ".join(record.labels),
                        "seconds": round(record.duration_s, 1),
                        "fs_hz": record.sampling_rate,
                        "windows": m,
                        "repairs": len(record.repairs),
                    }
                )
            sets[split] = parts
        if like is None:
            raise DataError(self.path, "no records in any split")
        return {s: WindowSet.concatenate(p, like) for s, p in sets.items()}, pd.DataFrame(rows)

    @staticmethod
    def stage_files(section: Mapping[str, Any]) -> list[Path]:
        """Every file of the ``labels.json`` folder (what the explore and preprocess stages read)."""
        folder = Path(section["dataset"].get("path", ""))
        return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))

    @classmethod
    def explore_inputs(cls, section: Mapping[str, Any]) -> list[Path]:
        """Files the explore stage reads (its fingerprint's inputs)."""
        return cls.stage_files(section)

    @classmethod
    def preprocess_inputs(cls, section: Mapping[str, Any]) -> list[Path]:
        """Files the preprocess stage reads (its fingerprint's inputs)."""
        return cls.stage_files(section)

    @staticmethod
    def check_explore(section: Mapping[str, Any]) -> list[str]:
        """Problems of the explore stage's section: the source must open."""
        problems: list[str] = []
        collect(problems, lambda: open_dataset(section.get("dataset")))
        return problems

    @staticmethod
    def check_preprocess(section: Mapping[str, Any]) -> list[str]:
        """Problems of the preprocess stage's section: the source must open and split."""
        problems: list[str] = []
        source = collect(problems, lambda: open_dataset(section.get("dataset")))
        if source is not None:
            collect(
                problems,
                lambda: source.split(
                    split_fractions=section.get("split_fractions", (0.6, 0.2, 0.2)),
                    seed=section.get("seed", 0),
                ),
            )
        return problems

    def fit_scaler(self, train: WindowSet, window_scaling: str = "global") -> dict[str, Any]:
        """Window scale per channel, from the training patients only."""
        from vitalkit.samples import window_scaler

        return window_scaler(train.windows, window_scaling)


@register_source("synthetic")
class SyntheticWindows(FolderWindows):
    """Synthetic ECG (:func:`vitalkit.data.synthetic.generate_dataset`) written to the cache, then read
    as a folder. The same options give the same folder, which is reused.

    Parameters
    ----------
    n_per_class : int
        Records per class.
    duration_s : float
        Seconds per record.
    sampling_rate : int
        Samples per second of the generated records.
    seed : int
        Seed of everything generated.
    classes : list of str, optional
        Classes to generate (default all).
    records_per_patient : int
        Records sharing one synthetic patient.
    noise : dict, optional
        Noise options of the generator.
    """

    def __init__(
        self,
        n_per_class: int = 20,
        duration_s: float = 20.0,
        sampling_rate: int = 250,
        seed: int = 0,
        classes: Any = None,
        records_per_patient: int = 1,
        noise: Mapping[str, float] | None = None,
    ) -> None:
        from vitalkit import config
        from vitalkit.data.synthetic import SYNTHETIC_CLASSES, generate_dataset
        from vitalkit.io import sha256_json

        options = {
            "n_per_class": n_per_class,
            "duration_s": duration_s,
            "sampling_rate": sampling_rate,
            "seed": seed,
            "classes": list(classes or SYNTHETIC_CLASSES),
            "records_per_patient": records_per_patient,
            "noise": dict(noise) if noise else None,
        }
        folder = config.cache_dir() / "synthetic" / sha256_json(options)[:16]
        if not (folder / "labels.json").is_file():  # labels.json is written last: its presence = complete
            generate_dataset(folder, **options)
        self.options = options
        super().__init__(folder)

    @staticmethod
    def stage_files(section: Mapping[str, Any]) -> list[Path]:
        """None: synthetic data is generated from the parameters, which the fingerprint holds."""
        return []


def samples_figure(sets: Mapping[str, SetType]) -> Any:
    """Mean beat per class and split (beats), or example windows per class (windows)."""
    from vitalkit.beats.figures import mean_beats_figure

    first = next(iter(sets.values()))
    if isinstance(first, BeatSet):
        return mean_beats_figure(sets)
    return example_windows_figure(sets["train"] if "train" in sets else first)


def example_windows_figure(windows: WindowSet, seconds: float = 5.0, seed: int = 0) -> Any:
    """One example window per class (the first ``seconds``), a panel per class."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rng = np.random.default_rng(seed)
    shown = [i for i, _ in enumerate(windows.classes) if _has_class(windows, i).any()]
    fig = make_subplots(
        rows=len(shown),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[windows.classes[i] for i in shown],
        vertical_spacing=0.04,
    )
    n = min(int(seconds * windows.sampling_rate), windows.windows.shape[-1])
    step = max(1, int(windows.sampling_rate // 125))
    t = (np.arange(n) / windows.sampling_rate)[::step]
    for row, i in enumerate(shown, start=1):
        j = int(rng.choice(np.flatnonzero(_has_class(windows, i))))
        fig.add_trace(
            go.Scatter(
                x=t.round(3),
                y=windows.windows[j, 0, :n:step].round(3),
                mode="lines",
                line={"width": 1},
                name=windows.classes[i],
                showlegend=False,
            ),
            row=row,
            col=1,
        )
    fig.update_xaxes(title_text="s", row=len(shown), col=1)
    fig.update_layout(
        title=f"One example window per class ({seconds:g} s shown)", height=120 * len(shown) + 80
    )
    return fig


def _has_class(windows: WindowSet, i: int) -> np.ndarray:
    return TASKS[windows.task].has_class(windows.labels, i)
