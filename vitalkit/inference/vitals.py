"""Apply a vitals-model package (early warning of sepsis) to ICU stays, hour by hour.

A stay is one Challenge 2019 ``.psv`` file (one row per hour: vital signs, labs, per-stay
values, ``ICULOS``; ``SepsisLabel`` optional). The package's metadata carries the
:class:`~vitalkit.vitals.stay.VitalsRecipe` (fill limits, windows, columns), so the inputs are
rebuilt exactly as in training (:func:`~vitalkit.vitals.stay.stay_inputs`), and the alert
threshold chosen on validation patients. The GRU reads the whole stay once; its risk at hour
``t`` depends on hours up to ``t`` only, as at the bedside.

With ``SepsisLabel`` present a stay is scored with the stage's definitions
(:mod:`vitalkit.vitals.onset`): the 6-hour-ahead label, the evaluated hours (before onset),
AUROC over them where both classes occur, the Challenge utility of the alerts and the
warning time of the first alert before onset. :func:`pooled_vitals_score` pools several stays
(AUROC over all evaluated hours, normalised utility, patients alerted).

Examples
--------
>>> from vitalkit.export.package import load_package
>>> package = load_package("reports/vitals-.../vitals/gru.onnx")          # doctest: +SKIP
>>> pred = predict_vitals(package, "sepsis2019/p100001.psv")              # doctest: +SKIP
>>> pred.hours[["hour", "risk", "alert"]].head(2)                         # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackage
from vitalkit.vitals.metrics import lead_times, roc_auc
from vitalkit.vitals.onset import add_outcomes
from vitalkit.vitals.stay import VitalsRecipe, read_stay, stay_inputs
from vitalkit.vitals.utility import normalized_utility, patient_utilities

MIN_HOURS = 2
"""Shortest stay scored (the exported GRU's time axis starts at 2)."""

LEAD_WINDOW_H = 12.0
"""Alerts up to this many hours before onset count as early warnings (as in the stage)."""


@dataclass
class VitalsPredictions:
    """Hourly risk of one stay.

    Attributes
    ----------
    record : str
        The stay's name (file stem).
    hours : pandas.DataFrame
        ``hour``, ``time_h`` (ICU hours), ``risk`` and ``alert`` per hour.
    frame : pandas.DataFrame
        The stay as read (:func:`~vitalkit.vitals.stay.read_stay`).
    threshold : float or None
        Alert threshold of the model (None: no alerts).
    classes : list of str
        The model's output.
    timings_s : dict
        Seconds spent reading, building inputs and on the model.
    inputs : dict
        The arrays fed to the model.
    """

    record: str
    hours: pd.DataFrame
    frame: pd.DataFrame
    threshold: float | None
    classes: list[str]
    timings_s: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def labelled(self) -> bool:
        """Whether the stay carries ``SepsisLabel`` on every hour."""
        return bool(self.frame["SepsisLabel"].notna().all())

    def counts(self) -> pd.DataFrame:
        """Hours with and without an alert, and their share."""
        alert = self.hours["alert"].to_numpy(bool)
        n = pd.Series({"alert": int(alert.sum()), "no alert": int((~alert).sum())})
        return pd.DataFrame({"hours": n, "share_%": 100.0 * n / max(len(alert), 1)})


def predict_vitals(package: ModelPackage, path: str | Path) -> VitalsPredictions:
    """Risk per hour of the stay in ``path`` (a Challenge 2019 ``.psv`` file).

    Raises
    ------
    DataError
        The file's problem (not found, not a Challenge file, bad cells ...), or a stay shorter
        than :data:`MIN_HOURS`, named.
    """
    if package.task != "vitals":
        raise DataError(package.path, f"a {package.task!r} model, not a vitals model")
    path = Path(path)
    start = time.perf_counter()
    frame = read_stay(path)
    if len(frame) < MIN_HOURS:
        raise DataError(path, f"{len(frame)} hourly row(s); the model needs at least {MIN_HOURS}")
    read_s = time.perf_counter() - start
    recipe = VitalsRecipe.from_dict(package.metadata["vitals"])
    values, measured = stay_inputs(frame, recipe)
    inputs_s = time.perf_counter() - start - read_s
    risk = package.predict_proba({"values": values[None], "measured": measured[None]})[0]
    model_s = time.perf_counter() - start - read_s - inputs_s
    threshold = package.metadata["vitals"].get("alert_threshold")
    hours = pd.DataFrame(
        {
            "hour": frame["hour"].to_numpy(),
            "time_h": frame["time_h"].to_numpy(),
            "risk": risk.astype(np.float64),
            "alert": (risk >= threshold) if threshold is not None else np.zeros(len(risk), bool),
        }
    )
    return VitalsPredictions(
        record=path.stem,
        hours=hours,
        frame=frame,
        threshold=None if threshold is None else float(threshold),
        classes=package.classes,
        timings_s={"read": round(read_s, 4), "inputs": round(inputs_s, 4), "model": round(model_s, 4)},
        inputs={"values": values, "measured": measured},
    )


def _outcomes(pred: VitalsPredictions, horizon_h: int) -> pd.DataFrame:
    labels = pred.frame[["patient", "hour", "SepsisLabel"]].astype({"SepsisLabel": np.int8})
    return add_outcomes(labels, horizon_h)


def score_vitals(pred: VitalsPredictions, horizon_h: int = 6) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Score one stay's risk against its ``SepsisLabel``.

    Returns
    -------
    table : pandas.DataFrame
        One row (the stay): hours, evaluated hours, label-positive hours, septic, onset hour,
        AUROC (NaN unless both classes occur), alert Se / +P over the evaluated hours, first
        alert hour, warning hours before onset, utility observed / best / inaction.
    summary : dict
        The same figures as plain values.

    Raises
    ------
    DataError
        The stay has no ``SepsisLabel``.
    """
    if not pred.labelled:
        raise DataError(pred.record, "--score needs SepsisLabel on every hour, and this stay has none")
    out = _outcomes(pred, horizon_h)
    evaluable = out["evaluable"].to_numpy(bool)
    y = out["ahead"].to_numpy()[evaluable]
    risk = pred.hours["risk"].to_numpy()
    alert = pred.hours["alert"].to_numpy(bool)
    hit = alert[evaluable]
    tp = int((hit & (y == 1)).sum())
    utilities = patient_utilities(out["SepsisLabel"].to_numpy(), alert, out["patient"].to_numpy()).iloc[0]
    leads = lead_times(out, alert, LEAD_WINDOW_H)
    onset = out["onset_hour"].iloc[0]
    first_alert = int(np.argmax(alert)) if alert.any() else None
    summary: dict[str, Any] = {
        "stay": pred.record,
        "hours": len(out),
        "evaluated_hours": int(evaluable.sum()),
        "positive_hours": int(y.sum()),
        "septic": bool(out["septic"].iloc[0]),
        "censored": bool(out["censored"].iloc[0]),
        "onset_hour": None if pd.isna(onset) else int(onset),
        "auroc": roc_auc(y, risk[evaluable]) if 0 < y.sum() < y.size else float("nan"),
        "alert_se": tp / int(y.sum()) if y.sum() else float("nan"),
        "alert_ppv": tp / int(hit.sum()) if hit.sum() else float("nan"),
        "alert_hours": int(alert.sum()),
        "first_alert_hour": first_alert,
        "warning_h": float(leads["lead_h"].iloc[0])
        if len(leads) and leads["septic"].iloc[0]
        else float("nan"),
        "utility_observed": float(utilities["observed"]),
        "utility_best": float(utilities["best"]),
        "utility_inaction": float(utilities["inaction"]),
        "threshold": pred.threshold,
    }
    return pd.DataFrame([summary]).set_index("stay"), summary


def pooled_vitals_score(predictions: Sequence[VitalsPredictions], horizon_h: int = 6) -> dict[str, Any]:
    """Figures over several labelled stays: AUROC over all evaluated hours, the normalised
    Challenge utility of the alerts, septic patients warned in the 12 h before onset, false
    alerts of the others.

    Examples
    --------
    >>> pooled_vitals_score([])["stays"]
    0
    """
    scored = [p for p in predictions if p.labelled]
    if not scored:
        return {"stays": 0}
    ys, risks, rows = [], [], []
    for p in scored:
        out = _outcomes(p, horizon_h)
        keep = out["evaluable"].to_numpy(bool)
        ys.append(out["ahead"].to_numpy()[keep])
        risks.append(p.hours["risk"].to_numpy()[keep])
        u = patient_utilities(out["SepsisLabel"].to_numpy(), p.hours["alert"].to_numpy(bool), out["patient"])
        leads = lead_times(out, p.hours["alert"].to_numpy(bool), LEAD_WINDOW_H)
        rows.append(
            {
                **u.iloc[0].to_dict(),
                "septic": bool(out["septic"].iloc[0]),
                **(
                    {
                        "counted": True,
                        "alerted": bool(leads["alerted"].iloc[0]),
                        "lead_h": leads["lead_h"].iloc[0],
                    }
                    if len(leads)
                    else {"counted": False, "alerted": False, "lead_h": np.nan}
                ),
            }
        )
    t = pd.DataFrame(rows)
    y, r = np.concatenate(ys), np.concatenate(risks)
    septic = t["septic"] & t["counted"]
    other = ~t["septic"]
    return {
        "stays": len(scored),
        "septic_stays": int(t["septic"].sum()),
        "evaluated_hours": int(y.size),
        "auroc": roc_auc(y, r) if 0 < y.sum() < y.size else float("nan"),
        "utility": normalized_utility(t["observed"], t["best"], t["inaction"]),
        "septic_warned": int(t.loc[septic, "alerted"].sum()),
        "septic_counted": int(septic.sum()),
        "median_warning_h": float(t.loc[septic, "lead_h"].median()) if septic.any() else float("nan"),
        "other_alerted": int(t.loc[other, "alerted"].sum()),
        "other_stays": int(other.sum()),
    }
