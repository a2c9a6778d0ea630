"""The papermill runner, parameter sets, manifests and HTML reports.

Examples
--------
>>> from vitalkit.pipeline import STAGES
>>> "evaluate" in STAGES
True
"""

from __future__ import annotations

from vitalkit.pipeline.params import ParamSet, load_params
from vitalkit.pipeline.paths import stage_paths
from vitalkit.pipeline.runner import run_params
from vitalkit.pipeline.stages import STAGES, Stage, register_stage

__all__ = [
    "STAGES",
    "ParamSet",
    "Stage",
    "load_params",
    "register_stage",
    "run_params",
    "stage_paths",
]
