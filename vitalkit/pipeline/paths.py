"""Product folders of a stage, whether run by the runner or by hand in JupyterLab.

The runner passes ``product_dir`` and ``upstream`` to every notebook. Run by hand, the
notebooks keep their defaults (``""`` and ``{}``) and this module points them at
``reports/interactive/<folder>`` (``VITALKIT_INTERACTIVE_DIR``), so "Run All" on 01 to 05
in order works like a small pipeline run.

Examples
--------
>>> import os
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {"VITALKIT_INTERACTIVE_DIR": "/tmp/vk-interactive"}):
...     p = stage_paths("evaluate", "", {})

>>> str(p.product)
'/tmp/vk-interactive/04_evaluate'
>>> str(p.upstream["preprocess"])
'/tmp/vk-interactive/02_preprocess'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vitalkit import config
from vitalkit.errors import DataError
from vitalkit.pipeline.stages import STAGES


@dataclass
class StagePaths:
    """Where a stage writes and what it reads.

    Attributes
    ----------
    product : Path
        The stage's own product folder (created).
    upstream : dict
        ``{stage: Path}``, or ``{stage: {model: Path}}`` for per-model upstream stages.
    interactive : bool
        True when run by hand (defaults used).
    """

    product: Path
    upstream: dict[str, Any] = field(default_factory=dict)
    interactive: bool = False

    def models(self, stage: str = "train") -> dict[str, Path]:
        """Per-model upstream folders, e.g. every trained model."""
        value = self.upstream.get(stage, {})
        if not value:
            raise DataError(stage, f"no products of stage {stage!r} found (run it first)")
        return value


def _interactive_models(folder_pattern: str) -> dict[str, Path]:
    prefix = folder_pattern.split("{model}")[0]
    found = {}
    for path in sorted(config.interactive_dir().glob(prefix + "*")):
        if path.is_dir() and (path / "model.json").is_file():
            found[path.name[len(prefix) :]] = path
    return found


def stage_paths(
    stage: str,
    product_dir: str = "",
    upstream: dict[str, Any] | None = None,
    model: str | None = None,
) -> StagePaths:
    """Resolve a stage's product and upstream folders (runner values or interactive defaults).

    Parameters
    ----------
    stage : str
        Stage name.
    product_dir : str
        The ``product_dir`` notebook parameter ("" when run by hand).
    upstream : dict, optional
        The ``upstream`` notebook parameter ({} when run by hand).
    model : str, optional
        Model label, for per-model stages.
    """
    spec = STAGES[stage]
    interactive = not product_dir
    product = Path(product_dir) if product_dir else config.interactive_dir() / spec.folder_for(model)
    product.mkdir(parents=True, exist_ok=True)
    resolved: dict[str, Any] = {}
    for name in spec.upstream:
        given = (upstream or {}).get(name)
        up = STAGES[name]
        if given:
            resolved[name] = (
                {k: Path(v) for k, v in given.items()} if isinstance(given, dict) else Path(given)
            )
        elif up.per_model:
            resolved[name] = _interactive_models(up.folder)
        else:
            resolved[name] = config.interactive_dir() / up.folder
    return StagePaths(product=product, upstream=resolved, interactive=interactive)
