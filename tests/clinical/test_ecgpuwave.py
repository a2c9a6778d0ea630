"""ecgpuwave's ``.pu`` marks scored as a peer through the same QTDB scoring code."""

import numpy as np
import pytest

from vitalkit.cli import main
from vitalkit.clinical import qt_validation as qv
from vitalkit.data import qtdb
from vitalkit.errors import DataError


def test_pu_marks_are_read_per_lead(data_dir):
    base = qtdb.record_path("sel100", data_dir)
    lead0 = qtdb.read_wave_marks(base, "pu", chan=0)
    lead1 = qtdb.read_wave_marks(base, "pu", chan=1)
    assert len(lead0) > 1000 and len(lead1) > 1000  # all beats of the 15-min record
    assert lead0["qrs_on"].notna().mean() > 0.95 and lead0["t_end"].notna().mean() > 0.9
    assert not np.array_equal(lead0["qrs_on"].to_numpy()[:50], lead1["qrs_on"].to_numpy()[:50])
    with pytest.raises(DataError, match=r"sel100.*signal 5.*\.pu"):
        qtdb.read_wave_marks(base, "pu", chan=5)


def test_ecgpuwave_goes_through_the_shared_scoring(data_dir):
    errors = qv.qtdb_errors(["sel100", "sel16272"], ["ecgpuwave", "template"], data_dir)
    assert set(errors["protocol"]) == set(qv.PROTOCOLS)
    summary = qv.qt_error_summary(errors)
    peer = summary.loc[("ecgpuwave", "auto")]
    assert peer["qt_found_pct"] == pytest.approx(100.0)
    # measured on these two records: QRS onset -13.8 ± 16.7 ms (auto), -5.4 ± 9.8 ms best-lead
    assert abs(peer["qrs_on_mean_ms"]) < 25 and peer["qrs_on_sd_ms"] < 25
    assert summary.loc[("ecgpuwave", "best-lead"), "qrs_on_sd_ms"] <= peer["qrs_on_sd_ms"]


def test_benchmark_qt_prints_the_ecgpuwave_row(capsys, data_dir):
    assert main(["benchmark", "qt", "--records", "sel100", "--methods", "template,ecgpuwave"]) == 0
    out = capsys.readouterr().out
    assert "ecgpuwave" in out and "P wave vs .q1c" in out


def test_ecgpuwave_p_waves_are_scored_and_absent_p_is_no_error(data_dir):
    errors = qv.record_p_errors("sel100", "ecgpuwave", data_dir)
    summary = qv.p_wave_summary(errors)
    assert summary.loc[("ecgpuwave", "auto"), "p_se_pct"] > 90
    no_p = errors[~errors["ref_p"]]
    assert no_p[[f"err_{q}_ms" for q in qv.P_QUANTITIES]].isna().all().all()
