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

from vitalkit.beats.dataset import BeatSet
from vitalkit.viz import PALETTE


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
        yaxis_type="log",
        title="Beats per class and split",
        yaxis_title="beats (log)",
        height=330,
    )
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
