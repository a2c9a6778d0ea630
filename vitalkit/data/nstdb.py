"""The MIT-BIH Noise Stress Test Database's real noise records (``bw``, ``ma``, ``em``).

``"bw"`` and ``"ma"`` are the NSTDB noise records of baseline wander and muscle artifact (30 min,
360 Hz, recorded on an active subject with limb electrodes placed so that no ECG shows).
``"em"`` (electrode motion) is the NSTDB record ``em`` when present. The shared data set lacks
it, so by default it is **recovered from the NSTDB test record 118e00**: nst made 118e00 as
``118 + a * em + b`` during the two-minute noisy periods of its standard protocol (5:00-7:00,
9:00-11:00, ...), so ``118e00 - 118`` over those periods is the real em noise, scaled by a
constant (about 13 min in 7 segments). The scale does not matter because noise is rescaled to
the wanted SNR anyway (:mod:`vitalkit.signal.noise`).

Examples
--------
>>> from vitalkit.data.nstdb import NSTDB_RATE
>>> NSTDB_RATE
360.0
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from vitalkit import config
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError

NSTDB_RATE = 360.0
_EM_SOURCE = ("118e00", "118")  # nst test record at 0 dB and its clean MIT-BIH record
_PROTOCOL_START_S, _PROTOCOL_PERIOD_S, _NOISY_S = 300, 240, 120


def _nstdb_dir(data_dir: str | Path | None) -> Path:
    return Path(data_dir) if data_dir else config.data_dir()


def em_noise(data_dir: str | Path | None = None, channel: int = 0) -> np.ndarray:
    """nst's electrode-motion noise exactly as added to 118e00 (mV, 0 before 5:00), whole record.

    ``118e00 - 118`` less its value in the first five minutes (nst adds nothing there; the
    two files' baselines differ by a constant). Between the noisy periods it is piecewise
    constant: nst's own output, kept as it is.

    Raises
    ------
    DataError
        ``nstdb/118e00`` or ``mitdb/118`` missing, or the difference not constant over the
        first five minutes (then 118e00 is not nst's record).

    Examples
    --------
    >>> em = em_noise()                                 # doctest: +SKIP
    >>> em.size, float(abs(em[: 300 * 360]).max())      # doctest: +SKIP
    (650000, 0.0)
    """
    root = _nstdb_dir(data_dir)
    noisy_path, clean_path = root / "nstdb" / _EM_SOURCE[0], root / "mitdb" / _EM_SOURCE[1]
    for path in (noisy_path, clean_path):
        if not path.with_suffix(".hea").is_file():
            raise DataError(path, "needed to recover NSTDB electrode-motion noise (em), but not found")
    noisy, clean = read_wfdb(noisy_path).signal[:, channel], read_wfdb(clean_path).signal[:, channel]
    n = min(noisy.size, clean.size)
    diff = noisy[:n] - clean[:n]
    learning = diff[: _PROTOCOL_START_S * int(NSTDB_RATE)]
    if np.ptp(learning) > 1e-6:
        raise DataError(noisy_path, "differs from mitdb/118 in the first 5 min by more than a constant")
    return diff - learning[0]


def _em_from_118e00(root: Path, channel: int) -> list[np.ndarray]:
    """The noisy periods of :func:`em_noise`, each about its own mean."""
    diff = em_noise(root, channel)
    fs = int(NSTDB_RATE)
    segments = []
    for start in range(_PROTOCOL_START_S * fs, diff.size, _PROTOCOL_PERIOD_S * fs):
        seg = diff[start : min(start + _NOISY_S * fs, diff.size)]
        if seg.size >= 10 * fs:
            segments.append(seg - seg.mean())
    return segments


def nstdb_noise(kind: str, data_dir: str | Path | None = None, channel: int = 0) -> list[np.ndarray]:
    """Real noise segments of one NSTDB type, at 360 Hz, in mV (see the module docstring).

    Parameters
    ----------
    kind : str
        ``"bw"``, ``"ma"`` or ``"em"``.
    data_dir : str or Path, optional
        Data directory holding ``nstdb/`` (and ``mitdb/`` for em). Default
        ``VITALKIT_DATA_DIR``.
    channel : int
        Noise channel (nst pairs ECG signal 0 with noise signal 0).

    Returns
    -------
    list of np.ndarray
        One array for bw and ma (the whole 30 min record); the seven noisy periods for em
        recovered from 118e00.

    Raises
    ------
    DataError
        Unknown kind, or the record(s) needed are missing.

    Examples
    --------
    >>> [s.size for s in nstdb_noise("ma")]   # doctest: +SKIP
    [650000]
    """
    if kind not in ("bw", "ma", "em"):
        raise DataError("nstdb", f"unknown NSTDB noise {kind!r}; use 'bw', 'ma' or 'em'")
    return [s.copy() for s in _load_noise(kind, str(_nstdb_dir(data_dir)), channel)]


@lru_cache(maxsize=8)
def _load_noise(kind: str, root: str, channel: int) -> tuple[np.ndarray, ...]:
    path = Path(root) / "nstdb" / kind
    if path.with_suffix(".hea").is_file():
        x = read_wfdb(path).signal[:, channel]
        return (x - x.mean(),)
    if kind == "em":
        return tuple(_em_from_118e00(Path(root), channel))
    raise DataError(path, f"NSTDB noise record {kind!r} not found")
