"""Test-session environment: every tool's caches and all products go to a temporary folder.

Loaded by pytest before collection (it sits at the project root), so the Jupyter kernels
that nbval and the runner start inherit these settings too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vitalkit.config import isolated_environment

_SCRATCH = isolated_environment(Path(tempfile.mkdtemp(prefix="vitalkit-tests-")))
os.environ.setdefault("VITALKIT_TEST_SCRATCH", str(_SCRATCH))
