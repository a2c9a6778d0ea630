"""HTML reports of a run: one per stage (nbconvert) and the run's ``index.html``.

Stage reports use the ``vitalkit_report`` nbconvert template: JupyterLab's look, code hidden
by default (the cell with the injected parameters stays visible), and no request to any
network: plotly.js is copied once into ``<run>/assets/`` and loaded from there.

The index opens with what a person reads first: the primary model's test metrics with their
CIs, the table of every model from the evaluate stage, then the figures, the other stages'
headline metrics and the stage table (:func:`index_sections`; runs without the evaluate
stage's model table show every stage's headline metrics in one table above the figures).

Examples
--------
>>> from vitalkit.pipeline.report import TEMPLATES
>>> (TEMPLATES / "vitalkit_report" / "index.html.j2").is_file()
True
"""

from __future__ import annotations

import csv
import html
import json
import math
import shutil
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from nbconvert import HTMLExporter

from vitalkit.io import read_json, write_text
from vitalkit.pipeline.lock import RunLock, RunLockedError, effective_manifest, interrupted

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = "assets"
PLOTLY_JS = "plotly.min.js"
VISIBLE_TAGS = {"injected-parameters"}


def install_assets(run_dir: Path) -> Path:
    """Copy plotly.js into ``<run_dir>/assets/`` (once); return its path."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = run_dir / ASSETS / PLOTLY_JS
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


def notebook_to_html(
    notebook: Path,
    target: Path,
    show_code: bool = False,
    plotly_src: str = f"../{ASSETS}/{PLOTLY_JS}",
    banner: str = "",
) -> Path:
    """Render an executed notebook as a standalone HTML report.

    Parameters
    ----------
    notebook : Path
        Executed ``.ipynb``.
    target : Path
        Output ``.html`` (written atomically).
    show_code : bool
        Show code cells; by default only outputs, markdown and the injected parameters.
    plotly_src : str
        Relative URL of plotly.js from the report.
    banner : str
        HTML line shown on top (run id, stage, status).
    """
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # papermill gives the cell it injects a random id: the page would differ
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    if not show_code:
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type == "code" and not tags & VISIBLE_TAGS:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
    exporter = HTMLExporter(
        template_name="vitalkit_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"plotly_src": plotly_src, "vk_banner": banner})
    write_text(target, body)
    return target


CI_SUFFIX = "_ci95"


LEADING_STAGES = ("evaluate",)
"""Stages whose headline metrics (the test figures of the primary model) come first."""


def _format(value: Any, escape: bool = True) -> str:
    text = "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
    return html.escape(text) if escape else text


def headline_rows(stage: str, metrics: dict[str, Any], escape: bool = True) -> list[dict[str, str]]:
    """Table rows of a stage's headline metrics; ``x`` and ``x_ci95`` share one row.

    Examples
    --------
    >>> headline_rows("evaluate", {"accuracy": 0.96, "accuracy_ci95": [0.93, 0.98]})
    [{'stage': 'evaluate', 'metric': 'accuracy', 'value': '0.96 [0.93, 0.98]'}]
    """
    rows = []
    for metric, value in metrics.items():
        if metric.endswith(CI_SUFFIX):
            continue
        ci = metrics.get(metric + CI_SUFFIX)
        text = _format(value, escape)
        if isinstance(ci, list | tuple) and len(ci) == 2:
            text += f" [{_format(ci[0], escape)}, {_format(ci[1], escape)}]"
        rows.append({"stage": stage, "metric": metric, "value": text})
    return rows


def ordered_headlines(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's stage records that carry headline metrics, :data:`LEADING_STAGES` first,
    the others in pipeline order."""
    stages = [s for s in manifest.get("stages", []) if (s.get("headline") or {}).get("metrics")]
    return sorted(stages, key=lambda s: s["name"] not in LEADING_STAGES)


def headline_text(manifest: dict[str, Any], others: int = 4) -> str:
    """The run's headline metrics as terminal lines (what a run prints when it ends): every
    metric of the :data:`LEADING_STAGES`, then at most ``others`` of the other stages.

    Examples
    --------
    >>> run = {"stages": [{"name": "evaluate", "label": "evaluate",
    ...         "headline": {"metrics": {"accuracy": 0.96, "accuracy_ci95": [0.93, 0.98]}}}]}
    >>> print(headline_text(run))
    headline metrics:
      evaluate  accuracy  0.96 [0.93, 0.98]
    """
    lead: list[dict[str, str]] = []
    rest: list[dict[str, str]] = []
    for stage in ordered_headlines(manifest):
        rows = headline_rows(stage["label"], stage["headline"]["metrics"], escape=False)
        (lead if stage["name"] in LEADING_STAGES else rest).extend(rows)
    shown = lead + rest[:others]
    if not shown:
        return ""
    stage_w, metric_w = max(len(r["stage"]) for r in shown), max(len(r["metric"]) for r in shown)
    lines = ["headline metrics:"]
    lines += [f"  {r['stage']:<{stage_w}}  {r['metric']:<{metric_w}}  {r['value']}" for r in shown]
    if len(rest) > others:
        lines.append(f"  ... {len(rest) - others} more in index.html")
    return "\n".join(lines)


COMPARISON_PRODUCT = "summary.csv"
"""The evaluate stage's table of every model (and ensemble): one row each, test metrics as
``value [CI]`` in %, best selection score first."""
PAIRED_PRODUCT = "comparison.csv"
"""The evaluate stage's paired A/B differences (bootstrap over records)."""
MODEL_COLUMNS = {
    "val_macro_f1": "selection macro-F1",
    "selected_on": "selected on",
    "train_s": "train time (s)",
}
"""Friendlier headers for the columns of :data:`COMPARISON_PRODUCT`; others keep their names."""


def _number(value: Any) -> float | None:
    """``value`` as a finite float, else None (strings, None, NaN, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _percent(value: Any, sign: bool = False) -> str:
    """A fraction as a percentage with one decimal (``n/a`` when it is not a finite number).

    Examples
    --------
    >>> _percent(0.96876), _percent(-0.0149, sign=True), _percent(None)
    ('96.9', '-1.5', 'n/a')
    """
    number = _number(value)
    if number is None:
        return "n/a"
    return f"{100 * number:+.1f}" if sign else f"{100 * number:.1f}"


def _estimate(value: Any, ci: Any) -> tuple[Any, Any] | None:
    """``(value, (low, high))`` from a value and a two-element CI, else None."""
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return value, tuple(ci)
    return None


def primary_rows(
    stage: str, metrics: dict[str, Any], bootstrap: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """Rows of the primary model's table: each metric with a CI as ``value`` and ``ci`` in %.

    Parameters
    ----------
    stage : str
        The stage's label (first column).
    metrics : dict
        The stage's headline metrics (``x`` and ``x_ci95``); ``primary_model`` names the table
        instead of being a row, and a metric without a CI keeps its value as
        :func:`headline_rows` shows it.
    bootstrap : dict, optional
        The primary model's metrics in ``metrics.json`` (``{name: {value, ci_low, ci_high}}``):
        full-precision values for the headline metrics (so the table agrees to the last digit
        with ``summary.csv``, which is rounded from them), and every class's F1 that the
        headline leaves out, after the headline metrics.

    Returns
    -------
    list of dict
        ``stage``, ``metric``, ``value`` and ``ci``, not HTML-escaped (the template is).

    Examples
    --------
    >>> primary_rows("evaluate", {"primary_model": "rf", "accuracy": 0.9688,
    ...                           "accuracy_ci95": [0.9468, 0.9859]})
    [{'stage': 'evaluate', 'metric': 'accuracy', 'value': '96.9', 'ci': '94.7 – 98.6'}]
    >>> rows = primary_rows("evaluate", {"macro_f1": 0.7594, "macro_f1_ci95": [0.5135, 0.804]},
    ...     {"macro_f1": {"value": 0.75936, "ci_low": 0.51355, "ci_high": 0.80403},
    ...      "N_F1": {"value": 0.98543, "ci_low": 0.97464, "ci_high": 0.99358}})
    >>> [(r["metric"], r["value"], r["ci"]) for r in rows]
    [('macro_f1', '75.9', '51.4 – 80.4'), ('N_F1', '98.5', '97.5 – 99.4')]
    """
    precise: dict[str, tuple[Any, Any]] = {}
    for name, entry in (bootstrap or {}).items():
        if isinstance(entry, dict) and {"value", "ci_low", "ci_high"} <= set(entry):
            precise[name] = (entry["value"], (entry["ci_low"], entry["ci_high"]))
    shown = {
        m: precise.get(m) or _estimate(v, metrics.get(m + CI_SUFFIX)) or (v, None)
        for m, v in metrics.items()
        if not m.endswith(CI_SUFFIX) and m != "primary_model"
    }
    for name, estimate in precise.items():
        if name.endswith("_F1") and name not in shown:
            shown[name] = estimate
    rows = []
    for metric, (value, ci) in shown.items():
        if ci is None:
            text, interval = _format(value, escape=False), ""
        else:
            text, interval = _percent(value), f"{_percent(ci[0])} – {_percent(ci[1])}"
        rows.append({"stage": stage, "metric": metric, "value": text, "ci": interval})
    return rows


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]] | None:
    """Header and rows of a small CSV product; None when it is missing, empty or unreadable."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if len(header) < 2 or not rows:
        return None
    return header, rows


def _read_metrics(path: Path) -> dict[str, Any]:
    """The evaluate stage's ``metrics.json``, or an empty dict when it is missing or invalid."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _method(record: Any) -> str:
    """What a model is, from its ``metrics.json`` entry: its ensemble members or architecture."""
    if not isinstance(record, dict):
        return ""
    if record.get("members"):
        return "ensemble of " + " + ".join(str(m) for m in record["members"])
    train = record.get("train") or {}
    architecture, features = train.get("architecture") or "", train.get("feature_set")
    return f"{architecture} ({features})" if architecture and features else str(architecture)


def _primary_metrics(record: Any) -> dict[str, Any]:
    """A model's ``metrics`` in ``metrics.json`` (``{name: {value, ci_low, ci_high}}``), or {}."""
    metrics = record.get("metrics") if isinstance(record, dict) else None
    return metrics if isinstance(metrics, dict) else {}


def _looks_numeric(text: str) -> bool:
    head = text.split(" [", 1)[0]
    try:
        float(head)
    except ValueError:
        return False
    return True


def _paired_rows(path: Path) -> list[dict[str, str]]:
    """Rows of :data:`PAIRED_PRODUCT`: difference and CI in percentage points, the p-value."""
    read = _read_csv(path)
    if read is None:
        return []
    header, rows = read
    p_column = next((c for c in header if c.startswith("p_value")), None)
    out = []
    for row in rows:
        try:
            diff, low, high = (float(row[k]) for k in ("difference", "ci_low", "ci_high"))
        except (KeyError, ValueError):
            continue
        out.append(
            {
                "comparison": row.get("comparison", ""),
                "metric": row.get("metric", ""),
                "difference": _percent(diff, sign=True),
                "ci": f"{_percent(low, sign=True)} – {_percent(high, sign=True)}",
                "p": row.get(p_column, "") if p_column else "",
            }
        )
    return out


def model_comparison(run_dir: Path, stage: dict[str, Any]) -> dict[str, Any] | None:
    """The evaluate stage's comparison of models, as the index shows it; None without one.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    stage : dict
        The evaluate stage's record in ``run.json``; only a finished (``ok``) stage is read.

    Returns
    -------
    dict or None
        ``primary`` (the primary model's label), ``columns`` (``name`` and ``numeric`` of each
        column after the model's), ``rows`` (``model``, ``method``, ``primary`` and ``cells``:
        one ``text``/``numeric`` per column), ``pairs`` (rows of :data:`PAIRED_PRODUCT`),
        ``caption`` (test set and bootstrap), ``report`` (the stage report's link) and
        ``primary_metrics`` (the primary model's entry in ``metrics.json``); None when
        the stage did not finish or :data:`COMPARISON_PRODUCT` is missing or unreadable (tasks
        without an evaluate stage).
    """
    if stage.get("status") != "ok" or not stage.get("folder"):
        return None
    folder = run_dir / stage["folder"]
    read = _read_csv(folder / COMPARISON_PRODUCT)
    if read is None:
        return None
    header, table = read
    metrics = _read_metrics(folder / "metrics.json")
    models = metrics.get("models") if isinstance(metrics.get("models"), dict) else {}
    headline = (stage.get("headline") or {}).get("metrics") or {}
    key, columns = header[0], header[1:]
    primary = str(headline.get("primary_model") or metrics.get("primary") or table[0][key])
    numeric = [any(_looks_numeric(row.get(c, "")) for row in table) for c in columns]
    rows = [
        {
            "model": row[key],
            "method": _method(models.get(row[key])),
            "primary": row[key] == primary,
            "cells": [{"text": row.get(c, ""), "numeric": n} for c, n in zip(columns, numeric, strict=True)],
        }
        for row in table
    ]
    caption = []
    records, n_test = metrics.get("test_records"), metrics.get("n_test_beats")
    if isinstance(records, list) and isinstance(n_test, int):
        caption.append(f"Test set: {len(records)} records, {n_test:,} samples.")
    boot = metrics.get("bootstrap") if isinstance(metrics.get("bootstrap"), dict) else {}
    level = _number(boot.get("level"))
    if level is not None and boot.get("replicates"):
        caption.append(
            f"Values in %; {100 * level:g} % CIs from {boot['replicates']} bootstrap replicates "
            f"over {boot.get('unit', 'record')}s."
        )
    else:
        caption.append("Values in %, with 95 % CIs.")
    if metrics.get("selection"):
        caption.append(f"Primary model: {metrics['selection']}.")
    return {
        "primary": primary,
        "columns": [
            {"name": MODEL_COLUMNS.get(c, c), "numeric": n} for c, n in zip(columns, numeric, strict=True)
        ],
        "rows": rows,
        "pairs": _paired_rows(folder / PAIRED_PRODUCT),
        "caption": " ".join(caption),
        "report": stage.get("report") or "",
        "primary_metrics": _primary_metrics(models.get(primary)),
    }


def _figures(run_dir: Path, stages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The stages' headline figures (plotly JSON made safe inside ``<script>``); a figure whose
    file is missing or unreadable (a stage still running) is left out."""
    figures = []
    for stage in stages:
        for rel in (stage.get("headline") or {}).get("figures") or []:
            path = run_dir / stage.get("folder", "") / rel
            try:
                spec = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            figures.append({"json": json.dumps(spec).replace("</", "<\\/")})
    return figures


def index_sections(run_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """What ``index.html`` shows above the stage table, in the page's order.

    With the evaluate stage's :data:`COMPARISON_PRODUCT`: ``primary`` (the primary model's
    test metrics with CIs, :func:`primary_rows`), ``models`` (:func:`model_comparison`), the
    ``figures`` (:data:`LEADING_STAGES` first) and ``other_rows`` (the other stages' headline
    metrics). Without it (tasks other than beats, a partial run): ``primary`` and ``models`` are
    None and ``headline_rows`` holds every stage's metrics, :data:`LEADING_STAGES` first, shown
    above the figures as one table. Strings are not HTML-escaped (the template is).
    """
    stages = [s for s in manifest.get("stages", []) if isinstance(s, dict)]
    headlined = ordered_headlines({"stages": stages})
    evaluate = next((s for s in stages if s.get("name") in LEADING_STAGES), None)
    models = model_comparison(run_dir, evaluate) if evaluate is not None else None
    figure_stages = sorted(stages, key=lambda s: s.get("name") not in LEADING_STAGES)
    sections: dict[str, Any] = {
        "primary": None,
        "models": models,
        "figures": _figures(run_dir, figure_stages),
        "headline_rows": [],
        "other_rows": [],
    }
    if models is None:
        for stage in headlined:
            sections["headline_rows"] += headline_rows(stage["label"], stage["headline"]["metrics"], False)
        return sections
    metrics = (evaluate.get("headline") or {}).get("metrics") or {}
    rows = primary_rows(evaluate.get("label", evaluate["name"]), metrics, models["primary_metrics"])
    sections["primary"] = {"model": models["primary"], "rows": rows} if rows else None
    for stage in headlined:
        if stage is not evaluate:
            sections["other_rows"] += headline_rows(stage["label"], stage["headline"]["metrics"], False)
    return sections


def write_index(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``<run_dir>/index.html``: headline first, then figures, then the stage table.

    A run with the evaluate stage's model comparison opens with the primary model's test
    metrics with their CIs, then the table of every model (and ensemble), the headline figures,
    the other stages' headline metrics and the stage table; any other run (rhythm, vitals,
    clinical, or the evaluate stage not finished) shows every stage's headline metrics in one
    table, evaluate first, above the figures (:func:`index_sections`). Everything the page
    needs is in the run folder (plotly.js in ``assets/``).

    The run is shown as :func:`~vitalkit.pipeline.lock.effective_manifest` gives it: marked
    ``running`` while no process holds its lock, it is ``interrupted``.
    """
    manifest = effective_manifest(run_dir, manifest)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    template = env.get_template("run_index.html.j2")
    page = template.render(run=manifest, **index_sections(run_dir, manifest))
    install_assets(run_dir)
    target = run_dir / "index.html"
    write_text(target, page)
    return target


def read_run(run_dir: str | Path) -> Any:
    """A run's ``run.json`` as ``vitalkit summary`` and ``vitalkit compare`` show it.

    A run marked ``running`` whose process died (no process holds its lock) comes back
    ``interrupted`` (:func:`~vitalkit.pipeline.lock.effective_manifest`), and its ``index.html``
    is rewritten to say so; where the folder cannot be written (a shared, read-only copy) the
    page is left as it is. ``run.json`` itself is not changed: ``--resume`` continues the run.

    Examples
    --------
    >>> read_run("reports/smoke-20261206-161533")["status"]  # doctest: +SKIP
    'interrupted'
    """
    run_dir = Path(run_dir)
    recorded = read_json(run_dir / "run.json")
    shown = effective_manifest(run_dir, recorded)
    if shown is not recorded:
        _mark_index_interrupted(run_dir)
    return shown


def _mark_index_interrupted(run_dir: Path) -> None:
    """Rewrite a dead run's ``index.html`` as interrupted, holding the run's lock and reading
    ``run.json`` again under it, so that a run that finished (or a ``--resume`` that started)
    between the reader's look and now is never marked interrupted. A folder in use or not
    writable keeps its page."""
    try:
        with RunLock(run_dir):
            current = read_json(run_dir / "run.json")
            if isinstance(current, dict) and current.get("status") == "running":
                write_index(run_dir, interrupted(current))
    except (RunLockedError, OSError):
        pass
