"""The comparison report of a batch: ``<batch dir>/index.html``, one sortable row per member.

Each row holds the member's grid values, status, duration, a link to its run's own
``index.html`` and the headline metrics of its stages (formatted with their CIs by
:func:`vitalkit.pipeline.report.headline_rows`). The best member is chosen by the spec's
``best_by`` metric, which must belong to a training stage (a validation / cross-validation
figure), never to the test-set evaluation. The page is self-contained (no network).

Examples
--------
>>> run = {"stages": [{"label": "train[rf]", "status": "ok", "headline": {"metrics": {"f1": 0.5}}}]}
>>> metric_value(run, "train[rf].f1")
0.5
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from vitalkit.io import read_json, write_text
from vitalkit.pipeline.report import TEMPLATES, headline_rows


def metric_value(run: dict[str, Any], name: str) -> Any:
    """The value of ``<stage label>.<metric>`` in a run manifest, or None."""
    label, _, metric = name.rpartition(".")
    for stage in run.get("stages", []):
        if stage["label"] == label and stage.get("status") == "ok":
            return ((stage.get("headline") or {}).get("metrics") or {}).get(metric)
    return None


def _cells(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cells = {}
    for stage in run.get("stages", []):
        metrics = (stage.get("headline") or {}).get("metrics") or {}
        for row in headline_rows(stage["label"], metrics):
            value = metrics[row["metric"]]
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            cells[f"{stage['label']}.{row['metric']}"] = {"text": row["value"], "sort": value}
    return cells


def _constant(column: str, rows: list[dict[str, Any]]) -> bool:
    """Whether at least two members have the column and all of them show the same value."""
    values = [r["cells"][column]["text"] for r in rows if column in r["cells"]]
    return len(values) > 1 and len(set(values)) == 1


def write_batch_index(batch_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``<batch_dir>/index.html`` from the batch manifest and the members' ``run.json``.

    Examples
    --------
    >>> write_batch_index(Path("reports/batch-x"), read_json("reports/batch-x/batch.json"))  # doctest: +SKIP
    PosixPath('reports/batch-x/index.html')
    """
    rows = []
    for member_id, m in manifest["members"].items():
        run_dir = batch_dir / m["run_dir"] if m.get("run_dir") else None  # relative to the batch folder
        run = read_json(run_dir / "run.json") if run_dir and (run_dir / "run.json").is_file() else {}
        link = f"{run_dir.name}/index.html" if run_dir and (run_dir / "index.html").is_file() else None
        rows.append(
            {
                "id": member_id,
                "overrides": ", ".join(f"{k}={v}" for k, v in (m.get("overrides") or {}).items()),
                "status": m["status"],
                "duration": m.get("duration_s"),
                "error": m.get("error"),
                "run_id": run_dir.name if run_dir else "",
                "link": link,
                "cells": _cells(run),
                "best_value": metric_value(run, manifest["best_by"]) if manifest.get("best_by") else None,
            }
        )
    columns = sorted({c for r in rows for c in r["cells"]}, key=lambda c: (c.split(".")[0], c))
    columns = [c for c in columns if not _constant(c, rows)]
    best = None
    scored = [r for r in rows if isinstance(r["best_value"], int | float)]
    if scored:
        sign = -1 if manifest.get("best_mode") == "min" else 1
        top = max(scored, key=lambda r: sign * r["best_value"])
        best = {"id": top["id"], "value": f"{top['best_value']:.4g}", "link": top["link"]}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    template = env.get_template("batch_index.html.j2")
    page = template.render(batch=manifest, rows=rows, columns=columns, best=best)
    target = batch_dir / "index.html"
    write_text(target, page)
    return target
