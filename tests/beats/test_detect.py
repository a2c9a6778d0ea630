"""R-peak detection and peak matching."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.beats.detect import ecg_rpeaks, match_peaks
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.labels import QRS_SYMBOLS


def test_match_peaks_is_one_to_one_and_closest_first() -> None:
    ref = np.array([100, 200, 300])
    det = np.array([150, 160, 305, 900])
    m = match_peaks(ref, det, tolerance=60)
    # 160 is closer to 200 than 150 is; 150 then goes to 100; 305 to 300; 900 unmatched
    assert list(zip(m.ref_index.tolist(), m.det_index.tolist(), strict=True)) == [
        (0, 0),
        (1, 1),
        (2, 2),
    ]
    assert m.offset.tolist() == [50, -40, 5]
    assert (m.true_positives, m.false_negatives, m.false_positives) == (3, 0, 1)


def test_match_peaks_empty_inputs() -> None:
    m = match_peaks(np.array([1, 2]), np.array([], dtype=int), tolerance=5)
    assert (m.true_positives, m.false_negatives, m.false_positives) == (0, 2, 0)


@pytest.mark.parametrize("method", ["neurokit", "xqrs"])
def test_detectors_on_real_record(mitdb_100: Path, method: str) -> None:
    rec = read_wfdb(mitdb_100, channels=["MLII"], annotator="atr")
    n = 360 * 120  # two minutes
    ann = rec.annotations
    ref = ann.sample[np.isin(ann.symbol.astype(str), list(QRS_SYMBOLS)) & (ann.sample < n)]
    peaks = ecg_rpeaks(rec.signal[:n, 0], 360.0, method=method)
    m = match_peaks(ref, peaks, tolerance=54)  # 150 ms
    assert m.true_positives / m.n_reference > 0.99
    assert m.true_positives / m.n_detected > 0.99


def test_detector_input_errors() -> None:
    with pytest.raises(ValueError, match="unknown R-peak detector"):
        ecg_rpeaks(np.zeros(1000), 360.0, method="magic")
    with pytest.raises(ValueError, match="non-finite"):
        ecg_rpeaks(np.full(3600, np.nan), 360.0)
    with pytest.raises(ValueError, match="too short"):
        ecg_rpeaks(np.zeros(100), 360.0)
    assert ecg_rpeaks(np.zeros(3600), 360.0).size == 0  # a flat line has no beats


def test_default_detector_is_registered_and_used(mitdb_100: Path) -> None:
    from vitalkit.beats.detect import DEFAULT_DETECTOR, DETECTORS

    assert DEFAULT_DETECTOR in DETECTORS
    rec = read_wfdb(mitdb_100, channels=["MLII"])
    x = rec.signal[: 360 * 60, 0]
    assert np.array_equal(ecg_rpeaks(x, 360.0), ecg_rpeaks(x, 360.0, method=DEFAULT_DETECTOR))


def test_manikandan_no_longer_crashes_at_the_signal_end(mitdb_100: Path) -> None:
    import neurokit2 as nk

    rec = read_wfdb(mitdb_100, channels=["MLII"], annotator="atr")
    x = rec.signal[:7387, 0]  # neurokit2 0.2.13 raises TypeError on this slice under NumPy 2
    cleaned = nk.ecg_clean(x, sampling_rate=360)
    with pytest.raises((TypeError, IndexError)):
        nk.ecg_findpeaks(cleaned, sampling_rate=360, method="manikandan2012")
    ann = rec.annotations
    ref = ann.sample[np.isin(ann.symbol.astype(str), list(QRS_SYMBOLS)) & (ann.sample < x.size)]
    m = match_peaks(ref, ecg_rpeaks(x, 360.0, method="manikandan2012"), tolerance=54)
    assert m.true_positives >= ref.size - 1 and m.false_positives == 0


@pytest.mark.parametrize(("record", "spread_before"), [("sele0112", 8), ("sel871", 8), ("sel100", 0)])
def test_alignment_gives_one_fiducial_point_per_record(record: str, spread_before: int, data_dir) -> None:
    """Detections that flip between the two deflections of a biphasic QRS (QT Database, lead 0,
    250 Hz) land on one point after alignment: the 5-95 % spread of their offsets to the
    reference beats shrinks to a few samples; a record without flips is left as it was."""
    from vitalkit.beats.detect import align_to_template
    from vitalkit.data.physionet import ensure_records
    from vitalkit.signal.filters import ecg_bandpass

    (base,) = ensure_records("qtdb", [record], data_dir=data_dir)
    rec = read_wfdb(base, annotator="atr")
    fs = rec.sampling_rate
    x = ecg_bandpass(rec.signal[:, 0], fs, 0.5, 40.0)
    ref = rec.annotations.sample[np.isin(rec.annotations.symbol, list(QRS_SYMBOLS))]
    detected = ecg_rpeaks(x, fs)
    aligned = align_to_template(x, detected, fs)
    assert aligned.size == detected.size and (np.diff(aligned) > 0).all()

    def spread(peaks: np.ndarray) -> float:
        m = match_peaks(ref, peaks, round(0.15 * fs))
        lo, hi = np.percentile(m.offset, [5, 95])
        return hi - lo

    assert spread(detected) >= spread_before
    assert spread(aligned) <= 3
