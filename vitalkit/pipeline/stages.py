"""The stages a run can contain, registered by name in pipeline order.

A stage is a notebook in ``notebooks/`` plus what the runner needs to know about it: its
product folder, the stages it reads from, whether it runs once per model, the data files it
reads (hashed into ``run.json`` and into its resume fingerprint) and checks of its
parameters that go beyond types (records that exist, no patient in two splits ...).

Examples
--------
>>> from vitalkit.pipeline.stages import STAGES
>>> list(STAGES)[:3]
['explore', 'preprocess', 'train']
>>> STAGES["train"].folder_for("resnet1d")
'03_train_resnet1d'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records, record_files
from vitalkit.errors import VitalKitError, collect

InputsFn = Callable[[dict[str, Any]], list[Path]]
CheckFn = Callable[[dict[str, Any]], list[str]]

RESERVED = ("product_dir", "upstream", "run_id")
"""Notebook parameters the runner fills in; a parameter set may not set them."""

PER_MODEL = ("model_label", "architecture", "hparams")
"""Parameters of per-model stages, filled from the ``models`` section."""


@dataclass(frozen=True)
class Stage:
    """One pipeline stage.

    Attributes
    ----------
    name : str
        Key in parameter sets (``stages: [...]`` and the stage's own section).
    notebook : str
        Notebook file in ``notebooks/``.
    folder : str
        Product folder under the run; ``{model}`` is replaced for per-model stages.
    upstream : tuple of str
        Stages whose products it reads.
    per_model : bool
        Run once per entry of the ``models`` section.
    inputs : callable, optional
        ``section -> [data files]`` it reads.
    check : callable, optional
        ``section -> [problems]`` beyond types.
    description : str
        One line for listings.
    """

    name: str
    notebook: str
    folder: str
    upstream: tuple[str, ...] = ()
    per_model: bool = False
    inputs: InputsFn | None = None
    check: CheckFn | None = None
    description: str = ""
    headline_keys: tuple[str, ...] = field(default_factory=tuple)

    def folder_for(self, model: str | None = None) -> str:
        """Product folder name (for a model, with per-model stages)."""
        return self.folder.format(model=model) if self.per_model else self.folder

    def notebook_path(self, notebooks_dir: Path) -> Path:
        """Path of the stage notebook."""
        return notebooks_dir / self.notebook


STAGES: dict[str, Stage] = {}


def register_stage(stage: Stage) -> Stage:
    """Add a stage to :data:`STAGES` (later registrations come later in pipeline order)."""
    STAGES[stage.name] = stage
    return stage


def _source(section: dict[str, Any]) -> type | None:
    """The dataset source class the section names (None for an unknown kind)."""
    from vitalkit.datasets import source_type

    try:
        return source_type(section.get("dataset"))
    except VitalKitError:
        return None


def _explore_inputs(section: dict[str, Any]) -> list[Path]:
    source = _source(section)
    return source.explore_inputs(section) if source is not None else []


def _preprocess_inputs(section: dict[str, Any]) -> list[Path]:
    source = _source(section)
    return source.preprocess_inputs(section) if source is not None else []


def _check_dataset(section: dict[str, Any]) -> list[str]:
    from vitalkit.datasets import source_type

    problems: list[str] = []
    collect(problems, lambda: source_type(section.get("dataset")))
    return problems


def _check_explore(section: dict[str, Any]) -> list[str]:
    source = _source(section)
    return source.check_explore(section) if source is not None else _check_dataset(section)


def _check_preprocess(section: dict[str, Any]) -> list[str]:
    source = _source(section)
    return source.check_preprocess(section) if source is not None else _check_dataset(section)


register_stage(
    Stage(
        name="explore",
        notebook="01_explore.ipynb",
        folder="01_explore",
        inputs=_explore_inputs,
        check=_check_explore,
        description="records, annotation classes per record, example beats, RR distributions",
    )
)
register_stage(
    Stage(
        name="preprocess",
        notebook="02_preprocess.ipynb",
        folder="02_preprocess",
        inputs=_preprocess_inputs,
        check=_check_preprocess,
        description="beat windows, RR features, AAMI labels, patient-level split, normalization",
    )
)
register_stage(
    Stage(
        name="train",
        notebook="03_train.ipynb",
        folder="03_train_{model}",
        upstream=("preprocess",),
        per_model=True,
        description="one model per entry of `models` (Lightning), selected on validation",
    )
)
register_stage(
    Stage(
        name="evaluate",
        notebook="04_evaluate.ipynb",
        folder="04_evaluate",
        upstream=("preprocess", "train"),
        description="DS2 metrics, bootstrap CIs over records, confusion matrices, per-record table",
    )
)
register_stage(
    Stage(
        name="export",
        notebook="05_export.ipynb",
        folder="05_export",
        upstream=("preprocess", "train", "evaluate"),
        description="ONNX export, checker, onnxruntime parity and latency, model card",
    )
)


def _signal_inputs(section: dict[str, Any]) -> list[Path]:
    from vitalkit import config

    records = [
        *mitdb.resolve_records(section["records"]),
        str(section["segment_record"]),
        *mitdb.resolve_records(section["snr_records"]),
        "118",  # the clean record under NSTDB 118e00, from which em noise is recovered
    ]
    files = mitdb.record_paths(sorted(set(records)))
    nstdb = config.data_dir() / "nstdb"
    return files + sorted(p for p in nstdb.glob("*") if p.suffix in (".hea", ".dat", ".atr"))


def _check_signal(section: dict[str, Any]) -> list[str]:
    from vitalkit import config
    from vitalkit.beats.detect import DETECTORS
    from vitalkit.beats.noise_stress import DENOISERS
    from vitalkit.signal.noise import NOISE_KINDS

    problems: list[str] = []
    unknown = [d for d in section.get("detectors", []) if d not in DETECTORS]
    if unknown:
        problems.append(f"signal_analysis: unknown detector(s) {unknown}; registered: {sorted(DETECTORS)}")
    unknown = [n for n in section.get("noises", []) if n not in NOISE_KINDS]
    if unknown:
        problems.append(f"signal_analysis: unknown noise(s) {unknown}; use {list(NOISE_KINDS)}")
    unknown = [m for m in section.get("methods", []) if m not in DENOISERS]
    if unknown:
        problems.append(f"signal_analysis: unknown method(s) {unknown}; known: {list(DENOISERS)}")
    collect(problems, lambda: _signal_inputs(section))
    nstdb = config.data_dir() / "nstdb"
    needed = {"bw": ["bw"], "ma": ["ma"], "em": ["em", "118e00"]}
    for noise in section["noises"]:
        if noise in needed and not any((nstdb / f"{r}.hea").is_file() for r in needed[noise]):
            problems.append(f"signal_analysis: noise {noise!r} needs {' or '.join(needed[noise])} in {nstdb}")
    return problems


def _clinical_records(section: dict[str, Any]) -> dict[str, list[str]]:
    from vitalkit.data import qtdb

    return {
        "hrv": mitdb.resolve_records(section["hrv_records"]),
        "qt": qtdb.resolve_records(section["qt_records"]),
        "st": qtdb.resolve_records(section["st_records"]),
    }


def _clinical_files(section: dict[str, Any]) -> list[Path]:
    from vitalkit.data import ptbxl

    records = _clinical_records(section)
    files = mitdb.record_paths(records["hrv"])
    for names, annotators in ((records["qt"], ("q1c",)), (records["st"], ("q1c", "atr"))):
        for base in ensure_records("qtdb", names):
            files += record_files(base, annotators)
    folder = ptbxl.database_dir(ptbxl.SLUG)
    return [*files, folder / "ptbxl_database.csv", folder / "scp_statements.csv"]


def _check_clinical(section: dict[str, Any]) -> list[str]:
    from vitalkit.clinical.delineate import DELINEATORS
    from vitalkit.clinical.hrv import RR_CLEANERS
    from vitalkit.clinical.mi import MODELS
    from vitalkit.clinical.st import REFERENCES

    problems: list[str] = []
    if collect(problems, lambda: _clinical_records(section)) is not None:
        collect(problems, lambda: _clinical_files(section))
    choices = {
        "qt_methods": (section["qt_methods"], DELINEATORS),
        "mi_models": (section["mi_models"], MODELS),
        "hrv_cleaning": ([section["hrv_cleaning"]], RR_CLEANERS),
        "st_reference": ([section["st_reference"]], REFERENCES),
    }
    for key, (values, known) in choices.items():
        unknown = [v for v in values if v not in known]
        if unknown:
            problems.append(f"clinical: {key} {unknown} unknown; choose from {sorted(known)}")
    st_records = section.get("st_records", [])
    listed = [st_records] if isinstance(st_records, str) else st_records
    not_edb = [r for r in listed if not str(r).startswith("sele")]
    if not_edb and st_records != "EDB":
        problems.append(f"clinical: st_records {not_edb} carry no ST episode annotations (use sele* records)")
    return problems


def _rhythm_inputs(section: dict[str, Any]) -> list[Path]:
    from vitalkit.rhythm.stage import stage_inputs

    return stage_inputs(section)


def _check_rhythm(section: dict[str, Any]) -> list[str]:
    from vitalkit.rhythm.stage import stage_problems

    return stage_problems(section)


register_stage(
    Stage(
        name="signal_analysis",
        notebook="06_signal_analysis.ipynb",
        folder="06_signal_analysis",
        inputs=_signal_inputs,
        check=_check_signal,
        description="QRS detector benchmark, filters, spectra, time-frequency maps, noise stress test",
    )
)


register_stage(
    Stage(
        name="clinical",
        notebook="07_clinical_measurements.ipynb",
        folder="07_clinical_measurements",
        inputs=_clinical_files,
        check=_check_clinical,
        description="HRV (MIT-BIH), QT/QTc against QTDB marks, ST trends and episodes, MI detector (PTB-XL)",
    )
)


register_stage(
    Stage(
        name="rhythm",
        notebook="09_rhythm.ipynb",
        folder="09_rhythm",
        inputs=_rhythm_inputs,
        check=_check_rhythm,
        description="AF (CinC 2017 k-fold), shockable rhythms (AHA goals, delays), per-type table, ONNX",
    )
)


def _sepsis_files(section: dict[str, Any]) -> list[Path]:
    from vitalkit.vitals.cohort import subset_files

    return subset_files()


def _check_vitals(section: dict[str, Any]) -> list[str]:
    from vitalkit.vitals.bands import MISSING_POLICIES
    from vitalkit.vitals.compare import THRESHOLD_RULES
    from vitalkit.vitals.sequences import INPUTS
    from vitalkit.vitals.stage import ANOMALY_REFERENCES

    problems: list[str] = []
    ids = collect(problems, lambda: _sepsis_files(section)) or []
    val, test = section["val_fraction"], section["test_fraction"]
    if (
        isinstance(val, int | float)
        and isinstance(test, int | float)
        and not (0 < val and 0 < test and val + test < 1)
    ):
        problems.append(f"vitals: val_fraction ({val}) and test_fraction ({test}) must be > 0 and sum to < 1")
    n = section["n_patients"]
    if isinstance(n, int) and ids and 0 < n < 50:
        problems.append(
            f"vitals: n_patients={n} is too few for a stratified 3-way split (use 0 for all, or >= 50)"
        )
    choices = {
        "missing_policy": MISSING_POLICIES,
        "threshold_rule": THRESHOLD_RULES,
        "anomaly_reference": ANOMALY_REFERENCES,
        "gru_inputs": INPUTS,
    }
    for key, allowed in choices.items():
        given = section.get(key)
        for value in given if isinstance(given, list) else [] if given is None else [given]:
            if value not in allowed:
                problems.append(f"vitals: {key} {value!r} must be one of {sorted(allowed)}")
    for key in ("fill_hours", "lab_fill_hours"):
        if isinstance(section.get(key), int | float) and section[key] < 0:
            problems.append(f"vitals: {key} must be >= 0")
    return problems


register_stage(
    Stage(
        name="vitals",
        notebook="08_vitals_early_warning.ipynb",
        folder="08_vitals_early_warning",
        inputs=_sepsis_files,
        check=_check_vitals,
        description="Challenge 2019 vitals: NEWS2/MEWS, anomaly detectors, GBM and GRU sepsis warning, ONNX",
    )
)
