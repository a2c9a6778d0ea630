"""VitalKit: a Jupyter-first research workbench for physiological-signal machine learning.

The package holds the logic; the notebooks in ``notebooks/`` are thin callers of it and
double as the stage reports of a pipeline run (see :mod:`vitalkit.pipeline`). Sub-packages
are imported on first use (``vk.train`` pulls in torch and Lightning; ``vk.data`` does not).

Examples
--------
>>> import vitalkit as vk
>>> vk.__version__
'0.1.0'
>>> vk.labels.aami_class("e")
'N'
"""

from __future__ import annotations

import importlib.metadata

from vitalkit.errors import DataError, ParamsError, SetupError, StageError, VitalKitError
from vitalkit.lazy import lazy_submodules

try:  # one source of truth: the version pyproject.toml gave the installed distribution
    __version__ = importlib.metadata.version("vitalkit")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0.0.0+unknown"

SUBMODULES = (
    "augment",
    "beats",
    "clinical",
    "config",
    "data",
    "datasets",
    "evaluate",
    "explore",
    "export",
    "io",
    "labels",
    "models",
    "pipeline",
    "rhythm",
    "samples",
    "signal",
    "splits",
    "train",
    "viz",
    "vitals",
)

__all__ = [
    "DataError",
    "ParamsError",
    "SetupError",
    "StageError",
    "VitalKitError",
    "__version__",
    *SUBMODULES,
]


__getattr__ = lazy_submodules(__name__, SUBMODULES)
