"""Serial logs of a microcontroller ECG front end → a uniformly sampled record.

A dump of ``Serial.println`` output is ADC counts, one sample a line, maybe with a time
column (``millis()``/``micros()``), plus whatever else reached the port: boot banners,
debug messages, lines cut or merged by a dropped byte, samples lost while the host was
busy, timestamps that jitter (loop timing) or are quantized to the clock's resolution,
and 32-bit counters that wrap. :func:`serial_convert` turns it into ``.npz`` records the
readers read (:mod:`vitalkit.data.readers.numpy_arrays`), a ``meta.json`` saying what was
dropped, repaired and why, and a ``preview.png``:

1. **Lines**: the delimiter and the number of fields are those of most numeric lines;
   any other line (text, wrong field count, non-finite, outside ``[0, 2^adc_bits)``) is
   dropped and counted by reason (the first examples are kept in meta.json).
2. **Time column** (unit ``s``/``ms``/``us``, or guessed as the unit that puts the median
   interval between 20 Hz and 20 kHz, ``ms`` first): 32-bit counter wraps are unwrapped;
   a timestamp far from its neighbours (more than 10 median intervals from the median of
   5) or not increasing is dropped; samples are assigned to slots of a uniform grid fitted
   to the timestamps (:func:`~vitalkit.data.timebase.fit_sample_grid`, so jitter and
   quantization below half a period do not move samples), a second sample in one slot is
   dropped. Runs of empty slots up to ``max_gap_s`` are filled by linear interpolation
   (counted); a longer gap splits the log into segments (``<log>_part1.npz`` ...), and
   segments shorter than ``min_segment_s`` are dropped (reported).
3. **Rate**: with a time column, the device rate fitted to the timestamps; without, the
   given ``sampling_rate``. The output rate is ``target_rate`` or the device rate rounded
   to whole hertz; the signal is low-passed at 0.45 × the output rate when that is lower,
   then linearly interpolated at the output times.
4. **Units**: ``(count - zero) / gain`` in mV when ``gain`` (counts per mV) is given,
   otherwise ADC counts (unit ``adu``). Samples at the ADC rails are counted as saturated.

Without a time column a lost sample cannot be detected: the samples after it shift by one
period. Log a time column when you can.

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> ecg = np.sin(np.arange(2500) / 250 * 2 * np.pi * 1.2)       # 10 s at 250 Hz, mV
>>> truth = simulate_serial_log(ecg, 250, folder / "log.csv", seed=0, gaps=[(4.0, 0.04)])
>>> result = serial_convert(folder / "log.csv", folder / "out")
>>> result.meta["output_rate_hz"], result.meta["interpolated_samples"], truth["gap_samples"]
(250.0, 10, 10)
>>> sum(result.meta["dropped_lines"].values()) == truth["junk_lines"]
True
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy import signal as sps

from vitalkit.data.readers.checks import check_record, check_sampling_rate
from vitalkit.data.records import Record
from vitalkit.data.timebase import fit_sample_grid
from vitalkit.data.writers import write_npz
from vitalkit.errors import DataError, ParamsError, RecordNotFoundError
from vitalkit.io import atomic_path, write_json

TIME_SCALES = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
WRAP = 2**32
MAX_EXAMPLES = 8


@dataclass
class SerialLog:
    """The parsed numeric lines of a serial log.

    Attributes
    ----------
    fields : np.ndarray
        ``(n_kept, n_fields)`` numbers of the kept lines.
    line_no : np.ndarray
        1-based line number of each kept line.
    n_lines : int
        Lines in the file (blank ones included).
    dropped : Counter
        Dropped lines by reason.
    examples : list of dict
        The first dropped lines: ``{"line", "text", "reason"}``.
    delimiter : str or None
        Field delimiter (None: whitespace).
    source : str
        The file, for messages.
    """

    fields: np.ndarray
    line_no: np.ndarray
    n_lines: int
    dropped: Counter = field(default_factory=Counter)
    examples: list[dict] = field(default_factory=list)
    delimiter: str | None = None
    source: str = ""

    def drop(self, line: int, text: str, reason: str) -> None:
        """Count a dropped line (and keep it as an example while there are few)."""
        self.dropped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"line": int(line), "text": text[:80], "reason": reason})


def _split(line: str, delimiter: str | None) -> list[str]:
    return line.split(delimiter) if delimiter else line.split()


def _numbers(parts: list[str]) -> list[float] | None:
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    return values if all(np.isfinite(values)) else None


def serial_log_parse(path: str | Path, delimiter: str | None = None) -> SerialLog:
    """Read a serial dump, keeping the lines that match the log's numeric layout.

    Raises
    ------
    DataError
        Empty file, or no numeric line at all.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordNotFoundError(path, "file not found")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(path, "empty file")
    lines = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd").splitlines()
    candidates = [line.strip() for line in lines if line.strip()]
    if delimiter is None:
        counts = Counter(next((d for d in (",", ";", "\t") if d in line), None) for line in candidates[:2000])
        delimiter = counts.most_common(1)[0][0]
    widths = Counter(
        len(p) for line in candidates[:5000] if _numbers(p := _split(line, delimiter)) is not None
    )
    if not widths:
        raise DataError(path, f"no numeric lines among {len(lines)} (is this a serial log of samples?)")
    width = widths.most_common(1)[0][0]
    log = SerialLog(
        np.empty((0, width)), np.empty(0, dtype=np.int64), len(lines), delimiter=delimiter, source=str(path)
    )
    rows, numbers = [], []
    for n, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        parts = _split(text, delimiter)
        values = _numbers(parts)
        if values is None:
            log.drop(n, text, "not numeric")
        elif len(values) != width:
            log.drop(n, text, f"wrong field count ({len(values)} instead of {width})")
        else:
            rows.append(values)
            numbers.append(n)
    log.fields = np.asarray(rows, dtype=np.float64).reshape(-1, width)
    log.line_no = np.asarray(numbers, dtype=np.int64)
    return log


def _guess_unit(raw: np.ndarray, source: str) -> str:
    forward = np.diff(raw)[np.diff(raw) > 0]
    step = float(np.median(forward)) if forward.size else 0.0
    for unit in ("ms", "us", "s"):
        if step > 0 and 20 <= 1 / (step * TIME_SCALES[unit]) <= 20_000:
            return unit
    raise DataError(source, f"cannot tell the time unit (median step {step:g}); give time_unit (--time-unit)")


@dataclass
class SerialConversion:
    """What :func:`serial_convert` wrote and did.

    Attributes
    ----------
    files : list of Path
        The ``.npz`` record(s), then ``meta.json`` and ``preview.png``.
    records : list of Record
        The converted segment(s).
    meta : dict
        The content of ``meta.json``.
    """

    files: list[Path]
    records: list[Record]
    meta: dict

    def summary(self) -> list[str]:
        """Terminal lines: kept, dropped, interpolated, rates, gaps, files."""
        m = self.meta
        dropped = sum(m["dropped_lines"].values())
        reasons = ", ".join(f"{n} {r}" for r, n in m["dropped_lines"].items()) or "none"
        lines = [
            f"{m['source']}: {m['lines']} lines, {m['samples_kept']} samples kept, "
            f"{dropped} lines/samples dropped ({reasons})",
            f"rate: device {m['device_rate_hz']:.3f} Hz"
            + (
                f" (time column {m['time']['column']}, unit {m['time']['unit']}, jitter "
                f"{m['time']['jitter_rms_ms']:.2f} ms rms, {m['time']['wraps']} counter wrap(s))"
                if m["time"]
                else " (given)"
            )
            + f" -> output {m['output_rate_hz']:g} Hz",
            f"gaps: {len(m['gaps'])} ({m['interpolated_samples']} samples interpolated, "
            f"{sum(g['action'] == 'split' for g in m['gaps'])} split the log); "
            f"saturated samples: {m['saturated_samples']}",
        ]
        lines += [
            f"wrote {Path(m['output_folder']) / s['file']} ({s['duration_s']:.2f} s)" for s in m["segments"]
        ]
        lines += [
            f"dropped segment of {s['duration_s']:.2f} s at {s['start_s']:.2f} s (too short)"
            for s in m["dropped_segments"]
        ]
        lines += [f"warning: {w}" for w in m["warnings"]]
        return lines


def _regularize(
    log: SerialLog, raw_t: np.ndarray, values: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Clean timestamps; return (slots, values, info) with the grid step in info."""
    raw_t = raw_t.copy()
    wraps = 0
    if unit in ("ms", "us"):  # a 32-bit counter wrapped: a drop of ~2^32 that the next samples confirm
        forward = np.diff(raw_t)[np.diff(raw_t) > 0]
        typical = float(np.median(forward)) if forward.size else 1.0
        for i in np.flatnonzero(np.diff(raw_t) < -WRAP / 2):
            if i + 2 < raw_t.size and 0 < raw_t[i + 2] - raw_t[i + 1] < 100 * typical:
                raw_t[i + 1 :] += WRAP
                wraps += 1
    t = raw_t * TIME_SCALES[unit]
    keep = np.ones(t.size, dtype=bool)
    if t.size >= 5:
        step = np.median(np.abs(np.diff(t))) or 1e-9
        outlier = np.abs(t - ndimage.median_filter(t, size=5, mode="nearest")) > 10 * step
        for i in np.flatnonzero(outlier):
            log.drop(log.line_no[i], f"t={raw_t[i]:g}", "timestamp outlier")
        keep &= ~outlier
    idx = np.flatnonzero(keep)
    running = np.maximum.accumulate(t[idx])
    not_increasing = np.zeros(idx.size, dtype=bool)
    not_increasing[1:] = t[idx][1:] <= running[:-1]
    for i in idx[not_increasing]:
        log.drop(log.line_no[i], f"t={raw_t[i]:g}", "timestamp not increasing")
    idx = idx[~not_increasing]
    if idx.size < 2:
        raise DataError(log.source, "fewer than 2 samples with valid timestamps")
    grid = fit_sample_grid(t[idx])
    collisions = grid.collisions
    for i in idx[collisions]:
        log.drop(log.line_no[i], f"t={raw_t[i]:g}", "second sample in one time slot (jitter)")
    mask = np.ones(idx.size, dtype=bool)
    mask[collisions] = False
    info = {
        "unit": unit,
        "wraps": wraps,
        "step_s": grid.step,
        "start_s": grid.start,
        "jitter_rms_ms": float(np.sqrt(np.mean(grid.residuals**2)) * 1e3),
        "jitter_max_ms": float(np.abs(grid.residuals).max() * 1e3),
    }
    return grid.slots[mask], values[idx[mask]], info


def _to_rate(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    if rate_out < 0.99 * rate_in:
        sos = sps.butter(8, 0.45 * rate_out, fs=rate_in, output="sos")
        x = sps.sosfiltfilt(sos, x)
    duration = (x.size - 1) / rate_in
    t_out = (
        np.arange(round(duration * rate_out) + 1) / rate_out
    )  # the last may lie half a sample past the end
    return np.interp(t_out, np.arange(x.size) / rate_in, x)


def _preview(
    path: Path, segments: list[tuple[float, np.ndarray]], rate: float, gaps: list[dict], unit: str, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (top, zoom) = plt.subplots(2, 1, figsize=(11, 5.5))
    for i, (start, x) in enumerate(segments):
        step = max(1, x.size // 20_000)
        t = start + np.arange(0, x.size, step) / rate
        top.plot(t, x[::step], lw=0.6, color=("tab:blue", "tab:green", "tab:purple")[i % 3])
    for gap in gaps:
        color = "tab:orange" if gap["action"] == "interpolated" else "tab:red"
        top.axvspan(
            gap["start_s"], gap["start_s"] + max(gap["duration_s"], 0.02), color=color, alpha=0.4, lw=0
        )
    top.set(title=title, xlabel="s from the first sample (orange: interpolated gap, red: split)", ylabel=unit)
    start, x = segments[0]
    n = min(x.size, int(5 * rate))
    zoom.plot(start + np.arange(n) / rate, x[:n], lw=0.8)
    zoom.set(xlabel="s", ylabel=unit, title="first 5 s of the output")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


def serial_convert(
    log_path: str | Path,
    out_dir: str | Path,
    sampling_rate: float | None = None,
    time_col: int | None = None,
    value_col: int | None = None,
    time_unit: str = "auto",
    target_rate: float | None = None,
    gain: float | None = None,
    zero: float = 0.0,
    adc_bits: int | None = None,
    max_gap_s: float = 0.25,
    min_segment_s: float = 2.0,
    channel_name: str = "ECG",
    patient_id: str = "",
) -> SerialConversion:
    """Convert a serial log to ``.npz`` record(s) + ``meta.json`` + ``preview.png`` (module notes).

    Parameters
    ----------
    log_path : str or Path
        The dump (any text; junk is expected).
    out_dir : str or Path
        Output folder (created).
    sampling_rate : float, optional
        Device rate of a log without time column. Give this or ``time_col``; with neither,
        a log of two or more fields is read as time (field 0) and value (field 1).
    time_col, value_col : int, optional
        0-based field indices (``value_col`` defaults to the first field that is not time).
    time_unit : {"auto", "s", "ms", "us"}
        Unit of the time column.
    target_rate : float, optional
        Output rate (default: the device rate rounded to whole hertz).
    gain, zero : float
        ADC counts per mV and the count at 0 mV; without ``gain`` the output stays in counts.
    adc_bits : int, optional
        ADC resolution: values outside ``[0, 2^bits)`` are junk, values at the rails saturated.
    max_gap_s : float
        Longest gap filled by interpolation; longer gaps split the log.
    min_segment_s : float
        Shorter segments are dropped.
    channel_name, patient_id : str
        Stored in the record(s).

    Raises
    ------
    ParamsError
        Contradictory or invalid options.
    DataError
        Nothing usable in the log.
    """
    log_path, out_dir = Path(log_path), Path(out_dir)
    problems = []
    if sampling_rate is not None and time_col is not None:
        problems.append("give either sampling_rate (--sr) or time_col (--time-col), not both")
    if time_unit not in ("auto", *TIME_SCALES):
        problems.append(f"time_unit must be auto, s, ms or us, got {time_unit!r}")
    for name, value in (("max_gap_s", max_gap_s), ("min_segment_s", min_segment_s)):
        if not isinstance(value, int | float) or value < 0:
            problems.append(f"{name} must be a number >= 0, got {value!r}")
    if gain is not None and (not isinstance(gain, int | float) or gain == 0 or not np.isfinite(gain)):
        problems.append(f"gain must be a non-zero number of counts per mV, got {gain!r}")
    if problems:
        raise ParamsError(log_path, problems)
    log = serial_log_parse(log_path)
    width = log.fields.shape[1]
    if sampling_rate is None and time_col is None:
        if width < 2:
            raise ParamsError(log_path, ["one field a line and no sampling rate: give --sr HZ"])
        time_col = 0
    columns = [c for c in (time_col, value_col) if c is not None]
    bad = [c for c in columns if not isinstance(c, int) or not 0 <= c < width]
    if bad:
        raise ParamsError(log_path, [f"column(s) {bad} out of range: the log has {width} field(s) a line"])
    if value_col is None:
        value_col = next(c for c in range(width) if c != time_col) if width > 1 or time_col is None else None
        if value_col is None:
            raise ParamsError(log_path, ["the only field is the time column; give --value-col"])
    values, line_no = log.fields[:, value_col], log.line_no
    if adc_bits is not None:
        top = 2**adc_bits - 1
        out_of_range = (values < 0) | (values > top)
        for i in np.flatnonzero(out_of_range):
            log.drop(line_no[i], f"{values[i]:g}", f"outside the {adc_bits}-bit ADC range")
        keep = ~out_of_range
        log.fields, log.line_no, values = log.fields[keep], line_no[keep], values[keep]
    if values.size < 2:
        raise DataError(log_path, f"fewer than 2 samples among {log.n_lines} lines")

    time_info: dict | None = None
    if time_col is not None:
        raw_t = log.fields[:, time_col]
        unit = time_unit if time_unit != "auto" else _guess_unit(raw_t, str(log_path))
        slots, values, time_info = _regularize(log, raw_t, values, unit)
        device_rate = 1.0 / time_info["step_s"]
    else:
        device_rate = check_sampling_rate(sampling_rate, log_path)
        slots = np.arange(values.size)
    out_rate = check_sampling_rate(
        target_rate if target_rate is not None else float(round(device_rate)), log_path
    )

    # gaps: runs of empty slots
    steps = np.diff(slots)
    gaps, bounds = [], [0]
    for i in np.flatnonzero(steps > 1):
        missing = int(steps[i] - 1)
        duration = missing / device_rate
        action = "interpolated" if duration <= max_gap_s else "split"
        gaps.append(
            {
                "start_s": round(float(slots[i] + 1) / device_rate, 4),
                "duration_s": round(duration, 4),
                "missing_samples": missing,
                "action": action,
            }
        )
        if action == "split":
            bounds.append(i + 1)
    bounds.append(slots.size)
    interpolated = sum(g["missing_samples"] for g in gaps if g["action"] == "interpolated")

    scale = (lambda c: (c - zero) / gain) if gain is not None else (lambda c: c)
    unit_name = "mV" if gain is not None else "adu"
    saturated = int(np.sum((values <= 0) | (values >= 2**adc_bits - 1))) if adc_bits is not None else 0
    stem = log_path.stem
    segments, dropped_segments, records, plot_parts, files, warnings = [], [], [], [], [], []
    kept = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    for a, b in kept:
        seg_slots, seg_values = slots[a:b], values[a:b]
        full = np.interp(np.arange(seg_slots[0], seg_slots[-1] + 1), seg_slots, seg_values)
        start_s = float(seg_slots[0]) / device_rate
        duration = full.size / device_rate
        if duration < min_segment_s or full.size < 2:
            dropped_segments.append({"start_s": round(start_s, 3), "duration_s": round(duration, 3)})
            continue
        x = scale(_to_rate(full, device_rate, out_rate))
        plot_parts.append((start_s, x))
        name = stem if len(kept) == 1 else f"{stem}_part{len(segments) + 1}"
        record = Record(
            name,
            x,
            out_rate,
            [channel_name],
            [unit_name],
            patient_id=patient_id,
            source=out_dir / f"{name}.npz",
        )
        try:
            check_record(record, max_flat_s=2.0)
        except DataError as exc:
            warnings.append(f"{name}.npz will not pass the readers' checks: {exc.problem}")
        write_npz(out_dir / f"{name}.npz", record)
        records.append(record)
        files.append(out_dir / f"{name}.npz")
        segments.append(
            {
                "file": f"{name}.npz",
                "start_s": round(start_s, 3),
                "duration_s": round(x.size / out_rate, 3),
                "samples": int(x.size),
            }
        )
    if not segments:
        raise DataError(log_path, f"no segment of at least {min_segment_s:g} s between gaps")
    meta = {
        "source": log_path.name,
        "output_folder": str(out_dir),
        "lines": log.n_lines,
        "samples_kept": int(values.size),
        "dropped_lines": dict(log.dropped),
        "dropped_examples": log.examples,
        "delimiter": log.delimiter or "whitespace",
        "value_column": int(value_col),
        "time": None if time_info is None else {"column": int(time_col), **time_info},
        "device_rate_hz": round(device_rate, 4),
        "output_rate_hz": out_rate,
        "units": unit_name,
        "gain_counts_per_mv": gain,
        "zero_count": zero if gain is not None else None,
        "adc_bits": adc_bits,
        "saturated_samples": saturated,
        "gaps": gaps,
        "interpolated_samples": int(interpolated),
        "max_gap_s": max_gap_s,
        "segments": segments,
        "dropped_segments": dropped_segments,
        "warnings": warnings,
    }
    write_json(out_dir / "meta.json", meta)
    title = (
        f"{log_path.name}: {meta['samples_kept']} samples, {sum(log.dropped.values())} dropped, "
        f"{interpolated} interpolated"
    )
    _preview(out_dir / "preview.png", plot_parts, out_rate, gaps, unit_name, title)
    files += [out_dir / "meta.json", out_dir / "preview.png"]
    return SerialConversion(files=files, records=records, meta=meta)


# --- realistic logs for tests and demonstrations ------------------------------------------------

BOOT_BANNER = (
    "ets Jul 29 2019 12:21:46",
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "ECG logger v1.2 - AD8232 on A0, 10-bit",
    "lead-off detection: on",
)
JUNK = ("ERR lead off", "", "\x00\x00\x00", "12a4", "ready", "#", "-", "AT+OK", "\ufffd\ufffd7")


def simulate_serial_log(
    signal_mv: np.ndarray,
    sampling_rate: float,
    path: str | Path,
    seed: int = 0,
    gain: float = 200.0,
    zero: float = 512.0,
    adc_bits: int = 10,
    with_time: bool = True,
    time_unit: str = "ms",
    time_start: float = 123_456.0,
    jitter: float = 0.15,
    gaps: list[tuple[float, float]] | None = None,
    junk_rate: float = 0.003,
) -> dict:
    """Write a realistic serial dump of an ECG (for tests and demonstrations).

    The ECG becomes ADC counts ``round(mV * gain + zero)`` clipped to the ADC range; each
    sample is stamped ``time_start + i / rate`` plus uniform jitter of ``±jitter`` periods,
    floored to the unit (``millis()`` style); the samples inside ``gaps`` ((start s,
    duration s) pairs) are left out; a boot banner comes first and junk lines (messages,
    garbage bytes, lines with a field missing or two lines run together) are scattered at
    ``junk_rate`` per sample; lines end in CRLF.

    Returns
    -------
    dict
        The truth: ``samples`` written, ``junk_lines``, ``gap_samples`` left out,
        ``counts`` (all samples, gaps included), ``timestamps`` (raw, as written).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(signal_mv, dtype=np.float64)
    counts = np.clip(np.round(x * gain + zero), 0, 2**adc_bits - 1).astype(np.int64)
    period = 1.0 / sampling_rate
    true_t = np.arange(x.size) * period + rng.uniform(-jitter, jitter, x.size) * period
    scale = TIME_SCALES[time_unit]
    stamps = (
        np.floor(time_start + true_t / scale).astype(np.int64) if time_unit != "s" else np.round(true_t, 4)
    )
    stamps = stamps % WRAP if time_unit != "s" else stamps
    keep = np.ones(x.size, dtype=bool)
    for start, duration in gaps or []:
        keep[round(start * sampling_rate) : round((start + duration) * sampling_rate)] = False
    lines = list(BOOT_BANNER)
    junk = 0
    for i in np.flatnonzero(keep):
        sample = f"{stamps[i]},{counts[i]}" if with_time else f"{counts[i]}"
        roll = rng.random() / junk_rate if junk_rate > 0 else np.inf
        bad = None
        if roll < 0.25:
            bad = str(rng.choice(JUNK)) or "   "  # messages, garbage bytes
        elif roll < 0.5 and with_time:
            bad = f"{counts[i]}"  # the time field lost
        elif roll < 0.75:
            bad = sample + sample  # two lines run together (a lost newline)
        elif roll < 1 and with_time:  # a digit of the timestamp lost: a wild time
            text = str(stamps[i])
            cut = int(rng.integers(len(text)))
            bad = f"{text[:cut] + text[cut + 1 :]},{counts[i]}"
        if bad is not None:
            lines.append(bad)
            junk += 1
        lines.append(sample)
    blank = sum(1 for line in lines if not line.strip())
    Path(path).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return {
        "samples": int(keep.sum()),
        "junk_lines": len(BOOT_BANNER) + junk - blank,
        "gap_samples": int((~keep).sum()),
        "counts": counts,
        "timestamps": stamps,
    }
