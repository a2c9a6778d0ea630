"""The papermill runner, parameter sets, manifests and HTML reports.

Examples
--------
>>> from vitalkit.pipeline import STAGES
>>> "evaluate" in STAGES
True
"""

from __future__ import annotations

from typing import Any

from vitalkit.pipeline.params import ParamSet, load_params
from vitalkit.pipeline.paths import stage_paths
from vitalkit.pipeline.stages import STAGES, Stage, register_stage


def __getattr__(name: str) -> Any:
    # The runner (papermill, Jupyter's kernel machinery) is imported on first use, so that
    # validating a parameter set or listing the stages does not wait for it.
    if name == "run_params":
        from vitalkit.pipeline.runner import run_params

        return run_params
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "STAGES",
    "ParamSet",
    "Stage",
    "load_params",
    "register_stage",
    "run_params",
    "stage_paths",
]
