"""Fixed-length windows cut from records: the samples of record and rhythm tasks.

:func:`record_windows` band-passes, resamples and cuts a record; the windows of many records
become a :class:`~vitalkit.samples.WindowSet`.

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Record
>>> rec = Record("r1", np.random.default_rng(0).normal(size=(2500, 1)), 250.0, ["II"], ["mV"],
...              patient_id="p1", labels=["afib"])
>>> w, starts = record_windows(rec, window_s=4.0, stride_s=2.0, bandpass=None)
>>> w.shape, starts.tolist()
((4, 1, 1000), [0, 500, 1000, 1500])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.signal.filters import ecg_bandpass, signal_resample


def record_windows(
    record: Record,
    window_s: float,
    stride_s: float,
    target_rate: float | None = None,
    channels: Sequence[str] | None = None,
    bandpass: tuple[float, float] | None = (0.5, 40.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a record into windows ``(m, channels, length)`` and return them with their start samples.

    Each channel is band-passed (unless ``bandpass`` is None), then resampled to
    ``target_rate``. A record shorter than one window gives one window, zero-padded at the end
    (the padding is reported in the record's summary by the caller).

    Raises
    ------
    DataError
        Non-finite samples, a channel that does not exist, or a sampling rate too low for the
        band-pass.
    """
    names = list(channels) if channels else list(record.channel_names)
    fs = float(record.sampling_rate)
    rate = float(target_rate or fs)
    columns = []
    for name in names:
        x = record.channel(name)
        try:
            if bandpass is not None:
                x = ecg_bandpass(x, fs, *bandpass)
            elif not np.isfinite(x).all():
                raise ValueError(f"{int((~np.isfinite(x)).sum())} non-finite samples")
        except ValueError as exc:
            raise DataError(record.source or record.name, f"channel {name}: {exc}") from None
        columns.append(signal_resample(x, fs, rate) if rate != fs else np.asarray(x, dtype=np.float64))
    signal = np.stack(columns, axis=0).astype(np.float32)
    length = round(window_s * rate)
    stride = max(round(stride_s * rate), 1)
    if signal.shape[1] < length:
        signal = np.pad(signal, ((0, 0), (0, length - signal.shape[1])))
    starts = np.arange(0, signal.shape[1] - length + 1, stride, dtype=np.int64)
    index = starts[:, None] + np.arange(length)[None, :]
    return np.ascontiguousarray(signal[:, index].transpose(1, 0, 2)), starts
