"""The packages' lazy sub-modules come from one helper."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("package", "name"),
    [
        ("vitalkit", "labels"),
        ("vitalkit.signal", "noise"),
        ("vitalkit.rhythm", "rhythms"),
        ("vitalkit.data", "mitdb"),
    ],
)
def test_lazy_submodules_load_on_first_use_and_others_raise(package: str, name: str) -> None:
    module = importlib.import_module(package)
    assert getattr(module, name).__name__ == f"{package}.{name}"
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        module.nothing  # noqa: B018
