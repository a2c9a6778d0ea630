"""Sepsis onset and the "onset within the next 6 hours" label, defined from ``SepsisLabel``.

The Challenge 2019 labels (Reyna et al. 2020): for a septic patient ``SepsisLabel`` is 1
from 6 hours *before* the Sepsis-3 onset time ``t_sepsis`` (the earlier of suspicion of
infection and the SOFA increase, as the Challenge defined it) to the end of the stay, and
0 before; for other patients it is 0 throughout. So, in hours counted as rows from the
start of the file:

* **onset** ``t_sepsis = (first row with SepsisLabel = 1) + 6`` (the official scorer's
  ``np.argmax(labels) - dt_optimal``). Septic stays in the data end about 3 hours after
  it (at ``t_sepsis + dt_late``);
* **6-hour-ahead label** at hour ``t``: 1 if ``t < t_sepsis <= t + 6`` (onset within the
  next 6 hours), which is ``SepsisLabel == 1`` restricted to hours before onset;
* **evaluated hours**: every hour of non-septic patients and the hours *before onset* of
  septic ones. Hours at or after onset are excluded from AUROC/AUPRC (a score that flags
  sepsis already present is not an early warning); the utility score, as in the
  Challenge, still counts them;
* **left-censored** patients are septic patients whose label is 1 from their first row
  (onset at most 6 h after the record starts, possibly before it): the true onset is
  unknown, no pre-window hour exists, and they are excluded from the 6-hour-ahead
  evaluation and from lead times (kept for the utility score, as the Challenge did).

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"patient": ["a"] * 10 + ["b"] * 3, "hour": [*range(10), 0, 1, 2],
...                   "SepsisLabel": [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]})
>>> o = add_outcomes(f)
>>> o.loc[o.patient == "a", "ahead"].tolist()
[0, 0, 1, 1, 1, 1, 1, 1, 0, 0]
>>> o.loc[o.patient == "a", "evaluable"].tolist()
[True, True, True, True, True, True, True, True, False, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LABEL_LEAD_H = 6
"""Hours by which ``SepsisLabel`` precedes onset (the Challenge's ``-dt_optimal``)."""


def add_outcomes(frame: pd.DataFrame, horizon_h: int = 6, exclude_censored: bool = True) -> pd.DataFrame:
    """Add onset, the ahead label and the evaluation mask to a long patient-hour table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``patient``, ``hour`` (row index within the stay) and ``SepsisLabel``,
        rows of a patient contiguous and in time order.
    horizon_h : int
        Label hours with onset within the next ``horizon_h`` hours (1 to 6; the label
        carries no information beyond 6 h before onset).
    exclude_censored : bool
        Leave left-censored patients out of the evaluated hours (module notes).

    Returns
    -------
    pandas.DataFrame
        A copy with ``septic`` (patient ever labelled), ``censored``, ``onset_hour`` (NaN
        for non-septic), ``hours_to_onset``, ``ahead`` (0/1) and ``evaluable`` (bool).
    """
    if not 1 <= horizon_h <= LABEL_LEAD_H:
        raise ValueError(f"horizon_h must be between 1 and {LABEL_LEAD_H}, got {horizon_h}")
    out = frame.copy()
    label = out["SepsisLabel"].to_numpy() > 0
    by_patient = out.groupby("patient", sort=False, observed=True)
    first_label = out["hour"].where(label).groupby(out["patient"], sort=False, observed=True).transform("min")
    out["septic"] = first_label.notna().to_numpy()
    out["censored"] = (first_label == by_patient["hour"].transform("min")).to_numpy()
    out["onset_hour"] = first_label + LABEL_LEAD_H
    out["hours_to_onset"] = out["onset_hour"] - out["hour"]
    before = out["hours_to_onset"] > 0
    out["ahead"] = (before & (out["hours_to_onset"] <= horizon_h)).astype(np.int8)
    keep = ~out["septic"] | before
    if exclude_censored:
        keep &= ~out["censored"]
    out["evaluable"] = keep.to_numpy()
    return out


def patient_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per patient: ``septic``, ``censored``, ``onset_hour``, ``n_hours``."""
    return frame.groupby("patient", sort=False, observed=True).agg(
        septic=("septic", "first"),
        censored=("censored", "first"),
        onset_hour=("onset_hour", "first"),
        n_hours=("hour", "size"),
    )
