"""Consensus detection: voting, one beat per refractory period, gap filling, refinement."""

import numpy as np

from vitalkit.beats.consensus import (
    ConsensusRule,
    align_to_envelope,
    consensus_rpeaks,
    qrs_envelope,
    refine_rpeaks,
)

FS = 360.0


def _ecg(n_beats: int = 20, rr: int = 300, inverted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian QRS-like bumps (20 ms SD) every ``rr`` samples; returns signal and beat positions."""
    beats = np.arange(200, 200 + n_beats * rr, rr)
    t = np.arange(beats[-1] + 400)
    x = np.zeros(t.size)
    for b in beats:
        x += np.exp(-0.5 * ((t - b) / 7.0) ** 2)
    return (-x if inverted else x), beats


def test_majority_wins_and_minority_false_detections_are_dropped() -> None:
    x, beats = _ecg()
    good = [beats + d for d in (-3, 0, 2, 4, 1)]  # five detectors agree (with jitter)
    noisy = [np.sort(np.r_[beats, beats[:5] + 150])] * 2  # two also flag mid-RR bumps
    out = consensus_rpeaks(x, FS, good + noisy)
    assert out.tolist() == beats.tolist()  # refined back onto the true peaks


def test_missing_beat_is_filled_from_weak_votes_only_in_a_gap() -> None:
    x, beats = _ecg()
    strong = [np.delete(beats, 10)] * 6  # everyone but three misses beat 10
    weak = [beats] * 3
    out = consensus_rpeaks(x, FS, strong + weak)
    assert beats[10] in out
    rule = ConsensusRule(weak=4, search_amplitude=10.0)  # too few votes, no search-back
    assert beats[10] not in consensus_rpeaks(x, FS, strong + weak, rule)


def test_detector_lag_is_corrected_before_voting() -> None:
    x, beats = _ecg()
    env = qrs_envelope(x, FS)
    on_time = align_to_envelope(env, beats, FS)
    late = align_to_envelope(env, beats + 25, FS)  # like Pan-Tompkins: 70 ms after the R peak
    assert np.array_equal(late, on_time)
    assert np.abs(on_time - beats).max() <= 10  # the envelope of a symmetric bump is flat-topped


def test_refinement_finds_inverted_qrs() -> None:
    x, beats = _ecg(inverted=True)
    assert refine_rpeaks(x, FS, beats + 8).tolist() == beats.tolist()


def test_no_detections_gives_no_beats() -> None:
    x, _ = _ecg()
    assert consensus_rpeaks(x, FS, [np.array([], dtype=np.int64)] * 3).size == 0


def test_weak_candidates_at_the_signal_ends_are_dropped() -> None:
    x, beats = _ecg()
    end = x.size - 10  # a bump cut by the end of the signal, 28 ms before it
    x[end - 20 :] += np.exp(-0.5 * ((np.arange(x.size - end + 20) - 20) / 7.0) ** 2)
    weak = [np.r_[beats, end]] * 3 + [beats] * 6
    assert consensus_rpeaks(x, FS, weak).tolist() == beats.tolist()
    strong = [np.r_[beats, end]] * 6 + [beats] * 3
    assert consensus_rpeaks(x, FS, strong)[-1] >= end - 5
