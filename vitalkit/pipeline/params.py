"""Parameter sets: loading ``params/*.yaml`` and validating all of it before a run starts.

A parameter set is YAML::

    name: smoke                    # run ids start with it; smoke and full runs never mix
    description: a small real slice
    stages: [explore, preprocess, train, evaluate, export]
    seed: 7                        # handed to every notebook declaring `seed`
    report: {show_code: false}
    models:                        # one training stage per entry
      resnet1d: {architecture: resnet1d, hparams: {channels: [16, 32, 64]}, train: {lr: 0.001}}
    preprocess: {train_records: DS1, test_records: DS2}   # keys = notebook parameters
    train: {max_epochs: 1}

Every key of a stage section must be a parameter of that stage's notebook (read with
``papermill.inspect_notebook``) and match its type annotation; model architectures must be
registered and their hyperparameters accepted; each stage's own checks (records present or
downloadable, no patient in two splits) run too. All problems are reported at once.

Examples
--------
>>> from vitalkit.pipeline.params import type_matches
>>> type_matches([1, 2], "list[int]"), type_matches("DS1", "Union[str, list]")
(True, True)
>>> type_matches(1.5, "int")
False
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from vitalkit import config
from vitalkit.errors import ParamsError, SetupError, VitalKitError
from vitalkit.io import sha256_file
from vitalkit.pipeline.ranges import check_range
from vitalkit.pipeline.stages import PER_MODEL, RESERVED, STAGES, Stage

TOP_LEVEL = ("name", "description", "stages", "seed", "dataset", "report", "models")
SHARED = ("seed", "dataset")
"""Top-level keys handed to every stage notebook that declares a parameter of that name
(unless the stage's own section sets it)."""
REPORT_KEYS = {"show_code": bool}
MODEL_KEYS = ("architecture", "hparams", "train", "description")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _split_args(inner: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += ch == "["
        depth -= ch == "]"
        current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def type_matches(value: Any, annotation: str) -> bool:
    """Whether a YAML value fits a notebook parameter's annotation.

    Understands ``int``, ``float`` (ints accepted), ``str``, ``bool``, ``list``,
    ``list[T]``, ``dict``, ``dict[K, V]``, ``Optional[T]``, ``Union[A, B]``, ``Any`` and
    parameters without an annotation (anything).
    """
    ann = (annotation or "None").strip()
    if ann in ("None", "Any", "object", ""):
        return True
    match = re.fullmatch(r"(\w+)\[(.*)\]", ann)
    if match:
        outer, args = match.group(1), _split_args(match.group(2))
        if outer == "Optional":
            return value is None or type_matches(value, args[0])
        if outer == "Union":
            return any(type_matches(value, a) for a in args)
        if outer in ("list", "List", "tuple", "Sequence"):
            return isinstance(value, list) and all(type_matches(v, args[0]) for v in value)
        if outer in ("dict", "Dict", "Mapping"):
            return isinstance(value, dict) and all(
                type_matches(k, args[0]) and type_matches(v, args[1]) for k, v in value.items()
            )
        return True
    simple = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
        "dict": lambda v: isinstance(v, dict),
    }
    check = simple.get(ann)
    return True if check is None else bool(check(value))


@lru_cache(maxsize=64)
def _inspect(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    import papermill as pm  # here, not at the top: validating a set should not pay for its imports

    return dict(pm.inspect_notebook(path))


def notebook_parameters(stage: Stage, notebooks_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Parameters a stage notebook declares: ``{name: {inferred_type_name, default, help}}``."""
    path = stage.notebook_path(notebooks_dir or config.notebooks_dir())
    if not path.is_file():
        raise ParamsError(path, [f"stage {stage.name!r}: notebook {path} not found"])
    return _inspect(str(path), path.stat().st_mtime)


def notebook_defaults(stage: Stage, declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The default values of a stage notebook's parameters (those a parameter set may set).

    Defaults are read from the notebook's parameters cell as Python literals; one that is not a
    literal is left out (the notebook then uses it as written).

    Examples
    --------
    >>> notebook_defaults(STAGES["evaluate"], {"n_bootstrap": {"default": "1000"},
    ...                                        "product_dir": {"default": "'x'"}})
    {'n_bootstrap': 1000}
    """
    defaults: dict[str, Any] = {}
    for key, spec in declared.items():
        if key in RESERVED or (stage.per_model and key in PER_MODEL):
            continue
        try:
            defaults[key] = ast.literal_eval(str(spec.get("default")))
        except (ValueError, SyntaxError):
            continue
    return defaults


@dataclass
class ModelSpec:
    """One entry of the ``models`` section."""

    label: str
    architecture: str
    hparams: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass
class StageInstance:
    """A stage as it will run: for per-model stages, one instance per model."""

    stage: Stage
    parameters: dict[str, Any]
    model: str | None = None

    @property
    def label(self) -> str:
        """``'train[resnet1d]'`` for per-model stages, else the stage name."""
        return f"{self.stage.name}[{self.model}]" if self.model else self.stage.name

    @property
    def folder(self) -> str:
        """Product folder name under the run."""
        return self.stage.folder_for(self.model)


@dataclass
class ParamSet:
    """A validated parameter set."""

    name: str
    path: Path
    raw: dict[str, Any]
    stages: list[str]
    seed: int | None
    show_code: bool
    models: dict[str, ModelSpec]
    sections: dict[str, dict[str, Any]]
    sha256: str = ""

    def instances(self) -> list[StageInstance]:
        """Stage instances in run order (per-model stages expanded in ``models`` order)."""
        out = []
        for name in self.stages:
            stage = STAGES[name]
            section = dict(self.sections.get(name, {}))
            if stage.per_model:
                for spec in self.models.values():
                    params = {
                        **section,
                        **spec.train,
                        "model_label": spec.label,
                        "architecture": spec.architecture,
                        "hparams": spec.hparams,
                    }
                    out.append(StageInstance(stage, params, spec.label))
            else:
                out.append(StageInstance(stage, section))
        return out


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, with errors naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(path, [f"parameter file {path} not found"])
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError(path, [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(data, dict):
        raise ParamsError(path, ["the file must hold a mapping (key: value lines)"])
    return data


def _check_section(
    stage: Stage,
    section: Any,
    declared: dict[str, dict[str, Any]],
    where: str,
    problems: list[str],
    allow_model_keys: bool = False,
) -> None:
    if not isinstance(section, dict):
        problems.append(f"{where}: must be a mapping of notebook parameters")
        return
    for key, value in section.items():
        if key in RESERVED:
            problems.append(f"{where}.{key}: is set by the runner, not by parameter sets")
            continue
        if key in PER_MODEL and stage.per_model and not allow_model_keys:
            problems.append(f"{where}.{key}: set models in the `models` section instead")
            continue
        if key not in declared:
            known = sorted(k for k in declared if k not in RESERVED and k not in PER_MODEL)
            problems.append(f"{where}.{key}: unknown parameter of {stage.notebook}; it takes {known}")
            continue
        ann = declared[key].get("inferred_type_name", "None")
        if not type_matches(value, ann):
            problems.append(f"{where}.{key}: expected {ann}, got {type(value).__name__} {value!r}")
        elif (out_of_range := check_range(key, value)) is not None:
            problems.append(f"{where}.{key}: {out_of_range}")


def _check_models(raw: Any, problems: list[str]) -> dict[str, ModelSpec]:
    from vitalkit.models import available_architectures, check_architecture

    models: dict[str, ModelSpec] = {}
    if raw is None:
        return models
    if isinstance(raw, list):
        raw = {str(name): {} for name in raw}
    if not isinstance(raw, dict):
        problems.append("models: must map model labels to {architecture, hparams, train}")
        return models
    for label, spec in raw.items():
        spec = spec or {}
        if not _NAME.match(str(label)):
            problems.append(f"models.{label}: labels may hold letters, digits, '_', '-', '.'")
            continue
        if not isinstance(spec, dict):
            problems.append(f"models.{label}: must be a mapping")
            continue
        for key in spec:
            if key not in MODEL_KEYS:
                problems.append(f"models.{label}.{key}: unknown key; use {list(MODEL_KEYS)}")
        arch = spec.get("architecture", label)
        if arch not in available_architectures():
            problems.append(
                f"models.{label}.architecture: unknown architecture {arch!r}; "
                f"registered: {available_architectures()}"
            )
            continue
        hparams = spec.get("hparams") or {}
        if not isinstance(hparams, dict):
            problems.append(f"models.{label}.hparams: must be a mapping")
            continue
        problems += [f"models.{label}.hparams: {p}" for p in check_architecture(arch, hparams)]

        models[str(label)] = ModelSpec(
            str(label), arch, hparams, spec.get("train") or {}, spec.get("description", "")
        )
    return models


def problems_in(problems: list[str], key: str) -> bool:
    """Whether a problem about ``key`` (or one of its sub-keys) is already listed."""
    return any(p.startswith((f"{key}:", f"{key}.")) for p in problems)


def load_params(path: str | Path, check_data: bool = True, notebooks_dir: Path | None = None) -> ParamSet:
    """Load and validate a parameter set; raise one :class:`ParamsError` listing every problem.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    check_data : bool
        Run the stages' data checks (records present or downloadable).
    notebooks_dir : Path, optional
        Folder of the stage notebooks (default ``<project>/notebooks``).
    """
    path = Path(path)
    raw = load_yaml(path)
    problems: list[str] = []
    for key in raw:
        if key not in TOP_LEVEL and key not in STAGES:
            problems.append(
                f"{key}: unknown top-level key; use {list(TOP_LEVEL)} or a stage name {list(STAGES)}"
            )
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("name: required, letters/digits/'_'/'-'/'.' (it starts every run id)")
        name = str(name)
    stages = raw.get("stages")
    if not isinstance(stages, list) or not stages or not all(isinstance(s, str) for s in stages):
        problems.append(f"stages: required, a list of stage names from {list(STAGES)}")
        stages = []
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        problems.append(f"stages: unknown stage(s) {unknown}; known: {list(STAGES)}")
    stages = [s for s in STAGES if s in stages]  # pipeline order, whatever the file's order
    for s in stages:
        missing = [u for u in STAGES[s].upstream if u not in stages]
        if missing:
            problems.append(f"stages: {s} reads the products of {missing}; add them to stages")
    seed = raw.get("seed")
    if seed is not None and not type_matches(seed, "int"):
        problems.append(f"seed: expected an integer, got {seed!r}")
    report = raw.get("report") or {}
    if not isinstance(report, dict):
        problems.append("report: must be a mapping")
        report = {}
    for key, value in report.items():
        if key not in REPORT_KEYS:
            problems.append(f"report.{key}: unknown key; use {list(REPORT_KEYS)}")
        elif not isinstance(value, REPORT_KEYS[key]):
            problems.append(f"report.{key}: expected {REPORT_KEYS[key].__name__}")
    dataset = raw.get("dataset")
    if isinstance(dataset, str):
        dataset = {"kind": dataset}
    if dataset is not None and (
        not isinstance(dataset, dict) or not isinstance(dataset.get("kind", "mitdb"), str)
    ):
        problems.append("dataset: a mapping with a `kind` (mitdb, folder, synthetic) and its options")
    elif isinstance(dataset, dict) and isinstance(dataset.get("path"), str):
        # a relative folder means relative to where `vitalkit run` is started, not to the
        # notebooks folder the kernels run in
        dataset = {**dataset, "path": str(Path(dataset["path"]).expanduser().resolve())}

    shared = {"seed": seed, "dataset": dataset}
    models = _check_models(raw.get("models"), problems)
    if any(STAGES[s].per_model for s in stages) and not models and not problems_in(problems, "models"):
        problems.append("models: the train stage needs at least one entry in `models`")
    sections = {}
    for s in STAGES:
        if s in raw and s not in stages:
            problems.append(f"{s}: section given but the stage is not in `stages`")
    for s in stages:
        stage = STAGES[s]
        try:
            declared = notebook_parameters(stage, notebooks_dir)
        except SetupError:
            raise  # no notebooks at all: not a problem of the parameter set
        except VitalKitError as exc:
            problems.append(str(exc))
            continue
        section = raw.get(s) or {}
        _check_section(stage, section, declared, s, problems)
        if stage.per_model:
            for spec in models.values():
                _check_section(stage, spec.train, declared, f"models.{spec.label}.train", problems)
        # every parameter the stage runs with: its own section, else the set's shared keys, else
        # the notebook's default (the one place defaults live), so that checks, input hashes and
        # fingerprints see the values the notebook will use
        sections[s] = notebook_defaults(stage, declared)
        for key in SHARED:
            if key in declared and raw.get(key) is not None:
                sections[s][key] = shared[key]
        sections[s].update(section if isinstance(section, dict) else {})
    for spec in models.values():
        folds = {**(raw.get("train") or {}), **spec.train}.get("cv_folds", 0)
        if isinstance(folds, int) and not isinstance(folds, bool) and folds != 0 and folds < 2:
            problems.append(f"models.{spec.label}: cv_folds must be 0 (off) or at least 2, got {folds}")
        smoothing = {**(raw.get("train") or {}), **spec.train}.get("record_smoothing")
        if smoothing:
            from vitalkit.beats.adapt import RecordSmoothing  # imports neurokit2 via vitalkit.beats

            try:
                RecordSmoothing.from_params(smoothing)
            except (TypeError, ValueError) as exc:
                problems.append(f"models.{spec.label}: {exc}")
            if not folds:
                problems.append(f"models.{spec.label}: record_smoothing needs cv_folds (biases chosen by CV)")
    if check_data and not problems:
        for s in stages:
            if STAGES[s].check:
                problems += STAGES[s].check(sections[s])
    if problems:
        raise ParamsError(path, list(dict.fromkeys(problems)))  # a problem two stages share, once
    return ParamSet(
        name=name,
        path=path.resolve(),
        raw=raw,
        stages=stages,
        seed=seed,
        show_code=bool(report.get("show_code", False)),
        models=models,
        sections=sections,
        sha256=sha256_file(path),
    )
