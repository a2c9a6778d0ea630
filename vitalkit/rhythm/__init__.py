"""Rhythm detection: AF (CinC 2017), shockable rhythms (cudb, vfdb, MIT-BIH), per-type tables.

Sub-modules load on first use (``vk.rhythm.af``, ``vk.rhythm.shockable`` ...).

Examples
--------
>>> import vitalkit as vk
>>> vk.rhythm.rhythms.rhythm_name("(AFIB")
'AFIB'
"""

from __future__ import annotations

import importlib
from typing import Any

SUBMODULES = (
    "af",
    "benchmark",
    "crossval",
    "dataset",
    "episodes",
    "features",
    "figures",
    "metrics",
    "neural",
    "rhythms",
    "shockable",
    "sources",
    "types",
    "window_features",
)

__all__ = list(SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        module = importlib.import_module(f"vitalkit.rhythm.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'vitalkit.rhythm' has no attribute {name!r}")
