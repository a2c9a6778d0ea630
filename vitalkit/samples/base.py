"""What beat sets and window sets share: length, class counts, subsets, and their ``.npz`` form.

A sample set is a dataclass of per-sample arrays (named in ``ARRAYS``, first axis = sample)
plus the set's description (classes, sampling rate, channels, ...), saved as one ``.npz``
file: the arrays and a JSON ``meta`` string. Subclasses say which arrays they carry
(``ARRAYS``), which description keys go into ``meta`` (:meth:`SampleSet._header`) and how they
are read back (:meth:`SampleSet._from_header`); everything else lives here, once.

Examples
--------
>>> import numpy as np
>>> from vitalkit.samples import WindowSet
>>> ws = WindowSet(np.zeros((3, 1, 4), np.float32), np.array([0, 1, 1]), np.array(["a", "a", "b"]),
...                np.array(["p", "p", "q"]), np.zeros(3, np.int64), ("x", "y"), "multiclass", 100.0, ("II",))
>>> len(ws), ws.class_counts(), len(ws.subset(ws.labels == 1))
(3, {'x': 1, 'y': 2}, 2)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from vitalkit.errors import DataError
from vitalkit.io import save_npz

S = TypeVar("S", bound="SampleSet")


class SampleSet:
    """Base of :class:`~vitalkit.samples.BeatSet` and :class:`~vitalkit.samples.WindowSet`.

    Subclasses are dataclasses with the arrays of ``ARRAYS``, a ``labels`` array among them,
    and a ``meta`` dict; ``KIND`` names them in a saved file's metadata and ``NOUN`` in messages.
    """

    ARRAYS: ClassVar[tuple[str, ...]] = ()
    KIND: ClassVar[str] = ""
    NOUN: ClassVar[str] = "sample"
    KINDS: ClassVar[dict[str, type[SampleSet]]] = {}
    """Every sample-set class by its ``KIND`` (filled as subclasses are defined)."""

    labels: np.ndarray
    classes: tuple[str, ...]
    meta: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            SampleSet.KINDS[cls.KIND] = cls

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> dict[str, int]:
        """Samples per class, every class listed (multi-hot labels: samples carrying each label)."""
        if self.labels.ndim == 2:
            counts = self.labels.sum(axis=0) if len(self) else np.zeros(len(self.classes))
        else:
            counts = np.bincount(self.labels, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}

    def _description(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.name not in self.ARRAYS and f.name != "meta"
        }

    def _like(self: S, arrays: dict[str, np.ndarray]) -> S:
        return type(self)(**arrays, **self._description(), meta=dict(self.meta))

    def subset(self: S, mask: np.ndarray) -> S:
        """The samples where ``mask`` is true (or at the given indices)."""
        return self._like({name: getattr(self, name)[mask] for name in self.ARRAYS})

    @classmethod
    def concatenate(cls, parts: Sequence[S], like: S) -> S:
        """Concatenate sets shaped like ``like`` (an empty list gives an empty set)."""
        if not parts:
            return like.subset(np.zeros(len(like), dtype=bool))
        return like._like({name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.ARRAYS})

    def _header(self) -> dict[str, Any]:
        """The description written into the file's ``meta`` (subclasses: key order is the file's)."""
        raise NotImplementedError

    @classmethod
    def _from_header(cls, meta: dict[str, Any]) -> dict[str, Any]:
        """Constructor keywords popped from a file's ``meta`` (what remains becomes ``meta``)."""
        raise NotImplementedError

    @classmethod
    def _check(cls, path: Path, arrays: dict[str, np.ndarray]) -> None:
        """Refuse arrays of the wrong shape (``path`` names the file in the error)."""

    def save(self, path: str | Path) -> None:
        """Write the set to an ``.npz`` file atomically."""
        header = {**self._header(), **self.meta}
        save_npz(path, **{n: getattr(self, n) for n in self.ARRAYS}, meta=np.array(json.dumps(header)))

    @classmethod
    def load(cls: type[S], path: str | Path) -> S:
        """Read a set written by :meth:`save`, naming the file on any problem."""
        path = Path(path)
        if not path.is_file():
            raise DataError(path, f"{cls.NOUN} dataset file not found (did the preprocessing stage run?)")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [k for k in (*cls.ARRAYS, "meta") if k not in data]
                if missing:
                    raise DataError(path, f"not a {cls.NOUN} dataset: missing arrays {missing}")
                arrays = {name: data[name] for name in cls.ARRAYS}
                meta = json.loads(str(data["meta"]))
        except (OSError, ValueError) as exc:
            raise DataError(path, f"cannot be read as .npz ({exc})") from None
        cls._check(path, arrays)
        meta.pop("kind", None)
        try:
            described = cls._from_header(meta)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(path, f"its metadata lacks or garbles {exc}") from None
        return cls(**arrays, **described, meta=meta)
