"""Unsupervised per-patient adaptation: smoothing a model's beat probabilities within a record.

A classifier trained on other patients decides every beat alone. Within one patient, beats of
one kind share their P wave, their QRS and their timing, so a beat the model is unsure of can
borrow from the beats of the same recording that look and time like it. Record smoothing
replaces each beat's probabilities by ``keep * own + (1 - keep) * mean of its neighbours``,
where the neighbours are the ``neighbours`` beats of the *same record* (itself included)
nearest in a per-record standardised description:

* the P-wave region (250 to 70 ms before R) of the primary lead, mean removed, at 12 points;
* the QRS region (70 ms before to 80 ms after R), at 9 points;
* the previous and next RR divided by the record's mean RR.

Each block is standardised within the record and weighted equally. No label of the record is
used (an unsupervised, transductive adaptation to the test patient, named as such in the model
card); it needs the whole record (look-ahead), as an offline Holter analysis does. Records
never mix. The setting was chosen by patient-grouped cross-validation over DS1 (README,
"Models and the inter-patient benchmark").

Examples
--------
>>> import numpy as np
>>> proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]])
>>> neighbours = np.array([[0, 1], [1, 2], [2, 1]])
>>> smooth_probabilities(proba, neighbours, keep=0.5).round(3).tolist()
[[0.775, 0.225], [0.35, 0.65], [0.25, 0.75]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from vitalkit.beats.features import _REGIONS_MS, _bin, _region

RR_INPUTS = ("rr_pre_record_mean", "rr_post_record_mean")
"""Beat-feature columns that time a beat against its record (``beat_features: transfer``)."""

P_POINTS = 12
QRS_POINTS = 9


@dataclass(frozen=True)
class RecordSmoothing:
    """How beat probabilities are smoothed within a record (see the module docstring).

    Parameters
    ----------
    neighbours : int
        Beats averaged, the beat itself included (1 turns smoothing off).
    keep : float
        Weight of the beat's own probabilities, in [0, 1].

    Examples
    --------
    >>> RecordSmoothing(neighbours=0).problems()
    ['record_smoothing.neighbours must be an integer >= 1, not 0']
    """

    neighbours: int = 10
    keep: float = 0.5

    @classmethod
    def from_params(cls, raw: Mapping[str, Any] | None) -> RecordSmoothing | None:
        """The setting from a parameter mapping (None when absent); unknown keys are errors."""
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise ValueError(f"record_smoothing must be a mapping {{neighbours, keep}}, not {raw!r}")
        unknown = sorted(set(raw) - {"neighbours", "keep"})
        if unknown:
            raise ValueError(f"record_smoothing: unknown keys {unknown}; use neighbours, keep")
        setting = cls(**raw)
        if setting.problems():
            raise ValueError("; ".join(setting.problems()))
        return setting

    def problems(self) -> list[str]:
        """What is wrong with the setting (empty when valid)."""
        out = []
        if isinstance(self.neighbours, bool) or not isinstance(self.neighbours, int) or self.neighbours < 1:
            out.append(f"record_smoothing.neighbours must be an integer >= 1, not {self.neighbours!r}")
        if isinstance(self.keep, bool) or not isinstance(self.keep, (int, float)) or not 0 <= self.keep <= 1:
            out.append(f"record_smoothing.keep must be a number in [0, 1], not {self.keep!r}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (model files, metadata)."""
        return asdict(self)


def beat_description(
    windows: np.ndarray,
    rr: np.ndarray,
    feature_names: Sequence[str],
    sampling_rate: float,
    before_s: float,
) -> list[np.ndarray]:
    """The three blocks that place a beat among its record's beats (P wave, QRS, RR timing).

    ``windows`` are ``(n, channels, length)`` beat windows (channel 0 is used), ``rr`` the
    beat-feature table with columns ``feature_names``. Rate-independent: regions are in ms
    and averaged to a fixed number of points.
    """
    missing = [c for c in RR_INPUTS if c not in feature_names]
    if missing:
        raise ValueError(f"record smoothing needs the beat features {missing} (beat_features: transfer)")
    fs = float(sampling_rate)
    before = round(before_s * fs)
    beats = np.asarray(windows, dtype=np.float64)[:, 0, :]
    beats = beats - np.median(beats, axis=1, keepdims=True)
    p = beats[:, _region(_REGIONS_MS["p"], fs, before)]
    p = _bin(p - p.mean(axis=1, keepdims=True), P_POINTS)
    qrs = _bin(beats[:, _region(_REGIONS_MS["qrs"], fs, before)], QRS_POINTS)
    timing = np.asarray(rr, dtype=np.float64)[:, [list(feature_names).index(c) for c in RR_INPUTS]]
    return [p, qrs, timing]


def record_neighbours(blocks: Sequence[np.ndarray], records: np.ndarray, neighbours: int) -> np.ndarray:
    """Indices ``(n, neighbours)`` of every beat's nearest beats of the same record (itself first,
    unless an identical beat ties with it).

    Each block is standardised within the record and divided by the square root of its width,
    so that the blocks weigh equally. Records shorter than ``neighbours`` beats repeat their
    farthest neighbour.
    """
    records = np.asarray(records)
    n = len(records)
    out = np.empty((n, neighbours), dtype=np.int64)
    for name in np.unique(records):
        rows = np.flatnonzero(records == name)
        parts = []
        for block in blocks:
            b = block[rows]
            b = (b - b.mean(axis=0)) / (b.std(axis=0) + 1e-9)
            parts.append(b / np.sqrt(b.shape[1]))
        space = np.nan_to_num(np.hstack(parts))
        k = min(neighbours, rows.size)
        idx = nearest_rows(space, k)
        if k < neighbours:
            idx = np.hstack([idx, np.repeat(idx[:, -1:], neighbours - k, axis=1)])
        out[rows] = rows[idx]
    return out


SMALL_RECORD_BEATS = 512
"""Records of at most this many beats (a served 10-s segment, a short recording) find their
neighbours by a direct distance matrix; longer ones through scikit-learn's
:class:`~sklearn.neighbors.NearestNeighbors`, whose set-up costs 15-40 ms per call, more than the
rest of classifying a 10-s segment."""


def nearest_rows(space: np.ndarray, k: int) -> np.ndarray:
    """Indices ``(n, k)`` of each row's ``k`` nearest rows of ``space`` (Euclidean), nearest first.

    Examples
    --------
    >>> nearest_rows(np.array([[0.0], [1.0], [5.0], [5.5]]), 2).tolist()
    [[0, 1], [1, 0], [2, 3], [3, 2]]
    """
    if space.shape[0] > SMALL_RECORD_BEATS:
        return NearestNeighbors(n_neighbors=k).fit(space).kneighbors(space, return_distance=False)
    squared = np.einsum("ij,ij->i", space, space)
    dist = squared[:, None] + squared[None, :] - 2.0 * space @ space.T
    np.fill_diagonal(dist, -np.inf)  # the beat itself first, as scikit-learn returns it
    idx = np.argpartition(dist, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(dist, idx, axis=1), axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


def smooth_probabilities(proba: np.ndarray, neighbours: np.ndarray, keep: float) -> np.ndarray:
    """``keep * proba + (1 - keep) * mean of proba over each beat's neighbours``."""
    proba = np.asarray(proba, dtype=np.float64)
    return keep * proba + (1.0 - keep) * proba[neighbours].mean(axis=1)


def smooth_beats(
    proba: np.ndarray,
    setting: RecordSmoothing | Mapping[str, Any] | None,
    windows: np.ndarray,
    rr: np.ndarray,
    feature_names: Sequence[str],
    records: np.ndarray,
    sampling_rate: float,
    before_s: float,
) -> np.ndarray:
    """Record-smoothed probabilities of beats (``proba`` unchanged when ``setting`` is None)."""
    if setting is None:
        return np.asarray(proba)
    if not isinstance(setting, RecordSmoothing):
        setting = RecordSmoothing(**setting)
    nbrs = beat_neighbours(windows, rr, feature_names, records, sampling_rate, before_s, setting.neighbours)
    return smooth_probabilities(proba, nbrs, setting.keep).astype(np.float32)


def beat_neighbours(
    windows: np.ndarray,
    rr: np.ndarray,
    feature_names: Sequence[str],
    records: np.ndarray,
    sampling_rate: float,
    before_s: float,
    neighbours: int,
) -> np.ndarray:
    """:func:`record_neighbours` of beats given as arrays: their windows, beat-feature table and
    record (what :func:`smooth_beats` averages over; ``vitalkit predict`` also writes them out)."""
    blocks = beat_description(windows, rr, feature_names, sampling_rate, before_s)
    return record_neighbours(blocks, records, neighbours)


def _beat_arrays(beats: Any) -> tuple[np.ndarray, np.ndarray, Sequence[str], np.ndarray, float, float]:
    """What :func:`beat_neighbours` and :func:`smooth_beats` take of a beat set, in their order:
    windows, beat-feature table, its column names, records, sampling rate, ``before_s``."""
    return beats.windows, beats.rr, beats.feature_names, beats.record, beats.sampling_rate, beats.before_s


def beat_set_neighbours(beats: Any, neighbours: int) -> np.ndarray:
    """:func:`record_neighbours` of the beats of a :class:`~vitalkit.beats.dataset.BeatSet`."""
    return beat_neighbours(*_beat_arrays(beats), neighbours)


def smooth_beat_set(
    proba: np.ndarray, setting: RecordSmoothing | Mapping[str, Any] | None, beats: Any
) -> np.ndarray:
    """:func:`smooth_beats` for the beats of a :class:`~vitalkit.beats.dataset.BeatSet`."""
    return smooth_beats(proba, setting, *_beat_arrays(beats))
