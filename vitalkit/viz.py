"""Figures that work in JupyterLab, in papermill runs and in offline HTML reports.

:func:`setup_notebook` registers a plotly renderer that emits both plotly's own mimetype
(drawn by JupyterLab's plotly extension) and an HTML ``<div>`` whose script calls
``Plotly.newPlot``: nbconvert drops the plotly mimetype (DESIGN.md §5) but keeps the HTML,
and the report pages load ``plotly.min.js`` shipped beside them, never from a CDN.

:func:`show` displays a figure and, given a product folder, keeps its JSON there so that
the run's ``index.html`` can draw it again.

Examples
--------
>>> import plotly.graph_objects as go
>>> from vitalkit.viz import setup_notebook, figure_html
>>> setup_notebook()
>>> "Plotly.newPlot" in figure_html(go.Figure(go.Bar(y=[1, 2])))
True
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from vitalkit.io import write_json, write_text

RENDERER = "vitalkit"
TEMPLATE = "plotly_white"
PALETTE = {"N": "#4c78a8", "S": "#f58518", "V": "#e45756", "F": "#72b7b2", "Q": "#9d755d"}


_FIGURE_NUMBER = itertools.count(1)


def figure_html(fig: go.Figure) -> str:
    """HTML ``<div>`` + script drawing ``fig`` with an already-loaded ``Plotly`` global.

    The ``<div>``'s id is the figure's content hash and its number in this process (plotly's
    default is a random UUID), so two runs of the same notebook write the same report.
    """
    digest = hashlib.sha256(fig.to_json().encode()).hexdigest()[:12]
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config={"displaylogo": False, "responsive": True},
        div_id=f"vk-{digest}-{next(_FIGURE_NUMBER)}",
    )


class _ReportHtmlRenderer(MimetypeRenderer):
    """Renderer emitting a ``text/html`` div that needs plotly.js on the page."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
        return {"text/html": figure_html(go.Figure(fig_dict))}


def setup_notebook(template: str = TEMPLATE) -> None:
    """Configure plotly (renderer, template) and matplotlib for notebooks and reports."""
    pio.renderers[RENDERER] = _ReportHtmlRenderer()
    pio.renderers.default = f"plotly_mimetype+{RENDERER}"
    pio.templates.default = template
    try:
        import matplotlib as mpl

        mpl.rcParams.update(
            {
                "figure.dpi": 90,
                "savefig.dpi": 110,
                "figure.figsize": (7, 3.5),
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        )
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass


def log_axis(values: Any = None) -> dict[str, Any]:
    """Settings of a log axis whose ticks read 0.01, 0.1, 1, 10 ... (pass to ``update_yaxes``).

    A bare ``type="log"`` lets plotly label the 2x and 5x ticks of each decade with small single
    digits, so that a short axis reads "5 2 1 5 2". Here ticks sit on whole decades, labelled
    in full (``~g``: 0.01, 1000, 1e-12). Given the plotted values, an axis spanning less than
    two decades gets ticks at 1, 2 and 5 times each decade instead, each labelled in full, so
    that it never shows a single label.

    Parameters
    ----------
    values : array-like, optional
        The values plotted on the axis (non-positive and non-finite ones are ignored).

    Returns
    -------
    dict
        Axis properties: ``type``, and ``dtick`` + ``tickformat`` or ``tickvals`` + ``ticktext``.

    Examples
    --------
    >>> log_axis()
    {'type': 'log', 'dtick': 1, 'tickformat': '~g'}
    >>> axis = log_axis([0.3, 4.0])
    >>> axis["ticktext"]
    ['0.1', '0.2', '0.5', '1', '2', '5', '10']
    """
    axis: dict[str, Any] = {"type": "log", "dtick": 1, "tickformat": "~g"}
    v = np.asarray([] if values is None else values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return axis
    lo, hi = np.log10(v.min()), np.log10(v.max())
    if hi - lo >= 2:
        return axis
    ticks = [float(f"{m}e{e}") for e in range(int(np.floor(lo)), int(np.ceil(hi)) + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if t <= 10 ** np.ceil(hi)]
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks]}


def percentile_box(values: Any, name: str, colour: str | None = None) -> go.Box:
    """A box drawn from precomputed percentiles (5, 25, 50, 75, 95): small, whatever the n.

    Examples
    --------
    >>> import numpy as np
    >>> box = percentile_box(np.arange(101), "x")
    >>> float(box.median[0]), float(box.upperfence[0])
    (50.0, 95.0)
    """
    p5, q1, med, q3, p95 = np.percentile(np.asarray(values, dtype=float), [5, 25, 50, 75, 95])
    return go.Box(
        x=[name],
        q1=[q1],
        median=[med],
        q3=[q3],
        lowerfence=[p5],
        upperfence=[p95],
        name=name,
        marker_color=colour,
        showlegend=False,
    )


def save_figure(fig: go.Figure, product_dir: str | Path, name: str) -> Path:
    """Write ``figures/<name>.json`` (plotly JSON) under ``product_dir``; return its path."""
    path = Path(product_dir) / "figures" / f"{name}.json"
    write_text(path, pio.to_json(fig, validate=False, pretty=False))
    return path


def show(
    fig: go.Figure | None,
    product_dir: str | Path | None = None,
    name: str | None = None,
    headline: bool = False,
) -> go.Figure | None:
    """Return ``fig`` for display, keeping a copy in the product folder if asked (None passes through).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure.
    product_dir : str or Path, optional
        Stage product folder; with ``name``, the figure is saved there.
    name : str, optional
        File stem of the saved figure.
    headline : bool
        List the figure among the stage's headline figures shown on the run's index page.
    """
    if fig is None:  # a figure that does not apply to this task or dataset
        return None
    if product_dir is not None and name is not None:
        path = save_figure(fig, product_dir, name)
        if headline:
            add_headline(product_dir, figures=[str(path.relative_to(product_dir))])
    return fig


def add_headline(
    product_dir: str | Path, metrics: dict[str, Any] | None = None, figures: list[str] | None = None
) -> dict[str, Any]:
    """Merge headline metrics and figures into ``<product_dir>/headline.json``.

    The runner copies headline metrics into ``run.json`` and draws headline figures on the
    run's ``index.html``.
    """
    from vitalkit.io import read_json

    path = Path(product_dir) / "headline.json"
    data: dict[str, Any] = read_json(path) if path.is_file() else {"metrics": {}, "figures": []}
    data["metrics"].update(metrics or {})
    for f in figures or []:
        if f not in data["figures"]:
            data["figures"].append(f)
    write_json(path, data)
    return data
