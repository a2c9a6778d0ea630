"""Rhythm figures (plotly): AF confusion matrix, shockable probability over a record, delays.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"label": ["N", "A", "A"], "predicted": ["N", "A", "O"]})
>>> len(af_confusion_figure(p).data)
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vitalkit.evaluate.metrics import confusion
from vitalkit.evaluate.plots import confusion_figure
from vitalkit.rhythm.rhythms import CINC_CLASSES


def af_confusion_figure(predictions: pd.DataFrame, title: str = "CinC 2017, out-of-fold") -> go.Figure:
    """Confusion matrix (records) of out-of-fold CinC predictions."""
    index = {c: i for i, c in enumerate(CINC_CLASSES)}
    cm = confusion(predictions["label"].map(index), predictions["predicted"].map(index), len(CINC_CLASSES))
    return confusion_figure(cm, CINC_CLASSES, title)


def shock_trace_figure(windows: pd.DataFrame, record: str, window_s: float = 8.0) -> go.Figure:
    """Out-of-fold shockable probability of every window of ``record`` with its shockable stretches shaded."""
    part = windows[windows["record"] == record].sort_values("start_s")
    end = part["start_s"].to_numpy() + window_s
    fig = go.Figure(
        go.Scatter(x=np.round(end, 1), y=part["p_shock"].round(3), mode="lines", name="P(shockable)")
    )
    shock = (part["label"] == "shockable").to_numpy()
    edges = np.diff(np.concatenate([[0], shock.astype(int), [0]]))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        fig.add_vrect(x0=part["start_s"].iloc[a], x1=end[b - 1], fillcolor="red", opacity=0.15, line_width=0)
    fig.update_layout(
        title=f"{record}: shockable probability at each window end (red: reference shockable windows)",
        xaxis_title="time (s)",
        yaxis_title="P(shockable)",
        height=300,
    )
    return fig


def delay_figure(delays: pd.DataFrame) -> go.Figure:
    """Detection delay of each detected shockable episode, by database."""
    d = delays[delays["detected"]].assign(database=lambda t: t["record"].str.split("/").str[0])
    fig = go.Figure()
    for name, part in d.groupby("database"):
        fig.add_trace(go.Box(y=part["delay_s"].round(1), name=name, boxpoints="all"))
    fig.update_layout(title="Shockable episodes: detection delay", yaxis_title="delay (s)", height=320)
    return fig
