"""Figures of the beat dataset (preprocessing report).

Examples
--------
>>> import pandas as pd
>>> counts = pd.DataFrame({"N": [10, 5], "S": [1, 2]}, index=["train", "test"])
>>> class_counts_figure(counts).data[0].name
'N'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vitalkit.samples import BeatSet
from vitalkit.viz import PALETTE, log_axis, percentile_box


def class_counts_figure(counts: pd.DataFrame) -> go.Figure:
    """Beats per class and split (log scale), counts on the bars."""
    fig = go.Figure()
    for cls in [c for c in counts.columns if c != "total"]:
        fig.add_trace(
            go.Bar(
                x=list(counts.index),
                y=counts[cls],
                name=cls,
                text=counts[cls],
                marker_color=PALETTE.get(cls),
            )
        )
    fig.update_layout(
        barmode="group",
        title="Beats per class and split",
        yaxis_title="beats (log)",
        height=330,
    )
    classes = counts[[c for c in counts.columns if c != "total"]]
    fig.update_yaxes(**log_axis(classes.to_numpy(dtype=float)))
    return fig


def mean_beats_figure(sets: Mapping[str, BeatSet]) -> go.Figure:
    """Mean beat (± SD band) per class, one panel per split: do splits look alike?"""
    names = list(sets)
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, subplot_titles=names)
    for col, split in enumerate(names, start=1):
        beats = sets[split]
        t = (np.arange(beats.windows.shape[-1]) / beats.sampling_rate - beats.before_s) * 1000
        for i, cls in enumerate(beats.classes):
            w = beats.windows[beats.labels == i, 0]
            if len(w) == 0:
                continue
            fig.add_trace(
                go.Scatter(
                    x=t[::2],
                    y=w.mean(axis=0)[::2],
                    name=cls,
                    legendgroup=cls,
                    showlegend=col == 1,
                    line={"color": PALETTE.get(cls)},
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="ms from R peak")
    fig.update_yaxes(title_text="mV", row=1, col=1)
    fig.update_layout(title="Mean beat per class", height=330)
    return fig


def qrs_f1_figure(per_record: pd.DataFrame) -> go.Figure:
    """F1 (%) of every detector on every record (QRS benchmark ``per_record`` table).

    The colour scale saturates at 95 %, so that the records where detectors differ stand out.
    """
    table = per_record.pivot(index="detector", columns="record", values="f1") * 100
    order = table.mean(axis=1).sort_values().index
    table = table.loc[order]
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy().round(2),
            x=[str(c) for c in table.columns],
            y=list(table.index),
            zmin=95,
            zmax=100,
            colorscale="RdYlGn",
            colorbar={"title": "F1 %"},
            hovertemplate="%{y} on %{x}: F1 %{z:.2f} %<extra></extra>",
        )
    )
    fig.update_layout(
        title="QRS detection F1 per record (150 ms tolerance)",
        xaxis_type="category",
        xaxis_title="record",
        height=120 + 28 * len(table),
    )
    return fig


def qrs_jitter_figure(jitter_ms: dict[str, np.ndarray]) -> go.Figure:
    """Timing error |detected - reference| per detector: boxes of precomputed percentiles
    (25/50/75, whiskers 5-95 %), so the figure stays small whatever the number of beats."""
    fig = go.Figure()
    for det, values in jitter_ms.items():
        if values.size == 0:
            continue
        fig.add_trace(percentile_box(values, det))
    fig.update_layout(title="R-peak timing error of matched beats", yaxis_title="|Δt| (ms)", height=340)
    return fig
