"""Rhythm names: one vocabulary for MIT-BIH, cudb, vfdb and CinC 2017 labels, and the task groups.

PhysioNet rhythm annotations are ``+`` annotations whose auxiliary note names the rhythm that
starts there (``'(AFIB'``); cudb marks ventricular fibrillation/flutter episodes with ``[`` and
``]`` instead; CinC 2017 labels whole records (N, A, O, ~). Everything is mapped to the short
names of :data:`RHYTHMS`.

Examples
--------
>>> rhythm_name("(AFIB"), rhythm_name("(AF"), rhythm_name("(VFL\\x00")
('AFIB', 'AFIB', 'VFL')
>>> sorted(SHOCKABLE)
['VF', 'VFL', 'VTfast']
"""

from __future__ import annotations

RHYTHMS: dict[str, str] = {
    "N": "normal sinus rhythm",
    "SBR": "sinus bradycardia",
    "AFIB": "atrial fibrillation",
    "AFL": "atrial flutter",
    "SVTA": "supraventricular tachyarrhythmia",
    "NOD": "nodal (junctional) rhythm",
    "AB": "atrial bigeminy",
    "B": "ventricular bigeminy",
    "T": "ventricular trigeminy",
    "IVR": "idioventricular rhythm",
    "BII": "2nd degree heart block",
    "PREX": "pre-excitation (WPW)",
    "P": "paced rhythm",
    "VT": "ventricular tachycardia at or below the fast-VT rate",
    "VTfast": "fast ventricular tachycardia (above the fast-VT rate)",
    "VF": "ventricular fibrillation",
    "VFL": "ventricular flutter",
    "O": "other rhythm (CinC 2017 class O)",
    "NOISE": "noise (too noisy to classify)",
    "U": "unlabelled stretch (before the first rhythm annotation; cudb outside VF episodes)",
}
"""Rhythm names and what they mean."""

AUX_NOTES: dict[str, str] = {
    "(N": "N",
    "(NSR": "N",
    "(SBR": "SBR",
    "(AFIB": "AFIB",
    "(AF": "AFIB",
    "(AFL": "AFL",
    "(SVTA": "SVTA",
    "(NOD": "NOD",
    "(AB": "AB",
    "(B": "B",
    "(T": "T",
    "(IVR": "IVR",
    "(BII": "BII",
    "(PREX": "PREX",
    "(P": "P",
    "(VT": "VT",
    "(VF": "VF",
    "(VFL": "VFL",
    "(NOISE": "NOISE",
}
"""Rhythm annotation auxiliary notes (MIT-BIH, cudb, vfdb) to rhythm names."""

CINC_CLASSES: tuple[str, ...] = ("N", "A", "O", "~")
"""CinC 2017 classes: normal, AF, other rhythm, noisy."""

RHYTHM_MEANING: dict[str, str] = {
    "N": "normal sinus rhythm",
    "A": "atrial fibrillation",
    "O": "another rhythm",
    "~": "too noisy to classify",
}
"""What each CinC 2017 class means (model cards, package metadata, reports)."""

CINC_RHYTHMS: dict[str, str] = {"N": "N", "A": "AFIB", "O": "O", "~": "NOISE"}
"""CinC 2017 record labels to rhythm names."""

SHOCKABLE: frozenset[str] = frozenset({"VF", "VFL", "VTfast"})
"""Rhythms a defibrillator should shock: ventricular fibrillation/flutter and fast VT."""

AF_RHYTHMS: frozenset[str] = frozenset({"AFIB", "AFL"})
"""Rhythms counted as AF episodes in the cross-dataset check."""


def rhythm_name(aux_note: str) -> str:
    """The rhythm name of an auxiliary note; an unknown note keeps its text without ``(``.

    Unknown notes are kept rather than dropped, so a database with a label we do not know
    shows it in every table instead of silently merging it into another rhythm.
    """
    note = str(aux_note).replace("\x00", "").strip()
    return AUX_NOTES.get(note, note.lstrip("(") or "U")


def shockable_label(rhythm: str) -> str | None:
    """``'shockable'``, ``'non-shockable'`` or None (noise: excluded from the task).

    Examples
    --------
    >>> [shockable_label(r) for r in ["VF", "VT", "N", "NOISE"]]
    ['shockable', 'non-shockable', 'non-shockable', None]
    """
    if rhythm == "NOISE":
        return None
    return "shockable" if rhythm in SHOCKABLE else "non-shockable"


SHOCK_CLASSES: tuple[str, ...] = ("non-shockable", "shockable")
"""Classes of the shockable-rhythm task."""
