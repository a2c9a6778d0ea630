"""QT Database marks and ST episodes read from the real files."""

import numpy as np
import pytest

from vitalkit.data import qtdb
from vitalkit.errors import DataError


def test_record_sets():
    assert len(qtdb.ALL_RECORDS) == 105
    assert len(qtdb.DEVELOPMENT) == 35 and len(qtdb.resolve_records("HELDOUT")) == 70
    assert len(qtdb.resolve_records("EDB")) == 33
    with pytest.raises(DataError, match="no such QT Database record"):
        qtdb.resolve_records(["sel999"])


def test_wave_marks_of_sel100(data_dir):
    marks = qtdb.read_wave_marks(qtdb.record_path("sel100", data_dir))
    assert len(marks) == 30 and marks["t_end"].notna().all()
    first = marks.iloc[0]
    assert (first["qrs_on"], first["peak"], first["qrs_off"]) == (150316, 150330, 150334)
    assert (first["t_peak"], first["t_end"]) == (150394, 150419)
    assert first["p_on"] < first["p_peak"] < first["p_off"] < first["qrs_on"]
    assert np.all(marks["qrs_on"] < marks["peak"]) and np.all(marks["t_end"] > marks["t_peak"])


def test_all_t_end_marks_are_read(data_dir):
    total = sum(
        qtdb.read_wave_marks(qtdb.record_path(r, data_dir))["t_end"].notna().sum() for r in qtdb.ALL_RECORDS
    )
    assert total == 3542  # the count published QTDB evaluations use


def test_st_episodes_of_an_edb_record(data_dir):
    episodes = qtdb.read_st_episodes(qtdb.record_path("sele0116", data_dir))
    st = episodes[episodes["kind"] == "ST"]
    assert st[["channel", "direction"]].values.tolist() == [[1, "+"], [0, "-"]]
    assert st["extreme_mv"].tolist() == [0.3, -0.15]
    assert (st["end"] > st["start"]).all()
