"""Figures a clinician reads: scores around onset, alert timelines, calibration, comparison.

All plotly, small (aggregated or a handful of patients), for notebooks and offline reports.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"score": ["news2"] * 2, "group": ["septic", "non-septic (all hours)"],
...                   "relative_hour": [-1.0, float("nan")], "median": [5.0, 2.0], "q25": [3.0, 1.0],
...                   "q75": [7.0, 3.0], "patients": [10, 20]})
>>> len(onset_trajectory_figure(t).data) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vitalkit.evaluate.plots import MODEL_COLOURS
from vitalkit.vitals.metrics import prevalence_weights
from vitalkit.vitals.news2 import news2_score
from vitalkit.vitals.series import VitalSeries


def onset_trajectory_figure(trajectories: pd.DataFrame, titles: Mapping[str, str] | None = None) -> go.Figure:
    """Median and interquartile band of each score by hour relative to onset (septic patients),
    with the non-septic patients' median and IQR over all their hours as a grey band."""
    scores = list(dict.fromkeys(trajectories["score"]))
    titles = titles or {}
    fig = make_subplots(rows=1, cols=len(scores), subplot_titles=[titles.get(s, s) for s in scores])
    for i, score in enumerate(scores, start=1):
        t = trajectories[trajectories["score"] == score]
        sep = t[t["group"] == "septic"].sort_values("relative_hour")
        ref = t[t["group"] != "septic"].iloc[0]
        colour = MODEL_COLOURS[(i - 1) % len(MODEL_COLOURS)]
        x = sep["relative_hour"].tolist()
        fig.add_hrect(
            y0=ref["q25"], y1=ref["q75"], fillcolor="lightgrey", opacity=0.4, line_width=0, row=1, col=i
        )
        fig.add_hline(y=ref["median"], line_dash="dot", line_color="grey", row=1, col=i)
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=sep["q75"].tolist() + sep["q25"].tolist()[::-1],
                fill="toself",
                fillcolor=colour,
                opacity=0.2,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            ),
            row=1,
            col=i,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=sep["median"],
                mode="lines+markers",
                line={"color": colour},
                name=titles.get(score, score),
                customdata=sep["patients"],
                hovertemplate="%{x} h: median %{y:.3g} (%{customdata} patients)<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=i,
        )
        fig.add_vline(x=0, line_color="#e45756", row=1, col=i)
        fig.add_vrect(x0=-6, x1=0, fillcolor="#e45756", opacity=0.07, line_width=0, row=1, col=i)
    fig.update_xaxes(title_text="hours from sepsis onset")
    fig.update_layout(
        title="Scores around onset: septic patients (median, IQR) vs non-septic patients (grey: all hours)",
        height=330,
    )
    return fig


def pick_timeline_patients(
    frame: pd.DataFrame, n_septic: int = 6, n_other: int = 3, seed: int = 0
) -> list[str]:
    """A seeded draw of test patients for alert timelines: septic (not censored, >= 12 h before
    onset recorded) and non-septic."""
    rng = np.random.default_rng(seed)
    test = frame[frame["split"] == "test"]
    per = test.groupby("patient", sort=False).agg(
        septic=("septic", "first"), censored=("censored", "first"), onset=("onset_hour", "first")
    )
    septic = per.index[per["septic"] & ~per["censored"] & (per["onset"] >= 12)].tolist()
    other = per.index[~per["septic"]].tolist()
    take = lambda ids, n: sorted(rng.choice(ids, size=min(n, len(ids)), replace=False).tolist())  # noqa: E731
    return take(septic, n_septic) + take(other, n_other)


def alert_timeline_figure(
    frame: pd.DataFrame,
    risk: pd.DataFrame,
    thresholds: Mapping[str, float],
    patients: Sequence[str],
    hours_before: int = 36,
) -> go.Figure:
    """Hour-by-hour alerts of every model for a few patients (septic: aligned at onset).

    Each row is one patient and model; a filled cell is an hour with an alert. The red
    line is onset, the shaded band the 6 hours before it (where an alert is a true early
    warning); non-septic patients are shown over their last ``hours_before`` hours.
    """
    models = [m for m in thresholds if m in risk.columns]
    rows, z, text = [], [], []
    x = np.arange(-hours_before, 4)
    for p in patients:
        f = frame[frame["patient"] == p]
        septic = bool(f["septic"].iloc[0])
        rel = (f["hour"] - f["onset_hour"]).to_numpy() if septic else (f["hour"] - f["hour"].max()).to_numpy()
        label = f"{p} ({'septic' if septic else 'non-septic'})"
        for m in models:
            alert = risk.loc[f.index, m].to_numpy() >= thresholds[m]
            line = np.full(x.size, np.nan)
            inside = (rel >= x[0]) & (rel <= x[-1])
            line[(rel[inside] - x[0]).astype(int)] = alert[inside].astype(float)
            rows.append(f"{label} · {m}")
            z.append(line)
            text.append([m] * x.size)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=rows,
            colorscale=[[0, "#eeeeee"], [1, "#f58518"]],
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="%{y}<br>%{x} h: %{z}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.add_vline(x=0, line_color="#e45756")
    fig.add_vrect(x0=-6.5, x1=-0.5, fillcolor="#e45756", opacity=0.12, line_width=0)
    fig.update_layout(
        title="Alert timelines (orange: alert at the validation threshold; septic rows aligned at onset = 0)",
        xaxis_title="hours from onset (septic) / from end of record (non-septic)",
        yaxis_autorange="reversed",
        height=max(300, 14 * len(rows) + 120),
        margin={"l": 260},
    )
    return fig


def calibration_table(
    y: np.ndarray, prob: np.ndarray, septic: np.ndarray, share: np.ndarray, target: float, bins: int = 10
) -> pd.DataFrame:
    """Mean predicted risk and observed rate per risk decile, on the subset and re-weighted."""
    w = prevalence_weights(septic, target, share)
    edges = np.unique(np.quantile(prob, np.linspace(0, 1, bins + 1)))
    idx = np.clip(np.searchsorted(edges, prob, side="right") - 1, 0, edges.size - 2)
    frame = pd.DataFrame({"bin": idx, "p": prob, "y": y, "w": w, "wy": w * y})
    g = frame.groupby("bin")
    return pd.DataFrame(
        {
            "predicted": g["p"].mean(),
            "observed": g["y"].mean(),
            "observed_adjusted": g["wy"].sum() / g["w"].sum(),
            "hours": g.size(),
        }
    )


def calibration_tables(
    frame: pd.DataFrame, risk: pd.DataFrame, models: Sequence[str], target: float, bins: int = 10
) -> dict[str, pd.DataFrame]:
    """:func:`calibration_table` of each model on the evaluated hours of the test patients."""
    rows = (frame["split"].to_numpy() == "test") & frame["evaluable"].to_numpy()
    f = frame[rows]
    share = 1.0 / f.groupby("patient", sort=False)["patient"].transform("size").to_numpy()
    return {
        m: calibration_table(
            f["ahead"].to_numpy(), risk[m].to_numpy()[rows], f["septic"].to_numpy(), share, target, bins
        )
        for m in models
    }


def calibration_figure(tables: Mapping[str, pd.DataFrame], target: float) -> go.Figure:
    """Reliability diagram: observed 6-h-ahead rate vs predicted risk, per model, on the subset
    (solid) and re-weighted to the target prevalence (dashed)."""
    fig = go.Figure()
    top = max(float(t[["predicted", "observed"]].to_numpy().max()) for t in tables.values())
    fig.add_trace(
        go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"color": "grey", "dash": "dot"}, name="ideal")
    )
    for i, (name, t) in enumerate(tables.items()):
        c = MODEL_COLOURS[(i + 4) % len(MODEL_COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=t["predicted"],
                y=t["observed"],
                mode="lines+markers",
                line={"color": c},
                name=f"{name} (subset)",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=t["predicted"],
                y=t["observed_adjusted"],
                mode="lines+markers",
                line={"color": c, "dash": "dash"},
                name=f"{name} (at {100 * target:.1f}% prevalence)",
            )
        )
    fig.update_layout(
        title="Calibration on the test patients (deciles of predicted risk)",
        xaxis_title="mean predicted risk",
        yaxis_title="observed share of hours with onset within 6 h",
        height=380,
    )
    return fig


def comparison_figure(values: pd.DataFrame, metrics: Sequence[str] = ("auroc", "utility")) -> go.Figure:
    """Point estimates and bootstrap CIs of each model, one panel per metric (forest plot)."""
    names = {"auroc": "AUROC (6 h ahead)", "utility": "normalized utility", "auprc": "AUPRC"}
    fig = make_subplots(
        rows=1, cols=len(metrics), subplot_titles=[names.get(m, m) for m in metrics], shared_yaxes=True
    )
    models = list(dict.fromkeys(values["model"]))
    for i, metric in enumerate(metrics, start=1):
        v = values[values["metric"] == metric].set_index("model").reindex(models)
        fig.add_trace(
            go.Scatter(
                x=v["value"],
                y=models,
                mode="markers",
                marker={
                    "size": 9,
                    "color": [MODEL_COLOURS[k % len(MODEL_COLOURS)] for k in range(len(models))],
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (v["ci_high"] - v["value"]).tolist(),
                    "arrayminus": (v["value"] - v["ci_low"]).tolist(),
                },
                showlegend=False,
            ),
            row=1,
            col=i,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title="Held-out patients: estimates with 95% patient-bootstrap CIs", height=340)
    return fig


def numerics_figure(series: VitalSeries, fill_hours: float = 6.0) -> go.Figure:
    """Vital signs of a numerics record (minute resolution) and its NEWS2 over time.

    NEWS2 is scored every minute on the values carried forward at most ``fill_hours``
    (cuff pressures come a few times an hour); temperature, consciousness and oxygen are
    not in numerics records and count as missing (0 points).
    """
    news2 = news2_score(series.fill(fill_hours).values)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06)
    step = max(1, len(series) // 600)  # at most ~600 points per trace
    t = series.time_h[::step]
    for i, ch in enumerate(("HR", "SpO2", "SBP", "RR")):
        if ch in series.values:
            fig.add_trace(
                go.Scatter(
                    x=t, y=series.values[ch].to_numpy()[::step], name=ch, line={"color": MODEL_COLOURS[i]}
                ),
                row=1,
                col=1,
            )
    fig.add_trace(
        go.Scatter(
            x=t, y=news2["news2"].to_numpy()[::step], name="NEWS2", line={"color": "black", "shape": "hv"}
        ),
        row=2,
        col=1,
    )
    fig.update_xaxes(title_text="hours from start of record", row=2, col=1)
    fig.update_layout(title=f"{series.patient_id}: vital signs and NEWS2 (minute numerics)", height=420)
    return fig
