"""Rhythm episodes from annotation files: ``+`` rhythm changes, ``[``/``]`` VF markers, ``~`` noise.

A record's :class:`Timeline` holds non-overlapping rhythm intervals covering the whole record
and, separately, its noisy stretches. Rules (the same for every database):

- A ``+`` annotation starts the rhythm named by its auxiliary note (:func:`rhythm_name`); it
  lasts until the next ``+`` or the end of the record. Before the first ``+`` the rhythm is
  ``'U'`` (unlabelled).
- ``[`` starts a ventricular fibrillation/flutter episode (cudb) that lasts until the next
  ``]`` or, when there is none, to the end of the record; it overrides the ``+`` rhythm.
- A ``~`` annotation whose WFDB subtype marks the analysed channel noisy (bit ``c``) or
  unreadable (bit ``4 + c``, or -1) starts a noisy stretch; the next ``~`` that clears it ends it.
- A ``VT`` episode is ``VTfast`` when its rate exceeds ``fast_vt_bpm``. The rate is
  ``60 / median RR`` of the annotated beats inside the episode; with fewer than 3 annotated
  beats the R peaks are detected in the episode's signal (neurokit2); when neither gives 2 RR
  intervals the rate is unknown and the episode stays ``VT``.

Examples
--------
>>> import numpy as np
>>> from vitalkit.data.records import Annotations
>>> ann = Annotations(np.array([0, 100, 300, 500]), np.array(["+", "[", "]", "+"], dtype=object),
...                   np.array(["(N", "", "", "(AFIB"], dtype=object))
>>> t = record_timeline(ann, 1000, 250.0)
>>> t.rhythm[["start", "end", "rhythm"]].values.tolist()
[[0, 100, 'N'], [100, 300, 'VF'], [300, 500, 'N'], [500, 1000, 'AFIB']]
>>> t.episodes({"VF"})[["start", "end"]].values.tolist()
[[100, 300]]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vitalkit.data.records import Annotations
from vitalkit.labels import QRS_SYMBOLS
from vitalkit.rhythm.rhythms import rhythm_name

COLUMNS = ["start", "end", "rhythm", "rate_bpm"]


def _merge_runs(starts: np.ndarray, ends: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Join neighbouring intervals of the same rhythm; drop empty ones."""
    rows: list[list] = []
    for s, e, name in zip(starts.tolist(), ends.tolist(), names, strict=True):
        if e <= s:
            continue
        if rows and rows[-1][2] == name and rows[-1][1] == s:
            rows[-1][1] = e
        else:
            rows.append([s, e, name])
    return pd.DataFrame(rows, columns=["start", "end", "rhythm"]).astype({"start": np.int64, "end": np.int64})


def rhythm_intervals(annotations: Annotations, n_samples: int) -> pd.DataFrame:
    """Intervals ``[start, end)`` of the rhythms named by ``+`` annotations (``'U'`` before the first).

    Examples
    --------
    >>> from vitalkit.data.records import Annotations
    >>> ann = Annotations(np.array([50, 80]), np.array(["+", "+"], dtype=object),
    ...                   np.array(["(N", "(VT"], dtype=object))
    >>> rhythm_intervals(ann, 100).values.tolist()
    [[0, 50, 'U'], [50, 80, 'N'], [80, 100, 'VT']]
    """
    is_rhythm = annotations.symbol.astype(str) == "+"
    samples = np.clip(annotations.sample[is_rhythm], 0, n_samples)
    names = [rhythm_name(a) for a in annotations.aux_note[is_rhythm]]
    starts = np.concatenate([[0], samples])
    ends = np.concatenate([samples, [n_samples]])
    return _merge_runs(starts, ends, ["U", *names])


def marker_intervals(
    annotations: Annotations, n_samples: int, onset: str = "[", offset: str = "]"
) -> pd.DataFrame:
    """Episodes between ``onset`` and ``offset`` markers; an unclosed one runs to the record end.

    Examples
    --------
    >>> from vitalkit.data.records import Annotations
    >>> ann = Annotations(np.array([10, 20, 70]), np.array(["[", "]", "["], dtype=object),
    ...                   np.array(["", "", ""], dtype=object))
    >>> marker_intervals(ann, 100).values.tolist()
    [[10, 20], [70, 100]]
    """
    rows, start = [], None
    for sample, symbol in zip(
        annotations.sample.tolist(), annotations.symbol.astype(str).tolist(), strict=True
    ):
        if symbol == onset and start is None:
            start = sample
        elif symbol == offset and start is not None:
            rows.append([start, sample])
            start = None
    if start is not None:
        rows.append([start, n_samples])
    return pd.DataFrame(rows, columns=["start", "end"], dtype=np.int64)


def _noisy(subtype: int, channel: int) -> bool:
    return subtype == -1 or bool((subtype >> channel) & 1) or bool((subtype >> (4 + channel)) & 1)


def noise_intervals(annotations: Annotations, n_samples: int, channel: int = 0) -> pd.DataFrame:
    """Stretches where ``~`` annotations mark channel ``channel`` noisy or unreadable.

    Annotations without subtypes (not read from a WFDB file) mark no noise.

    Examples
    --------
    >>> from vitalkit.data.records import Annotations
    >>> ann = Annotations(np.array([10, 40, 60, 90]), np.array(["~"] * 4, dtype=object),
    ...                   np.array([""] * 4, dtype=object), np.array([1, 0, 2, 0]))
    >>> noise_intervals(ann, 100, channel=0).values.tolist(), noise_intervals(ann, 100, 1).values.tolist()
    ([[10, 40]], [[60, 90]])
    """
    rows, start = [], None
    if annotations.subtype is not None:
        is_noise = annotations.symbol.astype(str) == "~"
        for sample, sub in zip(
            annotations.sample[is_noise].tolist(), annotations.subtype[is_noise].tolist(), strict=True
        ):
            if _noisy(int(sub), channel):
                start = sample if start is None else start
            elif start is not None:
                rows.append([start, sample])
                start = None
    if start is not None:
        rows.append([start, n_samples])
    return pd.DataFrame(rows, columns=["start", "end"], dtype=np.int64)


def episode_rate(
    beat_samples: np.ndarray,
    start: int,
    end: int,
    sampling_rate: float,
    signal: np.ndarray | None = None,
) -> float:
    """Rate in beats per minute of an episode: ``60 / median RR`` of the beats inside it.

    With fewer than 3 beats given inside ``[start, end)`` and a ``signal``, R peaks are
    detected in the episode (neurokit2, :func:`~vitalkit.beats.ecg_rpeaks`). NaN when there
    are not 2 RR intervals either way.

    Examples
    --------
    >>> round(episode_rate(np.arange(0, 2500, 75), 0, 2500, 250.0))  # RR 0.3 s
    200
    """
    beats = np.asarray(beat_samples)
    inside = np.sort(beats[(beats >= start) & (beats < end)])
    if inside.size < 3 and signal is not None and end - start >= 2 * sampling_rate:
        from vitalkit.beats.detect import ecg_rpeaks

        segment = np.asarray(signal[start:end], dtype=np.float64)
        if np.isfinite(segment).all():
            inside = start + ecg_rpeaks(segment, sampling_rate)
    if inside.size < 3:
        return float("nan")
    return float(60.0 * sampling_rate / np.median(np.diff(inside)))


@dataclass
class Timeline:
    """The rhythm intervals and noisy stretches of one record (samples at ``sampling_rate``).

    Attributes
    ----------
    rhythm : pandas.DataFrame
        Columns ``start``, ``end`` (exclusive), ``rhythm`` (:data:`RHYTHMS` name) and
        ``rate_bpm`` (VT episodes; NaN elsewhere); contiguous, covering the record.
    noise : pandas.DataFrame
        Columns ``start``, ``end`` of noisy stretches.
    n_samples : int
        Record length.
    sampling_rate : float
        Samples per second.
    """

    rhythm: pd.DataFrame
    noise: pd.DataFrame
    n_samples: int
    sampling_rate: float

    def episodes(self, rhythms: Iterable[str]) -> pd.DataFrame:
        """Maximal intervals whose rhythm is one of ``rhythms`` (neighbours of two such rhythms join)."""
        wanted = set(rhythms)
        rows = self.rhythm[self.rhythm["rhythm"].isin(wanted)]
        merged = _merge_runs(rows["start"].to_numpy(), rows["end"].to_numpy(), ["x"] * len(rows))
        out = merged[["start", "end"]].copy()
        out["rhythm"] = [
            "+".join(sorted(set(rows.loc[(rows.start >= s) & (rows.end <= e), "rhythm"])))
            for s, e in zip(out["start"], out["end"], strict=True)
        ]
        out["duration_s"] = (out["end"] - out["start"]) / self.sampling_rate
        return out.reset_index(drop=True)

    def codes(self, vocabulary: list[str]) -> np.ndarray:
        """Rhythm of every sample as an index into ``vocabulary`` (int16)."""
        index = {name: i for i, name in enumerate(vocabulary)}
        out = np.empty(self.n_samples, dtype=np.int16)
        for s, e, name in zip(self.rhythm["start"], self.rhythm["end"], self.rhythm["rhythm"], strict=True):
            out[s:e] = index[name]
        return out

    def noise_mask(self) -> np.ndarray:
        """True for every noisy sample."""
        mask = np.zeros(self.n_samples, dtype=bool)
        for s, e in zip(self.noise["start"], self.noise["end"], strict=True):
            mask[s:e] = True
        return mask

    def window_labels(self, starts: np.ndarray, length: int) -> pd.DataFrame:
        """Majority rhythm of each window ``[start, start + length)``, its share and the noisy share.

        Returns
        -------
        pandas.DataFrame
            ``rhythm`` (covering most of the window; ties go to the rhythm listed first in
            the record), ``coverage`` (its share of the window, 0-1) and ``noise`` (noisy share).
        """
        vocabulary = list(dict.fromkeys(self.rhythm["rhythm"]))
        codes = self.codes(vocabulary)
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.minimum(starts + length, self.n_samples)
        counts = np.zeros((starts.size, len(vocabulary)))
        for k in range(len(vocabulary)):
            cum = np.concatenate([[0], np.cumsum(codes == k)])
            counts[:, k] = cum[ends] - cum[np.minimum(starts, self.n_samples)]
        noise_cum = np.concatenate([[0], np.cumsum(self.noise_mask())])
        best = counts.argmax(axis=1)
        return pd.DataFrame(
            {
                "rhythm": [vocabulary[b] for b in best],
                "coverage": counts[np.arange(starts.size), best] / length,
                "noise": (noise_cum[ends] - noise_cum[np.minimum(starts, self.n_samples)]) / length,
            }
        )


def record_timeline(
    annotations: Annotations | None,
    n_samples: int,
    sampling_rate: float,
    channel: int = 0,
    fast_vt_bpm: float = 180.0,
    signal: np.ndarray | None = None,
    record_rhythm: str | None = None,
) -> Timeline:
    """Build a record's :class:`Timeline` from its annotations (rules in the module docstring).

    Parameters
    ----------
    annotations : Annotations or None
        The record's reference annotations (None with ``record_rhythm``).
    n_samples : int
        Record length.
    sampling_rate : float
        Samples per second.
    channel : int
        Index of the analysed signal in the annotation file's record (for ``~`` subtypes).
    fast_vt_bpm : float
        VT episodes faster than this are ``VTfast``.
    signal : np.ndarray, optional
        The analysed channel, to detect beats in VT episodes without annotated beats.
    record_rhythm : str, optional
        One rhythm for the whole record (CinC 2017 record labels).
    """
    if record_rhythm is not None or annotations is None:
        rhythm = pd.DataFrame({"start": [0], "end": [n_samples], "rhythm": [record_rhythm or "U"]})
        rhythm["rate_bpm"] = np.nan
        empty = pd.DataFrame(columns=["start", "end"], dtype=np.int64)
        return Timeline(rhythm, empty, n_samples, sampling_rate)
    base = rhythm_intervals(annotations, n_samples)
    vf = marker_intervals(annotations, n_samples)
    cuts = np.unique(np.concatenate([base["start"], base["end"], vf["start"], vf["end"]]))
    starts, ends = cuts[:-1], cuts[1:]
    at = np.searchsorted(base["start"].to_numpy(), starts, side="right") - 1
    names = base["rhythm"].to_numpy()[at].tolist()
    for s, e in zip(vf["start"], vf["end"], strict=True):
        for i in np.flatnonzero((starts >= s) & (ends <= e)):
            names[i] = "VF"
    rhythm = _merge_runs(starts, ends, names)
    beats = annotations.sample[np.isin(annotations.symbol.astype(str), list(QRS_SYMBOLS))]
    rates = []
    for s, e, name in zip(rhythm["start"], rhythm["end"], rhythm["rhythm"], strict=True):
        rates.append(episode_rate(beats, s, e, sampling_rate, signal) if name == "VT" else np.nan)
    rhythm["rate_bpm"] = rates
    fast = (rhythm["rhythm"] == "VT") & (rhythm["rate_bpm"] > fast_vt_bpm)
    rhythm.loc[fast, "rhythm"] = "VTfast"
    noise = noise_intervals(annotations, n_samples, channel)
    return Timeline(rhythm[COLUMNS].reset_index(drop=True), noise, n_samples, sampling_rate)
