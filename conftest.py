"""Test-session environment: every tool's caches and all products go to a temporary folder.

Loaded by pytest before collection (it sits at the project root), so the Jupyter kernels
that nbval and the runner start inherit these settings too.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from vitalkit.config import isolated_environment

_SCRATCH = isolated_environment(Path(tempfile.mkdtemp(prefix="vitalkit-tests-")))
os.environ.setdefault("VITALKIT_TEST_SCRATCH", str(_SCRATCH))


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Undo whatever a test did to ``os.environ``: the notebook kernels started later inherit it.

    Starting a Dask ``LocalCluster`` in the test process, for one, sets ``OMP_NUM_THREADS=1``
    and a random ``PYTHONHASHSEED`` there, and a kernel trained with 1 thread ends elsewhere.
    """
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)
