"""The ``rhythm`` pipeline stage: which data files a parameter section reads, and its problems.

Defaults mirror the parameters cell of ``notebooks/09_rhythm.ipynb``.

Examples
--------
>>> stage_problems({"folds": 1, "shock_sources": {"afdb": "all"}})[:1]
['rhythm: folds must be at least 2, got 1']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vitalkit.data.mitdb import resolve_records as mitdb_records
from vitalkit.data.physionet import database_dir, ensure_records, record_files
from vitalkit.errors import VitalKitError
from vitalkit.rhythm.sources import CINC_SLUG, cinc_subset, resolve_sources

DEFAULTS: dict[str, Any] = {
    "cinc_per_class": 12,
    "folds": 3,
    "af_records": ["201"],
    "shock_sources": {
        "cudb": ["cu01", "cu02", "cu03", "cu05", "cu06", "cu07", "cu08", "cu09", "cu10"],
        "mitdb": ["100"],
    },
    "type_train": ["106", "119", "201", "208", "223"],
    "type_test": ["105", "200", "203", "210", "233"],
    "seed": 0,
}
SLUGS = {"mitdb": "mitdb", "cudb": "cudb", "vfdb": "vfdb", "cinc2017": CINC_SLUG}


def _sources(section: dict[str, Any]) -> dict[str, list[str]]:
    s = {**DEFAULTS, **section}
    spec: dict[str, list[str]] = {k: list(v) for k, v in resolve_sources(s["shock_sources"]).items()}
    mitdb = spec.setdefault("mitdb", [])
    for r in [*s["af_records"], *mitdb_records(s["type_train"]), *mitdb_records(s["type_test"])]:
        if str(r) not in mitdb:
            mitdb.append(str(r))
    spec["cinc2017"] = cinc_subset(s["cinc_per_class"], seed=s["seed"])
    return spec


def stage_inputs(section: dict[str, Any]) -> list[Path]:
    """Every data file the stage reads (hashed into ``run.json``)."""
    files = [database_dir(CINC_SLUG) / "REFERENCE.csv"]
    for database, names in _sources(section).items():
        annotators = () if database == "cinc2017" else ("atr",)
        for base in ensure_records(SLUGS[database], names):
            files += record_files(base, annotators)
    return files


def stage_problems(section: dict[str, Any]) -> list[str]:
    """Problems with the stage's parameters (unknown records, too few folds)."""
    problems = []
    folds = section.get("folds", DEFAULTS["folds"])
    if not isinstance(folds, int) or folds < 2:
        problems.append(f"rhythm: folds must be at least 2, got {folds}")
    try:
        stage_inputs(section)
    except VitalKitError as exc:
        problems.append(str(exc))
    return problems
