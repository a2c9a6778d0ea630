"""Beat models out of database: QT Database records that are not MIT-BIH Arrhythmia excerpts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.cli import main
from vitalkit.errors import DataError
from vitalkit.inference.external import database_of, external_benchmark, external_records
from vitalkit.inference.score import pooled_beat_score

RECORDS = ["sel820", "sel883", "sele0203"]  # 86, 22 and 10 S beats at 250 Hz


def test_external_records_leave_out_mitdb_excerpts(data_dir):
    names = [b.name for b in external_records(data_dir)]
    assert len(names) == 67
    assert not any(database_of(n) == "MIT-BIH Arrhythmia" for n in names)
    assert "sel100" not in names and "sel803" in names
    assert {database_of(n) for n in names} == {
        "Supraventricular Arrhythmia",
        "European ST-T",
        "ST Change",
        "Long-Term",
        "Normal Sinus Rhythm",
    }


def test_benchmark_scores_the_shipped_model_with_intervals(data_dir, tmp_path):
    table, by_db = external_benchmark(["beats"], ["annotations"], tmp_path, records=RECORDS, n_boot=200)
    (row,) = table.to_dict("records")
    assert row["records"] == 3 and row["S_beats"] == 86 + 22 + 10
    assert row["missed"] <= 6 and row["extra"] == 0  # beats too close to the edges are skipped
    for m in ("accuracy", "S_F1", "V_F1"):
        assert row[f"{m}_low"] <= row[m] <= row[f"{m}_high"] or np.isnan(row[m])
    assert row["accuracy"] > 0.9 and row["S_Se"] > 0.5  # the model works at 250 Hz on other patients
    assert set(by_db["database"]) == {"Supraventricular Arrhythmia", "European ST-T"}
    # the pooled figures are the sum of the per-record ones
    per = pd.read_csv(tmp_path / "beats-annotations" / "per_record_score.csv")
    assert per["beats"].sum() == row["matched"] and per["S"].sum() == row["S_beats"]
    page = (tmp_path / "report.html").read_text()
    assert "Supraventricular Arrhythmia" in page and "[" in page  # CIs printed
    assert (tmp_path / "table.csv").is_file() and (tmp_path / "by_database.csv").is_file()


def test_an_mitdb_excerpt_is_refused_by_name(data_dir, tmp_path):
    with pytest.raises(DataError, match="sel100"):
        external_benchmark(["beats"], ["annotations"], tmp_path, records=["sel100"])


def test_pooled_score_sums_confusions_and_checks_input():
    a = {"confusion": [[9, 1], [0, 2]], "missed": 1, "extra": 0}
    table, summary, _ = pooled_beat_score([a, a], ["r1", "r2"], ["N", "S"])
    assert summary["matched"] == 24 and summary["missed"] == 2 and summary["confusion"] == [[18, 2], [0, 4]]
    assert table.loc["S", "+P"] == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="no scored recordings"):
        pooled_beat_score([], [], ["N", "S"])


def test_cli_predict_pools_several_recordings(data_dir, tmp_path, capsys):
    paths = [str(data_dir / "qtdb" / r) for r in RECORDS[:2]]
    rc = main(["predict", *paths, "--beats", "annotations", "--score", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "pooled over 2 recordings" in out
    pooled = pd.read_csv(tmp_path / "pooled_score.csv", index_col=0)
    per = pd.read_csv(tmp_path / "per_record_score.csv")
    assert per["recording"].tolist() == RECORDS[:2]
    assert pooled.loc["S", "support"] == per["S"].sum() == 86 + 22
    assert "Per recording" in (tmp_path / "pooled_score.html").read_text()


def test_detected_beats_are_aligned_before_classification(data_dir, tmp_path):
    """sele0112 (lead D3): the detector flips between the QRS's two deflections; unaligned, half
    the beats read as misshapen (V), aligned they read as the record's normal beats."""
    kept, _ = external_benchmark(["beats"], ["detector"], tmp_path / "a", records=["sele0112"], n_boot=10)
    raw, _ = external_benchmark(
        ["beats"], ["detector"], tmp_path / "b", records=["sele0112"], n_boot=10, align=False
    )
    assert raw["beats"].tolist() == ["detector (unaligned)"]
    assert kept["accuracy"].iloc[0] > 0.95 > raw["accuracy"].iloc[0] + 0.1
