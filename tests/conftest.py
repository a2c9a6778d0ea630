"""Shared fixtures: the real data directory and copies of records to damage.

Real-data tests never skip: if the records are not in ``VITALKIT_DATA_DIR`` they are
downloaded (PhysioNet or ``VITALKIT_PHYSIONET_MIRROR``), and a failed download fails the
test with the error naming the record. CI points ``VITALKIT_DATA_DIR`` at ../shared/data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vitalkit import config
from vitalkit.data.physionet import ensure_records, record_files


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The configured data directory (records fetched on demand)."""
    return config.data_dir()


@pytest.fixture(scope="session")
def mitdb_100(data_dir: Path) -> Path:
    """Base path of MIT-BIH record 100."""
    (base,) = ensure_records("mitdb", ["100"], data_dir=data_dir)
    return base


def _copy_records(records: list[str], target: Path, slug: str = "mitdb") -> Path:
    """Copy real records into ``target/<slug>/`` (a data directory that tests may damage)."""
    dest = target / slug
    dest.mkdir(parents=True, exist_ok=True)
    for base in ensure_records(slug, records):
        for f in record_files(base, ("atr",)):
            shutil.copyfile(f, dest / f.name)
    return target


@pytest.fixture
def copy_records():
    """``copy_records(records, target) -> data dir`` holding copies of real records."""
    return _copy_records


@pytest.fixture
def damaged_data_dir(tmp_path: Path) -> Path:
    """A fresh data directory holding copies of records 100 and 101."""
    return _copy_records(["100", "101"], tmp_path / "data")


@pytest.fixture(scope="session")
def ecg_segment(mitdb_100: Path) -> tuple:
    """``(signal, sampling_rate)``: the first 20 s of MIT-BIH record 100, lead MLII, in mV."""
    from vitalkit.data.wfdb_io import read_wfdb

    record = read_wfdb(mitdb_100, channels=["MLII"])
    return record.signal[: int(20 * record.sampling_rate), 0].copy(), record.sampling_rate
