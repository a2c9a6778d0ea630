"""Test-session environment: every tool's caches and all products go to a temporary folder.

Loaded by pytest before collection (it sits at the project root), so the Jupyter kernels
that nbval and the runner start inherit these settings too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SCRATCH = Path(tempfile.mkdtemp(prefix="vitalkit-tests-"))
for name, sub in {
    "MPLCONFIGDIR": "mpl",
    "WANDB_DIR": "wandb",
    "IPYTHONDIR": "ipython",
    "XDG_CACHE_HOME": "cache",
    "VITALKIT_REPORTS_DIR": "reports",
    "VITALKIT_INTERACTIVE_DIR": "interactive",
    "VITALKIT_CACHE_DIR": "vk-cache",
}.items():
    os.environ[name] = str(_SCRATCH / sub)
    (_SCRATCH / sub).mkdir(parents=True, exist_ok=True)
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
os.environ["PYTHONHASHSEED"] = "0"
os.environ.setdefault("VITALKIT_TEST_SCRATCH", str(_SCRATCH))
