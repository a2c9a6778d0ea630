"""Figures of the clinical measurements (plotly, small enough to live in a notebook).

Examples
--------
>>> import pandas as pd
>>> oof = pd.DataFrame({"MI": [True, False, True, False], "prob": [0.9, 0.2, 0.6, 0.4]})
>>> roc_figure({"logreg": oof}).data[0].name
'logreg (AUROC 1.00)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sklearn.metrics import roc_auc_score

from vitalkit.clinical.mi import roc_points
from vitalkit.data.qtdb import SAMPLING_RATE

ERROR_LABELS = {"qrs_on": "QRS onset", "qrs_off": "J point", "t_end": "T end", "qt": "QT"}


def qt_agreement_figure(errors: pd.DataFrame, protocol: str = "auto", method: str | None = None) -> go.Figure:
    """Bland-Altman plot of QT (left) and the error distributions of each boundary (right).

    Parameters
    ----------
    errors : pandas.DataFrame
        Output of :func:`vitalkit.clinical.qt_validation.qtdb_errors`.
    protocol : str
        Which protocol's rows to draw.
    method : str, optional
        Which delineator's rows (default: the first one present).
    """
    method = method or str(errors["method"].iloc[0])
    sub = errors[(errors["protocol"] == protocol) & (errors["method"] == method)]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=["QT: Bland-Altman", "Errors (detected - annotated)"],
    )
    ok = sub[["ref_qt", "det_qt"]].notna().all(axis=1)
    ref_ms = sub.loc[ok, "ref_qt"] / SAMPLING_RATE * 1000
    det_ms = sub.loc[ok, "det_qt"] / SAMPLING_RATE * 1000
    diff = det_ms - ref_ms
    fig.add_trace(
        go.Scatter(
            x=((ref_ms + det_ms) / 2).round(1),
            y=diff.round(1),
            mode="markers",
            marker={"size": 4, "opacity": 0.5, "color": "#4c78a8"},
            text=sub.loc[ok, "record"],
            hovertemplate="%{text}<br>mean %{x} ms<br>diff %{y} ms<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    if diff.size > 1:
        bias, sd = float(diff.mean()), float(diff.std(ddof=1))
        for level, dash in ((bias, "solid"), (bias - 1.96 * sd, "dash"), (bias + 1.96 * sd, "dash")):
            fig.add_hline(y=level, line={"color": "#e45756", "dash": dash, "width": 1}, row=1, col=1)
        fig.add_annotation(
            x=1,
            xref="x domain",
            y=bias,
            text=f"bias {bias:.1f} ms, ±1.96 SD {1.96 * sd:.1f} ms",
            showarrow=False,
            yshift=10,
            xanchor="right",
            row=1,
            col=1,
        )
    for q, label in ERROR_LABELS.items():
        values = sub[f"err_{q}_ms"].dropna()
        if values.empty:
            continue
        lo, q1, med, q3, hi = np.percentile(values, [5, 25, 50, 75, 95])
        fig.add_trace(
            go.Box(
                name=label,
                q1=[q1],
                median=[med],
                q3=[q3],
                lowerfence=[lo],
                upperfence=[hi],
                mean=[values.mean()],
                sd=[values.std(ddof=1)],
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    fig.add_hrect(y0=-30.6, y1=30.6, fillcolor="#72b7b2", opacity=0.15, line_width=0, row=1, col=2)
    fig.update_xaxes(title_text="mean of annotated and detected QT (ms)", row=1, col=1)
    fig.update_yaxes(title_text="detected - annotated (ms)", row=1, col=1)
    fig.update_yaxes(title_text="ms (box: 5-25-50-75-95 %; band: ±30.6 ms)", row=1, col=2)
    fig.update_layout(title=f"QT Database, {method} ({protocol}): {len(sub)} annotated beats", height=380)
    return fig


def st_trend_figure(result: dict[str, pd.DataFrame], record: str, step: int = 4) -> go.Figure:
    """ST trend per lead with annotated (grey) and detected (red) ST episodes shaded.

    Parameters
    ----------
    result : dict
        Output of :func:`vitalkit.clinical.st_validation.record_st`.
    record : str
        Title.
    step : int
        Draw every ``step``-th trend point (keeps the figure small).
    """
    trend = result["trend"]
    channels = sorted(trend["channel"].unique())
    fig = make_subplots(
        rows=len(channels), cols=1, shared_xaxes=True, subplot_titles=[f"lead {c}" for c in channels]
    )
    for row, channel in enumerate(channels, start=1):
        t = trend[trend["channel"] == channel].iloc[::step]
        fig.add_trace(
            go.Scatter(
                x=(t["time_s"] / 60).round(3),
                y=t["st_mv"].round(3),
                mode="lines",
                line={"color": "#4c78a8", "width": 1},
                name="ST (10 s median)",
                showlegend=row == 1,
            ),
            row=row,
            col=1,
        )
        for table, colour in ((result["reference"], "#888888"), (result["episodes"], "#e45756")):
            for _, ep in table[table["channel"] == channel].iterrows():
                fig.add_vrect(
                    x0=ep["start_s"] / 60,
                    x1=ep["end_s"] / 60,
                    fillcolor=colour,
                    opacity=0.2,
                    line_width=0,
                    row=row,
                    col=1,
                )
        fig.add_hline(y=0.1, line={"dash": "dot", "width": 1, "color": "#999"}, row=row, col=1)
        fig.add_hline(y=-0.1, line={"dash": "dot", "width": 1, "color": "#999"}, row=row, col=1)
        fig.update_yaxes(title_text="mV", row=row, col=1)
    fig.update_xaxes(title_text="minutes", row=len(channels), col=1)
    fig.update_layout(
        title=f"{record}: ST deviation (J+80 ms) - annotated episodes grey, detected red",
        height=200 + 150 * len(channels),
    )
    return fig


def roc_figure(oofs: dict[str, pd.DataFrame]) -> go.Figure:
    """Out-of-fold ROC curves of the MI models."""
    fig = go.Figure()
    for name, oof in oofs.items():
        pts = roc_points(oof)
        auc = roc_auc_score(oof["MI"].astype(bool), oof["prob"])
        fig.add_trace(
            go.Scatter(
                x=pts["fpr"].round(4), y=pts["tpr"].round(4), mode="lines", name=f"{name} (AUROC {auc:.2f})"
            )
        )
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"}, name="chance")
    )
    fig.update_layout(
        title="MI vs other, PTB-XL, leave-one-strat_fold-out",
        xaxis_title="1 - specificity",
        yaxis_title="sensitivity",
        height=380,
        width=520,
    )
    return fig


def hrv_figure(table: pd.DataFrame) -> go.Figure:
    """SDNN and RMSSD per record; records where HRV is not meaningful are faded."""
    colours = np.where(table["hrv_meaningful"], 1.0, 0.3)
    fig = go.Figure()
    for column, colour in (("HRV_SDNN", "#4c78a8"), ("HRV_RMSSD", "#f58518")):
        fig.add_trace(
            go.Bar(
                x=[str(r) for r in table.index],
                y=table[column].round(1),
                name=column.removeprefix("HRV_"),
                marker={"color": colour, "opacity": colours},
                hovertext=table["note"],
            ),
        )
    fig.update_layout(
        title="HRV per record (faded: arrhythmia makes HRV meaningless)",
        barmode="group",
        xaxis_type="category",
        yaxis_title="ms",
        height=330,
    )
    return fig
