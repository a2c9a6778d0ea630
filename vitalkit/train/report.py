"""Training report pieces: learning curves and validation metrics of the selected model.

Examples
--------
>>> import pandas as pd
>>> h = pd.DataFrame({"epoch": [0, 1], "train_loss": [1.0, 0.5], "val_loss": [0.9, 0.7],
...                   "val_macro_f1": [0.4, 0.6]})
>>> len(curves_figure(h).data)
3
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from vitalkit.evaluate.predict import predict_proba
from vitalkit.evaluate.tasks import TASKS, class_table
from vitalkit.train.data import SplitDataModule


def curves_figure(history: pd.DataFrame, best_epoch: int | None = None) -> go.Figure:
    """Loss (train, validation) and validation macro-F1 per epoch, best epoch marked."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["loss", "validation macro-F1"])
    for col, colour in (("train_loss", "#4c78a8"), ("val_loss", "#e45756")):
        if col in history:
            fig.add_trace(
                go.Scatter(
                    x=history["epoch"],
                    y=history[col],
                    name=col,
                    mode="lines+markers",
                    line={"color": colour},
                ),
                row=1,
                col=1,
            )
    fig.add_trace(
        go.Scatter(
            x=history["epoch"],
            y=history["val_macro_f1"],
            name="val_macro_f1",
            mode="lines+markers",
            line={"color": "#54a24b"},
        ),
        row=1,
        col=2,
    )
    if best_epoch is not None:
        fig.add_vline(x=best_epoch, line_dash="dot", line_color="grey", row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(title="Training curves (model selected at the dotted line)", height=330)
    return fig


def validation_report(model: Any, data: SplitDataModule) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-class metrics and accuracy / macro-F1 of ``model`` on the validation patients."""
    data.setup()
    val = data.val_set
    assert val is not None
    metrics = TASKS[val.task]
    pred = metrics.decide(predict_proba(model, *val.inputs()))
    summary = metrics.summary(val.labels, pred, val.classes)
    return class_table(val.labels, pred, list(val.classes), val.task), {
        "accuracy": summary["accuracy"],
        "macro_f1": summary["macro_f1"],
    }
