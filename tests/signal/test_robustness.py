"""Bad inputs across the signal toolkit and the R-peak detectors: clear errors, never a deep crash.

Each public function gets flat lines, very short and empty signals, NaN runs, 2-D arrays,
bad and low sampling rates; R-peak detection also gets signals with too few beats.
"""

import functools

import neurokit2 as nk
import numpy as np
import pytest

import vitalkit.signal as vs
from vitalkit.beats import detect
from vitalkit.beats.benchmark import score_detections
from vitalkit.beats.detect import ecg_rpeaks
from vitalkit.signal.noise import nst_signal_power

FS = 360.0

TOOLKIT = {
    "bandpass": lambda x, fs: vs.ecg_bandpass(x, fs),
    "notch": lambda x, fs: vs.signal_notch(x, fs, 60.0),
    "baseline highpass": lambda x, fs: vs.ecg_baseline_remove(x, fs, "highpass"),
    "baseline median": lambda x, fs: vs.ecg_baseline_remove(x, fs, "median"),
    "baseline wavelet": lambda x, fs: vs.ecg_baseline_remove(x, fs, "wavelet"),
    "LMS": lambda x, fs: vs.powerline_cancel(x, fs, 60.0, method="lms"),
    "RLS": lambda x, fs: vs.powerline_cancel(x, fs, 60.0, method="rls"),
    "wavelet denoise": lambda x, fs: vs.signal_wavelet_denoise(x, fs),
    "welch": lambda x, fs: vs.signal_welch(x, fs),
    "stft": lambda x, fs: vs.signal_stft(x, fs),
    "cwt": lambda x, fs: vs.signal_cwt(x, fs),
    "dwt": lambda x, fs: vs.signal_dwt_decompose(x, fs),
    "rpeaks": lambda x, fs: ecg_rpeaks(x, fs, method="neurokit"),
}


@functools.lru_cache
def _simulated(seconds: float, fs: float) -> np.ndarray:
    return nk.ecg_simulate(duration=seconds, sampling_rate=round(fs), heart_rate=70, random_state=0)


def _ecg(seconds: float = 10.0, fs: float = FS) -> np.ndarray:
    return _simulated(seconds, fs).copy()


def _finite(out: object) -> bool:
    arrays = [v for v in vars(out).values() if isinstance(v, np.ndarray)] if hasattr(out, "__dict__") else []
    if isinstance(out, np.ndarray):
        arrays = [out]
    return all(np.isfinite(a).all() for a in arrays if a.dtype.kind == "f")


@pytest.mark.parametrize("name", TOOLKIT)
@pytest.mark.parametrize("level", [0.0, 2.5])
def test_flat_line_gives_finite_output(name: str, level: float) -> None:
    out = TOOLKIT[name](np.full(round(10 * FS), level), FS)
    assert _finite(out), f"{name} returned NaN/inf on a flat line at {level}"
    if name == "rpeaks":
        assert out.size == 0  # no beats on a flat line


@pytest.mark.parametrize("name", TOOLKIT)
def test_nan_run_is_reported_with_its_position(name: str) -> None:
    x = _ecg()
    x[720:900] = np.nan
    with pytest.raises(ValueError, match=r"180 non-finite samples \(first at 2.00 s\)"):
        TOOLKIT[name](x, FS)


@pytest.mark.parametrize("name", TOOLKIT)
def test_empty_and_two_dimensional_signals(name: str) -> None:
    with pytest.raises(ValueError, match="empty signal"):
        TOOLKIT[name](np.array([]), FS)
    with pytest.raises(ValueError, match="expected a 1-D signal"):
        TOOLKIT[name](np.zeros((3600, 2)), FS)


@pytest.mark.parametrize("name", TOOLKIT)
@pytest.mark.parametrize("rate", [0.0, -360.0, float("nan")])
def test_invalid_sampling_rate(name: str, rate: float) -> None:
    with pytest.raises(ValueError, match="invalid sampling rate"):
        TOOLKIT[name](_ecg(), rate)


@pytest.mark.parametrize(
    "name, match",
    [
        ("bandpass", "too short"),
        ("notch", "too short"),
        ("baseline median", "too short"),
        ("LMS", "too short"),
        ("wavelet denoise", "too short"),
        ("dwt", "impossible for 20 samples"),
        ("rpeaks", "too short"),
    ],
)
def test_very_short_signal(name: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TOOLKIT[name](_ecg()[:20], FS)


@pytest.mark.parametrize(
    "name, rate, match",
    [
        ("notch", 100.0, "100 Hz is too low for a 60 Hz notch"),
        ("LMS", 100.0, "100 Hz is too low for 60 Hz interference"),
        ("RLS", 100.0, "100 Hz is too low for 60 Hz interference"),
        ("wavelet denoise", 50.0, "50 Hz is too low for wavelet denoising"),
        ("rpeaks", 25.0, "25 Hz is too low for R-peak detector 'neurokit'"),
    ],
)
def test_low_sampling_rate(name: str, rate: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TOOLKIT[name](_ecg(fs=rate), rate)


@pytest.mark.parametrize("method", sorted(detect.DETECTORS))
def test_every_detector_at_its_lowest_rate_finds_the_beats_or_says_why(method: str) -> None:
    rate = detect.MIN_RATES.get(method, detect.MIN_SAMPLING_RATE)
    x = _ecg(12.0, rate)  # 14 beats at 70 bpm
    n = ecg_rpeaks(x, rate, method=method).size
    assert 10 <= n <= 17, f"{method} found {n} beats at {rate:g} Hz"
    with pytest.raises(ValueError, match=f"too low for R-peak detector '{method}'"):
        ecg_rpeaks(_ecg(12.0, rate - 10), rate - 10, method=method)


def test_a_detector_failing_inside_a_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
        raise IndexError("index 4000 is out of bounds")

    monkeypatch.setitem(detect.DETECTORS, "broken", broken)
    with pytest.raises(ValueError, match=r"detector 'broken' failed .*3600 samples at 360 Hz.*IndexError"):
        ecg_rpeaks(_ecg(), FS, method="broken")


def test_too_few_beats() -> None:
    x = np.zeros(round(3 * FS))
    x[540] = 1.0  # one beat in 3 s
    assert ecg_rpeaks(x, FS).tolist() == [540]  # the consensus keeps a lone beat
    with pytest.raises(ValueError, match="2 QRS complexes inside the signal: at least 3"):
        nst_signal_power(x, FS, np.array([540, 900]))
    row, jitter = score_detections(np.array([540]), np.array([], dtype=np.int64), FS)
    assert (row["tp"], row["fn"], jitter.size) == (0, 1, 0)
    assert np.isnan(row["ppv"]) and np.isnan(row["jitter_median_ms"])  # NaN, not a crash
