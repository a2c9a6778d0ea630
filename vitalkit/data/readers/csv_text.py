"""CSV / text exports: one value column, several, or a time column plus values.

Layout rules (every one can be overridden by an option):

- **delimiter**: the first of ``,`` ``;`` tab found in the first data line, else whitespace.
- **header**: the first non-comment line is a header when one of its fields is not a
  number. A header name may carry a unit in brackets: ``ECG (mV)``, ``time [ms]``.
- **time column**: a header named ``time``, ``t``, ``timestamp``, ``seconds``, ``millis``,
  ``time_ms``...; without a header and without ``sampling_rate``, the first of two or more
  columns. Its unit is seconds unless the header (``time (ms)``, ``time_ms``, ``millis``,
  ``micros``) or ``time_unit`` says ``ms`` or ``us``. The sampling
  rate is fitted to it (:func:`~vitalkit.data.timebase.fit_sample_grid`, tolerant of
  timestamps rounded to the clock's resolution); samples missing from the time grid become
  missing samples (interpolated when short, see :mod:`~vitalkit.data.readers.checks`);
  timestamps that are not increasing or lie more than half a sample off the grid (jittery
  logs: use ``vitalkit convert serial``) are a :class:`DataError`.
- **values**: every other column is a channel; empty cells and ``nan`` are missing
  samples. A non-numeric cell or a row with the wrong number of fields is a
  :class:`DataError` naming the line (``bad_rows="missing"`` turns such rows into missing
  samples instead, reported in :attr:`Record.repairs`).
- ``#`` comment lines and blank lines are skipped.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
>>> rows = [f"{i / 250:.3f},{(i % 50) / 50:.2f}" for i in range(500)]
>>> _ = path.write_text("time (s),ECG (mV)\\n" + "\\n".join(rows))
>>> rec = read_csv_record(path)
>>> rec.sampling_rate, rec.channel_names, rec.units, rec.n_samples
(250.0, ['ECG'], ['mV'], 500)
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.data.readers.checks import check_sampling_rate
from vitalkit.data.records import Record
from vitalkit.data.timebase import clean_rate, fit_sample_grid
from vitalkit.errors import DataError, ParamsError

TIME_NAMES = frozenset(
    {"t", "time", "times", "timestamp", "seconds", "sec", "secs", "millis", "micros", "elapsed", "ms", "us"}
)
_TIME_NAME = re.compile(r"^(t|time|timestamp|elapsed)[_ ]?(s|sec|ms|us)$")
TIME_UNITS = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "millis": 1e-3, "us": 1e-6, "µs": 1e-6, "micros": 1e-6}
MISSING = frozenset({"", "nan", "na", "null"})
_UNIT = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]*?)\s*[\)\]]$")


def _split_name(field: str) -> tuple[str, str]:
    """``'ECG (mV)' -> ('ECG', 'mV')``; no brackets: ``(field, '')``."""
    match = _UNIT.match(field.strip())
    return (match.group(1), match.group(2)) if match else (field.strip(), "")


def _is_time(name: str) -> bool:
    plain = _split_name(name)[0].lower()
    return plain in TIME_NAMES or bool(_TIME_NAME.match(plain))


def _time_unit(name: str) -> str:
    """Unit of a time column from its header: ``time (ms)``, ``time_ms``, ``millis`` ...; else seconds."""
    plain, bracket = _split_name(name)
    if bracket:
        return bracket
    plain = plain.lower()
    for unit, words in (("ms", ("millis", "ms")), ("us", ("micros", "us"))):
        if plain in words or plain.endswith(f"_{unit}") or plain.endswith(f" {unit}"):
            return unit
    return "s"


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(path, "empty file")
    if b"\x00" in raw:
        raise DataError(path, "not a text file (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


def _sniff(line: str) -> str | None:
    return next((d for d in (",", ";", "\t") if d in line), None)


def _fields(line: str, delimiter: str | None) -> list[str]:
    return [f.strip() for f in (line.split(delimiter) if delimiter else line.split())]


def _numeric(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float values of string cells and a mask of cells that are neither numbers nor missing."""
    flat = pd.Series(cells.ravel(), dtype=object)
    values = pd.to_numeric(flat, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values)
    bad[bad] = ~flat[bad].str.lower().isin(MISSING).to_numpy()
    return values.reshape(cells.shape), bad.reshape(cells.shape)


@dataclass
class _Table:
    """Parsed rows: values (NaN where missing or bad), which rows are malformed and why."""

    names: list[str]
    has_header: bool
    values: np.ndarray  # (rows, columns) float
    bad_cells: np.ndarray  # (rows, columns) bool: non-numeric
    wrong_width: np.ndarray  # (rows,) bool
    line_no: np.ndarray  # (rows,) 1-based line numbers
    widths: np.ndarray  # (rows,) field counts
    texts: list[str] | None  # line texts (slow path only)


def _fast_table(body: str, delimiter: str | None, width: int) -> np.ndarray | None:
    """All-numeric, complete tables through pandas' C parser; None when anything is off."""
    if "#" in body or re.search(r"\n[ \t]*\r?\n", body):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(body), sep=delimiter or r"\s+", header=None, dtype=np.float64, engine="c"
        )
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    values = frame.to_numpy(dtype=np.float64)
    if values.shape[1] != width or np.isnan(values).any():
        return None
    return values


def _parse_table(path: Path, delimiter: str | None, header: bool | str) -> _Table:
    text = _decode(path)
    lines = text.splitlines()
    content = (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#"))
    first_index = next(content, None)
    if first_index is None:
        raise DataError(path, "no data rows (only blank or comment lines)")
    delim = delimiter if delimiter is not None else _sniff(lines[first_index])
    first = _fields(lines[first_index], delim)
    has_header = header if isinstance(header, bool) else bool(_numeric(np.asarray(first, dtype=str))[1].any())
    names = first if has_header else [f"ch{i + 1}" for i in range(len(first))]
    start = first_index + 1 if has_header else first_index
    width = len(names)
    values = _fast_table("\n".join(lines[start:]), delim, width) if start < len(lines) else None
    if values is not None:
        n = values.shape[0]
        no_bad = np.zeros(n, dtype=bool)
        return _Table(
            names,
            has_header,
            values,
            np.zeros_like(values, dtype=bool),
            no_bad,
            np.arange(start + 1, start + 1 + n),
            np.full(n, width),
            None,
        )
    body = [(n, line) for n, line in enumerate(lines[start:], start=start + 1)]
    body = [(n, line) for n, line in body if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise DataError(path, "no data rows (only a header)")
    rows = [_fields(line, delim) for _, line in body]
    widths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    wrong_width = widths != width
    cells = np.empty((len(rows), width), dtype=object)
    cells[:] = ""
    good = np.flatnonzero(~wrong_width)
    cells[good] = np.array([cell for i in good for cell in rows[i]], dtype=object).reshape(-1, width)
    values, bad_cells = _numeric(cells)
    return _Table(
        names,
        has_header,
        values,
        bad_cells,
        wrong_width,
        np.array([n for n, _ in body]),
        widths,
        [line for _, line in body],
    )


def _column(spec: int | str, names: list[str], what: str, source: Path) -> int:
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        raise ParamsError(source, [f"{what} must be a column index or a header name, got {spec!r}"])
    if isinstance(spec, str):
        plain = [_split_name(n)[0] for n in names]
        if spec in names or spec in plain:
            return names.index(spec) if spec in names else plain.index(spec)
        raise DataError(source, f"no column {spec!r} for {what}; the columns are {names}")
    if not -len(names) <= spec < len(names):
        raise DataError(source, f"{what}={spec} but the file has {len(names)} column(s)")
    return spec % len(names)


def read_csv_record(
    path: str | Path,
    sampling_rate: float | None = None,
    time_col: int | str | None = "auto",
    value_col: int | str | list | None = None,
    time_unit: str = "auto",
    delimiter: str | None = None,
    header: bool | str = "auto",
    bad_rows: str = "error",
    channel_names: list[str] | None = None,
    units: str | list[str] | None = None,
) -> Record:
    """Read a CSV / text export into a :class:`Record` (see the module notes for the rules).

    Parameters
    ----------
    path : str or Path
        The file.
    sampling_rate : float, optional
        Required without a time column; with one, it must agree with it.
    time_col : int, str, None or "auto"
        Time column (0-based index or header name), None for none, ``"auto"`` to detect.
    value_col : int, str or list, optional
        Value column(s); default: every column except the time column.
    time_unit : {"auto", "s", "ms", "us"}
        Unit of the time column (``"auto"``: from the header, else seconds).
    delimiter : str, optional
        Field delimiter (default: detected).
    header : bool or "auto"
        Whether the first line holds column names.
    bad_rows : {"error", "missing"}
        What a non-numeric cell or a row with the wrong field count does.
    channel_names, units : optional
        Override the names / units from the header (one per value column; a single unit
        string applies to every channel).
    """
    path = Path(path)
    if bad_rows not in ("error", "missing"):
        raise ParamsError(path, [f"bad_rows must be 'error' or 'missing', got {bad_rows!r}"])
    table = _parse_table(path, delimiter, header)
    names, width = table.names, len(table.names)

    # --- which columns are time and values
    if time_col == "auto":
        named = [i for i, n in enumerate(names) if _is_time(n)]
        guess = 0 if not table.has_header and sampling_rate is None and width > 1 else None
        tcol = named[0] if table.has_header and named else guess
    else:
        tcol = None if time_col is None else _column(time_col, names, "time_col", path)
    if value_col is None:
        vcols = [i for i in range(width) if i != tcol]
    else:
        specs = value_col if isinstance(value_col, list) else [value_col]
        vcols = [_column(v, names, "value_col", path) for v in specs]
    if not vcols:
        raise DataError(path, "no value column (the only column is the time column)")

    values = table.values[:, vcols].copy()
    line_no = table.line_no
    bad_row = table.wrong_width | table.bad_cells[:, vcols].any(axis=1)
    if tcol is not None:
        times = table.values[:, tcol]
        bad_row |= table.bad_cells[:, tcol] | np.isnan(times)
    repairs: list[str] = []
    if bad_row.any():
        count = int(bad_row.sum())
        shown = ", ".join(str(n) for n in line_no[bad_row][:5]) + (" ..." if count > 5 else "")
        i = int(np.argmax(bad_row))
        text = table.texts[i].strip()[:60] if table.texts else ""
        detail = (
            f"{text!r} has {table.widths[i]} fields, expected {width}"
            if table.wrong_width[i]
            else f"{text!r} has a missing time or a non-numeric field"
        )
        if bad_rows == "error":
            raise DataError(
                path,
                f"{count} malformed row(s) (non-numeric, missing time or wrong field count) at line(s) "
                f"{shown}; line {line_no[i]}: {detail} (bad_rows='missing' reads them as missing samples)",
            )
        values[bad_row] = np.nan
        repairs.append(f"{count} malformed row(s) at line(s) {shown} read as missing samples")

    # --- sampling rate
    if tcol is None:
        fs = check_sampling_rate(sampling_rate, path)
    else:
        keep = ~np.isnan(times)  # rows without a time (malformed, reported above) leave a slot empty
        times, values, line_no = times[keep], values[keep], line_no[keep]
        unit = time_unit if time_unit != "auto" else _time_unit(names[tcol])
        if unit not in TIME_UNITS:
            if time_unit != "auto":
                raise ParamsError(path, [f"time_unit must be one of 's', 'ms', 'us', got {time_unit!r}"])
            unit = "s"
        t = times * TIME_UNITS[unit]
        if t.size < 2:
            raise DataError(path, f"too short: {t.size} timed sample(s)")
        back = np.flatnonzero(np.diff(t) <= 0)
        if back.size:
            j = back[0] + 1
            raise DataError(
                path, f"time column not increasing at line {line_no[j]} ({times[j]:g} after {times[j - 1]:g})"
            )
        grid = fit_sample_grid(t)
        if grid.collisions.size or grid.max_residual > 0.5 * grid.step:
            j = int(np.argmax(np.abs(grid.residuals)))
            raise DataError(
                path,
                f"irregular time column: the sample at line {line_no[j]} is "
                f"{grid.residuals[j] * 1e3:+.2f} ms off a {grid.rate:.4g} Hz grid (more than half a "
                "sample period); resample jittery logs with 'vitalkit convert serial'",
            )
        fs = check_sampling_rate(sampling_rate, path, found=clean_rate(grid.rate))
        if grid.missing:
            full = np.full((int(grid.slots[-1]) + 1, values.shape[1]), np.nan)
            full[grid.slots] = values
            values = full
            repairs.append(f"time column: {grid.missing} sample(s) missing from the time grid")

    value_names = [_split_name(names[i]) for i in vcols]
    chosen_names = list(channel_names) if channel_names is not None else [n for n, _ in value_names]
    chosen_units = (
        [units] * len(vcols)
        if isinstance(units, str)
        else list(units)
        if units is not None
        else [u for _, u in value_names]
    )
    if len(chosen_names) != len(vcols) or len(chosen_units) != len(vcols):
        raise ParamsError(
            path, [f"{len(vcols)} value column(s) but {len(chosen_names)} names / {len(chosen_units)} units"]
        )
    return Record(
        name=path.stem,
        signal=values,
        sampling_rate=fs,
        channel_names=chosen_names,
        units=chosen_units,
        source=path,
        repairs=repairs,
    )
