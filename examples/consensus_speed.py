"""The consensus R-peak detector against its library code path: identical detections, time per input.

"Library path": every member cleans the signal itself, wfdb's ``find_local_peaks`` inside XQRS,
neurokit2's own ``elgendi2010``, ``khamis2016``, ``hamilton2002`` and ``rodrigues2021`` (what
VitalKit ran before ``vitalkit.beats.exact_speedups``).
"This code": ``ecg_rpeaks(x, fs, "consensus")``. Both run alternately in one process, so the
ratio holds on a shared machine. README, "Consensus detector, same detections in less time".

Usage::

    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/consensus_speed.py --records ALL
    VITALKIT_DATA_DIR=../shared/data .venv/bin/python examples/consensus_speed.py --segments
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from unittest import mock

import numpy as np
from wfdb.processing import peaks as wfdb_peaks
from wfdb.processing import qrs as wfdb_qrs

from vitalkit.beats import detect
from vitalkit.beats.detect import _neurokit, consensus_from_members, ecg_rpeaks
from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_wfdb

SEGMENT_RECORDS = ("100", "105", "119", "208", "213", "232")


def library_path(x: np.ndarray, fs: float) -> np.ndarray:
    """The consensus as computed before the speedups (each member on its own, library scans)."""
    with (
        mock.patch.object(wfdb_qrs, "find_local_peaks", wfdb_peaks.find_local_peaks),
        mock.patch.dict(
            detect.DETECTORS,
            {
                "elgendi2010": _neurokit("elgendi2010", "elgendi2010"),
                "khamis2016": _neurokit("khamis2016", "neurokit"),
                "hamilton2002": _neurokit("hamilton2002", "hamilton2002"),
                "rodrigues2021": _neurokit("rodrigues2021", "neurokit"),
            },
        ),
    ):
        return consensus_from_members(x, fs, lambda m: ecg_rpeaks(x, fs, m))


def timed(fn: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def signal_of(record: str) -> tuple[np.ndarray, float]:
    (base,) = ensure_records("mitdb", [record])
    rec = read_wfdb(base)
    return rec.signal[:, 0], rec.sampling_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="ALL", help="MIT-BIH records (a set name or one record)")
    parser.add_argument("--segments", action="store_true", help="10-s segments instead of whole records")
    args = parser.parse_args()
    if args.segments:
        inputs = []
        for record in SEGMENT_RECORDS:
            x, fs = signal_of(record)
            starts = [int((60 + 150 * k) * fs) for k in range(10)]
            inputs += [(f"{record}@{s}", x[s : s + int(10 * fs)], fs) for s in starts]
        inputs = inputs * 3
    else:
        inputs = [(r, *signal_of(r)) for r in mitdb.resolve_records(args.records)]
    old_t, new_t, same = [], [], 0
    for name, x, fs in inputs:
        new, t_new = timed(lambda x=x, fs=fs: ecg_rpeaks(x, fs, "consensus"))
        old, t_old = timed(lambda x=x, fs=fs: library_path(x, fs))
        new_t.append(t_new)
        old_t.append(t_old)
        same += bool(np.array_equal(new, old))
        if not args.segments:
            verdict = "identical" if np.array_equal(new, old) else f"DIFFERENT ({len(old)})"
            print(name, len(new), verdict, flush=True)
    old_ms, new_ms = np.array(old_t) * 1e3, np.array(new_t) * 1e3
    print(f"identical {same}/{len(inputs)}")
    for label, ms in (("library path", old_ms), ("this code", new_ms)):
        total, median, p99 = ms.sum() / 1e3, np.median(ms), np.percentile(ms, 99)
        print(f"{label}: total {total:.1f} s, median {median:.1f} ms, p99 {p99:.1f} ms")
    ratio_total, ratio_median = old_ms.sum() / new_ms.sum(), np.median(old_ms) / np.median(new_ms)
    print(f"ratio of totals {ratio_total:.2f}, of medians {ratio_median:.2f}")


if __name__ == "__main__":
    main()
