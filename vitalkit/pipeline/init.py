"""``vitalkit init DIR``: a working folder for an installed VitalKit, outside any checkout.

A wheel carries the stage notebooks and parameter sets (under ``<prefix>/share/vitalkit/``).
``init_project`` copies them into ``DIR/notebooks`` and ``DIR/params``, creates ``data/raw``
and ``reports/``, writes a short README and the ``.vitalkit-project`` marker by which
:func:`vitalkit.config.project_root` finds the folder from anywhere inside it, and registers
the ``vitalkit`` Jupyter kernel for the running interpreter (``--sys-prefix``: inside its
environment, nothing written to the user's folders). Existing files are never overwritten
unless asked.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = init_project(Path(tempfile.mkdtemp()) / "work", register_kernel=False)
>>> sorted(p.name for p in folder.iterdir())
['.vitalkit-project', 'README.md', 'data', 'notebooks', 'params', 'reports']
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from vitalkit import __version__, config
from vitalkit.errors import DataError

KERNEL_NAME = "vitalkit"
"""Name of the Jupyter kernel the runner uses by default."""

README = """# VitalKit working folder

Made by `vitalkit init` (VitalKit {version}).

- `notebooks/`: the stage notebooks (open them in JupyterLab with the kernel "Python (VitalKit)").
- `params/`: parameter sets; `vitalkit run params/smoke.yaml` runs one into `reports/<run-id>/`.
- `data/raw/`: the data directory (or set `VITALKIT_DATA_DIR`); missing PhysioNet records are
  downloaded there.

Commands: `vitalkit stages`, `vitalkit validate params/default.yaml`, `vitalkit run
params/default.yaml`, `vitalkit predict RECORD --out DIR`. Run them anywhere inside this folder.
"""


def install_kernel(name: str = KERNEL_NAME) -> Path:
    """Register a Jupyter kernel for this interpreter inside its environment (``sys.prefix``)."""
    from ipykernel.kernelspec import install

    return Path(install(kernel_name=name, display_name="Python (VitalKit)", prefix=sys.prefix))


def init_project(
    folder: str | Path,
    force: bool = False,
    register_kernel: bool = True,
    source: str | Path | None = None,
) -> Path:
    """Write a working folder: notebooks, parameter sets, data and reports folders, README.

    Parameters
    ----------
    folder : str or Path
        The folder to write (created; may exist if it holds none of the files to write).
    force : bool
        Overwrite notebooks and parameter sets that exist (earlier reports and data are kept).
    register_kernel : bool
        Register the ``vitalkit`` Jupyter kernel for this interpreter.
    source : str or Path, optional
        Folder holding ``notebooks/`` and ``params/`` (default :func:`vitalkit.config.shipped_dir`).

    Returns
    -------
    Path
        The working folder.
    """
    dest = Path(folder).expanduser().resolve()
    src = Path(source) if source else config.shipped_dir()
    files = {
        sub: sorted((src / sub).glob(pattern))
        for sub, pattern in (("notebooks", "*.ipynb"), ("params", "*.yaml"))
    }
    for sub, found in files.items():
        if not found:
            raise DataError(src / sub, "no shipped files found: is VitalKit installed with its data files?")
    if dest.exists() and not dest.is_dir():
        raise DataError(dest, "exists and is not a folder")
    clashes = [
        dest / sub / f.name for sub, found in files.items() for f in found if (dest / sub / f.name).exists()
    ]
    if clashes and not force:
        raise DataError(
            dest,
            f"{len(clashes)} files exist already (e.g. {clashes[0].name}); use --force to overwrite them",
        )
    for sub, found in files.items():
        (dest / sub).mkdir(parents=True, exist_ok=True)
        for f in found:
            shutil.copyfile(f, dest / sub / f.name)
    (dest / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (dest / "reports").mkdir(exist_ok=True)
    if not (dest / "README.md").exists():
        (dest / "README.md").write_text(README.format(version=__version__))
    (dest / config.PROJECT_MARKER).write_text(f"vitalkit {__version__}\n")
    if register_kernel:
        install_kernel()
    return dest
