"""HTML reports of a run: one per stage (nbconvert) and the run's ``index.html``.

Stage reports use the ``vitalkit_report`` nbconvert template: JupyterLab's look, code hidden
by default (the cell with the injected parameters stays visible), and no request to any
network: plotly.js is copied once into ``<run>/assets/`` and loaded from there.

Examples
--------
>>> from vitalkit.pipeline.report import TEMPLATES
>>> (TEMPLATES / "vitalkit_report" / "index.html.j2").is_file()
True
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from nbconvert import HTMLExporter

from vitalkit.io import read_json, write_text
from vitalkit.pipeline.lock import effective_manifest

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
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
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


def write_index(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``<run_dir>/index.html``: stage table, headline metrics and headline figures.

    The run is shown as :func:`~vitalkit.pipeline.lock.effective_manifest` gives it: marked
    ``running`` while no process holds its lock, it is ``interrupted``.
    """
    manifest = effective_manifest(run_dir, manifest)
    rows, figures = [], []
    for stage in ordered_headlines(manifest):
        rows += headline_rows(stage["label"], stage["headline"]["metrics"])
    for stage in manifest.get("stages", []):
        for rel in (stage.get("headline") or {}).get("figures") or []:
            path = run_dir / stage["folder"] / rel
            if path.is_file():
                spec = read_json(path)
                figures.append({"json": json.dumps(spec).replace("</", "<\\/")})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    template = env.get_template("run_index.html.j2")
    page = template.render(run=manifest, headline_rows=rows, figures=figures)
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
        try:
            write_index(run_dir, shown)
        except OSError:
            pass
    return shown
