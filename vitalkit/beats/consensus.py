"""Consensus R-peak detection: several detectors vote, a rhythm-aware second pass decides.

Single QRS detectors fail in different places (large P or T waves, noise, low-amplitude or
wide ectopic beats), so their agreement is a better detector than any of them. The steps:

1. **Alignment.** Each member's detections are moved to the peak of a QRS energy envelope
   (5-25 Hz band-pass, squared, 80 ms moving average): first the member's typical lag to
   that peak is estimated on the record itself (median over its detections, within
   ±150 ms; no reference is used), then every detection shifted by the lag is snapped to the
   envelope maximum within ±50 ms. Detectors that report the integration window rather than
   the R peak (Pan-Tompkins, Hamilton, Elgendi: 45-75 ms late) then agree with the others.
2. **Votes.** Every aligned detection is a candidate; its votes are the number of members
   with a detection within ±40 ms.
3. **One candidate per beat.** Candidates are taken in order of priority
   ``votes + 3 * min(relative amplitude, 1.5)`` and dropped when a kept one lies within
   250 ms (the shortest RR interval on MIT-BIH is 283 ms). The relative amplitude is the
   envelope value over the median envelope of strong candidates within ±10 s, so a P wave
   flagged by a few detectors loses against the QRS complex beside it.
4. **Decision.** Candidates with ``strong`` votes or more are beats. Weaker ones (at least
   ``weak`` votes) are accepted, strongest first, only where a beat is missing: the
   distance between the neighbouring accepted beats is at least ``gap`` times the local
   median RR (9 intervals), the candidate is at least ``near`` RR from both, and it has
   ``confirm`` votes or a relative amplitude of ``min_amplitude``. Candidates with fewer
   votes are a last search-back in longer gaps (``search_gap``) if their relative amplitude
   reaches ``search_amplitude``. Candidates below ``floor_amplitude`` (5 % of the local
   QRS energy) are never beats unless ``unanimous`` members agree: in long sinus pauses
   several detectors otherwise fire on P waves. Candidates within ``edge_s`` (50 ms, half
   a QRS complex) of either end of the signal are beats only with ``strong`` votes: there
   the filters' edge transients make a few detectors fire on a QRS complex cut by the end.
5. **Refinement.** Each beat is moved to the largest ``|x|`` of the 8-20 Hz band-passed
   signal within ±40 ms: the sharpest deflection of the QRS, whatever its polarity, which
   is where MIT-BIH annotations sit (median offset 0 ms).

The default thresholds were chosen on the MIT-BIH Arrhythmia Database itself (all 48
records): the benchmark of this detector with them is therefore in-sample, like that of the
classic detectors that were tuned on the same data. :mod:`vitalkit.beats.selection`
(``vitalkit benchmark qrs --select``) chooses them out of sample instead: a grid scored on
DS1 only, the best setting then reported on DS2 and the paced records as held out.

Examples
--------
>>> import numpy as np
>>> from vitalkit.beats.consensus import consensus_rpeaks
>>> x = np.zeros(3600); x[[360, 720, 1080, 1440, 1800, 2160, 2520, 2880, 3240]] = 1.0
>>> members = [np.array([361, 721, 1081, 1441, 1801, 2161, 2521, 2881, 3241])] * 5
>>> consensus_rpeaks(x, 360.0, members).tolist()[:3]
[360, 720, 1080]
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy import signal as sps


@dataclass(frozen=True)
class ConsensusRule:
    """Thresholds of the decision step (see the module docstring), in votes and ratios."""

    strong: int = 5
    weak: int = 2
    confirm: int = 3
    min_amplitude: float = 0.2
    gap: float = 1.3
    near: float = 0.3
    search_gap: float = 1.7
    search_amplitude: float = 0.5
    floor_amplitude: float = 0.05
    unanimous: int = 9
    edge_s: float = 0.05
    vote_window_s: float = 0.04
    refractory_s: float = 0.25
    amplitude_weight: float = 3.0


@functools.lru_cache(maxsize=32)
def _bandpass_sos(fs: float, low: float, high: float) -> np.ndarray:
    """The 2nd-order Butterworth band-pass, designed once per setting (a quarter of the consensus's
    own time on a 10-s segment went to designing it). Callers must not write into it."""
    return sps.butter(2, [low, min(high, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")


def _bandpass(x: np.ndarray, fs: float, low: float, high: float) -> np.ndarray:
    return sps.sosfiltfilt(_bandpass_sos(float(fs), low, high), x)


def qrs_envelope(signal: np.ndarray, sampling_rate: float) -> np.ndarray:
    """QRS energy envelope: 5-25 Hz band-pass, squared, 80 ms moving average.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(720); x[360] = 1.0
    >>> int(np.argmax(qrs_envelope(x, 360.0)))
    360
    """
    e = _bandpass(np.asarray(signal, dtype=np.float64), sampling_rate, 5.0, 25.0) ** 2
    return ndimage.uniform_filter1d(e, max(1, round(0.08 * sampling_rate)), mode="nearest")


def _argmax_near(values: np.ndarray, peaks: np.ndarray, lo: int, hi: int) -> np.ndarray:
    idx = np.clip(peaks[:, None] + np.arange(lo, hi + 1)[None, :], 0, values.size - 1)
    return idx[np.arange(peaks.size), values[idx].argmax(axis=1)]


def align_to_envelope(
    envelope: np.ndarray,
    peaks: np.ndarray,
    sampling_rate: float,
    search_s: float = 0.15,
    snap_s: float = 0.05,
) -> np.ndarray:
    """Move detections to the envelope peak, correcting the detector's typical lag first.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.zeros(2000); env[[300, 800, 1300]] = 1.0
    >>> align_to_envelope(env, np.array([330, 831, 1329]), 360.0).tolist()  # a 30-sample lag
    [300, 800, 1300]
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    if peaks.size == 0:
        return peaks
    wide, snap = round(search_s * sampling_rate), round(snap_s * sampling_rate)
    lag = int(np.median(_argmax_near(envelope, peaks, -wide, wide) - peaks))
    return np.unique(_argmax_near(envelope, peaks + lag, -snap, snap))


def refine_rpeaks(
    signal: np.ndarray, sampling_rate: float, peaks: np.ndarray, window_s: float = 0.04
) -> np.ndarray:
    """Move each peak to the largest ``|x|`` of the 8-20 Hz band-passed signal within ±window.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(3600); x[1000] = -2.0  # an inverted QRS
    >>> refine_rpeaks(x, 360.0, np.array([990])).tolist()
    [1000]
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    if peaks.size == 0:
        return peaks
    band = np.abs(_bandpass(np.asarray(signal, dtype=np.float64), sampling_rate, 8.0, 20.0))
    w = round(window_s * sampling_rate)
    return np.unique(_argmax_near(band, peaks, -w, w))


def _votes(candidates: np.ndarray, aligned: Sequence[np.ndarray], window: int) -> np.ndarray:
    votes = np.zeros(candidates.size, dtype=np.int64)
    for a in aligned:
        if a.size == 0:
            continue
        j = np.searchsorted(a, candidates)
        after = np.abs(a[np.clip(j, 0, a.size - 1)] - candidates)
        before = np.abs(a[np.clip(j - 1, 0, a.size - 1)] - candidates)
        votes += np.minimum(after, before) <= window
    return votes


def _relative_amplitude(pos: np.ndarray, amp: np.ndarray, strong: np.ndarray, half: int) -> np.ndarray:
    sp, sa = pos[strong], amp[strong]
    if sa.size == 0:
        return amp / (np.max(amp) or 1.0)
    lo, hi = np.searchsorted(sp, pos - half), np.searchsorted(sp, pos + half)
    ref = np.array([np.median(sa[a:b]) if b > a else np.nan for a, b in zip(lo, hi, strict=True)])
    ref = np.where(np.isnan(ref), np.median(sa), ref)
    return amp / np.where(ref > 0, ref, 1.0)


def _one_per_beat(pos: np.ndarray, priority: np.ndarray, refractory: int) -> np.ndarray:
    kept = np.zeros(pos.size, dtype=bool)
    taken: list[int] = []
    for i in np.argsort(-priority, kind="stable"):
        k = bisect.bisect_left(taken, pos[i])
        if (k > 0 and pos[i] - taken[k - 1] < refractory) or (
            k < len(taken) and taken[k] - pos[i] < refractory
        ):
            continue
        bisect.insort(taken, int(pos[i]))
        kept[i] = True
    return kept


def _fill_gaps(
    pos: np.ndarray, accepted: np.ndarray, eligible: np.ndarray, order: np.ndarray, gap: float, near: float
) -> None:
    """Accept eligible candidates (in ``order``) that sit in a gap missing a beat (in place)."""
    for i in order:
        if not eligible[i]:
            continue
        acc = np.flatnonzero(accepted)
        k = np.searchsorted(pos[acc], pos[i])
        if k == 0 or k == acc.size:
            accepted[i] = True
            continue
        prev, nxt = pos[acc[k - 1]], pos[acc[k]]
        rr = np.diff(pos[acc[max(0, k - 9) : min(acc.size, k + 8)]])
        m = float(np.median(rr))
        if nxt - prev >= gap * m and pos[i] - prev >= near * m and nxt - pos[i] >= near * m:
            accepted[i] = True


def consensus_rpeaks(
    signal: np.ndarray,
    sampling_rate: float,
    member_peaks: Sequence[np.ndarray],
    rule: ConsensusRule | None = None,
) -> np.ndarray:
    """Combine several detectors' R peaks (see the module docstring).

    Parameters
    ----------
    signal : np.ndarray
        1-D ECG (raw or filtered; only band-passed versions of it are used).
    sampling_rate : float
        Samples per second.
    member_peaks : sequence of np.ndarray
        Each member detector's peak indices.
    rule : ConsensusRule, optional
        Decision thresholds (the defaults were tuned for the 10 members of
        :data:`vitalkit.beats.detect.CONSENSUS_MEMBERS`).

    Returns
    -------
    np.ndarray
        Sorted R-peak indices.
    """
    rule = rule or ConsensusRule()
    x = np.asarray(signal, dtype=np.float64)
    env = qrs_envelope(x, sampling_rate)
    aligned = [align_to_envelope(env, np.asarray(p, dtype=np.int64), sampling_rate) for p in member_peaks]
    if not any(a.size for a in aligned):
        return np.empty(0, dtype=np.int64)
    cand = np.unique(np.concatenate(aligned))
    votes = _votes(cand, aligned, round(rule.vote_window_s * sampling_rate))
    edge = round(rule.edge_s * sampling_rate)
    keep = ((cand >= edge) & (cand < x.size - edge)) | (votes >= rule.strong)
    cand, votes = cand[keep], votes[keep]
    rel = _relative_amplitude(cand, env[cand], votes >= rule.strong, round(10 * sampling_rate))
    priority = votes + rule.amplitude_weight * np.minimum(rel, 1.5)
    kept = _one_per_beat(cand, priority, round(rule.refractory_s * sampling_rate))
    pos, votes, rel, priority = cand[kept], votes[kept], rel[kept], priority[kept]
    plausible = (rel >= rule.floor_amplitude) | (votes >= rule.unanimous)
    accepted = (votes >= rule.strong) & plausible
    order = np.argsort(-priority, kind="stable")
    weak = plausible & (votes >= rule.weak) & ((votes >= rule.confirm) | (rel >= rule.min_amplitude))
    _fill_gaps(pos, accepted, weak & ~accepted, order, rule.gap, rule.near)
    search = (votes >= 1) & (rel >= rule.search_amplitude)
    _fill_gaps(pos, accepted, search & ~accepted, order, rule.search_gap, rule.near)
    return refine_rpeaks(x, sampling_rate, pos[accepted])
