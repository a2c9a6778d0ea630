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
        "S_Se": 75.9,
        "S_+P": 38.5,
        "V_Se": 77.7,
        "V_+P": 81.9,
    },
]
COLUMNS = ["method", "accuracy", "S_Se", "S_+P", "S_F1", "V_Se", "V_+P", "V_F1"]


def published_table() -> pd.DataFrame:
    """Published DS2 results in percent, marked as published."""
    table = pd.DataFrame(PUBLISHED).set_index("study").reindex(columns=COLUMNS)
    table.insert(0, "source", "published (not re-run)")
    return table


def with_ours(ours: pd.DataFrame) -> pd.DataFrame:
    """Stack our models' point estimates (fractions, rows = models) on top of the published rows."""
    mine = pd.DataFrame(index=ours.index)
    mine["source"] = "this run (DS2, once)"
    for col in COLUMNS[1:]:
        mine[col] = (100 * ours[col]).round(1) if col in ours else np.nan
    mine["method"] = ours.get("method", "")
    return pd.concat([mine, published_table()])[["source", *COLUMNS]]
