"""Beat models at other sampling rates (vitalkit.inference.rates) on real MIT-BIH records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from vitalkit.cli import main
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.inference.external import predict_and_score
from vitalkit.inference.rates import rate_benchmark, resample_record


def test_resampled_record_keeps_every_annotation_on_the_new_grid(tmp_path: Path, data_dir) -> None:
    (base,) = ensure_records("mitdb", ["208"])
    new = resample_record(base, 128.0, tmp_path)
    original, written = read_wfdb(base), read_wfdb(new)
    assert written.sampling_rate == 128.0 and written.channel_names == original.channel_names
    assert abs(len(written.signal) - len(original.signal) * 128 / 360) <= 1
    a0, a1 = wfdb.rdann(str(base), "atr"), wfdb.rdann(str(new), "atr")
    assert a1.symbol == a0.symbol and a1.aux_note == a0.aux_note
    assert np.abs(a1.sample - a0.sample * 128 / 360).max() <= 0.5
    mtime = new.with_suffix(".hea").stat().st_mtime_ns
    assert resample_record(base, 128.0, tmp_path) == new  # reused, not written again
    assert new.with_suffix(".hea").stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_rate_is_named(tmp_path: Path, data_dir) -> None:
    (base,) = ensure_records("mitdb", ["100"])
    with pytest.raises(DataError, match=r"sampling rate -5\.0 must be a positive"):
        resample_record(base, -5.0, tmp_path)


def test_rate_benchmark_scores_each_rate_through_predict(tmp_path: Path, data_dir) -> None:
    table = rate_benchmark([128.0, 360.0], ["100", "119"], ["beats"], ["annotations"], tmp_path, n_boot=50)
    assert table["rate_hz"].tolist() == [128.0, 360.0]
    assert (table["matched"] == table["matched"].iloc[0]).all() and table["missed"].max() <= 5
    native, low = table.set_index("rate_hz").loc[360.0], table.set_index("rate_hz").loc[128.0]
    assert native["accuracy"] > 0.95 and abs(low["accuracy"] - native["accuracy"]) < 0.05
    assert (tmp_path / "records-128" / "119.hea").is_file() and not (tmp_path / "records-360").exists()
    assert "128 Hz" in (tmp_path / "report.html").read_text()


def test_cli_prints_the_table(tmp_path: Path, capsys, data_dir) -> None:
    out = tmp_path / "rates"
    argv = ["benchmark", "beats-rates", "--records", "100", "--rates", "250", "--beats", "annotations"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "250 Hz" in printed and (out / "table.csv").is_file()


def test_annotations_on_a_coarser_grid_are_aligned(tmp_path: Path, data_dir) -> None:
    """Record 117 written at 128 Hz: its annotations' rounding alone made most beats misread."""
    (base,) = ensure_records("mitdb", ["117"])
    coarse = resample_record(base, 128.0, tmp_path / "records")

    def accuracy(bases: list[Path], name: str, align: bool) -> float:
        row, *_ = predict_and_score(bases, tmp_path / name, "beats", "annotations", align=align, n_boot=20)
        return float(row["accuracy"])

    native, aligned = accuracy([base], "native", True), accuracy([coarse], "aligned", True)
    assert accuracy([coarse], "as-annotated", False) < 0.7  # the jitter of the 128-Hz grid
    assert native > 0.97 and abs(aligned - native) < 0.01
