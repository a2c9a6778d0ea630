"""Out-of-sample settings of the consensus detector: chosen on DS1, reported on DS2.

The consensus' decision thresholds (:class:`vitalkit.beats.consensus.ConsensusRule`) were
first tuned on all 48 MIT-BIH records, so its benchmark was in-sample. Here every setting
of a small grid is scored on the de Chazal DS1 records only; the one with the best gross F1
(ties: the earlier in the grid, the shipped defaults first) is then applied unchanged to
DS2 and to the paced records, which are reported as held out.

The members' detections come from the QRS benchmark's cache
(:func:`vitalkit.beats.benchmark.detect_cached`), so each setting costs only the vote.

Examples
--------
>>> from vitalkit.beats.selection import consensus_grid
>>> rules = consensus_grid({"strong": (4, 5)})
>>> [r.strong for r in rules]
[5, 4]
>>> result = select_consensus(["100"], {"DS2": ["103"]}, max_seconds=60)  # doctest: +SKIP
>>> result.table.loc["DS2 (held out)", "F1 %"] > 99                        # doctest: +SKIP
True
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from vitalkit.beats.benchmark import QrsRecord, detect_cached, gross_row, load_qrs_record, score_detections
from vitalkit.beats.consensus import ConsensusRule, consensus_rpeaks
from vitalkit.beats.detect import CONSENSUS_MEMBERS
from vitalkit.data import mitdb

CONSENSUS_GRID: dict[str, tuple[float, ...]] = {
    "strong": (4, 5, 6),
    "weak": (2, 3),
    "min_amplitude": (0.2, 0.4),
    "gap": (1.3, 1.5),
}
"""Settings tried on DS1 (24 combinations, the shipped defaults among them)."""


def consensus_grid(grid: Mapping[str, Sequence[float]] = CONSENSUS_GRID) -> list[ConsensusRule]:
    """Every combination of ``grid`` as a :class:`ConsensusRule`, the shipped defaults first.

    Raises
    ------
    ValueError
        A key that is not a field of :class:`ConsensusRule`.

    Examples
    --------
    >>> len(consensus_grid({"strong": (4, 5, 6), "weak": (2, 3)}))
    6
    """
    known = {f.name for f in fields(ConsensusRule)}
    unknown = sorted(set(grid) - known)
    if unknown:
        raise ValueError(f"unknown consensus setting(s) {unknown}; known: {sorted(known)}")
    default = ConsensusRule()
    rules = [replace(default, **dict(zip(grid, v, strict=True))) for v in itertools.product(*grid.values())]
    return sorted(dict.fromkeys(rules), key=lambda r: r != default)


def _members(rec: QrsRecord, cache: bool) -> list[np.ndarray]:
    peaks = []
    for name in CONSENSUS_MEMBERS:
        try:
            peaks.append(np.asarray(detect_cached(rec, name, cache=cache)[0], dtype=np.int64))
        except Exception:  # a failing member contributes nothing, as in the detector itself
            peaks.append(np.empty(0, dtype=np.int64))
    return peaks


def _score(rec: QrsRecord, members: list[np.ndarray], rule: ConsensusRule) -> dict[str, float]:
    if rec.signal.size == 0 or np.ptp(rec.signal) == 0:
        peaks = np.empty(0, dtype=np.int64)
    else:
        peaks = consensus_rpeaks(rec.signal, rec.sampling_rate, members, rule)
    row, _ = score_detections(rec.reference, peaks, rec.sampling_rate, rec.excluded)
    return {k: row[k] for k in ("tp", "fn", "fp")}


def _gross(rows: pd.DataFrame) -> dict[str, float]:
    return {"records": len(rows), **gross_row(rows)}


@dataclass
class ConsensusSelection:
    """Result of :func:`select_consensus`.

    Attributes
    ----------
    rule : ConsensusRule
        The setting with the best DS1 F1.
    grid : pandas.DataFrame
        One row per setting tried: its changed values and gross DS1 Se, +P, F1 (%).
    table : pandas.DataFrame
        The chosen setting on the tuning records (in-sample) and each held-out set.
    per_record : pandas.DataFrame
        ``set``, ``record``, ``tp``, ``fn``, ``fp`` of the chosen setting.
    """

    rule: ConsensusRule
    grid: pd.DataFrame
    table: pd.DataFrame
    per_record: pd.DataFrame


def select_consensus(
    tune: Sequence[str] = mitdb.DS1,
    heldout: Mapping[str, Sequence[str]] | None = None,
    grid: Mapping[str, Sequence[float]] = CONSENSUS_GRID,
    data_dir: str | Path | None = None,
    cache: bool = True,
    max_seconds: float | None = None,
    progress: bool = False,
) -> ConsensusSelection:
    """Choose the consensus setting on ``tune`` records, score it on the ``heldout`` sets.

    Parameters
    ----------
    tune : sequence of str
        Records the setting is chosen on (default: DS1).
    heldout : mapping, optional
        ``{name: records}`` scored with the chosen setting only (default: DS2 and the
        paced records).
    grid : mapping
        Settings to try (see :func:`consensus_grid`).
    data_dir : str or Path, optional
        Data directory (default ``VITALKIT_DATA_DIR``).
    cache : bool
        Read and write the members' cached detections.
    max_seconds : float, optional
        Only the first ``max_seconds`` of each record (smoke runs).
    progress : bool
        Show a tqdm progress bar.

    Raises
    ------
    ValueError
        A record in both the tuning and a held-out set, or an unknown setting.
    """
    heldout = dict(heldout) if heldout is not None else {"DS2": mitdb.DS2, "paced": mitdb.PACED}
    overlap = sorted(set(tune) & {r for recs in heldout.values() for r in recs})
    if overlap:
        raise ValueError(f"records {overlap} are both tuned on and held out")
    rules = consensus_grid(grid)
    todo = [("tune", r) for r in tune] + [(name, r) for name, recs in heldout.items() for r in recs]
    if progress:
        from tqdm.auto import tqdm

        todo = tqdm(todo, desc="consensus selection", unit="record")
    tuned: list[dict[str, float]] = []
    records: dict[str, tuple[QrsRecord, list[np.ndarray]]] = {}
    held: list[tuple[str, str]] = []
    for group, name in todo:
        rec = load_qrs_record(name, data_dir, max_seconds)
        members = _members(rec, cache)
        if group == "tune":
            for i, rule in enumerate(rules):
                tuned.append({"rule": i, "record": name, **_score(rec, members, rule)})
        else:
            records[name] = (rec, members)
            held.append((group, name))
    scores = pd.DataFrame(tuned)
    grid_rows = []
    for i, rule in enumerate(rules):
        values = {k: getattr(rule, k) for k in grid}
        grid_rows.append({**values, **_gross(scores[scores["rule"] == i])})
    grid_table = pd.DataFrame(grid_rows)
    best = int(grid_table["F1 %"].to_numpy().argmax())  # first of ties: the defaults first
    rule = rules[best]
    per_record = scores[scores["rule"] == best].drop(columns="rule").assign(set="tune")
    rows = [per_record]
    for group, name in held:
        rec, members = records[name]
        rows.append(pd.DataFrame([{"record": name, **_score(rec, members, rule), "set": group}]))
    per_record = pd.concat(rows, ignore_index=True)[["set", "record", "tp", "fn", "fp"]]
    table = {"tuning (in-sample)": _gross(per_record[per_record["set"] == "tune"])}
    for group in heldout:
        part = per_record[per_record["set"] == group]
        if len(part):
            table[f"{group} (held out)"] = _gross(part)
    summary = pd.DataFrame(table).T.round(3)
    summary = summary.astype({k: int for k in ("records", "beats", "FN", "FP")})
    grid_table = grid_table.round(3).sort_values("F1 %", ascending=False, kind="stable")
    return ConsensusSelection(rule, grid_table, summary, per_record)


def selection_report(result: ConsensusSelection) -> str:
    """The chosen setting, the DS1 grid (best five) and the in-sample / held-out table.

    Examples
    --------
    >>> import pandas as pd
    >>> r = ConsensusSelection(ConsensusRule(), pd.DataFrame({"strong": [5], "F1 %": [99.9]}),
    ...                        pd.DataFrame({"F1 %": [99.9]}, index=["DS1"]), pd.DataFrame())
    >>> "chosen on the tuning records" in selection_report(r)
    True
    """
    changed = {f.name: getattr(result.rule, f.name) for f in fields(ConsensusRule)}
    chosen = ", ".join(f"{k}={changed[k]}" for k in result.grid.columns if k in changed)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        return "\n".join(
            [
                f"Consensus setting chosen on the tuning records: {chosen}",
                "",
                "Best settings on the tuning records (gross, %):",
                result.grid.head(5).to_string(index=False),
                "",
                "Chosen setting, in-sample and held out:",
                result.table.to_string(),
            ]
        )
