"""Published inter-patient results on MIT-BIH DS2, for context (quoted, not re-run here).

Only figures we can attribute are filled in; the rest are left empty rather than guessed.
The references' protocols differ in details (classes kept, beats used, Q handling), so the
comparison is indicative.

Examples
--------
>>> float(published_table().loc["Niu et al. 2020 (IEEE JBHI)", "accuracy"])
96.4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PUBLISHED = [
    {
        "study": "Niu et al. 2020 (IEEE JBHI)",
        "method": "symbolic representation + multi-perspective CNN",
        "accuracy": 96.4,
        "S_F1": 76.6,
        "V_F1": 89.7,
    },
    {
        "study": "Garcia et al. 2017 (Pattern Recognit. Lett.)",
        "method": "temporal VCG + PSO-optimized SVM",
        "S_+P": 53.0,
    },
    {
        "study": "de Chazal et al. 2004 (IEEE TBME)",
        "method": "linear discriminants on RR and morphology",
        "accuracy": 86.2,
        "S_Se": 75.9,
        "S_+P": 38.5,
        "V_Se": 77.7,
        "V_+P": 81.9,
    },
    {
        "study": "Mondéjar-Guerra et al. 2019 (Biomed. Signal Process. Control)",
        "method": "RR normalised by the patient's average, morphology descriptors, SVM ensemble",
        "accuracy": 94.5,
    },
    {
        "study": "Saenz-Cogollo & Agelli 2020 (Sensors)",
        "method": "random forest on QRS width and RR normalised by the patient's average",
        "accuracy": 96.1,
        "S_F1": 73.1,
        "V_F1": 90.9,
    },
    {
        "study": "Farag 2023 (3 classes N, S, V)",
        "method": "small CNN, RR normalised by 80-beat local and 400-beat averages",
        "accuracy": 98.2,
        "S_F1": 82.1,
        "V_F1": 95.3,
    },
]

REPRODUCTIONS: dict[str, str] = {
    "dechazal2004": "de Chazal et al. 2004 (IEEE TBME)",
    "saenz2020": "Saenz-Cogollo & Agelli 2020 (Sensors)",
}
"""Feature sets (:data:`vitalkit.models.classical.FEATURE_SETS`) that re-implement a paper, by
the paper's row in :data:`PUBLISHED`."""
COLUMNS = ["method", "accuracy", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1"]


def published_table() -> pd.DataFrame:
    """Published DS2 results in percent, marked as published."""
    table = pd.DataFrame(PUBLISHED).set_index("study").reindex(columns=COLUMNS)
    table.insert(0, "source", "published (not re-run)")
    return table


def reproduction_table(ours: pd.DataFrame, feature_sets: dict[str, str]) -> pd.DataFrame | None:
    """Our re-implementations beside the papers' figures, with the gap in points.

    Parameters
    ----------
    ours : pandas.DataFrame
        Test point estimates (fractions), one row per model.
    feature_sets : dict
        Model label to its feature set; models whose set is in :data:`REPRODUCTIONS` are shown.

    Returns
    -------
    pandas.DataFrame or None
        Rows ``(model, 'ours' | 'paper' | 'gap')``, columns in percent; None when no model
        reproduces a paper.
    """
    paper = published_table()
    rows = {}
    for label, feature_set in feature_sets.items():
        study = REPRODUCTIONS.get(feature_set or "")
        if study is None or label not in ours.index:
            continue
        mine = (100 * ours.loc[label, COLUMNS[1:]].astype(float)).round(1)
        theirs = paper.loc[study, COLUMNS[1:]].astype(float)
        rows[(label, f"ours ({feature_set})")] = mine
        rows[(label, f"paper: {study}")] = theirs
        rows[(label, "gap (points)")] = (mine - theirs).round(1)
    if not rows:
        return None
    table = pd.DataFrame(rows).T
    table.index.names = ["model", "row"]
    return table


def with_ours(ours: pd.DataFrame) -> pd.DataFrame:
    """Stack our models' point estimates (fractions, rows = models) on top of the published rows."""
    mine = pd.DataFrame(index=ours.index)
    mine["source"] = "this run (DS2, once)"
    for col in COLUMNS[1:]:
        mine[col] = (100 * ours[col]).round(1) if col in ours else np.nan
    mine["method"] = ours.get("method", "")
    return pd.concat([mine, published_table()])[["source", *COLUMNS]]
