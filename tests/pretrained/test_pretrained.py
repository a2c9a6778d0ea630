"""The shipped pretrained models: intact, valid, small, and as good on DS2 as their card says."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.data.physionet import ensure_records
from vitalkit.data.readers import read_record
from vitalkit.export.package import load_package
from vitalkit.inference import predict_beats
from vitalkit.io import sha256_file
from vitalkit.labels import encode_labels
from vitalkit.pretrained import FOLDER, PRETRAINED, resolve_model

TOLERANCE = 0.001
"""Largest difference allowed between a record's DS2 accuracy measured now and in the card (the
same inputs and the same file give the same figure; the tolerance covers float summation order)."""


def test_shipped_files_match_their_checksums_and_fit_the_budget():
    sums = dict(reversed(line.split("  ")) for line in (FOLDER / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(PRETRAINED.values())
    for name, digest in sums.items():
        assert sha256_file(FOLDER / name) == digest, f"{name} differs from SHA256SUMS (run make pretrained)"
    total = sum(f.stat().st_size for f in FOLDER.iterdir() if f.is_file())
    assert total <= 8 * 1024 * 1024


def test_af_model_loads_with_its_windows_and_cv_figures():
    package = load_package(resolve_model("af"))
    doc = package.metadata
    assert package.task == "rhythm" and package.classes == ["N", "A", "O", "~"]
    assert doc["windows"] == {**doc["windows"], "window_s": 30.0, "stride_s": 15.0}
    assert (
        0.7 < doc["metrics"]["cv"]["challenge_score"] < 1
        and len(doc["provenance"]["training_records"]) == 800
    )
    assert "challenge score" in (FOLDER / "af_cinc2017.md").read_text()


@pytest.mark.parametrize("name", ["beats", "beats-all"])
def test_each_beat_model_loads_with_valid_metadata_and_a_card(name):
    package = load_package(resolve_model(name))
    doc = package.metadata
    assert package.task == "beats" and package.classes == ["N", "S", "V", "F"]
    assert doc["recipe"]["sampling_rate"] == 360.0 and doc["provenance"]["training_records"]
    assert "cv" in doc["metrics"]
    card = (FOLDER / PRETRAINED[name]).with_suffix(".md").read_text()
    assert "CV over the training patients" in card
    if name == "beats-all":
        assert len(doc["provenance"]["training_records"]) == 44 and "Not evaluable on MIT-BIH" in card
    else:
        assert "DS2 (held-out patients)" in card and "232" not in doc["provenance"]["training_records"]


@pytest.mark.parametrize("record", ["100", "232"])
def test_ds1_model_reproduces_its_ds2_figures(record, data_dir):
    package = load_package(resolve_model("beats"))
    expected = package.metadata["metrics"]["test_per_record_accuracy"][record]
    (base,) = ensure_records("mitdb", [record], data_dir=data_dir)
    rec = read_record(base, annotator="atr")
    pred = predict_beats(package, rec, beats="annotations")
    truth = encode_labels(rec.annotations.symbol.astype(str), package.classes)
    by_sample = dict(zip(rec.annotations.sample.tolist(), truth.tolist(), strict=True))
    labels = np.array([by_sample[s] for s in pred.beats["sample"]])
    scored = labels >= 0
    predicted = np.array([package.classes.index(c) for c in pred.beats["class"]])
    accuracy = float((predicted[scored] == labels[scored]).mean())
    assert abs(accuracy - expected) <= TOLERANCE
