"""Checks every reader's output goes through: sampling rate, missing samples, flat lines.

The policy, the same for every file format (README "Bad input handled"):

- **sampling rate**: missing, not a positive finite number, or disagreeing (by more than
  0.5 %) with the rate the file itself declares → :class:`DataError`.
- **missing samples** (NaN, ±inf, empty CSV cells): runs up to ``max_nan_gap_s`` are
  linearly interpolated (a run touching the start or end takes the nearest valid value)
  and the repair is reported in :attr:`Record.repairs`; a longer run → :class:`DataError`
  naming the channel, where it starts and how long it is.
- **flat lines**: a channel whose samples are all equal (``constant zero`` when they are 0)
  → :class:`DataError`; a run of identical samples longer than ``max_flat_s`` (a lead off,
  a saturated amplifier) → :class:`DataError` (``max_flat_s=None`` accepts it: the
  Creighton VF database, for one, has flat stretches of up to 4.8 s).
- fewer than 2 samples → :class:`DataError`.

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Record
>>> x = np.sin(np.arange(1000) / 20.0)
>>> x[100:103] = np.nan
>>> rec = check_record(Record("demo", x, 250.0, ["ECG"], ["mV"]))
>>> rec.repairs
["channel 'ECG': 3 missing samples (1 run, longest 0.012 s) linearly interpolated"]
>>> check_sampling_rate("abc", "demo.csv")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vitalkit.errors.DataError: demo.csv: invalid sampling rate 'abc': must be a positive number of ...
"""

from __future__ import annotations

import dataclasses
import numbers
from pathlib import Path

import numpy as np

from vitalkit.data.records import Record
from vitalkit.errors import DataError

RATE_TOLERANCE = 0.005
"""Relative difference above which a given sampling rate disagrees with the file's."""


def check_sampling_rate(value: object, source: str | Path, found: float | None = None) -> float:
    """Return the sampling rate to use, from the caller (``value``) and/or the file (``found``).

    Parameters
    ----------
    value : object
        The rate the caller gave (None: none given).
    source : str or Path
        The file, for error messages.
    found : float, optional
        The rate the file declares (header, time column, ``fs`` key).

    Raises
    ------
    DataError
        No rate from either side, an invalid rate, or the two disagreeing.
    """
    if value is None:
        if found is None:
            raise DataError(source, "no sampling rate: the file does not carry one; give sampling_rate=HZ")
        value = found
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DataError(
            source, f"invalid sampling rate {value!r}: must be a positive number of samples per second"
        )
    rate = float(value)
    if not np.isfinite(rate) or rate <= 0:
        raise DataError(
            source, f"invalid sampling rate {value!r}: must be a positive number of samples per second"
        )
    if found is not None and abs(rate - found) > RATE_TOLERANCE * found:
        raise DataError(source, f"wrong sampling rate: {rate:g} Hz was given but the file says {found:g} Hz")
    return rate


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and lengths of the runs of True in a 1-D boolean mask.

    Examples
    --------
    >>> starts, lengths = runs(np.array([0, 1, 1, 0, 1], dtype=bool))
    >>> starts.tolist(), lengths.tolist()
    ([1, 4], [2, 1])
    """
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges[::2], edges[1::2] - edges[::2]


def _fill_missing(
    x: np.ndarray, fs: float, channel: str, source: str | Path, max_gap_s: float
) -> tuple[np.ndarray, str | None]:
    bad = ~np.isfinite(x)
    if not bad.any():
        return x, None
    if bad.all():
        raise DataError(source, f"channel {channel!r} has no valid samples (all missing)")
    starts, lengths = runs(bad)
    longest = int(lengths.argmax())
    if lengths[longest] > max_gap_s * fs:
        raise DataError(
            source,
            f"channel {channel!r}: {lengths[longest]} missing samples in a row "
            f"({lengths[longest] / fs:.3f} s) from {starts[longest] / fs:.3f} s, longer than "
            f"max_nan_gap_s={max_gap_s:g} s (shorter runs are interpolated)",
        )
    good = np.flatnonzero(~bad)
    filled = x.copy()
    filled[bad] = np.interp(np.flatnonzero(bad), good, x[good])
    plural = "run" if len(starts) == 1 else "runs"
    return filled, (
        f"channel {channel!r}: {int(bad.sum())} missing samples ({len(starts)} {plural}, "
        f"longest {lengths[longest] / fs:.3f} s) linearly interpolated"
    )


def _check_flat(x: np.ndarray, fs: float, channel: str, source: str | Path, max_flat_s: float | None) -> None:
    if np.all(x == x[0]):
        what = "constant zero (no signal recorded)" if x[0] == 0 else f"flat line (every sample is {x[0]:g})"
        raise DataError(source, f"channel {channel!r} is a {what}")
    if max_flat_s is None:
        return
    starts, lengths = runs(np.diff(x) == 0)  # a run of k equal steps = k + 1 identical samples
    if lengths.size and (lengths.max() + 1) > max_flat_s * fs:
        i = int(lengths.argmax())
        raise DataError(
            source,
            f"channel {channel!r}: flat line of {(lengths[i] + 1) / fs:.2f} s (identical samples "
            f"{x[starts[i]]:g}) from {starts[i] / fs:.2f} s: lead off or saturated? "
            f"(longer than max_flat_s={max_flat_s:g} s; max_flat_s=None accepts it)",
        )


def check_record(record: Record, max_nan_gap_s: float = 0.1, max_flat_s: float | None = 2.0) -> Record:
    """Apply the missing-sample and flat-line policy of this module to a record.

    Parameters
    ----------
    record : Record
        A record as a reader built it.
    max_nan_gap_s : float
        Longest run of missing samples that is interpolated, in seconds.
    max_flat_s : float or None
        Longest run of identical samples accepted, in seconds (None: no limit; a channel
        that is entirely constant is always rejected).

    Returns
    -------
    Record
        A copy with missing samples interpolated and the repairs appended to ``repairs``.

    Raises
    ------
    DataError
        Naming the file, the channel and the problem.
    """
    source = record.source or record.name
    signal = np.array(record.signal, dtype=np.float64)
    if signal.shape[0] < 2:
        raise DataError(source, f"too short: {signal.shape[0]} sample(s)")
    if signal.shape[1] == 0:
        raise DataError(source, "no channels")
    repairs = list(record.repairs)
    for c, name in enumerate(record.channel_names):
        signal[:, c], repair = _fill_missing(signal[:, c], record.sampling_rate, name, source, max_nan_gap_s)
        if repair:
            repairs.append(repair)
        _check_flat(signal[:, c], record.sampling_rate, name, source, max_flat_s)
    return dataclasses.replace(record, signal=signal, repairs=repairs)
