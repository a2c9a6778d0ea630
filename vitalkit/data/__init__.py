"""Reading physiological records and the databases they come from.

PhysioNet databases (:mod:`~vitalkit.data.physionet`, :mod:`~vitalkit.data.mitdb`), your own
recordings in any supported format (:func:`read_record`, :mod:`~vitalkit.data.readers`),
``labels.json`` dataset folders (:func:`read_labelled_folder`), serial logs
(:mod:`~vitalkit.data.serial`) and synthetic ECG (:mod:`~vitalkit.data.synthetic`).

Examples
--------
>>> from vitalkit.data import mitdb
>>> mitdb.DS1[:3]
('101', '106', '108')
"""

from __future__ import annotations

from vitalkit.data.labelled import LabelledDataset, read_labelled_folder
from vitalkit.data.physionet import DATABASES, PhysioNetDatabase, ensure_records
from vitalkit.data.readers import READERS, read_record
from vitalkit.data.records import Annotations, Record
from vitalkit.data.wfdb_io import read_annotations, read_wfdb, verify_wfdb_record
from vitalkit.lazy import lazy_submodules

__all__ = [
    "DATABASES",
    "READERS",
    "Annotations",
    "LabelledDataset",
    "PhysioNetDatabase",
    "Record",
    "ensure_records",
    "read_annotations",
    "read_labelled_folder",
    "read_record",
    "read_wfdb",
    "verify_wfdb_record",
]

_LAZY = ("examples", "mitdb", "nstdb", "serial", "synthetic", "timebase", "writers")


# the heavier sub-modules are imported on first use (``vk.data.synthetic`` loads neurokit2)
__getattr__ = lazy_submodules(__name__, _LAZY)
