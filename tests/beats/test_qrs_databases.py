"""QRS detection out of sample: QT Database beats and the noise stress test records (real data)."""

import numpy as np
import pytest

from vitalkit.beats.benchmark import QrsRecord, benchmark_qrs, group_table
from vitalkit.beats.qrs_databases import (
    LEARNING_S,
    nstdb_qrs_records,
    qtdb_qrs_records,
    run_database_report,
)
from vitalkit.data.nstdb import em_noise
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError


@pytest.mark.parametrize("snr", [12, 24])
def test_rebuilding_a_published_record_reproduces_it(data_dir, snr: int) -> None:
    clean = read_wfdb(data_dir / "mitdb" / "118").signal[:, 0]
    published = read_wfdb(data_dir / "nstdb" / f"118e{snr}").signal[:, 0]
    noise = em_noise()
    n = min(clean.size, published.size, noise.size)
    residual = published[:n] - (clean[:n] + 10 ** (-snr / 20) * noise[:n])
    residual -= np.median(residual)  # the files' baselines differ by a constant
    assert np.abs(residual[:-1]).max() <= 0.015  # three ADC steps of 0.005 mV (the last sample differs)
    assert np.abs(noise[: round(LEARNING_S * 360)]).max() < 1e-12 and noise.std() > 0.5


def test_noise_stress_records_read_or_rebuilt_and_scored_after_5_min() -> None:
    recs = nstdb_qrs_records((12.0, 6.0), clean=("118", "119"))
    assert [(r.name, r.group, r.note) for r in recs] == [
        ("118e12", "12 dB", "published"),
        ("118e06", "6 dB", "rebuilt as nst does"),
        ("119e12", "12 dB", "rebuilt as nst does"),
        ("119e06", "6 dB", "rebuilt as nst does"),
    ]
    start = round(LEARNING_S * 360)
    for r in recs:
        assert r.reference.min() >= start and r.excluded.tolist() == [[0, start - 1]] and r.lead == "MLII"
    # 119 at 12 dB minus 119 at 6 dB is exactly (g12 - g6) em with g6 = 10^(6/20) g12
    em = em_noise()[: recs[2].signal.size]
    diff = recs[2].signal - recs[3].signal
    c = np.dot(diff, em) / np.dot(em, em)
    assert np.abs(diff - c * em).max() < 1e-9
    g12 = -c / (10 ** (6 / 20) - 1)
    assert 0.1 < g12 < 1  # 119's QRS complexes are larger than 118's: more noise for the same SNR
    with pytest.raises(DataError, match=r"snrs_db: \[5\.0\] not among nst's test SNRs"):
        nstdb_qrs_records((5.0,))
    with pytest.raises(DataError, match="made from"):
        nstdb_qrs_records((12.0,), clean=("100",))


def test_qtdb_records_name_those_without_reference_beats() -> None:
    recs, skipped = qtdb_qrs_records(["sel100", "sele0104", "sel30"])
    assert skipped == ["sel30"]
    assert [(r.name, r.group, r.sampling_rate) for r in recs] == [
        ("sel100", "MIT-BIH excerpt", 250.0),
        ("sele0104", "other databases", 250.0),
    ]
    assert 1000 < recs[0].reference.size < 1300  # 15 min of record 100 at about 75 bpm


def test_benchmark_takes_prepared_records_and_pools_by_group() -> None:
    recs, _ = qtdb_qrs_records(["sel100", "sele0104"])
    short = [
        QrsRecord(
            r.name, r.signal[:15000], r.sampling_rate, r.lead, r.reference[r.reference < 15000], group=r.group
        )
        for r in recs
    ]
    result = benchmark_qrs(short, ["neurokit"], cache=False)
    table = group_table(result)
    assert list(table.index) == [("MIT-BIH excerpt", "neurokit"), ("other databases", "neurokit")]
    assert (table["F1 %"] > 95).all() and table["records"].tolist() == [1, 1]


def test_report_refuses_unknown_database_and_records_for_nstdb() -> None:
    with pytest.raises(DataError, match="unknown database 'edb'"):
        run_database_report("edb")
    with pytest.raises(DataError, match="takes --snrs, not --records"):
        run_database_report("nstdb", records=["118e12"])


def test_cli_runs_the_noise_stress_benchmark_and_rejects_bad_snrs(tmp_path, capsys) -> None:
    from vitalkit.cli import main

    args = ["benchmark", "qrs", "--database", "nstdb", "--snrs", "24", "--detectors", "neurokit"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "118e24" not in out and "24 dB neurokit" in " ".join(out.split())  # the group row
    groups = (tmp_path / "qrs_groups.csv").read_text()
    assert groups.startswith("group,detector,records,beats,FN,FP,Se %,+P %,F1 %")
    assert main(["benchmark", "qrs", "--database", "nstdb", "--snrs", "5"]) == 2
    assert "not among nst's test SNRs" in capsys.readouterr().err
