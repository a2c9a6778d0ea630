"""Terminal summaries of finished runs (what ``make benchmark`` prints).

Examples
--------
``vitalkit summary reports/benchmark-20261122-101500``
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vitalkit.errors import DataError
from vitalkit.io import read_json
from vitalkit.pipeline.report import read_run

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 30)


def beat_benchmark_text(run_dir: str | Path) -> str:
    """The model comparison of a run: DS2 metrics with CIs per model, the A/B test, wall time."""
    run_dir = Path(run_dir)
    manifest = read_run(run_dir)  # a run whose process died shows as interrupted, not running
    evaluate = next((s for s in manifest["stages"] if s["name"] == "evaluate"), None)
    if evaluate is None or evaluate["status"] != "ok":
        raise DataError(run_dir, "the run has no successful evaluate stage")
    folder = run_dir / evaluate["folder"]
    table = pd.read_csv(folder / "summary.csv", index_col=0)
    metrics = read_json(folder / "metrics.json")
    durations = sum(s.get("duration_s") or 0 for s in manifest["stages"])
    lines = [
        f"run {manifest['run_id']} ({manifest['params_file']}), status {manifest['status']}, "
        f"stages took {durations / 60:.1f} min in total",
        f"DS2 (test, {metrics['n_test_beats']} beats, {len(metrics['test_records'])} records); metrics in %, "
        "95% bootstrap CI over records; models ranked by their CV selection score where "
        "cross-validated over the training patients, else by validation macro-F1 "
        f"(validation records {', '.join(metrics.get('val_records', [])) or 'not recorded'})",
        "",
        table.to_string(),
    ]
    comparison = folder / "comparison.csv"
    if comparison.is_file():
        pair = metrics["comparison"]["pair"]
        mc = metrics["comparison"]["mcnemar"]
        lines += [
            "",
            f"A/B test {pair[0]} vs {pair[1]} (paired bootstrap over records):",
            pd.read_csv(comparison, index_col=[0, 1]).round(4).to_string(),
            f"McNemar (beats as independent, optimistic): {mc['only_a_correct']} beats only "
            f"{pair[0]} gets right, {mc['only_b_correct']} only {pair[1]}, p = {mc['p_value']:.3g}",
        ]
    extras = [
        (
            "cv_table.csv",
            [0],
            "Cross-validation over the DS1 patients (out-of-fold, CIs over patients) beside DS2:",
        ),
        (
            "reproductions.csv",
            [0, 1],
            "Re-implementations of published methods beside the papers' DS2 figures:",
        ),
        (
            "without_records.csv",
            [0, 1],
            f"Primary model ({metrics['primary']}) with and without named records:",
        ),
        ("S_by_record.csv", [0], f"S beats per DS2 record, primary model ({metrics['primary']}):"),
        ("beat_types.csv", [0], f"MIT-BIH beat types, primary model ({metrics['primary']}):"),
    ]
    for name, index, title in extras:
        path = folder / name
        if path.is_file():
            frame = pd.read_csv(path, index_col=index)
            lines += ["", title, frame.round(4).to_string()]
    published = folder / "published_comparison.csv"
    if published.is_file():
        lines += [
            "",
            "Beside published DS2 results (quoted, not re-run):",
            pd.read_csv(published, index_col=0).drop(columns=["method"]).to_string(),
        ]
    return "\n".join(lines)
