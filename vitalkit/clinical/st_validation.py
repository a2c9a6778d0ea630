"""ST trends and episodes of QT Database records against the European ST-T annotations.

The 33 ``sele*`` records of the QT Database are 15-minute excerpts of the European ST-T
database and keep its ST episode annotations (:func:`vitalkit.data.qtdb.read_st_episodes`).
Each lead is measured with :func:`vitalkit.clinical.st.ecg_st`, trended over 10 s and
searched for episodes; a reference ST episode counts as *found* when an episode of ours in
the same lead and direction overlaps it in time, and an episode of ours is *confirmed*
when it overlaps a reference ST episode of that lead and direction.

The settings of ``reference="dominant"`` were chosen on :data:`EDB_TUNING` only;
:func:`agreement_by_half` reports the tuning half, the held-out half (:data:`EDB_HELDOUT`)
and all records apart.

Examples
--------
>>> result = record_st("sele0106")                                # doctest: +SKIP
>>> episode_agreement(result["episodes"], result["reference"])    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit import config
from vitalkit.beats import detect
from vitalkit.beats.detect import ecg_rpeaks
from vitalkit.clinical import delineate, st
from vitalkit.data import qtdb
from vitalkit.data.fingerprint import code_fingerprint, record_fingerprint
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.io import write_text

EDB_TUNING: tuple[str, ...] = tuple(
    "sele0104 sele0107 sele0110 sele0111 sele0112 sele0116 sele0121 sele0122 sele0136 "
    "sele0203 sele0210 sele0303 sele0406 sele0411 sele0606 sele0607 sele0704".split()
)
"""The tuning half of the 33 ``sele*`` records (17 records, 17 annotated ST episodes).

Fixed before any method was compared, from the record headers and the episode counts only:
records whose header gives the same age and sex may come from one patient, so they form a
group kept in one half (47 M: sele0104, 0110, 0116, 0136; 51 M: 0121, 0122; 58 M: 0124,
0126; 48 M: 0129, 0133; 61 M: 0170, 0603; 46 M: 0405, 0609; 52 M: 0107, 0112; 56 M: 0106,
0211; 45 M: 0406, 0411; every other record alone). Groups with annotated ST episodes, most
episodes first (ties by first record name), each go to the half with fewer episodes so far
(then fewer records; ties to this half); groups without episodes go to the half with fewer
records. Every setting of ``reference="dominant"`` (:data:`vitalkit.clinical.st.DOMINANT_SETTINGS`)
was chosen on these records only.
"""

EDB_HELDOUT: tuple[str, ...] = tuple(
    "sele0106 sele0114 sele0124 sele0126 sele0129 sele0133 sele0166 sele0170 "
    "sele0211 sele0405 sele0409 sele0509 sele0603 sele0604 sele0609 sele0612".split()
)
"""The held-out half (16 records, 16 annotated ST episodes): the rest of :data:`EDB_TUNING`'s split."""


def _tag() -> str:
    """Cache tag: the code of the delineator, the ST measurement and the R-peak detection."""
    return code_fingerprint(delineate, st, *detect.DETECTION_CODE)


def record_st_beats(record: str, data_dir: str | Path | None = None, use_cache: bool = True) -> pd.DataFrame:
    """Per-beat ST table of both leads of a QTDB record (column ``channel``), cached as CSV."""
    base = qtdb.record_path(record, data_dir)
    cache_file = config.cache_dir() / "qtdb_st" / _tag() / f"{record}-{record_fingerprint(base)}.csv"
    if use_cache and cache_file.is_file():
        # round_trip: the exact floats written below (the default parser can be 1 ulp off), so a warm
        # cache gives the cold cache's table
        return pd.read_csv(cache_file, float_precision="round_trip")
    rec = read_wfdb(base)
    try:
        rpeaks = ecg_rpeaks(rec.signal[:, 0], rec.sampling_rate)
        tables = [
            st.ecg_st(rec.signal[:, k], rec.sampling_rate, rpeaks).assign(channel=k)
            for k in range(rec.signal.shape[1])
        ]
    except ValueError as exc:
        raise DataError(base, f"cannot measure ST: {exc}") from None
    beats = pd.concat(tables, ignore_index=True)
    if use_cache:
        write_text(cache_file, beats.to_csv(index=False))
    return beats


def record_st(
    record: str,
    reference: str = "dominant",
    threshold_mv: float = 0.1,
    min_duration_s: float = 30.0,
    data_dir: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """ST beats, trends, our episodes and the annotated ST episodes of one record.

    ``reference`` is that of :func:`vitalkit.clinical.st.st_episodes` (one of
    :data:`vitalkit.clinical.st.REFERENCES`).

    Returns
    -------
    dict
        ``beats`` (per beat and channel), ``trend`` (10 s median, per channel),
        ``episodes`` (ours, with ``channel``) and ``reference`` (annotated ST episodes in
        seconds; open ends clipped to the excerpt).
    """
    beats = record_st_beats(record, data_dir)
    trends, episodes = [], []
    for channel, group in beats.groupby("channel"):
        trend = st.st_trend(group).assign(channel=channel)
        trends.append(trend)
        episodes.append(
            st.st_episodes(trend, threshold_mv, min_duration_s, reference=reference).assign(channel=channel)
        )
    base = qtdb.record_path(record, data_dir)
    duration = beats["time_s"].max()
    ref = qtdb.read_st_episodes(base) if record.startswith("sele") else pd.DataFrame(columns=["kind"])
    ref = ref[ref["kind"] == "ST"]
    reference_table = pd.DataFrame(
        {
            "channel": ref.get("channel", pd.Series(dtype=int)).astype(int),
            "direction": ref.get("direction", pd.Series(dtype=str)),
            "start_s": (ref.get("start", pd.Series(dtype=float)) / qtdb.SAMPLING_RATE).fillna(0.0),
            "end_s": (ref.get("end", pd.Series(dtype=float)) / qtdb.SAMPLING_RATE).fillna(duration),
            "extreme_mv": ref.get("extreme_mv", pd.Series(dtype=float)),
        }
    ).reset_index(drop=True)
    return {
        "beats": beats,
        "trend": pd.concat(trends, ignore_index=True),
        "episodes": pd.concat([e for e in episodes if len(e)] or episodes[:1], ignore_index=True),
        "reference": reference_table,
    }


def _overlaps(a: pd.Series, others: pd.DataFrame) -> bool:
    same = others[(others["channel"] == a["channel"]) & (others["direction"] == a["direction"])]
    return bool(((same["start_s"] <= a["end_s"]) & (same["end_s"] >= a["start_s"])).any())


def episode_agreement(episodes: pd.DataFrame, reference: pd.DataFrame) -> dict[str, int]:
    """Counts of reference episodes found and of our episodes confirmed.

    Examples
    --------
    >>> ours = pd.DataFrame({"channel": [0, 1], "direction": ["-", "+"],
    ...                      "start_s": [10.0, 0.0], "end_s": [60.0, 40.0]})
    >>> ref = pd.DataFrame({"channel": [0], "direction": ["-"], "start_s": [30.0], "end_s": [90.0]})
    >>> episode_agreement(ours, ref)
    {'reference': 1, 'found': 1, 'ours': 2, 'confirmed': 1}
    """
    found = sum(_overlaps(row, episodes) for _, row in reference.iterrows())
    confirmed = sum(_overlaps(row, reference) for _, row in episodes.iterrows())
    return {
        "reference": len(reference),
        "found": int(found),
        "ours": len(episodes),
        "confirmed": int(confirmed),
    }


def edb_st_table(
    records: str | Sequence[str] = "EDB", reference: str = "dominant", data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Per record: annotated ST episodes found, our episodes confirmed, and the ST range.

    The ``total`` row sums the counts.
    """
    rows = {}
    for record in qtdb.resolve_records(records):
        result = record_st(record, reference=reference, data_dir=data_dir)
        counts = episode_agreement(result["episodes"], result["reference"])
        trend = result["trend"]
        counts["st_min_mv"] = float(np.nanmin(trend["st_mv"])) if len(trend) else np.nan
        counts["st_max_mv"] = float(np.nanmax(trend["st_mv"])) if len(trend) else np.nan
        rows[record] = counts
    table = pd.DataFrame(rows).T
    table.loc["total"] = table[["reference", "found", "ours", "confirmed"]].sum()
    table.index.name = "record"
    return table


def agreement_by_half(table: pd.DataFrame) -> pd.DataFrame:
    """Se and +P of an :func:`edb_st_table` on the tuning half, the held-out half and all records.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-record counts (:func:`edb_st_table`; its ``total`` row is ignored).

    Returns
    -------
    pandas.DataFrame
        Rows ``tuning half`` (:data:`EDB_TUNING`), ``held-out half`` (:data:`EDB_HELDOUT`) and
        ``all``, each over the records of ``table`` in it; columns ``records``, ``annotated``,
        ``found``, ``Se %``, ``ours``, ``confirmed``, ``+P %`` (NaN where nothing to divide).

    Examples
    --------
    >>> counts = pd.DataFrame({"reference": [2, 1], "found": [2, 0], "ours": [2, 1], "confirmed": [2, 0]},
    ...                       index=["sele0104", "sele0106"])
    >>> agreement_by_half(counts)[["annotated", "found", "Se %", "+P %"]]
                   annotated  found   Se %   +P %
    tuning half            2      2  100.0  100.0
    held-out half          1      0    0.0    0.0
    all                    3      2   66.7   66.7
    """
    counts = table.drop(index="total", errors="ignore")[["reference", "found", "ours", "confirmed"]]
    counts = counts.astype(float)
    rows = {}
    for name, members in (
        ("tuning half", EDB_TUNING),
        ("held-out half", EDB_HELDOUT),
        ("all", tuple(counts.index)),
    ):
        part = counts[counts.index.isin(members)]
        n = part.sum()
        rows[name] = {
            "records": len(part),
            "annotated": int(n["reference"]),
            "found": int(n["found"]),
            "Se %": round(100.0 * n["found"] / n["reference"], 1) if n["reference"] else np.nan,
            "ours": int(n["ours"]),
            "confirmed": int(n["confirmed"]),
            "+P %": round(100.0 * n["confirmed"] / n["ours"], 1) if n["ours"] else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def episode_table(results: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    """Annotated and detected ST episodes of several :func:`record_st` results, in minutes.

    Examples
    --------
    >>> ep = pd.DataFrame({"channel": [0], "direction": ["-"], "start_s": [60.0], "end_s": [150.0],
    ...                    "extreme_mv": [-0.2]})
    >>> episode_table({"x": {"episodes": ep, "reference": ep.iloc[:0]}})["source"].tolist()
    ['detected']
    """
    rows = []
    for record, result in results.items():
        for source, key in (("annotated", "reference"), ("detected", "episodes")):
            table = result[key][["channel", "direction", "start_s", "end_s", "extreme_mv"]]
            rows.append(table.assign(record=record, source=source))
    out = pd.concat(rows, ignore_index=True)
    out["start_min"] = (out.pop("start_s") / 60).round(2)
    out["end_min"] = (out.pop("end_s") / 60).round(2)
    out["extreme_mv"] = out["extreme_mv"].astype(float).round(3)
    return out[["record", "source", "channel", "direction", "start_min", "end_min", "extreme_mv"]]


MISS_REASONS: dict[str, str] = {
    "begins with the excerpt": "the episode is already under way in the first seconds of the "
    "excerpt, where the 'initial' reference level is measured",
    "spans the excerpt": "the episode covers half the excerpt or more, so the 'dominant' reference "
    "level (the lead's modal ST level) is measured inside it",
    "below threshold": "our ST change in that lead and direction stays under the threshold",
    "too short": "our ST change reaches the threshold, but for less than the minimum duration",
    "other": "over the threshold long enough, yet no episode of ours overlaps it (e.g. the "
    "trend crosses back and forth)",
}
"""Why an annotated ST episode was not found (:func:`missed_episodes`)."""


def missed_episodes(
    results: dict[str, dict[str, pd.DataFrame]],
    reference: str = "dominant",
    threshold_mv: float = 0.1,
    min_duration_s: float = 30.0,
    initial_s: float = 30.0,
) -> pd.DataFrame:
    """Annotated ST episodes that no episode of ours overlaps, with what our trend did there.

    For each miss: our largest ST change in the episode's lead and direction during it (from
    the same reference level as the detection), the longest run at or over ``threshold_mv``
    (seconds), the largest deviation from the PR level (``isoelectric``, no reference level),
    and a ``reason`` (:data:`MISS_REASONS`). The parameters must be those of the detection
    (:func:`record_st`).

    Examples
    --------
    >>> trend = pd.DataFrame({"time_s": np.arange(0.0, 300.0, 1.0), "st_mv": 0.0, "channel": 0})
    >>> trend.loc[100:120, "st_mv"] = 0.2                   # 20 s over 0.1 mV: too short
    >>> ref = pd.DataFrame({"channel": [0], "direction": ["+"], "start_s": [90.0], "end_s": [140.0],
    ...                     "extreme_mv": [0.2]})
    >>> none = pd.DataFrame(columns=["channel", "direction", "start_s", "end_s"])
    >>> missed_episodes({"x": {"trend": trend, "reference": ref, "episodes": none}})["reason"].tolist()
    ['too short']
    """
    rows = []
    for record, result in results.items():
        trend, ours = result["trend"], result["episodes"]
        for _, episode in result["reference"].iterrows():
            if len(ours) and _overlaps(episode, ours):
                continue
            lead = trend[trend["channel"] == episode["channel"]]
            t = lead["time_s"].to_numpy(dtype=float)
            level = lead["st_mv"].to_numpy(dtype=float)
            sign = 1.0 if episode["direction"] == "+" else -1.0
            change = level - st.reference_level(lead, reference, initial_s)
            during = (t >= episode["start_s"]) & (t <= episode["end_s"])
            peak = float(np.nanmax(sign * change[during])) if during.any() else np.nan
            isoelectric = float(np.nanmax(sign * level[during])) if during.any() else np.nan
            over = np.where(during & (sign * change >= threshold_mv), 1, 0)
            longest = _longest_run(t, over)
            if reference == "initial" and episode["start_s"] <= t[0] + initial_s:
                reason = "begins with the excerpt"
            elif (
                reference == "dominant"
                and min(episode["end_s"], t[-1]) - max(episode["start_s"], t[0]) >= (t[-1] - t[0]) / 2
            ):
                reason = "spans the excerpt"
            elif not peak >= threshold_mv:
                reason = "below threshold"
            elif longest < min_duration_s:
                reason = "too short"
            else:
                reason = "other"
            rows.append(
                {
                    "record": record,
                    "channel": int(episode["channel"]),
                    "direction": episode["direction"],
                    "start_min": round(float(episode["start_s"]) / 60, 2),
                    "end_min": round(float(episode["end_s"]) / 60, 2),
                    "annotated_mv": episode.get("extreme_mv", np.nan),
                    "our_change_mv": round(peak, 3),
                    "longest_over_s": round(longest, 1),
                    "isoelectric_mv": round(isoelectric, 3),
                    "reason": reason,
                }
            )
    columns = [
        "record",
        "channel",
        "direction",
        "start_min",
        "end_min",
        "annotated_mv",
        "our_change_mv",
        "longest_over_s",
        "isoelectric_mv",
        "reason",
    ]
    return pd.DataFrame(rows, columns=columns)


def _longest_run(t: np.ndarray, flags: np.ndarray) -> float:
    """Longest stretch of time (seconds, first to last sample) over which ``flags`` stays 1."""
    best, start = 0.0, None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == flags.size - 1):
            stop = i if flag else i - 1
            best = max(best, float(t[stop] - t[start]))
            start = None
    return best


def miss_summary(missed: pd.DataFrame, n_reference: int) -> pd.DataFrame:
    """Missed annotated episodes counted by reason, with their share of all ``n_reference``.

    Examples
    --------
    >>> table = miss_summary(pd.DataFrame({"reason": ["too short", "too short", "below threshold"]}), 10)
    >>> table["share of annotated %"].to_dict()
    {'too short': 20.0, 'below threshold': 10.0}
    """
    counts = missed["reason"].value_counts().rename("missed")
    table = counts.to_frame()
    table["share of annotated %"] = (100.0 * table["missed"] / max(n_reference, 1)).round(1)
    table.index.name = "reason"
    return table
