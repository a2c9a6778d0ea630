"""`vitalkit predict`: any recording, any rate, one code path with training, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from vitalkit.beats.adapt import smooth_beat_set
from vitalkit.beats.dataset import load_mitdb_record, record_beats
from vitalkit.cli import main
from vitalkit.data.physionet import ensure_records
from vitalkit.data.readers import read_record
from vitalkit.errors import DataError
from vitalkit.export.package import load_package
from vitalkit.inference import predict_beats, score_beats, write_prediction
from vitalkit.inference.run import predict_files
from vitalkit.pretrained import resolve_model


@pytest.fixture(scope="module")
def package():
    return load_package(resolve_model(None))


@pytest.fixture(scope="module")
def record_232(data_dir):
    (base,) = ensure_records("mitdb", ["232"], data_dir=data_dir)
    return read_record(base, annotator="atr")


def test_annotated_beats_get_the_training_inputs_and_probabilities(package, record_232, data_dir):
    """At the reference beats, predict builds exactly the inputs of the training set."""
    pred = predict_beats(package, record_232, beats="annotations")
    beats, _ = record_beats(
        load_mitdb_record("232", data_dir, lead=None), package.classes, features="transfer"
    )
    raw = package.predict_proba({"rr": beats.rr})
    # the shipped model smooths within the record after the graph, as its evaluation did
    assert package.record_smoothing == {"neighbours": 10, "keep": 0.5}
    expected = smooth_beat_set(raw, package.record_smoothing, beats)
    got = pred.beats.set_index("sample").loc[beats.sample, [f"p_{c}" for c in package.classes]].to_numpy()
    assert np.abs(got - expected).max() < 1e-4
    assert np.abs(raw - expected).max() > 0.05
    assert pred.lead == "MLII" and pred.beat_source == "annotations"


def test_score_uses_the_evaluate_metrics(package, record_232):
    pred = predict_beats(package, record_232, beats="annotations")
    table, summary = score_beats(pred.beats, record_232, package.classes)
    assert summary["missed"] == 0 and summary["extra"] == 0
    assert summary["matched"] == int(table["support"].sum())
    assert table.loc["S", "support"] == 1382  # record 232's S beats
    assert 0.5 < table.loc["S", "Se"] <= 1.0


def test_detected_beats_on_another_rate(package, data_dir):
    """A CinC 2017 recording (300 Hz, one lead named differently) is resampled to the model's rate."""
    (base,) = ensure_records("challenge-2017", ["A00005"], data_dir=data_dir)
    record = read_record(base)
    assert record.sampling_rate == 300.0 and "MLII" not in record.channel_names
    pred = predict_beats(package, record)
    assert pred.lead == record.channel_names[0] and pred.detector == "consensus"
    rr = np.diff(pred.beats["time_s"].to_numpy())
    assert 90 <= len(pred.beats) <= 130 and 0.2 < np.median(rr) < 2.0
    assert pred.beats["sample"].max() < record.n_samples  # samples of the 300 Hz file


def test_products_are_complete_and_readable(package, record_232, tmp_path):
    pred = predict_beats(package, record_232, beats="annotations")
    folder = write_prediction(
        tmp_path, pred, record_232, package, score_beats(pred.beats, record_232, package.classes)
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["232.vkb", "beats.csv", "prediction.json", "report.html", "score.csv", "score.json"]
    ann = wfdb.rdann(str(folder / "232"), "vkb")
    table = pd.read_csv(folder / "beats.csv")
    assert list(ann.sample) == table["sample"].tolist() and ann.symbol == table["class"].tolist()
    html = (folder / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "Against the reference annotations" in html
    assert "http" not in html.replace("http-equiv", "")  # offline: nothing fetched
    assert json.loads((folder / "prediction.json").read_text())["beats"] == len(table)


def test_failure_leaves_earlier_products_and_no_half_written_folder(package, record_232, tmp_path):
    pred = predict_beats(package, record_232, beats="annotations")
    folder = write_prediction(tmp_path, pred, record_232, package)
    before = (folder / "beats.csv").read_bytes()
    broken = pred.beats.drop(columns=["class"])
    from vitalkit.inference.beats import BeatPredictions

    with pytest.raises(KeyError):
        write_prediction(
            tmp_path, BeatPredictions("232", broken, pred.classes, 360.0, "MLII", "x"), record_232, package
        )
    assert (folder / "beats.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["232"]


def _npy(tmp_path: Path, signal: np.ndarray) -> Path:
    path = tmp_path / "rec.npy"
    np.save(path, signal)
    return path


def test_bad_recordings_get_one_clear_error(package, tmp_path):
    rng = np.random.default_rng(0)
    with pytest.raises(DataError, match=r"recording of 3.00 s; at least 5 s are needed"):
        predict_files(
            [_npy(tmp_path, rng.normal(size=750))], tmp_path / "o", read_options={"sampling_rate": 250}
        )
    with pytest.raises(DataError, match="constant zero"):
        predict_files([_npy(tmp_path, np.zeros(5000))], tmp_path / "o", read_options={"sampling_rate": 250})
    nan = rng.normal(size=5000)
    nan[1000:3000] = np.nan
    with pytest.raises(DataError, match=r"rec\.npy"):
        predict_files([_npy(tmp_path, nan)], tmp_path / "o", read_options={"sampling_rate": 250})
    with pytest.raises(DataError, match="no lead with index 4"):
        predict_files(
            [_npy(tmp_path, rng.normal(size=5000))],
            tmp_path / "o",
            lead=4,
            read_options={"sampling_rate": 250},
        )
    with pytest.raises(DataError, match="no reference annotations"):
        predict_files(
            [_npy(tmp_path, rng.normal(size=5000))],
            tmp_path / "o",
            beats="annotations",
            read_options={"sampling_rate": 250},
        )
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_cli_predict_scores_a_record_and_refuses_a_bad_model(record_232, tmp_path, capsys):
    rc = main(
        ["predict", str(record_232.source), "--beats", "annotations", "--score", "--out", str(tmp_path / "o")]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "accuracy" in out and "1780 beats" in out
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00not a model")
    rc = main(["predict", str(bad), str(record_232.source), "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert rc == 2 and "bad.onnx: not an ONNX model" in err and err.count("\n") == 1
    assert not (tmp_path / "o2").exists()


def test_a_twelve_lead_record_is_read_from_lead_ii(package, data_dir):
    """PTB-XL (100 Hz, leads I ... V6): the MLII model reads lead II, not the first channel."""
    from vitalkit.data import ptbxl

    record = ptbxl.read_record(ptbxl.load_database(data_dir), 1, data_dir)
    assert record.channel_names[0] == "I" and record.sampling_rate == 100.0
    pred = predict_beats(package, record)
    assert pred.lead == "II" and len(pred.beats) >= 5


def test_a_recording_in_microvolts_gets_the_same_inputs(package, record_232):
    """EDF files often store ECG in µV: the model's inputs are scaled to mV from the channel's
    unit (the shipped forest reads only ratios, a neural model reads the windows' mV)."""
    from dataclasses import replace

    from vitalkit.beats.inputs import prepare_leads

    minute = replace(record_232, signal=record_232.signal[: 60 * 360], annotations=None)
    micro = replace(minute, signal=minute.signal * 1000.0, units=["uV"] * len(minute.units))
    a, b = prepare_leads(minute, package.recipe), prepare_leads(micro, package.recipe)
    assert np.abs(a.lead - b.lead).max() < 1e-9 and np.ptp(a.lead) > 0.5
    assert (
        predict_beats(package, micro).beats["class"].tolist()
        == predict_beats(package, minute).beats["class"].tolist()
    )


def test_both_leads_fill_the_beats_a_lead_loses(package, data_dir):
    """MIT-BIH 116, 22:00-23:30: MLII clips and drifts around 22:35 and 23:10 while V1 keeps the
    beats; with both leads predict finds most of the beats the MLII detector misses."""
    from dataclasses import replace

    from vitalkit.beats.detect import match_peaks
    from vitalkit.inference.beats import reference_beats

    (base,) = ensure_records("mitdb", ["116"], data_dir=data_dir)
    record = read_record(base, annotator="atr")
    lo, hi = 22 * 60 * 360, int(23.5 * 60 * 360)
    ref, _ = reference_beats(record)
    ref = ref[(ref >= lo + 360) & (ref < hi - 360)] - lo
    part = replace(record, signal=record.signal[lo:hi], annotations=None)

    def missed(both: bool) -> int:
        found = predict_beats(package, part, both_leads=both).beats["sample"].to_numpy()
        return match_peaks(ref, found, 54).false_negatives

    one, two = missed(False), missed(True)
    assert one >= 10 and two <= one - 8
