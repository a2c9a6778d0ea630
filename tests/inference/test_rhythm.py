"""`vitalkit predict --task rhythm`: the shipped AF model window by window, on any recording."""

from __future__ import annotations

import numpy as np
import pytest
import wfdb

from vitalkit.data.physionet import ensure_records
from vitalkit.data.readers import read_record
from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.export.package import load_package
from vitalkit.inference.outputs import write_rhythm_prediction
from vitalkit.inference.rhythm import predict_rhythm, score_af_windows, window_starts
from vitalkit.inference.run import predict_files
from vitalkit.pretrained import resolve_model
from vitalkit.rhythm.af import cinc_features
from vitalkit.rhythm.features import FEATURE_NAMES


@pytest.fixture(scope="module")
def af_package():
    return load_package(resolve_model("af"))


def test_window_starts_cover_the_recording():
    starts, n = window_starts(36000, 100.0, 30.0, 15.0)
    assert n == 3000 and starts[0] == 0 and starts[-1] == 33000 and len(starts) == 23
    assert window_starts(1500, 100.0, 30.0, 15.0) == (pytest.approx(np.array([0])), 1500)


def test_a_cinc_record_gets_the_training_features_and_probabilities(af_package, data_dir):
    """A 300 Hz CinC record shorter than a window is classified whole, from the features training used."""
    name = af_package.metadata["provenance"]["training_records"][0]
    (base,) = ensure_records("challenge-2017", [name], data_dir=data_dir)
    pred = predict_rhythm(af_package, read_record(base))
    assert len(pred.windows) == 1
    expected = af_package.predict_proba(
        {"features": cinc_features([name], progress=False).to_numpy(np.float32)}
    )
    got = pred.windows[[f"p_{c}" for c in af_package.classes]].to_numpy()
    assert np.abs(got - expected).max() < 1e-4
    assert af_package.metadata["inputs"][0]["columns"] == list(FEATURE_NAMES)


def test_af_windows_of_a_mitdb_excerpt_are_scored_and_written(af_package, data_dir, tmp_path):
    (base,) = ensure_records("mitdb", ["201"], data_dir=data_dir)
    full = read_record(base, annotator="atr")
    n = int(600 * full.sampling_rate)  # 10 minutes: AF for the first 6.3 in the reference
    keep = full.annotations.sample < n
    record = Record(
        "201",
        full.signal[:n],
        full.sampling_rate,
        full.channel_names,
        full.units,
        annotations=full.annotations.select(keep),
        source=full.source,
    )
    pred = predict_rhythm(af_package, record)
    assert len(pred.windows) == 39 and set(pred.windows["class"]) <= set(af_package.classes)
    probabilities = pred.windows[[f"p_{c}" for c in af_package.classes]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    table, summary = score_af_windows(pred, record)
    assert summary["windows"] == 39 and summary["reference_af_windows"] > 10
    folder = write_rhythm_prediction(tmp_path, pred, record, af_package, (table, summary))
    assert sorted(p.name for p in folder.iterdir()) == [
        "201.vkr",
        "prediction.json",
        "report.html",
        "score.csv",
        "score.json",
        "windows.csv",
    ]
    ann = wfdb.rdann(str(folder / "201"), "vkr")
    assert ann.symbol[0] == "+" and ann.aux_note[0].startswith("(")


def test_task_and_length_are_checked(af_package, tmp_path):
    rng = np.random.default_rng(0)
    short = tmp_path / "short.npy"
    np.save(short, rng.normal(size=2000))
    with pytest.raises(DataError, match=r"recording of 8.00 s; at least 9 s are needed"):
        predict_files([short], tmp_path / "o", task="rhythm", read_options={"sampling_rate": 250})
    with pytest.raises(DataError, match="a 'beats' model, but --task rhythm was asked for"):
        predict_files(
            [short], tmp_path / "o", model="beats", task="rhythm", read_options={"sampling_rate": 250}
        )
    assert not (tmp_path / "o").exists()
