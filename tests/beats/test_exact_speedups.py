"""The faster drop-ins of vitalkit.beats.exact_speedups return exactly what the libraries return."""

from __future__ import annotations

from collections import deque
from unittest import mock

import neurokit2 as nk
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfdb.processing import peaks as wfdb_peaks
from wfdb.processing import qrs as wfdb_qrs

from vitalkit.beats.detect import DETECTORS
from vitalkit.beats.exact_speedups import (
    _numpy_mean8,
    elgendi_peaks,
    find_local_peaks,
    hamilton_peaks,
    khamis_peaks,
    rodrigues_peaks,
)
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


def _random_ecg(seed: int, fs: int) -> np.ndarray:
    """Beats of random height and rhythm (RR 0.2-3 s, so the libraries' search-back, gap-filling
    and short-interval passes act), noise from faint to heavy, and now and then a flat stretch,
    coarse amplitude steps (ties) or an all-zero signal."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2 * fs, 30 * fs))
    spikes = np.zeros(n)
    beats = np.cumsum(rng.integers(int(0.2 * fs), 3 * fs, n // fs + 1))[:-1].clip(0, n - 1)
    spikes[beats] = rng.uniform(0.2, 2, beats.size)
    noise = rng.normal(0, rng.uniform(0.01, 0.5), n)
    x = np.convolve(spikes, np.hanning(max(3, fs // 12)), mode="same") + noise
    if seed % 3 == 0:
        x[n // 3 : n // 2] = 0
    if seed % 5 == 0:
        x = np.round(x, 1)
    if seed % 11 == 0:
        x[:] = 0
    return x


REWRITES = {"khamis2016": khamis_peaks, "hamilton2002": hamilton_peaks, "rodrigues2021": rodrigues_peaks}


@pytest.mark.parametrize("method", sorted(REWRITES))
@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), fs=st.sampled_from([100, 128, 250, 257, 360, 500, 1000]))
def test_rewrites_match_neurokit2(method: str, seed: int, fs: int) -> None:
    x = _random_ecg(seed, fs)
    theirs = nk.ecg_findpeaks(x, sampling_rate=fs, method=method)["ECG_R_Peaks"]
    assert REWRITES[method](x, fs).tolist() == np.asarray(theirs).tolist()


def test_rodrigues_matches_neurokit2_at_50_hz() -> None:
    for seed in range(20):
        x = _random_ecg(seed, 50)
        theirs = nk.ecg_findpeaks(x, sampling_rate=50, method="rodrigues2021")["ECG_R_Peaks"]
        assert rodrigues_peaks(x, 50).tolist() == np.asarray(theirs).tolist()


@settings(max_examples=500, deadline=None)
@given(values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=8))
def test_mean_of_eight_is_numpys(values: list[float]) -> None:
    assert _numpy_mean8(deque(values, maxlen=8)) == np.mean(deque(values, maxlen=8))


@pytest.mark.parametrize("record", ["105", "208", "232"])
def test_members_identical_on_real_records(record: str) -> None:
    (base,) = ensure_records("mitdb", [record])
    rec = read_wfdb(base)
    fs = rec.sampling_rate
    x = rec.signal[: int(fs * 120), 0]
    cleaned = nk.ecg_clean(x, sampling_rate=round(fs), method="elgendi2010")
    theirs = nk.ecg_findpeaks(cleaned, sampling_rate=round(fs), method="elgendi2010")["ECG_R_Peaks"]
    assert DETECTORS["elgendi2010"](x, fs).tolist() == np.asarray(theirs).tolist()
    cleaned = nk.ecg_clean(x, sampling_rate=round(fs), method="neurokit")
    for method in ("khamis2016", "rodrigues2021"):
        theirs = nk.ecg_findpeaks(cleaned, sampling_rate=round(fs), method=method)["ECG_R_Peaks"]
        assert DETECTORS[method](x, fs).tolist() == np.asarray(theirs).tolist()
    cleaned = nk.ecg_clean(x, sampling_rate=round(fs), method="hamilton2002")
    theirs = nk.ecg_findpeaks(cleaned, sampling_rate=round(fs), method="hamilton2002")["ECG_R_Peaks"]
    assert DETECTORS["hamilton2002"](x, fs).tolist() == np.asarray(theirs).tolist()
    fast = DETECTORS["xqrs"](x, fs)
    with mock.patch.object(wfdb_qrs, "find_local_peaks", ORIGINAL_LOCAL_PEAKS):
        slow = wfdb_qrs.xqrs_detect(x, fs=fs, verbose=False)
    assert len(fast) > 100 and fast.tolist() == np.asarray(slow).tolist()
