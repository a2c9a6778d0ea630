"""The faster drop-ins of vitalkit.beats.exact_speedups return exactly what the libraries return."""

from __future__ import annotations

from unittest import mock

import neurokit2 as nk
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfdb.processing import peaks as wfdb_peaks
from wfdb.processing import qrs as wfdb_qrs

from vitalkit.beats.detect import DETECTORS
from vitalkit.beats.exact_speedups import elgendi_peaks, find_local_peaks
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_wfdb

ORIGINAL_LOCAL_PEAKS = wfdb_peaks.find_local_peaks  # wfdb's own, whatever qrs points at


@settings(max_examples=300, deadline=None)
@given(
    # small integers: many plateaus; longer than radius + 1 (wfdb's scan reads past the end of shorter ones)
    values=st.lists(st.integers(-3, 3), min_size=32, max_size=300),
    radius=st.integers(1, 30),
)
def test_local_peaks_match_wfdb_on_signals_with_plateaus(values: list[int], radius: int) -> None:
    sig = np.asarray(values, dtype=float)
    ours, theirs = find_local_peaks(sig, radius), ORIGINAL_LOCAL_PEAKS(sig, radius)
    assert ours.tolist() == theirs.tolist()


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000), fs=st.sampled_from([128, 250, 257, 360, 500]))
def test_elgendi_matches_neurokit2(seed: int, fs: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2 * fs, 12 * fs))
    spikes = np.zeros(n)
    spikes[np.cumsum(rng.integers(int(0.3 * fs), int(1.5 * fs), n // fs + 1))[:-1].clip(0, n - 1)] = 1
    x = np.convolve(spikes, np.hanning(max(3, fs // 12)), mode="same") + rng.normal(0, 0.05, n)
    theirs = nk.ecg_findpeaks(x, sampling_rate=fs, method="elgendi2010")["ECG_R_Peaks"]
    assert elgendi_peaks(x, fs).tolist() == np.asarray(theirs).tolist()


@pytest.mark.parametrize("record", ["105", "208", "232"])
def test_members_identical_on_real_records(record: str) -> None:
    (base,) = ensure_records("mitdb", [record])
    rec = read_wfdb(base)
    fs = rec.sampling_rate
    x = rec.signal[: int(fs * 120), 0]
    cleaned = nk.ecg_clean(x, sampling_rate=round(fs), method="elgendi2010")
    theirs = nk.ecg_findpeaks(cleaned, sampling_rate=round(fs), method="elgendi2010")["ECG_R_Peaks"]
    assert DETECTORS["elgendi2010"](x, fs).tolist() == np.asarray(theirs).tolist()
    fast = DETECTORS["xqrs"](x, fs)
    with mock.patch.object(wfdb_qrs, "find_local_peaks", ORIGINAL_LOCAL_PEAKS):
        slow = wfdb_qrs.xqrs_detect(x, fs=fs, verbose=False)
    assert len(fast) > 100 and fast.tolist() == np.asarray(slow).tolist()
