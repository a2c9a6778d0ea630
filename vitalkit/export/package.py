"""Self-describing model packages: one ONNX file whose metadata says how to use it.

Every exported model carries, under the ONNX ``metadata_props`` key ``vitalkit``, one JSON
document (:func:`beat_model_metadata` builds it) with the task, the classes and their meaning,
the inputs (names, shapes, units, feature columns), how a recording becomes those inputs (the
:class:`~vitalkit.beats.inputs.BeatRecipe`: lead, band-pass, sampling rate, window), the
features' look-ahead, the producer's version and commit, the training records and a hash of
their data, and CV and test metrics. The JSON schema ``schemas/model_metadata.schema.json``
(shipped in the package) defines it; :func:`load_package` refuses any file whose metadata is
missing, malformed or of another format version, with one error naming the file.

Other runtimes read the same document: ``examples/node/metadata.js`` for onnxruntime-node (which
does not expose custom metadata), ``session.metadata()?.custom("vitalkit")`` in Rust ``ort``.

Examples
--------
>>> doc = {"format": "vitalkit-model", "format_version": 1, "task": "beats"}
>>> problems = metadata_problems(doc)
>>> problems[0]
"'model' is a required property"
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import onnx
import onnxruntime as ort

import vitalkit
from vitalkit.beats.features import LOOK_AHEAD
from vitalkit.beats.inputs import BeatRecipe
from vitalkit.errors import DataError
from vitalkit.labels import AAMI_MAP

METADATA_KEY = "vitalkit"
FORMAT = "vitalkit-model"
FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schemas" / "model_metadata.schema.json"

CLASS_MEANING = {
    c: "MIT-BIH beat types " + ", ".join(s for s, k in AAMI_MAP.items() if k == c) for c in "NSVFQ"
}
"""AAMI EC57 heartbeat classes, by the MIT-BIH annotation symbols they gather."""


class ModelPackageError(DataError):
    """A model file that is not a usable VitalKit model package (names the file and the problem)."""


@cache
def metadata_schema() -> dict[str, Any]:
    """The JSON schema of the metadata document."""
    return json.loads(SCHEMA_PATH.read_text())


def metadata_problems(doc: Any) -> list[str]:
    """Schema violations of a metadata document, each as ``path: message`` (empty when valid)."""
    validator = jsonschema.Draft202012Validator(metadata_schema())
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where}: {error.message}" if where else error.message)
    return problems


def beat_model_metadata(
    label: str,
    architecture: str,
    kind: str,
    classes: Sequence[str],
    recipe: BeatRecipe,
    window_shape: tuple[int, int] | None,
    feature_names: Sequence[str],
    provenance: Mapping[str, Any],
    metrics: Mapping[str, Any] | None = None,
    members: Sequence[str] = (),
    record_smoothing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The metadata document of a beat classifier.

    Parameters
    ----------
    label, architecture, kind
        The model's label in its run, its registered architecture and ``'neural'``,
        ``'classical'`` or ``'ensemble'``.
    classes : sequence of str
        Output classes, in order.
    recipe : BeatRecipe
        How its beats were made, with ``sampling_rate`` set to the model's rate.
    window_shape : tuple of int or None
        ``(channels, length)`` of the ``window`` input; None for models without one
        (classical models read the feature table only).
    feature_names : sequence of str
        Columns of the ``rr`` input.
    provenance : mapping
        ``vitalkit_version``, ``git_commit``, ``run_id``, ``training_records``, ``data_sha256``.
    metrics : mapping, optional
        CV and test figures.
    members : sequence of str
        Ensemble members.
    record_smoothing : mapping, optional
        ``{neighbours, keep}``: the model's probabilities are smoothed within each record after
        the graph (:mod:`vitalkit.beats.adapt`); ``vitalkit predict`` applies it.
    """
    inputs = []
    if window_shape is not None:
        inputs.append(
            {
                "name": "window",
                "shape": ["batch", int(window_shape[0]), int(window_shape[1])],
                "dtype": "float32",
                "units": f"mV, band-pass {recipe.bandpass[0]:g}-{recipe.bandpass[1]:g} Hz, "
                f"{recipe.sampling_rate:g} Hz, R peak at {recipe.before_s:g} s",
                "channels": list(recipe.channels),
            }
        )
    inputs.append(
        {
            "name": "rr",
            "shape": ["batch", len(feature_names)],
            "dtype": "float32",
            "units": "first 4 in s (rr_pre, rr_post, rr_local, rr_record); the rest ratios, ms or mV by name",
            "columns": list(feature_names),
        }
    )
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": "beats",
        "model": {"label": label, "architecture": architecture, "kind": kind, "members": list(members)},
        "inputs": inputs,
        "output": {
            "name": "probabilities",
            "activation": "softmax",
            "classes": list(classes),
            "class_meaning": {c: CLASS_MEANING.get(c, c) for c in classes},
        },
        "sampling_rate_hz": float(recipe.sampling_rate or 0),
        "recipe": recipe.to_dict(),
        "provenance": {"vitalkit_version": vitalkit.__version__, **provenance},
        "metrics": dict(metrics or {}),
    }
    if recipe.features == "transfer":
        doc["look_ahead"] = dict(LOOK_AHEAD)
    if record_smoothing is not None:
        doc["record_smoothing"] = dict(record_smoothing)
        doc.setdefault("look_ahead", {})["record_smoothing"] = (
            "after the graph, each beat's probabilities are averaged with those of the most similar "
            "beats of the same record (whole record, no labels; vitalkit.beats.adapt)"
        )
    return doc


def rhythm_model_metadata(
    label: str,
    classes: Sequence[str],
    class_meaning: Mapping[str, str],
    feature_names: Sequence[str],
    window_s: float,
    stride_s: float,
    provenance: Mapping[str, Any],
    metrics: Mapping[str, Any] | None = None,
    architecture: str = "gbdt",
) -> dict[str, Any]:
    """The metadata document of a window-by-window rhythm classifier on rhythm features
    (:func:`vitalkit.rhythm.features.ecg_rhythm_features`, computed on the raw lead at its own rate)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": "rhythm",
        "model": {"label": label, "architecture": architecture, "kind": "classical", "members": []},
        "inputs": [
            {
                "name": "features",
                "shape": ["batch", len(feature_names)],
                "dtype": "float32",
                "units": "rhythm features of one window: RR statistics in s or ms, ratios, morphology "
                "and signal-quality scores (NaN where undefined)",
                "columns": list(feature_names),
            }
        ],
        "output": {
            "name": "probabilities",
            "activation": "softmax",
            "classes": list(classes),
            "class_meaning": {c: class_meaning.get(c, c) for c in classes},
        },
        "windows": {
            "window_s": float(window_s),
            "stride_s": float(stride_s),
            "features": "vitalkit.rhythm.features.ecg_rhythm_features on the raw lead, any sampling rate",
        },
        "provenance": {"vitalkit_version": vitalkit.__version__, **provenance},
        "metrics": dict(metrics or {}),
    }


VITALS_CLASS = "sepsis_6h"
"""The vitals model's one output: the risk that sepsis begins within the horizon."""


def vitals_model_metadata(
    label: str,
    recipe: Mapping[str, Any],
    alert_threshold: float | None,
    provenance: Mapping[str, Any],
    metrics: Mapping[str, Any] | None = None,
    architecture: str = "gru",
) -> dict[str, Any]:
    """The metadata document of an hour-by-hour early-warning model on vital signs and labs.

    Parameters
    ----------
    label, architecture : str
        The model's label and architecture.
    recipe : mapping
        :meth:`vitalkit.vitals.stay.VitalsRecipe.to_dict`: input set, columns, fill limits,
        windows, score settings and the label's horizon.
    alert_threshold : float or None
        Risk at or above which an hour raises an alert (chosen on validation patients).
    provenance, metrics : mapping
        As for :func:`beat_model_metadata`.

    Examples
    --------
    >>> recipe = {"inputs": "raw", "feature_names": ["HR"], "horizon_h": 6,
    ...           "fill_hours": 6, "lab_fill_hours": 24, "window_h": 6}
    >>> doc = vitals_model_metadata("GRU", recipe, 0.3, {"vitalkit_version": "0"})
    >>> metadata_problems(doc), doc["inputs"][0]["shape"]
    ([], ['batch', 'time', 1])
    """
    names = list(recipe["feature_names"])
    shape = ["batch", "time", len(names)]
    horizon = recipe.get("horizon_h", 6)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": "vitals",
        "model": {"label": label, "architecture": architecture, "kind": "neural", "members": []},
        "inputs": [
            {
                "name": "values",
                "shape": shape,
                "dtype": "float32",
                "units": "one row per hour of the stay: vital signs and labs in the Challenge 2019 units "
                "after a limited forward fill, per-stay values, ICU hours; NaN where unknown",
                "columns": names,
            },
            {
                "name": "measured",
                "shape": shape,
                "dtype": "float32",
                "units": "1 where the value is known (raw inputs: measured that hour), else 0",
                "columns": names,
            },
        ],
        "output": {
            "name": "risk",
            "activation": "sigmoid",
            "classes": [VITALS_CLASS],
            "class_meaning": {
                VITALS_CLASS: f"sepsis onset (Sepsis-3 as in the PhysioNet/CinC Challenge 2019) "
                f"within the next {horizon} hours, per hour"
            },
        },
        "vitals": {
            **dict(recipe),
            "step_h": 1.0,
            "alert_threshold": None if alert_threshold is None else float(alert_threshold),
            "reader": "vitalkit.vitals.stay.read_stay (Challenge 2019 .psv, one stay per file)",
        },
        "look_ahead": {"all inputs": "none: hour t uses hours up to t (causal GRU)"},
        "provenance": {"vitalkit_version": vitalkit.__version__, **provenance},
        "metrics": dict(metrics or {}),
    }


def metadata_props(doc: Mapping[str, Any]) -> dict[str, str]:
    """ONNX ``metadata_props`` for a document: the document under :data:`METADATA_KEY` and a few
    flat keys for people reading the file in Netron or ``onnx``."""
    flat = {
        METADATA_KEY: json.dumps(doc, sort_keys=True),
        "producer": f"vitalkit {doc['provenance']['vitalkit_version']}",
        "task": doc["task"],
        "classes": ",".join(doc["output"]["classes"]),
    }
    if "sampling_rate_hz" in doc:
        flat["sampling_rate_hz"] = str(doc["sampling_rate_hz"])
    return flat


def read_package_metadata(path: str | Path) -> dict[str, Any]:
    """Read and validate the metadata document of an ONNX file.

    Raises
    ------
    ModelPackageError
        Not a readable ONNX file, no VitalKit metadata, JSON that does not parse, a document
        that breaks the schema, or another format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelPackageError(path, "model file not found")
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises DecodeError, onnx its own errors
        raise ModelPackageError(path, f"not an ONNX model ({type(exc).__name__}: {exc})") from None
    props = {p.key: p.value for p in proto.metadata_props}
    if METADATA_KEY not in props:
        raise ModelPackageError(
            path, f"ONNX model without VitalKit metadata (no '{METADATA_KEY}' in metadata_props)"
        )
    try:
        doc = json.loads(props[METADATA_KEY])
    except json.JSONDecodeError as exc:
        raise ModelPackageError(path, f"VitalKit metadata is not valid JSON ({exc})") from None
    if isinstance(doc, dict) and doc.get("format_version") not in (None, FORMAT_VERSION):
        raise ModelPackageError(
            path,
            f"model package format version {doc.get('format_version')!r}; this vitalkit "
            f"{vitalkit.__version__} reads version {FORMAT_VERSION}",
        )
    problems = metadata_problems(doc)
    if problems:
        raise ModelPackageError(path, "invalid VitalKit metadata: " + "; ".join(problems[:5]))
    graph_inputs = [i.name for i in proto.graph.input]
    declared = [i["name"] for i in doc["inputs"]]
    if graph_inputs != declared:
        raise ModelPackageError(path, f"metadata declares inputs {declared}; the graph takes {graph_inputs}")
    return doc


@dataclass
class ModelPackage:
    """A loaded model package: its metadata and an onnxruntime session.

    Examples
    --------
    >>> package = load_package("vitalkit/pretrained/beats_ds1.onnx")   # doctest: +SKIP
    >>> package.classes, package.recipe.sampling_rate                     # doctest: +SKIP
    (['N', 'S', 'V', 'F'], 360.0)
    """

    path: Path
    metadata: dict[str, Any]
    session: ort.InferenceSession

    @property
    def task(self) -> str:
        """``'beats'``, ``'rhythm'`` ..."""
        return str(self.metadata["task"])

    @property
    def classes(self) -> list[str]:
        """Output classes, in order."""
        return list(self.metadata["output"]["classes"])

    @property
    def recipe(self) -> BeatRecipe:
        """How a recording becomes this model's beat inputs."""
        return BeatRecipe.from_dict(self.metadata["recipe"])

    @property
    def input_names(self) -> list[str]:
        """Graph inputs, in order."""
        return [i["name"] for i in self.metadata["inputs"]]

    @property
    def record_smoothing(self) -> dict[str, Any] | None:
        """``{neighbours, keep}`` when the model's probabilities are smoothed within a record."""
        return self.metadata.get("record_smoothing")

    def predict_proba(self, arrays: Mapping[str, Any]) -> Any:
        """Probabilities for a batch given ``{input name: array}`` (extra names are ignored)."""
        feed = {name: np.ascontiguousarray(arrays[name], dtype=np.float32) for name in self.input_names}
        return self.session.run([self.metadata["output"]["name"]], feed)[0]


def onnx_session(path: str | Path, threads: int = 1) -> ort.InferenceSession:
    """CPU onnxruntime session with ``threads`` intra-op threads (0: onnxruntime's default)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_package(path: str | Path, threads: int = 1) -> ModelPackage:
    """Validate a model file's metadata and open it with onnxruntime (CPU, ``threads`` threads)."""
    doc = read_package_metadata(path)
    try:
        session = onnx_session(path, threads=threads)
    except Exception as exc:  # onnxruntime's own exception types
        raise ModelPackageError(path, f"onnxruntime cannot load the model ({exc})") from None
    return ModelPackage(Path(path), doc, session)
