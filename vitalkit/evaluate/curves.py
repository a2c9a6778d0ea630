"""Per-class ROC and precision-recall curves and calibration (one class against the rest).

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1, 1, 0, 2]); p = np.eye(3)[y] * 0.8 + 0.2 / 3
>>> float(curve_table({"m": p}, y, ["N", "S", "V"]).loc[("m", "S"), "auroc"])
1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from vitalkit.viz import PALETTE


def positives(labels: np.ndarray, i: int) -> np.ndarray:
    """Samples of class ``i`` (class indices) or carrying label ``i`` (multi-hot rows)."""
    labels = np.asarray(labels)
    return labels[:, i] > 0 if labels.ndim == 2 else labels == i


def curve_table(
    probabilities: Mapping[str, np.ndarray], labels: np.ndarray, classes: Sequence[str]
) -> pd.DataFrame:
    """AUROC and average precision (AUPRC) per model and class, one against the rest."""
    rows = []
    for model, proba in probabilities.items():
        for i, cls in enumerate(classes):
            positive = positives(labels, i)
            if positive.all() or not positive.any():
                continue
            rows.append(
                {
                    "model": model,
                    "class": cls,
                    "auroc": roc_auc_score(positive, proba[:, i]),
                    "auprc": average_precision_score(positive, proba[:, i]),
                    "prevalence": positive.mean(),
                }
            )
    return pd.DataFrame(rows).set_index(["model", "class"])


def _thin(x: np.ndarray, y: np.ndarray, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    if x.size <= points:
        return x, y
    idx = np.unique(np.linspace(0, x.size - 1, points).round().astype(int))
    return x[idx], y[idx]


def roc_pr_figure(proba: np.ndarray, labels: np.ndarray, classes: Sequence[str], title: str) -> go.Figure:
    """ROC (left) and precision-recall (right) curves per class of one model."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["ROC", "precision-recall"])
    for i, cls in enumerate(classes):
        positive = positives(labels, i)
        if positive.all() or not positive.any():
            continue
        colour = PALETTE.get(cls)
        fpr, tpr, _ = roc_curve(positive, proba[:, i])
        x, y = _thin(fpr, tpr)
        fig.add_trace(
            go.Scatter(x=x.round(4), y=y.round(4), name=cls, legendgroup=cls, line={"color": colour}),
            row=1,
            col=1,
        )
        precision, recall, _ = precision_recall_curve(positive, proba[:, i])
        x, y = _thin(recall[::-1], precision[::-1])
        fig.add_trace(
            go.Scatter(
                x=x.round(4),
                y=y.round(4),
                name=cls,
                legendgroup=cls,
                showlegend=False,
                line={"color": colour},
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text="false positive rate", row=1, col=1)
    fig.update_yaxes(title_text="sensitivity", row=1, col=1)
    fig.update_xaxes(title_text="sensitivity (recall)", row=1, col=2)
    fig.update_yaxes(title_text="positive predictivity", row=1, col=2)
    fig.update_layout(title=title, height=360)
    return fig


def calibration_table(
    proba: np.ndarray, labels: np.ndarray, classes: Sequence[str], bins: int = 10
) -> pd.DataFrame:
    """Reliability bins per class (one against the rest): mean predicted vs observed frequency."""
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for i, cls in enumerate(classes):
        p = proba[:, i]
        which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        for b in range(bins):
            inside = which == b
            if inside.any():
                rows.append(
                    {
                        "class": cls,
                        "bin": b,
                        "predicted": p[inside].mean(),
                        "observed": positives(labels[inside], i).mean(),
                        "beats": int(inside.sum()),
                    }
                )
    return pd.DataFrame(rows)


def expected_calibration_error(proba: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: beat-weighted gap between confidence and accuracy over confidence bins.

    For multi-hot ``labels`` it is the mean over labels of each label's binary ECE.
    """
    if np.asarray(labels).ndim == 2:
        return float(
            np.mean(
                [
                    expected_calibration_error(
                        np.stack([1 - proba[:, k], proba[:, k]], 1), labels[:, k].astype(int), bins
                    )
                    for k in range(labels.shape[1])
                ]
            )
        )
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == labels
    which = np.clip(np.digitize(confidence, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(gap)


def calibration_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Reliability diagram: observed frequency against mean predicted probability, per class."""
    fig = go.Figure(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="perfect")
    )
    for cls, sub in table.groupby("class", sort=False):
        fig.add_trace(
            go.Scatter(
                x=sub["predicted"].round(4),
                y=sub["observed"].round(4),
                mode="lines+markers",
                name=str(cls),
                line={"color": PALETTE.get(str(cls))},
                text=sub["beats"],
                hovertemplate="%{text} beats",
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="mean predicted probability",
        yaxis_title="observed frequency",
        height=360,
        width=520,
    )
    return fig
