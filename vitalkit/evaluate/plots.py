"""Evaluation figures (plotly): confusion matrices and metrics with confidence intervals.

Examples
--------
>>> import numpy as np
>>> fig = confusion_figure(np.array([[5, 1], [0, 3]]), ["N", "S"])
>>> fig.data[0].type
'heatmap'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MODEL_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d"]


def confusion_figure(cm: np.ndarray, classes: Sequence[str], title: str = "Confusion matrix") -> go.Figure:
    """Heatmap of row-normalized percentages, annotated with counts."""
    cm = np.asarray(cm)
    rows = cm.sum(axis=1, keepdims=True)
    pct = np.divide(100 * cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    text = [[f"{cm[i, j]:,}<br>{pct[i, j]:.1f}%" for j in range(len(classes))] for i in range(len(classes))]
    fig = go.Figure(
        go.Heatmap(
            z=pct,
            x=list(classes),
            y=list(classes),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": "% of row"},
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="predicted",
        yaxis_title="reference",
        yaxis_autorange="reversed",
        width=480,
        height=420,
    )
    return fig


def metrics_ci_figure(
    boots: Mapping[str, pd.DataFrame],
    classes: Sequence[str],
    metrics: Sequence[str] = ("Se", "+P", "F1"),
) -> go.Figure:
    """Per-class metrics of one or more models, with bootstrap 95% CI error bars."""
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=list(metrics), shared_yaxes=True)
    colours = {label: MODEL_COLOURS[i % len(MODEL_COLOURS)] for i, label in enumerate(boots)}

    for col, metric in enumerate(metrics, start=1):
        for label, boot in boots.items():
            names = [f"{c}_{metric}" for c in classes]
            v = 100 * boot.loc[names, "value"].to_numpy(dtype=float)
            lo = 100 * boot.loc[names, "ci_low"].to_numpy(dtype=float)
            hi = 100 * boot.loc[names, "ci_high"].to_numpy(dtype=float)
            fig.add_trace(
                go.Bar(
                    x=list(classes),
                    y=v,
                    name=label,
                    legendgroup=label,
                    showlegend=col == 1,
                    marker_color=colours[label],
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": hi - v,
                        "arrayminus": v - lo,
                    },
                ),
                row=1,
                col=col,
            )
    fig.update_yaxes(range=[0, 105], title_text="%", row=1, col=1)
    fig.update_layout(barmode="group", height=360, title="DS2 per-class metrics (95% CI over records)")
    return fig
