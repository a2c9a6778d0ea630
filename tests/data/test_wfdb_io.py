"""Reading WFDB records: real records, and every way a record can be broken."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.data.wfdb_io import read_annotations, read_wfdb, verify_wfdb_record
from vitalkit.errors import CorruptRecordError, DataError, RecordNotFoundError


def test_reads_real_record_in_physical_units(mitdb_100: Path) -> None:
    rec = read_wfdb(mitdb_100, annotator="atr")
    assert rec.sampling_rate == 360.0
    assert rec.channel_names == ["MLII", "V5"]
    assert rec.units == ["mV", "mV"]
    assert rec.signal.shape == (650_000, 2)
    assert np.isfinite(rec.signal).all()
    assert -5 < rec.signal.min() < rec.signal.max() < 5  # millivolts, not ADC counts
    assert rec.annotations is not None
    assert (rec.annotations.symbol == "N").sum() == 2239  # MIT-BIH directory: record 100


def test_channels_are_selected_by_name_record_114(data_dir: Path) -> None:
    from vitalkit.data.physionet import ensure_records

    (base,) = ensure_records("mitdb", ["114"], data_dir=data_dir)
    rec = read_wfdb(base, channels=["MLII"])  # 114 stores V5 first, MLII second
    full = read_wfdb(base)
    assert full.channel_names == ["V5", "MLII"]
    np.testing.assert_array_equal(rec.signal[:, 0], full.signal[:, 1])


def test_unknown_channel_is_a_clear_error(mitdb_100: Path) -> None:
    with pytest.raises(DataError, match=r"no channel\(s\) \['II'\]"):
        read_wfdb(mitdb_100, channels=["II"])


def test_truncated_dat_names_file_and_sizes(damaged_data_dir: Path) -> None:
    dat = damaged_data_dir / "mitdb" / "100.dat"
    dat.write_bytes(dat.read_bytes()[:1_000_000])
    with pytest.raises(CorruptRecordError) as err:
        read_wfdb(damaged_data_dir / "mitdb" / "100")
    assert str(dat) in str(err.value)
    assert "truncated" in str(err.value) and "1950000" in str(err.value)


def test_header_data_mismatch_extra_bytes(damaged_data_dir: Path) -> None:
    dat = damaged_data_dir / "mitdb" / "100.dat"
    dat.write_bytes(dat.read_bytes() + b"\x00" * 3000)
    with pytest.raises(CorruptRecordError, match="header/data mismatch"):
        verify_wfdb_record(damaged_data_dir / "mitdb" / "100")


def test_checksum_mismatch_when_samples_are_altered(damaged_data_dir: Path) -> None:
    dat = damaged_data_dir / "mitdb" / "100.dat"
    raw = bytearray(dat.read_bytes())
    raw[500_000:500_010] = bytes(10)  # same size, different samples
    dat.write_bytes(bytes(raw))
    with pytest.raises(CorruptRecordError, match="checksum mismatch in channel 'MLII'"):
        read_wfdb(damaged_data_dir / "mitdb" / "100")


def test_missing_and_unparseable_files(damaged_data_dir: Path) -> None:
    base = damaged_data_dir / "mitdb" / "101"
    (damaged_data_dir / "mitdb" / "101.dat").unlink()
    with pytest.raises(RecordNotFoundError, match=r"101\.dat: data file named in the header not found"):
        read_wfdb(base)
    (damaged_data_dir / "mitdb" / "100.hea").write_text("this is not a header\n")
    with pytest.raises(CorruptRecordError, match=r"100\.hea: header cannot be parsed"):
        read_wfdb(damaged_data_dir / "mitdb" / "100")
    with pytest.raises(RecordNotFoundError, match="header file not found"):
        read_wfdb(damaged_data_dir / "mitdb" / "999")


def test_corrupt_or_missing_annotations(damaged_data_dir: Path) -> None:
    atr = damaged_data_dir / "mitdb" / "100.atr"
    atr.write_bytes(b"\xff" * 17)
    with pytest.raises(CorruptRecordError, match=r"100\.atr"):
        read_annotations(damaged_data_dir / "mitdb" / "100", "atr", sig_len=650_000)
    atr.unlink()
    with pytest.raises(RecordNotFoundError, match="annotation file not found"):
        read_annotations(damaged_data_dir / "mitdb" / "100", "atr")
