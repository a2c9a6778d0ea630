"""Sub-modules imported on first use: the ``__getattr__`` of VitalKit's packages.

A package lists its heavier sub-modules (plotting, neurokit2, torch) and binds the function
this module makes to its own ``__getattr__`` (PEP 562), so ``import vitalkit`` stays fast and
``vk.rhythm.af`` still works.

Examples
--------
>>> getattr_ = lazy_submodules("vitalkit", ("labels",))
>>> getattr_("labels").__name__
'vitalkit.labels'
>>> getattr_("nothing")
Traceback (most recent call last):
...
AttributeError: module 'vitalkit' has no attribute 'nothing'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from types import ModuleType


def lazy_submodules(package: str, names: Iterable[str]) -> Callable[[str], ModuleType]:
    """A module ``__getattr__`` importing ``package.<name>`` for each of ``names`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : iterable of str
        Sub-modules to import on first attribute access; any other name raises
        :class:`AttributeError`, as a plain module would.

    Returns
    -------
    callable
        ``__getattr__(name) -> module``; the module is also stored on the package, so the
        next access does not come back here.
    """
    lazy = frozenset(names)

    def __getattr__(name: str) -> ModuleType:
        if name in lazy:
            module = importlib.import_module(f"{package}.{name}")
            setattr(sys.modules[package], name, module)
            return module
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
