"""The NSTDB noise records, and em noise recovered from 118e00."""

import numpy as np
import pytest

from vitalkit.data.nstdb import nstdb_noise
from vitalkit.errors import DataError

FS = 360.0


def test_nstdb_noise_records() -> None:
    (bw,) = nstdb_noise("bw")
    (ma,) = nstdb_noise("ma")
    em = nstdb_noise("em")  # recovered from 118e00 - 118
    assert bw.size == ma.size == 650_000
    assert len(em) == 7 and [s.size for s in em[:6]] == [43_200] * 6

    def share(x: np.ndarray, lo: float, hi: float) -> float:  # of the power in the first 100 s
        p = np.abs(np.fft.rfft(x[:36_000])) ** 2
        f = np.fft.rfftfreq(36_000, 1 / FS)
        return float(p[(f >= lo) & (f < hi)].sum() / p.sum())

    # as the NSTDB describes them: bw is baseline wander, ma reaches high frequencies
    assert share(bw, 0, 1) > 0.95
    assert share(ma, 10, 180) > 0.15 > 0.01 > share(bw, 10, 180)


def test_em_recovery_is_exact_outside_the_noisy_periods(data_dir) -> None:
    from vitalkit.data.wfdb_io import read_wfdb

    diff = (
        read_wfdb(data_dir / "nstdb" / "118e00").signal[:, 0]
        - read_wfdb(data_dir / "mitdb" / "118").signal[:, 0]
    )
    clean_part = diff[: round(299 * FS)]  # the first 5 minutes are noise-free
    assert np.ptp(clean_part) < 1e-9


def test_missing_noise_record_is_a_data_error(tmp_path) -> None:
    with pytest.raises(DataError, match="not found"):
        nstdb_noise("bw", data_dir=tmp_path)
    with pytest.raises(DataError, match="em"):
        nstdb_noise("em", data_dir=tmp_path)
    with pytest.raises(DataError, match="unknown NSTDB noise"):
        nstdb_noise("xx")
