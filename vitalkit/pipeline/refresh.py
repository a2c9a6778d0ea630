"""Re-execute stage notebooks in place with their default parameters.

The committed notebooks carry the outputs of their defaults (a small real slice), which
``nbval`` compares on every test run. After changing a notebook or the code it calls,
``make notebooks`` refreshes those outputs. They are executed in the environment the tests
give the kernels (:func:`isolated_environment`: fresh interactive, cache and tool folders,
``PYTHONHASHSEED=0``, W&B offline), so that the committed outputs are the ones nbval gets.

Examples
--------
``python -m vitalkit.pipeline.refresh notebooks/01_explore.ipynb``
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from vitalkit.config import isolated_environment
from vitalkit.pipeline.runner import LocalKernelManager, kernel_name

VOLATILE_METADATA = ("execution", "papermill")


def refresh(path: Path, timeout: int = 1800) -> None:
    """Execute ``path`` top to bottom in its folder and write it back without timing metadata."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name(),
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        kernel_manager_class=LocalKernelManager,
    )

    client.execute()
    for cell in nb.cells:
        for key in VOLATILE_METADATA:
            cell.metadata.pop(key, None)
    for key in VOLATILE_METADATA:
        nb.metadata.pop(key, None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    """Refresh every notebook named on the command line, in order, in a fresh isolated environment."""
    scratch = isolated_environment()
    print(f"scratch folders: {scratch}", flush=True)
    for name in argv:
        print(f"executing {name} ...", flush=True)
        refresh(Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
