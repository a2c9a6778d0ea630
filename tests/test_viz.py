"""Shared plotting helpers: log axes whose tick labels read 0.01, 0.1, 1, 10 (not "5 2 1 5 2")."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from vitalkit.beats.figures import class_counts_figure
from vitalkit.export.stage import latency_figure
from vitalkit.signal.figures import spectra_figure, timefreq_figure
from vitalkit.signal.spectra import TimeFrequency
from vitalkit.viz import log_axis


def _readable_log_axis(axis: go.layout.YAxis) -> dict[str, Any]:
    """The axis's tick settings, after checking that plotly's small-digit labels cannot appear."""
    assert axis.type == "log"
    if axis.tickvals is None:  # decades, each labelled in full
        assert axis.dtick == 1 and axis.tickformat == "~g"
        return {"dtick": axis.dtick}
    assert axis.ticktext is not None and len(axis.ticktext) == len(axis.tickvals)
    return {"ticktext": list(axis.ticktext)}


def test_log_axis_ticks_decades_or_one_two_five_labelled_in_full() -> None:
    assert log_axis() == {"type": "log", "dtick": 1, "tickformat": "~g"}
    assert log_axis([1e-12, 1e-3, 0.5]) == log_axis()  # many decades: one tick each
    assert log_axis([0.0, -1.0, np.nan]) == log_axis()  # nothing a log axis can show
    narrow = log_axis([0.0, 0.05, 0.3, 3.0])  # < 2 decades: 1-2-5 ticks, zero ignored
    assert narrow["type"] == "log" and "dtick" not in narrow
    assert narrow["ticktext"] == ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10"]
    np.testing.assert_allclose(narrow["tickvals"], [float(t) for t in narrow["ticktext"]])
    go.Figure().update_yaxes(**narrow).update_xaxes(**log_axis())  # valid plotly properties


def test_latency_figure_has_a_readable_log_axis() -> None:
    rng = np.random.default_rng(0)
    results = {
        "resnet1d": {
            "pytorch": {"samples_ms": list(rng.uniform(0.4, 3.0, 50))},
            "onnxruntime": {"samples_ms": list(rng.uniform(0.05, 0.2, 50))},
        }
    }
    fig = latency_figure(results)
    assert _readable_log_axis(fig.layout.yaxis) == {
        "ticktext": ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10"]
    }
    assert pio.to_json(fig)  # serialises


def test_class_counts_figure_has_a_readable_log_axis() -> None:
    counts = pd.DataFrame(
        {"N": [40000, 9000], "S": [900, 20], "V": [3000, 700], "total": [43900, 9720]},
        index=["train", "test"],
    )
    assert _readable_log_axis(class_counts_figure(counts).layout.yaxis) == {"dtick": 1}


def test_signal_figures_have_readable_log_axes() -> None:
    fs = 360
    t = np.arange(20 * fs) / fs
    x = np.sin(2 * np.pi * 1.2 * t) + 0.05 * np.random.default_rng(0).standard_normal(t.size)
    assert _readable_log_axis(spectra_figure({"raw": x}, fs).layout.yaxis) == {"dtick": 1}
    tf = TimeFrequency(
        frequencies=np.geomspace(0.5, 40.0, 24),
        times=np.arange(100) / 10,
        power=np.ones((24, 100)),
        method="CWT (Morlet)",
    )
    fig = timefreq_figure(tf, x[: 10 * fs], fs)
    assert _readable_log_axis(fig.layout.yaxis2)["ticktext"][:3] == ["0.1", "0.2", "0.5"]


def test_figure_divs_are_named_by_content_and_order_not_at_random() -> None:
    import plotly.graph_objects as go

    from vitalkit import viz

    viz._FIGURE_NUMBER = itertools.count(1)
    first = [viz.figure_html(go.Figure(go.Scatter(y=[1, 2]))) for _ in range(2)]
    viz._FIGURE_NUMBER = itertools.count(1)  # a second run of the same notebook
    second = [viz.figure_html(go.Figure(go.Scatter(y=[1, 2]))) for _ in range(2)]
    assert first == second and first[0] != first[1]  # same page, yet two divs on it
    assert 'id="vk-' in first[0]


def test_report_names_the_injected_cell_the_same_every_run(tmp_path) -> None:
    import nbformat

    from vitalkit.pipeline.report import notebook_to_html

    pages = []
    for run in range(2):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("seed = 0")  # papermill's cell, a random id each time
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells = [cell, nbformat.v4.new_code_cell("print(seed)")]
        nb.cells[1].id = "fixed"
        nbformat.write(nb, tmp_path / f"nb{run}.ipynb")
        pages.append(notebook_to_html(tmp_path / f"nb{run}.ipynb", tmp_path / f"r{run}.html").read_text())
    assert pages[0] == pages[1] and "cell-id=injected-parameters" in pages[0]
