"""Synthetic ECG: each class is checked by MEASURING the written signal (R peaks by neurokit2,
RR irregularity, P-wave amplitude, ST level at J+60 ms against the PR baseline, premature
wide beats), not by trusting the generator's parameters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.data.labelled import read_labelled_folder
from vitalkit.data.synthetic import SYNTHETIC_CLASSES, ecg_synthetic, generate_dataset, measure_ecg
from vitalkit.errors import ParamsError

SINUS = ("normal", "tachycardia", "bradycardia", "st_elevation")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("synthetic")
    generate_dataset(folder, n_per_class=4, duration_s=10, sampling_rate=250, seed=0, records_per_patient=2)
    data = read_labelled_folder(folder)
    rows = []
    for record, meta in zip(data.records, data.meta, strict=True):
        measured = measure_ecg(record.signal[:, 0], record.sampling_rate)  # from the file, not the generator
        rows.append(
            {
                "label": record.labels[0],
                "patient": record.patient_id,
                **measured,
                **{f"req_{k}": v for k, v in meta["requested"].items()},
            }
        )
    return folder, pd.DataFrame(rows)


def test_folder_is_a_labels_json_dataset(dataset: tuple) -> None:
    folder, table = dataset
    assert table.groupby("label").size().to_dict() == dict.fromkeys(SYNTHETIC_CLASSES, 4)
    assert table["patient"].nunique() == 12  # 2 records per patient
    entries = json.loads((folder / "labels.json").read_text())["records"]
    assert entries[0]["meta"]["measured"] == pytest.approx(
        measure_ecg(np.load(folder / entries[0]["file"])["signal"][:, 0], 250), nan_ok=True
    )


def test_heart_rate_of_each_class(dataset: tuple) -> None:
    _, t = dataset
    assert (t.loc[t.label == "tachycardia", "heart_rate_bpm"] > 105).all()
    assert (t.loc[t.label == "bradycardia", "heart_rate_bpm"] < 55).all()
    others = t[~t.label.isin(["tachycardia", "bradycardia"])]
    assert others["heart_rate_bpm"].between(60, 100).all()
    assert (t["heart_rate_bpm"] - t["req_heart_rate_bpm"]).abs().max() < 6  # measured = asked for


def test_af_like_records_are_irregular_without_p_waves(dataset: tuple) -> None:
    _, t = dataset
    af, sinus = t[t.label == "afib"], t[t.label.isin(SINUS)]
    assert (af["rr_cv"] > 0.12).all() and (sinus["rr_cv"] < 0.08).all()
    assert (t.loc[t.label == "pvc", "rr_cv"] < 0.08).all()  # sinus-to-sinus intervals around the PVCs
    assert (af["rmssd_norm"] > 0.15).all()
    # P-wave amplitude relative to the R wave (beat amplitudes differ between patients)
    # (the measurement picks up fibrillatory waves, up to 0.12 of R in one AF record)
    af_ratio, sinus_ratio = af["p_wave_mv"] / af["r_wave_mv"], sinus["p_wave_mv"] / sinus["r_wave_mv"]
    assert af_ratio.median() < 0.05 and af_ratio.max() < sinus_ratio.min()
    assert (sinus_ratio > 0.12).all()


def test_st_elevation_is_measured_at_j60(dataset: tuple) -> None:
    _, t = dataset
    st = t[t.label == "st_elevation"]
    assert (st["st_j60_mv"] > 0.15).all()
    assert (st["st_j60_mv"] - st["req_st_elevation_mv"]).abs().max() < 0.1
    flat = t[t.label.isin(["normal", "bradycardia", "afib", "pvc"])]
    assert flat["st_j60_mv"].abs().max() < 0.12


def test_pvc_count_is_what_was_asked(dataset: tuple) -> None:
    _, t = dataset
    pvc = t[t.label == "pvc"]
    assert (pvc["n_ectopic"] == pvc["req_n_pvc"]).all() and (pvc["n_ectopic"] >= 2).all()
    assert (t.loc[t.label != "pvc", "n_ectopic"] == 0).all()


def test_seeded_and_noise_options() -> None:
    a = ecg_synthetic("afib", 8, 250, seed=5)
    assert np.array_equal(a.signal, ecg_synthetic("afib", 8, 250, seed=5).signal)
    assert not np.array_equal(a.signal, ecg_synthetic("afib", 8, 250, seed=6).signal)
    clean = ecg_synthetic("normal", 8, 500, seed=1, noise={})
    hum = ecg_synthetic("normal", 8, 500, seed=1, noise={"powerline_mv": 0.2})
    spectrum = np.abs(np.fft.rfft(hum.signal - clean.signal))
    freqs = np.fft.rfftfreq(clean.signal.size, 1 / 500)
    assert abs(freqs[spectrum.argmax()] - 50) < 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "vtach"}, r"unknown synthetic class 'vtach'"),
        ({"duration_s": 2}, r"duration_s must be at least 4 s"),
        ({"sampling_rate": 360.5}, r"sampling_rate must be a whole number"),
        ({"noise": {"hum_mv": 1}}, r"unknown noise 'hum_mv'"),
        ({"noise": {"white_mv": -1}}, r"noise white_mv must be a number >= 0"),
    ],
)
def test_bad_generator_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        ecg_synthetic(**kwargs)


def test_bad_dataset_parameters(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match=r"unknown class 'x'[\s\S]*n_per_class must be a positive integer"):
        generate_dataset(tmp_path, n_per_class=0, classes=["x"])
