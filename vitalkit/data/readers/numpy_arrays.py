"""NumPy ``.npy`` arrays and ``.npz`` archives.

``.npy``: one array, ``(n_samples,)`` or 2-D; a 2-D array is read with samples along its
longer axis (an ``(12, 5000)`` array is 12 channels of 5000 samples). The sampling rate
must be given.

``.npz``: the signal is the array ``signal`` (or the archive's only array); optional keys
``fs`` or ``sampling_rate`` (scalar), ``channel_names``, ``units`` (string arrays),
``patient_id`` and ``labels``. This is the layout :func:`vitalkit.data.writers.write_record`
and ``vitalkit convert serial`` write.

Files are loaded with ``allow_pickle=False``: an archive holding Python objects is
rejected, never unpickled.

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rec.npz"
>>> np.savez(path, signal=np.random.default_rng(0).normal(size=(12, 1000)), fs=500.0)
>>> rec = read_npz(path)
>>> rec.signal.shape, rec.sampling_rate, rec.channel_names[:2]
((1000, 12), 500.0, ['ch1', 'ch2'])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vitalkit.data.readers.checks import check_sampling_rate
from vitalkit.data.records import Record
from vitalkit.errors import DataError

RATE_KEYS = ("fs", "sampling_rate")
META_KEYS = frozenset({*RATE_KEYS, "channel_names", "units", "patient_id", "labels", "name"})


def _as_signal(array: np.ndarray, source: Path) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise DataError(source, f"the signal array has dtype {array.dtype}, not numbers")
    if array.ndim not in (1, 2) or array.size == 0:
        raise DataError(source, f"the signal must be a non-empty 1-D or 2-D array, got shape {array.shape}")
    signal = array.astype(np.float64)
    return signal.T if signal.ndim == 2 and signal.shape[0] < signal.shape[1] else signal


def _problem(exc: Exception) -> str:
    return "it holds Python objects (pickles are never loaded)" if "pickle" in str(exc) else str(exc)


def _load(path: Path) -> np.ndarray | np.lib.npyio.NpzFile:
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if not magic:
        raise DataError(path, "empty file")
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK\x03\x04"):
        raise DataError(path, "not a NumPy file (no .npy or .npz signature)")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:  # numpy parses headers with ast/tokenize, zipfile...: any failure = unreadable
        raise DataError(path, f"not a readable NumPy file: {_problem(exc)}") from None


def _names(count: int, given: list[str] | None, what: str, default: list[str], source: Path) -> list[str]:
    names = list(given) if given is not None else default
    if len(names) != count:
        raise DataError(source, f"{len(names)} {what} for {count} channel(s)")
    return [str(n) for n in names]


def read_npy(
    path: str | Path,
    sampling_rate: float | None = None,
    channel_names: list[str] | None = None,
    units: str | list[str] = "",
) -> Record:
    """Read a ``.npy`` array (``sampling_rate`` required).

    Parameters
    ----------
    path : str or Path
        The file.
    sampling_rate : float
        Samples per second (a ``.npy`` file does not carry it).
    channel_names : list of str, optional
        Default ``ch1, ch2 ...``.
    units : str or list of str
        Physical unit (one for all channels, or one per channel).
    """
    path = Path(path)
    data = _load(path)
    if not isinstance(data, np.ndarray):
        data.close()
        raise DataError(path, "an .npz archive with an .npy name; rename it to .npz")
    signal = _as_signal(data, path)
    fs = check_sampling_rate(sampling_rate, path)
    n = signal.shape[1] if signal.ndim == 2 else 1
    unit_list = [units] * n if isinstance(units, str) else list(units)
    return Record(
        name=path.stem,
        signal=signal,
        sampling_rate=fs,
        channel_names=_names(n, channel_names, "channel names", [f"ch{i + 1}" for i in range(n)], path),
        units=_names(n, unit_list, "units", [], path),
        source=path,
    )


def _scalar(archive: np.lib.npyio.NpzFile, key: str, path: Path) -> object:
    value = archive[key]
    if value.size != 1:
        raise DataError(path, f"key {key!r} must hold one value, got shape {value.shape}")
    return value.reshape(()).item()


def read_npz(
    path: str | Path,
    sampling_rate: float | None = None,
    channel_names: list[str] | None = None,
    units: str | list[str] | None = None,
) -> Record:
    """Read an ``.npz`` archive (see the module notes for its keys).

    Parameters
    ----------
    path : str or Path
        The file.
    sampling_rate : float, optional
        Required when the archive has no ``fs`` / ``sampling_rate`` key; must agree with it
        otherwise.
    channel_names, units : optional
        Override the archive's.
    """
    path = Path(path)
    archive = _load(path)
    if isinstance(archive, np.ndarray):
        raise DataError(path, "a single .npy array with an .npz name; rename it to .npy")
    with archive:
        try:
            keys = list(archive.files)
            arrays = [k for k in keys if k not in META_KEYS]
            key = "signal" if "signal" in keys else arrays[0] if len(arrays) == 1 else None
            if key is None:
                raise DataError(path, f"no 'signal' array (keys: {keys}); name the signal 'signal'")
            signal = _as_signal(archive[key], path)
            rate_keys = [k for k in RATE_KEYS if k in keys]
            found = _scalar(archive, rate_keys[0], path) if rate_keys else None
            if found is not None:
                found = check_sampling_rate(found, f"{path} (key {rate_keys[0]!r})")
            fs = check_sampling_rate(sampling_rate, path, found=found)
            meta = {
                k: archive[k].reshape(-1).tolist() for k in ("channel_names", "units", "labels") if k in keys
            }
            patient = str(_scalar(archive, "patient_id", path)) if "patient_id" in keys else ""
        except DataError:
            raise
        except Exception as exc:  # a damaged member: zipfile, zlib, the .npy header parser ...
            raise DataError(path, f"not a readable NumPy archive: {_problem(exc)}") from None
    n = signal.shape[1] if signal.ndim == 2 else 1
    default_units = meta.get("units", [""] * n)
    unit_list = [units] * n if isinstance(units, str) else units if units is not None else default_units
    return Record(
        name=path.stem,
        signal=signal,
        sampling_rate=fs,
        channel_names=_names(
            n,
            channel_names or meta.get("channel_names"),
            "channel names",
            [f"ch{i + 1}" for i in range(n)],
            path,
        ),
        units=_names(n, unit_list, "units", [], path),
        patient_id=patient,
        labels=[str(x) for x in meta.get("labels", [])],
        source=path,
    )
