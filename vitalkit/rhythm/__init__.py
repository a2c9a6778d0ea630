"""Rhythm detection: AF (CinC 2017), shockable rhythms (cudb, vfdb, MIT-BIH), per-type tables.

Sub-modules load on first use (``vk.rhythm.af``, ``vk.rhythm.shockable`` ...).

Examples
--------
>>> import vitalkit as vk
>>> vk.rhythm.rhythms.rhythm_name("(AFIB")
'AFIB'
"""

from __future__ import annotations

from vitalkit.lazy import lazy_submodules

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


__getattr__ = lazy_submodules(__name__, SUBMODULES)
