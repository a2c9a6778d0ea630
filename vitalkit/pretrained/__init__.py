"""Pretrained models shipped with VitalKit, each a self-describing ONNX package with a model card.

=============  =====================  ===========================================================
name           file                   what
=============  =====================  ===========================================================
``beats``      ``beats_ds1.onnx``     the default beat recipe trained on MIT-BIH DS1 (22
                                      patients); its DS2 figures are in ``beats_ds1.md``
``beats-all``  ``beats_all.onnx``     the same recipe on all 44 non-paced MIT-BIH records: not
                                      evaluable on MIT-BIH (it has seen every patient)
``af``         ``af_cinc2017.onnx``   rhythm (N, A = AF, O = other, ~ = noisy) of 30 s windows:
                                      gradient boosting on rhythm features of CinC 2017 records
                                      (``vitalkit predict --task rhythm``); CV figures in its card
=============  =====================  ===========================================================

``make pretrained`` regenerates them from the data (:mod:`vitalkit.pretrained.build`);
``vitalkit predict`` without a model uses ``beats``.

Examples
--------
>>> resolve_model(None).name
'beats_ds1.onnx'
>>> resolve_model("nothing-like-this")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vitalkit.errors.DataError: nothing-like-this: model file not found (and not a shipped model: beats, ...)
"""

from __future__ import annotations

from pathlib import Path

from vitalkit.errors import DataError

FOLDER = Path(__file__).parent

PRETRAINED: dict[str, str] = {
    "beats": "beats_ds1.onnx",
    "beats-all": "beats_all.onnx",
    "af": "af_cinc2017.onnx",
}
"""Shipped models by name."""

DEFAULT = "beats"
"""The model ``vitalkit predict`` uses when none is given."""

DEFAULT_BY_TASK: dict[str, str] = {"beats": "beats", "rhythm": "af"}
"""The shipped model ``vitalkit predict --task T`` uses when none is given."""


def resolve_model(model: str | Path | None) -> Path:
    """The model file of a path or a shipped model's name (default :data:`DEFAULT`).

    Raises
    ------
    DataError
        Neither an existing file nor a shipped model (or the shipped file is missing: run
        ``make pretrained``).
    """
    name = DEFAULT if model is None else str(model)
    if name in PRETRAINED:
        path = FOLDER / PRETRAINED[name]
        if not path.is_file():
            raise DataError(path, f"shipped model {name!r} is missing; regenerate it with `make pretrained`")
        return path
    path = Path(name)
    if not path.is_file():
        raise DataError(path, f"model file not found (and not a shipped model: {', '.join(PRETRAINED)})")
    return path
