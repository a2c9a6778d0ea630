"""Serial logs: a real ECG segment written as a microcontroller dump (ADC counts, junk lines,
gaps, jittery millis() timestamps, a counter wrap) must come back as the same ECG, with what
was dropped and interpolated counted exactly."""

from __future__ import annotations

import json
import re
import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitalkit.cli import main
from vitalkit.data.readers import read_record
from vitalkit.data.serial import serial_convert, simulate_serial_log
from vitalkit.errors import DataError, ParamsError, RecordNotFoundError, VitalKitError

GAIN, ZERO = 200.0, 512.0  # counts per mV, count at 0 mV (10-bit front end)


@pytest.fixture(scope="module")
def converted(ecg_segment: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    signal, fs = ecg_segment
    folder = tmp_path_factory.mktemp("serial")
    truth = simulate_serial_log(
        signal,
        fs,
        folder / "holter.csv",
        seed=7,
        gaps=[(5.0, 0.05), (9.0, 0.1), (12.0, 1.0)],
        time_start=2**32 - 3000,
        jitter=0.2,
        junk_rate=0.01,
    )
    result = serial_convert(folder / "holter.csv", folder / "out", gain=GAIN, zero=ZERO, adc_bits=10)
    return signal, fs, truth, result, folder


def test_junk_gaps_and_rates_are_counted_exactly(converted: tuple) -> None:
    _, _, truth, result, _ = converted
    meta = result.meta
    assert sum(meta["dropped_lines"].values()) == truth["junk_lines"] > 50
    assert meta["samples_kept"] == truth["samples"]
    assert meta["time"]["unit"] == "ms" and meta["time"]["wraps"] == 1
    assert meta["device_rate_hz"] == pytest.approx(360, abs=0.01) and meta["output_rate_hz"] == 360.0
    short = [g for g in meta["gaps"] if g["action"] == "interpolated"]
    assert [g["missing_samples"] for g in short] == [18, 36]  # 0.05 s and 0.1 s at 360 Hz
    assert meta["interpolated_samples"] == 54
    (split,) = [g for g in meta["gaps"] if g["action"] == "split"]
    assert split["missing_samples"] == 360 and split["start_s"] == pytest.approx(12.0, abs=0.01)
    assert [s["file"] for s in meta["segments"]] == ["holter_part1.npz", "holter_part2.npz"]
    assert meta["segments"][0]["duration_s"] == pytest.approx(12.0, abs=0.01)
    assert meta["segments"][1]["start_s"] == pytest.approx(13.0, abs=0.01)


def test_the_ecg_comes_back_in_millivolts(converted: tuple) -> None:
    signal, fs, truth, _, folder = converted
    first = read_record(folder / "out" / "holter_part1.npz")
    assert first.units == ["mV"] and first.sampling_rate == 360.0
    x = first.signal[:, 0]
    expected = (truth["counts"][: x.size] - ZERO) / GAIN  # the ADC's view of the same ECG
    away_from_gaps = np.ones(x.size, dtype=bool)
    away_from_gaps[int(4.99 * fs) : int(5.06 * fs)] = False
    away_from_gaps[int(8.99 * fs) : int(9.11 * fs)] = False
    # exact up to half an ADC step (the output grid is interpolated from the fitted device rate)
    np.testing.assert_allclose(x[away_from_gaps], expected[away_from_gaps], atol=0.5 / GAIN)
    gap = slice(int(9.0 * fs) + 1, int(9.1 * fs) - 1)  # 0.1 s interpolated: a straight line
    np.testing.assert_allclose(np.diff(x[gap], 2), 0, atol=1e-9)
    assert np.abs(x[away_from_gaps] - signal[: x.size][away_from_gaps]).max() <= 1 / GAIN
    second = read_record(folder / "out" / "holter_part2.npz")
    start = int(13.0 * fs)
    expected = (truth["counts"][start : start + second.n_samples] - ZERO) / GAIN
    np.testing.assert_allclose(second.signal[:, 0], expected, atol=0.5 / GAIN)


def test_meta_json_and_preview_are_written(converted: tuple) -> None:
    *_, result, folder = converted
    meta = json.loads((folder / "out" / "meta.json").read_text())
    assert meta == json.loads(json.dumps(result.meta))
    assert meta["dropped_examples"][0] == {
        "line": 1,
        "text": "ets Jul 29 2019 12:21:46",
        "reason": "not numeric",
    }
    png = (folder / "out" / "preview.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    summary = "\n".join(result.summary())
    assert re.search(r"\d+ samples kept, \d+ lines/samples dropped", summary)
    assert "54 samples interpolated, 1 split the log" in summary


def test_log_without_time_column_and_downsampling(ecg_segment: tuple, tmp_path: Path) -> None:
    signal, fs = ecg_segment
    truth = simulate_serial_log(signal, fs, tmp_path / "plain.txt", seed=1, with_time=False, junk_rate=0.01)
    result = serial_convert(
        tmp_path / "plain.txt",
        tmp_path / "out",
        sampling_rate=360,
        target_rate=180,
        adc_bits=10,
        gain=GAIN,
        zero=ZERO,
    )
    meta = result.meta
    assert meta["time"] is None and sum(meta["dropped_lines"].values()) == truth["junk_lines"]
    # runs of two samples merged into one line leave the ADC range and are dropped as junk
    assert "outside the 10-bit ADC range" in meta["dropped_lines"]
    (record,) = result.records
    assert record.sampling_rate == 180.0
    assert record.n_samples == pytest.approx(truth["samples"] / 2, abs=1)
    # low-passed before decimation: no energy above the new Nyquist frequency leaks in
    spectrum = np.abs(np.fft.rfft(record.signal[:, 0] - record.signal[:, 0].mean()))
    freqs = np.fft.rfftfreq(record.n_samples, 1 / 180)
    assert spectrum[freqs > 85].sum() < 0.01 * spectrum.sum()


def test_microsecond_timestamps_with_heavy_jitter(ecg_segment: tuple, tmp_path: Path) -> None:
    signal, fs = ecg_segment
    truth = simulate_serial_log(
        signal[:3600], fs, tmp_path / "us.csv", seed=2, time_unit="us", jitter=0.35, junk_rate=0.0
    )
    result = serial_convert(tmp_path / "us.csv", tmp_path / "out", time_col=0, value_col=1)
    assert result.meta["time"]["unit"] == "us" and result.meta["units"] == "adu"
    assert result.meta["time"]["jitter_max_ms"] < 0.5 / 360 * 1000  # below half a period
    np.testing.assert_allclose(result.records[0].signal[:, 0], truth["counts"][:3600], atol=0.5)


def test_cli_convert_serial(converted: tuple, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    *_, folder = converted
    args = [
        "convert",
        "serial",
        str(folder / "holter.csv"),
        "--out",
        str(tmp_path / "cli"),
        "--time-col",
        "0",
        "--value-col",
        "1",
        "--gain",
        "200",
        "--zero",
        "512",
        "--adc-bits",
        "10",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "lines/samples dropped" in out and "54 samples interpolated" in out and "holter_part2.npz" in out
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == [
        "holter_part1.npz",
        "holter_part2.npz",
        "meta.json",
        "preview.png",
    ]
    assert main(["convert", "serial", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")]) == 2
    assert "none.csv: file not found" in capsys.readouterr().err


# case id -> (log text, options, error, pattern)
BAD_LOGS = {
    "empty log": ("", {}, DataError, r"empty file"),
    "log with no numeric line": ("hello\nready\nERR\n", {}, DataError, r"no numeric lines among 3"),
    "one field a line and no sampling rate": ("512\n513\n514\n", {}, ParamsError, r"give --sr HZ"),
    "both sampling rate and time column": (
        "1,512\n2,513\n",
        {"sampling_rate": 250, "time_col": 0},
        ParamsError,
        r"either sampling_rate \(--sr\) or time_col",
    ),
    "column out of range": (
        "1,512\n2,513\n",
        {"time_col": 0, "value_col": 4},
        ParamsError,
        r"column\(s\) \[4\]",
    ),
    "every segment shorter than min_segment_s": (
        "\n".join(f"{i * 4},{500 + i % 7}" for i in range(100)),
        {},
        DataError,
        r"no segment of at least 2 s",
    ),
    "time unit that cannot be guessed": (
        "\n".join(f"{i * 10**7},{500 + i % 7}" for i in range(900)),
        {},
        DataError,
        r"cannot tell the time unit",
    ),
    "timestamps that never increase": (
        "\n".join(f"5,{500 + i % 7}" for i in range(50)),
        {"time_unit": "ms"},
        DataError,
        r"fewer than 2 samples with valid timestamps",
    ),
    "wrong sampling rate (zero)": (
        "512\n513\n514\n",
        {"sampling_rate": 0},
        DataError,
        r"invalid sampling rate 0",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LOGS))
def test_bad_logs(case: str, tmp_path: Path) -> None:
    text, options, error, pattern = BAD_LOGS[case]
    (tmp_path / "log.csv").write_text(text)
    with pytest.raises(error) as info:
        serial_convert(tmp_path / "log.csv", tmp_path / "out", **options)
    assert "log.csv" in str(info.value) and re.search(pattern, str(info.value)), str(info.value)


def test_missing_log(tmp_path: Path) -> None:
    with pytest.raises(RecordNotFoundError, match=r"nope\.csv: file not found"):
        serial_convert(tmp_path / "nope.csv", tmp_path / "out")


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=string.digits + ",;\t .-\nabcE", max_size=600))
def test_random_logs_never_escape(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_text(text)
        for options in ({}, {"sampling_rate": 100.0, "min_segment_s": 0.0}):
            try:
                result = serial_convert(path, Path(tmp) / "out", **options)
            except VitalKitError as exc:
                assert "log.csv" in str(exc)
            else:
                assert all(np.isfinite(r.signal).all() for r in result.records)
