"""Model packages: classical models as ONNX, the metadata document, its schema and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from vitalkit.beats.dataset import load_mitdb_record, record_beats
from vitalkit.beats.inputs import BeatRecipe
from vitalkit.export.classical_onnx import export_classical, onnx_exportable
from vitalkit.export.package import (
    METADATA_KEY,
    ModelPackageError,
    beat_model_metadata,
    load_package,
    metadata_problems,
    metadata_props,
    read_package_metadata,
)
from vitalkit.export.stage import recipe_of
from vitalkit.models.classical import ClassicalBeatModel


@pytest.fixture(scope="module")
def real_beats(data_dir):
    """Beats of two real MIT-BIH records (one DS1 patient with S and V beats, one with F)."""
    parts = [
        record_beats(load_mitdb_record(r, data_dir, lead=None), ["N", "S", "V", "F"], features="transfer")[0]
        for r in ("208", "209")
    ]
    first = parts[0]
    return type(first).concatenate(parts, first)


@pytest.mark.parametrize(
    ("architecture", "hparams", "feature_set"),
    [
        ("random_forest", {"n_estimators": 20, "min_samples_leaf": 5, "n_jobs": 1}, "transfer"),
        ("gbdt", {"max_iter": 30}, "saenz2020"),
        ("lda", {}, "dechazal2004"),
    ],
)
def test_classical_onnx_matches_scikit_learn_on_real_beats(
    real_beats, tmp_path, architecture, hparams, feature_set
):
    beats = real_beats
    model = ClassicalBeatModel(
        architecture, 4, hparams, beats.sampling_rate, 0, feature_set, beats.feature_names
    )
    model.fit(beats.windows, beats.rr, beats.labels)
    model.class_bias_ = np.array([0.0, 0.7, -0.2, 0.1])
    assert onnx_exportable(model)
    path = export_classical(model, tmp_path / "m.onnx", {"k": "v"})
    from vitalkit.export.package import onnx_session

    got = onnx_session(path).run(["probabilities"], {"rr": beats.rr})[0]
    ref = model.predict_proba(beats.windows, beats.rr)
    assert np.abs(got - ref).max() < 1e-5
    assert (got.argmax(1) == ref.argmax(1)).mean() > 0.999


def test_window_feature_models_are_not_exportable(real_beats, tmp_path):
    model = ClassicalBeatModel("random_forest", 4, {"n_estimators": 2}, feature_set="window")
    assert not onnx_exportable(model)
    with pytest.raises(ValueError, match="only models on beat-feature table columns"):
        export_classical(model, tmp_path / "m.onnx")


def _package(beats, tmp_path: Path, doc_change=None) -> Path:
    model = ClassicalBeatModel(
        "random_forest",
        4,
        {"n_estimators": 5, "n_jobs": 1},
        feature_set="transfer",
        feature_names=beats.feature_names,
    ).fit(beats.windows, beats.rr, beats.labels)
    doc = beat_model_metadata(
        "rf",
        "random_forest",
        "classical",
        beats.classes,
        recipe_of(beats),
        None,
        beats.feature_names,
        {"run_id": "x"},
    )
    if doc_change:
        doc_change(doc)
    return export_classical(model, tmp_path / "m.onnx", metadata_props(doc))


def test_metadata_document_validates_and_loads(real_beats, tmp_path):
    path = _package(real_beats, tmp_path)
    doc = read_package_metadata(path)
    assert metadata_problems(doc) == []
    assert doc["recipe"]["sampling_rate"] == 360.0 and doc["recipe"]["features"] == "transfer"
    assert doc["output"]["class_meaning"]["S"].endswith("A, a, J, S")
    assert "rr_post" in doc["look_ahead"]
    package = load_package(path)
    assert package.classes == ["N", "S", "V", "F"] and package.input_names == ["rr"]
    assert package.recipe == BeatRecipe.from_dict(doc["recipe"])
    assert package.predict_proba({"rr": real_beats.rr[:3], "window": real_beats.windows[:3]}).shape == (3, 4)


def _set_props(path: Path, props: dict[str, str]) -> None:
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, props)
    onnx.save(proto, str(path))


def test_bad_packages_are_refused_with_one_clear_error(real_beats, tmp_path):
    not_onnx = tmp_path / "x.onnx"
    not_onnx.write_text("hello")
    with pytest.raises(ModelPackageError, match=r"x.onnx: not an ONNX model"):
        load_package(not_onnx)
    with pytest.raises(ModelPackageError, match="model file not found"):
        load_package(tmp_path / "missing.onnx")
    path = _package(real_beats, tmp_path)
    good = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    _set_props(path, {"classes": "N,S"})
    with pytest.raises(ModelPackageError, match="without VitalKit metadata"):
        load_package(path)
    _set_props(path, {METADATA_KEY: "{not json"})
    with pytest.raises(ModelPackageError, match="not valid JSON"):
        load_package(path)
    doc = json.loads(good[METADATA_KEY])
    _set_props(path, {METADATA_KEY: json.dumps({**doc, "format_version": 2})})
    with pytest.raises(ModelPackageError, match=r"format version 2; this vitalkit .* reads version 1"):
        load_package(path)
    del doc["recipe"]["bandpass"]
    _set_props(path, {METADATA_KEY: json.dumps({**doc, "task": "beats"})})
    with pytest.raises(ModelPackageError, match="recipe: 'bandpass' is a required property"):
        load_package(path)
    doc = json.loads(good[METADATA_KEY])
    doc["inputs"].insert(0, {"name": "window", "shape": ["batch", 1, 252], "dtype": "float32", "units": "mV"})
    _set_props(path, {METADATA_KEY: json.dumps(doc)})
    with pytest.raises(
        ModelPackageError, match=r"declares inputs \['window', 'rr'\]; the graph takes \['rr'\]"
    ):
        load_package(path)
