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
from vitalkit.errors import VitalKitError

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


def _mitdb_files(records: list[str]) -> list[Path]:
    files: list[Path] = []
    for base in ensure_records(mitdb.SLUG, records):
        files += record_files(base, ("atr",))
    return files


def _records(section: dict[str, Any], key: str, default: Any) -> list[str]:
    return mitdb.resolve_records(section.get(key, default))


def _try(problems: list[str], fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except VitalKitError as exc:
        problems.append(str(exc))
        return None


def _kind(section: dict[str, Any]) -> str:
    return str((section.get("dataset") or {}).get("kind", "mitdb"))


def _open(section: dict[str, Any]) -> Any:
    from vitalkit.datasets import open_dataset

    return open_dataset(section.get("dataset"))


def _folder_files(section: dict[str, Any]) -> list[Path]:
    """Every file of a labels.json folder (synthetic data is generated from the parameters)."""
    if _kind(section) != "folder":
        return []
    folder = Path(section["dataset"].get("path", ""))
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _explore_inputs(section: dict[str, Any]) -> list[Path]:
    if _kind(section) == "mitdb":
        return _mitdb_files(_records(section, "records", "NONPACED"))
    return _folder_files(section)


def _preprocess_inputs(section: dict[str, Any]) -> list[Path]:
    if _kind(section) == "mitdb":
        return _mitdb_files(
            _records(section, "train_records", "DS1") + _records(section, "test_records", "DS2")
        )
    return _folder_files(section)


def _check_explore(section: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if _kind(section) != "mitdb":
        _try(problems, lambda: _open(section))
        return problems
    _try(problems, lambda: _mitdb_files(_records(section, "records", "NONPACED")))
    return problems


def _check_preprocess(section: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if _kind(section) != "mitdb":
        source = _try(problems, lambda: _open(section))
        if source is not None:
            _try(
                problems,
                lambda: source.split(
                    split_fractions=section.get("split_fractions", (0.6, 0.2, 0.2)),
                    seed=section.get("seed", 0),
                ),
            )
        return problems
    train = _try(problems, lambda: _records(section, "train_records", "DS1")) or []
    test = _try(problems, lambda: _records(section, "test_records", "DS2")) or []
    both = sorted(set(train) & set(test))
    if both:
        problems.append(
            f"preprocess: record(s) {both} are in both train_records and "
            "test_records (inter-patient evaluation needs disjoint patients)"
        )
    paced = sorted(set(train + test) & set(mitdb.PACED))
    if paced:
        problems.append(f"preprocess: paced record(s) {paced} are excluded by the AAMI protocol")
    n_val = section.get("n_val_records", 5)
    if isinstance(n_val, int) and not 0 < n_val < len(train):
        problems.append(
            f"preprocess: n_val_records={n_val} must be between 1 and {len(train) - 1} (the training records)"
        )
    _try(problems, lambda: _mitdb_files(train + test))
    return problems


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


def _rhythm_inputs(section: dict[str, Any]) -> list[Path]:
    from vitalkit.rhythm.stage import stage_inputs

    return stage_inputs(section)


def _check_rhythm(section: dict[str, Any]) -> list[str]:
    from vitalkit.rhythm.stage import stage_problems

    return stage_problems(section)


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
