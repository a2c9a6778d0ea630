"""Beat windows around R peaks and RR-interval features.

Examples
--------
>>> import numpy as np
>>> from vitalkit.beats.segment import beat_windows
>>> w, keep = beat_windows(np.arange(1000.0), np.array([5, 500, 995]), 100.0, 0.1, 0.2)
>>> w.shape, keep.tolist()
((1, 30), [False, True, False])
"""

from __future__ import annotations

import numpy as np


def beat_windows(
    signal: np.ndarray,
    peaks: np.ndarray,
    sampling_rate: float,
    before_s: float,
    after_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut fixed-length windows around R peaks.

    Parameters
    ----------
    signal : np.ndarray
        1-D filtered ECG.
    peaks : np.ndarray
        R-peak sample indices.
    sampling_rate : float
        Samples per second.
    before_s, after_s : float
        Window extent before and after the peak, in seconds.

    Returns
    -------
    windows : np.ndarray
        ``(n_kept, round(before_s*fs) + round(after_s*fs))`` float32.
    keep : np.ndarray
        Boolean mask over ``peaks``: false where the window would leave the signal.
    """
    before = round(before_s * sampling_rate)
    after = round(after_s * sampling_rate)
    peaks = np.asarray(peaks, dtype=np.int64)
    keep = (peaks - before >= 0) & (peaks + after <= len(signal))
    starts = peaks[keep] - before
    index = starts[:, None] + np.arange(before + after)[None, :]
    return np.asarray(signal, dtype=np.float32)[index], keep


def rr_features(
    peaks: np.ndarray, sampling_rate: float, local_beats: int = 10, max_rr_s: float = 3.0
) -> np.ndarray:
    """RR-interval features of every beat, in seconds (columns: :data:`vitalkit.samples.RR_FEATURES`).

    The first beat's previous RR is taken equal to its next RR and the last beat's next RR
    to its previous one, so every beat has a value.

    Parameters
    ----------
    peaks : np.ndarray
        Sorted R-peak sample indices of all beats of a record (any class).
    sampling_rate : float
        Samples per second.
    local_beats : int
        Number of intervals averaged for ``rr_local`` (causal: only past beats).
    max_rr_s : float
        Intervals are clipped at this value before anything else: gaps longer than a few
        seconds are stretches without annotated beats (ventricular flutter in record 207,
        noise), not RR intervals, and would otherwise dominate the means.

    Returns
    -------
    np.ndarray
        ``(n_beats, 4)`` float32.
    """
    peaks = np.asarray(peaks, dtype=np.float64)
    n = peaks.size
    if n < 2:
        raise ValueError(f"need at least 2 beats for RR features, got {n}")
    rr = np.minimum(np.diff(peaks) / sampling_rate, max_rr_s)
    pre = np.concatenate([[rr[0]], rr])
    post = np.concatenate([rr, [rr[-1]]])
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    idx = np.arange(n)
    lo = np.maximum(idx + 1 - local_beats, 0)
    local = (csum[idx + 1] - csum[lo]) / (idx + 1 - lo)
    record = np.full(n, rr.mean())
    return np.stack([pre, post, local, record], axis=1).astype(np.float32)


def running_template(windows: np.ndarray, history: int = 32, chunk: int = 512) -> np.ndarray:
    """Each beat's template: the sample-wise median of the ``history`` beats before it.

    The template is what this patient's beats have recently looked like (mostly normal
    beats), computed without labels and without looking ahead, except for the first
    ``history`` beats of a record, which share the median of the record's first ``history``
    beats. Giving a classifier the beat *and* its patient's template turns "what does an S
    beat look like" into "how does this beat differ from this patient's usual beat", which is
    what generalizes across patients.

    Parameters
    ----------
    windows : np.ndarray
        ``(n, L)`` beat windows of one record, in time order.
    history : int
        Beats in the running median.
    chunk : int
        Beats processed at once (bounds memory to ``chunk * history * L`` values).

    Returns
    -------
    np.ndarray
        ``(n, L)`` float32 templates.

    Examples
    --------
    >>> w = np.vstack([np.zeros((40, 4)), np.ones((1, 4))])
    >>> running_template(w, history=8)[-1].tolist()   # the odd last beat is not its own template
    [0.0, 0.0, 0.0, 0.0]
    """
    n, length = windows.shape
    out = np.empty((n, length), dtype=np.float32)
    if n == 0:
        return out
    head = min(history, n)
    out[:head] = np.median(windows[:head], axis=0)
    for start in range(head, n, chunk):
        stop = min(start + chunk, n)
        idx = np.arange(start, stop)[:, None] - np.arange(1, history + 1)[None, :]
        out[start:stop] = np.median(windows[idx], axis=1)
    return out
