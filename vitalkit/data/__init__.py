"""Reading physiological records and the databases they come from.

Examples
--------
>>> from vitalkit.data import mitdb
>>> mitdb.DS1[:3]
('101', '106', '108')
"""

from __future__ import annotations

from vitalkit.data.physionet import DATABASES, PhysioNetDatabase, ensure_records
from vitalkit.data.records import Annotations, Record
from vitalkit.data.wfdb_io import read_annotations, read_wfdb, verify_wfdb_record

__all__ = [
    "DATABASES",
    "Annotations",
    "PhysioNetDatabase",
    "Record",
    "ensure_records",
    "read_annotations",
    "read_wfdb",
    "verify_wfdb_record",
]
